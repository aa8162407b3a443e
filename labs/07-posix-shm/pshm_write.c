/* pshm_write.c: store a string at the start of a POSIX shared memory object.
 *
 * Usage: pshm_write NAME TEXT
 *
 * Source 001, sections 54.1-54.2. The object is opened with
 * shm_open(), mapped MAP_SHARED, and the descriptor closed at once: the
 * mapping keeps the object in use. TEXT is copied to offset 0, followed by
 * a NUL byte when there is room. Then the program exits: the bytes stay in
 * the object (kernel persistence) for any later process to read.
 *
 * The format is deliberately plain, so any program that uses shm_open and
 * mmap can read it: the string is the object's bytes up to the first NUL,
 * or all of them if there is no NUL. There is no header or length field.
 *
 * Differences from the source: the text includes no writer. The size is
 * left alone (resizing is pshm_resize's job) and a text longer than the
 * object is refused, so one program does one thing.
 *
 * See also: pshm_read.c (the reader), pshm_create.c, pshm_resize.c.
 */
#define _GNU_SOURCE
#include "lab.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

int main(int argc, char *argv[])
{
    lab_init(argc, argv, "NAME TEXT");
    const char *name = lab_operand("NAME");
    const char *text = lab_operand("TEXT");
    lab_end_operands();
    check_ipc_name(name);
    size_t len = strlen(text);

    // BEGIN SOLUTION: open the object
    //| // TODO 1: open the existing object NAME read-write (shm_open; die(name)).
    //| int fd = -1;
    //| lab_todo("open NAME with shm_open");
    int fd = shm_open(name, O_RDWR, 0);
    if (fd == -1)
        die(name);
    // END SOLUTION
    struct stat sb;
    if (fstat(fd, &sb) == -1)
        die("fstat");
    size_t size = (size_t)sb.st_size;
    if (len > size)
        fail(EXIT_FAILURE, name,
             "text is %zu bytes, the object only %zu: pshm_resize it first",
             len, size);
    if (size == 0) {  /* an empty text into an empty object: nothing to map */
        printf("wrote 0 bytes (object size 0)\n");
        return 0;
    }

    // BEGIN SOLUTION: map it, store TEXT, unmap
    //| // TODO 2: map all SIZE bytes of the object, readable, writable and shared
    //| // (die("mmap")); close FD (die("close")); copy the LEN bytes of TEXT to
    //| // the start, and a NUL after them if it fits (LEN < SIZE); unmap
    //| // (die("munmap")).
    //| lab_todo("map the object, store TEXT (and a NUL if it fits), unmap");
    char *addr = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (addr == MAP_FAILED)
        die("mmap");
    if (close(fd) == -1)  /* 'fd' is no longer needed */
        die("close");

    /* The string, and its terminating NUL if it fits. */
    memcpy(addr, text, len);
    if (len < size)
        addr[len] = '\0';
    if (munmap(addr, size) == -1)
        die("munmap");
    // END SOLUTION
    printf("wrote %zu bytes%s (object size %zu)\n", len,
           len < size ? " and a NUL" : "", size);
    return 0;
}
