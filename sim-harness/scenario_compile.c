/* SPDX-License-Identifier: MIT */
/*
 * sim-harness/scenario_compile.c - JSON scenario -> binary scenario (host side, cJSON).
 *
 * The language is DESIGN.md section 6 and docs/scenario-format.md; the binary layout is
 * user/scenario_bc.h. Every problem is reported once, with the JSON path of the offender
 * (or line:column for JSON syntax), and nothing is silently ignored: unknown keys, wrong
 * types, non-integers, out-of-range numbers, bad URLs, text that is not UTF-8 or holds a
 * NUL, handle names no earlier step binds. The output is decoded with scn_decode before it
 * is returned, so a blob from here is always one the interpreter accepts.
 *
 * Script bodies (repeat, spawn) are compiled by bounded recursion: the language caps their
 * nesting at SCN_MAX_DEPTH, checked before each descent.
 */
#include "scenario_compile.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/abi.h"
#include "../core/url.h"
#include "../user/errnames.h"
#include "../user/programs.h"
#include "../user/scenario.h"
#include "../user/scenario_bc.h"
#include "../user/twain.h"

_Static_assert(SCN_MAX_URL == URL_MAX_LEN, "the language's URL limit is the parser's");

#define PATH_MAX_LEN 512
#define KEY_SHOWN    64         /* bytes of a key shown in a path */
#define FILE_MAX     (4u << 20) /* bytes of JSON text accepted */
#define NUL_MARK     "\xc0\x80" /* what a \u0000 escape becomes before cJSON sees it */
#define DEFAULT_PRIO 10

/* A growing byte buffer, capped at the blob limit. */
struct buf {
    uint8_t *p;
    size_t len;
    size_t cap;
};

/* One task as the compiler builds it. */
struct ctask {
    const char *name;
    size_t name_len;
    struct scn_str name_ref;
    uint32_t priority;
    uint32_t code_off; /* in the code buffer */
    uint32_t code_len;
    uint32_t nsteps;
    uint32_t nspawn;
    uint32_t paths_cap;
    uint8_t flags;        /* SCN_TASK_RAW_MEMORY */
    uint8_t nthreads;     /* "threads": bodies; 0 for a script */
    uint8_t boot_threads; /* "boot_threads" */
    bool raw_off;         /* "raw_memory": false */
};

/* The compiler's state for one scenario. */
struct cc {
    const char *file;
    char *err;
    size_t errlen;
    char path[PATH_MAX_LEN];
    size_t plen;
    struct scn_compiled *out;
    struct buf strtab;
    struct buf code;
    uint8_t hdr[SCN_HDR_SIZE]; /* name, seed and config filled as they are compiled */
    uint32_t ntasks;
    struct ctask *cur; /* the task whose script is being compiled */
    uint32_t nnames;   /* its handle names bound so far (program order) */
    char names[SCN_MAX_SLOTS][SCN_MAX_NAME];
    struct ctask tasks[SCN_MAX_TASKS];
    uint32_t nfaults;
    struct {
        uint64_t at_ns;
        uint32_t task;
    } faults[SCN_MAX_FAULTS];
    struct cexpect {
        uint32_t flags;
        uint32_t nexit;
        uint32_t ncontains;
        uint32_t norder;
        uint64_t max_ns;
        uint64_t min_ns;
        struct {
            uint32_t task;
            int32_t status;
        } exit[SCN_MAX_TASKS];
        struct scn_str contains[SCN_MAX_CONTAINS];
        uint32_t order[SCN_MAX_TASKS];
    } ex;
};

/* ---- little-endian output ---- */

static void wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void wr32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void wr64(uint8_t *p, uint64_t v)
{
    wr32(p, (uint32_t)v);
    wr32(p + 4, (uint32_t)(v >> 32));
}

/* ---- errors and JSON paths ---- */

static int fail(struct cc *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct cc *c, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (c->plen == 0)
        snprintf(c->err, c->errlen, "%s: %s", c->file, msg);
    else
        snprintf(c->err, c->errlen, "%s: %s: %s", c->file, c->path, msg);
    return -1;
}

static void path_add(struct cc *c, const char *text)
{
    int n = snprintf(c->path + c->plen, sizeof(c->path) - c->plen, "%s", text);
    c->plen = n < 0 ? c->plen : strlen(c->path);
}

/* Append ".key" (the key shown printable and cut); returns the length to pop back to. */
static size_t push_key(struct cc *c, const char *key)
{
    size_t mark = c->plen;
    char shown[KEY_SHOWN + 4];
    size_t n = 0;
    for (size_t i = 0; key[i] != '\0' && n < KEY_SHOWN; i++) {
        unsigned char ch = (unsigned char)key[i];
        shown[n++] = (ch < 0x20 || ch >= 0x7f) ? '?' : (char)ch; /* keys are ASCII */
    }
    if (key[n] != '\0' && n == KEY_SHOWN) {
        memcpy(shown + n, "...", 3);
        n += 3;
    }
    shown[n] = '\0';
    if (c->plen > 0)
        path_add(c, ".");
    path_add(c, shown);
    return mark;
}

static size_t push_index(struct cc *c, int i)
{
    size_t mark = c->plen;
    char idx[16];
    snprintf(idx, sizeof(idx), "[%d]", i);
    path_add(c, idx);
    return mark;
}

static void pop(struct cc *c, size_t mark)
{
    c->plen = mark;
    c->path[mark] = '\0';
}

/* s made safe for a one-line message: printable ASCII, cut to fit buf. */
static const char *shown(const char *s, char *buf, size_t cap)
{
    size_t n = 0;
    for (; s[n] != '\0' && n + 4 < cap; n++)
        buf[n] = (unsigned char)s[n] < 0x20 || (unsigned char)s[n] >= 0x7f ? '?' : s[n];
    if (s[n] != '\0')
        memcpy(buf + n, "...", 3), n += 3;
    buf[n] = '\0';
    return buf;
}

/* ---- checked access to JSON values ---- */

static bool in_list(const char *s, const char *const *list)
{
    for (size_t i = 0; list[i] != NULL; i++) {
        if (strcmp(s, list[i]) == 0)
            return true;
    }
    return false;
}

static void join(char *dst, size_t cap, const char *const *list)
{
    size_t n = 0;
    dst[0] = '\0';
    for (size_t i = 0; list[i] != NULL && n < cap; i++)
        n += (size_t)snprintf(dst + n, cap - n, "%s%s", i > 0 ? ", " : "", list[i]);
}

/* obj must be an object whose keys are all in allowed, none twice. */
static int check_object(struct cc *c, const cJSON *obj, const char *const *allowed)
{
    if (!cJSON_IsObject(obj))
        return fail(c, "must be an object");
    for (const cJSON *k = obj->child; k != NULL; k = k->next) {
        if (allowed != NULL && !in_list(k->string, allowed)) {
            char keys[200];
            join(keys, sizeof(keys), allowed);
            push_key(c, k->string);
            return fail(c, "unknown key (allowed: %s)", keys);
        }
        for (const cJSON *p = obj->child; p != k; p = p->next) {
            if (strcmp(p->string, k->string) == 0) {
                push_key(c, k->string);
                return fail(c, "duplicate key");
            }
        }
    }
    return 0;
}

static int int_at(struct cc *c, const cJSON *v, int64_t min, int64_t max, int64_t *out)
{
    double d = cJSON_IsNumber(v) ? v->valuedouble : NAN;
    if (!isfinite(d) || d < (double)min || d > (double)max || d != floor(d))
        return fail(c, "must be an integer %lld..%lld", (long long)min, (long long)max);
    *out = (int64_t)d;
    return 0;
}

/* obj.key as an integer in min..max; dflt NULL makes the key required. */
static int get_int(struct cc *c, const cJSON *obj, const char *key, int64_t min, int64_t max,
                   const int64_t *dflt, int64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (v == NULL) {
        if (dflt == NULL)
            return fail(c, "missing key \"%s\"", key);
        *out = *dflt;
        return 0;
    }
    size_t mark = push_key(c, key);
    if (int_at(c, v, min, max, out) != 0)
        return -1;
    pop(c, mark);
    return 0;
}

static int get_u64(struct cc *c, const cJSON *obj, const char *key, int64_t min, int64_t max,
                   int64_t dflt, uint64_t *out)
{
    int64_t v;
    if (get_int(c, obj, key, min, max, &dflt, &v) != 0)
        return -1;
    *out = (uint64_t)v;
    return 0;
}

/* v (at the current path) as text of min..max bytes: a string, UTF-8, no NUL. */
static int text_at(struct cc *c, const cJSON *v, size_t min, size_t max, const char **s,
                   size_t *len)
{
    if (!cJSON_IsString(v) || v->valuestring == NULL)
        return fail(c, "must be a string");
    *s = v->valuestring;
    *len = strlen(v->valuestring);
    if (strstr(*s, NUL_MARK) != NULL)
        return fail(c, "contains a NUL character");
    if (!scn_text_ok((const uint8_t *)*s, *len))
        return fail(c, "is not valid UTF-8");
    if (*len < min || *len > max)
        return fail(c, "must be %zu..%zu bytes long (is %zu)", min, max, *len);
    return 0;
}

/* obj.key as text; when absent, fails if required, else *s = NULL. */
static int get_text(struct cc *c, const cJSON *obj, const char *key, size_t min, size_t max,
                    bool required, const char **s, size_t *len)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    *s = NULL;
    *len = 0;
    if (v == NULL)
        return required ? fail(c, "missing key \"%s\"", key) : 0;
    size_t mark = push_key(c, key);
    if (text_at(c, v, min, max, s, len) != 0)
        return -1;
    pop(c, mark);
    return 0;
}

/* One of names[] (NULL-terminated) at v; its index in *out. */
static int enum_at(struct cc *c, const cJSON *v, const char *const *names, uint32_t *out)
{
    if (cJSON_IsString(v) && v->valuestring != NULL) {
        for (uint32_t i = 0; names[i] != NULL; i++) {
            if (strcmp(v->valuestring, names[i]) == 0) {
                *out = i;
                return 0;
            }
        }
    }
    char list[200];
    join(list, sizeof(list), names);
    return fail(c, "must be one of: %s", list);
}

static int get_enum(struct cc *c, const cJSON *obj, const char *key, const char *const *names,
                    uint32_t dflt, uint32_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = dflt;
    if (v == NULL)
        return 0;
    size_t mark = push_key(c, key);
    if (enum_at(c, v, names, out) != 0)
        return -1;
    pop(c, mark);
    return 0;
}

/* An array of names[] at obj.key as a bit mask (bit i for names[i]); dflt when absent. */
static int get_mask(struct cc *c, const cJSON *obj, const char *key, const char *const *names,
                    bool required, uint32_t dflt, uint32_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = dflt;
    if (v == NULL)
        return required ? fail(c, "missing key \"%s\"", key) : 0;
    size_t mark = push_key(c, key);
    if (!cJSON_IsArray(v) || (required && cJSON_GetArraySize(v) == 0))
        return fail(c, required ? "must be a non-empty array" : "must be an array");
    *out = 0;
    int i = 0;
    for (const cJSON *e = v->child; e != NULL; e = e->next, i++) {
        uint32_t bit;
        size_t m2 = push_index(c, i);
        if (enum_at(c, e, names, &bit) != 0)
            return -1;
        if ((*out & (1u << bit)) != 0)
            return fail(c, "listed twice");
        *out |= 1u << bit;
        pop(c, m2);
    }
    pop(c, mark);
    return 0;
}

static int get_bool(struct cc *c, const cJSON *obj, const char *key, bool *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = false;
    if (v == NULL)
        return 0;
    if (!cJSON_IsBool(v)) {
        push_key(c, key);
        return fail(c, "must be true or false");
    }
    *out = cJSON_IsTrue(v);
    return 0;
}

/* obj.key must be an array of min..max elements. */
static int get_array(struct cc *c, const cJSON *obj, const char *key, int min, int max,
                     bool required, const cJSON **out)
{
    *out = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (*out == NULL)
        return required ? fail(c, "missing key \"%s\"", key) : 0;
    int n = cJSON_GetArraySize(*out);
    if (!cJSON_IsArray(*out) || n < min || n > max) {
        push_key(c, key);
        return fail(c, "must be an array of %d..%d elements", min, max);
    }
    return 0;
}

/* ---- output buffers and the string table ---- */

static int buf_put(struct cc *c, struct buf *b, const void *p, size_t n)
{
    if (b->len + n > SCN_MAX_BLOB)
        return fail(c, "compiled scenario larger than %u bytes", SCN_MAX_BLOB);
    if (b->len + n > b->cap) {
        size_t cap = b->cap == 0 ? 1024 : b->cap;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *q = realloc(b->p, cap);
        if (q == NULL)
            return fail(c, "out of memory");
        b->p = q;
        b->cap = cap;
    }
    if (n > 0)
        memcpy(b->p + b->len, p, n);
    b->len += n;
    return 0;
}

/* Intern s[0..len): reuse any earlier occurrence in the table, else append it. */
static int add_str(struct cc *c, const char *s, size_t len, struct scn_str *ref)
{
    const struct buf *t = &c->strtab;
    for (size_t i = 0; len > 0 && i + len <= t->len; i++) {
        if (memcmp(t->p + i, s, len) == 0) {
            *ref = (struct scn_str){(uint32_t)i, (uint32_t)len};
            return 0;
        }
    }
    *ref = (struct scn_str){(uint32_t)t->len, (uint32_t)len};
    if (len == 0)
        ref->off = 0;
    return buf_put(c, &c->strtab, s, len);
}

/* Text at obj.key into the string table; *present false when the optional key is absent. */
static int get_str(struct cc *c, const cJSON *obj, const char *key, size_t min, size_t max,
                   bool required, struct scn_str *ref, bool *present)
{
    const char *s;
    size_t len;
    *ref = (struct scn_str){0, 0};
    if (get_text(c, obj, key, min, max, required, &s, &len) != 0)
        return -1;
    if (present != NULL)
        *present = s != NULL;
    return s == NULL ? 0 : add_str(c, s, len, ref);
}

/* ---- handle names ---- */

static int slot_of(const struct cc *c, const char *s)
{
    for (uint32_t i = 0; i < c->nnames; i++) {
        if (strcmp(c->names[i], s) == 0)
            return (int)i;
    }
    return -1;
}

/* A handle name at v (the current path) that an earlier step bound, or "self". */
static int use_at(struct cc *c, const cJSON *v, bool self_ok, uint8_t *slot)
{
    const char *s;
    size_t len;
    char sbuf[48];
    if (text_at(c, v, 1, SCN_MAX_NAME - 1, &s, &len) != 0)
        return -1;
    if (strcmp(s, "self") == 0) {
        if (!self_ok)
            return fail(c, "\"self\" cannot be used here");
        *slot = SCN_SLOT_SELF;
        return 0;
    }
    int i = slot_of(c, s);
    if (i < 0)
        return fail(c, "handle \"%s\" is not bound by any earlier step",
                    shown(s, sbuf, sizeof(sbuf)));
    *slot = (uint8_t)i;
    return 0;
}

/* A handle name at v to bind: its slot, allocated on first use. */
static int bind_at(struct cc *c, const cJSON *v, uint8_t *slot)
{
    const char *s;
    size_t len;
    if (text_at(c, v, 1, SCN_MAX_NAME - 1, &s, &len) != 0)
        return -1;
    if (strcmp(s, "self") == 0)
        return fail(c, "\"self\" is predefined and cannot be bound");
    if (!scn_name_ok((const uint8_t *)s, len))
        return fail(c, "handle names are 1..%u characters of A-Z a-z 0-9 _ -", SCN_MAX_NAME - 1);
    int i = slot_of(c, s);
    if (i < 0) {
        if (c->nnames == SCN_MAX_SLOTS)
            return fail(c, "more than %u handle names in one task", SCN_MAX_SLOTS);
        i = (int)c->nnames++;
        memcpy(c->names[i], s, len + 1);
    }
    *slot = (uint8_t)i;
    return 0;
}

/* obj.key (required) as a handle to use (bind false) or to bind (bind true). */
static int get_handle(struct cc *c, const cJSON *obj, const char *key, bool bind, uint8_t *slot)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (v == NULL)
        return fail(c, "missing key \"%s\"", key);
    size_t mark = push_key(c, key);
    if ((bind ? bind_at(c, v, slot) : use_at(c, v, true, slot)) != 0)
        return -1;
    pop(c, mark);
    return 0;
}

/* obj.key (required): an array of 1..max handle names into slots[], *n of them. */
static int get_handles(struct cc *c, const cJSON *obj, const char *key, uint32_t max, bool bind,
                       bool self_ok, uint8_t *slots, uint32_t *n)
{
    const cJSON *arr;
    if (get_array(c, obj, key, 1, (int)max, true, &arr) != 0)
        return -1;
    size_t mark = push_key(c, key);
    *n = 0;
    for (const cJSON *e = arr->child; e != NULL; e = e->next) {
        size_t m2 = push_index(c, (int)*n);
        int rc = bind ? bind_at(c, e, &slots[*n]) : use_at(c, e, self_ok, &slots[*n]);
        if (rc != 0)
            return -1;
        pop(c, m2);
        (*n)++;
    }
    for (uint32_t i = *n; i < SCN_MAX_XFER; i++)
        slots[i] = SCN_SLOT_NONE;
    pop(c, mark);
    return 0;
}

/* ---- the steps ---- */

static const char *const signal_names[] = {"readable", "writable", "peer_closed",
                                           "signaled", "exited",   NULL};
static const char *const right_names[] = {"read", "write",    "invoke",    "wait",
                                          "seek", "transfer", "duplicate", NULL};
static const char *const open_flag_names[] = {"nonblock", "thread_local", "create", "trunc", NULL};
static const char *const whence_names[] = {"set", "cur", "end", NULL};
static const char *const invoke_names[] = {"timer_set_interval_ms",
                                           "timer_set_interval_ns",
                                           "timer_fired",
                                           "timer_cancel",
                                           "chan_pending",
                                           "yield",
                                           "sys_mem_freed",
                                           "sys_mem_free_pages",
                                           "blk_size",
                                           "blk_flush",
                                           "cache_hits",
                                           "cache_misses",
                                           "cache_blocks",
                                           "cache_dirty",
                                           "cache_shrink",
                                           "cache_reset_stats",
                                           "file_truncate",
                                           "fs_mkdir",
                                           "fs_unlink",
                                           "fs_rename",
                                           "vfs_mount",
                                           "vfs_unmount",
                                           NULL};
static const uint32_t invoke_ops[] = {TW_TIMER_SET_INTERVAL_MS,
                                      TW_TIMER_SET_INTERVAL_NS,
                                      TW_TIMER_FIRED,
                                      TW_TIMER_CANCEL,
                                      TW_CHAN_PENDING,
                                      TW_TASK_YIELD,
                                      TW_SYS_MEM_FREED,
                                      TW_SYS_MEM_FREE_PAGES,
                                      TW_BLK_SIZE,
                                      TW_BLK_FLUSH,
                                      TW_CACHE_HITS,
                                      TW_CACHE_MISSES,
                                      TW_CACHE_BLOCKS,
                                      TW_CACHE_DIRTY,
                                      TW_CACHE_SHRINK,
                                      TW_CACHE_RESET_STATS,
                                      TW_FILE_TRUNCATE,
                                      TW_FS_MKDIR,
                                      TW_FS_UNLINK,
                                      TW_FS_RENAME,
                                      TW_VFS_MOUNT,
                                      TW_VFS_UNMOUNT};

_Static_assert(TW_SIG_READABLE == 1 && TW_SIG_EXITED == 16, "signal_names order is bit order");
_Static_assert(TW_RIGHT_READ == 1 && TW_RIGHT_DUPLICATE == 64, "right_names order is bit order");
_Static_assert(TW_O_NONBLOCK == 1 && TW_O_THREAD_LOCAL == 2 && TW_O_CREATE == 4 && TW_O_TRUNC == 8,
               "open_flag_names is bit order");
_Static_assert(TW_SEEK_SET == 0 && TW_SEEK_CUR == 1 && TW_SEEK_END == 2, "whence order");

static int get_timeout(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    if (cJSON_GetObjectItemCaseSensitive(s, "timeout_us") == NULL)
        return 0;
    if (get_u64(c, s, "timeout_us", 0, (int64_t)SCN_MAX_US, 0, &in->ns) != 0)
        return -1;
    in->ns *= 1000;
    in->flags |= SCN_F_TIMEOUT;
    return 0;
}

static int op_open(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    const char *url;
    size_t len;
    struct url_parsed parsed;
    struct url_error uerr;
    if (get_text(c, s, "url", 1, SCN_MAX_URL, true, &url, &len) != 0)
        return -1;
    /* A step that expects "syntax" exists to hand the kernel a malformed URL. */
    bool want_syntax = (in->flags & SCN_F_EXPECT_ERR) != 0 && in->expect_err == TW_E_SYNTAX;
    if (!want_syntax && url_parse(url, len, &parsed, &uerr) != 0) {
        push_key(c, "url");
        return fail(c, "bad URL at byte %u: %s", uerr.offset, uerr.reason);
    }
    if (add_str(c, url, len, &in->str) != 0 || get_handle(c, s, "as", true, &in->as) != 0)
        return -1;
    return get_mask(c, s, "flags", open_flag_names, false, 0, &in->arg);
}

static int op_read(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    int64_t len, dflt = SCN_MAX_DATA;
    bool present;
    if (get_handle(c, s, "handle", false, &in->slot) != 0 ||
        get_int(c, s, "len", 1, SCN_MAX_DATA, &dflt, &len) != 0)
        return -1;
    in->arg = (uint32_t)len;
    if (get_str(c, s, "expect", 0, in->arg, false, &in->str, &present) != 0)
        return -1;
    if (present)
        in->flags |= SCN_F_EXPECT;
    return get_timeout(c, s, in);
}

static int op_write(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    if (get_handle(c, s, "handle", false, &in->slot) != 0)
        return -1;
    return get_str(c, s, "data", 0, SCN_MAX_DATA, true, &in->str, NULL);
}

static int op_send_handles(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    if (get_handle(c, s, "handle", false, &in->slot) != 0 ||
        get_str(c, s, "data", 0, SCN_MAX_DATA, false, &in->str, NULL) != 0)
        return -1;
    return get_handles(c, s, "handles", SCN_MAX_XFER, false, false, in->hs, &in->n);
}

static int op_recv_handles(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    bool present;
    if (get_handle(c, s, "handle", false, &in->slot) != 0 ||
        get_str(c, s, "expect", 0, SCN_MAX_DATA, false, &in->str, &present) != 0)
        return -1;
    if (present)
        in->flags |= SCN_F_EXPECT;
    return get_handles(c, s, "as", SCN_MAX_XFER, true, false, in->hs, &in->n);
}

static int op_close(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    return get_handle(c, s, "handle", false, &in->slot);
}

static int op_take_peer(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    if (get_handle(c, s, "handle", false, &in->slot) != 0)
        return -1;
    return get_handle(c, s, "as", true, &in->as);
}

static int op_dup(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    if (get_handle(c, s, "handle", false, &in->slot) != 0 ||
        get_mask(c, s, "rights", right_names, false, TW_RIGHTS_ALL, &in->arg) != 0)
        return -1;
    return get_handle(c, s, "as", true, &in->as);
}

/* An optional integer result to compare: "expect". */
static int get_expect_value(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    if (cJSON_GetObjectItemCaseSensitive(s, "expect") == NULL)
        return 0;
    int64_t zero = 0;
    if (get_int(c, s, "expect", -(int64_t)SCN_MAX_US, (int64_t)SCN_MAX_US, &zero, &in->value))
        return -1;
    in->flags |= SCN_F_EXPECT;
    return 0;
}

static int op_invoke(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    uint32_t which;
    const cJSON *args;
    if (get_handle(c, s, "handle", false, &in->slot) != 0)
        return -1;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(s, "operation");
    if (v == NULL)
        return fail(c, "missing key \"operation\"");
    size_t mark = push_key(c, "operation");
    if (enum_at(c, v, invoke_names, &which) != 0)
        return -1;
    pop(c, mark);
    in->arg = invoke_ops[which];
    bool data, data2;
    if (get_str(c, s, "data", 0, SCN_MAX_DATA, false, &in->str, &data) != 0 ||
        get_str(c, s, "data2", 1, SCN_MAX_DATA, false, &in->str2, &data2) != 0)
        return -1;
    if (data2 && (!data || in->str.len == 0))
        return fail(c, "\"data2\" needs a non-empty \"data\" before it");
    int max_args = data2 ? 0 : data ? (int)SCN_MAX_ARGS - 2 : (int)SCN_MAX_ARGS;
    if (get_array(c, s, "args", 0, max_args, false, &args) != 0)
        return -1;
    mark = push_key(c, "args");
    for (const cJSON *e = args != NULL ? args->child : NULL; e != NULL; e = e->next) {
        size_t m2 = push_index(c, (int)in->index);
        if (int_at(c, e, -(int64_t)SCN_MAX_US, (int64_t)SCN_MAX_US, &in->args[in->index]) != 0)
            return -1;
        pop(c, m2);
        in->index++;
    }
    pop(c, mark);
    return get_expect_value(c, s, in);
}

static int op_wait(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    if (get_handle(c, s, "handle", false, &in->slot) != 0 ||
        get_mask(c, s, "signals", signal_names, true, 0, &in->arg) != 0)
        return -1;
    return get_timeout(c, s, in);
}

static int op_poll(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    if (get_handles(c, s, "handles", SCN_MAX_POLL, false, true, in->hs, &in->n) != 0 ||
        get_mask(c, s, "signals", signal_names, true, 0, &in->arg) != 0 ||
        get_timeout(c, s, in) != 0)
        return -1;
    if (cJSON_GetObjectItemCaseSensitive(s, "as") == NULL)
        return 0;
    return get_handle(c, s, "as", true, &in->as);
}

static int op_seek(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    if (get_handle(c, s, "handle", false, &in->slot) != 0 ||
        get_int(c, s, "offset", -(int64_t)SCN_MAX_US, (int64_t)SCN_MAX_US, NULL, &in->value) != 0)
        return -1;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(s, "whence");
    if (v == NULL)
        return fail(c, "missing key \"whence\"");
    size_t mark = push_key(c, "whence");
    if (enum_at(c, v, whence_names, &in->arg) != 0)
        return -1;
    pop(c, mark);
    return 0;
}

static int op_tell(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    if (get_handle(c, s, "handle", false, &in->slot) != 0)
        return -1;
    return get_expect_value(c, s, in);
}

static int op_time(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    int64_t us;
    if (get_int(c, s, "us", 0, (int64_t)SCN_MAX_US, NULL, &us) != 0)
        return -1;
    in->ns = (uint64_t)us * 1000;
    return 0;
}

static int op_none(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    (void)c;
    (void)s;
    (void)in;
    return 0;
}

static int op_print(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    return get_str(c, s, "text", 0, SCN_MAX_PRINT, true, &in->str, NULL);
}

/* run {program, args?}: stored as one string, "program" or "program args". */
static int op_run(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    const char *name, *args;
    size_t len, alen;
    if (get_text(c, s, "program", 1, SCN_MAX_NAME - 1, true, &name, &len) != 0 ||
        get_text(c, s, "args", 0, SCN_MAX_PRINT - SCN_MAX_NAME, false, &args, &alen) != 0)
        return -1;
    if (tw_program_find(name, len) == NULL)
        return fail(c, "program: no program named \"%.*s\"", (int)len, name);
    char joined[SCN_MAX_PRINT + 1];
    int n = snprintf(joined, sizeof(joined), "%.*s%s%.*s", (int)len, name, args ? " " : "",
                     args ? (int)alen : 0, args ? args : "");
    return add_str(c, joined, (size_t)n, &in->str);
}

static int op_repeat(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    int64_t n;
    if (get_int(c, s, "count", 1, SCN_MAX_REPEAT, NULL, &n) != 0)
        return -1;
    in->arg = (uint32_t)n;
    return 0;
}

static int op_spawn(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    int64_t prio, dflt = c->cur->priority;
    if (get_int(c, s, "priority", 0, SCN_MAX_PRIORITY, &dflt, &prio) != 0)
        return -1;
    in->arg = (uint32_t)prio;
    return 0;
}

static int op_expect(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    static const char *const kinds[] = {"time_lt_us", "time_ge_us", "last"};
    int found = -1;
    for (int k = 0; k < 3; k++) {
        if (cJSON_GetObjectItemCaseSensitive(s, kinds[k]) == NULL)
            continue;
        if (found >= 0)
            return fail(c, "takes only one of \"%s\" and \"%s\"", kinds[found], kinds[k]);
        found = k;
    }
    if (found < 0)
        return fail(c, "needs one of \"time_lt_us\", \"time_ge_us\", \"last\"");
    in->arg = (uint32_t)found;
    if (found == SCN_EXP_LAST)
        return get_str(c, s, "last", 0, SCN_MAX_DATA, true, &in->str, NULL);
    if (get_u64(c, s, kinds[found], 0, (int64_t)SCN_MAX_US, 0, &in->ns) != 0)
        return -1;
    in->ns *= 1000;
    return 0;
}

/* readdir {handle, expect?}: the expected names become one listing, "name\n" per entry. */
static int op_readdir(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    const cJSON *names;
    if (get_handle(c, s, "handle", false, &in->slot) != 0 ||
        get_array(c, s, "expect", 0, (int)SCN_MAX_LISTING / 2, false, &names) != 0)
        return -1;
    if (names == NULL)
        return 0;
    char listing[SCN_MAX_LISTING];
    size_t n = 0;
    size_t mark = push_key(c, "expect");
    int i = 0;
    for (const cJSON *e = names->child; e != NULL; e = e->next, i++) {
        const char *name;
        size_t len;
        size_t m2 = push_index(c, i);
        if (text_at(c, e, 1, SCN_MAX_PRINT, &name, &len) != 0)
            return -1;
        if (memchr(name, '\n', len) != NULL)
            return fail(c, "a name holds no newline");
        if (n + len + 1 > sizeof(listing))
            return fail(c, "listing longer than %u bytes", SCN_MAX_LISTING);
        memcpy(listing + n, name, len);
        n += len;
        listing[n++] = '\n';
        pop(c, m2);
    }
    pop(c, mark);
    in->flags |= SCN_F_EXPECT;
    return add_str(c, listing, n, &in->str);
}

/* ---- the syscall step ---- */

static const char *const call_names[] = {"open", "close", "read", "write", "invoke",
                                         "poll", "wait",  "seek", "tell",  NULL};
_Static_assert(TW_SYS_OPEN == 0 && TW_SYS_TELL == 8, "call_names is the system-call order");

/* A 64-bit value at v: an integer of at most 2^53-1 in size, or "0x" and 1..16 hex digits. */
static int u64_at(struct cc *c, const cJSON *v, uint64_t *out)
{
    if (cJSON_IsString(v) && v->valuestring != NULL) {
        const char *h = v->valuestring;
        size_t n = strlen(h);
        if (n < 3 || n > 18 || h[0] != '0' || h[1] != 'x' ||
            strspn(h + 2, "0123456789abcdef") != n - 2)
            return fail(c, "must be an integer or \"0x\" and 1..16 lower-case hex digits");
        *out = strtoull(h + 2, NULL, 16);
        return 0;
    }
    int64_t i;
    if (int_at(c, v, -(int64_t)SCN_MAX_US, (int64_t)SCN_MAX_US, &i) != 0)
        return -1;
    *out = (uint64_t)i;
    return 0;
}

/* {"stack": off}, {"heap": off}, {"entry": N} or {"entry_arg": N}: one key, an integer. */
static int sys_arg_object(struct cc *c, const cJSON *v, uint8_t *kind, int64_t *value)
{
    static const char *const keys[] = {"stack", "heap", "entry", "entry_arg", NULL};
    static const uint8_t kinds[] = {SCN_ARG_STACK, SCN_ARG_HEAP, SCN_ARG_ENTRY, SCN_ARG_ENTRY_ARG};
    if (check_object(c, v, keys) != 0)
        return -1;
    if (cJSON_GetArraySize(v) != 1)
        return fail(c, "must have exactly one of \"stack\", \"heap\", \"entry\", \"entry_arg\"");
    uint32_t k = 0;
    while (strcmp(keys[k], v->child->string) != 0)
        k++;
    int64_t threads = c->cur->nthreads > 0 ? c->cur->nthreads : 1;
    int64_t min[] = {-(int64_t)SCN_SYS_BELOW, 0, 0, 0};
    int64_t max[] = {SCN_SYS_STACK, SCN_SYS_HEAP, threads - 1, threads - 1};
    if (get_int(c, v, keys[k], min[k], max[k], NULL, value) != 0)
        return -1;
    *kind = kinds[k];
    return 0;
}

static int sys_arg_at(struct cc *c, const cJSON *v, uint8_t *kind, int64_t *value)
{
    *kind = SCN_ARG_INT;
    *value = 0;
    if (cJSON_IsObject(v))
        return sys_arg_object(c, v, kind, value);
    if (cJSON_IsString(v) && v->valuestring != NULL && strcmp(v->valuestring, "null") == 0) {
        *kind = SCN_ARG_NULL;
        return 0;
    }
    if (cJSON_IsString(v) && v->valuestring != NULL && strcmp(v->valuestring, "kernel_data") == 0) {
        *kind = SCN_ARG_KERNEL;
        return 0;
    }
    uint64_t u;
    if (u64_at(c, v, &u) != 0)
        return fail(c, "must be an integer, \"0x...\", \"null\", \"kernel_data\", or "
                       "{\"stack\"|\"heap\"|\"entry\"|\"entry_arg\": N}");
    *value = (int64_t)u;
    return 0;
}

/* "store": {"at": "stack"|"heap", "off": N, "hex": "..."} -> store, offset, hex string. */
static int sys_store(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    static const char *const keys[] = {"at", "off", "hex", NULL};
    static const char *const places[] = {"stack", "heap", NULL};
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(s, "store");
    if (v == NULL)
        return 0;
    size_t mark = push_key(c, "store");
    uint32_t at;
    int64_t off;
    const char *hex;
    size_t len;
    if (check_object(c, v, keys) != 0)
        return -1;
    const cJSON *atv = cJSON_GetObjectItemCaseSensitive(v, "at");
    if (atv == NULL)
        return fail(c, "missing key \"at\"");
    size_t m2 = push_key(c, "at");
    if (enum_at(c, atv, places, &at) != 0)
        return -1;
    pop(c, m2);
    uint32_t room = at == 0 ? SCN_SYS_STACK : SCN_SYS_HEAP;
    if (get_int(c, v, "off", 0, room - 1, NULL, &off) != 0 ||
        get_text(c, v, "hex", 2, 2 * (size_t)room, true, &hex, &len) != 0)
        return -1;
    m2 = push_key(c, "hex");
    if (len % 2 != 0 || strspn(hex, "0123456789abcdef") != len)
        return fail(c, "must be pairs of lower-case hex digits");
    if ((size_t)off + len / 2 > room)
        return fail(c, "%zu bytes at offset %lld do not fit the %s (%u bytes)", len / 2,
                    (long long)off, places[at], room);
    pop(c, m2);
    pop(c, mark);
    in->store = at == 0 ? SCN_STORE_STACK : SCN_STORE_HEAP;
    in->store_off = (int32_t)off;
    return add_str(c, hex, len, &in->str);
}

/* syscall {call, args?, store?, expect?}: one raw system call over the task's raw memory. */
static int op_syscall(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(s, "call"), *args;
    if (c->cur->raw_off)
        return fail(c, "a syscall step needs the task's raw memory (\"raw_memory\" is false)");
    if (v == NULL)
        return fail(c, "missing key \"call\"");
    size_t mark = push_key(c, "call");
    uint32_t which;
    if (cJSON_IsString(v) && strncmp(v->valuestring, "0x", 2) != 0) {
        if (enum_at(c, v, call_names, &which) != 0)
            return -1;
        in->nr = which;
    } else if (u64_at(c, v, &in->nr) != 0) {
        return -1;
    }
    pop(c, mark);
    if (get_array(c, s, "args", 0, SCN_SYS_ARGS, false, &args) != 0)
        return -1;
    mark = push_key(c, "args");
    int i = 0;
    for (const cJSON *e = args != NULL ? args->child : NULL; e != NULL; e = e->next, i++) {
        size_t m2 = push_index(c, i);
        if (sys_arg_at(c, e, &in->kinds[i], &in->sys_args[i]) != 0)
            return -1;
        pop(c, m2);
    }
    pop(c, mark);
    if (sys_store(c, s, in) != 0)
        return -1;
    c->cur->flags |= SCN_TASK_RAW_MEMORY;
    v = cJSON_GetObjectItemCaseSensitive(s, "expect");
    if (v == NULL)
        return 0;
    mark = push_key(c, "expect");
    if (u64_at(c, v, (uint64_t *)&in->value) != 0)
        return -1;
    pop(c, mark);
    in->flags |= SCN_F_EXPECT;
    return 0;
}

static int op_exit(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    return get_int(c, s, "code", SCN_EXIT_MIN, INT32_MAX, NULL, &in->value);
}

typedef int (*op_fn)(struct cc *c, const cJSON *s, struct scn_insn *in);

/* One step kind of the language: its name, opcode, compiler and keys. */
struct op_def {
    const char *name;
    uint8_t op;
    op_fn compile;
    const char *const keys[8]; /* besides "op" and, for calls, "expect_error" */
};

static const struct op_def op_defs[] = {
    {"open", SCN_OP_OPEN, op_open, {"url", "as", "flags"}},
    {"close", SCN_OP_CLOSE, op_close, {"handle"}},
    {"read", SCN_OP_READ, op_read, {"handle", "len", "expect", "timeout_us"}},
    {"write", SCN_OP_WRITE, op_write, {"handle", "data"}},
    {"send_handles", SCN_OP_SEND_HANDLES, op_send_handles, {"handle", "data", "handles"}},
    {"recv_handles", SCN_OP_RECV_HANDLES, op_recv_handles, {"handle", "as", "expect"}},
    {"take_peer", SCN_OP_TAKE_PEER, op_take_peer, {"handle", "as"}},
    {"dup", SCN_OP_DUP, op_dup, {"handle", "as", "rights"}},
    {"invoke",
     SCN_OP_INVOKE,
     op_invoke,
     {"handle", "operation", "args", "expect", "data", "data2"}},
    {"wait", SCN_OP_WAIT, op_wait, {"handle", "signals", "timeout_us"}},
    {"poll", SCN_OP_POLL, op_poll, {"handles", "signals", "timeout_us", "as"}},
    {"seek", SCN_OP_SEEK, op_seek, {"handle", "offset", "whence"}},
    {"tell", SCN_OP_TELL, op_tell, {"handle", "expect"}},
    {"compute", SCN_OP_COMPUTE, op_time, {"us"}},
    {"sleep", SCN_OP_SLEEP, op_time, {"us"}},
    {"yield", SCN_OP_YIELD, op_none, {NULL}},
    {"print", SCN_OP_PRINT, op_print, {"text"}},
    {"repeat", SCN_OP_REPEAT, op_repeat, {"count", "do"}},
    {"spawn", SCN_OP_SPAWN, op_spawn, {"do", "priority"}},
    {"expect", SCN_OP_EXPECT, op_expect, {"time_lt_us", "time_ge_us", "last"}},
    {"exit", SCN_OP_EXIT, op_exit, {"code"}},
    {"run", SCN_OP_RUN, op_run, {"program", "args"}},
    {"readdir", SCN_OP_READDIR, op_readdir, {"handle", "expect"}},
    {"syscall", SCN_OP_SYSCALL, op_syscall, {"call", "args", "store", "expect"}},
};

/* Steps that make no system call of their own accept no "expect_error". */
static bool op_is_call(uint8_t op)
{
    return op != SCN_OP_REPEAT && op != SCN_OP_EXPECT && op != SCN_OP_EXIT &&
           op != SCN_OP_SYSCALL; /* a raw call's "expect" is its whole result */
}

/* ---- encoding ---- */

static void put_str(uint8_t *p, struct scn_str s)
{
    wr32(p, s.off);
    wr32(p + 4, s.len);
}

/* The operands of in after the header, at b (zeroed, size bytes). */
static void encode_operands(const struct scn_insn *in, uint8_t *b)
{
    switch (in->op) {
    case SCN_OP_OPEN:
        put_str(b + 12, in->str);
        wr32(b + 20, in->arg);
        break;
    case SCN_OP_READ:
        wr32(b + 12, in->arg);
        put_str(b + 16, in->str);
        wr64(b + 24, in->ns);
        break;
    case SCN_OP_WRITE:
    case SCN_OP_PRINT:
        put_str(b + 12, in->str);
        break;
    case SCN_OP_SEND_HANDLES:
    case SCN_OP_RECV_HANDLES:
        put_str(b + 12, in->str);
        wr32(b + 20, in->n);
        memcpy(b + 24, in->hs, SCN_MAX_XFER);
        break;
    case SCN_OP_INVOKE:
        wr32(b + 12, in->arg);
        wr32(b + 16, in->index);
        for (int i = 0; i < (int)SCN_MAX_ARGS; i++)
            wr64(b + 20 + 8 * i, (uint64_t)in->args[i]);
        wr64(b + 52, (uint64_t)in->value);
        put_str(b + 60, in->str);
        put_str(b + 68, in->str2);
        break;
    case SCN_OP_POLL:
        wr32(b + 24, in->n);
        memcpy(b + 28, in->hs, in->n);
        wr32(b + 12, in->arg);
        wr64(b + 16, in->ns);
        break;
    case SCN_OP_WAIT:
        wr32(b + 12, in->arg);
        wr64(b + 16, in->ns);
        break;
    case SCN_OP_DUP:
    case SCN_OP_REPEAT: /* count; the body length is patched in later */
    case SCN_OP_SPAWN:  /* priority, then index and body length */
        wr32(b + 12, in->arg);
        wr32(b + 16, in->op == SCN_OP_SPAWN ? in->index : 0);
        break;
    case SCN_OP_SEEK:
        wr32(b + 12, in->arg);
        wr64(b + 16, (uint64_t)in->value);
        break;
    case SCN_OP_TELL:
        wr64(b + 12, (uint64_t)in->value);
        break;
    case SCN_OP_EXIT:
        wr32(b + 12, (uint32_t)(int32_t)in->value);
        break;
    case SCN_OP_RUN:
    case SCN_OP_READDIR:
        put_str(b + 12, in->str);
        break;
    case SCN_OP_COMPUTE:
    case SCN_OP_SLEEP:
        wr64(b + 12, in->ns);
        break;
    case SCN_OP_EXPECT:
        wr32(b + 12, in->arg);
        wr64(b + 16, in->ns);
        put_str(b + 24, in->str);
        break;
    case SCN_OP_SYSCALL:
        wr64(b + 12, in->nr);
        memcpy(b + 20, in->kinds, SCN_SYS_ARGS);
        b[26] = in->store;
        for (uint32_t i = 0; i < SCN_SYS_ARGS; i++)
            wr64(b + 28 + 8 * i, (uint64_t)in->sys_args[i]);
        wr64(b + 76, (uint64_t)in->value);
        wr32(b + 84, (uint32_t)in->store_off);
        put_str(b + 88, in->str);
        break;
    case SCN_OP_THREAD: /* the thread's number; the body length is patched in later */
        wr32(b + 12, in->arg);
        break;
    default: /* close, take_peer, yield: the header says it all */
        break;
    }
}

/* Append in to the code; *at gets its offset there. */
static int emit(struct cc *c, const struct scn_insn *in, size_t *at)
{
    uint8_t b[32 + SCN_MAX_POLL + 32];
    uint32_t size = scn_insn_base_size(in->op);
    if (in->op == SCN_OP_POLL)
        size = 28 + ((in->n + 3u) & ~3u);
    memset(b, 0, sizeof(b));
    b[SCN_I_OP] = in->op;
    b[SCN_I_FLAGS] = in->flags;
    wr16(b + SCN_I_STEP, (uint16_t)in->step);
    wr16(b + SCN_I_SIZE, (uint16_t)size);
    b[SCN_I_SLOT] = in->slot;
    b[SCN_I_AS] = in->as;
    b[SCN_I_ERR] = (uint8_t)(int8_t)in->expect_err;
    encode_operands(in, b);
    *at = c->code.len;
    return buf_put(c, &c->code, b, size);
}

/* ---- scripts ---- */

static int compile_steps(struct cc *c, const cJSON *arr, const char *key, uint32_t depth);

static int find_op(struct cc *c, const cJSON *s, const struct op_def **def)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(s, "op");
    if (v == NULL)
        return fail(c, "missing key \"op\"");
    size_t mark = push_key(c, "op");
    if (!cJSON_IsString(v) || v->valuestring == NULL)
        return fail(c, "must be a string");
    for (size_t i = 0; i < sizeof(op_defs) / sizeof(op_defs[0]); i++) {
        if (strcmp(v->valuestring, op_defs[i].name) == 0) {
            *def = &op_defs[i];
            pop(c, mark);
            return 0;
        }
    }
    char sbuf[48], list[400];
    size_t n = 0;
    for (size_t i = 0; i < sizeof(op_defs) / sizeof(op_defs[0]); i++)
        n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", i > 0 ? ", " : "",
                              op_defs[i].name);
    return fail(c, "unknown op \"%s\" (one of: %s)", shown(v->valuestring, sbuf, sizeof(sbuf)),
                list);
}

/* The keys a step of kind def accepts, NULL-terminated, into keys[]. */
static void step_keys(const struct op_def *def, const char **keys)
{
    size_t n = 0;
    keys[n++] = "op";
    if (op_is_call(def->op))
        keys[n++] = "expect_error";
    for (size_t i = 0; i < 8 && def->keys[i] != NULL; i++)
        keys[n++] = def->keys[i];
    keys[n] = NULL;
}

/* A new step id for the current task, remembering its JSON path. */
static int new_step(struct cc *c, uint32_t *step)
{
    struct ctask *t = c->cur;
    struct scn_step_paths *sp = &c->out->tasks[t - c->tasks];
    if (t->nsteps >= SCN_MAX_STEPS)
        return fail(c, "more than %u steps in one task", SCN_MAX_STEPS);
    if (t->nsteps == t->paths_cap) {
        uint32_t cap = t->paths_cap == 0 ? 16 : t->paths_cap * 2;
        char **p = realloc(sp->path, cap * sizeof(*p));
        if (p == NULL)
            return fail(c, "out of memory");
        sp->path = p;
        t->paths_cap = cap;
    }
    sp->path[t->nsteps] = malloc(c->plen + 1);
    if (sp->path[t->nsteps] == NULL)
        return fail(c, "out of memory");
    memcpy(sp->path[t->nsteps], c->path, c->plen + 1);
    *step = t->nsteps++;
    sp->nsteps = t->nsteps;
    return 0;
}

static int get_expect_error(struct cc *c, const cJSON *s, struct scn_insn *in)
{
    const char *name;
    size_t len;
    char sbuf[48];
    if (get_text(c, s, "expect_error", 1, 32, false, &name, &len) != 0)
        return -1;
    if (name == NULL)
        return 0;
    int64_t code = tw_error_from_name(name, len);
    if (code >= 0) {
        char list[300];
        size_t n = 0;
        list[0] = '\0';
        for (int64_t e = -1; e >= TW_ERR_MIN; e--)
            n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", e < -1 ? ", " : "",
                                  tw_strerror(e));
        push_key(c, "expect_error");
        return fail(c, "unknown error name \"%s\" (one of: %s)", shown(name, sbuf, sizeof(sbuf)),
                    list);
    }
    in->expect_err = (int32_t)code;
    in->flags |= SCN_F_EXPECT_ERR;
    return 0;
}

/* A repeat or spawn: the instruction, then its body, then the body's length patched in. */
static int compile_body(struct cc *c, const cJSON *s, struct scn_insn *in, uint32_t depth)
{
    const cJSON *body;
    size_t at;
    if (get_array(c, s, "do", 1, INT32_MAX, true, &body) != 0)
        return -1;
    if (depth + 1 > SCN_MAX_DEPTH) {
        push_key(c, "do");
        return fail(c, "repeat/spawn bodies nested deeper than %u", SCN_MAX_DEPTH);
    }
    if (in->op == SCN_OP_SPAWN)
        in->index = c->cur->nspawn++;
    if (emit(c, in, &at) != 0)
        return -1;
    size_t start = c->code.len;
    if (compile_steps(c, body, "do", depth + 1) != 0)
        return -1;
    wr32(c->code.p + at + (in->op == SCN_OP_SPAWN ? 20 : 16), (uint32_t)(c->code.len - start));
    return 0;
}

static int compile_step(struct cc *c, const cJSON *s, uint32_t depth)
{
    const struct op_def *def = NULL;
    const char *keys[12];
    struct scn_insn in;
    size_t at;
    if (!cJSON_IsObject(s))
        return fail(c, "must be an object (a step)");
    if (find_op(c, s, &def) != 0)
        return -1;
    step_keys(def, keys);
    if (check_object(c, s, keys) != 0)
        return -1;
    memset(&in, 0, sizeof(in));
    in.op = def->op;
    in.slot = SCN_SLOT_NONE;
    in.as = SCN_SLOT_NONE;
    memset(in.hs, SCN_SLOT_NONE, SCN_MAX_XFER);
    if (new_step(c, &in.step) != 0 || get_expect_error(c, s, &in) != 0)
        return -1;
    if (def->compile(c, s, &in) != 0)
        return -1;
    if (in.op == SCN_OP_REPEAT || in.op == SCN_OP_SPAWN)
        return compile_body(c, s, &in, depth);
    return emit(c, &in, &at);
}

static int compile_steps(struct cc *c, const cJSON *arr, const char *key, uint32_t depth)
{
    size_t mark = key != NULL ? push_key(c, key) : c->plen;
    int i = 0;
    for (const cJSON *s = arr->child; s != NULL; s = s->next, i++) {
        size_t m2 = push_index(c, i);
        if (compile_step(c, s, depth) != 0)
            return -1;
        pop(c, m2);
    }
    pop(c, mark);
    return 0;
}

/* ---- tasks, faults, expectations, configuration ---- */

static int find_task(const struct cc *c, const char *name)
{
    for (uint32_t i = 0; i < c->ntasks; i++) {
        if (strcmp(c->tasks[i].name, name) == 0)
            return (int)i;
    }
    return -1;
}

/* A task name at v (the current path) naming a task; its index. */
static int task_at(struct cc *c, const cJSON *v, uint32_t *task)
{
    const char *s;
    size_t len;
    char sbuf[48];
    if (text_at(c, v, 1, SCN_MAX_NAME - 1, &s, &len) != 0)
        return -1;
    int i = find_task(c, s);
    if (i < 0)
        return fail(c, "no task named \"%s\"", shown(s, sbuf, sizeof(sbuf)));
    *task = (uint32_t)i;
    return 0;
}

/* "threads": each body behind a thread instruction (step), the body's length patched in. */
static int compile_threads(struct cc *c, const cJSON *arr)
{
    size_t mark = push_key(c, "threads");
    uint32_t i = 0;
    for (const cJSON *body = arr->child; body != NULL; body = body->next, i++) {
        size_t m2 = push_index(c, (int)i), at;
        struct scn_insn in = {.op = SCN_OP_THREAD, .slot = SCN_SLOT_NONE, .as = SCN_SLOT_NONE};
        in.arg = i;
        if (!cJSON_IsArray(body))
            return fail(c, "must be an array of steps (a thread's body)");
        if (new_step(c, &in.step) != 0 || emit(c, &in, &at) != 0)
            return -1;
        size_t start = c->code.len;
        if (compile_steps(c, body, NULL, 1) != 0)
            return -1;
        wr32(c->code.p + at + 16, (uint32_t)(c->code.len - start));
        pop(c, m2);
    }
    pop(c, mark);
    return 0;
}

/* A task's code: "script", or "threads" with "boot_threads"; and its "raw_memory". */
static int compile_code(struct cc *c, const cJSON *tj, struct ctask *t)
{
    const cJSON *script, *threads, *raw = cJSON_GetObjectItemCaseSensitive(tj, "raw_memory");
    bool raw_on;
    if (get_array(c, tj, "script", 0, INT32_MAX, false, &script) != 0 ||
        get_array(c, tj, "threads", 1, SCN_MAX_THREADS, false, &threads) != 0 ||
        get_bool(c, tj, "raw_memory", &raw_on) != 0)
        return -1;
    if ((script == NULL) == (threads == NULL))
        return fail(c, "needs exactly one of \"script\" and \"threads\"");
    t->raw_off = raw != NULL && !raw_on;
    t->flags = raw_on ? SCN_TASK_RAW_MEMORY : 0;
    if (script != NULL) {
        if (cJSON_GetObjectItemCaseSensitive(tj, "boot_threads") != NULL) {
            push_key(c, "boot_threads");
            return fail(c, "only a task with \"threads\" has boot threads");
        }
        return compile_steps(c, script, "script", 0);
    }
    int64_t boot, one = 1;
    t->nthreads = (uint8_t)cJSON_GetArraySize(threads);
    if (get_int(c, tj, "boot_threads", 1, t->nthreads, &one, &boot) != 0)
        return -1;
    t->boot_threads = (uint8_t)boot;
    return compile_threads(c, threads);
}

static int compile_task(struct cc *c, const cJSON *tj, uint32_t i)
{
    static const char *const keys[] = {"name",         "priority",   "script", "threads",
                                       "boot_threads", "raw_memory", NULL};
    struct ctask *t = &c->tasks[i];
    int64_t prio, dflt = DEFAULT_PRIO;
    if (check_object(c, tj, keys) != 0 ||
        get_text(c, tj, "name", 1, SCN_MAX_NAME - 1, true, &t->name, &t->name_len) != 0)
        return -1;
    if (!scn_name_ok((const uint8_t *)t->name, t->name_len)) {
        push_key(c, "name");
        return fail(c, "task names are 1..%u characters of A-Z a-z 0-9 _ -", SCN_MAX_NAME - 1);
    }
    int other = find_task(c, t->name);
    if (other >= 0) {
        push_key(c, "name");
        return fail(c, "duplicate task name \"%s\" (also tasks[%d])", t->name, other);
    }
    if (get_int(c, tj, "priority", 0, SCN_MAX_PRIORITY, &dflt, &prio) != 0 ||
        add_str(c, t->name, t->name_len, &t->name_ref) != 0)
        return -1;
    t->priority = (uint32_t)prio;
    c->ntasks = i + 1; /* visible to find_task from here on */
    c->out->ntasks = c->ntasks;
    c->cur = t;
    c->nnames = 0; /* handle names are per task */
    t->code_off = (uint32_t)c->code.len;
    if (compile_code(c, tj, t) != 0)
        return -1;
    t->code_len = (uint32_t)(c->code.len - t->code_off);
    return 0;
}

static int compile_tasks(struct cc *c, const cJSON *root)
{
    const cJSON *arr;
    if (get_array(c, root, "tasks", 1, SCN_MAX_TASKS, true, &arr) != 0)
        return -1;
    size_t mark = push_key(c, "tasks");
    uint32_t i = 0;
    for (const cJSON *tj = arr->child; tj != NULL; tj = tj->next, i++) {
        size_t m2 = push_index(c, (int)i);
        if (compile_task(c, tj, i) != 0)
            return -1;
        pop(c, m2);
    }
    pop(c, mark);
    return 0;
}

static int compile_fault(struct cc *c, const cJSON *f, uint32_t i)
{
    static const char *const keys[] = {"at_us", "kill", NULL};
    int64_t at;
    if (check_object(c, f, keys) != 0 ||
        get_int(c, f, "at_us", 0, (int64_t)SCN_MAX_US, NULL, &at) != 0)
        return -1;
    const cJSON *kill = cJSON_GetObjectItemCaseSensitive(f, "kill");
    if (kill == NULL)
        return fail(c, "missing key \"kill\"");
    size_t mark = push_key(c, "kill");
    if (task_at(c, kill, &c->faults[i].task) != 0)
        return -1;
    pop(c, mark);
    c->faults[i].at_ns = (uint64_t)at * 1000;
    return 0;
}

static int compile_faults(struct cc *c, const cJSON *root)
{
    const cJSON *arr;
    if (get_array(c, root, "faults", 0, SCN_MAX_FAULTS, false, &arr) != 0)
        return -1;
    if (arr == NULL)
        return 0;
    size_t mark = push_key(c, "faults");
    for (const cJSON *f = arr->child; f != NULL; f = f->next, c->nfaults++) {
        size_t m2 = push_index(c, (int)c->nfaults);
        if (compile_fault(c, f, c->nfaults) != 0)
            return -1;
        pop(c, m2);
    }
    pop(c, mark);
    return 0;
}

/* expect.exit: {"task": int | "killed"}. */
static int compile_expect_exit(struct cc *c, const cJSON *v)
{
    char sbuf[48];
    if (check_object(c, v, NULL) != 0)
        return -1;
    for (const cJSON *e = v->child; e != NULL; e = e->next) {
        size_t mark = push_key(c, e->string);
        int task = find_task(c, e->string);
        if (task < 0)
            return fail(c, "no task named \"%s\"", shown(e->string, sbuf, sizeof(sbuf)));
        int64_t status = TW_EXIT_KILLED;
        bool killed = cJSON_IsString(e) && strcmp(e->valuestring, "killed") == 0;
        if (!killed && !cJSON_IsNumber(e))
            return fail(c, "must be an integer or \"killed\"");
        if (!killed && int_at(c, e, SCN_EXIT_MIN, INT32_MAX, &status) != 0)
            return -1;
        c->ex.exit[c->ex.nexit].task = (uint32_t)task;
        c->ex.exit[c->ex.nexit].status = (int32_t)status;
        c->ex.nexit++;
        pop(c, mark);
    }
    return 0;
}

static int compile_expect_lists(struct cc *c, const cJSON *x)
{
    const cJSON *arr;
    if (get_array(c, x, "console_contains", 0, SCN_MAX_CONTAINS, false, &arr) != 0)
        return -1;
    size_t mark = push_key(c, "console_contains");
    for (const cJSON *e = arr != NULL ? arr->child : NULL; e != NULL; e = e->next) {
        const char *s;
        size_t len;
        size_t m2 = push_index(c, (int)c->ex.ncontains);
        if (text_at(c, e, 1, SCN_MAX_TEXT, &s, &len) != 0 ||
            add_str(c, s, len, &c->ex.contains[c->ex.ncontains++]) != 0)
            return -1;
        pop(c, m2);
    }
    pop(c, mark);
    if (get_array(c, x, "finish_order", 0, (int)c->ntasks, false, &arr) != 0)
        return -1;
    mark = push_key(c, "finish_order");
    for (const cJSON *e = arr != NULL ? arr->child : NULL; e != NULL; e = e->next) {
        uint32_t task;
        size_t m2 = push_index(c, (int)c->ex.norder);
        if (task_at(c, e, &task) != 0)
            return -1;
        for (uint32_t j = 0; j < c->ex.norder; j++) {
            if (c->ex.order[j] == task)
                return fail(c, "task listed twice");
        }
        c->ex.order[c->ex.norder++] = task;
        pop(c, m2);
    }
    pop(c, mark);
    return 0;
}

static int compile_expect(struct cc *c, const cJSON *root)
{
    static const char *const keys[] = {"exit",        "console_contains", "finish_order",
                                       "max_time_us", "min_time_us",      "no_deadlock",
                                       NULL};
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(root, "expect");
    if (x == NULL)
        return 0;
    size_t mark = push_key(c, "expect");
    bool no_deadlock;
    int64_t zero = 0, max_us, min_us;
    if (check_object(c, x, keys) != 0)
        return -1;
    const cJSON *exit = cJSON_GetObjectItemCaseSensitive(x, "exit");
    if (exit != NULL) {
        size_t m2 = push_key(c, "exit");
        if (compile_expect_exit(c, exit) != 0)
            return -1;
        pop(c, m2);
    }
    if (compile_expect_lists(c, x) != 0 ||
        get_int(c, x, "max_time_us", 1, (int64_t)SCN_MAX_US, &zero, &max_us) != 0 ||
        get_int(c, x, "min_time_us", 0, (int64_t)SCN_MAX_US, &zero, &min_us) != 0 ||
        get_bool(c, x, "no_deadlock", &no_deadlock) != 0)
        return -1;
    if (max_us != 0 && min_us > max_us) {
        push_key(c, "min_time_us");
        return fail(c, "must not exceed max_time_us (%lld)", (long long)max_us);
    }
    c->ex.max_ns = (uint64_t)max_us * 1000;
    c->ex.min_ns = (uint64_t)min_us * 1000;
    c->ex.flags = no_deadlock ? SCN_EXPECT_NO_DEADLOCK : 0;
    pop(c, mark);
    return 0;
}

static const char *const policy_names[] = {"round-robin", "priority", "random", NULL};
static const char *const mode_names[] = {"deterministic", "realtime", NULL};
_Static_assert(SCN_POLICY_RR == 0 && SCN_POLICY_PRIORITY == 1 && SCN_POLICY_RANDOM == 2,
               "policy_names order");
_Static_assert(SCN_MODE_DETERMINISTIC == 0 && SCN_MODE_REALTIME == 1, "mode_names order");

static int compile_cost(struct cc *c, const cJSON *cfg)
{
    static const char *const keys[] = {"syscall_ns", "switch_ns", "byte_ps", NULL};
    static const struct {
        const char *key;
        int64_t dflt;
        uint32_t off;
    } fields[] = {{"syscall_ns", 200, SCN_H_COST_SYSCALL},
                  {"switch_ns", 400, SCN_H_COST_SWITCH},
                  {"byte_ps", 250, SCN_H_COST_BYTE}};
    const cJSON *cost = cJSON_GetObjectItemCaseSensitive(cfg, "cost");
    size_t mark = push_key(c, "cost");
    if (cost != NULL && check_object(c, cost, keys) != 0)
        return -1;
    for (size_t i = 0; i < 3; i++) {
        int64_t v = fields[i].dflt;
        if (cost != NULL && get_int(c, cost, fields[i].key, 0, 1000000000, &fields[i].dflt, &v))
            return -1;
        wr32(c->hdr + fields[i].off, (uint32_t)v);
    }
    pop(c, mark);
    return 0;
}

static int compile_config(struct cc *c, const cJSON *root)
{
    static const char *const keys[] = {"quantum_us", "policy", "mode", "max_time_us",
                                       "pool_pages", "cost",   NULL};
    static const cJSON empty = {.type = cJSON_Object};
    const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(root, "config");
    size_t mark = push_key(c, "config");
    int64_t quantum, max_time, pages, d_quantum = 1000, d_max = 60000000, d_pages = 16384;
    uint32_t policy, mode;
    if (cfg == NULL)
        cfg = &empty;
    if (check_object(c, cfg, keys) != 0 ||
        get_int(c, cfg, "quantum_us", 1, 60000000, &d_quantum, &quantum) != 0 ||
        get_enum(c, cfg, "policy", policy_names, SCN_POLICY_RR, &policy) != 0 ||
        get_enum(c, cfg, "mode", mode_names, SCN_MODE_DETERMINISTIC, &mode) != 0 ||
        get_int(c, cfg, "max_time_us", 1, (int64_t)SCN_MAX_US, &d_max, &max_time) != 0 ||
        get_int(c, cfg, "pool_pages", 1, 1 << 24, &d_pages, &pages) != 0 ||
        compile_cost(c, cfg) != 0)
        return -1;
    wr64(c->hdr + SCN_H_QUANTUM, (uint64_t)quantum * 1000);
    wr64(c->hdr + SCN_H_MAX_TIME, (uint64_t)max_time * 1000);
    wr32(c->hdr + SCN_H_POOL_PAGES, (uint32_t)pages);
    c->hdr[SCN_H_POLICY] = (uint8_t)policy;
    c->hdr[SCN_H_MODE] = (uint8_t)mode;
    pop(c, mark);
    return 0;
}

/* "disks": {"disk0": "path.img"} or {"disk0": {"image": "path.img", "write_through": true}} */
static int compile_disk(struct cc *c, const cJSON *d, struct scn_disk *k)
{
    static const char *const keys[] = {"image", "write_through", NULL};
    const char *name = d->string, *path;
    size_t nlen = strlen(name), plen;
    bool wt = false;
    if (nlen == 0 || nlen > 15 || strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789") != nlen)
        return fail(c, "disk names are 1..15 bytes of a-z 0-9");
    if (cJSON_IsString(d)) {
        if (text_at(c, d, 1, 4095, &path, &plen) != 0)
            return -1;
    } else if (check_object(c, d, keys) != 0 ||
               get_text(c, d, "image", 1, 4095, true, &path, &plen) != 0 ||
               get_bool(c, d, "write_through", &wt) != 0) {
        return -1;
    }
    memcpy(k->name, name, nlen + 1);
    k->path = strndup(path, plen);
    k->write_through = wt;
    return k->path != NULL ? 0 : fail(c, "out of memory");
}

static int compile_disks(struct cc *c, const cJSON *root)
{
    const cJSON *ds = cJSON_GetObjectItemCaseSensitive(root, "disks");
    if (ds == NULL)
        return 0;
    size_t mark = push_key(c, "disks");
    if (check_object(c, ds, NULL) != 0)
        return -1;
    for (const cJSON *d = ds->child; d != NULL; d = d->next) {
        if (c->out->ndisks >= SCN_MAX_DISKS)
            return fail(c, "at most %d disks", SCN_MAX_DISKS);
        size_t m2 = push_key(c, d->string);
        if (compile_disk(c, d, &c->out->disks[c->out->ndisks]) != 0)
            return -1;
        c->out->ndisks++;
        pop(c, m2);
    }
    pop(c, mark);
    return 0;
}

static int compile_root(struct cc *c, const cJSON *root)
{
    static const char *const keys[] = {"name",   "description", "seed",  "config", "tasks",
                                       "faults", "expect",      "disks", NULL};
    const char *s;
    size_t len;
    struct scn_str name;
    int64_t seed, d_seed = 1;
    if (!cJSON_IsObject(root))
        return fail(c, "the top level must be an object");
    if (check_object(c, root, keys) != 0 ||
        get_text(c, root, "name", 1, SCN_MAX_SCN_NAME, true, &s, &len) != 0 ||
        add_str(c, s, len, &name) != 0 ||
        get_text(c, root, "description", 0, SCN_MAX_BLOB, false, &s, &len) != 0 ||
        get_int(c, root, "seed", 0, (int64_t)SCN_MAX_US, &d_seed, &seed) != 0)
        return -1;
    put_str(c->hdr + SCN_H_NAME, name);
    wr64(c->hdr + SCN_H_SEED, (uint64_t)seed);
    if (compile_config(c, root) != 0 || compile_disks(c, root) != 0 ||
        compile_tasks(c, root) != 0 || compile_faults(c, root) != 0 || compile_expect(c, root) != 0)
        return -1;
    return 0;
}

/* ---- the blob ---- */

static void write_tables(struct cc *c, uint8_t *b)
{
    uint8_t *p = b + SCN_HDR_SIZE;
    for (uint32_t i = 0; i < c->ntasks; i++, p += SCN_TASK_ENT_SIZE) {
        const struct ctask *t = &c->tasks[i];
        put_str(p, t->name_ref);
        wr32(p + 8, t->priority);
        wr32(p + 12, t->code_off);
        wr32(p + 16, t->code_len);
        wr32(p + 20, t->nsteps);
        wr32(p + 24, t->nspawn);
        p[28] = t->flags;
        p[29] = t->nthreads;
        p[30] = t->boot_threads;
    }
    for (uint32_t i = 0; i < c->nfaults; i++, p += SCN_FAULT_ENT_SIZE) {
        wr64(p, c->faults[i].at_ns);
        wr32(p + 8, SCN_FAULT_KILL);
        wr32(p + 12, c->faults[i].task);
    }
    wr32(p, c->ex.flags);
    wr32(p + 4, c->ex.nexit);
    wr32(p + 8, c->ex.ncontains);
    wr32(p + 12, c->ex.norder);
    wr64(p + 16, c->ex.max_ns);
    wr64(p + 24, c->ex.min_ns);
    p += SCN_EXPECT_FIXED;
    for (uint32_t i = 0; i < c->ex.nexit; i++, p += SCN_EXIT_ENT_SIZE) {
        wr32(p, c->ex.exit[i].task);
        wr32(p + 4, (uint32_t)c->ex.exit[i].status);
    }
    for (uint32_t i = 0; i < c->ex.ncontains; i++, p += SCN_STR_REF_SIZE)
        put_str(p, c->ex.contains[i]);
    for (uint32_t i = 0; i < c->ex.norder; i++, p += 4)
        wr32(p, c->ex.order[i]);
}

static int build_blob(struct cc *c)
{
    size_t tasks_off = SCN_HDR_SIZE;
    size_t faults_off = tasks_off + c->ntasks * SCN_TASK_ENT_SIZE;
    size_t expect_off = faults_off + c->nfaults * SCN_FAULT_ENT_SIZE;
    size_t strtab_off = expect_off + SCN_EXPECT_FIXED + c->ex.nexit * SCN_EXIT_ENT_SIZE +
                        c->ex.ncontains * SCN_STR_REF_SIZE + c->ex.norder * 4;
    size_t code_off = strtab_off + c->strtab.len;
    size_t total = code_off + c->code.len;
    c->plen = 0;
    c->path[0] = '\0';
    if (total > SCN_MAX_BLOB)
        return fail(c, "compiled scenario is %zu bytes, over the limit of %u", total, SCN_MAX_BLOB);
    uint8_t *b = calloc(1, total);
    if (b == NULL)
        return fail(c, "out of memory");
    uint8_t *h = c->hdr;
    wr64(h + SCN_H_MAGIC, SCN_MAGIC);
    wr16(h + SCN_H_VERSION, SCN_VERSION);
    wr16(h + SCN_H_HDR_SIZE, SCN_HDR_SIZE);
    wr32(h + SCN_H_TOTAL, (uint32_t)total);
    wr32(h + SCN_H_NTASKS, c->ntasks);
    wr32(h + SCN_H_TASKS_OFF, (uint32_t)tasks_off);
    wr32(h + SCN_H_NFAULTS, c->nfaults);
    wr32(h + SCN_H_FAULTS_OFF, (uint32_t)faults_off);
    wr32(h + SCN_H_EXPECT_OFF, (uint32_t)expect_off);
    wr32(h + SCN_H_STRTAB_OFF, (uint32_t)strtab_off);
    wr32(h + SCN_H_STRTAB_LEN, (uint32_t)c->strtab.len);
    wr32(h + SCN_H_CODE_OFF, (uint32_t)code_off);
    wr32(h + SCN_H_CODE_LEN, (uint32_t)c->code.len);
    memcpy(b, h, SCN_HDR_SIZE);
    write_tables(c, b);
    if (c->strtab.len > 0)
        memcpy(b + strtab_off, c->strtab.p, c->strtab.len);
    if (c->code.len > 0)
        memcpy(b + code_off, c->code.p, c->code.len);
    c->out->blob = b;
    c->out->len = total;
    return 0;
}

/* The compiler's own output must decode: a failure here is a bug in one of the two. */
static int self_check(struct cc *c)
{
    static struct scn_view view; /* large; host code, one compile at a time */
    struct scn_error e;
    if (scn_decode(c->out->blob, c->out->len, &view, &e) == 0)
        return 0;
    return fail(c, "internal error: the compiled blob does not decode (byte %u: %s)", e.offset,
                e.msg);
}

/* ---- JSON text ---- */

/* "FILE:LINE:COL: msg" for the byte at off of text. */
static int fail_at(struct cc *c, const char *text, size_t len, size_t off, const char *msg)
{
    unsigned line = 1, col = 1;
    for (size_t i = 0; i < off && i < len; i++) {
        col = text[i] == '\n' ? 1 : col + 1;
        line += text[i] == '\n';
    }
    char near[24];
    size_t n = 0;
    for (size_t i = off; i < len && n < 16 && text[i] != '\n'; i++)
        near[n++] = (unsigned char)text[i] < 0x20 || (unsigned char)text[i] >= 0x7f ? '?' : text[i];
    near[n] = '\0';
    if (len == 0)
        snprintf(c->err, c->errlen, "%s:1:1: %s", c->file, msg);
    else if (off >= len)
        snprintf(c->err, c->errlen, "%s:%u:%u: %s at the end of the input", c->file, line, col,
                 msg);
    else
        snprintf(c->err, c->errlen, "%s:%u:%u: %s near '%s'", c->file, line, col, msg, near);
    return -1;
}

/*
 * A NUL-terminated copy of json for cJSON, with each \u0000 escape inside a string turned
 * into the same number of bytes of C0 80 (so offsets do not move): cJSON would cut the
 * string at the NUL, and text_at() must see it to reject it. A raw NUL byte is an error.
 */
static char *prepare_text(struct cc *c, const char *json, size_t len)
{
    char *t = malloc(len + 1);
    if (t == NULL) {
        fail(c, "out of memory");
        return NULL;
    }
    memcpy(t, json, len);
    t[len] = '\0';
    bool in_str = false;
    for (size_t i = 0; i < len; i++) {
        if (t[i] == '\0') {
            fail_at(c, json, len, i, "NUL byte in the JSON text");
            free(t);
            return NULL;
        }
        if (t[i] == '"') {
            in_str = !in_str;
        } else if (in_str && t[i] == '\\' && i + 1 < len) {
            if (len - i >= 6 && memcmp(t + i + 1, "u0000", 5) == 0)
                memcpy(t + i, NUL_MARK NUL_MARK NUL_MARK, 6);
            i += t[i] == '\\' ? 1 : 5; /* skip the escaped byte, or the rest of the mark */
        }
    }
    return t;
}

static cJSON *parse_text(struct cc *c, const char *json, const char *text, size_t len)
{
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, false);
    if (root == NULL) {
        size_t off = end != NULL && end >= text ? (size_t)(end - text) : 0;
        fail_at(c, json, len, off, len == 0 ? "empty input" : "JSON syntax error");
        return NULL;
    }
    size_t off = end != NULL ? (size_t)(end - text) : len;
    while (off < len &&
           (text[off] == ' ' || text[off] == '\t' || text[off] == '\n' || text[off] == '\r'))
        off++;
    if (off < len) {
        fail_at(c, json, len, off, "unexpected text after the JSON value");
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

/* ---- the API ---- */

void scn_compiled_free(struct scn_compiled *c)
{
    if (c == NULL)
        return;
    for (uint32_t i = 0; i < SCN_MAX_TASKS; i++) {
        for (uint32_t s = 0; s < c->tasks[i].nsteps; s++)
            free(c->tasks[i].path[s]);
        free(c->tasks[i].path);
    }
    for (uint32_t i = 0; i < c->ndisks; i++)
        free(c->disks[i].path);
    free(c->blob);
    free(c->text);
    memset(c, 0, sizeof(*c));
}

int scn_compile_text(const char *file_name, const char *json, size_t len, struct scn_compiled *out,
                     char *err, size_t errlen)
{
    char dummy[2];
    if (err == NULL || errlen == 0) {
        err = dummy;
        errlen = sizeof(dummy);
    }
    err[0] = '\0';
    memset(out, 0, sizeof(*out));
    struct cc *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        snprintf(err, errlen, "%s: out of memory", file_name);
        return SCN_COMPILE_BAD;
    }
    *c = (struct cc){.file = file_name != NULL ? file_name : "<scenario>",
                     .err = err,
                     .errlen = errlen,
                     .out = out};
    cJSON *root = NULL;
    char *text = prepare_text(c, json != NULL ? json : "", json != NULL ? len : 0);
    if (text != NULL)
        root = parse_text(c, json, text, len);
    int rc = root != NULL && compile_root(c, root) == 0 && build_blob(c) == 0 && self_check(c) == 0
                 ? SCN_COMPILE_OK
                 : SCN_COMPILE_BAD;
    if (rc == SCN_COMPILE_OK) {
        out->text = malloc(len + 1);
        if (out->text == NULL) {
            rc = fail(c, "out of memory") == 0 ? SCN_COMPILE_OK : SCN_COMPILE_BAD;
        } else {
            memcpy(out->text, json, len);
            out->text[len] = '\0';
            out->text_len = len;
        }
    }
    cJSON_Delete(root);
    free(text);
    free(c->strtab.p);
    free(c->code.p);
    free(c);
    if (rc != SCN_COMPILE_OK)
        scn_compiled_free(out);
    return rc;
}

int scn_compile_file(const char *path, struct scn_compiled *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return SCN_COMPILE_BAD;
    }
    char *text = malloc(FILE_MAX + 1);
    size_t len = text != NULL ? fread(text, 1, FILE_MAX + 1, f) : 0;
    int bad = text == NULL || ferror(f);
    fclose(f);
    int rc = SCN_COMPILE_BAD;
    if (bad)
        snprintf(err, errlen, "%s: cannot read: %s", path,
                 text == NULL ? "out of memory" : strerror(errno));
    else if (len > FILE_MAX)
        snprintf(err, errlen, "%s: larger than %u bytes", path, FILE_MAX);
    else
        rc = scn_compile_text(path, text, len, out, err, errlen);
    free(text);
    return rc;
}

const char *scn_step_path(const struct scn_compiled *c, uint32_t task, uint32_t step)
{
    if (c == NULL || task >= c->ntasks || step >= c->tasks[task].nsteps)
        return NULL;
    return c->tasks[task].path[step];
}

void scn_compiled_set_seed(struct scn_compiled *c, uint64_t seed)
{
    if (c->blob != NULL && c->len >= SCN_HDR_SIZE)
        wr64(c->blob + SCN_H_SEED, seed);
}

/* ---- twain lint ---- */

static void lint_usage(FILE *to)
{
    fprintf(to, "usage: twain lint SCENARIO.json...\n"
                "Compile each scenario without running it. Prints \"FILE: ok\" for each good\n"
                "file and the first error of each bad one (with its JSON path, or line:column\n"
                "for JSON syntax). Exit status: 0 all good, 2 any bad (or a usage error).\n");
}

int cmd_lint(int argc, char **argv)
{
    int files = 0, rc = SCN_COMPILE_OK;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            lint_usage(stdout);
            return 0;
        }
        if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "twain lint: unknown option '%s'\n", argv[i]);
            lint_usage(stderr);
            return SCN_COMPILE_BAD;
        }
        files++;
    }
    if (files == 0) {
        lint_usage(stderr);
        return SCN_COMPILE_BAD;
    }
    for (int i = 1; i < argc; i++) {
        struct scn_compiled sc;
        char err[512];
        if (scn_compile_file(argv[i], &sc, err, sizeof(err)) == SCN_COMPILE_OK) {
            printf("%s: ok\n", argv[i]);
            scn_compiled_free(&sc);
        } else {
            fprintf(stderr, "%s\n", err);
            rc = SCN_COMPILE_BAD;
        }
    }
    fflush(stdout);
    return rc;
}
