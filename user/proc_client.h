/* SPDX-License-Identifier: MIT */
/*
 * user/proc_client.h - the process manager's client library for native programs
 * (docs/processes.md): connect to chan://proc, then spawn, wait, kill, terminate and
 * signal processes through a session, and read one's own signals. Synchronous: each call
 * writes one request and reads its reply, so a session used through it has one request
 * outstanding at a time. System calls only (user/twain.h); buffers on the caller's stack.
 */
#ifndef TWAIN_USER_PROC_CLIENT_H
#define TWAIN_USER_PROC_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "proc_proto.h"

/* A new session with the manager: its handle, or a TW_E_* (TW_E_NOENT: no manager runs). */
int64_t tw_proc_connect(void);

/*
 * Send request req[0..len) with nh handles (moved) on session sess and read one reply into
 * reply[0..cap) (cap >= PROC_MSG_MAX), parsed into *msg: TW_OK, a TW_E_* of the system
 * calls, or TW_E_INVAL for a reply that is not the protocol's.
 */
int64_t tw_proc_call(int32_t sess, const char *req, size_t len, const int32_t *hs, size_t nh,
                     char *reply, size_t cap, struct proc_msg *msg);

/* Spawn cmd[0..len) ("program args") with nh handles: the pid, or the error the reply names. */
int64_t tw_proc_spawn(int32_t sess, const char *cmd, size_t len, const int32_t *hs, size_t nh);

/* Wait until pid ends: TW_OK with *end (kind PROC_MSG_END: end, code), or the error. */
int64_t tw_proc_wait(int32_t sess, uint32_t pid, struct proc_msg *end);

/* Kill pid: TW_OK or the error. */
int64_t tw_proc_kill(int32_t sess, uint32_t pid);

/* Ask pid to end (signal term), killing it after grace_us: TW_OK or the error. */
int64_t tw_proc_terminate(int32_t sess, uint32_t pid, uint32_t grace_us);

/* Send the user-defined signal signo (1..2^31-1) to pid: TW_OK or the error. */
int64_t tw_proc_signal(int32_t sess, uint32_t pid, uint32_t signo);

/*
 * Read the next signal on h (a managed process's PROC_H_SIGNALS) into buf[0..cap), parsed
 * into *sig, waiting until deadline_ns (TW_DEADLINE_NEVER: forever): its length, or
 * TW_E_TIMEDOUT, TW_E_PEER (the manager is gone), TW_E_INVAL (not a signal).
 */
int64_t tw_proc_next_signal(int32_t h, char *buf, size_t cap, struct proc_msg *sig,
                            uint64_t deadline_ns);

#endif /* TWAIN_USER_PROC_CLIENT_H */
