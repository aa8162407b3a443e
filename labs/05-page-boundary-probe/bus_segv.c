/* bus_segv.c: past the file's last page is SIGBUS, past the mapping is SIGSEGV.
 *
 * Usage: bus_segv [--raw] [--gap] [-v] FILE
 *
 * Source 000, section 7. FILE must exist and be smaller than one page. The
 * program maps it as two pages (MAP_SHARED) and stores into four places:
 *
 *   0         size      PAGE               2*PAGE             3*PAGE
 *   |<-the file->|         |                  |                  |
 *   +------------+---------+------------------+------------------+
 *   |   page 1: the file   | page 2: no file  | page 3: guard,   |
 *   |   + zero-filled tail | behind it        | PROT_NONE        |
 *   +----------------------+------------------+------------------+
 *   |<------- the mapping, len = 2*PAGE ----->|
 *      stores 1, 2: work     store 3: SIGBUS    store 4: SIGSEGV
 *
 * 1. the file's last byte (its own value, so the file is unchanged): works;
 * 2. offset PAGE-1, past end-of-file but inside the file's last page: works
 *    (the tail is zero-filled; what is stored there never joins the file);
 * 3. offset PAGE, inside the mapping but in a page wholly past end-of-file:
 *    SIGBUS, si_code BUS_ADRERR;
 * 4. offset 2*PAGE, just past the mapping: SIGSEGV.
 * The claim: what decides is pages, not `len` and not the file's size.
 *
 * By default the program catches each fault (sigaction with SA_SIGINFO, then
 * siglongjmp back to a sigsetjmp made just before the store), prints the
 * signal, its si_code, and the page of the mapping (counted from 1) and the
 * byte offset from the start of the mapping that faulted (from si_addr), and
 * goes on to the next store; it exits 0. With --raw the signals keep their
 * default action and the process dies by the first one, SIGBUS, as the
 * source's "Bus error".
 *
 * The page after the mapping: the program first reserves 3 pages with a
 * PROT_NONE anonymous mapping and then maps the file with MAP_FIXED over the
 * first 2. The 3rd page stays reserved and inaccessible for the whole run,
 * so store 4 is certainly a SIGSEGV, with si_code SEGV_ACCERR (a mapping is
 * there but allows no access; a hole with nothing mapped would give
 * SEGV_MAPERR). Without the reservation the result would depend on what the
 * kernel happened to place after the mapping: if it were another writable
 * mapping, store 4 would succeed and silently corrupt it. MAP_FIXED, which
 * silently replaces whatever is mapped in its range, is safe here because
 * the range is our own reservation.
 *
 * --gap: the case source 000 describes, nothing at all after the mapping.
 * Just before store 4 the program unmaps the guard page, leaving a one-page
 * hole, checks with mincore() that nothing is mapped there (ENOMEM), and
 * stores: SIGSEGV with si_code SEGV_MAPERR (no mapping at that address).
 *
 * Differences from the source: the source's first store kills it, so its
 * second store (the SIGSEGV) never runs; catching the faults shows both.
 * The in-file store writes back the byte already there, so FILE is left as
 * it was. Stdout is line-buffered so what was printed before a fatal fault
 * is not lost when stdout is a pipe or a file.
 *
 * See also: page_probe.c (source 003, section 4: where SIGBUS starts).
 */
#define _GNU_SOURCE
#include "lab.h"

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>

#define USAGE "[--raw] [--gap] [-v] FILE"

/* ---- the store that may fault -------------------------------------------- */

/* Store `value` at p; 0 if the store succeeded, else the signal it raised.
 * After catch_faults() (lab.h) a SIGBUS or SIGSEGV jumps back here, to the
 * sigsetjmp, with lab_fault saying what and where; with --raw nothing is
 * caught and the process dies at the store. */
static int store(volatile char *p, char value)
{
    if (sigsetjmp(lab_fault.env, 1) != 0)
        return lab_fault.sig;
    *p = value;
    return 0;
}

/* ---- the experiment ------------------------------------------------------ */

int main(int argc, char *argv[])
{
    lab_init(argc, argv, USAGE);
    int raw = 0, verbose = 0, gap = 0;
    for (const char *opt; (opt = lab_option()) != NULL; ) {
        if (strcmp(opt, "--raw") == 0)
            raw = 1;
        else if (strcmp(opt, "--gap") == 0)
            gap = 1;
        else if (strcmp(opt, "-v") == 0)
            verbose = 1;
    }
    const char *path = lab_operand("FILE");
    lab_end_operands();
    long page = page_size();

    /* What is printed before a fault must survive the fault (--raw). */
    setvbuf(stdout, NULL, _IOLBF, 0);

    /* The file: it must exist and be smaller than one page. */
    off_t size;
    int fd = open_regular(path, O_RDWR, 0, &size);
    if (size == 0)
        fail(EXIT_FAILURE, path, "empty file: it needs a last byte to store into");
    if (size >= page)
        fail(EXIT_FAILURE, path, "%lld bytes: the file must be smaller than "
             "one page (%ld bytes)", (long long)size, page);
    printf("pagesize is %ld\n", page);
    printf("file size is %lld\n", (long long)size);

    /* Reserve the mapping and one guard page after it, inaccessible, then
     * map two pages of the file over the start of the reservation. */
    // BEGIN SOLUTION: reserve a guard page, map two pages of the file over it
    //| // TODO 1: LEN is two pages. Reserve LEN plus one page of address space
    //| // that nothing may touch (anonymous, private, PROT_NONE, MAP_NORESERVE;
    //| // die("mmap (reservation)")), then map LEN bytes of FD from offset 0,
    //| // readable, writable and shared, exactly over the start of the
    //| // reservation (MAP_FIXED at BASE; die("mmap")), and close FD.
    //| size_t len = 2 * (size_t)page;
    //| char *base = NULL, *map = NULL;
    //| (void)base;
    //| (void)fd;
    //| lab_todo("reserve two pages plus a PROT_NONE guard page; map the file over them with MAP_FIXED");
    size_t len = 2 * (size_t)page;
    char *base = mmap(NULL, len + (size_t)page, PROT_NONE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED)
        die("mmap (reservation)");
    char *map = mmap(base, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
                     fd, 0);
    if (map == MAP_FAILED)
        die("mmap");
    if (close(fd) == -1)
        die("close");
    // END SOLUTION
    if (verbose)
        fprintf(stderr, "%s: mapping at %p, guard page at %p\n", lab_prog,
                (void *)map, (void *)(map + len));
    printf("mapped 2 pages (%zu bytes) of %s, MAP_SHARED, then a PROT_NONE "
           "guard page%s\n", len, path, gap ? " (unmapped before store 4)" : "");

    /* The four stores, from the file's last byte to past the mapping. */
    long last = (long)size - 1;
    struct {
        long offset;
        char value;
        const char *where;
    } steps[] = {
        {last, map[last], "page 1, the file's last byte, stored unchanged"},
        {page - 1, '9', "page 1, past end-of-file but in the file's last page"},
        {page, '9', "page 2, inside the mapping, past the file's last page"},
        {2 * page, '9', gap ? "page 3, past the mapping: an unmapped gap"
                            : "page 3, past the mapping: the guard page"},
    };
    if (!raw)
        catch_faults();
    for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) {
        printf("store at offset %ld (%s)\n", steps[s].offset, steps[s].where);
        if (gap && s == 3) {
            // BEGIN SOLUTION: leave a hole after the mapping
            //| // TODO (--gap only): unmap the guard page at MAP + LEN, so that nothing is
            //| // mapped after the file's mapping.
            //| lab_todo("unmap the guard page");
            if (munmap(map + len, (size_t)page) == -1)
                die("munmap (guard page)");
            // END SOLUTION
            /* Nothing may have taken the hole: mincore fails with ENOMEM on
             * an address with no mapping. */
            unsigned char vec;
            if (mincore(map + len, (size_t)page, &vec) == 0 || errno != ENOMEM)
                fail(EXIT_FAILURE, "gap", "something is mapped after the mapping");
        }
        int sig = store(map + steps[s].offset, steps[s].value);
        if (sig == 0) {
            printf("  ok\n");
            continue;
        }
        long at = (long)((char *)lab_fault.addr - map);
        printf("  caught %s (%s) at page %ld, byte offset %ld from the "
               "mapping's start\n", signal_name(sig),
               si_code_name(sig, lab_fault.code), at / page + 1, at);
        if (verbose)
            fprintf(stderr, "%s: si_addr %p\n", lab_prog, lab_fault.addr);
    }

    // BEGIN SOLUTION: unmap
    //| // TODO 2: unmap the whole reservation, guard page included (die("munmap")).
    //| lab_todo("unmap the reservation and the guard page");
    if (munmap(base, len + (size_t)page) == -1)
        die("munmap");
    // END SOLUTION
    /* The stores changed neither the file's size nor its bytes. */
    struct stat sb;
    if (stat(path, &sb) == -1)
        die(path);
    printf("file size is still %lld\n", (long long)sb.st_size);
    return 0;
}
