/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_disk.c - unit tests of core/disk.c (Check, forked), over the simulator's
 * host disks: finding a disk by name (exact names only, the lower number of two that share
 * one, none at all), I/O inside a disk, and every HAL failure (a range outside the disk)
 * reported as TW_E_IO while the HAL itself says HAL_E_RANGE.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/abi.h"
#include "../../core/disk.h"
#include "../../hal/hal.h"
#include "../../hal/sim/host.h"

static void add_ram(const char *name, uint64_t size)
{
    char err[256];
    ck_assert_msg(host_disk_add_ram(name, size, err, sizeof(err)) == 0, "%s", err);
}

static int find(const char *name, uint32_t *idx, uint64_t *size)
{
    return disk_find(name, strlen(name), idx, size);
}

START_TEST(test_find_by_name)
{
    host_disks_clear();
    add_ram("disk0", 4096);
    add_ram("boot", 12288);
    uint32_t idx = 99;
    uint64_t size = 0;
    ck_assert_int_eq(find("boot", &idx, &size), TW_OK);
    ck_assert_uint_eq(idx, 1);
    ck_assert_uint_eq(size, 12288);
    ck_assert_int_eq(find("disk0", &idx, &size), TW_OK);
    ck_assert_uint_eq(idx, 0);
    ck_assert_uint_eq(size, 4096);
    /* Exact names: no prefix, no longer name, no empty one. */
    ck_assert_int_eq(find("disk", &idx, &size), TW_E_NOENT);
    ck_assert_int_eq(find("disk00", &idx, &size), TW_E_NOENT);
    ck_assert_int_eq(find("", &idx, &size), TW_E_NOENT);
    ck_assert_int_eq(disk_find("bootx", 4, &idx, &size), TW_OK); /* the first len bytes */
    ck_assert_uint_eq(idx, 1);
    host_disks_clear();
}
END_TEST

START_TEST(test_find_none_and_shared_name)
{
    host_disks_clear();
    uint32_t idx;
    uint64_t size;
    ck_assert_int_eq(find("disk0", &idx, &size), TW_E_NOENT);
    add_ram("twin", 4096);
    add_ram("twin", 8192);
    ck_assert_int_eq(find("twin", &idx, &size), TW_OK);
    ck_assert_uint_eq(idx, 0);
    ck_assert_uint_eq(size, 4096);
    host_disks_clear();
}
END_TEST

START_TEST(test_io_inside_and_outside)
{
    host_disks_clear();
    add_ram("disk0", 8192);
    uint8_t w[100], r[100];
    for (int i = 0; i < 100; i++)
        w[i] = (uint8_t)(i * 3 + 1);
    ck_assert_int_eq(disk_write(0, 8092, w, 100), TW_OK); /* up to the last byte */
    memset(r, 0, sizeof(r));
    ck_assert_int_eq(disk_read(0, 8092, r, 100), TW_OK);
    ck_assert_int_eq(memcmp(r, w, 100), 0);
    ck_assert_int_eq(disk_read(0, 8192, r, 0), TW_OK); /* nothing, at the end */
    /* Outside the disk: the HAL's HAL_E_RANGE is the kernel's TW_E_IO, nothing moved. */
    ck_assert_int_eq(hal_disk_read(0, 8093, r, 100), HAL_E_RANGE);
    ck_assert_int_eq(disk_read(0, 8093, r, 100), TW_E_IO);
    ck_assert_int_eq(disk_write(0, 8093, w, 100), TW_E_IO);
    ck_assert_int_eq(disk_read(0, UINT64_MAX, r, 1), TW_E_IO);
    ck_assert_int_eq(disk_read(1, 0, r, 1), TW_E_IO); /* no disk 1 */
    ck_assert_int_eq(disk_read(0, 8092, r, 100), TW_OK);
    ck_assert_int_eq(memcmp(r, w, 100), 0);
    host_disks_clear();
}
END_TEST

static Suite *disk_suite(void)
{
    Suite *s = suite_create("disk");
    TCase *tc = tcase_create("disk");
    tcase_add_test(tc, test_find_by_name);
    tcase_add_test(tc, test_find_none_and_shared_name);
    tcase_add_test(tc, test_io_inside_and_outside);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(disk_suite());
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
