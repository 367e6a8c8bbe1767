/* SPDX-License-Identifier: MIT */
/*
 * providers/providers.h - the kernel's scheme providers, registered together at boot by
 * both backends after k_init.
 */
#ifndef TWAIN_PROVIDERS_H
#define TWAIN_PROVIDERS_H

#include "../core/provider.h"

extern const struct provider prov_chan;
extern const struct provider prov_timer;
extern const struct provider prov_console;
extern const struct provider prov_zero;
extern const struct provider prov_null;
extern const struct provider prov_blk;
extern const struct provider prov_fat;
extern const struct provider prov_cache;
extern const struct provider prov_pipe;
extern const struct provider prov_system;
extern const struct provider prov_svc;

/* Register every kernel provider. TW_OK, or the first registration error. */
int providers_register_all(void) __attribute__((warn_unused_result));

#endif /* TWAIN_PROVIDERS_H */
