/* SPDX-License-Identifier: MIT */
/*
 * providers/chan.c - the chan:// scheme: named ports, their clients and anonymous pairs,
 * served by core's channel objects (core/chan.h documents the URL forms).
 */
#include "../core/chan.h"
#include "providers.h"

static int chan_provider_open(const struct url_parsed *p, const struct url *u, uint32_t flags,
                              struct kobj **out)
{
    (void)p;
    (void)flags;
    return chan_open(u, out);
}

const struct provider prov_chan = {.scheme = "chan", .open = chan_provider_open};
