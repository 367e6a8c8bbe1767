/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_cache.c - unit tests of providers/cache.c (Check, forked): reads and
 * writes through the cache agree with the device; write-back (nothing reaches the device
 * before a flush, an eviction, the last close); hit and miss counters; LRU eviction at the
 * capacity; shrinking (invoke and cache_shrink_all); sharing by sub-URL; bad URLs; the
 * sub-resource living exactly as long as its users.
 */
#include "../fat/harness.h"

#include "../../core/provider.h"
#include "../../providers/storage.h"

#define DEV   "blk://disk0/"
#define CACHE "cache://[" DEV "]/"

static void body_basic(uintptr_t heap)
{
    uint8_t *buf = (uint8_t *)heap;
    int32_t c = (int32_t)u_open(CACHE "?blocks=4", 0);
    int32_t raw = (int32_t)u_open(DEV, 0);
    EXPECT_OK(c);
    EXPECT_OK(raw);
    EXPECT(tw_invoke(c, TW_BLK_SIZE, 0, 0, 0, 0), 10 * 4096 + 100);
    /* A write spanning three blocks stays in the cache until flushed. */
    memset(buf, 'a', 9000);
    EXPECT(tw_seek(c, 1000, TW_SEEK_SET), 1000);
    EXPECT(tw_write(c, buf, 4096), 4096);
    EXPECT(tw_write(c, buf, 4096), 4096);
    EXPECT(tw_invoke(c, TW_CACHE_DIRTY, 0, 0, 0, 0), 3);
    EXPECT(tw_seek(raw, 1000, TW_SEEK_SET), 1000);
    EXPECT(tw_read(raw, buf + 10000, 1), 1);
    EXPECT(buf[10000], 0);
    EXPECT(tw_invoke(c, TW_BLK_FLUSH, 0, 0, 0, 0), TW_OK);
    EXPECT(tw_invoke(c, TW_CACHE_DIRTY, 0, 0, 0, 0), 0);
    EXPECT(tw_seek(raw, 999, TW_SEEK_SET), 999);
    EXPECT(tw_read(raw, buf + 10000, 3), 3);
    EXPECT(buf[10000] == 0 && buf[10001] == 'a' && buf[10002] == 'a', 1);
    /* Counters: the partial blocks were misses, the middle one a full overwrite (a miss
     * without a read); reading them again hits. */
    EXPECT(tw_invoke(c, TW_CACHE_RESET_STATS, 0, 0, 0, 0), TW_OK);
    EXPECT(tw_seek(c, 0, TW_SEEK_SET), 0);
    EXPECT(tw_read(c, buf, 4096 * 3), 4096);
    EXPECT(tw_read(c, buf, 4096), 4096);
    EXPECT(tw_invoke(c, TW_CACHE_HITS, 0, 0, 0, 0), 2);
    EXPECT(tw_invoke(c, TW_CACHE_MISSES, 0, 0, 0, 0), 0);
    /* The end of the device: a short last block. */
    EXPECT(tw_seek(c, -50, TW_SEEK_END), 10 * 4096 + 50);
    EXPECT(tw_read(c, buf, 100), 50);
    EXPECT(tw_read(c, buf, 100), 0);
    EXPECT(tw_write(c, buf, 1), TW_E_LIMIT);
    EXPECT(tw_seek(c, 1, TW_SEEK_END), TW_E_INVAL);
    /* Capacity 4: reading 6 more blocks evicts; dirty ones are written back first. */
    EXPECT(tw_seek(c, 5 * 4096, TW_SEEK_SET), 5 * 4096);
    memset(buf, 'b', 4096);
    EXPECT(tw_write(c, buf, 4096), 4096);
    EXPECT(tw_seek(c, 0, TW_SEEK_SET), 0);
    for (int i = 0; i < 10; i++)
        EXPECT(tw_read(c, buf, 4096), 4096);
    EXPECT(tw_invoke(c, TW_CACHE_BLOCKS, 0, 0, 0, 0), 4);
    EXPECT(tw_seek(raw, 5 * 4096, TW_SEEK_SET), 5 * 4096);
    EXPECT(tw_read(raw, buf, 1), 1);
    EXPECT(buf[0], 'b');
    /* Shrink: clean blocks go. */
    EXPECT(tw_invoke(c, TW_CACHE_SHRINK, 3, 0, 0, 0), 3);
    EXPECT(tw_invoke(c, TW_CACHE_BLOCKS, 0, 0, 0, 0), 1);
    EXPECT(tw_invoke(c, TW_CACHE_SHRINK, 100, 0, 0, 0), 1);
    /* A second open shares the cache (the first size holds). */
    int32_t c2 = (int32_t)u_open(CACHE "?blocks=100", 0);
    EXPECT_OK(c2);
    EXPECT(tw_seek(c2, 4096, TW_SEEK_SET), 4096);
    memset(buf, 'c', 10);
    EXPECT(tw_write(c2, buf, 10), 10);
    EXPECT(tw_seek(c, 4096, TW_SEEK_SET), 4096);
    EXPECT(tw_read(c, buf + 100, 10), 10);
    EXPECT(buf[100] == 'c' && buf[109] == 'c', 1);
    EXPECT(tw_tell(c2), 4106);
    /* Closing c2 (the last handle of that object) flushes. */
    EXPECT(tw_close(c2), TW_OK);
    EXPECT(tw_invoke(c, TW_CACHE_DIRTY, 0, 0, 0, 0), 0);
    EXPECT(tw_seek(raw, 4096, TW_SEEK_SET), 4096);
    EXPECT(tw_read(raw, buf, 1), 1);
    EXPECT(buf[0], 'c');
    EXPECT(tw_close(c), TW_OK);
    EXPECT(tw_close(raw), TW_OK);
    th_done++;
}

static void add_ram_disk(uint64_t size)
{
    host_disks_clear();
    char err[128];
    ck_assert_int_eq(host_disk_add_ram("disk0", size, err, sizeof(err)), 0);
}

START_TEST(test_write_back_lru_counters)
{
    add_ram_disk(10 * 4096 + 100);
    th_boot(4096);
    th_task("t", body_basic, 4);
    th_run_check(1);
    host_disks_clear();
}
END_TEST

static void body_bad(uintptr_t heap)
{
    (void)heap;
    static const struct {
        const char *url;
        int64_t err;
    } bad[] = {
        {"cache://", TW_E_INVAL},
        {"cache://x/", TW_E_INVAL},
        {"cache://[blk://disk0/]x/", TW_E_INVAL},
        {"cache://[blk://disk0/]/path", TW_E_INVAL},
        {"cache://[blk://disk0/]/?blocks=0", TW_E_INVAL},
        {"cache://[blk://disk0/]/?blocks=x", TW_E_INVAL},
        {"cache://[blk://disk0/]/?blocks=1048577", TW_E_INVAL},
        {"cache://[blk://nope/]/", TW_E_NOENT},
        {"cache://[null://]/", TW_E_INVAL},
        {"cache://[nosuch://]/", TW_E_NOENT},
    };
    for (size_t i = 0; i < K_ARRAY_SIZE(bad); i++)
        th_expect_at(1000 + (int)i, u_open(bad[i].url, 0), bad[i].err);
    /* Stacked caches work too. */
    int32_t h = (int32_t)u_open("cache://[cache://[blk://disk0/]/?blocks=2]/?blocks=3", 0);
    EXPECT_OK(h);
    uint8_t b[64];
    memset(b, 'z', sizeof(b));
    EXPECT(tw_write(h, b, sizeof(b)), 64);
    EXPECT(tw_close(h), TW_OK);
    th_done++;
}

START_TEST(test_bad_urls_and_stacking)
{
    add_ram_disk(65536);
    th_boot(4096);
    th_task("t", body_bad, 1);
    th_run_check(1);
    uint8_t b[4];
    ck_assert_int_eq(hal_disk_read(0, 0, b, 4), HAL_OK);
    ck_assert_int_eq(b[0], 'z'); /* both levels flushed on their last close */
    host_disks_clear();
}
END_TEST

/* Kernel side: cache_shrink_all gives pages back; the sub-resource lives as long as the
 * cache, and a cache dropped without a handle flushes. */
START_TEST(test_shrink_all_and_lifetime)
{
    add_ram_disk(1 << 20);
    th_boot(4096);
    struct kobj *c;
    const char url[] = CACHE "?blocks=200";
    ck_assert_int_eq(provider_open(url, sizeof(url) - 1, 0, &c), TW_OK);
    ck_assert_uint_eq(kobj_live_count(), 2); /* the cache object and its blk object */
    uint8_t w[4096];
    memset(w, 'q', sizeof(w));
    for (int i = 0; i < 100; i++)
        ck_assert_int_eq(kio_pwrite(c, (uint64_t)i * 4096, w, sizeof(w)), TW_OK);
    size_t free_before = page_free_count();
    ck_assert_uint_eq(cache_shrink_all(30), 30);
    ck_assert_uint_eq(page_free_count(), free_before + 30);
    k_check_invariants();
    uint8_t r[4];
    ck_assert_int_eq(hal_disk_read(0, 0, r, 4), HAL_OK);
    ck_assert_int_eq(r[0], 'q'); /* the oldest dirty blocks were written back */
    ck_assert_int_eq(hal_disk_read(0, 99 * 4096, r, 4), HAL_OK);
    ck_assert_int_eq(r[0], 0); /* the newest are still only cached */
    kobj_unref(c);
    ck_assert_int_eq(hal_disk_read(0, 99 * 4096, r, 4), HAL_OK);
    ck_assert_int_eq(r[0], 'q');
    ck_assert_uint_eq(kobj_live_count(), 0);
    ck_assert_uint_eq(cache_shrink_all(10), 0);
    k_teardown();
    host_disks_clear();
}
END_TEST

/* A pool too small for the capacity: the cache evicts its own blocks and goes on. */
static void body_small_pool(uintptr_t heap)
{
    uint8_t *buf = (uint8_t *)heap;
    int32_t c = (int32_t)u_open(CACHE "?blocks=100000", 0);
    EXPECT_OK(c);
    for (int pass = 0; pass < 2; pass++) {
        EXPECT(tw_seek(c, 0, TW_SEEK_SET), 0);
        for (int i = 0; i < 1024; i++) {
            memset(buf, (uint8_t)(i + pass), 4096);
            th_expect_at(2000 + pass, tw_write(c, buf, 4096), 4096);
        }
    }
    EXPECT(tw_seek(c, 0, TW_SEEK_SET), 0);
    bool ok = true;
    for (int i = 0; i < 1024; i++)
        ok = ok && tw_read(c, buf, 4096) == 4096 && buf[0] == (uint8_t)(i + 1) &&
             buf[4095] == (uint8_t)(i + 1);
    EXPECT(ok, 1);
    EXPECT(tw_close(c), TW_OK);
    th_done++;
}

START_TEST(test_small_pool_evicts)
{
    add_ram_disk(4 << 20);
    th_boot(512);
    th_task("t", body_small_pool, 1);
    th_run_check(1);
    host_disks_clear();
}
END_TEST

/*
 * Read-ahead: a read that misses on the block after the previous miss reads the following
 * absent blocks too (4, then 8, 16, 32 at most; never evicting for them); their lookups
 * are hits.
 */
static bool block_is(const uint8_t *b, unsigned no)
{
    return b[0] == (uint8_t)no && b[4095] == (uint8_t)(no * 7) && b[2048] == (uint8_t)(no + 1);
}

static void body_read_ahead(uintptr_t heap)
{
    uint8_t *buf = (uint8_t *)heap;
    int32_t c = (int32_t)u_open(CACHE "?blocks=50", 0);
    EXPECT_OK(c);
    bool ok = true;
    /* misses: 0 (one block), 1 (reads 1..4), 5 (5..12), 13 (13..28), 29 (29..49: only 21
     * more blocks fit without evicting) */
    for (unsigned i = 0; i < 34; i++)
        ok = ok && tw_read(c, buf, 4096) == 4096 && block_is(buf, i);
    EXPECT(ok, 1);
    EXPECT(tw_invoke(c, TW_CACHE_MISSES, 0, 0, 0, 0), 5);
    EXPECT(tw_invoke(c, TW_CACHE_HITS, 0, 0, 0, 0), 34 - 5);
    EXPECT(tw_invoke(c, TW_CACHE_BLOCKS, 0, 0, 0, 0), 50);
    for (unsigned i = 34; i < 60; i++) /* from 50 on, the cache is full: one block a miss */
        ok = ok && tw_read(c, buf, 4096) == 4096 && block_is(buf, i);
    EXPECT(ok, 1);
    EXPECT(tw_invoke(c, TW_CACHE_MISSES, 0, 0, 0, 0), 5 + 10);
    EXPECT(tw_invoke(c, TW_CACHE_BLOCKS, 0, 0, 0, 0), 50);
    /* A jump is not sequential: one block, no read-ahead (a partial write is a miss too). */
    EXPECT(tw_invoke(c, TW_CACHE_SHRINK, 50, 0, 0, 0), 50);
    EXPECT(tw_seek(c, 84 * 4096, TW_SEEK_SET), 84 * 4096);
    memcpy(buf, "dirty", 5); /* user memory: the task's heap */
    EXPECT(tw_write(c, buf, 5), 5);
    EXPECT(tw_seek(c, 80 * 4096, TW_SEEK_SET), 80 * 4096);
    EXPECT(tw_read(c, buf, 4096), 4096);
    EXPECT(block_is(buf, 80), 1);
    EXPECT(tw_invoke(c, TW_CACHE_BLOCKS, 0, 0, 0, 0), 2);
    /* A cached (here dirty) block ends a read-ahead, and keeps its bytes. */
    EXPECT(tw_read(c, buf, 4096), 4096); /* 81, after 80's miss: reads 81..83 */
    EXPECT(block_is(buf, 81), 1);
    EXPECT(tw_invoke(c, TW_CACHE_BLOCKS, 0, 0, 0, 0), 2 + 3);
    EXPECT(tw_seek(c, 84 * 4096, TW_SEEK_SET), 84 * 4096);
    EXPECT(tw_read(c, buf, 4096), 4096);
    EXPECT(memcmp(buf, "dirty", 5) == 0 && buf[4095] == (uint8_t)(84 * 7), 1);
    /* The device's last block is short: a read-ahead stops at the end. */
    EXPECT(tw_seek(c, 97 * 4096, TW_SEEK_SET), 97 * 4096);
    EXPECT(tw_read(c, buf, 4096), 4096);
    EXPECT(tw_read(c, buf, 4096), 4096);
    EXPECT(tw_read(c, buf, 4096), 100);
    EXPECT(tw_read(c, buf, 4096), 0);
    EXPECT(tw_close(c), TW_OK);
    th_done++;
}

START_TEST(test_read_ahead)
{
    add_ram_disk(99 * 4096 + 100);
    for (unsigned i = 0; i < 100; i++) {
        uint8_t b[4096];
        memset(b, (uint8_t)(i + 1), sizeof(b));
        b[0] = (uint8_t)i;
        b[4095] = (uint8_t)(i * 7);
        ck_assert_int_eq(hal_disk_write(0, (uint64_t)i * 4096, b, i < 99 ? 4096 : 100), HAL_OK);
    }
    th_boot(4096);
    th_task("t", body_read_ahead, 2);
    th_run_check(1);
    host_disks_clear();
}
END_TEST

static Suite *cache_suite(void)
{
    Suite *s = suite_create("cache");
    TCase *tc = tcase_create("cache");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_write_back_lru_counters);
    tcase_add_test(tc, test_bad_urls_and_stacking);
    tcase_add_test(tc, test_shrink_all_and_lifetime);
    tcase_add_test(tc, test_small_pool_evicts);
    tcase_add_test(tc, test_read_ahead);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(cache_suite());
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
