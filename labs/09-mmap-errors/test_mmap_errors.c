/* test_mmap_errors.c: Check tests for lab 09 (mmap_errors, sources 002, 004).
 *
 * Claim E1 (handouts/claims.tsv): each failure the sources list comes with the errno
 * they name, or the signal with its si_code; MAP_PRIVATE on an O_RDONLY
 * descriptor is allowed; MAP_DENYWRITE no longer gives ETXTBSY; MAP_HUGETLB
 * gives ENOMEM when no huge pages are reserved. E2: mmap fails with ENOMEM
 * at vm.max_map_count mappings. E3: MAP_SHARED|MAP_PRIVATE is not refused:
 * it is MAP_SHARED_VALIDATE, a shared mapping. The tests ask the kernel
 * directly (one table, one call each) and also check what the program prints.
 */
#define _GNU_SOURCE
#include "testlib.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* The observed column of the row named `name` in mmap_errors' table. */
static void observed_of(const char *out, const char *name, char *obs, size_t size)
{
    char want[64];
    snprintf(want, sizeof want, "\n%s ", name);
    const char *line = strstr(out, want);
    ck_assert_msg(line != NULL, "no row '%s' in:\n%s", name, out);
    char expected[64], observed[64], verdict[16];
    /* the call column has spaces: take the last three fields of the line */
    const char *end = strchr(line + 1, '\n');
    ck_assert_ptr_nonnull(end);
    char text[512];
    snprintf(text, sizeof text, "%.*s", (int)(end - line - 1), line + 1);
    char *v = strrchr(text, ' ');
    ck_assert_ptr_nonnull(v);
    snprintf(verdict, sizeof verdict, "%s", v + 1);
    while (v > text && *v == ' ') *v-- = '\0';
    char *o = strrchr(text, ' ');
    snprintf(observed, sizeof observed, "%s", o + 1);
    while (o > text && *o == ' ') *o-- = '\0';
    char *e = strrchr(text, ' ');
    snprintf(expected, sizeof expected, "%s", e + 1);
    snprintf(obs, size, "%s %s %s", expected, observed, verdict);
}

// does the program's table show every case with the errno the sources name?
START_TEST(test_catalogue_rows_are_as_expected)
{
    static const char *const rows[][2] = {
        {"zero-length", "EINVAL EINVAL ok"},
        {"unaligned-offset", "EINVAL EINVAL ok"},
        {"no-type-flag", "EINVAL EINVAL ok"},
        {"both-type-flags", "success success ok"},
        {"fixed-unaligned", "EINVAL EINVAL ok"},
        {"absurd-length", "ENOMEM ENOMEM ok"},
        {"rdonly-shared-rw", "EACCES EACCES ok"},
        {"rdonly-private-rw", "success success ok"},
        {"wronly-shared-w", "EACCES EACCES ok"},
        {"closed-fd", "EBADF EBADF ok"},
        {"pipe", "ENODEV ENODEV ok"},
        {"directory", "ENODEV ENODEV ok"},
        {"dev-null", "ENODEV ENODEV ok"},
        {"write-sealed", "EPERM EPERM ok"},
        {"memlock-limit", "EAGAIN EAGAIN ok"},
        {"denywrite", "ETXTBSY success n/r"},
        {"store-prot-read", "SIGSEGV/SEGV_ACCERR SIGSEGV/SEGV_ACCERR ok"},
        {"after-munmap", "SIGSEGV/SEGV_MAPERR SIGSEGV/SEGV_MAPERR ok"},
        {"past-end-of-file", "SIGBUS/BUS_ADRERR SIGBUS/BUS_ADRERR ok"},
    };
    struct lab_result r;
    lab_run(&r, 10, NULL, "mmap_errors", NULL);
    ck_assert_msg(r.exited && r.code == 0, "mmap_errors: exit %d signal %d: %s",
                  r.code, r.sig, r.err);
    char got[160];
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        observed_of(r.out, rows[i][0], got, sizeof got);
        // expected, observed and verdict columns of this row
        ck_assert_msg(strcmp(got, rows[i][1]) == 0, "row %s: '%s', want '%s'",
                      rows[i][0], got, rows[i][1]);
    }
    ck_assert_ptr_nonnull(strstr(r.out, "every row as expected"));
    // the scratch file was unlinked: the working directory is empty again
    struct stat sb;
    ck_assert_int_eq(stat("mmap_errors.XXXXXX", &sb), -1);
    LAB_REPORT("E1", "confirmed",
               "%zu rows: len 0, offset 100, flags 0, MAP_FIXED at page+1 -> "
               "EINVAL; len SIZE_MAX&~(page-1) -> ENOMEM; O_RDONLY+MAP_SHARED+"
               "PROT_WRITE -> EACCES (as uid %d), MAP_PRIVATE allowed; O_WRONLY "
               "-> EACCES; closed fd -> EBADF; pipe, directory, /dev/null -> "
               "ENODEV; write seal -> EPERM; MAP_LOCKED over RLIMIT_MEMLOCK -> "
               "EAGAIN; MAP_DENYWRITE -> success (ETXTBSY not reproducible); "
               "SEGV_ACCERR, SEGV_MAPERR, BUS_ADRERR as listed",
               sizeof rows / sizeof rows[0], (int)geteuid());
    lab_result_free(&r);
}
END_TEST

// are MAP_SHARED and MAP_PRIVATE together refused, as "choose one" implies?
START_TEST(test_both_type_flags_are_map_shared_validate)
{
    long page = lab_page();
    // the two bits together are the flag MAP_SHARED_VALIDATE
    ck_assert_int_eq(MAP_SHARED | MAP_PRIVATE, MAP_SHARED_VALIDATE);
    lab_write_file("f", "abcd", 4);
    int fd = open("f", O_RDWR);
    ck_assert_int_ne(fd, -1);
    // neither: EINVAL
    errno = 0;
    ck_assert_ptr_eq(mmap(NULL, (size_t)page, PROT_READ, 0, fd, 0), MAP_FAILED);
    ck_assert_int_eq(errno, EINVAL);
    // both: a mapping, and a shared one: a store reaches the file
    char *p = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_PRIVATE, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    p[1] = 'Z';
    char back[5] = {0};
    ck_assert_int_eq(pread(fd, back, 4, 0), 4);
    ck_assert_str_eq(back, "aZcd");
    ck_assert_int_eq(munmap(p, (size_t)page), 0);
    // what "validate" means: a flag bit this kernel does not define is
    // refused, where plain MAP_SHARED ignores it
    const int unknown = 0x800000;
    errno = 0;
    void *v = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE,
                   MAP_SHARED_VALIDATE | unknown, fd, 0);
    int validate_err = v == MAP_FAILED ? errno : 0;
    if (v != MAP_FAILED)
        munmap(v, (size_t)page);
    void *plain = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE,
                       MAP_SHARED | unknown, fd, 0);
    ck_assert_ptr_ne(plain, MAP_FAILED);
    munmap(plain, (size_t)page);
    close(fd);
    if (validate_err == 0)
        LAB_SKIP("this kernel defines mmap flag 0x%x: cannot show the refusal", unknown);
    ck_assert_int_eq(validate_err, EOPNOTSUPP);
    // and the program's row says the same: success, and shared
    struct lab_result r;
    lab_run(&r, 10, NULL, "mmap_errors", NULL);
    ck_assert_msg(r.exited && r.code == 0, "mmap_errors: exit %d: %s", r.code, r.err);
    char got[160];
    observed_of(r.out, "both-type-flags", got, sizeof got);
    ck_assert_str_eq(got, "success success ok");
    lab_result_free(&r);
    LAB_REPORT("E3", "refuted",
               "neither flag: EINVAL; MAP_SHARED|MAP_PRIVATE (= MAP_SHARED_VALIDATE, "
               "0x%x): success, and a store through it reached the file (pread "
               "saw it): a shared mapping that refuses flags it does not know "
               "(flag 0x%x: %s; plain MAP_SHARED ignores it)",
               MAP_SHARED_VALIDATE, unknown, strerrorname_np(validate_err));
}
END_TEST

// does mmap fail with ENOMEM once the process has vm.max_map_count mappings?
START_TEST(test_map_count_limit_is_enomem)
{
    long max = -1;
    FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
    if (f != NULL) {
        if (fscanf(f, "%ld", &max) != 1)
            max = -1;
        fclose(f);
    }
    if (max < 0)
        LAB_SKIP("no /proc/sys/vm/max_map_count");
    if (max > 1000000)
        LAB_SKIP("vm.max_map_count is %ld: too many mappings to make in a test", max);
    struct lab_result r;
    lab_run(&r, 20, NULL, "mmap_errors", NULL);
    ck_assert_msg(r.exited && r.code == 0, "mmap_errors: exit %d: %s", r.code, r.err);
    char got[160];
    observed_of(r.out, "map-count-limit", got, sizeof got);
    // the row: mmap failed with ENOMEM, as expected
    ck_assert_str_eq(got, "ENOMEM ENOMEM ok");
    const char *line = strstr(r.err, "map-count-limit: ");
    ck_assert_ptr_nonnull(line);
    long made = -1, limit = -1;
    ck_assert_int_eq(sscanf(line, "map-count-limit: %ld mappings made before mmap "
                            "failed (vm.max_map_count = %ld)", &made, &limit), 2);
    ck_assert_int_eq(limit, max);
    // it failed at the limit, not before: the child had only a few dozen
    // mappings of its own (program, libraries, stack)
    ck_assert_int_le(made, max);
    ck_assert_int_ge(made, max - 1000);
    LAB_REPORT("E2", "confirmed",
               "a child mapped one page at a time (alternating protections, so "
               "none merged): mmap failed with ENOMEM after %ld new mappings, "
               "vm.max_map_count being %ld", made, max);
    lab_result_free(&r);
}
END_TEST

/* One direct call per row: what mmap must answer. */
struct errcase {
    const char *name;
    size_t pages;        /* length in pages; 0 = zero length */
    int prot, flags;
    int fd_kind;         /* 0 rw file, 1 O_RDONLY, 2 O_WRONLY, 3 none (-1) */
    off_t offset;
    int want;            /* errno, or 0 = success */
};

static const struct errcase cases[] = {
    {"zero length", 0, PROT_READ, MAP_SHARED, 0, 0, EINVAL},
    {"offset 100", 1, PROT_READ, MAP_SHARED, 0, 100, EINVAL},
    {"no type flag", 1, PROT_READ, 0, 0, 0, EINVAL},
    {"O_RDONLY shared writable", 1, PROT_READ | PROT_WRITE, MAP_SHARED, 1, 0, EACCES},
    {"O_RDONLY private writable", 1, PROT_READ | PROT_WRITE, MAP_PRIVATE, 1, 0, 0},
    {"O_RDONLY shared read-only", 1, PROT_READ, MAP_SHARED, 1, 0, 0},
    {"O_WRONLY shared write-only", 1, PROT_WRITE, MAP_SHARED, 2, 0, EACCES},
    {"O_WRONLY private", 1, PROT_READ, MAP_PRIVATE, 2, 0, EACCES},
};

// does each bad argument or descriptor give exactly the errno of the table?
START_TEST(test_each_case_gives_its_errno)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct errcase *c = &cases[i];
        long page = lab_page();
        lab_write_file("f", "", 0);
        int fds[3] = {open("f", O_RDWR), open("f", O_RDONLY), open("f", O_WRONLY)};
        ck_assert(fds[0] != -1 && fds[1] != -1 && fds[2] != -1);
        ck_assert_int_eq(ftruncate(fds[0], page), 0);
        errno = 0;
        void *p = mmap(NULL, c->pages * (size_t)page, c->prot, c->flags,
                       c->fd_kind == 3 ? -1 : fds[c->fd_kind], c->offset);
        int err = p == MAP_FAILED ? errno : 0;
        if (p != MAP_FAILED)
            munmap(p, c->pages * (size_t)page);
        for (int k = 0; k < 3; k++)
            close(fds[k]);
        // the kernel's answer for this case
        ck_assert_msg(err == c->want, "%s: got %s, want %s", c->name,
                      err ? strerrorname_np(err) : "success",
                      c->want ? strerrorname_np(c->want) : "success");
        unlink("f");
    }
}
END_TEST

// is EACCES about the descriptor's mode, so that root gets it too?
START_TEST(test_eacces_comes_from_the_descriptor_not_the_user)
{
    lab_write_file("f", "0123456789", 10);
    ck_assert_int_eq(chmod("f", 0666), 0);  /* anybody may write the file */
    int fd = open("f", O_RDONLY);
    ck_assert_int_ne(fd, -1);
    errno = 0;
    // the file is writable by everyone, but this descriptor is read-only
    ck_assert_ptr_eq(mmap(NULL, 10, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0),
                     MAP_FAILED);
    ck_assert_int_eq(errno, EACCES);
    // MAP_PRIVATE is allowed: its stores go to private copies, never the file
    char *p = mmap(NULL, 10, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    p[0] = 'X';
    ck_assert_int_eq(munmap(p, 10), 0);
    close(fd);
    char *after = lab_read_file("f", NULL);
    // the store into the private mapping did not reach the file
    ck_assert_str_eq(after, "0123456789");
    free(after);
}
END_TEST

// is a length bigger than any address space ENOMEM, whatever the overcommit?
START_TEST(test_absurd_length_is_enomem)
{
    size_t len = SIZE_MAX & ~((size_t)lab_page() - 1);
    errno = 0;
    ck_assert_ptr_eq(mmap(NULL, len, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0),
                     MAP_FAILED);
    ck_assert_int_eq(errno, ENOMEM);
}
END_TEST

// are a pipe, a directory and /dev/null refused with ENODEV?
START_TEST(test_unmappable_files_are_enodev)
{
    int pfd[2];
    ck_assert_int_eq(pipe(pfd), 0);
    int fds[3] = {pfd[0], open(".", O_RDONLY | O_DIRECTORY), open("/dev/null", O_RDONLY)};
    const char *what[3] = {"pipe", "directory", "/dev/null"};
    for (int i = 0; i < 3; i++) {
        ck_assert_int_ne(fds[i], -1);
        errno = 0;
        void *p = mmap(NULL, (size_t)lab_page(), PROT_READ, MAP_SHARED, fds[i], 0);
        int err = p == MAP_FAILED ? errno : 0;
        // a file without an mmap operation
        ck_assert_msg(err == ENODEV, "%s: got %s", what[i],
                      err ? strerrorname_np(err) : "success");
        close(fds[i]);
    }
    close(pfd[1]);
}
END_TEST

// is a descriptor that is not open EBADF?
START_TEST(test_closed_descriptor_is_ebadf)
{
    int fd = open("/dev/zero", O_RDONLY);
    ck_assert_int_ne(fd, -1);
    ck_assert_int_eq(close(fd), 0);
    errno = 0;
    ck_assert_ptr_eq(mmap(NULL, (size_t)lab_page(), PROT_READ, MAP_SHARED, fd, 0),
                     MAP_FAILED);
    ck_assert_int_eq(errno, EBADF);
}
END_TEST

// is MAP_FIXED at an address that is not page-aligned EINVAL?
START_TEST(test_fixed_unaligned_is_einval)
{
    size_t page = (size_t)lab_page();
    char *base = mmap(NULL, 2 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(base, MAP_FAILED);
    errno = 0;
    ck_assert_ptr_eq(mmap(base + 1, page, PROT_READ,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0),
                     MAP_FAILED);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(munmap(base, 2 * page), 0);
}
END_TEST

// is MAP_DENYWRITE ignored (no ETXTBSY) on a file open for writing?
START_TEST(test_denywrite_is_ignored)
{
    lab_write_file("f", "x", 1);
    int fd = open("f", O_RDWR);
    ck_assert_int_ne(fd, -1);
    void *p = mmap(NULL, 1, PROT_READ, MAP_SHARED | MAP_DENYWRITE, fd, 0);
    // the mapping is made; no ETXTBSY
    ck_assert_msg(p != MAP_FAILED, "MAP_DENYWRITE failed: %s", strerror(errno));
    // and the file can still be written while mapped
    ck_assert_int_eq(pwrite(fd, "y", 1, 0), 1);
    ck_assert_int_eq(*(char *)p, 'y');
    munmap(p, 1);
    close(fd);
}
END_TEST

static char *ro_page;

// does a store into a PROT_READ mapping raise SIGSEGV?
START_TEST(test_store_into_prot_read_raises_sigsegv)
{
    ro_page[0] = 'x';
}
END_TEST

static void ro_setup(void)
{
    ro_page = mmap(NULL, (size_t)lab_page(), PROT_READ,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(ro_page, MAP_FAILED);
}

// which si_codes do the two SIGSEGV cases carry?
START_TEST(test_sigsegv_codes)
{
    size_t page = (size_t)lab_page();
    char *p = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    int code = 0;
    // a store into a page that exists but forbids writing: SEGV_ACCERR
    ck_assert_int_eq(lab_probe_write(p, 'x', &code, NULL), SIGSEGV);
    ck_assert_int_eq(code, SEGV_ACCERR);
    ck_assert_int_eq(munmap(p, page), 0);
    // a load where nothing is mapped any more: SEGV_MAPERR
    ck_assert_int_eq(lab_probe_read(p, &code, NULL), SIGSEGV);
    ck_assert_int_eq(code, SEGV_MAPERR);
    LAB_REPORT("X1", "confirmed",
               "a load from the address range after munmap raised SIGSEGV with "
               "si_code SEGV_MAPERR (nothing mapped there any more)");
}
END_TEST

static long hugepages_free(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (f == NULL)
        return -1;
    char line[256];
    long v = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "HugePages_Free: %ld", &v) == 1)
            break;
    fclose(f);
    return v;
}

// does MAP_HUGETLB fail with ENOMEM exactly when no huge pages are reserved?
START_TEST(test_hugetlb_depends_on_reserved_pages)
{
    long free_pages = hugepages_free();
    if (free_pages < 0)
        LAB_SKIP("no HugePages_Free in /proc/meminfo: no hugetlbfs in this kernel");
    struct lab_result r;
    lab_run(&r, 10, NULL, "mmap_errors", "--hugetlb", NULL);
    if (free_pages == 0) {
        // none reserved: the program says so and exits 77 (cannot run here)
        ck_assert_msg(r.exited && r.code == 77, "exit %d: %s", r.code, r.err);
        ck_assert_ptr_nonnull(strstr(r.err, "no huge pages reserved"));
        ck_assert_ptr_nonnull(strstr(r.out, "ENOMEM"));
        lab_result_free(&r);
        LAB_SKIP("no huge pages reserved (HugePages_Free 0): MAP_HUGETLB gave "
                 "ENOMEM as expected; the success case needs vm.nr_hugepages > 0");
    }
    // huge pages reserved: the mapping is made
    ck_assert_msg(r.exited && r.code == 0, "exit %d: %s", r.code, r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "success"));
    lab_result_free(&r);
}
END_TEST

// does bad input get one line on stderr and exit 2?
START_TEST(test_bad_input)
{
    lab_expect_error(2, "usage", "mmap_errors", "extra", NULL);
    lab_expect_help("mmap_errors");
    lab_expect_error(2, "-x", "mmap_errors", "-x", NULL);
}
END_TEST

// does a directory we cannot create files in give a clear message?
START_TEST(test_unwritable_directory_is_refused)
{
    // root obeys permission bits only without CAP_DAC_OVERRIDE: drop it
    if (!lab_obey_permissions())
        LAB_SKIP("running as root and cannot drop CAP_DAC_OVERRIDE");
    ck_assert_int_eq(mkdir("ro", 0555), 0);
    ck_assert_int_eq(chdir("ro"), 0);
    struct lab_result r;
    lab_run(&r, 10, NULL, "mmap_errors", NULL);
    ck_assert_int_eq(chdir(".."), 0);
    lab_assert_error(&r, 1, "mmap_errors", "Permission denied");
    lab_result_free(&r);
}
END_TEST

Suite *lab_suite(void)
{
    Suite *s = suite_create("09-mmap-errors");
    TCase *tc = lab_tcase(s, "catalogue", 10);
    tcase_add_test(tc, test_catalogue_rows_are_as_expected);
    tcase_add_test(tc, test_each_case_gives_its_errno);
    tcase_add_test(tc, test_eacces_comes_from_the_descriptor_not_the_user);
    tcase_add_test(tc, test_absurd_length_is_enomem);
    tcase_add_test(tc, test_unmappable_files_are_enodev);
    tcase_add_test(tc, test_closed_descriptor_is_ebadf);
    tcase_add_test(tc, test_fixed_unaligned_is_einval);
    tcase_add_test(tc, test_denywrite_is_ignored);
    tcase_add_test(tc, test_hugetlb_depends_on_reserved_pages);
    tcase_add_test(tc, test_both_type_flags_are_map_shared_validate);
    tc = lab_tcase(s, "map-count", 30);
    tcase_add_test(tc, test_map_count_limit_is_enomem);
    tc = lab_tcase(s, "signals", 10);
    tcase_add_test(tc, test_sigsegv_codes);
    tc = lab_tcase(s, "store-fault", 10);
    tcase_add_checked_fixture(tc, ro_setup, NULL);
    tcase_add_test_raise_signal(tc, test_store_into_prot_read_raises_sigsegv, SIGSEGV);
    tc = lab_tcase(s, "input", 10);
    tcase_add_test(tc, test_bad_input);
    tcase_add_test(tc, test_unwritable_directory_is_refused);
    return s;
}
