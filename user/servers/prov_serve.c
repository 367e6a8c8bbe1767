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

int64_t prov_serve(const char *port_url, const char *scheme, int64_t idle_us, prov_handler fn,
                   void *ctx)
{
    char name[32];
    size_t n = k_strnlen(scheme, sizeof(name) - 1);
    k_memcpy(name, scheme, n);
    int64_t port = tw_open(port_url, 0);
    if (port < 0)
        return port;
    int64_t rc = tw_port_serve_scheme((int32_t)port, name, n);
    if (rc < 0)
        return rc;
    struct tw_prov_req req;
    uint8_t out[TW_PROV_READ_MAX];
    for (;;) {
        if (idle_us > 0) {
            int64_t w = tw_wait((int32_t)port, TW_SIG_READABLE,
                                (uint64_t)tw_now() + (uint64_t)idle_us * 1000);
            if (w == TW_E_TIMEDOUT)
                break;
        }
        int64_t r = tw_read((int32_t)port, &req, sizeof(req));
        if (r < 0)
            return r;
        if (r != (int64_t)sizeof(req))
            continue; /* not a request: the kernel sends nothing else, ignore it */
        int64_t result = fn(ctx, &req, out);
        if (req.op != TW_PROV_CLOSE)
            send_reply((int32_t)port, &req, result, out);
    }
    tw_close((int32_t)port);
    return 0;
}
