/* SPDX-License-Identifier: MIT */
/*
 * proto/svc_proto.c - the codec of service messages (svc_proto.h): the 8-byte header, and
 * nanopb's encoder and decoder for the payload, with the checks nanopb leaves to us (the
 * payload consumed exactly; strings UTF-8 without NUL). Freestanding and stateless: the
 * kernel and ring-3 code both run it (on UEFI from the user runtime's pages).
 */
#include "svc_proto.h"

#include "../core/klib.h"
#include "pb_common.h"
#include "pb_decode.h"
#include "pb_encode.h"
#include "svc.pb.h"

#define HDR TW_SVC_HDR_BYTES

/* Nesting of submessages the string check follows; a static schema is finite, this only
 * bounds the stack. */
#define STRING_CHECK_DEPTH 8

const struct svc_method *svc_method_find(const struct svc_proto *p, uint32_t number)
{
    if (p == NULL || number == 0 || number > SVC_METHOD_MAX)
        return NULL;
    /* Methods are sorted by number, and usually dense: try the direct slot first. */
    if (number <= p->nmethods && p->methods[number - 1].number == number)
        return &p->methods[number - 1];
    size_t lo = 0, hi = p->nmethods;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->methods[mid].number == number)
            return &p->methods[mid];
        if (p->methods[mid].number < number)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

int svc_hdr_decode(const uint8_t *msg, size_t len, struct svc_hdr *h)
{
    if (msg == NULL || len < HDR)
        return TW_E_INVAL;
    h->method = (uint16_t)(msg[0] | (uint16_t)msg[1] << 8);
    h->kind = msg[2];
    h->flags = msg[3];
    h->status = (int32_t)((uint32_t)msg[4] | (uint32_t)msg[5] << 8 | (uint32_t)msg[6] << 16 |
                          (uint32_t)msg[7] << 24);
    if (h->kind > TW_SVC_EVENT || h->flags != 0)
        return TW_E_INVAL;
    return TW_OK;
}

int svc_msg_kind(const uint8_t *msg, size_t len)
{
    struct svc_hdr h;
    int rc = svc_hdr_decode(msg, len, &h);
    return rc < 0 ? rc : h.kind;
}

static void put_hdr(uint8_t *buf, uint16_t method, uint8_t kind, int32_t status)
{
    uint32_t s = (uint32_t)status;
    buf[0] = (uint8_t)method;
    buf[1] = (uint8_t)(method >> 8);
    buf[2] = kind;
    buf[3] = 0;
    buf[4] = (uint8_t)s;
    buf[5] = (uint8_t)(s >> 8);
    buf[6] = (uint8_t)(s >> 16);
    buf[7] = (uint8_t)(s >> 24);
}

/*
 * UTF-8 as protobuf requires of a string (RFC 3629: no overlong forms, no surrogates,
 * nothing past U+10FFFF), and no NUL: nanopb keeps a string NUL-terminated, so one inside
 * would silently cut it short.
 */
static bool utf8_ok(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        size_t more;
        uint32_t cp, min;
        if (c == 0)
            return false;
        if (c < 0x80) {
            i++;
            continue;
        }
        if ((c & 0xe0) == 0xc0) {
            more = 1, cp = c & 0x1fu, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            more = 2, cp = c & 0x0fu, min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            more = 3, cp = c & 0x07u, min = 0x10000;
        } else {
            return false; /* a continuation byte first, or 0xf8..0xff */
        }
        if (n - i <= more)
            return false; /* cut short */
        for (size_t j = 1; j <= more; j++) {
            if ((s[i + j] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + j] & 0x3fu);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += more + 1;
    }
    return true;
}

/*
 * Walks the encoded payload p[0..n) of a message of type d, whose structure is at msg (the
 * iterator only computes field addresses from it), and checks every string field's bytes
 * with utf8_ok, into submessages too. The payload has already been decoded or encoded by
 * nanopb, so only the strings can fail here (and a malformed tail, defensively).
 */
static bool strings_ok(const pb_msgdesc_t *d, const uint8_t *p, size_t n, const void *msg,
                       int depth)
{
    pb_istream_t s = pb_istream_from_buffer(p, n);
    pb_field_iter_t it;
    int fields = -1; /* the iterator is begun at the first length-delimited field only:
                        most messages have none, and beginning it is the walk's cost */
    while (s.bytes_left > 0) {
        pb_wire_type_t wt;
        uint32_t tag, len;
        bool eof;
        if (!pb_decode_tag(&s, &wt, &tag, &eof))
            return false;
        if (wt == PB_WT_STRING && fields < 0)
            fields = pb_field_iter_begin_const(&it, d, msg) ? 1 : 0;
        if (wt != PB_WT_STRING || fields == 0 || !pb_field_iter_find(&it, tag)) {
            if (!pb_skip_field(&s, wt))
                return false;
            continue;
        }
        if (!pb_decode_varint32(&s, &len) || len > s.bytes_left)
            return false;
        const uint8_t *b = p + (n - s.bytes_left);
        if (PB_LTYPE(it.type) == PB_LTYPE_STRING && !utf8_ok(b, len))
            return false;
        if (PB_LTYPE_IS_SUBMSG(it.type) &&
            (depth >= STRING_CHECK_DEPTH || it.submsg_desc == NULL ||
             !strings_ok(it.submsg_desc, b, len, it.pData, depth + 1)))
            return false;
        if (!pb_read(&s, NULL, len))
            return false;
    }
    return true;
}

/* The header and, unless src is NULL (every field at its default: no payload), src
 * encoded as a d into buf[0..cap). */
static int64_t encode(uint16_t method, uint8_t kind, int32_t status, const pb_msgdesc_t *d,
                      const void *src, uint8_t *buf, size_t cap)
{
    size_t n = 0;
    if (buf == NULL || cap < HDR)
        return TW_E_TOOBIG;
    if (src != NULL) {
        pb_ostream_t o = pb_ostream_from_buffer(buf + HDR, cap - HDR);
        if (!pb_encode(&o, d, src)) {
            /* nanopb's encoder fails alike on a full buffer and a bad structure: sizing
             * tells them apart (only on failure, so a good message is walked once) */
            if (!pb_get_encoded_size(&n, d, src))
                return TW_E_INVAL;
            return n > cap - HDR ? TW_E_TOOBIG : TW_E_INVAL;
        }
        n = o.bytes_written;
        if (!strings_ok(d, buf + HDR, n, src, 0))
            return TW_E_INVAL;
    }
    put_hdr(buf, method, kind, status);
    return (int64_t)(HDR + n);
}

/* Decodes the payload p[0..n) as a d into dst[0..size), zeroed first. */
static int decode(const pb_msgdesc_t *d, const uint8_t *p, size_t n, void *dst, size_t size)
{
    k_memset(dst, 0, size);
    pb_istream_t s = pb_istream_from_buffer(p, n);
    /* proto3: every default is zero, which the structure already is. */
    bool ok = pb_decode_ex(&s, d, dst, PB_DECODE_NOINIT) && s.bytes_left == 0 &&
              strings_ok(d, p, n, dst, 0);
    if (!ok) {
        k_memset(dst, 0, size);
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
    return encode(method, TW_SVC_REQUEST, 0, m->req, req, buf, cap);
}

int svc_decode_request(const struct svc_proto *p, const uint8_t *msg, size_t len,
                       const struct svc_method **m, void *req, size_t req_cap)
{
    struct svc_hdr h;
    *m = NULL;
    int rc = svc_hdr_decode(msg, len, &h);
    if (rc < 0)
        return rc;
    if (h.kind != TW_SVC_REQUEST || h.status != 0)
        return TW_E_INVAL;
    const struct svc_method *found = svc_method_find(p, h.method);
    if (found == NULL)
        return TW_E_NOTSUP;
    if (req == NULL || req_cap < found->req_size)
        return TW_E_TOOBIG;
    rc = decode(found->req, msg + HDR, len - HDR, req, found->req_size);
    if (rc == TW_OK)
        *m = found;
    return rc;
}

static bool status_ok(int32_t status)
{
    return status <= TW_OK && status >= TW_ERR_MIN;
}

int64_t svc_encode_reply(const struct svc_proto *p, uint16_t method, int32_t status,
                         const void *rep, uint8_t *buf, size_t cap)
{
    if (!status_ok(status))
        return TW_E_INVAL;
    if (status < 0)
        return encode(method, TW_SVC_REPLY, status, NULL, NULL, buf, cap);
    const struct svc_method *m = svc_method_find(p, method);
    if (m == NULL)
        return TW_E_NOTSUP;
    return encode(method, TW_SVC_REPLY, TW_OK, m->rep, rep, buf, cap);
}

int svc_decode_reply(const struct svc_proto *p, const uint8_t *msg, size_t len, uint16_t *method,
                     int32_t *status, void *rep, size_t rep_cap)
{
    struct svc_hdr h;
    int rc = svc_hdr_decode(msg, len, &h);
    if (rc < 0)
        return rc;
    if (h.kind != TW_SVC_REPLY || !status_ok(h.status))
        return TW_E_INVAL;
    if (h.status < 0) {
        if (len != HDR)
            return TW_E_INVAL; /* a refusal is the header alone */
        const struct svc_method *m = svc_method_find(p, h.method);
        if (rep != NULL && m != NULL)
            k_memset(rep, 0, K_MIN(rep_cap, (size_t)m->rep_size));
        *method = h.method;
        *status = h.status;
        return TW_OK;
    }
    const struct svc_method *m = svc_method_find(p, h.method);
    if (m == NULL)
        return TW_E_NOTSUP;
    if (rep == NULL || rep_cap < m->rep_size)
        return TW_E_TOOBIG;
    rc = decode(m->rep, msg + HDR, len - HDR, rep, m->rep_size);
    if (rc < 0)
        return rc;
    *method = h.method;
    *status = TW_OK;
    return TW_OK;
}

static bool reason_ok(uint32_t reason)
{
    return reason >= twain_svc_OwnerReason_OWNER_REGISTERED &&
           reason <= twain_svc_OwnerReason_OWNER_GONE;
}

int64_t svc_encode_event_owner(const struct svc_owner_event *ev, uint8_t *buf, size_t cap)
{
    if (!reason_ok(ev->reason))
        return TW_E_INVAL;
    twain_svc_OwnerChanged oc;
    k_memset(&oc, 0, sizeof(oc));
    oc.generation = ev->generation;
    oc.reason = (twain_svc_OwnerReason)ev->reason;
    oc.kernel = ev->kernel;
    oc.owner_task = ev->owner_task;
    return encode(0, TW_SVC_EVENT, TW_SVC_EV_OWNER, &twain_svc_OwnerChanged_msg, &oc, buf, cap);
}

int svc_decode_event_owner(const uint8_t *msg, size_t len, struct svc_owner_event *ev)
{
    struct svc_hdr h;
    int rc = svc_hdr_decode(msg, len, &h);
    if (rc < 0)
        return rc;
    if (h.kind != TW_SVC_EVENT || h.method != 0 || h.status <= 0)
        return TW_E_INVAL;
    if (h.status != TW_SVC_EV_OWNER)
        return TW_E_NOTSUP;
    twain_svc_OwnerChanged oc;
    rc = decode(&twain_svc_OwnerChanged_msg, msg + HDR, len - HDR, &oc, sizeof(oc));
    if (rc < 0)
        return rc;
    if (!reason_ok((uint32_t)oc.reason))
        return TW_E_INVAL;
    ev->generation = oc.generation;
    ev->reason = (uint32_t)oc.reason;
    ev->kernel = oc.kernel;
    ev->owner_task = oc.owner_task;
    return TW_OK;
}
