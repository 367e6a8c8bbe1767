/* SPDX-License-Identifier: MIT */
/*
 * proto/svc_proto.c - the services' codec (svc_proto.h): the 8-byte header and nanopb for
 * the payload. Decoding checks everything before a caller sees a struct; encoding writes
 * only what the struct's fields say, so equal structs give equal bytes.
 */
#include "svc_proto.h"
#include "../core/klib.h"
#include "pb_decode.h"
#include "pb_encode.h"
#include "svc.pb.h"

const struct svc_method *svc_method_find(const struct svc_proto *p, uint32_t number)
{
    for (uint16_t i = 0; i < p->nmethods; i++)
        if (p->methods[i].number == number)
            return &p->methods[i];
    return NULL;
}

struct hdr {
    uint16_t method;
    uint8_t kind, flags;
    int32_t status;
};

static void put_hdr(uint8_t *b, uint16_t method, uint8_t kind, int32_t status)
{
    uint32_t s = (uint32_t)status;
    b[0] = (uint8_t)method;
    b[1] = (uint8_t)(method >> 8);
    b[2] = kind;
    b[3] = 0;
    b[4] = (uint8_t)s;
    b[5] = (uint8_t)(s >> 8);
    b[6] = (uint8_t)(s >> 16);
    b[7] = (uint8_t)(s >> 24);
}

static int get_hdr(const uint8_t *b, size_t len, struct hdr *h)
{
    if (len < TW_SVC_HDR_BYTES)
        return TW_E_INVAL;
    h->method = (uint16_t)(b[0] | b[1] << 8);
    h->kind = b[2];
    h->flags = b[3];
    h->status = (int32_t)((uint32_t)b[4] | (uint32_t)b[5] << 8 | (uint32_t)b[6] << 16 |
                          (uint32_t)b[7] << 24);
    if (h->flags != 0 || h->kind > TW_SVC_EVENT)
        return TW_E_INVAL;
    return TW_OK;
}

int svc_msg_kind(const uint8_t *msg, size_t len)
{
    struct hdr h;
    int rc = get_hdr(msg, len, &h);
    return rc != TW_OK ? rc : h.kind;
}

/* Header, then the struct as nanopb encodes it with fields. */
static int64_t encode(const pb_msgdesc_t *fields, const void *st, uint16_t method, uint8_t kind,
                      int32_t status, uint8_t *buf, size_t cap)
{
    if (cap < TW_SVC_HDR_BYTES)
        return TW_E_TOOBIG;
    put_hdr(buf, method, kind, status);
    if (fields == NULL)
        return TW_SVC_HDR_BYTES;
    pb_ostream_t os = pb_ostream_from_buffer(buf + TW_SVC_HDR_BYTES, cap - TW_SVC_HDR_BYTES);
    if (!pb_encode(&os, fields, st))
        return os.bytes_written >= os.max_size ? TW_E_TOOBIG : TW_E_INVAL;
    return (int64_t)(TW_SVC_HDR_BYTES + os.bytes_written);
}

/* The payload after the header into st (size bytes, zeroed first): all of it, or invalid. */
static int decode(const pb_msgdesc_t *fields, const uint8_t *msg, size_t len, void *st, size_t size)
{
    k_memset(st, 0, size);
    pb_istream_t is = pb_istream_from_buffer(msg + TW_SVC_HDR_BYTES, len - TW_SVC_HDR_BYTES);
    if (!pb_decode_ex(&is, fields, st, PB_DECODE_NOINIT) || is.bytes_left != 0) {
        k_memset(st, 0, size); /* nothing half-decoded reaches anyone */
        return TW_E_INVAL;
    }
    return TW_OK;
}

int64_t svc_encode_request(const struct svc_proto *p, uint16_t method, const void *req,
                           uint8_t *buf, size_t cap)
{
    const struct svc_method *m = svc_method_find(p, method);
    if (m == NULL)
        return TW_E_NOTSUP;
    return encode(m->req, req, method, TW_SVC_REQUEST, 0, buf, cap);
}

int svc_decode_request(const struct svc_proto *p, const uint8_t *msg, size_t len,
                       const struct svc_method **m, void *req, size_t req_cap)
{
    struct hdr h;
    *m = NULL;
    int rc = get_hdr(msg, len, &h);
    if (rc != TW_OK)
        return rc;
    if (h.kind != TW_SVC_REQUEST || h.status != 0)
        return TW_E_INVAL;
    const struct svc_method *found = svc_method_find(p, h.method);
    if (found == NULL)
        return TW_E_NOTSUP;
    if (found->req_size > req_cap)
        return TW_E_TOOBIG; /* the caller's buffer: a build error, not the sender's */
    *m = found;
    return decode(found->req, msg, len, req, found->req_size);
}

int64_t svc_encode_reply(const struct svc_proto *p, uint16_t method, int32_t status,
                         const void *rep, uint8_t *buf, size_t cap)
{
    const struct svc_method *m = svc_method_find(p, method);
    if (status > 0)
        return TW_E_INVAL;
    if (status != TW_OK || m == NULL) /* an error answers alone (also for an unknown method) */
        return encode(NULL, NULL, method, TW_SVC_REPLY, status == TW_OK ? TW_E_NOTSUP : status, buf,
                      cap);
    return encode(m->rep, rep, method, TW_SVC_REPLY, TW_OK, buf, cap);
}

int svc_decode_reply(const struct svc_proto *p, const uint8_t *msg, size_t len, uint16_t *method,
                     int32_t *status, void *rep, size_t rep_cap)
{
    struct hdr h;
    int rc = get_hdr(msg, len, &h);
    if (rc != TW_OK)
        return rc;
    if (h.kind != TW_SVC_REPLY || h.status > 0 || h.status < TW_ERR_MIN)
        return TW_E_INVAL;
    *method = h.method;
    *status = h.status;
    if (h.status != TW_OK)
        return len == TW_SVC_HDR_BYTES ? TW_OK : TW_E_INVAL; /* an error has no payload */
    const struct svc_method *m = svc_method_find(p, h.method);
    if (m == NULL)
        return TW_E_INVAL; /* a success for a method the protocol does not have */
    if (m->rep_size > rep_cap)
        return TW_E_TOOBIG;
    return decode(m->rep, msg, len, rep, m->rep_size);
}

int64_t svc_encode_event_owner(const struct svc_owner_event *ev, uint8_t *buf, size_t cap)
{
    twain_svc_OwnerChanged oc = twain_svc_OwnerChanged_init_zero;
    oc.generation = ev->generation;
    oc.reason = (twain_svc_OwnerReason)ev->reason;
    oc.kernel = ev->kernel;
    oc.owner_task = ev->owner_task;
    return encode(&twain_svc_OwnerChanged_msg, &oc, 0, TW_SVC_EVENT, TW_SVC_EV_OWNER, buf, cap);
}

int svc_decode_event_owner(const uint8_t *msg, size_t len, struct svc_owner_event *ev)
{
    struct hdr h;
    int rc = get_hdr(msg, len, &h);
    if (rc != TW_OK)
        return rc;
    if (h.kind != TW_SVC_EVENT || h.status != TW_SVC_EV_OWNER || h.method != 0)
        return TW_E_INVAL;
    twain_svc_OwnerChanged oc;
    rc = decode(&twain_svc_OwnerChanged_msg, msg, len, &oc, sizeof(oc));
    if (rc != TW_OK)
        return rc;
    if (oc.reason < twain_svc_OwnerReason_OWNER_REGISTERED ||
        oc.reason > twain_svc_OwnerReason_OWNER_GONE)
        return TW_E_INVAL;
    *ev = (struct svc_owner_event){oc.generation, (uint32_t)oc.reason, oc.kernel, oc.owner_task};
    return TW_OK;
}
