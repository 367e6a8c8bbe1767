/* SPDX-License-Identifier: MIT */
/*
 * providers/svc_services.h - the kernel's services, for their table (providers/svc_kernel.c):
 * kv (providers/svc_kv.c) and clock (providers/svc_clock.c).
 */
#ifndef TWAIN_PROVIDERS_SVC_SERVICES_H
#define TWAIN_PROVIDERS_SVC_SERVICES_H

#include <stdint.h>

#include "../proto/kv_store.h"
#include "../proto/svc_proto.h"
#include "clock.svc.h"
#include "kv.svc.h"
#include "log.svc.h"

extern struct kv_store kv_kernel_store;
void kv_kernel_reset(void);
int32_t kv_kernel_handle(void *ctx, const struct svc_method *m, const void *req, void *rep);
int32_t clock_kernel_handle(void *ctx, const struct svc_method *m, const void *req, void *rep);

#endif /* TWAIN_PROVIDERS_SVC_SERVICES_H */
