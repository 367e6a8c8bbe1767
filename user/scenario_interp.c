/* SPDX-License-Identifier: MIT */
/*
 * user/scenario_interp.c - the scenario interpreter: runs a task's compiled script (and its
 * spawned bodies) through the system-call stubs of user/twain.h, in both backends.
 *
 * Per-task state lives in the task heap handed to scn_task_setup(): a copy of the blob (so
 * every pointer given to the kernel is in the task's own memory), the slot table of named
 * handles and one immutable thread argument per script body. Per-thread state lives on the
 * thread's 16 KiB stack; nested repeat bodies are run by scn_cursor's frame stack, never
 * by recursion. Threads of a task may run concurrently (real-time mode), so slots are read
 * and written atomically. Freestanding: calls nothing but tw_* and klib.
 */
#include "scenario.h"

#include <stdarg.h>

#include "../core/abi.h"
#include "../core/kassert.h"
#include "../core/klib.h"
#include "../core/optable.h"
#include "ops.h"
#include "programs.h"
#include "scenario_bc.h"
#include "twain.h"

#define TS_MAGIC   0x54534e53u /* "SNST" */
#define SCN_PAGE   4096u       /* K_PAGE_SIZE: task regions are whole pages */
#define HEAP_ALIGN 16u
/* The smallest spawn: the instruction and a one-instruction body. */
#define SPAWN_MIN_BYTES (SCN_SIZEOF(spawn) + SCN_INSN_HDR)
/* readdir reads at most this many records (a FAT directory holds at most 65536 slots). */
#define SCN_READDIR_MAX 65536u

struct scn_task_state;

/* What a thread runs: one script body of one task. Written once by scn_task_setup. */
struct scn_thread_arg {
    struct scn_task_state *ts;
    uint32_t off; /* blob offset of the body */
    uint32_t len;
    bool main; /* the task's main script: its end ends the task */
};

struct scn_task_state {
    uint32_t magic;
    uint8_t *raw_heap;              /* raw memory: SCN_SYS_HEAP bytes at the heap's end, or NULL */
    struct scn_thread_arg *threads; /* [i]: thread i's body (a task with "threads") */
    uint32_t nthreads;
    uint32_t task;         /* index in view.tasks */
    struct scn_view view;  /* over the heap copy of the blob */
    const uint8_t *strtab; /* into the copy */
    uint32_t strtab_len;
    uint32_t nargs;
    int32_t slots[SCN_MAX_SLOTS + 1]; /* named handles, then the hidden console */
    struct scn_thread_arg *args;      /* [0] main script, [1 + k] spawn body k */
};

/* One running thread. */
struct thr {
    struct scn_task_state *ts;
    uint8_t *stack; /* raw memory: the thread's SCN_SYS_STACK-byte buffer, or NULL */
    struct scn_cursor cur;
    uint32_t last_len;
    uint8_t last[SCN_MAX_DATA]; /* data of the last successful read */
    uint8_t buf[SCN_MAX_DATA + 1];
};

size_t scn_task_heap_need(size_t len)
{
    size_t args = (len / SPAWN_MIN_BYTES + 1) * sizeof(struct scn_thread_arg);
    return HEAP_ALIGN + K_ALIGN_UP(sizeof(struct scn_task_state), HEAP_ALIGN) +
           K_ALIGN_UP(args, HEAP_ALIGN) + len;
}

size_t scn_task_heap_extra(const struct scn_view *v, uint32_t task)
{
    K_ASSERT(v != NULL && task < v->ntasks);
    const struct scn_task *t = &v->tasks[task];
    size_t n = 0;
    if (t->nthreads > 0)
        n += HEAP_ALIGN + t->nthreads * sizeof(struct scn_thread_arg);
    if ((t->flags & SCN_TASK_RAW_MEMORY) != 0)
        n += HEAP_ALIGN + SCN_SYS_HEAP;
    return n;
}

size_t scn_task_region_pages(const struct scn_view *v, uint32_t task)
{
    size_t need = scn_task_heap_need(v->len) + scn_task_heap_extra(v, task);
    size_t pages = (need + SCN_PAGE - 1) / SCN_PAGE, pow2 = 1;
    if ((v->tasks[task].flags & SCN_TASK_RAW_MEMORY) == 0)
        return pages;
    while (pow2 < pages) /* the whole block the page allocator hands out: raw heap at its end */
        pow2 *= 2;
    return pow2;
}

uintptr_t scn_task_thread_arg(uintptr_t main_arg, uint32_t thread)
{
    const struct scn_thread_arg *a = (const struct scn_thread_arg *)main_arg;
    K_ASSERT(a != NULL && a->ts->magic == TS_MAGIC && thread < a->ts->nthreads);
    return (uintptr_t)&a->ts->threads[thread];
}

/*
 * Record one thread argument per spawn body and per thread body of the task (a linear scan
 * of its code).
 */
static void setup_spawn_args(struct scn_task_state *ts, uint32_t cap)
{
    const struct scn_task *t = &ts->view.tasks[ts->task];
    uint32_t pc = t->code_off, end = t->code_off + t->code_len, found = 0;
    struct scn_insn in;
    while (pc < end) {
        const char *why = scn_insn_decode(ts->view.blob + pc, end - pc, ts->strtab_len, &in);
        K_ASSERT(why == NULL);
        pc += in.size;
        if (in.op == SCN_OP_THREAD) {
            K_ASSERT(in.arg < ts->nthreads);
            ts->threads[in.arg] = (struct scn_thread_arg){ts, pc, in.body_len, in.arg == 0};
            continue;
        }
        if (in.op != SCN_OP_SPAWN)
            continue;
        K_ASSERT(in.index + 1 < cap && in.index == found);
        ts->args[1 + in.index] = (struct scn_thread_arg){ts, pc, in.body_len, false};
        found++;
    }
    K_ASSERT(found + 1 == ts->nargs);
}

/*
 * After the blob copy (which ends at `at`): the thread table, and the raw heap at the very
 * end of [heap, heap+heap_size), zeroed (its end is the region's: fuzzprog's heap region
 * ends there too, so a pointer one past it is refused alike).
 */
static int setup_extra(struct scn_task_state *ts, void *heap, size_t heap_size, uintptr_t at)
{
    const struct scn_task *t = &ts->view.tasks[ts->task];
    uintptr_t end = (uintptr_t)heap + heap_size;
    if (heap_size < scn_task_heap_need(ts->view.len) + scn_task_heap_extra(&ts->view, ts->task))
        return TW_E_NOMEM;
    at = K_ALIGN_UP(at, HEAP_ALIGN);
    ts->nthreads = t->nthreads;
    ts->threads = (struct scn_thread_arg *)at;
    at += t->nthreads * sizeof(struct scn_thread_arg);
    if ((t->flags & SCN_TASK_RAW_MEMORY) == 0)
        return 0;
    ts->raw_heap = (uint8_t *)(end - SCN_SYS_HEAP);
    K_ASSERT(at <= (uintptr_t)ts->raw_heap);
    k_memset(ts->raw_heap, 0, SCN_SYS_HEAP);
    return 0;
}

int scn_task_setup(void *heap, size_t heap_size, const uint8_t *blob, size_t len, uint32_t task,
                   uintptr_t *main_arg)
{
    K_ASSERT(heap != NULL && blob != NULL && main_arg != NULL);
    if (len > SCN_MAX_BLOB)
        return TW_E_INVAL;
    if (heap_size < scn_task_heap_need(len))
        return TW_E_NOMEM;
    uintptr_t at = K_ALIGN_UP((uintptr_t)heap, HEAP_ALIGN);
    struct scn_task_state *ts = (struct scn_task_state *)at;
    at += K_ALIGN_UP(sizeof(*ts), HEAP_ALIGN);
    uint32_t cap = (uint32_t)(len / SPAWN_MIN_BYTES + 1);
    k_memset(ts, 0, sizeof(*ts));
    ts->args = (struct scn_thread_arg *)at;
    at += K_ALIGN_UP(cap * sizeof(struct scn_thread_arg), HEAP_ALIGN);
    uint8_t *copy = (uint8_t *)at;
    K_ASSERT(at + len <= (uintptr_t)heap + heap_size);
    k_memcpy(copy, blob, len);
    /* Decode the copy, not the caller's bytes: what was checked is what runs. */
    if (scn_decode(copy, len, &ts->view, NULL) != 0 || task >= ts->view.ntasks)
        return TW_E_INVAL;
    ts->task = task;
    ts->strtab = scn_strtab(&ts->view, &ts->strtab_len);
    for (uint32_t i = 0; i < K_ARRAY_SIZE(ts->slots); i++)
        ts->slots[i] = SCN_UNBOUND;
    uint32_t nsteps, nspawn;
    scn_task_counts(&ts->view, task, &nsteps, &nspawn);
    K_ASSERT(nspawn + 1 <= cap);
    ts->nargs = nspawn + 1;
    const struct scn_task *t = &ts->view.tasks[task];
    if (setup_extra(ts, heap, heap_size, at + len) != 0)
        return TW_E_NOMEM;
    ts->args[0] = (struct scn_thread_arg){ts, t->code_off, t->code_len, true};
    setup_spawn_args(ts, cap);
    if (ts->nthreads > 0)
        ts->args[0] = ts->threads[0]; /* the main thread runs thread 0's body */
    ts->magic = TS_MAGIC;
    *main_arg = (uintptr_t)&ts->args[0];
    return 0;
}

/* ---- slots and the console ---- */

static int32_t handle_of(const struct thr *t, uint8_t slot)
{
    if (slot == SCN_SLOT_SELF)
        return TW_HANDLE_SELF;
    K_ASSERT(slot < SCN_MAX_SLOTS);
    return __atomic_load_n(&t->ts->slots[slot], __ATOMIC_RELAXED);
}

static void bind(struct thr *t, uint8_t slot, int64_t h)
{
    K_ASSERT(slot < SCN_MAX_SLOTS);
    __atomic_store_n(&t->ts->slots[slot], (int32_t)h, __ATOMIC_RELAXED);
}

/* The task's console handle, opened on first use (a racing thread's open is closed). */
static int64_t console(struct thr *t)
{
    int32_t *slot = &t->ts->slots[SCN_SLOT_CONSOLE];
    int32_t h = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (h != SCN_UNBOUND)
        return h;
    char url[] = "console://"; /* on the stack: the kernel accepts only task memory */
    int64_t r = tw_open_n(url, sizeof(url) - 1, 0);
    if (TW_IS_ERROR(r))
        return r;
    int32_t want = SCN_UNBOUND;
    if (!__atomic_compare_exchange_n(slot, &want, (int32_t)r, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE)) {
        (void)tw_close((int32_t)r);
        return want;
    }
    return r;
}

static const uint8_t *str_at(const struct thr *t, struct scn_str s)
{
    K_ASSERT(s.off <= t->ts->strtab_len && s.len <= t->ts->strtab_len - s.off);
    return t->ts->strtab + s.off;
}

static const uint8_t *str_of(const struct thr *t, const struct scn_insn *in)
{
    return str_at(t, in->str);
}

/* ---- failure reports ---- */

/* Bytes as a short quoted string: printable ASCII kept, the rest \xNN, long data cut. */
static void quote(char *dst, size_t cap, const uint8_t *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    K_ASSERT(cap >= 16);
    dst[o++] = '"';
    for (size_t i = 0; i < len; i++) {
        if (o + 9 > cap) { /* room for an escape, the ellipsis, the quote and NUL */
            dst[o++] = '.';
            dst[o++] = '.';
            dst[o++] = '.';
            break;
        }
        uint8_t c = s[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
            dst[o++] = (char)c;
            continue;
        }
        dst[o++] = '\\';
        dst[o++] = 'x';
        dst[o++] = hex[c >> 4];
        dst[o++] = hex[c & 15];
    }
    dst[o++] = '"';
    dst[o] = '\0';
}

/* A result's name: "ok", an error name, or the number. */
static const char *code_name(char *buf, size_t cap, int64_t code)
{
    const char *name = tw_strerror(code);
    if (name != NULL)
        return name;
    k_snprintf(buf, cap, "error %lld", (long long)code);
    return buf;
}

/* Print the failure to the console, record it with the kernel and end the task. */
static _Noreturn void fail(struct thr *t, const struct scn_insn *in, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static _Noreturn void fail(struct thr *t, const struct scn_insn *in, const char *fmt, ...)
{
    char line[240];
    const struct scn_task *task = &t->ts->view.tasks[t->ts->task];
    size_t n = k_snprintf(line, sizeof(line),
                          "EXPECT FAILED task %.*s step %u (%s): ", (int)task->name_len, task->name,
                          in->step, scn_op_name(in->op));
    K_ASSERT(n < sizeof(line) - 2);
    va_list ap;
    va_start(ap, fmt);
    n += k_vsnprintf(line + n, sizeof(line) - 1 - n, fmt, ap);
    va_end(ap);
    n = K_MIN(n, sizeof(line) - 2);
    line[n++] = '\n';
    int64_t h = console(t);
    if (h >= 0)
        (void)tw_write((int32_t)h, line, n);
    (void)tw_invoke(TW_HANDLE_SELF, TW_TASK_EXPECT_FAIL, in->step, 0, 0, 0);
    tw_exit(1);
}

/*
 * Hold a call's result r against what the step wants (success, or exactly expect_err).
 * Ends the task on a mismatch; otherwise true when the call succeeded.
 */
static bool check(struct thr *t, const struct scn_insn *in, int64_t r)
{
    int64_t want = (in->flags & SCN_F_EXPECT_ERR) != 0 ? in->expect_err : 0;
    int64_t got = TW_IS_ERROR(r) ? r : 0;
    if (got != want) {
        char b1[24], b2[24];
        fail(t, in, "got %s, want %s", code_name(b1, sizeof(b1), got),
             code_name(b2, sizeof(b2), want));
    }
    return got == 0;
}

static void check_data(struct thr *t, const struct scn_insn *in, const char *what,
                       const uint8_t *got, size_t got_len)
{
    const uint8_t *want = str_of(t, in);
    if (got_len == in->str.len && k_memcmp(got, want, got_len) == 0)
        return;
    char g[64], w[64];
    quote(g, sizeof(g), got, got_len);
    quote(w, sizeof(w), want, in->str.len);
    fail(t, in, "got %s%s, want %s", what, g, w);
}

static void check_value(struct thr *t, const struct scn_insn *in, int64_t got)
{
    if ((in->flags & SCN_F_EXPECT) != 0 && got != in->value)
        fail(t, in, "got %lld, want %lld", (long long)got, (long long)in->value);
}

/* Absolute deadline for a step with a timeout, or never. */
static uint64_t deadline(const struct scn_insn *in)
{
    if ((in->flags & SCN_F_TIMEOUT) == 0)
        return TW_DEADLINE_NEVER;
    int64_t now = tw_now();
    K_ASSERT(in->ns <= SCN_MAX_NS);
    return (uint64_t)(now > 0 ? now : 0) + in->ns; /* both < 2^63: no wrap */
}

/* ---- the steps ---- */

/* After a successful read of n bytes into t->buf: remember them, compare when asked. */
static void got_data(struct thr *t, const struct scn_insn *in, int64_t r)
{
    size_t n = (size_t)K_MIN(r, (int64_t)SCN_MAX_DATA);
    k_memcpy(t->last, t->buf, n);
    t->last_len = (uint32_t)n;
    if ((in->flags & SCN_F_EXPECT) != 0)
        check_data(t, in, "", t->buf, n);
}

static void do_read(struct thr *t, const struct scn_insn *in)
{
    int32_t h = handle_of(t, in->slot);
    int64_t r = 0;
    if ((in->flags & SCN_F_TIMEOUT) != 0)
        r = tw_wait(h, TW_SIG_READABLE | TW_SIG_PEER_CLOSED, deadline(in));
    if (r >= 0)
        r = tw_read(h, t->buf, in->arg);
    if (check(t, in, r))
        got_data(t, in, K_MIN(r, (int64_t)in->arg));
}

static void do_send(struct thr *t, const struct scn_insn *in)
{
    int32_t hs[SCN_MAX_XFER];
    K_ASSERT(in->n >= 1 && in->n <= SCN_MAX_XFER);
    for (uint32_t i = 0; i < in->n; i++)
        hs[i] = handle_of(t, in->hs[i]);
    int64_t r = tw_invoke(handle_of(t, in->slot), TW_CHAN_WRITE_HANDLES, (uintptr_t)str_of(t, in),
                          in->str.len, (uintptr_t)hs, in->n);
    if (!check(t, in, r))
        return;
    for (uint32_t i = 0; i < in->n; i++) /* the kernel moved them out of our table */
        bind(t, in->hs[i], SCN_UNBOUND);
}

static void do_recv(struct thr *t, const struct scn_insn *in)
{
    int32_t hs[SCN_MAX_XFER];
    K_ASSERT(in->n >= 1 && in->n <= SCN_MAX_XFER);
    for (uint32_t i = 0; i < SCN_MAX_XFER; i++)
        hs[i] = SCN_UNBOUND; /* entries the message does not fill stay unbound */
    int64_t r = tw_invoke(handle_of(t, in->slot), TW_CHAN_READ_HANDLES, (uintptr_t)t->buf,
                          SCN_MAX_DATA, (uintptr_t)hs, in->n);
    if (!check(t, in, r))
        return;
    for (uint32_t i = 0; i < in->n; i++)
        bind(t, in->hs[i], hs[i]);
    got_data(t, in, r);
}

static void do_poll(struct thr *t, const struct scn_insn *in)
{
    struct tw_poll_item items[SCN_MAX_POLL];
    K_ASSERT(in->n >= 1 && in->n <= SCN_MAX_POLL);
    for (uint32_t i = 0; i < in->n; i++)
        items[i] = (struct tw_poll_item){handle_of(t, in->hs[i]), in->arg, 0, 0};
    int64_t r = tw_poll(items, in->n, deadline(in));
    if (r == 0)
        r = TW_E_TIMEDOUT; /* nothing ready by the deadline */
    if (!check(t, in, r) || in->as == SCN_SLOT_NONE)
        return;
    for (uint32_t i = 0; i < in->n; i++) {
        if ((items[i].observed & in->arg) != 0) {
            bind(t, in->as, items[i].handle);
            return;
        }
    }
}

static void do_print(struct thr *t, const struct scn_insn *in)
{
    int64_t h = console(t);
    if (!check(t, in, h))
        return;
    K_ASSERT(in->str.len <= SCN_MAX_PRINT && in->str.len + 1 <= sizeof(t->buf));
    k_memcpy(t->buf, str_of(t, in), in->str.len);
    t->buf[in->str.len] = '\n';
    check(t, in, tw_write((int32_t)h, t->buf, in->str.len + 1));
}

static void do_expect(struct thr *t, const struct scn_insn *in)
{
    if (in->arg == SCN_EXP_LAST) {
        check_data(t, in, "last ", t->last, t->last_len);
        return;
    }
    int64_t now = tw_now();
    uint64_t at = now > 0 ? (uint64_t)now : 0;
    bool lt = in->arg == SCN_EXP_TIME_LT;
    if (lt ? at >= in->ns : at < in->ns)
        fail(t, in, "got time %llu us, want %s %llu us", (unsigned long long)(at / 1000),
             lt ? "<" : ">=", (unsigned long long)(in->ns / 1000));
}

/*
 * One directory record against the expected listing at *pos: its name, "/" for a directory,
 * then a newline. Ends the task on a mismatch.
 */
static void readdir_entry(struct thr *t, const struct scn_insn *in, const struct tw_dirent *d,
                          uint32_t index, uint32_t *pos)
{
    if (d->name_len == 0 || d->name_len >= TW_DIRENT_NAME_MAX || d->name[d->name_len] != '\0')
        fail(t, in, "entry %u: bad directory record", index);
    if ((in->flags & SCN_F_EXPECT) == 0)
        return;
    const uint8_t *want = str_of(t, in) + *pos;
    uint32_t left = in->str.len - *pos, n = d->name_len;
    bool dir = d->kind == TW_DIRENT_DIR;
    bool ok = left >= n + (dir ? 2u : 1u) && k_memcmp(want, d->name, n) == 0 &&
              (!dir || want[n] == '/') && want[n + (dir ? 1u : 0u)] == '\n';
    if (!ok) {
        char g[64], w[64];
        quote(g, sizeof(g), (const uint8_t *)d->name, n);
        quote(w, sizeof(w), want, left);
        fail(t, in, "entry %u: got %s%s, want %s%s", index, g, dir ? "/" : "",
             left > 0 ? "the listing " : "no more entries", left > 0 ? w : "");
    }
    *pos += n + (dir ? 2u : 1u);
}

/* readdir: rewind the directory, read it record by record, hold the names to the listing. */
static void do_readdir(struct thr *t, const struct scn_insn *in)
{
    int32_t h = handle_of(t, in->slot);
    struct tw_dirent d;
    uint32_t pos = 0, index = 0;
    int64_t r = tw_seek(h, 0, TW_SEEK_SET);
    while (r >= 0 && index <= SCN_READDIR_MAX) {
        r = tw_read(h, &d, sizeof(d));
        if (r <= 0)
            break;
        if (r != (int64_t)sizeof(d))
            fail(t, in, "entry %u: a short directory record (%lld bytes)", index, (long long)r);
        readdir_entry(t, in, &d, index++, &pos);
    }
    if (!check(t, in, r) || (in->flags & SCN_F_EXPECT) == 0 || pos == in->str.len)
        return;
    char w[64];
    quote(w, sizeof(w), str_of(t, in) + pos, in->str.len - pos);
    fail(t, in, "got %u entries, want also %s", index, w);
}

static void do_spawn(struct thr *t, const struct scn_insn *in)
{
    K_ASSERT(in->index + 1 < t->ts->nargs);
    const struct scn_thread_arg *a = &t->ts->args[1 + in->index];
    K_ASSERT(a->ts == t->ts && a->len == in->body_len);
    check(t, in,
          tw_invoke(TW_HANDLE_SELF, TW_TASK_SPAWN_THREAD, (uintptr_t)&scn_interp_thread,
                    (uintptr_t)a, in->arg, 0));
}

/* spawn_task: the program in a new task, the slots' handles moved into it. */
static void do_spawn_task(struct thr *t, const struct scn_insn *in)
{
    int32_t hs[SCN_MAX_TASK_HANDLES];
    K_ASSERT(in->n <= SCN_MAX_TASK_HANDLES);
    for (uint32_t i = 0; i < in->n; i++)
        hs[i] = handle_of(t, in->hs[i]);
    int64_t r = tw_task_spawn(str_of(t, in), in->str.len, hs, in->n);
    if (!check(t, in, r))
        return;
    for (uint32_t i = 0; i < in->n; i++) /* the child has them now */
        bind(t, in->hs[i], SCN_UNBOUND);
    bind(t, in->as, r);
}

static const char *const task_states[] = {"running", "exited"};
static const char *const task_ends[] = {"none", "exit", "killed", "crashed"};

/* One checked field of a status: got against want, or the step fails naming it. */
static void status_field(struct thr *t, const struct scn_insn *in, uint32_t field, const char *name,
                         int64_t got, int64_t want)
{
    if ((in->arg & field) == 0 || got == want)
        return;
    if (field == SCN_ST_STATE)
        fail(t, in, "got state %s, want %s", task_states[got], task_states[want]);
    if (field == SCN_ST_END)
        fail(t, in, "got end %s, want %s", task_ends[got], task_ends[want]);
    fail(t, in, "got %s %lld, want %lld", name, (long long)got, (long long)want);
}

/* task_status: the handle's struct tw_task_status against the step's fields. */
static void do_task_status(struct thr *t, const struct scn_insn *in)
{
    struct tw_task_status st; /* on this thread's stack: task memory */
    k_memset(&st, 0, sizeof(st));
    if (!check(t, in, tw_task_status(handle_of(t, in->slot), &st, sizeof(st))))
        return;
    K_ASSERT(st.state <= TW_TASK_EXITED && st.end <= TW_TASK_END_CRASHED);
    status_field(t, in, SCN_ST_STATE, "state", st.state, in->index);
    status_field(t, in, SCN_ST_END, "end", st.end, in->n);
    status_field(t, in, SCN_ST_CODE, "code", st.code, in->value);
    status_field(t, in, SCN_ST_CHILDREN, "children", st.children, in->args[0]);
    status_field(t, in, SCN_ST_ADOPTED, "adopted", st.adopted, in->args[1]);
    status_field(t, in, SCN_ST_PARENT_NONE, "parent", st.parent, 0);
    if ((in->arg & SCN_ST_PARENT_SELF) != 0)
        status_field(t, in, SCN_ST_PARENT_SELF, "parent", st.parent, tw_task_id());
}

/* task_children: how many living children, and handles to the first n (in their order). */
static void do_task_children(struct thr *t, const struct scn_insn *in)
{
    uint32_t ids[TW_TASK_CHILDREN_MAX];
    int32_t h = handle_of(t, in->slot);
    int64_t r = tw_task_children(h, ids, sizeof(ids));
    if (!check(t, in, r))
        return;
    check_value(t, in, r);
    if ((int64_t)in->n > r)
        fail(t, in, "got %lld children, want handles to %u", (long long)r, in->n);
    for (uint32_t i = 0; i < in->n; i++) {
        int64_t c = tw_task_child(h, ids[i]);
        if (TW_IS_ERROR(c)) {
            char b[24];
            fail(t, in, "child %u (task %u): got %s", i, ids[i], code_name(b, sizeof(b), c));
        }
        bind(t, in->hs[i], c);
    }
}

/* Steps that bind a new handle to in->as. */
static void do_bind(struct thr *t, const struct scn_insn *in)
{
    int64_t r;
    switch (in->op) {
    case SCN_OP_OPEN:
        r = tw_open_n((const char *)str_of(t, in), in->str.len, in->arg);
        break;
    case SCN_OP_TAKE_PEER:
        r = tw_chan_take_peer(handle_of(t, in->slot));
        break;
    default:
        K_ASSERT(in->op == SCN_OP_DUP);
        /* The handle as a signed value: a thread-local one is negative (not 2^32 - n). */
        r = tw_invoke(TW_HANDLE_SELF, TW_TASK_DUPLICATE, (uint64_t)(int64_t)handle_of(t, in->slot),
                      in->arg, 0, 0);
        break;
    }
    if (check(t, in, r))
        bind(t, in->as, r);
}

/*
 * An invoke step in its operation's shape (the operation table, checked when decoded):
 * input buffers first, each (pointer, length) into the blob (task memory), then integers.
 */
static int64_t invoke_step(const struct thr *t, const struct scn_insn *in, int32_t h)
{
    uint64_t a[4] = {0, 0, 0, 0};
    uint32_t nbuf = tw_op_count_args(tw_op_find(in->arg), TW_ARG_IN), i = 0;
    if (nbuf >= 1) {
        a[i++] = (uintptr_t)str_of(t, in);
        a[i++] = in->str.len;
    }
    if (nbuf >= 2) {
        a[i++] = (uintptr_t)str_at(t, in->str2);
        a[i++] = in->str2.len;
    }
    for (uint32_t j = 0; i < 4; j++)
        a[i++] = (uint64_t)in->args[j];
    return tw_invoke(h, in->arg, a[0], a[1], a[2], a[3]);
}

static void do_call(struct thr *t, const struct scn_insn *in)
{
    int32_t h = in->slot == SCN_SLOT_NONE ? TW_HANDLE_SELF : handle_of(t, in->slot);
    int64_t r;
    switch (in->op) {
    case SCN_OP_CLOSE:
        if (check(t, in, tw_close(h)) && in->slot != SCN_SLOT_SELF)
            bind(t, in->slot, SCN_UNBOUND);
        return;
    case SCN_OP_WRITE:
        check(t, in, tw_write(h, str_of(t, in), in->str.len));
        return;
    case SCN_OP_INVOKE:
        r = invoke_step(t, in, h);
        break;
    case SCN_OP_WAIT:
        r = tw_wait(h, in->arg, deadline(in));
        break;
    case SCN_OP_SEEK:
        r = tw_seek(h, in->value, (int)in->arg);
        break;
    case SCN_OP_TELL:
        r = tw_tell(h);
        break;
    case SCN_OP_COMPUTE:
        r = tw_compute_ns(in->ns);
        break;
    case SCN_OP_SLEEP:
        r = tw_sleep_ns(in->ns);
        break;
    default:
        K_ASSERT(in->op == SCN_OP_YIELD);
        r = tw_invoke(TW_HANDLE_SELF, TW_TASK_YIELD, 0, 0, 0, 0);
        break;
    }
    if (check(t, in, r) && (in->op == SCN_OP_INVOKE || in->op == SCN_OP_TELL))
        check_value(t, in, r);
}

/* ---- syscall steps: raw calls over the task's raw memory ---- */

/*
 * Not task memory: a pointer here is refused, as fuzzprog's kernel_marker is. A fixed value
 * rather than a real object, so that a trace that records it as a plain integer is the same
 * in every run; where a program's binary lies (x86-64 Linux puts a position-independent
 * one at 0x5555_5555_4000 without ASLR, near it with): a call that takes it as a number (a
 * compute time, a timer interval) sees a number as large as fuzzprog's was.
 */
#define KERNEL_DATA 0x555555555000ull

static uint8_t hex_val(uint8_t c)
{
    return (uint8_t)(c <= '9' ? c - '0' : c - 'a' + 10);
}

/* The step's bytes, written where the program had them before the call. */
static void sys_store(struct thr *t, const struct scn_insn *in)
{
    if (in->store == SCN_STORE_NONE)
        return;
    uint8_t *dst = in->store == SCN_STORE_STACK ? t->stack : t->ts->raw_heap;
    uint32_t room = in->store == SCN_STORE_STACK ? SCN_SYS_STACK : SCN_SYS_HEAP;
    K_ASSERT(in->store_off >= 0 && in->str.len / 2 <= room - (uint32_t)in->store_off);
    const uint8_t *hex = str_of(t, in);
    for (uint32_t i = 0; i + 1 < in->str.len; i += 2)
        dst[in->store_off + i / 2] = (uint8_t)(hex_val(hex[i]) << 4 | hex_val(hex[i + 1]));
}

static uint64_t sys_arg(const struct thr *t, const struct scn_insn *in, uint32_t i)
{
    int64_t v = in->sys_args[i];
    switch (in->kinds[i]) {
    case SCN_ARG_STACK: /* may point below the buffer: into free stack */
        return (uintptr_t)t->stack + (uint64_t)v;
    case SCN_ARG_HEAP:
        return (uintptr_t)t->ts->raw_heap + (uint64_t)v;
    case SCN_ARG_KERNEL:
        return KERNEL_DATA;
    case SCN_ARG_ENTRY:
        return (uintptr_t)&scn_interp_thread;
    case SCN_ARG_ENTRY_ARG:
        K_ASSERT(v >= 0 && (v == 0 || (uint64_t)v < t->ts->nthreads));
        return t->ts->nthreads > 0 ? (uintptr_t)&t->ts->threads[v] : (uintptr_t)&t->ts->args[0];
    case SCN_ARG_NULL:
        return 0;
    default:
        return (uint64_t)v;
    }
}

/* One raw call: no other call before or after it, so a replay makes exactly these. */
static void do_syscall(struct thr *t, const struct scn_insn *in)
{
    uint64_t args[SCN_SYS_ARGS];
    K_ASSERT(t->stack != NULL && t->ts->raw_heap != NULL);
    sys_store(t, in);
    for (uint32_t i = 0; i < SCN_SYS_ARGS; i++)
        args[i] = sys_arg(t, in, i);
    int64_t r = tw_syscall(in->nr, args);
    if ((in->flags & SCN_F_EXPECT) == 0 || r == in->value)
        return;
    const char *got = TW_IS_ERROR(r) ? tw_strerror(r) : NULL;
    const char *want = TW_IS_ERROR(in->value) ? tw_strerror(in->value) : NULL;
    fail(t, in, "got %lld%s%s, want %lld%s%s", (long long)r, got != NULL ? " " : "",
         got != NULL ? got : "", (long long)in->value, want != NULL ? " " : "",
         want != NULL ? want : "");
}

static void run_insn(struct thr *t, const struct scn_insn *in)
{
    switch (in->op) {
    case SCN_OP_OPEN:
    case SCN_OP_TAKE_PEER:
    case SCN_OP_DUP:
        do_bind(t, in);
        break;
    case SCN_OP_READ:
        do_read(t, in);
        break;
    case SCN_OP_SEND_HANDLES:
        do_send(t, in);
        break;
    case SCN_OP_RECV_HANDLES:
        do_recv(t, in);
        break;
    case SCN_OP_POLL:
        do_poll(t, in);
        break;
    case SCN_OP_PRINT:
        do_print(t, in);
        break;
    case SCN_OP_EXPECT:
        do_expect(t, in);
        break;
    case SCN_OP_SPAWN:
        do_spawn(t, in);
        break;
    case SCN_OP_REPEAT:
        break; /* the cursor entered the body */
    case SCN_OP_EXIT:
        tw_exit((int32_t)in->value);
    case SCN_OP_RUN:
        check(t, in, tw_program_run((const char *)str_of(t, in), in->str.len));
        break;
    case SCN_OP_READDIR:
        do_readdir(t, in);
        break;
    case SCN_OP_SYSCALL:
        do_syscall(t, in);
        break;
    case SCN_OP_SPAWN_TASK:
        do_spawn_task(t, in);
        break;
    case SCN_OP_TASK_STATUS:
        do_task_status(t, in);
        break;
    case SCN_OP_TASK_CHILDREN:
        do_task_children(t, in);
        break;
    default:
        do_call(t, in);
        break;
    }
}

static _Noreturn void run_script(const struct scn_thread_arg *a, uint8_t *stack)
{
    struct thr t;
    t.ts = a->ts;
    t.stack = stack;
    t.last_len = 0;
    scn_cursor_init(&t.cur, &a->ts->view, a->off, a->len, 0);
    struct scn_insn in;
    while (scn_cursor_next(&t.cur, &in))
        run_insn(&t, &in);
    if (a->main)
        tw_exit(0);
    tw_thread_exit();
}

/* A thread of a task with raw memory: its zeroed stack buffer (fuzzprog's) lives here. */
static _Noreturn void run_raw(const struct scn_thread_arg *a)
{
    uint8_t stack[SCN_SYS_STACK];
    k_memset(stack, 0, sizeof(stack));
    run_script(a, stack);
}

_Noreturn void scn_interp_thread(uintptr_t arg)
{
    const struct scn_thread_arg *a = (const struct scn_thread_arg *)arg;
    K_ASSERT(a != NULL && a->ts != NULL && a->ts->magic == TS_MAGIC);
    if (a->ts->raw_heap != NULL)
        run_raw(a);
    run_script(a, NULL);
}
