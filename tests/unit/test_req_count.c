/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_req_count.c - the request counter `twain check` judges runs with
 * (sim-harness/req_count.c), Check, forked, on traces written here record by record: a
 * clean run; a request delivered twice with no redelivery (duplicated: the judge fails); a
 * redelivered one delivered again (fine) and a third time (duplicated); a request with no
 * end (live: the strict judge fails, the plain one does not); ends twice, before the
 * accept, accepts twice; deliveries of other messages and on other channels ignored; runs
 * that end by deadlock, time limit or not at all; kills, misses and crashes; recovery times
 * from a kill to the port's next bind, a port never served again; the same counts fed in
 * pieces; thousands of requests on several ports; sums over seeds.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "../../sim-harness/req_count.h"

#define US 1000ull

/* A trace being written: records in order, times given. */
struct tr {
    struct trace_rec r[20000];
    size_t n;
};

static void rec(struct tr *t, uint64_t time, uint32_t type, uint64_t a, uint64_t b, uint64_t c)
{
    ck_assert_uint_lt(t->n, sizeof(t->r) / sizeof(t->r[0]));
    t->r[t->n++] = (struct trace_rec){.time = time, .type = type, .a = a, .b = b, .c = c};
}

/* A server fault kills task, the server of port, at time: its incarnation ends. */
static void kill_server_of(struct tr *t, uint64_t time, uint32_t port, uint32_t task)
{
    rec(t, time, TR_FAULT, TR_FAULT_KILL_SERVER, task, port);
    rec(t, time, TR_PORT_END, port, 1, task);
}

static uint64_t pw(uint32_t port, uint32_t low)
{
    return ((uint64_t)port << 32) | low;
}

/* Request number req on port, message seq: accepted, delivered (read by the server). */
static void accept(struct tr *t, uint64_t time, uint32_t port, uint64_t req, uint64_t seq)
{
    rec(t, time, TR_IPC_SEND, seq, pw(port, 5), 0);
    rec(t, time, TR_REQ_ACCEPT, req, pw(port, 0x31), seq);
}

static void deliver(struct tr *t, uint64_t time, uint32_t port, uint64_t seq)
{
    rec(t, time, TR_IPC_RECV, seq, pw(port, 5), 0);
}

static void end(struct tr *t, uint64_t time, uint32_t port, uint64_t req, uint32_t how)
{
    rec(t, time, TR_REQ_END, req, pw(port, 0), how);
}

static void run_end(struct tr *t, uint64_t time, uint32_t why)
{
    rec(t, time, TR_END, why, 0, 0);
}

/* Count t in one piece and finish. */
static void count(const struct tr *t, struct req_count *rc)
{
    req_count_init(rc);
    req_count_feed(rc, t->r, t->n);
    req_count_finish(rc);
}

static bool judge(const struct req_count *rc, bool strict, char *why)
{
    why[0] = '\0';
    return req_count_judge(rc, strict, why, 320);
}

static struct tr t;

/* ---- requests --------------------------------------------------------------------------- */

START_TEST(test_clean_run)
{
    t.n = 0;
    accept(&t, 1 * US, 5, 1, 100);
    deliver(&t, 2 * US, 5, 100);
    rec(&t, 3 * US, TR_IPC_SEND, 101, pw(9, 2), 0); /* the reply, on the client's end */
    end(&t, 3 * US, 5, 1, TR_REQ_REPLIED);
    rec(&t, 3 * US, TR_IPC_RECV, 101, pw(9, 2), 0);
    accept(&t, 4 * US, 5, 2, 102);
    deliver(&t, 5 * US, 5, 102);
    end(&t, 6 * US, 5, 2, TR_REQ_RESTARTED);
    accept(&t, 4 * US, 5, 3, 103);
    deliver(&t, 5 * US, 5, 103);
    end(&t, 6 * US, 5, 3, TR_REQ_NEXT);
    run_end(&t, 7 * US, TR_END_DONE);
    struct req_count rc;
    count(&t, &rc);
    char why[320];
    ck_assert_msg(judge(&rc, true, why), "%s", why);
    ck_assert_uint_eq(rc.total.accepted, 3);
    ck_assert_uint_eq(rc.total.answered, 2);
    ck_assert_uint_eq(rc.total.refused, 1);
    ck_assert_uint_eq(rc.total.duplicated + rc.total.live + rc.total.bad, 0);
    ck_assert_uint_eq(rc.nports, 1);
    ck_assert_uint_eq(rc.ports[0].id, 5);
    ck_assert_uint_eq(rc.ports[0].n.accepted, 3);
    ck_assert(rc.ended && rc.end_reason == TR_END_DONE && rc.end_time == 7 * US);
    req_count_free(&rc);
}
END_TEST

START_TEST(test_duplicated_delivery_fails)
{
    t.n = 0;
    accept(&t, 1 * US, 5, 1, 100);
    deliver(&t, 2 * US, 5, 100);
    deliver(&t, 3 * US, 5, 100); /* again, and no redelivery said it would be */
    end(&t, 4 * US, 5, 1, TR_REQ_REPLIED);
    run_end(&t, 5 * US, TR_END_DONE);
    struct req_count rc;
    count(&t, &rc);
    ck_assert_uint_eq(rc.total.duplicated, 1);
    ck_assert_uint_eq(rc.ports[0].n.duplicated, 1);
    char why[320];
    ck_assert(!judge(&rc, false, why)); /* in every scenario, not only a campaign */
    ck_assert_msg(strstr(why, "1 requests duplicated") != NULL, "%s", why);
    ck_assert_msg(strstr(why, "port 5 request 1 delivered again") != NULL, "%s", why);
    ck_assert(!judge(&rc, true, why));
    req_count_free(&rc);
}
END_TEST

START_TEST(test_redelivery_pays_for_one_delivery)
{
    t.n = 0;
    accept(&t, 1 * US, 5, 1, 100);
    deliver(&t, 2 * US, 5, 100);
    rec(&t, 3 * US, TR_REQ_REDELIVER, 1, pw(5, 0), 1); /* its server died with it in service */
    rec(&t, 3 * US, TR_REQ_REDELIVER, 1, pw(5, 0), 0); /* counted again waiting: pays nothing */
    deliver(&t, 4 * US, 5, 100);
    end(&t, 5 * US, 5, 1, TR_REQ_REPLIED);
    run_end(&t, 6 * US, TR_END_DONE);
    struct req_count rc;
    count(&t, &rc);
    char why[320];
    ck_assert_msg(judge(&rc, true, why), "%s", why);
    ck_assert_uint_eq(rc.total.redelivered, 1);
    ck_assert_uint_eq(rc.total.duplicated, 0);
    req_count_free(&rc);
    /* A third delivery has nothing to pay for it. */
    t.n--;
    t.n--;
    deliver(&t, 4 * US, 5, 100);
    end(&t, 5 * US, 5, 1, TR_REQ_REPLIED);
    run_end(&t, 6 * US, TR_END_DONE);
    count(&t, &rc);
    ck_assert_uint_eq(rc.total.duplicated, 1);
    ck_assert(!judge(&rc, true, why));
    req_count_free(&rc);
}
END_TEST

START_TEST(test_missing_end_is_live)
{
    t.n = 0;
    accept(&t, 1 * US, 5, 1, 100);
    deliver(&t, 2 * US, 5, 100);
    end(&t, 3 * US, 5, 1, TR_REQ_REPLIED);
    accept(&t, 4 * US, 5, 2, 102); /* never ends */
    kill_server_of(&t, 4 * US + 1, 5, 3);
    run_end(&t, 5 * US, TR_END_DONE);
    struct req_count rc;
    count(&t, &rc);
    ck_assert_uint_eq(rc.total.live, 1);
    ck_assert_uint_eq(rc.ports[0].n.live, 1);
    char why[320];
    ck_assert_msg(judge(&rc, false, why), "%s", why); /* the general law holds with live */
    ck_assert(!judge(&rc, true, why));                /* the campaign's does not */
    ck_assert_msg(strstr(why, "died, accepted 2 != answered 1 + refused 0") != NULL, "%s", why);
    ck_assert_msg(strstr(why, "live 1") != NULL, "%s", why);
    req_count_free(&rc);
}
END_TEST

START_TEST(test_closed_and_gone_fail_strict)
{
    static const uint32_t hows[] = {TR_REQ_CLOSED, TR_REQ_GONE};
    for (unsigned i = 0; i < 2; i++) {
        t.n = 0;
        accept(&t, 1 * US, 5, 1, 100);
        end(&t, 2 * US, 5, 1, hows[i]);
        run_end(&t, 3 * US, TR_END_DONE);
        struct req_count rc;
        count(&t, &rc);
        ck_assert_uint_eq(i == 0 ? rc.total.closed : rc.total.gone, 1);
        char why[320];
        /* No server of port 5 died: its requests answer to the first rules only (a
         * supervisor's control port, whose senders may die before it reads them). */
        ck_assert(judge(&rc, false, why));
        ck_assert_msg(judge(&rc, true, why), "%s", why);
        req_count_free(&rc);
        /* Its server killed, the campaign's law holds for it, and fails. */
        t.n--; /* the end record */
        kill_server_of(&t, 2 * US + 1, 5, 3);
        run_end(&t, 3 * US, TR_END_DONE);
        count(&t, &rc);
        ck_assert(judge(&rc, false, why));
        ck_assert(!judge(&rc, true, why));
        req_count_free(&rc);
    }
}
END_TEST

START_TEST(test_inconsistencies)
{
    struct req_count rc;
    char why[320];
    /* Ended twice. */
    t.n = 0;
    accept(&t, 1 * US, 5, 1, 100);
    end(&t, 2 * US, 5, 1, TR_REQ_REPLIED);
    end(&t, 3 * US, 5, 1, TR_REQ_RESTARTED);
    run_end(&t, 4 * US, TR_END_DONE);
    count(&t, &rc);
    ck_assert_uint_eq(rc.total.bad, 1);
    ck_assert(!judge(&rc, false, why));
    ck_assert_msg(strstr(why, "at 3.000 us: port 5 request 1 ended twice") != NULL, "%s", why);
    req_count_free(&rc);
    /* Ended before it was accepted (and then accepted after its end). */
    t.n = 0;
    end(&t, 1 * US, 7, 4, TR_REQ_REPLIED);
    accept(&t, 2 * US, 7, 4, 100);
    run_end(&t, 3 * US, TR_END_DONE);
    count(&t, &rc);
    ck_assert_uint_eq(rc.total.bad, 2);
    ck_assert(!judge(&rc, false, why));
    ck_assert_msg(strstr(why, "port 7 request 4 ended before it was accepted") != NULL, "%s", why);
    req_count_free(&rc);
    /* Accepted twice; redelivered before being accepted; an unknown end. */
    t.n = 0;
    accept(&t, 1 * US, 5, 1, 100);
    accept(&t, 2 * US, 5, 1, 101);
    rec(&t, 3 * US, TR_REQ_REDELIVER, 2, pw(5, 0), 1);
    end(&t, 4 * US, 5, 1, 9);
    run_end(&t, 5 * US, TR_END_DONE);
    count(&t, &rc);
    ck_assert_uint_eq(rc.total.bad, 3);
    ck_assert_uint_eq(rc.ports[0].n.bad, 3);
    ck_assert(!judge(&rc, false, why));
    ck_assert_msg(strstr(why, "accepted twice") != NULL, "%s", why);
    req_count_free(&rc);
}
END_TEST

START_TEST(test_other_deliveries_ignored)
{
    t.n = 0;
    accept(&t, 1 * US, 5, 1, 100);
    deliver(&t, 2 * US, 5, 100);
    rec(&t, 2 * US, TR_IPC_RECV, 100, pw(6, 5), 0); /* the same seq on another channel */
    rec(&t, 2 * US, TR_IPC_RECV, 555, pw(5, 5), 0); /* a message that was no request */
    end(&t, 3 * US, 5, 1, TR_REQ_REPLIED);
    run_end(&t, 4 * US, TR_END_DONE);
    struct req_count rc;
    count(&t, &rc);
    char why[320];
    ck_assert_msg(judge(&rc, true, why), "%s", why);
    ck_assert_uint_eq(rc.total.duplicated, 0);
    req_count_free(&rc);
}
END_TEST

START_TEST(test_run_end_under_strict)
{
    static const struct {
        int why; /* -1: no end record */
        const char *text;
    } cases[] = {
        {TR_END_DEADLOCK, "deadlock"}, {TR_END_TIME_LIMIT, "time limit"}, {-1, "no end record"}};
    for (unsigned i = 0; i < 3; i++) {
        t.n = 0;
        accept(&t, 1 * US, 5, 1, 100);
        end(&t, 2 * US, 5, 1, TR_REQ_REPLIED);
        if (cases[i].why >= 0)
            run_end(&t, 3 * US, (uint32_t)cases[i].why);
        struct req_count rc;
        count(&t, &rc);
        char why[320];
        ck_assert(judge(&rc, false, why));
        ck_assert(!judge(&rc, true, why));
        ck_assert_msg(strstr(why, cases[i].text) != NULL, "%u: %s", i, why);
        req_count_free(&rc);
    }
}
END_TEST

/* ---- faults and recovery ------------------------------------------------------------------ */

START_TEST(test_kills_and_recovery)
{
    t.n = 0;
    /* Task 3 serves ports 5 and 6; task 4 port 7. */
    rec(&t, 1 * US, TR_PORT_BIND, 5, 0, 3);
    rec(&t, 1 * US, TR_PORT_BIND, 6, 0, 3);
    rec(&t, 1 * US, TR_PORT_BIND, 7, 0, 4);
    rec(&t, 10 * US, TR_FAULT, TR_FAULT_CAMPAIGN, 3, 5); /* kills task 3 */
    rec(&t, 11 * US, TR_PORT_END, 5, 1, 3);
    rec(&t, 11 * US, TR_PORT_END, 6, 1, 3);
    rec(&t, 12 * US, TR_FAULT, TR_FAULT_CAMPAIGN, 0, 7);    /* nothing to kill */
    rec(&t, 12 * US, TR_FAULT, TR_FAULT_KILL_SERVER, 0, 0); /* no such port */
    rec(&t, 30 * US, TR_PORT_BIND, 5, 1, 8);                /* 20 us after the kill */
    rec(&t, 50 * US, TR_PORT_BIND, 6, 1, 8);                /* 40 us */
    rec(&t, 60 * US, TR_PORT_BIND, 6, 1, 8);                /* not down: no sample */
    rec(&t, 70 * US, TR_FAULT, TR_FAULT_CRASH, 4, 14);
    rec(&t, 70 * US, TR_PORT_END, 7, 1, 4);
    rec(&t, 75 * US, TR_PORT_BIND, 7, 1, 9); /* 5 us */
    rec(&t, 80 * US, TR_FAULT, TR_FAULT_KILL, 9, 0);
    rec(&t, 81 * US, TR_PORT_END, 7, 2, 9); /* never served again */
    rec(&t, 82 * US, TR_PORT_END, 5, 2, 8); /* task 8 just exited: not a kill */
    run_end(&t, 90 * US, TR_END_DONE);
    struct req_count rc;
    count(&t, &rc);
    ck_assert_uint_eq(rc.kills, 2);
    ck_assert_uint_eq(rc.misses, 2);
    ck_assert_uint_eq(rc.crashes, 1);
    ck_assert_uint_eq(rc.recoveries, 3);
    ck_assert_uint_eq(rc.recovery_sum_ns, 65 * US);
    ck_assert_uint_eq(rc.recovery_max_ns, 40 * US);
    ck_assert_uint_eq(req_count_recovery_mean(&rc), 65 * US / 3);
    ck_assert_uint_eq(rc.unrecovered, 1);
    char why[320];
    ck_assert_msg(judge(&rc, true, why), "%s", why); /* recovery is reported, not judged */
    struct req_count sum;
    req_count_init(&sum);
    req_count_add(&sum, &rc);
    req_count_add(&sum, &rc);
    ck_assert_uint_eq(sum.kills, 4);
    ck_assert_uint_eq(sum.recoveries, 6);
    ck_assert_uint_eq(sum.recovery_max_ns, 40 * US);
    ck_assert_uint_eq(sum.unrecovered, 2);
    req_count_free(&sum);
    req_count_free(&rc);
}
END_TEST

/* ---- many requests, in pieces ------------------------------------------------------------- */

/* n requests over three ports, every fifth refused, every seventh redelivered first. */
static void many(struct tr *tt, uint32_t n)
{
    tt->n = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t port = 5 + i % 3;
        uint64_t req = i / 3 + 1, seq = 1000 + 2ull * i;
        accept(tt, i, port, req, seq);
        deliver(tt, i, port, seq);
        if (i % 7 == 0) {
            rec(tt, i, TR_REQ_REDELIVER, req, pw(port, 0), 1);
            deliver(tt, i, port, seq);
        }
        end(tt, i, port, req, i % 5 == 0 ? TR_REQ_RESTARTED : TR_REQ_REPLIED);
    }
    run_end(tt, n, TR_END_DONE);
}

START_TEST(test_many_requests_in_pieces)
{
    many(&t, 4000);
    struct req_count whole, pieces;
    count(&t, &whole);
    req_count_init(&pieces);
    for (size_t at = 0; at < t.n; at += 37)
        req_count_feed(&pieces, t.r + at, t.n - at < 37 ? t.n - at : 37);
    req_count_finish(&pieces);
    char why[320];
    ck_assert_msg(judge(&whole, true, why), "%s", why);
    ck_assert_uint_eq(whole.total.accepted, 4000);
    ck_assert_uint_eq(whole.total.refused, 800);
    ck_assert_uint_eq(whole.total.answered, 3200);
    ck_assert_uint_eq(whole.total.redelivered, 572);
    ck_assert_uint_eq(whole.nports, 3);
    ck_assert_uint_eq(whole.ports[0].n.accepted + whole.ports[1].n.accepted, 2667);
    ck_assert_mem_eq(&whole.total, &pieces.total, sizeof(whole.total));
    req_count_free(&whole);
    req_count_free(&pieces);
}
END_TEST

START_TEST(test_format)
{
    struct rc_counts n = {.accepted = 7, .answered = 5, .refused = 2, .redelivered = 1};
    char buf[256];
    rc_counts_format(&n, buf, sizeof(buf));
    ck_assert_str_eq(buf, "accepted 7 answered 5 refused 2 duplicated 0 (closed 0 gone 0 live 0 "
                          "redelivered 1)");
}
END_TEST

static Suite *req_count_suite(void)
{
    Suite *s = suite_create("req_count");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_clean_run);
    tcase_add_test(tc, test_duplicated_delivery_fails);
    tcase_add_test(tc, test_redelivery_pays_for_one_delivery);
    tcase_add_test(tc, test_missing_end_is_live);
    tcase_add_test(tc, test_closed_and_gone_fail_strict);
    tcase_add_test(tc, test_inconsistencies);
    tcase_add_test(tc, test_other_deliveries_ignored);
    tcase_add_test(tc, test_run_end_under_strict);
    tcase_add_test(tc, test_kills_and_recovery);
    tcase_add_test(tc, test_many_requests_in_pieces);
    tcase_add_test(tc, test_format);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(req_count_suite());
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
