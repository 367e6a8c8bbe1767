/* SPDX-License-Identifier: MIT */
/*
 * sim-harness/fuzz_repro.c - `twain fuzz-repro INPUT`: replay a system-call fuzzer input
 * (a crash, a corpus entry) deterministically, listing every system call it makes, then
 * check the kernel's invariants as the fuzzer does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/trace.h"
#include "commands.h"
#include "fuzz_driver.h"
#include "fuzz_scenario.h"

static void print_call(const struct fz_call *call)
{
    char line[256];
    fz_format_call(call, line, sizeof(line));
    printf("  %s\n", line);
}

static int usage(FILE *f)
{
    fprintf(f, "usage: twain fuzz-repro INPUT [--to-scenario OUT.json]\n"
               "  Replay an input of the system-call fuzzer (tests/fuzz/fuzz_syscalls.c):\n"
               "  list each system call it makes with its result, then check every kernel\n"
               "  invariant. A bug aborts with the kernel's panic message.\n"
               "  --to-scenario OUT.json  run the input in a child process (a crash still\n"
               "        yields every call up to it), write a scenario with one syscall step\n"
               "        per call expecting its result, then run that scenario as `twain run`\n"
               "        does and say whether every call gave the same result\n"
               "  exit: 0 the kernel held (with --to-scenario: the scenario reproduces every\n"
               "        call), 1 the scenario differs, 2 unreadable input\n");
    return f == stdout ? 0 : 2;
}

int cmd_fuzz_repro(int argc, char **argv)
{
    const char *out = NULL;
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
        return usage(stdout);
    if (argc == 4 && strcmp(argv[2], "--to-scenario") == 0) {
        out = argv[3];
        argc = 2;
    }
    if (argc != 2 || argv[1][0] == '-')
        return usage(stderr);
    FILE *f = fopen(argv[1], "rb");
    if (f == NULL) {
        perror(argv[1]);
        return 2;
    }
    static uint8_t buf[1 << 20];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    printf("fuzz-repro %s: %zu bytes\n", argv[1], n);
    if (out != NULL)
        return fz_to_scenario(buf, n, argv[1], out);
    static const char *const why[] = {"all threads ended", "deadlock (threads blocked forever)",
                                      "time limit"};
    int end = fz_execute(buf, n, print_call);
    printf("end: %s; invariants hold, teardown left nothing allocated\n", why[end]);
    return 0;
}
