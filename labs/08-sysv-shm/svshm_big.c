/* svshm_big.c: can a System V segment be larger than main memory?
 *
 * Usage: svshm_big
 *
 * Sources 002 and 004 say that System V shared memory lives in main memory,
 * so it cannot be very large, not more than main memory. The program asks
 * shmget() for one segment of the machine's memory plus its swap plus
 * 1 GiB (sizes on stderr), twice:
 *
 *  1. plainly: the kernel must promise that much memory at shmget time
 *     (it "accounts" it), and under the default overcommit policy
 *     (vm.overcommit_memory = 0) it refuses a request larger than all of
 *     memory and swap: ENOMEM;
 *  2. with SHM_NORESERVE: nothing is promised in advance, and the segment
 *     is created. Pages would be allocated only when touched, and touching
 *     more of them than memory can hold would end in the OOM killer.
 *
 * A segment it creates is removed at once (IPC_RMID) and never attached,
 * so nothing is allocated. The answer depends on the overcommit policy (1
 * accepts both, 2 refuses both): with a policy other than 0 the program
 * prints what happened and exits 77, because the graded output is for 0.
 *
 * Differences from the sources: they state the limit; this program asks
 * the kernel, and shows that the limit is a promise the kernel keeps or
 * waives, not the segment's place.
 *
 * See also: svshm_create.c, bigger_than_ram.c (lab 10: a file mapping
 * larger than memory).
 */
#define _GNU_SOURCE
#include "lab.h"

#include <stdint.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/sysinfo.h>

/* shmget of size bytes, removed at once if made; "success" or the errno. */
static const char *try_shmget(size_t size, int extra)
{
    const char *answer = "success";
    // BEGIN SOLUTION: ask for the segment and remove it
    //| // TODO: shmget a new private segment of SIZE bytes, mode 0600, with
    //| // the flags in EXTRA; on failure return the errno's name
    //| // (errno_name); on success remove it at once with IPC_RMID.
    //| (void)size; (void)extra;
    //| lab_todo("shmget the segment and remove it");
    int id = shmget(IPC_PRIVATE, size, IPC_CREAT | 0600 | extra);
    if (id == -1)
        return errno_name(errno);
    if (shmctl(id, IPC_RMID, NULL) == -1)
        die("shmctl(IPC_RMID)");
    // END SOLUTION
    return answer;
}

int main(int argc, char *argv[])
{
    lab_init(argc, argv, "");
    lab_end_operands();

    struct sysinfo si;
    if (sysinfo(&si) == -1)
        die("sysinfo");
    unsigned long long ram = (unsigned long long)si.totalram * si.mem_unit;
    unsigned long long swap = (unsigned long long)si.totalswap * si.mem_unit;
    unsigned long long size = ram + swap + (1ULL << 30);
    if (size > SIZE_MAX)
        fail(77, "size", "memory + swap + 1 GiB does not fit in size_t here");
    fprintf(stderr, "%s: RAM %llu MiB, swap %llu MiB: asking for %llu MiB\n",
            lab_prog, ram >> 20, swap >> 20, size >> 20);

    printf("asking for one segment of main memory + swap + 1 GiB\n");
    printf("shmget(IPC_PRIVATE, that size): %s\n", try_shmget((size_t)size, 0));
    printf("shmget(IPC_PRIVATE, that size, SHM_NORESERVE): %s\n",
           try_shmget((size_t)size, SHM_NORESERVE));

    FILE *f = fopen("/proc/sys/vm/overcommit_memory", "r");
    int policy = -1;
    if (f != NULL) {
        if (fscanf(f, "%d", &policy) != 1)
            policy = -1;
        fclose(f);
    }
    if (policy != 0)
        fail(77, "vm.overcommit_memory", "is %d, not the default 0: the "
             "answers depend on it, and the expected output is for 0", policy);
    return 0;
}
