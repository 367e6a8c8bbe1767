/* SPDX-License-Identifier: MIT */
/*
 * user/svc.h - services from user space (docs/services.md): subscribe to a service and
 * call its methods, register one and serve it. Messages are the protocol's nanopb structs,
 * encoded and checked by proto/svc_proto.c; the registry is the kernel's svc://.
 *
 * A client cannot tell who provides a service: the kernel (served in the caller's thread)
 * or a task (served over its port); both answer the same bytes.
 */
#ifndef TWAIN_USER_SVC_H
#define TWAIN_USER_SVC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../proto/svc_proto.h"

/* What a subscription learned from its events (svc.proto's OwnerChanged). */
struct svc_sub {
    int32_t h; /* the subscription's channel end */
    const struct svc_proto *proto;
    uint32_t events;     /* owner-changed events seen */
    uint32_t generation; /* the last one's */
    uint32_t reason;     /* the last one's (OwnerReason) */
};

/* How to subscribe: wait_us 0 fails at once on an unknown name (no_entry); via_kernel
 * makes kernel code the client (the kernel relays, checking both ways). */
struct svc_sub_opts {
    uint64_t wait_us;
    bool via_kernel;
};

/*
 * Subscribe to the service name[0..len) speaking protocol p: TW_OK with s filled, or the
 * open's error: no_entry, timed_out (waited wait_us), version (another schema),
 * invalid_argument (a bad name).
 */
int64_t svc_subscribe(struct svc_sub *s, const struct svc_proto *p, const char *name, size_t len,
                      const struct svc_sub_opts *o);

/*
 * Call method with request req (the method's request struct) and wait for its reply into
 * rep (the method's reply struct, zeroed first). Returns the reply's status (TW_OK or the
 * service's TW_E_* answer), or the transport's error: stale/restarted/peer_closed as any
 * channel gives them, invalid_argument/not_supported for a request or method the protocol
 * does not have (checked before sending), or invalid_argument for a malformed reply.
 * Events that arrive first are counted in s.
 */
int64_t svc_call(struct svc_sub *s, uint16_t method, const void *req, void *rep);

/* Policies of a registration (svc://NAME?register&policy=...). */
enum svc_policy { SVC_FAIL = 0, SVC_QUEUE = 1, SVC_REPLACE = 2 };

/* Register name[0..len) for protocol p: the service's port, or busy / version / ... */
int64_t svc_register(const struct svc_proto *p, const char *name, size_t len, enum svc_policy pol,
                     bool replaceable);

/*
 * A method's handler: fill rep (zeroed) from req and return TW_OK, or a TW_E_* status
 * answered instead (then rep is not sent).
 */
typedef int32_t (*svc_handler)(void *ctx, const struct svc_method *m, const void *req, void *rep);

/*
 * Serve port (a registration's port) until it fails or n requests are answered (n 0:
 * forever): each request is checked by the protocol before handler sees it; a malformed
 * one is answered invalid_argument, an unknown method not_supported. Returns 0 after n
 * answers or the port's error.
 */
int64_t svc_serve(int32_t port, const struct svc_proto *p, svc_handler handler, void *ctx,
                  uint64_t n);

/* Read one request on port and answer it, as svc_serve does: 0, or the port's error. */
int64_t svc_serve_one(int32_t port, const struct svc_proto *p, svc_handler handler, void *ctx);

/* The protocol named name[0..len) among those user code was built with (NULL: none). */
const struct svc_proto *svc_proto_named(const char *name, size_t len);

/* The URL of a subscription or registration into buf: its length (0: does not fit). */
size_t svc_url(char *buf, size_t cap, const struct svc_proto *p, const char *name, size_t len,
               const char *extra);

#endif /* TWAIN_USER_SVC_H */
