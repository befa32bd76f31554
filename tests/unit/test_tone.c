/* Tests for media/tone.c: the muted cue's length, frequency, gaps and
 * frame-by-frame continuity at each rate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "media/tone.h"
#include "audio_harness.h"

static void test_muted(void **state)
{
    static const unsigned rates[] = {8000, 16000, 48000};
    static int16_t whole[48000], framed[48000];

    (void)state;
    for (int r = 0; r < 3; r++) {
        unsigned rate = rates[r];
        size_t len = tone_muted_len(rate), beep = rate / 10, fn = rate / 50, inside = 0;

        assert_int_equal(len, rate * 3 / 10);
        assert_int_equal(tone_muted_fill(rate, 0, whole, len + fn), len);
        /* Filled in 20 ms frames from a position: the same samples. */
        for (size_t pos = 0; pos < len + fn; pos += fn)
            inside += tone_muted_fill(rate, pos, framed + pos, fn);
        assert_int_equal(inside, len);
        for (size_t i = 0; i < len + fn; i++)
            assert_int_equal(framed[i], whole[i]);
        /* Two beeps of 440 Hz, silence between and after them. */
        assert_true(goertzel(whole, beep, rate, 440) > 6000);
        assert_true(goertzel(whole, beep, rate, 880) < 600);
        assert_true(goertzel(whole + 2 * beep, beep, rate, 440) > 6000);
        assert_true(rms(whole + beep, beep) == 0);
        assert_true(rms(whole + len, fn) == 0);
        /* No click: the first and last samples of a beep are near zero. */
        assert_true(abs(whole[0]) < 100 && abs(whole[beep - 1]) < 100);
        /* Past the end: silence, nothing inside. */
        assert_int_equal(tone_muted_fill(rate, len, framed, fn), 0);
        assert_true(rms(framed, fn) == 0);
    }
    assert_int_equal(tone_muted_len(0), 0);
    assert_int_equal(tone_muted_fill(0, 0, framed, 10), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_muted),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
