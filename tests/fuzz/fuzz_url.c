/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz_url.c - libFuzzer target for core/url.c.
 *
 * Parses the input and, on success, checks that the result describes the input exactly:
 * every view inside it, the levels chained in order, each level's text rebuilt from its
 * parts, each nested text parsing alone to the same levels, the query helpers finding
 * every key, url_port_value agreeing with the port's digits for several limits. On failure, checks
 * that the error offset is the first byte that cannot continue a valid URL. Any violation abort()s.
 * Dictionary: tests/fuzz/dict/url.dict.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/abi.h"
#include "../../core/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_url: %s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static int inside(struct url_str v, const char *s, size_t len)
{
    return v.ptr >= s && v.ptr <= s + len && v.len <= (size_t)(s + len - v.ptr);
}

/* url_port_value agrees with the digits, computed here with 128-bit arithmetic. */
static void check_port_value(const struct url *u)
{
    unsigned __int128 v = 0;
    for (uint32_t k = 0; k < u->port.len; k++)
        v = v * 10 + (unsigned)(u->port.ptr[k] - '0'); /* 20 digits fit 128 bits */
    static const uint64_t maxes[] = {0, 65535, (1ull << 62) / 1000000, UINT64_MAX};
    for (size_t k = 0; k < sizeof(maxes) / sizeof(maxes[0]); k++) {
        uint64_t got = 0xdeadbeef;
        int ok = url_port_value(u, maxes[k], &got);
        CHECK(ok == (v <= maxes[k]));
        CHECK(ok ? got == (uint64_t)v : got == 0xdeadbeef);
    }
}

/* Walks the level's text from its start, matching each part in grammar order. */
static void check_rebuild(const struct url_parsed *out, uint32_t i)
{
    const struct url *u = &out->level[i];
    const char *cur = u->text.ptr, *end = u->text.ptr + u->text.len;
    CHECK(u->scheme.ptr == cur && u->scheme.len >= 1 && u->scheme.len <= URL_MAX_SCHEME);
    CHECK(cur[0] >= 'a' && cur[0] <= 'z');
    cur += u->scheme.len;
    CHECK(end - cur >= 3 && memcmp(cur, "://", 3) == 0);
    cur += 3;
    if (u->sub >= 0) {
        const struct url *sub = &out->level[u->sub];
        CHECK(cur < end && *cur == '[' && sub->text.ptr == cur + 1);
        cur = sub->text.ptr + sub->text.len;
        CHECK(cur < end && *cur == ']');
        cur++;
    }
    CHECK(u->host.ptr == cur && u->host.len <= URL_MAX_HOST);
    cur += u->host.len;
    if (u->has_port) {
        CHECK(cur < end && *cur == ':');
        cur++;
        uint32_t n = 0;
        while (cur + n < end && cur[n] >= '0' && cur[n] <= '9')
            n++;
        CHECK(n >= 1 && n <= URL_MAX_PORT && u->port.ptr == cur && u->port.len == n);
        check_port_value(u);
        cur += n;
    }
    CHECK(u->has_path == (u->path.len > 0));
    if (u->has_path) {
        CHECK(u->path.ptr == cur && u->path.ptr[0] == '/' && u->path.len <= URL_MAX_PATH);
        cur += u->path.len;
    }
    if (u->has_query) {
        CHECK(cur < end && *cur == '?' && u->query.ptr == cur + 1);
        CHECK(u->query.len <= URL_MAX_QUERY);
        cur += 1 + u->query.len;
    } else {
        CHECK(u->query.len == 0);
    }
    CHECK(cur == end);
}

/* Every key of the query is found, with a value inside the query. */
static void check_query(const struct url *u)
{
    const char *q = u->query.ptr;
    char key[URL_MAX_QUERY + 1];
    for (uint32_t start = 0; u->has_query && start <= u->query.len;) {
        uint32_t end = start, eq;
        while (end < u->query.len && q[end] != '&')
            end++;
        for (eq = start; eq < end && q[eq] != '='; eq++)
            ;
        memcpy(key, q + start, eq - start);
        key[eq - start] = '\0';
        struct url_str val;
        int found = url_query_get(u, key, &val);
        CHECK(found == (eq > start) && found == url_query_has(u, key));
        if (found)
            CHECK(val.ptr >= q && val.ptr + val.len <= q + u->query.len);
        start = end + 1;
    }
}

/* Level i's text, parsed alone, gives levels i.. of out at the same places. */
static void check_reparse(const struct url_parsed *out, uint32_t i)
{
    static struct url_parsed again;
    struct url_error err;
    const struct url *u = &out->level[i];
    CHECK(url_parse(u->text.ptr, u->text.len, &again, &err) == TW_OK);
    CHECK(again.depth == out->depth - i);
    for (uint32_t j = 0; j < again.depth; j++) {
        const struct url *a = &again.level[j], *b = &out->level[i + j];
        CHECK(a->scheme.ptr == b->scheme.ptr && a->scheme.len == b->scheme.len);
        CHECK(a->host.ptr == b->host.ptr && a->host.len == b->host.len);
        CHECK(a->path.ptr == b->path.ptr && a->path.len == b->path.len);
        CHECK(a->query.ptr == b->query.ptr && a->query.len == b->query.len);
        CHECK(a->text.ptr == b->text.ptr && a->text.len == b->text.len);
        CHECK(a->port.ptr == b->port.ptr && a->port.len == b->port.len);
        CHECK(a->has_port == b->has_port);
        CHECK(a->has_path == b->has_path && a->has_query == b->has_query);
        CHECK(a->sub == (b->sub < 0 ? -1 : b->sub - (int32_t)i));
    }
}

static void check_ok(const char *s, size_t len, const struct url_parsed *out)
{
    CHECK(out->depth >= 1 && out->depth <= URL_MAX_DEPTH);
    CHECK(out->level[0].text.ptr == s && out->level[0].text.len == len);
    for (uint32_t i = 0; i < out->depth; i++) {
        const struct url *u = &out->level[i];
        CHECK(inside(u->scheme, s, len) && inside(u->host, s, len));
        CHECK(inside(u->path, s, len) && inside(u->query, s, len));
        CHECK(inside(u->text, s, len));
        CHECK(inside(u->port, s, len) && (u->has_port || u->port.len == 0));
        if (!u->has_port) {
            uint64_t v;
            CHECK(!url_port_value(u, UINT64_MAX, &v));
        }
        if (i + 1 < out->depth)
            CHECK(u->sub > (int32_t)i && u->sub == (int32_t)(i + 1));
        else
            CHECK(u->sub == -1);
        check_rebuild(out, i);
        check_query(u);
        if (i > 0)
            check_reparse(out, i);
    }
}

/* The bytes before the error offset are a valid URL or a valid beginning of one. */
static void check_error(const char *s, size_t len, const struct url_error *err)
{
    static struct url_parsed again;
    struct url_error err2;
    CHECK(err->reason != NULL && err->offset <= len);
    if (len > URL_MAX_LEN) {
        CHECK(err->offset == URL_MAX_LEN);
        return;
    }
    int rc = url_parse(s, err->offset, &again, &err2);
    CHECK(rc == TW_OK || (rc == TW_E_SYNTAX && err2.offset == err->offset));
    if (err->offset < len) { /* and the offending byte is where it fails */
        CHECK(url_parse(s, err->offset + 1, &again, &err2) == TW_E_SYNTAX);
        CHECK(err2.offset == err->offset);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct url_parsed out;
    struct url_error err = {.offset = 0, .reason = NULL};
    const char *s = (const char *)data;
    int rc = url_parse(s, size, &out, &err);
    CHECK(rc == TW_OK || rc == TW_E_SYNTAX);
    if (rc == TW_OK) {
        check_ok(s, size, &out);
    } else {
        CHECK(out.depth == 0);
        check_error(s, size, &err);
    }
    return 0;
}
