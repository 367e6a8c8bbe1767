/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_fault.c - server faults and campaigns (core/fault.c, docs/supervision.md
 * "Campaign"), Check, forked: kill_server kills the task bound to a port found by its name
 * or by the scheme it serves, and finds nothing (traced so) for a name no port has, a port
 * nobody serves yet, or a server already ending; a killed server's caller gets restarted.
 * A campaign's kills come one in each of its equal slices of the window, from the seed (the
 * same seed the same times, another seed others), each of a server drawn as it fires (a
 * list of names, or "*": any live server's port, and none when nobody serves); it stops
 * once no thread is left, and 100,000 kills take one fault. Bad names, windows and counts
 * are refused, and FAULT_MAX counts faults of every kind.
 */
#include "../../core/fault.h"
#include "../../core/handle.h"
#include "../../core/kentry.h"
#include "../../user/ops.h"
#include "kernel_harness.h"

#define MS 1000000ull

/* ---- the trace: TR_FAULT records and the end ----------------------------------------------- */

static struct trace_rec faults_seen[256];
static uint64_t nfaults_seen, end_time;

static void sink(void *ctx, const void *records, size_t len)
{
    (void)ctx;
    const struct trace_rec *r = records;
    for (size_t i = 0; i < len / sizeof(*r); i++) {
        if (r[i].type == TR_FAULT && nfaults_seen++ < K_ARRAY_SIZE(faults_seen))
            faults_seen[nfaults_seen - 1] = r[i];
        if (r[i].type == TR_END)
            end_time = r[i].time;
    }
}

static void quiet(void *ctx, const char *b, size_t n)
{
    (void)ctx;
    (void)b;
    (void)n;
}

/* Boot with the sink on, seed seed. */
static void boot_traced(uint64_t seed)
{
    nfaults_seen = end_time = 0;
    struct k_config cfg = test_cfg(SCHED_RR, seed);
    cfg.trace_sink = true;
    host_set_trace_sink(sink, NULL);
    host_set_console(quiet, NULL);
    boot_cfg(&cfg);
}

static void check_fault(unsigned i, uint64_t kind, uint64_t task, uint64_t port)
{
    ck_assert_uint_gt(nfaults_seen, i);
    const struct trace_rec *r = &faults_seen[i];
    ck_assert_msg(r->a == kind && r->b == task && r->c == port,
                  "fault %u: kind %llu task %llu port %llu, want %llu %llu %llu", i,
                  (unsigned long long)r->a, (unsigned long long)r->b, (unsigned long long)r->c,
                  (unsigned long long)kind, (unsigned long long)task, (unsigned long long)port);
}

/* ---- user side ------------------------------------------------------------------------- */

/* The object id behind one of the calling task's handles. */
static uint32_t u_obj_id(int32_t h)
{
    struct thread *t = thread_current();
    return handle_lookup(t->task, t, h)->obj->id;
}

static void u_sleep_until(uint64_t t)
{
    int64_t now = tw_now();
    if ((uint64_t)now < t)
        EXPECT(tw_sleep_ns(t - (uint64_t)now), TW_OK);
}

/* A server: its port's URL, the scheme it serves on it (or none), its port's id. */
struct server {
    const char *url;
    const char *scheme;
    uint32_t port_id;
    int64_t read_result; /* of its second read: canceled when the fault killed it */
};

/* Open the port, serve the scheme, read one request and compute for 20 ms: a fault kills
 * it in the middle. Reaching the end (never, under a kill) counts as a body done. */
static void body_server(uintptr_t arg)
{
    struct server *s = (struct server *)arg;
    int32_t p = (int32_t)u_open(s->url, 0);
    EXPECT_OK(p);
    s->port_id = u_obj_id(p);
    if (s->scheme != NULL) {
        char name[16];
        size_t n = strlen(s->scheme);
        memcpy(name, s->scheme, n);
        EXPECT(tw_port_serve_scheme(p, name, n), TW_OK);
    }
    char buf[16];
    EXPECT(tw_read(p, buf, sizeof(buf)), 1);
    tw_compute_ns(20 * MS);
    bodies_done++;
}

/* A port nobody reads: opened, held for 5 ms. */
static uint32_t unbound_port_id;

static void body_holder(uintptr_t arg)
{
    (void)arg;
    int32_t p = (int32_t)u_open("chan://unb?listen", 0);
    unbound_port_id = u_obj_id(p);
    u_sleep_until(5 * MS);
    bodies_done++;
}

/* One request to chan://NAME (arg: the URL) at 100 us; the server dies with it: restarted. */
static void body_client(uintptr_t arg)
{
    u_sleep_until(100000);
    int32_t c = (int32_t)u_open((const char *)arg, 0);
    char buf[16] = "x";
    EXPECT(tw_write(c, buf, 1), 1);
    EXPECT(tw_read(c, buf, sizeof(buf)), TW_E_RESTARTED);
    bodies_done++;
}

/* ---- kill_server ------------------------------------------------------------------------ */

START_TEST(test_kill_server_by_port_and_scheme)
{
    static struct server svc = {.url = "chan://svc?listen"};
    static struct server prov = {.url = "chan://p2?listen", .scheme = "sch"};
    boot_traced(1);
    struct task *srv = new_task("srv"), *psrv = new_task("psrv");
    new_thread(srv, body_server, (uintptr_t)&svc);
    new_thread(psrv, body_server, (uintptr_t)&prov);
    new_thread(new_task("holder"), body_holder, 0);
    new_thread(new_task("c1"), body_client, (uintptr_t) "chan://svc");
    new_thread(new_task("c2"), body_client, (uintptr_t) "chan://p2");
    ck_assert_int_eq(fault_schedule_server("nosuch", 6, 1 * MS), TW_OK);
    ck_assert_int_eq(fault_schedule_server("unb", 3, 1 * MS), TW_OK);
    ck_assert_int_eq(k_native_kill_server_at("svc", 3, 2 * MS), TW_OK);
    ck_assert_int_eq(fault_schedule_server("svc", 3, 2 * MS), TW_OK); /* it is ending now */
    ck_assert_int_eq(fault_schedule_server("sch", 3, 3 * MS), TW_OK); /* the scheme's port */
    uint32_t srv_id = srv->id, psrv_id = psrv->id;
    int why = k_run();
    ck_assert_int_eq(why, TR_END_DONE);
    check_expectations();
    ck_assert_uint_eq(bodies_done, 3); /* the holder and both clients; not the servers */
    ck_assert_uint_eq(nfaults_seen, 5);
    check_fault(0, TR_FAULT_KILL_SERVER, 0, 0);               /* no port of that name */
    check_fault(1, TR_FAULT_KILL_SERVER, 0, unbound_port_id); /* nobody serves it */
    check_fault(2, TR_FAULT_KILL_SERVER, srv_id, svc.port_id);
    check_fault(3, TR_FAULT_KILL_SERVER, 0, svc.port_id); /* already ending */
    check_fault(4, TR_FAULT_KILL_SERVER, psrv_id, prov.port_id);
    ck_assert_uint_eq(faults_seen[2].time, 2 * MS);
    ck_assert_uint_eq(faults_seen[4].time, 3 * MS);
    k_teardown();
    ck_assert_uint_eq(kobj_live_count(), 0);
}
END_TEST

START_TEST(test_bad_names_and_limits)
{
    boot();
    static const char *const bad_single[] = {
        "", "a b", "*", "a*", "x/y", "caf\xc3\xa9", "0123456789012345678901234567890123"};
    for (unsigned i = 0; i < K_ARRAY_SIZE(bad_single); i++)
        ck_assert_msg(fault_schedule_server(bad_single[i], strlen(bad_single[i]), MS) == TW_E_INVAL,
                      "kill_server \"%s\"", bad_single[i]);
    static const char *const bad_list[] = {
        "", " a", "a ", "a  b", "**", "* a", "a *", "a\tb", "0123456789012345678901234567890123 a"};
    for (unsigned i = 0; i < K_ARRAY_SIZE(bad_list); i++)
        ck_assert_msg(fault_schedule_campaign(bad_list[i], strlen(bad_list[i]), 1, 0, MS) ==
                          TW_E_INVAL,
                      "campaign \"%s\"", bad_list[i]);
    char long_list[FAULT_NAMES_LEN + 1];
    memset(long_list, 'a', sizeof(long_list));
    for (size_t i = 20; i < sizeof(long_list); i += 21)
        long_list[i] = ' ';
    ck_assert_int_eq(fault_schedule_campaign(long_list, FAULT_NAMES_LEN, 1, 0, MS), TW_E_INVAL);
    ck_assert_int_eq(fault_schedule_campaign(long_list, FAULT_NAMES_LEN - 1, 1, 0, MS), TW_OK);
    /* Counts and windows. */
    ck_assert_int_eq(fault_schedule_campaign("a", 1, 0, 0, MS), TW_E_INVAL);
    ck_assert_int_eq(fault_schedule_campaign("a", 1, 1, MS, MS), TW_E_INVAL);
    ck_assert_int_eq(fault_schedule_campaign("a", 1, 1, 2 * MS, MS), TW_E_INVAL);
    ck_assert_int_eq(fault_schedule_campaign("a", 1, 1001, 0, 1000), TW_E_INVAL);
    ck_assert_int_eq(k_native_campaign("a", 1, 1000, 0, 1000), TW_OK); /* 1 ns apiece */
    ck_assert_int_eq(fault_schedule_campaign("*", 1, 5, 0, MS), TW_OK);
    ck_assert_int_eq(fault_schedule_campaign("a b.c d_e f~g h+i J-9", 21, 5, 0, MS), TW_OK);
    ck_assert_int_eq(fault_schedule_server("0123456789012345678901234567890", 31, MS), TW_OK);
    /* FAULT_MAX faults of every kind: 5 so far. */
    for (unsigned i = 5; i < FAULT_MAX; i++)
        ck_assert_int_eq(
            i % 2 ? fault_schedule(FAULT_KILL, MS, 1) : fault_schedule_server("a", 1, MS), TW_OK);
    ck_assert_int_eq(fault_schedule_server("a", 1, MS), TW_E_LIMIT);
    ck_assert_int_eq(fault_schedule_campaign("a", 1, 1, 0, MS), TW_E_LIMIT);
    ck_assert_int_eq(fault_schedule(FAULT_KILL, MS, 1), TW_E_LIMIT);
    ck_assert_int_eq(fault_schedule(FAULT_CAMPAIGN, MS, 1), TW_E_INVAL); /* kills only */
    k_teardown();
}
END_TEST

/* ---- campaigns ---------------------------------------------------------------------------- */

static void body_sleep(uintptr_t until)
{
    u_sleep_until(until);
    bodies_done++;
}

/* A campaign of n kills of "nosuch" in [from, to) beside a thread alive until to: every
 * kill is a miss; their times into times[]. */
static void campaign_times(uint64_t seed, uint32_t n, uint64_t from, uint64_t to, uint64_t *times)
{
    boot_traced(seed);
    new_thread(new_task("sleeper"), body_sleep, to);
    ck_assert_int_eq(fault_schedule_campaign("nosuch", 6, n, from, to), TW_OK);
    run_check(1);
    ck_assert_uint_eq(nfaults_seen, n);
    for (uint32_t i = 0; i < n; i++) {
        check_fault(i, TR_FAULT_CAMPAIGN, 0, 0);
        times[i] = faults_seen[i].time;
    }
}

START_TEST(test_campaign_one_kill_per_slice)
{
    enum { N = 50 };
    uint64_t a[N], b[N], c[N];
    campaign_times(1, N, 1 * MS, 11 * MS, a);
    for (uint32_t i = 0; i < N; i++) { /* slices of 10 ms / 50 = 200 us */
        ck_assert_uint_ge(a[i], 1 * MS + i * 200000ull);
        ck_assert_uint_lt(a[i], 1 * MS + (i + 1) * 200000ull);
    }
    campaign_times(1, N, 1 * MS, 11 * MS, b);
    ck_assert_mem_eq(a, b, sizeof(a)); /* the seed decides */
    campaign_times(2, N, 1 * MS, 11 * MS, c);
    unsigned same = 0;
    for (uint32_t i = 0; i < N; i++)
        same += a[i] == c[i];
    ck_assert_uint_lt(same, 3); /* another seed, other times */
    /* Slices that do not divide evenly: 7 kills in 100 ns, each slice 14 or 15 ns. */
    uint64_t d[7];
    campaign_times(3, 7, 1000, 1100, d);
    for (uint32_t i = 0; i < 7; i++) {
        ck_assert_uint_ge(d[i], 1000 + i * 100 / 7);
        ck_assert_uint_lt(d[i], 1000 + (i + 1) * 100 / 7 + ((i + 1) * 100 % 7 != 0));
    }
}
END_TEST

/* The requests that bind sa and sb: the binder leaves them and ends. */
static void body_binder(uintptr_t arg)
{
    (void)arg;
    int32_t a = (int32_t)u_open("chan://sa", 0), b = (int32_t)u_open("chan://sb", 0);
    char buf[16] = "x";
    EXPECT(tw_write(a, buf, 1), 1);
    EXPECT(tw_write(b, buf, 1), 1);
}

START_TEST(test_campaign_any_server)
{
    unsigned seen[3] = {0, 0, 0};
    for (uint64_t seed = 1; seed <= 16; seed++) {
        static struct server sa = {.url = "chan://sa?listen"}, sb = {.url = "chan://sb?listen"};
        boot_traced(seed);
        struct task *ta = new_task("sa"), *tb = new_task("sb");
        new_thread(ta, body_server, (uintptr_t)&sa);
        new_thread(tb, body_server, (uintptr_t)&sb);
        new_thread(new_task("binder"), body_binder, 0);
        ck_assert_int_eq(fault_schedule_campaign("*", 1, 1, 1 * MS, 2 * MS), TW_OK);
        uint32_t ida = ta->id, idb = tb->id;
        ck_assert_int_eq(k_run(), TR_END_DONE);
        ck_assert_uint_eq(nfaults_seen, 1);
        const struct trace_rec *f = &faults_seen[0];
        ck_assert_uint_eq(f->a, TR_FAULT_CAMPAIGN);
        ck_assert_msg(f->b == ida || f->b == idb, "seed %llu killed task %llu",
                      (unsigned long long)seed, (unsigned long long)f->b);
        ck_assert_uint_eq(f->c, f->b == ida ? sa.port_id : sb.port_id);
        seen[f->b == ida ? 0 : 1]++;
        ck_assert_uint_eq(bodies_done, 1); /* the one not killed computed to its end */
        k_teardown();
        ck_assert_uint_eq(kobj_live_count(), 0);
    }
    ck_assert_msg(seen[0] > 0 && seen[1] > 0, "over 16 seeds: sa %u times, sb %u", seen[0],
                  seen[1]);
}
END_TEST

START_TEST(test_campaign_names_and_nobody)
{
    /* A list: "sa" is served, "zz" is no port: both outcomes over the seeds. */
    unsigned kills = 0, misses = 0;
    for (uint64_t seed = 1; seed <= 16; seed++) {
        static struct server sa = {.url = "chan://sa?listen"}, sb = {.url = "chan://sb?listen"};
        boot_traced(seed);
        struct task *ta = new_task("sa");
        new_thread(ta, body_server, (uintptr_t)&sa);
        new_thread(new_task("sb"), body_server, (uintptr_t)&sb);
        new_thread(new_task("binder"), body_binder, 0);
        ck_assert_int_eq(fault_schedule_campaign("zz sa", 5, 1, 1 * MS, 2 * MS), TW_OK);
        uint32_t ida = ta->id;
        ck_assert_int_eq(k_run(), TR_END_DONE);
        ck_assert_uint_eq(nfaults_seen, 1);
        const struct trace_rec *f = &faults_seen[0];
        if (f->b == ida) {
            ck_assert_uint_eq(f->c, sa.port_id);
            kills++;
        } else {
            ck_assert_uint_eq(f->b, 0); /* never sb: it is not on the list */
            ck_assert_uint_eq(f->c, 0);
            misses++;
        }
        k_teardown();
    }
    ck_assert_msg(kills > 0 && misses > 0, "kills %u misses %u", kills, misses);
    /* "*" with nobody serving: a miss with no port. */
    boot_traced(1);
    new_thread(new_task("sleeper"), body_sleep, 3 * MS);
    ck_assert_int_eq(fault_schedule_campaign("*", 1, 2, 1 * MS, 2 * MS), TW_OK);
    run_check(1);
    ck_assert_uint_eq(nfaults_seen, 2);
    check_fault(0, TR_FAULT_CAMPAIGN, 0, 0);
    check_fault(1, TR_FAULT_CAMPAIGN, 0, 0);
}
END_TEST

START_TEST(test_campaign_stops_without_threads)
{
    boot_traced(1);
    new_thread(new_task("brief"), body_sleep, 0);
    ck_assert_int_eq(fault_schedule_campaign("*", 1, 1000, 1 * MS, 1001 * MS), TW_OK);
    run_check(1);
    ck_assert_uint_eq(nfaults_seen, 0); /* the first kill found no thread and stopped it */
    ck_assert_uint_lt(end_time, 2 * MS);
    ck_assert_uint_ge(end_time, 1 * MS);
}
END_TEST

START_TEST(test_campaign_of_100000_kills_is_one_fault)
{
    boot_traced(7);
    new_thread(new_task("sleeper"), body_sleep, 1000 * MS);
    ck_assert_int_eq(fault_schedule_campaign("nosuch", 6, 100000, 0, 1000 * MS), TW_OK);
    for (unsigned i = 1; i < FAULT_MAX; i++) /* the other 63 are free */
        ck_assert_int_eq(fault_schedule_server("x", 1, 1000 * MS + i), TW_OK);
    ck_assert_int_eq(fault_schedule_server("x", 1, 1000 * MS), TW_E_LIMIT);
    run_check(1);
    ck_assert_uint_eq(nfaults_seen, 100000 + FAULT_MAX - 1);
}
END_TEST

static Suite *fault_suite(void)
{
    Suite *s = suite_create("fault");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_kill_server_by_port_and_scheme);
    tcase_add_test(tc, test_bad_names_and_limits);
    tcase_add_test(tc, test_campaign_one_kill_per_slice);
    tcase_add_test(tc, test_campaign_any_server);
    tcase_add_test(tc, test_campaign_names_and_nobody);
    tcase_add_test(tc, test_campaign_stops_without_threads);
    tcase_add_test(tc, test_campaign_of_100000_kills_is_one_fault);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(fault_suite());
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
