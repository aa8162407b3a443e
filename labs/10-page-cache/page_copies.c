/* page_copies.c: read() gives every process its own copy of a file;
 * shared mappings of the file share the page cache's one copy.
 *
 * Usage: page_copies NEWFILE [MIB]
 *
 * Sources 000 (sections 1 and 2) and 004, claim F2. The program
 * creates NEWFILE of MIB MiB (default 8) and runs the experiment twice, each
 * time with two processes that hold their data at the same moment:
 *
 *   read:  each process read()s the whole file into its own malloc'd buffer;
 *   map:   each process maps the file MAP_SHARED and reads every page.
 *
 * Each process reads /proc/self/smaps_rollup before and after and reports how
 * much its Rss, Pss and Anonymous grew. Rss counts every page a process has
 * mapped; Pss divides a page shared by n processes by n, so the Pss of all
 * processes adds up to the memory really used. The page cache's own copy
 * (pages resident per mincore) belongs to no process.
 *
 *   read:   process 1   [ copy ]    process 2   [ copy ]      anonymous
 *                \ read()                \ read()
 *   page cache   [ file pages ]                                 1 copy
 *
 *   map:    process 1  [ PTEs ]--+--[ PTEs ]  process 2
 *                                |
 *   page cache              [ file pages ]                      1 copy
 *
 * stdout gives the growth in units of the file's size, rounded to halves,
 * which is the same on every run; the KiB figures go to stderr.
 *
 * Differences from the sources: they describe the copies (with figures
 * that are missing from the copies of the texts); this program measures
 * them. Processes are ordered with pipes, not sleeps: both must hold their
 * buffers or mappings while they measure, since Pss depends on how many
 * processes map a page at that moment. NEWFILE is removed at the end.
 *
 * See also: page_faults.c (who takes the faults).
 */
#define _GNU_SOURCE
#include "lab.h"

#include <fcntl.h>
#include <math.h>
#include <sys/mman.h>
#include <sys/wait.h>

static long page;
static const char *path;
static size_t size;

/* The fields of /proc/self/smaps_rollup we use, in KiB. */
struct mem {
    long rss, pss, anon;
};

static int read_rollup(struct mem *m)
{
    FILE *f = fopen("/proc/self/smaps_rollup", "r");
    if (f == NULL)
        return -1;
    char line[256];
    memset(m, 0, sizeof *m);
    while (fgets(line, sizeof line, f) != NULL) {
        sscanf(line, "Rss: %ld kB", &m->rss);
        sscanf(line, "Pss: %ld kB", &m->pss);
        sscanf(line, "Anonymous: %ld kB", &m->anon);
    }
    fclose(f);
    return 0;
}

static void remove_file(void)
{
    unlink(path);
}

/* Read one byte from the parent's pipe (a go-ahead token); 0 at EOF. */
static int token(int fd)
{
    char c;
    return read(fd, &c, 1) == 1;
}

/* One of the two processes: wait for "start", measure, read or map the
 * file, say "ready", wait for "go", measure again, report the growth, and
 * hold on to the memory until the parent closes the pipe. */
static void worker(int mode_map, int in, int out)
{
    struct mem before, after;
    if (!token(in))
        _exit(1);
    if (read_rollup(&before) == -1)
        die_child("/proc/self/smaps_rollup");
    int fd = open(path, O_RDONLY);
    if (fd == -1)
        die_child(path);
    unsigned sum = 0;
    if (mode_map) {
        // BEGIN SOLUTION: map the file and read one byte a page
        //| // TODO 1: map SIZE bytes of FD read-only and shared (die_child("mmap")),
        //| // then add the first byte of every page (through a volatile pointer) to SUM.
        //| lab_todo("map the file and read one byte of every page");
        char *map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
        if (map == MAP_FAILED)
            die_child("mmap");
        for (size_t off = 0; off < size; off += (size_t)page)
            sum += (unsigned char)((volatile char *)map)[off];
        // END SOLUTION
    } else {
        // BEGIN SOLUTION: read the file into a buffer, one byte a page
        //| // TODO 2: read all SIZE bytes of FD into a malloc'd buffer (read() may
        //| // return fewer bytes than asked: loop; die_child("malloc"), die_child("read")),
        //| // then add the first byte of every page of the buffer to SUM. Keep the
        //| // buffer: the point is that it stays in this process's memory.
        //| lab_todo("read the whole file into a buffer and read one byte of every page");
        char *buf = malloc(size);
        if (buf == NULL)
            die_child("malloc");
        size_t got = 0;
        while (got < size) {
            ssize_t n = read(fd, buf + got, size - got);
            if (n <= 0)
                die_child("read");
            got += (size_t)n;
        }
        for (size_t off = 0; off < size; off += (size_t)page)
            sum += (unsigned char)buf[off];
        // END SOLUTION
    }
    close(fd);
    if (sum != (unsigned)(size / (size_t)page) * 'c') {
        fprintf(stderr, "%s: %s: unexpected contents\n", lab_prog, path);
        _exit(1);
    }
    if (write(out, "r", 1) != 1 || !token(in))
        _exit(1);
    if (read_rollup(&after) == -1)
        die_child("/proc/self/smaps_rollup");
    struct mem grew = {after.rss - before.rss, after.pss - before.pss,
                       after.anon - before.anon};
    if (write(out, &grew, sizeof grew) != (ssize_t)sizeof grew)
        die_child("write");
    while (token(in))
        ;
    _exit(0);
}

/* How many of the file's pages are in the page cache. */
static long cached_pages(void)
{
    int fd = open(path, O_RDONLY);
    if (fd == -1)
        die(path);
    void *map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED)
        die("mmap");
    size_t npages = size / (size_t)page;
    unsigned char *vec = malloc(npages);
    if (vec == NULL)
        die("malloc");
    if (mincore(map, size, vec) == -1)
        die("mincore");
    long n = 0;
    for (size_t i = 0; i < npages; i++)
        n += vec[i] & 1;
    free(vec);
    munmap(map, size);
    close(fd);
    return n;
}

/* Run one mode with two workers; fill grew[2]; return the cached pages. */
static long run_mode(int mode_map, struct mem grew[2])
{
    int to[2][2], from[2][2];
    pid_t pid[2];
    fflush(stdout);
    for (int i = 0; i < 2; i++) {
        if (pipe(to[i]) == -1 || pipe(from[i]) == -1)
            die("pipe");
        pid[i] = fork();
        if (pid[i] == -1)
            die("fork");
        if (pid[i] == 0) {
            /* Close the parent's ends: ours, and the earlier sibling's
             * (whose child ends the parent has closed already). */
            for (int j = 0; j <= i; j++) {
                close(to[j][1]);
                close(from[j][0]);
            }
            worker(mode_map, to[i][0], from[i][1]);
        }
        close(to[i][0]);
        close(from[i][1]);
    }
    /* Both exist before either measures; both hold their memory while
     * both measure the second time. */
    for (int i = 0; i < 2; i++)
        if (write(to[i][1], "s", 1) != 1)
            die("write");
    for (int i = 0; i < 2; i++)
        if (!token(from[i][0]))
            fail(EXIT_FAILURE, mode_map ? "map" : "read", "process failed");
    for (int i = 0; i < 2; i++)
        if (write(to[i][1], "g", 1) != 1)
            die("write");
    for (int i = 0; i < 2; i++)
        if (read(from[i][0], &grew[i], sizeof grew[i]) != (ssize_t)sizeof grew[i])
            fail(EXIT_FAILURE, mode_map ? "map" : "read", "process failed");
    long cached = cached_pages();
    for (int i = 0; i < 2; i++) {
        close(to[i][1]);
        close(from[i][0]);
        int status;
        if (waitpid(pid[i], &status, 0) == -1)
            die("waitpid");
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            fail(EXIT_FAILURE, mode_map ? "map" : "read", "process failed");
    }
    return cached;
}

/* KiB as a multiple of the file's size, rounded to the nearest half. */
static double files(long kib)
{
    return round((double)kib * 1024 / (double)size * 2) / 2;
}

int main(int argc, char *argv[])
{
    lab_init(argc, argv, "NEWFILE [MIB]");
    path = lab_operand("NEWFILE");
    const char *mib_arg = lab_next_operand();
    lab_end_operands();
    long mib = mib_arg ? parse_long(mib_arg, 1, 1024, "MIB") : 8;
    page = page_size();
    size = (size_t)mib << 20;
    if (size % (size_t)page != 0)
        fail(EXIT_USAGE, "MIB", "%ld MiB is not a whole number of %ld-byte pages",
             mib, page);

    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd == -1)
        die(path);
    atexit(remove_file);
    char *buf = malloc(1 << 20);
    if (buf == NULL)
        die("malloc");
    memset(buf, 'c', 1 << 20);
    for (long i = 0; i < mib; i++)
        if (write(fd, buf, 1 << 20) != 1 << 20)
            die(path);
    free(buf);
    close(fd);
    printf("%s: %ld MiB, %zu pages\n", path, mib, size / (size_t)page);

    long total_kib[2];
    for (int mode = 0; mode < 2; mode++) {
        struct mem grew[2];
        long cached = run_mode(mode, grew);
        const char *name = mode ? "map" : "read";
        printf("%s: two processes %s\n", name, mode
               ? "map the file MAP_SHARED and read every page"
               : "read() the whole file into their own buffers");
        long pss_sum = 0, anon_sum = 0;
        for (int i = 0; i < 2; i++) {
            printf("  process %d: Rss grew by %.1f file, Pss by %.1f file\n",
                   i + 1, files(grew[i].rss), files(grew[i].pss));
            fprintf(stderr, "%s: process %d: Rss +%ld KiB, Pss +%ld KiB, "
                    "Anonymous +%ld KiB (file %zu KiB)\n", name, i + 1,
                    grew[i].rss, grew[i].pss, grew[i].anon, size >> 10);
            pss_sum += grew[i].pss;
            anon_sum += grew[i].anon;
        }
        double copies = files(anon_sum);
        printf("  private copies in the processes: %.0f; page cache: %ld of %zu "
               "pages; copies in memory: %.0f\n", copies, cached,
               size / (size_t)page, copies + (cached > 0 ? 1 : 0));
        fprintf(stderr, "%s: Pss of both +%ld KiB, Anonymous of both +%ld KiB, "
                "page cache %ld KiB\n", name, pss_sum, anon_sum,
                cached * page / 1024);
        /* Memory holding the file's data: private copies plus the cache. */
        total_kib[mode] = anon_sum + cached * page / 1024;
    }
    printf("shared mappings use less memory than read(): %s\n",
           total_kib[1] < total_kib[0] ? "yes" : "no");
    return 0;
}
