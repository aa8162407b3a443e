/* mq_peer.c: one end of a message queue between two unrelated processes.
 *
 * Usage: mq_peer recv|send posix|sysv NAME COUNT
 *
 * Source 004 says message queues work "only between related processes".
 * They do not: a queue has a name, and any process that knows it can use
 * it. Start the receiver, then, from anywhere (another shell, another
 * program), the sender with the same NAME:
 *
 *     mq_peer recv posix /lab12-q 100 &      mq_peer send posix /lab12-q 100
 *     mq_peer recv sysv ./q.key 100 &        mq_peer send sysv ./q.key 100
 *
 * posix: NAME is a POSIX message queue name ("/something"). The receiver
 * creates it (O_CREAT | O_EXCL, mode 0600) and prints "ready"; the sender
 * opens it by name and removes the name at once (mq_unlink): both hold a
 * descriptor, the name is no longer needed.
 * sysv: NAME is a file path. The receiver creates the file and a System V
 * queue with the key ftok(NAME, 'q') (IPC_CREAT | IPC_EXCL, 0600); the
 * sender finds the queue through the same key. The receiver removes the
 * queue (IPC_RMID) and the file when it is done, or when it gives up.
 *
 * Every message carries a sequence number, a checksum and the sender's pid
 * and parent pid; the receiver checks them all and says whether the sender
 * is its parent or its child (it is neither when started separately). The
 * receiver waits at most 10 s for each message, then cleans up and fails;
 * on SIGINT, SIGTERM or SIGHUP it removes the queue and dies by the signal
 * (the handler only sets a flag: the removal is the main flow's).
 *
 * See also: ipc_bench.c (the same queues, measured), lab 11.
 */
#define _GNU_SOURCE
#include "lab.h"

#include <fcntl.h>
#include <mqueue.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/stat.h>
#include <time.h>

#define WAIT_S 10 /* the receiver's patience, per message */

struct msg {
    uint64_t seq;
    uint64_t check;     /* seq * constant + sum of the other words */
    uint64_t pid, ppid; /* the sender's */
    uint64_t payload[4];
};

struct sysv_msg {
    long mtype;
    struct msg m;
};

static uint64_t checksum(const struct msg *m)
{
    uint64_t sum = m->seq * 0x9E3779B97F4A7C15ull + m->pid * 31 + m->ppid;
    for (int i = 0; i < 4; i++)
        sum += m->payload[i] * (uint64_t)(i + 3);
    return sum;
}

/* What the receiver must remove if it stops early. */
static const char *rm_name;
static const char *rm_path;
static int rm_msqid = -1;

/* From the main flow only: mq_unlink and msgctl are not async-signal-safe. */
static void remove_objects(void)
{
    if (rm_name != NULL)
        mq_unlink(rm_name); /* ENOENT if the sender already did */
    if (rm_msqid != -1)
        msgctl(rm_msqid, IPC_RMID, NULL);
    if (rm_path != NULL)
        unlink(rm_path);
}

/* SIGINT, SIGTERM, SIGHUP, SIGALRM: only remember it. The blocked receive
 * returns EINTR (no SA_RESTART) and the main flow removes the queue. A
 * signal that comes just before the call blocks is seen at the latest when
 * the wait for that message runs out (WAIT_S). */
static volatile sig_atomic_t stop_sig;

static void on_signal(int sig)
{
    stop_sig = sig;
}

/* The receive was interrupted or timed out: clean up and stop (or, for a
 * signal that is not ours, go on waiting: return). */
static void stopped(const char *name, long i)
{
    if (stop_sig == 0 && errno != ETIMEDOUT)
        return;
    remove_objects();
    if (stop_sig == 0 || stop_sig == SIGALRM)
        fail(EXIT_FAILURE, name, "gave up after %d s waiting for message %ld; queue removed",
             WAIT_S, i);
    signal(stop_sig, SIG_DFL);
    raise(stop_sig);
    exit(EXIT_FAILURE);
}

/* A failure in the receiver: remove the queue, then say why. */
static void recv_die(const char *object)
{
    int err = errno;
    remove_objects();
    errno = err;
    die(object);
}

static void receive(int sysv, const char *name, long count)
{
    mqd_t mq = (mqd_t)-1;
    int msqid = -1;
    struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART */
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGALRM, &sa, NULL) == -1 || sigaction(SIGTERM, &sa, NULL) == -1 ||
        sigaction(SIGINT, &sa, NULL) == -1 || sigaction(SIGHUP, &sa, NULL) == -1)
        die("sigaction");
    if (!sysv) {
        struct mq_attr attr = {.mq_maxmsg = 10, .mq_msgsize = sizeof(struct msg)};
        mq = mq_open(name, O_RDONLY | O_CREAT | O_EXCL, 0600, &attr);
        if (mq == (mqd_t)-1)
            die(name);
        rm_name = name;
    } else {
        int fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0600);
        if (fd == -1)
            die(name);
        close(fd);
        rm_path = name;
        key_t key = ftok(name, 'q');
        if (key == -1)
            recv_die(name);
        msqid = msgget(key, IPC_CREAT | IPC_EXCL | 0600);
        if (msqid == -1)
            recv_die("msgget");
        rm_msqid = msqid;
        fprintf(stderr, "%s: msqid %d\n", lab_prog, msqid);
    }
    printf("ready: %s queue created, waiting for %ld messages\n",
           sysv ? "System V" : "POSIX", count);
    fflush(stdout);

    long related = 0;
    for (long i = 0; i < count; i++) {
        struct sysv_msg sm;
        ssize_t n;
        if (!sysv) { /* a deadline of its own */
            struct timespec ts;
            if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
                recv_die("clock_gettime");
            ts.tv_sec += WAIT_S;
            n = mq_timedreceive(mq, (char *)&sm.m, sizeof sm.m, NULL, &ts);
        } else {
            alarm(WAIT_S);
            n = msgrcv(msqid, &sm, sizeof sm.m, 1, 0);
            alarm(0);
        }
        if (n == -1 && (errno == EINTR || errno == ETIMEDOUT)) {
            stopped(name, i);
            i--; /* a signal that is not ours: wait for this message again */
            continue;
        }
        if (n == -1)
            recv_die(sysv ? "msgrcv" : "mq_receive");
        if (n != (ssize_t)sizeof sm.m || sm.m.seq != (uint64_t)i ||
            sm.m.check != checksum(&sm.m)) {
            remove_objects();
            fail(EXIT_FAILURE, name, "message %ld is wrong (%zd bytes, sequence %llu)",
                 i, n, (unsigned long long)sm.m.seq);
        }
        if (sm.m.pid == (uint64_t)getppid() || sm.m.ppid == (uint64_t)getpid())
            related++;
    }
    remove_objects();
    if (!sysv && mq_close(mq) == -1)
        die("mq_close");
    printf("received %ld messages, every sequence number and checksum right\n", count);
    printf("the sender is %s\n", related ? "my parent or my child" : "neither my parent nor my child");
    printf("queue removed\n");
}

static void send_all(int sysv, const char *name, long count)
{
    mqd_t mq = (mqd_t)-1;
    int msqid = -1;
    if (!sysv) {
        mq = mq_open(name, O_WRONLY);
        if (mq == (mqd_t)-1)
            die(name);
        /* We hold a descriptor, so does the receiver: the name can go. */
        if (mq_unlink(name) == -1)
            die(name);
    } else {
        key_t key = ftok(name, 'q');
        if (key == -1)
            die(name);
        msqid = msgget(key, 0);
        if (msqid == -1)
            die("msgget");
    }
    for (long i = 0; i < count; i++) {
        struct sysv_msg sm = {.mtype = 1};
        sm.m.seq = (uint64_t)i;
        sm.m.pid = (uint64_t)getpid();
        sm.m.ppid = (uint64_t)getppid();
        for (int k = 0; k < 4; k++)
            sm.m.payload[k] = (uint64_t)i * 1000 + (uint64_t)k;
        sm.m.check = checksum(&sm.m);
        if (!sysv ? mq_send(mq, (const char *)&sm.m, sizeof sm.m, 0) == -1
                  : msgsnd(msqid, &sm, sizeof sm.m, 0) == -1)
            die(sysv ? "msgsnd" : "mq_send");
    }
    if (!sysv && mq_close(mq) == -1)
        die("mq_close");
    printf("sent %ld messages through the %s queue %s\n", count,
           sysv ? "System V" : "POSIX", sysv ? "found by its key" : "opened by name");
}

int main(int argc, char *argv[])
{
    lab_init(argc, argv, "recv|send posix|sysv NAME COUNT");
    const char *role = lab_operand("recv|send"), *kind = lab_operand("posix|sysv");
    const char *name = lab_operand("NAME"), *count_arg = lab_operand("COUNT");
    lab_end_operands();
    int recv = strcmp(role, "recv") == 0;
    if (!recv && strcmp(role, "send") != 0)
        usage_error("'%s': say recv or send", role);
    int sysv = strcmp(kind, "sysv") == 0;
    if (!sysv && strcmp(kind, "posix") != 0)
        usage_error("'%s': say posix or sysv", kind);
    if (!sysv)
        check_ipc_name(name);
    long count = parse_long(count_arg, 1, 1000000, "COUNT");
    if (recv)
        receive(sysv, name, count);
    else
        send_all(sysv, name, count);
    return 0;
}
