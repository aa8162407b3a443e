/* test_sysv_shm.c: Check tests for lab 08 (System V shared memory, source
 * 002, compared with source 001's POSIX objects).
 *
 * Claims (rows of handouts/claims.tsv): S2 a segment larger than memory and
 * swap is refused (ENOMEM) unless SHM_NORESERVE waives the accounting; S1 a segment made by shmget outlives its creator, is
 * listed by `ipcs -m` with its size and mode, is removed by IPC_RMID or
 * `ipcrm`; IPC_RMID while attached only marks it, and it goes at the last
 * detach; two shmat calls in one process give two addresses for the same
 * bytes. P5 the size is fixed at shmget (a larger size for an existing key
 * is EINVAL; mremap can stretch an attachment but the bytes past the
 * segment raise SIGBUS), while a POSIX object and a shared file are resized
 * with ftruncate and their mappings grown with mremap.
 *
 * System V segments have no name the runner could sweep: every segment a
 * test makes is recorded (id and creator pid) in a table in shared memory
 * made before the tests fork, each test asserts its own segments are gone
 * (IPC_STAT fails with EINVAL or EIDRM), and the last test removes anything
 * recorded that still exists and fails if there was any.
 */
#define _GNU_SOURCE
#include "testlib.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/sysinfo.h>
#include <sys/stat.h>
#include <unistd.h>

/* "ENOENT" for ENOENT (lab.h's helper; lab.h itself clashes with Check). */
static const char *errno_name(int err)
{
    const char *name = strerrorname_np(err);
    return name ? name : "E?";
}

/* ---- the record of every segment this run made --------------------------- */

#define MAX_SEGS 64
struct seg_record {
    int n;
    int id[MAX_SEGS];
    pid_t cpid[MAX_SEGS];
};
static struct seg_record *segs;  /* MAP_SHARED: survives each test's fork */

/* Record a segment the moment it exists. */
static void track(int id)
{
    struct shmid_ds ds;
    ck_assert_msg(shmctl(id, IPC_STAT, &ds) == 0, "IPC_STAT %d: %s", id,
                  strerror(errno));
    ck_assert_int_lt(segs->n, MAX_SEGS);
    segs->id[segs->n] = id;
    segs->cpid[segs->n] = ds.shm_cpid;
    segs->n++;
}

/* Is the segment gone? IPC_STAT fails with EINVAL (or EIDRM). */
static void assert_gone(int id)
{
    struct shmid_ds ds;
    errno = 0;
    ck_assert_msg(shmctl(id, IPC_STAT, &ds) == -1,
                  "segment %d still exists (nattch %lu)", id,
                  (unsigned long)ds.shm_nattch);
    ck_assert_msg(errno == EINVAL || errno == EIDRM, "IPC_STAT %d: %s", id,
                  errno_name(errno));
}

/* The id printed by svshm_create. */
static int parse_id(const char *out)
{
    char *end;
    long id = strtol(out, &end, 10);
    ck_assert_msg(end != out && *end == '\n' && end[1] == '\0',
                  "svshm_create printed '%s', not an id", out);
    return (int)id;
}

/* Run svshm_create with the given arguments; record and return the id. */
#define CREATE(...)                                                           \
    ({                                                                        \
        struct lab_result r_;                                                 \
        lab_run(&r_, 10, NULL, "svshm_create", __VA_ARGS__, NULL);            \
        ck_assert_msg(r_.exited && r_.code == 0, "svshm_create: %s", r_.err); \
        int id_ = parse_id(r_.out);                                           \
        track(id_);                                                           \
        lab_result_free(&r_);                                                 \
        id_;                                                                  \
    })

/* A new segment for an ftok key of a file in this test's directory, with
 * IPC_EXCL: if another run's key happens to be equal (ftok keeps only 16
 * bits of the inode), try the next project id rather than share. */
static int create_keyed(const char *path, size_t size, key_t *key, int *proj)
{
    lab_write_file(path, "", 0);
    for (int p = 1; p < 256; p++) {
        key_t k = ftok(path, p);
        ck_assert_msg(k != -1, "ftok: %s", strerror(errno));
        int id = shmget(k, size, IPC_CREAT | IPC_EXCL | 0600);
        if (id != -1) {
            track(id);
            *key = k;
            *proj = p;
            return id;
        }
        ck_assert_msg(errno == EEXIST, "shmget: %s", strerror(errno));
    }
    ck_abort_msg("every project id of %s is taken", path);
    return -1;
}

/* The first field of ipcs -m's line for segment id: perms, bytes, nattch
 * (owner and key vary). Returns 0 if ipcs cannot run, 1 if found, -1 if
 * the id is not listed. */
static int ipcs_line(int id, char *line, size_t size)
{
    struct lab_result r;
    char cmd[200];
    snprintf(cmd, sizeof cmd,
             "ipcs -m || exit 127; ipcs -m | awk -v id=%d '$2 == id { print "
             "\"perms \" $4 \", bytes \" $5 \", nattch \" $6 }'", id);
    lab_run(&r, 10, NULL, "/bin/sh", "-c", cmd, NULL);
    int ok = r.exited && r.code == 0;
    const char *last = NULL;
    if (ok) {
        /* the awk line is the last one, after ipcs's full listing */
        const char *p = strstr(r.out, "\nperms ");
        last = p ? p + 1 : NULL;
        if (last) {
            snprintf(line, size, "%s", last);
            line[strcspn(line, "\n")] = '\0';
        }
    }
    lab_result_free(&r);
    return !ok ? 0 : last ? 1 : -1;
}

// does a segment outlive its creator, show in ipcs -m with its size and mode, and go with ipcrm?
START_TEST(test_segment_outlives_its_creator_until_removed)
{
    // shmget does not apply the umask: 0640 stays 0640 under umask 077
    umask(077);
    int id = CREATE("-m", "0640", "100");
    char ids[16];
    snprintf(ids, sizeof ids, "%d", id);
    struct lab_result r;
    // svshm_create has exited; the segment is there, nobody attached
    struct shmid_ds ds;
    ck_assert_int_eq(shmctl(id, IPC_STAT, &ds), 0);
    ck_assert_uint_eq(ds.shm_segsz, 100);
    ck_assert_uint_eq(ds.shm_perm.mode & 0777, 0640);
    ck_assert_uint_eq(ds.shm_nattch, 0);
    // one process writes and exits, a later one reads
    LAB_RUN_OK(&r, "svshm_write", ids, "left by a process that has exited");
    lab_result_free(&r);
    LAB_RUN_OK(&r, "svshm_read", ids);
    ck_assert_str_eq(r.out, "left by a process that has exited\n");
    lab_result_free(&r);
    LAB_RUN_OK(&r, "svshm_stat", ids);
    ck_assert_str_eq(r.out, "size: 100 bytes\nmode: 0640\nnattch: 0\n"
                     "owner: the caller's effective user and group\n"
                     "marked for deletion: no\n");
    lab_result_free(&r);
    // ipcs -m lists it with its size and mode
    char line[200] = "";
    int listed = ipcs_line(id, line, sizeof line);
    if (listed == 0) {
        ck_assert_int_eq(shmctl(id, IPC_RMID, NULL), 0);
        LAB_SKIP("ipcs cannot run here (util-linux missing?)");
    }
    ck_assert_int_eq(listed, 1);
    ck_assert_str_eq(line, "perms 640, bytes 100, nattch 0");
    // ipcrm -m removes it: IPC_STAT then fails
    char cmd[64];
    snprintf(cmd, sizeof cmd, "ipcrm -m %d", id);
    LAB_RUN_OK(&r, "/bin/sh", "-c", cmd);
    lab_result_free(&r);
    assert_gone(id);
    ck_assert_int_eq(ipcs_line(id, line, sizeof line), -1);
    lab_expect_error(1, "(EINVAL)", "svshm_stat", ids, NULL);
    LAB_REPORT("S1", "confirmed",
               "after svshm_create exited the segment stayed (size 100, mode "
               "0640 under umask 077, nattch 0); a later process read what an "
               "exited one wrote; ipcs -m showed '%s'; after ipcrm -m, IPC_STAT "
               "gave EINVAL and ipcs no longer listed it", line);
}
END_TEST

// does IPC_RMID while attached only mark the segment, which stays usable and goes at the last detach?
START_TEST(test_rmid_while_attached_waits_for_the_last_detach)
{
    key_t key;
    int proj;
    int id = create_keyed("keyfile", 100, &key, &proj);
    char ids[16];
    snprintf(ids, sizeof ids, "%d", id);
    char *p = shmat(id, NULL, 0);
    ck_assert_ptr_ne(p, (void *)-1);
    strcpy(p, "before");
    // another process removes it while we are attached
    struct lab_result r;
    LAB_RUN_OK(&r, "svshm_rm", ids);
    ck_assert_str_eq(r.out, "IPC_RMID: marked for deletion (nattch 1: it goes "
                     "at the last detach)\n");
    lab_result_free(&r);
    // it is still there, marked, with our attachment counted
    struct shmid_ds ds;
    ck_assert_int_eq(shmctl(id, IPC_STAT, &ds), 0);
    ck_assert_int_ne(ds.shm_perm.mode & SHM_DEST, 0);
    unsigned long nattch = ds.shm_nattch;
    ck_assert_uint_eq(nattch, 1);
    // the key no longer finds it
    errno = 0;
    ck_assert_int_eq(shmget(key, 0, 0), -1);
    int key_errno = errno;
    ck_assert_int_eq(key_errno, ENOENT);
    // and the attachment still reads and writes
    ck_assert_str_eq(p, "before");
    strcpy(p, "after");
    ck_assert_str_eq(p, "after");
    // Linux (not POSIX) still lets a process attach a marked segment by id
    char *again = shmat(id, NULL, SHM_RDONLY);
    ck_assert_msg(again != (void *)-1, "shmat after IPC_RMID: %s", strerror(errno));
    ck_assert_str_eq(again, "after");
    ck_assert_int_eq(shmdt(again), 0);
    // the last detach removes it
    ck_assert_int_eq(shmdt(p), 0);
    assert_gone(id);

    // svshm_hold shows the same with two programs
    id = CREATE("100");
    snprintf(ids, sizeof ids, "%d", id);
    LAB_RUN_OK(&r, "svshm_write", ids, "before IPC_RMID");
    lab_result_free(&r);
    LAB_RUN_OK(&r, "svshm_hold", ids, "after IPC_RMID", "--", "svshm_rm", ids);
    ck_assert_str_eq(r.out,
        "attached (nattch 1); the segment holds 'before IPC_RMID'\n"
        "IPC_RMID: marked for deletion (nattch 1: it goes at the last detach)\n"
        "command exited 0\n"
        "still attached: nattch 1, marked for deletion: yes\n"
        "read through the attachment: 'before IPC_RMID'\n"
        "stored and read back: 'after IPC_RMID'\n"
        "after shmdt: IPC_STAT fails with EINVAL: the segment is gone\n");
    lab_result_free(&r);
    assert_gone(id);
    LAB_REPORT("S1", "confirmed",
               "IPC_RMID by another process while attached: nattch %lu, "
               "SHM_DEST set, shmget of its key gave %s, the attachment still "
               "read 'before' and stored 'after', a new shmat by id still "
               "worked (Linux); after the last shmdt IPC_STAT gave EINVAL", nattch, errno_name(key_errno));
}
END_TEST

// is the size fixed at shmget, while a POSIX object and a shared file grow with ftruncate and mremap?
START_TEST(test_size_is_fixed_unlike_posix_and_file_mappings)
{
    long page = lab_page();
    key_t key;
    int proj;
    int id = create_keyed("keyfile", 100, &key, &proj);
    // a larger size for the existing key: EINVAL
    errno = 0;
    ck_assert_int_eq(shmget(key, 200, 0600), -1);
    int larger_errno = errno;
    ck_assert_int_eq(larger_errno, EINVAL);
    // a smaller size finds the same segment, which keeps its size
    ck_assert_int_eq(shmget(key, 50, 0600), id);
    struct shmid_ds ds;
    ck_assert_int_eq(shmctl(id, IPC_STAT, &ds), 0);
    ck_assert_uint_eq(ds.shm_segsz, 100);
    // the program says the same
    char projs[8];
    snprintf(projs, sizeof projs, "%d", proj);
    lab_expect_error(1, "(EINVAL)", "svshm_create", "200", "keyfile", projs, NULL);
    // mremap can stretch an attachment, but the segment does not grow:
    // the page past its end raises SIGBUS
    char *a = shmat(id, NULL, 0);
    ck_assert_ptr_ne(a, (void *)-1);
    char *m = mremap(a, (size_t)page, (size_t)(2 * page), MREMAP_MAYMOVE);
    ck_assert_ptr_ne(m, MAP_FAILED);
    int code;
    int sysv_sig = lab_probe_read(m + page, &code, NULL);
    ck_assert_int_eq(sysv_sig, SIGBUS);
    ck_assert_int_eq(shmctl(id, IPC_STAT, &ds), 0);
    ck_assert_uint_eq(ds.shm_segsz, 100);
    ck_assert_int_eq(munmap(m, (size_t)(2 * page)), 0);
    ck_assert_int_eq(shmctl(id, IPC_RMID, NULL), 0);
    assert_gone(id);

    // a POSIX object and a shared file: ftruncate, then mremap the mapping
    char name[128];
    lab_unique_name(name, sizeof name, "p5");
    int fds[2];
    fds[0] = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ne(fds[0], -1);
    ck_assert_int_eq(shm_unlink(name), 0);  /* the descriptor keeps it */
    fds[1] = open("shared-file", O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ne(fds[1], -1);
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(ftruncate(fds[i], 100), 0);
        char *p = mmap(NULL, 100, PROT_READ | PROT_WRITE, MAP_SHARED, fds[i], 0);
        ck_assert_ptr_ne(p, MAP_FAILED);
        strcpy(p, "kept");
        // grow the object to three pages, then the mapping with it
        ck_assert_int_eq(ftruncate(fds[i], 3 * page), 0);
        char *q = mremap(p, 100, (size_t)(3 * page), MREMAP_MAYMOVE);
        ck_assert_ptr_ne(q, MAP_FAILED);
        // the old bytes are kept, the last page is there and reads as 0
        ck_assert_str_eq(q, "kept");
        ck_assert_int_eq(lab_probe_read(q + 3 * page - 1, &code, NULL), 0);
        ck_assert_int_eq(q[3 * page - 1], 0);
        struct stat sb;
        ck_assert_int_eq(fstat(fds[i], &sb), 0);
        ck_assert_int_eq(sb.st_size, 3 * page);
        ck_assert_int_eq(munmap(q, (size_t)(3 * page)), 0);
        close(fds[i]);
    }
    LAB_REPORT("P5", "confirmed",
               "System V: shmget of the existing key with 200 > 100 bytes gave "
               "%s, with 50 the same id and size 100; an attachment stretched "
               "by mremap raised %s past the segment. POSIX object and shared "
               "file: ftruncate 100 -> %ld and mremap kept the data and read 0 "
               "in the new last page", errno_name(larger_errno),
               sysv_sig == SIGBUS ? "SIGBUS" : "no signal", 3 * page);
}
END_TEST

// does attaching one segment twice give two addresses for the same bytes?
START_TEST(test_two_attachments_two_addresses_same_bytes)
{
    int id = CREATE("100");
    char ids[16];
    snprintf(ids, sizeof ids, "%d", id);
    struct lab_result r;
    LAB_RUN_OK(&r, "svshm_twoattach", ids);
    ck_assert_str_eq(r.out,
        "attached twice: different addresses: yes\n"
        "nattch: 2 (was 0)\n"
        "a store through attachment 1 is seen through attachment 2: yes\n"
        "and the restore through attachment 2 is seen through 1: yes\n"
        "after the first shmdt: nattch 1\n"
        "after the second shmdt: nattch 0\n");
    lab_result_free(&r);
    // here too: two shmat calls, two addresses, one set of bytes
    char *a = shmat(id, NULL, 0), *b = shmat(id, NULL, 0);
    ck_assert_ptr_ne(a, (void *)-1);
    ck_assert_ptr_ne(b, (void *)-1);
    ck_assert_ptr_ne(a, b);
    a[10] = 'Z';
    ck_assert_int_eq(b[10], 'Z');
    struct shmid_ds ds;
    ck_assert_int_eq(shmctl(id, IPC_STAT, &ds), 0);
    ck_assert_uint_eq(ds.shm_nattch, 2);
    ck_assert_int_eq(shmdt(a), 0);
    ck_assert_int_eq(shmdt(b), 0);
    ck_assert_int_eq(shmctl(id, IPC_RMID, NULL), 0);
    assert_gone(id);
    LAB_REPORT("S1", "confirmed",
               "two shmat calls in one process: two addresses, a store through "
               "one seen through the other, nattch 2 then 1 then 0");
}
END_TEST

// can a segment be larger than main memory (and swap)?
START_TEST(test_segment_larger_than_memory_depends_on_reservation)
{
    int policy = -1;
    FILE *f = fopen("/proc/sys/vm/overcommit_memory", "r");
    if (f != NULL) {
        if (fscanf(f, "%d", &policy) != 1)
            policy = -1;
        fclose(f);
    }
    if (policy != 0)
        LAB_SKIP("vm.overcommit_memory is %d, not the default 0", policy);
    struct sysinfo si;
    ck_assert_int_eq(sysinfo(&si), 0);
    unsigned long long size = (unsigned long long)si.totalram * si.mem_unit +
                              (unsigned long long)si.totalswap * si.mem_unit +
                              (1ULL << 30);
    // asked directly: refused, as the accounting cannot promise that much
    errno = 0;
    int id = shmget(IPC_PRIVATE, (size_t)size, IPC_CREAT | 0600);
    int plain_err = errno;
    if (id != -1)
        shmctl(id, IPC_RMID, NULL);
    ck_assert_int_eq(id, -1);
    ck_assert_int_eq(plain_err, ENOMEM);
    // with SHM_NORESERVE nothing is promised and the segment is made
    id = shmget(IPC_PRIVATE, (size_t)size, IPC_CREAT | 0600 | SHM_NORESERVE);
    ck_assert_int_ne(id, -1);
    struct shmid_ds ds;
    ck_assert_int_eq(shmctl(id, IPC_STAT, &ds), 0);
    // and it has the size asked for, more than memory and swap
    ck_assert(ds.shm_segsz == (size_t)size);
    ck_assert_int_eq(shmctl(id, IPC_RMID, NULL), 0);
    // the program says the same
    struct lab_result r;
    lab_run(&r, 10, NULL, "svshm_big", NULL);
    ck_assert_msg(r.exited && r.code == 0, "svshm_big: exit %d: %s", r.code, r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "shmget(IPC_PRIVATE, that size): ENOMEM\n"));
    ck_assert_ptr_nonnull(strstr(r.out, "shmget(IPC_PRIVATE, that size, SHM_NORESERVE): success\n"));
    lab_result_free(&r);
    LAB_REPORT("S2", "depends",
               "shmget of memory + swap + 1 GiB (%llu MiB): ENOMEM; with "
               "SHM_NORESERVE the segment was created with that size (removed "
               "unattached): the overcommit policy (vm.overcommit_memory = 0 "
               "here) decides, not where the segment lives", size >> 20);
}
END_TEST

// does a shorter text replace a longer one (its NUL ends it), and does -x
// (IPC_EXCL) refuse a key that has a segment already?
START_TEST(test_shorter_text_replaces_longer_and_excl_refuses_existing_key)
{
    int id = CREATE("100");
    char ids[16];
    snprintf(ids, sizeof ids, "%d", id);
    struct lab_result r;
    LAB_RUN_OK(&r, "svshm_write", ids, "a longer text first");
    lab_result_free(&r);
    LAB_RUN_OK(&r, "svshm_write", ids, "short");
    lab_result_free(&r);
    // the bytes themselves: "short", its NUL, then the rest of the old text
    const char *seg = shmat(id, NULL, SHM_RDONLY);
    ck_assert_ptr_ne(seg, (void *)-1);
    ck_assert_msg(memcmp(seg, "short\0er text first", 19) == 0,
                  "the segment holds \"%.19s\": svshm_write must store the text "
                  "and its terminating NUL", seg);
    ck_assert_int_eq(shmdt(seg), 0);
    LAB_RUN_OK(&r, "svshm_read", ids);
    ck_assert_str_eq(r.out, "short\n");
    lab_result_free(&r);
    ck_assert_int_eq(shmctl(id, IPC_RMID, NULL), 0);

    key_t key;
    int proj;
    int kid = create_keyed("keyfile", 10, &key, &proj);
    char projs[8];
    snprintf(projs, sizeof projs, "%d", proj);
    lab_run(&r, 10, NULL, "svshm_create", "-x", "10", "keyfile", projs, NULL);
    int made = r.exited && r.code == 0 ? atoi(r.out) : -1;
    ck_assert_msg(!(r.exited && r.code == 0) && made != kid,
                  "svshm_create -x on a key that has segment %d already "
                  "succeeded (printed id %d): IPC_CREAT | IPC_EXCL must fail "
                  "with EEXIST", kid, made);
    lab_result_free(&r);
    ck_assert_int_eq(shmctl(kid, IPC_RMID, NULL), 0);
}
END_TEST

// does every kind of bad input get one clear line and the right status?
START_TEST(test_bad_input)
{
    const char *progs[] = {"svshm_create", "svshm_write", "svshm_read",
                           "svshm_stat", "svshm_rm", "svshm_hold",
                           "svshm_twoattach"};
    for (size_t i = 0; i < sizeof progs / sizeof *progs; i++) {
        lab_expect_error(2, "usage:", progs[i], NULL);
        lab_expect_help(progs[i]);
    }
    // bad numbers, options and argument counts
    lab_expect_error(2, "SIZE", "svshm_create", "0", NULL);
    lab_expect_error(2, "SIZE", "svshm_create", "10x", NULL);
    lab_expect_error(2, "MODE", "svshm_create", "-m", "8", "10", NULL);
    lab_expect_error(2, "-z", "svshm_create", "-z", "10", NULL);
    lab_expect_error(2, "PROJ", "svshm_create", "10", "keyfile", NULL);
    lab_expect_error(2, "PROJ", "svshm_create", "10", "keyfile", "256", NULL);
    lab_expect_error(2, "too many", "svshm_create", "10", "a", "1", "extra", NULL);
    // ftok of a missing file
    lab_expect_error(1, "missing-file: No such file", "svshm_create", "10", "missing-file", "1", NULL);
    lab_expect_error(2, "SHMID", "svshm_read", "-1", NULL);
    lab_expect_error(2, "SHMID", "svshm_stat", "abc", NULL);
    lab_expect_error(2, "too many", "svshm_read", "1", "2", NULL);
    lab_expect_error(2, "--", "svshm_hold", "1", "t", "true", NULL);
    lab_expect_error(2, "too many", "svshm_big", "1", NULL);

    // a segment that does not exist (a removed one): EINVAL, exit 1
    int id = CREATE("10");
    ck_assert_int_eq(shmctl(id, IPC_RMID, NULL), 0);
    char ids[16];
    snprintf(ids, sizeof ids, "%d", id);
    const char *gone[] = {"svshm_read", "svshm_stat", "svshm_rm", "svshm_twoattach"};
    for (size_t i = 0; i < sizeof gone / sizeof *gone; i++) {
        lab_expect_error(1, "(EINVAL)", gone[i], ids, NULL);
    }
    lab_expect_error(1, "(EINVAL)", "svshm_write", ids, "x", NULL);
    lab_expect_error(1, "(EINVAL)", "svshm_hold", ids, "x", "--", "true", NULL);

    // a text longer than the segment: refused, the segment cannot grow
    id = CREATE("4");
    snprintf(ids, sizeof ids, "%d", id);
    lab_expect_error(1, "its size is fixed", "svshm_write", ids, "too long", NULL);
    lab_expect_error(1, "only 4", "svshm_hold", ids, "too long", "--", "true", NULL);
    // IPC_EXCL on an existing key: EEXIST
    key_t key;
    int proj;
    int kid = create_keyed("keyfile", 10, &key, &proj);
    char projs[8];
    snprintf(projs, sizeof projs, "%d", proj);
    lab_expect_error(1, "(EEXIST)", "svshm_create", "-x", "10", "keyfile", projs, NULL);
    ck_assert_int_eq(shmctl(kid, IPC_RMID, NULL), 0);
    ck_assert_int_eq(shmctl(id, IPC_RMID, NULL), 0);
    assert_gone(kid);
    assert_gone(id);
}
END_TEST

// is every segment this run made gone (nothing of ours left in ipcs -m)?
START_TEST(test_nothing_left_in_ipcs)
{
    int left = 0;
    for (int i = 0; i < segs->n; i++) {
        struct shmid_ds ds;
        if (shmctl(segs->id[i], IPC_STAT, &ds) == -1)
            continue;
        if (ds.shm_cpid != segs->cpid[i])
            continue;  /* the id was reused by someone else's segment */
        fprintf(stderr, "left in ipcs -m: segment %d (removed)\n", segs->id[i]);
        shmctl(segs->id[i], IPC_RMID, NULL);
        left++;
    }
    // the tests above made segments, and none of them is left
    ck_assert_int_gt(segs->n, 0);
    ck_assert_int_eq(left, 0);
}
END_TEST

Suite *lab_suite(void)
{
    segs = mmap(NULL, sizeof *segs, PROT_READ | PROT_WRITE,
                MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (segs == MAP_FAILED) {
        perror("mmap");
        exit(2);
    }
    Suite *s = suite_create("08-sysv-shm");
    TCase *tc = lab_tcase(s, "lifetime", 10);
    tcase_add_test(tc, test_segment_outlives_its_creator_until_removed);
    tcase_add_test(tc, test_rmid_while_attached_waits_for_the_last_detach);
    tc = lab_tcase(s, "size", 10);
    tcase_add_test(tc, test_size_is_fixed_unlike_posix_and_file_mappings);
    tc = lab_tcase(s, "addresses", 10);
    tcase_add_test(tc, test_two_attachments_two_addresses_same_bytes);
    tcase_add_test(tc, test_shorter_text_replaces_longer_and_excl_refuses_existing_key);
    tc = lab_tcase(s, "bigger-than-memory", 10);
    tcase_add_test(tc, test_segment_larger_than_memory_depends_on_reservation);
    tc = lab_tcase(s, "refusals", 20);
    tcase_add_test(tc, test_bad_input);
    tc = lab_tcase(s, "leftovers", 10);
    tcase_add_test(tc, test_nothing_left_in_ipcs);
    return s;
}
