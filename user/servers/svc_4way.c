/* SPDX-License-Identifier: MIT */
/*
 * user/servers/svc_4way.c - svc-4way, the client of scenarios/services-4way.json: the same
 * script of kv requests (proto/kv.proto), and three malformed messages, sent in the four
 * combinations of who provides and who calls: a task calling the kernel's kv, a task
 * calling a task's (kv-server), and kernel code calling each (via=kernel). The transcript
 * of each (every request's bytes and its reply's bytes, in order) is digested; the four
 * must be equal, or it ends with 1.
 *
 * args: kernel=NAME (default kv), user=NAME (default kv.user), wait_us=N (how long to
 * wait for the task's name to appear; default 100000).
 */
#include "../../core/klib.h"
#include "../programs.h"
#include "../svc.h"
#include "../twain.h"
#include "kv.pb.h"
#include "kv.svc.h"
#include "supervisor_proto.h"

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME  0x100000001b3ull

struct transcript {
    uint64_t digest;
    uint32_t requests;
    uint32_t failed; /* steps whose transport failed, or whose answer was not the script's */
    uint8_t last[TW_MSG_MAX_BYTES]; /* the last reply */
    size_t last_len;
};

static void digest(struct transcript *t, const uint8_t *b, size_t n)
{
    uint64_t h = t->digest;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * FNV_PRIME;
    h = (h ^ (uint64_t)n) * FNV_PRIME; /* a message boundary */
    t->digest = h;
}

/* Send msg[0..n) as it is and take its reply into the transcript (events skipped). */
static void exchange(struct transcript *t, int32_t h, const uint8_t *msg, size_t n)
{
    uint8_t rep[TW_MSG_MAX_BYTES];
    digest(t, msg, n);
    t->requests++;
    if (tw_write(h, msg, n) != (int64_t)n) {
        t->failed++;
        return;
    }
    for (;;) {
        int64_t r = tw_read(h, rep, sizeof(rep));
        if (r < 0) {
            t->failed++;
            return;
        }
        if (svc_msg_kind(rep, (size_t)r) == TW_SVC_EVENT)
            continue;
        digest(t, rep, (size_t)r);
        k_memcpy(t->last, rep, (size_t)r);
        t->last_len = (size_t)r;
        return;
    }
}

static void put(struct transcript *t, int32_t h, const char *key, const char *value)
{
    twain_kv_PutRequest req = twain_kv_PutRequest_init_zero;
    k_snprintf(req.key, sizeof(req.key), "%s", key);
    req.value.size = (pb_size_t)k_strlen(value);
    k_memcpy(req.value.bytes, value, req.value.size);
    uint8_t msg[TW_MSG_MAX_BYTES];
    int64_t n = svc_encode_request(&svc_proto_kv, SVC_KV_PUT, &req, msg, sizeof(msg));
    if (n < 0)
        t->failed++;
    else
        exchange(t, h, msg, (size_t)n);
}

/* GET or DEL of key (their requests have one field, the key). */
static void keyed(struct transcript *t, int32_t h, uint16_t method, const char *key)
{
    twain_kv_GetRequest get = twain_kv_GetRequest_init_zero;
    twain_kv_DelRequest del = twain_kv_DelRequest_init_zero;
    k_snprintf(get.key, sizeof(get.key), "%s", key);
    k_snprintf(del.key, sizeof(del.key), "%s", key);
    uint8_t msg[TW_MSG_MAX_BYTES];
    int64_t n = svc_encode_request(&svc_proto_kv, method,
                                   method == SVC_KV_GET ? (void *)&get : &del, msg, sizeof(msg));
    if (n < 0)
        t->failed++;
    else
        exchange(t, h, msg, (size_t)n);
}

static void count(struct transcript *t, int32_t h)
{
    twain_kv_CountRequest req = twain_kv_CountRequest_init_zero;
    uint8_t msg[TW_MSG_MAX_BYTES];
    int64_t n = svc_encode_request(&svc_proto_kv, SVC_KV_COUNT, &req, msg, sizeof(msg));
    if (n < 0)
        t->failed++;
    else
        exchange(t, h, msg, (size_t)n);
}

/* The last reply must have status want and, if rep, decode to a struct equal to want_rep
 * (its first n bytes): the script's own check that the answers are kv's. */
static void expect(struct transcript *t, uint16_t method, int32_t want, const void *want_rep,
                   size_t n)
{
    _Alignas(8) uint8_t rep[256];
    uint16_t got_method;
    int32_t status;
    if (svc_decode_reply(&svc_proto_kv, t->last, t->last_len, &got_method, &status, rep,
                         sizeof(rep)) != TW_OK ||
        got_method != method || status != want ||
        (want_rep != NULL && k_memcmp(rep, want_rep, n) != 0))
        t->failed++;
}

/* The script: it leaves the store as empty as it found it, so each run starts the same. */
static void script(struct transcript *t, int32_t h)
{
    /* zeroed whole, padding included: they are compared with memcmp against decoded ones */
    twain_kv_PutReply replaced, fresh;
    twain_kv_GetReply three, none;
    twain_kv_CountReply two, zero;
    twain_kv_DelReply found, missing;
    k_memset(&replaced, 0, sizeof(replaced));
    k_memset(&fresh, 0, sizeof(fresh));
    k_memset(&three, 0, sizeof(three));
    k_memset(&none, 0, sizeof(none));
    k_memset(&two, 0, sizeof(two));
    k_memset(&zero, 0, sizeof(zero));
    k_memset(&found, 0, sizeof(found));
    k_memset(&missing, 0, sizeof(missing));
    replaced.replaced = true;
    three.found = true;
    three.value.size = 5;
    k_memcpy(three.value.bytes, "three", 5);
    two.count = 2;
    found.found = true;
    put(t, h, "alpha", "1");
    expect(t, SVC_KV_PUT, TW_OK, &fresh, sizeof(fresh));
    put(t, h, "beta", "two");
    keyed(t, h, SVC_KV_GET, "alpha");
    put(t, h, "alpha", "three");
    expect(t, SVC_KV_PUT, TW_OK, &replaced, sizeof(replaced));
    keyed(t, h, SVC_KV_GET, "alpha");
    expect(t, SVC_KV_GET, TW_OK, &three, sizeof(three));
    keyed(t, h, SVC_KV_GET, "gamma");
    expect(t, SVC_KV_GET, TW_OK, &none, sizeof(none));
    count(t, h);
    expect(t, SVC_KV_COUNT, TW_OK, &two, sizeof(two));
    /* Malformed: an unknown method, a payload cut short, a reply's kind in a request. */
    const uint8_t unknown[] = {42, 0, TW_SVC_REQUEST, 0, 0, 0, 0, 0};
    const uint8_t cut[] = {SVC_KV_PUT, 0, TW_SVC_REQUEST, 0, 0, 0, 0, 0, 0x0a, 5, 'a'};
    const uint8_t kind[] = {SVC_KV_COUNT, 0, TW_SVC_REPLY, 0, 0, 0, 0, 0};
    exchange(t, h, unknown, sizeof(unknown));
    expect(t, 42, TW_E_NOTSUP, NULL, 0);
    exchange(t, h, cut, sizeof(cut));
    expect(t, SVC_KV_PUT, TW_E_INVAL, NULL, 0);
    exchange(t, h, kind, sizeof(kind));
    expect(t, SVC_KV_COUNT, TW_E_INVAL, NULL, 0);
    keyed(t, h, SVC_KV_DEL, "alpha");
    expect(t, SVC_KV_DEL, TW_OK, &found, sizeof(found));
    keyed(t, h, SVC_KV_DEL, "beta");
    keyed(t, h, SVC_KV_DEL, "beta");
    expect(t, SVC_KV_DEL, TW_OK, &missing, sizeof(missing));
    count(t, h);
    expect(t, SVC_KV_COUNT, TW_OK, &zero, sizeof(zero));
}

int64_t svc_4way_main(const char *args, size_t len)
{
    const char *kname = "kv", *uname = "kv.user";
    size_t klen = 2, ulen = 7;
    (void)tw_program_text(args, len, "kernel", &kname, &klen);
    (void)tw_program_text(args, len, "user", &uname, &ulen);
    uint64_t wait_us = (uint64_t)tw_program_arg(args, len, "wait_us", 100000);
    static const char *const names[4] = {"user->kernel", "user->user", "kernel->kernel",
                                         "kernel->user"};
    struct transcript t[4];
    int32_t con = -1;
    int64_t rc = 0;
    for (int i = 0; i < 4; i++) {
        bool to_user = i == 1 || i == 3;
        struct svc_sub s;
        struct svc_sub_opts o = {.wait_us = to_user ? wait_us : 0, .via_kernel = i >= 2};
        int64_t r =
            svc_subscribe(&s, &svc_proto_kv, to_user ? uname : kname, to_user ? ulen : klen, &o);
        if (r < 0) {
            sup_print(&con, "svc-4way: %s: subscribe failed: %s", names[i], tw_strerror(r));
            return r;
        }
        t[i] = (struct transcript){.digest = FNV_OFFSET};
        script(&t[i], s.h);
        tw_close(s.h);
        sup_print(&con, "svc-4way: %s: %u requests, %u failed, transcript %016llx", names[i],
                  t[i].requests, t[i].failed, (unsigned long long)t[i].digest);
        if (t[i].failed != 0 || t[i].digest != t[0].digest)
            rc = 1;
    }
    sup_print(&con, rc == 0 ? "svc-4way: four transcripts equal" : "svc-4way: transcripts differ");
    return rc;
}
