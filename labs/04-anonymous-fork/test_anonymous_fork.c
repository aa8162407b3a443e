/* test_anonymous_fork.c: Check tests for lab 04 (anon_fork, source 000
 * section 6 and source 003 example 2).
 *
 * Claims: a MAP_SHARED | MAP_ANONYMOUS region made before fork() carries
 * stores both ways between parent and child (claim M5); the same exchange
 * through MAP_PRIVATE | MAP_ANONYMOUS does not reach the other process; the
 * child is reaped (no zombie) and its exit status reported. Bad input gets
 * one line on stderr.
 */
#define _GNU_SOURCE
#include "testlib.h"

/* What strace shows for nanosleep and clock_nanosleep calls. */
#define SLEEP_CALL "sleep" "("

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/* Run anon_fork with up to two options; it must exit 0. */
static void run_anon_fork(struct lab_result *r, const char *a1, const char *a2)
{
    lab_run(r, 10, NULL, "anon_fork", a1, a2, NULL);
    ck_assert_msg(r->exited && r->code == 0, "anon_fork %s %s failed (%d): %s",
                  a1 ? a1 : "", a2 ? a2 : "", r->code, r->err);
}

/* Copy the rest of the line of out that starts with prefix into buf. */
static void line_after(const char *out, const char *prefix, char *buf,
                       size_t size)
{
    const char *p = strstr(out, prefix);
    ck_assert_msg(p != NULL, "no line '%s...' in: %s", prefix, out);
    p += strlen(prefix);
    size_t n = strcspn(p, "\n");
    snprintf(buf, size, "%.*s", (int)n, p);
}

// do parent and child exchange their messages through the shared region?
START_TEST(test_parent_and_child_exchange_messages)
{
    struct lab_result r;
    run_anon_fork(&r, NULL, NULL);
    // the child read the father's message, the parent read the son's, the
    // child exited 0 and was reaped, in that order
    ck_assert_str_eq(r.out,
                     "MAP_SHARED|MAP_ANONYMOUS region of 100 bytes, then fork\n"
                     "child got a message: hi, this is father\n"
                     "parent got a message: hi, dad, this is son\n"
                     "child exited with status 0; no child left to reap\n");
    // the contrast, for the report: the same run with MAP_PRIVATE
    struct lab_result priv;
    run_anon_fork(&priv, "--private", NULL);
    char shared_child[64], shared_parent[64], priv_child[64], priv_parent[64];
    line_after(r.out, "child got a message: ", shared_child, sizeof shared_child);
    line_after(r.out, "parent got a message: ", shared_parent, sizeof shared_parent);
    line_after(priv.out, "child got a message: ", priv_child, sizeof priv_child);
    line_after(priv.out, "parent got a message: ", priv_parent, sizeof priv_parent);
    ck_assert_str_eq(priv_child, "(empty)");
    ck_assert_str_eq(priv_parent, "hi, this is father");
    LAB_REPORT("M5", "confirmed",
               "MAP_SHARED|MAP_ANONYMOUS: child got '%s', parent got '%s', "
               "child exit status 0, reaped; MAP_PRIVATE contrast: child got "
               "'%s', parent got '%s'", shared_child, shared_parent,
               priv_child, priv_parent);
    lab_result_free(&priv);
    lab_result_free(&r);
}
END_TEST

// does the child read ages 20..24 and the parent then read the child's 100?
START_TEST(test_people_child_reads_ages_parent_reads_100)
{
    struct lab_result r;
    run_anon_fork(&r, "--people", NULL);
    char want[1024];
    int n = snprintf(want, sizeof want, "MAP_SHARED|MAP_ANONYMOUS region of 10 "
                     "people records (%zu bytes), then fork\n",
                     10 * (sizeof(char[4]) + sizeof(int)));
    for (int i = 0; i < 5; i++)
        n += snprintf(want + n, sizeof want - (size_t)n,
                      "child read: the %d people's age is %d\n", i + 1, 20 + i);
    snprintf(want + n, sizeof want - (size_t)n,
             "parent read: the first people's age is 100\numap\numap ok\n"
             "child exited with status 0; no child left to reap\n");
    ck_assert_str_eq(r.out, want);
    lab_result_free(&r);
}
END_TEST

// with MAP_PRIVATE, does each process keep its own copy after fork?
START_TEST(test_private_region_does_not_carry_stores)
{
    struct lab_result r;
    run_anon_fork(&r, "--private", NULL);
    // the father stored after fork: the child's copy is still empty; the
    // son's store stays in the child: the parent reads its own message
    ck_assert_ptr_nonnull(strstr(r.out, "child got a message: (empty)\n"));
    ck_assert_ptr_nonnull(strstr(r.out, "parent got a message: hi, this is father\n"));
    ck_assert_ptr_nonnull(strstr(r.out, "child exited with status 0; no child left to reap\n"));
    lab_result_free(&r);

    run_anon_fork(&r, "--people", "--private");
    ck_assert_ptr_nonnull(strstr(r.out, "child read: the 1 people's age is 0\n"));
    ck_assert_ptr_nonnull(strstr(r.out, "parent read: the first people's age is 20\n"));
    lab_result_free(&r);
}
END_TEST

/* Map an anonymous region with `flags`, store 20 in it, fork; the child
 * stores 100 and exits; return what the parent reads afterwards. */
static int child_store_seen_by_parent(int flags)
{
    int *v = mmap(NULL, sizeof *v, PROT_READ | PROT_WRITE,
                  flags | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(v, MAP_FAILED);
    *v = 20;
    pid_t pid = fork();
    ck_assert_int_ne(pid, -1);
    if (pid == 0) {
        /* What the child finds is the parent's 20 (shared, or a copy made
         * at fork); only then does it store its 100. */
        int found = *v;
        *v = 100;
        _exit(found == 20 ? 0 : 1);
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    // the child found the parent's store from before fork (exit 0)
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    int seen = *v;
    ck_assert_int_eq(munmap(v, sizeof *v), 0);
    return seen;
}

// the same exchange in this process: which flag carries the child's store?
START_TEST(test_child_store_reaches_parent_only_when_shared)
{
    // MAP_SHARED: one page for both processes, the parent reads 100
    ck_assert_int_eq(child_store_seen_by_parent(MAP_SHARED), 100);
    // MAP_PRIVATE: the child's store copied the page; the parent keeps 20
    ck_assert_int_eq(child_store_seen_by_parent(MAP_PRIVATE), 20);
}
END_TEST

// is the exchange the same every time (ordered by handshake, not by luck)?
START_TEST(test_exchange_is_repeatable)
{
    struct lab_result first, r;
    run_anon_fork(&first, "--people", NULL);
    // the exchange happened (the same nothing every time would be no proof)
    ck_assert_msg(strstr(first.out, "parent read: the first people's age is 100\n"),
                  "the parent did not read the child's 100: %s", first.out);
    for (int i = 0; i < 10; i++) {
        run_anon_fork(&r, "--people", NULL);
        ck_assert_str_eq(r.out, first.out);
        lab_result_free(&r);
    }
    lab_result_free(&first);
}
END_TEST

// without --demo, are parent and child ordered by the token alone, with no
// sleep in either (observed with strace -f)?
START_TEST(test_no_sleep_in_default_mode)
{
    const char *modes[][2] = {{NULL, NULL}, {"--people", NULL}};
    for (int i = 0; i < 2; i++) {
        struct lab_result r;
        char *trace;
        if (!lab_run_traced(&r, &trace, 10, "nanosleep,clock_nanosleep",
                            "anon_fork", modes[i][0], NULL))
            LAB_SKIP("strace is not installed or cannot trace here "
                     "(scripts/setup check installs it)");
        ck_assert_msg(r.exited && r.code == 0, "anon_fork failed: %s", r.err);
        // the exchange happened (a program that does nothing never sleeps)
        ck_assert_msg(strstr(r.out, i == 0 ? "parent got a message: hi, dad"
                                           : "first people's age is 100"),
                      "anon_fork %s: no exchange in: %s",
                      modes[i][0] ? modes[i][0] : "", r.out);
        /* SLEEP_CALL: any *sleep system call in the strace text */
        ck_assert_msg(strstr(trace, SLEEP_CALL) == NULL,
                      "anon_fork %s called sleep without --demo: parent and "
                      "child must be ordered by the pipe's token:\n%s",
                      modes[i][0] ? modes[i][0] : "", trace);
        free(trace);
        lab_result_free(&r);
    }
}
END_TEST

// is the child reaped, so that no zombie is left behind?
START_TEST(test_child_is_reaped)
{
    struct lab_result r;
    lab_run(&r, 10, NULL, "anon_fork", "-v", NULL);
    ck_assert_msg(r.exited && r.code == 0, "anon_fork -v failed: %s", r.err);
    // -v names the child on stderr; PIDs never go to stdout
    long parent = 0, child = 0;
    ck_assert_int_eq(sscanf(r.err, "anon_fork: parent pid %ld, child pid %ld",
                            &parent, &child), 2);
    ck_assert_int_ne(parent, child);
    ck_assert_ptr_null(strstr(r.out, "pid"));
    // the parent's own check after waitpid: no child of it remains
    ck_assert_ptr_nonnull(strstr(r.out, "child exited with status 0; no child left to reap\n"));
    // and the child is gone from the system, not a zombie of anyone
    errno = 0;
    ck_assert_int_eq(kill((pid_t)child, 0), -1);
    ck_assert_int_eq(errno, ESRCH);
    lab_result_free(&r);
}
END_TEST

/* The line of /proc/self/maps whose range starts at addr. */
static void maps_line_of(const void *addr, char *buf, size_t size)
{
    char start[32];
    snprintf(start, sizeof start, "%lx-", (unsigned long)addr);
    FILE *f = fopen("/proc/self/maps", "r");
    ck_assert_ptr_nonnull(f);
    buf[0] = '\0';
    while (fgets(buf, (int)size, f))
        if (strncmp(buf, start, strlen(start)) == 0)
            break;
    fclose(f);
    ck_assert_msg(strncmp(buf, start, strlen(start)) == 0,
                  "no line for %p in /proc/self/maps", addr);
    buf[strcspn(buf, "\n")] = '\0';
}

// does a shared anonymous region start zero-filled, as a kernel shmem file?
START_TEST(test_shared_anonymous_region_is_zeroed_shmem)
{
    size_t len = 3 * (size_t)lab_page();
    unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                            MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    // every byte of a fresh region reads as zero
    for (size_t i = 0; i < len; i++)
        ck_assert_msg(p[i] == 0, "byte %zu is %d", i, p[i]);
    // the kernel backs it with a file of its internal shmem file system
    char line[512];
    maps_line_of(p, line, sizeof line);
    ck_assert_msg(strstr(line, "/dev/zero (deleted)") != NULL, "maps: %s", line);
    ck_assert_int_eq(munmap(p, len), 0);
    LAB_REPORT("X3", "confirmed", "all %zu bytes of a new MAP_SHARED|"
               "MAP_ANONYMOUS region read as zero", len);
    LAB_REPORT("X5", "confirmed", "/proc/self/maps shows the region as '%s'",
               strstr(line, "/dev/zero"));
}
END_TEST

// is a MAP_SHARED mapping of /dev/zero zero-filled and shared across fork?
START_TEST(test_dev_zero_shared_before_fork_is_shared_memory)
{
    size_t len = 2 * (size_t)lab_page();
    int fd = open("/dev/zero", O_RDWR);
    ck_assert_int_ne(fd, -1);
    unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    close(fd);
    // a buffer initialised to zero, as source 002 says
    for (size_t i = 0; i < len; i++)
        ck_assert_msg(p[i] == 0, "byte %zu is %d", i, p[i]);
    // the same kind of region as MAP_SHARED|MAP_ANONYMOUS
    char line[512];
    maps_line_of(p, line, sizeof line);
    ck_assert_msg(strstr(line, "/dev/zero (deleted)") != NULL, "maps: %s", line);
    // a child's store, in the last byte of the second page, reaches the parent
    pid_t pid = fork();
    ck_assert_int_ne(pid, -1);
    if (pid == 0) {
        p[len - 1] = 'c';
        _exit(0);
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ck_assert_int_eq(p[len - 1], 'c');
    ck_assert_int_eq(munmap(p, len), 0);
    // the program: zero-filled, and the two messages cross
    struct lab_result r;
    lab_run(&r, 10, NULL, "anon_fork", "--devzero", NULL);
    ck_assert_msg(r.exited && r.code == 0, "anon_fork --devzero: %s", r.err);
    ck_assert_ptr_nonnull(strstr(r.out, ": 0 non-zero bytes before any store"));
    ck_assert_ptr_nonnull(strstr(r.out, "child got a message: hi, this is father\n"));
    ck_assert_ptr_nonnull(strstr(r.out, "parent got a message: hi, dad, this is son\n"));
    lab_result_free(&r);
    LAB_REPORT("M12", "confirmed",
               "a MAP_SHARED mapping of /dev/zero (%zu bytes) read all zero; a "
               "child forked after it stored a byte the parent then read; "
               "/proc/self/maps names it '%s', like MAP_SHARED|MAP_ANONYMOUS",
               len, strstr(line, "/dev/zero"));
}
END_TEST

/* In a process forked before the region existed: open the region through
 * /proc/PID/map_files, as `uid` (-1: unchanged), and say what it saw. */
static void try_map_files(int go, int done, uid_t uid, size_t len)
{
    char path[128] = "", result[128];
    ssize_t n = read(go, path, sizeof path - 1);
    path[n > 0 ? n : 0] = '\0';
    if (uid != (uid_t)-1 && setuid(uid) == -1) {
        snprintf(result, sizeof result, "setuid: %s", lab_errno_name(errno));
    } else {
        int fd = open(path, O_RDONLY);
        if (fd == -1) {
            snprintf(result, sizeof result, "open: %s", lab_errno_name(errno));
        } else {
            char *q = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
            snprintf(result, sizeof result, "saw: %s",
                     q == MAP_FAILED ? "(mmap failed)" : q);
            close(fd);
        }
    }
    ck_assert_int_eq(write(done, result, strlen(result)), (ssize_t)strlen(result));
    _exit(0);
}

/* Start a process before the region, give it the region's map_files path,
 * and return what it saw. */
static void ask_unrelated(uid_t uid, char *result, size_t size)
{
    size_t len = (size_t)lab_page();
    int go[2], done[2];
    ck_assert_int_eq(pipe(go), 0);
    ck_assert_int_eq(pipe(done), 0);
    pid_t other = fork();
    ck_assert_int_ne(other, -1);
    if (other == 0) {
        close(go[1]);
        close(done[0]);
        try_map_files(go[0], done[1], uid, len);
    }
    close(go[0]);
    close(done[1]);
    // the region is made after the fork: `other` did not inherit it
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    strcpy(p, "secret");
    char path[128];
    snprintf(path, sizeof path, "/proc/%ld/map_files/%lx-%lx", (long)getpid(),
             (unsigned long)p, (unsigned long)p + len);
    ck_assert_int_eq(write(go[1], path, strlen(path)), (ssize_t)strlen(path));
    close(go[1]);
    ssize_t n = read(done[0], result, size - 1);
    result[n > 0 ? n : 0] = '\0';
    close(done[0]);
    int status;
    ck_assert_int_eq(waitpid(other, &status, 0), other);
    ck_assert_int_eq(munmap(p, len), 0);
}

// can a process that did not inherit a shared anonymous region reach it?
START_TEST(test_unrelated_process_reaches_region_only_with_privilege)
{
    char as_is[128], as_nobody[128] = "";
    ask_unrelated((uid_t)-1, as_is, sizeof as_is);
    if (geteuid() != 0) {
        // without privilege the only way in is inheriting it across fork
        ck_assert_msg(strncmp(as_is, "open: ", 6) == 0, "it got in: %s", as_is);
        LAB_REPORT("X2", "confirmed", "a process forked before the region "
                   "(not root) could not open /proc/PID/map_files: %s", as_is);
        return;
    }
    // root (CAP_SYS_ADMIN) opens the region through /proc/PID/map_files ...
    ck_assert_str_eq(as_is, "saw: secret");
    // ... an ordinary user cannot
    ask_unrelated(65534, as_nobody, sizeof as_nobody);
    ck_assert_msg(strncmp(as_nobody, "open: ", 6) == 0, "nobody got in: %s",
                  as_nobody);
    LAB_REPORT("X2", "depends", "privilege: a process forked before the region "
               "opened /proc/PID/map_files/START-END as root and %s; as uid "
               "65534 the %s", as_is, as_nobody);
}
END_TEST

// does every kind of bad input get one clear line and the right status?
START_TEST(test_bad_input)
{
    lab_expect_help("anon_fork");
    lab_expect_error(2, "--shared: unknown option", "anon_fork", "--shared", NULL);
    lab_expect_error(2, "too many arguments", "anon_fork", "file", NULL);
    lab_expect_error(2, "'-': too many arguments", "anon_fork", "--people", "-", NULL);
}
END_TEST

Suite *lab_suite(void)
{
    Suite *s = suite_create("04-anonymous-fork");
    TCase *tc = lab_tcase(s, "exchange", 15);
    tcase_add_test(tc, test_parent_and_child_exchange_messages);
    tcase_add_test(tc, test_people_child_reads_ages_parent_reads_100);
    tcase_add_test(tc, test_exchange_is_repeatable);
    tcase_add_test(tc, test_no_sleep_in_default_mode);
    tcase_add_test(tc, test_child_is_reaped);
    tc = lab_tcase(s, "private", 10);
    tcase_add_test(tc, test_private_region_does_not_carry_stores);
    tcase_add_test(tc, test_child_store_reaches_parent_only_when_shared);
    tc = lab_tcase(s, "region", 10);
    tcase_add_test(tc, test_shared_anonymous_region_is_zeroed_shmem);
    tcase_add_test(tc, test_dev_zero_shared_before_fork_is_shared_memory);
    tcase_add_test(tc, test_unrelated_process_reaches_region_only_with_privilege);
    tc = lab_tcase(s, "refusals", 10);
    tcase_add_test(tc, test_bad_input);
    return s;
}
