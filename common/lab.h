/* lab.h: the few helpers every lab program shares.
 *
 * In the spirit of tlpi_hdr.h: one error idiom (die), a child-safe variant
 * (die_child), one usage idiom (usage_error), checked number parsing and the
 * page size. Everything is static, so a program that includes this header is
 * still a single self-contained .c file a student can read top to bottom.
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

/* The program's name for messages; set by lab_init() from argv[0]. */
static const char *lab_prog = "lab";
static const char *lab_usage_line = "";

/* Remember the program name and its one-line usage; handle --help.
 * --help, like any other usage error, prints the usage line on stderr and
 * exits 2, so every program in the suite has the same CLI shape. */
static inline void lab_init(int argc, char *argv[], const char *usage)
{
    const char *slash = strrchr(argv[0], '/');
    lab_prog = slash ? slash + 1 : argv[0];
    lab_usage_line = usage;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fprintf(stderr, "%s: usage: %s %s\n", lab_prog, lab_prog, usage);
            exit(EXIT_USAGE);
        }
    }
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

/* A usage error: "prog: reason (usage: prog ARGS)" on one line, exit 2. */
__attribute__((format(printf, 1, 2), noreturn))
static inline void usage_error(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", lab_prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (usage: %s %s)\n", lab_prog, lab_usage_line);
    exit(EXIT_USAGE);
}

/* Parse a whole decimal number in [min, max]; anything else is a usage
 * error that names the argument ("OFFSET") and the text given. */
static inline long parse_long(const char *text, long min, long max,
                              const char *what)
{
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (text[0] == '\0' || *end != '\0')
        usage_error("%s: '%s' is not a number", what, text);
    if (errno == ERANGE || value < min || value > max)
        usage_error("%s: %s is out of range %ld..%ld", what, text, min, max);
    return value;
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

#endif
