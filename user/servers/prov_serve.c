/* SPDX-License-Identifier: MIT */
/*
 * user/servers/prov_serve.c - the request loop of user-space providers (see prov_serve.h).
 * Runs as user code: only the tw_* stubs, and buffers on its own stack.
 */
#include "prov_serve.h"
#include "../../core/klib.h"
#include "../twain.h"

/* The answer to req: one reply, then for a READ past one reply's data its continuations. */
static void send_reply(int32_t port, const struct tw_prov_req *req, int64_t result,
                       const uint8_t *out)
{
    struct tw_prov_reply reply;
    bool read = req->op == TW_PROV_READ && result > 0;
    size_t n = read ? (size_t)K_MIN((uint64_t)result, (uint64_t)TW_PROV_READ_MAX) : 0;
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
    int64_t rc = tw_invoke((int32_t)port, TW_PORT_SERVE_SCHEME, (uintptr_t)name, n, 0, 0);
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
