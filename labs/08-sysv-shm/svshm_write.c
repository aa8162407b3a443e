/* svshm_write.c: attach a System V segment and store a string in it.
 *
 * Usage: svshm_write SHMID TEXT
 *
 * Source 002 (shmat, step 2 of the four it lists). shmat() places the segment in this
 * process's address space; TEXT is copied to its start, with a NUL after it
 * when there is room; shmdt() detaches it. The segment keeps the bytes
 * after this process exits: it lives until IPC_RMID (or ipcrm), not as long
 * as its users.
 *
 * The format is the same as lab 07's: the string is the segment's bytes up
 * to the first NUL, or all of them. No header, no length field.
 *
 * Differences from the sources: they show no program (source 002's example
 * is missing from its text). A text longer than the segment is refused here
 * (the segment cannot grow).
 *
 * See also: svshm_read.c, svshm_create.c.
 */
#define _GNU_SOURCE
#include "lab.h"

#include <sys/ipc.h>
#include <sys/shm.h>

int main(int argc, char *argv[])
{
    lab_init(argc, argv, "SHMID TEXT");
    const char *id_arg = lab_operand("SHMID");
    const char *text = lab_operand("TEXT");
    lab_end_operands();
    int id = (int)parse_long(id_arg, 0, INT_MAX, "SHMID");
    size_t len = strlen(text);

    /* The size is the segment's, from shmctl(IPC_STAT). */
    struct shmid_ds ds;
    if (shmctl(id, IPC_STAT, &ds) == -1)
        die(id_arg);
    size_t size = ds.shm_segsz;
    if (len > size)
        fail(EXIT_FAILURE, id_arg,
             "text is %zu bytes, the segment only %zu (its size is fixed)",
             len, size);

    // BEGIN SOLUTION: attach, store TEXT, detach
    //| // TODO: attach the segment ID read-write wherever the kernel likes (shmat;
    //| // die("shmat")); copy the LEN bytes of TEXT to its start, and a NUL after
    //| // them if it fits (LEN < SIZE); detach (shmdt; die("shmdt")).
    //| lab_todo("attach the segment, store TEXT, detach");
    char *addr = shmat(id, NULL, 0);
    if (addr == (void *)-1)
        die("shmat");
    memcpy(addr, text, len);
    if (len < size)
        addr[len] = '\0';
    if (shmdt(addr) == -1)
        die("shmdt");
    // END SOLUTION
    printf("wrote %zu bytes%s (segment size %zu)\n", len,
           len < size ? " and a NUL" : "", size);
    return 0;
}
