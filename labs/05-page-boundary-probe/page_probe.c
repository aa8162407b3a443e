/* page_probe.c: which stores into a file mapping work, and where SIGBUS starts.
 *
 * Usage: page_probe [--raw] [-v] [--offset-pages N | --offset-bytes N]
 *                   [--size BYTES] OUTFILE
 *
 * Source 003, section 4, versions 1 and 2. The program creates OUTFILE with
 * 2*PAGE-99 bytes, maps 3*PAGE bytes of it MAP_SHARED from offset N*PAGE
 * (version 1: N=0, the default; version 2: --offset-pages 1), and walks the
 * page boundaries with the source's `people` records (8 bytes each, so
 * R = PAGE/8 records a page). For page i = 1, 2, 3 it stores age=100 into
 * record R*i-2 and prints "access page i over", into record R*i-1 (the last
 * of page i) and prints "access page i edge over, now begin to access page
 * i+1", then stores into record R*i, the first record of page i+1.
 *
 * The claim: neither `len` nor the file's size says what the process may
 * touch, but the number of whole pages needed to hold the mapped part of the
 * file. Bytes past end-of-file inside the file's last page can be read and
 * written (they read as zero and never become part of the file); a store
 * into a page of the mapping that lies wholly past end-of-file raises SIGBUS
 * (BUS_ADRERR). Version 1 maps the whole file (2*PAGE-99 bytes, pages 1-2)
 * and faults entering page 3; version 2 maps from the second page, so the
 * mapped part is PAGE-99 bytes (page 1 only) and it faults entering page 2.
 *
 * By default the program catches the fault (sigaction with SA_SIGINFO, then
 * siglongjmp back to a sigsetjmp made just before the store) and prints the
 * signal, its si_code, the page of the mapping (counted from 1) and the byte
 * offset from the start of the mapping that faulted, taken from si_addr;
 * then it exits 0. With --raw the signals keep their default action and the
 * process dies by the first one, as in the source ("Bus error").
 *
 * --offset-bytes N hands N to mmap as it is: when N is not a multiple of the
 * page size the kernel refuses with EINVAL ("the offset must be a multiple
 * of the page size", as the source says); the program prints that and exits 1.
 * --size BYTES makes OUTFILE that big instead: a file that covers all 3 mapped
 * pages gives no SIGBUS at all, and the walk ends with a store past the
 * mapping (record 3R, in page 4).
 *
 * The page after the mapping: the program first reserves 4 pages with a
 * PROT_NONE anonymous mapping and then maps the file with MAP_FIXED over the
 * first 3. The 4th page stays reserved and inaccessible for the whole run,
 * so a store past the mapping is certainly a SIGSEGV (SEGV_ACCERR: a mapping
 * is there, but it allows no access). Without the reservation the result
 * would depend on whatever the kernel happened to place after the mapping (a
 * library, another mapping: then the store would succeed and corrupt it).
 * MAP_FIXED, which silently replaces whatever is mapped in its range, is safe
 * here because the range is our own reservation.
 *
 * Differences from the source: OUTFILE is sized with ftruncate instead of
 * lseek to 2*PAGE-100 (the one-byte write that must follow is not in the
 * text; the size it states, 2*PAGE-99, implies it), with mode 0644
 * instead of 00777 (a data file needs no execute bits); like the source it is truncated if it
 * exists and left behind afterwards for `ls -l`. Stdout is line-buffered:
 * when the signal kills the process (--raw), what was printed before the
 * fault is not lost in a stdio buffer even when stdout is a pipe or a file.
 * Besides the source's lines it prints the file's size (as source 000 does)
 * and how many of the mapped pages the file covers. The source's listing is
 * truncated; this program follows its description and its version-1 output.
 *
 * See also: bus_segv.c (source 000, section 7: SIGBUS and SIGSEGV in one run).
 */
#define _GNU_SOURCE
#include "lab.h"

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>

#define USAGE "[--raw] [-v] [--offset-pages N | --offset-bytes N] [--size BYTES] OUTFILE"
#define MAP_PAGES 3 /* pages mapped, as in the source */

/* The source's record: 8 bytes, so a page holds a whole number of them. */
struct people {
    char name[4];
    int age;
};

/* ---- the store that may fault -------------------------------------------- */

/* Store age=100 into record `rec`; 0 if the store succeeded, else the
 * signal it raised. After catch_faults() (lab.h) a SIGBUS or SIGSEGV jumps
 * back here, to the sigsetjmp, with lab_fault saying what and where; with
 * --raw nothing is caught and the process dies at the store. */
static int store_age(volatile struct people *map, long rec)
{
    if (sigsetjmp(lab_fault.env, 1) != 0)
        return lab_fault.sig;
    map[rec].age = 100;
    return 0;
}

/* ---- the experiment ------------------------------------------------------ */

int main(int argc, char *argv[])
{
    lab_init(argc, argv, USAGE);
    long page = page_size();
    int raw = 0, verbose = 0, have_offset = 0;
    long offset = 0, size = 2 * page - 99;
    for (const char *opt; (opt = lab_option()) != NULL; ) {
        if (strcmp(opt, "--raw") == 0) {
            raw = 1;
        } else if (strcmp(opt, "-v") == 0) {
            verbose = 1;
        } else if (strcmp(opt, "--size") == 0) {
            size = parse_long(lab_optarg, 0, 4 * page, "BYTES");
        } else {  /* --offset-pages N or --offset-bytes N */
            if (have_offset)
                usage_error("%s: give one offset only", opt);
            have_offset = 1;
            if (strcmp(opt, "--offset-pages") == 0)
                offset = parse_long(lab_optarg, 0, MAP_PAGES, "N") * page;
            else
                offset = parse_long(lab_optarg, 0, MAP_PAGES * page, "N");
        }
    }
    const char *path = lab_operand("OUTFILE");
    lab_end_operands();

    /* What is printed before a fault must survive the fault (--raw). */
    setvbuf(stdout, NULL, _IOLBF, 0);

    /* Make the file: 2*PAGE-99 bytes, as the source's lseek + write. */
    int fd = open_regular(path, O_CREAT | O_RDWR | O_TRUNC, 0644, NULL);
    printf("pagesize is %ld\n", page);
    if (ftruncate(fd, size) == -1)
        die(path);
    struct stat sb;
    if (fstat(fd, &sb) == -1)
        die(path);
    printf("file size is %lld\n", (long long)sb.st_size);

    /* Reserve the mapping and one guard page after it, inaccessible. */
    // BEGIN SOLUTION: reserve a guard page, map the file over the reservation
    //| // TODO 1: LEN is MAP_PAGES pages. Reserve LEN plus one page of address
    //| // space that nothing may touch: an anonymous, private, PROT_NONE mapping
    //| // (MAP_NORESERVE); die("mmap (reservation)") on failure. Then map LEN
    //| // bytes of FD from OFFSET, readable, writable and shared, exactly over the
    //| // start of the reservation (MAP_FIXED at BASE), so the page after it is
    //| // the inaccessible guard page. If that mmap fails with EINVAL because
    //| // OFFSET is not a multiple of the page size, print
    //| //   mmap of 3 pages from offset OFFSET: Invalid argument (EINVAL): the offset is not a multiple of the page size
    //| // and stop with fail(EXIT_FAILURE, "mmap", "offset %ld: %s (%s)", ...);
    //| // any other failure: die("mmap"). Finally close FD (die("close")).
    //| size_t len = MAP_PAGES * (size_t)page;
    //| char *base = NULL, *map = NULL;
    //| (void)base;
    //| lab_todo("reserve the mapping plus a PROT_NONE guard page; map the file over it with MAP_FIXED");
    size_t len = MAP_PAGES * (size_t)page;
    char *base = mmap(NULL, len + (size_t)page, PROT_NONE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED)
        die("mmap (reservation)");

    /* Map 3 pages of the file over the first 3 pages of the reservation. */
    char *map = mmap(base, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
                     fd, offset);
    if (map == MAP_FAILED) {
        int err = errno;
        if (err == EINVAL && offset % page != 0) {
            printf("mmap of %d pages from offset %ld: %s (%s): the offset is "
                   "not a multiple of the page size\n", MAP_PAGES, offset,
                   strerror(err), errno_name(err));
            fail(EXIT_FAILURE, "mmap", "offset %ld: %s (%s)", offset,
                 strerror(err), errno_name(err));
        }
        errno = err;
        die("mmap");
    }
    /* The mapping keeps the file open; the descriptor is no longer needed. */
    if (close(fd) == -1)
        die("close");
    // END SOLUTION
    if (verbose)
        fprintf(stderr, "%s: mapping at %p, guard page at %p\n", lab_prog,
                (void *)map, (void *)(map + len));

    long mapped_part = sb.st_size - offset;
    if (mapped_part < 0)
        mapped_part = 0;
    if (mapped_part > (long)len)
        mapped_part = (long)len;
    long covered = (mapped_part + page - 1) / page;
    printf("mapped %d pages (%zu bytes) of %s from offset %ld, MAP_SHARED, "
           "then a PROT_NONE guard page\n", MAP_PAGES, len, path, offset);
    printf("the mapped part of the file is %ld bytes: it covers %ld of the "
           "%d pages\n", mapped_part, covered, MAP_PAGES);

    /* Walk the page boundaries as the source does. */
    if (!raw)
        catch_faults();
    // BEGIN SOLUTION: walk the page boundaries
    //| // TODO 2: the mapping holds PER_PAGE = PAGE / sizeof(struct people) records
    //| // a page. For pages p = 1, 2, 3: store age 100 (store_age) into the
    //| // second-to-last record of page p, then print "access page p over"; into
    //| // the last record of page p, then print
    //| //   access page p edge over, now begin to access page p+1
    //| // and then into the first record of page p+1. Stop at the first store
    //| // that faults, with SIG set to the signal store_age() returned.
    //| int sig = 0;
    //| (void)store_age;
    //| lab_todo("walk the page boundaries, storing into the records at each edge");
    volatile struct people *people = (volatile struct people *)map;
    long per_page = page / (long)sizeof(struct people);
    int sig = 0;
    for (int p = 1; p <= MAP_PAGES && sig == 0; p++) {
        if ((sig = store_age(people, per_page * p - 2)) != 0)
            break;
        printf("access page %d over\n", p);
        if ((sig = store_age(people, per_page * p - 1)) != 0)
            break;
        printf("access page %d edge over, now begin to access page %d\n", p,
               p + 1);
        sig = store_age(people, per_page * p);
    }
    // END SOLUTION

    if (sig != 0) {
        long at = (long)((char *)lab_fault.addr - map);
        printf("caught %s (%s) at page %ld, byte offset %ld from the "
               "mapping's start\n", signal_name(sig),
               si_code_name(sig, lab_fault.code), at / page + 1, at);
        if (verbose)
            fprintf(stderr, "%s: si_addr %p\n", lab_prog, lab_fault.addr);
    } else {
        printf("no store faulted\n");
    }
    // BEGIN SOLUTION: unmap
    //| // TODO 3: unmap the whole reservation, guard page included (die("munmap")).
    //| lab_todo("unmap the reservation and the guard page");
    if (munmap(base, len + (size_t)page) == -1)
        die("munmap");
    // END SOLUTION
    return 0;
}
