/* SPDX-License-Identifier: MIT */
/*
 * user/scenario_layout.h - the byte layout of a compiled scenario, written once.
 *
 * Every record of the blob (the header, a task entry, a fault entry, the expect section's
 * fixed part and its entries, a string reference, the instruction header and each opcode's
 * operands) is a list of fields in order: F(record, name, type, count, doc), count
 * elements of a type whose width is SCN_W_<type>. From each list come
 *   - a record type, struct scn_rec_<record>, of byte arrays only: its members sit at the
 *     fields' offsets, so the offsets are computed from the widths (SCN_AT, SCN_SIZEOF);
 *   - the accessors the encoder (sim-harness/scenario_steps.c, scenario_compile.c) writes
 *     fields with and the decoder (user/scenario_decode.c) reads them with, by name
 *     (SCN_PUT, SCN_GET), the width taken from the record;
 *   - the description user/scenario_layout.c keeps for `twain layout --markdown`, which
 *     prints the tables of docs/scenario-format.md (tools/check-layout-doc compares them).
 * Each record's size is asserted below: a change to a list that moves a byte fails the
 * build until the format's version and sizes are changed with it. Freestanding.
 */
#ifndef TWAIN_USER_SCENARIO_LAYOUT_H
#define TWAIN_USER_SCENARIO_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes of one element of each field type: little-endian integers, str a string reference. */
#define SCN_W_u8   1
#define SCN_W_i8   1
#define SCN_W_u16  2
#define SCN_W_u32  4
#define SCN_W_i32  4
#define SCN_W_u64  8
#define SCN_W_i64  8
#define SCN_W_str  8 /* struct scn_rec_str */
#define SCN_W_zero 1 /* padding: every byte zero */

/* ---- the blob's records ------------------------------------------------------------- */

#define SCN_FIELDS_header(F, r)                                                                    \
    F(r, magic, u64, 1, "`SCN_MAGIC` = 0x4353575475 (bytes `75 54 57 53 43 00 00 00`, \"uTWSC\")") \
    F(r, version, u16, 1,                                                                          \
      "`SCN_VERSION` = 4 (the decoder also takes 3, whose fault entries were 16 bytes, the "       \
      "first three fields, kill only; the task opcodes 26..28 came later within 3: an older "      \
      "decoder refuses them as unknown opcodes; 2 had no syscall and thread opcodes and a zero "   \
      "u32 at task entry offset 28; 1 had a 68-byte invoke without the second buffer, and no "     \
      "readdir)")                                                                                  \
    F(r, hdr_size, u16, 1, "the size of this header")                                              \
    F(r, total, u32, 1, "total length of the blob")                                                \
    F(r, name, str, 1, "scenario name (1..63 bytes)")                                              \
    F(r, seed, u64, 1, "seed (the harness may patch it: `scn_compiled_set_seed`)")                 \
    F(r, quantum, u64, 1, "quantum, ns (> 0)")                                                     \
    F(r, max_time, u64, 1, "max time, ns (> 0)")                                                   \
    F(r, cost_syscall, u32, 1, "cost per system call, ns")                                         \
    F(r, cost_switch, u32, 1, "cost per context switch, ns")                                       \
    F(r, cost_byte, u32, 1, "cost per byte copied, ps")                                            \
    F(r, pool_pages, u32, 1, "page pool, pages (> 0)")                                             \
    F(r, policy, u8, 1, "0 round-robin, 1 priority, 2 random")                                     \
    F(r, mode, u8, 1, "0 deterministic, 1 real time")                                              \
    F(r, pad, zero, 2, "")                                                                         \
    F(r, ntasks, u32, 1, "tasks (1..64)")                                                          \
    F(r, tasks_off, u32, 1, "task table offset (right after the header)")                          \
    F(r, nfaults, u32, 1, "faults (0..64)")                                                        \
    F(r, faults_off, u32, 1, "fault table offset")                                                 \
    F(r, expect_off, u32, 1, "expect section offset")                                              \
    F(r, strtab_off, u32, 1, "string table offset")                                                \
    F(r, strtab_len, u32, 1, "string table length")                                                \
    F(r, code_off, u32, 1, "code offset")                                                          \
    F(r, code_len, u32, 1, "code length (the code ends the blob)")

#define SCN_FIELDS_task(F, r)                                                                      \
    F(r, name, str, 1, "1..31 bytes of `A-Za-z0-9_-`, unique")                                     \
    F(r, priority, u32, 1, "0..31")                                                                \
    F(r, code_off, u32, 1,                                                                         \
      "script offset, relative to the code section: task i's script starts where task i-1's "      \
      "ends")                                                                                      \
    F(r, code_len, u32, 1, "script length (the scripts tile the code section exactly)")            \
    F(r, nsteps, u32, 1, "steps in the script (<= 65535)")                                         \
    F(r, nspawn, u32, 1, "spawn bodies in the script")                                             \
    F(r, flags, u8, 1, "bit 0 raw memory (needed by syscall instructions)")                        \
    F(r, nthreads, u8, 1,                                                                          \
      "0 for a script; else 1..16 and the code is that many `thread` instructions")                \
    F(r, boot_threads, u8, 1, "0 for a script; else 1..nthreads")                                  \
    F(r, pad, zero, 1, "")

#define SCN_FIELDS_fault(F, r)                                                                     \
    F(r, at_ns, u64, 1, "time, ns (a campaign: its window's start)")                               \
    F(r, kind, u32, 1, "1 kill, 3 kill_server, 4 campaign (TR_FAULT's kinds)")                     \
    F(r, task, u32, 1, "kill: the task index; else 0")                                             \
    F(r, target, str, 1,                                                                           \
      "kill_server: a port or scheme name (1..31 bytes of `A-Za-z0-9._~+-`); campaign: such "      \
      "names separated by one space (1..127 bytes), or `*`; kill: 0, 0")                           \
    F(r, to_ns, u64, 1,                                                                            \
      "campaign: its window's end, ns (> at_ns, at least count ns later); else 0")                 \
    F(r, count, u32, 1, "campaign: its kills (1..10^9); else 0")                                   \
    F(r, pad, zero, 4, "")

#define SCN_FIELDS_expect_fixed(F, r)                                                              \
    F(r, flags, u32, 1, "bit 0 no_deadlock, bit 1 a CPU share block follows")                      \
    F(r, nexit, u32, 1, "exit entries (<= ntasks)")                                                \
    F(r, ncontains, u32, 1, "console texts (<= 16)")                                               \
    F(r, norder, u32, 1, "order entries (<= ntasks)")                                              \
    F(r, max_ns, u64, 1, "max end time, ns (0: none)")                                             \
    F(r, min_ns, u64, 1, "min end time, ns (0: none; <= max when max is set)")

#define SCN_FIELDS_exit_entry(F, r)                                                                \
    F(r, task, u32, 1, "task index (each task once)")                                              \
    F(r, status, i32, 1, "-999.., or -1000 for killed")

#define SCN_FIELDS_order_entry(F, r) F(r, task, u32, 1, "task index (each task once)")

#define SCN_FIELDS_share_fixed(F, r)                                                               \
    F(r, from_ns, u64, 1, "the window's start, ns")                                                \
    F(r, to_ns, u64, 1, "the window's end, ns (> from_ns)")                                        \
    F(r, nshare, u32, 1, "share entries (1..ntasks)")                                              \
    F(r, pad, zero, 4, "")

#define SCN_FIELDS_share_entry(F, r)                                                               \
    F(r, task, u32, 1, "task index (each task once)")                                              \
    F(r, min_bp, u32, 1, "least share of the window, in basis points (0..10000)")                  \
    F(r, max_bp, u32, 1, "most share, basis points (min_bp..10000)")

#define SCN_FIELDS_str(F, r)                                                                       \
    F(r, off, u32, 1, "offset into the string table")                                              \
    F(r, len, u32, 1, "length in bytes")

/* Every instruction starts with this header; an opcode's record is the header, then its fields. */
#define SCN_FIELDS_insn(F, r)                                                                      \
    F(r, op, u8, 1, "opcode")                                                                      \
    F(r, flags, u8, 1,                                                                             \
      "1 `EXPECT_ERR`, 2 `TIMEOUT`, 4 `EXPECT` (each only where the opcode allows it)")            \
    F(r, step, u16, 1, "step id")                                                                  \
    F(r, size, u16, 1,                                                                             \
      "size in bytes, header included, body excluded (exactly the opcode's size)")                 \
    F(r, slot, u8, 1, "handle slot: 0..63, 0xfe `self`, 0xff none")                                \
    F(r, as, u8, 1, "result slot: 0..63, or 0xff none")                                            \
    F(r, err, i8, 1, "expected error (-1..-18, `TW_ERR_MIN`) with `EXPECT_ERR`, else 0")           \
    F(r, pad, zero, 3, "")

/* ---- each opcode's operands (X: with the EXPECT flag, T: with TIMEOUT) ------------------ */

#define SCN_FIELDS_open(F, r)                                                                      \
    F(r, url, str, 1, "1..1024 bytes")                                                             \
    F(r, oflags, u32, 1, "nonblock 1, thread_local 2, create 4, trunc 8")
#define SCN_FIELDS_close(F, r)
#define SCN_FIELDS_read(F, r)                                                                      \
    F(r, len, u32, 1, "1..256")                                                                    \
    F(r, expect, str, 1, "expected data, X; <= len")                                               \
    F(r, timeout, u64, 1, "ns, T")
#define SCN_FIELDS_write(F, r) F(r, data, str, 1, "<= 256 bytes")
#define SCN_FIELDS_send_handles(F, r)                                                              \
    F(r, data, str, 1, "<= 256 bytes")                                                             \
    F(r, n, u32, 1, "1..4")                                                                        \
    F(r, slots, u8, 4, "unused 0xff")
#define SCN_FIELDS_recv_handles(F, r)                                                              \
    F(r, expect, str, 1, "expected data, X")                                                       \
    F(r, n, u32, 1, "1..4")                                                                        \
    F(r, slots, u8, 4, "result slots; unused 0xff")
#define SCN_FIELDS_take_peer(F, r)
#define SCN_FIELDS_dup(F, r)                                                                       \
    F(r, rights, u32, 1,                                                                           \
      "bits of `TW_RIGHTS_ALL`, or `TW_RIGHTS_SAME` 0x80000000 alone: the rights held")
#define SCN_FIELDS_invoke(F, r)                                                                    \
    F(r, operation, u32, 1, "")                                                                    \
    F(r, nargs, u32, 1, "0..4")                                                                    \
    F(r, args, i64, 4, "")                                                                         \
    F(r, expect, i64, 1, "expected result, X")                                                     \
    F(r, data, str, 1,                                                                             \
      "empty: none; with data, nargs <= 2 and the call gets (data, len, args[0], args[1])")        \
    F(r, data2, str, 1,                                                                            \
      "empty: none; needs data and nargs = 0; the call gets (data, len, data2, len2)")
#define SCN_FIELDS_wait(F, r)                                                                      \
    F(r, signals, u32, 1, "non-zero")                                                              \
    F(r, timeout, u64, 1, "ns, T")
/* poll's fixed part; its slots follow (SCN_POLL_SLOTS_DOC, scn_insn_size). */
#define SCN_FIELDS_poll(F, r)                                                                      \
    F(r, signals, u32, 1, "non-zero")                                                              \
    F(r, timeout, u64, 1, "ns, T")                                                                 \
    F(r, n, u32, 1, "1..64")
#define SCN_FIELDS_seek(F, r)                                                                      \
    F(r, whence, u32, 1, "0..2")                                                                   \
    F(r, offset, i64, 1, "")
#define SCN_FIELDS_tell(F, r)    F(r, expect, i64, 1, "expected position, X")
#define SCN_FIELDS_compute(F, r) F(r, ns, u64, 1, "")
#define SCN_FIELDS_sleep(F, r)   F(r, ns, u64, 1, "")
#define SCN_FIELDS_yield(F, r)
#define SCN_FIELDS_print(F, r) F(r, text, str, 1, "<= 255 bytes")
#define SCN_FIELDS_repeat(F, r)                                                                    \
    F(r, count, u32, 1, "1..10^6")                                                                 \
    F(r, body_len, u32, 1, ">= 12")
#define SCN_FIELDS_spawn(F, r)                                                                     \
    F(r, priority, u32, 1, "0..31")                                                                \
    F(r, index, u32, 1, "the task's spawns in order")                                              \
    F(r, body_len, u32, 1, ">= 12")
#define SCN_FIELDS_expect(F, r)                                                                    \
    F(r, kind, u32, 1, "0 time <, 1 time >=, 2 last")                                              \
    F(r, ns, u64, 1, "time, kinds 0 and 1")                                                        \
    F(r, data, str, 1, "kind 2")
#define SCN_FIELDS_exit(F, r) F(r, code, i32, 1, ">= -999")
#define SCN_FIELDS_run(F, r)                                                                       \
    F(r, command, str, 1, "\"program\" or \"program args\", a name in user/programs.c")
#define SCN_FIELDS_readdir(F, r)                                                                   \
    F(r, expect, str, 1,                                                                           \
      "expected listing, X; <= 1024 bytes, \"name\\n\" per entry, \"name/\\n\" for a directory")
#define SCN_FIELDS_syscall(F, r)                                                                   \
    F(r, nr, u64, 1, "system call number")                                                         \
    F(r, kinds, u8, 6,                                                                             \
      "0 integer, 1 stack, 2 heap, 3 kernel data, 4 entry, 5 null, 6 entry argument: "             \
      "user/fuzzprog.h's values")                                                                  \
    F(r, store, u8, 1, "0 none, 1 stack, 2 heap")                                                  \
    F(r, pad, zero, 1, "")                                                                         \
    F(r, args, i64, 6, "the value, offset or thread number; 0 for kernel data and null")           \
    F(r, expect, i64, 1, "expected result, X")                                                     \
    F(r, store_off, i32, 1, "")                                                                    \
    F(r, hex, str, 1, "stored bytes as lower-case hex; empty without a store")
#define SCN_FIELDS_thread(F, r)                                                                    \
    F(r, number, u32, 1, "0, 1, ... in order")                                                     \
    F(r, body_len, u32, 1, "may be 0")

#define SCN_FIELDS_spawn_task(F, r)                                                                \
    F(r, command, str, 1,                                                                          \
      "\"program\" or \"program args\", 1..255 bytes, a name in user/programs.c")                  \
    F(r, n, u32, 1, "handles moved into the child, 0..8")                                          \
    F(r, slots, u8, 8, "the slots moved; unused 0xff")
#define SCN_FIELDS_task_status(F, r)                                                               \
    F(r, fields, u32, 1,                                                                           \
      "`SCN_ST_*` bits checked (non-zero exactly with X); a field not checked is 0")               \
    F(r, state, u8, 1, "enum tw_task_state, with `SCN_ST_STATE`")                                  \
    F(r, end, u8, 1, "enum tw_task_end, with `SCN_ST_END`")                                        \
    F(r, pad, zero, 2, "")                                                                         \
    F(r, code, i32, 1, "exit status, with `SCN_ST_CODE`")                                          \
    F(r, children, u32, 1, "living children, with `SCN_ST_CHILDREN`")                              \
    F(r, adopted, u32, 1, "children adopted, with `SCN_ST_ADOPTED`")                               \
    F(r, pad2, zero, 4, "")
#define SCN_FIELDS_task_children(F, r)                                                             \
    F(r, expect, i64, 1, "expected count of children, X; 0..2^32-1")                               \
    F(r, n, u32, 1, "handles to the first n children, 0..8")                                       \
    F(r, slots, u8, 8, "result slots; unused 0xff")

#define SCN_POLL_SLOTS_DOC "u8 slots[n] (0xfe allowed), zero padding to a multiple of 4"

/*
 * The records and their sizes in bytes, R(record, size): the string reference, the blob's
 * sections in order, the instruction header; then every opcode's record in opcode order
 * (poll: its fixed part).
 */
#define SCN_RECORDS(R)                                                                             \
    R(str, 8)                                                                                      \
    R(header, 104)                                                                                 \
    R(task, 32)                                                                                    \
    R(fault, 40)                                                                                   \
    R(expect_fixed, 32)                                                                            \
    R(exit_entry, 8)                                                                               \
    R(order_entry, 4)                                                                              \
    R(share_fixed, 24)                                                                             \
    R(share_entry, 12)                                                                             \
    R(insn, 12)
#define SCN_OP_RECORDS(R)                                                                          \
    R(open, 24)                                                                                    \
    R(close, 12)                                                                                   \
    R(read, 32)                                                                                    \
    R(write, 20)                                                                                   \
    R(send_handles, 28)                                                                            \
    R(recv_handles, 28)                                                                            \
    R(take_peer, 12)                                                                               \
    R(dup, 16)                                                                                     \
    R(invoke, 76)                                                                                  \
    R(wait, 24)                                                                                    \
    R(poll, 28)                                                                                    \
    R(seek, 24)                                                                                    \
    R(tell, 20)                                                                                    \
    R(compute, 20)                                                                                 \
    R(sleep, 20)                                                                                   \
    R(yield, 12)                                                                                   \
    R(print, 20)                                                                                   \
    R(repeat, 20)                                                                                  \
    R(spawn, 24)                                                                                   \
    R(expect, 32)                                                                                  \
    R(exit, 16)                                                                                    \
    R(run, 20)                                                                                     \
    R(readdir, 20)                                                                                 \
    R(syscall, 96)                                                                                 \
    R(thread, 20)                                                                                  \
    R(spawn_task, 32)                                                                              \
    R(task_status, 36)                                                                             \
    R(task_children, 32)

/* The record types: byte arrays only, so no padding, and each member at its field's offset. */
#define SCN_MEMBER_(r, name, type, count, doc) uint8_t name[count][SCN_W_##type];
#define SCN_RECORD_(rec, size)                                                                     \
    struct scn_rec_##rec {                                                                         \
        SCN_FIELDS_##rec(SCN_MEMBER_, rec)                                                         \
    };
#define SCN_OP_RECORD_(rec, size)                                                                  \
    struct scn_rec_##rec {                                                                         \
        uint8_t insn_[sizeof(struct scn_rec_insn)];                                                \
        SCN_FIELDS_##rec(SCN_MEMBER_, rec)                                                         \
    };
SCN_RECORDS(SCN_RECORD_)
SCN_OP_RECORDS(SCN_OP_RECORD_)

/* Every opcode's record at once: sizeof is the largest fixed-size instruction. */
#define SCN_ANY_MEMBER_(rec, size) struct scn_rec_##rec rec;
union scn_rec_any_op {
    SCN_OP_RECORDS(SCN_ANY_MEMBER_)
};

#define SCN_SIZE_ASSERT_(rec, size)                                                                \
    _Static_assert(sizeof(struct scn_rec_##rec) == (size), "record " #rec " is " #size " bytes");
SCN_RECORDS(SCN_SIZE_ASSERT_)
SCN_OP_RECORDS(SCN_SIZE_ASSERT_)
_Static_assert(SCN_W_str == sizeof(struct scn_rec_str), "a str field is a string reference");

/* ---- access by name ------------------------------------------------------------------ */

/* Offset of field f in record rec, the width of one element, its elements, its bytes. */
#define SCN_AT(rec, f)    ((uint32_t)offsetof(struct scn_rec_##rec, f))
#define SCN_WIDTH(rec, f) ((uint32_t)sizeof(((struct scn_rec_##rec *)0)->f[0]))
#define SCN_BYTES(rec, f) ((uint32_t)sizeof(((struct scn_rec_##rec *)0)->f))
#define SCN_COUNT(rec, f) (SCN_BYTES(rec, f) / SCN_WIDTH(rec, f))
/* Offset of element i of field f. */
#define SCN_AT_I(rec, f, i) (SCN_AT(rec, f) + (uint32_t)(i)*SCN_WIDTH(rec, f))
/* Bytes of record rec (an opcode's: the whole instruction; poll: its fixed part). */
#define SCN_SIZEOF(rec) ((uint32_t)sizeof(struct scn_rec_##rec))

/* The little-endian integer of width bytes (1..8) at p. */
static inline uint64_t scn_get_le(const uint8_t *p, uint32_t width)
{
    uint64_t v = 0;
    for (uint32_t i = 0; i < width; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* Store the low width bytes (1..8) of v at p, little-endian. */
static inline void scn_put_le(uint8_t *p, uint32_t width, uint64_t v)
{
    for (uint32_t i = 0; i < width; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* True when the n bytes at p are all zero. */
static inline bool scn_all_zero(const uint8_t *p, uint32_t n)
{
    uint8_t any = 0;
    for (uint32_t i = 0; i < n; i++)
        any |= p[i];
    return any == 0;
}

/*
 * Field f (element i) of the record rec that starts at p, read as an unsigned integer of
 * the field's width (cast to the field's type at the use), or written from v.
 */
#define SCN_GET(p, rec, f)      scn_get_le((p) + SCN_AT(rec, f), SCN_WIDTH(rec, f))
#define SCN_GET_I(p, rec, f, i) scn_get_le((p) + SCN_AT_I(rec, f, i), SCN_WIDTH(rec, f))
#define SCN_PUT(p, rec, f, v)   scn_put_le((p) + SCN_AT(rec, f), SCN_WIDTH(rec, f), (uint64_t)(v))
#define SCN_PUT_I(p, rec, f, i, v)                                                                 \
    scn_put_le((p) + SCN_AT_I(rec, f, i), SCN_WIDTH(rec, f), (uint64_t)(v))
/* True when every byte of field f (padding) of the record at p is zero. */
#define SCN_ZERO(p, rec, f) scn_all_zero((p) + SCN_AT(rec, f), SCN_BYTES(rec, f))

/* ---- the description (user/scenario_layout.c) --------------------------------------- */

/* One field: its name, type name, offset in its record, element width and count, and doc. */
struct scn_field {
    const char *name;
    const char *type; /* "u32", "str", "zero" ... */
    uint32_t off;
    uint32_t width;
    uint32_t count;
    const char *doc; /* "" when the name says it all */
};

/* One record: its name (as in SCN_AT), size, and fields in order. */
struct scn_record {
    const char *name;
    uint32_t size;
    const struct scn_field *fields;
    uint32_t nfields;
};

/* What an opcode takes: a handle operand (slot), a result slot (as). */
enum scn_rule { SCN_RULE_NO = 0, SCN_RULE_REQ = 1, SCN_RULE_OPT = 2 };

/* One opcode: its name (the step's in the language), its record, flags, slot rules. */
struct scn_op_desc {
    const char *name;
    struct scn_record rec; /* rec.size: the instruction's size; poll's fixed part */
    uint8_t flags;         /* SCN_F_* the opcode allows */
    uint8_t slot;          /* enum scn_rule */
    uint8_t as;            /* enum scn_rule */
};

/* The records of SCN_RECORDS in its order (not the opcodes'), and how many. */
extern const struct scn_record scn_records[];
extern const uint32_t scn_nrecords;

/* The description of opcode op (enum scn_op), or NULL when op is none. */
const struct scn_op_desc *scn_op_desc(unsigned op);

/* One limit of the format tied to one of the kernel's: "SCN_MAX_URL" "==" "URL_MAX_LEN". */
struct scn_limit {
    const char *name;
    uint64_t value;
    const char *rel; /* "==" or "<=" */
    const char *kernel;
    uint64_t kernel_value;
    const char *doc;
};

extern const struct scn_limit scn_limits[];
extern const uint32_t scn_nlimits;

#endif /* TWAIN_USER_SCENARIO_LAYOUT_H */
