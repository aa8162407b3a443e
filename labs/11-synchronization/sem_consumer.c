/* sem_consumer.c: receive a file through a ring of slots in POSIX shared memory.
 *
 * Usage: sem_consumer [-v] [-s SLOTSIZE] [-k SLOTS] NAME OUTFILE
 *
 * The reader half of the classic bounded-buffer pair (sources 001 and 004:
 * "shared memory does not synchronise; use semaphores"). Two unrelated
 * processes, started separately, meet only through the name NAME:
 *
 *   1. sem_consumer creates the object NAME (O_CREAT | O_EXCL, mode 0600),
 *      sizes it, and builds in it a header with two process-shared unnamed
 *      semaphores and SLOTS slots (default 16) of SLOTSIZE bytes (default
 *      1000):  empty = SLOTS (free slots), full = 0 (filled slots).
 *      The header's magic number is stored last: it says "ready". Then it
 *      prints one line "ready: ..." and waits.
 *   2. sem_producer NAME INFILE (started after that line) opens the object,
 *      checks the magic, records its PID, and for each chunk of the file:
 *      sem_wait(empty), fill the next slot, sem_post(full). A slot of length
 *      0 is the end-of-data marker; an empty file sends only that.
 *   3. The consumer, for each slot: sem_wait(full), write the slot to
 *      OUTFILE, sem_post(empty), until the end marker.
 *
 *        producer                 shared object NAME                consumer
 *     read(INFILE) -> | magic | empty | full | slot0 | slot1 | ... | -> write(OUTFILE)
 *                      sem_wait(empty)       sem_post(full)   sem_wait(full) ...
 *
 * Clean-up: the consumer owns the name. It removes it (shm_unlink) as soon as
 * the first slot arrives, since the producer has it mapped by then: from that
 * moment nothing is left in /dev/shm even if either side is killed. On an
 * error or SIGINT/SIGTERM/SIGHUP before that it removes it too. Both sides
 * unmap and close; the memory goes with the last mapping. If one side dies
 * during the transfer, the other notices within a quarter of a second (its
 * semaphore wait times out every 250 ms to check that the peer's PID still
 * exists) and fails instead of hanging. Both print the byte count and the
 * FNV-1a 64-bit hash of the data, so the two ends can be compared; `cmp`
 * does the rest. Stdout: the "ready" line, "first slot arrived" when the
 * name is removed, then the totals. -v prints PIDs on stderr.
 *
 * Differences from the sources: they name semaphores as the fix but give no
 * program; this is the textbook empty/full pair, with an end marker instead
 * of a separate "done" flag, and a defined protocol for who creates and who
 * removes the object.
 *
 * The layout (struct ring: magic, version, sizes, PIDs, the two semaphores;
 * then the slots) is in common/sem_ring.h, the one copy both programs
 * include, with wait_sem(), the semaphore wait that notices a dead peer.
 *
 * See also: sem_producer.c (the writer half), counter_race.c.
 */
#define _GNU_SOURCE
#include "lab.h"
#include "sem_ring.h"  /* the object's layout, wait_sem(), Ctrl-C, fnv1a() */

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

static const char *shm_name;          /* set while the name exists */

static void remove_name(void)
{
    if (shm_name != NULL && shm_unlink(shm_name) == -1)
        fprintf(stderr, "%s: shm_unlink %s: %s\n", lab_prog, shm_name,
                strerror(errno));
    shm_name = NULL;
}

int main(int argc, char *argv[])
{
    lab_init(argc, argv, "[-v] [-s SLOTSIZE] [-k SLOTS] NAME OUTFILE");
    long slot_size = 1000, nslots = 16;
    int verbose = 0;
    for (const char *opt; (opt = lab_option()) != NULL; ) {
        if (strcmp(opt, "-v") == 0)
            verbose = 1;
        else if (strcmp(opt, "-s") == 0)
            slot_size = parse_long(lab_optarg, 1, 1 << 20, "SLOTSIZE");
        else if (strcmp(opt, "-k") == 0)
            nslots = parse_long(lab_optarg, 1, 1024, "SLOTS");
    }
    const char *name = lab_operand("NAME");
    const char *out_path = lab_operand("OUTFILE");
    lab_end_operands();
    check_ipc_name(name);

    /* Ctrl-C and kill end the wait with EINTR (no SA_RESTART), not death,
     * so the exit handler can remove the name. */
    ring_catch_stop_signals();

    /* 1. Create the object: O_EXCL, so we never share someone else's. */
    int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd == -1)
        die(name);
    shm_name = name;
    atexit(remove_name);
    size_t size = ring_size((uint32_t)nslots, (uint32_t)slot_size);
    if (ftruncate(fd, (off_t)size) == -1)
        die("ftruncate");
    struct ring *r = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (r == MAP_FAILED)
        die("mmap");
    close(fd);                        /* the mapping keeps the object */

    int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out == -1)
        die(out_path);

    /* The header, the two semaphores (pshared = 1), then the magic. */
    r->version = RING_VERSION;
    r->nslots = (uint32_t)nslots;
    r->slot_size = (uint32_t)slot_size;
    atomic_store(&r->consumer, (int)getpid());
    if (sem_init(&r->empty, 1, (unsigned)nslots) == -1 ||
        sem_init(&r->full, 1, 0) == -1)
        die("sem_init");
    atomic_store_explicit(&r->magic, RING_MAGIC, memory_order_release);
    printf("ready: %ld slots of %ld bytes, waiting for sem_producer\n", nslots,
           slot_size);
    fflush(stdout);
    if (verbose)
        fprintf(stderr, "%s: pid %ld, object %s of %zu bytes\n", lab_prog,
                (long)getpid(), name, size);

    /* 3. Take filled slots in order until the end marker. */
    unsigned char *slots = (unsigned char *)r + slots_offset();
    size_t stride = slot_stride(r->slot_size);
    uint64_t hash = FNV1A_START;
    long long bytes = 0;
    long count = 0;
    for (uint32_t i = 0;; i = (i + 1) % r->nslots) {
        wait_sem(&r->full, &r->producer, "producer");
        if (shm_name != NULL) {
            remove_name();            /* the producer is attached: no name needed */
            printf("first slot arrived: the producer is attached, "
                   "name removed\n");
            fflush(stdout);
            if (verbose)
                fprintf(stderr, "%s: producer pid %d attached, %s removed\n",
                        lab_prog, atomic_load(&r->producer), name);
        }
        // BEGIN SOLUTION: take the slot: write its bytes, give it back
        //| // TODO: the slot I is at SLOTS + I * STRIDE: its first 4 bytes are a
        //| // uint32_t LEN (memcpy it out), then LEN bytes of data. LEN 0 is the end
        //| // marker: leave the loop. A LEN above r->slot_size is an error:
        //| // fail(EXIT_FAILURE, name, "slot %u claims %u bytes", i, len). Otherwise
        //| // write the LEN bytes to OUT (write may write less: loop; die(out_path)),
        //| // update HASH (fnv1a), BYTES and COUNT, and post r->empty
        //| // (die("sem_post")) so the producer may fill the slot again.
        //| (void)slots; (void)stride; (void)fnv1a;
        //| lab_todo("take the slot: copy its bytes out, then sem_post(empty)");
        unsigned char *slot = slots + (size_t)i * stride;
        uint32_t len;
        memcpy(&len, slot, sizeof len);
        if (len == 0)
            break;                    /* end of data */
        if (len > r->slot_size)
            fail(EXIT_FAILURE, name, "slot %u claims %u bytes", i, len);
        for (uint32_t done = 0; done < len;) {
            ssize_t n = write(out, slot + 4 + done, len - done);
            if (n == -1)
                die(out_path);
            done += (uint32_t)n;
        }
        hash = fnv1a(hash, slot + 4, len);
        bytes += len;
        count++;
        if (sem_post(&r->empty) == -1)
            die("sem_post");
        // END SOLUTION
    }
    if (close(out) == -1)
        die(out_path);
    printf("received %lld bytes in %ld slots, then the end marker; "
           "fnv1a64 %016llx\n", bytes, count, (unsigned long long)hash);
    printf("wrote %s\n", out_path);

    /* Nobody waits on the semaphores any more (the producer posts nothing
     * after the end marker, and its own mapping keeps the memory valid
     * while its last sem_post returns). */
    sem_destroy(&r->empty);
    sem_destroy(&r->full);
    if (munmap(r, size) == -1)
        die("munmap");
    return 0;
}
