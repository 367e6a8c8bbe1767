/* SPDX-License-Identifier: MIT */
/*
 * core/optable.h - the operation table: one description of every system call and every
 * invoke operation (docs/operations.md is generated from it).
 *
 * Part of the ABI, like abi.h: the kernel checks and copies arguments by it
 * (core/syscall.c), the kernel's user-provider proxy and the user-space providers marshal
 * by it (core/uprov.c, user/servers/), the scenario compiler takes operation names from
 * it, and the system-call fuzzer generates arguments by their kinds. Freestanding data and
 * two lookups: it links into the kernel, user code and host tools alike.
 */
#ifndef TWAIN_CORE_OPTABLE_H
#define TWAIN_CORE_OPTABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "abi.h"

/*
 * The kinds of object an operation applies to (struct kobj_ops.kind is one of these).
 * TW_KIND_USER is a resource served by a user task (core/uprov.c): the kernel passes each
 * operation marked for it to the provider as a request, marshalled by this table.
 */
#define TW_KIND_TASK     (1u << 0)  /* a task: the self handle (0), or a spawned task's handle */
#define TW_KIND_CHAN     (1u << 1)  /* a channel end: chan://?pair, a port's client end */
#define TW_KIND_PORT     (1u << 2)  /* a listening port: chan://NAME?listen */
#define TW_KIND_TIMER    (1u << 3)  /* timer:// */
#define TW_KIND_CONSOLE  (1u << 4)  /* console:// */
#define TW_KIND_ZERO     (1u << 5)  /* zero:// */
#define TW_KIND_NULL     (1u << 6)  /* null:// */
#define TW_KIND_PIPE     (1u << 7)  /* pipe:// */
#define TW_KIND_MEMWATCH (1u << 8)  /* system://memory/free_mem */
#define TW_KIND_BLK      (1u << 9)  /* blk:// */
#define TW_KIND_CACHE    (1u << 10) /* cache:// */
#define TW_KIND_FILE     (1u << 11) /* a fat:// file */
#define TW_KIND_DIR      (1u << 12) /* a fat:// directory */
#define TW_KIND_USER     (1u << 13) /* a resource of a user-space provider (file://, ...) */
#define TW_KIND_THREAD   (1u << 14) /* a thread object (no handle reaches one today) */
#define TW_KIND_COUNT    15

/* The kind of each argument of an operation. */
enum tw_arg_kind {
    TW_ARG_NONE = 0,    /* unused: ignored */
    TW_ARG_INT,         /* an integer */
    TW_ARG_HANDLE,      /* a handle of the caller's */
    TW_ARG_ENTRY,       /* a user entry point registered with the kernel */
    TW_ARG_IN,          /* a buffer the callee reads; the next argument is its length */
    TW_ARG_OUT,         /* a buffer the callee fills whole; the next argument its capacity */
    TW_ARG_OUT_RESULT,  /* a buffer the callee fills with as many bytes as it returns */
    TW_ARG_IN_HANDLES,  /* an array of int32_t handles the callee reads; next: the count */
    TW_ARG_OUT_HANDLES, /* an array of int32_t handles the callee fills; next: the count */
    TW_ARG_LEN,         /* the length or capacity of the buffer before it */
    TW_ARG_INOUT,       /* poll's items: read, then filled back; the next argument the count */
    TW_ARG_KIND_COUNT
};

/* Operation flags. */
#define TW_OPF_NORETURN  (1u << 0) /* never returns to the caller (exit) */
#define TW_OPF_SLEEPS    (1u << 1) /* blocks for virtual time (sleep, compute) */
#define TW_OPF_OUT_WHOLE (1u << 2) /* its output buffer must hold max[0] bytes: TW_E_TOOBIG */
#define TW_OPF_TYPED     (1u << 3) /* served by a typed member of kobj_ops, not invoke */
#define TW_OPF_SYSCALL   (1u << 4) /* a system call (op is its number), not an invoke op */
#define TW_OPF_PROVIDER  (1u << 5) /* a system call a user provider answers (blocks for it) */
/* On TW_KIND_TASK: the calling task's own operation (exit, sleep, spawn ...), taken only
 * through a handle to the caller's own task (the self handle); through a handle to
 * another task it is TW_E_NOTSUP, as an operation that kind does not take. */
#define TW_OPF_SELF (1u << 6)
/* On TW_KIND_TASK: an operation on another task (kill), TW_E_NOTSUP on the caller's own. */
#define TW_OPF_OTHER (1u << 7)

/* An error code's bit in tw_op.errors. */
#define TW_EBIT(e) (1u << (uint32_t)(-(e)))

struct tw_op {
    uint32_t op;        /* enum tw_invoke_op, or enum tw_sysno with TW_OPF_SYSCALL */
    const char *name;   /* the scenario language's name: "file_truncate" */
    uint32_t kinds;     /* TW_KIND_* accepting it (system calls: every kind) */
    uint8_t right;      /* the right it needs on the handle it is invoked on (0: none) */
    uint8_t arg_right;  /* the right it needs on a TW_ARG_HANDLE argument (0: none) */
    uint8_t block;      /* signals it waits for when it cannot proceed yet (0: never) */
    uint8_t flags;      /* TW_OPF_* */
    uint8_t arg[6];     /* enum tw_arg_kind of each argument (invoke ops: a0..a3) */
    uint32_t max[2];    /* most bytes (handle arrays: entries) of its first, second buffer */
    uint32_t errors;    /* TW_EBIT of each error it returns beyond the common ones */
    const char *result; /* what a success returns */
    const char *doc;    /* one line: what it does */
};

/*
 * Errors every invoke operation may return: TW_E_BADH (no such handle), TW_E_NOTSUP (not
 * an operation, or not one of this object's kind), TW_E_ACCESS (the handle lacks
 * op->right), and for a buffer argument TW_E_TOOBIG (an input longer than max) and
 * TW_E_FAULT (outside the caller's memory). On TW_KIND_USER objects any code the provider
 * answers reaches the caller (docs/operations.md lists what the proxy itself adds).
 */
#define TW_INVOKE_COMMON_ERRORS (TW_EBIT(TW_E_BADH) | TW_EBIT(TW_E_NOTSUP) | TW_EBIT(TW_E_ACCESS))
/* The invoke operation numbered op, or NULL when there is none. */
const struct tw_op *tw_op_find(uint32_t op);
/* The system call numbered nr, or NULL. */
const struct tw_op *tw_sys_find(uint64_t nr);
/* The invoke operation named name[0..len), or NULL. */
const struct tw_op *tw_op_by_name(const char *name, uint32_t len);

/* Every invoke operation in ascending number, and every system call (for walkers). */
extern const struct tw_op tw_invoke_ops[];
extern const uint32_t tw_invoke_op_count;
extern const struct tw_op tw_syscalls[];

/* Names of kinds, argument kinds and rights, for listings and the generated docs. */
const char *tw_kind_name(uint32_t kind_bit);
const char *tw_arg_kind_name(uint8_t kind);

/* How many of op's arguments are of kind k. */
static inline uint32_t tw_op_count_args(const struct tw_op *op, uint8_t k)
{
    uint32_t n = 0;
    for (int i = 0; i < 6; i++)
        n += op->arg[i] == k;
    return n;
}

/*
 * True when op's arguments are integers, after at most two input buffers that come first
 * (IN, LEN[, IN, LEN], INT...): the shape a scenario's invoke step can give (data, data2,
 * args).
 */
static inline bool tw_op_scriptable(const struct tw_op *op)
{
    int i = 0;
    while (i < 4 && op->arg[i] == TW_ARG_IN && op->arg[i + 1] == TW_ARG_LEN)
        i += 2;
    for (; i < 4; i++)
        if (op->arg[i] != TW_ARG_INT && op->arg[i] != TW_ARG_NONE)
            return false;
    return (op->flags & TW_OPF_SYSCALL) == 0;
}

/* True when argument i of op is a buffer or handle array (a pointer). */
static inline bool tw_arg_is_buffer(uint8_t kind)
{
    return kind == TW_ARG_IN || kind == TW_ARG_OUT || kind == TW_ARG_OUT_RESULT ||
           kind == TW_ARG_IN_HANDLES || kind == TW_ARG_OUT_HANDLES;
}

static inline bool tw_arg_is_input(uint8_t kind)
{
    return kind == TW_ARG_IN || kind == TW_ARG_IN_HANDLES;
}

/* Bytes of one element of a buffer argument: 4 for handle arrays, else 1. */
static inline uint32_t tw_arg_elem(uint8_t kind)
{
    return kind == TW_ARG_IN_HANDLES || kind == TW_ARG_OUT_HANDLES ? 4u : 1u;
}

#endif /* TWAIN_CORE_OPTABLE_H */
