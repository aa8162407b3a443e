/* io_bench.c: is reading a file through mmap faster than with read()?
 *
 * Usage: io_bench [-r REPS] [-n READS] NEWFILE [MIB]
 *
 * Sources 002 and 004 say that mapping a file into memory improves I/O
 * efficiency compared with read() and write() (claim F4). This program
 * measures it for reading, four ways, each with read()/pread() into a
 * buffer and with loads from a MAP_SHARED mapping:
 *
 *   seq  warm   the whole file, in order, already in the page cache;
 *   seq  cold   the same after dropping the file from the page cache;
 *   rand warm   READS blocks of one page at pseudo-random page offsets
 *               (the same sequence for both methods), cached;
 *   rand cold   the same, not cached.
 *
 * Both methods add up everything they get, as 64-bit words (a checksum,
 * printed, which must agree), so neither can skip work. The file (MIB MiB, default 64) is
 * written and fsync()ed first: only clean pages can be dropped, with
 * posix_fadvise(POSIX_FADV_DONTNEED), and mincore() confirms the drop.
 * Every cold run maps the file afresh. Each case runs REPS times (default
 * 5), alternating the methods; the table gives the median, minimum and
 * maximum in MB/s (10^6 bytes per second of data read; for the random
 * cases, blocks x page size) and the ratio of the medians, mmap / read.
 * A case's verdict is "mmap faster" or "read faster" only when every mmap
 * run beat every read run (or the reverse) and the medians differ by more
 * than 10%; anything else is "no clear difference".
 *
 * Timings vary from run to run and machine to machine: this is a benchmark
 * that prints numbers, not a test. On tmpfs there is no cold case (the page
 * cache is the file): those rows are skipped. FILE is removed at the end.
 *
 * Differences from the sources: they state the gain; this program measures
 * it, and only for reading (writing through a mapping defers the work to
 * write-back, lab 10's writeback).
 *
 * See also: page_copies.c (what read() copies), page_faults.c.
 */
#define _GNU_SOURCE
#include "lab.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>

#define MAX_REPS 31
#define BUF_BYTES (256 * 1024)
#define MAX_MIB (4 * 1024)  /* the largest test file: 4 GiB */

static long page;
static size_t file_len;
static long npages, nreads;
static int fd = -1;
static const char *path;
static long *offsets;  /* the random cases' page numbers */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* How many of the file's pages are in the page cache (mincore). */
static long resident(void)
{
    char *map = mmap(NULL, file_len, PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED)
        die("mmap");
    unsigned char *vec = malloc((size_t)npages);
    if (vec == NULL)
        die("malloc");
    if (mincore(map, file_len, vec) == -1)
        die("mincore");
    long n = 0;
    for (long i = 0; i < npages; i++)
        n += vec[i] & 1;
    free(vec);
    munmap(map, file_len);
    return n;
}

/* Drop the file from the page cache; its pages are clean (fsync). */
static void drop(void)
{
    if (posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) != 0)
        die("posix_fadvise");
    long left = resident();
    if (left > npages / 100)
        fail(EXIT_FAILURE, path, "%ld of %ld pages still cached after "
             "POSIX_FADV_DONTNEED", left, npages);
}

/* Load every page of the file into the page cache. */
static void warm(void)
{
    static char buf[BUF_BYTES];
    for (off_t off = 0; off < (off_t)file_len; off += BUF_BYTES)
        if (pread(fd, buf, BUF_BYTES, off) == -1)
            die("pread");
}

/* ---- the two methods ----------------------------------------------------- */

/* Add up n bytes (n a multiple of 8) as 64-bit words: light work, so that
 * the time is the I/O's, not the checksum's. */
static uint64_t sum(const unsigned char *p, size_t n)
{
    uint64_t s = 0, w;
    for (size_t i = 0; i < n; i += sizeof w) {
        memcpy(&w, p + i, sizeof w);
        s += w;
    }
    return s;
}

/* Read the file (or, if random, nreads pages of it) with pread. */
static uint64_t with_read(int random)
{
    static unsigned char buf[BUF_BYTES];
    uint64_t s = 0;
    // BEGIN SOLUTION: read with pread
    //| // TODO: sequential: pread the whole file in BUF_BYTES pieces; random:
    //| // pread one page at offset offsets[i] * page for each of nreads; add
    //| // every byte read to S with sum().
    //| (void)random; (void)buf; (void)sum;
    //| lab_todo("read the file with pread");
    if (!random) {
        for (off_t off = 0; off < (off_t)file_len; off += BUF_BYTES) {
            ssize_t n = pread(fd, buf, BUF_BYTES, off);
            if (n == -1)
                die("pread");
            s += sum(buf, (size_t)n);
        }
    } else {
        for (long i = 0; i < nreads; i++) {
            if (pread(fd, buf, (size_t)page, (off_t)offsets[i] * page) != (ssize_t)page)
                die("pread");
            s += sum(buf, (size_t)page);
        }
    }
    // END SOLUTION
    return s;
}

/* The same through a fresh MAP_SHARED mapping of the whole file. */
static uint64_t with_mmap(int random)
{
    uint64_t s = 0;
    // BEGIN SOLUTION: read through a mapping
    //| // TODO: map the whole file read-only and shared; add up its bytes
    //| // (sequential) or those of the nreads pages offsets[i] (random) with
    //| // sum(); unmap it.
    //| (void)random;
    //| lab_todo("read the file through mmap");
    const unsigned char *map = mmap(NULL, file_len, PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED)
        die("mmap");
    if (!random)
        s = sum(map, file_len);
    else
        for (long i = 0; i < nreads; i++)
            s += sum(map + (size_t)offsets[i] * (size_t)page, (size_t)page);
    if (munmap((void *)map, file_len) == -1)
        die("munmap");
    // END SOLUTION
    return s;
}

/* ---- measuring ------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void run_case(const char *name, int random, int cold, int reps)
{
    double t_read[MAX_REPS], t_mmap[MAX_REPS];
    uint64_t s_read = 0, s_mmap = 0;
    if (reps < 1 || reps > MAX_REPS)
        fail(EXIT_FAILURE, name, "REPS must be 1..%d", MAX_REPS);
    for (int r = 0; r < reps; r++) {
        for (int m = 0; m < 2; m++) {
            /* Alternate which method goes first, so neither always follows
             * the other's cache state. */
            int use_mmap = (m + r) % 2;
            if (cold)
                drop();
            else
                warm();
            double t0 = now_s();
            uint64_t s = use_mmap ? with_mmap(random) : with_read(random);
            double t = now_s() - t0;
            if (use_mmap) {
                t_mmap[r] = t;
                s_mmap = s;
            } else {
                t_read[r] = t;
                s_read = s;
            }
        }
    }
    if (s_read != s_mmap)
        fail(EXIT_FAILURE, name, "checksums differ: read %llu, mmap %llu",
             (unsigned long long)s_read, (unsigned long long)s_mmap);
    double bytes = random ? (double)nreads * (double)page : (double)file_len;
    qsort(t_read, (size_t)reps, sizeof(double), cmp_double);
    qsort(t_mmap, (size_t)reps, sizeof(double), cmp_double);
    double r_med = bytes / t_read[reps / 2] / 1e6, m_med = bytes / t_mmap[reps / 2] / 1e6;
    double ratio = t_mmap[reps / 2] / t_read[reps / 2];
    const char *verdict = "no clear difference";
    if (t_mmap[reps - 1] < t_read[0] && ratio < 1 / 1.1)
        verdict = "mmap faster";
    else if (t_read[reps - 1] < t_mmap[0] && ratio > 1.1)
        verdict = "read faster";
    printf("%-10s read %8.0f MB/s (%.0f..%.0f)  mmap %8.0f MB/s (%.0f..%.0f)  "
           "time mmap/read %.2f  %s  [checksum %llu]\n", name, r_med,
           bytes / t_read[reps - 1] / 1e6, bytes / t_read[0] / 1e6, m_med,
           bytes / t_mmap[reps - 1] / 1e6, bytes / t_mmap[0] / 1e6, ratio,
           verdict, (unsigned long long)s_read);
}

static void cleanup(void)
{
    if (path != NULL)
        unlink(path);
}

int main(int argc, char *argv[])
{
    lab_init(argc, argv, "[-r REPS] [-n READS] NEWFILE [MIB]");
    int reps = 5;
    nreads = 2048;
    for (const char *opt; (opt = lab_option()) != NULL; ) {
        if (strcmp(opt, "-r") == 0)
            reps = (int)parse_long(lab_optarg, 1, MAX_REPS, "REPS");
        else if (strcmp(opt, "-n") == 0)
            nreads = parse_long(lab_optarg, 1, 1000000, "READS");
    }
    const char *file = lab_operand("NEWFILE");
    const char *mib_arg = lab_next_operand();
    lab_end_operands();
    long mib = mib_arg ? parse_long(mib_arg, 1, MAX_MIB, "MIB") : 64;
    page = page_size();
    file_len = (size_t)mib << 20;
    npages = (long)(file_len / (size_t)page);

    fd = open(file, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd == -1)
        die(file);
    path = file;
    atexit(cleanup);

    /* The file: bytes that vary, written and made clean. */
    unsigned char *buf = malloc(BUF_BYTES);
    if (buf == NULL)
        die("malloc");
    for (size_t off = 0; off < file_len; off += BUF_BYTES) {
        for (size_t i = 0; i < BUF_BYTES; i++)
            buf[i] = (unsigned char)((off + i) * 2654435761u >> 13);
        if (write(fd, buf, BUF_BYTES) != BUF_BYTES)
            die(path);
    }
    free(buf);
    if (fsync(fd) == -1)
        die("fsync");

    /* The random cases' pages: a fixed sequence (the same every run). */
    offsets = malloc((size_t)nreads * sizeof *offsets);
    if (offsets == NULL)
        die("malloc");
    uint64_t x = 88172645463325252ULL;  /* xorshift64 */
    for (long i = 0; i < nreads; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        offsets[i] = (long)(x % (uint64_t)npages);
    }

    struct statfs fs;
    if (fstatfs(fd, &fs) == -1)
        die(path);
    int can_drop = (long)fs.f_type != 0x01021994L;  /* not tmpfs */
    printf("%s: %ld MiB, %d runs per case, random: %ld reads of one page (%ld bytes)\n",
           path, mib, reps, nreads, page);
    run_case("seq warm", 0, 0, reps);
    run_case("rand warm", 1, 0, reps);
    if (can_drop) {
        run_case("seq cold", 0, 1, reps);
        run_case("rand cold", 1, 1, reps);
    } else {
        printf("seq cold, rand cold: skipped (tmpfs: the file cannot leave the page cache)\n");
    }
    free(offsets);
    if (close(fd) == -1)
        die("close");
    return 0;
}
