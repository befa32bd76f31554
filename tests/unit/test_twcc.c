/* Tests for media/twcc.c: transport-cc feedback from recorded arrivals,
 * checked by parsing it back with rtcp_parse_twcc. Fake clock throughout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "media/rtcp.h"
#include "media/twcc.h"
#include "base/err.h"

#define T0 1000000 /* fake clock start, us */
#define SENDER 0x11111111u
#define MEDIA 0x22222222u

/* One parsed feedback, with absolute arrival times rebuilt. */
struct fb {
    struct rtcp_twcc tw;
    uint32_t sender, media;
    struct rtcp_twcc_pkt pkts[RTCP_TWCC_MAX_STATUS];
    int64_t arrival[RTCP_TWCC_MAX_STATUS];
};

static struct fb g_fb; /* large: not on the stack */

static void parse(const uint8_t *buf, int len, struct fb *f)
{
    struct rtcp_iter it;
    struct rtcp_block b;
    struct rtcp_fb rf;
    int64_t t;

    assert_true(len > 0);
    rtcp_iter_init(&it, buf, (size_t)len);
    assert_true(rtcp_iter_next(&it, &b));
    assert_int_equal(b.len, (size_t)len); /* exactly one RTCP packet */
    assert_int_equal(rtcp_parse_fb(&rf, &b), 0);
    assert_int_equal(rf.type, RTCP_FB_TWCC);
    f->sender = rf.sender_ssrc;
    f->media = rf.media_ssrc;
    assert_int_equal(rtcp_parse_twcc(&f->tw, f->pkts, RTCP_TWCC_MAX_STATUS, &rf), 0);
    t = (int64_t)f->tw.ref_time * RTCP_TWCC_REF_US;
    for (size_t i = 0; i < f->tw.status_count; i++) {
        if (f->pkts[i].received) {
            t += f->pkts[i].delta_us;
            f->arrival[i] = t;
        } else {
            f->arrival[i] = -1;
        }
    }
}

/* Index of seq in the feedback, or -1. */
static int find(const struct fb *f, uint16_t seq)
{
    uint16_t off = (uint16_t)(seq - f->tw.base_seq);

    return off < f->tw.status_count ? (int)off : -1;
}

static void assert_arrival(const struct fb *f, uint16_t seq, int64_t us)
{
    int i = find(f, seq);

    assert_true(i >= 0);
    assert_true(f->pkts[i].received);
    /* 250 us ticks, rounded down from absolute ticks: never accumulates. */
    assert_true(f->arrival[i] <= us);
    assert_true(us - f->arrival[i] < RTCP_TWCC_DELTA_US);
}

static struct twcc_recv *make(int64_t interval_us)
{
    struct twcc_recv *t = NULL;
    struct twcc_recv_cfg cfg = {.interval_us = interval_us};

    assert_int_equal(twcc_recv_create(&t, &cfg), 0);
    assert_non_null(t);
    return t;
}

static int feedback(struct twcc_recv *t, int64_t now, uint8_t *buf, size_t cap)
{
    return twcc_recv_timeout(t, now, buf, cap, SENDER, MEDIA);
}

static void test_create_empty(void **state)
{
    (void)state;
    struct twcc_recv *t = NULL;
    struct twcc_recv_stats st;
    uint8_t buf[1500];

    assert_int_equal(twcc_recv_create(&t, NULL), 0);
    assert_true(twcc_recv_next_deadline(t) == INT64_MAX);
    assert_int_equal(feedback(t, T0, buf, sizeof(buf)), 0);
    assert_int_equal(feedback(t, INT64_MAX / 2, buf, sizeof(buf)), 0);
    twcc_recv_get_stats(t, &st);
    assert_int_equal(st.feedbacks, 0);
    twcc_recv_destroy(t);
    twcc_recv_destroy(NULL);
}

static void test_roundtrip(void **state)
{
    (void)state;
    struct twcc_recv *t = make(0);
    uint8_t buf[1500];
    int64_t at[50];
    int n;

    /* Jittery arrivals, some 1-byte deltas, some larger than 63.75 ms. */
    for (int i = 0; i < 50; i++) {
        at[i] = T0 + i * 1700 + (i % 7) * 333 + (i == 20 ? 80000 : 0) + (i > 20 ? 80000 : 0);
        twcc_recv_packet(t, at[i], (uint16_t)(100 + i));
    }
    /* Not due before the interval. */
    assert_true(twcc_recv_next_deadline(t) == T0 + TWCC_RECV_INTERVAL_US);
    assert_int_equal(feedback(t, T0 + TWCC_RECV_INTERVAL_US - 1, buf, sizeof(buf)), 0);
    n = feedback(t, T0 + TWCC_RECV_INTERVAL_US, buf, sizeof(buf));
    parse(buf, n, &g_fb);
    assert_int_equal(g_fb.sender, SENDER);
    assert_int_equal(g_fb.media, MEDIA);
    assert_int_equal(g_fb.tw.base_seq, 100);
    assert_int_equal(g_fb.tw.status_count, 50);
    assert_int_equal(g_fb.tw.received, 50);
    assert_int_equal(g_fb.tw.fb_count, 0);
    for (int i = 0; i < 50; i++)
        assert_arrival(&g_fb, (uint16_t)(100 + i), at[i]);
    /* Nothing more to say. */
    assert_true(twcc_recv_next_deadline(t) == INT64_MAX);
    assert_int_equal(feedback(t, T0 + 2 * TWCC_RECV_INTERVAL_US, buf, sizeof(buf)), 0);
    twcc_recv_destroy(t);
}

static void test_losses_marked(void **state)
{
    (void)state;
    struct twcc_recv *t = make(0);
    uint8_t buf[1500];
    int n, i;

    for (int s = 0; s < 40; s++)
        if (s % 5 != 3 && (s < 20 || s > 29))
            twcc_recv_packet(t, T0 + s * 1000, (uint16_t)(1000 + s));
    n = feedback(t, T0 + TWCC_RECV_INTERVAL_US, buf, sizeof(buf));
    parse(buf, n, &g_fb);
    assert_int_equal(g_fb.tw.base_seq, 1000);
    assert_int_equal(g_fb.tw.status_count, 40);
    for (int s = 0; s < 40; s++) {
        bool want = s % 5 != 3 && (s < 20 || s > 29);

        i = find(&g_fb, (uint16_t)(1000 + s));
        assert_true(i >= 0);
        assert_int_equal(g_fb.pkts[i].received, want);
        if (want)
            assert_arrival(&g_fb, (uint16_t)(1000 + s), T0 + s * 1000);
    }
    twcc_recv_destroy(t);
}

/* Packets lost right after one feedback are reported lost by the next:
 * it starts with the previous feedback's last received packet again. */
static void test_losses_between_feedbacks(void **state)
{
    (void)state;
    struct twcc_recv *t = make(0);
    uint8_t buf[1500];
    int64_t now = T0;
    int n;

    for (int s = 0; s < 10; s++)
        twcc_recv_packet(t, T0 + s * 5000, (uint16_t)s);
    now = T0 + TWCC_RECV_INTERVAL_US;
    n = feedback(t, now, buf, sizeof(buf));
    parse(buf, n, &g_fb);
    assert_int_equal(g_fb.tw.status_count, 10);
    /* 10..12 lost, 13..19 arrive. */
    for (int s = 13; s < 20; s++)
        twcc_recv_packet(t, now + (s - 12) * 5000, (uint16_t)s);
    n = feedback(t, now + TWCC_RECV_INTERVAL_US, buf, sizeof(buf));
    parse(buf, n, &g_fb);
    assert_int_equal(g_fb.tw.base_seq, 9);
    assert_int_equal(g_fb.tw.status_count, 11);
    assert_int_equal(g_fb.tw.fb_count, 1);
    assert_arrival(&g_fb, 9, T0 + 9 * 5000);
    for (int s = 10; s < 13; s++)
        assert_false(g_fb.pkts[find(&g_fb, (uint16_t)s)].received);
    for (int s = 13; s < 20; s++)
        assert_arrival(&g_fb, (uint16_t)s, now + (s - 12) * 5000);
    twcc_recv_destroy(t);
}

static void test_reordering(void **state)
{
    (void)state;
    struct twcc_recv *t = make(0);
    uint8_t buf[1500];
    static const int order[] = {0, 1, 4, 2, 3, 7, 5, 6, 9, 8};
    int n;

    for (int i = 0; i < 10; i++)
        twcc_recv_packet(t, T0 + i * 2000, (uint16_t)(500 + order[i]));
    n = feedback(t, T0 + TWCC_RECV_INTERVAL_US, buf, sizeof(buf));
    parse(buf, n, &g_fb);
    assert_int_equal(g_fb.tw.base_seq, 500);
    assert_int_equal(g_fb.tw.status_count, 10);
    assert_int_equal(g_fb.tw.received, 10);
    for (int i = 0; i < 10; i++)
        assert_arrival(&g_fb, (uint16_t)(500 + order[i]), T0 + i * 2000);
    twcc_recv_destroy(t);
}

/* A packet arriving after its interval was reported (as lost) is reported
 * received by the next feedback. */
static void test_late_packet_reported_again(void **state)
{
    (void)state;
    struct twcc_recv *t = make(0);
    struct twcc_recv_stats st;
    uint8_t buf[1500];
    int64_t now = T0 + TWCC_RECV_INTERVAL_US;
    int n;

    for (int s = 0; s < 10; s++)
        if (s != 4)
            twcc_recv_packet(t, T0 + s * 3000, (uint16_t)s);
    n = feedback(t, now, buf, sizeof(buf));
    parse(buf, n, &g_fb);
    assert_false(g_fb.pkts[4].received);
    twcc_recv_packet(t, now + 1000, 4);
    twcc_recv_packet(t, now + 2000, 10);
    n = feedback(t, now + TWCC_RECV_INTERVAL_US, buf, sizeof(buf));
    parse(buf, n, &g_fb);
    assert_int_equal(g_fb.tw.base_seq, 4);
    assert_int_equal(g_fb.tw.status_count, 7);
    assert_arrival(&g_fb, 4, now + 1000);
    assert_arrival(&g_fb, 5, T0 + 5 * 3000); /* re-reported as before */
    assert_arrival(&g_fb, 10, now + 2000);
    twcc_recv_get_stats(t, &st);
    assert_int_equal(st.late, 1);
    assert_int_equal(st.too_old, 0);

    /* Once reported history is older than TWCC_RECV_MAX_AGE_US, a late
     * packet from it is ignored. */
    now += TWCC_RECV_INTERVAL_US;
    for (int s = 11; s < 20; s++)
        twcc_recv_packet(t, now + TWCC_RECV_MAX_AGE_US + s, (uint16_t)s);
    n = feedback(t, now + TWCC_RECV_MAX_AGE_US + 100000, buf, sizeof(buf));
    assert_true(n > 0);
    twcc_recv_packet(t, now + TWCC_RECV_MAX_AGE_US + 100001, 3);
    twcc_recv_get_stats(t, &st);
    assert_int_equal(st.too_old, 1);
    assert_true(twcc_recv_next_deadline(t) == INT64_MAX);
    twcc_recv_destroy(t);
}

static void test_duplicates(void **state)
{
    (void)state;
    struct twcc_recv *t = make(0);
    struct twcc_recv_stats st;
    uint8_t buf[1500];
    int n;

    twcc_recv_packet(t, T0, 7);
    twcc_recv_packet(t, T0 + 1000, 8);
    twcc_recv_packet(t, T0 + 2000, 7); /* duplicate: first arrival kept */
    twcc_recv_packet(t, T0 + 3000, 9);
    twcc_recv_packet(t, T0 + 4000, 9);
    n = feedback(t, T0 + TWCC_RECV_INTERVAL_US, buf, sizeof(buf));
    parse(buf, n, &g_fb);
    assert_int_equal(g_fb.tw.status_count, 3);
    assert_arrival(&g_fb, 7, T0);
    assert_arrival(&g_fb, 8, T0 + 1000);
    assert_arrival(&g_fb, 9, T0 + 3000);
    twcc_recv_get_stats(t, &st);
    assert_int_equal(st.packets, 3);
    assert_int_equal(st.duplicates, 2);
    /* A duplicate of an already reported packet does not reopen it. */
    twcc_recv_packet(t, T0 + TWCC_RECV_INTERVAL_US + 10, 8);
    assert_true(twcc_recv_next_deadline(t) == INT64_MAX);
    twcc_recv_destroy(t);
}

static void test_wrap(void **state)
{
    (void)state;
    struct twcc_recv *t = make(0);
    uint8_t buf[1500];
    int64_t now = T0;
    int n;

    for (int i = 0; i < 16; i++)
        twcc_recv_packet(t, T0 + i * 1000, (uint16_t)(65530 + i));
    now += TWCC_RECV_INTERVAL_US;
    n = feedback(t, now, buf, sizeof(buf));
    parse(buf, n, &g_fb);
    assert_int_equal(g_fb.tw.base_seq, 65530);
    assert_int_equal(g_fb.tw.status_count, 16);
    assert_int_equal(g_fb.tw.received, 16);
    for (int i = 0; i < 16; i++)
        assert_arrival(&g_fb, (uint16_t)(65530 + i), T0 + i * 1000);
    /* Across many wraps at a steady rate. */
    for (int round = 0; round < 200; round++) {
        for (int i = 0; i < 400; i++)
            twcc_recv_packet(t, now + i * 200, (uint16_t)(10 + round * 400 + i));
        now += TWCC_RECV_INTERVAL_US;
        while ((n = feedback(t, now, buf, sizeof(buf))) > 0)
            parse(buf, n, &g_fb);
        assert_int_equal(n, 0);
        assert_int_equal((uint16_t)(g_fb.tw.base_seq + g_fb.tw.status_count - 1),
                         (uint16_t)(10 + round * 400 + 399));
    }
    twcc_recv_destroy(t);
}

static void test_cadence(void **state)
{
    (void)state;
    struct twcc_recv *t = make(50000);
    uint8_t buf[1500];
    int64_t now = T0, sent_at[64];
    int sent = 0, n;
    uint16_t seq = 0;

    /* A packet every 10 ms for one second; service the deadline. */
    while (now < T0 + 1000000) {
        if (now % 10000 == 0)
            twcc_recv_packet(t, now, seq++);
        if (now >= twcc_recv_next_deadline(t)) {
            n = feedback(t, now, buf, sizeof(buf));
            assert_true(n > 0);
            parse(buf, n, &g_fb);
            assert_int_equal(g_fb.tw.fb_count, (uint8_t)sent);
            sent_at[sent++] = now;
        }
        now += 1000;
    }
    assert_int_equal(sent, 19);
    for (int i = 1; i < sent; i++)
        assert_int_equal(sent_at[i] - sent_at[i - 1], 50000);
    n = feedback(t, now, buf, sizeof(buf));
    assert_true(n > 0); /* the last packets */
    /* Silence: nothing due. */
    assert_true(twcc_recv_next_deadline(t) == INT64_MAX);
    /* After a pause the first packet is reported without waiting. */
    now += 5000000;
    twcc_recv_packet(t, now, seq++);
    assert_true(twcc_recv_next_deadline(t) <= now);
    assert_true(feedback(t, now, buf, sizeof(buf)) > 0);
    assert_true(twcc_recv_next_deadline(t) == INT64_MAX);
    twcc_recv_packet(t, now + 1000, seq++);
    assert_true(twcc_recv_next_deadline(t) == now + 50000);
    twcc_recv_destroy(t);

    /* The interval is clamped. */
    t = make(1);
    twcc_recv_packet(t, T0, 0);
    assert_true(twcc_recv_next_deadline(t) == T0 + TWCC_RECV_MIN_INTERVAL_US);
    twcc_recv_destroy(t);
    t = make(INT64_MAX);
    twcc_recv_packet(t, T0, 0);
    assert_true(twcc_recv_next_deadline(t) == T0 + TWCC_RECV_MAX_INTERVAL_US);
    twcc_recv_destroy(t);
}

/* Many packets waiting: due early, split into several bounded feedbacks
 * that together report every packet received, in order. */
static void test_split_limits(void **state)
{
    (void)state;
    struct twcc_recv *t = make(0);
    struct twcc_recv_stats st;
    static bool seen[1000];
    uint8_t buf[1500];
    int n, count = 0;
    uint16_t next = 40000;

    memset(seen, 0, sizeof(seen));
    for (int i = 0; i < 1000; i++) {
        if (i % 10 == 9)
            continue; /* 10 % loss */
        twcc_recv_packet(t, T0 + i * 50 + (i % 3) * 700, (uint16_t)(40000 + i));
        if (i == 100)
            assert_true(twcc_recv_next_deadline(t) == T0 + TWCC_RECV_INTERVAL_US);
    }
    /* More than TWCC_FB_MAX_PKTS are waiting: due at once. */
    assert_true(twcc_recv_next_deadline(t) <= T0);
    while ((n = feedback(t, T0 + 50000, buf, sizeof(buf))) > 0) {
        assert_true(n <= TWCC_FB_MAX_BYTES);
        parse(buf, n, &g_fb);
        assert_true(g_fb.tw.received <= TWCC_FB_MAX_PKTS);
        assert_int_equal(g_fb.tw.fb_count, (uint8_t)count);
        /* Each continues where the previous ended; when that seq was lost
         * it starts with the previous one's last packet, re-reported. */
        if (count > 0)
            assert_int_equal(g_fb.tw.base_seq,
                             (uint16_t)((next - 40000) % 10 == 9 ? next - 1 : next));
        for (size_t k = 0; k < g_fb.tw.status_count; k++) {
            int i = (uint16_t)(g_fb.tw.base_seq + k) - 40000;

            assert_true(i >= 0 && i < 1000);
            assert_int_equal(g_fb.pkts[k].received, i % 10 != 9);
            if (g_fb.pkts[k].received) {
                assert_arrival(&g_fb, (uint16_t)(40000 + i), T0 + i * 50 + (i % 3) * 700);
                seen[i] = true;
            }
        }
        next = (uint16_t)(g_fb.tw.base_seq + g_fb.tw.status_count);
        count++;
    }
    assert_int_equal(n, 0);
    assert_true(count >= 900 / TWCC_FB_MAX_PKTS);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(seen[i], i % 10 != 9);
    twcc_recv_get_stats(t, &st);
    assert_int_equal(st.feedbacks, (uint64_t)count);
    assert_int_equal(st.evicted, 0);
    twcc_recv_destroy(t);
}

static void test_small_cap(void **state)
{
    (void)state;
    struct twcc_recv *t = make(0);
    struct twcc_recv_stats st;
    uint8_t buf[64];
    int n, count = 0, received = 0;

    for (int i = 0; i < 100; i++)
        twcc_recv_packet(t, T0 + i * 300000 % 7000000, (uint16_t)i); /* 2-byte deltas */
    while ((n = feedback(t, T0 + 7000000, buf, sizeof(buf))) > 0) {
        assert_true(n <= (int)sizeof(buf));
        parse(buf, n, &g_fb);
        received += (int)g_fb.tw.received;
        count++;
    }
    assert_int_equal(n, 0);
    assert_true(count > 3);
    assert_true(received >= 100); /* plus the re-reported first packets */

    /* Too small for anything: an error, and no endless retry. */
    twcc_recv_packet(t, T0 + 7000001, 100);
    twcc_recv_packet(t, T0 + 7000002, 101);
    assert_int_equal(feedback(t, T0 + 8000000, buf, 16), ERR_TOOBIG);
    assert_int_equal(feedback(t, T0 + 8000000, buf, 16), 0);
    assert_true(twcc_recv_next_deadline(t) == INT64_MAX);
    twcc_recv_get_stats(t, &st);
    assert_int_equal(st.dropped, 2);
    twcc_recv_destroy(t);
}

/* A long sequence gap starts a new feedback; it is not reported as lost. */
static void test_long_gap(void **state)
{
    (void)state;
    struct twcc_recv *t = make(0);
    uint8_t buf[1500];
    int n;

    for (int i = 0; i < 10; i++)
        twcc_recv_packet(t, T0 + i * 1000, (uint16_t)(60000 + i));
    for (int i = 0; i < 10; i++)
        twcc_recv_packet(t, T0 + 20000 + i * 1000, (uint16_t)(60000 + 5000 + i));
    n = feedback(t, T0 + TWCC_RECV_INTERVAL_US, buf, sizeof(buf));
    parse(buf, n, &g_fb);
    assert_int_equal(g_fb.tw.base_seq, 60000);
    assert_int_equal(g_fb.tw.status_count, 10);
    n = feedback(t, T0 + TWCC_RECV_INTERVAL_US, buf, sizeof(buf));
    parse(buf, n, &g_fb);
    assert_int_equal(g_fb.tw.base_seq, (uint16_t)65000);
    assert_int_equal(g_fb.tw.status_count, 10);
    assert_arrival(&g_fb, (uint16_t)65009, T0 + 29000);
    assert_int_equal(feedback(t, T0 + TWCC_RECV_INTERVAL_US, buf, sizeof(buf)), 0);

    /* A jump beyond the window keeps the packets before it (they are
     * still waiting) and reports both sides. */
    for (int i = 0; i < 5; i++)
        twcc_recv_packet(t, T0 + 200000 + i, (uint16_t)(65010 + i));
    twcc_recv_packet(t, T0 + 200010, (uint16_t)(65010 + 3 * TWCC_RECV_WINDOW + 100));
    n = feedback(t, T0 + 300000, buf, sizeof(buf));
    parse(buf, n, &g_fb);
    assert_int_equal(g_fb.tw.base_seq, (uint16_t)65010);
    assert_int_equal(g_fb.tw.status_count, 5);
    assert_int_equal(g_fb.tw.received, 5);
    n = feedback(t, T0 + 300000, buf, sizeof(buf));
    parse(buf, n, &g_fb);
    assert_int_equal(g_fb.tw.base_seq, (uint16_t)(65010 + 3 * TWCC_RECV_WINDOW + 100));
    assert_int_equal(g_fb.tw.status_count, 1);
    assert_arrival(&g_fb, (uint16_t)(65010 + 3 * TWCC_RECV_WINDOW + 100), T0 + 200010);
    assert_int_equal(feedback(t, T0 + 300000, buf, sizeof(buf)), 0);
    twcc_recv_destroy(t);
}

/* Arrival times further apart than a 16-bit delta can carry (~8.19 s). */
static void test_long_time_gap(void **state)
{
    (void)state;
    struct twcc_recv *t = make(0);
    uint8_t buf[1500];
    int n;

    twcc_recv_packet(t, T0, 1);
    twcc_recv_packet(t, T0 + 9000000, 2); /* the engine did not call in between */
    twcc_recv_packet(t, T0 + 9000100, 3);
    n = feedback(t, T0 + 9100000, buf, sizeof(buf));
    parse(buf, n, &g_fb);
    assert_int_equal(g_fb.tw.base_seq, 1);
    assert_int_equal(g_fb.tw.status_count, 1);
    assert_arrival(&g_fb, 1, T0);
    n = feedback(t, T0 + 9100000, buf, sizeof(buf));
    parse(buf, n, &g_fb);
    assert_int_equal(g_fb.tw.base_seq, 2);
    assert_int_equal(g_fb.tw.status_count, 2);
    assert_arrival(&g_fb, 2, T0 + 9000000);
    assert_arrival(&g_fb, 3, T0 + 9000100);
    assert_int_equal(feedback(t, T0 + 9100000, buf, sizeof(buf)), 0);
    twcc_recv_destroy(t);
}

static void test_too_old_and_restart(void **state)
{
    (void)state;
    struct twcc_recv *t = make(0);
    struct twcc_recv_stats st;
    uint8_t buf[1500];
    int n;

    for (int i = 0; i < 2000; i++)
        twcc_recv_packet(t, T0 + i * 10, (uint16_t)(30000 + i));
    /* Behind the window but not far enough to be a restart. */
    twcc_recv_packet(t, T0 + 30000, (uint16_t)(30000 + 2000 - TWCC_RECV_WINDOW - 5));
    twcc_recv_packet(t, -1, (uint16_t)(30000 + 1999 + 1)); /* negative time: ignored */
    twcc_recv_get_stats(t, &st);
    assert_int_equal(st.too_old, 1);
    assert_int_equal(st.packets, 2000);
    /* The first 976 were overwritten before being reported. */
    assert_int_equal(st.evicted, 2000 - TWCC_RECV_WINDOW);
    while ((n = feedback(t, T0 + 100000, buf, sizeof(buf))) > 0)
        parse(buf, n, &g_fb);
    assert_int_equal((uint16_t)(g_fb.tw.base_seq + g_fb.tw.status_count - 1), 30000 + 1999);

    /* A sender that restarts its sequence far behind. */
    for (int i = 0; i < 5; i++)
        twcc_recv_packet(t, T0 + 200000 + i * 1000, (uint16_t)(5 + i));
    twcc_recv_get_stats(t, &st);
    assert_int_equal(st.resets, 1);
    n = feedback(t, T0 + 300000, buf, sizeof(buf));
    parse(buf, n, &g_fb);
    assert_int_equal(g_fb.tw.base_seq, 5);
    assert_int_equal(g_fb.tw.status_count, 5);
    for (int i = 0; i < 5; i++)
        assert_arrival(&g_fb, (uint16_t)(5 + i), T0 + 200000 + i * 1000);
    twcc_recv_destroy(t);
}

/* Random arrivals (loss, reordering, duplicates, jitter) never give a
 * feedback that fails to parse, or one that claims a packet arrived at a
 * time it did not. */
static void test_random_consistency(void **state)
{
    (void)state;
    struct twcc_recv *t = make(0);
    static int64_t truth[65536];
    uint8_t buf[1500];
    uint32_t rng = 12345;
    int64_t now = T0;
    uint16_t seq = 65000;
    int n, feedbacks = 0;

    for (size_t i = 0; i < 65536; i++)
        truth[i] = -1;
    for (int step = 0; step < 200000; step++) {
        rng = rng * 1103515245u + 12345u;
        now += 100 + (rng >> 16) % 900;
        if ((rng >> 8) % 100 < 85) {
            uint16_t s = seq;

            if ((rng >> 4) % 20 == 0)
                s = (uint16_t)(seq - 1 - (rng >> 12) % 40); /* late or duplicate */
            else
                seq++;
            if (truth[s] < 0)
                truth[s] = now; /* the module keeps the first arrival too */
            twcc_recv_packet(t, now, s);
        } else {
            seq++; /* lost */
        }
        while ((n = feedback(t, now, buf, sizeof(buf))) > 0) {
            parse(buf, n, &g_fb);
            feedbacks++;
            for (size_t k = 0; k < g_fb.tw.status_count; k++) {
                uint16_t s = (uint16_t)(g_fb.tw.base_seq + k);

                if (g_fb.pkts[k].received) {
                    assert_true(truth[s] >= 0);
                    assert_true(g_fb.arrival[k] <= truth[s]);
                    assert_true(truth[s] - g_fb.arrival[k] < RTCP_TWCC_DELTA_US);
                }
            }
        }
        /* Forget the truth of seqs about to be reused. */
        truth[(uint16_t)(seq + 2000)] = -1;
    }
    assert_true(feedbacks > 500);
    twcc_recv_destroy(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_empty),
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_losses_marked),
        cmocka_unit_test(test_losses_between_feedbacks),
        cmocka_unit_test(test_reordering),
        cmocka_unit_test(test_late_packet_reported_again),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_wrap),
        cmocka_unit_test(test_cadence),
        cmocka_unit_test(test_split_limits),
        cmocka_unit_test(test_small_cap),
        cmocka_unit_test(test_long_gap),
        cmocka_unit_test(test_long_time_gap),
        cmocka_unit_test(test_too_old_and_restart),
        cmocka_unit_test(test_random_consistency),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
