/* SPDX-License-Identifier: MIT */
/*
 * providers/providers.c - the list of kernel providers registered at boot.
 */
#include "providers.h"
#include "../core/abi.h"

int providers_register_all(void)
{
    static const struct provider *const all[] = {
        &prov_chan, &prov_timer, &prov_console, &prov_zero,   &prov_null, &prov_blk,
        &prov_fat,  &prov_cache, &prov_pipe,    &prov_system, &prov_svc,
    };
    for (unsigned i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        int rc = provider_register(all[i]);
        if (rc != TW_OK)
            return rc;
    }
    return TW_OK;
}
