/* SPDX-License-Identifier: MIT */
/*
 * core/hash.h - the 64-bit hash used by the trace chain and message digests. Stable across
 * builds and backends (little-endian x86_64 is the only target; bytes are read one by one
 * so alignment never matters).
 */
#ifndef TWAIN_CORE_HASH_H
#define TWAIN_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_SEED 0x7477616e6b65726eull /* "twankern" */

/* Hash len bytes, continuing from h (start with HASH_SEED). */
uint64_t hash_bytes(uint64_t h, const void *data, size_t len);
/* Mix one 64-bit word into h. */
uint64_t hash_word(uint64_t h, uint64_t w);

#endif /* TWAIN_CORE_HASH_H */
