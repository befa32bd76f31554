/* Tests for media/pool.c: get/put, exhaustion counting, reuse, limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "media/pool.h"
#include "base/err.h"

static void test_default_and_limits(void **state)
{
    (void)state;
    struct pool *p = (struct pool *)1;
    assert_int_equal(pool_create(&p, 0), 0);
    assert_int_equal(pool_capacity(p), POOL_DEFAULT_COUNT);
    assert_int_equal(pool_available(p), POOL_DEFAULT_COUNT);
    assert_int_equal(pool_in_use(p), 0);
    pool_destroy(p);

    p = (struct pool *)1;
    assert_int_equal(pool_create(&p, POOL_MAX_COUNT + 1), ERR_INVAL);
    assert_null(p);
    pool_destroy(NULL);
}

static void test_get_put_exhaustion(void **state)
{
    (void)state;
    struct pool *p;
    struct pkt *got[4];
    assert_int_equal(pool_create(&p, 4), 0);
    for (int i = 0; i < 4; i++) {
        got[i] = pool_get(p);
        assert_non_null(got[i]);
        assert_true(pool_owns(p, got[i]));
        assert_int_equal(got[i]->len, 0);
        for (int j = 0; j < i; j++)
            assert_ptr_not_equal(got[i], got[j]);
        /* every byte is usable */
        memset(got[i]->data, i, WORKER_PKT_SIZE);
        got[i]->len = WORKER_PKT_SIZE;
    }
    assert_int_equal(pool_available(p), 0);
    assert_int_equal(pool_in_use(p), 4);
    assert_int_equal(pool_exhausted(p), 0);
    assert_null(pool_get(p));
    assert_null(pool_get(p));
    assert_int_equal(pool_exhausted(p), 2);

    /* The buffers did not overlap. */
    for (int i = 0; i < 4; i++)
        for (size_t k = 0; k < WORKER_PKT_SIZE; k++)
            assert_int_equal(got[i]->data[k], i);

    /* LIFO reuse, fields reset. */
    got[2]->addrlen = 16;
    pool_put(p, got[2]);
    assert_int_equal(pool_available(p), 1);
    struct pkt *again = pool_get(p);
    assert_ptr_equal(again, got[2]);
    assert_int_equal(again->len, 0);
    assert_int_equal(again->addrlen, 0);
    assert_null(again->next);

    for (int i = 0; i < 4; i++)
        pool_put(p, got[i]);
    pool_put(p, NULL);
    assert_int_equal(pool_available(p), 4);
    assert_int_equal(pool_in_use(p), 0);
    assert_int_equal(pool_exhausted(p), 2); /* the counter is not reset */
    pool_destroy(p);
}

static void test_owns(void **state)
{
    (void)state;
    struct pool *a, *b;
    assert_int_equal(pool_create(&a, 2), 0);
    assert_int_equal(pool_create(&b, 2), 0);
    struct pkt *pa = pool_get(a);
    struct pkt *pb = pool_get(b);
    assert_true(pool_owns(a, pa));
    assert_false(pool_owns(a, pb));
    assert_false(pool_owns(b, pa));
    assert_false(pool_owns(a, (const struct pkt *)(const void *)(pa->data + 1)));
    struct pkt local;
    assert_false(pool_owns(a, &local));
    pool_put(a, pa);
    pool_put(b, pb);
    pool_destroy(a);
    pool_destroy(b);
}

static void test_churn_keeps_count(void **state)
{
    (void)state;
    struct pool *p;
    struct pkt *held[64];
    size_t n = 0;
    uint32_t x = 12345;
    assert_int_equal(pool_create(&p, 64), 0);
    for (int i = 0; i < 100000; i++) {
        x = x * 1103515245u + 12345u;
        if ((x >> 16) % 3 != 0 && n < 64) {
            held[n] = pool_get(p);
            assert_non_null(held[n]);
            n++;
        } else if (n > 0) {
            size_t k = (x >> 8) % n;
            pool_put(p, held[k]);
            held[k] = held[--n];
        }
        assert_int_equal(pool_in_use(p), n);
    }
    while (n > 0)
        pool_put(p, held[--n]);
    assert_int_equal(pool_available(p), 64);
    assert_int_equal(pool_exhausted(p), 0);
    pool_destroy(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_and_limits),
        cmocka_unit_test(test_get_put_exhaustion),
        cmocka_unit_test(test_owns),
        cmocka_unit_test(test_churn_keeps_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
