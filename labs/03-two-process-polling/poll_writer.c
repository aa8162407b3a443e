/* poll_writer.c: process B: change a file by storing into a shared mapping.
 *
 * Usage: poll_writer FILE [TEXT]
 *
 * Source 000, section 5 (claim M3). Process B maps FILE MAP_SHARED,
 * copies TEXT (default "hello from B") to the start of the region, unmaps
 * and exits. It writes exactly strlen(TEXT) bytes, no NUL, so the file keeps
 * its size and the bytes after TEXT. A process A (poll_reader) that has the
 * same file mapped sees the change in its own memory: both mappings are the
 * same page-cache pages.
 *
 * Differences from the source (whose B is not shown): B holds an exclusive
 * flock() on the file while it writes, so that A, which takes a shared lock
 * when it notices a change, never prints a half-written TEXT. A TEXT longer
 * than the file is refused: a store past the end of the file would not reach
 * it (and past its last page would raise SIGBUS).
 *
 * See also: poll_reader.c (process A), run_poll.sh.
 */
#define _GNU_SOURCE
#include "lab.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>

int main(int argc, char *argv[])
{
    lab_init(argc, argv, "FILE [TEXT]");
    const char *path = lab_operand("FILE");
    const char *text = lab_next_operand();
    lab_end_operands();
    if (text == NULL)
        text = "hello from B";
    size_t text_len = strlen(text);
    if (text_len == 0)
        usage_error("TEXT: empty: nothing to write");

    off_t size;
    int fd = open_regular(path, O_RDWR, 0, &size);
    if (size == 0)
        fail(EXIT_FAILURE, path, "empty file: nothing to map");
    size_t len = (size_t)size;
    if (text_len > len)
        fail(EXIT_FAILURE, path, "TEXT of %zu bytes does not fit in %zu bytes",
             text_len, len);

    // BEGIN SOLUTION: map, lock, store TEXT, unmap, unlock
    //| // TODO: map all LEN bytes of FD shared and writable (mmap, MAP_SHARED);
    //| // take an exclusive flock() on FD; copy the TEXT_LEN bytes of TEXT to the
    //| // start of the mapping; unmap it; then release the lock, so a reader that
    //| // waits for the lock sees all of TEXT or none of it.
    //| // On failure: die("mmap"), die("flock"), die("munmap").
    //| lab_todo("map FILE MAP_SHARED, lock it, store TEXT at offset 0, unmap, unlock");
    char *region = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (region == MAP_FAILED)
        die("mmap");

    /* The lock is taken before the first store and released after munmap:
     * a reader that waits for it sees all of TEXT or none of it. */
    if (flock(fd, LOCK_EX) == -1)
        die("flock");
    memcpy(region, text, text_len);
    if (munmap(region, len) == -1)
        die("munmap");
    if (flock(fd, LOCK_UN) == -1)
        die("flock");
    // END SOLUTION
    if (close(fd) == -1)
        die("close");
    printf("wrote %zu bytes at offset 0 of %s (MAP_SHARED), unmapped\n",
           text_len, path);
    return 0;
}
