/* SPDX-License-Identifier: MIT */
/*
 * user/scenario_decode.c - validation and decoding of compiled scenarios (scn_decode), one
 * instruction at a time (scn_insn_decode) and the script cursor the interpreter runs on.
 *
 * This is a fuzz target: it trusts nothing in the blob. Every offset, count, length,
 * opcode, operand, slot and string is checked before use, with 64-bit arithmetic where a
 * sum could wrap. Freestanding (no libc). Every field is read by name through
 * user/scenario_layout.h (SCN_GET); docs/scenario-format.md has the layout's tables.
 */
#include "scenario.h"

#include "../core/abi.h"
#include "../core/optable.h"
#include "../core/kassert.h"
#include "../core/klib.h"
#include "scenario_bc.h"

K_STATIC_ASSERT(SCN_MAX_SLOTS < SCN_SLOT_SELF, "slot bytes stay below the special values");
K_STATIC_ASSERT(SCN_MAX_NS < (uint64_t)INT64_MAX, "times in ns fit an int64");
K_STATIC_ASSERT(SCN_MAX_BLOB < UINT32_MAX / 2, "blob offsets fit u32 with room to add");
/* Opcodes decoded by one path read one layout. */
K_STATIC_ASSERT(SCN_AT(send_handles, data) == SCN_AT(recv_handles, expect) &&
                    SCN_AT(send_handles, n) == SCN_AT(recv_handles, n) &&
                    SCN_AT(send_handles, slots) == SCN_AT(recv_handles, slots),
                "send_handles and recv_handles share a layout");
K_STATIC_ASSERT(SCN_AT(wait, signals) == SCN_AT(poll, signals) &&
                    SCN_AT(wait, timeout) == SCN_AT(poll, timeout),
                "wait and poll share their signals and timeout");
K_STATIC_ASSERT(SCN_AT(compute, ns) == SCN_AT(sleep, ns), "compute and sleep share a layout");
K_STATIC_ASSERT(SCN_AT(spawn_task, n) == SCN_AT(task_children, n) &&
                    SCN_AT(spawn_task, slots) == SCN_AT(task_children, slots),
                "spawn_task and task_children share their handle slots");

bool scn_text_ok(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        if (c == 0)
            return false;
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n = c < 0xc2 ? 0 : c < 0xe0 ? 1 : c < 0xf0 ? 2 : c < 0xf5 ? 3 : 0;
        if (n == 0 || len - i - 1 < n)
            return false;
        uint32_t cp = c & (0x3fu >> n);
        for (size_t j = 1; j <= n; j++) {
            if ((s[i + j] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + j] & 0x3fu);
        }
        uint32_t min = n == 1 ? 0x80 : n == 2 ? 0x800 : 0x10000;
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += n + 1;
    }
    return true;
}

bool scn_name_ok(const uint8_t *s, size_t len)
{
    if (len == 0 || len >= SCN_MAX_NAME)
        return false;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-';
        if (!ok)
            return false;
    }
    return true;
}

/* A string operand at p: bounds only (contents are checked once per script by the caller). */
static const char *dec_str(const uint8_t *p, uint32_t strtab_len, uint32_t max, bool present,
                           struct scn_str *s)
{
    s->off = (uint32_t)SCN_GET(p, str, off);
    s->len = (uint32_t)SCN_GET(p, str, len);
    if (!present)
        return (s->off | s->len) != 0 ? "unused string operand is not zero" : NULL;
    if (s->len > max)
        return "string operand too long";
    if (s->off > strtab_len || s->len > strtab_len - s->off)
        return "string operand outside the string table";
    return NULL;
}

/* A timeout of ns, present with SCN_F_TIMEOUT. */
static const char *dec_timeout(uint64_t ns, struct scn_insn *in)
{
    in->ns = ns;
    if ((in->flags & SCN_F_TIMEOUT) == 0)
        return in->ns != 0 ? "timeout without its flag" : NULL;
    return in->ns > SCN_MAX_NS ? "timeout out of range" : NULL;
}

/* Handle slots hs[0..n) at p (cap bytes), the rest SCN_SLOT_NONE. */
static const char *dec_slots(const uint8_t *p, uint32_t cap, struct scn_insn *in, bool self_ok)
{
    for (uint32_t i = 0; i < cap; i++) {
        uint8_t s = p[i];
        if (i >= in->n) {
            if (s != SCN_SLOT_NONE)
                return "unused handle slot is not none";
            continue;
        }
        if (s >= SCN_MAX_SLOTS && !(self_ok && s == SCN_SLOT_SELF))
            return "handle slot out of range";
        in->hs[i] = s;
    }
    return NULL;
}

static const char *dec_open_io(const uint8_t *p, uint32_t stl, struct scn_insn *in)
{
    const char *why;
    switch (in->op) {
    case SCN_OP_OPEN:
        in->arg = (uint32_t)SCN_GET(p, open, oflags);
        if ((in->arg & ~(uint32_t)(TW_O_NONBLOCK | TW_O_THREAD_LOCAL | TW_O_CREATE | TW_O_TRUNC)) !=
            0)
            return "bad open flags";
        why = dec_str(p + SCN_AT(open, url), stl, SCN_MAX_URL, true, &in->str);
        return why != NULL ? why : in->str.len == 0 ? "empty URL" : NULL;
    case SCN_OP_READ:
        in->arg = (uint32_t)SCN_GET(p, read, len);
        if (in->arg == 0 || in->arg > SCN_MAX_DATA)
            return "read length out of range";
        why = dec_str(p + SCN_AT(read, expect), stl, in->arg, (in->flags & SCN_F_EXPECT) != 0,
                      &in->str);
        return why != NULL ? why : dec_timeout(SCN_GET(p, read, timeout), in);
    case SCN_OP_WRITE:
        return dec_str(p + SCN_AT(write, data), stl, SCN_MAX_DATA, true, &in->str);
    case SCN_OP_PRINT:
        return dec_str(p + SCN_AT(print, text), stl, SCN_MAX_PRINT, true, &in->str);
    case SCN_OP_SEND_HANDLES:
    case SCN_OP_RECV_HANDLES: /* one layout (asserted above) */
        in->n = (uint32_t)SCN_GET(p, send_handles, n);
        if (in->n == 0 || in->n > SCN_MAX_XFER)
            return "handle count out of range";
        why = dec_slots(p + SCN_AT(send_handles, slots), SCN_COUNT(send_handles, slots), in, false);
        if (why != NULL)
            return why;
        bool present = in->op == SCN_OP_SEND_HANDLES || (in->flags & SCN_F_EXPECT) != 0;
        return dec_str(p + SCN_AT(send_handles, data), stl, SCN_MAX_DATA, present, &in->str);
    default:
        K_ASSERT(false);
        return "?";
    }
}

static const char *dec_invoke(const uint8_t *p, struct scn_insn *in)
{
    in->arg = (uint32_t)SCN_GET(p, invoke, operation);
    in->index = (uint32_t)SCN_GET(p, invoke, nargs);
    const struct tw_op *d = tw_op_find(in->arg);
    if (d == NULL || !tw_op_scriptable(d))
        return "unknown invoke operation";
    if (in->index > tw_op_count_args(d, TW_ARG_INT))
        return "too many invoke arguments";
    for (uint32_t i = 0; i < SCN_COUNT(invoke, args); i++) {
        in->args[i] = (int64_t)SCN_GET_I(p, invoke, args, i);
        if (i >= in->index && in->args[i] != 0)
            return "unused invoke argument is not zero";
    }
    in->value = (int64_t)SCN_GET(p, invoke, expect);
    if ((in->flags & SCN_F_EXPECT) == 0 && in->value != 0)
        return "expected value without its flag";
    return NULL;
}

/*
 * The invoke's data: its operation's input buffers (the operation table gives each op's
 * shape: data, then data2, then the integers), each a string passed as (pointer, length).
 */
static const char *dec_invoke_data(const uint8_t *p, uint32_t stl, struct scn_insn *in)
{
    const char *why = dec_invoke(p, in);
    if (why == NULL) /* empty: no data */
        why = dec_str(p + SCN_AT(invoke, data), stl, SCN_MAX_DATA, true, &in->str);
    if (why == NULL) /* empty: none */
        why = dec_str(p + SCN_AT(invoke, data2), stl, SCN_MAX_DATA, true, &in->str2);
    if (why != NULL)
        return why;
    uint32_t nbuf = tw_op_count_args(tw_op_find(in->arg), TW_ARG_IN);
    if ((in->str.len > 0 && nbuf < 1) || (in->str2.len > 0 && nbuf < 2))
        return "invoke data for an operation without that buffer";
    return NULL;
}

static const char *dec_wait_poll(const uint8_t *p, struct scn_insn *in)
{
    in->arg = (uint32_t)SCN_GET(p, wait, signals); /* poll's too (asserted above) */
    if (in->arg == 0 || (in->arg & ~(uint32_t)TW_SIG_ALL) != 0)
        return "bad signal mask";
    const char *why = dec_timeout(SCN_GET(p, wait, timeout), in);
    if (why != NULL || in->op == SCN_OP_WAIT)
        return why;
    /* poll: n was read and the size checked by the caller */
    why = dec_slots(p + SCN_SIZEOF(poll), in->n, in, true);
    if (why == NULL &&
        !scn_all_zero(p + SCN_SIZEOF(poll) + in->n, in->size - SCN_SIZEOF(poll) - in->n))
        why = "nonzero padding";
    return why;
}

/* One syscall argument: its kind and the range of its value. */
static const char *dec_sys_arg(uint8_t kind, int64_t v)
{
    switch (kind) {
    case SCN_ARG_INT:
        return NULL;
    case SCN_ARG_STACK:
        return v < -(int64_t)SCN_SYS_BELOW || v > (int64_t)SCN_SYS_STACK
                   ? "stack offset out of range"
                   : NULL;
    case SCN_ARG_HEAP:
        return v < 0 || v > (int64_t)SCN_SYS_HEAP ? "heap offset out of range" : NULL;
    case SCN_ARG_ENTRY:
    case SCN_ARG_ENTRY_ARG: /* against the task's thread count: dec_in_script */
        return v < 0 || v >= (int64_t)SCN_MAX_THREADS ? "thread number out of range" : NULL;
    case SCN_ARG_KERNEL:
    case SCN_ARG_NULL:
        return v != 0 ? "unused argument value is not zero" : NULL;
    default:
        return "unknown argument kind";
    }
}

/*
 * syscall: the number, each argument's kind and value, the expected result, and the bytes
 * stored before the call (checked as hex by dec_syscall_in_task, which sees the string table).
 */
static const char *dec_syscall(const uint8_t *p, uint32_t stl, struct scn_insn *in)
{
    in->nr = SCN_GET(p, syscall, nr);
    for (uint32_t i = 0; i < SCN_SYS_ARGS; i++) {
        in->kinds[i] = (uint8_t)SCN_GET_I(p, syscall, kinds, i);
        in->sys_args[i] = (int64_t)SCN_GET_I(p, syscall, args, i);
        const char *why = dec_sys_arg(in->kinds[i], in->sys_args[i]);
        if (why != NULL)
            return why;
    }
    in->store = (uint8_t)SCN_GET(p, syscall, store);
    if (!SCN_ZERO(p, syscall, pad))
        return "nonzero padding";
    in->value = (int64_t)SCN_GET(p, syscall, expect);
    if ((in->flags & SCN_F_EXPECT) == 0 && in->value != 0)
        return "expected value without its flag";
    in->store_off = (int32_t)(uint32_t)SCN_GET(p, syscall, store_off);
    const char *why = dec_str(p + SCN_AT(syscall, hex), stl, 2 * SCN_MAX_STORE,
                              in->store != SCN_STORE_NONE, &in->str);
    if (why != NULL)
        return why;
    if (in->store == SCN_STORE_NONE)
        return in->store_off != 0 ? "unused store offset is not zero" : NULL;
    if (in->store > SCN_STORE_HEAP)
        return "unknown store place";
    uint32_t room = in->store == SCN_STORE_STACK ? SCN_SYS_STACK : SCN_SYS_HEAP;
    if (in->str.len == 0 || in->str.len % 2 != 0)
        return "stored bytes are not whole hex pairs";
    if (in->store_off < 0 || (uint32_t)in->store_off > room ||
        in->str.len / 2 > room - (uint32_t)in->store_off)
        return "stored bytes outside their place";
    return NULL;
}

/* The task steps: spawn_task, task_status, task_children (a field not checked is zero). */
static const char *dec_task(const uint8_t *p, uint32_t stl, struct scn_insn *in)
{
    if (in->op == SCN_OP_TASK_STATUS) {
        in->arg = (uint32_t)SCN_GET(p, task_status, fields);
        in->index = (uint32_t)SCN_GET(p, task_status, state);
        in->n = (uint32_t)SCN_GET(p, task_status, end);
        in->value = (int32_t)(uint32_t)SCN_GET(p, task_status, code);
        in->args[0] = (int64_t)SCN_GET(p, task_status, children);
        in->args[1] = (int64_t)SCN_GET(p, task_status, adopted);
        uint32_t f = in->arg;
        if ((f & ~SCN_ST_ALL) != 0 || (f & SCN_ST_PARENT_NONE & (f >> 1)) != 0)
            return "bad task status fields";
        if (((in->flags & SCN_F_EXPECT) != 0) != (f != 0))
            return "task status fields without the expect flag";
        if (!SCN_ZERO(p, task_status, pad) || !SCN_ZERO(p, task_status, pad2) ||
            ((f & SCN_ST_STATE) == 0 && in->index != 0) || ((f & SCN_ST_END) == 0 && in->n != 0) ||
            ((f & SCN_ST_CODE) == 0 && in->value != 0) ||
            ((f & SCN_ST_CHILDREN) == 0 && in->args[0] != 0) ||
            ((f & SCN_ST_ADOPTED) == 0 && in->args[1] != 0))
            return "unused task status field is not zero";
        return in->index > TW_TASK_EXITED || in->n > TW_TASK_END_CRASHED
                   ? "task state or end out of range"
                   : NULL;
    }
    in->n = (uint32_t)SCN_GET(p, spawn_task, n);
    if (in->n > SCN_MAX_TASK_HANDLES)
        return "handle count out of range";
    const char *why =
        dec_slots(p + SCN_AT(spawn_task, slots), SCN_BYTES(spawn_task, slots), in, false);
    if (why != NULL)
        return why;
    if (in->op == SCN_OP_SPAWN_TASK) {
        why = dec_str(p + SCN_AT(spawn_task, command), stl, SCN_MAX_PRINT, true, &in->str);
        return why != NULL ? why : in->str.len == 0 ? "empty command line" : NULL;
    }
    in->value = (int64_t)SCN_GET(p, task_children, expect);
    if ((in->flags & SCN_F_EXPECT) == 0 && in->value != 0)
        return "expected value without its flag";
    return in->value < 0 || in->value > UINT32_MAX ? "expected count out of range" : NULL;
}

/* Operands of the control and value ops. */
static const char *dec_misc(const uint8_t *p, uint32_t stl, struct scn_insn *in)
{
    switch (in->op) {
    case SCN_OP_DUP:
        in->arg = (uint32_t)SCN_GET(p, dup, rights);
        return (in->arg & ~(uint32_t)TW_RIGHTS_ALL) != 0 && in->arg != TW_RIGHTS_SAME
                   ? "bad rights mask"
                   : NULL;
    case SCN_OP_SEEK:
        in->arg = (uint32_t)SCN_GET(p, seek, whence);
        in->value = (int64_t)SCN_GET(p, seek, offset);
        return in->arg > TW_SEEK_END ? "bad seek whence" : NULL;
    case SCN_OP_TELL:
        in->value = (int64_t)SCN_GET(p, tell, expect);
        return (in->flags & SCN_F_EXPECT) == 0 && in->value != 0 ? "expected value without flag"
                                                                 : NULL;
    case SCN_OP_COMPUTE:
    case SCN_OP_SLEEP: /* one layout (asserted above) */
        in->ns = SCN_GET(p, compute, ns);
        return in->ns > SCN_MAX_NS ? "time out of range" : NULL;
    case SCN_OP_REPEAT:
        in->arg = (uint32_t)SCN_GET(p, repeat, count);
        in->body_len = (uint32_t)SCN_GET(p, repeat, body_len);
        return in->arg == 0 || in->arg > SCN_MAX_REPEAT ? "repeat count out of range" : NULL;
    case SCN_OP_SPAWN:
        in->arg = (uint32_t)SCN_GET(p, spawn, priority);
        in->index = (uint32_t)SCN_GET(p, spawn, index);
        in->body_len = (uint32_t)SCN_GET(p, spawn, body_len);
        return in->arg > SCN_MAX_PRIORITY ? "spawn priority out of range" : NULL;
    case SCN_OP_EXPECT:
        in->arg = (uint32_t)SCN_GET(p, expect, kind);
        in->ns = SCN_GET(p, expect, ns);
        if (in->arg > SCN_EXP_LAST)
            return "unknown expect kind";
        if (in->arg == SCN_EXP_LAST)
            return in->ns != 0
                       ? "unused time is not zero"
                       : dec_str(p + SCN_AT(expect, data), stl, SCN_MAX_DATA, true, &in->str);
        return in->ns > SCN_MAX_NS ? "time out of range"
                                   : dec_str(p + SCN_AT(expect, data), stl, 0, false, &in->str);
    case SCN_OP_EXIT:
        in->value = (int32_t)(uint32_t)SCN_GET(p, exit, code);
        return in->value < SCN_EXIT_MIN ? "exit code out of range" : NULL;
    case SCN_OP_RUN:
        return dec_str(p + SCN_AT(run, command), stl, SCN_MAX_PRINT, true, &in->str);
    case SCN_OP_READDIR:
        return dec_str(p + SCN_AT(readdir, expect), stl, SCN_MAX_LISTING,
                       (in->flags & SCN_F_EXPECT) != 0, &in->str);
    case SCN_OP_SYSCALL:
        return dec_syscall(p, stl, in);
    case SCN_OP_THREAD:
        in->arg = (uint32_t)SCN_GET(p, thread, number);
        in->body_len = (uint32_t)SCN_GET(p, thread, body_len);
        return in->arg >= SCN_MAX_THREADS ? "thread number out of range" : NULL;
    case SCN_OP_SPAWN_TASK:
    case SCN_OP_TASK_STATUS:
    case SCN_OP_TASK_CHILDREN:
        return dec_task(p, stl, in);
    default:
        return NULL; /* close, take_peer, yield: the header is everything */
    }
}

/* The header: opcode, flags, size, slots, expected error. */
static const char *dec_header(const uint8_t *p, size_t avail, struct scn_insn *in)
{
    if (avail < SCN_INSN_HDR)
        return "truncated instruction";
    in->op = (uint8_t)SCN_GET(p, insn, op);
    const struct scn_op_desc *r = scn_op_desc(in->op);
    if (r == NULL)
        return "unknown opcode";
    in->flags = (uint8_t)SCN_GET(p, insn, flags);
    in->step = (uint32_t)SCN_GET(p, insn, step);
    in->size = (uint32_t)SCN_GET(p, insn, size);
    in->slot = (uint8_t)SCN_GET(p, insn, slot);
    in->as = (uint8_t)SCN_GET(p, insn, as);
    in->expect_err = (int8_t)(uint8_t)SCN_GET(p, insn, err);
    if ((in->flags & ~r->flags) != 0)
        return "flag not allowed for this opcode";
    if (!SCN_ZERO(p, insn, pad))
        return "nonzero padding";
    bool slot_ok = r->slot == SCN_RULE_NO ? in->slot == SCN_SLOT_NONE
                                          : in->slot < SCN_MAX_SLOTS || in->slot == SCN_SLOT_SELF;
    if (!slot_ok)
        return "bad handle slot";
    bool as_ok = r->as == SCN_RULE_NO     ? in->as == SCN_SLOT_NONE
                 : in->as < SCN_MAX_SLOTS ? true
                                          : r->as == SCN_RULE_OPT && in->as == SCN_SLOT_NONE;
    if (!as_ok)
        return "bad result slot";
    if ((in->flags & SCN_F_EXPECT_ERR) == 0)
        return in->expect_err != 0 ? "expected error without its flag" : NULL;
    return in->expect_err >= TW_ERR_MIN && in->expect_err < 0 ? NULL : "bad expected error";
}

static const char *dec_size(const uint8_t *p, size_t avail, struct scn_insn *in)
{
    if (in->op == SCN_OP_POLL) {
        if (avail < SCN_SIZEOF(poll))
            return "truncated instruction";
        in->n = (uint32_t)SCN_GET(p, poll, n);
        if (in->n == 0 || in->n > SCN_MAX_POLL)
            return "poll count out of range";
    }
    if (in->size != scn_insn_size(in->op, in->n))
        return "wrong instruction size";
    return in->size > avail ? "instruction overruns its script" : NULL;
}

const char *scn_insn_decode(const uint8_t *p, size_t avail, uint32_t strtab_len,
                            struct scn_insn *out)
{
    K_ASSERT(p != NULL && out != NULL);
    k_memset(out, 0, sizeof(*out));
    const char *why = dec_header(p, avail, out);
    if (why == NULL)
        why = dec_size(p, avail, out);
    if (why != NULL)
        return why;
    switch (out->op) {
    case SCN_OP_OPEN:
    case SCN_OP_READ:
    case SCN_OP_WRITE:
    case SCN_OP_PRINT:
    case SCN_OP_SEND_HANDLES:
    case SCN_OP_RECV_HANDLES:
        return dec_open_io(p, strtab_len, out);
    case SCN_OP_INVOKE:
        return dec_invoke_data(p, strtab_len, out);
    case SCN_OP_WAIT:
    case SCN_OP_POLL:
        return dec_wait_poll(p, out);
    default:
        return dec_misc(p, strtab_len, out);
    }
}

/* ---- whole blobs ---- */

/* Decoder state: the blob and its sections once the header has been checked. */
struct dec {
    const uint8_t *blob;
    uint32_t len;
    struct scn_error *err;
    uint32_t strtab_off;
    uint32_t strtab_len;
    uint32_t code_off;
    uint32_t code_len;
    uint32_t expect_off;
    uint32_t share_off;  /* the CPU share block (SCN_EXPECT_CPU_SHARE), else 0 */
    uint32_t fault_size; /* a fault entry's bytes: SCN_FAULT_ENT_SIZE, or _V3 in version 3 */
};

static int dec_fail(struct dec *d, uint64_t off, const char *why)
{
    if (d->err != NULL) {
        d->err->offset = off > UINT32_MAX ? UINT32_MAX : (uint32_t)off;
        k_snprintf(d->err->msg, sizeof(d->err->msg), "%s", why);
    }
    return TW_E_INVAL;
}

static bool server_char(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '~' || c == '+' || c == '-';
}

bool scn_servers_ok(const uint8_t *s, size_t len, bool list)
{
    if (list && len == 1 && s[0] == '*')
        return true;
    if (len == 0 || len >= (list ? SCN_SERVER_LIST : SCN_SERVER_NAME))
        return false;
    for (size_t i = 0, start = 0; i <= len; i++) {
        if (i < len && s[i] != ' ') {
            if (!server_char(s[i]) || i - start + 1 >= SCN_SERVER_NAME)
                return false;
            continue;
        }
        if (i == start || (i < len && !list))
            return false; /* an empty name, or a space in a single name */
        for (size_t j = 0, k = 0; j < start; j = k + 1) { /* names before this one */
            for (k = j; s[k] != ' '; k++)
                ;
            if (k - j == i - start && k_memcmp(s + j, s + start, i - start) == 0)
                return false; /* named twice */
        }
        start = i + 1;
    }
    return true;
}

/* A string reference (8 bytes at off) whose contents must be text of min..max bytes. */
static int dec_text_ref(struct dec *d, uint32_t off, uint32_t min, uint32_t max, const char **s,
                        uint32_t *len)
{
    struct scn_str ref;
    const char *why = dec_str(d->blob + off, d->strtab_len, max, true, &ref);
    if (why != NULL)
        return dec_fail(d, off, why);
    if (ref.len < min)
        return dec_fail(d, off, "string too short");
    const uint8_t *text = d->blob + d->strtab_off + ref.off;
    if (!scn_text_ok(text, ref.len))
        return dec_fail(d, off, "string is not UTF-8 text");
    *s = (const char *)text;
    *len = ref.len;
    return 0;
}

static int dec_config(struct dec *d, struct scn_view *v)
{
    const uint8_t *b = d->blob;
    struct scn_config *c = &v->config;
    c->seed = SCN_GET(b, header, seed);
    c->quantum_ns = SCN_GET(b, header, quantum);
    c->max_time_ns = SCN_GET(b, header, max_time);
    c->cost_syscall_ns = (uint32_t)SCN_GET(b, header, cost_syscall);
    c->cost_switch_ns = (uint32_t)SCN_GET(b, header, cost_switch);
    c->cost_byte_ps = (uint32_t)SCN_GET(b, header, cost_byte);
    c->pool_pages = (uint32_t)SCN_GET(b, header, pool_pages);
    c->policy = (uint8_t)SCN_GET(b, header, policy);
    c->mode = (uint8_t)SCN_GET(b, header, mode);
    if (c->quantum_ns == 0 || c->quantum_ns > SCN_MAX_NS)
        return dec_fail(d, SCN_AT(header, quantum), "quantum out of range");
    if (c->max_time_ns == 0 || c->max_time_ns > SCN_MAX_NS)
        return dec_fail(d, SCN_AT(header, max_time), "max time out of range");
    if (c->pool_pages == 0)
        return dec_fail(d, SCN_AT(header, pool_pages), "empty page pool");
    if (c->policy > SCN_POLICY_RANDOM)
        return dec_fail(d, SCN_AT(header, policy), "unknown policy");
    if (c->mode > SCN_MODE_REALTIME)
        return dec_fail(d, SCN_AT(header, mode), "unknown mode");
    if (!SCN_ZERO(b, header, pad))
        return dec_fail(d, SCN_AT(header, pad), "nonzero padding");
    return 0;
}

/* Every section where the canonical layout puts it, inside the blob. */
static int dec_layout(struct dec *d, struct scn_view *v)
{
    const uint8_t *b = d->blob;
    uint64_t at = SCN_HDR_SIZE;
    v->ntasks = (uint32_t)SCN_GET(b, header, ntasks);
    v->nfaults = (uint32_t)SCN_GET(b, header, nfaults);
    if (v->ntasks == 0 || v->ntasks > SCN_MAX_TASKS)
        return dec_fail(d, SCN_AT(header, ntasks), "task count out of range");
    if (v->nfaults > SCN_MAX_FAULTS)
        return dec_fail(d, SCN_AT(header, nfaults), "fault count out of range");
    if (SCN_GET(b, header, tasks_off) != at)
        return dec_fail(d, SCN_AT(header, tasks_off), "task table misplaced");
    at += (uint64_t)v->ntasks * SCN_TASK_ENT_SIZE;
    if (SCN_GET(b, header, faults_off) != at)
        return dec_fail(d, SCN_AT(header, faults_off), "fault table misplaced");
    at += (uint64_t)v->nfaults * d->fault_size;
    if (SCN_GET(b, header, expect_off) != at || at + SCN_EXPECT_FIXED > d->len)
        return dec_fail(d, SCN_AT(header, expect_off), "expect section misplaced");
    d->expect_off = (uint32_t)at;
    const uint8_t *x = b + at;
    uint32_t nexit = (uint32_t)SCN_GET(x, expect_fixed, nexit);
    uint32_t ncont = (uint32_t)SCN_GET(x, expect_fixed, ncontains);
    uint32_t nord = (uint32_t)SCN_GET(x, expect_fixed, norder);
    if (nexit > v->ntasks || ncont > SCN_MAX_CONTAINS || nord > v->ntasks)
        return dec_fail(d, at + SCN_AT(expect_fixed, nexit), "expect count out of range");
    at += SCN_EXPECT_FIXED + (uint64_t)nexit * SCN_EXIT_ENT_SIZE +
          (uint64_t)ncont * SCN_STR_REF_SIZE + (uint64_t)nord * SCN_ORDER_ENT_SIZE;
    if ((SCN_GET(x, expect_fixed, flags) & SCN_EXPECT_CPU_SHARE) != 0) {
        if (at + SCN_SHARE_FIXED > d->len)
            return dec_fail(d, d->expect_off + SCN_AT(expect_fixed, flags),
                            "CPU share block past the blob");
        d->share_off = (uint32_t)at;
        uint32_t nshare = (uint32_t)SCN_GET(b + at, share_fixed, nshare);
        if (nshare == 0 || nshare > v->ntasks)
            return dec_fail(d, (uint32_t)at + SCN_AT(share_fixed, nshare),
                            "CPU share count out of range");
        at += SCN_SHARE_FIXED + (uint64_t)nshare * SCN_SHARE_ENT_SIZE;
    }
    d->strtab_off = (uint32_t)SCN_GET(b, header, strtab_off);
    d->strtab_len = (uint32_t)SCN_GET(b, header, strtab_len);
    if (d->strtab_off != at || at + d->strtab_len > d->len)
        return dec_fail(d, SCN_AT(header, strtab_off), "string table misplaced");
    at += d->strtab_len;
    d->code_off = (uint32_t)SCN_GET(b, header, code_off);
    d->code_len = (uint32_t)SCN_GET(b, header, code_len);
    if (d->code_off != at || at + d->code_len != d->len)
        return dec_fail(d, SCN_AT(header, code_off), "code section misplaced");
    return 0;
}

static int dec_header_all(struct dec *d, struct scn_view *v)
{
    const uint8_t *b = d->blob;
    if (SCN_GET(b, header, magic) != SCN_MAGIC)
        return dec_fail(d, SCN_AT(header, magic), "bad magic");
    uint64_t version = SCN_GET(b, header, version);
    if (version != SCN_VERSION && version != 3)
        return dec_fail(d, SCN_AT(header, version), "unsupported version");
    d->fault_size = version == 3 ? SCN_FAULT_ENT_V3 : SCN_FAULT_ENT_SIZE;
    if (SCN_GET(b, header, hdr_size) != SCN_HDR_SIZE)
        return dec_fail(d, SCN_AT(header, hdr_size), "bad header size");
    if (SCN_GET(b, header, total) != d->len)
        return dec_fail(d, SCN_AT(header, total), "length does not match the blob");
    int rc = dec_layout(d, v);
    if (rc == 0)
        rc = dec_config(d, v);
    if (rc == 0)
        rc = dec_text_ref(d, SCN_AT(header, name), 1, SCN_MAX_SCN_NAME, &v->name, &v->name_len);
    return rc;
}

static int dec_tasks(struct dec *d, struct scn_view *v)
{
    uint32_t code_at = 0;
    for (uint32_t i = 0; i < v->ntasks; i++) {
        uint32_t e = SCN_HDR_SIZE + i * SCN_TASK_ENT_SIZE;
        const uint8_t *te = d->blob + e;
        struct scn_task *t = &v->tasks[i];
        int rc =
            dec_text_ref(d, e + SCN_AT(task, name), 1, SCN_MAX_NAME - 1, &t->name, &t->name_len);
        if (rc != 0)
            return rc;
        if (!scn_name_ok((const uint8_t *)t->name, t->name_len))
            return dec_fail(d, e + SCN_AT(task, name), "bad task name");
        for (uint32_t j = 0; j < i; j++) {
            if (v->tasks[j].name_len == t->name_len &&
                k_memcmp(v->tasks[j].name, t->name, t->name_len) == 0)
                return dec_fail(d, e + SCN_AT(task, name), "duplicate task name");
        }
        uint32_t prio = (uint32_t)SCN_GET(te, task, priority);
        if (prio > SCN_MAX_PRIORITY)
            return dec_fail(d, e + SCN_AT(task, priority), "task priority out of range");
        t->priority = (int32_t)prio;
        if (SCN_GET(te, task, code_off) != code_at)
            return dec_fail(d, e + SCN_AT(task, code_off), "task code misplaced");
        t->code_len = (uint32_t)SCN_GET(te, task, code_len);
        if (t->code_len > d->code_len - code_at)
            return dec_fail(d, e + SCN_AT(task, code_len), "task code overruns the code section");
        t->code_off = d->code_off + code_at;
        code_at += t->code_len;
        if (SCN_GET(te, task, nsteps) > SCN_MAX_STEPS)
            return dec_fail(d, e + SCN_AT(task, nsteps), "too many steps");
        t->flags = (uint8_t)SCN_GET(te, task, flags);
        t->nthreads = (uint8_t)SCN_GET(te, task, nthreads);
        t->boot_threads = (uint8_t)SCN_GET(te, task, boot_threads);
        if ((t->flags & ~SCN_TASK_RAW_MEMORY) != 0 || !SCN_ZERO(te, task, pad))
            return dec_fail(d, e + SCN_AT(task, flags), "unknown task flags");
        if (t->nthreads > SCN_MAX_THREADS)
            return dec_fail(d, e + SCN_AT(task, nthreads), "too many threads");
        if (t->nthreads == 0 ? t->boot_threads != 0
                             : t->boot_threads == 0 || t->boot_threads > t->nthreads)
            return dec_fail(d, e + SCN_AT(task, boot_threads), "boot thread count out of range");
    }
    return code_at == d->code_len
               ? 0
               : dec_fail(d, SCN_AT(header, code_len), "code not covered by tasks");
}

/* A server fault's target (the string at e + its field's offset): names, or for a
 * campaign a list of them or "*". */
static int dec_fault_target(struct dec *d, uint32_t e, struct scn_fault *f, bool list)
{
    const char *s;
    uint32_t len;
    int rc = dec_text_ref(d, e + SCN_AT(fault, target), 1, SCN_SERVER_LIST - 1, &s, &len);
    if (rc != 0)
        return rc;
    if (!scn_servers_ok((const uint8_t *)s, len, list))
        return dec_fail(d, e + SCN_AT(fault, target),
                        list ? "bad campaign server names" : "bad server name");
    f->target = s;
    f->target_len = len;
    return 0;
}

/* The fields version 4 added: what a kind does not use is zero. */
static int dec_fault_v4(struct dec *d, uint32_t e, struct scn_fault *f)
{
    const uint8_t *fe = d->blob + e;
    struct scn_str none;
    f->to_ns = SCN_GET(fe, fault, to_ns);
    f->count = (uint32_t)SCN_GET(fe, fault, count);
    if (!SCN_ZERO(fe, fault, pad))
        return dec_fail(d, e + SCN_AT(fault, pad), "nonzero padding");
    if (f->kind != SCN_FAULT_CAMPAIGN && (f->to_ns != 0 || f->count != 0))
        return dec_fail(d, e + SCN_AT(fault, to_ns), "campaign fields in another fault");
    if (f->kind == SCN_FAULT_KILL) {
        const char *why = dec_str(fe + SCN_AT(fault, target), d->strtab_len, 0, false, &none);
        return why != NULL ? dec_fail(d, e + SCN_AT(fault, target), why) : 0;
    }
    if (f->task != 0)
        return dec_fail(d, e + SCN_AT(fault, task), "a server fault names a task");
    if (f->kind == SCN_FAULT_CAMPAIGN) {
        if (f->count == 0 || f->count > SCN_MAX_CAMPAIGN)
            return dec_fail(d, e + SCN_AT(fault, count), "campaign count out of range");
        if (f->to_ns > SCN_MAX_NS || f->to_ns <= f->at_ns || f->to_ns - f->at_ns < f->count)
            return dec_fail(d, e + SCN_AT(fault, to_ns), "campaign window out of range");
    }
    return dec_fault_target(d, e, f, f->kind == SCN_FAULT_CAMPAIGN);
}

static int dec_faults(struct dec *d, struct scn_view *v)
{
    for (uint32_t i = 0; i < v->nfaults; i++) {
        uint32_t e = (uint32_t)SCN_GET(d->blob, header, faults_off) + i * d->fault_size;
        const uint8_t *fe = d->blob + e;
        struct scn_fault *f = &v->faults[i];
        k_memset(f, 0, sizeof(*f));
        f->at_ns = SCN_GET(fe, fault, at_ns);
        f->kind = (uint32_t)SCN_GET(fe, fault, kind);
        f->task = (uint32_t)SCN_GET(fe, fault, task);
        if (f->at_ns > SCN_MAX_NS)
            return dec_fail(d, e + SCN_AT(fault, at_ns), "fault time out of range");
        bool v3 = d->fault_size == SCN_FAULT_ENT_V3;
        if (f->kind != SCN_FAULT_KILL &&
            (v3 || (f->kind != SCN_FAULT_KILL_SERVER && f->kind != SCN_FAULT_CAMPAIGN)))
            return dec_fail(d, e + SCN_AT(fault, kind), "unknown fault kind");
        if (f->kind == SCN_FAULT_KILL && f->task >= v->ntasks)
            return dec_fail(d, e + SCN_AT(fault, task), "fault names no task");
        int rc = v3 ? 0 : dec_fault_v4(d, e, f);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* A task index (value, read at off) that must be in range and not yet in seen (a bitmask). */
static int dec_task_ref(struct dec *d, const struct scn_view *v, uint32_t off, uint64_t value,
                        uint64_t *seen, uint32_t *task)
{
    if (value >= v->ntasks)
        return dec_fail(d, off, "expectation names no task");
    *task = (uint32_t)value;
    if ((*seen & (1ull << *task)) != 0)
        return dec_fail(d, off, "task named twice in an expectation");
    *seen |= 1ull << *task;
    return 0;
}

/* The CPU share block at *at (its place and count were checked with the layout). */
static int dec_shares(struct dec *d, struct scn_view *v, uint32_t *at)
{
    struct scn_expect *x = &v->expect;
    const uint8_t *b = d->blob + *at;
    K_ASSERT(*at == d->share_off);
    x->share_from_ns = SCN_GET(b, share_fixed, from_ns);
    x->share_to_ns = SCN_GET(b, share_fixed, to_ns);
    x->nshare = (uint32_t)SCN_GET(b, share_fixed, nshare);
    if (x->share_to_ns > SCN_MAX_NS || x->share_from_ns >= x->share_to_ns)
        return dec_fail(d, *at + SCN_AT(share_fixed, from_ns), "CPU share window out of range");
    if (!scn_all_zero(b + SCN_AT(share_fixed, pad), 4))
        return dec_fail(d, *at + SCN_AT(share_fixed, pad), "nonzero padding");
    *at += SCN_SHARE_FIXED;
    uint64_t seen = 0;
    for (uint32_t i = 0; i < x->nshare; i++, *at += SCN_SHARE_ENT_SIZE) {
        const uint8_t *e = d->blob + *at;
        uint64_t task = SCN_GET(e, share_entry, task);
        if (dec_task_ref(d, v, *at + SCN_AT(share_entry, task), task, &seen, &x->share[i].task) !=
            0)
            return TW_E_INVAL;
        x->share[i].min_bp = (uint32_t)SCN_GET(e, share_entry, min_bp);
        x->share[i].max_bp = (uint32_t)SCN_GET(e, share_entry, max_bp);
        if (x->share[i].max_bp > 10000 || x->share[i].min_bp > x->share[i].max_bp)
            return dec_fail(d, *at + SCN_AT(share_entry, min_bp), "CPU share bounds out of range");
    }
    return 0;
}

static int dec_expect(struct dec *d, struct scn_view *v)
{
    K_STATIC_ASSERT(SCN_MAX_TASKS <= 64, "seen masks are 64 bits");
    const uint8_t *b = d->blob + d->expect_off;
    struct scn_expect *x = &v->expect;
    uint32_t flags = (uint32_t)SCN_GET(b, expect_fixed, flags);
    x->nexit = (uint32_t)SCN_GET(b, expect_fixed, nexit);
    x->ncontains = (uint32_t)SCN_GET(b, expect_fixed, ncontains);
    x->norder = (uint32_t)SCN_GET(b, expect_fixed, norder);
    x->max_time_ns = SCN_GET(b, expect_fixed, max_ns);
    x->min_time_ns = SCN_GET(b, expect_fixed, min_ns);
    x->no_deadlock = (flags & SCN_EXPECT_NO_DEADLOCK) != 0;
    if ((flags & ~(SCN_EXPECT_NO_DEADLOCK | SCN_EXPECT_CPU_SHARE)) != 0)
        return dec_fail(d, d->expect_off + SCN_AT(expect_fixed, flags), "unknown expect flags");
    if (x->max_time_ns > SCN_MAX_NS || x->min_time_ns > SCN_MAX_NS ||
        (x->max_time_ns != 0 && x->min_time_ns > x->max_time_ns))
        return dec_fail(d, d->expect_off + SCN_AT(expect_fixed, max_ns),
                        "expected time bounds out of range");
    uint32_t at = d->expect_off + SCN_EXPECT_FIXED;
    uint64_t seen = 0;
    for (uint32_t i = 0; i < x->nexit; i++, at += SCN_EXIT_ENT_SIZE) {
        uint64_t task = SCN_GET(d->blob + at, exit_entry, task);
        if (dec_task_ref(d, v, at + SCN_AT(exit_entry, task), task, &seen, &x->exit[i].task) != 0)
            return TW_E_INVAL;
        x->exit[i].status = (int32_t)(uint32_t)SCN_GET(d->blob + at, exit_entry, status);
        if (x->exit[i].status < SCN_EXIT_MIN && x->exit[i].status != TW_EXIT_KILLED)
            return dec_fail(d, at + SCN_AT(exit_entry, status),
                            "expected exit status out of range");
    }
    for (uint32_t i = 0; i < x->ncontains; i++, at += SCN_STR_REF_SIZE) {
        if (dec_text_ref(d, at, 1, SCN_MAX_TEXT, &x->contains[i].text, &x->contains[i].len) != 0)
            return TW_E_INVAL;
    }
    seen = 0;
    for (uint32_t i = 0; i < x->norder; i++, at += SCN_ORDER_ENT_SIZE) {
        uint64_t task = SCN_GET(d->blob + at, order_entry, task);
        if (dec_task_ref(d, v, at + SCN_AT(order_entry, task), task, &seen, &x->order[i]) != 0)
            return TW_E_INVAL;
    }
    if ((flags & SCN_EXPECT_CPU_SHARE) != 0 && dec_shares(d, v, &at) != 0)
        return TW_E_INVAL;
    K_ASSERT(at == d->strtab_off);
    return 0;
}

static bool hex_ok(const uint8_t *s, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++) {
        uint8_t c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return true;
}

/* A syscall step against its task: raw memory, thread numbers, the stored bytes as hex. */
static int dec_syscall_in_task(struct dec *d, uint32_t pc, const struct scn_insn *in,
                               const struct scn_task *t)
{
    if ((t->flags & SCN_TASK_RAW_MEMORY) == 0)
        return dec_fail(d, pc, "syscall step in a task without raw memory");
    for (uint32_t i = 0; i < SCN_SYS_ARGS; i++) {
        bool entry = in->kinds[i] == SCN_ARG_ENTRY || in->kinds[i] == SCN_ARG_ENTRY_ARG;
        if (entry && in->sys_args[i] >= (int64_t)K_MAX(t->nthreads, 1))
            return dec_fail(d, pc + SCN_AT_I(syscall, args, i), "the task has no such thread");
    }
    if (!hex_ok(d->blob + d->strtab_off + in->str.off, in->str.len))
        return dec_fail(d, pc + SCN_AT(syscall, hex), "stored bytes are not lower-case hex");
    return 0;
}

/* Per-instruction checks that need the script around it: step ids, spawn indexes, text. */
static int dec_in_script(struct dec *d, uint32_t pc, const struct scn_insn *in, uint32_t *step,
                         uint32_t *spawn)
{
    if (in->step != *step)
        return dec_fail(d, pc + SCN_AT(insn, step), "step ids out of order");
    (*step)++;
    if (in->op == SCN_OP_SPAWN && in->index != (*spawn)++)
        return dec_fail(d, pc + SCN_AT(spawn, index), "spawn indexes out of order");
    const uint8_t *text = d->blob + d->strtab_off + in->str.off;
    if (in->op == SCN_OP_SYSCALL) /* hex, checked with the task */
        return 0;
    if (in->str.len != 0 && !scn_text_ok(text, in->str.len))
        return dec_fail(d, pc, "string operand is not UTF-8 text");
    const uint8_t *text2 = d->blob + d->strtab_off + in->str2.off;
    if (in->str2.len != 0 && !scn_text_ok(text2, in->str2.len))
        return dec_fail(d, pc, "second string operand is not UTF-8 text");
    return 0;
}

/*
 * Where a thread instruction may stand: exactly the top level of a task with threads, in
 * order (*threads counts them). Its body may be empty; other bodies may not.
 */
static int dec_thread_place(struct dec *d, uint32_t pc, const struct scn_insn *in,
                            const struct scn_task *t, uint32_t depth, uint32_t *threads)
{
    bool top = depth == 0 && t->nthreads > 0;
    if (top != (in->op == SCN_OP_THREAD))
        return dec_fail(d, pc,
                        top ? "a task with threads holds only thread bodies"
                            : "thread body outside a task's top level");
    if (top && in->arg != (*threads)++)
        return dec_fail(d, pc + SCN_AT(thread, number), "thread numbers out of order");
    if (in->op == SCN_OP_SYSCALL)
        return dec_syscall_in_task(d, pc, in, t);
    return 0;
}

/* One task's script: every instruction, nesting and body length, then the counts. */
static int dec_script(struct dec *d, const struct scn_view *v, uint32_t task)
{
    const struct scn_task *t = &v->tasks[task];
    uint32_t ends[SCN_MAX_DEPTH];
    uint32_t depth = 0, step = 0, spawn = 0, threads = 0, pc = t->code_off;
    uint32_t end = t->code_off + t->code_len;
    struct scn_insn in;
    while (pc < end) {
        while (depth > 0 && pc == ends[depth - 1])
            depth--;
        uint32_t cur_end = depth > 0 ? ends[depth - 1] : end;
        K_ASSERT(pc < cur_end);
        const char *why = scn_insn_decode(d->blob + pc, cur_end - pc, d->strtab_len, &in);
        if (why != NULL)
            return dec_fail(d, pc, why);
        if (dec_in_script(d, pc, &in, &step, &spawn) != 0 ||
            dec_thread_place(d, pc, &in, t, depth, &threads) != 0)
            return TW_E_INVAL;
        pc += in.size;
        if (in.op != SCN_OP_REPEAT && in.op != SCN_OP_SPAWN && in.op != SCN_OP_THREAD)
            continue;
        uint32_t min = in.op == SCN_OP_THREAD ? 0 : SCN_INSN_HDR;
        if (in.body_len < min || in.body_len > cur_end - pc)
            return dec_fail(d, pc - in.size, "body length out of range");
        if (in.body_len == 0)
            continue;
        if (depth == SCN_MAX_DEPTH)
            return dec_fail(d, pc - in.size, "bodies nested too deep");
        ends[depth++] = pc + in.body_len;
    }
    if (threads != t->nthreads)
        return dec_fail(d, end, "thread count does not match the task's");
    uint32_t e = SCN_HDR_SIZE + task * SCN_TASK_ENT_SIZE;
    if (SCN_GET(d->blob + e, task, nsteps) != step)
        return dec_fail(d, e + SCN_AT(task, nsteps), "step count does not match the script");
    if (SCN_GET(d->blob + e, task, nspawn) != spawn)
        return dec_fail(d, e + SCN_AT(task, nspawn), "spawn count does not match the script");
    return 0;
}

int scn_decode(const uint8_t *blob, size_t len, struct scn_view *out, struct scn_error *err)
{
    K_ASSERT(out != NULL);
    k_memset(out, 0, sizeof(*out));
    struct dec d = {.blob = blob, .len = (uint32_t)len, .err = err};
    if (blob == NULL || len < SCN_HDR_SIZE)
        return dec_fail(&d, 0, "blob shorter than its header");
    if (len > SCN_MAX_BLOB)
        return dec_fail(&d, 0, "blob too large");
    int rc = dec_header_all(&d, out);
    if (rc == 0)
        rc = dec_tasks(&d, out);
    if (rc == 0)
        rc = dec_faults(&d, out);
    if (rc == 0)
        rc = dec_expect(&d, out);
    for (uint32_t i = 0; rc == 0 && i < out->ntasks; i++)
        rc = dec_script(&d, out, i);
    if (rc != 0) {
        k_memset(out, 0, sizeof(*out));
        return rc;
    }
    out->blob = blob;
    out->len = len;
    if (err != NULL) {
        err->offset = 0;
        err->msg[0] = '\0';
    }
    return 0;
}

/* ---- helpers over a decoded blob ---- */

const uint8_t *scn_strtab(const struct scn_view *v, uint32_t *len)
{
    K_ASSERT(v != NULL && v->blob != NULL && v->len >= SCN_HDR_SIZE);
    *len = (uint32_t)SCN_GET(v->blob, header, strtab_len);
    return v->blob + SCN_GET(v->blob, header, strtab_off);
}

void scn_task_counts(const struct scn_view *v, uint32_t task, uint32_t *nsteps, uint32_t *nspawn)
{
    K_ASSERT(v != NULL && v->blob != NULL && task < v->ntasks);
    const uint8_t *e = v->blob + SCN_HDR_SIZE + task * SCN_TASK_ENT_SIZE;
    *nsteps = (uint32_t)SCN_GET(e, task, nsteps);
    *nspawn = (uint32_t)SCN_GET(e, task, nspawn);
}

void scn_cursor_init(struct scn_cursor *c, const struct scn_view *v, uint32_t off, uint32_t len,
                     uint32_t max_iter)
{
    K_ASSERT(c != NULL && v != NULL && v->blob != NULL);
    K_ASSERT(off <= v->len && len <= v->len - off);
    k_memset(c, 0, sizeof(*c));
    c->blob = v->blob;
    (void)scn_strtab(v, &c->strtab_len);
    c->pc = off;
    c->root_end = off + len;
    c->max_iter = max_iter;
}

bool scn_cursor_next(struct scn_cursor *c, struct scn_insn *in)
{
    uint32_t end;
    for (;;) { /* leave finished bodies: at most depth + 1 rounds */
        end = c->depth > 0 ? c->frame[c->depth - 1].end : c->root_end;
        if (c->pc < end)
            break;
        K_ASSERT(c->pc == end);
        if (c->depth == 0)
            return false;
        struct scn_frame *f = &c->frame[c->depth - 1];
        K_ASSERT(f->left > 0);
        if (--f->left > 0)
            c->pc = f->start;
        else
            c->depth--;
    }
    const char *why = scn_insn_decode(c->blob + c->pc, end - c->pc, c->strtab_len, in);
    K_ASSERT(why == NULL); /* scn_decode validated the blob */
    c->pc += in->size;
    if (in->op == SCN_OP_REPEAT) {
        K_ASSERT(c->depth < SCN_MAX_DEPTH && in->body_len <= end - c->pc);
        struct scn_frame *f = &c->frame[c->depth++];
        f->start = c->pc;
        f->end = c->pc + in->body_len;
        f->left = c->max_iter != 0 && in->arg > c->max_iter ? c->max_iter : in->arg;
    } else if (in->op == SCN_OP_SPAWN || in->op == SCN_OP_THREAD) {
        K_ASSERT(in->body_len <= end - c->pc);
        c->pc += in->body_len;
    }
    return true;
}
