/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz_scenario_bin.c - libFuzzer target for the compiled-scenario decoder
 * (user/scenario_decode.c): arbitrary bytes as a blob.
 *
 * Invariants: scn_decode never reads outside the input (ASan, exact-size copy) and
 * explains every rejection; a blob it accepts can be walked (scn_cursor, every script and
 * spawn body, repeat bodies at most twice) with every instruction's step id, slots and
 * string inside their limits, and set up as a task (scn_task_setup) for every task.
 * Links: the Twain library.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/abi.h"
#include "../../user/scenario.h"
#include "../../user/scenario_bc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define WALK_MAX_STEPS 200000u

static bool slot_ok(uint8_t s, bool self_ok)
{
    return s < SCN_MAX_SLOTS || (self_ok && s == SCN_SLOT_SELF) || s == SCN_SLOT_NONE;
}

static void check_insn(const struct scn_insn *in, uint32_t nsteps, uint32_t nspawn, uint32_t stl)
{
    if (in->step >= nsteps || in->op == 0 || in->op >= SCN_OP_COUNT)
        abort();
    if (!slot_ok(in->slot, true) || !slot_ok(in->as, false))
        abort();
    if (in->str.off > stl || in->str.len > stl - in->str.off)
        abort();
    if (in->str2.off > stl || in->str2.len > stl - in->str2.off)
        abort();
    if (in->str2.len != 0 && in->op != SCN_OP_INVOKE)
        abort(); /* only invoke carries a second buffer */
    uint32_t max_n = in->op == SCN_OP_POLL ? SCN_MAX_POLL
                     : in->op == SCN_OP_SPAWN_TASK || in->op == SCN_OP_TASK_CHILDREN
                         ? SCN_MAX_TASK_HANDLES /* a spawn moves, task_children binds, up to 8 */
                         : SCN_MAX_XFER;
    if (in->n > max_n)
        abort();
    for (uint32_t i = 0; i < in->n; i++) {
        if (!slot_ok(in->hs[i], in->op == SCN_OP_POLL) || in->hs[i] == SCN_SLOT_NONE)
            abort();
    }
    if (in->op == SCN_OP_SPAWN && in->index >= nspawn)
        abort();
    if ((in->flags & SCN_F_EXPECT_ERR) != 0 && (in->expect_err >= 0 || in->expect_err < TW_ERR_MIN))
        abort();
}

/* Walk one script; queue the spawn bodies not seen yet. Returns instructions walked. */
static uint32_t walk(const struct scn_view *v, uint32_t task, uint32_t off, uint32_t len,
                     bool *seen, uint32_t *queue, uint32_t *nqueue)
{
    uint32_t nsteps, nspawn, stl, n = 0;
    struct scn_cursor cur;
    struct scn_insn in;
    scn_task_counts(v, task, &nsteps, &nspawn);
    scn_strtab(v, &stl);
    scn_cursor_init(&cur, v, off, len, 2);
    while (n < WALK_MAX_STEPS && scn_cursor_next(&cur, &in)) {
        n++;
        check_insn(&in, nsteps, nspawn, stl);
        if (cur.pc > off + len || cur.depth > SCN_MAX_DEPTH)
            abort();
        if (in.op != SCN_OP_SPAWN || seen[in.index])
            continue;
        seen[in.index] = true;
        queue[(*nqueue)++] = cur.pc - in.body_len;
        queue[(*nqueue)++] = in.body_len;
    }
    return n;
}

static void walk_task(const struct scn_view *v, uint32_t task)
{
    uint32_t nsteps, nspawn, nqueue = 0;
    scn_task_counts(v, task, &nsteps, &nspawn);
    bool *seen = calloc(nspawn + 1, sizeof(bool));
    uint32_t *queue = calloc(2 * (size_t)nspawn + 2, sizeof(uint32_t));
    if (seen == NULL || queue == NULL)
        abort();
    walk(v, task, v->tasks[task].code_off, v->tasks[task].code_len, seen, queue, &nqueue);
    for (uint32_t i = 0; i < nqueue; i += 2) /* bodies queue their own spawns */
        walk(v, task, queue[i], queue[i + 1], seen, queue, &nqueue);
    free(seen);
    free(queue);
}

static void setup_tasks(const uint8_t *blob, size_t len, const struct scn_view *v)
{
    size_t need = scn_task_heap_need(len), extra = 0;
    for (uint32_t t = 0; t < v->ntasks; t++) /* thread tables and raw heaps */
        extra = scn_task_heap_extra(v, t) > extra ? scn_task_heap_extra(v, t) : extra;
    need += extra;
    void *heap = malloc(need);
    if (heap == NULL)
        abort();
    for (uint32_t t = 0; t < v->ntasks; t++) {
        uintptr_t arg = 0;
        if (scn_task_setup(heap, need, blob, len, t, &arg) != 0 || arg == 0)
            abort();
    }
    free(heap);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct scn_view v;
    struct scn_error e;
    uint8_t *blob = malloc(size + 1); /* exact size: any overread is an ASan report */
    if (blob == NULL)
        return 0;
    memcpy(blob, data, size);
    if (scn_decode(blob, size, &v, &e) != 0) {
        if (e.msg[0] == '\0' || (e.offset > size && e.offset > SCN_HDR_SIZE))
            abort();
        free(blob);
        return 0;
    }
    for (uint32_t t = 0; t < v.ntasks; t++)
        walk_task(&v, t);
    setup_tasks(blob, size, &v);
    free(blob);
    return 0;
}
