/* Tests for signaling/sdp: real browser offers (tests/fixtures/sdp/),
 * answers and offers built and parsed back, and malformed input. */

#include "sdp_fixtures.h"

/* ---- fixtures: parsing ---- */

static void test_parse_chromium_simulcast(void **state)
{
    (void)state;
    parse_fixture("chromium-offer-simulcast.sdp");
    const struct sdp_session *s = &g_offer;

    assert_int_equal(s->n_media, 3);
    assert_int_equal(s->n_bundle, 3);
    assert_string_equal(s->bundle[0], "0");
    assert_string_equal(s->bundle[2], "2");
    assert_string_equal(s->ice_ufrag, "cKoc");
    assert_string_equal(s->ice_pwd, "oJ6XT9jkwJAkWsFtP4mbWU8X");
    assert_string_equal(s->ice_options, "trickle");
    assert_string_equal(s->fingerprint.alg, "sha-256");
    assert_memory_equal(s->fingerprint.value, "2B:8D:6B:28", 11);
    assert_true(s->extmap_allow_mixed);
    assert_string_equal(s->msid_semantic, "WMS");
    assert_false(s->ice_lite);

    const struct sdp_media *a = &s->media[0];
    assert_int_equal(a->kind, SDP_KIND_AUDIO);
    assert_string_equal(a->proto, "UDP/TLS/RTP/SAVPF");
    assert_int_equal(a->dir, SDP_DIR_SENDRECV);
    assert_int_equal(a->setup, SDP_SETUP_ACTPASS);
    assert_true(a->rtcp_mux && a->rtcp_rsize);
    assert_int_equal(a->n_codecs, 8);
    const struct sdp_codec *opus = &a->codecs[0];
    assert_int_equal(opus->pt, 111);
    assert_int_equal(opus->id, SDP_CODEC_OPUS);
    assert_int_equal(opus->clock, 48000);
    assert_int_equal(opus->channels, 2);
    assert_string_equal(opus->fmtp, "minptime=10;useinbandfec=1");
    assert_int_equal(opus->minptime, 10);
    assert_int_equal(opus->useinbandfec, 1);
    assert_int_equal(opus->fb, SDP_FB_TWCC);
    assert_int_equal(sdp_find_ext(a, SDP_EXT_AUDIO_LEVEL), 1);
    assert_int_equal(sdp_find_ext(a, SDP_EXT_ABS_SEND_TIME), 2);
    assert_int_equal(sdp_find_ext(a, SDP_EXT_TWCC), 3);
    assert_int_equal(sdp_find_ext(a, SDP_EXT_MID), 4);
    assert_int_equal(a->n_ssrcs, 1);
    assert_int_equal(a->ssrcs[0].ssrc, 1016404808u);
    assert_string_equal(a->ssrcs[0].cname, "aQa3mgDeMyr41xGj");
    assert_string_equal(a->msid_stream, "07aa2005-e2d1-4d32-a7ee-d0190bc3a321");
    assert_string_equal(a->ssrcs[0].msid_track, "b336d764-22a1-47e2-846d-6f37d208ed14");
    assert_int_equal(a->n_candidates, 8);
    assert_int_equal(count_cands(a, SDP_TRANSPORT_UDP, SDP_TCPTYPE_NONE), 4);
    assert_int_equal(count_cands(a, SDP_TRANSPORT_TCP, SDP_TCPTYPE_ACTIVE), 4);
    assert_string_equal(a->candidates[0].address, "127.0.0.1");
    assert_int_equal(a->candidates[0].port, 41956);
    assert_int_equal(a->candidates[0].priority, 2122194687u);
    assert_int_equal(a->candidates[0].type, SDP_CAND_HOST);
    assert_string_equal(a->candidates[3].address, "2001:db8::a");

    const struct sdp_media *v = &s->media[1];
    assert_int_equal(v->kind, SDP_KIND_VIDEO);
    assert_int_equal(v->dir, SDP_DIR_SENDONLY);
    assert_string_equal(v->mid, "1");
    assert_int_equal(v->n_codecs, 23);
    assert_int_equal(v->codecs[0].id, SDP_CODEC_VP8);
    assert_int_equal(v->codecs[0].pt, 96);
    assert_int_equal(v->codecs[0].fb, SDP_FB_ALL);
    assert_int_equal(sdp_find_rtx(v, 96), 97);
    const struct sdp_codec *h = sdp_find_codec(v, 108);
    assert_int_equal(h->id, SDP_CODEC_H264);
    assert_int_equal(h->profile_level_id, 0x42e01f);
    assert_int_equal(h->packetization_mode, 1);
    assert_int_equal(h->level_asymmetry_allowed, 1);
    assert_int_equal(sdp_find_rtx(v, 108), 109);
    assert_int_equal(sdp_find_ext(v, SDP_EXT_RID), 10);
    assert_int_equal(sdp_find_ext(v, SDP_EXT_RRID), 11);
    assert_int_equal(sdp_find_ext(v, SDP_EXT_VIDEO_ORIENTATION), 13);
    assert_int_equal(v->n_extmaps, 13);
    assert_int_equal(v->n_rids, 3);
    assert_string_equal(v->rids[0].id, "q");
    assert_int_equal(v->rids[2].dir, SDP_RID_SEND);
    assert_true(v->has_simulcast);
    assert_int_equal(v->simulcast.n_send, 3);
    assert_string_equal(v->simulcast.send[1].rid[0], "h");
    assert_int_equal(v->simulcast.n_recv, 0);
    /* Chromium no longer announces SSRCs for a simulcast sender. */
    assert_int_equal(v->n_ssrcs, 0);

    const struct sdp_media *scr = &s->media[2];
    assert_int_equal(scr->n_ssrc_groups, 1);
    assert_string_equal(scr->ssrc_groups[0].semantics, "FID");
    assert_int_equal(scr->ssrc_groups[0].ssrcs[0], 2678412211u);
    assert_int_equal(scr->ssrc_groups[0].ssrcs[1], 3264790418u);
    assert_int_equal(scr->n_ssrcs, 2);
    assert_false(scr->has_simulcast);
}

static void test_parse_chromium_audio_only(void **state)
{
    (void)state;
    parse_fixture("chromium-offer-audio-only.sdp");
    assert_int_equal(g_offer.n_media, 1);
    assert_int_equal(g_offer.n_bundle, 1);
    assert_string_equal(g_offer.bundle[0], "0");
    assert_int_equal(g_offer.media[0].codecs[0].pt, 111);
    assert_int_equal(g_offer.media[0].n_ssrcs, 1);
    assert_int_equal(g_offer.media[0].ssrcs[0].ssrc, 2523426804u);
}

static void test_parse_chromium_recvonly(void **state)
{
    (void)state;
    parse_fixture("chromium-recvonly-offer.sdp");
    assert_int_equal(g_offer.n_media, 2);
    assert_int_equal(g_offer.media[0].dir, SDP_DIR_RECVONLY);
    assert_int_equal(g_offer.media[1].dir, SDP_DIR_RECVONLY);
    /* More payload types than the 32 first planned for SDP_MAX_CODECS. */
    assert_int_equal(g_offer.media[1].n_codecs, 34);
    assert_int_equal(g_offer.media[0].n_ssrcs, 0);
    assert_string_equal(g_offer.msid_semantic, "WMS");
}

static void test_parse_chromium_datachannel(void **state)
{
    (void)state;
    parse_fixture("chromium-offer-datachannel.sdp");
    assert_int_equal(g_offer.n_media, 4);
    const struct sdp_media *d = &g_offer.media[3];
    assert_int_equal(d->kind, SDP_KIND_APPLICATION);
    assert_string_equal(d->proto, "UDP/DTLS/SCTP");
    assert_string_equal(d->fmt0, "webrtc-datachannel");
    assert_int_equal(d->n_codecs, 0);
    assert_int_equal(d->sctp_port, 5000);
    assert_int_equal(d->max_message_size, 262144);
    assert_string_equal(d->mid, "3");
}

static void test_parse_firefox_simulcast(void **state)
{
    (void)state;
    parse_fixture("firefox-offer-simulcast.sdp");
    const struct sdp_session *s = &g_offer;

    assert_int_equal(s->n_media, 3);
    assert_int_equal(s->dir, SDP_DIR_SENDRECV);    /* session-level a=sendrecv */
    assert_string_equal(s->ice_ufrag, "8f338801"); /* media level, lifted */
    assert_string_equal(s->ice_pwd, "23e88f2fe8f2a98c5969b352e11201e1");
    assert_string_equal(s->fingerprint.alg, "sha-256");
    assert_string_equal(s->msid_semantic, "WMS");
    assert_true(s->extmap_allow_mixed); /* on every m-line */
    assert_string_equal(s->media[2].fingerprint.value, s->fingerprint.value);

    const struct sdp_media *a = &s->media[0];
    const struct sdp_codec *opus = sdp_find_codec(a, 109);
    assert_int_equal(opus->id, SDP_CODEC_OPUS);
    assert_int_equal(opus->stereo, 1);
    assert_int_equal(opus->useinbandfec, 1);
    assert_true(a->end_of_candidates);
    assert_int_equal(a->n_candidates, 16);
    assert_int_equal(a->candidates[8].component, 2);
    assert_int_equal(count_cands(a, SDP_TRANSPORT_TCP, SDP_TCPTYPE_ACTIVE), 8);
    assert_string_equal(a->msid_stream, "{a4d16162-dec9-484f-b195-0a127c26943e}");

    const struct sdp_media *v = &s->media[1];
    assert_int_equal(v->codecs[0].id, SDP_CODEC_VP8);
    assert_int_equal(v->codecs[0].pt, 120);
    assert_int_equal(sdp_find_rtx(v, 120), 124);
    assert_null(codec_by_name(v, "H264")); /* no OpenH264 in Debian's Firefox */
    assert_int_equal(sdp_find_ext(v, SDP_EXT_RID), 9);
    assert_int_equal(v->extmaps[6].dir, SDP_DIR_SENDONLY);
    assert_int_equal(v->extmaps[3].dir, SDP_DIR_RECVONLY);
    assert_int_equal(v->simulcast.n_send, 3);
    assert_int_equal(v->n_ssrcs, 6);
    assert_int_equal(v->n_ssrc_groups, 3);
    assert_string_equal(v->ssrc_groups[2].semantics, "FID");

    const struct sdp_media *scr = &s->media[2];
    assert_int_equal(scr->port, 0);
    assert_true(scr->bundle_only);
    assert_int_equal(scr->n_candidates, 0);
    assert_string_equal(scr->ice_ufrag, "8f338801");
}

static void test_parse_firefox_audio_only(void **state)
{
    (void)state;
    parse_fixture("firefox-offer-audio-only.sdp");
    assert_int_equal(g_offer.n_media, 1);
    assert_int_equal(g_offer.media[0].codecs[0].pt, 109);
    assert_int_equal(g_offer.media[0].dir, SDP_DIR_SENDRECV);
    assert_int_equal(sdp_find_ext(&g_offer.media[0], SDP_EXT_MID), 3);
}

static void test_parse_safari(void **state)
{
    (void)state;
    parse_fixture("safari-ios-offer.sdp");
    const struct sdp_media *v = &g_offer.media[1];

    assert_int_equal(g_offer.n_media, 2);
    assert_int_equal(v->codecs[0].id, SDP_CODEC_H264);
    assert_int_equal(v->codecs[0].profile_level_id, 0x640c1f);
    assert_int_equal(sdp_find_codec(v, 98)->profile_level_id, 0x42e01f);
    assert_int_equal(sdp_find_rtx(v, 98), 99);
    assert_int_equal(sdp_find_codec(v, 100)->id, SDP_CODEC_VP8);
    assert_int_equal(sdp_find_ext(v, SDP_EXT_VIDEO_ORIENTATION), 13);
    assert_int_equal(v->n_ssrc_groups, 1);
    assert_false(v->has_simulcast);
    assert_int_equal(v->candidates[2].type, SDP_CAND_SRFLX);
    assert_string_equal(v->candidates[2].address, "198.51.100.23");
    assert_string_equal(sdp_find_codec(&g_offer.media[0], 102)->name, "ILBC");
}

static void test_parse_lf_only(void **state)
{
    (void)state;
    size_t n = load("chromium-offer-simulcast.sdp", g_text2, sizeof g_text2);
    (void)n;
    n = subst(g_text2, "\r\n", "\n", g_text, sizeof g_text);
    parse_ok(&g_offer, g_text, n);
    assert_int_equal(g_offer.n_media, 3);
    assert_string_equal(g_offer.media[1].rids[2].id, "f");
}

/* ---- malformed input ---- */

#define HEAD "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
#define CREDS                                                                                      \
    "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwxyz\r\na=fingerprint:sha-256 " FP_SHA256 \
    "\r\n"
#define AUDIO "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=rtpmap:111 opus/48000/2\r\n"

static void perr(const char *text, int code, const char *msg)
{
    parse_err(text, strlen(text), code, msg);
}

static void test_err_minimal_ok(void **state)
{
    (void)state;
    const char *t = HEAD CREDS AUDIO;
    parse_ok(&g_offer, t, strlen(t));
    assert_int_equal(g_offer.media[0].codecs[0].id, SDP_CODEC_OPUS);
}

static void test_err_missing_creds(void **state)
{
    (void)state;
    perr(HEAD "a=ice-pwd:abcdefghijklmnopqrstuvwxyz\r\na=fingerprint:sha-256 " FP_SHA256
              "\r\n" AUDIO,
         ERR_PARSE, "no a=ice-ufrag");
    perr(HEAD "a=ice-ufrag:abcd\r\na=fingerprint:sha-256 " FP_SHA256 "\r\n" AUDIO, ERR_PARSE,
         "no a=ice-pwd");
    perr(HEAD "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwxyz\r\n" AUDIO, ERR_PARSE,
         "no a=fingerprint");
    perr(HEAD "a=ice-ufrag:ab\r\n", ERR_PARSE, "line 5 (a=ice-ufrag): ice-ufrag must be 4 to 256");
    perr(HEAD "a=fingerprint:md5 AA:BB\r\n", ERR_PARSE, "hash function 'md5'");
    perr(HEAD "a=fingerprint:sha-256 AA:BB\r\n", ERR_PARSE, "not 32 hex pairs");
}

static void test_err_overlong_line(void **state)
{
    (void)state;
    size_t n = (size_t)snprintf(g_text, sizeof g_text, HEAD CREDS AUDIO "a=fmtp:111 ");
    memset(g_text + n, 'x', SDP_MAX_LINE);
    memcpy(g_text + n + SDP_MAX_LINE, "\r\n", 3);
    perr(g_text, ERR_TOOBIG, "(a=fmtp): line is 4107 bytes, longer than the limit of 4096");
    /* A field longer than its array: an error, never truncated. */
    n = (size_t)snprintf(g_text, sizeof g_text, HEAD CREDS AUDIO "a=msid:");
    memset(g_text + n, 's', SDP_MAX_MSID + 1);
    memcpy(g_text + n + SDP_MAX_MSID + 1, " t\r\n", 5);
    perr(g_text, ERR_TOOBIG, "msid stream id is 65 bytes, longer than the limit of 64");
    n = (size_t)snprintf(g_text, sizeof g_text, HEAD CREDS AUDIO "a=fmtp:111 ");
    memset(g_text + n, 'p', SDP_MAX_FMTP + 1);
    memcpy(g_text + n + SDP_MAX_FMTP + 1, "\r\n", 3);
    perr(g_text, ERR_TOOBIG, "line 11 (a=fmtp): fmtp parameters is 257 bytes");
    /* The whole description. */
    memset(g_text, 'a', SDP_MAX_LEN + 1);
    parse_err(g_text, SDP_MAX_LEN + 1, ERR_TOOBIG, "more than the limit of 131072");
}

static void test_err_too_many(void **state)
{
    (void)state;
    size_t n = (size_t)snprintf(g_text, sizeof g_text, HEAD CREDS);
    for (int i = 0; i <= SDP_MAX_MEDIA; i++)
        n += (size_t)snprintf(g_text + n, sizeof g_text - n, "m=audio 9 RTP/SAVPF 0\r\n");
    char msg[64];
    snprintf(msg, sizeof msg, "line %d (m=): more than %d m-lines", 8 + SDP_MAX_MEDIA,
             SDP_MAX_MEDIA);
    perr(g_text, ERR_TOOBIG, msg);

    n = (size_t)snprintf(g_text, sizeof g_text, HEAD CREDS "m=video 9 RTP/SAVPF");
    for (int i = 0; i <= SDP_MAX_CODECS; i++)
        n += (size_t)snprintf(g_text + n, sizeof g_text - n, " %d", i);
    n += (size_t)snprintf(g_text + n, sizeof g_text - n, "\r\n");
    perr(g_text, ERR_TOOBIG, "more than 64 payload types");

    n = (size_t)snprintf(g_text, sizeof g_text, HEAD CREDS AUDIO);
    for (int i = 1; i <= SDP_MAX_EXTMAPS + 1; i++)
        n += (size_t)snprintf(g_text + n, sizeof g_text - n, "a=extmap:%d urn:x:%d\r\n",
                              i < 15 ? i : i + 1, i);
    perr(g_text, ERR_TOOBIG, "more than 24 a=extmap");

    n = (size_t)snprintf(g_text, sizeof g_text, HEAD CREDS AUDIO);
    for (int i = 1; i <= SDP_MAX_SSRCS + 1; i++)
        n += (size_t)snprintf(g_text + n, sizeof g_text - n, "a=ssrc:%d cname:x\r\n", i);
    perr(g_text, ERR_TOOBIG, "more than 16 SSRCs");

    n = (size_t)snprintf(g_text, sizeof g_text, HEAD CREDS AUDIO);
    for (int i = 1; i <= SDP_MAX_RIDS + 1; i++)
        n += (size_t)snprintf(g_text + n, sizeof g_text - n, "a=rid:r%d send\r\n", i);
    perr(g_text, ERR_TOOBIG, "more than 4 rids");

    /* Candidates past the limit are counted, not an error. */
    n = (size_t)snprintf(g_text, sizeof g_text, HEAD CREDS AUDIO);
    for (int i = 1; i <= SDP_MAX_CANDIDATES + 3; i++)
        n += (size_t)snprintf(g_text + n, sizeof g_text - n,
                              "a=candidate:%d 1 udp %d 192.0.2.%d 5000 typ host\r\n", i, i, i);
    parse_ok(&g_offer, g_text, n);
    assert_int_equal(g_offer.media[0].n_candidates, SDP_MAX_CANDIDATES);
    assert_int_equal(g_offer.media[0].n_candidates_dropped, 3);
}

/* Appends to g_text at n; returns the new length. */
__attribute__((format(printf, 2, 3))) static size_t put(size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(g_text + n, sizeof g_text - n, fmt, ap);
    va_end(ap);
    assert_true(k >= 0 && (size_t)k < sizeof g_text - n);
    return n + (size_t)k;
}

/* n video m-lines with SDP_MAX_CODECS payload types each. */
static size_t video_lines(size_t n, int count)
{
    for (int i = 0; i < count; i++) {
        n = put(n, "m=video 9 UDP/TLS/RTP/SAVPF");
        for (int pt = 0; pt < SDP_MAX_CODECS; pt++)
            n = put(n, " %d", pt);
        n = put(n, "\r\na=mid:v%d\r\n", i);
    }
    return n;
}

#define AUDIO_N "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:a%d\r\n"

/* The long lists share pools: each m-line within its own limit, the
 * description over the total. */
static void test_err_too_many_in_all(void **state)
{
    (void)state;
    size_t n = video_lines(put(0, HEAD CREDS), SDP_MAX_CODECS_TOTAL / SDP_MAX_CODECS + 1);
    perr(g_text, ERR_TOOBIG, "more than 256 payload types in all m-lines");
    /* Exactly at the total: accepted. */
    n = video_lines(put(0, HEAD CREDS), SDP_MAX_CODECS_TOTAL / SDP_MAX_CODECS);
    parse_ok(&g_offer, g_text, n);
    assert_int_equal(g_offer.n_codec_pool, SDP_MAX_CODECS_TOTAL);
    assert_int_equal(g_offer.media[3].n_codecs, SDP_MAX_CODECS);
    assert_int_equal(g_offer.media[3].codecs[SDP_MAX_CODECS - 1].pt, SDP_MAX_CODECS - 1);

    n = put(0, HEAD CREDS);
    for (int i = 0; i <= SDP_MAX_EXTMAPS_TOTAL / SDP_MAX_EXTMAPS; i++) {
        n = put(n, AUDIO_N, i);
        for (int k = 1; k <= SDP_MAX_EXTMAPS; k++)
            n = put(n, "a=extmap:%d urn:x:%d\r\n", k < 15 ? k : k + 1, k);
    }
    perr(g_text, ERR_TOOBIG, "more than 192 a=extmap in all m-lines");

    n = put(0, HEAD CREDS);
    for (int i = 0; i <= SDP_MAX_SSRCS_TOTAL / SDP_MAX_SSRCS; i++) {
        n = put(n, AUDIO_N, i);
        for (int k = 1; k <= SDP_MAX_SSRCS; k++)
            n = put(n, "a=ssrc:%d cname:x\r\n", i * 100 + k);
    }
    perr(g_text, ERR_TOOBIG, "more than 128 SSRCs in all m-lines");

    /* Candidates past the total are counted per m-line, not an error. */
    n = put(0, HEAD CREDS);
    for (int i = 0; i < 3; i++) {
        n = put(n, AUDIO_N, i);
        for (int k = 1; k <= 30; k++)
            n = put(n, "a=candidate:%d 1 udp %d 192.0.%d.%d 5000 typ host\r\n", k, k, i, k);
    }
    parse_ok(&g_offer, g_text, n);
    assert_int_equal(g_offer.n_media, 3);
    assert_int_equal(g_offer.media[0].n_candidates, 30);
    assert_int_equal(g_offer.media[1].n_candidates, 30);
    assert_int_equal(g_offer.media[2].n_candidates, SDP_MAX_CANDIDATES_TOTAL - 60);
    assert_int_equal(g_offer.media[2].n_candidates_dropped, 30 - (SDP_MAX_CANDIDATES_TOTAL - 60));
    assert_string_equal(g_offer.media[1].candidates[29].address, "192.0.1.30");
    assert_string_equal(g_offer.media[2].candidates[0].address, "192.0.2.1");
    assert_ptr_equal(g_offer.media[1].candidates, &g_offer.candidate_pool[30]);
}

static void test_err_bad_rtpmap(void **state)
{
    (void)state;
    perr(HEAD CREDS AUDIO "a=rtpmap:abc opus/48000\r\n", ERR_PARSE,
         "line 11 (a=rtpmap): payload type 'abc' is not a number from 0 to 127");
    perr(HEAD CREDS AUDIO "a=rtpmap:128 opus/48000\r\n", ERR_PARSE, "'128' is not a number");
    perr(HEAD CREDS AUDIO "a=rtpmap:111 opus\r\n", ERR_PARSE, "clock rate missing");
    perr(HEAD CREDS AUDIO "a=rtpmap:111 opus/0\r\n", ERR_PARSE, "clock rate '0'");
    perr(HEAD CREDS AUDIO "a=rtpmap:111 opus/48k/2\r\n", ERR_PARSE, "clock rate '48k'");
    perr(HEAD CREDS AUDIO "a=rtpmap:111 opus/48000/0\r\n", ERR_PARSE, "channels '0'");
    perr(HEAD CREDS AUDIO "a=rtpmap:111 opus/48000/2/1\r\n", ERR_PARSE, "extra field");
    perr(HEAD CREDS AUDIO "a=rtpmap:111\r\n", ERR_PARSE, "expected: payload-type encoding");
    perr(HEAD CREDS AUDIO "a=rtpmap:111 opus/48000/2\r\n", ERR_PARSE, "mapped twice");
    perr(HEAD CREDS AUDIO "a=fmtp:111 apt=x\r\n", ERR_PARSE, "apt=x is not a number");
    perr(HEAD CREDS AUDIO "a=fmtp:111 profile-level-id=42e0\r\n", ERR_PARSE, "not 6 hex");
    perr(HEAD CREDS AUDIO "a=fmtp:111 useinbandfec=2\r\n", ERR_PARSE, "from 0 to 1");
    perr(HEAD CREDS AUDIO "a=extmap:15 urn:x\r\n", ERR_PARSE, "'15' is not 1-14 or 16-255");
    perr(HEAD CREDS AUDIO "a=extmap:1 urn:x\r\na=extmap:1 urn:y\r\n", ERR_PARSE, "used twice");
    perr(HEAD CREDS AUDIO "a=extmap:1/sideways urn:x\r\n", ERR_PARSE, "direction 'sideways'");
}

static void test_err_bad_numbers(void **state)
{
    (void)state;
    perr(HEAD CREDS "m=audio 65536 RTP/SAVPF 0\r\n", ERR_PARSE,
         "line 8 (m=): port '65536' is not a number from 0 to 65535");
    perr(HEAD CREDS "m=audio -1 RTP/SAVPF 0\r\n", ERR_PARSE, "port '-1'");
    perr(HEAD CREDS "m=audio 9/2 RTP/SAVPF 0\r\n", ERR_PARSE, "port/count");
    perr(HEAD CREDS "m=audio 9 RTP/SAVPF\r\n", ERR_PARSE, "no format");
    perr(HEAD CREDS "m=audio 9 RTP/SAVPF 0 0\r\n", ERR_PARSE, "listed twice");
    perr(HEAD CREDS AUDIO "a=candidate:1 1 udp 1 192.0.2.1 99999 typ host\r\n", ERR_PARSE,
         "port '99999'");
    perr(HEAD CREDS AUDIO "a=candidate:1 1 tcp 1 192.0.2.1 9 typ host\r\n", ERR_PARSE,
         "without tcptype");
    perr(HEAD CREDS AUDIO "a=candidate:1 0 udp 1 192.0.2.1 9 typ host\r\n", ERR_PARSE,
         "component '0'");
    perr(HEAD CREDS AUDIO "a=candidate:1 1 udp 1 192.0.2.1 9 typ nat\r\n", ERR_PARSE,
         "candidate type 'nat'");
    perr(HEAD CREDS AUDIO "a=ssrc:4294967296 cname:x\r\n", ERR_PARSE, "not a 32-bit number");
    perr("v=0\r\no=- x 2 IN IP4 0.0.0.0\r\n", ERR_PARSE, "sess-id is not a 64-bit number");
    perr("v=0\r\no=- 18446744073709551616 2 IN IP4 0.0.0.0\r\n", ERR_PARSE, "sess-id");
}

static void test_err_nonsense_lines(void **state)
{
    (void)state;
    perr("hello\r\n", ERR_PARSE, "line 1: not an SDP line");
    perr("v=1\r\n", ERR_PARSE, "line 1 (v=): the first line must be v=0");
    perr(HEAD "this is not sdp\r\n", ERR_PARSE, "line 5: not an SDP line");
    perr(HEAD "A=foo\r\n", ERR_PARSE, "line 5: not an SDP line");
    perr(HEAD "\r\n", ERR_PARSE, "line 5: empty line");
    perr(HEAD "a=x\rb\r\n", ERR_PARSE, "carriage return inside");
    perr(HEAD "a=x\x01\r\n", ERR_PARSE, "control character 0x01");
    perr(HEAD "v=0\r\n", ERR_PARSE, "v= may only be the first line");
    perr("v=0\r\ns=-\r\n", ERR_PARSE, "no o= line");
    perr("", ERR_PARSE, "SDP is empty");
    perr(HEAD CREDS "a=group:BUNDLE 0 1\r\n" AUDIO, ERR_PARSE, "names mid '1'");
    perr(HEAD CREDS AUDIO "m=audio 9 RTP/SAVPF 0\r\na=mid:0\r\n", ERR_PARSE, "the same mid '0'");
    perr(HEAD CREDS AUDIO "a=sendonly\r\na=recvonly\r\n", ERR_PARSE, "more than one direction");
    perr(HEAD CREDS AUDIO "a=simulcast:send q;h recv\r\n", ERR_PARSE, "without a rid list");
    perr(HEAD CREDS AUDIO "a=simulcast:up q\r\n", ERR_PARSE, "expected send or recv");
    perr(HEAD CREDS AUDIO "a=rid:q sideways\r\n", ERR_PARSE, "send or recv");
    perr(HEAD CREDS AUDIO "a=rid:q! send\r\n", ERR_PARSE, "rid id may only have");
    /* Unknown line types and attributes are skipped. */
    const char *ok = HEAD CREDS "x=whatever\r\na=unknown-thing:1 2 3\r\n" AUDIO "a=foo\r\n"
                                "b=AS:30\r\ny=\r\n";
    parse_ok(&g_offer, ok, strlen(ok));
}

static void test_err_nul_and_newline(void **state)
{
    (void)state;
    static const char nul[] = HEAD "a=ice-ufrag:ab\0cd\r\n";
    parse_err(nul, sizeof nul - 1, ERR_PARSE, "line 5 (a=ice-ufrag): NUL byte in the line");
    perr(HEAD CREDS AUDIO "a=rtcp-mux", ERR_PARSE,
         "line 11 (a=rtcp-mux): the last line does not end with a newline");
    char err[SDP_ERR_MAX];
    assert_int_equal(sdp_parse(NULL, "v=0\n", 4, err), ERR_INVAL);
    assert_int_equal(sdp_parse(&g_offer, NULL, 4, NULL), ERR_INVAL);
}

static void test_simulcast_syntax(void **state)
{
    (void)state;
    const char *t = HEAD CREDS AUDIO "a=rid:1 send pt=111;max-width=1280;max-height=720;"
                                     "max-fps=29.97\r\na=rid:2 send\r\na=rid:3 recv\r\n"
                                     "a=simulcast:send 1,~2;3 recv ~3\r\n";
    parse_ok(&g_offer, t, strlen(t));
    const struct sdp_media *m = &g_offer.media[0];
    assert_int_equal(m->rids[0].max_width, 1280);
    assert_int_equal(m->rids[0].max_height, 720);
    assert_int_equal(m->rids[0].max_fps, 29);
    assert_int_equal(m->rids[0].n_pts, 1);
    assert_int_equal(m->rids[0].pts[0], 111);
    assert_string_equal(m->rids[0].params, "pt=111;max-width=1280;max-height=720;max-fps=29.97");
    assert_int_equal(m->simulcast.n_send, 2);
    assert_int_equal(m->simulcast.send[0].n_alts, 2);
    assert_true(m->simulcast.send[0].paused[1]);
    assert_string_equal(m->simulcast.send[1].rid[0], "3");
    assert_int_equal(m->simulcast.n_recv, 1);
    assert_true(m->simulcast.recv[0].paused[0]);
}

static void test_fixtures_roundtrip(void **state)
{
    (void)state;
    static const char *const names[] = {
        "chromium-offer-simulcast.sdp", "chromium-offer-audio-only.sdp",
        "chromium-recvonly-offer.sdp",  "chromium-offer-datachannel.sdp",
        "firefox-offer-simulcast.sdp",  "firefox-offer-audio-only.sdp",
        "safari-ios-offer.sdp",
    };
    struct sdp_local l = local_default();

    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        parse_fixture(names[i]);
        answer_roundtrip(&l);
        /* The answer is itself a description we can answer (parsed again:
         * a parsed description points into itself, so it is not copied). */
        parse_ok(&g_offer, g_out, strlen(g_out));
        answer_roundtrip(&l);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_chromium_simulcast),
        cmocka_unit_test(test_parse_chromium_audio_only),
        cmocka_unit_test(test_parse_chromium_recvonly),
        cmocka_unit_test(test_parse_chromium_datachannel),
        cmocka_unit_test(test_parse_firefox_simulcast),
        cmocka_unit_test(test_parse_firefox_audio_only),
        cmocka_unit_test(test_parse_safari),
        cmocka_unit_test(test_parse_lf_only),
        cmocka_unit_test(test_err_minimal_ok),
        cmocka_unit_test(test_err_missing_creds),
        cmocka_unit_test(test_err_overlong_line),
        cmocka_unit_test(test_err_too_many),
        cmocka_unit_test(test_err_too_many_in_all),
        cmocka_unit_test(test_err_bad_rtpmap),
        cmocka_unit_test(test_err_bad_numbers),
        cmocka_unit_test(test_err_nonsense_lines),
        cmocka_unit_test(test_err_nul_and_newline),
        cmocka_unit_test(test_simulcast_syntax),
        cmocka_unit_test(test_fixtures_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
