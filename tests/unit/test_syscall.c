/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_syscall.c - unit tests of core/syscall.c and core/usercopy.c: every system
 * call given bad arguments (Check, forked mode).
 *
 * Each test boots the kernel and runs user threads that call the nine system calls with
 * unknown numbers, bad user pointers (NULL, tiny, host memory, kernel memory, another
 * task's stack, wrapping ranges, ranges straddling the ends of the stack and of a heap
 * region), bad flags, malformed URLs, unknown schemes and operations, and out-of-range
 * poll and wait arguments. Every call must fail with its documented error and change
 * nothing; afterwards the task must still work, and k_teardown must find nothing leaked.
 * A last test throws a few thousand seeded combinations of bad arguments at the kernel.
 */
#include <check.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/abi.h"
#include "../../core/kernel.h"
#include "../../core/klib.h"
#include "../../core/obj.h"
#include "../../core/prng.h"
#include "../../core/syscall.h"
#include "../../core/task.h"
#include "../../core/thread.h"
#include "../../core/trace.h"
#include "../../core/url.h"
#include "../../hal/hal.h"
#include "../../hal/sim/host.h"
#include "../../providers/providers.h"
#include "../../user/twain.h"
#include "kernel_harness.h"

/* ---- user-side helpers ------------------------------------------------------------------ */

/* The task still works: a pair carries a message both ways, null:// swallows bytes. */
static void expect_task_works(int line)
{
    char buf[16];
    char url[] = "chan://?pair";
    int64_t a = tw_open_n(url, sizeof(url) - 1, TW_O_NONBLOCK);
    int64_t b = a < 0 ? a : tw_invoke((int32_t)a, TW_CHAN_TAKE_PEER, 0, 0, 0, 0);
    expect_at(line, -1, a, WANT_NONNEG);
    expect_at(line, -1, b, WANT_NONNEG);
    expect_at(line, -1, tw_write((int32_t)a, "ping", 4) == TW_E_FAULT, 1); /* a host literal */
    memcpy(buf, "ping", 4);
    expect_at(line, -1, tw_write((int32_t)a, buf, 4), 4);
    memset(buf, 0, sizeof(buf));
    expect_at(line, -1, tw_read((int32_t)b, buf, sizeof(buf)), 4);
    expect_at(line, -1, memcmp(buf, "ping", 4), 0);
    expect_at(line, -1, tw_close((int32_t)b), TW_OK);
    expect_at(line, -1, tw_close((int32_t)a), TW_OK);
    expect_at(line, -1, tw_now(), WANT_NONNEG);
}

#define EXPECT_TASK_WORKS() expect_task_works(__LINE__)

/* The running thread's stack: [lo, hi). */
static void my_stack(uintptr_t *lo, uintptr_t *hi)
{
    const struct thread *me = thread_current();
    *lo = me->stack_region->base;
    *hi = me->stack_region->base + me->stack_region->len;
}

static char host_static[64];        /* process memory no task owns */
static void *heap_region;           /* pages given to the task before the run */
static struct thread *other_thread; /* a thread of another task */

/* ---- unknown system calls ---------------------------------------------------------------- */

static void body_unknown_numbers(uintptr_t arg)
{
    (void)arg;
    static const uint64_t numbers[] = {TW_SYS_COUNT, 10, 1000, 1ull << 32, INT64_MAX, UINT64_MAX};
    uint64_t before = syscall_count();
    for (size_t i = 0; i < K_ARRAY_SIZE(numbers); i++)
        EXPECT(hal_trap(numbers[i], 1, 2, 3, 4, 5, 6), TW_E_INVAL);
    EXPECT(syscall_count() - before, K_ARRAY_SIZE(numbers)); /* each one counted, none ran */
    EXPECT_TASK_WORKS();
    bodies_done++;
}

START_TEST(test_unknown_syscall_numbers)
{
    boot();
    new_thread(new_task("t"), body_unknown_numbers, 0);
    run_check(1);
}
END_TEST

/* ---- bad user pointers -------------------------------------------------------------------- */

static void body_bad_pointers(uintptr_t arg)
{
    (void)arg;
    char ok[32] = "0123456789abcdef0123456789abcde";
    uintptr_t lo, hi;
    my_stack(&lo, &hi);
    int32_t nul = (int32_t)u_open("null://", 0), zero = (int32_t)u_open("zero://", 0);
    EXPECT(nul, 1);
    EXPECT(zero, 2);
    const struct {
        uint64_t p, len;
    } bad[] = {
        {0, 1},                                          /* NULL */
        {1, 1},                                          /* the first page */
        {4096, 8},                                       /* low memory */
        {(uintptr_t)host_static, 8},                     /* host memory no task owns */
        {(uintptr_t)thread_current(), 8},                /* kernel memory in the pool */
        {(uintptr_t)other_thread->ustack, 8},            /* another task's stack */
        {(uintptr_t)other_thread->ustack + 16000, 8},    /* ... its top */
        {UINT64_MAX - 3, 8},                             /* wraps around */
        {UINT64_MAX, 1},                                 /* the last byte */
        {(uintptr_t)ok, UINT64_MAX - (uintptr_t)ok + 2}, /* a length that wraps */
        {hi - 8, 16},                                    /* straddles the stack's end */
        {hi, 1},                                         /* just past the stack */
        {lo - 8, 16},                                    /* straddles the stack's start */
        {lo - 1, 1},                                     /* just below it */
        {(uintptr_t)heap_region + 4096 - 4, 8},          /* straddles the heap's end */
        {(uintptr_t)heap_region - 4, 8},                 /* and its start */
        {lo, hi - lo + 1},                               /* the whole stack and one more */
    };
    uintptr_t heap = (uintptr_t)heap_region;
    for (size_t i = 0; i < K_ARRAY_SIZE(bad); i++) {
        if (bad[i].p >= heap && bad[i].p - heap < 4096 && bad[i].len <= 4096 - (bad[i].p - heap))
            continue; /* the heap page happens to be right next to the stack: task memory */
        int64_t r = hal_trap(TW_SYS_WRITE, (uint64_t)nul, bad[i].p, bad[i].len, 0, 0, 0);
        /* A wrapping length is also too big for one call; both answers refuse it. */
        if (bad[i].len > SYS_IO_MAX)
            EXPECT(r == TW_E_TOOBIG || r == TW_E_FAULT, 1);
        else
            EXPECT_ITEM(i, r, TW_E_FAULT);
        if (bad[i].len <= SYS_IO_MAX)
            EXPECT_ITEM(i, hal_trap(TW_SYS_READ, (uint64_t)zero, bad[i].p, bad[i].len, 0, 0, 0),
                        TW_E_FAULT);
    }
    /* Reading into host memory failed without writing it. */
    int untouched = 1;
    for (size_t i = 0; i < sizeof(host_static); i++)
        untouched &= host_static[i] == 0x55;
    EXPECT(untouched, 1);
    /* Good ranges: the stack's last bytes, the whole heap page, zero lengths anywhere. */
    EXPECT(tw_write(nul, (const void *)(hi - 16), 16), 16);
    EXPECT(tw_read(zero, (uint8_t *)heap_region + 4096 - 16, 16), 16);
    EXPECT(tw_write(nul, heap_region, 4096), 4096);
    EXPECT(tw_read(zero, heap_region, 4096), 4096);
    EXPECT(tw_write(nul, NULL, 0), 0);
    EXPECT(tw_write(nul, host_static, 0), 0);
    EXPECT(tw_read(zero, ok, sizeof(ok)), sizeof(ok));
    EXPECT(ok[0] == 0 && ok[31] == 0, 1);
    EXPECT_TASK_WORKS();
    bodies_done++;
}

static void body_idle_other(uintptr_t arg)
{
    (void)arg;
    bodies_done++;
}

START_TEST(test_bad_user_pointers)
{
    boot();
    memset(host_static, 0x55, sizeof(host_static));
    struct task *t = new_task("t");
    heap_region = task_alloc_region(t, 1);
    ck_assert_ptr_nonnull(heap_region);
    new_thread(t, body_bad_pointers, 0);
    other_thread = new_thread(new_task("other"), body_idle_other, 0);
    run_check(2);
}
END_TEST

static void body_bad_pointers_other_calls(uintptr_t arg)
{
    (void)arg;
    uintptr_t lo, hi;
    my_stack(&lo, &hi);
    char buf[16] = {0};
    int32_t hv[4] = {0};
    char url[] = "null://";
    /* open: the URL must be task memory. */
    EXPECT(tw_open_n(NULL, 7, 0), TW_E_FAULT);
    EXPECT(tw_open_n("null://", 7, 0), TW_E_FAULT); /* a literal: host memory */
    EXPECT(tw_open_n((const char *)(hi - 4), 8, 0), TW_E_FAULT);
    EXPECT(tw_open_n((const char *)thread_current(), 7, 0), TW_E_FAULT);
    /* poll: the items array, in and out. */
    struct tw_poll_item items[2] = {{.handle = 0, .signals = TW_SIG_EXITED}};
    EXPECT(tw_poll(NULL, 1, TW_DEADLINE_NOW), TW_E_FAULT);
    EXPECT(tw_poll((struct tw_poll_item *)host_static, 1, TW_DEADLINE_NOW), TW_E_FAULT);
    EXPECT(tw_poll((struct tw_poll_item *)(hi - sizeof(items[0])), 2, TW_DEADLINE_NOW), TW_E_FAULT);
    EXPECT(tw_poll(items, 1, TW_DEADLINE_NOW), TW_E_TIMEDOUT); /* the good one */
    /* Handle messages: the data and the handle array. */
    EXPECT(tw_open_n(url, 7, 0), 1); /* null:// as handle 1 */
    char pair[] = "chan://?pair";
    int64_t a = tw_open_n(pair, sizeof(pair) - 1, TW_O_NONBLOCK);
    int32_t b = (int32_t)tw_invoke((int32_t)a, TW_CHAN_TAKE_PEER, 0, 0, 0, 0);
    EXPECT_OK(b);
    EXPECT(tw_invoke((int32_t)a, TW_CHAN_WRITE_HANDLES, 0, 4, (uintptr_t)hv, 0), TW_E_FAULT);
    EXPECT(
        tw_invoke((int32_t)a, TW_CHAN_WRITE_HANDLES, (uintptr_t)host_static, 4, (uintptr_t)hv, 0),
        TW_E_FAULT);
    hv[0] = 1; /* the null:// handle: movable, if the array were readable */
    EXPECT(
        tw_invoke((int32_t)a, TW_CHAN_WRITE_HANDLES, (uintptr_t)buf, 4, (uintptr_t)host_static, 1),
        TW_E_FAULT);
    EXPECT(tw_invoke((int32_t)a, TW_CHAN_WRITE_HANDLES, (uintptr_t)buf, 4, hi - 2, 1), TW_E_FAULT);
    EXPECT(tw_invoke(b, TW_CHAN_PENDING, 0, 0, 0, 0), 0); /* nothing was sent */
    memcpy(buf, "data", 4);
    EXPECT(tw_write((int32_t)a, buf, 4), 4);
    EXPECT(tw_invoke(b, TW_CHAN_READ_HANDLES, (uintptr_t)host_static, 16, (uintptr_t)hv, 4),
           TW_E_FAULT);
    EXPECT(tw_invoke(b, TW_CHAN_READ_HANDLES, (uintptr_t)buf, 16, (uintptr_t)host_static, 4),
           TW_E_FAULT);
    EXPECT(tw_invoke(b, TW_CHAN_READ_HANDLES, (uintptr_t)buf, 16, 0, 4), TW_E_FAULT);
    EXPECT(tw_invoke(b, TW_CHAN_PENDING, 0, 0, 0, 0), 1); /* still queued */
    EXPECT(tw_invoke(b, TW_CHAN_READ_HANDLES, (uintptr_t)buf, 16, (uintptr_t)hv, 4), 4);
    EXPECT(tw_write(1, buf, 1), 1); /* the null handle never moved */
    EXPECT_TASK_WORKS();
    bodies_done++;
}

START_TEST(test_bad_pointers_in_open_poll_and_messages)
{
    boot();
    new_thread(new_task("t"), body_bad_pointers_other_calls, 0);
    run_check(1);
}
END_TEST

/* ---- open: flags, lengths, URLs ----------------------------------------------------------- */

static void body_bad_open(uintptr_t arg)
{
    (void)arg;
    char url[16] = "null://";
    EXPECT(tw_open_n(url, 7, 1u << 4), TW_E_INVAL);
    EXPECT(tw_open_n(url, 7, 1u << 31), TW_E_INVAL);
    EXPECT(tw_open_n(url, 7, UINT32_MAX), TW_E_INVAL);
    EXPECT(hal_trap(TW_SYS_OPEN, (uintptr_t)url, 7, 1ull << 32, 0, 0, 0), TW_E_INVAL);
    EXPECT(hal_trap(TW_SYS_OPEN, (uintptr_t)url, 7, (1ull << 32) | TW_O_NONBLOCK, 0, 0, 0),
           TW_E_INVAL);
    EXPECT(tw_open_n(url, 0, 0), TW_E_INVAL);
    EXPECT(hal_trap(TW_SYS_OPEN, (uintptr_t)url, URL_MAX_LEN + 1, 0, 0, 0, 0), TW_E_TOOBIG);
    EXPECT(hal_trap(TW_SYS_OPEN, (uintptr_t)url, UINT64_MAX, 0, 0, 0, 0), TW_E_TOOBIG);
    static const char *const syntax[] = {
        "null:/",   "null",     "://",        "NULL://",
        "nu ll://", "null://[", "null://a b", "null://:123456789012345678901",
        "1null://", "null:/x"};
    for (size_t i = 0; i < K_ARRAY_SIZE(syntax); i++)
        EXPECT_ITEM(i, u_open(syntax[i], 0), TW_E_SYNTAX);
    /* A NUL inside the length is a bad character, not the end of the URL. */
    EXPECT(tw_open_n(url, 8, 0), TW_E_SYNTAX);
    static const char *const noent[] = {"nosuch://", "nul://", "nulll://", "chan2://?pair",
                                        "file:///etc/passwd"};
    for (size_t i = 0; i < K_ARRAY_SIZE(noent); i++)
        EXPECT_ITEM(i, u_open(noent[i], 0), TW_E_NOENT);
    /* A known scheme that rejects the rest of the URL. */
    static const char *const inval[] = {"null://host",      "zero://:1",         "console://x",
                                        "timer://bogus:5/", "timer://interval/", "null://[zero://]",
                                        "null://:99999"}; /* a port, of any value */
    for (size_t i = 0; i < K_ARRAY_SIZE(inval); i++)
        EXPECT_ITEM(i, u_open(inval[i], 0), TW_E_INVAL);
    /* The longest URL passes the length check and the parser; null:// then refuses its host. */
    char longest[URL_MAX_LEN];
    memset(longest, 'a', sizeof(longest));
    memcpy(longest, "null://hhhhhhhhhhhhhhh/", 23); /* 15-byte host, then a 999-byte path */
    memcpy(longest + sizeof(longest) - 2, "?x", 2);
    EXPECT(tw_open_n(longest, sizeof(longest), 0), TW_E_INVAL);
    /* Nothing above opened anything: the next handle is 1. */
    EXPECT(u_open("null://", TW_O_CREATE | TW_O_TRUNC), 1);
    EXPECT_TASK_WORKS();
    bodies_done++;
}

START_TEST(test_open_bad_flags_and_urls)
{
    boot();
    new_thread(new_task("t"), body_bad_open, 0);
    run_check(1);
}
END_TEST

/* ---- invoke, poll, wait, seek, tell, read/write lengths ---------------------------------- */

static void body_bad_invoke(uintptr_t arg)
{
    (void)arg;
    EXPECT(tw_invoke(TW_HANDLE_SELF, 0, 0, 0, 0, 0), TW_E_NOTSUP);
    EXPECT(tw_invoke(TW_HANDLE_SELF, 0xffff, 0, 0, 0, 0), TW_E_NOTSUP);
    EXPECT(tw_invoke(TW_HANDLE_SELF, TW_CHAN_TAKE_PEER, 0, 0, 0, 0), TW_E_NOTSUP);
    EXPECT(tw_invoke(TW_HANDLE_SELF, TW_TASK_THREAD_ID + 100, 0, 0, 0, 0), TW_E_NOTSUP);
    EXPECT(hal_trap(TW_SYS_INVOKE, TW_HANDLE_SELF, (1ull << 32) | TW_TASK_EXIT, 0, 0, 0, 0),
           TW_E_NOTSUP); /* the op is 32 bits: a high bit set is not TW_TASK_EXIT */
    int64_t c = u_open("chan://?pair", TW_O_NONBLOCK);
    EXPECT(tw_invoke((int32_t)c, 0x2ff, 0, 0, 0, 0), TW_E_NOTSUP);
    EXPECT(tw_invoke((int32_t)c, TW_TASK_EXIT, 0, 0, 0, 0), TW_E_NOTSUP); /* a task op */
    EXPECT(tw_invoke((int32_t)c, TW_TIMER_CANCEL, 0, 0, 0, 0), TW_E_NOTSUP);
    int64_t z = u_open("zero://", 0);
    EXPECT(tw_invoke((int32_t)z, TW_CHAN_PENDING, 0, 0, 0, 0), TW_E_ACCESS); /* no INVOKE */
    int64_t tm = u_open("timer://interval:1000/", 0);
    EXPECT_OK(tm);
    EXPECT(tw_invoke((int32_t)tm, TW_CHAN_PENDING, 0, 0, 0, 0), TW_E_NOTSUP);
    EXPECT(tw_invoke((int32_t)tm, TW_TIMER_SET_INTERVAL_NS, 0, 0, 0, 0), TW_E_INVAL);
    /* Task operations with bad arguments. */
    EXPECT(tw_invoke(TW_HANDLE_SELF, TW_TASK_SPAWN_THREAD, (uintptr_t)body_bad_invoke, 0, 10, 0),
           TW_E_INVAL); /* not a registered entry */
    EXPECT(tw_invoke(TW_HANDLE_SELF, TW_TASK_SPAWN_THREAD, 0, 0, 10, 0), TW_E_INVAL);
    EXPECT(tw_invoke(TW_HANDLE_SELF, TW_TASK_SPAWN_THREAD, 0xdeadbeef, 0, 10, 0), TW_E_INVAL);
    EXPECT(tw_invoke(TW_HANDLE_SELF, TW_TASK_SLEEP, UINT64_MAX, 0, 0, 0), TW_E_INVAL);
    EXPECT(tw_invoke(TW_HANDLE_SELF, TW_TASK_DUPLICATE, 99, TW_RIGHT_READ, 0, 0), TW_E_BADH);
    EXPECT(tw_invoke(TW_HANDLE_SELF, TW_TASK_DUPLICATE, (uint64_t)z, 1ull << 32, 0, 0), TW_E_INVAL);
    EXPECT(tw_close((int32_t)tm), TW_OK);
    EXPECT_TASK_WORKS();
    bodies_done++;
}

START_TEST(test_invoke_unknown_and_bad)
{
    boot();
    new_thread(new_task("t"), body_bad_invoke, 0);
    run_check(1);
}
END_TEST

static void body_bad_poll_wait(uintptr_t arg)
{
    (void)arg;
    struct tw_poll_item items[K_POLL_MAX + 1];
    for (int i = 0; i <= K_POLL_MAX; i++)
        items[i] = (struct tw_poll_item){.handle = TW_HANDLE_SELF, .signals = TW_SIG_EXITED};
    EXPECT(tw_poll(items, 0, TW_DEADLINE_NOW), TW_E_INVAL);
    EXPECT(tw_poll(items, K_POLL_MAX + 1, TW_DEADLINE_NOW), TW_E_TOOBIG);
    EXPECT(tw_poll(items, UINT32_MAX, TW_DEADLINE_NOW), TW_E_TOOBIG);
    EXPECT(hal_trap(TW_SYS_POLL, (uintptr_t)items, 1ull << 32, 0, 0, 0, 0), TW_E_TOOBIG);
    EXPECT(tw_poll(items, K_POLL_MAX, TW_DEADLINE_NOW), TW_E_TIMEDOUT); /* the most is fine */
    items[3].signals = 0;
    EXPECT(tw_poll(items, 4, TW_DEADLINE_NOW), TW_E_INVAL);
    items[3].signals = TW_SIG_ALL + 1;
    EXPECT(tw_poll(items, 4, TW_DEADLINE_NOW), TW_E_INVAL);
    items[3].signals = 1u << 31;
    EXPECT(tw_poll(items, 4, TW_DEADLINE_NOW), TW_E_INVAL);
    items[3] = (struct tw_poll_item){.handle = 5, .signals = TW_SIG_READABLE};
    EXPECT(tw_poll(items, 4, TW_DEADLINE_NOW), TW_E_BADH);
    /* wait */
    EXPECT(tw_wait(TW_HANDLE_SELF, 0, TW_DEADLINE_NOW), TW_E_INVAL);
    EXPECT(tw_wait(TW_HANDLE_SELF, TW_SIG_ALL + 1, TW_DEADLINE_NOW), TW_E_INVAL);
    EXPECT(tw_wait(TW_HANDLE_SELF, 1u << 31, TW_DEADLINE_NOW), TW_E_INVAL);
    EXPECT(hal_trap(TW_SYS_WAIT, TW_HANDLE_SELF, (1ull << 32) | TW_SIG_EXITED, 0, 0, 0, 0),
           TW_E_INVAL);
    EXPECT(tw_wait(7, TW_SIG_READABLE, TW_DEADLINE_NOW), TW_E_BADH);
    int64_t z = u_open("zero://", 0);
    int64_t nw = tw_invoke(TW_HANDLE_SELF, TW_TASK_DUPLICATE, (uint64_t)z, TW_RIGHT_READ, 0, 0);
    EXPECT(tw_wait((int32_t)nw, TW_SIG_READABLE, TW_DEADLINE_NOW), TW_E_ACCESS);
    items[0] = (struct tw_poll_item){.handle = (int32_t)nw, .signals = TW_SIG_READABLE};
    EXPECT(tw_poll(items, 1, TW_DEADLINE_NOW), TW_E_ACCESS);
    EXPECT(tw_wait((int32_t)z, TW_SIG_READABLE, TW_DEADLINE_NOW), TW_SIG_READABLE);
    EXPECT_TASK_WORKS();
    bodies_done++;
}

START_TEST(test_poll_and_wait_bad_arguments)
{
    boot();
    new_thread(new_task("t"), body_bad_poll_wait, 0);
    run_check(1);
}
END_TEST

static void body_seek_tell_lengths(uintptr_t arg)
{
    (void)arg;
    char buf[8] = {0};
    int64_t c = u_open("chan://?pair", TW_O_NONBLOCK);
    int64_t n = u_open("null://", 0);
    int64_t con = u_open("console://", 0);
    int64_t handles[] = {c, n, con, TW_HANDLE_SELF};
    for (size_t i = 0; i < K_ARRAY_SIZE(handles); i++) {
        int32_t h = (int32_t)handles[i];
        int64_t r = tw_seek(h, 0, TW_SEEK_SET);
        EXPECT_ITEM(i, r == TW_E_NOTSUP || r == TW_E_ACCESS, 1);
        r = tw_seek(h, -5, 7); /* a bad whence is refused too */
        EXPECT_ITEM(i, r == TW_E_NOTSUP || r == TW_E_ACCESS || r == TW_E_INVAL, 1);
        r = tw_tell(h);
        EXPECT_ITEM(i, r == TW_E_NOTSUP || r == TW_E_ACCESS, 1);
    }
    /* Lengths beyond one call's maximum, before any pointer is looked at. */
    EXPECT(tw_write((int32_t)n, buf, SYS_IO_MAX + 1), TW_E_TOOBIG);
    EXPECT(tw_read((int32_t)n, NULL, SYS_IO_MAX + 1), TW_E_TOOBIG);
    EXPECT(hal_trap(TW_SYS_WRITE, (uint64_t)n, (uintptr_t)buf, UINT64_MAX, 0, 0, 0), TW_E_TOOBIG);
    EXPECT(tw_read((int32_t)n, buf, sizeof(buf)), 0); /* null:// reads end of file */
    EXPECT(tw_close((int32_t)con), TW_OK);
    EXPECT_TASK_WORKS();
    bodies_done++;
}

START_TEST(test_seek_tell_unsupported_and_io_lengths)
{
    boot();
    new_thread(new_task("t"), body_seek_tell_lengths, 0);
    run_check(1);
}
END_TEST

/* ---- what usercopy moves ------------------------------------------------------------------ */

static unsigned copy_mismatches;
static int64_t first_bad_case = -1; /* len << 8 | source offset << 4 | destination offset */

/*
 * Through a pair, every message length at every source and destination alignment: the bytes
 * arrive exactly, and none next to the destination changes (usercopy's word loop, its
 * unaligned byte loop and its short tail, in both directions).
 */
static void body_copy_lengths_and_alignments(uintptr_t arg)
{
    (void)arg;
    char url[] = "chan://?pair";
    int32_t a = (int32_t)tw_open_n(url, sizeof(url) - 1, TW_O_NONBLOCK);
    int32_t b = (int32_t)tw_invoke(a, TW_CHAN_TAKE_PEER, 0, 0, 0, 0);
    EXPECT_OK(a);
    EXPECT_OK(b);
    uint8_t src[TW_MSG_MAX_BYTES + 16], dst[TW_MSG_MAX_BYTES + 16];
    for (size_t i = 0; i < sizeof(src); i++)
        src[i] = (uint8_t)(i * 29 + 3);
    for (size_t len = 1; len <= TW_MSG_MAX_BYTES; len += len < 40 ? 1 : 43)
        for (size_t so = 0; so < 8; so++)
            for (size_t d = 1; d < 9; d++) {
                memset(dst, 0xee, sizeof(dst));
                bool ok = tw_write(a, src + so, len) == (int64_t)len &&
                          tw_read(b, dst + d, len) == (int64_t)len &&
                          memcmp(dst + d, src + so, len) == 0 && dst[d - 1] == 0xee &&
                          dst[d + len] == 0xee;
                if (!ok && copy_mismatches++ == 0)
                    first_bad_case = (int64_t)(len << 8 | so << 4 | d);
            }
    EXPECT(copy_mismatches, 0);
    EXPECT(first_bad_case, -1);
    EXPECT(tw_close(b), TW_OK);
    EXPECT(tw_close(a), TW_OK);
    bodies_done++;
}

START_TEST(test_copy_every_length_and_alignment)
{
    boot();
    new_thread(new_task("t"), body_copy_lengths_and_alignments, 0);
    run_check(1);
}
END_TEST

static int64_t end_of_time_sleep = 12345;

static void body_sleep_to_end_of_time(uintptr_t arg)
{
    (void)arg;
    int64_t now = tw_now(); /* costs are zero: the sleep call starts at this same time */
    end_of_time_sleep = tw_sleep_ns(UINT64_MAX - (uint64_t)now);
    bodies_done++;
}

/*
 * A sleep that ends exactly at the last representable time is a (very long) finite sleep:
 * refused as out of range, or ended by the run's time limit. It must not become a sleep
 * without deadline, which the scheduler reports as a deadlock.
 */
START_TEST(test_sleep_to_end_of_time_is_not_forever)
{
    struct k_config cfg = test_cfg(SCHED_RR, 1);
    cfg.clock.cost_syscall_ns = 0;
    cfg.clock.cost_switch_ns = 0;
    boot_cfg(&cfg);
    new_thread(new_task("t"), body_sleep_to_end_of_time, 0);
    int why = k_run();
    ck_assert_msg(
        (why == TR_END_DONE && end_of_time_sleep == TW_E_INVAL) || why == TR_END_TIME_LIMIT,
        "k_run ended with %d (1 = deadlock), sleep returned %" PRId64, why, end_of_time_sleep);
    k_teardown();
    ck_assert_uint_eq(kobj_live_count(), 0);
}
END_TEST

/* ---- seeded garbage --------------------------------------------------------------------- */

static uint64_t pick(struct prng *p, const uint64_t *v, size_t n)
{
    return v[prng_below(p, n)];
}

static void body_garbage(uintptr_t seed)
{
    uintptr_t lo, hi;
    my_stack(&lo, &hi);
    uint8_t *scratch = heap_region; /* two pages of pool memory (no sanitizer redzones) */
    char pair[] = "chan://?pair";
    int32_t a = (int32_t)tw_open_n(pair, sizeof(pair) - 1, TW_O_NONBLOCK); /* 1 */
    int32_t b = (int32_t)tw_invoke(a, TW_CHAN_TAKE_PEER, 0, 0, 0, 0);      /* 2 */
    EXPECT(tw_close(b), TW_OK); /* no blocking end left: a's reads and writes never wait */
    char z[] = "zero://";
    EXPECT(tw_open_n(z, 7, 0), 2);
    const uint64_t values[] = {0,
                               1,
                               2,
                               3,
                               7,
                               64,
                               65,
                               257,
                               4096,
                               SYS_IO_MAX + 1,
                               INT32_MAX,
                               (uint64_t)INT32_MAX + 1,
                               1ull << 32,
                               (uint64_t)-1,
                               (uint64_t)-2,
                               (uint64_t)-17,
                               UINT64_MAX - 4,
                               (uintptr_t)host_static,
                               (uintptr_t)thread_current(),
                               (uintptr_t)scratch + 2 * 4096 - 8,
                               lo - 8,
                               hi,
                               (uintptr_t)scratch,
                               TW_CHAN_WRITE_HANDLES,
                               TW_CHAN_READ_HANDLES,
                               TW_CHAN_PENDING,
                               TW_SIG_ALL};
    const uint64_t numbers[] = {TW_SYS_OPEN,   TW_SYS_CLOSE, TW_SYS_READ, TW_SYS_WRITE,
                                TW_SYS_INVOKE, TW_SYS_POLL,  TW_SYS_WAIT, TW_SYS_SEEK,
                                TW_SYS_TELL,   TW_SYS_COUNT, 4096};
    struct prng p;
    prng_seed(&p, seed);
    int64_t worst = 0;
    for (int i = 0; i < 3000; i++) {
        uint64_t nr = pick(&p, numbers, K_ARRAY_SIZE(numbers));
        uint64_t arg[6];
        for (int k = 0; k < 6; k++)
            arg[k] = pick(&p, values, K_ARRAY_SIZE(values));
        if (nr == TW_SYS_INVOKE && (int64_t)arg[0] == TW_HANDLE_SELF)
            continue; /* task operations (exit, sleep, compute) are not garbage-safe */
        if (nr == TW_SYS_WAIT || nr == TW_SYS_POLL)
            arg[2] = TW_DEADLINE_NOW;                /* never block */
        memset(scratch, (int)(arg[5] & 0xff), 1024); /* garbage URLs and poll items */
        int64_t r = hal_trap(nr, arg[0], arg[1], arg[2], arg[3], arg[4], arg[5]);
        if (r < worst)
            worst = r;
    }
    EXPECT(worst >= TW_ERR_MIN, 1);
    EXPECT_TASK_WORKS();
    bodies_done++;
}

START_TEST(test_seeded_garbage_arguments)
{
    boot();
    struct task *t = new_task("t");
    heap_region = task_alloc_region(t, 2);
    ck_assert_ptr_nonnull(heap_region);
    new_thread(t, body_garbage, (uintptr_t)_i + 1);
    run_check(1);
}
END_TEST

/* ---- runner ----------------------------------------------------------------------------- */

static Suite *syscall_suite(void)
{
    Suite *s = suite_create("syscall");
    TCase *tc = tcase_create("numbers-and-pointers");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_unknown_syscall_numbers);
    tcase_add_test(tc, test_bad_user_pointers);
    tcase_add_test(tc, test_bad_pointers_in_open_poll_and_messages);
    suite_add_tcase(s, tc);

    tc = tcase_create("arguments");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_open_bad_flags_and_urls);
    tcase_add_test(tc, test_invoke_unknown_and_bad);
    tcase_add_test(tc, test_poll_and_wait_bad_arguments);
    tcase_add_test(tc, test_seek_tell_unsupported_and_io_lengths);
    tcase_add_test(tc, test_sleep_to_end_of_time_is_not_forever);
    tcase_add_test(tc, test_copy_every_length_and_alignment);
    suite_add_tcase(s, tc);

    tc = tcase_create("garbage");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_seeded_garbage_arguments, 0, 4);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(syscall_suite());
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
