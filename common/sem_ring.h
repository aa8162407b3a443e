/* sem_ring.h: the protocol lab 11's sem_consumer and sem_producer agree on.
 *
 * Two programs that meet through one shared memory object must agree on its
 * layout to the byte; one definition, included by both, means they cannot
 * drift apart (the TLPI examples do the same with svshm_xfr.h for their
 * writer/reader pair). What the object holds, what the semaphores mean and
 * who creates and removes it is described in sem_consumer.c; the mapping,
 * the semaphore handshakes and the copying stay in the two programs. Here:
 * the layout, the wait that notices a dead peer, Ctrl-C handling and the hash
 * both ends print.
 *
 * Include it after lab.h.
 */
#ifndef SEM_RING_H
#define SEM_RING_H

#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

/* The header at offset 0 of the object. */
#define RING_MAGIC   0x6c616231u      /* "lab1", stored last: ready */
#define RING_VERSION 1u
struct ring {
    _Atomic uint32_t magic;
    uint32_t version;
    uint32_t nslots;                  /* number of slots */
    uint32_t slot_size;               /* payload bytes per slot */
    _Atomic int consumer;             /* PIDs, to notice a dead peer */
    _Atomic int producer;             /* 0 until a producer attaches */
    sem_t empty;                      /* free slots, starts at nslots */
    sem_t full;                       /* filled slots, starts at 0 */
};

/* Then the slots, from a 64-byte boundary: each a 32-bit length (0 = end of
 * data), then slot_size bytes, padded to 8. */
static inline size_t slots_offset(void)
{
    return (sizeof(struct ring) + 63) & ~(size_t)63;
}
static inline size_t slot_stride(uint32_t slot_size)
{
    return (4 + (size_t)slot_size + 7) & ~(size_t)7;
}
static inline size_t ring_size(uint32_t nslots, uint32_t slot_size)
{
    return slots_offset() + (size_t)nslots * slot_stride(slot_size);
}

/* Set by SIGINT, SIGTERM and SIGHUP. The handler only sets the flag: the
 * program sees it when its wait returns (EINTR, or the 250 ms tick) and
 * ends through exit(), where its own clean-up runs. */
__attribute__((unused)) static volatile sig_atomic_t ring_stop;

static inline void ring_on_signal(int sig)
{
    (void)sig;
    ring_stop = 1;
}

/* Ctrl-C, kill and a closed terminal end the wait with EINTR (no
 * SA_RESTART) instead of killing the process. */
static inline void ring_catch_stop_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = ring_on_signal;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGINT, &sa, NULL) == -1 || sigaction(SIGTERM, &sa, NULL) == -1 ||
        sigaction(SIGHUP, &sa, NULL) == -1)
        die("sigaction");
}

/* sem_wait() that cannot hang on a dead peer: wake every 250 ms and check
 * that the process whose PID is in *peer (0: none yet) still exists; fail
 * if it is gone or a stop signal came. */
static inline void wait_sem(sem_t *sem, _Atomic int *peer, const char *peer_name)
{
    for (;;) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 250000000;          /* a liveness check, not an order */
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        if (sem_timedwait(sem, &ts) == 0)
            return;
        /* The signal may have come just before the wait: then the wait
         * times out instead of failing with EINTR, and we end here too. */
        if (ring_stop)
            fail(EXIT_FAILURE, "signal", "interrupted, transfer abandoned");
        if (errno != EINTR && errno != ETIMEDOUT)
            die("sem_timedwait");
        int pid = atomic_load(peer);
        if (pid > 0 && kill(pid, 0) == -1 && errno == ESRCH)
            fail(EXIT_FAILURE, peer_name,
                 "process %d is gone before the end of data", pid);
    }
}

/* FNV-1a, 64 bits: a simple hash both ends compute over the data. */
#define FNV1A_START 0xcbf29ce484222325ULL
static inline uint64_t fnv1a(uint64_t h, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

#endif
