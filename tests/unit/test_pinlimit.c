/* Tests for signaling/pinlimit.c (wrong phone PINs across calls), on a fake clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "signaling/pinlimit.h"

#define S (INT64_C(1000000))

static struct pinlimit pl; /* large: not on the stack */

static void test_per_caller(void **state)
{
    (void)state;
    unsigned wait = 99;
    pinlimit_init(&pl, 3, 100, 0);
    for (int i = 0; i < 3; i++) {
        assert_true(pinlimit_allowed(&pl, "+4512345678", "192.0.2.1", i * S, &wait));
        assert_int_equal(wait, 0);
        pinlimit_failure(&pl, "+4512345678", "192.0.2.1", i * S);
    }
    assert_false(pinlimit_allowed(&pl, "+4512345678", "192.0.2.1", 3 * S, &wait));
    assert_int_equal(wait, 57); /* the window started at 0 */
    /* Another caller id, or the same id from another address, is another caller. */
    assert_true(pinlimit_allowed(&pl, "+4587654321", "192.0.2.1", 3 * S, NULL));
    assert_true(pinlimit_allowed(&pl, "+4512345678", "192.0.2.2", 3 * S, NULL));
    /* The window ends: allowed again. */
    assert_false(pinlimit_allowed(&pl, "+4512345678", "192.0.2.1", 60 * S - 1, NULL));
    assert_true(pinlimit_allowed(&pl, "+4512345678", "192.0.2.1", 60 * S, NULL));
    assert_int_equal(pl.total_failures, 3);
    assert_int_equal(pl.total_refused, 2);
}

static void test_success_clears_caller(void **state)
{
    (void)state;
    pinlimit_init(&pl, 2, 100, 0);
    pinlimit_failure(&pl, "anonymous", "192.0.2.1", 0);
    pinlimit_success(&pl, "anonymous", "192.0.2.1");
    pinlimit_failure(&pl, "anonymous", "192.0.2.1", S);
    assert_true(pinlimit_allowed(&pl, "anonymous", "192.0.2.1", S, NULL));
    pinlimit_failure(&pl, "anonymous", "192.0.2.1", S);
    assert_false(pinlimit_allowed(&pl, "anonymous", "192.0.2.1", S, NULL));
    /* A success for someone never seen changes nothing. */
    pinlimit_success(&pl, "nobody", "192.0.2.9");
    assert_false(pinlimit_allowed(&pl, "anonymous", "192.0.2.1", S, NULL));
}

/* A brute force spread over many caller ids stops at the global limit. */
static void test_global(void **state)
{
    (void)state;
    char id[32];
    unsigned wait = 0;
    pinlimit_init(&pl, 5, 10, 10 * S);
    for (int i = 0; i < 10; i++) {
        snprintf(id, sizeof id, "sip:%d@198.51.100.7", i);
        assert_true(pinlimit_allowed(&pl, id, "198.51.100.7", 10 * S, NULL));
        pinlimit_failure(&pl, id, "198.51.100.7", 10 * S);
    }
    assert_false(pinlimit_allowed(&pl, "sip:fresh@198.51.100.7", "198.51.100.7", 11 * S, &wait));
    assert_int_equal(wait, 59);
    assert_false(pinlimit_allowed(&pl, "+4511111111", "192.0.2.1", 69 * S, NULL));
    assert_true(pinlimit_allowed(&pl, "+4511111111", "192.0.2.1", 70 * S, NULL));
}

/* Odd callers: NULL, empty, very long ids; more callers than the table holds. */
static void test_odd_callers_and_full_table(void **state)
{
    (void)state;
    char id[600];
    pinlimit_init(&pl, 1, 100000, 0);
    pinlimit_failure(&pl, NULL, NULL, 0);
    assert_false(pinlimit_allowed(&pl, NULL, NULL, 0, NULL));
    assert_false(pinlimit_allowed(&pl, "", "", 0, NULL)); /* the same as NULL */
    memset(id, 'x', sizeof id - 1);
    id[sizeof id - 1] = '\0';
    pinlimit_failure(&pl, id, "192.0.2.1", 0);
    assert_false(pinlimit_allowed(&pl, id, "192.0.2.1", 0, NULL));
    /* Filling the table evicts the oldest windows, never crashes. */
    for (int i = 0; i < 2 * PINLIMIT_CALLERS; i++) {
        char k[32];
        snprintf(k, sizeof k, "%d", i);
        pinlimit_failure(&pl, k, "192.0.2.3", S + i);
        assert_false(pinlimit_allowed(&pl, k, "192.0.2.3", S + i, NULL));
    }
    /* Limits of 0 mean 1; a clock going backwards starts a new window. */
    pinlimit_init(&pl, 0, 0, 10 * S);
    assert_int_equal(pl.per_caller, 1);
    pinlimit_failure(&pl, "a", "b", 10 * S);
    assert_false(pinlimit_allowed(&pl, "a", "b", 10 * S, NULL));
    assert_true(pinlimit_allowed(&pl, "a", "b", 5 * S, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_per_caller),
        cmocka_unit_test(test_success_clears_caller),
        cmocka_unit_test(test_global),
        cmocka_unit_test(test_odd_callers_and_full_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
