/* SPDX-License-Identifier: MIT */
/*
 * providers/svc_clock.c - the kernel's clock service (proto/clock.proto): the virtual time
 * (NOW) and its resolution (RESOLUTION: 1 ns; the virtual clock counts nanoseconds).
 */
#include "../core/abi.h"
#include "../core/clock.h"
#include "clock.pb.h"
#include "clock.svc.h"
#include "svc_services.h"

int32_t clock_kernel_handle(void *ctx, const struct svc_method *m, const void *req, void *rep)
{
    (void)ctx;
    (void)req;
    switch (m->number) {
    case SVC_CLOCK_NOW:
        ((twain_clock_NowReply *)rep)->ns = clock_now();
        return TW_OK;
    case SVC_CLOCK_RESOLUTION:
        ((twain_clock_ResolutionReply *)rep)->ns = 1;
        return TW_OK;
    default:
        return TW_E_NOTSUP;
    }
}
