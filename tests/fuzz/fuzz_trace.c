/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz_trace.c - libFuzzer target for the trace-file reader
 * (sim-harness/trace_file.c): arbitrary bytes as a trace file. The reader must reject or
 * accept without crashing, leaking or reading out of bounds; an accepted file's records
 * must chain to its final hash, and every record must format.
 */
#include <stdint.h>
#include <stdlib.h>

#include "../../core/hash.h"
#include "../../sim-harness/trace_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct trace_file tf;
    uint64_t bad = 0;
    char err[256];
    int rc = trace_file_parse(data, size, "fuzz", &tf, &bad, err, sizeof(err));
    if (rc == 2)
        return 0;
    if (rc == 0) {
        uint64_t chain = HASH_SEED;
        for (uint64_t i = 0; i < tf.h.records; i++)
            chain = trace_chain_next(chain, &tf.recs[i]);
        if (chain != tf.h.final_hash)
            abort();
    } else if (bad > tf.h.records) {
        abort();
    }
    char line[256];
    for (uint64_t i = 0; i < tf.h.records; i++)
        trace_format_record(&tf.recs[i], line, sizeof(line));
    trace_file_free(&tf);
    return 0;
}
