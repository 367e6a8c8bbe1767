/* SPDX-License-Identifier: MIT */
/*
 * user/scenario_decode.c - validation and decoding of compiled scenarios (scn_decode), one
 * instruction at a time (scn_insn_decode) and the script cursor the interpreter runs on.
 *
 * This is a fuzz target: it trusts nothing in the blob. Every offset, count, length,
 * opcode, operand, slot and string is checked before use, with 64-bit arithmetic where a
 * sum could wrap. Freestanding (no libc); the layout is docs/scenario-format.md.
 */
#include "scenario.h"

#include "../core/abi.h"
#include "../core/optable.h"
#include "../core/kassert.h"
#include "../core/klib.h"
#include "scenario_bc.h"

K_STATIC_ASSERT(SCN_MAX_XFER == TW_MSG_MAX_HANDLES, "send/recv carry a message's handles");
K_STATIC_ASSERT(SCN_MAX_TASK_HANDLES == TW_SPAWN_MAX_HANDLES, "spawn_task moves a spawn's handles");
K_STATIC_ASSERT(SCN_MAX_PRINT <= TW_SPAWN_CMD_MAX, "a spawn_task command line fits a spawn's");
K_STATIC_ASSERT(SCN_MAX_DATA == TW_MSG_MAX_BYTES, "read/write data fits one message");
K_STATIC_ASSERT(SCN_MAX_SLOTS < SCN_SLOT_SELF, "slot bytes stay below the special values");
K_STATIC_ASSERT(SCN_MAX_NS < (uint64_t)INT64_MAX, "times in ns fit an int64");
K_STATIC_ASSERT(SCN_MAX_BLOB < UINT32_MAX / 2, "blob offsets fit u32 with room to add");

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static const char *const op_names[SCN_OP_COUNT] = {
    [0] = "?",
    [SCN_OP_OPEN] = "open",
    [SCN_OP_CLOSE] = "close",
    [SCN_OP_READ] = "read",
    [SCN_OP_WRITE] = "write",
    [SCN_OP_SEND_HANDLES] = "send_handles",
    [SCN_OP_RECV_HANDLES] = "recv_handles",
    [SCN_OP_TAKE_PEER] = "take_peer",
    [SCN_OP_DUP] = "dup",
    [SCN_OP_INVOKE] = "invoke",
    [SCN_OP_WAIT] = "wait",
    [SCN_OP_POLL] = "poll",
    [SCN_OP_SEEK] = "seek",
    [SCN_OP_TELL] = "tell",
    [SCN_OP_COMPUTE] = "compute",
    [SCN_OP_SLEEP] = "sleep",
    [SCN_OP_YIELD] = "yield",
    [SCN_OP_PRINT] = "print",
    [SCN_OP_REPEAT] = "repeat",
    [SCN_OP_SPAWN] = "spawn",
    [SCN_OP_EXPECT] = "expect",
    [SCN_OP_EXIT] = "exit",
    [SCN_OP_RUN] = "run",
    [SCN_OP_READDIR] = "readdir",
    [SCN_OP_SYSCALL] = "syscall",
    [SCN_OP_THREAD] = "thread",
    [SCN_OP_SPAWN_TASK] = "spawn_task",
    [SCN_OP_TASK_STATUS] = "task_status",
    [SCN_OP_TASK_CHILDREN] = "task_children",
};

const char *scn_op_name(unsigned op)
{
    return op < SCN_OP_COUNT ? op_names[op] : "?";
}

/* What an opcode accepts: its size, its flags, whether it takes a handle and binds a slot. */
enum { RULE_NO = 0, RULE_REQ = 1, RULE_OPT = 2 };
struct op_rule {
    uint8_t size; /* 0: variable (poll) */
    uint8_t flags;
    uint8_t slot;
    uint8_t as;
};

#define E_ SCN_F_EXPECT_ERR
#define T_ SCN_F_TIMEOUT
#define X_ SCN_F_EXPECT
static const struct op_rule op_rules[SCN_OP_COUNT] = {
    [SCN_OP_OPEN] = {24, E_, RULE_NO, RULE_REQ},
    [SCN_OP_CLOSE] = {12, E_, RULE_REQ, RULE_NO},
    [SCN_OP_READ] = {32, E_ | T_ | X_, RULE_REQ, RULE_NO},
    [SCN_OP_WRITE] = {20, E_, RULE_REQ, RULE_NO},
    [SCN_OP_SEND_HANDLES] = {28, E_, RULE_REQ, RULE_NO},
    [SCN_OP_RECV_HANDLES] = {28, E_ | X_, RULE_REQ, RULE_NO},
    [SCN_OP_TAKE_PEER] = {12, E_, RULE_REQ, RULE_REQ},
    [SCN_OP_DUP] = {16, E_, RULE_REQ, RULE_REQ},
    [SCN_OP_INVOKE] = {76, E_ | X_, RULE_REQ, RULE_NO},
    [SCN_OP_WAIT] = {24, E_ | T_, RULE_REQ, RULE_NO},
    [SCN_OP_POLL] = {0, E_ | T_, RULE_NO, RULE_OPT},
    [SCN_OP_SEEK] = {24, E_, RULE_REQ, RULE_NO},
    [SCN_OP_TELL] = {20, E_ | X_, RULE_REQ, RULE_NO},
    [SCN_OP_COMPUTE] = {20, E_, RULE_NO, RULE_NO},
    [SCN_OP_SLEEP] = {20, E_, RULE_NO, RULE_NO},
    [SCN_OP_YIELD] = {12, E_, RULE_NO, RULE_NO},
    [SCN_OP_PRINT] = {20, E_, RULE_NO, RULE_NO},
    [SCN_OP_REPEAT] = {20, 0, RULE_NO, RULE_NO},
    [SCN_OP_SPAWN] = {24, E_, RULE_NO, RULE_NO},
    [SCN_OP_EXPECT] = {32, 0, RULE_NO, RULE_NO},
    [SCN_OP_EXIT] = {16, 0, RULE_NO, RULE_NO},
    [SCN_OP_RUN] = {20, E_, RULE_NO, RULE_NO},
    [SCN_OP_READDIR] = {20, E_ | X_, RULE_REQ, RULE_NO},
    [SCN_OP_SYSCALL] = {96, X_, RULE_NO, RULE_NO},
    [SCN_OP_THREAD] = {20, 0, RULE_NO, RULE_NO},
    [SCN_OP_SPAWN_TASK] = {32, E_, RULE_NO, RULE_REQ},
    [SCN_OP_TASK_STATUS] = {36, E_ | X_, RULE_REQ, RULE_NO},
    [SCN_OP_TASK_CHILDREN] = {32, E_ | X_, RULE_REQ, RULE_NO},
};
#undef E_
#undef T_
#undef X_

#define POLL_FIXED 28u

uint32_t scn_insn_base_size(unsigned op)
{
    return op < SCN_OP_COUNT ? op_rules[op].size : 0;
}

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
    s->off = rd32(p);
    s->len = rd32(p + 4);
    if (!present)
        return (s->off | s->len) != 0 ? "unused string operand is not zero" : NULL;
    if (s->len > max)
        return "string operand too long";
    if (s->off > strtab_len || s->len > strtab_len - s->off)
        return "string operand outside the string table";
    return NULL;
}

static const char *dec_timeout(const uint8_t *p, struct scn_insn *in)
{
    in->ns = rd64(p);
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
        in->arg = rd32(p + 20);
        if ((in->arg & ~(uint32_t)(TW_O_NONBLOCK | TW_O_THREAD_LOCAL | TW_O_CREATE | TW_O_TRUNC)) !=
            0)
            return "bad open flags";
        why = dec_str(p + 12, stl, SCN_MAX_URL, true, &in->str);
        return why != NULL ? why : in->str.len == 0 ? "empty URL" : NULL;
    case SCN_OP_READ:
        in->arg = rd32(p + 12);
        if (in->arg == 0 || in->arg > SCN_MAX_DATA)
            return "read length out of range";
        why = dec_str(p + 16, stl, in->arg, (in->flags & SCN_F_EXPECT) != 0, &in->str);
        return why != NULL ? why : dec_timeout(p + 24, in);
    case SCN_OP_WRITE:
        return dec_str(p + 12, stl, SCN_MAX_DATA, true, &in->str);
    case SCN_OP_PRINT:
        return dec_str(p + 12, stl, SCN_MAX_PRINT, true, &in->str);
    case SCN_OP_SEND_HANDLES:
    case SCN_OP_RECV_HANDLES:
        in->n = rd32(p + 20);
        if (in->n == 0 || in->n > SCN_MAX_XFER)
            return "handle count out of range";
        why = dec_slots(p + 24, SCN_MAX_XFER, in, false);
        if (why != NULL)
            return why;
        bool present = in->op == SCN_OP_SEND_HANDLES || (in->flags & SCN_F_EXPECT) != 0;
        return dec_str(p + 12, stl, SCN_MAX_DATA, present, &in->str);
    default:
        K_ASSERT(false);
        return "?";
    }
}

static const char *dec_invoke(const uint8_t *p, struct scn_insn *in)
{
    in->arg = rd32(p + 12);
    in->index = rd32(p + 16);
    const struct tw_op *d = tw_op_find(in->arg);
    if (d == NULL || !tw_op_scriptable(d))
        return "unknown invoke operation";
    if (in->index > tw_op_count_args(d, TW_ARG_INT))
        return "too many invoke arguments";
    for (uint32_t i = 0; i < SCN_MAX_ARGS; i++) {
        in->args[i] = (int64_t)rd64(p + 20 + 8 * i);
        if (i >= in->index && in->args[i] != 0)
            return "unused invoke argument is not zero";
    }
    in->value = (int64_t)rd64(p + 52);
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
    if (why == NULL)
        why = dec_str(p + 60, stl, SCN_MAX_DATA, true, &in->str); /* empty: no data */
    if (why == NULL)
        why = dec_str(p + 68, stl, SCN_MAX_DATA, true, &in->str2); /* empty: none */
    if (why != NULL)
        return why;
    uint32_t nbuf = tw_op_count_args(tw_op_find(in->arg), TW_ARG_IN);
    if ((in->str.len > 0 && nbuf < 1) || (in->str2.len > 0 && nbuf < 2))
        return "invoke data for an operation without that buffer";
    return NULL;
}

static const char *dec_wait_poll(const uint8_t *p, struct scn_insn *in)
{
    in->arg = rd32(p + 12);
    if (in->arg == 0 || (in->arg & ~(uint32_t)TW_SIG_ALL) != 0)
        return "bad signal mask";
    const char *why = dec_timeout(p + 16, in);
    if (why != NULL || in->op == SCN_OP_WAIT)
        return why;
    /* poll: n was read and the size checked by the caller */
    why = dec_slots(p + POLL_FIXED, in->n, in, true);
    for (uint32_t i = POLL_FIXED + in->n; why == NULL && i < in->size; i++) {
        if (p[i] != 0)
            why = "nonzero padding";
    }
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
 * syscall: 12 u64 number, 20 u8 kinds[6], 26 u8 store, 27 zero, 28 i64 args[6], 76 i64
 * expected result, 84 i32 store offset, 88 str stored bytes as hex (checked as hex by
 * dec_in_script, which sees the string table).
 */
static const char *dec_syscall(const uint8_t *p, uint32_t stl, struct scn_insn *in)
{
    in->nr = rd64(p + 12);
    for (uint32_t i = 0; i < SCN_SYS_ARGS; i++) {
        in->kinds[i] = p[20 + i];
        in->sys_args[i] = (int64_t)rd64(p + 28 + 8 * i);
        const char *why = dec_sys_arg(in->kinds[i], in->sys_args[i]);
        if (why != NULL)
            return why;
    }
    in->store = p[26];
    if (p[27] != 0)
        return "nonzero padding";
    in->value = (int64_t)rd64(p + 76);
    if ((in->flags & SCN_F_EXPECT) == 0 && in->value != 0)
        return "expected value without its flag";
    in->store_off = (int32_t)rd32(p + 84);
    const char *why =
        dec_str(p + 88, stl, 2 * SCN_MAX_STORE, in->store != SCN_STORE_NONE, &in->str);
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

/*
 * The task steps. spawn_task: 12 str command line, 20 u32 handles, 24 u8 slots[8].
 * task_status: 12 u32 SCN_ST_* fields, 16 u8 state, 17 u8 end, 18 u16 zero, 20 i32 code,
 * 24 u32 children, 28 u32 adopted, 32 u32 zero; a field not checked is zero.
 * task_children: 12 i64 expected count, 20 u32 handles to bind, 24 u8 slots[8].
 */
static const char *dec_task(const uint8_t *p, uint32_t stl, struct scn_insn *in)
{
    if (in->op == SCN_OP_TASK_STATUS) {
        in->arg = rd32(p + 12);
        in->index = p[16];
        in->n = p[17];
        in->value = (int32_t)rd32(p + 20);
        in->args[0] = rd32(p + 24);
        in->args[1] = rd32(p + 28);
        uint32_t f = in->arg;
        if ((f & ~SCN_ST_ALL) != 0 || (f & SCN_ST_PARENT_NONE & (f >> 1)) != 0)
            return "bad task status fields";
        if (((in->flags & SCN_F_EXPECT) != 0) != (f != 0))
            return "task status fields without the expect flag";
        if ((rd16(p + 18) | rd32(p + 32)) != 0 || ((f & SCN_ST_STATE) == 0 && in->index != 0) ||
            ((f & SCN_ST_END) == 0 && in->n != 0) || ((f & SCN_ST_CODE) == 0 && in->value != 0) ||
            ((f & SCN_ST_CHILDREN) == 0 && in->args[0] != 0) ||
            ((f & SCN_ST_ADOPTED) == 0 && in->args[1] != 0))
            return "unused task status field is not zero";
        return in->index > TW_TASK_EXITED || in->n > TW_TASK_END_CRASHED
                   ? "task state or end out of range"
                   : NULL;
    }
    in->n = rd32(p + 20);
    if (in->n > SCN_MAX_TASK_HANDLES)
        return "handle count out of range";
    const char *why = dec_slots(p + 24, SCN_MAX_TASK_HANDLES, in, false);
    if (why != NULL)
        return why;
    if (in->op == SCN_OP_SPAWN_TASK) {
        why = dec_str(p + 12, stl, SCN_MAX_PRINT, true, &in->str);
        return why != NULL ? why : in->str.len == 0 ? "empty command line" : NULL;
    }
    in->value = (int64_t)rd64(p + 12);
    if ((in->flags & SCN_F_EXPECT) == 0 && in->value != 0)
        return "expected value without its flag";
    return in->value < 0 || in->value > UINT32_MAX ? "expected count out of range" : NULL;
}

/* Operands of the control and value ops. */
static const char *dec_misc(const uint8_t *p, uint32_t stl, struct scn_insn *in)
{
    switch (in->op) {
    case SCN_OP_DUP:
        in->arg = rd32(p + 12);
        return (in->arg & ~(uint32_t)TW_RIGHTS_ALL) != 0 && in->arg != TW_RIGHTS_SAME
                   ? "bad rights mask"
                   : NULL;
    case SCN_OP_SEEK:
        in->arg = rd32(p + 12);
        in->value = (int64_t)rd64(p + 16);
        return in->arg > TW_SEEK_END ? "bad seek whence" : NULL;
    case SCN_OP_TELL:
        in->value = (int64_t)rd64(p + 12);
        return (in->flags & SCN_F_EXPECT) == 0 && in->value != 0 ? "expected value without flag"
                                                                 : NULL;
    case SCN_OP_COMPUTE:
    case SCN_OP_SLEEP:
        in->ns = rd64(p + 12);
        return in->ns > SCN_MAX_NS ? "time out of range" : NULL;
    case SCN_OP_REPEAT:
        in->arg = rd32(p + 12);
        in->body_len = rd32(p + 16);
        return in->arg == 0 || in->arg > SCN_MAX_REPEAT ? "repeat count out of range" : NULL;
    case SCN_OP_SPAWN:
        in->arg = rd32(p + 12);
        in->index = rd32(p + 16);
        in->body_len = rd32(p + 20);
        return in->arg > SCN_MAX_PRIORITY ? "spawn priority out of range" : NULL;
    case SCN_OP_EXPECT:
        in->arg = rd32(p + 12);
        in->ns = rd64(p + 16);
        if (in->arg > SCN_EXP_LAST)
            return "unknown expect kind";
        if (in->arg == SCN_EXP_LAST)
            return in->ns != 0 ? "unused time is not zero"
                               : dec_str(p + 24, stl, SCN_MAX_DATA, true, &in->str);
        return in->ns > SCN_MAX_NS ? "time out of range" : dec_str(p + 24, stl, 0, false, &in->str);
    case SCN_OP_EXIT:
        in->value = (int32_t)rd32(p + 12);
        return in->value < SCN_EXIT_MIN ? "exit code out of range" : NULL;
    case SCN_OP_RUN:
        return dec_str(p + 12, stl, SCN_MAX_PRINT, true, &in->str);
    case SCN_OP_READDIR:
        return dec_str(p + 12, stl, SCN_MAX_LISTING, (in->flags & SCN_F_EXPECT) != 0, &in->str);
    case SCN_OP_SYSCALL:
        return dec_syscall(p, stl, in);
    case SCN_OP_THREAD:
        in->arg = rd32(p + 12);
        in->body_len = rd32(p + 16);
        return in->arg >= SCN_MAX_THREADS ? "thread number out of range" : NULL;
    case SCN_OP_SPAWN_TASK:
    case SCN_OP_TASK_STATUS:
    case SCN_OP_TASK_CHILDREN:
        return dec_task(p, stl, in);
    default:
        return NULL; /* close, take_peer, yield: the header is everything */
    }
}

/* The 12-byte header: opcode, flags, size, slots, expected error. */
static const char *dec_header(const uint8_t *p, size_t avail, struct scn_insn *in)
{
    if (avail < SCN_INSN_HDR)
        return "truncated instruction";
    in->op = p[SCN_I_OP];
    if (in->op == 0 || in->op >= SCN_OP_COUNT)
        return "unknown opcode";
    const struct op_rule *r = &op_rules[in->op];
    in->flags = p[SCN_I_FLAGS];
    in->step = rd16(p + SCN_I_STEP);
    in->size = rd16(p + SCN_I_SIZE);
    in->slot = p[SCN_I_SLOT];
    in->as = p[SCN_I_AS];
    in->expect_err = (int8_t)p[SCN_I_ERR];
    if ((in->flags & ~r->flags) != 0)
        return "flag not allowed for this opcode";
    if ((p[9] | p[10] | p[11]) != 0)
        return "nonzero padding";
    bool slot_ok = r->slot == RULE_NO ? in->slot == SCN_SLOT_NONE
                                      : in->slot < SCN_MAX_SLOTS || in->slot == SCN_SLOT_SELF;
    if (!slot_ok)
        return "bad handle slot";
    bool as_ok = r->as == RULE_NO         ? in->as == SCN_SLOT_NONE
                 : in->as < SCN_MAX_SLOTS ? true
                                          : r->as == RULE_OPT && in->as == SCN_SLOT_NONE;
    if (!as_ok)
        return "bad result slot";
    if ((in->flags & SCN_F_EXPECT_ERR) == 0)
        return in->expect_err != 0 ? "expected error without its flag" : NULL;
    return in->expect_err >= TW_ERR_MIN && in->expect_err < 0 ? NULL : "bad expected error";
}

static const char *dec_size(const uint8_t *p, size_t avail, struct scn_insn *in)
{
    uint32_t want = op_rules[in->op].size;
    if (in->op == SCN_OP_POLL) {
        if (avail < POLL_FIXED)
            return "truncated instruction";
        in->n = rd32(p + 24);
        if (in->n == 0 || in->n > SCN_MAX_POLL)
            return "poll count out of range";
        want = POLL_FIXED + K_ALIGN_UP(in->n, 4u);
    }
    if (in->size != want)
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
};

static int dec_fail(struct dec *d, uint64_t off, const char *why)
{
    if (d->err != NULL) {
        d->err->offset = off > UINT32_MAX ? UINT32_MAX : (uint32_t)off;
        k_snprintf(d->err->msg, sizeof(d->err->msg), "%s", why);
    }
    return TW_E_INVAL;
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
    c->seed = rd64(b + SCN_H_SEED);
    c->quantum_ns = rd64(b + SCN_H_QUANTUM);
    c->max_time_ns = rd64(b + SCN_H_MAX_TIME);
    c->cost_syscall_ns = rd32(b + SCN_H_COST_SYSCALL);
    c->cost_switch_ns = rd32(b + SCN_H_COST_SWITCH);
    c->cost_byte_ps = rd32(b + SCN_H_COST_BYTE);
    c->pool_pages = rd32(b + SCN_H_POOL_PAGES);
    c->policy = b[SCN_H_POLICY];
    c->mode = b[SCN_H_MODE];
    if (c->quantum_ns == 0 || c->quantum_ns > SCN_MAX_NS)
        return dec_fail(d, SCN_H_QUANTUM, "quantum out of range");
    if (c->max_time_ns == 0 || c->max_time_ns > SCN_MAX_NS)
        return dec_fail(d, SCN_H_MAX_TIME, "max time out of range");
    if (c->pool_pages == 0)
        return dec_fail(d, SCN_H_POOL_PAGES, "empty page pool");
    if (c->policy > SCN_POLICY_RANDOM)
        return dec_fail(d, SCN_H_POLICY, "unknown policy");
    if (c->mode > SCN_MODE_REALTIME)
        return dec_fail(d, SCN_H_MODE, "unknown mode");
    if (rd16(b + SCN_H_MODE + 1) != 0)
        return dec_fail(d, SCN_H_MODE + 1, "nonzero padding");
    return 0;
}

/* Every section where the canonical layout puts it, inside the blob. */
static int dec_layout(struct dec *d, struct scn_view *v)
{
    const uint8_t *b = d->blob;
    uint64_t at = SCN_HDR_SIZE;
    v->ntasks = rd32(b + SCN_H_NTASKS);
    v->nfaults = rd32(b + SCN_H_NFAULTS);
    if (v->ntasks == 0 || v->ntasks > SCN_MAX_TASKS)
        return dec_fail(d, SCN_H_NTASKS, "task count out of range");
    if (v->nfaults > SCN_MAX_FAULTS)
        return dec_fail(d, SCN_H_NFAULTS, "fault count out of range");
    if (rd32(b + SCN_H_TASKS_OFF) != at)
        return dec_fail(d, SCN_H_TASKS_OFF, "task table misplaced");
    at += (uint64_t)v->ntasks * SCN_TASK_ENT_SIZE;
    if (rd32(b + SCN_H_FAULTS_OFF) != at)
        return dec_fail(d, SCN_H_FAULTS_OFF, "fault table misplaced");
    at += (uint64_t)v->nfaults * SCN_FAULT_ENT_SIZE;
    if (rd32(b + SCN_H_EXPECT_OFF) != at || at + SCN_EXPECT_FIXED > d->len)
        return dec_fail(d, SCN_H_EXPECT_OFF, "expect section misplaced");
    d->expect_off = (uint32_t)at;
    uint32_t nexit = rd32(b + at + 4), ncont = rd32(b + at + 8), nord = rd32(b + at + 12);
    if (nexit > v->ntasks || ncont > SCN_MAX_CONTAINS || nord > v->ntasks)
        return dec_fail(d, at + 4, "expect count out of range");
    at += SCN_EXPECT_FIXED + (uint64_t)nexit * SCN_EXIT_ENT_SIZE +
          (uint64_t)ncont * SCN_STR_REF_SIZE + (uint64_t)nord * 4;
    d->strtab_off = rd32(b + SCN_H_STRTAB_OFF);
    d->strtab_len = rd32(b + SCN_H_STRTAB_LEN);
    if (d->strtab_off != at || at + d->strtab_len > d->len)
        return dec_fail(d, SCN_H_STRTAB_OFF, "string table misplaced");
    at += d->strtab_len;
    d->code_off = rd32(b + SCN_H_CODE_OFF);
    d->code_len = rd32(b + SCN_H_CODE_LEN);
    if (d->code_off != at || at + d->code_len != d->len)
        return dec_fail(d, SCN_H_CODE_OFF, "code section misplaced");
    return 0;
}

static int dec_header_all(struct dec *d, struct scn_view *v)
{
    const uint8_t *b = d->blob;
    if (rd64(b + SCN_H_MAGIC) != SCN_MAGIC)
        return dec_fail(d, SCN_H_MAGIC, "bad magic");
    if (rd16(b + SCN_H_VERSION) != SCN_VERSION)
        return dec_fail(d, SCN_H_VERSION, "unsupported version");
    if (rd16(b + SCN_H_HDR_SIZE) != SCN_HDR_SIZE)
        return dec_fail(d, SCN_H_HDR_SIZE, "bad header size");
    if (rd32(b + SCN_H_TOTAL) != d->len)
        return dec_fail(d, SCN_H_TOTAL, "length does not match the blob");
    int rc = dec_layout(d, v);
    if (rc == 0)
        rc = dec_config(d, v);
    if (rc == 0)
        rc = dec_text_ref(d, SCN_H_NAME, 1, SCN_MAX_SCN_NAME, &v->name, &v->name_len);
    return rc;
}

static int dec_tasks(struct dec *d, struct scn_view *v)
{
    uint32_t code_at = 0;
    for (uint32_t i = 0; i < v->ntasks; i++) {
        uint32_t e = SCN_HDR_SIZE + i * SCN_TASK_ENT_SIZE;
        struct scn_task *t = &v->tasks[i];
        int rc = dec_text_ref(d, e, 1, SCN_MAX_NAME - 1, &t->name, &t->name_len);
        if (rc != 0)
            return rc;
        if (!scn_name_ok((const uint8_t *)t->name, t->name_len))
            return dec_fail(d, e, "bad task name");
        for (uint32_t j = 0; j < i; j++) {
            if (v->tasks[j].name_len == t->name_len &&
                k_memcmp(v->tasks[j].name, t->name, t->name_len) == 0)
                return dec_fail(d, e, "duplicate task name");
        }
        uint32_t prio = rd32(d->blob + e + 8);
        if (prio > SCN_MAX_PRIORITY)
            return dec_fail(d, e + 8, "task priority out of range");
        t->priority = (int32_t)prio;
        if (rd32(d->blob + e + 12) != code_at)
            return dec_fail(d, e + 12, "task code misplaced");
        t->code_len = rd32(d->blob + e + 16);
        if (t->code_len > d->code_len - code_at)
            return dec_fail(d, e + 16, "task code overruns the code section");
        t->code_off = d->code_off + code_at;
        code_at += t->code_len;
        if (rd32(d->blob + e + 20) > SCN_MAX_STEPS)
            return dec_fail(d, e + 20, "too many steps");
        t->flags = d->blob[e + 28];
        t->nthreads = d->blob[e + 29];
        t->boot_threads = d->blob[e + 30];
        if ((t->flags & ~SCN_TASK_RAW_MEMORY) != 0 || d->blob[e + 31] != 0)
            return dec_fail(d, e + 28, "unknown task flags");
        if (t->nthreads > SCN_MAX_THREADS)
            return dec_fail(d, e + 29, "too many threads");
        if (t->nthreads == 0 ? t->boot_threads != 0
                             : t->boot_threads == 0 || t->boot_threads > t->nthreads)
            return dec_fail(d, e + 30, "boot thread count out of range");
    }
    return code_at == d->code_len ? 0 : dec_fail(d, SCN_H_CODE_LEN, "code not covered by tasks");
}

static int dec_faults(struct dec *d, struct scn_view *v)
{
    for (uint32_t i = 0; i < v->nfaults; i++) {
        uint32_t e = rd32(d->blob + SCN_H_FAULTS_OFF) + i * SCN_FAULT_ENT_SIZE;
        struct scn_fault *f = &v->faults[i];
        f->at_ns = rd64(d->blob + e);
        f->kind = rd32(d->blob + e + 8);
        f->task = rd32(d->blob + e + 12);
        if (f->at_ns > SCN_MAX_NS)
            return dec_fail(d, e, "fault time out of range");
        if (f->kind != SCN_FAULT_KILL)
            return dec_fail(d, e + 8, "unknown fault kind");
        if (f->task >= v->ntasks)
            return dec_fail(d, e + 12, "fault names no task");
    }
    return 0;
}

/* A task index at off that must be in range and not yet in seen (a bitmask over tasks). */
static int dec_task_ref(struct dec *d, const struct scn_view *v, uint32_t off, uint64_t *seen,
                        uint32_t *task)
{
    *task = rd32(d->blob + off);
    if (*task >= v->ntasks)
        return dec_fail(d, off, "expectation names no task");
    if ((*seen & (1ull << *task)) != 0)
        return dec_fail(d, off, "task named twice in an expectation");
    *seen |= 1ull << *task;
    return 0;
}

static int dec_expect(struct dec *d, struct scn_view *v)
{
    K_STATIC_ASSERT(SCN_MAX_TASKS <= 64, "seen masks are 64 bits");
    const uint8_t *b = d->blob + d->expect_off;
    struct scn_expect *x = &v->expect;
    uint32_t flags = rd32(b);
    x->nexit = rd32(b + 4);
    x->ncontains = rd32(b + 8);
    x->norder = rd32(b + 12);
    x->max_time_ns = rd64(b + 16);
    x->min_time_ns = rd64(b + 24);
    x->no_deadlock = (flags & SCN_EXPECT_NO_DEADLOCK) != 0;
    if ((flags & ~SCN_EXPECT_NO_DEADLOCK) != 0)
        return dec_fail(d, d->expect_off, "unknown expect flags");
    if (x->max_time_ns > SCN_MAX_NS || x->min_time_ns > SCN_MAX_NS ||
        (x->max_time_ns != 0 && x->min_time_ns > x->max_time_ns))
        return dec_fail(d, d->expect_off + 16, "expected time bounds out of range");
    uint32_t at = d->expect_off + SCN_EXPECT_FIXED;
    uint64_t seen = 0;
    for (uint32_t i = 0; i < x->nexit; i++, at += SCN_EXIT_ENT_SIZE) {
        if (dec_task_ref(d, v, at, &seen, &x->exit[i].task) != 0)
            return TW_E_INVAL;
        x->exit[i].status = (int32_t)rd32(d->blob + at + 4);
        if (x->exit[i].status < SCN_EXIT_MIN && x->exit[i].status != TW_EXIT_KILLED)
            return dec_fail(d, at + 4, "expected exit status out of range");
    }
    for (uint32_t i = 0; i < x->ncontains; i++, at += SCN_STR_REF_SIZE) {
        if (dec_text_ref(d, at, 1, SCN_MAX_TEXT, &x->contains[i].text, &x->contains[i].len) != 0)
            return TW_E_INVAL;
    }
    seen = 0;
    for (uint32_t i = 0; i < x->norder; i++, at += 4) {
        if (dec_task_ref(d, v, at, &seen, &x->order[i]) != 0)
            return TW_E_INVAL;
    }
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
            return dec_fail(d, pc + 28 + 8 * i, "the task has no such thread");
    }
    if (!hex_ok(d->blob + d->strtab_off + in->str.off, in->str.len))
        return dec_fail(d, pc + 88, "stored bytes are not lower-case hex");
    return 0;
}

/* Per-instruction checks that need the script around it: step ids, spawn indexes, text. */
static int dec_in_script(struct dec *d, uint32_t pc, const struct scn_insn *in, uint32_t *step,
                         uint32_t *spawn)
{
    if (in->step != *step)
        return dec_fail(d, pc + SCN_I_STEP, "step ids out of order");
    (*step)++;
    if (in->op == SCN_OP_SPAWN && in->index != (*spawn)++)
        return dec_fail(d, pc + 16, "spawn indexes out of order");
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
        return dec_fail(d, pc + 12, "thread numbers out of order");
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
    if (rd32(d->blob + e + 20) != step)
        return dec_fail(d, e + 20, "step count does not match the script");
    if (rd32(d->blob + e + 24) != spawn)
        return dec_fail(d, e + 24, "spawn count does not match the script");
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
    *len = rd32(v->blob + SCN_H_STRTAB_LEN);
    return v->blob + rd32(v->blob + SCN_H_STRTAB_OFF);
}

void scn_task_counts(const struct scn_view *v, uint32_t task, uint32_t *nsteps, uint32_t *nspawn)
{
    K_ASSERT(v != NULL && v->blob != NULL && task < v->ntasks);
    const uint8_t *e = v->blob + SCN_HDR_SIZE + task * SCN_TASK_ENT_SIZE;
    *nsteps = rd32(e + 20);
    *nspawn = rd32(e + 24);
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
