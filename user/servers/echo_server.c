/* SPDX-License-Identifier: MIT */
/*
 * user/servers/echo_server.c - echo://, a user-space provider: each open makes a byte
 * queue; writes append to it (TW_E_BUSY when full), reads take from it (0 bytes when empty), invoke
 * op 1 returns how many bytes wait. Shows the request/reply protocol end to end.
 */
#include "../../core/klib.h"
#include "../programs.h"
#include "../twain.h"
#include "prov_serve.h"

#define ECHO_MAX 16
#define ECHO_BUF 512

struct echo_res {
    bool used;
    uint32_t len;
    uint8_t buf[ECHO_BUF];
};

struct echo {
    struct echo_res res[ECHO_MAX];
    int64_t delay_ns; /* simulated work before every answer */
};

static int64_t echo_open(struct echo *e)
{
    for (int i = 0; i < ECHO_MAX; i++) {
        if (!e->res[i].used) {
            e->res[i].used = true;
            e->res[i].len = 0;
            return i;
        }
    }
    return TW_E_LIMIT;
}

static int64_t echo_handle(void *ctx, const struct tw_prov_req *req, uint8_t *out)
{
    struct echo *e = ctx;
    if (e->delay_ns > 0 && req->op != TW_PROV_CLOSE)
        tw_compute_ns((uint64_t)e->delay_ns);
    if (req->op == TW_PROV_OPEN)
        return echo_open(e);
    if (req->rid >= ECHO_MAX || !e->res[req->rid].used)
        return TW_E_BADH;
    struct echo_res *r = &e->res[req->rid];
    switch (req->op) {
    case TW_PROV_WRITE: {
        uint32_t n = K_MIN(req->len, (uint32_t)(ECHO_BUF - r->len));
        k_memcpy(r->buf + r->len, req->data, n);
        r->len += n;
        return n > 0 || req->len == 0 ? (int64_t)n : TW_E_BUSY; /* full */
    }
    case TW_PROV_READ: {
        uint64_t want = K_MIN((uint64_t)req->arg[0], (uint64_t)TW_PROV_READ_MAX);
        uint32_t n = (uint32_t)K_MIN((uint64_t)r->len, want);
        k_memcpy(out, r->buf, n);
        k_memmove(r->buf, r->buf + n, r->len - n);
        r->len -= n;
        return n;
    }
    case TW_PROV_INVOKE:
        return req->arg[0] == TW_CHAN_PENDING ? (int64_t)r->len : TW_E_NOTSUP; /* bytes queued */
    case TW_PROV_CLOSE:
        r->used = false;
        return TW_OK;
    default:
        return TW_E_NOTSUP;
    }
}

/* args: "idle=US" stops the server after US microseconds without a request; "delay=US"
 * computes for US microseconds before each answer (a slow provider). Under a supervisor
 * ("sup=NAME", docs/supervision.md) it serves the port it was given and marks nothing safe
 * to repeat: every echo request changes its queue. */
int64_t echo_server_main(const char *args, size_t len)
{
    int64_t idle_us = tw_program_arg(args, len, "idle", 0);
    static const char port[] = "chan://echo-provider?listen";
    char url[sizeof(port)];
    k_memcpy(url, port, sizeof(port)); /* user pointers must point into task memory */
    struct echo e;
    k_memset(&e, 0, sizeof(e));
    e.delay_ns = tw_program_arg(args, len, "delay", 0) * 1000;
    return prov_serve_sup(url, "echo", args, len, 0, idle_us, echo_handle, &e);
}
