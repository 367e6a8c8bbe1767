/* SPDX-License-Identifier: MIT */
/*
 * user/proc_client.c - the process manager's client library (see proc_client.h).
 */
#include "proc_client.h"

#include "../core/klib.h"
#include "ops.h"
#include "twain.h"

int64_t tw_proc_connect(void)
{
    char url[] = PROC_PORT_URL;
    int64_t port = tw_open(url, 0);
    if (port < 0)
        return port;
    char buf[PROC_MSG_MAX];
    k_memcpy(buf, "connect", 7);
    int32_t hs[TW_MSG_MAX_HANDLES];
    for (int i = 0; i < TW_MSG_MAX_HANDLES; i++)
        hs[i] = TW_HANDLE_NONE;
    int64_t r = tw_write((int32_t)port, buf, 7);
    if (r >= 0)
        r = tw_chan_read_handles((int32_t)port, buf, sizeof(buf), hs, TW_MSG_MAX_HANDLES);
    tw_close((int32_t)port);
    if (r < 0)
        return r;
    struct proc_msg msg;
    int64_t p = proc_msg_parse(buf, (size_t)r, &msg);
    if (p == TW_OK && msg.kind == PROC_MSG_OK && hs[0] != TW_HANDLE_NONE)
        return hs[0];
    for (int i = 0; i < TW_MSG_MAX_HANDLES; i++)
        if (hs[i] != TW_HANDLE_NONE)
            tw_close(hs[i]);
    return p != TW_OK ? p : msg.kind == PROC_MSG_ERR ? msg.err : TW_E_INVAL;
}

int64_t tw_proc_call(int32_t sess, const char *req, size_t len, const int32_t *hs, size_t nh,
                     char *reply, size_t cap, struct proc_msg *msg)
{
    char buf[PROC_MSG_MAX];
    int32_t hv[TW_MSG_MAX_HANDLES];
    if (len > sizeof(buf) || nh > TW_MSG_MAX_HANDLES)
        return TW_E_TOOBIG;
    k_memcpy(buf, req, len);
    for (size_t i = 0; i < nh; i++)
        hv[i] = hs[i];
    int64_t r = nh > 0 ? tw_chan_write_handles(sess, buf, len, hv, nh) : tw_write(sess, buf, len);
    if (r < 0)
        return r;
    r = tw_read(sess, reply, cap);
    if (r < 0)
        return r;
    return proc_msg_parse(reply, (size_t)r, msg);
}

/* A request whose reply is "ok" or "err": TW_OK or the error. */
static int64_t simple(int32_t sess, const char *req, size_t len, struct proc_msg *msg)
{
    char reply[PROC_MSG_MAX];
    int64_t r = tw_proc_call(sess, req, len, NULL, 0, reply, sizeof(reply), msg);
    if (r < 0)
        return r;
    return msg->kind == PROC_MSG_OK ? TW_OK : msg->kind == PROC_MSG_ERR ? msg->err : TW_E_INVAL;
}

int64_t tw_proc_spawn(int32_t sess, const char *cmd, size_t len, const int32_t *hs, size_t nh)
{
    char req[PROC_MSG_MAX], reply[PROC_MSG_MAX];
    if (len > sizeof(req) - 6)
        return TW_E_TOOBIG;
    k_memcpy(req, "spawn ", 6);
    k_memcpy(req + 6, cmd, len);
    struct proc_msg msg;
    int64_t r = tw_proc_call(sess, req, len + 6, hs, nh, reply, sizeof(reply), &msg);
    if (r < 0)
        return r;
    if (msg.kind == PROC_MSG_ERR)
        return msg.err;
    uint64_t pid;
    if (msg.kind != PROC_MSG_OK || !proc_parse_num(msg.rest, msg.rest_len, UINT32_MAX, &pid))
        return TW_E_INVAL;
    return (int64_t)pid;
}

int64_t tw_proc_wait(int32_t sess, uint32_t pid, struct proc_msg *end)
{
    char req[32], reply[PROC_MSG_MAX];
    size_t n = k_snprintf(req, sizeof(req), "wait %u", (unsigned)pid);
    int64_t r = tw_proc_call(sess, req, n, NULL, 0, reply, sizeof(reply), end);
    if (r < 0)
        return r;
    if (end->kind == PROC_MSG_ERR)
        return end->err;
    return end->kind == PROC_MSG_END && end->pid == pid ? TW_OK : TW_E_INVAL;
}

int64_t tw_proc_kill(int32_t sess, uint32_t pid)
{
    char req[32];
    struct proc_msg msg;
    size_t n = k_snprintf(req, sizeof(req), "kill %u", (unsigned)pid);
    return simple(sess, req, n, &msg);
}

int64_t tw_proc_terminate(int32_t sess, uint32_t pid, uint32_t grace_us)
{
    char req[64];
    struct proc_msg msg;
    size_t n =
        k_snprintf(req, sizeof(req), "terminate %u grace_us=%u", (unsigned)pid, (unsigned)grace_us);
    return simple(sess, req, n, &msg);
}

int64_t tw_proc_signal(int32_t sess, uint32_t pid, uint32_t signo)
{
    char req[48];
    struct proc_msg msg;
    size_t n = k_snprintf(req, sizeof(req), "signal %u %u", (unsigned)pid, (unsigned)signo);
    return simple(sess, req, n, &msg);
}

int64_t tw_proc_next_signal(int32_t h, char *buf, size_t cap, struct proc_msg *sig,
                            uint64_t deadline_ns)
{
    if (deadline_ns != TW_DEADLINE_NEVER) {
        int64_t w = tw_wait(h, TW_SIG_READABLE | TW_SIG_PEER_CLOSED, deadline_ns);
        if (w < 0)
            return w;
    }
    int64_t r = tw_read(h, buf, cap);
    if (r < 0)
        return r;
    int64_t p = proc_msg_parse(buf, (size_t)r, sig);
    if (p != TW_OK || (sig->kind != PROC_MSG_SIG_TERM && sig->kind != PROC_MSG_SIG_USER &&
                       sig->kind != PROC_MSG_SIG_CHILD))
        return TW_E_INVAL;
    return r;
}
