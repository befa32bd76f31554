/* Tests for signaling/sdp: building answers to browser offers and our own offers. */

#include "sdp_fixtures.h"

/* ---- answers ---- */

static void test_answer_chromium_simulcast(void **state)
{
    (void)state;
    struct sdp_local l = local_default();
    parse_fixture("chromium-offer-simulcast.sdp");
    answer_roundtrip(&l);

    assert_int_equal(g_info.n_accepted, 3);
    assert_string_equal(g_answer.bundle[0], "0");
    assert_string_equal(g_answer.bundle[1], "1");
    assert_string_equal(g_answer.bundle[2], "2");
    const struct sdp_answer_media *a = &g_info.media[0], *v = &g_info.media[1];
    assert_int_equal(a->codec, SDP_CODEC_OPUS);
    assert_int_equal(a->pt, 111);
    assert_int_equal(a->rtx_pt, -1);
    assert_int_equal(a->dir, SDP_DIR_RECVONLY);
    assert_int_equal(a->n_streams, 1);
    assert_int_equal(a->streams[0].ssrc, 1016404808u);
    assert_string_equal(a->cname, "aQa3mgDeMyr41xGj");
    assert_int_equal(a->ext.id[SDP_EXT_AUDIO_LEVEL], 1);
    assert_int_equal(a->ext.id[SDP_EXT_MID], 4);
    assert_string_equal(g_answer.media[0].codecs[0].fmtp, "minptime=10;useinbandfec=1");

    assert_int_equal(v->codec, SDP_CODEC_VP8);
    assert_int_equal(v->pt, 96);
    assert_int_equal(v->rtx_pt, 97);
    assert_int_equal(v->fb, SDP_FB_ALL);
    assert_int_equal(v->dir, SDP_DIR_RECVONLY);
    assert_int_equal(v->n_rids, 3);
    assert_string_equal(v->rids[0], "q");
    assert_string_equal(v->rids[1], "h");
    assert_string_equal(v->rids[2], "f");
    assert_int_equal(v->n_streams, 0);
    assert_int_equal(v->ext.id[SDP_EXT_RID], 10);
    assert_int_equal(v->ext.id[SDP_EXT_RRID], 11);
    assert_int_equal(v->ext.id[SDP_EXT_VIDEO_ORIENTATION], 13);
    assert_int_equal(v->ext.id[SDP_EXT_TWCC], 3);
    /* playout-delay, color-space, ...: not answered. */
    assert_int_equal(g_answer.media[1].n_extmaps, 6);
    assert_true(g_info.extmap_allow_mixed && g_answer.extmap_allow_mixed);

    const struct sdp_answer_media *scr = &g_info.media[2];
    assert_int_equal(scr->n_rids, 0);
    assert_int_equal(scr->n_streams, 1);
    assert_int_equal(scr->streams[0].ssrc, 2678412211u);
    assert_int_equal(scr->streams[0].rtx_ssrc, 3264790418u);

    /* Our candidates: UDP host first, TCP passive below every UDP one. */
    const struct sdp_media *am = &g_answer.media[0];
    assert_int_equal(am->port, 40000);
    assert_int_equal(am->candidates[0].transport, SDP_TRANSPORT_UDP);
    assert_int_equal(am->candidates[1].transport, SDP_TRANSPORT_TCP);
    assert_int_equal(am->candidates[1].tcptype, SDP_TCPTYPE_PASSIVE);
    assert_int_equal(am->candidates[1].port, 40001);
    assert_true(am->candidates[0].priority > am->candidates[2].priority);
    assert_true(am->candidates[2].priority > am->candidates[1].priority);
    assert_int_equal(am->candidates[0].priority, 2130706431u);
    assert_null(strstr(g_out, "a=rtcp-fb:111 nack\r\n"));
}

static void test_answer_firefox_simulcast(void **state)
{
    (void)state;
    struct sdp_local l = local_default();
    parse_fixture("firefox-offer-simulcast.sdp");
    answer_roundtrip(&l);

    assert_int_equal(g_info.n_accepted, 3);
    const struct sdp_answer_media *a = &g_info.media[0], *v = &g_info.media[1];
    assert_int_equal(a->pt, 109);
    assert_string_equal(g_answer.media[0].codecs[0].fmtp,
                        "maxplaybackrate=48000;stereo=1;useinbandfec=1");
    assert_int_equal(v->codec, SDP_CODEC_VP8);
    assert_int_equal(v->pt, 120);
    assert_int_equal(v->rtx_pt, 124);
    assert_int_equal(v->n_rids, 3);
    assert_int_equal(v->n_streams, 3);
    assert_int_equal(v->streams[0].ssrc, 25922830u);
    assert_int_equal(v->streams[0].rtx_ssrc, 4104695420u);
    assert_int_equal(v->streams[2].rtx_ssrc, 4231493446u);
    /* The rid extensions were offered sendonly: answered recvonly. */
    const struct sdp_media *av = &g_answer.media[1];
    for (size_t i = 0; i < av->n_extmaps; i++)
        if (av->extmaps[i].ext == SDP_EXT_RID)
            assert_int_equal(av->extmaps[i].dir, SDP_DIR_RECVONLY);
    /* The bundle-only m-line (port 0 in the offer) is accepted. */
    assert_true(g_info.media[2].accepted);
    assert_int_not_equal(g_answer.media[2].port, 0);
    assert_false(g_answer.media[2].bundle_only);
}

static void test_answer_safari_vp8(void **state)
{
    (void)state;
    struct sdp_local l = local_default();
    parse_fixture("safari-ios-offer.sdp");
    answer_roundtrip(&l);
    assert_int_equal(g_info.media[1].codec, SDP_CODEC_VP8);
    assert_int_equal(g_info.media[1].pt, 100);
    assert_int_equal(g_info.media[1].rtx_pt, 101);
    assert_int_equal(g_info.media[1].n_streams, 1);
    assert_int_equal(g_info.media[1].streams[0].rtx_ssrc, 2964318805u);
    assert_int_equal(g_info.media[1].ext.id[SDP_EXT_VIDEO_ORIENTATION], 13);
}

static void test_answer_safari_h264(void **state)
{
    (void)state;
    static const char *const vp8[] = {"a=rtpmap:100 ", "a=rtpmap:127 "};
    struct sdp_local l = local_default();

    load("safari-ios-offer.sdp", g_text2, sizeof g_text2);
    size_t n = drop_lines(g_text2, vp8, 2, g_text);
    parse_ok(&g_offer, g_text, n);
    answer_roundtrip(&l);
    const struct sdp_answer_media *v = &g_info.media[1];
    assert_int_equal(v->codec, SDP_CODEC_H264);
    assert_int_equal(v->pt, 98); /* 96 is high profile 640c1f */
    assert_int_equal(v->rtx_pt, 99);
    const struct sdp_codec *c = &g_answer.media[1].codecs[0];
    assert_int_equal(c->profile_level_id, 0x42e01f);
    assert_int_equal(c->packetization_mode, 1);
    assert_int_equal(c->fb, SDP_FB_ALL);
}

static void test_answer_recvonly_offer(void **state)
{
    (void)state;
    struct sdp_local l = local_default();
    parse_fixture("chromium-recvonly-offer.sdp");
    answer_roundtrip(&l);
    /* A publish connection receives only: nothing flows either way. */
    assert_int_equal(g_info.media[0].dir, SDP_DIR_INACTIVE);
    assert_int_equal(g_info.media[1].dir, SDP_DIR_INACTIVE);
    /* The echo check sends: then the answer is sendonly with our SSRCs. */
    struct sdp_local_track tracks[2] = {{1111, 0, "echo", "echo-audio"},
                                        {2222, 3333, "echo", "echo-video"}};
    l.dir = SDP_DIR_SENDRECV;
    l.tracks = tracks;
    l.n_tracks = 2;
    l.cname = "samtale";
    answer_roundtrip(&l);
    assert_int_equal(g_answer.media[0].dir, SDP_DIR_SENDONLY);
    assert_int_equal(g_answer.media[1].dir, SDP_DIR_SENDONLY);
    const struct sdp_media *v = &g_answer.media[1];
    assert_int_equal(v->n_ssrcs, 2);
    assert_int_equal(v->ssrcs[0].ssrc, 2222);
    assert_string_equal(v->ssrcs[1].cname, "samtale");
    assert_int_equal(v->ssrc_groups[0].ssrcs[1], 3333);
    assert_string_equal(v->msid_track, "echo-video");
}

static void test_answer_echo_sendrecv(void **state)
{
    (void)state;
    struct sdp_local l = local_default();
    struct sdp_local_track tracks[1] = {{4444, 0, "s", "t"}};
    parse_fixture("chromium-offer-simulcast.sdp");
    l.dir = SDP_DIR_SENDRECV;
    l.tracks = tracks;
    l.n_tracks = 1;
    l.cname = "samtale";
    l.opus_dtx = true;
    answer_roundtrip(&l);
    assert_int_equal(g_info.media[0].dir, SDP_DIR_SENDRECV); /* offer sendrecv */
    assert_int_equal(g_info.media[1].dir, SDP_DIR_RECVONLY); /* offer sendonly */
    assert_int_equal(g_answer.media[0].ssrcs[0].ssrc, 4444);
    assert_int_equal(g_answer.media[0].codecs[0].usedtx, 1);
    assert_int_equal(g_answer.media[0].codecs[0].useinbandfec, 1);
}

static void test_answer_datachannel_rejected(void **state)
{
    (void)state;
    struct sdp_local l = local_default();
    parse_fixture("chromium-offer-datachannel.sdp");
    answer_roundtrip(&l);
    assert_int_equal(g_info.n_accepted, 3);
    assert_false(g_info.media[3].accepted);
    assert_string_equal(g_info.media[3].why, "data channels are not supported yet");
    assert_int_equal(g_answer.media[3].port, 0);
    assert_string_equal(g_answer.media[3].mid, "3");
    assert_string_equal(g_answer.media[3].fmt0, "webrtc-datachannel");
    assert_false(sdp_in_bundle(&g_answer, "3"));
    assert_int_equal(g_answer.n_bundle, 3);
}

static void test_answer_audio_only(void **state)
{
    (void)state;
    struct sdp_local l = local_default();
    parse_fixture("chromium-offer-audio-only.sdp");
    answer_roundtrip(&l);
    assert_int_equal(g_info.media[0].pt, 111);
    parse_fixture("firefox-offer-audio-only.sdp");
    answer_roundtrip(&l);
    assert_int_equal(g_info.media[0].pt, 109);
    assert_int_equal(g_answer.media[0].codecs[0].stereo, 1);
    assert_int_equal(g_info.media[0].streams[0].ssrc, g_offer.media[0].ssrcs[0].ssrc);
}

static void test_answer_setup_active(void **state)
{
    (void)state;
    struct sdp_local l = local_default();
    load("chromium-offer-audio-only.sdp", g_text2, sizeof g_text2);
    size_t n = subst(g_text2, "a=setup:actpass", "a=setup:passive", g_text, sizeof g_text);
    parse_ok(&g_offer, g_text, n);
    answer_roundtrip(&l);
    assert_int_equal(g_answer.media[0].setup, SDP_SETUP_ACTIVE);
}

static void test_answer_rejections(void **state)
{
    (void)state;
    struct sdp_local l = local_default();
    load("chromium-offer-simulcast.sdp", g_text2, sizeof g_text2);
    /* mid 2 out of the BUNDLE group; audio without Opus. */
    size_t n = subst(g_text2, "BUNDLE 0 1 2", "BUNDLE 1 0", g_text, sizeof g_text);
    n = subst(g_text, "opus/48000/2", "speex/48000/2", g_text2, sizeof g_text2);
    parse_ok(&g_offer, g_text2, n);
    answer_roundtrip(&l);
    assert_false(g_info.media[0].accepted);
    assert_string_equal(g_info.media[0].why, "no opus/48000/2 offered");
    assert_true(g_info.media[1].accepted);
    assert_false(g_info.media[2].accepted);
    assert_string_equal(g_info.media[2].why, "not in the BUNDLE group");
    assert_int_equal(g_answer.n_bundle, 1);
    assert_string_equal(g_answer.bundle[0], "1");
}

static void test_answer_errors(void **state)
{
    (void)state;
    struct sdp_local l = local_default();
    size_t len;

    parse_fixture("chromium-offer-simulcast.sdp");
    assert_int_equal(sdp_build_answer(&g_offer, &l, g_out, 100, &len, &g_info), ERR_TOOBIG);
    l.ice_pwd = "short";
    assert_int_equal(sdp_build_answer(&g_offer, &l, g_out, sizeof g_out, &len, &g_info), ERR_INVAL);
    l = local_default();
    l.fingerprint = "AA:BB";
    assert_int_equal(sdp_build_answer(&g_offer, &l, g_out, sizeof g_out, &len, NULL), ERR_INVAL);
    l = local_default();
    struct sdp_local_candidate bad = {SDP_TRANSPORT_UDP, "host.example", 1};
    l.candidates = &bad;
    l.n_candidates = 1;
    assert_int_equal(sdp_build_answer(&g_offer, &l, g_out, sizeof g_out, &len, NULL), ERR_INVAL);
    l = local_default();
    g_offer.n_bundle = 0;
    assert_int_equal(sdp_build_answer(&g_offer, &l, g_out, sizeof g_out, &len, &g_info), ERR_PROTO);
    assert_string_equal(g_info.why, "the offer has no a=group:BUNDLE");
}

/* A publisher that offers goog-remb but not transport-cc keeps goog-remb in
 * the answer and gets REMB; with transport-cc it gets transport-cc. */
static void test_answer_congestion_feedback(void **state)
{
    (void)state;
    struct sdp_local l = local_default();
    size_t len;

    parse_fixture("chromium-offer-simulcast.sdp");
    assert_int_equal(sdp_build_answer(&g_offer, &l, g_out, sizeof g_out, &len, &g_info), 0);
    assert_int_equal(sdp_answer_cc(&g_info), SDP_CC_TWCC);
    assert_non_null(strstr(g_out, "a=rtcp-fb:96 transport-cc\r\n"));

    /* Without transport-cc (feedback and extension): REMB. */
    static const char *const twcc[] = {"a=rtcp-fb:", "a=extmap:3 "};
    load("chromium-offer-simulcast.sdp", g_text2, sizeof g_text2);
    size_t n = subst(g_text2, " transport-cc\r\n", " nack\r\n", g_text, sizeof g_text);
    n = drop_lines(g_text, &twcc[1], 1, g_text2);
    parse_ok(&g_offer, g_text2, n);
    assert_int_equal(sdp_find_ext(&g_offer.media[1], SDP_EXT_TWCC), 0);
    assert_int_equal(sdp_build_answer(&g_offer, &l, g_out, sizeof g_out, &len, &g_info), 0);
    assert_int_equal(sdp_answer_cc(&g_info), SDP_CC_REMB);
    assert_true(g_info.media[1].fb & SDP_FB_GOOG_REMB);
    assert_false(g_info.media[1].fb & SDP_FB_TWCC);
    assert_non_null(strstr(g_out, "a=rtcp-fb:96 goog-remb\r\n"));
    assert_null(strstr(g_out, "transport-cc"));
    assert_null(strstr(g_out, "transport-wide-cc"));

    /* The extension alone is not transport-cc. */
    n = subst(g_text2, "a=mid:1\r\n",
              "a=mid:1\r\na=extmap:3 "
              "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n",
              g_text, sizeof g_text);
    parse_ok(&g_offer, g_text, n);
    assert_int_equal(sdp_build_answer(&g_offer, &l, g_out, sizeof g_out, &len, &g_info), 0);
    assert_int_equal(g_info.media[1].ext.id[SDP_EXT_TWCC], 3);
    assert_int_equal(sdp_answer_cc(&g_info), SDP_CC_REMB);

    /* Neither: nothing to send (and nothing we receive on counts). */
    n = drop_lines(g_text2, twcc, 1, g_text);
    parse_ok(&g_offer, g_text, n);
    assert_int_equal(sdp_build_answer(&g_offer, &l, g_out, sizeof g_out, &len, &g_info), 0);
    assert_int_equal(sdp_answer_cc(&g_info), SDP_CC_NONE);
    assert_null(strstr(g_out, "goog-remb"));
    g_info.n_media = 0;
    assert_int_equal(sdp_answer_cc(&g_info), SDP_CC_NONE);
}

/* ---- offers ---- */

static struct sdp_offer_media offer_media[4];

static struct sdp_offer_spec offer_spec(size_t n)
{
    struct sdp_offer_spec spec;

    memset(&spec, 0, sizeof spec);
    spec.ice_ufrag = "subUfrag";
    spec.ice_pwd = "SubscribePasswordLong24x";
    spec.fingerprint_alg = "sha-256";
    spec.fingerprint = FP_SHA256;
    spec.session_id = 42;
    spec.session_version = 1;
    spec.cname = "samtale-sfu";
    spec.extmap_allow_mixed = true;
    spec.candidates = local_cands;
    spec.n_candidates = 2;
    spec.media = offer_media;
    spec.n_media = n;
    return spec;
}

static void offer_setup(void)
{
    memset(offer_media, 0, sizeof offer_media);
    struct sdp_offer_media *a = &offer_media[0], *v = &offer_media[1], *h = &offer_media[2];
    a->kind = SDP_KIND_AUDIO;
    a->mid = "a1";
    a->dir = SDP_DIR_SENDONLY;
    a->codec = SDP_CODEC_OPUS;
    a->pt = 111;
    a->rtx_pt = -1;
    a->fb = SDP_FB_TWCC;
    a->ext.id[SDP_EXT_MID] = 1;
    a->ext.id[SDP_EXT_AUDIO_LEVEL] = 2;
    a->ssrc = 1001;
    a->stream_id = "alice";
    a->track_id = "alice-mic";
    v->kind = SDP_KIND_VIDEO;
    v->mid = "v1";
    v->dir = SDP_DIR_SENDONLY;
    v->codec = SDP_CODEC_VP8;
    v->pt = 96;
    v->rtx_pt = 97;
    v->fb = SDP_FB_ALL;
    v->ext.id[SDP_EXT_MID] = 1;
    v->ext.id[SDP_EXT_TWCC] = 3;
    v->ext.id[SDP_EXT_VIDEO_ORIENTATION] = 13;
    v->ssrc = 2001;
    v->rtx_ssrc = 2002;
    v->stream_id = "alice";
    v->track_id = "alice-cam";
    *h = *v;
    h->mid = "v2";
    h->codec = SDP_CODEC_H264;
    h->pt = 102;
    h->rtx_pt = 103;
    h->ssrc = 3001;
    h->rtx_ssrc = 3002;
    h->track_id = "bob-screen";
    h->stream_id = "bob";
}

static void test_offer_build_parse(void **state)
{
    (void)state;
    size_t len;
    offer_setup();
    struct sdp_offer_spec spec = offer_spec(3);

    assert_int_equal(sdp_build_offer(&spec, g_out, sizeof g_out, &len), 0);
    parse_ok(&g_answer, g_out, len);
    const struct sdp_session *s = &g_answer;
    assert_true(s->ice_lite);
    assert_true(s->extmap_allow_mixed);
    assert_int_equal(s->n_bundle, 3);
    assert_string_equal(s->bundle[0], "a1");
    assert_string_equal(s->ice_ufrag, "subUfrag");
    assert_int_equal(s->origin.sess_id, 42);
    assert_int_equal(s->media[0].setup, SDP_SETUP_ACTPASS);
    assert_int_equal(s->media[0].dir, SDP_DIR_SENDONLY);
    assert_int_equal(s->media[0].codecs[0].id, SDP_CODEC_OPUS);
    assert_int_equal(s->media[0].codecs[0].useinbandfec, 1);
    assert_int_equal(sdp_find_ext(&s->media[0], SDP_EXT_AUDIO_LEVEL), 2);
    assert_string_equal(s->media[0].ssrcs[0].cname, "samtale-sfu");
    assert_string_equal(s->media[0].msid_track, "alice-mic");
    const struct sdp_media *v = &s->media[1];
    assert_int_equal(v->n_codecs, 2);
    assert_int_equal(v->codecs[0].fb, SDP_FB_ALL);
    assert_int_equal(sdp_find_rtx(v, 96), 97);
    assert_int_equal(v->n_ssrc_groups, 1);
    assert_int_equal(v->ssrc_groups[0].ssrcs[0], 2001);
    assert_int_equal(v->ssrc_groups[0].ssrcs[1], 2002);
    assert_int_equal(v->n_ssrcs, 2);
    assert_string_equal(v->ssrcs[1].msid_track, "alice-cam");
    assert_int_equal(sdp_find_ext(v, SDP_EXT_VIDEO_ORIENTATION), 13);
    assert_int_equal(v->n_candidates, 2);
    assert_int_equal(v->candidates[1].tcptype, SDP_TCPTYPE_PASSIVE);
    const struct sdp_media *h = &s->media[2];
    assert_int_equal(h->codecs[0].id, SDP_CODEC_H264);
    assert_int_equal(h->codecs[0].profile_level_id, 0x42e01f);
}

static void test_offer_renegotiation(void **state)
{
    (void)state;
    size_t len;
    offer_setup();
    /* Alice's camera went away (inactive, mid kept); Bob's screen ended
     * for good (port 0, mid never reused); a new track gets a new mid. */
    offer_media[1].dir = SDP_DIR_INACTIVE;
    offer_media[2].removed = true;
    offer_media[3] = offer_media[1];
    offer_media[3].mid = "v3";
    offer_media[3].dir = SDP_DIR_SENDONLY;
    offer_media[3].ssrc = 4001;
    offer_media[3].rtx_ssrc = 4002;
    struct sdp_offer_spec spec = offer_spec(4);
    spec.session_version = 2;

    assert_int_equal(sdp_build_offer(&spec, g_out, sizeof g_out, &len), 0);
    parse_ok(&g_answer, g_out, len);
    assert_int_equal(g_answer.n_media, 4);
    assert_int_equal(g_answer.origin.sess_version, 2);
    assert_int_equal(g_answer.n_bundle, 3);
    assert_false(sdp_in_bundle(&g_answer, "v2"));
    assert_int_equal(g_answer.media[1].dir, SDP_DIR_INACTIVE);
    assert_int_equal(g_answer.media[1].n_ssrcs, 0);
    assert_int_not_equal(g_answer.media[1].port, 0);
    assert_int_equal(g_answer.media[2].port, 0);
    assert_string_equal(g_answer.media[2].mid, "v2");
    assert_int_equal(g_answer.media[3].ssrcs[0].ssrc, 4001);

    /* A mid may never be used twice. */
    offer_media[3].mid = "v2";
    assert_int_equal(sdp_build_offer(&spec, g_out, sizeof g_out, &len), ERR_INVAL);
    offer_media[3].mid = "v3";
    offer_media[3].codec = SDP_CODEC_OPUS; /* not a video codec */
    assert_int_equal(sdp_build_offer(&spec, g_out, sizeof g_out, &len), ERR_INVAL);
    offer_media[3].codec = SDP_CODEC_VP8;
    offer_media[3].ext.id[SDP_EXT_RID] = 13; /* same id as video-orientation */
    assert_int_equal(sdp_build_offer(&spec, g_out, sizeof g_out, &len), ERR_INVAL);
    offer_media[3].ext.id[SDP_EXT_RID] = 0;
    assert_int_equal(sdp_build_offer(&spec, g_out, 200, &len), ERR_TOOBIG);
    /* Everything removed: still a valid description. */
    for (size_t i = 0; i < 4; i++)
        offer_media[i].removed = true;
    assert_int_equal(sdp_build_offer(&spec, g_out, sizeof g_out, &len), 0);
    parse_ok(&g_answer, g_out, len);
    assert_int_equal(g_answer.n_bundle, 0);
}

/* An 8-party meeting: the subscribe offer has every participant's
 * microphone, camera and screen (24 m-lines), is parsed back, and answered. */
static void test_offer_eight_parties(void **state)
{
    (void)state;
    enum { PARTIES = 8, LINES = 3 * PARTIES };
    static struct sdp_offer_media media[LINES];
    static char mids[LINES][8], streams[PARTIES][16], tracks[LINES][24];
    size_t len;

    memset(media, 0, sizeof media);
    for (size_t i = 0; i < LINES; i++) {
        struct sdp_offer_media *m = &media[i];
        size_t who = i / 3, what = i % 3;
        snprintf(mids[i], sizeof mids[i], "%zu", i);
        snprintf(streams[who], sizeof streams[who], "participant-%zu", who);
        snprintf(tracks[i], sizeof tracks[i], "%s-%zu", what == 0 ? "mic" : "video", i);
        m->mid = mids[i];
        m->dir = SDP_DIR_SENDONLY;
        m->ssrc = 1000 + (uint32_t)i * 10;
        m->stream_id = streams[who];
        m->track_id = tracks[i];
        m->ext.id[SDP_EXT_ABS_SEND_TIME] = 2;
        m->ext.id[SDP_EXT_TWCC] = 3;
        if (what == 0) {
            m->kind = SDP_KIND_AUDIO;
            m->codec = SDP_CODEC_OPUS;
            m->pt = 111;
            m->rtx_pt = -1;
            m->ext.id[SDP_EXT_AUDIO_LEVEL] = 1;
        } else {
            m->kind = SDP_KIND_VIDEO;
            m->codec = SDP_CODEC_VP8;
            m->pt = 96;
            m->rtx_pt = 97;
            m->rtx_ssrc = m->ssrc + 1;
            m->fb = SDP_FB_NACK | SDP_FB_NACK_PLI | SDP_FB_CCM_FIR | SDP_FB_TWCC;
            m->ext.id[SDP_EXT_VIDEO_ORIENTATION] = 4;
        }
    }
    /* The last participant's screen went away: kept inactive for reuse. */
    media[LINES - 1].dir = SDP_DIR_INACTIVE;
    media[LINES - 1].ssrc = media[LINES - 1].rtx_ssrc = 0;
    media[LINES - 1].stream_id = media[LINES - 1].track_id = NULL;
    struct sdp_offer_spec spec = offer_spec(0);
    spec.media = media;
    spec.n_media = LINES;
    assert_int_equal(sdp_build_offer(&spec, g_out, sizeof g_out, &len), 0);
    print_message("8-party subscribe offer: %zu m-lines, %zu bytes\n", (size_t)LINES, len);
    parse_ok(&g_offer, g_out, len);
    assert_int_equal(g_offer.n_media, LINES);
    assert_int_equal(g_offer.n_bundle, LINES);
    for (size_t i = 0; i < LINES; i++) {
        const struct sdp_media *m = &g_offer.media[i];
        assert_string_equal(m->mid, mids[i]);
        assert_int_equal(m->kind, media[i].kind);
        assert_int_equal(m->codecs[0].pt, media[i].pt);
        assert_int_equal(m->n_codecs, media[i].rtx_pt >= 0 ? 2 : 1);
        assert_int_equal(m->n_candidates + m->n_candidates_dropped, 2);
        if (i == LINES - 1) {
            assert_int_equal(m->dir, SDP_DIR_INACTIVE);
            assert_int_equal(m->n_ssrcs, 0);
            continue;
        }
        assert_int_equal(m->dir, SDP_DIR_SENDONLY);
        assert_int_equal(m->ssrcs[0].ssrc, media[i].ssrc);
        assert_int_equal(m->n_ssrcs, media[i].rtx_ssrc ? 2 : 1);
        assert_string_equal(m->msid_track, tracks[i]);
    }

    /* Answered as a browser would, receive only; the answer parses back. */
    struct sdp_local l = local_default();
    answer_roundtrip(&l);
    assert_int_equal(g_info.n_accepted, LINES);
    assert_int_equal(g_answer.n_media, LINES);
    for (size_t i = 0; i < LINES; i++) {
        assert_int_equal(g_info.media[i].kind, media[i].kind);
        assert_int_equal(g_info.media[i].pt, media[i].pt);
        assert_int_equal(g_info.media[i].dir, i == LINES - 1 ? SDP_DIR_INACTIVE : SDP_DIR_RECVONLY);
        assert_int_equal(g_info.media[i].streams[0].ssrc, i == LINES - 1 ? 0 : media[i].ssrc);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_answer_chromium_simulcast),
        cmocka_unit_test(test_answer_firefox_simulcast),
        cmocka_unit_test(test_answer_safari_vp8),
        cmocka_unit_test(test_answer_safari_h264),
        cmocka_unit_test(test_answer_recvonly_offer),
        cmocka_unit_test(test_answer_echo_sendrecv),
        cmocka_unit_test(test_answer_datachannel_rejected),
        cmocka_unit_test(test_answer_audio_only),
        cmocka_unit_test(test_answer_setup_active),
        cmocka_unit_test(test_answer_rejections),
        cmocka_unit_test(test_answer_errors),
        cmocka_unit_test(test_answer_congestion_feedback),
        cmocka_unit_test(test_offer_build_parse),
        cmocka_unit_test(test_offer_renegotiation),
        cmocka_unit_test(test_offer_eight_parties),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
