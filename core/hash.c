/* SPDX-License-Identifier: MIT */
/*
 * core/hash.c - word-at-a-time mixing hash (multiply-xorshift, the splitmix64 finaliser).
 * Not cryptographic: it detects divergence and corruption, it does not resist attackers.
 */
#include "hash.h"

uint64_t hash_word(uint64_t h, uint64_t w)
{
    h ^= w + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
    h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
    return h ^ (h >> 31);
}

uint64_t hash_bytes(uint64_t h, const void *data, size_t len)
{
    const uint8_t *p = data;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w = 0;
        for (int b = 0; b < 8; b++)
            w |= (uint64_t)p[i + (size_t)b] << (8 * b);
        h = hash_word(h, w);
    }
    uint64_t tail = (uint64_t)len << 56;
    for (int b = 0; i < len; i++, b++)
        tail |= (uint64_t)p[i] << (8 * b);
    return hash_word(h, tail);
}
