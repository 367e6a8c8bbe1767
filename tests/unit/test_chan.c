/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_chan.c - unit tests of core/chan.c through the system calls (Check,
 * forked mode).
 *
 * Each test boots the kernel, runs user threads (in one or several tasks) that use
 * channels through the real system calls, records what they saw and checks it after
 * k_run; k_teardown then asserts that nothing leaked. Covers pairs (taking the peer, ring
 * capacity, FIFO order, size limits, short buffers, peer closing with messages queued),
 * blocking reads and writes woken by the other side, named ports (listen, connect, reply
 * routing, closing, the task a request names), the signals seen by wait() and poll() with their
 * deadlines, and closing a handle that another thread is blocked on.
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
#include "../../core/task.h"
#include "../../core/thread.h"
#include "../../core/trace.h"
#include "../../hal/hal.h"
#include "../../hal/sim/host.h"
#include "../../providers/providers.h"
#include "../../user/twain.h"
#include "kernel_harness.h"

/* ---- user-side helpers (run on a user thread: buffers live on its stack) -------------- */

#define CONTENT_MISMATCH (-100) /* u_recv_is: a message arrived, but not the one expected */

/* Read one message of at most cap bytes; its length if it equals want, else an error. */
static int64_t u_recv_is(int32_t h, const char *want, size_t cap)
{
    char buf[TW_MSG_MAX_BYTES + 8];
    int64_t n = tw_read(h, buf, cap < sizeof(buf) ? cap : sizeof(buf));
    if (n < 0)
        return n;
    return (size_t)n == strlen(want) && memcmp(buf, want, (size_t)n) == 0 ? n : CONTENT_MISMATCH;
}

static int64_t u_recv(int32_t h, const char *want)
{
    return u_recv_is(h, want, TW_MSG_MAX_BYTES);
}

/* ---- pairs ------------------------------------------------------------------------------ */

static void body_pair_open(uintptr_t arg)
{
    (void)arg;
    int64_t a = u_open("chan://?pair", TW_O_NONBLOCK);
    EXPECT(a, 1);
    int64_t b = tw_invoke((int32_t)a, TW_CHAN_TAKE_PEER, 0, 0, 0, 0);
    EXPECT(b, 2);
    EXPECT(tw_invoke((int32_t)a, TW_CHAN_TAKE_PEER, 0, 0, 0, 0), TW_E_NOENT); /* taken once */
    EXPECT(tw_invoke((int32_t)b, TW_CHAN_TAKE_PEER, 0, 0, 0, 0), TW_E_NOENT);
    EXPECT(u_send((int32_t)a, "a->b"), 4);
    EXPECT(u_send((int32_t)b, "b->a!"), 5);
    EXPECT(tw_invoke((int32_t)a, TW_CHAN_PENDING, 0, 0, 0, 0), 1);
    EXPECT(tw_invoke((int32_t)b, TW_CHAN_PENDING, 0, 0, 0, 0), 1);
    EXPECT(u_recv((int32_t)b, "a->b"), 4);
    EXPECT(u_recv((int32_t)a, "b->a!"), 5);
    EXPECT(u_recv((int32_t)a, ""), TW_E_WOULDBLOCK);
    EXPECT(tw_invoke((int32_t)a, 0x2ff, 0, 0, 0, 0), TW_E_NOTSUP);
    EXPECT(tw_invoke((int32_t)a, TW_TIMER_FIRED, 0, 0, 0, 0), TW_E_NOTSUP);
    EXPECT(tw_invoke((int32_t)a, TW_TASK_NOW, 0, 0, 0, 0), TW_E_NOTSUP);
    /* Before the peer is taken, writes queue for it and survive the taking. */
    int64_t c = u_open("chan://?pair", TW_O_NONBLOCK);
    EXPECT(u_send((int32_t)c, "early"), 5);
    int64_t d = tw_invoke((int32_t)c, TW_CHAN_TAKE_PEER, 0, 0, 0, 0);
    EXPECT(u_recv((int32_t)d, "early"), 5);
    /* A pair whose peer is never taken is cleaned up with its handle. */
    EXPECT(u_open("chan://?pair", 0), 5);
    EXPECT(tw_close(5), TW_OK);
    bodies_done++;
}

START_TEST(test_pair_take_peer)
{
    boot();
    new_thread(new_task("t"), body_pair_open, 0);
    run_check(1);
}
END_TEST

static void body_bad_urls(uintptr_t arg)
{
    (void)arg;
    static const char *const inval[] = {
        "chan://?pair&cap=0",
        "chan://?pair&cap=257",
        "chan://?pair&cap=x",
        "chan://?pair&cap=",
        "chan://?pair&cap=-1",
        "chan://name?pair",
        "chan://?pair:1",
        "chan://:5?pair",
        "chan://?listen",
        "chan://",
        "chan://x/y?listen",
        "chan://[null://]x",
        "chan://0123456789012345678901234567890123?listen",
    };
    for (size_t i = 0; i < K_ARRAY_SIZE(inval); i++) {
        int64_t r = u_open(inval[i], 0);
        if (r != TW_E_INVAL && r != TW_E_SYNTAX)
            EXPECT(r, TW_E_INVAL);
    }
    EXPECT(u_open("chan://?pair&cap=256", 0), 1);
    EXPECT(u_open("chan://?pair&cap=1", 0), 2);
    EXPECT(u_open("chan://nobody", 0), TW_E_NOENT);
    bodies_done++;
}

START_TEST(test_pair_bad_urls)
{
    boot();
    new_thread(new_task("t"), body_bad_urls, 0);
    run_check(1);
}
END_TEST

static void body_capacity(uintptr_t arg)
{
    (void)arg;
    int32_t b;
    int64_t a = u_pair_url("chan://?pair&cap=4", &b, TW_O_NONBLOCK);
    EXPECT(a, 1);
    for (int i = 0; i < 4; i++)
        EXPECT(u_send((int32_t)a, "m"), 1);
    EXPECT(u_send((int32_t)a, "m"), TW_E_WOULDBLOCK);
    EXPECT(tw_wait((int32_t)a, TW_SIG_WRITABLE, TW_DEADLINE_NOW), TW_E_TIMEDOUT);
    EXPECT(tw_invoke(b, TW_CHAN_PENDING, 0, 0, 0, 0), 4);
    EXPECT(u_recv(b, "m"), 1);
    EXPECT(tw_wait((int32_t)a, TW_SIG_WRITABLE, TW_DEADLINE_NOW), TW_SIG_WRITABLE);
    EXPECT(u_send((int32_t)a, "n"), 1);
    EXPECT(u_send((int32_t)a, "o"), TW_E_WOULDBLOCK);
    /* The other direction has its own ring. */
    for (int i = 0; i < 4; i++)
        EXPECT(tw_write(b, "", 0), 0); /* zero-length messages count as messages */
    EXPECT(tw_invoke((int32_t)a, TW_CHAN_PENDING, 0, 0, 0, 0), 4);
    /* The default capacity is K_CHAN_DEFAULT_CAP (16). */
    int32_t d;
    int64_t c = u_pair(&d, TW_O_NONBLOCK);
    for (int i = 0; i < 16; i++)
        EXPECT(u_send((int32_t)c, "x"), 1);
    EXPECT(u_send((int32_t)c, "x"), TW_E_WOULDBLOCK);
    EXPECT(tw_invoke(d, TW_CHAN_PENDING, 0, 0, 0, 0), 16);
    bodies_done++;
}

START_TEST(test_ring_capacity)
{
    boot();
    new_thread(new_task("t"), body_capacity, 0);
    run_check(1);
}
END_TEST

static void body_fifo(uintptr_t arg)
{
    (void)arg;
    char msg[32];
    int32_t b;
    int64_t a = u_pair_url("chan://?pair&cap=8", &b, TW_O_NONBLOCK);
    /* Wrap the ring several times with messages of different lengths. */
    int sent = 0, got = 0;
    for (int round = 0; round < 5; round++) {
        for (int i = 0; i < 6; i++, sent++) {
            k_snprintf(msg, sizeof(msg), "msg-%d%.*s", sent, sent % 7, "xxxxxxx");
            EXPECT(u_send((int32_t)a, msg), strlen(msg));
        }
        for (int i = 0; i < 6; i++, got++) {
            k_snprintf(msg, sizeof(msg), "msg-%d%.*s", got, got % 7, "xxxxxxx");
            EXPECT(u_recv(b, msg), strlen(msg));
        }
    }
    EXPECT(tw_invoke(b, TW_CHAN_PENDING, 0, 0, 0, 0), 0);
    bodies_done++;
}

START_TEST(test_fifo_order)
{
    boot();
    new_thread(new_task("t"), body_fifo, 0);
    run_check(1);
}
END_TEST

static void body_size_limit(uintptr_t arg)
{
    (void)arg;
    char big[TW_MSG_MAX_BYTES + 8];
    int32_t hv[1] = {0};
    memset(big, 'z', sizeof(big));
    int32_t b;
    int64_t a = u_pair(&b, TW_O_NONBLOCK);
    EXPECT(tw_write((int32_t)a, big, TW_MSG_MAX_BYTES), TW_MSG_MAX_BYTES);
    EXPECT(tw_write((int32_t)a, big, TW_MSG_MAX_BYTES + 1), TW_E_TOOBIG);
    EXPECT(tw_invoke((int32_t)a, TW_CHAN_WRITE_HANDLES, (uintptr_t)big, TW_MSG_MAX_BYTES + 1,
                     (uintptr_t)hv, 0),
           TW_E_TOOBIG);
    EXPECT(tw_invoke(b, TW_CHAN_PENDING, 0, 0, 0, 0), 1); /* only the first */
    EXPECT(tw_read(b, big, sizeof(big)), TW_MSG_MAX_BYTES);
    /* A blocking handle gets the same answer, without blocking. */
    EXPECT(tw_write(b, big, TW_MSG_MAX_BYTES + 1), TW_E_TOOBIG);
    bodies_done++;
}

START_TEST(test_message_size_limit)
{
    boot();
    new_thread(new_task("t"), body_size_limit, 0);
    run_check(1);
}
END_TEST

static void body_short_buffer(uintptr_t arg)
{
    (void)arg;
    char buf[16];
    int32_t b;
    int64_t a = u_pair(&b, TW_O_NONBLOCK);
    EXPECT(u_send((int32_t)a, "0123456789"), 10);
    EXPECT(u_send((int32_t)a, "next"), 4);
    EXPECT(tw_read(b, buf, 9), TW_E_TOOBIG);
    EXPECT(tw_read(b, buf, 0), TW_E_TOOBIG);
    EXPECT(tw_invoke(b, TW_CHAN_PENDING, 0, 0, 0, 0), 2); /* kept, still first */
    EXPECT(u_recv_is(b, "0123456789", 10), 10);
    EXPECT(u_recv(b, "next"), 4);
    EXPECT(tw_write((int32_t)a, buf, 0), 0);
    EXPECT(tw_read(b, buf, 0), 0); /* an empty message fits an empty buffer */
    EXPECT(tw_invoke(b, TW_CHAN_PENDING, 0, 0, 0, 0), 0);
    bodies_done++;
}

START_TEST(test_read_buffer_too_small_keeps_message)
{
    boot();
    new_thread(new_task("t"), body_short_buffer, 0);
    run_check(1);
}
END_TEST

static void body_null_empty(uintptr_t arg)
{
    (void)arg;
    int32_t b, got[4];
    int64_t a = u_pair(&b, TW_O_NONBLOCK);
    /* Zero bytes at NULL is an empty buffer, not a bad pointer. */
    EXPECT(tw_write((int32_t)a, NULL, 0), 0);
    EXPECT(tw_invoke((int32_t)a, TW_CHAN_WRITE_HANDLES, 0, 0, 0, 0), 0);
    EXPECT(tw_invoke(b, TW_CHAN_PENDING, 0, 0, 0, 0), 2);
    EXPECT(tw_read(b, NULL, 0), 0);
    EXPECT(tw_invoke(b, TW_CHAN_READ_HANDLES, 0, 0, (uintptr_t)got, 4), 0);
    EXPECT(tw_invoke(b, TW_CHAN_PENDING, 0, 0, 0, 0), 0);
    EXPECT(tw_write((int32_t)a, NULL, 1), TW_E_FAULT);
    bodies_done++;
}

/*
 * Empty messages through NULL buffers. In the sanitizer build this also checks that the
 * kernel never hands NULL to memcpy (undefined even for zero bytes; UBSan aborts on it).
 */
START_TEST(test_empty_message_null_buffer)
{
    boot();
    new_thread(new_task("t"), body_null_empty, 0);
    run_check(1);
}
END_TEST

static void body_peer_closed(uintptr_t arg)
{
    (void)arg;
    int32_t b;
    int64_t a = u_pair(&b, TW_O_NONBLOCK);
    EXPECT(u_send((int32_t)a, "one"), 3);
    EXPECT(u_send((int32_t)a, "two"), 3);
    EXPECT(u_send(b, "lost"), 4); /* queued for a: dropped when a closes */
    EXPECT(tw_close((int32_t)a), TW_OK);
    EXPECT(tw_wait(b, TW_SIG_ALL, TW_DEADLINE_NOW), TW_SIG_READABLE | TW_SIG_PEER_CLOSED);
    EXPECT(u_recv(b, "one"), 3);
    EXPECT(u_recv(b, "two"), 3);
    EXPECT(tw_wait(b, TW_SIG_ALL, TW_DEADLINE_NOW), TW_SIG_PEER_CLOSED);
    EXPECT(u_recv(b, ""), TW_E_PEER);
    EXPECT(u_send(b, "x"), TW_E_PEER);
    /* A blocking handle does not block either. */
    int32_t d;
    int64_t c = u_pair(&d, 0);
    EXPECT(tw_close(d), TW_OK);
    EXPECT(u_send((int32_t)c, "x"), TW_E_PEER);
    EXPECT(u_recv((int32_t)c, ""), TW_E_PEER);
    EXPECT(tw_wait((int32_t)c, TW_SIG_WRITABLE | TW_SIG_PEER_CLOSED, TW_DEADLINE_NEVER),
           TW_SIG_PEER_CLOSED);
    bodies_done++;
}

START_TEST(test_peer_closed_drains_then_fails)
{
    boot();
    new_thread(new_task("t"), body_peer_closed, 0);
    run_check(1);
}
END_TEST

/* ---- blocking between threads ---------------------------------------------------------- */

static int32_t shared_a, shared_b; /* a pair both threads of the task use */

static void body_blocked_reader(uintptr_t arg)
{
    int32_t b;
    shared_a = (int32_t)u_pair(&b, 0);
    shared_b = b;
    int64_t t0 = tw_now();
    if (arg == 0) {
        EXPECT(u_recv(b, "wake"), 4); /* woken by the write */
    } else {
        EXPECT(u_recv(b, ""), TW_E_PEER); /* woken by the peer closing */
    }
    int64_t waited = tw_now() - t0;
    EXPECT(waited >= 1000000 && waited < 1100000, 1); /* the writer slept 1 ms first */
    bodies_done++;
}

static void body_waker(uintptr_t arg)
{
    EXPECT(tw_sleep_ns(1000000), TW_OK);
    if (arg == 0)
        EXPECT(u_send(shared_a, "wake"), 4);
    else
        EXPECT(tw_close(shared_a), TW_OK);
    bodies_done++;
}

START_TEST(test_blocking_read_woken)
{
    boot();
    struct task *t = new_task("t");
    new_thread(t, body_blocked_reader, (uintptr_t)_i);
    new_thread(t, body_waker, (uintptr_t)_i);
    run_check(2);
}
END_TEST

static void body_blocked_writer(uintptr_t arg)
{
    (void)arg;
    int32_t b;
    shared_a = (int32_t)u_pair_url("chan://?pair&cap=1", &b, 0);
    shared_b = b;
    EXPECT(u_send(shared_a, "1"), 1);
    int64_t t0 = tw_now();
    EXPECT(u_send(shared_a, "2"), 1); /* blocks until the reader makes room */
    EXPECT(tw_now() - t0 >= 1000000, 1);
    bodies_done++;
}

static void body_late_reader(uintptr_t arg)
{
    (void)arg;
    EXPECT(tw_sleep_ns(1000000), TW_OK);
    EXPECT(u_recv(shared_b, "1"), 1);
    EXPECT(u_recv(shared_b, "2"), 1);
    bodies_done++;
}

START_TEST(test_blocking_write_woken_by_read)
{
    boot();
    struct task *t = new_task("t");
    new_thread(t, body_blocked_writer, 0);
    new_thread(t, body_late_reader, 0);
    run_check(2);
}
END_TEST

/* ---- named ports ------------------------------------------------------------------------ */

static void body_port_names(uintptr_t arg)
{
    (void)arg;
    int64_t p = u_open("chan://svc?listen&cap=2", TW_O_NONBLOCK);
    EXPECT(p, 1);
    EXPECT(u_open("chan://svc?listen", 0), TW_E_BUSY);
    EXPECT(u_open("chan://other", 0), TW_E_NOENT);
    EXPECT(u_open("chan://sv", 0), TW_E_NOENT); /* names match whole */
    EXPECT(u_open("chan://svcx", 0), TW_E_NOENT);
    int64_t c = u_open("chan://svc", TW_O_NONBLOCK);
    EXPECT(c, 2);
    /* The port's ring bounds what its clients may queue. */
    EXPECT(u_send((int32_t)c, "r1"), 2);
    EXPECT(u_send((int32_t)c, "r2"), 2);
    EXPECT(u_send((int32_t)c, "r3"), TW_E_WOULDBLOCK);
    EXPECT(tw_invoke((int32_t)p, TW_CHAN_PENDING, 0, 0, 0, 0), 2);
    /* A server cannot answer before it read a request. */
    EXPECT(u_send((int32_t)p, "early"), TW_E_INVAL);
    EXPECT(u_recv((int32_t)p, "r1"), 2);
    EXPECT(tw_wait((int32_t)c, TW_SIG_WRITABLE, TW_DEADLINE_NOW), TW_SIG_WRITABLE);
    EXPECT(tw_close((int32_t)p), TW_OK);
    /* The name is free again; the old client stays disconnected. */
    EXPECT(u_open("chan://svc", 0), TW_E_NOENT);
    int64_t p2 = u_open("chan://svc?listen", TW_O_NONBLOCK);
    EXPECT(p2, 1);
    EXPECT(u_send((int32_t)c, "r4"), TW_E_PEER);
    EXPECT(tw_invoke((int32_t)p2, TW_CHAN_PENDING, 0, 0, 0, 0), 0);
    EXPECT(u_recv((int32_t)p2, ""), TW_E_WOULDBLOCK);
    bodies_done++;
}

START_TEST(test_port_listen_connect_names)
{
    boot();
    new_thread(new_task("t"), body_port_names, 0);
    run_check(1);
}
END_TEST

static void body_server(uintptr_t nclients)
{
    char buf[64];
    int64_t p = u_open("chan://echo?listen", 0);
    EXPECT(p, 1);
    for (uintptr_t i = 0; i < nclients; i++) {
        int64_t n = tw_read((int32_t)p, buf + 3, sizeof(buf) - 3);
        EXPECT_OK(n);
        if (n < 0)
            break;
        memcpy(buf, "re:", 3);
        EXPECT(tw_write((int32_t)p, buf, (size_t)n + 3), n + 3); /* to whoever sent it */
    }
    bodies_done++;
}

static void body_client(uintptr_t id)
{
    char msg[16], want[20];
    k_snprintf(msg, sizeof(msg), "client-%u", (unsigned)id);
    k_snprintf(want, sizeof(want), "re:%s", msg);
    int64_t c = u_open("chan://echo", 0);
    EXPECT(c, 1);
    EXPECT(u_send((int32_t)c, msg), strlen(msg));
    EXPECT(u_recv((int32_t)c, want), strlen(want));
    EXPECT(tw_invoke((int32_t)c, TW_CHAN_PENDING, 0, 0, 0, 0), 0);
    bodies_done++;
}

/* Both requests are queued before the server reads: each reply still finds its client. */
START_TEST(test_port_replies_go_to_their_client)
{
    boot();
    new_thread(new_task("server"), body_server, 3);
    new_thread(new_task("c1"), body_client, 1);
    new_thread(new_task("c2"), body_client, 2);
    new_thread(new_task("c3"), body_client, 3);
    run_check(4);
}
END_TEST

static void body_server_closes(uintptr_t arg)
{
    (void)arg;
    char buf[16];
    int64_t p = u_open("chan://gone?listen", 0);
    EXPECT(tw_read((int32_t)p, buf, sizeof(buf)), 3);
    EXPECT(tw_sleep_ns(1000), TW_OK); /* the client blocks waiting for the answer */
    EXPECT(tw_close((int32_t)p), TW_OK);
    bodies_done++;
}

static void body_client_abandoned(uintptr_t arg)
{
    (void)arg;
    int64_t c = u_open("chan://gone", 0);
    EXPECT(u_send((int32_t)c, "req"), 3);
    EXPECT(u_recv((int32_t)c, ""), TW_E_PEER); /* blocked, woken by the close */
    EXPECT(tw_wait((int32_t)c, TW_SIG_ALL, TW_DEADLINE_NOW), TW_SIG_PEER_CLOSED);
    EXPECT(u_send((int32_t)c, "again"), TW_E_PEER);
    bodies_done++;
}

START_TEST(test_port_close_disconnects_clients)
{
    boot();
    new_thread(new_task("server"), body_server_closes, 0);
    new_thread(new_task("client"), body_client_abandoned, 0);
    run_check(2);
}
END_TEST

static void body_reply_to_gone_client(uintptr_t arg)
{
    (void)arg;
    char buf[16];
    int64_t p = u_open("chan://svc?listen", TW_O_NONBLOCK);
    int64_t c = u_open("chan://svc", TW_O_NONBLOCK);
    EXPECT(u_send((int32_t)c, "bye"), 3);
    EXPECT(tw_close((int32_t)c), TW_OK);
    /* The request outlives its client; the answer finds nobody. */
    EXPECT(tw_read((int32_t)p, buf, sizeof(buf)), 3);
    EXPECT(u_send((int32_t)p, "late"), TW_E_PEER);
    bodies_done++;
}

START_TEST(test_port_reply_to_closed_client)
{
    boot();
    new_thread(new_task("t"), body_reply_to_gone_client, 0);
    run_check(1);
}
END_TEST

/* ---- signals, wait and poll ------------------------------------------------------------- */

static void body_signals(uintptr_t arg)
{
    (void)arg;
    int32_t b;
    int64_t a = u_pair(&b, TW_O_NONBLOCK);
    EXPECT(tw_wait((int32_t)a, TW_SIG_WRITABLE, TW_DEADLINE_NOW), TW_SIG_WRITABLE);
    EXPECT(tw_wait((int32_t)a, TW_SIG_READABLE, TW_DEADLINE_NOW), TW_E_TIMEDOUT);
    EXPECT(tw_wait((int32_t)a, TW_SIG_ALL, TW_DEADLINE_NOW), TW_SIG_WRITABLE);
    struct tw_poll_item it[2] = {
        {.handle = (int32_t)a, .signals = TW_SIG_READABLE | TW_SIG_WRITABLE, .observed = 99},
        {.handle = b, .signals = TW_SIG_READABLE, .observed = 99},
    };
    EXPECT(tw_poll(it, 2, TW_DEADLINE_NOW), 1);
    EXPECT(it[0].observed, TW_SIG_WRITABLE);
    EXPECT(it[1].observed, 0);
    EXPECT(u_send((int32_t)a, "x"), 1);
    EXPECT(tw_poll(it, 2, TW_DEADLINE_NOW), 2);
    EXPECT(it[0].observed, TW_SIG_WRITABLE);
    EXPECT(it[1].observed, TW_SIG_READABLE);
    EXPECT(tw_wait(b, TW_SIG_READABLE, TW_DEADLINE_NEVER), TW_SIG_READABLE); /* level, again */
    EXPECT(tw_wait(b, TW_SIG_READABLE, TW_DEADLINE_NEVER), TW_SIG_READABLE);
    EXPECT(tw_close((int32_t)a), TW_OK);
    struct tw_poll_item one = {.handle = b, .signals = TW_SIG_ALL};
    EXPECT(tw_poll(&one, 1, TW_DEADLINE_NOW), 1);
    EXPECT(one.observed, TW_SIG_READABLE | TW_SIG_PEER_CLOSED); /* no longer writable */
    EXPECT(u_recv(b, "x"), 1);
    EXPECT(tw_poll(&one, 1, TW_DEADLINE_NOW), 1);
    EXPECT(one.observed, TW_SIG_PEER_CLOSED);
    /* The same handle twice in one poll: each item is answered. */
    int32_t d;
    int64_t c = u_pair(&d, TW_O_NONBLOCK);
    struct tw_poll_item dup[3] = {
        {.handle = (int32_t)c, .signals = TW_SIG_WRITABLE},
        {.handle = (int32_t)c, .signals = TW_SIG_READABLE},
        {.handle = d, .signals = TW_SIG_WRITABLE},
    };
    EXPECT(tw_poll(dup, 3, TW_DEADLINE_NOW), 2);
    EXPECT(dup[1].observed, 0);
    bodies_done++;
}

START_TEST(test_wait_and_poll_signals)
{
    boot();
    new_thread(new_task("t"), body_signals, 0);
    run_check(1);
}
END_TEST

static void body_deadlines(uintptr_t arg)
{
    (void)arg;
    int32_t b;
    int64_t a = u_pair(&b, TW_O_NONBLOCK);
    struct tw_poll_item it = {.handle = b, .signals = TW_SIG_READABLE, .observed = 77};
    EXPECT(tw_sleep_ns(5000), TW_OK); /* now > 1 for sure */
    EXPECT(tw_poll(&it, 1, TW_DEADLINE_NOW), TW_E_TIMEDOUT);
    EXPECT(tw_poll(&it, 1, 1), TW_E_TIMEDOUT);
    int64_t now = tw_now();
    EXPECT(tw_poll(&it, 1, (uint64_t)now - 1), TW_E_TIMEDOUT);
    EXPECT(tw_wait(b, TW_SIG_READABLE, 1), TW_E_TIMEDOUT);
    EXPECT(it.observed, 77); /* not written on a timeout */
    /* A deadline in the future: blocks until then, exactly (plus the wake-up costs). */
    int64_t t0 = tw_now();
    EXPECT(tw_poll(&it, 1, (uint64_t)t0 + 50000), TW_E_TIMEDOUT);
    int64_t t1 = tw_now();
    EXPECT(t1 >= t0 + 50000 && t1 < t0 + 52000, 1);
    t0 = tw_now();
    EXPECT(tw_wait(b, TW_SIG_READABLE, (uint64_t)t0 + 30000), TW_E_TIMEDOUT);
    t1 = tw_now();
    EXPECT(t1 >= t0 + 30000 && t1 < t0 + 32000, 1);
    /* Ready beats an expired deadline. */
    EXPECT(u_send((int32_t)a, "r"), 1);
    EXPECT(tw_poll(&it, 1, TW_DEADLINE_NOW), 1);
    EXPECT(tw_wait(b, TW_SIG_READABLE, 1), TW_SIG_READABLE);
    bodies_done++;
}

START_TEST(test_poll_and_wait_deadlines)
{
    boot();
    new_thread(new_task("t"), body_deadlines, 0);
    run_check(1);
}
END_TEST

/* ---- closing a handle that another thread is blocked on ------------------------------- */

enum { VIA_WAIT, VIA_READ, VIA_POLL, VIA_DUPLICATE };

static void body_blocked_waiter(uintptr_t how)
{
    char buf[8];
    int32_t b;
    shared_a = (int32_t)u_pair(&b, 0);
    shared_b = b;
    int32_t h = shared_a;
    if (how == VIA_DUPLICATE)
        h = (int32_t)tw_invoke(TW_HANDLE_SELF, TW_TASK_DUPLICATE, (uint64_t)shared_a,
                               TW_RIGHT_READ | TW_RIGHT_WAIT, 0, 0);
    struct tw_poll_item it = {.handle = h, .signals = TW_SIG_READABLE};
    switch (how) {
    case VIA_WAIT:
        EXPECT(tw_wait(h, TW_SIG_READABLE, TW_DEADLINE_NEVER), TW_E_CANCELED);
        break;
    case VIA_READ:
        EXPECT(tw_read(h, buf, sizeof(buf)), TW_E_CANCELED);
        break;
    case VIA_POLL:
        EXPECT(tw_poll(&it, 1, TW_DEADLINE_NEVER), TW_E_CANCELED);
        break;
    default: /* waiting through another handle to the same end: not cancelled */
        EXPECT(tw_read(h, buf, sizeof(buf)), 5);
        break;
    }
    bodies_done++;
}

static void body_closer(uintptr_t how)
{
    char buf[8];
    EXPECT(tw_sleep_ns(1000), TW_OK); /* the waiter blocks first */
    EXPECT(tw_close(shared_a), TW_OK);
    EXPECT(tw_read(shared_a, buf, 1), TW_E_BADH);
    if (how == VIA_DUPLICATE)
        EXPECT(u_send(shared_b, "later"), 5);
    else
        EXPECT(tw_wait(shared_b, TW_SIG_PEER_CLOSED, TW_DEADLINE_NOW), TW_SIG_PEER_CLOSED);
    bodies_done++;
}

START_TEST(test_close_cancels_blocked_waiter)
{
    boot();
    struct task *t = new_task("t");
    new_thread(t, body_blocked_waiter, (uintptr_t)_i);
    new_thread(t, body_closer, (uintptr_t)_i);
    run_check(2);
}
END_TEST

static int64_t woken_result = 12345;

static void body_woken_waiter(uintptr_t how)
{
    int32_t b;
    shared_a = (int32_t)u_pair(&b, 0);
    shared_b = b;
    struct tw_poll_item it = {.handle = shared_a, .signals = TW_SIG_READABLE};
    if (how == VIA_WAIT)
        woken_result = tw_wait(shared_a, TW_SIG_READABLE, TW_DEADLINE_NEVER);
    else
        woken_result = tw_poll(&it, 1, TW_DEADLINE_NEVER);
    bodies_done++;
}

static void body_wake_then_close(uintptr_t how)
{
    (void)how;
    EXPECT(tw_sleep_ns(1000), TW_OK);
    EXPECT(u_send(shared_b, "go"), 2); /* wakes the waiter: it is ready, not yet running */
    EXPECT(tw_close(shared_a), TW_OK); /* ... and the end it waited on is destroyed */
    EXPECT(tw_close(shared_b), TW_OK);
    bodies_done++;
}

/*
 * A waiter that was woken (signal asserted) but has not run yet when another thread closes
 * the handle and so destroys the object: when it runs, wait()/poll() must not touch the
 * freed object. Either answer is fine: the signal it saw, or TW_E_CANCELED.
 */
START_TEST(test_woken_waiter_then_handle_closed)
{
    boot();
    struct task *t = new_task("t");
    new_thread(t, body_woken_waiter, (uintptr_t)(_i == 0 ? VIA_WAIT : VIA_POLL));
    new_thread(t, body_wake_then_close, 0);
    int why = k_run();
    ck_assert_int_eq(why, TR_END_DONE);
    check_expectations();
    ck_assert_msg(woken_result == (_i == 0 ? TW_SIG_READABLE : 1) || woken_result == TW_E_CANCELED,
                  "the woken waiter returned %" PRId64, woken_result);
    ck_assert_uint_eq(bodies_done, 2);
    k_teardown();
}
END_TEST

/* ---- who sent a request (TW_PORT_SENDER) ------------------------------------------------- */

static int64_t sender_of(int32_t h)
{
    return tw_invoke(h, TW_PORT_SENDER, 0, 0, 0, 0);
}

static int64_t my_task_id(void)
{
    return tw_invoke(TW_HANDLE_SELF, TW_TASK_ID, 0, 0, 0, 0);
}

static int64_t sender_client_ids[3]; /* written by each client before it sends */

/*
 * Two clients in tasks of their own, and one in the server's task: each request names the
 * task that wrote it, while it is in service and not after; a message read past (one-way)
 * gives way to the next; a client end is no port.
 */
static void body_sender_server(uintptr_t arg)
{
    (void)arg;
    char buf[16];
    int32_t p = (int32_t)u_open("chan://who?listen", 0);
    EXPECT(sender_of(p), TW_E_INVAL); /* nothing read yet */
    int32_t own = (int32_t)u_open("chan://who", 0);
    EXPECT(sender_of(own), TW_E_NOTSUP); /* a client end */
    sender_client_ids[2] = my_task_id();
    EXPECT(u_send(own, "own"), 3);
    for (int i = 0; i < 3; i++) {
        int64_t n = tw_read(p, buf, sizeof(buf));
        EXPECT_OK(n);
        int who = n == 3 ? 2 : buf[1] - '0'; /* "c0", "c1" or "own" */
        EXPECT_ITEM(i, sender_of(p), sender_client_ids[who]);
        if (who == 0)
            continue; /* one-way: the next read reads past it, and that one is in service */
        EXPECT_ITEM(i, u_send(p, "ok"), 2);
        EXPECT_ITEM(i, sender_of(p), TW_E_INVAL); /* answered: none in service */
    }
    EXPECT(u_recv(own, "ok"), 2);
    bodies_done++;
}

static void body_sender_client(uintptr_t id)
{
    char msg[4] = {'c', (char)('0' + id), 0, 0};
    sender_client_ids[id] = my_task_id();
    EXPECT_OK(sender_client_ids[id]);
    int32_t c = (int32_t)u_open("chan://who", 0);
    EXPECT(u_send(c, msg), 2);
    if (id == 1)
        EXPECT(u_recv(c, "ok"), 2);
    bodies_done++;
}

START_TEST(test_port_sender_names_the_writing_task)
{
    boot();
    new_thread(new_task("server"), body_sender_server, 0);
    new_thread(new_task("c0"), body_sender_client, 0);
    new_thread(new_task("c1"), body_sender_client, 1);
    run_check(3);
    ck_assert_int_ne(sender_client_ids[0], sender_client_ids[1]);
    ck_assert_int_ne(sender_client_ids[1], sender_client_ids[2]);
}
END_TEST

/* ---- runner ----------------------------------------------------------------------------- */

static Suite *chan_suite(void)
{
    Suite *s = suite_create("chan");
    TCase *tc = tcase_create("pairs");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_pair_take_peer);
    tcase_add_test(tc, test_pair_bad_urls);
    tcase_add_test(tc, test_ring_capacity);
    tcase_add_test(tc, test_fifo_order);
    tcase_add_test(tc, test_message_size_limit);
    tcase_add_test(tc, test_read_buffer_too_small_keeps_message);
    tcase_add_test(tc, test_empty_message_null_buffer);
    tcase_add_test(tc, test_peer_closed_drains_then_fails);
    suite_add_tcase(s, tc);

    tc = tcase_create("blocking");
    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, test_blocking_read_woken, 0, 2);
    tcase_add_test(tc, test_blocking_write_woken_by_read);
    suite_add_tcase(s, tc);

    tc = tcase_create("ports");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_port_listen_connect_names);
    tcase_add_test(tc, test_port_replies_go_to_their_client);
    tcase_add_test(tc, test_port_close_disconnects_clients);
    tcase_add_test(tc, test_port_reply_to_closed_client);
    tcase_add_test(tc, test_port_sender_names_the_writing_task);
    suite_add_tcase(s, tc);

    tc = tcase_create("waiting");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_wait_and_poll_signals);
    tcase_add_test(tc, test_poll_and_wait_deadlines);
    tcase_add_loop_test(tc, test_close_cancels_blocked_waiter, VIA_WAIT, VIA_DUPLICATE + 1);
    tcase_add_loop_test(tc, test_woken_waiter_then_handle_closed, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(chan_suite());
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
