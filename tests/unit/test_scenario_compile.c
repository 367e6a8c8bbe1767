/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_scenario_compile.c - Check tests of the scenario pipeline's host half and
 * decoder: JSON -> blob (sim-harness/scenario_compile.c) -> view and bytecode
 * (user/scenario_decode.c), the error names (user/errnames.c), `twain lint`, and the
 * decoder's refusal of truncated and corrupted blobs.
 *
 * Links: the Twain library (core/, user/), sim-harness/scenario_compile.c, -lcjson -lm.
 */
#define _POSIX_C_SOURCE 200809L /* mkstemp */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../core/abi.h"
#include "../../sim-harness/commands.h"
#include "../../sim-harness/scenario_compile.h"
#include "../../user/errnames.h"
#include "../../user/scenario.h"
#include "../../user/scenario_bc.h"
#include "../../user/twain.h"

/* A scenario with one task "t" whose script is the given steps. */
#define ONE_TASK(steps) "{\"name\":\"a\",\"tasks\":[{\"name\":\"t\",\"script\":[" steps "]}]}"
#define OPEN_C          "{\"op\":\"open\",\"url\":\"chan://x\",\"as\":\"c\"}"

static const char good_json[] =
    "{\n"
    "  \"name\": \"ping-pong\", \"description\": \"two tasks\", \"seed\": 7,\n"
    "  \"config\": {\"quantum_us\": 500, \"policy\": \"priority\", \"mode\": \"realtime\",\n"
    "             \"max_time_us\": 2000000, \"pool_pages\": 4096,\n"
    "             \"cost\": {\"syscall_ns\": 100, \"switch_ns\": 300, \"byte_ps\": 125}},\n"
    "  \"tasks\": [\n"
    "    {\"name\": \"server\", \"priority\": 20, \"script\": [\n"
    "      {\"op\": \"open\", \"url\": \"chan://ping?listen\", \"as\": \"c\"},\n"
    "      {\"op\": \"repeat\", \"count\": 1000, \"do\": [\n"
    "        {\"op\": \"read\", \"handle\": \"c\", \"expect\": \"ping\", \"len\": 16},\n"
    "        {\"op\": \"write\", \"handle\": \"c\", \"data\": \"pong\"}]}]},\n"
    "    {\"name\": \"client\", \"script\": [\n"
    "      {\"op\": \"open\", \"url\": \"chan://ping\", \"as\": \"c\", \"flags\": "
    "[\"nonblock\"]},\n"
    "      {\"op\": \"spawn\", \"priority\": 3, \"do\": [\n"
    "        {\"op\": \"print\", \"text\": \"hello\"}]},\n"
    "      {\"op\": \"read\", \"handle\": \"c\", \"timeout_us\": 5, \"expect_error\": "
    "\"timed_out\"},\n"
    "      {\"op\": \"exit\", \"code\": -5}]}\n"
    "  ],\n"
    "  \"faults\": [{\"at_us\": 500, \"kill\": \"server\"}],\n"
    "  \"expect\": {\"exit\": {\"client\": -5, \"server\": \"killed\"},\n"
    "             \"console_contains\": [\"hello\", \"pong\"], \"finish_order\": [\"server\", "
    "\"client\"],\n"
    "             \"max_time_us\": 900000, \"min_time_us\": 10, \"no_deadlock\": true}\n"
    "}\n";

static void compile_ok(const char *json, struct scn_compiled *sc, struct scn_view *v)
{
    char err[512];
    int rc = scn_compile_text("x.json", json, strlen(json), sc, err, sizeof(err));
    ck_assert_msg(rc == SCN_COMPILE_OK, "compile failed: %s", err);
    struct scn_error e;
    ck_assert_msg(scn_decode(sc->blob, sc->len, v, &e) == 0, "decode: %u %s", e.offset, e.msg);
}

static bool text_is(const char *p, uint32_t len, const char *want)
{
    return len == strlen(want) && memcmp(p, want, len) == 0;
}

static const char *str_in(const struct scn_view *v, struct scn_str str)
{
    static char s[300];
    uint32_t stl;
    const uint8_t *st = scn_strtab(v, &stl);
    ck_assert_uint_le(str.off + str.len, stl);
    ck_assert_uint_lt(str.len, sizeof(s));
    memcpy(s, st + str.off, str.len);
    s[str.len] = '\0';
    return s;
}

static const char *insn_str(const struct scn_view *v, const struct scn_insn *in)
{
    return str_in(v, in->str);
}

START_TEST(test_good_view)
{
    struct scn_compiled sc;
    struct scn_view v;
    compile_ok(good_json, &sc, &v);
    ck_assert(text_is(v.name, v.name_len, "ping-pong"));
    ck_assert_uint_eq(v.config.seed, 7);
    ck_assert_uint_eq(v.config.quantum_ns, 500000);
    ck_assert_uint_eq(v.config.max_time_ns, 2000000000ull);
    ck_assert_uint_eq(v.config.cost_syscall_ns, 100);
    ck_assert_uint_eq(v.config.cost_switch_ns, 300);
    ck_assert_uint_eq(v.config.cost_byte_ps, 125);
    ck_assert_uint_eq(v.config.pool_pages, 4096);
    ck_assert_uint_eq(v.config.policy, SCN_POLICY_PRIORITY);
    ck_assert_uint_eq(v.config.mode, SCN_MODE_REALTIME);
    ck_assert_uint_eq(v.ntasks, 2);
    ck_assert(text_is(v.tasks[0].name, v.tasks[0].name_len, "server"));
    ck_assert(text_is(v.tasks[1].name, v.tasks[1].name_len, "client"));
    ck_assert_int_eq(v.tasks[0].priority, 20);
    ck_assert_int_eq(v.tasks[1].priority, 10);
    ck_assert_uint_eq(v.nfaults, 1);
    ck_assert_uint_eq(v.faults[0].at_ns, 500000);
    ck_assert_uint_eq(v.faults[0].kind, SCN_FAULT_KILL);
    ck_assert_uint_eq(v.faults[0].task, 0);
    const struct scn_expect *x = &v.expect;
    ck_assert_uint_eq(x->nexit, 2);
    ck_assert_uint_eq(x->exit[0].task, 1);
    ck_assert_int_eq(x->exit[0].status, -5);
    ck_assert_uint_eq(x->exit[1].task, 0);
    ck_assert_int_eq(x->exit[1].status, TW_EXIT_KILLED);
    ck_assert_uint_eq(x->ncontains, 2);
    ck_assert(text_is(x->contains[0].text, x->contains[0].len, "hello"));
    ck_assert(text_is(x->contains[1].text, x->contains[1].len, "pong"));
    ck_assert_uint_eq(x->norder, 2);
    ck_assert_uint_eq(x->order[0], 0);
    ck_assert_uint_eq(x->order[1], 1);
    ck_assert_uint_eq(x->max_time_ns, 900000000ull);
    ck_assert_uint_eq(x->min_time_ns, 10000);
    ck_assert(x->no_deadlock);
    ck_assert_uint_eq(sc.text_len, strlen(good_json));
    scn_compiled_free(&sc);
}
END_TEST

START_TEST(test_good_code)
{
    struct scn_compiled sc;
    struct scn_view v;
    struct scn_cursor cur;
    struct scn_insn in;
    compile_ok(good_json, &sc, &v);
    /* server: open, repeat, read, write (bodies run once with max_iter 1) */
    scn_cursor_init(&cur, &v, v.tasks[0].code_off, v.tasks[0].code_len, 1);
    ck_assert(scn_cursor_next(&cur, &in));
    ck_assert_uint_eq(in.op, SCN_OP_OPEN);
    ck_assert_str_eq(insn_str(&v, &in), "chan://ping?listen");
    ck_assert_uint_eq(in.as, 0);
    ck_assert_uint_eq(in.step, 0);
    ck_assert(scn_cursor_next(&cur, &in));
    ck_assert_uint_eq(in.op, SCN_OP_REPEAT);
    ck_assert_uint_eq(in.arg, 1000);
    ck_assert(scn_cursor_next(&cur, &in));
    ck_assert_uint_eq(in.op, SCN_OP_READ);
    ck_assert_uint_eq(in.arg, 16);
    ck_assert_uint_eq(in.slot, 0);
    ck_assert(in.flags & SCN_F_EXPECT);
    ck_assert_str_eq(insn_str(&v, &in), "ping");
    ck_assert(scn_cursor_next(&cur, &in));
    ck_assert_uint_eq(in.op, SCN_OP_WRITE);
    ck_assert_str_eq(insn_str(&v, &in), "pong");
    ck_assert_uint_eq(in.step, 3);
    ck_assert(!scn_cursor_next(&cur, &in));
    /* client: open, spawn (body skipped), read, exit */
    scn_cursor_init(&cur, &v, v.tasks[1].code_off, v.tasks[1].code_len, 0);
    ck_assert(scn_cursor_next(&cur, &in));
    ck_assert_uint_eq(in.arg, TW_O_NONBLOCK);
    ck_assert(scn_cursor_next(&cur, &in));
    ck_assert_uint_eq(in.op, SCN_OP_SPAWN);
    ck_assert_uint_eq(in.arg, 3);
    ck_assert_uint_eq(in.index, 0);
    ck_assert(scn_cursor_next(&cur, &in));
    ck_assert_uint_eq(in.op, SCN_OP_READ);
    ck_assert_uint_eq(in.step, 3); /* the spawn body's print is step 2 */
    ck_assert_int_eq(in.expect_err, TW_E_TIMEDOUT);
    ck_assert_uint_eq(in.ns, 5000);
    ck_assert(scn_cursor_next(&cur, &in));
    ck_assert_uint_eq(in.op, SCN_OP_EXIT);
    ck_assert_int_eq(in.value, -5);
    ck_assert(!scn_cursor_next(&cur, &in));
    ck_assert_str_eq(scn_step_path(&sc, 0, 3), "tasks[0].script[1].do[1]");
    ck_assert_str_eq(scn_step_path(&sc, 1, 2), "tasks[1].script[1].do[0]");
    ck_assert_str_eq(scn_step_path(&sc, 1, 4), "tasks[1].script[3]");
    ck_assert_ptr_null(scn_step_path(&sc, 1, 5));
    ck_assert_ptr_null(scn_step_path(&sc, 2, 0));
    scn_compiled_free(&sc);
}
END_TEST

START_TEST(test_defaults_and_seed)
{
    struct scn_compiled sc;
    struct scn_view v;
    compile_ok(ONE_TASK(""), &sc, &v);
    ck_assert_uint_eq(v.config.seed, 1);
    ck_assert_uint_eq(v.config.quantum_ns, 1000000);
    ck_assert_uint_eq(v.config.max_time_ns, 60000000000ull);
    ck_assert_uint_eq(v.config.pool_pages, 16384);
    ck_assert_uint_eq(v.config.cost_syscall_ns, 200);
    ck_assert_uint_eq(v.config.cost_switch_ns, 400);
    ck_assert_uint_eq(v.config.cost_byte_ps, 250);
    ck_assert_uint_eq(v.config.policy, SCN_POLICY_RR);
    ck_assert_uint_eq(v.config.mode, SCN_MODE_DETERMINISTIC);
    ck_assert_uint_eq(v.tasks[0].code_len, 0);
    ck_assert_uint_eq(v.nfaults, 0);
    ck_assert_uint_eq(v.expect.nexit, 0);
    scn_compiled_set_seed(&sc, 0xfedcba9876543210ull);
    ck_assert_int_eq(scn_decode(sc.blob, sc.len, &v, NULL), 0);
    ck_assert_uint_eq(v.config.seed, 0xfedcba9876543210ull);
    scn_compiled_free(&sc);
}
END_TEST

/* Every op of the language in one script, each decoded back. */
static const char all_ops_json[] = ONE_TASK(
    OPEN_C ",{\"op\":\"close\",\"handle\":\"c\"},"
           "{\"op\":\"read\",\"handle\":\"c\",\"len\":1},"
           "{\"op\":\"write\",\"handle\":\"c\",\"data\":\"\"},"
           "{\"op\":\"send_handles\",\"handle\":\"c\",\"data\":\"h\",\"handles\":[\"c\"]},"
           "{\"op\":\"recv_handles\",\"handle\":\"c\",\"as\":[\"d\",\"e\"],\"expect\":\"h\"},"
           "{\"op\":\"take_peer\",\"handle\":\"d\",\"as\":\"p\"},"
           "{\"op\":\"dup\",\"handle\":\"p\",\"as\":\"q\",\"rights\":[\"read\",\"wait\"]},"
           "{\"op\":\"invoke\",\"handle\":\"q\",\"operation\":\"timer_set_interval_ms\","
           "\"args\":[-6],\"expect\":0},"
           "{\"op\":\"wait\",\"handle\":\"self\",\"signals\":[\"exited\",\"readable\"]},"
           "{\"op\":\"poll\",\"handles\":[\"c\",\"d\",\"self\"],\"signals\":[\"readable\"],"
           "\"timeout_us\":0,\"as\":\"r\"},"
           "{\"op\":\"seek\",\"handle\":\"r\",\"offset\":-9,\"whence\":\"end\"},"
           "{\"op\":\"tell\",\"handle\":\"r\",\"expect\":12},"
           "{\"op\":\"compute\",\"us\":3},{\"op\":\"sleep\",\"us\":4},{\"op\":\"yield\"},"
           "{\"op\":\"print\",\"text\":\"hi\"},"
           "{\"op\":\"repeat\",\"count\":2,\"do\":[{\"op\":\"yield\"}]},"
           "{\"op\":\"spawn\",\"do\":[{\"op\":\"yield\"}]},"
           "{\"op\":\"expect\",\"time_lt_us\":9},{\"op\":\"expect\",\"last\":\"h\"},"
           "{\"op\":\"run\",\"program\":\"echo-server\",\"args\":\"idle=5\"},"
           "{\"op\":\"invoke\",\"handle\":\"q\",\"operation\":\"fs_rename\","
           "\"data\":\"old.txt\",\"data2\":\"dir/new.txt\"},"
           "{\"op\":\"readdir\",\"handle\":\"q\",\"expect\":[\"a.txt\",\"sub/\"]},"
           "{\"op\":\"readdir\",\"handle\":\"q\",\"expect_error\":\"not_supported\"},"
           "{\"op\":\"spawn_task\",\"program\":\"idle\",\"args\":\"us=5\","
           "\"handles\":[\"p\",\"q\"],\"as\":\"k\"},"
           "{\"op\":\"task_status\",\"handle\":\"k\",\"expect\":{\"state\":\"exited\","
           "\"end\":\"killed\",\"code\":-1000,\"children\":0,\"adopted\":1,\"parent\":\"self\"}},"
           "{\"op\":\"task_children\",\"handle\":\"self\",\"expect\":2,\"as\":[\"k1\",\"k2\"]},"
           "{\"op\":\"exit\",\"code\":2}");

/* A task with threads and raw memory: syscall steps with every argument kind and a store. */
static const char threads_json[] =
    "{\"name\":\"a\",\"tasks\":[{\"name\":\"t\",\"boot_threads\":1,\"threads\":[["
    "{\"op\":\"syscall\",\"call\":\"open\",\"args\":[{\"heap\":16},12,\"0x8000000000000001\"],"
    "\"store\":{\"at\":\"heap\",\"off\":16,\"hex\":\"00ff\"},\"expect\":1},"
    "{\"op\":\"syscall\",\"call\":\"invoke\",\"args\":[0,\"0x101\",{\"entry\":1},"
    "{\"entry_arg\":1},10,{\"stack\":-12288}]},"
    "{\"op\":\"syscall\",\"call\":99,\"args\":[\"null\",\"kernel_data\",-5],"
    "\"expect\":\"0xffffffffffffffff\"}],"
    "[],[{\"op\":\"yield\"}]]}]}";

/* The syscall steps and thread bodies of threads_json, decoded back; ops into *seen. */
static void check_threads(uint32_t *seen)
{
    struct scn_compiled sc;
    struct scn_view v;
    struct scn_insn in;
    uint32_t stl, threads = 0, calls = 0;
    compile_ok(threads_json, &sc, &v);
    ck_assert_uint_eq(v.tasks[0].nthreads, 3);
    ck_assert_uint_eq(v.tasks[0].boot_threads, 1);
    ck_assert_uint_eq(v.tasks[0].flags, SCN_TASK_RAW_MEMORY);
    scn_strtab(&v, &stl);
    for (uint32_t pc = v.tasks[0].code_off; pc < v.tasks[0].code_off + v.tasks[0].code_len;
         pc += in.size) {
        ck_assert_ptr_null(scn_insn_decode(sc.blob + pc, 1024, stl, &in));
        *seen |= 1u << in.op;
        if (in.op == SCN_OP_THREAD)
            ck_assert_uint_eq(in.arg, threads++);
        if (in.op != SCN_OP_SYSCALL)
            continue;
        if (calls++ == 0) {
            ck_assert_uint_eq(in.nr, TW_SYS_OPEN);
            ck_assert_uint_eq(in.kinds[0], SCN_ARG_HEAP);
            ck_assert_int_eq(in.sys_args[0], 16);
            ck_assert_uint_eq((uint64_t)in.sys_args[2], 0x8000000000000001ull);
            ck_assert_uint_eq(in.store, SCN_STORE_HEAP);
            ck_assert_int_eq(in.store_off, 16);
            ck_assert_str_eq(str_in(&v, in.str), "00ff");
            ck_assert_int_eq(in.value, 1);
        } else if (calls == 2) {
            ck_assert_uint_eq(in.kinds[2], SCN_ARG_ENTRY);
            ck_assert_uint_eq(in.kinds[3], SCN_ARG_ENTRY_ARG);
            ck_assert_uint_eq(in.kinds[5], SCN_ARG_STACK);
            ck_assert_int_eq(in.sys_args[5], -12288);
            ck_assert_uint_eq(in.flags & SCN_F_EXPECT, 0);
        } else {
            ck_assert_uint_eq(in.nr, 99);
            ck_assert_uint_eq(in.kinds[0], SCN_ARG_NULL);
            ck_assert_uint_eq(in.kinds[1], SCN_ARG_KERNEL);
            ck_assert_int_eq(in.sys_args[2], -5);
            ck_assert_int_eq(in.value, -1);
        }
    }
    ck_assert_uint_eq(threads, 3);
    ck_assert_uint_eq(calls, 3);
    ck_assert_str_eq(scn_step_path(&sc, 0, 4), "tasks[0].threads[1]");
    ck_assert_str_eq(scn_step_path(&sc, 0, 6), "tasks[0].threads[2][0]");
    scn_compiled_free(&sc);
}

START_TEST(test_all_ops)
{
    struct scn_compiled sc;
    struct scn_view v;
    struct scn_insn in;
    uint32_t seen = 0, stl;
    compile_ok(all_ops_json, &sc, &v);
    scn_strtab(&v, &stl);
    uint32_t pc = v.tasks[0].code_off, end = pc + v.tasks[0].code_len;
    while (pc < end) { /* linear: bodies follow their instruction */
        ck_assert_ptr_null(scn_insn_decode(sc.blob + pc, end - pc, stl, &in));
        seen |= 1u << in.op;
        if (in.op == SCN_OP_POLL) {
            ck_assert_uint_eq(in.n, 3);
            ck_assert_uint_eq(in.hs[2], SCN_SLOT_SELF);
            ck_assert(in.flags & SCN_F_TIMEOUT);
        }
        if (in.op == SCN_OP_INVOKE && in.arg == TW_FS_RENAME) {
            ck_assert_uint_eq(in.index, 0);
            ck_assert_str_eq(str_in(&v, in.str), "old.txt");
            ck_assert_str_eq(str_in(&v, in.str2), "dir/new.txt");
        } else if (in.op == SCN_OP_INVOKE) {
            ck_assert_uint_eq(in.arg, TW_TIMER_SET_INTERVAL_MS);
            ck_assert_uint_eq(in.index, 1);
            ck_assert_int_eq(in.args[0], -6);
            ck_assert_uint_eq(in.str2.len, 0);
        }
        if (in.op == SCN_OP_READDIR && (in.flags & SCN_F_EXPECT) != 0)
            ck_assert_str_eq(str_in(&v, in.str), "a.txt\nsub/\n");
        if (in.op == SCN_OP_READDIR && (in.flags & SCN_F_EXPECT) == 0)
            ck_assert_int_eq(in.expect_err, TW_E_NOTSUP);
        if (in.op == SCN_OP_DUP)
            ck_assert_uint_eq(in.arg, TW_RIGHT_READ | TW_RIGHT_WAIT);
        if (in.op == SCN_OP_SEEK)
            ck_assert_int_eq(in.value, -9);
        if (in.op == SCN_OP_RUN)
            ck_assert_uint_eq(in.str.len, sizeof("echo-server idle=5") - 1);
        if (in.op == SCN_OP_SPAWN_TASK) {
            ck_assert_str_eq(str_in(&v, in.str), "idle us=5");
            ck_assert_uint_eq(in.n, 2);
            ck_assert_uint_ne(in.as, SCN_SLOT_NONE);
        }
        if (in.op == SCN_OP_TASK_STATUS) {
            ck_assert_uint_eq(in.arg, SCN_ST_ALL & ~SCN_ST_PARENT_NONE);
            ck_assert_uint_eq(in.index, TW_TASK_EXITED);
            ck_assert_uint_eq(in.n, TW_TASK_END_KILLED);
            ck_assert_int_eq(in.value, -1000);
            ck_assert_int_eq(in.args[0], 0);
            ck_assert_int_eq(in.args[1], 1);
        }
        if (in.op == SCN_OP_TASK_CHILDREN) {
            ck_assert_int_eq(in.value, 2);
            ck_assert_uint_eq(in.n, 2);
            ck_assert_uint_eq(in.slot, SCN_SLOT_SELF);
        }
        pc += in.size;
    }
    ck_assert_uint_eq(pc, end);
    check_threads(&seen);
    ck_assert_uint_eq(seen, ((1u << SCN_OP_COUNT) - 1) & ~1u);
    scn_compiled_free(&sc);
}
END_TEST

/* dup's rights: omitted is TW_RIGHTS_SAME (the rights held), [] none; the decoder takes a
 * mask of rights or TW_RIGHTS_SAME alone, nothing else. */
START_TEST(test_dup_rights)
{
    struct scn_compiled sc;
    struct scn_view v;
    struct scn_insn in;
    uint32_t stl;
    compile_ok(ONE_TASK(OPEN_C ",{\"op\":\"dup\",\"handle\":\"c\",\"as\":\"d\"},"
                               "{\"op\":\"dup\",\"handle\":\"c\",\"as\":\"d\",\"rights\":[]},"
                               "{\"op\":\"dup\",\"handle\":\"c\",\"as\":\"d\","
                               "\"rights\":[\"duplicate\",\"read\"]}"),
               &sc, &v);
    scn_strtab(&v, &stl);
    static const uint32_t want[] = {TW_RIGHTS_SAME, 0, TW_RIGHT_READ | TW_RIGHT_DUPLICATE};
    uint32_t pc = v.tasks[0].code_off, end = pc + v.tasks[0].code_len;
    uint8_t *dup0 = NULL;
    ck_assert_ptr_null(scn_insn_decode(sc.blob + pc, end - pc, stl, &in));
    pc += in.size; /* the open */
    for (int i = 0; i < 3; i++) {
        ck_assert_ptr_null(scn_insn_decode(sc.blob + pc, end - pc, stl, &in));
        ck_assert_uint_eq(in.op, SCN_OP_DUP);
        ck_assert_uint_eq(in.arg, want[i]);
        dup0 = dup0 != NULL ? dup0 : sc.blob + pc;
        pc += in.size;
    }
    ck_assert_uint_eq(pc, end);
    /* The mask is the rights field: other values are refused. */
    static const uint32_t bad[] = {TW_RIGHTS_SAME | TW_RIGHT_READ, 1u << 7, 1u << 30, 0xffffffffu};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        SCN_PUT(dup0, dup, rights, bad[i]);
        ck_assert_str_eq(scn_insn_decode(dup0, end - (uint32_t)(dup0 - sc.blob), stl, &in),
                         "bad rights mask");
    }
    scn_compiled_free(&sc);
}
END_TEST

/* The task steps' operands: the decoder refuses what the compiler never writes. */
START_TEST(test_task_steps_decode)
{
    struct scn_compiled sc;
    struct scn_view v;
    struct scn_insn in;
    uint32_t stl;
    compile_ok(ONE_TASK("{\"op\":\"spawn_task\",\"program\":\"idle\",\"as\":\"k\"},"
                        "{\"op\":\"task_status\",\"handle\":\"k\",\"expect\":{\"end\":\"exit\"}},"
                        "{\"op\":\"task_children\",\"handle\":\"k\",\"as\":[\"c\"]}"),
               &sc, &v);
    scn_strtab(&v, &stl);
    uint32_t pc = v.tasks[0].code_off, end = pc + v.tasks[0].code_len;
    uint8_t *at[3];
    for (int i = 0; i < 3; i++) {
        at[i] = sc.blob + pc;
        ck_assert_ptr_null(scn_insn_decode(at[i], end - pc, stl, &in));
        ck_assert_uint_eq(in.op, SCN_OP_SPAWN_TASK + i);
        pc += in.size;
    }
    ck_assert_uint_eq(pc, end);
    uint32_t left[3];
    for (int i = 0; i < 3; i++)
        left[i] = end - (uint32_t)(at[i] - sc.blob);
    /* spawn_task: 9 handles; a slot past n that is not none; no handle slot allowed. */
    at[0][SCN_AT(spawn_task, n)] = 9;
    ck_assert_str_eq(scn_insn_decode(at[0], left[0], stl, &in), "handle count out of range");
    at[0][SCN_AT(spawn_task, n)] = 0;
    at[0][SCN_AT(spawn_task, slots)] = 3;
    ck_assert_str_eq(scn_insn_decode(at[0], left[0], stl, &in), "unused handle slot is not none");
    at[0][SCN_AT(spawn_task, slots)] = SCN_SLOT_NONE;
    ck_assert_ptr_null(scn_insn_decode(at[0], left[0], stl, &in));
    /* task_status: unknown field bits, both parents, a value of an unchecked field, ranges. */
    static const struct {
        uint32_t off;
        uint8_t v;
        const char *why;
    } st[] = {
        {SCN_AT(task_status, fields), 2 | 128, "bad task status fields"},
        {SCN_AT(task_status, fields), 2 | SCN_ST_PARENT_NONE | SCN_ST_PARENT_SELF,
         "bad task status fields"},
        {SCN_AT(task_status, fields), 0, "task status fields without the expect flag"},
        {SCN_AT(task_status, state), 1, "unused task status field is not zero"},
        {SCN_AT(task_status, code), 1, "unused task status field is not zero"},
        {SCN_AT(task_status, pad2), 1, "unused task status field is not zero"},
        {SCN_AT(task_status, end), 4, "task state or end out of range"},
    };
    for (size_t i = 0; i < sizeof(st) / sizeof(st[0]); i++) {
        uint8_t keep = at[1][st[i].off];
        at[1][st[i].off] = st[i].v;
        ck_assert_str_eq(scn_insn_decode(at[1], left[1], stl, &in), st[i].why);
        at[1][st[i].off] = keep;
    }
    ck_assert_ptr_null(scn_insn_decode(at[1], left[1], stl, &in));
    /* task_children: an expected count without the flag, a negative one. */
    at[2][SCN_AT(task_children, expect)] = 1;
    ck_assert_str_eq(scn_insn_decode(at[2], left[2], stl, &in), "expected value without its flag");
    at[2][SCN_AT(insn, flags)] |= SCN_F_EXPECT;
    at[2][SCN_AT(task_children, expect) + 7] = 0x80; /* the top byte: negative */
    ck_assert_str_eq(scn_insn_decode(at[2], left[2], stl, &in), "expected count out of range");
    scn_compiled_free(&sc);
}
END_TEST

/* ---- server faults and campaigns (format version 4) ---- */

static const char server_faults_json[] =
    "{\"name\":\"a\",\"tasks\":[{\"name\":\"t\",\"script\":[]},{\"name\":\"u\",\"script\":[]}],"
    "\"faults\":[{\"at_us\":5,\"kill\":\"u\"},{\"at_us\":7,\"kill_server\":\"svc\"},"
    "{\"campaign\":{\"servers\":[\"echo\",\"fs.2\"],\"count\":200,\"from_us\":1000,"
    "\"to_us\":900000}},{\"campaign\":{\"servers\":\"*\",\"count\":3,\"to_us\":10}}]}";

START_TEST(test_server_faults)
{
    struct scn_compiled sc;
    struct scn_view v;
    compile_ok(server_faults_json, &sc, &v);
    ck_assert_uint_eq(v.nfaults, 4);
    const struct scn_fault *f = v.faults;
    ck_assert(f[0].kind == SCN_FAULT_KILL && f[0].task == 1 && f[0].at_ns == 5000);
    ck_assert(f[0].target_len == 0 && f[0].count == 0 && f[0].to_ns == 0);
    ck_assert(f[1].kind == SCN_FAULT_KILL_SERVER && f[1].task == 0 && f[1].at_ns == 7000);
    ck_assert(text_is(f[1].target, f[1].target_len, "svc"));
    ck_assert(f[2].kind == SCN_FAULT_CAMPAIGN && f[2].count == 200);
    ck_assert(f[2].at_ns == 1000000 && f[2].to_ns == 900000000);
    ck_assert(text_is(f[2].target, f[2].target_len, "echo fs.2"));
    ck_assert(f[3].kind == SCN_FAULT_CAMPAIGN && f[3].count == 3);
    ck_assert(f[3].at_ns == 0 && f[3].to_ns == 10000);
    ck_assert(text_is(f[3].target, f[3].target_len, "*"));
    /* What the compiler never writes, the decoder refuses; each field restored after. */
    uint32_t fo = (uint32_t)SCN_GET(sc.blob, header, faults_off);
    uint8_t *e[4];
    for (int i = 0; i < 4; i++)
        e[i] = sc.blob + fo + (uint32_t)i * SCN_FAULT_ENT_SIZE;
    static const struct {
        int entry;
        uint32_t off;
        uint8_t v;
        const char *why;
    } bad[] = {
        {0, SCN_AT(fault, kind), 2, "unknown fault kind"}, /* a crash: no scenario's */
        {0, SCN_AT(fault, kind), 5, "unknown fault kind"},
        {0, SCN_AT(fault, task), 2, "fault names no task"},
        {0, SCN_AT(fault, target), 1, "unused string operand is not zero"},
        {0, SCN_AT(fault, count), 1, "campaign fields in another fault"},
        {1, SCN_AT(fault, to_ns), 1, "campaign fields in another fault"},
        {1, SCN_AT(fault, task), 1, "a server fault names a task"},
        {1, SCN_AT(fault, pad), 1, "nonzero padding"},
        {1, SCN_AT(fault, target) + 4, 0, "string too short"}, /* its length: 0 */
        {1, SCN_AT(fault, kind), 1, "unused string operand is not zero"},
        {2, SCN_AT(fault, count), 0, "campaign count out of range"},         /* 200 -> 0 */
        {3, SCN_AT(fault, count), 200, "campaign window out of range"},      /* 200 in 10 us: ok */
        {3, SCN_AT(fault, count) + 1, 0x30, "campaign window out of range"}, /* 12291 in 10 us */
        {3, SCN_AT(fault, at_ns) + 2, 1, "campaign window out of range"},    /* from > to */
        {3, SCN_AT(fault, kind), SCN_FAULT_KILL_SERVER, "campaign fields in another fault"},
    };
    struct scn_view w;
    struct scn_error err;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint8_t *p = e[bad[i].entry] + bad[i].off, keep = *p;
        *p = bad[i].v;
        int rc = scn_decode(sc.blob, sc.len, &w, &err);
        *p = keep;
        if (bad[i].entry == 3 && bad[i].v == 200) { /* 200 kills in 10 us: 50 ns each, fine */
            ck_assert_int_eq(rc, 0);
            continue;
        }
        ck_assert_msg(rc != 0, "case %zu decoded", i);
        ck_assert_msg(strcmp(err.msg, bad[i].why) == 0, "case %zu: %s", i, err.msg);
        uint32_t at = (uint32_t)(e[bad[i].entry] - sc.blob); /* the place named: the entry */
        ck_assert_msg(err.offset >= at && err.offset < at + SCN_FAULT_ENT_SIZE,
                      "case %zu: offset %u outside the entry at %u", i, err.offset, at);
    }
    /* A kill_server's target pointing at the campaign's list "echo fs.2": not one name. */
    uint8_t keep[8];
    memcpy(keep, e[1] + SCN_AT(fault, target), 8);
    memcpy(e[1] + SCN_AT(fault, target), e[2] + SCN_AT(fault, target), 8);
    ck_assert_int_ne(scn_decode(sc.blob, sc.len, &w, &err), 0);
    ck_assert_str_eq(err.msg, "bad server name");
    ck_assert_uint_eq(err.offset, (uint32_t)(e[1] - sc.blob) + SCN_AT(fault, target));
    memcpy(e[1] + SCN_AT(fault, target), keep, 8);
    ck_assert_int_eq(scn_decode(sc.blob, sc.len, &w, &err), 0);
    scn_compiled_free(&sc);
}
END_TEST

/* A version-3 blob (16-byte fault entries: at_ns, kind, task) made from a version-4 one. */
static uint8_t *to_v3(const struct scn_compiled *sc, size_t *len)
{
    uint32_t fo = (uint32_t)SCN_GET(sc->blob, header, faults_off);
    uint32_t nf = (uint32_t)SCN_GET(sc->blob, header, nfaults);
    uint32_t cut = nf * (SCN_FAULT_ENT_SIZE - SCN_FAULT_ENT_V3);
    uint8_t *b = malloc(sc->len - cut);
    memcpy(b, sc->blob, fo);
    for (uint32_t i = 0; i < nf; i++)
        memcpy(b + fo + i * SCN_FAULT_ENT_V3, sc->blob + fo + i * SCN_FAULT_ENT_SIZE,
               SCN_FAULT_ENT_V3);
    uint32_t rest = fo + nf * SCN_FAULT_ENT_SIZE;
    memcpy(b + rest - cut, sc->blob + rest, sc->len - rest);
    *len = sc->len - cut;
    SCN_PUT(b, header, version, 3);
    SCN_PUT(b, header, total, *len);
    SCN_PUT(b, header, expect_off, SCN_GET(b, header, expect_off) - cut);
    SCN_PUT(b, header, strtab_off, SCN_GET(b, header, strtab_off) - cut);
    SCN_PUT(b, header, code_off, SCN_GET(b, header, code_off) - cut);
    return b;
}

START_TEST(test_version_3_still_decodes)
{
    struct scn_compiled sc;
    struct scn_view v, w;
    struct scn_error err;
    compile_ok(good_json, &sc, &v);
    size_t len;
    uint8_t *b = to_v3(&sc, &len);
    ck_assert_msg(scn_decode(b, len, &w, &err) == 0, "at %u: %s", err.offset, err.msg);
    ck_assert_uint_eq(w.nfaults, 1);
    ck_assert(w.faults[0].kind == SCN_FAULT_KILL && w.faults[0].task == 0);
    ck_assert_uint_eq(w.faults[0].at_ns, 500000);
    ck_assert_uint_eq(w.ntasks, v.ntasks);
    ck_assert_uint_eq(w.expect.nexit, v.expect.nexit);
    /* In version 3 a fault is a kill: the new kinds are unknown there. */
    uint32_t fo = (uint32_t)SCN_GET(b, header, faults_off);
    SCN_PUT(b + fo, fault, kind, SCN_FAULT_KILL_SERVER);
    ck_assert_int_ne(scn_decode(b, len, &w, &err), 0);
    ck_assert_str_eq(err.msg, "unknown fault kind");
    /* And a version-4 decoder's entry size on a version-3 blob is refused, not misread. */
    SCN_PUT(b + fo, fault, kind, SCN_FAULT_KILL);
    SCN_PUT(b, header, version, SCN_VERSION);
    ck_assert_int_ne(scn_decode(b, len, &w, &err), 0);
    SCN_PUT(b, header, version, 2);
    ck_assert_int_ne(scn_decode(b, len, &w, &err), 0);
    ck_assert_str_eq(err.msg, "unsupported version");
    free(b);
    scn_compiled_free(&sc);
}
END_TEST

/* Two tasks "t" and "u" and the given expect.cpu_share. */
#define SHARE(x)                                                                                   \
    "{\"name\":\"a\",\"tasks\":[{\"name\":\"t\",\"script\":[]},{\"name\":\"u\",\"script\":[]}],"   \
    "\"expect\":{\"cpu_share\":" x "}}"

/* expect.cpu_share: the window and each task's bounds, in basis points; the decoder refuses
 * a block whose padding, bounds or window were changed. */
START_TEST(test_cpu_share)
{
    struct scn_compiled sc;
    struct scn_view v;
    compile_ok(SHARE("{\"from_us\":1000,\"to_us\":41000,\"tasks\":{\"u\":[30,36.67],\"t\":[0,"
                     "100]}}"),
               &sc, &v);
    ck_assert_uint_eq(v.expect.share_from_ns, 1000000);
    ck_assert_uint_eq(v.expect.share_to_ns, 41000000);
    ck_assert_uint_eq(v.expect.nshare, 2);
    ck_assert_uint_eq(v.expect.share[0].task, 1);
    ck_assert_uint_eq(v.expect.share[0].min_bp, 3000);
    ck_assert_uint_eq(v.expect.share[0].max_bp, 3667);
    ck_assert_uint_eq(v.expect.share[1].task, 0);
    ck_assert_uint_eq(v.expect.share[1].min_bp, 0);
    ck_assert_uint_eq(v.expect.share[1].max_bp, 10000);
    /* the block sits right before the string table */
    uint32_t at =
        (uint32_t)SCN_GET(sc.blob, header, strtab_off) - SCN_SHARE_FIXED - 2 * SCN_SHARE_ENT_SIZE;
    static const struct {
        uint32_t off;
        uint32_t value;
        const char *msg;
    } edits[] = {
        {SCN_AT(share_fixed, pad), 1, "nonzero padding"},
        {SCN_AT(share_fixed, to_ns), 1000000, "CPU share window out of range"},
        {SCN_SHARE_FIXED + SCN_AT(share_entry, max_bp), 10001, "CPU share bounds out of range"},
        {SCN_SHARE_FIXED + SCN_AT(share_entry, min_bp), 3668, "CPU share bounds out of range"},
        {SCN_SHARE_FIXED + SCN_SHARE_ENT_SIZE + SCN_AT(share_entry, task), 1,
         "task named twice in an expectation"},
        {SCN_SHARE_FIXED + SCN_AT(share_entry, task), 2, "expectation names no task"},
        {SCN_AT(share_fixed, nshare), 0, "CPU share count out of range"},
    };
    uint8_t *copy = malloc(sc.len);
    for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
        memcpy(copy, sc.blob, sc.len);
        uint32_t w = edits[i].value;
        memcpy(copy + at + edits[i].off, &w, 4); /* little-endian, as the blob */
        struct scn_error e;
        ck_assert_msg(scn_decode(copy, sc.len, &v, &e) != 0, "edit %zu decoded", i);
        ck_assert_msg(strstr(e.msg, edits[i].msg) != NULL, "edit %zu: %s", i, e.msg);
    }
    /* a blob without the flag has no block: clearing the flag leaves bytes unaccounted */
    memcpy(copy, sc.blob, sc.len);
    uint32_t ex = (uint32_t)SCN_GET(sc.blob, header, expect_off);
    copy[ex + SCN_AT(expect_fixed, flags)] &= (uint8_t)~SCN_EXPECT_CPU_SHARE;
    struct scn_error e;
    ck_assert(scn_decode(copy, sc.len, &v, &e) != 0);
    free(copy);
    scn_compiled_free(&sc);
}
END_TEST

/* ---- bad input: each case must name the right place ---- */

struct bad_case {
    const char *json;
    const char *want; /* a substring of the error message */
};

#define REP(body) "{\"op\":\"repeat\",\"count\":1,\"do\":[" body "]}"
/* One task "t" and the given faults. */
#define FAULTS(f) "{\"name\":\"a\",\"tasks\":[{\"name\":\"t\",\"script\":[]}],\"faults\":[" f "]}"

#define INIT(x) "{\"name\":\"a\",\"tasks\":[{\"name\":\"t\",\"script\":[]}],\"init\":{" x "}}"
#define SRV_A   "\"servers\":[{\"name\":\"a\",\"program\":\"idle\"}]"
#define ARGS16  "xxxxxxxxxxxxxxxx"
#define ARGS159 ARGS16 ARGS16 ARGS16 ARGS16 ARGS16 ARGS16 ARGS16 ARGS16 ARGS16 "xxxxxxxxxxxxxxx"

static const struct bad_case bad_cases[] = {
    {SHARE("1"), "expect.cpu_share: must be an object"},
    {SHARE("{\"to_us\":5,\"tasks\":{\"t\":[1,2]}}"), "expect.cpu_share: missing key \"from_us\""},
    {SHARE("{\"from_us\":5,\"to_us\":5,\"tasks\":{\"t\":[1,2]}}"),
     "expect.cpu_share.to_us: must be an integer 6.."},
    {SHARE("{\"from_us\":0,\"to_us\":5}"), "expect.cpu_share: missing key \"tasks\""},
    {SHARE("{\"from_us\":0,\"to_us\":5,\"tasks\":{}}"),
     "expect.cpu_share.tasks: must name at least one task"},
    {SHARE("{\"from_us\":0,\"to_us\":5,\"tasks\":{\"v\":[1,2]}}"),
     "expect.cpu_share.tasks.v: no task named \"v\""},
    {SHARE("{\"from_us\":0,\"to_us\":5,\"tasks\":{\"t\":[1,2],\"t\":[1,2]}}"),
     "expect.cpu_share.tasks.t: "},
    {SHARE("{\"from_us\":0,\"to_us\":5,\"tasks\":{\"t\":[1]}}"),
     "expect.cpu_share.tasks.t: must be [min_pct, max_pct]"},
    {SHARE("{\"from_us\":0,\"to_us\":5,\"tasks\":{\"t\":[1,100.5]}}"),
     "expect.cpu_share.tasks.t[1]: must be a percentage 0..100"},
    {SHARE("{\"from_us\":0,\"to_us\":5,\"tasks\":{\"t\":[\"1\",2]}}"),
     "expect.cpu_share.tasks.t[0]: must be a percentage 0..100"},
    {SHARE("{\"from_us\":0,\"to_us\":5,\"tasks\":{\"t\":[50,40]}}"),
     "expect.cpu_share.tasks.t[1]: must not be below the least share"},
    {SHARE("{\"from_us\":0,\"to_us\":5,\"tasks\":{\"t\":[1,2]},\"x\":1}"),
     "expect.cpu_share.x: unknown key"},
    {ONE_TASK("") "x", "x.json:1:"},
    {"{\"name\":\"a\",\n\"tasks\":[\n  {\"name\" \"t\"}]}", "x.json:3:"},
    {"", "x.json:1:1: empty input"},
    {"[1]", "x.json: the top level must be an object"},
    {"{\"name\":\"a\",\"tasks\":[{\"name\":\"t\",\"script\":[]}],\"bogus\":1}",
     "x.json: bogus: unknown key"},
    {"{\"tasks\":[{\"name\":\"t\",\"script\":[]}]}", "x.json: missing key \"name\""},
    {"{\"name\":5,\"tasks\":[{\"name\":\"t\",\"script\":[]}]}", "x.json: name: must be a string"},
    {"{\"name\":\"a\",\"tasks\":[]}", "x.json: tasks: must be an array of 1..64 elements"},
    {ONE_TASK("{\"op\":\"fly\"}"), "x.json: tasks[0].script[0].op: unknown op \"fly\""},
    {ONE_TASK("{\"op\":\"yield\",\"colour\":1}"), "tasks[0].script[0].colour: unknown key"},
    {ONE_TASK("{\"op\":\"yield\",\"op\":\"yield\"}"), "tasks[0].script[0].op: duplicate key"},
    {ONE_TASK("1"), "tasks[0].script[0]: must be an object"},
    {ONE_TASK("{\"op\":\"open\",\"url\":\"chan://x:123456789012345678901/\",\"as\":\"c\"}"),
     "tasks[0].script[0].url: bad URL at byte 29: port too long"},
    {ONE_TASK("{\"op\":\"read\",\"handle\":\"c\"}"),
     "tasks[0].script[0].handle: handle \"c\" is not bound by any earlier step"},
    {"{\"name\":\"a\",\"tasks\":[{\"name\":\"t\",\"script\":[]},{\"name\":\"t\",\"script\":[]}]}",
     "tasks[1].name: duplicate task name \"t\""},
    {ONE_TASK("{\"op\":\"repeat\",\"count\":0,\"do\":[{\"op\":\"yield\"}]}"),
     "tasks[0].script[0].count: must be an integer 1..1000000"},
    {ONE_TASK("{\"op\":\"yield\"}," REP("{\"op\":\"repeat\",\"count\":1.5,\"do\":[{\"op\":"
                                        "\"yield\"}]}")),
     "tasks[0].script[1].do[0].count: must be an integer 1..1000000"},
    {ONE_TASK("{\"op\":\"repeat\",\"count\":1e300,\"do\":[{\"op\":\"yield\"}]}"),
     "script[0].count: must be an integer"},
    {ONE_TASK(OPEN_C ",{\"op\":\"write\",\"handle\":\"c\",\"data\":\"\xff\"}"),
     "tasks[0].script[1].data: is not valid UTF-8"},
    {ONE_TASK(OPEN_C ",{\"op\":\"write\",\"handle\":\"c\",\"data\":\"\xc3\"}"),
     "tasks[0].script[1].data: is not valid UTF-8"},
    {ONE_TASK("{\"op\":\"print\",\"text\":\"a\\u0000b\"}"),
     "tasks[0].script[0].text: contains a NUL character"},
    {"{\"name\":\"a\",\"tasks\":[{\"name\":\"t\",\"script\":[]}],\"faults\":[{\"at_us\":1,"
     "\"kill\":\"u\"}]}",
     "faults[0].kill: no task named \"u\""},
    {"{\"name\":\"a\",\"tasks\":[{\"name\":\"t\",\"script\":[]}],\"faults\":[{\"kill\":\"t\"}]}",
     "faults[0]: missing key \"at_us\""},
    {FAULTS("{\"at_us\":1}"), "faults[0]: missing key \"kill\" (or \"kill_server\", \"campaign\")"},
    {FAULTS("{\"at_us\":1,\"kill\":\"t\",\"kill_server\":\"x\"}"),
     "faults[0]: takes one of \"kill\", \"kill_server\" and \"campaign\", not both \"kill\" and "
     "\"kill_server\""},
    {FAULTS("{\"at_us\":1,\"kill_server\":\"a b\"}"),
     "faults[0].kill_server: \"a b\" is not a port or scheme name"},
    {FAULTS("{\"at_us\":1,\"kill_server\":\"\"}"),
     "faults[0].kill_server: must be 1..31 bytes long"},
    {FAULTS("{\"kill_server\":\"x\"}"), "faults[0]: missing key \"at_us\""},
    {FAULTS("{\"at_us\":1,\"campaign\":{\"servers\":\"*\",\"count\":1,\"to_us\":5}}"),
     "faults[0].at_us: a campaign has no \"at_us\""},
    {FAULTS("{\"campaign\":{\"count\":1,\"to_us\":5}}"),
     "faults[0].campaign: missing key \"servers\""},
    {FAULTS("{\"campaign\":{\"servers\":[],\"count\":1,\"to_us\":5}}"),
     "faults[0].campaign.servers: must be \"*\" (every server) or an array of 1.. names"},
    {FAULTS("{\"campaign\":{\"servers\":\"all\",\"count\":1,\"to_us\":5}}"),
     "faults[0].campaign.servers: must be \"*\""},
    {FAULTS("{\"campaign\":{\"servers\":[\"a\",\"b\",\"a\"],\"count\":1,\"to_us\":5}}"),
     "faults[0].campaign.servers[2]: \"a\" is named twice"},
    {FAULTS("{\"campaign\":{\"servers\":[\"a\",5],\"count\":1,\"to_us\":5}}"),
     "faults[0].campaign.servers[1]: must be a string"},
    {FAULTS("{\"campaign\":{\"servers\":[\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
            "\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\",\"ccccccccccccccccccccccccccccccc\","
            "\"ddddddddddddddddddddddddddddddd\",\"e\"],\"count\":1,\"to_us\":5}}"),
     "faults[0].campaign.servers[4]: the names come to more than 127 bytes"},
    {FAULTS("{\"campaign\":{\"servers\":\"*\",\"count\":0,\"to_us\":5}}"),
     "faults[0].campaign.count: must be an integer 1..1000000000"},
    {FAULTS("{\"campaign\":{\"servers\":\"*\",\"count\":1,\"from_us\":10,\"to_us\":10}}"),
     "faults[0].campaign.to_us: must be an integer 11.."},
    {FAULTS("{\"campaign\":{\"servers\":\"*\",\"count\":1}}"),
     "faults[0].campaign: missing key \"to_us\""},
    {FAULTS("{\"campaign\":{\"servers\":\"*\",\"count\":2000,\"from_us\":3,\"to_us\":4}}"),
     "faults[0].campaign.count: 2000 kills do not fit 1 us"},
    {FAULTS("{\"campaign\":{\"servers\":\"*\",\"count\":1,\"to_us\":4,\"when\":1}}"),
     "faults[0].campaign.when: unknown key"},
    {FAULTS("{\"campaign\":[1]}"), "faults[0].campaign: must be an object"},
    {"{\"name\":\"a\",\"tasks\":[{\"name\":\"t\",\"priority\":32,\"script\":[]}]}",
     "tasks[0].priority: must be an integer 0..31"},
    {"{\"name\":\"a\",\"tasks\":[{\"name\":\"t t\",\"script\":[]}]}", "tasks[0].name: task names"},
    {ONE_TASK(REP(REP(REP(REP(REP(REP(REP(REP(REP("{\"op\":\"yield\"}")))))))))),
     "script[0].do[0].do[0].do[0].do[0].do[0].do[0].do[0].do[0].do: repeat/spawn bodies nested"},
    {ONE_TASK(OPEN_C ",{\"op\":\"close\",\"handle\":\"c\",\"expect_error\":\"nope\"}"),
     "tasks[0].script[1].expect_error: unknown error name \"nope\""},
    {ONE_TASK("{\"op\":\"repeat\",\"count\":1,\"expect_error\":\"busy\",\"do\":[]}"),
     "tasks[0].script[0].expect_error: unknown key"},
    {ONE_TASK(OPEN_C ",{\"op\":\"wait\",\"handle\":\"c\",\"signals\":[\"readable\",\"loud\"]}"),
     "tasks[0].script[1].signals[1]: must be one of: readable"},
    {ONE_TASK("{\"op\":\"expect\",\"time_lt_us\":1,\"last\":\"x\"}"),
     "tasks[0].script[0]: takes only one of"},
    {ONE_TASK(OPEN_C ",{\"op\":\"read\",\"handle\":\"c\",\"len\":2,\"expect\":\"abc\"}"),
     "tasks[0].script[1].expect: must be 0..2 bytes long"},
    {ONE_TASK(OPEN_C ",{\"op\":\"read\",\"handle\":\"c\",\"timeout_us\":\"5\"}"),
     "tasks[0].script[1].timeout_us: must be an integer"},
    {ONE_TASK(OPEN_C ",{\"op\":\"send_handles\",\"handle\":\"c\",\"handles\":[\"c\",\"z\"]}"),
     "tasks[0].script[1].handles[1]: handle \"z\" is not bound"},
    {ONE_TASK("{\"op\":\"open\",\"url\":\"chan://x\",\"as\":\"self\"}"),
     "tasks[0].script[0].as: \"self\" is predefined"},
    {ONE_TASK("{\"op\":\"invoke\",\"handle\":\"self\",\"operation\":\"task_yield\","
              "\"args\":[1]}"),
     "tasks[0].script[0].args: must be an array of 0..0 elements"},
    {ONE_TASK("{\"op\":\"invoke\",\"handle\":\"self\",\"operation\":\"fly\"}"),
     "tasks[0].script[0].operation: not an operation of the operation table"},
    {ONE_TASK("{\"op\":\"invoke\",\"handle\":\"self\",\"operation\":\"file_stat\"}"),
     "tasks[0].script[0].operation: \"file_stat\" takes handles, entry points or an output"},
    {ONE_TASK("{\"op\":\"invoke\",\"handle\":\"self\",\"operation\":\"cache_hits\","
              "\"data\":\"x\"}"),
     "tasks[0].script[0]: \"cache_hits\" takes 0 buffer(s): no \"data\""},
    {"{\"name\":\"a\",\"config\":{\"policy\":\"fifo\"},\"tasks\":[{\"name\":\"t\",\"script\":[]}]}",
     "x.json: config.policy: must be one of: round-robin, priority, random"},
    {"{\"name\":\"a\",\"config\":{\"cost\":{\"foo\":1}},\"tasks\":[{\"name\":\"t\",\"script\":[]}]"
     "}",
     "x.json: config.cost.foo: unknown key"},
    {"{\"name\":\"a\",\"seed\":-1,\"tasks\":[{\"name\":\"t\",\"script\":[]}]}",
     "x.json: seed: must be an integer 0..9007199254740991"},
    {"{\"name\":\"a\",\"tasks\":[{\"name\":\"t\",\"script\":[]}],\"expect\":{\"exit\":{\"nobody\":"
     "0}}}",
     "expect.exit.nobody: no task named \"nobody\""},
    {"{\"name\":\"a\",\"tasks\":[{\"name\":\"t\",\"script\":[]}],\"expect\":{\"exit\":{\"t\":"
     "\"dead\"}}}",
     "expect.exit.t: must be an integer or \"killed\""},
    {"{\"name\":\"a\",\"tasks\":[{\"name\":\"t\",\"script\":[]},{\"name\":\"u\",\"script\":[]}],"
     "\"expect\":{\"finish_order\":[\"t\",\"t\"]}}",
     "expect.finish_order[1]: task listed twice"},
    {"{\"name\":\"a\",\"tasks\":[{\"name\":\"t\",\"script\":[]}],\"expect\":{\"max_time_us\":5,"
     "\"min_time_us\":6}}",
     "expect.min_time_us: must not exceed"},
    {"{\"name\":\"a\",\"tasks\":[{\"name\":\"t\",\"script\":[]}],\"expect\":{\"console_contains\":"
     "[\"\"]}}",
     "expect.console_contains[0]: must be 1..255 bytes"},
    {"{\"name\":\"a\",\"tasks\":[{\"name\":\"t\",\"script\":[]}],\"expect\":{\"no_deadlock\":1}}",
     "expect.no_deadlock: must be true or false"},
    {"{\"name\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"tasks\":[{"
     "\"name\":\"t\",\"script\":[]}]}",
     "x.json: name: must be 1..63 bytes long (is 64)"},
    {ONE_TASK("{\"op\":\"exit\",\"code\":-1000}"), "tasks[0].script[0].code: must be an integer"},
    {ONE_TASK("{\"op\":\"invoke\",\"handle\":\"self\",\"operation\":\"fs_rename\",\"data2\":"
              "\"b\"}"),
     "tasks[0].script[0]: \"data2\" needs a non-empty \"data\""},
    {ONE_TASK("{\"op\":\"invoke\",\"handle\":\"self\",\"operation\":\"fs_rename\",\"data\":"
              "\"a\",\"data2\":\"b\",\"args\":[1]}"),
     "tasks[0].script[0].args: must be an array of 0..0 elements"},
    {ONE_TASK("{\"op\":\"readdir\",\"handle\":\"self\",\"expect\":[\"a\\nb\"]}"),
     "tasks[0].script[0].expect[0]: a name holds no newline"},
    {ONE_TASK("{\"op\":\"readdir\",\"handle\":\"self\",\"expect\":[\"\"]}"),
     "tasks[0].script[0].expect[0]: must be 1..255 bytes"},
    {ONE_TASK("{\"op\":\"poll\",\"handles\":[],\"signals\":[\"readable\"]}"),
     "tasks[0].script[0].handles: must be an array of 1..64 elements"},
    {ONE_TASK("{\"op\":\"syscall\",\"call\":\"opne\"}"),
     "tasks[0].script[0].call: must be one of: open, close"},
    {ONE_TASK("{\"op\":\"syscall\",\"call\":\"0xfffffffffffffffff\"}"),
     "tasks[0].script[0].call: must be an integer or \"0x\""},
    {ONE_TASK("{\"op\":\"syscall\",\"call\":1,\"args\":[1,2,3,4,5,6,7]}"),
     "tasks[0].script[0].args: must be an array of 0..6 elements"},
    {ONE_TASK("{\"op\":\"syscall\",\"call\":1,\"args\":[{\"heap\":16385}]}"),
     "tasks[0].script[0].args[0].heap: must be an integer 0..16384"},
    {ONE_TASK("{\"op\":\"syscall\",\"call\":1,\"args\":[{\"heap\":1,\"stack\":1}]}"),
     "tasks[0].script[0].args[0]: must have exactly one of"},
    {ONE_TASK("{\"op\":\"syscall\",\"call\":1,\"args\":[{\"entry\":1}]}"),
     "tasks[0].script[0].args[0].entry: must be an integer 0..0"},
    {ONE_TASK("{\"op\":\"syscall\",\"call\":1,\"args\":[\"nul\"]}"),
     "tasks[0].script[0].args[0]: must be an integer, \"0x...\", \"null\""},
    {ONE_TASK("{\"op\":\"syscall\",\"call\":1,\"args\":[1.5]}"),
     "tasks[0].script[0].args[0]: must be an integer"},
    {ONE_TASK("{\"op\":\"syscall\",\"call\":1,\"store\":{\"at\":\"stack\",\"off\":4159,"
              "\"hex\":\"0000\"}}"),
     "tasks[0].script[0].store.hex: 2 bytes at offset 4159 do not fit the stack"},
    {ONE_TASK("{\"op\":\"syscall\",\"call\":1,\"store\":{\"at\":\"heap\",\"off\":0,"
              "\"hex\":\"0g\"}}"),
     "tasks[0].script[0].store.hex: must be pairs of lower-case hex digits"},
    {ONE_TASK("{\"op\":\"syscall\",\"call\":1,\"expect_error\":\"fault\"}"),
     "tasks[0].script[0].expect_error: unknown key"},
    {ONE_TASK("{\"op\":\"syscall\",\"call\":1,\"expect\":true}"),
     "tasks[0].script[0].expect: must be an integer"},
    {"{\"name\":\"a\",\"tasks\":[{\"name\":\"t\",\"raw_memory\":false,\"script\":["
     "{\"op\":\"syscall\",\"call\":1}]}]}",
     "tasks[0].script[0]: a syscall step needs the task's raw memory"},
    {"{\"name\":\"a\",\"tasks\":[{\"name\":\"t\",\"threads\":[[]],\"script\":[]}]}",
     "tasks[0]: needs exactly one of \"script\" and \"threads\""},
    {"{\"name\":\"a\",\"tasks\":[{\"name\":\"t\",\"threads\":[[],[]],\"boot_threads\":3}]}",
     "tasks[0].boot_threads: must be an integer 1..2"},
    {"{\"name\":\"a\",\"tasks\":[{\"name\":\"t\",\"threads\":[{}]}]}",
     "tasks[0].threads[0]: must be an array of steps"},
    {"{\"name\":\"a\",\"tasks\":[{\"name\":\"t\",\"threads\":[]}]}",
     "tasks[0].threads: must be an array of 1..16 elements"},
    {"{\"name\":\"a\",\"tasks\":[{\"name\":\"t\",\"boot_threads\":1,\"script\":[]}]}",
     "tasks[0].boot_threads: only a task with \"threads\" has boot threads"},
    {ONE_TASK("{\"op\":\"spawn_task\",\"program\":\"nope\",\"as\":\"c\"}"),
     "tasks[0].script[0]: program: no program named \"nope\""},
    {ONE_TASK("{\"op\":\"spawn_task\",\"program\":\"idle\"}"),
     "tasks[0].script[0]: missing key \"as\""},
    {ONE_TASK("{\"op\":\"spawn_task\",\"program\":\"idle\",\"handles\":[\"a\",\"b\",\"c\","
              "\"d\",\"e\",\"f\",\"g\",\"h\",\"i\"],\"as\":\"c\"}"),
     "tasks[0].script[0].handles: must be an array of 1..8 elements"},
    {ONE_TASK("{\"op\":\"spawn_task\",\"program\":\"idle\",\"handles\":[\"x\"],\"as\":\"c\"}"),
     "tasks[0].script[0].handles[0]: handle \"x\" is not bound by any earlier step"},
    {ONE_TASK("{\"op\":\"task_status\",\"handle\":\"self\",\"expect\":{}}"),
     "tasks[0].script[0].expect: must be an object with one or more of"},
    {ONE_TASK("{\"op\":\"task_status\",\"handle\":\"self\",\"expect\":{\"state\":\"dead\"}}"),
     "tasks[0].script[0].expect.state: must be one of: running, exited"},
    {ONE_TASK("{\"op\":\"task_status\",\"handle\":\"self\",\"expect\":{\"colour\":1}}"),
     "tasks[0].script[0].expect.colour: unknown key"},
    {ONE_TASK("{\"op\":\"task_status\",\"handle\":\"self\",\"expect\":{\"code\":4294967296}}"),
     "tasks[0].script[0].expect.code: must be an integer -2147483648..2147483647"},
    {ONE_TASK("{\"op\":\"task_children\",\"handle\":\"self\",\"expect\":-1}"),
     "tasks[0].script[0].expect: must be an integer 0..4294967295"},
    {ONE_TASK("{\"op\":\"invoke\",\"handle\":\"self\",\"operation\":\"task_status\"}"),
     "tasks[0].script[0].operation: \"task_status\" takes handles, entry points or an output"},
    /* the "init" key (sim-harness/scenario_init.c) */
    {INIT("\"servers\":[]"), "init.servers: must be an array of 1..16 elements"},
    {INIT("\"colour\":1," SRV_A), "init.colour: unknown key"},
    {INIT("\"strategy\":\"one_for_some\"," SRV_A), "init.strategy: must be one of: one_for_one"},
    {INIT("\"intensity\":0," SRV_A), "init.intensity: must be an integer 1..16"},
    {INIT("\"period_us\":0," SRV_A), "init.period_us: must be an integer 1.."},
    {INIT("\"backoff_us\":{\"base\":10,\"max\":5}," SRV_A),
     "init.backoff_us.max: must be at least base (10)"},
    {INIT("\"backoff_us\":{\"max\":5}," SRV_A), "init.backoff_us: missing key \"base\""},
    {INIT("\"backoff_us\":{\"base\":1,\"cap\":5}," SRV_A), "init.backoff_us.cap: unknown key"},
    {INIT("\"kill_supervisor\":[\"sometimes\"]," SRV_A), "init.kill_supervisor[0]: must be one of"},
    {INIT("\"priority\":40," SRV_A), "init.priority: must be an integer 0..31"},
    {INIT("\"servers\":[{\"program\":\"idle\"}]"), "init.servers[0]: missing key \"name\""},
    {INIT("\"servers\":[{\"name\":\"A\",\"program\":\"idle\"}]"),
     "init.servers[0].name: must be 1..15 bytes of a-z 0-9 _ -"},
    {INIT("\"servers\":[{\"name\":\"a\",\"program\":\"nope\"}]"),
     "init.servers[0].program: no program named \"nope\""},
    {INIT("\"servers\":[{\"name\":\"a\",\"program\":\"idle\",\"restart\":\"sometimes\"}]"),
     "init.servers[0].restart: must be one of: permanent, transient, temporary"},
    {INIT("\"servers\":[{\"name\":\"a\",\"program\":\"idle\",\"port\":\"a b\"}]"),
     "init.servers[0].port: must be 1..31 bytes"},
    {INIT("\"servers\":[{\"name\":\"a\",\"program\":\"idle\",\"args\":\"sup=x\"}]"),
     "init.servers[0].args: sup= and hb= are the supervisor's to give"},
    {INIT("\"servers\":[{\"name\":\"a\",\"program\":\"idle\",\"heartbeat_us\":-1}]"),
     "init.servers[0].heartbeat_us: must be an integer"},
    {INIT("\"servers\":[{\"name\":\"a\",\"program\":\"idle\"},{\"name\":\"a\",\"program\":\"idle\"}"
          "]"),
     "init.servers[1].name: two servers named \"a\" (also servers[0])"},
    {INIT("\"servers\":[{\"name\":\"a\",\"program\":\"idle\",\"port\":\"p\"},{\"name\":\"b\","
          "\"program\":\"idle\",\"port\":\"p\"}]"),
     "init.servers[1].port: port \"p\" is servers[0]'s too"},
    {INIT("\"servers\":[{\"name\":\"a\",\"program\":\"idle\",\"scheme\":\"s\"},{\"name\":\"b\","
          "\"program\":\"idle\",\"scheme\":\"s\"}]"),
     "init.servers[1].scheme: scheme \"s\" is servers[0]'s too"},
    {INIT("\"servers\":[{\"name\":\"a\",\"program\":\"idle\",\"after\":[\"z\"]}]"),
     "init.servers[0].after[0]: no server named \"z\""},
    {INIT("\"servers\":[{\"name\":\"a\",\"program\":\"idle\",\"after\":[\"a\"]}]"),
     "init.servers[0].after[0]: \"a\" is this server: it cannot wait for itself"},
    {INIT("\"servers\":[{\"name\":\"a\",\"program\":\"idle\",\"after\":[\"b\"]},{\"name\":\"b\","
          "\"program\":\"idle\",\"after\":[\"a\"]}]"),
     "init.servers[1].after: the servers wait for each other (a cycle)"},
    {INIT("\"servers\":[{\"name\":\"a\",\"program\":\"idle\",\"after\":[\"b\",\"b\"]},{\"name\":"
          "\"b\",\"program\":\"idle\"}]"),
     "init.servers[0].after[1]: \"b\" is named twice"},
    {INIT("\"servers\":[{\"name\":\"a\",\"program\":\"idle\",\"after\":[\"b\",\"b\",\"b\",\"b\","
          "\"b\"]}]"),
     "init.servers[0].after: must be an array of 0..4 elements"},
    {INIT("\"servers\":[{\"name\":\"aaaaaaaaaaaaaaa\",\"program\":\"spawn-children\",\"port\":"
          "\"ppppppppppppppppppppppppppppppp\",\"scheme\":\"sssssssssssssssssssssssssssssss\","
          "\"heartbeat_us\":1000000000,\"after\":[\"b\",\"c\",\"d\",\"e\"],\"args\":\"" ARGS159
          "\"}]"),
     "init.servers[0]: too long: the server's line is"},
    {"{\"name\":\"a\",\"tasks\":[{\"name\":\"init\",\"script\":[]}],\"init\":{" SRV_A "}}",
     "init: makes a task named \"init\": tasks[0] has that name"},
};

/* The "init" key makes a task "init" that writes the configuration lines and spawns init. */
START_TEST(test_init_task)
{
    static const char json[] =
        "{\"name\":\"a\",\"tasks\":[{\"name\":\"t\",\"script\":[]}],"
        "\"init\":{\"strategy\":\"rest_for_one\",\"intensity\":2,\"period_us\":500,"
        "\"backoff_us\":{\"base\":10,\"max\":80,\"reset_us\":900},\"quarantine_us\":70,"
        "\"stop_us\":9000,\"kill_supervisor\":[\"after_spawn\"],"
        "\"servers\":[{\"name\":\"db\",\"program\":\"test-server\",\"port\":\"db\","
        "\"heartbeat_us\":300,\"after\":[\"fs\"],\"args\":\"die=5 code=4\"},"
        "{\"name\":\"fs\",\"program\":\"file-server\",\"scheme\":\"file\","
        "\"restart\":\"transient\"}]},"
        "\"faults\":[{\"at_us\":5,\"kill\":\"init\"}],\"expect\":{\"exit\":{\"init\":0}}}";
    static const char *const lines[] = {
        ("sup strategy=rest_for_one intensity=2 backoff=10,80 reset=900 period=500 quarantine=70 "
         "stop=9000 kills=after_spawn"),
        "srv name=db prog=test-server restart=permanent port=db hb=300 after=fs args=die=5 code=4",
        "srv name=fs prog=file-server restart=transient scheme=file",
        "go",
    };
    static struct scn_view v;
    struct scn_compiled sc;
    compile_ok(json, &sc, &v);
    ck_assert_uint_eq(v.ntasks, 2);
    ck_assert(text_is(v.tasks[1].name, v.tasks[1].name_len, "init"));
    ck_assert_int_eq(v.tasks[1].priority, 20);
    struct scn_cursor cur;
    struct scn_insn in;
    uint32_t nw = 0;
    bool spawned = false;
    scn_cursor_init(&cur, &v, v.tasks[1].code_off, v.tasks[1].code_len, 1);
    while (scn_cursor_next(&cur, &in)) {
        if (in.op == SCN_OP_WRITE) {
            ck_assert_uint_lt(nw, 4);
            ck_assert_str_eq(insn_str(&v, &in), lines[nw]);
            nw++;
        }
        if (in.op == SCN_OP_SPAWN_TASK) {
            ck_assert_str_eq(insn_str(&v, &in), "init");
            spawned = true;
        }
    }
    ck_assert_uint_eq(nw, 4);
    ck_assert(spawned);
    ck_assert_str_eq(scn_step_path(&sc, 1, 0), "init.script[0]");
    scn_compiled_free(&sc);
}
END_TEST

START_TEST(test_bad_input)
{
    const struct bad_case *bc = &bad_cases[_i];
    struct scn_compiled sc;
    char err[1024];
    int rc = scn_compile_text("x.json", bc->json, strlen(bc->json), &sc, err, sizeof(err));
    ck_assert_msg(rc == SCN_COMPILE_BAD, "case %d compiled but should not have", _i);
    ck_assert_msg(strstr(err, bc->want) != NULL, "case %d: got \"%s\", want \"%s\"", _i, err,
                  bc->want);
    ck_assert_ptr_null(sc.blob);
    ck_assert_uint_eq(sc.ntasks, 0);
}
END_TEST

/* Special inputs that a string literal table cannot hold. */
START_TEST(test_bad_special)
{
    struct scn_compiled sc;
    char err[1024];
    static const char nul_json[] = "{\"name\":\"a\0\"}";
    ck_assert_int_eq(
        scn_compile_text("x.json", nul_json, sizeof(nul_json) - 1, &sc, err, sizeof(err)),
        SCN_COMPILE_BAD);
    ck_assert_msg(strstr(err, "x.json:1:11: NUL byte") != NULL, "%s", err);

    /* 65 tasks */
    char *big = malloc(65 * 40 + 64);
    size_t n = (size_t)sprintf(big, "{\"name\":\"a\",\"tasks\":[");
    for (int i = 0; i < 65; i++)
        n += (size_t)sprintf(big + n, "%s{\"name\":\"t%d\",\"script\":[]}", i ? "," : "", i);
    n += (size_t)sprintf(big + n, "]}");
    ck_assert_int_eq(scn_compile_text("x.json", big, n, &sc, err, sizeof(err)), SCN_COMPILE_BAD);
    ck_assert_msg(strstr(err, "x.json: tasks: must be an array of 1..64") != NULL, "%s", err);
    free(big);

    /* 65 handle names in one task */
    char *names = malloc(65 * 64 + 128);
    n = (size_t)sprintf(names, "{\"name\":\"a\",\"tasks\":[{\"name\":\"t\",\"script\":[");
    for (int i = 0; i < 65; i++)
        n += (size_t)sprintf(names + n, "%s{\"op\":\"open\",\"url\":\"zero://\",\"as\":\"h%d\"}",
                             i ? "," : "", i);
    n += (size_t)sprintf(names + n, "]}]}");
    ck_assert_int_eq(scn_compile_text("x.json", names, n, &sc, err, sizeof(err)), SCN_COMPILE_BAD);
    ck_assert_msg(strstr(err, "tasks[0].script[64].as: more than 64 handle names") != NULL, "%s",
                  err);
    free(names);

    /* A step stores at most SCN_MAX_STORE bytes, in the heap too: the compiler says so (it
     * once let the decoder find out, "internal error"). Exactly that many compile. */
    char *store = malloc(4 * SCN_MAX_STORE + 256);
    for (uint32_t bytes = SCN_MAX_STORE; bytes <= SCN_MAX_STORE + 1; bytes++) {
        n = (size_t)sprintf(store, "{\"name\":\"a\",\"tasks\":[{\"name\":\"t\",\"script\":["
                                   "{\"op\":\"syscall\",\"call\":1,\"store\":{"
                                   "\"at\":\"heap\",\"off\":0,\"hex\":\"");
        memset(store + n, 'a', 2 * (size_t)bytes);
        n += 2 * (size_t)bytes;
        n += (size_t)sprintf(store + n, "\"}}]}]}");
        int rc = scn_compile_text("x.json", store, n, &sc, err, sizeof(err));
        if (bytes == SCN_MAX_STORE) {
            ck_assert_msg(rc == SCN_COMPILE_OK, "%s", err);
            scn_compiled_free(&sc);
        } else {
            ck_assert_int_eq(rc, SCN_COMPILE_BAD);
            ck_assert_msg(strstr(err, "tasks[0].script[0].store.hex: must be 2..8320 bytes") !=
                              NULL,
                          "%s", err);
        }
    }
    free(store);
}
END_TEST

/* "syntax" as the expected error lets a malformed URL through to the kernel. */
START_TEST(test_url_expect_syntax)
{
    struct scn_compiled sc;
    struct scn_view v;
    compile_ok(ONE_TASK("{\"op\":\"open\",\"url\":\"chan:/x\",\"as\":\"c\","
                        "\"expect_error\":\"syntax\"}"),
               &sc, &v);
    scn_compiled_free(&sc);
}
END_TEST

/* Eight nested bodies (spawn counts) are the limit, not an error. */
START_TEST(test_depth_limit)
{
    struct scn_compiled sc;
    struct scn_view v;
    struct scn_cursor cur;
    struct scn_insn in;
    compile_ok(ONE_TASK(REP(REP(REP(REP(REP(REP(REP("{\"op\":\"spawn\",\"do\":[{\"op\":"
                                                    "\"yield\"}]}")))))))),
               &sc, &v);
    scn_cursor_init(&cur, &v, v.tasks[0].code_off, v.tasks[0].code_len, 0);
    for (int i = 0; i < 8; i++)
        ck_assert(scn_cursor_next(&cur, &in));
    ck_assert_uint_eq(in.op, SCN_OP_SPAWN);
    ck_assert_uint_eq(cur.depth, 7);
    ck_assert(!scn_cursor_next(&cur, &in));
    scn_compiled_free(&sc);
}
END_TEST

/* ---- the decoder against damaged blobs ---- */

/* Walk every script of a decoded blob; a corrupted blob that decodes must walk cleanly. */
static void dry_walk(const struct scn_view *v)
{
    for (uint32_t t = 0; t < v->ntasks; t++) {
        struct scn_cursor cur;
        struct scn_insn in;
        uint32_t steps = 0;
        scn_cursor_init(&cur, v, v->tasks[t].code_off, v->tasks[t].code_len, 2);
        while (scn_cursor_next(&cur, &in) && steps < 1000000)
            steps++;
    }
}

START_TEST(test_truncated)
{
    struct scn_compiled sc;
    struct scn_view v;
    compile_ok(all_ops_json, &sc, &v);
    for (size_t len = 0; len < sc.len; len++) {
        uint8_t *copy = malloc(len + 1); /* exact size: ASan catches any overread */
        memcpy(copy, sc.blob, len);
        struct scn_error e;
        ck_assert_msg(scn_decode(copy, len, &v, &e) != 0, "length %zu decoded", len);
        ck_assert_uint_le(e.offset, len > SCN_HDR_SIZE ? len : SCN_HDR_SIZE);
        free(copy);
    }
    scn_compiled_free(&sc);
}
END_TEST

START_TEST(test_corrupted)
{
    struct scn_compiled sc;
    struct scn_view v;
    static const uint8_t flips[] = {0x01, 0x80, 0xff, 0x10};
    compile_ok(good_json, &sc, &v);
    uint8_t *copy = malloc(sc.len);
    unsigned accepted = 0, rejected = 0;
    for (size_t i = 0; i < sc.len; i++) {
        for (size_t f = 0; f < sizeof(flips); f++) {
            memcpy(copy, sc.blob, sc.len);
            copy[i] ^= flips[f];
            struct scn_error e;
            if (scn_decode(copy, sc.len, &v, &e) == 0) {
                dry_walk(&v);
                accepted++;
            } else {
                ck_assert_uint_lt(e.offset, sc.len);
                ck_assert(e.msg[0] != '\0');
                rejected++;
            }
        }
    }
    /* flips inside strings, the seed or costs are legal; most others are not */
    ck_assert_uint_gt(rejected, accepted);
    free(copy);
    scn_compiled_free(&sc);
}
END_TEST

START_TEST(test_task_setup)
{
    struct scn_compiled sc;
    struct scn_view v;
    uintptr_t arg = 0;
    compile_ok(all_ops_json, &sc, &v);
    size_t need = scn_task_heap_need(sc.len);
    void *heap = malloc(need);
    ck_assert_int_eq(scn_task_setup(heap, need - 1, sc.blob, sc.len, 0, &arg), TW_E_NOMEM);
    ck_assert_int_eq(scn_task_setup(heap, need, sc.blob, sc.len, 1, &arg), TW_E_INVAL);
    ck_assert_int_eq(scn_task_setup(heap, need, sc.blob, sc.len - 1, 0, &arg), TW_E_INVAL);
    ck_assert_int_eq(scn_task_setup(heap, need, sc.blob, sc.len, 0, &arg), 0);
    ck_assert(arg >= (uintptr_t)heap && arg < (uintptr_t)heap + need);
    free(heap);
    scn_compiled_free(&sc);
}
END_TEST

/* ---- error names and lint ---- */

START_TEST(test_errnames)
{
    for (int64_t e = TW_ERR_MIN; e <= 0; e++) {
        const char *name = tw_strerror(e);
        ck_assert_ptr_nonnull(name);
        ck_assert_int_eq(tw_error_from_name(name, strlen(name)), e);
    }
    ck_assert_str_eq(tw_strerror(TW_E_PEER), "peer_closed");
    ck_assert_str_eq(tw_strerror(TW_E_SYNTAX), "syntax");
    ck_assert_ptr_null(tw_strerror(1));
    ck_assert_ptr_null(tw_strerror(TW_ERR_MIN - 1));
    ck_assert_int_eq(tw_error_from_name("peer", 4), TW_ERRNAME_UNKNOWN);
    ck_assert_int_eq(tw_error_from_name("peer_closed!", 12), TW_ERRNAME_UNKNOWN);
    ck_assert_int_eq(tw_error_from_name("timed_outX", 9), TW_E_TIMEDOUT);
    ck_assert_int_eq(tw_error_from_name("", 0), TW_ERRNAME_UNKNOWN);
}
END_TEST

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

START_TEST(test_lint)
{
    char good[] = "/tmp/twain-lint-good-XXXXXX", bad[] = "/tmp/twain-lint-bad-XXXXXX";
    close(mkstemp(good));
    close(mkstemp(bad));
    write_file(good, good_json);
    write_file(bad, ONE_TASK("{\"op\":\"fly\"}"));
    char *ok_args[] = {"lint", good, NULL};
    char *mixed[] = {"lint", good, bad, NULL};
    char *help[] = {"lint", "--help", NULL};
    char *none[] = {"lint", NULL};
    char *missing[] = {"lint", "/nonexistent/x.json", NULL};
    ck_assert_int_eq(cmd_lint(2, ok_args), 0);
    ck_assert_int_eq(cmd_lint(3, mixed), 2);
    ck_assert_int_eq(cmd_lint(2, help), 0);
    ck_assert_int_eq(cmd_lint(1, none), 2);
    ck_assert_int_eq(cmd_lint(2, missing), 2);
    struct scn_compiled sc;
    char err[512];
    ck_assert_int_eq(scn_compile_file(missing[1], &sc, err, sizeof(err)), SCN_COMPILE_BAD);
    ck_assert_msg(strstr(err, "/nonexistent/x.json: cannot open") != NULL, "%s", err);
    unlink(good);
    unlink(bad);
}
END_TEST

/* ---- the layout's description (user/scenario_layout.c) ---- */

static uint32_t type_width(const char *type)
{
    static const struct {
        const char *name;
        uint32_t width;
    } types[] = {{"u8", 1},  {"i8", 1},  {"zero", 1}, {"u16", 2}, {"u32", 4},
                 {"i32", 4}, {"u64", 8}, {"i64", 8},  {"str", 8}};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (strcmp(type, types[i].name) == 0)
            return types[i].width;
    }
    return 0;
}

/* r's fields tile [start, r->size) in order, each of its type's width, and end the list. */
static void check_record(const struct scn_record *r, uint32_t start)
{
    uint32_t at = start;
    for (uint32_t k = 0; k < r->nfields; k++) {
        const struct scn_field *f = &r->fields[k];
        ck_assert_msg(f->off == at, "%s.%s at %u, want %u", r->name, f->name, f->off, at);
        ck_assert_msg(f->width == type_width(f->type), "%s.%s: %s", r->name, f->name, f->type);
        ck_assert_uint_ge(f->count, 1);
        ck_assert_ptr_null(strchr(f->doc, '|'));
        for (uint32_t j = 0; j < k; j++)
            ck_assert_str_ne(r->fields[j].name, f->name);
        at += f->width * f->count;
    }
    ck_assert_ptr_null(r->fields[r->nfields].name); /* the list's end */
    ck_assert_msg(at == r->size, "%s: fields end at %u, size %u", r->name, at, r->size);
}

START_TEST(test_layout)
{
    static const struct {
        const char *name;
        uint32_t size;
    } sizes[] = {{"header", SCN_HDR_SIZE},          {"task", SCN_TASK_ENT_SIZE},
                 {"fault", SCN_FAULT_ENT_SIZE},     {"expect_fixed", SCN_EXPECT_FIXED},
                 {"exit_entry", SCN_EXIT_ENT_SIZE}, {"order_entry", SCN_ORDER_ENT_SIZE},
                 {"str", SCN_STR_REF_SIZE},         {"insn", SCN_INSN_HDR},
                 {"share_fixed", SCN_SHARE_FIXED},  {"share_entry", SCN_SHARE_ENT_SIZE}};
    ck_assert_uint_eq(scn_nrecords, sizeof(sizes) / sizeof(sizes[0]));
    for (uint32_t i = 0; i < scn_nrecords; i++) {
        check_record(&scn_records[i], 0);
        size_t k = 0;
        while (k < scn_nrecords && strcmp(sizes[k].name, scn_records[i].name) != 0)
            k++;
        ck_assert_msg(k < scn_nrecords, "record %s", scn_records[i].name);
        ck_assert_uint_eq(scn_records[i].size, sizes[k].size);
    }
    for (unsigned op = 1; op < SCN_OP_COUNT; op++) {
        const struct scn_op_desc *d = scn_op_desc(op);
        ck_assert_ptr_nonnull(d);
        check_record(&d->rec, SCN_INSN_HDR);
        ck_assert_str_eq(d->name, scn_op_name(op));
        ck_assert_uint_eq(d->flags & ~SCN_F_ALL, 0);
        ck_assert_uint_eq(scn_insn_size(op, 5), op == SCN_OP_POLL ? d->rec.size + 8 : d->rec.size);
    }
    ck_assert_ptr_null(scn_op_desc(0));
    ck_assert_ptr_null(scn_op_desc(SCN_OP_COUNT));
    ck_assert_uint_eq(scn_insn_size(0, 0), 0);
    ck_assert_str_eq(scn_op_name(SCN_OP_COUNT), "?");
    for (uint32_t n = 1; n <= SCN_MAX_POLL; n++) {
        ck_assert_uint_eq(SCN_POLL_SIZE(n) % 4, 0);
        ck_assert_uint_ge(SCN_POLL_SIZE(n), SCN_SIZEOF(poll) + n);
        ck_assert_uint_lt(SCN_POLL_SIZE(n), SCN_SIZEOF(poll) + n + 4);
    }
    ck_assert_uint_gt(scn_nlimits, 0);
    for (uint32_t i = 0; i < scn_nlimits; i++) {
        const struct scn_limit *l = &scn_limits[i];
        if (strcmp(l->rel, "==") == 0)
            ck_assert_msg(l->value == l->kernel_value, "%s", l->name);
        else
            ck_assert_msg(strcmp(l->rel, "<=") == 0 && l->value <= l->kernel_value, "%s", l->name);
    }
    /* The accessors read what they write, little-endian, at the field's offset. */
    uint8_t rec[SCN_SIZEOF(syscall)];
    memset(rec, 0, sizeof(rec));
    SCN_PUT_I(rec, syscall, args, 1, 0x0102030405060708ull);
    ck_assert_uint_eq(rec[SCN_AT(syscall, args) + 8], 0x08);
    ck_assert_uint_eq(rec[SCN_AT(syscall, args) + 15], 0x01);
    ck_assert_uint_eq(SCN_GET_I(rec, syscall, args, 1), 0x0102030405060708ull);
    SCN_PUT(rec, syscall, store_off, 0xfffffffeu);
    ck_assert_int_eq((int32_t)(uint32_t)SCN_GET(rec, syscall, store_off), -2);
    ck_assert(SCN_ZERO(rec, syscall, pad));
    rec[SCN_AT(syscall, pad)] = 1;
    ck_assert(!SCN_ZERO(rec, syscall, pad));
    char *bad[] = {"layout", NULL};
    ck_assert_int_eq(cmd_layout(1, bad), 2);
}
END_TEST

static Suite *scenario_suite(void)
{
    Suite *s = suite_create("scenario_compile");
    TCase *tc = tcase_create("compile");
    tcase_add_test(tc, test_good_view);
    tcase_add_test(tc, test_good_code);
    tcase_add_test(tc, test_defaults_and_seed);
    tcase_add_test(tc, test_all_ops);
    tcase_add_test(tc, test_dup_rights);
    tcase_add_test(tc, test_task_steps_decode);
    tcase_add_test(tc, test_server_faults);
    tcase_add_test(tc, test_version_3_still_decodes);
    tcase_add_test(tc, test_init_task);
    tcase_add_test(tc, test_cpu_share);
    tcase_add_loop_test(tc, test_bad_input, 0, (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
    tcase_add_test(tc, test_bad_special);
    tcase_add_test(tc, test_url_expect_syntax);
    tcase_add_test(tc, test_depth_limit);
    suite_add_tcase(s, tc);
    TCase *td = tcase_create("decode");
    tcase_set_timeout(td, 60);
    tcase_add_test(td, test_truncated);
    tcase_add_test(td, test_corrupted);
    tcase_add_test(td, test_task_setup);
    suite_add_tcase(s, td);
    TCase *tm = tcase_create("misc");
    tcase_add_test(tm, test_errnames);
    tcase_add_test(tm, test_lint);
    tcase_add_test(tm, test_layout);
    suite_add_tcase(s, tm);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(scenario_suite());
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
