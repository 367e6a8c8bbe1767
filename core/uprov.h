/* SPDX-License-Identifier: MIT */
/*
 * core/uprov.h - user-space providers (docs/user-providers.md): a
 * task registers a scheme on one of its ports; opening a URL of that scheme makes a proxy
 * object in the kernel whose every operation becomes a request message to the provider
 * task (struct tw_prov_req in abi.h) and waits, with a deadline, for its reply. If the
 * provider task dies (docs/supervision.md), a pending caller gets the reply of its next
 * incarnation (an op the provider marks repeatable) or TW_E_RESTARTED, and every later
 * call on a proxy opened before gets TW_E_STALE; nothing hangs. A provider that comes
 * back registers the scheme again (on the same port, or on a new one).
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
 * Serve scheme[0..len) from port (a listening port). TW_OK (also when port serves it
 * already); TW_E_BUSY when another port a live task serves has it (or a kernel provider
 * does); TW_E_INVAL for a bad name; TW_E_LIMIT. Moving the scheme from a port nobody
 * serves ends that port's current incarnation.
 */
int uprov_register(struct kobj *port, const char *scheme, size_t len)
    __attribute__((warn_unused_result));
/* The open port serving scheme[0..len), or NULL (for fault injection, core/fault.c). */
struct kobj *uprov_scheme_port(const char *scheme, size_t len);
/*
 * Open url[0..len) (its scheme is scheme[0..slen)) through a user-space provider.
 * TW_E_NOENT when no task serves the scheme; TW_E_PEER when its provider's port closed;
 * TW_E_RESTARTED when the provider died before answering the OPEN; TW_E_STALE when its
 * incarnation ended as it answered; otherwise the provider's answer. *out holds one
 * reference on success.
 */
int uprov_open(const char *scheme, size_t slen, const char *url, size_t len, uint32_t flags,
               struct kobj **out) __attribute__((warn_unused_result));

#endif /* TWAIN_CORE_UPROV_H */
