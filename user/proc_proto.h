/* SPDX-License-Identifier: MIT */
/*
 * user/proc_proto.h - the process manager's protocol (docs/processes.md), written once:
 * the text of every request, reply and signal, and the freestanding parsers and
 * formatters the manager (user/servers/proc_manager.c), its client library
 * (user/proc_client.c), the unit test and the fuzz target share. No system call here.
 *
 * Reaching the manager. It listens on the port chan://proc (PROC_PORT_URL). A client
 * writes "connect" there and reads the reply "ok" carrying one handle (TW_CHAN_READ_HANDLES):
 * its end of a session, a channel pair of its own with the manager, on which every other
 * request goes. A session is a *connection*; the processes it spawns are its children. A
 * process the manager spawned has a session already, its handle 2 (PROC_H_SESSION): what
 * it asks there it asks as itself (its spawns are its children). Its handle 1
 * (PROC_H_SIGNALS) is where its signals arrive (read and wait rights only); the handles a
 * spawn request carried are its 3, 4, ... in their order (PROC_H_FIRST_PASSED).
 *
 * Every message is one channel message of text, at most TW_MSG_MAX_BYTES, no NUL needed:
 * words separated by spaces; a trailing newline is allowed. Requests (pid: a decimal
 * 1..4294967295 without sign or leading zero; pid 1 is the manager itself):
 *
 *   connect                     on the port only     -> "ok" + the session handle
 *   spawn PROGRAM [ARGS...]     + 0..4 handles        -> "ok PID"
 *   wait PID                                          -> when PID has ended: an end line
 *   kill PID                                          -> "ok"
 *   terminate PID [grace_us=N]  N 0..60000000         -> "ok"; kill after N us (10000)
 *   signal PID N                N 1..2147483647       -> "ok"
 *   status PID                                        -> "running PID parent=Q" or
 *                                                        an end line + " parent=Q"
 *   children [PID]              (none: the requester) -> "ok [P1 P2 ...]"
 *   self                                              -> "ok PID" (0 for a connection)
 *
 * An end line says how a process ended: "exited PID code=C" (it exited, or its program
 * returned C), "killed PID code=C" (kill, terminate's grace ran out, a kill fault: C is
 * the kill's status, -1000), "crashed PID code=C" (a fault in user code). parent=0 means a
 * connection is the parent. Every refusal is "err NAME WHY": NAME an error's name
 * (user/errnames.h: invalid_argument, no_entry, access_denied, limit ...), WHY one line.
 *
 * Signals, written by the manager on a process's handle 1:
 *
 *   signal term from=P          terminate PID was asked (P: the asker, 0 a connection)
 *   signal user N from=P        signal PID N was asked
 *   signal child END-LINE       a child of the process ended ("signal child exited 4 code=0")
 */
#ifndef TWAIN_USER_PROC_PROTO_H
#define TWAIN_USER_PROC_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/abi.h"

#define PROC_PORT_URL         "chan://proc"
#define PROC_H_SIGNALS        1 /* a managed process's handles: its signals */
#define PROC_H_SESSION        2 /* its session with the manager */
#define PROC_H_FIRST_PASSED   3 /* the first handle its spawn request carried */
#define PROC_MSG_MAX          TW_MSG_MAX_BYTES
#define PROC_PID_MANAGER      1u
#define PROC_GRACE_DEFAULT_US 10000u
#define PROC_GRACE_MAX_US     60000000u
#define PROC_SIGNAL_MAX       2147483647u

enum proc_req_kind {
    PROC_REQ_CONNECT = 1,
    PROC_REQ_SPAWN,
    PROC_REQ_WAIT,
    PROC_REQ_KILL,
    PROC_REQ_TERMINATE,
    PROC_REQ_SIGNAL,
    PROC_REQ_STATUS,
    PROC_REQ_CHILDREN,
    PROC_REQ_SELF,
};

/* A parsed request. cmd points into the message parsed (spawn: "PROGRAM [ARGS...]"). */
struct proc_req {
    enum proc_req_kind kind;
    uint32_t pid;      /* wait kill terminate signal status; children when has_pid */
    bool has_pid;      /* children: a pid was given */
    uint32_t signo;    /* signal */
    uint32_t grace_us; /* terminate */
    const char *cmd;   /* spawn */
    size_t cmd_len;
};

/*
 * Parse the request msg[0..len). TW_OK and *out; or TW_E_INVAL with why[0..why_cap) a
 * NUL-terminated reason naming the offending word (made printable, shortened), for an
 * empty request, bytes that are not text, an unknown request word, a missing, extra or
 * malformed argument. Never reads outside msg; out's pointers point into it.
 */
int64_t proc_req_parse(const char *msg, size_t len, struct proc_req *out, char *why,
                       size_t why_cap);

/* How a process ended, as end lines say it. */
enum proc_end { PROC_END_EXITED = 1, PROC_END_KILLED = 2, PROC_END_CRASHED = 3 };

/* The end kind for a struct tw_task_status's end (TW_TASK_END_*); EXITED for any other. */
enum proc_end proc_end_from_task(uint32_t task_end);

/* "exited", "killed", "crashed" (NULL for another value). */
const char *proc_end_name(enum proc_end end);

/* Write the end line "END PID code=C" into buf (cap >= 48 always fits): its length. */
size_t proc_fmt_end(char *buf, size_t cap, enum proc_end end, uint32_t pid, int32_t code);

/*
 * Write "err NAME WHY" for error code err (a TW_E_*) into buf: its length (cut at cap - 1,
 * NUL-terminated).
 */
size_t proc_fmt_err(char *buf, size_t cap, int64_t err, const char *why);

/* A parsed reply or signal (the client's side). */
enum proc_msg_kind {
    PROC_MSG_OK = 1,   /* "ok [words]": rest/rest_len hold the words after "ok " */
    PROC_MSG_ERR,      /* "err NAME WHY": err is NAME's code, rest the WHY */
    PROC_MSG_END,      /* an end line: pid, end, code (parent/has_parent after it, status) */
    PROC_MSG_RUNNING,  /* "running PID parent=Q": pid, parent */
    PROC_MSG_SIG_TERM, /* "signal term from=P": from */
    PROC_MSG_SIG_USER, /* "signal user N from=P": signo, from */
    PROC_MSG_SIG_CHILD /* "signal child END-LINE": pid, end, code */
};

struct proc_msg {
    enum proc_msg_kind kind;
    int64_t err;
    uint32_t pid, parent, from, signo;
    bool has_parent;
    enum proc_end end;
    int32_t code;
    const char *rest;
    size_t rest_len;
};

/*
 * Parse a message the manager sent (msg[0..len)): TW_OK and *out, or TW_E_INVAL for
 * anything that is not one of the forms above. Never reads outside msg.
 */
int64_t proc_msg_parse(const char *msg, size_t len, struct proc_msg *out);

/*
 * The first word of s[0..len) after *pos (skipping spaces): true with word/wlen and *pos
 * past it; false at the end. Shared by the parsers.
 */
bool proc_next_word(const char *s, size_t len, size_t *pos, const char **word, size_t *wlen);

/* A pid or other decimal 1..max without sign or leading zero: true and *out. */
bool proc_parse_num(const char *w, size_t wlen, uint64_t max, uint64_t *out);

#endif /* TWAIN_USER_PROC_PROTO_H */
