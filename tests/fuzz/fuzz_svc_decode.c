/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz_svc_decode.c - libFuzzer target for the service codec (proto/svc_proto.c
 * over nanopb, docs/services.md): the input is one received message, decoded as a request
 * and as a reply of every protocol (proto/NAME.proto), and as the registry's owner event;
 * and read as a header and a structure's bytes, encoded (below).
 *
 * What must hold, else abort():
 * - the results are the documented ones, and agree with the header: a decoded request is
 *   of kind request with status 0 and a method of the protocol; TW_E_NOTSUP only for a
 *   well-formed header whose method (event code) the protocol does not have;
 * - decoding writes nothing past the method's structure (a canary follows it, given room,
 *   and a second decode goes into a structure of exactly its size, for ASan); the two
 *   decodes, over memory prefilled differently, agree byte for byte (padding included: no
 *   byte of the result is left from before), and a refused payload leaves the structure
 *   zeroed;
 * - what decodes encodes again, within one channel message and no longer than the input,
 *   with the input's header; that encoding decodes to the same fields (compared field by
 *   field: strings, bytes, counts, integers) and encodes to the same bytes; a refusal is
 *   the header alone and encodes to the input itself;
 * - every string decoded is NUL-terminated inside its field;
 * - encoding a structure of any bytes (the input past its header, at the header's method
 *   and kind, in a structure of exactly the method's size) returns one of its documented
 *   results, the same into output prefilled 0x00 and 0xff; what it encodes decodes and
 *   re-encodes to the same bytes.
 * The message is copied into a buffer of its own size first (ASan sees a read past it
 * under drivers that do not do so).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../proto/svc_proto.h"
#include "pb_common.h"
#include "svc_protos.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_svc_decode: %s:%d: invariant failed: %s\n", __FILE__, __LINE__,  \
                    #cond);                                                                        \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define X(n) &svc_proto_##n,
static const struct svc_proto *const protos[] = {SVC_PROTOS(X)};
#undef X

#define ST_MAX 512
#define CANARY 0xc5

static bool same_msg(const pb_msgdesc_t *d, const void *a, const void *b);

/* One value of field `it` at pa and pb (the same field of two structures). */
static bool same_value(const pb_field_iter_t *it, const void *pa, const void *pb)
{
    switch (PB_LTYPE(it->type)) {
    case PB_LTYPE_STRING: {
        size_t na = strnlen(pa, it->data_size), nb = strnlen(pb, it->data_size);
        CHECK(na < it->data_size && nb < it->data_size);
        return na == nb && memcmp(pa, pb, na) == 0;
    }
    case PB_LTYPE_BYTES: {
        const pb_bytes_array_t *a = pa, *b = pb;
        CHECK((size_t)a->size + offsetof(pb_bytes_array_t, bytes) <= it->data_size);
        return a->size == b->size && memcmp(a->bytes, b->bytes, a->size) == 0;
    }
    case PB_LTYPE_SUBMESSAGE:
        return same_msg(it->submsg_desc, pa, pb);
    case PB_LTYPE_BOOL:
        return *(const bool *)pa == *(const bool *)pb;
    default:
        return memcmp(pa, pb, it->data_size) == 0;
    }
}

static bool same_msg(const pb_msgdesc_t *d, const void *a, const void *b)
{
    pb_field_iter_t ia, ib;
    bool more = pb_field_iter_begin_const(&ia, d, a);
    CHECK(pb_field_iter_begin_const(&ib, d, b) == more);
    while (more) {
        if (PB_HTYPE(ia.type) == PB_HTYPE_REPEATED) {
            pb_size_t na = *(const pb_size_t *)ia.pSize, nb = *(const pb_size_t *)ib.pSize;
            CHECK(na <= ia.array_size);
            if (na != nb)
                return false;
            for (pb_size_t i = 0; i < na; i++)
                if (!same_value(&ia, (const char *)ia.pData + (size_t)i * ia.data_size,
                                (const char *)ib.pData + (size_t)i * ib.data_size))
                    return false;
        } else if (!same_value(&ia, ia.pData, ib.pData)) {
            return false;
        }
        more = pb_field_iter_next(&ia);
        CHECK(pb_field_iter_next(&ib) == more);
    }
    return true;
}

/* The header as the codec reads it, or false when it is malformed. */
static bool header(const uint8_t *data, size_t size, struct svc_hdr *h)
{
    int rc = svc_hdr_decode(data, size, h);
    CHECK(rc == TW_OK || rc == TW_E_INVAL);
    CHECK(svc_msg_kind(data, size) == (rc == TW_OK ? h->kind : TW_E_INVAL));
    return rc == TW_OK;
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n > 0 ? n : 1);
    CHECK(p != NULL);
    return p;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0)
            return false;
    return true;
}

/* The method the header names in p, or NULL (a message too short for one included). */
static const struct svc_method *hdr_method(const struct svc_proto *p, const uint8_t *data,
                                           size_t size)
{
    return size >= 2 ? svc_method_find(p, (uint32_t)(data[0] | data[1] << 8)) : NULL;
}

/*
 * enc[0..n), an encoding of p's (a request or a reply) that succeeded: within a message; the
 * same into output prefilled differently (enc2, prefilled 0xff, where enc was 0x00); it
 * decodes, into a structure of exactly the method's size, to one that encodes to the same
 * bytes.
 */
static void check_encoded(const struct svc_proto *p, const uint8_t *enc, const uint8_t *enc2,
                          int64_t n, int64_t n2)
{
    CHECK(n == n2 && n >= TW_SVC_HDR_BYTES && n <= TW_MSG_MAX_BYTES);
    CHECK(memcmp(enc, enc2, (size_t)n) == 0);
    struct svc_hdr h;
    CHECK(header(enc, (size_t)n, &h) && h.flags == 0);
    const struct svc_method *m = svc_method_find(p, h.method);
    uint8_t again[TW_MSG_MAX_BYTES];
    if (h.kind == TW_SVC_REQUEST) {
        CHECK(m != NULL && h.status == 0);
        uint8_t *st = xmalloc(m->req_size);
        const struct svc_method *got = NULL;
        CHECK(svc_decode_request(p, enc, (size_t)n, &got, st, m->req_size) == TW_OK && got == m);
        CHECK(svc_encode_request(p, m->number, st, again, sizeof(again)) == n);
        free(st);
    } else {
        CHECK(h.kind == TW_SVC_REPLY && h.status <= TW_OK && h.status >= TW_ERR_MIN);
        CHECK(h.status != TW_OK || m != NULL);             /* a success only of a method p has */
        CHECK(h.status == TW_OK || n == TW_SVC_HDR_BYTES); /* a refusal alone */
        size_t size = h.status == TW_OK ? m->rep_size : 1;
        uint8_t *st = xmalloc(size);
        uint16_t method;
        int32_t status;
        CHECK(svc_decode_reply(p, enc, (size_t)n, &method, &status, st, size) == TW_OK);
        CHECK(method == h.method && status == h.status);
        CHECK(svc_encode_reply(p, method, status, status == TW_OK ? st : NULL, again,
                               sizeof(again)) == n);
        free(st);
    }
    CHECK(memcmp(again, enc, (size_t)n) == 0);
}

static void check_request(const struct svc_proto *p, const uint8_t *data, size_t size)
{
    static uint8_t st[ST_MAX + 16], st2[ST_MAX + 16];
    uint8_t enc[TW_MSG_MAX_BYTES], enc2[TW_MSG_MAX_BYTES];
    struct svc_hdr h;
    bool hdr_ok = header(data, size, &h);
    static const struct svc_method not_set;
    const struct svc_method *m = &not_set; /* the decoder must set it */
    memset(st, CANARY, sizeof(st));
    int rc = svc_decode_request(p, data, size, &m, st, ST_MAX);
    CHECK(rc == TW_OK || rc == TW_E_INVAL || rc == TW_E_NOTSUP);
    /* Again into a structure of exactly the header's method's size, prefilled otherwise. */
    const struct svc_method *hm = hdr_method(p, data, size), *m_exact = &not_set;
    size_t exact = hm != NULL ? hm->req_size : 1;
    uint8_t *st_exact = xmalloc(exact);
    memset(st_exact, (uint8_t)~CANARY, exact);
    CHECK(svc_decode_request(p, data, size, &m_exact, st_exact, exact) == rc && m_exact == m);
    if (rc == TW_E_NOTSUP)
        CHECK(hdr_ok && h.kind == TW_SVC_REQUEST && h.status == 0 &&
              svc_method_find(p, h.method) == NULL);
    if (rc == TW_E_INVAL && hdr_ok && h.kind == TW_SVC_REQUEST && h.status == 0 && hm != NULL)
        CHECK(all_zero(st, hm->req_size) && all_zero(st_exact, exact)); /* its payload refused */
    if (rc != TW_OK) {
        CHECK(m == NULL);
        free(st_exact);
        return;
    }
    CHECK(hdr_ok && h.kind == TW_SVC_REQUEST && h.flags == 0 && h.status == 0);
    CHECK(m != NULL && m == hm && m->number == h.method);
    for (size_t i = m->req_size; i < sizeof(st); i++)
        CHECK(st[i] == CANARY);
    CHECK(memcmp(st, st_exact, m->req_size) == 0); /* every byte of the structure written */
    /* Encoded from the exact structure (ASan: nothing read past it), into output prefilled
     * 0x00 and 0xff. */
    memset(enc, 0x00, sizeof(enc));
    memset(enc2, 0xff, sizeof(enc2));
    int64_t n = svc_encode_request(p, m->number, st_exact, enc, sizeof(enc));
    int64_t n2 = svc_encode_request(p, m->number, st_exact, enc2, sizeof(enc2));
    check_encoded(p, enc, enc2, n, n2);
    CHECK((size_t)n <= size && memcmp(enc, data, TW_SVC_HDR_BYTES) == 0);
    const struct svc_method *m2 = NULL;
    CHECK(svc_decode_request(p, enc, (size_t)n, &m2, st2, ST_MAX) == TW_OK && m2 == m);
    CHECK(same_msg(m->req, st, st2));
    free(st_exact);
}

static void check_reply(const struct svc_proto *p, const uint8_t *data, size_t size)
{
    static uint8_t st[ST_MAX + 16], st2[ST_MAX + 16];
    uint8_t enc[TW_MSG_MAX_BYTES], enc2[TW_MSG_MAX_BYTES];
    struct svc_hdr h;
    bool hdr_ok = header(data, size, &h);
    uint16_t method = 0, method_exact = 0;
    int32_t status = 1, status_exact = 1;
    memset(st, CANARY, sizeof(st));
    int rc = svc_decode_reply(p, data, size, &method, &status, st, ST_MAX);
    CHECK(rc == TW_OK || rc == TW_E_INVAL || rc == TW_E_NOTSUP);
    const struct svc_method *hm = hdr_method(p, data, size);
    size_t exact = hm != NULL ? hm->rep_size : 1;
    uint8_t *st_exact = xmalloc(exact);
    memset(st_exact, (uint8_t)~CANARY, exact);
    CHECK(svc_decode_reply(p, data, size, &method_exact, &status_exact, st_exact, exact) == rc);
    if (rc == TW_E_NOTSUP)
        CHECK(hdr_ok && h.kind == TW_SVC_REPLY && h.status == TW_OK &&
              svc_method_find(p, h.method) == NULL);
    if (rc == TW_E_INVAL && hdr_ok && h.kind == TW_SVC_REPLY && h.status == TW_OK && hm != NULL)
        CHECK(all_zero(st, hm->rep_size) && all_zero(st_exact, exact)); /* its payload refused */
    if (rc != TW_OK) {
        free(st_exact);
        return;
    }
    CHECK(hdr_ok && h.kind == TW_SVC_REPLY && method == h.method && status == h.status);
    CHECK(method_exact == method && status_exact == status);
    CHECK(status <= TW_OK && status >= TW_ERR_MIN);
    memset(enc, 0x00, sizeof(enc));
    memset(enc2, 0xff, sizeof(enc2));
    if (status < 0) {
        CHECK(size == TW_SVC_HDR_BYTES);
        if (hm != NULL)
            CHECK(all_zero(st, hm->rep_size) && all_zero(st_exact, exact));
        int64_t n = svc_encode_reply(p, method, status, NULL, enc, sizeof(enc));
        int64_t n2 = svc_encode_reply(p, method, status, NULL, enc2, sizeof(enc2));
        check_encoded(p, enc, enc2, n, n2);
        CHECK(n == TW_SVC_HDR_BYTES && memcmp(enc, data, TW_SVC_HDR_BYTES) == 0);
        free(st_exact);
        return;
    }
    const struct svc_method *m = hm;
    CHECK(m != NULL);
    for (size_t i = m->rep_size; i < sizeof(st); i++)
        CHECK(st[i] == CANARY);
    CHECK(memcmp(st, st_exact, m->rep_size) == 0);
    int64_t n = svc_encode_reply(p, method, TW_OK, st_exact, enc, sizeof(enc));
    int64_t n2 = svc_encode_reply(p, method, TW_OK, st_exact, enc2, sizeof(enc2));
    check_encoded(p, enc, enc2, n, n2);
    CHECK((size_t)n <= size && memcmp(enc, data, TW_SVC_HDR_BYTES) == 0);
    uint16_t method2;
    int32_t status2;
    CHECK(svc_decode_reply(p, enc, (size_t)n, &method2, &status2, st2, ST_MAX) == TW_OK);
    CHECK(method2 == method && status2 == TW_OK);
    CHECK(same_msg(m->rep, st, st2));
    free(st_exact);
}

static bool same_event(const struct svc_owner_event *a, const struct svc_owner_event *b)
{
    return a->generation == b->generation && a->reason == b->reason && a->kernel == b->kernel &&
           a->owner_task == b->owner_task;
}

static void check_event(const uint8_t *data, size_t size)
{
    struct svc_hdr h;
    bool hdr_ok = header(data, size, &h);
    struct svc_owner_event ev = {0, 0, false, 0}, ev2;
    const struct svc_owner_event ones = {UINT32_MAX, UINT32_MAX, true, UINT32_MAX};
    struct svc_owner_event ev_ones = ones;
    int rc = svc_decode_event_owner(data, size, &ev);
    CHECK(rc == TW_OK || rc == TW_E_INVAL || rc == TW_E_NOTSUP);
    CHECK(svc_decode_event_owner(data, size, &ev_ones) == rc);
    if (rc == TW_E_NOTSUP)
        CHECK(hdr_ok && h.kind == TW_SVC_EVENT && h.method == 0 && h.status > 0 &&
              h.status != TW_SVC_EV_OWNER);
    if (rc != TW_OK) {
        /* *ev is written only on success */
        CHECK(ev.generation == 0 && ev.reason == 0 && !ev.kernel && ev.owner_task == 0);
        CHECK(same_event(&ev_ones, &ones));
        return;
    }
    CHECK(hdr_ok && h.kind == TW_SVC_EVENT && h.method == 0 && h.status == TW_SVC_EV_OWNER);
    CHECK(ev.reason >= 1 && ev.reason <= 5);
    CHECK(same_event(&ev, &ev_ones));
    uint8_t enc[TW_MSG_MAX_BYTES], enc2[TW_MSG_MAX_BYTES];
    memset(enc, 0x00, sizeof(enc));
    memset(enc2, 0xff, sizeof(enc2));
    int64_t n = svc_encode_event_owner(&ev, enc, sizeof(enc));
    CHECK(svc_encode_event_owner(&ev, enc2, sizeof(enc2)) == n);
    CHECK(n > TW_SVC_HDR_BYTES && n <= TW_MSG_MAX_BYTES && (size_t)n <= size);
    CHECK(memcmp(enc, enc2, (size_t)n) == 0 && memcmp(enc, data, TW_SVC_HDR_BYTES) == 0);
    CHECK(svc_decode_event_owner(enc, (size_t)n, &ev2) == TW_OK);
    CHECK(same_event(&ev2, &ev));
    CHECK(svc_encode_event_owner(&ev2, enc2, sizeof(enc2)) == n);
    CHECK(memcmp(enc, enc2, (size_t)n) == 0);
}

/* Little-endian uint32 at b[0..4) of the n bytes there (missing ones: 0). */
static uint32_t le32(const uint8_t *b, size_t n)
{
    uint32_t v = 0;
    for (size_t i = 0; i < 4 && i < n; i++)
        v |= (uint32_t)b[i] << (8 * i);
    return v;
}

/*
 * The input as a header and a structure's bytes, encoded by p: a request of the header's
 * method, a reply of it with the header's status, or (an event) an owner event whose fields
 * are the bytes'. The structure is the method's, at its exact size: unterminated strings,
 * sizes and counts past a bound, any bool byte, as they come.
 */
static void check_encode(const struct svc_proto *p, const uint8_t *data, size_t size)
{
    struct svc_hdr h;
    if (!header(data, size, &h))
        return;
    const uint8_t *body = data + TW_SVC_HDR_BYTES;
    size_t nbody = size - TW_SVC_HDR_BYTES;
    uint8_t enc[TW_MSG_MAX_BYTES], enc2[TW_MSG_MAX_BYTES];
    memset(enc, 0x00, sizeof(enc));
    memset(enc2, 0xff, sizeof(enc2));
    if (h.kind == TW_SVC_EVENT) {
        struct svc_owner_event ev = {le32(body, nbody), le32(body + 4, nbody > 4 ? nbody - 4 : 0),
                                     nbody > 8 && (body[8] & 1),
                                     le32(body + 9, nbody > 9 ? nbody - 9 : 0)};
        int64_t n = svc_encode_event_owner(&ev, enc, sizeof(enc));
        CHECK(svc_encode_event_owner(&ev, enc2, sizeof(enc2)) == n);
        if (ev.reason < 1 || ev.reason > 5) {
            CHECK(n == TW_E_INVAL);
            return;
        }
        CHECK(n > TW_SVC_HDR_BYTES && n <= TW_MSG_MAX_BYTES && memcmp(enc, enc2, (size_t)n) == 0);
        struct svc_owner_event back;
        CHECK(svc_decode_event_owner(enc, (size_t)n, &back) == TW_OK && same_event(&back, &ev));
        return;
    }
    const struct svc_method *m = svc_method_find(p, h.method);
    bool reply = h.kind == TW_SVC_REPLY;
    size_t ssize = m == NULL ? 1 : reply ? m->rep_size : m->req_size;
    uint8_t *st = xmalloc(ssize);
    memset(st, 0, ssize);
    memcpy(st, body, nbody < ssize ? nbody : ssize);
    int64_t n, n2;
    if (reply) {
        n = svc_encode_reply(p, h.method, h.status, m != NULL ? st : NULL, enc, sizeof(enc));
        n2 = svc_encode_reply(p, h.method, h.status, m != NULL ? st : NULL, enc2, sizeof(enc2));
    } else {
        n = svc_encode_request(p, h.method, m != NULL ? st : NULL, enc, sizeof(enc));
        n2 = svc_encode_request(p, h.method, m != NULL ? st : NULL, enc2, sizeof(enc2));
    }
    CHECK(n == n2);
    bool status_ok = h.status <= TW_OK && h.status >= TW_ERR_MIN;
    if (reply && !status_ok)
        CHECK(n == TW_E_INVAL); /* no status of a reply */
    else if (reply && h.status < 0)
        CHECK(n == TW_SVC_HDR_BYTES); /* a refusal: the header alone, any method */
    else if (m == NULL)
        CHECK(n == TW_E_NOTSUP);
    else
        CHECK(n == TW_E_INVAL || n >= TW_SVC_HDR_BYTES); /* a structure over its bounds */
    if (n >= 0) {
        check_encoded(p, enc, enc2, n, n2);
        CHECK(enc[0] == data[0] && enc[1] == data[1] && enc[2] == h.kind);
    }
    free(st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    uint8_t *msg = xmalloc(size); /* a copy of its own size: ASan sees a read past it */
    if (size > 0)
        memcpy(msg, data, size);
    for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
        check_request(protos[i], msg, size);
        check_reply(protos[i], msg, size);
        check_encode(protos[i], msg, size);
    }
    check_event(msg, size);
    free(msg);
    return 0;
}
