/* pshm_resize.c: grow or shrink a POSIX shm object with ftruncate.
 *
 * Usage: pshm_resize [-r] [-v] NAME SIZE
 *
 * Source 001, sections 54.2 and 54.5 (difference 3). Unlike a System V
 * segment, whose size is fixed by shmget(), a POSIX object is resized at any
 * time with ftruncate(); bytes added by growing read as zero.
 *
 * Plain mode: ftruncate to SIZE, then map the object and count how many of
 * the new bytes read as 0.
 *
 * -r: the same, but with a mapping made BEFORE the resize, as a running
 * program would have. After ftruncate, the Linux-specific mremap() changes
 * that mapping's length (MREMAP_MAYMOVE: the kernel may move it to find
 * room). The program checks that the old bytes are still at the start of the
 * remapped region and that the new bytes read as 0. -v says on stderr
 * whether the mapping moved (addresses differ from run to run).
 *
 * Differences from the source: the source only says this is possible
 * ("ftruncate, then munmap and mmap, or mremap"); this program does it.
 *
 * See also: pshm_create.c; svshm_create.c (lab 08), where a larger size for
 * an existing segment is EINVAL.
 */
#define _GNU_SOURCE
#include "lab.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

/* Mapping the new size failed: put the old size back, so that a failed run
 * leaves the object as it found it, and say so. */
__attribute__((noreturn))
static void restore_and_fail(int fd, const char *name, size_t old_size,
                             const char *call)
{
    int err = errno;
    if (ftruncate(fd, (off_t)old_size) == -1)
        die("ftruncate (restoring the old size)");
    fail(EXIT_FAILURE, name, "%s: %s (%s); size restored to %zu bytes", call,
         strerror(err), errno_name(err), old_size);
}

/* How many of the bytes p[from..to) are 0. */
static size_t count_zeros(const char *p, size_t from, size_t to)
{
    size_t n = 0;
    for (size_t i = from; i < to; i++)
        n += p[i] == '\0';
    return n;
}

int main(int argc, char *argv[])
{
    lab_init(argc, argv, "[-r] [-v] NAME SIZE");
    int use_mremap = 0, verbose = 0;
    for (const char *opt; (opt = lab_option()) != NULL; ) {
        if (strcmp(opt, "-r") == 0)
            use_mremap = 1;
        else if (strcmp(opt, "-v") == 0)
            verbose = 1;
    }
    const char *name = lab_operand("NAME");
    const char *size_arg = lab_operand("SIZE");
    lab_end_operands();
    check_ipc_name(name);
    /* At most 1 TiB: the object must also fit a mapping, and user address
     * space is 128 TiB on x86-64 (less on some arm64 kernels). */
    size_t new_size = (size_t)parse_long(size_arg, 0, 1L << 40, "SIZE");

    int fd = shm_open(name, O_RDWR, 0);
    if (fd == -1)
        die(name);
    struct stat sb;
    if (fstat(fd, &sb) == -1)
        die("fstat");
    size_t old_size = (size_t)sb.st_size;
    if (use_mremap && (old_size == 0 || new_size == 0))
        fail(EXIT_FAILURE, name, "-r needs a mapping: old and new size must be "
             "above 0 (they are %zu and %zu)", old_size, new_size);

    /* With -r, map first, and keep a copy of the old bytes to compare. */
    char *old_map = NULL, *copy = NULL;
    if (use_mremap) {
        old_map = mmap(NULL, old_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (old_map == MAP_FAILED)
            die("mmap");
        copy = malloc(old_size);
        if (copy == NULL)
            die("malloc");
        memcpy(copy, old_map, old_size);
    }

    // BEGIN SOLUTION: resize the object
    //| // TODO 1: set the object's size to NEW_SIZE bytes (die("ftruncate")).
    //| lab_todo("resize the object with ftruncate");
    if (ftruncate(fd, (off_t)new_size) == -1)
        die("ftruncate");
    // END SOLUTION
    if (fstat(fd, &sb) == -1)
        die("fstat");
    const char *how = new_size >= old_size ? "grown" : "shrunk";
    printf("%s from %zu to %lld bytes with ftruncate\n", how, old_size,
           (long long)sb.st_size);

    char *map;
    if (use_mremap) {
        // BEGIN SOLUTION: resize the mapping
        //| // TODO 2: resize the mapping OLD_MAP from OLD_SIZE to NEW_SIZE bytes with
        //| // mremap, allowing the kernel to move it; if it fails, put the old
        //| // size back with restore_and_fail(fd, name, old_size, "mremap").
        //| map = NULL;
        //| lab_todo("resize the mapping with mremap(MREMAP_MAYMOVE)");
        map = mremap(old_map, old_size, new_size, MREMAP_MAYMOVE);
        if (map == MAP_FAILED)
            restore_and_fail(fd, name, old_size, "mremap");
        // END SOLUTION
        if (verbose)
            fprintf(stderr, "%s: mapping %p -> %p (%s)\n", lab_prog,
                    (void *)old_map, (void *)map,
                    map == old_map ? "grown in place" : "moved");
        size_t keep = old_size < new_size ? old_size : new_size;
        printf("mapping resized with mremap from %zu to %zu bytes: "
               "the first %zu bytes are unchanged: %s\n", old_size, new_size,
               keep, memcmp(map, copy, keep) == 0 ? "yes" : "no");
        free(copy);
    } else if (new_size > 0) {
        map = mmap(NULL, new_size, PROT_READ, MAP_SHARED, fd, 0);
        if (map == MAP_FAILED)
            restore_and_fail(fd, name, old_size, "mmap");
    } else {
        map = NULL;
    }
    if (new_size > old_size)
        printf("new bytes that read as 0: %zu of %zu\n",
               count_zeros(map, old_size, new_size), new_size - old_size);
    if (map != NULL && munmap(map, new_size) == -1)
        die("munmap");
    if (close(fd) == -1)
        die("close");
    return 0;
}
