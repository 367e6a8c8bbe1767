/* SPDX-License-Identifier: MIT */
/*
 * user/servers/prov_serve.c - the request loop of user-space providers (see prov_serve.h).
 * Runs as user code: only the tw_* stubs, and buffers on its own stack.
 */
#include "prov_serve.h"
#include "../../core/klib.h"
#include "../twain.h"

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
    struct tw_prov_reply reply;
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
        k_memset(&reply, 0, sizeof(reply)); /* whole: traces digest every byte sent */
        reply.seq = req.seq;
        reply.result = fn(ctx, &req, &reply);
        if (req.op != TW_PROV_CLOSE)
            tw_write((int32_t)port, &reply, sizeof(reply));
    }
    tw_close((int32_t)port);
    return 0;
}
