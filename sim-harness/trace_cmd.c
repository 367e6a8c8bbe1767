/* SPDX-License-Identifier: MIT */
/*
 * sim-harness/trace_cmd.c - `twain trace dump TRACE`: the header and every record of a
 * trace file as text, after checking the file and its hash chain.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "export_chrome.h"
#include "trace_file.h"

static int usage(FILE *f)
{
    fprintf(f, "usage: twain trace dump TRACE | twain trace export --chrome TRACE > out.json\n"
               "  dump: print a trace file's header, embedded scenario name and every record.\n"
               "  export --chrome: Chrome trace-event JSON for Perfetto (see its --help).\n"
               "  exit: 0 a valid trace, 1 the hash chain is broken (records shown up to the\n"
               "  break), 2 unreadable or malformed\n");
    return f == stdout ? 0 : 2;
}

int cmd_trace(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
        return usage(stdout);
    if (argc >= 2 && strcmp(argv[1], "export") == 0)
        return export_cmd(argc - 1, argv + 1);
    if (argc != 3 || strcmp(argv[1], "dump") != 0)
        return usage(stderr);
    struct trace_file tf;
    uint64_t bad = UINT64_MAX;
    char err[512];
    int rc = trace_file_read(argv[2], &tf, &bad, err, sizeof(err));
    if (rc == 2) {
        fprintf(stderr, "twain trace: %s\n", err);
        return 2;
    }
    printf("trace %s: seed %llu, %llu records, trace-hash: %016llx, scenario %llu bytes\n", argv[2],
           (unsigned long long)tf.h.seed, (unsigned long long)tf.h.records,
           (unsigned long long)tf.h.final_hash, (unsigned long long)tf.h.text_len);
    char line[256];
    for (uint64_t i = 0; i < tf.h.records && i < bad; i++) {
        trace_format_record(&tf.recs[i], line, sizeof(line));
        printf("#%-8llu %s\n", (unsigned long long)i, line);
    }
    if (rc == 1)
        fprintf(stderr, "twain trace: %s\n", err);
    trace_file_free(&tf);
    return rc;
}
