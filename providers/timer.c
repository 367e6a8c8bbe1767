/* SPDX-License-Identifier: MIT */
/*
 * providers/timer.c - the timer:// scheme:
 *
 *   timer://interval:N/   fires every N ms        timer://oneshot:N/   fires once after N ms
 *   (or ?ms=N / ?us=N / ?ns=N instead of N after the ':', for other units)
 *
 * A period is 10 us (K_TIMER_MIN_NS) .. 2^62 ns (TIMER_MAX_NS, about 146 years) in every
 * form: N is at most 4611686018427 ms (interval:N, oneshot:N, ?ms=), 4611686018427387 us,
 * or 4611686018427387904 ns. N after the ':' is read from the URL's port as written
 * (url_port_value), not limited to 65535 as a network port would be.
 *
 * A fired timer asserts TW_SIG_SIGNALED and TW_SIG_READABLE until consumed: a wait() that
 * returns consumes the firings seen so far (so `for (;;) { wait(t); ... }` runs once per
 * period), and read() returns the 8-byte count of firings since the last consumption.
 * invoke TW_TIMER_SET_INTERVAL_MS/NS re-arms the period from now. Periods are at least
 * K_TIMER_MIN_NS (10 us): shorter ones are TW_E_INVAL. A timer that is not armed (a fired
 * one-shot, or cancelled) with every firing consumed asserts TW_SIG_PEER_CLOSED, and read()
 * says TW_E_PEER: nothing more will come, so a blocked reader must not wait for it.
 */
#include "../core/optable.h"
#include "../core/abi.h"
#include "../core/clock.h"
#include "../core/kassert.h"
#include "../core/kcache.h"
#include "../core/klib.h"
#include "../core/limits.h"
#include "../core/obj.h"
#include "../core/trace.h"
#include "providers.h"

#define TIMER_MAX_NS (1ull << 62) /* the longest period */

struct timer_obj {
    struct kobj obj;
    struct ktimer kt;
    uint64_t period_ns; /* 0 for a one-shot */
    uint64_t fired;
    uint64_t consumed;
};

static struct kcache timer_cache;

static struct timer_obj *as_timer(struct kobj *o)
{
    return K_CONTAINER_OF(o, struct timer_obj, obj);
}

static uint32_t timer_signals(struct kobj *o)
{
    struct timer_obj *t = as_timer(o);
    if (t->fired > t->consumed)
        return TW_SIG_SIGNALED | TW_SIG_READABLE;
    return ktimer_armed(&t->kt) ? 0 : TW_SIG_PEER_CLOSED;
}

static void timer_consume(struct kobj *o, uint32_t observed)
{
    (void)observed;
    struct timer_obj *t = as_timer(o);
    t->consumed = t->fired;
}

static void timer_fire(struct ktimer *kt)
{
    struct timer_obj *t = K_CONTAINER_OF(kt, struct timer_obj, kt);
    t->fired++;
    trace_emit(TR_TIMER_FIRE, t->obj.id, t->fired, 0);
    if (t->period_ns != 0) {
        int rc = ktimer_arm(&t->kt, kt->deadline + t->period_ns);
        K_ASSERT(rc == TW_OK); /* it just left the heap: a slot is free */
    }
    kobj_notify(&t->obj);
}

static int64_t timer_read(struct kobj *o, void *buf, size_t len)
{
    struct timer_obj *t = as_timer(o);
    if (len < sizeof(uint64_t))
        return TW_E_TOOBIG;
    if (t->fired == t->consumed)
        return ktimer_armed(&t->kt) ? TW_E_WOULDBLOCK : TW_E_PEER;
    uint64_t n = t->fired - t->consumed;
    t->consumed = t->fired;
    k_memcpy(buf, &n, sizeof(n));
    return sizeof(n);
}

static int64_t timer_rearm(struct timer_obj *t, uint64_t period_ns)
{
    if (period_ns < K_TIMER_MIN_NS || period_ns > (1ull << 62))
        return TW_E_INVAL;
    t->period_ns = period_ns;
    return ktimer_arm(&t->kt, clock_now() + period_ns);
}

static int64_t timer_invoke(struct kobj *o, const struct kargs *a)
{
    struct timer_obj *t = as_timer(o);
    switch (a->op->op) {
    case TW_TIMER_SET_INTERVAL_MS:
        return a->v[0] > (1ull << 40) ? TW_E_INVAL : timer_rearm(t, a->v[0] * 1000000ull);
    case TW_TIMER_SET_INTERVAL_NS:
        return timer_rearm(t, a->v[0]);
    case TW_TIMER_FIRED:
        return (int64_t)(t->fired & INT64_MAX);
    case TW_TIMER_CANCEL:
        ktimer_cancel(&t->kt);
        kobj_notify(&t->obj); /* a blocked reader now gets TW_E_PEER */
        return TW_OK;
    default:
        return TW_E_NOTSUP;
    }
}

static void timer_last_close(struct kobj *o)
{
    ktimer_cancel(&as_timer(o)->kt);
}

static void timer_destroy(struct kobj *o)
{
    struct timer_obj *t = as_timer(o);
    K_ASSERT(!ktimer_armed(&t->kt));
    kcache_free(&timer_cache, t);
}

static const struct kobj_ops timer_ops = {
    .name = "timer",
    .kind = TW_KIND_TIMER,
    .default_rights =
        TW_RIGHT_READ | TW_RIGHT_INVOKE | TW_RIGHT_WAIT | TW_RIGHT_TRANSFER | TW_RIGHT_DUPLICATE,
    .signals = timer_signals,
    .consume = timer_consume,
    .read = timer_read,
    .invoke = timer_invoke,
    .last_close = timer_last_close,
    .destroy = timer_destroy,
};

/* The period in ns from "interval:N" (ms) or one of ?ms= ?us= ?ns=. 0 when malformed. */
static uint64_t parse_period(const struct url *u)
{
    static const struct {
        const char *key;
        uint64_t mult;
    } units[] = {{"ms", 1000000ull}, {"us", 1000ull}, {"ns", 1ull}};
    uint64_t n;
    if (u->has_port)
        return !u->has_query && url_port_value(u, TIMER_MAX_NS / 1000000ull, &n) ? n * 1000000ull
                                                                                 : 0;
    for (unsigned i = 0; i < K_ARRAY_SIZE(units); i++) {
        struct url_str v;
        if (url_query_get(u, units[i].key, &v) && k_parse_u64(v.ptr, v.len, &n) &&
            n <= TIMER_MAX_NS / units[i].mult)
            return n * units[i].mult;
    }
    return 0;
}

static int timer_open(const struct url_parsed *p, const struct url *u, uint32_t flags,
                      struct kobj **out)
{
    (void)p;
    (void)flags;
    bool oneshot = k_memeq_str(u->host.ptr, u->host.len, "oneshot");
    if (!oneshot && !k_memeq_str(u->host.ptr, u->host.len, "interval"))
        return TW_E_INVAL;
    uint64_t period = parse_period(u);
    if (period < K_TIMER_MIN_NS || period > TIMER_MAX_NS || u->sub >= 0)
        return TW_E_INVAL;
    struct timer_obj *t = kcache_alloc(&timer_cache);
    if (t == NULL)
        return TW_E_NOMEM;
    kobj_init(&t->obj, &timer_ops);
    t->kt.fire = timer_fire;
    t->period_ns = oneshot ? 0 : period;
    if (ktimer_arm(&t->kt, clock_now() + period) != TW_OK) {
        kobj_unref(&t->obj);
        return TW_E_LIMIT;
    }
    *out = &t->obj;
    return TW_OK;
}

static void timer_reset(void)
{
    kcache_init(&timer_cache, "timer", sizeof(struct timer_obj));
}

const struct provider prov_timer = {.scheme = "timer", .open = timer_open, .reset = timer_reset};
