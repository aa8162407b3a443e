/* bigger_than_ram.c: map a file larger than the machine's memory.
 *
 * Usage: bigger_than_ram NEWFILE
 *
 * Source 002 asks whether a mapping can hold more than main memory (claim
 * F3). The program creates NEWFILE as a sparse file one GiB larger than
 * physical memory (sysconf(_SC_PHYS_PAGES) pages): ftruncate sets the size,
 * no block is written. It maps the whole file MAP_SHARED, stores a byte into
 * 9 pages spread from the first to the last, reads them back, and shows
 * that the process's Rss grew only by those few pages (plus what read-ahead
 * and fault-around bring in), not by the file's size: a mapping only
 * reserves addresses; memory is used page by page, on access. NEWFILE is
 * removed at the end (also when the program fails), so the touched pages
 * are never written to the disk.
 *
 * stdout gives facts that hold on every machine; the sizes in KiB go to
 * stderr. Exit 77 if the file system or the address space cannot hold a
 * file that large (EFBIG, ENOMEM), with the reason.
 *
 * Differences from the source: the source wonders whether "too much would
 * be copied into main memory"; this measures it.
 *
 * See also: page_faults.c.
 */
#define _GNU_SOURCE
#include "lab.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>

#define TOUCHES 9

static const char *path;

static void remove_file(void)
{
    unlink(path);
}

/* This process's Rss in KiB, from /proc/self/smaps_rollup. */
static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/smaps_rollup", "r");
    if (f == NULL)
        die("/proc/self/smaps_rollup");
    char line[256];
    long rss = -1;
    while (fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "Rss: %ld kB", &rss) == 1)
            break;
    fclose(f);
    return rss;
}

int main(int argc, char *argv[])
{
    lab_init(argc, argv, "NEWFILE");
    path = lab_operand("NEWFILE");
    lab_end_operands();
    long page = page_size();
    long phys = sysconf(_SC_PHYS_PAGES);
    if (phys <= 0)
        die("sysconf(_SC_PHYS_PAGES)");
    off_t ram = (off_t)phys * page;
    off_t size = ram + ((off_t)1 << 30);  /* a whole number of pages */
    if ((uintmax_t)size > SIZE_MAX)
        fail(77, path, "the file would not fit this address space");

    int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd == -1)
        die(path);
    atexit(remove_file);
    if (ftruncate(fd, size) == -1) {
        if (errno == EFBIG || errno == EINVAL)
            fail(77, path, "cannot make a %lld-byte file here: %s",
                 (long long)size, strerror(errno));
        die("ftruncate");
    }
    printf("%s: sparse file of physical memory + 1 GiB\n", path);

    long before = rss_kib();
    char *map = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) {
        if (errno == ENOMEM)
            fail(77, "mmap", "no room for a %lld-byte mapping: %s",
                 (long long)size, strerror(errno));
        die("mmap");
    }
    close(fd);
    printf("mapped all of it MAP_SHARED: mapping larger than RAM: %s\n",
           size > ram ? "yes" : "no");

    /* Touch TOUCHES pages from the first to the last, evenly spread. */
    off_t npages = size / page;
    int ok = 1;
    for (int i = 0; i < TOUCHES; i++) {
        off_t off = (npages - 1) / (TOUCHES - 1) * i * page;
        if (i == TOUCHES - 1)
            off = (npages - 1) * page;
        map[off] = (char)('a' + i);
        ok &= ((volatile char *)map)[off] == 'a' + i;
    }
    long after = rss_kib();
    printf("stored and read back one byte in each of %d pages spread over "
           "the file: %s\n", TOUCHES, ok ? "ok" : "FAILED");
    long grew = after - before;
    long file_kib = (long)(size >> 10);
    printf("Rss grew by less than 1%% of the file: %s\n",
           grew < file_kib / 100 ? "yes" : "no");
    fprintf(stderr, "%s: RAM %lld KiB, file %ld KiB, Rss %ld -> %ld KiB "
            "(+%ld KiB for %d pages touched)\n", lab_prog,
            (long long)(ram >> 10), file_kib, before, after, grew, TOUCHES);

    if (munmap(map, (size_t)size) == -1)
        die("munmap");
    printf("unmapped; %s is removed\n", path);
    return ok ? 0 : 1;
}
