/* Tests for media/remb_est.c: the REMB fallback estimate. Fake clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "media/rtcp.h"
#include "media/remb_est.h"
#include "base/err.h"

#define T0 1000000
#define ME 0xabcdef01u
#define PKT 1000 /* bytes */

struct drv {
    struct remb_est *e;
    int64_t now;
    uint16_t seq;
    unsigned rembs;
    struct rtcp_remb last;
    int64_t last_at;
};

static void check_remb(struct drv *d, const uint8_t *buf, int n)
{
    struct rtcp_iter it;
    struct rtcp_block b;
    struct rtcp_fb fb;

    rtcp_iter_init(&it, buf, (size_t)n);
    assert_true(rtcp_iter_next(&it, &b));
    assert_int_equal(b.len, (size_t)n);
    assert_int_equal(rtcp_parse_fb(&fb, &b), 0);
    assert_int_equal(fb.type, RTCP_FB_REMB);
    assert_int_equal(rtcp_parse_remb(&d->last, &fb), 0);
    assert_int_equal(d->last.sender_ssrc, ME);
    d->rembs++;
    d->last_at = d->now;
}

static void service(struct drv *d, int64_t until)
{
    uint8_t buf[256];

    while (remb_est_next_deadline(d->e) <= until) {
        int n;

        if (remb_est_next_deadline(d->e) > d->now)
            d->now = remb_est_next_deadline(d->e);
        n = remb_est_timeout(d->e, d->now, buf, sizeof(buf), ME);
        assert_true(n >= 0);
        if (n > 0)
            check_remb(d, buf, n);
    }
}

/* Sends PKT-byte packets at bps for dur_us; every lose_mod-th seq is lost
 * (0: none). */
static void run(struct drv *d, int64_t dur_us, double bps, unsigned lose_mod, uint32_t ssrc)
{
    int64_t end = d->now + dur_us, gap = (int64_t)(PKT * 8 * 1e6 / bps);

    for (int64_t t = d->now; t < end; t += gap) {
        service(d, t);
        d->now = t;
        if (lose_mod == 0 || d->seq % lose_mod != 0)
            remb_est_packet(d->e, d->now, ssrc, d->seq, PKT);
        d->seq++;
    }
    service(d, end);
    d->now = end;
}

static void drv_init(struct drv *d, const struct remb_est_cfg *cfg)
{
    memset(d, 0, sizeof(*d));
    assert_int_equal(remb_est_create(&d->e, cfg), 0);
    d->now = T0;
}

static void test_create(void **state)
{
    (void)state;
    struct remb_est *e = (struct remb_est *)1;
    struct remb_est_cfg bad = {.start_bps = 10, .min_bps = 100};
    uint8_t buf[64];

    assert_int_equal(remb_est_create(&e, NULL), 0);
    assert_int_equal(remb_est_bitrate(e), REMB_EST_DEFAULT_START_BPS);
    assert_true(remb_est_next_deadline(e) == INT64_MAX);
    assert_int_equal(remb_est_timeout(e, T0, buf, sizeof(buf), ME), 0);
    remb_est_destroy(e);
    remb_est_destroy(NULL);
    e = (struct remb_est *)1;
    assert_int_equal(remb_est_create(&e, &bad), ERR_INVAL);
    assert_null(e);
    bad = (struct remb_est_cfg){.min_bps = 10000000};
    assert_int_equal(remb_est_create(&e, &bad), ERR_INVAL);
}

static void test_first_remb_and_cadence(void **state)
{
    (void)state;
    struct drv d;

    drv_init(&d, NULL);
    run(&d, 300000, 500000, 0, 0x1234);
    assert_int_equal(d.rembs, 1); /* after the first update */
    assert_int_equal(d.last_at, T0 + REMB_EST_UPDATE_US);
    assert_int_equal(d.last.ssrc_count, 1);
    assert_int_equal(d.last.ssrcs[0], 0x1234);
    /* Mantissa rounding only. */
    assert_true(d.last.bitrate_bps <= REMB_EST_DEFAULT_START_BPS);
    assert_true(d.last.bitrate_bps > REMB_EST_DEFAULT_START_BPS - 8);
    /* Then one a second. */
    run(&d, 10000000, 500000, 0, 0x1234);
    assert_int_equal(d.rembs, 11);
    /* Silence: a REMB or two more at most, then none. */
    service(&d, d.now + 10000000);
    assert_true(d.rembs <= 13);
    assert_true(d.last_at - T0 <= 10300000 + REMB_EST_IDLE_US);
    remb_est_destroy(d.e);
}

static void test_loss_decreases(void **state)
{
    (void)state;
    struct drv d;
    struct remb_est_stats st;
    unsigned before;

    drv_init(&d, NULL);
    run(&d, 3000000, 500000, 0, 1);
    assert_int_equal(remb_est_bitrate(d.e), REMB_EST_DEFAULT_START_BPS);
    /* 20 % loss: below the incoming rate, and a REMB at once. */
    before = d.rembs;
    run(&d, 1000000, 1000000, 5, 1);
    remb_est_get_stats(d.e, &st);
    print_message("20%% loss: estimate %llu, incoming %llu, lost %u/256\n",
                  (unsigned long long)st.estimate_bps, (unsigned long long)st.incoming_bps,
                  st.fraction_lost);
    assert_true(st.decreases >= 1);
    assert_true(remb_est_bitrate(d.e) < 800000);
    assert_true(d.rembs > before);
    assert_true(d.last.bitrate_bps < 800000);
    /* Persistent loss keeps pushing it down, to the minimum at worst. */
    run(&d, 60000000, 1000000, 2, 1);
    assert_int_equal(remb_est_bitrate(d.e), REMB_EST_MIN_BPS);
    remb_est_destroy(d.e);
}

static void test_moderate_loss_holds(void **state)
{
    (void)state;
    struct drv d;
    struct remb_est_cfg cfg = {.start_bps = 500000};

    drv_init(&d, &cfg);
    /* 5 % loss at 1 Mbit/s: neither up nor down. */
    run(&d, 10000000, 1000000, 20, 7);
    assert_int_equal(remb_est_bitrate(d.e), 500000);
    remb_est_destroy(d.e);
}

static void test_growth_capped_by_incoming(void **state)
{
    (void)state;
    struct drv d;
    struct remb_est_cfg cfg = {.start_bps = 300000};
    uint64_t e5;

    drv_init(&d, &cfg);
    /* 1 Mbit/s coming in, no loss: grows 8 %/s up to 1.5 x + 10 k. */
    run(&d, 5000000, 1000000, 0, 7);
    e5 = remb_est_bitrate(d.e);
    print_message("growth: %llu after 5 s\n", (unsigned long long)e5);
    assert_true(e5 > 405000 && e5 < 450000); /* 300 k x 1.08^5 = 441 k */
    run(&d, 60000000, 1000000, 0, 7);
    assert_true(remb_est_bitrate(d.e) <= 1510000);
    assert_true(remb_est_bitrate(d.e) >= 1490000);
    remb_est_destroy(d.e);

    /* A sender far below the estimate does not make it grow. */
    drv_init(&d, NULL);
    run(&d, 30000000, 100000, 0, 7);
    assert_int_equal(remb_est_bitrate(d.e), REMB_EST_DEFAULT_START_BPS);
    remb_est_destroy(d.e);

    /* Nor past the maximum. */
    cfg = (struct remb_est_cfg){.max_bps = 2000000};
    drv_init(&d, &cfg);
    run(&d, 60000000, 4000000, 0, 7);
    assert_int_equal(remb_est_bitrate(d.e), 2000000);
    remb_est_destroy(d.e);
}

/* Reordering, duplicates, wrap and a restarted sequence are not loss. */
static void test_not_loss(void **state)
{
    (void)state;
    struct drv d;
    struct remb_est_stats st;
    uint16_t seq = 65000;

    drv_init(&d, NULL);
    for (int i = 0; i < 3000; i++) {
        uint16_t s = seq;

        if (i % 10 == 3)
            s = (uint16_t)(seq + 1); /* swap with the next */
        else if (i % 10 == 4)
            s = (uint16_t)(seq - 1);
        service(&d, d.now + 8000);
        d.now += 8000;
        remb_est_packet(d.e, d.now, 99, s, PKT);
        if (i % 50 == 0)
            remb_est_packet(d.e, d.now, 99, s, PKT); /* duplicate */
        seq++;
        if (i == 2000)
            seq = (uint16_t)(seq + 30000); /* the sender restarted */
    }
    remb_est_get_stats(d.e, &st);
    assert_int_equal(st.fraction_lost, 0);
    assert_int_equal(st.decreases, 0);
    assert_true(remb_est_bitrate(d.e) >= REMB_EST_DEFAULT_START_BPS);
    remb_est_destroy(d.e);
}

static void test_many_ssrcs(void **state)
{
    (void)state;
    struct drv d;
    struct remb_est_stats st;

    drv_init(&d, NULL);
    for (int i = 0; i < 2000; i++) {
        uint32_t ssrc = 100 + (uint32_t)(i % 10);

        service(&d, d.now + 2000);
        d.now += 2000;
        remb_est_packet(d.e, d.now, ssrc, (uint16_t)(i / 10), PKT);
    }
    service(&d, d.now + REMB_EST_INTERVAL_US);
    remb_est_get_stats(d.e, &st);
    assert_int_equal(st.untracked, 2 * 200);
    assert_int_equal(d.last.ssrc_count, REMB_EST_MAX_SSRCS);
    for (unsigned i = 0; i < REMB_EST_MAX_SSRCS; i++)
        assert_int_equal(d.last.ssrcs[i], 100 + i);
    assert_int_equal(st.fraction_lost, 0);
    remb_est_destroy(d.e);
}

static void test_small_cap(void **state)
{
    (void)state;
    struct remb_est *e;
    uint8_t buf[64];

    assert_int_equal(remb_est_create(&e, NULL), 0);
    remb_est_packet(e, T0, 1, 1, 100);
    assert_int_equal(remb_est_timeout(e, T0 + REMB_EST_UPDATE_US, buf, 12, ME), ERR_TOOBIG);
    assert_int_equal(remb_est_timeout(e, T0 + 2 * REMB_EST_UPDATE_US, buf, sizeof(buf), ME), 0);
    assert_true(remb_est_timeout(e, T0 + REMB_EST_UPDATE_US + REMB_EST_INTERVAL_US, buf,
                                 sizeof(buf), ME) > 0);
    remb_est_destroy(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create),
        cmocka_unit_test(test_first_remb_and_cadence),
        cmocka_unit_test(test_loss_decreases),
        cmocka_unit_test(test_moderate_loss_holds),
        cmocka_unit_test(test_growth_capped_by_incoming),
        cmocka_unit_test(test_not_loss),
        cmocka_unit_test(test_many_ssrcs),
        cmocka_unit_test(test_small_cap),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
