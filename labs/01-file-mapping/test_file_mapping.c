/* test_file_mapping.c: Check tests for lab 01 (map_file, source 000 ex. 1).
 *
 * Claims: a store through a MAP_SHARED mapping changes exactly that byte of
 * the file (claim M1); the mapping stays usable after close(fd); an
 * offset outside the file and an empty file are refused with a clear
 * message, never a SIGBUS; bad input gets one line on stderr.
 */
#define _GNU_SOURCE
#include "testlib.h"

#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static const char data[] = "aaaaaaaaa\nbbbbbbbbb\nccccccccc\nddddddddd\n";
#define DATA_LEN (sizeof data - 1)

// does one store through the mapping change exactly one byte of the file?
START_TEST(test_store_changes_exactly_one_byte)
{
    lab_write_file("data.txt", data, DATA_LEN);
    struct lab_result r;
    lab_run(&r, 10, NULL, "map_file", "data.txt", NULL);
    ck_assert_msg(r.exited && r.code == 0, "map_file failed: %s", r.err);

    size_t len;
    char *after = lab_read_file("data.txt", &len);
    // the file keeps its size: a mapping never changes it
    ck_assert_uint_eq(len, DATA_LEN);
    for (size_t i = 0; i < len; i++) {
        // offset 20 (the first 'c') is now '9'; every other byte is as before
        char want = i == 20 ? '9' : data[i];
        ck_assert_msg(after[i] == want, "byte %zu is '%c', expected '%c'", i,
                      after[i], want);
    }
    // what the program printed is the file's bytes before the store
    ck_assert_ptr_nonnull(strstr(r.out, data));
    LAB_REPORT("M1", "confirmed",
               "map_file stored '9' at offset 20 through MAP_SHARED after "
               "close(fd); the file on disk changed in that one byte only");
    free(after);
    lab_result_free(&r);
}
END_TEST

// does CHAR and OFFSET from the command line go where they say?
START_TEST(test_offset_and_char_arguments)
{
    lab_write_file("data.txt", data, DATA_LEN);
    struct lab_result r;
    lab_run(&r, 10, NULL, "map_file", "data.txt", "39", "#", NULL);
    ck_assert_msg(r.exited && r.code == 0, "map_file failed: %s", r.err);
    char *after = lab_read_file("data.txt", NULL);
    // the last byte, the final newline, is now '#'
    ck_assert_int_eq(after[39], '#');
    ck_assert_int_eq(memcmp(after, data, 39), 0);
    free(after);
    lab_result_free(&r);
}
END_TEST

// is the mapping still usable after the descriptor is closed?
START_TEST(test_mapping_usable_after_close)
{
    lab_write_file("data.txt", data, DATA_LEN);
    int fd = open("data.txt", O_RDWR);
    ck_assert_int_ne(fd, -1);
    char *map = mmap(NULL, DATA_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(map, MAP_FAILED);
    ck_assert_int_eq(close(fd), 0);
    // reading through the mapping still gives the file's bytes
    ck_assert_int_eq(memcmp(map, data, DATA_LEN), 0);
    // and a store still reaches the file
    map[0] = 'Z';
    ck_assert_int_eq(msync(map, DATA_LEN, MS_SYNC), 0);
    ck_assert_int_eq(munmap(map, DATA_LEN), 0);
    char *after = lab_read_file("data.txt", NULL);
    ck_assert_int_eq(after[0], 'Z');
    free(after);
}
END_TEST

// is an offset at or past the end of the file refused, not a SIGBUS?
START_TEST(test_offset_past_end_is_refused)
{
    lab_write_file("data.txt", data, DATA_LEN);
    lab_expect_error(1, "data.txt", "map_file", "data.txt", "40", NULL);
    lab_expect_error(1, "past the last byte", "map_file", "data.txt", "100000000", NULL);
    // nothing was written
    char *after = lab_read_file("data.txt", NULL);
    ck_assert_str_eq(after, data);
    free(after);
}
END_TEST

// is an empty file refused with a message (mmap of length 0 is EINVAL)?
START_TEST(test_empty_file_is_refused)
{
    lab_write_file("empty", "", 0);
    lab_expect_error(1, "empty", "map_file", "empty", NULL);
    // the kernel's own answer, which the program avoids asking for
    int fd = open("empty", O_RDWR);
    ck_assert_int_ne(fd, -1);
    errno = 0;
    ck_assert_ptr_eq(mmap(NULL, 0, PROT_READ, MAP_SHARED, fd, 0), MAP_FAILED);
    ck_assert_int_eq(errno, EINVAL);
    close(fd);
}
END_TEST

// does every kind of bad input get one clear line and the right status?
START_TEST(test_bad_input)
{
    lab_write_file("data.txt", data, DATA_LEN);
    ck_assert_int_eq(mkdir("dir", 0755), 0);

    lab_expect_error(2, "usage", "map_file", NULL);
    lab_expect_help("map_file");
    lab_expect_error(2, "too many", "map_file", "data.txt", "1", "x", "extra", NULL);
    lab_expect_error(2, "OFFSET", "map_file", "data.txt", "12abc", NULL);
    lab_expect_error(2, "OFFSET", "map_file", "data.txt", "-1", NULL);
    lab_expect_error(2, "CHAR", "map_file", "data.txt", "3", "xy", NULL);
    lab_expect_error(1, "missing.txt: No such file", "map_file", "missing.txt", NULL);
    lab_expect_error(1, "dir:", "map_file", "dir", NULL);
}
END_TEST

// is a file we may not write refused (a shared writable mapping needs it)?
START_TEST(test_read_only_file_is_refused)
{
    // root obeys permission bits only without CAP_DAC_OVERRIDE: drop it
    if (!lab_obey_permissions())
        LAB_SKIP("running as root and cannot drop CAP_DAC_OVERRIDE");
    lab_write_file("ro.txt", data, DATA_LEN);
    ck_assert_int_eq(chmod("ro.txt", 0444), 0);
    lab_expect_error(1, "Permission denied", "map_file", "ro.txt", NULL);
}
END_TEST

Suite *lab_suite(void)
{
    Suite *s = suite_create("01-file-mapping");
    TCase *tc = lab_tcase(s, "store", 10);
    tcase_add_test(tc, test_store_changes_exactly_one_byte);
    tcase_add_test(tc, test_offset_and_char_arguments);
    tcase_add_test(tc, test_mapping_usable_after_close);
    tc = lab_tcase(s, "refusals", 10);
    tcase_add_test(tc, test_offset_past_end_is_refused);
    tcase_add_test(tc, test_empty_file_is_refused);
    tcase_add_test(tc, test_bad_input);
    tcase_add_test(tc, test_read_only_file_is_refused);
    return s;
}
