/* test_people_exchange.c: Check tests for lab 06 (people_writer and
 * people_reader, source 003 example 1, map_normalfile1/2).
 *
 * Claims: a reader that maps the file while the writer holds its mapping
 * sees all 10 records although the file has room for 5 (claim M6); what
 * a reader sees after the writer unmapped depends on write-back and on the
 * file system (M7: measured here, on the test's own file system); a mapping
 * never changes the file's size (M8). Bad input gets one line on stderr.
 */
#define _GNU_SOURCE
#include "testlib.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    char name[4];
    int age;
} people;

#define FILE_BYTES ((long long)(5 * sizeof(people)))

/* Count the reader's lines: how many are the writer's records ("name: b age
 * 20;" on line 1 ... "name: k age 29;" on line 10), how many are zeroed
 * records ("name:  age 0;"). Fails the test on any other line. */
static void count_records(const char *out, int *written, int *zeroed)
{
    *written = *zeroed = 0;
    const char *line = out;
    for (int i = 0; i < 10; i++) {
        char want[64];
        int n = snprintf(want, sizeof want, "name: %c age %d;\n", 'b' + i, 20 + i);
        if (strncmp(line, want, (size_t)n) == 0) {
            (*written)++;
            line += n;
        } else if (strncmp(line, "name:  age 0;\n", 14) == 0) {
            (*zeroed)++;
            line += 14;
        } else {
            ck_abort_msg("record %d: unexpected line in: %s", i + 1, out);
        }
    }
    ck_assert_msg(*line == '\0', "more than 10 lines: %s", out);
}

/* Run people_reader on path; return its stdout (caller frees). */
static char *read_records(const char *path)
{
    struct lab_result r;
    lab_run(&r, 10, NULL, "people_reader", path, NULL);
    ck_assert_msg(r.exited && r.code == 0, "people_reader %s failed: %s", path,
                  r.err);
    free(r.err);
    return r.out;
}

/* Run people_writer on path (with --sync if asked) and let it go at once:
 * its standard input is empty. */
static void write_and_unmap(const char *path, int sync_first)
{
    struct lab_result r;
    if (sync_first)
        lab_run(&r, 10, NULL, "people_writer", "--sync", path, NULL);
    else
        lab_run(&r, 10, NULL, "people_writer", path, NULL);
    ck_assert_msg(r.exited && r.code == 0, "people_writer failed: %s", r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "initialize over\n"));
    ck_assert_ptr_nonnull(strstr(r.out, "umap ok\n"));
    lab_result_free(&r);
}

/* After the writer unmapped: how many records does a reader see still
 * written, without and with --sync, for files path_a and path_b? */
static void records_after_unmap(const char *path_a, const char *path_b,
                                int *nosync, int *sync)
{
    int zeroed;
    write_and_unmap(path_a, 0);
    char *out = read_records(path_a);
    count_records(out, nosync, &zeroed);
    free(out);
    write_and_unmap(path_b, 1);
    out = read_records(path_b);
    count_records(out, sync, &zeroed);
    free(out);
    // the first 5 records are in the file, so every reader sees them
    ck_assert_int_ge(*nosync, 5);
    ck_assert_int_ge(*sync, 5);
    // and a mapping never changes the file's size
    ck_assert_int_eq(lab_file_size(path_a), FILE_BYTES);
    ck_assert_int_eq(lab_file_size(path_b), FILE_BYTES);
}

// while the writer holds its mapping, does a reader see all 10 records?
START_TEST(test_reader_sees_10_records_while_writer_holds)
{
    struct lab_proc w;
    lab_spawn(&w, "people_writer", "people.dat", NULL);
    const char *line;
    while ((line = lab_read_line(&w, 10)) != NULL &&
           strcmp(line, "initialize over") != 0)
        continue;
    ck_assert_msg(line != NULL, "people_writer never said 'initialize over'");
    // the writer holds the mapping now (its stdin is still open)
    ck_assert_int_eq(lab_file_size("people.dat"), FILE_BYTES);
    char *out = read_records("people.dat");
    int written, zeroed;
    count_records(out, &written, &zeroed);
    // all 10, b..k and 20..29, from a file of 5 records
    ck_assert_int_eq(written, 10);

    struct lab_result r;
    lab_finish(&w, &r, 10);  /* closes its stdin: it unmaps */
    ck_assert_msg(r.exited && r.code == 0, "people_writer failed: %s", r.err);
    ck_assert_str_eq(r.out, "people.dat: 40 bytes (5 records), mapped 80 bytes "
                            "(10 records)\ninitialize over\numap ok\n");
    LAB_REPORT("M6", "confirmed",
               "file of %lld bytes (5 records), 10 mapped and written; the "
               "reader run while the writer held the mapping printed %d of 10 "
               "records (b..k, ages 20..29)", FILE_BYTES, written);
    free(out);
    lab_result_free(&r);
}
END_TEST

// after the writer unmapped, what does a reader see, on this file system?
START_TEST(test_records_after_unmap_depend_on_writeback)
{
    const char *fs = lab_fs_type(".");
    int nosync, sync;
    records_after_unmap("nosync.dat", "sync.dat", &nosync, &sync);
    int tmpfs = strcmp(fs, "tmpfs") == 0;
    int disk = strcmp(fs, "ext4") == 0 || strcmp(fs, "xfs") == 0 ||
               strcmp(fs, "btrfs") == 0 || strcmp(fs, "f2fs") == 0;
    if (tmpfs) {
        // tmpfs has no write-back: msync does nothing, records 6-10 stay
        ck_assert_int_eq(nosync, 10);
        ck_assert_int_eq(sync, 10);
    } else if (disk) {
        // write-back of the page zeroes its part past the end of the file
        ck_assert_int_eq(sync, 5);
        // without msync the page is written back only later (or at once if
        // some other process ran sync meanwhile): 10 or 5, never between
        ck_assert_msg(nosync == 10 || nosync == 5, "nosync saw %d", nosync);
    } else {
        ck_assert_msg(nosync == 10 || nosync == 5, "nosync saw %d", nosync);
        ck_assert_msg(sync == 10 || sync == 5, "sync saw %d", sync);
    }

    // the other side, when this directory is on a disk: tmpfs in /dev/shm
    char other[200] = "";
    if (!tmpfs && strcmp(lab_fs_type("/dev/shm"), "tmpfs") == 0) {
        char name_a[128], name_b[128], path_a[160], path_b[160];
        lab_unique_name(name_a, sizeof name_a, "people");
        lab_unique_name(name_b, sizeof name_b, "people");
        snprintf(path_a, sizeof path_a, "/dev/shm%s", name_a);
        snprintf(path_b, sizeof path_b, "/dev/shm%s", name_b);
        int shm_nosync, shm_sync;
        records_after_unmap(path_a, path_b, &shm_nosync, &shm_sync);
        unlink(path_a);
        unlink(path_b);
        // tmpfs keeps records 6-10 in the page, msync or not
        ck_assert_int_eq(shm_nosync, 10);
        ck_assert_int_eq(shm_sync, 10);
        snprintf(other, sizeof other, "; tmpfs (/dev/shm): %d without, %d "
                 "with --sync", shm_nosync, shm_sync);
    }
    LAB_REPORT("M7", "depends",
               "%s (test dir): after munmap without msync the reader saw %d "
               "written records of 10 (%d zeroed), with --sync (msync "
               "MS_SYNC) %d (%d zeroed)%s; file size %lld bytes (5 records) "
               "in every case", fs, nosync, 10 - nosync, sync, 10 - sync,
               other, FILE_BYTES);
}
END_TEST

// does the file keep the size of 5 records whatever was stored through it?
START_TEST(test_file_keeps_its_size)
{
    // a file that was bigger before: the writer truncates it to 5 records
    char big[1000];
    memset(big, 'x', sizeof big);
    lab_write_file("people.dat", big, sizeof big);
    write_and_unmap("people.dat", 0);
    ck_assert_int_eq(lab_file_size("people.dat"), FILE_BYTES);
    write_and_unmap("people.dat", 1);
    char *out = read_records("people.dat");
    free(out);
    // 80 bytes were stored through the mapping; the file has 40, and read()
    // gives exactly the first 5 records
    size_t len;
    char *bytes = lab_read_file("people.dat", &len);
    ck_assert_uint_eq(len, (size_t)FILE_BYTES);
    const people *rec = (const people *)bytes;
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(rec[i].name[0], 'b' + i);
        ck_assert_int_eq(rec[i].name[1], '\0');  // a proper string
        ck_assert_int_eq(rec[i].age, 20 + i);
    }
    LAB_REPORT("M8", "confirmed",
               "people_writer stored 10 records (%zu bytes) through a mapping "
               "of a %lld-byte file; afterwards the file is %zu bytes and "
               "read() returns records b..f only", 10 * sizeof(people),
               FILE_BYTES, len);
    free(bytes);
}
END_TEST

// names that fill all 4 bytes have no NUL: does people_reader print each
// name and age exactly (a %s print runs on into the age)?
START_TEST(test_reader_prints_full_width_names_exactly)
{
    people rec[10];
    for (int i = 0; i < 10; i++) {
        for (int j = 0; j < 4; j++)
            rec[i].name[j] = (char)('a' + (4 * i + j) % 26);
        rec[i].age = i + 1;
    }
    lab_write_file("full.dat", rec, sizeof rec);
    char *out = read_records("full.dat");
    const char *line = out;
    for (int i = 0; i < 10; i++) {
        char want[64];
        int n = snprintf(want, sizeof want, "name: %.4s age %d;\n", rec[i].name,
                         rec[i].age);
        ck_assert_msg(strncmp(line, want, (size_t)n) == 0,
                      "record %d of names that fill all 4 bytes: expected "
                      "\"%.*s\", got \"%.*s\" (a name without a NUL printed "
                      "with %%s?)", i + 1, n - 1, want,
                      (int)strcspn(line, "\n"), line);
        line += n;
    }
    free(out);
}
END_TEST

/* The lines of an strace log that call one of the comma-separated calls. */
static int count_calls(const char *trace, const char *calls)
{
    int n = 0;
    char list[128];
    snprintf(list, sizeof list, "%s", calls);
    for (char *c = strtok(list, ","); c != NULL; c = strtok(NULL, ",")) {
        char want[64];
        snprintf(want, sizeof want, " %s(", c);
        for (const char *p = trace; (p = strstr(p, want)) != NULL; p++)
            n++;
    }
    return n;
}

// without --demo, is the writer ordered by its standard input alone (no
// sleep), and does the reader unmap what it mapped (observed with strace)?
START_TEST(test_no_sleep_in_default_mode_and_reader_unmaps)
{
    const char *sleeps = "nanosleep,clock_nanosleep";
    struct lab_result r;
    char *trace;
    if (!lab_run_traced(&r, &trace, 10, sleeps, "people_writer", "people.dat",
                        NULL))
        LAB_SKIP("strace is not installed or cannot trace here "
                 "(scripts/setup check installs it)");
    ck_assert_msg(r.exited && r.code == 0, "people_writer failed: %s", r.err);
    ck_assert_msg(count_calls(trace, sleeps) == 0,
                  "people_writer called sleep in the default mode: it must hold "
                  "the mapping until its standard input ends, not for a time:\n%s",
                  trace);
    free(trace);
    lab_result_free(&r);

    ck_assert(lab_run_traced(&r, &trace, 10, "mmap,munmap", "people_reader",
                             "people.dat", NULL));
    ck_assert_msg(r.exited && r.code == 0, "people_reader failed: %s", r.err);
    // mmap(NULL, 80, PROT_READ, MAP_SHARED, fd, 0) = ADDR ... munmap(ADDR, 80)
    const char *m = strstr(trace, "PROT_READ, MAP_SHARED");
    const char *a = m ? strstr(m, ") = 0x") : NULL;
    unsigned long addr = 0;
    ck_assert_msg(a && sscanf(a + 4, "%lx", &addr) == 1,
                  "no mmap(PROT_READ, MAP_SHARED) in people_reader's trace:\n%s",
                  trace);
    char want[64];
    snprintf(want, sizeof want, "munmap(0x%lx, ", addr);
    ck_assert_msg(strstr(a, want) != NULL,
                  "people_reader never called munmap on its mapping:\n%s", trace);
    free(trace);
    lab_result_free(&r);
}
END_TEST

// does every kind of bad input get one clear line and the right status?
START_TEST(test_bad_input)
{
    struct lab_result r;
    lab_write_file("empty", "", 0);
    ck_assert_int_eq(mkdir("dir", 0755), 0);
    static const struct {
        const char *prog, *args[4];
        int code;
        const char *needle;
    } cases[] = {
        {"people_writer", {NULL}, 2, "missing OUTFILE"},
        {"people_writer", {"a.dat", "b.dat", NULL}, 2, "too many"},
        {"people_writer", {"--fast", "a.dat", NULL}, 2, "unknown option"},
        {"people_writer", {"dir", NULL}, 1, "dir: Is a directory"},
        {"people_writer", {"nodir/a.dat", NULL}, 1, "nodir/a.dat: No such file"},
        {"people_reader", {NULL}, 2, "missing INFILE"},
        {"people_reader", {"a.dat", "b.dat", NULL}, 2, "too many"},
        {"people_reader", {"missing.dat", NULL}, 1, "missing.dat: No such file"},
        {"people_reader", {"dir", NULL}, 1, "dir: not a regular file"},
        {"people_reader", {"empty", NULL}, 1, "empty: empty file"},
    };
    lab_expect_help("people_writer");
    lab_expect_help("people_reader");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *argv[6] = {(char *)cases[i].prog};
        for (int j = 0; j < 4 && cases[i].args[j]; j++)
            argv[j + 1] = (char *)cases[i].args[j];
        lab_runv(&r, 10, NULL, argv);
        lab_assert_error(&r, cases[i].code, cases[i].prog, cases[i].needle);
        lab_result_free(&r);
    }
    // the refused writer created nothing; the reader created nothing
    ck_assert_int_eq(access("a.dat", F_OK), -1);
    ck_assert_int_eq(access("missing.dat", F_OK), -1);
}
END_TEST

Suite *lab_suite(void)
{
    Suite *s = suite_create("06-people-exchange");
    TCase *tc = lab_tcase(s, "exchange", 15);
    tcase_add_test(tc, test_reader_sees_10_records_while_writer_holds);
    tcase_add_test(tc, test_records_after_unmap_depend_on_writeback);
    tcase_add_test(tc, test_file_keeps_its_size);
    tcase_add_test(tc, test_reader_prints_full_width_names_exactly);
    tcase_add_test(tc, test_no_sleep_in_default_mode_and_reader_unmaps);
    tc = lab_tcase(s, "refusals", 10);
    tcase_add_test(tc, test_bad_input);
    return s;
}
