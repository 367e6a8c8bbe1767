/* SPDX-License-Identifier: MIT */
/*
 * core/trace_format.h - the trace records' format (docs/trace-format.md): the event enum
 * with each event's arguments, the 48-byte record, and the hash chain. What the kernel
 * emits (core/trace.h), what hal_trace_write delivers to a backend and what every reader
 * reads (the harness, replay, the view). Pure data and two pure functions: a backend
 * gets it through core/kentry.h.
 */
#ifndef TWAIN_CORE_TRACE_FORMAT_H
#define TWAIN_CORE_TRACE_FORMAT_H

#include <stdint.h>

enum trace_event {
    TR_BOOT = 1,         /* a: seed, b: policy, c: pool pages */
    TR_TASK_START = 2,   /* a: task id, b: priority, c: name bytes 0..7 (little-endian) */
    TR_THREAD_START = 3, /* a: thread id, b: task id, c: priority */
    TR_SWITCH = 4,       /* a: from thread (0 idle), b: to thread (0 idle), c: enum trace_why */
    TR_SYSCALL = 5,      /* a: number, b: first argument (handle, URL hash), c: length/op */
    TR_SYSRET = 6,       /* a: number, b: result */
    TR_BLOCK = 7,        /* a: first object id (0: sleep), b: items << 32 | signals, c: deadline */
    TR_WAKE = 8,         /* a: thread id, b: result */
    TR_IPC_SEND = 9,     /* a: message seq, b: channel id << 32 | length, c: digest */
    TR_IPC_RECV = 10,    /* a: message seq, b: channel id << 32 | length, c: digest */
    TR_TIMER_FIRE = 11,  /* a: timer object id, b: times fired */
    TR_FAULT = 12,       /* a: enum trace_fault, b: task id (0: a server fault found none to
                            kill), c: CPU vector (crash), port id (server faults; 0: none) */
    TR_THREAD_EXIT = 13, /* a: thread id, b: task id */
    TR_TASK_EXIT = 14,   /* a: task id, b: status (sign-extended), c: 1 if killed */
    TR_CONSOLE = 15,     /* a: chunk length (<= 16), b/c: the bytes */
    TR_EXPECT_FAIL = 16, /* a: task id, b: step id */
    TR_IDLE = 17,        /* a: time jumped to */
    TR_END = 18,         /* a: enum trace_end, b: threads still alive */
    TR_OPEN = 19,        /* a: object id, b: handle, c: URL hash */
    TR_COMPUTE = 20,     /* a: ns of work done in this slice */
    TR_TASK_SPAWN = 21,  /* a: parent task id, b: child task id, c: handles moved into it */
    TR_TASK_ADOPT = 22,  /* a: adopting task id (0: none, a root now), b: child, c: ended parent */
    /* Requests on ports and server incarnations (docs/supervision.md, "Counting"). A
     * request's number is per port, from 1; "gen" is the port's 32-bit generation. */
    TR_REQ_ACCEPT = 23,    /* a: request number, b: port id << 32 | op, c: message seq */
    TR_REQ_END = 24,       /* a: request number, b: port id << 32 | gen, c: enum trace_req_end */
    TR_REQ_REDELIVER = 25, /* a: request number, b: port id << 32 | gen that ended, c: 1 it was
                              in service (back to the ring's front), 0 it waited (stays) */
    TR_PORT_BIND = 26,     /* a: port id, b: gen, c: the task id that serves it now */
    TR_PORT_END = 27,      /* a: port id, b: the new gen, c: the ended server's task id (0: none,
                              the port's scheme moved to another port) */
    /* Services (docs/services.md): names appear as hashes (hash_bytes of the name). */
    TR_SVC_REGISTER = 28,  /* a: name hash, b: port id, c: enum trace_svc_reg, or a TW_E_* */
    TR_SVC_SUBSCRIBE = 29, /* a: name hash, b: the subscription's end id (0: none), c: result */
    TR_SVC_OWNER = 30,     /* a: name hash, b: the name's generation, c: the OwnerReason */
    TR_EVENT_MAX = 30,
};

enum trace_why { TW_WHY_START = 0, TW_WHY_YIELD, TW_WHY_BLOCK, TW_WHY_PREEMPT, TW_WHY_EXIT };
enum trace_end { TR_END_DONE = 0, TR_END_DEADLOCK = 1, TR_END_TIME_LIMIT = 2 };
/* What a registration became (TR_SVC_REGISTER's c when not an error). */
enum trace_svc_reg { TR_SVC_OWNER_NOW = 0, TR_SVC_QUEUED = 1, TR_SVC_REPLACED = 2 };
/* How a request ended (TR_REQ_END's c). */
enum trace_req_end {
    TR_REQ_REPLIED = 0,   /* the server's first write after reading it: the reply */
    TR_REQ_NEXT = 1,      /* the reading thread read its next request first: one-way, no reply */
    TR_REQ_RESTARTED = 2, /* the server incarnation ended first: the caller gets restarted */
    TR_REQ_CLOSED = 3,    /* the port closed first (its last handle): peer_closed */
    TR_REQ_GONE = 4,      /* the caller's end closed first: nobody to answer */
};
/* TR_FAULT's a (core/fault.h's enum fault_kind has the same values): a kill fault, a crash,
 * a kill of a named port's server, a campaign's kill (docs/supervision.md, "Campaign"). */
enum trace_fault {
    TR_FAULT_KILL = 1,
    TR_FAULT_CRASH = 2,
    TR_FAULT_KILL_SERVER = 3,
    TR_FAULT_CAMPAIGN = 4
};

struct trace_rec {
    uint64_t time;
    uint32_t type;
    uint32_t tid;
    uint64_t a;
    uint64_t b;
    uint64_t c;
    uint64_t chain; /* hash of the previous chain and this record's other fields */
};
_Static_assert(sizeof(struct trace_rec) == 48, "trace records are 48 bytes");

/* Recompute a record's chain value from the previous chain (readers verify with it). */
uint64_t trace_chain_next(uint64_t prev, const struct trace_rec *r);
/* The event's name ("switch", ...), or "?" for a type outside enum trace_event. */
const char *trace_event_name(uint32_t type);

#endif /* TWAIN_CORE_TRACE_FORMAT_H */
