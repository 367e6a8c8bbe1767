/* SPDX-License-Identifier: MIT */
/*
 * sim-harness/trace_file.c - writing, reading and printing trace files (see trace_file.h).
 *
 * Header, little-endian, 64 bytes:
 *   0 magic "TWAINTRC"   8 u32 version   12 u32 header size   16 u64 seed
 *   24 u64 text length   32 u64 record count   40 u64 final hash   48 u64 header check
 *   56 u64 reserved (0)
 * then the scenario text padded with zeros to 8 bytes, then the records.
 */
#include "trace_file.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../core/hash.h"
#include "../user/errnames.h"
#include "../user/twain.h"

static uint64_t text_padded(uint64_t n)
{
    return (n + 7) & ~7ull;
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void encode_header(uint8_t *b, const struct trace_header *h)
{
    memset(b, 0, TRACE_HEADER_SIZE);
    memcpy(b, TRACE_FILE_MAGIC, 8);
    b[8] = TRACE_FILE_VERSION;
    b[12] = TRACE_HEADER_SIZE;
    put64(b + 16, h->seed);
    put64(b + 24, h->text_len);
    put64(b + 32, h->records);
    put64(b + 40, h->final_hash);
    put64(b + 48, hash_bytes(HASH_SEED, b, 48));
}

int trace_writer_open(struct trace_writer *w, const char *path, uint64_t seed, const char *text,
                      size_t text_len)
{
    memset(w, 0, sizeof(*w));
    w->path = path;
    w->seed = seed;
    w->text_len = text_len;
    w->f = fopen(path, "wb");
    if (w->f == NULL) {
        fprintf(stderr, "twain: %s: cannot create: %s\n", path, strerror(errno));
        return 2;
    }
    uint8_t hdr[TRACE_HEADER_SIZE];
    struct trace_header h = {.seed = seed, .text_len = text_len};
    encode_header(hdr, &h);
    static const uint8_t zeros[8];
    fwrite(hdr, 1, sizeof(hdr), w->f);
    fwrite(text, 1, text_len, w->f);
    fwrite(zeros, 1, text_padded(text_len) - text_len, w->f);
    return 0;
}

void trace_writer_sink(void *ctx, const void *records, size_t len)
{
    struct trace_writer *w = ctx;
    if (fwrite(records, 1, len, w->f) != len)
        w->failed = true;
    w->records += len / sizeof(struct trace_rec);
}

int trace_writer_close(struct trace_writer *w, uint64_t final_hash)
{
    uint8_t hdr[TRACE_HEADER_SIZE];
    struct trace_header h = {
        .seed = w->seed, .text_len = w->text_len, .records = w->records, .final_hash = final_hash};
    encode_header(hdr, &h);
    if (fseek(w->f, 0, SEEK_SET) != 0 || fwrite(hdr, 1, sizeof(hdr), w->f) != sizeof(hdr))
        w->failed = true;
    if (fclose(w->f) != 0)
        w->failed = true;
    w->f = NULL;
    if (w->failed) {
        fprintf(stderr, "twain: %s: write failed: %s\n", w->path, strerror(errno));
        return 2;
    }
    return 0;
}

static int fail(char *err, size_t errlen, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, const char *path, const char *fmt, ...)
{
    int n = snprintf(err, errlen, "%s: ", path);
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < errlen)
        vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return 2;
}

/* Validate the header bytes b (the file is size bytes long) into *h. */
static int parse_header(const uint8_t *b, uint64_t size, struct trace_header *h, const char *path,
                        char *err, size_t errlen)
{
    if (memcmp(b, TRACE_FILE_MAGIC, 8) != 0)
        return fail(err, errlen, path, "byte 0: not a Twain trace (bad magic)");
    if (b[8] != TRACE_FILE_VERSION || b[9] || b[10] || b[11])
        return fail(err, errlen, path, "byte 8: unsupported trace version %u", b[8]);
    if (get64(b + 48) != hash_bytes(HASH_SEED, b, 48))
        return fail(err, errlen, path, "byte 48: header check value mismatch (corrupted header)");
    h->seed = get64(b + 16);
    h->text_len = get64(b + 24);
    h->records = get64(b + 32);
    h->final_hash = get64(b + 40);
    if (h->text_len == 0 || h->text_len > TRACE_MAX_TEXT)
        return fail(err, errlen, path, "byte 24: scenario text length %llu out of range",
                    (unsigned long long)h->text_len);
    uint64_t want = TRACE_HEADER_SIZE + text_padded(h->text_len);
    if (h->records > (UINT64_MAX - want) / sizeof(struct trace_rec))
        return fail(err, errlen, path, "byte 32: record count too large");
    want += h->records * sizeof(struct trace_rec);
    if (size < want)
        return fail(err, errlen, path,
                    "truncated: %llu bytes, the header promises %llu (data missing from byte "
                    "%llu)",
                    (unsigned long long)size, (unsigned long long)want, (unsigned long long)size);
    if (size > want)
        return fail(err, errlen, path, "byte %llu: %llu bytes of trailing garbage",
                    (unsigned long long)want, (unsigned long long)(size - want));
    return 0;
}

static int read_whole(const char *path, uint8_t **data, uint64_t *size, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return fail(err, errlen, path, "cannot open: %s", strerror(errno));
    if (fseek(f, 0, SEEK_END) != 0) {
        fclose(f);
        return fail(err, errlen, path, "cannot seek");
    }
    long n = ftell(f);
    rewind(f);
    *data = malloc(n > 0 ? (size_t)n : 1);
    if (n < 0 || *data == NULL || fread(*data, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(*data);
        *data = NULL;
        return fail(err, errlen, path, "cannot read");
    }
    fclose(f);
    *size = (uint64_t)n;
    return 0;
}

int trace_file_parse(const uint8_t *data, uint64_t size, const char *name, struct trace_file *tf,
                     uint64_t *bad_record, char *err, size_t errlen)
{
    memset(tf, 0, sizeof(*tf));
    int rc = size < TRACE_HEADER_SIZE
                 ? fail(err, errlen, name, "truncated: %llu bytes, shorter than the header",
                        (unsigned long long)size)
                 : parse_header(data, size, &tf->h, name, err, errlen);
    if (rc != 0)
        return rc;
    tf->text = malloc(tf->h.text_len + 1);
    tf->recs = malloc(tf->h.records * sizeof(struct trace_rec) + 1);
    if (tf->text == NULL || tf->recs == NULL) {
        trace_file_free(tf);
        return fail(err, errlen, name, "out of memory");
    }
    memcpy(tf->text, data + TRACE_HEADER_SIZE, tf->h.text_len);
    tf->text[tf->h.text_len] = '\0';
    memcpy(tf->recs, data + TRACE_HEADER_SIZE + text_padded(tf->h.text_len),
           tf->h.records * sizeof(struct trace_rec));
    uint64_t chain = HASH_SEED;
    for (uint64_t i = 0; i < tf->h.records; i++) {
        chain = trace_chain_next(chain, &tf->recs[i]);
        if (chain != tf->recs[i].chain) {
            *bad_record = i;
            fail(err, errlen, name,
                 "record %llu (byte %llu): hash chain broken: the record was altered",
                 (unsigned long long)i, (unsigned long long)trace_file_record_offset(tf, i));
            return 1;
        }
    }
    if (chain != tf->h.final_hash) {
        *bad_record = tf->h.records;
        fail(err, errlen, name, "byte 40: final hash does not match the records");
        return 1;
    }
    return 0;
}

int trace_file_read(const char *path, struct trace_file *tf, uint64_t *bad_record, char *err,
                    size_t errlen)
{
    memset(tf, 0, sizeof(*tf));
    uint8_t *data = NULL;
    uint64_t size = 0;
    if (read_whole(path, &data, &size, err, errlen) != 0)
        return 2;
    int rc = trace_file_parse(data, size, path, tf, bad_record, err, errlen);
    free(data);
    return rc;
}

void trace_file_free(struct trace_file *tf)
{
    free(tf->text);
    free(tf->recs);
    memset(tf, 0, sizeof(*tf));
}

uint64_t trace_file_record_offset(const struct trace_file *tf, uint64_t i)
{
    return TRACE_HEADER_SIZE + text_padded(tf->h.text_len) + i * sizeof(struct trace_rec);
}

static const char *sys_name(uint64_t nr)
{
    static const char *const names[] = {"open", "close", "read", "write", "invoke",
                                        "poll", "wait",  "seek", "tell"};
    return nr < sizeof(names) / sizeof(names[0]) ? names[nr] : "?";
}

/* How a request ended (TR_REQ_END's c), as docs/supervision.md names it. */
static const char *req_end_name(uint64_t how)
{
    static const char *const names[] = {"replied", "next", "restarted", "closed", "gone"};
    return how < sizeof(names) / sizeof(names[0]) ? names[how] : "?";
}

/* Requests on ports, server incarnations and the faults that end them, spelled out. */
static bool format_request(const struct trace_rec *r, char *p, size_t left)
{
    unsigned port = (unsigned)(r->b >> 32), low = (unsigned)(r->b & 0xffffffffu);
    unsigned long long req = (unsigned long long)r->a;
    switch (r->type) {
    case TR_REQ_ACCEPT:
        snprintf(p, left, "port %u request %llu, op 0x%x, message %llu", port, req, low,
                 (unsigned long long)r->c);
        return true;
    case TR_REQ_END:
        snprintf(p, left, "port %u request %llu, generation %u: %s", port, req, low,
                 req_end_name(r->c));
        return true;
    case TR_REQ_REDELIVER:
        snprintf(p, left, "port %u request %llu, generation %u ended: %s", port, req, low,
                 r->c != 0 ? "was in service, back to the front" : "waiting, stays");
        return true;
    case TR_PORT_BIND:
        snprintf(p, left, "port %llu generation %llu: served by task %llu",
                 (unsigned long long)r->a, (unsigned long long)r->b, (unsigned long long)r->c);
        return true;
    case TR_FAULT: /* kills, crashes and server faults (docs/supervision.md, "Campaign") */
        if (r->a == TR_FAULT_KILL_SERVER || r->a == TR_FAULT_CAMPAIGN) {
            const char *what = r->a == TR_FAULT_CAMPAIGN ? "campaign" : "kill_server";
            if (r->b != 0)
                snprintf(p, left, "%s: task %llu killed, the server of port %llu", what,
                         (unsigned long long)r->b, (unsigned long long)r->c);
            else if (r->c != 0)
                snprintf(p, left, "%s: nothing killed, port %llu has no live server", what,
                         (unsigned long long)r->c);
            else
                snprintf(p, left, "%s: nothing killed, no such port", what);
            return true;
        }
        if (r->a == TR_FAULT_KILL) { /* b: the task a scenario's kill fault named */
            snprintf(p, left, "kill: task %llu", (unsigned long long)r->b);
            return true;
        }
        if (r->a == TR_FAULT_CRASH) { /* b: the task, c: the CPU vector */
            snprintf(p, left, "crash: task %llu, CPU vector %llu%s", (unsigned long long)r->b,
                     (unsigned long long)r->c,
                     r->c == 14   ? " (page fault)"
                     : r->c == 13 ? " (general protection)"
                                  : "");
            return true;
        }
        return false;
    case TR_PORT_END:
        if (r->c == 0)
            snprintf(p, left,
                     "port %llu generation %llu begins: nobody served it, its scheme moved",
                     (unsigned long long)r->a, (unsigned long long)r->b);
        else
            snprintf(p, left, "port %llu generation %llu begins: task %llu ended",
                     (unsigned long long)r->a, (unsigned long long)r->b, (unsigned long long)r->c);
        return true;
    default:
        return false;
    }
}

void trace_format_record(const struct trace_rec *r, char *buf, size_t len)
{
    int n =
        snprintf(buf, len, "%12llu.%03llu us  t%-4u %-12s ", (unsigned long long)(r->time / 1000),
                 (unsigned long long)(r->time % 1000), r->tid, trace_event_name(r->type));
    if (n < 0 || (size_t)n >= len)
        return;
    char *p = buf + n;
    size_t left = len - (size_t)n;
    switch (r->type) {
    case TR_SYSCALL:
        snprintf(p, left, "%s(%lld, %llu)", sys_name(r->a), (long long)r->b,
                 (unsigned long long)r->c);
        break;
    case TR_SYSRET: {
        const char *e = (int64_t)r->b < 0 ? tw_strerror((int64_t)r->b) : NULL;
        snprintf(p, left, "%s -> %lld%s%s", sys_name(r->a), (long long)r->b, e ? " " : "",
                 e ? e : "");
        break;
    }
    case TR_CONSOLE: {
        char text[17] = {0};
        memcpy(text, &r->b, 8);
        memcpy(text + 8, &r->c, 8);
        for (uint64_t i = 0; i < r->a && i < 16; i++)
            if (text[i] == '\n' || text[i] == '\r' || (unsigned char)text[i] < 32)
                text[i] = '.';
        snprintf(p, left, "\"%.*s\"", (int)(r->a <= 16 ? r->a : 16), text);
        break;
    }
    default:
        if (!format_request(r, p, left))
            snprintf(p, left, "a=%llu b=%llu c=%llu", (unsigned long long)r->a,
                     (unsigned long long)r->b, (unsigned long long)r->c);
        break;
    }
}
