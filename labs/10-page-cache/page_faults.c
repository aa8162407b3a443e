/* page_faults.c: the first process to touch a file's page faults it in from
 * the disk; the next one only gets its page table pointed at it.
 *
 * Usage: page_faults [-v] NEWFILE [PAGES]
 *
 * Sources 000 (section 2) and 003 (section 1), claim F1. The program
 * creates NEWFILE with PAGES pages (default 64), writes it to the disk
 * (fdatasync: only clean pages can be dropped) and drops it from the page
 * cache with posix_fadvise(POSIX_FADV_DONTNEED); mincore() confirms that no
 * page is left. Then process A maps the file and reads one byte of every
 * page, and after A has ended, process B does the same. Each reports how
 * many pages were resident before it started (mincore) and whether it took
 * major faults (getrusage: a major fault waited for the disk).
 *
 * A takes major faults; B takes none, only minor ones: its pages were
 * already in the page cache and the kernel just filled in page-table
 * entries. B also takes far fewer faults than it touches pages: on a fault
 * on a cached file page the kernel maps the neighbouring cached pages too
 * ("fault-around", 64 KiB by default, a kernel tunable), so one fault serves
 * up to 16 pages of 4 KiB. The exact counts depend on that tunable, on the
 * read-ahead size and on the page size, so stdout says only yes/no and the
 * residency; the counts go to stderr, and -v adds a per-page map of which
 * touches faulted ('F') and which found the page already mapped ('.').
 *
 * If the file system keeps the pages anyway (tmpfs cannot evict: its page
 * cache is the file), there is nothing to show: the program says so on
 * stderr and exits 77. NEWFILE is removed at the end.
 *
 * Differences from the sources: they describe the faults; this program
 * counts them. It orders A and B with waitpid, not with sleeps.
 *
 * See also: page_copies.c (read() copies, mappings share).
 */
#define _GNU_SOURCE
#include "lab.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

#define MAX_PAGES 1024

static long page;
static const char *path;

/* What one process saw, sent to the parent through a pipe. */
struct report {
    long resident_before, resident_after;
    long majflt, minflt;       /* during the touches only */
    long faulted_touches;      /* touches during which a fault happened */
    char map[MAX_PAGES + 1];   /* 'F' the touch faulted, '.' it did not */
};

/* How many of the npages pages behind addr are in the page cache. */
static long resident(void *addr, long npages)
{
    unsigned char vec[MAX_PAGES];
    if (mincore(addr, (size_t)(npages * page), vec) == -1)
        die("mincore");
    long n = 0;
    for (long i = 0; i < npages; i++)
        n += vec[i] & 1;
    return n;
}

static void remove_file(void)
{
    unlink(path);
}

/* Process A or B: map, count residency, touch every page, count faults. */
static void toucher(int fd, long npages, int out)
{
    struct report r;
    memset(&r, 0, sizeof r);
    // BEGIN SOLUTION: map the file read-only
    //| // TODO 1: map NPAGES pages of FD read-only and shared (die_child("mmap")).
    //| char *map = NULL;
    //| (void)fd;
    //| lab_todo("map the file read-only with mmap(MAP_SHARED)");
    char *map = mmap(NULL, (size_t)(npages * page), PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED)
        die_child("mmap");
    // END SOLUTION
    r.resident_before = resident(map, npages);

    struct rusage start, before, after;
    unsigned sum = 0;
    if (getrusage(RUSAGE_SELF, &start) == -1)
        die_child("getrusage");
    before = start;
    // BEGIN SOLUTION: touch every page and count its faults
    //| // TODO 2: for each page i of the mapping: read its first byte (through a
    //| // volatile pointer, so the compiler keeps the load) and add it to SUM;
    //| // then getrusage(RUSAGE_SELF) into AFTER (die_child("getrusage")); the
    //| // touch faulted if minor + major faults grew since BEFORE: set r.map[i] to
    //| // 'F' or '.', count it in r.faulted_touches, and make BEFORE = AFTER.
    //| (void)before;
    //| lab_todo("touch every page and record which touches faulted");
    for (long i = 0; i < npages; i++) {
        sum += (unsigned char)((volatile char *)map)[i * page];
        if (getrusage(RUSAGE_SELF, &after) == -1)
            die_child("getrusage");
        int faulted = after.ru_minflt + after.ru_majflt >
                      before.ru_minflt + before.ru_majflt;
        r.map[i] = faulted ? 'F' : '.';
        r.faulted_touches += faulted;
        before = after;
    }
    // END SOLUTION
    r.majflt = after.ru_majflt - start.ru_majflt;
    r.minflt = after.ru_minflt - start.ru_minflt;
    r.resident_after = resident(map, npages);
    if (sum != (unsigned)npages * 'p') {
        fprintf(stderr, "%s: %s: unexpected contents\n", lab_prog, path);
        _exit(EXIT_FAILURE);
    }
    if (write(out, &r, sizeof r) != (ssize_t)sizeof r)
        die_child("write");
    _exit(0);
}

/* Run one toucher in a child and wait for it. */
static void run_toucher(const char *name, int fd, long npages, struct report *r)
{
    int pfd[2];
    if (pipe(pfd) == -1)
        die("pipe");
    fflush(stdout);
    pid_t pid = fork();
    if (pid == -1)
        die("fork");
    if (pid == 0) {
        close(pfd[0]);
        toucher(fd, npages, pfd[1]);
    }
    close(pfd[1]);
    ssize_t n = read(pfd[0], r, sizeof *r);
    close(pfd[0]);
    int status;
    if (waitpid(pid, &status, 0) == -1)
        die("waitpid");
    if (n != (ssize_t)sizeof *r || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail(EXIT_FAILURE, name, "process failed");
}

int main(int argc, char *argv[])
{
    lab_init(argc, argv, "[-v] NEWFILE [PAGES]");
    int verbose = 0;
    for (const char *opt; (opt = lab_option()) != NULL; )
        verbose = 1;  /* -v */
    path = lab_operand("NEWFILE");
    const char *pages_arg = lab_next_operand();
    lab_end_operands();
    long npages = pages_arg ? parse_long(pages_arg, 1, MAX_PAGES, "PAGES") : 64;
    page = page_size();

    /* Write the file: every byte 'p'. O_EXCL: never clobber a file. */
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd == -1)
        die(path);
    atexit(remove_file);
    char *buf = malloc((size_t)page);
    if (buf == NULL)
        die("malloc");
    memset(buf, 'p', (size_t)page);
    for (long i = 0; i < npages; i++)
        if (write(fd, buf, (size_t)page) != page)
            die(path);
    free(buf);

    /* Only clean pages can be dropped: write them to the disk first. */
    if (fdatasync(fd) == -1)
        die("fdatasync");
    char *probe = mmap(NULL, (size_t)(npages * page), PROT_READ, MAP_SHARED, fd, 0);
    if (probe == MAP_FAILED)
        die("mmap");
    long left = npages;
    for (int tries = 0; tries < 3 && left > 0; tries++) {
        int err = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
        if (err != 0) {
            errno = err;
            die("posix_fadvise");
        }
        left = resident(probe, npages);
    }
    if (munmap(probe, (size_t)(npages * page)) == -1)
        die("munmap");
    if (left > 0) {
        fprintf(stderr, "%s: %s: the page cache kept %ld of %ld pages after "
                "fdatasync and POSIX_FADV_DONTNEED (tmpfs and some other file "
                "systems cannot evict), so there are no major faults to show\n",
                lab_prog, path, left, npages);
        exit(77);
    }
    printf("%s: %ld pages written, fdatasync, POSIX_FADV_DONTNEED: "
           "%ld of %ld pages in the page cache\n", path, npages, left, npages);

    struct report a, b;
    run_toucher("A", fd, npages, &a);
    run_toucher("B", fd, npages, &b);
    close(fd);

    const struct report *r[2] = {&a, &b};
    for (int i = 0; i < 2; i++) {
        printf("%c: %ld of %ld pages resident before, touched %ld pages, "
               "major faults: %s, %ld of %ld resident after\n",
               'A' + i, r[i]->resident_before, npages, npages,
               r[i]->majflt > 0 ? "yes" : "no", r[i]->resident_after, npages);
        fprintf(stderr, "%c: major faults %ld, minor faults %ld, "
                "touches that faulted %ld of %ld\n", 'A' + i, r[i]->majflt,
                r[i]->minflt, r[i]->faulted_touches, npages);
        if (verbose)
            fprintf(stderr, "%c: %s\n", 'A' + i, r[i]->map);
    }
    printf("%s\n", a.majflt > 0 && b.majflt == 0
           ? "A read the pages from the disk; B found them in the page cache"
           : "unexpected: see the fault counts on stderr");
    return 0;
}
