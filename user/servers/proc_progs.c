/* SPDX-License-Identifier: MIT */
/*
 * user/servers/proc_progs.c - small programs for processes of the process manager
 * (docs/processes.md): ones that react to terminate or ignore it, relaying every signal
 * they get to the handle they were passed; a parent that spawns children through its own
 * session and relays their exits; one that sends a signal to another process. Handles are
 * the manager's numbering: 1 the signals, 2 the session, 3 the first one passed.
 */
#include "../../core/klib.h"
#include "../proc_client.h"
#include "../programs.h"
#include "../twain.h"

#define US 1000ull

/* Write the signal text on handle 3 if the spawn passed one (no handle: nothing). */
static void relay(const char *buf, size_t len)
{
    (void)tw_write(PROC_H_FIRST_PASSED, buf, len); /* buf lies on the caller's stack */
}

/* Relay signals until terminate (obey: end with code) or, with a deadline, until it passes. */
static int64_t listen(bool obey, int64_t code, uint64_t deadline_ns)
{
    for (;;) {
        char buf[PROC_MSG_MAX];
        struct proc_msg sig;
        int64_t r = tw_proc_next_signal(PROC_H_SIGNALS, buf, sizeof(buf), &sig, deadline_ns);
        if (r == TW_E_TIMEDOUT)
            return 0;
        if (r == TW_E_INVAL)
            continue; /* not a signal: the manager never sends one */
        if (r < 0)
            return r; /* the manager is gone, or this is no managed process */
        relay(buf, (size_t)r);
        if (obey && sig.kind == PROC_MSG_SIG_TERM)
            return code;
    }
}

/* "obedient [code=N]": relay signals to handle 3; on terminate, end with N (default 0). */
int64_t obedient_main(const char *args, size_t len)
{
    int64_t code = tw_program_arg(args, len, "code", 0);
    return listen(true, code > INT32_MAX ? INT32_MAX : code, TW_DEADLINE_NEVER);
}

/* "stubborn": relay signals to handle 3 and ignore terminate: only a kill ends it. */
int64_t stubborn_main(const char *args, size_t len)
{
    (void)args;
    (void)len;
    return listen(false, 0, TW_DEADLINE_NEVER);
}

/*
 * "proc-parent n=N us=T stay=S": through its session spawn N (1..8, default 2) children
 * running "idle us=T" (T = 0: until killed), so that it is their parent; write
 * "children P1 .. PN" on handle 3; relay its signals (children's exits) to handle 3 for S
 * microseconds (default 0), or until terminate; end with 0. Children still living then go
 * to pid 1.
 */
int64_t proc_parent_main(const char *args, size_t len)
{
    int64_t n = tw_program_arg(args, len, "n", 2), us = tw_program_arg(args, len, "us", 0);
    int64_t stay = tw_program_arg(args, len, "stay", 0);
    if (n < 1 || n > 8)
        return TW_E_INVAL;
    char cmd[48], line[PROC_MSG_MAX];
    size_t clen = k_snprintf(cmd, sizeof(cmd), "idle us=%lld", (long long)us);
    size_t ll = k_snprintf(line, sizeof(line), "children");
    for (int64_t i = 0; i < n; i++) {
        int64_t pid = tw_proc_spawn(PROC_H_SESSION, cmd, clen, NULL, 0);
        if (pid < 0)
            return pid;
        ll += k_snprintf(line + ll, sizeof(line) - ll, " %lld", (long long)pid);
    }
    relay(line, ll);
    if (stay <= 0)
        return 0;
    int64_t r = listen(true, 0, (uint64_t)tw_now() + (uint64_t)stay * US);
    return r < 0 ? r : 0;
}

/* "proc-signal pid=P n=N": send the user signal N (default 1) to process P through its own
 * session (the signal says from= its pid); end with 0 or the error the manager named. */
int64_t proc_signal_main(const char *args, size_t len)
{
    int64_t pid = tw_program_arg(args, len, "pid", 0), signo = tw_program_arg(args, len, "n", 1);
    if (pid < 1 || pid > UINT32_MAX || signo < 1 || signo > PROC_SIGNAL_MAX)
        return TW_E_INVAL;
    return tw_proc_signal(PROC_H_SESSION, (uint32_t)pid, (uint32_t)signo);
}
