/* SPDX-License-Identifier: MIT */
/*
 * user/proc_proto.c - the process manager's protocol: parsing requests (the manager's
 * side) and replies and signals (the client's side), formatting end lines and errors.
 * Freestanding, no system call (see proc_proto.h for the protocol itself).
 */
#include "proc_proto.h"

#include "../core/klib.h"
#include "errnames.h"
#include "twain.h"

bool proc_next_word(const char *s, size_t len, size_t *pos, const char **word, size_t *wlen)
{
    size_t i = *pos;
    while (i < len && s[i] == ' ')
        i++;
    if (i == len)
        return false;
    size_t start = i;
    while (i < len && s[i] != ' ')
        i++;
    *word = s + start;
    *wlen = i - start;
    *pos = i;
    return true;
}

bool proc_parse_num(const char *w, size_t wlen, uint64_t max, uint64_t *out)
{
    uint64_t v;
    if (wlen == 0 || wlen > 20 || w[0] == '0' || !k_parse_u64(w, wlen, &v) || v > max)
        return false;
    *out = v;
    return true;
}

/* Signed decimal (end lines' codes): "-1000", "0", "7"; no leading zero, no '+'. */
static bool parse_code(const char *w, size_t wlen, int32_t *out)
{
    bool neg = wlen > 0 && w[0] == '-';
    const char *d = w + neg;
    size_t dl = wlen - neg;
    uint64_t v;
    if (dl == 1 && d[0] == '0' && !neg) {
        *out = 0;
        return true;
    }
    if (!proc_parse_num(d, dl, neg ? 2147483648ull : 2147483647ull, &v))
        return false;
    *out = neg ? (int32_t)(-(int64_t)v) : (int32_t)v;
    return true;
}

/* why = prefix + "\"word\"" with the word made printable and cut to 24 bytes. */
static void why_word(char *why, size_t cap, const char *prefix, const char *w, size_t wlen)
{
    char shown[32];
    size_t n = K_MIN(wlen, (size_t)24), k;
    for (k = 0; k < n; k++)
        shown[k] = (w[k] >= 0x20 && w[k] < 0x7f && w[k] != '"') ? w[k] : '?';
    shown[k] = '\0';
    k_snprintf(why, cap, "%s \"%s\"%s", prefix, shown, wlen > n ? "..." : "");
}

struct req_word {
    const char *name;
    enum proc_req_kind kind;
};

static const struct req_word req_words[] = {
    {"connect", PROC_REQ_CONNECT}, {"spawn", PROC_REQ_SPAWN},         {"wait", PROC_REQ_WAIT},
    {"kill", PROC_REQ_KILL},       {"terminate", PROC_REQ_TERMINATE}, {"signal", PROC_REQ_SIGNAL},
    {"status", PROC_REQ_STATUS},   {"children", PROC_REQ_CHILDREN},   {"self", PROC_REQ_SELF},
};

/* The pid word at *pos: TW_OK, or TW_E_INVAL with why. */
static int64_t want_pid(const char *m, size_t len, size_t *pos, const char *req, uint32_t *pid,
                        char *why, size_t cap)
{
    const char *w;
    size_t wl;
    uint64_t v;
    if (!proc_next_word(m, len, pos, &w, &wl)) {
        k_snprintf(why, cap, "%s takes a pid", req);
        return TW_E_INVAL;
    }
    if (!proc_parse_num(w, wl, UINT32_MAX, &v)) {
        why_word(why, cap, "bad pid", w, wl);
        return TW_E_INVAL;
    }
    *pid = (uint32_t)v;
    return TW_OK;
}

/* Nothing may follow at *pos: TW_OK, or TW_E_INVAL with why. */
static int64_t want_end(const char *m, size_t len, size_t *pos, const char *req, char *why,
                        size_t cap)
{
    const char *w;
    size_t wl;
    if (!proc_next_word(m, len, pos, &w, &wl))
        return TW_OK;
    char prefix[40];
    k_snprintf(prefix, sizeof(prefix), "%s: unexpected", req);
    why_word(why, cap, prefix, w, wl);
    return TW_E_INVAL;
}

int64_t proc_req_parse(const char *msg, size_t len, struct proc_req *out, char *why, size_t why_cap)
{
    k_memset(out, 0, sizeof(*out));
    if (why_cap > 0)
        why[0] = '\0';
    if (len > 0 && msg[len - 1] == '\n')
        len--;
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f) {
            k_snprintf(why, why_cap, "not text: byte %u at %u", (unsigned)(unsigned char)msg[i],
                       (unsigned)i);
            return TW_E_INVAL;
        }
    }
    size_t pos = 0;
    const char *w;
    size_t wl;
    if (!proc_next_word(msg, len, &pos, &w, &wl)) {
        k_snprintf(why, why_cap, "empty request");
        return TW_E_INVAL;
    }
    const struct req_word *rw = NULL;
    for (size_t i = 0; i < K_ARRAY_SIZE(req_words); i++)
        if (k_memeq_str(w, wl, req_words[i].name))
            rw = &req_words[i];
    if (rw == NULL) {
        why_word(why, why_cap, "unknown request", w, wl);
        return TW_E_INVAL;
    }
    out->kind = rw->kind;
    int64_t rc = TW_OK;
    switch (rw->kind) {
    case PROC_REQ_CONNECT:
    case PROC_REQ_SELF:
        break;
    case PROC_REQ_SPAWN: {
        size_t end = len;
        while (end > pos && msg[end - 1] == ' ')
            end--;
        while (pos < end && msg[pos] == ' ')
            pos++;
        if (pos == end) {
            k_snprintf(why, why_cap, "spawn takes a program");
            return TW_E_INVAL;
        }
        out->cmd = msg + pos;
        out->cmd_len = end - pos;
        return TW_OK;
    }
    case PROC_REQ_WAIT:
    case PROC_REQ_KILL:
    case PROC_REQ_STATUS:
        rc = want_pid(msg, len, &pos, rw->name, &out->pid, why, why_cap);
        break;
    case PROC_REQ_CHILDREN: {
        size_t save = pos;
        if (proc_next_word(msg, len, &save, &w, &wl)) {
            out->has_pid = true;
            rc = want_pid(msg, len, &pos, rw->name, &out->pid, why, why_cap);
        }
        break;
    }
    case PROC_REQ_TERMINATE: {
        rc = want_pid(msg, len, &pos, rw->name, &out->pid, why, why_cap);
        out->grace_us = PROC_GRACE_DEFAULT_US;
        size_t save = pos;
        if (rc == TW_OK && proc_next_word(msg, len, &save, &w, &wl) && wl > 9 &&
            k_memcmp(w, "grace_us=", 9) == 0) {
            uint64_t v = 0;
            bool zero = wl == 10 && w[9] == '0';
            if (!zero && !proc_parse_num(w + 9, wl - 9, PROC_GRACE_MAX_US, &v)) {
                why_word(why, why_cap, "bad grace_us (0..60000000)", w + 9, wl - 9);
                return TW_E_INVAL;
            }
            out->grace_us = (uint32_t)v;
            pos = save;
        }
        break;
    }
    case PROC_REQ_SIGNAL: {
        rc = want_pid(msg, len, &pos, rw->name, &out->pid, why, why_cap);
        if (rc != TW_OK)
            return rc;
        uint64_t v;
        if (!proc_next_word(msg, len, &pos, &w, &wl)) {
            k_snprintf(why, why_cap, "signal takes a pid and a number");
            return TW_E_INVAL;
        }
        if (!proc_parse_num(w, wl, PROC_SIGNAL_MAX, &v)) {
            why_word(why, why_cap, "bad signal number (1..2147483647)", w, wl);
            return TW_E_INVAL;
        }
        out->signo = (uint32_t)v;
        break;
    }
    }
    if (rc == TW_OK)
        rc = want_end(msg, len, &pos, rw->name, why, why_cap);
    return rc;
}

enum proc_end proc_end_from_task(uint32_t task_end)
{
    switch (task_end) {
    case TW_TASK_END_KILLED:
        return PROC_END_KILLED;
    case TW_TASK_END_CRASHED:
        return PROC_END_CRASHED;
    default:
        return PROC_END_EXITED;
    }
}

const char *proc_end_name(enum proc_end end)
{
    switch (end) {
    case PROC_END_EXITED:
        return "exited";
    case PROC_END_KILLED:
        return "killed";
    case PROC_END_CRASHED:
        return "crashed";
    }
    return NULL;
}

size_t proc_fmt_end(char *buf, size_t cap, enum proc_end end, uint32_t pid, int32_t code)
{
    const char *n = proc_end_name(end);
    return k_snprintf(buf, cap, "%s %u code=%d", n != NULL ? n : "exited", (unsigned)pid,
                      (int)code);
}

size_t proc_fmt_err(char *buf, size_t cap, int64_t err, const char *why)
{
    const char *n = tw_strerror(err);
    size_t r = k_snprintf(buf, cap, "err %s %s", n != NULL ? n : "io", why);
    return cap == 0 ? 0 : K_MIN(r, cap - 1);
}

/* "key=N" with N a decimal 0..max (leading zeros refused, 0 itself allowed). */
static bool parse_keyed(const char *w, size_t wl, const char *key, uint64_t max, uint64_t *out)
{
    size_t kl = k_strlen(key);
    if (wl <= kl + 1 || k_memcmp(w, key, kl) != 0 || w[kl] != '=')
        return false;
    if (wl == kl + 2 && w[kl + 1] == '0') {
        *out = 0;
        return true;
    }
    return proc_parse_num(w + kl + 1, wl - kl - 1, max, out);
}

/* An end line from *pos: "END PID code=C". */
static bool parse_end_line(const char *m, size_t len, size_t *pos, struct proc_msg *out)
{
    const char *w;
    size_t wl;
    uint64_t v;
    if (!proc_next_word(m, len, pos, &w, &wl))
        return false;
    if (k_memeq_str(w, wl, "exited"))
        out->end = PROC_END_EXITED;
    else if (k_memeq_str(w, wl, "killed"))
        out->end = PROC_END_KILLED;
    else if (k_memeq_str(w, wl, "crashed"))
        out->end = PROC_END_CRASHED;
    else
        return false;
    if (!proc_next_word(m, len, pos, &w, &wl) || !proc_parse_num(w, wl, UINT32_MAX, &v))
        return false;
    out->pid = (uint32_t)v;
    return proc_next_word(m, len, pos, &w, &wl) && wl > 5 && k_memcmp(w, "code=", 5) == 0 &&
           parse_code(w + 5, wl - 5, &out->code);
}

/* An optional " parent=Q" and then the end. */
static bool parse_parent_tail(const char *m, size_t len, size_t *pos, struct proc_msg *out)
{
    const char *w;
    size_t wl;
    uint64_t v;
    if (proc_next_word(m, len, pos, &w, &wl)) {
        if (!parse_keyed(w, wl, "parent", UINT32_MAX, &v))
            return false;
        out->parent = (uint32_t)v;
        out->has_parent = true;
    }
    return !proc_next_word(m, len, pos, &w, &wl);
}

int64_t proc_msg_parse(const char *msg, size_t len, struct proc_msg *out)
{
    k_memset(out, 0, sizeof(*out));
    size_t pos = 0;
    const char *w;
    size_t wl;
    uint64_t v;
    if (!proc_next_word(msg, len, &pos, &w, &wl))
        return TW_E_INVAL;
    if (k_memeq_str(w, wl, "ok")) {
        out->kind = PROC_MSG_OK;
        while (pos < len && msg[pos] == ' ')
            pos++;
        out->rest = msg + pos;
        out->rest_len = len - pos;
        return TW_OK;
    }
    if (k_memeq_str(w, wl, "err")) {
        if (!proc_next_word(msg, len, &pos, &w, &wl))
            return TW_E_INVAL;
        int64_t e = tw_error_from_name(w, wl);
        if (e >= 0) /* TW_OK ("ok") or unknown: not an error's name */
            return TW_E_INVAL;
        out->kind = PROC_MSG_ERR;
        out->err = e;
        while (pos < len && msg[pos] == ' ')
            pos++;
        out->rest = msg + pos;
        out->rest_len = len - pos;
        return TW_OK;
    }
    if (k_memeq_str(w, wl, "running")) {
        out->kind = PROC_MSG_RUNNING;
        if (!proc_next_word(msg, len, &pos, &w, &wl) || !proc_parse_num(w, wl, UINT32_MAX, &v))
            return TW_E_INVAL;
        out->pid = (uint32_t)v;
        return parse_parent_tail(msg, len, &pos, out) && out->has_parent ? TW_OK : TW_E_INVAL;
    }
    if (k_memeq_str(w, wl, "signal")) {
        if (!proc_next_word(msg, len, &pos, &w, &wl))
            return TW_E_INVAL;
        if (k_memeq_str(w, wl, "child")) {
            out->kind = PROC_MSG_SIG_CHILD;
            return parse_end_line(msg, len, &pos, out) && !proc_next_word(msg, len, &pos, &w, &wl)
                       ? TW_OK
                       : TW_E_INVAL;
        }
        if (k_memeq_str(w, wl, "user")) {
            out->kind = PROC_MSG_SIG_USER;
            if (!proc_next_word(msg, len, &pos, &w, &wl) ||
                !proc_parse_num(w, wl, PROC_SIGNAL_MAX, &v))
                return TW_E_INVAL;
            out->signo = (uint32_t)v;
        } else if (k_memeq_str(w, wl, "term")) {
            out->kind = PROC_MSG_SIG_TERM;
        } else {
            return TW_E_INVAL;
        }
        if (!proc_next_word(msg, len, &pos, &w, &wl) || !parse_keyed(w, wl, "from", UINT32_MAX, &v))
            return TW_E_INVAL;
        out->from = (uint32_t)v;
        return proc_next_word(msg, len, &pos, &w, &wl) ? TW_E_INVAL : TW_OK;
    }
    size_t start = 0;
    out->kind = PROC_MSG_END;
    if (!parse_end_line(msg, len, &start, out))
        return TW_E_INVAL;
    return parse_parent_tail(msg, len, &start, out) ? TW_OK : TW_E_INVAL;
}
