/* SPDX-License-Identifier: MIT */
/*
 * core/url.h - the resource URL parser (docs/architecture.md, "Resources are URLs").
 *
 *   url = scheme "://" [ "[" url "]" ] [ host ] [ ":" port ] [ "/" path ] [ "?" query ]
 *   port = 1*20 DIGIT   (kept as written: its range is the scheme's, url_port_value)
 *
 * Strict and bounded: no recursion (nesting is parsed with an explicit bound), every part
 * length-limited, every malformed input rejected with the byte offset and the reason.
 * The result holds views into the caller's string; nothing is copied or allocated.
 */
#ifndef TWAIN_CORE_URL_H
#define TWAIN_CORE_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "limits.h" /* URL_MAX_*: the bounds of the whole URL and of each part */

/* A view into the parsed string. */
struct url_str {
    const char *ptr;
    uint32_t len;
};

/* One URL level. */
struct url {
    struct url_str scheme; /* [a-z][a-z0-9+.-]* */
    struct url_str host;   /* may be empty (len 0) */
    struct url_str port;  /* the digits after ':' as written (1..URL_MAX_PORT), len 0 when absent */
    struct url_str path;  /* includes the leading '/', or len 0 when absent */
    struct url_str query; /* without the '?', len 0 when absent */
    struct url_str text;  /* the whole text of this level, brackets excluded */
    bool has_port;
    bool has_path;
    bool has_query;
    int32_t sub; /* index in url_parsed.level[] of the nested URL, or -1 */
};

/* A parse: level[0] is the outermost URL, level[i].sub chains inward. */
struct url_parsed {
    uint32_t depth;
    struct url level[URL_MAX_DEPTH];
};

struct url_error {
    uint32_t offset;    /* byte offset of the offending character */
    const char *reason; /* static string, e.g. "port too long" */
};

/*
 * Parse s[0..len). Returns 0 with *out filled (views into s), or TW_E_SYNTAX (too deep,
 * too long, bad character, ...) with *err set. Never reads past s[len-1]; a NUL inside
 * the range is a bad character.
 */
int url_parse(const char *s, size_t len, struct url_parsed *out, struct url_error *err)
    __attribute__((warn_unused_result));

/*
 * The port's value when u has one and it is at most max: true with *out set, else false.
 * The parser keeps a port as written and knows no range: each scheme applies its own (a
 * network port would be at most 65535; timer://interval:N/ takes a count of ms).
 */
bool url_port_value(const struct url *u, uint64_t max, uint64_t *out)
    __attribute__((warn_unused_result));

/* True when the query contains the key (as "key" or "key=value" among '&'-separated items). */
bool url_query_has(const struct url *u, const char *key);

/*
 * Find key=value in the query: true with *val set to the value's view. "key" alone yields
 * an empty value.
 */
bool url_query_get(const struct url *u, const char *key, struct url_str *val);

#endif /* TWAIN_CORE_URL_H */
