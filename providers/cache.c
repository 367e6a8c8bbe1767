/* SPDX-License-Identifier: MIT */
/*
 * providers/cache.c - the cache:// scheme: an LRU cache of CACHE_BLOCK-byte blocks over
 * any seekable sub-resource (docs/storage.md).
 *
 *   cache://[SUB]/            at most CACHE_DEFAULT_BLKS blocks
 *   cache://[SUB]/?blocks=N   at most N blocks (1 .. CACHE_MAX_BLKS)
 *
 * Opens of the same SUB text share one cache (the first open's size holds); each handle has
 * its own position. Writes are write-back: a block is written to SUB when it is evicted, on
 * invoke(TW_BLK_FLUSH), when the last handle of an object closes, and when the cache goes
 * (its last user gone). Blocks come from the page pool; when it runs dry the cache evicts
 * its own least recently used blocks, and cache_shrink_all() gives pages back on memory
 * pressure. A read that misses on the block after the previous miss (a sequential reader)
 * reads the following blocks too, in one request to SUB: 4 the first time, twice as many
 * each time after, at most CACHE_READAHEAD (one device read per 128 KiB instead of 32);
 * only blocks that are absent and fit without evicting. Writes never read ahead (a writer
 * overwrites what it would bring in).
 * invoke: TW_BLK_SIZE, TW_BLK_FLUSH, TW_CACHE_HITS / MISSES / BLOCKS / DIRTY / SHRINK /
 * RESET_STATS.
 */
#include "../core/optable.h"
#include "../core/abi.h"
#include "../core/kassert.h"
#include "../core/kcache.h"
#include "../core/klib.h"
#include "../core/limits.h"
#include "../core/obj.h"
#include "../core/page.h"
#include "../core/provider.h"
#include "providers.h"
#include "storage.h"

K_STATIC_ASSERT(CACHE_BLOCK == K_PAGE_SIZE, "a block is a page");

struct cblock {
    struct list lru;     /* in dev->lru, most recently used last */
    struct cblock *next; /* hash chain */
    uint64_t no;         /* block number */
    uint8_t *data;       /* one page */
    bool dirty;
};

/* A device's read-ahead: how it tells a sequential reader, and how far ahead it reads. */
struct cache_readahead {
    uint64_t next_miss; /* the block after the last one read from SUB: a sequential reader */
    uint32_t window;    /* blocks the next sequential miss may read: 0, then 4 .. READAHEAD */
};

struct cache_dev {
    struct list link; /* in the list of caches */
    uint32_t users;   /* cache objects on it */
    struct kobj *sub; /* one reference */
    uint64_t size;
    uint32_t cap; /* most blocks held */
    uint32_t nblocks;
    uint32_t ndirty;
    uint64_t hits;
    uint64_t misses;
    struct cache_readahead ra;
    struct list lru;
    struct cblock **hash;
    uint32_t nbuckets; /* a power of two */
    unsigned hash_order;
    uint32_t key_len;
    char key[URL_MAX_LEN]; /* the sub-URL text it is shared by */
};

struct cache_obj {
    struct kobj obj;
    struct cache_dev *d;
    uint64_t pos;
};

K_STATIC_ASSERT(sizeof(struct cache_dev) <= K_PAGE_SIZE, "a cache fits one page");

static struct kcache obj_cache;
static struct kcache blk_cache;
static struct list devs;

/*
 * Where a read-ahead lands before it is split into blocks. One for all caches, not one per
 * device: the kernel runs one request at a time; a cache over a cache finds it busy and
 * reads one block (its own read-ahead would only split the outer one's request); and a
 * buffer per device would take 32 pages of the pool from every cache.
 */
static struct {
    uint8_t bytes[CACHE_READAHEAD * CACHE_BLOCK];
    bool busy; /* a read-ahead is between its request to SUB and its last block */
} ra_bounce;

/* What a block lookup may do on a miss (block_get, block_new). */
enum block_flags {
    BLOCK_FILL = 1u << 0,       /* read the block's bytes from SUB (else the caller overwrites
                                   all of them) */
    BLOCK_READ_AHEAD = 1u << 1, /* block_get: a sequential miss may read the next blocks too */
    BLOCK_EVICT = 1u << 2,      /* block_new: evict to make room (else TW_E_NOMEM when full) */
};

static struct cache_obj *as_cache(struct kobj *o)
{
    return K_CONTAINER_OF(o, struct cache_obj, obj);
}

static struct cblock **bucket(struct cache_dev *d, uint64_t no)
{
    uint64_t h = no * 0x9e3779b97f4a7c15ull;
    return &d->hash[(h >> 32) & (d->nbuckets - 1)];
}

static uint32_t block_len(const struct cache_dev *d, uint64_t no)
{
    uint64_t off = no * CACHE_BLOCK;
    return (uint32_t)K_MIN((uint64_t)CACHE_BLOCK, d->size - off);
}

static int writeback(struct cache_dev *d, struct cblock *b)
{
    if (!b->dirty)
        return TW_OK;
    int rc = kio_pwrite(d->sub, b->no * CACHE_BLOCK, b->data, block_len(d, b->no));
    if (rc != TW_OK)
        return rc;
    b->dirty = false;
    d->ndirty--;
    return TW_OK;
}

static void drop(struct cache_dev *d, struct cblock *b)
{
    K_ASSERT(!b->dirty);
    struct cblock **pp = bucket(d, b->no);
    while (*pp != b)
        pp = &(*pp)->next;
    *pp = b->next;
    list_remove(&b->lru);
    page_free(b->data, 0);
    kcache_free(&blk_cache, b);
    d->nblocks--;
}

/* Which blocks shrink() releases first. */
enum shrink_order {
    SHRINK_LRU,         /* least recently used first, dirty or clean (written back) */
    SHRINK_CLEAN_FIRST, /* the clean ones first (least recently used first), then dirty ones */
};

/* Release up to n blocks in that order. */
static size_t shrink(struct cache_dev *d, size_t n, enum shrink_order order)
{
    size_t done = 0;
    for (int pass = order == SHRINK_CLEAN_FIRST ? 0 : 1; pass < 2 && done < n; pass++) {
        struct list *pos, *tmp;
        list_for_each_safe(pos, tmp, &d->lru)
        {
            struct cblock *b = list_entry(pos, struct cblock, lru);
            if (done >= n)
                break;
            if ((pass == 0 && b->dirty) || writeback(d, b) != TW_OK)
                continue;
            drop(d, b);
            done++;
        }
    }
    return done;
}

static int flush(struct cache_dev *d)
{
    int rc = TW_OK;
    struct list *pos;
    list_for_each(pos, &d->lru)
    {
        int r = writeback(d, list_entry(pos, struct cblock, lru));
        rc = rc == TW_OK ? r : rc;
    }
    int r = kio_flush(d->sub);
    return rc == TW_OK ? r : rc;
}

/*
 * A new block no (filled from the sub-resource with BLOCK_FILL), evicting to make room with
 * BLOCK_EVICT (without: TW_E_NOMEM when the cache is full or the pool dry).
 */
static int block_new(struct cache_dev *d, uint64_t no, unsigned flags, struct cblock **out)
{
    K_ASSERT((flags & ~(unsigned)(BLOCK_FILL | BLOCK_EVICT)) == 0);
    bool evict = (flags & BLOCK_EVICT) != 0;
    if (d->nblocks >= d->cap && (!evict || shrink(d, 1, SHRINK_LRU) == 0))
        return evict ? TW_E_IO : TW_E_NOMEM; /* every block is dirty and unwritable */
    struct cblock *b = kcache_alloc(&blk_cache);
    void *data = b != NULL ? page_alloc_raw(0) : NULL;
    while (evict && b != NULL && data == NULL && shrink(d, 1, SHRINK_LRU) == 1)
        data = page_alloc_raw(0);
    if (data == NULL) {
        if (b != NULL)
            kcache_free(&blk_cache, b);
        return TW_E_NOMEM;
    }
    b->data = data;
    b->no = no;
    int rc =
        (flags & BLOCK_FILL) ? kio_pread(d->sub, no * CACHE_BLOCK, data, block_len(d, no)) : TW_OK;
    if (rc != TW_OK) {
        page_free(data, 0);
        kcache_free(&blk_cache, b);
        return rc;
    }
    struct cblock **pp = bucket(d, no);
    b->next = *pp;
    *pp = b;
    list_push_back(&d->lru, &b->lru);
    d->nblocks++;
    *out = b;
    return TW_OK;
}

/*
 * Blocks no+1 .. that a read-ahead from no may bring in: absent, inside the device, fewer
 * than the window and no more than the cache holds without evicting.
 */
static uint32_t ahead_count(struct cache_dev *d, uint64_t no)
{
    K_ASSERT(d->size > 0 && d->nblocks <= d->cap);
    uint64_t last = (d->size - 1) / CACHE_BLOCK;
    uint32_t room = d->cap - d->nblocks; /* block no itself takes one more */
    uint32_t n = 0;
    while (n + 1 < d->ra.window && n + 1 < room && no + n + 1 <= last) {
        for (struct cblock *b = *bucket(d, no + n + 1); b != NULL; b = b->next)
            if (b->no == no + n + 1)
                return n;
        n++;
    }
    return n;
}

/* A miss on block no when reading sequentially: no and up to ahead more in one request. */
static int block_read_ahead(struct cache_dev *d, uint64_t no, uint32_t ahead, struct cblock **out)
{
    K_ASSERT(!ra_bounce.busy && ahead > 0 && ahead < CACHE_READAHEAD);
    uint64_t off = no * CACHE_BLOCK;
    size_t len = (size_t)K_MIN((uint64_t)(ahead + 1) * CACHE_BLOCK, d->size - off);
    ra_bounce.busy = true;
    int rc = kio_pread(d->sub, off, ra_bounce.bytes, len);
    for (uint32_t i = 0; rc == TW_OK && i <= ahead; i++) {
        struct cblock *b;
        int r = block_new(d, no + i, i == 0 ? BLOCK_EVICT : 0, &b);
        if (r != TW_OK) { /* block no: the error; a block ahead: not read ahead after all */
            rc = i == 0 ? r : TW_OK;
            break;
        }
        k_memcpy(b->data, ra_bounce.bytes + (size_t)i * CACHE_BLOCK, block_len(d, no + i));
        if (i == 0)
            *out = b;
    }
    ra_bounce.busy = false;
    return rc;
}

/* Block no, from memory or read in (flags: BLOCK_FILL, BLOCK_READ_AHEAD). */
static int block_get(struct cache_dev *d, uint64_t no, unsigned flags, struct cblock **out)
{
    K_ASSERT((flags & ~(unsigned)(BLOCK_FILL | BLOCK_READ_AHEAD)) == 0);
    for (struct cblock *b = *bucket(d, no); b != NULL; b = b->next)
        if (b->no == no) {
            d->hits++;
            list_remove(&b->lru);
            list_push_back(&d->lru, &b->lru);
            *out = b;
            return TW_OK;
        }
    d->misses++;
    bool sequential =
        (flags & BLOCK_READ_AHEAD) && no == d->ra.next_miss && no > 0 && !ra_bounce.busy;
    /* The window opens at 4 blocks and doubles with every sequential miss after. */
    d->ra.window = !sequential         ? 0
                   : d->ra.window == 0 ? 4
                                       : K_MIN(2 * d->ra.window, CACHE_READAHEAD);
    uint32_t ahead = sequential ? ahead_count(d, no) : 0;
    d->ra.next_miss = no + 1 + ahead;
    if (ahead > 0)
        return block_read_ahead(d, no, ahead, out);
    return block_new(d, no, (flags & BLOCK_FILL) | BLOCK_EVICT, out);
}

/* ---- the object --------------------------------------------------------------------------- */

static uint32_t cache_signals(struct kobj *o)
{
    (void)o;
    return TW_SIG_READABLE | TW_SIG_WRITABLE;
}

enum cache_dir { CACHE_READ, CACHE_WRITE };

static int64_t cache_io(struct kobj *o, uint8_t *buf, size_t len, enum cache_dir dir)
{
    bool write = dir == CACHE_WRITE;
    struct cache_obj *c = as_cache(o);
    struct cache_dev *d = c->d;
    size_t n = (size_t)K_MIN((uint64_t)len, d->size - c->pos), done = 0;
    if (n == 0)
        return len == 0 || !write ? 0 : TW_E_LIMIT;
    while (done < n) {
        uint64_t no = c->pos / CACHE_BLOCK;
        uint32_t in = (uint32_t)(c->pos % CACHE_BLOCK);
        size_t chunk = K_MIN(n - done, (size_t)(CACHE_BLOCK - in));
        /* A read fills and may read ahead; a write fills only a block it overwrites in part. */
        unsigned flags = !write                     ? BLOCK_FILL | BLOCK_READ_AHEAD
                         : chunk < block_len(d, no) ? BLOCK_FILL
                                                    : 0;
        struct cblock *b;
        int rc = block_get(d, no, flags, &b);
        if (rc != TW_OK)
            return done > 0 ? (int64_t)done : rc;
        if (write) {
            k_memcpy(b->data + in, buf + done, chunk);
            d->ndirty += !b->dirty;
            b->dirty = true;
        } else {
            k_memcpy(buf + done, b->data + in, chunk);
        }
        done += chunk;
        c->pos += chunk;
    }
    return (int64_t)done;
}

static int64_t cache_read(struct kobj *o, void *buf, size_t len)
{
    return cache_io(o, buf, len, CACHE_READ);
}

static int64_t cache_write(struct kobj *o, const void *buf, size_t len)
{
    return cache_io(o, (uint8_t *)(uintptr_t)buf, len, CACHE_WRITE);
}

static int64_t cache_seek(struct kobj *o, int64_t off, int whence)
{
    struct cache_obj *c = as_cache(o);
    int64_t pos = kio_seek_pos(c->pos, c->d->size, c->d->size, off, whence);
    if (pos >= 0)
        c->pos = (uint64_t)pos;
    return pos;
}

static int64_t cache_tell(struct kobj *o)
{
    return (int64_t)as_cache(o)->pos;
}

static int64_t cache_size(struct kobj *o)
{
    return (int64_t)as_cache(o)->d->size;
}

static int64_t cache_flush(struct kobj *o)
{
    return flush(as_cache(o)->d);
}

static int64_t cache_invoke(struct kobj *o, const struct kargs *a)
{
    struct cache_dev *d = as_cache(o)->d;
    switch (a->op->op) {
    case TW_CACHE_HITS:
        return (int64_t)(d->hits & INT64_MAX);
    case TW_CACHE_MISSES:
        return (int64_t)(d->misses & INT64_MAX);
    case TW_CACHE_BLOCKS:
        return d->nblocks;
    case TW_CACHE_DIRTY:
        return d->ndirty;
    case TW_CACHE_SHRINK:
        return (int64_t)shrink(d, (size_t)K_MIN(a->v[0], (uint64_t)d->nblocks), SHRINK_CLEAN_FIRST);
    case TW_CACHE_RESET_STATS:
        d->hits = d->misses = 0;
        return TW_OK;
    default:
        return TW_E_NOTSUP;
    }
}

static void cache_last_close(struct kobj *o)
{
    int rc = flush(as_cache(o)->d);
    (void)rc; /* nobody is left to hear an error */
}

static void dev_put(struct cache_dev *d)
{
    K_ASSERT(d->users > 0);
    if (--d->users > 0)
        return;
    int rc = flush(d);
    (void)rc;
    struct list *pos, *tmp;
    list_for_each_safe(pos, tmp, &d->lru)
    {
        struct cblock *b = list_entry(pos, struct cblock, lru);
        if (b->dirty) { /* lost: the device failed */
            b->dirty = false;
            d->ndirty--;
        }
        drop(d, b);
    }
    K_ASSERT(d->nblocks == 0 && d->ndirty == 0);
    list_remove(&d->link);
    kobj_unref(d->sub);
    page_free(d->hash, d->hash_order);
    page_free(d, 0);
}

static void cache_destroy(struct kobj *o)
{
    struct cache_obj *c = as_cache(o);
    dev_put(c->d);
    kcache_free(&obj_cache, c);
}

static void cache_check(struct kobj *o)
{
    struct cache_dev *d = as_cache(o)->d;
    uint32_t n = 0, dirty = 0;
    struct list *pos;
    list_for_each(pos, &d->lru)
    {
        struct cblock *b = list_entry(pos, struct cblock, lru);
        K_ASSERT(b->no * CACHE_BLOCK < d->size);
        n++;
        dirty += b->dirty;
        K_ASSERT(n <= d->nblocks);
    }
    K_ASSERT(n == d->nblocks && dirty == d->ndirty && n <= d->cap && d->users > 0);
    K_ASSERT(as_cache(o)->pos <= d->size);
}

static const struct kobj_ops cache_ops = {
    .name = "cache",
    .kind = TW_KIND_CACHE,
    .default_rights = TW_RIGHT_READ | TW_RIGHT_WRITE | TW_RIGHT_INVOKE | TW_RIGHT_WAIT |
                      TW_RIGHT_SEEK | TW_RIGHT_TRANSFER | TW_RIGHT_DUPLICATE,
    .signals = cache_signals,
    .read = cache_read,
    .write = cache_write,
    .invoke = cache_invoke,
    .size = cache_size,
    .flush = cache_flush,
    .seek = cache_seek,
    .tell = cache_tell,
    .last_close = cache_last_close,
    .destroy = cache_destroy,
    .check = cache_check,
};

/* ---- opening ----------------------------------------------------------------------------------
 */

static int dev_new(const struct url_parsed *p, const struct url *u, uint32_t cap,
                   struct cache_dev **out)
{
    struct cache_dev *d = page_alloc(0);
    if (d == NULL)
        return TW_E_NOMEM;
    list_init(&d->lru);
    d->cap = cap;
    d->nbuckets = 1;
    while (d->nbuckets < cap && d->nbuckets < (1u << 19))
        d->nbuckets <<= 1;
    d->hash_order = page_order_for((d->nbuckets * sizeof(void *) + K_PAGE_SIZE - 1) / K_PAGE_SIZE);
    d->hash = page_alloc(d->hash_order);
    int rc = d->hash != NULL ? provider_open_sub(p, u, 0, &d->sub) : TW_E_NOMEM;
    int64_t size = rc == TW_OK ? kio_size(d->sub) : rc;
    if (rc == TW_OK && size < 0)
        rc = size == TW_E_NOTSUP ? TW_E_INVAL : (int)size;
    if (rc != TW_OK) {
        if (d->sub != NULL)
            kobj_unref(d->sub);
        if (d->hash != NULL)
            page_free(d->hash, d->hash_order);
        page_free(d, 0);
        return rc;
    }
    d->size = (uint64_t)size;
    const struct url_str *key = &p->level[u->sub].text;
    k_memcpy(d->key, key->ptr, key->len);
    d->key_len = key->len;
    list_push_back(&devs, &d->link);
    *out = d;
    return TW_OK;
}

static int cache_open(const struct url_parsed *p, const struct url *u, uint32_t flags,
                      struct kobj **out)
{
    (void)flags;
    if (u->sub < 0 || u->host.len != 0 || u->has_port || (u->has_path && u->path.len > 1))
        return TW_E_INVAL;
    uint64_t cap = CACHE_DEFAULT_BLKS;
    struct url_str v;
    if (url_query_get(u, "blocks", &v) &&
        (!k_parse_u64(v.ptr, v.len, &cap) || cap == 0 || cap > CACHE_MAX_BLKS))
        return TW_E_INVAL;
    const struct url_str *key = &p->level[u->sub].text;
    struct cache_dev *d = NULL;
    struct list *pos;
    list_for_each(pos, &devs)
    {
        struct cache_dev *x = list_entry(pos, struct cache_dev, link);
        if (x->key_len == key->len && k_memcmp(x->key, key->ptr, key->len) == 0)
            d = x;
    }
    if (d == NULL) {
        int rc = dev_new(p, u, (uint32_t)cap, &d);
        if (rc != TW_OK)
            return rc;
    }
    struct cache_obj *c = kcache_alloc(&obj_cache);
    if (c == NULL) {
        if (d->users == 0) {
            d->users = 1;
            dev_put(d);
        }
        return TW_E_NOMEM;
    }
    kobj_init(&c->obj, &cache_ops);
    c->d = d;
    d->users++;
    *out = &c->obj;
    return TW_OK;
}

static void cache_reset(void)
{
    kcache_init(&obj_cache, "cache", sizeof(struct cache_obj));
    kcache_init(&blk_cache, "cache-block", sizeof(struct cblock));
    list_init(&devs); /* caches of a previous boot went with its pool */
}

const struct provider prov_cache = {.scheme = "cache", .open = cache_open, .reset = cache_reset};

size_t cache_shrink_all(size_t pages)
{
    size_t done = 0;
    struct list *pos;
    list_for_each(pos, &devs)
    {
        if (done >= pages)
            break;
        struct cache_dev *d = list_entry(pos, struct cache_dev, link);
        done += shrink(d, pages - done, SHRINK_CLEAN_FIRST);
    }
    return done;
}
