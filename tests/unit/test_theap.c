/* Tests for the engine's timer heap (media/theap.c): order, re-keying,
 * removal, equal deadlines, growth and its limit, the pass mark, and
 * random operations checked against a plain array. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "media/theap.h"
#include "base/err.h"

static int items[64]; /* addresses to hand in as items */

static struct theap *make(size_t initial, size_t max)
{
    struct theap *h = NULL;
    assert_int_equal(theap_create(&h, initial, max), 0);
    return h;
}

static uint32_t add(struct theap *h, int i)
{
    uint32_t hd = 0;
    assert_int_equal(theap_add(h, i % 3, &items[i], &hd), 0);
    assert_int_not_equal(hd, 0);
    return hd;
}

static void test_order(void **state)
{
    (void)state;
    struct theap *h = make(4, 64);
    static const int64_t at[] = {50, 10, 40, 30, 20, 60, 5, 45};
    uint32_t hd[8];
    for (int i = 0; i < 8; i++) {
        hd[i] = add(h, i);
        theap_set(h, hd[i], at[i]);
    }
    assert_int_equal(theap_next(h), 5);
    assert_true(theap_check(h));
    int64_t last = INT64_MIN;
    struct theap_due d;
    size_t n = 0;
    while (theap_pop(h, INT64_MAX - 1, theap_mark(h), &d)) {
        assert_true(d.at >= last);
        assert_int_equal(d.kind, (int)((int *)d.item - items) % 3);
        last = d.at;
        n++;
    }
    assert_int_equal(n, 8);
    assert_int_equal(theap_next(h), THEAP_NEVER);
    assert_int_equal(theap_count(h), 8); /* popped entries stay allocated */
    theap_destroy(h);
}

static void test_only_due(void **state)
{
    (void)state;
    struct theap *h = make(4, 4);
    uint32_t a = add(h, 0), b = add(h, 1);
    theap_set(h, a, 100);
    theap_set(h, b, 200);
    struct theap_due d;
    assert_false(theap_pop(h, 99, theap_mark(h), &d));
    assert_true(theap_pop(h, 100, theap_mark(h), &d));
    assert_int_equal(d.handle, a);
    assert_ptr_equal(d.item, &items[0]);
    assert_int_equal(d.at, 100);
    assert_false(theap_pop(h, 199, theap_mark(h), &d));
    assert_int_equal(theap_at(h, a), THEAP_NEVER);
    assert_int_equal(theap_at(h, b), 200);
    theap_destroy(h);
}

static void test_update(void **state)
{
    (void)state;
    struct theap *h = make(8, 8);
    uint32_t hd[5];
    for (int i = 0; i < 5; i++) {
        hd[i] = add(h, i);
        theap_set(h, hd[i], 100 * (i + 1));
    }
    theap_set(h, hd[4], 50); /* earlier: now first */
    assert_int_equal(theap_next(h), 50);
    theap_set(h, hd[4], 1000); /* later: last again */
    assert_int_equal(theap_next(h), 100);
    theap_set(h, hd[0], 350);   /* between */
    theap_lower(h, hd[1], 500); /* not earlier: unchanged */
    assert_int_equal(theap_at(h, hd[1]), 200);
    theap_lower(h, hd[3], 10);
    assert_int_equal(theap_at(h, hd[3]), 10);
    assert_true(theap_check(h));
    static const int want[] = {3, 1, 2, 0, 4};
    struct theap_due d;
    for (int i = 0; i < 5; i++) {
        assert_true(theap_pop(h, 10000, theap_mark(h), &d));
        assert_int_equal(d.handle, hd[want[i]]);
    }
    theap_destroy(h);
}

static void test_remove(void **state)
{
    (void)state;
    struct theap *h = make(8, 8);
    uint32_t hd[6];
    for (int i = 0; i < 6; i++) {
        hd[i] = add(h, i);
        theap_set(h, hd[i], 10 * (6 - i));
    }
    theap_del(h, hd[5]);              /* the top */
    theap_del(h, hd[2]);              /* one inside */
    theap_set(h, hd[0], THEAP_NEVER); /* disarmed but kept */
    assert_true(theap_check(h));
    assert_int_equal(theap_count(h), 4);
    assert_int_equal(theap_armed(h), 3);
    assert_int_equal(theap_next(h), 20);
    /* A removed handle is a no-op everywhere; handle 0 too. */
    theap_set(h, hd[5], 1);
    theap_del(h, hd[5]);
    theap_set(h, 0, 1);
    theap_del(h, 0);
    assert_int_equal(theap_at(h, hd[2]), THEAP_NEVER);
    assert_int_equal(theap_next(h), 20);
    /* A freed handle is given out again. */
    uint32_t again = add(h, 7);
    assert_true(again == hd[5] || again == hd[2]);
    assert_true(theap_check(h));
    theap_destroy(h);
}

static void test_equal_deadlines(void **state)
{
    (void)state;
    struct theap *h = make(16, 16);
    uint32_t hd[10];
    for (int i = 0; i < 10; i++)
        hd[i] = add(h, i);
    for (int i = 9; i >= 0; i--)
        theap_set(h, hd[i], 77); /* armed last to first */
    theap_set(h, hd[4], 77);     /* re-armed: now the last one */
    static const int want[] = {9, 8, 7, 6, 5, 3, 2, 1, 0, 4};
    struct theap_due d;
    for (int i = 0; i < 10; i++) {
        assert_true(theap_pop(h, 77, theap_mark(h), &d));
        assert_int_equal(d.handle, hd[want[i]]);
        assert_int_equal(d.at, 77);
    }
    theap_destroy(h);
}

static void test_growth_and_limit(void **state)
{
    (void)state;
    struct theap *h = make(1, 40);
    uint32_t hd[40];
    for (int i = 0; i < 40; i++) {
        hd[i] = add(h, i);
        theap_set(h, hd[i], 1000 - i);
        assert_true(theap_check(h));
    }
    uint32_t extra;
    assert_int_equal(theap_add(h, 0, &items[0], &extra), ERR_FULL);
    assert_int_equal(theap_next(h), 961);
    theap_del(h, hd[10]);
    assert_int_equal(theap_add(h, 0, &items[0], &extra), 0);
    assert_int_equal(extra, hd[10]);
    assert_true(theap_check(h));
    struct theap *bad = NULL;
    assert_int_equal(theap_create(&bad, 5, 4), ERR_INVAL);
    assert_int_equal(theap_create(&bad, 0, 0), ERR_INVAL);
    theap_destroy(h);
}

/* An entry re-armed for now while a pass runs waits for the next pass. */
static void test_mark(void **state)
{
    (void)state;
    struct theap *h = make(4, 4);
    uint32_t a = add(h, 0), b = add(h, 1);
    theap_set(h, a, 10);
    theap_set(h, b, 20);
    uint64_t mark = theap_mark(h);
    struct theap_due d;
    assert_true(theap_pop(h, 30, mark, &d));
    assert_int_equal(d.handle, a);
    theap_set(h, a, 5); /* due, but armed during the pass */
    assert_false(theap_pop(h, 30, mark, &d));
    assert_int_equal(theap_next(h), 5);
    assert_true(theap_pop(h, 30, theap_mark(h), &d));
    assert_int_equal(d.handle, a);
    assert_true(theap_pop(h, 30, theap_mark(h), &d));
    assert_int_equal(d.handle, b);
    theap_destroy(h);
}

/* Random operations on the heap and on a plain array of deadlines. */
#define MODEL_N 48
static void test_random_against_model(void **state)
{
    (void)state;
    struct theap *h = make(2, MODEL_N);
    uint32_t hd[MODEL_N] = {0};
    int64_t at[MODEL_N];
    uint64_t armed_seq[MODEL_N];
    uint64_t seq = 0;
    srand(12);
    for (int step = 0; step < 20000; step++) {
        int i = rand() % MODEL_N;
        int op = rand() % 6;
        if (!hd[i]) {
            hd[i] = add(h, i);
            at[i] = THEAP_NEVER;
        } else if (op == 0) {
            theap_del(h, hd[i]);
            hd[i] = 0;
        } else if (op <= 2) {
            at[i] = rand() % 64; /* small range: many ties */
            armed_seq[i] = seq++;
            theap_set(h, hd[i], at[i]);
        } else if (op == 3) {
            at[i] = THEAP_NEVER;
            theap_set(h, hd[i], THEAP_NEVER);
        } else {
            /* Pop whatever is due at a random time: the model's earliest
             * (ties: armed first) must come out. */
            int64_t now = rand() % 64;
            int best = -1;
            for (int k = 0; k < MODEL_N; k++)
                if (hd[k] && at[k] != THEAP_NEVER && at[k] <= now &&
                    (best < 0 || at[k] < at[best] ||
                     (at[k] == at[best] && armed_seq[k] < armed_seq[best])))
                    best = k;
            struct theap_due d;
            bool got = theap_pop(h, now, theap_mark(h), &d);
            assert_int_equal(got, best >= 0);
            if (got) {
                assert_int_equal(d.handle, hd[best]);
                assert_ptr_equal(d.item, &items[best]);
                assert_int_equal(d.at, at[best]);
                at[best] = THEAP_NEVER;
            }
        }
        int64_t min = THEAP_NEVER;
        for (int k = 0; k < MODEL_N; k++) {
            if (hd[k]) {
                assert_int_equal(theap_at(h, hd[k]), at[k]);
                if (at[k] < min)
                    min = at[k];
            }
        }
        assert_int_equal(theap_next(h), min);
        if (step % 97 == 0)
            assert_true(theap_check(h));
    }
    assert_true(theap_check(h));
    theap_destroy(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order),
        cmocka_unit_test(test_only_due),
        cmocka_unit_test(test_update),
        cmocka_unit_test(test_remove),
        cmocka_unit_test(test_equal_deadlines),
        cmocka_unit_test(test_growth_and_limit),
        cmocka_unit_test(test_mark),
        cmocka_unit_test(test_random_against_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
