/* people_reader.c: read 10 records through a mapping of a 5-record file.
 *
 * Usage: people_reader INFILE
 *
 * Source 003, example 1, map_normalfile2 (claims M6, M7). The program maps
 * 10 `people` records of INFILE MAP_SHARED and prints "name: %s age %d;" for
 * each. Run while people_writer holds its mapping, it prints all 10 records
 * the writer stored, although the file has room for 5: both mappings share
 * the file's page in the page cache, records 6-10 included. Run after the
 * writer unmapped, it prints what is still in that page: records 6-10 if the
 * page has not been written back yet, zeros if it has (M7).
 *
 * Differences from the source: the source opens INFILE with O_CREAT, so a
 * missing file is created empty and the first access to its mapping dies by
 * SIGBUS; here a missing or empty file is refused with a message. The
 * mapping is read-only (the reader never stores). Names are printed with at
 * most 4 characters, so a record without a NUL cannot run into the next.
 *
 * See also: people_writer.c (map_normalfile1).
 */
#define _GNU_SOURCE
#include "lab.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#define MAP_RECORDS 10

typedef struct {
    char name[4];
    int age;
} people;

int main(int argc, char *argv[])
{
    lab_init(argc, argv, "INFILE");
    const char *path = lab_operand("INFILE");
    lab_end_operands();

    off_t size;
    int fd = open_regular(path, O_RDONLY, 0, &size);
    if (size == 0)
        fail(EXIT_FAILURE, path, "empty file: nothing to map");

    /* Every record must lie in a page that holds some of the file: past
     * the file's last page an access would raise SIGBUS. */
    size_t map_len = sizeof(people) * MAP_RECORDS;
    size_t page = (size_t)page_size();
    size_t pages = ((size_t)size + page - 1) / page;
    if (pages * page < map_len)
        fail(EXIT_FAILURE, path, "%zu records would reach past the file's "
             "last page", (size_t)MAP_RECORDS);

    // BEGIN SOLUTION: map 10 records read-only, print them, unmap
    //| // TODO: map MAP_LEN bytes (MAP_RECORDS records) of FD read-only and shared
    //| // (die("mmap")), close FD (die("close")), print every record as
    //| //     name: NAME age AGE;
    //| // where NAME is the record's name field (4 bytes, NUL-padded: a name of
    //| // 4 letters has no NUL at all), then unmap (die("munmap")).
    //| (void)map_len;
    //| (void)fd;
    //| lab_todo("map the 10 records read-only and print them");
    const people *p_map = mmap(NULL, map_len, PROT_READ, MAP_SHARED, fd, 0);
    if (p_map == MAP_FAILED)
        die("mmap");
    if (close(fd) == -1)
        die("close");

    for (int i = 0; i < MAP_RECORDS; i++)
        printf("name: %.4s age %d;\n", p_map[i].name, p_map[i].age);

    if (munmap((void *)p_map, map_len) == -1)
        die("munmap");
    // END SOLUTION
    return 0;
}
