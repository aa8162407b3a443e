/* mmap_errors.c: provoke, one by one, the ways mmap() fails.
 *
 * Usage: mmap_errors [-v] [--hugetlb]
 *
 * Sources 002 and 004 list the errno values mmap() can set and the signals a
 * mapping can raise (claim E1). This program makes each failure that
 * today's kernel can still produce happen, once, and prints a table: the
 * case, the call, the errno (or signal) the sources lead us to expect, what
 * the kernel really answered, and a verdict:
 *
 *     ok    the kernel answered what the table expects
 *     n/r   not reproducible on this kernel (the reason is printed below)
 *     FAIL  something else happened
 *
 * The signal rows (a store into a PROT_READ mapping, a load after munmap, a
 * load past the end of the file) are caught with sigsetjmp/siglongjmp so the
 * table completes; the row shows the signal and its si_code.
 *
 * It works in the current directory: a scratch file is created there with
 * mkstemp and unlinked at once (the descriptors keep it alive), so nothing is
 * left behind even if the program is killed. Exit status: 0 if every row is
 * ok or n/r, 1 otherwise.
 *
 * Two rows test what sources 000 and 003 say about the flags and source
 * 002 about the number of mappings (claims E3 and E2):
 *
 *     both-type-flags  MAP_SHARED|MAP_PRIVATE together. The sources say one
 *                      of the two must be chosen; on Linux the two bits
 *                      together are MAP_SHARED_VALIDATE (since 4.15), which
 *                      gives a shared mapping (the row checks that a store
 *                      through it reaches the file) and refuses unknown
 *                      flags with EOPNOTSUPP instead of ignoring them.
 *     map-count-limit  a child maps one page at a time, alternating the
 *                      protection so that no two neighbours merge, until
 *                      mmap fails: ENOMEM once the process has
 *                      vm.max_map_count mappings. How many it made goes to
 *                      stderr ("map-count-limit: N mappings ...").
 *
 * --hugetlb runs only the MAP_HUGETLB row, which depends on the machine:
 * mmap(MAP_HUGETLB) needs huge pages reserved in advance (vm.nr_hugepages).
 * With pages reserved it succeeds (exit 0); with none it fails with ENOMEM,
 * which is the expected answer but says nothing about huge pages, so the
 * program exits 77 ("cannot run here") with the reason on stderr.
 *
 * Differences from the sources: source 002 lists EAGAIN for "the file is
 * locked" (mandatory locking, removed in Linux 5.15); here EAGAIN comes from
 * the other cause it names, locked memory over RLIMIT_MEMLOCK. EPERM comes
 * from a write-sealed memfd. ENFILE (the whole system's file table full) is
 * not provoked: it would break every other program on the machine. ETXTBSY
 * with MAP_DENYWRITE is tried and shown as n/r: the kernel ignores the flag.
 *
 * See also: page_probe (lab 05) for SIGBUS at page granularity.
 */
#define _GNU_SOURCE
#include "lab.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static long page;
static int verbose;
static int failures;

/* A probe run in a child: a pipe for its one-line answer, then fork.
 * Returns fork()'s value; pfd[1] is the child's end, pfd[0] the parent's. */
static pid_t start_child(int pfd[2])
{
    if (pipe(pfd) == -1)
        die("pipe");
    pid_t pid = fork();
    if (pid == -1)
        die("fork");
    return pid;
}

/* The parent's side of a probe run in a child: read the child's one-line
 * answer from fd into buf (NUL-terminated) and reap the child. "child
 * failed" unless the child answered and exited 0. */
static const char *child_answer(int fd, pid_t pid, char *buf, size_t size)
{
    ssize_t n = read(fd, buf, size - 1);
    close(fd);
    int status;
    if (waitpid(pid, &status, 0) == -1)
        die("waitpid");
    if (n <= 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return "child failed";
    buf[n] = '\0';
    return buf;
}

/* ---- printing the table ------------------------------------------------ */

static void header(void)
{
    printf("%-18s %-46s %-20s %-20s %s\n", "case", "call", "expected",
           "observed", "verdict");
}

/* One row; the verdict is computed, never written by hand. */
static void row(const char *name, const char *call, const char *expected,
                const char *observed)
{
    const char *verdict = "ok";
    if (strcmp(expected, observed) != 0) {
        verdict = "FAIL";
        failures++;
    }
    printf("%-18s %-46s %-20s %-20s %s\n", name, call, expected, observed,
           verdict);
}

/* ---- calling mmap ------------------------------------------------------- */

/* Call mmap; return "success" (and unmap) or the errno name. */
static const char *try_mmap(void *addr, size_t len, int prot, int flags,
                            int fd, off_t offset)
{
    errno = 0;
    void *p = mmap(addr, len, prot, flags, fd, offset);
    if (p == MAP_FAILED)
        return errno_name(errno);
    if (verbose)
        fprintf(stderr, "%s: mapped %zu bytes at %p\n", lab_prog, len, p);
    if (munmap(p, len) == -1)
        die("munmap");
    return "success";
}

/* ---- catching the signal rows ------------------------------------------ */

/* catch_faults() (lab.h) makes SIGSEGV and SIGBUS jump back to the
 * sigsetjmp(lab_fault.env) before each probe, with lab_fault saying what
 * was raised. "SIGSEGV/SEGV_ACCERR" for what the last probe caught: */
static const char *fault_text(char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s", signal_name(lab_fault.sig),
             si_code_name(lab_fault.sig, lab_fault.code));
    if (verbose)
        fprintf(stderr, "%s: %s at %p\n", lab_prog, buf, lab_fault.addr);
    return buf;
}

/* ---- EAGAIN: locked memory over RLIMIT_MEMLOCK -------------------------- */

/* In a child (so this process keeps its limits and capabilities): drop
 * CAP_IPC_LOCK, which lets root lock any amount, set RLIMIT_MEMLOCK to one
 * page, and ask for two locked pages. Returns the errno name or "success". */
static const char *memlock_over_limit(void)
{
    int pfd[2];
    pid_t pid = start_child(pfd);
    if (pid == 0) {
        struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
        struct __user_cap_data_struct caps[2];
        if (syscall(SYS_capget, &hdr, caps) == -1)
            die_child("capget");
        caps[CAP_TO_INDEX(CAP_IPC_LOCK)].effective &= ~CAP_TO_MASK(CAP_IPC_LOCK);
        if (syscall(SYS_capset, &hdr, caps) == -1)
            die_child("capset");
        struct rlimit rl;
        if (getrlimit(RLIMIT_MEMLOCK, &rl) == -1)
            die_child("getrlimit");
        rl.rlim_cur = (rlim_t)page;
        if (setrlimit(RLIMIT_MEMLOCK, &rl) == -1)
            die_child("setrlimit");
        const char *answer = try_mmap(NULL, 2 * (size_t)page,
                                      PROT_READ | PROT_WRITE,
                                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED,
                                      -1, 0);
        if (write(pfd[1], answer, strlen(answer) + 1) == -1)
            die_child("write");
        _exit(0);
    }
    close(pfd[1]);
    static char answer[32];
    return child_answer(pfd[0], pid, answer, sizeof answer);
}

/* ---- ENOMEM: more mappings than vm.max_map_count ------------------------ */

/* A number from a /proc/sys file, or -1. */
static long proc_number(const char *file)
{
    FILE *f = fopen(file, "r");
    long value = -1;
    if (f == NULL)
        return -1;
    if (fscanf(f, "%ld", &value) != 1)
        value = -1;
    fclose(f);
    return value;
}

/* Above this the limit is not worth reaching (seconds, gigabytes of page
 * tables): the row says so instead. The default is 65530. */
#define MAP_COUNT_CAP 1000000L

/* In a child, so that this process keeps its address space: map one page at
 * a time until mmap fails. Returns the errno name (or "success" if the cap
 * was reached first) and stores the number of mappings made in *made. */
static const char *map_count_limit(long *made)
{
    int pfd[2];
    pid_t pid = start_child(pfd);
    if (pid == 0) {
        long n = 0;
        int err = 0;
        // BEGIN SOLUTION: map pages until the kernel refuses
        //| // TODO: map one anonymous private page at a time, alternating
        //| // PROT_READ and PROT_READ|PROT_WRITE so that neighbours do not
        //| // merge into one mapping, until mmap fails (keep its errno in ERR)
        //| // or MAP_COUNT_CAP pages are mapped; count them in N.
        //| lab_todo("map pages until mmap fails");
        while (n < MAP_COUNT_CAP) {
            int prot = n % 2 ? PROT_READ : PROT_READ | PROT_WRITE;
            if (mmap(NULL, (size_t)page, prot, MAP_PRIVATE | MAP_ANONYMOUS,
                     -1, 0) == MAP_FAILED) {
                err = errno;
                break;
            }
            n++;
        }
        // END SOLUTION
        char msg[64];
        int len = snprintf(msg, sizeof msg, "%ld %s", n,
                           err ? errno_name(err) : "success");
        if (write(pfd[1], msg, (size_t)len + 1) == -1)
            die_child("write");
        _exit(0);  /* the mappings go with the child */
    }
    close(pfd[1]);
    static char answer[64];
    if (child_answer(pfd[0], pid, answer, sizeof answer) != answer)
        return "child failed";
    char *space = strchr(answer, ' ');
    if (space == NULL)
        return "child failed";
    *made = strtol(answer, NULL, 10);
    return space + 1;
}

/* ---- MAP_HUGETLB --------------------------------------------------------- */

/* A number from /proc/meminfo ("HugePages_Free"), or -1 if absent. */
static long meminfo(const char *key)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (f == NULL)
        return -1;
    char line[256];
    long value = -1;
    size_t n = strlen(key);
    while (fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, key, n) == 0 && line[n] == ':') {
            value = strtol(line + n + 1, NULL, 10);
            break;
        }
    fclose(f);
    return value;
}

static int hugetlb_case(void)
{
    long huge_kib = meminfo("Hugepagesize");
    if (huge_kib <= 0) {
        fprintf(stderr, "%s: MAP_HUGETLB: this kernel has no hugetlbfs\n", lab_prog);
        return 77;
    }
    size_t len = (size_t)huge_kib * 1024;
    long free_pages = meminfo("HugePages_Free");
    header();
    errno = 0;
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
    if (p == MAP_FAILED) {
        int err = errno;
        row("hugetlb", "mmap(MAP_ANONYMOUS|MAP_HUGETLB, 1 huge page)",
            free_pages > 0 ? "success" : "ENOMEM", errno_name(err));
        if (err == ENOMEM && free_pages <= 0) {
            fprintf(stderr, "%s: no huge pages reserved (HugePages_Free %ld): "
                    "mmap(MAP_HUGETLB) fails with ENOMEM as expected; "
                    "reserve some with sysctl vm.nr_hugepages=N to see it "
                    "succeed\n", lab_prog, free_pages);
            return 77;
        }
        return 1;
    }
    /* The huge page was reserved at mmap time, so touching it is safe. */
    p[0] = 1;
    p[len - 1] = 1;
    if (verbose)
        fprintf(stderr, "%s: %ld KiB huge page at %p\n", lab_prog, huge_kib,
                (void *)p);
    if (munmap(p, len) == -1)
        die("munmap");
    row("hugetlb", "mmap(MAP_ANONYMOUS|MAP_HUGETLB, 1 huge page)", "success",
        "success");
    return failures ? 1 : 0;
}

/* ---- the catalogue ------------------------------------------------------- */

int main(int argc, char *argv[])
{
    lab_init(argc, argv, "[-v] [--hugetlb]");
    int hugetlb = 0;
    for (const char *opt; (opt = lab_option()) != NULL; ) {
        if (strcmp(opt, "-v") == 0)
            verbose = 1;
        else if (strcmp(opt, "--hugetlb") == 0)
            hugetlb = 1;
    }
    lab_end_operands();
    page = page_size();
    if (hugetlb)
        return hugetlb_case();

    /* A scratch file of two pages in the current directory, opened three
     * ways, then unlinked: the descriptors keep it alive. */
    char path[] = "mmap_errors.XXXXXX";
    int rw = mkstemp(path);
    if (rw == -1)
        die("mkstemp (in the current directory)");
    int rdonly = open(path, O_RDONLY);
    int wronly = open(path, O_WRONLY);
    if (rdonly == -1 || wronly == -1) {
        int err = errno;
        unlink(path);
        errno = err;
        die(path);
    }
    if (unlink(path) == -1)
        die(path);
    if (ftruncate(rw, 2 * page) == -1)
        die("ftruncate");
    size_t len = (size_t)page;

    header();

    /* Arguments the kernel refuses before looking at the file. */
    // BEGIN SOLUTION: three calls with bad arguments
    //| // TODO 1: three rows, each row(CASE, CALL, EXPECTED, try_mmap(...)) with
    //| // the try_mmap() arguments that provoke it, on the read-write descriptor RW
    //| // of a 2-page file (LEN is one page):
    //| //   "zero-length"      "mmap(len 0, MAP_SHARED, O_RDWR fd)"         "EINVAL"
    //| //   "unaligned-offset" "mmap(offset 100, MAP_SHARED, O_RDWR fd)"    "EINVAL"
    //| //   "no-type-flag"     "mmap(flags 0: neither SHARED nor PRIVATE)" "EINVAL"
    //| lab_todo("the zero-length, unaligned-offset and no-type-flag rows");
    row("zero-length", "mmap(len 0, MAP_SHARED, O_RDWR fd)", "EINVAL",
        try_mmap(NULL, 0, PROT_READ, MAP_SHARED, rw, 0));
    row("unaligned-offset", "mmap(offset 100, MAP_SHARED, O_RDWR fd)", "EINVAL",
        try_mmap(NULL, len, PROT_READ, MAP_SHARED, rw, 100));
    row("no-type-flag", "mmap(flags 0: neither SHARED nor PRIVATE)", "EINVAL",
        try_mmap(NULL, len, PROT_READ, 0, rw, 0));
    // END SOLUTION

    /* Both type flags: the sources say one of them; Linux reads the pair as
     * MAP_SHARED_VALIDATE. Is the mapping shared? A store through it must
     * be what pread() then finds in the file. */
    const char *both = "success";
    char *mb = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_PRIVATE, rw, 0);
    if (mb == MAP_FAILED) {
        both = errno_name(errno);
    } else {
        char seen = 0;
        mb[0] = 'B';
        if (pread(rw, &seen, 1, 0) != 1)
            die("pread");
        if (seen != 'B')
            both = "success, not shared";
        mb[0] = '\0';
        if (munmap(mb, len) == -1)
            die("munmap");
    }
    row("both-type-flags", "mmap(MAP_SHARED|MAP_PRIVATE), store, pread", "success",
        both);

    /* MAP_FIXED at an address one byte past a page boundary; the address is
     * inside a region we own, so nothing of ours could be replaced. */
    char *reserve = mmap(NULL, 2 * len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (reserve == MAP_FAILED)
        die("mmap (reserve)");
    row("fixed-unaligned", "mmap(addr page+1, MAP_FIXED|MAP_ANONYMOUS)", "EINVAL",
        try_mmap(reserve + 1, len, PROT_READ,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
    if (munmap(reserve, 2 * len) == -1)
        die("munmap");

    /* Larger than any address space: refused whatever the overcommit mode. */
    size_t absurd = SIZE_MAX & ~((size_t)page - 1);
    row("absurd-length", "mmap(len SIZE_MAX rounded down to a page)", "ENOMEM",
        try_mmap(NULL, absurd, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));

    /* The descriptor's access mode, not the file's permission bits (root
     * is refused too): a shared writable mapping needs O_RDWR, every
     * mapping needs read access. A private one never writes the file. */
    // BEGIN SOLUTION: the descriptor's access mode
    //| // TODO 2: three rows on the O_RDONLY descriptor RDONLY and the O_WRONLY
    //| // descriptor WRONLY of the same file:
    //| //   "rdonly-shared-rw"  "mmap(PROT_WRITE, MAP_SHARED, O_RDONLY fd)"  "EACCES"
    //| //   "rdonly-private-rw" "mmap(PROT_WRITE, MAP_PRIVATE, O_RDONLY fd)" "success"
    //| //   "wronly-shared-w"   "mmap(PROT_WRITE, MAP_SHARED, O_WRONLY fd)"  "EACCES"
    //| (void)rdonly; (void)wronly;
    //| lab_todo("the rdonly-shared-rw, rdonly-private-rw and wronly-shared-w rows");
    row("rdonly-shared-rw", "mmap(PROT_WRITE, MAP_SHARED, O_RDONLY fd)", "EACCES",
        try_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, rdonly, 0));
    row("rdonly-private-rw", "mmap(PROT_WRITE, MAP_PRIVATE, O_RDONLY fd)", "success",
        try_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, rdonly, 0));
    row("wronly-shared-w", "mmap(PROT_WRITE, MAP_SHARED, O_WRONLY fd)", "EACCES",
        try_mmap(NULL, len, PROT_WRITE, MAP_SHARED, wronly, 0));
    // END SOLUTION

    /* A descriptor number that is not open. */
    int closed = dup(rw);
    if (closed == -1)
        die("dup");
    if (close(closed) == -1)
        die("close");
    row("closed-fd", "mmap(MAP_SHARED, fd just closed)", "EBADF",
        try_mmap(NULL, len, PROT_READ, MAP_SHARED, closed, 0));

    /* Open files that cannot be mapped: no mmap operation behind them. */
    int pfd[2];
    if (pipe(pfd) == -1)
        die("pipe");
    row("pipe", "mmap(MAP_SHARED, pipe read end)", "ENODEV",
        try_mmap(NULL, len, PROT_READ, MAP_SHARED, pfd[0], 0));
    close(pfd[0]);
    close(pfd[1]);
    int dir = open(".", O_RDONLY | O_DIRECTORY);
    if (dir == -1)
        die(".");
    row("directory", "mmap(MAP_SHARED, \".\" opened O_RDONLY)", "ENODEV",
        try_mmap(NULL, len, PROT_READ, MAP_SHARED, dir, 0));
    close(dir);
    int null = open("/dev/null", O_RDONLY);
    if (null == -1)
        die("/dev/null");
    row("dev-null", "mmap(MAP_SHARED, /dev/null)", "ENODEV",
        try_mmap(NULL, len, PROT_READ, MAP_SHARED, null, 0));
    close(null);

    /* EPERM: the file forbids writes (a write seal), so no shared
     * writable mapping of it. */
    int sealed = memfd_create("mmap_errors", MFD_ALLOW_SEALING);
    if (sealed == -1)
        die("memfd_create");
    if (ftruncate(sealed, page) == -1)
        die("ftruncate");
    if (fcntl(sealed, F_ADD_SEALS, F_SEAL_WRITE) == -1)
        die("fcntl(F_ADD_SEALS)");
    row("write-sealed", "mmap(PROT_WRITE, MAP_SHARED, write-sealed fd)", "EPERM",
        try_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, sealed, 0));
    close(sealed);

    /* EAGAIN: more locked memory than RLIMIT_MEMLOCK allows. */
    row("memlock-limit", "mmap(2 pages, MAP_LOCKED), limit 1 page", "EAGAIN",
        memlock_over_limit());

    /* ENOMEM: one mapping more than vm.max_map_count allows. */
    long max_maps = proc_number("/proc/sys/vm/max_map_count"), made = 0;
    int map_count_nr = max_maps < 0 || max_maps > MAP_COUNT_CAP;
    if (map_count_nr) {
        printf("%-18s %-46s %-20s %-20s %s\n", "map-count-limit",
               "mmap one page at a time until it fails", "ENOMEM", "not tried", "n/r");
        fprintf(stderr, "%s: n/r map-count-limit: vm.max_map_count is %ld, over "
                "%ld: too many mappings to make here\n", lab_prog, max_maps,
                MAP_COUNT_CAP);
    } else {
        row("map-count-limit", "mmap one page at a time until it fails", "ENOMEM",
            map_count_limit(&made));
        fprintf(stderr, "%s: map-count-limit: %ld mappings made before mmap "
                "failed (vm.max_map_count = %ld)\n", lab_prog, made, max_maps);
    }

    /* ETXTBSY: MAP_DENYWRITE on a file open for writing. */
    const char *denywrite = try_mmap(NULL, len, PROT_READ,
                                     MAP_SHARED | MAP_DENYWRITE, rw, 0);
    int denywrite_nr = strcmp(denywrite, "success") == 0;
    if (denywrite_nr)
        printf("%-18s %-46s %-20s %-20s %s\n", "denywrite",
               "mmap(MAP_DENYWRITE, file open for writing)", "ETXTBSY",
               denywrite, "n/r");
    else
        row("denywrite", "mmap(MAP_DENYWRITE, file open for writing)", "ETXTBSY",
            denywrite);

    /* The signal rows: each access is the only thing between sigsetjmp and
     * the end of the probe, so nothing else can be what faulted. */
    char buf[48];
    catch_faults();
    char *ro = mmap(NULL, len, PROT_READ, MAP_SHARED, rw, 0);
    if (ro == MAP_FAILED)
        die("mmap");
    lab_fault.sig = 0;
    if (sigsetjmp(lab_fault.env, 1) == 0)
        *(volatile char *)ro = 'x';
    row("store-prot-read", "store into PROT_READ MAP_SHARED page", "SIGSEGV/SEGV_ACCERR",
        lab_fault.sig ? fault_text(buf, sizeof buf) : "no signal");
    if (munmap(ro, len) == -1)
        die("munmap");

    char *gone = mmap(NULL, len, PROT_READ, MAP_SHARED, rw, 0);
    if (gone == MAP_FAILED)
        die("mmap");
    lab_fault.sig = 0;
    if (sigsetjmp(lab_fault.env, 1) == 0) {
        if (munmap(gone, len) == -1)
            die("munmap");
        (void)*(volatile char *)gone;  /* nothing is mapped there any more */
    }
    row("after-munmap", "load from a page after munmap", "SIGSEGV/SEGV_MAPERR",
        lab_fault.sig ? fault_text(buf, sizeof buf) : "no signal");

    /* Two pages mapped over a file of one page: the second page has no
     * file behind it. */
    if (ftruncate(rw, page) == -1)
        die("ftruncate");
    char *two = mmap(NULL, 2 * len, PROT_READ, MAP_SHARED, rw, 0);
    if (two == MAP_FAILED)
        die("mmap");
    lab_fault.sig = 0;
    if (sigsetjmp(lab_fault.env, 1) == 0)
        (void)*(volatile char *)(two + len);
    row("past-end-of-file", "load from mapped page 2 of a 1-page file", "SIGBUS/BUS_ADRERR",
        lab_fault.sig ? fault_text(buf, sizeof buf) : "no signal");
    if (munmap(two, 2 * len) == -1)
        die("munmap");
    stop_catching_faults();
    close(rw);
    close(rdonly);
    close(wronly);

    printf("\n");
    if (denywrite_nr)
        printf("n/r denywrite: the kernel ignores MAP_DENYWRITE from user space\n"
               "    (man 2 mmap: only Linux 2.0 and earlier honoured it; gone from the kernel since 5.15)\n");
    printf("not provoked: ENFILE (needs the whole system's file table full), "
           "EAGAIN for a locked file (mandatory locks are gone since 5.15)\n");
    printf("MAP_HUGETLB depends on reserved huge pages: run 'mmap_errors --hugetlb'\n");
    printf("%s\n", failures ? "some rows differ from what was expected"
                            : "every row as expected");
    return failures ? 1 : 0;
}
