/* Tests for media/router_rtcp.c and the retransmissions of router_fwd.c
 * (see router_harness.h): subscriber NACKs answered from the cache (RTX or
 * not, across a layer switch, too old), PLI/FIR rate limiting and keyframe
 * requests for new consumers and switches, the publisher's RTX, SR and RR
 * contents, and a flood of bad input that must change nothing. The
 * upstream repair (NACK timing, give-up) is in test_router_repair.c. */
#include "tests/unit/router_harness.h"

static void test_nack_rtx(void **state)
{
    uint8_t b[256];
    uint16_t seqs[2];
    size_t from, idx[8];
    const struct sent *orig;
    struct rtp_packet o, x;

    (void)state;
    start_on_layer(C1, SUB, 0xA000, true, 2);
    frame_all(0);
    seqs[0] = 3000 + 2 * 5 + 1; /* the second packet of the third frame */
    seqs[1] = 3000 + 2 * 5 + 3;
    orig = find_out(0, SUB, 0xA000, seqs[0]);
    assert_non_null(orig);
    assert_int_equal(rtp_parse(&o, orig->buf, orig->len), 0);
    from = mark();
    rtcp_in(SUB, b, build_nack(b, sizeof b, 0xA000, seqs, 2));
    assert_int_equal(rtp_out(from, SUB, 0xA001, idx, 8), 2);
    assert_int_equal(rtp_parse(&x, g_out[idx[0]].buf, g_out[idx[0]].len), 0);
    assert_int_equal(x.pt, 101);
    assert_int_equal(x.timestamp, o.timestamp);
    assert_int_equal(x.marker, o.marker);
    assert_int_equal(x.payload_len, o.payload_len + 2);
    assert_int_equal(x.payload[0] << 8 | x.payload[1], seqs[0]);
    assert_memory_equal(x.payload + 2, o.payload, o.payload_len);
    {
        struct rtp_packet x2;

        assert_int_equal(rtp_parse(&x2, g_out[idx[1]].buf, g_out[idx[1]].len), 0);
        assert_int_equal(x2.seq, (uint16_t)(x.seq + 1)); /* its own RTX numbering */
    }
    assert_int_equal(stats().retransmissions, 2);
    assert_int_equal(stats().nacks_in, 1);
}

static void test_nack_no_rtx(void **state)
{
    uint8_t b[256];
    uint16_t seq = 3000 + 7;
    const struct sent *orig, *again;
    size_t from;

    (void)state;
    start_on_layer(C1, SUB, 0xA000, false, 2);
    frame_all(0);
    orig = find_out(0, SUB, 0xA000, seq);
    assert_non_null(orig);
    from = mark();
    advance(20 * MS);
    rtcp_in(SUB, b, build_nack(b, sizeof b, 0xA000, &seq, 1));
    again = find_out(from, SUB, 0xA000, seq);
    assert_non_null(again);
    assert_int_equal(again->len, orig->len);
    /* Identical but for abs-send-time (the send time). */
    assert_memory_equal(again->buf, orig->buf, 16);
    assert_memory_equal(again->buf + 20, orig->buf + 20, orig->len - 20);
    assert_int_equal(stats().retransmissions, 1);
}

/* Sends `frames` frames of 5 packets after the first one forwarded, then
 * NACKs that first packet (older than the cache by then) and the one
 * `later` packets after it; returns the output mark before the NACK. */
static size_t nack_first_and(int frames, uint16_t later, uint16_t seq[2])
{
    uint8_t b[256];
    size_t from;

    start_on_layer(C1, SUB, 0xA000, false, 2);
    seq[0] = 3000 + 5; /* first frame forwarded */
    for (int i = 0; i < frames; i++)
        frame_all(0);
    seq[1] = (uint16_t)(seq[0] + later);
    from = mark();
    rtcp_in(SUB, b, build_nack(b, sizeof b, 0xA000, seq, 2));
    assert_null(find_out(from, SUB, 0xA000, seq[0]));
    return from;
}

static void test_nack_too_old(void **state)
{
    uint16_t seq[2];

    (void)state;
    /* 550 packets: beyond the 512-packet cache; +600 is not sent yet. */
    nack_first_and(110, 600, seq);
    assert_int_equal(stats().retransmissions, 0);
    assert_int_equal(stats().retransmissions_missed, 2);
}

/* With router_cfg.rtx_cache_packets = 32 the cache holds 32 packets per
 * video stream, not 512. */
static int setup_small_cache(void **state)
{
    return setup_cache(state, 32);
}

static void test_nack_small_cache(void **state)
{
    uint16_t seq[2];
    size_t from;

    (void)state;
    /* 40 packets: beyond a 32-packet cache; +35 is in it. */
    from = nack_first_and(8, 35, seq);
    assert_non_null(find_out(0, SUB, 0xA000, seq[1]));
    assert_non_null(find_out(from, SUB, 0xA000, seq[1]));
    assert_int_equal(stats().retransmissions, 1);
    assert_int_equal(stats().retransmissions_missed, 1);
}

static void test_nack_across_switch(void **state)
{
    uint8_t b[256];
    uint16_t seq;
    const struct sent *orig, *again;
    size_t from;

    (void)state;
    start_on_layer(C1, SUB, 0xA000, false, 2);
    frame_all(0);
    set_height(C1, 180);
    frame_all(1); /* now on "q" */
    frame_all(0);
    assert_int_equal(router_consumer_layer(g_r, C1), 0);
    seq = 3000 + 5 + 2; /* a packet of "f" before the switch */
    orig = find_out(0, SUB, 0xA000, seq);
    assert_non_null(orig);
    from = mark();
    rtcp_in(SUB, b, build_nack(b, sizeof b, 0xA000, &seq, 1));
    again = find_out(from, SUB, 0xA000, seq);
    assert_non_null(again);
    assert_int_equal(again->len, orig->len);
    assert_memory_equal(again->buf + 20, orig->buf + 20, orig->len - 20);
    /* And one of "q" after it. */
    seq = (uint16_t)(3000 + 5 * 3 + 1);
    orig = find_out(0, SUB, 0xA000, seq);
    assert_non_null(orig);
    from = mark();
    rtcp_in(SUB, b, build_nack(b, sizeof b, 0xA000, &seq, 1));
    again = find_out(from, SUB, 0xA000, seq);
    assert_non_null(again);
    assert_memory_equal(again->buf + 20, orig->buf + 20, orig->len - 20);
}

static void test_pli_rate_limited(void **state)
{
    size_t from;

    (void)state;
    start_on_layer(C1, SUB, 0xA000, false, 2);
    advance(600 * MS);
    frame_all(0);
    from = mark();
    for (int i = 0; i < 10; i++) {
        send_pli(SUB, 0xA000);
        advance(10 * MS);
    }
    assert_int_equal(count_fb(from, PUB, RTCP_FB_PLI, 0x1130), 1);
    assert_int_equal(stats().keyframe_requests_in, 10);
    /* No keyframe came: the remembered request goes out after the interval. */
    advance(350 * MS);
    assert_int_equal(count_fb(from, PUB, RTCP_FB_PLI, 0x1130), 1);
    advance(100 * MS);
    assert_int_equal(count_fb(from, PUB, RTCP_FB_PLI, 0x1130), 2);
    advance(2 * SEC);
    assert_int_equal(count_fb(from, PUB, RTCP_FB_PLI, 0x1130), 2);
    /* A keyframe answers pending requests. */
    from = mark();
    send_pli(SUB, 0xA000);
    send_pli(SUB, 0xA000);
    frame_all(4);
    advance(2 * SEC);
    assert_int_equal(count_fb(from, PUB, RTCP_FB_PLI, 0x1130), 1);
    /* FIR counts the same. */
    {
        uint8_t b[64];
        struct wr w;
        struct rtcp_fir_entry e = {0xA000, 1};

        wr_init(&w, b, sizeof(b));
        assert_int_equal(rtcp_build_fir(&w, 0xC0FFEE, &e, 1), 0);
        rtcp_in(SUB, b, (size_t)(w.p - b));
        assert_int_equal(count_fb(from, PUB, RTCP_FB_PLI, 0x1130), 2);
    }
}

static void test_new_consumer_keyframe(void **state)
{
    size_t from;
    size_t ev0;

    (void)state;
    frame_all(0);
    advance(SEC);
    from = mark();
    ev0 = g_n_ev;
    add_consumer(C1, CAM, SUB, 0xA000, false);
    assert_int_equal(count_fb(from, PUB, RTCP_FB_PLI, 0x1130), 1);
    assert_int_equal(stats().keyframe_requests_out, 1);
    assert_true(g_n_ev > ev0);
    assert_int_equal(g_ev[ev0].kind, ROUTER_EVENT_KEYFRAME_REQUEST);
    assert_int_equal(g_ev[ev0].producer, CAM);
    assert_int_equal(g_ev[ev0].layer, 2);
    /* A second consumer at once: the same limiter, sent when it allows. */
    add_consumer(C2, CAM, SUB2, 0xB000, false);
    assert_int_equal(count_fb(from, PUB, RTCP_FB_PLI, 0x1130), 1);
    advance(520 * MS);
    assert_int_equal(count_fb(from, PUB, RTCP_FB_PLI, 0x1130), 2);
    /* A layer switch asks at once for the new layer. */
    set_height(C2, 180);
    assert_int_equal(count_fb(from, PUB, RTCP_FB_PLI, 0x1110), 1);
}

static void test_rtx_from_publisher(void **state)
{
    static size_t idx[MAX_OUT];
    uint8_t b[ROUTER_PKT_CAP], x[ROUTER_PKT_CAP];
    uint16_t seqs[16], lost;
    struct pkt_opts o;
    size_t from, n, len;
    struct rtp_packet k;

    (void)state;
    start_on_layer(C1, SUB, 0xA000, false, 0);
    lost = g_layer[0].seq;
    /* Build the packet that gets lost, as the publisher would have sent it. */
    memset(&o, 0, sizeof(o));
    o.ssrc = 0x1110;
    o.pt = 96;
    o.seq = lost;
    o.ts = g_layer[0].ts;
    o.vp8 = true;
    o.start = true;
    o.pid = g_layer[0].pid;
    o.tl0 = g_layer[0].tl0;
    o.payload = 200;
    len = build_pkt(b, sizeof(b), &o);
    g_layer[0].seq++;
    from = mark();
    send_frame(&g_layer[0], false, npk[0], psize[0]);
    assert_int_equal(upstream_nacks(from, 0x1110, seqs, 16), 1);
    /* RTX: same header with the RTX SSRC/PT/seq, OSN, original payload. */
    {
        struct rtp_packet p0;

        assert_int_equal(rtp_parse(&p0, b, len), 0);
        memcpy(x, b, p0.header_len);
        x[1] = 97;
        wr_put_u16(x + 2, 77);
        wr_put_u32(x + 8, 0x1111);
        x[p0.header_len] = (uint8_t)(lost >> 8);
        x[p0.header_len + 1] = (uint8_t)lost;
        memcpy(x + p0.header_len + 2, p0.payload, p0.payload_len);
        rtp_in(PUB, x, len + 2);
        rtp_in(PUB, x, len + 2); /* a duplicate is dropped */
    }
    n = rtp_out(from, SUB, 0xA000, idx, MAX_OUT);
    assert_int_equal(n, 3); /* the frame's two packets, then the repair */
    assert_int_equal(rtp_parse(&k, g_out[idx[2]].buf, g_out[idx[2]].len), 0);
    assert_int_equal(k.pt, 100);
    assert_int_equal(k.seq, lost); /* still the first segment */
    assert_int_equal(k.payload_len, 6 + 200);
    advance(SEC);
    assert_int_equal(upstream_nacks(from, 0x1110, seqs, 16), 1); /* repaired: not again */
    /* A padding-only RTX probe is ignored. */
    {
        uint8_t probe[] = {0xA0, 97, 0, 78, 0, 0, 0, 1, 0, 0, 0x11, 0x11, 0, 0, 0, 4};
        struct router_stats s0 = stats(), s1;

        rtp_in(PUB, probe, sizeof(probe));
        s1 = stats();
        assert_int_equal(s1.rtp_dropped_unknown, s0.rtp_dropped_unknown);
        assert_int_equal(s1.rtp_forwarded, s0.rtp_forwarded);
    }
}

/* The lowest layer's cache keeps 32 KiB: 50 packets of 1000 bytes later
 * the first one's bytes are gone though it is well inside the 512 packets
 * the cache spans. A subscriber's NACK of it is a miss; the publisher
 * sending it again (an RTX probe) is a duplicate, not forwarded again. */
static void test_old_packet_bytes_gone(void **state)
{
    static size_t idx[MAX_OUT];
    uint8_t b[ROUTER_PKT_CAP], x[ROUTER_PKT_CAP];
    struct pkt_opts o;
    struct rtp_packet p0, k;
    struct router_stats s0;
    uint16_t out_seq;
    size_t from, len;

    (void)state;
    start_on_layer(C1, SUB, 0xA000, false, 0);
    memset(&o, 0, sizeof(o));
    o.ssrc = 0x1110;
    o.pt = 96;
    o.seq = g_layer[0].seq++;
    o.ts = g_layer[0].ts;
    o.marker = true;
    o.vp8 = true;
    o.start = true;
    o.pid = g_layer[0].pid;
    o.tl0 = g_layer[0].tl0;
    o.payload = 1000;
    len = build_pkt(b, sizeof(b), &o);
    g_layer[0].ts += 3000;
    g_layer[0].pid = (uint16_t)((g_layer[0].pid + 1) & 0x7fff);
    g_layer[0].tl0++;
    from = mark();
    rtp_in(PUB, b, len);
    assert_int_equal(rtp_out(from, SUB, 0xA000, idx, MAX_OUT), 1);
    assert_int_equal(rtp_parse(&k, g_out[idx[0]].buf, g_out[idx[0]].len), 0);
    out_seq = k.seq;
    for (int i = 0; i < 5; i++)
        send_frame(&g_layer[0], false, 10, 1000);
    s0 = stats();
    from = mark();
    rtcp_in(SUB, x, build_nack(x, sizeof x, 0xA000, &out_seq, 1));
    assert_null(find_out(from, SUB, 0xA000, out_seq));
    assert_int_equal(stats().retransmissions_missed, s0.retransmissions_missed + 1);
    /* RTX: same header with the RTX SSRC/PT/seq, OSN, original payload. */
    assert_int_equal(rtp_parse(&p0, b, len), 0);
    memcpy(x, b, p0.header_len);
    x[1] = 97;
    wr_put_u16(x + 2, 90);
    wr_put_u32(x + 8, 0x1111);
    x[p0.header_len] = (uint8_t)(o.seq >> 8);
    x[p0.header_len + 1] = (uint8_t)o.seq;
    memcpy(x + p0.header_len + 2, p0.payload, p0.payload_len);
    rtp_in(PUB, x, len + 2);
    assert_int_equal(rtp_out(from, SUB, 0xA000, idx, MAX_OUT), 0);
    assert_int_equal(stats().rtp_forwarded, s0.rtp_forwarded);
}

/* ---- reports, hostile input ---- */

static void test_sr_to_subscriber(void **state)
{
    static size_t idx[MAX_OUT];
    size_t from, n_rtp, octets = 0;
    struct rtp_packet k;
    bool found = false;

    (void)state;
    add_consumer(C1, CAM, SUB, 0xA000, false);
    from = mark();
    frame_all(7);
    for (int i = 0; i < 4; i++)
        frame_all(0);
    n_rtp = rtp_out(from, SUB, 0xA000, idx, MAX_OUT);
    for (size_t i = 0; i < n_rtp; i++) {
        assert_int_equal(rtp_parse(&k, g_out[idx[i]].buf, g_out[idx[i]].len), 0);
        octets += k.payload_len;
    }
    /* An SR from the publisher for "f": the subscriber's SR follows it. */
    {
        uint8_t b[128];
        struct wr w;
        struct rtcp_sr sr;

        memset(&sr, 0, sizeof(sr));
        sr.ssrc = 0x1130;
        sr.ntp = 0x0102030405060708ULL;
        sr.rtp_ts = g_layer[2].ts;
        wr_init(&w, b, sizeof(b));
        assert_int_equal(rtcp_build_sr(&w, &sr), 0);
        rtcp_in(PUB, b, (size_t)(w.p - b));
    }
    int64_t sr_at = g_now;
    uint32_t sr_ts = g_layer[2].ts;

    from = mark();
    advance(SEC + 100 * MS);
    for (size_t i = from; i < g_n_out; i++) {
        struct rtcp_iter it;
        struct rtcp_block b;
        struct rtcp_sr sr;
        struct rtcp_sdes sdes;

        if (g_out[i].peer != SUB || !g_out[i].rtcp)
            continue;
        assert_int_equal(rtcp_validate(g_out[i].buf, g_out[i].len), 0);
        rtcp_iter_init(&it, g_out[i].buf, g_out[i].len);
        assert_true(rtcp_iter_next(&it, &b));
        assert_int_equal(rtcp_parse_sr(&sr, &b), 0);
        assert_int_equal(sr.ssrc, 0xA000);
        assert_int_equal(sr.packet_count, n_rtp);
        assert_int_equal(sr.octet_count, octets);
        /* NTP and RTP time say the same instant on the rewritten timeline. */
        {
            int64_t t = (int64_t)((sr.ntp >> 32) - 2208988800ULL) * SEC +
                        (int64_t)(((sr.ntp & 0xffffffffu) * 1000000u + 0x80000000u) >> 32);

            assert_true(t >= sr_at && t <= g_now);
            assert_int_equal(sr.rtp_ts, sr_ts + (uint32_t)((t - sr_at) * 90 / 1000));
        }
        assert_true(rtcp_iter_next(&it, &b));
        assert_int_equal(rtcp_parse_sdes(&sdes, &b, NULL, NULL), 0);
        assert_int_equal(sdes.chunks[0].ssrc, 0xA000);
        assert_int_equal(sdes.chunks[0].cname_len, 16);
        assert_memory_equal(sdes.chunks[0].cname, "samtale-00000001", 16);
        found = true;
    }
    assert_true(found);
}

static void test_rr_to_publisher(void **state)
{
    uint8_t b[128];
    struct wr w;
    struct rtcp_sr sr;
    size_t from;
    int64_t sr_at;
    unsigned blocks = 0;

    (void)state;
    frame_all(7);
    g_layer[1].seq++; /* one lost on "h" */
    for (int i = 0; i < 5; i++)
        frame_all(0);
    memset(&sr, 0, sizeof(sr));
    sr.ssrc = 0x1120;
    sr.ntp = 0x1111222233334444ULL;
    wr_init(&w, b, sizeof(b));
    assert_int_equal(rtcp_build_sr(&w, &sr), 0);
    rtcp_in(PUB, b, (size_t)(w.p - b));
    sr_at = g_now;
    from = mark();
    advance(SEC + 100 * MS);
    for (size_t i = from; i < g_n_out; i++) {
        struct rtcp_iter it;
        struct rtcp_block blk;
        struct rtcp_rr rr;

        if (g_out[i].peer != PUB || !g_out[i].rtcp)
            continue;
        rtcp_iter_init(&it, g_out[i].buf, g_out[i].len);
        assert_true(rtcp_iter_next(&it, &blk));
        if (blk.pt != RTCP_RR)
            continue;
        assert_int_equal(rtcp_parse_rr(&rr, &blk), 0);
        assert_int_equal(rr.ssrc, ROUTER_RTCP_SSRC);
        for (unsigned j = 0; j < rr.report_count; j++) {
            const struct rtcp_report_block *rb = &rr.reports[j];

            blocks++;
            if (rb->ssrc == 0x1110) {
                assert_int_equal(rb->cumulative_lost, 0);
                assert_int_equal(rb->ext_highest_seq, 1000 + 6 * 2 - 1);
                assert_int_equal(rb->lsr, 0);
            } else if (rb->ssrc == 0x1120) {
                int64_t want = (g_out[i].at - sr_at) * 65536 / SEC;

                assert_int_equal(rb->cumulative_lost, 1);
                assert_true(rb->fraction_lost > 0);
                assert_int_equal(rb->ext_highest_seq, 2000 + 6 * 3);
                assert_int_equal(rb->lsr, 0x22223333);
                assert_int_equal(rb->dlsr, want);
            } else {
                assert_int_equal(rb->ssrc, 0x1130);
            }
        }
    }
    assert_true(blocks >= 3);
}

static void test_garbage_changes_nothing(void **state)
{
    struct router_stats s0, s1;
    struct seen st;
    uint32_t seed = 12345;
    uint8_t b[1500];
    size_t from;

    (void)state;
    memset(&st, 0, sizeof(st));
    from = mark();
    start_on_layer(C1, SUB, 0xA000, false, 2);
    frame_all(0);
    s0 = stats();
    size_t flood_from = mark();
    for (int i = 0; i < 3000; i++) {
        size_t n = lcg(&seed) % sizeof(b);

        for (size_t j = 0; j < n; j++)
            b[j] = (uint8_t)lcg(&seed);
        if (i % 3 == 0 && n >= 2) {
            b[0] = (uint8_t)(0x80 | (b[0] & 0x3f)); /* looks like RTCP */
            b[1] = (uint8_t)(200 + b[1] % 8);
        }
        if (i % 2 == 0)
            rtp_in((uint32_t)(i % 4), b, n);
        else
            rtcp_in((uint32_t)(i % 4), b, n);
    }
    /* A good PLI followed by a broken NACK in one compound: all or nothing. */
    {
        struct wr w;

        wr_init(&w, b, sizeof(b));
        assert_int_equal(rtcp_build_pli(&w, 1, 0xA000), 0);
        wr_u8(&w, 0x81);
        wr_u8(&w, RTCP_RTPFB);
        wr_u16(&w, 2); /* NACK with an empty FCI */
        wr_u32(&w, 1);
        wr_u32(&w, 0xA000);
        rtcp_in(SUB, b, (size_t)(w.p - b));
    }
    s1 = stats();
    assert_int_equal(s1.rtp_in - s0.rtp_in, 1500);
    assert_int_equal(s1.rtp_dropped_unknown - s0.rtp_dropped_unknown, 1500);
    assert_int_equal(s1.rtcp_in - s0.rtcp_in, 1501);
    assert_true(s1.rtcp_bad - s0.rtcp_bad >= 1400);
    assert_int_equal(s1.rtp_forwarded, s0.rtp_forwarded);
    assert_int_equal(s1.retransmissions, s0.retransmissions);
    assert_int_equal(s1.keyframe_requests_in, s0.keyframe_requests_in);
    assert_int_equal(s1.keyframe_requests_out, s0.keyframe_requests_out);
    assert_int_equal(s1.layer_switches, s0.layer_switches);
    for (size_t i = flood_from; i < g_n_out; i++)
        assert_true(g_out[i].rtcp == false || g_out[i].peer != PUB);
    frame_all(0);
    frame_all(0);
    assert_int_equal(check_continuity(from, SUB, 0xA000, &st), 4 * npk[2]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_nack_rtx, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nack_no_rtx, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nack_too_old, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nack_small_cache, setup_small_cache, teardown),
        cmocka_unit_test_setup_teardown(test_nack_across_switch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pli_rate_limited, setup, teardown),
        cmocka_unit_test_setup_teardown(test_new_consumer_keyframe, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rtx_from_publisher, setup, teardown),
        cmocka_unit_test_setup_teardown(test_old_packet_bytes_gone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sr_to_subscriber, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rr_to_publisher, setup, teardown),
        cmocka_unit_test_setup_teardown(test_garbage_changes_nothing, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
