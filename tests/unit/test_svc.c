/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_svc.c - unit tests of the service registry (providers/svc.c, svc://;
 * docs/services.md "Registering", "Subscribing"), Check, forked: names and query keys are
 * checked (invalid_argument); the policies fail, queue, replace and replaceable, and busy;
 * a kernel service's name is always busy; version at register and at subscribe; an unknown
 * name is no_entry at once, or waits wait_us of virtual time (ok, or timed_out at the
 * deadline); owner events (died, restarted, replaced, gone) reach every subscription with
 * their generations, in order; a full ring keeps the newest event; the next in line takes
 * over the subscribers; closing registrations and subscriptions frees them, a task killed
 * while it waits for a name leaves nothing behind, and an open without memory fails cleanly.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../core/chan.h"
#include "../../core/chan_int.h"
#include "../../core/fault.h"
#include "../../core/handle.h"
#include "../../core/invariants.h"
#include "../../core/page.h"
#include "kernel_harness.h"

#include "../../proto/svc_proto.h"
#include "clock.svc.h"
#include "kv.svc.h"
#include "log.svc.h"
#include "svc.pb.h"

#define MS 1000000ull
#define US 1000ull

/* ---- user-side helpers -------------------------------------------------------------------- */

/* Open the URL printf-formatted from fmt (on this thread's stack). */
static int64_t u_openf(const char *fmt, ...)
{
    char buf[160];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(buf))
        return -1000;
    return tw_open_n(buf, (size_t)n, 0);
}

/* Register name for kv's schema with extra query keys ("&policy=queue..."). */
static int64_t u_reg(const char *name, const char *extra)
{
    return u_openf("svc://%s?register&schema=%llx%s", name, (unsigned long long)SVC_KV_SCHEMA,
                   extra);
}

/* Subscribe to name for kv's schema with extra query keys. */
static int64_t u_sub(const char *name, const char *extra)
{
    return u_openf("svc://%s?schema=%llx%s", name, (unsigned long long)SVC_KV_SCHEMA, extra);
}

/* Read one message of subscription c, which must be an owner event, into *ev: TW_OK or an
 * error (-100: not an event). */
static int64_t u_event(int32_t c, struct svc_owner_event *ev)
{
    uint8_t buf[TW_MSG_MAX_BYTES];
    int64_t n = tw_read(c, buf, sizeof(buf));
    if (n < 0)
        return n;
    if (svc_msg_kind(buf, (size_t)n) != TW_SVC_EVENT)
        return -100;
    return svc_decode_event_owner(buf, (size_t)n, ev);
}

/* Expect the next message of c to be the owner event (gen, reason, kernel, task). */
#define EXPECT_EVENT(c, gen_, why_, kern_, task_)                                                  \
    do {                                                                                           \
        struct svc_owner_event ev_ = {0, 0, false, 0};                                             \
        EXPECT(u_event((c), &ev_), TW_OK);                                                         \
        EXPECT(ev_.generation, (gen_));                                                            \
        EXPECT(ev_.reason, (why_));                                                                \
        EXPECT(ev_.kernel, (kern_));                                                               \
        EXPECT(ev_.owner_task, (task_));                                                           \
    } while (0)

static int64_t u_pending(int32_t h)
{
    return tw_invoke(h, TW_CHAN_PENDING, 0, 0, 0, 0);
}

/* A kv GET request on c (a framed message a server reads as 12 bytes and more). */
static int64_t u_get(int32_t c, const char *key)
{
    twain_kv_GetRequest req = twain_kv_GetRequest_init_zero;
    snprintf(req.key, sizeof(req.key), "%s", key);
    uint8_t msg[TW_MSG_MAX_BYTES];
    int64_t n = svc_encode_request(&svc_proto_kv, SVC_KV_GET, &req, msg, sizeof(msg));
    return n < 0 ? n : tw_write(c, msg, (size_t)n);
}

/* Read one request on port p: TW_OK when it is a kv GET of key, else an error or -100. */
static int64_t u_serve_get(int32_t p, const char *key)
{
    uint8_t msg[TW_MSG_MAX_BYTES];
    int64_t n = tw_read(p, msg, sizeof(msg));
    if (n < 0)
        return n;
    const struct svc_method *m = NULL;
    twain_kv_GetRequest req;
    int rc = svc_decode_request(&svc_proto_kv, msg, (size_t)n, &m, &req, sizeof(req));
    if (rc != TW_OK)
        return rc;
    return m->number == SVC_KV_GET && strcmp(req.key, key) == 0 ? TW_OK : -100;
}

/* Answer the request read last on p with a GetReply of found. */
static int64_t u_answer(int32_t p, bool found)
{
    twain_kv_GetReply rep = twain_kv_GetReply_init_zero;
    rep.found = found;
    uint8_t msg[TW_MSG_MAX_BYTES];
    int64_t n = svc_encode_reply(&svc_proto_kv, SVC_KV_GET, TW_OK, &rep, msg, sizeof(msg));
    return n < 0 ? n : tw_write(p, msg, (size_t)n);
}

/* Read the reply on c: 1 found, 0 not found, or an error. */
static int64_t u_reply(int32_t c)
{
    uint8_t msg[TW_MSG_MAX_BYTES];
    int64_t n = tw_read(c, msg, sizeof(msg));
    if (n < 0)
        return n;
    uint16_t method;
    int32_t status;
    twain_kv_GetReply rep;
    int rc = svc_decode_reply(&svc_proto_kv, msg, (size_t)n, &method, &status, &rep, sizeof(rep));
    if (rc != TW_OK)
        return rc;
    if (status != TW_OK)
        return status;
    return method == SVC_KV_GET ? rep.found : -100;
}

static void u_sleep_until(uint64_t t)
{
    int64_t now = tw_now();
    if ((uint64_t)now < t)
        EXPECT(tw_sleep_ns(t - (uint64_t)now), TW_OK);
}

static uint32_t u_task_id(void)
{
    return thread_current()->task->id;
}

/* ---- names and keys ------------------------------------------------------------------------ */

static void body_names(uintptr_t arg)
{
    (void)arg;
    static const char *const bad[] = {
        "svc://?register&schema=1",                                 /* no name */
        "svc://abcdefghijabcdefghijabcdefghij12?register&schema=1", /* 32 bytes */
        "svc://Abc?register&schema=1",                              /* upper case */
        "svc://a~b?register&schema=1",                              /* not in a-z 0-9 . _ - */
        "svc://a:1?register&schema=1",                              /* a port */
        "svc://a/b?register&schema=1",                              /* a path */
        "svc://a?register",                                         /* no schema */
        "svc://a?register&schema=",                                 /* an empty schema */
        "svc://a?register&schema=12g",                              /* not hex */
        "svc://a?register&schema=11111111111111111",                /* 17 digits */
        "svc://a?register&schema=1&policy=steal",                   /* no such policy */
        "svc://a?register&schema=1&wait_us=5",                      /* a subscribe's key */
        "svc://a?register&schema=1&cap=0",                          /* no slots */
        "svc://a?register&schema=1&cap=257",                        /* past K_CHAN_MAX_CAP */
        "svc://a?schema=1&policy=fail",                             /* a registration's key */
        "svc://a?schema=1&replaceable",                             /* a registration's key */
        "svc://a?schema=1&wait_us=x",                               /* not a number */
        "svc://a?schema=1&wait_us=18446744073709552",               /* past UINT64_MAX ns */
        "svc://a?schema=1&timeout_us=5",                            /* only a relay has one */
        "svc://a?schema=1&via=user",                                /* only via=kernel */
        "svc://a?schema=1&via=kernel&timeout_us=0",                 /* no time at all */
        "svc://kv?schema=1&cap=x",                                  /* not a number */
    };
    for (size_t i = 0; i < K_ARRAY_SIZE(bad); i++)
        EXPECT_ITEM(i, u_open(bad[i], 0), TW_E_INVAL);
    /* the bounds themselves are fine: 31 bytes, every character class, 16 hex digits */
    int64_t r = u_reg("abcdefghijabcdefghijabcdefghi-_", "&cap=256");
    EXPECT_OK(r);
    int64_t s = u_openf("svc://abcdefghijabcdefghijabcdefghi-_?schema=%llX",
                        (unsigned long long)SVC_KV_SCHEMA); /* upper-case hex */
    EXPECT_OK(s);
    int64_t d = u_reg("a.b_c-9", "");
    EXPECT_OK(d);
    EXPECT(u_open("svc://a.b_c-9?schema=0c2d13bedf2156afc", 0), TW_E_INVAL); /* 17 digits */
    EXPECT(tw_close((int32_t)s), TW_OK);
    EXPECT(tw_close((int32_t)r), TW_OK);
    EXPECT(tw_close((int32_t)d), TW_OK);
    bodies_done++;
}

START_TEST(test_names_and_keys)
{
    boot();
    new_thread(new_task("names"), body_names, 0);
    run_check(1);
}
END_TEST

/* ---- policies ------------------------------------------------------------------------------ */

static void body_policies(uintptr_t arg)
{
    (void)arg;
    uint32_t me = u_task_id();
    int64_t p1 = u_reg("s", "");
    EXPECT_OK(p1);
    EXPECT(u_reg("s", ""), TW_E_BUSY);
    EXPECT(u_reg("s", "&policy=fail"), TW_E_BUSY);
    EXPECT(u_reg("s", "&policy=replace"), TW_E_BUSY); /* p1 did not say replaceable */
    EXPECT(u_openf("svc://s?register&schema=%llx&policy=queue", (unsigned long long)SVC_LOG_SCHEMA),
           TW_E_VERSION);
    EXPECT(u_openf("svc://s?schema=%llx", (unsigned long long)SVC_LOG_SCHEMA), TW_E_VERSION);
    EXPECT(u_openf("svc://s?schema=%llx&via=kernel", (unsigned long long)SVC_LOG_SCHEMA),
           TW_E_VERSION);
    int64_t p2 = u_reg("s", "&policy=queue");
    EXPECT_OK(p2);
    int64_t p3 = u_reg("s", "&policy=queue");
    EXPECT_OK(p3);
    k_check_invariants(); /* an owner and two in line */

    /* A subscriber writes to the owner's port. */
    int32_t c = (int32_t)u_sub("s", "");
    EXPECT_OK(c);
    EXPECT(u_get(c, "one"), WANT_NONNEG);
    EXPECT(u_serve_get((int32_t)p1, "one"), TW_OK);
    EXPECT(u_answer((int32_t)p1, true), WANT_NONNEG);
    EXPECT(u_reply(c), 1);

    /* The queued one leaves the line when it closes; the next takes the name with c. */
    EXPECT(tw_close((int32_t)p2), TW_OK);
    EXPECT(tw_close((int32_t)p1), TW_OK);
    k_check_invariants(); /* the subscriber moved to p3 */
    EXPECT_EVENT(c, 2, twain_svc_OwnerReason_OWNER_DIED, false, me);
    EXPECT(u_get(c, "two"), WANT_NONNEG);
    EXPECT(u_serve_get((int32_t)p3, "two"), TW_OK);
    EXPECT(u_answer((int32_t)p3, false), WANT_NONNEG);
    EXPECT(u_reply(c), 0);
    EXPECT(u_pending((int32_t)p3), 0);

    /* The last owner goes: the name is gone, and told so. */
    EXPECT(tw_close((int32_t)p3), TW_OK);
    EXPECT_EVENT(c, 3, twain_svc_OwnerReason_OWNER_GONE, false, 0);
    EXPECT(u_sub("s", ""), TW_E_NOENT);
    k_check_invariants(); /* c's port closed: the name is gone */
    EXPECT(u_get(c, "three"), TW_E_PEER);
    EXPECT(tw_close(c), TW_OK);
    int64_t p4 = u_reg("s", ""); /* free again: a new name, from generation 1 */
    EXPECT_OK(p4);

    /* replaceable and replace */
    int64_t t1 = u_reg("t", "&replaceable");
    EXPECT_OK(t1);
    int32_t ct = (int32_t)u_sub("t", "&cap=4");
    EXPECT_OK(ct);
    EXPECT(
        u_openf("svc://t?register&schema=%llx&policy=replace", (unsigned long long)SVC_LOG_SCHEMA),
        TW_E_VERSION);
    int64_t t2 = u_reg("t", "&policy=replace"); /* not replaceable itself */
    EXPECT_OK(t2);
    EXPECT_EVENT(ct, 2, twain_svc_OwnerReason_OWNER_REPLACED, false, me);
    /* The old owner is told on its port, as a message from a kernel client; an answer to it
     * is taken and dropped with that client. */
    EXPECT(u_pending((int32_t)t1), 1);
    EXPECT_EVENT((int32_t)t1, 2, twain_svc_OwnerReason_OWNER_REPLACED, false, me);
    EXPECT(u_answer((int32_t)t1, true), WANT_NONNEG);
    EXPECT(u_reg("t", "&policy=replace"), TW_E_BUSY);
    EXPECT(u_get(ct, "t"), WANT_NONNEG); /* goes to the new owner */
    EXPECT(u_serve_get((int32_t)t2, "t"), TW_OK);
    EXPECT(u_answer((int32_t)t2, true), WANT_NONNEG);
    EXPECT(u_reply(ct), 1);
    int32_t ct2 = (int32_t)u_sub("t", "");
    EXPECT_OK(ct2);
    EXPECT(u_get(ct2, "u"), WANT_NONNEG);
    EXPECT(u_serve_get((int32_t)t2, "u"), TW_OK);
    EXPECT(u_answer((int32_t)t2, false), WANT_NONNEG);
    EXPECT(u_reply(ct2), 0);
    EXPECT(u_pending((int32_t)t1), 0); /* the nameless old port got no request */

    /* The kernel's names: always taken, before and after their first subscribe. */
    EXPECT(u_reg("kv", ""), TW_E_BUSY);
    EXPECT(u_reg("clock", "&policy=queue"), TW_E_BUSY);
    EXPECT(u_openf("svc://kv?schema=%llx", (unsigned long long)SVC_CLOCK_SCHEMA), TW_E_VERSION);
    int64_t k = u_sub("kv", "");
    EXPECT_OK(k);
    EXPECT(u_reg("kv", ""), TW_E_BUSY);
    EXPECT(u_reg("kv", "&policy=replace"), TW_E_BUSY);
    EXPECT(u_reg("kv", "&policy=queue"), TW_E_BUSY);
    EXPECT(
        u_openf("svc://kv?register&schema=%llx&policy=queue", (unsigned long long)SVC_CLOCK_SCHEMA),
        TW_E_BUSY);
    EXPECT(u_openf("svc://kv?schema=%llx", (unsigned long long)SVC_CLOCK_SCHEMA), TW_E_VERSION);
    EXPECT(u_sub("nobody", ""), TW_E_NOENT);
    EXPECT(u_sub("nobody", "&wait_us=0"), TW_E_NOENT);
    k_check_invariants(); /* a kernel entry, a nameless old port, t2 with two subscribers */
    bodies_done++;
}

START_TEST(test_policies)
{
    boot();
    new_thread(new_task("policies"), body_policies, 0);
    run_check(1);
}
END_TEST

/* ---- wait_us ------------------------------------------------------------------------------- */

static int64_t waited[4];

/* Wait up to wait_us for "late" (registered at 1 ms) or "never": the time the open took. */
static void body_waiter(uintptr_t which)
{
    static const char *const urls[] = {"late", "never", "late", "late"};
    static const char *const extra[] = {"&wait_us=3000", "&wait_us=2000", "&wait_us=500",
                                        "&wait_us=1000"};
    int64_t t0 = tw_now();
    int64_t c = u_sub(urls[which], extra[which]);
    waited[which] = tw_now() - t0;
    static const int64_t want[] = {WANT_NONNEG, TW_E_TIMEDOUT, TW_E_TIMEDOUT, WANT_NONNEG};
    EXPECT_ITEM(which, c, want[which]);
    if (c >= 0) {
        EXPECT_ITEM(which, u_get((int32_t)c, "k"), WANT_NONNEG);
        EXPECT_ITEM(which, u_reply((int32_t)c), 1);
    }
    bodies_done++;
}

static void body_late_server(uintptr_t arg)
{
    (void)arg;
    u_sleep_until(MS / 2);
    int64_t o = u_reg("other", ""); /* wakes the waiters: they look again and wait on */
    EXPECT_OK(o);
    u_sleep_until(MS);
    int64_t p = u_reg("late", "");
    EXPECT_OK(p);
    for (int i = 0; i < 2; i++) {
        EXPECT_ITEM(i, u_serve_get((int32_t)p, "k"), TW_OK);
        EXPECT_ITEM(i, u_answer((int32_t)p, true), WANT_NONNEG);
    }
    bodies_done++;
}

START_TEST(test_wait_us)
{
    boot();
    for (uintptr_t i = 0; i < 4; i++)
        new_thread(new_task("waiter"), body_waiter, i);
    new_thread(new_task("server"), body_late_server, 0);
    run_check(5);
    /* Found when it appeared (1 ms, give or take the calls' costs), else at the deadline. */
    ck_assert_int_ge(waited[0], (int64_t)MS);
    ck_assert_int_lt(waited[0], (int64_t)(MS + 20 * US));
    ck_assert_int_ge(waited[3], (int64_t)MS);
    ck_assert_int_lt(waited[3], (int64_t)(MS + 20 * US));
    ck_assert_int_ge(waited[1], (int64_t)(2 * MS));
    ck_assert_int_lt(waited[1], (int64_t)(2 * MS + 5 * US));
    ck_assert_int_ge(waited[2], (int64_t)(MS / 2));
    ck_assert_int_lt(waited[2], (int64_t)(MS / 2 + 5 * US));
}
END_TEST

/* ---- owner events through a server's deaths ---------------------------------------------- */

static uint32_t sup_id;

/* Supervisor: registers "ev", hands the port to two servers in turn, then closes it. */
static void body_ev_supervisor(uintptr_t arg)
{
    (void)arg;
    sup_id = u_task_id();
    int32_t p = (int32_t)u_reg("ev", "");
    EXPECT_OK(p);
    int32_t b = (int32_t)u_open("chan://boot?listen", 0);
    EXPECT_OK(b);
    for (int i = 0; i < 2; i++) {
        char buf[16];
        EXPECT_ITEM(i, tw_read(b, buf, sizeof(buf)), 5);
        int64_t d = tw_invoke(TW_HANDLE_SELF, TW_TASK_DUPLICATE, (uint64_t)p, TW_RIGHTS_SAME, 0, 0);
        EXPECT_ITEM(i, d, WANT_NONNEG);
        int32_t hv[1] = {(int32_t)d};
        memcpy(buf, "port", 4);
        EXPECT_ITEM(i, tw_invoke(b, TW_CHAN_WRITE_HANDLES, (uintptr_t)buf, 4, (uintptr_t)hv, 1), 4);
    }
    u_sleep_until(5 * MS);
    EXPECT(tw_close(p), TW_OK); /* the last handle: the name is gone */
    EXPECT(tw_close(b), TW_OK);
    bodies_done++;
}

/* A server started at start: takes the port, answers one GET, exits at stop. */
static void body_ev_server(uintptr_t start)
{
    u_sleep_until(start);
    int32_t b = (int32_t)u_open("chan://boot", 0);
    char buf[16];
    memcpy(buf, "ready", 5);
    EXPECT(tw_write(b, buf, 5), 5);
    int32_t hv[1] = {-1};
    EXPECT(tw_invoke(b, TW_CHAN_READ_HANDLES, (uintptr_t)buf, sizeof(buf), (uintptr_t)hv, 1), 4);
    EXPECT(u_serve_get(hv[0], "k"), TW_OK);
    EXPECT(u_answer(hv[0], start != 0), WANT_NONNEG);
    u_sleep_until(start + MS);
    bodies_done++; /* the task ends here: its incarnation of the port ends */
}

static void body_ev_client(uintptr_t arg)
{
    (void)arg;
    u_sleep_until(MS / 4);
    int32_t c = (int32_t)u_sub("ev", "");
    EXPECT_OK(c);
    int32_t w = (int32_t)u_sub("ev", "&via=kernel&cap=4"); /* a relay's subscription */
    EXPECT_OK(w);
    EXPECT(u_get(c, "k"), WANT_NONNEG);
    EXPECT(u_reply(c), 0); /* the first server */
    u_sleep_until(3 * MS);
    EXPECT_EVENT(c, 2, twain_svc_OwnerReason_OWNER_DIED, false, sup_id);
    EXPECT(u_get(c, "k"), WANT_NONNEG);
    EXPECT_EVENT(c, 3, twain_svc_OwnerReason_OWNER_RESTARTED, false, sup_id);
    EXPECT(u_reply(c), 1); /* the second */
    u_sleep_until(6 * MS);
    EXPECT_EVENT(c, 4, twain_svc_OwnerReason_OWNER_DIED, false, sup_id);
    EXPECT_EVENT(c, 5, twain_svc_OwnerReason_OWNER_GONE, false, 0);
    EXPECT(u_pending(c), 0);
    EXPECT(u_get(c, "k"), TW_E_PEER);
    /* The relay's caller was told the same, as it happened (its ring has room for four). */
    EXPECT(u_pending(w), 4);
    EXPECT_EVENT(w, 2, twain_svc_OwnerReason_OWNER_DIED, false, sup_id);
    EXPECT_EVENT(w, 3, twain_svc_OwnerReason_OWNER_RESTARTED, false, sup_id);
    EXPECT_EVENT(w, 4, twain_svc_OwnerReason_OWNER_DIED, false, sup_id);
    EXPECT_EVENT(w, 5, twain_svc_OwnerReason_OWNER_GONE, false, 0);
    EXPECT(u_pending(w), 0);
    EXPECT(tw_close(c), TW_OK);
    EXPECT(tw_close(w), TW_OK);
    bodies_done++;
}

START_TEST(test_owner_events_in_order)
{
    boot();
    new_thread(new_task("supervisor"), body_ev_supervisor, 0);
    new_thread(new_task("A"), body_ev_server, 0);
    new_thread(new_task("B"), body_ev_server, 2 * MS);
    new_thread(new_task("client"), body_ev_client, 0);
    run_check(4);
}
END_TEST

/* ---- a full ring keeps the newest event ---------------------------------------------------- */

static void body_ring(uintptr_t arg)
{
    (void)arg;
    uint32_t me = u_task_id();
    int64_t p[5];
    p[0] = u_reg("r", "&replaceable");
    EXPECT_OK(p[0]);
    int32_t c = (int32_t)u_sub("r", "&cap=1"); /* one slot */
    EXPECT_OK(c);
    for (int i = 1; i < 5; i++) {
        p[i] = u_reg("r", "&policy=replace&replaceable");
        EXPECT_ITEM(i, p[i], WANT_NONNEG);
    }
    /* Generations 2..5 were posted: 2 took the slot, 5 overwrote 3 and 4 while waiting. */
    k_check_invariants(); /* an event kept */
    EXPECT(u_pending(c), 1);
    EXPECT_EVENT(c, 2, twain_svc_OwnerReason_OWNER_REPLACED, false, me);
    EXPECT(u_pending(c), 1); /* the kept one moved into the freed slot */
    EXPECT_EVENT(c, 5, twain_svc_OwnerReason_OWNER_REPLACED, false, me);
    EXPECT(u_pending(c), 0);
    EXPECT(u_get(c, "z"), WANT_NONNEG);
    EXPECT(u_serve_get((int32_t)p[4], "z"), TW_OK);
    for (int i = 0; i < 5; i++)
        EXPECT_ITEM(i, tw_close((int32_t)p[i]), TW_OK);
    EXPECT_EVENT(c, 6, twain_svc_OwnerReason_OWNER_GONE, false, 0);
    EXPECT(u_reply(c), TW_E_PEER); /* the owner closed with the request unanswered */
    EXPECT(tw_close(c), TW_OK);
    bodies_done++;
}

START_TEST(test_full_ring_keeps_newest)
{
    boot();
    new_thread(new_task("ring"), body_ring, 0);
    run_check(1);
}
END_TEST

/* ---- teardown --------------------------------------------------------------------------- */

static void body_frees(uintptr_t arg)
{
    (void)arg;
    int64_t c0 = u_sub("kv", ""); /* the kernel's entry is made once, and stays */
    EXPECT_OK(c0);
    uint32_t live = kobj_live_count();
    size_t pages = 0;
    for (int round = 0; round < 3; round++) {
        int64_t a = u_reg("x", "&replaceable");
        int64_t q = u_reg("x", "&policy=queue");
        int64_t s1 = u_sub("x", "");
        int64_t s2 = u_sub("x", "&via=kernel");
        int64_t s3 = u_sub("kv", "&via=kernel");
        int64_t b = u_reg("x", "&policy=replace");
        EXPECT_ITEM(round, a >= 0 && q >= 0 && s1 >= 0 && s2 >= 0 && s3 >= 0 && b >= 0, 1);
        EXPECT_ITEM(round, kobj_live_count() > live, 1);
        int64_t hs[] = {s1, a, b, s2, q, s3};
        for (size_t i = 0; i < K_ARRAY_SIZE(hs); i++)
            EXPECT_ITEM(round * 10 + (int)i, tw_close((int32_t)hs[i]), TW_OK);
        EXPECT_ITEM(round, u_sub("x", ""), TW_E_NOENT);
        EXPECT_ITEM(round, kobj_live_count(), live);
        if (round == 0)
            pages = page_free_count(); /* the caches keep their first slabs */
        EXPECT_ITEM(round, page_free_count(), pages);
    }
    EXPECT(tw_close((int32_t)c0), TW_OK);
    bodies_done++;
}

START_TEST(test_close_frees_everything)
{
    boot();
    new_thread(new_task("frees"), body_frees, 0);
    run_check(1);
}
END_TEST

static void body_killed_waiter(uintptr_t arg)
{
    (void)arg;
    EXPECT(u_sub("y", "&wait_us=100000"), -1); /* never returns: killed at 1 ms */
    bodies_done++;
}

static void body_after_kill(uintptr_t arg)
{
    (void)arg;
    u_sleep_until(2 * MS);
    int64_t p = u_reg("y", "");
    EXPECT_OK(p);
    int64_t c = u_sub("y", "&wait_us=10");
    EXPECT_OK(c);
    EXPECT(tw_close((int32_t)c), TW_OK);
    EXPECT(tw_close((int32_t)p), TW_OK);
    bodies_done++;
}

START_TEST(test_task_killed_while_waiting)
{
    boot();
    struct task *k = new_task("waiter");
    new_thread(k, body_killed_waiter, 0);
    new_thread(new_task("later"), body_after_kill, 0);
    ck_assert_int_eq(fault_schedule(FAULT_KILL, MS, k->id), TW_OK);
    int why = k_run();
    ck_assert_int_eq(why, TR_END_DONE);
    k_check_invariants();
    check_expectations();
    ck_assert_uint_eq(bodies_done, 1);
    k_teardown();
    ck_assert_uint_eq(kobj_live_count(), 0);
}
END_TEST

/* ---- without memory ------------------------------------------------------------------------ */

static void *hoard[8192];

static void body_nomem(uintptr_t arg)
{
    (void)arg;
    uint32_t live = kobj_live_count();
    size_t n = 0;
    while (n < K_ARRAY_SIZE(hoard) && (hoard[n] = page_alloc(0)) != NULL)
        n++;
    EXPECT(n < K_ARRAY_SIZE(hoard), 1);
    /* No page for the table, a port or an entry: nomem, and nothing is left behind. */
    EXPECT(u_reg("m", ""), TW_E_NOMEM);
    EXPECT(u_sub("kv", ""), TW_E_NOMEM);
    EXPECT(u_sub("m", ""), TW_E_NOENT);
    EXPECT(kobj_live_count(), live);
    while (n > 0)
        page_free(hoard[--n], 0);
    int64_t p = u_reg("m", "");
    EXPECT_OK(p);
    int64_t c = u_sub("kv", "");
    EXPECT_OK(c);
    EXPECT(tw_close((int32_t)c), TW_OK);
    EXPECT(tw_close((int32_t)p), TW_OK);
    bodies_done++;
}

START_TEST(test_open_without_memory)
{
    boot();
    new_thread(new_task("nomem"), body_nomem, 0);
    run_check(1);
}
END_TEST

/* ---- the invariant checker finds a broken registry or subscription ----------------------- */

static struct kobj *u_obj(int32_t h)
{
    struct thread *t = thread_current();
    return handle_lookup(t->task, t, h)->obj;
}

/* which 0: a subscription is moved onto a registration in line (its subscribers belong to
 * the owner); 1: a subscription leaves its port's list; 2: a pair end keeps an event. */
static void body_corrupt(uintptr_t which)
{
    int64_t p = u_reg("c", "");
    int64_t q = u_reg("c", "&policy=queue");
    int32_t c = (int32_t)u_sub("c", "");
    int32_t peer;
    int32_t a = (int32_t)u_pair(&peer, 0);
    EXPECT(p >= 0 && q >= 0 && c >= 0 && a >= 0, 1);
    k_check_invariants(); /* consistent */
    if (which == 0)
        chan_end_move(u_obj(c), u_obj((int32_t)q));
    else if (which == 1)
        list_remove(&as_end(u_obj(c))->client_link); /* off its open port's list */
    else
        as_end(u_obj(a))->ev_len = 1;
    k_check_invariants(); /* must panic */
    bodies_done++;
}

START_TEST(test_invariants_find_corruption)
{
    boot();
    new_thread(new_task("t"), body_corrupt, (uintptr_t)_i);
    (void)k_run();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("svc");
    TCase *tc = tcase_create("registry");
    tcase_add_test(tc, test_names_and_keys);
    tcase_add_test(tc, test_policies);
    tcase_add_test(tc, test_wait_us);
    suite_add_tcase(s, tc);
    tc = tcase_create("events");
    tcase_add_test(tc, test_owner_events_in_order);
    tcase_add_test(tc, test_full_ring_keeps_newest);
    suite_add_tcase(s, tc);
    tc = tcase_create("teardown");
    tcase_add_test(tc, test_close_frees_everything);
    tcase_add_test(tc, test_task_killed_while_waiting);
    tcase_add_test(tc, test_open_without_memory);
    suite_add_tcase(s, tc);
    tc = tcase_create("invariants");
    tcase_add_loop_test_raise_signal(tc, test_invariants_find_corruption, SIGABRT, 0, 3);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
