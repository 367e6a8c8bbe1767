/* SPDX-License-Identifier: MIT */
/*
 * sim-harness/run.c - `twain run` and `twain check`, over one shared run_scenario(); check
 * also counts each seed's requests and kills (req_count.c).
 */
#include "run.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/invariants.h"
#include "../core/kernel.h"
#include "../core/task.h"
#include "args.h"
#include "commands.h"
#include "gui.h"
#include "req_count.h"
#include "screenshot.h"
#include "timeline.h"
#include "trace_file.h"

/* Where the kernel's records go during one run. */
struct sink {
    struct trace_writer *writer;
    struct run_result *r;
    bool collect;
    size_t cap;
    host_trace_fn extra_fn;
    void *extra_ctx;
};

static void sink_fn(void *ctx, const void *records, size_t len)
{
    struct sink *s = ctx;
    const struct trace_rec *rec = records;
    size_t n = len / sizeof(*rec);
    if (s->writer != NULL)
        trace_writer_sink(s->writer, records, len);
    if (s->extra_fn != NULL)
        s->extra_fn(s->extra_ctx, records, len);
    for (size_t i = 0; i < n; i++)
        if (rec[i].type == TR_EXPECT_FAIL && s->r->nfails < RUN_MAX_FAILS) {
            s->r->fails[s->r->nfails].task_id = (uint32_t)rec[i].a;
            s->r->fails[s->r->nfails].step = (uint32_t)rec[i].b;
            s->r->nfails++;
        }
    if (!s->collect)
        return;
    if (s->r->nrecs + n > s->cap) {
        s->cap = (s->r->nrecs + n) * 2;
        s->r->recs = realloc(s->r->recs, s->cap * sizeof(*rec));
        if (s->r->recs == NULL) {
            fprintf(stderr, "twain: out of memory collecting the trace\n");
            exit(2);
        }
    }
    memcpy(s->r->recs + s->r->nrecs, rec, n * sizeof(*rec));
    s->r->nrecs += n;
}

static void discard_console(void *ctx, const char *bytes, size_t len)
{
    (void)ctx;
    (void)bytes;
    (void)len;
}

/* The scenario's disks, loaded before boot (relative paths: from the current directory). */
static int add_disks(const struct scn_compiled *c)
{
    host_disks_clear();
    for (uint32_t i = 0; i < c->ndisks; i++) {
        char err[600];
        if (host_disk_add_file(c->disks[i].name, c->disks[i].path, c->disks[i].write_through, err,
                               sizeof(err)) != 0) {
            fprintf(stderr, "twain: %s\n", err);
            host_disks_clear();
            return -1;
        }
    }
    return 0;
}

int run_scenario(const struct scn_compiled *c, const struct run_opts *o, struct run_result *r)
{
    memset(r, 0, sizeof(*r));
    struct trace_writer writer;
    struct sink s = {
        .r = r, .collect = o->collect, .extra_fn = o->extra_fn, .extra_ctx = o->extra_ctx};
    struct scn_view view;
    struct scn_error err;
    struct scn_boot_options bo = {.seed_override = o->seed_override,
                                  .seed = o->seed,
                                  .trace_sink = true,
                                  .pool_pages = o->pool_pages,
                                  .trace_batch = o->trace_batch};
    if (scn_decode(c->blob, c->len, &view, &err) != 0) {
        fprintf(stderr, "twain: compiled scenario rejected at byte %u: %s\n", err.offset, err.msg);
        return r->rc = 2;
    }
    r->seed = o->seed_override ? o->seed : view.config.seed;
    if (add_disks(c) != 0)
        return r->rc = 2;
    if (o->record_path != NULL) {
        if (trace_writer_open(&writer, o->record_path, r->seed, c->text, c->text_len) != 0)
            return r->rc = 2;
        s.writer = &writer;
    }
    host_set_pool_pages(o->pool_pages != 0 ? o->pool_pages : view.config.pool_pages);
    host_set_trace_sink(sink_fn, &s);
    if (o->console_fn != NULL)
        host_set_console(o->console_fn, o->console_ctx);
    else
        host_set_console(o->quiet ? discard_console : NULL, NULL);
    if (scn_boot(c->blob, c->len, &bo, &view, &err) != 0) {
        fprintf(stderr, "twain: %s\n", err.msg);
        r->rc = 2;
    } else {
        scn_run(&view, &r->out);
        r->rc = r->out.failed > 0 ? 1 : 0;
        k_check_invariants(); /* every run ends with the invariant and leak checks */
        k_teardown();
        k_check_invariants();
    }
    host_set_trace_sink(NULL, NULL);
    host_set_console(NULL, NULL);
    host_disks_clear(); /* write-through images are complete on the host now */
    if (s.writer != NULL && trace_writer_close(&writer, r->out.trace_hash) != 0)
        r->rc = 2;
    return r->rc;
}

void run_result_free(struct run_result *r)
{
    free(r->recs);
    r->recs = NULL;
}

/* Scenario task index of a kernel task id: tasks are created in order from id 1. */
void run_print_report(const struct scn_compiled *c, const struct run_result *r, FILE *f)
{
    fwrite(r->out.report, 1, r->out.report_len, f);
    for (uint32_t i = 0; i < r->nfails; i++) {
        const char *path = scn_step_path(c, r->fails[i].task_id - 1, r->fails[i].step);
        fprintf(f, "  failed step: %s\n", path != NULL ? path : "(unknown step)");
    }
    fprintf(f, "result: %s\n", r->rc == 0 ? "PASS" : "FAIL");
}

static int usage_run(FILE *f)
{
    fprintf(f, "usage: twain run SCENARIO.json [--seed N] [--record FILE] [--gui | --headless]\n"
               "                 [--screenshot FILE] [--quiet]\n"
               "  Compile and run a scenario in the simulator, print the kernel console, judge\n"
               "  its expectations, and end with 'trace-hash: <16 hex digits>'.\n"
               "  --seed N       override the scenario's seed\n"
               "  --record FILE  write the trace (replay it with 'twain replay FILE')\n"
               "  --gui          show the schedule live in a window (docs/viz.md); without a\n"
               "                 display, the text timeline instead\n"
               "  --headless     print a text timeline of the schedule after the run\n"
               "  --screenshot FILE  save the view of the whole run as a BMP (no display needed)\n"
               "  --quiet        do not print the kernel console\n"
               "  exit: 0 expectations held, 1 an expectation failed, 2 bad input\n");
    return f == stdout ? 0 : 2;
}

int cmd_run(int argc, char **argv)
{
    struct run_opts o = {0};
    const char *path = NULL;
    bool headless = false, gui = false;
    const char *shot = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return usage_run(stdout);
        if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
            if (!args_u64(argv[++i], &o.seed)) {
                fprintf(stderr, "twain run: --seed: '%s' is not a number\n", argv[i]);
                return 2;
            }
            o.seed_override = true;
        } else if (strcmp(argv[i], "--record") == 0 && i + 1 < argc) {
            o.record_path = argv[++i];
        } else if (strcmp(argv[i], "--headless") == 0) {
            headless = true;
        } else if (strcmp(argv[i], "--gui") == 0) {
            gui = true;
        } else if (strcmp(argv[i], "--screenshot") == 0 && i + 1 < argc) {
            shot = argv[++i];
        } else if (strcmp(argv[i], "--quiet") == 0) {
            o.quiet = true;
        } else if (argv[i][0] != '-' && path == NULL) {
            path = argv[i];
        } else {
            fprintf(stderr, "twain run: unexpected argument '%s'\n", argv[i]);
            return usage_run(stderr);
        }
    }
    if (path == NULL)
        return usage_run(stderr);
    struct scn_compiled c;
    char err[512];
    if (scn_compile_file(path, &c, err, sizeof(err)) != SCN_COMPILE_OK) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    if (gui && !gui_can_open()) {
        fprintf(stderr, "twain run: showing the text timeline instead\n");
        gui = false;
        headless = true;
    }
    o.collect = headless || shot != NULL;
    struct run_result r;
    if (gui)
        gui_run(&c, &o, &r);
    else
        run_scenario(&c, &o, &r);
    if (r.rc != 2) {
        fflush(stdout);
        run_print_report(&c, &r, stdout);
        if (headless)
            timeline_print(stdout, r.recs, r.nrecs, 100);
        if (shot != NULL && screenshot_write(shot, r.recs, r.nrecs, c.text, c.text_len) != 0)
            r.rc = 2;
        printf("trace-hash: %016llx\n", (unsigned long long)r.out.trace_hash);
    }
    run_result_free(&r);
    scn_compiled_free(&c);
    return r.rc;
}

static int usage_check(FILE *f)
{
    fprintf(f, "usage: twain check SCENARIO.json --seeds A..B [--summary]\n"
               "  Run the scenario twice for every seed from A to B: its expectations must\n"
               "  hold and both runs must give the same trace hash. Names the failing seeds;\n"
               "  reproduce one with 'twain run SCENARIO.json --seed N'.\n"
               "  Where the run has requests on ports or kills servers, each seed's trace is\n"
               "  counted (docs/supervision.md, \"Campaign\"): requests accepted, answered,\n"
               "  refused with restarted, duplicated, per port and in total, kills and the\n"
               "  time from a kill to the port served again; a seed fails if a request ended\n"
               "  twice or was duplicated, and, in a scenario with kill_server or campaign\n"
               "  faults, unless every task ended and accepted = answered + refused.\n"
               "  --summary  one line only for a seed that fails, then the totals and the\n"
               "             worst seed (the longest recovery)\n"
               "  exit: 0 all seeds passed, 1 some failed, 2 bad input\n");
    return f == stdout ? 0 : 2;
}

static void count_sink(void *ctx, const void *records, size_t len)
{
    req_count_feed(ctx, records, len / sizeof(struct trace_rec));
}

/* What cmd_check prints and sums of each seed's counts. */
struct check_state {
    const char *path;
    bool strict;  /* the scenario kills servers: the campaign's law (req_count_judge) */
    bool summary; /* --summary */
    bool counted; /* some seed had requests or kills: print the totals */
    struct req_count sum;
    uint64_t worst_seed, worst_ns;
    char panic_msg[256]; /* written by the SIGABRT handler (a kernel panic aborts) */
};

static struct check_state *panic_state;

static void on_abort(int sig)
{
    if (panic_state != NULL) {
        ssize_t w = write(STDERR_FILENO, panic_state->panic_msg, strlen(panic_state->panic_msg));
        (void)w;
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static void print_us(FILE *f, uint64_t ns)
{
    fprintf(f, "%llu.%03llu us", (unsigned long long)(ns / 1000), (unsigned long long)(ns % 1000));
}

/* The faults and recovery part of a count line. */
static void print_kills(FILE *f, const struct req_count *rc)
{
    fprintf(f, "kills %llu (%llu missed, %llu crashes), recovery mean ",
            (unsigned long long)rc->kills, (unsigned long long)rc->misses,
            (unsigned long long)rc->crashes);
    print_us(f, req_count_recovery_mean(rc));
    fprintf(f, " max ");
    print_us(f, rc->recovery_max_ns);
    fprintf(f, " over %llu (%llu not served again)", (unsigned long long)rc->recoveries,
            (unsigned long long)rc->unrecovered);
}

/* Judge seed's count; print its lines (all of them, or with --summary only a failure's). */
static bool check_counts(struct check_state *st, uint64_t seed, struct req_count *rc)
{
    req_count_finish(rc);
    char why[320], line[256];
    bool ok = req_count_judge(rc, st->strict, why, sizeof(why));
    if (rc->total.accepted == 0 && rc->kills + rc->misses + rc->crashes == 0 && ok)
        return true; /* nothing to count: the plain check's output */
    st->counted = true;
    if (!st->summary || !ok) {
        rc_counts_format(&rc->total, line, sizeof(line));
        printf("seed %llu: %s", (unsigned long long)seed, line);
        if (rc->kills + rc->misses + rc->crashes > 0) {
            printf("; ");
            print_kills(stdout, rc);
        }
        printf(": %s%s\n", ok ? "ok" : "FAIL: ", ok ? "" : why);
        for (uint32_t i = 0; rc->nports > 1 && i < rc->nports; i++) {
            if (rc->ports[i].n.accepted == 0 && rc->ports[i].n.bad == 0)
                continue;
            rc_counts_format(&rc->ports[i].n, line, sizeof(line));
            printf("  port %u: %s\n", rc->ports[i].id, line);
        }
    }
    req_count_add(&st->sum, rc);
    if (st->worst_seed == 0 || rc->recovery_max_ns > st->worst_ns) {
        st->worst_seed = seed;
        st->worst_ns = rc->recovery_max_ns;
    }
    return ok;
}

/* Run one seed twice; returns 0 pass, 1 expectation failure, 3 nondeterminism, 2 error. */
static int check_seed(const struct scn_compiled *c, struct check_state *st, uint64_t seed,
                      uint64_t *hash)
{
    struct req_count rc;
    req_count_init(&rc);
    struct run_opts o = {.seed_override = true,
                         .seed = seed,
                         .quiet = true,
                         .extra_fn = count_sink,
                         .extra_ctx = &rc};
    struct run_result a, b;
    snprintf(st->panic_msg, sizeof(st->panic_msg),
             "twain check: seed %llu: the kernel panicked (reproduce with: twain run %s --seed "
             "%llu)\n",
             (unsigned long long)seed, st->path, (unsigned long long)seed);
    run_scenario(c, &o, &a);
    o.extra_fn = NULL;
    run_scenario(c, &o, &b);
    int rc_seed = a.rc;
    if (rc_seed != 2 && b.rc != 2 && a.out.trace_hash != b.out.trace_hash)
        rc_seed = 3;
    if (rc_seed == 1) {
        printf("seed %llu: FAIL\n", (unsigned long long)seed);
        run_print_report(c, &a, stdout);
    } else if (rc_seed == 3) {
        printf("seed %llu: NONDETERMINISTIC: trace hashes %016llx and %016llx\n",
               (unsigned long long)seed, (unsigned long long)a.out.trace_hash,
               (unsigned long long)b.out.trace_hash);
    }
    if (rc_seed != 2 && !check_counts(st, seed, &rc) && rc_seed == 0)
        rc_seed = 1;
    req_count_free(&rc);
    *hash = a.out.trace_hash;
    run_result_free(&a);
    run_result_free(&b);
    return rc_seed;
}

/* A scenario with kill_server or campaign faults is judged by the campaign's law. */
static bool kills_servers(const struct scn_compiled *c)
{
    static struct scn_view v;
    struct scn_error err;
    if (scn_decode(c->blob, c->len, &v, &err) != 0)
        return false; /* run_scenario reports it */
    for (uint32_t i = 0; i < v.nfaults; i++)
        if (v.faults[i].kind != SCN_FAULT_KILL)
            return true;
    return false;
}

static void print_totals(const struct check_state *st, uint64_t seeds)
{
    char line[256];
    rc_counts_format(&st->sum.total, line, sizeof(line));
    printf("requests over %llu seeds: %s\n", (unsigned long long)seeds, line);
    if (st->sum.kills + st->sum.misses + st->sum.crashes == 0)
        return;
    rc_counts_format(&st->sum.died, line, sizeof(line));
    printf("requests on the ports whose servers died: %s\n", line);
    printf("faults over %llu seeds: ", (unsigned long long)seeds);
    print_kills(stdout, &st->sum);
    printf("\nrecovery: mean ");
    print_us(stdout, req_count_recovery_mean(&st->sum));
    printf(", max ");
    print_us(stdout, st->sum.recovery_max_ns);
    printf(" (the target: at most 100 us); worst seed %llu\n", (unsigned long long)st->worst_seed);
}

int cmd_check(int argc, char **argv)
{
    const char *path = NULL;
    uint64_t lo = 1, hi = 20;
    struct check_state st = {0};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return usage_check(stdout);
        if (strcmp(argv[i], "--seeds") == 0 && i + 1 < argc) {
            if (!args_range(argv[++i], &lo, &hi) || hi - lo >= 1000000) {
                fprintf(stderr, "twain check: --seeds: '%s' is not A..B\n", argv[i]);
                return 2;
            }
        } else if (strcmp(argv[i], "--summary") == 0) {
            st.summary = true;
        } else if (argv[i][0] != '-' && path == NULL) {
            path = argv[i];
        } else {
            fprintf(stderr, "twain check: unexpected argument '%s'\n", argv[i]);
            return usage_check(stderr);
        }
    }
    if (path == NULL)
        return usage_check(stderr);
    struct scn_compiled c;
    char err[512];
    if (scn_compile_file(path, &c, err, sizeof(err)) != SCN_COMPILE_OK) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    st.path = path;
    st.strict = kills_servers(&c);
    req_count_init(&st.sum);
    panic_state = &st;
    signal(SIGABRT, on_abort);
    uint64_t failed = 0, nondet = 0, errors = 0, first_bad = 0;
    char list[1024] = "";
    size_t ll = 0;
    for (uint64_t seed = lo; seed <= hi; seed++) {
        uint64_t hash;
        int rc = check_seed(&c, &st, seed, &hash);
        failed += rc == 1;
        nondet += rc == 3;
        errors += rc == 2;
        if (rc != 0 && ll < sizeof(list) - 24) {
            ll += (size_t)snprintf(list + ll, sizeof(list) - ll, " %llu", (unsigned long long)seed);
            if (first_bad == 0)
                first_bad = seed;
        }
        if (seed == UINT64_MAX)
            break;
    }
    signal(SIGABRT, SIG_DFL);
    panic_state = NULL;
    uint64_t n = hi - lo + 1;
    if (st.counted)
        print_totals(&st, n);
    printf("check %s: %llu seeds, %llu passed, %llu failed expectations, %llu nondeterministic\n",
           path, (unsigned long long)n, (unsigned long long)(n - failed - nondet - errors),
           (unsigned long long)failed, (unsigned long long)nondet);
    if (first_bad != 0) {
        printf("failing seeds:%s\n", list);
        printf("reproduce with: twain run %s --seed %llu\n", path, (unsigned long long)first_bad);
    }
    req_count_free(&st.sum);
    scn_compiled_free(&c);
    return errors > 0 ? 2 : (failed + nondet > 0 ? 1 : 0);
}
