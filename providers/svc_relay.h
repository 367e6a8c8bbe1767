/* SPDX-License-Identifier: MIT */
/*
 * providers/svc_relay.h - kernel code as a service's client (providers/svc_relay.c).
 */
#ifndef TWAIN_PROVIDERS_SVC_RELAY_H
#define TWAIN_PROVIDERS_SVC_RELAY_H

#include <stdint.h>

#include "svc.h"

void svc_relay_reset(void);
/*
 * A subscription (cap slots) whose requests kernel code makes again, checked by proto: to
 * direct's handler when the target is that kernel service (target unused), else over a
 * subscription of its own to target, waiting up to timeout_ns for each reply. TW_OK with
 * *out (one reference), TW_E_NOMEM, TW_E_PEER.
 */
int svc_relay_open(struct kobj *target, const struct svc_proto *proto,
                   const struct svc_kservice *direct, uint64_t timeout_ns, uint32_t cap,
                   struct kobj **out);

#endif /* TWAIN_PROVIDERS_SVC_RELAY_H */
