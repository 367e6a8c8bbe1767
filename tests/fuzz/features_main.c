/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/features_main.c - what an execution of a fuzz target costs libFuzzer: runs
 * every input of a corpus once through LLVMFuzzerTestOneInput (the target's own objects,
 * built for libFuzzer) and counts the coverage counters each one hit. libFuzzer does work
 * per hit counter on every execution, so edges that nearly every input hits are overhead.
 *
 * Usage: features-TARGET CORPUS_DIR > table   (tools/fuzz-features names the functions)
 * Prints "edges hit per execution" on stderr, and on stdout one line per counter that any
 * input hit: its PC and the fraction of inputs that hit it.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

/* SanitizerCoverage's hooks, which libFuzzer would otherwise provide. */
static uint8_t *counters, *counters_end;
static const uintptr_t *pc_table;
__thread uintptr_t __sancov_lowest_stack;

void __sanitizer_cov_8bit_counters_init(uint8_t *start, uint8_t *end);
void __sanitizer_cov_pcs_init(const uintptr_t *start, const uintptr_t *end);
void __sanitizer_cov_8bit_counters_init(uint8_t *start, uint8_t *end)
{
    counters = start;
    counters_end = end;
}
void __sanitizer_cov_pcs_init(const uintptr_t *start, const uintptr_t *end)
{
    (void)end;
    pc_table = start;
}

/* Comparison tracing (the parsers are built with it): nothing to do here. */
#define CMP_HOOK(name, type)                                                                       \
    void name(type a, type b);                                                                     \
    void name(type a, type b)                                                                      \
    {                                                                                              \
        (void)a;                                                                                   \
        (void)b;                                                                                   \
    }
CMP_HOOK(__sanitizer_cov_trace_cmp1, uint8_t)
CMP_HOOK(__sanitizer_cov_trace_cmp2, uint16_t)
CMP_HOOK(__sanitizer_cov_trace_cmp4, uint32_t)
CMP_HOOK(__sanitizer_cov_trace_cmp8, uint64_t)
CMP_HOOK(__sanitizer_cov_trace_const_cmp1, uint8_t)
CMP_HOOK(__sanitizer_cov_trace_const_cmp2, uint16_t)
CMP_HOOK(__sanitizer_cov_trace_const_cmp4, uint32_t)
CMP_HOOK(__sanitizer_cov_trace_const_cmp8, uint64_t)
void __sanitizer_cov_trace_switch(uint64_t v, uint64_t *cases);
void __sanitizer_cov_trace_switch(uint64_t v, uint64_t *cases)
{
    (void)v;
    (void)cases;
}
void __sanitizer_cov_trace_pc_indir(uintptr_t callee);
void __sanitizer_cov_trace_pc_indir(uintptr_t callee)
{
    (void)callee;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    DIR *dir = opendir(argv[1]);
    if (dir == NULL || counters == NULL) {
        fprintf(stderr, "%s: cannot read %s, or no coverage counters\n", argv[0], argv[1]);
        return 2;
    }
    size_t ncounters = (size_t)(counters_end - counters), ninputs = 0, nhits = 0;
    uint32_t *inputs_hitting = calloc(ncounters, sizeof(*inputs_hitting));
    static uint8_t buf[1 << 20];
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        char path[4096];
        if (e->d_name[0] == '.' ||
            snprintf(path, sizeof(path), "%s/%s", argv[1], e->d_name) >= (int)sizeof(path))
            continue;
        FILE *f = fopen(path, "rb");
        if (f == NULL)
            continue;
        size_t len = fread(buf, 1, sizeof(buf), f);
        fclose(f);
        memset(counters, 0, ncounters);
        LLVMFuzzerTestOneInput(buf, len);
        for (size_t i = 0; i < ncounters; i++) {
            if (counters[i] != 0) {
                inputs_hitting[i]++;
                nhits++;
            }
        }
        ninputs++;
    }
    closedir(dir);
    if (ninputs == 0) {
        fprintf(stderr, "%s: no inputs in %s\n", argv[0], argv[1]);
        return 2;
    }
    fprintf(stderr, "%zu inputs, %.1f edges hit per execution, %zu counters\n", ninputs,
            (double)nhits / (double)ninputs, ncounters);
    for (size_t i = 0; i < ncounters; i++)
        if (inputs_hitting[i] != 0)
            printf("0x%lx %.4f\n", (unsigned long)pc_table[2 * i],
                   (double)inputs_hitting[i] / (double)ninputs);
    free(inputs_hitting);
    return 0;
}
