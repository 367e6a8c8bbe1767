/* SPDX-License-Identifier: MIT */
/*
 * user/servers/proc_manager.c - the process manager (docs/processes.md): a user-space
 * server on the port chan://proc that spawns programs as processes with small pids of its
 * own, answers waits when they end, kills and terminates them (a signal, then a kill after
 * a grace period in virtual time), delivers signals as messages on each process's handle 1,
 * and keeps the tree of processes: a requester that is a managed process is the parent of
 * what it spawns, else the connection is; when a parent ends (or a connection closes) its
 * children go to pid 1, the manager. One thread, one poll over every handle, system calls
 * only; the protocol is user/proc_proto.h.
 */
#include "../../core/klib.h"
#include "../ops.h"
#include "../proc_proto.h"
#include "../programs.h"
#include "../twain.h"

#define PROC_MAX      32 /* processes known: living ones and ended ones not yet reaped */
#define PROC_MAX_LIVE 24 /* living processes (each polls its task and its session) */
#define SESS_MAX      (PROC_MAX_LIVE + 14) /* sessions: one a living process, 14 connections */
#define WAIT_MAX      64                   /* pending waits */
#define WAIT_PER_SESS 8
#define WHY_MAX       160
#define NONE          (-1)

enum { P_FREE = 0, P_LIVE, P_ENDED };

struct proc {
    uint32_t pid;    /* 0: a free slot */
    uint32_t task;   /* the kernel's task id */
    uint32_t parent; /* the parent's pid, or 0: the connection conn */
    int16_t conn;    /* parent == 0: its session slot */
    int16_t sess;    /* its own session's slot (NONE once ended) */
    uint8_t state;   /* P_* */
    uint8_t end;     /* enum proc_end once ended */
    int32_t code;
    int32_t th;       /* the task handle while living */
    int32_t sig;      /* the manager's end of its signal channel (NONE: it has none) */
    uint64_t term_at; /* terminate's deadline (0: none) */
    uint32_t ev;      /* signals the last poll observed on th */
};

struct sess {
    int32_t h;      /* the manager's end (NONE: a free slot) */
    uint32_t owner; /* the pid whose session it is, or 0: a connection */
    bool blocked;   /* a reply found its ring full: read no request until it is writable */
    uint16_t stash_len;
    uint32_t ev;
    char stash[PROC_MSG_MAX]; /* the reply that did not fit */
};

struct waiter {
    int16_t sess; /* NONE: free */
    uint32_t pid;
};

struct pm {
    struct proc procs[PROC_MAX];
    struct sess sess[SESS_MAX];
    struct waiter waits[WAIT_MAX];
    uint32_t next_pid;
    int32_t port;
    uint32_t port_ev, self_ev;
    uint64_t last_request_ns;
};

static struct proc *find(struct pm *m, uint32_t pid)
{
    for (int i = 0; i < PROC_MAX; i++)
        if (m->procs[i].state != P_FREE && m->procs[i].pid == pid)
            return &m->procs[i];
    return NULL;
}

static int live_count(const struct pm *m)
{
    int n = 0;
    for (int i = 0; i < PROC_MAX; i++)
        n += m->procs[i].state == P_LIVE;
    return n;
}

/* ---- replies ------------------------------------------------------------------------- */

/* Write msg on session s now, or keep it there until the session is writable again. */
static void sess_send(struct pm *m, int s, const char *msg, size_t len)
{
    struct sess *se = &m->sess[s];
    char buf[PROC_MSG_MAX]; /* on the stack: task memory */
    len = K_MIN(len, sizeof(buf));
    if (se->blocked)
        return; /* never: a blocked session's requests are not read, nor its waits answered */
    k_memcpy(buf, msg, len);
    int64_t r = tw_write(se->h, buf, len);
    if (r == TW_E_WOULDBLOCK) {
        se->blocked = true;
        k_memcpy(se->stash, buf, len);
        se->stash_len = (uint16_t)len;
    }
    /* other errors: the client's end is gone; the poll sees peer_closed */
}

static void reply_err(struct pm *m, int s, int64_t err, const char *why)
{
    char buf[PROC_MSG_MAX];
    size_t n = proc_fmt_err(buf, sizeof(buf), err, why);
    sess_send(m, s, buf, n);
}

static void reply_ok(struct pm *m, int s, const char *rest)
{
    char buf[PROC_MSG_MAX];
    size_t n = k_snprintf(buf, sizeof(buf), "ok%s%s", rest[0] != '\0' ? " " : "", rest);
    sess_send(m, s, buf, K_MIN(n, sizeof(buf) - 1));
}

/* ---- the tree and the ends ------------------------------------------------------------- */

static bool waited_on(const struct pm *m, uint32_t pid)
{
    for (int i = 0; i < WAIT_MAX; i++)
        if (m->waits[i].sess != NONE && m->waits[i].pid == pid)
            return true;
    return false;
}

/* An ended child of pid 1 nobody waits for is forgotten, as init reaps. */
static void maybe_reap(struct pm *m, struct proc *p)
{
    if (p->state == P_ENDED && p->parent == PROC_PID_MANAGER && !waited_on(m, p->pid))
        k_memset(p, 0, sizeof(*p));
}

/* The children of pid (or, pid 0, of connection conn) go to pid 1. */
static void reparent_children(struct pm *m, uint32_t pid, int conn)
{
    for (int i = 0; i < PROC_MAX; i++) {
        struct proc *c = &m->procs[i];
        if (c->state == P_FREE ||
            (pid != 0 ? c->parent != pid : (c->parent != 0 || c->conn != conn)))
            continue;
        c->parent = PROC_PID_MANAGER;
        c->conn = NONE;
        maybe_reap(m, c);
    }
}

static void drop_waits_of(struct pm *m, int s)
{
    for (int i = 0; i < WAIT_MAX; i++)
        if (m->waits[i].sess == s)
            m->waits[i].sess = NONE;
}

/* Close session s: its waits go, and a connection's children go to pid 1. */
static void sess_close(struct pm *m, int s)
{
    struct sess *se = &m->sess[s];
    if (se->h == NONE)
        return;
    tw_close(se->h);
    uint32_t owner = se->owner;
    k_memset(se, 0, sizeof(*se));
    se->h = NONE;
    drop_waits_of(m, s);
    for (int i = 0; i < PROC_MAX; i++) /* a waiter dropped: a reap it held back */
        maybe_reap(m, &m->procs[i]);
    if (owner == 0)
        reparent_children(m, 0, s);
    else {
        struct proc *p = find(m, owner);
        if (p != NULL)
            p->sess = NONE;
    }
}

/* Write a signal on p's handle 1: TW_OK, TW_E_NOTSUP (it has none), TW_E_BUSY (full). */
static int64_t signal_to(struct proc *p, const char *text, size_t len)
{
    if (p->sig == NONE)
        return TW_E_NOTSUP;
    char buf[PROC_MSG_MAX];
    len = K_MIN(len, sizeof(buf));
    k_memcpy(buf, text, len);
    int64_t r = tw_write(p->sig, buf, len);
    return r == TW_E_WOULDBLOCK ? TW_E_BUSY : r < 0 ? r : TW_OK;
}

/* p's task ended (st): keep how, close its channels, tell its parent, move its children. */
static void proc_ended(struct pm *m, struct proc *p, const struct tw_task_status *st)
{
    p->state = P_ENDED;
    p->end = (uint8_t)proc_end_from_task(st->end);
    p->code = st->code;
    p->term_at = 0;
    tw_close(p->th);
    p->th = NONE;
    if (p->sig != NONE)
        tw_close(p->sig);
    p->sig = NONE;
    if (p->sess != NONE)
        sess_close(m, p->sess);
    reparent_children(m, p->pid, NONE);
    struct proc *parent = p->parent > PROC_PID_MANAGER ? find(m, p->parent) : NULL;
    if (parent != NULL && parent->state == P_LIVE) {
        char buf[PROC_MSG_MAX];
        size_t n = k_snprintf(buf, sizeof(buf), "signal child ");
        n += proc_fmt_end(buf + n, sizeof(buf) - n, (enum proc_end)p->end, p->pid, p->code);
        (void)signal_to(parent, buf, n); /* a full queue drops it: the parent can still wait */
    }
    maybe_reap(m, p);
}

/* Answer every wait whose process has ended, in the order they were asked. */
static void flush_waits(struct pm *m)
{
    for (int i = 0; i < WAIT_MAX; i++) {
        struct waiter *w = &m->waits[i];
        if (w->sess == NONE || m->sess[w->sess].blocked)
            continue;
        struct proc *p = find(m, w->pid);
        if (p == NULL || p->state != P_ENDED)
            continue;
        char buf[PROC_MSG_MAX];
        size_t n = proc_fmt_end(buf, sizeof(buf), (enum proc_end)p->end, p->pid, p->code);
        sess_send(m, w->sess, buf, n); /* sent, or kept until the session is writable */
        w->sess = NONE;
        if (!waited_on(m, p->pid)) /* the last waiter collected it */
            k_memset(p, 0, sizeof(*p));
    }
}

/* ---- requests ---------------------------------------------------------------------------- */

static int sess_open(struct pm *m, uint32_t owner, int32_t *peer)
{
    int s = NONE;
    for (int i = 0; i < SESS_MAX && s == NONE; i++)
        if (m->sess[i].h == NONE)
            s = i;
    if (s == NONE)
        return TW_E_LIMIT;
    char url[] = "chan://?pair&cap=32";
    int64_t h = tw_open(url, TW_O_NONBLOCK);
    if (h < 0)
        return (int)h;
    int64_t ph = tw_chan_take_peer((int32_t)h);
    if (ph < 0) {
        tw_close((int32_t)h);
        return (int)ph;
    }
    m->sess[s].h = (int32_t)h;
    m->sess[s].owner = owner;
    *peer = (int32_t)ph;
    return s;
}

/* A signal channel: the manager's end in *mine, the process's (read and wait only) in *theirs. */
static int64_t sig_open(int32_t *mine, int32_t *theirs)
{
    char url[] = "chan://?pair&cap=32";
    int64_t h = tw_open(url, TW_O_NONBLOCK);
    if (h < 0)
        return h;
    int64_t ph = tw_chan_take_peer((int32_t)h);
    int64_t ro = ph < 0
                     ? ph
                     : tw_task_duplicate((int32_t)ph, TW_RIGHT_READ | TW_RIGHT_WAIT |
                                                          TW_RIGHT_TRANSFER | TW_RIGHT_DUPLICATE);
    if (ph >= 0)
        tw_close((int32_t)ph);
    if (ro < 0) {
        tw_close((int32_t)h);
        return ro;
    }
    *mine = (int32_t)h;
    *theirs = (int32_t)ro;
    return TW_OK;
}

static void close_all(const int32_t *hs, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (hs[i] != TW_HANDLE_NONE)
            tw_close(hs[i]);
}

static void do_spawn(struct pm *m, int s, uint32_t requester, const struct proc_req *rq,
                     int32_t *passed, uint32_t npassed)
{
    char why[WHY_MAX];
    struct proc *p = NULL;
    for (int i = 0; i < PROC_MAX && p == NULL; i++)
        if (m->procs[i].state == P_FREE)
            p = &m->procs[i];
    if (p == NULL || live_count(m) >= PROC_MAX_LIVE) {
        close_all(passed, npassed);
        k_snprintf(why, sizeof(why), "%s",
                   p == NULL ? "32 processes known (wait for some)" : "24 processes living");
        reply_err(m, s, TW_E_LIMIT, why);
        return;
    }
    uint32_t pid = m->next_pid;
    int32_t sig_mine = NONE, sig_theirs = NONE, sess_peer = NONE;
    int64_t rc = sig_open(&sig_mine, &sig_theirs);
    int ps = NONE;
    if (rc == TW_OK) {
        ps = sess_open(m, pid, &sess_peer);
        rc = ps < 0 ? ps : TW_OK;
    }
    int64_t th = rc;
    if (rc == TW_OK) {
        int32_t hs[TW_SPAWN_MAX_HANDLES];
        hs[0] = sig_theirs;
        hs[1] = sess_peer;
        for (uint32_t i = 0; i < npassed; i++)
            hs[2 + i] = passed[i];
        char cmd[TW_SPAWN_CMD_MAX];
        k_memcpy(cmd, rq->cmd, rq->cmd_len);
        th = tw_task_spawn(cmd, rq->cmd_len, hs, 2 + npassed);
    }
    if (th < 0) { /* a failed spawn moved nothing: every handle is still the manager's */
        close_all(passed, npassed);
        if (sig_theirs != NONE)
            tw_close(sig_theirs);
        if (sig_mine != NONE)
            tw_close(sig_mine);
        if (sess_peer != NONE)
            tw_close(sess_peer);
        if (ps >= 0)
            sess_close(m, ps);
        size_t wl = 0;
        while (wl < rq->cmd_len && rq->cmd[wl] != ' ')
            wl++;
        if (th == TW_E_NOENT) {
            char name[40];
            size_t n = K_MIN(wl, (size_t)32);
            for (size_t i = 0; i < n; i++)
                name[i] =
                    rq->cmd[i] >= 0x20 && rq->cmd[i] < 0x7f && rq->cmd[i] != '"' ? rq->cmd[i] : '?';
            name[n] = '\0';
            k_snprintf(why, sizeof(why), "no program \"%s\"", name);
        } else if (ps == TW_E_LIMIT) {
            k_snprintf(why, sizeof(why), "too many sessions");
        } else {
            k_snprintf(why, sizeof(why), "the kernel refused the spawn");
        }
        reply_err(m, s, th, why);
        return;
    }
    struct tw_task_status st;
    k_memset(&st, 0, sizeof(st));
    (void)tw_task_status((int32_t)th, &st, sizeof(st));
    m->next_pid++;
    k_memset(p, 0, sizeof(*p));
    p->pid = pid;
    p->task = st.id;
    p->parent = requester;
    p->conn = requester == 0 ? (int16_t)s : NONE;
    p->sess = (int16_t)ps;
    p->state = P_LIVE;
    p->th = (int32_t)th;
    p->sig = sig_mine;
    char rest[16];
    k_snprintf(rest, sizeof(rest), "%u", (unsigned)pid);
    reply_ok(m, s, rest);
}

/* The process a request names, or NULL after answering why not. */
static struct proc *target(struct pm *m, int s, uint32_t pid, bool manager_ok)
{
    char why[WHY_MAX];
    if (pid == PROC_PID_MANAGER && !manager_ok) {
        reply_err(m, s, TW_E_ACCESS, "pid 1 is the process manager");
        return NULL;
    }
    struct proc *p = find(m, pid);
    if (p == NULL && pid != PROC_PID_MANAGER) {
        k_snprintf(why, sizeof(why), "no process %u", (unsigned)pid);
        reply_err(m, s, TW_E_NOENT, why);
    }
    return p;
}

static void do_wait(struct pm *m, int s, uint32_t pid)
{
    struct proc *p = target(m, s, pid, false);
    if (p == NULL)
        return;
    int mine = 0, free_slot = NONE;
    for (int i = 0; i < WAIT_MAX; i++) {
        mine += m->waits[i].sess == s;
        if (m->waits[i].sess == NONE && free_slot == NONE)
            free_slot = i;
    }
    if (mine >= WAIT_PER_SESS || free_slot == NONE) {
        reply_err(m, s, TW_E_LIMIT,
                  mine >= WAIT_PER_SESS ? "8 waits pending on this session" : "64 waits pending");
        return;
    }
    /* appended after the others: flush_waits answers in slot order, so keep slots in order */
    int last = NONE;
    for (int i = 0; i < WAIT_MAX; i++)
        if (m->waits[i].sess != NONE)
            last = i;
    int slot = last + 1;
    if (slot >= WAIT_MAX) { /* compact */
        int k = 0;
        for (int i = 0; i < WAIT_MAX; i++)
            if (m->waits[i].sess != NONE)
                m->waits[k++] = m->waits[i];
        for (int i = k; i < WAIT_MAX; i++)
            m->waits[i].sess = NONE;
        slot = k;
    }
    m->waits[slot].sess = (int16_t)s;
    m->waits[slot].pid = pid;
    flush_waits(m); /* at once if it has ended */
}

static void do_kill(struct pm *m, int s, uint32_t pid)
{
    struct proc *p = target(m, s, pid, false);
    if (p == NULL)
        return;
    if (p->state == P_LIVE)
        (void)tw_task_kill(p->th, (uint64_t)(int64_t)TW_EXIT_KILLED);
    reply_ok(m, s, ""); /* an ended one: nothing changes, as the kernel's kill */
}

static void do_terminate(struct pm *m, int s, uint32_t from, const struct proc_req *rq)
{
    struct proc *p = target(m, s, rq->pid, false);
    if (p == NULL)
        return;
    if (p->state == P_LIVE) {
        char buf[48];
        size_t n = k_snprintf(buf, sizeof(buf), "signal term from=%u", (unsigned)from);
        (void)signal_to(p, buf, n); /* undelivered or not, the grace kill comes */
        uint64_t at = (uint64_t)tw_now() + (uint64_t)rq->grace_us * 1000;
        if (rq->grace_us == 0)
            (void)tw_task_kill(p->th, (uint64_t)(int64_t)TW_EXIT_KILLED);
        else if (p->term_at == 0 || at < p->term_at)
            p->term_at = at;
    }
    reply_ok(m, s, "");
}

static void do_signal(struct pm *m, int s, uint32_t from, const struct proc_req *rq)
{
    char why[WHY_MAX];
    struct proc *p = target(m, s, rq->pid, false);
    if (p == NULL)
        return;
    if (p->state != P_LIVE) {
        k_snprintf(why, sizeof(why), "process %u has ended", (unsigned)p->pid);
        reply_err(m, s, TW_E_PEER, why);
        return;
    }
    char buf[64];
    size_t n =
        k_snprintf(buf, sizeof(buf), "signal user %u from=%u", (unsigned)rq->signo, (unsigned)from);
    int64_t r = signal_to(p, buf, n);
    if (r == TW_OK) {
        reply_ok(m, s, "");
        return;
    }
    k_snprintf(why, sizeof(why),
               r == TW_E_BUSY ? "the signal queue of %u is full" : "process %u takes no signals",
               (unsigned)p->pid);
    reply_err(m, s, r, why);
}

static void do_status(struct pm *m, int s, uint32_t pid)
{
    struct proc *p = target(m, s, pid, true);
    char buf[PROC_MSG_MAX];
    size_t n;
    if (pid == PROC_PID_MANAGER)
        n = k_snprintf(buf, sizeof(buf), "running 1 parent=0");
    else if (p == NULL)
        return;
    else if (p->state == P_LIVE)
        n = k_snprintf(buf, sizeof(buf), "running %u parent=%u", (unsigned)p->pid,
                       (unsigned)p->parent);
    else {
        n = proc_fmt_end(buf, sizeof(buf), (enum proc_end)p->end, p->pid, p->code);
        n += k_snprintf(buf + n, sizeof(buf) - n, " parent=%u", (unsigned)p->parent);
    }
    sess_send(m, s, buf, n);
}

/* "ok P1 P2 ...": the children of pid, or (pid 0) of connection s, in pid order; as many as
 * fit. */
static void do_children(struct pm *m, int s, uint32_t requester, const struct proc_req *rq)
{
    uint32_t of = rq->has_pid ? rq->pid : requester;
    if (rq->has_pid && target(m, s, of, true) == NULL && of != PROC_PID_MANAGER)
        return;
    char buf[PROC_MSG_MAX];
    size_t n = k_snprintf(buf, sizeof(buf), "ok");
    for (uint32_t last = 0;;) { /* in pid order: the next child above last */
        const struct proc *c = NULL;
        for (int i = 0; i < PROC_MAX; i++) {
            const struct proc *q = &m->procs[i];
            bool is = q->state != P_FREE && q->pid > last &&
                      (of != 0 ? q->parent == of : (q->parent == 0 && q->conn == s));
            if (is && (c == NULL || q->pid < c->pid))
                c = q;
        }
        if (c == NULL)
            break;
        last = c->pid;
        char num[16];
        size_t k = k_snprintf(num, sizeof(num), " %u", (unsigned)c->pid);
        if (n + k > sizeof(buf) - 4) {
            n += k_snprintf(buf + n, sizeof(buf) - n, " ...");
            break;
        }
        k_memcpy(buf + n, num, k);
        n += k;
    }
    sess_send(m, s, buf, n);
}

/* One request on session s, with the handles it carried. */
static void handle_request(struct pm *m, int s, const char *msg, size_t len, int32_t *hs,
                           uint32_t nh)
{
    struct proc_req rq;
    char why[WHY_MAX];
    uint32_t requester = m->sess[s].owner;
    int64_t rc = proc_req_parse(msg, len, &rq, why, sizeof(why));
    if (rc == TW_OK && nh > 0 && rq.kind != PROC_REQ_SPAWN) {
        rc = TW_E_INVAL;
        k_snprintf(why, sizeof(why), "only spawn takes handles");
    }
    if (rc == TW_OK && rq.kind == PROC_REQ_CONNECT) {
        rc = TW_E_INVAL;
        k_snprintf(why, sizeof(why), "connect goes to the port, not a session");
    }
    if (rc != TW_OK) {
        close_all(hs, nh);
        reply_err(m, s, rc, why);
        return;
    }
    switch (rq.kind) {
    case PROC_REQ_SPAWN:
        do_spawn(m, s, requester, &rq, hs, nh);
        break;
    case PROC_REQ_WAIT:
        do_wait(m, s, rq.pid);
        break;
    case PROC_REQ_KILL:
        do_kill(m, s, rq.pid);
        break;
    case PROC_REQ_TERMINATE:
        do_terminate(m, s, requester, &rq);
        break;
    case PROC_REQ_SIGNAL:
        do_signal(m, s, requester, &rq);
        break;
    case PROC_REQ_STATUS:
        do_status(m, s, rq.pid);
        break;
    case PROC_REQ_CHILDREN:
        do_children(m, s, requester, &rq);
        break;
    case PROC_REQ_SELF: {
        char rest[16];
        k_snprintf(rest, sizeof(rest), "%u", (unsigned)requester);
        reply_ok(m, s, rest);
        break;
    }
    case PROC_REQ_CONNECT:
        break;
    }
}

/* Read one message with its handles from h: its length (hs filled, *nh set) or an error. */
static int64_t read_msg(int32_t h, char *buf, size_t cap, int32_t *hs, uint32_t *nh)
{
    for (int i = 0; i < TW_MSG_MAX_HANDLES; i++)
        hs[i] = TW_HANDLE_NONE;
    int64_t r = tw_chan_read_handles(h, buf, cap, hs, TW_MSG_MAX_HANDLES);
    *nh = 0;
    if (r >= 0)
        for (int i = 0; i < TW_MSG_MAX_HANDLES; i++)
            if (hs[i] != TW_HANDLE_NONE)
                hs[(*nh)++] = hs[i];
    return r;
}

static void on_session(struct pm *m, int s)
{
    struct sess *se = &m->sess[s];
    if (se->blocked && (se->ev & TW_SIG_WRITABLE) != 0) {
        char buf[PROC_MSG_MAX];
        k_memcpy(buf, se->stash, se->stash_len);
        int64_t r = tw_write(se->h, buf, se->stash_len);
        if (r != TW_E_WOULDBLOCK) {
            se->blocked = false;
            se->stash_len = 0;
            flush_waits(m);
        }
        return;
    }
    if ((se->ev & TW_SIG_READABLE) != 0 && !se->blocked) {
        char buf[PROC_MSG_MAX];
        int32_t hs[TW_MSG_MAX_HANDLES];
        uint32_t nh;
        int64_t r = read_msg(se->h, buf, sizeof(buf), hs, &nh);
        if (r >= 0) {
            m->last_request_ns = (uint64_t)tw_now();
            handle_request(m, s, buf, (size_t)r, hs, nh);
        }
        return;
    }
    if ((se->ev & TW_SIG_PEER_CLOSED) != 0)
        sess_close(m, s); /* nothing left to read: the other side is gone */
}

/* A request on the port: only connect, answered with a session end. */
static void on_port(struct pm *m)
{
    char buf[PROC_MSG_MAX], why[WHY_MAX];
    int32_t hs[TW_MSG_MAX_HANDLES];
    uint32_t nh;
    int64_t r = read_msg(m->port, buf, sizeof(buf), hs, &nh);
    if (r < 0)
        return;
    m->last_request_ns = (uint64_t)tw_now();
    close_all(hs, nh); /* nothing on the port takes handles */
    struct proc_req rq;
    int64_t rc = proc_req_parse(buf, (size_t)r, &rq, why, sizeof(why));
    if (rc == TW_OK && rq.kind != PROC_REQ_CONNECT) {
        rc = TW_E_INVAL;
        k_snprintf(why, sizeof(why), "the port takes connect only; other requests go on a session");
    }
    if (rc == TW_OK && nh > 0) {
        rc = TW_E_INVAL;
        k_snprintf(why, sizeof(why), "connect takes no handles");
    }
    int32_t peer = NONE;
    int s = rc == TW_OK ? sess_open(m, 0, &peer) : NONE;
    if (rc == TW_OK && s < 0) {
        rc = s;
        k_snprintf(why, sizeof(why), s == TW_E_LIMIT ? "too many sessions" : "no session");
    }
    if (rc != TW_OK) {
        size_t n = proc_fmt_err(buf, sizeof(buf), rc, why);
        (void)tw_write(m->port, buf, n);
        return;
    }
    buf[0] = 'o';
    buf[1] = 'k';
    if (tw_chan_write_handles(m->port, buf, 2, &peer, 1) < 0) {
        tw_close(peer); /* the client's ring is full or it is gone: no session */
        sess_close(m, s);
    }
}

/* A living process's task ended: read how. */
static void on_task(struct pm *m, struct proc *p)
{
    struct tw_task_status st;
    k_memset(&st, 0, sizeof(st));
    if (tw_task_status(p->th, &st, sizeof(st)) < 0 || st.state != TW_TASK_EXITED)
        return;
    proc_ended(m, p, &st);
}

/*
 * The kernel made the manager adopt tasks: children of a process that ended, which that
 * process spawned itself (TW_TASK_SPAWN, not through the manager). Each living one it does
 * not know becomes a process, a child of pid 1 with no signals and no session, while the
 * table has room (the others stay unmanaged: docs/processes.md).
 */
static void on_adopted(struct pm *m)
{
    (void)tw_wait(TW_HANDLE_SELF, TW_SIG_SIGNALED, TW_DEADLINE_NOW); /* consume it */
    uint32_t ids[TW_TASK_CHILDREN_MAX];
    int64_t n = tw_task_children(TW_HANDLE_SELF, ids, sizeof(ids));
    for (int64_t k = 0; k < n && k < TW_TASK_CHILDREN_MAX; k++) {
        bool known = false;
        struct proc *free_slot = NULL;
        for (int i = 0; i < PROC_MAX; i++) {
            known |= m->procs[i].state == P_LIVE && m->procs[i].task == ids[k];
            if (m->procs[i].state == P_FREE && free_slot == NULL)
                free_slot = &m->procs[i];
        }
        if (known || free_slot == NULL || live_count(m) >= PROC_MAX_LIVE)
            continue;
        int64_t th = tw_task_child(TW_HANDLE_SELF, ids[k]);
        if (th < 0)
            continue; /* it ended meanwhile */
        struct proc *p = free_slot;
        k_memset(p, 0, sizeof(*p));
        p->pid = m->next_pid++;
        p->task = ids[k];
        p->parent = PROC_PID_MANAGER;
        p->conn = NONE;
        p->sess = NONE;
        p->state = P_LIVE;
        p->th = (int32_t)th;
        p->sig = NONE;
    }
}

/* Kill every process whose terminate grace ran out; the earliest deadline left (0: none). */
static uint64_t deadlines(struct pm *m, uint64_t now)
{
    uint64_t next = 0;
    for (int i = 0; i < PROC_MAX; i++) {
        struct proc *p = &m->procs[i];
        if (p->state != P_LIVE || p->term_at == 0)
            continue;
        if (p->term_at <= now) {
            (void)tw_task_kill(p->th, (uint64_t)(int64_t)TW_EXIT_KILLED);
            p->term_at = 0;
        } else if (next == 0 || p->term_at < next) {
            next = p->term_at;
        }
    }
    return next;
}

enum { IT_PORT, IT_SELF, IT_SESS, IT_TASK };
#define POLL_MAX (2 + SESS_MAX + PROC_MAX_LIVE)
_Static_assert(POLL_MAX <= 64,
               "one poll covers the port, the manager's own task, every session and living task");

static int64_t serve(struct pm *m, int64_t idle_us)
{
    struct tw_poll_item items[POLL_MAX];
    uint8_t what[POLL_MAX], idx[POLL_MAX];
    m->last_request_ns = (uint64_t)tw_now();
    for (;;) {
        uint32_t n = 0;
        items[n] = (struct tw_poll_item){.handle = m->port, .signals = TW_SIG_READABLE};
        what[n++] = IT_PORT;
        items[n] = (struct tw_poll_item){.handle = TW_HANDLE_SELF, .signals = TW_SIG_SIGNALED};
        what[n++] = IT_SELF;
        for (int i = 0; i < SESS_MAX; i++) {
            if (m->sess[i].h == NONE)
                continue;
            uint32_t want =
                TW_SIG_PEER_CLOSED | (m->sess[i].blocked ? TW_SIG_WRITABLE : TW_SIG_READABLE);
            items[n] = (struct tw_poll_item){.handle = m->sess[i].h, .signals = want};
            what[n] = IT_SESS;
            idx[n++] = (uint8_t)i;
        }
        for (int i = 0; i < PROC_MAX; i++) {
            if (m->procs[i].state != P_LIVE)
                continue;
            items[n] = (struct tw_poll_item){.handle = m->procs[i].th, .signals = TW_SIG_EXITED};
            what[n] = IT_TASK;
            idx[n++] = (uint8_t)i;
        }
        uint64_t now = (uint64_t)tw_now();
        uint64_t deadline = deadlines(m, now);
        uint64_t idle_at = 0;
        if (idle_us > 0 && live_count(m) == 0) {
            idle_at = m->last_request_ns + (uint64_t)idle_us * 1000;
            if (idle_at <= now)
                return 0;
            if (deadline == 0 || idle_at < deadline)
                deadline = idle_at;
        }
        int64_t r = tw_poll(items, n, deadline == 0 ? TW_DEADLINE_NEVER : deadline);
        if (r == TW_E_TIMEDOUT)
            continue; /* deadlines() kills, the idle check ends */
        if (r < 0)
            return r;
        /* Note what each handle showed, then act: acting closes and opens handles. */
        m->port_ev = 0;
        m->self_ev = 0;
        for (uint32_t i = 0; i < n; i++) {
            if (what[i] == IT_PORT)
                m->port_ev = items[i].observed;
            else if (what[i] == IT_SELF)
                m->self_ev = items[i].observed;
            else if (what[i] == IT_SESS)
                m->sess[idx[i]].ev = items[i].observed;
            else
                m->procs[idx[i]].ev = items[i].observed;
        }
        for (int i = 0; i < PROC_MAX; i++) {
            struct proc *p = &m->procs[i];
            if (p->state == P_LIVE && (p->ev & TW_SIG_EXITED) != 0)
                on_task(m, p);
            p->ev = 0;
        }
        if ((m->self_ev & TW_SIG_SIGNALED) != 0)
            on_adopted(m); /* after the ends: an adopter's own end is seen first */
        /* Closed sessions before requests: a client that closed one session and then asked
         * on another sees the close done (its children moved to pid 1). */
        for (int i = 0; i < SESS_MAX; i++) {
            uint32_t ev = m->sess[i].ev;
            if (m->sess[i].h != NONE && (ev & TW_SIG_PEER_CLOSED) != 0 &&
                (ev & TW_SIG_READABLE) == 0)
                sess_close(m, i);
        }
        for (int i = 0; i < SESS_MAX; i++) {
            if (m->sess[i].h != NONE && m->sess[i].ev != 0)
                on_session(m, i);
            if (m->sess[i].h != NONE)
                m->sess[i].ev = 0;
        }
        if ((m->port_ev & TW_SIG_READABLE) != 0)
            on_port(m);
        flush_waits(m);
    }
}

/*
 * "proc-manager [idle=US]": serve chan://proc until the port fails, or (idle=US) until no
 * request came for US microseconds while no process lives. Returns 0, or the TW_E_* that
 * stopped it (TW_E_BUSY: another manager holds the port).
 */
int64_t proc_manager_main(const char *args, size_t len)
{
    int64_t idle_us = tw_program_arg(args, len, "idle", 0);
    struct pm m;
    k_memset(&m, 0, sizeof(m));
    for (int i = 0; i < SESS_MAX; i++)
        m.sess[i].h = NONE;
    for (int i = 0; i < WAIT_MAX; i++)
        m.waits[i].sess = NONE;
    m.next_pid = 2;
    char url[] = PROC_PORT_URL "?listen";
    int64_t port = tw_open(url, 0);
    if (port < 0)
        return port;
    m.port = (int32_t)port;
    int64_t r = serve(&m, idle_us);
    for (int i = 0; i < SESS_MAX; i++)
        if (m.sess[i].h != NONE)
            tw_close(m.sess[i].h);
    for (int i = 0; i < PROC_MAX; i++) {
        if (m.procs[i].state == P_LIVE) {
            tw_close(m.procs[i].th);
            if (m.procs[i].sig != NONE)
                tw_close(m.procs[i].sig);
        }
    }
    tw_close(m.port);
    return r;
}
