/* store_visible.c: a store through a shared mapping is in the page cache at
 * once, for every reader, and outlives the process that made it.
 *
 * Usage: store_visible NEWFILE
 *
 * Source 003 says that once a file is mapped, the process works on a memory
 * region "temporarily detached" from the file on the disk, written back
 * only at munmap or msync; a reader may take that to mean that others do
 * not see the stores until then (claim M4b). The program creates NEWFILE
 * ("old old old\n"), then:
 *
 *  1. maps it MAP_SHARED and stores "NEW" at offset 0; with the mapping
 *     still in place, no msync and no munmap, read() on a second descriptor
 *     already returns "NEW old old": the mapping's page *is* the page-cache
 *     page that read() copies from;
 *  2. a child maps the file, stores "KID" at offset 4 and ends with _exit,
 *     without msync or munmap; the parent's read() afterwards returns
 *     "NEW KID old": the page cache kept the store after its process died.
 *
 * msync(MS_SYNC) matters for the disk (a crash, a power cut), not for other
 * readers of the file. NEWFILE is left in place so it can be inspected (cat).
 *
 * Differences from the source: it gives munmap/msync as the moment the data
 * is written back to the disk file (lab 10's writeback shows that even that
 * is not so); today's kernels share one page cache between read(), write()
 * and mappings, so for readers there is no such moment at all.
 *
 * See also: cow_view.c (lab 02), page_faults.c.
 */
#define _GNU_SOURCE
#include "lab.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>

static const char initial[] = "old old old\n";
#define LEN (sizeof initial - 1)

/* What read() on a fresh descriptor returns now, as a C string. */
static const char *read_now(const char *path)
{
    static char buf[LEN + 1];
    int fd = open(path, O_RDONLY);
    if (fd == -1)
        die(path);
    ssize_t n = pread(fd, buf, LEN, 0);
    if (n != (ssize_t)LEN)
        fail(EXIT_FAILURE, path, "short read");
    close(fd);
    buf[LEN - 1] = '\0';  /* drop the newline for printing */
    return buf;
}

int main(int argc, char *argv[])
{
    lab_init(argc, argv, "NEWFILE");
    const char *path = lab_operand("NEWFILE");
    lab_end_operands();

    int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd == -1)
        die(path);
    if (write(fd, initial, LEN) != (ssize_t)LEN)
        die(path);
    printf("%s: wrote \"old old old\"\n", path);

    /* 1. Store, then read() through another descriptor: no msync. */
    char *map = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED)
        die("mmap");
    memcpy(map, "NEW", 3);
    printf("stored \"NEW\" at offset 0 through MAP_SHARED (no msync, still mapped)\n");
    printf("read() on a second descriptor: \"%s\"\n", read_now(path));

    /* 2. A child stores and dies without msync or munmap. */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == -1)
        die("fork");
    if (pid == 0) {
        char *m = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (m == MAP_FAILED)
            die_child("mmap");
        memcpy(m + 4, "KID", 3);
        _exit(0);  /* no msync, no munmap */
    }
    int status;
    if (waitpid(pid, &status, 0) == -1)
        die("waitpid");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail(EXIT_FAILURE, "child", "failed");
    printf("child stored \"KID\" at offset 4 and exited without msync or munmap\n");
    printf("read() after the child is gone: \"%s\"\n", read_now(path));

    /* For the disk: write the page back, then let go. */
    if (msync(map, LEN, MS_SYNC) == -1)
        die("msync");
    if (munmap(map, LEN) == -1)
        die("munmap");
    close(fd);
    printf("msync(MS_SYNC) wrote the page to the disk; unmapped\n");
    return 0;
}
