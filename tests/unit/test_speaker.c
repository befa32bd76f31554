/* Tests for media/speaker.c: active speaker detection with a fake clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "media/speaker.h"
#include "base/err.h"

#define MS 1000LL

struct run {
    struct speaker *s;
    int64_t now;
    unsigned changes;
    uint32_t last;
};

/* Feeds 20 ms packets for `ms` from two mics (level 127 = silent) and
 * updates every 100 ms. */
static void feed(struct run *r, int a, uint8_t la, int b, uint8_t lb, int64_t ms)
{
    for (int64_t t = 0; t < ms; t += 20) {
        r->now += 20 * MS;
        if (a >= 0)
            speaker_level(r->s, a, r->now, la < 127, la);
        if (b >= 0)
            speaker_level(r->s, b, r->now, lb < 127, lb);
        if (r->now % (100 * MS) == 0) {
            uint32_t id;

            if (speaker_update(r->s, r->now, &id)) {
                r->changes++;
                r->last = id;
            }
        }
    }
}

static void test_add_remove(void **state)
{
    struct speaker *s;

    (void)state;
    assert_int_equal(speaker_create(&s), 0);
    for (int i = 0; i < SPEAKER_MAX; i++)
        assert_int_equal(speaker_add(s, (uint32_t)(i + 1)), i);
    assert_int_equal(speaker_add(s, 1000), ERR_FULL);
    assert_int_equal(speaker_add(s, 5), ERR_EXISTS);
    speaker_remove(s, 3);
    speaker_remove(s, 3);  /* twice: ignored */
    speaker_remove(s, -1); /* out of range: ignored */
    speaker_remove(s, SPEAKER_MAX);
    assert_int_equal(speaker_add(s, 1000), 3);
    speaker_level(s, 99, 0, true, 0); /* ignored */
    assert_int_equal(speaker_active(s), 0);
    speaker_destroy(s);
    speaker_destroy(NULL);
}

static void test_score(void **state)
{
    struct speaker *s;
    int a;

    (void)state;
    assert_int_equal(speaker_create(&s), 0);
    a = speaker_add(s, 7);
    for (int64_t t = 20; t <= 1000; t += 20)
        speaker_level(s, a, t * MS, true, 27);
    assert_int_equal(speaker_score(s, a, 1000 * MS), 100);
    /* Without the voice flag a packet counts as silence. */
    for (int64_t t = 1020; t <= 2000; t += 20)
        speaker_level(s, a, t * MS, false, 27);
    assert_int_equal(speaker_score(s, a, 2000 * MS), 0);
    /* No packets (DTX): silence too. */
    assert_int_equal(speaker_score(s, a, 10000 * MS), 0);
    speaker_destroy(s);
}

static void test_hysteresis(void **state)
{
    struct run r = {0};
    int a, b;

    (void)state;
    assert_int_equal(speaker_create(&r.s), 0);
    a = speaker_add(r.s, 10);
    b = speaker_add(r.s, 20);
    feed(&r, a, 30, b, 127, 500);
    assert_int_equal(r.changes, 0); /* not yet a second of it */
    feed(&r, a, 30, b, 127, 1500);
    assert_int_equal(r.changes, 1);
    assert_int_equal(r.last, 10);
    /* B louder for 0.6 s: a short interjection does not take the floor. */
    feed(&r, a, 30, b, 10, 600);
    feed(&r, a, 30, b, 127, 1000);
    assert_int_equal(r.changes, 1);
    /* B louder for 2.5 s: it does. */
    feed(&r, a, 40, b, 10, 2500);
    assert_int_equal(r.changes, 2);
    assert_int_equal(r.last, 20);
    assert_int_equal(speaker_active(r.s), 20);
    /* Both quiet for long: none. */
    feed(&r, a, 127, b, 127, 2000);
    assert_int_equal(r.changes, 2);
    feed(&r, a, 127, b, 127, 3000);
    assert_int_equal(r.changes, 3);
    assert_int_equal(r.last, 0);
    speaker_destroy(r.s);
}

static void test_remove_active(void **state)
{
    struct run r = {0};
    int a, b;
    uint32_t id = 99;

    (void)state;
    assert_int_equal(speaker_create(&r.s), 0);
    a = speaker_add(r.s, 10);
    b = speaker_add(r.s, 20);
    feed(&r, a, 20, b, 60, 2500);
    assert_int_equal(r.last, 10);
    speaker_remove(r.s, a);
    assert_true(speaker_update(r.s, r.now, &id));
    assert_int_equal(id, 0);
    feed(&r, -1, 127, b, 60, 2000); /* B alone is now the loudest */
    assert_int_equal(r.last, 20);
    speaker_destroy(r.s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_remove),
        cmocka_unit_test(test_score),
        cmocka_unit_test(test_hysteresis),
        cmocka_unit_test(test_remove_active),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
