/* SPDX-License-Identifier: MIT */
/*
 * user/servers/kv_server.c - kv-server, a task that provides the kv service
 * (proto/kv.proto) with the same store the kernel's kv service uses (proto/kv_store.c):
 * what the four-way scenario compares against the kernel provider.
 *
 * args: name=NAME registers NAME itself (policy=fail|queue|replace, replaceable=1); under
 * a supervisor (sup=..., docs/supervision.md) it serves the registration port init keeps
 * across restarts (a server's "service" in the init block), saying ready and beating as
 * every supervised server does; else the port it was given as handle 1; count=N ends it with 0
 * after N answers (0: serve until the port fails); crash_after=N answers N, reads the next request
 * and dies of a real page fault with it in service (tw_crash; its caller gets restarted); say=1
 * prints when it starts serving.
 */
#include "../../core/klib.h"
#include "../../proto/kv_store.h"
#include "../programs.h"
#include "../svc.h"
#include "../twain.h"
#include "kv.svc.h"
#include "supervisor_proto.h"

static int32_t handle(void *ctx, const struct svc_method *m, const void *req, void *rep)
{
    return kv_store_apply(ctx, m, req, rep);
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

int64_t kv_server_main(const char *args, size_t len)
{
    struct kv_store store; /* on the stack: user code has no writable globals (ring 3) */
    kv_store_clear(&store);
    const char *name;
    size_t nlen;
    int64_t port = 1;
    bool named = tw_program_text(args, len, "name", &name, &nlen);
    if (named) {
        enum svc_policy pol;
        if (policy_of(args, len, &pol) != TW_OK)
            return TW_E_INVAL;
        port = svc_register(&svc_proto_kv, name, nlen, pol,
                            tw_program_arg(args, len, "replaceable", 0) != 0);
        if (port < 0)
            return port;
    }
    struct sup_child sup;
    bool supervised = !named && sup_child_init(&sup, args, len);
    if (supervised)
        port = SUP_HANDLE_PORT;
    uint64_t count = (uint64_t)tw_program_arg(args, len, "count", 0);
    if (tw_program_arg(args, len, "say", 0) != 0) {
        int32_t con = -1;
        sup_print(&con, "kv-server: serving%s%.*s", named ? " " : " its port",
                  named ? (int)nlen : 0, named ? name : "");
        if (con >= 0)
            tw_close(con);
    }
    int64_t crash_after = tw_program_arg(args, len, "crash_after", -1);
    if (supervised)
        sup_child_ready(&sup);
    for (uint64_t answered = 0; count == 0 || answered < count; answered++) {
        if (supervised) { /* heartbeats and the supervisor's control channel meanwhile */
            int32_t hs[1] = {(int32_t)port};
            uint32_t sig[1] = {TW_SIG_READABLE};
            int64_t w = sup_child_wait(&sup, hs, sig, 1, 0);
            if (w < 0)
                return w;
        }
        if (crash_after >= 0 && answered == (uint64_t)crash_after) {
            uint8_t msg[TW_MSG_MAX_BYTES];
            int64_t rc = tw_read((int32_t)port, msg, sizeof(msg));
            return rc < 0 ? rc : tw_crash(TW_CRASH_PF); /* the request dies in service */
        }
        int64_t rc = svc_serve_one((int32_t)port, &svc_proto_kv, handle, &store);
        if (rc < 0)
            return rc;
    }
    return 0;
}
