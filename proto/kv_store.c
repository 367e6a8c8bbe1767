/* SPDX-License-Identifier: MIT */
/*
 * proto/kv_store.c - the kv protocol's one implementation (kv_store.h): a store of at most
 * KV_STORE_SLOTS keys in fixed slots, searched in slot order (deterministic: no hashing
 * of anything but the bytes given, and keys are listed in slot order).
 */
#include "kv_store.h"
#include "../core/klib.h"
#include "kv.pb.h"
#include "kv.svc.h"

void kv_store_clear(struct kv_store *s)
{
    k_memset(s, 0, sizeof(*s));
}

static struct kv_slot *find(struct kv_store *s, const char *key)
{
    size_t n = k_strnlen(key, sizeof(s->slot[0].key) + 1);
    for (uint32_t i = 0; i < KV_STORE_SLOTS; i++) {
        struct kv_slot *e = &s->slot[i];
        if (e->used && e->key_len == n && k_memcmp(e->key, key, n) == 0)
            return e;
    }
    return NULL;
}

static int32_t put(struct kv_store *s, const twain_kv_PutRequest *req, twain_kv_PutReply *rep)
{
    size_t klen = k_strnlen(req->key, sizeof(req->key));
    if (klen > sizeof(s->slot[0].key) || req->value.size > sizeof(s->slot[0].value))
        return TW_E_INVAL; /* the schema's bounds hold these; the store's too */
    struct kv_slot *e = find(s, req->key);
    rep->replaced = e != NULL;
    if (e == NULL) {
        for (uint32_t i = 0; i < KV_STORE_SLOTS && e == NULL; i++)
            if (!s->slot[i].used)
                e = &s->slot[i];
        if (e == NULL)
            return TW_E_NOMEM;
        e->used = 1;
        e->key_len = (uint8_t)klen;
        k_memcpy(e->key, req->key, klen);
        s->count++;
    }
    e->value_len = (uint8_t)req->value.size;
    k_memcpy(e->value, req->value.bytes, req->value.size);
    return TW_OK;
}

int32_t kv_store_apply(struct kv_store *s, const struct svc_method *m, const void *req, void *rep)
{
    switch (m->number) {
    case SVC_KV_PUT:
        return put(s, req, rep);
    case SVC_KV_GET: {
        const twain_kv_GetRequest *q = req;
        twain_kv_GetReply *r = rep;
        struct kv_slot *e = find(s, q->key);
        r->found = e != NULL;
        if (e != NULL) {
            r->value.size = e->value_len;
            k_memcpy(r->value.bytes, e->value, e->value_len);
        }
        return TW_OK;
    }
    case SVC_KV_DEL: {
        const twain_kv_DelRequest *q = req;
        twain_kv_DelReply *r = rep;
        struct kv_slot *e = find(s, q->key);
        r->found = e != NULL;
        if (e != NULL) {
            k_memset(e, 0, sizeof(*e));
            s->count--;
        }
        return TW_OK;
    }
    case SVC_KV_COUNT: {
        twain_kv_CountReply *r = rep;
        r->count = s->count;
        return TW_OK;
    }
    default:
        return TW_E_NOTSUP; /* a method of the table this store does not know: a build error */
    }
}
