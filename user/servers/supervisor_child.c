/* SPDX-License-Identifier: MIT */
/*
 * user/servers/supervisor_child.c - a supervised server's side of the start-up protocol (see
 * supervisor_proto.h; docs/supervision.md, "The start-up protocol"). The supervisor spawns
 * the server with "sup=NAME" (and "hb=US") on its command line, its control end as handle 1
 * and its port as handle 2. The server says "ready NAME ID" once it serves, "hb NAME ID"
 * every hb microseconds, and when the supervisor's incarnation ends (its control end goes
 * stale) it opens chan://sup again and says "hello NAME ID" to the next supervisor. Every
 * message is one-way and non-blocking: a full control port drops a beat, never the server.
 */
#include <stdarg.h>

#include "../../core/klib.h"
#include "../ops.h"
#include "../programs.h"
#include "../twain.h"
#include "supervisor_proto.h"

bool sup_child_init(struct sup_child *c, const char *args, size_t len)
{
    const char *v;
    size_t n;
    k_memset(c, 0, sizeof(*c));
    c->ctl = -1;
    if (!sup_word(args, len, "sup", &v, &n) || n == 0 || n >= SUP_NAME_MAX)
        return false;
    c->on = true;
    k_memcpy(c->name, v, n);
    int64_t hb = tw_program_arg(args, len, "hb", 0);
    c->hb_ns = hb > 0 ? (uint64_t)hb * 1000 : 0;
    c->id = (uint32_t)tw_task_id();
    c->ctl = SUP_HANDLE_CTL;
    return true;
}

/* Write "WORD NAME ID" on the control end: 0, or the write's error. */
static int64_t say(struct sup_child *c, const char *word)
{
    char msg[64];
    size_t n = k_snprintf(msg, sizeof(msg), "%s %s %u", word, c->name, c->id);
    return c->ctl < 0 ? TW_E_BADH : tw_write(c->ctl, msg, n);
}

/* The supervisor's incarnation ended: reach the next one and say hello (queued until it
 * reads: init keeps the control port). */
static void reconnect(struct sup_child *c)
{
    char url[] = SUP_CTL_URL; /* on the stack: the kernel takes only task memory */
    if (c->ctl >= 0)
        tw_close(c->ctl);
    int64_t h = tw_open(url, TW_O_NONBLOCK);
    c->ctl = h >= 0 ? (int32_t)h : -1;
    (void)say(c, "hello");
}

static void send(struct sup_child *c, const char *word)
{
    int64_t r = say(c, word);
    if (r == TW_E_STALE || r == TW_E_PEER || r == TW_E_BADH)
        reconnect(c);
}

void sup_child_ready(struct sup_child *c)
{
    if (!c->on)
        return;
    send(c, "ready");
    c->next_hb = c->hb_ns > 0 ? (uint64_t)tw_now() + c->hb_ns : 0;
}

/* What the control end holds: refusals of beats the dead supervisor had queued, or its
 * staleness (nothing more owed): then reconnect. */
static void drain_ctl(struct sup_child *c)
{
    char buf[64];
    int64_t r = tw_read(c->ctl, buf, sizeof(buf));
    if (r == TW_E_STALE || r == TW_E_PEER)
        reconnect(c);
}

int64_t sup_child_wait(struct sup_child *c, const int32_t *handles, const uint32_t *signals,
                       uint32_t n, uint64_t deadline_ns)
{
    struct tw_poll_item items[8];
    if (n > 7)
        return TW_E_INVAL;
    for (;;) {
        uint64_t now = (uint64_t)tw_now();
        if (c->on && c->hb_ns > 0 && c->next_hb != 0 && now >= c->next_hb) {
            send(c, "hb");
            while (c->next_hb <= now)
                c->next_hb += c->hb_ns;
        }
        if (deadline_ns != 0 && now >= deadline_ns)
            return TW_E_TIMEDOUT;
        uint64_t d = deadline_ns != 0 ? deadline_ns : TW_DEADLINE_NEVER;
        if (c->on && c->hb_ns > 0 && c->next_hb != 0 && c->next_hb < d)
            d = c->next_hb;
        uint32_t m = 0;
        for (; m < n; m++)
            items[m] = (struct tw_poll_item){.handle = handles[m], .signals = signals[m]};
        bool watch = c->on && c->ctl >= 0;
        if (watch)
            items[m++] = (struct tw_poll_item){.handle = c->ctl,
                                               .signals = TW_SIG_READABLE | TW_SIG_PEER_CLOSED};
        if (m == 0) { /* nothing to watch: sleep to the deadline */
            if (d == TW_DEADLINE_NEVER)
                return TW_E_INVAL;
            if (d > now)
                (void)tw_sleep_ns(d - now);
            continue;
        }
        int64_t r = tw_poll(items, m, d);
        if (r == TW_E_TIMEDOUT) {
            if (deadline_ns != 0 && (uint64_t)tw_now() >= deadline_ns)
                return TW_E_TIMEDOUT;
            continue;
        }
        if (r < 0)
            return r;
        if (watch && items[n].observed != 0)
            drain_ctl(c);
        for (uint32_t i = 0; i < n; i++)
            if (items[i].observed != 0)
                return i;
    }
}

void sup_child_sleep(struct sup_child *c, uint64_t deadline_ns)
{
    if (deadline_ns != 0)
        (void)sup_child_wait(c, NULL, NULL, 0, deadline_ns); /* returns only at the deadline */
}

void sup_print(int32_t *con, const char *fmt, ...)
{
    char line[SUP_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    size_t n = k_vsnprintf(line, sizeof(line) - 1, fmt, ap);
    va_end(ap);
    if (n > sizeof(line) - 2)
        n = sizeof(line) - 2;
    line[n++] = '\n';
    if (*con < 0) {
        char url[] = "console://"; /* task memory */
        int64_t h = tw_open(url, 0);
        if (h < 0)
            return;
        *con = (int32_t)h;
    }
    (void)tw_write(*con, line, n);
}
