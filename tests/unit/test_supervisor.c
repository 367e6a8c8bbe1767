/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_supervisor.c - the supervisor's pure parts (user/servers/supervisor_cfg.c,
 * supervisor_policy.c): the configuration lines and their refusals, the start order, the
 * intensity window and the backoff arithmetic of docs/supervision.md. What the programs do
 * with them runs in the restart-*.json scenarios.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/abi.h"
#include "../../user/servers/supervisor_proto.h"

static int64_t conf(const char *line, struct sup_conf *c, const char **why)
{
    return sup_conf_parse(line, strlen(line), c, why);
}

static int64_t spec(const char *line, struct sup_spec *s, const char **why)
{
    return sup_spec_parse(line, strlen(line), s, why);
}

START_TEST(test_conf)
{
    struct sup_conf c;
    const char *why;
    ck_assert_int_eq(conf("sup", &c, &why), 0); /* the defaults */
    ck_assert_uint_eq(c.strategy, SUP_ONE_FOR_ONE);
    ck_assert_uint_eq(c.intensity, 3);
    ck_assert_uint_eq(c.period_us, 10000);
    ck_assert_uint_eq(c.reset_us, 10000);
    ck_assert_uint_eq(c.backoff_base_us, 0);
    ck_assert_uint_eq(c.quarantine_us, 0);
    ck_assert_int_eq(
        conf("sup strategy=rest_for_one intensity=16 period=7 backoff=5,9 reset=3 "
             "quarantine=4 ready=2 hello=1 stop=8 kills=before_restart,none,after_spawn",
             &c, &why),
        0);
    ck_assert_uint_eq(c.strategy, SUP_REST_FOR_ONE);
    ck_assert_uint_eq(c.intensity, 16);
    ck_assert_uint_eq(c.period_us, 7);
    ck_assert_uint_eq(c.backoff_base_us, 5);
    ck_assert_uint_eq(c.backoff_max_us, 9);
    ck_assert_uint_eq(c.reset_us, 3);
    ck_assert_uint_eq(c.quarantine_us, 4);
    ck_assert_uint_eq(c.ready_us, 2);
    ck_assert_uint_eq(c.hello_us, 1);
    ck_assert_uint_eq(c.stop_us, 8);
    ck_assert_uint_eq(c.nkills, 3);
    ck_assert_uint_eq(c.kills[0], SUP_KILL_BEFORE_RESTART);
    ck_assert_uint_eq(c.kills[1], SUP_KILL_NONE);
    ck_assert_uint_eq(c.kills[2], SUP_KILL_AFTER_SPAWN);
    static const char *const bad[] = {
        "srv",
        "supx",
        "sup strategy=all",
        "sup intensity=0",
        "sup intensity=17",
        "sup period=0",
        "sup backoff=5",
        "sup backoff=9,5",
        "sup backoff=a,5",
        "sup ready=0",
        "sup hello=x",
        "sup kills=never",
        "sup kills=none,none,none,none,none",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        why = NULL;
        ck_assert_msg(conf(bad[i], &c, &why) == TW_E_INVAL, "accepted \"%s\"", bad[i]);
        ck_assert_ptr_nonnull(why);
    }
}
END_TEST

START_TEST(test_spec)
{
    struct sup_spec s;
    const char *why;
    ck_assert_int_eq(spec("srv name=fs prog=file-server restart=transient scheme=file hb=50 "
                          "after=db,log args=/data=fat://x idle=5 after=zz",
                          &s, &why),
                     0);
    ck_assert_str_eq(s.name, "fs");
    ck_assert_str_eq(s.prog, "file-server");
    ck_assert_str_eq(s.scheme, "file");
    ck_assert_str_eq(s.port, "fs"); /* a scheme's port defaults to the server's name */
    ck_assert_uint_eq(s.restart, SUP_TRANSIENT);
    ck_assert_uint_eq(s.hb_us, 50);
    ck_assert_uint_eq(s.nafter, 2);
    ck_assert_str_eq(s.after_names[1], "log");
    ck_assert_str_eq(s.args, "/data=fat://x idle=5 after=zz"); /* the rest of the line */
    ck_assert_int_eq(spec("srv name=a prog=idle", &s, &why), 0);
    ck_assert_uint_eq(s.restart, SUP_PERMANENT);
    ck_assert_str_eq(s.port, "");
    static const char *const bad[] = {
        "sup name=a prog=idle",
        "srv prog=idle",
        "srv name=A prog=idle",
        "srv name=a",
        "srv name=a prog=idle port=P",
        "srv name=a prog=idle restart=often",
        "srv name=a prog=idle hb=x",
        "srv name=a prog=idle after=b,,c",
        "srv name=a prog=idle after=b,c,d,e,f",
        "srv name=aaaaaaaaaaaaaaaa prog=idle",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        why = NULL;
        ck_assert_msg(spec(bad[i], &s, &why) == TW_E_INVAL, "accepted \"%s\"", bad[i]);
        ck_assert_ptr_nonnull(why);
    }
}
END_TEST

START_TEST(test_order)
{
    struct sup_spec s[4];
    uint8_t order[4];
    const char *why;
    ck_assert_int_eq(spec("srv name=app prog=idle after=fs,db", &s[0], &why), 0);
    ck_assert_int_eq(spec("srv name=log prog=idle", &s[1], &why), 0);
    ck_assert_int_eq(spec("srv name=fs prog=idle after=db", &s[2], &why), 0);
    ck_assert_int_eq(spec("srv name=db prog=idle", &s[3], &why), 0);
    ck_assert_int_eq(sup_order(s, 4, order, &why), 0);
    /* each round the lowest index whose dependencies are placed: log, db, fs, app */
    ck_assert_uint_eq(order[0], 1);
    ck_assert_uint_eq(order[1], 3);
    ck_assert_uint_eq(order[2], 2);
    ck_assert_uint_eq(order[3], 0);
    ck_assert_uint_eq(s[0].after[0], 2);
    ck_assert_uint_eq(s[0].after[1], 3);
    ck_assert_int_eq(spec("srv name=db prog=idle after=app", &s[3], &why), 0);
    ck_assert_int_eq(sup_order(s, 4, order, &why), TW_E_INVAL); /* app -> fs -> db -> app */
    ck_assert_ptr_nonnull(strstr(why, "cycle"));
    ck_assert_int_eq(spec("srv name=db prog=idle after=nobody", &s[3], &why), 0);
    ck_assert_int_eq(sup_order(s, 4, order, &why), TW_E_INVAL);
    ck_assert_ptr_nonnull(strstr(why, "names no server"));
    ck_assert_int_eq(spec("srv name=db prog=idle after=db", &s[3], &why), 0);
    ck_assert_int_eq(sup_order(s, 4, order, &why), TW_E_INVAL);
    ck_assert_int_eq(spec("srv name=fs prog=idle", &s[3], &why), 0);
    ck_assert_int_eq(sup_order(s, 4, order, &why), TW_E_INVAL); /* two named fs */
}
END_TEST

START_TEST(test_window)
{
    struct sup_window w = {0};
    /* at most 3 restarts in a period of 100: a restart at t counts while now - t < 100 */
    ck_assert(!sup_window_full(&w, 0, 100, 3));
    sup_window_add(&w, 0);
    ck_assert(!sup_window_full(&w, 10, 100, 3));
    sup_window_add(&w, 10);
    ck_assert(!sup_window_full(&w, 20, 100, 3));
    sup_window_add(&w, 20);
    ck_assert(sup_window_full(&w, 99, 100, 3)); /* a fourth within the period: quarantine */
    ck_assert_uint_eq(w.n, 3);
    ck_assert(!sup_window_full(&w, 100, 100, 3)); /* the one at 0 has left the window */
    ck_assert_uint_eq(w.n, 2);
    ck_assert(!sup_window_full(&w, 1000, 100, 3));
    ck_assert_uint_eq(w.n, 0);
    for (int i = 0; i < SUP_MAX_INTENSITY + 4; i++)
        sup_window_add(&w, 2000);
    ck_assert_uint_eq(w.n, SUP_MAX_INTENSITY);
    ck_assert(sup_window_full(&w, 2000, 100, SUP_MAX_INTENSITY));
}
END_TEST

START_TEST(test_backoff)
{
    ck_assert_uint_eq(sup_backoff_ns(100, 400, 0), 100);
    ck_assert_uint_eq(sup_backoff_ns(100, 400, 1), 200);
    ck_assert_uint_eq(sup_backoff_ns(100, 400, 2), 400);
    ck_assert_uint_eq(sup_backoff_ns(100, 400, 3), 400);
    ck_assert_uint_eq(sup_backoff_ns(100, 300, 2), 300);
    ck_assert_uint_eq(sup_backoff_ns(0, 400, 9), 0);
    ck_assert_uint_eq(sup_backoff_ns(7, 7, 63), 7);
    ck_assert_uint_eq(sup_backoff_ns(1, UINT64_MAX, 63), 1ull << 63);
    ck_assert_uint_eq(sup_backoff_ns(3, UINT64_MAX, 200), UINT64_MAX); /* no overflow */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("supervisor");
    TCase *tc = tcase_create("policy");
    tcase_add_test(tc, test_conf);
    tcase_add_test(tc, test_spec);
    tcase_add_test(tc, test_order);
    tcase_add_test(tc, test_window);
    tcase_add_test(tc, test_backoff);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
