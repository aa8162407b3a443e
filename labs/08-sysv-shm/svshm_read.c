/* svshm_read.c: attach a System V segment read-only and print its string.
 *
 * Usage: svshm_read SHMID
 *
 * Source 002 (shmat and shmdt, steps 2 and 3 of the four it lists; the
 * read-only attachment, SHM_RDONLY, is this program's choice, not the
 * source's). Prints the segment's
 * bytes up to the first NUL (or all of them) and a newline. Run it after
 * the writer has exited: the segment still holds the data.
 *
 * Differences from the sources: they show no reader (source 002's example
 * is missing from its text). This one stops at the segment's size even
 * when there is no NUL in it.
 *
 * See also: svshm_write.c, pshm_read.c (lab 07).
 */
#define _GNU_SOURCE
#include "lab.h"

#include <sys/ipc.h>
#include <sys/shm.h>

int main(int argc, char *argv[])
{
    lab_init(argc, argv, "SHMID");
    const char *id_arg = lab_operand("SHMID");
    lab_end_operands();
    int id = (int)parse_long(id_arg, 0, INT_MAX, "SHMID");

    struct shmid_ds ds;
    if (shmctl(id, IPC_STAT, &ds) == -1)
        die(id_arg);
    size_t size = ds.shm_segsz;

    // BEGIN SOLUTION: attach read-only, print the text, detach
    //| // TODO: attach the segment ID read-only (shmat with SHM_RDONLY;
    //| // die("shmat")); print its text: the bytes up to the first NUL, or all
    //| // SIZE bytes if there is none, then a newline; detach (die("shmdt")).
    //| (void)size;
    //| lab_todo("attach the segment read-only, print its text, detach");
    const char *addr = shmat(id, NULL, SHM_RDONLY);
    if (addr == (void *)-1)
        die("shmat");
    const char *nul = memchr(addr, '\0', size);
    fwrite(addr, 1, nul ? (size_t)(nul - addr) : size, stdout);
    putchar('\n');
    if (shmdt(addr) == -1)
        die("shmdt");
    // END SOLUTION
    return 0;
}
