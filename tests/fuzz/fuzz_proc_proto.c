/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz_proc_proto.c - libFuzzer target for the process manager's protocol
 * (user/proc_proto.c, docs/processes.md): the input is one message, parsed both as a
 * request (what the manager reads) and as a reply or signal (what a client reads).
 *
 * A request that parses must describe the input: a known kind, its pid (1..2^32-1) and
 * numbers in range, a spawn's command inside the message and not empty, and the request
 * written back in its canonical form parses to the same request. A refusal must come with
 * a NUL-terminated, printable reason. A reply that parses must have fields in range, and an
 * end line formatted from it parses back to the same end. Any violation abort()s.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../user/proc_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_proc_proto: %s:%d: invariant failed: %s\n", __FILE__, __LINE__,  \
                    #cond);                                                                        \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static void check_printable(const char *why, size_t cap)
{
    size_t n = strnlen(why, cap);
    CHECK(n < cap);
    for (size_t i = 0; i < n; i++)
        CHECK((unsigned char)why[i] >= 0x20 && (unsigned char)why[i] < 0x7f);
}

/* The canonical text of a parsed request (spawn: its command as given). */
static size_t canonical(const struct proc_req *r, char *buf, size_t cap)
{
    static const char *const words[] = {[PROC_REQ_CONNECT] = "connect",
                                        [PROC_REQ_SPAWN] = "spawn",
                                        [PROC_REQ_WAIT] = "wait",
                                        [PROC_REQ_KILL] = "kill",
                                        [PROC_REQ_TERMINATE] = "terminate",
                                        [PROC_REQ_SIGNAL] = "signal",
                                        [PROC_REQ_STATUS] = "status",
                                        [PROC_REQ_CHILDREN] = "children",
                                        [PROC_REQ_SELF] = "self"};
    const char *w = words[r->kind];
    int n;
    switch (r->kind) {
    case PROC_REQ_SPAWN:
        n = snprintf(buf, cap, "%s %.*s", w, (int)r->cmd_len, r->cmd);
        break;
    case PROC_REQ_WAIT:
    case PROC_REQ_KILL:
    case PROC_REQ_STATUS:
        n = snprintf(buf, cap, "%s %u", w, r->pid);
        break;
    case PROC_REQ_TERMINATE:
        n = snprintf(buf, cap, "%s %u grace_us=%u", w, r->pid, r->grace_us);
        break;
    case PROC_REQ_SIGNAL:
        n = snprintf(buf, cap, "%s %u %u", w, r->pid, r->signo);
        break;
    case PROC_REQ_CHILDREN:
        n = r->has_pid ? snprintf(buf, cap, "%s %u", w, r->pid) : snprintf(buf, cap, "%s", w);
        break;
    default:
        n = snprintf(buf, cap, "%s", w);
        break;
    }
    CHECK(n > 0 && (size_t)n < cap);
    return (size_t)n;
}

static void check_request(const char *msg, size_t len)
{
    struct proc_req r;
    char why[96];
    memset(why, 'x', sizeof(why));
    int64_t rc = proc_req_parse(msg, len, &r, why, sizeof(why));
    if (rc != TW_OK) {
        CHECK(rc == TW_E_INVAL);
        check_printable(why, sizeof(why));
        CHECK(why[0] != '\0');
        return;
    }
    CHECK(r.kind >= PROC_REQ_CONNECT && r.kind <= PROC_REQ_SELF);
    switch (r.kind) {
    case PROC_REQ_SPAWN:
        CHECK(r.cmd >= msg && r.cmd_len >= 1 && r.cmd_len <= len &&
              (size_t)(r.cmd - msg) <= len - r.cmd_len);
        CHECK(r.cmd[0] != ' ' && r.cmd[r.cmd_len - 1] != ' ');
        break;
    case PROC_REQ_WAIT:
    case PROC_REQ_KILL:
    case PROC_REQ_STATUS:
    case PROC_REQ_TERMINATE:
    case PROC_REQ_SIGNAL:
        CHECK(r.pid >= 1);
        break;
    case PROC_REQ_CHILDREN:
        CHECK(!r.has_pid || r.pid >= 1);
        break;
    default:
        break;
    }
    if (r.kind == PROC_REQ_TERMINATE)
        CHECK(r.grace_us <= PROC_GRACE_MAX_US);
    if (r.kind == PROC_REQ_SIGNAL)
        CHECK(r.signo >= 1 && r.signo <= PROC_SIGNAL_MAX);
    char buf[PROC_MSG_MAX + 32];
    size_t n = canonical(&r, buf, sizeof(buf));
    struct proc_req again;
    CHECK(proc_req_parse(buf, n, &again, why, sizeof(why)) == TW_OK);
    CHECK(again.kind == r.kind && again.pid == r.pid && again.has_pid == r.has_pid &&
          again.signo == r.signo && again.grace_us == r.grace_us && again.cmd_len == r.cmd_len &&
          (r.cmd_len == 0 || memcmp(again.cmd, r.cmd, r.cmd_len) == 0));
}

static void check_reply(const char *msg, size_t len)
{
    struct proc_msg m;
    if (proc_msg_parse(msg, len, &m) != TW_OK)
        return;
    CHECK(m.kind >= PROC_MSG_OK && m.kind <= PROC_MSG_SIG_CHILD);
    if (m.rest != NULL)
        CHECK(m.rest >= msg && m.rest_len <= len && (size_t)(m.rest - msg) <= len - m.rest_len);
    if (m.kind == PROC_MSG_ERR)
        CHECK(m.err < 0 && m.err >= TW_ERR_MIN);
    if (m.kind == PROC_MSG_END || m.kind == PROC_MSG_SIG_CHILD) {
        CHECK(proc_end_name(m.end) != NULL && m.pid >= 1);
        char line[64];
        size_t n = proc_fmt_end(line, sizeof(line), m.end, m.pid, m.code);
        struct proc_msg back;
        CHECK(proc_msg_parse(line, n, &back) == TW_OK);
        CHECK(back.kind == PROC_MSG_END && back.end == m.end && back.pid == m.pid &&
              back.code == m.code);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > PROC_MSG_MAX)
        return 0;                            /* one channel message: the manager never sees more */
    char *msg = malloc(size > 0 ? size : 1); /* a copy of its own size: ASan sees a read past it */
    CHECK(msg != NULL);
    memcpy(msg, data, size);
    check_request(msg, size);
    check_reply(msg, size);
    free(msg);
    return 0;
}
