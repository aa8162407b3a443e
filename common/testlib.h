/* testlib.h: what every lab's Check test shares.
 *
 * A test file defines lab_suite(); testlib.c holds main(), which runs it with
 * Check and cleans up after it. What a test gets:
 *
 *   lab_tcase()      a TCase with a timeout and a fixture that gives every test
 *                    its own empty working directory (removed afterwards, also
 *                    when the test fails or dies by a signal);
 *   lab_run()        run a lab program from build/bin with arguments and
 *                    optional standard input, under a timeout, capturing its
 *                    stdout, stderr and wait status;
 *   lab_spawn() ...  the same, step by step, for multi-process handshakes;
 *   lab_probe_*()    does this one access fault, and with which signal/si_code;
 *   lab_unique_name  a POSIX IPC name unique to this run, removed by main()
 *                    if a test leaves it behind;
 *   LAB_SKIP()       end a test as "skipped", with the reason, when the machine
 *                    cannot run it (no huge pages, no permission): main()
 *                    prints TAP on stdout with "# SKIP reason" on its line;
 *   LAB_REPORT()     record what the machine did for a claim of handouts/claims.tsv, for
 *                    the reproduction report.
 */
#ifndef TESTLIB_H
#define TESTLIB_H

#include <check.h>
#include <stddef.h>
#include <sys/types.h>

/* Defined by each lab's test_<slug>.c. */
Suite *lab_suite(void);

/* A test case with a per-test temporary working directory and a timeout in
 * seconds (scaled by $LAB_TIMEOUT_SCALE, for valgrind), added to suite s. */
TCase *lab_tcase(Suite *s, const char *name, double timeout);

/* The page size of this machine. */
long lab_page(void);

/* Write len bytes to a new file (mode 0644), or fail the test. */
void lab_write_file(const char *path, const void *data, size_t len);
/* Read a whole file into a NUL-terminated malloc'd buffer; *len gets its size. */
char *lab_read_file(const char *path, size_t *len);
/* The size of a file, or fail the test. */
long long lab_file_size(const char *path);
/* The file system type name of a directory ("ext4", "tmpfs", ...). */
const char *lab_fs_type(const char *dir);
/* The symbolic name of an errno value, "ENOENT" (lab.h's errno_name(): a
 * test cannot include lab.h, whose fail() clashes with Check's macro). */
const char *lab_errno_name(int err);

/* The outcome of one run of a program. */
struct lab_result {
    int exited;    /* 1 if it exited normally; code is its exit status */
    int code;
    int signaled;  /* 1 if a signal killed it; sig is that signal */
    int sig;
    int timed_out; /* 1 if it was killed after its timeout */
    char *out;     /* everything it wrote on stdout, NUL-terminated */
    size_t out_len;
    char *err;     /* everything it wrote on stderr, NUL-terminated */
    size_t err_len;
};

/* A growing byte buffer, always NUL-terminated. */
struct lab_buf {
    char *data;
    size_t len, cap;
};

/* A program started by lab_spawn(), still running. */
struct lab_proc {
    pid_t pid;
    int pidfd;          /* pidfd_open(pid), readable when it ends; or -1 */
    int in_fd;          /* its stdin, or -1 once closed */
    int out_fd;         /* its stdout, or -1 at end of file */
    int err_fd;         /* its stderr, or -1 at end of file */
    const char *input;  /* what is still to be written to its stdin */
    size_t input_len;
    struct lab_buf out; /* its stdout so far */
    struct lab_buf err; /* its stderr so far */
    size_t line_start;  /* where lab_read_line goes on in out */
    char *line;         /* the last line returned by lab_read_line */
};

/* Run prog (a name in build/bin, or a path with a '/') with the
 * NULL-terminated arguments, in the current directory, feeding it `input`
 * (NULL: an empty stdin) and killing it after timeout_s seconds. */
void lab_run(struct lab_result *r, double timeout_s, const char *input,
             const char *prog, ...) __attribute__((sentinel));
/* The same with an argv array (argv[0] is the program). */
void lab_runv(struct lab_result *r, double timeout_s, const char *input,
              char *const argv[]);
void lab_result_free(struct lab_result *r);

/* lab_run() under strace -f, recording only the system calls named in
 * `calls` (strace's -e trace= list, "mmap,msync,munmap,close"): *trace gets
 * strace's log, one call a line (malloc'd). Returns 0 without running
 * anything if strace is not installed (then the test should LAB_SKIP). */
int lab_run_traced(struct lab_result *r, char **trace, double timeout_s,
                   const char *calls, const char *prog, ...)
    __attribute__((sentinel));

/* Make the programs this test starts next obey file permission bits even
 * when the test runs as root: the child drops CAP_DAC_OVERRIDE and
 * CAP_DAC_READ_SEARCH from its capability bounding set before exec, so a
 * 0444 file is read-only for it too. Returns 0 if that cannot be done (then
 * the test should LAB_SKIP). Without root this is a no-op that returns 1. */
int lab_obey_permissions(void);

/* Run prog with arguments (empty stdin, 10 s) into *r; it must exit 0, or the
 * test fails naming the command and quoting its stderr:
 *     LAB_RUN_OK(&r, "pshm_create", name, "100");   (no NULL at the end) */
#define LAB_RUN_OK(r, ...)                                                    \
    do {                                                                      \
        lab_run((r), 10, NULL, __VA_ARGS__, NULL);                            \
        ck_assert_msg((r)->exited && (r)->code == 0, "%s failed: %s",         \
                      #__VA_ARGS__, (r)->err);                                \
    } while (0)

/* The bad-input rule: the program exited (not by a signal) with `code`,
 * printed nothing on stdout and exactly one line on stderr, which starts with
 * "prog: " and contains `needle` (NULL: anything). */
void lab_assert_error(const struct lab_result *r, int code, const char *prog,
                      const char *needle);

/* Run prog with the NULL-terminated arguments (empty stdin, 10 s) and apply
 * the bad-input rule of lab_assert_error(); failures name the command line. */
void lab_expect_error(int code, const char *needle, const char *prog, ...)
    __attribute__((sentinel));

/* prog --help: exit 0, one line "usage: prog ..." on stdout, nothing on
 * stderr (the GNU convention: help is output, not an error). */
void lab_expect_help(const char *prog);

/* Start prog with pipes on stdin, stdout and stderr. */
void lab_spawn(struct lab_proc *p, const char *prog, ...)
    __attribute__((sentinel));
/* The next line the program prints on stdout (without the newline, in a
 * buffer owned by p), or NULL at end of file or after timeout_s seconds. */
const char *lab_read_line(struct lab_proc *p, double timeout_s);
/* Close its stdin and collect the rest of its output and its status; kill it
 * if it has not ended after timeout_s seconds. */
void lab_finish(struct lab_proc *p, struct lab_result *r, double timeout_s);

/* Does this one access fault? 0 if not, else the signal (SIGBUS, SIGSEGV);
 * *code gets the si_code and *addr the faulting address when non-NULL. */
int lab_probe_write(volatile char *p, char value, int *code, void **addr);
int lab_probe_read(const volatile char *p, int *code, void **addr);

/* A name for shm_open/sem_open/mq_open unique to this run and test:
 * "/labtest-<run>-<pid>-<tag>-<n>". */
void lab_unique_name(char *buf, size_t size, const char *tag);
/* The prefix of every such name (without the slash), for leak checks. */
const char *lab_name_prefix(void);

/* Skip the current test with a reason (it is reported as skipped, not
 * passed), and record an observation for a claim of handouts/claims.tsv. */
#define LAB_SKIP(...) \
    do { lab_skip_(__func__, __VA_ARGS__); return; } while (0)
#define LAB_REPORT(claim, verdict, ...) \
    lab_report_(__func__, (claim), (verdict), __VA_ARGS__)
void lab_skip_(const char *func, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void lab_report_(const char *func, const char *claim, const char *verdict,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
