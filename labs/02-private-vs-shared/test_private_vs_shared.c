/* test_private_vs_shared.c: Check tests for lab 02 (map_private, cow_view).
 *
 * Claims: a store through a MAP_PRIVATE mapping never reaches the file
 * (claim M2); until its first store into a page, a private mapping sees
 * other writers' write() to that page, and afterwards only to the pages it
 * has not stored into (M2, the surprising half); a store through a
 * MAP_SHARED mapping is seen by pread() on another descriptor before any
 * msync (M4).
 */
#define _GNU_SOURCE
#include "testlib.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static const char data[] = "aaaaaaaaa\nbbbbbbbbb\nccccccccc\nddddddddd\n";
#define DATA_LEN (sizeof data - 1)

/* A file of `pages` pages of '.', opened read-write. */
static int dotted_file(const char *path, int pages)
{
    size_t len = (size_t)pages * (size_t)lab_page();
    char *dots = malloc(len);
    ck_assert_ptr_nonnull(dots);
    memset(dots, '.', len);
    lab_write_file(path, dots, len);
    free(dots);
    int fd = open(path, O_RDWR);
    ck_assert_int_ne(fd, -1);
    return fd;
}

static char byte_at(int fd, off_t off)
{
    char c = 0;
    ck_assert_int_eq(pread(fd, &c, 1, off), 1);
    return c;
}

// does map_private's store stay in the mapping and out of the file?
START_TEST(test_private_store_leaves_file_unchanged)
{
    lab_write_file("data.txt", data, DATA_LEN);
    struct lab_result r;
    lab_run(&r, 10, NULL, "map_private", "data.txt", NULL);
    ck_assert_msg(r.exited && r.code == 0, "map_private failed: %s", r.err);
    // the mapping showed the new byte...
    ck_assert_ptr_nonnull(strstr(r.out, "bbbbbbbbb\n9cccccccc\n"));
    // ...and the program found the file unchanged
    ck_assert_ptr_nonnull(strstr(r.out, "'c' (unchanged)"));
    // which is true: the file is byte for byte what it was
    char *after = lab_read_file("data.txt", NULL);
    ck_assert_str_eq(after, data);
    free(after);
    lab_result_free(&r);
}
END_TEST

// does a private mapping see write() to a page only until its first store there?
START_TEST(test_private_mapping_sees_writes_until_its_first_store)
{
    long page = lab_page();
    int fd = dotted_file("f", 2);
    char *priv = mmap(NULL, 2 * (size_t)page, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE, fd, 0);
    ck_assert_ptr_ne(priv, MAP_FAILED);
    ck_assert_int_eq(priv[0], '.');

    // before any store, another writer's bytes show through in both pages
    ck_assert_int_eq(pwrite(fd, "A", 1, 0), 1);
    ck_assert_int_eq(pwrite(fd, "B", 1, page), 1);
    char seen1 = priv[0], seen2 = priv[page];
    ck_assert_int_eq(seen1, 'A');
    ck_assert_int_eq(seen2, 'B');

    // the first store copies page 1 only
    priv[1] = 'p';
    ck_assert_int_eq(pwrite(fd, "C", 1, 0), 1);
    ck_assert_int_eq(pwrite(fd, "D", 1, page), 1);
    // page 1 is frozen at what it held when copied; page 2 still follows
    ck_assert_int_eq(priv[0], 'A');
    ck_assert_int_eq(priv[page], 'D');
    // and the private store never reached the file
    ck_assert_int_eq(byte_at(fd, 1), '.');
    ck_assert_int_eq(munmap(priv, 2 * (size_t)page), 0);
    close(fd);
    LAB_REPORT("M2", "confirmed",
               "the private store stayed out of the file; before its first "
               "store the private mapping saw another descriptor's write() "
               "('%c' '%c'), after it only in the page it had not stored into",
               seen1, seen2);
}
END_TEST

// does pread() on another descriptor see a shared store before msync?
START_TEST(test_shared_store_is_visible_to_pread_before_msync)
{
    long page = lab_page();
    int fd = dotted_file("f", 1);
    int other = open("f", O_RDONLY);
    ck_assert_int_ne(other, -1);
    char *shared = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED,
                        fd, 0);
    ck_assert_ptr_ne(shared, MAP_FAILED);
    shared[7] = 'S';
    // no msync, no munmap: the page cache already holds the store
    char seen = byte_at(other, 7);
    ck_assert_int_eq(seen, 'S');
    ck_assert_int_eq(munmap(shared, (size_t)page), 0);
    close(fd);
    close(other);
    LAB_REPORT("M4b", "refuted",
               "pread() on another descriptor saw the store ('%c') before any "
               "msync or munmap: one page cache; msync(MS_SYNC) is about the disk",
               seen);
}
END_TEST

// does cow_view print the two facts as the kernel shows them?
START_TEST(test_cow_view_reports_what_the_kernel_does)
{
    struct lab_result r;
    lab_run(&r, 10, NULL, "cow_view", "f", NULL);
    ck_assert_msg(r.exited && r.code == 0, "cow_view failed: %s", r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "the mapping sees: 'A' 'B'"));
    ck_assert_ptr_nonnull(strstr(r.out, "the mapping sees: 'A' 'D'"));
    ck_assert_ptr_nonnull(strstr(r.out, "the file holds:   'C' 'D', and '.'"));
    ck_assert_ptr_nonnull(strstr(r.out, "pread on another descriptor sees: 'S'"));
    // it made a file of exactly two pages
    ck_assert_int_eq(lab_file_size("f"), 2 * lab_page());
    lab_result_free(&r);
}
END_TEST

// does every kind of bad input get one clear line and the right status?
START_TEST(test_bad_input)
{
    lab_write_file("data.txt", data, DATA_LEN);
    lab_write_file("empty", "", 0);

    lab_expect_error(2, "usage", "map_private", NULL);
    lab_expect_error(2, "OFFSET", "map_private", "data.txt", "x", NULL);
    lab_expect_error(1, "past the last byte", "map_private", "data.txt", "40", NULL);
    lab_expect_error(1, "empty", "map_private", "empty", NULL);
    lab_expect_error(1, "nope: No such file", "map_private", "nope", NULL);
    lab_expect_error(1, NULL, "map_private", ".", NULL);

    lab_expect_error(2, "usage", "cow_view", NULL);
    lab_expect_error(2, "too many", "cow_view", "a", "b", NULL);
    // cow_view never overwrites an existing file
    lab_expect_error(1, "File exists", "cow_view", "data.txt", NULL);
    char *kept = lab_read_file("data.txt", NULL);
    ck_assert_str_eq(kept, data);
    free(kept);
}
END_TEST

Suite *lab_suite(void)
{
    Suite *s = suite_create("02-private-vs-shared");
    TCase *tc = lab_tcase(s, "private", 10);
    tcase_add_test(tc, test_private_store_leaves_file_unchanged);
    tcase_add_test(tc, test_private_mapping_sees_writes_until_its_first_store);
    tc = lab_tcase(s, "shared", 10);
    tcase_add_test(tc, test_shared_store_is_visible_to_pread_before_msync);
    tcase_add_test(tc, test_cow_view_reports_what_the_kernel_does);
    tc = lab_tcase(s, "input", 10);
    tcase_add_test(tc, test_bad_input);
    return s;
}
