/* pshm_hold.c: keep a POSIX shm object mapped while a command runs.
 *
 * Usage: pshm_hold NAME TEXT -- COMMAND [ARG...]
 *
 * Source 001, section 54.4: "removing a shared memory object does not affect
 * existing mappings of it; it stays valid until the process calls munmap()
 * or terminates, but it prevents later shm_open() calls from opening it."
 *
 * The program maps NAME (MAP_SHARED) and closes the descriptor, prints the
 * string it holds, then runs COMMAND and waits for it: typically
 * "pshm_unlink NAME". After the command it reads the string through its
 * mapping, stores TEXT (and a NUL if it fits), reads it back, and tries
 * shm_open(NAME) again, which fails with ENOENT if the name was unlinked.
 * The memory is freed only when this last mapping goes.
 *
 * The command runs in a child (fork + exec): exec drops the child's copy of
 * the mapping, and the descriptor would be closed anyway (FD_CLOEXEC), so
 * the only mapping during the command is this program's. The parent waits
 * for the child: no sleep is needed to order the steps.
 *
 * Differences from the source: the source has no program for this; the
 * classroom way (start a reader, unlink in another terminal) needs a
 * human to order the steps, this program orders them itself.
 *
 * See also: pshm_unlink.c, svshm_hold.c (lab 08: IPC_RMID while attached).
 */
#define _GNU_SOURCE
#include "lab.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

/* The string in the region: bytes up to the first NUL or the end. */
static int str_len(const char *p, size_t size)
{
    const char *nul = memchr(p, '\0', size);
    return (int)(nul ? (size_t)(nul - p) : size);
}

int main(int argc, char *argv[])
{
    lab_init(argc, argv, "NAME TEXT -- COMMAND [ARG...]");
    const char *name = lab_operand("NAME");
    const char *text = lab_operand("TEXT");
    const char *dashes = lab_next_operand();
    if (dashes == NULL)
        usage_error("missing -- COMMAND");
    if (strcmp(dashes, "--") != 0)
        usage_error("'%s': expected -- before COMMAND", dashes);
    char **command = lab_rest();
    if (command[0] == NULL)
        usage_error("missing COMMAND");
    check_ipc_name(name);
    size_t len = strlen(text);

    int fd = shm_open(name, O_RDWR, 0);
    if (fd == -1)
        die(name);
    struct stat sb;
    if (fstat(fd, &sb) == -1)
        die("fstat");
    size_t size = (size_t)sb.st_size;
    if (size == 0 || len > size)
        fail(EXIT_FAILURE, name, "object is %zu bytes, TEXT needs %zu "
             "(and mmap needs at least 1)", size, len);
    char *addr = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (addr == MAP_FAILED)
        die("mmap");
    if (close(fd) == -1)  /* only the mapping holds the object now */
        die("close");
    printf("mapped %zu bytes, descriptor closed; the object holds '%.*s'\n",
           size, str_len(addr, size), addr);

    /* Run the command and wait for it; flush first so that output stays
     * in order. */
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

    /* The mapping still works, for reading and for writing. */
    printf("read through the mapping: '%.*s'\n", str_len(addr, size), addr);
    memcpy(addr, text, len);
    if (len < size)
        addr[len] = '\0';
    printf("stored and read back: '%.*s'\n", str_len(addr, size), addr);

    /* Can a new shm_open still find the name? */
    fd = shm_open(name, O_RDONLY, 0);
    if (fd == -1) {
        printf("shm_open again: %s (%s)\n", errno_name(errno), strerror(errno));
    } else {
        printf("shm_open again: opened (the name still exists)\n");
        close(fd);
    }
    if (munmap(addr, size) == -1)
        die("munmap");
    printf("unmapped\n");
    return 0;
}
