/* SPDX-License-Identifier: MIT */
/*
 * user/scenario_layout.c - the description of the compiled scenario's layout
 * (user/scenario_layout.h): every record's fields with their offsets, every opcode's
 * record, flags and slot rules (what the decoder enforces), and the format's limits tied
 * to the kernel's, each relation asserted here. `twain layout --markdown` prints them as
 * docs/scenario-format.md's tables. Freestanding, read-only data.
 */
#include "scenario_layout.h"

#include "../core/abi.h"
#include "../core/limits.h"
#include "scenario_bc.h"

/* ---- records ---- */

#define FIELD_(rec, fname, ftype, fcount, fdoc)                                                    \
    {.name = #fname,                                                                               \
     .type = #ftype,                                                                               \
     .off = SCN_AT(rec, fname),                                                                    \
     .width = SCN_WIDTH(rec, fname),                                                               \
     .count = SCN_COUNT(rec, fname),                                                               \
     .doc = fdoc},
/* Each record's fields, then an all-zero entry (an opcode may have no fields of its own). */
#define FIELDS_(rec, size)                                                                         \
    static const struct scn_field fields_##rec[] = {SCN_FIELDS_##rec(FIELD_, rec){0}};
SCN_RECORDS(FIELDS_)
SCN_OP_RECORDS(FIELDS_)

#define RECORD_(rec)                                                                               \
    {                                                                                              \
        .name = #rec, .size = SCN_SIZEOF(rec), .fields = fields_##rec,                             \
        .nfields = sizeof(fields_##rec) / sizeof(fields_##rec[0]) - 1                              \
    }
#define RECORD_ENTRY_(rec, size) RECORD_(rec),
const struct scn_record scn_records[] = {SCN_RECORDS(RECORD_ENTRY_)};
const uint32_t scn_nrecords = sizeof(scn_records) / sizeof(scn_records[0]);

/* ---- opcodes ---- */

#define E_ SCN_F_EXPECT_ERR
#define T_ SCN_F_TIMEOUT
#define X_ SCN_F_EXPECT
/* An opcode: its record (its name is the step's), the flags it allows, its slot rules. */
#define OP_(r, fl, sl, a)                                                                          \
    {                                                                                              \
        .name = #r, .rec = RECORD_(r), .flags = (fl), .slot = SCN_RULE_##sl, .as = SCN_RULE_##a    \
    }
static const struct scn_op_desc ops[SCN_OP_COUNT] = {
    [SCN_OP_OPEN] = OP_(open, E_, NO, REQ),
    [SCN_OP_CLOSE] = OP_(close, E_, REQ, NO),
    [SCN_OP_READ] = OP_(read, E_ | T_ | X_, REQ, NO),
    [SCN_OP_WRITE] = OP_(write, E_, REQ, NO),
    [SCN_OP_SEND_HANDLES] = OP_(send_handles, E_, REQ, NO),
    [SCN_OP_RECV_HANDLES] = OP_(recv_handles, E_ | X_, REQ, NO),
    [SCN_OP_TAKE_PEER] = OP_(take_peer, E_, REQ, REQ),
    [SCN_OP_DUP] = OP_(dup, E_, REQ, REQ),
    [SCN_OP_INVOKE] = OP_(invoke, E_ | X_, REQ, NO),
    [SCN_OP_WAIT] = OP_(wait, E_ | T_, REQ, NO),
    [SCN_OP_POLL] = OP_(poll, E_ | T_, NO, OPT),
    [SCN_OP_SEEK] = OP_(seek, E_, REQ, NO),
    [SCN_OP_TELL] = OP_(tell, E_ | X_, REQ, NO),
    [SCN_OP_COMPUTE] = OP_(compute, E_, NO, NO),
    [SCN_OP_SLEEP] = OP_(sleep, E_, NO, NO),
    [SCN_OP_YIELD] = OP_(yield, E_, NO, NO),
    [SCN_OP_PRINT] = OP_(print, E_, NO, NO),
    [SCN_OP_REPEAT] = OP_(repeat, 0, NO, NO),
    [SCN_OP_SPAWN] = OP_(spawn, E_, NO, NO),
    [SCN_OP_EXPECT] = OP_(expect, 0, NO, NO),
    [SCN_OP_EXIT] = OP_(exit, 0, NO, NO),
    [SCN_OP_RUN] = OP_(run, E_, NO, NO),
    [SCN_OP_READDIR] = OP_(readdir, E_ | X_, REQ, NO),
    [SCN_OP_SYSCALL] = OP_(syscall, X_, NO, NO),
    [SCN_OP_THREAD] = OP_(thread, 0, NO, NO),
    [SCN_OP_SPAWN_TASK] = OP_(spawn_task, E_, NO, REQ),
    [SCN_OP_TASK_STATUS] = OP_(task_status, E_ | X_, REQ, NO),
    [SCN_OP_TASK_CHILDREN] = OP_(task_children, E_ | X_, REQ, NO),
};
#undef E_
#undef T_
#undef X_

const struct scn_op_desc *scn_op_desc(unsigned op)
{
    return op > 0 && op < SCN_OP_COUNT ? &ops[op] : NULL;
}

const char *scn_op_name(unsigned op)
{
    const struct scn_op_desc *d = scn_op_desc(op);
    return d != NULL ? d->name : "?";
}

uint32_t scn_insn_size(unsigned op, uint32_t n)
{
    const struct scn_op_desc *d = scn_op_desc(op);
    if (d == NULL)
        return 0;
    return op == SCN_OP_POLL ? SCN_POLL_SIZE(n) : d->rec.size;
}

/* ---- limits tied to the kernel's ---- */

#define LIMIT_ASSERT_(lim, relation, klim, why)                                                    \
    _Static_assert((lim)relation(klim), #lim " " #relation " " #klim);
SCN_KERNEL_LIMITS(LIMIT_ASSERT_)

#define LIMIT_ROW_(lim, relation, klim, why)                                                       \
    {.name = #lim,                                                                                 \
     .value = (uint64_t)(lim),                                                                     \
     .rel = #relation,                                                                             \
     .kernel = #klim,                                                                              \
     .kernel_value = (uint64_t)(klim),                                                             \
     .doc = why},
const struct scn_limit scn_limits[] = {SCN_KERNEL_LIMITS(LIMIT_ROW_)};
const uint32_t scn_nlimits = sizeof(scn_limits) / sizeof(scn_limits[0]);

/* ---- limits against the fields that carry them ---- */

_Static_assert(SCN_MAX_STEPS < 1ull << (8 * SCN_WIDTH(insn, step)), "step ids fit their field");
_Static_assert(SCN_POLL_SIZE(SCN_MAX_POLL) < 1ull << (8 * SCN_WIDTH(insn, size)),
               "every instruction's size fits its field");
_Static_assert(SCN_MAX_THREADS < 1ull << (8 * SCN_WIDTH(task, nthreads)),
               "a task's thread count fits its field");
_Static_assert(SCN_COUNT(send_handles, slots) == SCN_MAX_XFER &&
                   SCN_COUNT(recv_handles, slots) == SCN_MAX_XFER,
               "send/recv carry a slot for every handle a message moves");
_Static_assert(SCN_COUNT(invoke, args) == SCN_MAX_ARGS, "invoke carries every integer argument");
_Static_assert(SCN_COUNT(syscall, args) == SCN_SYS_ARGS &&
                   SCN_COUNT(syscall, kinds) == SCN_SYS_ARGS,
               "syscall carries every argument of a system call");
