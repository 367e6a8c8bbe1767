/* SPDX-License-Identifier: MIT */
/*
 * core/uprov.h - user-space providers (docs/user-providers.md): a
 * task registers a scheme on one of its ports; opening a URL of that scheme makes a proxy
 * object in the kernel whose every operation becomes a request message to the provider
 * task (struct tw_prov_req in abi.h) and waits, with a deadline, for its reply. If the
 * provider task dies, pending and later callers get TW_E_PEER; nothing hangs. A provider
 * that comes back registers the scheme again.
 */
#ifndef TWAIN_CORE_UPROV_H
#define TWAIN_CORE_UPROV_H

#include <stddef.h>
#include <stdint.h>

#include "limits.h"

struct kobj;

void uprov_reset(void);
/* Drop every registration (teardown). */
void uprov_release_all(void);
/*
 * Serve scheme[0..len) from port (a listening port). TW_OK; TW_E_BUSY when a live provider
 * serves it already (or a kernel provider does); TW_E_INVAL for a bad name; TW_E_LIMIT.
 */
int uprov_register(struct kobj *port, const char *scheme, size_t len)
    __attribute__((warn_unused_result));
/*
 * Open url[0..len) (its scheme is scheme[0..slen)) through a user-space provider.
 * TW_E_NOENT when no task serves the scheme; TW_E_PEER when its provider died; otherwise
 * the provider's answer. *out holds one reference on success.
 */
int uprov_open(const char *scheme, size_t slen, const char *url, size_t len, uint32_t flags,
               struct kobj **out) __attribute__((warn_unused_result));

#endif /* TWAIN_CORE_UPROV_H */
