/* SPDX-License-Identifier: MIT */
/*
 * core/provider.h - the scheme provider registry (docs/architecture.md, "Resources are
 * URLs"). A provider is an operations table registered under a scheme name (SQLite's VFS
 * model); open() parses the URL with core's strict parser and hands the outermost level to
 * the provider of its scheme, which may open the nested sub-URL itself (provider_open_sub)
 * so stacks compose.
 */
#ifndef TWAIN_CORE_PROVIDER_H
#define TWAIN_CORE_PROVIDER_H

#include <stddef.h>
#include <stdint.h>

#include "url.h"

struct kobj;

struct provider {
    const char *scheme;
    /*
     * Open the resource named by level u (of the whole parse p) with open flags. On TW_OK
     * *out holds one reference the caller owns. Any TW_E_* otherwise.
     */
    int (*open)(const struct url_parsed *p, const struct url *u, uint32_t flags, struct kobj **out);
    /* Optional: forget all state of a previous boot (called by provider_register). */
    void (*reset)(void);
    /* Optional: at teardown, once every task has ended, drop what the provider still
     * holds (kernel-owned objects), so that every object is freed. */
    void (*release)(void);
    /* Optional: the invariant checker's look at the provider's own state (K_ASSERT on a
     * violation), after every object's check (core/invariants.c). */
    void (*check)(void);
};

void provider_registry_init(void);
/* Register p (static storage). TW_E_BUSY if the scheme is taken, TW_E_LIMIT when full. */
int provider_register(const struct provider *p) __attribute__((warn_unused_result));
const struct provider *provider_find(const char *scheme, size_t len);
/* Teardown: every registered provider's release, in registration order. */
void provider_release_all(void);
/* The invariant checker: every registered provider's check, in registration order. */
void provider_check_all(void);

/* Parse url[0..len) and open it. TW_OK with *out (one reference) or TW_E_*. */
int provider_open(const char *url, size_t len, uint32_t flags, struct kobj **out)
    __attribute__((warn_unused_result));
/* Open the nested level of u (for stacking providers); TW_E_INVAL when u has none. */
int provider_open_sub(const struct url_parsed *p, const struct url *u, uint32_t flags,
                      struct kobj **out) __attribute__((warn_unused_result));

#endif /* TWAIN_CORE_PROVIDER_H */
