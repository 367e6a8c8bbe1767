/* SPDX-License-Identifier: MIT */
/*
 * user/servers/svc_tools.c - two clients of services for the scenarios (docs/services.md):
 *
 *   svc-watch name=NAME events=N [wait_us=W] [for_us=T]
 *       subscribes to NAME (kv protocol), waiting up to W for the name to appear, and
 *       prints every owner-changed event it is told, until N events or T of virtual time.
 *   svc-loop name=NAME n=N [gap_us=G] [wait_us=W] [keys=K]
 *       one subscription, N kv calls (a PUT then a GET of the same key, in turns) with G
 *       between them, over keys k0, k1, ... (with K: k0..k(K-1) again and again); a call refused
 * with restarted (its server died holding it) counts and the loop goes on with the same
 * subscription. Ends 0 with its counts printed; any other failure ends it with that error.
 */
#include "../../core/klib.h"
#include "../programs.h"
#include "../svc.h"
#include "../twain.h"
#include "kv.pb.h"
#include "kv.svc.h"
#include "supervisor_proto.h"

#define US 1000ull

static const char *const reasons[] = {"none",     "registered", "died",
                                      "replaced", "restarted",  "gone"};

static bool name_arg(const char *args, size_t len, const char **name, size_t *nlen)
{
    return tw_program_text(args, len, "name", name, nlen) && *nlen > 0 && *nlen <= 31;
}

int64_t svc_watch_main(const char *args, size_t len)
{
    const char *name;
    size_t nlen;
    if (!name_arg(args, len, &name, &nlen))
        return TW_E_INVAL;
    int64_t want = tw_program_arg(args, len, "events", 1);
    uint64_t until =
        (uint64_t)tw_now() + (uint64_t)tw_program_arg(args, len, "for_us", 1000000) * US;
    struct svc_sub s;
    struct svc_sub_opts o = {.wait_us = (uint64_t)tw_program_arg(args, len, "wait_us", 0)};
    int64_t rc = svc_subscribe(&s, &svc_proto_kv, name, nlen, &o);
    int32_t con = -1;
    if (rc < 0) {
        sup_print(&con, "svc-watch %.*s: subscribe: %s", (int)nlen, name, tw_strerror(rc));
        return rc;
    }
    sup_print(&con, "svc-watch %.*s: subscribed", (int)nlen, name);
    for (int64_t seen = 0; seen < want;) {
        rc = tw_wait(s.h, TW_SIG_READABLE | TW_SIG_PEER_CLOSED, until);
        if (rc < 0)
            break;
        uint8_t msg[TW_MSG_MAX_BYTES];
        int64_t n = tw_read(s.h, msg, sizeof(msg));
        if (n < 0) {
            rc = n;
            break;
        }
        struct svc_owner_event ev;
        if (svc_decode_event_owner(msg, (size_t)n, &ev) != TW_OK)
            continue; /* not an event: nothing it asked for, so nothing it expects */
        seen++;
        sup_print(&con, "svc-watch %.*s: generation %u: %s (%s)", (int)nlen, name, ev.generation,
                  ev.reason < 6 ? reasons[ev.reason] : "?",
                  ev.kernel            ? "the kernel"
                  : ev.owner_task != 0 ? "a task"
                                       : "nobody");
    }
    sup_print(&con, "svc-watch %.*s: done (%s)", (int)nlen, name,
              rc == TW_OK || rc > 0 ? "all events" : tw_strerror(rc));
    tw_close(s.h);
    return 0;
}

int64_t svc_loop_main(const char *args, size_t len)
{
    const char *name;
    size_t nlen;
    if (!name_arg(args, len, &name, &nlen))
        return TW_E_INVAL;
    int64_t n = tw_program_arg(args, len, "n", 10);
    uint64_t gap = (uint64_t)tw_program_arg(args, len, "gap_us", 0) * US;
    int64_t keys = tw_program_arg(args, len, "keys", 0);
    if (n < 0 || keys < 0)
        return TW_E_INVAL;
    struct svc_sub s;
    struct svc_sub_opts o = {.wait_us = (uint64_t)tw_program_arg(args, len, "wait_us", 100000)};
    int64_t rc = svc_subscribe(&s, &svc_proto_kv, name, nlen, &o);
    int32_t con = -1;
    if (rc < 0) {
        sup_print(&con, "svc-loop %.*s: subscribe: %s", (int)nlen, name, tw_strerror(rc));
        return rc;
    }
    uint64_t answered = 0, restarted = 0;
    for (int64_t i = 0; i < n; i++) {
        if (i % 2 == 0) {
            twain_kv_PutRequest req = twain_kv_PutRequest_init_zero;
            twain_kv_PutReply rep;
            k_snprintf(req.key, sizeof(req.key), "k%lld",
                       (long long)(keys > 0 ? i / 2 % keys : i / 2));
            req.value.size = 1;
            req.value.bytes[0] = (uint8_t)i;
            rc = svc_call(&s, SVC_KV_PUT, &req, &rep);
        } else {
            twain_kv_GetRequest req = twain_kv_GetRequest_init_zero;
            twain_kv_GetReply rep;
            k_snprintf(req.key, sizeof(req.key), "k%lld",
                       (long long)(keys > 0 ? i / 2 % keys : i / 2));
            rc = svc_call(&s, SVC_KV_GET, &req, &rep);
        }
        if (rc == TW_E_RESTARTED)
            restarted++;
        else if (rc == TW_OK)
            answered++;
        else {
            sup_print(&con, "svc-loop %.*s: call %lld: %s", (int)nlen, name, (long long)i,
                      tw_strerror(rc));
            return rc;
        }
        if (gap > 0)
            (void)tw_sleep_ns(gap);
    }
    sup_print(&con,
              "svc-loop %.*s: %lld calls: %llu answered, %llu restarted, %u owner events, one "
              "subscription",
              (int)nlen, name, (long long)n, (unsigned long long)answered,
              (unsigned long long)restarted, s.events);
    tw_close(s.h);
    return 0;
}
