/* Tests for media/router_layers.c and the switching in router_fwd.c (see
 * router_harness.h): keyframe-gated starts and switches with exact
 * continuity of sequence numbers, timestamps, PictureID and TL0PICIDX;
 * pause and resume; the choice by size, by activity and by the peer's
 * bitrate (set by the caller or from REMB), screen before camera, and the
 * higher cost of a subscriber that reports losses. */
#include "tests/unit/router_harness.h"

static void test_waits_for_keyframe(void **state)
{
    size_t idx[64], from;

    (void)state;
    add_consumer(C1, CAM, SUB, 0xA000, false);
    assert_int_equal(router_consumer_layer(g_r, C1), -1);
    from = mark();
    frame_all(0);
    frame_all(3); /* keyframes on the layers it does not want */
    assert_int_equal(rtp_out(from, SUB, 0xA000, idx, 64), 0);
    assert_int_equal(router_consumer_layer(g_r, C1), -1);
    frame_all(4);
    assert_int_equal(rtp_out(from, SUB, 0xA000, idx, 64), npk[2]);
    assert_int_equal(router_consumer_layer(g_r, C1), 2);
    assert_true(g_n_ev > 0);
    assert_int_equal(g_ev[g_n_ev - 1].kind, ROUTER_EVENT_LAYER);
    assert_int_equal(g_ev[g_n_ev - 1].consumer, C1);
    assert_int_equal(g_ev[g_n_ev - 1].layer, 2);
}

static void test_switch_down_up_continuity(void **state)
{
    struct seen st;
    size_t from, n;
    struct router_stats s;

    (void)state;
    memset(&st, 0, sizeof(st));
    add_consumer(C1, CAM, SUB, 0xA000, false);
    from = mark();
    frame_all(7);
    for (int i = 0; i < 5; i++)
        frame_all(0);
    assert_int_equal(router_consumer_layer(g_r, C1), 2);

    set_height(C1, 180); /* down to "q" */
    for (int i = 0; i < 3; i++)
        frame_all(0);
    assert_int_equal(router_consumer_layer(g_r, C1), 2); /* waits for a keyframe */
    frame_all(1);
    assert_int_equal(router_consumer_layer(g_r, C1), 0);
    for (int i = 0; i < 3; i++)
        frame_all(0);

    set_height(C1, 360); /* up to "h" */
    frame_all(0);
    assert_int_equal(router_consumer_layer(g_r, C1), 0);
    frame_all(2);
    assert_int_equal(router_consumer_layer(g_r, C1), 1);
    frame_all(0);

    set_height(C1, 0); /* up to "f", keyframes on all layers at once */
    frame_all(7);
    assert_int_equal(router_consumer_layer(g_r, C1), 2);
    frame_all(0);
    n = check_continuity(from, SUB, 0xA000, &st);
    assert_int_equal(n, 11 * npk[2] + 6 * npk[0] + 3 * npk[1]);
    s = stats();
    assert_int_equal(s.layer_switches, 3);
}

static void test_switch_timestamp_delta(void **state)
{
    static size_t idx[MAX_OUT];
    struct rtp_packet k;
    uint32_t last_ts;
    size_t from, n;

    (void)state;
    start_on_layer(C1, SUB, 0xA000, false, 2);
    frame_all(0);
    from = mark();
    set_height(C1, 180);
    advance(67 * MS); /* two frame intervals without packets */
    frame_all(1);
    n = rtp_out(0, SUB, 0xA000, idx, MAX_OUT);
    for (size_t i = 0; i < n; i++) {
        if (idx[i] >= from)
            break;
        assert_int_equal(rtp_parse(&k, g_out[idx[i]].buf, g_out[idx[i]].len), 0);
    }
    last_ts = k.timestamp;
    n = rtp_out(from, SUB, 0xA000, idx, MAX_OUT);
    assert_int_equal(n, npk[0]);
    assert_int_equal(rtp_parse(&k, g_out[idx[0]].buf, g_out[idx[0]].len), 0);
    /* 100 ms of wall time at 90 kHz since the last packet. */
    assert_int_equal(k.timestamp - last_ts, 100 * 90);
}

static void test_pause_resume(void **state)
{
    struct seen st;
    size_t from, idx[64];
    struct router_prefs p;

    (void)state;
    memset(&st, 0, sizeof(st));
    from = mark();
    start_on_layer(C1, SUB, 0xA000, false, 1);
    frame_all(0);
    memset(&p, 0, sizeof(p));
    p.paused = true;
    p.max_height = 360;
    assert_int_equal(rt_set_prefs(g_r, C1, &p), 0);
    assert_int_equal(router_consumer_layer(g_r, C1), -1);
    size_t paused_at = mark();
    frame_all(7);
    frame_all(0);
    assert_int_equal(rtp_out(paused_at, SUB, 0xA000, idx, 64), 0);
    p.paused = false;
    assert_int_equal(rt_set_prefs(g_r, C1, &p), 0);
    frame_all(0); /* waits for a keyframe */
    assert_int_equal(rtp_out(paused_at, SUB, 0xA000, idx, 64), 0);
    frame_all(2);
    assert_int_equal(router_consumer_layer(g_r, C1), 1);
    assert_int_equal(rtp_out(paused_at, SUB, 0xA000, idx, 64), npk[1]);
    check_continuity(from, SUB, 0xA000, &st);
}

static void test_prefs_by_size(void **state)
{
    struct router_prefs p;

    (void)state;
    add_consumer(C1, CAM, SUB, 0xA000, false);
    frame_all(0);
    set_height(C1, 360);
    frame_all(7);
    assert_int_equal(router_consumer_layer(g_r, C1), 1);
    set_height(C1, 100);
    frame_all(7);
    assert_int_equal(router_consumer_layer(g_r, C1), 0);
    set_height(C1, 1080); /* larger than any: the highest */
    frame_all(7);
    assert_int_equal(router_consumer_layer(g_r, C1), 2);
    set_height(C1, 181);
    frame_all(7);
    assert_int_equal(router_consumer_layer(g_r, C1), 1);
    memset(&p, 0, sizeof(p));
    p.max_width = 641;
    assert_int_equal(rt_set_prefs(g_r, C1, &p), 0);
    frame_all(7);
    assert_int_equal(router_consumer_layer(g_r, C1), 2);
}

static void test_inactive_layer_not_chosen(void **state)
{
    (void)state;
    add_consumer(C1, CAM, SUB, 0xA000, false);
    /* The publisher sends only "q" and "h" (its uplink is short). */
    for (int i = 0; i < 10; i++) {
        send_frame(&g_layer[0], i == 0, 2, 200);
        send_frame(&g_layer[1], i == 0, 3, 500);
        advance(33 * MS);
    }
    advance(500 * MS); /* a layer re-evaluation */
    send_frame(&g_layer[1], true, 3, 500);
    assert_int_equal(router_consumer_layer(g_r, C1), 1);
}

static void test_bitrate_cap(void **state)
{
    struct seen st;
    size_t from;

    (void)state;
    memset(&st, 0, sizeof(st));
    add_consumer(C1, CAM, SUB, 0xA000, false);
    from = mark();
    for (int i = 0; i < 31; i++)
        frame_all(i == 0 ? 7 : 0); /* one second: every layer measured */
    assert_int_equal(router_consumer_layer(g_r, C1), 2);

    rt_set_peer_bitrate(g_r, SUB, 600000); /* "f" is ~1.2 Mbit/s, "h" ~0.4 */
    frame_all(0);
    assert_int_equal(router_consumer_layer(g_r, C1), 2);
    frame_all(2);
    assert_int_equal(router_consumer_layer(g_r, C1), 1);

    rt_set_peer_bitrate(g_r, SUB, 200000);
    frame_all(1);
    assert_int_equal(router_consumer_layer(g_r, C1), 0);

    rt_set_peer_bitrate(g_r, SUB, 550000); /* "h" fits, with the up-switch margin */
    frame_all(2);
    assert_int_equal(router_consumer_layer(g_r, C1), 1);

    rt_set_peer_bitrate(g_r, SUB, 5000000);
    frame_all(0);
    frame_all(4);
    assert_int_equal(router_consumer_layer(g_r, C1), 2);
    frame_all(0);
    check_continuity(from, SUB, 0xA000, &st);
}

static void test_lossy_costs_more(void **state)
{
    (void)state;
    add_consumer(C1, CAM, SUB, 0xA000, true);
    set_height(C1, 360);
    for (int i = 0; i < 31; i++)
        frame_all(i == 0 ? 7 : 0);         /* one second: every layer measured */
    rt_set_peer_bitrate(g_r, SUB, 450000); /* "h" is ~0.4 Mbit/s */
    frame_all(0);
    assert_int_equal(router_consumer_layer(g_r, C1), 1);
    /* The subscriber reports losses: its key frames go out twice, so "h"
     * costs ROUTER_LOSSY_COST_PCT and no longer fits. */
    report_loss(0xA000, 1000, 0);
    report_loss(0xA000, 2000, 100);
    rt_set_peer_bitrate(g_r, SUB, 450000);
    frame_all(1);
    assert_int_equal(router_consumer_layer(g_r, C1), 0);
}

static void test_screen_preferred(void **state)
{
    struct router_producer_cfg p;
    struct pub big;

    (void)state;
    screen_cfg(&p); /* a simulcast screen: 960x540 and 1920x1080 */
    p.n_layers = 2;
    p.layers[1] = p.layers[0];
    p.layers[0].ssrc = 0x3320;
    p.layers[0].width = 960;
    p.layers[0].height = 540;
    assert_int_equal(rt_add_producer(g_r, &p), 0);
    big = g_screen;
    g_screen.ssrc = 0x3320;
    add_consumer(C1, CAM, SUB, 0xA000, false);
    add_consumer(C2, SCREEN, SUB, 0xA100, false);
    for (int i = 0; i < 31; i++) {
        send_frame(&g_screen, i == 0, 2, 500); /* ~0.25 Mbit/s */
        send_frame(&big, i == 0, 4, 1000);     /* ~0.9 Mbit/s */
        frame_all(i == 0 ? 7 : 0);
    }
    assert_int_equal(router_consumer_layer(g_r, C1), 2);
    assert_int_equal(router_consumer_layer(g_r, C2), 1);
    /* Room for the large screen and the smallest camera only: the camera
     * gives way although the screen costs more. */
    rt_set_peer_bitrate(g_r, SUB, 1100000);
    send_frame(&g_screen, true, 2, 500);
    send_frame(&big, true, 4, 1000);
    frame_all(7);
    assert_int_equal(router_consumer_layer(g_r, C1), 0);
    assert_int_equal(router_consumer_layer(g_r, C2), 1);
    /* Less still: now the screen steps down too. */
    rt_set_peer_bitrate(g_r, SUB, 500000);
    send_frame(&g_screen, true, 2, 500);
    send_frame(&big, true, 4, 1000);
    frame_all(7);
    assert_int_equal(router_consumer_layer(g_r, C1), 0);
    assert_int_equal(router_consumer_layer(g_r, C2), 0);
}

static void test_remb_estimate(void **state)
{
    uint8_t b[64];
    struct wr w;
    uint32_t media = 0xA000;

    (void)state;
    add_consumer(C1, CAM, SUB, 0xA000, false);
    for (int i = 0; i < 31; i++)
        frame_all(i == 0 ? 7 : 0);
    assert_int_equal(router_consumer_layer(g_r, C1), 2);
    wr_init(&w, b, sizeof(b));
    assert_int_equal(rtcp_build_remb(&w, 0xC0FFEE, 200000, &media, 1), 0);
    rtcp_in(SUB, b, (size_t)(w.p - b));
    frame_all(1);
    assert_int_equal(router_consumer_layer(g_r, C1), 0);
    /* The caller's estimate wins over REMB. */
    rt_set_peer_bitrate(g_r, SUB, 10000000);
    frame_all(4);
    assert_int_equal(router_consumer_layer(g_r, C1), 2);
    rtcp_in(SUB, b, (size_t)(w.p - b));
    frame_all(1);
    assert_int_equal(router_consumer_layer(g_r, C1), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_waits_for_keyframe, setup, teardown),
        cmocka_unit_test_setup_teardown(test_switch_down_up_continuity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_switch_timestamp_delta, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pause_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prefs_by_size, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inactive_layer_not_chosen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bitrate_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lossy_costs_more, setup, teardown),
        cmocka_unit_test_setup_teardown(test_screen_preferred, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remb_estimate, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
