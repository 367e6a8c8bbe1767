/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_svc_proto.c - the service codec (proto/svc_proto.c over nanopb and the
 * generated tables of proto/NAME.proto):
 * - round trips: every method of kv, clock, log and a fixture protocol with a repeated
 *   field and a submessage, at typical values and at every bound, decode to the same
 *   structure byte for byte (padding included: decoding zeroes it) and write nothing past
 *   it; equal structures and the decoded one encode to the same bytes; the header's bytes;
 *   every method of every protocol at its defaults (NULL too);
 * - bytes past a string's NUL, a bytes field's size or a repeated field's count never
 *   reach the wire (and a known message's exact bytes);
 * - the header per decoder (request, reply, event): shorter than 8 bytes, another kind,
 *   any flag bit, a request's status; every cut of a message (between fields a message
 *   with fewer, inside one invalid with the structure left zeroed);
 * - every class of malformed payload with its error: bounds of every bounded field, wire
 *   types, varints, trailing bytes, strings not UTF-8 or holding a NUL, unknown fields;
 *   unknown methods (in requests, replies, another protocol, a protocol without methods);
 *   replies' statuses and refusals; encoding's refusals, every buffer too small too_big
 *   for every encoder; the owner-changed event;
 * - the method tables (numbers, names, descriptors, sizes, hashes) and svc_method_find over
 *   every number; the schema hash is tools/gen-svc's, changes when a field or a bound is
 *   changed in a copy of proto/kv.proto, not a comment.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../proto/svc_proto.h"
#include "svc_protos.h"

#define BUF 512

static uint8_t buf[TW_MSG_MAX_BYTES];

/*
 * A fixture protocol, "fix": no protocol of proto/ has a repeated or a submessage field yet,
 * and the codec is generic over both. Its tables are what nanopb's generator and
 * tools/gen-svc write for a .proto (the same macros), here by hand:
 *   enum Method { METHOD_NONE = 0; LIST = 1; }
 *   message ListRequest { uint32 from_index = 1; }
 *   message Inner { string name = 1; }                            // max_size:9
 *   message ListReply { repeated string keys = 1; bool more = 2;  // max_size:33 max_count:4
 *                       Inner inner = 3; }
 */
#define FIX_LIST 1
typedef struct {
    uint32_t from_index;
} fix_ListRequest;
typedef struct {
    char name[9];
} fix_Inner;
typedef struct {
    pb_size_t keys_count;
    char keys[4][33];
    bool more;
    bool has_inner;
    fix_Inner inner;
} fix_ListReply;
extern const pb_msgdesc_t fix_ListRequest_msg, fix_Inner_msg, fix_ListReply_msg;
#define fix_ListRequest_FIELDLIST(X, a) X(a, STATIC, SINGULAR, UINT32, from_index, 1)
#define fix_ListRequest_CALLBACK        NULL
#define fix_ListRequest_DEFAULT         NULL
#define fix_Inner_FIELDLIST(X, a)       X(a, STATIC, SINGULAR, STRING, name, 1)
#define fix_Inner_CALLBACK              NULL
#define fix_Inner_DEFAULT               NULL
#define fix_ListReply_FIELDLIST(X, a)                                                              \
    X(a, STATIC, REPEATED, STRING, keys, 1)                                                        \
    X(a, STATIC, SINGULAR, BOOL, more, 2)                                                          \
    X(a, STATIC, OPTIONAL, MESSAGE, inner, 3)
#define fix_ListReply_CALLBACK      NULL
#define fix_ListReply_DEFAULT       NULL
#define fix_ListReply_inner_MSGTYPE fix_Inner
PB_BIND(fix_ListRequest, fix_ListRequest, AUTO)
PB_BIND(fix_Inner, fix_Inner, AUTO)
PB_BIND(fix_ListReply, fix_ListReply, AUTO)
static const struct svc_method fix_methods[] = {{FIX_LIST, "list", &fix_ListRequest_msg,
                                                 &fix_ListReply_msg, sizeof(fix_ListRequest),
                                                 sizeof(fix_ListReply)}};
static const struct svc_proto svc_proto_fix = {"fix", 1, 1, fix_methods};

/* The protocols the tables below describe (a protocol added to proto/ is covered by
 * test_every_method and the loops over SVC_PROTOS without a change here). */
static const struct svc_proto *const known[] = {&svc_proto_kv, &svc_proto_clock, &svc_proto_log,
                                                &svc_proto_svc};
#define NKNOWN (sizeof(known) / sizeof(known[0]))

/* The header's 8 bytes: method, kind, flags 0, status, little-endian. */
static void check_hdr(const uint8_t *b, uint16_t method, uint8_t kind, int32_t status)
{
    uint32_t s = (uint32_t)status;
    const uint8_t want[8] = {
        (uint8_t)method,    (uint8_t)(method >> 8), kind, 0, (uint8_t)s, (uint8_t)(s >> 8),
        (uint8_t)(s >> 16), (uint8_t)(s >> 24)};
    ck_assert_mem_eq(b, want, 8);
}

/* ---- round trips --------------------------------------------------------------------- */

/* fill(st, v): the zeroed structure st as value v (1: typical, 2: every field at its bound;
 * all defaults are test_every_method's). */
typedef void fill_fn(void *st, int v);
#define NVALUES 2

/* n bytes of every kind: 0x00 first, 0xff last, others spread. */
static void fill_bytes(uint8_t *b, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(seed + i * 37);
    if (n > 1) {
        b[0] = 0x00;
        b[n - 1] = 0xff;
    }
}

static void fill_key(char *key, int v)
{
    if (v == 1)
        strcpy(key, "alpha/béta");
    else
        memset(key, 'k', 32); /* the bound: key[33] holds 32 bytes and the NUL */
}

static void kv_put_req(void *st, int v)
{
    twain_kv_PutRequest *r = st;
    fill_key(r->key, v);
    r->value.size = v == 1 ? 5 : 64;
    fill_bytes(r->value.bytes, r->value.size, 1);
}
static void kv_put_rep(void *st, int v)
{
    (void)v;
    ((twain_kv_PutReply *)st)->replaced = true;
}
static void kv_get_req(void *st, int v)
{
    fill_key(((twain_kv_GetRequest *)st)->key, v);
}
static void kv_get_rep(void *st, int v)
{
    twain_kv_GetReply *r = st;
    r->found = true;
    r->value.size = v == 1 ? 3 : 64;
    fill_bytes(r->value.bytes, r->value.size, 0);
}
static void kv_del_req(void *st, int v)
{
    fill_key(((twain_kv_DelRequest *)st)->key, v);
}
static void kv_del_rep(void *st, int v)
{
    (void)v;
    ((twain_kv_DelReply *)st)->found = true;
}
static void empty(void *st, int v)
{
    (void)st, (void)v;
}
static void kv_count_rep(void *st, int v)
{
    ((twain_kv_CountReply *)st)->count = v == 1 ? 17 : UINT32_MAX;
}
static void clock_ns_rep(void *st, int v) /* NowReply and ResolutionReply: one uint64 ns */
{
    ((twain_clock_NowReply *)st)->ns = v == 1 ? 1000 : UINT64_MAX;
}
static void fill_text(char *text, int v)
{
    if (v == 1)
        strcpy(text, "kv: started");
    else
        memset(text, 'x', 160); /* text[161] */
}
static void log_append_req(void *st, int v)
{
    twain_log_AppendRequest *r = st;
    r->level = v == 2 ? UINT32_MAX : 3;
    fill_text(r->text, v);
}
static void log_append_rep(void *st, int v)
{
    ((twain_log_AppendReply *)st)->seq = v == 2 ? UINT64_MAX : 127;
}
static void log_tail_req(void *st, int v)
{
    ((twain_log_TailRequest *)st)->back = v == 2 ? UINT32_MAX : 1;
}
static void log_tail_rep(void *st, int v)
{
    twain_log_TailReply *r = st;
    r->found = true;
    r->seq = v == 2 ? UINT64_MAX : 1ull << 40;
    r->level = v == 2 ? UINT32_MAX : 2;
    fill_text(r->text, v);
    r->task = v == 2 ? UINT32_MAX : 9;
}
static void fix_list_req(void *st, int v)
{
    ((fix_ListRequest *)st)->from_index = v == 2 ? UINT32_MAX : 4000000000u;
}
static void fix_list_rep(void *st, int v)
{
    fix_ListReply *r = st;
    r->more = true;
    r->has_inner = true;
    if (v == 1) {
        r->keys_count = 3;
        strcpy(r->keys[0], "a");
        strcpy(r->keys[1], "ключ"); /* UTF-8 */
        strcpy(r->keys[2], "");     /* an empty string inside a repeated field */
        strcpy(r->inner.name, "née");
        return;
    }
    r->keys_count = 4; /* four keys of 32 bytes: one, two, three and four-byte characters */
    memset(r->keys[0], 'k', 32);
    strcpy(r->keys[1], "ключключключключ");
    strcpy(r->keys[2], "€€€€€€€€€€ab");
    strcpy(r->keys[3], "😀😀😀😀😀😀😀😀");
    strcpy(r->inner.name, "ñandús"); /* 8 bytes: name[9] */
}

struct rt_case {
    const struct svc_proto *p;
    uint16_t method;
    fill_fn *req, *rep;
};

static const struct rt_case rt_cases[] = {
    {&svc_proto_kv, SVC_KV_PUT, kv_put_req, kv_put_rep},
    {&svc_proto_kv, SVC_KV_GET, kv_get_req, kv_get_rep},
    {&svc_proto_kv, SVC_KV_DEL, kv_del_req, kv_del_rep},
    {&svc_proto_kv, SVC_KV_COUNT, empty, kv_count_rep},
    {&svc_proto_clock, SVC_CLOCK_NOW, empty, clock_ns_rep},
    {&svc_proto_clock, SVC_CLOCK_RESOLUTION, empty, clock_ns_rep},
    {&svc_proto_log, SVC_LOG_APPEND, log_append_req, log_append_rep},
    {&svc_proto_log, SVC_LOG_TAIL, log_tail_req, log_tail_rep},
    {&svc_proto_fix, FIX_LIST, fix_list_req, fix_list_rep},
};
#define NCASES (sizeof(rt_cases) / sizeof(rt_cases[0]))

/* The table has one case for every method of the known protocols: a method added to one of
 * them without its values fails here. */
START_TEST(test_cases_cover_every_method)
{
    const struct svc_proto *const ps[] = {&svc_proto_kv, &svc_proto_clock, &svc_proto_log,
                                          &svc_proto_svc, &svc_proto_fix};
    for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
        const struct svc_proto *p = ps[i];
        for (uint16_t j = 0; j < p->nmethods; j++) {
            int found = 0;
            for (size_t c = 0; c < NCASES; c++)
                found += rt_cases[c].p == p && rt_cases[c].method == p->methods[j].number;
            ck_assert_msg(found == 1, "%s method %u (%s): %d round-trip cases", p->name,
                          p->methods[j].number, p->methods[j].name, found);
        }
    }
    for (size_t c = 0; c < NCASES; c++)
        ck_assert_ptr_nonnull(svc_method_find(rt_cases[c].p, rt_cases[c].method));
}
END_TEST

static uint8_t st_a[BUF], st_b[BUF], st_c[BUF];
#define GARBAGE 0xa5

/* Bytes of st_b past `size` are still GARBAGE: the decoder wrote nothing past the method's
 * structure, though it was given BUF bytes. */
static void check_untouched_past(size_t size)
{
    for (size_t i = size; i < BUF; i++)
        ck_assert_msg(st_b[i] == GARBAGE, "byte %zu past a structure of %zu written", i, size);
}

START_TEST(test_request_round_trip)
{
    const struct rt_case *c = &rt_cases[_i / NVALUES];
    int v = 1 + _i % NVALUES;
    const struct svc_method *m = svc_method_find(c->p, c->method);
    ck_assert_ptr_nonnull(m);
    ck_assert_uint_le(m->req_size, BUF);
    memset(st_a, 0, sizeof(st_a));
    c->req(st_a, v);
    uint8_t out[BUF], again[BUF];
    int64_t n = svc_encode_request(c->p, c->method, st_a, out, sizeof(out));
    ck_assert_msg(n >= TW_SVC_HDR_BYTES, "%s.%s v%d: encode %lld", c->p->name, m->name, v,
                  (long long)n);
    ck_assert_int_le(n, TW_MSG_MAX_BYTES);
    check_hdr(out, c->method, TW_SVC_REQUEST, 0);
    ck_assert_int_eq(svc_msg_kind(out, (size_t)n), TW_SVC_REQUEST);
    if (c->req != empty)
        ck_assert_int_gt(n, TW_SVC_HDR_BYTES);
    /* decode gives the same structure (st_b starts as garbage: decode zeroes it) */
    memset(st_b, GARBAGE, sizeof(st_b));
    const struct svc_method *got = NULL;
    ck_assert_int_eq(svc_decode_request(c->p, out, (size_t)n, &got, st_b, sizeof(st_b)), TW_OK);
    ck_assert_ptr_eq(got, m);
    ck_assert_mem_eq(st_b, st_a, m->req_size);
    check_untouched_past(m->req_size);
    /* an equal structure, built again, encodes to the same bytes; so does the decoded one */
    memset(st_c, 0, sizeof(st_c));
    c->req(st_c, v);
    ck_assert_int_eq(svc_encode_request(c->p, c->method, st_c, again, sizeof(again)), n);
    ck_assert_mem_eq(again, out, (size_t)n);
    ck_assert_int_eq(svc_encode_request(c->p, c->method, st_b, again, sizeof(again)), n);
    ck_assert_mem_eq(again, out, (size_t)n);
}
END_TEST

START_TEST(test_reply_round_trip)
{
    const struct rt_case *c = &rt_cases[_i / NVALUES];
    int v = 1 + _i % NVALUES;
    const struct svc_method *m = svc_method_find(c->p, c->method);
    ck_assert_ptr_nonnull(m);
    ck_assert_uint_le(m->rep_size, BUF);
    memset(st_a, 0, sizeof(st_a));
    c->rep(st_a, v);
    uint8_t out[BUF], again[BUF];
    int64_t n = svc_encode_reply(c->p, c->method, TW_OK, st_a, out, sizeof(out));
    ck_assert_msg(n > TW_SVC_HDR_BYTES, "%s.%s v%d: encode %lld", c->p->name, m->name, v,
                  (long long)n);
    ck_assert_int_le(n, TW_MSG_MAX_BYTES);
    check_hdr(out, c->method, TW_SVC_REPLY, TW_OK);
    ck_assert_int_eq(svc_msg_kind(out, (size_t)n), TW_SVC_REPLY);
    memset(st_b, GARBAGE, sizeof(st_b));
    uint16_t method = 0xffff;
    int32_t status = 99;
    ck_assert_int_eq(svc_decode_reply(c->p, out, (size_t)n, &method, &status, st_b, sizeof(st_b)),
                     TW_OK);
    ck_assert_uint_eq(method, c->method);
    ck_assert_int_eq(status, TW_OK);
    ck_assert_mem_eq(st_b, st_a, m->rep_size);
    check_untouched_past(m->rep_size);
    memset(st_c, 0, sizeof(st_c));
    c->rep(st_c, v);
    ck_assert_int_eq(svc_encode_reply(c->p, c->method, TW_OK, st_c, again, sizeof(again)), n);
    ck_assert_mem_eq(again, out, (size_t)n);
    ck_assert_int_eq(svc_encode_reply(c->p, c->method, TW_OK, st_b, again, sizeof(again)), n);
    ck_assert_mem_eq(again, out, (size_t)n);
}
END_TEST

/* Every method of every protocol: an all-default request and reply (a zeroed structure,
 * and NULL) are the header alone and round trip, and a refusal reply carries its status. */
START_TEST(test_every_method)
{
#define X(n) &svc_proto_##n,
    static const struct svc_proto *const protos[] = {SVC_PROTOS(X)};
#undef X
    unsigned methods = 0;
    for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
        const struct svc_proto *p = protos[i];
        ck_assert_int_le(p->nmethods, SVC_METHOD_MAX);
        for (uint16_t j = 0; j < p->nmethods; j++) {
            const struct svc_method *m = &p->methods[j], *got;
            _Alignas(8) uint8_t st[512];
            ck_assert_ptr_eq(svc_method_find(p, m->number), m);
            ck_assert_int_le(m->req_size, sizeof(st));
            ck_assert_int_le(m->rep_size, sizeof(st));
            if (j > 0)
                ck_assert_int_gt(m->number, p->methods[j - 1].number);
            memset(st, 0, sizeof(st));
            ck_assert_int_eq(svc_encode_request(p, m->number, NULL, buf, sizeof(buf)),
                             TW_SVC_HDR_BYTES);
            int64_t n = svc_encode_request(p, m->number, st, buf, sizeof(buf));
            ck_assert_int_eq(n, TW_SVC_HDR_BYTES);
            check_hdr(buf, m->number, TW_SVC_REQUEST, 0);
            ck_assert_int_eq(svc_decode_request(p, buf, (size_t)n, &got, st, sizeof(st)), TW_OK);
            ck_assert_ptr_eq(got, m);
            ck_assert_int_eq(svc_encode_reply(p, m->number, TW_OK, NULL, buf, sizeof(buf)),
                             TW_SVC_HDR_BYTES);
            n = svc_encode_reply(p, m->number, TW_OK, st, buf, sizeof(buf));
            ck_assert_int_eq(n, TW_SVC_HDR_BYTES);
            uint16_t method;
            int32_t status;
            ck_assert_int_eq(svc_decode_reply(p, buf, (size_t)n, &method, &status, st, sizeof(st)),
                             TW_OK);
            ck_assert_int_eq(method, m->number);
            n = svc_encode_reply(p, m->number, TW_E_BUSY, NULL, buf, sizeof(buf));
            ck_assert_int_eq(n, TW_SVC_HDR_BYTES);
            ck_assert_int_eq(svc_decode_reply(p, buf, (size_t)n, &method, &status, st, sizeof(st)),
                             TW_OK);
            ck_assert_int_eq(status, TW_E_BUSY);
            methods++;
        }
    }
    ck_assert_uint_ge(methods, 4 + 2 + 2); /* kv, clock, log at least; svc: events only */
    ck_assert_uint_eq(svc_proto_svc.nmethods, 0);
}
END_TEST

/* An encoded message depends only on the fields: bytes past a string's NUL, past a bytes
 * field's size and past a repeated field's count are not read into it. */
START_TEST(test_encoding_depends_on_fields_only)
{
    fix_ListReply a, b;
    memset(&a, 0, sizeof(a));
    memset(&b, 0xee, sizeof(b));
    a.keys_count = b.keys_count = 2;
    strcpy(a.keys[0], "one");
    strcpy(b.keys[0], "one");
    strcpy(a.keys[1], "two");
    strcpy(b.keys[1], "two");
    a.more = b.more = false;
    a.has_inner = b.has_inner = false;
    uint8_t ea[TW_MSG_MAX_BYTES], eb[TW_MSG_MAX_BYTES];
    int64_t na = svc_encode_reply(&svc_proto_fix, FIX_LIST, TW_OK, &a, ea, sizeof(ea));
    int64_t nb = svc_encode_reply(&svc_proto_fix, FIX_LIST, TW_OK, &b, eb, sizeof(eb));
    ck_assert_int_gt(na, 0);
    ck_assert_int_eq(na, nb);
    ck_assert_mem_eq(ea, eb, (size_t)na);

    twain_kv_PutRequest p, q;
    memset(&p, 0, sizeof(p));
    memset(&q, 0x77, sizeof(q));
    strcpy(p.key, "k");
    strcpy(q.key, "k");
    p.value.size = q.value.size = 2;
    p.value.bytes[0] = q.value.bytes[0] = 1;
    p.value.bytes[1] = q.value.bytes[1] = 2;
    na = svc_encode_request(&svc_proto_kv, SVC_KV_PUT, &p, ea, sizeof(ea));
    nb = svc_encode_request(&svc_proto_kv, SVC_KV_PUT, &q, eb, sizeof(eb));
    ck_assert_int_eq(na, nb);
    ck_assert_mem_eq(ea, eb, (size_t)na);
    /* ... and they are these bytes: the header, key (field 1), value (field 2) */
    const uint8_t want[] = {1, 0, 0, 0, 0, 0, 0, 0, 0x0a, 1, 'k', 0x12, 2, 1, 2};
    ck_assert_int_eq(na, sizeof(want));
    ck_assert_mem_eq(ea, want, sizeof(want));
}
END_TEST

/* ---- malformed messages -------------------------------------------------------------- */

/* A message in buf: the header for method (kind, flags, status as given) and payload. */
static size_t msg(uint16_t method, uint8_t kind, uint8_t flags, int32_t status, const char *payload,
                  size_t plen)
{
    uint32_t s = (uint32_t)status;
    uint8_t h[8] = {
        (uint8_t)method,    (uint8_t)(method >> 8), kind, flags, (uint8_t)s, (uint8_t)(s >> 8),
        (uint8_t)(s >> 16), (uint8_t)(s >> 24)};
    memcpy(buf, h, 8);
    memcpy(buf + 8, payload, plen);
    return 8 + plen;
}

/* The codec's result for b[0..len) read by each decoder: a kv request (*m must come back
 * NULL unless it decoded), a kv reply, the owner event. */
static int dec_req(const uint8_t *b, size_t len)
{
    const struct svc_method *m = (const struct svc_method *)1;
    twain_kv_PutRequest r; /* the largest of kv's requests */
    int rc = svc_decode_request(&svc_proto_kv, b, len, &m, &r, sizeof(r));
    if (rc != TW_OK) {
        ck_assert_ptr_null(m);
    } else {
        ck_assert_ptr_nonnull(m);
    }
    return rc;
}
static int dec_rep(const uint8_t *b, size_t len)
{
    twain_kv_GetReply r; /* the largest of kv's replies */
    uint16_t method;
    int32_t status;
    return svc_decode_reply(&svc_proto_kv, b, len, &method, &status, &r, sizeof(r));
}
static int dec_ev(const uint8_t *b, size_t len)
{
    struct svc_owner_event ev;
    return svc_decode_event_owner(b, len, &ev);
}
static int dec_kv(size_t len)
{
    return dec_req(buf, len);
}

#define P(s) s, sizeof(s) - 1

/* A kv put request with key "key" and value {1, 2, 3}: 8 + 5 + 5 bytes. */
static int64_t put_msg(uint8_t *b, size_t cap)
{
    twain_kv_PutRequest r;
    memset(&r, 0, sizeof(r));
    strcpy(r.key, "key");
    r.value.size = 3;
    r.value.bytes[0] = 1, r.value.bytes[1] = 2, r.value.bytes[2] = 3;
    int64_t n = svc_encode_request(&svc_proto_kv, SVC_KV_PUT, &r, b, cap);
    ck_assert_int_eq(n, 18);
    return n;
}

/* The header, for each decoder: each takes its own kind only; shorter than a header, a kind
 * past the event's, any flag bit and a request's status other than 0 are invalid. */
START_TEST(test_header)
{
    uint8_t good[3][BUF];
    int64_t len[3];
    len[0] = put_msg(good[0], BUF);
    twain_kv_PutReply pr = {true};
    len[1] = svc_encode_reply(&svc_proto_kv, SVC_KV_PUT, TW_OK, &pr, good[1], BUF);
    ck_assert_int_eq(len[1], 10);
    struct svc_owner_event e = {2, 2, true, 0};
    len[2] = svc_encode_event_owner(&e, good[2], BUF);
    ck_assert_int_gt(len[2], 8);
    int (*const dec[3])(const uint8_t *, size_t) = {dec_req, dec_rep, dec_ev};
    for (int i = 0; i < 3; i++) {
        size_t n = (size_t)len[i];
        ck_assert_int_eq(svc_msg_kind(good[i], n), i); /* TW_SVC_REQUEST, _REPLY, _EVENT */
        for (int d = 0; d < 3; d++)
            ck_assert_int_eq(dec[d](good[i], n), d == i ? TW_OK : TW_E_INVAL);
        for (size_t cut = 0; cut < TW_SVC_HDR_BYTES; cut++) {
            ck_assert_int_eq(svc_msg_kind(good[i], cut), TW_E_INVAL);
            for (int d = 0; d < 3; d++)
                ck_assert_int_eq(dec[d](good[i], cut), TW_E_INVAL);
        }
        uint8_t b[BUF];
        for (int k = TW_SVC_EVENT + 1; k < 256; k++) {
            memcpy(b, good[i], n);
            b[2] = (uint8_t)k;
            ck_assert_int_eq(svc_msg_kind(b, n), TW_E_INVAL);
            for (int d = 0; d < 3; d++)
                ck_assert_int_eq(dec[d](b, n), TW_E_INVAL);
        }
        for (int bit = 0; bit < 8; bit++) {
            memcpy(b, good[i], n);
            b[3] = (uint8_t)(1u << bit);
            ck_assert_int_eq(svc_msg_kind(b, n), TW_E_INVAL);
            ck_assert_int_eq(dec[i](b, n), TW_E_INVAL);
        }
    }
    ck_assert_int_eq(svc_msg_kind(NULL, 8), TW_E_INVAL);
    ck_assert_int_eq(dec_req(NULL, 0), TW_E_INVAL);
    /* A request's status is 0. */
    static const int32_t bad[] = {1, -1, TW_E_NOTSUP, 0x100, INT32_MIN, INT32_MAX};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        size_t n = msg(SVC_KV_PUT, TW_SVC_REQUEST, 0, bad[i], P("\x0a\x01k"));
        ck_assert_int_eq(dec_kv(n), TW_E_INVAL);
    }
}
END_TEST

/* Every cut of a put request: the cuts between its fields are messages with fewer fields
 * (proto3), every cut inside a field is invalid, and a failed decode leaves the structure
 * zeroed, every byte of it. */
START_TEST(test_truncated)
{
    uint8_t req[BUF];
    int64_t n = put_msg(req, sizeof(req)); /* hdr | 0a 03 'k' 'e' 'y' | 12 03 01 02 03 */
    for (size_t len = TW_SVC_HDR_BYTES; len <= (size_t)n; len++) {
        twain_kv_PutRequest r;
        memset(&r, 0x5a, sizeof(r));
        const struct svc_method *m = NULL;
        int rc = svc_decode_request(&svc_proto_kv, req, len, &m, &r, sizeof(r));
        if (len == 8 || len == 13 || len == 18) {
            ck_assert_msg(rc == TW_OK, "cut at %zu: %d", len, rc);
            ck_assert_str_eq(r.key, len == 8 ? "" : "key");
            ck_assert_uint_eq(r.value.size, len == 18 ? 3 : 0);
        } else {
            ck_assert_msg(rc == TW_E_INVAL, "cut at %zu: %d", len, rc);
            ck_assert_ptr_null(m);
            const uint8_t *p = (const uint8_t *)&r;
            for (size_t i = 0; i < sizeof(r); i++)
                ck_assert_msg(p[i] == 0, "cut at %zu: byte %zu of the structure left", len, i);
        }
    }
}
END_TEST

/* A length-delimited field at p: tag, length (< 128), n bytes of c. */
static size_t ldfield(char *p, uint8_t tag, size_t n, char c)
{
    p[0] = (char)(tag << 3 | 2);
    p[1] = (char)n;
    memset(p + 2, c, n);
    return 2 + n;
}

START_TEST(test_malformed)
{
    /* The well-formed one the cases below are variations of. */
    ck_assert_int_eq(dec_kv(msg(SVC_KV_PUT, TW_SVC_REQUEST, 0, 0, P("\x0a\x01k\x12\x01v"))), TW_OK);
    /* Cut short inside a varint (test_truncated cuts everything else). */
    ck_assert_int_eq(dec_kv(msg(SVC_KV_PUT, TW_SVC_REQUEST, 0, 0, P("\x0a\x01k\x88"))), TW_E_INVAL);
    /* Trailing bytes: a zero tag, a tag without its value, a stray length. */
    ck_assert_int_eq(dec_kv(msg(SVC_KV_PUT, TW_SVC_REQUEST, 0, 0, "\x0a\x01k\x00", 4)), TW_E_INVAL);
    ck_assert_int_eq(dec_kv(msg(SVC_KV_PUT, TW_SVC_REQUEST, 0, 0, "\x00", 1)), TW_E_INVAL);
    ck_assert_int_eq(dec_kv(msg(SVC_KV_PUT, TW_SVC_REQUEST, 0, 0, P("\x0a\x01k\x08"))), TW_E_INVAL);
    ck_assert_int_eq(dec_kv(msg(SVC_KV_PUT, TW_SVC_REQUEST, 0, 0, P("\x0a\x01k\xff"))), TW_E_INVAL);
    /* A field whose wire type is not its own, the reserved wire types 6 and 7. */
    ck_assert_int_eq(dec_kv(msg(SVC_KV_PUT, TW_SVC_REQUEST, 0, 0, P("\x08\x01"))), TW_E_INVAL);
    ck_assert_int_eq(dec_kv(msg(SVC_KV_PUT, TW_SVC_REQUEST, 0, 0, P("\x0e\x01"))), TW_E_INVAL);
    ck_assert_int_eq(dec_kv(msg(SVC_KV_PUT, TW_SVC_REQUEST, 0, 0, P("\x0f"))), TW_E_INVAL);
    /* A varint of eleven bytes (GetReply's found). */
    ck_assert_int_eq(dec_rep(buf, msg(SVC_KV_GET, TW_SVC_REPLY, 0, 0,
                                      P("\x08\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01"))),
                     TW_E_INVAL);
    /* Over the bounds: kv's key of 33 bytes in each request that has one, a value of 65 in a
     * request and in a reply, log's text of 161 (a length of two varint bytes). */
    char pl[200];
    const struct svc_method *m;
    static const uint16_t keyed[] = {SVC_KV_PUT, SVC_KV_GET, SVC_KV_DEL};
    for (size_t i = 0; i < 3; i++) {
        twain_kv_PutRequest r;
        size_t n = msg(keyed[i], TW_SVC_REQUEST, 0, 0, pl, ldfield(pl, 1, 32, 'k'));
        ck_assert_int_eq(svc_decode_request(&svc_proto_kv, buf, n, &m, &r, sizeof(r)), TW_OK);
        ck_assert_uint_eq(strlen(r.key), 32);
        ck_assert_int_eq(dec_kv(msg(keyed[i], TW_SVC_REQUEST, 0, 0, pl, ldfield(pl, 1, 33, 'k'))),
                         TW_E_INVAL);
    }
    ck_assert_int_eq(dec_kv(msg(SVC_KV_PUT, TW_SVC_REQUEST, 0, 0, pl, ldfield(pl, 2, 64, 0))),
                     TW_OK);
    ck_assert_int_eq(dec_kv(msg(SVC_KV_PUT, TW_SVC_REQUEST, 0, 0, pl, ldfield(pl, 2, 65, 0))),
                     TW_E_INVAL);
    ck_assert_int_eq(dec_rep(buf, msg(SVC_KV_GET, TW_SVC_REPLY, 0, 0, pl, ldfield(pl, 2, 64, 7))),
                     TW_OK);
    ck_assert_int_eq(dec_rep(buf, msg(SVC_KV_GET, TW_SVC_REPLY, 0, 0, pl, ldfield(pl, 2, 65, 7))),
                     TW_E_INVAL);
    for (size_t len = 160; len <= 161; len++) {
        twain_log_AppendRequest ar;
        pl[0] = 2 << 3 | 2, pl[1] = (char)(0x80 | (len & 0x7f)), pl[2] = (char)(len >> 7);
        memset(pl + 3, 't', len);
        size_t n = msg(SVC_LOG_APPEND, TW_SVC_REQUEST, 0, 0, pl, 3 + len);
        ck_assert_int_eq(svc_decode_request(&svc_proto_log, buf, n, &m, &ar, sizeof(ar)),
                         len == 160 ? TW_OK : TW_E_INVAL);
    }
    /* Strings: a NUL inside, and bytes that are not UTF-8 (lone continuation, overlong,
     * surrogate, cut short, past U+10FFFF); a four-byte character is fine. */
    ck_assert_int_eq(dec_kv(msg(SVC_KV_PUT, TW_SVC_REQUEST, 0, 0,
                                "\x0a\x03"
                                "a\0b",
                                5)),
                     TW_E_INVAL);
    static const char *const bad[] = {
        "\x80",     "\xc0\xaf",         "\xe0\x80\xaf", "\xed\xa0\x80",
        "\xe2\x82", "\xf4\x90\x80\x80", "\xff",         "\xf8\x88\x80\x80\x80"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char p[16] = {0x0a, (char)strlen(bad[i])};
        memcpy(p + 2, bad[i], strlen(bad[i]));
        ck_assert_int_eq(dec_kv(msg(SVC_KV_PUT, TW_SVC_REQUEST, 0, 0, p, 2 + strlen(bad[i]))),
                         TW_E_INVAL);
    }
    ck_assert_int_eq(dec_kv(msg(SVC_KV_PUT, TW_SVC_REQUEST, 0, 0, P("\x0a\x04\xf0\x9f\x98\x80"))),
                     TW_OK);
    /* A uint32 past 2^32, in another protocol. */
    twain_log_TailRequest tq;
    size_t n = msg(SVC_LOG_TAIL, TW_SVC_REQUEST, 0, 0, P("\x08\x80\x80\x80\x80\x10"));
    ck_assert_int_eq(svc_decode_request(&svc_proto_log, buf, n, &m, &tq, sizeof(tq)), TW_E_INVAL);
    n = msg(SVC_LOG_TAIL, TW_SVC_REQUEST, 0, 0, P("\x08\xff\xff\xff\xff\x0f"));
    ck_assert_int_eq(svc_decode_request(&svc_proto_log, buf, n, &m, &tq, sizeof(tq)), TW_OK);
    ck_assert_uint_eq(tq.back, UINT32_MAX);
    /* Five keys where four fit; a string over its bound or not UTF-8 in a submessage. */
    fix_ListReply lr;
    uint16_t method;
    int32_t status;
    n = msg(FIX_LIST, TW_SVC_REPLY, 0, 0,
            P("\x0a\x01"
              "a\x0a\x01"
              "b\x0a\x01"
              "c\x0a\x01"
              "d"));
    ck_assert_int_eq(svc_decode_reply(&svc_proto_fix, buf, n, &method, &status, &lr, sizeof(lr)),
                     TW_OK);
    ck_assert_int_eq(lr.keys_count, 4);
    n = msg(FIX_LIST, TW_SVC_REPLY, 0, 0,
            P("\x0a\x01"
              "a\x0a\x01"
              "b\x0a\x01"
              "c\x0a\x01"
              "d\x0a\x01"
              "e"));
    ck_assert_int_eq(svc_decode_reply(&svc_proto_fix, buf, n, &method, &status, &lr, sizeof(lr)),
                     TW_E_INVAL);
    n = msg(FIX_LIST, TW_SVC_REPLY, 0, 0,
            P("\x1a\x05\x0a\x03"
              "abc"));
    ck_assert_int_eq(svc_decode_reply(&svc_proto_fix, buf, n, &method, &status, &lr, sizeof(lr)),
                     TW_OK);
    ck_assert(lr.has_inner);
    ck_assert_str_eq(lr.inner.name, "abc");
    n = msg(FIX_LIST, TW_SVC_REPLY, 0, 0,
            P("\x1a\x0b\x0a\x09"
              "abcdefghi"));
    ck_assert_int_eq(svc_decode_reply(&svc_proto_fix, buf, n, &method, &status, &lr, sizeof(lr)),
                     TW_E_INVAL);
    n = msg(FIX_LIST, TW_SVC_REPLY, 0, 0,
            P("\x1a\x05\x0a\x03"
              "a\xc0\xaf"));
    ck_assert_int_eq(svc_decode_reply(&svc_proto_fix, buf, n, &method, &status, &lr, sizeof(lr)),
                     TW_E_INVAL);
    n = msg(FIX_LIST, TW_SVC_REPLY, 0, 0,
            P("\x1a\x04\x0a\x03"
              "abc"));
    ck_assert_int_eq(svc_decode_reply(&svc_proto_fix, buf, n, &method, &status, &lr, sizeof(lr)),
                     TW_E_INVAL);
    /* An unknown field is skipped, as protobuf does. */
    ck_assert_int_eq(dec_kv(msg(SVC_KV_PUT, TW_SVC_REQUEST, 0, 0, P("\x0a\x01k\x78\x05"))), TW_OK);
}
END_TEST

START_TEST(test_unknown_method)
{
    /* 0; 5, the first past kv's four; 0x100 and 0x101, which cut to a byte are 0 and PUT */
    static const uint16_t none[] = {0, 5, 6, 7, 63, 64, 0x100, 0x101, 0x1ff, 0xffff};
    for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
        ck_assert_ptr_null(svc_method_find(&svc_proto_kv, none[i]));
        ck_assert_int_eq(dec_kv(msg(none[i], TW_SVC_REQUEST, 0, 0, P(""))), TW_E_NOTSUP);
        ck_assert_int_eq(svc_encode_request(&svc_proto_kv, none[i], NULL, buf, sizeof(buf)),
                         TW_E_NOTSUP);
        ck_assert_int_eq(svc_encode_reply(&svc_proto_kv, none[i], TW_OK, NULL, buf, sizeof(buf)),
                         TW_E_NOTSUP);
        /* A refusal may name it: the header alone, decoded by the client. */
        int64_t n = svc_encode_reply(&svc_proto_kv, none[i], TW_E_NOTSUP, NULL, buf, sizeof(buf));
        ck_assert_int_eq(n, TW_SVC_HDR_BYTES);
        check_hdr(buf, none[i], TW_SVC_REPLY, TW_E_NOTSUP);
        uint16_t method;
        int32_t status;
        ck_assert_int_eq(svc_decode_reply(&svc_proto_kv, buf, (size_t)n, &method, &status, NULL, 0),
                         TW_OK);
        ck_assert_int_eq(method, none[i]);
        ck_assert_int_eq(status, TW_E_NOTSUP);
        /* A TW_OK reply to it cannot be decoded. */
        msg(none[i], TW_SVC_REPLY, 0, 0, "", 0);
        twain_kv_PutReply r;
        ck_assert_int_eq(svc_decode_reply(&svc_proto_kv, buf, 8, &method, &status, &r, sizeof(r)),
                         TW_E_NOTSUP);
    }
    /* svc.proto has no methods at all; kv's DEL (3) is no method of clock's. */
    const struct svc_method *m = (const struct svc_method *)1;
    twain_kv_PutRequest r;
    size_t n = msg(1, TW_SVC_REQUEST, 0, 0, "", 0);
    ck_assert_int_eq(svc_decode_request(&svc_proto_svc, buf, n, &m, &r, sizeof(r)), TW_E_NOTSUP);
    ck_assert_ptr_null(m);
    ck_assert_int_eq(svc_encode_request(&svc_proto_svc, 1, NULL, buf, sizeof(buf)), TW_E_NOTSUP);
    n = msg(SVC_KV_DEL, TW_SVC_REQUEST, 0, 0, P("\x0a\x01k"));
    ck_assert_int_eq(svc_decode_request(&svc_proto_clock, buf, n, &m, &r, sizeof(r)), TW_E_NOTSUP);
}
END_TEST

START_TEST(test_replies)
{
    uint16_t method;
    int32_t status;
    twain_kv_GetReply r;
    /* Statuses: TW_OK, every TW_E_* code (the header alone, for a method kv has or not);
     * nothing positive, nothing below TW_ERR_MIN. */
    for (int32_t s = TW_ERR_MIN; s <= TW_OK; s++) {
        int64_t n = svc_encode_reply(&svc_proto_kv, SVC_KV_GET, s, NULL, buf, sizeof(buf));
        ck_assert_int_eq(n, TW_SVC_HDR_BYTES);
        check_hdr(buf, SVC_KV_GET, TW_SVC_REPLY, s);
        memset(&r, 0x33, sizeof(r));
        ck_assert_int_eq(
            svc_decode_reply(&svc_proto_kv, buf, (size_t)n, &method, &status, &r, sizeof(r)),
            TW_OK);
        ck_assert_int_eq(method, SVC_KV_GET);
        ck_assert_int_eq(status, s);
        ck_assert(!r.found && r.value.size == 0); /* zeroed */
        if (s == TW_OK)
            continue;
        /* A refusal is the header alone: a payload of two bytes, or of one. */
        buf[8] = 0x08, buf[9] = 0x01;
        ck_assert_int_eq(dec_rep(buf, 10), TW_E_INVAL);
        ck_assert_int_eq(dec_rep(buf, 9), TW_E_INVAL);
        ck_assert_int_eq(svc_encode_reply(&svc_proto_kv, 77, s, NULL, buf, sizeof(buf)),
                         TW_SVC_HDR_BYTES);
        ck_assert_int_eq(dec_rep(buf, TW_SVC_HDR_BYTES), TW_OK);
    }
    static const int32_t bad[] = {1, 5, INT32_MAX, TW_ERR_MIN - 1, INT32_MIN};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_int_eq(
            svc_encode_reply(&svc_proto_kv, SVC_KV_GET, bad[i], NULL, buf, sizeof(buf)),
            TW_E_INVAL);
        size_t n = msg(SVC_KV_GET, TW_SVC_REPLY, 0, bad[i], "", 0);
        ck_assert_int_eq(svc_decode_reply(&svc_proto_kv, buf, n, &method, &status, &r, sizeof(r)),
                         TW_E_INVAL);
    }
    /* A request where a reply is expected (test_header: every kind); a reply cut short. */
    size_t n = msg(SVC_KV_GET, TW_SVC_REQUEST, 0, 0, P("\x08\x01"));
    ck_assert_int_eq(svc_decode_reply(&svc_proto_kv, buf, n, &method, &status, &r, sizeof(r)),
                     TW_E_INVAL);
    n = msg(SVC_KV_GET, TW_SVC_REPLY, 0, 0, P("\x08\x01"));
    ck_assert_int_eq(svc_decode_reply(&svc_proto_kv, buf, n, &method, &status, &r, sizeof(r)),
                     TW_OK);
    ck_assert(r.found);
    ck_assert_int_eq(svc_decode_reply(&svc_proto_kv, buf, n - 1, &method, &status, &r, sizeof(r)),
                     TW_E_INVAL);
}
END_TEST

/* ---- encoding's refusals ------------------------------------------------------------- */

START_TEST(test_encode_refusals)
{
    twain_kv_PutRequest p = twain_kv_PutRequest_init_zero;
    strcpy(p.key, "key");
    /* No buffer at all (every buffer too small: test_too_big). */
    ck_assert_int_eq(svc_encode_request(&svc_proto_kv, SVC_KV_COUNT, NULL, NULL, 64), TW_E_TOOBIG);
    ck_assert_int_eq(svc_encode_request(&svc_proto_kv, SVC_KV_PUT, &p, NULL, 64), TW_E_TOOBIG);
    /* A key without its NUL in bounds, bytes over their size, five keys, not UTF-8. */
    memset(p.key, 'k', sizeof(p.key));
    ck_assert_int_eq(svc_encode_request(&svc_proto_kv, SVC_KV_PUT, &p, buf, sizeof(buf)),
                     TW_E_INVAL);
    strcpy(p.key, "key");
    p.value.size = 65;
    ck_assert_int_eq(svc_encode_request(&svc_proto_kv, SVC_KV_PUT, &p, buf, sizeof(buf)),
                     TW_E_INVAL);
    p.value.size = 0;
    strcpy(p.key, "\xc3");
    ck_assert_int_eq(svc_encode_request(&svc_proto_kv, SVC_KV_PUT, &p, buf, sizeof(buf)),
                     TW_E_INVAL);
    strcpy(p.key, "\xc3\xa9");
    ck_assert_int_gt(svc_encode_request(&svc_proto_kv, SVC_KV_PUT, &p, buf, sizeof(buf)), 0);
    fix_ListReply lr;
    memset(&lr, 0, sizeof(lr));
    lr.keys_count = 5;
    ck_assert_int_eq(svc_encode_reply(&svc_proto_fix, FIX_LIST, TW_OK, &lr, buf, sizeof(buf)),
                     TW_E_INVAL);
    lr.keys_count = 0;
    lr.has_inner = true;
    strcpy(lr.inner.name, "\xed\xa0\x80"); /* a surrogate, in the submessage */
    ck_assert_int_eq(svc_encode_reply(&svc_proto_fix, FIX_LIST, TW_OK, &lr, buf, sizeof(buf)),
                     TW_E_INVAL);
    /* Decoding into a structure smaller than the method's: too_big, and no method. */
    twain_kv_PutRequest r;
    const struct svc_method *m = (const struct svc_method *)1;
    strcpy(p.key, "k");
    int64_t n = svc_encode_request(&svc_proto_kv, SVC_KV_PUT, &p, buf, sizeof(buf));
    ck_assert_int_eq(svc_decode_request(&svc_proto_kv, buf, (size_t)n, &m, &r, sizeof(r) - 1),
                     TW_E_TOOBIG);
    ck_assert_ptr_null(m);
    ck_assert_int_eq(svc_decode_request(&svc_proto_kv, buf, (size_t)n, &m, NULL, sizeof(r)),
                     TW_E_TOOBIG);
    uint16_t method;
    int32_t status;
    twain_kv_GetReply g = {.found = true};
    n = svc_encode_reply(&svc_proto_kv, SVC_KV_GET, TW_OK, &g, buf, sizeof(buf));
    ck_assert_int_eq(svc_decode_reply(&svc_proto_kv, buf, (size_t)n, &method, &status, &g, 1),
                     TW_E_TOOBIG);
    ck_assert_int_eq(
        svc_decode_reply(&svc_proto_kv, buf, (size_t)n, &method, &status, &g, sizeof(g) - 1),
        TW_E_TOOBIG);
    ck_assert_int_eq(
        svc_decode_reply(&svc_proto_kv, buf, (size_t)n, &method, &status, &g, sizeof(g)), TW_OK);
}
END_TEST

/* Every buffer shorter than the message is too_big, the exact size fits. Returns how many
 * caps were answered otherwise (and prints the first), so that one run shows every
 * encoder's. */
static int check_caps(const char *what, int64_t full, int64_t (*enc)(uint8_t *, size_t))
{
    uint8_t b[BUF];
    ck_assert_int_eq(enc(b, sizeof(b)), full);
    ck_assert_int_eq(enc(b, (size_t)full), full);
    int wrong = 0;
    for (size_t cap = 0; cap < (size_t)full; cap++) {
        int64_t rc = enc(b, cap);
        if (rc != TW_E_TOOBIG && wrong++ == 0)
            fprintf(stderr, "test_svc_proto: %s of %lld bytes into %zu: %lld, not too_big\n", what,
                    (long long)full, cap, (long long)rc);
    }
    if (wrong > 0)
        fprintf(stderr, "test_svc_proto: %s: %d of %lld buffers too small not too_big\n", what,
                wrong, (long long)full);
    return wrong;
}
static twain_kv_PutRequest big_put;
static int64_t enc_put(uint8_t *b, size_t cap)
{
    return svc_encode_request(&svc_proto_kv, SVC_KV_PUT, &big_put, b, cap);
}
static int64_t enc_count(uint8_t *b, size_t cap)
{
    return svc_encode_request(&svc_proto_kv, SVC_KV_COUNT, NULL, b, cap);
}
static int64_t enc_get_rep(uint8_t *b, size_t cap)
{
    twain_kv_GetReply r;
    memset(&r, 0, sizeof(r));
    r.found = true;
    r.value.size = 64;
    return svc_encode_reply(&svc_proto_kv, SVC_KV_GET, TW_OK, &r, b, cap);
}
static int64_t enc_err_rep(uint8_t *b, size_t cap)
{
    return svc_encode_reply(&svc_proto_kv, SVC_KV_GET, TW_E_NOENT, NULL, b, cap);
}
static int64_t enc_now_rep(uint8_t *b, size_t cap)
{
    twain_clock_NowReply r = {UINT64_MAX}; /* a 10-byte varint */
    return svc_encode_reply(&svc_proto_clock, SVC_CLOCK_NOW, TW_OK, &r, b, cap);
}
static int64_t enc_fix_rep(uint8_t *b, size_t cap)
{
    static fix_ListReply r;
    memset(&r, 0, sizeof(r));
    fix_list_rep(&r, 2);
    return svc_encode_reply(&svc_proto_fix, FIX_LIST, TW_OK, &r, b, cap);
}
static int64_t enc_event(uint8_t *b, size_t cap)
{
    struct svc_owner_event e = {UINT32_MAX, 4, true, UINT32_MAX};
    return svc_encode_event_owner(&e, b, cap);
}

START_TEST(test_too_big)
{
    memset(&big_put, 0, sizeof(big_put));
    memset(big_put.key, 'k', 32);
    big_put.value.size = 64;
    int wrong = check_caps("kv put request", 8 + 34 + 66, enc_put);
    wrong += check_caps("kv count request", 8, enc_count);
    wrong += check_caps("kv get reply", 8 + 2 + 66, enc_get_rep);
    wrong += check_caps("kv error reply", 8, enc_err_rep);
    wrong += check_caps("clock now reply", 8 + 11, enc_now_rep);
    wrong += check_caps("fix list reply", 8 + 4 * 34 + 2 + 12, enc_fix_rep);
    wrong += check_caps("owner event", 8 + 6 + 2 + 2 + 6, enc_event);
    ck_assert_msg(wrong == 0, "%d encodings into a buffer too small were not too_big", wrong);
}
END_TEST

/* ---- the owner-changed event --------------------------------------------------------- */

static int enc_ev(uint32_t gen, uint32_t reason, bool kernel, uint32_t task, size_t cap)
{
    struct svc_owner_event ev = {gen, reason, kernel, task};
    return (int)svc_encode_event_owner(&ev, buf, cap);
}

START_TEST(test_event_owner)
{
    int64_t n = enc_ev(7, twain_svc_OwnerReason_OWNER_RESTARTED, true, 4242, sizeof(buf));
    ck_assert_int_gt(n, TW_SVC_HDR_BYTES);
    ck_assert_int_eq(svc_msg_kind(buf, (size_t)n), TW_SVC_EVENT);
    check_hdr(buf, 0, TW_SVC_EVENT, TW_SVC_EV_OWNER);
    struct svc_hdr h;
    ck_assert_int_eq(svc_hdr_decode(buf, (size_t)n, &h), TW_OK);
    ck_assert_int_eq(h.method, 0);
    ck_assert_int_eq(h.status, TW_SVC_EV_OWNER);
    struct svc_owner_event ev = {0, 0, false, 0};
    ck_assert_int_eq(svc_decode_event_owner(buf, (size_t)n, &ev), TW_OK);
    ck_assert_uint_eq(ev.generation, 7);
    ck_assert_uint_eq(ev.reason, twain_svc_OwnerReason_OWNER_RESTARTED);
    ck_assert(ev.kernel);
    ck_assert_uint_eq(ev.owner_task, 4242);
    /* Every reason, with fields at 0, at their maxima and between; cut inside the last
     * field, the event is refused and *ev left alone. */
    for (uint32_t r = 1; r <= 5; r++) {
        const struct svc_owner_event cases[] = {
            {1, r, false, 0}, {UINT32_MAX, r, true, UINT32_MAX}, {7, r, false, 12}};
        for (size_t i = 0; i < 3; i++) {
            n = svc_encode_event_owner(&cases[i], buf, sizeof(buf));
            ck_assert_int_gt(n, TW_SVC_HDR_BYTES);
            struct svc_owner_event got = {9, 9, true, 9};
            ck_assert_int_eq(svc_decode_event_owner(buf, (size_t)n, &got), TW_OK);
            ck_assert_uint_eq(got.generation, cases[i].generation);
            ck_assert_uint_eq(got.reason, r);
            ck_assert_int_eq(got.kernel, cases[i].kernel);
            ck_assert_uint_eq(got.owner_task, cases[i].owner_task);
            struct svc_owner_event keep = got;
            ck_assert_int_eq(svc_decode_event_owner(buf, (size_t)n - 1, &got), TW_E_INVAL);
            ck_assert(got.generation == keep.generation && got.reason == keep.reason &&
                      got.kernel == keep.kernel && got.owner_task == keep.owner_task);
        }
    }
    static const uint32_t bad_reason[] = {0, 6, 1000, UINT32_MAX};
    for (size_t i = 0; i < sizeof(bad_reason) / sizeof(bad_reason[0]); i++)
        ck_assert_int_eq(enc_ev(1, bad_reason[i], false, 0, sizeof(buf)), TW_E_INVAL);
    /* Reasons outside 1..5 on the wire (6, 1000, -1 as an int32 enum writes it, none at all),
     * another event code, a method, not an event, a trailing byte; a refused event leaves
     * *ev alone. */
    struct svc_owner_event keep = {99, 3, true, 98};
    ev = keep;
    size_t len = msg(0, TW_SVC_EVENT, 0, TW_SVC_EV_OWNER, P("\x08\x01\x10\x06"));
    ck_assert_int_eq(svc_decode_event_owner(buf, len, &ev), TW_E_INVAL);
    len = msg(0, TW_SVC_EVENT, 0, TW_SVC_EV_OWNER, P("\x08\x01\x10\xe8\x07"));
    ck_assert_int_eq(svc_decode_event_owner(buf, len, &ev), TW_E_INVAL);
    len = msg(0, TW_SVC_EVENT, 0, TW_SVC_EV_OWNER,
              P("\x08\x01\x10\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"));
    ck_assert_int_eq(svc_decode_event_owner(buf, len, &ev), TW_E_INVAL);
    len = msg(0, TW_SVC_EVENT, 0, TW_SVC_EV_OWNER, P("\x08\x01"));
    ck_assert_int_eq(svc_decode_event_owner(buf, len, &ev), TW_E_INVAL);
    len = msg(0, TW_SVC_EVENT, 0, TW_SVC_EV_OWNER, "", 0);
    ck_assert_int_eq(svc_decode_event_owner(buf, len, &ev), TW_E_INVAL);
    len = msg(0, TW_SVC_EVENT, 0, 2, P("\x10\x02"));
    ck_assert_int_eq(svc_decode_event_owner(buf, len, &ev), TW_E_NOTSUP);
    len = msg(0, TW_SVC_EVENT, 0, 0, P("\x10\x02"));
    ck_assert_int_eq(svc_decode_event_owner(buf, len, &ev), TW_E_INVAL);
    len = msg(0, TW_SVC_EVENT, 0, -1, P("\x10\x02"));
    ck_assert_int_eq(svc_decode_event_owner(buf, len, &ev), TW_E_INVAL);
    len = msg(1, TW_SVC_EVENT, 0, TW_SVC_EV_OWNER, P("\x10\x02"));
    ck_assert_int_eq(svc_decode_event_owner(buf, len, &ev), TW_E_INVAL);
    len = msg(0, TW_SVC_REPLY, 0, TW_SVC_EV_OWNER, P("\x10\x02"));
    ck_assert_int_eq(svc_decode_event_owner(buf, len, &ev), TW_E_INVAL);
    len = msg(0, TW_SVC_EVENT, 0, TW_SVC_EV_OWNER, P("\x10\x02\x00"));
    ck_assert_int_eq(svc_decode_event_owner(buf, len, &ev), TW_E_INVAL);
    ck_assert(ev.generation == 99 && ev.reason == 3 && ev.kernel && ev.owner_task == 98);
    len = msg(0, TW_SVC_EVENT, 0, TW_SVC_EV_OWNER, P("\x10\x02"));
    ck_assert_int_eq(svc_decode_event_owner(buf, len, &ev), TW_OK);
    ck_assert(ev.generation == 0 && ev.reason == 2 && !ev.kernel && ev.owner_task == 0);
}
END_TEST

/* ---- the method tables --------------------------------------------------------------- */

struct want_method {
    const struct svc_proto *p;
    uint16_t number;
    const char *name;
    const pb_msgdesc_t *req, *rep;
    size_t req_size, rep_size;
};

#define WANT(p, NUM, name, Msg, ns)                                                                \
    {                                                                                              \
        &svc_proto_##p, NUM, name, &ns##_##Msg##Request_msg, &ns##_##Msg##Reply_msg,               \
            sizeof(ns##_##Msg##Request), sizeof(ns##_##Msg##Reply)                                 \
    }
static const struct want_method want_methods[] = {
    WANT(kv, 1, "put", Put, twain_kv),
    WANT(kv, 2, "get", Get, twain_kv),
    WANT(kv, 3, "del", Del, twain_kv),
    WANT(kv, 4, "count", Count, twain_kv),
    WANT(clock, 1, "now", Now, twain_clock),
    WANT(clock, 2, "resolution", Resolution, twain_clock),
    WANT(log, 1, "append", Append, twain_log),
    WANT(log, 2, "tail", Tail, twain_log),
};
#define NWANT (sizeof(want_methods) / sizeof(want_methods[0]))

/* The generated tables of the known protocols: numbers (the Method enum's), names,
 * descriptors, structure sizes, names and schema hashes (all distinct). */
START_TEST(test_tables)
{
    ck_assert_int_eq(SVC_KV_PUT, twain_kv_Method_PUT);
    ck_assert_int_eq(SVC_KV_GET, twain_kv_Method_GET);
    ck_assert_int_eq(SVC_KV_DEL, twain_kv_Method_DEL);
    ck_assert_int_eq(SVC_KV_COUNT, twain_kv_Method_COUNT);
    ck_assert_int_eq(SVC_CLOCK_NOW, twain_clock_Method_NOW);
    ck_assert_int_eq(SVC_CLOCK_RESOLUTION, twain_clock_Method_RESOLUTION);
    ck_assert_int_eq(SVC_LOG_APPEND, twain_log_Method_APPEND);
    ck_assert_int_eq(SVC_LOG_TAIL, twain_log_Method_TAIL);
    size_t total = 0;
    for (size_t i = 0; i < NKNOWN; i++) {
        const struct svc_proto *p = known[i];
        total += p->nmethods;
        ck_assert(p->schema_hash != 0);
        for (size_t j = 0; j < i; j++)
            ck_assert(p->schema_hash != known[j]->schema_hash);
    }
    ck_assert_uint_eq(total, NWANT);
    ck_assert(svc_proto_kv.schema_hash == SVC_KV_SCHEMA);
    ck_assert(svc_proto_clock.schema_hash == SVC_CLOCK_SCHEMA);
    ck_assert(svc_proto_log.schema_hash == SVC_LOG_SCHEMA);
    ck_assert(svc_proto_svc.schema_hash == SVC_SVC_SCHEMA);
    ck_assert_str_eq(svc_proto_kv.name, "kv");
    ck_assert_str_eq(svc_proto_clock.name, "clock");
    ck_assert_str_eq(svc_proto_log.name, "log");
    ck_assert_str_eq(svc_proto_svc.name, "svc");
    ck_assert_uint_eq(svc_proto_svc.nmethods, 0);
    for (size_t w = 0; w < NWANT; w++) {
        const struct want_method *x = &want_methods[w];
        const struct svc_method *m = svc_method_find(x->p, x->number);
        ck_assert_ptr_nonnull(m);
        ck_assert_uint_eq(m->number, x->number);
        ck_assert_str_eq(m->name, x->name);
        ck_assert_ptr_eq(m->req, x->req);
        ck_assert_ptr_eq(m->rep, x->rep);
        ck_assert_uint_eq(m->req_size, x->req_size);
        ck_assert_uint_eq(m->rep_size, x->rep_size);
    }
}
END_TEST

/* svc_method_find, over every protocol and every 16-bit number and past: it finds each
 * number of the table and no other; a sparse table (no direct slot) is searched. */
START_TEST(test_method_find)
{
#define X(n) &svc_proto_##n,
    static const struct svc_proto *const protos[] = {SVC_PROTOS(X) & svc_proto_fix};
#undef X
    for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
        const struct svc_proto *p = protos[i];
        size_t hits = 0;
        for (uint32_t n = 0; n <= 0x10100; n++) {
            const struct svc_method *want = NULL;
            for (uint16_t j = 0; j < p->nmethods; j++)
                if (p->methods[j].number == n)
                    want = &p->methods[j];
            const struct svc_method *m = svc_method_find(p, n);
            ck_assert_msg(m == want, "%s: method %u %s", p->name, n, m ? "found" : "not found");
            hits += m != NULL;
        }
        ck_assert_uint_eq(hits, p->nmethods);
        ck_assert_ptr_null(svc_method_find(p, UINT32_MAX));
    }
    ck_assert_ptr_null(svc_method_find(NULL, 1));
    static const struct svc_method sparse[] = {{2, "B", NULL, NULL, 0, 0},
                                               {9, "C", NULL, NULL, 0, 0},
                                               {40, "D", NULL, NULL, 0, 0},
                                               {63, "E", NULL, NULL, 0, 0}};
    static const struct svc_proto sp = {"sparse", 1, 4, sparse};
    ck_assert_ptr_eq(svc_method_find(&sp, 2), &sparse[0]);
    ck_assert_ptr_eq(svc_method_find(&sp, 9), &sparse[1]);
    ck_assert_ptr_eq(svc_method_find(&sp, 40), &sparse[2]);
    ck_assert_ptr_eq(svc_method_find(&sp, 63), &sparse[3]);
    ck_assert_ptr_null(svc_method_find(&sp, 1));
    ck_assert_ptr_null(svc_method_find(&sp, 4));
    ck_assert_ptr_null(svc_method_find(&sp, 41));
}
END_TEST

/* ---- the schema hash ----------------------------------------------------------------- */

/* tools/gen-svc --hash FILE, or 0 when it fails. */
static uint64_t gen_svc_hash(const char *file)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "tools/gen-svc --hash %s", file);
    FILE *f = popen(cmd, "r");
    ck_assert_msg(f != NULL, "cannot run %s", cmd);
    unsigned long long h = 0;
    int got = fscanf(f, "%llx", &h);
    int rc = pclose(f);
    return got == 1 && rc == 0 ? (uint64_t)h : 0;
}

/* dir/NAME: a copy of proto/NAME with `insert` put after the first `after` (NULL: as is). */
static void write_variant(const char *dir, const char *name, const char *after, const char *insert)
{
    char src[64], dst[160], text[4096];
    snprintf(src, sizeof(src), "proto/%s", name);
    snprintf(dst, sizeof(dst), "%s/%s", dir, name);
    FILE *in = fopen(src, "r"), *out = fopen(dst, "w");
    ck_assert_ptr_nonnull(in);
    ck_assert_ptr_nonnull(out);
    size_t n = fread(text, 1, sizeof(text) - 1, in);
    ck_assert_uint_lt(n, sizeof(text) - 1);
    text[n] = '\0';
    char *at = after != NULL ? strstr(text, after) : NULL;
    ck_assert(after == NULL || at != NULL);
    if (at != NULL) {
        at += strlen(after);
        fwrite(text, 1, (size_t)(at - text), out);
        fputs(insert, out);
        fputs(at, out);
    } else {
        fputs(text, out);
    }
    fclose(in);
    fclose(out);
}

START_TEST(test_schema_hash)
{
    /* The compiled hash is gen-svc's of the source (test_tables: the compiled ones); a field
     * or a bound changes it, a comment does not. */
    if (access("tools/gen-svc", X_OK) != 0)
        ck_abort_msg("run from the repository's root (make unit-tests): no tools/gen-svc here");
    ck_assert(gen_svc_hash("proto/kv.proto") == SVC_KV_SCHEMA);
    char dir[] = "/tmp/twain-svc-hash-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof(path), "%s/kv.proto", dir);
    write_variant(dir, "kv.options", NULL, NULL);
    write_variant(dir, "kv.proto", NULL, NULL);
    uint64_t copied = gen_svc_hash(path);
    write_variant(dir, "kv.proto", "bytes value = 2;", " uint32 ttl = 3;");
    uint64_t added = gen_svc_hash(path);
    write_variant(dir, "kv.proto", "bytes value = 2;",
                  "\n  // only a comment\n\n /* and another */");
    uint64_t commented = gen_svc_hash(path);
    write_variant(dir, "kv.options", "# proto/kv.options", " (a comment changed)");
    uint64_t options_commented = gen_svc_hash(path);
    write_variant(dir, "kv.options", "max_size:64", "0"); /* values of 640 bytes */
    uint64_t bound = gen_svc_hash(path);
    char opt[160];
    snprintf(opt, sizeof(opt), "%s/kv.options", dir);
    unlink(path);
    unlink(opt);
    rmdir(dir);
    ck_assert(copied == SVC_KV_SCHEMA);
    ck_assert(added != 0 && added != SVC_KV_SCHEMA);
    ck_assert(commented == SVC_KV_SCHEMA);
    ck_assert(options_commented == SVC_KV_SCHEMA);
    ck_assert(bound != 0 && bound != SVC_KV_SCHEMA);
}
END_TEST

static Suite *svc_suite(void)
{
    Suite *s = suite_create("svc_proto");
    TCase *rt = tcase_create("round-trip");
    tcase_add_test(rt, test_cases_cover_every_method);
    tcase_add_loop_test(rt, test_request_round_trip, 0, (int)(NCASES * NVALUES));
    tcase_add_loop_test(rt, test_reply_round_trip, 0, (int)(NCASES * NVALUES));
    tcase_add_test(rt, test_every_method);
    tcase_add_test(rt, test_encoding_depends_on_fields_only);
    suite_add_tcase(s, rt);
    TCase *bad = tcase_create("malformed");
    tcase_add_test(bad, test_header);
    tcase_add_test(bad, test_truncated);
    tcase_add_test(bad, test_malformed);
    tcase_add_test(bad, test_unknown_method);
    tcase_add_test(bad, test_replies);
    tcase_add_test(bad, test_encode_refusals);
    tcase_add_test(bad, test_too_big);
    tcase_add_test(bad, test_event_owner);
    suite_add_tcase(s, bad);
    TCase *tab = tcase_create("tables");
    tcase_add_test(tab, test_tables);
    tcase_add_test(tab, test_method_find);
    suite_add_tcase(s, tab);
    TCase *th = tcase_create("hash");
    tcase_set_timeout(th, 30);
    tcase_add_test(th, test_schema_hash);
    suite_add_tcase(s, th);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(svc_suite());
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
