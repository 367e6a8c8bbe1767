/* SPDX-License-Identifier: MIT */
/*
 * sim-harness/scenario_compile.c - JSON scenario -> binary scenario (host side, cJSON).
 *
 * The language is docs/scenario-format.md; the binary layout is
 * user/scenario_layout.h, whose fields this file and scenario_steps.c write by name. Every problem
 * is reported once, with the JSON path of the offender (or line:column for JSON syntax), and
 * nothing is silently ignored: unknown keys, wrong types, non-integers, out-of-range numbers, bad
 * URLs, text that is not UTF-8 or holds a NUL, handle names no earlier step binds. The output is
 * decoded with scn_decode before it is returned, so a blob from here is always one the interpreter
 * accepts.
 *
 * This file compiles the document around the scripts (tasks, faults, expectations,
 * configuration, disks), then writes and checks the blob; it also holds `twain lint`. The
 * steps are scenario_steps.c; checked JSON access, the string table and handle names are
 * scenario_cc.c (scenario_cc.h).
 */

#include "scenario_compile.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/abi.h"
#include "../user/scenario_bc.h"
#include "scenario_cc.h"

/* ---- tasks, faults, expectations, configuration ---- */

static int find_task(const struct cc *c, const char *name)
{
    for (uint32_t i = 0; i < c->ntasks; i++) {
        if (strcmp(c->tasks[i].name, name) == 0)
            return (int)i;
    }
    return -1;
}

/* A task name at v (the current path) naming a task; its index. */
static int task_at(struct cc *c, const cJSON *v, uint32_t *task)
{
    const char *s;
    size_t len;
    char sbuf[48];
    if (cc_text_at(c, v, 1, SCN_MAX_NAME - 1, &s, &len) != 0)
        return -1;
    int i = find_task(c, s);
    if (i < 0)
        return cc_fail(c, "no task named \"%s\"", cc_shown(s, sbuf, sizeof(sbuf)));
    *task = (uint32_t)i;
    return 0;
}

/* "threads": each body behind a thread instruction (step), the body's length patched in. */
static int compile_threads(struct cc *c, const cJSON *arr)
{
    size_t mark = cc_push_key(c, "threads");
    uint32_t i = 0;
    for (const cJSON *body = arr->child; body != NULL; body = body->next, i++) {
        size_t m2 = cc_push_index(c, (int)i), at;
        struct scn_insn in = {.op = SCN_OP_THREAD, .slot = SCN_SLOT_NONE, .as = SCN_SLOT_NONE};
        in.arg = i;
        if (!cJSON_IsArray(body))
            return cc_fail(c, "must be an array of steps (a thread's body)");
        if (cc_new_step(c, &in.step) != 0 || cc_emit(c, &in, &at) != 0)
            return -1;
        size_t start = c->code.len;
        if (cc_compile_steps(c, body, NULL, 1) != 0)
            return -1;
        cc_patch_body_len(c, at, (uint32_t)(c->code.len - start));
        cc_pop(c, m2);
    }
    cc_pop(c, mark);
    return 0;
}

/* A task's code: "script", or "threads" with "boot_threads"; and its "raw_memory". */
static int compile_code(struct cc *c, const cJSON *tj, struct ctask *t)
{
    const cJSON *script, *threads, *raw = cJSON_GetObjectItemCaseSensitive(tj, "raw_memory");
    bool raw_on;
    if (cc_get_array(c, tj, "script", 0, INT32_MAX, false, &script) != 0 ||
        cc_get_array(c, tj, "threads", 1, SCN_MAX_THREADS, false, &threads) != 0 ||
        cc_get_bool(c, tj, "raw_memory", &raw_on) != 0)
        return -1;
    if ((script == NULL) == (threads == NULL))
        return cc_fail(c, "needs exactly one of \"script\" and \"threads\"");
    t->raw_off = raw != NULL && !raw_on;
    t->flags = raw_on ? SCN_TASK_RAW_MEMORY : 0;
    if (script != NULL) {
        if (cJSON_GetObjectItemCaseSensitive(tj, "boot_threads") != NULL) {
            cc_push_key(c, "boot_threads");
            return cc_fail(c, "only a task with \"threads\" has boot threads");
        }
        return cc_compile_steps(c, script, "script", 0);
    }
    int64_t boot, one = 1;
    t->nthreads = (uint8_t)cJSON_GetArraySize(threads);
    if (cc_get_int(c, tj, "boot_threads", 1, t->nthreads, &one, &boot) != 0)
        return -1;
    t->boot_threads = (uint8_t)boot;
    return compile_threads(c, threads);
}

static int compile_task(struct cc *c, const cJSON *tj, uint32_t i)
{
    static const char *const keys[] = {"name",         "priority",   "script", "threads",
                                       "boot_threads", "raw_memory", NULL};
    struct ctask *t = &c->tasks[i];
    int64_t prio, dflt = DEFAULT_PRIO;
    if (cc_check_object(c, tj, keys) != 0 ||
        cc_get_text(c, tj, "name", 1, SCN_MAX_NAME - 1, true, &t->name, &t->name_len) != 0)
        return -1;
    if (!scn_name_ok((const uint8_t *)t->name, t->name_len)) {
        cc_push_key(c, "name");
        return cc_fail(c, "task names are 1..%u characters of A-Z a-z 0-9 _ -", SCN_MAX_NAME - 1);
    }
    int other = find_task(c, t->name);
    if (other >= 0) {
        cc_push_key(c, "name");
        return cc_fail(c, "duplicate task name \"%s\" (also tasks[%d])", t->name, other);
    }
    if (cc_get_int(c, tj, "priority", 0, SCN_MAX_PRIORITY, &dflt, &prio) != 0 ||
        cc_add_str(c, t->name, t->name_len, &t->name_ref) != 0)
        return -1;
    t->priority = (uint32_t)prio;
    c->ntasks = i + 1; /* visible to find_task from here on */
    c->out->ntasks = c->ntasks;
    c->cur = t;
    c->nnames = 0; /* handle names are per task */
    t->code_off = (uint32_t)c->code.len;
    if (compile_code(c, tj, t) != 0)
        return -1;
    t->code_len = (uint32_t)(c->code.len - t->code_off);
    return 0;
}

static int compile_tasks(struct cc *c, const cJSON *root)
{
    const cJSON *arr;
    if (cc_get_array(c, root, "tasks", 1, SCN_MAX_TASKS, true, &arr) != 0)
        return -1;
    size_t mark = cc_push_key(c, "tasks");
    uint32_t i = 0;
    for (const cJSON *tj = arr->child; tj != NULL; tj = tj->next, i++) {
        size_t m2 = cc_push_index(c, (int)i);
        if (compile_task(c, tj, i) != 0)
            return -1;
        cc_pop(c, m2);
    }
    cc_pop(c, mark);
    return 0;
}

/* A server's name (a port's or a scheme's) at v, the current path: 1..31 bytes. */
static int server_name_at(struct cc *c, const cJSON *v, const char **s, size_t *len)
{
    char sbuf[48];
    if (cc_text_at(c, v, 1, SCN_SERVER_NAME - 1, s, len) != 0)
        return -1;
    if (!scn_servers_ok((const uint8_t *)*s, *len, false))
        return cc_fail(c,
                       "\"%s\" is not a port or scheme name (1..%u characters of A-Z a-z 0-9 "
                       ". _ ~ + -)",
                       cc_shown(*s, sbuf, sizeof(sbuf)), SCN_SERVER_NAME - 1);
    return 0;
}

/* campaign.servers: an array of 1.. distinct names, or "*"; stored as "a b c" or "*". */
static int campaign_servers(struct cc *c, const cJSON *camp, struct scn_str *ref)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(camp, "servers");
    if (v == NULL)
        return cc_fail(c, "missing key \"servers\"");
    size_t mark = cc_push_key(c, "servers");
    char list[SCN_SERVER_LIST];
    size_t n = 0;
    if (cJSON_IsString(v)) {
        if (strcmp(v->valuestring, "*") != 0)
            return cc_fail(c, "must be \"*\" (every server) or an array of names");
        list[n++] = '*';
    } else if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0) {
        return cc_fail(c, "must be \"*\" (every server) or an array of 1.. names");
    }
    int i = 0;
    for (const cJSON *e = cJSON_IsArray(v) ? v->child : NULL; e != NULL; e = e->next, i++) {
        size_t m2 = cc_push_index(c, i);
        const char *s;
        size_t len;
        if (server_name_at(c, e, &s, &len) != 0)
            return -1;
        if (n + (n > 0) + len >= sizeof(list))
            return cc_fail(c, "the names come to more than %u bytes (with a space between two)",
                           SCN_SERVER_LIST - 1);
        if (n > 0)
            list[n++] = ' ';
        memcpy(list + n, s, len);
        n += len;
        if (!scn_servers_ok((const uint8_t *)list, n, true))
            return cc_fail(c, "\"%s\" is named twice", s);
        cc_pop(c, m2);
    }
    cc_pop(c, mark);
    return cc_add_str(c, list, n, ref);
}

/* {"campaign": {"servers", "count", "from_us", "to_us"}}: count kills in [from, to). */
static int compile_campaign(struct cc *c, const cJSON *camp, uint32_t i)
{
    static const char *const keys[] = {"servers", "count", "from_us", "to_us", NULL};
    int64_t count, from, to, zero = 0;
    size_t mark = cc_push_key(c, "campaign");
    if (cc_check_object(c, camp, keys) != 0 ||
        campaign_servers(c, camp, &c->faults[i].target) != 0 ||
        cc_get_int(c, camp, "count", 1, SCN_MAX_CAMPAIGN, NULL, &count) != 0 ||
        cc_get_int(c, camp, "from_us", 0, (int64_t)SCN_MAX_US - 1, &zero, &from) != 0 ||
        cc_get_int(c, camp, "to_us", from + 1, (int64_t)SCN_MAX_US, NULL, &to) != 0)
        return -1;
    if ((uint64_t)(to - from) * 1000 < (uint64_t)count) {
        cc_push_key(c, "count");
        return cc_fail(c, "%lld kills do not fit %lld us (one a nanosecond at most)",
                       (long long)count, (long long)(to - from));
    }
    cc_pop(c, mark);
    c->faults[i].kind = SCN_FAULT_CAMPAIGN;
    c->faults[i].count = (uint32_t)count;
    c->faults[i].at_ns = (uint64_t)from * 1000;
    c->faults[i].to_ns = (uint64_t)to * 1000;
    return 0;
}

/* "init": one more task, "init", that starts the init program with the servers'
 * configuration (scenario_init.c). */
static int compile_init(struct cc *c, const cJSON *root)
{
    const cJSON *init = cJSON_GetObjectItemCaseSensitive(root, "init");
    if (init == NULL)
        return 0;
    size_t mark = cc_push_key(c, "init");
    if (cc_init_task(c, init, &c->init_task) != 0)
        return -1;
    if (find_task(c, "init") >= 0)
        return cc_fail(c, "makes a task named \"init\": tasks[%d] has that name",
                       find_task(c, "init"));
    if (c->ntasks == SCN_MAX_TASKS)
        return cc_fail(c, "makes a task, and there are %u already", SCN_MAX_TASKS);
    if (compile_task(c, c->init_task, c->ntasks) != 0)
        return -1;
    cc_pop(c, mark);
    return 0;
}

/* A fault: {"at_us", "kill": task}, {"at_us", "kill_server": name} or {"campaign": {...}}. */
static int compile_fault(struct cc *c, const cJSON *f, uint32_t i)
{
    static const char *const keys[] = {"at_us", "kill", "kill_server", "campaign", NULL};
    static const char *const forms[] = {"kill", "kill_server", "campaign"};
    const cJSON *form = NULL;
    const char *which = NULL;
    if (cc_check_object(c, f, keys) != 0)
        return -1;
    for (size_t k = 0; k < sizeof(forms) / sizeof(forms[0]); k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(f, forms[k]);
        if (v != NULL && form != NULL)
            return cc_fail(c,
                           "takes one of \"kill\", \"kill_server\" and \"campaign\", not "
                           "both \"%s\" and \"%s\"",
                           which, forms[k]);
        if (v != NULL) {
            form = v;
            which = forms[k];
        }
    }
    if (form == NULL)
        return cc_fail(c, "missing key \"kill\" (or \"kill_server\", \"campaign\")");
    if (strcmp(which, "campaign") == 0) {
        if (cJSON_GetObjectItemCaseSensitive(f, "at_us") != NULL) {
            cc_push_key(c, "at_us");
            return cc_fail(c, "a campaign has no \"at_us\": its times are drawn in "
                              "[from_us, to_us)");
        }
        return compile_campaign(c, form, i);
    }
    int64_t at;
    if (cc_get_int(c, f, "at_us", 0, (int64_t)SCN_MAX_US, NULL, &at) != 0)
        return -1;
    c->faults[i].at_ns = (uint64_t)at * 1000;
    size_t mark = cc_push_key(c, which);
    if (strcmp(which, "kill") == 0) {
        c->faults[i].kind = SCN_FAULT_KILL;
        if (task_at(c, form, &c->faults[i].task) != 0)
            return -1;
    } else {
        const char *s;
        size_t len;
        c->faults[i].kind = SCN_FAULT_KILL_SERVER;
        if (server_name_at(c, form, &s, &len) != 0 ||
            cc_add_str(c, s, len, &c->faults[i].target) != 0)
            return -1;
    }
    cc_pop(c, mark);
    return 0;
}

static int compile_faults(struct cc *c, const cJSON *root)
{
    const cJSON *arr;
    if (cc_get_array(c, root, "faults", 0, SCN_MAX_FAULTS, false, &arr) != 0)
        return -1;
    if (arr == NULL)
        return 0;
    size_t mark = cc_push_key(c, "faults");
    for (const cJSON *f = arr->child; f != NULL; f = f->next, c->nfaults++) {
        size_t m2 = cc_push_index(c, (int)c->nfaults);
        if (compile_fault(c, f, c->nfaults) != 0)
            return -1;
        cc_pop(c, m2);
    }
    cc_pop(c, mark);
    return 0;
}

/* expect.exit: {"task": int | "killed"}. */
static int compile_expect_exit(struct cc *c, const cJSON *v)
{
    char sbuf[48];
    if (cc_check_object(c, v, NULL) != 0)
        return -1;
    for (const cJSON *e = v->child; e != NULL; e = e->next) {
        size_t mark = cc_push_key(c, e->string);
        int task = find_task(c, e->string);
        if (task < 0)
            return cc_fail(c, "no task named \"%s\"", cc_shown(e->string, sbuf, sizeof(sbuf)));
        int64_t status = TW_EXIT_KILLED;
        bool killed = cJSON_IsString(e) && strcmp(e->valuestring, "killed") == 0;
        if (!killed && !cJSON_IsNumber(e))
            return cc_fail(c, "must be an integer or \"killed\"");
        if (!killed && cc_int_at(c, e, SCN_EXIT_MIN, INT32_MAX, &status) != 0)
            return -1;
        c->ex.exit[c->ex.nexit].task = (uint32_t)task;
        c->ex.exit[c->ex.nexit].status = (int32_t)status;
        c->ex.nexit++;
        cc_pop(c, mark);
    }
    return 0;
}

static int compile_expect_lists(struct cc *c, const cJSON *x)
{
    const cJSON *arr;
    if (cc_get_array(c, x, "console_contains", 0, SCN_MAX_CONTAINS, false, &arr) != 0)
        return -1;
    size_t mark = cc_push_key(c, "console_contains");
    for (const cJSON *e = arr != NULL ? arr->child : NULL; e != NULL; e = e->next) {
        const char *s;
        size_t len;
        size_t m2 = cc_push_index(c, (int)c->ex.ncontains);
        if (cc_text_at(c, e, 1, SCN_MAX_TEXT, &s, &len) != 0 ||
            cc_add_str(c, s, len, &c->ex.contains[c->ex.ncontains++]) != 0)
            return -1;
        cc_pop(c, m2);
    }
    cc_pop(c, mark);
    if (cc_get_array(c, x, "finish_order", 0, (int)c->ntasks, false, &arr) != 0)
        return -1;
    mark = cc_push_key(c, "finish_order");
    for (const cJSON *e = arr != NULL ? arr->child : NULL; e != NULL; e = e->next) {
        uint32_t task;
        size_t m2 = cc_push_index(c, (int)c->ex.norder);
        if (task_at(c, e, &task) != 0)
            return -1;
        for (uint32_t j = 0; j < c->ex.norder; j++) {
            if (c->ex.order[j] == task)
                return cc_fail(c, "task listed twice");
        }
        c->ex.order[c->ex.norder++] = task;
        cc_pop(c, m2);
    }
    cc_pop(c, mark);
    return 0;
}

/* A percentage 0..100 at v (the current path) in basis points. */
static int percent_at(struct cc *c, const cJSON *v, uint32_t *bp)
{
    double d = cJSON_IsNumber(v) ? v->valuedouble : NAN;
    if (!isfinite(d) || d < 0 || d > 100)
        return cc_fail(c, "must be a percentage 0..100");
    *bp = (uint32_t)lround(d * 100);
    return 0;
}

/* expect.cpu_share: {"from_us", "to_us", "tasks": {"NAME": [min_pct, max_pct], ...}}. */
static int compile_expect_share(struct cc *c, const cJSON *x)
{
    static const char *const keys[] = {"from_us", "to_us", "tasks", NULL};
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(x, "cpu_share");
    if (v == NULL)
        return 0;
    size_t mark = cc_push_key(c, "cpu_share");
    int64_t from_us, to_us;
    if (cc_check_object(c, v, keys) != 0 ||
        cc_get_int(c, v, "from_us", 0, (int64_t)SCN_MAX_US - 1, NULL, &from_us) != 0 ||
        cc_get_int(c, v, "to_us", from_us + 1, (int64_t)SCN_MAX_US, NULL, &to_us) != 0)
        return -1;
    const cJSON *tasks = cJSON_GetObjectItemCaseSensitive(v, "tasks");
    if (tasks == NULL)
        return cc_fail(c, "missing key \"tasks\"");
    size_t m2 = cc_push_key(c, "tasks");
    if (cc_check_object(c, tasks, NULL) != 0)
        return -1;
    if (tasks->child == NULL)
        return cc_fail(c, "must name at least one task");
    for (const cJSON *e = tasks->child; e != NULL; e = e->next) {
        size_t m3 = cc_push_key(c, e->string);
        char sbuf[48];
        int task = find_task(c, e->string);
        if (task < 0)
            return cc_fail(c, "no task named \"%s\"", cc_shown(e->string, sbuf, sizeof(sbuf)));
        for (uint32_t j = 0; j < c->ex.nshare; j++) {
            if (c->ex.share[j].task == (uint32_t)task)
                return cc_fail(c, "task listed twice");
        }
        if (!cJSON_IsArray(e) || cJSON_GetArraySize(e) != 2)
            return cc_fail(c, "must be [min_pct, max_pct]");
        uint32_t lo, hi, n = c->ex.nshare;
        size_t m4 = cc_push_index(c, 0);
        if (percent_at(c, e->child, &lo) != 0)
            return -1;
        cc_pop(c, m4);
        m4 = cc_push_index(c, 1);
        if (percent_at(c, e->child->next, &hi) != 0)
            return -1;
        if (hi < lo)
            return cc_fail(c, "must not be below the least share");
        cc_pop(c, m4);
        c->ex.share[n].task = (uint32_t)task;
        c->ex.share[n].min_bp = lo;
        c->ex.share[n].max_bp = hi;
        c->ex.nshare++;
        cc_pop(c, m3);
    }
    cc_pop(c, m2);
    c->ex.share_from_ns = (uint64_t)from_us * 1000;
    c->ex.share_to_ns = (uint64_t)to_us * 1000;
    cc_pop(c, mark);
    return 0;
}

static int compile_expect(struct cc *c, const cJSON *root)
{
    static const char *const keys[] = {
        "exit",        "console_contains", "finish_order", "max_time_us",
        "min_time_us", "no_deadlock",      "cpu_share",    NULL};
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(root, "expect");
    if (x == NULL)
        return 0;
    size_t mark = cc_push_key(c, "expect");
    bool no_deadlock;
    int64_t zero = 0, max_us, min_us;
    if (cc_check_object(c, x, keys) != 0)
        return -1;
    const cJSON *exit = cJSON_GetObjectItemCaseSensitive(x, "exit");
    if (exit != NULL) {
        size_t m2 = cc_push_key(c, "exit");
        if (compile_expect_exit(c, exit) != 0)
            return -1;
        cc_pop(c, m2);
    }
    if (compile_expect_lists(c, x) != 0 ||
        cc_get_int(c, x, "max_time_us", 1, (int64_t)SCN_MAX_US, &zero, &max_us) != 0 ||
        cc_get_int(c, x, "min_time_us", 0, (int64_t)SCN_MAX_US, &zero, &min_us) != 0 ||
        cc_get_bool(c, x, "no_deadlock", &no_deadlock) != 0 || compile_expect_share(c, x) != 0)
        return -1;
    if (max_us != 0 && min_us > max_us) {
        cc_push_key(c, "min_time_us");
        return cc_fail(c, "must not exceed max_time_us (%lld)", (long long)max_us);
    }
    c->ex.max_ns = (uint64_t)max_us * 1000;
    c->ex.min_ns = (uint64_t)min_us * 1000;
    c->ex.flags =
        (no_deadlock ? SCN_EXPECT_NO_DEADLOCK : 0) | (c->ex.nshare > 0 ? SCN_EXPECT_CPU_SHARE : 0);
    cc_pop(c, mark);
    return 0;
}

static const char *const policy_names[] = {"round-robin", "priority", "random", NULL};
static const char *const mode_names[] = {"deterministic", "realtime", NULL};
_Static_assert(SCN_POLICY_RR == 0 && SCN_POLICY_PRIORITY == 1 && SCN_POLICY_RANDOM == 2,
               "policy_names order");
_Static_assert(SCN_MODE_DETERMINISTIC == 0 && SCN_MODE_REALTIME == 1, "mode_names order");

static int compile_cost(struct cc *c, const cJSON *cfg)
{
    static const char *const keys[] = {"syscall_ns", "switch_ns", "byte_ps", NULL};
    static const struct {
        const char *key;
        int64_t dflt;
        uint32_t at;
        uint32_t width;
    } fields[] = {
        {"syscall_ns", 200, SCN_AT(header, cost_syscall), SCN_WIDTH(header, cost_syscall)},
        {"switch_ns", 400, SCN_AT(header, cost_switch), SCN_WIDTH(header, cost_switch)},
        {"byte_ps", 250, SCN_AT(header, cost_byte), SCN_WIDTH(header, cost_byte)}};
    const cJSON *cost = cJSON_GetObjectItemCaseSensitive(cfg, "cost");
    size_t mark = cc_push_key(c, "cost");
    if (cost != NULL && cc_check_object(c, cost, keys) != 0)
        return -1;
    for (size_t i = 0; i < 3; i++) {
        int64_t v = fields[i].dflt;
        if (cost != NULL && cc_get_int(c, cost, fields[i].key, 0, 1000000000, &fields[i].dflt, &v))
            return -1;
        scn_put_le(c->hdr + fields[i].at, fields[i].width, (uint64_t)v);
    }
    cc_pop(c, mark);
    return 0;
}

static int compile_config(struct cc *c, const cJSON *root)
{
    static const char *const keys[] = {"quantum_us", "policy", "mode", "max_time_us",
                                       "pool_pages", "cost",   NULL};
    static const cJSON empty = {.type = cJSON_Object};
    const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(root, "config");
    size_t mark = cc_push_key(c, "config");
    int64_t quantum, max_time, pages, d_quantum = 1000, d_max = 60000000, d_pages = 16384;
    uint32_t policy, mode;
    if (cfg == NULL)
        cfg = &empty;
    if (cc_check_object(c, cfg, keys) != 0 ||
        cc_get_int(c, cfg, "quantum_us", SCN_MIN_QUANTUM_NS / 1000, 60000000, &d_quantum,
                   &quantum) != 0 ||
        cc_get_enum(c, cfg, "policy", policy_names, SCN_POLICY_RR, &policy) != 0 ||
        cc_get_enum(c, cfg, "mode", mode_names, SCN_MODE_DETERMINISTIC, &mode) != 0 ||
        cc_get_int(c, cfg, "max_time_us", 1, (int64_t)SCN_MAX_US, &d_max, &max_time) != 0 ||
        cc_get_int(c, cfg, "pool_pages", 1, 1 << 24, &d_pages, &pages) != 0 ||
        compile_cost(c, cfg) != 0)
        return -1;
    SCN_PUT(c->hdr, header, quantum, (uint64_t)quantum * 1000);
    SCN_PUT(c->hdr, header, max_time, (uint64_t)max_time * 1000);
    SCN_PUT(c->hdr, header, pool_pages, pages);
    SCN_PUT(c->hdr, header, policy, policy);
    SCN_PUT(c->hdr, header, mode, mode);
    cc_pop(c, mark);
    return 0;
}

/* "disks": {"disk0": "path.img"} or {"disk0": {"image": "path.img", "write_through": true}} */
static int compile_disk(struct cc *c, const cJSON *d, struct scn_disk *k)
{
    static const char *const keys[] = {"image", "write_through", NULL};
    const char *name = d->string, *path;
    size_t nlen = strlen(name), plen;
    bool wt = false;
    if (nlen == 0 || nlen > 15 || strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789") != nlen)
        return cc_fail(c, "disk names are 1..15 bytes of a-z 0-9");
    if (cJSON_IsString(d)) {
        if (cc_text_at(c, d, 1, 4095, &path, &plen) != 0)
            return -1;
    } else if (cc_check_object(c, d, keys) != 0 ||
               cc_get_text(c, d, "image", 1, 4095, true, &path, &plen) != 0 ||
               cc_get_bool(c, d, "write_through", &wt) != 0) {
        return -1;
    }
    memcpy(k->name, name, nlen + 1);
    k->path = strndup(path, plen);
    k->write_through = wt;
    return k->path != NULL ? 0 : cc_fail(c, "out of memory");
}

static int compile_disks(struct cc *c, const cJSON *root)
{
    const cJSON *ds = cJSON_GetObjectItemCaseSensitive(root, "disks");
    if (ds == NULL)
        return 0;
    size_t mark = cc_push_key(c, "disks");
    if (cc_check_object(c, ds, NULL) != 0)
        return -1;
    for (const cJSON *d = ds->child; d != NULL; d = d->next) {
        if (c->out->ndisks >= SCN_MAX_DISKS)
            return cc_fail(c, "at most %d disks", SCN_MAX_DISKS);
        size_t m2 = cc_push_key(c, d->string);
        if (compile_disk(c, d, &c->out->disks[c->out->ndisks]) != 0)
            return -1;
        c->out->ndisks++;
        cc_pop(c, m2);
    }
    cc_pop(c, mark);
    return 0;
}

static int compile_root(struct cc *c, const cJSON *root)
{
    static const char *const keys[] = {"name",   "description", "seed",  "config", "tasks",
                                       "faults", "expect",      "disks", "init",   NULL};
    const char *s;
    size_t len;
    struct scn_str name;
    int64_t seed, d_seed = 1;
    if (!cJSON_IsObject(root))
        return cc_fail(c, "the top level must be an object");
    if (cc_check_object(c, root, keys) != 0 ||
        cc_get_text(c, root, "name", 1, SCN_MAX_SCN_NAME, true, &s, &len) != 0 ||
        cc_add_str(c, s, len, &name) != 0 ||
        cc_get_text(c, root, "description", 0, SCN_MAX_BLOB, false, &s, &len) != 0 ||
        cc_get_int(c, root, "seed", 0, (int64_t)SCN_MAX_US, &d_seed, &seed) != 0)
        return -1;
    cc_put_str(c->hdr + SCN_AT(header, name), name);
    SCN_PUT(c->hdr, header, seed, seed);
    if (compile_config(c, root) != 0 || compile_disks(c, root) != 0 ||
        compile_tasks(c, root) != 0 || compile_init(c, root) != 0 || compile_faults(c, root) != 0 ||
        compile_expect(c, root) != 0)
        return -1;
    return 0;
}

/* ---- the blob ---- */

static void write_tables(struct cc *c, uint8_t *b)
{
    uint8_t *p = b + SCN_HDR_SIZE;
    for (uint32_t i = 0; i < c->ntasks; i++, p += SCN_TASK_ENT_SIZE) {
        const struct ctask *t = &c->tasks[i];
        cc_put_str(p + SCN_AT(task, name), t->name_ref);
        SCN_PUT(p, task, priority, t->priority);
        SCN_PUT(p, task, code_off, t->code_off);
        SCN_PUT(p, task, code_len, t->code_len);
        SCN_PUT(p, task, nsteps, t->nsteps);
        SCN_PUT(p, task, nspawn, t->nspawn);
        SCN_PUT(p, task, flags, t->flags);
        SCN_PUT(p, task, nthreads, t->nthreads);
        SCN_PUT(p, task, boot_threads, t->boot_threads);
    }
    for (uint32_t i = 0; i < c->nfaults; i++, p += SCN_FAULT_ENT_SIZE) {
        SCN_PUT(p, fault, at_ns, c->faults[i].at_ns);
        SCN_PUT(p, fault, kind, c->faults[i].kind);
        SCN_PUT(p, fault, task, c->faults[i].task);
        cc_put_str(p + SCN_AT(fault, target), c->faults[i].target);
        SCN_PUT(p, fault, to_ns, c->faults[i].to_ns);
        SCN_PUT(p, fault, count, c->faults[i].count);
    }
    SCN_PUT(p, expect_fixed, flags, c->ex.flags);
    SCN_PUT(p, expect_fixed, nexit, c->ex.nexit);
    SCN_PUT(p, expect_fixed, ncontains, c->ex.ncontains);
    SCN_PUT(p, expect_fixed, norder, c->ex.norder);
    SCN_PUT(p, expect_fixed, max_ns, c->ex.max_ns);
    SCN_PUT(p, expect_fixed, min_ns, c->ex.min_ns);
    p += SCN_EXPECT_FIXED;
    for (uint32_t i = 0; i < c->ex.nexit; i++, p += SCN_EXIT_ENT_SIZE) {
        SCN_PUT(p, exit_entry, task, c->ex.exit[i].task);
        SCN_PUT(p, exit_entry, status, (uint32_t)c->ex.exit[i].status);
    }
    for (uint32_t i = 0; i < c->ex.ncontains; i++, p += SCN_STR_REF_SIZE)
        cc_put_str(p, c->ex.contains[i]);
    for (uint32_t i = 0; i < c->ex.norder; i++, p += SCN_ORDER_ENT_SIZE)
        SCN_PUT(p, order_entry, task, c->ex.order[i]);
    if (c->ex.nshare == 0)
        return;
    SCN_PUT(p, share_fixed, from_ns, c->ex.share_from_ns);
    SCN_PUT(p, share_fixed, to_ns, c->ex.share_to_ns);
    SCN_PUT(p, share_fixed, nshare, c->ex.nshare);
    p += SCN_SHARE_FIXED;
    for (uint32_t i = 0; i < c->ex.nshare; i++, p += SCN_SHARE_ENT_SIZE) {
        SCN_PUT(p, share_entry, task, c->ex.share[i].task);
        SCN_PUT(p, share_entry, min_bp, c->ex.share[i].min_bp);
        SCN_PUT(p, share_entry, max_bp, c->ex.share[i].max_bp);
    }
}

static int build_blob(struct cc *c)
{
    size_t tasks_off = SCN_HDR_SIZE;
    size_t faults_off = tasks_off + c->ntasks * SCN_TASK_ENT_SIZE;
    size_t expect_off = faults_off + c->nfaults * SCN_FAULT_ENT_SIZE;
    size_t strtab_off =
        expect_off + SCN_EXPECT_FIXED + c->ex.nexit * SCN_EXIT_ENT_SIZE +
        c->ex.ncontains * SCN_STR_REF_SIZE + c->ex.norder * SCN_ORDER_ENT_SIZE +
        (c->ex.nshare > 0 ? SCN_SHARE_FIXED + c->ex.nshare * SCN_SHARE_ENT_SIZE : 0);
    size_t code_off = strtab_off + c->strtab.len;
    size_t total = code_off + c->code.len;
    c->plen = 0;
    c->path[0] = '\0';
    if (total > SCN_MAX_BLOB)
        return cc_fail(c, "compiled scenario is %zu bytes, over the limit of %u", total,
                       SCN_MAX_BLOB);
    uint8_t *b = calloc(1, total);
    if (b == NULL)
        return cc_fail(c, "out of memory");
    uint8_t *h = c->hdr;
    SCN_PUT(h, header, magic, SCN_MAGIC);
    SCN_PUT(h, header, version, SCN_VERSION);
    SCN_PUT(h, header, hdr_size, SCN_HDR_SIZE);
    SCN_PUT(h, header, total, total);
    SCN_PUT(h, header, ntasks, c->ntasks);
    SCN_PUT(h, header, tasks_off, tasks_off);
    SCN_PUT(h, header, nfaults, c->nfaults);
    SCN_PUT(h, header, faults_off, faults_off);
    SCN_PUT(h, header, expect_off, expect_off);
    SCN_PUT(h, header, strtab_off, strtab_off);
    SCN_PUT(h, header, strtab_len, c->strtab.len);
    SCN_PUT(h, header, code_off, code_off);
    SCN_PUT(h, header, code_len, c->code.len);
    memcpy(b, h, SCN_HDR_SIZE);
    write_tables(c, b);
    if (c->strtab.len > 0)
        memcpy(b + strtab_off, c->strtab.p, c->strtab.len);
    if (c->code.len > 0)
        memcpy(b + code_off, c->code.p, c->code.len);
    c->out->blob = b;
    c->out->len = total;
    return 0;
}

/* The compiler's own output must decode: a failure here is a bug in one of the two. */
static int self_check(struct cc *c)
{
    static struct scn_view view; /* large; host code, one compile at a time */
    struct scn_error e;
    if (scn_decode(c->out->blob, c->out->len, &view, &e) == 0)
        return 0;
    return cc_fail(c, "internal error: the compiled blob does not decode (byte %u: %s)", e.offset,
                   e.msg);
}

/* ---- JSON text ---- */

/* "FILE:LINE:COL: msg" for the byte at off of text. */
static int fail_at(struct cc *c, const char *text, size_t len, size_t off, const char *msg)
{
    unsigned line = 1, col = 1;
    for (size_t i = 0; i < off && i < len; i++) {
        col = text[i] == '\n' ? 1 : col + 1;
        line += text[i] == '\n';
    }
    char near[24];
    size_t n = 0;
    for (size_t i = off; i < len && n < 16 && text[i] != '\n'; i++)
        near[n++] = (unsigned char)text[i] < 0x20 || (unsigned char)text[i] >= 0x7f ? '?' : text[i];
    near[n] = '\0';
    if (len == 0)
        snprintf(c->err, c->errlen, "%s:1:1: %s", c->file, msg);
    else if (off >= len)
        snprintf(c->err, c->errlen, "%s:%u:%u: %s at the end of the input", c->file, line, col,
                 msg);
    else
        snprintf(c->err, c->errlen, "%s:%u:%u: %s near '%s'", c->file, line, col, msg, near);
    return -1;
}

/*
 * A NUL-terminated copy of json for cJSON, with each \u0000 escape inside a string turned
 * into the same number of bytes of C0 80 (so offsets do not move): cJSON would cut the
 * string at the NUL, and cc_text_at() must see it to reject it. A raw NUL byte is an error.
 */
static char *prepare_text(struct cc *c, const char *json, size_t len)
{
    char *t = malloc(len + 1);
    if (t == NULL) {
        cc_fail(c, "out of memory");
        return NULL;
    }
    memcpy(t, json, len);
    t[len] = '\0';
    bool in_str = false;
    for (size_t i = 0; i < len; i++) {
        if (t[i] == '\0') {
            fail_at(c, json, len, i, "NUL byte in the JSON text");
            free(t);
            return NULL;
        }
        if (t[i] == '"') {
            in_str = !in_str;
        } else if (in_str && t[i] == '\\' && i + 1 < len) {
            if (len - i >= 6 && memcmp(t + i + 1, "u0000", 5) == 0)
                memcpy(t + i, NUL_MARK NUL_MARK NUL_MARK, 6);
            i += t[i] == '\\' ? 1 : 5; /* skip the escaped byte, or the rest of the mark */
        }
    }
    return t;
}

static cJSON *parse_text(struct cc *c, const char *json, const char *text, size_t len)
{
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, false);
    if (root == NULL) {
        size_t off = end != NULL && end >= text ? (size_t)(end - text) : 0;
        fail_at(c, json, len, off, len == 0 ? "empty input" : "JSON syntax error");
        return NULL;
    }
    size_t off = end != NULL ? (size_t)(end - text) : len;
    while (off < len &&
           (text[off] == ' ' || text[off] == '\t' || text[off] == '\n' || text[off] == '\r'))
        off++;
    if (off < len) {
        fail_at(c, json, len, off, "unexpected text after the JSON value");
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

/* ---- the API ---- */

void scn_compiled_free(struct scn_compiled *c)
{
    if (c == NULL)
        return;
    for (uint32_t i = 0; i < SCN_MAX_TASKS; i++) {
        for (uint32_t s = 0; s < c->tasks[i].nsteps; s++)
            free(c->tasks[i].path[s]);
        free(c->tasks[i].path);
    }
    for (uint32_t i = 0; i < c->ndisks; i++)
        free(c->disks[i].path);
    free(c->blob);
    free(c->text);
    memset(c, 0, sizeof(*c));
}

int scn_compile_text(const char *file_name, const char *json, size_t len, struct scn_compiled *out,
                     char *err, size_t errlen)
{
    char dummy[2];
    if (err == NULL || errlen == 0) {
        err = dummy;
        errlen = sizeof(dummy);
    }
    err[0] = '\0';
    memset(out, 0, sizeof(*out));
    struct cc *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        snprintf(err, errlen, "%s: out of memory", file_name);
        return SCN_COMPILE_BAD;
    }
    *c = (struct cc){.file = file_name != NULL ? file_name : "<scenario>",
                     .err = err,
                     .errlen = errlen,
                     .out = out};
    cJSON *root = NULL;
    char *text = prepare_text(c, json != NULL ? json : "", json != NULL ? len : 0);
    if (text != NULL)
        root = parse_text(c, json, text, len);
    int rc = root != NULL && compile_root(c, root) == 0 && build_blob(c) == 0 && self_check(c) == 0
                 ? SCN_COMPILE_OK
                 : SCN_COMPILE_BAD;
    if (rc == SCN_COMPILE_OK) {
        out->text = malloc(len + 1);
        if (out->text == NULL) {
            rc = cc_fail(c, "out of memory") == 0 ? SCN_COMPILE_OK : SCN_COMPILE_BAD;
        } else {
            memcpy(out->text, json, len);
            out->text[len] = '\0';
            out->text_len = len;
        }
    }
    cJSON_Delete(root);
    cJSON_Delete(c->init_task);
    free(text);
    free(c->strtab.p);
    free(c->code.p);
    free(c);
    if (rc != SCN_COMPILE_OK)
        scn_compiled_free(out);
    return rc;
}

int scn_compile_file(const char *path, struct scn_compiled *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return SCN_COMPILE_BAD;
    }
    char *text = malloc(FILE_MAX + 1);
    size_t len = text != NULL ? fread(text, 1, FILE_MAX + 1, f) : 0;
    int bad = text == NULL || ferror(f);
    fclose(f);
    int rc = SCN_COMPILE_BAD;
    if (bad)
        snprintf(err, errlen, "%s: cannot read: %s", path,
                 text == NULL ? "out of memory" : strerror(errno));
    else if (len > FILE_MAX)
        snprintf(err, errlen, "%s: larger than %u bytes", path, FILE_MAX);
    else
        rc = scn_compile_text(path, text, len, out, err, errlen);
    free(text);
    return rc;
}

const char *scn_step_path(const struct scn_compiled *c, uint32_t task, uint32_t step)
{
    if (c == NULL || task >= c->ntasks || step >= c->tasks[task].nsteps)
        return NULL;
    return c->tasks[task].path[step];
}

void scn_compiled_set_seed(struct scn_compiled *c, uint64_t seed)
{
    if (c->blob != NULL && c->len >= SCN_HDR_SIZE)
        SCN_PUT(c->blob, header, seed, seed);
}

/* ---- twain lint ---- */

static void lint_usage(FILE *to)
{
    fprintf(to, "usage: twain lint SCENARIO.json...\n"
                "Compile each scenario without running it. Prints \"FILE: ok\" for each good\n"
                "file and the first error of each bad one (with its JSON path, or line:column\n"
                "for JSON syntax). Exit status: 0 all good, 2 any bad (or a usage error).\n");
}

int cmd_lint(int argc, char **argv)
{
    int files = 0, rc = SCN_COMPILE_OK;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            lint_usage(stdout);
            return 0;
        }
        if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "twain lint: unknown option '%s'\n", argv[i]);
            lint_usage(stderr);
            return SCN_COMPILE_BAD;
        }
        files++;
    }
    if (files == 0) {
        lint_usage(stderr);
        return SCN_COMPILE_BAD;
    }
    for (int i = 1; i < argc; i++) {
        struct scn_compiled sc;
        char err[512];
        if (scn_compile_file(argv[i], &sc, err, sizeof(err)) == SCN_COMPILE_OK) {
            printf("%s: ok\n", argv[i]);
            scn_compiled_free(&sc);
        } else {
            fprintf(stderr, "%s\n", err);
            rc = SCN_COMPILE_BAD;
        }
    }
    fflush(stdout);
    return rc;
}
