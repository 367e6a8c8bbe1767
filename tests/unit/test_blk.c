/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_blk.c - unit tests of providers/blk.c (Check, forked): RAM disks made,
 * shared by name and freed with their last user; machine disks (the simulator's host
 * disks); positions, short I/O at the end, seek bounds, invoke operations, bad URLs, a
 * RAM disk larger than the pool; and kio_* positioned I/O over a blk object.
 */
#include "../fat/harness.h"

#include "../../core/provider.h"
#include "../../providers/storage.h"

static void body_ramdisk(uintptr_t heap)
{
    uint8_t *buf = (uint8_t *)heap;
    int32_t a = (int32_t)u_open("blk://ram0/?size=3000000", 0);
    EXPECT_OK(a);
    EXPECT(tw_invoke(a, TW_BLK_SIZE, 0, 0, 0, 0), 3000000);
    EXPECT(tw_invoke(a, TW_BLK_FLUSH, 0, 0, 0, 0), TW_OK);
    EXPECT(tw_invoke(a, TW_CACHE_HITS, 0, 0, 0, 0), TW_E_NOTSUP);
    /* A pattern across the first 1 MiB chunk boundary. */
    for (int i = 0; i < 4096; i++)
        buf[i] = (uint8_t)(i * 7 + 3);
    EXPECT(tw_seek(a, (1 << 20) - 100, TW_SEEK_SET), (1 << 20) - 100);
    EXPECT(tw_write(a, buf, 4096), 4096);
    EXPECT(tw_tell(a), (1 << 20) - 100 + 4096);
    /* A second open shares the disk and has its own position. */
    int32_t b = (int32_t)u_open("blk://ram0/", 0);
    EXPECT_OK(b);
    EXPECT(tw_tell(b), 0);
    EXPECT(tw_read(b, buf + 4096, 16), 16);
    EXPECT(buf[4096] == 0 && buf[4111] == 0, 1); /* fresh RAM disks are zero */
    EXPECT(tw_seek(b, (1 << 20) - 100, TW_SEEK_SET), (1 << 20) - 100);
    EXPECT(tw_read(b, buf + 4096, 4096), 4096);
    EXPECT(memcmp(buf, buf + 4096, 4096), 0);
    /* The end: short reads and writes, then 0 / TW_E_LIMIT. */
    EXPECT(tw_seek(b, -10, TW_SEEK_END), 3000000 - 10);
    EXPECT(tw_read(b, buf, 100), 10);
    EXPECT(tw_read(b, buf, 100), 0);
    EXPECT(tw_seek(b, -10, TW_SEEK_CUR), 3000000 - 10);
    EXPECT(tw_write(b, buf, 100), 10);
    EXPECT(tw_write(b, buf, 1), TW_E_LIMIT);
    EXPECT(tw_seek(b, 1, TW_SEEK_END), TW_E_INVAL);
    EXPECT(tw_seek(b, -1, TW_SEEK_SET), TW_E_INVAL);
    EXPECT(tw_seek(b, INT64_MIN, TW_SEEK_CUR), TW_E_INVAL);
    EXPECT(tw_seek(b, INT64_MAX, TW_SEEK_CUR), TW_E_INVAL);
    EXPECT(tw_tell(b), 3000000);
    /* A different size for a disk that exists is refused; the same size is fine. */
    EXPECT(u_open("blk://ram0/?size=4096", 0), TW_E_BUSY);
    int32_t c = (int32_t)u_open("blk://ram0/?size=3000000", 0);
    EXPECT_OK(c);
    EXPECT(tw_close(c), TW_OK);
    EXPECT(tw_close(a), TW_OK);
    EXPECT(tw_close(b), TW_OK);
    /* The last user is gone: so is the disk, and its pages. */
    EXPECT(u_open("blk://ram0/", 0), TW_E_NOENT);
    int32_t d = (int32_t)u_open("blk://ram0/?size=512", 0);
    EXPECT_OK(d);
    EXPECT(tw_read(d, buf, 4096), 512);
    EXPECT(buf[0] == 0 && buf[511] == 0, 1);
    EXPECT(tw_close(d), TW_OK);
    th_done++;
}

START_TEST(test_ramdisk_shared_and_freed)
{
    th_boot(4096);
    size_t before = page_free_count();
    th_task("t", body_ramdisk, 2);
    int why = k_run();
    ck_assert_int_eq(why, TR_END_DONE);
    th_judge();
    ck_assert_uint_eq(th_done, 1);
    k_teardown();
    ck_assert_uint_eq(kobj_live_count(), 0);
    ck_assert_uint_ge(page_free_count() + 2 + 8, before); /* only the task's own pages moved */
}
END_TEST

static void body_bad_urls(uintptr_t heap)
{
    (void)heap;
    static const struct {
        const char *url;
        int64_t err;
    } bad[] = {
        {"blk://", TW_E_INVAL},
        {"blk://nodisk/", TW_E_NOENT},
        {"blk://ram1/", TW_E_NOENT},
        {"blk://ram/?size=10", TW_E_NOENT},
        {"blk://disk0:1/", TW_E_INVAL},
        {"blk://disk0/x", TW_E_INVAL},
        {"blk://[zero://]disk0/", TW_E_INVAL},
        {"blk://disk0/?size=10", TW_E_INVAL},
        {"blk://ram0/?size=0", TW_E_INVAL},
        {"blk://ram0/?size=x", TW_E_INVAL},
        {"blk://ram0/?size=99999999999999999999999", TW_E_INVAL},
        {"blk://ram0/?size=536870913", TW_E_INVAL},
        {"blk://ram0/?size=268435456", TW_E_NOMEM}, /* more than the pool */
        {"blk://aaaaaaaaaaaaaaaa/", TW_E_TOOBIG},
    };
    for (size_t i = 0; i < K_ARRAY_SIZE(bad); i++)
        th_expect_at(1000 + (int)i, u_open(bad[i].url, 0), bad[i].err);
    th_done++;
}

START_TEST(test_bad_urls)
{
    host_disks_clear();
    char err[128];
    ck_assert_int_eq(host_disk_add_ram("disk0", 65536, err, sizeof(err)), 0);
    th_boot(4096);
    th_task("t", body_bad_urls, 1);
    th_run_check(1);
    host_disks_clear();
}
END_TEST

static void body_machine_disk(uintptr_t heap)
{
    uint8_t *buf = (uint8_t *)heap;
    int32_t d = (int32_t)u_open("blk://disk1/", 0);
    EXPECT_OK(d);
    EXPECT(tw_invoke(d, TW_BLK_SIZE, 0, 0, 0, 0), 8192);
    EXPECT(tw_read(d, buf, 4096), 4096);
    EXPECT(buf[0] == 'T' && buf[4095] == 'Z', 1);
    memset(buf, 'w', 100);
    EXPECT(tw_seek(d, 8000, TW_SEEK_SET), 8000);
    EXPECT(tw_write(d, buf, 4096), 192);
    EXPECT(tw_close(d), TW_OK);
    th_done++;
}

START_TEST(test_machine_disk_copy_on_write)
{
    host_disks_clear();
    char path[300], err[256];
    snprintf(path, sizeof(path), "%s/d.img", th_tmp());
    th_sh("head -c 8192 /dev/zero | tr '\\0' 'Z' > %s && printf T | dd of=%s conv=notrunc "
          "status=none",
          path, path);
    ck_assert_int_eq(host_disk_add_ram("disk0", 4096, err, sizeof(err)), 0);
    ck_assert_int_eq(host_disk_add_file("disk1", path, false, err, sizeof(err)), 0);
    th_boot(1024);
    th_task("t", body_machine_disk, 1);
    th_run_check(1);
    /* Copy-on-write: the host file is untouched; the disk in memory changed. */
    size_t len;
    uint8_t *img = th_slurp(path, &len);
    ck_assert_uint_eq(len, 8192);
    ck_assert_int_eq(img[8100], 'Z');
    free(img);
    uint8_t b[4];
    ck_assert_int_eq(hal_disk_read(1, 8050, b, 4), HAL_OK);
    ck_assert_int_eq(b[0], 'w');
    /* Pages the run did not write come from the file, written ones from memory. */
    uint8_t span[8192];
    ck_assert_int_eq(hal_disk_read(1, 0, span, 8192), HAL_OK);
    ck_assert(span[0] == 'T' && span[1] == 'Z' && span[7999] == 'Z' && span[8000] == 'w');
    ck_assert_int_eq(hal_disk_read(1, 4000, span, 96), HAL_OK);
    ck_assert(span[0] == 'Z' && span[95] == 'Z');
    ck_assert_int_eq(hal_disk_read(1, 8100, span, 93), HAL_E_RANGE);
    host_disks_clear();
    th_cleanup();
}
END_TEST

/* kio_* from kernel context (the way cache:// and fat:// use their sub-resources). */
START_TEST(test_kio_helpers)
{
    th_boot(1024);
    struct kobj *o;
    const char url[] = "blk://ram3/?size=10000";
    ck_assert_int_eq(provider_open(url, sizeof(url) - 1, 0, &o), TW_OK);
    ck_assert_int_eq(kio_size(o), 10000);
    uint8_t w[300], r[300];
    for (int i = 0; i < 300; i++)
        w[i] = (uint8_t)i;
    ck_assert_int_eq(kio_pwrite(o, 9700, w, 300), TW_OK);
    ck_assert_int_eq(kio_pread(o, 9700, r, 300), TW_OK);
    ck_assert_int_eq(memcmp(w, r, 300), 0);
    ck_assert_int_eq(kio_pread(o, 9701, r, 300), TW_E_IO); /* past the end */
    ck_assert_int_eq(kio_pwrite(o, 10001, r, 1), TW_E_IO);
    ck_assert_int_eq(kio_flush(o), TW_OK);
    k_check_invariants();
    kobj_unref(o);
    ck_assert_uint_eq(kobj_live_count(), 0);
    k_teardown();
}
END_TEST

static Suite *blk_suite(void)
{
    Suite *s = suite_create("blk");
    TCase *tc = tcase_create("blk");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_ramdisk_shared_and_freed);
    tcase_add_test(tc, test_bad_urls);
    tcase_add_test(tc, test_machine_disk_copy_on_write);
    tcase_add_test(tc, test_kio_helpers);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(blk_suite());
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
