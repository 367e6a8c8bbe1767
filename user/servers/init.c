/* SPDX-License-Identifier: MIT */
/*
 * user/servers/init.c - "init", the guardian (docs/supervision.md, "Init"). Spawned with
 * handle 1 a channel holding its configuration (a "sup ..." line, one "srv ..." line a
 * server, "go": supervisor_proto.h), it creates every server's port (and registers its
 * scheme) and the supervisor's control port chan://sup, keeps them, so they outlive every
 * incarnation of their servers and of the supervisor, and spawns the supervisor with
 * duplicates. When the supervisor dies, its servers are adopted by init (the kernel's tree);
 * init restarts the supervisor (at most `intensity` times in `period`) and moves the
 * adopted tasks' handles into it. At `stop` it tells the supervisor to stop, then closes the
 * ports and ends. User code: system calls only.
 */
#include "../../core/klib.h"
#include "../ops.h"
#include "../programs.h"
#include "../svc.h"
#include "../twain.h"
#include "supervisor_proto.h"

#define US        1000ull
#define STOP_WAIT (1000000 * US) /* the supervisor must stop within this of being told */

struct init {
    struct sup_conf conf;
    char sup_line[SUP_LINE_MAX];
    size_t sup_len;
    char line[SUP_MAX_SERVERS][SUP_LINE_MAX];
    uint8_t len[SUP_MAX_SERVERS];
    struct sup_spec spec[SUP_MAX_SERVERS];
    int32_t port[SUP_MAX_SERVERS];
    uint32_t n;
    int32_t ctl, link, sup, con;
    uint32_t incarnations;
    struct sup_window win;
};

static int64_t bad_config(struct init *in, const char *why)
{
    sup_print(&in->con, "init: bad configuration: %s", why);
    return TW_E_INVAL;
}

static int64_t read_config(struct init *in)
{
    char msg[SUP_LINE_MAX];
    const char *why;
    for (;;) {
        int64_t r = tw_read(1, msg, sizeof(msg));
        if (r < 0)
            return bad_config(in, "no configuration on handle 1");
        size_t n = (size_t)r;
        if (k_memeq_str(msg, n, "go"))
            break;
        if (n >= 4 && k_memcmp(msg, "sup ", 4) == 0) {
            if (sup_conf_parse(msg, n, &in->conf, &why) != 0)
                return bad_config(in, why);
            k_memcpy(in->sup_line, msg, n);
            in->sup_len = n;
        } else if (n >= 4 && k_memcmp(msg, "srv ", 4) == 0) {
            if (in->n == SUP_MAX_SERVERS)
                return bad_config(in, "more than 16 servers");
            if (sup_spec_parse(msg, n, &in->spec[in->n], &why) != 0)
                return bad_config(in, why);
            k_memcpy(in->line[in->n], msg, n);
            in->len[in->n] = (uint8_t)(n > 255 ? 255 : n);
            in->n++;
        } else {
            return bad_config(in, "a line that is none of sup, srv, go");
        }
    }
    if (in->sup_len == 0)
        return bad_config(in, "no \"sup\" line");
    uint8_t order[SUP_MAX_SERVERS];
    if (sup_order(in->spec, in->n, order, &why) != 0)
        return bad_config(in, why);
    tw_close(1);
    return TW_OK;
}

/* Every server's port (and scheme) and the control port, before any server starts. */
static int64_t make_ports(struct init *in)
{
    char url[64];
    k_snprintf(url, sizeof(url), "%s?listen&cap=256", SUP_CTL_URL);
    int64_t h = tw_open(url, 0);
    if (h < 0)
        return bad_config(in, "cannot open the control port chan://sup");
    in->ctl = (int32_t)h;
    for (uint32_t i = 0; i < in->n; i++) {
        const struct sup_spec *s = &in->spec[i];
        in->port[i] = -1;
        if (s->svc[0] != '\0') { /* a service: its registration is the port init keeps */
            const struct svc_proto *p = svc_proto_named(s->proto, k_strlen(s->proto));
            h = p == NULL ? TW_E_NOENT : svc_register(p, s->svc, k_strlen(s->svc), SVC_FAIL, false);
            if (h < 0) {
                sup_print(&in->con, "init: cannot register service %s: %s", s->svc, tw_strerror(h));
                return h;
            }
            in->port[i] = (int32_t)h;
            continue;
        }
        if (s->port[0] == '\0')
            continue;
        k_snprintf(url, sizeof(url), "chan://%s?listen", s->port);
        h = tw_open(url, 0);
        if (h < 0) {
            sup_print(&in->con, "init: cannot open port %s: %s", s->port, tw_strerror(h));
            return h;
        }
        in->port[i] = (int32_t)h;
        if (s->scheme[0] != '\0') {
            char scheme[SUP_PORT_MAX];
            size_t n = k_strlen(s->scheme);
            k_memcpy(scheme, s->scheme, n);
            int64_t rc = tw_port_serve_scheme(in->port[i], scheme, n);
            if (rc < 0) {
                sup_print(&in->con, "init: cannot serve scheme %s: %s", s->scheme, tw_strerror(rc));
                return rc;
            }
        }
    }
    return TW_OK;
}

static int64_t send(int32_t link, const char *msg, size_t n, const int32_t *hs, uint32_t nh)
{
    return nh == 0 ? tw_write(link, msg, n) : tw_chan_write_handles(link, msg, n, hs, nh);
}

/* Spawn a supervisor: its configuration, its test kill, the ports, the adopted tasks. */
static int64_t start_sup(struct init *in, const int32_t *kids, uint32_t nkids)
{
    char url[] = "chan://?pair&cap=64", cmd[] = "supervisor";
    int64_t mine = tw_open(url, 0);
    if (mine < 0)
        return mine;
    int64_t theirs = tw_chan_take_peer((int32_t)mine);
    int64_t ctl = tw_task_duplicate(in->ctl, TW_RIGHTS_SAME);
    if (theirs < 0 || ctl < 0)
        return theirs < 0 ? theirs : ctl;
    int32_t hs[2] = {(int32_t)theirs, (int32_t)ctl};
    int64_t t = tw_task_spawn(cmd, sizeof(cmd) - 1, hs, 2);
    if (t < 0)
        return t;
    in->link = (int32_t)mine;
    in->sup = (int32_t)t;
    struct tw_task_status st;
    k_memset(&st, 0, sizeof(st));
    (void)tw_task_status(in->sup, &st, sizeof(st));
    sup_print(&in->con, "init: supervisor started (task %u)", st.id);
    (void)send(in->link, in->sup_line, in->sup_len, NULL, 0);
    uint32_t inc = in->incarnations++;
    if (inc < in->conf.nkills && in->conf.kills[inc] != SUP_KILL_NONE) {
        char msg[40];
        size_t n = k_snprintf(msg, sizeof(msg), "test-kill %s",
                              in->conf.kills[inc] == SUP_KILL_BEFORE_RESTART ? "before_restart"
                                                                             : "after_spawn");
        (void)send(in->link, msg, n, NULL, 0);
    }
    for (uint32_t i = 0; i < in->n; i++) {
        int32_t p[1];
        uint32_t np = 0;
        if (in->port[i] >= 0) {
            int64_t d = tw_task_duplicate(in->port[i], TW_RIGHTS_SAME);
            if (d >= 0)
                p[np++] = (int32_t)d;
        }
        (void)send(in->link, in->line[i], in->len[i], p, np);
    }
    char child[] = "child", go[] = "go";
    for (uint32_t i = 0; i < nkids; i += 4)
        (void)send(in->link, child, 5, kids + i, nkids - i < 4 ? nkids - i : 4);
    return send(in->link, go, 2, NULL, 0);
}

/* The supervisor died: its servers are ours now (adopted); hand them to the next one. */
static int64_t restart_sup(struct init *in)
{
    uint32_t ids[2 * SUP_MAX_SERVERS];
    int32_t kids[2 * SUP_MAX_SERVERS];
    uint32_t nkids = 0;
    int64_t n = tw_task_children(TW_HANDLE_SELF, ids, sizeof(ids));
    for (int64_t i = 0; i < n && i < (int64_t)(sizeof(ids) / sizeof(ids[0])); i++) {
        int64_t h = tw_task_child(TW_HANDLE_SELF, ids[i]);
        if (h >= 0)
            kids[nkids++] = (int32_t)h;
    }
    sup_print(&in->con, "init: restart the supervisor (%u in %llu us), %u servers adopted",
              in->win.n, (unsigned long long)in->conf.period_us, nkids);
    return start_sup(in, kids, nkids);
}

/* Kill every task left (the supervisor gave up or init does). */
static void kill_children(void)
{
    uint32_t ids[2 * SUP_MAX_SERVERS];
    int64_t n = tw_task_children(TW_HANDLE_SELF, ids, sizeof(ids));
    for (int64_t i = 0; i < n && i < (int64_t)(sizeof(ids) / sizeof(ids[0])); i++) {
        int64_t h = tw_task_child(TW_HANDLE_SELF, ids[i]);
        if (h < 0)
            continue;
        (void)tw_task_kill((int32_t)h, (uint64_t)(int64_t)TW_EXIT_KILLED);
        (void)tw_wait((int32_t)h, TW_SIG_EXITED, (uint64_t)tw_now() + STOP_WAIT);
        tw_close((int32_t)h);
    }
}

static void close_ports(struct init *in)
{
    for (uint32_t i = 0; i < in->n; i++)
        if (in->port[i] >= 0)
            tw_close(in->port[i]);
    tw_close(in->ctl);
}

/* A message from the supervisor: "kill-me" (a test), "close NAME" (quarantined for good). */
static void on_link(struct init *in)
{
    char msg[64];
    int64_t r = tw_read(in->link, msg, sizeof(msg));
    if (r < 0)
        return;
    size_t n = (size_t)r;
    if (k_memeq_str(msg, n, "kill-me")) {
        sup_print(&in->con, "init: test: killing the supervisor");
        (void)tw_task_kill(in->sup, (uint64_t)(int64_t)TW_EXIT_KILLED);
    } else if (n > 6 && k_memcmp(msg, "close ", 6) == 0) {
        for (uint32_t i = 0; i < in->n; i++) {
            if (in->port[i] >= 0 && k_memeq_str(msg + 6, n - 6, in->spec[i].name)) {
                tw_close(in->port[i]);
                in->port[i] = -1;
                sup_print(&in->con, "init: closed the port of %s", in->spec[i].name);
            }
        }
    }
}

int64_t init_main(const char *args, size_t len)
{
    (void)args;
    (void)len;
    struct init in;
    k_memset(&in, 0, sizeof(in));
    in.con = -1;
    int64_t rc = read_config(&in);
    if (rc == TW_OK)
        rc = make_ports(&in);
    if (rc != TW_OK)
        return rc;
    sup_print(&in.con, "init: %u servers, ports ready", in.n);
    if ((rc = start_sup(&in, NULL, 0)) < 0)
        return rc;
    uint64_t stop_at = in.conf.stop_us > 0 ? (uint64_t)tw_now() + in.conf.stop_us * US : 0;
    bool stopping = false;
    for (;;) {
        struct tw_poll_item it[2] = {
            {.handle = in.sup, .signals = TW_SIG_EXITED},
            {.handle = in.link, .signals = TW_SIG_READABLE},
        };
        uint64_t d = stop_at == 0 ? TW_DEADLINE_NEVER : stopping ? stop_at + STOP_WAIT : stop_at;
        int64_t r = tw_poll(it, 2, d);
        if (r == TW_E_TIMEDOUT && !stopping) {
            char stop[] = "stop";
            sup_print(&in.con, "init: stop");
            stopping = true;
            (void)tw_write(in.link, stop, 4);
            continue;
        }
        if (r == TW_E_TIMEDOUT) {
            sup_print(&in.con, "init: the supervisor did not stop: killed");
            (void)tw_task_kill(in.sup, (uint64_t)(int64_t)TW_EXIT_KILLED);
            stop_at = 0;
            continue;
        }
        if (r < 0)
            return r;
        if (it[1].observed != 0)
            on_link(&in);
        if (it[0].observed == 0)
            continue;
        struct tw_task_status st;
        k_memset(&st, 0, sizeof(st));
        (void)tw_task_status(in.sup, &st, sizeof(st));
        tw_close(in.sup);
        tw_close(in.link);
        if (stopping) {
            kill_children();
            close_ports(&in);
            sup_print(&in.con, "init: stopped");
            return 0;
        }
        sup_print(&in.con, "init: supervisor ended (%s %d)",
                  st.end == TW_TASK_END_KILLED    ? "killed"
                  : st.end == TW_TASK_END_CRASHED ? "crashed"
                                                  : "exit",
                  st.code);
        uint64_t now = (uint64_t)tw_now();
        if (sup_window_full(&in.win, now, in.conf.period_us * US, in.conf.intensity)) {
            sup_print(&in.con, "init: the supervisor failed %u times in %llu us: giving up",
                      in.conf.intensity, (unsigned long long)in.conf.period_us);
            kill_children();
            close_ports(&in);
            return 1;
        }
        sup_window_add(&in.win, now);
        if ((rc = restart_sup(&in)) < 0)
            return rc;
    }
}
