/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_url.c - unit tests of core/url.c (Check, forked mode).
 *
 * Every input is copied to the very end of a read-only mapping followed by an inaccessible
 * guard page, so a parser that reads s[len] or writes into s crashes its test.
 * Covers the documented examples (nested network stacks, storage stacks, the kernel's
 * schemes) field by field, a table of malformed URLs
 * with their error offsets, every limit at and one past its bound, the byte classes of
 * each part, the query helpers and parsing a prefix of a longer buffer.
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../core/abi.h"
#include "../../core/url.h"

/* ---- helpers ---------------------------------------------------------------------------- */

/*
 * A read-only copy of src[0..len) that ends right where an inaccessible page begins. The
 * last GUARD_RING copies stay mapped (views of recent parses remain readable); older ones
 * are unmapped, so a long run in CK_FORK=no mode does not pile up mappings.
 */
#define GUARD_RING 8

static const char *guarded_copy(const void *src, size_t len)
{
    static struct {
        char *base;
        size_t size;
    } ring[GUARD_RING];
    static unsigned next;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t data = len == 0 ? page : (len + page - 1) / page * page;
    if (ring[next].base != NULL)
        ck_assert_int_eq(munmap(ring[next].base, ring[next].size), 0);
    char *base =
        mmap(NULL, data + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(base, MAP_FAILED);
    ring[next].base = base;
    ring[next].size = data + page;
    next = (next + 1) % GUARD_RING;
    char *dst = base + data - len;
    if (len > 0)
        memcpy(dst, src, len);
    ck_assert_int_eq(mprotect(base, data, PROT_READ), 0);
    ck_assert_int_eq(mprotect(base + data, page, PROT_NONE), 0);
    return dst;
}

/* Parses a guarded copy of s[0..len); on failure checks that depth is reset. */
static int parse_n(const char *s, size_t len, const char **copy, struct url_parsed *out,
                   struct url_error *err)
{
    *copy = guarded_copy(s, len);
    memset(out, 0xa5, sizeof(*out));
    *err = (struct url_error){.offset = UINT32_MAX, .reason = NULL};
    int rc = url_parse(*copy, len, out, err);
    if (rc != TW_OK) {
        ck_assert_int_eq(rc, TW_E_SYNTAX);
        ck_assert_uint_eq(out->depth, 0);
        ck_assert_ptr_nonnull(err->reason);
        ck_assert_uint_ge(strlen(err->reason), 3);
        ck_assert_uint_le(err->offset, len);
    }
    return rc;
}

static int parse(const char *s, struct url_parsed *out, struct url_error *err)
{
    const char *copy;
    return parse_n(s, strlen(s), &copy, out, err);
}

/* Parses s, which must be valid; returns the guarded copy the views point into. */
static const char *parse_ok(const char *s, struct url_parsed *out)
{
    const char *copy;
    struct url_error err;
    int rc = parse_n(s, strlen(s), &copy, out, &err);
    ck_assert_msg(rc == TW_OK, "\"%s\" rejected at %u: %s", s, err.offset, err.reason);
    return copy;
}

/* Parses s, which must fail at offset off with a reason containing why. */
static void parse_bad(const char *s, size_t len, uint32_t off, const char *why)
{
    const char *copy;
    struct url_parsed out;
    struct url_error err;
    int rc = parse_n(s, len, &copy, &out, &err);
    ck_assert_msg(rc == TW_E_SYNTAX, "\"%.*s\" accepted", (int)len, s);
    ck_assert_msg(err.offset == off, "\"%.*s\": offset %u (%s), want %u", (int)len, s, err.offset,
                  err.reason, off);
    ck_assert_msg(strstr(err.reason, why) != NULL, "\"%.*s\": reason \"%s\", want \"%s\"", (int)len,
                  s, err.reason, why);
}

static bool view_eq(struct url_str v, const char *want)
{
    return v.len == strlen(want) && memcmp(v.ptr, want, v.len) == 0;
}

#define ck_assert_view(v, want)                                                                    \
    ck_assert_msg(view_eq((v), (want)), "%s is \"%.*s\", want \"%s\"", #v, (int)(v).len, (v).ptr,  \
                  (want))

/* True when v lies inside s[0..len). */
static bool view_inside(struct url_str v, const char *s, size_t len)
{
    return v.ptr >= s && v.ptr <= s + len && v.len <= (size_t)(s + len - v.ptr);
}

/* ---- the examples: every field of every level ------------------------------------------- */

struct want_level {
    const char *scheme;
    const char *host;
    const char *port;  /* the digits; NULL: no port */
    const char *path;  /* NULL: no path */
    const char *query; /* NULL: no query */
    const char *text;
};

struct want_url {
    const char *url;
    uint32_t depth;
    struct want_level lv[URL_MAX_DEPTH];
};

static const struct want_url valid[] = {
    /* nesting: network stacks, file systems over devices, images and caches */
    {"tcp://127.0.0.1:8192/",
     1,
     {{"tcp", "127.0.0.1", "8192", "/", NULL, "tcp://127.0.0.1:8192/"}}},
    {"tcp://[ipv4://[net://ether:0/]127.0.0.1/]:8192/",
     3,
     {{"tcp", "", "8192", "/", NULL, "tcp://[ipv4://[net://ether:0/]127.0.0.1/]:8192/"},
      {"ipv4", "127.0.0.1", NULL, "/", NULL, "ipv4://[net://ether:0/]127.0.0.1/"},
      {"net", "ether", "0", "/", NULL, "net://ether:0/"}}},
    {"tcp://[serial://:0/]:8192/",
     2,
     {{"tcp", "", "8192", "/", NULL, "tcp://[serial://:0/]:8192/"},
      {"serial", "", "0", "/", NULL, "serial://:0/"}}},
    {"file:///some/path/to/file",
     1,
     {{"file", "", NULL, "/some/path/to/file", NULL, "file:///some/path/to/file"}}},
    {"ext4://[ide://master:0/]/",
     2,
     {{"ext4", "", NULL, "/", NULL, "ext4://[ide://master:0/]/"},
      {"ide", "master", "0", "/", NULL, "ide://master:0/"}}},
    {"ext4://[file:///some/image]/some/path",
     2,
     {{"ext4", "", NULL, "/some/path", NULL, "ext4://[file:///some/image]/some/path"},
      {"file", "", NULL, "/some/image", NULL, "file:///some/image"}}},
    {"ext4://[cache://[ide://master:0/]/]/",
     3,
     {{"ext4", "", NULL, "/", NULL, "ext4://[cache://[ide://master:0/]/]/"},
      {"cache", "", NULL, "/", NULL, "cache://[ide://master:0/]/"},
      {"ide", "master", "0", "/", NULL, "ide://master:0/"}}},
    {"zero:///", 1, {{"zero", "", NULL, "/", NULL, "zero:///"}}},
    {"http://test.com/", 1, {{"http", "test.com", NULL, "/", NULL, "http://test.com/"}}},
    {"system://memory/free_mem",
     1,
     {{"system", "memory", NULL, "/free_mem", NULL, "system://memory/free_mem"}}},
    {"timer://interval:100/",
     1,
     {{"timer", "interval", "100", "/", NULL, "timer://interval:100/"}}},
    /* a port is digits as written, of any value: its range is the scheme's (url_port_value) */
    {"timer://interval:100000/",
     1,
     {{"timer", "interval", "100000", "/", NULL, "timer://interval:100000/"}}},
    {"tcp://host:65536/", 1, {{"tcp", "host", "65536", "/", NULL, "tcp://host:65536/"}}},
    {"s://h:18446744073709551616",
     1,
     {{"s", "h", "18446744073709551616", NULL, NULL, "s://h:18446744073709551616"}}},
    /* the kernel's schemes */
    {"timer://oneshot:5/", 1, {{"timer", "oneshot", "5", "/", NULL, "timer://oneshot:5/"}}},
    {"chan://ping?listen", 1, {{"chan", "ping", NULL, NULL, "listen", "chan://ping?listen"}}},
    {"chan://?pair", 1, {{"chan", "", NULL, NULL, "pair", "chan://?pair"}}},
    {"chan://ping?cap=4", 1, {{"chan", "ping", NULL, NULL, "cap=4", "chan://ping?cap=4"}}},
    {"fat://[cache://[blk://disk0/]/]/EFI/BOOT/BOOTX64.EFI",
     3,
     {{"fat", "", NULL, "/EFI/BOOT/BOOTX64.EFI", NULL,
       "fat://[cache://[blk://disk0/]/]/EFI/BOOT/BOOTX64.EFI"},
      {"cache", "", NULL, "/", NULL, "cache://[blk://disk0/]/"},
      {"blk", "disk0", NULL, "/", NULL, "blk://disk0/"}}},
    {"fat://[blk://ram0/]/EFI/BOOT/x",
     2,
     {{"fat", "", NULL, "/EFI/BOOT/x", NULL, "fat://[blk://ram0/]/EFI/BOOT/x"},
      {"blk", "ram0", NULL, "/", NULL, "blk://ram0/"}}},
    {"console://", 1, {{"console", "", NULL, NULL, NULL, "console://"}}},
    {"null://", 1, {{"null", "", NULL, NULL, NULL, "null://"}}},
    /* edges of the grammar */
    {"a+b.c-9://h", 1, {{"a+b.c-9", "h", NULL, NULL, NULL, "a+b.c-9://h"}}},
    {"s://h%2F%c3%A9x:7/p%20q?k%3D=v/?w",
     1,
     {{"s", "h%2F%c3%A9x", "7", "/p%20q", "k%3D=v/?w", "s://h%2F%c3%A9x:7/p%20q?k%3D=v/?w"}}},
    {"s://A-Z.a_z~09:65535//a:@!$&'()*+,;=/",
     1,
     {{"s", "A-Z.a_z~09", "65535", "//a:@!$&'()*+,;=/", NULL,
       "s://A-Z.a_z~09:65535//a:@!$&'()*+,;=/"}}},
    {"s://:00000", 1, {{"s", "", "00000", NULL, NULL, "s://:00000"}}},
    {"s://h?", 1, {{"s", "h", NULL, NULL, "", "s://h?"}}},
    {"s://h/?", 1, {{"s", "h", NULL, "/", "", "s://h/?"}}},
    {"s://[t://]",
     2,
     {{"s", "", NULL, NULL, NULL, "s://[t://]"}, {"t", "", NULL, NULL, NULL, "t://"}}},
    {"s://[t://?in]h:1/p?out",
     2,
     {{"s", "h", "1", "/p", "out", "s://[t://?in]h:1/p?out"},
      {"t", "", NULL, NULL, "in", "t://?in"}}},
    {"s://[t://[u://x]]",
     3,
     {{"s", "", NULL, NULL, NULL, "s://[t://[u://x]]"},
      {"t", "", NULL, NULL, NULL, "t://[u://x]"},
      {"u", "x", NULL, NULL, NULL, "u://x"}}},
};

static void check_level(const struct url_parsed *out, uint32_t i, const struct want_level *w)
{
    const struct url *u = &out->level[i];
    ck_assert_view(u->scheme, w->scheme);
    ck_assert_view(u->host, w->host);
    ck_assert_view(u->text, w->text);
    ck_assert_int_eq(u->has_port, w->port != NULL);
    ck_assert_view(u->port, w->port != NULL ? w->port : "");
    if (w->port != NULL) /* right after the host and its ':' */
        ck_assert_ptr_eq(u->port.ptr, u->host.ptr + u->host.len + 1);
    ck_assert_int_eq(u->has_path, w->path != NULL);
    ck_assert_view(u->path, w->path != NULL ? w->path : "");
    ck_assert_int_eq(u->has_query, w->query != NULL);
    ck_assert_view(u->query, w->query != NULL ? w->query : "");
    ck_assert_int_eq(u->sub, i + 1 < out->depth ? (int32_t)(i + 1) : -1);
}

START_TEST(test_valid_examples)
{
    const struct want_url *w = &valid[_i];
    struct url_parsed out;
    const char *s = parse_ok(w->url, &out);
    size_t len = strlen(w->url);
    ck_assert_uint_eq(out.depth, w->depth);
    ck_assert_ptr_eq(out.level[0].text.ptr, s);
    for (uint32_t i = 0; i < out.depth; i++) {
        const struct url *u = &out.level[i];
        check_level(&out, i, &w->lv[i]);
        ck_assert(view_inside(u->scheme, s, len) && view_inside(u->host, s, len));
        ck_assert(view_inside(u->path, s, len) && view_inside(u->query, s, len));
        ck_assert(view_inside(u->text, s, len));
        ck_assert_ptr_eq(u->scheme.ptr, u->text.ptr);
    }
}
END_TEST

/* A nested level's text is itself a URL, and parses alone to the same levels. */
START_TEST(test_valid_sub_texts_reparse)
{
    const struct want_url *w = &valid[_i];
    for (uint32_t i = 1; i < w->depth; i++) {
        struct url_parsed out;
        parse_ok(w->lv[i].text, &out);
        ck_assert_uint_eq(out.depth, w->depth - i);
        for (uint32_t j = 0; j < out.depth; j++)
            check_level(&out, j, &w->lv[i + j]);
    }
}
END_TEST

/* ---- malformed URLs --------------------------------------------------------------------- */

struct bad_url {
    const char *url;
    size_t len; /* 0: strlen(url) */
    uint32_t offset;
    const char *why; /* part of the reason */
};

static const struct bad_url bad[] = {
    {"", 0, 0, "empty"},
    {"tcp", 0, 3, "://"},
    {"tcp:", 0, 4, "://"},
    {"tcp:/", 0, 5, "://"},
    {"tcp:/x", 0, 5, "://"},
    {"tcp:x//", 0, 4, "://"},
    {"tcp//x", 0, 3, "scheme"},
    {"tcp ://", 0, 3, "scheme"},
    {"://x", 0, 0, "a-z"},
    {" tcp://", 0, 0, "a-z"},
    {"Tcp://x", 0, 0, "a-z"},
    {"1tcp://x", 0, 0, "a-z"},
    {"tCp://x", 0, 1, "scheme"},
    {"t_p://x", 0, 1, "scheme"},
    {"tcp://ho st/", 0, 8, "host"},
    {"tcp://@host", 0, 6, "host"},
    {"tcp://h\\x", 0, 7, "host"},
    {"tcp://ho\0st", 11, 8, "host"},
    {"tcp://host:", 0, 11, "port"},
    {"tcp://host:/", 0, 11, "port"},
    {"tcp://host:-1", 0, 11, "port"},
    {"tcp://host:123456789012345678901", 0, 31, "port too long"}, /* 21 digits */
    {"tcp://host:000000000000000000000", 0, 31, "port too long"},
    {"tcp://host:8x", 0, 12, "port"},
    {"tcp://host:80:81", 0, 13, "port"},
    {"tcp://host/pa th", 0, 13, "path"},
    {"tcp://host/p\x01", 0, 12, "path"},
    {"tcp://host/p\x7f", 0, 12, "path"},
    {"tcp://host/p\x80", 0, 12, "path"},
    {"tcp://host/p\xff/", 0, 12, "path"},
    {"tcp://host/a#b", 0, 12, "path"},
    {"tcp://host/a\0b", 14, 12, "path"},
    {"tcp://host?q uery", 0, 12, "query"},
    {"tcp://host?a#b", 0, 12, "query"},
    {"tcp://host:80?x y", 0, 15, "query"},
    {"tcp://h%zz/", 0, 8, "hex"},
    {"tcp://h%2g", 0, 9, "hex"},
    {"tcp://h%", 0, 8, "hex"},
    {"tcp://h%2", 0, 9, "hex"},
    {"tcp://host/%", 0, 12, "hex"},
    {"tcp://host?%4", 0, 13, "hex"},
    {"tcp://[", 0, 7, "scheme expected"},
    {"tcp://[]", 0, 7, "a-z"},
    {"tcp://[a:/]", 0, 10, "://"},
    {"tcp://[a://x", 0, 12, "']'"},
    {"tcp://[a://[b://c]", 0, 18, "']'"},
    {"tcp://a]", 0, 7, "unbalanced"},
    {"tcp://]", 0, 6, "unbalanced"},
    {"tcp://[a://x]]", 0, 13, "unbalanced"},
    {"tcp://host/path?q]", 0, 17, "unbalanced"},
    {"tcp://a[b://]", 0, 7, "'['"},
    {"tcp://[a://x][b://y]", 0, 13, "'['"},
    {"tcp://host/[a", 0, 11, "'['"},
    {"tcp://host?[a", 0, 11, "'['"},
    {"[tcp://x]", 0, 0, "a-z"},
    {"tcp://[a://x]y z", 0, 14, "host"},
    {"tcp://[a://b]:x", 0, 14, "port"},
    {"tcp://[a://b c]", 0, 12, "host"},
    {"tcp://x\r\n", 0, 7, "host"},
};

START_TEST(test_malformed)
{
    const struct bad_url *b = &bad[_i];
    parse_bad(b->url, b->len != 0 ? b->len : strlen(b->url), b->offset, b->why);
}
END_TEST

/* ---- limits ----------------------------------------------------------------------------- */

/* "a://" + n times c, or with a prefix/suffix, in buf (NUL-terminated). */
static const char *build(char *buf, size_t cap, const char *pre, char c, size_t n, const char *post)
{
    size_t lp = strlen(pre), lq = strlen(post);
    ck_assert_uint_lt(lp + n + lq, cap);
    memcpy(buf, pre, lp);
    memset(buf + lp, c, n);
    memcpy(buf + lp + n, post, lq + 1);
    return buf;
}

START_TEST(test_limit_total_length)
{
    static char buf[URL_MAX_LEN + 16];
    struct url_parsed out;
    /* 4 + host 255 + path: exactly URL_MAX_LEN bytes, every part within its own limit */
    size_t path = URL_MAX_LEN - 4 - URL_MAX_HOST;
    ck_assert_uint_le(path, URL_MAX_PATH);
    memset(buf, 0, sizeof(buf));
    build(buf, sizeof(buf), "a://", 'h', URL_MAX_HOST, "/");
    memset(buf + strlen(buf), 'p', path - 1);
    ck_assert_uint_eq(strlen(buf), URL_MAX_LEN);
    parse_ok(buf, &out);
    ck_assert_uint_eq(out.level[0].host.len, URL_MAX_HOST);
    ck_assert_uint_eq(out.level[0].path.len, path);
    buf[URL_MAX_LEN] = 'p';
    parse_bad(buf, URL_MAX_LEN + 1, URL_MAX_LEN, "too long");
    /* the total is checked before any byte: a long input of garbage fails at the limit */
    memset(buf, ' ', URL_MAX_LEN + 1);
    parse_bad(buf, URL_MAX_LEN + 1, URL_MAX_LEN, "too long");
}
END_TEST

START_TEST(test_limit_parts)
{
    static char buf[URL_MAX_LEN + 16];
    struct url_parsed out;
    parse_ok(build(buf, sizeof(buf), "", 's', URL_MAX_SCHEME, "://h"), &out);
    ck_assert_uint_eq(out.level[0].scheme.len, URL_MAX_SCHEME);
    build(buf, sizeof(buf), "", 's', URL_MAX_SCHEME + 1, "://h");
    parse_bad(buf, strlen(buf), URL_MAX_SCHEME, "scheme too long");

    parse_ok(build(buf, sizeof(buf), "a://", 'h', URL_MAX_HOST, ":1"), &out);
    ck_assert_uint_eq(out.level[0].host.len, URL_MAX_HOST);
    build(buf, sizeof(buf), "a://", 'h', URL_MAX_HOST + 1, ":1");
    parse_bad(buf, strlen(buf), 4 + URL_MAX_HOST, "host too long");

    parse_ok(build(buf, sizeof(buf), "a://h:", '9', URL_MAX_PORT, "/"), &out);
    ck_assert_uint_eq(out.level[0].port.len, URL_MAX_PORT);
    build(buf, sizeof(buf), "a://h:", '9', URL_MAX_PORT + 1, "/");
    parse_bad(buf, strlen(buf), 6 + URL_MAX_PORT, "port too long");

    parse_ok(build(buf, sizeof(buf), "a:///", 'p', URL_MAX_PATH - 1, "?q"), &out);
    ck_assert_uint_eq(out.level[0].path.len, URL_MAX_PATH);
    build(buf, sizeof(buf), "a:///", 'p', URL_MAX_PATH, "?q");
    parse_bad(buf, strlen(buf), 4 + URL_MAX_PATH, "path too long");

    parse_ok(build(buf, sizeof(buf), "a://?", 'q', URL_MAX_QUERY, ""), &out);
    ck_assert_uint_eq(out.level[0].query.len, URL_MAX_QUERY);
    build(buf, sizeof(buf), "a://?", 'q', URL_MAX_QUERY + 1, "");
    parse_bad(buf, strlen(buf), 5 + URL_MAX_QUERY, "query too long");
}
END_TEST

/* Escapes count as their three bytes, and one may not straddle a part's limit. */
START_TEST(test_limit_escapes)
{
    char buf[8 + 3 * URL_MAX_HOST];
    struct url_parsed out;
    size_t n = 4;
    memcpy(buf, "a://", 4);
    for (size_t k = 0; k < URL_MAX_HOST / 3; k++, n += 3)
        memcpy(buf + n, "%41", 3);
    buf[n] = '\0';
    ck_assert_uint_eq(URL_MAX_HOST % 3, 0);
    parse_ok(buf, &out);
    ck_assert_uint_eq(out.level[0].host.len, URL_MAX_HOST);
    memcpy(buf + n - 3, "x%41", 5); /* the last escape's final digit is byte 256 */
    parse_bad(buf, strlen(buf), 4 + URL_MAX_HOST, "host too long");
}
END_TEST

/* The nested URL a://[a://[ ... a:// ... ]] of the given depth. */
static size_t nest(char *buf, size_t cap, uint32_t depth)
{
    size_t n = 0;
    for (uint32_t k = 0; k + 1 < depth; k++, n += 5) {
        ck_assert_uint_lt(n + 5, cap);
        memcpy(buf + n, "a://[", 5);
    }
    memcpy(buf + n, "a://", 4);
    n += 4;
    for (uint32_t k = 0; k + 1 < depth; k++) {
        ck_assert_uint_lt(n + 1, cap);
        buf[n++] = ']';
    }
    buf[n] = '\0';
    return n;
}

START_TEST(test_limit_depth)
{
    char buf[16 * (URL_MAX_DEPTH + 2)];
    struct url_parsed out;
    nest(buf, sizeof(buf), URL_MAX_DEPTH);
    const char *s = parse_ok(buf, &out);
    ck_assert_uint_eq(out.depth, URL_MAX_DEPTH);
    for (uint32_t i = 0; i < URL_MAX_DEPTH; i++) {
        const struct url *u = &out.level[i];
        ck_assert_int_eq(u->sub, i + 1 < URL_MAX_DEPTH ? (int32_t)(i + 1) : -1);
        ck_assert_ptr_eq(u->text.ptr, s + 5 * i);
        ck_assert_uint_eq(u->text.len, strlen(buf) - 6 * i);
        ck_assert_view(u->scheme, "a");
        ck_assert_view(u->host, "");
    }
    size_t n = nest(buf, sizeof(buf), URL_MAX_DEPTH + 1);
    parse_bad(buf, n, 5 * (URL_MAX_DEPTH - 1) + 4, "deep");
    /* depth 1 is a plain URL */
    nest(buf, sizeof(buf), 1);
    parse_ok(buf, &out);
    ck_assert_uint_eq(out.depth, 1);
    ck_assert_int_eq(out.level[0].sub, -1);
}
END_TEST

/* ---- byte classes ----------------------------------------------------------------------- */

static bool in_set(int c, const char *set)
{
    return c != 0 && strchr(set, c) != NULL;
}

#define ALNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

/*
 * Every byte value at offset pos, between pre and post: accepted exactly when in set, else
 * rejected at pos. Bytes in skip are not tried (they fail later, by design of the template).
 */
static void check_class(const char *pre, const char *post, const char *set, uint32_t pos,
                        const char *skip)
{
    char buf[64];
    size_t lp = strlen(pre), lq = strlen(post);
    ck_assert_uint_eq(lp, pos);
    for (int c = 0; c < 256; c++) {
        struct url_parsed out;
        struct url_error err;
        const char *copy;
        if (in_set(c, skip))
            continue;
        memcpy(buf, pre, lp);
        buf[lp] = (char)c;
        memcpy(buf + lp + 1, post, lq);
        int rc = parse_n(buf, lp + 1 + lq, &copy, &out, &err);
        ck_assert_msg((rc == TW_OK) == in_set(c, set), "byte 0x%02x in %s_%s: rc %d", c, pre, post,
                      rc);
        if (rc != TW_OK)
            ck_assert_msg(err.offset == pos, "byte 0x%02x in %s_%s: offset %u", c, pre, post,
                          err.offset);
    }
}

#define LOWER      "abcdefghijklmnopqrstuvwxyz"
#define DIGIT      "0123456789"
#define HEX        DIGIT "abcdefABCDEF"
#define HOST_CHARS ALNUM "._~-"
#define PATH_CHARS HOST_CHARS "!$&'()*+,;=:@/"

START_TEST(test_byte_classes)
{
    /* "41" after the byte completes a %-escape, a port, or more host, path or query */
    check_class("", "://", LOWER, 0, "");
    check_class("s", "://", LOWER DIGIT "+.-", 1, ":");
    check_class("s://", "41", HOST_CHARS "%:/?", 4, "[");
    check_class("s://h", "41", HOST_CHARS "%:/?", 5, "");
    check_class("s://h:", "", DIGIT, 6, "");
    check_class("s://h/", "41", PATH_CHARS "%?", 6, "");
    check_class("s://h?", "41", PATH_CHARS "%?", 6, "");
    check_class("s://h%", "0", HEX, 6, "");
    check_class("s://h%0", "", HEX, 7, "");
}
END_TEST

/* ---- the port's value ------------------------------------------------------------------ */

/* url_port_value(url's level 0, max): the value, or -1 when refused. */
static int64_t port_value(const char *url, uint64_t max)
{
    struct url_parsed out;
    uint64_t v = 12345;
    parse_ok(url, &out);
    if (!url_port_value(&out.level[0], max, &v)) {
        ck_assert_uint_eq(v, 12345); /* untouched */
        return -1;
    }
    return (int64_t)v;
}

START_TEST(test_port_value)
{
    struct url_parsed out;
    uint64_t v;
    ck_assert_int_eq(port_value("tcp://h:0", 0), 0);
    ck_assert_int_eq(port_value("tcp://h:00080/", 65535), 80); /* leading zeros as written */
    ck_assert_int_eq(port_value("tcp://h:65535", 65535), 65535);
    ck_assert_int_eq(port_value("tcp://h:65536", 65535), -1); /* a network port's range */
    ck_assert_int_eq(port_value("tcp://h:65536", 65536), 65536);
    ck_assert_int_eq(port_value("tcp://h/", UINT64_MAX), -1); /* no port */
    ck_assert_int_eq(port_value("tcp://h?x=1", UINT64_MAX), -1);
    /* timer://interval:N/: up to 2^62 ns, so N <= 4611686018427 ms */
    ck_assert_int_eq(port_value("timer://interval:4611686018427/", (1ull << 62) / 1000000),
                     4611686018427);
    ck_assert_int_eq(port_value("timer://interval:4611686018428/", (1ull << 62) / 1000000), -1);
    /* 20 digits: UINT64_MAX is a value, one more is refused, not wrapped */
    parse_ok("s://h:18446744073709551615", &out);
    ck_assert(url_port_value(&out.level[0], UINT64_MAX, &v));
    ck_assert_uint_eq(v, UINT64_MAX);
    ck_assert_int_eq(port_value("s://h:18446744073709551616", UINT64_MAX), -1);
    ck_assert_int_eq(port_value("s://h:99999999999999999999", UINT64_MAX), -1);
    ck_assert_int_eq(port_value("s://h:00000000000000000007", 7), 7);
    /* a nested level's port is its own */
    parse_ok("a://[b://x:7/]:9", &out);
    ck_assert(url_port_value(&out.level[1], 7, &v) && v == 7);
    ck_assert(url_port_value(&out.level[0], 9, &v) && v == 9);
}
END_TEST

/* ---- query helpers ---------------------------------------------------------------------- */

START_TEST(test_query_helpers)
{
    struct url_parsed out;
    struct url_str v;
    parse_ok("chan://ping?listen", &out);
    ck_assert(url_query_has(&out.level[0], "listen"));
    ck_assert(!url_query_has(&out.level[0], "list"));
    ck_assert(!url_query_has(&out.level[0], "listens"));
    ck_assert(!url_query_has(&out.level[0], "ping"));
    ck_assert(url_query_get(&out.level[0], "listen", &v));
    ck_assert_uint_eq(v.len, 0);
    ck_assert_ptr_eq(v.ptr, out.level[0].query.ptr + 6);

    parse_ok("chan://ping?cap=4", &out);
    ck_assert(url_query_has(&out.level[0], "cap"));
    ck_assert(url_query_get(&out.level[0], "cap", &v));
    ck_assert_view(v, "4");
    ck_assert(!url_query_has(&out.level[0], "cap=4"));
    ck_assert(!url_query_has(&out.level[0], "4"));

    parse_ok("chan://?pair", &out);
    ck_assert(url_query_has(&out.level[0], "pair"));
    ck_assert(!url_query_has(&out.level[0], ""));
}
END_TEST

START_TEST(test_query_items)
{
    struct url_parsed out;
    struct url_str v;
    const struct url *u = &out.level[0];
    parse_ok("x://?a=1&b&c=&=z&d=e=f&a=2&&g?=h/", &out);
    ck_assert(url_query_get(u, "a", &v)); /* the first one wins */
    ck_assert_view(v, "1");
    ck_assert(url_query_get(u, "b", &v));
    ck_assert_view(v, "");
    ck_assert(url_query_get(u, "c", &v));
    ck_assert_view(v, "");
    ck_assert(url_query_get(u, "d", &v));
    ck_assert_view(v, "e=f");
    ck_assert(url_query_get(u, "g?", &v));
    ck_assert_view(v, "h/");
    ck_assert(!url_query_has(u, ""));
    ck_assert(!url_query_has(u, "z"));
    ck_assert(!url_query_has(u, "e"));
    ck_assert(!url_query_has(u, "a=1"));
    v = (struct url_str){.ptr = "untouched", .len = 9};
    ck_assert(!url_query_get(u, "nope", &v));
    ck_assert_view(v, "untouched");
    /* escapes are not decoded: keys match byte for byte */
    parse_ok("x://?k%3D=v", &out);
    ck_assert(url_query_has(u, "k%3D"));
    ck_assert(!url_query_has(u, "k="));
}
END_TEST

START_TEST(test_query_absent_and_nested)
{
    struct url_parsed out;
    struct url_str v;
    parse_ok("x://h/p", &out);
    ck_assert(!out.level[0].has_query);
    ck_assert(!url_query_has(&out.level[0], "p"));
    ck_assert(!url_query_get(&out.level[0], "h", &v));
    parse_ok("x://?", &out);
    ck_assert(out.level[0].has_query);
    ck_assert(!url_query_has(&out.level[0], "x"));
    parse_ok("s://[t://?in=1]?out", &out);
    ck_assert(url_query_has(&out.level[0], "out"));
    ck_assert(!url_query_has(&out.level[0], "in"));
    ck_assert(url_query_get(&out.level[1], "in", &v));
    ck_assert_view(v, "1");
    ck_assert(!url_query_has(&out.level[1], "out"));
    /* a key longer than the whole query is not read past the query's length */
    ck_assert(!url_query_has(&out.level[0], "outward-and-much-longer-than-the-query"));
}
END_TEST

/* ---- bounds of the input ---------------------------------------------------------------- */

START_TEST(test_prefix_of_longer_buffer)
{
    /* the bytes after len would be errors (or change the parse) if they were read */
    static const char text[] = "tcp://127.0.0.1:8192/ garbage]]]";
    struct url_parsed out;
    struct url_error err;
    ck_assert_int_eq(url_parse(text, 21, &out, &err), TW_OK);
    ck_assert_uint_eq(out.depth, 1);
    ck_assert_view(out.level[0].path, "/");
    ck_assert_uint_eq(out.level[0].text.len, 21);

    ck_assert_int_eq(url_parse(text, 18, &out, &err), TW_OK); /* "tcp://127.0.0.1:81" */
    ck_assert_view(out.level[0].port, "81");
    ck_assert(!out.level[0].has_path);

    ck_assert_int_eq(url_parse(text, 16, &out, &err), TW_E_SYNTAX); /* ends after ':' */
    ck_assert_uint_eq(err.offset, 16);

    static const char nested[] = "ext4://[ide://master:0/]/x";
    ck_assert_int_eq(url_parse(nested, 23, &out, &err), TW_E_SYNTAX); /* no ']' yet */
    ck_assert_uint_eq(err.offset, 23);
    ck_assert_int_eq(url_parse(nested, 24, &out, &err), TW_OK);
    ck_assert_uint_eq(out.depth, 2);
    ck_assert(!out.level[0].has_path);
}
END_TEST

/* Every prefix of every example: never a crash at the guard page, and always a verdict. */
START_TEST(test_every_prefix_guarded)
{
    const char *url = valid[_i].url;
    size_t len = strlen(url);
    for (size_t n = 0; n <= len; n++) {
        struct url_parsed out;
        struct url_error err;
        const char *copy;
        int rc = parse_n(url, n, &copy, &out, &err);
        if (rc == TW_OK)
            ck_assert_uint_eq(out.level[0].text.len, n);
        else
            ck_assert_uint_le(err.offset, n);
    }
}
END_TEST

/* Absent parts are empty views inside their level's text, at its end. */
START_TEST(test_absent_views)
{
    struct url_parsed out;
    const char *s = parse_ok("s://[t://h]", &out);
    for (uint32_t i = 0; i < out.depth; i++) {
        const struct url *u = &out.level[i];
        const char *end = u->text.ptr + u->text.len;
        ck_assert(!u->has_path && !u->has_query && !u->has_port);
        ck_assert_uint_eq(u->port.len, 0);
        ck_assert_uint_eq(u->path.len, 0);
        ck_assert_uint_eq(u->query.len, 0);
        ck_assert_ptr_eq(u->port.ptr, end);
        ck_assert_ptr_eq(u->path.ptr, end);
        ck_assert_ptr_eq(u->query.ptr, end);
    }
    ck_assert_ptr_eq(out.level[0].host.ptr, s + 11);
    ck_assert_uint_eq(out.level[0].host.len, 0);
}
END_TEST

START_TEST(test_error_output)
{
    struct url_parsed out;
    struct url_error err;
    ck_assert_int_eq(parse("tcp://a b", &out, &err), TW_E_SYNTAX);
    ck_assert_uint_eq(out.depth, 0);
    ck_assert_uint_eq(err.offset, 7);
    ck_assert_str_eq(err.reason, "bad character in host");
    ck_assert_int_eq(parse("x://", &out, &err), TW_OK);
    ck_assert_int_eq(url_parse(NULL, 0, &out, &err), TW_E_SYNTAX);
    ck_assert_uint_eq(err.offset, 0);
}
END_TEST

/* ---- runner ----------------------------------------------------------------------------- */

static Suite *url_suite(void)
{
    Suite *s = suite_create("url");
    TCase *tc = tcase_create("examples");
    tcase_add_loop_test(tc, test_valid_examples, 0, (int)(sizeof(valid) / sizeof(valid[0])));
    tcase_add_loop_test(tc, test_valid_sub_texts_reparse, 0,
                        (int)(sizeof(valid) / sizeof(valid[0])));
    suite_add_tcase(s, tc);

    tc = tcase_create("malformed");
    tcase_add_loop_test(tc, test_malformed, 0, (int)(sizeof(bad) / sizeof(bad[0])));
    tcase_add_test(tc, test_error_output);
    suite_add_tcase(s, tc);

    tc = tcase_create("limits");
    tcase_add_test(tc, test_limit_total_length);
    tcase_add_test(tc, test_limit_parts);
    tcase_add_test(tc, test_limit_escapes);
    tcase_add_test(tc, test_limit_depth);
    tcase_add_test(tc, test_byte_classes);
    tcase_add_test(tc, test_port_value);
    suite_add_tcase(s, tc);

    tc = tcase_create("query");
    tcase_add_test(tc, test_query_helpers);
    tcase_add_test(tc, test_query_items);
    tcase_add_test(tc, test_query_absent_and_nested);
    suite_add_tcase(s, tc);

    tc = tcase_create("bounds");
    tcase_add_test(tc, test_prefix_of_longer_buffer);
    tcase_add_loop_test(tc, test_every_prefix_guarded, 0, (int)(sizeof(valid) / sizeof(valid[0])));
    tcase_add_test(tc, test_absent_views);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(url_suite());
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
