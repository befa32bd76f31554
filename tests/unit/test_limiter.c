/* Tests for media/limiter.c: sums far beyond 16 bits, recovery, and
 * quiet input passing through unchanged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "media/limiter.h"
#include "audio_harness.h"

/* The limiter alone: sums far beyond 16 bits never wrap, keep their sign
 * and stay within the ceiling; quiet input passes untouched. */
static void test_limiter(void **state)
{
    struct limiter l;
    int32_t in[960];
    int16_t out[960];
    bool limited;

    (void)state;
    limiter_init(&l);
    for (int f = 0; f < 50; f++) {
        for (int i = 0; i < 960; i++)
            in[i] = (int32_t)(16 * 32767 * sin(2 * M_PI * 440 * (f * 960 + i) / 48000.0));
        assert_int_equal(limiter_process(&l, in, out, 960, &limited), 0);
        assert_true(limited);
        for (int i = 0; i < 960; i++) {
            assert_true(abs(out[i]) <= LIMITER_CEILING);
            if (in[i] > 100000)
                assert_true(out[i] > 0);
            if (in[i] < -100000)
                assert_true(out[i] < 0);
        }
    }
    /* Quiet again: the gain recovers slowly, then passes samples through. */
    for (int f = 0; f < 200; f++) {
        for (int i = 0; i < 960; i++)
            in[i] = (int32_t)(1000 * sin(2 * M_PI * 440 * (f * 960 + i) / 48000.0));
        limiter_process(&l, in, out, 960, &limited);
        if (f == 1)
            assert_true(limited);
    }
    assert_false(limited);
    for (int i = 0; i < 960; i++)
        assert_int_equal(out[i], in[i]);
}

/* A single loud peak after silence: the attack ramp never lets a sample
 * past the ceiling, so the last-resort clamp has nothing to catch. */
static void test_limiter_onset(void **state)
{
    struct limiter l;
    int32_t in[960] = {0};
    int16_t out[960];
    bool limited;

    (void)state;
    limiter_init(&l);
    in[0] = 400000;
    in[1] = -400000;
    in[500] = 70000;
    assert_int_equal(limiter_process(&l, in, out, 960, &limited), 0);
    assert_true(limited);
    assert_true(out[0] > 0 && out[0] <= LIMITER_CEILING);
    assert_true(out[1] < 0 && out[1] >= -LIMITER_CEILING);
    assert_true(out[500] > 0 && out[500] <= LIMITER_CEILING);
    in[0] = INT32_MIN; /* the extreme sum */
    assert_int_equal(limiter_process(&l, in, out, 960, &limited), 0);
    assert_true(out[0] < 0 && out[0] >= -LIMITER_CEILING);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limiter),
        cmocka_unit_test(test_limiter_onset),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
