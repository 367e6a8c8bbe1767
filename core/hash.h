/* SPDX-License-Identifier: MIT */
/*
 * core/hash.h - the 64-bit hashing used by the trace chain and message digests. Stable
 * across builds and backends (x86_64 only; bytes are loaded through memcpy, so alignment
 * never matters). Not cryptographic: it detects divergence and corruption, it does not
 * resist an adversary.
 */
#ifndef TWAIN_CORE_HASH_H
#define TWAIN_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_SEED 0x7477616e6b65726eull /* "twankern" */

/*
 * Mix one word into h: one multiply. For a fixed h it is a bijection of w, so changing any
 * single word of a record always changes the chain. Hot: the trace calls it five times a
 * record, so it is inline.
 */
static inline uint64_t hash_word(uint64_t h, uint64_t w)
{
    h = (h ^ w) * 0x9e3779b97f4a7c15ull;
    return h ^ (h >> 29);
}

/* Hash len bytes, continuing from h (start with HASH_SEED), with a final avalanche. */
uint64_t hash_bytes(uint64_t h, const void *data, size_t len);

#endif /* TWAIN_CORE_HASH_H */
