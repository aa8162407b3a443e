/* ipc_copies.c: does a pipe copy a file four times and shared memory twice?
 *
 * Usage: ipc_copies [--path KINDS] [--size MIB] [--dir DIR]
 *
 * Source 000 says that pipes and message queues copy the data four times
 * between the kernel and user space, and shared memory only twice: once
 * from the input file into the shared region, once from it to the output
 * file. That count is about moving a FILE from one process to another:
 *
 *  pipe, queue:  file --read--> buf A --write/send--> kernel --read/receive--> buf B --write--> file
 *                       (1)                (2)                     (3)                 (4)
 *  shared mem.:  file --read--> shared slot --write--> file
 *                       (1)                   (2)
 *
 * (Per message, a pipe and a shared ring both copy twice: in and out. The
 * saving is the two trips through the kernel's buffer, not a rule that
 * holds message by message.)
 *
 * This program moves one file of --size MiB (default 8) along each path:
 * a reader process (file to channel) and a writer process (channel to a
 * new file), then checks the copy. It does not count its own calls: the
 * kernel does. Before the two processes end, it reads their /proc/PID/io
 * (rchar: bytes read() in, wchar: bytes write()n out, by any descriptor)
 * and prints (rchar + wchar) / file size. Message queue calls (mq_send,
 * msgsnd, ...) are not read()/write() and the kernel does not add them to
 * rchar/wchar: for the queues that count shows only the file's two copies,
 * and scripts/bench and the lab's Check test count every call's bytes with
 * strace instead (the reader and writer's pids are on stderr for that).
 * KINDS, comma-separated, from: pipe, posix-mq, sysv-msg, posix-shm, sysv-shm (the ring of
 * ring.h in a POSIX or System V segment). The numbers (and seconds) go to
 * stderr as CSV lines; stdout holds the facts.
 *
 * Differences from the sources: they give no code for this.
 *
 * See also: ring.h, ipc_bench.c (the same paths, message by message).
 */
#define _GNU_SOURCE
#include "ring.h"

#include <fcntl.h>
#include <mqueue.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define CHUNK (128u << 10) /* bytes per read() */

enum path { P_PIPE, P_PMQ, P_SYSV_MSG, P_POSIX_SHM, P_SYSV_SHM, NPATH };
static const char *const path_name[NPATH] = {"pipe", "posix-mq", "sysv-msg", "posix-shm",
                                             "sysv-shm"};

static pid_t parent_pid;
static pid_t stage_pid[2];
static volatile sig_atomic_t stop_sig;
static int live_msqid = -1; /* removed from the main flow, never a handler */

static void on_exit_cleanup(void)
{
    if (getpid() != parent_pid)
        return;
    for (int k = 0; k < 2; k++)
        if (stage_pid[k] > 0)
            kill(stage_pid[k], SIGKILL);
    if (live_msqid != -1)
        msgctl(live_msqid, IPC_RMID, NULL);
    if (stop_sig != 0) {
        signal(stop_sig, SIG_DFL);
        raise(stop_sig);
    }
}

/* Async-signal-safe only: stop the stages, remember the signal; the main
 * flow's read() returns EINTR, it fails, and exit cleans up. */
static void on_term(int sig)
{
    stop_sig = sig;
    for (int k = 0; k < 2; k++)
        if (stage_pid[k] > 0)
            kill(stage_pid[k], SIGKILL);
}

static int parent_gone(void) { return getppid() != parent_pid; }

static void write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n == -1)
            die_child("write");
        p += n;
        len -= (size_t)n;
    }
}

/* Where the data goes between the two stages. */
struct channel {
    int pfd[2];
    mqd_t mq;
    int msqid;
    size_t msg_max;     /* a queue's largest message */
    void *mem;          /* the ring (shm paths) */
    size_t mem_len;
};

/* Stage 0 reads the file into the channel; stage 1 writes the channel
 * out to the file. A zero-length chunk ends the transfer. */
static void stage(enum path p, int k, struct channel *ch, int in, int out, char *buf)
{
    struct ring r;
    if (p == P_POSIX_SHM || p == P_SYSV_SHM)
        ring_attach(&r, ch->mem, W_FUTEX, parent_gone);
    size_t chunk = p == P_PMQ || p == P_SYSV_MSG ? ch->msg_max : CHUNK;
    long *mtext = (long *)buf; /* System V: mtype, then the data */
    for (;;) {
        ssize_t n = 0;
        if (p == P_POSIX_SHM || p == P_SYSV_SHM) {
            if (k == 0) {   /* read() straight into the shared slot: one copy */
                uint64_t *slot = ring_reserve(&r);
                if (slot == NULL)
                    die_child("ring");
                n = read(in, slot + 1, CHUNK);
                if (n == -1)
                    die_child("read");
                slot[0] = (uint64_t)n;
                if (ring_commit(&r) == -1)
                    die_child("msync");
            } else {        /* write() straight out of the shared slot: one copy */
                const uint64_t *slot = ring_peek(&r);
                if (slot == NULL)
                    die_child("ring");
                n = (ssize_t)slot[0];
                write_all(out, slot + 1, (size_t)n);
                ring_release(&r);
            }
        } else if (k == 0) {
            n = read(in, p == P_SYSV_MSG ? (char *)(mtext + 1) : buf, chunk);
            if (n == -1)
                die_child("read");
            if (p == P_SYSV_MSG)
                mtext[0] = 1; /* the mtype, in front of the data */
            if (p == P_PIPE && n > 0)
                write_all(ch->pfd[1], buf, (size_t)n);
            else if (p == P_PMQ && mq_send(ch->mq, buf, (size_t)n, 0) == -1)
                die_child("mq_send");
            else if (p == P_SYSV_MSG && msgsnd(ch->msqid, mtext, (size_t)n, 0) == -1)
                die_child("msgsnd");
        } else {
            if (p == P_PIPE)
                n = read(ch->pfd[0], buf, chunk);
            else if (p == P_PMQ)
                n = mq_receive(ch->mq, buf, ch->msg_max, NULL);
            else
                n = msgrcv(ch->msqid, mtext, chunk, 1, 0);
            if (n == -1)
                die_child("receive");
            write_all(out, p == P_SYSV_MSG ? (char *)(mtext + 1) : buf, (size_t)n);
        }
        if (n == 0) {
            if (p == P_PIPE && k == 0 && close(ch->pfd[1]) == -1) /* EOF */
                die_child("close");
            return;
        }
    }
}

/* A temporary file in dir, already unlinked: the descriptor is all we need. */
static int temp_file(const char *dir)
{
    int fd = open(dir, O_TMPFILE | O_RDWR, 0600);
    if (fd == -1)
        die(dir);
    return fd;
}

static uint64_t file_sum(int fd, size_t len, uint64_t *buf)
{
    uint64_t sum = 0;
    for (size_t off = 0; off < len; off += CHUNK) {
        size_t n = len - off < CHUNK ? len - off : CHUNK;
        if (pread(fd, buf, n, (off_t)off) != (ssize_t)n)
            die("pread");
        sum += sum_words(buf, n / 8);
    }
    return sum;
}

/* rchar and wchar of a live process, from the kernel's accounting. */
static void proc_io(pid_t pid, unsigned long long *rchar, unsigned long long *wchar)
{
    char path[64], key[32];
    unsigned long long v;
    snprintf(path, sizeof path, "/proc/%ld/io", (long)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        die(path);
    *rchar = *wchar = 0;
    while (fscanf(f, "%31[^:]: %llu\n", key, &v) == 2) {
        if (strcmp(key, "rchar") == 0)
            *rchar = v;
        else if (strcmp(key, "wchar") == 0)
            *wchar = v;
    }
    fclose(f);
}

/* A queue's largest message: its tunable, at most 8 KiB (the default). */
#define QUEUE_MSG_MAX (8 * 1024)
static long queue_limit(const char *tunable)
{
    long v = 0;
    FILE *f = fopen(tunable, "r");
    if (f != NULL) {
        if (fscanf(f, "%ld", &v) != 1)
            v = 0;
        fclose(f);
    }
    return v > 0 && v < QUEUE_MSG_MAX ? v : QUEUE_MSG_MAX;
}

static void make_channel(enum path p, struct channel *ch)
{
    memset(ch, 0, sizeof *ch);
    ch->pfd[0] = ch->pfd[1] = -1;
    ch->msqid = -1;
    ch->mq = (mqd_t)-1;
    if (p == P_PIPE && pipe(ch->pfd) == -1)
        die("pipe");
    if (p == P_PMQ) {
        char name[64];
        snprintf(name, sizeof name, "/ipc_copies-%s-%ld", getenv("LAB_RUN_ID") ? getenv("LAB_RUN_ID") : "",
                 (long)getpid());
        long max = queue_limit("/proc/sys/fs/mqueue/msgsize_max");
        struct mq_attr attr = {.mq_maxmsg = 4, .mq_msgsize = max};
        ch->mq = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
        if (ch->mq == (mqd_t)-1)
            die(name);
        if (mq_unlink(name) == -1) /* both stages inherit the descriptor */
            die(name);
        ch->msg_max = (size_t)max;
    }
    if (p == P_SYSV_MSG) {
        ch->msqid = live_msqid = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
        if (ch->msqid == -1)
            die("msgget");
        ch->msg_max = (size_t)queue_limit("/proc/sys/kernel/msgmax");
    }
    if (p == P_POSIX_SHM || p == P_SYSV_SHM) {
        uint32_t n, s;
        ch->mem_len = ring_bytes(CHUNK + 8, &n, &s);
        if (p == P_POSIX_SHM) {
            ch->mem = mmap(NULL, ch->mem_len, PROT_READ | PROT_WRITE,
                           MAP_SHARED | MAP_ANONYMOUS, -1, 0);
            if (ch->mem == MAP_FAILED)
                die("mmap");
        } else {
            int id = shmget(IPC_PRIVATE, ch->mem_len, IPC_CREAT | 0600);
            if (id == -1)
                die("shmget");
            ch->mem = shmat(id, NULL, 0);
            int err = errno;
            if (shmctl(id, IPC_RMID, NULL) == -1) /* it goes at the last detach */
                die("shmctl");
            errno = err;
            if (ch->mem == (void *)-1)
                die("shmat");
        }
        ring_init(ch->mem, CHUNK + 8);
    }
}

static void drop_channel(enum path p, struct channel *ch)
{
    if (ch->pfd[0] != -1 && (close(ch->pfd[0]) == -1 || close(ch->pfd[1]) == -1))
        die("close");
    if (ch->mq != (mqd_t)-1 && mq_close(ch->mq) == -1)
        die("mq_close");
    if (ch->msqid != -1) {
        live_msqid = -1;
        if (msgctl(ch->msqid, IPC_RMID, NULL) == -1)
            die("msgctl");
    }
    if (ch->mem != NULL && (p == P_SYSV_SHM ? shmdt(ch->mem) : munmap(ch->mem, ch->mem_len)) == -1)
        die("munmap");
}

/* Move the file along one path; print what the kernel counted. */
static void run_path(enum path p, int in, size_t len, uint64_t in_sum, const char *dir)
{
    struct channel ch;
    make_channel(p, &ch);
    int out = temp_file(dir);
    int go[2], done[2], release[2];
    if (pipe(go) == -1 || pipe(done) == -1 || pipe(release) == -1)
        die("pipe");
    if (lseek(in, 0, SEEK_SET) == -1)
        die("lseek");
    char *buf = malloc(CHUNK + 16);
    if (buf == NULL)
        die("malloc");
    for (int k = 0; k < 2; k++) {
        stage_pid[k] = fork();
        if (stage_pid[k] == -1)
            die("fork");
        if (stage_pid[k] == 0) {
            if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || parent_gone())
                _exit(1);
            close(go[1]);
            close(done[0]);
            close(release[1]);
            if (ch.pfd[0] != -1)
                close(ch.pfd[k == 0 ? 0 : 1]);
            char c;
            if (read(go[0], &c, 1) != 1) /* start together */
                _exit(1);
            stage(p, k, &ch, in, out, buf);
            free(buf);
            if (write(done[1], "d", 1) != 1) /* done: count my bytes now */
                _exit(1);
            while (read(release[0], &c, 1) > 0) /* until the parent has */
                ;
            _exit(0);
        }
    }
    close(go[0]);
    close(done[1]);
    close(release[0]);
    if (ch.pfd[0] != -1 && (close(ch.pfd[0]) == -1 || close(ch.pfd[1]) == -1))
        die("close");
    ch.pfd[0] = ch.pfd[1] = -1;
    fprintf(stderr, "%s: %s: reader pid %ld, writer pid %ld\n", lab_prog, path_name[p],
            (long)stage_pid[0], (long)stage_pid[1]);
    int64_t t0 = now_ns();
    if (write(go[1], "gg", 2) != 2)
        die("write");
    close(go[1]);
    char d[2];
    ssize_t n = 0, got;
    while (n < 2 && (got = read(done[0], d + n, (size_t)(2 - n))) > 0)
        n += got;
    if (n != 2)
        fail(EXIT_FAILURE, path_name[p], "a stage died before it was done");
    double secs = (double)(now_ns() - t0) / 1e9;
    unsigned long long rchar = 0, wchar = 0;
    for (int k = 0; k < 2; k++) {
        unsigned long long r, w;
        proc_io(stage_pid[k], &r, &w);
        rchar += r;
        wchar += w;
    }
    close(release[1]);
    close(done[0]);
    for (int k = 0; k < 2; k++) {
        int status;
        if (waitpid(stage_pid[k], &status, 0) == -1)
            die("waitpid");
        stage_pid[k] = 0;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            fail(EXIT_FAILURE, path_name[p], "a stage failed (status %#x)", status);
    }
    drop_channel(p, &ch);
    struct stat sb;
    if (fstat(out, &sb) == -1)
        die("fstat");
    int same = (size_t)sb.st_size == len && file_sum(out, len, (uint64_t *)buf) == in_sum;
    if (close(out) == -1)
        die("close");
    free(buf);
    if (!same)
        fail(EXIT_FAILURE, path_name[p], "the copy differs from the file");
    double copies = (double)(rchar + wchar) / (double)len;
    int queue = p == P_PMQ || p == P_SYSV_MSG;
    printf("  %-10s %.2f copies per byte by read()/write()%s; copy identical\n", path_name[p],
           copies, queue ? " (+ the queue's own, not counted there)" : "");
    fprintf(stderr, "csv: %s,%zu,%llu,%llu,%.4f,%.4f\n", path_name[p], len, rchar, wchar,
            copies, secs);
}

int main(int argc, char *argv[])
{
    lab_init(argc, argv, "[--path KINDS] [--size MIB] [--dir DIR]");
    const char *paths = "pipe,posix-mq,sysv-msg,posix-shm,sysv-shm", *dir = getenv("TMPDIR");
    long mib = 8;
    for (const char *opt; (opt = lab_option()) != NULL;) {
        if (strcmp(opt, "--path") == 0)
            paths = lab_optarg;
        else if (strcmp(opt, "--size") == 0)
            mib = parse_long(lab_optarg, 1, 4 * 1024, "--size");
        else if (strcmp(opt, "--dir") == 0)
            dir = lab_optarg;
    }
    lab_end_operands();
    if (dir == NULL || dir[0] == '\0')
        dir = "/tmp";
    int want[NPATH] = {0};
    for (const char *p = paths;;) {
        size_t n = strcspn(p, ",");
        int found = 0;
        for (int k = 0; k < NPATH; k++)
            if (strlen(path_name[k]) == n && strncmp(p, path_name[k], n) == 0)
                found = want[k] = 1;
        if (!found)
            usage_error("--path: '%.*s' is not one of pipe, posix-mq, sysv-msg, posix-shm, sysv-shm",
                        (int)n, p);
        p += n;
        if (*p++ != ',')
            break;
    }
    parent_pid = getpid();
    if (atexit(on_exit_cleanup) != 0)
        fail(EXIT_FAILURE, "atexit", "cannot register the cleanup");
    struct sigaction sa = {.sa_handler = on_term}; /* no SA_RESTART */
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGINT, &sa, NULL) == -1 || sigaction(SIGTERM, &sa, NULL) == -1 ||
        sigaction(SIGHUP, &sa, NULL) == -1)
        die("sigaction");

    /* The input file: made here, before any stage exists, so its writes
     * are in no stage's count. */
    size_t len = (size_t)mib << 20;
    int in = temp_file(dir);
    uint64_t *buf = malloc(CHUNK), sum = 0;
    if (buf == NULL)
        die("malloc");
    for (size_t off = 0; off < len; off += CHUNK) {
        for (size_t i = 0; i < CHUNK / 8; i++)
            buf[i] = mix64(off + i);
        sum += sum_words(buf, CHUNK / 8);
        write_all(in, buf, CHUNK);
    }
    free(buf);
    printf("one %ld MiB file from a reader process to a writer process, counted by the kernel:\n", mib);
    fflush(stdout);
    fprintf(stderr, "csv: path,file_bytes,rchar,wchar,io_copies_per_byte,seconds\n");
    for (int k = 0; k < NPATH; k++)
        if (want[k]) {
            run_path((enum path)k, in, len, sum, dir);
            fflush(stdout);
        }
    if (close(in) == -1)
        die("close");
    return 0;
}
