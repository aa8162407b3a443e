/* test_page_cache.c: Check tests for lab 10 (page cache and page faults).
 *
 * Claims (rows of handouts/claims.tsv): F1 the first process to touch an evicted file takes
 * major faults, the second only minor ones (and fault-around maps several
 * cached pages per fault); F2 read() costs a private copy per process while
 * shared mappings share the page cache's one copy; M4 a store through a
 * shared mapping stays dirty in the page cache after munmap without msync
 * (cachestat), and only fsync or msync write it back; M4b the store is seen
 * by read() at once and outlives its process; F3 a
 * mapping may be larger than RAM and costs memory only for pages touched.
 * The tests assert directions (more, fewer, zero), never exact counts: those
 * depend on read-ahead, fault-around and the page size.
 */
#define _GNU_SOURCE
#include "testlib.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The fault counts page_faults prints on stderr for process 'A' or 'B'. */
struct faults {
    long maj, min, touched, pages;
};

static void parse_faults(const char *err, char who, struct faults *f)
{
    char key[16];
    snprintf(key, sizeof key, "%c: major", who);
    const char *line = strstr(err, key);
    ck_assert_msg(line != NULL, "no '%s' line on stderr: %s", key, err);
    ck_assert_int_eq(sscanf(line + 3, "major faults %ld, minor faults %ld, "
                            "touches that faulted %ld of %ld", &f->maj,
                            &f->min, &f->touched, &f->pages), 4);
}

/* Run page_faults; skip the test (return 0) if eviction is impossible. */
static int run_faults(struct lab_result *r, struct faults *a, struct faults *b)
{
    lab_run(r, 20, NULL, "page_faults", "-v", "data.bin", "64", NULL);
    if (r->exited && r->code == 77)
        return 0;
    ck_assert_msg(r->exited && r->code == 0, "page_faults: exit %d sig %d: %s",
                  r->code, r->sig, r->err);
    parse_faults(r->err, 'A', a);
    parse_faults(r->err, 'B', b);
    return 1;
}

// does the first process take major faults and the second none?
START_TEST(test_first_toucher_takes_major_faults_second_only_minor)
{
    struct lab_result r;
    struct faults a, b;
    if (!run_faults(&r, &a, &b)) {
        char reason[512];
        snprintf(reason, sizeof reason, "%s", r.err);
        reason[strcspn(reason, "\n")] = '\0';
        lab_result_free(&r);
        LAB_SKIP("%s (file system %s)", reason, lab_fs_type("."));
    }
    // A found nothing in the page cache and waited for the disk
    ck_assert_msg(a.maj > 0, "A took no major fault: %s", r.err);
    // B found every page cached: no major fault, but it did fault (minor)
    ck_assert_msg(b.maj == 0, "B took %ld major faults", b.maj);
    ck_assert_msg(b.min > 0, "B took no fault at all");
    // the graded stdout says the same, without counts
    ck_assert_ptr_nonnull(strstr(r.out, "A: 0 of 64 pages resident before"));
    ck_assert_ptr_nonnull(strstr(r.out, "B: 64 of 64 pages resident before"));
    ck_assert_ptr_nonnull(strstr(r.out, "A read the pages from the disk"));
    // the file is removed afterwards
    ck_assert_int_eq(access("data.bin", F_OK), -1);
    LAB_REPORT("F1", "confirmed",
               "%s, 64 pages of %ld B evicted (mincore 0): process A took %ld "
               "major + %ld minor faults, process B 0 major + %ld minor; B's "
               "touches that faulted: %ld of 64 (fault-around)",
               lab_fs_type("."), lab_page(), a.maj, a.min, b.min, b.touched);
    lab_result_free(&r);
}
END_TEST

// does one fault map several neighbouring cached pages (fault-around)?
START_TEST(test_one_fault_maps_several_cached_pages)
{
    struct lab_result r;
    struct faults a, b;
    if (!run_faults(&r, &a, &b)) {
        lab_result_free(&r);
        LAB_SKIP("the file system did not evict the file (%s)", lab_fs_type("."));
    }
    long touched = b.touched;
    // B touches every page in order, so its faulting touches (F) run from
    // page 0 to the last window: the last F is within two of the widest
    // gaps between faults of the end (a touch loop that skips pages leaves
    // the last part without an F)
    const char *map = r.err;
    while ((map = strstr(map, "\nB: ")) != NULL && map[4] != 'F' && map[4] != '.')
        map++;
    ck_assert_msg(map != NULL, "no 'B: ' fault map on stderr: %s", r.err);
    map += 4;
    long gap = 0, last = -1;
    for (long i = 0; i < 64 && (map[i] == 'F' || map[i] == '.'); i++) {
        if (map[i] != 'F')
            continue;
        ck_assert_msg(last >= 0 || i == 0, "B's first touch did not fault: %.64s", map);
        if (last >= 0 && i - last > gap)
            gap = i - last;
        last = i;
    }
    if (gap > 0)
        ck_assert_msg(last + 2 * gap >= 64,
                      "B's faults stop at page %ld of 64, and the widest gap "
                      "between two faults is %ld pages: were the last pages "
                      "touched? %.64s", last, gap, map);
    lab_result_free(&r);
    if (touched >= 64)
        LAB_SKIP("every touch faulted: fault-around is off or no larger than "
                 "a page (%ld B) here", lab_page());
    // fewer faulting touches than pages: some faults mapped several pages
    ck_assert_int_lt(touched, 64);
    ck_assert_int_gt(touched, 0);
}
END_TEST

// does a file system that cannot evict (tmpfs) give a skip, not a failure?
START_TEST(test_tmpfs_cannot_evict_is_a_skip)
{
    char dir[256];
    snprintf(dir, sizeof dir, "/dev/shm/%s-pf-%ld", lab_name_prefix(), (long)getpid());
    if (mkdir(dir, 0700) == -1)
        LAB_SKIP("cannot make a directory in /dev/shm: %s", strerror(errno));
    if (strcmp(lab_fs_type(dir), "tmpfs") != 0) {
        rmdir(dir);
        LAB_SKIP("/dev/shm is not tmpfs here");
    }
    char file[300];
    snprintf(file, sizeof file, "%s/data.bin", dir);
    struct lab_result r;
    lab_run(&r, 10, NULL, "page_faults", file, "4", NULL);
    int gone = access(file, F_OK) == -1;
    rmdir(dir);
    // exit 77 and one line saying why
    lab_assert_error(&r, 77, "page_faults", "cannot evict");
    // and the file was removed
    ck_assert(gone);
    lab_result_free(&r);
}
END_TEST

/* "read: Pss of both +N KiB, Anonymous of both +N KiB" from page_copies. */
static void parse_copies(const char *err, const char *mode, long *pss, long *anon)
{
    char key[32];
    snprintf(key, sizeof key, "%s: Pss of both", mode);
    const char *line = strstr(err, key);
    ck_assert_msg(line != NULL, "no '%s' line: %s", key, err);
    ck_assert_int_eq(sscanf(line + strlen(mode) + 2,
                            "Pss of both +%ld KiB, Anonymous of both +%ld KiB",
                            pss, anon), 2);
}

// does read() cost a copy per process while shared mappings share one?
START_TEST(test_read_copies_per_process_mappings_share)
{
    struct lab_result r;
    lab_run(&r, 20, NULL, "page_copies", "copies.bin", "8", NULL);
    ck_assert_msg(r.exited && r.code == 0, "page_copies: exit %d: %s", r.code, r.err);
    long rpss, ranon, mpss, manon;
    parse_copies(r.err, "read", &rpss, &ranon);
    parse_copies(r.err, "map", &mpss, &manon);
    long file_kib = 8 * 1024;
    // read(): the two processes together hold more than one file privately
    ck_assert_msg(ranon > file_kib, "read: anonymous +%ld KiB", ranon);
    // map: no private copy at all (well under half a file)
    ck_assert_msg(manon < file_kib / 2, "map: anonymous +%ld KiB", manon);
    // and the shared case costs less by Pss, the processes' fair share
    ck_assert_msg(mpss < rpss, "map Pss %ld KiB not below read Pss %ld KiB", mpss, rpss);
    ck_assert_ptr_nonnull(strstr(r.out, "shared mappings use less memory than read(): yes"));
    ck_assert_int_eq(access("copies.bin", F_OK), -1);
    LAB_REPORT("F2", "confirmed",
               "8 MiB file, two processes each: read() into a buffer -> Pss of "
               "both +%ld KiB, Anonymous +%ld KiB (2 private copies + the page "
               "cache); MAP_SHARED and touch every page -> Pss of both +%ld KiB, "
               "Anonymous +%ld KiB (the page cache's one copy, Pss halved)",
               rpss, ranon, mpss, manon);
    lab_result_free(&r);
}
END_TEST

/* cachestat(2), Linux 6.5: no glibc wrapper yet (see writeback.c). */
#ifndef __NR_cachestat
#define __NR_cachestat 451
#endif
struct cs_range { unsigned long long off, len; };
struct cs_stat {
    unsigned long long nr_cache, nr_dirty, nr_writeback, nr_evicted, nr_recently_evicted;
};

/* Dirty pages of fd's first len bytes, or -1 with errno (ENOSYS: old kernel). */
static long dirty_of(int fd, size_t len)
{
    struct cs_range range = { 0, len };
    struct cs_stat cs;
    if (syscall(__NR_cachestat, fd, &range, &cs, 0) == -1)
        return -1;
    return (long)cs.nr_dirty;
}

/* The "N of M pages dirty" count on the line of out that starts with key. */
static long dirty_line(const char *out, const char *key, long npages)
{
    const char *line = strstr(out, key);
    ck_assert_msg(line != NULL, "no line '%s' in: %s", key, out);
    const char *end = strchr(line, '\n'), *colon = NULL;
    for (const char *c = line; (c = strstr(c, ": ")) != NULL && (end == NULL || c < end); c++)
        colon = c;  /* the line's last ": " */
    ck_assert_ptr_nonnull(colon);
    line = colon;
    long dirty, of;
    ck_assert_int_eq(sscanf(line, ": %ld of %ld pages dirty", &dirty, &of), 2);
    ck_assert_int_eq(of, npages);
    return dirty;
}

// are a shared mapping's stores still dirty, not on the disk, after munmap?
START_TEST(test_munmap_does_not_write_back)
{
    const long npages = 16;
    long page = lab_page();
    size_t len = (size_t)(npages * page);
    if (strcmp(lab_fs_type("."), "tmpfs") == 0)
        LAB_SKIP("the test directory is on tmpfs: no disk, nothing is written back");
    // first, our own measurement: a file on the disk, stored into, unmapped
    int fd = open("wb.dat", O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ne(fd, -1);
    ck_assert_int_eq(ftruncate(fd, (off_t)len), 0);
    ck_assert_int_eq(fsync(fd), 0);
    long clean = dirty_of(fd, len);
    if (clean == -1 && errno == ENOSYS) {
        close(fd);
        unlink("wb.dat");
        LAB_SKIP("cachestat(2) is not in this kernel (6.5 or later has it)");
    }
    ck_assert_int_eq(clean, 0);
    char *map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(map, MAP_FAILED);
    for (long i = 0; i < npages; i++)
        map[i * page] = 'x';
    ck_assert_int_eq(munmap(map, len), 0);
    long after_munmap = dirty_of(fd, len);
    // munmap without msync wrote nothing back: every stored page is dirty
    ck_assert_int_eq(after_munmap, npages);
    ck_assert_int_eq(fsync(fd), 0);
    // fsync wrote them back
    ck_assert_int_eq(dirty_of(fd, len), 0);
    close(fd);
    unlink("wb.dat");

    // then the program: the same steps, and msync while still mapped
    struct lab_result r;
    lab_run(&r, 20, NULL, "writeback", "f.dat", "16", NULL);
    ck_assert_msg(r.exited && r.code == 0, "writeback: exit %d sig %d: %s",
                  r.code, r.sig, r.err);
    // clean after write+fsync, all dirty while mapped and after munmap
    ck_assert_int_eq(dirty_line(r.out, "f.dat: 16 pages written", npages), 0);
    ck_assert_int_eq(dirty_line(r.out, "stored into every page", npages), npages);
    ck_assert_int_eq(dirty_line(r.out, "munmap() without msync", npages), npages);
    // fsync, and msync(MS_SYNC) while still mapped, write them back
    ck_assert_int_eq(dirty_line(r.out, "fsync()", npages), 0);
    ck_assert_int_eq(dirty_line(r.out, "stored again, msync", npages), 0);
    // the program removed its file
    ck_assert_int_eq(access("f.dat", F_OK), -1);
    LAB_REPORT("M4", "refuted",
               "%s, counted with cachestat(2): %ld pages stored into through "
               "MAP_SHARED were still %ld of %ld dirty (not on the disk) after "
               "munmap without msync, until fsync wrote them back; msync(MS_SYNC) "
               "wrote them back while still mapped; and with no call at all the "
               "kernel's flusher writes them back after vm.dirty_expire_centisecs "
               "(writeback --demo measures it)", lab_fs_type("."), npages,
               after_munmap, npages);
    lab_result_free(&r);
}
END_TEST

// does read() on another descriptor see a store through the mapping at once?
START_TEST(test_store_seen_by_read_before_msync)
{
    lab_write_file("f", "aaaa", 4);
    int fd = open("f", O_RDWR);
    ck_assert_int_ne(fd, -1);
    char *map = mmap(NULL, 4, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(map, MAP_FAILED);
    map[1] = 'Z';
    char *now = lab_read_file("f", NULL);
    // no msync, no munmap: read() returns the stored byte already
    ck_assert_str_eq(now, "aZaa");
    free(now);
    munmap(map, 4);
    close(fd);
}
END_TEST

// does the program show the store at once and after its process died?
START_TEST(test_store_visible_at_once_and_after_exit)
{
    struct lab_result r;
    lab_run(&r, 10, NULL, "store_visible", "shared.txt", NULL);
    ck_assert_msg(r.exited && r.code == 0, "store_visible: %s", r.err);
    // read() while the mapping is alive, before msync
    ck_assert_ptr_nonnull(strstr(r.out, "read() on a second descriptor: \"NEW old old\""));
    // read() after the child that stored died without msync or munmap
    ck_assert_ptr_nonnull(strstr(r.out, "read() after the child is gone: \"NEW KID old\""));
    char *file = lab_read_file("shared.txt", NULL);
    ck_assert_str_eq(file, "NEW KID old\n");
    free(file);
    LAB_REPORT("M4b", "refuted",
               "%s: read() on a second descriptor returned \"NEW old old\" right "
               "after the store, with no msync and the mapping still in place; "
               "after a child stored and _exit()ed without msync/munmap, read() "
               "returned \"NEW KID old\": one page cache; msync(MS_SYNC) is only "
               "about the disk", lab_fs_type("."));
    lab_result_free(&r);
}
END_TEST

// can a file larger than RAM be mapped, with Rss growing only by the pages touched?
START_TEST(test_mapping_larger_than_ram_costs_only_touched_pages)
{
    struct lab_result r;
    lab_run(&r, 20, NULL, "bigger_than_ram", "big.bin", NULL);
    if (r.exited && r.code == 77) {
        char reason[512];
        snprintf(reason, sizeof reason, "%s", r.err);
        reason[strcspn(reason, "\n")] = '\0';
        lab_result_free(&r);
        LAB_SKIP("%s", reason);
    }
    ck_assert_msg(r.exited && r.code == 0, "bigger_than_ram: exit %d: %s", r.code, r.err);
    long long ram, file;
    long before, after, grew;
    int touched;
    const char *line = strstr(r.err, "RAM ");
    ck_assert_ptr_nonnull(line);
    ck_assert_int_eq(sscanf(line, "RAM %lld KiB, file %lld KiB, Rss %ld -> %ld KiB "
                            "(+%ld KiB for %d pages", &ram, &file, &before,
                            &after, &grew, &touched), 6);
    // the file is larger than the machine's memory
    ck_assert(file > ram);
    // and the mapping cost far less than the file: under 1% of it
    ck_assert_msg(grew < file / 100, "Rss grew by %ld KiB", grew);
    ck_assert_ptr_nonnull(strstr(r.out, "stored and read back one byte in each of 9 pages spread over the file: ok"));
    // the sparse file is removed
    ck_assert_int_eq(access("big.bin", F_OK), -1);
    LAB_REPORT("F3", "confirmed",
               "%s: sparse file of %lld KiB (RAM %lld KiB) mapped MAP_SHARED; "
               "after storing into %d pages spread over it Rss grew by %ld KiB "
               "(%ld -> %ld KiB)", lab_fs_type("."), file, ram, touched, grew,
               before, after);
    lab_result_free(&r);
}
END_TEST

/* io_bench's file: the bytes it writes, added up as 64-bit words. */
static unsigned long long expected_checksum(size_t len)
{
    unsigned long long s = 0;
    unsigned char w[8];
    for (size_t off = 0; off < len; off += 8) {
        for (size_t i = 0; i < 8; i++)
            w[i] = (unsigned char)((off + i) * 2654435761u >> 13);
        unsigned long long v;
        memcpy(&v, w, sizeof v);
        s += v;
    }
    return s;
}

// does mmap read a file faster than read()? (measured, never asserted)
START_TEST(test_io_bench_measures_mmap_against_read)
{
    const int mib = 32;
    struct lab_result r;
    lab_run(&r, 60, NULL, "io_bench", "-r", "5", "bench.dat", "32", NULL);
    ck_assert_msg(r.exited && r.code == 0, "io_bench: exit %d: %s", r.code, r.err);
    static const char *const cases[] = {"seq warm", "rand warm", "seq cold", "rand cold"};
    int ncases = strstr(r.out, "cold: skipped (tmpfs") ? 2 : 4;
    char figures[4][200];
    int mmap_faster = 0, read_faster = 0;
    for (int c = 0; c < ncases; c++) {
        char key[32];
        snprintf(key, sizeof key, "\n%-10s read ", cases[c]);
        const char *line = strstr(r.out, key);
        ck_assert_msg(line != NULL, "no row '%s' in: %s", cases[c], r.out);
        double rmed, mmed, ratio;
        unsigned long long sum;
        const char *p = line + 1 + 10;
        ck_assert_int_eq(sscanf(p, " read %lf MB/s", &rmed), 1);
        p = strstr(p, " mmap ");
        ck_assert_ptr_nonnull(p);
        ck_assert_int_eq(sscanf(p, " mmap %lf MB/s", &mmed), 1);
        p = strstr(p, "time mmap/read ");
        ck_assert_ptr_nonnull(p);
        ck_assert_int_eq(sscanf(p, "time mmap/read %lf", &ratio), 1);
        const char *cs = strstr(p, "[checksum ");
        ck_assert_ptr_nonnull(cs);
        ck_assert_int_eq(sscanf(cs, "[checksum %llu]", &sum), 1);
        // both methods read the right bytes: the whole file, or the same pages
        if (strncmp(cases[c], "seq", 3) == 0)
            ck_assert_msg(sum == expected_checksum((size_t)mib << 20),
                          "%s: checksum %llu", cases[c], sum);
        // every figure is a real measurement
        ck_assert(rmed > 0 && mmed > 0 && ratio > 0);
        int mf = strstr(p, "mmap faster") != NULL && strstr(p, "mmap faster") < cs;
        int rf = strstr(p, "read faster") != NULL && strstr(p, "read faster") < cs;
        mmap_faster += mf;
        read_faster += rf;
        snprintf(figures[c], sizeof figures[c], "%s: read %.0f, mmap %.0f MB/s "
                 "(medians of 5), mmap/read time %.2f%s", cases[c], rmed, mmed,
                 ratio, mf ? ", mmap faster in every run" :
                 rf ? ", read faster in every run" : ", runs overlap");
    }
    // the file is gone
    ck_assert_int_eq(access("bench.dat", F_OK), -1);
    const char *verdict = mmap_faster == ncases ? "confirmed"
                        : read_faster == ncases ? "refuted" : "inconclusive";
    LAB_REPORT("F4", verdict,
               "%s, %d MiB file, 2048 random one-page reads; %s; %s%s%s%s%s%s: "
               "%s", lab_fs_type("."), mib, figures[0], figures[1],
               ncases > 2 ? "; " : "", ncases > 2 ? figures[2] : "",
               ncases > 2 ? "; " : "", ncases > 2 ? figures[3] : "",
               ncases > 2 ? "" : "; no cold case on tmpfs",
               mmap_faster == ncases ? "mmap faster in every case"
               : read_faster == ncases ? "read faster in every case"
               : "a verdict only when every case clears the 10% margin the same way; "
                 "here they do not");
    lab_result_free(&r);
}
END_TEST

// does every program give one clear line and the right status on bad input?
START_TEST(test_bad_input)
{
    static const char *const progs[] = {"page_faults", "page_copies",
                                        "store_visible", "bigger_than_ram",
                                        "writeback", "io_bench"};
    for (int i = 0; i < 6; i++) {
        lab_expect_error(2, "usage", progs[i], NULL);
        lab_expect_help(progs[i]);
        lab_expect_error(2, NULL, progs[i], "a", "1", "extra", NULL);
        // an existing file is never clobbered (O_EXCL)
        lab_write_file("exists", "keep", 4);
        lab_expect_error(1, "File exists", progs[i], "exists", NULL);
        char *kept = lab_read_file("exists", NULL);
        ck_assert_str_eq(kept, "keep");
        free(kept);
        unlink("exists");
        // a directory that does not exist
        lab_expect_error(1, "No such file", progs[i], "no/such/file", NULL);
    }
    lab_expect_error(2, "PAGES", "page_faults", "x", "0", NULL);
    lab_expect_error(2, "PAGES", "page_faults", "x", "12q", NULL);
    lab_expect_error(2, "MIB", "page_copies", "x", "5000", NULL);
    lab_expect_error(2, "PAGES", "writeback", "x", "0", NULL);
    lab_expect_error(2, "REPS", "io_bench", "-r", "0", "x", NULL);
    lab_expect_error(2, "MIB", "io_bench", "x", "0", NULL);
    lab_expect_error(2, "unknown option", "writeback", "--fast", "x", NULL);
    // nothing was left behind by the refused runs
    ck_assert_int_eq(access("x", F_OK), -1);
}
END_TEST

Suite *lab_suite(void)
{
    Suite *s = suite_create("10-page-cache");
    TCase *tc = lab_tcase(s, "faults", 30);
    tcase_add_test(tc, test_first_toucher_takes_major_faults_second_only_minor);
    tcase_add_test(tc, test_one_fault_maps_several_cached_pages);
    tcase_add_test(tc, test_tmpfs_cannot_evict_is_a_skip);
    tc = lab_tcase(s, "copies", 30);
    tcase_add_test(tc, test_read_copies_per_process_mappings_share);
    tc = lab_tcase(s, "visibility", 10);
    tcase_add_test(tc, test_store_seen_by_read_before_msync);
    tcase_add_test(tc, test_store_visible_at_once_and_after_exit);
    tc = lab_tcase(s, "writeback", 20);
    tcase_add_test(tc, test_munmap_does_not_write_back);
    tc = lab_tcase(s, "io-bench", 60);
    tcase_add_test(tc, test_io_bench_measures_mmap_against_read);
    tc = lab_tcase(s, "bigger-than-ram", 30);
    tcase_add_test(tc, test_mapping_larger_than_ram_costs_only_touched_pages);
    tc = lab_tcase(s, "input", 20);
    tcase_add_test(tc, test_bad_input);
    return s;
}
