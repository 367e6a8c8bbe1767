/* SPDX-License-Identifier: MIT */
/*
 * user/servers/log_server.c - log-server, the log service (proto/log.proto; docs/services.md,
 * "The log"): numbered records of text that any task, and kernel code (via=kernel), append
 * and read back from the newest. Each record names the task that wrote its APPEND as the
 * kernel tells it (port_sender), never as the client claims: the request has no such field.
 *
 * args: name=NAME registers NAME itself (default "log"; policy=fail|queue|replace,
 * replaceable=1, as kv-server); under a supervisor (sup=..., docs/supervision.md) it serves
 * the registration port init keeps (a server's "service" in the init block), saying ready
 * and beating; records=N keeps the newest N (1..64, default 64; else it ends with
 * invalid_argument); count=N ends it with 0 after N answers (0: serve until the port
 * fails); crash_after=N answers N, reads the next request and dies of a real page fault with
 * it in service (its caller gets restarted); say=1 prints when it starts serving.
 *
 * The records are the incarnation's: they live on its stack and die with it, so a
 * restarted log-server numbers from 1 again (docs/services.md says why).
 */
#include "../../core/klib.h"
#include "../ops.h"
#include "../programs.h"
#include "../svc.h"
#include "../twain.h"
#include "log.svc.h"
#include "log_ring.h"
#include "supervisor_proto.h"

_Static_assert(sizeof(((twain_log_AppendRequest *)0)->text) == LOG_TEXT_MAX + 1,
               "log.options bounds a text as the ring does");
_Static_assert(sizeof(((twain_log_TailReply *)0)->text) == LOG_TEXT_MAX + 1,
               "a TAIL answers a whole text");

struct log_ctx {
    struct log_ring ring;
    int32_t port; /* the port the requests come from: whom port_sender asks */
};

static int32_t append(struct log_ctx *c, const twain_log_AppendRequest *req,
                      twain_log_AppendReply *rep)
{
    int64_t task = tw_port_sender(c->port); /* the request in service: this one */
    if (task < 0)
        return (int32_t)task;
    int64_t seq =
        log_ring_append(&c->ring, req->level, (uint32_t)task, req->text, k_strlen(req->text));
    if (seq < 0)
        return (int32_t)seq; /* a level past LOG_LEVEL_MAX: nothing appended */
    rep->seq = (uint64_t)seq;
    return TW_OK;
}

static int32_t tail(struct log_ctx *c, const twain_log_TailRequest *req, twain_log_TailReply *rep)
{
    const struct log_record *r = log_ring_back(&c->ring, req->back);
    if (r == NULL)
        return TW_OK; /* found = false: the log does not keep it, which is no error */
    rep->found = true;
    rep->seq = r->seq;
    rep->level = r->level;
    rep->task = r->task;
    k_memcpy(rep->text, r->text, sizeof(rep->text));
    return TW_OK;
}

static int32_t handle(void *ctx, const struct svc_method *m, const void *req, void *rep)
{
    switch (m->number) {
    case SVC_LOG_APPEND:
        return append(ctx, req, rep);
    case SVC_LOG_TAIL:
        return tail(ctx, req, rep);
    default:
        return TW_E_NOTSUP; /* the codec refuses unknown methods before: not reached */
    }
}

static int64_t policy_of(const char *args, size_t len, enum svc_policy *pol)
{
    const char *v;
    size_t n;
    *pol = SVC_FAIL;
    if (!tw_program_text(args, len, "policy", &v, &n) || k_memeq_str(v, n, "fail"))
        return TW_OK;
    if (k_memeq_str(v, n, "queue"))
        *pol = SVC_QUEUE;
    else if (k_memeq_str(v, n, "replace"))
        *pol = SVC_REPLACE;
    else
        return TW_E_INVAL;
    return TW_OK;
}

int64_t log_server_main(const char *args, size_t len)
{
    struct log_ctx c; /* on the stack: user code has no writable globals (ring 3) */
    int64_t records = tw_program_arg(args, len, "records", LOG_RING_MAX);
    if (records < 1 || records > LOG_RING_MAX || log_ring_init(&c.ring, (uint32_t)records) != TW_OK)
        return TW_E_INVAL;
    struct sup_child sup;
    bool supervised = sup_child_init(&sup, args, len);
    const char *name = "log";
    size_t nlen = 3;
    if (supervised) {
        c.port = SUP_HANDLE_PORT;
    } else {
        if (tw_program_text(args, len, "name", &name, &nlen) && nlen == 0)
            return TW_E_INVAL;
        enum svc_policy pol;
        if (policy_of(args, len, &pol) != TW_OK)
            return TW_E_INVAL;
        int64_t port = svc_register(&svc_proto_log, name, nlen, pol,
                                    tw_program_arg(args, len, "replaceable", 0) != 0);
        if (port < 0)
            return port;
        c.port = (int32_t)port;
    }
    uint64_t count = (uint64_t)tw_program_arg(args, len, "count", 0);
    if (tw_program_arg(args, len, "say", 0) != 0) {
        int32_t con = -1;
        sup_print(&con, "log-server: serving %.*s, %lld records", supervised ? 8 : (int)nlen,
                  supervised ? "its port" : name, (long long)records);
        if (con >= 0)
            tw_close(con);
    }
    int64_t crash_after = tw_program_arg(args, len, "crash_after", -1);
    if (supervised)
        sup_child_ready(&sup);
    for (uint64_t answered = 0; count == 0 || answered < count; answered++) {
        if (supervised) { /* heartbeats and the supervisor's control channel meanwhile */
            int32_t hs[1] = {c.port};
            uint32_t sig[1] = {TW_SIG_READABLE};
            int64_t w = sup_child_wait(&sup, hs, sig, 1, 0);
            if (w < 0)
                return w;
        }
        if (crash_after >= 0 && answered == (uint64_t)crash_after) {
            uint8_t msg[TW_MSG_MAX_BYTES];
            int64_t rc = tw_read(c.port, msg, sizeof(msg));
            return rc < 0 ? rc : tw_crash(TW_CRASH_PF); /* the request dies in service */
        }
        int64_t rc = svc_serve_one(c.port, &svc_proto_log, handle, &c);
        if (rc < 0)
            return rc;
    }
    return 0;
}
