/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_log_ring.c - the log service's ring (user/servers/log_ring.c), Check: the
 * capacities it takes and refuses; records numbered from 1 in append order, back 0 the
 * newest; the oldest dropped when full, across many wraps, numbers still rising; back past
 * what it keeps is no record; refused appends (a level past 7, a text too long or holding a
 * NUL) change nothing; a text at its bound kept whole, and every byte of a record set.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/abi.h"
#include "../../user/servers/log_ring.h"

static struct log_ring ring;

START_TEST(test_capacity_bounds)
{
    ck_assert_int_eq(log_ring_init(&ring, 0), TW_E_INVAL);
    ck_assert_uint_eq(ring.cap, LOG_RING_MAX);
    ck_assert_int_eq(log_ring_init(&ring, LOG_RING_MAX + 1), TW_E_INVAL);
    ck_assert_int_eq(log_ring_init(&ring, 1), TW_OK);
    ck_assert_uint_eq(ring.cap, 1);
    ck_assert_int_eq(log_ring_init(&ring, LOG_RING_MAX), TW_OK);
    ck_assert_uint_eq(ring.cap, LOG_RING_MAX);
    ck_assert_ptr_null(log_ring_back(&ring, 0)); /* empty */
}
END_TEST

START_TEST(test_numbered_in_order_newest_first)
{
    ck_assert_int_eq(log_ring_init(&ring, 8), TW_OK);
    ck_assert_int_eq(log_ring_append(&ring, 3, 7, "one", 3), 1);
    ck_assert_int_eq(log_ring_append(&ring, 0, 9, "two", 3), 2);
    ck_assert_int_eq(log_ring_append(&ring, 7, 7, "", 0), 3);
    const struct log_record *r = log_ring_back(&ring, 0);
    ck_assert_ptr_nonnull(r);
    ck_assert_uint_eq(r->seq, 3);
    ck_assert_uint_eq(r->level, 7);
    ck_assert_str_eq(r->text, "");
    r = log_ring_back(&ring, 1);
    ck_assert_uint_eq(r->seq, 2);
    ck_assert_uint_eq(r->task, 9);
    ck_assert_str_eq(r->text, "two");
    r = log_ring_back(&ring, 2);
    ck_assert_uint_eq(r->seq, 1);
    ck_assert_uint_eq(r->level, 3);
    ck_assert_uint_eq(r->task, 7);
    ck_assert_str_eq(r->text, "one");
    ck_assert_ptr_null(log_ring_back(&ring, 3));
    ck_assert_ptr_null(log_ring_back(&ring, UINT32_MAX));
}
END_TEST

/* Every capacity, ten times round: the ring keeps exactly the newest cap, in order. */
START_TEST(test_full_ring_drops_the_oldest)
{
    uint32_t cap = (uint32_t)_i;
    ck_assert_int_eq(log_ring_init(&ring, cap), TW_OK);
    char text[16];
    for (uint64_t n = 1; n <= 10ull * cap + 3; n++) {
        int len = snprintf(text, sizeof(text), "r%llu", (unsigned long long)n);
        ck_assert_int_eq(log_ring_append(&ring, (uint32_t)(n % 8), (uint32_t)n, text, (size_t)len),
                         (int64_t)n);
        uint64_t kept = n < cap ? n : cap;
        ck_assert_uint_eq(ring.count, kept);
        for (uint32_t back = 0; back < kept; back++) {
            const struct log_record *r = log_ring_back(&ring, back);
            ck_assert_ptr_nonnull(r);
            ck_assert_uint_eq(r->seq, n - back);
            ck_assert_uint_eq(r->task, n - back);
            snprintf(text, sizeof(text), "r%llu", (unsigned long long)(n - back));
            ck_assert_str_eq(r->text, text);
        }
        ck_assert_ptr_null(log_ring_back(&ring, (uint32_t)kept));
    }
}
END_TEST

START_TEST(test_refusals_change_nothing)
{
    ck_assert_int_eq(log_ring_init(&ring, 4), TW_OK);
    ck_assert_int_eq(log_ring_append(&ring, 1, 5, "kept", 4), 1);
    struct log_ring before = ring;
    char big[LOG_TEXT_MAX + 1];
    memset(big, 'y', sizeof(big));
    ck_assert_int_eq(log_ring_append(&ring, LOG_LEVEL_MAX + 1, 5, "x", 1), TW_E_INVAL);
    ck_assert_int_eq(log_ring_append(&ring, UINT32_MAX, 5, "x", 1), TW_E_INVAL);
    ck_assert_int_eq(log_ring_append(&ring, 1, 5, big, LOG_TEXT_MAX + 1), TW_E_INVAL);
    ck_assert_int_eq(log_ring_append(&ring, 1, 5, "a\0b", 3), TW_E_INVAL);
    ck_assert_mem_eq(&ring, &before, sizeof(ring));
    /* The next one is numbered as if they had never been asked. */
    ck_assert_int_eq(log_ring_append(&ring, 1, 5, big, LOG_TEXT_MAX), 2);
    const struct log_record *r = log_ring_back(&ring, 0);
    ck_assert_uint_eq(strlen(r->text), LOG_TEXT_MAX);
    ck_assert_int_eq(memcmp(r->text, big, LOG_TEXT_MAX), 0);
}
END_TEST

/* A record's bytes past its text are zero, whatever the slot held before (a TAIL copies the
 * whole text field into its reply). */
START_TEST(test_slots_reused_clean)
{
    ck_assert_int_eq(log_ring_init(&ring, 1), TW_OK);
    char big[LOG_TEXT_MAX];
    memset(big, 'z', sizeof(big));
    ck_assert_int_eq(log_ring_append(&ring, 2, 1, big, sizeof(big)), 1);
    ck_assert_int_eq(log_ring_append(&ring, 2, 1, "ab", 2), 2);
    const struct log_record *r = log_ring_back(&ring, 0);
    ck_assert_str_eq(r->text, "ab");
    for (size_t i = 2; i < sizeof(r->text); i++)
        ck_assert_int_eq(r->text[i], 0);
}
END_TEST

static Suite *log_ring_suite(void)
{
    Suite *s = suite_create("log_ring");
    TCase *tc = tcase_create("ring");
    tcase_add_test(tc, test_capacity_bounds);
    tcase_add_test(tc, test_numbered_in_order_newest_first);
    tcase_add_loop_test(tc, test_full_ring_drops_the_oldest, 1, LOG_RING_MAX + 1);
    tcase_add_test(tc, test_refusals_change_nothing);
    tcase_add_test(tc, test_slots_reused_clean);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(log_ring_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
