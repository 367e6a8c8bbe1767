/* SPDX-License-Identifier: MIT */
/*
 * sim-harness/scenario_steps.c - the scenario compiler's steps (see scenario_cc.h): one
 * compiler per step kind (the op_defs table), the raw syscall step, the encoding of an
 * instruction, and scripts compiled by bounded recursion (repeat and spawn bodies nest at
 * most SCN_MAX_DEPTH deep, checked before each descent).
 */
#include "scenario_cc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/abi.h"
#include "../core/optable.h"
#include "../core/url.h"
#include "../user/errnames.h"
#include "../user/programs.h"
#include "../user/twain.h"

/* ---- the steps ---- */

const char *const cc_signal_names[] = {"readable", "writable", "peer_closed",
                                       "signaled", "exited",   NULL};
const char *const cc_right_names[] = {"read", "write",    "invoke",    "wait",
                                      "seek", "transfer", "duplicate", NULL};
static const char *const open_flag_names[] = {"nonblock", "thread_local", "create", "trunc", NULL};
static const char *const whence_names[] = {"set", "cur", "end", NULL};
_Static_assert(TW_SIG_READABLE == 1 && TW_SIG_EXITED == 16, "cc_signal_names order is bit order");
_Static_assert(TW_RIGHT_READ == 1 && TW_RIGHT_DUPLICATE == 64, "cc_right_names order is bit order");
_Static_assert(TW_O_NONBLOCK == 1 && TW_O_THREAD_LOCAL == 2 && TW_O_CREATE == 4 && TW_O_TRUNC == 8,
               "open_flag_names is bit order");
_Static_assert(TW_SEEK_SET == 0 && TW_SEEK_CUR == 1 && TW_SEEK_END == 2, "whence order");

static int get_timeout(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    if (cJSON_GetObjectItemCaseSensitive(s, "timeout_us") == NULL)
        return 0;
    if (cc_get_u64(c, s, "timeout_us", 0, (int64_t)SCN_MAX_US, 0, &in->ns) != 0)
        return -1;
    in->ns *= 1000;
    in->flags |= SCN_F_TIMEOUT;
    return 0;
}

static int op_open(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    const char *url;
    size_t len;
    struct url_parsed parsed;
    struct url_error uerr;
    if (cc_get_text(c, s, "url", 1, SCN_MAX_URL, true, &url, &len) != 0)
        return -1;
    /* A step that expects "syntax" exists to hand the kernel a malformed URL. */
    bool want_syntax = (in->flags & SCN_F_EXPECT_ERR) != 0 && in->expect_err == TW_E_SYNTAX;
    if (!want_syntax && url_parse(url, len, &parsed, &uerr) != 0) {
        cc_push_key(c, "url");
        return cc_fail(c, "bad URL at byte %u: %s", uerr.offset, uerr.reason);
    }
    if (cc_add_str(c, url, len, &in->str) != 0 || cc_get_handle(c, s, "as", true, &in->as) != 0)
        return -1;
    return cc_get_mask(c, s, "flags", open_flag_names, false, 0, &in->arg);
}

static int op_read(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    int64_t len, dflt = SCN_MAX_DATA;
    bool present;
    if (cc_get_handle(c, s, "handle", false, &in->slot) != 0 ||
        cc_get_int(c, s, "len", 1, SCN_MAX_DATA, &dflt, &len) != 0)
        return -1;
    in->arg = (uint32_t)len;
    if (cc_get_str(c, s, "expect", 0, in->arg, false, &in->str, &present) != 0)
        return -1;
    if (present)
        in->flags |= SCN_F_EXPECT;
    return get_timeout(c, s, in);
}

static int op_write(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    if (cc_get_handle(c, s, "handle", false, &in->slot) != 0)
        return -1;
    return cc_get_str(c, s, "data", 0, SCN_MAX_DATA, true, &in->str, NULL);
}

static int op_send_handles(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    if (cc_get_handle(c, s, "handle", false, &in->slot) != 0 ||
        cc_get_str(c, s, "data", 0, SCN_MAX_DATA, false, &in->str, NULL) != 0)
        return -1;
    return cc_get_handles(c, s, "handles", SCN_MAX_XFER, false, false, in->hs, &in->n);
}

static int op_recv_handles(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    bool present;
    if (cc_get_handle(c, s, "handle", false, &in->slot) != 0 ||
        cc_get_str(c, s, "expect", 0, SCN_MAX_DATA, false, &in->str, &present) != 0)
        return -1;
    if (present)
        in->flags |= SCN_F_EXPECT;
    return cc_get_handles(c, s, "as", SCN_MAX_XFER, true, false, in->hs, &in->n);
}

static int op_close(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    return cc_get_handle(c, s, "handle", false, &in->slot);
}

static int op_take_peer(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    if (cc_get_handle(c, s, "handle", false, &in->slot) != 0)
        return -1;
    return cc_get_handle(c, s, "as", true, &in->as);
}

/* rights omitted: TW_RIGHTS_SAME, the rights the handle holds; [] is a zero-rights duplicate. */
static int op_dup(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    if (cc_get_handle(c, s, "handle", false, &in->slot) != 0 ||
        cc_get_mask(c, s, "rights", cc_right_names, false, TW_RIGHTS_SAME, &in->arg) != 0)
        return -1;
    return cc_get_handle(c, s, "as", true, &in->as);
}

/* An optional integer result to compare: "expect". */
static int get_expect_value(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    if (cJSON_GetObjectItemCaseSensitive(s, "expect") == NULL)
        return 0;
    int64_t zero = 0;
    if (cc_get_int(c, s, "expect", -(int64_t)SCN_MAX_US, (int64_t)SCN_MAX_US, &zero, &in->value))
        return -1;
    in->flags |= SCN_F_EXPECT;
    return 0;
}

static int op_invoke(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    const cJSON *args;
    if (cc_get_handle(c, s, "handle", false, &in->slot) != 0)
        return -1;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(s, "operation");
    if (v == NULL)
        return cc_fail(c, "missing key \"operation\"");
    size_t mark = cc_push_key(c, "operation");
    const struct tw_op *d =
        cJSON_IsString(v) ? tw_op_by_name(v->valuestring, (uint32_t)strlen(v->valuestring)) : NULL;
    if (d == NULL)
        return cc_fail(c, "not an operation of the operation table (docs/operations.md)");
    if (!tw_op_scriptable(d))
        return cc_fail(c,
                       "\"%s\" takes handles, entry points or an output buffer: not an "
                       "invoke step's data and integers (its own step, or a raw syscall)",
                       d->name);
    cc_pop(c, mark);
    in->arg = d->op;
    bool data, data2;
    uint32_t nbuf = tw_op_count_args(d, TW_ARG_IN);
    if (cc_get_str(c, s, "data", 0, SCN_MAX_DATA, false, &in->str, &data) != 0 ||
        cc_get_str(c, s, "data2", 1, SCN_MAX_DATA, false, &in->str2, &data2) != 0)
        return -1;
    if (data2 && (!data || in->str.len == 0))
        return cc_fail(c, "\"data2\" needs a non-empty \"data\" before it");
    if ((data && nbuf < 1) || (data2 && nbuf < 2))
        return cc_fail(c, "\"%s\" takes %u buffer(s): no \"%s\"", d->name, nbuf,
                       data2 ? "data2" : "data");
    int max_args = (int)tw_op_count_args(d, TW_ARG_INT);
    if (cc_get_array(c, s, "args", 0, max_args, false, &args) != 0)
        return -1;
    mark = cc_push_key(c, "args");
    for (const cJSON *e = args != NULL ? args->child : NULL; e != NULL; e = e->next) {
        size_t m2 = cc_push_index(c, (int)in->index);
        if (cc_int_at(c, e, -(int64_t)SCN_MAX_US, (int64_t)SCN_MAX_US, &in->args[in->index]) != 0)
            return -1;
        cc_pop(c, m2);
        in->index++;
    }
    cc_pop(c, mark);
    return get_expect_value(c, s, in);
}

static int op_wait(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    if (cc_get_handle(c, s, "handle", false, &in->slot) != 0 ||
        cc_get_mask(c, s, "signals", cc_signal_names, true, 0, &in->arg) != 0)
        return -1;
    return get_timeout(c, s, in);
}

static int op_poll(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    if (cc_get_handles(c, s, "handles", SCN_MAX_POLL, false, true, in->hs, &in->n) != 0 ||
        cc_get_mask(c, s, "signals", cc_signal_names, true, 0, &in->arg) != 0 ||
        get_timeout(c, s, in) != 0)
        return -1;
    if (cJSON_GetObjectItemCaseSensitive(s, "as") == NULL)
        return 0;
    return cc_get_handle(c, s, "as", true, &in->as);
}

static int op_seek(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    if (cc_get_handle(c, s, "handle", false, &in->slot) != 0 ||
        cc_get_int(c, s, "offset", -(int64_t)SCN_MAX_US, (int64_t)SCN_MAX_US, NULL, &in->value) !=
            0)
        return -1;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(s, "whence");
    if (v == NULL)
        return cc_fail(c, "missing key \"whence\"");
    size_t mark = cc_push_key(c, "whence");
    if (cc_enum_at(c, v, whence_names, &in->arg) != 0)
        return -1;
    cc_pop(c, mark);
    return 0;
}

static int op_tell(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    if (cc_get_handle(c, s, "handle", false, &in->slot) != 0)
        return -1;
    return get_expect_value(c, s, in);
}

static int op_time(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    int64_t us;
    if (cc_get_int(c, s, "us", 0, (int64_t)SCN_MAX_US, NULL, &us) != 0)
        return -1;
    in->ns = (uint64_t)us * 1000;
    return 0;
}

static int op_none(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    (void)c;
    (void)s;
    (void)in;
    return 0;
}

static int op_print(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    return cc_get_str(c, s, "text", 0, SCN_MAX_PRINT, true, &in->str, NULL);
}

/* run {program, args?}: stored as one string, "program" or "program args". */
static int op_run(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    const char *name, *args;
    size_t len, alen;
    if (cc_get_text(c, s, "program", 1, SCN_MAX_NAME - 1, true, &name, &len) != 0 ||
        cc_get_text(c, s, "args", 0, SCN_MAX_PRINT - SCN_MAX_NAME, false, &args, &alen) != 0)
        return -1;
    if (tw_program_find(name, len) == NULL)
        return cc_fail(c, "program: no program named \"%.*s\"", (int)len, name);
    char joined[SCN_MAX_PRINT + 1];
    int n = snprintf(joined, sizeof(joined), "%.*s%s%.*s", (int)len, name, args ? " " : "",
                     args ? (int)alen : 0, args ? args : "");
    return cc_add_str(c, joined, (size_t)n, &in->str);
}

/* Optional "key": an array of 0..SCN_MAX_TASK_HANDLES handle names (bind: new ones). */
static int task_handles(struct cc *c, const cJSON *s, const char *key, bool bind,
                        struct scn_insn *in)
{
    memset(in->hs, SCN_SLOT_NONE, SCN_MAX_TASK_HANDLES);
    in->n = 0;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(s, key);
    if (v == NULL || (cJSON_IsArray(v) && cJSON_GetArraySize(v) == 0))
        return 0;
    return cc_get_handles(c, s, key, SCN_MAX_TASK_HANDLES, bind, false, in->hs, &in->n);
}

/* spawn_task {program, args?, handles?, as}: the command line is stored as run's is. */
static int op_spawn_task(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    if (op_run(c, s, in) != 0 || task_handles(c, s, "handles", false, in) != 0)
        return -1;
    return cc_get_handle(c, s, "as", true, &in->as);
}

/* task_status {handle, expect?: {state, end, code, children, adopted, parent}}. */
static int op_task_status(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    static const char *const keys[] = {"state",   "end",    "code", "children",
                                       "adopted", "parent", NULL};
    static const char *const states[] = {"running", "exited", NULL};
    static const char *const ends[] = {"none", "exit", "killed", "crashed", NULL};
    static const char *const parents[] = {"none", "self", NULL};
    if (cc_get_handle(c, s, "handle", false, &in->slot) != 0)
        return -1;
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(s, "expect");
    if (x == NULL)
        return 0;
    size_t mark = cc_push_key(c, "expect");
    if (!cJSON_IsObject(x) || cJSON_GetArraySize(x) == 0)
        return cc_fail(c, "must be an object with one or more of state, end, code, children, "
                          "adopted, parent");
    if (cc_check_object(c, x, keys) != 0)
        return -1;
    uint32_t v;
    int64_t i;
    if (cJSON_GetObjectItemCaseSensitive(x, "state") != NULL) {
        if (cc_get_enum(c, x, "state", states, 0, &v) != 0)
            return -1;
        in->arg |= SCN_ST_STATE;
        in->index = v;
    }
    if (cJSON_GetObjectItemCaseSensitive(x, "end") != NULL) {
        if (cc_get_enum(c, x, "end", ends, 0, &v) != 0)
            return -1;
        in->arg |= SCN_ST_END;
        in->n = v;
    }
    if (cJSON_GetObjectItemCaseSensitive(x, "code") != NULL) {
        if (cc_get_int(c, x, "code", INT32_MIN, INT32_MAX, NULL, &i) != 0)
            return -1;
        in->arg |= SCN_ST_CODE;
        in->value = i;
    }
    const char *counts[] = {"children", "adopted"};
    for (int k = 0; k < 2; k++) {
        if (cJSON_GetObjectItemCaseSensitive(x, counts[k]) == NULL)
            continue;
        if (cc_get_int(c, x, counts[k], 0, UINT32_MAX, NULL, &i) != 0)
            return -1;
        in->arg |= k == 0 ? SCN_ST_CHILDREN : SCN_ST_ADOPTED;
        in->args[k] = i;
    }
    if (cJSON_GetObjectItemCaseSensitive(x, "parent") != NULL) {
        if (cc_get_enum(c, x, "parent", parents, 0, &v) != 0)
            return -1;
        in->arg |= v == 0 ? SCN_ST_PARENT_NONE : SCN_ST_PARENT_SELF;
    }
    cc_pop(c, mark);
    in->flags |= SCN_F_EXPECT;
    return 0;
}

/* task_children {handle, expect?: count, as?: [names bound to the first children]}. */
static int op_task_children(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    if (cc_get_handle(c, s, "handle", false, &in->slot) != 0 ||
        task_handles(c, s, "as", true, in) != 0)
        return -1;
    if (cJSON_GetObjectItemCaseSensitive(s, "expect") == NULL)
        return 0;
    if (cc_get_int(c, s, "expect", 0, UINT32_MAX, NULL, &in->value) != 0)
        return -1;
    in->flags |= SCN_F_EXPECT;
    return 0;
}

static int op_repeat(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    int64_t n;
    if (cc_get_int(c, s, "count", 1, SCN_MAX_REPEAT, NULL, &n) != 0)
        return -1;
    in->arg = (uint32_t)n;
    return 0;
}

static int op_spawn(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    int64_t prio, dflt = c->cur->priority;
    if (cc_get_int(c, s, "priority", 0, SCN_MAX_PRIORITY, &dflt, &prio) != 0)
        return -1;
    in->arg = (uint32_t)prio;
    return 0;
}

static int op_expect(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    static const char *const kinds[] = {"time_lt_us", "time_ge_us", "last"};
    int found = -1;
    for (int k = 0; k < 3; k++) {
        if (cJSON_GetObjectItemCaseSensitive(s, kinds[k]) == NULL)
            continue;
        if (found >= 0)
            return cc_fail(c, "takes only one of \"%s\" and \"%s\"", kinds[found], kinds[k]);
        found = k;
    }
    if (found < 0)
        return cc_fail(c, "needs one of \"time_lt_us\", \"time_ge_us\", \"last\"");
    in->arg = (uint32_t)found;
    if (found == SCN_EXP_LAST)
        return cc_get_str(c, s, "last", 0, SCN_MAX_DATA, true, &in->str, NULL);
    if (cc_get_u64(c, s, kinds[found], 0, (int64_t)SCN_MAX_US, 0, &in->ns) != 0)
        return -1;
    in->ns *= 1000;
    return 0;
}

/* readdir {handle, expect?}: the expected names become one listing, "name\n" per entry. */
static int op_readdir(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    const cJSON *names;
    if (cc_get_handle(c, s, "handle", false, &in->slot) != 0 ||
        cc_get_array(c, s, "expect", 0, (int)SCN_MAX_LISTING / 2, false, &names) != 0)
        return -1;
    if (names == NULL)
        return 0;
    char listing[SCN_MAX_LISTING];
    size_t n = 0;
    size_t mark = cc_push_key(c, "expect");
    int i = 0;
    for (const cJSON *e = names->child; e != NULL; e = e->next, i++) {
        const char *name;
        size_t len;
        size_t m2 = cc_push_index(c, i);
        if (cc_text_at(c, e, 1, SCN_MAX_PRINT, &name, &len) != 0)
            return -1;
        if (memchr(name, '\n', len) != NULL)
            return cc_fail(c, "a name holds no newline");
        if (n + len + 1 > sizeof(listing))
            return cc_fail(c, "listing longer than %u bytes", SCN_MAX_LISTING);
        memcpy(listing + n, name, len);
        n += len;
        listing[n++] = '\n';
        cc_pop(c, m2);
    }
    cc_pop(c, mark);
    in->flags |= SCN_F_EXPECT;
    return cc_add_str(c, listing, n, &in->str);
}

/* ---- the syscall step ---- */

static const char *const call_names[] = {"open", "close", "read", "write", "invoke",
                                         "poll", "wait",  "seek", "tell",  NULL};
_Static_assert(TW_SYS_OPEN == 0 && TW_SYS_TELL == 8, "call_names is the system-call order");

/* A 64-bit value at v: an integer of at most 2^53-1 in size, or "0x" and 1..16 hex digits. */
static int u64_at(struct cc *c, const cJSON *v, uint64_t *out)
{
    if (cJSON_IsString(v) && v->valuestring != NULL) {
        const char *h = v->valuestring;
        size_t n = strlen(h);
        if (n < 3 || n > 18 || h[0] != '0' || h[1] != 'x' ||
            strspn(h + 2, "0123456789abcdef") != n - 2)
            return cc_fail(c, "must be an integer or \"0x\" and 1..16 lower-case hex digits");
        *out = strtoull(h + 2, NULL, 16);
        return 0;
    }
    int64_t i;
    if (cc_int_at(c, v, -(int64_t)SCN_MAX_US, (int64_t)SCN_MAX_US, &i) != 0)
        return -1;
    *out = (uint64_t)i;
    return 0;
}

/* {"stack": off}, {"heap": off}, {"entry": N} or {"entry_arg": N}: one key, an integer. */
static int sys_arg_object(struct cc *c, const cJSON *v, uint8_t *kind, int64_t *value)
{
    static const char *const keys[] = {"stack", "heap", "entry", "entry_arg", NULL};
    static const uint8_t kinds[] = {SCN_ARG_STACK, SCN_ARG_HEAP, SCN_ARG_ENTRY, SCN_ARG_ENTRY_ARG};
    if (cc_check_object(c, v, keys) != 0)
        return -1;
    if (cJSON_GetArraySize(v) != 1)
        return cc_fail(c, "must have exactly one of \"stack\", \"heap\", \"entry\", \"entry_arg\"");
    uint32_t k = 0;
    while (strcmp(keys[k], v->child->string) != 0)
        k++;
    int64_t threads = c->cur->nthreads > 0 ? c->cur->nthreads : 1;
    int64_t min[] = {-(int64_t)SCN_SYS_BELOW, 0, 0, 0};
    int64_t max[] = {SCN_SYS_STACK, SCN_SYS_HEAP, threads - 1, threads - 1};
    if (cc_get_int(c, v, keys[k], min[k], max[k], NULL, value) != 0)
        return -1;
    *kind = kinds[k];
    return 0;
}

static int sys_arg_at(struct cc *c, const cJSON *v, uint8_t *kind, int64_t *value)
{
    *kind = SCN_ARG_INT;
    *value = 0;
    if (cJSON_IsObject(v))
        return sys_arg_object(c, v, kind, value);
    if (cJSON_IsString(v) && v->valuestring != NULL && strcmp(v->valuestring, "null") == 0) {
        *kind = SCN_ARG_NULL;
        return 0;
    }
    if (cJSON_IsString(v) && v->valuestring != NULL && strcmp(v->valuestring, "kernel_data") == 0) {
        *kind = SCN_ARG_KERNEL;
        return 0;
    }
    uint64_t u;
    if (u64_at(c, v, &u) != 0)
        return cc_fail(c, "must be an integer, \"0x...\", \"null\", \"kernel_data\", or "
                          "{\"stack\"|\"heap\"|\"entry\"|\"entry_arg\": N}");
    *value = (int64_t)u;
    return 0;
}

/* "store": {"at": "stack"|"heap", "off": N, "hex": "..."} -> store, offset, hex string. */
static int sys_store(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    static const char *const keys[] = {"at", "off", "hex", NULL};
    static const char *const places[] = {"stack", "heap", NULL};
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(s, "store");
    if (v == NULL)
        return 0;
    size_t mark = cc_push_key(c, "store");
    uint32_t at;
    int64_t off;
    const char *hex;
    size_t len;
    if (cc_check_object(c, v, keys) != 0)
        return -1;
    const cJSON *atv = cJSON_GetObjectItemCaseSensitive(v, "at");
    if (atv == NULL)
        return cc_fail(c, "missing key \"at\"");
    size_t m2 = cc_push_key(c, "at");
    if (cc_enum_at(c, atv, places, &at) != 0)
        return -1;
    cc_pop(c, m2);
    uint32_t room = at == 0 ? SCN_SYS_STACK : SCN_SYS_HEAP;
    size_t most = 2 * (size_t)(room < SCN_MAX_STORE ? room : SCN_MAX_STORE); /* hex digits */
    if (cc_get_int(c, v, "off", 0, room - 1, NULL, &off) != 0 ||
        cc_get_text(c, v, "hex", 2, most, true, &hex, &len) != 0)
        return -1;
    m2 = cc_push_key(c, "hex");
    if (len % 2 != 0 || strspn(hex, "0123456789abcdef") != len)
        return cc_fail(c, "must be pairs of lower-case hex digits");
    if ((size_t)off + len / 2 > room)
        return cc_fail(c, "%zu bytes at offset %lld do not fit the %s (%u bytes)", len / 2,
                       (long long)off, places[at], room);
    cc_pop(c, m2);
    cc_pop(c, mark);
    in->store = at == 0 ? SCN_STORE_STACK : SCN_STORE_HEAP;
    in->store_off = (int32_t)off;
    return cc_add_str(c, hex, len, &in->str);
}

/* syscall {call, args?, store?, expect?}: one raw system call over the task's raw memory. */
static int op_syscall(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(s, "call"), *args;
    if (c->cur->raw_off)
        return cc_fail(c, "a syscall step needs the task's raw memory (\"raw_memory\" is false)");
    if (v == NULL)
        return cc_fail(c, "missing key \"call\"");
    size_t mark = cc_push_key(c, "call");
    uint32_t which;
    if (cJSON_IsString(v) && strncmp(v->valuestring, "0x", 2) != 0) {
        if (cc_enum_at(c, v, call_names, &which) != 0)
            return -1;
        in->nr = which;
    } else if (u64_at(c, v, &in->nr) != 0) {
        return -1;
    }
    cc_pop(c, mark);
    if (cc_get_array(c, s, "args", 0, SCN_SYS_ARGS, false, &args) != 0)
        return -1;
    mark = cc_push_key(c, "args");
    int i = 0;
    for (const cJSON *e = args != NULL ? args->child : NULL; e != NULL; e = e->next, i++) {
        size_t m2 = cc_push_index(c, i);
        if (sys_arg_at(c, e, &in->kinds[i], &in->sys_args[i]) != 0)
            return -1;
        cc_pop(c, m2);
    }
    cc_pop(c, mark);
    if (sys_store(c, s, in) != 0)
        return -1;
    c->cur->flags |= SCN_TASK_RAW_MEMORY;
    v = cJSON_GetObjectItemCaseSensitive(s, "expect");
    if (v == NULL)
        return 0;
    mark = cc_push_key(c, "expect");
    if (u64_at(c, v, (uint64_t *)&in->value) != 0)
        return -1;
    cc_pop(c, mark);
    in->flags |= SCN_F_EXPECT;
    return 0;
}

static int op_exit(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    return cc_get_int(c, s, "code", SCN_EXIT_MIN, INT32_MAX, NULL, &in->value);
}

typedef int (*op_fn)(struct cc *c, const cJSON *s, struct scn_insn *in);

/* One step kind of the language: its opcode (whose name is the step's), compiler and keys. */
struct op_def {
    uint8_t op;
    op_fn compile;
    const char *const keys[8]; /* besides "op" and, for calls, "expect_error" */
};

static const struct op_def op_defs[] = {
    {SCN_OP_OPEN, op_open, {"url", "as", "flags"}},
    {SCN_OP_CLOSE, op_close, {"handle"}},
    {SCN_OP_READ, op_read, {"handle", "len", "expect", "timeout_us"}},
    {SCN_OP_WRITE, op_write, {"handle", "data"}},
    {SCN_OP_SEND_HANDLES, op_send_handles, {"handle", "data", "handles"}},
    {SCN_OP_RECV_HANDLES, op_recv_handles, {"handle", "as", "expect"}},
    {SCN_OP_TAKE_PEER, op_take_peer, {"handle", "as"}},
    {SCN_OP_DUP, op_dup, {"handle", "as", "rights"}},
    {SCN_OP_INVOKE, op_invoke, {"handle", "operation", "args", "expect", "data", "data2"}},
    {SCN_OP_WAIT, op_wait, {"handle", "signals", "timeout_us"}},
    {SCN_OP_POLL, op_poll, {"handles", "signals", "timeout_us", "as"}},
    {SCN_OP_SEEK, op_seek, {"handle", "offset", "whence"}},
    {SCN_OP_TELL, op_tell, {"handle", "expect"}},
    {SCN_OP_COMPUTE, op_time, {"us"}},
    {SCN_OP_SLEEP, op_time, {"us"}},
    {SCN_OP_YIELD, op_none, {NULL}},
    {SCN_OP_PRINT, op_print, {"text"}},
    {SCN_OP_REPEAT, op_repeat, {"count", "do"}},
    {SCN_OP_SPAWN, op_spawn, {"do", "priority"}},
    {SCN_OP_EXPECT, op_expect, {"time_lt_us", "time_ge_us", "last"}},
    {SCN_OP_EXIT, op_exit, {"code"}},
    {SCN_OP_RUN, op_run, {"program", "args"}},
    {SCN_OP_READDIR, op_readdir, {"handle", "expect"}},
    {SCN_OP_SYSCALL, op_syscall, {"call", "args", "store", "expect"}},
    {SCN_OP_SPAWN_TASK, op_spawn_task, {"program", "args", "handles", "as"}},
    {SCN_OP_TASK_STATUS, op_task_status, {"handle", "expect"}},
    {SCN_OP_TASK_CHILDREN, op_task_children, {"handle", "expect", "as"}},
};

/* Steps that make no system call of their own accept no "expect_error". */
static bool op_is_call(uint8_t op)
{
    return op != SCN_OP_REPEAT && op != SCN_OP_EXPECT && op != SCN_OP_EXIT &&
           op != SCN_OP_SYSCALL; /* a raw call's "expect" is its whole result */
}

/* ---- encoding ---- */

void cc_put_str(uint8_t *p, struct scn_str s)
{
    SCN_PUT(p, str, off, s.off);
    SCN_PUT(p, str, len, s.len);
}

/* The operands of in after the header, at b (zeroed, its size): each field by name. */
static void encode_operands(const struct scn_insn *in, uint8_t *b)
{
    switch (in->op) {
    case SCN_OP_OPEN:
        cc_put_str(b + SCN_AT(open, url), in->str);
        SCN_PUT(b, open, oflags, in->arg);
        break;
    case SCN_OP_READ:
        SCN_PUT(b, read, len, in->arg);
        cc_put_str(b + SCN_AT(read, expect), in->str);
        SCN_PUT(b, read, timeout, in->ns);
        break;
    case SCN_OP_WRITE:
        cc_put_str(b + SCN_AT(write, data), in->str);
        break;
    case SCN_OP_PRINT:
        cc_put_str(b + SCN_AT(print, text), in->str);
        break;
    case SCN_OP_SEND_HANDLES:
        cc_put_str(b + SCN_AT(send_handles, data), in->str);
        SCN_PUT(b, send_handles, n, in->n);
        memcpy(b + SCN_AT(send_handles, slots), in->hs, SCN_BYTES(send_handles, slots));
        break;
    case SCN_OP_RECV_HANDLES:
        cc_put_str(b + SCN_AT(recv_handles, expect), in->str);
        SCN_PUT(b, recv_handles, n, in->n);
        memcpy(b + SCN_AT(recv_handles, slots), in->hs, SCN_BYTES(recv_handles, slots));
        break;
    case SCN_OP_INVOKE:
        SCN_PUT(b, invoke, operation, in->arg);
        SCN_PUT(b, invoke, nargs, in->index);
        for (uint32_t i = 0; i < SCN_COUNT(invoke, args); i++)
            SCN_PUT_I(b, invoke, args, i, in->args[i]);
        SCN_PUT(b, invoke, expect, in->value);
        cc_put_str(b + SCN_AT(invoke, data), in->str);
        cc_put_str(b + SCN_AT(invoke, data2), in->str2);
        break;
    case SCN_OP_POLL:
        SCN_PUT(b, poll, signals, in->arg);
        SCN_PUT(b, poll, timeout, in->ns);
        SCN_PUT(b, poll, n, in->n);
        memcpy(b + SCN_SIZEOF(poll), in->hs, in->n); /* the slots follow the fixed part */
        break;
    case SCN_OP_WAIT:
        SCN_PUT(b, wait, signals, in->arg);
        SCN_PUT(b, wait, timeout, in->ns);
        break;
    case SCN_OP_DUP:
        SCN_PUT(b, dup, rights, in->arg);
        break;
    case SCN_OP_REPEAT: /* the body length is patched in later */
        SCN_PUT(b, repeat, count, in->arg);
        break;
    case SCN_OP_SPAWN: /* the body length is patched in later */
        SCN_PUT(b, spawn, priority, in->arg);
        SCN_PUT(b, spawn, index, in->index);
        break;
    case SCN_OP_SEEK:
        SCN_PUT(b, seek, whence, in->arg);
        SCN_PUT(b, seek, offset, in->value);
        break;
    case SCN_OP_TELL:
        SCN_PUT(b, tell, expect, in->value);
        break;
    case SCN_OP_EXIT:
        SCN_PUT(b, exit, code, (uint32_t)(int32_t)in->value);
        break;
    case SCN_OP_RUN:
        cc_put_str(b + SCN_AT(run, command), in->str);
        break;
    case SCN_OP_READDIR:
        cc_put_str(b + SCN_AT(readdir, expect), in->str);
        break;
    case SCN_OP_COMPUTE:
        SCN_PUT(b, compute, ns, in->ns);
        break;
    case SCN_OP_SLEEP:
        SCN_PUT(b, sleep, ns, in->ns);
        break;
    case SCN_OP_EXPECT:
        SCN_PUT(b, expect, kind, in->arg);
        SCN_PUT(b, expect, ns, in->ns);
        cc_put_str(b + SCN_AT(expect, data), in->str);
        break;
    case SCN_OP_SYSCALL:
        SCN_PUT(b, syscall, nr, in->nr);
        memcpy(b + SCN_AT(syscall, kinds), in->kinds, SCN_BYTES(syscall, kinds));
        SCN_PUT(b, syscall, store, in->store);
        for (uint32_t i = 0; i < SCN_COUNT(syscall, args); i++)
            SCN_PUT_I(b, syscall, args, i, in->sys_args[i]);
        SCN_PUT(b, syscall, expect, in->value);
        SCN_PUT(b, syscall, store_off, (uint32_t)in->store_off);
        cc_put_str(b + SCN_AT(syscall, hex), in->str);
        break;
    case SCN_OP_THREAD: /* the body length is patched in later */
        SCN_PUT(b, thread, number, in->arg);
        break;
    case SCN_OP_SPAWN_TASK:
        cc_put_str(b + SCN_AT(spawn_task, command), in->str);
        SCN_PUT(b, spawn_task, n, in->n);
        memcpy(b + SCN_AT(spawn_task, slots), in->hs, SCN_BYTES(spawn_task, slots));
        break;
    case SCN_OP_TASK_CHILDREN:
        SCN_PUT(b, task_children, expect, in->value);
        SCN_PUT(b, task_children, n, in->n);
        memcpy(b + SCN_AT(task_children, slots), in->hs, SCN_BYTES(task_children, slots));
        break;
    case SCN_OP_TASK_STATUS:
        SCN_PUT(b, task_status, fields, in->arg);
        SCN_PUT(b, task_status, state, in->index);
        SCN_PUT(b, task_status, end, in->n);
        SCN_PUT(b, task_status, code, (uint32_t)(int32_t)in->value);
        SCN_PUT(b, task_status, children, in->args[0]);
        SCN_PUT(b, task_status, adopted, in->args[1]);
        break;
    default: /* close, take_peer, yield: the header says it all */
        break;
    }
}

/* Append in to the code; *at gets its offset there. */
int cc_emit(struct cc *c, const struct scn_insn *in, size_t *at)
{
    uint8_t b[sizeof(union scn_rec_any_op) + SCN_MAX_POLL]; /* any record, or a whole poll */
    uint32_t size = scn_insn_size(in->op, in->n);
    memset(b, 0, sizeof(b));
    SCN_PUT(b, insn, op, in->op);
    SCN_PUT(b, insn, flags, in->flags);
    SCN_PUT(b, insn, step, in->step);
    SCN_PUT(b, insn, size, size);
    SCN_PUT(b, insn, slot, in->slot);
    SCN_PUT(b, insn, as, in->as);
    SCN_PUT(b, insn, err, (uint8_t)(int8_t)in->expect_err);
    encode_operands(in, b);
    *at = c->code.len;
    return cc_buf_put(c, &c->code, b, size);
}

/* Patch the body length of the repeat, spawn or thread instruction at code offset at. */
void cc_patch_body_len(struct cc *c, size_t at, uint32_t len)
{
    uint8_t *p = c->code.p + at;
    switch (SCN_GET(p, insn, op)) {
    case SCN_OP_REPEAT:
        SCN_PUT(p, repeat, body_len, len);
        break;
    case SCN_OP_SPAWN:
        SCN_PUT(p, spawn, body_len, len);
        break;
    default:
        SCN_PUT(p, thread, body_len, len);
        break;
    }
}

/* ---- scripts ---- */

static int find_op(struct cc *c, const cJSON *s, const struct op_def **def)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(s, "op");
    if (v == NULL)
        return cc_fail(c, "missing key \"op\"");
    size_t mark = cc_push_key(c, "op");
    if (!cJSON_IsString(v) || v->valuestring == NULL)
        return cc_fail(c, "must be a string");
    for (size_t i = 0; i < sizeof(op_defs) / sizeof(op_defs[0]); i++) {
        if (strcmp(v->valuestring, scn_op_name(op_defs[i].op)) == 0) {
            *def = &op_defs[i];
            cc_pop(c, mark);
            return 0;
        }
    }
    char sbuf[48], list[400];
    size_t n = 0;
    for (size_t i = 0; i < sizeof(op_defs) / sizeof(op_defs[0]); i++)
        n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", i > 0 ? ", " : "",
                              scn_op_name(op_defs[i].op));
    return cc_fail(c, "unknown op \"%s\" (one of: %s)",
                   cc_shown(v->valuestring, sbuf, sizeof(sbuf)), list);
}

/* The keys a step of kind def accepts, NULL-terminated, into keys[]. */
static void step_keys(const struct op_def *def, const char **keys)
{
    size_t n = 0;
    keys[n++] = "op";
    if (op_is_call(def->op))
        keys[n++] = "expect_error";
    for (size_t i = 0; i < 8 && def->keys[i] != NULL; i++)
        keys[n++] = def->keys[i];
    keys[n] = NULL;
}

/* A new step id for the current task, remembering its JSON path. */
int cc_new_step(struct cc *c, uint32_t *step)
{
    struct ctask *t = c->cur;
    struct scn_step_paths *sp = &c->out->tasks[t - c->tasks];
    if (t->nsteps >= SCN_MAX_STEPS)
        return cc_fail(c, "more than %u steps in one task", SCN_MAX_STEPS);
    if (t->nsteps == t->paths_cap) {
        uint32_t cap = t->paths_cap == 0 ? 16 : t->paths_cap * 2;
        char **p = realloc(sp->path, cap * sizeof(*p));
        if (p == NULL)
            return cc_fail(c, "out of memory");
        sp->path = p;
        t->paths_cap = cap;
    }
    sp->path[t->nsteps] = malloc(c->plen + 1);
    if (sp->path[t->nsteps] == NULL)
        return cc_fail(c, "out of memory");
    memcpy(sp->path[t->nsteps], c->path, c->plen + 1);
    *step = t->nsteps++;
    sp->nsteps = t->nsteps;
    return 0;
}

static int get_expect_error(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    const char *name;
    size_t len;
    char sbuf[48];
    if (cc_get_text(c, s, "expect_error", 1, 32, false, &name, &len) != 0)
        return -1;
    if (name == NULL)
        return 0;
    int64_t code = tw_error_from_name(name, len);
    if (code >= 0) {
        char list[300];
        size_t n = 0;
        list[0] = '\0';
        for (int64_t e = -1; e >= TW_ERR_MIN; e--)
            n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", e < -1 ? ", " : "",
                                  tw_strerror(e));
        cc_push_key(c, "expect_error");
        return cc_fail(c, "unknown error name \"%s\" (one of: %s)",
                       cc_shown(name, sbuf, sizeof(sbuf)), list);
    }
    in->expect_err = (int32_t)code;
    in->flags |= SCN_F_EXPECT_ERR;
    return 0;
}

/* A repeat or spawn: the instruction, then its body, then the body's length patched in. */
static int compile_body(struct cc *c, const cJSON *s, struct scn_insn *in, uint32_t depth)
{
    const cJSON *body;
    size_t at;
    if (cc_get_array(c, s, "do", 1, INT32_MAX, true, &body) != 0)
        return -1;
    if (depth + 1 > SCN_MAX_DEPTH) {
        cc_push_key(c, "do");
        return cc_fail(c, "repeat/spawn bodies nested deeper than %u", SCN_MAX_DEPTH);
    }
    if (in->op == SCN_OP_SPAWN)
        in->index = c->cur->nspawn++;
    if (cc_emit(c, in, &at) != 0)
        return -1;
    size_t start = c->code.len;
    if (cc_compile_steps(c, body, "do", depth + 1) != 0)
        return -1;
    cc_patch_body_len(c, at, (uint32_t)(c->code.len - start));
    return 0;
}

static int compile_step(struct cc *c, const cJSON *s, uint32_t depth)
{
    const struct op_def *def = NULL;
    const char *keys[12];
    struct scn_insn in;
    size_t at;
    if (!cJSON_IsObject(s))
        return cc_fail(c, "must be an object (a step)");
    if (find_op(c, s, &def) != 0)
        return -1;
    step_keys(def, keys);
    if (cc_check_object(c, s, keys) != 0)
        return -1;
    memset(&in, 0, sizeof(in));
    in.op = def->op;
    in.slot = SCN_SLOT_NONE;
    in.as = SCN_SLOT_NONE;
    memset(in.hs, SCN_SLOT_NONE, SCN_MAX_XFER);
    if (cc_new_step(c, &in.step) != 0 || get_expect_error(c, s, &in) != 0)
        return -1;
    if (def->compile(c, s, &in) != 0)
        return -1;
    if (in.op == SCN_OP_REPEAT || in.op == SCN_OP_SPAWN)
        return compile_body(c, s, &in, depth);
    return cc_emit(c, &in, &at);
}

int cc_compile_steps(struct cc *c, const cJSON *arr, const char *key, uint32_t depth)
{
    size_t mark = key != NULL ? cc_push_key(c, key) : c->plen;
    int i = 0;
    for (const cJSON *s = arr->child; s != NULL; s = s->next, i++) {
        size_t m2 = cc_push_index(c, i);
        if (compile_step(c, s, depth) != 0)
            return -1;
        cc_pop(c, m2);
    }
    cc_pop(c, mark);
    return 0;
}
