/* ipc_bench.c: how fast is shared memory really, against pipes, sockets and
 * message queues?
 *
 * Usage: ipc_bench [--smoke|--quick|--full] [--out DIR] [--dir DIR]
 *                  [--cpus A,B] [--only SERIES] [-v]
 *
 * Sources 000 and 002 say shared memory is the fastest IPC because pipes and
 * message queues copy the data four times and shared memory only twice;
 * source 002 adds that a file mapping "is on disk" and so slower than System
 * V shm, and says this "must be settled by real tests" (GUIDE.md Q1, Q2).
 * This program is that test. Between two processes (parent and child,
 * pinned with sched_setaffinity) it measures
 *   - throughput (MB/s, messages/s) for message sizes from 64 B to 1 MiB,
 *   - round-trip latency (median and p99 of many ping-pongs, shown one-way),
 * for a pipe (both processes on one CPU and on two), a FIFO, a UNIX stream
 * socket, a POSIX message queue, a System V message queue, and a
 * single-producer single-consumer ring in shared memory over five backings:
 * POSIX shm, a MAP_SHARED file on the disk file system (--dir, default
 * $TMPDIR), a file on /dev/shm, System V shm and an anonymous shared mapping.
 * It also measures single-thread memcpy of a 64 MiB buffer (the physical
 * reference) and runs the "copies" experiment: one file through a pipe
 * (read, write, read, write: four copies) and through shared memory (read
 * into the ring, write out of it: two copies), with the system time spent.
 *
 * The ring has no lock: the producer owns `tail`, the consumer owns `head`,
 * each a 32-bit counter that is also a futex word. A side that finds the
 * ring empty (full) sets its "waiting" flag and sleeps in FUTEX_WAIT; the
 * other side wakes it only when that flag is set. Mode "futex" sleeps at
 * once (the blocking mode); mode "spin", used for every throughput run,
 * first spins up to 50 us; "pure-spin" never sleeps and is only used to
 * show why the spin must be bounded when both processes share one CPU.
 *
 * Every message carries a sequence number and a checksum of its payload and
 * the receiver checks both, so a fast wrong answer is impossible.
 *
 * Stdout holds only facts the lab controls (what was verified); every
 * number goes to stderr and, with --out DIR, to CSV files in DIR:
 * throughput.csv, latency.csv, memcpy.csv, copies.csv and summary.csv
 * (metric,value,unit: every figure of the summary, the targets included).
 *
 * Differences from the sources: they give no code for this; the "copies"
 * are counted from the data path the program itself uses (each read() or
 * write() of file or pipe data is one copy by the kernel), not guessed.
 * The two processes are related (fork) so the backings differ in nothing
 * but the backing; unrelated processes are the subject of mq_peer.c.
 *
 * See also: mq_peer.c (message queues between unrelated processes),
 * throughput.gp, latency.gp, copies.gp (the plots), lab 11 (synchronisation).
 */
#define _GNU_SOURCE
#include "lab.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <math.h>
#include <mqueue.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>

#define KiB(n) ((size_t)(n) << 10)
#define MiB(n) ((size_t)(n) << 20)
#define NPAT 4                       /* payload patterns, used in turn */
#define GOLDEN 0x9E3779B97F4A7C15ull /* mixes the sequence number in */
/* Message buffers have 8 spare bytes in front of them: room for the long
 * mtype that System V msgsnd/msgrcv want before the data, so no queue has
 * to copy a message one extra time. */
#define PAD 8

#if defined(__x86_64__) || defined(__i386__)
#define cpu_relax() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define cpu_relax() __asm__ __volatile__("yield" ::: "memory")
#else
#define cpu_relax() atomic_signal_fence(memory_order_seq_cst)
#endif

/* ---- run-wide settings ---------------------------------------------------- */

enum run_mode { SMOKE, QUICK, FULL };
static enum run_mode mode = QUICK;
static const char *out_dir;   /* --out: CSV files go here (NULL: none) */
static const char *file_dir;  /* --dir: where the disk-file ring lives */
static int cpu_a = -1, cpu_b = -1; /* the two CPUs; cpu_b -1: only one */
static int verbose;
static const char *only;      /* --only: run only series starting so */
static cpu_set_t orig_mask;
static long pmq_max = -1, sysv_max = -1; /* largest message each queue takes */

/* ---- cleanup: what must go even when we fail -------------------------------- */

static volatile pid_t child_pid;          /* the peer, while one runs */
static volatile sig_atomic_t child_gone;  /* set by SIGCHLD while active */
static volatile sig_atomic_t active;      /* an experiment is running */
static volatile int live_msqid = -1;      /* a System V queue to remove */
static char fifo_paths[2][512];           /* FIFOs not yet unlinked */

/* Only async-signal-safe calls: it runs from signal handlers too. */
static void cleanup_now(void)
{
    if (child_pid > 0) {
        kill(child_pid, SIGKILL);
        waitpid(child_pid, NULL, 0);
        child_pid = 0;
    }
    if (live_msqid != -1) {
        msgctl(live_msqid, IPC_RMID, NULL);
        live_msqid = -1;
    }
    for (int i = 0; i < 2; i++)
        if (fifo_paths[i][0] != '\0') {
            unlink(fifo_paths[i]);
            fifo_paths[i][0] = '\0';
        }
}

static pid_t parent_pid;
static int is_child;

static void on_exit_cleanup(void)
{
    if (!is_child)
        cleanup_now();
}

static void on_term(int sig)
{
    if (!is_child)
        cleanup_now();
    signal(sig, SIG_DFL);
    raise(sig);
}

/* The child died while we may be blocked on it: remember it, and remove a
 * System V queue at once so a blocked msgsnd/msgrcv returns EIDRM. */
static void on_chld(int sig)
{
    (void)sig;
    if (active) {
        child_gone = 1;
        if (live_msqid != -1) {
            msgctl(live_msqid, IPC_RMID, NULL);
            live_msqid = -1;
        }
    }
}

/* ---- small helpers ----------------------------------------------------------- */

static char errmsg[256]; /* why the last call returning -1 failed */

__attribute__((format(printf, 1, 2)))
static int set_err(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errmsg, sizeof errmsg, fmt, ap);
    va_end(ap);
    return -1;
}

static int sys_err(const char *call)
{
    return set_err("%s: %s (%s)", call, strerror(errno), errno_name(errno));
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Has the other process gone away? */
static int peer_gone(void)
{
    return is_child ? getppid() != parent_pid : child_gone;
}

static const char *size_name(size_t size)
{
    static char buf[4][32];
    static int next;
    char *b = buf[next++ % 4];
    if (size >= MiB(1) && size % MiB(1) == 0)
        snprintf(b, 32, "%zu MiB", size >> 20);
    else if (size >= KiB(1) && size % KiB(1) == 0)
        snprintf(b, 32, "%zu KiB", size >> 10);
    else
        snprintf(b, 32, "%zu B", size);
    return b;
}

static long read_proc_long(const char *path)
{
    FILE *f = fopen(path, "r");
    long v = -1;
    if (f != NULL) {
        if (fscanf(f, "%ld", &v) != 1)
            v = -1;
        fclose(f);
    }
    return v;
}

static void pin_to(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) == -1)
        die("sched_setaffinity");
}

static void unpin(void)
{
    if (sched_setaffinity(0, sizeof orig_mask, &orig_mask) == -1)
        die("sched_setaffinity");
}

static ssize_t write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, p + done, len - done);
        if (n == -1) {
            if (errno == EINTR && !peer_gone())
                continue;
            return sys_err("write");
        }
        done += (size_t)n;
    }
    return (ssize_t)done;
}

static ssize_t read_all(int fd, void *buf, size_t len)
{
    char *p = buf;
    size_t done = 0;
    while (done < len) {
        ssize_t n = read(fd, p + done, len - done);
        if (n == -1) {
            if (errno == EINTR && !peer_gone())
                continue;
            return sys_err("read");
        }
        if (n == 0)
            return set_err("read: unexpected end of file after %zu bytes", done);
        done += (size_t)n;
    }
    return (ssize_t)done;
}

/* ---- the messages and their check --------------------------------------------
 * A message of S bytes is S/8 words: word 0 the sequence number, word 1 the
 * check value, the rest the payload, one of NPAT patterns used in turn. The
 * check is sum(payload) + seq * GOLDEN; the receiver recomputes the sum and
 * also compares it with the sum of the pattern this sequence number must
 * carry, so a lost, repeated, reordered, stale or torn message is caught. */

static uint64_t mix64(uint64_t x)
{
    x += GOLDEN;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

static uint64_t sum_words(const uint64_t *w, size_t n)
{
    uint64_t a = 0, b = 0, c = 0, d = 0;
    size_t i = 0, n4 = n & ~(size_t)3;
    for (; i < n4; i += 4) {
        a += w[i];
        b += w[i + 1];
        c += w[i + 2];
        d += w[i + 3];
    }
    for (; i < n; i++)
        a += w[i];
    return a + b + c + d;
}

/* Copy n words and sum them in the same pass (the ring's receive). */
static uint64_t copy_sum_words(uint64_t *restrict dst,
                               const uint64_t *restrict src, size_t n)
{
    uint64_t a = 0, b = 0, c = 0, d = 0;
    size_t i = 0, n4 = n & ~(size_t)3;
    for (; i < n4; i += 4) {
        uint64_t w0 = src[i], w1 = src[i + 1], w2 = src[i + 2], w3 = src[i + 3];
        dst[i] = w0;
        dst[i + 1] = w1;
        dst[i + 2] = w2;
        dst[i + 3] = w3;
        a += w0;
        b += w1;
        c += w2;
        d += w3;
    }
    for (; i < n; i++) {
        dst[i] = src[i];
        a += src[i];
    }
    return a + b + c + d;
}

struct patterns {
    size_t size;
    uint64_t *msg[NPAT];   /* ready-made messages, header filled per send */
    uint64_t sum[NPAT];    /* sum of each payload */
};

static void patterns_make(struct patterns *p, size_t size)
{
    p->size = size;
    size_t words = size / 8;
    for (int k = 0; k < NPAT; k++) {
        char *base = malloc(size + PAD); /* PAD: see chan_send */
        if (base == NULL)
            die("malloc");
        p->msg[k] = (uint64_t *)(base + PAD);
        for (size_t i = 2; i < words; i++)
            p->msg[k][i] = mix64(((uint64_t)k << 48) ^ ((uint64_t)size << 24) ^ i);
        p->sum[k] = sum_words(p->msg[k] + 2, words - 2);
    }
}

static void patterns_free(struct patterns *p)
{
    for (int k = 0; k < NPAT; k++)
        free((char *)p->msg[k] - PAD);
}

/* The message with sequence number seq, header filled in. */
static const void *message(struct patterns *p, uint64_t seq)
{
    uint64_t *m = p->msg[seq % NPAT];
    m[0] = seq;
    m[1] = p->sum[seq % NPAT] + seq * GOLDEN;
    return m;
}

/* Is buf (whose payload sums to sum) message number seq? */
static int check_message(const struct patterns *p, const void *buf,
                         uint64_t sum, uint64_t seq)
{
    const uint64_t *m = buf;
    if (m[0] != seq)
        return set_err("message %llu: got sequence number %llu",
                       (unsigned long long)seq, (unsigned long long)m[0]);
    if (sum != p->sum[seq % NPAT] || m[1] != sum + seq * GOLDEN)
        return set_err("message %llu: checksum mismatch",
                       (unsigned long long)seq);
    return 0;
}

/* ---- the shared-memory ring ----------------------------------------------------
 *
 *    control (3 cache lines)              nslots slots of slot_size bytes
 *   +------------+------------+------+   +--------+--------+-----+--------+
 *   |tail,c_wait |head,p_wait |sizes |   | slot 0 | slot 1 | ... |slot n-1|
 *   +------------+------------+------+   +--------+--------+-----+--------+
 *    producer's   consumer's            slot i holds message i % nslots
 *
 * tail - head is the number of full slots (32-bit counters, nslots a power
 * of two, so the subtraction is right across wrap-around). */

struct ring_ctl {
    _Alignas(64) _Atomic uint32_t tail; /* written by the producer only */
    _Atomic uint32_t cons_waiting;      /* consumer sleeps on tail */
    _Alignas(64) _Atomic uint32_t head; /* written by the consumer only */
    _Atomic uint32_t prod_waiting;      /* producer sleeps on head */
    _Alignas(64) uint32_t nslots, slot_size;
};

enum wait_mode { W_FUTEX, W_SPIN, W_PURE };
static const char *const wait_name[] = {"futex", "spin", "pure-spin"};

struct ring {
    struct ring_ctl *ctl;
    char *slots;
    uint32_t mask, slot_size;
    uint32_t local;   /* my own counter (tail or head) */
    uint32_t cached;  /* the other side's counter, as last seen */
    enum wait_mode wait;
    void *sync_base;  /* msync this much at every wrap, if not NULL */
    size_t sync_len;
};

static size_t ring_bytes(size_t msg_size, uint32_t *nslots, uint32_t *slot)
{
    size_t s = (msg_size + 63) & ~(size_t)63;
    size_t want = KiB(256) / s;
    uint32_t n = 4;
    while (n < want)
        n *= 2;
    *nslots = n;
    *slot = (uint32_t)s;
    return sizeof(struct ring_ctl) + (size_t)n * s;
}

static void ring_init(void *mem, size_t msg_size)
{
    struct ring_ctl *c = mem;
    uint32_t n, s;
    ring_bytes(msg_size, &n, &s);
    atomic_init(&c->tail, 0);
    atomic_init(&c->head, 0);
    atomic_init(&c->cons_waiting, 0);
    atomic_init(&c->prod_waiting, 0);
    c->nslots = n;
    c->slot_size = s;
}

static void ring_attach(struct ring *r, void *mem, enum wait_mode w)
{
    memset(r, 0, sizeof *r);
    r->ctl = mem;
    r->slots = (char *)mem + sizeof(struct ring_ctl);
    r->mask = r->ctl->nslots - 1;
    r->slot_size = r->ctl->slot_size;
    r->wait = w;
}

static long futex(_Atomic uint32_t *word, int op, uint32_t val,
                  const struct timespec *timeout)
{
    return syscall(SYS_futex, word, op, val, timeout, NULL, 0);
}

/* Wait until *word is no longer old: in spin mode spin a bounded time
 * (50 us) first, then sleep in FUTEX_WAIT with *flag set so the other side
 * knows to wake us. The sleep has a timeout only so that a dead peer is
 * noticed. */
static int ring_wait(_Atomic uint32_t *word, uint32_t old,
                     _Atomic uint32_t *flag, enum wait_mode w)
{
    const int64_t limit = 50000; /* ns of spinning */
    int64_t start = 0;
    for (unsigned i = 0; w != W_FUTEX; i++) {
        if (atomic_load_explicit(word, memory_order_acquire) != old)
            return 0;
        cpu_relax();
        if ((i & 15) != 15)
            continue;
        if (w == W_PURE) {
            if ((i & 0xffff) == 0xffff && peer_gone())
                return set_err("the other process died");
            continue;
        }
        int64_t t = now_ns();
        if (start == 0)
            start = t;
        else if (t - start > limit)
            break;
    }
    for (;;) {
        atomic_store(flag, 1);
        atomic_thread_fence(memory_order_seq_cst);
        if (atomic_load(word) != old)
            break;
        struct timespec ts = {0, 100000000};
        if (futex(word, FUTEX_WAIT, old, &ts) == -1 && errno != EAGAIN &&
            errno != EINTR && errno != ETIMEDOUT) {
            atomic_store(flag, 0);
            return sys_err("futex(FUTEX_WAIT)");
        }
        if (atomic_load(word) != old)
            break;
        if (peer_gone()) {
            atomic_store(flag, 0);
            return set_err("the other process died");
        }
    }
    atomic_store(flag, 0);
    return 0;
}

/* Publish a counter and wake the other side if (and only if) it sleeps. */
static void ring_publish(_Atomic uint32_t *word, uint32_t value,
                         _Atomic uint32_t *flag)
{
    atomic_store_explicit(word, value, memory_order_release);
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load_explicit(flag, memory_order_relaxed))
        futex(word, FUTEX_WAKE, 1, NULL);
}

/* Zero-copy use of the ring: reserve a free slot and fill it in place, then
 * commit it; peek at the oldest full slot, use it in place, then release it. */
static void *ring_reserve(struct ring *r)
{
    struct ring_ctl *c = r->ctl;
    uint32_t t = r->local;
    while (t - r->cached == r->mask + 1) {
        r->cached = atomic_load_explicit(&c->head, memory_order_acquire);
        if (t - r->cached != r->mask + 1)
            break;
        if (ring_wait(&c->head, r->cached, &c->prod_waiting, r->wait) == -1)
            return NULL;
    }
    return r->slots + (size_t)(t & r->mask) * r->slot_size;
}

static int ring_commit(struct ring *r)
{
    uint32_t t = ++r->local;
    ring_publish(&r->ctl->tail, t, &r->ctl->cons_waiting);
    if (r->sync_base != NULL && (t & r->mask) == 0 &&
        msync(r->sync_base, r->sync_len, MS_SYNC) == -1)
        return sys_err("msync");
    return 0;
}

static const void *ring_peek(struct ring *r)
{
    struct ring_ctl *c = r->ctl;
    uint32_t h = r->local;
    while (h == r->cached) {
        r->cached = atomic_load_explicit(&c->tail, memory_order_acquire);
        if (h != r->cached)
            break;
        if (ring_wait(&c->tail, h, &c->cons_waiting, r->wait) == -1)
            return NULL;
    }
    return r->slots + (size_t)(h & r->mask) * r->slot_size;
}

static void ring_release(struct ring *r)
{
    uint32_t h = ++r->local;
    ring_publish(&r->ctl->head, h, &r->ctl->prod_waiting);
}

/* Send one message: the producer's one copy, into the slot. */
static int ring_send(struct ring *r, const void *buf, size_t len)
{
    void *slot = ring_reserve(r);
    if (slot == NULL)
        return -1;
    memcpy(slot, buf, len);
    return ring_commit(r);
}

/* Receive one message into buf, copying and summing its payload in one
 * pass (the consumer's one copy). */
static int ring_recv(struct ring *r, void *buf, size_t len, uint64_t *sum)
{
    const uint64_t *src = ring_peek(r);
    if (src == NULL)
        return -1;
    uint64_t *dst = buf;
    dst[0] = src[0];
    dst[1] = src[1];
    *sum = copy_sum_words(dst + 2, src + 2, len / 8 - 2);
    ring_release(r);
    return 0;
}

/* ---- backings of the ring: where the shared memory comes from --------------- */

enum backing { B_POSIX, B_DISK, B_DEVSHM, B_SYSV, B_ANON };

static unsigned name_counter;

/* A unique name part: pid, run id (graded runs), counter. */
static void unique_tag(char *buf, size_t size)
{
    const char *run = getenv("LAB_RUN_ID");
    snprintf(buf, size, "ipc_bench-%s%s%ld-%u", run ? run : "", run ? "-" : "",
             (long)getpid(), name_counter++);
}

/* Map len bytes of shared memory of the given backing. Every name is
 * removed as soon as the mapping exists (the mapping keeps the object), and
 * a System V segment is marked IPC_RMID right after shmat: nothing can be
 * left behind, whatever happens next. The child inherits the mapping. */
static void *backing_map(enum backing b, size_t len)
{
    char tag[128], path[1024];
    void *p = MAP_FAILED;
    int fd = -1;
    unique_tag(tag, sizeof tag);
    switch (b) {
    case B_POSIX:
        snprintf(path, sizeof path, "/%s", tag);
        fd = shm_open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
        if (fd == -1)
            die(path);
        if (shm_unlink(path) == -1)
            die(path);
        break;
    case B_DISK:
    case B_DEVSHM:
        snprintf(path, sizeof path, "%s/%s-XXXXXX",
                 b == B_DISK ? file_dir : "/dev/shm", tag);
        fd = mkstemp(path);
        if (fd == -1)
            die(path);
        if (unlink(path) == -1)
            die(path);
        break;
    case B_SYSV: {
        int id = shmget(IPC_PRIVATE, len, IPC_CREAT | 0600);
        if (id == -1)
            die("shmget");
        p = shmat(id, NULL, 0);
        int err = errno;
        if (shmctl(id, IPC_RMID, NULL) == -1)
            die("shmctl(IPC_RMID)");
        errno = err;
        if (p == (void *)-1)
            die("shmat");
        break;
    }
    case B_ANON:
        p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                 -1, 0);
        if (p == MAP_FAILED)
            die("mmap(MAP_ANONYMOUS)");
        break;
    }
    if (fd != -1) {
        if (ftruncate(fd, (off_t)len) == -1)
            die("ftruncate");
        p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED)
            die("mmap");
        if (close(fd) == -1)
            die("close");
    }
    /* Touch every page now, so no run pays for first faults. */
    memset(p, 0, len);
    return p;
}

static void backing_unmap(enum backing b, void *p, size_t len)
{
    if (b == B_SYSV ? shmdt(p) == -1 : munmap(p, len) == -1)
        die("munmap");
}

/* ---- the mechanisms ------------------------------------------------------------ */

enum type { T_PIPE, T_FIFO, T_SOCK, T_PMQ, T_SYSV, T_RING };

struct cfg {
    const char *mech;     /* its name in tables and CSV files */
    enum type type;
    enum backing backing; /* T_RING only */
    enum wait_mode wait;  /* T_RING only */
    int same_cpu;         /* both processes on one CPU */
    int sync;             /* T_RING: msync(MS_SYNC) at every wrap */
};

/* One direction of a conversation, as one process sees it. */
struct chan {
    enum type type;
    int fd;
    mqd_t mq;
    int msqid;
    long mtype;
    struct ring ring;
};


static int mq_deadline(struct timespec *ts)
{
    if (clock_gettime(CLOCK_REALTIME, ts) == -1)
        return sys_err("clock_gettime");
    ts->tv_nsec += 200000000;
    if (ts->tv_nsec >= 1000000000) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000;
    }
    return 0;
}

static int chan_send(struct chan *c, const void *buf, size_t len)
{
    struct timespec ts;
    switch (c->type) {
    case T_PIPE:
    case T_FIFO:
    case T_SOCK:
        return write_all(c->fd, buf, len) == -1 ? -1 : 0;
    case T_PMQ:
        /* Timed, so that a dead receiver is noticed. */
        for (;;) {
            if (mq_deadline(&ts) == -1)
                return -1;
            if (mq_timedsend(c->mq, buf, len, 0, &ts) == 0)
                return 0;
            if ((errno != ETIMEDOUT && errno != EINTR) || peer_gone())
                return sys_err("mq_timedsend");
        }
    case T_SYSV: {
        long *m = (long *)((char *)buf - PAD);
        *m = c->mtype;
        while (msgsnd(c->msqid, m, len, 0) == -1)
            if (errno != EINTR || peer_gone())
                return sys_err("msgsnd");
        return 0;
    }
    case T_RING:
        return ring_send(&c->ring, buf, len);
    }
    return set_err("unknown channel");
}

static int chan_recv(struct chan *c, void *buf, size_t len, uint64_t *sum)
{
    struct timespec ts;
    ssize_t n = -1;
    switch (c->type) {
    case T_PIPE:
    case T_FIFO:
    case T_SOCK:
        if (read_all(c->fd, buf, len) == -1)
            return -1;
        n = (ssize_t)len;
        break;
    case T_PMQ:
        for (;;) {
            if (mq_deadline(&ts) == -1)
                return -1;
            n = mq_timedreceive(c->mq, buf, len, NULL, &ts);
            if (n != -1)
                break;
            if ((errno != ETIMEDOUT && errno != EINTR) || peer_gone())
                return sys_err("mq_timedreceive");
        }
        break;
    case T_SYSV:
        while ((n = msgrcv(c->msqid, (char *)buf - PAD, len, c->mtype, 0)) == -1)
            if (errno != EINTR || peer_gone())
                return sys_err("msgrcv");
        break;
    case T_RING:
        return ring_recv(&c->ring, buf, len, sum);
    }
    if ((size_t)n != len)
        return set_err("received %zd bytes, expected %zu", n, len);
    *sum = sum_words((const uint64_t *)buf + 2, len / 8 - 2);
    return 0;
}

/* What the two processes share before fork: every object of both
 * directions (forward: parent to child; back: child to parent). */
struct link {
    const struct cfg *cfg;
    size_t size;
    int two_way;
    int fds[4];           /* pipes, socket, FIFO ends; -1 if unused */
    int fifo_keep;        /* a read end that keeps the FIFO open */
    mqd_t mq[2];
    void *mem;            /* the ring mapping */
    size_t ring_len, mem_len;
    struct chan fwd, back; /* this process's ends */
};

static void close_fd(int *fd)
{
    if (*fd != -1) {
        close(*fd);
        *fd = -1;
    }
}

/* The message size a queue takes, or 0 if it is larger than allowed. */
static int fits(const struct cfg *cfg, size_t size)
{
    if (cfg->type == T_PMQ)
        return (long)size <= pmq_max;
    if (cfg->type == T_SYSV)
        return (long)size <= sysv_max;
    return 1;
}

/* Create everything before fork. */
static void link_create(struct link *l, const struct cfg *cfg, size_t size,
                        int two_way)
{
    memset(l, 0, sizeof *l);
    l->cfg = cfg;
    l->size = size;
    l->two_way = two_way;
    for (int i = 0; i < 4; i++)
        l->fds[i] = -1;
    l->fifo_keep = -1;
    l->mq[0] = l->mq[1] = (mqd_t)-1;
    l->fwd.type = l->back.type = cfg->type;
    l->fwd.msqid = l->back.msqid = -1;
    l->fwd.fd = l->back.fd = -1;
    char tag[128];
    switch (cfg->type) {
    case T_PIPE:
        if (pipe(l->fds) == -1 || (two_way && pipe(l->fds + 2) == -1))
            die("pipe");
        break;
    case T_SOCK:
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, l->fds) == -1)
            die("socketpair");
        break;
    case T_FIFO:
        for (int i = 0; i < 1 + two_way; i++) {
            unique_tag(tag, sizeof tag);
            snprintf(fifo_paths[i], sizeof fifo_paths[i], "%s/%s.fifo",
                     file_dir, tag);
            if (mkfifo(fifo_paths[i], 0600) == -1)
                die(fifo_paths[i]);
        }
        /* Forward: we write. A non-blocking read end first, so opening
         * the write end does not wait for the child. */
        l->fifo_keep = open(fifo_paths[0], O_RDONLY | O_NONBLOCK);
        if (l->fifo_keep == -1)
            die(fifo_paths[0]);
        l->fds[1] = open(fifo_paths[0], O_WRONLY);
        if (l->fds[1] == -1)
            die(fifo_paths[0]);
        if (two_way) {
            /* Back: we read; blocking again once it is open. */
            l->fds[2] = open(fifo_paths[1], O_RDONLY | O_NONBLOCK);
            if (l->fds[2] == -1)
                die(fifo_paths[1]);
            if (fcntl(l->fds[2], F_SETFL, 0) == -1)
                die("fcntl");
        }
        break;
    case T_PMQ:
        for (int i = 0; i < 1 + two_way; i++) {
            char name[160];
            unique_tag(tag, sizeof tag);
            snprintf(name, sizeof name, "/%s", tag);
            long maxmsg = read_proc_long("/proc/sys/fs/mqueue/msg_max");
            struct mq_attr attr = {.mq_maxmsg = maxmsg > 0 && maxmsg < 10 ? maxmsg : 10,
                                   .mq_msgsize = (long)size};
            l->mq[i] = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
            if (l->mq[i] == (mqd_t)-1)
                die(name);
            /* Both processes will use this descriptor: the name can go. */
            if (mq_unlink(name) == -1)
                die(name);
        }
        break;
    case T_SYSV:
        /* A queue vanishes at IPC_RMID (unlike a segment), so it stays
         * until the end; live_msqid makes every exit path remove it. */
        l->fwd.msqid = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
        if (l->fwd.msqid == -1)
            die("msgget");
        live_msqid = l->back.msqid = l->fwd.msqid;
        break;
    case T_RING: {
        uint32_t n, s;
        l->ring_len = (ring_bytes(size, &n, &s) + 63) & ~(size_t)63;
        l->mem_len = l->ring_len * (size_t)(1 + two_way);
        l->mem = backing_map(cfg->backing, l->mem_len);
        ring_init(l->mem, size);
        if (two_way)
            ring_init((char *)l->mem + l->ring_len, size);
        break;
    }
    }
}

/* Move a descriptor out of the shared table into a channel. */
static int take(int *fd)
{
    int v = *fd;
    *fd = -1;
    return v;
}

/* After fork: pick this side's ends and close the other side's (what is
 * left in fds[]). Returns
 * -1 (errmsg set) if the child cannot open a FIFO. */
static int link_side(struct link *l, int child)
{
    const struct cfg *cfg = l->cfg;
    struct chan *send = child ? &l->back : &l->fwd;
    struct chan *recv = child ? &l->fwd : &l->back;
    switch (cfg->type) {
    case T_PIPE:
        if (child) {
            recv->fd = take(&l->fds[0]);
            send->fd = take(&l->fds[3]);
        } else {
            send->fd = take(&l->fds[1]);
            recv->fd = take(&l->fds[2]);
        }
        break;
    case T_SOCK:
        /* One socket carries both directions; each channel owns a copy. */
        send->fd = take(&l->fds[child ? 1 : 0]);
        recv->fd = dup(send->fd);
        if (recv->fd == -1)
            return sys_err("dup");
        break;
    case T_FIFO:
        if (child) {
            /* The child opens the FIFOs by name, as an unrelated
             * process would; the parent's ends exist, so nothing waits. */
            close_fd(&l->fifo_keep);
            close_fd(&l->fds[1]);
            close_fd(&l->fds[2]);
            recv->fd = open(fifo_paths[0], O_RDONLY);
            if (recv->fd == -1)
                return sys_err(fifo_paths[0]);
            if (l->two_way) {
                send->fd = open(fifo_paths[1], O_WRONLY);
                if (send->fd == -1)
                    return sys_err(fifo_paths[1]);
            }
        } else {
            send->fd = take(&l->fds[1]);
            recv->fd = take(&l->fds[2]);
        }
        break;
    case T_PMQ:
        l->fwd.mq = l->mq[0];
        l->back.mq = l->mq[1];
        break;
    case T_SYSV:
        l->fwd.mtype = 1;
        l->back.mtype = 2;
        break;
    case T_RING: {
        char *fwd_mem = l->mem, *back_mem = (char *)l->mem + l->ring_len;
        ring_attach(&l->fwd.ring, fwd_mem, cfg->wait);
        if (l->two_way)
            ring_attach(&l->back.ring, back_mem, cfg->wait);
        if (cfg->sync && !child) {
            l->fwd.ring.sync_base = l->mem;
            l->fwd.ring.sync_len = l->ring_len;
        }
        break;
    }
    }
    for (int i = 0; i < 4; i++)
        close_fd(&l->fds[i]);
    return 0;
}

/* Once the child has opened its ends: the FIFO names can go. */
static void link_opened(struct link *l)
{
    if (l->cfg->type == T_FIFO) {
        close_fd(&l->fifo_keep);
        for (int i = 0; i < 2; i++)
            if (fifo_paths[i][0] != '\0') {
                if (unlink(fifo_paths[i]) == -1)
                    die(fifo_paths[i]);
                fifo_paths[i][0] = '\0';
            }
    }
}

/* The parent's cleanup, after the child is gone. */
static void link_destroy(struct link *l)
{
    link_opened(l);
    for (int i = 0; i < 4; i++)
        close_fd(&l->fds[i]);
    close_fd(&l->fwd.fd);
    close_fd(&l->back.fd);
    for (int i = 0; i < 2; i++)
        if (l->mq[i] != (mqd_t)-1 && mq_close(l->mq[i]) == -1)
            die("mq_close");
    if (l->cfg->type == T_SYSV && live_msqid != -1) {
        int id = live_msqid;
        live_msqid = -1;
        if (msgctl(id, IPC_RMID, NULL) == -1)
            die("msgctl(IPC_RMID)");
    }
    if (l->mem != NULL)
        backing_unmap(l->cfg->backing, l->mem, l->mem_len);
}

/* ---- running one experiment between parent and child ----------------------------- */

/* What the child tells the parent, through a pipe (small: one write). */
struct report {
    int ok;
    int64_t t_end;     /* when the child had checked the last message */
    char err[200];
};

struct pair {
    pid_t pid;
    int to_child, from_child; /* control pipes */
};

static void child_report(int fd, int ok, int64_t t_end)
{
    struct report r = {.ok = ok, .t_end = t_end};
    if (!ok)
        snprintf(r.err, sizeof r.err, "%.199s", errmsg);
    if (write(fd, &r, sizeof r) != (ssize_t)sizeof r)
        die_child("write");
    if (!ok)
        _exit(1);
}

/* Read the child's next report; if it has none, say why. */
static int parent_read_report(struct pair *p, struct report *r)
{
    ssize_t n;
    while ((n = read(p->from_child, r, sizeof *r)) == -1 && errno == EINTR)
        ;
    if (n == (ssize_t)sizeof *r) {
        if (!r->ok)
            return set_err("%s", r->err);
        return 0;
    }
    return set_err("the child ended without a report");
}

static void set_sigchld(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_chld;
    sa.sa_flags = SA_NOCLDSTOP; /* no SA_RESTART: blocked calls see EINTR */
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGCHLD, &sa, NULL) == -1)
        die("sigaction");
}

/* Fork the child; it pins itself, runs child_fn and reports. */
static void pair_start(struct pair *p, struct link *l, int cpu,
                       int (*child_fn)(struct link *, int64_t *))
{
    int down[2], up[2];
    if (pipe(down) == -1 || pipe(up) == -1)
        die("pipe");
    child_gone = 0;
    active = 1;
    pid_t pid = fork();
    if (pid == -1)
        die("fork");
    if (pid == 0) {
        is_child = 1;
        live_msqid = -1; /* the parent owns the queue and the names */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
            die_child("prctl");
        if (getppid() != parent_pid)
            _exit(1);
        close(down[1]);
        close(up[0]);
        if (cpu >= 0)
            pin_to(cpu);
        int64_t t_end = 0;
        if (link_side(l, 1) == -1)
            child_report(up[1], 0, 0);
        child_report(up[1], 1, 0); /* ready */
        char go;
        if (read(down[0], &go, 1) != 1)
            _exit(1);
        if (child_fn(l, &t_end) == -1)
            child_report(up[1], 0, 0);
        child_report(up[1], 1, t_end);
        /* Stay until the parent is done with every shared object. */
        while (read(down[0], &go, 1) > 0)
            ;
        _exit(0);
    }
    child_pid = pid;
    p->pid = pid;
    close(down[0]);
    close(up[1]);
    p->to_child = down[1];
    p->from_child = up[0];
}

/* Let the child go, end the pair and reap the child. */
static void pair_end(struct pair *p)
{
    active = 0;
    close(p->to_child);
    close(p->from_child);
    int status;
    while (waitpid(p->pid, &status, 0) == -1)
        if (errno != EINTR)
            die("waitpid");
    child_pid = 0;
}

/* The experiment failed: stop the child and give the first reason (the
 * child's own report if it wrote one: a failed check there is usually
 * why our send or receive failed here). */
__attribute__((noreturn))
static void pair_fail(struct pair *p, const char *what)
{
    char mine[sizeof errmsg];
    snprintf(mine, sizeof mine, "%s", errmsg);
    kill(p->pid, SIGKILL);
    struct report r;
    ssize_t n;
    while ((n = read(p->from_child, &r, sizeof r)) == (ssize_t)sizeof r ||
           (n == -1 && errno == EINTR))
        if (n == (ssize_t)sizeof r && !r.ok)
            fail(EXIT_FAILURE, what, "%s", r.err);
    fail(EXIT_FAILURE, what, "%s", mine);
}

static struct patterns pat;   /* this experiment's messages */
static long xfer_count;       /* how many messages or round trips */
static char *rbuf_base;       /* receive buffer, PAD bytes in front */
static int64_t *rtt;          /* latency: round-trip times */

/* Child side of a throughput run: receive and check every message. */
static int tp_child(struct link *l, int64_t *t_end)
{
    uint64_t sum;
    for (long i = 0; i < xfer_count; i++) {
        if (chan_recv(&l->fwd, rbuf_base + PAD, l->size, &sum) == -1 ||
            check_message(&pat, rbuf_base + PAD, sum, (uint64_t)i) == -1)
            return -1;
    }
    *t_end = now_ns();
    return 0;
}

/* Child side of a latency run: check every ping and send it back. */
static int lat_child(struct link *l, int64_t *t_end)
{
    uint64_t sum;
    for (long i = 0; i < xfer_count; i++) {
        if (chan_recv(&l->fwd, rbuf_base + PAD, l->size, &sum) == -1 ||
            check_message(&pat, rbuf_base + PAD, sum, (uint64_t)i) == -1 ||
            chan_send(&l->back, rbuf_base + PAD, l->size) == -1)
            return -1;
    }
    *t_end = now_ns();
    return 0;
}

static char *label(const struct cfg *cfg, size_t size)
{
    static char buf[128];
    snprintf(buf, sizeof buf, "%s (%s%s%s, %s)", cfg->mech,
             cfg->type == T_RING ? wait_name[cfg->wait] : "",
             cfg->type == T_RING ? ", " : "",
             cfg->same_cpu ? "same CPU" : "two CPUs", size_name(size));
    return buf;
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n);
    if (p == NULL)
        die("malloc");
    return p;
}

/* One run: count messages of size bytes (latency: count round trips, the
 * first warm of them not recorded). Returns the seconds of a throughput
 * run; fills rtt[] for a latency run. */
static double run_one(const struct cfg *cfg, size_t size, long count,
                      long warm, int latency)
{
    struct link l;
    struct pair p;
    patterns_make(&pat, size);
    xfer_count = count + warm;
    rbuf_base = xmalloc(size + PAD);
    memset(rbuf_base, 0, size + PAD);
    link_create(&l, cfg, size, latency);
    pin_to(cpu_a);
    pair_start(&p, &l, cfg->same_cpu ? cpu_a : cpu_b,
               latency ? lat_child : tp_child);
    if (link_side(&l, 0) == -1)
        pair_fail(&p, label(cfg, size));
    struct report r;
    if (parent_read_report(&p, &r) == -1) /* the child is ready */
        pair_fail(&p, label(cfg, size));
    link_opened(&l);
    if (write(p.to_child, "g", 1) != 1)
        die("write");

    int64_t t0 = now_ns();
    uint64_t sum;
    for (long i = 0; i < xfer_count; i++) {
        int64_t t = latency ? now_ns() : 0;
        if (chan_send(&l.fwd, message(&pat, (uint64_t)i), size) == -1)
            pair_fail(&p, label(cfg, size));
        if (latency) {
            if (chan_recv(&l.back, rbuf_base + PAD, size, &sum) == -1 ||
                check_message(&pat, rbuf_base + PAD, sum, (uint64_t)i) == -1)
                pair_fail(&p, label(cfg, size));
            if (i >= warm)
                rtt[i - warm] = now_ns() - t;
        }
    }
    if (parent_read_report(&p, &r) == -1)
        pair_fail(&p, label(cfg, size));
    pair_end(&p);
    unpin();
    link_destroy(&l);
    patterns_free(&pat);
    free(rbuf_base);
    return (double)(r.t_end - t0) / 1e9;
}

/* ---- memcpy: the physical reference ---------------------------------------------- */

/* Best bandwidth (MB/s) of copying len bytes reps times, on this CPU. */
static double memcpy_mbps(size_t len, int reps)
{
    char *src = xmalloc(len), *dst = xmalloc(len);
    memset(src, 1, len);
    memset(dst, 2, len);
    double best = 0;
    for (int i = 0; i < reps; i++) {
        src[i] = (char)i;
        int64_t t = now_ns();
        memcpy(dst, src, len);
        t = now_ns() - t;
        if (dst[i] != (char)i || dst[len - 1] != 1)
            fail(EXIT_FAILURE, "memcpy", "the copy is wrong");
        double mbps = (double)len / 1e6 / ((double)(t > 0 ? t : 1) / 1e9);
        if (mbps > best)
            best = mbps;
    }
    free(src);
    free(dst);
    return best;
}

/* Two processes copying at once, one per CPU: each one's bandwidth. */
static double memcpy_two_mbps(size_t len, int reps)
{
    int res[2][2], go[2];
    pid_t pid[2];
    if (pipe(go) == -1)
        die("pipe");
    for (int k = 0; k < 2; k++) {
        if (pipe(res[k]) == -1)
            die("pipe");
        pid[k] = fork();
        if (pid[k] == -1)
            die("fork");
        if (pid[k] == 0) {
            is_child = 1;
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            pin_to(k == 0 ? cpu_a : cpu_b);
            char c;
            close(go[1]);
            if (read(go[0], &c, 1) != 1)
                _exit(1);
            double v = memcpy_mbps(len, reps);
            if (write(res[k][1], &v, sizeof v) != (ssize_t)sizeof v)
                _exit(1);
            _exit(0);
        }
        close(res[k][1]);
    }
    close(go[0]);
    if (write(go[1], "gg", 2) != 2) /* one byte each: start together */
        die("write");
    close(go[1]);
    double total = 0;
    for (int k = 0; k < 2; k++) {
        double v;
        ssize_t n;
        while ((n = read(res[k][0], &v, sizeof v)) == -1 && errno == EINTR)
            ;
        if (n != (ssize_t)sizeof v)
            fail(EXIT_FAILURE, "memcpy", "a copying process failed");
        total += v;
        close(res[k][0]);
        while (waitpid(pid[k], NULL, 0) == -1)
            if (errno != EINTR)
                die("waitpid");
    }
    return total / 2;
}

/* ---- the copies experiment --------------------------------------------------------
 *
 *  pipe:   file --read--> bufA --write--> pipe --read--> bufB --write--> file
 *                  (1)             (2)            (3)            (4)
 *  shm:    file --read--> ring (shared) --write--> file
 *                  (1)                     (2)
 */

struct copies {
    const char *path;
    size_t file_bytes;
    double kernel_copies, user_copies; /* per byte of the file */
    double sys_s, user_s, wall_s;
    int verified;
};

struct copy_counts {
    uint64_t kernel;  /* bytes copied by read()/write() */
    uint64_t user;    /* bytes copied by memcpy in user space */
    int ok;
    char err[200];
};

#define CHUNK KiB(128)

static double tv_s(struct timeval tv) { return (double)tv.tv_sec + (double)tv.tv_usec / 1e6; }

/* Sum of every 64-bit word of the first len bytes of fd. */
static uint64_t file_sum(int fd, size_t len)
{
    uint64_t *buf = xmalloc(CHUNK), sum = 0;
    for (size_t off = 0; off < len; off += CHUNK) {
        size_t n = len - off < CHUNK ? len - off : CHUNK;
        if (pread(fd, buf, n, (off_t)off) != (ssize_t)n)
            die("pread");
        sum += sum_words(buf, n / 8);
    }
    free(buf);
    return sum;
}

static int temp_file(char *path, size_t size)
{
    char tag[128];
    unique_tag(tag, sizeof tag);
    snprintf(path, size, "%s/%s-XXXXXX", file_dir, tag);
    int fd = mkstemp(path);
    if (fd == -1)
        die(path);
    if (unlink(path) == -1) /* the descriptor is all we need */
        die(path);
    return fd;
}

/* Stage (0: the reader of the file, 1: the writer of the copy) of one path. */
static int copies_stage(int shm, int stage, int in, int out, int pfd[2],
                        struct ring *ring, struct copy_counts *c)
{
    if (!shm) {
        char *buf = xmalloc(CHUNK);
        int src = stage == 0 ? in : pfd[0], dst = stage == 0 ? pfd[1] : out;
        for (;;) {
            ssize_t n = read(src, buf, CHUNK);
            if (n == -1)
                return sys_err("read");
            if (n == 0)
                break;
            c->kernel += (uint64_t)n;                /* (1) or (3) */
            if (write_all(dst, buf, (size_t)n) == -1)
                return -1;
            c->kernel += (uint64_t)n;                /* (2) or (4) */
        }
        free(buf);
        return 0;
    }
    for (;;) {
        if (stage == 0) {
            /* read() straight into the shared slot: one copy. */
            uint64_t *slot = ring_reserve(ring);
            if (slot == NULL)
                return -1;
            ssize_t n = read(in, slot + 1, CHUNK);
            if (n == -1)
                return sys_err("read");
            slot[0] = (uint64_t)n;
            c->kernel += (uint64_t)n;                /* (1) */
            if (ring_commit(ring) == -1)
                return -1;
            if (n == 0)
                return 0;
        } else {
            /* write() straight out of the shared slot: one copy. */
            const uint64_t *slot = ring_peek(ring);
            if (slot == NULL)
                return -1;
            size_t n = (size_t)slot[0];
            if (n == 0)
                return 0;
            if (write_all(out, slot + 1, n) == -1)
                return -1;
            c->kernel += n;                          /* (2) */
            ring_release(ring);
        }
    }
}

static void copies_run(struct copies *res, int shm, int in, size_t len,
                       uint64_t in_sum)
{
    char path[1024];
    int out = temp_file(path, sizeof path);
    int pfd[2] = {-1, -1}, up[2], go[2];
    void *mem = NULL;
    size_t mem_len = 0;
    if (!shm && pipe(pfd) == -1)
        die("pipe");
    if (shm) {
        uint32_t n, s;
        mem_len = ring_bytes(CHUNK + 8, &n, &s);
        mem = backing_map(B_POSIX, mem_len);
        ring_init(mem, CHUNK + 8);
    }
    if (pipe(up) == -1 || pipe(go) == -1)
        die("pipe");
    if (lseek(in, 0, SEEK_SET) == -1)
        die("lseek");
    struct rusage ru0, ru1;
    if (getrusage(RUSAGE_CHILDREN, &ru0) == -1)
        die("getrusage");
    pid_t pid[2];
    child_gone = 0;
    active = 1;
    for (int k = 0; k < 2; k++) {
        pid[k] = fork();
        if (pid[k] == -1)
            die("fork");
        if (pid[k] == 0) {
            is_child = 1;
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            pin_to(k == 0 || cpu_b < 0 ? cpu_a : cpu_b);
            struct ring ring;
            if (shm)
                ring_attach(&ring, mem, W_FUTEX);
            if (pfd[0] != -1)
                close(pfd[k == 0 ? 0 : 1]);
            close(go[1]);
            char c;
            if (read(go[0], &c, 1) != 1)
                _exit(1);
            struct copy_counts cc = {0};
            cc.ok = copies_stage(shm, k, in, out, pfd, &ring, &cc) == 0;
            if (!cc.ok)
                snprintf(cc.err, sizeof cc.err, "%.199s", errmsg);
            if (write(up[1], &cc, sizeof cc) != (ssize_t)sizeof cc)
                _exit(1);
            _exit(0);
        }
    }
    close_fd(&pfd[0]);
    close_fd(&pfd[1]);
    close(up[1]);
    close(go[0]);
    int64_t t0 = now_ns();
    if (write(go[1], "gg", 2) != 2)
        die("write");
    close(go[1]);
    struct copy_counts total = {0}, cc;
    int reports = 0;
    const char *what = shm ? "copies through shared memory" : "copies through a pipe";
    while (reports < 2) {
        ssize_t n = read(up[0], &cc, sizeof cc);
        if (n == -1 && errno == EINTR) {
            /* A stage that died without a report would leave us here. */
            for (int k = 0; k < 2; k++) {
                siginfo_t si;
                memset(&si, 0, sizeof si);
                if (waitid(P_PID, (id_t)pid[k], &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
                    si.si_pid == pid[k] && (si.si_code != CLD_EXITED || si.si_status != 0))
                    fail(EXIT_FAILURE, what, "a stage died without a report");
            }
            continue;
        }
        if (n != (ssize_t)sizeof cc)
            fail(EXIT_FAILURE, what, "a stage died without a report");
        if (!cc.ok)
            fail(EXIT_FAILURE, what, "%s", cc.err);
        total.kernel += cc.kernel;
        total.user += cc.user;
        reports++;
    }
    int64_t t1 = now_ns();
    close(up[0]);
    active = 0;
    for (int k = 0; k < 2; k++)
        while (waitpid(pid[k], NULL, 0) == -1)
            if (errno != EINTR)
                die("waitpid");
    if (getrusage(RUSAGE_CHILDREN, &ru1) == -1)
        die("getrusage");
    if (mem != NULL)
        backing_unmap(B_POSIX, mem, mem_len);

    struct stat sb;
    if (fstat(out, &sb) == -1)
        die("fstat");
    res->path = shm ? "shared-memory" : "pipe";
    res->file_bytes = len;
    res->kernel_copies = (double)total.kernel / (double)len;
    res->user_copies = (double)total.user / (double)len;
    res->sys_s = tv_s(ru1.ru_stime) - tv_s(ru0.ru_stime);
    res->user_s = tv_s(ru1.ru_utime) - tv_s(ru0.ru_utime);
    res->wall_s = (double)(t1 - t0) / 1e9;
    res->verified = (size_t)sb.st_size == len && file_sum(out, len) == in_sum;
    if (!res->verified)
        fail(EXIT_FAILURE, what, "the copy differs from the file");
    close(out);
}

/* ---- what is measured ------------------------------------------------------------- */

/* Every row has a name, so the targets below can never pick the wrong one
 * when a row is added or moved. */
enum { P_PIPE_SAME, P_PIPE_CROSS, P_FIFO, P_SOCK, P_PMQ, P_SYSV_MSG, P_RING,
       P_DISK, P_DEVSHM, P_SYSV_SHM, P_ANON, P_DISK_MSYNC, NTP };
static const struct cfg tp_cfgs[NTP] = {
    [P_PIPE_SAME]  = {"pipe", T_PIPE, 0, 0, 1, 0},
    [P_PIPE_CROSS] = {"pipe", T_PIPE, 0, 0, 0, 0},
    [P_FIFO]       = {"fifo", T_FIFO, 0, 0, 0, 0},
    [P_SOCK]       = {"unix-socket", T_SOCK, 0, 0, 0, 0},
    [P_PMQ]        = {"posix-mq", T_PMQ, 0, 0, 0, 0},
    [P_SYSV_MSG]   = {"sysv-msg", T_SYSV, 0, 0, 0, 0},
    [P_RING]       = {"ring-posix-shm", T_RING, B_POSIX, W_SPIN, 0, 0},
    [P_DISK]       = {"ring-disk-file", T_RING, B_DISK, W_SPIN, 0, 0},
    [P_DEVSHM]     = {"ring-devshm-file", T_RING, B_DEVSHM, W_SPIN, 0, 0},
    [P_SYSV_SHM]   = {"ring-sysv-shm", T_RING, B_SYSV, W_SPIN, 0, 0},
    [P_ANON]       = {"ring-anon", T_RING, B_ANON, W_SPIN, 0, 0},
    [P_DISK_MSYNC] = {"ring-disk-msync", T_RING, B_DISK, W_SPIN, 0, 1},
};

enum { L_PIPE_SAME, L_PIPE_CROSS, L_FIFO, L_SOCK, L_PMQ, L_SYSV_MSG,
       L_RING_FUTEX, L_RING_SPIN, L_RING_FUTEX_SAME, L_RING_SPIN_SAME,
       L_RING_PURE_SAME, NLAT };
static const struct cfg lat_cfgs[NLAT] = {
    [L_PIPE_SAME]       = {"pipe", T_PIPE, 0, 0, 1, 0},
    [L_PIPE_CROSS]      = {"pipe", T_PIPE, 0, 0, 0, 0},
    [L_FIFO]            = {"fifo", T_FIFO, 0, 0, 0, 0},
    [L_SOCK]            = {"unix-socket", T_SOCK, 0, 0, 0, 0},
    [L_PMQ]             = {"posix-mq", T_PMQ, 0, 0, 0, 0},
    [L_SYSV_MSG]        = {"sysv-msg", T_SYSV, 0, 0, 0, 0},
    [L_RING_FUTEX]      = {"ring-posix-shm", T_RING, B_POSIX, W_FUTEX, 0, 0},
    [L_RING_SPIN]       = {"ring-posix-shm", T_RING, B_POSIX, W_SPIN, 0, 0},
    [L_RING_FUTEX_SAME] = {"ring-posix-shm", T_RING, B_POSIX, W_FUTEX, 1, 0},
    [L_RING_SPIN_SAME]  = {"ring-posix-shm", T_RING, B_POSIX, W_SPIN, 1, 0},
    [L_RING_PURE_SAME]  = {"ring-posix-shm", T_RING, B_POSIX, W_PURE, 1, 0},
};

#define MAXSIZES 16
static size_t sizes[MAXSIZES];
static int nsizes;

struct tp_res {
    int state;        /* 0 not run, 1 verified, -1 not possible */
    const char *why;  /* why not */
    long count;
    double secs;
};
static struct tp_res tp[NTP][MAXSIZES];

struct lat_res {
    int state;
    const char *why;
    long rts;
    double med_us, p99_us, min_us, rtps;
};
static struct lat_res lat[NLAT];
static double memcpy_one, memcpy_two;
static size_t memcpy_len;
static struct copies cp[2];

static const char *placement(const struct cfg *c)
{
    return c->same_cpu ? "same-cpu" : "cross-cpu";
}

static const char *series(const struct cfg *c)
{
    static char buf[4][96];
    static int next;
    char *b = buf[next++ % 4];
    if (c->type == T_RING)
        snprintf(b, 96, "%s/%s/%s", c->mech, wait_name[c->wait], placement(c));
    else
        snprintf(b, 96, "%s/%s", c->mech, placement(c));
    return b;
}

static const char *cpus(const struct cfg *c)
{
    static char buf[32];
    snprintf(buf, sizeof buf, "%d+%d", cpu_a, c->same_cpu ? cpu_a : cpu_b);
    return buf;
}

static double mbps(int k, int s)
{
    const struct tp_res *t = &tp[k][s];
    if (t->state != 1 || t->secs <= 0)
        return NAN;
    return (double)sizes[s] * (double)t->count / 1e6 / t->secs;
}

static long tp_count(size_t size)
{
    size_t budget = mode == SMOKE ? MiB(1) : mode == QUICK ? MiB(32) : MiB(256);
    long lo = mode == SMOKE ? 4 : mode == QUICK ? 32 : 256;
    long hi = mode == SMOKE ? 256 : mode == QUICK ? 50000 : 1000000;
    long n = (long)(budget / size);
    return n < lo ? lo : n > hi ? hi : n;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void run_throughput(void)
{
    for (size_t k = 0; k < NTP; k++)
        for (int s = 0; s < nsizes; s++) {
            const struct cfg *c = &tp_cfgs[k];
            struct tp_res *t = &tp[k][s];
            if (only != NULL && strncmp(series(c), only, strlen(only)) != 0) {
                t->state = -1;
                t->why = "left out by --only";
            } else if (!c->same_cpu && cpu_b < 0) {
                t->state = -1;
                t->why = "needs two CPUs";
            } else if (!fits(c, sizes[s])) {
                t->state = -1;
                t->why = "larger than the queue allows";
            } else {
                /* The best of a few runs: another program taking a
                 * CPU for a moment spoils one run, not the figure. */
                int reps = mode == SMOKE ? 1 : mode == QUICK ? 3 : 5;
                t->count = tp_count(sizes[s]);
                for (int r = 0; r < reps; r++) {
                    double secs = run_one(c, sizes[s], t->count, 0, 0);
                    if (r == 0 || secs < t->secs)
                        t->secs = secs;
                }
                t->state = 1;
            }
            if (verbose && t->state == 1)
                fprintf(stderr, "%s: %-34s %9s %10.1f MB/s\n", lab_prog,
                        series(c), size_name(sizes[s]), mbps((int)k, s));
        }
}

static void run_latency(void)
{
    long n = mode == SMOKE ? 64 : mode == QUICK ? 5000 : 100000;
    long pure_n = mode == QUICK ? 40 : 200;
    rtt = xmalloc((size_t)n * sizeof *rtt);
    for (size_t k = 0; k < NLAT; k++) {
        const struct cfg *c = &lat_cfgs[k];
        struct lat_res *l = &lat[k];
        long count = c->wait == W_PURE ? pure_n : n;
        if (only != NULL && strncmp(series(c), only, strlen(only)) != 0) {
            l->state = -1;
            l->why = "left out by --only";
            continue;
        }
        if (!c->same_cpu && cpu_b < 0) {
            l->state = -1;
            l->why = "needs two CPUs";
            continue;
        }
        if (c->wait == W_PURE && mode == SMOKE) {
            l->state = -1;
            l->why = "not in a smoke run (slow on purpose)";
            continue;
        }
        double secs = run_one(c, 64, count, count / 10 + 8, 1);
        (void)secs;
        int64_t total = 0;
        for (long i = 0; i < count; i++)
            total += rtt[i];
        qsort(rtt, (size_t)count, sizeof *rtt, cmp_i64);
        l->state = 1;
        l->rts = count;
        l->min_us = (double)rtt[0] / 2e3;
        l->med_us = (double)rtt[count / 2] / 2e3;
        l->p99_us = (double)rtt[count * 99 / 100] / 2e3;
        l->rtps = (double)count / ((double)total / 1e9);
        if (verbose)
            fprintf(stderr, "%s: %-34s one-way median %.2f us\n", lab_prog,
                    series(c), l->med_us);
    }
    free(rtt);
}

static void run_copies(void)
{
    size_t len = mode == SMOKE ? MiB(8) : mode == QUICK ? MiB(64) : MiB(256);
    char path[1024];
    int in = temp_file(path, sizeof path);
    uint64_t *buf = xmalloc(CHUNK), sum = 0;
    for (size_t off = 0; off < len; off += CHUNK) {
        for (size_t i = 0; i < CHUNK / 8; i++)
            buf[i] = mix64(off + i);
        sum += sum_words(buf, CHUNK / 8);
        if (write_all(in, buf, CHUNK) == -1)
            fail(EXIT_FAILURE, path, "%s", errmsg);
    }
    free(buf);
    copies_run(&cp[0], 0, in, len, sum);
    copies_run(&cp[1], 1, in, len, sum);
    close(in);
}

/* ---- output: stdout facts, stderr numbers, CSV files --------------------------------- */

static FILE *csv_open(const char *name, const char *header)
{
    if (out_dir == NULL)
        return NULL;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", out_dir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        die(path);
    fprintf(f, "%s\n", header);
    return f;
}

static void csv_close(FILE *f, const char *name)
{
    if (f != NULL && fclose(f) != 0)
        die(name);
}

static FILE *sum_csv;

/* One figure of the summary: on stderr with -v, always in summary.csv. */
static void figure(const char *metric, double value, const char *unit)
{
    if (sum_csv != NULL)
        fprintf(sum_csv, "%s,%.6g,%s\n", metric, value, unit);
}

static const char *size_tag(size_t size)
{
    static char buf[4][32];
    static int next;
    char *b = buf[next++ % 4];
    snprintf(b, 32, "%s", size_name(size));
    for (char *p = b; *p; p++)
        if (*p == ' ')
            memmove(p, p + 1, strlen(p));
    return b;
}

static int size_index(size_t size)
{
    for (int s = 0; s < nsizes; s++)
        if (sizes[s] == size)
            return s;
    return -1;
}

static double best_pipe(int s)
{
    double a = mbps(P_PIPE_SAME, s), b = mbps(P_PIPE_CROSS, s);
    return isnan(b) || a > b ? a : b;
}

static int targets_missed, targets_total;

/* A target: value against goal (at_least: value >= goal, else <=). */
static void target(const char *name, double value, double goal, int at_least,
                   const char *unit, const char *what)
{
    char m[160];
    int met = !isnan(value) && (at_least ? value >= goal : value <= goal);
    double missed = isnan(value) ? NAN
                    : met        ? 0
                    : at_least   ? (goal - value) / goal * 100
                                 : (value - goal) / goal * 100;
    targets_total++;
    targets_missed += !met;
    snprintf(m, sizeof m, "target_%s", name);
    figure(m, value, unit);
    snprintf(m, sizeof m, "target_%s_goal", name);
    figure(m, goal, unit);
    snprintf(m, sizeof m, "target_%s_met", name);
    figure(m, isnan(value) ? NAN : met, "bool");
    snprintf(m, sizeof m, "target_%s_missed_by", name);
    figure(m, missed, "percent");
    fprintf(stderr, "  %-54s %9.3g %-5s goal %s %-6.3g %s", what, value, unit,
            at_least ? ">=" : "<=", goal,
            isnan(value) ? "not measured" : met ? "MET" : "MISSED");
    if (!isnan(value) && !met)
        fprintf(stderr, " by %.0f%%", missed);
    fputc('\n', stderr);
}

static void print_facts(void)
{
    printf("throughput, every message's sequence number and checksum checked:\n");
    for (size_t k = 0; k < NTP; k++) {
        const struct cfg *c = &tp_cfgs[k];
        char ok[256] = "", no[256] = "";
        const char *why = NULL;
        int all = 1;
        for (int s = 0; s < nsizes; s++) {
            char *dst = tp[k][s].state == 1 ? ok : no;
            if (tp[k][s].state != 1) {
                all = 0;
                why = tp[k][s].why;
            }
            snprintf(dst + strlen(dst), 256 - strlen(dst), "%s%s",
                     dst[0] ? ", " : "", size_name(sizes[s]));
        }
        printf("  %-17s %-10s ", c->mech, placement(c));
        if (all)
            printf("verified at every size\n");
        else if (ok[0])
            printf("verified at %s; not run at %s: %s\n", ok, no, why);
        else
            printf("not run: %s\n", why);
    }
    printf("latency, 64 B ping-pong, every ping and pong checked:\n");
    for (size_t k = 0; k < NLAT; k++) {
        const struct cfg *c = &lat_cfgs[k];
        printf("  %-17s %-10s %-10s ", c->mech, placement(c),
               c->type == T_RING ? wait_name[c->wait] : "kernel");
        if (lat[k].state == 1)
            printf("verified\n");
        else
            printf("not run: %s\n", lat[k].why);
    }
    printf("copies of one %s file from one process to another, counted on the data path:\n",
           size_name(cp[0].file_bytes));
    printf("  pipe           %.0f copies per byte (read file, write pipe, read pipe, write file); copy %s\n",
           cp[0].kernel_copies + cp[0].user_copies,
           cp[0].verified ? "identical" : "DIFFERS");
    printf("  shared memory  %.0f copies per byte (read file into the ring, write file from the ring); copy %s\n",
           cp[1].kernel_copies + cp[1].user_copies,
           cp[1].verified ? "identical" : "DIFFERS");
}

static void print_numbers(void)
{
    FILE *f = csv_open("throughput.csv",
                       "series,mechanism,placement,cpus,mode,size_bytes,messages,"
                       "seconds,mb_per_s,msgs_per_s,verified");
    fprintf(stderr, "\nthroughput, MB/s (1 MB = 10^6 bytes); ratio to the better pipe below\n");
    fprintf(stderr, "  %-34s %-6s", "series", "cpus");
    for (int s = 0; s < nsizes; s++)
        fprintf(stderr, " %9s", size_name(sizes[s]));
    fputc('\n', stderr);
    for (size_t k = 0; k < NTP; k++) {
        const struct cfg *c = &tp_cfgs[k];
        fprintf(stderr, "  %-34s %-6s", series(c), cpus(c));
        for (int s = 0; s < nsizes; s++) {
            double v = mbps((int)k, s);
            if (isnan(v))
                fprintf(stderr, " %9s", "-");
            else
                fprintf(stderr, " %9.0f", v);
            if (tp[k][s].state == 1 && f != NULL)
                fprintf(f, "%s,%s,%s,%s,%s,%zu,%ld,%.6f,%.3f,%.1f,yes\n", series(c),
                        c->mech, placement(c), cpus(c),
                        c->type == T_RING ? wait_name[c->wait] : "kernel",
                        sizes[s], tp[k][s].count, tp[k][s].secs, v,
                        (double)tp[k][s].count / tp[k][s].secs);
            if (!isnan(v)) {
                char m[160];
                snprintf(m, sizeof m, "throughput_%s_%s", series(c), size_tag(sizes[s]));
                figure(m, v, "MB/s");
                snprintf(m, sizeof m, "msgs_%s_%s", series(c), size_tag(sizes[s]));
                figure(m, (double)tp[k][s].count / tp[k][s].secs, "msgs/s");
                snprintf(m, sizeof m, "ratio_%s_vs_best_pipe_%s", series(c), size_tag(sizes[s]));
                figure(m, v / best_pipe(s), "x");
                if (c->type == T_RING && memcpy_one > 0) {
                    snprintf(m, sizeof m, "ratio_%s_vs_memcpy_%s", series(c), size_tag(sizes[s]));
                    figure(m, v / memcpy_one, "x");
                }
            }
        }
        fputc('\n', stderr);
    }
    for (size_t k = 0; k < NTP; k++) {
        const struct cfg *c = &tp_cfgs[k];
        fprintf(stderr, "  %-34s %-6s", series(c), "/pipe");
        for (int s = 0; s < nsizes; s++) {
            double v = mbps((int)k, s) / best_pipe(s);
            if (isnan(v))
                fprintf(stderr, " %9s", "-");
            else
                fprintf(stderr, " %8.2fx", v);
        }
        fputc('\n', stderr);
    }
    fprintf(stderr, "  ring vs memcpy (%s, one thread: %.0f MB/s):", size_name(memcpy_len), memcpy_one);
    for (int s = 0; s < nsizes; s++)
        fprintf(stderr, " %s %.2fx", size_name(sizes[s]), mbps(P_RING, s) / memcpy_one);
    fputc('\n', stderr);
    csv_close(f, "throughput.csv");

    f = csv_open("latency.csv", "series,mechanism,placement,cpus,mode,size_bytes,"
                                "roundtrips,median_us,p99_us,min_us,roundtrips_per_s,verified");
    fprintf(stderr, "\nlatency, one way (half a round trip of 64 B), microseconds\n");
    fprintf(stderr, "  %-34s %-6s %9s %9s %9s %11s\n", "series", "cpus", "median",
            "p99", "min", "round trips/s");
    for (size_t k = 0; k < NLAT; k++) {
        const struct cfg *c = &lat_cfgs[k];
        const struct lat_res *l = &lat[k];
        if (l->state != 1) {
            fprintf(stderr, "  %-34s %-6s not run: %s\n", series(c), cpus(c), l->why);
            continue;
        }
        fprintf(stderr, "  %-34s %-6s %9.2f %9.2f %9.2f %11.0f\n", series(c), cpus(c),
                l->med_us, l->p99_us, l->min_us, l->rtps);
        if (f != NULL)
            fprintf(f, "%s,%s,%s,%s,%s,64,%ld,%.4f,%.4f,%.4f,%.1f,yes\n", series(c),
                    c->mech, placement(c), cpus(c),
                    c->type == T_RING ? wait_name[c->wait] : "kernel", l->rts,
                    l->med_us, l->p99_us, l->min_us, l->rtps);
        char m[160];
        snprintf(m, sizeof m, "latency_%s_median", series(c));
        figure(m, l->med_us, "us");
        snprintf(m, sizeof m, "latency_%s_p99", series(c));
        figure(m, l->p99_us, "us");
        snprintf(m, sizeof m, "roundtrips_%s", series(c));
        figure(m, l->rtps, "per_s");
    }
    csv_close(f, "latency.csv");

    f = csv_open("memcpy.csv", "what,buffer_bytes,processes,mb_per_s");
    fprintf(stderr, "\nmemcpy of %s: one process %.0f MB/s; two at once (one per CPU) %.0f MB/s each\n",
            size_name(memcpy_len), memcpy_one, memcpy_two);
    if (f != NULL) {
        fprintf(f, "memcpy-one-process,%zu,1,%.1f\n", memcpy_len, memcpy_one);
        fprintf(f, "memcpy-two-processes-each,%zu,2,%.1f\n", memcpy_len, memcpy_two);
    }
    figure("memcpy_one_process", memcpy_one, "MB/s");
    figure("memcpy_two_processes_each", memcpy_two, "MB/s");
    figure("memcpy_buffer", (double)memcpy_len, "bytes");
    csv_close(f, "memcpy.csv");

    f = csv_open("copies.csv", "path,file_bytes,kernel_copies_per_byte,user_copies_per_byte,"
                               "copies_per_byte,sys_s,user_s,wall_s,mb_per_s,verified");
    fprintf(stderr, "\ncopies of a %s file: copies per byte, system and user seconds (both processes), wall\n",
            size_name(cp[0].file_bytes));
    for (int i = 0; i < 2; i++) {
        const struct copies *c = &cp[i];
        double total = c->kernel_copies + c->user_copies;
        fprintf(stderr, "  %-14s %4.2f copies  sys %.3f s  user %.3f s  wall %.3f s  %.0f MB/s\n",
                c->path, total, c->sys_s, c->user_s, c->wall_s,
                (double)c->file_bytes / 1e6 / c->wall_s);
        if (f != NULL)
            fprintf(f, "%s,%zu,%.2f,%.2f,%.2f,%.4f,%.4f,%.4f,%.1f,yes\n", c->path,
                    c->file_bytes, c->kernel_copies, c->user_copies, total, c->sys_s,
                    c->user_s, c->wall_s, (double)c->file_bytes / 1e6 / c->wall_s);
        char m[160];
        snprintf(m, sizeof m, "copies_%s_per_byte", c->path);
        figure(m, total, "copies");
        snprintf(m, sizeof m, "copies_%s_sys", c->path);
        figure(m, c->sys_s, "s");
        snprintf(m, sizeof m, "copies_%s_wall", c->path);
        figure(m, c->wall_s, "s");
    }
    if (cp[1].sys_s > 0)
        figure("copies_sys_ratio_pipe_vs_shm", cp[0].sys_s / cp[1].sys_s, "x");
    csv_close(f, "copies.csv");
}

static void print_targets(void)
{
    fprintf(stderr, "\ntargets (ring = ring-posix-shm, spin mode; pipe = the better of same-cpu and cross-cpu)\n");
    static const size_t want[] = {64, KiB(4), MiB(1)};
    static const double goal[] = {4, 3, 1.5};
    for (int i = 0; i < 3; i++) {
        int s = size_index(want[i]);
        char name[64], what[96];
        snprintf(name, sizeof name, "ring_vs_pipe_%s", size_tag(want[i]));
        snprintf(what, sizeof what, "ring / pipe throughput at %s", size_name(want[i]));
        target(name, s < 0 ? NAN : mbps(P_RING, s) / best_pipe(s), goal[i], 1, "x", what);
    }
    int s1m = size_index(MiB(1));
    char what[96];
    snprintf(what, sizeof what, "ring at 1 MiB / memcpy of %s", size_name(memcpy_len));
    target("ring_1MiB_vs_memcpy", s1m < 0 ? NAN : mbps(P_RING, s1m) / memcpy_one, 1, 1,
           "x", what);
    double spin = lat[L_RING_SPIN].state == 1 ? lat[L_RING_SPIN].med_us : NAN;
    double pipe_a = lat[L_PIPE_SAME].state == 1 ? lat[L_PIPE_SAME].med_us : NAN;
    double pipe_b = lat[L_PIPE_CROSS].state == 1 ? lat[L_PIPE_CROSS].med_us : NAN;
    double pipe = isnan(pipe_b) || pipe_a < pipe_b ? pipe_a : pipe_b;
    target("spin_latency_us", spin, 0.5, 0, "us", "ring one-way latency, spin mode, two CPUs");
    target("spin_latency_vs_pipe", spin / pipe, 1.0 / 3, 0, "x", "  ... / the better pipe's");
    double same = NAN;
    if (lat[L_RING_FUTEX_SAME].state == 1 && lat[L_RING_SPIN_SAME].state == 1)
        same = fmin(lat[L_RING_FUTEX_SAME].rtps, lat[L_RING_SPIN_SAME].rtps);
    target("same_cpu_roundtrips", same, 1000, 1, "per_s",
           "ring round trips/s on one CPU (bounded spin, both modes)");
    /* One size can be spoilt by a neighbour's burst: the target takes the
     * geometric mean over every size; the worst size is shown beside it. */
    double worst = NAN, logsum = 0;
    int nr = 0;
    for (int s = 0; s < nsizes; s++) {
        double r = mbps(P_DISK, s) / mbps(P_RING, s);
        if (isnan(r))
            continue;
        logsum += log(r);
        nr++;
        if (isnan(worst) || fabs(r - 1) > fabs(worst - 1))
            worst = r;
        char m[96];
        snprintf(m, sizeof m, "ratio_disk_file_vs_posix_shm_%s", size_tag(sizes[s]));
        figure(m, r, "x");
    }
    double gmean = nr > 0 ? exp(logsum / nr) : NAN;
    target("disk_file_vs_posix_shm_deviation", fabs(gmean - 1) * 100, 20, 0, "percent",
           "disk-file ring vs POSIX shm ring, |mean ratio - 1|");
    fprintf(stderr, "    (mean ratio %.2fx over %d sizes; worst size %.2fx)\n", gmean, nr, worst);
    figure("disk_file_vs_posix_shm_mean_ratio", gmean, "x");
    figure("disk_file_vs_posix_shm_worst_ratio", worst, "x");

    fprintf(stderr, "reported as they are:\n");
    if (lat[L_RING_FUTEX].state == 1) {
        double fu = lat[L_RING_FUTEX].med_us;
        fprintf(stderr, "  ring one-way latency, futex (blocking) mode, two CPUs: %.2f us median, %.2f us p99%s\n",
                fu, lat[L_RING_FUTEX].p99_us,
                fu > 5 ? ": a cross-CPU wake-up is this expensive here (a virtual machine?);"
                         " every blocking mechanism pays it" : "");
        figure("blocking_ring_latency_median", fu, "us");
    }
    if (lat[L_RING_PURE_SAME].state == 1) {
        fprintf(stderr, "  unbounded spin, both on one CPU: %.0f round trips/s (the collapse a bounded spin avoids)\n",
                lat[L_RING_PURE_SAME].rtps);
        figure("pure_spin_same_cpu_roundtrips", lat[L_RING_PURE_SAME].rtps, "per_s");
    }
    fprintf(stderr, "  write-back gap: ring-disk-msync (msync MS_SYNC at every wrap) / ring-posix-shm:");
    for (int s = 0; s < nsizes; s++) {
        double r = mbps(P_DISK_MSYNC, s) / mbps(P_RING, s);
        fprintf(stderr, " %s %.2fx", size_name(sizes[s]), r);
        char m[96];
        snprintf(m, sizeof m, "writeback_gap_disk_msync_vs_posix_shm_%s", size_tag(sizes[s]));
        figure(m, r, "x");
    }
    fputc('\n', stderr);
    struct statfs sf;
    const char *fs = "?";
    if (statfs(file_dir, &sf) == 0)
        fs = sf.f_type == 0xEF53 ? "ext2/3/4" : sf.f_type == 0x01021994 ? "tmpfs"
             : sf.f_type == 0x9123683E ? "btrfs" : sf.f_type == 0x58465342 ? "xfs" : "other";
    fprintf(stderr, "  the disk-file ring lives in %s (file system: %s)\n", file_dir, fs);
    figure("targets_total", targets_total, "count");
    figure("targets_missed", targets_missed, "count");
    if (targets_missed > 0)
        fprintf(stderr, "closing note: %d of %d targets missed (by how much: above). A smoke"
                        " or quick run on a busy machine is noisy: run BENCH=full to confirm.\n",
                targets_missed, targets_total);
    else
        fprintf(stderr, "closing note: every target met\n");
}

/* ---- main ------------------------------------------------------------------------- */

static void dir_check(const char *dir, const char *what)
{
    struct stat sb;
    if (stat(dir, &sb) == -1)
        die(dir);
    if (!S_ISDIR(sb.st_mode))
        fail(EXIT_FAILURE, dir, "not a directory (%s)", what);
    if (access(dir, W_OK | X_OK) == -1)
        die(dir);
}

int main(int argc, char *argv[])
{
    lab_init(argc, argv, "[--smoke|--quick|--full] [--out DIR] [--dir DIR] [--cpus A,B] [--only SERIES] [-v]");
    const char *cpu_arg = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--smoke") == 0)
            mode = SMOKE;
        else if (strcmp(a, "--quick") == 0)
            mode = QUICK;
        else if (strcmp(a, "--full") == 0)
            mode = FULL;
        else if (strcmp(a, "-v") == 0)
            verbose = 1;
        else if (strcmp(a, "--out") == 0 || strcmp(a, "--dir") == 0 ||
                 strcmp(a, "--cpus") == 0 || strcmp(a, "--only") == 0) {
            if (i + 1 >= argc)
                usage_error("%s needs a value", a);
            const char **dst = a[3] == 'u' ? &out_dir : a[2] == 'd' ? &file_dir
                               : a[2] == 'c' ? &cpu_arg : &only;
            *dst = argv[++i];
        } else
            usage_error("%s: unknown argument", a);
    }
    if (file_dir == NULL) {
        file_dir = getenv("TMPDIR");
        if (file_dir == NULL || file_dir[0] == '\0')
            file_dir = "/tmp";
    }
    dir_check(file_dir, "--dir");
    if (out_dir != NULL)
        dir_check(out_dir, "--out");

    /* The two CPUs: the first two we may run on, or --cpus A,B. */
    if (sched_getaffinity(0, sizeof orig_mask, &orig_mask) == -1)
        die("sched_getaffinity");
    if (cpu_arg != NULL) {
        char a[32], b[32];
        const char *comma = strchr(cpu_arg, ',');
        if (comma == NULL || comma - cpu_arg >= (long)sizeof a || strlen(comma + 1) >= sizeof b)
            usage_error("--cpus: '%s' is not A,B", cpu_arg);
        snprintf(a, sizeof a, "%.*s", (int)(comma - cpu_arg), cpu_arg);
        snprintf(b, sizeof b, "%s", comma + 1);
        cpu_a = (int)parse_long(a, 0, CPU_SETSIZE - 1, "--cpus");
        cpu_b = (int)parse_long(b, 0, CPU_SETSIZE - 1, "--cpus");
        if (cpu_a == cpu_b)
            usage_error("--cpus: give two different CPUs");
        if (!CPU_ISSET(cpu_a, &orig_mask) || !CPU_ISSET(cpu_b, &orig_mask))
            fail(EXIT_FAILURE, cpu_arg, "not CPUs this process may run on");
    } else {
        for (int c = 0; c < CPU_SETSIZE; c++)
            if (CPU_ISSET(c, &orig_mask)) {
                if (cpu_a < 0)
                    cpu_a = c;
                else if (cpu_b < 0)
                    cpu_b = c;
            }
    }

    /* Whatever happens, remove what we made and stop the child. */
    parent_pid = getpid();
    if (atexit(on_exit_cleanup) != 0)
        fail(EXIT_FAILURE, "atexit", "cannot register the cleanup");
    signal(SIGINT, on_term);
    signal(SIGTERM, on_term);
    signal(SIGHUP, on_term);
    signal(SIGPIPE, SIG_IGN); /* a dead reader is EPIPE, reported */
    set_sigchld();
    pmq_max = read_proc_long("/proc/sys/fs/mqueue/msgsize_max");
    sysv_max = read_proc_long("/proc/sys/kernel/msgmax");

    if (mode == SMOKE) {
        size_t s[] = {64, KiB(4), MiB(1)};
        nsizes = 3;
        memcpy(sizes, s, sizeof s);
    } else if (mode == QUICK) {
        size_t s[] = {64, KiB(1), KiB(4), KiB(64), MiB(1)};
        nsizes = 5;
        memcpy(sizes, s, sizeof s);
    } else {
        for (size_t v = 64; v <= MiB(1); v *= 2)
            sizes[nsizes++] = v;
    }
    printf("ipc_bench: %s run, message sizes", mode == SMOKE ? "smoke" : mode == QUICK ? "quick" : "full");
    for (int s = 0; s < nsizes; s++)
        printf("%s %s", s ? "," : "", size_name(sizes[s]));
    printf("\n");
    fflush(stdout);
    fprintf(stderr, "%s: CPUs %d and %d; POSIX mq messages up to %ld B, System V up to %ld B; "
                    "disk-file ring in %s\n", lab_prog, cpu_a, cpu_b, pmq_max, sysv_max, file_dir);

    /* The reference first, on a quiet pair of CPUs. */
    memcpy_len = mode == SMOKE ? MiB(4) : MiB(64);
    pin_to(cpu_a);
    memcpy_one = memcpy_mbps(memcpy_len, mode == SMOKE ? 2 : mode == QUICK ? 5 : 10);
    unpin();
    memcpy_two = cpu_b < 0 ? NAN : memcpy_two_mbps(memcpy_len, mode == SMOKE ? 2 : 5);

    run_throughput();
    run_latency();
    run_copies();

    print_facts();
    printf("memcpy reference (%s, one process, and two at once): measured\n", size_name(memcpy_len));
    printf("every transfer verified\n");
    fflush(stdout);

    sum_csv = csv_open("summary.csv", "metric,value,unit");
    print_numbers();
    print_targets();
    csv_close(sum_csv, "summary.csv");
    return 0;
}
