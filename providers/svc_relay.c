/* SPDX-License-Identifier: MIT */
/*
 * providers/svc_relay.c - kernel code as a service's client (docs/services.md, "Four
 * combinations"): a subscription opened with via=kernel is a kernel-served port whose
 * every request kernel code decodes, checks and makes again as its own call:
 *
 *   - to a kernel service, by a direct call of its handler on the decoded struct (kernel
 *     to kernel: no message is built);
 *   - to a task's service, by building the typed message again in the kernel, sending it
 *     down the relay's own subscription and parsing the reply (kernel to user), waiting in
 *     the caller's thread up to the relay's deadline.
 *
 * The reply is encoded again for the caller, so what a caller reads is the same bytes
 * whichever way its request went. Events posted to its own subscription (owner changes)
 * go on to the caller's subscription as they are posted (chan_end_forward_events), so the
 * caller is told what a direct subscriber is, when it is; one that still reaches the
 * relay's ring is counted and skipped.
 */
#include "../core/abi.h"
#include "../core/chan.h"
#include "../core/clock.h"
#include "../core/kassert.h"
#include "../core/kcache.h"
#include "../core/klib.h"
#include "../core/obj.h"
#include "../core/caller.h"
#include "svc.h"
#include "svc_relay.h"

#define RELAY_STRUCT_MAX 512

struct relay {
    struct kobj *end;                  /* the relay's subscription to its target (a reference) */
    const struct svc_proto *proto;     /* the protocol it checks */
    const struct svc_kservice *direct; /* the target is this kernel service: call it */
    uint64_t timeout_ns;               /* per request, virtual time */
    uint32_t events;                   /* owner events its subscription received */
};

static struct kcache relays;

void svc_relay_reset(void)
{
    kcache_init(&relays, "svc-relay", sizeof(struct relay));
}

/* Wait for end to be readable (or closed) until deadline. */
static int64_t wait_readable(struct kobj *end, uint64_t deadline)
{
    return caller_wait_one(end, TW_SIG_READABLE | TW_SIG_PEER_CLOSED, deadline);
}

/* Kernel to user: the request again from its struct, down the relay's channel; the reply's
 * struct and status. */
static int32_t call_task(struct relay *r, const struct svc_method *m, const void *req, void *rep)
{
    uint8_t msg[TW_MSG_MAX_BYTES];
    int64_t n = svc_encode_request(r->proto, m->number, req, msg, sizeof(msg));
    if (n < 0)
        return (int32_t)n;
    uint64_t seq;
    int64_t w = chan_kernel_send(r->end, msg, (size_t)n, &seq);
    if (w < 0)
        return (int32_t)w;
    uint64_t deadline = clock_now() + r->timeout_ns;
    for (;;) {
        uint64_t marker;
        int64_t got = chan_kernel_recv(r->end, msg, sizeof(msg), &marker);
        if (got == TW_E_WOULDBLOCK) {
            int64_t rc = wait_readable(r->end, deadline);
            if (rc != TW_OK)
                return (int32_t)rc;
            continue;
        }
        if (got < 0)
            return (int32_t)got; /* restarted, peer_closed: as a direct subscriber sees them */
        if (svc_msg_kind(msg, (size_t)got) == TW_SVC_EVENT) {
            r->events++;
            continue;
        }
        uint16_t method;
        int32_t status;
        int rc = svc_decode_reply(r->proto, msg, (size_t)got, &method, &status, rep, m->rep_size);
        if (rc != TW_OK)
            return rc; /* the task answered something malformed: refused here */
        return method == m->number ? status : TW_E_INVAL;
    }
}

static int64_t relay_call(void *ctx, const uint8_t *msg, size_t len, uint8_t *out, size_t cap)
{
    struct relay *r = ctx;
    _Alignas(8) uint8_t req[RELAY_STRUCT_MAX], rep[RELAY_STRUCT_MAX];
    k_memset(req, 0, sizeof(req));
    k_memset(rep, 0, sizeof(rep));
    const struct svc_method *m = NULL;
    int32_t status = svc_decode_request(r->proto, msg, len, &m, req, sizeof(req));
    if (status == TW_OK)
        status = r->direct != NULL ? r->direct->handle(r->direct->ctx, m, req, rep)
                                   : call_task(r, m, req, rep);
    uint16_t method = m != NULL ? m->number : len >= 2 ? (uint16_t)(msg[0] | msg[1] << 8) : 0;
    int64_t n = svc_encode_reply(r->proto, method, status, status == TW_OK ? rep : NULL, out, cap);
    if (n < 0)
        n = svc_encode_reply(r->proto, method, (int32_t)n, NULL, out, cap);
    K_ASSERT(n > 0);
    return n;
}

static const struct chan_kserve relay_serve = {.call = relay_call};

static void relay_event(void *ctx, struct kobj *port, int what)
{
    (void)port;
    if (what != CHAN_PORT_CLOSED)
        return;
    struct relay *r = ctx;
    if (r->end != NULL) {
        chan_end_forward_events(r->end, NULL); /* before its port goes */
        kobj_unref(r->end);
    }
    kcache_free(&relays, r);
}

static const struct chan_port_hook relay_hook = {.event = relay_event};

int svc_relay_open(struct kobj *target, const struct svc_proto *proto,
                   const struct svc_kservice *direct, uint64_t timeout_ns, uint32_t cap,
                   struct kobj **out)
{
    struct relay *r = kcache_alloc(&relays);
    if (r == NULL)
        return TW_E_NOMEM;
    int rc = direct != NULL ? TW_OK : chan_subscribe(target, 4, &r->end);
    if (rc != TW_OK) {
        kcache_free(&relays, r);
        return rc;
    }
    r->proto = proto;
    r->direct = direct;
    r->timeout_ns = timeout_ns;
    struct kobj *port;
    rc = chan_port_anon(1, &relay_serve, r, &port);
    if (rc == TW_OK) {
        chan_port_set_hook(port, &relay_hook, r);
        if (r->end != NULL)
            chan_end_forward_events(r->end, port);
        rc = chan_subscribe(port, cap, out);
        kobj_unref(port); /* the caller's end holds it now (or nobody: it closes) */
        if (rc == TW_OK)
            return TW_OK;
        return rc; /* the port's close freed r */
    }
    if (r->end != NULL)
        kobj_unref(r->end);
    kcache_free(&relays, r);
    return rc;
}
