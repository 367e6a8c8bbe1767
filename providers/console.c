/* SPDX-License-Identifier: MIT */
/*
 * providers/console.c - the console:// scheme: one kernel console; write prints (to the
 * machine, the trace and the capture buffer), read takes typed input.
 */
#include "../core/abi.h"
#include "../core/console.h"
#include "../core/obj.h"
#include "providers.h"

static int console_open(const struct url_parsed *p, const struct url *u, uint32_t flags,
                        struct kobj **out)
{
    (void)p;
    (void)flags;
    if (u->host.len != 0 || u->has_port || u->sub >= 0)
        return TW_E_INVAL;
    struct kobj *o = console_obj();
    kobj_ref(o);
    *out = o;
    return TW_OK;
}

const struct provider prov_console = {.scheme = "console", .open = console_open};
