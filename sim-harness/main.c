/* SPDX-License-Identifier: MIT */
/*
 * sim-harness/main.c - the `twain` command (docs/contracts.md): dispatches to a
 * subcommand.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"

static int usage(FILE *f)
{
    fprintf(f, "usage: twain COMMAND ...\n"
               "  run SCENARIO.json [--seed N] [--record FILE] [--gui | --headless]\n"
               "      [--screenshot FILE]            run a scenario (--gui: live window)\n"
               "  replay TRACE [--gui]               re-run a recorded trace and compare\n"
               "  check SCENARIO.json --seeds A..B   expectations + determinism over seeds\n"
               "  trace dump TRACE                   print a trace file\n"
               "  trace export --chrome TRACE        Chrome/Perfetto JSON on stdout\n"
               "  lint SCENARIO.json...              check scenarios without running them\n"
               "  compile SCENARIO.json -o OUT.bin   the binary scenario (for UEFI images)\n"
               "  fuzz-repro INPUT                   replay a system-call fuzzer input\n"
               "  ops --markdown | --scenario-names  the operation table (docs/operations.md)\n"
               "  layout --markdown                  the binary scenario's layout\n"
               "                                     (docs/scenario-format.md)\n"
               "'twain COMMAND --help' tells more. Exit codes: 0 success, 1 an expectation or\n"
               "replay failed, 2 bad input.\n");
    return f == stdout ? 0 : 2;
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } cmds[] = {{"run", cmd_run},
                {"replay", cmd_replay},
                {"check", cmd_check},
                {"trace", cmd_trace},
                {"lint", cmd_lint},
                {"compile", cmd_compile},
                {"fuzz-repro", cmd_fuzz_repro},
                {"ops", cmd_ops},
                {"layout", cmd_layout}};
    if (argc < 2)
        return usage(stderr);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0)
        return usage(stdout);
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        if (strcmp(argv[1], cmds[i].name) == 0)
            return cmds[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "twain: unknown command '%s'\n", argv[1]);
    return usage(stderr);
}
