/* SPDX-License-Identifier: MIT */
/*
 * providers/fat_file.c - the fat:// scheme (docs/storage.md):
 *
 *   fat://[SUB]/path/to/file   a file (TW_O_CREATE makes it, TW_O_TRUNC empties it)
 *   fat://[SUB]/dir/  or  /    a directory: read() returns struct tw_dirent records
 *
 * SUB is any seekable resource holding the volume (blk://disk0/, cache://[...]/). Opens
 * of the same SUB text share one mount (fat_bpb.c); opens of the same file or directory
 * share one node (size, first cluster, chain cursor), each handle with its own position.
 * Directory handles take invoke(TW_FS_MKDIR / TW_FS_UNLINK / TW_FS_RENAME) with paths
 * resolved beneath that directory: ".." stops at it (and at the root for URL paths).
 */
#include "../core/optable.h"
#include "../core/abi.h"
#include "../core/kassert.h"
#include "../core/kcache.h"
#include "../core/klib.h"
#include "../core/obj.h"
#include "fat.h"
#include "providers.h"
#include "storage.h"

#define FAT_MAX_SIZE 0xffffffffull

struct fat_file {
    struct kobj obj;
    struct fat_node *n;
    uint64_t pos; /* files: byte offset; directories: next slot */
};

/* A path resolved beneath a directory. */
struct fat_res {
    uint32_t parent;   /* the directory holding the last component (its first cluster) */
    uint32_t name_len; /* 0: the path names directory parent itself */
    bool found;        /* the last component exists: e is its entry */
    uint32_t depth;    /* dirs[0..depth]: the directories walked, base first */
    uint32_t dirs[FAT_MAX_DEPTH + 1];
    uint16_t name[FAT_MAX_NAME + 1];
    struct fat_entry e;
};

static struct kcache file_cache;
static struct kcache node_cache;
static const uint8_t zeros[4096];

static struct fat_file *as_file(struct kobj *o)
{
    return K_CONTAINER_OF(o, struct fat_file, obj);
}

static uint32_t root_id(const struct fat_mount *m)
{
    return m->type == 32 ? m->root_cluster : 0;
}

/* ---- nodes ---------------------------------------------------------------------------------- */

int fat_node_flush(struct fat_node *n)
{
    if (!n->dirty)
        return TW_OK;
    uint8_t raw[FAT_SLOT_BYTES];
    int rc = fat_slot_read(n->m, n->ent_off, raw);
    if (rc != TW_OK)
        return rc;
    fat_entry_set_cluster(raw, n->first);
    fat_put32(raw + DIR_FileSize, n->size);
    fat_entry_stamp(raw, FAT_STAMP_WRITTEN);
    raw[DIR_Attr] |= FAT_ATTR_ARCH;
    rc = fat_slot_write(n->m, n->ent_off, raw);
    if (rc == TW_OK)
        n->dirty = false;
    return rc;
}

static struct fat_node *node_find(struct fat_mount *m, bool dir, uint32_t first, uint64_t ent_off)
{
    struct list *pos;
    list_for_each(pos, &m->nodes)
    {
        struct fat_node *n = list_entry(pos, struct fat_node, link);
        if (n->dir == dir && (dir ? n->first == first : n->ent_off == ent_off))
            return n;
    }
    return NULL;
}

/* The node of directory first, or of the file whose entry is e. Takes a reference. */
static int node_get(struct fat_mount *m, bool dir, uint32_t first, const struct fat_entry *e,
                    struct fat_node **out)
{
    uint64_t ent_off = e != NULL ? e->off : 0;
    struct fat_node *n = node_find(m, dir, first, ent_off);
    if (n == NULL) {
        if (dir && first != root_id(m) && !fat_clus_valid(m, first))
            return TW_E_IO;
        n = kcache_alloc(&node_cache);
        if (n == NULL)
            return TW_E_NOMEM;
        n->m = m;
        n->dir = dir;
        n->root = dir && first == root_id(m);
        n->first = first;
        n->ent_off = ent_off;
        n->attr = e != NULL ? e->raw[DIR_Attr] : FAT_ATTR_DIR;
        n->size = e != NULL && !dir ? fat_le32(e->raw + DIR_FileSize) : 0;
        m->users++;
        list_push_back(&m->nodes, &n->link);
    }
    n->refs++;
    *out = n;
    return TW_OK;
}

static void node_put(struct fat_node *n)
{
    K_ASSERT(n->refs > 0);
    if (--n->refs > 0)
        return;
    int rc = fat_node_flush(n);
    (void)rc; /* nobody is left to hear an error */
    list_remove(&n->link);
    struct fat_mount *m = n->m;
    kcache_free(&node_cache, n);
    fat_mount_put(m);
}

/* ---- paths ---------------------------------------------------------------------------------- */

static bool is_dots(const char *s, uint32_t len, uint32_t dots)
{
    return len == dots && (dots < 1 || s[0] == '.') && (dots < 2 || s[1] == '.');
}

/* Split path into components (skipping empty ones and "."). */
static int split(const char *path, uint32_t len, uint32_t start[], uint32_t clen[], uint32_t *n)
{
    *n = 0;
    for (uint32_t i = 0; i < len;) {
        uint32_t j = i;
        while (j < len && path[j] != '/')
            j++;
        if (j > i && !is_dots(path + i, j - i, 1)) {
            if (*n >= FAT_MAX_DEPTH)
                return TW_E_TOOBIG;
            start[*n] = i;
            clen[(*n)++] = j - i;
        }
        i = j + 1;
    }
    return TW_OK;
}

/* Resolve path beneath directory base ("..": up, never above base). */
static int resolve(struct fat_mount *m, uint32_t base, const char *path, uint32_t len,
                   struct fat_res *r)
{
    uint32_t start[FAT_MAX_DEPTH], clen[FAT_MAX_DEPTH], n;
    int rc = split(path, len, start, clen, &n);
    if (rc != TW_OK)
        return rc;
    r->depth = 0;
    r->dirs[0] = base;
    r->name_len = 0;
    r->found = false;
    for (uint32_t i = 0; i < n; i++) {
        const char *c = path + start[i];
        if (is_dots(c, clen[i], 2)) {
            r->depth -= r->depth > 0;
            r->name_len = 0;
            continue;
        }
        if ((rc = fat_name_from_utf8(c, clen[i], r->name, &r->name_len)) != TW_OK)
            return rc;
        rc = fat_dir_find(m, r->dirs[r->depth], r->name, r->name_len, &r->e);
        if (i + 1 == n && rc == TW_E_NOENT)
            break;
        if (rc != TW_OK)
            return rc;
        r->found = true;
        if (i + 1 == n)
            break;
        if (!(r->e.raw[DIR_Attr] & FAT_ATTR_DIR))
            return TW_E_NOENT; /* a file in the middle of a path */
        uint32_t d = fat_entry_cluster(m, r->e.raw);
        if (!fat_clus_valid(m, d))
            return TW_E_IO;
        r->dirs[++r->depth] = d;
        r->found = false;
    }
    r->parent = r->dirs[r->depth];
    return TW_OK;
}

/* ---- file data ----------------------------------------------------------------------------------
 */

/* Cluster idx of n's chain, growing the chain (and giving the file its first cluster). */
static int cluster_for_write(struct fat_node *n, uint32_t idx, uint32_t *clus)
{
    for (;;) {
        int rc = fat_chain_at(n, idx, clus);
        if (rc != TW_E_NOENT)
            return rc;
        uint32_t added;
        rc = fat_alloc(n->m, n->first == 0 ? 0 : n->cur.clus, false, &added);
        if (rc != TW_OK)
            return rc;
        if (n->first == 0) {
            n->first = added;
            n->dirty = true;
        }
    }
}

static int write_at(struct fat_node *n, uint64_t off, const uint8_t *buf, size_t len)
{
    struct fat_mount *m = n->m;
    K_ASSERT(off + len <= FAT_MAX_SIZE);
    while (len > 0) {
        uint32_t in = (uint32_t)(off & (m->cluster - 1)), clus;
        size_t chunk = K_MIN(len, (size_t)(m->cluster - in));
        int rc = cluster_for_write(n, (uint32_t)(off >> m->cluster_shift), &clus);
        if (rc == TW_OK)
            rc = kio_pwrite(m->sub, fat_clus_off(m, clus) + in, buf, chunk);
        if (rc != TW_OK)
            return rc;
        off += chunk;
        buf += chunk;
        len -= chunk;
        if (off > n->size) {
            n->size = (uint32_t)off;
            n->dirty = true;
        }
    }
    m->dbuf_off = FAT_NO_OFF; /* a broken volume may share clusters with a directory */
    return TW_OK;
}

/* Extend n to end with zeros. */
static int zero_to(struct fat_node *n, uint64_t end)
{
    while (n->size < end) {
        size_t chunk = (size_t)K_MIN(end - n->size, (uint64_t)sizeof(zeros));
        int rc = write_at(n, n->size, zeros, chunk);
        if (rc != TW_OK)
            return rc;
    }
    return TW_OK;
}

static int truncate_to(struct fat_node *n, uint64_t size)
{
    struct fat_mount *m = n->m;
    if (size > FAT_MAX_SIZE)
        return TW_E_TOOBIG;
    if (size >= n->size)
        return zero_to(n, size);
    uint32_t keep = (uint32_t)((size + m->cluster - 1) >> m->cluster_shift);
    int rc;
    if (keep == 0) {
        rc = fat_free_chain(m, n->first);
        n->first = 0;
    } else {
        uint32_t last, next;
        rc = fat_chain_at(n, keep - 1, &last);
        if (rc == TW_OK)
            rc = fat_next(m, last, &next);
        if (rc == TW_OK && next != 0) {
            rc = fat_set_eoc(m, last);
            if (rc == TW_OK)
                rc = fat_free_chain(m, next);
        }
    }
    n->cur.clus = 0;
    n->size = (uint32_t)size;
    n->dirty = true;
    return rc == TW_E_NOENT ? TW_E_IO : rc;
}

static int64_t file_read(struct fat_file *f, uint8_t *buf, size_t len)
{
    struct fat_node *n = f->n;
    struct fat_mount *m = n->m;
    if (f->pos >= n->size)
        return 0;
    size_t total = (size_t)K_MIN((uint64_t)len, n->size - f->pos), done = 0;
    while (done < total) {
        uint32_t in = (uint32_t)(f->pos & (m->cluster - 1)), clus;
        size_t chunk = K_MIN(total - done, (size_t)(m->cluster - in));
        int rc = fat_chain_at(n, (uint32_t)(f->pos >> m->cluster_shift), &clus);
        if (rc == TW_OK)
            rc = kio_pread(m->sub, fat_clus_off(m, clus) + in, buf + done, chunk);
        if (rc != TW_OK)
            return done > 0 ? (int64_t)done : rc == TW_E_NOENT ? TW_E_IO : rc;
        done += chunk;
        f->pos += chunk;
    }
    return (int64_t)done;
}

/* ---- directory records ------------------------------------------------------------------------
 */

static void record_fill(struct fat_mount *m, const struct fat_entry *e, struct tw_dirent *d)
{
    k_memset(d, 0, sizeof(*d));
    bool dir = (e->raw[DIR_Attr] & FAT_ATTR_DIR) != 0;
    d->size = dir ? 0 : fat_le32(e->raw + DIR_FileSize);
    d->attr = e->raw[DIR_Attr];
    d->cluster = fat_entry_cluster(m, e->raw);
    d->mtime = (uint32_t)fat_le16(e->raw + DIR_WrtDate) << 16 | fat_le16(e->raw + DIR_WrtTime);
    d->kind = dir ? TW_DIRENT_DIR : TW_DIRENT_FILE;
    fat_short_name(e->raw, d->short_name);
    d->name_len = (uint16_t)fat_entry_name(e, d->name, sizeof(d->name));
}

static int64_t dir_read(struct fat_file *f, uint8_t *buf, size_t len)
{
    struct fat_mount *m = f->n->m;
    if (len < sizeof(struct tw_dirent))
        return TW_E_TOOBIG;
    struct fat_dirit it;
    fat_dirit_init(m, &it, f->n->first);
    it.slot = (uint32_t)K_MIN(f->pos, (uint64_t)FAT_MAX_DIR_SLOTS);
    size_t done = 0;
    struct fat_entry e;
    while (done + sizeof(struct tw_dirent) <= len) {
        int rc = fat_dir_next(m, &it, &e);
        if (rc == TW_E_NOENT)
            break;
        if (rc != TW_OK)
            return done > 0 ? (int64_t)done : rc;
        f->pos = it.slot;
        if (fat_entry_is_dot(&e))
            continue;
        record_fill(m, &e, (struct tw_dirent *)(void *)(buf + done));
        done += sizeof(struct tw_dirent);
    }
    f->pos = it.slot;
    return (int64_t)done;
}

/* ---- the object ---------------------------------------------------------------------------------
 */

static uint32_t fat_signals(struct kobj *o)
{
    (void)o;
    return TW_SIG_READABLE | TW_SIG_WRITABLE;
}

static int64_t fat_read(struct kobj *o, void *buf, size_t len)
{
    struct fat_file *f = as_file(o);
    return f->n->dir ? dir_read(f, buf, len) : file_read(f, buf, len);
}

static int64_t fat_write(struct kobj *o, const void *buf, size_t len)
{
    struct fat_file *f = as_file(o);
    if (f->n->dir)
        return TW_E_NOTSUP;
    if (len == 0)
        return 0;
    if (f->pos >= FAT_MAX_SIZE)
        return TW_E_TOOBIG;
    len = (size_t)K_MIN((uint64_t)len, FAT_MAX_SIZE - f->pos);
    int rc = f->pos > f->n->size ? zero_to(f->n, f->pos) : TW_OK;
    if (rc == TW_OK)
        rc = write_at(f->n, f->pos, buf, len);
    if (rc != TW_OK)
        return rc;
    f->pos += len;
    return (int64_t)len;
}

static int64_t fat_seek(struct kobj *o, int64_t off, int whence)
{
    struct fat_file *f = as_file(o);
    uint64_t max = f->n->dir ? FAT_MAX_DIR_SLOTS : FAT_MAX_SIZE; /* directories: slots */
    int64_t pos = kio_seek_pos(f->pos, f->n->size, max, off, whence);
    if (pos >= 0)
        f->pos = (uint64_t)pos;
    return pos;
}

static int64_t fat_tell(struct kobj *o)
{
    return (int64_t)as_file(o)->pos;
}

static int64_t fat_stat(struct kobj *o, struct tw_dirent *d)
{
    struct fat_node *n = as_file(o)->n;
    d->size = n->size;
    d->attr = n->attr;
    d->cluster = n->first;
    d->kind = n->dir ? TW_DIRENT_DIR : TW_DIRENT_FILE;
    return TW_OK;
}

static int64_t fat_size(struct kobj *o)
{
    return (int64_t)as_file(o)->n->size;
}

static int64_t fat_flush(struct kobj *o)
{
    return fat_sync(as_file(o)->n->m);
}

static int64_t fat_truncate(struct kobj *o, uint64_t size)
{
    return truncate_to(as_file(o)->n, size);
}

static int64_t fat_fs_invoke(struct kobj *o, const struct kargs *a);

static void fat_destroy(struct kobj *o)
{
    struct fat_file *f = as_file(o);
    node_put(f->n);
    kcache_free(&file_cache, f);
}

static void fat_check(struct kobj *o)
{
    struct fat_node *n = as_file(o)->n;
    K_ASSERT(n->refs > 0 && n->m->users > 0 && list_linked(&n->link));
    K_ASSERT(n->dir || n->first == 0 || fat_clus_valid(n->m, n->first) || !n->dirty);
}

#define FAT_RIGHTS                                                                                 \
    (TW_RIGHT_READ | TW_RIGHT_WRITE | TW_RIGHT_INVOKE | TW_RIGHT_WAIT | TW_RIGHT_SEEK |            \
     TW_RIGHT_TRANSFER | TW_RIGHT_DUPLICATE)

/* Directories share the file's operations but take the path operations, not truncate. */
static const struct kobj_ops fat_dir_ops = {
    .name = "fat-dir",
    .kind = TW_KIND_DIR,
    .default_rights = FAT_RIGHTS,
    .signals = fat_signals,
    .read = fat_read,
    .write = fat_write,
    .invoke = fat_fs_invoke,
    .seek = fat_seek,
    .tell = fat_tell,
    .size = fat_size,
    .flush = fat_flush,
    .stat = fat_stat,
    .destroy = fat_destroy,
    .check = fat_check,
};

static const struct kobj_ops fat_ops = {
    .name = "fat",
    .kind = TW_KIND_FILE,
    .default_rights = FAT_RIGHTS,
    .signals = fat_signals,
    .read = fat_read,
    .write = fat_write,
    .seek = fat_seek,
    .tell = fat_tell,
    .size = fat_size,
    .flush = fat_flush,
    .truncate = fat_truncate,
    .stat = fat_stat,
    .destroy = fat_destroy,
    .check = fat_check,
};

/* ---- opening
 * -------------------------------------------------------------------------------------- */

static int create_file(struct fat_mount *m, struct fat_res *r)
{
    uint8_t tmpl[FAT_SLOT_BYTES];
    k_memset(tmpl, 0, sizeof(tmpl));
    tmpl[DIR_Attr] = FAT_ATTR_ARCH;
    fat_entry_stamp(tmpl, FAT_STAMP_CREATED);
    return fat_dir_add(m, r->parent, r->name, r->name_len, tmpl, &r->e);
}

/* The node the resolved path names (creating the file when asked). */
static int open_node(struct fat_mount *m, struct fat_res *r, uint32_t flags, struct fat_node **n)
{
    if (!r->found && r->name_len == 0)
        return (flags & TW_O_TRUNC) ? TW_E_INVAL : node_get(m, true, r->parent, NULL, n);
    if (!r->found) {
        if (!(flags & TW_O_CREATE))
            return TW_E_NOENT;
        int rc = create_file(m, r);
        if (rc != TW_OK)
            return rc;
    }
    if (r->e.raw[DIR_Attr] & FAT_ATTR_DIR)
        return (flags & TW_O_TRUNC) ? TW_E_INVAL
                                    : node_get(m, true, fat_entry_cluster(m, r->e.raw), NULL, n);
    int rc = node_get(m, false, fat_entry_cluster(m, r->e.raw), &r->e, n);
    if (rc == TW_OK && (flags & TW_O_TRUNC) && (rc = truncate_to(*n, 0)) != TW_OK)
        node_put(*n);
    return rc;
}

static int fat_open(const struct url_parsed *p, const struct url *u, uint32_t flags,
                    struct kobj **out)
{
    if (u->sub < 0 || u->host.len != 0 || u->has_port || u->has_query)
        return TW_E_INVAL;
    struct fat_mount *m;
    int rc = fat_mount_get(p, u, &m);
    if (rc != TW_OK)
        return rc;
    struct fat_res r;
    struct fat_node *n = NULL;
    rc = resolve(m, root_id(m), u->path.ptr, u->path.len, &r);
    if (rc == TW_OK)
        rc = open_node(m, &r, flags, &n);
    struct fat_file *f = rc == TW_OK ? kcache_alloc(&file_cache) : NULL;
    if (rc == TW_OK && f == NULL) {
        node_put(n);
        rc = TW_E_NOMEM;
    }
    if (rc == TW_OK) {
        kobj_init(&f->obj, n->dir ? &fat_dir_ops : &fat_ops);
        f->n = n;
        *out = &f->obj;
    }
    fat_mount_put(m); /* the node holds the mount now */
    return rc;
}

static void fat_reset(void)
{
    kcache_init(&file_cache, "fat-file", sizeof(struct fat_file));
    kcache_init(&node_cache, "fat-node", sizeof(struct fat_node));
    fat_reset_mounts();
}

const struct provider prov_fat = {.scheme = "fat", .open = fat_open, .reset = fat_reset};

/* ---- mkdir, unlink, rename (on directory handles) ---------------------------------------------
 */

static int fs_mkdir(struct fat_mount *m, struct fat_res *r)
{
    if (r->found || r->name_len == 0)
        return TW_E_BUSY;
    uint32_t c;
    int rc = fat_alloc(m, 0, true, &c);
    if (rc != TW_OK)
        return rc;
    uint8_t tmpl[FAT_SLOT_BYTES];
    k_memset(tmpl, 0, sizeof(tmpl));
    fat_entry_stamp(tmpl, FAT_STAMP_CREATED);
    tmpl[DIR_Attr] = FAT_ATTR_DIR;
    uint8_t dot[FAT_SLOT_BYTES]; /* "." then ".." */
    k_memcpy(dot, tmpl, sizeof(dot));
    k_memset(dot + DIR_Name, ' ', FAT_NAME_BYTES);
    dot[DIR_Name] = '.';
    fat_entry_set_cluster(dot, c);
    rc = fat_slot_write(m, fat_clus_off(m, c), dot);
    dot[DIR_Name + 1] = '.';
    fat_entry_set_cluster(dot, r->parent == root_id(m) ? 0 : r->parent);
    if (rc == TW_OK)
        rc = fat_slot_write(m, fat_clus_off(m, c) + FAT_SLOT_BYTES, dot);
    fat_entry_set_cluster(tmpl, c);
    if (rc == TW_OK)
        rc = fat_dir_add(m, r->parent, r->name, r->name_len, tmpl, &r->e);
    if (rc != TW_OK) {
        int undo = fat_free_chain(m, c);
        (void)undo; /* the first error is the one to report */
    }
    return rc;
}

static int fs_unlink(struct fat_mount *m, struct fat_res *r)
{
    if (!r->found)
        return r->name_len == 0 ? TW_E_INVAL : TW_E_NOENT;
    uint32_t c = fat_entry_cluster(m, r->e.raw);
    if (r->e.raw[DIR_Attr] & FAT_ATTR_DIR) {
        if (node_find(m, true, c, 0) != NULL)
            return TW_E_BUSY;
        int empty = fat_clus_valid(m, c) ? fat_dir_empty(m, c) : TW_E_IO;
        if (empty <= 0)
            return empty == 0 ? TW_E_BUSY : empty;
    } else if (node_find(m, false, 0, r->e.off) != NULL) {
        return TW_E_BUSY;
    }
    int rc = fat_dir_remove(m, r->parent, &r->e, NULL);
    return rc == TW_OK && c != 0 ? fat_free_chain(m, c) : rc;
}

/* A moved directory's ".." names its new parent. */
static int fix_dotdot(struct fat_mount *m, uint32_t dir, uint32_t parent)
{
    uint8_t raw[FAT_SLOT_BYTES];
    uint64_t off = fat_clus_off(m, dir) + FAT_SLOT_BYTES;
    int rc = fat_slot_read(m, off, raw);
    if (rc != TW_OK || raw[DIR_Name] != '.' || raw[DIR_Name + 1] != '.')
        return rc != TW_OK ? rc : TW_E_IO;
    fat_entry_set_cluster(raw, parent == root_id(m) ? 0 : parent);
    return fat_slot_write(m, off, raw);
}

/*
 * Move from's entry to to: the new entry is written first, then the old one goes (and a
 * moved directory's ".." follows). When a step after the new entry fails, what the removal
 * marked is taken back and the new entry removed, so the file stays in exactly one
 * directory (its old one, unless the device fails the undo too).
 */
static int fs_rename(struct fat_mount *m, struct fat_res *from, struct fat_res *to)
{
    if (!from->found)
        return from->name_len == 0 ? TW_E_INVAL : TW_E_NOENT;
    if (to->found || to->name_len == 0)
        return TW_E_BUSY;
    bool dir = (from->e.raw[DIR_Attr] & FAT_ATTR_DIR) != 0;
    uint32_t c = fat_entry_cluster(m, from->e.raw);
    for (uint32_t i = 0; dir && i <= to->depth; i++)
        if (to->dirs[i] == c)
            return TW_E_INVAL; /* into itself */
    struct fat_node *open = dir ? NULL : node_find(m, false, 0, from->e.off);
    int rc = open != NULL ? fat_node_flush(open) : TW_OK;
    uint8_t raw[FAT_SLOT_BYTES];
    if (rc == TW_OK)
        rc = fat_slot_read(m, from->e.off, raw); /* with what the flush wrote */
    if (rc == TW_OK)
        rc = fat_dir_add(m, to->parent, to->name, to->name_len, raw, &to->e);
    if (rc != TW_OK)
        return rc;
    struct fat_removed undo;
    rc = fat_dir_remove(m, from->parent, &from->e, &undo);
    if (rc == TW_OK && dir && from->parent != to->parent && fat_clus_valid(m, c))
        rc = fix_dotdot(m, c, to->parent);
    if (rc != TW_OK) {
        int r = fat_dir_restore(m, from->parent, &from->e, &undo);
        if (fat_entry_in_dir(&from->e, &undo))
            r = fat_dir_remove(m, to->parent, &to->e, NULL);
        (void)r; /* the first error is the one to report */
        return rc;
    }
    if (open != NULL)
        open->ent_off = to->e.off;
    return TW_OK;
}

/* A path argument (the table bounds its length by FAT_MAX_PATH): relative, not empty. */
static int path_ok(const void *p, uint64_t len)
{
    return len == 0 || ((const char *)p)[0] == '/' ? TW_E_INVAL : TW_OK;
}

K_STATIC_ASSERT(FAT_MAX_PATH == 1024, "the operation table's path bound (FS_PATH_MAX) is ours");

/* TW_FS_MKDIR, TW_FS_UNLINK, TW_FS_RENAME on a directory: paths beneath it. */
static int64_t fat_fs_invoke(struct kobj *o, const struct kargs *a)
{
    struct fat_node *dir = as_file(o)->n;
    struct fat_mount *m = dir->m;
    uint32_t op = a->op->op;
    struct fat_res r1, r2;
    int rc = path_ok(a->buf[0], a->v[1]);
    if (rc == TW_OK && op == TW_FS_RENAME)
        rc = path_ok(a->buf[2], a->v[3]);
    if (rc == TW_OK)
        rc = resolve(m, dir->first, a->buf[0], (uint32_t)a->v[1], &r1);
    if (rc == TW_OK && op == TW_FS_RENAME)
        rc = resolve(m, dir->first, a->buf[2], (uint32_t)a->v[3], &r2);
    if (rc != TW_OK)
        return rc;
    switch (op) {
    case TW_FS_MKDIR:
        return fs_mkdir(m, &r1);
    case TW_FS_UNLINK:
        return fs_unlink(m, &r1);
    case TW_FS_RENAME:
        return fs_rename(m, &r1, &r2);
    default:
        return TW_E_NOTSUP;
    }
}
