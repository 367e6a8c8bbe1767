/* SPDX-License-Identifier: MIT */
/*
 * sim-harness/replay.c - `twain replay TRACE`: re-run the scenario embedded in a trace
 * with its seed and compare every record as it is produced. The first difference is
 * printed with the records before it; exit 0 identical, 1 diverged, 2 unreadable trace.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "gui.h"
#include "run.h"
#include "trace_file.h"

#define CONTEXT 5

struct comparator {
    const struct trace_file *tf;
    uint64_t next; /* index of the next expected record */
    bool diverged;
    uint64_t at; /* first differing index */
    struct trace_rec got;
};

static void compare_fn(void *ctx, const void *records, size_t len)
{
    struct comparator *c = ctx;
    const struct trace_rec *r = records;
    for (size_t i = 0; i < len / sizeof(*r) && !c->diverged; i++, c->next++) {
        if (c->next >= c->tf->h.records || memcmp(&r[i], &c->tf->recs[c->next], sizeof(*r)) != 0) {
            c->diverged = true;
            c->at = c->next;
            c->got = r[i];
        }
    }
}

static void print_divergence(const char *path, const struct comparator *c)
{
    const struct trace_file *tf = c->tf;
    char line[256];
    printf("replay %s: DIVERGED at record %llu (byte %llu)\n", path, (unsigned long long)c->at,
           (unsigned long long)trace_file_record_offset(tf, c->at));
    uint64_t from = c->at > CONTEXT ? c->at - CONTEXT : 0;
    for (uint64_t i = from; i < c->at; i++) {
        trace_format_record(&tf->recs[i], line, sizeof(line));
        printf("   #%-8llu %s\n", (unsigned long long)i, line);
    }
    if (c->at < tf->h.records) {
        trace_format_record(&tf->recs[c->at], line, sizeof(line));
        printf(" - #%-8llu %s   (recorded)\n", (unsigned long long)c->at, line);
    } else {
        printf(" - #%-8llu (the recording ends here)\n", (unsigned long long)c->at);
    }
    if (c->got.type != 0) {
        trace_format_record(&c->got, line, sizeof(line));
        printf(" + #%-8llu %s   (replayed)\n", (unsigned long long)c->at, line);
    } else {
        printf(" + #%-8llu (the replay ends here)\n", (unsigned long long)c->at);
    }
}

static int usage(FILE *f)
{
    fprintf(f, "usage: twain replay TRACE [--gui]\n"
               "  Re-run the scenario recorded in TRACE (made by 'twain run --record') with its\n"
               "  seed and compare every record. exit: 0 identical, 1 diverged (the first\n"
               "  differing record is shown with the ones before it), 2 unreadable trace\n"
               "  --gui  open the trace in the window instead (docs/viz.md): scrub, zoom,\n"
               "         click slices; exit 0, or 2 unreadable trace / no display\n");
    return f == stdout ? 0 : 2;
}

int cmd_replay(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
        return usage(stdout);
    if (argc == 3 && strcmp(argv[2], "--gui") == 0)
        return gui_view_file(argv[1]);
    if (argc != 2 || argv[1][0] == '-')
        return usage(stderr);
    const char *path = argv[1];
    struct trace_file tf;
    uint64_t bad = 0;
    char err[512];
    int rc = trace_file_read(path, &tf, &bad, err, sizeof(err));
    if (rc == 2) {
        fprintf(stderr, "twain replay: %s\n", err);
        return 2;
    }
    if (rc == 1)
        printf("replay %s: %s\n", path, err);
    struct scn_compiled c;
    if (scn_compile_text(path, tf.text, tf.h.text_len, &c, err, sizeof(err)) != SCN_COMPILE_OK) {
        fprintf(stderr, "twain replay: the scenario embedded in the trace is invalid: %s\n", err);
        trace_file_free(&tf);
        return 2;
    }
    struct comparator cmp = {.tf = &tf};
    struct run_opts o = {.seed_override = true,
                         .seed = tf.h.seed,
                         .quiet = true,
                         .extra_fn = compare_fn,
                         .extra_ctx = &cmp};
    struct run_result r;
    run_scenario(&c, &o, &r);
    if (!cmp.diverged && cmp.next != tf.h.records) {
        cmp.diverged = true;
        cmp.at = cmp.next;
    }
    int result = 0;
    if (r.rc == 2) {
        result = 2;
    } else if (cmp.diverged) {
        print_divergence(path, &cmp);
        result = 1;
    } else {
        printf("replay %s: identical: %llu records, trace-hash: %016llx\n", path,
               (unsigned long long)tf.h.records, (unsigned long long)r.out.trace_hash);
    }
    run_result_free(&r);
    scn_compiled_free(&c);
    trace_file_free(&tf);
    return result;
}
