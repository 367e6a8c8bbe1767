/* SPDX-License-Identifier: MIT */
/*
 * core/prng.c - xoshiro256** with splitmix64 seeding (see prng.h). Public-domain
 * algorithms by Blackman and Vigna, written here from their description.
 */
#include "prng.h"
#include "kassert.h"

uint64_t prng_splitmix(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void prng_seed(struct prng *p, uint64_t seed)
{
    uint64_t sm = seed;
    for (int i = 0; i < 4; i++)
        p->s[i] = prng_splitmix(&sm);
    K_ASSERT((p->s[0] | p->s[1] | p->s[2] | p->s[3]) != 0);
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t prng_next(struct prng *p)
{
    uint64_t *s = p->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t prng_below(struct prng *p, uint64_t bound)
{
    K_ASSERT(bound > 0);
    /* Reject the top partial range so every value is equally likely. */
    uint64_t limit = UINT64_MAX - (UINT64_MAX % bound);
    for (int tries = 0; tries < 64; tries++) {
        uint64_t v = prng_next(p);
        if (v < limit)
            return v % bound;
    }
    k_panic("prng_below: 64 rejections in a row");
}
