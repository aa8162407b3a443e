/* svshm_create.c: create (or look up) a System V shared memory segment.
 *
 * Usage: svshm_create [-x] [-m MODE] [-v] SIZE [PATH PROJ]
 *
 * Source 002 (shmget, step 1 of the four it lists), and source 001
 * section 54.5 (keys and identifiers instead of names and descriptors). A
 * System V segment is named by a key, not by a file name: either
 * IPC_PRIVATE (always a new segment; share its identifier with others) or a
 * key made by ftok(PATH, PROJ) from an existing file and a project number.
 * shmget() turns the key into an identifier, creating the segment if needed.
 * The size is fixed here, at creation: shmget() for an existing key with a
 * LARGER size fails with EINVAL (a smaller or equal size just finds the
 * segment). The mode bits are taken as given: unlike open() and shm_open(),
 * shmget() does not apply the umask. MODE defaults to 0600. -x adds
 * IPC_EXCL: fail with EEXIST if the key already has a segment.
 *
 * Output: the segment's identifier, alone on a line, so that a shell can
 * keep it (id=$(svshm_create 100)); it varies from run to run, so graded
 * runs never print it. -v: the key on stderr.
 *
 * Differences from the sources: they show no System V program (source
 * 002's example is missing from its text). A key written as a constant,
 * as many examples do, collides between users and between parallel runs;
 * here the key is IPC_PRIVATE or comes from ftok on a file the caller owns.
 *
 * See also: svshm_write.c, svshm_read.c, svshm_stat.c, svshm_rm.c;
 * pshm_create.c (lab 07), the POSIX equivalent.
 */
#define _GNU_SOURCE
#include "lab.h"

#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/stat.h>

int main(int argc, char *argv[])
{
    lab_init(argc, argv, "[-x] [-m MODE] [-v] SIZE [PATH PROJ]");
    int flags = IPC_CREAT, verbose = 0;
    int mode = 0600;
    for (const char *opt; (opt = lab_option()) != NULL; ) {
        if (strcmp(opt, "-x") == 0)
            flags |= IPC_EXCL;
        else if (strcmp(opt, "-v") == 0)
            verbose = 1;
        else if (strcmp(opt, "-m") == 0)
            mode = (int)parse_mode(lab_optarg, "MODE");
    }
    const char *size_arg = lab_operand("SIZE");
    const char *path = lab_next_operand();
    const char *proj_arg = path ? lab_operand("PROJ (PATH needs a PROJ number)") : NULL;
    lab_end_operands();
    /* At most 1 TiB: beyond that only a machine's overcommit policy decides. */
    long size = parse_long(size_arg, 1, 1L << 40, "SIZE");

    /* The key: IPC_PRIVATE, or ftok of an existing file and a project id. */
    key_t key = IPC_PRIVATE;
    if (path != NULL) {
        long proj = parse_long(proj_arg, 1, 255, "PROJ");
        key = ftok(path, (int)proj);
        if (key == -1)
            die(path);
    }
    if (verbose)
        fprintf(stderr, "%s: key 0x%08lx%s\n", lab_prog, (unsigned long)key,
                key == IPC_PRIVATE ? " (IPC_PRIVATE)" : "");

    // BEGIN SOLUTION: get the segment
    //| // TODO: get a segment of SIZE bytes for KEY with shmget, FLAGS and MODE
    //| // together as its flags; ID is its identifier, or -1 (then errno says why).
    //| int id = -1;
    //| (void)flags; (void)mode;
    //| lab_todo("create or find the segment with shmget");
    int id = shmget(key, (size_t)size, flags | mode);
    // END SOLUTION
    if (id == -1) {
        int err = errno;
        if (err == EINVAL && key != IPC_PRIVATE && !(flags & IPC_EXCL))
            fail(EXIT_FAILURE, "shmget",
                 "%s (EINVAL): a segment with this key exists and is smaller "
                 "than %ld bytes, or the size is out of range", strerror(err),
                 size);
        errno = err;
        die("shmget");
    }
    printf("%d\n", id);
    return 0;
}
