#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "base/ratelimit.h"

static void bucket_allows_burst_then_refuses(void **state)
{
    (void)state;
    struct ratelimit_bucket b;
    ratelimit_bucket_init(&b, 10, 5, 0);
    for (int i = 0; i < 5; i++)
        assert_true(ratelimit_bucket_take(&b, 0));
    assert_false(ratelimit_bucket_take(&b, 0));
}

static void bucket_refills_at_rate(void **state)
{
    (void)state;
    struct ratelimit_bucket b;
    ratelimit_bucket_init(&b, 10, 5, 0);
    for (int i = 0; i < 5; i++)
        ratelimit_bucket_take(&b, 0);
    assert_false(ratelimit_bucket_take(&b, 50000)); /* half a token */
    assert_true(ratelimit_bucket_take(&b, 100000)); /* one token after 100 ms */
    assert_false(ratelimit_bucket_take(&b, 100000));
    /* a long pause refills only up to the burst */
    int taken = 0;
    for (int i = 0; i < 20; i++)
        taken += ratelimit_bucket_take(&b, 100 * 1000000LL);
    assert_int_equal(taken, 5);
}

static void bucket_ignores_time_going_backwards(void **state)
{
    (void)state;
    struct ratelimit_bucket b;
    ratelimit_bucket_init(&b, 1, 1, 1000000);
    assert_true(ratelimit_bucket_take(&b, 1000000));
    assert_false(ratelimit_bucket_take(&b, 0));
    assert_true(ratelimit_bucket_take(&b, 2000000));
}

static void windows_limit_per_key(void **state)
{
    (void)state;
    static struct ratelimit_windows w;
    unsigned retry = 0;
    ratelimit_windows_init(&w, 3, 60 * 1000000LL);
    for (int i = 0; i < 3; i++)
        assert_true(ratelimit_windows_hit(&w, "10.0.0.1", 0, NULL));
    assert_false(ratelimit_windows_hit(&w, "10.0.0.1", 10 * 1000000LL, &retry));
    assert_int_equal(retry, 50);
    /* another key is independent */
    assert_true(ratelimit_windows_hit(&w, "10.0.0.2", 10 * 1000000LL, NULL));
    /* the window resets */
    assert_true(ratelimit_windows_hit(&w, "10.0.0.1", 61 * 1000000LL, NULL));
}

static void windows_reuse_oldest_when_full(void **state)
{
    (void)state;
    static struct ratelimit_windows w;
    char key[32];
    ratelimit_windows_init(&w, 1, 60 * 1000000LL);
    for (int i = 0; i < RATELIMIT_KEYS; i++) {
        snprintf(key, sizeof key, "k%d", i);
        assert_true(ratelimit_windows_hit(&w, key, i, NULL));
    }
    /* k0 is the oldest: a new key takes its slot, so k0 is fresh again */
    assert_true(ratelimit_windows_hit(&w, "new", RATELIMIT_KEYS, NULL));
    assert_true(ratelimit_windows_hit(&w, "k0", RATELIMIT_KEYS + 1, NULL));
    /* a key still in the table stays limited */
    assert_false(ratelimit_windows_hit(&w, "k500", RATELIMIT_KEYS + 2, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bucket_allows_burst_then_refuses),
        cmocka_unit_test(bucket_refills_at_rate),
        cmocka_unit_test(bucket_ignores_time_going_backwards),
        cmocka_unit_test(windows_limit_per_key),
        cmocka_unit_test(windows_reuse_oldest_when_full),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
