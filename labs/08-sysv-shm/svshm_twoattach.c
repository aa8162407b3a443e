/* svshm_twoattach.c: attach one System V segment at two addresses.
 *
 * Usage: svshm_twoattach [-v] SHMID
 *
 * Source 002 (shmat places "one or more processes or threads" in the
 * segment), and source 001 section 54.5, common point 4. Each
 * shmat() call gives a new attachment at an address the kernel picks, so
 * one process attaching twice sees the same bytes at two addresses, and
 * nattch counts both. (Between processes the addresses may differ too:
 * store offsets, not pointers, in a segment. Lab 07's pshm_twomaps shows
 * what goes wrong with pointers.)
 *
 * Output: whether the addresses differ, whether a store through one is seen
 * through the other, nattch with both attached and after each shmdt.
 * -v: the two addresses on stderr (they vary from run to run).
 *
 * Differences from the sources: they show no program; none attaches one
 * segment twice in one process.
 *
 * See also: pshm_twomaps.c (lab 07).
 */
#define _GNU_SOURCE
#include "lab.h"

#include <sys/ipc.h>
#include <sys/shm.h>

/* The number of attachments, from IPC_STAT. */
static unsigned long nattch(int id)
{
    struct shmid_ds ds;
    if (shmctl(id, IPC_STAT, &ds) == -1)
        die("shmctl(IPC_STAT)");
    return (unsigned long)ds.shm_nattch;
}

int main(int argc, char *argv[])
{
    lab_init(argc, argv, "[-v] SHMID");
    int verbose = 0;
    for (const char *opt; (opt = lab_option()) != NULL; )
        verbose = 1;  /* -v */
    const char *arg = lab_operand("SHMID");
    lab_end_operands();
    int id = (int)parse_long(arg, 0, INT_MAX, "SHMID");
    struct shmid_ds ds;
    if (shmctl(id, IPC_STAT, &ds) == -1)
        die(arg);
    unsigned long before = ds.shm_nattch;

    char *a1 = shmat(id, NULL, 0);
    if (a1 == (void *)-1)
        die("shmat 1");
    char *a2 = shmat(id, NULL, 0);
    if (a2 == (void *)-1)
        die("shmat 2");
    if (verbose)
        fprintf(stderr, "%s: attachment 1 at %p, attachment 2 at %p\n",
                lab_prog, (void *)a1, (void *)a2);
    printf("attached twice: different addresses: %s\n", a1 != a2 ? "yes" : "no");
    printf("nattch: %lu (was %lu)\n", nattch(id), before);

    /* One store, seen at both addresses: the same bytes. */
    char saved = a1[0];
    a1[0] = 'X';
    printf("a store through attachment 1 is seen through attachment 2: %s\n",
           a2[0] == 'X' ? "yes" : "no");
    a2[0] = saved;
    printf("and the restore through attachment 2 is seen through 1: %s\n",
           a1[0] == saved ? "yes" : "no");

    if (shmdt(a1) == -1)
        die("shmdt 1");
    printf("after the first shmdt: nattch %lu\n", nattch(id));
    if (shmdt(a2) == -1)
        die("shmdt 2");
    printf("after the second shmdt: nattch %lu\n", nattch(id));
    return 0;
}
