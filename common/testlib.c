/* testlib.c: main() for every lab's Check suite, and the helpers of testlib.h.
 *
 * main() makes one temporary root directory for the whole binary; every test
 * gets its own directory below it and runs with it as working directory. When
 * the suite ends, main() removes the root and any POSIX IPC object carrying
 * this run's name prefix. If every test passed but such an object was left in
 * /dev/shm, that is a bug in a test or a program: main() names it and exits 3.
 * (A test that must die by a signal should shm_unlink its object as soon as it
 * has mapped it.)
 *
 * Output: TAP on stdout, one line a test, so a suite can be run directly, under
 * `prove`, or by scripts/run. Check has no "skipped" result: a test that calls
 * LAB_SKIP() passes as far as Check knows, and writes its name and reason to a
 * file in the root directory (the test runs in a child process). main() has
 * Check write its TAP to another file there, then copies it to stdout, turning
 * the line of each such test into "ok N - ...: skipped # SKIP reason".
 *
 * A program a test starts runs as the same user as the suite and may be
 * hostile: it must not be able to forge the suite's TAP. So the TAP goes out
 * on a copy of the suite's stdout on a close-on-exec descriptor; the suite's
 * own descriptor 1 becomes its stderr, so whatever a test or a program
 * prints lands there; Check's TAP file is a memfd, with no name in the file
 * system; a started program gets stdin, stdout and stderr and no other
 * descriptor; and the suite makes itself non-dumpable (the test processes
 * Check forks inherit that), so that a program of the same uid can neither
 * ptrace it nor open /proc/PID/fd or /proc/PID/mem of it or of its tests.
 *
 * Environment (set by scripts/run; all optional when running a test by hand):
 *   LAB_BIN            where the lab programs are (default: the build's bin)
 *   LAB_RUN_ID         a tag unique to this run, part of every IPC name
 *   LAB_NAME           the lab's folder name, for report lines
 *   LAB_REPORT_FILE    where LAB_REPORT() appends claim observations
 *   LAB_TIMEOUT_SCALE  multiplies every timeout (valgrind is slow)
 */
#define _GNU_SOURCE
/* lab.h first: check.h defines a macro fail() that would clash with its
 * fail(). From lab.h: catch_faults(), fs_type_name(), one copy for the
 * lab programs and the tests. */
#include "lab.h"
#include "testlib.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef LAB_BIN_DEFAULT
#define LAB_BIN_DEFAULT "build/bin"
#endif

static char root_dir[3072];  /* this binary's temporary root */
static char skip_file[3100]; /* root_dir/skips: "test<TAB>reason" lines */
static char test_dir[4096];  /* the current test's working directory */
static char prefix[128];     /* "labtest-<run>" */

/* ---- small utilities ---------------------------------------------------- */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double timeout_scale(void)
{
    const char *s = getenv("LAB_TIMEOUT_SCALE");
    double v = s ? strtod(s, NULL) : 1.0;
    return v >= 1.0 ? v : 1.0;
}

static int remove_entry(const char *path, const struct stat *sb, int flag,
                        struct FTW *ftw)
{
    (void)sb; (void)flag; (void)ftw;
    if (remove(path) == -1 && errno != ENOENT)
        fprintf(stderr, "testlib: remove %s: %s\n", path, strerror(errno));
    return 0;
}

static void remove_tree(const char *dir)
{
    if (dir[0] != '\0')
        nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

long lab_page(void)
{
    return sysconf(_SC_PAGESIZE);
}

/* ---- per-test working directory ---------------------------------------- */

static pid_t test_owner;  /* the process that made test_dir */

static void test_dir_cleanup(void)
{
    if (test_dir[0] != '\0' && getpid() == test_owner) {
        if (chdir(root_dir) == -1) { /* nothing more to do */ }
        remove_tree(test_dir);
        test_dir[0] = '\0';
    }
}

static void setup_test_dir(void)
{
    snprintf(test_dir, sizeof test_dir, "%s/t-XXXXXX", root_dir);
    ck_assert_msg(mkdtemp(test_dir) != NULL, "mkdtemp %s: %s", test_dir,
                  strerror(errno));
    ck_assert_msg(chdir(test_dir) == 0, "chdir %s: %s", test_dir,
                  strerror(errno));
    test_owner = getpid();
    /* Tests that die by SIGBUS or SIGSEGV on purpose leave no core file. */
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    /* A failed assertion ends the test with exit(): clean up then too. */
    static int registered;
    if (!registered) {
        atexit(test_dir_cleanup);
        registered = 1;
    }
}

TCase *lab_tcase(Suite *s, const char *name, double timeout)
{
    TCase *tc = tcase_create(name);
    tcase_add_checked_fixture(tc, setup_test_dir, test_dir_cleanup);
    tcase_set_timeout(tc, timeout * timeout_scale());
    suite_add_tcase(s, tc);
    return tc;
}

/* ---- files -------------------------------------------------------------- */

void lab_write_file(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ck_assert_msg(fd != -1, "open %s: %s", path, strerror(errno));
    ck_assert_msg(write(fd, data, len) == (ssize_t)len, "write %s", path);
    ck_assert_int_eq(close(fd), 0);
}

char *lab_read_file(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY);
    ck_assert_msg(fd != -1, "open %s: %s", path, strerror(errno));
    struct stat sb;
    ck_assert_int_eq(fstat(fd, &sb), 0);
    char *buf = malloc((size_t)sb.st_size + 1);
    ck_assert_ptr_nonnull(buf);
    size_t got = 0;
    for (;;) {
        ssize_t n = read(fd, buf + got, (size_t)sb.st_size - got);
        ck_assert_msg(n >= 0, "read %s: %s", path, strerror(errno));
        if (n == 0 || got + (size_t)n == (size_t)sb.st_size) {
            got += (size_t)n;
            break;
        }
        got += (size_t)n;
    }
    close(fd);
    buf[got] = '\0';
    if (len)
        *len = got;
    return buf;
}

long long lab_file_size(const char *path)
{
    struct stat sb;
    ck_assert_msg(stat(path, &sb) == 0, "stat %s: %s", path, strerror(errno));
    return (long long)sb.st_size;
}

const char *lab_errno_name(int err)
{
    return errno_name(err);
}

const char *lab_fs_type(const char *dir)
{
    struct statfs sf;
    if (statfs(dir, &sf) == -1)
        return "unknown";
    return fs_type_name((unsigned long)sf.f_type);
}

/* ---- running programs --------------------------------------------------- */

static void buf_add(struct lab_buf *b, const char *data, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (b->len + n + 1 > cap)
            cap *= 2;
        b->data = realloc(b->data, cap);
        ck_assert_ptr_nonnull(b->data);
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void resolve(char *path, size_t size, const char *prog)
{
    if (strchr(prog, '/') != NULL) {
        snprintf(path, size, "%s", prog);
        return;
    }
    const char *bin = getenv("LAB_BIN");
    snprintf(path, size, "%s/%s", bin && *bin ? bin : LAB_BIN_DEFAULT, prog);
}

/* The programs this test has started and not yet finished: when one of them
 * stops at a kit stub, the test must say so even if it was waiting for
 * another (a consumer waiting for a producer that never wrote). */
#define MAX_PROCS 16
static struct lab_proc *live[MAX_PROCS];

static void track_proc(struct lab_proc *p, int add)
{
    for (int i = 0; i < MAX_PROCS; i++) {
        if (add ? live[i] == NULL : live[i] == p) {
            live[i] = add ? p : NULL;
            return;
        }
    }
}

static int drop_dac;  /* set by lab_obey_permissions() for this test */

int lab_obey_permissions(void)
{
    if (geteuid() != 0)
        return 1;
    /* Can this process drop capabilities from its bounding set at all?
     * (A container may have taken CAP_SETPCAP away.) */
    if (prctl(PR_CAPBSET_READ, CAP_DAC_OVERRIDE, 0, 0, 0) < 0)
        return 0;
    drop_dac = 1;
    return 1;
}

static void spawnv(struct lab_proc *p, char *const argv[])
{
    char path[4096];
    int in[2], out[2], err[2];
    resolve(path, sizeof path, argv[0]);
    ck_assert_int_eq(pipe2(in, O_CLOEXEC), 0);
    ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
    ck_assert_int_eq(pipe2(err, O_CLOEXEC), 0);
    memset(p, 0, sizeof *p);
    p->pid = fork();
    ck_assert_msg(p->pid != -1, "fork: %s", strerror(errno));
    if (p->pid == 0) {
        /* No core files from programs that die by a signal on purpose. */
        struct rlimit no_core = {0, 0};
        setrlimit(RLIMIT_CORE, &no_core);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        if (drop_dac &&
            (prctl(PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, 0, 0, 0) == -1 ||
             prctl(PR_CAPBSET_DROP, CAP_DAC_READ_SEARCH, 0, 0, 0) == -1)) {
            dprintf(STDERR_FILENO, "testlib: PR_CAPBSET_DROP: %s\n",
                    strerror(errno));
            _exit(126);
        }
        dup2(in[0], STDIN_FILENO);
        dup2(out[1], STDOUT_FILENO);
        dup2(err[1], STDERR_FILENO);
        /* Nothing else: not Check's descriptors, not the suite's TAP. */
        if (syscall(SYS_close_range, 3U, ~0U, 0U) == -1)
            for (int fd = 3; fd < 1024; fd++)
                close(fd);
        execv(path, argv);
        dprintf(STDERR_FILENO, "testlib: exec %s: %s\n", path, strerror(errno));
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    close(err[1]);
    p->pidfd = (int)syscall(SYS_pidfd_open, p->pid, 0);
    track_proc(p, 1);
    p->in_fd = in[1];
    p->out_fd = out[0];
    p->err_fd = err[0];
    /* Writing to a program that has already exited must not kill the test. */
    signal(SIGPIPE, SIG_IGN);
}

#define MAX_ARGS 64

static void collect_args(char **argv, const char *prog, va_list ap)
{
    int n = 0;
    argv[n++] = (char *)prog;
    const char *a;
    while ((a = va_arg(ap, const char *)) != NULL) {
        ck_assert_msg(n < MAX_ARGS - 1, "too many arguments for %s", prog);
        argv[n++] = (char *)a;
    }
    argv[n] = NULL;
}

void lab_spawn(struct lab_proc *p, const char *prog, ...)
{
    char *argv[MAX_ARGS];
    va_list ap;
    va_start(ap, prog);
    collect_args(argv, prog, ap);
    va_end(ap);
    spawnv(p, argv);
}

static void fail_if_unwritten(struct lab_proc *first);

/* Move data between the program and our buffers until `done` holds, both
 * output pipes are at end of file, or the deadline passes. Returns 0 on
 * timeout, 1 otherwise. */
static int pump(struct lab_proc *p, double deadline,
                int (*done)(struct lab_proc *))
{
    while (p->out_fd != -1 || p->err_fd != -1) {
        if (done && done(p))
            return 1;
        if (p->in_fd != -1 && p->input_len == 0 && p->input != NULL) {
            close(p->in_fd);
            p->in_fd = -1;
        }
        struct pollfd fds[3];
        int nfds = 0, iout = -1, ierr = -1, iin = -1;
        if (p->out_fd != -1) { iout = nfds; fds[nfds++] = (struct pollfd){p->out_fd, POLLIN, 0}; }
        if (p->err_fd != -1) { ierr = nfds; fds[nfds++] = (struct pollfd){p->err_fd, POLLIN, 0}; }
        if (p->in_fd != -1 && p->input_len > 0) {
            iin = nfds;
            fds[nfds++] = (struct pollfd){p->in_fd, POLLOUT, 0};
        }
        double left = deadline - now();
        if (left <= 0)
            return 0;
        /* Look at the other programs of the test at least every 100 ms: one
         * of them may have stopped at a kit stub (see fail_if_unwritten). */
        fail_if_unwritten(p);
        int r = poll(fds, (nfds_t)nfds, left > 0.1 ? 100 : (int)(left * 1000) + 1);
        if (r == -1 && errno == EINTR)
            continue;
        ck_assert_msg(r != -1, "poll: %s", strerror(errno));
        char chunk[65536];
        if (iout != -1 && fds[iout].revents) {
            ssize_t n = read(p->out_fd, chunk, sizeof chunk);
            if (n > 0) buf_add(&p->out, chunk, (size_t)n);
            else { close(p->out_fd); p->out_fd = -1; }
        }
        if (ierr != -1 && fds[ierr].revents) {
            ssize_t n = read(p->err_fd, chunk, sizeof chunk);
            if (n > 0) buf_add(&p->err, chunk, (size_t)n);
            else { close(p->err_fd); p->err_fd = -1; }
        }
        if (iin != -1 && fds[iin].revents) {
            ssize_t n = write(p->in_fd, p->input, p->input_len);
            if (n > 0) { p->input += n; p->input_len -= (size_t)n; }
            else { p->input_len = 0; }  /* EPIPE: it stopped reading */
        }
    }
    return 1;
}

/* Read what a program has written to stderr so far, without waiting. */
static void drain_err(struct lab_proc *p)
{
    char chunk[4096];
    while (p->err_fd != -1) {
        struct pollfd pf = {p->err_fd, POLLIN, 0};
        if (poll(&pf, 1, 0) <= 0)
            return;
        ssize_t n = read(p->err_fd, chunk, sizeof chunk);
        if (n <= 0) {
            close(p->err_fd);
            p->err_fd = -1;
            return;
        }
        buf_add(&p->err, chunk, (size_t)n);
    }
}

/* A program that stopped at a stub of the student kit, or that the grader
 * could not build, says so in one stderr line ("prog: not implemented yet:
 * TASK", "prog: did not compile: ...", "prog: not handed in: ..."). That line
 * is the reason the test fails, whatever the test was waiting for. */
static void fail_if_unwritten(struct lab_proc *first)
{
    static const char *const marks[] = {": not implemented yet: ",
                                        ": did not compile", ": not handed in"};
    for (int k = -1; k < MAX_PROCS; k++) {
        struct lab_proc *p = k < 0 ? first : live[k];
        if (p == NULL)
            continue;
        drain_err(p);
        if (p->err.data == NULL)
            continue;
        for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++) {
            const char *hit = strstr(p->err.data, marks[i]);
            if (hit == NULL)
                continue;
            const char *start = hit;
            while (start > p->err.data && start[-1] != '\n')
                start--;
            const char *end = strchr(hit, '\n');
            int n = end ? (int)(end - start) : (int)strlen(start);
            /* The others wait for a part that does not exist: end them. */
            for (int j = 0; j < MAX_PROCS; j++) {
                if (live[j] != NULL && live[j] != p && live[j]->pid > 0) {
                    kill(live[j]->pid, SIGKILL);
                    waitpid(live[j]->pid, NULL, 0);
                    live[j] = NULL;
                }
            }
            ck_abort_msg("%.*s", n, start);
        }
    }
}

static int have_line(struct lab_proc *p)
{
    return p->out.len > p->line_start &&
           memchr(p->out.data + p->line_start, '\n',
                  p->out.len - p->line_start) != NULL;
}

const char *lab_read_line(struct lab_proc *p, double timeout_s)
{
    pump(p, now() + timeout_s * timeout_scale(), have_line);
    if (!have_line(p)) {
        fail_if_unwritten(p);
        return NULL;
    }
    char *start = p->out.data + p->line_start;
    char *nl = memchr(start, '\n', p->out.len - p->line_start);
    size_t n = (size_t)(nl - start);
    free(p->line);
    p->line = strndup(start, n);
    ck_assert_ptr_nonnull(p->line);
    p->line_start += n + 1;
    return p->line;
}

void lab_finish(struct lab_proc *p, struct lab_result *r, double timeout_s)
{
    double deadline = now() + timeout_s * timeout_scale();
    if (p->input == NULL && p->in_fd != -1) {
        close(p->in_fd);
        p->in_fd = -1;
    }
    int in_time = pump(p, deadline, NULL);
    memset(r, 0, sizeof *r);
    int status;
    pid_t w;
    /* The pipes can close before the process ends: wait for its pidfd to
     * become readable (it has ended), up to the deadline. */
    if (in_time && p->pidfd >= 0) {
        struct pollfd pf = {p->pidfd, POLLIN, 0};
        int ready;
        do {
            double left = deadline - now();
            ready = poll(&pf, 1, left > 0 ? (int)(left * 1000) + 1 : 0);
        } while (ready == -1 && errno == EINTR);
        in_time = ready > 0;
    }
    if (!in_time) {
        kill(p->pid, SIGKILL);
        r->timed_out = 1;
    }
    /* Without a pidfd (kernel before 5.3) this blocks; Check's test case
     * timeout still ends a hang. */
    while ((w = waitpid(p->pid, &status, 0)) == -1 && errno == EINTR)
        ;
    if (p->pidfd >= 0)
        close(p->pidfd);
    ck_assert_msg(w == p->pid, "waitpid: %s", strerror(errno));
    if (p->in_fd != -1) close(p->in_fd);
    if (p->out_fd != -1) close(p->out_fd);
    if (p->err_fd != -1) close(p->err_fd);
    p->in_fd = p->out_fd = p->err_fd = -1;
    r->exited = WIFEXITED(status);
    r->code = r->exited ? WEXITSTATUS(status) : -1;
    r->signaled = WIFSIGNALED(status);
    r->sig = r->signaled ? WTERMSIG(status) : 0;
    if (p->out.data == NULL) buf_add(&p->out, "", 0);
    if (p->err.data == NULL) buf_add(&p->err, "", 0);
    track_proc(p, 0);
    fail_if_unwritten(p);
    r->out = p->out.data;
    r->out_len = p->out.len;
    r->err = p->err.data;
    r->err_len = p->err.len;
    free(p->line);
    memset(p, 0, sizeof *p);
}

void lab_runv(struct lab_result *r, double timeout_s, const char *input,
              char *const argv[])
{
    struct lab_proc p;
    spawnv(&p, argv);
    p.input = input ? input : "";
    p.input_len = input ? strlen(input) : 0;
    lab_finish(&p, r, timeout_s);
}

void lab_run(struct lab_result *r, double timeout_s, const char *input,
             const char *prog, ...)
{
    char *argv[MAX_ARGS];
    va_list ap;
    va_start(ap, prog);
    collect_args(argv, prog, ap);
    va_end(ap);
    lab_runv(r, timeout_s, input, argv);
}

void lab_result_free(struct lab_result *r)
{
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof *r);
}

/* The bad-input rule; messages name `cmd` (the command line, or prog). */
static void assert_error(const struct lab_result *r, int code, const char *prog,
                         const char *needle, const char *cmd)
{
    ck_assert_msg(!r->timed_out, "%s: timed out", cmd);
    ck_assert_msg(r->exited, "%s: killed by signal %d, expected exit %d", cmd,
                  r->sig, code);
    ck_assert_msg(r->code == code, "%s: exited %d, expected %d (stderr: %s)",
                  cmd, r->code, code, r->err);
    ck_assert_msg(r->out_len == 0, "%s: printed on stdout: %s", cmd, r->out);
    const char *nl = strchr(r->err, '\n');
    ck_assert_msg(nl != NULL && nl[1] == '\0',
                  "%s: expected exactly one line on stderr, got: '%s'", cmd,
                  r->err);
    size_t n = strlen(prog);
    ck_assert_msg(strncmp(r->err, prog, n) == 0 && r->err[n] == ':' &&
                  r->err[n + 1] == ' ',
                  "%s: stderr does not start with '%s: ': %s", cmd, prog, r->err);
    if (needle)
        ck_assert_msg(strstr(r->err, needle) != NULL,
                      "%s: stderr does not mention '%s': %s", cmd, needle, r->err);
}

void lab_assert_error(const struct lab_result *r, int code, const char *prog,
                      const char *needle)
{
    assert_error(r, code, prog, needle, prog);
}

void lab_expect_error(int code, const char *needle, const char *prog, ...)
{
    char *argv[MAX_ARGS], cmd[1024];
    va_list ap;
    va_start(ap, prog);
    collect_args(argv, prog, ap);
    va_end(ap);
    size_t used = 0;
    cmd[0] = '\0';
    for (int i = 0; argv[i] != NULL && used < sizeof cmd; i++)
        used += (size_t)snprintf(cmd + used, sizeof cmd - used, "%s%s",
                                 i ? " " : "", argv[i]);
    struct lab_result r;
    lab_runv(&r, 10, NULL, argv);
    assert_error(&r, code, prog, needle, cmd);
    lab_result_free(&r);
}

void lab_expect_help(const char *prog)
{
    struct lab_result r;
    lab_run(&r, 10, NULL, prog, "--help", NULL);
    char want[256];
    snprintf(want, sizeof want, "usage: %s ", prog);
    ck_assert_msg(r.exited && r.code == 0, "%s --help: %s %d, expected exit 0",
                  prog, r.exited ? "exited" : "killed by signal",
                  r.exited ? r.code : r.sig);
    ck_assert_msg(strncmp(r.out, want, strlen(want)) == 0 &&
                  strchr(r.out, '\n') == r.out + r.out_len - 1,
                  "%s --help: stdout is not one line '%s...': '%s'", prog,
                  want, r.out);
    ck_assert_msg(r.err_len == 0, "%s --help: stderr is not empty: %s", prog,
                  r.err);
    lab_result_free(&r);
}

/* ---- fault probes ------------------------------------------------------- */

/* The lab programs' own catcher (lab.h): the handler records the signal,
 * si_code and address in lab_fault and jumps back to the sigsetjmp. */
static int probe(volatile char *wp, const volatile char *rp, char value,
                 int *code, void **addr)
{
    catch_faults();
    lab_fault.sig = 0;
    lab_fault.code = 0;
    lab_fault.addr = NULL;
    if (sigsetjmp(lab_fault.env, 1) == 0) {
        if (wp)
            *wp = value;
        else
            (void)*rp;
    }
    stop_catching_faults();
    if (code) *code = lab_fault.code;
    if (addr) *addr = lab_fault.addr;
    return lab_fault.sig;
}

int lab_probe_write(volatile char *p, char value, int *code, void **addr)
{
    return probe(p, NULL, value, code, addr);
}

int lab_probe_read(const volatile char *p, int *code, void **addr)
{
    return probe(NULL, p, 0, code, addr);
}

/* ---- names, skips and reports ------------------------------------------- */

const char *lab_name_prefix(void)
{
    return prefix;
}

void lab_unique_name(char *buf, size_t size, const char *tag)
{
    static unsigned counter;
    int n = snprintf(buf, size, "/%s-%ld-%s-%u", prefix, (long)getpid(), tag,
                     counter++);
    ck_assert_msg(n > 0 && (size_t)n < size, "name buffer too small");
}

/* "test_x_fn" -> "test_x": the name Check reports for the test. */
static void test_name(char *out, size_t size, const char *func)
{
    snprintf(out, size, "%s", func);
    size_t n = strlen(out);
    if (n > 3 && strcmp(out + n - 3, "_fn") == 0)
        out[n - 3] = '\0';
}

static void append_line(const char *envvar, const char *line)
{
    const char *path = getenv(envvar);
    if (path == NULL || *path == '\0') {
        fprintf(stderr, "%s", line);
        return;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    ck_assert_msg(fd != -1, "open %s: %s", path, strerror(errno));
    ck_assert_msg(write(fd, line, strlen(line)) == (ssize_t)strlen(line),
                  "write %s", path);
    close(fd);
}

static void clean_field(char *s)
{
    for (; *s; s++)
        if (*s == '\t' || *s == '\n')
            *s = ' ';
}

void lab_skip_(const char *func, const char *fmt, ...)
{
    char name[256], reason[1024], line[1400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    clean_field(reason);
    /* '#' would start a second TAP directive. */
    for (char *c = reason; *c; c++)
        if (*c == '#')
            *c = '+';
    test_name(name, sizeof name, func);
    snprintf(line, sizeof line, "%s\t%s\n", name, reason);
    int fd = open(skip_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    ck_assert_msg(fd != -1, "open %s: %s", skip_file, strerror(errno));
    ck_assert_msg(write(fd, line, strlen(line)) == (ssize_t)strlen(line),
                  "write %s", skip_file);
    close(fd);
}

void lab_report_(const char *func, const char *claim, const char *verdict,
                 const char *fmt, ...)
{
    char name[256], observed[2048], line[2600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(observed, sizeof observed, fmt, ap);
    va_end(ap);
    clean_field(observed);
    test_name(name, sizeof name, func);
    const char *lab = getenv("LAB_NAME");
    snprintf(line, sizeof line, "%s\t%s\t%s\t%s\t%s\n", lab ? lab : "?",
             name, claim, verdict, observed);
    append_line("LAB_REPORT_FILE", line);
}

/* ---- main --------------------------------------------------------------- */

/* The reason LAB_SKIP() gave for test `name`, from the skip file, or NULL. */
static const char *skip_reason(const char *name, char *buf, size_t size)
{
    FILE *f = fopen(skip_file, "r");
    if (f == NULL)
        return NULL;
    const char *found = NULL;
    size_t n = strlen(name);
    while (fgets(buf, (int)size, f) != NULL) {
        if (strncmp(buf, name, n) == 0 && buf[n] == '\t') {
            buf[strcspn(buf, "\n")] = '\0';
            memmove(buf, buf + n + 1, strlen(buf + n + 1) + 1);
            found = buf;
            break;
        }
    }
    fclose(f);
    return found;
}

/* Copy Check's TAP to tap, one line a test. Check writes each result as
 * "ok N - file:tcase:test: message" ("not ok" for a failure) with the
 * message as it is, and a message that quotes a program's output may hold
 * newlines, each followed by a line that reads as TAP ("ok 3 - ...:
 * Passed"). So each record is read as far as its message goes (Check's
 * results hold the message, from the test process itself) and written on
 * one line: newlines become " | ", and '#' is escaped as TAP's "\#", so
 * that a program can add no test and no directive either. A passed test
 * that called LAB_SKIP() becomes "ok N - file:tcase:test: skipped # SKIP
 * reason" (no test is a loop test: a skip is found by the test's name, the
 * third field). Returns how many tests were skipped. */
static int write_tap(FILE *tap, const char *tap_path, SRunner *sr)
{
    FILE *f = fopen(tap_path, "r");
    if (f == NULL) {
        fprintf(tap, "Bail out! no TAP from Check (%s: %s)\n", tap_path, strerror(errno));
        return 0;
    }
    /* All of it (no ck_assert here: this is not a test). */
    size_t len = 0, cap = 8192;
    char *text = malloc(cap);
    while (text != NULL) {
        len += fread(text + len, 1, cap - len - 1, f);
        if (len < cap - 1)
            break;
        char *more = realloc(text, cap *= 2);
        if (more == NULL)
            free(text);
        text = more;
    }
    fclose(f);
    if (text == NULL) {
        fprintf(tap, "Bail out! out of memory reading Check's TAP\n");
        return 0;
    }
    text[len] = '\0';
    int n = srunner_ntests_run(sr), skipped = 0;
    TestResult **results = srunner_results(sr);
    char *p = text;
    for (int i = 0; i < n; i++) {
        const char *msg = tr_msg(results[i]);
        size_t newlines = 0;
        for (const char *c = msg ? msg : ""; *c; c++)
            newlines += *c == '\n';
        int passed = tr_rtype(results[i]) == CK_PASS;
        char head[32];
        snprintf(head, sizeof head, "%s %d - ", passed ? "ok" : "not ok", i + 1);
        if (strncmp(p, head, strlen(head)) != 0) {
            fprintf(tap, "Bail out! Check's TAP does not match its result %d\n", i + 1);
            break;
        }
        /* The record: up to the newline that ends its message. */
        char *rec = p, *end = p;
        for (size_t k = 0;; k++) {
            end = strchr(end, '\n');
            if (end == NULL || k == newlines)
                break;
            end++;
        }
        if (end == NULL)
            end = rec + strlen(rec);
        p = *end ? end + 1 : end;
        *end = '\0';
        /* After " - ": skip the file and tcase fields to the test's name. */
        const char *name = strchr(rec + strlen(head), ':');
        name = name ? strchr(name + 1, ':') : NULL;
        const char *name_end = name ? strchr(name + 1, ':') : NULL;
        const char *why = NULL;
        char reason[1400];
        if (passed && name && name_end) {
            char test[256];
            snprintf(test, sizeof test, "%.*s", (int)(name_end - name - 1), name + 1);
            why = skip_reason(test, reason, sizeof reason);
        }
        if (why) {
            fprintf(tap, "%.*s: skipped # SKIP %s\n", (int)(name_end - rec), rec, why);
            skipped++;
            continue;
        }
        for (const char *c = rec; *c; c++) {
            if (*c == '\n')
                fputs(" | ", tap);
            else if (*c == '#')
                fputs("\\#", tap);
            else
                fputc(*c, tap);
        }
        fputc('\n', tap);
    }
    fprintf(tap, "1..%d\n", n);
    free(results); /* the array only (Check's manual) */
    free(text);
    return skipped;
}

/* Remove what the suite left in /dev/shm under this run's prefix; return how
 * many entries there were. */
static int sweep_dev_shm(void)
{
    int found = 0;
    DIR *d = opendir("/dev/shm");
    if (d == NULL)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strstr(e->d_name, prefix) == NULL)
            continue;
        char path[512];
        snprintf(path, sizeof path, "/dev/shm/%s", e->d_name);
        fprintf(stderr, "testlib: left behind: %s (removed)\n", path);
        unlink(path);
        found++;
    }
    closedir(d);
    return found;
}

int main(void)
{
    /* See the top of this file: no process this suite starts may write its
     * TAP or read or write its memory. */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1) {
        fprintf(stderr, "testlib: prctl PR_SET_DUMPABLE: %s\n", strerror(errno));
        return 2;
    }
    fflush(stdout);
    int tap_fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 100);
    FILE *tap = tap_fd == -1 ? NULL : fdopen(tap_fd, "w");
    if (tap == NULL || dup2(STDERR_FILENO, STDOUT_FILENO) == -1) {
        fprintf(stderr, "testlib: the TAP descriptor: %s\n", strerror(errno));
        return 2;
    }

    const char *run = getenv("LAB_RUN_ID");
    if (run && *run)
        snprintf(prefix, sizeof prefix, "labtest-%s", run);
    else
        snprintf(prefix, sizeof prefix, "labtest-%ld", (long)getpid());

    /* Tests change directory: a relative LAB_BIN must become absolute. */
    const char *bin = getenv("LAB_BIN");
    if (bin && *bin && bin[0] != '/') {
        char *abs = realpath(bin, NULL);
        if (abs) {
            setenv("LAB_BIN", abs, 1);
            free(abs);
        }
    }

    const char *tmp = getenv("TMPDIR");
    snprintf(root_dir, sizeof root_dir, "%s/%s-XXXXXX",
             tmp && *tmp ? tmp : "/tmp", prefix);
    if (mkdtemp(root_dir) == NULL) {
        fprintf(stderr, "testlib: mkdtemp %s: %s\n", root_dir, strerror(errno));
        return 2;
    }

    /* Check's TAP goes to a file of ours (the environment variable would
     * take precedence); the TAP descriptor gets it with the skips marked.
     * The file is a memfd, which no other process can name (Check opens
     * it through /proc/self/fd); a file in the root where there is none. */
    char tap_path[3100];
    snprintf(skip_file, sizeof skip_file, "%s/skips", root_dir);
    int tap_mem = memfd_create("check-tap", MFD_CLOEXEC);
    if (tap_mem != -1)
        snprintf(tap_path, sizeof tap_path, "/proc/self/fd/%d", tap_mem);
    else
        snprintf(tap_path, sizeof tap_path, "%s/check.tap", root_dir);
    unsetenv("CK_TAP_LOG_FILE_NAME");
    fflush(stdout);  /* nothing buffered for the test children to repeat */
    SRunner *sr = srunner_create(lab_suite());
    srunner_set_tap(sr, tap_path);
    srunner_run_all(sr, CK_SILENT);
    int failed = srunner_ntests_failed(sr);
    int ntests = srunner_ntests_run(sr);
    int skipped = write_tap(tap, tap_path, sr);
    srunner_free(sr);
    fprintf(tap, "# %d tests: %d passed, %d failed, %d skipped\n", ntests,
            ntests - failed - skipped, failed, skipped);
    fclose(tap);

    /* Test directories go with the root: a test that ends by a signal on
     * purpose (tcase_add_test_raise_signal) cannot remove its own. */
    if (chdir("/") == -1) { /* remove_tree uses absolute paths */ }
    remove_tree(root_dir);
    int leftovers = sweep_dev_shm();
    if (failed)
        return 1;
    return leftovers ? 3 : 0;
}

/* ---- observing the calls a program makes --------------------------------- */

int lab_run_traced(struct lab_result *r, char **trace, double timeout_s,
                   const char *calls, const char *prog, ...)
{
    static const char *const places[] = {"/usr/bin/strace", "/bin/strace",
                                         "/usr/local/bin/strace"};
    const char *strace = NULL;
    for (size_t i = 0; i < sizeof places / sizeof places[0]; i++)
        if (access(places[i], X_OK) == 0) {
            strace = places[i];
            break;
        }
    *trace = NULL;
    if (strace == NULL)
        return 0;
    char path[4096], set[256], log[] = "strace.log";
    /* Under scripts/valgrind the programs in LAB_BIN are valgrind wrappers,
     * whose calls are valgrind's: LAB_TRACE_BIN names the plain programs. */
    const char *plain = getenv("LAB_TRACE_BIN");
    if (plain != NULL && *plain && strchr(prog, '/') == NULL)
        snprintf(path, sizeof path, "%s/%s", plain, prog);
    else
        resolve(path, sizeof path, prog);
    snprintf(set, sizeof set, "trace=%s", calls);
    /* LeakSanitizer cannot run under ptrace: in a sanitizer build
     * (SANITIZE=address) the traced program runs without it. */
    char asan[512];
    const char *cur = getenv("ASAN_OPTIONS");
    snprintf(asan, sizeof asan, "ASAN_OPTIONS=%s%sdetect_leaks=0", cur ? cur : "",
             cur && *cur ? ":" : "");
    char *argv[MAX_ARGS];
    int n = 0;
    const char *head[] = {strace, "-f", "-qq", "-e", "signal=none", "-e", set,
                          "-E", asan, "-o", log, "--", path};
    for (size_t i = 0; i < sizeof head / sizeof head[0]; i++)
        argv[n++] = (char *)head[i];
    va_list ap;
    va_start(ap, prog);
    const char *a;
    while ((a = va_arg(ap, const char *)) != NULL && n < MAX_ARGS - 1)
        argv[n++] = (char *)a;
    va_end(ap);
    argv[n] = NULL;
    unlink(log);
    lab_runv(r, timeout_s, NULL, argv);
    /* strace that cannot trace here (no ptrace in this container) says so
     * and writes no log: that is the same as no strace. */
    if (access(log, R_OK) != 0 || strncmp(r->err, "strace: ", 8) == 0) {
        unlink(log);
        lab_result_free(r);
        return 0;
    }
    *trace = lab_read_file(log, NULL);
    unlink(log);
    return 1;
}
