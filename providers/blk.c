/* SPDX-License-Identifier: MIT */
/*
 * providers/blk.c - the blk:// scheme: byte-addressed block devices (docs/storage.md).
 *
 *   blk://disk0/             a machine disk (core/disk.h: in the simulator, an image file
 *                            the scenario names under "disks")
 *   blk://ram0/?size=BYTES   a RAM disk carved from the page pool, created zeroed by the
 *                            first open that gives a size, shared by name while any handle
 *                            or stacked provider holds it, freed with its last user
 *
 * Every open makes its own object with its own position over the shared device; read,
 * write, seek and tell move bytes at that position (short at the end of the device, 0 at
 * the end for reads, TW_E_LIMIT for writes). invoke: TW_BLK_SIZE, TW_BLK_FLUSH (disks are
 * synchronous: nothing to flush). Device I/O bills virtual time per byte.
 */
#include "../core/optable.h"
#include "../core/abi.h"
#include "../core/clock.h"
#include "../core/disk.h"
#include "../core/kassert.h"
#include "../core/kcache.h"
#include "../core/klib.h"
#include "../core/limits.h"
#include "../core/obj.h"
#include "../core/page.h"
#include "providers.h"
#include "storage.h"

#define RAM_CHUNK_ORDER 8u /* 1 MiB chunks */
#define RAM_CHUNK_BYTES ((uint64_t)K_PAGE_SIZE << RAM_CHUNK_ORDER)
#define RAM_MAX_CHUNKS  (K_PAGE_SIZE / sizeof(void *))

K_STATIC_ASSERT(BLK_RAM_MAX_BYTES == RAM_CHUNK_BYTES * RAM_MAX_CHUNKS, "chunk table is one page");

struct ramdisk {
    bool used;
    char name[16];
    uint64_t size;
    uint32_t users;  /* blk objects over it */
    uint8_t **chunk; /* one page of chunk pointers */
    uint32_t nchunks;
};

struct blk_obj {
    struct kobj obj;
    struct ramdisk *ram; /* NULL: machine disk number disk */
    uint32_t disk;
    uint64_t size;
    uint64_t pos;
};

static struct kcache blk_cache;
static struct ramdisk ramdisks[BLK_MAX_RAMDISKS];

static struct blk_obj *as_blk(struct kobj *o)
{
    return K_CONTAINER_OF(o, struct blk_obj, obj);
}

/* ---- RAM disks ------------------------------------------------------------------------ */

static void ram_free(struct ramdisk *r)
{
    K_ASSERT(r->used && r->users == 0);
    for (uint32_t i = 0; i < r->nchunks; i++)
        page_free(r->chunk[i], RAM_CHUNK_ORDER);
    if (r->chunk != NULL)
        page_free(r->chunk, 0);
    k_memset(r, 0, sizeof(*r));
}

static int ram_create(const struct url_str *name, uint64_t size, struct ramdisk **out)
{
    struct ramdisk *r = NULL;
    for (unsigned i = 0; i < BLK_MAX_RAMDISKS && r == NULL; i++)
        if (!ramdisks[i].used)
            r = &ramdisks[i];
    if (r == NULL)
        return TW_E_LIMIT;
    r->used = true;
    k_memcpy(r->name, name->ptr, name->len);
    r->size = size;
    r->chunk = page_alloc(0);
    uint32_t need = (uint32_t)((size + RAM_CHUNK_BYTES - 1) / RAM_CHUNK_BYTES);
    while (r->chunk != NULL && r->nchunks < need) {
        r->chunk[r->nchunks] = page_alloc(RAM_CHUNK_ORDER);
        if (r->chunk[r->nchunks] == NULL)
            break;
        r->nchunks++;
    }
    if (r->chunk == NULL || r->nchunks < need) {
        ram_free(r);
        return TW_E_NOMEM;
    }
    *out = r;
    return TW_OK;
}

static void ram_io(struct ramdisk *r, uint64_t off, void *buf, size_t len, bool write)
{
    K_ASSERT(off <= r->size && len <= r->size - off);
    uint8_t *b = buf;
    while (len > 0) {
        uint64_t in = off % RAM_CHUNK_BYTES;
        size_t n = (size_t)K_MIN((uint64_t)len, RAM_CHUNK_BYTES - in);
        uint8_t *p = r->chunk[off / RAM_CHUNK_BYTES] + in;
        if (write)
            k_memcpy(p, b, n);
        else
            k_memcpy(b, p, n);
        b += n;
        off += n;
        len -= n;
    }
}

/* The RAM disk called name: found, or created when the URL gives ?size=. */
static int ram_open(const struct url *u, struct ramdisk **out)
{
    struct url_str v;
    uint64_t size = 0;
    bool sized = url_query_get(u, "size", &v);
    if (sized && (!k_parse_u64(v.ptr, v.len, &size) || size == 0 || size > BLK_RAM_MAX_BYTES))
        return TW_E_INVAL;
    for (unsigned i = 0; i < BLK_MAX_RAMDISKS; i++) {
        struct ramdisk *r = &ramdisks[i];
        if (r->used && k_memeq_str(u->host.ptr, u->host.len, r->name)) {
            if (sized && size != r->size)
                return TW_E_BUSY;
            *out = r;
            return TW_OK;
        }
    }
    if (!sized)
        return TW_E_NOENT;
    return ram_create(&u->host, size, out);
}

/* ---- device I/O ----------------------------------------------------------------------- */

static int dev_io(struct blk_obj *b, uint64_t off, void *buf, size_t len, bool write)
{
    clock_charge_bytes(len);
    if (b->ram != NULL) {
        ram_io(b->ram, off, buf, len, write);
        return TW_OK;
    }
    return write ? disk_write(b->disk, off, buf, len) : disk_read(b->disk, off, buf, len);
}

static uint32_t blk_signals(struct kobj *o)
{
    (void)o;
    return TW_SIG_READABLE | TW_SIG_WRITABLE;
}

static int64_t blk_read(struct kobj *o, void *buf, size_t len)
{
    struct blk_obj *b = as_blk(o);
    K_ASSERT(b->pos <= b->size);
    size_t n = (size_t)K_MIN((uint64_t)len, b->size - b->pos);
    if (n == 0)
        return 0;
    int rc = dev_io(b, b->pos, buf, n, false);
    if (rc != TW_OK)
        return rc;
    b->pos += n;
    return (int64_t)n;
}

static int64_t blk_write(struct kobj *o, const void *buf, size_t len)
{
    struct blk_obj *b = as_blk(o);
    K_ASSERT(b->pos <= b->size);
    size_t n = (size_t)K_MIN((uint64_t)len, b->size - b->pos);
    if (n == 0)
        return len == 0 ? 0 : TW_E_LIMIT;
    int rc = dev_io(b, b->pos, (void *)(uintptr_t)buf, n, true);
    if (rc != TW_OK)
        return rc;
    b->pos += n;
    return (int64_t)n;
}

static int64_t blk_seek(struct kobj *o, int64_t off, int whence)
{
    struct blk_obj *b = as_blk(o);
    int64_t pos = kio_seek_pos(b->pos, b->size, b->size, off, whence);
    if (pos >= 0)
        b->pos = (uint64_t)pos;
    return pos;
}

static int64_t blk_tell(struct kobj *o)
{
    return (int64_t)as_blk(o)->pos;
}

static int64_t blk_size(struct kobj *o)
{
    return (int64_t)as_blk(o)->size;
}

static int64_t blk_flush(struct kobj *o)
{
    (void)o;
    return TW_OK; /* writes reach the disk at once */
}

static void blk_destroy(struct kobj *o)
{
    struct blk_obj *b = as_blk(o);
    if (b->ram != NULL) {
        K_ASSERT(b->ram->users > 0);
        if (--b->ram->users == 0)
            ram_free(b->ram);
    }
    kcache_free(&blk_cache, b);
}

static void blk_check(struct kobj *o)
{
    struct blk_obj *b = as_blk(o);
    K_ASSERT(b->pos <= b->size);
    K_ASSERT(b->ram == NULL || (b->ram->used && b->ram->users > 0 && b->ram->size == b->size));
}

static const struct kobj_ops blk_ops = {
    .name = "blk",
    .kind = TW_KIND_BLK,
    .default_rights = TW_RIGHT_READ | TW_RIGHT_WRITE | TW_RIGHT_INVOKE | TW_RIGHT_WAIT |
                      TW_RIGHT_SEEK | TW_RIGHT_TRANSFER | TW_RIGHT_DUPLICATE,
    .signals = blk_signals,
    .read = blk_read,
    .write = blk_write,
    .size = blk_size,
    .flush = blk_flush,
    .seek = blk_seek,
    .tell = blk_tell,
    .destroy = blk_destroy,
    .check = blk_check,
};

static int blk_open(const struct url_parsed *p, const struct url *u, uint32_t flags,
                    struct kobj **out)
{
    (void)p;
    (void)flags;
    if (u->host.len == 0 || u->host.len > 15 || u->has_port || u->sub >= 0 ||
        (u->has_path && u->path.len > 1))
        return u->host.len > 15 ? TW_E_TOOBIG : TW_E_INVAL;
    uint32_t disk = 0;
    uint64_t size = 0;
    struct ramdisk *ram = NULL;
    int rc = disk_find(u->host.ptr, u->host.len, &disk, &size);
    if (rc == TW_OK && u->has_query)
        return TW_E_INVAL; /* machine disks take no options */
    if (rc != TW_OK && u->host.len > 3 && k_memcmp(u->host.ptr, "ram", 3) == 0) {
        rc = ram_open(u, &ram);
        size = ram != NULL ? ram->size : 0;
    }
    if (rc != TW_OK)
        return rc;
    struct blk_obj *b = kcache_alloc(&blk_cache);
    if (b == NULL) {
        if (ram != NULL && ram->users == 0)
            ram_free(ram);
        return TW_E_NOMEM;
    }
    kobj_init(&b->obj, &blk_ops);
    b->ram = ram;
    b->disk = disk;
    b->size = size;
    if (ram != NULL)
        ram->users++;
    *out = &b->obj;
    return TW_OK;
}

static void blk_reset(void)
{
    kcache_init(&blk_cache, "blk", sizeof(struct blk_obj));
    k_memset(ramdisks, 0, sizeof(ramdisks)); /* their pages went with the old pool */
}

const struct provider prov_blk = {.scheme = "blk", .open = blk_open, .reset = blk_reset};
