/* SPDX-License-Identifier: MIT */
/*
 * user/localprov.h - process-local providers (docs/user-providers.md): schemes served
 * inside the calling program, resolved before any system call. A program keeps a struct
 * tw_local (in its own memory: tasks share no user globals), registers schemes on it, and
 * opens URLs through it: a local scheme never reaches the kernel; any other URL goes to
 * tw_open. Handles of local resources carry TW_LOCAL_TAG, so the same struct routes every
 * later call.
 */
#ifndef TWAIN_USER_LOCALPROV_H
#define TWAIN_USER_LOCALPROV_H

#include <stddef.h>
#include <stdint.h>

#define TW_LOCAL_MAX_SCHEMES 4
#define TW_LOCAL_MAX_RES     16
#define TW_LOCAL_TAG         0x40000000 /* bit 30: a local handle (kernel handles are smaller) */

/* A scheme's operations; ctx is the provider's own state. Return >= 0 or TW_E_*. */
struct tw_local_ops {
    int64_t (*open)(void *ctx, const char *url, size_t len, uint32_t flags); /* -> resource id */
    int64_t (*read)(void *ctx, int64_t rid, void *buf, size_t len);
    int64_t (*write)(void *ctx, int64_t rid, const void *buf, size_t len);
    int64_t (*close)(void *ctx, int64_t rid);
};

struct tw_local {
    struct {
        char scheme[32];
        size_t len;
        const struct tw_local_ops *ops;
        void *ctx;
    } schemes[TW_LOCAL_MAX_SCHEMES];
    struct {
        int used;
        int scheme;
        int64_t rid;
    } res[TW_LOCAL_MAX_RES];
};

void tw_local_init(struct tw_local *lp);
/* Serve scheme in this program. TW_E_LIMIT when full, TW_E_BUSY when taken. */
int64_t tw_local_register(struct tw_local *lp, const char *scheme, const struct tw_local_ops *ops,
                          void *ctx);
/* Open locally when the scheme is registered here, else with the open system call. */
int64_t tw_local_open(struct tw_local *lp, const char *url, uint32_t flags);
int64_t tw_local_read(struct tw_local *lp, int32_t h, void *buf, size_t len);
int64_t tw_local_write(struct tw_local *lp, int32_t h, const void *buf, size_t len);
int64_t tw_local_close(struct tw_local *lp, int32_t h);

#endif /* TWAIN_USER_LOCALPROV_H */
