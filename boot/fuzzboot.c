/* SPDX-License-Identifier: MIT */
/*
 * boot/fuzzboot.c - the boot half of the system-call fuzz programs (see fuzzboot.h): the
 * input's layout, the kernel's configuration, the tasks and their threads, and the observer
 * that reads each call's record as it enters and leaves the kernel. Runs in kernel context
 * and reaches core through core/kentry.h only.
 */
#include "fuzzboot.h"
#include "../core/kentry.h"
#include "../providers/providers.h"
#include "../user/programs.h"

static fz_listing_fn listing;
static fz_listing_fn announce;
static void *heaps[FZ_MAX_TASKS];              /* each task's heap region (its state) */
static const char kernel_marker[8] = "kernel"; /* not task memory: must give TW_E_FAULT */

/* The record of the call being observed, and the bytes the program stored for it. */
static struct fz_call recorded;
static uint8_t stored[FZ_STACK_LEN]; /* the most a program stores: a stack buffer of items */

/*
 * The calling thread's record of call kc, into recorded (its stored bytes into stored):
 * false when the thread has none, or one of another call. The program's memory is read as
 * a system call's buffers are (k_call_read): a record is the program's word, not the
 * kernel's.
 */
static bool read_record(const struct k_call *kc)
{
    struct fz_arg a;
    if (k_call_read(&a, kc->thread_arg, sizeof(a)) != TW_OK || a.record == NULL ||
        k_call_read(&recorded, (uintptr_t)a.record, sizeof(recorded)) != TW_OK)
        return false;
    if (recorded.nr != kc->nr || k_memcmp(recorded.args, kc->args, sizeof(kc->args)) != 0)
        return false;
    recorded.mem_len = K_MIN(recorded.mem_len, (uint32_t)sizeof(stored));
    if (recorded.mem_len > 0 &&
        k_call_read(stored, (uintptr_t)recorded.mem, recorded.mem_len) != TW_OK)
        recorded.mem_len = 0;
    recorded.mem = recorded.mem_len > 0 ? stored : NULL;
    return true;
}

/* A call enters the kernel: the oracle's verdict panics, a thread's end is listed, a call
 * announced. */
static void on_enter(const struct k_call *kc)
{
    bool verdict = kc->nr == TW_SYS_INVOKE && kc->args[0] == TW_HANDLE_SELF &&
                   kc->args[1] == TW_TASK_EXIT && kc->args[2] == FZ_EXIT_ORACLE;
    if ((!verdict && announce == NULL && listing == NULL) || !read_record(kc))
        return;
    switch (recorded.what) {
    case FZ_CALL_ORACLE:
        k_panic("fuzz oracle: %.*s", (int)recorded.mem_len, (const char *)stored);
    case FZ_CALL_END:
        if (listing != NULL)
            listing(&recorded);
        break;
    case FZ_CALL:
        if (announce != NULL)
            announce(&recorded);
        break;
    default: /* not a record the program makes */
        break;
    }
}

/* A call returns to the program: it is listed with its result. */
static void on_leave(const struct k_call *kc)
{
    if (listing == NULL || !read_record(kc) || recorded.what != FZ_CALL)
        return;
    recorded.result = kc->result;
    listing(&recorded);
}

static const struct k_call_observer observer = {.enter = on_enter, .leave = on_leave};

void fz_set_announce(fz_listing_fn fn)
{
    announce = fn;
}

/* Task index with nthreads threads, whose programs are the next slices at *programs. */
static int create_task(uint32_t index, uint32_t nthreads, const uint8_t **programs, uint32_t slice,
                       uint32_t *id)
{
    char name[8] = {'f', 'z', (char)('0' + index), 0};
    int rc = k_native_task(name, 3, 10, id);
    if (rc != TW_OK)
        return rc;
    heaps[index] = k_native_heap(*id, FZ_HEAP_PAGES);
    if (heaps[index] == NULL)
        return TW_E_NOMEM;
    struct fz_task_init init = {
        .index = index, .nthreads = nthreads, .programs = *programs, .slice = slice};
    uintptr_t args[FZ_MAX_THREADS];
    fz_task_setup(heaps[index], &init, args);
    *programs += (size_t)nthreads * slice;
    for (uint32_t i = 0; i < nthreads && rc == TW_OK; i++)
        rc = k_native_thread(*id, fz_thread, args[i], 10);
    return rc;
}

void fz_layout(const uint8_t *data, size_t len, struct fz_layout *out)
{
    uint8_t b0 = len > 0 ? data[0] : 0, b1 = len > 1 ? data[1] : 0;
    out->ntasks = 1 + b0 % FZ_MAX_TASKS;
    out->policy = (b0 / FZ_MAX_TASKS) % 3;
    out->seed = b1;
    for (uint32_t i = 0; i < out->ntasks; i++)
        out->nthreads[i] = 1 + (2 + i < len ? data[2 + i] : 0) % FZ_MAX_THREADS;
    /* The rest of byte 0 (0..21): a small pool one time in three; a kill in half the rest. */
    uint32_t x = b0 / (FZ_MAX_TASKS * 3);
    out->pool_pages = x % 3 == 2 ? FZ_SMALL_POOL : FZ_POOL_PAGES;
    out->kill_task = x / 3 >= 4 ? (int32_t)((x / 3) % out->ntasks) : -1;
    out->kill_at_ns = (uint64_t)((len > 2 ? data[2] : 0) / FZ_MAX_THREADS) * 25000u;
}

int fz_boot(const uint8_t *data, size_t len, fz_listing_fn list)
{
    static const enum k_native_policy policies[] = {K_POLICY_RR, K_POLICY_PRIORITY,
                                                    K_POLICY_RANDOM};
    struct fz_layout lay;
    fz_layout(data, len, &lay);
    struct k_native_config cfg = {
        .seed = lay.seed,
        .policy = policies[lay.policy],
        .quantum_ns = FZ_QUANTUM_NS,
        .cost_syscall_ns = FZ_SYSCALL_NS,
        .cost_switch_ns = FZ_SWITCH_NS,
        .cost_byte_ps = FZ_BYTE_PS,
        .max_time_ns = FZ_MAX_TIME_NS,
        .pool_pages = lay.pool_pages,
        .quiet_trace = true,
        .ustack_pages = FZ_USTACK_PAGES,
    };
    listing = list;
    int rc = k_native_init(&cfg);
    if (rc == TW_OK) {
        k_observe_calls(&observer);
        rc = providers_register_all();
    }
    if (rc == TW_OK)
        rc = k_native_register_entry(fz_thread);
    for (const struct tw_program *p = tw_programs(); rc == TW_OK && p->name != NULL; p++)
        rc = k_program_register(p->name, tw_program_entry); /* as the loader does */
    size_t hdr = 2 + lay.ntasks;
    uint32_t total = 0;
    for (uint32_t i = 0; i < lay.ntasks; i++)
        total += lay.nthreads[i];
    const uint8_t *p = data + K_MIN(hdr, len);
    uint32_t slice = (uint32_t)((len > hdr ? len - hdr : 0) / total);
    uint32_t ids[FZ_MAX_TASKS];
    for (uint32_t i = 0; i < lay.ntasks && rc == TW_OK; i++)
        rc = create_task(i, lay.nthreads[i], &p, slice, &ids[i]);
    for (uint32_t i = 0; i < lay.ntasks && rc == TW_OK; i++)
        fz_task_world(heaps[i], heaps, lay.ntasks, (uintptr_t)kernel_marker);
    if (rc == TW_OK && lay.kill_task >= 0)
        rc = k_native_kill_at(ids[lay.kill_task], lay.kill_at_ns);
    return rc;
}
