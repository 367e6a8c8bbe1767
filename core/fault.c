/* SPDX-License-Identifier: MIT */
/*
 * core/fault.c - scheduled fault injection (see fault.h): kills of a task, of a named
 * port's server, and campaigns of such kills at seeded random times.
 */
#include "fault.h"
#include "abi.h"
#include "chan.h"
#include "clock.h"
#include "kassert.h"
#include "kentry.h"
#include "kernel.h"
#include "klib.h"
#include "obj.h"
#include "prng.h"
#include "task.h"
#include "thread.h"
#include "trace.h"
#include "uprov.h"

K_STATIC_ASSERT((int)FAULT_KILL == (int)TR_FAULT_KILL && (int)FAULT_CRASH == (int)TR_FAULT_CRASH &&
                    (int)FAULT_KILL_SERVER == (int)TR_FAULT_KILL_SERVER &&
                    (int)FAULT_CAMPAIGN == (int)TR_FAULT_CAMPAIGN,
                "a fault's kind is TR_FAULT's first argument");
K_STATIC_ASSERT(FAULT_NAMES_LEN > K_CHAN_NAME, "a server fault's names hold one whole name");

struct fault {
    struct ktimer kt;
    enum fault_kind kind;
    uint32_t task_id;            /* FAULT_KILL */
    char names[FAULT_NAMES_LEN]; /* server faults: "name" or "a b c"; a campaign's may be "*" */
    uint32_t names_len;
    uint32_t nnames;         /* 0: "*" */
    uint32_t count;          /* a campaign: kills in all, */
    uint32_t next;           /* and the index of the next one */
    uint64_t from_ns, to_ns; /* its window */
};

static struct fault faults[FAULT_MAX];
static uint32_t nfaults;

void fault_reset(void)
{
    k_memset(faults, 0, sizeof(faults));
    nfaults = 0;
}

/* ---- killing a server ------------------------------------------------------------------ */

/* Kill the server of port (NULL: no such port) and trace it as a fault of kind. */
static void kill_port_server(enum fault_kind kind, struct kobj *port)
{
    struct task *t = port != NULL ? chan_port_server(port) : NULL;
    if (t != NULL && t->exiting)
        t = NULL; /* already ending: its incarnation ends when it has */
    trace_emit(TR_FAULT, kind, t != NULL ? t->id : 0, port != NULL ? port->id : 0);
    if (t != NULL)
        task_kill(t, TW_EXIT_KILLED, true);
}

/* The open port named name[0..len), or else the one serving the scheme of that name. */
static struct kobj *port_of(const char *name, size_t len)
{
    struct kobj *p = chan_port_named(name, len);
    return p != NULL ? p : uprov_scheme_port(name, len);
}

/* The i-th name of f's list (i < f->nnames); its length in *len. */
static const char *nth_name(const struct fault *f, uint32_t i, size_t *len)
{
    const char *s = f->names;
    for (; i > 0; i--)
        s += k_strnlen(s, f->names_len) + 1; /* names are NUL-separated once stored */
    *len = k_strnlen(s, f->names_len);
    return s;
}

/* Kill one of the ports' servers that is alive and not ending, uniformly; or trace none. */
static void kill_any_server(enum fault_kind kind)
{
    uint32_t n = 0;
    for (struct kobj *p = chan_port_next(NULL); p != NULL; p = chan_port_next(p)) {
        struct task *t = chan_port_server(p);
        n += t != NULL && !t->exiting;
    }
    if (n == 0) {
        kill_port_server(kind, NULL);
        return;
    }
    uint64_t k = prng_below(k_prng(), n);
    for (struct kobj *p = chan_port_next(NULL); p != NULL; p = chan_port_next(p)) {
        struct task *t = chan_port_server(p);
        if (t != NULL && !t->exiting && k-- == 0) {
            kill_port_server(kind, p);
            return;
        }
    }
    K_ASSERT(false);
}

/* ---- campaigns ------------------------------------------------------------------------- */

/* Where slice i of n starts in a window of w ns (slice n: the window's end). No overflow:
 * w % n < n <= 2^32 and i <= n. */
static uint64_t slice_start(uint64_t w, uint32_t n, uint32_t i)
{
    return w / n * i + w % n * i / n;
}

/* Arm f at the time of its next kill, drawn uniformly from its slice (at least 1 ns). */
static int campaign_arm(struct fault *f)
{
    uint64_t w = f->to_ns - f->from_ns;
    uint64_t lo = slice_start(w, f->count, f->next);
    uint64_t hi = slice_start(w, f->count, f->next + 1);
    K_ASSERT(hi > lo);
    return ktimer_arm(&f->kt, f->from_ns + lo + prng_below(k_prng(), hi - lo));
}

static void campaign_fire(struct fault *f)
{
    if (thread_live_count() == 0)
        return; /* nothing left to kill, or to serve */
    if (f->nnames == 0) {
        kill_any_server(FAULT_CAMPAIGN);
    } else {
        size_t len;
        const char *name = nth_name(f, (uint32_t)prng_below(k_prng(), f->nnames), &len);
        kill_port_server(FAULT_CAMPAIGN, port_of(name, len));
    }
    if (++f->next < f->count && campaign_arm(f) != TW_OK)
        k_panic("fault: a campaign could not re-arm its deadline");
}

static void fault_fire(struct ktimer *kt)
{
    struct fault *f = K_CONTAINER_OF(kt, struct fault, kt);
    switch (f->kind) {
    case FAULT_KILL: {
        trace_emit(TR_FAULT, f->kind, f->task_id, 0);
        struct task *t = task_by_id(f->task_id);
        if (t != NULL)
            task_kill(t, TW_EXIT_KILLED, true);
        break;
    }
    case FAULT_KILL_SERVER:
        kill_port_server(FAULT_KILL_SERVER, port_of(f->names, f->names_len));
        break;
    case FAULT_CAMPAIGN:
        campaign_fire(f);
        break;
    default:
        K_ASSERT(false);
    }
}

_Noreturn void k_user_fault(uint32_t vector)
{
    struct thread *t = thread_current();
    K_ASSERT(t != NULL);
    trace_emit(TR_FAULT, FAULT_CRASH, t->task->id, vector);
    task_kill(t->task, TW_EXIT_CRASHED, true);
    thread_exit_current();
}

/* ---- scheduling ------------------------------------------------------------------------ */

static bool name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '~' || c == '+' || c == '-';
}

/*
 * Copy the names s[0..len) (list: separated by one space; else exactly one) into f as
 * NUL-separated strings, counting them; "*" (list only) is every server, nnames 0.
 */
static int set_names(struct fault *f, const char *s, size_t len, bool list)
{
    if (list && len == 1 && s[0] == '*') {
        f->nnames = 0;
        f->names_len = 1;
        f->names[0] = '*';
        return TW_OK;
    }
    if (len == 0 || len >= FAULT_NAMES_LEN)
        return TW_E_INVAL;
    uint32_t n = 1;
    size_t run = 0; /* bytes of the current name */
    for (size_t i = 0; i < len; i++) {
        if (s[i] == ' ' && list) {
            if (run == 0 || i + 1 == len)
                return TW_E_INVAL; /* empty name: leading, trailing or doubled space */
            f->names[i] = '\0';
            n++;
            run = 0;
            continue;
        }
        if (!name_char(s[i]) || ++run >= K_CHAN_NAME)
            return TW_E_INVAL;
        f->names[i] = s[i];
    }
    f->names[len] = '\0';
    f->names_len = (uint32_t)len;
    f->nnames = n;
    return TW_OK;
}

/* The next free fault, cleared; NULL when FAULT_MAX are scheduled. */
static struct fault *fault_new(enum fault_kind kind)
{
    if (nfaults >= FAULT_MAX)
        return NULL;
    struct fault *f = &faults[nfaults];
    k_memset(f, 0, sizeof(*f));
    f->kind = kind;
    f->kt.fire = fault_fire;
    return f;
}

int fault_schedule(enum fault_kind kind, uint64_t at_ns, uint32_t task_id)
{
    if (kind != FAULT_KILL)
        return TW_E_INVAL;
    struct fault *f = fault_new(kind);
    if (f == NULL)
        return TW_E_LIMIT;
    f->task_id = task_id;
    int rc = ktimer_arm(&f->kt, at_ns);
    nfaults += rc == TW_OK;
    return rc;
}

int fault_schedule_server(const char *name, size_t len, uint64_t at_ns)
{
    struct fault *f = fault_new(FAULT_KILL_SERVER);
    if (f == NULL)
        return TW_E_LIMIT;
    int rc = set_names(f, name, len, false);
    if (rc == TW_OK)
        rc = ktimer_arm(&f->kt, at_ns);
    nfaults += rc == TW_OK;
    return rc;
}

int fault_schedule_campaign(const char *servers, size_t len, uint32_t count, uint64_t from_ns,
                            uint64_t to_ns)
{
    if (count == 0 || from_ns >= to_ns || to_ns - from_ns < count)
        return TW_E_INVAL;
    struct fault *f = fault_new(FAULT_CAMPAIGN);
    if (f == NULL)
        return TW_E_LIMIT;
    int rc = set_names(f, servers, len, true);
    f->count = count;
    f->from_ns = from_ns;
    f->to_ns = to_ns;
    if (rc == TW_OK)
        rc = campaign_arm(f);
    nfaults += rc == TW_OK;
    return rc;
}

/* ---- the boot door (core/kentry.h) ----------------------------------------------------- */

int k_native_kill_server_at(const char *name, size_t len, uint64_t at_ns)
{
    return fault_schedule_server(name, len, at_ns);
}

int k_native_campaign(const char *servers, size_t len, uint32_t count, uint64_t from_ns,
                      uint64_t to_ns)
{
    return fault_schedule_campaign(servers, len, count, from_ns, to_ns);
}
