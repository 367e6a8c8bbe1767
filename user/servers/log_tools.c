/* SPDX-License-Identifier: MIT */
/*
 * user/servers/log_tools.c - two clients of the log service (proto/log.proto, log-server;
 * docs/services.md, "The log") for the scenarios:
 *
 *   log-append name=NAME [level=L] [text=WORD] [n=N] [gap_us=G] [wait_us=W] [via=kernel]
 *              [bad=oversized|utf8|nul] [claim=T]
 *       one subscription (via=kernel: kernel code makes the calls), N appends of level L
 *       (default 1) and text WORD ("WORD i" when N > 1) with G between them, then the
 *       malformed APPEND bad names, built by hand since the codec would not send it: a
 *       200-byte text, one that is not UTF-8, or one holding a NUL; then, with claim, an
 *       APPEND that claims to come from task T (an extra field 5 = T, which the log's request
 *       does not have, and the text "claims to be task T"). Prints its task id and
 *       the number each append got ("r": refused with restarted, its server died holding
 *       it; "x": refused by the service, which it prints); ends 0, or with the error of a
 *       subscribe or of a call that failed otherwise.
 *   log-tail name=NAME [back=B] [n=N] [delay_us=D] [wait_us=W] [via=kernel]
 *       one subscription, and D after it N TAILs from back=B+N-1 down to back=B (oldest
 *       first); prints
 *       each record (seq, level, the task the log says wrote it, text) or that the log does
 *       not keep it, then how many it found, whether their numbers rise one by one, and the
 *       owner events its subscription was told.
 */
#include "../../core/klib.h"
#include "../ops.h"
#include "../programs.h"
#include "../svc.h"
#include "../twain.h"
#include "log.pb.h"
#include "log.svc.h"
#include "supervisor_proto.h"

#define US         1000ull
#define SEQS_SHOWN 24 /* appends whose numbers log-append lists */

static const char *const prefix_of[] = {"log-append", "log-tail"};

/* Subscribe as name=, wait_us= and via= say: TW_OK, or the error (printed). */
static int64_t subscribe(int which, const char *args, size_t len, struct svc_sub *s,
                         const char **name, size_t *nlen, int32_t *con)
{
    if (!tw_program_text(args, len, "name", name, nlen) || *nlen == 0 || *nlen > 31)
        return TW_E_INVAL;
    const char *via;
    size_t vlen;
    bool kernel = tw_program_text(args, len, "via", &via, &vlen);
    if (kernel && !k_memeq_str(via, vlen, "kernel"))
        return TW_E_INVAL;
    struct svc_sub_opts o = {.wait_us = (uint64_t)tw_program_arg(args, len, "wait_us", 100000),
                             .via_kernel = kernel};
    int64_t rc = svc_subscribe(s, &svc_proto_log, *name, *nlen, &o);
    if (rc < 0)
        sup_print(con, "%s %.*s: subscribe: %s", prefix_of[which], (int)*nlen, *name,
                  tw_strerror(rc));
    return rc;
}

/* A malformed APPEND of kind bad into msg: its length, or 0 for an unknown kind. The
 * header is a request's (method APPEND, kind 0, flags 0, status 0); the payload is level 1
 * (field 1) and a text (field 2) the codec refuses. */
static size_t bad_append(const char *bad, size_t blen, uint8_t *msg, const char **what)
{
    k_memset(msg, 0, TW_MSG_MAX_BYTES);
    msg[0] = SVC_LOG_APPEND;
    size_t n = TW_SVC_HDR_BYTES;
    msg[n++] = 0x08; /* level = 1 */
    msg[n++] = 1;
    msg[n++] = 0x12; /* text */
    if (k_memeq_str(bad, blen, "oversized")) {
        *what = "a 200-byte text";
        msg[n++] = 0xc8; /* 200, a varint */
        msg[n++] = 0x01;
        k_memset(msg + n, 'x', 200);
        return n + 200;
    }
    if (k_memeq_str(bad, blen, "utf8")) {
        *what = "a text that is not UTF-8";
        msg[n++] = 2;
        msg[n++] = 0xff;
        msg[n++] = 0xfe;
        return n;
    }
    if (k_memeq_str(bad, blen, "nul")) {
        *what = "a text holding a NUL";
        msg[n++] = 3;
        msg[n++] = 'a';
        msg[n++] = 0;
        msg[n++] = 'b';
        return n;
    }
    return 0;
}

/* An APPEND built by hand that claims to come from task claim: its text says so, and it
 * carries field 5 (TailReply's task) = claim, which AppendRequest does not have: protobuf
 * skips it, so the claim reaches nobody. Its length in msg. */
static size_t claim_append(uint64_t claim, uint8_t *msg)
{
    k_memset(msg, 0, TW_MSG_MAX_BYTES);
    msg[0] = SVC_LOG_APPEND;
    size_t n = TW_SVC_HDR_BYTES;
    msg[n++] = 0x08; /* level = 1 */
    msg[n++] = 1;
    msg[n++] = 0x12; /* text */
    size_t t =
        k_snprintf((char *)msg + n + 1, 40, "claims to be task %llu", (unsigned long long)claim);
    msg[n] = (uint8_t)t;
    n += 1 + t;
    msg[n++] = 0x28; /* field 5, a varint */
    do {
        msg[n++] = (uint8_t)((claim & 0x7f) | (claim > 0x7f ? 0x80 : 0));
        claim >>= 7;
    } while (claim != 0);
    return n;
}

/* Send msg[0..n) as a request on s and read its reply past events into rep: the reply's
 * status, or the transport's error, or invalid_argument for a reply not the APPEND's. */
static int64_t raw_call(struct svc_sub *s, uint8_t *msg, size_t n, twain_log_AppendReply *rep)
{
    int64_t w = tw_write(s->h, msg, n);
    if (w < 0)
        return w;
    for (;;) {
        int64_t r = tw_read(s->h, msg, TW_MSG_MAX_BYTES);
        if (r < 0)
            return r;
        if (svc_msg_kind(msg, (size_t)r) == TW_SVC_EVENT) {
            s->events++;
            continue;
        }
        uint16_t got;
        int32_t status;
        int rc = svc_decode_reply(&svc_proto_log, msg, (size_t)r, &got, &status, rep, sizeof(*rep));
        if (rc != TW_OK)
            return rc;
        return got == SVC_LOG_APPEND ? status : TW_E_INVAL;
    }
}

int64_t log_append_main(const char *args, size_t len)
{
    int32_t con = -1;
    struct svc_sub s;
    const char *name;
    size_t nlen;
    int64_t rc = subscribe(0, args, len, &s, &name, &nlen, &con);
    if (rc < 0)
        return rc;
    int64_t n = tw_program_arg(args, len, "n", 1);
    int64_t level = tw_program_arg(args, len, "level", 1);
    uint64_t gap = (uint64_t)tw_program_arg(args, len, "gap_us", 0) * US;
    const char *text = "hello";
    size_t tlen = 5;
    (void)tw_program_text(args, len, "text", &text, &tlen);
    if (n < 0 || level > UINT32_MAX)
        return TW_E_INVAL;
    char seqs[SEQS_SHOWN * 8 + 8];
    size_t sl = 0;
    seqs[0] = '\0';
    uint64_t appended = 0, restarted = 0, refused = 0;
    for (int64_t i = 1; i <= n; i++) {
        twain_log_AppendRequest req = twain_log_AppendRequest_init_zero;
        twain_log_AppendReply rep;
        req.level = (uint32_t)level;
        if (n == 1)
            k_snprintf(req.text, sizeof(req.text), "%.*s", (int)tlen, text);
        else
            k_snprintf(req.text, sizeof(req.text), "%.*s %lld", (int)tlen, text, (long long)i);
        rc = svc_call(&s, SVC_LOG_APPEND, &req, &rep);
        char one[24];
        if (rc == TW_OK) {
            appended++;
            k_snprintf(one, sizeof(one), " %llu", (unsigned long long)rep.seq);
        } else if (rc == TW_E_RESTARTED) {
            restarted++;
            k_snprintf(one, sizeof(one), " r");
        } else if (rc == TW_E_INVAL) { /* the service's answer: a level it does not take */
            refused++;
            k_snprintf(one, sizeof(one), " x");
            sup_print(&con, "log-append %.*s: append %lld (level %lld) refused: %s", (int)nlen,
                      name, (long long)i, (long long)level, tw_strerror(rc));
        } else {
            sup_print(&con, "log-append %.*s: append %lld: %s", (int)nlen, name, (long long)i,
                      tw_strerror(rc));
            return rc;
        }
        if (i <= SEQS_SHOWN && sl < sizeof(seqs)) /* the rest is counted, not listed */
            sl += k_snprintf(seqs + sl, sizeof(seqs) - sl, "%s", one);
        if (gap > 0 && i < n)
            (void)tw_sleep_ns(gap);
    }
    sup_print(&con, "log-append %.*s: task %lld: %llu appended, %llu restarted, %llu refused:%s",
              (int)nlen, name, (long long)tw_task_id(), (unsigned long long)appended,
              (unsigned long long)restarted, (unsigned long long)refused, seqs);
    const char *bad;
    size_t blen;
    if (tw_program_text(args, len, "bad", &bad, &blen)) {
        uint8_t msg[TW_MSG_MAX_BYTES];
        const char *what = "";
        size_t m = bad_append(bad, blen, msg, &what);
        if (m == 0)
            return TW_E_INVAL;
        twain_log_AppendReply rep;
        rc = raw_call(&s, msg, m, &rep);
        sup_print(&con, "log-append %.*s: %s: %s", (int)nlen, name, what,
                  rc == TW_OK ? "appended (wrong)" : tw_strerror(rc));
    }
    int64_t claim = tw_program_arg(args, len, "claim", -1);
    if (claim >= 0) {
        uint8_t msg[TW_MSG_MAX_BYTES];
        twain_log_AppendReply rep;
        rc = raw_call(&s, msg, claim_append((uint64_t)claim, msg), &rep);
        if (rc == TW_OK)
            sup_print(&con, "log-append %.*s: task %lld claimed to be task %lld: seq %llu",
                      (int)nlen, name, (long long)tw_task_id(), (long long)claim,
                      (unsigned long long)rep.seq);
        else
            sup_print(&con, "log-append %.*s: claim: %s", (int)nlen, name, tw_strerror(rc));
    }
    sup_print(&con, "log-append %.*s: %u owner events, one subscription", (int)nlen, name,
              s.events);
    tw_close(s.h);
    return 0;
}

int64_t log_tail_main(const char *args, size_t len)
{
    int32_t con = -1;
    struct svc_sub s;
    const char *name;
    size_t nlen;
    int64_t rc = subscribe(1, args, len, &s, &name, &nlen, &con);
    if (rc < 0)
        return rc;
    int64_t back = tw_program_arg(args, len, "back", 0);
    int64_t n = tw_program_arg(args, len, "n", 1);
    if (n < 1 || back > UINT32_MAX || back + n - 1 > UINT32_MAX)
        return TW_E_INVAL;
    uint64_t delay = (uint64_t)tw_program_arg(args, len, "delay_us", 0) * US;
    if (delay > 0) /* subscribed first: the subscription lives through what happens meanwhile */
        (void)tw_sleep_ns(delay);
    uint64_t found = 0, prev = 0;
    bool rising = true;
    for (int64_t k = back + n - 1; k >= back; k--) {
        twain_log_TailRequest req = twain_log_TailRequest_init_zero;
        twain_log_TailReply rep;
        req.back = (uint32_t)k;
        rc = svc_call(&s, SVC_LOG_TAIL, &req, &rep);
        if (rc != TW_OK) {
            sup_print(&con, "log-tail %.*s: back %lld: %s", (int)nlen, name, (long long)k,
                      tw_strerror(rc));
            return rc;
        }
        if (!rep.found) {
            sup_print(&con, "log-tail %.*s: back %lld: not kept", (int)nlen, name, (long long)k);
            continue;
        }
        if (found > 0 && rep.seq != prev + 1)
            rising = false;
        prev = rep.seq;
        found++;
        sup_print(&con, "log-tail %.*s: #%llu level %u task %u: %s", (int)nlen, name,
                  (unsigned long long)rep.seq, rep.level, rep.task, rep.text);
    }
    sup_print(&con, "log-tail %.*s: %llu of %lld found, %s", (int)nlen, name,
              (unsigned long long)found, (long long)n,
              rising ? "numbered one by one" : "NOT numbered one by one");
    sup_print(&con, "log-tail %.*s: %u owner events, one subscription", (int)nlen, name, s.events);
    tw_close(s.h);
    return 0;
}
