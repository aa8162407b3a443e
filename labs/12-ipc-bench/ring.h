/* ring.h: the message format and the shared-memory ring of lab 12.
 *
 * Why a header in a lab folder (the suite's programs are otherwise one .c
 * file each): the ring is the part of lab 12 a student writes, and three
 * files use the very same code: ipc_bench.c (the benchmark driver),
 * ipc_copies.c (a file through shared memory) and test_ring.c (the ring's
 * own Check tests, which build a ring in memory and corrupt a message). One
 * copy keeps them from drifting apart. The Makefile tracks it through the
 * compiler's dependency files (-MMD), so editing it rebuilds all three.
 *
 * Include it after the feature-test macro, like lab.h:
 *     #define _GNU_SOURCE
 *     #include "ring.h"
 *
 * THE MESSAGE. A message of S bytes (a multiple of 8, at least 16) is S/8
 * 64-bit words: word 0 is its sequence number, word 1 a check value, the
 * rest the payload, one of NPAT patterns used in turn. The check value is
 * sum(payload) + seq * GOLDEN. The receiver recomputes the payload's sum
 * while it copies the message out, and compares it both with the check
 * value and with the sum the pattern of that sequence number must have: a
 * lost, repeated, reordered, stale, torn or corrupted message is caught.
 *
 * THE RING. A single-producer single-consumer queue of fixed-size slots in
 * shared memory, with no lock:
 *
 *    control (3 cache lines)              nslots slots of slot_size bytes
 *   +------------+------------+------+   +--------+--------+-----+--------+
 *   |tail,c_wait |head,p_wait |sizes |   | slot 0 | slot 1 | ... |slot n-1|
 *   +------------+------------+------+   +--------+--------+-----+--------+
 *    producer's   consumer's            message i lives in slot i % nslots
 *
 * The producer owns `tail` (messages published so far), the consumer owns
 * `head` (messages consumed so far); tail - head is the number of full
 * slots (32-bit counters and a power-of-two nslots keep the subtraction
 * right across wrap-around). Each side writes only its own counter, with a
 * release store after the slot's bytes, and reads the other's with an
 * acquire load before touching a slot. A side that finds the ring full
 * (empty) sets its "waiting" flag and sleeps in FUTEX_WAIT on the other
 * side's counter; the other side calls FUTEX_WAKE only when that flag is
 * set. Mode "futex" sleeps at once; "spin" first spins up to 50 us; "pure"
 * never sleeps (it shows why a spin must be bounded on one CPU).
 *
 * Per message the ring copies twice (into the slot, out of the slot), like
 * a pipe (write, read): what it saves is the system calls, not copies.
 *
 * Differences from the sources: they give no code for a ring; this is the
 * usual lock-free SPSC design (as in the Linux io_uring and perf rings).
 *
 * See also: ipc_bench.c, ipc_copies.c, test_ring.c; lab 11 (semaphores).
 */
#ifndef RING_H
#define RING_H

#ifndef _GNU_SOURCE /* the includer defines it first; this is for a lone ring.h */
#define _GNU_SOURCE
#endif
#include "lab.h"

#include <linux/futex.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

#define NPAT 4                       /* payload patterns, used in turn */
#define GOLDEN 0x9E3779B97F4A7C15ull /* mixes the sequence number in */
#define RING_BYTES_WANTED (256u << 10) /* about this much room for slots */
#define RING_SPIN_NS 50000           /* spin mode: spin this long first */

#if defined(__x86_64__) || defined(__i386__)
#define cpu_relax() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define cpu_relax() __asm__ __volatile__("yield" ::: "memory")
#else
#define cpu_relax() atomic_signal_fence(memory_order_seq_cst)
#endif

static inline int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- the message ---------------------------------------------------------- */

static inline uint64_t mix64(uint64_t x)
{
    x += GOLDEN;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

static inline uint64_t sum_words(const uint64_t *w, size_t n)
{
    uint64_t a = 0, b = 0;
    size_t i = 0;
    for (; i + 1 < n; i += 2) {
        a += w[i];
        b += w[i + 1];
    }
    if (i < n)
        a += w[i];
    return a + b;
}

/* Copy n words and sum them in the same pass (the ring's receive). */
static inline uint64_t copy_sum_words(uint64_t *restrict dst,
                                      const uint64_t *restrict src, size_t n)
{
    uint64_t a = 0, b = 0;
    size_t i = 0;
    for (; i + 1 < n; i += 2) {
        uint64_t w0 = src[i], w1 = src[i + 1];
        dst[i] = w0;
        dst[i + 1] = w1;
        a += w0;
        b += w1;
    }
    if (i < n) {
        dst[i] = src[i];
        a += src[i];
    }
    return a + b;
}

/* The NPAT ready-made messages of one size; only the header changes. */
struct patterns {
    size_t size;
    uint64_t *msg[NPAT];
    uint64_t sum[NPAT];  /* the sum of each payload */
};

/* pad: spare bytes in front of each message (room for System V's mtype). */
static inline void patterns_make(struct patterns *p, size_t size, size_t pad)
{
    p->size = size;
    size_t words = size / 8;
    for (int k = 0; k < NPAT; k++) {
        char *base = malloc(size + pad);
        if (base == NULL)
            die("malloc");
        p->msg[k] = (uint64_t *)(base + pad);
        for (size_t i = 2; i < words; i++)
            p->msg[k][i] = mix64(((uint64_t)k << 48) ^ ((uint64_t)size << 24) ^ i);
        p->sum[k] = sum_words(p->msg[k] + 2, words - 2);
    }
}

static inline void patterns_free(struct patterns *p, size_t pad)
{
    for (int k = 0; k < NPAT; k++)
        free((char *)p->msg[k] - pad);
}

/* The message with sequence number seq, header filled in. */
static inline const void *message(struct patterns *p, uint64_t seq)
{
    uint64_t *m = p->msg[seq % NPAT];
    m[0] = seq;
    m[1] = p->sum[seq % NPAT] + seq * GOLDEN;
    return m;
}

enum msg_verdict { MSG_OK, MSG_BAD_SEQ, MSG_BAD_SUM };

/* Is buf (whose payload words sum to sum) message number seq? */
static inline enum msg_verdict msg_check(const struct patterns *p,
                                         const void *buf, uint64_t sum,
                                         uint64_t seq)
{
    const uint64_t *m = buf;
    if (m[0] != seq)
        return MSG_BAD_SEQ;
    if (sum != p->sum[seq % NPAT] || m[1] != sum + seq * GOLDEN)
        return MSG_BAD_SUM;
    return MSG_OK;
}

/* ---- the ring --------------------------------------------------------------- */

struct ring_ctl {
    _Alignas(64) _Atomic uint32_t tail; /* written by the producer only */
    _Atomic uint32_t cons_waiting;      /* the consumer sleeps on tail */
    _Alignas(64) _Atomic uint32_t head; /* written by the consumer only */
    _Atomic uint32_t prod_waiting;      /* the producer sleeps on head */
    _Alignas(64) uint32_t nslots, slot_size;
};

enum wait_mode { W_FUTEX, W_SPIN, W_PURE };
static const char *const wait_name[] = {"futex", "spin", "pure-spin"};

/* One process's view of one ring (its end: producer or consumer). */
struct ring {
    struct ring_ctl *ctl;
    char *slots;
    uint32_t mask, slot_size;
    uint32_t local;      /* my own counter (tail or head) */
    uint32_t cached;     /* the other side's counter, as last seen */
    enum wait_mode wait;
    int (*peer_gone)(void); /* has the other side died? NULL: never asks */
    void *sync_base;     /* msync(MS_SYNC) this much at every wrap, if set */
    size_t sync_len;
};

/* The bytes a ring for messages of msg_size bytes needs; its geometry. */
static inline size_t ring_bytes(size_t msg_size, uint32_t *nslots,
                                uint32_t *slot_size)
{
    size_t s = (msg_size + 63) & ~(size_t)63;
    size_t want = RING_BYTES_WANTED / s;
    uint32_t n = 4;
    while (n < want)
        n *= 2;
    *nslots = n;
    *slot_size = (uint32_t)s;
    return sizeof(struct ring_ctl) + (size_t)n * s;
}

/* Lay out an empty ring at mem (ring_bytes(msg_size) bytes, 64-aligned). */
static inline void ring_init(void *mem, size_t msg_size)
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

static inline void ring_attach(struct ring *r, void *mem, enum wait_mode w,
                               int (*peer_gone)(void))
{
    memset(r, 0, sizeof *r);
    r->ctl = mem;
    r->slots = (char *)mem + sizeof(struct ring_ctl);
    r->mask = r->ctl->nslots - 1;
    r->slot_size = r->ctl->slot_size;
    r->wait = w;
    r->peer_gone = peer_gone;
}

static inline long futex(_Atomic uint32_t *word, int op, uint32_t val,
                         const struct timespec *timeout)
{
    return syscall(SYS_futex, word, op, val, timeout, NULL, 0);
}

static inline int ring_peer_gone(const struct ring *r)
{
    return r->peer_gone != NULL && r->peer_gone();
}

/* Wait until *word is no longer old. In spin mode spin a bounded time
 * first; then set *flag (so the other side knows to wake us) and sleep in
 * FUTEX_WAIT. The sleep has a timeout only so that a dead peer is noticed.
 * Returns 0, or -1 with errno EPIPE (the peer died) or futex's errno. */
static inline int ring_wait(struct ring *r, _Atomic uint32_t *word,
                            uint32_t old, _Atomic uint32_t *flag)
{
    // BEGIN SOLUTION: wait for the other side (bounded spin, then futex)
    //| // TODO: return 0 as soon as *WORD differs from OLD. In spin mode
    //| // (r->wait == W_SPIN) spin for up to RING_SPIN_NS first (cpu_relax());
    //| // in W_PURE mode spin for ever (ask ring_peer_gone() now and then).
    //| // Then sleep: set *FLAG to 1, re-check *WORD (a full fence between),
    //| // FUTEX_WAIT on WORD with a 100 ms timeout; on waking clear *FLAG.
    //| // A dead peer (ring_peer_gone) is errno EPIPE and -1.
    //| (void)r, (void)word, (void)old, (void)flag;
    //| lab_todo("the ring: wait for the other side (ring_wait in ring.h)");
    int64_t start = 0;
    for (unsigned i = 0; r->wait != W_FUTEX; i++) {
        if (atomic_load_explicit(word, memory_order_acquire) != old)
            return 0;
        cpu_relax();
        if ((i & 15) != 15)
            continue;
        if (r->wait == W_PURE) {
            if ((i & 0xffff) == 0xffff && ring_peer_gone(r)) {
                errno = EPIPE;
                return -1;
            }
            continue;
        }
        int64_t t = now_ns();
        if (start == 0)
            start = t;
        else if (t - start > RING_SPIN_NS)
            break;
    }
    int ret = 0;
    for (;;) {
        atomic_store(flag, 1);
        atomic_thread_fence(memory_order_seq_cst);
        if (atomic_load(word) != old)
            break;
        struct timespec ts = {0, 100000000};
        if (futex(word, FUTEX_WAIT, old, &ts) == -1 && errno != EAGAIN &&
            errno != EINTR && errno != ETIMEDOUT) {
            ret = -1;
            break;
        }
        if (atomic_load(word) != old)
            break;
        if (ring_peer_gone(r)) {
            errno = EPIPE;
            ret = -1;
            break;
        }
    }
    int err = errno;
    atomic_store(flag, 0);
    errno = err;
    return ret;
    // END SOLUTION
}

/* Publish my counter and wake the other side if (and only if) it sleeps. */
static inline void ring_publish(_Atomic uint32_t *word, uint32_t value,
                                _Atomic uint32_t *flag)
{
    // BEGIN SOLUTION: publish a counter, wake a sleeper
    //| // TODO: store VALUE into *WORD with release order (the slot's bytes
    //| // must be visible before the counter), then a full fence, then
    //| // FUTEX_WAKE one waiter on WORD if *FLAG says the other side sleeps.
    //| (void)word, (void)value, (void)flag;
    //| lab_todo("the ring: publish a counter (ring_publish in ring.h)");
    atomic_store_explicit(word, value, memory_order_release);
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load_explicit(flag, memory_order_relaxed))
        futex(word, FUTEX_WAKE, 1, NULL);
    // END SOLUTION
}

/* The producer's side: a free slot to fill in place, or NULL if the ring
 * is full (no waiting); ring_commit() publishes it. */
static inline void *ring_try_reserve(struct ring *r)
{
    // BEGIN SOLUTION: the producer: find a free slot
    //| // TODO: the ring is full when r->local - (the consumer's head) equals
    //| // nslots (r->mask + 1). Look at r->cached first; only if that says
    //| // full, load ctl->head (acquire) into r->cached and look again.
    //| // Return the slot of message r->local, or NULL if still full.
    //| (void)r;
    //| lab_todo("the ring: reserve a free slot (ring_try_reserve in ring.h)");
    uint32_t t = r->local;
    if (t - r->cached == r->mask + 1) {
        r->cached = atomic_load_explicit(&r->ctl->head, memory_order_acquire);
        if (t - r->cached == r->mask + 1)
            return NULL;
    }
    return r->slots + (size_t)(t & r->mask) * r->slot_size;
    // END SOLUTION
}

/* Publish the slot ring_try_reserve gave: the consumer may now read it. */
static inline int ring_commit(struct ring *r)
{
    // BEGIN SOLUTION: the producer: publish the filled slot
    //| // TODO: count the message (r->local) and publish it as the new tail
    //| // with ring_publish(), waking the consumer if it sleeps.
    //| (void)r;
    //| lab_todo("the ring: publish a message (ring_commit in ring.h)");
    uint32_t t = ++r->local;
    ring_publish(&r->ctl->tail, t, &r->ctl->cons_waiting);
    // END SOLUTION
    /* The disk-file series with write-back: msync at every wrap. */
    if (r->sync_base != NULL && (r->local & r->mask) == 0 &&
        msync(r->sync_base, r->sync_len, MS_SYNC) == -1)
        return -1;
    return 0;
}

/* The consumer's side: the oldest full slot, to use in place, or NULL if
 * the ring is empty (no waiting); ring_release() frees it. */
static inline const void *ring_try_peek(struct ring *r)
{
    // BEGIN SOLUTION: the consumer: find the oldest message
    //| // TODO: the ring is empty when r->local equals the producer's tail.
    //| // Look at r->cached first; only if that says empty, load ctl->tail
    //| // (acquire) into r->cached and look again. Return the slot of message
    //| // r->local, or NULL if still empty.
    //| (void)r;
    //| lab_todo("the ring: find the oldest message (ring_try_peek in ring.h)");
    uint32_t h = r->local;
    if (h == r->cached) {
        r->cached = atomic_load_explicit(&r->ctl->tail, memory_order_acquire);
        if (h == r->cached)
            return NULL;
    }
    return r->slots + (size_t)(h & r->mask) * r->slot_size;
    // END SOLUTION
}

/* Give the slot ring_try_peek gave back to the producer. */
static inline void ring_release(struct ring *r)
{
    // BEGIN SOLUTION: the consumer: free the slot
    //| // TODO: count the message (r->local) and publish it as the new head
    //| // with ring_publish(), waking the producer if it sleeps.
    //| (void)r;
    //| lab_todo("the ring: free a slot (ring_release in ring.h)");
    uint32_t h = ++r->local;
    ring_publish(&r->ctl->head, h, &r->ctl->prod_waiting);
    // END SOLUTION
}

/* The same two, waiting while the ring is full (empty). NULL: errno says
 * why (EPIPE: the other process died). */
static inline void *ring_reserve(struct ring *r)
{
    void *slot;
    while ((slot = ring_try_reserve(r)) == NULL)
        if (ring_wait(r, &r->ctl->head, r->cached, &r->ctl->prod_waiting) == -1)
            return NULL;
    return slot;
}

static inline const void *ring_peek(struct ring *r)
{
    const void *slot;
    while ((slot = ring_try_peek(r)) == NULL)
        if (ring_wait(r, &r->ctl->tail, r->cached, &r->ctl->cons_waiting) == -1)
            return NULL;
    return slot;
}

/* Send one message: the producer's one copy, into the slot. */
static inline int ring_send(struct ring *r, const void *buf, size_t len)
{
    void *slot = ring_reserve(r);
    if (slot == NULL)
        return -1;
    memcpy(slot, buf, len);
    return ring_commit(r);
}

/* Receive one message into buf, copying and summing its payload in one
 * pass (the consumer's one copy); *sum gets the payload's sum for
 * msg_check(). */
static inline int ring_recv(struct ring *r, void *buf, size_t len, uint64_t *sum)
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

#endif
