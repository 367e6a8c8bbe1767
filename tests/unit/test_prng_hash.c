/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_prng_hash.c - unit tests of core/prng.c, core/hash.c and core/klib.c
 * (Check, forked mode).
 *
 * The PRNG is checked against an independent model of splitmix64 + xoshiro256** written
 * here from the published algorithms, and its first values for seeds 0 and 1 are pinned:
 * a seed must reproduce a run on every build, so any change to these numbers is an ABI
 * change of recorded traces. The hash is pinned the same way (trace chains depend on it)
 * and checked for sensitivity to every bit, to the length and to nothing else (alignment).
 * klib's bounded formatter is compared with the host's snprintf conversion by conversion,
 * and the parsers and string helpers run on guarded buffers that fault on an over-read.
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */

#include <check.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../core/hash.h"
#include "../../core/klib.h"
#include "../../core/prng.h"

/* ---- helpers ---------------------------------------------------------------------------- */

/* The reference model: splitmix64 seeding, xoshiro256** steps (Blackman and Vigna). */
struct ref_prng {
    uint64_t s[4];
};

static uint64_t ref_splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void ref_seed(struct ref_prng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = ref_splitmix(&seed);
}

static uint64_t ref_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t ref_next(struct ref_prng *r)
{
    uint64_t *s = r->s;
    const uint64_t result = ref_rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = ref_rotl(s[3], 45);
    return result;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* A read-only copy of src[0..len) ending right before an inaccessible page. */
static const char *guarded_copy(const void *src, size_t len)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t data = len == 0 ? page : (len + page - 1) / page * page;
    char *base =
        mmap(NULL, data + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(base, MAP_FAILED);
    char *dst = base + data - len;
    if (len > 0)
        memcpy(dst, src, len);
    ck_assert_int_eq(mprotect(base, data, PROT_READ), 0);
    ck_assert_int_eq(mprotect(base + data, page, PROT_NONE), 0);
    return dst;
}

/* ---- prng ------------------------------------------------------------------------------- */

START_TEST(test_prng_matches_reference_model)
{
    static const uint64_t seeds[] = {0, 1, 2, 42, 0x7477616e6b65726eull, UINT64_MAX};
    for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
        struct prng p;
        struct ref_prng r;
        prng_seed(&p, seeds[i]);
        ref_seed(&r, seeds[i]);
        for (int k = 0; k < 4; k++)
            ck_assert_uint_eq(p.s[k], r.s[k]);
        for (int n = 0; n < 5000; n++) {
            uint64_t got = prng_next(&p), want = ref_next(&r);
            ck_assert_msg(got == want, "seed %" PRIu64 " value %d: %016" PRIx64 " != %016" PRIx64,
                          seeds[i], n, got, want);
        }
    }
}
END_TEST

/* Regression table: recorded runs depend on these exact values. */
START_TEST(test_prng_pinned_first_values)
{
    static const uint64_t want[2][5] = {
        {0x99ec5f36cb75f2b4ull, 0xbf6e1f784956452aull, 0x1a5f849d4933e6e0ull, 0x6aa594f1262d2d2cull,
         0xbba5ad4a1f842e59ull},
        {0xb3f2af6d0fc710c5ull, 0x853b559647364ceaull, 0x92f89756082a4514ull, 0x642e1c7bc266a3a7ull,
         0xb27a48e29a233673ull},
    };
    for (uint64_t seed = 0; seed < 2; seed++) {
        struct prng p;
        prng_seed(&p, seed);
        for (int n = 0; n < 5; n++) {
            uint64_t got = prng_next(&p);
            ck_assert_msg(got == want[seed][n], "seed %" PRIu64 " value %d: 0x%016" PRIx64, seed, n,
                          got);
        }
    }
}
END_TEST

START_TEST(test_prng_same_seed_same_sequence)
{
    struct prng a, b;
    prng_seed(&a, 0xdeadbeef);
    prng_seed(&b, 0xdeadbeef);
    for (int n = 0; n < 10000; n++)
        ck_assert_uint_eq(prng_next(&a), prng_next(&b));
    /* Reseeding restarts the sequence. */
    struct prng c;
    prng_seed(&c, 0xdeadbeef);
    uint64_t first = prng_next(&c);
    prng_seed(&a, 0xdeadbeef);
    ck_assert_uint_eq(prng_next(&a), first);
}
END_TEST

START_TEST(test_prng_different_seeds_differ)
{
    enum { N = 1000 };
    uint64_t *firsts = malloc(N * sizeof(uint64_t));
    for (uint64_t seed = 0; seed < N; seed++) {
        struct prng p;
        prng_seed(&p, seed);
        ck_assert((p.s[0] | p.s[1] | p.s[2] | p.s[3]) != 0);
        firsts[seed] = prng_next(&p);
    }
    qsort(firsts, N, sizeof(uint64_t), cmp_u64);
    for (int i = 1; i < N; i++)
        ck_assert_msg(firsts[i] != firsts[i - 1], "two seeds share a first value");
    free(firsts);
    /* Neighbouring seeds give unrelated sequences, not shifted copies. */
    struct prng a, b;
    prng_seed(&a, 1);
    prng_seed(&b, 2);
    uint64_t av[64], bv[64];
    for (int i = 0; i < 64; i++) {
        av[i] = prng_next(&a);
        bv[i] = prng_next(&b);
    }
    for (int i = 0; i < 64; i++)
        for (int j = 0; j < 64; j++)
            ck_assert(av[i] != bv[j]);
}
END_TEST

START_TEST(test_prng_bits_balanced)
{
    struct prng p;
    prng_seed(&p, 7);
    int ones[64] = {0};
    for (int n = 0; n < 20000; n++) {
        uint64_t v = prng_next(&p);
        for (int b = 0; b < 64; b++)
            ones[b] += (int)((v >> b) & 1);
    }
    for (int b = 0; b < 64; b++) /* 20000 fair coins: mean 10000, sd ~71 */
        ck_assert_msg(ones[b] > 9500 && ones[b] < 10500, "bit %d set %d times", b, ones[b]);
}
END_TEST

START_TEST(test_prng_below_bounds)
{
    static const uint64_t bounds[] = {
        1,         2, 3, 7, 10, 1000, 4294967297ull, 1ull << 63, (1ull << 63) + 1, UINT64_MAX - 1,
        UINT64_MAX};
    struct prng p;
    prng_seed(&p, 3);
    for (size_t i = 0; i < sizeof(bounds) / sizeof(bounds[0]); i++) {
        uint64_t max_seen = 0;
        for (int n = 0; n < 2000; n++) {
            uint64_t v = prng_below(&p, bounds[i]);
            ck_assert_msg(v < bounds[i], "below(%" PRIu64 ") gave %" PRIu64, bounds[i], v);
            if (v > max_seen)
                max_seen = v;
        }
        if (bounds[i] == 1)
            ck_assert_uint_eq(max_seen, 0);
        if (bounds[i] >= 2 && bounds[i] <= 10)
            ck_assert_uint_eq(max_seen, bounds[i] - 1); /* every small value shows up */
    }
}
END_TEST

/* Chi-square over small bounds, with a wide tolerance (the draws are seeded, so stable). */
START_TEST(test_prng_below_uniform)
{
    static const uint64_t bounds[] = {2, 6, 10, 17};
    struct prng p;
    prng_seed(&p, 11);
    for (size_t i = 0; i < sizeof(bounds) / sizeof(bounds[0]); i++) {
        uint64_t k = bounds[i];
        enum { N = 60000 };
        uint32_t count[17] = {0};
        for (int n = 0; n < N; n++)
            count[prng_below(&p, k)]++;
        double expect = (double)N / (double)k, chi = 0;
        for (uint64_t b = 0; b < k; b++)
            chi += ((double)count[b] - expect) * ((double)count[b] - expect) / expect;
        /* df = k - 1 <= 16; the 99.99% point for 16 df is about 42. */
        ck_assert_msg(chi < 45.0, "bound %" PRIu64 ": chi-square %.1f", k, chi);
    }
}
END_TEST

/*
 * For a bound just above 2^63, a plain modulo would hit the lower half three times as
 * often as the upper half; the rejection step makes both halves equally likely.
 */
START_TEST(test_prng_below_no_modulo_bias)
{
    const uint64_t bound = (1ull << 63) + (1ull << 61);
    struct prng p;
    prng_seed(&p, 5);
    int low = 0;
    enum { N = 20000 };
    for (int n = 0; n < N; n++)
        low += prng_below(&p, bound) < bound / 2;
    ck_assert_msg(low > N * 46 / 100 && low < N * 54 / 100, "lower half drawn %d of %d", low, N);
}
END_TEST

START_TEST(test_prng_below_pinned)
{
    static const uint64_t want[] = {7, 2, 0, 3, 1, 2, 6, 9};
    struct prng p;
    prng_seed(&p, 1);
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        ck_assert_uint_eq(prng_below(&p, 10), want[i]);
}
END_TEST

START_TEST(test_prng_below_zero_panics)
{
    struct prng p;
    prng_seed(&p, 1);
    (void)prng_below(&p, 0);
}
END_TEST

START_TEST(test_splitmix_reference)
{
    uint64_t st = 0;
    ck_assert_uint_eq(prng_splitmix(&st), 0xe220a8397b1dcdafull);
    ck_assert_uint_eq(prng_splitmix(&st), 0x6e789e6aa1b965f4ull);
    ck_assert_uint_eq(st, 2 * 0x9e3779b97f4a7c15ull);
    uint64_t a = 12345, b = 12345;
    for (int n = 0; n < 100; n++)
        ck_assert_uint_eq(prng_splitmix(&a), ref_splitmix(&b));
}
END_TEST

/* ---- hash ------------------------------------------------------------------------------- */

START_TEST(test_hash_pinned)
{
    static const struct {
        const char *s;
        uint64_t h;
    } t[] = {
        {"", 0xc30fdc64a8acd36aull},
        {"a", 0x7c94c6a85682b2aeull},
        {"abc", 0x9bad1fe8560972b9ull},
        {"twain", 0xe78318124d2faf04ull},
        {"12345678", 0x745fda7a6c1f47c9ull},
        {"123456789", 0x05667dab9e4193ecull},
        {"The quick brown fox jumps over the lazy dog", 0xc9c5c348e7418044ull},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        uint64_t h = hash_bytes(HASH_SEED, t[i].s, strlen(t[i].s));
        ck_assert_msg(h == t[i].h, "hash(\"%s\") = 0x%016" PRIx64, t[i].s, h);
    }
    ck_assert_uint_eq(hash_bytes(0, "abc", 3), 0xc98cc3f0e0409d03ull);
    ck_assert_uint_eq(hash_bytes(hash_bytes(HASH_SEED, "ab", 2), "c", 1), 0xcd10d03b1ef5ea16ull);
    ck_assert_uint_eq(hash_word(HASH_SEED, 1), 0xf96e0264dca63403ull);
}
END_TEST

/* Flipping any one bit of a 64-byte input changes the hash, and no two flips collide. */
START_TEST(test_hash_every_bit_matters)
{
    enum { LEN = 67 }; /* whole words and a tail */
    uint8_t buf[LEN];
    for (int i = 0; i < LEN; i++)
        buf[i] = (uint8_t)(i * 37 + 1);
    uint64_t hs[LEN * 8 + 1];
    hs[0] = hash_bytes(HASH_SEED, buf, LEN);
    for (int i = 0; i < LEN; i++)
        for (int b = 0; b < 8; b++) {
            buf[i] ^= (uint8_t)(1u << b);
            hs[1 + i * 8 + b] = hash_bytes(HASH_SEED, buf, LEN);
            buf[i] ^= (uint8_t)(1u << b);
        }
    ck_assert_uint_eq(hash_bytes(HASH_SEED, buf, LEN), hs[0]); /* restored: same again */
    qsort(hs, LEN * 8 + 1, sizeof(uint64_t), cmp_u64);
    for (int i = 1; i < LEN * 8 + 1; i++)
        ck_assert_msg(hs[i] != hs[i - 1], "two inputs one bit apart collide");
}
END_TEST

START_TEST(test_hash_length_matters)
{
    enum { N = 300 };
    static uint8_t zeros[N];
    uint64_t hs[N + 1];
    for (int len = 0; len <= N; len++)
        hs[len] = hash_bytes(HASH_SEED, zeros, (size_t)len);
    qsort(hs, N + 1, sizeof(uint64_t), cmp_u64);
    for (int i = 1; i <= N; i++)
        ck_assert_msg(hs[i] != hs[i - 1], "zero runs of two lengths collide");
    ck_assert_uint_ne(hash_bytes(HASH_SEED, "abc", 4), hash_bytes(HASH_SEED, "abc", 3));
    /* A tail of 0..7 bytes that differs only in a byte past len must not matter. */
    ck_assert_uint_eq(hash_bytes(HASH_SEED, "abcX", 3), hash_bytes(HASH_SEED, "abcY", 3));
    ck_assert_uint_eq(hash_bytes(HASH_SEED, NULL, 0), hash_bytes(HASH_SEED, "", 0));
}
END_TEST

START_TEST(test_hash_alignment_and_seed)
{
    static const char msg[] = "alignment never matters for the trace hash";
    const size_t len = sizeof(msg) - 1;
    uint8_t buf[80];
    uint64_t want = hash_bytes(HASH_SEED, msg, len);
    for (size_t off = 0; off < 16; off++) {
        memset(buf, 0xff, sizeof(buf));
        memcpy(buf + off, msg, len);
        ck_assert_uint_eq(hash_bytes(HASH_SEED, buf + off, len), want);
    }
    ck_assert_uint_ne(hash_bytes(HASH_SEED + 1, msg, len), want);
    ck_assert_uint_ne(hash_bytes(0, msg, len), want);
    /* Guarded: not one byte past the end is read. */
    const char *g = guarded_copy(msg, len);
    ck_assert_uint_eq(hash_bytes(HASH_SEED, g, len), want);
    for (size_t tail = 0; tail < 16; tail++)
        (void)hash_bytes(HASH_SEED, g + len - tail, tail);
}
END_TEST

/* The reference model of hash_bytes, a byte at a time: words, the tail under the length,
 * the splitmix64 finaliser. */
static uint64_t ref_hash_bytes(uint64_t h, const uint8_t *p, size_t len)
{
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w = 0;
        for (int b = 0; b < 8; b++)
            w |= (uint64_t)p[i + b] << (8 * b);
        h = hash_word(h, w);
    }
    uint64_t tail = (uint64_t)len << 56;
    for (size_t b = 0; i + b < len; b++)
        tail |= (uint64_t)p[i + b] << (8 * b);
    h = hash_word(h, tail);
    h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
    h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
    return h ^ (h >> 31);
}

/* Every length (so every tail of 0 .. 7 bytes) at every alignment, guarded at the end. */
START_TEST(test_hash_matches_reference_model)
{
    uint8_t buf[80];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)(i * 151 + 7);
    for (size_t len = 0; len <= 64; len++)
        for (size_t off = 0; off < 8; off++) {
            uint64_t want = ref_hash_bytes(HASH_SEED, buf + off, len);
            ck_assert_msg(hash_bytes(HASH_SEED, buf + off, len) == want, "len %zu offset %zu", len,
                          off);
            ck_assert_uint_eq(hash_bytes(HASH_SEED, guarded_copy(buf + off, len), len), want);
        }
}
END_TEST

/* hash.h: for a fixed h, hash_word is a bijection of w (so one changed word changes a chain). */
START_TEST(test_hash_word)
{
    const uint64_t w0 = 0x0123456789abcdefull;
    ck_assert_uint_eq(hash_word(HASH_SEED, w0), hash_word(HASH_SEED, w0));
    uint64_t hs[65];
    hs[0] = hash_word(HASH_SEED, w0);
    for (int b = 0; b < 64; b++)
        hs[1 + b] = hash_word(HASH_SEED, w0 ^ (1ull << b));
    qsort(hs, 65, sizeof(uint64_t), cmp_u64);
    for (int i = 1; i < 65; i++)
        ck_assert_msg(hs[i] != hs[i - 1], "hash_word: words one bit apart collide");
    /* Injective on a run of consecutive words and on small words of any h. */
    enum { N = 4096 };
    uint64_t *run = malloc(2 * N * sizeof(uint64_t));
    for (uint64_t w = 0; w < N; w++) {
        run[w] = hash_word(HASH_SEED, w);
        run[N + w] = hash_word(0x5555555555555555ull, w << 40);
    }
    qsort(run, N, sizeof(uint64_t), cmp_u64);
    qsort(run + N, N, sizeof(uint64_t), cmp_u64);
    for (int i = 1; i < N; i++) {
        ck_assert(run[i] != run[i - 1]);
        ck_assert(run[N + i] != run[N + i - 1]);
    }
    free(run);
    /* Chaining depends on the order of the words. */
    ck_assert_uint_ne(hash_word(hash_word(HASH_SEED, 1), 2), hash_word(hash_word(HASH_SEED, 2), 1));
}
END_TEST

/* ---- klib: k_snprintf --------------------------------------------------------------------- */

/* Format with both k_snprintf and the host's snprintf; outputs and lengths must agree. */
#define SAME_AS_LIBC(...)                                                                          \
    do {                                                                                           \
        char kb_[128], lb_[128];                                                                   \
        memset(kb_, 0x7e, sizeof(kb_));                                                            \
        size_t kn_ = k_snprintf(kb_, sizeof(kb_), __VA_ARGS__);                                    \
        int ln_ = snprintf(lb_, sizeof(lb_), __VA_ARGS__);                                         \
        ck_assert_msg(kn_ == (size_t)ln_ && strcmp(kb_, lb_) == 0,                                 \
                      "format %s: k_snprintf \"%s\" (%zu), libc \"%s\" (%d)", #__VA_ARGS__, kb_,   \
                      kn_, lb_, ln_);                                                              \
    } while (0)

START_TEST(test_snprintf_conversions)
{
    SAME_AS_LIBC("plain text");
    SAME_AS_LIBC("%d %d %d %i", 0, 42, -42, 7);
    SAME_AS_LIBC("%d %d", INT32_MAX, INT32_MIN);
    SAME_AS_LIBC("%u %u", 0u, UINT32_MAX);
    SAME_AS_LIBC("%x %X %x", 0xbeefu, 0xbeefu, 0u);
    SAME_AS_LIBC("%ld %lu %lx", (long)INT64_MIN, (unsigned long)UINT64_MAX, 0xfedcba9876543210ul);
    SAME_AS_LIBC("%lld %llu %llX", (long long)INT64_MIN, (unsigned long long)UINT64_MAX,
                 0xabcdefull);
    SAME_AS_LIBC("%zu %zx", (size_t)SIZE_MAX, (size_t)4096);
    SAME_AS_LIBC("%c%c%c", 't', 'w', 'n');
    SAME_AS_LIBC("%s|%s", "", "twain");
    SAME_AS_LIBC("100%% sure %%d");
    SAME_AS_LIBC("%d%s%u%c%x", -1, "mix", 2u, '!', 255u);
}
END_TEST

START_TEST(test_snprintf_width_flags_precision)
{
    SAME_AS_LIBC("[%5d]", 42);
    SAME_AS_LIBC("[%-5d]", 42);
    SAME_AS_LIBC("[%05d]", 42);
    SAME_AS_LIBC("[%05d]", -42);
    SAME_AS_LIBC("[%5d]", -42);
    SAME_AS_LIBC("[%-5d]", -42);
    SAME_AS_LIBC("[%2d]", 12345);
    SAME_AS_LIBC("[%08x]", 0xbeefu);
    SAME_AS_LIBC("[%016llx]", 0x1234ull);
    SAME_AS_LIBC("[%-8u]", 7u);
    SAME_AS_LIBC("[%8s]", "abc");
    SAME_AS_LIBC("[%-8s]", "abc");
    SAME_AS_LIBC("[%2s]", "abcdef");
    SAME_AS_LIBC("[%.3s]", "abcdef");
    SAME_AS_LIBC("[%.0s]", "abcdef");
    SAME_AS_LIBC("[%.10s]", "abc");
    SAME_AS_LIBC("[%8.3s]", "abcdef");
    SAME_AS_LIBC("[%-8.3s]", "abcdef");
    SAME_AS_LIBC("[%.*s]", 2, "abcdef");
    SAME_AS_LIBC("[%.*s]", 0, "abcdef");
    SAME_AS_LIBC("[%.*s]", -1, "abcdef"); /* a negative precision is no precision */
    SAME_AS_LIBC("[%.*s|%d]", 3, "xyzzy", 9);
    /* %.*s stops at the precision: the bytes after it need not be terminated. */
    char k[32];
    static const char unterminated[4] = {'a', 'b', 'c', 'd'};
    ck_assert_uint_eq(k_snprintf(k, sizeof(k), "<%.*s>", 4, unterminated), 6);
    ck_assert_str_eq(k, "<abcd>");
    const char *g = guarded_copy("wxyz", 4);
    ck_assert_uint_eq(k_snprintf(k, sizeof(k), "%.4s", g), 4);
    ck_assert_str_eq(k, "wxyz");
}
END_TEST

/* klib.h lists a field width among the supported features; %c takes it like any other. */
START_TEST(test_snprintf_char_width)
{
    SAME_AS_LIBC("[%3c]", 'x');
    SAME_AS_LIBC("[%-3c]", 'x');
}
END_TEST

START_TEST(test_snprintf_truncation)
{
    char buf[8];
    memset(buf, 0x7e, sizeof(buf));
    ck_assert_uint_eq(k_snprintf(buf, 4, "hello"), 5);
    ck_assert_str_eq(buf, "hel");
    ck_assert_uint_eq((uint8_t)buf[4], 0x7e); /* nothing past size */
    memset(buf, 0x7e, sizeof(buf));
    ck_assert_uint_eq(k_snprintf(buf, 1, "hello"), 5);
    ck_assert_str_eq(buf, "");
    ck_assert_uint_eq((uint8_t)buf[1], 0x7e);
    ck_assert_uint_eq(k_snprintf(NULL, 0, "%d-%s", 12345, "abc"), 9);
    memset(buf, 0x7e, sizeof(buf));
    ck_assert_uint_eq(k_snprintf(buf, 0, "abc"), 3);
    ck_assert_uint_eq((uint8_t)buf[0], 0x7e); /* size 0: not even a NUL */
    /* Exactly fitting and one short. */
    ck_assert_uint_eq(k_snprintf(buf, 8, "%7d", 1), 7);
    ck_assert_str_eq(buf, "      1");
    ck_assert_uint_eq(k_snprintf(buf, 8, "%8d", 1), 8);
    ck_assert_str_eq(buf, "       ");
    /* Width and padding are counted even when cut off. */
    ck_assert_uint_eq(k_snprintf(buf, 3, "%-20s|", "ab"), 21);
    ck_assert_str_eq(buf, "ab");
    ck_assert_uint_eq(k_snprintf(buf, 5, "%020llu", 99ull), 20);
    ck_assert_str_eq(buf, "0000");
    /* A large output into a small buffer, through k_vsnprintf's va_list path. */
    char big[600];
    memset(big, 'q', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    ck_assert_uint_eq(k_snprintf(buf, sizeof(buf), "%s%s", big, big), 2 * (sizeof(big) - 1));
    ck_assert_str_eq(buf, "qqqqqqq");
}
END_TEST

START_TEST(test_snprintf_null_and_odd_formats)
{
    char buf[32];
    const char *volatile null_str = NULL;
    ck_assert_uint_eq(k_snprintf(buf, sizeof(buf), "[%s]", null_str), 8);
    ck_assert_str_eq(buf, "[(null)]");
    /* Formats a caller should not write, through a variable so the compiler lets them pass. */
    const char *volatile trailing = "abc%";
    ck_assert_uint_eq(k_snprintf(buf, sizeof(buf), trailing, 0), 3);
    ck_assert_str_eq(buf, "abc");
    const char *volatile unknown = "<%q>";
    ck_assert_uint_eq(k_snprintf(buf, sizeof(buf), unknown, 0), 3);
    ck_assert_str_eq(buf, "<?>");
}
END_TEST

/* ---- klib: parsing and strings ---------------------------------------------------------- */

static bool parse_u64_guarded(const char *s, uint64_t *out)
{
    size_t len = strlen(s);
    return k_parse_u64(guarded_copy(s, len), len, out);
}

START_TEST(test_parse_u64_valid)
{
    static const struct {
        const char *s;
        uint64_t v;
    } t[] = {{"0", 0},
             {"7", 7},
             {"42", 42},
             {"4294967296", 4294967296ull},
             {"18446744073709551615", UINT64_MAX},
             {"18446744073709551610", UINT64_MAX - 5},
             {"01", 1},
             {"00000000000000000009", 9}};
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        uint64_t v = 0xdead;
        ck_assert_msg(parse_u64_guarded(t[i].s, &v), "\"%s\" rejected", t[i].s);
        ck_assert_msg(v == t[i].v, "\"%s\" -> %" PRIu64, t[i].s, v);
    }
    /* A prefix of a longer buffer. */
    uint64_t v;
    ck_assert(k_parse_u64("12345", 3, &v));
    ck_assert_uint_eq(v, 123);
}
END_TEST

START_TEST(test_parse_u64_invalid)
{
    static const struct {
        const char *s;
        size_t len;
    } bad[] = {
        {"", 0},
        {"-1", 2},
        {"+1", 2},
        {" 1", 2},
        {"1 ", 2},
        {"1a", 2},
        {"a1", 2},
        {"0x10", 4},
        {"1.0", 3},
        {"1e3", 3},
        {"\xd9\xa1", 2},
        {":", 1},
        {"/", 1},
        {"12\0003", 4}, /* a NUL inside the range */
        {"99999999999999999999", 20},
        {"18446744073709551616", 20},
        {"18446744073709551620", 20},
        {"100000000000000000000", 21},
        {"340282366920938463463374607431768211456", 39},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint64_t v = 0xdead;
        ck_assert_msg(!k_parse_u64(guarded_copy(bad[i].s, bad[i].len), bad[i].len, &v),
                      "\"%.*s\" accepted (%" PRIu64 ")", (int)bad[i].len, bad[i].s, v);
        ck_assert_uint_eq(v, 0xdead); /* nothing stored on failure */
    }
    uint64_t v;
    ck_assert(!k_parse_u64(NULL, 0, &v));
}
END_TEST

/* klib.h: false only on empty, non-digit or overflow. Leading zeros are neither. */
START_TEST(test_parse_u64_long_leading_zeros)
{
    uint64_t v = 0;
    ck_assert_msg(parse_u64_guarded("000000000000000000004", &v),
                  "21 digits of value 4 rejected (no overflow)");
    ck_assert_uint_eq(v, 4);
    ck_assert(parse_u64_guarded("0000000000000000000000018446744073709551615", &v));
    ck_assert_uint_eq(v, UINT64_MAX);
}
END_TEST

START_TEST(test_strnlen)
{
    ck_assert_uint_eq(k_strnlen("hello", 10), 5);
    ck_assert_uint_eq(k_strnlen("hello", 5), 5);
    ck_assert_uint_eq(k_strnlen("hello", 3), 3);
    ck_assert_uint_eq(k_strnlen("", 3), 0);
    ck_assert_uint_eq(k_strnlen(NULL, 0), 0); /* max 0: s is not read */
    /* Unterminated and guarded: no read at s[max]. */
    const char *g = guarded_copy("abcdef", 6);
    ck_assert_uint_eq(k_strnlen(g, 6), 6);
    ck_assert_uint_eq(k_strnlen(g + 6, 0), 0);
    ck_assert_uint_eq(k_strnlen(g + 2, 4), 4);
    ck_assert_uint_eq(k_strlen("twain"), 5);
    ck_assert_uint_eq(k_strlen(""), 0);
}
END_TEST

START_TEST(test_memeq_str)
{
    ck_assert(k_memeq_str("abc", 3, "abc"));
    ck_assert(k_memeq_str("abcdef", 3, "abc")); /* a prefix view */
    ck_assert(!k_memeq_str("abc", 3, "ab"));
    ck_assert(!k_memeq_str("ab", 2, "abc"));
    ck_assert(!k_memeq_str("abd", 3, "abc"));
    ck_assert(!k_memeq_str("Abc", 3, "abc"));
    ck_assert(k_memeq_str("", 0, ""));
    ck_assert(k_memeq_str("x", 0, ""));
    ck_assert(!k_memeq_str("", 0, "x"));
    /* a is a view without a terminator: only len bytes of it are read. */
    const char *g = guarded_copy("chan", 4);
    ck_assert(k_memeq_str(g, 4, "chan"));
    ck_assert(!k_memeq_str(g, 4, "chans"));
    ck_assert(!k_memeq_str(g, 4, "cha"));
    ck_assert(k_streq("abc", "abc"));
    ck_assert(!k_streq("abc", "abd"));
    ck_assert(!k_streq("ab", "abc"));
    ck_assert(!k_streq("abc", "ab"));
    ck_assert(k_streq("", ""));
}
END_TEST

START_TEST(test_mem_helpers)
{
    uint8_t a[32], b[32];
    for (int i = 0; i < 32; i++)
        a[i] = (uint8_t)i;
    ck_assert_ptr_eq(k_memcpy(b, a, 32), b);
    ck_assert_int_eq(memcmp(a, b, 32), 0);
    ck_assert_int_eq(k_memcmp(a, b, 32), 0);
    b[31] = 200;
    ck_assert_int_lt(k_memcmp(a, b, 32), 0);
    ck_assert_int_gt(k_memcmp(b, a, 32), 0);
    ck_assert_int_eq(k_memcmp(a, b, 31), 0);
    ck_assert_ptr_eq(k_memmove(a + 1, a, 16), a + 1); /* overlapping */
    ck_assert_uint_eq(a[1], 0);
    ck_assert_uint_eq(a[16], 15);
    ck_assert_uint_eq(a[17], 17);
    ck_assert_ptr_eq(k_memset(a, 0xab, 8), a);
    for (int i = 0; i < 8; i++)
        ck_assert_uint_eq(a[i], 0xab);
    ck_assert_uint_eq(a[8], 7);
}
END_TEST

/* ---- runner ----------------------------------------------------------------------------- */

static Suite *prng_hash_suite(void)
{
    Suite *s = suite_create("prng_hash");
    TCase *tc = tcase_create("prng");
    tcase_add_test(tc, test_prng_matches_reference_model);
    tcase_add_test(tc, test_prng_pinned_first_values);
    tcase_add_test(tc, test_prng_same_seed_same_sequence);
    tcase_add_test(tc, test_prng_different_seeds_differ);
    tcase_add_test(tc, test_prng_bits_balanced);
    tcase_add_test(tc, test_prng_below_bounds);
    tcase_add_test(tc, test_prng_below_uniform);
    tcase_add_test(tc, test_prng_below_no_modulo_bias);
    tcase_add_test(tc, test_prng_below_pinned);
    tcase_add_test_raise_signal(tc, test_prng_below_zero_panics, SIGABRT);
    tcase_add_test(tc, test_splitmix_reference);
    suite_add_tcase(s, tc);

    tc = tcase_create("hash");
    tcase_add_test(tc, test_hash_pinned);
    tcase_add_test(tc, test_hash_every_bit_matters);
    tcase_add_test(tc, test_hash_length_matters);
    tcase_add_test(tc, test_hash_alignment_and_seed);
    tcase_add_test(tc, test_hash_matches_reference_model);
    tcase_add_test(tc, test_hash_word);
    suite_add_tcase(s, tc);

    tc = tcase_create("format");
    tcase_add_test(tc, test_snprintf_conversions);
    tcase_add_test(tc, test_snprintf_width_flags_precision);
    tcase_add_test(tc, test_snprintf_char_width);
    tcase_add_test(tc, test_snprintf_truncation);
    tcase_add_test(tc, test_snprintf_null_and_odd_formats);
    suite_add_tcase(s, tc);

    tc = tcase_create("strings");
    tcase_add_test(tc, test_parse_u64_valid);
    tcase_add_test(tc, test_parse_u64_invalid);
    tcase_add_test(tc, test_parse_u64_long_leading_zeros);
    tcase_add_test(tc, test_strnlen);
    tcase_add_test(tc, test_memeq_str);
    tcase_add_test(tc, test_mem_helpers);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(prng_hash_suite());
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
