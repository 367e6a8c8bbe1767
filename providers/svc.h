/* SPDX-License-Identifier: MIT */
/*
 * providers/svc.h - the service registry's kernel side (docs/services.md): the services
 * the kernel itself provides, each a name, the schema hash of its protocol and the
 * function that serves one request in the caller's thread (core/chan.h, chan_kserve).
 * providers/svc.c is the registry (svc://); providers/svc_kernel.c the table.
 */
#ifndef TWAIN_PROVIDERS_SVC_H
#define TWAIN_PROVIDERS_SVC_H

#include <stddef.h>
#include <stdint.h>

#include "../core/chan.h"
#include "../proto/svc_proto.h"

/* A kernel service's handler: fill rep (zeroed) from req (checked by the protocol) and
 * return TW_OK, or a TW_E_* status answered instead. Runs in the caller's thread. */
typedef int32_t (*svc_khandler)(void *ctx, const struct svc_method *m, const void *req, void *rep);

struct svc_kservice {
    const char *name;
    const struct svc_proto *proto;
    svc_khandler handle;
    void *ctx;
    void (*reset)(void); /* optional: forget the previous boot's state */
};

/* The kernel's services, and how many. Their names are reserved: a task cannot register
 * one (busy). Each is registered lazily, at the first subscribe to it. */
extern const struct svc_kservice svc_kservices[];
extern const size_t svc_kservice_count;

/* The service named name[0..len) as a kernel provider: its entry, NULL when it is not one. */
const struct svc_kservice *svc_kservice_find(const char *name, size_t len);
/* How the kernel serves a request to k (ctx: k) from a subscriber: decode and check it,
 * call k's handler, encode its reply. */
extern const struct chan_kserve svc_kservice_serve;
/* The protocols the kernel was built with, by schema hash (NULL: none). */
const struct svc_proto *svc_proto_by_hash(uint64_t schema);

#endif /* TWAIN_PROVIDERS_SVC_H */
