/* SPDX-License-Identifier: MIT */
/*
 * providers/svc_kv.c - the kernel's kv service (proto/kv.proto): the store of
 * proto/kv_store.c in the kernel, one per boot, served in the caller's thread. Each
 * request costs the caller KV_COST_NS of virtual time besides the system call's own, the
 * work a real store would do (docs/services.md, "Kernel work").
 */
#include "../core/abi.h"
#include "../core/clock.h"
#include "../proto/kv_store.h"
#include "svc_services.h"

#define KV_COST_NS 2000

struct kv_store kv_kernel_store;

void kv_kernel_reset(void)
{
    kv_store_clear(&kv_kernel_store);
}

int32_t kv_kernel_handle(void *ctx, const struct svc_method *m, const void *req, void *rep)
{
    clock_charge(KV_COST_NS);
    return kv_store_apply(ctx, m, req, rep);
}
