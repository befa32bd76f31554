/* Tests for media/router_pause.c: audio first on a weak downlink. The
 * subscriber's estimate comes in synthetic; video towards it pauses when
 * the lowest layer plus the audio do not fit (held), audio goes on, probes
 * can be sent on the RTX stream, and video resumes from a keyframe with
 * continuous numbering once the estimate has held above the (higher)
 * resume threshold. */
#include "router_harness.h"

#include "media/probe.h"
#include "media/vpause.h"

#define CAM_SSRC 0xA000
#define MIC_SSRC 0xB000

/* One frame on every layer (keyframes per keymask) and a packet of audio. */
static void step(unsigned keymask)
{
    send_audio(&g_mic, true, 40);
    frame_all(keymask);
}

/* Steps for `us`, the estimate set anew every 200 ms as the engine does. */
static void run(int64_t us, uint64_t bps, unsigned keymask)
{
    int64_t end = g_now + us, next_bps = g_now;

    while (g_now < end) {
        if (g_now >= next_bps) {
            rt_set_peer_bitrate(g_r, SUB, bps);
            next_bps = g_now + 200 * MS;
        }
        step(keymask);
    }
}

static size_t pause_events(int layer)
{
    size_t n = 0;

    for (size_t i = 0; i < g_n_ev; i++) {
        if (g_ev[i].kind == ROUTER_EVENT_VIDEO_PAUSED && g_ev[i].layer == layer) {
            assert_int_equal(g_ev[i].peer, SUB);
            n++;
        }
    }
    return n;
}

static int pause_setup(void **state)
{
    setup(state);
    add_consumer(C1, CAM, SUB, CAM_SSRC, true);
    add_consumer(C2, MIC, SUB, MIC_SSRC, false);
    for (int i = 0; i < 31; i++)
        step(i == 0 ? 7 : 0); /* one second: every layer measured */
    assert_int_equal(router_consumer_layer(g_r, C1), 2);
    return 0;
}

static void test_pause_keeps_audio(void **state)
{
    struct seen st;
    size_t from, paused_at, idx[MAX_OUT];
    int64_t t0;

    (void)state;
    memset(&st, 0, sizeof(st));
    from = mark();
    /* Lowest layer ~110 kbit/s + audio ~35: 60 kbit/s cannot carry it. */
    t0 = g_now;
    run(400 * MS, 60000, 0);
    assert_int_equal(pause_events(1), 0); /* not yet: it must hold */
    assert_false(router_peer_video_paused(g_r, SUB));
    run(800 * MS, 60000, 0);
    assert_int_equal(pause_events(1), 1);
    assert_true(router_peer_video_paused(g_r, SUB));
    assert_true(g_now - t0 >= VPAUSE_PAUSE_HOLD_US);
    assert_int_equal(router_consumer_layer(g_r, C1), -1);

    paused_at = mark();
    run(2 * SEC, 60000, 7); /* keyframes too: nothing of the camera goes out */
    assert_int_equal(rtp_out(paused_at, SUB, CAM_SSRC, idx, MAX_OUT), 0);
    assert_true(rtp_out(paused_at, SUB, MIC_SSRC, idx, MAX_OUT) >= 55); /* audio flows */
    assert_true(router_peer_resume_bps(g_r, SUB) > 60000);

    /* Between the thresholds (well above the pause one): stays paused. */
    assert_true(router_peer_resume_bps(g_r, SUB) - 20000 > 60000 * 2);
    run(3 * SEC, router_peer_resume_bps(g_r, SUB) - 20000, 0);
    assert_true(router_peer_video_paused(g_r, SUB));
    assert_int_equal(rtp_out(paused_at, SUB, CAM_SSRC, idx, MAX_OUT), 0);

    /* Recovered: after the hold, the camera comes back from a keyframe, on
     * the lowest layers that fit, numbered on from where it stopped. */
    t0 = g_now;
    run(VPAUSE_RESUME_HOLD_US - 400 * MS, 2000000, 0);
    assert_true(router_peer_video_paused(g_r, SUB));
    run(1000 * MS, 2000000, 0);
    assert_false(router_peer_video_paused(g_r, SUB));
    assert_int_equal(pause_events(0), 1);
    assert_true(g_now - t0 >= VPAUSE_RESUME_HOLD_US);
    assert_int_equal(rtp_out(paused_at, SUB, CAM_SSRC, idx, MAX_OUT), 0); /* a keyframe first */
    run(100 * MS, 2000000, 7);
    assert_true(rtp_out(paused_at, SUB, CAM_SSRC, idx, MAX_OUT) > 0);
    assert_true(router_consumer_layer(g_r, C1) >= 0);
    check_continuity(from, SUB, CAM_SSRC, &st);
}

/* While paused, NACKs for the video go unanswered (the repairs would fill
 * the weak link); once resumed they are answered again. */
static void test_no_repairs_while_paused(void **state)
{
    uint8_t b[1500];
    size_t at, idx[MAX_OUT], n;
    uint16_t seq;
    struct rtp_packet k;
    struct router_stats s0, s1;

    (void)state;
    at = mark();
    step(0);
    n = rtp_out(at, SUB, CAM_SSRC, idx, MAX_OUT);
    assert_true(n > 0);
    assert_int_equal(rtp_parse(&k, g_out[idx[n - 1]].buf, g_out[idx[n - 1]].len), 0);
    seq = k.seq;
    run(1500 * MS, 50000, 0);
    assert_true(router_peer_video_paused(g_r, SUB));
    s0 = stats();
    at = mark();
    rtcp_in(SUB, b, build_nack(b, sizeof b, CAM_SSRC, &seq, 1));
    advance(50 * MS);
    s1 = stats();
    assert_int_equal(s1.retransmissions, s0.retransmissions);
    assert_int_equal(rtp_out(at, SUB, CAM_SSRC + 1, idx, MAX_OUT), 0);
    /* Back: a NACK is answered again. */
    run(3 * SEC, 2000000, 0);
    assert_false(router_peer_video_paused(g_r, SUB));
    at = mark();
    run(100 * MS, 2000000, 7);
    n = rtp_out(at, SUB, CAM_SSRC, idx, MAX_OUT);
    assert_true(n > 0);
    assert_int_equal(rtp_parse(&k, g_out[idx[n - 1]].buf, g_out[idx[n - 1]].len), 0);
    seq = k.seq;
    s0 = stats();
    rtcp_in(SUB, b, build_nack(b, sizeof b, CAM_SSRC, &seq, 1));
    s1 = stats();
    assert_int_equal(s1.retransmissions, s0.retransmissions + 1);
}

static void test_no_pause_when_it_fits(void **state)
{
    (void)state;
    /* Enough for the lowest layer and the audio: layers step down, video stays. */
    run(3 * SEC, 250000, 0);
    run(200 * MS, 250000, 7);
    assert_int_equal(pause_events(1), 0);
    assert_false(router_peer_video_paused(g_r, SUB));
    assert_int_equal(router_consumer_layer(g_r, C1), 0);
    /* A short dip (shorter than the hold) pauses nothing. */
    run(700 * MS, 40000, 0);
    run(1 * SEC, 250000, 0);
    assert_int_equal(pause_events(1), 0);
    /* Neither does an unknown estimate. */
    run(2 * SEC, 0, 0);
    assert_int_equal(pause_events(1), 0);
}

static void test_probe_packets(void **state)
{
    size_t at, idx[8];
    struct rtp_packet k;
    struct rtp_ext_elem el;
    uint16_t seq;

    (void)state;
    /* Not paused, or no such peer: no probe carrier is needed... */
    assert_int_equal(rt_send_probe(g_r, g_now, 999, 3), ERR_NOTFOUND);
    run(1500 * MS, 50000, 0);
    assert_true(router_peer_video_paused(g_r, SUB));
    at = mark();
    assert_int_equal(rt_send_probe(g_r, g_now, SUB, 10), PROBE_PACKETS); /* at most a train */
    assert_int_equal(rtp_out(at, SUB, CAM_SSRC + 1, idx, 8), PROBE_PACKETS);
    for (size_t i = 0; i < PROBE_PACKETS; i++) {
        assert_int_equal(rtp_parse(&k, g_out[idx[i]].buf, g_out[idx[i]].len), 0);
        assert_true(k.padding);
        assert_int_equal(k.payload_len, 0);
        assert_int_equal(k.padding_len, PROBE_PADDING_BYTES);
        assert_int_equal(k.pt, 101); /* the consumer's RTX payload type */
        assert_int_equal(rtp_ext_find(&k, 5, &el), 0);
        assert_int_equal(rtp_ext_read_twcc_seq(&el, &seq), 0);
        if (i > 0) {
            struct rtp_packet prev;

            assert_int_equal(rtp_parse(&prev, g_out[idx[i - 1]].buf, g_out[idx[i - 1]].len), 0);
            assert_int_equal(k.seq, (uint16_t)(prev.seq + 1));
        }
    }
    /* A peer whose video has no RTX has nothing to carry probes. */
    add_consumer(C3, CAM, SUB2, 0xC000, false);
    rt_set_peer_bitrate(g_r, SUB2, 50000);
    assert_int_equal(rt_send_probe(g_r, g_now, SUB2, 3), ERR_NOTFOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pause_keeps_audio, pause_setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_repairs_while_paused, pause_setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_pause_when_it_fits, pause_setup, teardown),
        cmocka_unit_test_setup_teardown(test_probe_packets, pause_setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
