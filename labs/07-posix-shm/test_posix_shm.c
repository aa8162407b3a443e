/* test_posix_shm.c: Check tests for lab 07 (POSIX shared memory, source 001).
 *
 * Claims (rows of handouts/claims.tsv): P1 a new object has size 0, ftruncate sets it and
 * zero-fills growth, O_CREAT|O_EXCL on an existing name is EEXIST, the
 * descriptor has FD_CLOEXEC; P2 objects live in tmpfs at /dev/shm and
 * outlive their writer until shm_unlink; P3 shm_unlink leaves existing
 * mappings usable and makes shm_open fail with ENOENT; P4 the mode follows
 * the umask, fstat/fchmod/fchown work on the descriptor; P6 the same object
 * mapped twice sits at two addresses: offsets work through both, pointers
 * lead into the first mapping. Also: the programs read and write a plain
 * format any POSIX program can use, bad names and bad input get one clear
 * line, and nothing of this run is left in /dev/shm.
 *
 * Every name comes from lab_unique_name(); testlib's main() removes any
 * that a failing test leaves behind.
 */
#define _GNU_SOURCE
#include "testlib.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

/* The /dev/shm path of a POSIX name ("/x" -> "/dev/shm/x"). */
static void dev_shm_path(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "/dev/shm%s", name);
}

/* Does a line equal to `line` appear in the output? */
static int has_line(const char *out, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = out; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (strncmp(p, line, n) == 0 && (p[n] == '\n' || p[n] == '\0'))
            return 1;
    return 0;
}

// does a new object start at size 0, with FD_CLOEXEC, and does ftruncate set its size and zero-fill?
START_TEST(test_new_object_is_empty_and_ftruncate_sizes_it)
{
    char name[128];
    lab_unique_name(name, sizeof name, "p1");
    int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_msg(fd != -1, "shm_open: %s", strerror(errno));
    struct stat sb;
    ck_assert_int_eq(fstat(fd, &sb), 0);
    // a new object has size 0
    ck_assert_int_eq(sb.st_size, 0);
    // the descriptor is close-on-exec
    int fdflags = fcntl(fd, F_GETFD);
    ck_assert_int_ne(fdflags & FD_CLOEXEC, 0);
    // ftruncate gives it a size, and every new byte reads as 0
    ck_assert_int_eq(ftruncate(fd, 100), 0);
    ck_assert_int_eq(fstat(fd, &sb), 0);
    ck_assert_int_eq(sb.st_size, 100);
    unsigned char *p = mmap(NULL, 100, PROT_READ, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    int zeros = 0;
    for (int i = 0; i < 100; i++)
        zeros += p[i] == 0;
    ck_assert_int_eq(zeros, 100);
    munmap(p, 100);
    // O_CREAT|O_EXCL on the existing name is EEXIST
    errno = 0;
    ck_assert_int_eq(shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600), -1);
    int excl_errno = errno;
    ck_assert_int_eq(excl_errno, EEXIST);
    close(fd);
    ck_assert_int_eq(shm_unlink(name), 0);

    // the programs show the same: size 0, then the ftruncate size, EEXIST
    struct lab_result r;
    LAB_RUN_OK(&r, "pshm_create", "-x", name);
    ck_assert_ptr_nonnull(strstr(r.out, ", size 0\n"));
    lab_result_free(&r);
    LAB_RUN_OK(&r, "pshm_stat", name);
    ck_assert(has_line(r.out, "size: 0 bytes"));
    ck_assert(has_line(r.out, "FD_CLOEXEC: set"));
    lab_result_free(&r);
    LAB_RUN_OK(&r, "pshm_resize", name, "100");
    ck_assert(has_line(r.out, "grown from 0 to 100 bytes with ftruncate"));
    ck_assert(has_line(r.out, "new bytes that read as 0: 100 of 100"));
    lab_result_free(&r);
    lab_expect_error(1, "(EEXIST)", "pshm_create", "-x", name, "10", NULL);
    LAB_RUN_OK(&r, "pshm_unlink", name);
    lab_result_free(&r);
    LAB_REPORT("P1", "confirmed",
               "new object: size 0, FD_CLOEXEC %s; ftruncate to 100: size 100, "
               "%d of 100 bytes read 0; second O_CREAT|O_EXCL: %s",
               (fdflags & FD_CLOEXEC) ? "set" : "not set", zeros,
               lab_errno_name(excl_errno));
}
END_TEST

// does the mode follow the umask, and do fchmod and fchown work on the descriptor?
START_TEST(test_mode_follows_umask_and_fchmod_fchown_work)
{
    char name[128];
    lab_unique_name(name, sizeof name, "p4");
    // the program inherits our umask: 0666 & ~027 = 0640
    umask(027);
    struct lab_result r;
    LAB_RUN_OK(&r, "pshm_create", "-x", "-m", "0666", name);
    ck_assert_ptr_nonnull(strstr(r.out, "mode 0640 (asked 0666, umask 0027)"));
    lab_result_free(&r);
    char path[160];
    dev_shm_path(path, sizeof path, name);
    struct stat sb;
    ck_assert_int_eq(stat(path, &sb), 0);
    mode_t after_umask = sb.st_mode & 07777;
    ck_assert_uint_eq(after_umask, 0640);

    // fchmod on a descriptor from shm_open changes the mode
    int fd = shm_open(name, O_RDWR, 0);
    ck_assert_int_ne(fd, -1);
    ck_assert_int_eq(fchmod(fd, 0604), 0);
    ck_assert_int_eq(fstat(fd, &sb), 0);
    ck_assert_uint_eq(sb.st_mode & 07777, 0604);
    LAB_RUN_OK(&r, "pshm_stat", name);
    ck_assert(has_line(r.out, "mode: 0604"));
    ck_assert(has_line(r.out, "owner: the caller's effective user and group"));
    lab_result_free(&r);

    // fchown to ourselves always works; to another user only for root
    ck_assert_int_eq(fchown(fd, geteuid(), getegid()), 0);
    const char *chown_note = "fchown to self worked (not root: no other user tried)";
    if (geteuid() == 0) {
        ck_assert_int_eq(fchown(fd, 65534, 65534), 0);
        ck_assert_int_eq(fstat(fd, &sb), 0);
        ck_assert_int_eq(sb.st_uid, 65534);
        LAB_RUN_OK(&r, "pshm_stat", name);
        ck_assert(has_line(r.out, "owner: another user or group (see -v)"));
        lab_result_free(&r);
        chown_note = "fchown to uid/gid 65534 worked (as root)";
    }
    close(fd);
    ck_assert_int_eq(shm_unlink(name), 0);
    LAB_REPORT("P4", "confirmed",
               "umask 027, mode 0666 -> object mode %04o; fchmod 0604 -> "
               "fstat 0604; %s", (unsigned)after_umask, chown_note);
}
END_TEST

// does growth read as zero, keep the old bytes, and does mremap grow a live mapping?
START_TEST(test_resize_grows_with_zeros_and_mremap_follows)
{
    char name[128], big[32], shrunk[8] = "3";
    lab_unique_name(name, sizeof name, "rs");
    long page = lab_page();
    snprintf(big, sizeof big, "%ld", 2 * page + 10);
    struct lab_result r;
    LAB_RUN_OK(&r, "pshm_create", "-x", name, "6");
    lab_result_free(&r);
    LAB_RUN_OK(&r, "pshm_write", name, "hello");
    lab_result_free(&r);
    // grow a live mapping with mremap: the old bytes stay, the new read as 0
    LAB_RUN_OK(&r, "pshm_resize", "-r", name, big);
    char want[160];
    snprintf(want, sizeof want, "mapping resized with mremap from 6 to %s bytes: "
             "the first 6 bytes are unchanged: yes", big);
    ck_assert_msg(has_line(r.out, want), "output: %s", r.out);
    snprintf(want, sizeof want, "new bytes that read as 0: %ld of %ld",
             2 * page + 4, 2 * page + 4);
    ck_assert_msg(has_line(r.out, want), "output: %s", r.out);
    lab_result_free(&r);
    LAB_RUN_OK(&r, "pshm_read", name);
    ck_assert_str_eq(r.out, "hello\n");
    lab_result_free(&r);

    // shrinking under a live mapping: the pages past the new end raise SIGBUS
    int fd = shm_open(name, O_RDWR, 0);
    ck_assert_int_ne(fd, -1);
    char *p = mmap(NULL, (size_t)(2 * page + 10), PROT_READ, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    LAB_RUN_OK(&r, "pshm_resize", name, shrunk);
    snprintf(want, sizeof want, "shrunk from %s to 3 bytes with ftruncate", big);
    ck_assert_msg(has_line(r.out, want), "output: %s", r.out);
    lab_result_free(&r);
    int code;
    // inside the first page (the object's last page) reading is fine
    ck_assert_int_eq(lab_probe_read(p + 2, &code, NULL), 0);
    // the second page is past the object's end now
    ck_assert_int_eq(lab_probe_read(p + page, &code, NULL), SIGBUS);
    munmap(p, (size_t)(2 * page + 10));
    close(fd);
    LAB_RUN_OK(&r, "pshm_read", name);
    ck_assert_str_eq(r.out, "hel\n");
    lab_result_free(&r);
    ck_assert_int_eq(shm_unlink(name), 0);
}
END_TEST

// when the grown object cannot be mapped, is it left at its old size?
START_TEST(test_failed_resize_leaves_the_old_size)
{
    char name[128], bin[512], limit[32], size[32];
    lab_unique_name(name, sizeof name, "rsfail");
    const char *bindir = getenv("LAB_BIN"), *prlimit = "/usr/bin/prlimit";
    if (bindir == NULL || access(prlimit, X_OK) != 0)
        LAB_SKIP("needs LAB_BIN (scripts/run sets it) and %s", prlimit);
    struct lab_result r;
    LAB_RUN_OK(&r, "pshm_create", "-x", name, "1");
    lab_result_free(&r);
    // 1 GiB of object is allowed, but a 256 MiB address space cannot map it
    snprintf(bin, sizeof bin, "%s/pshm_resize", bindir);
    snprintf(limit, sizeof limit, "--as=%ld", 256L << 20);
    snprintf(size, sizeof size, "%ld", 1L << 30);
    char *argv[] = {(char *)prlimit, limit, bin, name, size, NULL};
    lab_runv(&r, 10, NULL, argv);
    if (strstr(r.out, "grown from 1 to") == NULL) {
        char why[256];
        snprintf(why, sizeof why, "%s", r.err);
        lab_result_free(&r);
        ck_assert_int_eq(shm_unlink(name), 0);  /* a skip leaves nothing */
        LAB_SKIP("pshm_resize did not get to ftruncate under a 256 MiB address "
                 "space (a sanitizer or valgrind build?): %s", why);
    }
    // the failure is one line on stderr, after the "grown" line on stdout
    ck_assert_msg(r.exited && r.code == 1, "exit %d: %s", r.code, r.err);
    ck_assert_msg(strstr(r.err, "size restored to 1 bytes") != NULL &&
                  strchr(r.err, '\n') == r.err + r.err_len - 1,
                  "stderr: %s", r.err);
    lab_result_free(&r);
    char path[160];
    snprintf(path, sizeof path, "/dev/shm%s", name);
    ck_assert_int_eq(lab_file_size(path), 1);
    ck_assert_int_eq(shm_unlink(name), 0);
}
END_TEST

// does the data outlive the writer, in a tmpfs file under /dev/shm, until shm_unlink?
START_TEST(test_data_outlives_the_writer_until_unlink)
{
    char name[128], path[160];
    lab_unique_name(name, sizeof name, "p2");
    dev_shm_path(path, sizeof path, name);
    struct lab_result r;
    LAB_RUN_OK(&r, "pshm_create", "-x", name, "64");
    lab_result_free(&r);
    LAB_RUN_OK(&r, "pshm_write", name, "written by a process that has exited");
    lab_result_free(&r);
    // no process has the object open or mapped now; it is a file in /dev/shm
    const char *fs = lab_fs_type("/dev/shm");
    ck_assert_str_eq(fs, "tmpfs");
    ck_assert_int_eq(lab_file_size(path), 64);
    // plain file I/O reads the same bytes
    size_t len;
    char *bytes = lab_read_file(path, &len);
    ck_assert_uint_eq(len, 64);
    ck_assert_str_eq(bytes, "written by a process that has exited");
    free(bytes);
    // a later, unrelated process reads what the writer left
    LAB_RUN_OK(&r, "pshm_read", name);
    ck_assert_str_eq(r.out, "written by a process that has exited\n");
    lab_result_free(&r);
    LAB_RUN_OK(&r, "pshm_unlink", name);
    lab_result_free(&r);
    // after shm_unlink: gone from /dev/shm, and shm_open says ENOENT
    struct stat sb;
    ck_assert_int_eq(stat(path, &sb), -1);
    ck_assert_int_eq(errno, ENOENT);
    lab_expect_error(1, "(ENOENT)", "pshm_read", name, NULL);
    LAB_REPORT("P2", "confirmed",
               "/dev/shm is %s; after the writer exited the object was a "
               "64-byte file there and a new process read the text; after "
               "shm_unlink the file was gone and shm_open gave ENOENT", fs);
}
END_TEST

// can a plain POSIX program and the lab's programs read each other's data?
START_TEST(test_plain_posix_programs_interoperate)
{
    char name[128];
    lab_unique_name(name, sizeof name, "io");
    // a plain writer: exactly the text, no NUL, object sized to it
    int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ne(fd, -1);
    ck_assert_int_eq(write(fd, "plain", 5), 5);
    struct lab_result r;
    LAB_RUN_OK(&r, "pshm_read", name);
    // no NUL: the whole object is the string
    ck_assert_str_eq(r.out, "plain\n");
    lab_result_free(&r);
    // the lab's writer: the text and a NUL, nothing else; size unchanged
    ck_assert_int_eq(ftruncate(fd, 16), 0);
    LAB_RUN_OK(&r, "pshm_write", name, "abc");
    lab_result_free(&r);
    char buf[16];
    ck_assert_int_eq(pread(fd, buf, sizeof buf, 0), 16);
    // "abc", its NUL, then the old "n" of "plain", then ftruncate's zeros
    ck_assert_int_eq(memcmp(buf, "abc\0n\0\0", 7), 0);
    close(fd);
    LAB_RUN_OK(&r, "pshm_read", name);
    ck_assert_str_eq(r.out, "abc\n");
    lab_result_free(&r);
    ck_assert_int_eq(shm_unlink(name), 0);
}
END_TEST

// an object that fills its last page with text has no NUL in it: does
// pshm_read print exactly its bytes (a %s print runs past the mapping)?
START_TEST(test_object_filling_its_page_is_read_exactly)
{
    char name[128];
    lab_unique_name(name, sizeof name, "full");
    long page = lab_page();
    int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ne(fd, -1);
    char *text = malloc((size_t)page + 1);
    ck_assert_ptr_nonnull(text);
    for (long i = 0; i < page; i++)
        text[i] = (char)('a' + i % 26);
    text[page] = '\n';
    ck_assert_int_eq(write(fd, text, (size_t)page), page);
    close(fd);
    struct lab_result r;
    lab_run(&r, 10, NULL, "pshm_read", name, NULL);
    shm_unlink(name);
    ck_assert_msg(r.exited && r.code == 0, "pshm_read of an object of one "
                  "page of text failed (read past it?): %s", r.err);
    ck_assert_msg(r.out_len == (size_t)page + 1 &&
                      memcmp(r.out, text, (size_t)page + 1) == 0,
                  "pshm_read printed %zu bytes for an object of %ld bytes of "
                  "text and no NUL: it must print exactly the object's bytes",
                  r.out_len, page);
    free(text);
    lab_result_free(&r);
}
END_TEST

// does a mapping survive shm_unlink, for reading and writing, while shm_open fails with ENOENT?
START_TEST(test_unlink_keeps_existing_mappings)
{
    char name[128], path[160];
    lab_unique_name(name, sizeof name, "p3");
    dev_shm_path(path, sizeof path, name);
    int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ne(fd, -1);
    ck_assert_int_eq(ftruncate(fd, 64), 0);
    char *p = mmap(NULL, 64, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    // the descriptor can go once the object is mapped (X6)
    ck_assert_int_eq(close(fd), 0);
    strcpy(p, "before");
    // a store after close(fd) reaches the object: a new descriptor reads it
    char check[8] = "";
    int fd2 = shm_open(name, O_RDONLY, 0);
    ck_assert_int_ne(fd2, -1);
    ck_assert_int_eq(pread(fd2, check, 7, 0), 7);
    close(fd2);
    ck_assert_str_eq(check, "before");
    // another process removes the name
    struct lab_result r;
    LAB_RUN_OK(&r, "pshm_unlink", name);
    lab_result_free(&r);
    // the name is gone ...
    errno = 0;
    ck_assert_int_eq(shm_open(name, O_RDONLY, 0), -1);
    int open_errno = errno;
    ck_assert_int_eq(open_errno, ENOENT);
    ck_assert_int_eq(access(path, F_OK), -1);
    // ... but our mapping still reads and writes the object
    ck_assert_str_eq(p, "before");
    strcpy(p, "after");
    ck_assert_str_eq(p, "after");
    munmap(p, 64);

    // pshm_hold shows the same with two programs
    lab_unique_name(name, sizeof name, "hold");
    LAB_RUN_OK(&r, "pshm_create", "-x", name, "64");
    lab_result_free(&r);
    LAB_RUN_OK(&r, "pshm_write", name, "before unlink");
    lab_result_free(&r);
    lab_run(&r, 10, NULL, "pshm_hold", name, "after unlink", "--",
            "pshm_unlink", name, NULL);
    ck_assert_msg(r.exited && r.code == 0, "pshm_hold: %s", r.err);
    ck_assert_str_eq(r.out,
                     "mapped 64 bytes, descriptor closed; the object holds 'before unlink'\n"
                     "unlinked\n"
                     "command exited 0\n"
                     "read through the mapping: 'before unlink'\n"
                     "stored and read back: 'after unlink'\n"
                     "shm_open again: ENOENT (No such file or directory)\n"
                     "unmapped\n");
    lab_result_free(&r);
    LAB_REPORT("P3", "confirmed",
               "after pshm_unlink ran in another process, shm_open gave %s and "
               "/dev/shm had no entry, while the existing mapping read 'before' "
               "and stored 'after'", lab_errno_name(open_errno));
    LAB_REPORT("X6", "confirmed",
               "after close(fd) right after mmap, a store of '%s' through the "
               "mapping was read back by pread on a new descriptor, and the "
               "mapping kept working after shm_unlink", check);
}
END_TEST

// does the same object sit at two addresses, with offsets working through both and pointers only into the first?
START_TEST(test_offsets_work_in_both_mappings_pointers_do_not)
{
    char name[128];
    lab_unique_name(name, sizeof name, "p6");
    struct lab_result r;
    LAB_RUN_OK(&r, "pshm_create", "-x", name, "1000");
    lab_result_free(&r);
    LAB_RUN_OK(&r, "pshm_twomaps", name);
    ck_assert_str_eq(r.out,
        "mapped the object twice: different addresses: yes\n"
        "a store through mapping 2 is seen through mapping 1: yes\n"
        "built a 3-node list through mapping 1 (links stored as offsets and as pointers)\n"
        "offsets walked through mapping 1: 10 20 30 (every node inside this mapping: yes)\n"
        "offsets walked through mapping 2: 10 20 30 (every node inside this mapping: yes)\n"
        "pointers read through mapping 2: 3 nodes, 3 inside mapping 1, 0 inside mapping 2\n"
        "mapping 1 replaced by an inaccessible PROT_NONE range\n"
        "offsets walked through mapping 2: 10 20 30 (every node inside this mapping: yes)\n"
        "following the head pointer through mapping 2: SIGSEGV\n");
    lab_result_free(&r);

    // the same object mapped twice here: two addresses, one set of bytes
    int fd = shm_open(name, O_RDWR, 0);
    ck_assert_int_ne(fd, -1);
    char *a = mmap(NULL, 1000, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    char *b = mmap(NULL, 1000, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(a, MAP_FAILED);
    ck_assert_ptr_ne(b, MAP_FAILED);
    close(fd);
    ck_assert_ptr_ne(a, b);
    a[500] = 'Q';
    ck_assert_int_eq(b[500], 'Q');
    munmap(a, 1000);
    munmap(b, 1000);
    ck_assert_int_eq(shm_unlink(name), 0);
    LAB_REPORT("P6", "confirmed",
               "one object mapped twice in one process: two addresses; a list "
               "walked by offsets gave 10 20 30 through both mappings; its "
               "pointers read through mapping 2 led to 3 nodes in mapping 1, 0 "
               "in mapping 2; with mapping 1 replaced by PROT_NONE, following "
               "the head pointer raised SIGSEGV while offsets still worked");
}
END_TEST

// are names without a leading slash, with a second slash, or too long refused with a clear message, and what does glibc do with them?
START_TEST(test_bad_names_are_refused_clearly)
{
    char longname[300];
    longname[0] = '/';
    memset(longname + 1, 'x', 256);
    longname[257] = '\0';
    const char *progs[] = {"pshm_create", "pshm_write", "pshm_read",
                           "pshm_stat", "pshm_resize", "pshm_unlink"};
    for (size_t i = 0; i < sizeof progs / sizeof *progs; i++) {
        const char *extra = i == 1 ? "text" : i == 4 ? "10" : NULL;
        lab_expect_error(2, "must start with '/'", progs[i], "noslash", extra, NULL);
        lab_expect_error(2, "no '/' allowed after the first", progs[i], "/a/b", extra, NULL);
        lab_expect_error(2, "256 characters after '/', more than NAME_MAX (255)", progs[i], longname, extra, NULL);
        lab_expect_error(2, "at least one character", progs[i], "/", extra, NULL);
    }

    // glibc itself: no leading slash is accepted (as if it had one) ...
    char name[128];
    lab_unique_name(name, sizeof name, "noslash");
    int fd = shm_open(name + 1, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_msg(fd != -1, "glibc refused a name without '/': %s", strerror(errno));
    close(fd);
    // ... and it is the same object as the name with the slash
    ck_assert_int_eq(shm_unlink(name), 0);
    // a second slash is EINVAL
    errno = 0;
    ck_assert_int_eq(shm_open("/labtest/x", O_RDWR | O_CREAT | O_EXCL, 0600), -1);
    ck_assert_int_eq(errno, EINVAL);
    // 256 characters: ENAMETOOLONG from the kernel (or EINVAL from an older glibc)
    errno = 0;
    ck_assert_int_eq(shm_open(longname, O_RDWR | O_CREAT | O_EXCL, 0600), -1);
    int err256 = errno;
    ck_assert_msg(err256 == ENAMETOOLONG || err256 == EINVAL, "errno %s",
                  lab_errno_name(err256));
    // 300 characters: past glibc's own buffer (EINVAL on glibc 2.36)
    char longer[320];
    longer[0] = '/';
    memset(longer + 1, 'y', 300);
    longer[301] = '\0';
    errno = 0;
    ck_assert_int_eq(shm_open(longer, O_RDWR | O_CREAT | O_EXCL, 0600), -1);
    int err300 = errno;
    ck_assert_msg(err300 == ENAMETOOLONG || err300 == EINVAL, "errno %s",
                  lab_errno_name(err300));
    fprintf(stderr, "glibc shm_open: no slash accepted, '/a/b' EINVAL, "
            "256 chars %s, 300 chars %s\n", lab_errno_name(err256),
            lab_errno_name(err300));
}
END_TEST

// does every kind of bad input get one clear line and the right status?
START_TEST(test_bad_input)
{
    char name[128];
    lab_unique_name(name, sizeof name, "bad");
    struct lab_result r;
    const char *progs[] = {"pshm_create", "pshm_write", "pshm_read", "pshm_stat",
                           "pshm_resize", "pshm_unlink", "pshm_hold",
                           "pshm_twomaps"};
    for (size_t i = 0; i < sizeof progs / sizeof *progs; i++) {
        // no arguments: the usage line, exit 2; --help: on stdout, exit 0
        lab_expect_error(2, "usage:", progs[i], NULL);
        lab_expect_help(progs[i]);
    }
    // extra arguments
    lab_expect_error(2, "too many", "pshm_read", name, "extra", NULL);
    lab_expect_error(2, "too many", "pshm_create", name, "1", "2", NULL);
    // bad numbers and modes, unknown options
    lab_expect_error(2, "SIZE", "pshm_create", name, "12abc", NULL);
    lab_expect_error(2, "SIZE", "pshm_create", name, "-5", NULL);
    lab_expect_error(2, "MODE", "pshm_create", "-m", "999", name, NULL);
    lab_expect_error(2, "-q", "pshm_create", "-q", name, NULL);
    lab_expect_error(2, "SIZE", "pshm_resize", name, "big", NULL);
    lab_expect_error(2, "--", "pshm_hold", name, "t", "pshm_read", name, NULL);
    // an object that does not exist: ENOENT, exit 1
    const char *missing[] = {"pshm_read", "pshm_stat", "pshm_unlink", "pshm_twomaps"};
    for (size_t i = 0; i < sizeof missing / sizeof *missing; i++) {
        lab_expect_error(1, "No such file or directory (ENOENT)", missing[i], name, NULL);
    }
    lab_expect_error(1, "(ENOENT)", "pshm_write", name, "x", NULL);
    lab_expect_error(1, "(ENOENT)", "pshm_resize", name, "10", NULL);

    // an object too small for the text, the list or a mapping
    LAB_RUN_OK(&r, "pshm_create", "-x", name, "4");
    lab_result_free(&r);
    lab_expect_error(1, "pshm_resize it first", "pshm_write", name, "too long", NULL);
    lab_expect_error(1, "TEXT needs 8", "pshm_hold", name, "too long", "--", "true", NULL);
    lab_expect_error(1, "the list needs", "pshm_twomaps", name, NULL);
    lab_expect_error(1, "-r needs a mapping", "pshm_resize", "-r", name, "0", NULL);
    // a command that cannot be run: pshm_hold reports its exit status
    lab_run(&r, 10, NULL, "pshm_hold", name, "ok", "--", "./no-such-command", NULL);
    ck_assert_msg(r.exited && r.code == 0, "pshm_hold: %s", r.err);
    ck_assert(has_line(r.out, "command exited 1"));
    lab_result_free(&r);
    // the size was never changed by a refused write
    LAB_RUN_OK(&r, "pshm_stat", name);
    ck_assert(has_line(r.out, "size: 4 bytes"));
    lab_result_free(&r);
    ck_assert_int_eq(shm_unlink(name), 0);
}
END_TEST

// is nothing of this run left in /dev/shm?
START_TEST(test_nothing_left_in_dev_shm)
{
    DIR *d = opendir("/dev/shm");
    ck_assert_ptr_nonnull(d);
    int left = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strstr(e->d_name, lab_name_prefix()) != NULL) {
            fprintf(stderr, "left in /dev/shm: %s\n", e->d_name);
            left++;
        }
    closedir(d);
    ck_assert_int_eq(left, 0);
}
END_TEST

Suite *lab_suite(void)
{
    Suite *s = suite_create("07-posix-shm");
    TCase *tc = lab_tcase(s, "create", 10);
    tcase_add_test(tc, test_new_object_is_empty_and_ftruncate_sizes_it);
    tcase_add_test(tc, test_mode_follows_umask_and_fchmod_fchown_work);
    tcase_add_test(tc, test_resize_grows_with_zeros_and_mremap_follows);
    tcase_add_test(tc, test_failed_resize_leaves_the_old_size);
    tc = lab_tcase(s, "persistence", 10);
    tcase_add_test(tc, test_data_outlives_the_writer_until_unlink);
    tcase_add_test(tc, test_plain_posix_programs_interoperate);
    tcase_add_test(tc, test_object_filling_its_page_is_read_exactly);
    tcase_add_test(tc, test_unlink_keeps_existing_mappings);
    tc = lab_tcase(s, "addresses", 10);
    tcase_add_test(tc, test_offsets_work_in_both_mappings_pointers_do_not);
    tc = lab_tcase(s, "refusals", 20);
    tcase_add_test(tc, test_bad_names_are_refused_clearly);
    tcase_add_test(tc, test_bad_input);
    tc = lab_tcase(s, "leftovers", 10);
    tcase_add_test(tc, test_nothing_left_in_dev_shm);
    return s;
}
