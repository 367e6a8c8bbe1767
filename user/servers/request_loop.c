/* SPDX-License-Identifier: MIT */
/*
 * user/servers/request_loop.c - "request-loop", the client of the restart campaign
 * (docs/supervision.md, "Campaign"): it sends n requests to chan://NAME, one at a time,
 * each "1" (test-server's op that is safe to repeat) or, every k-th, "2" (not), and waits
 * for each one's end with a deadline. Under random kills of the server a request ends in
 * exactly one of two ways, and the program counts both:
 *
 *   answered  the reply ("1 ok", "2 ok N"), from the incarnation that read it or, for a
 *             "1" redelivered, from the next one (the handle is then stale for new calls);
 *   refused   TW_E_RESTARTED: the server died before answering a "2" it had accepted.
 *
 * A write that finds the handle stale was never accepted: the program opens the port again
 * and sends the same request. Anything else is a lost request: no end by the deadline (a
 * hang), peer_closed, stale while a request is owed, a reply that is not the request's.
 * The program then prints which and returns that error, so the run step fails.
 *
 * args: port=NAME (1..31 bytes), n=N (default 100), every=K (default 4; 0: never a "2"),
 * timeout_us=T (default 100000), gap_us=G (a sleep between two requests, default 0).
 * Prints one line at the end and returns 0 when every request was answered or refused.
 */
#include "../../core/klib.h"
#include "../programs.h"
#include "../twain.h"
#include "supervisor_proto.h"

#define US 1000ull

struct loop {
    char url[48]; /* chan://NAME, in task memory */
    int32_t h;
    int32_t con;
    uint64_t answered, refused, reopened;
};

/* Open the port again (the first time, or after a stale write). */
static int64_t reopen(struct loop *l)
{
    if (l->h >= 0) {
        (void)tw_close(l->h);
        l->reopened++;
    }
    int64_t h = tw_open(l->url, 0);
    l->h = h >= 0 ? (int32_t)h : -1;
    return h;
}

/* Fail request i with why and rc (an error): the program's result. */
static int64_t lost(struct loop *l, int64_t i, const char *why, int64_t rc)
{
    sup_print(&l->con, "request-loop %s: request %lld lost: %s (%s)", l->url + 7, (long long)i, why,
              tw_strerror(rc));
    return rc;
}

/* Send request i (one byte, op) until a handle accepts it; then wait for its end. */
static int64_t one_request(struct loop *l, int64_t i, char op, uint64_t timeout_ns)
{
    char req[1] = {op}, buf[64];
    int64_t rc;
    for (;;) {
        if (l->h < 0 && (rc = reopen(l)) < 0)
            return lost(l, i, "open", rc);
        rc = tw_write(l->h, req, sizeof(req));
        if (rc == 1)
            break;
        if (rc != TW_E_STALE)
            return lost(l, i, "write", rc);
        if ((rc = reopen(l)) < 0) /* the request was never accepted: send it again */
            return lost(l, i, "open", rc);
    }
    uint64_t deadline = (uint64_t)tw_now() + timeout_ns;
    rc = tw_wait(l->h, TW_SIG_READABLE | TW_SIG_PEER_CLOSED, deadline);
    if (rc < 0)
        return lost(l, i, "no end by its deadline", rc);
    rc = tw_read(l->h, buf, sizeof(buf));
    if (rc == TW_E_RESTARTED) {
        l->refused++;
        return 0;
    }
    if (rc < 2 || buf[0] != op || buf[1] != ' ')
        return lost(l, i, "not its reply", rc < 0 ? rc : TW_E_INVAL);
    l->answered++;
    return 0;
}

int64_t request_loop_main(const char *args, size_t len)
{
    struct loop l = {.h = -1, .con = -1};
    const char *name;
    size_t nlen;
    if (!tw_program_text(args, len, "port", &name, &nlen) || nlen == 0 || nlen > 31)
        return TW_E_INVAL;
    k_snprintf(l.url, sizeof(l.url), "chan://%.*s", (int)nlen, name);
    int64_t n = tw_program_arg(args, len, "n", 100);
    int64_t every = tw_program_arg(args, len, "every", 4);
    uint64_t timeout_ns = (uint64_t)tw_program_arg(args, len, "timeout_us", 100000) * US;
    uint64_t gap_ns = (uint64_t)tw_program_arg(args, len, "gap_us", 0) * US;
    for (int64_t i = 0; i < n; i++) {
        char op = every > 0 && i % every == every - 1 ? '2' : '1';
        int64_t rc = one_request(&l, i, op, timeout_ns);
        if (rc != 0)
            return rc;
        if (gap_ns > 0)
            (void)tw_sleep_ns(gap_ns);
    }
    sup_print(&l.con, "request-loop %s: %lld requests: %llu answered, %llu refused, %llu reopened",
              l.url + 7, (long long)n, (unsigned long long)l.answered,
              (unsigned long long)l.refused, (unsigned long long)l.reopened);
    return 0;
}
