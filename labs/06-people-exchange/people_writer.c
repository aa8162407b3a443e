/* people_writer.c: write 10 records into a mapping of a 5-record file.
 *
 * Usage: people_writer [--sync] [--demo] OUTFILE
 *
 * Source 003, example 1, map_normalfile1 (claims M6, M7, M8). The program
 * creates OUTFILE (or truncates it) and sizes it for 5 `people` records, but
 * maps room for 10 and fills all 10: names "b" to "k", ages 20 to 29. It
 * prints "initialize over" and holds the mapping, so that people_reader can
 * look at the file meanwhile; then it unmaps and prints "umap ok".
 *
 * Why the stores past the end of the file do not fault: the mapping is made
 * of whole pages, and the file's last (here: only) page is all there, up to
 * its end, even where the file has no bytes. Records 6-10 live in that
 * page, in the page cache, but never in the file: the file keeps its size
 * (a mapping cannot change it, M8). Whether another process still sees them
 * after the writer unmapped depends on whether the page has been written
 * back meanwhile, which zeroes the part past the end (M7); --sync forces that
 * with msync(MS_SYNC) before munmap.
 *
 * Holding: by default until its standard input reaches end of file (Ctrl-D
 * in a terminal, or the closing of a pipe or FIFO: a script can run the
 * reader in between without any sleep). --demo holds 10 seconds as the
 * source does.
 *
 * Differences from the source: the source sets the size with lseek and a
 * 1-byte write; here ftruncate() (same size, same zeros). Its names are
 * built with memcpy(name, &temp, 2), which copies a byte from past a char:
 * here each name is a proper NUL-terminated string. The file is created with
 * mode 0600, not 0777.
 *
 * See also: people_reader.c (map_normalfile2), anon_fork.c (lab 04).
 */
#define _GNU_SOURCE
#include "lab.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#define FILE_RECORDS 5  /* the file's size, in records */
#define MAP_RECORDS 10  /* what is mapped and written */

typedef struct {
    char name[4];
    int age;
} people;

int main(int argc, char *argv[])
{
    lab_init(argc, argv, "[--sync] [--demo] OUTFILE");
    int sync_first = 0, demo = 0;
    for (const char *opt; (opt = lab_option()) != NULL; ) {
        if (strcmp(opt, "--sync") == 0)
            sync_first = 1;
        else if (strcmp(opt, "--demo") == 0)
            demo = 1;
    }
    const char *path = lab_operand("OUTFILE");
    lab_end_operands();

    size_t map_len = sizeof(people) * MAP_RECORDS;
    if ((size_t)page_size() < map_len)  /* never on Linux: pages >= 4 KiB */
        fail(EXIT_FAILURE, path, "a page is smaller than %zu bytes", map_len);

    /* A file of exactly 5 records (zeros). */
    int fd = open_regular(path, O_CREAT | O_RDWR | O_TRUNC, 0600, NULL);
    // BEGIN SOLUTION: size the file to 5 records, map 10
    //| // TODO 1: make the file exactly FILE_RECORDS records long (ftruncate;
    //| // die(path) on failure). Then map MAP_LEN bytes (MAP_RECORDS records,
    //| // twice the file) of FD, readable, writable and shared (die("mmap")), and
    //| // close FD (die("close")).
    //| people *p_map = NULL;
    //| (void)fd;
    //| lab_todo("size FILE to 5 records and map 10 records of it MAP_SHARED");
    if (ftruncate(fd, (off_t)(sizeof(people) * FILE_RECORDS)) == -1)
        die(path);

    /* Map 10 records: twice the file. Allowed, since mmap never checks the
     * length against the file's size. */
    people *p_map = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_SHARED,
                         fd, 0);
    if (p_map == MAP_FAILED)
        die("mmap");
    if (close(fd) == -1)
        die("close");
    // END SOLUTION

    // BEGIN SOLUTION: write the 10 records
    //| // TODO 2: write all MAP_RECORDS records through the mapping: record i gets
    //| // the name "b", "c", ... "k" (one letter, the rest of the 4 bytes zero) and
    //| // the age 20 + i.
    //| (void)p_map;
    //| lab_todo("write the 10 records through the mapping");
    for (int i = 0; i < MAP_RECORDS; i++) {
        memset(p_map[i].name, 0, sizeof p_map[i].name);
        p_map[i].name[0] = (char)('b' + i);  /* "b", "c", ... "k" */
        p_map[i].age = 20 + i;
    }
    // END SOLUTION
    printf("%s: %zu bytes (%d records), mapped %zu bytes (%d records)\n", path,
           sizeof(people) * FILE_RECORDS, FILE_RECORDS, map_len, MAP_RECORDS);
    printf("initialize over\n");
    fflush(stdout);  /* a script waits for this line */

    /* Hold the mapping while others look at the file. */
    if (demo) {
        sleep(10);
    } else {
        if (isatty(STDIN_FILENO))
            fprintf(stderr, "%s: holding the mapping; press Ctrl-D to unmap\n",
                    lab_prog);
        char buf[256];
        ssize_t n;
        while ((n = read(STDIN_FILENO, buf, sizeof buf)) != 0) {
            if (n == -1 && errno != EINTR)
                die("read standard input");
        }
    }

    /* Write the page back: this zeroes its part past the end of the file. */
    // BEGIN SOLUTION: write back (--sync) and unmap
    //| // TODO 3: with --sync (SYNC_FIRST), write the mapping back to the file with
    //| // msync(MS_SYNC) (die("msync")) and print "msync(MS_SYNC) done". Then
    //| // unmap the MAP_LEN bytes (die("munmap")).
    //| (void)sync_first;
    //| lab_todo("msync with --sync, then munmap");
    if (sync_first) {
        if (msync(p_map, map_len, MS_SYNC) == -1)
            die("msync");
        printf("msync(MS_SYNC) done\n");
    }
    if (munmap(p_map, map_len) == -1)
        die("munmap");
    // END SOLUTION
    printf("umap ok\n");
    return 0;
}
