/* Tests for the router's repair of publishers' losses (router_nack.c,
 * router_fwd.c; see router_harness.h): a gap is NACKed upstream at once
 * and the NACK copied shortly after, asked again only after the measured
 * round trip and at most ROUTER_NACK_TRIES times; a frame's overdue last
 * packet is probed for; a packet that cannot be repaired becomes a
 * keyframe request; a subscriber's NACK for a packet the router still
 * misses is answered by forwarding the publisher's repair; and towards
 * subscribers: each retransmission is sent twice, and key frames twice to
 * subscribers that report losses. */
#include "tests/unit/router_harness.h"

#include "media/router_int.h" /* the repair timings */

/* True when o is RTCP to the publisher with a NACK for media. */
static bool is_nack(const struct sent *o, uint32_t media)
{
    struct rtcp_iter it;
    struct rtcp_block b;

    if (o->peer != PUB || !o->rtcp)
        return false;
    rtcp_iter_init(&it, o->buf, o->len);
    while (rtcp_iter_next(&it, &b)) {
        struct rtcp_fb fb;

        if (b.pt == RTCP_RTPFB && rtcp_parse_fb(&fb, &b) == 0 && fb.type == RTCP_FB_NACK &&
            fb.media_ssrc == media)
            return true;
    }
    return false;
}

/* Times of the NACKs for media sent to the publisher since from. */
static size_t nack_times(size_t from, uint32_t media, int64_t *at, size_t cap)
{
    size_t n = 0;

    for (size_t i = from; i < g_n_out && n < cap; i++) {
        if (is_nack(&g_out[i], media))
            at[n++] = g_out[i].at;
    }
    return n;
}

/* The publisher sends packet `seq` of layer l: late, or as RTX (a repair). */
static void resend(int l, uint16_t seq, uint32_t ts, bool marker, bool rtx)
{
    uint8_t b[ROUTER_PKT_CAP], x[ROUTER_PKT_CAP];
    struct pkt_opts o;
    struct rtp_packet k;
    size_t len;

    memset(&o, 0, sizeof(o));
    o.ssrc = g_layer[l].ssrc;
    o.pt = 96;
    o.seq = seq;
    o.ts = ts;
    o.marker = marker;
    o.vp8 = true;
    o.start = !marker;
    o.pid = g_layer[l].pid;
    o.tl0 = g_layer[l].tl0;
    o.payload = 200;
    len = build_pkt(b, sizeof(b), &o);
    if (!rtx) {
        rtp_in(PUB, b, len);
        return;
    }
    assert_int_equal(rtp_parse(&k, b, len), 0);
    memcpy(x, b, k.header_len);
    x[1] = (uint8_t)((b[1] & 0x80) | 97);
    wr_put_u16(x + 2, g_layer[l].seq); /* any RTX numbering */
    wr_put_u32(x + 8, g_layer[l].ssrc + 1);
    x[k.header_len] = (uint8_t)(seq >> 8);
    x[k.header_len + 1] = (uint8_t)seq;
    memcpy(x + k.header_len + 2, k.payload, k.payload_len);
    rtp_in(PUB, x, len + 2);
}

/* Runs the timers in 1 ms steps (the harness's advance() takes 10 ms). */
static void advance_fine(int64_t us)
{
    int64_t end = g_now + us;

    while (g_now < end) {
        g_now += MS;
        rt_timeout(g_r, g_now);
    }
}

/* One "q" frame of two packets, the first lost, at g_now (no time passes);
 * returns the lost seq. The second packet shows the gap. */
static uint16_t lose_first(void)
{
    uint16_t lost = g_layer[0].seq;

    resend(0, (uint16_t)(lost + 1), g_layer[0].ts, true, false);
    g_layer[0].seq = (uint16_t)(lost + 2);
    g_layer[0].ts += 3000;
    return lost;
}

static void test_nack_at_once_then_retries(void **state)
{
    int64_t at[64], t0;
    uint16_t seqs[64];
    size_t from, n;

    (void)state;
    start_on_layer(C1, SUB, 0xA000, false, 0);
    advance(600 * MS); /* the keyframe limiter is free again */
    from = mark();
    t0 = g_now;
    g_layer[0].seq++; /* one packet of "q" lost */
    g_layer[2].seq++; /* and one of "f", which nobody takes */
    send_frame(&g_layer[0], false, 2, 200);
    send_frame(&g_layer[2], false, 5, 1000);
    /* Asked for at once, not at the next tick. */
    assert_int_equal(nack_times(from, 0x1110, at, 64), 1);
    assert_int_equal(at[0], t0);
    assert_int_equal(upstream_nacks(from, 0x1110, seqs, 64), 1);
    assert_int_equal(seqs[0], 1000 + 4);
    assert_int_equal(upstream_nacks(from, 0x1130, seqs, 64), 0);
    assert_int_equal(stats().upstream_missing, 1);
    /* Never repaired: each try has a copy ROUTER_NACK_COPY_US later; tries
     * every ROUTER_NACK_RETRY_US (no round trip measured yet) until
     * ROUTER_NACK_GIVEUP_US. */
    advance_fine(2 * SEC);
    n = nack_times(from, 0x1110, at, 64);
    assert_true(n % 2 == 0 && n / 2 >= 5 && n / 2 <= ROUTER_NACK_TRIES);
    for (size_t i = 0; i < n; i += 2) {
        assert_int_equal(at[i + 1] - at[i], ROUTER_NACK_COPY_US);
        if (i > 0)
            assert_int_equal(at[i] - at[i - 2], ROUTER_NACK_RETRY_US);
    }
    assert_true(at[n - 1] - t0 < ROUTER_NACK_GIVEUP_US);
    assert_int_equal(stats().nacks_out, n);
    /* Given up: the layer's keyframe is asked for. */
    assert_int_equal(stats().upstream_unrepaired, 1);
    assert_int_equal(stats().upstream_repaired, 0);
    assert_int_equal(count_fb(from, PUB, RTCP_FB_PLI, 0x1110), 1);
    advance(2 * SEC);
    assert_int_equal(nack_times(from, 0x1110, at, 64), n);
    assert_true(router_next_deadline(g_r) - g_now <= ROUTER_KEYFRAME_INTERVAL_US);
}

static void test_give_up_keyframe_waits_for_limiter(void **state)
{
    size_t from;
    int64_t t0;

    (void)state;
    start_on_layer(C1, SUB, 0xA000, false, 0);
    advance(600 * MS);
    from = mark();
    t0 = g_now;
    (void)lose_first(); /* never repaired */
    /* A subscriber's PLI just before the give-up closes the limiter ... */
    advance_fine(ROUTER_NACK_GIVEUP_US - 100 * MS);
    send_pli(SUB, 0xA000);
    assert_int_equal(count_fb(from, PUB, RTCP_FB_PLI, 0x1110), 1);
    advance_fine(g_now - t0 < ROUTER_NACK_GIVEUP_US ? ROUTER_NACK_GIVEUP_US - (g_now - t0) : 0);
    advance_fine(10 * MS);
    assert_int_equal(stats().upstream_unrepaired, 1);
    assert_int_equal(count_fb(from, PUB, RTCP_FB_PLI, 0x1110), 1);
    /* ... so the give-up's request waits for it, and then goes out by itself. */
    advance_fine(ROUTER_KEYFRAME_INTERVAL_US);
    assert_int_equal(count_fb(from, PUB, RTCP_FB_PLI, 0x1110), 2);
}

static void test_retry_after_measured_rtt(void **state)
{
    int64_t at[64], t0;
    size_t from;
    uint16_t lost;
    uint32_t ts;

    (void)state;
    start_on_layer(C1, SUB, 0xA000, false, 0);
    /* Ten losses, each repaired 100 ms after its NACK: the round trip is learnt. */
    for (int i = 0; i < 10; i++) {
        from = mark();
        ts = g_layer[0].ts;
        t0 = g_now;
        lost = lose_first();
        assert_int_equal(nack_times(from, 0x1110, at, 64), 1);
        assert_int_equal(at[0], t0);
        advance_fine(100 * MS);
        resend(0, lost, ts, false, true);
        advance_fine(10 * MS);
        assert_int_equal(nack_times(from, 0x1110, at, 64), 2); /* and the copy */
    }
    assert_int_equal(stats().upstream_repaired, 10);
    assert_int_equal(stats().upstream_repair_us, 10 * 100 * MS);
    assert_int_equal(stats().upstream_unrepaired, 0);
    /* The next loss is not repaired: no retry within the round trip (the
     * publisher would ignore it), one right after it and its margin. */
    from = mark();
    t0 = g_now;
    (void)lose_first();
    advance_fine(119 * MS);
    assert_int_equal(nack_times(from, 0x1110, at, 64), 2); /* a try and its copy */
    advance_fine(1 * MS);
    assert_int_equal(nack_times(from, 0x1110, at, 64), 3);
    assert_int_equal(at[2] - at[0], 100 * MS + ROUTER_NACK_MARGIN_US);
    /* At most ROUTER_NACK_TRIES in all, then the keyframe. */
    advance_fine(2 * SEC);
    assert_int_equal(nack_times(from, 0x1110, at, 64), 2 * ROUTER_NACK_TRIES);
    assert_int_equal(stats().upstream_unrepaired, 1);
    assert_int_equal(count_fb(from, PUB, RTCP_FB_PLI, 0x1110), 1);
}

static void test_repair_after_retry_is_not_a_sample(void **state)
{
    int64_t at[64];
    size_t from;
    uint16_t lost;
    uint32_t ts;

    (void)state;
    start_on_layer(C1, SUB, 0xA000, false, 0);
    for (int i = 0; i < 10; i++) {
        ts = g_layer[0].ts;
        lost = lose_first();
        advance_fine(100 * MS);
        resend(0, lost, ts, false, true);
        advance(40 * MS);
    }
    /* Repaired only after the second try, 400 ms after the first: which
     * NACK it answers is unknown, so the round trip stays 100 ms. */
    ts = g_layer[0].ts;
    lost = lose_first();
    advance_fine(400 * MS);
    resend(0, lost, ts, false, true);
    assert_int_equal(stats().upstream_repaired, 11);
    advance(40 * MS);
    from = mark();
    (void)lose_first();
    advance_fine(121 * MS);
    assert_int_equal(nack_times(from, 0x1110, at, 64), 3);
}

static void test_copy_only_while_missing(void **state)
{
    int64_t at[64];
    size_t from;
    uint16_t lost;
    uint32_t ts;

    (void)state;
    start_on_layer(C1, SUB, 0xA000, false, 0);
    /* Repaired 10 ms after the NACK: its copy is not sent. */
    from = mark();
    ts = g_layer[0].ts;
    lost = lose_first();
    advance_fine(10 * MS);
    resend(0, lost, ts, false, true);
    advance_fine(500 * MS);
    assert_int_equal(nack_times(from, 0x1110, at, 64), 1);
}

static void test_tail_probe(void **state)
{
    int64_t at[64], t0;
    uint16_t seqs[64], last;
    uint32_t ts;
    size_t from;

    (void)state;
    start_on_layer(C1, SUB, 0xA000, false, 0);
    advance(600 * MS);
    /* A frame's last packet (the marker) is lost: only the next frame would
     * show the gap, but the frame's first packet says one more follows. */
    from = mark();
    ts = g_layer[0].ts;
    last = (uint16_t)(g_layer[0].seq + 1);
    t0 = g_now;
    resend(0, g_layer[0].seq, ts, false, false);
    g_layer[0].seq = (uint16_t)(last + 1);
    advance_fine(ROUTER_TAIL_PROBE_US - MS);
    assert_int_equal(nack_times(from, 0x1110, at, 64), 0);
    advance_fine(MS);
    assert_int_equal(nack_times(from, 0x1110, at, 64), 1);
    assert_int_equal(at[0] - t0, ROUTER_TAIL_PROBE_US);
    assert_int_equal(upstream_nacks(from, 0x1110, seqs, 64), 1);
    assert_int_equal(seqs[0], last);
    assert_int_equal(stats().upstream_tail_probes, 1);
    assert_int_equal(stats().upstream_missing, 0); /* not known to be lost yet */
    /* The publisher answers with RTX: a loss, repaired; no copy, no retry. */
    advance_fine(100 * MS);
    resend(0, last, ts, true, true);
    assert_int_equal(stats().upstream_missing, 1);
    assert_int_equal(stats().upstream_repaired, 1);
    assert_non_null(find_out(from, SUB, 0xA000, last));
    advance_fine(SEC);
    assert_int_equal(nack_times(from, 0x1110, at, 64), 1);
    assert_int_equal(stats().upstream_unrepaired, 0);
}

static void test_tail_probe_late_packet(void **state)
{
    int64_t at[64];
    uint32_t ts;
    uint16_t first;
    size_t from;

    (void)state;
    start_on_layer(C1, SUB, 0xA000, false, 0);
    advance(600 * MS);
    /* The frame's last packet is only late: probed, then it comes as it
     * was. Not a loss; nothing more is asked. */
    from = mark();
    ts = g_layer[0].ts;
    first = g_layer[0].seq;
    resend(0, first, ts, false, false);
    advance_fine(ROUTER_TAIL_PROBE_US + 5 * MS);
    resend(0, (uint16_t)(first + 1), ts, true, false);
    g_layer[0].seq = (uint16_t)(first + 2);
    g_layer[0].ts += 3000;
    advance_fine(SEC);
    assert_int_equal(nack_times(from, 0x1110, at, 64), 1);
    assert_int_equal(stats().upstream_tail_probes, 1);
    assert_int_equal(stats().upstream_missing, 0);
    assert_int_equal(stats().upstream_unrepaired, 0);
    assert_int_equal(count_fb(from, PUB, RTCP_FB_PLI, 0x1110), 0);
}

static void test_tail_probe_confirmed_by_gap(void **state)
{
    int64_t at[64];
    uint16_t seqs[64], last;
    uint32_t ts;
    size_t from, n;

    (void)state;
    start_on_layer(C1, SUB, 0xA000, false, 0);
    advance(600 * MS);
    /* The probe goes unanswered; the next frame shows the gap: from then
     * on a loss like any other (copies, retries), asked for once per try. */
    from = mark();
    ts = g_layer[0].ts;
    last = (uint16_t)(g_layer[0].seq + 1);
    resend(0, g_layer[0].seq, ts, false, false);
    g_layer[0].seq = (uint16_t)(last + 1);
    g_layer[0].ts += 3000;
    advance_fine(33 * MS);
    assert_int_equal(nack_times(from, 0x1110, at, 64), 1);
    send_frame(&g_layer[0], false, 2, 200);
    assert_int_equal(stats().upstream_missing, 1);
    advance_fine(300 * MS);
    n = upstream_nacks(from, 0x1110, seqs, 64);
    assert_true(n >= 3);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(seqs[i], last);
    resend(0, last, ts, true, true);
    assert_int_equal(stats().upstream_repaired, 1);
}

static void test_big_gap_asks_keyframe(void **state)
{
    size_t from;

    (void)state;
    start_on_layer(C1, SUB, 0xA000, false, 0);
    advance(600 * MS);
    from = mark();
    /* 200 packets lost: more than are tracked, fewer than the cache holds. */
    g_layer[0].seq = (uint16_t)(g_layer[0].seq + 200);
    send_frame(&g_layer[0], false, 2, 200);
    assert_int_equal(count_fb(from, PUB, RTCP_FB_PLI, 0x1110), 1);
    assert_int_equal(stats().upstream_missing, 200);
    assert_int_equal(stats().upstream_unrepaired, 200 - ROUTER_NACK_MAX);
    /* All the tracked ones are asked for at once, in several NACKs if need be. */
    {
        uint16_t seqs[256];

        assert_int_equal(upstream_nacks(from, 0x1110, seqs, 256), ROUTER_NACK_MAX);
    }
}

static void test_subscriber_nack_before_repair(void **state)
{
    uint8_t b[256];
    size_t from;
    uint16_t lost;
    uint32_t ts;
    const struct sent *got;

    (void)state;
    start_on_layer(C1, SUB, 0xA000, true, 0);
    ts = g_layer[0].ts;
    lost = lose_first(); /* the first segment keeps the publisher's numbers */
    /* The subscriber asks before the publisher's repair has come. */
    from = mark();
    advance(10 * MS);
    rtcp_in(SUB, b, build_nack(b, sizeof b, 0xA000, &lost, 1));
    assert_null(find_out(from, SUB, 0xA000, lost));
    assert_int_equal(stats().retransmissions, 0);
    assert_int_equal(stats().retransmissions_pending, 1);
    assert_int_equal(stats().retransmissions_missed, 0);
    /* The repair arrives: the subscriber gets the packet under its number. */
    advance(90 * MS);
    resend(0, lost, ts, false, true);
    got = find_out(from, SUB, 0xA000, lost);
    assert_non_null(got);
    assert_int_equal(got->at, g_now);
    /* Asked again now, it is answered from the cache (as RTX). */
    from = mark();
    rtcp_in(SUB, b, build_nack(b, sizeof b, 0xA000, &lost, 1));
    {
        size_t idx[4];
        struct rtp_packet x;

        assert_int_equal(rtp_out(from, SUB, 0xA001, idx, 4), 1);
        assert_int_equal(rtp_parse(&x, g_out[idx[0]].buf, g_out[idx[0]].len), 0);
        assert_int_equal(x.payload[0] << 8 | x.payload[1], lost);
    }
    assert_int_equal(stats().retransmissions, 1);
}

static void test_retransmission_copy(void **state)
{
    uint8_t b[256];
    uint16_t seq = 3000 + 7;
    size_t from, idx[8];
    int64_t t0;

    (void)state;
    start_on_layer(C1, SUB, 0xA000, true, 2);
    frame_all(0);
    from = mark();
    t0 = g_now;
    rtcp_in(SUB, b, build_nack(b, sizeof b, 0xA000, &seq, 1));
    assert_int_equal(rtp_out(from, SUB, 0xA001, idx, 8), 1);
    /* The same retransmission again, ROUTER_RTX_COPY_US later, once. */
    advance_fine(ROUTER_RTX_COPY_US - MS);
    assert_int_equal(rtp_out(from, SUB, 0xA001, idx, 8), 1);
    advance_fine(MS);
    assert_int_equal(rtp_out(from, SUB, 0xA001, idx, 8), 2);
    assert_int_equal(g_out[idx[1]].at - t0, ROUTER_RTX_COPY_US);
    {
        struct rtp_packet x0, x1;

        assert_int_equal(rtp_parse(&x0, g_out[idx[0]].buf, g_out[idx[0]].len), 0);
        assert_int_equal(rtp_parse(&x1, g_out[idx[1]].buf, g_out[idx[1]].len), 0);
        assert_int_equal(x1.seq, (uint16_t)(x0.seq + 1)); /* RTX numbering goes on */
        assert_int_equal(x1.payload_len, x0.payload_len);
        assert_memory_equal(x1.payload, x0.payload, x0.payload_len); /* same OSN, payload */
    }
    advance_fine(SEC);
    assert_int_equal(rtp_out(from, SUB, 0xA001, idx, 8), 2);
    assert_int_equal(stats().retransmissions, 1);
    assert_int_equal(stats().retransmission_copies, 1);
    /* Many at once: every one is copied; a consumer that goes away takes its
     * copies with it. */
    {
        uint16_t seqs[10];

        for (int i = 0; i < 10; i++)
            seqs[i] = (uint16_t)(3000 + 5 + i); /* all that was sent */
        rtcp_in(SUB, b, build_nack(b, sizeof b, 0xA000, seqs, 10));
        rtcp_in(SUB, b, build_nack(b, sizeof b, 0xA000, seqs, 10));
        assert_int_equal(stats().retransmissions, 1 + 20);
        advance_fine(ROUTER_RTX_COPY_US);
        assert_int_equal(stats().retransmission_copies, 1 + 20);
        rtcp_in(SUB, b, build_nack(b, sizeof b, 0xA000, seqs, 1));
        assert_int_equal(rt_remove_consumer(g_r, C1), 0);
        advance_fine(SEC);
        assert_int_equal(stats().retransmission_copies, 1 + 20);
    }
}

/* A VP8 packet of layer 0 with a temporal layer id (T bit): the harness
 * builds descriptors without one. */
static void send_tid(uint16_t seq, uint32_t ts, bool marker, uint8_t tid)
{
    uint8_t b[ROUTER_PKT_CAP], x[ROUTER_PKT_CAP];
    struct pkt_opts o;
    struct rtp_packet k;
    size_t len, d;

    memset(&o, 0, sizeof(o));
    o.ssrc = g_layer[0].ssrc;
    o.pt = 96;
    o.seq = seq;
    o.ts = ts;
    o.marker = marker;
    o.vp8 = true;
    o.start = !marker;
    o.pid = g_layer[0].pid;
    o.tl0 = g_layer[0].tl0;
    o.payload = 200;
    len = build_pkt(b, sizeof(b), &o);
    assert_int_equal(rtp_parse(&k, b, len), 0);
    d = k.header_len + 5; /* X byte, I|L byte, 2 PictureID bytes, TL0PICIDX */
    memcpy(x, b, d);
    x[k.header_len + 1] |= 0x20; /* T */
    x[d] = (uint8_t)(tid << 6);
    memcpy(x + d + 1, b + d, len - d);
    rtp_in(PUB, x, len + 1);
}

static void test_key_copy(void **state)
{
    uint8_t b[256];
    uint16_t seq;
    size_t from, idx[16];
    struct rtp_packet x, m;
    const struct sent *orig;
    int64_t t0;

    (void)state;
    start_on_layer(C1, SUB, 0xA000, true, 0);
    /* A subscriber that reports no loss (or only a little) gets no copies,
     * NACKs or not (they may be for losses upstream). */
    seq = 1000 + 5;
    rtcp_in(SUB, b, build_nack(b, sizeof b, 0xA000, &seq, 1));
    report_loss(0xA000, 1000, 0);
    report_loss(0xA000, 1000 + 2 * ROUTER_LOSSY_PACKETS, 3);       /* 1.5 % */
    report_loss(0xA000, 1000 + 3 * ROUTER_LOSSY_PACKETS, 3);       /* late ones came: 0 */
    report_loss(0xA000, 1000 + 3 * ROUTER_LOSSY_PACKETS + 50, 40); /* too few to tell yet */
    advance_fine(SEC);
    from = mark();
    frame_all(0);
    advance_fine(100 * MS);
    assert_int_equal(rtp_out(from, SUB, 0xA001, idx, 16), 0);
    /* One that reports losses: each packet of a temporal layer 0 frame goes
     * out again as RTX ROUTER_KEY_COPY_US later. */
    report_loss(0xA000, 1000 + 4 * ROUTER_LOSSY_PACKETS, 3 + ROUTER_LOSSY_PACKETS * 3 / 100);
    from = mark();
    t0 = g_now;
    send_tid(g_layer[0].seq, g_layer[0].ts, false, 0);
    send_tid((uint16_t)(g_layer[0].seq + 1), g_layer[0].ts, true, 0);
    advance_fine(ROUTER_KEY_COPY_US - MS);
    assert_int_equal(rtp_out(from, SUB, 0xA001, idx, 16), 0);
    advance_fine(MS);
    assert_int_equal(rtp_out(from, SUB, 0xA001, idx, 16), 2);
    for (size_t i = 0; i < 2; i++) {
        orig = find_out(from, SUB, 0xA000, (uint16_t)(g_layer[0].seq + i));
        assert_non_null(orig);
        assert_int_equal(rtp_parse(&m, orig->buf, orig->len), 0);
        assert_int_equal(g_out[idx[i]].at - t0, ROUTER_KEY_COPY_US);
        assert_int_equal(rtp_parse(&x, g_out[idx[i]].buf, g_out[idx[i]].len), 0);
        assert_int_equal(x.payload[0] << 8 | x.payload[1], m.seq);
        assert_memory_equal(x.payload + 2, m.payload, m.payload_len);
        assert_int_equal(x.marker, m.marker);
    }
    assert_int_equal(stats().key_copies, 2);
    g_layer[0].seq = (uint16_t)(g_layer[0].seq + 2);
    g_layer[0].ts += 3000;
    /* Temporal layers 1 and 2: nothing builds on them for long, no copy. */
    from = mark();
    send_tid(g_layer[0].seq, g_layer[0].ts, true, 1);
    send_tid((uint16_t)(g_layer[0].seq + 1), g_layer[0].ts + 3000, true, 2);
    advance_fine(100 * MS);
    assert_int_equal(rtp_out(from, SUB, 0xA001, idx, 16), 0);
    assert_int_equal(stats().key_copies, 2);
    /* No loss reported for ROUTER_LOSSY_US: no more copies. */
    advance(ROUTER_LOSSY_US);
    from = mark();
    frame_all(0);
    advance_fine(100 * MS);
    assert_int_equal(rtp_out(from, SUB, 0xA001, idx, 16), 0);
}

static void test_key_copy_needs_rtx(void **state)
{
    size_t from, idx[16];

    (void)state;
    start_on_layer(C1, SUB, 0xA000, false, 0);
    report_loss(0xA000, 1000, 0);
    report_loss(0xA000, 1000 + ROUTER_LOSSY_PACKETS, ROUTER_LOSSY_PACKETS / 2);
    advance_fine(SEC);
    from = mark();
    frame_all(0);
    advance_fine(100 * MS);
    /* The frame's two packets only: a copy on the media SSRC would be
     * dropped as a replay. */
    assert_int_equal(rtp_out(from, SUB, 0xA000, idx, 16), 2);
    assert_int_equal(stats().key_copies, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_nack_at_once_then_retries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_give_up_keyframe_waits_for_limiter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry_after_measured_rtt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_repair_after_retry_is_not_a_sample, setup, teardown),
        cmocka_unit_test_setup_teardown(test_copy_only_while_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tail_probe, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tail_probe_late_packet, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tail_probe_confirmed_by_gap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_big_gap_asks_keyframe, setup, teardown),
        cmocka_unit_test_setup_teardown(test_subscriber_nack_before_repair, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retransmission_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_copy_needs_rtx, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
