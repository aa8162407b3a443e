/* pshm_twomaps.c: one object, two mappings: store offsets, not pointers.
 *
 * Usage: pshm_twomaps [-v] NAME
 *
 * Source 001, section 54.5, common point 4: a shared region may sit at a
 * different address in every process that maps it (and in one process that
 * maps it twice), so references inside the region must be offsets from its
 * start, not pointers.
 *
 * The program maps NAME twice in this one process: mapping 1 and mapping 2
 * are at different addresses but show the same bytes. Through mapping 1 it
 * builds a 3-node linked list whose nodes store each link twice: as an
 * offset from the region's start, and as a raw pointer. Then:
 *   - walking the offsets works through either mapping;
 *   - the pointers read through mapping 2 lead into mapping 1 (checked by
 *     comparing addresses with each mapping's range), so a program that
 *     mapped the object only once, elsewhere, would follow them into
 *     whatever lies at those addresses;
 *   - mapping 1 is then replaced by an inaccessible (PROT_NONE) reservation
 *     with mmap(MAP_FIXED), which removes it atomically and keeps anything
 *     else from landing there: the offset walk through mapping 2 still
 *     works, the first pointer dereference faults with SIGSEGV (caught).
 * -v: the two addresses on stderr (they change from run to run).
 *
 * Differences from the source: the source only states the rule. Mapping
 * twice in one process makes the two addresses certain to differ, so the
 * experiment is deterministic; the PROT_NONE reservation makes the fault
 * certain (a plain munmap could let a later allocation reuse the range).
 *
 * See also: svshm_twoattach.c (lab 08), the same with shmat.
 */
#define _GNU_SOURCE
#include "lab.h"

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>

/* The region: a list head, then the nodes. Offset 0 means "no node". */
struct node {
    int value;
    size_t next_off;      /* offset of the next node from the region start */
    struct node *next;    /* the same link as a raw pointer */
};
struct list {
    size_t head_off;
    struct node *head;
    struct node nodes[3];
};

/* Walk by offsets from a region base; print the values. */
static void walk_offsets(const char *label, char *base, size_t size)
{
    struct list *l = (struct list *)base;
    int inside = 1;
    printf("%s:", label);
    for (size_t off = l->head_off; off != 0;) {
        struct node *n = (struct node *)(base + off);
        inside &= (char *)n >= base && (char *)n < base + size;
        printf(" %d", n->value);
        off = n->next_off;
    }
    printf(" (every node inside this mapping: %s)\n", inside ? "yes" : "no");
}

int main(int argc, char *argv[])
{
    lab_init(argc, argv, "[-v] NAME");
    int verbose = 0;
    for (const char *opt; (opt = lab_option()) != NULL; )
        verbose = 1;  /* -v */
    const char *name = lab_operand("NAME");
    lab_end_operands();
    check_ipc_name(name);

    int fd = shm_open(name, O_RDWR, 0);
    if (fd == -1)
        die(name);
    struct stat sb;
    if (fstat(fd, &sb) == -1)
        die("fstat");
    size_t size = (size_t)sb.st_size;
    if (size < sizeof(struct list))
        fail(EXIT_FAILURE, name, "object is %zu bytes, the list needs %zu",
             size, sizeof(struct list));

    /* Two mappings of the same object, alive at the same time. */
    char *m1 = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m1 == MAP_FAILED)
        die("mmap 1");
    char *m2 = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m2 == MAP_FAILED)
        die("mmap 2");
    if (close(fd) == -1)
        die("close");
    if (verbose)
        fprintf(stderr, "%s: mapping 1 at %p, mapping 2 at %p\n", lab_prog,
                (void *)m1, (void *)m2);
    printf("mapped the object twice: different addresses: %s\n",
           m1 != m2 ? "yes" : "no");
    m2[0] = 'A';
    printf("a store through mapping 2 is seen through mapping 1: %s\n",
           m1[0] == 'A' ? "yes" : "no");

    /* Build the list through mapping 1: nodes 10 -> 20 -> 30. */
    struct list *l1 = (struct list *)m1;
    memset(l1, 0, sizeof *l1);
    for (int i = 0; i < 3; i++) {
        struct node *n = &l1->nodes[i];
        n->value = 10 * (i + 1);
        n->next_off = i < 2 ? offsetof(struct list, nodes) + (size_t)(i + 1) * sizeof *n : 0;
        n->next = i < 2 ? &l1->nodes[i + 1] : NULL;
    }
    l1->head_off = offsetof(struct list, nodes);
    l1->head = &l1->nodes[0];
    printf("built a 3-node list through mapping 1 (links stored as offsets and as pointers)\n");

    walk_offsets("offsets walked through mapping 1", m1, size);
    walk_offsets("offsets walked through mapping 2", m2, size);

    /* Where do the pointers, read through mapping 2, lead? */
    struct list *l2 = (struct list *)m2;
    int into1 = 0, into2 = 0, count = 0;
    for (struct node *n = l2->head; n != NULL; n = n->next, count++) {
        into1 += (char *)n >= m1 && (char *)n < m1 + size;
        into2 += (char *)n >= m2 && (char *)n < m2 + size;
    }
    printf("pointers read through mapping 2: %d nodes, %d inside mapping 1, "
           "%d inside mapping 2\n", count, into1, into2);

    /* Replace mapping 1 by an inaccessible reservation of the same range. */
    if (mmap(m1, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0)
        == MAP_FAILED)
        die("mmap(MAP_FIXED, PROT_NONE)");
    printf("mapping 1 replaced by an inaccessible PROT_NONE range\n");
    walk_offsets("offsets walked through mapping 2", m2, size);

    /* Follow the first stored pointer: it leads into the dead range.
     * catch_faults() (lab.h) makes a fault jump back to the sigsetjmp. */
    catch_faults();
    volatile int value = -1;
    if (sigsetjmp(lab_fault.env, 1) == 0) {
        value = l2->head->value;
        printf("following the head pointer read value %d (no fault)\n", value);
    } else {
        printf("following the head pointer through mapping 2: %s\n",
               signal_name(lab_fault.sig));
    }
    stop_catching_faults();

    if (munmap(m1, size) == -1 || munmap(m2, size) == -1)
        die("munmap");
    return 0;
}
