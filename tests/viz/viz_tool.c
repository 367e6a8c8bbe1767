/* SPDX-License-Identifier: MIT */
/*
 * tests/viz/viz_tool.c - the helper of tools/viz-tests and tools/viz-bench.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../sim-harness/screenshot.h"
#include "../../sim-harness/trace_file.h"

static int cmd_shot(int argc, char **argv)
{
    if (argc < 4)
        return 2;
    struct trace_file tf;
    uint64_t bad;
    char err[512];
    if (trace_file_read(argv[2], &tf, &bad, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    char title[128];
    shot_scenario_name(tf.text, tf.h.text_len, title, sizeof(title));
    int w = argc > 5 ? atoi(argv[4]) : SHOT_DEFAULT_W,
        h = argc > 5 ? atoi(argv[5]) : SHOT_DEFAULT_H;
    int rc = shot_write(argv[3], tf.recs, tf.h.records, title, w, h);
    trace_file_free(&tf);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "shot") == 0)
        return cmd_shot(argc, argv);
    fprintf(stderr, "usage: viz_tool shot TRACE OUT.bmp [W H]\n");
    return 2;
}
