/* test_ipc_bench.c: Check tests for lab 12 (ipc_bench, ipc_copies, mq_peer).
 *
 * These tests check correctness, never speed: a smoke run (tiny counts)
 * checks every message of every mechanism, skips what this machine cannot
 * run with the reason (one CPU: the cross-CPU series), writes well-formed
 * CSV files, and gnuplot draws them; the copies of a file are counted from
 * outside the program (the kernel's rchar/wchar and strace); message queues
 * join two processes started separately; bad input gets one clear line.
 * The ring itself has its own tests (test_ring.c).
 *
 * Claims: Q1 and Q2 are settled from 13 repetitions of a smoke run by
 * scripts/bench-summary (per message size, the median and its 90% interval;
 * a size is decided only when the interval clears the threshold), Q1's
 * copies by scripts/count-copies; Q4 by the queue test. The rule itself is
 * tested on made-up figures (test_verdict_rule_decides_only_clear_sizes).
 *
 * Why this file is longer than 600 lines: it tests the harness, not the
 * part a student writes (that is test_ring.c, about 350 lines), and each
 * group reads a different CSV or script output (throughput, latency, skips,
 * copies, verdicts, plots); splitting it would copy the CSV reader and the
 * script runner into every part.
 * scripts/report takes Q1 and Q2 from a full `make bench` instead, when one
 * has run.
 */
#define _GNU_SOURCE
#include "testlib.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/stat.h>
#include <sched.h>
#include <unistd.h>

#define SMOKE_TIMEOUT 120 /* generous: sanitizers and CPU hogs slow it down */
#define CLAIMS_TIMEOUT 60 /* 13 repetitions of a smoke run: 2-5 s, 12 times that */

/* ---- reading the CSV files ---------------------------------------------- */

struct csv {
    char *text;
    char **line; /* data lines (not the header) */
    int nlines;
    char *header;
};

static void csv_load(struct csv *c, const char *path)
{
    size_t len;
    c->text = lab_read_file(path, &len);
    ck_assert_msg(len > 0, "%s is empty", path);
    ck_assert_msg(c->text[len - 1] == '\n', "%s does not end with a newline", path);
    c->line = calloc(len, sizeof *c->line);
    ck_assert_ptr_nonnull(c->line);
    c->nlines = 0;
    c->header = strtok(c->text, "\n");
    char *l;
    while ((l = strtok(NULL, "\n")) != NULL)
        c->line[c->nlines++] = l;
}

static void csv_free(struct csv *c)
{
    free(c->line);
    free(c->text);
}

/* Field i (from 0) of a line, copied into buf. */
static const char *field(const char *line, int i, char *buf, size_t size)
{
    const char *p = line;
    for (int k = 0; k < i; k++) {
        p = strchr(p, ',');
        if (p == NULL)
            return NULL;
        p++;
    }
    size_t n = strcspn(p, ",");
    ck_assert_uint_lt(n, size);
    memcpy(buf, p, n);
    buf[n] = '\0';
    return buf;
}

static int nfields(const char *line)
{
    int n = 1;
    for (const char *p = line; *p; p++)
        n += *p == ',';
    return n;
}

static double num(const char *line, int i)
{
    char buf[64], *end;
    ck_assert_ptr_nonnull(field(line, i, buf, sizeof buf));
    double v = strtod(buf, &end);
    ck_assert_msg(buf[0] != '\0' && *end == '\0', "field %d of '%s' is not a number", i, line);
    return v;
}

/* The line whose first field is key (and, if key2, whose field k2 is key2). */
static const char *find(const struct csv *c, const char *key, int k2, const char *key2)
{
    char a[128], b[128];
    for (int i = 0; i < c->nlines; i++)
        if (strcmp(field(c->line[i], 0, a, sizeof a), key) == 0 &&
            (key2 == NULL || strcmp(field(c->line[i], k2, b, sizeof b), key2) == 0))
            return c->line[i];
    return NULL;
}

/* Every data line has as many fields as the header, and the named numeric
 * columns hold finite, non-negative numbers. */
static void check_shape(const struct csv *c, const char *header, const int *numeric, int nnum)
{
    ck_assert_str_eq(c->header, header);
    int want = nfields(header);
    for (int i = 0; i < c->nlines; i++) {
        ck_assert_msg(nfields(c->line[i]) == want, "'%s' has %d fields, not %d",
                      c->line[i], nfields(c->line[i]), want);
        for (int k = 0; k < nnum; k++) {
            double v = num(c->line[i], numeric[k]);
            ck_assert_msg(isfinite(v) && v >= 0, "'%s': field %d is %g", c->line[i],
                          numeric[k], v);
        }
    }
}

/* How many CPUs this process may run on (taskset -c 0: one). */
static int allowed_cpus(void)
{
    cpu_set_t set;
    ck_assert_int_eq(sched_getaffinity(0, sizeof set, &set), 0);
    return CPU_COUNT(&set);
}

static void smoke_run(struct lab_result *r)
{
    lab_run(r, SMOKE_TIMEOUT, NULL, "ipc_bench", "--smoke", "--out", ".", "--dir", ".", NULL);
    ck_assert_msg(r->exited && r->code == 0, "ipc_bench --smoke failed (exit %d, signal %d): %s",
                  r->code, r->sig, r->err);
}

static const char *const mechs[] = {
    "pipe", "fifo", "unix-socket", "posix-mq", "sysv-msg", "ring-posix-shm",
    "ring-disk-file", "ring-devshm-file", "ring-sysv-shm", "ring-anon", "ring-disk-msync"};
#define NMECH (sizeof mechs / sizeof mechs[0])

// does a smoke run check every message of every mechanism, and skip with
// its reason what needs two CPUs when it has one?
START_TEST(test_smoke_run_verifies_every_mechanism)
{
    struct lab_result r;
    smoke_run(&r);
    // it ends by saying every transfer was verified
    ck_assert_ptr_nonnull(strstr(r.out, "\nevery transfer verified\n"));
    for (size_t i = 0; i < NMECH; i++) {
        char want[128];
        snprintf(want, sizeof want, "\n  %-17s ", mechs[i]);
        ck_assert_msg(strstr(r.out, want) != NULL, "no line for %s", mechs[i]);
    }
    // the same-CPU pipe runs everywhere, at every size
    ck_assert_ptr_nonnull(strstr(r.out, "\n  pipe              same-cpu   verified at every size\n"));
    int cross = strstr(r.out, "cross-cpu  verified") != NULL;
    const char *skip = strstr(r.out, "cross-cpu  not run: needs two CPUs (this process may run on CPU ");
    if (allowed_cpus() >= 2) {
        // two CPUs: the cross-CPU series ran
        ck_assert_msg(cross && skip == NULL, "%s", r.out);
    } else {
        // one CPU: every cross-CPU series is a skip that says why
        ck_assert_msg(!cross && skip != NULL, "%s", r.out);
        ck_assert_ptr_nonnull(strstr(r.err, "CPU "));
        ck_assert_ptr_null(strstr(r.err, "-1"));
    }
    lab_result_free(&r);
}
END_TEST

// are the CSV files well-formed, with a row per run and a reason per skip?
START_TEST(test_smoke_run_writes_well_formed_csv)
{
    struct lab_result r;
    smoke_run(&r);
    struct csv c;
    int two = allowed_cpus() >= 2;

    csv_load(&c, "throughput.csv");
    static const int tp_num[] = {5, 6, 7, 8, 9, 11};
    check_shape(&c, "series,mechanism,placement,cpus,mode,size_bytes,messages,seconds,"
                    "mb_per_s,msgs_per_s,verified,rep", tp_num, 6);
    for (int i = 0; i < c.nlines; i++) {
        char buf[16];
        ck_assert_str_eq(field(c.line[i], 10, buf, sizeof buf), "yes");
        ck_assert_msg(num(c.line[i], 8) > 0, "no throughput in '%s'", c.line[i]);
    }
    int tp_rows = c.nlines;
    // the same-CPU pipe everywhere; the cross-CPU one only with two CPUs
    ck_assert_ptr_nonnull(find(&c, "pipe/same-cpu", 5, "64"));
    ck_assert_int_eq(find(&c, "pipe/cross-cpu", 5, "64") != NULL, two);
    csv_free(&c);

    csv_load(&c, "skipped.csv");
    check_shape(&c, "series,placement,size_bytes,reason", NULL, 0);
    // 13 series x 3 sizes: each one is a row of throughput.csv or skipped.csv
    // (the latency series add 11 rows of 64 B, run or skipped)
    int skipped_tp = 0;
    for (int i = 0; i < c.nlines; i++) {
        char buf[128];
        const char *why = field(c.line[i], 3, buf, sizeof buf);
        ck_assert_msg(strcmp(why, "larger than the queue allows") == 0 ||
                          strncmp(why, "needs two CPUs", 14) == 0 ||
                          strcmp(why, "not in a smoke run (slow on purpose)") == 0,
                      "skipped for no known reason: %s", c.line[i]);
        skipped_tp += strcmp(why, "not in a smoke run (slow on purpose)") != 0;
        // only cross-CPU series are skipped for want of a CPU, and only on one
        if (strncmp(why, "needs two CPUs", 14) == 0)
            ck_assert_msg(!two && strstr(c.line[i], "cross-cpu") != NULL, "%s", c.line[i]);
    }
    csv_free(&c);

    csv_load(&c, "latency.csv");
    static const int lat_num[] = {5, 6, 7, 8, 9, 10, 12};
    check_shape(&c, "series,mechanism,placement,cpus,mode,size_bytes,roundtrips,median_us,"
                    "p99_us,min_us,roundtrips_per_s,verified,rep", lat_num, 7);
    // every latency series that can run here (not the unbounded spin: slow)
    ck_assert_int_eq(c.nlines, two ? 10 : 3);
    ck_assert_ptr_nonnull(find(&c, "ring-posix-shm/futex/same-cpu", 0, NULL));
    int lat_rows = c.nlines;
    csv_free(&c);
    // every (series, size) is either measured or skipped with a reason
    ck_assert_int_eq(tp_rows + lat_rows + skipped_tp + 1, 13 * 3 + 11);

    csv_load(&c, "memcpy.csv");
    static const int mc_num[] = {1, 2, 3, 4};
    check_shape(&c, "what,buffer_bytes,processes,mb_per_s,rep", mc_num, 4);
    ck_assert_int_eq(c.nlines, 1);
    csv_free(&c);
    lab_result_free(&r);
}
END_TEST

/* The suite's root (above labs/): $LAB_ROOT (the Makefile exports it), or
 * a folder above the test binary; and the build directory the binary is
 * in. 0 if found. */
static int find_root(char *root, size_t size, char *build, size_t bsize)
{
    char exe[PATH_MAX - 64];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return -1;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash == NULL)
        return -1;
    *slash = '\0'; /* build/tests */
    slash = strrchr(exe, '/');
    if (slash == NULL)
        return -1;
    *slash = '\0'; /* build */
    snprintf(build, bsize, "%s", exe);
    const char *env = getenv("LAB_ROOT");
    if (env != NULL && env[0] == '/') {
        char probe[PATH_MAX + 64];
        snprintf(probe, sizeof probe, "%s/labs/12-ipc-bench/throughput.gp", env);
        if (access(probe, R_OK) == 0) {
            snprintf(root, size, "%s", env);
            return 0;
        }
    }
    for (slash = strrchr(exe, '/'); slash != NULL; slash = strrchr(exe, '/')) {
        char probe[PATH_MAX + 64];
        snprintf(probe, sizeof probe, "%s/labs/12-ipc-bench/throughput.gp", exe);
        if (access(probe, R_OK) == 0) {
            snprintf(root, size, "%s", exe);
            return 0;
        }
        *slash = '\0';
    }
    return -1;
}

/* Run scripts/NAME ARGS... from the suite's root, with LAB_BUILD set to
 * this binary's build directory; skip the test if the root is not there. */
#define SCRIPT(r, timeout, name, ...)                                                \
    do {                                                                             \
        char root_[PATH_MAX], build_[PATH_MAX], path_[PATH_MAX + 32];                \
        if (find_root(root_, sizeof root_, build_, sizeof build_) == -1)             \
            LAB_SKIP("cannot find the suite's root above the test binary");          \
        setenv("LAB_BUILD", build_, 1);                                              \
        snprintf(path_, sizeof path_, "%s/scripts/%s", root_, name);                 \
        lab_run(r, timeout, NULL, path_, __VA_ARGS__, NULL);                         \
        ck_assert_msg((r)->exited && (r)->code == 0, "scripts/%s failed: %s", name,  \
                      (r)->err);                                                     \
    } while (0)

/* The copies.csv line of a path. */
static const char *copies_line(const struct csv *c, const char *path)
{
    const char *l = find(c, path, 0, NULL);
    ck_assert_msg(l != NULL, "copies.csv has no %s line", path);
    return l;
}

// is a file copied four times through a pipe or a queue and twice through
// shared memory, counted from outside the program? (Q1, the copies)
START_TEST(test_copies_are_counted_from_outside)
{
    struct lab_result r;
    SCRIPT(&r, 60, "count-copies", "--size", "4", "--dir", ".", "copies.csv");
    lab_result_free(&r);
    struct csv c;
    csv_load(&c, "copies.csv");
    static const int cols[] = {1, 2, 3, 4, 7};
    check_shape(&c, "path,file_bytes,rchar,wchar,io_copies_per_byte,strace_bytes,"
                    "strace_copies_per_byte,seconds", cols, 5);
    static const char *const paths[] = {"pipe", "posix-mq", "sysv-msg", "posix-shm", "sysv-shm"};
    static const int want[] = {4, 4, 4, 2, 2};
    for (int i = 0; i < 5; i++) {
        const char *l = copies_line(&c, paths[i]);
        double bytes = num(l, 1), io = (num(l, 2) + num(l, 3)) / bytes;
        // the kernel's read()/write() counters of the two processes: the file's
        // two copies, plus the pipe's two (a queue's own are not read/write)
        double io_want = strcmp(paths[i], "pipe") == 0 ? 4 : 2;
        ck_assert_msg(fabs(io - io_want) < 0.01, "%s: rchar+wchar %.4f per byte", paths[i], io);
        char buf[32];
        if (field(l, 5, buf, sizeof buf)[0] == '\0')
            continue; /* no strace here: checked below */
        double st = num(l, 5) / bytes;
        // strace, every call's bytes: four copies through a pipe or a queue, two through shm
        ck_assert_msg(fabs(st - want[i]) < 0.01, "%s: strace counted %.4f copies per byte",
                      paths[i], st);
        // and where both can see every copy, strace and the kernel agree
        if (want[i] == 2 || strcmp(paths[i], "pipe") == 0)
            ck_assert_msg(fabs(st - io) < 0.001, "%s: strace %.4f, rchar+wchar %.4f", paths[i],
                          st, io);
    }
    char buf[32];
    int traced = field(copies_line(&c, "posix-mq"), 5, buf, sizeof buf)[0] != '\0';
    csv_free(&c);
    if (!traced)
        LAB_SKIP("strace is missing or cannot trace here: the queues' copies were not counted");
}
END_TEST

/* verdicts.tsv, split: the words and the texts of Q1 and Q2 (in v). */
struct verdicts {
    char *v;
    char *q1, *q1_text, *q2, *q2_text;
};

static void read_verdicts(struct verdicts *vd)
{
    size_t len;
    vd->v = lab_read_file("verdicts.tsv", &len);
    char *q1 = strstr(vd->v, "Q1\t"), *q2 = strstr(vd->v, "\nQ2\t");
    // a verdict on both claims, each with its figures
    ck_assert_msg(q1 == vd->v && q2 != NULL, "verdicts.tsv: %s", vd->v);
    *q2++ = '\0';
    q2[strcspn(q2, "\n")] = '\0';
    vd->q1 = q1 + 3;
    vd->q2 = q2 + 3;
    vd->q1_text = strchr(vd->q1, '\t');
    vd->q2_text = strchr(vd->q2, '\t');
    ck_assert_ptr_nonnull(vd->q1_text);
    ck_assert_ptr_nonnull(vd->q2_text);
    *vd->q1_text++ = '\0';
    *vd->q2_text++ = '\0';
}

/* A throughput.csv line per repetition of SERIES (cross-cpu) at SIZE, with
 * the MB/s of mbps[rep]. */
static void synth_rows(FILE *f, const char *series, size_t size, const double *mbps, int nrep)
{
    for (int rep = 0; rep < nrep; rep++)
        fprintf(f, "%s,x,cross-cpu,0+1,x,%zu,100,1.0,%.3f,100.0,yes,%d\n", series, size,
                mbps[rep], rep);
}

/* Write a benchmark's files for bench-summary: at 64 B and 1 MiB, NREP
 * repetitions; the shared-memory ring runs ring64[] and ring1m[] times
 * the pipe (100 MB/s); the disk-file ring runs q2 times the System V one;
 * the copies of a file through a pipe are PIPE_COPIES per byte. */
static void synth_bench(int nrep, const double *ring64, const double *ring1m, double q2,
                        double pipe_copies)
{
    FILE *f = fopen("throughput.csv", "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "series,mechanism,placement,cpus,mode,size_bytes,messages,seconds,mb_per_s,"
               "msgs_per_s,verified,rep\n");
    double pipe[16], ring[16], sysv[16], disk[16];
    for (int rep = 0; rep < nrep; rep++)
        pipe[rep] = 100, sysv[rep] = 50, disk[rep] = 50 * q2;
    synth_rows(f, "pipe/cross-cpu", 64, pipe, nrep);
    synth_rows(f, "pipe/cross-cpu", 1 << 20, pipe, nrep);
    for (int rep = 0; rep < nrep; rep++)
        ring[rep] = 100 * ring64[rep];
    synth_rows(f, "ring-posix-shm/spin/cross-cpu", 64, ring, nrep);
    for (int rep = 0; rep < nrep; rep++)
        ring[rep] = 100 * ring1m[rep];
    synth_rows(f, "ring-posix-shm/spin/cross-cpu", 1 << 20, ring, nrep);
    synth_rows(f, "ring-sysv-shm/spin/cross-cpu", 64, sysv, nrep);
    synth_rows(f, "ring-sysv-shm/spin/cross-cpu", 1 << 20, sysv, nrep);
    synth_rows(f, "ring-disk-file/spin/cross-cpu", 64, disk, nrep);
    synth_rows(f, "ring-disk-file/spin/cross-cpu", 1 << 20, disk, nrep);
    ck_assert_int_eq(fclose(f), 0);
    static const char lat[] = "series,mechanism,placement,cpus,mode,size_bytes,roundtrips,"
                              "median_us,p99_us,min_us,roundtrips_per_s,verified,rep\n";
    lab_write_file("latency.csv", lat, strlen(lat));
    static const char mc[] = "what,buffer_bytes,processes,mb_per_s,rep\n";
    lab_write_file("memcpy.csv", mc, strlen(mc));
    char copies[512];
    int n = snprintf(copies, sizeof copies,
                     "path,file_bytes,rchar,wchar,io_copies_per_byte,strace_bytes,"
                     "strace_copies_per_byte,seconds\n"
                     "pipe,100,200,200,4.0,%.0f,%.4f,0.1\n"
                     "posix-mq,100,100,100,2.0,400,4.0,0.1\n"
                     "sysv-msg,100,100,100,2.0,400,4.0,0.1\n"
                     "posix-shm,100,100,100,2.0,200,2.0,0.1\n"
                     "sysv-shm,100,100,100,2.0,200,2.0,0.1\n",
                     100 * pipe_copies, pipe_copies);
    lab_write_file("copies.csv", copies, (size_t)n);
}

/* bench-summary on the files synth_bench wrote: the words on Q1 and Q2. */
static void summarise(const char *fs, struct verdicts *vd)
{
    struct lab_result r;
    SCRIPT(&r, 30, "bench-summary", "--fs", fs, ".");
    lab_result_free(&r);
    read_verdicts(vd);
}

#define CHECK_VERDICTS(vd, w1, w2)                                                      \
    ck_assert_msg(strcmp((vd).q1, w1) == 0 && strcmp((vd).q2, w2) == 0,                \
                  "Q1 %s (want %s): %s\nQ2 %s (want %s): %s", (vd).q1, w1, (vd).q1_text, \
                  (vd).q2, w2, (vd).q2_text)

// does the summary decide a size only when the 90% interval of its median
// clears the threshold, and give the word the documented mapping says?
START_TEST(test_verdict_rule_decides_only_clear_sizes)
{
    struct verdicts vd;
    // 9 repetitions: the interval runs from the second lowest to the second
    // highest ratio. At 64 B one repetition's 0.5 is an outlier: the interval
    // [10, 10] clears 1.0 (a lowest-to-highest rule would not decide). At
    // 1 MiB the middle half clears 1.0 (an interquartile rule would decide)
    // but the interval [0.9, 1.7] does not.
    static const double r64[] = {0.5, 10, 10, 10, 10, 10, 10, 10, 10};
    static const double r1m[] = {0.5, 0.9, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8};
    synth_bench(9, r64, r1m, 1.0, 4);
    summarise("ext4", &vd);
    // faster where decided, 1 MiB undecided and named: confirmed
    CHECK_VERDICTS(vd, "confirmed", "refuted");
    ck_assert_msg(strstr(vd.q1_text, "9 repetitions") != NULL &&
                      strstr(vd.q1_text, "96.1% interval: second lowest-second highest") != NULL &&
                      strstr(vd.q1_text, "64 B 10.00x [10.00-10.00], 1 MiB 1.40x [0.90-1.70]") &&
                      strstr(vd.q1_text, "faster at 64 B; inconclusive here at 1 MiB: confirmed"),
                  "%s", vd.q1_text);
    // the disk file as fast as System V shm: not slower at either size
    ck_assert_msg(strstr(vd.q2_text, "not slower at 64 B-1 MiB: refuted") != NULL, "%s",
                  vd.q2_text);
    free(vd.v);

    // the ring clearly slower at 1 MiB: one size each way
    static const double slow[] = {0.4, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.6};
    synth_bench(9, r64, slow, 0.5, 4);
    summarise("ext4", &vd);
    // and the disk file at half the speed of System V shm: slower, as claimed
    CHECK_VERDICTS(vd, "depends", "confirmed");
    ck_assert_ptr_nonnull(strstr(vd.q1_text, "faster at 64 B; slower at 1 MiB: depends"));
    free(vd.v);

    // neither size clear: inconclusive; and on tmpfs Q2 cannot be settled
    static const double mixed[] = {0.5, 0.6, 0.8, 0.9, 1.1, 1.2, 1.4, 1.5, 1.6};
    synth_bench(9, mixed, mixed, 0.5, 4);
    summarise("tmpfs", &vd);
    CHECK_VERDICTS(vd, "inconclusive", "inconclusive");
    ck_assert_ptr_nonnull(strstr(vd.q2_text, "on tmpfs, not on a disk"));
    free(vd.v);

    // faster everywhere, but a pipe copied a file 3 times per byte, not 4
    synth_bench(9, r64, r64, 1.0, 3);
    summarise("ext4", &vd);
    CHECK_VERDICTS(vd, "refuted", "refuted");
    free(vd.v);

    // 4 repetitions give no 90% interval: nothing is decided
    synth_bench(4, r64 + 1, r64 + 1, 0.5, 4);
    summarise("ext4", &vd);
    CHECK_VERDICTS(vd, "inconclusive", "inconclusive");
    ck_assert_ptr_nonnull(strstr(vd.q1_text, "too few repetitions for a 90% interval"));
    free(vd.v);
}
END_TEST

// from 13 repetitions of a smoke run: is shared memory the fastest IPC (Q1),
// and is a disk-file mapping slower than System V shm (Q2)? (13: the 90%
// interval then leaves out three repetitions at each end; the msync ring,
// which writes to the disk, is left to make bench)
START_TEST(test_smoke_runs_settle_q1_and_q2)
{
    struct lab_result r;
    const char *only = "pipe,fifo,unix-socket,posix-mq,sysv-msg,ring-posix-shm/spin,"
                       "ring-sysv-shm,ring-anon,ring-disk-file";
    if (allowed_cpus() >= 2)
        lab_run(&r, CLAIMS_TIMEOUT, NULL, "ipc_bench", "--smoke", "--reps", "13", "--no-latency",
                "--only", only, "--out", ".", "--dir", ".", NULL);
    else /* one CPU: every series on it, rather than none */
        lab_run(&r, CLAIMS_TIMEOUT, NULL, "ipc_bench", "--smoke", "--reps", "13", "--no-latency",
                "--same-cpu", "--only", only, "--out", ".", "--dir", ".", NULL);
    ck_assert_msg(r.exited && r.code == 0, "ipc_bench failed (%s): %s",
                  r.timed_out ? "timed out" : "exit status", r.err);
    lab_result_free(&r);
    SCRIPT(&r, 60, "count-copies", "--size", "1", "--dir", ".", "copies.csv");
    lab_result_free(&r);
    const char *fs = lab_fs_type(".");
    SCRIPT(&r, 30, "bench-summary", "--fs", fs, ".");
    lab_result_free(&r);
    struct verdicts vd;
    read_verdicts(&vd);
    static const char *const ok[] = {"confirmed", "refuted", "depends", "inconclusive"};
    int k1 = 0, k2 = 0;
    for (int i = 0; i < 4; i++) {
        k1 |= strcmp(vd.q1, ok[i]) == 0;
        k2 |= strcmp(vd.q2, ok[i]) == 0;
    }
    ck_assert_msg(k1 && k2, "verdicts '%s' and '%s'", vd.q1, vd.q2);
    // every size's ratio comes with the 90% interval of its median over the
    // 13 repetitions (4th lowest to 4th highest), and the word says which
    // sizes decided it
    for (int i = 0; i < 2; i++) {
        const char *t = i ? vd.q2_text : vd.q1_text;
        ck_assert_msg(strstr(t, "13 repetitions") &&
                          strstr(t, "90.8% interval: 4th lowest-4th highest") &&
                          strstr(t, "64 B ") && strstr(t, "4 KiB ") && strstr(t, "1 MiB "),
                      "%s", t);
    }
    LAB_REPORT("Q1", vd.q1, "smoke run, %s", vd.q1_text);
    LAB_REPORT("Q2", vd.q2, "smoke run, %s", vd.q2_text);
    free(vd.v);
}
END_TEST

/* Every font-size="N" in an SVG is at least min px. */
static void check_font_sizes(const char *name, const char *svg, double min)
{
    int n = 0;
    for (const char *p = strstr(svg, "font-size=\""); p != NULL; p = strstr(p + 1, "font-size=\"")) {
        double px = strtod(p + 11, NULL);
        ck_assert_msg(px >= min, "%s: text at %.1f px (less than %.0f)", name, px, min);
        n++;
    }
    ck_assert_msg(n > 0, "%s: no font-size at all", name);
}

/* The text of an SVG holds s (gnuplot writes it between tags, as is). */
#define SVG_HAS(name, svg, s) ck_assert_msg(strstr(svg, s) != NULL, "%s: no \"%s\"", name, s)

// does gnuplot draw every plot, readable (text of 14 px or more, every
// throughput series its own colour and dash pattern, the run named), from
// the summary's CSV files, without an error?
START_TEST(test_gnuplot_renders_the_plots)
{
    struct lab_result r;
    lab_run(&r, 10, NULL, "/bin/sh", "-c", "command -v gnuplot", NULL);
    int have = r.exited && r.code == 0 && r.out[0] == '/';
    lab_result_free(&r);
    if (!have)
        LAB_SKIP("gnuplot is not installed (scripts/setup plots installs gnuplot-nox)");
    lab_run(&r, SMOKE_TIMEOUT, NULL, "ipc_bench", "--smoke", "--reps", "2", "--out", ".",
            "--dir", ".", NULL);
    ck_assert_msg(r.exited && r.code == 0, "ipc_bench failed: %s", r.err);
    lab_result_free(&r);
    SCRIPT(&r, 60, "count-copies", "--size", "1", "--dir", ".", "copies.csv");
    lab_result_free(&r);
    SCRIPT(&r, 30, "bench-summary", ".");
    lab_result_free(&r);
    static const char run[] = "mode\tsmoke\nrepetitions\t2\ndate\t2000-01-01 00:00 UTC\n"
                              "cpus\t2\nkernel\t6.1-test\ncpu\tTest's CPU @ 1GHz\n"
                              "caches\tL2 1 MiB per core\n";
    lab_write_file("run.tsv", run, strlen(run));
    SCRIPT(&r, 60, "plots", ".", ".");
    // gnuplot says nothing on stderr: no error, no warning
    ck_assert_msg(r.err_len == 0, "scripts/plots said: %s", r.err);
    int png = strstr(r.out, "SVG only") == NULL;
    lab_result_free(&r);

    static const char *const plots[] = {"throughput", "latency", "copies"};
    char *svg[3];
    for (int i = 0; i < 3; i++) {
        char out[64];
        size_t len;
        snprintf(out, sizeof out, "%s.svg", plots[i]);
        svg[i] = lab_read_file(out, &len);
        // a whole SVG document
        ck_assert_ptr_nonnull(strstr(svg[i], "<svg"));
        ck_assert_ptr_nonnull(strstr(svg[i], "</svg>"));
        // no text under 14 px at the plot's natural size (a projector's minimum)
        check_font_sizes(out, svg[i], 14);
        // the subtitle names the run and the machine, from run.tsv
        SVG_HAS(out, svg[i], "smoke run, 2 repetitions, 2000-01-01 00:00 UTC; 2 CPUs, "
                             "Linux 6.1-test, Test's CPU @ 1GHz");
        if (png) {
            snprintf(out, sizeof out, "%s.png", plots[i]);
            char *p = lab_read_file(out, &len);
            // and its PNG twin, for the PDFs
            ck_assert_msg(len > 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0, "%s is not a PNG", out);
            free(p);
        }
    }

    // throughput: one line per series of the CSV and the memcpy line, each
    // in a colour and a dash pattern of its own (or solid: memcpy only)
    struct csv c;
    csv_load(&c, "throughput-median.csv");
    int nseries = 0;
    char prev[128] = "", name[128];
    for (int i = 0; i < c.nlines; i++)
        if (strcmp(field(c.line[i], 0, name, sizeof name), prev) != 0) {
            nseries++;
            snprintf(prev, sizeof prev, "%s", name);
            SVG_HAS("throughput.svg", svg[0], name); /* its key entry */
        }
    csv_free(&c);
    char colour[16][48], dash[16][96];
    int nlines = 0;
    for (const char *g = strstr(svg[0], "<g id=\"gnuplot_plot_"); g != NULL;
         g = strstr(g + 1, "<g id=\"gnuplot_plot_")) {
        const char *p = strstr(g, "<path stroke='rgb(");
        ck_assert_ptr_nonnull(p);
        ck_assert_int_lt(nlines, 16);
        p += 14;
        snprintf(colour[nlines], sizeof colour[nlines], "%.*s", (int)strcspn(p, "'"), p);
        const char *end = strchr(p, '>'), *d = strstr(p, "stroke-dasharray='");
        if (d != NULL && d < end)
            snprintf(dash[nlines], sizeof dash[nlines], "%.*s", (int)strcspn(d + 18, "'"), d + 18);
        else
            snprintf(dash[nlines], sizeof dash[nlines], "solid");
        for (int k = 0; k < nlines; k++) {
            ck_assert_msg(strcmp(colour[k], colour[nlines]) != 0, "lines %d and %d: colour %s",
                          k + 1, nlines + 1, colour[k]);
            ck_assert_msg(strcmp(dash[k], dash[nlines]) != 0, "lines %d and %d: dashes %s", k + 1,
                          nlines + 1, dash[k]);
        }
        nlines++;
    }
    ck_assert_int_eq(nlines, nseries + 1);
    // sizes in B, KiB and MiB; the memcpy line named and explained
    SVG_HAS("throughput.svg", svg[0], ">64 B<");
    SVG_HAS("throughput.svg", svg[0], ">4 KiB<");
    SVG_HAS("throughput.svg", svg[0], ">1 MiB<");
    SVG_HAS("throughput.svg", svg[0], "memcpy, one process: ");
    SVG_HAS("throughput.svg", svg[0], "The thick line: memcpy in one process of a 4 MiB buffer");

    // latency: a bar and a name for every series, and an x-axis label
    csv_load(&c, "latency-median.csv");
    for (int i = 0; i < c.nlines; i++)
        SVG_HAS("latency.svg", svg[1], field(c.line[i], 0, name, sizeof name));
    csv_free(&c);
    SVG_HAS("latency.svg", svg[1], "microseconds, one way (log scale)");

    // copies: the file's size, and each path's copies as count-copies measured them
    SVG_HAS("copies.svg", svg[2], "One 1 MiB file moved");
    csv_load(&c, "copies.csv");
    for (int i = 0; i < c.nlines; i++) {
        char want[32];
        snprintf(want, sizeof want, ">%.2f<", num(c.line[i], 4));
        SVG_HAS("copies.svg", svg[2], want);
        SVG_HAS("copies.svg", svg[2], field(c.line[i], 0, name, sizeof name));
    }
    csv_free(&c);
    for (int i = 0; i < 3; i++)
        free(svg[i]);
}
END_TEST

/* Run one queue kind between two separately started processes. */
static void queue_between_unrelated(const char *kind, const char *name, char *seen, size_t size)
{
    struct lab_proc rp;
    struct lab_result rr, sr;
    lab_spawn(&rp, "mq_peer", "recv", kind, name, "200", NULL);
    const char *line = lab_read_line(&rp, 10);
    // the receiver made the queue and waits
    ck_assert_msg(line != NULL && strncmp(line, "ready:", 6) == 0, "receiver said %s",
                  line ? line : "nothing");
    // a second program, exec'd on its own, finds the queue by its name or key
    lab_run(&sr, 10, NULL, "mq_peer", "send", kind, name, "200", NULL);
    ck_assert_msg(sr.exited && sr.code == 0, "sender failed: %s", sr.err);
    lab_finish(&rp, &rr, 10);
    ck_assert_msg(rr.exited && rr.code == 0, "receiver failed: %s", rr.err);
    // all 200 messages arrived, in order, intact, from a process that is not its relative
    ck_assert_ptr_nonnull(strstr(rr.out, "received 200 messages, every sequence number and checksum right\n"));
    ck_assert_ptr_nonnull(strstr(rr.out, "the sender is neither my parent nor my child\n"));
    if (strcmp(kind, "sysv") == 0) {
        int id = -1;
        const char *p = strstr(rr.err, "msqid ");
        ck_assert_ptr_nonnull(p);
        id = atoi(p + 6);
        struct msqid_ds ds;
        errno = 0;
        // the System V queue is gone (EINVAL, or EIDRM)
        ck_assert_int_eq(msgctl(id, IPC_STAT, &ds), -1);
        ck_assert_msg(errno == EINVAL || errno == EIDRM, "msgctl: %s", strerror(errno));
        // and so is its key file
        ck_assert_int_eq(access(name, F_OK), -1);
    } else {
        errno = 0;
        // the POSIX queue's name is gone
        ck_assert_int_eq(mq_open(name, O_RDONLY), (mqd_t)-1);
        ck_assert_int_eq(errno, ENOENT);
    }
    snprintf(seen + strlen(seen), size - strlen(seen), "%s%s: 200 of 200 messages verified",
             seen[0] ? "; " : "", strcmp(kind, "sysv") == 0 ? "System V queue (ftok key)"
                                                          : "POSIX mq (by name)");
    lab_result_free(&sr);
    lab_result_free(&rr);
}

// can two processes that are not parent and child share a message queue? (Q4)
START_TEST(test_queues_join_unrelated_processes)
{
    char name[128], seen[300] = "";
    lab_unique_name(name, sizeof name, "q");
    queue_between_unrelated("posix", name, seen, sizeof seen);
    queue_between_unrelated("sysv", "q.key", seen, sizeof seen);
    LAB_REPORT("Q4", "refuted",
               "mq_peer recv and mq_peer send, exec'd separately (siblings, neither parent "
               "nor child of the other): %s",
               seen);
}
END_TEST

// does every kind of bad input get one clear line and the right status?
START_TEST(test_bad_input)
{
    lab_write_file("file", "x", 1);
    lab_expect_help("ipc_bench");
    lab_expect_error(2, "--fast", "ipc_bench", "--fast", NULL);
    lab_expect_error(2, "--out: needs a value", "ipc_bench", "--smoke", "--out", NULL);
    lab_expect_error(2, "'bogus' starts no series", "ipc_bench", "--smoke", "--only", "bogus", NULL);
    lab_expect_error(2, "'' starts no series", "ipc_bench", "--smoke", "--only", "pipe,", NULL);
    lab_expect_error(1, "missing: No such file", "ipc_bench", "--smoke", "--out", "missing", NULL);
    lab_expect_error(1, "not a directory", "ipc_bench", "--smoke", "--dir", "file", NULL);
    lab_expect_error(2, "--cpus", "ipc_bench", "--smoke", "--cpus", "x", NULL);
    lab_expect_error(2, "two different CPUs", "ipc_bench", "--smoke", "--cpus", "0,0", NULL);
    lab_expect_error(2, "out of range", "ipc_bench", "--smoke", "--cpus", "0,99999", NULL);
    lab_expect_error(2, "--reps", "ipc_bench", "--smoke", "--reps", "0", NULL);
    lab_expect_error(2, "--reps", "ipc_bench", "--smoke", "--reps", "5x", NULL);

    lab_expect_error(2, "--path", "ipc_copies", "--path", "carrier-pigeon", NULL);
    lab_expect_error(2, "--size", "ipc_copies", "--size", "0", NULL);
    lab_expect_error(2, "--size", "ipc_copies", "--size", NULL);
    lab_expect_error(1, "missing", "ipc_copies", "--size", "1", "--dir", "missing", NULL);

    lab_expect_error(2, "missing", "mq_peer", NULL);
    lab_expect_error(2, "recv or send", "mq_peer", "listen", "posix", "/q", "1", NULL);
    lab_expect_error(2, "posix or sysv", "mq_peer", "recv", "svr4", "/q", "1", NULL);
    lab_expect_error(2, "NAME", "mq_peer", "recv", "posix", "noslash", "1", NULL);
    lab_expect_error(2, "COUNT", "mq_peer", "recv", "posix", "/q", "0", NULL);
    lab_expect_error(2, "too many", "mq_peer", "recv", "posix", "/q", "1", "extra", NULL);
    // a sender with nobody waiting: the queue does not exist
    char name[128];
    lab_unique_name(name, sizeof name, "none");
    lab_expect_error(1, "No such file", "mq_peer", "send", "posix", name, "1", NULL);
    lab_expect_error(1, "no.key: No such file", "mq_peer", "send", "sysv", "no.key", "1", NULL);
}
END_TEST

Suite *lab_suite(void)
{
    Suite *s = suite_create("12-ipc-bench");
    TCase *tc = lab_tcase(s, "smoke", SMOKE_TIMEOUT + 30);
    tcase_add_test(tc, test_smoke_run_verifies_every_mechanism);
    tcase_add_test(tc, test_smoke_run_writes_well_formed_csv);
    tcase_add_test(tc, test_gnuplot_renders_the_plots);
    tc = lab_tcase(s, "claims", CLAIMS_TIMEOUT + 60);
    tcase_add_test(tc, test_copies_are_counted_from_outside);
    tcase_add_test(tc, test_verdict_rule_decides_only_clear_sizes);
    tcase_add_test(tc, test_smoke_runs_settle_q1_and_q2);
    tc = lab_tcase(s, "queues", 30);
    tcase_add_test(tc, test_queues_join_unrelated_processes);
    tcase_add_test(tc, test_bad_input);
    return s;
}
