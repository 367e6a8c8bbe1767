/* SPDX-License-Identifier: MIT */
/*
 * proto/kv_store.h - the kv protocol's one implementation (proto/kv.proto): a small
 * key-value store, served by the kernel's kv service (providers/svc_kv.c) and by a task's
 * (user/servers/kv_server.c) from this same code, so that what tells them apart in a
 * transcript can only be the path a request took, never the store.
 */
#ifndef TWAIN_PROTO_KV_STORE_H
#define TWAIN_PROTO_KV_STORE_H

#include <stdint.h>

#include "svc_proto.h"

#define KV_STORE_SLOTS 32 /* keys a store holds: a put of one more is no_memory */

struct kv_slot {
    uint8_t used;
    uint8_t key_len;
    uint8_t value_len;
    char key[32];
    uint8_t value[64];
};

struct kv_store {
    struct kv_slot slot[KV_STORE_SLOTS];
    uint32_t count;
};

/* Forget every key. */
void kv_store_clear(struct kv_store *s);

/* Apply method m of kv.proto with request req (its checked struct) to s, filling rep (its
 * zeroed reply struct). Returns TW_OK, or TW_E_NOMEM (a new key in a full store). */
int32_t kv_store_apply(struct kv_store *s, const struct svc_method *m, const void *req, void *rep);

#endif /* TWAIN_PROTO_KV_STORE_H */
