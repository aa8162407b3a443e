/* pshm_create.c: create (or open) a POSIX shared memory object.
 *
 * Usage: pshm_create [-x] [-m MODE] NAME [SIZE]
 *
 * Source 001, sections 54.1-54.2. shm_open() is open() for a memory-backed
 * file under /dev/shm: it takes a name, flags and a mode, and returns a
 * file descriptor. A new object has size 0; ftruncate() gives it a size. The
 * mode is filtered through the umask, exactly as for open(). With -x the
 * call has O_CREAT|O_EXCL, so it fails with EEXIST if NAME already exists
 * (the caller is then sure to be the creator). MODE defaults to 0600.
 *
 * Output: what was done, the mode the object got (and the mode and umask
 * that produced it), and the size before and after ftruncate.
 *
 * Differences from the source: the text describes shm_open's flags but
 * includes no program; here, without -x, the program first tries
 * O_CREAT|O_EXCL and falls back to opening the existing object, so it can
 * say which of the two happened. NAME must be a portable POSIX name
 * ("/" followed by 1..NAME_MAX characters, none of them '/'): glibc would
 * silently accept "name" without the slash, see the handout.
 *
 * See also: pshm_write.c, pshm_read.c, pshm_stat.c, pshm_resize.c,
 * pshm_unlink.c; svshm_create.c (lab 08), the System V equivalent.
 */
#define _GNU_SOURCE
#include "lab.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

int main(int argc, char *argv[])
{
    lab_init(argc, argv, "[-x] [-m MODE] NAME [SIZE]");
    int excl = 0;
    mode_t mode = 0600;
    for (const char *opt; (opt = lab_option()) != NULL; ) {
        if (strcmp(opt, "-x") == 0)
            excl = 1;
        else if (strcmp(opt, "-m") == 0)
            mode = (mode_t)parse_mode(lab_optarg, "MODE");
    }
    const char *name = lab_operand("NAME");
    const char *size_arg = lab_next_operand();
    lab_end_operands();
    check_ipc_name(name);
    /* At most 1 TiB: tmpfs would take more, but no mapping of it would fit. */
    long size = size_arg ? parse_long(size_arg, 0, 1L << 40, "SIZE") : -1;

    /* Create with O_EXCL; without -x, fall back to an existing object. */
    // BEGIN SOLUTION: create the object, or open the existing one
    //| // TODO 1: create NAME read-write with O_CREAT|O_EXCL and MODE (shm_open).
    //| // If it exists already (EEXIST) and -x was not given (EXCL is 0), open the
    //| // existing object read-write instead and set CREATED to 0. Any other
    //| // failure: die(name).
    //| int created = 1;
    //| int fd = -1;
    //| (void)excl;
    //| lab_todo("create NAME with shm_open(O_CREAT|O_EXCL), or open it if it exists");
    int created = 1;
    int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, mode);
    if (fd == -1 && errno == EEXIST && !excl) {
        created = 0;
        fd = shm_open(name, O_RDWR, 0);  /* mode is ignored when not creating */
    }
    if (fd == -1)
        die(name);
    // END SOLUTION

    struct stat sb;
    if (fstat(fd, &sb) == -1)
        die("fstat");
    if (created) {
        mode_t mask = umask(0);           /* read the umask ... */
        umask(mask);                      /* ... and put it back */
        printf("created with O_CREAT|O_EXCL: mode %04o (asked %04o, umask %04o), "
               "size %lld\n", (unsigned)(sb.st_mode & 07777), (unsigned)mode,
               (unsigned)mask, (long long)sb.st_size);
    } else {
        printf("opened an existing object: mode %04o, size %lld\n",
               (unsigned)(sb.st_mode & 07777), (long long)sb.st_size);
    }

    /* A size given: set it with ftruncate, as for any file. */
    if (size >= 0) {
        // BEGIN SOLUTION: set the size
        //| // TODO 2: set the object's size to SIZE bytes (die("ftruncate")).
        //| lab_todo("set the object's size with ftruncate");
        if (ftruncate(fd, size) == -1)
            die("ftruncate");
        // END SOLUTION
        if (fstat(fd, &sb) == -1)
            die("fstat");
        printf("ftruncate: size %lld\n", (long long)sb.st_size);
    }
    if (close(fd) == -1)
        die("close");
    return 0;
}
