/* Tests for media/rtx_cache.c: the per-stream ring of recent packets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "media/rtx_cache.h"
#include "base/err.h"

static void fill(uint8_t *b, size_t n, int64_t seq)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(seq * 7 + (int64_t)i);
}

static void test_create_invalid(void **state)
{
    struct rtx_cache *c = (struct rtx_cache *)1;

    (void)state;
    assert_int_equal(rtx_cache_create(&c, 0), ERR_INVAL);
    assert_null(c);
    assert_int_equal(rtx_cache_create(&c, 100), ERR_INVAL); /* not a power of two */
    assert_int_equal(rtx_cache_create(&c, RTX_CACHE_MAX_SLOTS * 2), ERR_INVAL);
    rtx_cache_destroy(NULL);
}

static void test_put_get(void **state)
{
    struct rtx_cache *c;
    uint8_t b[1200];
    const uint8_t *v;
    size_t len;

    (void)state;
    assert_int_equal(rtx_cache_create(&c, 64), 0);
    assert_int_equal(rtx_cache_slots(c), 64);
    assert_false(rtx_cache_get(c, 5, &v, &len));
    for (int64_t s = 100; s < 164; s++) {
        fill(b, (size_t)(s % 100) + 12, s);
        assert_int_equal(rtx_cache_put(c, s, b, (size_t)(s % 100) + 12), 0);
    }
    for (int64_t s = 100; s < 164; s++) {
        assert_true(rtx_cache_has(c, s));
        assert_true(rtx_cache_get(c, s, &v, &len));
        assert_int_equal(len, (size_t)(s % 100) + 12);
        fill(b, len, s);
        assert_memory_equal(v, b, len);
    }
    assert_false(rtx_cache_has(c, 99));
    assert_false(rtx_cache_has(c, 164));
    rtx_cache_destroy(c);
}

static void test_overwrite_is_a_miss(void **state)
{
    struct rtx_cache *c;
    uint8_t b[100];
    const uint8_t *v;
    size_t len;

    (void)state;
    assert_int_equal(rtx_cache_create(&c, 16), 0);
    fill(b, sizeof(b), 3);
    assert_int_equal(rtx_cache_put(c, 3, b, sizeof(b)), 0);
    assert_int_equal(rtx_cache_put(c, 3 + 16, b, 10), 0); /* same slot */
    assert_false(rtx_cache_get(c, 3, &v, &len));
    assert_true(rtx_cache_get(c, 19, &v, &len));
    assert_int_equal(len, 10);
    /* The same 16-bit number 65536 packets later is another packet. */
    assert_false(rtx_cache_has(c, 19 + 65536));
    rtx_cache_clear(c);
    assert_false(rtx_cache_has(c, 19));
    rtx_cache_destroy(c);
}

static void test_put_invalid(void **state)
{
    struct rtx_cache *c;
    static uint8_t big[RTX_CACHE_PKT_CAP + 1];
    const uint8_t *v;
    size_t len;

    (void)state;
    assert_int_equal(rtx_cache_create(&c, 1), 0);
    assert_int_equal(rtx_cache_put(c, 1, big, sizeof(big)), ERR_TOOBIG);
    assert_int_equal(rtx_cache_put(c, 1, big, 0), ERR_INVAL);
    assert_int_equal(rtx_cache_put(c, -1, big, 10), ERR_INVAL);
    assert_false(rtx_cache_get(c, -1, &v, &len));
    assert_int_equal(rtx_cache_put(c, 1, big, RTX_CACHE_PKT_CAP), 0);
    assert_true(rtx_cache_get(c, 1, &v, &len));
    assert_int_equal(len, RTX_CACHE_PKT_CAP);
    rtx_cache_destroy(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_invalid),
        cmocka_unit_test(test_put_get),
        cmocka_unit_test(test_overwrite_is_a_miss),
        cmocka_unit_test(test_put_invalid),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
