/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_svc_proto.c - the service codec (proto/svc_proto.c over nanopb and the
 * generated tables of proto/NAME.proto): every method's request and reply of every protocol
 * round trip field for field; every kind of malformed message is refused with its error
 * (a short header, a wrong kind, flags, a request's status, a payload cut short, trailing
 * bytes, strings, bytes and repeated fields over their bounds, strings that are not UTF-8
 * or hold a NUL, an unknown method); encoding refuses what decoding would, and a buffer too
 * small; the owner-changed event; the method tables; the schema hash is tools/gen-svc's,
 * changes when a field or a bound is changed in a copy of proto/kv.proto, not a comment.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../proto/svc_proto.h"
#include "svc_protos.h"

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

/* ---- round trips --------------------------------------------------------------------- */

static int64_t enc_req(const struct svc_proto *p, uint16_t method, const void *req)
{
    memset(buf, 0xa5, sizeof(buf));
    return svc_encode_request(p, method, req, buf, sizeof(buf));
}

START_TEST(test_kv_roundtrip)
{
    twain_kv_PutRequest put = twain_kv_PutRequest_init_zero, put2;
    strcpy(put.key, "twenty-nine bytes of key here"); /* a long key */
    put.value.size = 64;
    for (int i = 0; i < 64; i++)
        put.value.bytes[i] = (uint8_t)(i * 7);
    int64_t n = enc_req(&svc_proto_kv, SVC_KV_PUT, &put);
    ck_assert_int_gt(n, TW_SVC_HDR_BYTES);
    ck_assert_int_le(n, TW_MSG_MAX_BYTES);
    ck_assert_int_eq(buf[0], SVC_KV_PUT);
    ck_assert_int_eq(buf[1], 0);
    ck_assert_int_eq(svc_msg_kind(buf, (size_t)n), TW_SVC_REQUEST);
    const struct svc_method *m = NULL;
    memset(&put2, 0x5a, sizeof(put2));
    ck_assert_int_eq(svc_decode_request(&svc_proto_kv, buf, (size_t)n, &m, &put2, sizeof(put2)),
                     TW_OK);
    ck_assert_ptr_nonnull(m);
    ck_assert_int_eq(m->number, SVC_KV_PUT);
    ck_assert_str_eq(m->name, "put");
    ck_assert_str_eq(put2.key, put.key);
    ck_assert_int_eq(put2.value.size, 64);
    ck_assert_mem_eq(put2.value.bytes, put.value.bytes, 64);

    /* The reply, and every other method of kv. */
    twain_kv_PutReply pr = {.replaced = true}, pr2;
    n = svc_encode_reply(&svc_proto_kv, SVC_KV_PUT, TW_OK, &pr, buf, sizeof(buf));
    ck_assert_int_eq(svc_msg_kind(buf, (size_t)n), TW_SVC_REPLY);
    uint16_t method = 0;
    int32_t status = 99;
    ck_assert_int_eq(
        svc_decode_reply(&svc_proto_kv, buf, (size_t)n, &method, &status, &pr2, sizeof(pr2)),
        TW_OK);
    ck_assert_int_eq(method, SVC_KV_PUT);
    ck_assert_int_eq(status, TW_OK);
    ck_assert(pr2.replaced);

    twain_kv_GetReply gr = {.found = true, .value = {3, {1, 0, 255}}}, gr2;
    n = svc_encode_reply(&svc_proto_kv, SVC_KV_GET, TW_OK, &gr, buf, sizeof(buf));
    ck_assert_int_eq(
        svc_decode_reply(&svc_proto_kv, buf, (size_t)n, &method, &status, &gr2, sizeof(gr2)),
        TW_OK);
    ck_assert(gr2.found);
    ck_assert_int_eq(gr2.value.size, 3);
    ck_assert_mem_eq(gr2.value.bytes, "\x01\x00\xff", 3);

    fix_ListReply lr, lr2;
    memset(&lr, 0, sizeof(lr));
    lr.keys_count = 4;
    strcpy(lr.keys[0], "a");
    strcpy(lr.keys[1], "ключ"); /* UTF-8 */
    strcpy(lr.keys[2], "");
    memset(lr.keys[3], 'k', 32);
    lr.more = true;
    lr.has_inner = true;
    strcpy(lr.inner.name, "née");
    n = svc_encode_reply(&svc_proto_fix, FIX_LIST, TW_OK, &lr, buf, sizeof(buf));
    ck_assert_int_gt(n, 0);
    ck_assert_int_eq(
        svc_decode_reply(&svc_proto_fix, buf, (size_t)n, &method, &status, &lr2, sizeof(lr2)),
        TW_OK);
    ck_assert_int_eq(method, FIX_LIST);
    ck_assert(lr2.has_inner);
    ck_assert_str_eq(lr2.inner.name, "née");
    ck_assert_int_eq(lr2.keys_count, 4);
    ck_assert_str_eq(lr2.keys[1], "ключ");
    ck_assert_str_eq(lr2.keys[2], "");
    ck_assert_int_eq(strlen(lr2.keys[3]), 32);
    ck_assert(lr2.more);

    fix_ListRequest lq = {.from_index = 4000000000u}, lq2;
    n = enc_req(&svc_proto_fix, FIX_LIST, &lq);
    ck_assert_int_eq(svc_decode_request(&svc_proto_fix, buf, (size_t)n, &m, &lq2, sizeof(lq2)),
                     TW_OK);
    ck_assert_uint_eq(lq2.from_index, 4000000000u);

    /* COUNT takes no fields: the request is the header alone (NULL: all defaults). */
    n = enc_req(&svc_proto_kv, SVC_KV_COUNT, NULL);
    ck_assert_int_eq(n, TW_SVC_HDR_BYTES);
    twain_kv_CountRequest cq;
    ck_assert_int_eq(svc_decode_request(&svc_proto_kv, buf, (size_t)n, &m, &cq, sizeof(cq)), TW_OK);
    ck_assert_int_eq(m->number, SVC_KV_COUNT);
    twain_kv_CountReply cr = {.count = 17}, cr2;
    n = svc_encode_reply(&svc_proto_kv, SVC_KV_COUNT, TW_OK, &cr, buf, sizeof(buf));
    ck_assert_int_eq(
        svc_decode_reply(&svc_proto_kv, buf, (size_t)n, &method, &status, &cr2, sizeof(cr2)),
        TW_OK);
    ck_assert_uint_eq(cr2.count, 17);

    twain_kv_DelRequest dq = twain_kv_DelRequest_init_zero, dq2;
    strcpy(dq.key, "gone");
    n = enc_req(&svc_proto_kv, SVC_KV_DEL, &dq);
    ck_assert_int_eq(svc_decode_request(&svc_proto_kv, buf, (size_t)n, &m, &dq2, sizeof(dq2)),
                     TW_OK);
    ck_assert_str_eq(dq2.key, "gone");
}
END_TEST

START_TEST(test_clock_log_roundtrip)
{
    const struct svc_method *m;
    uint16_t method;
    int32_t status;
    twain_clock_NowReply now = {.ns = UINT64_MAX}, now2;
    int64_t n = svc_encode_reply(&svc_proto_clock, SVC_CLOCK_NOW, TW_OK, &now, buf, sizeof(buf));
    ck_assert_int_eq(
        svc_decode_reply(&svc_proto_clock, buf, (size_t)n, &method, &status, &now2, sizeof(now2)),
        TW_OK);
    ck_assert(now2.ns == UINT64_MAX);
    twain_clock_ResolutionRequest rq;
    n = enc_req(&svc_proto_clock, SVC_CLOCK_RESOLUTION, NULL);
    ck_assert_int_eq(svc_decode_request(&svc_proto_clock, buf, (size_t)n, &m, &rq, sizeof(rq)),
                     TW_OK);
    ck_assert_int_eq(m->number, SVC_CLOCK_RESOLUTION);

    twain_log_AppendRequest ap = twain_log_AppendRequest_init_zero, ap2;
    ap.level = 3;
    memset(ap.text, 'x', 160); /* the bound: 160 bytes */
    n = enc_req(&svc_proto_log, SVC_LOG_APPEND, &ap);
    ck_assert_int_le(n, TW_MSG_MAX_BYTES);
    ck_assert_int_eq(svc_decode_request(&svc_proto_log, buf, (size_t)n, &m, &ap2, sizeof(ap2)),
                     TW_OK);
    ck_assert_uint_eq(ap2.level, 3);
    ck_assert_int_eq(strlen(ap2.text), 160);

    twain_log_TailReply tr = twain_log_TailReply_init_zero, tr2;
    tr.found = true;
    tr.seq = 1ull << 40;
    tr.level = 2;
    strcpy(tr.text, "hello, log");
    tr.task = 9;
    n = svc_encode_reply(&svc_proto_log, SVC_LOG_TAIL, TW_OK, &tr, buf, sizeof(buf));
    ck_assert_int_eq(
        svc_decode_reply(&svc_proto_log, buf, (size_t)n, &method, &status, &tr2, sizeof(tr2)),
        TW_OK);
    ck_assert(tr2.found);
    ck_assert(tr2.seq == 1ull << 40);
    ck_assert_uint_eq(tr2.level, 2);
    ck_assert_str_eq(tr2.text, "hello, log");
    ck_assert_uint_eq(tr2.task, 9);
}
END_TEST

/* Every method of every protocol: an all-default request and reply round trip, and a
 * refusal reply carries its status. */
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
            int64_t n = svc_encode_request(p, m->number, st, buf, sizeof(buf));
            ck_assert_int_eq(n, TW_SVC_HDR_BYTES);
            ck_assert_int_eq(svc_decode_request(p, buf, (size_t)n, &got, st, sizeof(st)), TW_OK);
            ck_assert_ptr_eq(got, m);
            n = svc_encode_reply(p, m->number, TW_OK, st, buf, sizeof(buf));
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
}
END_TEST

/* ---- malformed messages -------------------------------------------------------------- */

/* A request message: the header for method (kind, flags, status as given) and payload. */
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

static int dec_kv(size_t len)
{
    const struct svc_method *m = (const struct svc_method *)1;
    twain_kv_PutRequest r;
    int rc = svc_decode_request(&svc_proto_kv, buf, len, &m, &r, sizeof(r));
    if (rc != TW_OK) {
        ck_assert_ptr_null(m);
    }
    return rc;
}

#define P(s) s, sizeof(s) - 1

START_TEST(test_malformed)
{
    /* Shorter than the header. */
    msg(SVC_KV_PUT, TW_SVC_REQUEST, 0, 0, "", 0);
    for (size_t len = 0; len < TW_SVC_HDR_BYTES; len++) {
        ck_assert_int_eq(dec_kv(len), TW_E_INVAL);
        ck_assert_int_eq(svc_msg_kind(buf, len), TW_E_INVAL);
    }
    ck_assert_int_eq(svc_msg_kind(NULL, 8), TW_E_INVAL);
    /* Kinds, flags, a request's status. */
    ck_assert_int_eq(dec_kv(msg(SVC_KV_PUT, TW_SVC_REPLY, 0, 0, P("\x0a\x01k"))), TW_E_INVAL);
    ck_assert_int_eq(dec_kv(msg(SVC_KV_PUT, TW_SVC_EVENT, 0, 0, P("\x0a\x01k"))), TW_E_INVAL);
    ck_assert_int_eq(dec_kv(msg(SVC_KV_PUT, 3, 0, 0, P("\x0a\x01k"))), TW_E_INVAL);
    ck_assert_int_eq(svc_msg_kind(buf, 11), TW_E_INVAL);
    ck_assert_int_eq(dec_kv(msg(SVC_KV_PUT, 255, 0, 0, P(""))), TW_E_INVAL);
    ck_assert_int_eq(dec_kv(msg(SVC_KV_PUT, TW_SVC_REQUEST, 1, 0, P("\x0a\x01k"))), TW_E_INVAL);
    ck_assert_int_eq(dec_kv(msg(SVC_KV_PUT, TW_SVC_REQUEST, 0x80, 0, P(""))), TW_E_INVAL);
    ck_assert_int_eq(dec_kv(msg(SVC_KV_PUT, TW_SVC_REQUEST, 0, -1, P(""))), TW_E_INVAL);
    ck_assert_int_eq(dec_kv(msg(SVC_KV_PUT, TW_SVC_REQUEST, 0, 1, P(""))), TW_E_INVAL);
    /* The well-formed one these are variations of. */
    ck_assert_int_eq(dec_kv(msg(SVC_KV_PUT, TW_SVC_REQUEST, 0, 0, P("\x0a\x01k\x12\x01v"))), TW_OK);
    /* Cut short: inside a length, a string, a varint. */
    ck_assert_int_eq(dec_kv(msg(SVC_KV_PUT, TW_SVC_REQUEST, 0, 0, P("\x0a\x05kk"))), TW_E_INVAL);
    ck_assert_int_eq(dec_kv(msg(SVC_KV_PUT, TW_SVC_REQUEST, 0, 0, P("\x0a"))), TW_E_INVAL);
    ck_assert_int_eq(dec_kv(msg(SVC_KV_PUT, TW_SVC_REQUEST, 0, 0, P("\x0a\x01k\x12"))), TW_E_INVAL);
    ck_assert_int_eq(dec_kv(msg(SVC_KV_PUT, TW_SVC_REQUEST, 0, 0, P("\x0a\x01k\x88"))), TW_E_INVAL);
    /* Trailing bytes: a zero tag, a tag without its value, a stray length. */
    ck_assert_int_eq(dec_kv(msg(SVC_KV_PUT, TW_SVC_REQUEST, 0, 0, "\x0a\x01k\x00", 4)), TW_E_INVAL);
    ck_assert_int_eq(dec_kv(msg(SVC_KV_PUT, TW_SVC_REQUEST, 0, 0, "\x00", 1)), TW_E_INVAL);
    ck_assert_int_eq(dec_kv(msg(SVC_KV_PUT, TW_SVC_REQUEST, 0, 0, P("\x0a\x01k\x08"))), TW_E_INVAL);
    ck_assert_int_eq(dec_kv(msg(SVC_KV_PUT, TW_SVC_REQUEST, 0, 0, P("\x0a\x01k\xff"))), TW_E_INVAL);
    /* A field whose wire type is not its own, a reserved wire type. */
    ck_assert_int_eq(dec_kv(msg(SVC_KV_PUT, TW_SVC_REQUEST, 0, 0, P("\x08\x01"))), TW_E_INVAL);
    ck_assert_int_eq(dec_kv(msg(SVC_KV_PUT, TW_SVC_REQUEST, 0, 0, P("\x0e\x01"))), TW_E_INVAL);
    /* Over the bounds: a key of 33 bytes, a value of 65. */
    char big[80];
    big[0] = 0x0a;
    big[1] = 33;
    memset(big + 2, 'k', 33);
    ck_assert_int_eq(dec_kv(msg(SVC_KV_PUT, TW_SVC_REQUEST, 0, 0, big, 35)), TW_E_INVAL);
    big[1] = 32;
    ck_assert_int_eq(dec_kv(msg(SVC_KV_PUT, TW_SVC_REQUEST, 0, 0, big, 34)), TW_OK);
    big[0] = 0x12;
    big[1] = 65;
    memset(big + 2, 0, 65);
    ck_assert_int_eq(dec_kv(msg(SVC_KV_PUT, TW_SVC_REQUEST, 0, 0, big, 67)), TW_E_INVAL);
    big[1] = 64;
    ck_assert_int_eq(dec_kv(msg(SVC_KV_PUT, TW_SVC_REQUEST, 0, 0, big, 66)), TW_OK);
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
    const struct svc_method *m;
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
    static const uint16_t none[] = {0, 6, 7, 63, 64, 0x1ff, 0xffff};
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
    ck_assert_ptr_null(svc_method_find(NULL, 1));
    /* Without the direct slot: a sparse table is searched. */
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

START_TEST(test_replies)
{
    uint16_t method;
    int32_t status;
    twain_kv_GetReply r;
    /* Statuses: TW_OK, every TW_E_* code; nothing positive, nothing below TW_ERR_MIN. */
    for (int32_t s = TW_ERR_MIN; s <= TW_OK; s++) {
        int64_t n = svc_encode_reply(&svc_proto_kv, SVC_KV_GET, s, NULL, buf, sizeof(buf));
        ck_assert_int_eq(n, TW_SVC_HDR_BYTES);
        memset(&r, 0x33, sizeof(r));
        ck_assert_int_eq(
            svc_decode_reply(&svc_proto_kv, buf, (size_t)n, &method, &status, &r, sizeof(r)),
            TW_OK);
        ck_assert_int_eq(status, s);
        ck_assert(!r.found && r.value.size == 0); /* zeroed */
    }
    ck_assert_int_eq(svc_encode_reply(&svc_proto_kv, SVC_KV_GET, 1, NULL, buf, sizeof(buf)),
                     TW_E_INVAL);
    ck_assert_int_eq(
        svc_encode_reply(&svc_proto_kv, SVC_KV_GET, TW_ERR_MIN - 1, NULL, buf, sizeof(buf)),
        TW_E_INVAL);
    size_t n = msg(SVC_KV_GET, TW_SVC_REPLY, 0, 5, "", 0);
    ck_assert_int_eq(svc_decode_reply(&svc_proto_kv, buf, n, &method, &status, &r, sizeof(r)),
                     TW_E_INVAL);
    n = msg(SVC_KV_GET, TW_SVC_REPLY, 0, TW_ERR_MIN - 1, "", 0);
    ck_assert_int_eq(svc_decode_reply(&svc_proto_kv, buf, n, &method, &status, &r, sizeof(r)),
                     TW_E_INVAL);
    /* A refusal is the header alone. */
    n = msg(SVC_KV_GET, TW_SVC_REPLY, 0, TW_E_NOENT, P("\x08\x01"));
    ck_assert_int_eq(svc_decode_reply(&svc_proto_kv, buf, n, &method, &status, &r, sizeof(r)),
                     TW_E_INVAL);
    /* A request where a reply is expected, and the other way round. */
    n = msg(SVC_KV_GET, TW_SVC_REQUEST, 0, 0, P("\x08\x01"));
    ck_assert_int_eq(svc_decode_reply(&svc_proto_kv, buf, n, &method, &status, &r, sizeof(r)),
                     TW_E_INVAL);
    ck_assert_int_eq(svc_decode_reply(&svc_proto_kv, buf, 7, &method, &status, &r, sizeof(r)),
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
    int64_t need = svc_encode_request(&svc_proto_kv, SVC_KV_PUT, &p, buf, sizeof(buf));
    ck_assert_int_eq(need, 8 + 5);
    /* Too small, by one byte and below a header. */
    ck_assert_int_eq(svc_encode_request(&svc_proto_kv, SVC_KV_PUT, &p, buf, (size_t)need - 1),
                     TW_E_TOOBIG);
    ck_assert_int_eq(svc_encode_request(&svc_proto_kv, SVC_KV_PUT, &p, buf, (size_t)need), need);
    ck_assert_int_eq(svc_encode_request(&svc_proto_kv, SVC_KV_COUNT, NULL, buf, 7), TW_E_TOOBIG);
    ck_assert_int_eq(svc_encode_request(&svc_proto_kv, SVC_KV_COUNT, NULL, NULL, 64), TW_E_TOOBIG);
    ck_assert_int_eq(svc_encode_reply(&svc_proto_kv, SVC_KV_PUT, TW_E_IO, NULL, buf, 7),
                     TW_E_TOOBIG);
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
    /* Decoding into a structure smaller than the method's. */
    twain_kv_PutRequest r;
    const struct svc_method *m;
    strcpy(p.key, "k");
    int64_t n = svc_encode_request(&svc_proto_kv, SVC_KV_PUT, &p, buf, sizeof(buf));
    ck_assert_int_eq(svc_decode_request(&svc_proto_kv, buf, (size_t)n, &m, &r, sizeof(r) - 1),
                     TW_E_TOOBIG);
    ck_assert_int_eq(svc_decode_request(&svc_proto_kv, buf, (size_t)n, &m, NULL, sizeof(r)),
                     TW_E_TOOBIG);
    uint16_t method;
    int32_t status;
    twain_kv_GetReply g = {.found = true};
    n = svc_encode_reply(&svc_proto_kv, SVC_KV_GET, TW_OK, &g, buf, sizeof(buf));
    ck_assert_int_eq(svc_decode_reply(&svc_proto_kv, buf, (size_t)n, &method, &status, &g, 1),
                     TW_E_TOOBIG);
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
    for (uint32_t r = 1; r <= 5; r++) {
        n = enc_ev(UINT32_MAX, r, false, 0, sizeof(buf));
        ck_assert_int_eq(svc_decode_event_owner(buf, (size_t)n, &ev), TW_OK);
        ck_assert_uint_eq(ev.reason, r);
        ck_assert_uint_eq(ev.generation, UINT32_MAX);
    }
    ck_assert_int_eq(enc_ev(1, 0, false, 0, sizeof(buf)), TW_E_INVAL);
    ck_assert_int_eq(enc_ev(1, 6, false, 0, sizeof(buf)), TW_E_INVAL);
    ck_assert_int_eq(enc_ev(1, 1, false, 0, 9), TW_E_TOOBIG);
    /* Reasons outside 1..5 on the wire, another event code, a method, not an event; a
     * refused event leaves *ev alone. */
    struct svc_owner_event keep = {99, 3, true, 98};
    ev = keep;
    size_t len = msg(0, TW_SVC_EVENT, 0, TW_SVC_EV_OWNER, P("\x08\x01\x10\x06"));
    ck_assert_int_eq(svc_decode_event_owner(buf, len, &ev), TW_E_INVAL);
    len = msg(0, TW_SVC_EVENT, 0, TW_SVC_EV_OWNER, P("\x08\x01"));
    ck_assert_int_eq(svc_decode_event_owner(buf, len, &ev), TW_E_INVAL);
    len = msg(0, TW_SVC_EVENT, 0, 2, P("\x10\x02"));
    ck_assert_int_eq(svc_decode_event_owner(buf, len, &ev), TW_E_NOTSUP);
    len = msg(0, TW_SVC_EVENT, 0, 0, P("\x10\x02"));
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
    ck_assert(svc_proto_kv.schema_hash == SVC_KV_SCHEMA);
    ck_assert_str_eq(svc_proto_kv.name, "kv");
    ck_assert_str_eq(svc_proto_svc.name, "svc");
    /* Four protocols, four hashes. */
    uint64_t hs[] = {svc_proto_kv.schema_hash, svc_proto_clock.schema_hash,
                     svc_proto_log.schema_hash, svc_proto_svc.schema_hash};
    for (int i = 0; i < 4; i++)
        for (int j = i + 1; j < 4; j++)
            ck_assert(hs[i] != hs[j]);
    /* The compiled hash is gen-svc's of the source; a field or a bound changes it, a
     * comment does not. */
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
    TCase *tc = tcase_create("codec");
    tcase_add_test(tc, test_kv_roundtrip);
    tcase_add_test(tc, test_clock_log_roundtrip);
    tcase_add_test(tc, test_every_method);
    tcase_add_test(tc, test_encoding_depends_on_fields_only);
    tcase_add_test(tc, test_malformed);
    tcase_add_test(tc, test_unknown_method);
    tcase_add_test(tc, test_replies);
    tcase_add_test(tc, test_encode_refusals);
    tcase_add_test(tc, test_event_owner);
    suite_add_tcase(s, tc);
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
