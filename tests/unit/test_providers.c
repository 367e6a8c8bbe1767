/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_providers.c - unit tests of the small kernel providers through the
 * system calls (Check, forked mode): pipe:// (providers/pipe.c), zero:// and null://
 * (zero_null.c), timer:// (timer.c) and system://memory/free_mem (system.c).
 *
 * Each test boots the kernel, runs user threads in one or more tasks, records what the
 * calls returned and checks it after k_run; k_teardown then asserts that nothing leaked.
 * Times are virtual, so timer firings and wake-up times are exact.
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
#include "../../core/syscall.h"
#include "../../core/task.h"
#include "../../core/thread.h"
#include "../../core/trace.h"
#include "../../hal/sim/host.h"
#include "../../providers/providers.h"
#include "../../user/twain.h"
#include "kernel_harness.h"

#define US 1000ull
#define MS 1000000ull

/* ---- harness: a table of thread bodies, run in one boot ------------------------------- */

struct body {
    const char *task; /* bodies naming the task of the body before share it */
    void (*fn)(uintptr_t);
    uintptr_t arg;
};

/* Boot, start one thread a body (in table order), run to the end, check what the threads
 * recorded and that every body finished, then tear down asserting nothing leaked. */
static void run_bodies(const struct body *b, size_t n)
{
    struct k_config cfg = test_cfg(SCHED_RR, 1);
    boot_cfg(&cfg);
    struct task *t = NULL;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || strcmp(b[i].task, b[i - 1].task) != 0)
            ck_assert_int_eq(task_create(b[i].task, strlen(b[i].task), 10, &t), TW_OK);
        ck_assert_int_eq(thread_create(t, b[i].fn, b[i].arg, 10, NULL), TW_OK);
    }
    int why = k_run();
    ck_assert_msg(why == TR_END_DONE, "k_run ended with %d", why);
    check_expectations();
    ck_assert_uint_eq(bodies_done, n);
    k_teardown();
    ck_assert_uint_eq(kobj_live_count(), 0);
}

#define RUN(...)                                                                                   \
    do {                                                                                           \
        const struct body bodies_[] = {__VA_ARGS__};                                               \
        run_bodies(bodies_, K_ARRAY_SIZE(bodies_));                                                \
    } while (0)

/* ---- user-side helpers ------------------------------------------------------------------ */

/* Bytes of buf[0..n) that differ from c (0: all equal). */
static int64_t count_not(const uint8_t *buf, size_t n, uint8_t c)
{
    int64_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += buf[i] != c;
    return k;
}

#define MISMATCH (-100) /* data arrived, but not what was expected (below every TW_E_*) */

/* Read up to cap bytes; the count when they equal want, else MISMATCH (or the error). */
static int64_t u_read_is(int32_t h, const char *want, size_t cap)
{
    char buf[256];
    int64_t n = tw_read(h, buf, cap < sizeof(buf) ? cap : sizeof(buf));
    if (n < 0)
        return n;
    return (size_t)n == strlen(want) && memcmp(buf, want, (size_t)n) == 0 ? n : MISMATCH;
}

/* A timer's or memory watcher's 8-byte read: the value, or the error. */
static int64_t u_read_u64(int32_t h)
{
    uint64_t v = 0;
    int64_t n = tw_read(h, &v, sizeof(v));
    return n == (int64_t)sizeof(v) ? (int64_t)v : n < 0 ? n : MISMATCH;
}

static int64_t u_dup(int32_t h, uint32_t rights)
{
    return tw_invoke(TW_HANDLE_SELF, TW_TASK_DUPLICATE, (uint64_t)h, rights, 0, 0);
}

/* Open pipe:// (flags apply to the opened end): returns it, *peer the other end. */
static int64_t u_pipe(int32_t *peer, uint32_t flags)
{
    int64_t a = u_open("pipe://", flags);
    *peer = a < 0 ? -1 : (int32_t)tw_invoke((int32_t)a, TW_CHAN_TAKE_PEER, 0, 0, 0, 0);
    return a;
}

/* Handles shared by the threads of one task in the multi-thread tests. */
static int32_t shared_a, shared_b;

/* ==== pipe:// ============================================================================ */

static void body_pipe_open(uintptr_t arg)
{
    (void)arg;
    int32_t b;
    int64_t a = u_pipe(&b, TW_O_NONBLOCK);
    EXPECT(a, 1);
    EXPECT(b, 2);
    for (int32_t h = 1; h <= 2; h++) /* the peer is taken once, from the opened end only */
        EXPECT_ITEM(h, tw_invoke(h, TW_CHAN_TAKE_PEER, 0, 0, 0, 0), TW_E_NOENT);
    /* A fresh end is writable only; bytes from the peer make it readable. */
    EXPECT(tw_wait((int32_t)a, TW_SIG_ALL, TW_DEADLINE_NOW), TW_SIG_WRITABLE);
    EXPECT(u_send(b, "xy"), 2);
    EXPECT(tw_wait((int32_t)a, TW_SIG_ALL, TW_DEADLINE_NOW), TW_SIG_READABLE | TW_SIG_WRITABLE);
    EXPECT(tw_invoke((int32_t)a, TW_CHAN_PENDING, 0, 0, 0, 0), 2); /* bytes, not messages */
    EXPECT(tw_invoke(b, TW_CHAN_PENDING, 0, 0, 0, 0), 0);
    /* Other kinds' operations, seek and tell are refused. */
    EXPECT(tw_invoke((int32_t)a, TW_TIMER_FIRED, 0, 0, 0, 0), TW_E_NOTSUP);
    EXPECT(tw_invoke((int32_t)a, TW_CHAN_READ_HANDLES, 0, 0, 0, 0), TW_E_NOTSUP);
    EXPECT(tw_seek((int32_t)a, 0, TW_SEEK_SET), TW_E_ACCESS); /* no seek right */
    EXPECT(tw_tell(b), TW_E_ACCESS);
    EXPECT(u_dup((int32_t)a, TW_RIGHTS_ALL), TW_E_ACCESS); /* nor can a duplicate gain it */
    /* A read-only duplicate reads the same stream and cannot write. */
    int64_t r = u_dup((int32_t)a, TW_RIGHT_READ);
    EXPECT(r, 3);
    EXPECT(u_send((int32_t)r, "no"), TW_E_ACCESS);
    EXPECT(u_read_is((int32_t)r, "x", 1), 1);
    EXPECT(u_read_is((int32_t)a, "y", 8), 1);
    EXPECT(tw_invoke((int32_t)r, TW_CHAN_PENDING, 0, 0, 0, 0), TW_E_ACCESS); /* no invoke */
    EXPECT(tw_wait((int32_t)r, TW_SIG_READABLE, TW_DEADLINE_NOW), TW_E_ACCESS);
    /* The other URL forms: an empty path is allowed, anything else is not. */
    static const char *const bad[] = {"pipe://x",         "pipe://:1",  "pipe:///x",
                                      "pipe://[null://]", "pipe://x/y", "pipe://[pipe://]"};
    for (size_t i = 0; i < K_ARRAY_SIZE(bad); i++)
        EXPECT_ITEM(i, u_open(bad[i], 0), TW_E_INVAL);
    EXPECT(u_open("pipe:///", 0), 4);
    EXPECT(tw_close(4), TW_OK); /* its untaken peer goes with it */
    bodies_done++;
}

START_TEST(test_pipe_open_rights_and_urls)
{
    RUN({"t", body_pipe_open, 0});
}
END_TEST

static void body_pipe_stream(uintptr_t arg)
{
    (void)arg;
    uint8_t buf[3000];
    int32_t b;
    int32_t a = (int32_t)u_pipe(&b, TW_O_NONBLOCK); /* a writes without blocking */
    EXPECT(tw_read(a, buf, sizeof(buf)), TW_E_WOULDBLOCK);
    /* No message boundaries: two writes, read back in other chunks. */
    EXPECT(u_send(b, "hello"), 5);
    EXPECT(u_send(b, "world"), 5);
    EXPECT(u_read_is(a, "hel", 3), 3);
    EXPECT(u_read_is(a, "loworld", 100), 7);
    EXPECT(tw_read(a, buf, sizeof(buf)), TW_E_WOULDBLOCK);
    /* Writes take what fits of the 2048-byte ring. */
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)(i % 251);
    EXPECT(tw_write(a, buf, sizeof(buf)), 2048);
    EXPECT(tw_write(a, buf, 1), TW_E_WOULDBLOCK);
    EXPECT(tw_write(a, buf, 0), 0);
    EXPECT(tw_wait(a, TW_SIG_WRITABLE, TW_DEADLINE_NOW), TW_E_TIMEDOUT);
    EXPECT(tw_invoke(b, TW_CHAN_PENDING, 0, 0, 0, 0), 2048);
    uint8_t got[4096];
    EXPECT(tw_read(b, got, 1000), 1000);
    EXPECT(memcmp(got, buf, 1000), 0);
    EXPECT(tw_wait(a, TW_SIG_WRITABLE, TW_DEADLINE_NOW), TW_SIG_WRITABLE);
    /* 1000 more bytes fit, wrapping round the ring. */
    EXPECT(tw_write(a, buf + 2048, sizeof(buf) - 2048), 952);
    EXPECT(tw_write(a, buf, 100), 48);
    EXPECT(tw_invoke(b, TW_CHAN_PENDING, 0, 0, 0, 0), 2048);
    EXPECT(tw_read(b, got, sizeof(got)), 2048);
    EXPECT(memcmp(got, buf + 1000, 2000), 0);
    EXPECT(memcmp(got + 2000, buf, 48), 0);
    EXPECT(tw_invoke(b, TW_CHAN_PENDING, 0, 0, 0, 0), 0);
    bodies_done++;
}

START_TEST(test_pipe_byte_stream_and_capacity)
{
    RUN({"t", body_pipe_stream, 0});
}
END_TEST

/* Thread 1 of a task: opens the pipe, writes at 1 ms, then fills the pipe and blocks. */
static void body_pipe_block_writer(uintptr_t arg)
{
    (void)arg;
    uint8_t buf[2048] = {0};
    shared_a = (int32_t)u_pipe(&shared_b, 0);
    EXPECT(shared_a, 1);
    EXPECT(tw_sleep_ns(1 * MS), TW_OK);
    EXPECT(u_send(shared_a, "wake"), 4);
    EXPECT(tw_sleep_ns(1 * MS), TW_OK);
    EXPECT(tw_write(shared_a, buf, sizeof(buf)), 2048);
    EXPECT(u_send(shared_a, "more"), 4); /* blocks until the reader makes room at 3 ms */
    EXPECT(tw_now() >= (int64_t)(3 * MS), 1);
    EXPECT(tw_close(shared_a), TW_OK);
    bodies_done++;
}

/* Thread 2: a blocking read woken by the write, then reads that wake the blocked writer. */
static void body_pipe_block_reader(uintptr_t arg)
{
    (void)arg;
    uint8_t buf[2048];
    EXPECT(u_read_is(shared_b, "wake", 16), 4);
    int64_t t = tw_now();
    EXPECT(t >= (int64_t)(1 * MS) && t < (int64_t)(1 * MS + 10 * US), 1);
    EXPECT(tw_sleep_ns(3 * MS - (uint64_t)t), TW_OK);
    EXPECT(tw_read(shared_b, buf, 1000), 1000);
    EXPECT(tw_read(shared_b, buf, sizeof(buf)), 1048);
    EXPECT(u_read_is(shared_b, "more", 16), 4); /* blocks until the writer got room */
    EXPECT(tw_read(shared_b, buf, sizeof(buf)), 0);
    EXPECT(tw_close(shared_b), TW_OK);
    bodies_done++;
}

START_TEST(test_pipe_blocking_reader_and_writer)
{
    RUN({"t", body_pipe_block_writer, 0}, {"t", body_pipe_block_reader, 0});
}
END_TEST

static void body_pipe_peer_close(uintptr_t arg)
{
    (void)arg;
    char buf[16];
    int32_t b;
    int32_t a = (int32_t)u_pipe(&b, TW_O_NONBLOCK);
    EXPECT(u_send(a, "tail"), 4);
    EXPECT(tw_close(a), TW_OK);
    /* The reader gets what was written, then end of stream (0), for good. */
    EXPECT(tw_wait(b, TW_SIG_ALL, TW_DEADLINE_NOW), TW_SIG_READABLE | TW_SIG_PEER_CLOSED);
    EXPECT(u_read_is(b, "tail", sizeof(buf)), 4);
    EXPECT(tw_read(b, buf, sizeof(buf)), 0);
    EXPECT(tw_read(b, buf, sizeof(buf)), 0);
    EXPECT(tw_wait(b, TW_SIG_ALL, TW_DEADLINE_NOW), TW_SIG_PEER_CLOSED);
    EXPECT(u_send(b, "late"), TW_E_PEER);
    EXPECT(tw_write(b, buf, 0), TW_E_PEER);
    EXPECT(tw_close(b), TW_OK);
    /* The writer of a pipe whose reader closed gets peer_closed, not writable. */
    a = (int32_t)u_pipe(&b, TW_O_NONBLOCK);
    EXPECT(tw_close(b), TW_OK);
    EXPECT(tw_wait(a, TW_SIG_ALL, TW_DEADLINE_NOW), TW_SIG_PEER_CLOSED);
    EXPECT(u_send(a, "x"), TW_E_PEER);
    EXPECT(tw_read(a, buf, sizeof(buf)), 0);
    EXPECT(tw_close(a), TW_OK);
    bodies_done++;
}

START_TEST(test_pipe_peer_close)
{
    RUN({"t", body_pipe_peer_close, 0});
}
END_TEST

/* Thread 1: blocks reading, then blocks writing into a full pipe; both woken by closes. */
static void body_pipe_blocked_then_closed(uintptr_t arg)
{
    (void)arg;
    uint8_t buf[2048] = {0};
    int32_t b;
    shared_a = (int32_t)u_pipe(&b, 0);
    shared_b = b;
    EXPECT(tw_read(shared_a, buf, sizeof(buf)), 0); /* woken by the close at 1 ms */
    EXPECT(tw_now() >= (int64_t)(1 * MS), 1);
    EXPECT(tw_close(shared_a), TW_OK);
    shared_a = (int32_t)u_pipe(&shared_b, 0);
    EXPECT(tw_write(shared_a, buf, sizeof(buf)), 2048);
    EXPECT(tw_write(shared_a, buf, 1), TW_E_PEER); /* woken by the close at 2 ms */
    EXPECT(tw_now() >= (int64_t)(2 * MS), 1);
    EXPECT(tw_close(shared_a), TW_OK);
    /* Closing the very handle a thread blocks on cancels the call. */
    shared_a = (int32_t)u_pipe(&shared_b, 0);
    EXPECT(tw_read(shared_a, buf, sizeof(buf)), TW_E_CANCELED);
    EXPECT(tw_close(shared_b), TW_OK);
    bodies_done++;
}

static void body_pipe_closer(uintptr_t arg)
{
    (void)arg;
    EXPECT(tw_sleep_ns(1 * MS), TW_OK);
    EXPECT(tw_close(shared_b), TW_OK); /* the writer end: its reader sees end of stream */
    EXPECT(tw_sleep_ns(1 * MS), TW_OK);
    EXPECT(tw_close(shared_b), TW_OK); /* the reader end: its writer sees peer_closed */
    EXPECT(tw_sleep_ns(1 * MS), TW_OK);
    EXPECT(tw_close(shared_a), TW_OK);
    bodies_done++;
}

START_TEST(test_pipe_close_wakes_blocked_callers)
{
    RUN({"t", body_pipe_blocked_then_closed, 0}, {"t", body_pipe_closer, 0});
}
END_TEST

/* Server: hands a pipe end and a zero:// handle to the client in one message over a port,
 * then streams into the pipe. */
static void body_pipe_send_end(uintptr_t arg)
{
    (void)arg;
    int32_t port = (int32_t)u_open("chan://pipes?listen", 0);
    EXPECT(port, 1);
    int32_t theirs;
    int32_t mine = (int32_t)u_pipe(&theirs, 0);
    int32_t z = (int32_t)u_open("zero://", 0);
    EXPECT(u_read_is(port, "pipe please", 64), 11);
    /* A duplicate without the transfer right cannot travel. */
    int32_t keep[1] = {(int32_t)u_dup(theirs, TW_RIGHT_READ)};
    EXPECT(tw_invoke(port, TW_CHAN_WRITE_HANDLES, 0, 0, (uintptr_t)keep, 1), TW_E_ACCESS);
    EXPECT(tw_close(keep[0]), TW_OK);
    int32_t hs[2] = {theirs, z};
    char msg[4] = "here";
    EXPECT(tw_invoke(port, TW_CHAN_WRITE_HANDLES, (uintptr_t)msg, 4, (uintptr_t)hs, 2), 4);
    EXPECT(tw_close(theirs), TW_E_BADH); /* moved, not copied */
    EXPECT(tw_close(z), TW_E_BADH);
    EXPECT(u_send(mine, "over "), 5);
    EXPECT(u_send(mine, "the pipe"), 8);
    EXPECT(tw_sleep_ns(100 * US), TW_OK);
    EXPECT(tw_close(mine), TW_OK);
    EXPECT(tw_close(port), TW_OK);
    bodies_done++;
}

static void body_pipe_recv_end(uintptr_t arg)
{
    (void)arg;
    uint8_t buf[64];
    EXPECT(tw_sleep_ns(10 * US), TW_OK);
    int32_t c = (int32_t)u_open("chan://pipes", 0);
    EXPECT(c, 1);
    EXPECT(u_send(c, "pipe please"), 11);
    int32_t hs[4];
    char msg[16];
    EXPECT(tw_invoke(c, TW_CHAN_READ_HANDLES, (uintptr_t)msg, sizeof(msg), (uintptr_t)hs, 4), 4);
    EXPECT(memcmp(msg, "here", 4), 0);
    EXPECT(hs[0], 2);
    EXPECT(hs[1], 3);
    EXPECT(hs[2], TW_HANDLE_NONE);
    EXPECT(tw_sleep_ns(50 * US), TW_OK);
    EXPECT(u_read_is(hs[0], "over the pipe", sizeof(buf)), 13);
    EXPECT(u_send(hs[0], "back"), 4);            /* the end writes too: the server never reads it */
    EXPECT(tw_read(hs[0], buf, sizeof(buf)), 0); /* end of stream at 100 us */
    memset(buf, 0x5a, sizeof(buf));
    EXPECT(tw_read(hs[1], buf, 10), 10); /* the moved zero:// handle reads zeros */
    EXPECT(count_not(buf, 10, 0), 0);
    EXPECT(count_not(buf + 10, sizeof(buf) - 10, 0x5a), 0);
    bodies_done++;
}

START_TEST(test_pipe_end_moves_between_tasks)
{
    RUN({"srv", body_pipe_send_end, 0}, {"cli", body_pipe_recv_end, 0});
}
END_TEST

/* ==== zero:// and null:// ================================================================= */

static void body_zero(uintptr_t arg)
{
    (void)arg;
    uint8_t buf[8192];
    int32_t z = (int32_t)u_open("zero://", 0);
    EXPECT(z, 1);
    memset(buf, 0xaa, sizeof(buf));
    EXPECT(tw_read(z, buf, 100), 100); /* exactly the asked length, nothing past it */
    EXPECT(count_not(buf, 100, 0), 0);
    EXPECT(count_not(buf + 100, sizeof(buf) - 100, 0xaa), 0);
    memset(buf, 0xaa, sizeof(buf));
    EXPECT(tw_read(z, buf, sizeof(buf)), SYS_IO_CHUNK); /* one call moves at most 4 KiB */
    EXPECT(count_not(buf, SYS_IO_CHUNK, 0), 0);
    EXPECT(count_not(buf + SYS_IO_CHUNK, sizeof(buf) - SYS_IO_CHUNK, 0xaa), 0);
    EXPECT(tw_read(z, buf, 0), 0);
    EXPECT(tw_read(z, buf, 1), 1);
    EXPECT(buf[0], 0);
    /* Writes are swallowed, as much as one call moves. */
    EXPECT(tw_write(z, buf, 300), 300);
    EXPECT(tw_write(z, buf, sizeof(buf)), SYS_IO_CHUNK);
    EXPECT(tw_write(z, buf, 0), 0);
    EXPECT(tw_wait(z, TW_SIG_ALL, TW_DEADLINE_NOW), TW_SIG_READABLE | TW_SIG_WRITABLE);
    EXPECT(tw_invoke(z, TW_CHAN_PENDING, 0, 0, 0, 0), TW_E_ACCESS); /* no invoke right */
    EXPECT(tw_seek(z, 0, TW_SEEK_SET), TW_E_ACCESS);
    EXPECT(tw_tell(z), TW_E_ACCESS);
    /* Every open shares one object: closing one handle leaves the others working. */
    int32_t z2 = (int32_t)u_open("zero:///", TW_O_NONBLOCK);
    EXPECT(z2, 2);
    EXPECT(tw_close(z), TW_OK);
    buf[0] = 7;
    EXPECT(tw_read(z2, buf, 1), 1);
    EXPECT(buf[0], 0);
    EXPECT(u_open("zero://", TW_O_THREAD_LOCAL), TW_HANDLE_TLS_FIRST);
    EXPECT(tw_read(TW_HANDLE_TLS_FIRST, buf, 8), 8);
    static const char *const bad[] = {"zero://x", "zero://:1", "zero://[null://]", "zero://x/"};
    for (size_t i = 0; i < K_ARRAY_SIZE(bad); i++)
        EXPECT_ITEM(i, u_open(bad[i], 0), TW_E_INVAL);
    bodies_done++;
}

START_TEST(test_zero_reads_zeros_swallows_writes)
{
    RUN({"t", body_zero, 0});
}
END_TEST

static void body_null(uintptr_t arg)
{
    (void)arg;
    uint8_t buf[8192];
    int32_t n = (int32_t)u_open("null://", TW_O_NONBLOCK);
    EXPECT(n, 1);
    memset(buf, 0xaa, sizeof(buf));
    EXPECT(tw_read(n, buf, 100), 0); /* end of file at once, even non-blocking */
    EXPECT(tw_read(n, buf, sizeof(buf)), 0);
    EXPECT(count_not(buf, sizeof(buf), 0xaa), 0); /* nothing written to the buffer */
    EXPECT(tw_write(n, buf, 1), 1);
    EXPECT(tw_write(n, buf, 256), 256);
    EXPECT(tw_write(n, buf, sizeof(buf)), SYS_IO_CHUNK);
    EXPECT(tw_write(n, buf, SYS_IO_MAX + 1), TW_E_TOOBIG);
    EXPECT(tw_wait(n, TW_SIG_ALL, TW_DEADLINE_NOW), TW_SIG_READABLE | TW_SIG_WRITABLE);
    EXPECT(tw_invoke(n, TW_TIMER_FIRED, 0, 0, 0, 0), TW_E_ACCESS);
    EXPECT(tw_seek(n, 0, TW_SEEK_END), TW_E_ACCESS);
    /* Read-only and write-only duplicates. */
    int32_t ro = (int32_t)u_dup(n, TW_RIGHT_READ);
    int32_t wo = (int32_t)u_dup(n, TW_RIGHT_WRITE);
    EXPECT(tw_write(ro, buf, 1), TW_E_ACCESS);
    EXPECT(tw_read(ro, buf, 1), 0);
    EXPECT(tw_read(wo, buf, 1), TW_E_ACCESS);
    EXPECT(tw_write(wo, buf, 3), 3);
    static const char *const bad[] = {"null://h", "null://:0", "null://[zero://]"};
    for (size_t i = 0; i < K_ARRAY_SIZE(bad); i++)
        EXPECT_ITEM(i, u_open(bad[i], 0), TW_E_INVAL);
    EXPECT(u_open("null:///", 0), 4);
    bodies_done++;
}

START_TEST(test_null_reads_eof_swallows_writes)
{
    RUN({"t", body_null, 0});
}
END_TEST

/* ==== timer:// ============================================================================ */

static void body_timer_interval(uintptr_t arg)
{
    (void)arg;
    uint8_t small[4];
    int64_t t0 = tw_now();
    int32_t t = (int32_t)u_open("timer://interval:1/", TW_O_NONBLOCK);
    EXPECT(t, 1);
    EXPECT(u_read_u64(t), TW_E_WOULDBLOCK); /* armed, not fired yet */
    EXPECT(tw_wait(t, TW_SIG_ALL, TW_DEADLINE_NOW), TW_E_TIMEDOUT);
    EXPECT(tw_sleep_ns(10 * MS + 500 * US), TW_OK);
    EXPECT(tw_invoke(t, TW_TIMER_FIRED, 0, 0, 0, 0), 10);
    EXPECT(tw_read(t, small, sizeof(small)), TW_E_TOOBIG);
    EXPECT(u_read_u64(t), 10); /* the count since the last consumption, consumed */
    EXPECT(u_read_u64(t), TW_E_WOULDBLOCK);
    EXPECT(tw_invoke(t, TW_TIMER_FIRED, 0, 0, 0, 0), 10);
    /* A wait consumes too: it returns at the 11th firing and leaves nothing to read. */
    EXPECT(tw_wait(t, TW_SIG_SIGNALED, TW_DEADLINE_NEVER), TW_SIG_SIGNALED);
    int64_t dt = tw_now() - t0;
    EXPECT(dt >= (int64_t)(11 * MS) && dt < (int64_t)(11 * MS + 10 * US), 1);
    EXPECT(u_read_u64(t), TW_E_WOULDBLOCK);
    EXPECT(tw_invoke(t, TW_TIMER_FIRED, 0, 0, 0, 0), 11);
    /* Read-only kind: no write, no seek. */
    EXPECT(tw_write(t, small, sizeof(small)), TW_E_ACCESS);
    EXPECT(tw_seek(t, 0, TW_SEEK_SET), TW_E_ACCESS);
    EXPECT(tw_invoke(t, TW_CHAN_PENDING, 0, 0, 0, 0), TW_E_NOTSUP);
    /* A duplicate is non-blocking too (flags travel with it); a blocking handle waits. */
    EXPECT(u_read_u64((int32_t)u_dup(t, TW_RIGHT_READ)), TW_E_WOULDBLOCK);
    int32_t b = (int32_t)u_open("timer://interval:2/", 0);
    EXPECT(b, 3);
    int64_t t1 = tw_now();
    EXPECT(u_read_u64(b), 1);
    dt = tw_now() - t1;
    EXPECT(dt >= (int64_t)(2 * MS) && dt < (int64_t)(2 * MS + 10 * US), 1);
    bodies_done++;
}

START_TEST(test_timer_interval_counts)
{
    RUN({"t", body_timer_interval, 0});
}
END_TEST

static void body_timer_oneshot(uintptr_t arg)
{
    (void)arg;
    int64_t t0 = tw_now();
    int32_t t = (int32_t)u_open("timer://oneshot:2/", 0);
    EXPECT(u_read_u64(t), 1); /* blocks until it fires */
    int64_t dt = tw_now() - t0;
    EXPECT(dt >= (int64_t)(2 * MS) && dt < (int64_t)(2 * MS + 10 * US), 1);
    EXPECT(u_read_u64(t), TW_E_PEER); /* fired and consumed: nothing more will come */
    EXPECT(tw_wait(t, TW_SIG_SIGNALED, (uint64_t)tw_now() + 5 * MS), TW_E_TIMEDOUT);
    EXPECT(tw_wait(t, TW_SIG_ALL, TW_DEADLINE_NOW), TW_SIG_PEER_CLOSED);
    EXPECT(tw_invoke(t, TW_TIMER_FIRED, 0, 0, 0, 0), 1);
    /* Setting an interval re-arms it, from now, as a periodic timer. */
    EXPECT(tw_invoke(t, TW_TIMER_SET_INTERVAL_MS, 1, 0, 0, 0), TW_OK);
    EXPECT(tw_sleep_ns(3 * MS + 500 * US), TW_OK);
    EXPECT(u_read_u64(t), 3);
    EXPECT(tw_invoke(t, TW_TIMER_FIRED, 0, 0, 0, 0), 4);
    /* Cancelled: no more firings; the ones not consumed are still read. */
    EXPECT(tw_sleep_ns(1 * MS), TW_OK);
    EXPECT(tw_invoke(t, TW_TIMER_CANCEL, 0, 0, 0, 0), TW_OK);
    EXPECT(tw_sleep_ns(5 * MS), TW_OK);
    EXPECT(tw_invoke(t, TW_TIMER_FIRED, 0, 0, 0, 0), 5);
    EXPECT(u_read_u64(t), 1);
    EXPECT(u_read_u64(t), TW_E_PEER);
    EXPECT(tw_wait(t, TW_SIG_ALL, TW_DEADLINE_NOW), TW_SIG_PEER_CLOSED);
    EXPECT(tw_invoke(t, TW_TIMER_CANCEL, 0, 0, 0, 0), TW_OK); /* twice is harmless */
    bodies_done++;
}

START_TEST(test_timer_oneshot_set_interval_cancel)
{
    RUN({"t", body_timer_oneshot, 0});
}
END_TEST

static void body_timer_periods(uintptr_t arg)
{
    (void)arg;
    int32_t t = (int32_t)u_open("timer://interval:100/", 0);
    EXPECT(t, 1);
    /* Shorter than 10 us, or too long, is refused and changes nothing. */
    EXPECT(tw_invoke(t, TW_TIMER_SET_INTERVAL_NS, 9999, 0, 0, 0), TW_E_INVAL);
    EXPECT(tw_invoke(t, TW_TIMER_SET_INTERVAL_NS, 0, 0, 0, 0), TW_E_INVAL);
    EXPECT(tw_invoke(t, TW_TIMER_SET_INTERVAL_NS, (1ull << 62) + 1, 0, 0, 0), TW_E_INVAL);
    EXPECT(tw_invoke(t, TW_TIMER_SET_INTERVAL_MS, 0, 0, 0, 0), TW_E_INVAL);
    EXPECT(tw_invoke(t, TW_TIMER_SET_INTERVAL_MS, (1ull << 40) + 1, 0, 0, 0), TW_E_INVAL);
    EXPECT(tw_invoke(t, TW_TIMER_SET_INTERVAL_NS, 10000, 0, 0, 0), TW_OK);
    EXPECT(tw_sleep_ns(105 * US), TW_OK);
    EXPECT(tw_invoke(t, TW_TIMER_FIRED, 0, 0, 0, 0), 10);
    /* Re-arming counts the period from now: 0.5 ms in, the next firing is at 1.5 ms. */
    EXPECT(tw_invoke(t, TW_TIMER_SET_INTERVAL_MS, 1, 0, 0, 0), TW_OK);
    EXPECT(tw_sleep_ns(500 * US), TW_OK);
    EXPECT(tw_invoke(t, TW_TIMER_SET_INTERVAL_MS, 1, 0, 0, 0), TW_OK);
    EXPECT(tw_sleep_ns(900 * US), TW_OK);
    EXPECT(tw_invoke(t, TW_TIMER_FIRED, 0, 0, 0, 0), 10);
    EXPECT(tw_sleep_ns(200 * US), TW_OK);
    EXPECT(tw_invoke(t, TW_TIMER_FIRED, 0, 0, 0, 0), 11);
    /* The query forms and their 10 us floor. */
    static const struct {
        const char *url;
        int64_t want; /* >= 0: the firings after 25 us */
    } forms[] = {
        {"timer://interval/?us=10", 2},         {"timer://interval/?ns=10000", 2},
        {"timer://interval/?us=9", TW_E_INVAL}, {"timer://interval/?ns=9999", TW_E_INVAL},
        {"timer://oneshot/?us=10", 1},          {"timer://interval/?ms=1", 0},
    };
    int32_t hs[K_ARRAY_SIZE(forms)];
    for (size_t i = 0; i < K_ARRAY_SIZE(forms); i++) {
        int64_t h = u_open(forms[i].url, 0);
        hs[i] = (int32_t)h;
        EXPECT_ITEM(i, h < 0 ? h : 0, forms[i].want < 0 ? forms[i].want : 0);
    }
    EXPECT(tw_sleep_ns(25 * US), TW_OK);
    for (size_t i = 0; i < K_ARRAY_SIZE(forms); i++)
        if (forms[i].want >= 0)
            EXPECT_ITEM(i, tw_invoke(hs[i], TW_TIMER_FIRED, 0, 0, 0, 0), forms[i].want);
    bodies_done++;
}

START_TEST(test_timer_periods_and_floor)
{
    RUN({"t", body_timer_periods, 0});
}
END_TEST

static void body_timer_bad_urls(uintptr_t arg)
{
    (void)arg;
    static const struct {
        const char *url;
        int64_t want;
    } cases[] = {
        {"timer://interval/", TW_E_INVAL},          /* no period */
        {"timer://oneshot/", TW_E_INVAL},           /* no period */
        {"timer://bogus:5/", TW_E_INVAL},           /* unknown kind */
        {"timer://Interval:5/", TW_E_INVAL},        /* kinds are lower case */
        {"timer://:5/", TW_E_INVAL},                /* no kind */
        {"timer://interval:0/", TW_E_INVAL},        /* below 10 us */
        {"timer://interval:5/?us=100", TW_E_INVAL}, /* port and query */
        {"timer://interval/?us=abc", TW_E_INVAL},
        {"timer://interval/?us=", TW_E_INVAL},
        {"timer://interval/?us=-5", TW_E_INVAL},
        {"timer://interval/?s=5", TW_E_INVAL},                   /* no such unit */
        {"timer://oneshot/?ns=4611686018427387905", TW_E_INVAL}, /* past 2^62 ns */
        {"timer://oneshot/?ms=4611686018428", TW_E_INVAL},       /* past 2^62 ns */
        {"timer://[null://]interval:5/", TW_E_INVAL},
        {"timer://interval:/", TW_E_SYNTAX},
        {"timer://interval:x/", TW_E_SYNTAX},
        {"timer://interval:123456789012345678901/", TW_E_SYNTAX}, /* 21 digits */
        {"timer://interval:5/a b", TW_E_SYNTAX},
        {"timer://[interval:5/", TW_E_SYNTAX},
    };
    for (size_t i = 0; i < K_ARRAY_SIZE(cases); i++)
        EXPECT_ITEM(i, u_open(cases[i].url, 0), cases[i].want);
    EXPECT(u_open("timer://oneshot:65535/", 0), 1);                  /* 65.535 s */
    EXPECT(u_open("timer://oneshot/?ns=4611686018427387904", 0), 2); /* exactly 2^62 */
    bodies_done++;
}

START_TEST(test_timer_malformed_urls)
{
    RUN({"t", body_timer_bad_urls, 0});
}
END_TEST

/*
 * Every form takes every period from 10 us to 2^62 ns: N after the ':' is not a network
 * port (at most 65535) but a count of ms, up to 4611686018427. One past the largest value
 * of each form is refused (invalid_argument) and opens nothing.
 */
static void body_timer_url_limits(uintptr_t arg)
{
    (void)arg;
    static const struct {
        const char *url;
        int64_t want; /* TW_OK: opens */
    } cases[] = {
        {"timer://interval:65536/", TW_OK},  /* past a network port's range */
        {"timer://interval:100000/", TW_OK}, /* 100 s, written in ms */
        {"timer://interval:4611686018427/", TW_OK},
        {"timer://interval:4611686018428/", TW_E_INVAL},
        {"timer://oneshot:4611686018427/", TW_OK},
        {"timer://oneshot:4611686018428/", TW_E_INVAL},
        {"timer://oneshot:00000004611686018427/", TW_OK},       /* 20 digits, leading zeros */
        {"timer://interval:18446744073709551615/", TW_E_INVAL}, /* UINT64_MAX ms */
        {"timer://interval:18446744073709551616/", TW_E_INVAL}, /* past UINT64_MAX: no wrap */
        {"timer://interval:99999999999999999999/", TW_E_INVAL},
        {"timer://interval/?ms=4611686018427", TW_OK},
        {"timer://interval/?ms=4611686018428", TW_E_INVAL},
        {"timer://interval/?us=4611686018427387", TW_OK},
        {"timer://interval/?us=4611686018427388", TW_E_INVAL},
        {"timer://interval/?ns=4611686018427387904", TW_OK},
        {"timer://interval/?ns=4611686018427387905", TW_E_INVAL},
        {"timer://oneshot/?us=4611686018427387", TW_OK},
        {"timer://oneshot/?us=4611686018427388", TW_E_INVAL},
        {"timer://oneshot/?ns=18446744073709551616", TW_E_INVAL}, /* past UINT64_MAX */
        {"timer://interval:1/", TW_OK},                           /* the shortest in ms */
        {"timer://interval:0/", TW_E_INVAL},
    };
    for (size_t i = 0; i < K_ARRAY_SIZE(cases); i++) {
        int64_t h = u_open(cases[i].url, 0);
        if (cases[i].want != TW_OK) {
            EXPECT_ITEM(i, h, cases[i].want);
            continue;
        }
        EXPECT_ITEM(i, h, 1); /* the lowest free handle: every refusal opened nothing */
        EXPECT_ITEM(i, tw_invoke((int32_t)h, TW_TIMER_FIRED, 0, 0, 0, 0), 0);
        EXPECT_ITEM(i, tw_close((int32_t)h), TW_OK);
    }
    /* Armed, and quiet for the first 9 s (scenarios/timer-100s.json sees it fire at 100 s). */
    int32_t t = (int32_t)u_open("timer://interval:100000/", 0);
    int32_t ref = (int32_t)u_open("timer://interval/?ms=100000", 0);
    EXPECT(tw_wait(t, TW_SIG_SIGNALED, tw_now() + 9 * 1000 * MS), TW_E_TIMEDOUT);
    EXPECT(tw_invoke(t, TW_TIMER_FIRED, 0, 0, 0, 0), 0);
    EXPECT(tw_invoke(ref, TW_TIMER_FIRED, 0, 0, 0, 0), 0);
    bodies_done++;
}

START_TEST(test_timer_url_limits)
{
    RUN({"t", body_timer_url_limits, 0});
}
END_TEST

/* A reader blocked on a timer that another thread cancels must not sleep forever: a
 * non-blocking read at that point says peer_closed, and so must the blocked one. */
static void body_timer_blocked_read(uintptr_t arg)
{
    (void)arg;
    shared_a = (int32_t)u_open("timer://interval:10/", 0);
    EXPECT(u_read_u64(shared_a), TW_E_PEER);
    EXPECT(tw_now() >= (int64_t)(1 * MS) && tw_now() < (int64_t)(2 * MS), 1);
    EXPECT(tw_invoke(shared_a, TW_TIMER_FIRED, 0, 0, 0, 0), 0);
    bodies_done++;
}

static void body_timer_canceller(uintptr_t arg)
{
    (void)arg;
    EXPECT(tw_sleep_ns(1 * MS), TW_OK);
    EXPECT(tw_invoke(shared_a, TW_TIMER_CANCEL, 0, 0, 0, 0), TW_OK);
    bodies_done++;
}

START_TEST(test_timer_cancel_wakes_blocked_reader)
{
    RUN({"t", body_timer_blocked_read, 0}, {"t", body_timer_canceller, 0});
}
END_TEST

/* ==== system://memory/free_mem ============================================================ */

/* A channel pair holding one message: its ring takes pages until both ends close. */
static int32_t u_hog(int32_t *peer)
{
    int32_t a = (int32_t)u_open("chan://?pair&cap=256", TW_O_NONBLOCK);
    *peer = (int32_t)tw_invoke(a, TW_CHAN_TAKE_PEER, 0, 0, 0, 0);
    EXPECT(u_send(a, "hog"), 3);
    return a;
}

static void body_system_threshold(uintptr_t arg)
{
    (void)arg;
    char url[64];
    int32_t q = (int32_t)u_open("system://memory/free_mem?below=0", 0); /* never fires */
    EXPECT(q, 1);
    int32_t hog_b;
    int32_t hog_a = u_hog(&hog_b);
    int64_t f = tw_invoke(q, TW_SYS_MEM_FREE_PAGES, 0, 0, 0, 0);
    EXPECT(f > 3000 && f < 4096, 1);
    EXPECT(u_read_u64(q), f); /* read gives the same count */
    EXPECT(tw_wait(q, TW_SIG_ALL, TW_DEADLINE_NOW), TW_E_TIMEDOUT);
    /* Below the threshold from the start: signalled at once, and it stays until FREED. */
    snprintf(url, sizeof(url), "system://memory/free_mem?below=%" PRId64, f + 1);
    int32_t w = (int32_t)u_open(url, 0);
    EXPECT(w, 4);
    EXPECT(tw_invoke(w, TW_SYS_MEM_FREE_PAGES, 0, 0, 0, 0), f);
    EXPECT(tw_wait(w, TW_SIG_ALL, TW_DEADLINE_NOW), TW_SIG_SIGNALED | TW_SIG_READABLE);
    EXPECT(tw_wait(w, TW_SIG_SIGNALED, TW_DEADLINE_NOW), TW_SIG_SIGNALED); /* not consumed */
    EXPECT(tw_invoke(w, TW_SYS_MEM_FREED, 0, 0, 0, 0), TW_OK);
    EXPECT(tw_wait(w, TW_SIG_ALL, TW_DEADLINE_NOW), TW_E_TIMEDOUT);
    /* Rising above the threshold re-arms it; falling below again fires it again. */
    EXPECT(tw_close(hog_a), TW_OK);
    EXPECT(tw_close(hog_b), TW_OK);
    int64_t up = tw_invoke(w, TW_SYS_MEM_FREE_PAGES, 0, 0, 0, 0);
    EXPECT(up > f, 1);
    EXPECT(tw_wait(w, TW_SIG_ALL, TW_DEADLINE_NOW), TW_E_TIMEDOUT);
    hog_a = u_hog(&hog_b);
    EXPECT(tw_invoke(w, TW_SYS_MEM_FREE_PAGES, 0, 0, 0, 0), f);
    EXPECT(tw_wait(w, TW_SIG_ALL, TW_DEADLINE_NOW), TW_SIG_SIGNALED | TW_SIG_READABLE);
    EXPECT(tw_wait(q, TW_SIG_ALL, TW_DEADLINE_NOW), TW_E_TIMEDOUT); /* its own threshold */
    /* Without a threshold: an eighth of the pool, far below what is free. */
    int32_t d = (int32_t)u_open("system://memory/free_mem", 0);
    EXPECT(tw_wait(d, TW_SIG_ALL, TW_DEADLINE_NOW), TW_E_TIMEDOUT);
    bodies_done++;
}

START_TEST(test_system_free_mem_threshold)
{
    RUN({"t", body_system_threshold, 0});
}
END_TEST

/* Thread 1 waits for the level to fall below what is free when it opens the watcher. */
static void body_system_waiter(uintptr_t arg)
{
    (void)arg;
    char url[64];
    int32_t q = (int32_t)u_open("system://memory/free_mem?below=0", 0);
    int64_t f = tw_invoke(q, TW_SYS_MEM_FREE_PAGES, 0, 0, 0, 0);
    snprintf(url, sizeof(url), "system://memory/free_mem?below=%" PRId64, f);
    int32_t w = (int32_t)u_open(url, 0);
    EXPECT(tw_wait(w, TW_SIG_SIGNALED, TW_DEADLINE_NOW), TW_E_TIMEDOUT);
    EXPECT(tw_wait(w, TW_SIG_SIGNALED, TW_DEADLINE_NEVER), TW_SIG_SIGNALED);
    EXPECT(tw_now() >= (int64_t)(1 * MS), 1); /* when the other thread allocated */
    EXPECT(tw_invoke(w, TW_SYS_MEM_FREE_PAGES, 0, 0, 0, 0) < f, 1);
    EXPECT(tw_invoke(w, TW_SYS_MEM_FREED, 0, 0, 0, 0), TW_OK);
    EXPECT(tw_wait(w, TW_SIG_SIGNALED, (uint64_t)tw_now() + 1 * MS), TW_E_TIMEDOUT);
    bodies_done++;
}

static void body_system_allocator(uintptr_t arg)
{
    (void)arg;
    EXPECT(tw_sleep_ns(1 * MS), TW_OK);
    int32_t b;
    int32_t a = u_hog(&b);
    EXPECT(tw_sleep_ns(3 * MS), TW_OK);
    EXPECT(tw_close(a), TW_OK);
    EXPECT(tw_close(b), TW_OK);
    bodies_done++;
}

START_TEST(test_system_free_mem_wakes_waiter)
{
    RUN({"t", body_system_waiter, 0}, {"t", body_system_allocator, 0});
}
END_TEST

static void body_system_urls(uintptr_t arg)
{
    (void)arg;
    uint8_t small[4];
    static const struct {
        const char *url;
        int64_t want;
    } cases[] = {
        {"system://memory/free_mem?below=x", TW_E_INVAL},
        {"system://memory/free_mem?below=", TW_E_INVAL},
        {"system://memory/free_mem?below=-1", TW_E_INVAL},
        {"system://memory/other", TW_E_NOENT},
        {"system://memory/free_mem/", TW_E_NOENT},
        {"system://memory/", TW_E_NOENT},
        {"system://disk/free_mem", TW_E_NOENT},
        {"system://memory:1/free_mem", TW_E_NOENT},
        {"system://[null://]memory/free_mem", TW_E_NOENT},
        {"system://memory/free_mem?below=1[", TW_E_SYNTAX},
    };
    for (size_t i = 0; i < K_ARRAY_SIZE(cases); i++)
        EXPECT_ITEM(i, u_open(cases[i].url, 0), cases[i].want);
    int32_t w = (int32_t)u_open("system://memory/free_mem?below=99999999", 0);
    EXPECT(w, 1);
    EXPECT(tw_wait(w, TW_SIG_SIGNALED, TW_DEADLINE_NOW), TW_SIG_SIGNALED);
    EXPECT(tw_read(w, small, sizeof(small)), TW_E_TOOBIG);
    EXPECT(tw_write(w, small, sizeof(small)), TW_E_ACCESS);
    EXPECT(tw_seek(w, 0, TW_SEEK_SET), TW_E_ACCESS);
    EXPECT(tw_invoke(w, TW_TIMER_FIRED, 0, 0, 0, 0), TW_E_NOTSUP);
    EXPECT(tw_invoke(w, TW_SYS_MEM_FREED + 2, 0, 0, 0, 0), TW_E_NOTSUP);
    /* Acknowledged while the level stays low: quiet until it rises and falls again. */
    EXPECT(tw_invoke(w, TW_SYS_MEM_FREED, 0, 0, 0, 0), TW_OK);
    EXPECT(tw_wait(w, TW_SIG_SIGNALED, TW_DEADLINE_NOW), TW_E_TIMEDOUT);
    EXPECT(tw_invoke(w, TW_SYS_MEM_FREED, 0, 0, 0, 0), TW_OK);
    EXPECT(tw_wait(w, TW_SIG_SIGNALED, TW_DEADLINE_NOW), TW_E_TIMEDOUT);
    bodies_done++;
}

START_TEST(test_system_urls_and_operations)
{
    RUN({"t", body_system_urls, 0});
}
END_TEST

/* ==== the suite ========================================================================== */

static Suite *providers_suite(void)
{
    Suite *s = suite_create("providers");
    TCase *tc = tcase_create("pipe");
    tcase_add_test(tc, test_pipe_open_rights_and_urls);
    tcase_add_test(tc, test_pipe_byte_stream_and_capacity);
    tcase_add_test(tc, test_pipe_blocking_reader_and_writer);
    tcase_add_test(tc, test_pipe_peer_close);
    tcase_add_test(tc, test_pipe_close_wakes_blocked_callers);
    tcase_add_test(tc, test_pipe_end_moves_between_tasks);
    suite_add_tcase(s, tc);

    tc = tcase_create("zero-null");
    tcase_add_test(tc, test_zero_reads_zeros_swallows_writes);
    tcase_add_test(tc, test_null_reads_eof_swallows_writes);
    suite_add_tcase(s, tc);

    tc = tcase_create("timer");
    tcase_add_test(tc, test_timer_interval_counts);
    tcase_add_test(tc, test_timer_oneshot_set_interval_cancel);
    tcase_add_test(tc, test_timer_periods_and_floor);
    tcase_add_test(tc, test_timer_malformed_urls);
    tcase_add_test(tc, test_timer_url_limits);
    tcase_add_test(tc, test_timer_cancel_wakes_blocked_reader);
    suite_add_tcase(s, tc);

    tc = tcase_create("system");
    tcase_add_test(tc, test_system_free_mem_threshold);
    tcase_add_test(tc, test_system_free_mem_wakes_waiter);
    tcase_add_test(tc, test_system_urls_and_operations);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(providers_suite());
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
