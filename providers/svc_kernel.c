/* SPDX-License-Identifier: MIT */
/*
 * providers/svc_kernel.c - the services the kernel provides (providers/svc.h) and how it
 * serves one: the request is decoded and checked by its protocol before the handler sees
 * it (malformed: invalid_argument; unknown method: not_supported, answered as a task's
 * server answers them, user/svc.c), the handler runs in the caller's thread, and its reply
 * is encoded. The work is the caller's: docs/services.md, "Kernel work".
 */
#include "../core/abi.h"
#include "../core/kassert.h"
#include "../core/klib.h"
#include "svc.h"
#include "svc_services.h"

#define KSVC_STRUCT_MAX 512

const struct svc_kservice svc_kservices[] = {
    {"kv", &svc_proto_kv, kv_kernel_handle, &kv_kernel_store, kv_kernel_reset},
    {"clock", &svc_proto_clock, clock_kernel_handle, NULL, NULL},
};
const size_t svc_kservice_count = sizeof(svc_kservices) / sizeof(svc_kservices[0]);

static const struct svc_proto *const protos[] = {&svc_proto_kv, &svc_proto_clock, &svc_proto_log};

const struct svc_kservice *svc_kservice_find(const char *name, size_t len)
{
    for (size_t i = 0; i < svc_kservice_count; i++)
        if (k_memeq_str(name, len, svc_kservices[i].name))
            return &svc_kservices[i];
    return NULL;
}

const struct svc_proto *svc_proto_by_hash(uint64_t schema)
{
    for (size_t i = 0; i < K_ARRAY_SIZE(protos); i++)
        if (protos[i]->schema_hash == schema)
            return protos[i];
    return NULL;
}

static int64_t kservice_call(void *ctx, const uint8_t *msg, size_t len, uint8_t *out, size_t cap)
{
    const struct svc_kservice *k = ctx;
    _Alignas(8) uint8_t req[KSVC_STRUCT_MAX], rep[KSVC_STRUCT_MAX];
    const struct svc_method *m = NULL;
    int32_t status = svc_decode_request(k->proto, msg, len, &m, req, sizeof(req)); /* zeroes req */
    if (status == TW_OK) {
        k_memset(rep, 0, m->rep_size); /* the handler's reply starts zeroed */
        status = k->handle(k->ctx, m, req, rep);
    }
    uint16_t method = m != NULL ? m->number : len >= 2 ? (uint16_t)(msg[0] | msg[1] << 8) : 0;
    int64_t n = svc_encode_reply(k->proto, method, status, status == TW_OK ? rep : NULL, out, cap);
    if (n < 0)
        n = svc_encode_reply(k->proto, method, (int32_t)n, NULL, out, cap);
    K_ASSERT(n > 0);
    return n;
}

const struct chan_kserve svc_kservice_serve = {.call = kservice_call};
