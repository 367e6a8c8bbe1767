/* SPDX-License-Identifier: MIT */
/*
 * user/scenario.h - the compiled (binary) scenario: its decoded view, and the interpreter
 * that runs a task's script. Shared by both backends (freestanding: no libc).
 *
 * The JSON form is compiled on the host (sim-harness/scenario_compile.c); the kernel side
 * never sees JSON. The binary layout itself is documented in docs/scenario-format.md; this
 * header is the API over it.
 */
#ifndef TWAIN_USER_SCENARIO_H
#define TWAIN_USER_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCN_MAGIC   0x4353575475ull /* "uTWSC" little-endian, see the format doc */
#define SCN_VERSION 4 /* the decoder also takes 3: its fault entries are 16 bytes, kills only */
/* Limits of a scenario; those tied to the kernel's are in scenario_bc.h's SCN_KERNEL_LIMITS. */
#define SCN_MAX_TASKS    64 /* <= K_MAX_TASKS */
#define SCN_MAX_FAULTS   64 /* <= FAULT_MAX */
#define SCN_MAX_CONTAINS 16
#define SCN_MAX_SLOTS    64 /* named handles ("as") per task */
#define SCN_MAX_NAME     32 /* task name bytes, the NUL included: K_TASK_NAME */
#define SCN_MAX_BLOB     (1u << 20)

enum scn_policy { SCN_POLICY_RR = 0, SCN_POLICY_PRIORITY = 1, SCN_POLICY_RANDOM = 2 };
enum scn_mode { SCN_MODE_DETERMINISTIC = 0, SCN_MODE_REALTIME = 1 };
/* A fault's kind: TR_FAULT's values (2 is a crash, which no scenario schedules). */
enum scn_fault_kind { SCN_FAULT_KILL = 1, SCN_FAULT_KILL_SERVER = 3, SCN_FAULT_CAMPAIGN = 4 };

struct scn_config {
    uint64_t seed;
    uint64_t quantum_ns;
    uint64_t max_time_ns;     /* the run stops at this virtual time */
    uint32_t cost_syscall_ns; /* cost model (docs/scenario-format.md) */
    uint32_t cost_switch_ns;
    uint32_t cost_byte_ps; /* picoseconds per byte copied */
    uint32_t pool_pages;   /* fixed page pool in deterministic mode */
    uint8_t policy;        /* enum scn_policy */
    uint8_t mode;          /* enum scn_mode */
};

struct scn_task {
    const char *name; /* points into the blob; not NUL-terminated */
    uint32_t name_len;
    int32_t priority;  /* 0 (lowest) .. 31 */
    uint32_t code_off; /* the task's script: bytecode at blob[code_off .. code_off+code_len) */
    uint32_t code_len;
    uint8_t flags;        /* SCN_TASK_RAW_MEMORY (scenario_bc.h) */
    uint8_t nthreads;     /* 0: the code is one script; else that many thread bodies */
    uint8_t boot_threads; /* threads started at boot (1..nthreads; 0 for a script) */
};

struct scn_fault {
    uint64_t at_ns;     /* a campaign: where its window starts */
    uint32_t kind;      /* enum scn_fault_kind */
    uint32_t task;      /* kill: index into tasks[] (else 0) */
    const char *target; /* kill_server: a port or scheme name; campaign: names separated by
                           one space, or "*" (into the blob; not NUL-terminated) */
    uint32_t target_len;
    uint32_t count; /* campaign: kills */
    uint64_t to_ns; /* campaign: where its window ends (exclusive) */
};

struct scn_expect {
    uint32_t nexit;
    struct {
        uint32_t task;
        int32_t status; /* TW_EXIT_KILLED for "killed" */
    } exit[SCN_MAX_TASKS];
    uint32_t ncontains;
    struct {
        const char *text; /* into the blob, not NUL-terminated */
        uint32_t len;
    } contains[SCN_MAX_CONTAINS];
    uint32_t norder; /* tasks must finish in this order (indexes) */
    uint32_t order[SCN_MAX_TASKS];
    uint64_t max_time_ns; /* 0: no bound on the end time */
    uint64_t min_time_ns; /* 0: no bound */
    bool no_deadlock;     /* every task must have ended */
    /* CPU shares: each listed task's CPU time inside [share_from_ns, share_to_ns) must be
     * between min_bp and max_bp basis points of the window (nshare 0: none checked) */
    uint64_t share_from_ns, share_to_ns;
    uint32_t nshare;
    struct {
        uint32_t task;
        uint32_t min_bp, max_bp;
    } share[SCN_MAX_TASKS];
};

struct scn_view {
    const uint8_t *blob;
    size_t len;
    const char *name; /* scenario name, into the blob */
    uint32_t name_len;
    struct scn_config config;
    uint32_t ntasks;
    struct scn_task tasks[SCN_MAX_TASKS];
    uint32_t nfaults;
    struct scn_fault faults[SCN_MAX_FAULTS];
    struct scn_expect expect;
};

/* Where and why a blob was rejected. */
struct scn_error {
    uint32_t offset; /* byte offset into the blob */
    char msg[120];
};

/*
 * Decode and fully validate a compiled scenario (header, tables, every task's bytecode:
 * opcodes, operand ranges, slot indexes, string references, nesting, jump targets).
 * Returns 0 and fills *out (which points into blob), or TW_E_INVAL with *err set.
 * Never reads outside blob[0..len).
 */
int scn_decode(const uint8_t *blob, size_t len, struct scn_view *out, struct scn_error *err);

/*
 * Prepare a task's interpreter state in [heap, heap+heap_size): copy the blob there and
 * set up the slot table for task index task. Returns 0 and the argument to pass to
 * scn_interp_thread for the task's main thread, or TW_E_NOMEM when the heap is too small.
 * Called by the loader in kernel context before the task's first thread runs.
 */
int scn_task_setup(void *heap, size_t heap_size, const uint8_t *blob, size_t len, uint32_t task,
                   uintptr_t *main_arg);

/* Bytes of heap scn_task_setup needs for a blob of len bytes... */
size_t scn_task_heap_need(size_t len);

/*
 * ... plus these for task of a decoded view: the thread table of a task with "threads" and
 * the raw heap of a task with raw memory (which scn_task_setup places at the very end of
 * the heap, so the heap's end is the region's: pass the region's whole size).
 */
size_t scn_task_heap_extra(const struct scn_view *v, uint32_t task);

/* Pages of task heap the loader allocates for task (a power of two with raw memory). */
size_t scn_task_region_pages(const struct scn_view *v, uint32_t task);

/* The argument that starts boot thread `thread` of the task whose main argument is main_arg. */
uintptr_t scn_task_thread_arg(uintptr_t main_arg, uint32_t thread);

/*
 * Thread entry: run a script (the task's main script, or a "spawn" body) through the
 * system-call stubs, then end the thread (the main script ends the task with exit 0, or
 * the status of an explicit exit step). Does not return.
 */
_Noreturn void scn_interp_thread(uintptr_t arg);

#endif /* TWAIN_USER_SCENARIO_H */
