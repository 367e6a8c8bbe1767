/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_handles.c - unit tests of core/handle.c through the system calls that
 * use it (Check, forked mode).
 *
 * Each test boots the kernel (k_init over the simulator's pool), runs user threads that
 * make real system calls, records what they saw, and checks it after k_run; k_teardown
 * then asserts that no kernel object leaked. Covers the self handle, lowest-free handle
 * values, closing, bad and out-of-range handle values, rights (duplicate with fewer, never
 * more, or exactly the same with TW_RIGHTS_SAME), thread-local handles, and moving handles
 * through channel messages.
 */
#include <check.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/abi.h"
#include "../../core/handle.h"
#include "../../core/kernel.h"
#include "../../core/klib.h"
#include "../../core/obj.h"
#include "../../core/task.h"
#include "../../core/thread.h"
#include "../../core/trace.h"
#include "../../hal/hal.h"
#include "../../hal/sim/host.h"
#include "../../providers/providers.h"
#include "../../user/twain.h"
#include "kernel_harness.h"

/* ---- user-side helpers (run on a user thread: buffers live on its stack) -------------- */

static int64_t u_send_handles(int32_t ch, const char *s, const int32_t *hv, uint32_t n)
{
    char buf[64];
    int32_t hs[8] = {0};
    size_t len = strlen(s);
    memcpy(buf, s, len);
    memcpy(hs, hv, (n < 8 ? n : 8) * sizeof(int32_t));
    return tw_invoke(ch, TW_CHAN_WRITE_HANDLES, (uintptr_t)buf, len, (uintptr_t)hs, n);
}

/* ---- the self handle ---------------------------------------------------------------------- */

static void body_self(uintptr_t task_id)
{
    char b[4] = {0};
    EXPECT(tw_invoke(TW_HANDLE_SELF, TW_TASK_ID, 0, 0, 0, 0), task_id);
    EXPECT_OK(tw_invoke(TW_HANDLE_SELF, TW_TASK_THREAD_ID, 0, 0, 0, 0));
    EXPECT(tw_wait(TW_HANDLE_SELF, TW_SIG_EXITED, TW_DEADLINE_NOW), TW_E_TIMEDOUT);
    /* The self handle has INVOKE and WAIT only. */
    EXPECT(tw_read(TW_HANDLE_SELF, b, 1), TW_E_ACCESS);
    EXPECT(tw_write(TW_HANDLE_SELF, b, 1), TW_E_ACCESS);
    EXPECT(tw_seek(TW_HANDLE_SELF, 0, TW_SEEK_SET), TW_E_ACCESS);
    EXPECT(tw_invoke(TW_HANDLE_SELF, TW_TASK_DUPLICATE, 0, TW_RIGHT_INVOKE, 0, 0), TW_E_ACCESS);
    /* The first handle opened is 1: 0 is taken from the start. */
    EXPECT(u_open("null://", 0), 1);
    bodies_done++;
}

START_TEST(test_self_handle_is_zero)
{
    boot();
    struct task *t = new_task("self");
    ck_assert_uint_eq(handle_table_count(&t->handles), 1);
    struct handle_entry *e = handle_lookup(t, NULL, TW_HANDLE_SELF);
    ck_assert_ptr_nonnull(e);
    ck_assert_ptr_eq(e->obj, &t->obj);
    ck_assert_uint_eq(e->rights, TW_RIGHT_INVOKE | TW_RIGHT_WAIT);
    ck_assert_ptr_null(handle_lookup(t, NULL, 1));
    ck_assert_ptr_null(
        handle_lookup(t, NULL, TW_HANDLE_TLS_FIRST)); /* no thread: no local handles */
    new_thread(t, body_self, t->id);
    run_check(1);
}
END_TEST

static void body_close_self(uintptr_t arg)
{
    (void)arg;
    EXPECT(tw_close(TW_HANDLE_SELF), TW_E_INVAL);
    EXPECT(tw_close(TW_HANDLE_SELF), TW_E_INVAL);
    EXPECT(hal_trap(TW_SYS_CLOSE, 0, 0, 0, 0, 0, 0), TW_E_INVAL);
    /* Still the task: invoke works, and the self handle was not freed for reuse. */
    EXPECT_OK(tw_now());
    EXPECT(u_open("null://", 0), 1);
    EXPECT(tw_wait(TW_HANDLE_SELF, TW_SIG_EXITED, TW_DEADLINE_NOW), TW_E_TIMEDOUT);
    bodies_done++;
}

START_TEST(test_close_self_is_invalid)
{
    boot();
    new_thread(new_task("t"), body_close_self, 0);
    run_check(1);
}
END_TEST

/* ---- values, closing, bad handles --------------------------------------------------------- */

static void body_lowest_free(uintptr_t arg)
{
    (void)arg;
    EXPECT(u_open("null://", 0), 1);
    EXPECT(u_open("zero://", 0), 2);
    EXPECT(u_open("null://", 0), 3);
    EXPECT(tw_close(2), TW_OK);
    EXPECT(u_open("null://", 0), 2);
    EXPECT(tw_close(1), TW_OK);
    EXPECT(tw_close(3), TW_OK);
    EXPECT(u_open("null://", 0), 1);
    EXPECT(u_open("null://", 0), 3);
    EXPECT(u_open("null://", 0), 4);
    /* Across the first table page (256 entries): still consecutive, still lowest first. */
    for (int32_t want = 5; want < 300; want++) {
        int64_t h = u_open("null://", 0);
        if (h != want) {
            EXPECT(h, want);
            break;
        }
    }
    EXPECT(tw_close(255), TW_OK);
    EXPECT(tw_close(256), TW_OK);
    EXPECT(tw_close(100), TW_OK);
    EXPECT(u_open("null://", 0), 100);
    EXPECT(u_open("null://", 0), 255);
    EXPECT(u_open("null://", 0), 256);
    EXPECT(u_open("null://", 0), 300);
    char c = 'x';
    EXPECT(tw_write(299, &c, 1), 1);
    EXPECT(tw_write(256, &c, 1), 1);
    bodies_done++;
}

START_TEST(test_open_returns_lowest_free)
{
    boot();
    new_thread(new_task("t"), body_lowest_free, 0);
    run_check(1);
}
END_TEST

static void body_close_twice(uintptr_t arg)
{
    (void)arg;
    char c = 'x';
    int64_t h = u_open("null://", 0);
    EXPECT(h, 1);
    EXPECT(tw_write((int32_t)h, &c, 1), 1);
    EXPECT(tw_close((int32_t)h), TW_OK);
    EXPECT(tw_close((int32_t)h), TW_E_BADH);
    EXPECT(tw_write((int32_t)h, &c, 1), TW_E_BADH);
    EXPECT(tw_read((int32_t)h, &c, 1), TW_E_BADH);
    EXPECT(tw_wait((int32_t)h, TW_SIG_READABLE, TW_DEADLINE_NOW), TW_E_BADH);
    /* The value is free again, and then names the new object. */
    int32_t peer;
    EXPECT(u_pair(&peer, TW_O_NONBLOCK), 1);
    EXPECT(peer, 2);
    EXPECT(tw_close(1), TW_OK);
    EXPECT(tw_close(1), TW_E_BADH);
    EXPECT(tw_close(peer), TW_OK);
    EXPECT(tw_close(peer), TW_E_BADH);
    bodies_done++;
}

START_TEST(test_close_twice_is_bad_handle)
{
    boot();
    new_thread(new_task("t"), body_close_twice, 0);
    run_check(1);
}
END_TEST

static void body_bad_values(uintptr_t arg)
{
    (void)arg;
    static const int32_t bad[] = {7,     1 << 20,  INT32_MAX, -1, -16, TW_HANDLE_TLS_FIRST - 16,
                                  -1000, INT32_MIN};
    char buf[8] = {0};
    struct tw_poll_item item = {0};
    EXPECT(u_open("null://", 0), 1); /* a valid handle 1, so truncation to 1 would show */
    for (size_t i = 0; i < K_ARRAY_SIZE(bad); i++) {
        int32_t h = bad[i];
        EXPECT(tw_close(h), TW_E_BADH);
        EXPECT(tw_read(h, buf, 1), TW_E_BADH);
        EXPECT(tw_write(h, buf, 1), TW_E_BADH);
        EXPECT(tw_wait(h, TW_SIG_READABLE, TW_DEADLINE_NOW), TW_E_BADH);
        EXPECT(tw_invoke(h, TW_CHAN_PENDING, 0, 0, 0, 0), TW_E_BADH);
        EXPECT(tw_seek(h, 0, TW_SEEK_SET), TW_E_BADH);
        EXPECT(tw_tell(h), TW_E_BADH);
        EXPECT(tw_invoke(TW_HANDLE_SELF, TW_TASK_DUPLICATE, (uint64_t)(int64_t)h, 0, 0, 0),
               TW_E_BADH);
        item.handle = h;
        item.signals = TW_SIG_READABLE;
        EXPECT(tw_poll(&item, 1, TW_DEADLINE_NOW), TW_E_BADH);
    }
    /* 64-bit handle arguments that truncate to valid handles (1, or 0) are still bad. */
    static const uint64_t wide[] = {(1ull << 32) | 1, (1ull << 32), 0xffffffff00000001ull,
                                    0x8000000000000001ull, (uint64_t)INT32_MAX + 2};
    for (size_t i = 0; i < K_ARRAY_SIZE(wide); i++) {
        EXPECT(hal_trap(TW_SYS_WRITE, wide[i], (uintptr_t)buf, 1, 0, 0, 0), TW_E_BADH);
        EXPECT(hal_trap(TW_SYS_CLOSE, wide[i], 0, 0, 0, 0, 0), TW_E_BADH);
        EXPECT(hal_trap(TW_SYS_INVOKE, wide[i], TW_TASK_NOW, 0, 0, 0, 0), TW_E_BADH);
    }
    EXPECT(tw_write(1, buf, 1), 1); /* handle 1 untouched by all of that */
    bodies_done++;
}

START_TEST(test_bad_handle_values)
{
    boot();
    new_thread(new_task("t"), body_bad_values, 0);
    run_check(1);
}
END_TEST

/* ---- rights ------------------------------------------------------------------------------- */

static void body_dup_fewer_rights(uintptr_t arg)
{
    (void)arg;
    char buf[8];
    int32_t b;
    int64_t a = u_pair(&b, TW_O_NONBLOCK);
    EXPECT(a, 1);
    EXPECT(b, 2);
    /* A read/wait-only duplicate: gets the lowest free value, loses the rest. */
    int64_t d = tw_invoke(TW_HANDLE_SELF, TW_TASK_DUPLICATE, (uint64_t)a,
                          TW_RIGHT_READ | TW_RIGHT_WAIT, 0, 0);
    EXPECT(d, 3);
    EXPECT(u_send((int32_t)d, "x"), TW_E_ACCESS);
    EXPECT(tw_invoke((int32_t)d, TW_CHAN_PENDING, 0, 0, 0, 0), TW_E_ACCESS);
    EXPECT(tw_invoke(TW_HANDLE_SELF, TW_TASK_DUPLICATE, (uint64_t)d, TW_RIGHT_READ, 0, 0),
           TW_E_ACCESS); /* no DUPLICATE right left */
    EXPECT(tw_wait((int32_t)d, TW_SIG_WRITABLE, TW_DEADLINE_NOW), TW_SIG_WRITABLE);
    /* It still reads what the peer sends, through the same object. */
    EXPECT(u_send(b, "hi"), 2);
    EXPECT(tw_read((int32_t)d, buf, sizeof(buf)), 2);
    EXPECT(tw_read((int32_t)a, buf, sizeof(buf)), TW_E_WOULDBLOCK); /* consumed through d */
    /* A duplicate never gains rights. */
    EXPECT(tw_invoke(TW_HANDLE_SELF, TW_TASK_DUPLICATE, (uint64_t)a, TW_RIGHTS_ALL, 0, 0),
           TW_E_ACCESS); /* chan ends lack SEEK */
    /* A bit that is no right is a bad mask, not a missing right. */
    EXPECT(tw_invoke(TW_HANDLE_SELF, TW_TASK_DUPLICATE, (uint64_t)a, 1u << 7, 0, 0), TW_E_INVAL);
    EXPECT(tw_invoke(TW_HANDLE_SELF, TW_TASK_DUPLICATE, (uint64_t)a, 1ull << 40, 0, 0), TW_E_INVAL);
    /* A write-only duplicate cannot read or wait. */
    int64_t w = tw_invoke(TW_HANDLE_SELF, TW_TASK_DUPLICATE, (uint64_t)a, TW_RIGHT_WRITE, 0, 0);
    EXPECT(w, 4);
    EXPECT(u_send((int32_t)w, "yo"), 2);
    EXPECT(tw_read((int32_t)w, buf, sizeof(buf)), TW_E_ACCESS);
    EXPECT(tw_wait((int32_t)w, TW_SIG_WRITABLE, TW_DEADLINE_NOW), TW_E_ACCESS);
    struct tw_poll_item it = {.handle = (int32_t)w, .signals = TW_SIG_WRITABLE};
    EXPECT(tw_poll(&it, 1, TW_DEADLINE_NOW), TW_E_ACCESS);
    EXPECT(tw_read(b, buf, sizeof(buf)), 2);
    /* A zero-rights duplicate is a handle that can only be closed. */
    int64_t z = tw_invoke(TW_HANDLE_SELF, TW_TASK_DUPLICATE, (uint64_t)a, 0, 0, 0);
    EXPECT(z, 5);
    EXPECT(tw_read((int32_t)z, buf, 1), TW_E_ACCESS);
    EXPECT(tw_close((int32_t)z), TW_OK);
    bodies_done++;
}

START_TEST(test_duplicate_with_fewer_rights)
{
    boot();
    new_thread(new_task("t"), body_dup_fewer_rights, 0);
    run_check(1);
}
END_TEST

/* The rights handle h holds, read from the caller's own table. */
static int64_t rights_of(int64_t h)
{
    struct thread *me = thread_current();
    struct handle_entry *e = handle_lookup(me->task, me, (int32_t)h);
    return e != NULL ? (int64_t)e->rights : TW_E_BADH;
}

static void body_dup_same_rights(uintptr_t arg)
{
    (void)arg;
    char buf[8];
    int32_t b;
    /* Every kernel resource: the duplicate holds exactly what the original holds. */
    int64_t a = u_pair(&b, TW_O_NONBLOCK);
    int64_t z = u_open("zero://", 0);
    int64_t tm = u_open("timer://interval:1000/", 0);
    int64_t tl = u_open("null://", TW_O_THREAD_LOCAL);
    const int64_t src[] = {a, z, tm, tl};
    for (size_t i = 0; i < sizeof(src) / sizeof(src[0]); i++) {
        int64_t d =
            tw_invoke(TW_HANDLE_SELF, TW_TASK_DUPLICATE, (uint64_t)src[i], TW_RIGHTS_SAME, 0, 0);
        EXPECT_ITEM(i, d > 0, 1); /* a task handle, even of a thread-local one */
        EXPECT_ITEM(i, rights_of(d), rights_of(src[i]));
        EXPECT_ITEM(i, tw_close((int32_t)d), TW_OK);
    }
    /* It works as the original: sends, and its duplicates may duplicate again. */
    int64_t d = tw_invoke(TW_HANDLE_SELF, TW_TASK_DUPLICATE, (uint64_t)a, TW_RIGHTS_SAME, 0, 0);
    EXPECT(u_send((int32_t)d, "hi"), 2);
    EXPECT(tw_read(b, buf, sizeof(buf)), 2);
    int64_t dd = tw_invoke(TW_HANDLE_SELF, TW_TASK_DUPLICATE, (uint64_t)d, TW_RIGHTS_SAME, 0, 0);
    EXPECT(rights_of(dd), rights_of(a));
    /* Of a reduced handle: only what it holds. */
    int64_t r = tw_invoke(TW_HANDLE_SELF, TW_TASK_DUPLICATE, (uint64_t)a,
                          TW_RIGHT_READ | TW_RIGHT_DUPLICATE, 0, 0);
    int64_t rr = tw_invoke(TW_HANDLE_SELF, TW_TASK_DUPLICATE, (uint64_t)r, TW_RIGHTS_SAME, 0, 0);
    EXPECT(rights_of(rr), TW_RIGHT_READ | TW_RIGHT_DUPLICATE);
    EXPECT(u_send((int32_t)rr, "x"), TW_E_ACCESS);
    /* SAME is a whole mask: with any right, or any other stray bit, the mask is bad. */
    EXPECT(tw_invoke(TW_HANDLE_SELF, TW_TASK_DUPLICATE, (uint64_t)a, TW_RIGHTS_SAME | TW_RIGHT_READ,
                     0, 0),
           TW_E_INVAL);
    EXPECT(tw_invoke(TW_HANDLE_SELF, TW_TASK_DUPLICATE, (uint64_t)a, (uint64_t)TW_RIGHTS_SAME << 1,
                     0, 0),
           TW_E_INVAL);
    EXPECT(tw_invoke(TW_HANDLE_SELF, TW_TASK_DUPLICATE, (uint64_t)a,
                     (uint64_t)(int64_t)(int32_t)TW_RIGHTS_SAME, 0, 0),
           TW_E_INVAL); /* sign-extended: not SAME */
    /* The handle still needs DUPLICATE, and must exist. */
    int64_t nd = tw_invoke(TW_HANDLE_SELF, TW_TASK_DUPLICATE, (uint64_t)a, TW_RIGHT_READ, 0, 0);
    EXPECT(tw_invoke(TW_HANDLE_SELF, TW_TASK_DUPLICATE, (uint64_t)nd, TW_RIGHTS_SAME, 0, 0),
           TW_E_ACCESS);
    EXPECT(tw_invoke(TW_HANDLE_SELF, TW_TASK_DUPLICATE, 99, TW_RIGHTS_SAME, 0, 0), TW_E_BADH);
    EXPECT(tw_invoke(TW_HANDLE_SELF, TW_TASK_DUPLICATE, TW_HANDLE_SELF, TW_RIGHTS_SAME, 0, 0),
           TW_E_ACCESS); /* the self handle has no DUPLICATE */
    bodies_done++;
}

START_TEST(test_duplicate_same_rights)
{
    boot();
    new_thread(new_task("t"), body_dup_same_rights, 0);
    run_check(1);
}
END_TEST

static void body_dup_keeps_alive(uintptr_t arg)
{
    (void)arg;
    char buf[8];
    int32_t b;
    int64_t a = u_pair(&b, 0);
    int64_t d = tw_invoke(TW_HANDLE_SELF, TW_TASK_DUPLICATE, (uint64_t)a,
                          TW_RIGHT_WRITE | TW_RIGHT_WAIT, 0, 0);
    EXPECT_OK(d);
    EXPECT(tw_close((int32_t)a), TW_OK);
    /* The end lives on through d: the peer is not closed. */
    EXPECT(tw_wait(b, TW_SIG_PEER_CLOSED, TW_DEADLINE_NOW), TW_E_TIMEDOUT);
    EXPECT(u_send((int32_t)d, "abc"), 3);
    EXPECT(tw_read(b, buf, sizeof(buf)), 3);
    EXPECT(tw_close((int32_t)d), TW_OK);
    EXPECT(tw_wait(b, TW_SIG_PEER_CLOSED, TW_DEADLINE_NOW), TW_SIG_PEER_CLOSED);
    EXPECT(tw_read(b, buf, sizeof(buf)), TW_E_PEER);
    bodies_done++;
}

START_TEST(test_duplicate_keeps_object_alive)
{
    boot();
    new_thread(new_task("t"), body_dup_keeps_alive, 0);
    run_check(1);
}
END_TEST

static void body_rights_per_call(uintptr_t arg)
{
    (void)arg;
    char buf[8];
    int64_t z = u_open("zero://", 0); /* READ WRITE WAIT TRANSFER DUPLICATE */
    EXPECT(z, 1);
    EXPECT(tw_read((int32_t)z, buf, sizeof(buf)), sizeof(buf));
    EXPECT(tw_invoke((int32_t)z, TW_CHAN_PENDING, 0, 0, 0, 0), TW_E_ACCESS);
    EXPECT(tw_seek((int32_t)z, 0, TW_SEEK_SET), TW_E_ACCESS);
    EXPECT(tw_tell((int32_t)z), TW_E_ACCESS);
    /* Without TRANSFER a handle cannot go into a message. */
    int32_t b;
    int64_t a = u_pair(&b, TW_O_NONBLOCK);
    int64_t nt = tw_invoke(TW_HANDLE_SELF, TW_TASK_DUPLICATE, (uint64_t)z, TW_RIGHT_READ, 0, 0);
    EXPECT_OK(nt);
    int32_t hv[1] = {(int32_t)nt};
    EXPECT(u_send_handles((int32_t)a, "m", hv, 1), TW_E_ACCESS);
    EXPECT(tw_read((int32_t)nt, buf, 1), 1); /* not moved */
    EXPECT(tw_invoke(b, TW_CHAN_PENDING, 0, 0, 0, 0), 0);
    bodies_done++;
}

START_TEST(test_missing_rights_per_call)
{
    boot();
    new_thread(new_task("t"), body_rights_per_call, 0);
    run_check(1);
}
END_TEST

/* ---- thread-local handles ----------------------------------------------------------------- */

/* The n-th thread-local handle (1-based): TW_HANDLE_TLS_FIRST, then one below each time. */
#define TL(n) (TW_HANDLE_TLS_FIRST - ((n)-1))

static void body_tls_values(uintptr_t arg)
{
    (void)arg;
    char c = 'x';
    EXPECT(u_open("null://", TW_O_THREAD_LOCAL), TL(1));
    EXPECT(u_open("zero://", TW_O_THREAD_LOCAL), TL(2));
    EXPECT(u_open("null://", 0), 1); /* task handles are unaffected */
    EXPECT(tw_write(TL(1), &c, 1), 1);
    EXPECT(tw_read(TL(2), &c, 1), 1);
    EXPECT(tw_close(TL(1)), TW_OK);
    EXPECT(tw_close(TL(1)), TW_E_BADH);
    EXPECT(u_open("null://", TW_O_THREAD_LOCAL), TL(1)); /* lowest free again */
    /* Sixteen at most. */
    for (int32_t want = TL(3); want >= TL(16); want--)
        EXPECT(u_open("null://", TW_O_THREAD_LOCAL), want);
    EXPECT(u_open("null://", TW_O_THREAD_LOCAL), TW_E_LIMIT);
    EXPECT(u_open("null://", 0), 2);
    EXPECT(tw_close(TL(16)), TW_OK);
    EXPECT(u_open("null://", TW_O_THREAD_LOCAL), TL(16));
    /* A duplicate of a local handle is a task handle. */
    EXPECT(
        tw_invoke(TW_HANDLE_SELF, TW_TASK_DUPLICATE, (uint64_t)(int64_t)TL(2), TW_RIGHT_READ, 0, 0),
        3);
    bodies_done++;
}

START_TEST(test_thread_local_values_and_limit)
{
    boot();
    new_thread(new_task("t"), body_tls_values, 0);
    run_check(1);
}
END_TEST

static int32_t tls_peer; /* the task handle of the other end of thread A's local end */

static void body_tls_owner(uintptr_t arg)
{
    (void)arg;
    int64_t a = u_open("chan://?pair", TW_O_THREAD_LOCAL | TW_O_NONBLOCK);
    EXPECT(a, TL(1));
    int64_t p = tw_invoke(TL(1), TW_CHAN_TAKE_PEER, 0, 0, 0, 0);
    EXPECT(p, 1); /* the peer is a task handle */
    tls_peer = (int32_t)p;
    EXPECT(tw_sleep_ns(1000000), TW_OK); /* let the other thread try TL(1) */
    /* Nothing the other thread did reached this thread's TL(1). */
    EXPECT(tw_invoke(tls_peer, TW_CHAN_PENDING, 0, 0, 0, 0), 0);
    EXPECT(u_send(TL(1), "mine"), 4);
    EXPECT(tw_invoke(tls_peer, TW_CHAN_PENDING, 0, 0, 0, 0), 1);
    bodies_done++;
}

static void body_tls_other(uintptr_t arg)
{
    (void)arg;
    char buf[8];
    EXPECT(u_send(TL(1), "x"), TW_E_BADH);
    EXPECT(tw_read(TL(1), buf, sizeof(buf)), TW_E_BADH);
    EXPECT(tw_invoke(TL(1), TW_CHAN_PENDING, 0, 0, 0, 0), TW_E_BADH);
    EXPECT(tw_close(TL(1)), TW_E_BADH);
    EXPECT(
        tw_invoke(TW_HANDLE_SELF, TW_TASK_DUPLICATE, (uint64_t)(int64_t)TL(1), TW_RIGHT_READ, 0, 0),
        TW_E_BADH);
    /* Its own TL(1) is its own object. */
    EXPECT(u_open("null://", TW_O_THREAD_LOCAL), TL(1));
    EXPECT(u_send(TL(1), "y"), 1);
    bodies_done++;
}

START_TEST(test_thread_local_invisible_to_other_threads)
{
    boot();
    struct task *t = new_task("t");
    new_thread(t, body_tls_owner, 0);
    new_thread(t, body_tls_other, 0);
    run_check(2);
}
END_TEST

static uint32_t live_before_exit, live_after_exit;

static void body_tls_exits(uintptr_t arg)
{
    (void)arg;
    EXPECT(u_open("chan://?pair", TW_O_THREAD_LOCAL), TL(1));
    int64_t p = tw_invoke(TL(1), TW_CHAN_TAKE_PEER, 0, 0, 0, 0);
    EXPECT(p, 1);
    tls_peer = (int32_t)p;
    EXPECT(u_send(TL(1), "bye"), 3);
    live_before_exit = kobj_live_count();
    bodies_done++;
    tw_thread_exit(); /* without closing TL(1) */
}

static void body_tls_watcher(uintptr_t arg)
{
    (void)arg;
    char buf[8];
    EXPECT(tw_wait(tls_peer, TW_SIG_PEER_CLOSED, TW_DEADLINE_NEVER), TW_SIG_PEER_CLOSED);
    /* The queued message survives its sender's end; then the peer is gone. */
    EXPECT(tw_read(tls_peer, buf, sizeof(buf)), 3);
    EXPECT(tw_read(tls_peer, buf, sizeof(buf)), TW_E_PEER);
    EXPECT(tw_sleep_ns(1000), TW_OK); /* after a switch the exited thread is reaped */
    live_after_exit = kobj_live_count();
    bodies_done++;
}

START_TEST(test_thread_local_closed_at_thread_exit)
{
    boot();
    struct task *t = new_task("t");
    new_thread(t, body_tls_exits, 0);
    new_thread(t, body_tls_watcher, 0);
    int why = k_run();
    ck_assert_int_eq(why, TR_END_DONE);
    check_expectations();
    ck_assert_uint_eq(bodies_done, 2);
    /* Gone at the exit: the local end and the exited thread object. */
    ck_assert_uint_eq(live_before_exit - live_after_exit, 2);
    k_teardown();
}
END_TEST

/* ---- handles in messages ------------------------------------------------------------------ */

static void body_transfer_moves(uintptr_t arg)
{
    (void)arg;
    char buf[16];
    int32_t b, y, got[4] = {-99, -99, -99, -99};
    int64_t a = u_pair(&b, TW_O_NONBLOCK); /* 1, 2: the carrier */
    int64_t x = u_pair(&y, TW_O_NONBLOCK); /* 3, 4: the payload x, kept end y */
    EXPECT(a, 1);
    EXPECT(x, 3);
    int32_t hv[1] = {(int32_t)x};
    EXPECT(u_send_handles((int32_t)a, "take", hv, 1), 4);
    /* Moved: the sender's handle is gone and its value free. */
    EXPECT(u_send((int32_t)x, "z"), TW_E_BADH);
    EXPECT(tw_close((int32_t)x), TW_E_BADH);
    EXPECT(tw_wait(y, TW_SIG_PEER_CLOSED, TW_DEADLINE_NOW), TW_E_TIMEDOUT); /* alive in flight */
    EXPECT(u_open("null://", 0), 3);
    EXPECT(tw_close(3), TW_OK);
    /* Received: installed at the lowest free value, with its rights and object. */
    EXPECT(tw_invoke(b, TW_CHAN_READ_HANDLES, (uintptr_t)buf, sizeof(buf), (uintptr_t)got, 4), 4);
    EXPECT(got[0], 3);
    EXPECT(memcmp(buf, "take", 4), 0);
    EXPECT(u_send(got[0], "via"), 3);
    EXPECT(tw_read(y, buf, sizeof(buf)), 3);
    EXPECT(u_send(y, "back"), 4);
    EXPECT(tw_read(got[0], buf, sizeof(buf)), 4);
    bodies_done++;
}

START_TEST(test_transfer_moves_handle)
{
    boot();
    new_thread(new_task("t"), body_transfer_moves, 0);
    run_check(1);
}
END_TEST

static void body_transfer_rights_kept(uintptr_t arg)
{
    (void)arg;
    char buf[8];
    int32_t b, y, got[4];
    int64_t a = u_pair(&b, TW_O_NONBLOCK);
    int64_t x = u_pair(&y, TW_O_NONBLOCK);
    int64_t r = tw_invoke(TW_HANDLE_SELF, TW_TASK_DUPLICATE, (uint64_t)x,
                          TW_RIGHT_READ | TW_RIGHT_TRANSFER, 0, 0);
    EXPECT_OK(r);
    int32_t hv[1] = {(int32_t)r};
    EXPECT(u_send_handles((int32_t)a, "r", hv, 1), 1);
    EXPECT(tw_invoke(b, TW_CHAN_READ_HANDLES, (uintptr_t)buf, sizeof(buf), (uintptr_t)got, 1), 1);
    EXPECT(u_send(got[0], "w"), TW_E_ACCESS); /* still read-only after the move */
    EXPECT(u_send(y, "q"), 1);
    EXPECT(tw_read(got[0], buf, sizeof(buf)), 1);
    bodies_done++;
}

START_TEST(test_transfer_keeps_rights)
{
    boot();
    new_thread(new_task("t"), body_transfer_rights_kept, 0);
    run_check(1);
}
END_TEST

static void body_transfer_rejects(uintptr_t arg)
{
    (void)arg;
    char c = 'c';
    int32_t b, y;
    int64_t a = u_pair(&b, TW_O_NONBLOCK);
    int64_t x = u_pair(&y, TW_O_NONBLOCK);
    int32_t own[1] = {(int32_t)a};
    EXPECT(u_send_handles((int32_t)a, "own", own, 1), TW_E_INVAL);
    int32_t self[1] = {TW_HANDLE_SELF};
    int64_t r = u_send_handles((int32_t)a, "self", self, 1);
    EXPECT(r < 0, 1); /* the self handle never travels (it lacks TRANSFER, too) */
    int32_t twice[2] = {(int32_t)x, (int32_t)x};
    EXPECT(u_send_handles((int32_t)a, "2x", twice, 2), TW_E_INVAL);
    int32_t bad_second[2] = {(int32_t)x, 77};
    EXPECT(u_send_handles((int32_t)a, "bad", bad_second, 2), TW_E_BADH);
    int32_t five[5] = {(int32_t)x, (int32_t)y, -1, -2, -3};
    EXPECT(u_send_handles((int32_t)a, "5", five, 5), TW_E_TOOBIG);
    /* All or nothing: x was never moved, and nothing was queued. */
    EXPECT(u_send((int32_t)x, "still"), 5);
    EXPECT(tw_invoke(b, TW_CHAN_PENDING, 0, 0, 0, 0), 0);
    EXPECT(tw_write((int32_t)a, &c, 1), 1); /* the carrier is fine */
    /* A full carrier moves nothing either (its peer taken: see the in-flight test). */
    int64_t f = u_open("chan://?pair&cap=1", TW_O_NONBLOCK);
    EXPECT_OK(tw_invoke((int32_t)f, TW_CHAN_TAKE_PEER, 0, 0, 0, 0));
    EXPECT(tw_write((int32_t)f, &c, 1), 1);
    int32_t one[1] = {(int32_t)x};
    EXPECT(u_send_handles((int32_t)f, "full", one, 1), TW_E_WOULDBLOCK);
    EXPECT(u_send((int32_t)x, "kept"), 4);
    bodies_done++;
}

START_TEST(test_transfer_rejections_move_nothing)
{
    boot();
    new_thread(new_task("t"), body_transfer_rejects, 0);
    run_check(1);
}
END_TEST

/*
 * Ends that would hold each other in their queues with no handle left anywhere else leak
 * (the fuzzer found it: scenarios/regress/fuzz-chan-cycle.json). An end or a port may not
 * go into the queue of an end that is itself in flight: in a message, or a fresh pair's
 * untaken end. Other handles may, and so may ends once the carrier is out of flight.
 */
static void body_in_flight_queues(uintptr_t arg)
{
    (void)arg;
    int32_t b, d;
    int64_t a = u_pair(&b, TW_O_NONBLOCK);
    int64_t c = u_pair(&d, TW_O_NONBLOCK);
    int32_t hb[1] = {b};
    EXPECT(u_send_handles((int32_t)c, "b", hb, 1), 1); /* b rides in d's queue */
    int32_t hd[1] = {d};
    EXPECT(u_send_handles((int32_t)a, "d", hd, 1), TW_E_INVAL); /* d into b's: a cycle */
    int64_t t = u_open("timer://interval:10/", 0);
    int32_t ht[1] = {(int32_t)t};
    EXPECT(u_send_handles((int32_t)a, "t", ht, 1), 1); /* not a queue: no cycle */
    int64_t p = u_open("chan://inflight?listen", 0);
    int32_t hp[1] = {(int32_t)p};
    EXPECT(u_send_handles((int32_t)a, "p", hp, 1), TW_E_INVAL); /* a port neither */
    /* A fresh pair's untaken end is in flight too: it may not receive d... */
    int64_t f = u_open("chan://?pair", TW_O_NONBLOCK);
    EXPECT(u_send_handles((int32_t)f, "d", hd, 1), TW_E_INVAL);
    /* ...until it is taken. */
    int64_t g = tw_invoke((int32_t)f, TW_CHAN_TAKE_PEER, 0, 0, 0, 0);
    EXPECT_OK(g);
    EXPECT(u_send_handles((int32_t)f, "d", hd, 1), 1); /* d rides in g's queue */
    /* Read back: g's message carries d, and d's queue still holds the message with b. */
    int32_t got[4] = {-1, -1, -1, -1};
    char buf[8];
    EXPECT(
        tw_invoke((int32_t)g, TW_CHAN_READ_HANDLES, (uintptr_t)buf, sizeof(buf), (uintptr_t)got, 4),
        1);
    EXPECT(tw_invoke((int32_t)got[0], TW_CHAN_READ_HANDLES, (uintptr_t)buf, sizeof(buf),
                     (uintptr_t)got, 4),
           1);
    EXPECT(u_send((int32_t)got[0], "b ok"), 4); /* b, out of flight, writes to a's queue */
    bodies_done++;
}

START_TEST(test_transfer_into_in_flight_queue_refused)
{
    boot();
    new_thread(new_task("t"), body_in_flight_queues, 0);
    run_check(1);
}
END_TEST

static int64_t peer_send_result;

static void body_send_peer_end(uintptr_t arg)
{
    (void)arg;
    int32_t b;
    int64_t a = u_pair(&b, TW_O_NONBLOCK);
    int32_t hv[1] = {b};
    /* b's own queue would then hold b's only handle: nothing could ever close it. */
    peer_send_result = u_send_handles((int32_t)a, "cycle", hv, 1);
    EXPECT(tw_close((int32_t)a), TW_OK);
    if (peer_send_result < 0)
        EXPECT(tw_close(b), TW_OK);
    bodies_done++;
}

/*
 * Sending a pair's other end through the pair itself must either be refused (like sending
 * the end itself) or not leak: after the task has ended every channel end must be gone.
 */
START_TEST(test_transfer_peer_end_through_itself_does_not_leak)
{
    boot();
    new_thread(new_task("t"), body_send_peer_end, 0);
    ck_assert_int_eq(k_run(), TR_END_DONE);
    check_expectations();
    /* Only the ended task's object may remain (the kernel's list holds it). */
    ck_assert_msg(kobj_live_count() == 1,
                  "%u kernel objects alive after the task ended (send returned %" PRId64 ")",
                  kobj_live_count(), peer_send_result);
    k_teardown();
}
END_TEST

static void body_dropped_on_close(uintptr_t arg)
{
    char buf[8];
    int32_t b, y;
    int64_t a = u_pair(&b, TW_O_NONBLOCK);
    int64_t x = u_pair(&y, TW_O_NONBLOCK);
    int32_t hv[1] = {(int32_t)x};
    EXPECT(u_send_handles((int32_t)a, "drop", hv, 1), 4);
    EXPECT(tw_wait(y, TW_SIG_PEER_CLOSED, TW_DEADLINE_NOW), TW_E_TIMEDOUT);
    if (arg == 0) {
        EXPECT(tw_close(b), TW_OK); /* the receiver goes away with the message unread */
    } else {
        EXPECT(tw_read(b, buf, sizeof(buf)), 4); /* a plain read drops carried handles */
        EXPECT(memcmp(buf, "drop", 4), 0);
    }
    EXPECT(tw_wait(y, TW_SIG_PEER_CLOSED, TW_DEADLINE_NOW), TW_SIG_PEER_CLOSED);
    EXPECT(tw_read(y, buf, sizeof(buf)), TW_E_PEER);
    EXPECT(u_send(y, "x"), TW_E_PEER);
    EXPECT(u_open("null://", 0), arg == 0 ? 2 : 3); /* nothing was installed anywhere */
    bodies_done++;
}

START_TEST(test_unread_message_handles_are_closed)
{
    boot();
    new_thread(new_task("t"), body_dropped_on_close, (uintptr_t)_i);
    run_check(1);
}
END_TEST

static void body_cap_too_small(uintptr_t arg)
{
    (void)arg;
    char buf[8];
    int32_t b, y, z, got[4] = {-99, -99, -99, -99};
    int64_t a = u_pair(&b, TW_O_NONBLOCK);
    int64_t x = u_pair(&y, TW_O_NONBLOCK);
    int64_t w = u_pair(&z, TW_O_NONBLOCK);
    int32_t hv[2] = {(int32_t)x, (int32_t)w};
    EXPECT(u_send_handles((int32_t)a, "two", hv, 2), 3);
    EXPECT(tw_invoke(b, TW_CHAN_READ_HANDLES, (uintptr_t)buf, sizeof(buf), (uintptr_t)got, 1),
           TW_E_TOOBIG);
    EXPECT(tw_invoke(b, TW_CHAN_READ_HANDLES, (uintptr_t)buf, 2, (uintptr_t)got, 4), TW_E_TOOBIG);
    EXPECT(tw_invoke(b, TW_CHAN_PENDING, 0, 0, 0, 0), 1); /* kept */
    EXPECT(got[0], -99);
    EXPECT(tw_invoke(b, TW_CHAN_READ_HANDLES, (uintptr_t)buf, sizeof(buf), (uintptr_t)got, 2), 3);
    EXPECT(got[0], (int32_t)x); /* the lowest free values, in message order */
    EXPECT(got[1], (int32_t)w);
    EXPECT(u_send(got[1], "w"), 1);
    EXPECT(tw_read(z, buf, sizeof(buf)), 1);
    bodies_done++;
}

START_TEST(test_read_handles_too_small_keeps_message)
{
    boot();
    new_thread(new_task("t"), body_cap_too_small, 0);
    run_check(1);
}
END_TEST

static int32_t waited_handle;

static void body_wait_on_moved(uintptr_t arg)
{
    (void)arg;
    char buf[8];
    int32_t y;
    int64_t x = u_pair(&y, 0);
    waited_handle = (int32_t)x;
    /* Blocks until the other thread sends x away: then the wait is cancelled. */
    EXPECT(tw_read((int32_t)x, buf, sizeof(buf)), TW_E_CANCELED);
    EXPECT(tw_wait(y, TW_SIG_PEER_CLOSED, TW_DEADLINE_NOW), TW_E_TIMEDOUT);
    bodies_done++;
}

static void body_move_waited(uintptr_t arg)
{
    (void)arg;
    char buf[8];
    int32_t b, got[1];
    EXPECT(tw_sleep_ns(1000), TW_OK); /* the other thread blocks first */
    int64_t a = u_pair(&b, TW_O_NONBLOCK);
    int32_t hv[1] = {waited_handle};
    EXPECT(u_send_handles((int32_t)a, "mv", hv, 1), 2);
    EXPECT(tw_invoke(b, TW_CHAN_READ_HANDLES, (uintptr_t)buf, sizeof(buf), (uintptr_t)got, 1), 2);
    EXPECT(tw_sleep_ns(1000), TW_OK);
    EXPECT(tw_close(got[0]), TW_OK);
    bodies_done++;
}

START_TEST(test_transfer_cancels_waiters_on_moved_handle)
{
    boot();
    struct task *t = new_task("t");
    new_thread(t, body_wait_on_moved, 0);
    new_thread(t, body_move_waited, 0);
    run_check(2);
}
END_TEST

/* ---- runner ----------------------------------------------------------------------------- */

static Suite *handles_suite(void)
{
    Suite *s = suite_create("handles");
    TCase *tc = tcase_create("values");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_self_handle_is_zero);
    tcase_add_test(tc, test_close_self_is_invalid);
    tcase_add_test(tc, test_open_returns_lowest_free);
    tcase_add_test(tc, test_close_twice_is_bad_handle);
    tcase_add_test(tc, test_bad_handle_values);
    suite_add_tcase(s, tc);

    tc = tcase_create("rights");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_duplicate_with_fewer_rights);
    tcase_add_test(tc, test_duplicate_same_rights);
    tcase_add_test(tc, test_duplicate_keeps_object_alive);
    tcase_add_test(tc, test_missing_rights_per_call);
    suite_add_tcase(s, tc);

    tc = tcase_create("thread-local");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_thread_local_values_and_limit);
    tcase_add_test(tc, test_thread_local_invisible_to_other_threads);
    tcase_add_test(tc, test_thread_local_closed_at_thread_exit);
    suite_add_tcase(s, tc);

    tc = tcase_create("transfer");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_transfer_moves_handle);
    tcase_add_test(tc, test_transfer_keeps_rights);
    tcase_add_test(tc, test_transfer_rejections_move_nothing);
    tcase_add_test(tc, test_transfer_into_in_flight_queue_refused);
    tcase_add_test(tc, test_transfer_peer_end_through_itself_does_not_leak);
    tcase_add_loop_test(tc, test_unread_message_handles_are_closed, 0, 2);
    tcase_add_test(tc, test_read_handles_too_small_keeps_message);
    tcase_add_test(tc, test_transfer_cancels_waiters_on_moved_handle);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(handles_suite());
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
