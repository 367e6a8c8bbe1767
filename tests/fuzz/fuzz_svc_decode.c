/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz_svc_decode.c - libFuzzer target for the service codec (proto/svc_proto.c
 * over nanopb, docs/services.md): the input is one received message, decoded as a request
 * and as a reply of every protocol (proto/NAME.proto), and as the registry's owner event.
 *
 * What must hold, else abort():
 * - the results are the documented ones, and agree with the header: a decoded request is
 *   of kind request with status 0 and a method of the protocol; TW_E_NOTSUP only for a
 *   well-formed header whose method (event code) the protocol does not have;
 * - decoding writes nothing past the method's structure (a canary follows it);
 * - what decodes encodes again, within one channel message; that encoding decodes to the
 *   same fields (compared field by field: strings, bytes, counts, integers) and encodes to
 *   the same bytes; a refusal is the header alone and encodes to the input itself;
 * - every string decoded is NUL-terminated inside its field.
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
    if (rc == TW_E_NOTSUP)
        CHECK(hdr_ok && h.kind == TW_SVC_REQUEST && h.status == 0 &&
              svc_method_find(p, h.method) == NULL);
    if (rc != TW_OK) {
        CHECK(m == NULL);
        return;
    }
    CHECK(hdr_ok && h.kind == TW_SVC_REQUEST && h.flags == 0 && h.status == 0);
    CHECK(m != NULL && m == svc_method_find(p, h.method) && m->number == h.method);
    for (size_t i = m->req_size; i < sizeof(st); i++)
        CHECK(st[i] == CANARY);
    int64_t n = svc_encode_request(p, m->number, st, enc, sizeof(enc));
    CHECK(n >= TW_SVC_HDR_BYTES && n <= TW_MSG_MAX_BYTES);
    const struct svc_method *m2 = NULL;
    CHECK(svc_decode_request(p, enc, (size_t)n, &m2, st2, ST_MAX) == TW_OK && m2 == m);
    CHECK(same_msg(m->req, st, st2));
    CHECK(svc_encode_request(p, m->number, st2, enc2, sizeof(enc2)) == n);
    CHECK(memcmp(enc, enc2, (size_t)n) == 0);
}

static void check_reply(const struct svc_proto *p, const uint8_t *data, size_t size)
{
    static uint8_t st[ST_MAX + 16], st2[ST_MAX + 16];
    uint8_t enc[TW_MSG_MAX_BYTES], enc2[TW_MSG_MAX_BYTES];
    struct svc_hdr h;
    bool hdr_ok = header(data, size, &h);
    uint16_t method = 0;
    int32_t status = 1;
    memset(st, CANARY, sizeof(st));
    int rc = svc_decode_reply(p, data, size, &method, &status, st, ST_MAX);
    CHECK(rc == TW_OK || rc == TW_E_INVAL || rc == TW_E_NOTSUP);
    if (rc == TW_E_NOTSUP)
        CHECK(hdr_ok && h.kind == TW_SVC_REPLY && h.status == TW_OK &&
              svc_method_find(p, h.method) == NULL);
    if (rc != TW_OK)
        return;
    CHECK(hdr_ok && h.kind == TW_SVC_REPLY && method == h.method && status == h.status);
    CHECK(status <= TW_OK && status >= TW_ERR_MIN);
    const struct svc_method *m = svc_method_find(p, method);
    if (status < 0) {
        CHECK(size == TW_SVC_HDR_BYTES);
        CHECK(svc_encode_reply(p, method, status, NULL, enc, sizeof(enc)) == TW_SVC_HDR_BYTES);
        CHECK(memcmp(enc, data, TW_SVC_HDR_BYTES) == 0);
        return;
    }
    CHECK(m != NULL);
    for (size_t i = m->rep_size; i < sizeof(st); i++)
        CHECK(st[i] == CANARY);
    int64_t n = svc_encode_reply(p, method, TW_OK, st, enc, sizeof(enc));
    CHECK(n >= TW_SVC_HDR_BYTES && n <= TW_MSG_MAX_BYTES);
    uint16_t method2;
    int32_t status2;
    CHECK(svc_decode_reply(p, enc, (size_t)n, &method2, &status2, st2, ST_MAX) == TW_OK);
    CHECK(method2 == method && status2 == TW_OK);
    CHECK(same_msg(m->rep, st, st2));
    CHECK(svc_encode_reply(p, method, TW_OK, st2, enc2, sizeof(enc2)) == n);
    CHECK(memcmp(enc, enc2, (size_t)n) == 0);
}

static void check_event(const uint8_t *data, size_t size)
{
    struct svc_hdr h;
    bool hdr_ok = header(data, size, &h);
    struct svc_owner_event ev = {0, 0, false, 0}, ev2;
    int rc = svc_decode_event_owner(data, size, &ev);
    CHECK(rc == TW_OK || rc == TW_E_INVAL || rc == TW_E_NOTSUP);
    if (rc == TW_E_NOTSUP)
        CHECK(hdr_ok && h.kind == TW_SVC_EVENT && h.method == 0 && h.status > 0 &&
              h.status != TW_SVC_EV_OWNER);
    if (rc != TW_OK) {
        CHECK(ev.generation == 0 && ev.reason == 0 && !ev.kernel && ev.owner_task == 0);
        return;
    }
    CHECK(hdr_ok && h.kind == TW_SVC_EVENT && h.method == 0 && h.status == TW_SVC_EV_OWNER);
    CHECK(ev.reason >= 1 && ev.reason <= 5);
    uint8_t enc[TW_MSG_MAX_BYTES];
    int64_t n = svc_encode_event_owner(&ev, enc, sizeof(enc));
    CHECK(n >= TW_SVC_HDR_BYTES && n <= TW_MSG_MAX_BYTES);
    CHECK(svc_decode_event_owner(enc, (size_t)n, &ev2) == TW_OK);
    CHECK(ev2.generation == ev.generation && ev2.reason == ev.reason && ev2.kernel == ev.kernel &&
          ev2.owner_task == ev.owner_task);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
        check_request(protos[i], data, size);
        check_reply(protos[i], data, size);
    }
    check_event(data, size);
    return 0;
}
