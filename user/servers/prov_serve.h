/* SPDX-License-Identifier: MIT */
/*
 * user/servers/prov_serve.h - the loop every user-space provider runs: register a scheme
 * on a port, then read struct tw_prov_req, call the server's handler, write the reply.
 */
#ifndef TWAIN_USER_SERVERS_PROV_SERVE_H
#define TWAIN_USER_SERVERS_PROV_SERVE_H

#include <stddef.h>
#include <stdint.h>

#include "../../core/abi.h"

/*
 * Handle one request. A READ places its bytes in out (TW_PROV_READ_MAX bytes; at most
 * req->arg[0] of them, which the handler must clamp: any task may write to the port).
 * Returns the result for the caller: for a READ, the number of bytes placed.
 */
typedef int64_t (*prov_handler)(void *ctx, const struct tw_prov_req *req, uint8_t *out);

/*
 * The arguments of an INVOKE request as its caller gave them, unmarshalled by the
 * operation table (core/optable.h; the layout is in docs/user-providers.md): a[] gets the
 * integers and lengths, pointers into req->data for input buffers, and out for an output
 * buffer, whose capacity (at most TW_PROV_READ_MAX) the reply then carries. TW_E_NOTSUP for
 * an op the table does not let user providers take; TW_E_INVAL for a request whose shape
 * does not fit its op (any task may write to the port).
 */
int64_t prov_invoke_args(const struct tw_prov_req *req, uint8_t *out, uint64_t a[4]);

/* Bytes of out the reply to req carries when the handler returned result. */
size_t prov_reply_bytes(const struct tw_prov_req *req, int64_t result);

/*
 * Serve scheme until no request came for idle_us microseconds (0: forever) or the port
 * fails. port_url names the port (e.g. "chan://echo-provider?listen"). Returns 0 when
 * idle, or the TW_E_* that stopped it (TW_E_BUSY: the scheme is served already).
 */
int64_t prov_serve(const char *port_url, const char *scheme, int64_t idle_us, prov_handler fn,
                   void *ctx);

/*
 * prov_serve, or under a supervisor: if args (the program's arguments) hold "sup=NAME"
 * (supervisor_proto.h), the port is the one the server was given (SUP_HANDLE_PORT; port_url is
 * not opened), the scheme is registered on it again (which changes nothing), the ops of the
 * mask repeatable are marked safe to repeat (TW_PORT_SET_REPEATABLE; 0: none), the server says
 * ready and then beats and re-greets a new supervisor while it waits for requests. Without
 * "sup=", exactly prov_serve.
 */
int64_t prov_serve_sup(const char *port_url, const char *scheme, const char *args, size_t len,
                       uint64_t repeatable, int64_t idle_us, prov_handler fn, void *ctx);

#endif /* TWAIN_USER_SERVERS_PROV_SERVE_H */
