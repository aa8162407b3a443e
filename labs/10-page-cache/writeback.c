/* writeback.c: when do the stores made through a shared mapping reach the
 * disk? Not at munmap: they wait in the page cache as dirty pages.
 *
 * Usage: writeback [--demo] NEWFILE [PAGES]
 *
 * Source 003 (section 2.4 on msync, and conclusion 3 of its example 1) says
 * that what a process changes through a shared mapping is written back to
 * the file on the disk only after munmap, or when msync is called. This
 * program counts the dirty pages of FILE (pages changed in the page cache
 * and not yet written to the disk) with cachestat(2) (Linux 6.5 and later)
 * at each step:
 *
 *  1. creates FILE with PAGES pages (default 16) and fsync()s it: 0 dirty;
 *  2. maps it MAP_SHARED and stores one byte into every page: all dirty;
 *  3. munmap() without msync: still all dirty (munmap writes nothing back);
 *  4. fsync(): 0 dirty;
 *  5. maps it again, stores, msync(MS_SYNC) while still mapped: 0 dirty.
 *
 * With --demo it then maps and stores once more and waits, without msync
 * or munmap, until the kernel's flusher thread has written the pages back
 * by itself (after vm.dirty_expire_centisecs, 30 s by default; it gives up
 * after 120 s) and prints how long that took: the disk gets the data while
 * the mapping is still in place. Timings vary, so only --demo prints them.
 *
 * On tmpfs (/dev/shm, often /tmp) there is no disk and nothing is ever
 * written back; without cachestat(2) the pages cannot be counted: in both
 * cases the program says why on stderr and exits 77. FILE is removed at
 * the end.
 *
 * Differences from the source: it states the moment; this program counts
 * pages. The source's programs never measure the disk.
 *
 * See also: store_visible.c (what readers see: the store at once).
 */
#define _GNU_SOURCE
#include "lab.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <time.h>

/* cachestat(2) is new (Linux 6.5): glibc has no wrapper yet and older
 * kernel headers lack it. The number is the same on every architecture
 * that uses the common system-call table (x86-64, arm64, riscv, ...). */
#ifndef __NR_cachestat
#define __NR_cachestat 451
#endif
struct cachestat_range { uint64_t off, len; };
struct cachestat {
    uint64_t nr_cache, nr_dirty, nr_writeback, nr_evicted, nr_recently_evicted;
};

#define TMPFS_MAGIC_NUMBER 0x01021994L
#define RAMFS_MAGIC_NUMBER 0x858458f6L
#define DEMO_LIMIT_S 120
#define MAX_PAGES (4 * 1024)  /* the most pages the experiment dirties */

static long page, npages;
static int fd = -1;
static const char *path;

/* How many of FILE's first npages pages are dirty in the page cache. */
static long dirty_pages(void)
{
    struct cachestat_range range = { 0, (uint64_t)(npages * page) };
    struct cachestat cs;
    if (syscall(__NR_cachestat, fd, &range, &cs, 0) == -1)
        die("cachestat");
    return (long)cs.nr_dirty;
}

static void show(const char *what)
{
    printf("%s: %ld of %ld pages dirty\n", what, dirty_pages(), npages);
}

/* Map FILE shared and store one byte into each page. */
static char *map_and_store(char byte)
{
    size_t len = (size_t)(npages * page);
    // BEGIN SOLUTION: map the file and dirty every page
    //| // TODO: map LEN bytes of FD readable, writable and shared with the
    //| // file, then store BYTE at the start of every one of its NPAGES pages.
    //| (void)len; (void)byte;
    //| lab_todo("map FILE MAP_SHARED and store into every page");
    //| return NULL;
    char *map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED)
        die("mmap");
    for (long i = 0; i < npages; i++)
        map[i * page] = byte;
    return map;
    // END SOLUTION
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void cleanup(void)
{
    if (path != NULL)
        unlink(path);
}

int main(int argc, char *argv[])
{
    lab_init(argc, argv, "[--demo] NEWFILE [PAGES]");
    int demo = 0;
    for (const char *opt; (opt = lab_option()) != NULL; )
        demo = 1;  /* --demo */
    const char *file = lab_operand("NEWFILE");
    const char *pages_arg = lab_next_operand();
    lab_end_operands();
    npages = pages_arg ? parse_long(pages_arg, 1, MAX_PAGES, "PAGES") : 16;
    page = page_size();
    size_t len = (size_t)(npages * page);

    fd = open(file, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd == -1)
        die(file);
    path = file;
    atexit(cleanup);

    /* No disk behind tmpfs or ramfs: nothing to write back, nothing to show. */
    struct statfs fs;
    if (fstatfs(fd, &fs) == -1)
        die(file);
    if ((long)fs.f_type == TMPFS_MAGIC_NUMBER || (long)fs.f_type == RAMFS_MAGIC_NUMBER)
        fail(77, file, "is on tmpfs (or ramfs): no disk, so nothing is ever "
             "written back; run it on a disk file system (ext4, xfs, btrfs)");

    /* 1. The file on the disk, every page clean. */
    char *buf = calloc(1, (size_t)page);
    if (buf == NULL)
        die("calloc");
    memset(buf, '.', (size_t)page);
    for (long i = 0; i < npages; i++)
        if (write(fd, buf, (size_t)page) != (ssize_t)page)
            die(file);
    free(buf);
    if (fsync(fd) == -1)
        die("fsync");
    struct cachestat_range range = { 0, len };
    struct cachestat cs;
    if (syscall(__NR_cachestat, fd, &range, &cs, 0) == -1) {
        if (errno == ENOSYS)
            fail(77, "cachestat", "not in this kernel (Linux 6.5 or later has "
                 "it): the dirty pages cannot be counted");
        die("cachestat");
    }
    printf("%s: %ld pages written and fsync()ed: %ld of %ld pages dirty\n",
           file, npages, (long)cs.nr_dirty, npages);

    /* 2.-4. Store, unmap without msync, and see what munmap wrote back. */
    char *map = map_and_store('m');
    show("stored into every page through MAP_SHARED, still mapped");
    // BEGIN SOLUTION: unmap without msync
    //| // TODO: unmap the whole mapping, without msync.
    //| (void)map;
    //| lab_todo("munmap the mapping without msync");
    if (munmap(map, len) == -1)
        die("munmap");
    // END SOLUTION
    show("munmap() without msync");
    if (fsync(fd) == -1)
        die("fsync");
    show("fsync()");

    /* 5. msync(MS_SYNC) writes back while the mapping stays. */
    map = map_and_store('s');
    // BEGIN SOLUTION: msync while still mapped
    //| // TODO: write the mapping's dirty pages back with msync, and wait.
    //| lab_todo("msync(MS_SYNC) the mapping");
    if (msync(map, len, MS_SYNC) == -1)
        die("msync");
    // END SOLUTION
    show("stored again, msync(MS_SYNC), still mapped");
    if (munmap(map, len) == -1)
        die("munmap");

    /* --demo: the flusher writes back while still mapped, with no call. */
    if (demo) {
        long expire = -1;
        FILE *f = fopen("/proc/sys/vm/dirty_expire_centisecs", "r");
        if (f != NULL) {
            if (fscanf(f, "%ld", &expire) != 1)
                expire = -1;
            fclose(f);
        }
        map = map_and_store('d');
        printf("stored again, still mapped, no msync: waiting for the kernel's "
               "flusher (vm.dirty_expire_centisecs = %ld)\n", expire);
        fflush(stdout);
        double start = now_s(), t = 0;
        long dirty;
        while ((dirty = dirty_pages()) > 0 && (t = now_s() - start) < DEMO_LIMIT_S) {
            struct timespec tick = { 0, 100 * 1000 * 1000 };
            nanosleep(&tick, NULL);
        }
        t = now_s() - start;
        if (dirty == 0)
            printf("written back by the flusher after %.1f s, while still mapped: "
                   "0 of %ld pages dirty\n", t, npages);
        else
            printf("still %ld of %ld pages dirty after %.0f s\n", dirty, npages, t);
        if (munmap(map, len) == -1)
            die("munmap");
    }
    if (close(fd) == -1)
        die("close");
    return 0;
}
