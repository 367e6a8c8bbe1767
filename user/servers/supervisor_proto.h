/* SPDX-License-Identifier: MIT */
/*
 * user/servers/supervisor_proto.h - what init, the supervisor and the servers they start
 * share (docs/supervision.md, "Init and the supervisor"): the configuration (one text line
 * for the supervisor, one a server, parsed by supervisor_cfg.c), the start order, the
 * restart arithmetic (supervisor_policy.c), and the server's side of the start-up protocol
 * (supervisor_child.c: handle 1 the control end on which it says "ready" and beats, handle 2
 * its port). User code: system calls only.
 */
#ifndef TWAIN_USER_SERVERS_SUPERVISOR_PROTO_H
#define TWAIN_USER_SERVERS_SUPERVISOR_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SUP_MAX_SERVERS   16  /* servers one supervisor keeps */
#define SUP_MAX_AFTER     4   /* names a server depends on */
#define SUP_NAME_MAX      16  /* a server's name: 1..15 bytes of a-z 0-9 _ -, NUL included */
#define SUP_PROG_MAX      32  /* a program's name, NUL included (K_PROGRAM_NAME) */
#define SUP_PORT_MAX      32  /* a port's name or a scheme, NUL included */
#define SUP_ARGS_MAX      160 /* a server's own arguments, NUL included */
#define SUP_LINE_MAX      256 /* one configuration line: one channel message */
#define SUP_MAX_INTENSITY 16  /* restarts counted in a period */
#define SUP_MAX_KILLS     4   /* test kills of the supervisor (kill_supervisor) */
#define SUP_CTL_URL       "chan://sup" /* the supervisor's control port (init keeps it) */
#define SUP_HANDLE_CTL    1            /* a supervised server's control end */
#define SUP_HANDLE_PORT   2            /* a supervised server's port, if it has one */

enum sup_strategy { SUP_ONE_FOR_ONE, SUP_ONE_FOR_ALL, SUP_REST_FOR_ONE };
enum sup_restart { SUP_PERMANENT, SUP_TRANSIENT, SUP_TEMPORARY };
/* Where the supervisor asks init to kill it (a test of the guardian). */
enum sup_kill_at { SUP_KILL_NONE, SUP_KILL_BEFORE_RESTART, SUP_KILL_AFTER_SPAWN };

/* The supervisor's line: "sup strategy=S intensity=R period=US backoff=BASE,MAX reset=US
 * quarantine=US ready=US hello=US stop=US kills=WHEN,WHEN" (every key optional). */
struct sup_conf {
    uint8_t strategy;   /* enum sup_strategy */
    uint32_t intensity; /* at most this many restarts of one server in period_us */
    uint64_t period_us;
    uint64_t backoff_base_us, backoff_max_us;
    uint64_t reset_us;      /* up this long: the server's backoff starts again at base */
    uint64_t quarantine_us; /* 0: for good (its port is closed) */
    uint64_t ready_us;      /* a started server must say ready within this */
    uint64_t hello_us;      /* a new supervisor waits this long for its adopted children */
    uint64_t stop_us;       /* init stops everything at this time (0: never) */
    uint8_t nkills;
    uint8_t kills[SUP_MAX_KILLS]; /* enum sup_kill_at, one per supervisor incarnation */
};

/* A server's line: "srv name=N prog=P restart=R port=PORT scheme=S hb=US after=A,B args=..."
 * (args last: the rest of the line). */
struct sup_spec {
    char name[SUP_NAME_MAX];
    char prog[SUP_PROG_MAX];
    char port[SUP_PORT_MAX];   /* "" none: chan://PORT?listen otherwise */
    char scheme[SUP_PORT_MAX]; /* "" none: served on the port */
    char svc[SUP_PORT_MAX];    /* "" none: the service registered for it (docs/services.md) */
    char proto[SUP_NAME_MAX];  /* svc's protocol: a name svc_proto_named knows */
    char args[SUP_ARGS_MAX];
    uint8_t restart; /* enum sup_restart */
    uint8_t nafter;
    uint8_t after[SUP_MAX_AFTER]; /* indices of the servers it waits for (resolved) */
    char after_names[SUP_MAX_AFTER][SUP_NAME_MAX];
    uint64_t hb_us; /* 0: no heartbeat */
};

/* ---- supervisor_cfg.c ---- */

/* Parse the supervisor's line (text[0..len), "sup ..."): 0, or TW_E_INVAL with *why set. */
int64_t sup_conf_parse(const char *text, size_t len, struct sup_conf *c, const char **why);
/* Parse a server's line ("srv ..."): 0, or TW_E_INVAL with *why set. after[] unresolved. */
int64_t sup_spec_parse(const char *text, size_t len, struct sup_spec *s, const char **why);
/*
 * Resolve every spec's after_names to indices and compute the start order: order[0..n) the
 * indices, each server after the ones it names, otherwise in the order given (the lowest
 * index first). 0, or TW_E_INVAL (a name that is no server, a server naming itself, a cycle,
 * a name given twice) with *why set.
 */
int64_t sup_order(struct sup_spec *s, uint32_t n, uint8_t *order, const char **why);
/* The value of "key=" among the words of text (the rest of the word, or of the line for
 * "args"); false if absent. */
bool sup_word(const char *text, size_t len, const char *key, const char **v, size_t *vlen);

/* ---- supervisor_policy.c: the restart arithmetic (docs/supervision.md) ---- */

/* Restart times of one server within the intensity window. */
struct sup_window {
    uint32_t n;
    uint64_t at_ns[SUP_MAX_INTENSITY];
};
/* Drop the times before now - period; then true if another restart now would be more than
 * intensity within the period (the server is crash-looping). */
bool sup_window_full(struct sup_window *w, uint64_t now_ns, uint64_t period_ns, uint32_t intensity);
/* Record a restart at now (the window must not be full). */
void sup_window_add(struct sup_window *w, uint64_t now_ns);
/* The delay before the k-th consecutive restart (k = 0 the first): min(base * 2^k, max). */
uint64_t sup_backoff_ns(uint64_t base_ns, uint64_t max_ns, uint32_t k);

/* ---- supervisor_child.c: a server's side of the start-up protocol ---- */

struct sup_child {
    bool on; /* started by a supervisor ("sup=NAME" on its command line) */
    char name[SUP_NAME_MAX];
    uint32_t id; /* its task id */
    int32_t ctl; /* the control end: handle 1, then what it re-opened */
    uint64_t hb_ns, next_hb;
};

/*
 * Read "sup=NAME" and "hb=US" from a program's arguments. Returns true if the program was
 * started by a supervisor: its port is then SUP_HANDLE_PORT, and it must call
 * sup_child_ready once it serves, and wait through sup_child_wait.
 */
bool sup_child_init(struct sup_child *c, const char *args, size_t len);
/* Say "ready NAME ID" on the control end (re-opening it if it went stale). */
void sup_child_ready(struct sup_child *c);
/*
 * Wait until one of handles[0..n) asserts its signals or deadline_ns passes (0: none),
 * beating every hb_ns on the control end and, when the supervisor's incarnation ends (the
 * control end goes stale), re-opening SUP_CTL_URL and saying "hello NAME ID". Returns the
 * index of the first ready handle, or TW_E_TIMEDOUT, or another error of tw_poll.
 */
int64_t sup_child_wait(struct sup_child *c, const int32_t *handles, const uint32_t *signals,
                       uint32_t n, uint64_t deadline_ns);
/* Sleep until deadline_ns, beating on the way (a supervised server's slow start). */
void sup_child_sleep(struct sup_child *c, uint64_t deadline_ns);

/* One line on the console (*con: opened on first use, -1 before): init's and the
 * supervisor's decisions, which scenarios check. */
void sup_print(int32_t *con, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* TWAIN_USER_SERVERS_SUPERVISOR_PROTO_H */
