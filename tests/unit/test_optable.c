/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_optable.c - the operation table (core/optable.c) against the kernel that
 * works from it (Check, forked). Every part WALKS THE TABLE: it loops over tw_invoke_ops[]
 * and tw_syscalls[], so an operation added to the table is tested without editing this
 * file (a kind of object the test cannot make, or an op that blocks on a kind it cannot
 * make block, fails with a message saying what to add).
 *
 * 1. "table": static checks. Rows sorted by number, numbers and names unique (names also
 *    against the system calls), found by tw_op_find / tw_op_by_name / tw_sys_find; every
 *    invoke op needs TW_RIGHT_INVOKE; kinds known and non-empty; every buffer argument is
 *    followed by TW_ARG_LEN and every LEN follows a buffer; at most two buffers, each with
 *    max > 0 (none for the others); the buffers fit SYS_INVOKE_BUF (sum of round_up(max *
 *    elem, 8)); arg_right exactly when there is a handle argument; ops of TW_KIND_TASK take
 *    no buffers (self_invoke gets no marshalled copies); TW_KIND_USER ops take only INT, IN,
 *    OUT and LEN, at most three INT+LEN (the request's arg[1..3]), at most one OUT of max <=
 *    TW_PROV_READ_MAX; the TYPED ops are exactly blk_size, blk_flush, file_truncate,
 *    file_stat; OUT_WHOLE ops have one OUT; NORETURN and SLEEPS ops are task ops only.
 * 2. "op-matrix" (a loop test, one iteration per invoke op, and one for numbers that are no
 *    op) and "sys-matrix" (one per system call): a kernel with one live object of every
 *    kind the test can make (task self handle; chan pair end; port; timer; console; zero;
 *    null; pipe end; system://memory/free_mem; blk RAM disk; cache over it; a fat:// file
 *    and directory on an image made by mkfs.fat; a resource of a user provider written
 *    here, optest://, which counts and records every request it gets). For every op:
 *    - on every object whose kind is not in op->kinds: TW_E_NOTSUP (TW_E_ACCESS on handles
 *      without the invoke right, which is checked first), with valid arguments and with bad
 *      pointers (kind before buffers);
 *    - on every object whose kind is in kinds: the default handle holds op->right; a
 *      duplicate without each bit of it gives TW_E_ACCESS; a handle argument (or handle
 *      array entry) without each bit of op->arg_right gives TW_E_ACCESS and stays in the
 *      table; for each buffer a bad pointer (16, host memory, straddling the heap's end)
 *      with a valid length is TW_E_FAULT, an input of max+1 TW_E_TOOBIG, an OUT_WHOLE
 *      capacity of max-1 or 0 TW_E_TOOBIG, and an output capacity above max is clamped:
 *      max+1 and 2^40 are not refused when only max elements fit before the end of task
 *      memory, a whole valid page gets only max elements written, and a user provider is
 *      told max (this found marshal_in undoing the clamp: a fault, or a kernel panic on
 *      used <= SYS_INVOKE_BUF for a capacity above 2048 bytes in valid memory);
 *    - every failing call has no effect: exactly its own two trace records, exactly the
 *      cost of one system call in virtual time, no request to the provider; after all of
 *      them every object still works (a probe per kind);
 *    - on the user provider, every op of TW_KIND_USER arrives marshalled by the table (its
 *      integers, lengths and input bytes as sent; an output filled from the reply and its
 *      continuations), and inputs of more than TW_PROV_REQ_DATA bytes together (each
 *      within its max) are TW_E_TOOBIG without a request;
 *    - system calls: a handle that is none is TW_E_BADH; for every kind, a handle without
 *      the call's right is TW_E_ACCESS (poll: an item's handle); a bad buffer is
 *      TW_E_FAULT, a length of max+1 TW_E_TOOBIG; all without effect.
 *    The task handle cannot be duplicated (it lacks TW_RIGHT_DUPLICATE): that is checked,
 *    and its rights cells are counted apart as unreachable. No object of TW_KIND_THREAD can
 *    be made (no handle reaches one): the table must not give that kind any op.
 * 3. "blocking" (one iteration per cell): every op that blocks (op->block != 0: chan
 *    write_handles on a full ring, read_handles on an empty one; the read and write system
 *    calls on every kind the test can make block), every op on TW_KIND_USER (the provider
 *    takes 300 ms to answer, against a 1 s timeout) and the read, write, seek, tell and
 *    open system calls that a user provider answers: woken by close() of its handle from
 *    another thread of the same task (TW_E_CANCELED at the virtual time of the close), and
 *    by a kill fault of its task (the task ends at the fault's time without returning to
 *    user code; nothing leaks). TW_OPF_SLEEPS ops (sleep, compute): kill only, since the
 *    self handle cannot be closed (checked). A port's write never waits: that cell checks
 *    TW_E_BUSY at once. open has no handle to close: kill only.
 *
 * main() prints how many (op, kind) cells each part checks; every iteration asserts that
 * it checked exactly the cells the table gives it. Run alone:
 *   make -f tools/build.mk build/tests/test_optable && build/tests/test_optable
 */
#include <check.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../core/abi.h"
#include "../../core/clock.h"
#include "../../core/fault.h"
#include "../../core/handle.h"
#include "../../core/invariants.h"
#include "../../core/kernel.h"
#include "../../core/klib.h"
#include "../../core/obj.h"
#include "../../core/optable.h"
#include "../../core/syscall.h"
#include "../../core/task.h"
#include "../../core/thread.h"
#include "../../core/trace.h"
#include "../../core/uprov.h"
#include "../../hal/sim/host.h"
#include "../../providers/providers.h"
#include "../../user/servers/prov_serve.h"
#include "../../user/twain.h"
#include "kernel_harness.h"

/* ---- recording what user threads saw ----------------------------------------------------- */

#define MAX_FAILS 24
static unsigned nchecks, nfails;
static char fails[MAX_FAILS][240];

static void fail_at(int line, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail_at(int line, const char *fmt, ...)
{
    if (nfails < MAX_FAILS) {
        int n = snprintf(fails[nfails], sizeof(fails[0]), "line %d: ", line);
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(fails[nfails] + n, sizeof(fails[0]) - (size_t)n, fmt, ap);
        va_end(ap);
    }
    nfails++;
}

/* A check made on a user thread: recorded, never asserted (that would end the run). */
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        nchecks++;                                                                                 \
        if (!(cond))                                                                               \
            fail_at(__LINE__, __VA_ARGS__);                                                        \
    } while (0)

static const char *ename(int64_t v)
{
    const char *n = v < 0 ? tw_strerror(v) : NULL;
    return n != NULL ? n : "ok";
}

/* got == want, or a message naming both (and what was being done). */
#define CHECK_RC(got, want, what, ...)                                                             \
    do {                                                                                           \
        int64_t got_ = (got), want_ = (want);                                                      \
        nchecks++;                                                                                 \
        if (got_ != want_) {                                                                       \
            char what_[160];                                                                       \
            snprintf(what_, sizeof(what_), what, __VA_ARGS__);                                     \
            fail_at(__LINE__, "%s: got %" PRId64 " %s, want %" PRId64 " %s", what_, got_,          \
                    ename(got_), want_, ename(want_));                                             \
        }                                                                                          \
    } while (0)

static void reset_checks(void)
{
    nchecks = 0;
    nfails = 0;
}

/* After a run: every recorded check passed (all failures printed, the first asserted). */
static void judge(void)
{
    printf("  %u checks\n", nchecks);
    for (unsigned i = 0; i < nfails && i < MAX_FAILS; i++)
        fprintf(stderr, "  %s\n", fails[i]);
    ck_assert_msg(nfails == 0, "%u of %u checks failed; first: %s", nfails, nchecks, fails[0]);
    ck_assert_uint_gt(nchecks, 0);
}

/* ---- the kinds and the table ------------------------------------------------------------- */

#define ALL_KINDS_MASK ((1u << TW_KIND_COUNT) - 1)
/* Every kind an op may name, except TW_KIND_THREAD (no handle reaches a thread object). */
#define MADE_KINDS (ALL_KINDS_MASK & ~TW_KIND_THREAD)
/* What open gives the task handle (docs/architecture.md): invoke and wait. */
#define TASK_HANDLE_RIGHTS (TW_RIGHT_INVOKE | TW_RIGHT_WAIT)
#define COST_SYSCALL_NS    200 /* test_cfg's cost_syscall_ns */

static int kind_index(uint32_t kind_bit)
{
    for (int i = 0; i < TW_KIND_COUNT; i++)
        if (kind_bit == 1u << i)
            return i;
    return -1;
}

static const char *kname(uint32_t kind_bit)
{
    return kind_bit == 0 ? "-" : tw_kind_name(kind_bit);
}

static bool is_buffer(uint8_t k)
{
    return tw_arg_is_buffer(k) || k == TW_ARG_INOUT;
}

static bool is_output(uint8_t k)
{
    return k == TW_ARG_OUT || k == TW_ARG_OUT_RESULT || k == TW_ARG_OUT_HANDLES;
}

/* The index in max[] of buffer argument i of d. */
static int buf_index(const struct tw_op *d, int i)
{
    int n = 0;
    for (int j = 0; j < i; j++)
        n += is_buffer(d->arg[j]);
    return n;
}

static uint32_t nargs(const struct tw_op *d)
{
    return (d->flags & TW_OPF_SYSCALL) != 0 ? 6 : 4;
}

/* The system calls a user provider answers: they reach the object's own operations. */
static bool sys_reaches_provider(const struct tw_op *s)
{
    return s->op == TW_SYS_OPEN ||
           (s->right & (TW_RIGHT_READ | TW_RIGHT_WRITE | TW_RIGHT_SEEK)) != 0;
}

/* ---- part 1: static checks --------------------------------------------------------------- */

static bool name_ok(const char *n)
{
    if (n == NULL || n[0] == '\0')
        return false;
    for (const char *p = n; *p != '\0'; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return false;
    return true;
}

/* The argument-shape checks both tables share. */
static void check_shape(const struct tw_op *d)
{
    const char *n = d->name;
    uint32_t na = nargs(d);
    int nbuf = 0;
    bool none_seen = false;
    for (uint32_t i = 0; i < 6; i++) {
        uint8_t k = d->arg[i];
        CHECK(k < TW_ARG_KIND_COUNT, "%s: argument %u has kind %u", n, i, k);
        CHECK(i < na || k == TW_ARG_NONE, "%s: argument %u past the call's %u", n, i, na);
        CHECK(!none_seen || k == TW_ARG_NONE, "%s: argument %u after an unused one", n, i);
        none_seen |= k == TW_ARG_NONE;
        if (is_buffer(k)) {
            CHECK(i + 1 < na && d->arg[i + 1] == TW_ARG_LEN,
                  "%s: buffer argument %u is not followed by its length", n, i);
            nbuf++;
        }
        if (k == TW_ARG_LEN)
            CHECK(i > 0 && is_buffer(d->arg[i - 1]), "%s: length %u follows no buffer", n, i);
    }
    CHECK(nbuf <= 2, "%s: %d buffers, max[] has room for 2", n, nbuf);
    for (int b = 0; b < 2; b++) {
        if (b < nbuf)
            CHECK(d->max[b] > 0, "%s: buffer %d has max 0", n, b);
        else
            CHECK(d->max[b] == 0, "%s: max[%d] = %u without a buffer", n, b, d->max[b]);
    }
    CHECK(d->result != NULL && d->doc != NULL, "%s: no result or doc line", n);
    CHECK((d->block & ~TW_SIG_ALL) == 0, "%s: block 0x%x is not signals", n, d->block);
    CHECK((d->right & ~TW_RIGHTS_ALL) == 0 && (d->arg_right & ~TW_RIGHTS_ALL) == 0,
          "%s: rights outside TW_RIGHTS_ALL", n);
}

static void check_invoke_row(const struct tw_op *d, uint32_t i)
{
    const char *n = d->name;
    CHECK(name_ok(n), "row %u: name \"%s\" is not [a-z0-9_]+", i, n != NULL ? n : "(null)");
    if (!name_ok(n))
        return;
    check_shape(d);
    CHECK((d->flags & TW_OPF_SYSCALL) == 0, "%s: an invoke op flagged as a system call", n);
    CHECK((d->right & TW_RIGHT_INVOKE) != 0, "%s: right 0x%x lacks TW_RIGHT_INVOKE", n, d->right);
    CHECK(d->kinds != 0 && (d->kinds & ~ALL_KINDS_MASK) == 0, "%s: kinds 0x%x", n, d->kinds);
    CHECK((d->kinds & ~MADE_KINDS) == 0,
          "%s: kinds 0x%x name a kind this test cannot make an object of: add it to makers[]", n,
          d->kinds);
    CHECK(tw_op_find(d->op) == d, "%s: tw_op_find(0x%x) does not find its row", n, d->op);
    CHECK(tw_op_by_name(n, (uint32_t)strlen(n)) == d, "%s: tw_op_by_name does not find it", n);
    if (i + 1 < tw_invoke_op_count) {
        const struct tw_op *next = &tw_invoke_ops[i + 1];
        CHECK(d->op < next->op, "%s (0x%x) is not before %s (0x%x): rows must be sorted, unique", n,
              d->op, next->name, next->op);
        if (next->op > d->op + 1)
            CHECK(tw_op_find(d->op + 1) == NULL, "tw_op_find(0x%x) finds a row", d->op + 1);
    }
    for (uint32_t j = 0; j < tw_invoke_op_count; j++)
        if (j != i)
            CHECK(strcmp(n, tw_invoke_ops[j].name) != 0, "%s: name used twice", n);
    for (uint32_t j = 0; j < TW_SYS_COUNT; j++)
        CHECK(strcmp(n, tw_syscalls[j].name) != 0, "%s: also a system call's name", n);
    /* Buffers fit the kernel's copy (the sizes marshal_in rounds to). */
    uint32_t used = 0, nhandle = 0;
    for (int a = 0; a < 4; a++) {
        uint8_t k = d->arg[a];
        if (tw_arg_is_buffer(k))
            used += (d->max[buf_index(d, a)] * tw_arg_elem(k) + 7) & ~7u;
        nhandle += k == TW_ARG_HANDLE || k == TW_ARG_IN_HANDLES;
        CHECK(k != TW_ARG_INOUT, "%s: INOUT is poll's alone", n);
    }
    CHECK(used <= SYS_INVOKE_BUF, "%s: buffers take %u bytes > SYS_INVOKE_BUF %u", n, used,
          SYS_INVOKE_BUF);
    CHECK((d->arg_right != 0) == (nhandle > 0), "%s: arg_right 0x%x with %u handle arguments", n,
          d->arg_right, nhandle);
    /* The task's own ops go to self_invoke with their arguments as given (no marshalled
     * copy), all but task_spawn, which core/syscall.c marshals like the ops on a task handle. */
    if ((d->kinds & TW_KIND_TASK) != 0 && (d->flags & TW_OPF_SELF) != 0 && d->op != TW_TASK_SPAWN)
        CHECK(tw_op_count_args(d, TW_ARG_IN) + tw_op_count_args(d, TW_ARG_OUT) +
                      tw_op_count_args(d, TW_ARG_OUT_RESULT) +
                      tw_op_count_args(d, TW_ARG_IN_HANDLES) +
                      tw_op_count_args(d, TW_ARG_OUT_HANDLES) ==
                  0,
              "%s: a task op with a buffer (self_invoke gets no marshalled copy)", n);
    /* SELF and OTHER say which task handles take a task op: only task ops, never both. */
    if ((d->flags & (TW_OPF_SELF | TW_OPF_OTHER)) != 0)
        CHECK(d->kinds == TW_KIND_TASK &&
                  (d->flags & (TW_OPF_SELF | TW_OPF_OTHER)) != (TW_OPF_SELF | TW_OPF_OTHER),
              "%s: SELF/OTHER on kinds 0x%x, or both", n, d->kinds);
    /* A task's own ops that end or block the caller are its own (SELF). */
    if ((d->flags & (TW_OPF_NORETURN | TW_OPF_SLEEPS)) != 0)
        CHECK((d->flags & TW_OPF_SELF) != 0, "%s: NORETURN/SLEEPS without SELF", n);
    if ((d->kinds & TW_KIND_USER) != 0) {
        uint32_t ints = tw_op_count_args(d, TW_ARG_INT) + tw_op_count_args(d, TW_ARG_LEN);
        for (int a = 0; a < 4; a++) {
            uint8_t k = d->arg[a];
            CHECK(k == TW_ARG_NONE || k == TW_ARG_INT || k == TW_ARG_LEN || k == TW_ARG_IN ||
                      k == TW_ARG_OUT,
                  "%s: a user provider cannot be given a %s argument", n, tw_arg_kind_name(k));
            if (k == TW_ARG_OUT)
                CHECK(d->max[buf_index(d, a)] <= TW_PROV_READ_MAX,
                      "%s: output max %u > TW_PROV_READ_MAX", n, d->max[buf_index(d, a)]);
        }
        CHECK(ints <= 3, "%s: %u integers and lengths, a request carries 3", n, ints);
        CHECK(tw_op_count_args(d, TW_ARG_OUT) <= 1, "%s: more than one output for a provider", n);
        CHECK((d->flags & (TW_OPF_NORETURN | TW_OPF_SLEEPS)) == 0, "%s: a user op that sleeps", n);
    }
    bool typed = d->op == TW_BLK_SIZE || d->op == TW_BLK_FLUSH || d->op == TW_FILE_TRUNCATE ||
                 d->op == TW_FILE_STAT;
    CHECK(((d->flags & TW_OPF_TYPED) != 0) == typed, "%s: TYPED is %s", n,
          typed ? "missing" : "set on an op kobj_invoke does not type");
    if ((d->flags & TW_OPF_OUT_WHOLE) != 0)
        CHECK(tw_op_count_args(d, TW_ARG_OUT) == 1 &&
                  tw_op_count_args(d, TW_ARG_OUT_RESULT) +
                          tw_op_count_args(d, TW_ARG_OUT_HANDLES) ==
                      0,
              "%s: OUT_WHOLE without exactly one OUT", n);
    if ((d->flags & (TW_OPF_NORETURN | TW_OPF_SLEEPS)) != 0)
        CHECK(d->kinds == TW_KIND_TASK, "%s: NORETURN/SLEEPS on kinds 0x%x", n, d->kinds);
    CHECK((d->flags & TW_OPF_PROVIDER) == 0, "%s: TW_OPF_PROVIDER is for system calls", n);
}

static void check_syscall_row(const struct tw_op *s, uint32_t i)
{
    const char *n = s->name;
    CHECK(name_ok(n), "system call %u: bad name", i);
    if (!name_ok(n))
        return;
    check_shape(s);
    CHECK(s->op == i, "%s: op %u in row %u", n, s->op, i);
    CHECK((s->flags & TW_OPF_SYSCALL) != 0, "%s: TW_OPF_SYSCALL missing", n);
    CHECK(s->kinds == ALL_KINDS_MASK, "%s: kinds 0x%x", n, s->kinds);
    CHECK(tw_sys_find(i) == s, "%s: tw_sys_find(%u)", n, i);
    for (uint32_t j = 0; j < i; j++)
        CHECK(strcmp(n, tw_syscalls[j].name) != 0, "%s: name used twice", n);
}

START_TEST(test_table_static)
{
    reset_checks();
    ck_assert_uint_gt(tw_invoke_op_count, 0);
    for (uint32_t i = 0; i < tw_invoke_op_count; i++)
        check_invoke_row(&tw_invoke_ops[i], i);
    for (uint32_t i = 0; i < TW_SYS_COUNT; i++)
        check_syscall_row(&tw_syscalls[i], i);
    CHECK(tw_sys_find(TW_SYS_COUNT) == NULL && tw_sys_find(UINT64_MAX) == NULL, "tw_sys_find");
    CHECK(tw_op_by_name("task_now", 4) == NULL && tw_op_by_name("task_nowx", 9) == NULL,
          "tw_op_by_name matches a prefix or a longer name");
    CHECK(tw_op_find(0) == NULL && tw_op_find(UINT32_MAX) == NULL, "tw_op_find of no op");
    uint32_t typed = 0;
    for (uint32_t i = 0; i < tw_invoke_op_count; i++)
        typed += (tw_invoke_ops[i].flags & TW_OPF_TYPED) != 0;
    CHECK(typed == 4, "%u TYPED ops, kobj_invoke types 4", typed);
    judge();
}
END_TEST

/* ---- the FAT image (made once by main) --------------------------------------------------- */

static char img_dir[256], img_path[300];

static void add_disk(void)
{
    char err[256];
    host_disks_clear();
    ck_assert_msg(host_disk_add_file("disk0", img_path, false, err, sizeof(err)) == 0, "%s", err);
}

/* ---- the user provider: optest:// -------------------------------------------------------- */

#define PROV_PORT     "chan://optest-prov?listen"
#define PROV_SLOW_NS  (300ull * 1000 * 1000) /* a slow answer, well within UPROV_TIMEOUT_NS */
#define PROV_READ_LEN 100                    /* a READ answers at most this many bytes */

static struct {
    bool ready, stop;
    bool slow, slow_open; /* answer requests (opens) after PROV_SLOW_NS */
    uint64_t until_ns;    /* stop when no request came by then */
    unsigned reqs[8];     /* requests by TW_PROV_* op */
    unsigned total;       /* every request but CLOSE */
    unsigned bad;         /* messages that were not requests */
    /* The last INVOKE as prov_invoke_args decoded it. */
    int64_t decode_rc;
    uint32_t op;
    uint64_t a[4];
    uint8_t data[4][TW_PROV_REQ_DATA];
} prov;

static uint8_t out_pattern(uint32_t op, size_t j)
{
    return (uint8_t)(j * 7 + op + 1);
}

static int64_t prov_result(uint32_t op)
{
    return 0x4000 + (op & 0xfff);
}

static int64_t prov_answer(const struct tw_prov_req *req, uint8_t *out)
{
    static const char stop[] = "optest://stop";
    switch (req->op) {
    case TW_PROV_OPEN:
        if (req->len == sizeof(stop) - 1 && memcmp(req->data, stop, req->len) == 0) {
            prov.stop = true;
            return TW_E_NOENT;
        }
        return 7;
    case TW_PROV_READ: {
        size_t n = (size_t)K_MIN((uint64_t)req->arg[0], (uint64_t)PROV_READ_LEN);
        for (size_t j = 0; j < n; j++)
            out[j] = out_pattern(0, j);
        return (int64_t)n;
    }
    case TW_PROV_WRITE:
        return req->len;
    case TW_PROV_SEEK:
        return req->arg[0];
    case TW_PROV_TELL:
        return 42;
    case TW_PROV_INVOKE: {
        uint64_t a[4];
        int64_t rc = prov_invoke_args(req, out, a);
        prov.decode_rc = rc;
        if (rc != TW_OK)
            return rc;
        const struct tw_op *d = tw_op_find((uint32_t)req->arg[0]);
        prov.op = d->op;
        memcpy(prov.a, a, sizeof(a));
        for (int i = 0; i < 4; i++) {
            if (d->arg[i] == TW_ARG_IN)
                memcpy(prov.data[i], (const void *)(uintptr_t)a[i], (size_t)a[i + 1]);
            if (d->arg[i] == TW_ARG_OUT)
                for (size_t j = 0; j < a[i + 1]; j++)
                    out[j] = out_pattern(d->op, j);
        }
        return prov_result(d->op);
    }
    default:
        return TW_E_NOTSUP;
    }
}

/* The answer: one reply, and continuations for bytes past one reply's data. */
static void prov_reply(int32_t port, const struct tw_prov_req *req, int64_t result,
                       const uint8_t *out)
{
    struct tw_prov_reply rep;
    size_t n = prov_reply_bytes(req, result), off = 0;
    do {
        memset(&rep, 0, sizeof(rep));
        rep.seq = req->seq;
        rep.result = off == 0 ? result : (int64_t)off;
        size_t take = K_MIN(n - off, (size_t)TW_PROV_REPLY_DATA);
        memcpy(rep.data, out + off, take);
        if (tw_write(port, &rep, sizeof(rep)) < 0)
            return; /* the caller stopped waiting (cancelled, killed) */
        off += take;
    } while (off < n);
}

static void body_provider(uintptr_t heap)
{
    (void)heap;
    char url[] = PROV_PORT, name[] = "optest";
    struct tw_prov_req req;
    uint8_t out[TW_PROV_READ_MAX];
    int64_t port = tw_open_n(url, sizeof(url) - 1, 0);
    CHECK_RC(port >= 0, 1, "provider: open %s", url);
    CHECK_RC(tw_invoke((int32_t)port, TW_PORT_SERVE_SCHEME, (uintptr_t)name, 6, 0, 0), TW_OK,
             "provider: %s", "serve optest");
    prov.ready = true;
    while (!prov.stop) {
        if (tw_wait((int32_t)port, TW_SIG_READABLE, prov.until_ns) == TW_E_TIMEDOUT)
            break;
        if (tw_read((int32_t)port, &req, sizeof(req)) != (int64_t)sizeof(req)) {
            prov.bad++;
            continue;
        }
        prov.reqs[req.op & 7]++;
        if (req.op == TW_PROV_CLOSE)
            continue;
        prov.total++;
        int64_t result = prov_answer(&req, out);
        if (req.op == TW_PROV_OPEN ? prov.slow_open : prov.slow)
            tw_sleep_ns(PROV_SLOW_NS);
        prov_reply((int32_t)port, &req, result, out);
    }
    tw_close((int32_t)port);
    bodies_done++;
}

static void wait_provider(void)
{
    for (int i = 0; i < 100 && !prov.ready; i++)
        tw_sleep_ns(1000);
    CHECK(prov.ready, "the provider did not start");
}

static int64_t open_str(const char *url, uint32_t flags)
{
    char buf[256];
    size_t n = strlen(url);
    memcpy(buf, url, n);
    return tw_open_n(buf, n, flags);
}

static void stop_provider(void)
{
    CHECK_RC(open_str("optest://stop", 0), TW_E_NOENT, "%s", "stopping the provider");
}

/* ---- the objects ------------------------------------------------------------------------- */

struct tobj {
    uint32_t kind;
    int32_t h;       /* -1: none */
    int32_t peer;    /* the other end (chan, pipe) or the port's client, or -1 */
    uint32_t rights; /* what the handle holds (read from the kernel's table) */
};

static const struct {
    uint32_t kind;
    const char *url;
    uint32_t flags;
} makers[] = {
    {TW_KIND_CHAN, "chan://?pair", TW_O_NONBLOCK},
    {TW_KIND_PORT, "chan://optest-port?listen", TW_O_NONBLOCK},
    {TW_KIND_TIMER, "timer://interval:100000/", 0},
    {TW_KIND_CONSOLE, "console://", 0},
    {TW_KIND_ZERO, "zero://", 0},
    {TW_KIND_NULL, "null://", 0},
    {TW_KIND_PIPE, "pipe://", TW_O_NONBLOCK},
    {TW_KIND_MEMWATCH, "system://memory/free_mem", 0},
    {TW_KIND_BLK, "blk://ram0/?size=65536", 0},
    {TW_KIND_CACHE, "cache://[blk://ram0/]/", 0},
    {TW_KIND_FILE, "fat://[blk://disk0/]/a.txt", 0},
    {TW_KIND_DIR, "fat://[blk://disk0/]/", 0},
    {TW_KIND_USER, "optest://obj", 0},
};

static struct tobj objs[TW_KIND_COUNT]; /* by kind index */
static int32_t spare;                   /* a null:// handle for handle arguments */
static uint32_t spare_rights;
static uint8_t *heap;        /* the client's memory: HEAP_PAGES pages */
static char host_static[64]; /* memory no task owns */

#define HEAP_PAGES 8
#define HEAP_BYTES (HEAP_PAGES * 4096u)
#define HEAP_END   ((uintptr_t)heap + HEAP_BYTES)
/* Where buffer argument b of a call lives (each 4 KiB apart; the last page is the end). */
#define BUF_AT(b) (heap + (size_t)(b)*4096u)

static uint32_t rights_of(int32_t h)
{
    struct thread *t = thread_current();
    struct handle_entry *e = handle_lookup(t->task, t, h);
    return e != NULL ? e->rights : 0;
}

static uint32_t kind_of(int32_t h)
{
    struct thread *t = thread_current();
    struct handle_entry *e = handle_lookup(t->task, t, h);
    return e != NULL ? e->obj->ops->kind : 0;
}

static void make_objects(void)
{
    for (int i = 0; i < TW_KIND_COUNT; i++)
        objs[i] = (struct tobj){1u << i, -1, -1, 0};
    objs[kind_index(TW_KIND_TASK)].h = TW_HANDLE_SELF;
    for (size_t i = 0; i < K_ARRAY_SIZE(makers); i++) {
        struct tobj *o = &objs[kind_index(makers[i].kind)];
        int64_t h = open_str(makers[i].url, makers[i].flags);
        CHECK_RC(h >= 0, 1, "open %s (%s)", makers[i].url, ename(h));
        if (h < 0)
            continue;
        o->h = (int32_t)h;
        if (o->kind == TW_KIND_CHAN || o->kind == TW_KIND_PIPE) {
            o->peer = (int32_t)tw_invoke(o->h, TW_CHAN_TAKE_PEER, 0, 0, 0, 0);
            CHECK(o->peer > 0, "take the peer of %s", makers[i].url);
        }
        if (o->kind == TW_KIND_PORT) {
            /* A client whose request this thread has read: the port's writes answer it. */
            char req[1] = {'q'};
            o->peer = (int32_t)open_str("chan://optest-port", TW_O_NONBLOCK);
            CHECK(o->peer > 0 && tw_write(o->peer, req, 1) == 1 && tw_read(o->h, req, 1) == 1,
                  "a request read from the port");
        }
    }
    for (int i = 0; i < TW_KIND_COUNT; i++) {
        struct tobj *o = &objs[i];
        if (o->h < 0)
            continue;
        o->rights = rights_of(o->h);
        CHECK(kind_of(o->h) == o->kind, "the %s object's kind is 0x%x", kname(o->kind),
              kind_of(o->h));
    }
    CHECK(objs[kind_index(TW_KIND_TASK)].rights == TASK_HANDLE_RIGHTS, "the task handle's rights");
    spare = (int32_t)open_str("null://", 0);
    spare_rights = rights_of(spare);
    CHECK(spare > 0 && (spare_rights & TW_RIGHT_DUPLICATE) != 0, "the spare handle");
}

static void close_objects(void)
{
    for (int i = 0; i < TW_KIND_COUNT; i++) {
        struct tobj *o = &objs[i];
        if (o->peer > 0)
            CHECK_RC(tw_close(o->peer), TW_OK, "close the %s peer", kname(o->kind));
        if (o->h > 0)
            CHECK_RC(tw_close(o->h), TW_OK, "close the %s object", kname(o->kind));
    }
    CHECK_RC(tw_close(spare), TW_OK, "%s", "close the spare");
}

/* Every object still works after the failed calls: a probe per kind. */
static void probe_objects(void)
{
    uint8_t *b = BUF_AT(7);
    for (int i = 0; i < TW_KIND_COUNT; i++) {
        struct tobj *o = &objs[i];
        const char *k = kname(o->kind);
        if (o->h < 0)
            continue;
        switch (o->kind) {
        case TW_KIND_TASK:
            CHECK(tw_now() > 0, "%s probe", k);
            break;
        case TW_KIND_CHAN:
        case TW_KIND_PIPE:
            CHECK_RC(tw_invoke(o->h, TW_CHAN_PENDING, 0, 0, 0, 0), 0, "%s probe: pending", k);
            CHECK_RC(tw_invoke(o->peer, TW_CHAN_PENDING, 0, 0, 0, 0), 0, "%s probe: peer", k);
            memcpy(b, "ping", 4);
            CHECK_RC(tw_write(o->h, b, 4), 4, "%s probe: write", k);
            CHECK_RC(tw_read(o->peer, b + 8, 8), 4, "%s probe: read", k);
            break;
        case TW_KIND_PORT:
            CHECK_RC(tw_invoke(o->h, TW_CHAN_PENDING, 0, 0, 0, 0), 0, "%s probe: pending", k);
            CHECK_RC(tw_invoke(o->peer, TW_CHAN_PENDING, 0, 0, 0, 0), 0, "%s probe: client", k);
            CHECK_RC(tw_write(o->peer, b, 3), 3, "%s probe: request", k);
            CHECK_RC(tw_read(o->h, b + 8, 8), 3, "%s probe: read", k);
            break;
        case TW_KIND_TIMER:
            CHECK_RC(tw_invoke(o->h, TW_TIMER_FIRED, 0, 0, 0, 0), 0, "%s probe", k);
            break;
        case TW_KIND_CONSOLE:
            CHECK_RC(tw_write(o->h, b, 0), 0, "%s probe", k);
            break;
        case TW_KIND_ZERO:
            CHECK_RC(tw_read(o->h, b, 4), 4, "%s probe", k);
            break;
        case TW_KIND_NULL:
            CHECK_RC(tw_write(o->h, b, 4), 4, "%s probe", k);
            break;
        case TW_KIND_MEMWATCH:
            CHECK(tw_invoke(o->h, TW_SYS_MEM_FREE_PAGES, 0, 0, 0, 0) > 0, "%s probe", k);
            break;
        case TW_KIND_BLK:
        case TW_KIND_CACHE:
            CHECK_RC(tw_invoke(o->h, TW_BLK_SIZE, 0, 0, 0, 0), 65536, "%s probe: size", k);
            CHECK_RC(tw_tell(o->h), 0, "%s probe: position", k);
            memset(b, 0x55, 16);
            CHECK_RC(tw_read(o->h, b, 16), 16, "%s probe: read", k);
            CHECK(b[0] == 0 && b[15] == 0, "%s probe: the device was written", k);
            break;
        case TW_KIND_FILE:
            CHECK_RC(tw_invoke(o->h, TW_BLK_SIZE, 0, 0, 0, 0), 6, "%s probe: size", k);
            CHECK_RC(tw_read(o->h, b, 64), 6, "%s probe: read", k);
            CHECK(memcmp(b, "alpha\n", 6) == 0, "%s probe: the bytes", k);
            break;
        case TW_KIND_DIR: {
            char names[64] = "";
            for (int r = 0; r < 8; r++) {
                int64_t n = tw_read(o->h, b, TW_DIRENT_SIZE);
                if (n != TW_DIRENT_SIZE)
                    break;
                strncat(names, ((const struct tw_dirent *)b)->name,
                        sizeof(names) - strlen(names) - 2);
                strcat(names, " ");
            }
            CHECK(strcmp(names, "a.txt sub ") == 0, "%s probe: listing \"%s\"", k, names);
            break;
        }
        case TW_KIND_USER: {
            unsigned before = prov.total;
            CHECK_RC(tw_read(o->h, b, 16), 16, "%s probe: read", k);
            CHECK(prov.total == before + 1, "%s probe: the provider answered", k);
            break;
        }
        default:
            CHECK(false, "no probe for kind %s", k);
        }
    }
}

/* ---- calls and their effects ------------------------------------------------------------- */

/* A call's effect: trace records, virtual time, requests to the provider. */
struct fx {
    uint64_t trace, time;
    unsigned prov;
};

static struct fx fx_now(void)
{
    return (struct fx){trace_count(), clock_now(), prov.total};
}

/* A failing call had no effect: its own two records, one call's cost, no request. */
static bool fx_clean(struct fx b, struct fx e)
{
    return e.trace - b.trace == 2 && e.time - b.time == COST_SYSCALL_NS && e.prov == b.prov;
}

/* Run d (op, or system call) on h with arguments a; *clean: the call had no effect. */
static int64_t call(const struct tw_op *d, int32_t h, const uint64_t a[6], bool *clean)
{
    struct fx b = fx_now();
    int64_t r;
    if ((d->flags & TW_OPF_SYSCALL) != 0)
        r = tw_syscall(d->op, a);
    else
        r = tw_invoke(h, d->op, a[0], a[1], a[2], a[3]);
    *clean = fx_clean(b, fx_now());
    return r;
}

/* A call that must fail with want and change nothing. */
#define CHECK_FAILS(d, h, a, want, ...)                                                            \
    do {                                                                                           \
        bool clean_;                                                                               \
        int64_t r_ = call(d, h, a, &clean_);                                                       \
        CHECK_RC(r_, want, __VA_ARGS__);                                                           \
        if (r_ == (want))                                                                          \
            CHECK(clean_, "%s on %s: the failed call had an effect", (d)->name,                    \
                  kname(kind_of(h)));                                                              \
    } while (0)

/*
 * Arguments a valid call of d would take: the object (system calls: their first handle),
 * integers of 1, other handle arguments the spare, inputs of one element at BUF_AT(b) for
 * buffer b, outputs of at most 64 elements (OUT_WHOLE: max), no handles in an input array,
 * poll: one item on the object.
 */
static void valid_args(const struct tw_op *d, int32_t self, uint64_t a[6])
{
    memset(a, 0, 6 * sizeof(a[0]));
    bool self_used = false;
    for (uint32_t i = 0; i < nargs(d); i++) {
        uint8_t k = d->arg[i];
        int b = buf_index(d, (int)i);
        uint32_t max = is_buffer(k) ? d->max[b] : 0;
        switch (k) {
        case TW_ARG_INT:
            a[i] = 1;
            break;
        case TW_ARG_HANDLE:
            a[i] =
                (uint64_t)(int64_t)((d->flags & TW_OPF_SYSCALL) != 0 && !self_used ? self : spare);
            self_used = true;
            break;
        case TW_ARG_IN:
            a[i] = (uintptr_t)BUF_AT(b);
            a[i + 1] = 1;
            break;
        case TW_ARG_OUT:
        case TW_ARG_OUT_RESULT:
            a[i] = (uintptr_t)BUF_AT(b);
            a[i + 1] = (d->flags & TW_OPF_OUT_WHOLE) != 0 ? max : K_MIN(max, 64u);
            break;
        case TW_ARG_OUT_HANDLES:
            a[i] = (uintptr_t)BUF_AT(b);
            a[i + 1] = K_MIN(max, 4u);
            break;
        case TW_ARG_IN_HANDLES:
            a[i] = (uintptr_t)BUF_AT(b);
            a[i + 1] = 0;
            break;
        case TW_ARG_INOUT: { /* poll's items: one, on the object */
            struct tw_poll_item *it = (struct tw_poll_item *)BUF_AT(b);
            memset(it, 0, sizeof(*it));
            it->handle = self;
            it->signals = TW_SIG_ALL;
            a[i] = (uintptr_t)it;
            a[i + 1] = 1;
            break;
        }
        default:
            break;
        }
    }
}

/* ---- part 2: the op matrix --------------------------------------------------------------- */

enum { CELL_NOTSUP, CELL_IN_KIND, CELL_UNREACHABLE, CELL_SYS, CELL_PARTS };
static const char *const cell_part_name[CELL_PARTS] = {
    "not in kinds", "in kinds", "rights unreachable (task handle)", "system call"};
static uint8_t cells[CELL_PARTS][TW_KIND_COUNT + 1]; /* this iteration's (kind) cells */

static void mark(int part, uint32_t kind_bit)
{
    cells[part][kind_bit == 0 ? TW_KIND_COUNT : kind_index(kind_bit)] = 1;
}

static unsigned marked(int part)
{
    unsigned n = 0;
    for (int i = 0; i <= TW_KIND_COUNT; i++)
        n += cells[part][i];
    return n;
}

static const struct tw_op *m_op;  /* the op of this op-matrix iteration (NULL: no op) */
static const struct tw_op *m_sys; /* the system call of this sys-matrix iteration */

/* d on an object whose kind it does not take: refused before anything else. */
static void notsup_cells(const struct tw_op *d, const struct tobj *o)
{
    uint64_t a[6];
    int64_t want = (o->rights & TW_RIGHT_INVOKE) != 0 ? TW_E_NOTSUP : TW_E_ACCESS;
    valid_args(d, o->h, a);
    CHECK_FAILS(d, o->h, a, want, "%s on %s", d->name, kname(o->kind));
    bool bufs = false;
    for (int i = 0; i < 4; i++) {
        if (tw_arg_is_buffer(d->arg[i])) {
            a[i] = 16;
            a[i + 1] = d->max[buf_index(d, i)] + 1;
            bufs = true;
        }
    }
    if (bufs)
        CHECK_FAILS(d, o->h, a, want, "%s on %s with bad buffers", d->name, kname(o->kind));
    mark(CELL_NOTSUP, o->kind);
}

/* A duplicate of h with rights; the caller closes it. */
static int32_t dup_with(int32_t h, uint32_t rights)
{
    int64_t d = tw_invoke(TW_HANDLE_SELF, TW_TASK_DUPLICATE, (uint64_t)(int64_t)h, rights, 0, 0);
    CHECK(d > 0, "duplicate %d with rights 0x%x: %s", h, rights, ename(d));
    return d > 0 ? (int32_t)d : -1;
}

/* The rights cells of d on o: every bit of right on the handle, of arg_right on arguments. */
static void rights_cells(const struct tw_op *d, const struct tobj *o, bool handle_rights)
{
    uint64_t a[6];
    for (uint32_t bit = 1; handle_rights && bit <= TW_RIGHTS_ALL; bit <<= 1) {
        if ((d->right & bit) == 0)
            continue;
        int32_t h = dup_with(o->h, o->rights & ~bit);
        if (h < 0)
            continue;
        valid_args(d, h, a);
        CHECK_FAILS(d, h, a, TW_E_ACCESS, "%s on %s without right 0x%x", d->name, kname(o->kind),
                    bit);
        CHECK_RC(tw_close(h), TW_OK, "%s", "close the duplicate");
    }
    if ((d->flags & TW_OPF_SYSCALL) != 0)
        return;
    for (int i = 0; i < 4; i++) {
        uint8_t k = d->arg[i];
        if (k != TW_ARG_HANDLE && k != TW_ARG_IN_HANDLES)
            continue;
        for (uint32_t bit = 1; bit <= TW_RIGHTS_ALL; bit <<= 1) {
            if ((d->arg_right & bit) == 0)
                continue;
            int32_t victim = dup_with(spare, spare_rights & ~bit);
            if (victim < 0)
                continue;
            valid_args(d, o->h, a);
            if (k == TW_ARG_HANDLE) {
                a[i] = (uint64_t)(int64_t)victim;
            } else {
                ((int32_t *)(uintptr_t)a[i])[0] = victim;
                a[i + 1] = 1;
            }
            CHECK_FAILS(d, o->h, a, TW_E_ACCESS, "%s on %s: argument %d without right 0x%x",
                        d->name, kname(o->kind), i, bit);
            CHECK_RC(tw_close(victim), TW_OK, "%s: the refused handle stays", d->name);
        }
    }
}

/* Bad pointers for a buffer of n bytes (the third straddles the end of the heap). */
static int bad_pointers(size_t n, uint64_t p[3])
{
    p[0] = 16;
    p[1] = (uintptr_t)host_static;
    p[2] = HEAP_END - (n > 1 ? n / 2 : 0);
    return 3;
}

/* The buffer cells of d on o: bad pointers, too long inputs, short and long outputs. */
static void buffer_cells(const struct tw_op *d, const struct tobj *o)
{
    uint64_t a[6];
    for (uint32_t i = 0; i < nargs(d); i++) {
        uint8_t k = d->arg[i];
        if (!is_buffer(k))
            continue;
        uint32_t max = d->max[buf_index(d, (int)i)];
        uint32_t elem = tw_arg_elem(k), nok;
        valid_args(d, o->h, a);
        nok = (uint32_t)a[i + 1] > 0 ? (uint32_t)a[i + 1] : 1;
        uint64_t bad[3];
        int nbad = bad_pointers((size_t)nok * elem, bad);
        for (int p = 0; p < nbad; p++) {
            valid_args(d, o->h, a);
            a[i] = bad[p];
            a[i + 1] = nok;
            if (k == TW_ARG_IN_HANDLES)
                a[i + 1] = 1;
            CHECK_FAILS(d, o->h, a, TW_E_FAULT, "%s on %s: argument %u at bad pointer %d", d->name,
                        kname(o->kind), i, p);
        }
        if (tw_arg_is_input(k) || k == TW_ARG_INOUT ||
            ((d->flags & TW_OPF_SYSCALL) != 0 && is_output(k))) {
            /* Inputs (and a system call's buffers, whose lengths are checked whole). */
            valid_args(d, o->h, a);
            a[i + 1] = (uint64_t)max + 1;
            CHECK_FAILS(d, o->h, a, TW_E_TOOBIG, "%s on %s: argument %u of max+1", d->name,
                        kname(o->kind), i);
            continue;
        }
        if ((d->flags & TW_OPF_SYSCALL) != 0 || !is_output(k))
            continue;
        if ((d->flags & TW_OPF_OUT_WHOLE) != 0) {
            valid_args(d, o->h, a);
            a[i + 1] = max - 1;
            CHECK_FAILS(d, o->h, a, TW_E_TOOBIG, "%s on %s: output of max-1", d->name,
                        kname(o->kind));
            a[i + 1] = 0;
            CHECK_FAILS(d, o->h, a, TW_E_TOOBIG, "%s on %s: output of 0", d->name, kname(o->kind));
        }
        if ((d->flags & TW_OPF_NORETURN) != 0)
            continue;
        /* Capacities above max are clamped: only max elements need fit before the end of
         * task memory. These calls may succeed (outputs only read; handles are non-blocking). */
        const uint64_t caps[] = {(uint64_t)max + 1, 1ull << 40};
        for (size_t c = 0; c < K_ARRAY_SIZE(caps); c++) {
            valid_args(d, o->h, a);
            a[i] = HEAP_END - (uint64_t)max * elem;
            a[i + 1] = caps[c];
            unsigned before = prov.total;
            bool clean;
            int64_t r = call(d, o->h, a, &clean);
            CHECK(r != TW_E_FAULT && r != TW_E_TOOBIG,
                  "%s on %s: output capacity %" PRIu64 " > max %u is not clamped: %s", d->name,
                  kname(o->kind), a[i + 1], max, ename(r));
            if (o->kind == TW_KIND_USER && prov.total == before + 1)
                CHECK(prov.a[i + 1] == max, "%s: the provider was told capacity %" PRIu64, d->name,
                      prov.a[i + 1]);
        }
        /* A capacity of a whole valid page: the kernel copies and writes max elements only. */
        if ((size_t)max * elem >= 4096)
            continue;
        uint8_t *page = BUF_AT(buf_index(d, (int)i));
        valid_args(d, o->h, a);
        a[i + 1] = 4096 / elem;
        memset(page, 0xa5, 4096);
        unsigned before = prov.total;
        bool clean;
        int64_t r = call(d, o->h, a, &clean);
        CHECK(r != TW_E_FAULT && r != TW_E_TOOBIG, "%s on %s: output capacity %" PRIu64 ": %s",
              d->name, kname(o->kind), a[i + 1], ename(r));
        bool kept = true;
        for (size_t j = (size_t)max * elem; j < 4096; j++)
            kept &= page[j] == 0xa5;
        CHECK(kept, "%s on %s: bytes past max %u * %u written", d->name, kname(o->kind), max, elem);
        if (o->kind == TW_KIND_USER && prov.total == before + 1)
            CHECK(prov.a[i + 1] == max, "%s: the provider was told capacity %" PRIu64, d->name,
                  prov.a[i + 1]);
    }
}

static void in_kind_cells(const struct tw_op *d, const struct tobj *o)
{
    if ((o->rights & TW_RIGHT_DUPLICATE) == 0) {
        /* The task handle: no duplicate lacks a right, so those cells cannot be reached. */
        CHECK_RC(tw_invoke(TW_HANDLE_SELF, TW_TASK_DUPLICATE, (uint64_t)(int64_t)o->h,
                           TW_RIGHTS_SAME, 0, 0),
                 TW_E_ACCESS, "duplicate the %s handle", kname(o->kind));
        if (d->right != 0 || d->arg_right != 0)
            mark(CELL_UNREACHABLE, o->kind);
    } else {
        CHECK((o->rights & d->right) == d->right,
              "%s: the %s handle open gives holds 0x%x, the op needs 0x%x", d->name, kname(o->kind),
              o->rights, d->right);
        rights_cells(d, o, true);
    }
    if ((o->rights & TW_RIGHT_DUPLICATE) == 0)
        rights_cells(d, o, false); /* the handle arguments' rights are reachable */
    buffer_cells(d, o);
    mark(CELL_IN_KIND, o->kind);
}

/* Through the provider: d arrives as the table says, and its output comes back whole. */
static void user_marshal_cells(const struct tw_op *d, const struct tobj *o)
{
    uint64_t a[6];
    valid_args(d, o->h, a);
    uint32_t ilen[4] = {0};
    for (int i = 0; i < 4; i++) {
        uint8_t k = d->arg[i];
        if (k == TW_ARG_INT)
            a[i] = 0x1000 + (uint64_t)i * 0x111;
        if (k == TW_ARG_IN) {
            ilen[i] = (uint32_t)K_MIN(d->max[buf_index(d, i)], 20u + (uint32_t)i);
            for (uint32_t j = 0; j < ilen[i]; j++)
                BUF_AT(buf_index(d, i))[j] = (uint8_t)('a' + (j + (uint32_t)i) % 26);
            a[i + 1] = ilen[i];
        }
        if (k == TW_ARG_OUT) {
            a[i + 1] = d->max[buf_index(d, i)];
            memset(BUF_AT(buf_index(d, i)), 0, a[i + 1]);
        }
    }
    unsigned before = prov.total;
    prov.op = 0;
    int64_t r = tw_invoke(o->h, d->op, a[0], a[1], a[2], a[3]);
    CHECK_RC(r, prov_result(d->op), "%s through the provider", d->name);
    CHECK(prov.total == before + 1 && prov.decode_rc == TW_OK && prov.op == d->op,
          "%s: the provider decoded op 0x%x (%s)", d->name, prov.op, ename(prov.decode_rc));
    for (int i = 0; i < 4 && prov.op == d->op; i++) {
        uint8_t k = d->arg[i];
        if (k == TW_ARG_INT || (k == TW_ARG_LEN && i > 0 && d->arg[i - 1] == TW_ARG_IN))
            CHECK(prov.a[i] == a[i], "%s: argument %d arrived as 0x%" PRIx64 ", sent 0x%" PRIx64,
                  d->name, i, prov.a[i], a[i]);
        if (k == TW_ARG_LEN && i > 0 && d->arg[i - 1] == TW_ARG_OUT)
            CHECK(prov.a[i] == d->max[buf_index(d, i - 1)],
                  "%s: the provider was told capacity %" PRIu64, d->name, prov.a[i]);
        if (k == TW_ARG_IN)
            CHECK(memcmp(prov.data[i], BUF_AT(buf_index(d, i)), ilen[i]) == 0,
                  "%s: the bytes of argument %d", d->name, i);
        if (k == TW_ARG_OUT) {
            bool same = true;
            for (uint64_t j = 0; j < a[i + 1]; j++)
                same &= BUF_AT(buf_index(d, i))[j] == out_pattern(d->op, j);
            CHECK(same, "%s: the output (%" PRIu64 " bytes) did not come back", d->name, a[i + 1]);
        }
    }
    /* Inputs of more than one request's data together, each within its max: too_big. */
    int in[4], nin = 0;
    uint32_t sum = 0;
    for (int i = 0; i < 4; i++)
        if (d->arg[i] == TW_ARG_IN) {
            sum += d->max[buf_index(d, i)];
            in[nin++] = i;
        }
    if (nin == 0 || sum <= TW_PROV_REQ_DATA)
        return;
    for (uint32_t total = TW_PROV_REQ_DATA; total <= TW_PROV_REQ_DATA + 1; total++) {
        valid_args(d, o->h, a);
        uint32_t left = total;
        for (int j = 0; j < nin; j++) { /* an even share each, the rest to the last */
            uint32_t n = j + 1 < nin ? total / (uint32_t)nin : left;
            a[in[j] + 1] = n;
            left -= n;
            CHECK(n <= d->max[buf_index(d, in[j])], "%s: cannot split %u bytes", d->name, total);
        }
        before = prov.total;
        if (total > TW_PROV_REQ_DATA) {
            CHECK_FAILS(d, o->h, a, TW_E_TOOBIG, "%s: %u input bytes to a provider", d->name,
                        total);
        } else {
            CHECK_RC(tw_invoke(o->h, d->op, a[0], a[1], a[2], a[3]), prov_result(d->op),
                     "%s: %u input bytes to a provider", d->name, total);
            CHECK(prov.total == before + 1, "%s: the request did not arrive", d->name);
        }
    }
}

static void op_matrix(const struct tw_op *d)
{
    for (int i = 0; i < TW_KIND_COUNT; i++) {
        const struct tobj *o = &objs[i];
        if (o->h < 0)
            continue;
        if ((d->kinds & o->kind) == 0)
            notsup_cells(d, o);
        else
            in_kind_cells(d, o);
    }
    if ((d->kinds & TW_KIND_USER) != 0)
        user_marshal_cells(d, &objs[kind_index(TW_KIND_USER)]);
}

/* Numbers that are no op (also with high bits over a real one): not supported anywhere. */
static void no_op_matrix(void)
{
    uint64_t nums[8 + 2 * 64];
    unsigned n = 0;
    nums[n++] = 0;
    nums[n++] = 1;
    nums[n++] = UINT32_MAX;
    nums[n++] = UINT64_MAX;
    for (uint32_t i = 0; i < tw_invoke_op_count && n + 2 <= K_ARRAY_SIZE(nums); i++) {
        uint32_t op = tw_invoke_ops[i].op;
        nums[n++] = (1ull << 32) | op; /* must not be truncated to op */
        if (tw_op_find(op + 1) == NULL)
            nums[n++] = op + 1;
    }
    for (int i = 0; i < TW_KIND_COUNT; i++) {
        const struct tobj *o = &objs[i];
        if (o->h < 0)
            continue;
        int64_t want = (o->rights & TW_RIGHT_INVOKE) != 0 ? TW_E_NOTSUP : TW_E_ACCESS;
        for (unsigned j = 0; j < n; j++) {
            struct fx b = fx_now();
            int64_t r = hal_trap(TW_SYS_INVOKE, (uint64_t)(int64_t)o->h, nums[j], 1, 1, 1, 1);
            bool clean = fx_clean(b, fx_now());
            CHECK_RC(r, want, "op 0x%" PRIx64 " on %s", nums[j], kname(o->kind));
            CHECK(clean, "op 0x%" PRIx64 " on %s had an effect", nums[j], kname(o->kind));
        }
        mark(CELL_NOTSUP, o->kind);
    }
}

/* ---- part 2: the system-call matrix ------------------------------------------------------ */

static void sys_matrix(const struct tw_op *s)
{
    uint64_t a[6];
    bool handle_first = s->arg[0] == TW_ARG_HANDLE;
    if (handle_first) {
        valid_args(s, 999, a);
        CHECK_FAILS(s, 999, a, TW_E_BADH, "%s on a handle that is none", s->name);
    }
    bool bufs = false;
    for (uint32_t i = 0; i < 6; i++)
        bufs |= is_buffer(s->arg[i]);
    if (!handle_first && s->arg[0] != TW_ARG_INOUT) {
        /* No object: open. Its buffers once. */
        if (bufs)
            buffer_cells(s, &(struct tobj){0, -1, -1, 0});
        mark(CELL_SYS, 0);
        return;
    }
    for (int i = 0; i < TW_KIND_COUNT; i++) {
        const struct tobj *o = &objs[i];
        if (o->h < 0 || s->op == TW_SYS_INVOKE || (s->op == TW_SYS_CLOSE && o->h == 0))
            continue;
        if (s->right != 0) {
            if ((o->rights & s->right) != s->right) {
                valid_args(s, o->h, a);
                CHECK_FAILS(s, o->h, a, TW_E_ACCESS, "%s on %s (the handle lacks 0x%x)", s->name,
                            kname(o->kind), s->right);
            } else if ((o->rights & TW_RIGHT_DUPLICATE) != 0) {
                int32_t h = dup_with(o->h, o->rights & ~(uint32_t)s->right);
                if (h > 0) {
                    valid_args(s, h, a);
                    CHECK_FAILS(s, h, a, TW_E_ACCESS, "%s on %s without 0x%x", s->name,
                                kname(o->kind), s->right);
                    CHECK_RC(tw_close(h), TW_OK, "%s", "close the duplicate");
                }
            }
        }
        if (bufs && (o->rights & s->right) == s->right)
            buffer_cells(s, o);
        if (s->op == TW_SYS_CLOSE) {
            /* The one check close has: its handle. A closed duplicate is gone. */
            int32_t h = dup_with(o->h, TW_RIGHTS_SAME);
            CHECK_RC(tw_close(h), TW_OK, "close a duplicate of %s", kname(o->kind));
            valid_args(s, h, a);
            CHECK_FAILS(s, h, a, TW_E_BADH, "close a closed duplicate of %s", kname(o->kind));
        }
        mark(CELL_SYS, o->kind);
    }
    if (s->op == TW_SYS_CLOSE) {
        valid_args(s, 0, a);
        CHECK_FAILS(s, 0, a, TW_E_INVAL, "%s", "close the self handle");
    }
}

/* ---- running a matrix iteration ---------------------------------------------------------- */

static void body_matrix(uintptr_t h)
{
    heap = (uint8_t *)h;
    wait_provider();
    make_objects();
    if (m_op != NULL)
        op_matrix(m_op);
    else if (m_sys != NULL)
        sys_matrix(m_sys);
    else
        no_op_matrix();
    probe_objects();
    close_objects();
    stop_provider();
    bodies_done++;
}

/* A task with heap_pages pages of heap (0: none) and one thread running fn(the heap). */
static struct task *new_task_with_thread(const char *name, void (*fn)(uintptr_t), size_t heap_pages)
{
    struct task *t;
    ck_assert_int_eq(task_create(name, strlen(name), 10, &t), TW_OK);
    void *mem = heap_pages > 0 ? task_alloc_region(t, heap_pages) : NULL;
    ck_assert(heap_pages == 0 || mem != NULL);
    ck_assert_int_eq(thread_create(t, fn, (uintptr_t)mem, 10, NULL), TW_OK);
    return t;
}

static void boot_all(void)
{
    add_disk();
    struct k_config cfg = test_cfg(SCHED_RR, 1);
    ck_assert_int_eq(cfg.clock.cost_syscall_ns, COST_SYSCALL_NS);
    boot_cfg(&cfg);
    reset_checks();
    memset(&prov, 0, sizeof(prov));
    memset(cells, 0, sizeof(cells));
    memset(host_static, 0x55, sizeof(host_static));
}

static void run_and_judge(unsigned want_done)
{
    int why = k_run();
    ck_assert_msg(why == TR_END_DONE, "k_run ended with %d", why);
    k_check_invariants();
    judge();
    ck_assert_uint_eq(bodies_done, want_done);
    ck_assert_uint_eq(prov.bad, 0);
    k_teardown();
    k_check_invariants();
    ck_assert_uint_eq(kobj_live_count(), 0);
    host_disks_clear();
}

/* How many cells of each part the table gives op d (NULL: the no-op numbers). */
static void expected_op_cells(const struct tw_op *d, unsigned want[CELL_PARTS])
{
    memset(want, 0, CELL_PARTS * sizeof(want[0]));
    for (int i = 0; i < TW_KIND_COUNT; i++) {
        uint32_t k = 1u << i;
        if ((k & MADE_KINDS) == 0)
            continue;
        if (d == NULL || (d->kinds & k) == 0) {
            want[CELL_NOTSUP]++;
        } else {
            want[CELL_IN_KIND]++;
            want[CELL_UNREACHABLE] += k == TW_KIND_TASK && (d->right | d->arg_right) != 0;
        }
    }
}

START_TEST(test_op_matrix)
{
    m_op = (uint32_t)_i < tw_invoke_op_count ? &tw_invoke_ops[_i] : NULL;
    m_sys = NULL;
    boot_all();
    prov.until_ns = 5ull * 1000 * 1000 * 1000;
    new_task_with_thread("prov", body_provider, 0);
    new_task_with_thread("client", body_matrix, HEAP_PAGES);
    run_and_judge(2);
    unsigned want[CELL_PARTS];
    expected_op_cells(m_op, want);
    for (int p = 0; p < CELL_PARTS; p++)
        ck_assert_msg(marked(p) == want[p], "%s: %u cells \"%s\", the table gives %u",
                      m_op != NULL ? m_op->name : "no op", marked(p), cell_part_name[p], want[p]);
}
END_TEST

START_TEST(test_sys_matrix)
{
    m_op = NULL;
    m_sys = &tw_syscalls[_i];
    boot_all();
    prov.until_ns = 5ull * 1000 * 1000 * 1000;
    new_task_with_thread("prov", body_provider, 0);
    new_task_with_thread("client", body_matrix, HEAP_PAGES);
    run_and_judge(2);
    unsigned n = m_sys->op == TW_SYS_INVOKE ? 0
                 : m_sys->arg[0] == TW_ARG_HANDLE || m_sys->arg[0] == TW_ARG_INOUT
                     ? (unsigned)__builtin_popcount(MADE_KINDS) - (m_sys->op == TW_SYS_CLOSE)
                     : 1;
    ck_assert_msg(marked(CELL_SYS) == n, "%s: %u cells, want %u", m_sys->name, marked(CELL_SYS), n);
}
END_TEST

/* ---- part 3: blocking calls end with a close or a kill ----------------------------------- */

enum how { HOW_CLOSE, HOW_KILL, HOW_NEVER, HOW_UNKNOWN };
static const char *const how_name[] = {"close", "kill", "never blocks", "unknown"};

struct bcell {
    const struct tw_op *d;
    uint32_t kind;
    enum how how;
};

static struct bcell bcells[512];
static unsigned nbcells;

#define T_ACT_NS (2ull * 1000 * 1000) /* when the close or the kill comes */
#define SLACK_NS (20ull * 1000)       /* how soon after it the blocked call must end */

static bool blocks_reading(const struct tw_op *d)
{
    return (d->block & TW_SIG_READABLE) != 0;
}

static bool blocks_writing(const struct tw_op *d)
{
    return (d->block & TW_SIG_WRITABLE) != 0;
}

/*
 * Whether the test can make d block on an object of kind: 1 (make_blocked knows how), 0 (it
 * never blocks there, by design: a port's reply is TW_E_BUSY when the client's ring is
 * full), -1 (no recipe: add one to make_blocked).
 */
static int can_block(const struct tw_op *d, uint32_t kind)
{
    if (kind == TW_KIND_USER)
        return 1; /* the provider is slow */
    if ((d->flags & TW_OPF_SLEEPS) != 0)
        return kind == TW_KIND_TASK ? 1 : -1;
    if (blocks_writing(d)) {
        if (kind == TW_KIND_CHAN || kind == TW_KIND_PIPE)
            return 1;
        if (kind == TW_KIND_PORT)
            return 0;
    } else if (blocks_reading(d)) {
        if (kind == TW_KIND_CHAN || kind == TW_KIND_PORT || kind == TW_KIND_PIPE ||
            kind == TW_KIND_TIMER || kind == TW_KIND_CONSOLE)
            return 1;
    }
    return -1;
}

static void add_bcell(const struct tw_op *d, uint32_t kind, enum how how)
{
    if (nbcells >= K_ARRAY_SIZE(bcells)) { /* outside a test: no ck_assert */
        fprintf(stderr, "test_optable: more than %zu blocking cells\n", K_ARRAY_SIZE(bcells));
        abort();
    }
    bcells[nbcells++] = (struct bcell){d, kind, how};
}

static void add_close_kill(const struct tw_op *d, uint32_t kind)
{
    add_bcell(d, kind, HOW_CLOSE);
    add_bcell(d, kind, HOW_KILL);
}

/* Every blocking (op, kind) cell of the table. */
static void build_bcells(void)
{
    nbcells = 0;
    for (uint32_t i = 0; i < tw_invoke_op_count; i++) {
        const struct tw_op *d = &tw_invoke_ops[i];
        if ((d->flags & TW_OPF_SLEEPS) != 0)
            add_bcell(d, TW_KIND_TASK, HOW_KILL); /* the self handle cannot be closed */
        for (int k = 0; d->block != 0 && k < TW_KIND_COUNT; k++) {
            uint32_t kind = 1u << k;
            if ((d->kinds & kind) == 0 || kind == TW_KIND_USER)
                continue;
            int cb = can_block(d, kind);
            if (cb > 0)
                add_close_kill(d, kind);
            else
                add_bcell(d, kind, cb == 0 ? HOW_NEVER : HOW_UNKNOWN);
        }
        if ((d->kinds & TW_KIND_USER) != 0)
            add_close_kill(d, TW_KIND_USER);
    }
    for (uint32_t i = 0; i < TW_SYS_COUNT; i++) {
        const struct tw_op *s = &tw_syscalls[i];
        for (int k = 0; s->block != 0 && k < TW_KIND_COUNT; k++) {
            uint32_t kind = 1u << k;
            if ((kind & MADE_KINDS) != 0 && kind != TW_KIND_USER && can_block(s, kind) > 0)
                add_close_kill(s, kind);
        }
        if (sys_reaches_provider(s)) {
            if (s->op == TW_SYS_OPEN)
                add_bcell(s, TW_KIND_USER, HOW_KILL); /* no handle yet to close */
            else
                add_close_kill(s, TW_KIND_USER);
        }
    }
}

static const struct bcell *bc; /* this iteration's cell */

static struct {
    int32_t h, extra[2];
    bool reached, returned;
    int64_t r;
    uint64_t t_start, t_end, t_close;
} bs;

static int32_t open_checked(const char *url, uint32_t flags)
{
    int64_t h = open_str(url, flags);
    CHECK(h > 0, "open %s: %s", url, ename(h));
    return h > 0 ? (int32_t)h : -1;
}

/* An object of bc's kind on which bc's call will block; its handle (-1: open, no handle). */
static int32_t make_blocked(const struct bcell *c)
{
    const struct tw_op *d = c->d;
    uint8_t *b = BUF_AT(6);
    int32_t h = -1;
    bs.extra[0] = bs.extra[1] = -1;
    switch (c->kind) {
    case TW_KIND_USER:
        if (d->op == TW_SYS_OPEN && (d->flags & TW_OPF_SYSCALL) != 0) {
            prov.slow_open = true;
            return -1;
        }
        h = open_checked("optest://b", 0);
        prov.slow = true;
        return h;
    case TW_KIND_TASK:
        CHECK_RC(tw_close(TW_HANDLE_SELF), TW_E_INVAL, "%s", "close the self handle");
        return TW_HANDLE_SELF;
    case TW_KIND_CHAN:
        h = open_checked(blocks_writing(d) ? "chan://?pair&cap=1" : "chan://?pair", 0);
        bs.extra[0] = (int32_t)tw_invoke(h, TW_CHAN_TAKE_PEER, 0, 0, 0, 0);
        CHECK(bs.extra[0] > 0, "%s", "take the peer");
        if (blocks_writing(d))
            CHECK_RC(tw_write(h, b, 1), 1, "%s", "fill the peer's ring of 1");
        return h;
    case TW_KIND_PORT:
        h = open_checked("chan://optest-blk?listen", 0);
        if (blocks_writing(d)) { /* a client with a full ring of 1, whose request was read */
            bs.extra[0] = open_checked("chan://optest-blk?cap=1", 0);
            CHECK_RC(tw_write(bs.extra[0], b, 1), 1, "%s", "a request");
            CHECK_RC(tw_read(h, b, 16), 1, "%s", "read the request");
            CHECK_RC(tw_write(h, b, 1), 1, "%s", "the reply fills the client's ring");
        }
        return h;
    case TW_KIND_PIPE:
        h = open_checked("pipe://", 0);
        bs.extra[0] = (int32_t)tw_invoke(h, TW_CHAN_TAKE_PEER, 0, 0, 0, 0);
        CHECK(bs.extra[0] > 0, "%s", "take the peer");
        if (blocks_writing(d))
            CHECK_RC(tw_write(h, b, 2048), 2048, "%s", "fill the peer's ring");
        return h;
    case TW_KIND_TIMER:
        return open_checked("timer://interval:100000/", 0);
    case TW_KIND_CONSOLE:
        return open_checked("console://", 0);
    default:
        CHECK(false, "no way to make %s block on %s", d->name, kname(c->kind));
        return -1;
    }
}

static void body_blocker(uintptr_t mem)
{
    heap = (uint8_t *)mem;
    const struct tw_op *d = bc->d;
    if (bc->kind == TW_KIND_USER)
        wait_provider();
    int32_t h = make_blocked(bc);
    uint64_t a[6];
    valid_args(d, h, a);
    for (uint32_t i = 0; i < nargs(d); i++) {
        if (d->arg[i] == TW_ARG_INT && (d->flags & TW_OPF_SLEEPS) != 0)
            a[i] = 10ull * 1000 * 1000 * 1000; /* 10 s of sleep or work */
        if (d->arg[i] == TW_ARG_INT && d->op == TW_SYS_SEEK && (d->flags & TW_OPF_SYSCALL) != 0)
            a[i] = 0;
    }
    if (d->op == TW_SYS_OPEN && (d->flags & TW_OPF_SYSCALL) != 0) {
        memcpy((void *)(uintptr_t)a[0], "optest://b", 10);
        a[1] = 10;
        a[2] = 0;
    }
    bs.h = h;
    bs.t_start = clock_now();
    bs.reached = true;
    int64_t r = (d->flags & TW_OPF_SYSCALL) != 0 ? tw_syscall(d->op, a)
                                                 : tw_invoke(h, d->op, a[0], a[1], a[2], a[3]);
    bs.t_end = clock_now();
    bs.returned = true;
    bs.r = r;
    const char *k = kname(bc->kind);
    switch (bc->how) {
    case HOW_CLOSE:
        CHECK_RC(r, TW_E_CANCELED, "%s on %s, its handle closed", d->name, k);
        CHECK(bs.t_close > 0 && bs.t_end >= bs.t_close && bs.t_end - bs.t_close <= SLACK_NS,
              "%s on %s: ended at %" PRIu64 " ns, the close was at %" PRIu64 " ns", d->name, k,
              bs.t_end, bs.t_close);
        break;
    case HOW_NEVER:
        CHECK_RC(r, TW_E_BUSY, "%s on %s (never waits)", d->name, k);
        CHECK(bs.t_end - bs.t_start < SLACK_NS, "%s on %s waited", d->name, k);
        CHECK_RC(tw_close(h), TW_OK, "%s", "close");
        break;
    default:
        CHECK(false, "%s on %s returned %s in a killed task", d->name, k, ename(r));
    }
    for (int i = 0; i < 2; i++)
        if (bs.extra[i] > 0)
            CHECK_RC(tw_close(bs.extra[i]), TW_OK, "%s", "close the other end");
    /* The task still works. */
    int32_t p = open_checked("chan://?pair", TW_O_NONBLOCK);
    CHECK_RC(tw_invoke(p, TW_CHAN_PENDING, 0, 0, 0, 0), 0, "%s", "after: pending");
    CHECK_RC(tw_close(p), TW_OK, "%s", "after: close");
    bodies_done++;
}

static void body_closer(uintptr_t unused)
{
    (void)unused;
    uint64_t now = clock_now();
    CHECK(now < T_ACT_NS, "set up too slowly: %" PRIu64 " ns", now);
    tw_sleep_ns(T_ACT_NS - now);
    CHECK(bs.reached && !bs.returned, "%s on %s did not block (%s at %" PRIu64 " ns)", bc->d->name,
          kname(bc->kind), ename(bs.r), bs.t_end);
    bs.t_close = clock_now();
    CHECK_RC(tw_close(bs.h), TW_OK, "%s", "close the blocked call's handle");
    bodies_done++;
}

START_TEST(test_blocking)
{
    bc = &bcells[_i];
    printf("blocking cell %d: %s on %s, %s\n", _i, bc->d->name, kname(bc->kind), how_name[bc->how]);
    ck_assert_msg(bc->how != HOW_UNKNOWN,
                  "%s blocks on %s: add a way to make it block to make_blocked (can_block)",
                  bc->d->name, kname(bc->kind));
    boot_all();
    memset(&bs, 0, sizeof(bs));
    prov.until_ns = 700ull * 1000 * 1000;
    unsigned want_done = 0;
    if (bc->kind == TW_KIND_USER) {
        new_task_with_thread("prov", body_provider, 0);
        want_done++;
    }
    struct task *t = new_task_with_thread("client", body_blocker, HEAP_PAGES);
    if (bc->how == HOW_CLOSE) {
        ck_assert_int_eq(thread_create(t, body_closer, 0, 10, NULL), TW_OK);
        want_done += 2;
    } else if (bc->how == HOW_KILL) {
        ck_assert_int_eq(fault_schedule(FAULT_KILL, T_ACT_NS, t->id), TW_OK);
    } else {
        want_done++;
    }
    int why = k_run();
    ck_assert_msg(why == TR_END_DONE, "k_run ended with %d", why);
    k_check_invariants();
    judge();
    if (bc->how == HOW_KILL) {
        ck_assert_msg(bs.reached && !bs.returned, "%s on %s: returned %s at %" PRIu64 " ns",
                      bc->d->name, kname(bc->kind), ename(bs.r), bs.t_end);
        ck_assert(t->exited && t->killed && t->exit_status == TW_EXIT_KILLED);
        ck_assert_msg(t->end_time >= T_ACT_NS && t->end_time - T_ACT_NS <= SLACK_NS,
                      "%s on %s: the killed task ended at %" PRIu64 " ns, the kill was at %" PRIu64
                      " ns",
                      bc->d->name, kname(bc->kind), t->end_time, (uint64_t)T_ACT_NS);
    }
    ck_assert_uint_eq(bodies_done, want_done);
    ck_assert_uint_eq(prov.bad, 0);
    k_teardown();
    k_check_invariants();
    ck_assert_uint_eq(kobj_live_count(), 0);
    host_disks_clear();
}
END_TEST

/* ---- the suite --------------------------------------------------------------------------- */

/* What each part checks, from the table (each iteration asserts its own share). */
static void print_cells(void)
{
    unsigned part2[CELL_PARTS] = {0}, want[CELL_PARTS], nsys = 0, hows[4] = {0};
    for (uint32_t i = 0; i <= tw_invoke_op_count; i++) {
        expected_op_cells(i < tw_invoke_op_count ? &tw_invoke_ops[i] : NULL, want);
        for (int p = 0; p < CELL_PARTS; p++)
            part2[p] += want[p];
    }
    for (uint32_t i = 0; i < TW_SYS_COUNT; i++) {
        const struct tw_op *s = &tw_syscalls[i];
        nsys += s->op == TW_SYS_INVOKE ? 0
                : s->arg[0] == TW_ARG_HANDLE || s->arg[0] == TW_ARG_INOUT
                    ? (unsigned)__builtin_popcount(MADE_KINDS) - (s->op == TW_SYS_CLOSE)
                    : 1;
    }
    for (unsigned i = 0; i < nbcells; i++)
        hows[bcells[i].how]++;
    printf("optable: part 1: %u invoke ops, %u system calls; part 2: %u (op, kind) cells "
           "not in kinds, %u in kinds (%u of them with the task handle's rights unreachable), "
           "%u (system call, kind) cells; part 3: %u blocking cells (%u close, %u kill, %u "
           "never block, %u unknown)\n",
           tw_invoke_op_count, TW_SYS_COUNT, part2[CELL_NOTSUP], part2[CELL_IN_KIND],
           part2[CELL_UNREACHABLE], nsys, nbcells, hows[HOW_CLOSE], hows[HOW_KILL], hows[HOW_NEVER],
           hows[HOW_UNKNOWN]);
}

static Suite *optable_suite(void)
{
    build_bcells();
    Suite *s = suite_create("optable");
    TCase *tc = tcase_create("table");
    tcase_add_test(tc, test_table_static);
    suite_add_tcase(s, tc);
    tc = tcase_create("op-matrix");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_op_matrix, 0, (int)tw_invoke_op_count + 1);
    suite_add_tcase(s, tc);
    tc = tcase_create("sys-matrix");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_sys_matrix, 0, TW_SYS_COUNT);
    suite_add_tcase(s, tc);
    tc = tcase_create("blocking");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_blocking, 0, (int)nbcells);
    suite_add_tcase(s, tc);
    return s;
}

/* The FAT image every matrix iteration opens: a.txt ("alpha\n") and a directory sub. */
static int make_image(void)
{
    snprintf(img_dir, sizeof(img_dir), "/tmp/twain-optable-XXXXXX");
    if (mkdtemp(img_dir) == NULL)
        return -1;
    snprintf(img_path, sizeof(img_path), "%s/v.img", img_dir);
    char cmd[1200];
    snprintf(cmd, sizeof(cmd),
             "export PATH=\"$PATH:/usr/sbin:/sbin\" MTOOLS_SKIP_CHECK=1; cd '%s' && "
             "mkfs.fat -C -F 12 v.img 1440 >/dev/null && printf 'alpha\\n' > a && "
             "mcopy -i v.img a ::/a.txt && mmd -i v.img ::/sub",
             img_dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    if (make_image() != 0) {
        fprintf(stderr, "test_optable: cannot make the FAT image (mkfs.fat, mtools)\n");
        return EXIT_FAILURE;
    }
    SRunner *sr = srunner_create(optable_suite());
    print_cells();
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", img_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "test_optable: cannot remove %s\n", img_dir);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
