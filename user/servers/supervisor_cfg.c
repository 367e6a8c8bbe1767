/* SPDX-License-Identifier: MIT */
/*
 * user/servers/supervisor_cfg.c - the configuration lines of init and the supervisor (see
 * supervisor_proto.h): "sup ..." and "srv ..." parsed into struct sup_conf / sup_spec, and
 * the start order (dependencies first). Every malformed line is refused with a reason;
 * nothing is guessed. The scenario compiler writes these lines (sim-harness/scenario_init.c)
 * and checks the same rules first, with the JSON path.
 */
#include "../../core/abi.h"
#include "../../core/klib.h"
#include "supervisor_proto.h"

bool sup_word(const char *text, size_t len, const char *key, const char **v, size_t *vlen)
{
    size_t klen = k_strlen(key);
    bool rest = k_streq(key, "args");
    for (size_t i = 0; i < len;) {
        size_t end = i;
        while (end < len && text[end] != ' ')
            end++;
        if (end - i > klen && k_memcmp(text + i, key, klen) == 0 && text[i + klen] == '=') {
            *v = text + i + klen + 1;
            *vlen = (rest ? len : end) - i - klen - 1;
            return true;
        }
        if (end - i >= 5 && k_memcmp(text + i, "args=", 5) == 0)
            return false; /* the rest of the line is the arguments */
        i = end + 1;
    }
    return false;
}

/* key=N (microseconds or a count): absent leaves *out; false if not a number <= max. */
static bool word_u64(const char *t, size_t len, const char *key, uint64_t max, uint64_t *out)
{
    const char *v;
    size_t n;
    uint64_t x;
    if (!sup_word(t, len, key, &v, &n))
        return true;
    if (!k_parse_u64(v, n, &x) || x > max)
        return false;
    *out = x;
    return true;
}

/* key=TEXT into buf (cap bytes, NUL included); absent: "". false if too long or empty. */
static bool word_text(const char *t, size_t len, const char *key, char *buf, size_t cap)
{
    const char *v;
    size_t n;
    buf[0] = '\0';
    if (!sup_word(t, len, key, &v, &n))
        return true;
    if (n == 0 || n >= cap)
        return false;
    k_memcpy(buf, v, n);
    buf[n] = '\0';
    return true;
}

/* The index of v[0..n) among names (NULL-terminated), or -1. */
static int word_enum(const char *v, size_t n, const char *const *names)
{
    for (int i = 0; names[i] != NULL; i++)
        if (k_memeq_str(v, n, names[i]))
            return i;
    return -1;
}

static bool name_ok(const char *s)
{
    size_t n = k_strlen(s);
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
            return false;
    }
    return n > 0;
}

static bool starts(const char *t, size_t len, const char *word)
{
    size_t n = k_strlen(word);
    return len >= n && k_memcmp(t, word, n) == 0 && (len == n || t[n] == ' ');
}

#define US_MAX 9007199254740991ull /* 2^53 - 1, the scenario format's */

static int64_t bad(const char **why, const char *msg)
{
    *why = msg;
    return TW_E_INVAL;
}

int64_t sup_conf_parse(const char *t, size_t len, struct sup_conf *c, const char **why)
{
    static const char *const strategies[] = {"one_for_one", "one_for_all", "rest_for_one", NULL};
    static const char *const kills[] = {"none", "before_restart", "after_spawn", NULL};
    k_memset(c, 0, sizeof(*c));
    c->intensity = 3;
    c->period_us = 10000;
    c->ready_us = 100000;
    c->hello_us = 1000;
    uint64_t intensity = c->intensity;
    const char *v;
    size_t n;
    *why = NULL;
    if (!starts(t, len, "sup"))
        return bad(why, "not a supervisor line (\"sup ...\")");
    if (sup_word(t, len, "strategy", &v, &n)) {
        int s = word_enum(v, n, strategies);
        if (s < 0)
            return bad(why, "strategy: one_for_one, one_for_all or rest_for_one");
        c->strategy = (uint8_t)s;
    }
    if (!word_u64(t, len, "intensity", SUP_MAX_INTENSITY, &intensity) || intensity == 0)
        return bad(why, "intensity: 1..16");
    c->intensity = (uint32_t)intensity;
    if (!word_u64(t, len, "period", US_MAX, &c->period_us) || c->period_us == 0)
        return bad(why, "period: 1.. microseconds");
    if (sup_word(t, len, "backoff", &v, &n)) {
        size_t comma = 0;
        while (comma < n && v[comma] != ',')
            comma++;
        if (comma == n || !k_parse_u64(v, comma, &c->backoff_base_us) ||
            !k_parse_u64(v + comma + 1, n - comma - 1, &c->backoff_max_us) ||
            c->backoff_max_us < c->backoff_base_us || c->backoff_max_us > US_MAX)
            return bad(why, "backoff: BASE,MAX microseconds, base <= max");
    }
    c->reset_us = c->period_us;
    if (!word_u64(t, len, "reset", US_MAX, &c->reset_us) ||
        !word_u64(t, len, "quarantine", US_MAX, &c->quarantine_us) ||
        !word_u64(t, len, "ready", US_MAX, &c->ready_us) ||
        !word_u64(t, len, "hello", US_MAX, &c->hello_us) ||
        !word_u64(t, len, "stop", US_MAX, &c->stop_us))
        return bad(why, "reset, quarantine, ready, hello, stop: microseconds");
    if (c->ready_us == 0 || c->hello_us == 0)
        return bad(why, "ready, hello: at least 1 microsecond");
    if (sup_word(t, len, "kills", &v, &n)) {
        for (size_t i = 0; i < n;) {
            size_t end = i;
            while (end < n && v[end] != ',')
                end++;
            int k = word_enum(v + i, end - i, kills);
            if (k < 0 || c->nkills == SUP_MAX_KILLS)
                return bad(why, "kills: up to 4 of none, before_restart, after_spawn");
            c->kills[c->nkills++] = (uint8_t)k;
            i = end + 1;
        }
    }
    return TW_OK;
}

int64_t sup_spec_parse(const char *t, size_t len, struct sup_spec *s, const char **why)
{
    static const char *const restarts[] = {"permanent", "transient", "temporary", NULL};
    const char *v;
    size_t n;
    k_memset(s, 0, sizeof(*s));
    *why = NULL;
    if (!starts(t, len, "srv"))
        return bad(why, "not a server line (\"srv ...\")");
    if (!word_text(t, len, "name", s->name, sizeof(s->name)) || !name_ok(s->name))
        return bad(why, "name: 1..15 bytes of a-z 0-9 _ -");
    if (!word_text(t, len, "prog", s->prog, sizeof(s->prog)) || s->prog[0] == '\0')
        return bad(why, "prog: a program's name");
    if (!word_text(t, len, "port", s->port, sizeof(s->port)) ||
        (s->port[0] != '\0' && !name_ok(s->port)))
        return bad(why, "port: 1..31 bytes of a-z 0-9 _ -");
    if (!word_text(t, len, "scheme", s->scheme, sizeof(s->scheme)) ||
        (s->scheme[0] != '\0' && !name_ok(s->scheme)))
        return bad(why, "scheme: 1..31 bytes of a-z 0-9 _ -");
    if (!word_text(t, len, "svc", s->svc, sizeof(s->svc)) ||
        !word_text(t, len, "proto", s->proto, sizeof(s->proto)))
        return bad(why, "svc, proto: too long");
    if ((s->svc[0] != '\0') != (s->proto[0] != '\0') ||
        (s->svc[0] != '\0' && (s->port[0] != '\0' || s->scheme[0] != '\0')))
        return bad(why, "svc: with proto, and without port or scheme");
    if (s->scheme[0] != '\0' && s->port[0] == '\0')
        k_memcpy(s->port, s->name, k_strlen(s->name) + 1); /* a scheme needs a port */
    s->restart = SUP_PERMANENT;
    if (sup_word(t, len, "restart", &v, &n)) {
        int r = word_enum(v, n, restarts);
        if (r < 0)
            return bad(why, "restart: permanent, transient or temporary");
        s->restart = (uint8_t)r;
    }
    if (!word_u64(t, len, "hb", US_MAX, &s->hb_us))
        return bad(why, "hb: microseconds");
    if (sup_word(t, len, "after", &v, &n)) {
        for (size_t i = 0; i < n;) {
            size_t end = i;
            while (end < n && v[end] != ',')
                end++;
            if (s->nafter == SUP_MAX_AFTER || end == i || end - i >= SUP_NAME_MAX)
                return bad(why, "after: up to 4 server names, comma-separated");
            k_memcpy(s->after_names[s->nafter], v + i, end - i);
            s->after_names[s->nafter][end - i] = '\0';
            s->nafter++;
            i = end + 1;
        }
    }
    if (sup_word(t, len, "args", &v, &n)) {
        if (n >= SUP_ARGS_MAX)
            return bad(why, "args: at most 159 bytes");
        k_memcpy(s->args, v, n);
        s->args[n] = '\0';
    }
    return TW_OK;
}

int64_t sup_order(struct sup_spec *s, uint32_t n, uint8_t *order, const char **why)
{
    *why = NULL;
    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t j = 0; j < i; j++)
            if (k_streq(s[i].name, s[j].name))
                return bad(why, "two servers of one name");
        for (uint32_t a = 0; a < s[i].nafter; a++) {
            uint32_t j = 0;
            while (j < n && !k_streq(s[j].name, s[i].after_names[a]))
                j++;
            if (j == n)
                return bad(why, "after: names no server");
            if (j == i)
                return bad(why, "after: a server cannot wait for itself");
            for (uint32_t b = 0; b < a; b++)
                if (s[i].after[b] == j)
                    return bad(why, "after: a name given twice");
            s[i].after[a] = (uint8_t)j;
        }
    }
    bool placed[SUP_MAX_SERVERS] = {false};
    for (uint32_t k = 0; k < n; k++) { /* each round: the lowest index whose deps are placed */
        uint32_t i = 0;
        for (; i < n; i++) {
            bool ok = !placed[i];
            for (uint32_t a = 0; ok && a < s[i].nafter; a++)
                ok = placed[s[i].after[a]];
            if (ok)
                break;
        }
        if (i == n)
            return bad(why, "after: the servers wait for each other (a cycle)");
        placed[i] = true;
        order[k] = (uint8_t)i;
    }
    return TW_OK;
}
