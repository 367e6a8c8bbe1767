/* SPDX-License-Identifier: MIT */
/*
 * viz/fmt.c - text for the view (see fmt.h).
 */
#include "fmt.h"

#include "../core/abi.h"
#include "../core/kassert.h"
#include "../core/klib.h"

uint64_t viz_unit_for(uint64_t ns)
{
    if (ns >= 1000000000ull)
        return 1000000000ull;
    if (ns >= 1000000ull)
        return 1000000ull;
    return ns >= 1000ull ? 1000ull : 1ull;
}

const char *viz_unit_name(uint64_t unit)
{
    switch (unit) {
    case 1000000000ull:
        return "s";
    case 1000000ull:
        return "ms";
    case 1000ull:
        return "us";
    default:
        return "ns";
    }
}

void viz_fmt_fixed(char *buf, size_t len, uint64_t t, uint64_t unit, unsigned decimals)
{
    K_ASSERT(unit >= 1 && decimals <= 9);
    uint64_t scale = 1;
    for (unsigned i = 0; i < decimals; i++)
        scale *= 10;
    uint64_t whole = t / unit, frac = t % unit;
    /* frac * scale may overflow for s units with 9 decimals: divide first when exact */
    uint64_t digits = unit >= scale ? frac / (unit / scale) : frac * (scale / unit);
    char frac_txt[12]; /* klib's k_snprintf has no '*' width: the decimals by hand */
    frac_txt[0] = '.';
    for (unsigned i = decimals; i > 0; i--) {
        frac_txt[i] = (char)('0' + digits % 10);
        digits /= 10;
    }
    frac_txt[decimals + 1] = '\0';
    k_snprintf(buf, len, "%llu%s %s", (unsigned long long)whole, decimals > 0 ? frac_txt : "",
               viz_unit_name(unit));
}

void viz_fmt_time(char *buf, size_t len, uint64_t ns)
{
    uint64_t unit = viz_unit_for(ns);
    if (unit == 1) {
        k_snprintf(buf, len, "%llu ns", (unsigned long long)ns);
        return;
    }
    /* three decimals, trailing zeros dropped: "1.005 ms", "40 us", "95.1 us" */
    unsigned dec = 3;
    uint64_t step = unit / 1000;
    while (dec > 0 && (ns / step) % 10 == 0) {
        dec--;
        step *= 10;
    }
    viz_fmt_fixed(buf, len, ns, unit, dec);
}

void viz_fmt_time3(char *buf, size_t len, uint64_t ns)
{
    uint64_t unit = viz_unit_for(ns);
    uint64_t whole = ns / unit;
    unsigned dec = unit == 1 ? 0 : (whole >= 100 ? 0 : (whole >= 10 ? 1 : 2));
    viz_fmt_fixed(buf, len, ns, unit, dec);
}

const char *viz_syscall_name(uint64_t nr)
{
    static const char *const names[TW_SYS_COUNT] = {
        [TW_SYS_OPEN] = "open",   [TW_SYS_CLOSE] = "close",   [TW_SYS_READ] = "read",
        [TW_SYS_WRITE] = "write", [TW_SYS_INVOKE] = "invoke", [TW_SYS_POLL] = "poll",
        [TW_SYS_WAIT] = "wait",   [TW_SYS_SEEK] = "seek",     [TW_SYS_TELL] = "tell",
    };
    return nr < TW_SYS_COUNT ? names[nr] : "syscall?";
}

const char *viz_invoke_name(uint64_t op)
{
    static const struct {
        uint32_t op;
        const char *name;
    } ops[] = {
        {TW_TASK_EXIT, "exit"},
        {TW_TASK_SPAWN_THREAD, "spawn"},
        {TW_TASK_COMPUTE, "compute"},
        {TW_TASK_SLEEP, "sleep"},
        {TW_TASK_NOW, "now"},
        {TW_TASK_YIELD, "yield"},
        {TW_TASK_THREAD_EXIT, "thread_exit"},
        {TW_TASK_EXPECT_FAIL, "expect_fail"},
        {TW_TASK_DUPLICATE, "dup"},
        {TW_TASK_ID, "task_id"},
        {TW_TASK_THREAD_ID, "thread_id"},
        {TW_TASK_PRNG, "prng"},
        {TW_CHAN_TAKE_PEER, "take_peer"},
        {TW_CHAN_WRITE_HANDLES, "write_handles"},
        {TW_CHAN_READ_HANDLES, "read_handles"},
        {TW_CHAN_PENDING, "pending"},
        {TW_TIMER_SET_INTERVAL_MS, "timer_set_ms"},
        {TW_TIMER_SET_INTERVAL_NS, "timer_set_ns"},
        {TW_TIMER_FIRED, "timer_fired"},
        {TW_TIMER_CANCEL, "timer_cancel"},
    };
    for (size_t i = 0; i < K_ARRAY_SIZE(ops); i++)
        if (ops[i].op == op)
            return ops[i].name;
    return NULL;
}

const char *viz_error_name(int64_t code)
{
    static const char *const names[] = {
        "ok",          "invalid",   "bad handle",    "access denied",
        "no entry",    "no memory", "would block",   "timed out",
        "peer closed", "fault",     "not supported", "too big",
        "busy",        "i/o",       "canceled",      "limit",
        "syntax",      "stale",     "restarted",     "version mismatch",
    };
    if (code >= 0)
        return "ok";
    if (code < TW_ERR_MIN)
        return "error?";
    return names[-code];
}

const char *viz_event_name(uint32_t type)
{
    static const char *const names[TR_EVENT_MAX + 1] = {
        [TR_BOOT] = "boot",
        [TR_TASK_START] = "task-start",
        [TR_THREAD_START] = "thread-start",
        [TR_SWITCH] = "switch",
        [TR_SYSCALL] = "syscall",
        [TR_SYSRET] = "sysret",
        [TR_BLOCK] = "block",
        [TR_WAKE] = "wake",
        [TR_IPC_SEND] = "ipc-send",
        [TR_IPC_RECV] = "ipc-recv",
        [TR_TIMER_FIRE] = "timer",
        [TR_FAULT] = "fault",
        [TR_THREAD_EXIT] = "thread-exit",
        [TR_TASK_EXIT] = "task-exit",
        [TR_CONSOLE] = "console",
        [TR_EXPECT_FAIL] = "expect-fail",
        [TR_IDLE] = "idle",
        [TR_END] = "end",
        [TR_OPEN] = "open",
        [TR_COMPUTE] = "compute",
        [TR_TASK_SPAWN] = "task-spawn",
        [TR_TASK_ADOPT] = "task-adopt",
        [TR_REQ_ACCEPT] = "req-accept",
        [TR_REQ_END] = "req-end",
        [TR_REQ_REDELIVER] = "req-redeliver",
        [TR_PORT_BIND] = "port-bind",
        [TR_PORT_END] = "port-end",
        [TR_SVC_REGISTER] = "svc-register",
        [TR_SVC_SUBSCRIBE] = "svc-subscribe",
        [TR_SVC_OWNER] = "svc-owner",
    };
    return type <= TR_EVENT_MAX && names[type] != NULL ? names[type] : "event?";
}

void viz_fmt_signals(char *buf, size_t len, uint32_t signals)
{
    static const char *const names[] = {"readable", "writable", "peer_closed", "signaled",
                                        "exited"};
    size_t n = 0;
    K_ASSERT(len > 0);
    buf[0] = '\0';
    for (size_t i = 0; i < K_ARRAY_SIZE(names); i++)
        if (signals & (1u << i))
            n += k_snprintf(buf + (n < len ? n : len - 1), n < len ? len - n : 1, "%s%s",
                            n > 0 ? "|" : "", names[i]);
    if (n == 0)
        k_snprintf(buf, len, "none");
}

void viz_fmt_syscall(char *buf, size_t len, const struct trace_rec *r)
{
    K_ASSERT(r->type == TR_SYSCALL);
    const char *name = viz_syscall_name(r->a);
    long long h = (long long)(int32_t)r->b;
    char sig[64];
    switch (r->a) {
    case TW_SYS_OPEN:
        k_snprintf(buf, len, "open(url of %llu bytes, flags 0x%llx)", (unsigned long long)r->c,
                   (unsigned long long)r->b);
        break;
    case TW_SYS_READ:
    case TW_SYS_WRITE:
        k_snprintf(buf, len, "%s(h%lld, %llu)", name, h, (unsigned long long)r->c);
        break;
    case TW_SYS_INVOKE: {
        const char *op = viz_invoke_name(r->c);
        if (op != NULL)
            k_snprintf(buf, len, "invoke(h%lld, %s)", h, op);
        else
            k_snprintf(buf, len, "invoke(h%lld, op 0x%llx)", h, (unsigned long long)r->c);
        break;
    }
    case TW_SYS_POLL:
        k_snprintf(buf, len, "poll(%llu items)", (unsigned long long)r->b);
        break;
    case TW_SYS_WAIT:
        viz_fmt_signals(sig, sizeof(sig), (uint32_t)r->c);
        k_snprintf(buf, len, "wait(h%lld, %s)", h, sig);
        break;
    case TW_SYS_SEEK:
        k_snprintf(buf, len, "seek(h%lld, %lld)", h, (long long)r->c);
        break;
    default:
        k_snprintf(buf, len, "%s(h%lld)", name, h);
        break;
    }
}

void viz_fmt_record(char *buf, size_t len, const struct trace_rec *r)
{
    char t[32], what[96];
    viz_fmt_fixed(t, sizeof(t), r->time, viz_unit_for(r->time) == 1 ? 1000 : viz_unit_for(r->time),
                  viz_unit_for(r->time) == 1000000000ull ? 9 : 6);
    switch (r->type) {
    case TR_SYSCALL:
        viz_fmt_syscall(what, sizeof(what), r);
        break;
    case TR_SYSRET:
        k_snprintf(what, sizeof(what), "%s -> %lld %s", viz_syscall_name(r->a), (long long)r->b,
                   (int64_t)r->b < 0 ? viz_error_name((int64_t)r->b) : "");
        break;
    case TR_IPC_SEND:
    case TR_IPC_RECV:
        k_snprintf(what, sizeof(what), "seq %llu chan %llu len %llu", (unsigned long long)r->a,
                   (unsigned long long)(r->b >> 32), (unsigned long long)(r->b & 0xffffffffu));
        break;
    case TR_SWITCH:
        k_snprintf(what, sizeof(what), "t%llu -> t%llu", (unsigned long long)r->a,
                   (unsigned long long)r->b);
        break;
    default:
        k_snprintf(what, sizeof(what), "a=%llu b=%llu c=%llu", (unsigned long long)r->a,
                   (unsigned long long)r->b, (unsigned long long)r->c);
        break;
    }
    k_snprintf(buf, len, "%s t%u %s %s", t, r->tid, viz_event_name(r->type), what);
}
