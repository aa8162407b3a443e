/* pshm_stat.c: what fstat() and fcntl() say about a POSIX shm object.
 *
 * Usage: pshm_stat [-v] NAME
 *
 * Source 001, section 54.2. Because shm_open() returns an ordinary file
 * descriptor, the ordinary file calls work on it: fstat() gives the size,
 * the mode and the owner (the creator's effective user and group), and
 * fcntl(F_GETFD) shows that the descriptor has FD_CLOEXEC set, so an exec()
 * closes it (just as exec() removes the mappings).
 *
 * Output: size, mode, whether the owner is the caller's effective uid/gid,
 * and the FD_CLOEXEC flag. -v adds the numeric uid, gid and inode on stderr
 * (they differ from machine to machine).
 *
 * Differences from the source: the source describes fstat() but gives no
 * program; this one also shows FD_CLOEXEC, which the source states.
 *
 * See also: svshm_stat.c (lab 08), the System V equivalent (shmctl).
 */
#define _GNU_SOURCE
#include "lab.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

int main(int argc, char *argv[])
{
    lab_init(argc, argv, "[-v] NAME");
    int verbose = 0;
    for (const char *opt; (opt = lab_option()) != NULL; )
        verbose = 1;  /* -v */
    const char *name = lab_operand("NAME");
    lab_end_operands();
    check_ipc_name(name);

    int fd = shm_open(name, O_RDONLY, 0);
    if (fd == -1)
        die(name);
    struct stat sb;
    if (fstat(fd, &sb) == -1)
        die("fstat");
    int fdflags = fcntl(fd, F_GETFD);
    if (fdflags == -1)
        die("fcntl(F_GETFD)");

    printf("size: %lld bytes\n", (long long)sb.st_size);
    printf("mode: %04o\n", (unsigned)(sb.st_mode & 07777));
    if (sb.st_uid == geteuid() && sb.st_gid == getegid())
        printf("owner: the caller's effective user and group\n");
    else
        printf("owner: another user or group (see -v)\n");
    printf("FD_CLOEXEC: %s\n", (fdflags & FD_CLOEXEC) ? "set" : "not set");
    if (verbose)
        fprintf(stderr, "%s: %s: uid %ld, gid %ld, inode %llu, blocks %lld\n",
                lab_prog, name, (long)sb.st_uid, (long)sb.st_gid,
                (unsigned long long)sb.st_ino, (long long)sb.st_blocks);
    if (close(fd) == -1)
        die("close");
    return 0;
}
