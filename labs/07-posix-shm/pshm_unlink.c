/* pshm_unlink.c: remove the name of a POSIX shared memory object.
 *
 * Usage: pshm_unlink NAME
 *
 * Source 001, section 54.4 (it names a listing 54-4 that removes the object
 * named on its command line; the listing itself is not in the text).
 * shm_unlink() removes the name at
 * once: a later shm_open() of NAME fails with ENOENT and the entry leaves
 * /dev/shm. Processes that still map the object keep using it; its memory
 * is freed when the last of them unmaps (see pshm_hold).
 *
 * Differences from the source: none, except the name check shared by the
 * lab's programs and a line of output saying it was done.
 *
 * See also: pshm_hold.c (unlink while mapped), pshm_create.c.
 */
#define _GNU_SOURCE
#include "lab.h"

#include <fcntl.h>
#include <sys/mman.h>

int main(int argc, char *argv[])
{
    lab_init(argc, argv, "NAME");
    const char *name = lab_operand("NAME");
    lab_end_operands();
    check_ipc_name(name);
    // BEGIN SOLUTION: remove the name
    //| // TODO: remove the name NAME with shm_unlink (die(name) on failure).
    //| lab_todo("remove NAME with shm_unlink");
    if (shm_unlink(name) == -1)
        die(name);
    // END SOLUTION
    printf("unlinked\n");
    return 0;
}
