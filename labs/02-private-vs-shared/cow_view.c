/* cow_view.c: what a private mapping sees of other writers, and what read()
 * sees of a shared mapping.
 *
 * Usage: cow_view NEWFILE
 *
 * Creates NEWFILE (two pages of '.'), then shows two facts the source texts do
 * not state (claims M2 and M4b):
 *
 *  1. A MAP_PRIVATE mapping is not a snapshot. Until this process stores into
 *     a page, that page of the mapping *is* the page-cache page, so a write()
 *     by anybody else shows through. The first store copies the page
 *     (copy-on-write); from then on that page no longer sees other writers,
 *     while pages not yet stored into still do.
 *
 *        page 1           page 2
 *        +---------+      +---------+
 *        | private |      |  cache  | <-- write() to the file shows here
 *        |  copy   |      |  page   |
 *        +---------+      +---------+
 *
 *  2. A store through a MAP_SHARED mapping is in the page cache at once:
 *     pread() on another descriptor sees it before any msync(). msync is
 *     about getting the page to the disk, not to other readers.
 *
 * The "other writer" is a second descriptor in this same process: the page
 * cache does not care which process a write() comes from.
 *
 * See also: map_private.c, map_file.c (lab 01).
 */
#define _GNU_SOURCE
#include "lab.h"

#include <fcntl.h>
#include <sys/mman.h>

/* write() one byte at off through descriptor fd, or die. */
static void put_byte(int fd, off_t off, char c, const char *path)
{
    if (pwrite(fd, &c, 1, off) != 1)
        die(path);
}

/* pread() one byte at off through descriptor fd, or die. */
static char get_byte(int fd, off_t off, const char *path)
{
    char c;
    if (pread(fd, &c, 1, off) != 1)
        die(path);
    return c;
}

int main(int argc, char *argv[])
{
    lab_init(argc, argv, "NEWFILE");
    const char *path = lab_operand("NEWFILE");
    lab_end_operands();
    long page = page_size();
    size_t len = 2 * (size_t)page;

    /* A new file of two pages, all '.'. O_EXCL: never clobber a file. */
    int writer = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (writer == -1)
        die(path);
    char *dots = malloc(len);
    if (dots == NULL)
        die("malloc");
    memset(dots, '.', len);
    if (write(writer, dots, len) != (ssize_t)len)
        die(path);
    free(dots);

    int fd = open(path, O_RDWR);
    if (fd == -1)
        die(path);
    // BEGIN SOLUTION: map both pages privately
    //| // TODO 1: map the file's LEN bytes (two pages) through FD, readable,
    //| // writable and private (MAP_PRIVATE). On failure: die("mmap MAP_PRIVATE").
    //| char *priv = NULL;
    //| lab_todo("map the two pages with mmap(MAP_PRIVATE)");
    char *priv = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (priv == MAP_FAILED)
        die("mmap MAP_PRIVATE");
    // END SOLUTION

    printf("1. MAP_PRIVATE mapping of two pages\n");
    printf("   read page 1 and page 2 through it: '%c' '%c'\n", priv[0],
           priv[page]);

    put_byte(writer, 0, 'A', path);
    put_byte(writer, page, 'B', path);
    printf("   another descriptor writes 'A' in page 1, 'B' in page 2\n");
    printf("   the mapping sees: '%c' '%c' (no store yet: it shares the cache)\n",
           priv[0], priv[page]);

    // BEGIN SOLUTION: the first store into page 1
    //| // TODO 2: store 'p' at byte 1 of the private mapping (page 1 only).
    //| lab_todo("store 'p' into page 1 of the private mapping");
    priv[1] = 'p';
    // END SOLUTION
    printf("   store 'p' into page 1 of the mapping (copy-on-write of page 1)\n");

    put_byte(writer, 0, 'C', path);
    put_byte(writer, page, 'D', path);
    printf("   another descriptor writes 'C' in page 1, 'D' in page 2\n");
    printf("   the mapping sees: '%c' '%c' (page 1 is its own copy now)\n",
           priv[0], priv[page]);
    printf("   the file holds:   '%c' '%c', and '%c' where the mapping stored 'p'\n",
           get_byte(fd, 0, path), get_byte(fd, page, path),
           get_byte(fd, 1, path));
    // BEGIN SOLUTION: unmap it, map the file shared
    //| // TODO 3: unmap the private mapping; map the same LEN bytes again, this
    //| // time shared with the file (MAP_SHARED). On failure: die("munmap"),
    //| // die("mmap MAP_SHARED").
    //| char *shared = NULL;
    //| lab_todo("unmap the private mapping and map the file MAP_SHARED");
    if (munmap(priv, len) == -1)
        die("munmap");

    char *shared = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (shared == MAP_FAILED)
        die("mmap MAP_SHARED");
    // END SOLUTION
    printf("2. MAP_SHARED mapping of the same file\n");
    // BEGIN SOLUTION: a store through the shared mapping
    //| // TODO 4: store 'S' at byte 2 through the shared mapping; no msync.
    //| (void)shared;
    //| lab_todo("store 'S' through the shared mapping");
    shared[2] = 'S';
    // END SOLUTION
    printf("   store 'S' through it, no msync\n");
    printf("   pread on another descriptor sees: '%c'\n",
           get_byte(writer, 2, path));
    // BEGIN SOLUTION: unmap the shared mapping
    //| // TODO 5: unmap the shared mapping (die("munmap") on failure).
    //| lab_todo("unmap the shared mapping");
    if (munmap(shared, len) == -1)
        die("munmap");
    // END SOLUTION

    if (close(fd) == -1 || close(writer) == -1)
        die("close");
    return 0;
}
