/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_viz.c - unit tests of viz/ (Check, forked mode): the trace index
 * (states, sums against a brute-force walk over random schedules, galloping hints,
 * arrows, console lines, feeding in pieces, running out of memory), time formatting, the
 * pixel <-> time mappings and zoom, line clipping, and a rendered frame's pixels.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../viz/arena.h"
#include "../../viz/describe.h"
#include "../../viz/fb.h"
#include "../../viz/fmt.h"
#include "../../viz/index.h"
#include "../../viz/layout.h"
#include "../../viz/render.h"

/* ---- helpers ---------------------------------------------------------------------------- */

static int fail_after = -1; /* allocations left before the allocator fails (-1: never) */

static void *test_resize(void *ctx, void *p, size_t old_size, size_t new_size)
{
    (void)ctx;
    (void)old_size;
    if (new_size == 0) {
        free(p);
        return NULL;
    }
    if (fail_after == 0)
        return NULL;
    if (fail_after > 0)
        fail_after--;
    return realloc(p, new_size);
}

static const struct viz_alloc alloc = {.resize = test_resize};

struct recs {
    struct trace_rec r[4096];
    size_t n;
};

static void add(struct recs *t, uint64_t time, uint32_t type, uint32_t tid, uint64_t a, uint64_t b,
                uint64_t c)
{
    ck_assert_uint_lt(t->n, 4096);
    t->r[t->n++] =
        (struct trace_rec){.time = time, .type = type, .tid = tid, .a = a, .b = b, .c = c};
}

static uint64_t name8(const char *s)
{
    uint64_t v = 0;
    memcpy(&v, s, strnlen(s, 8));
    return v;
}

/*
 * A small run: task 1 "server" (t1), task 2 "client" (t2, and t3 started later).
 *   0: t1 runs; 10: t1 blocks on obj 7 (read); t2 runs; 20: t2 sends msg 1 to t1, t1 woken;
 *   25: t2 preempted, t1 runs; 30: t1 receives msg 1; 40: t1 exits; t2 runs; 50: t3 starts.
 */
static void small_run(struct recs *t)
{
    t->n = 0;
    add(t, 0, TR_BOOT, 0, 1, 0, 64);
    add(t, 0, TR_TASK_START, 0, 1, 10, name8("server"));
    add(t, 0, TR_THREAD_START, 0, 1, 1, 10);
    add(t, 0, TR_TASK_START, 0, 2, 10, name8("client"));
    add(t, 0, TR_THREAD_START, 0, 2, 2, 10);
    add(t, 0, TR_SWITCH, 0, 0, 1, TW_WHY_START);
    add(t, 10, TR_SYSCALL, 1, 2, 1, 256);
    add(t, 10, TR_BLOCK, 1, 7, (1ull << 32) | 1, UINT64_MAX);
    add(t, 10, TR_SWITCH, 1, 1, 2, TW_WHY_BLOCK);
    add(t, 20, TR_IPC_SEND, 2, 1, (7ull << 32) | 4, 0);
    add(t, 20, TR_WAKE, 2, 1, 0, 0);
    add(t, 25, TR_SWITCH, 2, 2, 1, TW_WHY_PREEMPT);
    add(t, 30, TR_IPC_RECV, 1, 1, (7ull << 32) | 4, 0);
    add(t, 30, TR_SYSRET, 1, 2, 4, 0);
    add(t, 35, TR_CONSOLE, 1, 12, name8("hi\nthere"), name8(" you"));
    add(t, 40, TR_THREAD_EXIT, 1, 1, 1, 0);
    add(t, 40, TR_SWITCH, 1, 1, 2, TW_WHY_EXIT);
    add(t, 50, TR_THREAD_START, 2, 3, 2, 10);
    add(t, 60, TR_END, 0, 0, 2, 0);
}

/* ---- index ------------------------------------------------------------------------------ */

START_TEST(test_index_small_run)
{
    static struct recs t;
    struct viz_index ix;
    small_run(&t);
    viz_index_init(&ix, &alloc);
    ck_assert(viz_index_feed(&ix, t.r, t.n));
    ck_assert_uint_eq(ix.nlanes, 3);
    ck_assert_uint_eq(ix.ntasks, 2);
    ck_assert_str_eq(ix.tasks[0].name, "server");
    ck_assert_uint_eq(ix.order[0], 0); /* (task 1, t1), (task 2, t2), (task 2, t3) */
    ck_assert_uint_eq(ix.order[1], 1);
    ck_assert_uint_eq(ix.order[2], 2);
    const struct viz_lane *l1 = viz_lane_of_tid(&ix, 1);
    /* t1: run [0,10) blocked [10,20) ready [20,25) run [25,40) gone */
    ck_assert_uint_eq(l1->niv, 5);
    uint8_t want[] = {VIZ_RUN, VIZ_BLOCKED, VIZ_READY, VIZ_RUN, VIZ_GONE};
    uint64_t at[] = {0, 10, 20, 25, 40};
    for (int i = 0; i < 5; i++) {
        ck_assert_uint_eq(l1->iv[i].state, want[i]);
        ck_assert_uint_eq(l1->iv[i].t0, at[i]);
    }
    ck_assert_uint_eq(ix.recs[l1->iv[1].rec].type, TR_BLOCK); /* blocked points at its block */
    ck_assert_uint_eq(l1->iv[2].why, VIZ_WHY_WOKEN);
    ck_assert_uint_eq(viz_lane_find(l1, 12), 1);
    ck_assert_uint_eq(viz_iv_end(&ix, l1, 1), 20);
    ck_assert_uint_eq(l1->switches, 2);
    ck_assert_uint_eq(l1->max_latency, 5);
    uint32_t hint = UINT32_MAX;
    struct viz_sums s = viz_lane_sum(l1, 60, &hint);
    ck_assert_uint_eq(s.run, 25);
    ck_assert_uint_eq(s.ready, 5);
    ck_assert_uint_eq(s.blocked, 10);
    ck_assert_uint_eq(ix.narrows, 1);
    ck_assert_uint_eq(ix.arrows[0].t_send, 20);
    ck_assert_uint_eq(ix.arrows[0].t_recv, 30);
    ck_assert_uint_eq(ix.arrows[0].from, 1);
    ck_assert_uint_eq(ix.arrows[0].to, 0);
    ck_assert_uint_eq(ix.nclines, 2); /* "hi" and "there you" (still open) */
    ck_assert_int_eq(memcmp(ix.con + ix.clines[1].off, "there yo", 8), 0);
    ck_assert(ix.ended);
    viz_index_free(&ix);
}
END_TEST

/* Random schedules over 4 threads; sums from the index equal a walk over the records. */
static void random_run(struct recs *t, unsigned seed)
{
    srand(seed);
    t->n = 0;
    add(t, 0, TR_TASK_START, 0, 1, 0, name8("a"));
    for (uint32_t k = 1; k <= 4; k++)
        add(t, 0, TR_THREAD_START, 0, k, 1, 0);
    uint32_t cur = 0, state[5] = {0, 1, 1, 1, 1}; /* 1 ready, 2 run, 3 blocked */
    uint64_t now = 0;
    for (int i = 0; i < 1000; i++) {
        now += (uint64_t)(rand() % 50);
        uint32_t k = 1 + (uint32_t)(rand() % 4);
        if (state[k] == 3) {
            add(t, now, TR_WAKE, cur, k, 0, 0);
            state[k] = 1;
        } else if (state[k] == 1 && cur != k) {
            uint32_t why = rand() % 2 ? TW_WHY_BLOCK : TW_WHY_PREEMPT;
            add(t, now, TR_SWITCH, cur, cur, k, cur == 0 ? TW_WHY_START : why);
            if (cur != 0)
                state[cur] = why == TW_WHY_BLOCK ? 3 : 1;
            state[k] = 2;
            cur = k;
        }
    }
}

static void brute_sums(const struct recs *t, uint32_t tid, uint64_t upto, uint64_t *out)
{
    uint32_t st = 0;
    uint64_t since = 0;
    out[1] = out[2] = out[3] = 0;
    for (size_t i = 0; i < t->n && t->r[i].time <= upto; i++) {
        const struct trace_rec *r = &t->r[i];
        uint32_t ns = st;
        if (r->type == TR_THREAD_START && r->a == tid)
            ns = 1;
        else if (r->type == TR_WAKE && r->a == tid && st == 3)
            ns = 1;
        else if (r->type == TR_SWITCH && r->b == tid)
            ns = 2;
        else if (r->type == TR_SWITCH && r->a == tid)
            ns = r->c == TW_WHY_BLOCK ? 3 : 1;
        if (ns != st) {
            if (st != 0)
                out[st] += r->time - since;
            since = r->time;
            st = ns;
        }
    }
    if (st != 0)
        out[st] += upto - since;
}

START_TEST(test_index_sums_match_brute_force)
{
    static struct recs t;
    struct viz_index ix;
    random_run(&t, (unsigned)_i + 1);
    viz_index_init(&ix, &alloc);
    ck_assert(viz_index_feed(&ix, t.r, t.n));
    for (uint32_t tid = 1; tid <= 4; tid++) {
        const struct viz_lane *l = viz_lane_of_tid(&ix, tid);
        uint32_t hint = UINT32_MAX, hint2 = UINT32_MAX;
        for (uint64_t q = 0; q <= ix.t_last; q += 1 + (uint64_t)(rand() % 97)) {
            uint64_t want[4];
            brute_sums(&t, tid, q, want);
            struct viz_sums s = viz_lane_sum(l, q, &hint); /* walking upwards: galloping */
            uint32_t h = UINT32_MAX;
            struct viz_sums c = viz_lane_sum(l, q, &h); /* cold: binary search */
            ck_assert_uint_eq(s.run, want[2]);
            ck_assert_uint_eq(s.ready, want[1]);
            ck_assert_uint_eq(s.blocked, want[3]);
            ck_assert_uint_eq(c.run, s.run);
            /* a hint from anywhere, even ahead of q, gives the same answer */
            uint64_t back = q / 3;
            struct viz_sums b = viz_lane_sum(l, back, &hint2);
            brute_sums(&t, tid, back, want);
            ck_assert_uint_eq(b.run, want[2]);
        }
    }
    viz_index_free(&ix);
}
END_TEST

START_TEST(test_index_fed_in_pieces_equals_whole)
{
    static struct recs t;
    struct viz_index whole, parts;
    random_run(&t, 7);
    viz_index_init(&whole, &alloc);
    viz_index_init(&parts, &alloc);
    viz_index_feed(&whole, t.r, t.n);
    struct trace_rec *moving = NULL;
    for (size_t n = 0; n < t.n;) { /* the caller's array grows and moves, as in live mode */
        n += 1 + (size_t)(rand() % 7);
        n = n > t.n ? t.n : n;
        moving = realloc(moving, n * sizeof(*moving));
        memcpy(moving, t.r, n * sizeof(*moving));
        viz_index_feed(&parts, moving, n);
    }
    ck_assert_uint_eq(whole.nlanes, parts.nlanes);
    for (uint32_t i = 0; i < whole.nlanes; i++) {
        ck_assert_uint_eq(whole.lanes[i].niv, parts.lanes[i].niv);
        ck_assert_int_eq(memcmp(whole.lanes[i].iv, parts.lanes[i].iv,
                                whole.lanes[i].niv * sizeof(struct viz_iv)),
                         0);
    }
    viz_index_free(&whole);
    viz_index_free(&parts);
    free(moving);
}
END_TEST

START_TEST(test_index_out_of_memory)
{
    static struct recs t;
    struct viz_index ix;
    random_run(&t, 3);
    fail_after = _i; /* fail the _i-th allocation */
    viz_index_init(&ix, &alloc);
    bool ok = viz_index_feed(&ix, t.r, t.n);
    ck_assert(!ok);
    ck_assert(ix.oom);
    ck_assert_uint_lt(ix.nrecs, t.n);
    /* what was indexed stays usable: queries and a frame do not crash */
    uint32_t pix[200 * 120];
    struct viz_fb fb;
    struct viz_layout L;
    struct viz_view v = {0};
    struct viz_status st = {0};
    viz_fb_init(&fb, pix, 200, 120, 200);
    viz_layout_compute(&L, 200, 120, ix.nlanes);
    viz_view_fit(&v, &ix);
    viz_render(&fb, &L, &ix, &v, &st);
    ck_assert(!viz_index_feed(&ix, t.r, t.n)); /* stays stopped */
    fail_after = -1;
    viz_index_free(&ix);
}
END_TEST

START_TEST(test_index_in_an_arena)
{
    static struct recs t;
    static uint8_t mem[1 << 20];
    struct viz_index in_arena, on_heap;
    struct viz_arena a;
    random_run(&t, 11);
    viz_arena_init(&a, mem + 3, sizeof(mem) - 3); /* unaligned on purpose */
    struct viz_alloc al = viz_arena_alloc(&a);
    viz_index_init(&in_arena, &al);
    viz_index_init(&on_heap, &alloc);
    ck_assert(viz_index_feed(&in_arena, t.r, t.n));
    viz_index_feed(&on_heap, t.r, t.n);
    for (uint32_t i = 0; i < on_heap.nlanes; i++)
        ck_assert_int_eq(memcmp(in_arena.lanes[i].iv, on_heap.lanes[i].iv,
                                on_heap.lanes[i].niv * sizeof(struct viz_iv)),
                         0);
    ck_assert_uint_le(a.used, 2 * viz_index_bytes(&on_heap) + 4096);
    /* too small an arena: the index stops growing, nothing is written past it */
    struct viz_index small;
    viz_arena_init(&a, mem, 2048);
    mem[2048] = 0xa5;
    al = viz_arena_alloc(&a);
    viz_index_init(&small, &al);
    ck_assert(!viz_index_feed(&small, t.r, t.n));
    ck_assert_uint_eq(mem[2048], 0xa5);
    viz_index_free(&in_arena);
    viz_index_free(&on_heap);
}
END_TEST

/* ---- formatting ------------------------------------------------------------------------- */

START_TEST(test_fmt_time)
{
    char b[32];
    const struct {
        uint64_t ns;
        const char *want, *want3;
    } cases[] = {
        {0, "0 ns", "0 ns"},
        {999, "999 ns", "999 ns"},
        {1000, "1 us", "1.00 us"},
        {95100, "95.1 us", "95.1 us"},
        {1005007, "1.005 ms", "1.00 ms"},
        {604012, "604.012 us", "604 us"},
        {55048048, "55.048 ms", "55.0 ms"},
        {3000000000ull, "3 s", "3.00 s"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        viz_fmt_time(b, sizeof(b), cases[i].ns);
        ck_assert_str_eq(b, cases[i].want);
        viz_fmt_time3(b, sizeof(b), cases[i].ns);
        ck_assert_str_eq(b, cases[i].want3);
    }
    viz_fmt_fixed(b, sizeof(b), 1234567, 1000000, 2);
    ck_assert_str_eq(b, "1.23 ms");
    viz_fmt_fixed(b, sizeof(b), 5, 1000000000, 9);
    ck_assert_str_eq(b, "0.000000005 s");
    viz_fmt_signals(b, sizeof(b), 1 | 4);
    ck_assert_str_eq(b, "readable|peer_closed");
    ck_assert_str_eq(viz_error_name(-7), "timed out");
    ck_assert_str_eq(viz_invoke_name(0x103), "sleep");
}
END_TEST

/* ---- layout and drawing ----------------------------------------------------------------- */

START_TEST(test_layout_mappings_and_zoom)
{
    struct viz_layout L;
    struct viz_view v = {.t0 = 100000, .span = 1000000};
    viz_layout_compute(&L, 1280, 800, 6);
    ck_assert_int_gt(L.plot_x1, L.plot_x0);
    ck_assert_int_ge(L.lanes_fit, 6);
    for (int x = L.plot_x0; x < L.plot_x1; x += 37) {
        uint64_t t = viz_t_of(&L, &v, x);
        ck_assert_int_eq(viz_x_of(&L, &v, t), x); /* t_of then x_of is the same column */
    }
    ck_assert_int_lt(viz_x_of(&L, &v, 0), L.plot_x0);
    ck_assert_int_gt(viz_x_of(&L, &v, UINT64_MAX), L.plot_x1); /* no overflow */
    int x = L.plot_x0 + 300;
    uint64_t at = viz_t_of(&L, &v, x);
    viz_view_zoom(&v, &L, x, 1, 4);
    ck_assert_uint_eq(v.span, 250000);
    uint64_t now_at = viz_t_of(&L, &v, x), px = v.span / (uint64_t)(L.plot_x1 - L.plot_x0);
    ck_assert_uint_le(now_at > at ? now_at - at : at - now_at, px + 1); /* stays under x */
    for (int i = 0; i < 100; i++)
        viz_view_zoom(&v, &L, x, 1, 2);
    ck_assert_uint_eq(v.span, VIZ_MIN_SPAN);
    for (int i = 0; i < 100; i++)
        viz_view_zoom(&v, &L, x, 2, 1);
    ck_assert_uint_eq(v.span, VIZ_MAX_SPAN);
}
END_TEST

START_TEST(test_line_clipping_stays_inside)
{
    enum { W = 64, H = 48, G = 16 };
    static uint32_t buf[(H + 2 * G) * (W + 2 * G)];
    memset(buf, 0, sizeof(buf));
    struct viz_fb fb;
    viz_fb_init(&fb, buf + G * (W + 2 * G) + G, W, H, W + 2 * G);
    viz_fb_clip(&fb, 4, 4, W - 4, H - 4);
    viz_line(&fb, -1000000, -5, 1000000, H + 7, 0xffffff);
    viz_line(&fb, 10, -100000, 12, 100000, 0xffffff);
    viz_line(&fb, -50, -50, -10, -10, 0xffffff); /* entirely outside */
    viz_fill(&fb, -10, -10, 1000, 1000, 0x123456);
    for (int y = 0; y < H + 2 * G; y++)
        for (int x = 0; x < W + 2 * G; x++) {
            bool inside = x >= G + 4 && x < G + W - 4 && y >= G + 4 && y < G + H - 4;
            if (!inside)
                ck_assert_uint_eq(buf[y * (W + 2 * G) + x], 0);
        }
}
END_TEST

START_TEST(test_render_pixels)
{
    static struct recs t;
    static uint32_t pix[1000 * 600];
    struct viz_index ix;
    small_run(&t);
    viz_index_init(&ix, &alloc);
    viz_index_feed(&ix, t.r, t.n);
    struct viz_fb fb;
    struct viz_layout L;
    struct viz_view v = {0};
    struct viz_status st = {.title = "unit"};
    viz_fb_init(&fb, pix, 1000, 600, 1000);
    viz_layout_compute(&L, 1000, 600, ix.nlanes);
    viz_view_fit(&v, &ix);
    v.has_sel = true;
    v.sel_lane = 0;
    v.sel_iv = 1;
    viz_render(&fb, &L, &ix, &v, &st);
    /* t1 runs in [25, 40): the middle of that stretch in t1's lane is the running colour */
    int x = (int)viz_x_of(&L, &v, 32), y = viz_lane_mid(&L, &v, 0);
    ck_assert_uint_eq(viz_get(&fb, x, y), VIZ_C_RUN);
    /* t2 is ready in [25, 40) (away from the slice's centred "ready" label) */
    x = (int)viz_x_of(&L, &v, 27);
    ck_assert_uint_eq(viz_get(&fb, x, viz_lane_mid(&L, &v, 1)), VIZ_C_READY);
    /* the message from t2 (20) to t1 (30): both ends are the arrow colour */
    ck_assert_uint_eq(viz_get(&fb, (int)viz_x_of(&L, &v, 20), viz_lane_mid(&L, &v, 1)),
                      VIZ_C_ARROW);
    ck_assert_uint_eq(viz_get(&fb, (int)viz_x_of(&L, &v, 30), viz_lane_mid(&L, &v, 0)),
                      VIZ_C_ARROW);
    /* the details of the selected blocked slice name the object and the signals */
    struct viz_text d;
    viz_describe(&ix, 0, 1, &d);
    bool found = false;
    for (uint32_t i = 0; i < d.n; i++)
        found |= strstr(d.line[i], "object 7 for readable") != NULL;
    ck_assert(found);
    viz_index_free(&ix);
}
END_TEST

static Suite *viz_suite(void)
{
    Suite *s = suite_create("viz");
    TCase *tc = tcase_create("index");
    tcase_add_test(tc, test_index_small_run);
    tcase_add_loop_test(tc, test_index_sums_match_brute_force, 0, 8);
    tcase_add_test(tc, test_index_fed_in_pieces_equals_whole);
    tcase_add_loop_test(tc, test_index_out_of_memory, 0, 12);
    tcase_add_test(tc, test_index_in_an_arena);
    suite_add_tcase(s, tc);
    tc = tcase_create("text");
    tcase_add_test(tc, test_fmt_time);
    suite_add_tcase(s, tc);
    tc = tcase_create("draw");
    tcase_add_test(tc, test_layout_mappings_and_zoom);
    tcase_add_test(tc, test_line_clipping_stays_inside);
    tcase_add_test(tc, test_render_pixels);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(viz_suite());
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
