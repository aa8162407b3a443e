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
#include <stdio.h>
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

/* The line of the trace, at or after `from`, of a call to `call` whose text
 * holds `needle` (NULL: any), or NULL. */
static const char *find_call(const char *from, const char *call,
                             const char *needle)
{
    size_t n = strlen(call);
    for (const char *line = from; line != NULL && *line != '\0';) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        const char *c = line;
        while (c < line + len && (*c == ' ' || (*c >= '0' && *c <= '9')))
            c++;  /* strace -f starts each line with the pid */
        if (strncmp(c, call, n) == 0 && c[n] == '(' &&
            (needle == NULL || memmem(c, len - (size_t)(c - line), needle,
                                      strlen(needle)) != NULL))
            return line;
        line = end ? end + 1 : NULL;
    }
    return NULL;
}

// does map_file close the descriptor right after mmap, write the store back
// with msync(MS_SYNC), and only then munmap (observed with strace)?
START_TEST(test_calls_close_msync_munmap_in_order)
{
    lab_write_file("data.txt", data, DATA_LEN);
    struct lab_result r;
    char *trace;
    if (!lab_run_traced(&r, &trace, 10, "mmap,close,msync,munmap", "map_file",
                        "data.txt", NULL))
        LAB_SKIP("strace is not installed or cannot trace here "
                 "(scripts/setup check installs it)");
    ck_assert_msg(r.exited && r.code == 0, "map_file failed: %s", r.err);
    // mmap(NULL, 40, PROT_READ|PROT_WRITE, MAP_SHARED, FD, 0) = ADDR
    const char *m = find_call(trace, "mmap", "MAP_SHARED");
    ck_assert_msg(m != NULL, "no mmap(..., MAP_SHARED, ...) in the trace:\n%s", trace);
    int fd = -1;
    unsigned long addr = 0;
    const char *f = strstr(m, "MAP_SHARED, ");
    const char *a = strstr(m, ") = 0x");
    ck_assert_msg(f && a && sscanf(f + 12, "%d", &fd) == 1 &&
                      sscanf(a + 4, "%lx", &addr) == 1,
                  "cannot read the mmap line: %.200s", m);
    // the very next call is close(FD): the descriptor goes right after mmap
    const char *next = strchr(m, '\n');
    char want[64];
    snprintf(want, sizeof want, "close(%d)", fd);
    ck_assert_msg(next && strstr(next + 1, want) != NULL &&
                      find_call(next + 1, "close", NULL) == next + 1 &&
                      strncmp(strstr(next + 1, "close("), want, strlen(want)) == 0,
                  "the descriptor %d was not closed right after mmap:\n%s", fd,
                  trace);
    // msync(ADDR, 40, MS_SYNC) before munmap(ADDR, 40)
    char start[64];
    snprintf(start, sizeof start, "0x%lx, ", addr);
    const char *sync = find_call(m, "msync", start);
    ck_assert_msg(sync != NULL, "no msync() of the mapping: the store was "
                  "never written back before map_file said so:\n%s", trace);
    const char *nl = strchr(sync, '\n');
    ck_assert_msg(memmem(sync, nl ? (size_t)(nl - sync) : strlen(sync),
                         "MS_SYNC", 7) != NULL,
                  "msync() without MS_SYNC does not wait for the write-back: %.120s",
                  sync);
    ck_assert_msg(find_call(sync, "munmap", start) != NULL,
                  "no munmap() of the mapping after msync:\n%s", trace);
    free(trace);
    lab_result_free(&r);
}
END_TEST

// a file that fills its last page exactly has no NUL after its bytes: does
// map_file print exactly the file, no more (printf("%s") would run past)?
START_TEST(test_file_filling_its_last_page_is_printed_exactly)
{
    long page = lab_page();
    char *full = malloc((size_t)page);
    ck_assert_ptr_nonnull(full);
    for (long i = 0; i < page; i++)
        full[i] = i % 16 == 15 ? '\n' : (char)('a' + i % 26);
    lab_write_file("full.txt", full, (size_t)page);
    struct lab_result r;
    lab_run(&r, 10, NULL, "map_file", "full.txt", "0", "#", NULL);
    ck_assert_msg(r.exited && r.code == 0,
                  "map_file on a file of exactly one page failed (did it read "
                  "past the page?): %s", r.err);
    const char *body = strchr(r.out, '\n');
    ck_assert_ptr_nonnull(body);
    body++;
    const char *tail = "stored '#' at offset 0";
    size_t want = (size_t)(body - r.out) + (size_t)page;
    ck_assert_msg(r.out_len > want && memcmp(body, full, (size_t)page) == 0 &&
                      strncmp(r.out + want, tail, strlen(tail)) == 0,
                  "what map_file printed is not exactly the file's %ld bytes "
                  "(%zu bytes of stdout): a file that fills its last page has "
                  "no NUL after it (printf(\"%%s\")?)", page, r.out_len);
    free(full);
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
    tcase_add_test(tc, test_calls_close_msync_munmap_in_order);
    tcase_add_test(tc, test_file_filling_its_last_page_is_printed_exactly);
    tcase_add_test(tc, test_mapping_usable_after_close);
    tc = lab_tcase(s, "refusals", 10);
    tcase_add_test(tc, test_offset_past_end_is_refused);
    tcase_add_test(tc, test_empty_file_is_refused);
    tcase_add_test(tc, test_bad_input);
    tcase_add_test(tc, test_read_only_file_is_refused);
    return s;
}
