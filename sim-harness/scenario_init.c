/* SPDX-License-Identifier: MIT */
/*
 * sim-harness/scenario_init.c - the scenario's top-level "init" key (docs/scenario-format.md,
 * "init"): servers to start at boot under the supervisor. It is compiled into one more task,
 * "init", whose script writes the configuration as text lines (user/servers/
 * supervisor_proto.h: "sup ...", one "srv ..." a server, "go") into a channel pair and spawns
 * the init program with the other end as its handle 1, then waits for it to end with 0. So
 * the configuration travels as messages and the bytecode is unchanged. Every key is checked
 * here with its JSON path; the lines are then parsed with the programs' own parser
 * (supervisor_cfg.c), which must accept them.
 */
#include <stdio.h>
#include <string.h>

#include "../core/abi.h"
#include "../user/programs.h"
#include "../user/servers/supervisor_proto.h"
#include "scenario_cc.h"
#include "../user/svc.h"

#define INIT_PRIO 20 /* above the default task priority: init and its servers run first */

static const char *const strategies[] = {"one_for_one", "one_for_all", "rest_for_one", NULL};
static const char *const restarts[] = {"permanent", "transient", "temporary", NULL};
static const char *const kills[] = {"none", "before_restart", "after_spawn", NULL};

/* A server or port name at obj.key: 1..max bytes of a-z 0-9 _ -. */
static int get_name(struct cc *c, const cJSON *obj, const char *key, size_t max, bool required,
                    const char **s, size_t *len)
{
    if (cc_get_text(c, obj, key, 1, max, required, s, len) != 0)
        return -1;
    if (*s != NULL && strspn(*s, "abcdefghijklmnopqrstuvwxyz0123456789_-") != *len) {
        cc_push_key(c, key);
        return cc_fail(c, "must be 1..%zu bytes of a-z 0-9 _ -", max);
    }
    return 0;
}

static int add_step(struct cc *c, cJSON *script, const char *json)
{
    cJSON *step = cJSON_Parse(json);
    if (step == NULL)
        return cc_fail(c, "internal error: a step of the init task does not parse");
    cJSON_AddItemToArray(script, step);
    return 0;
}

static int add_write(struct cc *c, cJSON *script, const char *line)
{
    cJSON *step = cJSON_CreateObject();
    if (step == NULL || cJSON_AddStringToObject(step, "op", "write") == NULL ||
        cJSON_AddStringToObject(step, "handle", "cfg") == NULL ||
        cJSON_AddStringToObject(step, "data", line) == NULL) {
        cJSON_Delete(step);
        return cc_fail(c, "out of memory");
    }
    cJSON_AddItemToArray(script, step);
    return 0;
}

/* "backoff_us": {"base": B, "max": M, "reset_us": R}. */
static int get_backoff(struct cc *c, const cJSON *init, char *out, size_t cap)
{
    static const char *const keys[] = {"base", "max", "reset_us", NULL};
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(init, "backoff_us");
    out[0] = '\0';
    if (b == NULL)
        return 0;
    size_t mark = cc_push_key(c, "backoff_us");
    int64_t base, max, reset, zero = 0, none = -1;
    if (cc_check_object(c, b, keys) != 0 ||
        cc_get_int(c, b, "base", 0, (int64_t)SCN_MAX_US, NULL, &base) != 0 ||
        cc_get_int(c, b, "max", 0, (int64_t)SCN_MAX_US, &zero, &max) != 0 ||
        cc_get_int(c, b, "reset_us", 0, (int64_t)SCN_MAX_US, &none, &reset) != 0)
        return -1;
    if (cJSON_GetObjectItemCaseSensitive(b, "max") == NULL)
        max = base;
    if (max < base) {
        cc_push_key(c, "max");
        return cc_fail(c, "must be at least base (%lld)", (long long)base);
    }
    int n = snprintf(out, cap, " backoff=%lld,%lld", (long long)base, (long long)max);
    if (reset >= 0)
        snprintf(out + n, cap - (size_t)n, " reset=%lld", (long long)reset);
    cc_pop(c, mark);
    return 0;
}

/* The supervisor's line from the top of the init object. */
static int sup_line(struct cc *c, const cJSON *init, char *line, size_t cap)
{
    static const struct {
        const char *key, *word;
        int64_t min;
    } times[] = {{"period_us", "period", 1},
                 {"quarantine_us", "quarantine", 0},
                 {"ready_us", "ready", 1},
                 {"hello_us", "hello", 1},
                 {"stop_us", "stop", 0}};
    uint32_t strategy;
    int64_t intensity, three = 3;
    char backoff[80];
    if (cc_get_enum(c, init, "strategy", strategies, 0, &strategy) != 0 ||
        cc_get_int(c, init, "intensity", 1, SUP_MAX_INTENSITY, &three, &intensity) != 0 ||
        get_backoff(c, init, backoff, sizeof(backoff)) != 0)
        return -1;
    size_t n = (size_t)snprintf(line, cap, "sup strategy=%s intensity=%lld%s", strategies[strategy],
                                (long long)intensity, backoff);
    for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        int64_t v, none = -1;
        if (cc_get_int(c, init, times[i].key, times[i].min, (int64_t)SCN_MAX_US, &none, &v) != 0)
            return -1;
        if (v >= 0)
            n += (size_t)snprintf(line + n, cap - n, " %s=%lld", times[i].word, (long long)v);
    }
    const cJSON *arr;
    if (cc_get_array(c, init, "kill_supervisor", 0, SUP_MAX_KILLS, false, &arr) != 0)
        return -1;
    size_t mark = cc_push_key(c, "kill_supervisor");
    int i = 0;
    for (const cJSON *e = arr != NULL ? arr->child : NULL; e != NULL; e = e->next, i++) {
        uint32_t k;
        size_t m2 = cc_push_index(c, i);
        if (cc_enum_at(c, e, kills, &k) != 0)
            return -1;
        n += (size_t)snprintf(line + n, cap - n, "%s%s", i == 0 ? " kills=" : ",", kills[k]);
        cc_pop(c, m2);
    }
    cc_pop(c, mark);
    return 0;
}

/* One server's line; names[] holds the names of the servers before it. */
static int srv_line(struct cc *c, const cJSON *sj, char *line, size_t cap)
{
    static const char *const keys[] = {"name",         "program", "args",    "port",
                                       "scheme",       "restart", "service", "protocol",
                                       "heartbeat_us", "after",   NULL};
    const char *name, *prog, *args, *port, *scheme, *svc, *proto;
    size_t nlen, plen, alen, olen, slen, vlen, rlen;
    uint32_t restart;
    int64_t hb, zero = 0;
    if (cc_check_object(c, sj, keys) != 0 ||
        get_name(c, sj, "name", SUP_NAME_MAX - 1, true, &name, &nlen) != 0 ||
        cc_get_text(c, sj, "program", 1, SUP_PROG_MAX - 1, true, &prog, &plen) != 0 ||
        cc_get_text(c, sj, "args", 0, SUP_ARGS_MAX - 1, false, &args, &alen) != 0 ||
        get_name(c, sj, "port", SUP_PORT_MAX - 1, false, &port, &olen) != 0 ||
        get_name(c, sj, "scheme", SUP_PORT_MAX - 1, false, &scheme, &slen) != 0 ||
        cc_get_text(c, sj, "service", 1, 31, false, &svc, &vlen) != 0 ||
        cc_get_text(c, sj, "protocol", 1, SUP_NAME_MAX - 1, false, &proto, &rlen) != 0 ||
        cc_get_enum(c, sj, "restart", restarts, 0, &restart) != 0 ||
        cc_get_int(c, sj, "heartbeat_us", 0, (int64_t)SCN_MAX_US, &zero, &hb) != 0)
        return -1;
    if (tw_program_find(prog, plen) == NULL) {
        cc_push_key(c, "program");
        return cc_fail(c, "no program named \"%.*s\"", (int)plen, prog);
    }
    if ((svc != NULL) != (proto != NULL) || (svc != NULL && (port != NULL || scheme != NULL))) {
        cc_push_key(c, svc != NULL ? "service" : "protocol");
        return cc_fail(c, "a service needs a protocol, and has no port or scheme of its own");
    }
    if (proto != NULL && svc_proto_named(proto, rlen) == NULL) {
        cc_push_key(c, "protocol");
        return cc_fail(c, "no protocol named \"%.*s\" (proto/*.proto)", (int)rlen, proto);
    }
    if (args != NULL && (strstr(args, "sup=") != NULL || strstr(args, "hb=") != NULL)) {
        cc_push_key(c, "args");
        return cc_fail(c, "sup= and hb= are the supervisor's to give");
    }
    size_t n = (size_t)snprintf(line, cap, "srv name=%s prog=%s restart=%s", name, prog,
                                restarts[restart]);
    if (port != NULL)
        n += (size_t)snprintf(line + n, cap - n, " port=%s", port);
    if (scheme != NULL)
        n += (size_t)snprintf(line + n, cap - n, " scheme=%s", scheme);
    if (svc != NULL)
        n += (size_t)snprintf(line + n, cap - n, " svc=%.*s proto=%.*s", (int)vlen, svc, (int)rlen,
                              proto);
    if (hb > 0)
        n += (size_t)snprintf(line + n, cap - n, " hb=%lld", (long long)hb);
    const cJSON *arr;
    if (cc_get_array(c, sj, "after", 0, SUP_MAX_AFTER, false, &arr) != 0)
        return -1;
    size_t mark = cc_push_key(c, "after");
    int i = 0;
    for (const cJSON *e = arr != NULL ? arr->child : NULL; e != NULL; e = e->next, i++) {
        const char *a;
        size_t al;
        size_t m2 = cc_push_index(c, i);
        if (cc_text_at(c, e, 1, SUP_NAME_MAX - 1, &a, &al) != 0)
            return -1;
        n += (size_t)snprintf(line + n, cap - n, "%s%s", i == 0 ? " after=" : ",", a);
        cc_pop(c, m2);
    }
    cc_pop(c, mark);
    if (args != NULL && alen > 0)
        n += (size_t)snprintf(line + n, cap - n, " args=%s", args);
    /* the command line the supervisor spawns: "prog args sup=NAME hb=US" */
    char hbuf[32];
    size_t cmd = plen + (args != NULL ? alen + 1 : 0) + 5 + nlen +
                 (hb > 0 ? (size_t)snprintf(hbuf, sizeof(hbuf), " hb=%lld", (long long)hb) : 0);
    if (n > SUP_LINE_MAX || cmd > TW_SPAWN_CMD_MAX)
        return cc_fail(c,
                       "too long: the server's line is %zu bytes (at most %u) and its "
                       "command line %zu (at most %u)",
                       n, SUP_LINE_MAX, cmd, TW_SPAWN_CMD_MAX);
    return 0;
}

int cc_init_task(struct cc *c, const cJSON *init, cJSON **out)
{
    static const char *const keys[] = {
        "priority", "strategy", "intensity", "period_us", "backoff_us",      "quarantine_us",
        "ready_us", "hello_us", "stop_us",   "servers",   "kill_supervisor", NULL};
    char line[SUP_LINE_MAX + 64];
    int64_t prio, dflt = INIT_PRIO;
    const cJSON *servers;
    *out = NULL;
    if (cc_check_object(c, init, keys) != 0 ||
        cc_get_int(c, init, "priority", 0, SCN_MAX_PRIORITY, &dflt, &prio) != 0 ||
        cc_get_array(c, init, "servers", 1, SUP_MAX_SERVERS, true, &servers) != 0 ||
        sup_line(c, init, line, sizeof(line)) != 0)
        return -1;
    cJSON *task = cJSON_CreateObject(), *script = cJSON_CreateArray();
    *out = task;
    if (task == NULL || script == NULL || cJSON_AddStringToObject(task, "name", "init") == NULL ||
        cJSON_AddNumberToObject(task, "priority", (double)prio) == NULL) {
        cJSON_Delete(script);
        return cc_fail(c, "out of memory");
    }
    cJSON_AddItemToObject(task, "script", script);
    struct sup_spec specs[SUP_MAX_SERVERS];
    const char *why;
    if (add_step(c, script, "{\"op\":\"open\",\"url\":\"chan://?pair&cap=32\",\"as\":\"cfg\"}") ||
        add_step(c, script, "{\"op\":\"take_peer\",\"handle\":\"cfg\",\"as\":\"cfg_peer\"}") ||
        add_write(c, script, line) != 0)
        return -1;
    if (sup_conf_parse(line, strlen(line), &(struct sup_conf){0}, &why) != 0)
        return cc_fail(c, "internal error: init would refuse \"%s\": %s", line, why);
    size_t mark = cc_push_key(c, "servers");
    uint32_t i = 0;
    for (const cJSON *sj = servers->child; sj != NULL; sj = sj->next, i++) {
        size_t m2 = cc_push_index(c, (int)i);
        if (srv_line(c, sj, line, sizeof(line)) != 0)
            return -1;
        if (sup_spec_parse(line, strlen(line), &specs[i], &why) != 0)
            return cc_fail(c, "internal error: init would refuse \"%s\": %s", line, why);
        for (uint32_t j = 0; j < i; j++) {
            if (strcmp(specs[j].name, specs[i].name) == 0) {
                cc_push_key(c, "name");
                return cc_fail(c, "two servers named \"%s\" (also servers[%u])", specs[i].name, j);
            }
            if (specs[i].port[0] != '\0' && strcmp(specs[j].port, specs[i].port) == 0) {
                cc_push_key(c, "port");
                return cc_fail(c, "port \"%s\" is servers[%u]'s too", specs[i].port, j);
            }
            if (specs[i].scheme[0] != '\0' && strcmp(specs[j].scheme, specs[i].scheme) == 0) {
                cc_push_key(c, "scheme");
                return cc_fail(c, "scheme \"%s\" is servers[%u]'s too", specs[i].scheme, j);
            }
        }
        if (add_write(c, script, line) != 0)
            return -1;
        cc_pop(c, m2);
    }
    for (uint32_t k = 0; k < i; k++) { /* every name after names must be a server's */
        for (uint32_t a = 0; a < specs[k].nafter; a++) {
            uint32_t j = 0;
            while (j < i && strcmp(specs[j].name, specs[k].after_names[a]) != 0)
                j++;
            const char *bad = j == i   ? "no server named \"%s\""
                              : j == k ? "\"%s\" is this server: it cannot wait for itself"
                                       : NULL;
            for (uint32_t b = 0; bad == NULL && b < a; b++)
                if (strcmp(specs[k].after_names[b], specs[k].after_names[a]) == 0)
                    bad = "\"%s\" is named twice";
            if (bad != NULL) {
                cc_push_index(c, (int)k);
                cc_push_key(c, "after");
                cc_push_index(c, (int)a);
                return cc_fail(c, bad, specs[k].after_names[a]);
            }
        }
    }
    uint8_t order[SUP_MAX_SERVERS];
    if (sup_order(specs, i, order, &why) != 0) {
        for (uint32_t k = 0; k < i; k++) /* name the first server the problem is in */
            if (sup_order(specs, k + 1, order, &why) != 0 &&
                strstr(why, "names no server") == NULL) {
                cc_push_index(c, (int)k);
                cc_push_key(c, "after");
                return cc_fail(c, "%s", strncmp(why, "after: ", 7) == 0 ? why + 7 : why);
            }
        return cc_fail(c, "%s", why);
    }
    cc_pop(c, mark);
    if (add_write(c, script, "go") != 0 ||
        add_step(c, script,
                 "{\"op\":\"spawn_task\",\"program\":\"init\",\"handles\":[\"cfg_peer\"],"
                 "\"as\":\"init\"}") ||
        add_step(c, script, "{\"op\":\"wait\",\"handle\":\"init\",\"signals\":[\"exited\"]}") ||
        add_step(c, script,
                 "{\"op\":\"task_status\",\"handle\":\"init\",\"expect\":{\"end\":\"exit\","
                 "\"code\":0}}"))
        return -1;
    return 0;
}
