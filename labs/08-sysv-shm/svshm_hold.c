/* svshm_hold.c: stay attached to a System V segment while a command runs.
 *
 * Usage: svshm_hold SHMID TEXT -- COMMAND [ARG...]
 *
 * Source 002 (shmat, shmdt, and shmctl to deallocate: steps 2 to 4 of the
 * four it lists). The program attaches
 * the segment, prints its string and nattch, then runs COMMAND and waits
 * for it: typically "svshm_rm SHMID" or "ipcrm -m SHMID". After the
 * command, it shows that the segment is still usable through its
 * attachment (it reads the old string, stores TEXT, reads it back), that
 * IPC_STAT reports it "marked for deletion", and that after its shmdt, the
 * last one, the segment is gone: IPC_STAT then fails with EINVAL (or EIDRM).
 *
 * The command runs in a child (fork + exec). fork() would give the child
 * its own attachment (nattch 2), but exec() detaches it, so during the
 * command nattch is 1: this program's. The parent waits for the child; no
 * sleep orders anything.
 *
 * Differences from the sources: source 002 lists the removal (step 4)
 * after the detach (step 3); this program shows what IPC_RMID does while
 * still attached.
 *
 * See also: svshm_rm.c, pshm_hold.c (lab 07: shm_unlink while mapped).
 */
#define _GNU_SOURCE
#include "lab.h"

#include <signal.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>

/* The string in the region: bytes up to the first NUL or the end. */
static int str_len(const char *p, size_t size)
{
    const char *nul = memchr(p, '\0', size);
    return (int)(nul ? (size_t)(nul - p) : size);
}

int main(int argc, char *argv[])
{
    lab_init(argc, argv, "SHMID TEXT -- COMMAND [ARG...]");
    const char *id_arg = lab_operand("SHMID");
    const char *text = lab_operand("TEXT");
    const char *dashes = lab_next_operand();
    if (dashes == NULL)
        usage_error("missing -- COMMAND");
    if (strcmp(dashes, "--") != 0)
        usage_error("'%s': expected -- before COMMAND", dashes);
    char **command = lab_rest();
    if (command[0] == NULL)
        usage_error("missing COMMAND");
    int id = (int)parse_long(id_arg, 0, INT_MAX, "SHMID");
    size_t len = strlen(text);

    struct shmid_ds ds;
    if (shmctl(id, IPC_STAT, &ds) == -1)
        die(id_arg);
    size_t size = ds.shm_segsz;
    if (len > size)
        fail(EXIT_FAILURE, id_arg, "TEXT is %zu bytes, the segment only %zu",
             len, size);
    char *addr = shmat(id, NULL, 0);
    if (addr == (void *)-1)
        die("shmat");
    if (shmctl(id, IPC_STAT, &ds) == -1)
        die("shmctl(IPC_STAT)");
    printf("attached (nattch %lu); the segment holds '%.*s'\n",
           (unsigned long)ds.shm_nattch, str_len(addr, size), addr);

    /* Run the command; flush first so that output stays in order. */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == -1)
        die("fork");
    if (pid == 0) {
        execvp(command[0], command);
        die_child(command[0]);
    }
    int status;
    if (waitpid(pid, &status, 0) == -1)
        die("waitpid");
    if (WIFEXITED(status))
        printf("command exited %d\n", WEXITSTATUS(status));
    else
        printf("command killed by %s\n", signal_name(WTERMSIG(status)));

    /* Still attached: the bytes are still ours to read and write. */
    if (shmctl(id, IPC_STAT, &ds) == -1)
        die("shmctl(IPC_STAT)");
    printf("still attached: nattch %lu, marked for deletion: %s\n",
           (unsigned long)ds.shm_nattch,
           (ds.shm_perm.mode & SHM_DEST) ? "yes" : "no");
    printf("read through the attachment: '%.*s'\n", str_len(addr, size), addr);
    memcpy(addr, text, len);
    if (len < size)
        addr[len] = '\0';
    printf("stored and read back: '%.*s'\n", str_len(addr, size), addr);

    /* The last detach: a marked segment goes now. */
    if (shmdt(addr) == -1)
        die("shmdt");
    if (shmctl(id, IPC_STAT, &ds) == -1)
        printf("after shmdt: IPC_STAT fails with %s: the segment is gone\n",
               errno_name(errno));
    else
        printf("after shmdt: the segment is still there, nattch %lu\n",
               (unsigned long)ds.shm_nattch);
    return 0;
}
