/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_proc_proto.c - the process manager's protocol (user/proc_proto.c): every
 * request form and every refusal with its reason, the replies and signals a client parses,
 * end lines formatted and parsed back; and the manager itself (user/servers/proc_manager.c)
 * booted in the kernel with a native client using user/proc_client.c: spawn, wait, kill,
 * terminate, signals, a flood of requests the client does not read while it sends them (the
 * manager holds a reply back instead of blocking or losing it), and its limits (sessions,
 * living processes), each refused with an error while the manager keeps serving.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../../core/invariants.h"
#include "../../core/kentry.h"
#include "../../user/ops.h"
#include "../../user/proc_client.h"
#include "../../user/proc_proto.h"
#include "../../user/programs.h"
#include "kernel_harness.h"

/* ---- requests ----------------------------------------------------------------------------- */

struct req_case {
    const char *text;
    int64_t rc;
    enum proc_req_kind kind;
    uint32_t pid, signo, grace_us;
    const char *cmd; /* spawn's, or the reason of a refusal */
};

static const struct req_case req_cases[] = {
    {"connect", TW_OK, PROC_REQ_CONNECT, 0, 0, 0, NULL},
    {"self\n", TW_OK, PROC_REQ_SELF, 0, 0, 0, NULL},
    {"spawn idle us=100", TW_OK, PROC_REQ_SPAWN, 0, 0, 0, "idle us=100"},
    {"spawn   say  two  spaces  ", TW_OK, PROC_REQ_SPAWN, 0, 0, 0, "say  two  spaces"},
    {"wait 3", TW_OK, PROC_REQ_WAIT, 3, 0, 0, NULL},
    {"  wait   4294967295 ", TW_OK, PROC_REQ_WAIT, 4294967295u, 0, 0, NULL},
    {"kill 12", TW_OK, PROC_REQ_KILL, 12, 0, 0, NULL},
    {"terminate 5", TW_OK, PROC_REQ_TERMINATE, 5, 0, PROC_GRACE_DEFAULT_US, NULL},
    {"terminate 5 grace_us=0", TW_OK, PROC_REQ_TERMINATE, 5, 0, 0, NULL},
    {"terminate 5 grace_us=60000000", TW_OK, PROC_REQ_TERMINATE, 5, 0, 60000000, NULL},
    {"signal 7 2147483647", TW_OK, PROC_REQ_SIGNAL, 7, 2147483647u, 0, NULL},
    {"status 1", TW_OK, PROC_REQ_STATUS, 1, 0, 0, NULL},
    {"children", TW_OK, PROC_REQ_CHILDREN, 0, 0, 0, NULL},
    {"children 9", TW_OK, PROC_REQ_CHILDREN, 9, 0, 0, NULL},
    {"", TW_E_INVAL, 0, 0, 0, 0, "empty request"},
    {"   ", TW_E_INVAL, 0, 0, 0, 0, "empty request"},
    {"\n", TW_E_INVAL, 0, 0, 0, 0, "empty request"},
    {"fork", TW_E_INVAL, 0, 0, 0, 0, "unknown request \"fork\""},
    {"Wait 3", TW_E_INVAL, 0, 0, 0, 0, "unknown request \"Wait\""},
    {"wait\t3", TW_E_INVAL, 0, 0, 0, 0, "not text: byte 9 at 4"},
    {"wait 3\n\n", TW_E_INVAL, 0, 0, 0, 0, "not text: byte 10 at 6"},
    {"abcdefghijklmnopqrstuvwxyz0123", TW_E_INVAL, 0, 0, 0, 0,
     "unknown request \"abcdefghijklmnopqrstuvwx\"..."},
    {"x\"y", TW_E_INVAL, 0, 0, 0, 0, "unknown request \"x?y\""},
    {"wait", TW_E_INVAL, 0, 0, 0, 0, "wait takes a pid"},
    {"wait 0", TW_E_INVAL, 0, 0, 0, 0, "bad pid \"0\""},
    {"wait 03", TW_E_INVAL, 0, 0, 0, 0, "bad pid \"03\""},
    {"wait -3", TW_E_INVAL, 0, 0, 0, 0, "bad pid \"-3\""},
    {"wait 4294967296", TW_E_INVAL, 0, 0, 0, 0, "bad pid \"4294967296\""},
    {"wait 99999999999999999999999", TW_E_INVAL, 0, 0, 0, 0, "bad pid \"99999999999999999999999\""},
    {"wait 3 4", TW_E_INVAL, 0, 0, 0, 0, "wait: unexpected \"4\""},
    {"status", TW_E_INVAL, 0, 0, 0, 0, "status takes a pid"},
    {"children 2 3", TW_E_INVAL, 0, 0, 0, 0, "children: unexpected \"3\""},
    {"children x", TW_E_INVAL, 0, 0, 0, 0, "bad pid \"x\""},
    {"self 2", TW_E_INVAL, 0, 0, 0, 0, "self: unexpected \"2\""},
    {"connect now", TW_E_INVAL, 0, 0, 0, 0, "connect: unexpected \"now\""},
    {"spawn", TW_E_INVAL, 0, 0, 0, 0, "spawn takes a program"},
    {"spawn   ", TW_E_INVAL, 0, 0, 0, 0, "spawn takes a program"},
    {"signal 2", TW_E_INVAL, 0, 0, 0, 0, "signal takes a pid and a number"},
    {"signal 2 0", TW_E_INVAL, 0, 0, 0, 0, "bad signal number (1..2147483647) \"0\""},
    {"signal 2 2147483648", TW_E_INVAL, 0, 0, 0, 0,
     "bad signal number (1..2147483647) \"2147483648\""},
    {"signal 2 3 4", TW_E_INVAL, 0, 0, 0, 0, "signal: unexpected \"4\""},
    {"terminate 2 grace_us=60000001", TW_E_INVAL, 0, 0, 0, 0,
     "bad grace_us (0..60000000) \"60000001\""},
    {"terminate 2 grace_us=00", TW_E_INVAL, 0, 0, 0, 0, "bad grace_us (0..60000000) \"00\""},
    {"terminate 2 grace=5", TW_E_INVAL, 0, 0, 0, 0, "terminate: unexpected \"grace=5\""},
    {"terminate 2 grace_us=", TW_E_INVAL, 0, 0, 0, 0, "terminate: unexpected \"grace_us=\""},
};

START_TEST(test_requests)
{
    for (size_t i = 0; i < K_ARRAY_SIZE(req_cases); i++) {
        const struct req_case *c = &req_cases[i];
        struct proc_req rq;
        char why[160];
        memset(why, 'z', sizeof(why));
        int64_t rc = proc_req_parse(c->text, strlen(c->text), &rq, why, sizeof(why));
        ck_assert_msg(rc == c->rc, "case %zu \"%s\": rc %lld", i, c->text, (long long)rc);
        if (rc != TW_OK) {
            ck_assert_msg(strcmp(why, c->cmd) == 0, "case %zu: why \"%s\", want \"%s\"", i, why,
                          c->cmd);
            continue;
        }
        ck_assert_msg(rq.kind == c->kind, "case %zu: kind %d", i, rq.kind);
        ck_assert_uint_eq(rq.pid, c->pid);
        ck_assert_uint_eq(rq.signo, c->signo);
        ck_assert_uint_eq(rq.has_pid, c->kind == PROC_REQ_CHILDREN && c->pid != 0);
        if (c->kind == PROC_REQ_TERMINATE)
            ck_assert_uint_eq(rq.grace_us, c->grace_us);
        if (c->cmd != NULL) {
            ck_assert_uint_eq(rq.cmd_len, strlen(c->cmd));
            ck_assert(memcmp(rq.cmd, c->cmd, rq.cmd_len) == 0);
        } else {
            ck_assert_ptr_null(rq.cmd);
        }
    }
}
END_TEST

/* The parser never reads past the length it is given (the bytes after it are not text). */
START_TEST(test_request_bounds)
{
    char buf[16];
    memcpy(buf, "wait 12\x01\x01\x01", 10);
    struct proc_req rq;
    char why[64];
    ck_assert_int_eq(proc_req_parse(buf, 7, &rq, why, sizeof(why)), TW_OK);
    ck_assert_uint_eq(rq.pid, 12);
    ck_assert_int_eq(proc_req_parse(buf, 6, &rq, why, sizeof(why)), TW_OK);
    ck_assert_uint_eq(rq.pid, 1);
    ck_assert_int_eq(proc_req_parse(buf, 8, &rq, why, sizeof(why)), TW_E_INVAL);
    ck_assert_str_eq(why, "not text: byte 1 at 7");
    ck_assert_int_eq(proc_req_parse(buf, 0, &rq, why, 1), TW_E_INVAL);
    ck_assert_str_eq(why, ""); /* a 1-byte reason buffer holds the NUL alone */
}
END_TEST

/* ---- replies and signals ---------------------------------------------------------------- */

START_TEST(test_messages)
{
    struct proc_msg m;
    ck_assert_int_eq(proc_msg_parse("ok", 2, &m), TW_OK);
    ck_assert_int_eq(m.kind, PROC_MSG_OK);
    ck_assert_uint_eq(m.rest_len, 0);
    ck_assert_int_eq(proc_msg_parse("ok 3 4", 6, &m), TW_OK);
    ck_assert_uint_eq(m.rest_len, 3);
    ck_assert(memcmp(m.rest, "3 4", 3) == 0);
    const char *e = "err no_entry no process 9";
    ck_assert_int_eq(proc_msg_parse(e, strlen(e), &m), TW_OK);
    ck_assert_int_eq(m.kind, PROC_MSG_ERR);
    ck_assert_int_eq(m.err, TW_E_NOENT);
    ck_assert_uint_eq(m.rest_len, strlen("no process 9"));
    e = "running 5 parent=0";
    ck_assert_int_eq(proc_msg_parse(e, strlen(e), &m), TW_OK);
    ck_assert_int_eq(m.kind, PROC_MSG_RUNNING);
    ck_assert_uint_eq(m.pid, 5);
    ck_assert(m.has_parent);
    ck_assert_uint_eq(m.parent, 0);
    e = "killed 6 code=-1000 parent=2";
    ck_assert_int_eq(proc_msg_parse(e, strlen(e), &m), TW_OK);
    ck_assert_int_eq(m.kind, PROC_MSG_END);
    ck_assert_int_eq(m.end, PROC_END_KILLED);
    ck_assert_int_eq(m.code, -1000);
    ck_assert_uint_eq(m.parent, 2);
    e = "signal term from=4";
    ck_assert_int_eq(proc_msg_parse(e, strlen(e), &m), TW_OK);
    ck_assert_int_eq(m.kind, PROC_MSG_SIG_TERM);
    ck_assert_uint_eq(m.from, 4);
    e = "signal user 77 from=0";
    ck_assert_int_eq(proc_msg_parse(e, strlen(e), &m), TW_OK);
    ck_assert_int_eq(m.kind, PROC_MSG_SIG_USER);
    ck_assert_uint_eq(m.signo, 77);
    e = "signal child crashed 8 code=-1001";
    ck_assert_int_eq(proc_msg_parse(e, strlen(e), &m), TW_OK);
    ck_assert_int_eq(m.kind, PROC_MSG_SIG_CHILD);
    ck_assert_int_eq(m.end, PROC_END_CRASHED);
    ck_assert_uint_eq(m.pid, 8);
    ck_assert_int_eq(m.code, -1001);
    static const char *const bad[] = {
        "",
        "err",
        "err ok fine",
        "err nonsense x",
        "running 5",
        "running 0 parent=1",
        "running 5 parent=01",
        "exited 5",
        "exited 5 code=",
        "exited 5 code=-0",
        "exited 5 code=2147483648",
        "exited 5 code=1 x=2",
        "ended 5 code=1",
        "signal",
        "signal term",
        "signal term from=",
        "signal user from=1",
        "signal user 0 from=1",
        "signal user 1 from=1 extra",
        "signal child exited 5",
        "signal child exited 5 code=0 parent=1",
        "signal stop from=1",
    };
    for (size_t i = 0; i < K_ARRAY_SIZE(bad); i++)
        ck_assert_msg(proc_msg_parse(bad[i], strlen(bad[i]), &m) == TW_E_INVAL, "\"%s\"", bad[i]);
}
END_TEST

START_TEST(test_end_lines)
{
    static const int32_t codes[] = {0, 1, -1, 7, -1000, -1001, INT32_MAX, INT32_MIN};
    static const uint32_t pids[] = {1, 2, 99, UINT32_MAX};
    for (int end = PROC_END_EXITED; end <= PROC_END_CRASHED; end++) {
        for (size_t p = 0; p < K_ARRAY_SIZE(pids); p++) {
            for (size_t c = 0; c < K_ARRAY_SIZE(codes); c++) {
                char buf[48];
                size_t n = proc_fmt_end(buf, sizeof(buf), (enum proc_end)end, pids[p], codes[c]);
                ck_assert_uint_lt(n, sizeof(buf));
                struct proc_msg m;
                ck_assert_msg(proc_msg_parse(buf, n, &m) == TW_OK, "\"%s\"", buf);
                ck_assert_int_eq(m.kind, PROC_MSG_END);
                ck_assert_int_eq(m.end, end);
                ck_assert_uint_eq(m.pid, pids[p]);
                ck_assert_int_eq(m.code, codes[c]);
                ck_assert(!m.has_parent);
            }
        }
    }
    ck_assert_int_eq(proc_end_from_task(TW_TASK_END_EXIT), PROC_END_EXITED);
    ck_assert_int_eq(proc_end_from_task(TW_TASK_END_KILLED), PROC_END_KILLED);
    ck_assert_int_eq(proc_end_from_task(TW_TASK_END_CRASHED), PROC_END_CRASHED);
    char buf[16];
    ck_assert_uint_eq(proc_fmt_err(buf, sizeof(buf), TW_E_LIMIT, "a long reason"), 15);
    ck_assert_str_eq(buf, "err limit a lon");
}
END_TEST

/* ---- the manager in the kernel ---------------------------------------------------------- */

static void manager_thread(uintptr_t arg)
{
    (void)arg;
    tw_exit((int32_t)proc_manager_main("idle=1000", 9));
}

/* A request on sess whose reply must be exactly want. */
static void u_call(int line, int32_t sess, const char *req, const char *want)
{
    char reply[PROC_MSG_MAX + 1];
    struct proc_msg m;
    int64_t r = tw_proc_call(sess, req, strlen(req), NULL, 0, reply, PROC_MSG_MAX, &m);
    size_t n = strlen(want);
    expect_at(line, -1, r, TW_OK);
    /* reply holds what the manager wrote: compare it with want, recorded as a 0/1 */
    bool same = r == TW_OK && memcmp(reply, want, n) == 0;
    expect_at(line, -1, same, 1);
}

static void client_basic(uintptr_t arg)
{
    (void)arg;
    tw_sleep_ns(10000);
    int64_t s = tw_proc_connect();
    EXPECT_OK(s);
    int32_t sess = (int32_t)s;
    EXPECT(tw_proc_spawn(sess, "exit-with code=3 after=50", 25, NULL, 0), 2);
    struct proc_msg end;
    EXPECT(tw_proc_wait(sess, 2, &end), TW_OK);
    EXPECT(end.end, PROC_END_EXITED);
    EXPECT(end.code, 3);
    EXPECT(tw_proc_wait(sess, 2, &end), TW_E_NOENT); /* the wait reaped it */
    EXPECT(tw_proc_spawn(sess, "nonesuch", 8, NULL, 0), TW_E_NOENT);
    /* a passed channel end becomes the obedient's handle 3: its signals come back on it */
    int32_t theirs;
    int64_t mine = u_pair(&theirs, 0);
    EXPECT(tw_proc_spawn(sess, "obedient code=9", 15, &theirs, 1), 3);
    EXPECT(tw_proc_signal(sess, 3, 12), TW_OK);
    char buf[PROC_MSG_MAX];
    struct proc_msg sig;
    EXPECT(tw_read((int32_t)mine, buf, sizeof(buf)), 21);
    EXPECT(memcmp(buf, "signal user 12 from=0", 21), 0);
    EXPECT(tw_proc_terminate(sess, 3, 1000), TW_OK);
    EXPECT(tw_proc_wait(sess, 3, &end), TW_OK);
    EXPECT(end.end, PROC_END_EXITED);
    EXPECT(end.code, 9);
    EXPECT(proc_msg_parse(buf, 21, &sig), TW_OK);
    tw_close((int32_t)mine);
    /* a stubborn one ignores terminate: killed when the grace runs out, in virtual time */
    EXPECT(tw_proc_spawn(sess, "stubborn", 8, NULL, 0), 4);
    int64_t t0 = tw_now();
    EXPECT(tw_proc_terminate(sess, 4, 300), TW_OK);
    EXPECT(tw_proc_wait(sess, 4, &end), TW_OK);
    EXPECT(end.end, PROC_END_KILLED);
    EXPECT(end.code, TW_EXIT_KILLED);
    EXPECT(tw_now() - t0 >= 300000, 1);
    EXPECT(tw_now() - t0 < 350000, 1);
    EXPECT(tw_proc_kill(sess, 1), TW_E_ACCESS);
    EXPECT(tw_proc_kill(sess, 4), TW_E_NOENT);
    u_call(__LINE__, sess, "status 1", "running 1 parent=0");
    tw_close(sess);
    bodies_done++;
    tw_exit(0);
}

static void boot_manager(void)
{
    boot();
    for (const struct tw_program *p = tw_programs(); p->name != NULL; p++)
        ck_assert_int_eq(k_program_register(p->name, tw_program_entry), TW_OK);
    new_thread(new_task("proc"), manager_thread, 0);
}

static void run_manager(unsigned want_done)
{
    int why = k_run();
    ck_assert_msg(why == TR_END_DONE, "k_run ended with %d", why);
    k_check_invariants();
    check_expectations();
    ck_assert_uint_eq(bodies_done, want_done);
    k_teardown();
    ck_assert_uint_eq(kobj_live_count(), 0);
}

START_TEST(test_manager_basic)
{
    boot_manager();
    new_thread(new_task("client"), client_basic, 0);
    run_manager(1);
}
END_TEST

/*
 * 40 requests written before any reply is read, with pauses that let the manager answer:
 * the session's rings hold 32, so the manager's 33rd reply finds the client's ring full. It
 * keeps that reply, reads nothing more from the session until there is room, and answers
 * every request, in order; a wait asked among them is answered too.
 */
#define FLOOD 40
static void client_flood(uintptr_t arg)
{
    (void)arg;
    tw_sleep_ns(10000);
    int32_t sess = (int32_t)tw_proc_connect();
    EXPECT_OK(sess);
    EXPECT(tw_proc_spawn(sess, "exit-with code=4 after=20", 25, NULL, 0), 2);
    char req[16];
    for (int i = 0; i < FLOOD; i++) {
        if (i == 31)
            tw_sleep_ns(500000); /* the manager answers the 31 so far, and the wait */
        size_t n = (size_t)snprintf(req, sizeof(req), i == 5 ? "wait 2" : "self");
        EXPECT_ITEM(i, tw_write(sess, req, n), (int64_t)n);
    }
    tw_sleep_ns(500000); /* 32 replies fill this end's ring: the manager holds the 33rd */
    EXPECT(tw_chan_pending(sess), 32);
    int oks = 0, ends = 0;
    for (int i = 0; i < FLOOD; i++) {
        char buf[PROC_MSG_MAX];
        struct proc_msg m;
        int64_t r = tw_read(sess, buf, sizeof(buf));
        EXPECT_ITEM(i, r > 0, 1);
        EXPECT_ITEM(i, proc_msg_parse(buf, r > 0 ? (size_t)r : 0, &m), TW_OK);
        oks += m.kind == PROC_MSG_OK && m.rest_len == 1 && m.rest[0] == '0';
        ends += m.kind == PROC_MSG_END && m.pid == 2 && m.code == 4;
    }
    EXPECT(oks, FLOOD - 1);
    EXPECT(ends, 1);
    EXPECT(tw_chan_pending(sess), 0);
    u_call(__LINE__, sess, "self", "ok 0");
    tw_close(sess);
    bodies_done++;
    tw_exit(0);
}

START_TEST(test_manager_flood)
{
    boot_manager();
    new_thread(new_task("client"), client_flood, 0);
    run_manager(1);
}
END_TEST

/* Sessions (38) and living processes (24) are bounded: the next is refused with limit, and the
 * manager serves on; closing sessions gives them back. */
static void client_limits(uintptr_t arg)
{
    (void)arg;
    tw_sleep_ns(10000);
    int32_t sess = (int32_t)tw_proc_connect();
    EXPECT_OK(sess);
    for (int i = 0; i < 24; i++)
        EXPECT_ITEM(i, tw_proc_spawn(sess, "idle", 4, NULL, 0), 2 + i);
    EXPECT(tw_proc_spawn(sess, "idle", 4, NULL, 0), TW_E_LIMIT);
    int32_t more[16];
    int n = 0;
    for (int64_t s; n < 16 && (s = tw_proc_connect()) >= 0;)
        more[n++] = (int32_t)s;
    EXPECT(n, 13); /* 38 sessions: 24 processes', this one and 13 more */
    EXPECT(tw_proc_connect(), TW_E_LIMIT);
    for (int i = 0; i < n; i++)
        tw_close(more[i]);
    u_call(__LINE__, sess, "children 1", "ok");
    for (int i = 0; i < 24; i++)
        EXPECT_ITEM(i, tw_proc_kill(sess, 2 + (uint32_t)i), TW_OK);
    struct proc_msg end;
    for (int i = 0; i < 24; i++)
        EXPECT_ITEM(i, tw_proc_wait(sess, 2 + (uint32_t)i, &end), TW_OK);
    int64_t again = tw_proc_connect();
    EXPECT_OK(again);
    EXPECT(tw_proc_spawn((int32_t)again, "exit-with code=1", 16, NULL, 0), 26);
    EXPECT(tw_proc_wait((int32_t)again, 26, &end), TW_OK);
    EXPECT(end.code, 1);
    tw_close((int32_t)again);
    tw_close(sess);
    bodies_done++;
    tw_exit(0);
}

START_TEST(test_manager_limits)
{
    boot_manager();
    new_thread(new_task("client"), client_limits, 0);
    run_manager(1);
}
END_TEST

static Suite *proc_suite(void)
{
    Suite *s = suite_create("proc_proto");
    TCase *tc = tcase_create("proto");
    tcase_add_test(tc, test_requests);
    tcase_add_test(tc, test_request_bounds);
    tcase_add_test(tc, test_messages);
    tcase_add_test(tc, test_end_lines);
    suite_add_tcase(s, tc);
    TCase *km = tcase_create("manager");
    tcase_add_test(km, test_manager_basic);
    tcase_add_test(km, test_manager_flood);
    tcase_add_test(km, test_manager_limits);
    suite_add_tcase(s, km);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(proc_suite());
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
