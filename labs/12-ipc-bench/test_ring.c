/* test_ring.c: Check tests for the ring of lab 12 (ring.h), on its own.
 *
 * The benchmark trusts the ring and the message check with every figure
 * it prints, so both are tested here without the benchmark: a ring built
 * in ordinary memory (producer and consumer are two views of it in one
 * process), then a ring in shared memory between two processes. The
 * central question: does the receiver's check catch a message that is
 * corrupted, stale or out of order, whatever byte is wrong?
 */
#define _GNU_SOURCE
#include "ring.h" /* first: Check's check.h defines a macro named fail */
#include "testlib.h"

#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

/* A ring for messages of size bytes in malloc'd memory, with a producer
 * view p and a consumer view c; the memory is returned (free it). */
/* A ring of SIZE-byte messages in this process's memory, seen by its
   producer p and consumer c, and the message patterns for SIZE. */
struct fixture {
    struct ring p, c;
    struct patterns pat;
    void *mem;
};

static void *ring_in_memory(size_t size, struct ring *p, struct ring *c);

static void fixture_open(struct fixture *f, size_t size)
{
    patterns_make(&f->pat, size, 0);
    f->mem = ring_in_memory(size, &f->p, &f->c);
}

static void fixture_close(struct fixture *f)
{
    free(f->mem);
    patterns_free(&f->pat, 0);
}

static void *ring_in_memory(size_t size, struct ring *p, struct ring *c)
{
    uint32_t n, s;
    size_t len = (ring_bytes(size, &n, &s) + 63) & ~(size_t)63;
    void *mem = aligned_alloc(64, len);
    ck_assert_ptr_nonnull(mem);
    memset(mem, 0, len);
    ring_init(mem, size);
    ring_attach(p, mem, W_FUTEX, NULL);
    ring_attach(c, mem, W_FUTEX, NULL);
    return mem;
}

/* Send message seq, let corrupt() change the slot, receive and check it. */
static enum msg_verdict through_ring(size_t size, uint64_t seq, size_t flip_byte,
                                     unsigned char flip_mask)
{
    struct fixture f;
    fixture_open(&f, size);
    struct ring *p = &f.p, *c = &f.c;
    struct patterns *pat = &f.pat;
    p->local = c->local = p->cached = c->cached = (uint32_t)seq;
    atomic_store(&p->ctl->tail, (uint32_t)seq);
    atomic_store(&p->ctl->head, (uint32_t)seq);
    ck_assert_int_eq(ring_send(p, message(pat, seq), size), 0);
    // the message sits in the slot the consumer will read next
    unsigned char *slot = (unsigned char *)ring_try_peek(c);
    ck_assert_ptr_nonnull(slot);
    slot[flip_byte] ^= flip_mask;
    uint64_t *buf = malloc(size), sum;
    ck_assert_ptr_nonnull(buf);
    ck_assert_int_eq(ring_recv(c, buf, size, &sum), 0);
    enum msg_verdict v = msg_check(pat, buf, sum, seq);
    free(buf);
    fixture_close(&f);
    return v;
}

// does an intact message pass the receiver's check, at every size used?
START_TEST(test_an_intact_message_passes)
{
    static const size_t sizes[] = {16, 64, 4 << 10, 1 << 20};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        for (uint64_t seq = 0; seq < 2 * NPAT; seq++)
            ck_assert_int_eq(through_ring(sizes[i], seq, 0, 0), MSG_OK);
}
END_TEST

// is a message with any one bit flipped in the ring caught by the check?
START_TEST(test_a_corrupted_message_is_caught)
{
    const size_t size = 64;
    for (size_t byte = 0; byte < size; byte++)
        for (int bit = 0; bit < 8; bit++) {
            enum msg_verdict v = through_ring(size, 5, byte, (unsigned char)(1u << bit));
            // the sequence number's bytes give a wrong number, the rest a wrong sum
            ck_assert_msg(v == (byte < 8 ? MSG_BAD_SEQ : MSG_BAD_SUM),
                          "byte %zu bit %d flipped in the slot: check said %d", byte, bit, v);
        }
    // and in a large message, a byte far into the payload
    ck_assert_int_eq(through_ring(1 << 20, 3, (1 << 20) - 1, 0x80), MSG_BAD_SUM);
}
END_TEST

// is a stale or repeated message (the right bytes, the wrong turn) caught?
START_TEST(test_a_stale_message_is_caught)
{
    const size_t size = 256;
    struct fixture f;
    fixture_open(&f, size);
    struct ring *p = &f.p, *c = &f.c;
    struct patterns *pat = &f.pat;
    uint64_t buf[256 / 8], sum;
    // message 0, then message 0 again where message 1 is due
    ck_assert_int_eq(ring_send(p, message(pat, 0), size), 0);
    ck_assert_int_eq(ring_send(p, message(pat, 0), size), 0);
    ck_assert_int_eq(ring_recv(c, buf, size, &sum), 0);
    ck_assert_int_eq(msg_check(pat, buf, sum, 0), MSG_OK);
    ck_assert_int_eq(ring_recv(c, buf, size, &sum), 0);
    ck_assert_int_eq(msg_check(pat, buf, sum, 1), MSG_BAD_SEQ);
    // a message whose header was renumbered but whose payload is another's
    uint64_t *m = (uint64_t *)message(pat, 2);
    m[0] = 3;
    m[1] = pat->sum[2] + 3 * GOLDEN;
    ck_assert_int_eq(ring_send(p, m, size), 0);
    ck_assert_int_eq(ring_recv(c, buf, size, &sum), 0);
    ck_assert_int_eq(msg_check(pat, buf, sum, 3), MSG_BAD_SUM);
    fixture_close(&f);
}
END_TEST

// does the ring hold exactly nslots messages, in order, across wrap-around?
START_TEST(test_full_empty_and_wrap_around)
{
    const size_t size = 64;
    struct fixture f;
    fixture_open(&f, size);
    struct ring *p = &f.p, *c = &f.c;
    struct patterns *pat = &f.pat;
    uint32_t n = p->ctl->nslots;
    uint64_t buf[64 / 8], sum, sent = 0, got = 0;
    // an empty ring has nothing to read
    ck_assert_ptr_null(ring_try_peek(c));
    // it takes exactly nslots messages, then is full
    for (uint32_t i = 0; i < n; i++) {
        ck_assert_msg(ring_try_reserve(p) != NULL, "full after %u of %u", i, n);
        ck_assert_int_eq(ring_send(p, message(pat, sent++), size), 0);
    }
    ck_assert_ptr_null(ring_try_reserve(p));
    // one read frees one slot
    ck_assert_int_eq(ring_recv(c, buf, size, &sum), 0);
    ck_assert_int_eq(msg_check(pat, buf, sum, got++), MSG_OK);
    ck_assert_ptr_nonnull(ring_try_reserve(p));
    // three more laps, half full, every message in order
    while (sent < 4 * (uint64_t)n) {
        ck_assert_int_eq(ring_send(p, message(pat, sent++), size), 0);
        ck_assert_int_eq(ring_recv(c, buf, size, &sum), 0);
        ck_assert_int_eq(msg_check(pat, buf, sum, got++), MSG_OK);
    }
    while (got < sent) {
        ck_assert_int_eq(ring_recv(c, buf, size, &sum), 0);
        ck_assert_int_eq(msg_check(pat, buf, sum, got++), MSG_OK);
    }
    ck_assert_ptr_null(ring_try_peek(c));
    fixture_close(&f);
}
END_TEST

static struct ring *copy_probe_ring;   /* the consumer's view */
static char *copy_probe_src;           /* the page the producer copies from */
static size_t copy_probe_len;
static volatile sig_atomic_t copy_probe_faults, copy_probe_seen;

/* The producer's first read of the message faults (its page is PROT_NONE):
 * at that moment, before a byte is copied, can the consumer see a message? */
static void copy_probe(int sig)
{
    (void)sig;
    copy_probe_faults++;
    copy_probe_seen = ring_try_peek(copy_probe_ring) != NULL;
    if (mprotect(copy_probe_src, copy_probe_len, PROT_READ) == -1)
        _exit(3);
}

// is a message published only after it is copied into its slot?
START_TEST(test_a_message_is_published_after_it_is_copied)
{
    const size_t size = 64;
    struct fixture f;
    fixture_open(&f, size);
    struct ring *p = &f.p, *c = &f.c;
    struct patterns *pat = &f.pat;
    // the message on a page of its own, unreadable until the copy starts
    copy_probe_len = (size_t)sysconf(_SC_PAGESIZE);
    copy_probe_src = mmap(NULL, copy_probe_len, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(copy_probe_src, MAP_FAILED);
    memcpy(copy_probe_src, message(pat, 0), size);
    ck_assert_int_eq(mprotect(copy_probe_src, copy_probe_len, PROT_NONE), 0);
    copy_probe_ring = c;
    copy_probe_faults = copy_probe_seen = 0;
    struct sigaction sa, old_segv, old_bus;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = copy_probe;
    sigemptyset(&sa.sa_mask);
    ck_assert_int_eq(sigaction(SIGSEGV, &sa, &old_segv), 0);
    ck_assert_int_eq(sigaction(SIGBUS, &sa, &old_bus), 0);
    int sent = ring_send(p, copy_probe_src, size);
    sigaction(SIGSEGV, &old_segv, NULL);
    sigaction(SIGBUS, &old_bus, NULL);
    ck_assert_int_eq(sent, 0);
    ck_assert_msg(copy_probe_faults == 1, "ring_send read the message %d times from a fresh page",
                  (int)copy_probe_faults);
    ck_assert_msg(!copy_probe_seen, "the message was published (the consumer could read its "
                  "slot) before it was copied into the slot");
    // and once sent, it arrives whole
    uint64_t buf[64 / 8], sum;
    ck_assert_int_eq(ring_recv(c, buf, size, &sum), 0);
    ck_assert_int_eq(msg_check(pat, buf, sum, 0), MSG_OK);
    ck_assert_int_eq(munmap(copy_probe_src, copy_probe_len), 0);
    fixture_close(&f);
}
END_TEST

static int always_gone(void) { return 1; }

// does a consumer waiting on an empty ring notice that the producer died?
START_TEST(test_a_dead_peer_is_noticed)
{
    struct ring p, c;
    void *mem = ring_in_memory(64, &p, &c);
    c.peer_gone = always_gone;
    errno = 0;
    // no message will come: ring_peek gives up with EPIPE instead of hanging
    ck_assert_ptr_null(ring_peek(&c));
    int err = errno;
    ck_assert_msg(err == EPIPE, "the producer is gone: ring_peek gave errno %d (%s), not EPIPE",
                  err, strerror(err));
    free(mem);
}
END_TEST

static pid_t consumer_pid;
static pid_t producer_pid;

static int consumer_gone(void)
{
    siginfo_t si;
    memset(&si, 0, sizeof si);
    return waitid(P_PID, (id_t)consumer_pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
           si.si_pid == consumer_pid;
}

static int producer_gone(void) { return getppid() != producer_pid; }

/* Parent produces count messages of size bytes through a ring in an
 * anonymous shared mapping; the child consumes and checks them, and exits
 * 0, or 10 + the msg_verdict of the first bad message, or 1. */
static void two_processes(size_t size, long count, enum wait_mode w)
{
    uint32_t n, s;
    size_t len = ring_bytes(size, &n, &s);
    void *mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(mem, MAP_FAILED);
    ring_init(mem, size);
    struct patterns pat;
    patterns_make(&pat, size, 0);
    producer_pid = getpid();
    consumer_pid = fork();
    ck_assert_int_ne(consumer_pid, -1);
    if (consumer_pid == 0) {
        struct ring c;
        ring_attach(&c, mem, w, producer_gone);
        uint64_t *buf = malloc(size), sum;
        if (buf == NULL)
            _exit(1);
        for (long i = 0; i < count; i++) {
            if (ring_recv(&c, buf, size, &sum) == -1)
                _exit(1);
            enum msg_verdict v = msg_check(&pat, buf, sum, (uint64_t)i);
            if (v != MSG_OK)
                _exit(10 + (int)v);
        }
        _exit(0);
    }
    struct ring p;
    ring_attach(&p, mem, w, consumer_gone);
    for (long i = 0; i < count; i++)
        if (ring_send(&p, message(&pat, (uint64_t)i), size) == -1)
            break;
    int status;
    ck_assert_int_eq(waitpid(consumer_pid, &status, 0), consumer_pid);
    // the consumer received every message, each one checked
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "%s mode, %zu B: the consumer ended with status %#x", wait_name[w], size, status);
    patterns_free(&pat, 0);
    ck_assert_int_eq(munmap(mem, len), 0);
}

// do two processes pass many messages through the ring, each one checked?
START_TEST(test_two_processes_share_the_ring)
{
    // several laps of the ring in each mode; futex mode also on one CPU
    two_processes(64, 20000, W_FUTEX);
    two_processes(64, 20000, W_SPIN);
    two_processes(64 << 10, 200, W_FUTEX);
    two_processes(64 << 10, 200, W_SPIN);
}
END_TEST

/* Before each test: is the ring written? In the student kit its parts stop
 * the program with "not implemented yet" (exit 99); try each part once in
 * a child, so that a test fails with that line rather than an exit code. */
static void ring_is_written(void)
{
    int err[2];
    ck_assert_int_eq(pipe(err), 0);
    pid_t pid = fork();
    ck_assert_int_ne(pid, -1);
    if (pid == 0) {
        dup2(err[1], STDERR_FILENO);
        lab_prog = "ring.h";
        struct ring p, c;
        uint64_t msg[8] = {0}, sum;
        void *mem = ring_in_memory(sizeof msg, &p, &c);
        // one message through, and a wait that need not wait
        if (ring_send(&p, msg, sizeof msg) != 0 || ring_recv(&c, msg, sizeof msg, &sum) != 0 ||
            ring_wait(&c, &c.ctl->tail, atomic_load(&c.ctl->tail) + 1, &c.ctl->cons_waiting) != 0)
            _exit(1);
        free(mem);
        _exit(0);
    }
    close(err[1]);
    char line[300] = "";
    ssize_t n = read(err[0], line, sizeof line - 1);
    close(err[0]);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    line[n > 0 ? n : 0] = '\0';
    line[strcspn(line, "\n")] = '\0';
    if (strstr(line, ": not implemented yet: ") != NULL)
        ck_abort_msg("%s", line);
}

Suite *lab_suite(void)
{
    Suite *s = suite_create("12-ipc-bench ring");
    TCase *tc = lab_tcase(s, "in-memory", 20);
    tcase_add_checked_fixture(tc, ring_is_written, NULL);
    tcase_add_test(tc, test_an_intact_message_passes);
    tcase_add_test(tc, test_a_corrupted_message_is_caught);
    tcase_add_test(tc, test_a_stale_message_is_caught);
    tcase_add_test(tc, test_full_empty_and_wrap_around);
    tcase_add_test(tc, test_a_message_is_published_after_it_is_copied);
    tcase_add_test(tc, test_a_dead_peer_is_noticed);
    tc = lab_tcase(s, "two-processes", 60);
    tcase_add_checked_fixture(tc, ring_is_written, NULL);
    tcase_add_test(tc, test_two_processes_share_the_ring);
    return s;
}
