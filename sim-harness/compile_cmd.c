/* SPDX-License-Identifier: MIT */
/*
 * sim-harness/compile_cmd.c - `twain compile SCENARIO.json -o OUT.bin [--seed N]`: write
 * the binary scenario, e.g. for a UEFI image's \twain\scenario.bin.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "scenario_compile.h"

static int usage(FILE *f)
{
    fprintf(f, "usage: twain compile SCENARIO.json -o OUT.bin [--seed N]\n"
               "  Compile a scenario to its binary form (docs/scenario-format.md), the form\n"
               "  both backends run. exit: 0 written, 2 bad input or unwritable output\n");
    return f == stdout ? 0 : 2;
}

int cmd_compile(int argc, char **argv)
{
    const char *in = NULL, *out = NULL;
    uint64_t seed = 0;
    int have_seed = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return usage(stdout);
        if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
            out = argv[++i];
        } else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
            if (!args_u64(argv[++i], &seed)) {
                fprintf(stderr, "twain compile: --seed: '%s' is not a number\n", argv[i]);
                return 2;
            }
            have_seed = 1;
        } else if (argv[i][0] != '-' && in == NULL) {
            in = argv[i];
        } else {
            return usage(stderr);
        }
    }
    if (in == NULL || out == NULL)
        return usage(stderr);
    struct scn_compiled c;
    char err[512];
    if (scn_compile_file(in, &c, err, sizeof(err)) != SCN_COMPILE_OK) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    if (have_seed)
        scn_compiled_set_seed(&c, seed);
    FILE *f = fopen(out, "wb");
    int rc = 0;
    if (f == NULL || fwrite(c.blob, 1, c.len, f) != c.len || fclose(f) != 0) {
        fprintf(stderr, "twain compile: %s: %s\n", out, strerror(errno));
        rc = 2;
    }
    scn_compiled_free(&c);
    return rc;
}
