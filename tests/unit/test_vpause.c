/* Tests for media/vpause.c (audio first: the pause decision, with
 * hysteresis, on synthetic estimates) and media/probe.c (the capacity
 * probe's packet-train measurement from transport-cc feedback). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "media/probe.h"
#include "media/vpause.h"

#define MS 1000LL
#define SEC 1000000LL
#define AUDIO 40000
#define VIDEO 120000 /* the lowest layer: need 160 kbit/s */

/* Feeds the estimate every 200 ms for `us`; returns the first change seen
 * and when (*at), or VPAUSE_SAME. */
static enum vpause_change run(struct vpause *v, int64_t *now, int64_t us, uint64_t est, int64_t *at)
{
    enum vpause_change first = VPAUSE_SAME;
    int64_t end = *now + us;

    while (*now < end) {
        enum vpause_change ch = vpause_update(v, *now, est, AUDIO, VIDEO);

        if (ch != VPAUSE_SAME && first == VPAUSE_SAME) {
            first = ch;
            if (at != NULL)
                *at = *now;
        }
        *now += 200 * MS;
    }
    return first;
}

static void test_thresholds(void **state)
{
    (void)state;
    /* 70 % of 160k: below what one congestion back-off (0.85) leaves. */
    assert_int_equal(vpause_pause_below(AUDIO, VIDEO), 112000);
    assert_true(vpause_pause_below(AUDIO, VIDEO) < (AUDIO + VIDEO) * 85 / 100);
    assert_int_equal(vpause_pause_below(AUDIO, 0), 0);
    /* Resume needs more: 160k x 1.5 + 32k = 272k. */
    assert_int_equal(vpause_resume_at(AUDIO, VIDEO), 272000);
    assert_true(vpause_resume_at(AUDIO, VIDEO) > vpause_pause_below(AUDIO, VIDEO));
}

static void test_pause_after_hold(void **state)
{
    struct vpause v;
    int64_t now = 10 * SEC, at = 0, t0;

    (void)state;
    vpause_init(&v);
    assert_int_equal(run(&v, &now, 5 * SEC, 1000000, NULL), VPAUSE_SAME);
    assert_false(v.paused);
    /* 64 kbit/s: far too little, but it must hold before video pauses. */
    t0 = now;
    assert_int_equal(run(&v, &now, 3 * SEC, 64000, &at), VPAUSE_PAUSED);
    assert_true(v.paused);
    assert_true(at - t0 >= VPAUSE_PAUSE_HOLD_US);
    assert_true(at - t0 < VPAUSE_PAUSE_HOLD_US + 200 * MS);
    /* Staying low changes nothing more. */
    assert_int_equal(run(&v, &now, 5 * SEC, 64000, NULL), VPAUSE_SAME);
    assert_true(v.paused);
}

static void test_short_dip_does_not_pause(void **state)
{
    struct vpause v;
    int64_t now = 10 * SEC;

    (void)state;
    vpause_init(&v);
    for (int i = 0; i < 10; i++) {
        /* 800 ms below, 400 ms above: never held for a second. */
        assert_int_equal(run(&v, &now, 800 * MS, 100000, NULL), VPAUSE_SAME);
        assert_int_equal(run(&v, &now, 400 * MS, 500000, NULL), VPAUSE_SAME);
    }
    assert_false(v.paused);
    /* One back-off on a link that carries the need (0.85 x) pauses
     * nothing; just at the threshold is still enough to keep video. */
    assert_int_equal(run(&v, &now, 5 * SEC, (AUDIO + VIDEO) * 85 / 100, NULL), VPAUSE_SAME);
    assert_int_equal(run(&v, &now, 3 * SEC, vpause_pause_below(AUDIO, VIDEO), NULL), VPAUSE_SAME);
    assert_int_equal(run(&v, &now, 3 * SEC, vpause_pause_below(AUDIO, VIDEO) - 1, NULL),
                     VPAUSE_PAUSED);
}

static void test_resume_needs_higher_and_longer(void **state)
{
    struct vpause v;
    int64_t now = 10 * SEC, at = 0, t0;

    (void)state;
    vpause_init(&v);
    assert_int_equal(run(&v, &now, 1400 * MS, 50000, NULL), VPAUSE_PAUSED);
    /* Between the two thresholds: enough to keep video, not to resume it. */
    assert_int_equal(run(&v, &now, 10 * SEC, 250000, NULL), VPAUSE_SAME);
    assert_true(v.paused);
    /* Above the resume threshold, but interrupted before the hold ends. */
    for (int i = 0; i < 5; i++) {
        assert_int_equal(run(&v, &now, VPAUSE_RESUME_HOLD_US - 200 * MS, 300000, NULL),
                         VPAUSE_SAME);
        assert_int_equal(run(&v, &now, 200 * MS, 260000, NULL), VPAUSE_SAME);
    }
    assert_true(v.paused);
    /* Held: resumes after VPAUSE_RESUME_HOLD_US. */
    t0 = now;
    assert_int_equal(run(&v, &now, 4 * SEC, 300000, &at), VPAUSE_RESUMED);
    assert_false(v.paused);
    assert_true(at - t0 >= VPAUSE_RESUME_HOLD_US);
    assert_true(at - t0 < VPAUSE_RESUME_HOLD_US + 200 * MS);
    /* Right after a resume, one back-off (or two seconds low) does not
     * pause again; a link that stays low does, after the longer hold. */
    assert_int_equal(run(&v, &now, 2 * SEC, 60000, NULL), VPAUSE_SAME);
    assert_int_equal(run(&v, &now, 400 * MS, 300000, NULL), VPAUSE_SAME);
    t0 = now;
    assert_int_equal(run(&v, &now, 4 * SEC, 60000, &at), VPAUSE_PAUSED);
    assert_true(at - t0 >= VPAUSE_REPAUSE_HOLD_US);
    /* Long after a resume the usual hold applies again. */
    assert_int_equal(run(&v, &now, 3 * SEC, 400000, NULL), VPAUSE_RESUMED);
    assert_int_equal(run(&v, &now, VPAUSE_REPAUSE_WINDOW_US, 400000, NULL), VPAUSE_SAME);
    assert_int_equal(run(&v, &now, 1400 * MS, 60000, NULL), VPAUSE_PAUSED);
}

static void test_unknown_or_no_video(void **state)
{
    struct vpause v;
    int64_t now = 10 * SEC;

    (void)state;
    vpause_init(&v);
    /* No estimate: never paused. */
    for (int i = 0; i < 20; i++)
        assert_int_equal(vpause_update(&v, now + i * 200 * MS, 0, AUDIO, VIDEO), VPAUSE_SAME);
    now += 4 * SEC;
    /* No video to take: nothing to pause. */
    for (int i = 0; i < 20; i++)
        assert_int_equal(vpause_update(&v, now + i * 200 * MS, 30000, AUDIO, 0), VPAUSE_SAME);
    now += 4 * SEC;
    assert_int_equal(run(&v, &now, 1400 * MS, 30000, NULL), VPAUSE_PAUSED);
    /* The video went away (or the estimate did): resumed at once. */
    assert_int_equal(vpause_update(&v, now, 30000, AUDIO, 0), VPAUSE_RESUMED);
    assert_false(v.paused);
    assert_int_equal(run(&v, &now, VPAUSE_REPAUSE_HOLD_US + 400 * MS, 30000, NULL), VPAUSE_PAUSED);
    assert_int_equal(vpause_update(&v, now, 0, AUDIO, VIDEO), VPAUSE_RESUMED);
}

/* ---- probe ---- */

static void sent3(struct probe *p, uint16_t seq0, size_t bytes)
{
    probe_start(p, 5 * SEC);
    for (uint16_t i = 0; i < 3; i++)
        probe_sent(p, (uint16_t)(seq0 + i), bytes);
}

static void test_probe_dispersion(void **state)
{
    struct probe p;
    struct rtcp_twcc fb = {.base_seq = 99, .status_count = 5, .ref_time = 1000};
    /* seq 99 (audio), 100..102 the train 37.5 ms apart, 103 audio. */
    struct rtcp_twcc_pkt k[5] = {
        {99, true, 1000},   {100, true, 5000}, {101, true, 37500},
        {102, true, 37500}, {103, true, 250},
    };
    uint64_t bps = 1;

    (void)state;
    probe_init(&p);
    sent3(&p, 100, 300);
    assert_true(probe_on_feedback(&p, 5 * SEC + 200 * MS, &fb, k, 5, &bps));
    /* 600 bytes (all but the first) over 75 ms: 64 kbit/s. */
    assert_int_equal(bps, 64000);
    /* Done: the same feedback again is no new result. */
    assert_false(probe_on_feedback(&p, 5 * SEC + 300 * MS, &fb, k, 5, &bps));
}

static void test_probe_fast_link_and_split(void **state)
{
    struct probe p;
    struct rtcp_twcc fb1 = {.base_seq = 7, .status_count = 2, .ref_time = 0xfffffe};
    struct rtcp_twcc fb2 = {.base_seq = 9, .status_count = 1, .ref_time = 0xffffff};
    struct rtcp_twcc_pkt a[2] = {{7, true, 10000}, {8, true, 0}};
    struct rtcp_twcc_pkt b[1] = {{9, true, 10000 - 64000 + 0}};
    uint64_t bps = 1;

    (void)state;
    probe_init(&p);
    sent3(&p, 7, 300);
    /* Two packets in one feedback, the third in the next (its reference
     * time one tick later, across the 24-bit wrap): all arrived at once. */
    assert_false(probe_on_feedback(&p, 5 * SEC + 100 * MS, &fb1, a, 2, &bps));
    assert_true(probe_on_feedback(&p, 5 * SEC + 200 * MS, &fb2, b, 1, &bps));
    assert_int_equal(bps, PROBE_MAX_BPS);
}

static void test_probe_loss_and_timeout(void **state)
{
    struct probe p;
    struct rtcp_twcc fb = {.base_seq = 500, .status_count = 3, .ref_time = 10};
    struct rtcp_twcc_pkt k[3] = {{500, true, 0}, {501, false, 0}, {502, true, 40000}};
    uint64_t bps = 1;

    (void)state;
    probe_init(&p);
    /* Not started: feedback is ignored. */
    assert_false(probe_on_feedback(&p, 5 * SEC, &fb, k, 3, &bps));
    sent3(&p, 500, 300);
    assert_true(probe_on_feedback(&p, 5 * SEC + 100 * MS, &fb, k, 3, &bps));
    assert_int_equal(bps, 0); /* a lost packet: no capacity shown */
    /* Too late: forgotten. */
    sent3(&p, 500, 300);
    k[1].received = true;
    k[1].delta_us = 40000;
    assert_false(probe_on_feedback(&p, 5 * SEC + PROBE_TIMEOUT_US + 1, &fb, k, 3, &bps));
    assert_false(p.active);
    /* Feedback about other packets only: still waiting. */
    sent3(&p, 600, 300);
    assert_false(probe_on_feedback(&p, 5 * SEC + 100 * MS, &fb, k, 3, &bps));
    assert_true(p.active);
    /* More packets than a train holds are not followed. */
    for (uint16_t i = 0; i < 10; i++)
        probe_sent(&p, (uint16_t)(700 + i), 300);
    assert_int_equal(p.n, PROBE_PACKETS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_thresholds),
        cmocka_unit_test(test_pause_after_hold),
        cmocka_unit_test(test_short_dip_does_not_pause),
        cmocka_unit_test(test_resume_needs_higher_and_longer),
        cmocka_unit_test(test_unknown_or_no_video),
        cmocka_unit_test(test_probe_dispersion),
        cmocka_unit_test(test_probe_fast_link_and_split),
        cmocka_unit_test(test_probe_loss_and_timeout),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
