/* pshm_read.c: print the string stored in a POSIX shared memory object.
 *
 * Usage: pshm_read [-v] NAME
 *
 * Source 001, sections 54.1-54.2. The object is opened
 * read-only, its size taken with fstat(), and it is mapped MAP_SHARED,
 * PROT_READ. The program prints the object's bytes up to the first NUL (or
 * all of them if there is none) and a newline. Run it after the writer has
 * exited: the data is still there, because the object lives in the kernel
 * (tmpfs at /dev/shm) until shm_unlink, not in any process.
 *
 * -v: on stderr, how many bytes were printed and the object's size.
 *
 * Differences from the source: the text includes no reader. Stopping at
 * the first NUL makes the output a clean line when a short string sits in
 * a larger object. An empty object is not mapped
 * (mmap of length 0 is EINVAL): it reads as an empty string.
 *
 * See also: pshm_write.c (the writer), pshm_unlink.c.
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

    // BEGIN SOLUTION: open the object read-only
    //| // TODO 1: open the existing object NAME read-only (shm_open; die(name)).
    //| int fd = -1;
    //| lab_todo("open NAME read-only with shm_open");
    int fd = shm_open(name, O_RDONLY, 0);
    if (fd == -1)
        die(name);
    // END SOLUTION
    struct stat sb;
    if (fstat(fd, &sb) == -1)
        die("fstat");
    size_t size = (size_t)sb.st_size, len = 0;

    if (size > 0) {
        // BEGIN SOLUTION: map it, print the text, unmap
        //| // TODO 2: map the SIZE bytes read-only and shared (die("mmap")); print
        //| // the text at its start: its bytes up to the first NUL, or all SIZE
        //| // bytes if there is none (the object need not hold a C string), and set
        //| // LEN to how many were printed; unmap (die("munmap")).
        //| lab_todo("map the object read-only and print its text");
        const char *addr = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
        if (addr == MAP_FAILED)
            die("mmap");
        const char *nul = memchr(addr, '\0', size);
        len = nul ? (size_t)(nul - addr) : size;
        fwrite(addr, 1, len, stdout);
        if (munmap((void *)addr, size) == -1)
            die("munmap");
        // END SOLUTION
    }
    putchar('\n');
    if (close(fd) == -1)
        die("close");
    if (verbose)
        fprintf(stderr, "%s: %s: printed %zu bytes, object size %zu\n",
                lab_prog, name, len, size);
    return 0;
}
