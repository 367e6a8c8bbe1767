/* SPDX-License-Identifier: MIT */
/*
 * user/servers/prov_serve.c - the request loop of user-space providers (see prov_serve.h).
 * Runs as user code: only the tw_* stubs, and buffers on its own stack.
 */
#include "prov_serve.h"
#include "../../core/klib.h"
#include "../../core/optable.h"
#include "../ops.h"
#include "../twain.h"
#include "supervisor_proto.h"

/* The invoke op of req, if the table lets user providers take it. */
static const struct tw_op *user_op(const struct tw_prov_req *req)
{
    if (req->op != TW_PROV_INVOKE || req->arg[0] < 0 || req->arg[0] > UINT32_MAX)
        return NULL;
    const struct tw_op *d = tw_op_find((uint32_t)req->arg[0]);
    return d != NULL && (d->kinds & TW_KIND_USER) != 0 ? d : NULL;
}

int64_t prov_invoke_args(const struct tw_prov_req *req, uint8_t *out, uint64_t a[4])
{
    const struct tw_op *d = user_op(req);
    if (d == NULL)
        return TW_E_NOTSUP;
    uint32_t nv = 1, used = 0;
    if (req->flags != 0 || req->len > TW_PROV_REQ_DATA)
        return TW_E_INVAL;
    for (int i = 0; i < 4; i++) {
        a[i] = 0;
        uint8_t k = d->arg[i];
        if (k == TW_ARG_INT || k == TW_ARG_LEN) {
            if (nv > 3)
                return TW_E_INVAL;
            a[i] = (uint64_t)req->arg[nv++];
        }
    }
    for (int i = 0; i < 4; i++) { /* the buffers, now that their lengths are known */
        uint8_t k = d->arg[i];
        if (k == TW_ARG_IN) {
            if (a[i + 1] > req->len - used)
                return TW_E_INVAL; /* the lengths must tile the data */
            a[i] = (uintptr_t)(req->data + used);
            used += (uint32_t)a[i + 1];
        } else if (k == TW_ARG_OUT) {
            a[i + 1] = K_MIN(a[i + 1], (uint64_t)TW_PROV_READ_MAX);
            a[i] = (uintptr_t)out;
        }
    }
    return used == req->len ? TW_OK : TW_E_INVAL;
}

size_t prov_reply_bytes(const struct tw_prov_req *req, int64_t result)
{
    if (result < 0)
        return 0;
    if (req->op == TW_PROV_READ)
        return (size_t)K_MIN((uint64_t)result, (uint64_t)TW_PROV_READ_MAX);
    const struct tw_op *d = user_op(req);
    uint32_t nv = 1;
    for (int i = 0; d != NULL && i < 4; i++) {
        uint8_t k = d->arg[i];
        if (k == TW_ARG_OUT && i + 1 < 4 && nv <= 3)
            return (size_t)K_MIN((uint64_t)req->arg[nv], (uint64_t)TW_PROV_READ_MAX);
        nv += k == TW_ARG_INT || k == TW_ARG_LEN;
    }
    return 0;
}

/* The answer to req: one reply, then for bytes past one reply's data their continuations. */
static void send_reply(int32_t port, const struct tw_prov_req *req, int64_t result,
                       const uint8_t *out)
{
    struct tw_prov_reply reply;
    size_t n = prov_reply_bytes(req, result);
    size_t off = 0;
    do {
        k_memset(&reply, 0, sizeof(reply)); /* whole: traces digest every byte sent */
        reply.seq = req->seq;
        reply.result = off == 0 ? result : (int64_t)off;
        size_t take = K_MIN(n - off, (size_t)TW_PROV_REPLY_DATA);
        k_memcpy(reply.data, out + off, take);
        if (tw_write(port, &reply, sizeof(reply)) < 0)
            return; /* the kernel stopped waiting (timed out) or the port failed */
        off += take;
    } while (off < n);
}

/* The request loop on port: one request at a time, until idle or a failure. */
static int64_t serve_loop(int32_t port, struct sup_child *sup, int64_t idle_us, prov_handler fn,
                          void *ctx)
{
    struct tw_prov_req req;
    uint8_t out[TW_PROV_READ_MAX];
    for (;;) {
        if (sup->on) {
            int32_t hs[1] = {port};
            uint32_t sig[1] = {TW_SIG_READABLE};
            uint64_t d = idle_us > 0 ? (uint64_t)tw_now() + (uint64_t)idle_us * 1000 : 0;
            if (sup_child_wait(sup, hs, sig, 1, d) == TW_E_TIMEDOUT)
                break;
        } else if (idle_us > 0) {
            int64_t w =
                tw_wait(port, TW_SIG_READABLE, (uint64_t)tw_now() + (uint64_t)idle_us * 1000);
            if (w == TW_E_TIMEDOUT)
                break;
        }
        int64_t r = tw_read(port, &req, sizeof(req));
        if (r < 0)
            return r;
        if (r != (int64_t)sizeof(req))
            continue; /* not a request: the kernel sends nothing else, ignore it */
        int64_t result = fn(ctx, &req, out);
        if (req.op != TW_PROV_CLOSE)
            send_reply(port, &req, result, out);
    }
    return 0;
}

int64_t prov_serve(const char *port_url, const char *scheme, int64_t idle_us, prov_handler fn,
                   void *ctx)
{
    return prov_serve_sup(port_url, scheme, NULL, 0, 0, idle_us, fn, ctx);
}

int64_t prov_serve_sup(const char *port_url, const char *scheme, const char *args, size_t len,
                       uint64_t repeatable, int64_t idle_us, prov_handler fn, void *ctx)
{
    char name[32];
    size_t n = k_strnlen(scheme, sizeof(name) - 1);
    k_memcpy(name, scheme, n);
    struct sup_child sup;
    bool supervised = sup_child_init(&sup, args != NULL ? args : "", args != NULL ? len : 0);
    int64_t port = supervised ? SUP_HANDLE_PORT : tw_open(port_url, 0);
    if (port < 0)
        return port;
    int64_t rc = tw_port_serve_scheme((int32_t)port, name, n); /* again on a kept port: no change */
    if (rc < 0)
        return rc;
    if (supervised && repeatable != 0 &&
        (rc = tw_port_set_repeatable((int32_t)port, repeatable)) < 0)
        return rc;
    sup_child_ready(&sup);
    rc = serve_loop((int32_t)port, &sup, idle_us, fn, ctx);
    if (rc == 0)
        tw_close((int32_t)port);
    return rc;
}
