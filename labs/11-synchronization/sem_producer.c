/* sem_producer.c: send a file through a ring of slots in POSIX shared memory.
 *
 * Usage: sem_producer [-v] NAME INFILE
 *
 * The writer half of the bounded-buffer pair; the protocol is described in
 * full in sem_consumer.c. In short: start `sem_consumer NAME OUTFILE` first
 * and wait for its "ready" line; it creates NAME with two process-shared
 * semaphores, empty (free slots) and full (filled slots). This program opens
 * NAME (it never creates it), checks that the consumer finished building it
 * (the magic number), records its PID there (only one producer may attach),
 * and copies INFILE slot by slot:
 *
 *     for each chunk:  sem_wait(empty); fill slot i; sem_post(full); i++
 *     at the end:      sem_wait(empty); slot i length 0; sem_post(full)
 *
 * A chunk is a whole slot except the last, so a file of N bytes takes
 * ceil(N / SLOTSIZE) slots plus the end marker; an empty file sends only the
 * marker. It prints the byte count and the FNV-1a 64-bit hash of what it
 * sent, to compare with the consumer's. It unmaps and closes; the consumer
 * removes the name. If the consumer dies, this program notices within a
 * quarter of a second and fails instead of waiting forever. -v prints PIDs
 * on stderr.
 *
 * Differences from the sources: see sem_consumer.c.
 *
 * See also: sem_consumer.c (the reader half and the protocol), sem_ring.h
 * in common/ (the layout both programs include).
 */
#define _GNU_SOURCE
#include "lab.h"
#include "sem_ring.h"  /* the object's layout, wait_sem(), Ctrl-C, fnv1a() */

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

/* Read up to n bytes, stopping early only at end of file. */
static size_t read_full(int fd, unsigned char *buf, size_t n, const char *path)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r == -1 && errno == EINTR && !ring_stop)
            continue;
        if (r == -1)
            die(path);
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return got;
}

int main(int argc, char *argv[])
{
    lab_init(argc, argv, "[-v] NAME INFILE");
    int verbose = 0;
    for (const char *opt; (opt = lab_option()) != NULL; )
        verbose = 1;  /* -v */
    const char *name = lab_operand("NAME");
    const char *in_path = lab_operand("INFILE");
    lab_end_operands();
    check_ipc_name(name);

    ring_catch_stop_signals();

    /* The input first: a bad file fails before we touch the object. */
    int in = open(in_path, O_RDONLY);
    if (in == -1)
        die(in_path);
    struct stat sb;
    if (fstat(in, &sb) == -1)
        die(in_path);
    if (S_ISDIR(sb.st_mode))
        fail(EXIT_FAILURE, in_path, "is a directory");

    /* 2. Open (never create) the consumer's object and check it. */
    int fd = shm_open(name, O_RDWR, 0);
    if (fd == -1 && errno == ENOENT)
        fail(EXIT_FAILURE, name, "no such shared memory object "
             "(start sem_consumer first and wait for its ready line)");
    if (fd == -1)
        die(name);
    if (fstat(fd, &sb) == -1)
        die(name);
    if ((size_t)sb.st_size < slots_offset())
        fail(EXIT_FAILURE, name, "not a sem_consumer buffer (%lld bytes)",
             (long long)sb.st_size);
    size_t size = (size_t)sb.st_size;
    struct ring *r = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (r == MAP_FAILED)
        die("mmap");
    close(fd);
    if (atomic_load_explicit(&r->magic, memory_order_acquire) != RING_MAGIC ||
        r->version != RING_VERSION || r->nslots == 0 || r->slot_size == 0 ||
        ring_size(r->nslots, r->slot_size) != size)
        fail(EXIT_FAILURE, name, "not a ready sem_consumer buffer");

    /* Only one producer: claim the slot for our PID. */
    int none = 0;
    if (!atomic_compare_exchange_strong(&r->producer, &none, (int)getpid()))
        fail(EXIT_FAILURE, name, "another producer (pid %d) is attached", none);
    if (verbose)
        fprintf(stderr, "%s: pid %ld attached to %s (consumer pid %d)\n",
                lab_prog, (long)getpid(), name, atomic_load(&r->consumer));

    unsigned char *slots = (unsigned char *)r + slots_offset();
    size_t stride = slot_stride(r->slot_size);
    uint64_t hash = FNV1A_START;
    long long bytes = 0;
    long count = 0;
    uint32_t i = 0;
    // BEGIN SOLUTION: fill the slots in turn, with the semaphores
    //| // TODO: for slots i = 0, 1, ... (wrapping at r->nslots): wait for an empty
    //| // slot (wait_sem on r->empty, the peer being the consumer); read up to
    //| // r->slot_size bytes of IN into the slot's data (SLOTS + i * STRIDE + 4,
    //| // with read_full) and store their count LEN as a uint32_t in its first 4
    //| // bytes (memcpy); update HASH (fnv1a), BYTES and COUNT (slots with data);
    //| // post r->full (die("sem_post")). A slot with LEN 0 is the end marker:
    //| // stop after posting it.
    //| (void)i; (void)slots; (void)stride; (void)read_full; (void)fnv1a; (void)wait_sem;
    //| lab_todo("fill the slots in turn: sem_wait(empty), copy, sem_post(full)");
    for (;; i = (i + 1) % r->nslots) {
        wait_sem(&r->empty, &r->consumer, "consumer");
        unsigned char *slot = slots + (size_t)i * stride;
        uint32_t len = (uint32_t)read_full(in, slot + 4, r->slot_size, in_path);
        memcpy(slot, &len, sizeof len);
        hash = fnv1a(hash, slot + 4, len);
        bytes += len;
        count += len > 0;
        /* From here the slot is the consumer's until it posts empty. */
        if (sem_post(&r->full) == -1)
            die("sem_post");
        if (len == 0)
            break;                    /* that was the end marker */
    }
    // END SOLUTION
    close(in);
    printf("sent %lld bytes in %ld slots, then the end marker; "
           "fnv1a64 %016llx\n", bytes, count, (unsigned long long)hash);
    if (munmap(r, size) == -1)
        die("munmap");
    return 0;
}
