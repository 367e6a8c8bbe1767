/* SPDX-License-Identifier: MIT */
/*
 * user/servers/port_server.c - port-server, a server that answers requests on a port and,
 * when told to, dies of a real CPU fault in the middle of one (tw_crash: a page fault or a
 * general-protection fault in ring 3 on UEFI, the same fault in the simulator). What the
 * restart scenarios supervise: scenarios/restart-ring3-fault.json.
 */
#include "../../core/klib.h"
#include "../programs.h"
#include "../twain.h"

#define PS_MSG 256 /* a channel message's most bytes */

static const char reply_prefix[] = "re:";

/* crash=pf|gp: the fault to take (0 for none given), or -1 for any other value. */
static int crash_kind(const char *args, size_t len)
{
    const char *v;
    size_t n;
    if (!tw_program_text(args, len, "crash", &v, &n))
        return 0;
    if (k_memeq_str(v, n, "pf"))
        return TW_CRASH_PF;
    if (k_memeq_str(v, n, "gp"))
        return TW_CRASH_GP;
    return -1;
}

/*
 * The port: chan://NAME?listen opened here with port=NAME (1..64 bytes), else handle 1, the
 * first handle the spawner moved in (a supervisor keeps the port and hands it over).
 */
static int64_t open_port(const char *args, size_t len)
{
    const char *name;
    size_t n;
    if (!tw_program_text(args, len, "port", &name, &n))
        return 1;
    if (n == 0 || n > 64)
        return TW_E_INVAL;
    char url[96]; /* on this thread's stack: task memory, as user pointers must be */
    size_t ulen = k_snprintf(url, sizeof(url), "chan://%.*s?listen", (int)n, name);
    return tw_open_n(url, ulen, 0);
}

/*
 * args (docs/user-providers.md): port=NAME, count=N (end with 0 after answering N requests;
 * 0 or none: serve until the port fails), delay=US (compute US microseconds before each
 * answer), crash_after=N and crash=pf|gp (answer N requests, then read the next one and,
 * with it in service, take that fault; crash_after alone means pf). Each request is
 * answered "re:" + its bytes (cut to fit 256). Returns 0 after count answers, TW_E_INVAL
 * for a bad argument, or the error the port's read gave.
 */
int64_t port_server_main(const char *args, size_t len)
{
    int64_t count = tw_program_arg(args, len, "count", 0);
    int64_t crash_after = tw_program_arg(args, len, "crash_after", -1);
    int64_t delay_us = tw_program_arg(args, len, "delay", 0);
    int kind = crash_kind(args, len);
    if (kind < 0)
        return TW_E_INVAL;
    if (kind == 0 && crash_after >= 0)
        kind = TW_CRASH_PF;
    if (kind != 0 && crash_after < 0)
        crash_after = 0;
    int64_t port = open_port(args, len);
    if (port < 0)
        return port;
    uint8_t req[PS_MSG], reply[PS_MSG];
    for (int64_t answered = 0; count == 0 || answered < count;) {
        int64_t n = tw_read((int32_t)port, req, sizeof(req));
        if (n < 0)
            return n;
        if (kind != 0 && answered == crash_after)
            return tw_crash((enum tw_crash_kind)kind); /* the request dies in service */
        if (delay_us > 0)
            (void)tw_compute_ns((uint64_t)K_MIN(delay_us, INT64_MAX / 1000) * 1000);
        size_t plen = sizeof(reply_prefix) - 1;
        size_t body = K_MIN((size_t)n, sizeof(reply) - plen);
        k_memcpy(reply, reply_prefix, plen);
        k_memcpy(reply + plen, req, body);
        int64_t w = tw_write((int32_t)port, reply, plen + body);
        if (w < 0 && w != TW_E_PEER && w != TW_E_BUSY)
            return w; /* the client gone or its ring full: that answer is lost, serve on */
        answered++;
    }
    return 0;
}
