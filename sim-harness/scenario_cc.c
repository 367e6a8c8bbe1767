/* SPDX-License-Identifier: MIT */
/*
 * sim-harness/scenario_cc.c - the scenario compiler's checked access to JSON (see
 * scenario_cc.h): every value is read through a function that knows its type and range and
 * reports a problem once, with the offender's JSON path; the string table; handle names,
 * bound by a step and used by later ones.
 */
#include "scenario_cc.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- errors and JSON paths ---- */

int cc_fail(struct cc *c, const char *fmt, ...)
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
size_t cc_push_key(struct cc *c, const char *key)
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

size_t cc_push_index(struct cc *c, int i)
{
    size_t mark = c->plen;
    char idx[16];
    snprintf(idx, sizeof(idx), "[%d]", i);
    path_add(c, idx);
    return mark;
}

void cc_pop(struct cc *c, size_t mark)
{
    c->plen = mark;
    c->path[mark] = '\0';
}

/* s made safe for a one-line message: printable ASCII, cut to fit buf. */
const char *cc_shown(const char *s, char *buf, size_t cap)
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
int cc_check_object(struct cc *c, const cJSON *obj, const char *const *allowed)
{
    if (!cJSON_IsObject(obj))
        return cc_fail(c, "must be an object");
    for (const cJSON *k = obj->child; k != NULL; k = k->next) {
        if (allowed != NULL && !in_list(k->string, allowed)) {
            char keys[200];
            join(keys, sizeof(keys), allowed);
            cc_push_key(c, k->string);
            return cc_fail(c, "unknown key (allowed: %s)", keys);
        }
        for (const cJSON *p = obj->child; p != k; p = p->next) {
            if (strcmp(p->string, k->string) == 0) {
                cc_push_key(c, k->string);
                return cc_fail(c, "duplicate key");
            }
        }
    }
    return 0;
}

int cc_int_at(struct cc *c, const cJSON *v, int64_t min, int64_t max, int64_t *out)
{
    double d = cJSON_IsNumber(v) ? v->valuedouble : NAN;
    if (!isfinite(d) || d < (double)min || d > (double)max || d != floor(d))
        return cc_fail(c, "must be an integer %lld..%lld", (long long)min, (long long)max);
    *out = (int64_t)d;
    return 0;
}

/* obj.key as an integer in min..max; dflt NULL makes the key required. */
int cc_get_int(struct cc *c, const cJSON *obj, const char *key, int64_t min, int64_t max,
               const int64_t *dflt, int64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (v == NULL) {
        if (dflt == NULL)
            return cc_fail(c, "missing key \"%s\"", key);
        *out = *dflt;
        return 0;
    }
    size_t mark = cc_push_key(c, key);
    if (cc_int_at(c, v, min, max, out) != 0)
        return -1;
    cc_pop(c, mark);
    return 0;
}

int cc_get_u64(struct cc *c, const cJSON *obj, const char *key, int64_t min, int64_t max,
               int64_t dflt, uint64_t *out)
{
    int64_t v;
    if (cc_get_int(c, obj, key, min, max, &dflt, &v) != 0)
        return -1;
    *out = (uint64_t)v;
    return 0;
}

/* v (at the current path) as text of min..max bytes: a string, UTF-8, no NUL. */
int cc_text_at(struct cc *c, const cJSON *v, size_t min, size_t max, const char **s, size_t *len)
{
    if (!cJSON_IsString(v) || v->valuestring == NULL)
        return cc_fail(c, "must be a string");
    *s = v->valuestring;
    *len = strlen(v->valuestring);
    if (strstr(*s, NUL_MARK) != NULL)
        return cc_fail(c, "contains a NUL character");
    if (!scn_text_ok((const uint8_t *)*s, *len))
        return cc_fail(c, "is not valid UTF-8");
    if (*len < min || *len > max)
        return cc_fail(c, "must be %zu..%zu bytes long (is %zu)", min, max, *len);
    return 0;
}

/* obj.key as text; when absent, fails if required, else *s = NULL. */
int cc_get_text(struct cc *c, const cJSON *obj, const char *key, size_t min, size_t max,
                bool required, const char **s, size_t *len)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    *s = NULL;
    *len = 0;
    if (v == NULL)
        return required ? cc_fail(c, "missing key \"%s\"", key) : 0;
    size_t mark = cc_push_key(c, key);
    if (cc_text_at(c, v, min, max, s, len) != 0)
        return -1;
    cc_pop(c, mark);
    return 0;
}

/* One of names[] (NULL-terminated) at v; its index in *out. */
int cc_enum_at(struct cc *c, const cJSON *v, const char *const *names, uint32_t *out)
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
    return cc_fail(c, "must be one of: %s", list);
}

int cc_get_enum(struct cc *c, const cJSON *obj, const char *key, const char *const *names,
                uint32_t dflt, uint32_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = dflt;
    if (v == NULL)
        return 0;
    size_t mark = cc_push_key(c, key);
    if (cc_enum_at(c, v, names, out) != 0)
        return -1;
    cc_pop(c, mark);
    return 0;
}

/* An array of names[] at obj.key as a bit mask (bit i for names[i]); dflt when absent. */
int cc_get_mask(struct cc *c, const cJSON *obj, const char *key, const char *const *names,
                bool required, uint32_t dflt, uint32_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = dflt;
    if (v == NULL)
        return required ? cc_fail(c, "missing key \"%s\"", key) : 0;
    size_t mark = cc_push_key(c, key);
    if (!cJSON_IsArray(v) || (required && cJSON_GetArraySize(v) == 0))
        return cc_fail(c, required ? "must be a non-empty array" : "must be an array");
    *out = 0;
    int i = 0;
    for (const cJSON *e = v->child; e != NULL; e = e->next, i++) {
        uint32_t bit;
        size_t m2 = cc_push_index(c, i);
        if (cc_enum_at(c, e, names, &bit) != 0)
            return -1;
        if ((*out & (1u << bit)) != 0)
            return cc_fail(c, "listed twice");
        *out |= 1u << bit;
        cc_pop(c, m2);
    }
    cc_pop(c, mark);
    return 0;
}

int cc_get_bool(struct cc *c, const cJSON *obj, const char *key, bool *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = false;
    if (v == NULL)
        return 0;
    if (!cJSON_IsBool(v)) {
        cc_push_key(c, key);
        return cc_fail(c, "must be true or false");
    }
    *out = cJSON_IsTrue(v);
    return 0;
}

/* obj.key must be an array of min..max elements. */
int cc_get_array(struct cc *c, const cJSON *obj, const char *key, int min, int max, bool required,
                 const cJSON **out)
{
    *out = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (*out == NULL)
        return required ? cc_fail(c, "missing key \"%s\"", key) : 0;
    int n = cJSON_GetArraySize(*out);
    if (!cJSON_IsArray(*out) || n < min || n > max) {
        cc_push_key(c, key);
        return cc_fail(c, "must be an array of %d..%d elements", min, max);
    }
    return 0;
}

/* ---- output buffers and the string table ---- */

int cc_buf_put(struct cc *c, struct buf *b, const void *p, size_t n)
{
    if (b->len + n > SCN_MAX_BLOB)
        return cc_fail(c, "compiled scenario larger than %u bytes", SCN_MAX_BLOB);
    if (b->len + n > b->cap) {
        size_t cap = b->cap == 0 ? 1024 : b->cap;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *q = realloc(b->p, cap);
        if (q == NULL)
            return cc_fail(c, "out of memory");
        b->p = q;
        b->cap = cap;
    }
    if (n > 0)
        memcpy(b->p + b->len, p, n);
    b->len += n;
    return 0;
}

/* Intern s[0..len): reuse any earlier occurrence in the table, else append it. */
int cc_add_str(struct cc *c, const char *s, size_t len, struct scn_str *ref)
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
    return cc_buf_put(c, &c->strtab, s, len);
}

/* Text at obj.key into the string table; *present false when the optional key is absent. */
int cc_get_str(struct cc *c, const cJSON *obj, const char *key, size_t min, size_t max,
               bool required, struct scn_str *ref, bool *present)
{
    const char *s;
    size_t len;
    *ref = (struct scn_str){0, 0};
    if (cc_get_text(c, obj, key, min, max, required, &s, &len) != 0)
        return -1;
    if (present != NULL)
        *present = s != NULL;
    return s == NULL ? 0 : cc_add_str(c, s, len, ref);
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
    if (cc_text_at(c, v, 1, SCN_MAX_NAME - 1, &s, &len) != 0)
        return -1;
    if (strcmp(s, "self") == 0) {
        if (!self_ok)
            return cc_fail(c, "\"self\" cannot be used here");
        *slot = SCN_SLOT_SELF;
        return 0;
    }
    int i = slot_of(c, s);
    if (i < 0)
        return cc_fail(c, "handle \"%s\" is not bound by any earlier step",
                       cc_shown(s, sbuf, sizeof(sbuf)));
    *slot = (uint8_t)i;
    return 0;
}

/* A handle name at v to bind: its slot, allocated on first use. */
static int bind_at(struct cc *c, const cJSON *v, uint8_t *slot)
{
    const char *s;
    size_t len;
    if (cc_text_at(c, v, 1, SCN_MAX_NAME - 1, &s, &len) != 0)
        return -1;
    if (strcmp(s, "self") == 0)
        return cc_fail(c, "\"self\" is predefined and cannot be bound");
    if (!scn_name_ok((const uint8_t *)s, len))
        return cc_fail(c, "handle names are 1..%u characters of A-Z a-z 0-9 _ -", SCN_MAX_NAME - 1);
    int i = slot_of(c, s);
    if (i < 0) {
        if (c->nnames == SCN_MAX_SLOTS)
            return cc_fail(c, "more than %u handle names in one task", SCN_MAX_SLOTS);
        i = (int)c->nnames++;
        memcpy(c->names[i], s, len + 1);
    }
    *slot = (uint8_t)i;
    return 0;
}

/* obj.key (required) as a handle to use (bind false) or to bind (bind true). */
int cc_get_handle(struct cc *c, const cJSON *obj, const char *key, bool bind, uint8_t *slot)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (v == NULL)
        return cc_fail(c, "missing key \"%s\"", key);
    size_t mark = cc_push_key(c, key);
    if ((bind ? bind_at(c, v, slot) : use_at(c, v, true, slot)) != 0)
        return -1;
    cc_pop(c, mark);
    return 0;
}

/* obj.key (required): an array of 1..max handle names into slots[], *n of them. */
int cc_get_handles(struct cc *c, const cJSON *obj, const char *key, uint32_t max, bool bind,
                   bool self_ok, uint8_t *slots, uint32_t *n)
{
    const cJSON *arr;
    if (cc_get_array(c, obj, key, 1, (int)max, true, &arr) != 0)
        return -1;
    size_t mark = cc_push_key(c, key);
    *n = 0;
    for (const cJSON *e = arr->child; e != NULL; e = e->next) {
        size_t m2 = cc_push_index(c, (int)*n);
        int rc = bind ? bind_at(c, e, &slots[*n]) : use_at(c, e, self_ok, &slots[*n]);
        if (rc != 0)
            return -1;
        cc_pop(c, m2);
        (*n)++;
    }
    for (uint32_t i = *n; i < SCN_MAX_XFER; i++)
        slots[i] = SCN_SLOT_NONE;
    cc_pop(c, mark);
    return 0;
}
