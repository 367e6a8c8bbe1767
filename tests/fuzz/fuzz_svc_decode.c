/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz_svc_decode.c - libFuzzer target for the services' codec
 * (proto/svc_proto.c, docs/services.md, "Defining a protocol"): the first byte picks a
 * protocol (kv, clock, log); the rest is one message, decoded as a request, as a reply and
 * as an owner event.
 *
 * Each decode fails with one of its documented errors or succeeds; what succeeds must
 * encode again, and that encoding must decode and encode to the same bytes (encodings are
 * idempotent: structs are not compared byte for byte, since a string with a NUL inside it
 * keeps the bytes after it). Any violation abort()s.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../proto/svc_proto.h"
#include "clock.svc.h"
#include "kv.svc.h"
#include "log.svc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_svc_decode: %s:%d: invariant failed: %s\n", __FILE__, __LINE__,  \
                    #cond);                                                                        \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static _Alignas(8) uint8_t st[512], st2[512];

static void request(const struct svc_proto *p, const uint8_t *msg, size_t len)
{
    const struct svc_method *m;
    int rc = svc_decode_request(p, msg, len, &m, st, sizeof(st));
    CHECK(rc == TW_OK || rc == TW_E_INVAL || rc == TW_E_NOTSUP);
    CHECK((rc == TW_OK) == (m != NULL) || rc == TW_E_INVAL);
    if (rc != TW_OK)
        return;
    uint8_t a[TW_MSG_MAX_BYTES], b[TW_MSG_MAX_BYTES];
    int64_t na = svc_encode_request(p, m->number, st, a, sizeof(a));
    CHECK(na >= TW_SVC_HDR_BYTES);
    const struct svc_method *m2;
    CHECK(svc_decode_request(p, a, (size_t)na, &m2, st2, sizeof(st2)) == TW_OK && m2 == m);
    int64_t nb = svc_encode_request(p, m->number, st2, b, sizeof(b));
    CHECK(nb == na && memcmp(a, b, (size_t)na) == 0);
}

static void reply(const struct svc_proto *p, const uint8_t *msg, size_t len)
{
    uint16_t method;
    int32_t status;
    int rc = svc_decode_reply(p, msg, len, &method, &status, st, sizeof(st));
    CHECK(rc == TW_OK || rc == TW_E_INVAL);
    if (rc != TW_OK)
        return;
    CHECK(status <= 0 && status >= TW_ERR_MIN);
    uint8_t a[TW_MSG_MAX_BYTES], b[TW_MSG_MAX_BYTES];
    int64_t na = svc_encode_reply(p, method, status, status == TW_OK ? st : NULL, a, sizeof(a));
    CHECK(na >= TW_SVC_HDR_BYTES);
    uint16_t method2;
    int32_t status2;
    CHECK(svc_decode_reply(p, a, (size_t)na, &method2, &status2, st2, sizeof(st2)) == TW_OK);
    CHECK(method2 == method && status2 == status);
    int64_t nb = svc_encode_reply(p, method, status, status == TW_OK ? st2 : NULL, b, sizeof(b));
    CHECK(nb == na && memcmp(a, b, (size_t)na) == 0);
}

static void event(const uint8_t *msg, size_t len)
{
    struct svc_owner_event ev, ev2;
    int rc = svc_decode_event_owner(msg, len, &ev);
    CHECK(rc == TW_OK || rc == TW_E_INVAL);
    if (rc != TW_OK)
        return;
    uint8_t a[TW_MSG_MAX_BYTES];
    int64_t na = svc_encode_event_owner(&ev, a, sizeof(a));
    CHECK(na >= TW_SVC_HDR_BYTES && svc_decode_event_owner(a, (size_t)na, &ev2) == TW_OK);
    CHECK(ev.generation == ev2.generation && ev.reason == ev2.reason && ev.kernel == ev2.kernel &&
          ev.owner_task == ev2.owner_task);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct svc_proto *const protos[] = {&svc_proto_kv, &svc_proto_clock,
                                                     &svc_proto_log};
    if (size < 1 || size > 1 + TW_MSG_MAX_BYTES)
        return 0;
    const struct svc_proto *p = protos[data[0] % 3];
    request(p, data + 1, size - 1);
    reply(p, data + 1, size - 1);
    event(data + 1, size - 1);
    int kind = svc_msg_kind(data + 1, size - 1);
    CHECK(kind == TW_E_INVAL || (kind >= TW_SVC_REQUEST && kind <= TW_SVC_EVENT));
    return 0;
}
