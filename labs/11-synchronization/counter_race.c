/* counter_race.c: lost updates in shared memory, and three ways to stop them.
 *
 * Usage: counter_race [-v] [-n PROCS] [-m ITERS] MODE
 *        MODE is none | sem | mutex | atomic
 *
 * Sources 001 (section on POSIX shm: "applications usually must use a
 * semaphore to synchronise access to the shared region"), 002 ("no IPC
 * mechanism has built-in synchronisation") and 004 ("shared memory does not
 * guarantee synchronisation; use semaphores"). Claim Q3.
 *
 * PROCS processes (default 2) share one counter in an anonymous MAP_SHARED
 * mapping; each adds 1 to it ITERS times (default 1000000). To make them
 * really run at the same time, child i is pinned to the i-th CPU this
 * process may use (sched_setaffinity, round robin), the children are
 * released together through a start gate (a pipe the parent closes), and
 * then meet at a barrier in the mapping (each spins, yielding the CPU, until
 * all have arrived). Without that, the scheduler often runs short children
 * one after the other on one CPU and nothing is lost. The parent waits for
 * all of them and compares the counter with PROCS * ITERS.
 *   none    counter = counter + 1: a load and a store. Two processes that
 *           load the same value both store value + 1, and one update is
 *           lost. How many are lost is a race: it changes from run to run
 *           and may be zero (on one CPU, or with few iterations).
 *   sem     the same, between sem_wait and sem_post on an unnamed POSIX
 *           semaphore inside the mapping, sem_init(&sem, 1, 1) (pshared=1).
 *   mutex   the same, inside a pthread mutex with PTHREAD_PROCESS_SHARED.
 *   atomic  atomic_fetch_add on a C11 _Atomic long: one locked instruction,
 *           no lock at all (it must be lock-free to work across processes).
 * It prints expected and observed counts and the number of lost updates. With
 * sem, mutex and atomic a count that is not exact is a failure (exit 1); with
 * none any count is a valid observation (exit 0). -v prints PIDs, CPUs and
 * the time from the barrier to the last child's end on stderr.
 *
 * Differences from the sources: they only state the need for a semaphore;
 * this program measures what happens without one and with three mechanisms.
 * Mode none is, strictly, a data race (undefined in C11); the counter is
 * volatile so the compiler really does one load and one store per step and
 * the lost updates come from the hardware, which is what the lab shows.
 *
 * See also: robust_demo.c (a lock holder that dies), sem_producer.c and
 * sem_consumer.c (two semaphores carrying a file between processes).
 */
#define _GNU_SOURCE
#include "lab.h"

#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

enum mode { MODE_NONE, MODE_SEM, MODE_MUTEX, MODE_ATOMIC };
static const char *const mode_names[] = {"none", "sem", "mutex", "atomic"};

/* Everything the processes share lives in one anonymous shared mapping,
 * made before fork(), so every child sees the same physical page. */
struct shared {
    _Atomic long arrived;     /* the start barrier */
    _Atomic long start_ns;    /* when the last child arrived (for -v) */
    volatile long counter;    /* modes none, sem and mutex */
    _Atomic long acounter;    /* mode atomic */
    sem_t sem;                /* mode sem: a binary semaphore */
    pthread_mutex_t mutex;    /* mode mutex */
};

static long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

/* One child: wait at the gate and the barrier, then add 1 to the counter
 * `iters` times. */
static void child(struct shared *sh, enum mode mode, long procs, long iters,
                  int gate)
{
    char c;
    /* read() returns 0 (end of file) when the parent closes the gate. */
    if (read(gate, &c, 1) == -1)
        die_child("read(gate)");
    /* Everyone is awake and on its CPU before anyone starts counting. */
    if (atomic_fetch_add(&sh->arrived, 1) == procs - 1)
        atomic_store(&sh->start_ns, now_ns());     /* the last one in */
    while (atomic_load(&sh->arrived) < procs)
        sched_yield();
    // BEGIN SOLUTION: add 1, ITERS times, as MODE says
    //| // TODO 2: add 1 to the shared counter ITERS times, as MODE says:
    //| //   MODE_NONE    sh->counter = sh->counter + 1, with no protection;
    //| //   MODE_SEM     the same between sem_wait and sem_post on sh->sem
    //| //                (die_child("sem_wait"), die_child("sem_post"));
    //| //   MODE_MUTEX   the same between pthread_mutex_lock and _unlock on
    //| //                sh->mutex (they return an error number: set errno to it
    //| //                and die_child("pthread_mutex_lock") or ..._unlock);
    //| //   MODE_ATOMIC  atomic_fetch_add_explicit on sh->acounter, relaxed order.
    //| (void)iters; (void)mode;
    //| lab_todo("add 1 to the shared counter ITERS times, protected as MODE says");
    for (long i = 0; i < iters; i++) {
        switch (mode) {
        case MODE_NONE:
            sh->counter = sh->counter + 1;        /* load, add, store */
            break;
        case MODE_SEM:
            if (sem_wait(&sh->sem) == -1)
                die_child("sem_wait");
            sh->counter = sh->counter + 1;
            if (sem_post(&sh->sem) == -1)
                die_child("sem_post");
            break;
        case MODE_MUTEX: {
            int err = pthread_mutex_lock(&sh->mutex);
            if (err != 0) {
                errno = err;
                die_child("pthread_mutex_lock");
            }
            sh->counter = sh->counter + 1;
            err = pthread_mutex_unlock(&sh->mutex);
            if (err != 0) {
                errno = err;
                die_child("pthread_mutex_unlock");
            }
            break;
        }
        case MODE_ATOMIC:
            atomic_fetch_add_explicit(&sh->acounter, 1, memory_order_relaxed);
            break;
        }
    }
    // END SOLUTION
    _exit(EXIT_SUCCESS);
}

int main(int argc, char *argv[])
{
    lab_init(argc, argv, "[-v] [-n PROCS] [-m ITERS] none|sem|mutex|atomic");
    long procs = 2, iters = 1000000;
    int verbose = 0;
    for (const char *opt; (opt = lab_option()) != NULL; ) {
        if (strcmp(opt, "-v") == 0)
            verbose = 1;
        else if (strcmp(opt, "-n") == 0)
            procs = parse_long(lab_optarg, 1, 64, "PROCS");
        else if (strcmp(opt, "-m") == 0)
            iters = parse_long(lab_optarg, 1, 100000000, "ITERS");
    }
    const char *mode_arg = lab_operand("MODE");
    lab_end_operands();
    int mode = -1;
    for (int m = MODE_NONE; m <= MODE_ATOMIC; m++)
        if (strcmp(mode_arg, mode_names[m]) == 0)
            mode = m;
    if (mode == -1)
        usage_error("MODE: '%s' is not none, sem, mutex or atomic", mode_arg);

    /* The shared page, zero-filled: counter = 0, acounter = 0. */
    struct shared *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE,
                             MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED)
        die("mmap");

    /* Initialise the one mechanism this run uses, marked process-shared. */
    // BEGIN SOLUTION: initialise the semaphore or the mutex, process-shared
    //| // TODO 1: for MODE_SEM, initialise sh->sem as an unnamed semaphore shared
    //| // between processes, value 1 (sem_init; die("sem_init")). For MODE_MUTEX,
    //| // initialise sh->mutex with an attribute object set to
    //| // PTHREAD_PROCESS_SHARED (these calls return an error number: set errno to
    //| // it and die("pthread_mutex_init")).
    //| lab_todo("initialise the process-shared semaphore or mutex");
    if (mode == MODE_SEM && sem_init(&sh->sem, 1, 1) == -1)
        die("sem_init");
    if (mode == MODE_MUTEX) {
        pthread_mutexattr_t attr;
        int err = pthread_mutexattr_init(&attr);
        if (err == 0)
            err = pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
        if (err == 0)
            err = pthread_mutex_init(&sh->mutex, &attr);
        if (err != 0) {
            errno = err;
            die("pthread_mutex_init");
        }
        pthread_mutexattr_destroy(&attr);
    }
    // END SOLUTION
    /* Across processes an atomic must not hide a lock in this process. */
    if (mode == MODE_ATOMIC && !atomic_is_lock_free(&sh->acounter))
        fail(EXIT_FAILURE, "atomic", "_Atomic long is not lock-free here");

    /* The CPUs we may run on, to spread the children over them. */
    int cpus[CPU_SETSIZE], ncpus = 0;
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) == 0)
        for (int c = 0; c < CPU_SETSIZE; c++)
            if (CPU_ISSET(c, &allowed))
                cpus[ncpus++] = c;

    /* The start gate: every child blocks in read() until it is closed. */
    int gate[2];
    if (pipe(gate) == -1)
        die("pipe");
    fflush(stdout);
    pid_t pids[64];
    for (long i = 0; i < procs; i++) {
        pids[i] = fork();
        if (pids[i] == -1)
            die("fork");
        if (pids[i] == 0) {
            close(gate[1]);
            if (ncpus > 0) {
                /* Child i on the i-th allowed CPU: spread, not stacked. */
                cpu_set_t one;
                CPU_ZERO(&one);
                CPU_SET(cpus[i % ncpus], &one);
                sched_setaffinity(0, sizeof one, &one);
            }
            child(sh, mode, procs, iters, gate[0]);
        }
        if (verbose)
            fprintf(stderr, "%s: child %ld is pid %ld, on CPU %d\n", lab_prog,
                    i, (long)pids[i], ncpus > 0 ? cpus[i % ncpus] : -1);
    }
    close(gate[0]);
    close(gate[1]);                     /* open the gate: all start at once */

    int failed = 0;
    for (long i = 0; i < procs; i++) {
        int status;
        if (waitpid(pids[i], &status, 0) == -1)
            die("waitpid");
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            failed = 1;
    }
    double elapsed = (double)(now_ns() - atomic_load(&sh->start_ns)) / 1e9;
    if (failed)
        fail(EXIT_FAILURE, "child", "a child process failed");

    long expected = procs * iters;
    long observed = mode == MODE_ATOMIC ? atomic_load(&sh->acounter)
                                        : sh->counter;
    printf("mode: %s, %ld processes x %ld increments\n", mode_names[mode],
           procs, iters);
    printf("expected: %ld\n", expected);
    printf("observed: %ld\n", observed);
    printf("lost updates: %ld\n", expected - observed);
    if (verbose)
        fprintf(stderr, "%s: %s: %.3f s, %.1f ns per increment\n", lab_prog,
                mode_names[mode], elapsed, elapsed * 1e9 / (double)expected);

    if (mode == MODE_SEM && sem_destroy(&sh->sem) == -1)
        die("sem_destroy");
    if (mode == MODE_MUTEX)
        pthread_mutex_destroy(&sh->mutex);
    if (munmap(sh, sizeof *sh) == -1)
        die("munmap");
    if (mode != MODE_NONE && observed != expected)
        fail(EXIT_FAILURE, mode_names[mode], "%ld updates lost despite the lock",
             expected - observed);
    return 0;
}
