/* Tests for media/resample.c: every pair of rates keeps frames whole and
 * a tone's frequency; errors for other rates and short buffers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "media/resample.h"
#include "base/err.h"
#include "audio_harness.h"

/* Each pair of rates: frames stay whole and a tone keeps its frequency. */
static void test_resample(void **state)
{
    static const unsigned rates[] = {8000, 16000, 48000};
    int16_t in[960], out[960];

    (void)state;
    for (int a = 0; a < 3; a++) {
        for (int b = 0; b < 3; b++) {
            struct resample *r;
            size_t fi = rates[a] / 50, fo = rates[b] / 50, n;

            assert_int_equal(resample_create(&r, rates[a], rates[b]), 0);
            for (unsigned f = 0; f < 10; f++) {
                sine_fill(in, fi, rates[a], 600, 10000, (uint64_t)f * fi);
                assert_int_equal(resample_process(r, in, fi, out, 960, &n), 0);
                assert_int_equal(n, fo);
                if (f >= 2) {
                    assert_true(goertzel(out, n, rates[b], 600) > 8500);
                    assert_true(goertzel(out, n, rates[b], 1500) < 500);
                }
            }
            assert_int_equal(resample_process(r, in, fi, out, fo - 1, &n), ERR_TOOBIG);
            resample_reset(r);
            resample_destroy(r);
        }
    }
    assert_int_equal(resample_create(&(struct resample *){NULL}, 44100, 8000), ERR_INVAL);
    resample_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resample),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
