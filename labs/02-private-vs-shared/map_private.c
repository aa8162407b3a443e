/* map_private.c: a private mapping cannot change the file.
 *
 * Usage: map_private FILE [OFFSET [CHAR]]
 *
 * Source 000, section 4, example 2: the experiment of map_file.c (lab 01)
 * with MAP_PRIVATE instead of MAP_SHARED. The store succeeds and the mapping
 * shows it, but the kernel made a private copy of the page at the first store
 * (copy-on-write), so the file keeps its old byte. The program prints what
 * the mapping holds after the store, then what the file holds, read back with
 * pread() on the descriptor, and whether the file changed.
 *
 * FILE is opened read-write (the source's open() line is cut off in the
 * text) to show that the descriptor's permission is not what protects the
 * file: MAP_PRIVATE is.
 *
 * See also: map_file.c (lab 01); cow_view.c (when a private mapping still
 * sees other writers).
 */
#define _GNU_SOURCE
#include "lab.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

/* Print len bytes and end the line if they do not. */
static void print_bytes(const char *bytes, size_t len)
{
    fwrite(bytes, 1, len, stdout);
    if (bytes[len - 1] != '\n')
        putchar('\n');
}

int main(int argc, char *argv[])
{
    lab_init(argc, argv, "FILE [OFFSET [CHAR]]");
    const char *path = lab_operand("FILE");
    const char *offset_arg = lab_next_operand();
    const char *char_arg = offset_arg ? lab_next_operand() : NULL;
    lab_end_operands();
    long offset = offset_arg ? parse_long(offset_arg, 0, LONG_MAX, "OFFSET") : 20;
    char value = '9';
    if (char_arg != NULL) {
        if (strlen(char_arg) != 1)
            usage_error("CHAR: '%s' is not a single character", char_arg);
        value = char_arg[0];
    }

    off_t size;
    int fd = open_regular(path, O_RDWR, 0, &size);
    if (size == 0)
        fail(EXIT_FAILURE, path, "empty file: nothing to map");
    if (offset >= size)
        fail(EXIT_FAILURE, path,
             "offset %ld is past the last byte (file size %lld)", offset,
             (long long)size);
    size_t len = (size_t)size;

    /* The only difference from map_file.c: MAP_PRIVATE. */
    // BEGIN SOLUTION: map the file privately
    //| // TODO 1: map all LEN bytes of FD with mmap(), readable and writable but
    //| // private to this process (MAP_PRIVATE). On failure: die("mmap").
    //| char *mapped = NULL;
    //| lab_todo("map FILE with mmap(MAP_PRIVATE)");
    char *mapped = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (mapped == MAP_FAILED)
        die("mmap");
    // END SOLUTION
    printf("mapped %zu bytes of %s (MAP_PRIVATE)\n", len, path);

    /* The store copies the page: from now on this process has its own. */
    // BEGIN SOLUTION: store through the private mapping
    //| // TODO 2: remember the byte at OFFSET in OLD, then store VALUE there
    //| // through the mapping.
    //| char old = 0;
    //| lab_todo("store CHAR at OFFSET through the private mapping");
    char old = mapped[offset];
    mapped[offset] = value;
    // END SOLUTION
    printf("stored '%c' at offset %ld; the mapping now holds:\n", value, offset);
    print_bytes(mapped, len);

    /* Read the file itself, not the mapping. */
    char *file = malloc(len);
    if (file == NULL)
        die("malloc");
    ssize_t got = pread(fd, file, len, 0);
    if (got == -1)
        die(path);
    if ((size_t)got != len)
        fail(EXIT_FAILURE, path, "short read: %zd of %zu bytes", got, len);
    printf("the file holds (pread):\n");
    print_bytes(file, len);
    printf("byte at offset %ld in the file: '%c' (%s)\n", offset, file[offset],
           file[offset] == old ? "unchanged" : "CHANGED");

    free(file);
    // BEGIN SOLUTION: unmap
    //| // TODO 3: unmap the LEN bytes (die("munmap") on failure).
    //| lab_todo("unmap the private mapping");
    if (munmap(mapped, len) == -1)
        die("munmap");
    // END SOLUTION
    if (close(fd) == -1)
        die("close");
    return 0;
}
