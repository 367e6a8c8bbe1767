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
    uint64_t tail = (uint64_t)len << 56;
    size_t rest = len - i; /* 0 .. 7 */
    for (size_t b = 0; b < rest && b < 7; b++)
        tail |= (uint64_t)p[i + b] << (8 * b);
    h = hash_word(h, tail);
    h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
    h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
    return h ^ (h >> 31);
}
