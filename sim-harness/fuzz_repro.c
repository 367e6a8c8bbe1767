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

static void print_call(const struct fz_call *call)
{
    char line[256];
    fz_format_call(call, line, sizeof(line));
    printf("  %s\n", line);
}

static int usage(FILE *f)
{
    fprintf(f, "usage: twain fuzz-repro INPUT\n"
               "  Replay an input of the system-call fuzzer (tests/fuzz/fuzz_syscalls.c):\n"
               "  list each system call it makes with its result, then check every kernel\n"
               "  invariant. A bug aborts with the kernel's panic message.\n"
               "  exit: 0 the kernel held, 2 unreadable input\n");
    return f == stdout ? 0 : 2;
}

int cmd_fuzz_repro(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
        return usage(stdout);
    if (argc != 2)
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
    static const char *const why[] = {"all threads ended", "deadlock (threads blocked forever)",
                                      "time limit"};
    int end = fz_execute(buf, n, print_call);
    printf("end: %s; invariants hold, teardown left nothing allocated\n", why[end]);
    return 0;
}
