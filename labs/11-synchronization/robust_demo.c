/* robust_demo.c: a process dies holding a shared mutex; the next one recovers.
 *
 * Usage: robust_demo [-v] [-k] [-n]
 *
 * Claim Q3, continued: once shared memory is protected by a lock, what
 * happens when the process holding it dies? With an ordinary mutex the lock
 * stays taken forever and every other process hangs. With a robust mutex
 * (PTHREAD_MUTEX_ROBUST, here also PTHREAD_PROCESS_SHARED) the kernel notices
 * the death (glibc registers each robust mutex a thread holds in a list the
 * kernel walks at exit) and the next pthread_mutex_lock returns EOWNERDEAD:
 * the caller now holds the lock, must repair the data it protects, and calls
 * pthread_mutex_consistent before unlocking; after that the mutex works
 * normally again. Unlocking without pthread_mutex_consistent makes the mutex
 * unusable for good: every later lock returns ENOTRECOVERABLE.
 *
 * The data is an "account pair" whose sum must stay 100. The child locks,
 * moves 10 from a to b but dies half-way (a done, b not), while holding the
 * lock. The order is fixed by a pipe, never by sleep: the child writes one
 * byte when it holds the lock, and then either calls _exit (default) or, with
 * -k, waits for the parent to kill it with SIGKILL (a death with no chance to
 * clean up). The parent reaps it and only then locks.
 *   -n  unlock without calling pthread_mutex_consistent (see ENOTRECOVERABLE)
 *   -v  print the child's PID on stderr
 *
 * Differences from the sources: they do not mention robust mutexes; this is
 * the answer to "what if a process dies inside the critical section?".
 *
 * See also: counter_race.c (the same kind of mutex guarding a counter).
 */
#define _GNU_SOURCE
#include "lab.h"

#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

struct shared {
    pthread_mutex_t mutex;
    long a, b;                 /* invariant under the lock: a + b == 100 */
};

/* pthread functions return the error number instead of setting errno. */
static void check(int err, const char *what)
{
    if (err != 0) {
        errno = err;
        die(what);
    }
}

static const char *result_name(int err)
{
    return err == 0 ? "0 (locked)" : errno_name(err);
}

int main(int argc, char *argv[])
{
    lab_init(argc, argv, "[-v] [-k] [-n]");
    int verbose = 0, by_kill = 0, skip_consistent = 0;
    for (const char *opt; (opt = lab_option()) != NULL; ) {
        if (strcmp(opt, "-v") == 0)
            verbose = 1;
        else if (strcmp(opt, "-k") == 0)
            by_kill = 1;
        else if (strcmp(opt, "-n") == 0)
            skip_consistent = 1;
    }
    lab_end_operands();

    struct shared *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE,
                             MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED)
        die("mmap");
    sh->a = 100;
    sh->b = 0;

    /* A mutex that is both process-shared and robust. */
    pthread_mutexattr_t attr;
    check(pthread_mutexattr_init(&attr), "pthread_mutexattr_init");
    check(pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED),
          "pthread_mutexattr_setpshared");
    check(pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST),
          "pthread_mutexattr_setrobust");
    check(pthread_mutex_init(&sh->mutex, &attr), "pthread_mutex_init");
    pthread_mutexattr_destroy(&attr);
    printf("robust, process-shared mutex in a shared mapping; a=%ld b=%ld\n",
           sh->a, sh->b);

    /* held: child -> parent "I hold the lock"; hold: parent never writes to
     * it, so with -k the child blocks on it until it is killed. */
    int held[2], hold[2];
    if (pipe(held) == -1 || pipe(hold) == -1)
        die("pipe");
    fflush(stdout);
    pid_t pid = fork();
    if (pid == -1)
        die("fork");
    if (pid == 0) {
        close(held[0]);
        close(hold[1]);
        int err = pthread_mutex_lock(&sh->mutex);
        if (err != 0) {
            errno = err;
            die_child("child: pthread_mutex_lock");
        }
        sh->a -= 10;           /* half of the transfer ... */
        if (write(held[1], "L", 1) != 1)
            die_child("child: write");
        if (by_kill) {
            char c;
            ssize_t n = read(hold[0], &c, 1);  /* blocks until SIGKILL */
            (void)n;
        }
        _exit(EXIT_SUCCESS);   /* ... and the lock is never released */
    }
    close(held[1]);
    close(hold[0]);
    if (verbose)
        fprintf(stderr, "%s: child is pid %ld\n", lab_prog, (long)pid);

    char c;
    if (read(held[0], &c, 1) != 1)
        fail(EXIT_FAILURE, "child", "ended before taking the lock");
    printf("child: locked, set a=%ld (b not yet updated), then %s\n", sh->a,
           by_kill ? "killed by the parent with SIGKILL"
                   : "_exit(0) while holding the lock");
    if (by_kill && kill(pid, SIGKILL) == -1)
        die("kill");
    int status;
    if (waitpid(pid, &status, 0) == -1)
        die("waitpid");
    if (WIFSIGNALED(status))
        printf("child: ended by %s\n", signal_name(WTERMSIG(status)));
    else
        printf("child: ended with exit %d\n", WEXITSTATUS(status));
    close(held[0]);
    close(hold[1]);

    /* The owner is dead: this lock succeeds, but says so. */
    int err = pthread_mutex_lock(&sh->mutex);
    printf("parent: pthread_mutex_lock -> %s\n", result_name(err));
    if (err != EOWNERDEAD)
        fail(EXIT_FAILURE, "pthread_mutex_lock", "expected EOWNERDEAD, got %s",
             errno_name(err));
    printf("parent: holds the lock; data left by the dead owner: a=%ld b=%ld "
           "(sum %ld)\n", sh->a, sh->b, sh->a + sh->b);

    if (skip_consistent) {
        check(pthread_mutex_unlock(&sh->mutex), "pthread_mutex_unlock");
        printf("parent: pthread_mutex_unlock without pthread_mutex_consistent\n");
        err = pthread_mutex_lock(&sh->mutex);
        printf("parent: pthread_mutex_lock -> %s\n", result_name(err));
        if (err != ENOTRECOVERABLE)
            fail(EXIT_FAILURE, "pthread_mutex_lock",
                 "expected ENOTRECOVERABLE, got %s", errno_name(err));
        printf("the mutex is unusable for good: it can only be destroyed\n");
    } else {
        /* Repair what the dead owner left half done, then mark it usable. */
        sh->b = 100 - sh->a;
        printf("parent: repaired the data: a=%ld b=%ld (sum %ld)\n", sh->a,
               sh->b, sh->a + sh->b);
        err = pthread_mutex_consistent(&sh->mutex);
        printf("parent: pthread_mutex_consistent -> %d\n", err);
        check(err, "pthread_mutex_consistent");
        check(pthread_mutex_unlock(&sh->mutex), "pthread_mutex_unlock");
        printf("parent: pthread_mutex_unlock\n");
        err = pthread_mutex_lock(&sh->mutex);
        printf("parent: pthread_mutex_lock -> %s\n", result_name(err));
        check(err, "pthread_mutex_lock");
        check(pthread_mutex_unlock(&sh->mutex), "pthread_mutex_unlock");
        printf("the mutex works normally again\n");
    }
    pthread_mutex_destroy(&sh->mutex);
    if (munmap(sh, sizeof *sh) == -1)
        die("munmap");
    return 0;
}
