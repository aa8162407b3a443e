/* svshm_stat.c: what shmctl(IPC_STAT) says about a System V segment.
 *
 * Usage: svshm_stat [-v] SHMID
 *
 * Source 002 (shmctl, "to get information or control the region") and
 * source 001 section 54.5 (System V needs its own calls). A System V segment has no file descriptor,
 * so fstat() cannot describe it: its own call, shmctl(IPC_STAT), fills a
 * struct shmid_ds with the size, the permissions, the number of attached
 * processes (nattch) and the creator. After IPC_RMID, while processes are
 * still attached, the segment is "marked for deletion" (SHM_DEST) and its
 * key becomes IPC_PRIVATE; it disappears at the last detach.
 *
 * Output: size, mode, nattch, owner (whether it is the caller's effective
 * user and group) and the deletion mark. -v: the key, the ids of the
 * creator and of the last process that attached or detached, and the
 * numeric uid, on stderr (they vary from run to run).
 *
 * Differences from the sources: they do not say what shmctl's information
 * is; this program prints it.
 *
 * See also: pshm_stat.c (lab 07), the POSIX equivalent with fstat.
 */
#define _GNU_SOURCE
#include "lab.h"

#include <sys/ipc.h>
#include <sys/shm.h>

int main(int argc, char *argv[])
{
    lab_init(argc, argv, "[-v] SHMID");
    int verbose = 0;
    for (const char *opt; (opt = lab_option()) != NULL; )
        verbose = 1;  /* -v */
    const char *arg = lab_operand("SHMID");
    lab_end_operands();
    int id = (int)parse_long(arg, 0, INT_MAX, "SHMID");

    struct shmid_ds ds;
    if (shmctl(id, IPC_STAT, &ds) == -1)
        die(arg);
    printf("size: %zu bytes\n", (size_t)ds.shm_segsz);
    printf("mode: %04o\n", (unsigned)(ds.shm_perm.mode & 0777));
    printf("nattch: %lu\n", (unsigned long)ds.shm_nattch);
    if (ds.shm_perm.uid == geteuid() && ds.shm_perm.gid == getegid())
        printf("owner: the caller's effective user and group\n");
    else
        printf("owner: another user or group (see -v)\n");
    printf("marked for deletion: %s\n",
           (ds.shm_perm.mode & SHM_DEST) ? "yes" : "no");
    if (verbose)
        fprintf(stderr, "%s: %s: key 0x%08lx, creator pid %ld, last "
                "shmat/shmdt pid %ld, uid %ld, creator uid %ld\n", lab_prog,
                arg, (unsigned long)ds.shm_perm.__key, (long)ds.shm_cpid,
                (long)ds.shm_lpid, (long)ds.shm_perm.uid,
                (long)ds.shm_perm.cuid);
    return 0;
}
