/* SPDX-License-Identifier: MIT */
/*
 * user/scenario_bc.h - the bytecode of a compiled scenario: blob layout constants, opcodes,
 * the decoded form of one instruction and a cursor that walks a script.
 *
 * Shared by the host compiler (sim-harness/scenario_compile.c, which encodes), the decoder
 * (user/scenario_decode.c, which validates and decodes) and the interpreter
 * (user/scenario_interp.c, which runs). docs/scenario-format.md is the prose version of
 * this header; keep the two in step. Freestanding.
 */
#ifndef TWAIN_USER_SCENARIO_BC_H
#define TWAIN_USER_SCENARIO_BC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scenario.h"
#include "scenario_layout.h"

/*
 * Blob layout: header | task table | fault table | expect section | strings | code. Every
 * record's fields are user/scenario_layout.h's (SCN_AT, SCN_GET, SCN_PUT); these are sizes.
 */
#define SCN_HDR_SIZE       SCN_SIZEOF(header)
#define SCN_TASK_ENT_SIZE  SCN_SIZEOF(task)
#define SCN_FAULT_ENT_SIZE SCN_SIZEOF(fault)
#define SCN_FAULT_ENT_V3   SCN_AT(fault, target)    /* version 3: at_ns, kind, task only */
#define SCN_EXPECT_FIXED   SCN_SIZEOF(expect_fixed) /* expect section before its three arrays */
#define SCN_EXIT_ENT_SIZE  SCN_SIZEOF(exit_entry)
#define SCN_STR_REF_SIZE   SCN_SIZEOF(str) /* u32 offset into the string table, u32 length */
#define SCN_ORDER_ENT_SIZE SCN_SIZEOF(order_entry)
#define SCN_SHARE_FIXED    SCN_SIZEOF(share_fixed) /* with SCN_EXPECT_CPU_SHARE, after the arrays */
#define SCN_SHARE_ENT_SIZE SCN_SIZEOF(share_entry)
#define SCN_INSN_HDR       SCN_SIZEOF(insn) /* every instruction starts with it */

/* Expect section flags. */
#define SCN_EXPECT_NO_DEADLOCK 1u
#define SCN_EXPECT_CPU_SHARE   2u /* a CPU share block follows the order entries */

/*
 * Limits of the language (the compiler and the decoder enforce the same ones). Those that
 * are a kernel limit, or must fit one, are tied to it in SCN_KERNEL_LIMITS below; the
 * others are the format's own (docs/scenario-format.md, "Limits", says which is which).
 */
#define SCN_MAX_SCN_NAME   63u    /* scenario name bytes */
#define SCN_MAX_DEPTH      8u     /* nested repeat/spawn bodies */
#define SCN_MAX_STEPS      65535u /* steps per task (step ids are u16) */
#define SCN_MAX_DATA       256u   /* read/write/send data bytes: TW_MSG_MAX_BYTES */
#define SCN_MAX_PRINT      255u   /* print text bytes (plus the newline) */
#define SCN_MAX_TEXT       255u   /* console_contains entries */
#define SCN_MAX_URL        1024u  /* URL_MAX_LEN */
#define SCN_MAX_LISTING    1024u  /* readdir: expected listing bytes ("name\n" per entry) */
#define SCN_MAX_REPEAT     1000000u
#define SCN_SERVER_NAME    32u  /* a server fault's port or scheme name, the NUL included */
#define SCN_SERVER_LIST    128u /* a campaign's names, separated by spaces, the NUL included */
#define SCN_MAX_CAMPAIGN   1000000000u /* kills one campaign draws */
#define SCN_MAX_POLL       64u         /* K_POLL_MAX */
#define SCN_MAX_XFER       4u          /* handles per send/recv: TW_MSG_MAX_HANDLES */
#define SCN_MAX_ARGS       4u          /* invoke arguments: a0..a3 of the invoke system call */
#define SCN_MAX_PRIORITY   31u         /* K_PRIO_MAX */
#define SCN_MIN_QUANTUM_NS 1000u       /* config.quantum_us >= 1: K_QUANTUM_MIN_NS */
#define SCN_MAX_US         9007199254740991ull /* 2^53 - 1: exact in a JSON number */
#define SCN_MAX_NS         (SCN_MAX_US * 1000ull)
#define SCN_EXIT_MIN       (-999) /* exit codes: SCN_EXIT_MIN .. INT32_MAX */
#define SCN_SYS_ARGS       6u     /* syscall step: arguments of one raw system call */
#define SCN_SYS_STACK      4160u  /* raw memory: the stack buffer of each thread (fuzzprog's) */
#define SCN_MAX_STORE      SCN_SYS_STACK /* syscall step: bytes stored before the call */
#define SCN_SYS_HEAP       16384u    /* raw memory: the heap region of the task (FZ_HEAP_BYTES) */
#define SCN_SYS_BELOW      (1 << 20) /* stack offsets go at most this far below the buffer */

/*
 * The limits that are the kernel's (core/limits.h, core/abi.h) or must fit within them:
 * L(limit, relation, kernel limit, why). user/scenario_layout.c asserts every relation at
 * compile time, and `twain layout --markdown` lists them in docs/scenario-format.md.
 */
#define SCN_KERNEL_LIMITS(L)                                                                       \
    L(SCN_MAX_TASKS, <=, K_MAX_TASKS, "every task of a scenario is a kernel task")                 \
    L(SCN_MAX_FAULTS, <=, FAULT_MAX, "the loader schedules every fault with the kernel")           \
    L(SCN_MAX_NAME, ==, K_TASK_NAME, "task name bytes, the NUL included: the kernel's")            \
    L(SCN_MAX_PRIORITY, ==, K_PRIO_MAX, "task and spawn priorities are thread priorities")         \
    L(SCN_MIN_QUANTUM_NS, ==, K_QUANTUM_MIN_NS, "the shortest quantum config.quantum_us gives")    \
    L(SCN_MAX_URL, ==, URL_MAX_LEN, "an open step's URL is one the parser takes")                  \
    L(SCN_MAX_DATA, ==, TW_MSG_MAX_BYTES, "read, write and message data: one message's bytes")     \
    L(SCN_MAX_XFER, ==, TW_MSG_MAX_HANDLES, "handles a send/recv step moves: one message's")       \
    L(SCN_MAX_POLL, ==, K_POLL_MAX, "a poll step is one tw_poll: the items one takes")             \
    L(SCN_MAX_TASK_HANDLES, ==, TW_SPAWN_MAX_HANDLES,                                              \
      "handles a spawn_task step moves: a spawn's")                                                \
    L(SCN_MAX_PRINT, <=, TW_SPAWN_CMD_MAX, "a spawn_task command line fits a spawn's")             \
    L(SCN_SERVER_NAME, ==, K_CHAN_NAME, "a server fault names a port (or a scheme, as long)")      \
    L(SCN_SERVER_LIST, ==, FAULT_NAMES_LEN, "a campaign's names are one fault's in the kernel")

/* Slot bytes in instructions. Slots 0..SCN_MAX_SLOTS-1 hold the task's named handles. */
#define SCN_SLOT_SELF    0xfeu /* the predefined name "self": TW_HANDLE_SELF */
#define SCN_SLOT_NONE    0xffu
#define SCN_SLOT_CONSOLE SCN_MAX_SLOTS /* hidden, run time only, never in bytecode */
#define SCN_UNBOUND      INT32_MAX     /* a slot's value before binding: never a handle */

/* Instruction flags (the header's flags byte). */
#define SCN_F_EXPECT_ERR 1u /* the call must fail with exactly insn.expect_err */
#define SCN_F_TIMEOUT    2u /* insn.ns is a relative timeout */
#define SCN_F_EXPECT     4u /* the step checks its result (data or value) */
#define SCN_F_ALL        7u

enum scn_op {
    SCN_OP_OPEN = 1,
    SCN_OP_CLOSE = 2,
    SCN_OP_READ = 3,
    SCN_OP_WRITE = 4,
    SCN_OP_SEND_HANDLES = 5,
    SCN_OP_RECV_HANDLES = 6,
    SCN_OP_TAKE_PEER = 7,
    SCN_OP_DUP = 8,
    SCN_OP_INVOKE = 9,
    SCN_OP_WAIT = 10,
    SCN_OP_POLL = 11,
    SCN_OP_SEEK = 12,
    SCN_OP_TELL = 13,
    SCN_OP_COMPUTE = 14,
    SCN_OP_SLEEP = 15,
    SCN_OP_YIELD = 16,
    SCN_OP_PRINT = 17,
    SCN_OP_REPEAT = 18,
    SCN_OP_SPAWN = 19,
    SCN_OP_EXPECT = 20,
    SCN_OP_EXIT = 21,
    SCN_OP_RUN = 22,           /* a native program (user/programs.h): str = "name" or "name args" */
    SCN_OP_READDIR = 23,       /* rewind a directory, read every record; str = expected listing */
    SCN_OP_SYSCALL = 24,       /* one raw system call over the task's raw memory */
    SCN_OP_THREAD = 25,        /* a thread's body (top level of a task with "threads" only) */
    SCN_OP_SPAWN_TASK = 26,    /* a program in a new task; str = "name" or "name args" */
    SCN_OP_TASK_STATUS = 27,   /* a task handle's status against arg's SCN_ST_* fields */
    SCN_OP_TASK_CHILDREN = 28, /* a task's children: their count, handles to the first n */
    SCN_OP_COUNT = 29,
};

/* spawn_task and task_children: handles moved into the child, or bound to children. */
#define SCN_MAX_TASK_HANDLES 8u /* TW_SPAWN_MAX_HANDLES */
/* task_status: which fields of struct tw_task_status the step checks (insn.arg). */
#define SCN_ST_STATE       1u  /* insn.index: enum tw_task_state */
#define SCN_ST_END         2u  /* insn.n: enum tw_task_end */
#define SCN_ST_CODE        4u  /* insn.value: the exit status */
#define SCN_ST_CHILDREN    8u  /* insn.args[0] */
#define SCN_ST_ADOPTED     16u /* insn.args[1] */
#define SCN_ST_PARENT_NONE 32u /* parent 0: a root, or ended */
#define SCN_ST_PARENT_SELF 64u /* parent: the task running the step */
#define SCN_ST_ALL         127u

/* How a syscall step builds one argument (the values match user/fuzzprog.h's fz_arg_kind). */
enum scn_arg_kind {
    SCN_ARG_INT = 0,       /* the value itself */
    SCN_ARG_STACK = 1,     /* the thread's stack buffer + value (may be negative) */
    SCN_ARG_HEAP = 2,      /* the task's raw heap + value (0..SCN_SYS_HEAP) */
    SCN_ARG_KERNEL = 3,    /* an address in no task's memory; value 0 */
    SCN_ARG_ENTRY = 4,     /* the interpreter's thread entry; value: the thread to start */
    SCN_ARG_NULL = 5,      /* 0; value 0 */
    SCN_ARG_ENTRY_ARG = 6, /* the argument that starts thread value of the task */
    SCN_ARG_KINDS = 7,
};

/* Where a syscall step stores its bytes before the call. */
enum scn_store { SCN_STORE_NONE = 0, SCN_STORE_STACK = 1, SCN_STORE_HEAP = 2 };

/* A task entry's flags. */
#define SCN_TASK_RAW_MEMORY 1u /* the task has raw memory (syscall steps) */
#define SCN_MAX_THREADS     16u

enum scn_expect_kind { SCN_EXP_TIME_LT = 0, SCN_EXP_TIME_GE = 1, SCN_EXP_LAST = 2 };

/* A string: [off, off+len) of the string table. */
struct scn_str {
    uint32_t off;
    uint32_t len;
};

/* One decoded instruction. Fields an opcode does not use are zero. */
struct scn_insn {
    uint8_t op;         /* enum scn_op */
    uint8_t flags;      /* SCN_F_* */
    uint8_t slot;       /* handle operand: slot, SCN_SLOT_SELF or SCN_SLOT_NONE */
    uint8_t as;         /* result slot or SCN_SLOT_NONE */
    int32_t expect_err; /* TW_E_* when SCN_F_EXPECT_ERR, else 0 */
    uint32_t step;      /* step id, pre-order within the task */
    uint32_t size;      /* bytes, header included, body excluded */
    uint32_t body_len;  /* repeat/spawn: bytes of the body that follows */
    /* open flags | read len | dup rights | wait/poll signals | seek whence | invoke op |
     * repeat count | spawn priority | expect kind | task_status fields */
    uint32_t arg;
    uint32_t index; /* spawn: index among the task's spawns; invoke: number of args */
    uint32_t n;     /* send/recv/poll: entries of hs[] */
    uint64_t ns;    /* timeout (SCN_F_TIMEOUT), compute/sleep time, expect time bound */
    int64_t value;  /* seek offset, exit code, tell/invoke expected result */
    int64_t args[SCN_MAX_ARGS];
    struct scn_str str;       /* url, data, text, expected data or listing */
    struct scn_str str2;      /* invoke: the second buffer (empty: none) */
    uint8_t hs[SCN_MAX_POLL]; /* send/poll handle slots; recv result slots */
    /* syscall (value: the expected result; str: the stored bytes as hex) */
    uint64_t nr;                    /* system call number */
    int64_t sys_args[SCN_SYS_ARGS]; /* value, offset or thread number, by kind */
    uint8_t kinds[SCN_SYS_ARGS];    /* enum scn_arg_kind */
    uint8_t store;                  /* enum scn_store */
    int32_t store_off;              /* where in the stack buffer or heap */
};

/* Bytes of a poll instruction with n slots: its fixed part, the slots, zero padding to 4. */
#define SCN_POLL_SIZE(n) (SCN_SIZEOF(poll) + (((uint32_t)(n) + 3u) & ~3u))

/* Bytes of an instruction of opcode op (n: a poll's slots; ignored otherwise); 0: no opcode. */
uint32_t scn_insn_size(unsigned op, uint32_t n);

/*
 * Decode and validate the instruction at p (avail bytes readable, strtab_len the size of
 * the string table its strings must fit). Checks everything local to the instruction:
 * opcode, size, flags, slots, ranges, zero padding, string bounds (not their contents).
 * Returns NULL and fills *out, or a static reason.
 */
const char *scn_insn_decode(const uint8_t *p, size_t avail, uint32_t strtab_len,
                            struct scn_insn *out);

/* The language's name of op ("read"), or "?" */
const char *scn_op_name(unsigned op);

/* True when s[0..len) is valid UTF-8 (no overlongs, surrogates or > U+10FFFF) with no NUL. */
bool scn_text_ok(const uint8_t *s, size_t len);

/* True for a valid task (and handle) name: 1..SCN_MAX_NAME-1 bytes of [A-Za-z0-9_-]. */
bool scn_name_ok(const uint8_t *s, size_t len);

/*
 * True for a server fault's target: one port or scheme name (1..SCN_SERVER_NAME-1 bytes of
 * [A-Za-z0-9._~+-]), or with list such names separated by one space (SCN_SERVER_LIST-1
 * bytes in all, each name once), or "*".
 */
bool scn_servers_ok(const uint8_t *s, size_t len, bool list);

/* The string table of a decoded blob and its length. */
const uint8_t *scn_strtab(const struct scn_view *v, uint32_t *len);

/* Steps and spawn bodies in task's script (from its table entry). */
void scn_task_counts(const struct scn_view *v, uint32_t task, uint32_t *nsteps, uint32_t *nspawn);

/* A repeat body being run: where it starts and ends, and iterations still to go. */
struct scn_frame {
    uint32_t start;
    uint32_t end;
    uint32_t left;
};

/*
 * Walks one script (a task's, or a spawn body) of a decoded blob in execution order:
 * repeat bodies run count times through frames, spawn and thread bodies are skipped (the
 * caller starts them). No recursion, bounded state: it fits a 16 KiB user stack comfortably.
 */
struct scn_cursor {
    const uint8_t *blob;
    uint32_t strtab_len;
    uint32_t pc;       /* blob offset of the next instruction */
    uint32_t root_end; /* end of the script */
    uint32_t depth;    /* frames in use */
    uint32_t max_iter; /* 0: run bodies count times; else at most max_iter (dry walks) */
    struct scn_frame frame[SCN_MAX_DEPTH];
};

/* Start walking the script at blob[off .. off+len) of a blob scn_decode accepted. */
void scn_cursor_init(struct scn_cursor *c, const struct scn_view *v, uint32_t off, uint32_t len,
                     uint32_t max_iter);

/*
 * The next instruction to run, in *in; false at the end of the script. A returned repeat
 * has already been entered; a returned spawn's or thread's body has already been skipped
 * (its body is blob[c->pc - in->body_len .. c->pc)).
 */
bool scn_cursor_next(struct scn_cursor *c, struct scn_insn *in);

#endif /* TWAIN_USER_SCENARIO_BC_H */
