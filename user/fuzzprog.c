/* SPDX-License-Identifier: MIT */
/*
 * user/fuzzprog.c - system-call programs from fuzzer bytes (see fuzzprog.h): the program
 * half, user code. It reaches the kernel through system calls only; the boot half
 * (boot/fuzzboot.c) lays the input out, sets each task's state up with fz_task_setup and
 * follows the calls through their records.
 *
 * A thread's slice of the input is a sequence of steps: one byte for the step (enum
 * fz_step), then bytes for each argument's pool and index. Reading past a slice's end
 * yields zeros, so every input is a valid program.
 */
#include "fuzzprog.h"
#include "../core/abi.h"
#include "../core/kassert.h"
#include "../core/klib.h"
#include "../core/optable.h"
#include "errnames.h"
#include "twain.h"

#define LIVE_MAX    16
#define CLOSED_MAX  8
#define SPAWN_LEN   24   /* bytes of the parent's program a spawned thread runs */
#define RIGHTS_MAX  64   /* task handles 0..63 have an entry in the rights oracle */
#define UNKNOWN     0xff /* the oracle does not know this handle's rights */
#define CHAN_RIGHTS (TW_RIGHTS_ALL & ~TW_RIGHT_SEEK) /* a channel end's, either side */
#define TASK_ARGS   (FZ_MAX_THREADS + FZ_MAX_SPAWNS) /* start arguments: one per thread */

/*
 * Where things sit in the heap region: listings and scenarios show pointers into it as
 * heap+off, so these offsets are part of what every input means.
 */
#define HEAP_ARGS 128 /* the threads' start arguments (a spawn's argument points here) */
#define HEAP_BUF  928 /* the heap buffer the pointer pools point into */
#define BUF_LEN   4096
#define BUF_PART  1024 /* the buffer's four parts (struct heap_buf) */

/* The heap buffer: its bytes, and the parts some steps store into. */
union heap_buf {
    uint8_t bytes[BUF_LEN];
    struct {
        uint8_t url[BUF_PART];        /* step_open's URL */
        uint8_t request[BUF_PART];    /* step_provider: a user-provider request read */
        uint8_t reply[BUF_PART];      /* provider_reply: the reply written */
        uint8_t scheme[BUF_PART / 2]; /* step_provider: the scheme name served */
        uint8_t spawn[BUF_PART / 2];  /* step_task_spawn: a command line, then handles */
    };
};

/* What a task's program knows of the run (fz_task_world). */
struct fz_world {
    uint32_t ntasks;
    const struct fz_task *tasks[FZ_MAX_TASKS]; /* every task's state, this one's included */
    uintptr_t foreign;                         /* an address in no task's memory */
};

/* Per-task state, at the start of the task's heap region (user memory). */
struct fz_task {
    union {
        struct {
            uint32_t index;
            uint32_t nlive, nclosed, nargs, nthreads, nspawn;
            uint32_t inflight, seq; /* the oracle's view of concurrent calls */
            int32_t live[LIVE_MAX];
            int32_t closed[CLOSED_MAX];
            struct fz_arg args[TASK_ARGS]; /* at HEAP_ARGS */
            struct fz_world world;
            uint8_t spawn[FZ_MAX_SPAWNS][SPAWN_LEN];
            uint8_t rights[RIGHTS_MAX]; /* the oracle: what each task handle may do, or UNKNOWN */
            uint16_t kinds[RIGHTS_MAX]; /* ... and its object's TW_KIND_*, or 0: unknown */
        };
        uint8_t state[HEAP_BUF]; /* what the state may take: the buffer follows */
    };
    union heap_buf buf; /* at HEAP_BUF */
};

K_STATIC_ASSERT(sizeof(struct fz_arg) == FZ_ARG_BYTES, "start arguments keep their stride");
K_STATIC_ASSERT(offsetof(struct fz_task, args) == HEAP_ARGS, "start arguments stay at heap+128");
K_STATIC_ASSERT(offsetof(struct fz_task, buf) == HEAP_BUF, "the heap buffer stays at heap+928");
K_STATIC_ASSERT(offsetof(struct fz_task, kinds) + sizeof(((struct fz_task *)0)->kinds) <= HEAP_BUF,
                "the state ends before the heap buffer");
K_STATIC_ASSERT(sizeof(struct fz_task) <= FZ_HEAP_BYTES, "fits the heap region");

struct reader {
    const uint8_t *p;
    uint32_t len;
    uint32_t pos;
};

/* One running thread's program. */
struct fz_ctx {
    struct reader r;
    struct fz_task *t;
    struct fz_arg *arg; /* its start argument: where it puts its calls on record */
    uint8_t *stack;     /* FZ_STACK_LEN bytes in the thread's frame */
    uint32_t thread;
};

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
    "chan://fzp?listen", /* a port to serve fzp:// on (step_provider) */
    "fzp://a",
    "fzp://b/c?x=1",
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

static uint64_t heap_base(const struct fz_task *t)
{
    return (uintptr_t)t;
}

static void set_int(struct fz_call *call, int i, uint64_t v)
{
    call->args[i] = v;
    call->kind[i] = FZ_ARG_INT;
}

static void set_ptr(struct fz_call *call, int i, uint8_t kind, uint64_t base, int64_t off)
{
    call->args[i] = base + (uint64_t)off;
    call->kind[i] = kind;
    call->off[i] = off;
}

static void set_heap(struct fz_call *call, int i, const struct fz_ctx *c, const void *p)
{
    set_ptr(call, i, FZ_ARG_HEAP, heap_base(c->t), (int64_t)((uintptr_t)p - heap_base(c->t)));
}

/*
 * The rights oracle. The program knows some of its handles' rights for certain: the task
 * handle's, those of handles it opened by a known scheme, and those of its duplicates (the
 * mask it asked for, or with TW_RIGHTS_SAME the rights of the original). A call that needs a right
 * the handle lacks must fail; if it succeeds, the kernel skipped a rights check, and the run stops
 * here with the call's listing.
 */
static uint8_t scheme_rights(const uint8_t *url, uint32_t len)
{
    static const struct {
        const char *prefix;
        uint8_t rights;
    } known[] = {
        {"chan://", CHAN_RIGHTS},
        {"timer://",
         TW_RIGHT_READ | TW_RIGHT_INVOKE | TW_RIGHT_WAIT | TW_RIGHT_TRANSFER | TW_RIGHT_DUPLICATE},
        {"zero://", TW_RIGHTS_ALL & ~(TW_RIGHT_SEEK | TW_RIGHT_INVOKE)},
        {"null://", TW_RIGHTS_ALL & ~(TW_RIGHT_SEEK | TW_RIGHT_INVOKE)},
    };
    for (size_t i = 0; i < K_ARRAY_SIZE(known); i++) {
        size_t n = k_strlen(known[i].prefix);
        if (len >= n && k_memcmp(url, known[i].prefix, n) == 0)
            return known[i].rights;
    }
    return UNKNOWN;
}

/* The kind of object a URL of the dictionary opens (0: the oracle does not know). */
static uint16_t scheme_kind(const uint8_t *url, uint32_t len)
{
    static const struct {
        const char *prefix;
        uint16_t kind;
    } known[] = {
        {"timer://", TW_KIND_TIMER}, {"console://", TW_KIND_CONSOLE}, {"zero://", TW_KIND_ZERO},
        {"null://", TW_KIND_NULL},   {"fzp://", TW_KIND_USER},
    };
    if (len >= 7 && k_memcmp(url, "chan://", 7) == 0) {
        for (uint32_t i = 7; i + 7 <= len; i++) /* the key whole: "?listena" is a client */
            if (k_memcmp(url + i, "?listen", 7) == 0 &&
                (i + 7 == len || url[i + 7] == '&' || url[i + 7] == '='))
                return TW_KIND_PORT;
        return TW_KIND_CHAN;
    }
    for (size_t i = 0; i < K_ARRAY_SIZE(known); i++) {
        size_t n = k_strlen(known[i].prefix);
        if (len >= n && k_memcmp(url, known[i].prefix, n) == 0)
            return known[i].kind;
    }
    return 0;
}

/* The operation table's entry for an invoke call's op, or NULL (not an invoke, no such op). */
static const struct tw_op *call_op(const struct fz_call *call)
{
    if (call->nr != TW_SYS_INVOKE || call->args[1] > UINT32_MAX)
        return NULL;
    return tw_op_find((uint32_t)call->args[1]);
}

/*
 * The rights call needs on handle *h, from the operation table (0: none, or a call the
 * oracle does not judge). An op with a handle argument made on the self handle (dup) is
 * judged by the right it needs on that argument.
 */
static uint32_t needed_right(const struct fz_call *call, int64_t *h)
{
    *h = (int64_t)call->args[0];
    if (call->nr == TW_SYS_INVOKE) {
        const struct tw_op *d = call_op(call);
        if (d == NULL)
            return TW_RIGHT_INVOKE; /* every invoke needs it */
        for (int i = 0; d->arg_right != 0 && *h == TW_HANDLE_SELF && i < 4; i++) {
            if (d->arg[i] == TW_ARG_HANDLE) {
                *h = (int64_t)call->args[2 + i];
                return d->arg_right;
            }
        }
        return d->right;
    }
    const struct tw_op *s = tw_sys_find(call->nr);
    return s != NULL && s->arg[0] == TW_ARG_HANDLE ? s->right : 0;
}

/*
 * The errors an invoke may give on an object of a known kind: the table's for the op, the
 * common ones, and for buffer arguments too_big and fault; anything on a user provider's
 * resource (the provider's answer reaches the caller). Off its kinds: the common ones only.
 */
static uint32_t allowed_errors(const struct tw_op *d, uint32_t kind)
{
    uint32_t ok = TW_INVOKE_COMMON_ERRORS;
    if (d == NULL || (d->kinds & kind) == 0)
        return ok;
    if (kind == TW_KIND_USER)
        return UINT32_MAX;
    ok |= d->errors;
    for (int i = 0; i < 4; i++)
        if (tw_arg_is_buffer(d->arg[i]))
            ok |= TW_EBIT(TW_E_TOOBIG) | TW_EBIT(TW_E_FAULT);
    return ok;
}

static uint8_t *rights_entry(struct fz_task *t, int64_t h)
{
    return h >= 0 && h < RIGHTS_MAX ? &t->rights[h] : NULL;
}

/* What the oracle knows of handle h's object kind (0: nothing). */
static uint16_t *kind_entry(struct fz_task *t, int64_t h)
{
    return h >= 0 && h < RIGHTS_MAX ? &t->kinds[h] : NULL;
}

/* Put call on record for the boot half, as the thread's next system call. */
static void on_record(const struct fz_ctx *c, struct fz_call *call, uint32_t what)
{
    call->task = c->t->index;
    call->thread = c->thread;
    call->what = what;
    c->arg->record = call;
}

/*
 * The kernel broke a rule: the task exits with FZ_EXIT_ORACLE and the message on record,
 * which the boot half turns into the kernel panic "fuzz oracle: <what>: <call>".
 */
static _Noreturn void oracle_violation(const struct fz_ctx *c, const struct fz_call *call,
                                       const char *what)
{
    char line[256];
    fz_format_call(call, line, sizeof(line));
    char msg[FZ_ORACLE_MSG];
    size_t n = k_snprintf(msg, sizeof(msg), "%s: %s", what, line);
    struct fz_call verdict = {.nr = TW_SYS_INVOKE,
                              .mem = (const uint8_t *)msg,
                              .mem_len = (uint32_t)K_MIN(n, sizeof(msg) - 1)};
    set_int(&verdict, 0, (uint64_t)TW_HANDLE_SELF);
    set_int(&verdict, 1, TW_TASK_EXIT);
    set_int(&verdict, 2, FZ_EXIT_ORACLE);
    on_record(c, &verdict, FZ_CALL_ORACLE);
    tw_exit(FZ_EXIT_ORACLE);
}

/*
 * What the oracle knew when a call entered the kernel. Its table is exact only while no
 * other thread of the task has a call in flight: a call that entered alone is judged by
 * the rights the handle had then (the kernel checks rights at entry), and what it teaches
 * is recorded only if no other call started before it returned.
 */
struct oracle_pre {
    int64_t h;            /* the handle whose right the call needs */
    uint32_t need;        /* that right, or 0 */
    uint8_t known;        /* its rights then, or UNKNOWN */
    uint8_t opened;       /* an open: the rights its URL's scheme gives (the buffer may change) */
    uint16_t kind;        /* the kind of the object invoked (args[0]) then, or 0 */
    uint16_t opened_kind; /* an open: the kind its URL gives */
    bool alone;
    uint32_t seq;
};

static void oracle_before(struct fz_task *t, const struct fz_call *call, struct oracle_pre *p)
{
    p->need = needed_right(call, &p->h);
    const uint8_t *e = rights_entry(t, p->h);
    p->known = e != NULL ? *e : UNKNOWN;
    uint32_t url_len = (uint32_t)K_MIN(call->mem_len, call->args[1]);
    bool open = call->nr == TW_SYS_OPEN;
    p->opened = open ? scheme_rights(call->mem, url_len) : UNKNOWN;
    p->opened_kind = open ? scheme_kind(call->mem, url_len) : 0;
    const uint16_t *k = kind_entry(t, (int64_t)call->args[0]);
    p->kind = call->nr != TW_SYS_INVOKE                  ? 0
              : (int64_t)call->args[0] == TW_HANDLE_SELF ? TW_KIND_TASK
              : k != NULL                                ? *k
                                                         : 0;
    p->alone = t->inflight == 0;
    t->inflight++;
    p->seq = ++t->seq;
}

static void oracle_after(const struct fz_ctx *c, const struct fz_call *call,
                         const struct oracle_pre *p)
{
    struct fz_task *t = c->t;
    t->inflight--;
    if (TW_IS_ERROR(call->result)) {
        uint32_t ok = allowed_errors(call_op(call), p->kind);
        if (p->alone && p->kind != 0 && (ok & TW_EBIT(call->result)) == 0)
            oracle_violation(c, call, "an error the operation table does not list for the op");
        return;
    }
    bool dup = p->need == TW_RIGHT_DUPLICATE;           /* only a duplicate needs that right */
    bool same = dup && call->args[3] == TW_RIGHTS_SAME; /* asks for the rights held */
    if (p->alone && p->known != UNKNOWN) {
        if (p->need != 0 && (p->known & p->need) != p->need)
            oracle_violation(c, call, "succeeded without the handle's right");
        if (dup && !same && (call->args[3] & ~(uint64_t)p->known) != 0)
            oracle_violation(c, call, "a duplicate gained rights");
    }
    /* What the call taught: new handles' rights and kinds, closed handles, unseen arrivals. */
    bool exact = p->alone && t->seq == p->seq;
    uint8_t *fresh = rights_entry(t, call->result), *known = rights_entry(t, p->h);
    uint16_t *fresh_kind = kind_entry(t, call->result), *src_kind = kind_entry(t, p->h);
    bool take_peer = call->nr == TW_SYS_INVOKE && call->args[1] == TW_CHAN_TAKE_PEER;
    bool new_task = call->nr == TW_SYS_INVOKE &&
                    (call->args[1] == TW_TASK_SPAWN || call->args[1] == TW_TASK_CHILD);
    if (call->nr == TW_SYS_OPEN && fresh != NULL) {
        *fresh = exact ? p->opened : UNKNOWN;
        *fresh_kind = exact ? p->opened_kind : 0;
    } else if (dup && fresh != NULL) {
        *fresh = !exact ? UNKNOWN : same ? p->known : (uint8_t)call->args[3];
        *fresh_kind = exact && src_kind != NULL ? *src_kind : 0;
    } else if (new_task && fresh != NULL) { /* a spawned task's, or a child's */
        *fresh = exact ? TW_TASK_RIGHTS : UNKNOWN;
        *fresh_kind = exact ? TW_KIND_TASK : 0;
    } else if (take_peer && fresh != NULL) {
        *fresh = exact ? CHAN_RIGHTS : UNKNOWN;
        *fresh_kind = exact ? p->kind : 0; /* a pair's other end: the same kind */
    } else if (call->nr == TW_SYS_CLOSE && known != NULL) {
        *known = UNKNOWN;
        *src_kind = 0;
    } else if (call->nr == TW_SYS_INVOKE && call->args[1] == TW_CHAN_READ_HANDLES) {
        k_memset(t->rights + 1, UNKNOWN, RIGHTS_MAX - 1); /* handles it did not see arrived */
        k_memset(t->kinds + 1, 0, sizeof(t->kinds) - sizeof(t->kinds[0]));
    }
}

/* Make the call, on record (the boot half lists it), and check it against the oracle. */
static int64_t fz_sys(const struct fz_ctx *c, struct fz_call *call)
{
    on_record(c, call, FZ_CALL);
    struct oracle_pre pre;
    oracle_before(c->t, call, &pre);
    call->result = tw_syscall(call->nr, call->args);
    oracle_after(c, call, &pre);
    return call->result;
}

static int64_t fz_invoke_self(const struct fz_ctx *c, uint32_t op)
{
    struct fz_call call = {.nr = TW_SYS_INVOKE};
    set_int(&call, 0, (uint64_t)TW_HANDLE_SELF);
    set_int(&call, 1, op);
    return fz_sys(c, &call);
}

static void note_live(struct fz_task *t, int64_t h)
{
    if (TW_IS_ERROR(h) || h < TW_HANDLE_TLS_FIRST - FZ_THREAD_HANDLES || h > INT32_MAX)
        return;
    t->live[t->nlive % LIVE_MAX] = (int32_t)h;
    t->nlive++;
}

/* The handle pools (pick_handle's first byte, modulo HANDLE_POOLS). */
enum handle_pool {
    HANDLE_LIVE = 0, /* 0..3: one the task holds */
    HANDLE_CLOSED = 4,
    HANDLE_SPECIAL = 5, /* self, thread-local ones, one past them */
    HANDLE_OTHERS = 6,  /* the value of another task's live handle */
    HANDLE_HUGE = 7,
    HANDLE_POOLS = 8
};

/* A handle from one of the pools. */
static int64_t pick_handle(struct reader *r, struct fz_task *t)
{
    uint8_t k = rd8(r), i = rd8(r);
    switch (k % HANDLE_POOLS) {
    case HANDLE_LIVE:
    case HANDLE_LIVE + 1:
    case HANDLE_LIVE + 2:
    case HANDLE_LIVE + 3:
        return t->nlive > 0 ? t->live[i % K_MIN(t->nlive, (uint32_t)LIVE_MAX)] : 1;
    case HANDLE_CLOSED:
        return t->nclosed > 0 ? t->closed[i % K_MIN(t->nclosed, (uint32_t)CLOSED_MAX)] : 2;
    case HANDLE_SPECIAL:
        return i % 2 ? 0 : TW_HANDLE_TLS_FIRST - (int64_t)(i % 18);
    case HANDLE_OTHERS: {
        /* Read in the other task's heap: the simulator's tasks share one address space. */
        const struct fz_task *o = t->world.tasks[i % t->world.ntasks];
        return o->nlive > 0 ? o->live[(i / 4) % K_MIN(o->nlive, (uint32_t)LIVE_MAX)] : 3;
    }
    default: {
        static const int64_t huge[] = {INT32_MAX, INT32_MIN,        1000,     262143,
                                       262144,    (int64_t)1 << 40, -1000000, 5};
        return huge[i % 8];
    }
    }
}

/* The pointer pools (pick_ptr's first byte, modulo PTR_POOLS). */
enum ptr_pool {
    PTR_STACK = 0, /* 0, 1: the stack buffer, at most 7 bytes in (see fz_thread) */
    PTR_HEAP = 2,  /* 2, 3: the heap buffer, + 8 * j */
    PTR_NULL = 4,
    PTR_MISALIGNED = 5, /* the heap buffer + 1 */
    PTR_PAST_HEAP = 6,  /* one past the heap region */
    PTR_STRADDLING = 7, /* the last bytes of the heap region: a buffer straddles its end */
    PTR_FOREIGN = 8,    /* in no task's memory */
    PTR_FAR = 9,        /* a kernel-half address, or free stack far below every live frame */
    PTR_POOLS = 10
};

#define PTR_HEAP_STRIDE 8                     /* PTR_HEAP: the heap buffer + j * 8 */
#define KERNEL_HALF     0xffff800000000000ull /* PTR_FAR: the first kernel-half address */
#define FREE_STACK      12288                 /* PTR_FAR: that far below the stack buffer, + j */

/* Argument i: a user pointer from one of the pools. */
static void pick_ptr(struct fz_ctx *c, struct fz_call *call, int i)
{
    uint8_t k = rd8(&c->r), j = rd8(&c->r);
    uintptr_t stack = (uintptr_t)c->stack, heap = heap_base(c->t);
    int64_t buf = (int64_t)((uintptr_t)c->t->buf.bytes - heap);
    switch (k % PTR_POOLS) {
    case PTR_STACK:
    case PTR_STACK + 1:
        set_ptr(call, i, FZ_ARG_STACK, stack, j % 8);
        break;
    case PTR_HEAP:
    case PTR_HEAP + 1:
        set_ptr(call, i, FZ_ARG_HEAP, heap, buf + (int64_t)j * PTR_HEAP_STRIDE);
        break;
    case PTR_NULL:
        call->args[i] = 0;
        call->kind[i] = FZ_ARG_NULL;
        break;
    case PTR_MISALIGNED:
        set_ptr(call, i, FZ_ARG_HEAP, heap, buf + 1);
        break;
    case PTR_PAST_HEAP:
        set_ptr(call, i, FZ_ARG_HEAP, heap, FZ_HEAP_BYTES);
        break;
    case PTR_STRADDLING:
        set_ptr(call, i, FZ_ARG_HEAP, heap, FZ_HEAP_BYTES - (j % 32));
        break;
    case PTR_FOREIGN:
        call->args[i] = c->t->world.foreign;
        call->kind[i] = FZ_ARG_FOREIGN;
        break;
    default: /* PTR_FAR */
        if (j % 2)
            set_int(call, i, KERNEL_HALF);
        else
            set_ptr(call, i, FZ_ARG_STACK, stack, -FREE_STACK + (j % 64) * 8);
        break;
    }
}

static uint64_t pick_len(struct reader *r)
{
    static const uint64_t lens[] = {0,          1,   4,    8,    255,       256,
                                    257,        512, 4096, 4097, FZ_IO_MAX, FZ_IO_MAX + 1,
                                    UINT64_MAX, 16,  32,   64};
    uint8_t k = rd8(r);
    return k < 224 ? lens[k % 16] : rd8(r);
}

/* A deadline: past, now (asked of the kernel, a call of its own), soon, later or never. */
static uint64_t pick_deadline(struct fz_ctx *c)
{
    uint8_t k = rd8(&c->r);
    if (k % 5 == 0)
        return 0;
    if (k % 5 == 4)
        return TW_DEADLINE_NEVER;
    uint64_t now = (uint64_t)fz_invoke_self(c, TW_TASK_NOW);
    if (k % 5 == 1)
        return now;
    return now + (uint64_t)rd8(&c->r) * (k % 5 == 2 ? 1000 : 1000000);
}

/*
 * A URL in the heap buffer: from the dictionary, mutated, or raw bytes. Returns its length;
 * *written is how many bytes of the buffer it wrote (more than that for short raw bytes,
 * which overwrite the start of a dictionary URL: fuzz-repro must store them all).
 */
static size_t make_url(struct reader *r, struct fz_task *t, size_t *written)
{
    enum { URL_AS_IS, URL_FLIP, URL_APPEND, URL_RAW, URL_WAYS }; /* the first byte's choice */
    uint8_t k = rd8(r), i = rd8(r);
    uint8_t *url = t->buf.url;
    const char *base = urls[i % K_ARRAY_SIZE(urls)];
    size_t n = k_strlen(base);
    k_memcpy(url, base, n);
    if (k % URL_WAYS == URL_FLIP && n > 0) { /* flip one byte */
        url[rd8(r) % n] = rd8(r);
    } else if (k % URL_WAYS == URL_APPEND) { /* append bytes */
        uint8_t extra = rd8(r) % 16;
        for (uint8_t j = 0; j < extra && n < 64; j++)
            url[n++] = rd8(r);
    } else if (k % URL_WAYS == URL_RAW) { /* raw bytes */
        size_t base_len = n;
        n = rd8(r) % 48;
        for (size_t j = 0; j < n; j++)
            url[j] = rd8(r);
        *written = K_MAX(base_len, n);
        return n;
    }
    *written = n;
    return n;
}

/* What the program stored before the call: n bytes at p (in the heap or on the stack). */
static void set_mem(struct fz_call *call, const struct fz_ctx *c, const uint8_t *p, size_t n)
{
    bool on_stack = p >= c->stack && p < c->stack + FZ_STACK_LEN;
    call->mem_kind = on_stack ? FZ_ARG_STACK : FZ_ARG_HEAP;
    call->mem_off = (int64_t)((uintptr_t)p - (on_stack ? (uintptr_t)c->stack : heap_base(c->t)));
    call->mem = p;
    call->mem_len = (uint32_t)n;
}

static void step_open(struct fz_ctx *c)
{
    struct reader *r = &c->r;
    struct fz_call call = {.nr = TW_SYS_OPEN};
    size_t written, n = make_url(r, c->t, &written);
    set_mem(&call, c, c->t->buf.url, written);
    uint8_t fk = rd8(r);
    uint64_t flags = fk < 200 ? fk % 4 : rd64(r); /* nonblock / thread-local, or junk */
    if (rd8(r) < 230)
        set_heap(&call, 0, c, c->t->buf.url);
    else
        pick_ptr(c, &call, 0);
    set_int(&call, 1, rd8(r) < 230 ? n : pick_len(r));
    set_int(&call, 2, flags);
    note_live(c->t, fz_sys(c, &call)); /* keeps handles, ignores errors */
}

static void step_close(struct fz_ctx *c)
{
    struct fz_call call = {.nr = TW_SYS_CLOSE};
    int64_t h = pick_handle(&c->r, c->t);
    set_int(&call, 0, (uint64_t)h);
    if (fz_sys(c, &call) == TW_OK)
        c->t->closed[c->t->nclosed++ % CLOSED_MAX] = (int32_t)h;
}

static void step_io(struct fz_ctx *c, uint64_t nr)
{
    struct fz_call call = {.nr = nr};
    set_int(&call, 0, (uint64_t)pick_handle(&c->r, c->t));
    pick_ptr(c, &call, 1);
    set_int(&call, 2, pick_len(&c->r));
    fz_sys(c, &call);
}

/* An invoke op: any of the operation table's but those that end the thread, or any number. */
static uint64_t pick_op(struct reader *r)
{
    uint8_t k = rd8(r);
    if (k >= 240)
        return rd64(r);
    const struct tw_op *d = &tw_invoke_ops[k % tw_invoke_op_count];
    return (d->flags & TW_OPF_NORETURN) != 0 ? TW_TASK_NOW : d->op;
}

/* A length or capacity for a buffer whose bound is max: around the bound, small, or huge. */
static uint64_t pick_bounded_len(struct reader *r, uint32_t max)
{
    uint8_t k = rd8(r);
    switch (k % 8) {
    case 0:
        return 0;
    case 1:
        return 1;
    case 2:
        return max;
    case 3:
        return (uint64_t)max + 1;
    case 4:
        return max > 0 ? max - 1 : 0;
    case 5:
    case 6:
        return rd8(r) % (max + 1u);
    default:
        return pick_len(r);
    }
}

static void pick_invoke_arg(struct fz_ctx *c, struct fz_call *call, int i);

#define TYPED_BUF_STRIDE 256 /* a typed buffer argument: the heap buffer + 256 * (0..7) */

/*
 * Argument i (a0..a3) of invoke op d, generated by its kind in the operation table:
 * integers, handles from the pools, pointers from the pools (mostly valid ones), lengths
 * around the buffer's bound; now and then anything at all.
 */
static void pick_typed_arg(struct fz_ctx *c, struct fz_call *call, const struct tw_op *d, int i,
                           uint32_t *nbuf)
{
    struct reader *r = &c->r;
    uint8_t kind = d->arg[i];
    if (rd8(r) >= 240) {
        pick_invoke_arg(c, call, 2 + i);
        *nbuf += tw_arg_is_buffer(kind);
        return;
    }
    if (tw_arg_is_buffer(kind)) {
        uint8_t k = rd8(r);
        if (k < 160) /* the heap buffer, at one of 8 places TYPED_BUF_STRIDE apart */
            set_ptr(call, 2 + i, FZ_ARG_HEAP, heap_base(c->t),
                    (int64_t)((uintptr_t)c->t->buf.bytes - heap_base(c->t)) +
                        (k % 8) * TYPED_BUF_STRIDE);
        else
            pick_ptr(c, call, 2 + i);
        (*nbuf)++;
        return;
    }
    switch (kind) {
    case TW_ARG_LEN:
        set_int(call, 2 + i, pick_bounded_len(r, d->max[*nbuf > 0 ? *nbuf - 1 : 0]));
        break;
    case TW_ARG_HANDLE:
        set_int(call, 2 + i, (uint64_t)pick_handle(r, c->t));
        break;
    case TW_ARG_INT: {
        uint8_t k = rd8(r);
        set_int(call, 2 + i, k < 128 ? rd8(r) : k < 200 ? (uint64_t)rd8(r) * 100000 : rd64(r));
        break;
    }
    default: /* unused: ignored by the kernel, so anything */
        set_int(call, 2 + i, rd8(r) < 200 ? 0 : rd64(r));
        break;
    }
}

/* Argument i of an invoke: small number, pointer, handle, or anything. */
static void pick_invoke_arg(struct fz_ctx *c, struct fz_call *call, int i)
{
    struct reader *r = &c->r;
    uint8_t k = rd8(r);
    switch (k % 4) {
    case 0:
        set_int(call, i, rd8(r));
        break;
    case 1:
        pick_ptr(c, call, i);
        break;
    case 2:
        set_int(call, i, (uint64_t)pick_handle(r, c->t));
        break;
    default:
        set_int(call, i, k < 128 ? (uint64_t)rd8(r) * 100000 : rd64(r));
        break;
    }
}

#define JUNK_ENTRY_PAGE 4096

static void step_spawn(struct fz_ctx *c)
{
    struct fz_task *t = c->t;
    uint32_t slot = t->nargs;
    if (slot >= K_ARRAY_SIZE(t->args) || t->nspawn >= K_ARRAY_SIZE(t->spawn))
        return; /* the task's program space is used up */
    /* Taken before the call, for good: another thread of the task may spawn while this one
     * is preempted in its call, and must not reuse the argument, program or number. */
    uint8_t *prog = t->spawn[t->nspawn++];
    for (uint32_t i = 0; i < SPAWN_LEN; i++)
        prog[i] = rd8(&c->r);
    struct fz_arg *a = &t->args[slot];
    uint32_t number = t->nthreads++;
    t->nargs++;
    *a = (struct fz_arg){.task = t, .data = prog, .len = SPAWN_LEN, .thread = (uint16_t)number};
    struct fz_call call = {.nr = TW_SYS_INVOKE};
    set_int(&call, 0, (uint64_t)TW_HANDLE_SELF);
    set_int(&call, 1, TW_TASK_SPAWN_THREAD);
    uint8_t k = rd8(&c->r);
    if (k % 4 != 0)
        set_ptr(&call, 2, FZ_ARG_ENTRY, (uintptr_t)fz_thread, 0);
    else /* a page-aligned junk address, no entry the kernel knows */
        set_int(&call, 2, (uint64_t)rd8(&c->r) * JUNK_ENTRY_PAGE);
    call.off[2] = number;
    set_heap(&call, 3, c, a);
    set_int(&call, 4, rd8(&c->r) % 40);
    fz_sys(c, &call);
}

/* A spawn of one of the programs (user/programs.c), moving up to two handles from the pools. */
static void step_task_spawn(struct fz_ctx *c)
{
    static const char *const cmds[] = {"exit-with code=3", "idle us=300", "idle", "say hi",
                                       "spawn-children n=2 us=400"};
    uint8_t *p = c->t->buf.spawn, k = rd8(&c->r);
    size_t n = k_strlen(cmds[k % 5]), nh = (k / 5) % 3;
    k_memcpy(p, cmds[k % 5], n);
    for (size_t i = 0; i < nh; i++) { /* the handles after the command, 4-aligned */
        int32_t h = (int32_t)pick_handle(&c->r, c->t);
        k_memcpy(p + 32 + 4 * i, &h, 4);
    }
    struct fz_call call = {.nr = TW_SYS_INVOKE};
    set_mem(&call, c, p, 32 + 4 * nh);
    set_int(&call, 0, (uint64_t)TW_HANDLE_SELF);
    set_int(&call, 1, TW_TASK_SPAWN);
    set_heap(&call, 2, c, p);
    set_int(&call, 3, n);
    set_heap(&call, 4, c, p + 32);
    set_int(&call, 5, nh);
    note_live(c->t, fz_sys(c, &call));
}

static void step_invoke(struct fz_ctx *c)
{
    struct fz_call call = {.nr = TW_SYS_INVOKE};
    int64_t h = rd8(&c->r) < 64 ? TW_HANDLE_SELF : pick_handle(&c->r, c->t);
    uint64_t op = pick_op(&c->r);
    if (op == TW_TASK_SPAWN_THREAD && h == TW_HANDLE_SELF) {
        step_spawn(c);
        return;
    }
    if (op == TW_TASK_SPAWN && h == TW_HANDLE_SELF && rd8(&c->r) < 192) {
        step_task_spawn(c);
        return;
    }
    set_int(&call, 0, (uint64_t)h);
    set_int(&call, 1, op);
    const struct tw_op *d = call_op(&call);
    uint32_t nbuf = 0;
    for (int i = 0; i < 4; i++) {
        if (d != NULL)
            pick_typed_arg(c, &call, d, i, &nbuf);
        else
            pick_invoke_arg(c, &call, 2 + i);
    }
    int64_t rc = fz_sys(c, &call);
    if (op == TW_CHAN_TAKE_PEER || op == TW_TASK_CHILD ||
        (op == TW_TASK_DUPLICATE && h == TW_HANDLE_SELF)) {
        if (rc >= 0)
            note_live(c->t, rc);
    }
}

static void step_poll(struct fz_ctx *c)
{
    struct fz_call call = {.nr = TW_SYS_POLL};
    struct tw_poll_item *items = (struct tw_poll_item *)c->stack;
    uint8_t k = rd8(&c->r);
    uint64_t n = k < 240 ? k % 6 : (k % 2 ? 64 : 65);
    uint64_t stored = K_MIN(n, (uint64_t)(FZ_STACK_LEN / sizeof(*items)));
    for (uint64_t i = 0; i < stored; i++) {
        items[i].handle = (int32_t)pick_handle(&c->r, c->t);
        items[i].signals = rd8(&c->r) % 40;
    }
    set_mem(&call, c, c->stack, stored * sizeof(*items));
    if (rd8(&c->r) < 220)
        set_ptr(&call, 0, FZ_ARG_STACK, (uintptr_t)c->stack, 0);
    else
        pick_ptr(c, &call, 0);
    set_int(&call, 1, n);
    set_int(&call, 2, pick_deadline(c));
    fz_sys(c, &call);
}

static void step_wait(struct fz_ctx *c)
{
    struct fz_call call = {.nr = TW_SYS_WAIT};
    set_int(&call, 0, (uint64_t)pick_handle(&c->r, c->t));
    set_int(&call, 1, rd8(&c->r) % 40);
    set_int(&call, 2, pick_deadline(c));
    fz_sys(c, &call);
}

static void step_seek(struct fz_ctx *c)
{
    struct fz_call call = {.nr = TW_SYS_SEEK};
    set_int(&call, 0, (uint64_t)pick_handle(&c->r, c->t));
    set_int(&call, 1, rd8(&c->r) < 200 ? rd8(&c->r) : rd64(&c->r));
    set_int(&call, 2, rd8(&c->r) % 4);
    fz_sys(c, &call);
}

static void step_tell(struct fz_ctx *c)
{
    struct fz_call call = {.nr = TW_SYS_TELL};
    set_int(&call, 0, (uint64_t)pick_handle(&c->r, c->t));
    fz_sys(c, &call);
}

#define RAW_NRS 12 /* step_raw's small numbers: the nine calls and three past the table */

/* Any number, any arguments: the dispatch table's bounds and every argument check. */
static void step_raw(struct fz_ctx *c)
{
    struct fz_call call;
    uint8_t k = rd8(&c->r);
    call = (struct fz_call){.nr = k < 200 ? k % RAW_NRS : rd64(&c->r)};
    for (int i = 0; i < 6; i++)
        pick_invoke_arg(c, &call, i);
    if (call.nr == TW_SYS_INVOKE && call.args[1] == TW_TASK_SPAWN_THREAD)
        set_int(&call, 1, TW_TASK_NOW); /* raw spawns would start threads at junk addresses */
    fz_sys(c, &call);
}

static void step_pair(struct fz_ctx *c)
{
    static const char pair[] = "chan://?pair";
    struct fz_call call = {.nr = TW_SYS_OPEN};
    k_memcpy(c->stack, pair, sizeof(pair) - 1);
    set_mem(&call, c, c->stack, sizeof(pair) - 1);
    set_ptr(&call, 0, FZ_ARG_STACK, (uintptr_t)c->stack, 0);
    set_int(&call, 1, sizeof(pair) - 1);
    int64_t a = fz_sys(c, &call);
    if (a < 0)
        return;
    note_live(c->t, a);
    call = (struct fz_call){.nr = TW_SYS_INVOKE};
    set_int(&call, 0, (uint64_t)a);
    set_int(&call, 1, TW_CHAN_TAKE_PEER);
    int64_t b = fz_sys(c, &call);
    if (b >= 0)
        note_live(c->t, b);
}

/* A duplicate with fewer rights: what the rights oracle judges later calls by. */
static void step_dup(struct fz_ctx *c)
{
    struct fz_call call = {.nr = TW_SYS_INVOKE};
    set_int(&call, 0, (uint64_t)TW_HANDLE_SELF);
    set_int(&call, 1, TW_TASK_DUPLICATE);
    set_int(&call, 2, (uint64_t)pick_handle(&c->r, c->t));
    uint8_t k = rd8(&c->r);
    set_int(&call, 3, k < 240 ? rd8(&c->r) & TW_RIGHTS_ALL : rd64(&c->r));
    note_live(c->t, fz_sys(c, &call));
}

/* One reply (or continuation) to a user-provider request: stored in the heap, then written. */
static void provider_reply(struct fz_ctx *c, int64_t h, uint64_t seq, int64_t result)
{
    uint8_t *rep = c->t->buf.reply;
    struct tw_prov_reply head = {.seq = seq, .result = result};
    k_memset(rep, 0, sizeof(struct tw_prov_reply));
    k_memcpy(rep, &head, TW_PROV_REPLY_HDR);
    for (uint32_t i = 0; i < 8; i++)
        rep[TW_PROV_REPLY_HDR + i] = rd8(&c->r);
    struct fz_call call = {.nr = TW_SYS_WRITE};
    set_mem(&call, c, rep, sizeof(struct tw_prov_reply));
    set_int(&call, 0, (uint64_t)h);
    set_heap(&call, 1, c, rep);
    set_int(&call, 2, sizeof(struct tw_prov_reply));
    fz_sys(c, &call);
}

/* What step_provider does (its second byte, modulo PROVIDER_WAYS). */
enum provider_way {
    PROVIDER_SERVE = 0,    /* register fzp:// on the handle (a port) */
    PROVIDER_NO_REST = 1,  /* answer a request; a long READ's continuations never come */
    PROVIDER_EXACT = 2,    /* ... with its continuations at their offsets */
    PROVIDER_JITTERED = 3, /* ... with continuations whose offsets may be one off */
    PROVIDER_WAYS = 4
};

/*
 * Serve fzp:// from this task: register the scheme on a port, or read one request and
 * answer it with a result from the input - sizes around the reply and read limits,
 * errors, anything - sometimes under the wrong sequence number, and for a long READ with
 * or without its continuations. core/uprov.c must take every answer safely.
 */
static void step_provider(struct fz_ctx *c)
{
    static const int64_t results[] = {
        0,       1,         3,   240,  241,  600,        1024,
        1025,    100,       480, 1023, 2048, TW_E_INVAL, TW_E_WOULDBLOCK,
        TW_E_IO, TW_E_PEER,
    };
    struct fz_task *t = c->t;
    int64_t h = pick_handle(&c->r, t);
    uint8_t k = rd8(&c->r);
    if (k % PROVIDER_WAYS == PROVIDER_SERVE) {
        uint8_t *name = t->buf.scheme;
        k_memcpy(name, "fzp", 3);
        struct fz_call call = {.nr = TW_SYS_INVOKE};
        set_mem(&call, c, name, 3);
        set_int(&call, 0, (uint64_t)h);
        set_int(&call, 1, TW_PORT_SERVE_SCHEME);
        set_heap(&call, 2, c, name);
        set_int(&call, 3, 3);
        fz_sys(c, &call);
        return;
    }
    uint8_t *req = t->buf.request;
    struct fz_call call = {.nr = TW_SYS_READ};
    set_int(&call, 0, (uint64_t)h);
    set_heap(&call, 1, c, req);
    set_int(&call, 2, sizeof(struct tw_prov_req));
    if (fz_sys(c, &call) != (int64_t)sizeof(struct tw_prov_req))
        return;
    struct tw_prov_req rq;
    k_memcpy(&rq, req, sizeof(rq));
    uint8_t r = rd8(&c->r);
    int64_t result = r < 240 ? results[r % K_ARRAY_SIZE(results)] : (int64_t)rd64(&c->r);
    uint64_t seq = rd8(&c->r) < 16 ? rq.seq + 1 : rq.seq;
    provider_reply(c, h, seq, result);
    if (rq.op != TW_PROV_READ || result <= TW_PROV_REPLY_DATA || result > TW_PROV_READ_MAX ||
        k % PROVIDER_WAYS == PROVIDER_NO_REST)
        return; /* no continuations, or the ones owed never come */
    for (int64_t off = TW_PROV_REPLY_DATA; off < result; off += TW_PROV_REPLY_DATA)
        provider_reply(c, h, rq.seq,
                       k % PROVIDER_WAYS == PROVIDER_EXACT ? off : off + rd8(&c->r) % 2);
}

/* The steps, by a step's first byte modulo STEP_KINDS. */
enum fz_step {
    STEP_OPEN = 0,
    STEP_CLOSE = 1,
    STEP_READ = 2,
    STEP_WRITE = 3,
    STEP_INVOKE = 4,
    STEP_POLL = 5,
    STEP_WAIT = 6,
    STEP_SEEK = 7,
    STEP_TELL = 8,
    STEP_RAW = 9,
    STEP_PAIR = 10,
    STEP_PAIR_AGAIN = 11, /* pairs come twice as often */
    STEP_DUP = 12,
    STEP_PROVIDER = 13,
    STEP_KINDS = 14
};

static void run_step(struct fz_ctx *c)
{
    uint8_t step = rd8(&c->r) % STEP_KINDS;
    switch (step) {
    case STEP_OPEN:
        step_open(c);
        break;
    case STEP_CLOSE:
        step_close(c);
        break;
    case STEP_READ:
        step_io(c, TW_SYS_READ);
        break;
    case STEP_WRITE:
        step_io(c, TW_SYS_WRITE);
        break;
    case STEP_INVOKE:
        step_invoke(c);
        break;
    case STEP_POLL:
        step_poll(c);
        break;
    case STEP_WAIT:
        step_wait(c);
        break;
    case STEP_SEEK:
        step_seek(c);
        break;
    case STEP_TELL:
        step_tell(c);
        break;
    case STEP_RAW:
        step_raw(c);
        break;
    case STEP_PAIR:
    case STEP_PAIR_AGAIN:
        step_pair(c);
        break;
    case STEP_DUP:
        step_dup(c);
        break;
    case STEP_PROVIDER:
        step_provider(c);
        break;
    }
}

static const char *const call_names[] = {"open", "close", "read", "write", "invoke",
                                         "poll", "wait",  "seek", "tell"};
static const uint8_t call_nargs[] = {3, 1, 3, 3, 6, 3, 3, 3, 1};

static size_t format_arg(const struct fz_call *call, int i, char *buf, size_t len)
{
    int64_t off = call->off[i];
    switch (call->kind[i]) {
    case FZ_ARG_STACK:
        return k_snprintf(buf, len, "stack%s%lld", off < 0 ? "" : "+", (long long)off);
    case FZ_ARG_HEAP:
        return k_snprintf(buf, len, "heap+%lld", (long long)off);
    case FZ_ARG_FOREIGN:
        return k_snprintf(buf, len, "kernel_data");
    case FZ_ARG_ENTRY:
        return k_snprintf(buf, len, "entry(t%lld)", (long long)off);
    case FZ_ARG_NULL:
        return k_snprintf(buf, len, "null");
    default: {
        int64_t v = (int64_t)call->args[i];
        bool op = call->nr == TW_SYS_INVOKE && i == 1;
        if (!op && v > -1000000 && v < 1000000)
            return k_snprintf(buf, len, "%lld", (long long)v);
        return k_snprintf(buf, len, "0x%llx", (unsigned long long)call->args[i]);
    }
    }
}

void fz_format_call(const struct fz_call *call, char *buf, size_t len)
{
    bool known = call->nr < K_ARRAY_SIZE(call_names);
    size_t n = known ? k_snprintf(buf, len, "task%u t%u  %s(", call->task, call->thread,
                                  call_names[call->nr])
                     : k_snprintf(buf, len, "task%u t%u  syscall_%llu(", call->task, call->thread,
                                  (unsigned long long)call->nr);
    int nargs = known ? call_nargs[call->nr] : 6;
    for (int i = 0; i < nargs && n < len; i++) {
        if (i > 0)
            n += k_snprintf(buf + n, len - n, ", ");
        if (n < len)
            n += format_arg(call, i, buf + n, len - n);
        if (i == 0 && call->mem_len > 0 && call->nr == TW_SYS_OPEN && n < len)
            n += k_snprintf(buf + n, len - n, " \"%.*s\"", (int)K_MIN(call->mem_len, 48u),
                            (const char *)call->mem);
    }
    bool ends = call->nr == TW_SYS_INVOKE &&
                (call->args[1] == TW_TASK_EXIT || call->args[1] == TW_TASK_THREAD_EXIT);
    if (n < len && ends)
        k_snprintf(buf + n, len - n, ")");
    else if (n < len)
        k_snprintf(buf + n, len - n, ") = %lld%s%s", (long long)call->result,
                   TW_IS_ERROR(call->result) ? " " : "",
                   TW_IS_ERROR(call->result) ? tw_strerror(call->result) : "");
}

/* The end of a thread: on record as it enters the kernel, which it does not leave. */
K_THREAD_EDGE static _Noreturn void fz_end(const struct fz_ctx *c, bool main)
{
    struct fz_call call = {.nr = TW_SYS_INVOKE};
    set_int(&call, 0, (uint64_t)TW_HANDLE_SELF);
    set_int(&call, 1, main ? TW_TASK_EXIT : TW_TASK_THREAD_EXIT);
    on_record(c, &call, FZ_CALL_END);
    if (main)
        tw_exit(0);
    tw_thread_exit();
}

K_THREAD_EDGE _Noreturn void fz_thread(uintptr_t arg)
{
    struct fz_arg *a = (struct fz_arg *)arg;
    /* Stack-pool pointers land in here: at most 7 bytes in, and a call moves at most 4 KiB
     * (FZ_IO_CHUNK), so the kernel never writes over this program's own frames. */
    uint8_t stack[FZ_STACK_LEN];
    k_memset(stack, 0, sizeof(stack));
    struct fz_ctx c = {.r = {.p = a->data, .len = a->len, .pos = 0},
                       .t = a->task,
                       .arg = a,
                       .stack = stack,
                       .thread = a->thread};
    for (int step = 0; step < FZ_STEP_BUDGET && c.r.pos < c.r.len; step++)
        run_step(&c);
    fz_end(&c, a->main);
}

void fz_task_setup(void *heap, const struct fz_task_init *init, uintptr_t args[FZ_MAX_THREADS])
{
    struct fz_task *t = heap;
    t->index = init->index;
    k_memset(t->rights, UNKNOWN, sizeof(t->rights));
    k_memset(t->kinds, 0, sizeof(t->kinds));
    t->rights[TW_HANDLE_SELF] = TW_RIGHT_INVOKE | TW_RIGHT_WAIT;
    const uint8_t *data = init->programs;
    for (uint32_t i = 0; i < init->nthreads; i++) {
        struct fz_arg *a = &t->args[t->nargs++];
        *a = (struct fz_arg){.task = t,
                             .data = data,
                             .len = init->slice,
                             .main = i == 0,
                             .thread = (uint16_t)t->nthreads++};
        data += init->slice;
        args[i] = (uintptr_t)a;
    }
}

void fz_task_world(void *heap, void *const heaps[], uint32_t ntasks, uintptr_t foreign)
{
    struct fz_world *w = &((struct fz_task *)heap)->world;
    w->ntasks = ntasks;
    for (uint32_t i = 0; i < ntasks; i++)
        w->tasks[i] = heaps[i];
    w->foreign = foreign;
}
