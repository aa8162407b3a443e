/* poll_reader.c: process A: watch a shared file mapping change under it.
 *
 * Usage: poll_reader [--demo] [--timeout SECONDS] INFILE
 *
 * Source 000, section 5 (claim M3). Two unrelated processes map the same
 * file MAP_SHARED; both mappings point at the same page-cache pages, so a
 * store by one is a change in the other's memory, with no read() or write().
 * This program is process A: it maps INFILE read-only and shared, closes the
 * descriptor, prints the region, and then looks at the region again and
 * again. When the bytes differ from what it printed, it prints them again.
 *
 * Default mode (for tests and graded runs): it prints "view 1", then the line
 * "waiting for a change ..." (the signal for a script to start process B,
 * poll_writer), polls every 2 ms, prints "view 2" with the changed byte range
 * once, and exits 0. If nothing changes within --timeout seconds (default 10)
 * it says so on stderr and exits 1.
 *
 * --demo: the source's pacing: print the region every 2 seconds, forever
 * (stop it with Ctrl-C).
 *
 * Differences from the source: the region is printed with fwrite and its
 * exact length, not as a C string (nothing guarantees a NUL inside the
 * mapping). And the source's design has a race it never mentions: A can
 * look while B is half-way through changing the region and print half old,
 * half new bytes (B's code is not in the text). Shared
 * memory gives no synchronisation, so here B holds an exclusive flock() on
 * the file while it writes; when A sees a change it takes a shared flock(),
 * which waits until B is done, and only then prints the view.
 *
 * See also: poll_writer.c (process B), run_poll.sh (A and B in order).
 */
#define _GNU_SOURCE
#include "lab.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

#define POLL_NS (2 * 1000 * 1000) /* 2 ms between looks (default mode) */
#define DEMO_SECONDS 2            /* the source's sleep(2) */

/* Print the region as it is now: exactly its bytes, then a newline if the
 * last byte was not one. */
static void print_view(int n, const char *region, size_t len)
{
    printf("view %d:\n", n);
    fwrite(region, 1, len, stdout);
    if (region[len - 1] != '\n')
        putchar('\n');
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char *argv[])
{
    lab_init(argc, argv, "[--demo] [--timeout SECONDS] INFILE");
    int demo = 0;
    long timeout = 10;
    for (const char *opt; (opt = lab_option()) != NULL; ) {
        if (strcmp(opt, "--demo") == 0)
            demo = 1;
        else if (strcmp(opt, "--timeout") == 0)
            timeout = parse_long(lab_optarg, 1, 3600, "SECONDS");
    }
    const char *path = lab_operand("INFILE");
    lab_end_operands();

    /* A only reads: a read-only descriptor and PROT_READ are enough for a
     * shared mapping that still sees every store of B. */
    off_t size;
    int fd = open_regular(path, O_RDONLY, 0, &size);
    if (size == 0)
        fail(EXIT_FAILURE, path, "empty file: nothing to map");
    size_t len = (size_t)size;

    // BEGIN SOLUTION: map the file shared, read-only
    //| // TODO 1: map all LEN bytes of FD with mmap(): read-only, but shared with
    //| // the file (MAP_SHARED), so that B's stores show up here. Keep FD open:
    //| // it is needed for flock() later. On failure: die("mmap").
    //| const char *region = NULL;
    //| lab_todo("map FILE read-only with mmap(MAP_SHARED)");
    const char *region = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
    if (region == MAP_FAILED)
        die("mmap");
    // END SOLUTION
    /* The descriptor stays open only for flock(): the mapping does not need
     * it (the source closes it here). */

    /* What A printed last, to compare the region with. */
    char *seen = malloc(len);
    if (seen == NULL)
        die("malloc");
    memcpy(seen, region, len);
    printf("mapped %zu bytes of %s (MAP_SHARED, read-only)\n", len, path);
    print_view(1, seen, len);

    if (demo) {
        /* The source's loop: print the region every 2 seconds, forever. */
        printf("printing the region every %d s (Ctrl-C to stop)\n",
               DEMO_SECONDS);
        for (int n = 2;; n++) {
            fflush(stdout);
            sleep(DEMO_SECONDS);
            print_view(n, region, len);
        }
    }

    /* This line is the handshake: a script starts B once it has read it. */
    printf("waiting for a change (polling every %d ms, timeout %ld s)\n",
           POLL_NS / 1000000, timeout);
    fflush(stdout);

    // BEGIN SOLUTION: poll the mapping until it changes
    //| // TODO 2: look at the mapping every POLL_NS nanoseconds (nanosleep) until
    //| // its LEN bytes differ from SEEN. Give up after TIMEOUT seconds (use now())
    //| // with: fail(EXIT_FAILURE, path, "no change within %ld s", timeout).
    //| (void)now;
    //| lab_todo("poll the mapping until it differs from what was seen");
    double deadline = now() + (double)timeout;
    struct timespec tick = {0, POLL_NS};
    while (memcmp(seen, region, len) == 0) {
        if (now() > deadline)
            fail(EXIT_FAILURE, path, "no change within %ld s", timeout);
        nanosleep(&tick, NULL);
    }
    // END SOLUTION

    /* Something changed: B has started writing and holds its lock. Wait for
     * B to finish (its lock to go) before looking at the bytes. */
    // BEGIN SOLUTION: wait for B, then find what changed
    //| // TODO 3: take a shared flock() on FD (it waits while B holds its lock),
    //| // find FIRST and LAST, the first and last offsets where the mapping
    //| // differs from SEEN, copy the mapping into SEEN, and unlock.
    //| size_t first = 0, last = 0;
    //| lab_todo("lock, find the changed bytes, copy the view, unlock");
    if (flock(fd, LOCK_SH) == -1)
        die("flock");
    size_t first = len, last = 0;
    for (size_t i = 0; i < len; i++) {
        if (region[i] != seen[i]) {
            if (first == len)
                first = i;
            last = i;
        }
    }
    memcpy(seen, region, len);
    if (flock(fd, LOCK_UN) == -1)
        die("flock");
    // END SOLUTION
    printf("changed: bytes %zu to %zu\n", first, last);
    print_view(2, seen, len);

    free(seen);
    // BEGIN SOLUTION: unmap
    //| // TODO 4: unmap the LEN bytes (die("munmap") on failure).
    //| lab_todo("unmap the mapping");
    if (munmap((void *)region, len) == -1)
        die("munmap");
    // END SOLUTION
    if (close(fd) == -1)
        die("close");
    return 0;
}
