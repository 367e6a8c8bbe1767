/* SPDX-License-Identifier: MIT */
/*
 * core/url.c - the resource URL parser (see url.h). Core, freestanding.
 *
 * One left-to-right pass over s[0..len) with a small state machine for the current level.
 * Nesting needs no stack and no recursion: a level has at most one sub-URL, right after its
 * "://", so the levels still open are always level[0..open-1], the innermost last, and a
 * closed level's parent can never open another. Opening a level is bounded by
 * URL_MAX_DEPTH and every part by its own limit.
 *
 * Error offsets: the first byte that cannot continue a valid URL, or len when the input
 * ends too early (a missing "://", ']', port digit or escape digit). Over-long input is
 * rejected before any byte is read, at offset URL_MAX_LEN.
 */
#include "url.h"
#include "abi.h"
#include "kassert.h"
#include "klib.h"

K_STATIC_ASSERT(URL_MAX_LEN < UINT32_MAX, "offsets are uint32_t");
K_STATIC_ASSERT(URL_MAX_DEPTH >= 1 && URL_MAX_DEPTH < INT32_MAX, "sub is an int32_t index");

/* Where the current level is; the order matters (see url_next_part). */
enum url_state {
    URL_ST_SCHEME,    /* scheme bytes, up to the ':' */
    URL_ST_SLASH1,    /* the first '/' of "://" */
    URL_ST_SLASH2,    /* the second '/' */
    URL_ST_AUTHORITY, /* right after "://": only here may '[' open a sub-URL */
    URL_ST_HOST,      /* host bytes (possibly none yet, after a ']') */
    URL_ST_PORT,      /* digits after ':' */
    URL_ST_PATH,      /* from the '/' on */
    URL_ST_QUERY,     /* after the '?' */
};

struct url_parser {
    const char *s;
    uint32_t len;
    struct url_parsed *out;
    struct url_error *err;
    uint32_t open;        /* levels opened and not yet closed; level[open-1] is current */
    enum url_state state; /* of the current level */
    uint32_t part_start;  /* offset of the current part's first byte */
    uint32_t escape;      /* hex digits still owed by a %XX escape */
};

static bool url_fail(struct url_parser *p, uint32_t offset, const char *reason)
{
    K_ASSERT(offset <= p->len);
    K_ASSERT(reason != NULL);
    p->err->offset = offset;
    p->err->reason = reason;
    return false;
}

static struct url *url_cur(struct url_parser *p)
{
    K_ASSERT(p->open >= 1 && p->open <= p->out->depth);
    return &p->out->level[p->open - 1];
}

static struct url_str url_view(const struct url_parser *p, uint32_t off, uint32_t n)
{
    K_ASSERT(off <= p->len && n <= p->len - off);
    return (struct url_str){.ptr = p->s + off, .len = n};
}

static bool url_is_lower(char c)
{
    return c >= 'a' && c <= 'z';
}

static bool url_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool url_is_hex(char c)
{
    return url_is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool url_is_alnum(char c)
{
    return url_is_lower(c) || url_is_digit(c) || (c >= 'A' && c <= 'Z');
}

static bool url_is_scheme_char(char c)
{
    return url_is_lower(c) || url_is_digit(c) || c == '+' || c == '.' || c == '-';
}

/* Host bytes, apart from '%' escapes (RFC 3986 "unreserved"). */
static bool url_is_host_char(char c)
{
    return url_is_alnum(c) || c == '.' || c == '_' || c == '~' || c == '-';
}

/* Path bytes, apart from '%' escapes: unreserved, sub-delims, ':', '@' and '/'. */
static bool url_is_path_char(char c)
{
    static const char extra[] = "!$&'()*+,;=:@/";
    if (url_is_host_char(c))
        return true;
    for (size_t k = 0; k < sizeof(extra) - 1; k++) {
        if (c == extra[k])
            return true;
    }
    return false;
}

/* A fresh level whose text starts at offset start; every view empty until its part is seen. */
static void url_open_level(struct url_parser *p, uint32_t start)
{
    K_ASSERT(p->out->depth < URL_MAX_DEPTH);
    K_ASSERT(p->open == p->out->depth); /* no level has closed yet */
    struct url *u = &p->out->level[p->out->depth];
    struct url_str empty = url_view(p, start, 0);
    *u = (struct url){.scheme = empty,
                      .host = empty,
                      .port = empty,
                      .path = empty,
                      .query = empty,
                      .text = empty,
                      .sub = -1};
    if (p->out->depth > 0)
        p->out->level[p->out->depth - 1].sub = (int32_t)p->out->depth;
    p->out->depth++;
    p->open++;
    p->state = URL_ST_SCHEME;
    p->part_start = start;
}

/* Ends the current part (host, port, path or query) at offset i, before the byte there. */
static bool url_end_part(struct url_parser *p, uint32_t i)
{
    struct url *u = url_cur(p);
    K_ASSERT(p->state >= URL_ST_AUTHORITY && p->escape == 0);
    K_ASSERT(p->part_start <= i);
    struct url_str part = url_view(p, p->part_start, i - p->part_start);
    if (p->state == URL_ST_AUTHORITY || p->state == URL_ST_HOST)
        u->host = part;
    else if (p->state == URL_ST_PORT && part.len == 0)
        return url_fail(p, i, "port number expected after ':'");
    else if (p->state == URL_ST_PORT)
        u->port = part;
    else if (p->state == URL_ST_PATH)
        u->path = part;
    else if (p->state == URL_ST_QUERY)
        u->query = part;
    return true;
}

/* Closes the current level, whose last part has ended, at offset end (its ']' or len). */
static void url_close_level(struct url_parser *p, uint32_t end)
{
    struct url *u = url_cur(p);
    uint32_t start = (uint32_t)(u->text.ptr - p->s);
    K_ASSERT(start <= end && u->scheme.len > 0);
    u->text = url_view(p, start, end - start);
    if (!u->has_port)
        u->port = url_view(p, end, 0);
    if (!u->has_path)
        u->path = url_view(p, end, 0);
    if (!u->has_query)
        u->query = url_view(p, end, 0);
    p->open--;
}

/* The byte c at i ends the current part; start the part it introduces, or fail. */
static bool url_next_part(struct url_parser *p, uint32_t i, char c)
{
    static const char *const bad[] = {
        [URL_ST_AUTHORITY] = "bad character in host", [URL_ST_HOST] = "bad character in host",
        [URL_ST_PORT] = "bad character in port",      [URL_ST_PATH] = "bad character in path",
        [URL_ST_QUERY] = "bad character in query",
    };
    struct url *u = url_cur(p);
    K_ASSERT(p->state >= URL_ST_AUTHORITY && p->state <= URL_ST_QUERY);
    if (c == ':' && p->state <= URL_ST_HOST) {
        u->has_port = true;
        p->state = URL_ST_PORT;
        p->part_start = i + 1;
    } else if (c == '/' && p->state <= URL_ST_PORT) {
        u->has_path = true;
        p->state = URL_ST_PATH;
        p->part_start = i; /* the path keeps its leading '/' */
    } else if (c == '?' && p->state <= URL_ST_PATH) {
        u->has_query = true;
        p->state = URL_ST_QUERY;
        p->part_start = i + 1;
    } else if (c == ']') {
        if (p->open == 1)
            return url_fail(p, i, "unbalanced ']'");
        url_close_level(p, i);
        p->state = URL_ST_HOST; /* the parent goes on with its host, after the ']' */
        p->part_start = i + 1;
    } else if (c == '[') {
        return url_fail(p, i, "'[' allowed only right after \"://\"");
    } else {
        return url_fail(p, i, bad[p->state]);
    }
    return true;
}

/* Enforces the length limit of the current part once the byte at i belongs to it. */
static bool url_check_part_len(struct url_parser *p, uint32_t i)
{
    uint32_t n = i - p->part_start + 1;
    K_ASSERT(i >= p->part_start);
    if (p->state == URL_ST_HOST && n > URL_MAX_HOST)
        return url_fail(p, i, "host too long");
    if (p->state == URL_ST_PORT && n > URL_MAX_PORT)
        return url_fail(p, i, "port too long");
    if (p->state == URL_ST_PATH && n > URL_MAX_PATH)
        return url_fail(p, i, "path too long");
    if (p->state == URL_ST_QUERY && n > URL_MAX_QUERY)
        return url_fail(p, i, "query too long");
    return true;
}

static bool url_step_scheme(struct url_parser *p, uint32_t i, char c)
{
    uint32_t n = i - p->part_start; /* scheme bytes before c */
    if (c == ':' && n > 0) {
        url_cur(p)->scheme = url_view(p, p->part_start, n);
        p->state = URL_ST_SLASH1;
        return true;
    }
    if (n == 0 && !url_is_lower(c))
        return url_fail(p, i, "scheme must start with a-z");
    if (!url_is_scheme_char(c))
        return url_fail(p, i, "bad character in scheme");
    if (n + 1 > URL_MAX_SCHEME)
        return url_fail(p, i, "scheme too long");
    return true;
}

static bool url_step_slash(struct url_parser *p, uint32_t i, char c)
{
    if (c != '/')
        return url_fail(p, i, "\"://\" expected after the scheme");
    if (p->state == URL_ST_SLASH1) {
        p->state = URL_ST_SLASH2;
        return true;
    }
    p->state = URL_ST_AUTHORITY;
    p->part_start = i + 1;
    return true;
}

static bool url_step_host(struct url_parser *p, uint32_t i, char c)
{
    if (c == '[' && p->state == URL_ST_AUTHORITY) {
        if (p->out->depth == URL_MAX_DEPTH)
            return url_fail(p, i, "URL nested too deep");
        url_open_level(p, i + 1);
        return true;
    }
    if (url_is_host_char(c) || c == '%') {
        p->state = URL_ST_HOST;
        p->escape = c == '%' ? 2 : 0;
        return url_check_part_len(p, i);
    }
    return url_end_part(p, i) && url_next_part(p, i, c);
}

/* Port digits are kept as text: no range here (url_port_value). */
static bool url_step_port(struct url_parser *p, uint32_t i, char c)
{
    if (!url_is_digit(c))
        return url_end_part(p, i) && url_next_part(p, i, c);
    return url_check_part_len(p, i);
}

static bool url_step_path_query(struct url_parser *p, uint32_t i, char c)
{
    bool ok = url_is_path_char(c) || (c == '?' && p->state == URL_ST_QUERY);
    if (ok || c == '%') {
        p->escape = c == '%' ? 2 : 0;
        return url_check_part_len(p, i);
    }
    return url_end_part(p, i) && url_next_part(p, i, c);
}

/* Consumes the byte c at offset i. */
static bool url_step(struct url_parser *p, uint32_t i, char c)
{
    if (p->escape > 0) {
        if (!url_is_hex(c))
            return url_fail(p, i, "'%' must be followed by two hex digits");
        p->escape--;
        return url_check_part_len(p, i);
    }
    switch (p->state) {
    case URL_ST_SCHEME:
        return url_step_scheme(p, i, c);
    case URL_ST_SLASH1:
    case URL_ST_SLASH2:
        return url_step_slash(p, i, c);
    case URL_ST_AUTHORITY:
    case URL_ST_HOST:
        return url_step_host(p, i, c);
    case URL_ST_PORT:
        return url_step_port(p, i, c);
    case URL_ST_PATH:
    case URL_ST_QUERY:
        return url_step_path_query(p, i, c);
    }
    k_panic("url: bad parser state %d", (int)p->state);
}

/* The input ended: everything still open must be complete. */
static bool url_finish(struct url_parser *p)
{
    uint32_t end = p->len;
    if (p->escape > 0)
        return url_fail(p, end, "'%' must be followed by two hex digits");
    if (p->state == URL_ST_SCHEME && p->part_start == end)
        return url_fail(p, end, "scheme expected");
    if (p->state < URL_ST_AUTHORITY)
        return url_fail(p, end, "\"://\" expected after the scheme");
    if (!url_end_part(p, end))
        return false;
    if (p->open > 1)
        return url_fail(p, end, "']' expected");
    url_close_level(p, end);
    return true;
}

int url_parse(const char *s, size_t len, struct url_parsed *out, struct url_error *err)
{
    K_ASSERT(out != NULL && err != NULL);
    K_ASSERT(s != NULL || len == 0);
    out->depth = 0;
    if (len == 0) {
        *err = (struct url_error){.offset = 0, .reason = "empty URL"};
        return TW_E_SYNTAX;
    }
    if (len > URL_MAX_LEN) {
        *err = (struct url_error){.offset = URL_MAX_LEN, .reason = "URL too long"};
        return TW_E_SYNTAX;
    }
    struct url_parser p = {.s = s, .len = (uint32_t)len, .out = out, .err = err};
    url_open_level(&p, 0);
    bool ok = true;
    for (uint32_t i = 0; ok && i < p.len; i++)
        ok = url_step(&p, i, s[i]);
    if (ok)
        ok = url_finish(&p);
    if (!ok) {
        out->depth = 0;
        return TW_E_SYNTAX;
    }
    K_ASSERT(p.open == 0);
    K_ASSERT(out->depth >= 1 && out->depth <= URL_MAX_DEPTH);
    K_ASSERT(out->level[0].text.ptr == s && out->level[0].text.len == len);
    return TW_OK;
}

bool url_port_value(const struct url *u, uint64_t max, uint64_t *out)
{
    K_ASSERT(u != NULL && out != NULL);
    uint64_t v;
    if (!u->has_port || !k_parse_u64(u->port.ptr, u->port.len, &v) || v > max)
        return false; /* k_parse_u64 also refuses a value past UINT64_MAX */
    *out = v;
    return true;
}

bool url_query_get(const struct url *u, const char *key, struct url_str *val)
{
    K_ASSERT(u != NULL && key != NULL && val != NULL);
    K_ASSERT(u->query.len <= URL_MAX_QUERY);
    const char *q = u->query.ptr;
    uint32_t n = u->query.len;
    /* A key longer than the query cannot match: never read more of it than that. */
    size_t klen = k_strnlen(key, (size_t)n + 1);
    if (!u->has_query || klen == 0 || klen > n)
        return false;
    for (uint32_t start = 0; start <= n;) { /* one item per turn; start grows every turn */
        uint32_t end = start;
        while (end < n && q[end] != '&')
            end++;
        uint32_t eq = start;
        while (eq < end && q[eq] != '=')
            eq++;
        if (eq - start == klen && k_memcmp(q + start, key, klen) == 0) {
            bool has_val = eq < end;
            *val = (struct url_str){.ptr = has_val ? q + eq + 1 : q + end,
                                    .len = has_val ? end - eq - 1 : 0};
            return true;
        }
        start = end + 1;
    }
    return false;
}

bool url_query_has(const struct url *u, const char *key)
{
    struct url_str val;
    return url_query_get(u, key, &val);
}
