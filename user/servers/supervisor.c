/* SPDX-License-Identifier: MIT */
/*
 * user/servers/supervisor.c - "supervisor", the watchdog of issue 13 (docs/supervision.md,
 * "The supervisor"). Init spawns it with handle 1 a channel to init (its configuration, then
 * init's "stop") and handle 2 the control port chan://sup. It starts its servers in
 * dependency order, each with a control end and its port (kept by init, so they outlive
 * every incarnation), counts a server started when it says ready, learns of ends by waiting
 * on the task handles and of hangs by heartbeat deadlines in virtual time (then it kills),
 * and restarts by policy: one_for_one, one_for_all, rest_for_one; at most `intensity`
 * restarts of a server in `period`; exponential backoff; quarantine past the intensity.
 * A new supervisor after its predecessor's death gets the living servers' task handles from
 * init and waits for each to say hello before it starts the missing ones. Every decision is
 * a console line. User code: system calls only.
 */
#include "../../core/klib.h"
#include "../ops.h"
#include "../programs.h"
#include "../twain.h"
#include "supervisor_proto.h"

#define US        1000ull
#define NEVER     TW_DEADLINE_NEVER
#define MAX_ADOPT (2 * SUP_MAX_SERVERS)
#define STOP_WAIT (100000 * US) /* a killed server must end within this */

enum kid_state {
    KS_IDLE,     /* to be started when the servers it waits for are up */
    KS_STARTING, /* spawned, not yet ready */
    KS_UP,       /* ready */
    KS_HUNG,     /* killed by the supervisor (no ready, no heartbeat): its end is a failure */
    KS_STOPPING, /* killed as part of a group restart: then KS_WAIT */
    KS_WAIT,     /* its restart is due at `due` (backoff) */
    KS_QUAR,     /* quarantined until `due` (0: for good, its port closed) */
    KS_DONE,     /* ended and not to be restarted (temporary, transient's normal end) */
};

struct kid {
    struct sup_spec spec;
    int32_t port; /* the supervisor's handle to the server's port (-1: none) */
    int32_t task; /* the running incarnation's task handle (-1: none) */
    uint32_t tid;
    uint8_t state;
    uint32_t k; /* consecutive restarts: the backoff's exponent */
    uint32_t starts;
    uint64_t due, up_since, last_seen;
    struct sup_window win;
};

struct sup {
    struct sup_conf conf;
    struct kid kid[SUP_MAX_SERVERS];
    uint32_t n;
    uint8_t order[SUP_MAX_SERVERS];
    int32_t link, ctl, con;
    uint8_t kill_at; /* this incarnation's test kill (enum sup_kill_at) */
    struct {
        int32_t h;
        uint32_t id;
    } adopt[MAX_ADOPT];
    uint32_t nadopt;
};

static const char *const strategy_names[] = {"one_for_one", "one_for_all", "rest_for_one"};

/* ---- tasks ---- */

static uint32_t task_id_of(int32_t h, struct tw_task_status *st)
{
    k_memset(st, 0, sizeof(*st));
    return tw_task_status(h, st, sizeof(*st)) == 0 ? st->id : 0;
}

/* How a task ended, in words: "exit 3", "killed", "crashed". */
static const char *end_words(const struct tw_task_status *st, char *buf, size_t cap)
{
    if (st->end == TW_TASK_END_KILLED)
        return "killed";
    if (st->end == TW_TASK_END_CRASHED)
        return "crashed";
    k_snprintf(buf, cap, "exit %d", st->code);
    return buf;
}

/* Kill h and wait for its end (a server must not be started again while it lives: its port
 * would be busy). */
static void kill_wait(int32_t h)
{
    (void)tw_task_kill(h, (uint64_t)(int64_t)TW_EXIT_KILLED);
    (void)tw_wait(h, TW_SIG_EXITED, (uint64_t)tw_now() + STOP_WAIT);
}

/* Ask init to kill this supervisor (the guardian's test), and wait for it. */
static void test_kill(struct sup *s, const char *when)
{
    char msg[] = "kill-me";
    sup_print(&s->con, "sup: test: asking init to kill me (%s)", when);
    (void)tw_write(s->link, msg, sizeof(msg) - 1);
    for (;;)
        (void)tw_sleep_ns(1000000 * US);
}

/* ---- configuration ---- */

static int64_t bad_config(struct sup *s, const char *why)
{
    sup_print(&s->con, "sup: bad configuration: %s", why);
    return TW_E_INVAL;
}

/* Read init's lines until "go": the supervisor's, the servers' (each with its port), the
 * test kill of this incarnation, the adopted children's task handles. */
static int64_t read_config(struct sup *s)
{
    char msg[SUP_LINE_MAX];
    int32_t hs[4];
    const char *why;
    bool have_conf = false;
    for (;;) {
        int64_t r = tw_chan_read_handles(s->link, msg, sizeof(msg), hs, 4);
        if (r < 0)
            return bad_config(s, "init's channel failed");
        size_t n = (size_t)r;
        if (k_memeq_str(msg, n, "go"))
            break;
        if (n >= 4 && k_memcmp(msg, "sup ", 4) == 0) {
            if (sup_conf_parse(msg, n, &s->conf, &why) != 0)
                return bad_config(s, why);
            have_conf = true;
        } else if (n >= 4 && k_memcmp(msg, "srv ", 4) == 0) {
            if (s->n == SUP_MAX_SERVERS)
                return bad_config(s, "more than 16 servers");
            struct kid *k = &s->kid[s->n];
            if (sup_spec_parse(msg, n, &k->spec, &why) != 0)
                return bad_config(s, why);
            k->port = hs[0] != TW_HANDLE_NONE ? hs[0] : -1; /* a server without a port */
            k->task = -1;
            s->n++;
        } else if (k_memeq_str(msg, n, "test-kill before_restart")) {
            s->kill_at = SUP_KILL_BEFORE_RESTART;
        } else if (k_memeq_str(msg, n, "test-kill after_spawn")) {
            s->kill_at = SUP_KILL_AFTER_SPAWN;
        } else if (k_memeq_str(msg, n, "child")) {
            for (int i = 0; i < 4 && hs[i] != TW_HANDLE_NONE && s->nadopt < MAX_ADOPT; i++) {
                struct tw_task_status st;
                s->adopt[s->nadopt].h = hs[i];
                s->adopt[s->nadopt].id = task_id_of(hs[i], &st);
                s->nadopt++;
            }
        } else {
            return bad_config(s, "a line that is none of sup, srv, child, test-kill, go");
        }
    }
    if (!have_conf)
        return bad_config(s, "no \"sup\" line");
    return TW_OK;
}

/* ---- starting ---- */

static struct kid *kid_named(struct sup *s, const char *name, size_t len)
{
    for (uint32_t i = 0; i < s->n; i++)
        if (k_memeq_str(name, len, s->kid[i].spec.name))
            return &s->kid[i];
    return NULL;
}

/* Position of kid i in the start order. */
static uint32_t pos_of(const struct sup *s, uint32_t i)
{
    for (uint32_t p = 0; p < s->n; p++)
        if (s->order[p] == i)
            return p;
    return 0;
}

static void failed(struct sup *s, struct kid *k, const char *how, bool normal);

static void start(struct sup *s, struct kid *k)
{
    char url[] = SUP_CTL_URL, cmd[TW_SPAWN_CMD_MAX], err[16];
    int32_t hs[2];
    uint32_t nh = 0;
    int64_t ctl = tw_open(url, TW_O_NONBLOCK), port = -1;
    if (ctl >= 0)
        hs[nh++] = (int32_t)ctl;
    if (ctl >= 0 && k->port >= 0) {
        port = tw_task_duplicate(k->port, TW_RIGHTS_SAME);
        if (port >= 0)
            hs[nh++] = (int32_t)port;
    }
    size_t n = k_snprintf(cmd, sizeof(cmd), "%s%s%s sup=%s", k->spec.prog,
                          k->spec.args[0] != '\0' ? " " : "", k->spec.args, k->spec.name);
    if (k->spec.hb_us > 0)
        n += k_snprintf(cmd + n, sizeof(cmd) - n, " hb=%llu", (unsigned long long)k->spec.hb_us);
    int64_t t = ctl < 0 ? ctl : k->port >= 0 && port < 0 ? port : tw_task_spawn(cmd, n, hs, nh);
    if (t < 0) {
        for (uint32_t i = 0; i < nh; i++)
            tw_close(hs[i]); /* a failed spawn leaves them with us */
        k_snprintf(err, sizeof(err), "%s", tw_strerror(t) != NULL ? tw_strerror(t) : "error");
        sup_print(&s->con, "sup: cannot start %s: %s", k->spec.name, err);
        k->state = KS_STARTING;
        failed(s, k, err, false);
        return;
    }
    struct tw_task_status st;
    k->task = (int32_t)t;
    k->tid = task_id_of(k->task, &st);
    k->state = KS_STARTING;
    uint64_t now = (uint64_t)tw_now();
    k->due = now + s->conf.ready_us * US;
    k->last_seen = now;
    k->starts++;
    sup_print(&s->con, "sup: start %s (task %u)", k->spec.name, k->tid);
    if (k->starts > 1 && s->kill_at == SUP_KILL_AFTER_SPAWN)
        test_kill(s, "after_spawn");
}

/* Up, or out of play: a server waiting for it need not wait longer. */
static bool settled(const struct kid *k)
{
    return k->state == KS_UP || k->state == KS_DONE || k->state == KS_QUAR;
}

/* Start, in start order, every idle server whose dependencies are settled. */
static void start_ready(struct sup *s)
{
    for (uint32_t p = 0; p < s->n; p++) {
        struct kid *k = &s->kid[s->order[p]];
        bool ok = k->state == KS_IDLE;
        for (uint32_t a = 0; ok && a < k->spec.nafter; a++)
            ok = settled(&s->kid[k->spec.after[a]]);
        if (ok)
            start(s, k);
    }
}

/* ---- failures and policies ---- */

static bool in_group(const struct sup *s, uint32_t failed_i, uint32_t i)
{
    if (i == failed_i)
        return false;
    if (s->conf.strategy == SUP_ONE_FOR_ALL)
        return true;
    if (s->conf.strategy == SUP_REST_FOR_ONE)
        return pos_of(s, i) > pos_of(s, failed_i);
    return false;
}

/* Quarantine k: the intensity is exceeded. For a time, its port kept (callers wait with
 * their deadlines); for good, its port closed (callers see peer_closed). */
static void quarantine(struct sup *s, struct kid *k, uint64_t now)
{
    char msg[8 + SUP_NAME_MAX];
    if (s->conf.quarantine_us > 0) {
        k->state = KS_QUAR;
        k->due = now + s->conf.quarantine_us * US;
        sup_print(&s->con, "sup: quarantine %s for %llu us (%u restarts in %llu us)", k->spec.name,
                  (unsigned long long)s->conf.quarantine_us, s->conf.intensity,
                  (unsigned long long)s->conf.period_us);
        return;
    }
    k->state = KS_QUAR;
    k->due = 0;
    sup_print(&s->con, "sup: quarantine %s for good (%u restarts in %llu us): port closed",
              k->spec.name, s->conf.intensity, (unsigned long long)s->conf.period_us);
    if (k->port >= 0) {
        tw_close(k->port);
        k->port = -1;
        size_t n = k_snprintf(msg, sizeof(msg), "close %s", k->spec.name);
        (void)tw_write(s->link, msg, n);
    }
}

/* k ended (or could not start) without being asked to: restart by policy. */
static void failed(struct sup *s, struct kid *k, const char *how, bool normal)
{
    uint64_t now = (uint64_t)tw_now();
    uint32_t i = (uint32_t)(k - s->kid);
    sup_print(&s->con, "sup: %s ended (%s)", k->spec.name, how);
    if (k->spec.restart == SUP_TEMPORARY || (k->spec.restart == SUP_TRANSIENT && normal)) {
        k->state = KS_DONE;
        sup_print(&s->con, "sup: %s not restarted (%s)", k->spec.name,
                  k->spec.restart == SUP_TEMPORARY ? "temporary" : "transient, a normal end");
        return;
    }
    uint64_t period = s->conf.period_us * US;
    if (sup_window_full(&k->win, now, period, s->conf.intensity)) {
        quarantine(s, k, now);
        return;
    }
    sup_window_add(&k->win, now);
    uint64_t delay =
        sup_backoff_ns(s->conf.backoff_base_us * US, s->conf.backoff_max_us * US, k->k);
    if (k->k < 63)
        k->k++;
    k->state = KS_WAIT;
    k->due = now + delay;
    sup_print(&s->con, "sup: restart %s (%s, %u in %llu us, backoff %llu us)", k->spec.name,
              strategy_names[s->conf.strategy], k->win.n, (unsigned long long)s->conf.period_us,
              (unsigned long long)(delay / US));
    for (uint32_t p = s->n; p-- > 0;) { /* the group, in reverse start order */
        uint32_t j = s->order[p];
        struct kid *o = &s->kid[j];
        if (!in_group(s, i, j) || (o->state != KS_UP && o->state != KS_STARTING))
            continue;
        sup_print(&s->con, "sup: stop %s (%s, with %s)", o->spec.name,
                  strategy_names[s->conf.strategy], k->spec.name);
        (void)tw_task_kill(o->task, (uint64_t)(int64_t)TW_EXIT_KILLED);
        o->state = KS_STOPPING;
        o->due = k->due;
    }
    if (s->kill_at == SUP_KILL_BEFORE_RESTART)
        test_kill(s, "before_restart");
}

/* k's task ended: a stop we asked for, or a failure. */
static void ended(struct sup *s, struct kid *k)
{
    struct tw_task_status st;
    char buf[24];
    (void)task_id_of(k->task, &st);
    tw_close(k->task);
    k->task = -1;
    if (k->state == KS_STOPPING) {
        sup_print(&s->con, "sup: %s stopped", k->spec.name);
        k->state = KS_WAIT; /* due: with the server whose failure stopped it */
        return;
    }
    failed(s, k, end_words(&st, buf, sizeof(buf)), st.end == TW_TASK_END_EXIT && st.code == 0);
}

/* ---- messages on the control port ---- */

/* "WORD NAME ID" from a server: ready, hb or hello. */
static void on_message(struct sup *s, const char *msg, size_t n, bool adopting)
{
    size_t a = 0, b;
    while (a < n && msg[a] != ' ')
        a++;
    b = a + 1;
    while (b < n && msg[b] != ' ')
        b++;
    uint64_t id;
    if (a >= n || b >= n || !k_parse_u64(msg + b + 1, n - b - 1, &id))
        return; /* not a server's word: ignore (any task may write to the port) */
    struct kid *k = kid_named(s, msg + a + 1, b - a - 1);
    if (k == NULL)
        return;
    uint64_t now = (uint64_t)tw_now();
    if (adopting && k->task < 0 && k->state == KS_IDLE) {
        for (uint32_t i = 0; i < s->nadopt; i++) {
            if (s->adopt[i].id != id || s->adopt[i].h < 0)
                continue;
            k->task = s->adopt[i].h;
            k->tid = s->adopt[i].id;
            s->adopt[i].h = -1;
            k->state = KS_UP;
            k->up_since = k->last_seen = now;
            sup_print(&s->con, "sup: adopted %s (task %u)", k->spec.name, k->tid);
            return;
        }
    }
    if (k->task < 0 || k->tid != id)
        return; /* an incarnation that ended: its words came late */
    k->last_seen = now;
    if (k->state == KS_STARTING && (msg[0] == 'r' || msg[0] == 'h')) {
        k->state = KS_UP;
        k->up_since = now;
        sup_print(&s->con, "sup: %s ready (task %u)", k->spec.name, k->tid);
    }
}

static void read_ctl(struct sup *s, bool adopting)
{
    char msg[SUP_LINE_MAX];
    int64_t r = tw_read(s->ctl, msg, sizeof(msg));
    if (r > 0)
        on_message(s, msg, (size_t)r, adopting);
}

/* A new supervisor's first duty: learn which living task is which server. */
static void adopt(struct sup *s)
{
    uint64_t deadline = (uint64_t)tw_now() + s->conf.hello_us * US;
    sup_print(&s->con, "sup: %u adopted tasks: waiting for their hellos", s->nadopt);
    for (;;) {
        uint32_t left = 0;
        for (uint32_t i = 0; i < s->nadopt; i++)
            left += s->adopt[i].h >= 0;
        if (left == 0 || (uint64_t)tw_now() >= deadline)
            break;
        struct tw_poll_item it = {.handle = s->ctl, .signals = TW_SIG_READABLE};
        if (tw_poll(&it, 1, deadline) == 1)
            read_ctl(s, true);
    }
    for (uint32_t i = 0; i < s->nadopt; i++) {
        if (s->adopt[i].h < 0)
            continue;
        sup_print(&s->con, "sup: task %u said no hello: killed", s->adopt[i].id);
        kill_wait(s->adopt[i].h);
        tw_close(s->adopt[i].h);
        s->adopt[i].h = -1;
    }
}

/* ---- the loop ---- */

/* Deadlines that came: ready and heartbeat misses (kill), backoffs and quarantines over. */
static void timers(struct sup *s)
{
    uint64_t now = (uint64_t)tw_now();
    for (uint32_t p = 0; p < s->n; p++) {
        struct kid *k = &s->kid[s->order[p]];
        uint64_t hb = k->spec.hb_us * US;
        if (k->state == KS_STARTING && now >= k->due) {
            sup_print(&s->con, "sup: %s not ready in %llu us: kill", k->spec.name,
                      (unsigned long long)s->conf.ready_us);
            (void)tw_task_kill(k->task, (uint64_t)(int64_t)TW_EXIT_KILLED);
            k->state = KS_HUNG;
        } else if (k->state == KS_UP && hb > 0 && now >= k->last_seen + 2 * hb) {
            sup_print(&s->con, "sup: %s missed its heartbeat (no word for %llu us): kill",
                      k->spec.name, (unsigned long long)((now - k->last_seen) / US));
            (void)tw_task_kill(k->task, (uint64_t)(int64_t)TW_EXIT_KILLED);
            k->state = KS_HUNG;
        } else if (k->state == KS_UP && k->k > 0 && now >= k->up_since + s->conf.reset_us * US) {
            k->k = 0;
            sup_print(&s->con, "sup: %s up for %llu us: backoff reset", k->spec.name,
                      (unsigned long long)s->conf.reset_us);
        } else if (k->state == KS_WAIT && now >= k->due) {
            k->state = KS_IDLE;
        } else if (k->state == KS_QUAR && k->due != 0 && now >= k->due) {
            k->state = KS_IDLE;
            k->win.n = 0;
            k->k = 0;
            sup_print(&s->con, "sup: %s out of quarantine", k->spec.name);
        }
    }
}

static uint64_t next_deadline(const struct sup *s)
{
    uint64_t d = NEVER;
    for (uint32_t i = 0; i < s->n; i++) {
        const struct kid *k = &s->kid[i];
        uint64_t t = NEVER, hb = k->spec.hb_us * US;
        if (k->state == KS_STARTING || k->state == KS_WAIT || (k->state == KS_QUAR && k->due != 0))
            t = k->due;
        else if (k->state == KS_UP && hb > 0)
            t = k->last_seen + 2 * hb;
        if (k->state == KS_UP && k->k > 0 && k->up_since + s->conf.reset_us * US < t)
            t = k->up_since + s->conf.reset_us * US;
        d = t < d ? t : d;
    }
    return d;
}

/* Init said stop (or went away): stop every server, last started first. */
static int64_t shutdown(struct sup *s, bool asked)
{
    for (uint32_t p = s->n; p-- > 0;) {
        struct kid *k = &s->kid[s->order[p]];
        if (k->task < 0)
            continue;
        kill_wait(k->task);
        tw_close(k->task);
        k->task = -1;
        sup_print(&s->con, "sup: stopped %s", k->spec.name);
    }
    sup_print(&s->con, "sup: stopped");
    char msg[] = "stopped";
    (void)tw_write(s->link, msg, sizeof(msg) - 1);
    return asked ? 0 : TW_E_PEER;
}

static int64_t run(struct sup *s)
{
    struct tw_poll_item it[2 + SUP_MAX_SERVERS];
    struct kid *who[SUP_MAX_SERVERS];
    for (;;) {
        timers(s);
        start_ready(s);
        uint32_t m = 0;
        it[m++] = (struct tw_poll_item){.handle = s->ctl, .signals = TW_SIG_READABLE};
        it[m++] = (struct tw_poll_item){.handle = s->link,
                                        .signals = TW_SIG_READABLE | TW_SIG_PEER_CLOSED};
        for (uint32_t p = 0; p < s->n; p++) {
            struct kid *k = &s->kid[s->order[p]];
            if (k->task >= 0) {
                who[m - 2] = k;
                it[m++] = (struct tw_poll_item){.handle = k->task, .signals = TW_SIG_EXITED};
            }
        }
        int64_t r = tw_poll(it, m, next_deadline(s));
        if (r == TW_E_TIMEDOUT)
            continue;
        if (r < 0)
            return r;
        if (it[0].observed != 0)
            read_ctl(s, false);
        if (it[1].observed != 0) {
            char msg[32];
            int64_t n = tw_read(s->link, msg, sizeof(msg));
            if (n < 0 || k_memeq_str(msg, (size_t)n, "stop"))
                return shutdown(s, n >= 0);
        }
        for (uint32_t i = 2; i < m; i++)
            if (it[i].observed != 0 && who[i - 2]->task == it[i].handle)
                ended(s, who[i - 2]);
    }
}

int64_t supervisor_main(const char *args, size_t len)
{
    (void)args;
    (void)len;
    struct sup s;
    k_memset(&s, 0, sizeof(s));
    s.link = SUP_HANDLE_CTL;
    s.ctl = SUP_HANDLE_PORT;
    s.con = -1;
    int64_t rc = read_config(&s);
    if (rc != TW_OK)
        return rc;
    const char *why;
    struct sup_spec specs[SUP_MAX_SERVERS];
    for (uint32_t i = 0; i < s.n; i++)
        specs[i] = s.kid[i].spec;
    if (sup_order(specs, s.n, s.order, &why) != 0)
        return bad_config(&s, why);
    for (uint32_t i = 0; i < s.n; i++)
        k_memcpy(s.kid[i].spec.after, specs[i].after, sizeof(specs[i].after));
    sup_print(&s.con, "sup: %u servers, %s, at most %u restarts in %llu us", s.n,
              strategy_names[s.conf.strategy], s.conf.intensity,
              (unsigned long long)s.conf.period_us);
    if (s.nadopt > 0)
        adopt(&s);
    return run(&s);
}
