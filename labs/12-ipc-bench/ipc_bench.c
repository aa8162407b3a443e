/* ipc_bench.c: how fast is shared memory really, against pipes, sockets and
 * message queues? (The benchmark harness: longer than 600 lines, for the
 * reason given below; the lab's own part, the ring, is ring.h.)
 *
 * Usage: ipc_bench [--smoke|--quick|--full] [--reps N] [--same-cpu]
 *                  [--no-latency] [--only SERIES,...] [--out DIR] [--dir DIR]
 *                  [--cpus A,B]
 *
 * Sources 000 and 002 say shared memory is the fastest IPC (source 000:
 * because a pipe or a message queue copies the data four times and shared
 * memory twice); sources 002 and 004 say a file mapping is slower than
 * System V shared memory because its data "is on disk". This program
 * measures, between two processes (parent and child, pinned to CPUs):
 *   - throughput for message sizes from 64 B to 1 MiB,
 *   - round-trip latency of 64 B ping-pongs (shown one way),
 * for a pipe, a FIFO, a UNIX stream socket, a POSIX and a System V message
 * queue, and the ring of ring.h over five backings of shared memory: POSIX
 * shm, a MAP_SHARED file on a disk file system (--dir, default $TMPDIR), a
 * file on /dev/shm, System V shm and an anonymous shared mapping; and
 * single-thread memcpy, the physical reference. Every message carries a
 * sequence number and a checksum that the receiver checks (ring.h), so a
 * fast wrong answer is impossible. --reps N repeats the whole set N times,
 * so that a script can give medians and spreads.
 *
 * Stdout holds only facts that do not depend on the machine (what was
 * verified, what could not run and why). The numbers go, one row per run,
 * to CSV files in --out DIR: throughput.csv, latency.csv, memcpy.csv and
 * skipped.csv. scripts/bench-summary turns them into tables, ratios,
 * medians and the verdicts on the sources' claims; this program computes
 * none of them.
 *
 * Placement: a series runs with both processes on one CPU (same-cpu) or on
 * two (cross-cpu). With one CPU allowed (taskset -c 0) the cross-cpu series
 * are skipped with that reason; --same-cpu runs every series on one CPU
 * (the graded run, which must read the same on any machine).
 *
 * Why this file is longer than 600 lines: it is the harness, not the lab's
 * exercise (that is the ring, ring.h, with its own tests). Eleven
 * mechanisms share one fork/handshake/cleanup machinery so that they
 * differ in nothing but the mechanism; split up, each part would repeat it.
 * The copies experiment is ipc_copies.c.
 *
 * Differences from the sources: they give no code for this. The two
 * processes are related (fork) so the backings differ in nothing but the
 * backing; unrelated processes are the subject of mq_peer.c.
 *
 * See also: ring.h (the ring), ipc_copies.c (four copies or two),
 * mq_peer.c (queues between unrelated processes), scripts/bench-summary,
 * throughput.gp, latency.gp, lab 11 (synchronisation).
 */
#define _GNU_SOURCE
#include "ring.h"

#include <fcntl.h>
#include <mqueue.h>
#include <sched.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#define KiB(n) ((size_t)(n) << 10)
#define MiB(n) ((size_t)(n) << 20)
/* Message buffers have 8 spare bytes in front of them: room for the long
 * mtype that System V msgsnd/msgrcv want before the data, so no queue has
 * to copy a message one extra time. */
#define PAD 8

/* ---- run-wide settings ---------------------------------------------------- */

enum run_mode { SMOKE, QUICK, FULL };
static enum run_mode mode = QUICK;
static const char *out_dir;   /* --out: CSV files go here (NULL: none) */
static const char *file_dir;  /* --dir: where the disk-file ring lives */
static int cpu_a = -1, cpu_b = -1; /* the two CPUs; cpu_b -1: only one */
static int same_cpu_only;     /* --same-cpu */
static int no_latency;        /* --no-latency */
static long reps = 1;         /* --reps */
static const char *only;      /* --only: run only series starting so */
static cpu_set_t orig_mask;
static long pmq_max = -1, sysv_max = -1; /* largest message each queue takes */

/* ---- cleanup: what must go even when we fail -------------------------------- */

static volatile pid_t child_pid;          /* the peer, while one runs */
static volatile sig_atomic_t child_gone;  /* set by SIGCHLD while active */
static volatile sig_atomic_t active;      /* an experiment is running */
static volatile sig_atomic_t stop_sig;    /* SIGINT, SIGTERM, SIGHUP came */
static volatile int live_msqid = -1;      /* a System V queue to remove */
static char fifo_paths[2][512];           /* FIFOs not yet unlinked */
static pid_t parent_pid;
static int is_child;

/* From the main flow only (exit, failure): msgctl is not signal-safe. */
static void on_exit_cleanup(void)
{
    if (is_child)
        return;
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
        if (fifo_paths[i][0] != '\0')
            unlink(fifo_paths[i]);
    if (stop_sig != 0) {
        signal(stop_sig, SIG_DFL);
        raise(stop_sig);
    }
}

/* SIGINT, SIGTERM, SIGHUP: only async-signal-safe calls here. Stop the
 * child and remove the FIFOs; with no System V queue alive nothing else is
 * left, so die by the signal. Else remember it: the interrupted call
 * returns EINTR, peer_gone() says stop, and the main flow fails, exits and
 * removes the queue in on_exit_cleanup(). */
static void on_term(int sig)
{
    if (!is_child) {
        if (child_pid > 0)
            kill(child_pid, SIGKILL);
        for (int i = 0; i < 2; i++)
            if (fifo_paths[i][0] != '\0')
                unlink(fifo_paths[i]);
        if (live_msqid != -1) {
            stop_sig = sig;
            return;
        }
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

/* The child died while we may be blocked on it: remember it. A blocked
 * call returns EINTR (no SA_RESTART), and during a System V queue run an
 * interval timer (on_tick) interrupts msgsnd/msgrcv every 100 ms, so a
 * death just before the call blocks is noticed too. */
static void on_chld(int sig)
{
    (void)sig;
    if (active)
        child_gone = 1;
}

static void on_tick(int sig) { (void)sig; }

static void handle(int sig, void (*fn)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = fn;
    sa.sa_flags = sig == SIGCHLD ? SA_NOCLDSTOP : 0; /* no SA_RESTART */
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, NULL) == -1)
        die("sigaction");
}

/* Interrupt blocking calls every 100 ms (on), or stop doing so (off). */
static void ticker(int on)
{
    struct itimerval it = {{0, on ? 100000 : 0}, {0, on ? 100000 : 0}};
    if (setitimer(ITIMER_REAL, &it, NULL) == -1)
        die("setitimer");
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

/* Has the other process gone away (or were we told to stop)? */
static int peer_gone(void)
{
    return stop_sig != 0 || (is_child ? getppid() != parent_pid : child_gone);
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

/* The ring's failures in words (ring.h sets errno). */
static int ring_err(void)
{
    return errno == EPIPE ? set_err("the other process died") : sys_err("ring");
}

/* Is buf (payload summing to sum) message number seq? Else say why. */
static int check_message(const struct patterns *p, const void *buf,
                         uint64_t sum, uint64_t seq)
{
    switch (msg_check(p, buf, sum, seq)) {
    case MSG_OK:
        return 0;
    case MSG_BAD_SEQ:
        return set_err("message %llu: got sequence number %llu",
                       (unsigned long long)seq,
                       (unsigned long long)((const uint64_t *)buf)[0]);
    case MSG_BAD_SUM:
        break;
    }
    return set_err("message %llu: checksum mismatch", (unsigned long long)seq);
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
        return ring_send(&c->ring, buf, len) == 0 ? 0 : ring_err();
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
        return ring_recv(&c->ring, buf, len, sum) == 0 ? 0 : ring_err();
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

/* Does a message of this size fit the queue? Its limits are tunables
 * (fs.mqueue.msgsize_max, kernel.msgmax), and a POSIX queue of 10 such
 * messages must also fit RLIMIT_MSGQUEUE. */
static int fits(const struct cfg *cfg, size_t size)
{
    if (cfg->type == T_PMQ) {
        struct rlimit rl;
        if (getrlimit(RLIMIT_MSGQUEUE, &rl) == -1)
            die("getrlimit");
        return (long)size <= pmq_max &&
               (rl.rlim_cur == RLIM_INFINITY || size * 10 + KiB(4) <= rl.rlim_cur);
    }
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
        ring_attach(&l->fwd.ring, fwd_mem, cfg->wait, peer_gone);
        if (l->two_way)
            ring_attach(&l->back.ring, back_mem, cfg->wait, peer_gone);
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
    patterns_make(&pat, size, PAD);
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

    if (cfg->type == T_SYSV)
        ticker(1);
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
    if (cfg->type == T_SYSV)
        ticker(0);
    pair_end(&p);
    unpin();
    link_destroy(&l);
    patterns_free(&pat, PAD);
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

/* ---- what is measured ------------------------------------------------------------- */

/* Every row has a name: a script reads the series by name, never by place. */
static const struct cfg tp_cfgs[] = {
    {"pipe", T_PIPE, 0, 0, 1, 0},
    {"pipe", T_PIPE, 0, 0, 0, 0},
    {"fifo", T_FIFO, 0, 0, 0, 0},
    {"unix-socket", T_SOCK, 0, 0, 0, 0},
    {"posix-mq", T_PMQ, 0, 0, 0, 0},
    {"sysv-msg", T_SYSV, 0, 0, 0, 0},
    {"ring-posix-shm", T_RING, B_POSIX, W_SPIN, 0, 0},
    {"ring-posix-shm", T_RING, B_POSIX, W_SPIN, 1, 0},
    {"ring-disk-file", T_RING, B_DISK, W_SPIN, 0, 0},
    {"ring-devshm-file", T_RING, B_DEVSHM, W_SPIN, 0, 0},
    {"ring-sysv-shm", T_RING, B_SYSV, W_SPIN, 0, 0},
    {"ring-anon", T_RING, B_ANON, W_SPIN, 0, 0},
    {"ring-disk-msync", T_RING, B_DISK, W_SPIN, 0, 1},
};
#define NTP (sizeof tp_cfgs / sizeof tp_cfgs[0])

static const struct cfg lat_cfgs[] = {
    {"pipe", T_PIPE, 0, 0, 1, 0},
    {"pipe", T_PIPE, 0, 0, 0, 0},
    {"fifo", T_FIFO, 0, 0, 0, 0},
    {"unix-socket", T_SOCK, 0, 0, 0, 0},
    {"posix-mq", T_PMQ, 0, 0, 0, 0},
    {"sysv-msg", T_SYSV, 0, 0, 0, 0},
    {"ring-posix-shm", T_RING, B_POSIX, W_FUTEX, 0, 0},
    {"ring-posix-shm", T_RING, B_POSIX, W_SPIN, 0, 0},
    {"ring-posix-shm", T_RING, B_POSIX, W_FUTEX, 1, 0},
    {"ring-posix-shm", T_RING, B_POSIX, W_SPIN, 1, 0},
    {"ring-posix-shm", T_RING, B_POSIX, W_PURE, 1, 0},
};
#define NLAT (sizeof lat_cfgs / sizeof lat_cfgs[0])

#define MAXSIZES 16
static size_t sizes[MAXSIZES];
static int nsizes;
static FILE *tp_csv, *lat_csv, *skip_csv;

/* What stdout says of a (series, size): 0 not run yet, 1 verified, -1 not run. */
struct state {
    int state;
    const char *why;
};
static struct state tp_state[NTP][MAXSIZES], lat_state[NLAT];

/* The placement a row really runs with (--same-cpu moves every row). */
static int same_cpu(const struct cfg *c) { return c->same_cpu || same_cpu_only; }

/* With --same-cpu, a cross-cpu row that has a same-cpu twin is left out. */
static int twin_left_out(const struct cfg *rows, size_t n, size_t k)
{
    if (!same_cpu_only || rows[k].same_cpu)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (rows[i].same_cpu && strcmp(rows[i].mech, rows[k].mech) == 0 &&
            rows[i].wait == rows[k].wait && rows[i].sync == rows[k].sync)
            return 1;
    return 0;
}

static const char *placement(const struct cfg *c)
{
    return same_cpu(c) ? "same-cpu" : "cross-cpu";
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
    snprintf(buf, sizeof buf, "%d+%d", cpu_a, same_cpu(c) ? cpu_a : cpu_b);
    return buf;
}

/* Is this series asked for (--only PREFIX,PREFIX)? */
static int wanted(const struct cfg *c)
{
    if (only == NULL)
        return 1;
    const char *s = series(c), *p = only;
    while (*p != '\0') {
        size_t n = strcspn(p, ",");
        if (n > 0 && strncmp(s, p, n) == 0)
            return 1;
        p += n + (p[n] == ',');
    }
    return 0;
}

/* Why a row cannot run here, or NULL. */
static const char *cannot_run(const struct cfg *c)
{
    static char why[96];
    if (!wanted(c))
        return "left out by --only";
    if (!same_cpu(c) && cpu_b < 0) {
        snprintf(why, sizeof why, "needs two CPUs (this process may run on CPU %d only)", cpu_a);
        return why;
    }
    return NULL;
}

static void skip_row(const struct cfg *c, size_t size, const char *why)
{
    if (skip_csv != NULL)
        fprintf(skip_csv, "%s,%s,%zu,%s\n", series(c), placement(c), size, why);
}

static long tp_count(size_t size)
{
    size_t budget = mode == SMOKE ? MiB(1) : mode == QUICK ? MiB(8) : MiB(256);
    long lo = mode == SMOKE ? 4 : mode == QUICK ? 16 : 256;
    long hi = mode == SMOKE ? 256 : mode == QUICK ? 10000 : 1000000;
    long n = (long)(budget / size);
    return n < lo ? lo : n > hi ? hi : n;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Sizes outer, series inner: the series compared with each other (the
 * disk-file ring and the System V ring, say) run one right after the other.
 * Each figure is the best of a few runs: another program taking a CPU for
 * a moment spoils one run, not the figure. */
static void run_throughput(long rep)
{
    int best_of = mode == SMOKE ? 1 : mode == QUICK ? 2 : 3;
    for (int s = 0; s < nsizes; s++)
        for (size_t k = 0; k < NTP; k++) {
            const struct cfg *c = &tp_cfgs[k];
            if (twin_left_out(tp_cfgs, NTP, k))
                continue;
            struct state *st = &tp_state[k][s];
            const char *why = cannot_run(c);
            if (why == NULL && !fits(c, sizes[s]))
                why = "larger than the queue allows";
            if (why != NULL) {
                if (rep == 0)
                    skip_row(c, sizes[s], why);
                st->state = -1;
                st->why = why;
                continue;
            }
            long count = tp_count(sizes[s]);
            double secs = 0;
            for (int b = 0; b < best_of; b++) {
                double t = run_one(c, sizes[s], count, 0, 0);
                if (b == 0 || t < secs)
                    secs = t;
            }
            st->state = 1;
            if (tp_csv != NULL)
                fprintf(tp_csv, "%s,%s,%s,%s,%s,%zu,%ld,%.6f,%.3f,%.1f,yes,%ld\n",
                        series(c), c->mech, placement(c), cpus(c),
                        c->type == T_RING ? wait_name[c->wait] : "kernel", sizes[s],
                        count, secs, (double)sizes[s] * (double)count / 1e6 / secs,
                        (double)count / secs, rep);
        }
}

static void run_latency(long rep)
{
    long n = mode == SMOKE ? 64 : mode == QUICK ? 2000 : 100000;
    long pure_n = mode == QUICK ? 40 : 200;
    rtt = xmalloc((size_t)n * sizeof *rtt);
    for (size_t k = 0; k < NLAT; k++) {
        const struct cfg *c = &lat_cfgs[k];
        if (twin_left_out(lat_cfgs, NLAT, k))
            continue;
        const char *why = cannot_run(c);
        if (why == NULL && c->wait == W_PURE && mode == SMOKE)
            why = "not in a smoke run (slow on purpose)";
        if (why != NULL) {
            if (rep == 0)
                skip_row(c, 64, why);
            lat_state[k].state = -1;
            lat_state[k].why = why;
            continue;
        }
        long count = c->wait == W_PURE ? pure_n : n;
        run_one(c, 64, count, count / 10 + 8, 1);
        int64_t total = 0;
        for (long i = 0; i < count; i++)
            total += rtt[i];
        qsort(rtt, (size_t)count, sizeof *rtt, cmp_i64);
        lat_state[k].state = 1;
        if (lat_csv != NULL)
            fprintf(lat_csv, "%s,%s,%s,%s,%s,64,%ld,%.4f,%.4f,%.4f,%.1f,yes,%ld\n",
                    series(c), c->mech, placement(c), cpus(c),
                    c->type == T_RING ? wait_name[c->wait] : "kernel", count,
                    (double)rtt[count / 2] / 2e3, (double)rtt[count * 99 / 100] / 2e3,
                    (double)rtt[0] / 2e3, (double)count / ((double)total / 1e9), rep);
    }
    free(rtt);
}

/* ---- output: stdout facts, CSV files ----------------------------------------------- */

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

/* What was verified. A queue's sizes depend on its limits (tunables), so
 * its line does not list them: skipped.csv does. */
static void print_facts(void)
{
    printf("throughput, every message's sequence number and checksum checked:\n");
    for (size_t k = 0; k < NTP; k++) {
        const struct cfg *c = &tp_cfgs[k];
        if (twin_left_out(tp_cfgs, NTP, k))
            continue;
        int ran = 0, other = 0;
        const char *why = NULL;
        for (int s = 0; s < nsizes; s++) {
            ran += tp_state[k][s].state == 1;
            if (tp_state[k][s].state != 1 &&
                strcmp(tp_state[k][s].why, "larger than the queue allows") != 0) {
                other = 1;
                why = tp_state[k][s].why;
            } else if (tp_state[k][s].state != 1 && why == NULL) {
                why = tp_state[k][s].why;
            }
        }
        int queue = c->type == T_PMQ || c->type == T_SYSV;
        printf("  %-17s %-10s ", c->mech, placement(c));
        if (ran > 0 && !other && queue) /* whatever its limits are set to */
            printf("verified at every size the queue takes\n");
        else if (ran == nsizes)
            printf("verified at every size\n");
        else if (ran > 0 && !other)
            printf("verified at every size the queue takes\n");
        else if (ran > 0)
            printf("verified at some sizes; not run at others: %s\n", why);
        else
            printf("not run: %s\n", why);
    }
    if (!no_latency)
        printf("latency, 64 B ping-pong, every ping and pong checked:\n");
    for (size_t k = 0; k < NLAT; k++) {
        const struct cfg *c = &lat_cfgs[k];
        if (twin_left_out(lat_cfgs, NLAT, k) || no_latency)
            continue;
        printf("  %-17s %-10s %-10s ", c->mech, placement(c),
               c->type == T_RING ? wait_name[c->wait] : "kernel");
        if (lat_state[k].state == 1)
            printf("verified\n");
        else
            printf("not run: %s\n", lat_state[k].why);
    }
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

/* Every name in --only must start some series: else a usage error. */
static void only_check(const char *list)
{
    const char *p = list;
    do {
        size_t n = strcspn(p, ",");
        int found = 0;
        for (int t = 0; t < 2 && !found; t++) {
            const struct cfg *rows = t ? lat_cfgs : tp_cfgs;
            size_t nrows = t ? NLAT : NTP;
            for (size_t k = 0; k < nrows && !found; k++)
                for (int same = 0; same < 2 && !found; same++) {
                    char name[96];
                    const char *pl = same ? "same-cpu" : "cross-cpu";
                    if (rows[k].type == T_RING)
                        snprintf(name, sizeof name, "%s/%s/%s", rows[k].mech,
                                 wait_name[rows[k].wait], pl);
                    else
                        snprintf(name, sizeof name, "%s/%s", rows[k].mech, pl);
                    found = n > 0 && strncmp(name, p, n) == 0;
                }
        }
        if (!found)
            usage_error("--only: '%.*s' starts no series (pipe, ring-posix-shm/spin, ...)",
                        (int)n, p);
        p += n;
    } while (*p++ == ',');
}

static void pick_cpus(const char *cpu_arg)
{
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
        return;
    }
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &orig_mask)) {
            if (cpu_a < 0)
                cpu_a = c;
            else if (cpu_b < 0)
                cpu_b = c;
        }
}

int main(int argc, char *argv[])
{
    lab_init(argc, argv, "[--smoke | --quick | --full] [--reps N] [--same-cpu] [--no-latency] "
                         "[--only SERIES,...] [--out DIR] [--dir DIR] [--cpus A,B]");
    const char *cpu_arg = NULL;
    for (const char *opt; (opt = lab_option()) != NULL;) {
        if (strcmp(opt, "--smoke") == 0)
            mode = SMOKE;
        else if (strcmp(opt, "--quick") == 0)
            mode = QUICK;
        else if (strcmp(opt, "--full") == 0)
            mode = FULL;
        else if (strcmp(opt, "--same-cpu") == 0)
            same_cpu_only = 1;
        else if (strcmp(opt, "--no-latency") == 0)
            no_latency = 1;
        else if (strcmp(opt, "--reps") == 0)
            reps = parse_long(lab_optarg, 1, 1000, "--reps");
        else if (strcmp(opt, "--only") == 0)
            only = lab_optarg;
        else if (strcmp(opt, "--out") == 0)
            out_dir = lab_optarg;
        else if (strcmp(opt, "--dir") == 0)
            file_dir = lab_optarg;
        else if (strcmp(opt, "--cpus") == 0)
            cpu_arg = lab_optarg;
    }
    lab_end_operands();
    if (only != NULL)
        only_check(only);
    if (file_dir == NULL) {
        file_dir = getenv("TMPDIR");
        if (file_dir == NULL || file_dir[0] == '\0')
            file_dir = "/tmp";
    }
    dir_check(file_dir, "--dir");
    if (out_dir != NULL)
        dir_check(out_dir, "--out");
    pick_cpus(cpu_arg);

    /* Whatever happens, remove what we made and stop the child. */
    parent_pid = getpid();
    if (atexit(on_exit_cleanup) != 0)
        fail(EXIT_FAILURE, "atexit", "cannot register the cleanup");
    handle(SIGINT, on_term);
    handle(SIGTERM, on_term);
    handle(SIGHUP, on_term);
    handle(SIGCHLD, on_chld);
    handle(SIGALRM, on_tick);
    signal(SIGPIPE, SIG_IGN); /* a dead reader is EPIPE, reported */
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
    if (cpu_b < 0)
        fprintf(stderr, "%s: CPU %d only", lab_prog, cpu_a);
    else
        fprintf(stderr, "%s: CPUs %d and %d", lab_prog, cpu_a, cpu_b);
    fprintf(stderr, "; POSIX mq messages up to %ld B, System V up to %ld B; disk-file ring in %s\n",
            pmq_max, sysv_max, file_dir);

    tp_csv = csv_open("throughput.csv", "series,mechanism,placement,cpus,mode,size_bytes,"
                                        "messages,seconds,mb_per_s,msgs_per_s,verified,rep");
    lat_csv = csv_open("latency.csv", "series,mechanism,placement,cpus,mode,size_bytes,"
                                      "roundtrips,median_us,p99_us,min_us,roundtrips_per_s,"
                                      "verified,rep");
    skip_csv = csv_open("skipped.csv", "series,placement,size_bytes,reason");
    FILE *mc = csv_open("memcpy.csv", "what,buffer_bytes,processes,mb_per_s,rep");
    /* Repetitions go round the whole set, so a neighbour's burst spoils
     * one repetition of a few series, not every repetition of one. */
    size_t memcpy_len = mode == SMOKE ? MiB(4) : MiB(64);
    for (long rep = 0; rep < reps; rep++) {
        pin_to(cpu_a);
        double one = memcpy_mbps(memcpy_len, mode == SMOKE ? 2 : 5);
        unpin();
        if (mc != NULL)
            fprintf(mc, "memcpy-one-process,%zu,1,%.1f,%ld\n", memcpy_len, one, rep);
        run_throughput(rep);
        if (!no_latency)
            run_latency(rep);
    }
    csv_close(mc, "memcpy.csv");
    csv_close(tp_csv, "throughput.csv");
    csv_close(lat_csv, "latency.csv");
    csv_close(skip_csv, "skipped.csv");

    print_facts();
    printf("memcpy reference (%s, one process): measured\n", size_name(memcpy_len));
    printf("every transfer verified\n");
    return 0;
}
