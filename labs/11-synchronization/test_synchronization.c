/* test_synchronization.c: Check tests for lab 11 (synchronisation, claim Q3).
 *
 * Claims: a counter shared by several processes loses updates without a lock
 * (reported, never asserted: it is a race) and is exact with a process-shared
 * semaphore, a PTHREAD_PROCESS_SHARED mutex and C11 atomics; a robust mutex
 * whose holder dies returns EOWNERDEAD to the next locker, which recovers
 * with pthread_mutex_consistent (and without it the mutex becomes
 * ENOTRECOVERABLE); two unrelated processes copy a file byte-exactly through
 * a shared ring guarded by two semaphores (the producer waiting while every
 * slot is full), clean up their object, and notice a dead peer instead of
 * hanging; bad input gets one line on stderr.
 */
#define _GNU_SOURCE
#include "testlib.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Four processes of 50000 increments: unsynchronised, this loses thousands
 * of updates on two cores, and with a lock it still runs in a few ms. */
#define PROCS "4"
#define ITERS "50000"
#define TOTAL 200000L

/* ---- counter_race ------------------------------------------------------- */

/* The number after "key: " in out, or fail the test. */
static long field(const char *out, const char *key)
{
    const char *p = strstr(out, key);
    ck_assert_msg(p != NULL, "no '%s' in output: %s", key, out);
    return strtol(p + strlen(key), NULL, 10);
}

/* Run counter_race MODE with ITERS increments per process (a string);
 * check its report adds up; return the count. */
static long run_counter_iters(const char *mode, const char *iters, long total)
{
    struct lab_result r;
    lab_run(&r, 20, NULL, "counter_race", "-n", PROCS, "-m", iters, mode, NULL);
    ck_assert_msg(r.exited && r.code == 0, "counter_race %s: exit %d sig %d: %s",
                  mode, r.code, r.sig, r.err);
    // the expected count is processes x iterations
    ck_assert_int_eq(field(r.out, "expected: "), total);
    long observed = field(r.out, "observed: ");
    // lost updates is expected minus observed
    ck_assert_int_eq(field(r.out, "lost updates: "), total - observed);
    lab_result_free(&r);
    return observed;
}

static long run_counter(const char *mode)
{
    return run_counter_iters(mode, ITERS, TOTAL);
}

// is the count exact when a process-shared semaphore guards it?
START_TEST(test_semaphore_count_is_exact)
{
    ck_assert_int_eq(run_counter("sem"), TOTAL);
}
END_TEST

// is the count exact when a PTHREAD_PROCESS_SHARED mutex guards it?
START_TEST(test_mutex_count_is_exact)
{
    ck_assert_int_eq(run_counter("mutex"), TOTAL);
}
END_TEST

// is the count exact with C11 atomic_fetch_add and no lock?
START_TEST(test_atomic_count_is_exact)
{
    ck_assert_int_eq(run_counter("atomic"), TOTAL);
}
END_TEST

// how many updates are lost without synchronisation, and none with it?
START_TEST(test_lost_updates_without_synchronisation)
{
    /* A race is not a measurement that repeats exactly: run the
     * unsynchronised count until one run loses updates, up to RACE_RUNS
     * times, so that the verdict does not depend on one unlucky run. Each
     * of these runs is long (RACE_ITERS increments a process, a few ms), so
     * that the processes overlap even on a machine busy with other work. */
    enum { RACE_RUNS = 20 };
    const char *race_iters = "1000000";
    const long race_total = 4L * 1000000;
    long none[RACE_RUNS], max_lost = 0;
    int runs = 0;
    while (runs < RACE_RUNS && max_lost == 0) {
        none[runs] = run_counter_iters("none", race_iters, race_total);
        // any count is possible, but never more than the work done
        ck_assert_int_ge(none[runs], 1);
        ck_assert_int_le(none[runs], race_total);
        long lost = race_total - none[runs];
        max_lost = lost > max_lost ? lost : max_lost;
        runs++;
    }
    long sem = run_counter("sem"), mutex = run_counter("mutex");
    long atomic = run_counter("atomic");
    // every mechanism gives the exact count
    ck_assert_int_eq(sem, TOTAL);
    ck_assert_int_eq(mutex, TOTAL);
    ck_assert_int_eq(atomic, TOTAL);
    cpu_set_t cpus;
    int ncpus = sched_getaffinity(0, sizeof cpus, &cpus) == 0 ? CPU_COUNT(&cpus) : 0;
    if (max_lost > 0)
        LAB_REPORT("Q3", "confirmed",
                   "%s processes x %s increments of a shared counter (expected "
                   "%ld): without synchronisation run %d counted %ld, %ld "
                   "updates lost; with %s increments each, sem %ld, mutex %ld, "
                   "atomic %ld: exact", PROCS, race_iters, race_total, runs,
                   none[runs - 1], race_total - none[runs - 1], ITERS, sem,
                   mutex, atomic);
    else
        LAB_REPORT("Q3", "depends",
                   "%s processes x %s increments of a shared counter on %d "
                   "CPU(s): without synchronisation no update was lost in %d "
                   "runs (the race needs two processes running at once, which "
                   "one CPU rarely gives); sem %ld, mutex %ld, atomic %ld: "
                   "exact", PROCS, race_iters, ncpus, runs, sem, mutex, atomic);
}
END_TEST

// does counter_race refuse bad input with one line?
START_TEST(test_counter_race_bad_input)
{
    lab_expect_error(2, "missing MODE", "counter_race", NULL);
    lab_expect_help("counter_race");
    lab_expect_error(2, "MODE", "counter_race", "spin", NULL);
    lab_expect_error(2, "too many", "counter_race", "sem", "mutex", NULL);
    lab_expect_error(2, "PROCS", "counter_race", "-n", "0", "sem", NULL);
    lab_expect_error(2, "out of range", "counter_race", "-n", "65", "sem", NULL);
    lab_expect_error(2, "ITERS", "counter_race", "-m", "1k", "sem", NULL);
    lab_expect_error(2, "needs a value", "counter_race", "-m", NULL);
    lab_expect_error(2, "unknown option", "counter_race", "-x", "sem", NULL);
}
END_TEST

/* ---- robust mutex ------------------------------------------------------- */

// does the next locker get EOWNERDEAD after the holder dies, and can it recover?
START_TEST(test_dead_holder_gives_eownerdead)
{
    pthread_mutex_t *m = mmap(NULL, sizeof *m, PROT_READ | PROT_WRITE,
                              MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(m, MAP_FAILED);
    pthread_mutexattr_t attr;
    ck_assert_int_eq(pthread_mutexattr_init(&attr), 0);
    ck_assert_int_eq(pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED), 0);
    ck_assert_int_eq(pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST), 0);
    ck_assert_int_eq(pthread_mutex_init(m, &attr), 0);
    pthread_mutexattr_destroy(&attr);

    int held[2];
    ck_assert_int_eq(pipe(held), 0);
    pid_t pid = fork();
    ck_assert_int_ne(pid, -1);
    if (pid == 0) {
        if (pthread_mutex_lock(m) != 0)
            _exit(1);
        if (write(held[1], "L", 1) != 1)
            _exit(1);
        _exit(0);              /* dies holding the lock */
    }
    close(held[1]);
    char c;
    // the child says it holds the lock
    ck_assert_int_eq(read(held[0], &c, 1), 1);
    close(held[0]);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    // the owner is dead: the lock is ours, with EOWNERDEAD
    ck_assert_int_eq(pthread_mutex_lock(m), EOWNERDEAD);
    // marking it consistent succeeds
    ck_assert_int_eq(pthread_mutex_consistent(m), 0);
    ck_assert_int_eq(pthread_mutex_unlock(m), 0);
    // after that it is an ordinary mutex again
    ck_assert_int_eq(pthread_mutex_lock(m), 0);
    ck_assert_int_eq(pthread_mutex_unlock(m), 0);
    ck_assert_int_eq(pthread_mutex_destroy(m), 0);
    ck_assert_int_eq(munmap(m, sizeof *m), 0);
}
END_TEST

/* Run robust_demo with one option (or none); check it exited 0. */
static void run_robust(struct lab_result *r, const char *opt)
{
    lab_run(r, 10, NULL, "robust_demo", opt, NULL);
    ck_assert_msg(r->exited && r->code == 0, "robust_demo %s: exit %d sig %d: %s",
                  opt ? opt : "", r->code, r->sig, r->err);
}

// does robust_demo show EOWNERDEAD, repair, consistent, then a normal lock?
START_TEST(test_robust_demo_recovers)
{
    const char *opts[] = {NULL, "-k"};
    for (int i = 0; i < 2; i++) {
        struct lab_result r;
        run_robust(&r, opts[i]);
        const char *dead = strstr(r.out, "pthread_mutex_lock -> EOWNERDEAD");
        const char *cons = strstr(r.out, "pthread_mutex_consistent -> 0");
        const char *again = strstr(r.out, "pthread_mutex_lock -> 0 (locked)");
        // the three steps are there, in this order
        ck_assert_msg(dead && cons && again && dead < cons && cons < again,
                      "robust_demo %s printed: %s", opts[i] ? opts[i] : "", r.out);
        // the dead holder left the pair half updated, and it was repaired
        ck_assert_ptr_nonnull(strstr(r.out, "dead owner: a=90 b=0 (sum 90)"));
        ck_assert_ptr_nonnull(strstr(r.out, "repaired the data: a=90 b=10 (sum 100)"));
        // the holder died the way asked
        ck_assert_ptr_nonnull(strstr(r.out, i == 0 ? "ended with exit 0"
                                                  : "ended by SIGKILL"));
        lab_result_free(&r);
    }
}
END_TEST

// without pthread_mutex_consistent, is the mutex lost for good?
START_TEST(test_robust_demo_without_consistent_is_unrecoverable)
{
    struct lab_result r;
    run_robust(&r, "-n");
    const char *dead = strstr(r.out, "pthread_mutex_lock -> EOWNERDEAD");
    const char *lost = strstr(r.out, "pthread_mutex_lock -> ENOTRECOVERABLE");
    // EOWNERDEAD first, then ENOTRECOVERABLE on the next lock
    ck_assert_msg(dead && lost && dead < lost, "robust_demo -n printed: %s", r.out);
    lab_result_free(&r);
    lab_expect_error(2, "too many", "robust_demo", "extra", NULL);
    lab_expect_error(2, "unknown option", "robust_demo", "-x", NULL);
}
END_TEST

/* ---- producer / consumer ------------------------------------------------ */

static uint64_t fnv1a(const unsigned char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static unsigned char *random_bytes(size_t n)
{
    unsigned char *buf = malloc(n ? n : 1);
    ck_assert_ptr_nonnull(buf);
    int fd = open("/dev/urandom", O_RDONLY);
    ck_assert_int_ne(fd, -1);
    for (size_t got = 0; got < n;) {
        ssize_t r = read(fd, buf + got, n - got);
        ck_assert_int_gt(r, 0);
        got += (size_t)r;
    }
    close(fd);
    return buf;
}

/* Is the object `name` gone from /dev/shm? */
static int name_gone(const char *name)
{
    int fd = shm_open(name, O_RDONLY, 0);
    if (fd != -1)
        close(fd);
    return fd == -1 && errno == ENOENT;
}

/* Copy `size` random bytes from in.bin to out.bin through a ring of
 * `nslots` slots of `slot` bytes, and check everything about it. */
static void transfer(size_t size, const char *slot, const char *nslots)
{
    char name[128], line[200];
    lab_unique_name(name, sizeof name, "ring");
    unsigned char *data = random_bytes(size);
    lab_write_file("in.bin", data, size);
    uint64_t hash = fnv1a(data, size);
    long slot_size = strtol(slot, NULL, 10);
    long slots = (long)((size + (size_t)slot_size - 1) / (size_t)slot_size);

    struct lab_proc cons;
    lab_spawn(&cons, "sem_consumer", "-s", slot, "-k", nslots, name, "out.bin",
              NULL);
    const char *ready = lab_read_line(&cons, 10);
    // the consumer says it is ready before the producer starts
    ck_assert_msg(ready && strncmp(ready, "ready: ", 7) == 0,
                  "consumer's first line: %s", ready ? ready : "(none)");
    struct lab_result prod, res;
    lab_run(&prod, 20, NULL, "sem_producer", name, "in.bin", NULL);
    lab_finish(&cons, &res, 20);
    ck_assert_msg(prod.exited && prod.code == 0, "sem_producer: %s", prod.err);
    ck_assert_msg(res.exited && res.code == 0, "sem_consumer: %s", res.err);

    // the producer sent every byte, in ceil(size / slot) slots
    snprintf(line, sizeof line, "sent %zu bytes in %ld slots, then the end "
             "marker; fnv1a64 %016llx\n", size, slots, (unsigned long long)hash);
    ck_assert_str_eq(prod.out, line);
    // the consumer received the same bytes with the same hash
    snprintf(line, sizeof line, "received %zu bytes in %ld slots, then the end "
             "marker; fnv1a64 %016llx\n", size, slots, (unsigned long long)hash);
    ck_assert_msg(strstr(res.out, line) != NULL, "consumer printed: %s", res.out);
    // and the file at the other end is byte for byte the same
    size_t out_len;
    char *out = lab_read_file("out.bin", &out_len);
    ck_assert_uint_eq(out_len, size);
    ck_assert_int_eq(memcmp(out, data, size), 0);
    // nothing is left in /dev/shm
    ck_assert(name_gone(name));
    free(out);
    free(data);
    lab_result_free(&prod);
    lab_result_free(&res);
}

// is a few hundred KiB of random data copied byte-exactly, full slots or not?
START_TEST(test_transfer_is_byte_exact)
{
    transfer(300001, "1000", "16");   /* 300 full slots and one of 1 byte */
    transfer(300000, "1000", "16");   /* a whole number of slots */
    transfer(1001, "1000", "16");
    transfer(999, "1000", "16");
    transfer(1, "1000", "16");
}
END_TEST

// is an empty file sent as the end marker alone, giving an empty file?
START_TEST(test_transfer_of_empty_file)
{
    transfer(0, "1000", "16");
}
END_TEST

// does the ring wrap around correctly when it is tiny (2 slots of 7 bytes)?
START_TEST(test_transfer_through_tiny_ring)
{
    transfer(20011, "7", "2");
    transfer(200003, "64000", "1");   /* one slot: strict ping-pong */
}
END_TEST

// does the consumer fail, not hang, when the producer dies mid-transfer?
START_TEST(test_consumer_notices_dead_producer)
{
    char name[128];
    lab_unique_name(name, sizeof name, "ring");
    ck_assert_int_eq(mkfifo("fifo", 0600), 0);
    struct lab_proc cons, prod;
    lab_spawn(&cons, "sem_consumer", name, "out.bin", NULL);
    const char *l = lab_read_line(&cons, 10);
    ck_assert_msg(l && strncmp(l, "ready: ", 7) == 0, "first line: %s", l ? l : "");
    lab_spawn(&prod, "sem_producer", name, "fifo", NULL);
    /* Blocks until the producer opens the FIFO for reading. */
    int w = open("fifo", O_WRONLY);
    ck_assert_int_ne(w, -1);
    char chunk[2500];
    memset(chunk, 'x', sizeof chunk);
    ssize_t wrote = write(w, chunk, sizeof chunk);
    // the first slot arrives: the producer is attached
    l = lab_read_line(&cons, 10);
    ck_assert_msg(l && strncmp(l, "first slot arrived", 18) == 0,
                  "second line: %s", l ? l : "");
    ck_assert_int_eq(wrote, (ssize_t)sizeof chunk);
    /* The producer now waits for the rest of the FIFO: kill it, reap it. */
    ck_assert_int_eq(kill(prod.pid, SIGKILL), 0);
    struct lab_result pr, cr;
    lab_finish(&prod, &pr, 10);
    ck_assert_int_eq(pr.sig, SIGKILL);
    close(w);
    lab_finish(&cons, &cr, 10);
    // the consumer ended by itself, with one line saying why
    ck_assert_msg(!cr.timed_out, "the consumer hung after its producer died");
    ck_assert_msg(cr.exited && cr.code == 1, "consumer: exit %d sig %d",
                  cr.code, cr.sig);
    ck_assert_msg(strncmp(cr.err, "sem_consumer: producer: process ", 32) == 0 &&
                  strstr(cr.err, "is gone before the end of data\n") != NULL &&
                  strchr(cr.err, '\n')[1] == '\0',
                  "consumer's stderr: %s", cr.err);
    // and its stdout never claimed a complete transfer
    ck_assert_ptr_null(strstr(cr.out, "received"));
    // nothing is left in /dev/shm
    ck_assert(name_gone(name));
    lab_result_free(&pr);
    lab_result_free(&cr);
}
END_TEST

// does the producer fail, not hang, when the consumer dies?
START_TEST(test_producer_notices_dead_consumer)
{
    char name[128];
    lab_unique_name(name, sizeof name, "ring");
    unsigned char *data = random_bytes(50000);
    lab_write_file("in.bin", data, 50000);
    free(data);
    struct lab_proc cons, prod;
    lab_spawn(&cons, "sem_consumer", "-k", "2", name, "out.bin", NULL);
    const char *l = lab_read_line(&cons, 10);
    ck_assert_msg(l && strncmp(l, "ready: ", 7) == 0, "first line: %s", l ? l : "");
    /* Stop the consumer before it takes a slot, then kill and reap it: the
     * producer will fill both slots and wait for a free one forever. */
    ck_assert_int_eq(kill(cons.pid, SIGSTOP), 0);
    lab_spawn(&prod, "sem_producer", name, "in.bin", NULL);
    ck_assert_int_eq(kill(cons.pid, SIGKILL), 0);
    struct lab_result pr, cr;
    lab_finish(&cons, &cr, 10);
    ck_assert_int_eq(cr.sig, SIGKILL);
    lab_finish(&prod, &pr, 10);
    /* The killed consumer could not remove its name: we do (ENOENT only if
     * it took a slot before it stopped). */
    ck_assert(shm_unlink(name) == 0 || errno == ENOENT);
    // the producer ended by itself, with one line saying why
    ck_assert_msg(!pr.timed_out, "the producer hung after its consumer died");
    lab_assert_error(&pr, 1, "sem_producer", "is gone before the end of data");
    lab_result_free(&pr);
    lab_result_free(&cr);
}
END_TEST

/* Is process pid asleep in a futex wait (sem_wait)? From /proc/PID/syscall
 * (futex, op WAIT 0 or WAIT_BITSET 9), else its state in /proc/PID/stat. */
static int in_futex_wait(pid_t pid)
{
    char path[64], buf[256] = "";
    long nr = -1;
    unsigned long addr, op = 0;
    snprintf(path, sizeof path, "/proc/%d/syscall", (int)pid);
    FILE *f = fopen(path, "r");
    int n = f ? fscanf(f, "%ld %lx %lx", &nr, &addr, &op) : 0;
    if (f && fclose(f) == 0 && n >= 1)
        return n == 3 && nr == SYS_futex && ((op & 127) == 0 || (op & 127) == 9);
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if ((f = fopen(path, "r")) != NULL && fgets(buf, sizeof buf, f) == NULL)
        buf[0] = '\0';
    if (f)
        fclose(f);
    const char *paren = strrchr(buf, ')');
    return paren != NULL && paren[1] == ' ' && paren[2] == 'S';
}

// does the producer wait for a free slot when every slot is full, instead
// of writing over slots the consumer has not read yet?
START_TEST(test_producer_waits_for_a_free_slot)
{
    char name[128];
    lab_unique_name(name, sizeof name, "ring");
    ck_assert_int_eq(mkfifo("fifo", 0600), 0);
    struct lab_proc cons, prod;
    lab_spawn(&cons, "sem_consumer", "-s", "1000", "-k", "2", name, "out.bin", NULL);
    const char *l = lab_read_line(&cons, 10);
    ck_assert_msg(l && strncmp(l, "ready: ", 7) == 0, "first line: %s", l ? l : "");
    /* The consumer, seen stopped before the producer starts, frees no slot. */
    int st;
    ck_assert_int_eq(kill(cons.pid, SIGSTOP), 0);
    ck_assert(waitpid(cons.pid, &st, WUNTRACED) == cons.pid && WIFSTOPPED(st));
    lab_spawn(&prod, "sem_producer", name, "fifo", NULL);
    /* The FIFO opens once the producer opens it (ENXIO until then). */
    int w = -1;
    for (int i = 0; i < 10000 && w == -1; i++) {
        w = open("fifo", O_WRONLY | O_NONBLOCK);
        struct pollfd pf = {prod.pidfd, POLLIN, 0};
        if (w == -1 && (errno != ENXIO || poll(&pf, 1, 1) == 1))
            break;
    }
    /* Three slots of input: a producer that waits reads two, then sleeps. */
    char chunk[3000];
    memset(chunk, 'x', sizeof chunk);
    ssize_t wrote = -1;
    if (w != -1 && fcntl(w, F_SETFL, 0) == 0)
        wrote = write(w, chunk, sizeof chunk);
    /* Until all is read or it sleeps with a slot unread, waiting up to 1 ms
     * at a time for it to end (its pidfd: it must not); at most 10 s. */
    int left = -1, waiting = 0, ended = 0;
    for (int i = 0; wrote == (ssize_t)sizeof chunk && i < 10000 && !waiting && !ended; i++) {
        ck_assert_int_eq(ioctl(w, FIONREAD, &left), 0);
        if (left == 0)
            break;
        waiting = left == 1000 && in_futex_wait(prod.pid);
        struct pollfd pf = {prod.pidfd, POLLIN, 0};
        if (!waiting)
            ended = poll(&pf, 1, 1) == 1;
    }
    /* (Either may have ended: a kit stub is named by lab_finish.) */
    kill(prod.pid, SIGKILL);
    kill(cons.pid, SIGKILL);
    if (w != -1)
        close(w);
    struct lab_result pr, cr;
    lab_finish(&prod, &pr, 10);
    lab_finish(&cons, &cr, 10);
    ck_assert(shm_unlink(name) == 0 || errno == ENOENT);  /* the consumer's */
    ck_assert_msg(w != -1 && wrote == (ssize_t)sizeof chunk,
                  "sem_producer did not read its input FIFO (exit %d, signal %d): %s",
                  pr.code, pr.sig, pr.err);
    // the producer read the third slot's bytes only if it did not wait
    ck_assert_msg(left != 0 && !ended,
                  "with both slots full and the consumer stopped, sem_producer "
                  "read all 3000 bytes of its input (%s): it must wait on the "
                  "empty semaphore until the consumer frees a slot",
                  ended ? "and ended" : "into a third slot");
    // and it sleeps on the empty semaphore, with the third slot unread
    ck_assert_msg(waiting, "sem_producer never waited with 1000 bytes unread "
                  "(%d bytes left in its input)", left);
    lab_result_free(&pr);
    lab_result_free(&cr);
}
END_TEST

// does sem_consumer refuse bad input, and never take over another's object?
START_TEST(test_consumer_bad_input)
{
    char name[128];
    lab_unique_name(name, sizeof name, "taken");
    lab_expect_error(2, "missing NAME", "sem_consumer", NULL);
    lab_expect_error(2, "missing OUTFILE", "sem_consumer", name, NULL);
    lab_expect_error(2, "too many", "sem_consumer", name, "out", "x", NULL);
    lab_expect_error(2, "NAME", "sem_consumer", "noslash", "out", NULL);
    lab_expect_error(2, "NAME", "sem_consumer", "/a/b", "out", NULL);
    lab_expect_error(2, "SLOTSIZE", "sem_consumer", "-s", "0", name, "out", NULL);
    lab_expect_error(2, "SLOTS", "sem_consumer", "-k", "x", name, "out", NULL);
    // an output file that cannot be created: an error, and the name removed
    lab_expect_error(1, "nodir/out: No such file", "sem_consumer", name, "nodir/out", NULL);
    ck_assert(name_gone(name));
    // a name that exists already: EEXIST, and the object is left alone
    int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ne(fd, -1);
    lab_expect_error(1, "File exists", "sem_consumer", name, "out", NULL);
    ck_assert(!name_gone(name));
    close(fd);
    ck_assert_int_eq(shm_unlink(name), 0);
}
END_TEST

// does sem_producer refuse bad input and objects that are not a ready ring?
START_TEST(test_producer_bad_input)
{
    char name[128];
    lab_unique_name(name, sizeof name, "notring");
    lab_write_file("in.bin", "abc", 3);
    ck_assert_int_eq(mkdir("dir", 0755), 0);
    lab_expect_error(2, "missing NAME", "sem_producer", NULL);
    lab_expect_help("sem_producer");
    lab_expect_error(2, "missing INFILE", "sem_producer", name, NULL);
    lab_expect_error(2, "NAME", "sem_producer", "x", "in.bin", NULL);
    lab_expect_error(1, "missing.bin: No such file", "sem_producer", name, "missing.bin", NULL);
    lab_expect_error(1, "dir: is a directory", "sem_producer", name, "dir", NULL);
    // no consumer yet: the message says to start it first
    lab_expect_error(1, "start sem_consumer first", "sem_producer", name, "in.bin", NULL);
    // an object that is not a ring (too small, then all zeros): refused
    int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ne(fd, -1);
    lab_expect_error(1, "not a sem_consumer buffer", "sem_producer", name, "in.bin", NULL);
    ck_assert_int_eq(ftruncate(fd, 100000), 0);
    lab_expect_error(1, "not a ready sem_consumer buffer", "sem_producer", name, "in.bin", NULL);
    close(fd);
    ck_assert_int_eq(shm_unlink(name), 0);
}
END_TEST

Suite *lab_suite(void)
{
    Suite *s = suite_create("11-synchronization");
    TCase *tc = lab_tcase(s, "counter", 30);
    tcase_add_test(tc, test_semaphore_count_is_exact);
    tcase_add_test(tc, test_mutex_count_is_exact);
    tcase_add_test(tc, test_atomic_count_is_exact);
    tcase_add_test(tc, test_lost_updates_without_synchronisation);
    tcase_add_test(tc, test_counter_race_bad_input);
    tc = lab_tcase(s, "robust", 10);
    tcase_add_test(tc, test_dead_holder_gives_eownerdead);
    tcase_add_test(tc, test_robust_demo_recovers);
    tcase_add_test(tc, test_robust_demo_without_consistent_is_unrecoverable);
    tc = lab_tcase(s, "transfer", 30);
    tcase_add_test(tc, test_transfer_is_byte_exact);
    tcase_add_test(tc, test_transfer_of_empty_file);
    tcase_add_test(tc, test_transfer_through_tiny_ring);
    tcase_add_test(tc, test_consumer_notices_dead_producer);
    tcase_add_test(tc, test_producer_notices_dead_consumer);
    tcase_add_test(tc, test_producer_waits_for_a_free_slot);
    tcase_add_test(tc, test_consumer_bad_input);
    tcase_add_test(tc, test_producer_bad_input);
    return s;
}
