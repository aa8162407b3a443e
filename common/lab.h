/* lab.h: the few helpers every lab program shares.
 *
 * In the spirit of tlpi_hdr.h: one error idiom (die), a child-safe variant
 * (die_child), one usage idiom (usage_error), checked number parsing and the
 * page size; and, at the end, the bookkeeping several labs share: opening a
 * regular file with its size, catching SIGBUS/SIGSEGV with their si_code
 * names, naming a file system. Everything is static, so a program that
 * includes this header is still a single self-contained .c file a student
 * can read top to bottom.
 *
 * Include it after the program's feature-test macro:
 *     #define _GNU_SOURCE
 *     #include "lab.h"
 *
 * Messages always have the form "program: object: reason", on stderr.
 * Exit status: 0 success, 1 failure of a call, 2 bad usage.
 */
#ifndef LAB_H
#define LAB_H

#ifndef _GNU_SOURCE
#error "define _GNU_SOURCE before including lab.h (strerrorname_np, sigabbrev_np)"
#endif

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXIT_USAGE 2
/* The exit status of a kit's stub: "this part is not written yet". */
#define EXIT_TODO 99

/* The program's name for messages, and its usage line; set by lab_init(). */
static const char *lab_prog = "lab";
static const char *lab_usage_line = "";

/* ---- the command line ------------------------------------------------------
 * Every program reads its command line the same way:
 *
 *     lab_init(argc, argv, "[-v] [-n PROCS] NAME [SIZE]");
 *     for (const char *opt; (opt = lab_option()) != NULL; ) {
 *         if (strcmp(opt, "-v") == 0)
 *             verbose = 1;
 *         else if (strcmp(opt, "-n") == 0)
 *             procs = parse_long(lab_optarg, 1, 64, "PROCS");
 *     }
 *     const char *name = lab_operand("NAME");      // required
 *     const char *size_arg = lab_next_operand();   // optional: NULL if absent
 *     lab_end_operands();                          // nothing may follow
 *
 * The usage line is the one list of options: "[-n PROCS]" declares an option
 * -n taking an argument, "[-v]" or "[--demo]" a flag, "[--a | --b]" two
 * alternatives. Options come before operands; "--" ends them; an option the
 * usage line does not list is refused by name; short flags may be bundled
 * (-vk) and a short option's argument attached (-n4). An argument "-" or one
 * that starts with "-" and a digit is an operand (a negative number gets its
 * range error from parse_long). "--help" prints the usage line on stdout and
 * exits 0; every usage *error* is one line on stderr and exit 2.
 *
 * The operand names in the usage line tell a reader, and the suite's
 * bad-input matrix (scripts/test-bad-input), what each argument is:
 *   FILE     an existing regular file the program maps read-write
 *   INFILE   an existing file it only reads (a read-only file will do)
 *   NEWFILE  a file it creates, which must not exist yet
 *   OUTFILE  a file it creates or truncates
 *   PATH     any existing path (a System V key: ftok)
 *   DIR      a directory
 *   NAME     a POSIX IPC name, "/something"
 *   TEXT, COMMAND, ARG...  free text
 *   a|b|c    one of these words
 *   any other word in capitals (SIZE, N, SHMID, MODE, CHAR, ...): a value
 *            checked in full (a decimal number unless the program says so). */
static int lab_argc, lab_argi;
static char **lab_argv;
static int lab_options_done;
static const char *lab_bundle;   /* the rest of a bundle of short flags */
static const char *lab_optarg;   /* the argument of the last option, or NULL */

static inline void lab_help(void)
{
    printf("usage: %s %s\n", lab_prog, lab_usage_line);
    exit(fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}

static inline void lab_init(int argc, char *argv[], const char *usage)
{
    const char *slash = strrchr(argv[0], '/');
    lab_prog = slash ? slash + 1 : argv[0];
    lab_usage_line = usage;
    lab_argc = argc;
    lab_argv = argv;
    lab_argi = 1;
    if (argc > 1 && strcmp(argv[1], "--help") == 0)
        lab_help();  /* also for a program that reads argv itself */
}

/* A usage error: "prog: reason (usage: prog ARGS)" on one line, exit 2. */
__attribute__((format(printf, 1, 2), noreturn))
static inline void usage_error(const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fprintf(stderr, "%s: ", lab_prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (usage: %s %s)\n", lab_prog, lab_usage_line);
    exit(EXIT_USAGE);
}

/* Does the usage line list option `opt` ("-n", "--demo")? 0 if not, 1 for
 * a flag, 2 if it takes an argument (a word in capitals after it). */
static inline int lab_usage_option(const char *opt)
{
    size_t len = strlen(opt);
    for (const char *p = strstr(lab_usage_line, opt); p != NULL;
         p = strstr(p + 1, opt)) {
        char before = p == lab_usage_line ? ' ' : p[-1];
        const char *after = p + len;
        if (strchr("[| ", before) == NULL || strchr("]| ", *after) == NULL)
            continue;
        return *after == ' ' && after[1] >= 'A' && after[1] <= 'Z' ? 2 : 1;
    }
    return 0;
}

/* The next option, spelled as in the usage line ("-v", "--demo"), or NULL
 * when the options end. An option's argument is left in lab_optarg. */
static inline const char *lab_option(void)
{
    static char shortopt[3] = "-?";
    lab_optarg = NULL;
    if (lab_bundle == NULL) {
        if (lab_options_done || lab_argi >= lab_argc)
            return NULL;
        const char *arg = lab_argv[lab_argi];
        if (arg[0] != '-' || arg[1] == '\0' || (arg[1] >= '0' && arg[1] <= '9')) {
            lab_options_done = 1;  /* the first operand */
            return NULL;
        }
        lab_argi++;
        if (strcmp(arg, "--") == 0) {
            lab_options_done = 1;
            return NULL;
        }
        if (strcmp(arg, "--help") == 0)
            lab_help();
        if (arg[1] == '-') {  /* a long option: never bundled */
            int kind = lab_usage_option(arg);
            if (kind == 0)
                usage_error("%s: unknown option", arg);
            if (kind == 2) {
                if (lab_argi >= lab_argc)
                    usage_error("%s: needs a value", arg);
                lab_optarg = lab_argv[lab_argi++];
            }
            return arg;
        }
        lab_bundle = arg + 1;
    }
    shortopt[1] = *lab_bundle++;
    int kind = lab_usage_option(shortopt);
    if (kind == 0)
        usage_error("%s: unknown option", shortopt);
    if (kind == 2) {
        if (*lab_bundle != '\0')
            lab_optarg = lab_bundle;  /* -n4 */
        else if (lab_argi < lab_argc)
            lab_optarg = lab_argv[lab_argi++];
        else
            usage_error("%s: needs a value", shortopt);
        lab_bundle = NULL;
    } else if (*lab_bundle == '\0') {
        lab_bundle = NULL;
    }
    return shortopt;
}

/* The next operand, or NULL if there is none (an optional operand). */
static inline const char *lab_next_operand(void)
{
    if (lab_option() != NULL)  /* an option the program did not read */
        usage_error("%s: unknown option", lab_argv[lab_argi - 1]);
    return lab_argi < lab_argc ? lab_argv[lab_argi++] : NULL;
}

/* The next operand, which must be there: else "missing WHAT". */
static inline const char *lab_operand(const char *what)
{
    const char *arg = lab_next_operand();
    if (arg == NULL)
        usage_error("missing %s", what);
    return arg;
}

/* The operands not read yet, as a NULL-terminated array (maybe empty). */
static inline char **lab_rest(void)
{
    if (lab_option() != NULL)
        usage_error("%s: unknown option", lab_argv[lab_argi - 1]);
    char **rest = &lab_argv[lab_argi];
    lab_argi = lab_argc;
    return rest;
}

/* No operand may follow: else "'ARG': too many arguments". */
static inline void lab_end_operands(void)
{
    const char *extra = lab_next_operand();
    if (extra != NULL)
        usage_error("'%s': too many arguments", extra);
}

/* The symbolic name of an errno value, "ENOENT", or "E?" if unknown. */
static inline const char *errno_name(int err)
{
    const char *name = strerrorname_np(err);
    return name ? name : "E?";
}

/* The abbreviated name of a signal, "SIGBUS", or "SIG?" if unknown. */
static inline const char *signal_name(int sig)
{
    static char buf[16];
    const char *abbrev = sigabbrev_np(sig);
    if (abbrev == NULL)
        return "SIG?";
    snprintf(buf, sizeof buf, "SIG%s", abbrev);
    return buf;
}

/* Print "prog: object: reason (ENAME)" for the current errno and exit 1. */
static inline void die(const char *object)
{
    int err = errno;
    fprintf(stderr, "%s: %s: %s (%s)\n", lab_prog, object, strerror(err),
            errno_name(err));
    exit(EXIT_FAILURE);
}

/* The same, for a child after fork(): _exit, so the parent's stdio buffers
 * are not flushed a second time and its atexit handlers do not run. */
static inline void die_child(const char *object)
{
    int err = errno;
    fprintf(stderr, "%s: %s: %s (%s)\n", lab_prog, object, strerror(err),
            errno_name(err));
    fflush(stderr);
    _exit(EXIT_FAILURE);
}

/* Print "prog: object: formatted reason" and exit with the given status. */
__attribute__((format(printf, 3, 4), noreturn))
static inline void fail(int status, const char *object, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: %s: ", lab_prog, object);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(status);
}

/* Parse a whole decimal number in [min, max]: digits only, with a leading
 * '-' only if min is negative (no blanks, no '+', no hex). Anything else is
 * a usage error that names the argument ("OFFSET") and the text given; a
 * number out of range says the range. */
static inline long parse_long(const char *text, long min, long max,
                              const char *what)
{
    const char *digits = text[0] == '-' ? text + 1 : text;
    int ok = digits[0] != '\0';
    for (const char *p = digits; *p != '\0'; p++)
        if (*p < '0' || *p > '9')
            ok = 0;
    if (!ok)
        usage_error("%s: '%s' is not a whole decimal number", what, text);
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno == ERANGE || value < min || value > max)
        usage_error("%s: %s is out of range %ld..%ld", what, text, min, max);
    return value;
}

/* Parse a permission mode: 1 to 4 octal digits, 0..0777 ("600", "0644"). */
static inline long parse_mode(const char *text, const char *what)
{
    size_t len = strspn(text, "01234567");
    long mode = strtol(text, NULL, 8);
    if (len == 0 || len > 4 || text[len] != '\0' || mode > 0777)
        usage_error("%s: '%s' is not an octal mode 0..0777", what, text);
    return mode;
}

/* A POSIX IPC name (shm_open, sem_open, mq_open) as the standard makes it
 * portable: "/" and 1..NAME_MAX characters with no further slash. glibc
 * alone accepts some others (it adds a missing leading slash); the labs
 * refuse them with a usage error that says which rule is broken. */
static inline void check_ipc_name(const char *name)
{
    if (name[0] != '/')
        usage_error("NAME '%s': must start with '/'", name);
    if (name[1] == '\0')
        usage_error("NAME '/': needs at least one character after '/'");
    if (strchr(name + 1, '/') != NULL)
        usage_error("NAME '%s': no '/' allowed after the first", name);
    if (strlen(name + 1) > NAME_MAX)
        usage_error("NAME: %zu characters after '/', more than NAME_MAX (%d)",
                    strlen(name + 1), NAME_MAX);
}

/* What a solution region of the student kit does until it is written:
 * "prog: not implemented yet: TASK" on stderr, exit 99 (EXIT_TODO), so a
 * stub never passes, crashes or hangs. The reference programs never call it.
 *
 * A solution region in a lab program looks like this; the kit keeps the
 * "//| " lines (uncommented) and drops the rest of the region:
 *
 *     // BEGIN SOLUTION: map the file
 *     //| // TODO: map all LEN bytes of FD, shared and writable, ...
 *     //| lab_todo("map FILE with mmap(MAP_SHARED)");
 *     char *mapped = mmap(NULL, len, ...);
 *     ...
 *     // END SOLUTION
 */
__attribute__((noreturn))
static inline void lab_todo(const char *task)
{
    fflush(stdout);
    fprintf(stderr, "%s: not implemented yet: %s\n", lab_prog, task);
    exit(EXIT_TODO);
}

/* The page size, from the kernel at run time (4 KiB on x86-64, often
 * 16 or 64 KiB on arm64): never a constant. */
static inline long page_size(void)
{
    long size = sysconf(_SC_PAGESIZE);
    if (size <= 0)
        die("sysconf(_SC_PAGESIZE)");
    return size;
}

/* ---- opening a regular file ---------------------------------------------- */

#include <fcntl.h>
#include <sys/stat.h>

/* open(path, flags, mode) for a file the program will map or truncate, and
 * make sure it is a regular file; *size (when not NULL) gets its size.
 * Anything else (a directory, a FIFO, a device) is refused with
 * "prog: PATH: not a regular file", exit 1; a failed call dies naming PATH.
 * The open is non-blocking and the flag is taken off again, so that a FIFO
 * is refused at once instead of blocking open() until a writer comes. */
static inline int open_regular(const char *path, int flags, mode_t mode,
                               off_t *size)
{
    int fd = open(path, flags | O_NONBLOCK, mode);
    if (fd == -1 && errno == ENXIO)  /* a FIFO with no reader, a device */
        fail(EXIT_FAILURE, path, "not a regular file");
    if (fd == -1)
        die(path);
    struct stat sb;
    if (fstat(fd, &sb) == -1)
        die(path);
    if (!S_ISREG(sb.st_mode))
        fail(EXIT_FAILURE, path, "not a regular file");
    if (!(flags & O_NONBLOCK) && fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == -1)
        die(path);
    if (size != NULL)
        *size = sb.st_size;
    return fd;
}

/* ---- catching SIGBUS and SIGSEGV ----------------------------------------- */

#include <setjmp.h>
#include <signal.h>

/* What the last caught fault was. A program that asks "does this one
 * access fault, and with what?" calls catch_faults() once, then:
 *
 *     if (sigsetjmp(lab_fault.env, 1) == 0)
 *         map[offset] = 'x';          // the access; no fault if we go on
 *     else
 *         ... lab_fault.sig, .code and .addr say what it raised ...
 *
 * The handler copies three fields of its siginfo and jumps back to the
 * sigsetjmp(): a fault cannot be returned from (the access would fault
 * again), and the jump leaves the handler without calling anything. */
struct lab_fault {
    sigjmp_buf env;              /* where the handler jumps back to */
    volatile sig_atomic_t sig;   /* SIGBUS or SIGSEGV */
    volatile sig_atomic_t code;  /* its si_code: BUS_ADRERR, SEGV_ACCERR ... */
    void *volatile addr;         /* its si_addr: the address that faulted */
};
__attribute__((unused)) static struct lab_fault lab_fault;

static inline void lab_on_fault(int sig, siginfo_t *si, void *ctx)
{
    (void)ctx;
    lab_fault.sig = sig;
    lab_fault.code = si->si_code;
    lab_fault.addr = si->si_addr;
    siglongjmp(lab_fault.env, 1);
}

/* From now on SIGBUS and SIGSEGV jump back to lab_fault.env. */
static inline void catch_faults(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = lab_on_fault;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGBUS, &sa, NULL) == -1 || sigaction(SIGSEGV, &sa, NULL) == -1)
        die("sigaction");
    lab_fault.sig = 0;
}

/* SIGBUS and SIGSEGV kill the process again (their default action). */
static inline void stop_catching_faults(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGBUS, &sa, NULL) == -1 || sigaction(SIGSEGV, &sa, NULL) == -1)
        die("sigaction");
}

/* The name of a fault's si_code, "BUS_ADRERR", or "si_code N". */
static inline const char *si_code_name(int sig, int code)
{
    static char buf[32];
    if (sig == SIGBUS && code == BUS_ADRERR) return "BUS_ADRERR";
    if (sig == SIGBUS && code == BUS_ADRALN) return "BUS_ADRALN";
    if (sig == SIGBUS && code == BUS_OBJERR) return "BUS_OBJERR";
    if (sig == SIGSEGV && code == SEGV_MAPERR) return "SEGV_MAPERR";
    if (sig == SIGSEGV && code == SEGV_ACCERR) return "SEGV_ACCERR";
    if (code == SI_USER) return "SI_USER";  /* sent by kill(), not a fault */
    snprintf(buf, sizeof buf, "si_code %d", code);
    return buf;
}

/* ---- naming a file system ------------------------------------------------ */

/* The name of a file system from statfs()'s f_type: "tmpfs", "ext4" (ext2
 * and ext3 have the same number), ..., or the number in hex. */
static inline const char *fs_type_name(unsigned long type)
{
    static char other[32];
    switch (type) {
    case 0xEF53UL:     return "ext4";
    case 0x01021994UL: return "tmpfs";
    case 0x58465342UL: return "xfs";
    case 0x9123683EUL: return "btrfs";
    case 0x794C7630UL: return "overlay";
    case 0x6969UL:     return "nfs";
    case 0x2FC12FC1UL: return "zfs";
    case 0xF2F52010UL: return "f2fs";
    default:
        snprintf(other, sizeof other, "0x%lx", type);
        return other;
    }
}

#endif
