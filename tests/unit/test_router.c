/* Tests for media/router*.c (see router_harness.h): configuration and
 * limits, forwarding to several consumers, header rewriting (extension ids,
 * two-byte form, audio, H.264), SSRC learning by rid, a publisher's
 * reconnect, active speaker, cleanup and deadlines. Layer choice is in
 * test_router_layers.c, RTCP (repair, keyframes, reports) in
 * test_router_rtcp.c, the repair of losses in test_router_repair.c, the
 * seeds of the router's fuzz target in test_router_seeds.c. */
#include "media/rtx_cache.h"
#include "tests/unit/router_harness.h"

/* ---- configuration and limits ---- */

static void test_create_invalid(void **state)
{
    struct router_cfg cfg;
    struct router *r = (struct router *)1;

    (void)state;
    memset(&cfg, 0, sizeof(cfg));
    assert_int_equal(router_create(&r, NULL), ERR_INVAL);
    assert_null(r);
    cfg.rtx_cache_packets = 48; /* not a power of two */
    assert_int_equal(router_create(&r, &cfg), ERR_INVAL);
    cfg.rtx_cache_packets = RTX_CACHE_MAX_SLOTS * 2;
    assert_int_equal(router_create(&r, &cfg), ERR_INVAL);
    assert_null(r);
    cfg.rtx_cache_packets = 1;
    assert_int_equal(router_create(&r, &cfg), 0);
    router_destroy(r);
    router_destroy(NULL);
}

static void test_producer_cfg(void **state)
{
    struct router_producer_cfg p;

    (void)state;
    cam_cfg(&p, 0x5550);
    p.id = 1;
    p.n_layers = 0;
    assert_int_equal(rt_add_producer(g_r, &p), ERR_INVAL);
    cam_cfg(&p, 0x5550);
    p.id = 1;
    p.layers[1].ssrc = 0; /* no ssrc: needs the rid extension */
    p.ext.rid = 0;
    assert_int_equal(rt_add_producer(g_r, &p), ERR_INVAL);
    cam_cfg(&p, 0x5550);
    p.id = 1;
    p.layers[2].ssrc = p.layers[0].ssrc;
    assert_int_equal(rt_add_producer(g_r, &p), ERR_INVAL);
    cam_cfg(&p, 0x1110); /* the SSRCs of CAM on the same peer */
    p.id = 1;
    assert_int_equal(rt_add_producer(g_r, &p), ERR_INVAL);
    cam_cfg(&p, 0x5550);
    p.id = 1;
    p.ext.twcc = p.ext.mid; /* one id for two extensions */
    assert_int_equal(rt_add_producer(g_r, &p), ERR_INVAL);
    cam_cfg(&p, 0x5550);
    p.id = 1;
    p.kind = ROUTER_AUDIO;
    assert_int_equal(rt_add_producer(g_r, &p), ERR_INVAL);
    mic_cfg(&p, 1, PUB, 0x6660);
    p.clock_rate = 0;
    assert_int_equal(rt_add_producer(g_r, &p), ERR_INVAL);
    cam_cfg(&p, 0x5550);
    assert_int_equal(rt_add_producer(g_r, &p), ERR_EXISTS);
    assert_int_equal(rt_add_producer(g_r, NULL), ERR_INVAL);
    assert_int_equal(rt_remove_producer(g_r, 4242), ERR_NOTFOUND);
}

static void test_consumer_cfg(void **state)
{
    struct router_consumer_cfg c;

    (void)state;
    cons_cfg(&c, C1, 4242, SUB, 0xA000, false);
    assert_int_equal(rt_add_consumer(g_r, &c), ERR_NOTFOUND);
    cons_cfg(&c, C1, CAM, SUB, 0xA000, false);
    c.ext.twcc = ROUTER_EXT_ID_UNKNOWN;
    assert_int_equal(rt_add_consumer(g_r, &c), ERR_INVAL);
    cons_cfg(&c, C1, CAM, SUB, 0, false);
    assert_int_equal(rt_add_consumer(g_r, &c), ERR_INVAL);
    cons_cfg(&c, C1, CAM, SUB, 0xA000, true);
    assert_int_equal(rt_add_consumer(g_r, &c), 0);
    assert_int_equal(rt_add_consumer(g_r, &c), ERR_EXISTS);
    cons_cfg(&c, C2, MIC, SUB, 0xA001, false); /* C1's RTX SSRC on the same peer */
    assert_int_equal(rt_add_consumer(g_r, &c), ERR_INVAL);
    cons_cfg(&c, C2, MIC, SUB2, 0xA001, false); /* another peer: fine */
    assert_int_equal(rt_add_consumer(g_r, &c), 0);
    assert_int_equal(rt_set_prefs(g_r, 4242, &(struct router_prefs){0}), ERR_NOTFOUND);
    assert_int_equal(rt_remove_consumer(g_r, 4242), ERR_NOTFOUND);
    assert_int_equal(router_consumer_layer(g_r, 4242), -1);
    assert_int_equal(rt_remove_consumer(g_r, C1), 0);
}

static void test_limits_full(void **state)
{
    struct router_producer_cfg p;
    struct router_consumer_cfg c;
    size_t n;

    (void)state;
    /* Two producers exist already. */
    for (n = 2; n < ROUTER_MAX_PRODUCERS; n++) {
        mic_cfg(&p, (uint32_t)(1000 + n), 50, (uint32_t)(0x100000 + n));
        assert_int_equal(rt_add_producer(g_r, &p), 0);
    }
    mic_cfg(&p, 999, 50, 0x200000);
    assert_int_equal(rt_add_producer(g_r, &p), ERR_FULL);
    for (n = 0; n < ROUTER_MAX_CONSUMERS; n++) {
        cons_cfg(&c, (uint32_t)(10000 + n), MIC, 60, (uint32_t)(0x300000 + n), false);
        assert_int_equal(rt_add_consumer(g_r, &c), 0);
    }
    cons_cfg(&c, 99999, MIC, 61, 0x400000, false);
    assert_int_equal(rt_add_consumer(g_r, &c), ERR_FULL);
    rt_remove_peer(g_r, 60);
    rt_remove_peer(g_r, 50);
    /* Peers: PUB and 126 peers that only have a bitrate. */
    for (n = 0; n < ROUTER_MAX_PEERS - 1; n++)
        rt_set_peer_bitrate(g_r, (uint32_t)(500 + n), 1000000);
    cons_cfg(&c, C1, MIC, 499, 0xA000, false);
    assert_int_equal(rt_add_consumer(g_r, &c), ERR_FULL);
    mic_cfg(&p, 998, 498, 0x7000);
    assert_int_equal(rt_add_producer(g_r, &p), ERR_FULL);
    rt_set_peer_bitrate(g_r, 500, 0); /* frees its slot */
    assert_int_equal(rt_add_consumer(g_r, &c), 0);
}

/* ---- forwarding and rewriting ---- */

static void test_forward_two_consumers(void **state)
{
    static size_t a[MAX_OUT], b[MAX_OUT];
    size_t from, na, nb;
    struct router_stats s;

    (void)state;
    add_consumer(C1, CAM, SUB, 0xA000, true);
    add_consumer(C2, CAM, SUB2, 0xB000, false);
    from = mark();
    frame_all(7);
    frame_all(0);
    na = rtp_out(from, SUB, 0xA000, a, MAX_OUT);
    nb = rtp_out(from, SUB2, 0xB000, b, MAX_OUT);
    assert_int_equal(na, 2 * npk[2]); /* the highest layer: no size limit */
    assert_int_equal(nb, na);
    for (size_t i = 0; i < na; i++) {
        struct rtp_packet x, y;

        assert_int_equal(rtp_parse(&x, g_out[a[i]].buf, g_out[a[i]].len), 0);
        assert_int_equal(rtp_parse(&y, g_out[b[i]].buf, g_out[b[i]].len), 0);
        assert_int_equal(x.pt, 100);
        assert_int_equal(y.pt, 102);
        /* The first segment keeps the publisher's numbers. */
        assert_int_equal(x.seq, (uint16_t)(3000 + i));
        assert_int_equal(x.seq, y.seq);
        assert_int_equal(x.timestamp, y.timestamp);
        assert_int_equal(x.payload_len, y.payload_len);
        assert_memory_equal(x.payload, y.payload, x.payload_len);
    }
    s = stats();
    assert_int_equal(s.rtp_in, 2 * (2 + 3 + 5));
    assert_int_equal(s.rtp_forwarded, 2 * na);
    assert_int_equal(s.rtp_dropped_unknown, 0);
    assert_int_equal(router_consumer_layer(g_r, C1), 2);
}

static void test_ext_remap(void **state)
{
    struct router_consumer_cfg c;
    size_t idx[8], from;
    struct rtp_packet k;
    struct rtp_ext_iter it;
    struct rtp_ext_elem e;
    unsigned seen_ast = 0, seen_twcc = 0, seen_unknown = 0, other = 0;

    (void)state;
    cons_cfg(&c, C1, CAM, SUB, 0xA000, false);
    c.ext.mid = 7; /* negotiated, but the publisher's mid must not leak */
    assert_int_equal(rt_add_consumer(g_r, &c), 0);
    from = mark();
    for (int l = 0; l < 3; l++) {
        uint8_t b[ROUTER_PKT_CAP];
        struct pkt_opts o;

        memset(&o, 0, sizeof(o));
        o.ssrc = g_layer[l].ssrc;
        o.pt = 96;
        o.seq = g_layer[l].seq++;
        o.vp8 = o.key = o.start = true;
        o.mid = "1";
        o.rid = l == 0 ? "q" : l == 1 ? "h" : "f";
        o.payload = 100;
        rtp_in(PUB, b, build_pkt(b, sizeof(b), &o));
    }
    assert_int_equal(rtp_out(from, SUB, 0xA000, idx, 8), 1);
    assert_int_equal(rtp_parse(&k, g_out[idx[0]].buf, g_out[idx[0]].len), 0);
    rtp_ext_iter_init(&it, &k);
    while (rtp_ext_next(&it, &e)) {
        if (e.id == 3) {
            uint32_t ast;

            assert_int_equal(rtp_ext_read_abs_send_time(&e, &ast), 0);
            assert_int_equal(ast, rtp_abs_send_time_from_us((uint64_t)g_now));
            seen_ast++;
        } else if (e.id == 5) {
            uint16_t tw;

            assert_int_equal(rtp_ext_read_twcc_seq(&e, &tw), 0);
            assert_int_equal(tw, 0x0042); /* the engine re-stamps it */
            seen_twcc++;
        } else if (e.id == ROUTER_EXT_ID_UNKNOWN) {
            seen_unknown++; /* mid and rid */
        } else {
            other++;
        }
    }
    assert_false(it.err);
    assert_int_equal(seen_ast, 1);
    assert_int_equal(seen_twcc, 1);
    assert_int_equal(seen_unknown, 2);
    assert_int_equal(other, 0);
}

static void test_ext_two_byte_copied(void **state)
{
    /* Opus with a two-byte extension block: ids are copied as they are. */
    static const uint8_t pkt[] = {0x90,    111,  0x1b, 0x58, 0,    0,    0,    0,
                                  0x00,    0x00, 0x22, 0x20, 0x10, 0x00, 0x00, 0x01,
                                  X_LEVEL, 0x01, 0x85, 0x00, 0xfc, 0xff, 0xfe};
    size_t idx[4], from;
    struct rtp_packet k;

    (void)state;
    add_consumer(C1, MIC, SUB, 0xA000, false);
    from = mark();
    rtp_in(PUB, pkt, sizeof(pkt));
    assert_int_equal(rtp_out(from, SUB, 0xA000, idx, 4), 1);
    assert_int_equal(rtp_parse(&k, g_out[idx[0]].buf, g_out[idx[0]].len), 0);
    assert_int_equal(k.ext_profile, RTP_EXT_PROFILE_TWO_BYTE);
    assert_memory_equal(g_out[idx[0]].buf + 12, pkt + 12, sizeof(pkt) - 12);
    assert_int_equal(k.seq, 7000);
}

static void test_audio_forward(void **state)
{
    static size_t idx[MAX_OUT];
    size_t from, n;

    (void)state;
    add_consumer(C1, MIC, SUB, 0xA000, false);
    from = mark();
    for (int i = 0; i < 20; i++)
        send_audio(&g_mic, true, 40);
    n = rtp_out(from, SUB, 0xA000, idx, MAX_OUT);
    assert_int_equal(n, 20); /* no keyframe needed */
    for (size_t i = 0; i < n; i++) {
        struct rtp_packet k;
        struct rtp_ext_elem e;
        bool v;
        uint8_t level;

        assert_int_equal(rtp_parse(&k, g_out[idx[i]].buf, g_out[idx[i]].len), 0);
        assert_int_equal(k.seq, (uint16_t)(7000 + i));
        assert_int_equal(rtp_ext_find(&k, 9, &e), 0);
        assert_int_equal(rtp_ext_read_audio_level(&e, &v, &level), 0);
        assert_true(v);
        assert_int_equal(level, 40);
    }
    assert_int_equal(router_consumer_layer(g_r, C1), 0);
}

static void test_h264(void **state)
{
    static const uint8_t idr[] = {0x65, 0x88, 0x80, 0x10};
    static const uint8_t nonidr[] = {0x41, 0x9a, 0x00, 0x10};
    struct router_producer_cfg p;
    size_t idx[8], from;
    uint8_t b[256];
    struct pkt_opts o;

    (void)state;
    screen_cfg(&p);
    p.codec = ROUTER_CODEC_H264;
    assert_int_equal(rt_add_producer(g_r, &p), 0);
    add_consumer(C1, SCREEN, SUB, 0xA000, false);
    from = mark();
    memset(&o, 0, sizeof(o));
    o.ssrc = 0x3330;
    o.pt = 96;
    o.seq = 1;
    o.raw = nonidr;
    o.payload = sizeof(nonidr);
    rtp_in(PUB, b, build_pkt(b, sizeof(b), &o));
    assert_int_equal(rtp_out(from, SUB, 0xA000, idx, 8), 0);
    o.seq = 2;
    o.raw = idr;
    rtp_in(PUB, b, build_pkt(b, sizeof(b), &o));
    o.seq = 3;
    o.raw = nonidr;
    rtp_in(PUB, b, build_pkt(b, sizeof(b), &o));
    assert_int_equal(rtp_out(from, SUB, 0xA000, idx, 8), 2);
}

static void test_rid_learning(void **state)
{
    struct router_producer_cfg p;
    size_t idx[16], from;
    uint8_t b[ROUTER_PKT_CAP];
    struct pkt_opts o;

    (void)state;
    rt_remove_peer(g_r, PUB);
    cam_cfg(&p, 0x1110);
    for (int l = 0; l < 3; l++)
        p.layers[l].ssrc = p.layers[l].rtx_ssrc = 0;
    memcpy(p.mid, "1", 2);
    assert_int_equal(rt_add_producer(g_r, &p), 0);
    add_consumer(C1, CAM, SUB, 0xA000, true);
    set_height(C1, 360);
    from = mark();
    memset(&o, 0, sizeof(o));
    o.ssrc = 0x7777;
    o.pt = 96;
    o.seq = 10;
    o.vp8 = o.key = o.start = true;
    o.rid = "h";
    o.mid = "0"; /* another m-line's rid "h" */
    o.payload = 50;
    rtp_in(PUB, b, build_pkt(b, sizeof(b), &o));
    assert_int_equal(stats().rtp_dropped_unknown, 1);
    o.mid = "1";
    rtp_in(PUB, b, build_pkt(b, sizeof(b), &o));
    o.seq = 11;
    o.rid = o.mid = NULL; /* later packets: by the learnt SSRC */
    o.key = o.start = false;
    rtp_in(PUB, b, build_pkt(b, sizeof(b), &o));
    assert_int_equal(rtp_out(from, SUB, 0xA000, idx, 16), 2);
    assert_int_equal(router_consumer_layer(g_r, C1), 1);
    /* Its RTX SSRC from repaired-rid: repairs seq 12 after 13 arrived. */
    o.seq = 13;
    rtp_in(PUB, b, build_pkt(b, sizeof(b), &o));
    {
        uint8_t x[ROUTER_PKT_CAP];
        struct pkt_opts r;
        size_t n;

        memset(&r, 0, sizeof(r));
        r.ssrc = 0x7778;
        r.pt = 97;
        r.seq = 500;
        r.rrid = "h";
        r.mid = "1";
        r.payload = 60;
        n = build_pkt(x, sizeof(x), &r);
        /* RTX payload: OSN 12, then a VP8 descriptor. */
        x[n - 60] = 0;
        x[n - 59] = 12;
        x[n - 58] = 0x80;
        x[n - 57] = 0x00;
        rtp_in(PUB, x, n);
    }
    assert_int_equal(rtp_out(from, SUB, 0xA000, idx, 16), 4);
    assert_int_equal(stats().rtp_dropped_unknown, 1);
}

static void test_mid_learning(void **state)
{
    struct router_producer_cfg p;
    size_t idx[16], from;
    uint8_t b[ROUTER_PKT_CAP];
    struct pkt_opts o;

    (void)state;
    screen_cfg(&p);
    p.layers[0].ssrc = 0;
    assert_int_equal(rt_add_producer(g_r, &p), ERR_INVAL); /* no rid, no mid */
    memcpy(p.mid, "2", 2);
    assert_int_equal(rt_add_producer(g_r, &p), 0);
    add_consumer(C1, SCREEN, SUB, 0xA000, false);
    from = mark();
    memset(&o, 0, sizeof(o));
    o.ssrc = 0x8888;
    o.pt = 96;
    o.seq = 10;
    o.vp8 = o.key = o.start = true;
    o.mid = "3"; /* another m-line */
    o.payload = 50;
    rtp_in(PUB, b, build_pkt(b, sizeof(b), &o));
    assert_int_equal(rtp_out(from, SUB, 0xA000, idx, 16), 0);
    o.mid = "2";
    rtp_in(PUB, b, build_pkt(b, sizeof(b), &o));
    o.mid = NULL;
    o.seq = 11;
    o.key = o.start = false;
    rtp_in(PUB, b, build_pkt(b, sizeof(b), &o));
    assert_int_equal(rtp_out(from, SUB, 0xA000, idx, 16), 2);
    assert_int_equal(stats().rtp_dropped_unknown, 1);
}

static void test_producer_readded(void **state)
{
    struct router_producer_cfg p;
    struct seen st;
    size_t from;

    (void)state;
    memset(&st, 0, sizeof(st));
    add_consumer(C1, CAM, SUB, 0xA000, true);
    add_consumer(C2, MIC, SUB, 0xA100, false);
    from = mark();
    frame_all(7);
    for (int i = 0; i < 5; i++)
        frame_all(0);
    for (int i = 0; i < 5; i++)
        send_audio(&g_mic, false, 127);
    assert_int_equal(rt_remove_producer(g_r, CAM), 0);
    assert_int_equal(router_consumer_layer(g_r, C1), -1);
    frame_all(7); /* nobody's now */
    assert_int_equal(rt_remove_producer(g_r, MIC), 0);
    advance(2 * SEC);

    /* The publisher reconnects: new SSRCs, new numbering. */
    cam_cfg(&p, 0x4440);
    assert_int_equal(rt_add_producer(g_r, &p), 0);
    mic_cfg(&p, MIC, PUB, 0x4480);
    assert_int_equal(rt_add_producer(g_r, &p), 0);
    init_pubs(0x4440);
    for (int l = 0; l < 3; l++) {
        g_layer[l].seq = (uint16_t)(60000 + l);
        g_layer[l].ts = 4000000000u;
        g_layer[l].pid = 32760;
        g_layer[l].tl0 = 250;
    }
    frame_all(0);
    frame_all(7);
    for (int i = 0; i < 5; i++)
        frame_all(0);
    assert_int_equal(router_consumer_layer(g_r, C1), 2);
    assert_int_equal(check_continuity(from, SUB, 0xA000, &st), 12 * npk[2]);

    /* Audio continues too. */
    {
        static size_t idx[MAX_OUT];
        struct rtp_packet k;
        size_t n;
        uint16_t last = 0;

        g_mic.ssrc = 0x4480;
        g_mic.seq = 3;
        g_mic.ts = 77;
        send_audio(&g_mic, false, 127);
        n = rtp_out(from, SUB, 0xA100, idx, MAX_OUT);
        assert_int_equal(n, 6);
        for (size_t i = 0; i < n; i++) {
            assert_int_equal(rtp_parse(&k, g_out[idx[i]].buf, g_out[idx[i]].len), 0);
            if (i > 0)
                assert_int_equal(k.seq, (uint16_t)(last + 1));
            last = k.seq;
        }
    }
}

static void test_stream_renumbered(void **state)
{
    struct seen st;
    size_t from, pli_from;

    (void)state;
    memset(&st, 0, sizeof(st));
    from = mark();
    start_on_layer(C1, SUB, 0xA000, false, 2);
    advance(600 * MS);
    frame_all(0);
    /* The publisher's numbering goes back: two stragglers are dropped, the
     * third restarts the stream; the consumer waits for a keyframe. */
    pli_from = mark();
    g_layer[2].seq = 100;
    frame_all(0);
    assert_int_equal(router_consumer_layer(g_r, C1), -1);
    assert_int_equal(count_fb(pli_from, PUB, RTCP_FB_PLI, 0x1130), 1);
    frame_all(4);
    assert_int_equal(router_consumer_layer(g_r, C1), 2);
    frame_all(0);
    /* And forwards by far more than the cache: the same. */
    g_layer[2].seq = (uint16_t)(g_layer[2].seq + 20000);
    frame_all(0);
    assert_int_equal(router_consumer_layer(g_r, C1), -1);
    frame_all(4);
    frame_all(0);
    assert_int_equal(check_continuity(from, SUB, 0xA000, &st), 6 * npk[2]);
}

/* ---- speaker, cleanup ---- */

static void test_active_speaker(void **state)
{
    struct router_producer_cfg p;
    struct pub other;
    size_t ev0;
    uint32_t last = 0;
    unsigned n_events = 0;

    (void)state;
    mic_cfg(&p, 301, 9, 0x9990);
    assert_int_equal(rt_add_producer(g_r, &p), 0);
    memset(&other, 0, sizeof(other));
    other.peer = 9;
    other.ssrc = 0x9990;
    other.pt = 111;
    ev0 = g_n_ev;
    /* 2 s: MIC speaks, 301 is quiet. */
    for (int i = 0; i < 100; i++) {
        send_audio(&g_mic, true, 30);
        send_audio(&other, false, 120);
        advance(20 * MS);
    }
    /* 0.5 s: 301 louder, then quiet again: no switch. */
    for (int i = 0; i < 25; i++) {
        send_audio(&g_mic, true, 30);
        send_audio(&other, true, 10);
        advance(20 * MS);
    }
    for (int i = 0; i < 50; i++) {
        send_audio(&g_mic, true, 30);
        send_audio(&other, false, 120);
        advance(20 * MS);
    }
    for (size_t i = ev0; i < g_n_ev; i++) {
        if (g_ev[i].kind == ROUTER_EVENT_ACTIVE_SPEAKER) {
            n_events++;
            last = g_ev[i].producer;
        }
    }
    assert_int_equal(n_events, 1);
    assert_int_equal(last, MIC);
    /* 3 s: 301 louder: it takes over. */
    for (int i = 0; i < 150; i++) {
        send_audio(&g_mic, true, 50);
        send_audio(&other, true, 10);
        advance(20 * MS);
    }
    for (size_t i = ev0; i < g_n_ev; i++) {
        if (g_ev[i].kind == ROUTER_EVENT_ACTIVE_SPEAKER) {
            last = g_ev[i].producer;
            assert_int_equal(g_ev[i].peer, last == 301 ? 9 : PUB);
        }
    }
    assert_int_equal(last, 301);
    /* Removing the speaker: silence. */
    assert_int_equal(rt_remove_producer(g_r, 301), 0);
    advance(200 * MS);
    assert_int_equal(g_ev[g_n_ev - 1].kind, ROUTER_EVENT_ACTIVE_SPEAKER);
    assert_int_equal(g_ev[g_n_ev - 1].producer, 0);
}

static void test_remove_peer(void **state)
{
    size_t from, idx[8];

    (void)state;
    start_on_layer(C1, SUB, 0xA000, false, 2);
    add_consumer(C2, MIC, SUB, 0xA100, false);
    add_consumer(C3, MIC, SUB2, 0xB100, false);
    rt_remove_peer(g_r, PUB);
    assert_int_equal(router_consumer_layer(g_r, C1), -1);
    from = mark();
    frame_all(7);
    send_audio(&g_mic, true, 30);
    assert_int_equal(rtp_out(from, SUB, 0xA000, idx, 8), 0);
    assert_int_equal(stats().rtp_dropped_unknown, 11);
    /* The consumers stay until removed; their ids are still taken. */
    assert_int_equal(rt_remove_consumer(g_r, C3), 0);
    rt_remove_peer(g_r, SUB);
    assert_int_equal(rt_remove_consumer(g_r, C1), ERR_NOTFOUND);
    assert_int_equal(router_next_deadline(g_r), INT64_MAX);
    rt_remove_peer(g_r, 4242); /* unknown: nothing */
}

static void test_deadline(void **state)
{
    int64_t d;

    (void)state;
    d = router_next_deadline(g_r);
    assert_true(d > g_now && d <= g_now + 100 * MS);
    start_on_layer(C1, SUB, 0xA000, false, 0);
    g_layer[0].seq++;
    send_frame(&g_layer[0], false, 2, 200);
    d = router_next_deadline(g_r);
    assert_true(d <= g_now + 20 * MS);
    rt_timeout(g_r, d);
    g_now = d;
    assert_true(router_next_deadline(g_r) > g_now);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_invalid),
        cmocka_unit_test_setup_teardown(test_producer_cfg, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consumer_cfg, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limits_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forward_two_consumers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ext_remap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ext_two_byte_copied, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audio_forward, setup, teardown),
        cmocka_unit_test_setup_teardown(test_h264, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rid_learning, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mid_learning, setup, teardown),
        cmocka_unit_test_setup_teardown(test_producer_readded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_renumbered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_active_speaker, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove_peer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deadline, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
