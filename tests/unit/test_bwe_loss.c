/* Tests for the loss-based part of media/bwe fed with receiver report
 * blocks: random loss of a few percent (a lossy radio link, not
 * congestion) must not ratchet the estimate down, sustained heavy loss
 * must lower it within seconds, and odd blocks (a source's first,
 * reordered, restarted, cumulative loss going back) count nothing. A
 * capacity probe's result lifts it again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "media/bwe.h"

#define SEC 1000000LL
#define T0 (1000 * SEC)

struct src {
    uint32_t ssrc;
    unsigned pps; /* packets per second */
    uint32_t ext;
    int32_t cum;
    unsigned lost_s; /* lost in the last second */
};

static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

/* One second of packets on each source, each lost with probability pct/100
 * (a fixed seed), and its report block at the end of the second. */
static void second(struct src *srcs, size_t n, unsigned pct, uint32_t *seed, int64_t now,
                   struct bwe *b, struct bwe *raw)
{
    for (size_t i = 0; i < n; i++) {
        struct src *s = &srcs[i];
        struct rtcp_report_block rb;

        s->lost_s = 0;
        for (unsigned k = 0; k < s->pps; k++) {
            if (lcg(seed) % 10000 < pct * 100)
                s->lost_s++;
        }
        s->ext += s->pps;
        s->cum += (int32_t)s->lost_s;
        memset(&rb, 0, sizeof(rb));
        rb.ssrc = s->ssrc;
        rb.ext_highest_seq = s->ext;
        rb.cumulative_lost = s->cum;
        rb.fraction_lost =
            (uint8_t)(s->lost_s * 256 / s->pps > 255 ? 255 : s->lost_s * 256 / s->pps);
        bwe_on_report_block(b, now + (int64_t)i * 1000, &rb);
        if (raw != NULL) /* the old way: the first block's own fraction */
            bwe_on_loss(raw, now + (int64_t)i * 1000, rb.fraction_lost);
    }
}

static void test_random_loss_holds(void **state)
{
    /* What a subscriber receives: two videos (~45 packets/s), two audios. */
    struct src srcs[4] = {
        {0x1001, 45, 0, 0, 0}, {0x1002, 45, 0, 0, 0}, {0x2001, 50, 0, 0, 0}, {0x2002, 50, 0, 0, 0}};
    struct bwe *b, *raw;
    struct bwe_stats st, st_raw;
    uint32_t seed = 7;

    (void)state;
    assert_int_equal(bwe_create(&b, NULL), 0);
    assert_int_equal(bwe_create(&raw, NULL), 0);
    for (int t = 0; t < 300; t++)
        second(srcs, 4, 7, &seed, T0 + t * SEC, b, raw);
    bwe_get_stats(b, &st);
    bwe_get_stats(raw, &st_raw);
    /* 7 % random loss: held between the thresholds, never lowered. */
    assert_int_equal(st.loss_decreases, 0);
    assert_int_equal(bwe_estimate(b), 1000000);
    assert_true(st.smoothed_loss > 0.05 && st.smoothed_loss < 0.09);
    /* Block by block, the same loss would have lowered it over and over. */
    assert_true(st_raw.loss_decreases > 10);
    assert_true(bwe_estimate(raw) < 600000);
    bwe_destroy(b);
    bwe_destroy(raw);
}

static void test_heavy_loss_lowers(void **state)
{
    struct src srcs[2] = {{0x1001, 45, 0, 0, 0}, {0x2001, 50, 0, 0, 0}};
    struct bwe *b;
    struct bwe_stats st;
    uint32_t seed = 11;
    int t;

    (void)state;
    assert_int_equal(bwe_create(&b, NULL), 0);
    for (t = 0; t < 20; t++)
        second(srcs, 2, 2, &seed, T0 + t * SEC, b, NULL);
    assert_int_equal(bwe_estimate(b), 1000000);
    /* 30 % from now on: lowered within three seconds (at only ~95 packets
     * a second), and again after. */
    for (; t < 23; t++)
        second(srcs, 2, 30, &seed, T0 + t * SEC, b, NULL);
    assert_true(bwe_estimate(b) < 1000000);
    for (; t < 40; t++)
        second(srcs, 2, 30, &seed, T0 + t * SEC, b, NULL);
    bwe_get_stats(b, &st);
    assert_true(st.loss_decreases >= 10);
    assert_true(bwe_estimate(b) < 300000);
    bwe_destroy(b);
}

/* A probe's result raises a low estimate (the loss-based limit too), never
 * lowers it, and stays within the maximum. */
static void test_probe_raises(void **state)
{
    struct src srcs[2] = {{0x1001, 45, 0, 0, 0}, {0x2001, 50, 0, 0, 0}};
    struct bwe_cfg cfg = {.max_bps = 2000000};
    struct bwe *b;
    uint32_t seed = 5;
    int t;

    (void)state;
    assert_int_equal(bwe_create(&b, &cfg), 0);
    for (t = 0; t < 30; t++)
        second(srcs, 2, 40, &seed, T0 + t * SEC, b, NULL);
    assert_true(bwe_estimate(b) < 200000);
    bwe_on_probe(b, 600000);
    assert_int_equal(bwe_estimate(b), 600000);
    bwe_on_probe(b, 100000);
    assert_int_equal(bwe_estimate(b), 600000);
    bwe_on_probe(b, 90000000);
    assert_int_equal(bwe_estimate(b), 2000000);
    bwe_destroy(b);
}

static void block(struct bwe *b, int64_t now, uint32_t ssrc, uint32_t ext, int32_t cum)
{
    struct rtcp_report_block rb;

    memset(&rb, 0, sizeof(rb));
    rb.ssrc = ssrc;
    rb.ext_highest_seq = ext;
    rb.cumulative_lost = cum;
    rb.fraction_lost = 255; /* ignored: the interval is computed */
    bwe_on_report_block(b, now, &rb);
}

static void test_odd_blocks(void **state)
{
    struct bwe *b;
    struct bwe_stats st;
    int64_t now = T0;

    (void)state;
    assert_int_equal(bwe_create(&b, NULL), 0);
    /* A source's first block: no interval, whatever it says. */
    block(b, now, 1, 1000, 900);
    /* Reordered (highest going back) or restarted (a jump): no interval. */
    block(b, now += SEC, 1, 950, 850);
    block(b, now += SEC, 1, 900000, 900);
    bwe_get_stats(b, &st);
    assert_false(st.smoothed_loss > 0.0);
    /* 100 expected, 100 lost: the first chunk, at 100 %, moves the smoothed
     * loss from 0 by 100 / (100 + 500). */
    block(b, now += SEC, 1, 900100, 1000);
    bwe_get_stats(b, &st);
    assert_true(st.smoothed_loss > 0.166 && st.smoothed_loss < 0.167);
    assert_int_equal(st.loss_decreases, 1);
    /* Cumulative loss going back (late packets) counts as none: a chunk at 0 %. */
    block(b, now += SEC, 1, 900200, 900);
    bwe_get_stats(b, &st);
    assert_true(st.smoothed_loss > 0.138 && st.smoothed_loss < 0.139);
    /* More sources than are followed: the oldest is forgotten, nothing breaks. */
    for (uint32_t s = 100; s < 100 + 2 * BWE_LOSS_SOURCES; s++)
        block(b, now += 1000, s, 10, 0);
    block(b, now += SEC, 1, 900300, 1000); /* forgotten: a first block again */
    bwe_get_stats(b, &st);
    assert_true(st.smoothed_loss > 0.138 && st.smoothed_loss < 0.139);
    bwe_destroy(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_loss_holds),
        cmocka_unit_test(test_heavy_loss_lowers),
        cmocka_unit_test(test_probe_raises),
        cmocka_unit_test(test_odd_blocks),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
