/* SPDX-License-Identifier: MIT */
/*
 * user/servers/file_server.c - the file server: file://, the VFS, served from user space
 * (the kernel forwards every file:// open to it). It keeps a mount table of URLs; opening
 * file:///data/x resolves the path (lexically, never above "/"), finds the longest mount
 * point ("/data" -> "fat://[cache://[blk://disk0/]/]"), opens "<mount URL>/x" itself and
 * relays reads (directory records too: a READ answers up to TW_PROV_READ_MAX bytes),
 * writes, seeks and every invoke the operation table lets user providers take, as the
 * caller made it (integers, input buffers, an output buffer such as TW_FILE_STAT's). "file:///" is
 * the root: reading it lists the mount points; invoke TW_VFS_MOUNT / TW_VFS_UNMOUNT change the
 * table.
 *
 * args: "/POINT=URL ..." initial mounts; "idle=US" stop after US microseconds idle;
 * "stall_write=N stall_us=US": the N-th write request computes US microseconds after it wrote
 * and before it answers (a window for a test to kill the server mid-write). Under a
 * supervisor ("sup=NAME", docs/supervision.md) it serves the port it was given, marks reads
 * and tells safe to repeat, and tags its resource ids with the port's generation, so a
 * request of a dead incarnation never reaches a resource of this one.
 */
#include "../../core/klib.h"
#include "../programs.h"
#include "../twain.h"
#include "../ops.h"
#include "prov_serve.h"
#include "supervisor_proto.h"
#include "vfs_path.h"

/* Under a supervisor, the requests safe to repeat: reads and tells change no file (a
 * redelivered one names a resource of the dead incarnation, answered stale: open again). */
#define FS_REPEATABLE ((1ull << TW_PROV_READ) | (1ull << TW_PROV_TELL))

#define FS_MOUNTS  8
#define FS_RES     32
#define FS_URL_MAX 200
#define ROOT_RID   FS_RES /* the root directory's resource id (its index) */
#define RID_INDEX  0xffffu

struct mount {
    bool used;
    char point[64];
    char url[FS_URL_MAX];
};

struct fs {
    struct mount m[FS_MOUNTS];
    int32_t h[FS_RES]; /* backing handle per resource, -1 free */
    uint32_t root_pos; /* bytes of the mount listing already read */
    uint64_t tag;      /* in every resource id above RID_INDEX: this incarnation's (0 alone) */
    uint32_t writes;   /* WRITE requests so far */
    uint32_t stall_write;
    uint64_t stall_ns; /* the stall_write-th write computes this long before its answer */
};

static int64_t add_mount(struct fs *fs, const char *text, size_t len)
{
    size_t sep = 0;
    while (sep < len && text[sep] != ' ' && text[sep] != '=')
        sep++;
    char point[VFS_PATH_MAX];
    if (sep == len || vfs_normalize(text, sep, point) < 0 || k_strlen(point) >= 64)
        return TW_E_INVAL;
    size_t ulen = len - sep - 1;
    while (ulen > 0 && text[sep + ulen] == '/')
        ulen--; /* "fat://[...]/" and "fat://[...]" mount the same root */
    if (ulen == 0 || ulen >= FS_URL_MAX)
        return ulen == 0 ? TW_E_INVAL : TW_E_TOOBIG;
    struct mount *free = NULL;
    for (int i = 0; i < FS_MOUNTS; i++) {
        if (fs->m[i].used && k_streq(fs->m[i].point, point))
            return TW_E_BUSY;
        if (!fs->m[i].used && free == NULL)
            free = &fs->m[i];
    }
    if (free == NULL)
        return TW_E_LIMIT;
    free->used = true;
    k_memcpy(free->point, point, k_strlen(point) + 1);
    k_memcpy(free->url, text + sep + 1, ulen);
    free->url[ulen] = '\0';
    return TW_OK;
}

static int64_t del_mount(struct fs *fs, const char *text, size_t len)
{
    char point[VFS_PATH_MAX];
    if (vfs_normalize(text, len, point) < 0)
        return TW_E_INVAL;
    for (int i = 0; i < FS_MOUNTS; i++) {
        if (fs->m[i].used && k_streq(fs->m[i].point, point)) {
            fs->m[i].used = false;
            return TW_OK;
        }
    }
    return TW_E_NOENT;
}

/* The backing URL of path: mount URL + the rest; TW_E_NOENT when nothing is mounted. */
static int64_t resolve(const struct fs *fs, const char *path, char *url, size_t cap)
{
    const struct mount *best = NULL;
    for (int i = 0; i < FS_MOUNTS; i++) {
        const struct mount *m = &fs->m[i];
        if (m->used && vfs_under(path, m->point) &&
            (best == NULL || k_strlen(m->point) > k_strlen(best->point)))
            best = m;
    }
    if (best == NULL)
        return TW_E_NOENT;
    size_t plen = k_strlen(best->point);
    const char *rest = plen == 1 ? path : path + plen; /* "" or "/x/y" */
    size_t n = k_snprintf(url, cap, "%s%s", best->url, rest[0] != '\0' ? rest : "/");
    return n < cap ? (int64_t)n : TW_E_TOOBIG;
}

/* OPEN "file:///path": the root, or a backing resource opened through the mount. */
static int64_t fs_open(struct fs *fs, const struct tw_prov_req *req)
{
    static const char prefix[] = "file://";
    size_t plen = sizeof(prefix) - 1;
    if (req->len < plen + 1 || k_memcmp(req->data, prefix, plen) != 0 || req->data[plen] != '/')
        return TW_E_INVAL; /* file:// takes no host, port or nested URL */
    char path[VFS_PATH_MAX], url[FS_URL_MAX + VFS_PATH_MAX];
    size_t end = plen;
    while (end < req->len && req->data[end] != '?')
        end++;
    if (vfs_normalize((const char *)req->data + plen, end - plen, path) < 0)
        return TW_E_TOOBIG;
    if (k_streq(path, "/")) {
        fs->root_pos = 0;
        return (int64_t)(ROOT_RID | fs->tag);
    }
    int64_t n = resolve(fs, path, url, sizeof(url));
    if (n < 0)
        return n;
    int rid = 0;
    while (rid < FS_RES && fs->h[rid] >= 0)
        rid++;
    if (rid == FS_RES)
        return TW_E_LIMIT;
    int64_t h = tw_open_n(url, (size_t)n, req->flags & ~(uint32_t)TW_O_THREAD_LOCAL);
    if (h < 0)
        return h;
    fs->h[rid] = (int32_t)h;
    return (int64_t)((uint64_t)rid | fs->tag);
}

/* Reading the root lists the mount points, one per line. */
static int64_t root_read(struct fs *fs, const struct tw_prov_req *req, uint8_t *out)
{
    char list[FS_MOUNTS * 66];
    size_t n = 0;
    for (int i = 0; i < FS_MOUNTS; i++)
        if (fs->m[i].used)
            n += k_snprintf(list + n, sizeof(list) - n, "%s\n", fs->m[i].point);
    size_t left = n > fs->root_pos ? n - fs->root_pos : 0;
    size_t take = (size_t)K_MIN((uint64_t)left, (uint64_t)req->arg[0]);
    take = K_MIN(take, (size_t)TW_PROV_READ_MAX);
    k_memcpy(out, list + fs->root_pos, take);
    fs->root_pos += (uint32_t)take;
    return (int64_t)take;
}

static int64_t root_request(struct fs *fs, const struct tw_prov_req *req, uint8_t *out)
{
    switch (req->op) {
    case TW_PROV_READ:
        return root_read(fs, req, out);
    case TW_PROV_INVOKE: {
        uint64_t a[4];
        int64_t rc = prov_invoke_args(req, out, a);
        if (rc != TW_OK)
            return rc;
        if (req->arg[0] == TW_VFS_MOUNT)
            return add_mount(fs, (const char *)(uintptr_t)a[0], (size_t)a[1]);
        if (req->arg[0] == TW_VFS_UNMOUNT)
            return del_mount(fs, (const char *)(uintptr_t)a[0], (size_t)a[1]);
        return TW_E_NOTSUP;
    }
    case TW_PROV_CLOSE:
        return TW_OK;
    default:
        return TW_E_NOTSUP;
    }
}

/* Relay an INVOKE to backing handle h as the caller made it (unmarshalled by the table);
 * an output buffer's bytes land in out, which the reply carries back. */
static int64_t relay_invoke(int32_t h, const struct tw_prov_req *req, uint8_t *out)
{
    uint64_t a[4];
    int64_t rc = prov_invoke_args(req, out, a);
    if (rc != TW_OK)
        return rc;
    return tw_invoke(h, (uint32_t)req->arg[0], a[0], a[1], a[2], a[3]);
}

static int64_t fs_handle(void *ctx, const struct tw_prov_req *req, uint8_t *out)
{
    struct fs *fs = ctx;
    if (req->op == TW_PROV_OPEN)
        return fs_open(fs, req);
    if ((req->rid & ~(uint64_t)RID_INDEX) != fs->tag)
        return TW_E_STALE; /* opened through an incarnation that ended (a redelivered request) */
    uint64_t rid = req->rid & RID_INDEX;
    if (rid == ROOT_RID)
        return root_request(fs, req, out);
    if (rid >= FS_RES || fs->h[rid] < 0)
        return TW_E_BADH;
    int32_t h = fs->h[rid];
    switch (req->op) {
    case TW_PROV_READ:
        return tw_read(h, out, (size_t)K_MIN((uint64_t)req->arg[0], (uint64_t)TW_PROV_READ_MAX));
    case TW_PROV_WRITE: {
        int64_t n = tw_write(h, req->data, K_MIN(req->len, (uint32_t)TW_PROV_REQ_DATA));
        if (++fs->writes == fs->stall_write && fs->stall_ns > 0)
            tw_compute_ns(fs->stall_ns); /* written, not yet answered: a test's window */
        return n;
    }
    case TW_PROV_SEEK:
        return tw_seek(h, req->arg[0], (int)req->arg[1]);
    case TW_PROV_TELL:
        return tw_tell(h);
    case TW_PROV_INVOKE:
        return relay_invoke(h, req, out);
    case TW_PROV_CLOSE:
        fs->h[rid] = -1;
        return tw_close(h);
    default:
        return TW_E_NOTSUP;
    }
}

int64_t file_server_main(const char *args, size_t len)
{
    static const char port[] = "chan://file-server?listen";
    char url[sizeof(port)];
    k_memcpy(url, port, sizeof(port));
    struct fs fs;
    k_memset(&fs, 0, sizeof(fs));
    for (int i = 0; i < FS_RES; i++)
        fs.h[i] = -1;
    for (size_t i = 0; i < len;) { /* initial mounts: "/point=URL" words */
        size_t end = i;
        while (end < len && args[end] != ' ')
            end++;
        if (args[i] == '/' && add_mount(&fs, args + i, end - i) != TW_OK)
            return TW_E_INVAL;
        i = end + 1;
    }
    int64_t idle = tw_program_arg(args, len, "idle", 0);
    fs.stall_write = (uint32_t)tw_program_arg(args, len, "stall_write", 0);
    fs.stall_ns = (uint64_t)tw_program_arg(args, len, "stall_us", 0) * 1000;
    const char *v;
    size_t vn;
    if (sup_word(args, len, "sup", &v, &vn)) { /* tag resource ids with the incarnation */
        int64_t gen = tw_port_generation(SUP_HANDLE_PORT);
        fs.tag = gen >= 0 ? ((uint64_t)(gen & 0xffffff) + 1) << 16 : 0;
    }
    int64_t rc = prov_serve_sup(url, "file", args, len, FS_REPEATABLE, idle, fs_handle, &fs);
    for (int i = 0; i < FS_RES; i++)
        if (fs.h[i] >= 0)
            tw_close(fs.h[i]);
    return rc;
}
