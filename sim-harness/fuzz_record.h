/* SPDX-License-Identifier: MIT */
/*
 * sim-harness/fuzz_record.h - every system call a fuzzer input makes, recorded from a
 * forked child so that a kernel panic (an abort) still leaves the calls up to it. Host code;
 * `twain fuzz-repro --to-scenario` turns the record into a scenario (fuzz_scenario.c).
 */
#ifndef TWAIN_SIM_HARNESS_FUZZ_RECORD_H
#define TWAIN_SIM_HARNESS_FUZZ_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../boot/fuzzboot.h"

#define FZ_REC_THREADS 16 /* thread numbers per task (fuzzprog makes at most 6) */

/* One call, in the order the program made it. */
struct fz_rec {
    struct fz_call call; /* call.mem points at mem (the bytes stored before the call) */
    uint8_t *mem;
    bool returned; /* call.result holds its result */
};

struct fz_record {
    struct fz_rec *recs;
    size_t n, cap;
    uint32_t nthreads[FZ_MAX_TASKS]; /* boot threads, or the highest thread number seen + 1 */
    long pending[FZ_MAX_TASKS][FZ_REC_THREADS]; /* index of a call not returned, or -1 */
    bool ended[FZ_MAX_TASKS][FZ_REC_THREADS];   /* the thread reached its end */
    long last;                                  /* the call announced last, or -1 */
    bool finished;                              /* the run reached its end (no crash) */
    int end;                                    /* then: its enum trace_end */
    bool crashed;                               /* the child died (panic, abort, signal) */
    int signal;                                 /* the signal that ended it, or 0 */
    char panic[256];                            /* the last line it wrote to stderr */
};

/*
 * Run data[0..len) in a forked child and record every call; with print, list each call
 * (fz_format_call) as it returns, as `twain fuzz-repro INPUT` does. Returns 0, or -1 when
 * the child could not be started or its records were malformed (a message on stderr).
 */
int fz_record_run(const uint8_t *data, size_t len, bool print, struct fz_record *r);

void fz_record_free(struct fz_record *r);

#endif /* TWAIN_SIM_HARNESS_FUZZ_RECORD_H */
