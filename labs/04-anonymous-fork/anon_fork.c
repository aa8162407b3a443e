/* anon_fork.c: parent and child talk through an anonymous shared mapping.
 *
 * Usage: anon_fork [--people] [--private] [--devzero] [--demo] [-v]
 *
 * Source 000, section 6, and source 003, example 2 (claim M5). A mapping
 * with MAP_SHARED | MAP_ANONYMOUS has no file behind it; made before fork(),
 * it is inherited by the child as the *same* pages, so a store by one
 * process is seen by the other. That is the simplest shared memory between
 * related processes.
 *
 * Default: the parent stores "hi, this is father"; the child prints it
 * ("child got a message: ..."), stores "hi, dad, this is son" and exits; the
 * parent prints that ("parent got a message: ...").
 * --people: source 003's variant with 10 `people` records: the parent fills
 * them (names b..k, ages 20..29), the child prints the first 5 ages and sets
 * the first record's age to 100, the parent then reads 100.
 * --private: the same with MAP_PRIVATE | MAP_ANONYMOUS, the contrast: after
 * fork each process has its own copy, so neither sees the other's stores.
 * --devzero: the region is a mapping of the device /dev/zero instead of
 * MAP_ANONYMOUS, the form anonymous shared memory took before MAP_ANONYMOUS
 * existed (source 002: "if you need a buffer initialised to zero, remember
 * /dev/zero"; claim M12). It starts zero-filled, and mapped MAP_SHARED it
 * is shared across fork() exactly like MAP_SHARED|MAP_ANONYMOUS: the kernel
 * gives both the same kind of region (/proc/PID/maps names both
 * "/dev/zero (deleted)").
 * Last line: the child's exit status, and that no child is left to reap.
 *
 * Order: the parent stores after fork(), as in the sources, then sends the
 * child a token through a pipe; the child answers by exiting, and the parent
 * reads the region only after waitpid() has reaped it. --demo uses the
 * sources' sleeps instead (child 1 s, parent 2 s; with --people 2 s and
 * 5 s), which work only because the machine is usually fast enough.
 *
 * Differences from the sources: no sleep ordering (see above); the child is
 * reaped and its status reported (the sources leave that to init); the
 * source 003 names are built with memcpy(name, &temp, 2), which reads a byte
 * past a char: here each name is a proper string; `exit()` without a status
 * is exit(0). -v prints the two PIDs on stderr.
 *
 * See also: people_writer.c (lab 06), the same records through a file.
 */
#define _GNU_SOURCE
#include "lab.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define BUF_SIZE 100  /* the sources' region for the two messages */
#define RECORDS 10

typedef struct {
    char name[4];
    int age;
} people;

static int demo;

/* The child's side: wait for the parent's token (or, in --demo, sleep as
 * the source does), then read and answer through the region. */
static void child(int go_fd, void *region, size_t len, int use_people)
{
    // BEGIN SOLUTION: the child waits for the token, reads, answers, unmaps
    //| // TODO 3: wait for the parent: in --demo mode (DEMO set) sleep 2 s with
    //| // --people, else 1 s; otherwise read one byte (the token) from GO_FD
    //| // (die_child("read token from parent") if that fails). Then, with
    //| // USE_PEOPLE, print the first 5 records' ages, one line each:
    //| //     child read: the N people's age is AGE      (N from 1)
    //| // and store 100 as the first record's age; without it, print
    //| //     child got a message: TEXT                 ("(empty)" if TEXT is "")
    //| // and write "hi, dad, this is son" into the region. Then unmap the region
    //| // (die_child("munmap")). The child must use die_child, never die.
    //| (void)go_fd; (void)region; (void)len; (void)use_people;
    //| lab_todo("the child: wait for the token, read and answer through the region");
    char token;
    if (demo)
        sleep(use_people ? 2 : 1);
    else if (read(go_fd, &token, 1) != 1)
        die_child("read token from parent");

    if (use_people) {
        people *p = region;
        for (int i = 0; i < 5; i++)
            printf("child read: the %d people's age is %d\n", i + 1, p[i].age);
        p[0].age = 100;
    } else {
        char *msg = region;
        printf("child got a message: %.*s\n", BUF_SIZE, msg[0] ? msg : "(empty)");
        snprintf(msg, BUF_SIZE, "%s", "hi, dad, this is son");
    }
    /* The mapping would go at exit anyway; the source unmaps explicitly. */
    if (munmap(region, len) == -1)
        die_child("munmap");
    // END SOLUTION
    fflush(stdout);
    _exit(EXIT_SUCCESS);
}

int main(int argc, char *argv[])
{
    lab_init(argc, argv, "[--people] [--private] [--devzero] [--demo] [-v]");
    int use_people = 0, private = 0, verbose = 0, devzero = 0;
    for (const char *opt; (opt = lab_option()) != NULL; ) {
        if (strcmp(opt, "--people") == 0)
            use_people = 1;
        else if (strcmp(opt, "--private") == 0)
            private = 1;
        else if (strcmp(opt, "--demo") == 0)
            demo = 1;
        else if (strcmp(opt, "--devzero") == 0)
            devzero = 1;
        else if (strcmp(opt, "-v") == 0)
            verbose = 1;
    }
    lab_end_operands();

    /* One anonymous region, made before fork so that both processes have
     * it. fd -1 and offset 0: there is no file. */
    size_t len = use_people ? sizeof(people) * RECORDS : BUF_SIZE;
    int share = private ? MAP_PRIVATE : MAP_SHARED;
    void *region;
    const char *kind = "MAP_ANONYMOUS";
    if (devzero) {
        /* The old way: map the zero device; the descriptor can go at once. */
        kind = "/dev/zero";
        // BEGIN SOLUTION: map /dev/zero
        //| // TODO: open /dev/zero read-write, map LEN bytes of it readable,
        //| // writable and SHARE (MAP_SHARED or MAP_PRIVATE), close it.
        //| region = NULL;
        //| lab_todo("map /dev/zero");
        int zero = open("/dev/zero", O_RDWR);
        if (zero == -1)
            die("/dev/zero");
        region = mmap(NULL, len, PROT_READ | PROT_WRITE, share, zero, 0);
        if (region == MAP_FAILED)
            die("mmap /dev/zero");
        if (close(zero) == -1)
            die("close");
        // END SOLUTION
    } else {
        // BEGIN SOLUTION: map an anonymous region before fork
        //| // TODO 1: map LEN bytes of anonymous memory (no file: fd -1, offset 0),
        //| // readable and writable, shared or private as SHARE says.
        //| // On failure: die("mmap").
        //| region = NULL;
        //| (void)share;
        //| lab_todo("map an anonymous region with mmap(MAP_ANONYMOUS)");
        region = mmap(NULL, len, PROT_READ | PROT_WRITE, share | MAP_ANONYMOUS,
                      -1, 0);
        if (region == MAP_FAILED)
            die("mmap");
        // END SOLUTION
    }
    if (devzero) {
        size_t nonzero = 0;
        for (size_t i = 0; i < len; i++)
            nonzero += ((unsigned char *)region)[i] != 0;
        printf("%s mapping of /dev/zero, %zu bytes: %zu non-zero bytes before "
               "any store, then fork\n", private ? "MAP_PRIVATE" : "MAP_SHARED",
               len, nonzero);
    } else if (use_people)
        printf("%s|%s region of %d people records (%zu bytes), "
               "then fork\n", private ? "MAP_PRIVATE" : "MAP_SHARED", kind,
               RECORDS, len);
    else
        printf("%s|%s region of %zu bytes, then fork\n",
               private ? "MAP_PRIVATE" : "MAP_SHARED", kind, len);
    fflush(stdout);  /* or the child would print this line a second time */

    // BEGIN SOLUTION: a pipe for the token, then fork
    //| // TODO 2: make a pipe GO (the parent writes the token into go[1], the
    //| // child reads it from go[0]); fork; the child closes go[1] and calls
    //| // child(go[0], region, len, use_people), which never returns; the parent
    //| // closes go[0]. On failure: die("pipe"), die("fork").
    //| int go[2] = {-1, -1};
    //| pid_t pid = -1;
    //| (void)child;
    //| lab_todo("make the token pipe and fork the child");
    int go[2];
    if (pipe(go) == -1)
        die("pipe");
    pid_t pid = fork();
    if (pid == -1)
        die("fork");
    if (pid == 0) {
        close(go[1]);
        child(go[0], region, len, use_people);
    }
    close(go[0]);
    // END SOLUTION
    if (verbose)
        fprintf(stderr, "anon_fork: parent pid %ld, child pid %ld\n",
                (long)getpid(), (long)pid);

    /* The parent's store, after fork as in the sources. */
    // BEGIN SOLUTION: the parent stores into the region
    //| // TODO 4: with USE_PEOPLE, fill the RECORDS records: record i gets the
    //| // name "b", "c", ... (one letter, NUL-padded) and the age 20 + i; without
    //| // it, write the string "hi, this is father" into the region.
    //| lab_todo("the parent: store the records or the message into the region");
    if (use_people) {
        people *p = region;
        for (int i = 0; i < RECORDS; i++) {
            memset(p[i].name, 0, sizeof p[i].name);
            p[i].name[0] = (char)('b' + i);  /* "b", "c", ... "k" */
            p[i].age = 20 + i;
        }
    } else {
        snprintf(region, BUF_SIZE, "%s", "hi, this is father");
    }
    // END SOLUTION

    /* Tell the child to look (--demo: it is sleeping instead), then wait
     * until it has answered and exited. */
    // BEGIN SOLUTION: hand the child the token, wait for it
    //| // TODO 5: in --demo mode sleep 5 s (--people) or 2 s instead of the token;
    //| // otherwise write one byte to go[1] (die("write token to child")). Close
    //| // go[1], then wait for the child with waitpid() into STATUS.
    //| int status = 0;
    //| (void)go; (void)pid;
    //| lab_todo("give the child the token and wait for it with waitpid");
    if (demo)
        sleep(use_people ? 5 : 2);
    else if (write(go[1], "g", 1) != 1)
        die("write token to child");
    close(go[1]);
    int status;
    if (waitpid(pid, &status, 0) == -1)
        die("waitpid");
    // END SOLUTION

    if (use_people) {
        printf("parent read: the first people's age is %d\n",
               ((people *)region)[0].age);
        printf("umap\n");
    } else {
        const char *msg = region;
        printf("parent got a message: %.*s\n", BUF_SIZE, msg[0] ? msg : "(empty)");
    }
    // BEGIN SOLUTION: unmap
    //| // TODO 6: unmap the region (die("munmap")); with USE_PEOPLE, then print
    //| // the line "umap ok".
    //| lab_todo("unmap the region");
    if (munmap(region, len) == -1)
        die("munmap");
    if (use_people)
        printf("umap ok\n");
    // END SOLUTION

    /* The child has been reaped: there is no zombie, and no other child. */
    errno = 0;
    int none_left = waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD;
    if (WIFEXITED(status))
        printf("child exited with status %d%s\n", WEXITSTATUS(status),
               none_left ? "; no child left to reap" : "");
    else
        printf("child killed by %s%s\n",
               WIFSIGNALED(status) ? signal_name(WTERMSIG(status)) : "?",
               none_left ? "; no child left to reap" : "");
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 && none_left
               ? EXIT_SUCCESS : EXIT_FAILURE;
}
