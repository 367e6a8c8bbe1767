/* SPDX-License-Identifier: MIT */
/*
 * core/syscall.c - the nine system calls behind one dispatch table (docs/operations.md).
 *
 * Interrupts are masked from entry to exit: the kernel is not preemptible. On the way out
 * timers that came due fire, a killed thread ends, and the policy may preempt.
 */
#include "syscall.h"
#include "../hal/hal.h"
#include "clock.h"
#include "hash.h"
#include "kernel.h"
#include "kassert.h"
#include "kentry.h"
#include "klib.h"
#include "obj.h"
#include "optable.h"
#include "provider.h"
#include "sched.h"
#include "spawn.h"
#include "task.h"
#include "thread.h"
#include "trace.h"
#include "url.h"
#include "usercopy.h"
#include "wait.h"
#include "watch.h"

typedef int64_t (*sys_fn)(const uint64_t a[6]);

static uint64_t calls;

uint64_t syscall_count(void)
{
    return calls;
}

static struct thread *cur(void)
{
    return thread_current();
}

static int lookup(uint64_t h, uint32_t rights, struct handle_entry **e)
{
    if ((int64_t)h < INT32_MIN || (int64_t)h > INT32_MAX)
        return TW_E_BADH;
    return handle_get(cur()->task, cur(), (int32_t)h, rights, e);
}

static int64_t sys_open(const uint64_t a[6])
{
    char url[URL_MAX_LEN];
    uint64_t len = a[1];
    uint32_t flags = (uint32_t)a[2];
    if (len == 0 || len > tw_syscalls[TW_SYS_OPEN].max[0])
        return len == 0 ? TW_E_INVAL : TW_E_TOOBIG;
    if (a[2] > UINT32_MAX || (flags & ~TW_O_FLAGS_ALL) != 0)
        return TW_E_INVAL;
    if (copy_from_user(url, a[0], (size_t)len) != TW_OK)
        return TW_E_FAULT;
    struct kobj *o;
    int rc = provider_open(url, (size_t)len, flags, &o);
    if (rc != TW_OK)
        return rc;
    int64_t h = handle_install(cur()->task, cur(), o, o->ops->default_rights, flags & TW_O_NONBLOCK,
                               (flags & TW_O_THREAD_LOCAL) != 0);
    trace_emit(TR_OPEN, o->id, (uint64_t)h, hash_bytes(HASH_SEED, url, (size_t)len));
    kobj_unref(o); /* the handle holds it now (or nothing does, if install failed) */
    return h;
}

static int64_t sys_close(const uint64_t a[6])
{
    if ((int64_t)a[0] == TW_HANDLE_SELF)
        return TW_E_INVAL;
    struct handle_entry *e;
    int rc = lookup(a[0], 0, &e);
    if (rc != TW_OK)
        return rc;
    struct handle_entry taken;
    rc = handle_take(cur()->task, cur(), (int32_t)a[0], &taken);
    K_ASSERT(rc == TW_OK);
    wait_cancel_handle(taken.obj, cur()->task, (int32_t)a[0]);
    kobj_handle_put(taken.obj);
    return TW_OK;
}

/* Wait on one handle for signals; used by blocking I/O and wait(). */
static int64_t block_on(struct handle_entry *e, int32_t h, uint32_t signals, uint64_t deadline)
{
    struct wait_node *w = &cur()->wait[0];
    w->obj = e->obj;
    w->task = cur()->task;
    w->handle = h;
    w->signals = signals;
    return wait_block(1, deadline);
}

/*
 * Block on *e's object (handle h) for want until deadline, then look h up again: it may
 * have been closed, even reused, while we slept. TW_OK with *e fresh, or the reason to
 * give up (timed out, cancelled).
 */
static int64_t block_again(struct handle_entry **e, int32_t h, uint32_t right, uint32_t want,
                           uint64_t deadline)
{
    struct kobj *o = (*e)->obj;
    int64_t w = block_on(*e, h, want, deadline);
    if (w != TW_OK)
        return w;
    if (lookup((uint64_t)(int64_t)h, right, e) != TW_OK || (*e)->obj != o)
        return TW_E_CANCELED;
    return TW_OK;
}

/*
 * Every call into an object's operations holds a reference for its length. An operation
 * may block inside (a user-space provider's proxy waits for the reply, with no handle of
 * its own), and another thread of the task may close the last handle meanwhile: without
 * the reference the object, and the reply end it waits on, went while still in use (found
 * by the fuzzer: a thread still in the end's wait queue when it was destroyed).
 */
static void op_enter(struct kobj *o)
{
    kobj_ref(o);
}

static int64_t op_leave(struct kobj *o, int64_t r)
{
    kobj_unref(o);
    return r;
}

/* One read or write of at most SYS_IO_CHUNK bytes through a kernel buffer; the caller
 * checked the user range. */
static int64_t io_once(struct kobj *o, bool is_write, uint64_t ubuf, size_t len, uint8_t *bounce)
{
    op_enter(o);
    if (is_write) {
        copy_from_user_checked(bounce, ubuf, len);
        return op_leave(o, o->ops->write(o, bounce, len));
    }
    int64_t r = o->ops->read(o, bounce, len);
    K_ASSERT(r <= (int64_t)len);
    if (r > 0)
        copy_to_user_checked(ubuf, bounce, (size_t)r);
    return op_leave(o, r);
}

/*
 * Read or write through a handle, blocking (unless non-blocking) while TW_E_WOULDBLOCK.
 * Objects only ever see kernel buffers: a call moves at most SYS_IO_CHUNK bytes (a short
 * read or write, as POSIX allows), which keeps user memory out of every provider.
 */
static int64_t do_io(const uint64_t a[6], bool is_write)
{
    const struct tw_op *d = &tw_syscalls[is_write ? TW_SYS_WRITE : TW_SYS_READ];
    uint32_t right = d->right;
    struct handle_entry *e;
    int rc = lookup(a[0], right, &e);
    if (rc != TW_OK)
        return rc;
    if (a[2] > d->max[0])
        return TW_E_TOOBIG;
    if (!user_range_ok(a[1], a[2]))
        return TW_E_FAULT;
    struct kobj *o = e->obj;
    if (is_write ? o->ops->write == NULL : o->ops->read == NULL)
        return TW_E_NOTSUP;
    uint8_t bounce[SYS_IO_CHUNK];
    size_t len = (size_t)K_MIN(a[2], (uint64_t)SYS_IO_CHUNK);
    uint32_t want = (is_write ? TW_SIG_WRITABLE : TW_SIG_READABLE) | TW_SIG_PEER_CLOSED;
    for (;;) {
        int64_t r = io_once(o, is_write, a[1], len, bounce);
        if (r != TW_E_WOULDBLOCK || (e->flags & TW_O_NONBLOCK) != 0) {
            if (r > 0)
                clock_charge_bytes((uint64_t)r);
            return r;
        }
        int64_t w = block_again(&e, (int32_t)a[0], right, want, TW_DEADLINE_NEVER);
        if (w != TW_OK)
            return w;
    }
}

static int64_t sys_read(const uint64_t a[6])
{
    return do_io(a, false);
}

static int64_t sys_write(const uint64_t a[6])
{
    return do_io(a, true);
}

static int64_t sys_wait(const uint64_t a[6])
{
    struct handle_entry *e;
    int rc = lookup(a[0], tw_syscalls[TW_SYS_WAIT].right, &e);
    if (rc != TW_OK)
        return rc;
    uint32_t want = (uint32_t)a[1];
    if (want == 0 || a[1] > TW_SIG_ALL)
        return TW_E_INVAL;
    struct kobj *o = e->obj;
    for (;;) {
        uint32_t got = kobj_signals(o) & want;
        if (got != 0) {
            if (o->ops->consume != NULL)
                o->ops->consume(o, got);
            return got;
        }
        int64_t w = block_again(&e, (int32_t)a[0], TW_RIGHT_WAIT, want, a[2]);
        if (w != TW_OK)
            return w;
    }
}

/* Fill each item's observed signals; returns how many are ready. */
static uint32_t poll_scan(struct tw_poll_item *items, struct kobj **objs, uint32_t n)
{
    uint32_t ready = 0;
    for (uint32_t i = 0; i < n; i++) {
        items[i].observed = kobj_signals(objs[i]) & items[i].signals;
        ready += items[i].observed != 0;
    }
    return ready;
}

/* Resolve every item's handle (again after each wake: handles may have been closed). */
static int poll_resolve(const struct tw_poll_item *items, uint32_t n, struct kobj **objs)
{
    for (uint32_t i = 0; i < n; i++) {
        struct handle_entry *e;
        int rc =
            handle_get(cur()->task, cur(), items[i].handle, tw_syscalls[TW_SYS_POLL].right, &e);
        if (rc != TW_OK)
            return rc;
        if (items[i].signals == 0 || items[i].signals > TW_SIG_ALL)
            return TW_E_INVAL;
        objs[i] = e->obj;
    }
    return TW_OK;
}

static int64_t sys_poll(const uint64_t a[6])
{
    struct tw_poll_item items[K_POLL_MAX];
    struct kobj *objs[K_POLL_MAX];
    uint64_t n = a[1];
    if (n == 0 || n > tw_syscalls[TW_SYS_POLL].max[0])
        return n == 0 ? TW_E_INVAL : TW_E_TOOBIG;
    if (copy_from_user(items, a[0], (size_t)n * sizeof(items[0])) != TW_OK)
        return TW_E_FAULT;
    int rc = poll_resolve(items, (uint32_t)n, objs);
    if (rc != TW_OK)
        return rc;
    for (;;) {
        uint32_t ready = poll_scan(items, objs, (uint32_t)n);
        if (ready > 0) {
            if (copy_to_user(a[0], items, (size_t)n * sizeof(items[0])) != TW_OK)
                return TW_E_FAULT;
            return ready;
        }
        for (uint32_t i = 0; i < n; i++) {
            struct wait_node *w = &cur()->wait[i];
            w->obj = objs[i];
            w->task = cur()->task;
            w->handle = items[i].handle;
            w->signals = items[i].signals;
        }
        int64_t w = wait_block((uint32_t)n, a[2]);
        if (w != TW_OK)
            return w;
        struct kobj *before[K_POLL_MAX];
        k_memcpy(before, objs, (size_t)n * sizeof(objs[0]));
        if (poll_resolve(items, (uint32_t)n, objs) != TW_OK ||
            k_memcmp(before, objs, (size_t)n * sizeof(objs[0])) != 0)
            return TW_E_CANCELED;
    }
}

static int64_t sys_seek(const uint64_t a[6])
{
    struct handle_entry *e;
    int rc = lookup(a[0], tw_syscalls[TW_SYS_SEEK].right, &e);
    if (rc != TW_OK)
        return rc;
    if (a[2] > TW_SEEK_END)
        return TW_E_INVAL;
    struct kobj *o = e->obj;
    if (o->ops->seek == NULL)
        return TW_E_NOTSUP;
    op_enter(o);
    return op_leave(o, o->ops->seek(o, (int64_t)a[1], (int)a[2]));
}

static int64_t sys_tell(const uint64_t a[6])
{
    struct handle_entry *e;
    int rc = lookup(a[0], tw_syscalls[TW_SYS_TELL].right, &e);
    if (rc != TW_OK)
        return rc;
    struct kobj *o = e->obj;
    if (o->ops->tell == NULL)
        return TW_E_NOTSUP;
    op_enter(o);
    return op_leave(o, o->ops->tell(o));
}

/* Simulated work: bill ns to the clock in slices, firing timers and preempting between. */
static int64_t self_compute(uint64_t ns)
{
    /*
     * Slices end at the quantum's end or the next deadline. Deterministic mode bills each
     * to the virtual clock; real-time mode busy-waits it on the real clock (read in that
     * mode only), and only the time this thread spent busy-waiting counts toward ns.
     */
    bool realtime = clock_config()->realtime;
    if (!realtime)
        trace_emit(TR_COMPUTE, ns, 0, 0);
    while (ns > 0) {
        /* Deadlines already due fire before the slice (this call's own cost, or the switch
         * back to this thread, may have passed one), and a kill among them ends it here. */
        clock_fire_due();
        thread_check_killed();
        struct thread *t = cur();
        uint64_t now = clock_now(), used = now - t->quantum_start;
        uint64_t q = clock_config()->quantum_ns;
        uint64_t step = K_MIN(ns, used < q ? q - used : 1);
        uint64_t next;
        if (clock_next_deadline(&next) && next > now)
            step = K_MIN(step, next - now);
        if (realtime) {
            while (clock_now() - now < step)
                ;
            step = K_MIN(ns, clock_now() - now);
        } else {
            clock_charge(step);
        }
        ns -= step;
        clock_fire_due();
        thread_check_killed();
        sched_preempt_point();
    }
    return TW_OK;
}

/*
 * A new handle to h's object (h needs DUPLICATE), with the same flags. rights is a subset of
 * the rights h holds (a duplicate never gains rights: else TW_E_ACCESS), or TW_RIGHTS_SAME
 * alone for exactly those; any other bit outside TW_RIGHTS_ALL is TW_E_INVAL.
 */
static int64_t self_duplicate(uint64_t h, uint64_t rights)
{
    struct handle_entry *e;
    int rc = lookup(h, tw_op_find(TW_TASK_DUPLICATE)->arg_right, &e);
    if (rc != TW_OK)
        return rc;
    if (rights == TW_RIGHTS_SAME)
        rights = e->rights;
    else if ((rights & ~(uint64_t)TW_RIGHTS_ALL) != 0)
        return TW_E_INVAL;
    else if ((rights & ~(uint64_t)e->rights) != 0)
        return TW_E_ACCESS;
    return handle_install(cur()->task, cur(), e->obj, (uint32_t)rights, e->flags, false);
}

static uintptr_t user_entries[K_USER_ENTRIES];
static uint32_t nuser_entries;

static const struct k_call_observer *observer; /* kentry.h, "Observing system calls" */
static bool observing;                         /* in an observer's hook: k_call_read may run */

void syscall_module_init(void)
{
    nuser_entries = 0;
    observer = NULL;
}

int syscall_register_entry(void (*entry)(uintptr_t))
{
    if (nuser_entries >= K_USER_ENTRIES)
        return TW_E_LIMIT;
    user_entries[nuser_entries++] = (uintptr_t)entry;
    return TW_OK;
}

static int64_t self_spawn(uint64_t entry, uint64_t arg, uint64_t prio)
{
    bool known = false;
    for (uint32_t i = 0; i < nuser_entries; i++)
        known |= user_entries[i] == entry;
    if (!known || prio > K_PRIO_MAX)
        return TW_E_INVAL;
    struct thread *t;
    int rc =
        thread_create(cur()->task, (void (*)(uintptr_t))entry, (uintptr_t)arg, (int32_t)prio, &t);
    return rc == TW_OK ? (int64_t)t->id : rc;
}

K_THREAD_EDGE static int64_t self_invoke(uint32_t op, const uint64_t a[4])
{
    struct thread *t = cur();
    switch (op) {
    case TW_TASK_EXIT:
        task_kill(t->task, (int32_t)a[0], false);
        thread_exit_current();
    case TW_TASK_THREAD_EXIT:
        thread_exit_current();
    case TW_TASK_SPAWN_THREAD:
        return self_spawn(a[0], a[1], a[2]);
    case TW_TASK_COMPUTE:
        return self_compute(a[0]);
    case TW_TASK_SLEEP: {
        if (a[0] == 0 || a[0] >= TW_DEADLINE_NEVER - clock_now())
            return a[0] == 0 ? TW_OK : TW_E_INVAL;
        int64_t w = wait_block(0, clock_now() + a[0]);
        return w == TW_E_TIMEDOUT ? TW_OK : w;
    }
    case TW_TASK_NOW:
        return (int64_t)(clock_now() & INT64_MAX);
    case TW_TASK_YIELD:
        sched_yield_current();
        return TW_OK;
    case TW_TASK_EXPECT_FAIL:
        t->task->expect_failures++;
        trace_emit(TR_EXPECT_FAIL, t->task->id, a[0], 0);
        return TW_OK;
    case TW_TASK_DUPLICATE:
        return self_duplicate(a[0], a[1]);
    case TW_TASK_ID:
        return t->task->id;
    case TW_TASK_THREAD_ID:
        return t->id;
    case TW_TASK_PRNG:
        return (int64_t)(prng_next(k_prng()) >> 33);
    default:
        K_ASSERT(false); /* the table gives TW_KIND_TASK no other operation */
        return TW_E_NOTSUP;
    }
}

/* Bytes of buffer argument i of d, its length or capacity being n (elements). */
static size_t buffer_bytes(const struct tw_op *d, int i, uint64_t n)
{
    return (size_t)n * tw_arg_elem(d->arg[i]);
}

/*
 * Check and copy an invoke's buffers by the table, into kernel memory at kbuf: an input
 * longer than its bound is TW_E_TOOBIG, an output capacity beyond it is clamped (and one
 * below it TW_E_TOOBIG for TW_OPF_OUT_WHOLE), a range outside the caller's memory is
 * TW_E_FAULT. Input bytes are copied in; outputs start zeroed.
 */
static int marshal_in(const struct tw_op *d, const uint64_t a[4], struct kargs *k, uint8_t *kbuf)
{
    k->op = d;
    for (int i = 0; i < 4; i++) { /* first, all: clamping a capacity writes v[i + 1] */
        k->v[i] = a[i];
        k->buf[i] = NULL;
    }
    int nbuf = 0;
    for (int i = 0; i < 4; i++) {
        if (!tw_arg_is_buffer(d->arg[i]))
            continue;
        uint64_t max = d->max[nbuf++];
        if (a[i + 1] > max && tw_arg_is_input(d->arg[i]))
            return TW_E_TOOBIG;
        k->v[i + 1] = K_MIN(a[i + 1], max);
        if ((d->flags & TW_OPF_OUT_WHOLE) != 0 && k->v[i + 1] < max)
            return TW_E_TOOBIG;
    }
    size_t used = 0;
    for (int i = 0; i < 4; i++) {
        if (!tw_arg_is_buffer(d->arg[i]))
            continue;
        size_t n = buffer_bytes(d, i, k->v[i + 1]);
        if (!user_range_ok(a[i], n))
            return TW_E_FAULT;
        k->buf[i] = kbuf + used;
        used += (n + 7) & ~(size_t)7;
        K_ASSERT(used <= SYS_INVOKE_BUF);
        if (tw_arg_is_input(d->arg[i]))
            copy_from_user_checked(k->buf[i], a[i], n);
        else
            k_memset(k->buf[i], 0, n);
    }
    return TW_OK;
}

/* After a successful call: output buffers back to the caller (the ranges were checked). */
static void marshal_out(const struct tw_op *d, const uint64_t a[4], const struct kargs *k,
                        int64_t r)
{
    for (int i = 0; i < 4; i++) {
        uint8_t kind = d->arg[i];
        if (!tw_arg_is_buffer(kind) || tw_arg_is_input(kind))
            continue;
        size_t n = buffer_bytes(d, i, k->v[i + 1]);
        if (kind == TW_ARG_OUT_RESULT) {
            K_ASSERT((uint64_t)r <= n);
            n = (size_t)r;
        }
        copy_to_user_checked(a[i], k->buf[i], n);
    }
}

/*
 * invoke(h, op, a0..a3) by the operation table: the handle must hold TW_RIGHT_INVOKE (every
 * op needs it: TW_E_ACCESS), the op must exist and the table must let the object's kind
 * take it (else TW_E_NOTSUP; on a task, TW_OPF_SELF ops only on the caller's own task and
 * TW_OPF_OTHER ops only on another), the handle must hold the op's other rights (TW_E_ACCESS);
 * buffers are copied in before the object sees them and out after. An op that would block
 * waits on the table's signals, unless the handle is non-blocking.
 */
static int64_t sys_invoke(const uint64_t a[6])
{
    struct handle_entry *e;
    int rc = lookup(a[0], TW_RIGHT_INVOKE, &e);
    if (rc != TW_OK)
        return rc;
    const struct tw_op *d = a[1] <= UINT32_MAX ? tw_op_find((uint32_t)a[1]) : NULL;
    struct kobj *o = e->obj;
    if (d == NULL || (d->kinds & o->ops->kind) == 0)
        return TW_E_NOTSUP;
    /* A task's own operations only on its own task, the others' only on another's. */
    bool own = o == &cur()->task->obj;
    if (o->ops->kind == TW_KIND_TASK &&
        ((own && (d->flags & TW_OPF_OTHER) != 0) || (!own && (d->flags & TW_OPF_SELF) != 0)))
        return TW_E_NOTSUP;
    if ((e->rights & d->right) != d->right)
        return TW_E_ACCESS;
    if (o->ops->kind == TW_KIND_TASK && (d->flags & TW_OPF_SELF) != 0 && d->op != TW_TASK_SPAWN)
        return self_invoke(d->op, a + 2); /* no buffers: the arguments as given */
    struct kargs k;
    uint8_t kbuf[SYS_INVOKE_BUF] __attribute__((aligned(8)));
    rc = marshal_in(d, a + 2, &k, kbuf);
    if (rc != TW_OK)
        return rc;
    if (o->ops->kind == TW_KIND_TASK) { /* never blocks */
        struct task *t = K_CONTAINER_OF(o, struct task, obj);
        op_enter(o);
        int64_t r =
            op_leave(o, d->op == TW_TASK_SPAWN ? spawn_task(&k) : task_handle_invoke(t, &k));
        if (r >= 0)
            marshal_out(d, a + 2, &k, r);
        return r;
    }
    for (;;) {
        op_enter(o);
        int64_t r = op_leave(o, kobj_invoke(o, &k));
        if (r != TW_E_WOULDBLOCK || d->block == 0 || (e->flags & TW_O_NONBLOCK) != 0) {
            if (r >= 0)
                marshal_out(d, a + 2, &k, r);
            return r;
        }
        int64_t w = block_again(&e, (int32_t)a[0], d->right, d->block, TW_DEADLINE_NEVER);
        if (w != TW_OK)
            return w;
    }
}

static const sys_fn sys_table[TW_SYS_COUNT] = {
    [TW_SYS_OPEN] = sys_open,   [TW_SYS_CLOSE] = sys_close,   [TW_SYS_READ] = sys_read,
    [TW_SYS_WRITE] = sys_write, [TW_SYS_INVOKE] = sys_invoke, [TW_SYS_POLL] = sys_poll,
    [TW_SYS_WAIT] = sys_wait,   [TW_SYS_SEEK] = sys_seek,     [TW_SYS_TELL] = sys_tell,
};

/* What the trace shows of a call: never a pointer, only handles, lengths, ops, hashes. */
static void trace_entry(uint64_t nr, const uint64_t a[6])
{
    switch (nr) {
    case TW_SYS_OPEN:
        trace_emit(TR_SYSCALL, nr, a[2], a[1]);
        break;
    case TW_SYS_POLL:
        trace_emit(TR_SYSCALL, nr, a[1], a[2]);
        break;
    case TW_SYS_READ:
    case TW_SYS_WRITE:
        trace_emit(TR_SYSCALL, nr, a[0], a[2]);
        break;
    case TW_SYS_CLOSE:
    case TW_SYS_TELL:
        trace_emit(TR_SYSCALL, nr, a[0], 0);
        break;
    case TW_SYS_INVOKE: /* handle, op */
    case TW_SYS_WAIT:   /* handle, signals */
    case TW_SYS_SEEK:   /* handle, offset */
        trace_emit(TR_SYSCALL, nr, a[0], a[1]);
        break;
    default: /* no such call: its arguments could be anything, addresses too */
        trace_emit(TR_SYSCALL, nr, 0, 0);
        break;
    }
}

/* The tail of every kernel entry from user code (system call or interrupt). A thread
 * killed while preempted ends in sched_preempt_point, as it gets the CPU back. */
static void kernel_exit_path(void)
{
    clock_fire_due();
    hal_poll();
    watch_run();
    thread_check_killed();
    sched_preempt_point();
}

void k_interrupt_exit(void)
{
    if (thread_current() != NULL)
        kernel_exit_path();
}

void k_observe_calls(const struct k_call_observer *obs)
{
    observer = obs;
}

int k_call_read(void *buf, uint64_t addr, size_t len)
{
    K_ASSERT(observing);
    return copy_from_user(buf, addr, len);
}

/* One of the observer's hooks, on the calling thread t. */
static void observe(void (*hook)(const struct k_call *call), const struct thread *t, uint64_t nr,
                    const uint64_t a[6], int64_t r)
{
    struct k_call c = {.nr = nr, .result = r, .task_id = t->task->id, .thread_arg = t->start.arg};
    k_memcpy(c.args, a, sizeof(c.args));
    observing = true;
    hook(&c);
    observing = false;
}

int64_t k_syscall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                  uint64_t a5)
{
    uint64_t irq = hal_irq_save();
    struct thread *t = cur();
    K_ASSERT(t != NULL && t->state == TH_RUNNING);
    const uint64_t a[6] = {a0, a1, a2, a3, a4, a5};
    t->user_floor = hal_user_stack_floor();
    t->call_handle = (int32_t)a0; /* what a close() cancels a wait inside the call by */
    if (observer != NULL && observer->enter != NULL)
        observe(observer->enter, t, nr, a, 0);
    calls++;
    clock_charge(clock_config()->cost_syscall_ns);
    trace_entry(nr, a);
    int64_t r = nr < TW_SYS_COUNT ? sys_table[nr](a) : TW_E_INVAL;
    K_ASSERT(r >= TW_ERR_MIN || r <= TW_HANDLE_TLS_FIRST); /* a result, an error or a handle */
    trace_emit(TR_SYSRET, nr, (uint64_t)r, 0);
    kernel_exit_path();
    if (observer != NULL && observer->leave != NULL)
        observe(observer->leave, t, nr, a, r);
    hal_irq_restore(irq);
    return r;
}
