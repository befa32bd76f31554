/* Tests for the load generator's video in Janus mode: the requests that
 * ask Janus's VideoRoom for our simulcast (janus_api.c), the camera's
 * m-line of Janus's answer and our answer to its subscriber offer
 * (load_sdp.c, with SDP as Janus 1.1.2 sent it), the checker (vp8_recv.c)
 * on video forwarded the way Janus forwards it, and Janus's keyframe
 * requests on every layer (load_video.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <jansson.h>

#include "base/err.h"
#include "media/rd.h"
#include "media/rtcp.h"
#include "media/rtp.h"
#include "tests/load/janus_api.h"
#include "tests/load/load_sdp.h"
#include "tests/load/load_video.h"
#include "tests/load/vp8_recv.h"
#include "tests/load/vp8_send.h"

#define FP                                                                                         \
    "9E:73:36:00:CC:18:13:22:7C:A3:7F:7D:5D:0E:95:D2:0F:59:45:BD:AE:13:A1:1D:39:FA:02:6A:3B:12:"   \
    "64:07"

#define N 16 /* clip frames */
#define K 8  /* keyframe interval */
#define STRIDE 1300
#define FRAME_US 66666u

static struct lg_vp8_clip *clip;
static struct sdp_session *a, *b;
static struct lg_peer peer;
static char text[LG_SDP_MAX];

static int setup(void **state)
{
    struct lg_vp8_clip_cfg cfg;

    (void)state;
    lg_vp8_clip_cfg_default(&cfg);
    cfg.n_layers = 3;
    cfg.layer[0] = (struct lg_vp8_layer_cfg){64, 36, 30};
    cfg.layer[1] = (struct lg_vp8_layer_cfg){128, 72, 60};
    cfg.layer[2] = (struct lg_vp8_layer_cfg){256, 144, 120};
    cfg.frames = N;
    cfg.key_interval = K;
    a = calloc(1, sizeof *a);
    b = calloc(1, sizeof *b);
    if (!a || !b || lg_peer_init(&peer) != 0)
        return -1;
    return lg_vp8_clip_create(&clip, &cfg) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    lg_vp8_clip_destroy(clip);
    free(a);
    free(b);
    return 0;
}

/* ---- requests ---- */

static json_t *load(char *body)
{
    json_error_t je;
    assert_non_null(body);
    json_t *o = json_loads(body, 0, &je);
    free(body);
    assert_non_null(o);
    return o;
}

/* Our rids go lowest first; Janus must be told, or it takes q for the top
 * layer. The answer to its offer carries no such hint. */
static void publish_names_rid_order(void **state)
{
    (void)state;
    json_t *o = load(janus_req_publish("t1", "v=0\r\n"));
    json_t *jsep = json_object_get(o, "jsep");
    assert_string_equal(json_string_value(json_object_get(jsep, "type")), "offer");
    assert_string_equal(json_string_value(json_object_get(jsep, "rid_order")), "lmh");
    assert_string_equal(json_string_value(json_object_get(jsep, "sdp")), "v=0\r\n");
    json_decref(o);
    o = load(janus_req_start("t2", "v=0\r\n"));
    jsep = json_object_get(o, "jsep");
    assert_string_equal(json_string_value(json_object_get(jsep, "type")), "answer");
    assert_null(json_object_get(jsep, "rid_order"));
    json_decref(o);
}

/* Every subscribed feed on the top layer with all temporal layers; a
 * layer silent for 1.5 s (samtale's ROUTER_LAYER_ACTIVE_US), not 250 ms,
 * makes Janus fall back. */
static void subscriber_asks_top_layer(void **state)
{
    (void)state;
    const uint64_t feeds[] = {7, 8};
    json_t *lists[2];
    json_t *o = load(janus_req_join_subscriber("t3", 42, feeds, 2));
    json_t *o2 = load(janus_req_subscribe_more("t4", feeds, 2));
    lists[0] = json_object_get(json_object_get(o, "body"), "streams");
    lists[1] = json_object_get(json_object_get(o2, "body"), "subscribe");
    for (int l = 0; l < 2; l++) {
        assert_int_equal(json_array_size(lists[l]), 2);
        for (size_t i = 0; i < 2; i++) {
            json_t *s = json_array_get(lists[l], i);
            assert_int_equal(json_integer_value(json_object_get(s, "feed")), (json_int_t)feeds[i]);
            assert_int_equal(json_integer_value(json_object_get(s, "substream")), 2);
            assert_int_equal(json_integer_value(json_object_get(s, "temporal")), 2);
            assert_int_equal(json_integer_value(json_object_get(s, "fallback")), 1500000);
        }
    }
    json_decref(o);
    json_decref(o2);
}

/* ---- SDP ---- */

#define CREDS                                                                                      \
    "a=rtcp-mux\r\na=ice-ufrag:871t\r\na=ice-pwd:N4xeKPg9hTkbZMrtZshIXB\r\n"                       \
    "a=ice-options:trickle\r\n"
#define CAND "a=candidate:1 1 udp 2015363583 10.78.0.1 21698 typ host\r\na=end-of-candidates\r\n"
#define PUB_HEAD_B(bundle)                                                                         \
    "v=0\r\no=- 1000 2 IN IP4 127.0.0.1\r\ns=VideoRoom 1\r\nt=0 0\r\na=group:BUNDLE " bundle       \
    "\r\n"                                                                                         \
    "a=ice-options:trickle\r\na=fingerprint:sha-256 " FP "\r\na=extmap-allow-mixed\r\n"            \
    "a=msid-semantic: WMS *\r\n"                                                                   \
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 127.0.0.1\r\na=recvonly\r\na=mid:0\r\n" CREDS     \
    "a=setup:active\r\na=rtpmap:111 opus/48000/2\r\na=fmtp:111 useinbandfec=1\r\n"                 \
    "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"                                   \
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"                                           \
    "a=msid:janus janus0\r\na=ssrc:149167120 cname:janus\r\n" CAND
#define PUB_HEAD PUB_HEAD_B("0 1")
#define PUB_VIDEO(port, dir)                                                                       \
    "m=video " port " UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 127.0.0.1\r\na=" dir                        \
    "\r\na=mid:1\r\n" CREDS                                                                        \
    "a=setup:active\r\na=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 ccm fir\r\na=rtcp-fb:96 nack\r\n"     \
    "a=rtcp-fb:96 nack pli\r\na=rtcp-fb:96 goog-remb\r\na=rtcp-fb:96 transport-cc\r\n"             \
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"                                           \
    "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\n"                                \
    "a=msid:janus janus1\r\na=ssrc:590905418 cname:janus\r\n"
#define RIDS "a=rid:q recv\r\na=rid:h recv\r\na=rid:f recv\r\n"

static int video_of(const char *sdp, unsigned n_layers, uint8_t *mid, uint8_t *rid)
{
    char err[SDP_ERR_MAX];
    if (sdp_parse(a, sdp, strlen(sdp), err) != 0)
        fail_msg("%s", err);
    *mid = *rid = 0xff;
    return lg_sdp_publish_video(a, n_layers, mid, rid);
}

/* Janus's answer takes the three rids with the mid and rid extensions;
 * anything that would leave a layer out is refused. */
static void publish_answer_video(void **state)
{
    (void)state;
    uint8_t mid, rid, level;
    struct lg_remote r;
    static const char whole[] =
        PUB_HEAD PUB_VIDEO("9", "recvonly") RIDS "a=simulcast:recv q;h;f\r\n" CAND;
    assert_int_equal(video_of(whole, 3, &mid, &rid), 0);
    assert_int_equal(mid, 4);
    assert_int_equal(rid, 10);
    assert_int_equal(lg_sdp_publish_remote(a, &r, &level, &mid), 0);
    assert_true(r.dtls_server);
    assert_int_equal(ntohs(r.addr.sin_port), 21698);
    /* one layer needs no rid */
    assert_int_equal(video_of(whole, 1, &mid, &rid), 0);
    /* the layers in another order are still all taken */
    static const char reordered[] =
        PUB_HEAD PUB_VIDEO("9", "recvonly") RIDS "a=simulcast:recv f;q;h\r\n" CAND;
    assert_int_equal(video_of(reordered, 3, &mid, &rid), 0);
    static const char no_simulcast[] = PUB_HEAD PUB_VIDEO("9", "recvonly") CAND;
    assert_int_equal(video_of(no_simulcast, 3, &mid, &rid), ERR_NOTFOUND);
    assert_int_equal(mid, 0xff); /* nothing written */
    static const char two[] = PUB_HEAD PUB_VIDEO(
        "9", "recvonly") "a=rid:q recv\r\na=rid:h recv\r\na=simulcast:recv q;h\r\n" CAND;
    assert_int_equal(video_of(two, 3, &mid, &rid), ERR_NOTFOUND);
    static const char twice[] =
        PUB_HEAD PUB_VIDEO("9", "recvonly") RIDS "a=simulcast:recv q;q;h\r\n" CAND;
    assert_int_equal(video_of(twice, 3, &mid, &rid), ERR_NOTFOUND);
    static const char paused[] =
        PUB_HEAD PUB_VIDEO("9", "recvonly") RIDS "a=simulcast:recv q;h;~f\r\n" CAND;
    assert_int_equal(video_of(paused, 3, &mid, &rid), ERR_NOTFOUND);
    static const char refused[] = PUB_HEAD PUB_VIDEO("0", "inactive");
    assert_int_equal(video_of(refused, 3, &mid, &rid), ERR_PROTO);
    static const char no_video[] = PUB_HEAD_B("0");
    assert_int_equal(video_of(no_video, 1, &mid, &rid), ERR_PROTO);
}

#define SUB_CREDS                                                                                  \
    "a=rtcp-mux\r\na=ice-ufrag:oIGh\r\na=ice-pwd:JiMKRe7Jqxgeba6hVdwtVx\r\n"                       \
    "a=ice-options:trickle\r\na=setup:actpass\r\n"
#define SUB_CAND                                                                                   \
    "a=candidate:1 1 udp 2015363583 10.78.0.1 21482 typ host\r\na=end-of-candidates\r\n"
#define SUB_AUDIO(mid, ssrc)                                                                       \
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 127.0.0.1\r\na=sendonly\r\na=mid:" mid            \
    "\r\n" SUB_CREDS "a=rtpmap:111 opus/48000/2\r\na=rtcp-fb:111 transport-cc\r\n"                 \
    "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"                                   \
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\na=fmtp:111 useinbandfec=1\r\n"              \
    "a=msid:janus janus" mid "\r\na=ssrc:" ssrc " cname:janus\r\n" SUB_CAND
#define SUB_VIDEO(mid, ssrc, rtx)                                                                  \
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\nc=IN IP4 127.0.0.1\r\na=sendonly\r\na=mid:" mid          \
    "\r\n" SUB_CREDS "a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 ccm fir\r\na=rtcp-fb:96 nack\r\n"      \
    "a=rtcp-fb:96 nack pli\r\na=rtcp-fb:96 goog-remb\r\na=rtcp-fb:96 transport-cc\r\n"             \
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"                    \
    "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"     \
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"                                           \
    "a=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\na=ssrc-group:FID " ssrc " " rtx "\r\n"           \
    "a=msid:janus janus" mid "\r\na=ssrc:" ssrc " cname:janus\r\na=ssrc:" rtx                      \
    " cname:janus\r\n" SUB_CAND

/* Janus's offer for two feeds (audio and camera each, VP8 with RTX): the
 * answer receives all four m-lines and keeps Janus's extension ids; VP8
 * alone with PLI and FIR without feedback, with RTX, NACK and transport-cc
 * with it. */
static void subscriber_offer_answered(void **state)
{
    (void)state;
    char err[SDP_ERR_MAX];
    static const char offer[] =
        "v=0\r\no=- 1796514264287676 1 IN IP4 127.0.0.1\r\ns=VideoRoom 1\r\nt=0 0\r\n"
        "a=group:BUNDLE 0 1 2 3\r\na=ice-options:trickle\r\na=fingerprint:sha-256 " FP "\r\n"
        "a=extmap-allow-mixed\r\na=msid-semantic: WMS *\r\n" SUB_AUDIO("0", "3927199038")
            SUB_VIDEO("1", "2309277677", "3462648206") SUB_AUDIO("2", "2810778500")
                SUB_VIDEO("3", "3100841639", "740272377");
    struct lg_remote r;
    assert_int_equal(sdp_parse(a, offer, sizeof offer - 1, err), 0);
    assert_int_equal(lg_sdp_remote(a, &r), 0);
    assert_false(r.dtls_server);
    assert_string_equal(r.ufrag, "oIGh");
    assert_int_equal(ntohs(r.addr.sin_port), 21482);
    assert_int_equal(ntohl(r.addr.sin_addr.s_addr), 0x0a4e0001);
    /* Without feedback (--no-feedback) VP8 alone with PLI and FIR; with it
     * (the default) also RTX, generic NACK and transport-cc. */
    for (int feedback = 0; feedback < 2; feedback++) {
        int n = lg_sdp_subscribe_answer(text, sizeof text, a, &peer, FP, feedback == 1);
        assert_true(n > 0);
        assert_int_equal(sdp_parse(b, text, (size_t)n, err), 0);
        assert_int_equal(b->n_media, 4);
        assert_int_equal(b->n_bundle, 4);
        for (size_t i = 0; i < 4; i++) {
            const struct sdp_media *m = &b->media[i];
            assert_string_equal(m->mid, a->media[i].mid);
            assert_int_equal(m->dir, SDP_DIR_RECVONLY);
            assert_int_equal(m->setup, SDP_SETUP_ACTIVE);
            assert_int_equal(m->n_codecs, feedback && i % 2 ? 2 : 1);
            assert_int_equal(m->n_ssrcs, 0);
            assert_int_equal(sdp_find_ext(m, SDP_EXT_MID), 4);
            if (i % 2 == 0) {
                assert_int_equal(m->codecs[0].id, SDP_CODEC_OPUS);
                continue;
            }
            assert_int_equal(m->codecs[0].id, SDP_CODEC_VP8);
            assert_int_equal(m->codecs[0].pt, 96);
            assert_int_equal(m->codecs[0].fb,
                             feedback ? SDP_FB_NACK | SDP_FB_NACK_PLI | SDP_FB_CCM_FIR | SDP_FB_TWCC
                                      : SDP_FB_NACK_PLI | SDP_FB_CCM_FIR);
            assert_int_equal(sdp_find_rtx(m, 96), feedback ? 97 : -1);
            assert_int_equal(sdp_find_ext(m, SDP_EXT_ABS_SEND_TIME), 2);
            assert_int_equal(sdp_find_ext(m, SDP_EXT_TWCC), feedback ? 3 : 0);
        }
    }
}

/* ---- video as Janus forwards it ---- */

/* Janus's rewriting of one subscription (janus_rtp_header_update and
 * janus_vp8_simulcast_descriptor_update): its own SSRC; sequence numbers,
 * timestamps, PictureIDs and TL0PICIDX continuing across a switch of
 * substream, which happens on the first packet of a keyframe of the
 * target substream. */
struct janus_fwd {
    int layer, target; /* forwarded, wanted; -1: none yet */
    uint16_t seq, seq_base, seq_prev;
    uint32_t ts, ts_base, ts_prev;
    uint16_t pid, pid_base, pid_prev;
    uint8_t tl0, tl0_base, tl0_prev;
    unsigned frames; /* forwarded, counted by marker bit */
};

/* Rewrites pkt (the sender's, no header extension) when Janus forwards it;
 * returns whether it does. */
static bool janus_forward(struct janus_fwd *j, unsigned layer, uint8_t *pkt, size_t len)
{
    struct rtp_packet p;
    struct rtp_vp8_desc d;
    assert_int_equal(rtp_parse(&p, pkt, len), 0);
    assert_int_equal(rtp_vp8_parse(&d, p.payload, p.payload_len), 0);
    assert_true(d.has_picture_id && d.picture_id_15 && d.has_tl0picidx);
    assert_int_equal(p.payload - pkt, 12);
    if ((int)layer != j->layer) {
        if ((int)layer > j->target || !d.keyframe || (j->layer >= 0 && (int)layer < j->layer))
            return false;
        j->layer = (int)layer; /* switch: the new substream continues the old one */
        j->seq_prev = j->seq, j->seq_base = p.seq;
        j->ts_prev = j->ts + 3000, j->ts_base = p.timestamp;
        j->pid_prev = j->pid, j->pid_base = d.picture_id;
        j->tl0_prev = j->tl0, j->tl0_base = d.tl0picidx;
    }
    j->seq = (uint16_t)(p.seq - j->seq_base + j->seq_prev + 1);
    j->ts = p.timestamp - j->ts_base + j->ts_prev;
    j->pid = (uint16_t)((d.picture_id - j->pid_base + j->pid_prev + 1) & 0x7fff);
    j->tl0 = (uint8_t)(d.tl0picidx - j->tl0_base + j->tl0_prev + 1);
    assert_int_equal(rtp_set_ssrc(pkt, len, 0x89bb7eed), 0);
    assert_int_equal(rtp_set_seq(pkt, len, j->seq), 0);
    assert_int_equal(rtp_set_timestamp(pkt, len, j->ts), 0);
    pkt[14] = (uint8_t)(0x80 | j->pid >> 8);
    pkt[15] = (uint8_t)j->pid;
    pkt[16] = j->tl0;
    j->frames += p.marker;
    return true;
}

/* Janus starts on the lowest layer and climbs one substream per keyframe
 * to the top one asked for, renumbering everything: the checker decodes
 * every forwarded frame with nothing corrupt, lost or missing. */
static void janus_forwarding_checked(void **state)
{
    (void)state;
    struct lg_vp8_send *s[3];
    struct lg_vp8_recv *r;
    struct lg_vp8_recv_stats st;
    struct janus_fwd j = {.layer = -1, .target = 0, .seq = 999, .ts = 12345, .pid = 77, .tl0 = 9};
    static uint8_t buf[64][STRIDE];
    size_t lens[64];
    const struct lg_vp8_recv_cfg rc = {
        .clip = clip, .decode = true, .check_participant = true, .participant = 5};

    assert_int_equal(lg_vp8_recv_create(&r, &rc), 0);
    for (unsigned k = 0; k < 3; k++) {
        const struct lg_vp8_send_cfg sc = {.clip = clip,
                                           .layer = k,
                                           .participant = 5,
                                           .ssrc = 0x500 + k,
                                           .pt = 96,
                                           .first_seq = (uint16_t)(65000 + 300 * k),
                                           .ts_offset = 0x10000000u * k,
                                           .first_picture_id = (uint16_t)(0x7ff0 + 1000 * k)};
        assert_int_equal(lg_vp8_send_create(&s[k], &sc), 0);
    }
    uint64_t t = 1000000;
    for (unsigned f = 0; f < 3 * K + 3; f++, t += FRAME_US) {
        j.target = f < K ? 0 : f < 2 * K ? 1 : 2;
        for (unsigned k = 0; k < 3; k++) {
            struct lg_vp8_burst bu = {.buf = &buf[0][0], .stride = STRIDE, .max = 64, .len = lens};
            assert_int_equal(lg_vp8_send_frame(s[k], t, &bu), 0);
            for (size_t i = 0; i < bu.n; i++)
                if (janus_forward(&j, k, buf[i], lens[i]))
                    assert_int_equal(lg_vp8_recv_input(r, t + 500, buf[i], lens[i]), 0);
        }
    }
    lg_vp8_recv_stats(r, t, &st);
    assert_int_equal(j.layer, 2);
    assert_int_equal(st.decoded, j.frames);
    assert_int_equal(st.corrupt + st.decode_errors + st.lost + st.missing + st.incomplete, 0);
    assert_int_equal(st.skipped + st.foreign + st.invalid + st.duplicates, 0);
    assert_int_equal(st.layer_switches, 2);
    assert_int_equal(st.layer, 2);
    assert_false(lg_vp8_recv_keyframe_wanted(r));
    lg_vp8_recv_destroy(r);
    for (unsigned k = 0; k < 3; k++)
        lg_vp8_send_destroy(s[k]);
}

/* Janus asks every layer of a simulcast publisher for a keyframe, one PLI
 * per SSRC (and FIR where it is negotiated): each layer's next frame is
 * a keyframe. */
static void janus_pli_every_layer(void **state)
{
    (void)state;
    struct lg_video_pub v = {.n_layers = 3, .ssrc = {0x1000, 0x1001, 0x1002}};
    uint8_t rtcp[256];
    struct wr w;
    static uint8_t buf[64][STRIDE];
    size_t lens[64];

    assert_int_equal(lg_video_pub_start(&v, clip, 5, 4, 10, 0), 0);
    for (unsigned k = 0; k < 3; k++) { /* past the first keyframe */
        struct lg_vp8_burst bu = {.buf = &buf[0][0], .stride = STRIDE, .max = 64, .len = lens};
        assert_int_equal(lg_vp8_send_frame(v.send[k], 0, &bu), 0);
        assert_true(bu.key);
        assert_int_equal(lg_vp8_send_frame(v.send[k], FRAME_US, &bu), 0);
        assert_false(bu.key);
    }
    wr_init(&w, rtcp, sizeof rtcp);
    for (unsigned k = 0; k < 3; k++)
        assert_int_equal(rtcp_build_pli(&w, 1, v.ssrc[k]), 0);
    assert_true(wr_ok(&w));
    assert_int_equal(lg_video_pub_rtcp(&v, rtcp, (size_t)(w.p - rtcp)), 3);
    assert_int_equal(v.keyframe_requests, 3);
    const struct rtcp_fir_entry fir = {.ssrc = 0x1002, .seq = 1};
    wr_init(&w, rtcp, sizeof rtcp);
    assert_int_equal(rtcp_build_fir(&w, 1, &fir, 1), 0);
    assert_int_equal(lg_video_pub_rtcp(&v, rtcp, (size_t)(w.p - rtcp)), 1);
    for (unsigned k = 0; k < 3; k++) {
        struct lg_vp8_burst bu = {.buf = &buf[0][0], .stride = STRIDE, .max = 64, .len = lens};
        assert_int_equal(lg_vp8_send_frame(v.send[k], 2 * FRAME_US, &bu), 0);
        assert_true(bu.key);
        assert_int_equal(bu.pos, K);
    }
    lg_video_pub_free(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(publish_names_rid_order),  cmocka_unit_test(subscriber_asks_top_layer),
        cmocka_unit_test(publish_answer_video),     cmocka_unit_test(subscriber_offer_answered),
        cmocka_unit_test(janus_forwarding_checked), cmocka_unit_test(janus_pli_every_layer),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
