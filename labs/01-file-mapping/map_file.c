/* map_file.c: change a file by storing into a shared mapping of it.
 *
 * Usage: map_file FILE [OFFSET [CHAR]]
 *
 * Source 000, section 4, example 1. The program opens FILE read-write, maps
 * the whole file MAP_SHARED, and closes the descriptor at once: the mapping
 * holds its own reference to the file, so it stays usable. It prints the
 * file's bytes as seen through the mapping, stores CHAR (default '9') at
 * OFFSET (default 20: in the lab's data.txt, the first 'c'), flushes the
 * page to the file with msync(MS_SYNC) and unmaps.
 *
 * Differences from the source: the mapping is not a C string (a file that
 * fills its last page has no NUL after it), so it is printed with fwrite and
 * its exact length; an OFFSET outside the file is refused before the store
 * instead of faulting; an empty file is refused before mmap (a zero length
 * is EINVAL).
 *
 * See also: map_private.c (lab 02), the same experiment with MAP_PRIVATE.
 */
#define _GNU_SOURCE
#include "lab.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

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

    /* Open the file for reading and writing: a shared writable mapping
     * needs both. */
    off_t size;
    int fd = open_regular(path, O_RDWR, 0, &size);

    /* The mapping's length is the file's size. */
    if (size == 0)
        fail(EXIT_FAILURE, path, "empty file: nothing to map");
    if (offset >= size)
        fail(EXIT_FAILURE, path,
             "offset %ld is past the last byte (file size %lld)", offset,
             (long long)size);
    size_t len = (size_t)size;

    // BEGIN SOLUTION: map the file, then close the descriptor
    //| // TODO 1: map all LEN bytes of FD with mmap(): readable, writable and
    //| // shared with the file (MAP_SHARED), so stores reach the file. Then
    //| // close FD: the mapping keeps its own reference to the file.
    //| // On failure: die("mmap") or die("close").
    //| char *mapped = NULL;
    //| (void)fd;
    //| lab_todo("map FILE with mmap(MAP_SHARED) and close the descriptor");
    char *mapped = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (mapped == MAP_FAILED)
        die("mmap");

    /* After mmap the descriptor is no longer needed. */
    if (close(fd) == -1)
        die("close");
    // END SOLUTION

    /* Print exactly the file's bytes, read through the mapping. */
    printf("mapped %zu bytes of %s (MAP_SHARED), descriptor closed\n", len, path);
    fwrite(mapped, 1, len, stdout);
    if (mapped[len - 1] != '\n')
        putchar('\n');

    /* One store into memory is one byte changed in the file; msync makes
     * sure it has reached the file before we say so. */
    // BEGIN SOLUTION: store, write back, unmap
    //| // TODO 2: store VALUE at byte OFFSET of the mapping. Then make sure the
    //| // store has reached the file before saying so (msync with MS_SYNC),
    //| // and unmap the LEN bytes. On failure: die("msync"), die("munmap").
    //| lab_todo("store CHAR at OFFSET through the mapping, msync and munmap");
    mapped[offset] = value;
    if (msync(mapped, len, MS_SYNC) == -1)
        die("msync");
    if (munmap(mapped, len) == -1)
        die("munmap");
    // END SOLUTION
    printf("stored '%c' at offset %ld, msync(MS_SYNC) done, unmapped\n", value,
           offset);
    return 0;
}
