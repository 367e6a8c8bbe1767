/* SPDX-License-Identifier: MIT */
/*
 * user/fuzzprog.c - system-call programs from fuzzer bytes (see fuzzprog.h).
 *
 * Input layout: byte 0 picks the number of tasks and the scheduling policy, byte 1 the
 * seed; then one byte per task for its thread count; the rest is cut into equal slices,
 * one per thread, in creation order. A thread's slice is a sequence of steps: one byte for
 * the call, then bytes for each argument's pool and index. Reading past a slice's end
 * yields zeros, so every input is a valid program.
 */
#include "fuzzprog.h"
#include "../core/abi.h"
#include "../core/kernel.h"
#include "../core/klib.h"
#include "../core/syscall.h"
#include "../core/task.h"
#include "../core/thread.h"
#include "../providers/providers.h"
#include "errnames.h"
#include "twain.h"
#include "../hal/hal.h"

#define HEAP_PAGES 4
#define BUF_LEN    4096
#define LIVE_MAX   16
#define CLOSED_MAX 8
#define SPAWN_LEN  24 /* bytes of the parent's program a spawned thread runs */

struct fz_task;

struct fz_arg {
    struct fz_task *task;
    const uint8_t *data;
    uint32_t len;
    uint32_t main; /* 1: the task's first thread (its end ends the task) */
};

/* Per-task state, in the task's heap region (user memory). */
struct fz_task {
    uint32_t index;
    uint32_t nlive, nclosed, nargs;
    int32_t live[LIVE_MAX];
    int32_t closed[CLOSED_MAX];
    struct fz_arg args[16];
    uint8_t spawn[4][SPAWN_LEN];
    uint8_t buf[BUF_LEN]; /* the heap buffer pointers point into */
};

struct reader {
    const uint8_t *p;
    uint32_t len;
    uint32_t pos;
};

static struct fz_task *tasks[FZ_MAX_TASKS];
static uint32_t ntasks;
static fz_listing_fn listing;
static const char kernel_marker[8] = "kernel"; /* not task memory: must give TW_E_FAULT */

static const char *const urls[] = {
    "chan://?pair",
    "chan://fz?listen",
    "chan://fz",
    "chan://fz2?listen&cap=2",
    "chan://fz2",
    "chan://?pair&cap=1",
    "timer://interval:1/",
    "timer://oneshot:2/",
    "timer://interval/?us=50",
    "console://",
    "zero://",
    "null://",
    "bogus://x",
    "chan://a:1/",
    "chan://[zero://]x",
    "timer://oneshot/?ns=1",
    "timer://oneshot/?us=10",
};

static uint8_t rd8(struct reader *r)
{
    return r->pos < r->len ? r->p[r->pos++] : 0;
}

static uint64_t rd64(struct reader *r)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)rd8(r) << (8 * i);
    return v;
}

static void note_live(struct fz_task *t, int64_t h)
{
    if (TW_IS_ERROR(h) || h < TW_HANDLE_TLS_FIRST - K_THREAD_HANDLES || h > INT32_MAX)
        return;
    t->live[t->nlive % LIVE_MAX] = (int32_t)h;
    t->nlive++;
}

/* A handle from one of the pools. */
static int64_t pick_handle(struct reader *r, struct fz_task *t)
{
    uint8_t k = rd8(r), i = rd8(r);
    switch (k % 8) {
    case 0:
    case 1:
    case 2:
    case 3:
        return t->nlive > 0 ? t->live[i % K_MIN(t->nlive, (uint32_t)LIVE_MAX)] : 1;
    case 4:
        return t->nclosed > 0 ? t->closed[i % K_MIN(t->nclosed, (uint32_t)CLOSED_MAX)] : 2;
    case 5: /* self, thread-local ones, one past them */
        return i % 2 ? 0 : TW_HANDLE_TLS_FIRST - (int64_t)(i % 18);
    case 6: {
        struct fz_task *o = tasks[i % ntasks]; /* another task's handle value */
        return o->nlive > 0 ? o->live[(i / 4) % K_MIN(o->nlive, (uint32_t)LIVE_MAX)] : 3;
    }
    default: {
        static const int64_t huge[] = {INT32_MAX, INT32_MIN,        1000,     262143,
                                       262144,    (int64_t)1 << 40, -1000000, 5};
        return huge[i % 8];
    }
    }
}

/* A user pointer for an access of len bytes from one of the pools. */
static uint64_t pick_ptr(struct reader *r, struct fz_task *t, uint8_t *stack, size_t stack_len)
{
    (void)stack_len; /* stack pointers stay 7 bytes in: see fz_thread */
    uint8_t k = rd8(r), i = rd8(r);
    uintptr_t heap = (uintptr_t)t->buf, heap_end = (uintptr_t)t + HEAP_PAGES * 4096;
    switch (k % 10) {
    case 0:
    case 1:
        return (uintptr_t)stack + (i % 8);
    case 2:
    case 3:
        return heap + (uint64_t)i * 8;
    case 4:
        return 0;
    case 5:
        return heap + 1; /* misaligned */
    case 6:
        return heap_end; /* one past the region */
    case 7:
        return heap_end - (i % 32); /* straddles the region's end */
    case 8:
        return (uintptr_t)kernel_marker;
    default: /* a kernel-half address, or free stack far below every live frame */
        return i % 2 ? 0xffff800000000000ull : (uintptr_t)stack - 12288 + (i % 64) * 8;
    }
}

static uint64_t pick_len(struct reader *r)
{
    static const uint64_t lens[] = {0,          1,   4,    8,    255,        256,
                                    257,        512, 4096, 4097, SYS_IO_MAX, SYS_IO_MAX + 1,
                                    UINT64_MAX, 16,  32,   64};
    uint8_t k = rd8(r);
    return k < 224 ? lens[k % 16] : rd8(r);
}

static uint64_t pick_deadline(struct reader *r)
{
    uint8_t k = rd8(r);
    uint64_t now = (uint64_t)tw_now();
    switch (k % 5) {
    case 0:
        return 0;
    case 1:
        return now;
    case 2:
        return now + (uint64_t)rd8(r) * 1000;
    case 3:
        return now + (uint64_t)rd8(r) * 1000000;
    default:
        return TW_DEADLINE_NEVER;
    }
}

/* A URL in the heap buffer: from the dictionary, mutated, or raw bytes. Returns its length. */
static size_t make_url(struct reader *r, struct fz_task *t)
{
    uint8_t k = rd8(r), i = rd8(r);
    const char *base = urls[i % K_ARRAY_SIZE(urls)];
    size_t n = k_strlen(base);
    k_memcpy(t->buf, base, n);
    if (k % 4 == 1 && n > 0) { /* flip one byte */
        t->buf[rd8(r) % n] = rd8(r);
    } else if (k % 4 == 2) { /* append bytes */
        uint8_t extra = rd8(r) % 16;
        for (uint8_t j = 0; j < extra && n < 64; j++)
            t->buf[n++] = rd8(r);
    } else if (k % 4 == 3) { /* raw bytes */
        n = rd8(r) % 48;
        for (size_t j = 0; j < n; j++)
            t->buf[j] = rd8(r);
    }
    return n;
}

static void list_call(const struct fz_task *t, const char *what, int64_t result)
{
    if (listing == NULL)
        return;
    char line[200];
    const char *e = result < 0 ? tw_strerror(result) : NULL;
    k_snprintf(line, sizeof(line), "task%u t%lld  %s = %lld%s%s", t->index,
               (long long)tw_invoke(TW_HANDLE_SELF, TW_TASK_THREAD_ID, 0, 0, 0, 0), what,
               (long long)result, e != NULL ? " " : "", e != NULL ? e : "");
    listing(line);
}

static int64_t step_open(struct reader *r, struct fz_task *t, uint8_t *stack, size_t slen)
{
    size_t n = make_url(r, t);
    uint8_t fk = rd8(r);
    uint64_t flags = fk < 200 ? fk % 4 : rd64(r); /* nonblock / thread-local, or junk */
    uint64_t ptr = rd8(r) < 230 ? (uintptr_t)t->buf : pick_ptr(r, t, stack, slen);
    uint64_t len = rd8(r) < 230 ? n : pick_len(r);
    int64_t h = hal_trap(TW_SYS_OPEN, ptr, len, flags, 0, 0, 0);
    char what[120];
    k_snprintf(what, sizeof(what), "open(\"%.*s\", flags=%llu)", (int)K_MIN(n, (size_t)48),
               (const char *)t->buf, (unsigned long long)flags);
    list_call(t, what, h);
    note_live(t, h); /* keeps handles, ignores errors */
    return h;
}

static int64_t step_close(struct reader *r, struct fz_task *t)
{
    int64_t h = pick_handle(r, t);
    int64_t rc = hal_trap(TW_SYS_CLOSE, (uint64_t)h, 0, 0, 0, 0, 0);
    if (rc == TW_OK)
        t->closed[t->nclosed++ % CLOSED_MAX] = (int32_t)h;
    char what[64];
    k_snprintf(what, sizeof(what), "close(%lld)", (long long)h);
    list_call(t, what, rc);
    return rc;
}

static int64_t step_io(struct reader *r, struct fz_task *t, uint8_t *stack, size_t slen,
                       uint64_t nr)
{
    int64_t h = pick_handle(r, t);
    uint64_t p = pick_ptr(r, t, stack, slen), len = pick_len(r);
    int64_t rc = hal_trap(nr, (uint64_t)h, p, len, 0, 0, 0);
    char what[80];
    k_snprintf(what, sizeof(what), "%s(%lld, ptr, %llu)", nr == TW_SYS_READ ? "read" : "write",
               (long long)h, (unsigned long long)len);
    list_call(t, what, rc);
    return rc;
}

static uint64_t pick_op(struct reader *r)
{
    static const uint32_t ops[] = {
        TW_TASK_COMPUTE,
        TW_TASK_SLEEP,
        TW_TASK_NOW,
        TW_TASK_YIELD,
        TW_TASK_EXPECT_FAIL,
        TW_TASK_DUPLICATE,
        TW_TASK_ID,
        TW_TASK_THREAD_ID,
        TW_TASK_PRNG,
        TW_CHAN_TAKE_PEER,
        TW_CHAN_WRITE_HANDLES,
        TW_CHAN_READ_HANDLES,
        TW_CHAN_PENDING,
        TW_TIMER_SET_INTERVAL_MS,
        TW_TIMER_SET_INTERVAL_NS,
        TW_TIMER_FIRED,
        TW_TIMER_CANCEL,
        TW_TASK_SPAWN_THREAD,
    };
    uint8_t k = rd8(r);
    return k < 240 ? ops[k % K_ARRAY_SIZE(ops)] : rd64(r);
}

/* An invoke argument: small number, pointer, handle, or anything. */
static uint64_t pick_invoke_arg(struct reader *r, struct fz_task *t, uint8_t *stack, size_t slen)
{
    uint8_t k = rd8(r);
    switch (k % 4) {
    case 0:
        return rd8(r);
    case 1:
        return pick_ptr(r, t, stack, slen);
    case 2:
        return (uint64_t)pick_handle(r, t);
    default:
        return k < 128 ? (uint64_t)rd8(r) * 100000 : rd64(r);
    }
}

static int64_t step_spawn(struct reader *r, struct fz_task *t)
{
    uint32_t slot = t->nargs;
    if (slot >= K_ARRAY_SIZE(t->args) || slot - FZ_MAX_THREADS >= K_ARRAY_SIZE(t->spawn))
        return TW_E_LIMIT; /* the task's program space is used up */
    uint8_t *prog = t->spawn[slot - FZ_MAX_THREADS];
    for (uint32_t i = 0; i < SPAWN_LEN; i++)
        prog[i] = rd8(r);
    struct fz_arg *a = &t->args[slot];
    *a = (struct fz_arg){.task = t, .data = prog, .len = SPAWN_LEN, .main = 0};
    uint8_t k = rd8(r);
    uint64_t entry = k % 4 != 0 ? (uintptr_t)fz_thread : (uint64_t)rd8(r) * 4096;
    int64_t rc =
        tw_invoke(TW_HANDLE_SELF, TW_TASK_SPAWN_THREAD, entry, (uintptr_t)a, rd8(r) % 40, 0);
    if (rc >= 0)
        t->nargs++;
    list_call(t, "invoke(self, spawn_thread)", rc);
    return rc;
}

static int64_t step_invoke(struct reader *r, struct fz_task *t, uint8_t *stack, size_t slen)
{
    int64_t h = rd8(r) < 64 ? TW_HANDLE_SELF : pick_handle(r, t);
    uint64_t op = pick_op(r);
    if (op == TW_TASK_SPAWN_THREAD && h == TW_HANDLE_SELF)
        return step_spawn(r, t);
    uint64_t a[4];
    for (int i = 0; i < 4; i++)
        a[i] = pick_invoke_arg(r, t, stack, slen);
    int64_t rc = hal_trap(TW_SYS_INVOKE, (uint64_t)h, op, a[0], a[1], a[2], a[3]);
    if (op == TW_CHAN_TAKE_PEER || (op == TW_TASK_DUPLICATE && h == TW_HANDLE_SELF)) {
        if (rc >= 0)
            note_live(t, rc);
    }
    char what[80];
    k_snprintf(what, sizeof(what), "invoke(%lld, 0x%llx, ...)", (long long)h,
               (unsigned long long)op);
    list_call(t, what, rc);
    return rc;
}

static int64_t step_poll(struct reader *r, struct fz_task *t, uint8_t *stack, size_t slen)
{
    struct tw_poll_item *items = (struct tw_poll_item *)stack;
    uint8_t k = rd8(r);
    uint64_t n = k < 240 ? k % 6 : (k % 2 ? 64 : 65);
    for (uint64_t i = 0; i < n && i < slen / sizeof(*items); i++) {
        items[i].handle = (int32_t)pick_handle(r, t);
        items[i].signals = rd8(r) % 40;
    }
    uint64_t p = rd8(r) < 220 ? (uintptr_t)items : pick_ptr(r, t, stack, slen);
    int64_t rc = hal_trap(TW_SYS_POLL, p, n, pick_deadline(r), 0, 0, 0);
    char what[48];
    k_snprintf(what, sizeof(what), "poll(items, %llu)", (unsigned long long)n);
    list_call(t, what, rc);
    return rc;
}

static int64_t step_misc(struct reader *r, struct fz_task *t, uint8_t op)
{
    int64_t h = pick_handle(r, t);
    int64_t rc;
    char what[80];
    switch (op) {
    case 6: {
        uint64_t sig = rd8(r) % 40, dl = pick_deadline(r);
        rc = hal_trap(TW_SYS_WAIT, (uint64_t)h, sig, dl, 0, 0, 0);
        k_snprintf(what, sizeof(what), "wait(%lld, 0x%llx)", (long long)h, (unsigned long long)sig);
        break;
    }
    case 7: {
        uint64_t off = rd8(r) < 200 ? rd8(r) : rd64(r), whence = rd8(r) % 4;
        rc = hal_trap(TW_SYS_SEEK, (uint64_t)h, off, whence, 0, 0, 0);
        k_snprintf(what, sizeof(what), "seek(%lld, %lld, %llu)", (long long)h, (long long)off,
                   (unsigned long long)whence);
        break;
    }
    default:
        rc = hal_trap(TW_SYS_TELL, (uint64_t)h, 0, 0, 0, 0, 0);
        k_snprintf(what, sizeof(what), "tell(%lld)", (long long)h);
        break;
    }
    list_call(t, what, rc);
    return rc;
}

/* Any number, any arguments: the dispatch table's bounds and every argument check. */
static int64_t step_raw(struct reader *r, struct fz_task *t, uint8_t *stack, size_t slen)
{
    uint8_t k = rd8(r);
    uint64_t nr = k < 200 ? k % 12 : rd64(r);
    uint64_t a[6];
    for (int i = 0; i < 6; i++)
        a[i] = pick_invoke_arg(r, t, stack, slen);
    if (nr == TW_SYS_INVOKE && a[1] == TW_TASK_SPAWN_THREAD)
        a[1] = TW_TASK_NOW; /* raw spawns would start threads at junk addresses */
    int64_t rc = hal_trap(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    char what[48];
    k_snprintf(what, sizeof(what), "syscall(%llu, ...)", (unsigned long long)nr);
    list_call(t, what, rc);
    return rc;
}

static void step_pair(struct fz_task *t)
{
    char url[16] = "chan://?pair";
    int64_t a = tw_open(url, 0);
    list_call(t, "open(\"chan://?pair\")", a);
    if (a < 0)
        return;
    note_live(t, a);
    int64_t b = tw_invoke((int32_t)a, TW_CHAN_TAKE_PEER, 0, 0, 0, 0);
    list_call(t, "invoke(pair, take_peer)", b);
    if (b >= 0)
        note_live(t, b);
}

static void run_step(struct reader *r, struct fz_task *t, uint8_t *stack, size_t slen)
{
    uint8_t op = rd8(r) % 12;
    switch (op) {
    case 0:
        step_open(r, t, stack, slen);
        break;
    case 1:
        step_close(r, t);
        break;
    case 2:
        step_io(r, t, stack, slen, TW_SYS_READ);
        break;
    case 3:
        step_io(r, t, stack, slen, TW_SYS_WRITE);
        break;
    case 4:
        step_invoke(r, t, stack, slen);
        break;
    case 5:
        step_poll(r, t, stack, slen);
        break;
    case 9:
        step_raw(r, t, stack, slen);
        break;
    case 10:
    case 11:
        step_pair(t);
        break;
    default:
        step_misc(r, t, op);
        break;
    }
}

_Noreturn void fz_thread(uintptr_t arg)
{
    struct fz_arg *a = (struct fz_arg *)arg;
    /* Stack-pool pointers land in here: at most 7 bytes in, and a call moves at most 4 KiB
     * (SYS_IO_CHUNK), so the kernel never writes over this program's own frames. */
    uint8_t stack[SYS_IO_CHUNK + 64];
    k_memset(stack, 0, sizeof(stack));
    struct reader r = {.p = a->data, .len = a->len, .pos = 0};
    for (int step = 0; step < FZ_STEP_BUDGET && r.pos < r.len; step++)
        run_step(&r, a->task, stack, sizeof(stack));
    if (a->main)
        tw_exit(0);
    tw_thread_exit();
}

static int create_task(uint32_t index, uint32_t nthreads, const uint8_t **data, uint32_t slice)
{
    char name[8] = {'f', 'z', (char)('0' + index), 0};
    struct task *tk;
    int rc = task_create(name, 3, 10, &tk);
    if (rc != TW_OK)
        return rc;
    struct fz_task *t = task_alloc_region(tk, HEAP_PAGES);
    if (t == NULL)
        return TW_E_NOMEM;
    K_STATIC_ASSERT(sizeof(struct fz_task) <= HEAP_PAGES * 4096, "fits the heap region");
    t->index = index;
    tasks[index] = t;
    for (uint32_t i = 0; i < nthreads && rc == TW_OK; i++) {
        struct fz_arg *a = &t->args[t->nargs++];
        *a = (struct fz_arg){.task = t, .data = *data, .len = slice, .main = i == 0};
        *data += slice;
        rc = thread_create(tk, fz_thread, (uintptr_t)a, 10, NULL);
    }
    return rc;
}

int fz_boot(const uint8_t *data, size_t len, fz_listing_fn list)
{
    static const enum sched_policy_id policies[] = {SCHED_RR, SCHED_PRIO, SCHED_RANDOM};
    uint8_t b0 = len > 0 ? data[0] : 0, b1 = len > 1 ? data[1] : 0;
    ntasks = 1 + b0 % FZ_MAX_TASKS;
    struct k_config cfg = {
        .seed = b1,
        .policy = policies[(b0 / FZ_MAX_TASKS) % 3],
        .clock = {.quantum_ns = 1000000,
                  .cost_syscall_ns = 200,
                  .cost_switch_ns = 400,
                  .cost_byte_ps = 250},
        .max_time_ns = FZ_MAX_TIME_NS,
        .pool_pages = FZ_POOL_PAGES,
        .trace_sink = false,
    };
    listing = list;
    int rc = k_init(&cfg);
    if (rc == TW_OK)
        rc = providers_register_all();
    if (rc == TW_OK)
        rc = syscall_register_entry(fz_thread);
    size_t hdr = 2 + ntasks;
    uint32_t nthreads[FZ_MAX_TASKS], total = 0;
    for (uint32_t i = 0; i < ntasks; i++) {
        nthreads[i] = 1 + (hdr - ntasks + i < len ? data[2 + i] : 0) % FZ_MAX_THREADS;
        total += nthreads[i];
    }
    const uint8_t *p = data + K_MIN(hdr, len);
    uint32_t slice = (uint32_t)((len > hdr ? len - hdr : 0) / total);
    for (uint32_t i = 0; i < ntasks && rc == TW_OK; i++)
        rc = create_task(i, nthreads[i], &p, slice);
    return rc;
}
