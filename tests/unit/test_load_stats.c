/* Tests for tests/load/load_stats.c: loss, reordering, duplicates and wrap
 * of one received stream, and the delay histogram. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tests/load/load_stats.h"

static void in_order_no_loss(void **state)
{
    (void)state;
    struct lg_seq_stats s = {0};
    for (unsigned i = 0; i < 500; i++)
        assert_int_equal(lg_seq_add(&s, (uint16_t)(100 + i)), LG_SEQ_NEW);
    assert_int_equal(lg_seq_expected(&s), 500);
    assert_int_equal(s.received, 500);
    assert_int_equal(lg_seq_lost(&s), 0);
    assert_int_equal(s.reordered, 0);
    assert_int_equal(s.duplicates, 0);
}

static void loss_counted(void **state)
{
    (void)state;
    struct lg_seq_stats s = {0};
    /* 1000 packets, every 50th missing: 20 lost. */
    for (unsigned i = 0; i < 1000; i++)
        if (i % 50 != 7)
            lg_seq_add(&s, (uint16_t)i);
    assert_int_equal(lg_seq_expected(&s), 1000);
    assert_int_equal(s.received, 980);
    assert_int_equal(lg_seq_lost(&s), 20);
}

static void reorder_fills_gap(void **state)
{
    (void)state;
    struct lg_seq_stats s = {0};
    const uint16_t order[] = {1, 2, 4, 5, 3, 6, 8, 7};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        lg_seq_add(&s, order[i]);
    assert_int_equal(s.reordered, 2);
    assert_int_equal(lg_seq_lost(&s), 0);
    assert_int_equal(lg_seq_expected(&s), 8);
}

static void duplicates_not_received_twice(void **state)
{
    (void)state;
    struct lg_seq_stats s = {0};
    lg_seq_add(&s, 10);
    lg_seq_add(&s, 11);
    assert_int_equal(lg_seq_add(&s, 11), LG_SEQ_DUPLICATE);
    lg_seq_add(&s, 13);
    assert_int_equal(lg_seq_add(&s, 11), LG_SEQ_DUPLICATE);
    assert_int_equal(lg_seq_add(&s, 12), LG_SEQ_REORDERED);
    assert_int_equal(lg_seq_add(&s, 12), LG_SEQ_DUPLICATE);
    assert_int_equal(s.duplicates, 3);
    assert_int_equal(s.received, 4);
    assert_int_equal(lg_seq_lost(&s), 0);
}

static void wraps_forward(void **state)
{
    (void)state;
    struct lg_seq_stats s = {0};
    /* 65530 .. 65535, 0 .. 9 with 2 missing across the wrap. */
    for (unsigned i = 65530; i < 65536 + 10; i++)
        if (i != 65535 && i != 65537)
            lg_seq_add(&s, (uint16_t)i);
    assert_int_equal(lg_seq_expected(&s), 16);
    assert_int_equal(lg_seq_lost(&s), 2);
    assert_int_equal(s.reordered, 0);
    /* The late one from before the wrap. */
    assert_int_equal(lg_seq_add(&s, 65535), LG_SEQ_REORDERED);
    assert_int_equal(lg_seq_lost(&s), 1);
}

static void many_wraps(void **state)
{
    (void)state;
    struct lg_seq_stats s = {0};
    for (uint32_t i = 0; i < 3 * 65536 + 5; i++)
        lg_seq_add(&s, (uint16_t)i);
    assert_int_equal(lg_seq_expected(&s), 3 * 65536 + 5);
    assert_int_equal(lg_seq_lost(&s), 0);
}

static void too_old_ignored(void **state)
{
    (void)state;
    struct lg_seq_stats s = {0};
    for (unsigned i = 0; i < 3000; i++)
        lg_seq_add(&s, (uint16_t)i);
    assert_int_equal(lg_seq_add(&s, 10), LG_SEQ_TOO_OLD);
    assert_int_equal(s.too_old, 1);
    /* A duplicate inside the window after a big jump forward. */
    assert_int_equal(lg_seq_add(&s, 5000), LG_SEQ_NEW);
    assert_int_equal(lg_seq_add(&s, 4500), LG_SEQ_REORDERED);
    assert_int_equal(lg_seq_add(&s, 4500), LG_SEQ_DUPLICATE);
    assert_int_equal(lg_seq_lost(&s), 5001 - 3002);
}

static void loss_from_first_packet_only(void **state)
{
    (void)state;
    struct lg_seq_stats s = {0};
    /* A receiver that joins late does not count what came before. */
    lg_seq_add(&s, 40000);
    lg_seq_add(&s, 40001);
    assert_int_equal(lg_seq_expected(&s), 2);
    assert_int_equal(lg_seq_lost(&s), 0);
}

static void hist_quantiles(void **state)
{
    (void)state;
    static struct lg_hist h;
    memset(&h, 0, sizeof h);
    assert_int_equal(lg_hist_quantile(&h, 0.5), 0);
    /* 1..1000 ms in 1 ms steps. */
    for (uint64_t ms = 1; ms <= 1000; ms++)
        lg_hist_add(&h, ms * 1000);
    uint64_t p50 = lg_hist_quantile(&h, 0.5), p99 = lg_hist_quantile(&h, 0.99);
    assert_in_range(p50, 500000 * 98 / 100, 500000 * 102 / 100);
    assert_in_range(p99, 990000 * 98 / 100, 990000 * 102 / 100);
    /* Small values are exact. */
    static struct lg_hist s;
    memset(&s, 0, sizeof s);
    lg_hist_add(&s, 7);
    assert_int_equal(lg_hist_quantile(&s, 0.5), 7);
    /* Huge values land in the last bucket rather than out of bounds. */
    lg_hist_add(&s, UINT64_MAX);
    assert_true(lg_hist_quantile(&s, 1.0) > 10000000);
    lg_hist_merge(&h, &s);
    assert_int_equal(h.count, 1002);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(in_order_no_loss),  cmocka_unit_test(loss_counted),
        cmocka_unit_test(reorder_fills_gap), cmocka_unit_test(duplicates_not_received_twice),
        cmocka_unit_test(wraps_forward),     cmocka_unit_test(many_wraps),
        cmocka_unit_test(too_old_ignored),   cmocka_unit_test(loss_from_first_packet_only),
        cmocka_unit_test(hist_quantiles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
