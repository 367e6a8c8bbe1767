/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_spawn.c - tasks from user space (core/spawn.c, the tree in core/task.c,
 * docs/tasks.md) through the system calls (Check, forked mode).
 *
 * The programs are this file's own: one entry point, registered as "t" (and others), that
 * does what its command line says ("t exit 3", "t sleep 0" ...) and records what it saw
 * in this process's memory for the test to check after the run. Covers the program
 * registry; a spawn's result, the child's start block, priority and the handles moved into
 * it; every rejection (no program, an empty or too long command line, too many handles, a
 * handle that is none, lacks transfer or comes twice, and out of memory at every step of a
 * spawn, swept page by page on a small pool) leaving no task, no object, no page, no trace
 * record and every handle where it was; statuses of exits, kills and crashes; a kill of an
 * ended task; the task's own operations refused through another task's handle; children
 * and a child's handle; adoption by the grandparent and its signal; roots; both orders of
 * closing the handle and ending the task; the invariant checker after each run.
 */
#include <check.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/abi.h"
#include "../../core/fault.h"
#include "../../core/handle.h"
#include "../../core/invariants.h"
#include "../../core/kentry.h"
#include "../../core/kernel.h"
#include "../../core/klib.h"
#include "../../core/obj.h"
#include "../../core/page.h"
#include "../../core/program.h"
#include "../../core/syscall.h"
#include "../../core/task.h"
#include "../../core/thread.h"
#include "../../core/trace.h"
#include "../../hal/sim/host.h"
#include "../../providers/providers.h"
#include "../../user/ops.h"
#include "../../user/twain.h"
#include "kernel_harness.h"

/* ---- the test's programs --------------------------------------------------------------- */

/* What the children saw (written by user code of this process, read after the run). */
static struct {
    unsigned started;
    char cmd[TW_SPAWN_CMD_MAX + 1];
    uint32_t cmd_len, nhandles;
    uint64_t heap_size;
    int64_t prio_seen;
    uint32_t rights[TW_SPAWN_MAX_HANDLES + 2]; /* of handles 0..n+1 (0: none) */
    int64_t wrote;
    uint32_t parent_seen;
} kids;

static bool word_is(const char *p, size_t n, const char *w)
{
    return n >= strlen(w) && memcmp(p, w, strlen(w)) == 0;
}

static uint32_t rights_of(int32_t h)
{
    struct thread *t = thread_current();
    struct handle_entry *e = handle_lookup(t->task, t, h);
    return e != NULL ? e->rights : 0;
}

/* "t exit N", "t sleep US" (0: forever), "t say" (write on handle 1), "t look" (record
 * the start block and the handles), "t spawn N" (N children "t sleep 0", then exit 0). */
static void child_main(uintptr_t arg)
{
    const struct tw_spawn_start *s = (const struct tw_spawn_start *)arg;
    const char *w = s->cmd + 2;
    size_t n = s->cmd_len > 2 ? s->cmd_len - 2 : 0;
    kids.started++;
    if (word_is(w, n, "exit "))
        tw_exit((int32_t)strtol(w + 5, NULL, 10));
    if (word_is(w, n, "sleep ")) {
        long us = strtol(w + 6, NULL, 10);
        do
            tw_sleep_ns(us > 0 ? (uint64_t)us * 1000 : 1000000000ull);
        while (us == 0);
        tw_exit(0);
    }
    if (word_is(w, n, "say")) {
        kids.wrote = tw_write(1, s->cmd, s->cmd_len); /* the heap: task memory */
        tw_exit(0);
    }
    if (word_is(w, n, "look")) {
        memcpy(kids.cmd, s->cmd, s->cmd_len);
        kids.cmd_len = s->cmd_len;
        kids.nhandles = s->nhandles;
        kids.heap_size = s->heap_size;
        kids.prio_seen = thread_current()->priority;
        for (uint32_t i = 0; i < K_ARRAY_SIZE(kids.rights); i++)
            kids.rights[i] = rights_of((int32_t)i);
        struct tw_task_status st;
        EXPECT(tw_task_status(TW_HANDLE_SELF, &st, sizeof(st)), 0);
        kids.parent_seen = st.parent;
        tw_exit(0);
    }
    if (word_is(w, n, "spawn ")) {
        long k = strtol(w + 6, NULL, 10);
        char cmd[] = "t sleep 0";
        for (long i = 0; i < k; i++)
            EXPECT_OK(tw_task_spawn(cmd, sizeof(cmd) - 1, NULL, 0));
        tw_exit(0);
    }
    tw_exit(99);
}

static void boot_spawn_cfg(const struct k_config *cfg)
{
    boot_cfg(cfg);
    memset(&kids, 0, sizeof(kids));
    ck_assert_int_eq(k_program_register("t", child_main), TW_OK);
}

static void boot_spawn(void)
{
    struct k_config cfg = test_cfg(SCHED_RR, 1);
    boot_spawn_cfg(&cfg);
}

/* run_check, with the invariant checker before the teardown. */
static void run_checked(unsigned want_done)
{
    int why = k_run();
    ck_assert_msg(why == TR_END_DONE, "k_run ended with %d", why);
    k_check_invariants();
    check_expectations();
    ck_assert_uint_eq(bodies_done, want_done);
    k_teardown();
    ck_assert_uint_eq(kobj_live_count(), 0);
}

/* ---- user-side helpers ---------------------------------------------------------------- */

/* Spawn cmd with handles hv[0..n) (copied to this thread's stack: task memory). */
static int64_t u_spawn(const char *cmd, const int32_t *hv, uint32_t n)
{
    char c[TW_SPAWN_CMD_MAX + 16];
    int32_t h[TW_SPAWN_MAX_HANDLES + 4] = {0};
    size_t len = strlen(cmd);
    memcpy(c, cmd, len);
    if (n > 0)
        memcpy(h, hv, n * sizeof(int32_t));
    return tw_task_spawn(c, len, h, n);
}

static struct tw_task_status u_status(int32_t h)
{
    struct tw_task_status st;
    memset(&st, 0xee, sizeof(st));
    EXPECT(tw_task_status(h, &st, sizeof(st)), 0);
    return st;
}

static void u_wait_exit(int32_t h)
{
    EXPECT(tw_wait(h, TW_SIG_EXITED, TW_DEADLINE_NEVER), TW_SIG_EXITED);
}

/* ---- the registry ---------------------------------------------------------------------- */

static void dummy(uintptr_t a)
{
    (void)a;
}

START_TEST(test_register)
{
    boot();
    ck_assert_uint_eq(program_count(), 0);
    ck_assert_int_eq(k_program_register("a", dummy), TW_OK);
    ck_assert_int_eq(k_program_register("a", dummy), TW_E_BUSY);
    ck_assert_int_eq(k_program_register("", dummy), TW_E_INVAL);
    ck_assert_int_eq(k_program_register("a b", dummy), TW_E_INVAL);
    ck_assert_int_eq(k_program_register(NULL, dummy), TW_E_INVAL);
    ck_assert_int_eq(k_program_register("b", NULL), TW_E_INVAL);
    char name[K_PROGRAM_NAME + 1];
    memset(name, 'x', sizeof(name));
    name[K_PROGRAM_NAME] = '\0';
    ck_assert_int_eq(k_program_register(name, dummy), TW_E_INVAL);
    name[K_PROGRAM_NAME - 1] = '\0'; /* 31 bytes: the longest */
    ck_assert_int_eq(k_program_register(name, dummy), TW_OK);
    ck_assert_ptr_nonnull(program_find(name, K_PROGRAM_NAME - 1));
    ck_assert_ptr_null(program_find(name, K_PROGRAM_NAME - 2));
    for (uint32_t i = program_count(); i < K_MAX_PROGRAMS; i++) {
        char n[8];
        snprintf(n, sizeof(n), "p%u", i);
        ck_assert_int_eq(k_program_register(n, dummy), TW_OK);
    }
    ck_assert_int_eq(k_program_register("one-too-many", dummy), TW_E_LIMIT);
    ck_assert_uint_eq(program_count(), K_MAX_PROGRAMS);
    /* k_init forgets them. */
    boot();
    ck_assert_uint_eq(program_count(), 0);
    k_teardown();
}
END_TEST

/* ---- a spawn and what the child gets --------------------------------------------------- */

static uint32_t parent_id;

static void body_spawn_look(uintptr_t arg)
{
    (void)arg;
    parent_id = (uint32_t)tw_task_id();
    int32_t peer;
    int64_t a = u_pair(&peer, 0);
    int64_t z = u_open("zero://", TW_O_NONBLOCK);
    int32_t hv[2] = {peer, (int32_t)z};
    uint32_t peer_rights = rights_of(peer), z_rights = rights_of((int32_t)z);
    int64_t c = u_spawn("t look at me", hv, 2);
    EXPECT_OK(c);
    EXPECT(rights_of((int32_t)c), TW_TASK_RIGHTS);
    /* Moved: gone from this table. */
    EXPECT(tw_close(peer), TW_E_BADH);
    EXPECT(tw_close((int32_t)z), TW_E_BADH);
    u_wait_exit((int32_t)c);
    struct tw_task_status st = u_status((int32_t)c);
    EXPECT(st.state, TW_TASK_EXITED);
    EXPECT(st.end, TW_TASK_END_EXIT);
    EXPECT(st.code, 0);
    EXPECT(st.parent, 0); /* it left the tree */
    EXPECT(kids.rights[1], peer_rights);
    EXPECT(kids.rights[2], z_rights);
    EXPECT(kids.rights[3], 0);
    /* The child's handles closed when it ended: our end sees its peer gone. */
    EXPECT(tw_wait((int32_t)a, TW_SIG_PEER_CLOSED, TW_DEADLINE_NOW), TW_SIG_PEER_CLOSED);
    EXPECT(tw_close((int32_t)c), TW_OK);
    EXPECT(tw_close((int32_t)a), TW_OK);
    bodies_done++;
}

START_TEST(test_spawn_child_gets)
{
    boot_spawn();
    new_thread_prio(new_task("p"), body_spawn_look, 0, 17);
    run_checked(1);
    ck_assert_uint_eq(kids.started, 1);
    ck_assert_str_eq(kids.cmd, "t look at me");
    ck_assert_uint_eq(kids.cmd_len, 12);
    ck_assert_uint_eq(kids.nhandles, 2);
    ck_assert_uint_eq(kids.heap_size, K_SPAWN_HEAP_PAGES * K_PAGE_SIZE);
    ck_assert_int_eq(kids.prio_seen, 17); /* the calling thread's priority */
    ck_assert_uint_eq(kids.rights[0], TW_RIGHT_INVOKE | TW_RIGHT_WAIT); /* its self handle */
    ck_assert_uint_eq(kids.parent_seen, parent_id);
}
END_TEST

/* The child's first handle reaches what the parent holds the other end of. */
static void body_say(uintptr_t arg)
{
    (void)arg;
    int32_t peer;
    int64_t a = u_pair(&peer, 0);
    int32_t hv[1] = {peer};
    int64_t c = u_spawn("t say", hv, 1);
    EXPECT_OK(c);
    char buf[16] = {0};
    EXPECT(tw_read((int32_t)a, buf, sizeof(buf)), 5);
    EXPECT(memcmp(buf, "t say", 5), 0);
    u_wait_exit((int32_t)c);
    bodies_done++;
}

START_TEST(test_spawn_handles_reach_child)
{
    boot_spawn();
    new_thread(new_task("p"), body_say, 0);
    run_checked(1);
    ck_assert_int_eq(kids.wrote, 5);
}
END_TEST

/* ---- rejections: nothing changes ------------------------------------------------------- */

/* What a rejected spawn must leave as it was. */
struct snap {
    uint32_t tasks, objs, handles;
    size_t free_pages;
    uint64_t records;
};

static struct snap snap_now(void)
{
    struct thread *t = thread_current();
    return (struct snap){task_count(), kobj_live_count(), handle_table_count(&t->task->handles),
                         page_free_count(), trace_count()};
}

/* A spawn that must fail with want and change nothing but its own two trace records. */
static void expect_refused(int line, const char *cmd, const int32_t *hv, uint32_t n, int64_t want)
{
    uint32_t before[TW_SPAWN_MAX_HANDLES + 4];
    for (uint32_t i = 0; i < n && i < K_ARRAY_SIZE(before); i++)
        before[i] = rights_of(hv[i]);
    struct snap b = snap_now();
    int64_t r = u_spawn(cmd, hv, n);
    struct snap e = snap_now();
    expect_at(line, -1, r, want);
    expect_at(line, 1, e.tasks, b.tasks);
    expect_at(line, 2, e.objs, b.objs);
    expect_at(line, 3, e.handles, b.handles);
    expect_at(line, 4, (int64_t)e.free_pages, (int64_t)b.free_pages);
    expect_at(line, 5, (int64_t)(e.records - b.records), 2);
    for (uint32_t i = 0; i < n && i < K_ARRAY_SIZE(before); i++)
        expect_at(line, 10 + (int)i, rights_of(hv[i]), before[i]);
}

static void body_rejects(uintptr_t arg)
{
    (void)arg;
    int64_t a = u_open("null://", 0), b = u_open("null://", 0);
    int64_t nt = tw_invoke(TW_HANDLE_SELF, TW_TASK_DUPLICATE, (uint64_t)a,
                           rights_of((int32_t)a) & ~TW_RIGHT_TRANSFER, 0, 0);
    EXPECT_OK(nt);
    int32_t ok2[2] = {(int32_t)a, (int32_t)b};
    expect_refused(__LINE__, "nosuch", ok2, 2, TW_E_NOENT);
    expect_refused(__LINE__, "tt exit 1", ok2, 2, TW_E_NOENT); /* the whole first word */
    expect_refused(__LINE__, " t exit 1", ok2, 2, TW_E_NOENT); /* an empty name */
    expect_refused(__LINE__, "", ok2, 2, TW_E_INVAL);
    int32_t twice[3] = {(int32_t)a, (int32_t)b, (int32_t)a};
    expect_refused(__LINE__, "t exit 1", twice, 3, TW_E_INVAL);
    int32_t no_xfer[2] = {(int32_t)a, (int32_t)nt};
    expect_refused(__LINE__, "t exit 1", no_xfer, 2, TW_E_ACCESS);
    int32_t self[1] = {TW_HANDLE_SELF};
    expect_refused(__LINE__, "t exit 1", self, 1, TW_E_ACCESS); /* the self handle: no transfer */
    int32_t none[2] = {(int32_t)a, 777};
    expect_refused(__LINE__, "t exit 1", none, 2, TW_E_BADH);
    /* Handles are checked before the program is looked up. */
    expect_refused(__LINE__, "nosuch", none, 2, TW_E_BADH);
    /* Bounds: the table's. */
    int32_t nine[TW_SPAWN_MAX_HANDLES + 1];
    for (uint32_t i = 0; i < K_ARRAY_SIZE(nine); i++)
        nine[i] = (int32_t)a;
    expect_refused(__LINE__, "t exit 1", nine, TW_SPAWN_MAX_HANDLES + 1, TW_E_TOOBIG);
    char longcmd[TW_SPAWN_CMD_MAX + 2];
    memset(longcmd, 'x', sizeof(longcmd));
    memcpy(longcmd, "t exit 1 ", 9);
    longcmd[TW_SPAWN_CMD_MAX + 1] = '\0';
    expect_refused(__LINE__, longcmd, NULL, 0, TW_E_TOOBIG);
    longcmd[TW_SPAWN_CMD_MAX] = '\0'; /* exactly the bound: fine */
    int64_t c = u_spawn(longcmd, NULL, 0);
    EXPECT_OK(c);
    u_wait_exit((int32_t)c);
    EXPECT(u_status((int32_t)c).code, 1);
    bodies_done++;
}

START_TEST(test_spawn_rejections_change_nothing)
{
    boot_spawn();
    new_thread(new_task("p"), body_rejects, 0);
    run_checked(1);
    ck_assert_uint_eq(kids.started, 1);
}
END_TEST

/*
 * Out of memory at every step: with k pages left free (k = 0, 1, ...) a spawn either
 * works or fails with no_memory changing nothing; once it works, it keeps working. With
 * the caller's first handle page full, the last step (the caller's handle to the child)
 * needs a page too.
 */
#define HOG_MAX 8192
static void *hog[HOG_MAX];
static unsigned nhog;

static void hog_until(size_t free_left)
{
    while (page_free_count() > free_left && nhog < HOG_MAX) {
        void *p = page_alloc(0);
        if (p == NULL)
            break;
        hog[nhog++] = p;
    }
}

static void hog_release(void)
{
    while (nhog > 0)
        page_free(hog[--nhog], 0);
}

static unsigned sweep_failures, sweep_first_ok;

/* One spawn that works and ends: the kernel's object caches then hold a free task, thread
 * and region each, so a later spawn that fails cannot have grown a cache by a page. */
static void warm_up(void)
{
    int64_t c = u_spawn("t exit 0", NULL, 0);
    EXPECT_OK(c);
    u_wait_exit((int32_t)c);
    tw_sleep_ns(1000 * 1000); /* reaped */
    EXPECT(tw_close((int32_t)c), TW_OK);
}

static void sweep(bool fill_table)
{
    int64_t fill[K_HANDLE_PAGE];
    unsigned nfill = 0;
    warm_up();
    /* Handles 0..254, and the moved one at 255: the table's first page is full. */
    while (fill_table && handle_table_count(&thread_current()->task->handles) < K_HANDLE_PAGE - 1)
        fill[nfill++] = u_open("null://", 0);
    int64_t moved = u_open("null://", 0);
    EXPECT(!fill_table || moved == K_HANDLE_PAGE - 1, 1);
    bool worked = false;
    for (size_t k = 0; k < 64 && !worked; k++) {
        hog_until(k);
        int32_t hv[1] = {(int32_t)moved};
        struct snap b = snap_now();
        int64_t r = u_spawn("t exit 5", hv, 1);
        struct snap e = snap_now();
        hog_release();
        if (r == TW_E_NOMEM) {
            sweep_failures++;
            EXPECT_ITEM(k, e.tasks, b.tasks);
            EXPECT_ITEM(k, e.objs, b.objs);
            EXPECT_ITEM(k, e.handles, b.handles);
            EXPECT_ITEM(k, (int64_t)e.free_pages, (int64_t)b.free_pages);
            EXPECT_ITEM(k, (int64_t)(e.records - b.records), 2);
            EXPECT_ITEM(k, rights_of((int32_t)moved) != 0, 1);
            continue;
        }
        EXPECT_ITEM(k, r >= 0, 1);
        worked = true;
        sweep_first_ok = sweep_first_ok == 0 ? (unsigned)k : sweep_first_ok;
        if (r >= 0) {
            u_wait_exit((int32_t)r);
            EXPECT(u_status((int32_t)r).code, 5);
            EXPECT(tw_close((int32_t)r), TW_OK);
        }
    }
    EXPECT(worked, 1);
    while (nfill > 0)
        EXPECT(tw_close((int32_t)fill[--nfill]), TW_OK);
}

static void body_oom(uintptr_t arg)
{
    sweep(arg != 0);
    bodies_done++;
}

START_TEST(test_spawn_out_of_memory_changes_nothing)
{
    struct k_config cfg = test_cfg(SCHED_RR, 1);
    cfg.pool_pages = 512;
    boot_spawn_cfg(&cfg);
    nhog = 0;
    sweep_failures = sweep_first_ok = 0;
    new_thread(new_task("p"), body_oom, (uintptr_t)_i);
    run_checked(1);
    printf("  out of memory (%s): %u spawns refused, the first that worked had %u pages free\n",
           _i ? "the caller's table full" : "room in the caller's table", sweep_failures,
           sweep_first_ok);
    /* Exactly the pages a spawn takes: the child's handle table (a directory of 2 pages
     * and its first page), heap, user and kernel stacks; with the caller's first handle
     * page full, its handle to the child needs one more. */
    unsigned need = 2 + 1 + K_SPAWN_HEAP_PAGES + K_USTACK_PAGES + K_KSTACK_PAGES;
    ck_assert_uint_eq(sweep_first_ok, need + (_i != 0));
    ck_assert_uint_eq(sweep_failures, need + (_i != 0));
    ck_assert_uint_eq(kids.started, 2); /* the warm-up's child and the one that worked */
}
END_TEST

/* ---- statuses, kills, the task's own operations ---------------------------------------- */

static void body_statuses(uintptr_t arg)
{
    (void)arg;
    int64_t e3 = u_spawn("t exit 3", NULL, 0), s = u_spawn("t sleep 0", NULL, 0);
    int64_t neg = u_spawn("t exit -7", NULL, 0), cr = u_spawn("t sleep 0", NULL, 0);
    EXPECT_OK(e3);
    EXPECT_OK(s);
    struct tw_task_status st = u_status((int32_t)s);
    EXPECT(st.state, TW_TASK_RUNNING);
    EXPECT(st.end, TW_TASK_END_NONE);
    EXPECT(st.code, 0);
    EXPECT(st.end_ns, 0);
    EXPECT(st.parent, tw_task_id());
    EXPECT(st.reserved, 0);
    EXPECT(tw_wait((int32_t)s, TW_SIG_EXITED, TW_DEADLINE_NOW), TW_E_TIMEDOUT);
    /* The task's own operations through another task's handle, and kill through its own. */
    EXPECT(tw_invoke((int32_t)s, TW_TASK_SLEEP, 1000, 0, 0, 0), TW_E_NOTSUP);
    EXPECT(tw_invoke((int32_t)s, TW_TASK_EXIT, 0, 0, 0, 0), TW_E_NOTSUP);
    EXPECT(tw_invoke((int32_t)s, TW_TASK_ID, 0, 0, 0, 0), TW_E_NOTSUP);
    EXPECT(tw_invoke((int32_t)s, TW_TASK_DUPLICATE, (uint64_t)s, TW_RIGHTS_SAME, 0, 0),
           TW_E_NOTSUP);
    char cmd[] = "t exit 1";
    EXPECT(tw_invoke((int32_t)s, TW_TASK_SPAWN, (uintptr_t)cmd, 8, 0, 0), TW_E_NOTSUP);
    EXPECT(tw_task_kill(TW_HANDLE_SELF, 0), TW_E_NOTSUP);
    EXPECT(tw_task_kill((int32_t)s, 1ll << 32), TW_E_INVAL);
    EXPECT(tw_task_status((int32_t)s, &st, sizeof(st) - 1), TW_E_TOOBIG);
    /* A handle without invoke can only wait. */
    int64_t w = tw_invoke(TW_HANDLE_SELF, TW_TASK_DUPLICATE, (uint64_t)s, TW_RIGHT_WAIT, 0, 0);
    EXPECT(tw_task_kill((int32_t)w, 0), TW_E_ACCESS);
    EXPECT(tw_task_status((int32_t)w, &st, sizeof(st)), TW_E_ACCESS);
    /* Exits, with their codes. */
    u_wait_exit((int32_t)e3);
    st = u_status((int32_t)e3);
    EXPECT(st.state, TW_TASK_EXITED);
    EXPECT(st.end, TW_TASK_END_EXIT);
    EXPECT(st.code, 3);
    EXPECT(st.end_ns > 0, 1);
    EXPECT(st.parent, 0);
    u_wait_exit((int32_t)neg);
    EXPECT(u_status((int32_t)neg).code, -7);
    /* A kill: status as given; again, or on the ended task: no change. */
    EXPECT(tw_task_kill((int32_t)s, 42), TW_OK);
    EXPECT(tw_task_kill((int32_t)s, 43), TW_OK); /* ending already: the first wins */
    st = u_status((int32_t)s);
    EXPECT(st.end, TW_TASK_END_KILLED);
    EXPECT(st.code, 42);
    u_wait_exit((int32_t)w); /* the wait-only handle sees the end too */
    uint64_t end = u_status((int32_t)s).end_ns;
    EXPECT(tw_task_kill((int32_t)s, 44), TW_OK);
    st = u_status((int32_t)s);
    EXPECT(st.state, TW_TASK_EXITED);
    EXPECT(st.end, TW_TASK_END_KILLED);
    EXPECT(st.code, 42);
    EXPECT(st.end_ns, end);
    /* A crash (the kernel's kill of a faulting task, made here from kernel code). */
    task_kill(task_by_id(u_status((int32_t)cr).id), TW_EXIT_CRASHED, true);
    u_wait_exit((int32_t)cr);
    st = u_status((int32_t)cr);
    EXPECT(st.end, TW_TASK_END_CRASHED);
    EXPECT(st.code, TW_EXIT_CRASHED);
    /* On the self handle: running, its own id, no parent (a boot task). */
    st = u_status(TW_HANDLE_SELF);
    EXPECT(st.id, tw_task_id());
    EXPECT(st.state, TW_TASK_RUNNING);
    EXPECT(st.parent, 0);
    EXPECT(st.children, 0);
    bodies_done++;
}

START_TEST(test_statuses_and_kills)
{
    boot_spawn();
    new_thread(new_task("p"), body_statuses, 0);
    run_checked(1);
}
END_TEST

/* ---- children, a child's handle, adoption ---------------------------------------------- */

static void body_children(uintptr_t arg)
{
    (void)arg;
    int64_t c[3];
    for (int i = 0; i < 3; i++)
        c[i] = u_spawn("t sleep 0", NULL, 0);
    uint32_t ids[4] = {0, 0, 0, 77};
    EXPECT(tw_task_children(TW_HANDLE_SELF, ids, sizeof(ids)), 3);
    for (int i = 0; i < 3; i++)
        EXPECT_ITEM(i, ids[i], u_status((int32_t)c[i]).id);
    EXPECT(ids[3], 0); /* the output is filled whole: zeros past the ids */
    uint32_t one[2] = {0, 0xffffffffu};
    EXPECT(tw_task_children(TW_HANDLE_SELF, one, 7), 3); /* room for one id */
    EXPECT(one[0], ids[0]);
    EXPECT(one[1], 0xff000000u); /* 7 bytes written: the rest of the id's room zeroed */
    /* A handle to a child by id, with the spawn's rights; not to others. */
    int64_t h = tw_task_child(TW_HANDLE_SELF, ids[1]);
    EXPECT_OK(h);
    EXPECT(rights_of((int32_t)h), TW_TASK_RIGHTS);
    EXPECT(u_status((int32_t)h).id, ids[1]);
    EXPECT(tw_task_child(TW_HANDLE_SELF, tw_task_id()), TW_E_NOENT);
    EXPECT(tw_task_child(TW_HANDLE_SELF, 1ull << 32 | ids[1]), TW_E_NOENT);
    EXPECT(tw_task_child((int32_t)c[0], ids[1]), TW_E_NOENT); /* not c[0]'s */
    EXPECT(tw_task_kill((int32_t)h, 9), TW_OK);
    u_wait_exit((int32_t)c[1]);
    EXPECT(tw_task_child(TW_HANDLE_SELF, ids[1]), TW_E_NOENT); /* ended: left the tree */
    EXPECT(tw_task_children(TW_HANDLE_SELF, ids, sizeof(ids)), 2);
    EXPECT(u_status(TW_HANDLE_SELF).children, 2);
    for (int i = 0; i < 3; i += 2) {
        EXPECT(tw_task_kill((int32_t)c[i], 0), TW_OK);
        u_wait_exit((int32_t)c[i]);
    }
    EXPECT(tw_task_children(TW_HANDLE_SELF, ids, sizeof(ids)), 0);
    bodies_done++;
}

START_TEST(test_children_and_child_handles)
{
    boot_spawn();
    new_thread(new_task("p"), body_children, 0);
    run_checked(1);
}
END_TEST

static uint32_t adopted_ids[2];

static void body_adopt(uintptr_t arg)
{
    (void)arg;
    int64_t mid = u_spawn("t spawn 2", NULL, 0);
    u_wait_exit((int32_t)mid);
    EXPECT(u_status((int32_t)mid).children, 0);
    /* The adoption signals the adopter until a wait consumes it; poll does not. */
    struct tw_poll_item it[1] = {{TW_HANDLE_SELF, TW_SIG_SIGNALED, 0, 0}};
    EXPECT(tw_poll(it, 1, TW_DEADLINE_NOW), 1);
    EXPECT(tw_poll(it, 1, TW_DEADLINE_NOW), 1);
    EXPECT(tw_wait(TW_HANDLE_SELF, TW_SIG_SIGNALED | TW_SIG_EXITED, TW_DEADLINE_NOW),
           TW_SIG_SIGNALED);
    EXPECT(tw_wait(TW_HANDLE_SELF, TW_SIG_SIGNALED, TW_DEADLINE_NOW), TW_E_TIMEDOUT);
    struct tw_task_status st = u_status(TW_HANDLE_SELF);
    EXPECT(st.children, 2);
    EXPECT(st.adopted, 2);
    uint32_t ids[2];
    EXPECT(tw_task_children(TW_HANDLE_SELF, ids, sizeof(ids)), 2);
    adopted_ids[0] = ids[0];
    adopted_ids[1] = ids[1];
    for (int i = 0; i < 2; i++) {
        int64_t h = tw_task_child(TW_HANDLE_SELF, ids[i]);
        EXPECT_ITEM(i, u_status((int32_t)h).parent, tw_task_id());
        EXPECT_ITEM(i, tw_task_kill((int32_t)h, 0), TW_OK);
        u_wait_exit((int32_t)h);
        EXPECT_ITEM(i, tw_close((int32_t)h), TW_OK);
    }
    /* A child that ends while its own child lives: this task adopts that one too. */
    int64_t mid2 = u_spawn("t spawn 1", NULL, 0);
    u_wait_exit((int32_t)mid2);
    EXPECT(u_status(TW_HANDLE_SELF).adopted, 3);
    EXPECT(tw_task_children(TW_HANDLE_SELF, ids, sizeof(ids)), 1);
    int64_t g = tw_task_child(TW_HANDLE_SELF, ids[0]);
    EXPECT(tw_task_kill((int32_t)g, 0), TW_OK);
    u_wait_exit((int32_t)g);
    /* One left running: when this task ends, it becomes a root (task "w" sees to it). */
    int64_t last = u_spawn("t sleep 0", NULL, 0);
    int64_t port = u_open("chan://spawn-test", 0);
    int32_t hv[1] = {(int32_t)last};
    char m[1] = {'x'};
    EXPECT(tw_invoke((int32_t)port, TW_CHAN_WRITE_HANDLES, (uintptr_t)m, 1, (uintptr_t)hv, 1), 1);
    bodies_done++;
}

static void body_watch_root(uintptr_t arg)
{
    (void)arg;
    int64_t port = u_open("chan://spawn-test?listen", 0);
    char m[4];
    int32_t got[4] = {-1, -1, -1, -1};
    EXPECT(
        tw_invoke((int32_t)port, TW_CHAN_READ_HANDLES, (uintptr_t)m, sizeof(m), (uintptr_t)got, 4),
        1);
    tw_sleep_ns(1000 * 1000); /* the adopter ends meanwhile */
    struct tw_task_status st = u_status(got[0]);
    EXPECT(st.state, TW_TASK_RUNNING);
    EXPECT(st.parent, 0);
    EXPECT(tw_task_kill(got[0], 0), TW_OK);
    u_wait_exit(got[0]);
    bodies_done++;
}

START_TEST(test_adoption)
{
    boot_spawn();
    struct task *w = new_task("w");
    new_thread(w, body_watch_root, 0);
    new_thread(new_task("p"), body_adopt, 0);
    run_checked(2);
    ck_assert_uint_ne(adopted_ids[0], adopted_ids[1]);
}
END_TEST

/* ---- lifetimes: the handle and the task end in either order ---------------------------- */

static uint32_t life_id;
static uint32_t live_before;

static void body_close_first(uintptr_t arg)
{
    (void)arg;
    live_before = kobj_live_count();
    int64_t c = u_spawn("t sleep 2000", NULL, 0);
    life_id = u_status((int32_t)c).id;
    EXPECT(tw_close((int32_t)c), TW_OK); /* the child runs on, held by its thread */
    EXPECT(task_by_id(life_id) != NULL, 1);
    tw_sleep_ns(10 * 1000 * 1000);
    EXPECT(task_by_id(life_id) == NULL, 1); /* ended and reaped: freed, nothing kept */
    EXPECT(kobj_live_count(), live_before);
    bodies_done++;
}

static void body_end_first(uintptr_t arg)
{
    (void)arg;
    live_before = kobj_live_count();
    int64_t c = u_spawn("t exit 4", NULL, 0);
    int64_t d = tw_invoke(TW_HANDLE_SELF, TW_TASK_DUPLICATE, (uint64_t)c, TW_RIGHTS_SAME, 0, 0);
    u_wait_exit((int32_t)c);
    tw_sleep_ns(1000 * 1000);
    EXPECT(u_status((int32_t)d).code, 4); /* the status lives in the object */
    EXPECT(tw_close((int32_t)c), TW_OK);
    EXPECT(u_status((int32_t)d).code, 4); /* ... until the last handle goes */
    EXPECT(tw_close((int32_t)d), TW_OK);
    EXPECT(kobj_live_count(), live_before);
    bodies_done++;
}

START_TEST(test_close_and_end_orders)
{
    boot_spawn();
    new_thread(new_task("p"), _i == 0 ? body_close_first : body_end_first, 0);
    run_checked(1);
}
END_TEST

/* A moved handle's waiters in the parent wake with canceled, as a transfer's do. */
static int64_t moved_wait_result;

static void body_waiter(uintptr_t h)
{
    moved_wait_result = tw_wait((int32_t)h, TW_SIG_READABLE, TW_DEADLINE_NEVER);
    bodies_done++;
}

static void body_move_waited(uintptr_t arg)
{
    (void)arg;
    int32_t peer;
    int64_t a = u_pair(&peer, 0);
    EXPECT(tw_invoke(TW_HANDLE_SELF, TW_TASK_SPAWN_THREAD, (uintptr_t)body_waiter, (uintptr_t)peer,
                     10, 0) > 0,
           1);
    tw_sleep_ns(1000);
    int32_t hv[1] = {peer};
    int64_t c = u_spawn("t sleep 100", hv, 1);
    EXPECT_OK(c);
    tw_sleep_ns(1000);
    EXPECT(moved_wait_result, TW_E_CANCELED);
    u_wait_exit((int32_t)c);
    EXPECT(tw_close((int32_t)a), TW_OK);
    bodies_done++;
}

START_TEST(test_moved_handle_cancels_waiters)
{
    boot_spawn();
    ck_assert_int_eq(syscall_register_entry(body_waiter), TW_OK);
    new_thread(new_task("p"), body_move_waited, 0);
    run_checked(2);
}
END_TEST

/* A killed parent: its teardown, with children blocked and handles in both directions. */
static void body_killed_parent(uintptr_t arg)
{
    (void)arg;
    int32_t peer;
    int64_t a = u_pair(&peer, 0);
    int32_t hv[1] = {peer};
    EXPECT_OK(u_spawn("t sleep 0", hv, 1));
    EXPECT_OK(u_spawn("t spawn 3", NULL, 0));
    (void)a;
    bodies_done++;
    tw_sleep_ns(1000000000ull); /* killed by the fault below */
}

START_TEST(test_killed_parent_and_teardown)
{
    boot_spawn();
    struct task *p = new_task("p");
    new_thread(p, body_killed_parent, 0);
    ck_assert_int_eq(fault_schedule(FAULT_KILL, 500 * 1000, p->id), TW_OK);
    /* The children sleep forever: the run ends at its time limit; teardown kills them. */
    int why = k_run();
    ck_assert_int_eq(why, TR_END_TIME_LIMIT);
    k_check_invariants();
    check_expectations();
    ck_assert(p->exited && p->killed);
    ck_assert_uint_eq(p->nchildren, 0);
    /* Its four children and grandchildren are roots now, all alive. */
    unsigned roots = 0;
    for (struct task *t = task_first(); t != NULL; t = task_next(t))
        roots += t->spawned && !t->exited && t->parent == NULL;
    ck_assert_uint_eq(roots, 4);
    k_teardown();
    ck_assert_uint_eq(kobj_live_count(), 0);
}
END_TEST

static Suite *spawn_suite(void)
{
    Suite *s = suite_create("spawn");
    TCase *tc = tcase_create("spawn");
    tcase_add_test(tc, test_register);
    tcase_add_test(tc, test_spawn_child_gets);
    tcase_add_test(tc, test_spawn_handles_reach_child);
    tcase_add_test(tc, test_spawn_rejections_change_nothing);
    tcase_add_loop_test(tc, test_spawn_out_of_memory_changes_nothing, 0, 2);
    suite_add_tcase(s, tc);
    tc = tcase_create("tasks");
    tcase_add_test(tc, test_statuses_and_kills);
    tcase_add_test(tc, test_children_and_child_handles);
    tcase_add_test(tc, test_adoption);
    tcase_add_loop_test(tc, test_close_and_end_orders, 0, 2);
    tcase_add_test(tc, test_moved_handle_cancels_waiters);
    tcase_add_test(tc, test_killed_parent_and_teardown);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(spawn_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
