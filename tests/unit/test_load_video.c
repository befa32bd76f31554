/* Tests for tests/load/load_video.c: the camera's clip and senders (the
 * mid and rid extensions the server learns the layers from), keyframe
 * requests from the server's PLI and FIR, and the subscriber's receiver
 * reports and PLIs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/err.h"
#include "media/rd.h"
#include "media/rtcp.h"
#include "media/rtp.h"
#include "tests/load/load.h"
#include "tests/load/marker.h"

#define T0 1000000
#define FPS 10

static struct lg_vp8_clip *clip;
static uint8_t pkts[LG_VP8_FRAME_PKTS][LG_DGRAM_MAX];
static size_t lens[LG_VP8_FRAME_PKTS];

static int setup(void **state)
{
    (void)state;
    const struct lg_video_cfg cfg = {
        .n_layers = 3, .width = 320, .height = 180, .kbps = {30, 60, 150}, .fps = FPS};
    return lg_video_clip_make(&clip, &cfg) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    lg_vp8_clip_destroy(clip);
    return 0;
}

static void clip_layers(void **state)
{
    (void)state;
    const struct lg_vp8_clip_cfg *cc = lg_vp8_clip_cfg(clip);
    assert_int_equal(cc->n_layers, 3);
    /* A quarter, a half and the whole size, rounded down to even. */
    assert_int_equal(cc->layer[0].width, 80);
    assert_int_equal(cc->layer[0].height, 44);
    assert_int_equal(cc->layer[1].width, 160);
    assert_int_equal(cc->layer[1].height, 90);
    assert_int_equal(cc->layer[2].width, 320);
    assert_int_equal(cc->layer[2].height, 180);
    assert_int_equal(cc->fps, FPS);
    assert_int_equal(cc->frames, 4 * FPS);
    assert_int_equal(cc->key_interval, 2 * FPS);

    struct lg_vp8_clip *bad = NULL;
    const struct lg_video_cfg two = {.n_layers = 2, .width = 320, .height = 180, .fps = 10};
    assert_int_equal(lg_video_clip_make(&bad, &two), ERR_INVAL);
    const struct lg_video_cfg tiny = {.n_layers = 1, .width = 32, .height = 180, .fps = 10};
    assert_int_equal(lg_video_clip_make(&bad, &tiny), ERR_INVAL);
    assert_null(bad);
    assert_string_equal(lg_video_rid(0, 3), "q");
    assert_string_equal(lg_video_rid(2, 3), "f");
    assert_string_equal(lg_video_rid(0, 1), "");
}

static void pub_make(struct lg_video_pub *v, unsigned n_layers, uint8_t ext_mid, uint8_t ext_rid)
{
    memset(v, 0, sizeof *v);
    v->n_layers = n_layers;
    for (unsigned k = 0; k < n_layers; k++)
        v->ssrc[k] = 0x1000 + k;
    assert_int_equal(lg_video_pub_start(v, clip, 7, ext_mid, ext_rid, T0), 0);
}

static size_t frame(struct lg_video_pub *v, unsigned layer, uint64_t now)
{
    struct lg_vp8_burst b = {
        .buf = pkts[0], .stride = LG_DGRAM_MAX, .max = LG_VP8_FRAME_PKTS, .len = lens};
    assert_int_equal(lg_vp8_send_frame(v->send[layer], now, &b), 0);
    return b.n;
}

static void ext_string(const uint8_t *pkt, size_t len, uint8_t id, const char *want)
{
    struct rtp_packet r;
    struct rtp_ext_elem e;
    char got[32];
    assert_int_equal(rtp_parse(&r, pkt, len), 0);
    assert_int_equal(rtp_ext_find(&r, id, &e), 0);
    assert_int_equal(rtp_ext_read_string(&e, got, sizeof got), 0);
    assert_string_equal(got, want);
}

/* Every packet of every layer names the mid and its layer's rid. */
static void senders_carry_mid_and_rid(void **state)
{
    (void)state;
    struct lg_video_pub v;
    pub_make(&v, 3, 4, 10);
    assert_int_equal(v.frame_us, 1000000 / FPS);
    assert_int_equal(v.next_frame_us, T0);
    static const char *const rids[] = {"q", "h", "f"};
    for (unsigned k = 0; k < 3; k++) {
        size_t n = frame(&v, k, T0);
        assert_true(n >= 1);
        for (size_t i = 0; i < n; i++) {
            struct rtp_packet r;
            struct lg_marker mk;
            assert_int_equal(rtp_parse(&r, pkts[i], lens[i]), 0);
            assert_int_equal(r.ssrc, 0x1000 + k);
            assert_int_equal(r.pt, LG_VIDEO_PT);
            ext_string(pkts[i], lens[i], 4, LG_VIDEO_MID);
            ext_string(pkts[i], lens[i], 10, rids[k]);
            assert_int_equal(lg_marker_read(pkts[i], lens[i], &mk, NULL), 0);
            assert_int_equal(mk.stream, lg_stream_id(7, (uint8_t)(1 + k)));
        }
    }
    /* Started twice, or with the wrong number of layers: refused. */
    assert_int_equal(lg_video_pub_start(&v, clip, 7, 4, 10, T0), ERR_INVAL);
    lg_video_pub_free(&v);
    struct lg_video_pub w = {.n_layers = 1, .ssrc = {5}};
    assert_int_equal(lg_video_pub_start(&w, clip, 7, 4, 0, T0), ERR_INVAL);
    lg_video_pub_free(&w);
}

/* One layer without a rid: the mid alone. */
static void single_layer_mid_only(void **state)
{
    (void)state;
    const struct lg_video_cfg cfg = {
        .n_layers = 1, .width = 64, .height = 64, .kbps = {50}, .fps = FPS};
    struct lg_vp8_clip *one;
    assert_int_equal(lg_video_clip_make(&one, &cfg), 0);
    struct lg_video_pub v = {.n_layers = 1, .ssrc = {77}};
    assert_int_equal(lg_video_pub_start(&v, one, 2, 4, 10, T0), 0);
    struct lg_vp8_burst b = {
        .buf = pkts[0], .stride = LG_DGRAM_MAX, .max = LG_VP8_FRAME_PKTS, .len = lens};
    assert_int_equal(lg_vp8_send_frame(v.send[0], T0, &b), 0);
    struct rtp_packet r;
    struct rtp_ext_elem e;
    assert_int_equal(rtp_parse(&r, pkts[0], lens[0]), 0);
    ext_string(pkts[0], lens[0], 4, LG_VIDEO_MID);
    assert_int_not_equal(rtp_ext_find(&r, 10, &e), 0);
    lg_video_pub_free(&v);
    lg_vp8_clip_destroy(one);
}

/* The clip position a layer's next frame will have. */
static unsigned next_pos(struct lg_video_pub *v, unsigned layer, uint64_t now)
{
    struct lg_vp8_burst b = {
        .buf = pkts[0], .stride = LG_DGRAM_MAX, .max = LG_VP8_FRAME_PKTS, .len = lens};
    assert_int_equal(lg_vp8_send_frame(v->send[layer], now, &b), 0);
    return b.pos;
}

/* PLI and FIR for our SSRCs ask that layer for a keyframe; others do
 * nothing, and a malformed packet is not trusted past its bad part. */
static void pli_and_fir_request_keyframes(void **state)
{
    (void)state;
    struct lg_video_pub v;
    uint8_t buf[512];
    struct wr w;
    pub_make(&v, 3, 4, 10);
    for (unsigned k = 0; k < 3; k++)
        (void)next_pos(&v, k, T0); /* position 0 sent: the next one is a delta frame */

    struct rtcp_rr rr = {.ssrc = 9};
    const struct rtcp_fir_entry fir = {.ssrc = 0x1002, .seq = 1};
    wr_init(&w, buf, sizeof buf);
    assert_int_equal(rtcp_build_rr(&w, &rr), 0);
    assert_int_equal(rtcp_build_pli(&w, 9, 0x1001), 0);
    assert_int_equal(rtcp_build_pli(&w, 9, 0x9999), 0); /* not ours */
    assert_int_equal(rtcp_build_fir(&w, 9, &fir, 1), 0);
    assert_true(wr_ok(&w));
    assert_int_equal(lg_video_pub_rtcp(&v, buf, (size_t)(w.p - buf)), 2);
    assert_int_equal(v.keyframe_requests, 2);
    assert_int_equal(next_pos(&v, 0, T0 + 100000), 1);       /* not asked */
    assert_int_equal(next_pos(&v, 1, T0 + 100000), 2 * FPS); /* the next keyframe */
    assert_int_equal(next_pos(&v, 2, T0 + 100000), 2 * FPS);

    /* A PLI after a length field that runs past the end: ignored. */
    wr_init(&w, buf, sizeof buf);
    assert_int_equal(rtcp_build_pli(&w, 9, 0x1000), 0);
    buf[3] = 40;
    assert_int_equal(lg_video_pub_rtcp(&v, buf, (size_t)(w.p - buf)), 0);
    assert_int_equal(lg_video_pub_rtcp(&v, buf, 3), 0);
    lg_video_pub_free(&v);
}

/* A subscriber's streams: a receiver report for each, a PLI while the
 * video checker waits for a keyframe, at most every LG_VIDEO_PLI_US. */
static void receiver_rtcp(void **state)
{
    (void)state;
    static struct lg_rx_stream rx[2];
    struct lg_video_pub v;
    uint8_t buf[1500];
    memset(rx, 0, sizeof rx);
    pub_make(&v, 3, 4, 10);

    /* Audio: sequence numbers 10..19 with 12 and 13 lost. */
    rx[0].ssrc = 0xaaaa;
    for (uint16_t q = 10; q < 20; q++)
        if (q != 12 && q != 13)
            (void)lg_seq_add(&rx[0].seq, q);
    /* Video: the second frame of the low layer without the first (a
     * keyframe) leaves the checker waiting for one. */
    rx[1].ssrc = 0xbbbb;
    rx[1].is_video = true;
    (void)next_pos(&v, 0, T0);
    size_t n = frame(&v, 0, T0 + 100000);
    for (size_t i = 0; i < n; i++) {
        struct rtp_packet r;
        assert_int_equal(rtp_parse(&r, pkts[i], lens[i]), 0);
        (void)lg_seq_add(&rx[1].seq, r.seq);
        assert_int_equal(
            lg_video_rx_input(&rx[1].video, clip, true, 7, T0, T0 + 100000, pkts[i], lens[i]), 0);
    }
    assert_true(lg_vp8_recv_keyframe_wanted(rx[1].video.chk));

    int len = lg_video_rtcp(rx, 2, 0x5555, true, T0 + 200000, buf, sizeof buf);
    assert_true(len > 0);
    struct rtcp_iter it;
    struct rtcp_block b;
    unsigned rrs = 0, plis = 0;
    rtcp_iter_init(&it, buf, (size_t)len);
    while (rtcp_iter_next(&it, &b)) {
        if (b.pt == RTCP_RR) {
            struct rtcp_rr r;
            assert_int_equal(rtcp_parse_rr(&r, &b), 0);
            assert_int_equal(r.ssrc, 0x5555);
            assert_int_equal(r.report_count, 2);
            assert_int_equal(r.reports[0].ssrc, 0xaaaa);
            assert_int_equal(r.reports[0].cumulative_lost, 2);
            assert_int_equal(r.reports[0].ext_highest_seq, 19);
            assert_int_equal(r.reports[0].fraction_lost, 2 * 256 / 10);
            assert_int_equal(r.reports[1].ssrc, 0xbbbb);
            rrs++;
        } else {
            struct rtcp_fb fb;
            assert_int_equal(rtcp_parse_fb(&fb, &b), 0);
            assert_int_equal(fb.type, RTCP_FB_PLI);
            assert_int_equal(fb.sender_ssrc, 0x5555);
            assert_int_equal(fb.media_ssrc, 0xbbbb);
            plis++;
        }
    }
    assert_false(it.err);
    assert_int_equal(rrs, 1);
    assert_int_equal(plis, 1);
    assert_int_equal(rx[1].video.plis, 1);

    /* Too soon for another PLI, no report due: nothing. */
    assert_int_equal(lg_video_rtcp(rx, 2, 0x5555, false, T0 + 250000, buf, sizeof buf), 0);
    /* Later: the PLI again. A second report has nothing new lost. */
    len = lg_video_rtcp(rx, 2, 0x5555, true, T0 + 200000 + LG_VIDEO_PLI_US, buf, sizeof buf);
    assert_true(len > 0);
    assert_int_equal(rx[1].video.plis, 2);
    rtcp_iter_init(&it, buf, (size_t)len);
    assert_true(rtcp_iter_next(&it, &b));
    struct rtcp_rr r2;
    assert_int_equal(rtcp_parse_rr(&r2, &b), 0);
    assert_int_equal(r2.reports[0].fraction_lost, 0);
    assert_int_equal(r2.reports[0].cumulative_lost, 2);
    /* No room: an error, not a truncated packet. */
    assert_int_equal(lg_video_rtcp(rx, 2, 0x5555, true, T0 + 5000000, buf, 20), ERR_TOOBIG);

    lg_video_rx_free(&rx[1].video);
    lg_video_pub_free(&v);
}

/* A whole layer through the checker: every frame decoded, none corrupt. */
static void rx_decodes_what_pub_sends(void **state)
{
    (void)state;
    struct lg_video_pub v;
    struct lg_video_rx x = {0};
    pub_make(&v, 3, 4, 10);
    for (unsigned f = 0; f < 2 * FPS; f++) {
        uint64_t now = T0 + (uint64_t)f * 100000;
        size_t n = frame(&v, 1, now);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(
                lg_video_rx_input(&x, clip, true, 7, T0, (int64_t)now, pkts[i], lens[i]), 0);
    }
    struct lg_vp8_recv_stats st;
    lg_vp8_recv_flush(x.chk, T0 + 3000000);
    lg_vp8_recv_stats(x.chk, T0 + 3000000, &st);
    assert_int_equal(st.decoded, 2 * FPS);
    assert_int_equal(st.corrupt, 0);
    assert_int_equal(st.decode_errors, 0);
    assert_int_equal(st.layer, 1);
    assert_true(st.has_first);
    assert_false(lg_vp8_recv_keyframe_wanted(x.chk));
    /* A checker for another publisher's packets counts them as foreign. */
    struct lg_video_rx y = {0};
    size_t n = frame(&v, 1, T0);
    assert_int_equal(lg_video_rx_input(&y, clip, false, 8, T0, T0, pkts[0], lens[0]), 0);
    lg_vp8_recv_stats(y.chk, T0, &st);
    assert_int_equal(st.foreign, 1);
    (void)n;
    lg_video_rx_free(&x);
    lg_video_rx_free(&y);
    lg_video_pub_free(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clip_layers),           cmocka_unit_test(senders_carry_mid_and_rid),
        cmocka_unit_test(single_layer_mid_only), cmocka_unit_test(pli_and_fir_request_keyframes),
        cmocka_unit_test(receiver_rtcp),         cmocka_unit_test(rx_decodes_what_pub_sends),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
