/* test_two_process_polling.c: Check tests for lab 03 (poll_reader and
 * poll_writer, source 000 section 5).
 *
 * Claims: two unrelated processes that map one file MAP_SHARED see each
 * other's stores (claim M3): process A, polling its own mapping, sees
 * exactly the bytes process B stored, and neither process writes the file
 * beyond its size. Bad input gets one line on stderr.
 */
#define _GNU_SOURCE
#include "testlib.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static const char data[] = "################################\n";
#define DATA_LEN (sizeof data - 1)

/* Start poll_reader on path and read its lines up to "waiting for a
 * change": after that line A has mapped the file and printed view 1. */
static void start_reader(struct lab_proc *a, const char *path)
{
    /* The writer's change comes within milliseconds: a short timeout makes
     * a writer whose stores never reach the file fail fast. */
    lab_spawn(a, "poll_reader", "--timeout", "3", path, NULL);
    const char *line;
    while ((line = lab_read_line(a, 10)) != NULL)
        if (strncmp(line, "waiting for a change", 20) == 0)
            return;
    struct lab_result r;
    lab_finish(a, &r, 5);
    ck_abort_msg("poll_reader never said it was waiting: %s%s", r.out, r.err);
}

/* Are the bytes of path's last page past its end all zero? (Nothing was
 * stored beyond the file's size through any mapping of it.) */
static int tail_is_zero(const char *path, size_t size)
{
    long page = lab_page();
    int fd = open(path, O_RDONLY);
    ck_assert_int_ne(fd, -1);
    size_t maplen = (size + (size_t)page - 1) / (size_t)page * (size_t)page;
    const char *m = mmap(NULL, maplen, PROT_READ, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(m, MAP_FAILED);
    close(fd);
    int zero = 1;
    for (size_t i = size; i < maplen; i++)
        if (m[i] != 0)
            zero = 0;
    munmap((void *)m, maplen);
    return zero;
}

// does process A, polling its mapping, see exactly the bytes B stored?
START_TEST(test_reader_sees_exactly_the_writers_bytes)
{
    lab_write_file("shared.txt", data, DATA_LEN);
    struct lab_proc a;
    start_reader(&a, "shared.txt");

    struct lab_result b;
    lab_run(&b, 10, NULL, "poll_writer", "shared.txt", "hello from B", NULL);
    ck_assert_msg(b.exited && b.code == 0, "poll_writer failed: %s", b.err);
    ck_assert_str_eq(b.out, "wrote 12 bytes at offset 0 of shared.txt "
                            "(MAP_SHARED), unmapped\n");

    struct lab_result r;
    lab_finish(&a, &r, 10);
    ck_assert_msg(r.exited && r.code == 0, "poll_reader failed (%d): %s",
                  r.code, r.err);
    // A's first view was the file as it was; its second, B's 12 bytes
    // followed by the 21 bytes B did not touch
    const char *v1 = strstr(r.out, "view 1:\n");
    const char *v2 = strstr(r.out, "view 2:\n");
    ck_assert_ptr_nonnull(v1);
    ck_assert_ptr_nonnull(v2);
    ck_assert_int_eq(strncmp(v1 + 8, data, DATA_LEN), 0);
    ck_assert_str_eq(v2 + 8, "hello from B####################\n");
    // and it located the change: bytes 0 to 11, no more
    ck_assert_ptr_nonnull(strstr(r.out, "changed: bytes 0 to 11\n"));

    // the file holds the same bytes, and neither process wrote beyond its
    // size: same size, and the rest of its last page is still zero
    size_t len;
    char *after = lab_read_file("shared.txt", &len);
    ck_assert_uint_eq(len, DATA_LEN);
    ck_assert_str_eq(after, "hello from B####################\n");
    ck_assert_msg(tail_is_zero("shared.txt", len),
                  "bytes past the end of shared.txt are not zero");
    LAB_REPORT("M3", "confirmed",
               "poll_reader (A) saw view 2 '%.32s' = exactly the %zu bytes "
               "poll_writer (B) stored, at bytes 0-11; file size stayed %zu",
               v2 + 8, strlen("hello from B"), len);
    free(after);
    lab_result_free(&b);
    lab_result_free(&r);
}
END_TEST

// does A see B's store, at the right offsets, in a file of more than a page?
START_TEST(test_change_in_a_two_page_file_is_seen)
{
    long page = lab_page();
    size_t size = (size_t)page + 100;
    char *buf = malloc(size);
    ck_assert_ptr_nonnull(buf);
    memset(buf, '.', size);
    buf[size - 1] = '\n';
    lab_write_file("big.txt", buf, size);
    struct lab_proc a;
    start_reader(&a, "big.txt");
    struct lab_result b;
    lab_run(&b, 10, NULL, "poll_writer", "big.txt", "XYZ", NULL);
    ck_assert_msg(b.exited && b.code == 0, "poll_writer failed: %s", b.err);
    struct lab_result r;
    lab_finish(&a, &r, 10);
    ck_assert_msg(r.exited && r.code == 0, "poll_reader failed: %s", r.err);
    // B writes at offset 0: bytes 0 to 2 changed, and the view shows them
    ck_assert_ptr_nonnull(strstr(r.out, "changed: bytes 0 to 2\nview 2:\nXYZ..."));
    ck_assert_int_eq(lab_file_size("big.txt"), (long long)size);
    free(buf);
    lab_result_free(&b);
    lab_result_free(&r);
}
END_TEST

// does A give up with a clear message when nothing changes?
START_TEST(test_reader_times_out_without_a_change)
{
    lab_write_file("shared.txt", data, DATA_LEN);
    struct lab_result r;
    lab_run(&r, 10, NULL, "poll_reader", "--timeout", "1", "shared.txt", NULL);
    ck_assert_msg(r.exited, "poll_reader was killed by signal %d", r.sig);
    ck_assert_msg(r.code == 1, "poll_reader --timeout 1 on a file nobody "
                  "changes exited %d: after its timeout it must fail (exit 1)",
                  r.code);
    // it printed view 1, then said on stderr that nothing changed
    ck_assert_ptr_nonnull(strstr(r.out, "view 1:\n" "################"));
    ck_assert_ptr_null(strstr(r.out, "view 2:"));
    ck_assert_str_eq(r.err, "poll_reader: shared.txt: no change within 1 s\n");
    lab_result_free(&r);
}
END_TEST

// is a TEXT longer than the file refused, and the file left alone?
START_TEST(test_writer_refuses_text_longer_than_file)
{
    lab_write_file("small.txt", "abc\n", 4);
    lab_expect_error(1, "does not fit", "poll_writer", "small.txt", "hello", NULL);
    char *after = lab_read_file("small.txt", NULL);
    ck_assert_str_eq(after, "abc\n");
    free(after);
}
END_TEST

// does every kind of bad input get one clear line and the right status?
START_TEST(test_bad_input)
{
    struct lab_result r;
    lab_write_file("shared.txt", data, DATA_LEN);
    lab_write_file("empty", "", 0);
    ck_assert_int_eq(mkdir("dir", 0755), 0);
    // a FIFO with no writer: open() would block forever if it were not refused
    ck_assert_int_eq(mkfifo("fifo", 0600), 0);
    static const struct {
        const char *prog, *args[5];
        int code;
        const char *needle;
    } cases[] = {
        {"poll_reader", {NULL}, 2, "missing INFILE"},
        {"poll_reader", {"shared.txt", "more", NULL}, 2, "too many"},
        {"poll_reader", {"--fast", "shared.txt", NULL}, 2, "unknown option"},
        {"poll_reader", {"--timeout", NULL}, 2, "--timeout"},
        {"poll_reader", {"--timeout", "0", "shared.txt", NULL}, 2, "SECONDS"},
        {"poll_reader", {"--timeout", "2x", "shared.txt", NULL}, 2, "SECONDS"},
        {"poll_reader", {"missing.txt", NULL}, 1, "missing.txt: No such file"},
        {"poll_reader", {"dir", NULL}, 1, "dir: not a regular file"},
        {"poll_reader", {"empty", NULL}, 1, "empty: empty file"},
        {"poll_reader", {"fifo", NULL}, 1, "fifo: not a regular file"},
        {"poll_writer", {NULL}, 2, "missing FILE"},
        {"poll_writer", {"shared.txt", "a", "b", NULL}, 2, "too many"},
        {"poll_writer", {"shared.txt", "", NULL}, 2, "TEXT"},
        {"poll_writer", {"missing.txt", NULL}, 1, "missing.txt: No such file"},
        {"poll_writer", {"dir", NULL}, 1, "dir:"},
        {"poll_writer", {"empty", NULL}, 1, "empty: empty file"},
        {"poll_writer", {"fifo", NULL}, 1, "fifo: not a regular file"},
    };
    lab_expect_help("poll_reader");
    lab_expect_help("poll_writer");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *argv[7] = {(char *)cases[i].prog};
        for (int j = 0; j < 5 && cases[i].args[j]; j++)
            argv[j + 1] = (char *)cases[i].args[j];
        lab_runv(&r, 10, NULL, argv);
        lab_assert_error(&r, cases[i].code, cases[i].prog, cases[i].needle);
        lab_result_free(&r);
    }
    // none of it changed the file
    char *after = lab_read_file("shared.txt", NULL);
    ck_assert_str_eq(after, data);
    free(after);
}
END_TEST

Suite *lab_suite(void)
{
    Suite *s = suite_create("03-two-process-polling");
    TCase *tc = lab_tcase(s, "exchange", 15);
    tcase_add_test(tc, test_reader_sees_exactly_the_writers_bytes);
    tcase_add_test(tc, test_change_in_a_two_page_file_is_seen);
    tc = lab_tcase(s, "refusals", 15);
    tcase_add_test(tc, test_reader_times_out_without_a_change);
    tcase_add_test(tc, test_writer_refuses_text_longer_than_file);
    tcase_add_test(tc, test_bad_input);
    return s;
}
