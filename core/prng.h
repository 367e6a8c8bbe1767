/* SPDX-License-Identifier: MIT */
/*
 * core/prng.h - the kernel's one seeded PRNG (xoshiro256**, seeded through splitmix64).
 * Every random decision (random scheduling, fault injection) draws from it, and only in
 * traced decisions, so a seed reproduces a run.
 */
#ifndef TWAIN_CORE_PRNG_H
#define TWAIN_CORE_PRNG_H

#include <stdint.h>

struct prng {
    uint64_t s[4];
};

/* Seed the generator; any seed (0 included) gives a valid, distinct state. */
void prng_seed(struct prng *p, uint64_t seed);
uint64_t prng_next(struct prng *p);
/* Uniform in [0, bound) without modulo bias; bound > 0. */
uint64_t prng_below(struct prng *p, uint64_t bound);
/* splitmix64 step: also a good 64-bit mixer for hashing. */
uint64_t prng_splitmix(uint64_t *state);

#endif /* TWAIN_CORE_PRNG_H */
