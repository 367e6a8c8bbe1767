/* SPDX-License-Identifier: MIT */
/*
 * core/hash.c - hash_bytes: words mixed with hash_word, then the splitmix64 finaliser so
 * that every input bit reaches every output bit.
 */
#include "hash.h"

uint64_t hash_bytes(uint64_t h, const void *data, size_t len)
{
    const uint8_t *p = data;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        __builtin_memcpy(&w, p + i, sizeof(w)); /* little-endian x86_64 */
        h = hash_word(h, w);
    }
    /* The last 0 .. 7 bytes as a little-endian word (a 4-, a 2- and a 1-byte load), under
     * the length in the top byte. */
    uint64_t tail = (uint64_t)len << 56;
    size_t rest = len - i, k = 0;
    if (rest & 4) {
        uint32_t v;
        __builtin_memcpy(&v, p + i, sizeof(v));
        tail |= v;
        k = 4;
    }
    if (rest & 2) {
        uint16_t v;
        __builtin_memcpy(&v, p + i + k, sizeof(v));
        tail |= (uint64_t)v << (8 * k);
        k += 2;
    }
    if (rest & 1)
        tail |= (uint64_t)p[i + k] << (8 * k);
    h = hash_word(h, tail);
    h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
    h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
    return h ^ (h >> 31);
}
