/* svshm_rm.c: remove a System V segment with shmctl(IPC_RMID).
 *
 * Usage: svshm_rm SHMID
 *
 * Source 002 (shmctl, step 4 of the four it lists: deallocate) and source
 * 001 section 54.5 (the ipcrm command). IPC_RMID removes a segment nobody
 * has attached at once. If processes are attached, it only marks the
 * segment for deletion: they keep using it, no new key lookup finds it, and
 * it goes away at the last shmdt (or exit). `ipcrm -m SHMID` does the same
 * from the shell.
 *
 * Output: the number of attached processes at the moment of removal, and
 * whether the segment is gone or marked.
 *
 * Differences from the sources: none, except the report.
 *
 * See also: svshm_hold.c (IPC_RMID while attached), pshm_unlink.c (lab 07).
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
    // BEGIN SOLUTION: remove the segment
    //| // TODO: remove the segment ID with shmctl(IPC_RMID) (die(id_arg)).
    //| lab_todo("remove the segment with shmctl(IPC_RMID)");
    if (shmctl(id, IPC_RMID, NULL) == -1)
        die(id_arg);
    // END SOLUTION
    if (ds.shm_nattch == 0)
        printf("IPC_RMID: removed (nattch was 0)\n");
    else
        printf("IPC_RMID: marked for deletion (nattch %lu: it goes at the "
               "last detach)\n", (unsigned long)ds.shm_nattch);
    return 0;
}
