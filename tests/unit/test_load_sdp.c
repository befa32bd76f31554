/* Tests for tests/load/load_sdp.c: the generator's publish offer is what the
 * server answers, its subscribe answer is what the server parses, and the
 * server's side is read from its SDP. */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/err.h"
#include "tests/load/load_sdp.h"
#include "tests/load/load_video.h"

#define FP                                                                                         \
    "9E:73:36:00:CC:18:13:22:7C:A3:7F:7D:5D:0E:95:D2:0F:59:45:BD:AE:13:A1:1D:39:FA:02:6A:3B:12:"   \
    "64:07"

static struct sdp_session *a, *b;
static struct lg_peer peer;
static char text[LG_SDP_MAX], server_text[LG_SDP_MAX];

static const struct sdp_local_candidate CANDS[] = {
    {SDP_TRANSPORT_TCP, "127.0.0.1", 4000},
    {SDP_TRANSPORT_UDP, "::1", 4001},
    {SDP_TRANSPORT_UDP, "127.0.0.1", 4002},
};

static int setup(void **state)
{
    (void)state;
    a = calloc(1, sizeof *a);
    b = calloc(1, sizeof *b);
    return a && b && lg_peer_init(&peer) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(a);
    free(b);
    return 0;
}

static const struct sdp_local SERVER = {
    .ice_ufrag = "srvU",
    .ice_pwd = "ServerIcePasswordLong24x",
    .fingerprint_alg = "sha-256",
    .fingerprint = FP,
    .session_id = 1,
    .session_version = 1,
    .candidates = CANDS,
    .n_candidates = 3,
};

static void publish_offer_answered(void **state)
{
    (void)state;
    char err[SDP_ERR_MAX];
    int n = lg_sdp_publish_offer(text, sizeof text, &peer, FP, 0xabcdef01u, 3, NULL, false);
    assert_true(n > 0);
    assert_int_equal(sdp_parse(a, text, (size_t)n, err), 0);
    assert_int_equal(a->n_media, 1);
    assert_int_equal(a->media[0].setup, SDP_SETUP_ACTPASS);
    assert_true(a->media[0].rtcp_mux);
    assert_string_equal(a->media[0].ice_ufrag, peer.ufrag);
    assert_string_equal(a->media[0].ice_pwd, peer.pwd);
    assert_string_equal(a->media[0].fingerprint.value, FP);
    assert_string_equal(a->media[0].proto, "UDP/TLS/RTP/SAVPF");
    assert_int_equal(a->media[0].ssrcs[0].ssrc, 0xabcdef01u);

    static struct sdp_answer_info info;
    size_t len;
    assert_int_equal(sdp_build_answer(a, &SERVER, server_text, sizeof server_text, &len, &info), 0);
    assert_int_equal(info.n_accepted, 1);
    assert_int_equal(info.media[0].codec, SDP_CODEC_OPUS);
    assert_int_equal(info.media[0].dir, SDP_DIR_RECVONLY);
    assert_int_equal(info.media[0].ext.id[SDP_EXT_AUDIO_LEVEL], 1);
    assert_int_equal(info.media[0].ext.id[SDP_EXT_MID], 4);
    assert_int_equal(info.media[0].streams[0].ssrc, 0xabcdef01u);

    /* The server's side, from its answer: the UDP IPv4 candidate. */
    struct lg_remote r;
    assert_int_equal(sdp_parse(b, server_text, len, err), 0);
    assert_int_equal(lg_sdp_remote(b, &r), 0);
    assert_string_equal(r.ufrag, "srvU");
    assert_string_equal(r.pwd, "ServerIcePasswordLong24x");
    assert_string_equal(r.fp_alg, "sha-256");
    assert_string_equal(r.fp, FP);
    assert_int_equal(ntohs(r.addr.sin_port), 4002);
    assert_int_equal(ntohl(r.addr.sin_addr.s_addr), 0x7f000001);
    assert_false(r.dtls_server); /* samtale answers a=setup:passive */
    uint8_t level = 0, mid = 0;
    assert_int_equal(lg_sdp_publish_remote(b, &r, &level, &mid), 0);
    assert_int_equal(level, 1);
    assert_int_equal(mid, 4);

    assert_int_equal(lg_sdp_publish_offer(text, 100, &peer, FP, 1, 3, NULL, false), ERR_TOOBIG);
}

/* Our publish offer with camera v (parsed into a) and the server's answer
 * to it (server_text, *len bytes, described in info). */
static void offer_answered(const struct lg_sdp_video *v, bool feedback,
                           struct sdp_answer_info *info, size_t *len)
{
    char err[SDP_ERR_MAX];
    int n = lg_sdp_publish_offer(text, sizeof text, &peer, FP, 7, 3, v, feedback);
    assert_true(n > 0);
    assert_int_equal(sdp_parse(a, text, (size_t)n, err), 0);
    assert_int_equal(sdp_build_answer(a, &SERVER, server_text, sizeof server_text, len, info), 0);
}

/* Simulcast as Chromium offers it: the server takes three rids, lowest
 * first, with the mid and rid extensions; no SSRCs are announced. */
static void publish_offer_simulcast(void **state)
{
    (void)state;
    char err[SDP_ERR_MAX];
    static struct sdp_answer_info info;
    size_t len;
    const uint32_t ssrcs[3] = {101, 102, 103};
    const struct lg_sdp_video v = {.n_layers = 3, .ssrc = ssrcs};
    int n = lg_sdp_publish_offer(text, sizeof text, &peer, FP, 7, 3, &v, false);
    assert_true(n > 0);
    assert_int_equal(sdp_parse(a, text, (size_t)n, err), 0);
    assert_int_equal(a->n_media, 2);
    assert_int_equal(a->n_bundle, 2);
    assert_int_equal(sdp_build_answer(a, &SERVER, server_text, sizeof server_text, &len, &info), 0);
    assert_int_equal(info.n_accepted, 2);
    const struct sdp_answer_media *vm = &info.media[1];
    assert_string_equal(vm->mid, LG_VIDEO_MID);
    assert_int_equal(vm->codec, SDP_CODEC_VP8);
    assert_int_equal(vm->pt, LG_VIDEO_PT);
    assert_int_equal(vm->rtx_pt, -1);
    assert_int_equal(vm->dir, SDP_DIR_RECVONLY);
    assert_int_equal(vm->n_rids, 3);
    assert_string_equal(vm->rids[0], "q");
    assert_string_equal(vm->rids[2], "f");
    assert_int_equal(vm->n_streams, 0);
    assert_int_equal(vm->ext.id[SDP_EXT_MID], 4);
    assert_int_equal(vm->ext.id[SDP_EXT_RID], 10);
    /* The answer names the same extension ids for the generator to use. */
    assert_int_equal(sdp_parse(b, server_text, len, err), 0);
    const struct sdp_media *bm = sdp_find_mid(b, LG_VIDEO_MID);
    assert_non_null(bm);
    assert_int_equal(sdp_find_ext(bm, SDP_EXT_RID), 10);
    assert_int_equal(sdp_find_ext(bm, SDP_EXT_MID), 4);
}

static void publish_offer_one_layer(void **state)
{
    (void)state;
    static struct sdp_answer_info info;
    size_t len;
    const uint32_t ssrcs[1] = {0x55667788u};
    const struct lg_sdp_video v = {.n_layers = 1, .ssrc = ssrcs};
    offer_answered(&v, false, &info, &len);
    assert_int_equal(info.n_accepted, 2);
    assert_int_equal(info.media[1].n_rids, 0);
    assert_int_equal(info.media[1].n_streams, 1);
    assert_int_equal(info.media[1].streams[0].ssrc, 0x55667788u);
}

/* The server's subscribe offer of `media` (into a) and the generator's
 * answer to it (text, parsed into b); returns the answer's length. */
static int answer_server_offer_fb(const struct sdp_offer_media *media, size_t n_media, bool fb)
{
    char err[SDP_ERR_MAX];
    struct sdp_offer_spec spec = {
        .ice_ufrag = "srvU",
        .ice_pwd = "ServerIcePasswordLong24x",
        .fingerprint_alg = "sha-256",
        .fingerprint = FP,
        .session_id = 5,
        .session_version = 2,
        .cname = "samtale",
        .candidates = CANDS,
        .n_candidates = 3,
        .media = media,
        .n_media = n_media,
    };
    size_t len;
    assert_int_equal(sdp_build_offer(&spec, server_text, sizeof server_text, &len), 0);
    assert_int_equal(sdp_parse(a, server_text, len, err), 0);
    int n = lg_sdp_subscribe_answer(text, sizeof text, a, &peer, FP, fb);
    assert_true(n > 0);
    assert_int_equal(sdp_parse(b, text, (size_t)n, err), 0);
    return n;
}

static int answer_server_offer(const struct sdp_offer_media *media, size_t n_media)
{
    return answer_server_offer_fb(media, n_media, false);
}

/* With feedback, simulcast as Chromium offers it: the server keeps RTX,
 * transport-cc and the repaired-rtp-stream-id extension, and the
 * generator reads them back from its answer. */
static void publish_offer_feedback_simulcast(void **state)
{
    (void)state;
    char err[SDP_ERR_MAX];
    static struct sdp_answer_info info;
    size_t len;
    const uint32_t ssrcs[3] = {101, 102, 103};
    const struct lg_sdp_video v = {.n_layers = 3, .ssrc = ssrcs};
    offer_answered(&v, true, &info, &len);
    assert_int_equal(info.n_accepted, 2);
    assert_int_equal(sdp_answer_cc(&info), SDP_CC_TWCC);
    const struct sdp_answer_media *vm = &info.media[1];
    assert_int_equal(vm->rtx_pt, LG_VIDEO_RTX_PT);
    assert_true(vm->fb & SDP_FB_NACK);
    assert_true(vm->fb & SDP_FB_TWCC);
    assert_int_equal(vm->ext.id[SDP_EXT_RRID], LG_EXT_RRID);
    assert_int_equal(vm->ext.id[SDP_EXT_TWCC], LG_EXT_TWCC);
    assert_int_equal(info.media[0].ext.id[SDP_EXT_TWCC], LG_EXT_TWCC);
    assert_int_equal(sdp_parse(b, server_text, len, err), 0);
    struct lg_pub_feedback fb;
    lg_sdp_publish_feedback(b, &fb);
    assert_int_equal(fb.ext_twcc, LG_EXT_TWCC);
    assert_int_equal(fb.ext_rrid, LG_EXT_RRID);
    assert_int_equal(fb.rtx_pt, LG_VIDEO_RTX_PT);
    /* Without feedback none of it. */
    offer_answered(&v, false, &info, &len);
    assert_int_equal(sdp_answer_cc(&info), SDP_CC_NONE);
    assert_int_equal(sdp_parse(b, server_text, len, err), 0);
    lg_sdp_publish_feedback(b, &fb);
    assert_int_equal(fb.ext_twcc, 0);
    assert_int_equal(fb.ext_rrid, 0);
    assert_int_equal(fb.rtx_pt, -1);
}

/* One layer announces its RTX SSRC in a FID group (RFC 5576). */
static void publish_offer_feedback_one_layer(void **state)
{
    (void)state;
    static struct sdp_answer_info info;
    size_t len;
    const uint32_t ssrcs[1] = {0x55667788u}, rtx[1] = {0x55667789u};
    const struct lg_sdp_video v = {.n_layers = 1, .ssrc = ssrcs, .rtx_ssrc = rtx};
    offer_answered(&v, true, &info, &len);
    assert_int_equal(info.media[1].n_streams, 1);
    assert_int_equal(info.media[1].streams[0].ssrc, 0x55667788u);
    assert_int_equal(info.media[1].streams[0].rtx_ssrc, 0x55667789u);
    assert_int_equal(info.media[1].rtx_pt, LG_VIDEO_RTX_PT);
}

/* With feedback the answer takes the offered RTX, NACK and transport-cc,
 * and the offer's RTX streams and transport-wide id are read for the
 * media thread. */
static void subscribe_answer_feedback(void **state)
{
    (void)state;
    struct sdp_offer_media media[] = {
        {.kind = SDP_KIND_AUDIO,
         .mid = "0",
         .dir = SDP_DIR_SENDONLY,
         .codec = SDP_CODEC_OPUS,
         .pt = 111,
         .rtx_pt = -1,
         .ssrc = 11,
         .stream_id = "s",
         .track_id = "a"},
        {.kind = SDP_KIND_VIDEO,
         .mid = "1",
         .dir = SDP_DIR_SENDONLY,
         .codec = SDP_CODEC_VP8,
         .pt = 96,
         .rtx_pt = 97,
         .fb = SDP_FB_NACK | SDP_FB_NACK_PLI | SDP_FB_CCM_FIR | SDP_FB_TWCC,
         .ssrc = 21,
         .rtx_ssrc = 22,
         .stream_id = "s",
         .track_id = "t"},
    };
    media[0].ext.id[SDP_EXT_TWCC] = 3;
    media[1].ext.id[SDP_EXT_TWCC] = 3;
    assert_true(answer_server_offer_fb(media, 2, true) > 0);
    const struct sdp_media *v = &b->media[1];
    assert_int_equal(sdp_find_rtx(v, 96), 97);
    assert_int_equal(v->codecs[0].fb, SDP_FB_NACK | SDP_FB_NACK_PLI | SDP_FB_CCM_FIR | SDP_FB_TWCC);
    assert_int_equal(sdp_find_ext(v, SDP_EXT_TWCC), 3);
    struct lg_rtx_pair pairs[4];
    uint8_t twcc;
    assert_int_equal(lg_sdp_subscribe_feedback(a, &twcc, pairs, 4), 1);
    assert_int_equal(twcc, 3);
    assert_int_equal(pairs[0].ssrc, 21);
    assert_int_equal(pairs[0].rtx_ssrc, 22);
    assert_int_equal(pairs[0].pt, 96);
    assert_int_equal(pairs[0].rtx_pt, 97);
    assert_int_equal(lg_sdp_subscribe_feedback(a, &twcc, pairs, 0), 0);
    /* Without feedback: no RTX, no transport-wide extension. */
    assert_true(answer_server_offer_fb(media, 2, false) > 0);
    assert_int_equal(sdp_find_rtx(&b->media[1], 96), -1);
    assert_int_equal(sdp_find_ext(&b->media[1], SDP_EXT_TWCC), 0);
}

/* A server offer with VP8 and RTX: the answer takes VP8 alone, with PLI
 * and FIR feedback. */
static void subscribe_answer_video(void **state)
{
    (void)state;
    const struct sdp_offer_media media[] = {
        {.kind = SDP_KIND_VIDEO,
         .mid = "0",
         .dir = SDP_DIR_SENDONLY,
         .codec = SDP_CODEC_VP8,
         .pt = 96,
         .rtx_pt = 97,
         .fb = SDP_FB_NACK | SDP_FB_NACK_PLI | SDP_FB_CCM_FIR,
         .ssrc = 21,
         .rtx_ssrc = 22,
         .stream_id = "s",
         .track_id = "t"},
    };
    assert_true(answer_server_offer(media, 1) > 0);
    assert_int_equal(b->media[0].n_codecs, 1);
    assert_int_equal(b->media[0].codecs[0].id, SDP_CODEC_VP8);
    assert_int_equal(b->media[0].codecs[0].fb, SDP_FB_NACK_PLI | SDP_FB_CCM_FIR);
    assert_int_equal(sdp_find_rtx(&b->media[0], 96), -1);
}

static void subscribe_answer_parses(void **state)
{
    (void)state;
    struct sdp_ext_ids ext = {0};
    ext.id[SDP_EXT_AUDIO_LEVEL] = 1;
    ext.id[SDP_EXT_MID] = 4;
    const struct sdp_offer_media media[] = {
        {.kind = SDP_KIND_AUDIO,
         .mid = "0",
         .dir = SDP_DIR_SENDONLY,
         .codec = SDP_CODEC_OPUS,
         .pt = 111,
         .rtx_pt = -1,
         .ext = ext,
         .ssrc = 11,
         .stream_id = "s",
         .track_id = "t"},
        {.kind = SDP_KIND_AUDIO,
         .mid = "1",
         .removed = true,
         .dir = SDP_DIR_INACTIVE,
         .codec = SDP_CODEC_OPUS,
         .pt = 111,
         .rtx_pt = -1},
        {.kind = SDP_KIND_AUDIO,
         .mid = "2",
         .dir = SDP_DIR_SENDONLY,
         .codec = SDP_CODEC_OPUS,
         .pt = 111,
         .rtx_pt = -1,
         .ext = ext,
         .ssrc = 12,
         .stream_id = "s2",
         .track_id = "t2"},
    };
    assert_true(answer_server_offer(media, 3) > 0);
    assert_int_equal(b->n_media, 3);
    assert_int_equal(b->n_bundle, 2);
    assert_string_equal(b->bundle[0], "0");
    assert_string_equal(b->bundle[1], "2");
    assert_int_equal(b->media[0].setup, SDP_SETUP_ACTIVE);
    assert_int_equal(b->media[0].dir, SDP_DIR_RECVONLY);
    assert_int_equal(b->media[0].port, 9);
    assert_int_equal(b->media[1].port, 0);
    assert_int_equal(b->media[1].dir, SDP_DIR_INACTIVE);
    assert_int_equal(b->media[2].codecs[0].pt, 111);
    assert_int_equal(b->media[2].codecs[0].id, SDP_CODEC_OPUS);
    assert_int_equal(sdp_find_ext(&b->media[2], SDP_EXT_AUDIO_LEVEL), 1);
    assert_string_equal(b->media[0].ice_ufrag, peer.ufrag);
    assert_string_equal(b->media[0].fingerprint.value, FP);

    struct lg_remote r;
    assert_int_equal(lg_sdp_remote(a, &r), 0);
    assert_int_equal(ntohs(r.addr.sin_port), 4002);
}

/* Janus's answer to our publish offer and its subscriber offer, as Janus
 * 1.1.2 sent them (tests/load/janus/, the fingerprint replaced): it takes
 * our actpass as the DTLS client (a=setup:active), so we serve there, and
 * offers actpass, so we are the client on the subscriber connection. */
#define JANUS_HEAD(v)                                                                              \
    "v=0\r\no=- 1000 2 IN IP4 127.0.0.1\r\ns=VideoRoom 1\r\nt=0 0\r\na=group:BUNDLE 0\r\n"         \
    "a=ice-options:trickle\r\na=fingerprint:sha-256 " FP "\r\na=extmap-allow-mixed\r\n"            \
    "a=msid-semantic: WMS *\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 127.0.0.1\r\na=" v      \
    "\r\na=mid:0\r\na=rtcp-mux\r\na=ice-ufrag:EzDG\r\na=ice-pwd:16rp17GLBT7QzjLAGKnmFj\r\n"        \
    "a=ice-options:trickle\r\n"
#define JANUS_TAIL                                                                                 \
    "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"                                   \
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"                                           \
    "a=msid:janus janus0\r\na=ssrc:483978146 cname:janus\r\n"                                      \
    "a=candidate:1 1 udp 2015363583 10.77.0.1 42689 typ host\r\na=end-of-candidates\r\n"

static void janus_sdp(void **state)
{
    (void)state;
    char err[SDP_ERR_MAX];
    static const char ans[] =
        JANUS_HEAD("recvonly") "a=setup:active\r\na=rtpmap:111 opus/48000/2\r\n"
                               "a=fmtp:111 useinbandfec=1\r\n" JANUS_TAIL;
    struct lg_remote r;
    uint8_t level = 0, mid = 0;
    assert_int_equal(sdp_parse(a, ans, sizeof ans - 1, err), 0);
    assert_int_equal(lg_sdp_publish_remote(a, &r, &level, &mid), 0);
    assert_true(r.dtls_server);
    assert_string_equal(r.ufrag, "EzDG");
    assert_string_equal(r.pwd, "16rp17GLBT7QzjLAGKnmFj");
    assert_string_equal(r.fp, FP);
    assert_int_equal(ntohs(r.addr.sin_port), 42689);
    assert_int_equal(ntohl(r.addr.sin_addr.s_addr), 0x0a4d0001);
    assert_int_equal(level, 1);
    assert_int_equal(mid, 4);

    static const char offer[] =
        JANUS_HEAD("sendonly") "a=setup:actpass\r\na=rtpmap:111 opus/48000/2\r\n"
                               "a=rtcp-fb:111 transport-cc\r\n" JANUS_TAIL
                               "a=fmtp:111 useinbandfec=1\r\n";
    assert_int_equal(sdp_parse(a, offer, sizeof offer - 1, err), 0);
    assert_int_equal(lg_sdp_remote(a, &r), 0);
    assert_false(r.dtls_server);
    int n = lg_sdp_subscribe_answer(text, sizeof text, a, &peer, FP, false);
    assert_true(n > 0);
    assert_int_equal(sdp_parse(b, text, (size_t)n, err), 0);
    assert_int_equal(b->media[0].setup, SDP_SETUP_ACTIVE);
    assert_int_equal(b->media[0].dir, SDP_DIR_RECVONLY);
    assert_string_equal(b->media[0].mid, "0");

    /* the m-line refused */
    static const char refused[] =
        "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=ice-ufrag:EzDG\r\n"
        "a=ice-pwd:16rp17GLBT7QzjLAGKnmFj\r\na=fingerprint:sha-256 " FP "\r\n"
        "m=audio 0 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\n"
        "a=mid:0\r\na=inactive\r\na=rtpmap:111 opus/48000/2\r\n";
    assert_int_equal(sdp_parse(a, refused, sizeof refused - 1, err), 0);
    assert_int_equal(lg_sdp_publish_remote(a, &r, &level, &mid), ERR_PROTO);
}

static void remote_without_udp4(void **state)
{
    (void)state;
    char err[SDP_ERR_MAX];
    static const char only_tcp[] = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
                                   "a=group:BUNDLE 0\r\n"
                                   "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\n"
                                   "a=mid:0\r\na=ice-ufrag:abcd\r\n"
                                   "a=ice-pwd:ServerIcePasswordLong24x\r\n"
                                   "a=fingerprint:sha-256 " FP "\r\n"
                                   "a=setup:passive\r\na=rtpmap:111 opus/48000/2\r\n"
                                   "a=candidate:1 1 tcp 1 127.0.0.1 9 typ host tcptype passive\r\n"
                                   "a=candidate:2 1 udp 1 ::1 9 typ host\r\n";
    struct lg_remote r;
    assert_int_equal(sdp_parse(a, only_tcp, sizeof only_tcp - 1, err), 0);
    assert_int_equal(lg_sdp_remote(a, &r), ERR_NOTFOUND);
    assert_string_equal(r.ufrag, "abcd");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(publish_offer_answered),
        cmocka_unit_test(publish_offer_simulcast),
        cmocka_unit_test(publish_offer_one_layer),
        cmocka_unit_test(publish_offer_feedback_simulcast),
        cmocka_unit_test(publish_offer_feedback_one_layer),
        cmocka_unit_test(subscribe_answer_feedback),
        cmocka_unit_test(subscribe_answer_video),
        cmocka_unit_test(subscribe_answer_parses),
        cmocka_unit_test(remote_without_udp4),
        cmocka_unit_test(janus_sdp),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
