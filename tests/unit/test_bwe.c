/* Tests for media/bwe.c: unit behaviour, and a small event-driven link
 * simulation (a paced sender at the estimate, a bottleneck of C bit/s with
 * a drop-tail queue and a base delay, media/twcc.c as the receiver sending
 * transport-cc feedback every 100 ms, receiver reports every second).
 * Only simulated time is used. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "media/bwe.h"
#include "media/rtcp.h"
#include "media/twcc.h"
#include "base/err.h"

#define T0 1000000
#define PKT_BYTES 1200
#define FLY_MAX 8192
#define FBQ_MAX 64
#define SAMPLE_US 100000
#define MAX_SAMPLES 2000

/* ---- the simulation ---- */

struct fly {
    uint16_t seq;
    int64_t at;
};

struct fbmsg {
    uint8_t buf[TWCC_FB_MAX_BYTES];
    size_t len;
    int64_t at;
};

struct sim {
    struct bwe *b;
    struct twcc_recv *rx;
    int64_t now;
    /* the link */
    double cap_bps;
    int64_t delay_us;     /* base one-way delay, each direction */
    int64_t max_queue_us; /* drop-tail */
    int64_t busy_until;
    double loss;       /* random loss, before the bottleneck */
    int64_t rx_offset; /* receiver clock minus sender clock */
    double send_bps;   /* 0: send at the estimate; else this fixed rate */
    bool bursty;       /* 30 frames/s, each paced out at 2.5 x the rate */
    int64_t frame_start;
    int frame_left;
    double frame_credit;
    struct fly fly[FLY_MAX];
    size_t fly_head, fly_n;
    struct fbmsg fbq[FBQ_MAX];
    size_t fbq_head, fbq_n;
    int64_t next_send, next_rr, next_sample;
    uint64_t rr_sent, rr_lost;
    uint32_t rng;
    /* the estimate and the queueing delay every SAMPLE_US */
    uint64_t samples[MAX_SAMPLES];
    int64_t queue_us[MAX_SAMPLES];
    size_t nsamples;
};

static struct sim g_sim;
static struct rtcp_twcc_pkt g_pkts[RTCP_TWCC_MAX_STATUS];

static double frand(struct sim *s)
{
    s->rng = s->rng * 1664525u + 1013904223u;
    return (double)(s->rng >> 8) / (double)(1u << 24);
}

static struct sim *sim_new(double cap_bps, uint64_t start_bps, uint64_t max_bps)
{
    struct sim *s = &g_sim;
    struct bwe_cfg cfg = {.start_bps = start_bps, .max_bps = max_bps, .first_seq = 65000};

    memset(s, 0, sizeof(*s));
    assert_int_equal(bwe_create(&s->b, &cfg), 0);
    assert_int_equal(twcc_recv_create(&s->rx, NULL), 0);
    s->now = T0;
    s->cap_bps = cap_bps;
    s->delay_us = 40000;
    s->max_queue_us = 1000000;
    s->rx_offset = 123456789;
    s->next_send = T0;
    s->next_rr = T0 + 1000000;
    s->next_sample = T0;
    s->rng = 42;
    bwe_on_rtt(s->b, 2 * s->delay_us);
    return s;
}

static void sim_free(struct sim *s)
{
    bwe_destroy(s->b);
    twcc_recv_destroy(s->rx);
}

static void deliver_feedback(struct sim *s, const uint8_t *buf, size_t len)
{
    struct rtcp_iter it;
    struct rtcp_block blk;
    struct rtcp_fb fb;
    struct rtcp_twcc tw;

    rtcp_iter_init(&it, buf, len);
    assert_true(rtcp_iter_next(&it, &blk));
    assert_int_equal(rtcp_parse_fb(&fb, &blk), 0);
    assert_int_equal(rtcp_parse_twcc(&tw, g_pkts, RTCP_TWCC_MAX_STATUS, &fb), 0);
    assert_int_equal(bwe_on_feedback(s->b, s->now, &tw, g_pkts, tw.status_count), 0);
}

static void send_one(struct sim *s)
{
    uint16_t seq = bwe_on_send(s->b, s->now, PKT_BYTES);
    int64_t start;

    s->rr_sent++;
    if (s->loss > 0 && frand(s) < s->loss) {
        s->rr_lost++;
    } else {
        start = s->busy_until > s->now ? s->busy_until : s->now;
        if (start - s->now > s->max_queue_us || s->fly_n == FLY_MAX) {
            s->rr_lost++; /* tail drop */
        } else {
            s->busy_until = start + (int64_t)(PKT_BYTES * 8 * 1e6 / s->cap_bps);
            s->fly[(s->fly_head + s->fly_n++) % FLY_MAX] =
                (struct fly){seq, s->busy_until + s->delay_us};
        }
    }
}

static void send_event(struct sim *s)
{
    double rate = s->send_bps > 0 ? s->send_bps : (double)bwe_estimate(s->b);

    if (!s->bursty) {
        send_one(s);
        s->next_send = s->now + (int64_t)(PKT_BYTES * 8 * 1e6 / rate);
        return;
    }
    if (s->frame_left == 0) {
        s->frame_start = s->now;
        s->frame_credit += rate / 30;
        s->frame_left = (int)(s->frame_credit / (PKT_BYTES * 8));
        s->frame_credit -= s->frame_left * (PKT_BYTES * 8);
    }
    if (s->frame_left > 0) {
        send_one(s);
        s->frame_left--;
    }
    if (s->frame_left > 0)
        s->next_send = s->now + (int64_t)(PKT_BYTES * 8 * 1e6 / (2.5 * rate));
    else
        s->next_send = s->frame_start + 1000000 / 30;
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

static void sim_run(struct sim *s, int64_t duration_us)
{
    int64_t end = s->now + duration_us;

    for (;;) {
        int64_t t = min64(s->next_send, min64(s->next_rr, s->next_sample));
        int64_t dl = twcc_recv_next_deadline(s->rx);

        if (s->fly_n > 0)
            t = min64(t, s->fly[s->fly_head].at);
        if (dl != INT64_MAX)
            t = min64(t, dl - s->rx_offset);
        if (s->fbq_n > 0)
            t = min64(t, s->fbq[s->fbq_head].at);
        if (t >= end)
            break;
        if (t > s->now)
            s->now = t;
        while (s->fly_n > 0 && s->fly[s->fly_head].at <= s->now) {
            const struct fly *f = &s->fly[s->fly_head];

            twcc_recv_packet(s->rx, f->at + s->rx_offset, f->seq);
            s->fly_head = (s->fly_head + 1) % FLY_MAX;
            s->fly_n--;
        }
        if (twcc_recv_next_deadline(s->rx) - s->rx_offset <= s->now) {
            int n;

            for (;;) {
                struct fbmsg *m = &s->fbq[(s->fbq_head + s->fbq_n) % FBQ_MAX];

                assert_true(s->fbq_n < FBQ_MAX);
                n = twcc_recv_timeout(s->rx, s->now + s->rx_offset, m->buf, sizeof(m->buf), 1, 2);
                assert_true(n >= 0);
                if (n == 0)
                    break;
                m->len = (size_t)n;
                m->at = s->now + s->delay_us;
                s->fbq_n++;
            }
        }
        while (s->fbq_n > 0 && s->fbq[s->fbq_head].at <= s->now) {
            deliver_feedback(s, s->fbq[s->fbq_head].buf, s->fbq[s->fbq_head].len);
            s->fbq_head = (s->fbq_head + 1) % FBQ_MAX;
            s->fbq_n--;
        }
        if (s->next_rr <= s->now) {
            uint64_t f = s->rr_sent > 0 ? s->rr_lost * 256 / s->rr_sent : 0;

            bwe_on_loss(s->b, s->now, (uint8_t)(f > 255 ? 255 : f));
            s->rr_sent = s->rr_lost = 0;
            s->next_rr += 1000000;
        }
        if (s->next_sample <= s->now) {
            if (s->nsamples < MAX_SAMPLES) {
                s->queue_us[s->nsamples] = s->busy_until > s->now ? s->busy_until - s->now : 0;
                s->samples[s->nsamples++] = bwe_estimate(s->b);
            }
            s->next_sample += SAMPLE_US;
        }
        if (s->next_send <= s->now)
            send_event(s);
    }
    s->now = end;
}

/* Mean, min and max of the estimate over the last `us` of samples. */
struct span {
    double mean, min, max;
    double queue_ms; /* mean queueing delay */
};

static struct span last_span(const struct sim *s, int64_t us)
{
    size_t k = (size_t)(us / SAMPLE_US), from = s->nsamples > k ? s->nsamples - k : 0;
    struct span r = {0, 1e18, 0, 0};

    for (size_t i = from; i < s->nsamples; i++) {
        double v = (double)s->samples[i];

        r.mean += v;
        r.queue_ms += (double)s->queue_us[i] / 1000;
        r.min = v < r.min ? v : r.min;
        r.max = v > r.max ? v : r.max;
    }
    r.mean /= (double)(s->nsamples - from);
    r.queue_ms /= (double)(s->nsamples - from);
    return r;
}

/* First time (from sample `from`) the estimate is within [lo, hi]; -1 if never. */
static int64_t time_into(const struct sim *s, size_t from, double lo, double hi)
{
    for (size_t i = from; i < s->nsamples; i++)
        if ((double)s->samples[i] >= lo && (double)s->samples[i] <= hi)
            return (int64_t)(i - from) * SAMPLE_US;
    return -1;
}

static void converge(double cap, uint64_t start, uint64_t max, bool bursty, const char *what)
{
    struct sim *s = sim_new(cap, start, max);
    struct bwe_stats st;
    struct span sp;

    s->bursty = bursty;
    sim_run(s, 60000000);
    sp = last_span(s, 20000000);
    bwe_get_stats(s->b, &st);
    print_message("converge C=%.0f %sfrom %s (start %llu): last 20 s mean %.0f (%.2f C), "
                  "min %.2f C, max %.2f C, queue %.1f ms; within 30%% after %.1f s "
                  "(%llu packets, %llu overuses)\n",
                  cap, bursty ? "bursty " : "", what, (unsigned long long)start, sp.mean,
                  sp.mean / cap, sp.min / cap, sp.max / cap, sp.queue_ms,
                  (double)time_into(s, 0, 0.7 * cap, 1.3 * cap) / 1e6, (unsigned long long)st.sent,
                  (unsigned long long)st.overuses);
    assert_true(sp.mean >= 0.7 * cap && sp.mean <= 1.3 * cap);
    assert_true(sp.min >= 0.5 * cap && sp.max <= 1.5 * cap);
    sim_free(s);
}

/* ---- unit tests ---- */

static void test_create(void **state)
{
    (void)state;
    struct bwe *b = (struct bwe *)1;
    struct bwe_stats st;
    struct bwe_cfg bad = {.start_bps = 100, .min_bps = 1000};

    assert_int_equal(bwe_create(&b, NULL), 0);
    assert_int_equal(bwe_estimate(b), BWE_DEFAULT_START_BPS);
    bwe_get_stats(b, &st);
    assert_int_equal(st.delay_bps, BWE_DEFAULT_START_BPS);
    assert_int_equal(st.loss_bps, BWE_DEFAULT_MAX_BPS);
    assert_int_equal(st.acked_bps, 0);
    assert_int_equal(st.usage, BWE_USAGE_NORMAL);
    bwe_destroy(b);
    bwe_destroy(NULL);

    b = (struct bwe *)1;
    assert_int_equal(bwe_create(&b, &bad), ERR_INVAL);
    assert_null(b);
    bad = (struct bwe_cfg){.min_bps = 2000000, .max_bps = 1000000};
    assert_int_equal(bwe_create(&b, &bad), ERR_INVAL);
    bad = (struct bwe_cfg){.start_bps = 6000000};
    assert_int_equal(bwe_create(&b, &bad), ERR_INVAL);
    bad = (struct bwe_cfg){.start_bps = 300000, .max_bps = 400000};
    assert_int_equal(bwe_create(&b, &bad), 0);
    assert_int_equal(bwe_estimate(b), 300000);
    bwe_set_max(b, 200000);
    assert_int_equal(bwe_estimate(b), 200000);
    bwe_set_max(b, 1);
    assert_int_equal(bwe_estimate(b), BWE_MIN_BPS);
    bwe_set_max(b, 0);
    bwe_get_stats(b, &st);
    assert_int_equal(st.loss_bps, BWE_DEFAULT_MAX_BPS); /* still unconstrained */
    bwe_destroy(b);
}

static void test_send_seqs_wrap(void **state)
{
    (void)state;
    struct bwe *b;
    struct bwe_cfg cfg = {.first_seq = 65534};
    struct bwe_stats st;

    assert_int_equal(bwe_create(&b, &cfg), 0);
    assert_int_equal(bwe_on_send(b, T0, 100), 65534);
    assert_int_equal(bwe_on_send(b, T0, 100), 65535);
    assert_int_equal(bwe_on_send(b, T0, 100), 0);
    assert_int_equal(bwe_on_send(b, T0, 100), 1);
    bwe_get_stats(b, &st);
    assert_int_equal(st.sent, 4);
    bwe_destroy(b);
}

/* Builds a feedback for seqs first.. with the given arrival offsets (-1:
 * lost) and a reference time. */
static void make_fb(struct rtcp_twcc *tw, struct rtcp_twcc_pkt *pkts, uint16_t first,
                    const int32_t *deltas, size_t n, int32_t ref)
{
    memset(tw, 0, sizeof(*tw));
    tw->base_seq = first;
    tw->status_count = (uint16_t)n;
    tw->ref_time = ref;
    for (size_t i = 0; i < n; i++) {
        pkts[i].seq = (uint16_t)(first + i);
        pkts[i].received = deltas[i] != -1;
        pkts[i].delta_us = pkts[i].received ? deltas[i] : 0;
        tw->received += pkts[i].received;
    }
}

/* The same from absolute arrival times (us, -1: lost), as a receiver
 * would encode them. */
static void make_fb_abs(struct rtcp_twcc *tw, struct rtcp_twcc_pkt *pkts, uint16_t first,
                        const int64_t *arrival, size_t n)
{
    int32_t d[64];
    int64_t prev = -1;

    assert_true(n <= 64);
    for (size_t i = 0; i < n; i++) {
        if (arrival[i] < 0) {
            d[i] = -1;
            continue;
        }
        if (prev < 0)
            prev = arrival[i] / RTCP_TWCC_REF_US * RTCP_TWCC_REF_US;
        d[i] = (int32_t)(arrival[i] - prev);
        prev = arrival[i];
    }
    for (size_t i = 0; i < n; i++)
        if (arrival[i] >= 0) {
            make_fb(tw, pkts, first, d, n, (int32_t)(arrival[i] / RTCP_TWCC_REF_US));
            return;
        }
    make_fb(tw, pkts, first, d, n, 0);
}

static void test_feedback_unknown_and_duplicate(void **state)
{
    (void)state;
    struct bwe *b;
    struct bwe_stats st;
    struct rtcp_twcc tw;
    struct rtcp_twcc_pkt pkts[8];
    static const int32_t d[8] = {1000, 1000, -1, 1000, 1000, 1000, 1000, 1000};

    assert_int_equal(bwe_create(&b, NULL), 0);
    assert_int_equal(bwe_on_feedback(b, T0, NULL, pkts, 1), ERR_INVAL);
    assert_int_equal(bwe_on_feedback(NULL, T0, &tw, pkts, 1), ERR_INVAL);
    /* Nothing sent yet: every seq is unknown. */
    make_fb(&tw, pkts, 0, d, 8, 100);
    assert_int_equal(bwe_on_feedback(b, T0, &tw, pkts, 8), 0);
    bwe_get_stats(b, &st);
    assert_int_equal(st.unknown, 7);
    assert_int_equal(st.acked, 0);
    for (int i = 0; i < 4; i++)
        bwe_on_send(b, T0 + i * 1000, 1000);
    /* Seqs 0..3 were sent, 4..7 were not. */
    assert_int_equal(bwe_on_feedback(b, T0 + 50000, &tw, pkts, 8), 0);
    bwe_get_stats(b, &st);
    assert_int_equal(st.acked, 3);
    assert_int_equal(st.unknown, 7 + 4);
    /* The same feedback again. */
    assert_int_equal(bwe_on_feedback(b, T0 + 60000, &tw, pkts, 8), 0);
    bwe_get_stats(b, &st);
    assert_int_equal(st.acked, 3);
    assert_int_equal(st.duplicates, 3);
    assert_int_equal(st.feedbacks, 3);
    assert_int_equal(bwe_estimate(b), BWE_DEFAULT_START_BPS);
    /* Empty feedback. */
    assert_int_equal(bwe_on_feedback(b, T0 + 70000, &tw, NULL, 0), 0);
    bwe_destroy(b);
}

/* Packets older than the history are unknown, even with matching low bits. */
static void test_feedback_too_old(void **state)
{
    (void)state;
    struct bwe *b;
    struct bwe_stats st;
    struct rtcp_twcc tw;
    struct rtcp_twcc_pkt pkts[1];
    static const int32_t d[1] = {1000};

    assert_int_equal(bwe_create(&b, NULL), 0);
    for (int i = 0; i < BWE_HISTORY + 10; i++)
        bwe_on_send(b, T0 + i * 100, 500);
    make_fb(&tw, pkts, 5, d, 1, 0);
    bwe_on_feedback(b, T0 + 500000, &tw, pkts, 1);
    make_fb(&tw, pkts, 20, d, 1, 0);
    bwe_on_feedback(b, T0 + 500000, &tw, pkts, 1);
    bwe_get_stats(b, &st);
    assert_int_equal(st.unknown, 1);
    assert_int_equal(st.acked, 1);
    bwe_destroy(b);
}

static void test_loss_based(void **state)
{
    (void)state;
    struct bwe *b;
    struct bwe_stats st;
    int64_t now = T0;

    assert_int_equal(bwe_create(&b, NULL), 0);
    /* 20 % loss (51/256): x (1 - 0.5 * 0.1992) = 900391. */
    bwe_on_loss(b, now, 51);
    assert_in_range(bwe_estimate(b), 900389, 900391);
    /* Not again within 300 ms + RTT. */
    bwe_on_loss(b, now + 200000, 51);
    assert_in_range(bwe_estimate(b), 900389, 900391);
    bwe_on_loss(b, now + 400000, 51);
    assert_in_range(bwe_estimate(b), 810701, 810704);
    /* 2..10 %: hold. */
    bwe_on_loss(b, now + 1400000, 13);
    bwe_on_loss(b, now + 2400000, 25);
    assert_in_range(bwe_estimate(b), 810701, 810704);
    /* < 2 %: grows 8 %/s (plus 1 kbit/s): 810703 * 1.08 + 1000. */
    bwe_on_loss(b, now + 3400000, 5);
    assert_in_range(bwe_estimate(b), 876557, 876561);
    bwe_get_stats(b, &st);
    assert_int_equal(st.loss_decreases, 2);
    /* Total loss for a long time: down to the minimum, no further. */
    for (int i = 0; i < 100; i++)
        bwe_on_loss(b, now + 4000000 + i * 1000000, 255);
    assert_int_equal(bwe_estimate(b), BWE_MIN_BPS);
    /* Recovery never passes the maximum. */
    for (int i = 0; i < 1000; i++)
        bwe_on_loss(b, now + 200000000 + i * 1000000, 0);
    bwe_get_stats(b, &st);
    assert_int_equal(st.loss_bps, BWE_DEFAULT_MAX_BPS);
    bwe_destroy(b);
}

/* Synthetic feedback, no simulation: one-way delay growing steadily. */
static void test_delay_overuse(void **state)
{
    (void)state;
    struct bwe *b;
    struct bwe_stats st;
    struct rtcp_twcc tw;
    struct rtcp_twcc_pkt pkts[10];
    int64_t arr[10], now = T0;
    uint16_t seq = 0;

    assert_int_equal(bwe_create(&b, NULL), 0);
    /* 1 Mbit/s sent (1250 B every 10 ms) but arriving at 800 kbit/s:
     * every packet 2.5 ms later than the one before. */
    for (int round = 0; round < 30; round++) {
        uint16_t first = seq;

        for (int i = 0; i < 10; i++) {
            bwe_on_send(b, now + i * 10000, 1250);
            arr[i] = 5000000 + (int64_t)seq * 12500;
            seq++;
        }
        make_fb_abs(&tw, pkts, first, arr, 10);
        now += 100000;
        assert_int_equal(bwe_on_feedback(b, now, &tw, pkts, 10), 0);
    }
    bwe_get_stats(b, &st);
    print_message("delay overuse: estimate %llu, acked %llu, overuses %llu\n",
                  (unsigned long long)st.estimate_bps, (unsigned long long)st.acked_bps,
                  (unsigned long long)st.overuses);
    assert_int_equal(st.usage, BWE_USAGE_OVERUSE);
    assert_true(st.overuses >= 1);
    assert_true(st.acked_bps >= 780000 && st.acked_bps <= 820000);
    /* 0.85 x 800 kbit/s */
    assert_true(st.estimate_bps >= 660000 && st.estimate_bps <= 700000);
    bwe_destroy(b);
}

/* ---- the simulation ---- */

static void test_sim_converge_300k(void **state)
{
    (void)state;
    converge(300000, 100000, BWE_DEFAULT_MAX_BPS, false, "below");
    converge(300000, 900000, BWE_DEFAULT_MAX_BPS, false, "above");
}

static void test_sim_converge_1m(void **state)
{
    (void)state;
    converge(1000000, 330000, BWE_DEFAULT_MAX_BPS, false, "below");
    converge(1000000, 3000000, BWE_DEFAULT_MAX_BPS, false, "above");
}

static void test_sim_converge_2500k(void **state)
{
    (void)state;
    converge(2500000, 830000, 10000000, false, "below");
    converge(2500000, 7500000, 10000000, false, "above");
}

/* Video-like traffic: frames of several packets sent back to back. */
static void test_sim_converge_bursty(void **state)
{
    (void)state;
    converge(300000, 100000, BWE_DEFAULT_MAX_BPS, true, "below");
    converge(1000000, 330000, BWE_DEFAULT_MAX_BPS, true, "below");
    converge(1000000, 3000000, BWE_DEFAULT_MAX_BPS, true, "above");
    converge(2500000, 7500000, 10000000, true, "above");
}

static void test_sim_step_down_up(void **state)
{
    (void)state;
    struct sim *s = sim_new(2000000, BWE_DEFAULT_START_BPS, BWE_DEFAULT_MAX_BPS);
    struct span sp;
    size_t at;
    int64_t down, up;

    sim_run(s, 40000000);
    sp = last_span(s, 10000000);
    print_message("step: at 2 Mbit/s mean %.0f\n", sp.mean);
    assert_true(sp.mean >= 1400000 && sp.mean <= 2600000);
    /* The link falls to 500 kbit/s. */
    s->cap_bps = 500000;
    at = s->nsamples;
    sim_run(s, 30000000);
    down = time_into(s, at, 0, 1.3 * 500000);
    sp = last_span(s, 10000000);
    print_message("step: 2 M -> 500 k: under 650 k after %.1f s; last 10 s mean %.0f, min %.0f, "
                  "max %.0f\n",
                  (double)down / 1e6, sp.mean, sp.min, sp.max);
    assert_true(down >= 0 && down <= 2000000);
    assert_true(sp.mean >= 350000 && sp.mean <= 650000);
    /* And rises to 2 Mbit/s again. */
    s->cap_bps = 2000000;
    at = s->nsamples;
    sim_run(s, 60000000);
    up = time_into(s, at, 0.7 * 2000000, 1e18);
    sp = last_span(s, 10000000);
    print_message("step: 500 k -> 2 M: over 1.4 M after %.1f s; last 10 s mean %.0f\n",
                  (double)up / 1e6, sp.mean);
    assert_true(up >= 0 && up <= 30000000);
    assert_true(sp.mean >= 1400000 && sp.mean <= 2600000);
    sim_free(s);
}

/* 10 % random loss and no queue: the loss-based part brings it down. At
 * exactly 10 % about every other report is above the threshold and none
 * is below 2 %, so the estimate ratchets down. */
static void test_sim_random_loss(void **state)
{
    (void)state;
    struct sim *s = sim_new(20000000, BWE_DEFAULT_START_BPS, BWE_DEFAULT_MAX_BPS);
    struct bwe_stats st;
    uint64_t clean, lossy20, lossy60;

    sim_run(s, 20000000);
    clean = bwe_estimate(s->b);
    sim_free(s);

    s = sim_new(20000000, BWE_DEFAULT_START_BPS, BWE_DEFAULT_MAX_BPS);
    s->loss = 0.10;
    sim_run(s, 20000000);
    lossy20 = bwe_estimate(s->b);
    sim_run(s, 40000000);
    lossy60 = bwe_estimate(s->b);
    bwe_get_stats(s->b, &st);
    print_message("10%% loss: %llu after 20 s (no loss: %llu), %llu after 60 s; "
                  "loss decreases %llu, delay overuses %llu\n",
                  (unsigned long long)lossy20, (unsigned long long)clean,
                  (unsigned long long)lossy60, (unsigned long long)st.loss_decreases,
                  (unsigned long long)st.overuses);
    assert_true(clean > 4000000);
    assert_true(lossy20 < clean / 2);
    assert_true(lossy60 < lossy20);
    assert_true(lossy60 < BWE_DEFAULT_START_BPS);
    assert_int_equal(st.overuses, 0);
    sim_free(s);
}

/* A sender that uses far less than the estimate (audio only) does not let
 * the estimate run away: increases are capped by 1.5 x acked + 10 kbit/s. */
static void test_sim_app_limited(void **state)
{
    (void)state;
    struct sim *s = sim_new(5000000, 300000, BWE_DEFAULT_MAX_BPS);

    s->send_bps = 100000;
    sim_run(s, 30000000);
    print_message("app limited at 100 k: estimate %llu\n", (unsigned long long)bwe_estimate(s->b));
    assert_true(bwe_estimate(s->b) <= 300000);
    assert_true(bwe_estimate(s->b) >= 100000);
    sim_free(s);
}

/* The receiver's 24-bit reference time wraps during the call. */
static void test_sim_ref_time_wrap(void **state)
{
    (void)state;
    struct sim *s = sim_new(1000000, 330000, BWE_DEFAULT_MAX_BPS);
    struct bwe_stats st;
    struct span sp;

    s->rx_offset = ((int64_t)1 << 24) * RTCP_TWCC_REF_US - 20000000 - T0;
    sim_run(s, 60000000);
    sp = last_span(s, 20000000);
    bwe_get_stats(s->b, &st);
    print_message("ref wrap: mean %.0f, discontinuities %llu\n", sp.mean,
                  (unsigned long long)st.discontinuities);
    assert_true(sp.mean >= 700000 && sp.mean <= 1300000);
    assert_int_equal(st.discontinuities, 0);
    sim_free(s);
}

/* Garbage feedback in the middle of a call: seqs never sent, random
 * reference times, huge deltas. Nothing harmful happens. */
static void test_sim_garbage_feedback(void **state)
{
    (void)state;
    struct sim *s = sim_new(1000000, 330000, BWE_DEFAULT_MAX_BPS);
    struct rtcp_twcc tw;
    struct bwe_stats st;
    struct span sp;
    uint64_t before;

    sim_run(s, 40000000);
    before = bwe_estimate(s->b);
    for (int k = 0; k < 50; k++) {
        size_t n = 1 + (size_t)(frand(s) * 200);

        memset(&tw, 0, sizeof(tw));
        tw.base_seq = (uint16_t)(frand(s) * 65536);
        tw.status_count = (uint16_t)n;
        tw.ref_time = (int32_t)(frand(s) * 0xffffff) - 0x800000;
        for (size_t i = 0; i < n; i++) {
            g_pkts[i].seq = (uint16_t)(tw.base_seq + i);
            g_pkts[i].received = frand(s) < 0.7;
            g_pkts[i].delta_us = (int32_t)((frand(s) * 65536 - 32768) * RTCP_TWCC_DELTA_US);
        }
        assert_int_equal(bwe_on_feedback(s->b, s->now, &tw, g_pkts, n), 0);
        /* Also: seqs really in flight, with absurd arrival times (their
         * true feedback will then be duplicates). */
        if (k % 5 == 0 && s->fly_n > 0) {
            n = s->fly_n < 50 ? s->fly_n : 50;
            tw.base_seq = s->fly[s->fly_head].seq;
            tw.status_count = (uint16_t)n;
            for (size_t i = 0; i < n; i++) {
                g_pkts[i].seq = (uint16_t)(tw.base_seq + i);
                g_pkts[i].received = true;
                g_pkts[i].delta_us = (int32_t)((frand(s) * 65536 - 32768) * RTCP_TWCC_DELTA_US);
            }
            assert_int_equal(bwe_on_feedback(s->b, s->now, &tw, g_pkts, n), 0);
        }
        sim_run(s, 100000);
    }
    bwe_get_stats(s->b, &st);
    sp = last_span(s, 5000000);
    print_message("garbage: before %llu, during min %.0f mean %.0f; unknown %llu, "
                  "discontinuities %llu\n",
                  (unsigned long long)before, sp.min, sp.mean, (unsigned long long)st.unknown,
                  (unsigned long long)st.discontinuities);
    assert_true(st.unknown > 0);
    assert_true(sp.min >= 0.6 * 1000000);
    sim_run(s, 20000000);
    sp = last_span(s, 10000000);
    assert_true(sp.mean >= 700000 && sp.mean <= 1300000);
    sim_free(s);
}

/* Feedback for packets really sent, but with arrival times jumping by
 * seconds (a clock jump or garbage): a reset, never a decrease. */
static void test_huge_deltas(void **state)
{
    (void)state;
    struct bwe *b;
    struct bwe_stats st;
    struct rtcp_twcc tw;
    struct rtcp_twcc_pkt pkts[40];
    int64_t arr[40], now = T0;
    uint16_t seq = 0;

    assert_int_equal(bwe_create(&b, NULL), 0);
    for (int round = 0; round < 50; round++) {
        uint16_t first = seq;

        for (int i = 0; i < 40; i++) {
            bwe_on_send(b, now + i * 2500, 1200);
            arr[i] = 9000000 + (int64_t)seq * 2500;
            seq++;
        }
        if (round % 5 == 4)
            arr[20] += 8000000;
        if (round % 7 == 6)
            arr[10] -= 8191750;
        if (round % 11 == 10)
            for (int i = 30; i < 40; i++)
                arr[i] += 3000000; /* the rest of this feedback shifted */
        make_fb_abs(&tw, pkts, first, arr, 40);
        now += 100000;
        assert_int_equal(bwe_on_feedback(b, now, &tw, pkts, 40), 0);
    }
    bwe_get_stats(b, &st);
    print_message("huge deltas: estimate %llu, discontinuities %llu, overuses %llu\n",
                  (unsigned long long)st.estimate_bps, (unsigned long long)st.discontinuities,
                  (unsigned long long)st.overuses);
    assert_true(st.discontinuities >= 20);
    assert_int_equal(st.overuses, 0);
    assert_true(st.estimate_bps >= BWE_DEFAULT_START_BPS);
    bwe_destroy(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create),
        cmocka_unit_test(test_send_seqs_wrap),
        cmocka_unit_test(test_feedback_unknown_and_duplicate),
        cmocka_unit_test(test_feedback_too_old),
        cmocka_unit_test(test_loss_based),
        cmocka_unit_test(test_delay_overuse),
        cmocka_unit_test(test_sim_converge_300k),
        cmocka_unit_test(test_sim_converge_1m),
        cmocka_unit_test(test_sim_converge_2500k),
        cmocka_unit_test(test_sim_converge_bursty),
        cmocka_unit_test(test_sim_step_down_up),
        cmocka_unit_test(test_sim_random_loss),
        cmocka_unit_test(test_sim_app_limited),
        cmocka_unit_test(test_sim_ref_time_wrap),
        cmocka_unit_test(test_sim_garbage_feedback),
        cmocka_unit_test(test_huge_deltas),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
