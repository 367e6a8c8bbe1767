/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_incarnation.c - port incarnations (core/chan_req.c, docs/supervision.md),
 * Check, forked: a port's generation goes up at each death of its server (exit, kill,
 * crash) and only then; every call on a handle of an ended incarnation is stale, and
 * opening the name again reaches the next one; a repeatable request in service is
 * delivered again, first, and answered once; the others, in service or queued, are
 * refused with restarted, each exactly once, in ring order with real replies (also past a
 * full ring); the 32-bit generation wraps without reviving an old handle; a port with no
 * other handle still closes; user-provider proxies go stale and their calls in flight get
 * restarted; and the invariant checker finds a request counted in two places.
 *
 * A supervisor task keeps the port and hands a duplicate to each server it starts over
 * chan://boot, as scenarios/restart-*.json do; phases are spaced by virtual time.
 */
#include <signal.h>

#include "../../core/chan_int.h"
#include "../../core/fault.h"
#include "../../core/handle.h"
#include "../../core/invariants.h"
#include "../../core/kentry.h"
#include "kernel_harness.h"

#define MS   1000000ull
#define OP_A 1u /* ops of the tests' requests: OP_A is marked repeatable where it matters */
#define OP_B 2u

/* ---- user-side helpers -------------------------------------------------------------------- */

/* A request: op (4 bytes, little-endian) then a tag. */
static int64_t u_req(int32_t h, uint32_t op, char tag)
{
    char buf[8];
    memcpy(buf, &op, 4);
    buf[4] = tag;
    return tw_write(h, buf, 5);
}

/* Read one request on port p: its tag, or an error; *op gets its op. */
static int64_t u_serve_read(int32_t p, uint32_t *op)
{
    char buf[TW_MSG_MAX_BYTES];
    int64_t n = tw_read(p, buf, sizeof(buf));
    if (n < 0)
        return n;
    if (n != 5)
        return -100;
    memcpy(op, buf, 4);
    return buf[4];
}

/* Answer the request this thread read last with "re" and its tag. */
static int64_t u_answer(int32_t p, char tag)
{
    char buf[4] = {'r', 'e', tag, 0};
    return tw_write(p, buf, 3);
}

/* Read a reply on client end c: the tag it answers, or an error. */
static int64_t u_reply(int32_t c)
{
    char buf[TW_MSG_MAX_BYTES];
    int64_t n = tw_read(c, buf, sizeof(buf));
    if (n < 0)
        return n;
    return n == 3 && buf[0] == 'r' && buf[1] == 'e' ? buf[2] : -100;
}

static int64_t u_gen(int32_t h)
{
    return tw_invoke(h, TW_PORT_GENERATION, 0, 0, 0, 0);
}

static void u_sleep_until(uint64_t t)
{
    int64_t now = tw_now();
    if ((uint64_t)now < t)
        EXPECT(tw_sleep_ns(t - (uint64_t)now), TW_OK);
}

/* Supervisor side: answer the next "ready" on chan://boot with a duplicate of port p. */
static void u_hand_out(int32_t boot, int32_t p)
{
    char buf[16];
    EXPECT(tw_read(boot, buf, sizeof(buf)), 5);
    int64_t d = tw_invoke(TW_HANDLE_SELF, TW_TASK_DUPLICATE, (uint64_t)p, TW_RIGHTS_SAME, 0, 0);
    EXPECT_OK(d);
    int32_t hv[1] = {(int32_t)d};
    memcpy(buf, "port", 4);
    EXPECT(tw_invoke(boot, TW_CHAN_WRITE_HANDLES, (uintptr_t)buf, 4, (uintptr_t)hv, 1), 4);
}

/* Server side: ask the supervisor for the port. */
static int32_t u_take_port(void)
{
    int32_t b = (int32_t)u_open("chan://boot", 0);
    char buf[16];
    memcpy(buf, "ready", 5);
    EXPECT(tw_write(b, buf, 5), 5);
    int32_t hv[1] = {-1};
    EXPECT(tw_invoke(b, TW_CHAN_READ_HANDLES, (uintptr_t)buf, sizeof(buf), (uintptr_t)hv, 1), 4);
    EXPECT(tw_close(b), TW_OK);
    return hv[0];
}

static _Noreturn void u_exit(int64_t status)
{
    tw_invoke(TW_HANDLE_SELF, TW_TASK_EXIT, (uint64_t)status, 0, 0, 0);
    __builtin_unreachable();
}

/* The kernel's object behind one of the calling task's handles (white-box checks). */
static struct port *u_port_obj(int32_t h)
{
    struct thread *t = thread_current();
    return as_port(handle_lookup(t->task, t, h)->obj);
}

/* ---- generations ------------------------------------------------------------------------ */

static struct task *server_b;

static void body_gen_supervisor(uintptr_t arg)
{
    (void)arg;
    int32_t p = (int32_t)u_open("chan://svc?listen", 0);
    int32_t b = (int32_t)u_open("chan://boot?listen", 0);
    EXPECT(u_gen(p), 0);
    u_hand_out(b, p); /* A: serves one request and exits */
    u_sleep_until(2 * MS);
    EXPECT(u_gen(p), 1);
    u_hand_out(b, p); /* B: killed by a fault at 3 ms */
    u_sleep_until(4 * MS);
    EXPECT(u_gen(p), 2);
    u_hand_out(b, p); /* H: holds the port, never reads it, exits */
    u_sleep_until(5 * MS);
    EXPECT(u_gen(p), 2); /* no incarnation was bound: nothing ended */
    u_hand_out(b, p);    /* C: crashes while serving */
    u_sleep_until(7 * MS);
    EXPECT(u_gen(p), 3);
    EXPECT(tw_invoke(p, TW_CHAN_PENDING, 0, 0, 0, 0), 0);
    bodies_done++;
}

static void body_gen_serve_once(uintptr_t start)
{
    u_sleep_until(start);
    int32_t p = u_take_port();
    uint32_t op;
    EXPECT(u_serve_read(p, &op), 'x');
    EXPECT(u_answer(p, 'x'), 3);
    if (start == 6 * MS)
        k_user_fault(14); /* C: a page fault in user code, as the UEFI trap handler reports */
    if (start == 0)
        u_exit(0); /* A */
    uint32_t op2;
    EXPECT(u_serve_read(p, &op2), TW_E_CANCELED); /* B: blocked when the fault kills it */
    bodies_done++;
}

static void body_gen_holder(uintptr_t arg)
{
    (void)arg;
    u_sleep_until(4 * MS + 100000);
    int32_t p = u_take_port();
    EXPECT(tw_invoke(p, TW_CHAN_PENDING, 0, 0, 0, 0), 0);
    bodies_done++;
}

static void body_gen_client(uintptr_t arg)
{
    (void)arg;
    int32_t c[4];
    for (int i = 0; i < 4; i++) {
        u_sleep_until((uint64_t)(i == 3 ? 6 : 2 * i) * MS + 500000);
        c[i] = (int32_t)u_open("chan://svc", 0);
        EXPECT_ITEM(i, u_gen(c[i]), i < 3 ? i : 2);
        if (i < 3 && i != 2) {
            EXPECT_ITEM(i, u_req(c[i], OP_B, 'x'), 5);
            EXPECT_ITEM(i, u_reply(c[i]), 'x');
        }
    }
    /* C (started at 6 ms) serves the client of generation 2 */
    EXPECT(u_req(c[3], OP_B, 'x'), 5);
    EXPECT(u_reply(c[3]), 'x');
    u_sleep_until(8 * MS);
    for (int i = 0; i < 4; i++) {
        EXPECT_ITEM(i, u_gen(c[i]), i < 3 ? i : 2); /* the generation each reached */
        EXPECT_ITEM(i, u_req(c[i], OP_B, 'y'), TW_E_STALE);
    }
    bodies_done++;
}

START_TEST(test_generation_counts_server_deaths)
{
    boot();
    new_thread(new_task("supervisor"), body_gen_supervisor, 0);
    new_thread(new_task("A"), body_gen_serve_once, 0);
    server_b = new_task("B");
    new_thread(server_b, body_gen_serve_once, 2 * MS + 100000);
    new_thread(new_task("H"), body_gen_holder, 0);
    new_thread(new_task("C"), body_gen_serve_once, 6 * MS);
    new_thread(new_task("client"), body_gen_client, 0);
    ck_assert_int_eq(fault_schedule(FAULT_KILL, 3 * MS, server_b->id), TW_OK);
    run_check(3); /* A exits, B is killed, C crashes: none of them counts */
}
END_TEST

/* ---- stale handles ---------------------------------------------------------------------- */

static void body_stale_supervisor(uintptr_t arg)
{
    (void)arg;
    int32_t p = (int32_t)u_open("chan://svc?listen", 0);
    int32_t b = (int32_t)u_open("chan://boot?listen", 0);
    u_hand_out(b, p);
    u_hand_out(b, p);
    u_sleep_until(10 * MS);
    bodies_done++;
}

static void body_stale_server(uintptr_t last)
{
    if (last)
        u_sleep_until(700000);
    int32_t p = u_take_port();
    uint32_t op;
    EXPECT(u_serve_read(p, &op), last ? 'n' : 'x');
    EXPECT(u_answer(p, last ? 'n' : 'x'), 3);
    if (last) {
        bodies_done++;
        return;
    }
    u_sleep_until(500000); /* the client's other thread blocks reading meanwhile */
    u_exit(3);
}

/* A thread blocked reading an end that goes stale with nothing owed wakes with stale. */
static void body_stale_blocked_reader(uintptr_t h)
{
    u_sleep_until(300000);
    EXPECT(u_reply((int32_t)h), TW_E_STALE);
    EXPECT(tw_now() >= 500000, 1);
    bodies_done++;
}

static void body_stale_client(uintptr_t arg)
{
    (void)arg;
    u_sleep_until(100000);
    int32_t c = (int32_t)u_open("chan://svc", 0);
    EXPECT(c, 1); /* the handle the other thread reads */
    EXPECT(u_req(c, OP_A, 'x'), 5);
    EXPECT(u_reply(c), 'x');
    u_sleep_until(1 * MS); /* the server exited in between: the reader woke */
    /* Every call on the stale end: */
    char buf[TW_MSG_MAX_BYTES];
    int32_t hv[TW_MSG_MAX_HANDLES];
    memset(buf, 0, sizeof(buf));
    EXPECT(tw_write(c, buf, 5), TW_E_STALE);
    EXPECT(tw_read(c, buf, sizeof(buf)), TW_E_STALE);
    EXPECT(tw_invoke(c, TW_CHAN_WRITE_HANDLES, (uintptr_t)buf, 5, (uintptr_t)hv, 0), TW_E_STALE);
    EXPECT(tw_invoke(c, TW_CHAN_READ_HANDLES, (uintptr_t)buf, sizeof(buf), (uintptr_t)hv, 4),
           TW_E_STALE);
    EXPECT(tw_invoke(c, TW_CHAN_TAKE_PEER, 0, 0, 0, 0), TW_E_NOENT); /* a client end has none */
    EXPECT(tw_invoke(c, TW_CHAN_PENDING, 0, 0, 0, 0), 0);            /* what it is owed: nothing */
    EXPECT(u_gen(c), 0);                                             /* the generation it reached */
    EXPECT(tw_seek(c, 0, TW_SEEK_SET), TW_E_ACCESS);                 /* a channel end never seeks */
    EXPECT(tw_tell(c), TW_E_ACCESS);
    EXPECT(tw_wait(c, TW_SIG_ALL, TW_DEADLINE_NOW), TW_SIG_PEER_CLOSED); /* never writable */
    struct tw_poll_item item = {.handle = c, .signals = TW_SIG_WRITABLE | TW_SIG_PEER_CLOSED};
    EXPECT(tw_poll(&item, 1, TW_DEADLINE_NEVER), 1);
    EXPECT(item.observed, TW_SIG_PEER_CLOSED);
    /* A duplicate is as stale; opening the name again reaches the next incarnation. */
    int64_t d = tw_invoke(TW_HANDLE_SELF, TW_TASK_DUPLICATE, (uint64_t)c, TW_RIGHTS_SAME, 0, 0);
    EXPECT(u_req((int32_t)d, OP_A, 'y'), TW_E_STALE);
    int32_t c2 = (int32_t)u_open("chan://svc", 0);
    EXPECT(u_gen(c2), 1);
    EXPECT(u_req(c2, OP_A, 'n'), 5);
    EXPECT(u_reply(c2), 'n');
    EXPECT(u_req(c, OP_A, 'y'), TW_E_STALE); /* and never the old one */
    bodies_done++;
}

START_TEST(test_stale_handles_every_call)
{
    boot();
    new_thread(new_task("supervisor"), body_stale_supervisor, 0);
    new_thread(new_task("server1"), body_stale_server, 0);
    new_thread(new_task("server2"), body_stale_server, 1);
    struct task *client = new_task("client");
    new_thread(client, body_stale_client, 0);
    new_thread(client, body_stale_blocked_reader, 1);
    run_check(4);
}
END_TEST

/* Another task cannot read a port while its incarnation is bound; after it ends, it can. */
static void body_busy_first(uintptr_t arg)
{
    (void)arg;
    int32_t p = u_take_port();
    int32_t c = (int32_t)u_open("chan://svc", TW_O_NONBLOCK);
    EXPECT(u_req(c, OP_A, 'a'), 5);
    uint32_t op;
    EXPECT(u_serve_read(p, &op), 'a'); /* binds this task */
    EXPECT(u_req(c, OP_A, 'b'), 5);
    u_sleep_until(2 * MS);
    bodies_done++;
}

static void body_busy_second(uintptr_t arg)
{
    (void)arg;
    int32_t p = u_take_port();
    uint32_t op;
    u_sleep_until(1 * MS);
    EXPECT(u_serve_read(p, &op), TW_E_BUSY);
    u_sleep_until(3 * MS);
    EXPECT(u_gen(p), 1);
    EXPECT(u_serve_read(p, &op), TW_E_WOULDBLOCK); /* free to read: 'b' was refused */
    bodies_done++;
}

static void body_busy_supervisor(uintptr_t arg)
{
    (void)arg;
    int32_t p = (int32_t)u_open("chan://svc?listen", TW_O_NONBLOCK);
    int32_t b = (int32_t)u_open("chan://boot?listen", 0);
    u_hand_out(b, p);
    u_hand_out(b, p);
    u_sleep_until(4 * MS);
    bodies_done++;
}

START_TEST(test_read_by_another_task_is_busy)
{
    boot();
    new_thread(new_task("supervisor"), body_busy_supervisor, 0);
    new_thread(new_task("first"), body_busy_first, 0);
    new_thread(new_task("second"), body_busy_second, 0);
    run_check(3);
}
END_TEST

/* ---- nothing lost ---------------------------------------------------------------------- */

static void body_lost_supervisor(uintptr_t mask)
{
    int32_t p = (int32_t)u_open("chan://svc?listen", TW_O_NONBLOCK);
    EXPECT(tw_invoke(p, TW_PORT_SET_REPEATABLE, mask, 0, 0, 0), TW_OK);
    int32_t b = (int32_t)u_open("chan://boot?listen", 0);
    u_hand_out(b, p);
    u_hand_out(b, p);
    u_sleep_until(5 * MS);
    EXPECT(tw_invoke(p, TW_CHAN_PENDING, 0, 0, 0, 0), 0);
    bodies_done++;
}

/*
 * The first server: thread 0 reads request 'a', thread 1 request 'b', and both keep them;
 * then thread 1 ends first, and thread 0 ends the task. Queued behind: 'c' (OP_A), 'd'
 * (OP_B), and 'e' (OP_A, but carrying a handle).
 */
static int32_t lost_port = -1;

static void body_lost_thread1(uintptr_t arg)
{
    (void)arg;
    u_sleep_until(250000);
    uint32_t op;
    EXPECT(u_serve_read(lost_port, &op), 'b');
    u_sleep_until(1 * MS);
    k_check_invariants(); /* 'a' and 'b' in service, 'c' 'd' 'e' queued */
    tw_invoke(TW_HANDLE_SELF, TW_TASK_THREAD_EXIT, 0, 0, 0, 0);
}

static void body_lost_server1(uintptr_t arg)
{
    (void)arg;
    lost_port = u_take_port();
    u_sleep_until(200000);
    uint32_t op;
    EXPECT(u_serve_read(lost_port, &op), 'a');
    u_sleep_until(1500000);
    k_check_invariants(); /* thread 1 ended: 'b' is back in the ring, before 'c' */
    u_exit(0);
}

/* The next server: what it reads, in order, answering each once, and the task each request
 * names (TW_PORT_SENDER: a request delivered again still names its client). */
static char lost_read[8];
static int64_t lost_sender[8];
static int64_t lost_client_task['e' - 'a' + 1];

static void body_lost_server2(uintptr_t arg)
{
    (void)arg;
    u_sleep_until(2 * MS);
    int32_t p = u_take_port();
    for (int i = 0; i < 4; i++) {
        uint32_t op;
        int64_t tag = u_serve_read(p, &op);
        lost_read[i] = tag > 0 ? (char)tag : '?';
        lost_sender[i] = tw_invoke(p, TW_PORT_SENDER, 0, 0, 0, 0);
        if (i == 0)
            k_check_invariants(); /* 'a' in service again, a copy kept */
        if (tag > 0)
            EXPECT_ITEM(i, u_answer(p, (char)tag), 3);
    }
    bodies_done++;
}

static void body_lost_client(uintptr_t tag)
{
    u_sleep_until(100000 + (uint64_t)(tag - 'a') * 10000);
    int32_t c = (int32_t)u_open("chan://svc", 0);
    uint32_t op = tag == 'd' ? OP_B : OP_A;
    lost_client_task[tag - 'a'] = tw_invoke(TW_HANDLE_SELF, TW_TASK_ID, 0, 0, 0, 0);
    if (tag == 'e') { /* a repeatable op carrying a handle: it cannot be delivered twice */
        char buf[8];
        memcpy(buf, &op, 4);
        buf[4] = 'e';
        int32_t peer, hv[1];
        hv[0] = (int32_t)u_pair(&peer, 0);
        EXPECT(tw_invoke(c, TW_CHAN_WRITE_HANDLES, (uintptr_t)buf, 5, (uintptr_t)hv, 1), 5);
    } else {
        EXPECT(u_req(c, op, (char)tag), 5);
    }
    bool repeated = tag == 'a' || tag == 'b' || tag == 'c';
    EXPECT(u_reply(c), repeated ? (int64_t)tag : TW_E_RESTARTED);
    EXPECT(u_reply(c), TW_E_STALE); /* exactly once: nothing more is owed */
    EXPECT(tw_wait(c, TW_SIG_PEER_CLOSED, TW_DEADLINE_NOW), TW_SIG_PEER_CLOSED);
    bodies_done++;
}

START_TEST(test_repeatable_redelivered_first_others_restarted)
{
    boot();
    new_thread(new_task("supervisor"), body_lost_supervisor, 1u << OP_A);
    struct task *s1 = new_task("server1");
    new_thread(s1, body_lost_server1, 0);
    new_thread(s1, body_lost_thread1, 0);
    new_thread(new_task("server2"), body_lost_server2, 0);
    for (uintptr_t tag = 'a'; tag <= 'e'; tag++)
        new_thread(new_task("client"), body_lost_client, tag);
    run_check(7);
    /* read order: 'a' then 'b' (in service, in the order first read, though 'b' came back
     * first), then the queued 'c'; 'd' and 'e' were refused. */
    ck_assert_str_eq(lost_read, "abc?");
    for (int i = 0; i < 3; i++) /* 'a' from a copy in service, 'b' put back, 'c' kept queued */
        ck_assert_int_eq(lost_sender[i], lost_client_task[lost_read[i] - 'a']);
    ck_assert_int_ne(lost_client_task[0], lost_client_task[1]);
}
END_TEST

/*
 * Nothing is repeatable: the client of the request in service and the client with two
 * queued requests get restarted for each, once, in ring order with the reply already
 * waiting for them; a client whose ring (cap=1) is full gets its markers after it.
 */
static void body_restart_server(uintptr_t arg)
{
    (void)arg;
    int32_t p = u_take_port();
    u_sleep_until(1 * MS); /* queued: f p g h q r */
    uint32_t op;
    EXPECT(u_serve_read(p, &op), 'f'); /* full client: answered, its ring is full now */
    EXPECT(u_answer(p, 'f'), 3);
    EXPECT(u_serve_read(p, &op), 'p'); /* pipelined client: answered */
    EXPECT(u_answer(p, 'p'), 3);
    EXPECT(u_serve_read(p, &op), 'g'); /* full client's second: kept in service */
    k_check_invariants();
    u_exit(1);
}

static void body_restart_pipelined(uintptr_t arg)
{
    (void)arg;
    u_sleep_until(110000);
    int32_t c = (int32_t)u_open("chan://svc", 0);
    EXPECT(u_req(c, OP_A, 'p'), 5);
    u_sleep_until(130000);
    EXPECT(u_req(c, OP_A, 'q'), 5); /* queued */
    EXPECT(u_req(c, OP_A, 'r'), 5);
    u_sleep_until(2 * MS);
    EXPECT(tw_invoke(c, TW_CHAN_PENDING, 0, 0, 0, 0), 3);
    EXPECT(u_reply(c), 'p');
    EXPECT(u_reply(c), TW_E_RESTARTED); /* 'q' */
    EXPECT(u_reply(c), TW_E_RESTARTED); /* 'r' */
    EXPECT(u_reply(c), TW_E_STALE);
    bodies_done++;
}

static void body_restart_full(uintptr_t arg)
{
    (void)arg;
    u_sleep_until(100000);
    int32_t c = (int32_t)u_open("chan://svc?cap=1", 0);
    EXPECT(u_req(c, OP_B, 'f'), 5);
    u_sleep_until(120000);
    EXPECT(u_req(c, OP_B, 'g'), 5); /* in service when the server dies */
    EXPECT(u_req(c, OP_B, 'h'), 5); /* queued */
    u_sleep_until(2 * MS);
    EXPECT(tw_invoke(c, TW_CHAN_PENDING, 0, 0, 0, 0), 3); /* one reply, two markers past it */
    EXPECT(tw_wait(c, TW_SIG_ALL, TW_DEADLINE_NOW), TW_SIG_READABLE | TW_SIG_PEER_CLOSED);
    EXPECT(u_reply(c), 'f');
    EXPECT(u_reply(c), TW_E_RESTARTED);
    EXPECT(u_reply(c), TW_E_RESTARTED);
    EXPECT(u_reply(c), TW_E_STALE);
    bodies_done++;
}

static void body_restart_supervisor(uintptr_t arg)
{
    (void)arg;
    int32_t p = (int32_t)u_open("chan://svc?listen", 0);
    int32_t b = (int32_t)u_open("chan://boot?listen", 0);
    u_hand_out(b, p);
    u_sleep_until(3 * MS);
    EXPECT(u_gen(p), 1);
    EXPECT(tw_invoke(p, TW_CHAN_PENDING, 0, 0, 0, 0), 0);
    bodies_done++;
}

START_TEST(test_nonrepeatable_restarted_once_in_ring_order)
{
    boot();
    new_thread(new_task("supervisor"), body_restart_supervisor, 0);
    new_thread(new_task("server"), body_restart_server, 0);
    new_thread(new_task("pipelined"), body_restart_pipelined, 0);
    new_thread(new_task("full"), body_restart_full, 0);
    run_check(3);
}
END_TEST

/* ---- the wrap ----------------------------------------------------------------------------- */

static void body_wrap_supervisor(uintptr_t arg)
{
    (void)arg;
    EXPECT(u_open("chan://w?listen&gen=4294967296", 0), TW_E_INVAL);
    EXPECT(u_open("chan://w?listen&gen=x", 0), TW_E_INVAL);
    EXPECT(u_open("chan://?pair&gen=1", 0), TW_E_INVAL);
    int32_t p = (int32_t)u_open("chan://svc?listen&gen=4294967295", 0);
    EXPECT(u_open("chan://svc?gen=1", 0), TW_E_INVAL); /* a client has none of its own */
    EXPECT(u_gen(p), 4294967295);
    int32_t b = (int32_t)u_open("chan://boot?listen", 0);
    for (int i = 0; i < 3; i++)
        u_hand_out(b, p);
    u_sleep_until(9 * MS);
    EXPECT(u_gen(p), 2);
    /* As if 2^32 incarnations had passed: the number is the oldest handle's again. */
    u_port_obj(p)->gen = 4294967295u;
    u_sleep_until(10 * MS);
    bodies_done++;
}

static void body_wrap_server(uintptr_t start)
{
    u_sleep_until(start);
    int32_t p = u_take_port();
    uint32_t op;
    EXPECT(u_serve_read(p, &op), 'w');
    EXPECT(u_answer(p, 'w'), 3);
    u_exit(0);
}

static void body_wrap_client(uintptr_t arg)
{
    (void)arg;
    int32_t c[3];
    static const int64_t gens[3] = {4294967295, 0, 1};
    for (int i = 0; i < 3; i++) {
        u_sleep_until((uint64_t)(3 * i + 1) * MS);
        c[i] = (int32_t)u_open("chan://svc", 0);
        EXPECT_ITEM(i, u_gen(c[i]), gens[i]);
        EXPECT_ITEM(i, u_req(c[i], OP_A, 'w'), 5);
        EXPECT_ITEM(i, u_reply(c[i]), 'w');
        for (int j = 0; j < i; j++) /* the older ones stay stale across the wrap */
            EXPECT_ITEM(10 * i + j, u_req(c[j], OP_A, 'w'), TW_E_STALE);
    }
    u_sleep_until(9 * MS + 500000);
    EXPECT(u_gen(c[0]), 4294967295);            /* the same number as the port's now ... */
    EXPECT(u_req(c[0], OP_A, 'w'), TW_E_STALE); /* ... and still stale: never compared */
    EXPECT(u_reply(c[0]), TW_E_STALE);
    bodies_done++;
}

START_TEST(test_generation_wraps_old_handles_stay_stale)
{
    boot();
    new_thread(new_task("supervisor"), body_wrap_supervisor, 0);
    for (int i = 0; i < 3; i++)
        new_thread(new_task("server"), body_wrap_server, (uint64_t)(3 * i) * MS + 500000);
    new_thread(new_task("client"), body_wrap_client, 0);
    run_check(2);
}
END_TEST

/* ---- a port with no other handle --------------------------------------------------------- */

static void body_alone_server(uintptr_t arg)
{
    (void)arg;
    int32_t p = (int32_t)u_open("chan://alone?listen", 0);
    EXPECT(tw_invoke(p, TW_PORT_SET_REPEATABLE, 1u << OP_A, 0, 0, 0), TW_OK);
    u_sleep_until(1 * MS);
    uint32_t op;
    EXPECT(u_serve_read(p, &op), 'i'); /* in service when the task ends */
    u_exit(0);
}

static void body_alone_client(uintptr_t tag)
{
    u_sleep_until(100000 + (uint64_t)(tag - 'i') * 10000);
    int32_t c = (int32_t)u_open("chan://alone", 0);
    EXPECT(u_req(c, tag == 'j' ? OP_A : OP_B, (char)tag), 5);
    /* 'i' in service: restarted; 'j' repeatable, kept for a next incarnation that never
     * comes: the port closed with its only handle (peer_closed); 'k': restarted. */
    EXPECT(u_reply(c), tag == 'j' ? TW_E_PEER : TW_E_RESTARTED);
    EXPECT(u_reply(c), TW_E_STALE);
    u_sleep_until(3 * MS);
    EXPECT(u_open("chan://alone", 0), TW_E_NOENT); /* the port is gone, its name free */
    if (tag == 'k') {
        u_sleep_until(4 * MS);
        int32_t p = (int32_t)u_open("chan://alone?listen", 0);
        EXPECT_OK(p);
        EXPECT(u_gen(p), 0); /* a new port, not the old one's next incarnation */
        EXPECT(u_req(c, OP_B, 'k'), TW_E_STALE);
    }
    bodies_done++;
}

START_TEST(test_port_with_no_other_handle_closes)
{
    boot();
    new_thread(new_task("server"), body_alone_server, 0);
    for (uintptr_t tag = 'i'; tag <= 'k'; tag++)
        new_thread(new_task("client"), body_alone_client, tag);
    run_check(3);
}
END_TEST

/* ---- user-space providers ------------------------------------------------------------------ */

/*
 * A provider of inc:// on the supervisor's port: answers OPEN with rid 7, everything else
 * with its op number, after `delay` of work; the first one is killed by a fault while a
 * READ waits for its answer.
 */
static void body_prov(uintptr_t delay)
{
    if (delay == 0)
        u_sleep_until(1 * MS); /* the second: after the first died */
    int32_t p = u_take_port();
    char name[4] = {'i', 'n', 'c', 0};
    EXPECT(tw_invoke(p, TW_PORT_SERVE_SCHEME, (uintptr_t)name, 3, 0, 0), TW_OK);
    for (int i = 0; i < 3; i++) {
        struct tw_prov_req req;
        int64_t n = tw_read(p, &req, sizeof(req));
        if (n != (int64_t)sizeof(req))
            break;
        if (delay != 0 && req.op != TW_PROV_OPEN)
            EXPECT(tw_compute_ns(delay), TW_OK);
        struct tw_prov_reply rep;
        memset(&rep, 0, sizeof(rep));
        rep.seq = req.seq;
        rep.result = req.op == TW_PROV_OPEN ? 7 : req.op;
        EXPECT(tw_write(p, &rep, sizeof(rep)), (int64_t)sizeof(rep));
    }
    bodies_done++;
}

static void body_prov_supervisor(uintptr_t arg)
{
    (void)arg;
    int32_t p = (int32_t)u_open("chan://inc-port?listen", 0);
    int32_t b = (int32_t)u_open("chan://boot?listen", 0);
    u_hand_out(b, p);
    u_hand_out(b, p);
    u_sleep_until(20 * MS);
    bodies_done++;
}

static void body_prov_client(uintptr_t arg)
{
    (void)arg;
    u_sleep_until(100000);
    int32_t h = (int32_t)u_open("inc://x", 0);
    EXPECT(h, 1);
    char buf[16];
    EXPECT(tw_read(h, buf, sizeof(buf)), TW_E_RESTARTED); /* in flight when it dies */
    EXPECT(tw_read(h, buf, sizeof(buf)), TW_E_STALE);
    EXPECT(tw_write(h, buf, 4), TW_E_STALE);
    EXPECT(tw_invoke(h, TW_BLK_SIZE, 0, 0, 0, 0), TW_E_STALE);
    EXPECT(tw_invoke(h, TW_CHAN_PENDING, 0, 0, 0, 0), TW_E_STALE);
    EXPECT(tw_seek(h, 0, TW_SEEK_SET), TW_E_STALE);
    EXPECT(tw_tell(h), TW_E_STALE);
    EXPECT(tw_wait(h, TW_SIG_PEER_CLOSED, TW_DEADLINE_NOW), TW_SIG_PEER_CLOSED);
    struct tw_poll_item item = {.handle = h, .signals = TW_SIG_READABLE | TW_SIG_PEER_CLOSED};
    EXPECT(tw_poll(&item, 1, TW_DEADLINE_NOW), 1);
    EXPECT(item.observed, TW_SIG_PEER_CLOSED);
    /* The scheme follows its port: a new open waits for the next incarnation. */
    int32_t h2 = (int32_t)u_open("inc://y", 0);
    EXPECT_OK(h2);
    EXPECT(tw_tell(h2), TW_PROV_TELL);
    EXPECT(tw_close(h), TW_OK); /* a stale proxy closes quietly */
    bodies_done++;
}

START_TEST(test_proxies_go_stale_calls_in_flight_restarted)
{
    boot();
    new_thread(new_task("supervisor"), body_prov_supervisor, 0);
    struct task *first = new_task("prov1");
    new_thread(first, body_prov, 500000);
    struct task *second = new_task("prov2");
    new_thread(second, body_prov, 0);
    new_thread(new_task("client"), body_prov_client, 0);
    ck_assert_int_eq(fault_schedule(FAULT_KILL, 400000, first->id), TW_OK);
    run_check(3);
}
END_TEST

/* A scheme registered again on a new port, while nobody serves the old one, moves there:
 * the old port's incarnation ends for the proxies opened through it. */
static void body_move_old(uintptr_t arg)
{
    (void)arg;
    int32_t p = (int32_t)u_open("chan://old-port?listen", TW_O_NONBLOCK);
    char name[4] = {'m', 'v', 0, 0};
    EXPECT(tw_invoke(p, TW_PORT_SERVE_SCHEME, (uintptr_t)name, 2, 0, 0), TW_OK);
    EXPECT(tw_invoke(p, TW_PORT_SERVE_SCHEME, (uintptr_t)name, 2, 0, 0), TW_OK); /* again */
    u_sleep_until(2 * MS);
    EXPECT(u_gen(p), 1);
    EXPECT(tw_invoke(p, TW_CHAN_PENDING, 0, 0, 0, 0), 0); /* the OPEN waiting was refused */
    bodies_done++;
}

static void body_move_opener(uintptr_t arg)
{
    (void)arg;
    u_sleep_until(100000);
    EXPECT(u_open("mv://a", 0), TW_E_RESTARTED); /* nobody answered before the move */
    bodies_done++;
}

static void body_move_new(uintptr_t arg)
{
    (void)arg;
    u_sleep_until(1 * MS);
    int32_t p = (int32_t)u_open("chan://new-port?listen", 0);
    char name[4] = {'m', 'v', 0, 0};
    EXPECT(tw_invoke(p, TW_PORT_SERVE_SCHEME, (uintptr_t)name, 2, 0, 0), TW_OK);
    bodies_done++;
}

static void body_move_busy(uintptr_t arg)
{
    (void)arg;
    int32_t p = (int32_t)u_open("chan://busy-port?listen", TW_O_NONBLOCK);
    char name[4] = {'b', 's', 0, 0};
    EXPECT(tw_invoke(p, TW_PORT_SERVE_SCHEME, (uintptr_t)name, 2, 0, 0), TW_OK);
    int32_t c = (int32_t)u_open("chan://busy-port", TW_O_NONBLOCK);
    EXPECT(u_req(c, OP_A, 'z'), 5);
    uint32_t op;
    EXPECT(u_serve_read(p, &op), 'z'); /* this task serves it now */
    u_sleep_until(2 * MS);
    bodies_done++;
}

static void body_move_busy_other(uintptr_t arg)
{
    (void)arg;
    u_sleep_until(1 * MS);
    int32_t p = (int32_t)u_open("chan://busy-new?listen", 0);
    char name[4] = {'b', 's', 0, 0};
    EXPECT(tw_invoke(p, TW_PORT_SERVE_SCHEME, (uintptr_t)name, 2, 0, 0), TW_E_BUSY);
    bodies_done++;
}

START_TEST(test_scheme_moves_from_an_unserved_port)
{
    boot();
    new_thread(new_task("old"), body_move_old, 0);
    new_thread(new_task("opener"), body_move_opener, 0);
    new_thread(new_task("new"), body_move_new, 0);
    new_thread(new_task("busy"), body_move_busy, 0);
    new_thread(new_task("busy-other"), body_move_busy_other, 0);
    run_check(5);
}
END_TEST

/* ---- the invariant checker ---------------------------------------------------------------- */

/* A request counted twice (here: one more accepted than is anywhere) must be found. */
static void body_corrupt(uintptr_t arg)
{
    (void)arg;
    int32_t p = (int32_t)u_open("chan://svc?listen", TW_O_NONBLOCK);
    int32_t c = (int32_t)u_open("chan://svc", TW_O_NONBLOCK);
    EXPECT(u_req(c, OP_A, 'a'), 5);
    uint32_t op;
    EXPECT(u_serve_read(p, &op), 'a');
    EXPECT(u_req(c, OP_A, 'b'), 5);
    k_check_invariants(); /* consistent: one in service, one queued */
    u_port_obj(p)->in_service++;
    k_check_invariants(); /* must panic */
    bodies_done++;
}

START_TEST(test_invariants_find_a_request_in_two_places)
{
    boot();
    new_thread(new_task("t"), body_corrupt, 0);
    (void)k_run();
}
END_TEST

static Suite *incarnation_suite(void)
{
    Suite *s = suite_create("incarnation");
    TCase *tc = tcase_create("generations");
    tcase_add_test(tc, test_generation_counts_server_deaths);
    tcase_add_test(tc, test_stale_handles_every_call);
    tcase_add_test(tc, test_read_by_another_task_is_busy);
    tcase_add_test(tc, test_generation_wraps_old_handles_stay_stale);
    suite_add_tcase(s, tc);
    tc = tcase_create("requests");
    tcase_add_test(tc, test_repeatable_redelivered_first_others_restarted);
    tcase_add_test(tc, test_nonrepeatable_restarted_once_in_ring_order);
    tcase_add_test(tc, test_port_with_no_other_handle_closes);
    tcase_add_test_raise_signal(tc, test_invariants_find_a_request_in_two_places, SIGABRT);
    suite_add_tcase(s, tc);
    tc = tcase_create("providers");
    tcase_add_test(tc, test_proxies_go_stale_calls_in_flight_restarted);
    tcase_add_test(tc, test_scheme_moves_from_an_unserved_port);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(incarnation_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
