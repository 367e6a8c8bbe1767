/* SPDX-License-Identifier: MIT */
/*
 * user/svc.c - services from user space (user/svc.h, docs/services.md): the URLs of the
 * registry, a call (encode, write, read past events, decode) and a server's loop.
 */
#include "svc.h"
#include "../core/klib.h"
#include "clock.svc.h"
#include "kv.svc.h"
#include "log.svc.h"
#include "twain.h"

#define SVC_STRUCT_MAX 512 /* the largest request or reply struct of any protocol */

size_t svc_url(char *buf, size_t cap, const struct svc_proto *p, const char *name, size_t len,
               const char *extra)
{
    size_t n = k_snprintf(buf, cap, "svc://%.*s?schema=%016llx%s%s", (int)len, name,
                          (unsigned long long)p->schema_hash, extra[0] != '\0' ? "&" : "", extra);
    return n < cap ? n : 0;
}

int64_t svc_subscribe(struct svc_sub *s, const struct svc_proto *p, const char *name, size_t len,
                      const struct svc_sub_opts *o)
{
    char extra[64], url[160];
    k_snprintf(extra, sizeof(extra), "%s%s", o->via_kernel ? "via=kernel" : "",
               o->wait_us != 0 ? (o->via_kernel ? "&wait_us=" : "wait_us=") : "");
    size_t el = k_strlen(extra);
    if (o->wait_us != 0)
        k_snprintf(extra + el, sizeof(extra) - el, "%llu", (unsigned long long)o->wait_us);
    size_t n = svc_url(url, sizeof(url), p, name, len, extra);
    if (n == 0)
        return TW_E_INVAL;
    int64_t h = tw_open_n(url, n, 0);
    if (h < 0)
        return h;
    *s = (struct svc_sub){.h = (int32_t)h, .proto = p};
    return TW_OK;
}

/* An event arrived on s: count it. Anything but an owner event is malformed. */
static int64_t take_event(struct svc_sub *s, const uint8_t *msg, size_t len)
{
    struct svc_owner_event ev;
    int rc = svc_decode_event_owner(msg, len, &ev);
    if (rc != TW_OK)
        return rc;
    s->events++;
    s->generation = ev.generation;
    s->reason = ev.reason;
    return TW_OK;
}

int64_t svc_call(struct svc_sub *s, uint16_t method, const void *req, void *rep)
{
    uint8_t msg[TW_MSG_MAX_BYTES];
    int64_t n = svc_encode_request(s->proto, method, req, msg, sizeof(msg));
    if (n < 0)
        return n;
    int64_t w = tw_write(s->h, msg, (size_t)n);
    if (w < 0)
        return w;
    for (;;) {
        int64_t r = tw_read(s->h, msg, sizeof(msg));
        if (r < 0)
            return r;
        int kind = svc_msg_kind(msg, (size_t)r);
        if (kind == TW_SVC_EVENT) {
            int64_t e = take_event(s, msg, (size_t)r);
            if (e != TW_OK)
                return e;
            continue;
        }
        uint16_t got;
        int32_t status;
        const struct svc_method *m = svc_method_find(s->proto, method);
        int rc = svc_decode_reply(s->proto, msg, (size_t)r, &got, &status, rep, m->rep_size);
        if (rc != TW_OK)
            return rc;
        if (got != method)
            return TW_E_INVAL; /* an answer to another request: not this protocol's order */
        return status;
    }
}

int64_t svc_register(const struct svc_proto *p, const char *name, size_t len, enum svc_policy pol,
                     bool replaceable)
{
    static const char *const policies[] = {"fail", "queue", "replace"};
    char extra[64], url[160];
    k_snprintf(extra, sizeof(extra), "register&policy=%s%s", policies[pol],
               replaceable ? "&replaceable" : "");
    size_t n = svc_url(url, sizeof(url), p, name, len, extra);
    return n == 0 ? TW_E_INVAL : tw_open_n(url, n, 0);
}

int64_t svc_serve_one(int32_t port, const struct svc_proto *p, svc_handler handler, void *ctx)
{
    _Alignas(8) uint8_t req[SVC_STRUCT_MAX], rep[SVC_STRUCT_MAX];
    uint8_t msg[TW_MSG_MAX_BYTES];
    int64_t r = tw_read(port, msg, sizeof(msg));
    if (r < 0)
        return r;
    const struct svc_method *m = NULL;
    int32_t status = svc_decode_request(p, msg, (size_t)r, &m, req, sizeof(req));
    if (status == TW_OK) {
        k_memset(rep, 0, m->rep_size); /* the handler's reply starts zeroed */
        status = handler(ctx, m, req, rep);
    }
    uint16_t method = m != NULL ? m->number
                      : r >= 2  ? (uint16_t)(msg[0] | (uint16_t)msg[1] << 8)
                                : 0;
    int64_t len =
        svc_encode_reply(p, method, status, status == TW_OK ? rep : NULL, msg, sizeof(msg));
    if (len < 0)
        len = svc_encode_reply(p, method, (int32_t)len, NULL, msg, sizeof(msg));
    int64_t w = tw_write(port, msg, (size_t)len);
    if (w < 0 && w != TW_E_PEER && w != TW_E_BUSY)
        return w; /* the client gone or its ring full: that answer is lost, serve on */
    return 0;
}

int64_t svc_serve(int32_t port, const struct svc_proto *p, svc_handler handler, void *ctx,
                  uint64_t n)
{
    for (uint64_t answered = 0; n == 0 || answered < n; answered++) {
        int64_t rc = svc_serve_one(port, p, handler, ctx);
        if (rc < 0)
            return rc;
    }
    return 0;
}

const struct svc_proto *svc_proto_named(const char *name, size_t len)
{
    static const struct svc_proto *const protos[] = {&svc_proto_kv, &svc_proto_clock,
                                                     &svc_proto_log};
    for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
        if (k_memeq_str(name, len, protos[i]->name))
            return protos[i];
    return NULL;
}
