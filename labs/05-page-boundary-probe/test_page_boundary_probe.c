/* test_page_boundary_probe.c: Check tests for lab 05 (page_probe, bus_segv).
 *
 * Claims: with a file of 2*PAGE-99 bytes mapped as 3 pages, version 1
 * (offset 0) gets SIGBUS entering page 3 and version 2 (offset one page)
 * entering page 2, with si_code BUS_ADRERR, and every store before that
 * boundary succeeds (claim M9); inside the mapping but past the file's
 * last page is SIGBUS, past the mapping is SIGSEGV, on a disk file and on a
 * /dev/shm object alike, while an anonymous mapping has no file end and no
 * SIGBUS (M10); an mmap offset that is not a page multiple is EINVAL (M11).
 *
 * Everything is computed from the page size, so it holds on 4, 16 and 64 KiB
 * pages. In-process fault tests map the file in a checked fixture, so their
 * bodies are the one store under test.
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
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/* The source's record: 8 bytes; age is at offset 4. */
struct people {
    char name[4];
    int age;
};

/* ---- helpers -------------------------------------------------------------- */

/* A file of `size` bytes (a hole: reads as zeros), opened read-write. */
static int sized_file(const char *path, long size)
{
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_msg(fd != -1, "open %s: %s", path, strerror(errno));
    ck_assert_int_eq(ftruncate(fd, size), 0);
    return fd;
}

/* Map `len` bytes of fd (or anonymous shared memory if fd is -1) from
 * `offset`, followed by one PROT_NONE guard page, as the lab's programs do:
 * reserve len + PAGE inaccessible, then MAP_FIXED the mapping over it. */
static char *map_guarded(int fd, size_t len, off_t offset)
{
    size_t page = (size_t)lab_page();
    char *base = mmap(NULL, len + page, PROT_NONE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    ck_assert_ptr_ne(base, MAP_FAILED);
    int flags = MAP_SHARED | MAP_FIXED | (fd == -1 ? MAP_ANONYMOUS : 0);
    char *map = mmap(base, len, PROT_READ | PROT_WRITE, flags, fd, offset);
    ck_assert_msg(map == base, "mmap: %s", strerror(errno));
    return map;
}

/* Is `line` one whole line of `out`? */
static int has_line(const char *out, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = out; (p = strstr(p, line)) != NULL; p++)
        if ((p == out || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
            return 1;
    return 0;
}

#define ASSERT_LINE(out, ...)                                                \
    do {                                                                     \
        char want_[256];                                                     \
        snprintf(want_, sizeof want_, __VA_ARGS__);                          \
        ck_assert_msg(has_line((out), want_), "no line \"%s\" in:\n%s",      \
                      want_, (out));                                         \
    } while (0)

/* The fault line of a run: signal, si_code, page and offset; 0 if none. */
static int fault_line(const char *out, char sig[16], char code[16], long *page,
                      long *offset)
{
    const char *p = strstr(out, "caught ");
    return p && sscanf(p, "caught %15s (%15[^)]) at page %ld, byte offset %ld",
                       sig, code, page, offset) == 4;
}

/* How many core files are in the current directory? */
static int core_files(void)
{
    int n = 0;
    DIR *d = opendir(".");
    ck_assert_ptr_nonnull(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, "core") == 0 || strncmp(e->d_name, "core.", 5) == 0)
            n++;
    closedir(d);
    return n;
}

/* ---- the programs --------------------------------------------------------- */

// does version 1 fault entering page 3 and version 2 entering page 2?
START_TEST(test_versions_fault_where_the_source_says)
{
    long page = lab_page(), r = page / (long)sizeof(struct people);
    struct lab_result v1, v2;
    char sig[16], code[16];
    long fpage1, off1, fpage2, off2;

    lab_run(&v1, 10, NULL, "page_probe", "data.bin", NULL);
    ck_assert_msg(v1.exited && v1.code == 0, "page_probe failed: %s", v1.err);
    ASSERT_LINE(v1.out, "pagesize is %ld", page);
    ASSERT_LINE(v1.out, "file size is %ld", 2 * page - 99);
    // every store in pages 1 and 2 succeeded...
    ASSERT_LINE(v1.out, "access page 2 over");
    ASSERT_LINE(v1.out, "access page 2 edge over, now begin to access page 3");
    ck_assert_ptr_null(strstr(v1.out, "access page 3 over"));
    // ...and the store into record 2R, the first of page 3, was a SIGBUS
    ck_assert(fault_line(v1.out, sig, code, &fpage1, &off1));
    ck_assert_str_eq(sig, "SIGBUS");
    ck_assert_str_eq(code, "BUS_ADRERR");
    ck_assert_int_eq(fpage1, 3);
    ck_assert_int_eq(off1, 2 * r * (long)sizeof(struct people) + 4);
    // the file keeps its size: stores never change it
    ck_assert_int_eq(lab_file_size("data.bin"), 2 * page - 99);

    lab_run(&v2, 10, NULL, "page_probe", "--offset-pages", "1", "data.bin", NULL);
    ck_assert_msg(v2.exited && v2.code == 0, "page_probe failed: %s", v2.err);
    // mapped from the second page, only PAGE-99 bytes of the file are mapped
    ASSERT_LINE(v2.out, "the mapped part of the file is %ld bytes: it covers "
                "1 of the 3 pages", page - 99);
    ASSERT_LINE(v2.out, "access page 1 edge over, now begin to access page 2");
    ck_assert_ptr_null(strstr(v2.out, "access page 2 over"));
    ck_assert(fault_line(v2.out, sig, code, &fpage2, &off2));
    ck_assert_str_eq(sig, "SIGBUS");
    ck_assert_str_eq(code, "BUS_ADRERR");
    ck_assert_int_eq(fpage2, 2);
    ck_assert_int_eq(off2, page + 4);

    LAB_REPORT("M9", "confirmed",
               "page size %ld, file %ld bytes, 3 pages mapped: version 1 "
               "(offset 0) stored through page 2, then SIGBUS %s at page %ld "
               "(offset %ld); version 2 (offset %ld) SIGBUS %s at page %ld "
               "(offset %ld)", page, 2 * page - 99, code, fpage1, off1, page,
               code, fpage2, off2);
    lab_result_free(&v1);
    lab_result_free(&v2);
}
END_TEST

// is page_probe --raw killed by SIGBUS (as waitpid sees it), leaving no core?
START_TEST(test_raw_version1_is_killed_by_sigbus)
{
    struct lab_result r;
    lab_run(&r, 10, NULL, "page_probe", "--raw", "data.bin", NULL);
    ck_assert_msg(r.signaled, "page_probe --raw was not killed by a signal "
                  "(exited %d)", r.code);
    ck_assert_int_eq(r.sig, SIGBUS);
    // the lines before the fault were printed (line-buffered), the fault line not
    ASSERT_LINE(r.out, "access page 2 edge over, now begin to access page 3");
    ck_assert_ptr_null(strstr(r.out, "caught"));
    ck_assert_int_eq(core_files(), 0);
    lab_result_free(&r);
}
END_TEST

// is version 2 with --raw killed by SIGBUS right after entering page 2?
START_TEST(test_raw_version2_is_killed_by_sigbus)
{
    struct lab_result r;
    lab_run(&r, 10, NULL, "page_probe", "--raw", "--offset-pages", "1",
            "data.bin", NULL);
    ck_assert_msg(r.signaled, "not killed by a signal (exited %d)", r.code);
    ck_assert_int_eq(r.sig, SIGBUS);
    ASSERT_LINE(r.out, "access page 1 edge over, now begin to access page 2");
    ck_assert_ptr_null(strstr(r.out, "access page 2 over"));
    ck_assert_int_eq(core_files(), 0);
    lab_result_free(&r);
}
END_TEST

// if the file covers all 3 pages, is the only fault a SIGSEGV past the mapping?
START_TEST(test_file_covering_the_mapping_faults_only_past_it)
{
    long page = lab_page();
    char size[32];
    snprintf(size, sizeof size, "%ld", 3 * page);
    struct lab_result r;
    lab_run(&r, 10, NULL, "page_probe", "--size", size, "data.bin", NULL);
    ck_assert_msg(r.exited && r.code == 0, "page_probe failed: %s", r.err);
    ASSERT_LINE(r.out, "access page 3 edge over, now begin to access page 4");
    char sig[16], code[16];
    long fpage, off;
    ck_assert(fault_line(r.out, sig, code, &fpage, &off));
    // record 3R is in the guard page: reserved, PROT_NONE, so SEGV_ACCERR
    ck_assert_str_eq(sig, "SIGSEGV");
    ck_assert_str_eq(code, "SEGV_ACCERR");
    ck_assert_int_eq(fpage, 4);
    ck_assert_int_eq(off, 3 * page + 4);
    // the stores themselves, read back from the file: age 100 in the last
    // two records of pages 1-3 and the first record of pages 2 and 3, and
    // in no other record (the file was all zeros)
    size_t len;
    char *file = lab_read_file("data.bin", &len);
    ck_assert_uint_eq(len, (size_t)(3 * page));
    long per_page = page / (long)sizeof(struct people);
    for (long rec = 0; rec < 3 * per_page; rec++) {
        struct people p;
        memcpy(&p, file + rec * (long)sizeof p, sizeof p);
        long in_page = rec % per_page;
        int want = in_page >= per_page - 2 || (in_page == 0 && rec > 0) ? 100 : 0;
        ck_assert_msg(p.age == want, "record %ld (page %ld, record %ld of it) "
                      "has age %d in the file, expected %d: the probe stores "
                      "100 into the last two records of each page and the "
                      "first record of the next", rec, rec / per_page + 1,
                      in_page, p.age, want);
    }
    free(file);
    lab_result_free(&r);
}
END_TEST

// does bus_segv get SIGBUS past the file's last page, SIGSEGV past the mapping?
START_TEST(test_bus_segv_gives_sigbus_then_sigsegv)
{
    static const char text[] = "hello, mmap";
    long page = lab_page();
    lab_write_file("small.txt", text, sizeof text - 1);
    struct lab_result r;
    lab_run(&r, 10, NULL, "bus_segv", "small.txt", NULL);
    ck_assert_msg(r.exited && r.code == 0, "bus_segv failed: %s", r.err);
    // the two stores in page 1 (in the file, and past its end) succeed
    const char *bus = strstr(r.out, "  caught SIGBUS");
    ck_assert_ptr_nonnull(bus);
    ASSERT_LINE(r.out, "store at offset %zu (page 1, the file's last byte, "
                "stored unchanged)\n  ok", sizeof text - 2);
    ASSERT_LINE(r.out, "store at offset %ld (page 1, past end-of-file but in "
                "the file's last page)\n  ok", page - 1);
    // the store at PAGE is a SIGBUS, the one at 2*PAGE a SIGSEGV, in that order
    ASSERT_LINE(r.out, "  caught SIGBUS (BUS_ADRERR) at page 2, byte offset %ld "
                "from the mapping's start", page);
    ASSERT_LINE(r.out, "  caught SIGSEGV (SEGV_ACCERR) at page 3, byte offset "
                "%ld from the mapping's start", 2 * page);
    const char *segv = strstr(r.out, "  caught SIGSEGV");
    ck_assert_ptr_nonnull(segv);
    ck_assert(bus < segv);
    // and the file is as it was: same size, same bytes
    size_t len;
    char *after = lab_read_file("small.txt", &len);
    ck_assert_uint_eq(len, sizeof text - 1);
    ck_assert_str_eq(after, text);
    free(after);
    LAB_REPORT("M10", "confirmed",
               "bus_segv, %zu-byte file mapped as 2 pages of %ld: store at "
               "offset %ld -> SIGBUS BUS_ADRERR; at %ld (PROT_NONE guard page "
               "after the mapping) -> SIGSEGV SEGV_ACCERR; file unchanged",
               len, page, page, 2 * page);
    lab_result_free(&r);
}
END_TEST


// with nothing mapped after the mapping, is the store past it SEGV_MAPERR?
START_TEST(test_bus_segv_gap_gives_segv_maperr)
{
    static const char text[] = "hello, mmap";
    long page = lab_page();
    lab_write_file("small.txt", text, sizeof text - 1);
    struct lab_result r;
    lab_run(&r, 10, NULL, "bus_segv", "--gap", "small.txt", NULL);
    ck_assert_msg(r.exited && r.code == 0, "bus_segv --gap failed: %s", r.err);
    // page 2 is still SIGBUS
    ASSERT_LINE(r.out, "  caught SIGBUS (BUS_ADRERR) at page 2, byte offset %ld "
                "from the mapping's start", page);
    // past the mapping, where nothing is mapped at all: SIGSEGV, SEGV_MAPERR
    ASSERT_LINE(r.out, "store at offset %ld (page 3, past the mapping: an unmapped "
                "gap)\n  caught SIGSEGV (SEGV_MAPERR) at page 3, byte offset %ld "
                "from the mapping's start", 2 * page, 2 * page);
    char *after = lab_read_file("small.txt", NULL);
    ck_assert_str_eq(after, text);
    free(after);
    LAB_REPORT("M10", "confirmed",
               "bus_segv --gap, the page after the mapping unmapped (mincore: "
               "ENOMEM): store at offset %ld -> SIGSEGV SEGV_MAPERR, as source "
               "000 section 7 describes; with a PROT_NONE page there instead, "
               "SEGV_ACCERR", 2 * page);
    lab_result_free(&r);
}
END_TEST

// is bus_segv --raw killed by SIGBUS, the source's "Bus error", with no core?
START_TEST(test_bus_segv_raw_is_killed_by_sigbus)
{
    lab_write_file("small.txt", "hello, mmap", 11);
    struct lab_result r;
    lab_run(&r, 10, NULL, "bus_segv", "--raw", "small.txt", NULL);
    ck_assert_msg(r.signaled, "not killed by a signal (exited %d)", r.code);
    ck_assert_int_eq(r.sig, SIGBUS);
    ck_assert_ptr_null(strstr(r.out, "caught"));
    ck_assert_int_eq(core_files(), 0);
    lab_result_free(&r);
}
END_TEST

// is an mmap offset that is not a page multiple refused with EINVAL?
START_TEST(test_unaligned_offset_is_einval)
{
    long page = lab_page();
    int fd = sized_file("f", 2 * page);
    long offsets[] = {1, 100, page / 2, page + 8};
    for (size_t i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
        errno = 0;
        void *p = mmap(NULL, (size_t)page, PROT_READ, MAP_SHARED, fd, offsets[i]);
        // the kernel's own answer
        ck_assert_msg(p == MAP_FAILED && errno == EINVAL,
                      "offset %ld: expected EINVAL, got %s", offsets[i],
                      p == MAP_FAILED ? strerror(errno) : "a mapping");
    }
    // a multiple of the page size is fine
    void *p = mmap(NULL, (size_t)page, PROT_READ, MAP_SHARED, fd, page);
    ck_assert_ptr_ne(p, MAP_FAILED);
    ck_assert_int_eq(munmap(p, (size_t)page), 0);
    close(fd);

    // and page_probe shows it: one line on stdout, one on stderr, exit 1
    struct lab_result r;
    lab_run(&r, 10, NULL, "page_probe", "--offset-bytes", "100", "data.bin", NULL);
    ck_assert_msg(r.exited && r.code == 1, "expected exit 1: %s", r.err);
    ASSERT_LINE(r.out, "mmap of 3 pages from offset 100: Invalid argument "
                "(EINVAL): the offset is not a multiple of the page size");
    ck_assert_ptr_nonnull(strstr(r.err, "page_probe: mmap: offset 100"));
    lab_result_free(&r);

    // --offset-bytes PAGE is version 2
    char arg[32];
    snprintf(arg, sizeof arg, "%ld", page);
    lab_run(&r, 10, NULL, "page_probe", "--offset-bytes", arg, "data.bin", NULL);
    ck_assert_msg(r.exited && r.code == 0, "page_probe failed: %s", r.err);
    ASSERT_LINE(r.out, "caught SIGBUS (BUS_ADRERR) at page 2, byte offset %ld "
                "from the mapping's start", page + 4);
    lab_result_free(&r);
    LAB_REPORT("M11", "confirmed",
               "page size %ld: mmap offsets 1, 100, %ld and %ld gave EINVAL, "
               "offset %ld mapped", page, page / 2, page + 8, page);
}
END_TEST

/* ---- in-process faults, mapped by a fixture -------------------------------- */

static long pg;                      /* the page size */
static volatile char *v1, *v2;       /* version 1 and 2 mappings, 3 pages each */

/* Runs in the test's own process, in its directory, before each test. */
static void mappings_setup(void)
{
    struct rlimit no_core = {0, 0};  /* tests that die on purpose: no cores */
    ck_assert_int_eq(setrlimit(RLIMIT_CORE, &no_core), 0);
    pg = lab_page();
    int fd = sized_file("data.bin", 2 * pg - 99);
    v1 = map_guarded(fd, 3 * (size_t)pg, 0);
    v2 = map_guarded(fd, 3 * (size_t)pg, pg);
    close(fd);
}

static void mappings_teardown(void)
{
    munmap((char *)v1, 4 * (size_t)pg);
    munmap((char *)v2, 4 * (size_t)pg);
}

// version 1: does a store into the first byte of page 3 raise SIGBUS?
START_TEST(test_v1_store_entering_page_3_raises_sigbus)
{
    v1[2 * pg] = 1;
}
END_TEST

// version 2: does a store into the first byte of page 2 raise SIGBUS?
START_TEST(test_v2_store_entering_page_2_raises_sigbus)
{
    v2[pg] = 1;
}
END_TEST

// does a store into the page just past the mapping raise SIGSEGV?
START_TEST(test_store_past_the_mapping_raises_sigsegv)
{
    v1[3 * pg] = 1;
}
END_TEST

// does every store before the boundary succeed, and the first past it fault?
START_TEST(test_every_store_before_the_boundary_succeeds)
{
    struct { volatile char *map; long good; } v[] = {{v1, 2 * pg}, {v2, pg}};
    // (both map one file: first every read, then every store)
    for (size_t k = 0; k < 2; k++) {
        // past end-of-file in the file's last page reads as zero
        for (long i = v[k].good - 99; i < v[k].good; i++) {
            int sig = lab_probe_read(v[k].map + i, NULL, NULL);
            ck_assert_msg(sig == 0, "version %zu: read at %ld faulted", k + 1, i);
            ck_assert_int_eq(v[k].map[i], 0);
        }
    }
    for (size_t k = 0; k < 2; k++) {
        // every byte before the boundary can be stored into
        for (long i = 0; i < v[k].good; i++) {
            int sig = lab_probe_write(v[k].map + i, 'x', NULL, NULL);
            ck_assert_msg(sig == 0, "version %zu: store at offset %ld raised "
                          "signal %d", k + 1, i, sig);
        }
        // the first byte after it is a SIGBUS at exactly that address
        int code;
        void *addr;
        int sig = lab_probe_write(v[k].map + v[k].good, 'x', &code, &addr);
        ck_assert_int_eq(sig, SIGBUS);
        ck_assert_int_eq(code, BUS_ADRERR);
        ck_assert_ptr_eq(addr, (void *)(v[k].map + v[k].good));
    }
    // so the usable space was the mapped part rounded up to whole pages
    LAB_REPORT("X4", "confirmed",
               "file of %ld bytes mapped as 3 pages: %ld bytes usable from "
               "offset 0 (mapped part %ld bytes), %ld from offset 1 page "
               "(mapped part %ld bytes); the next byte raised SIGBUS each time",
               2 * pg - 99, 2 * pg, 2 * pg - 99, pg, pg - 99);
}
END_TEST

/* ---- one probe, three backings --------------------------------------------- */

enum backing { DISK_FILE, SHM_OBJECT, ANONYMOUS };

static const struct backing_case {
    const char *name;
    enum backing kind;
    int past_file_sig;   /* what a store in page 3 raises: SIGBUS, or 0 */
} backings[] = {
    {"disk file", DISK_FILE, SIGBUS},
    {"/dev/shm object", SHM_OBJECT, SIGBUS},
    {"anonymous", ANONYMOUS, 0},  /* no file, so no end of file */
};

/* 3 pages of the backing, whose "file" is 2*PAGE-99 bytes, plus a guard. */
static char *map_backing(enum backing kind, long page)
{
    size_t len = 3 * (size_t)page;
    if (kind == ANONYMOUS)
        return map_guarded(-1, len, 0);
    int fd;
    char name[128];
    if (kind == DISK_FILE) {
        fd = sized_file("backing.bin", 2 * page - 99);
    } else {
        lab_unique_name(name, sizeof name, "probe");
        fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
        ck_assert_msg(fd != -1, "shm_open %s: %s", name, strerror(errno));
        ck_assert_int_eq(ftruncate(fd, 2 * page - 99), 0);
    }
    char *map = map_guarded(fd, len, 0);
    // the mapping holds the object: its name can go at once
    if (kind == SHM_OBJECT)
        ck_assert_int_eq(shm_unlink(name), 0);
    close(fd);
    return map;
}

// is it SIGBUS past the file (disk, /dev/shm), none anonymous, SIGSEGV past all?
START_TEST(test_same_probe_over_three_backings)
{
    long page = lab_page();
    char seen[3][160];
    for (size_t k = 0; k < sizeof backings / sizeof backings[0]; k++) {
        const struct backing_case *b = &backings[k];
        char *map = map_backing(b->kind, page);
        int code;
        void *addr;
        // the last byte of page 2 (past the file's end, in its last page) is fine
        ck_assert_msg(lab_probe_write(map + 2 * page - 1, 'x', NULL, NULL) == 0,
                      "%s: store at 2*PAGE-1 faulted", b->name);
        // page 3: SIGBUS BUS_ADRERR where there is a file, nothing otherwise
        for (long off = 2 * page; off < 3 * page; off += page - 1) {
            int sig = lab_probe_write(map + off, 'x', &code, &addr);
            ck_assert_msg(sig == b->past_file_sig, "%s: store at offset %ld "
                          "raised signal %d, expected %d", b->name, off, sig,
                          b->past_file_sig);
            if (sig != 0) {
                ck_assert_int_eq(code, BUS_ADRERR);
                ck_assert_ptr_eq(addr, map + off);
            }
        }
        // past the mapping: SIGSEGV from the PROT_NONE guard, for every backing
        int sig = lab_probe_write(map + 3 * page, 'x', &code, &addr);
        ck_assert_msg(sig == SIGSEGV, "%s: store past the mapping raised %d",
                      b->name, sig);
        ck_assert_int_eq(code, SEGV_ACCERR);
        ck_assert_ptr_eq(addr, map + 3 * page);
        snprintf(seen[k], sizeof seen[k], "%s%s%s: page 3 %s, past the mapping "
                 "SIGSEGV SEGV_ACCERR", b->name,
                 b->kind == DISK_FILE ? " on " : "",
                 b->kind == DISK_FILE ? lab_fs_type(".") : "",
                 b->past_file_sig ? "SIGBUS BUS_ADRERR" : "no fault");
        ck_assert_int_eq(munmap(map, 4 * (size_t)page), 0);
    }
    LAB_REPORT("M10", "confirmed", "2*PAGE-99 bytes mapped as 3 pages + guard "
               "(page %ld): %s; %s; %s", page, seen[0], seen[1], seen[2]);
}
END_TEST

/* ---- bad input ---------------------------------------------------------------- */

// does bad input to page_probe get one clear line and the right status?
START_TEST(test_page_probe_bad_input)
{
    struct lab_result r;
    ck_assert_int_eq(mkdir("dir", 0755), 0);
    const char *usage[][5] = {
        {NULL},
        {"--bogus", "f", NULL},
        {"f", "extra", NULL},
        {"--offset-pages", NULL},
        {"--offset-pages", "x", "f", NULL},
        {"--offset-pages", "9", "f", NULL},
        {"--offset-bytes", "-1", "f", NULL},
        {"--offset-pages", "1", "--offset-bytes", "0", "f"},
        {"--size", "-5", "f", NULL},
    };
    for (size_t i = 0; i < sizeof usage / sizeof usage[0]; i++) {
        char *argv[7] = {"page_probe"};
        for (int j = 0; j < 5 && usage[i][j]; j++)
            argv[j + 1] = (char *)usage[i][j];
        lab_runv(&r, 10, NULL, argv);
        lab_assert_error(&r, 2, "page_probe", "usage");
        lab_result_free(&r);
    }
    lab_expect_help("page_probe");
    // nothing was created by a refused command line
    ck_assert_int_eq(access("f", F_OK), -1);

    lab_expect_error(1, "dir: Is a directory", "page_probe", "dir", NULL);
    lab_expect_error(1, "No such file", "page_probe", "missing/data.bin", NULL);
}
END_TEST

// does bad input to bus_segv get one clear line and the right status?
START_TEST(test_bus_segv_bad_input)
{
    long page = lab_page();
    ck_assert_int_eq(mkdir("dir", 0755), 0);
    lab_write_file("empty", "", 0);
    int fd = sized_file("big", page);
    close(fd);

    lab_expect_error(2, "usage", "bus_segv", NULL);
    lab_expect_help("bus_segv");
    lab_expect_error(2, "unknown option", "bus_segv", "--bogus", "empty", NULL);
    lab_expect_error(2, "too many", "bus_segv", "empty", "extra", NULL);
    lab_expect_error(1, "missing.txt: No such file", "bus_segv", "missing.txt", NULL);
    lab_expect_error(1, "dir:", "bus_segv", "dir", NULL);
    lab_expect_error(1, "empty file", "bus_segv", "empty", NULL);
    // a file of a whole page has no page-1 tail and no SIGBUS at PAGE
    lab_expect_error(1, "smaller than one page", "bus_segv", "big", NULL);
}
END_TEST

Suite *lab_suite(void)
{
    Suite *s = suite_create("05-page-boundary-probe");

    TCase *tc = lab_tcase(s, "programs", 10);
    tcase_add_test(tc, test_versions_fault_where_the_source_says);
    tcase_add_test(tc, test_raw_version1_is_killed_by_sigbus);
    tcase_add_test(tc, test_raw_version2_is_killed_by_sigbus);
    tcase_add_test(tc, test_file_covering_the_mapping_faults_only_past_it);
    tcase_add_test(tc, test_bus_segv_gives_sigbus_then_sigsegv);
    tcase_add_test(tc, test_bus_segv_raw_is_killed_by_sigbus);
    tcase_add_test(tc, test_bus_segv_gap_gives_segv_maperr);
    tcase_add_test(tc, test_unaligned_offset_is_einval);

    tc = lab_tcase(s, "faults", 10);
    tcase_add_checked_fixture(tc, mappings_setup, mappings_teardown);
    tcase_add_test_raise_signal(tc, test_v1_store_entering_page_3_raises_sigbus,
                                SIGBUS);
    tcase_add_test_raise_signal(tc, test_v2_store_entering_page_2_raises_sigbus,
                                SIGBUS);
    tcase_add_test_raise_signal(tc, test_store_past_the_mapping_raises_sigsegv,
                                SIGSEGV);
    tcase_add_test(tc, test_every_store_before_the_boundary_succeeds);

    tc = lab_tcase(s, "backings", 10);
    tcase_add_test(tc, test_same_probe_over_three_backings);

    tc = lab_tcase(s, "bad input", 10);
    tcase_add_test(tc, test_page_probe_bad_input);
    tcase_add_test(tc, test_bus_segv_bad_input);
    return s;
}
