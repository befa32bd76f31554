/* Tests for signaling/sdp: real browser offers (tests/fixtures/sdp/),
 * answers and offers built and parsed back, and malformed input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/err.h"
#include "signaling/sdp.h"

/* Parsed descriptions are big: keep them out of the stack. */
static struct sdp_session g_offer, g_answer;
static struct sdp_answer_info g_info;
static char g_text[SDP_MAX_LEN + 64];
static char g_text2[SDP_MAX_LEN + 64];
static char g_out[SDP_MAX_LEN];
static char g_err[SDP_ERR_MAX];

/* ---- helpers ---- */

/* Reads a fixture; tests run from the repository root (tests/run.sh). */
static size_t load(const char *name, char *buf, size_t cap)
{
    static const char *const dirs[] = {"tests/fixtures/sdp/", "../../../tests/fixtures/sdp/"};
    char path[256];

    for (size_t d = 0; d < sizeof dirs / sizeof dirs[0]; d++) {
        snprintf(path, sizeof path, "%s%s", dirs[d], name);
        FILE *f = fopen(path, "rb");
        if (f == NULL)
            continue;
        size_t n = fread(buf, 1, cap - 1, f);
        fclose(f);
        buf[n] = '\0';
        return n;
    }
    fail_msg("fixture %s not found (run from the repository root)", name);
    return 0;
}

/* Replaces every occurrence of `from` with `to`; returns the new length. */
static size_t subst(const char *in, const char *from, const char *to, char *out, size_t cap)
{
    size_t n = 0, fl = strlen(from), tl = strlen(to);
    const char *p = in;

    for (const char *hit; (hit = strstr(p, from)) != NULL; p = hit + fl) {
        size_t k = (size_t)(hit - p);
        assert_true(n + k + tl < cap);
        memcpy(out + n, p, k);
        memcpy(out + n + k, to, tl);
        n += k + tl;
    }
    size_t k = strlen(p);
    assert_true(n + k < cap);
    memcpy(out + n, p, k + 1);
    return n + k;
}

/* Removes every line starting with one of the prefixes. */
static size_t drop_lines(const char *in, const char *const *prefixes, size_t np, char *out)
{
    size_t n = 0;

    while (*in != '\0') {
        const char *eol = strchr(in, '\n');
        size_t len = eol != NULL ? (size_t)(eol - in) + 1 : strlen(in);
        bool drop = false;
        for (size_t i = 0; i < np; i++)
            drop = drop || strncmp(in, prefixes[i], strlen(prefixes[i])) == 0;
        if (!drop) {
            memcpy(out + n, in, len);
            n += len;
        }
        in += len;
    }
    out[n] = '\0';
    return n;
}

static void parse_ok(struct sdp_session *s, const char *text, size_t len)
{
    int rc = sdp_parse(s, text, len, g_err);
    if (rc != 0)
        fail_msg("sdp_parse: %d %s", rc, g_err);
}

static void parse_fixture(const char *name)
{
    size_t n = load(name, g_text, sizeof g_text);
    parse_ok(&g_offer, g_text, n);
}

/* Expects sdp_parse to fail with `code` and a message containing `msg`. */
static void parse_err(const char *text, size_t len, int code, const char *msg)
{
    int rc = sdp_parse(&g_offer, text, len, g_err);
    if (rc != code || strstr(g_err, msg) == NULL)
        fail_msg("expected %d '%s', got %d '%s'", code, msg, rc, g_err);
}

static const struct sdp_local_candidate local_cands[] = {
    {SDP_TRANSPORT_UDP, "192.0.2.1", 40000},
    {SDP_TRANSPORT_TCP, "192.0.2.1", 40001},
    {SDP_TRANSPORT_UDP, "2001:db8::1", 40000},
};

#define FP_SHA256                                                                                  \
    "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:"   \
    "88:99"

static struct sdp_local local_default(void)
{
    struct sdp_local l;

    memset(&l, 0, sizeof l);
    l.ice_ufrag = "srvUfrag";
    l.ice_pwd = "ServerIcePasswordLong24x";
    l.fingerprint_alg = "sha-256";
    l.fingerprint = FP_SHA256;
    l.session_id = 1234567890123ull;
    l.session_version = 2;
    l.candidates = local_cands;
    l.n_candidates = 3;
    return l;
}

static const struct sdp_codec *codec_by_name(const struct sdp_media *m, const char *name)
{
    for (size_t i = 0; i < m->n_codecs; i++)
        if (strcmp(m->codecs[i].name, name) == 0)
            return &m->codecs[i];
    return NULL;
}

static size_t count_cands(const struct sdp_media *m, enum sdp_transport t, enum sdp_tcptype tt)
{
    size_t n = 0;
    for (size_t i = 0; i < m->n_candidates; i++)
        n += m->candidates[i].transport == t && m->candidates[i].tcptype == tt;
    return n;
}

/* Builds the answer to g_offer, parses it into g_answer and checks what
 * holds for every answer. */
static void answer_roundtrip(const struct sdp_local *l)
{
    size_t len = 0;
    int rc = sdp_build_answer(&g_offer, l, g_out, sizeof g_out, &len, &g_info);
    if (rc != 0)
        fail_msg("sdp_build_answer: %d %s", rc, g_info.why ? g_info.why : "");
    assert_int_equal(strlen(g_out), len);
    parse_ok(&g_answer, g_out, len);

    assert_true(g_answer.ice_lite);
    assert_string_equal(g_answer.ice_ufrag, l->ice_ufrag);
    assert_string_equal(g_answer.ice_pwd, l->ice_pwd);
    assert_string_equal(g_answer.fingerprint.alg, "sha-256");
    assert_string_equal(g_answer.fingerprint.value, FP_SHA256);
    assert_int_equal(g_answer.n_media, g_offer.n_media);
    assert_int_equal(g_info.n_media, g_offer.n_media);
    size_t accepted = 0;
    for (size_t i = 0; i < g_offer.n_media; i++) {
        const struct sdp_media *om = &g_offer.media[i], *am = &g_answer.media[i];
        const struct sdp_answer_media *im = &g_info.media[i];
        assert_string_equal(am->mid, om->mid);
        assert_string_equal(am->media_type, om->media_type);
        assert_int_equal(im->accepted, am->port != 0);
        assert_int_equal(im->accepted, sdp_in_bundle(&g_answer, om->mid));
        if (!im->accepted) {
            assert_non_null(im->why);
            continue;
        }
        accepted++;
        assert_int_equal(am->setup,
                         om->setup == SDP_SETUP_PASSIVE ? SDP_SETUP_ACTIVE : SDP_SETUP_PASSIVE);
        assert_true(am->rtcp_mux);
        assert_int_equal(am->dir, im->dir);
        assert_int_equal(am->n_codecs, im->rtx_pt >= 0 ? 2 : 1);
        assert_int_equal(am->codecs[0].pt, im->pt);
        assert_int_equal(am->codecs[0].id, im->codec);
        if (im->rtx_pt >= 0) {
            assert_int_equal(am->codecs[1].id, SDP_CODEC_RTX);
            assert_int_equal(am->codecs[1].apt, im->pt);
            assert_int_equal(sdp_find_codec(om, (uint8_t)im->rtx_pt)->apt, im->pt);
        }
        assert_int_equal(am->n_candidates, l->n_candidates);
        assert_true(am->end_of_candidates);
        for (int e = 1; e < SDP_EXT_COUNT; e++) {
            assert_int_equal(sdp_find_ext(am, (enum sdp_ext)e), im->ext.id[e]);
            if (im->ext.id[e] != 0)
                assert_int_equal(sdp_find_ext(om, (enum sdp_ext)e), im->ext.id[e]);
        }
        assert_int_equal(am->simulcast.n_recv, im->n_rids);
        for (size_t k = 0; k < im->n_rids; k++) {
            assert_string_equal(am->simulcast.recv[k].rid[0], im->rids[k]);
            assert_int_equal(am->rids[k].dir, SDP_RID_RECV);
        }
    }
    assert_int_equal(accepted, g_info.n_accepted);
    assert_int_equal(g_answer.n_bundle, accepted);
}

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
    perr(g_text, ERR_TOOBIG, "line 24 (m=): more than 16 m-lines");

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
        /* The answer is itself a description we can answer. */
        memcpy(&g_offer, &g_answer, sizeof g_offer);
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
        cmocka_unit_test(test_offer_build_parse),
        cmocka_unit_test(test_offer_renegotiation),
        cmocka_unit_test(test_err_minimal_ok),
        cmocka_unit_test(test_err_missing_creds),
        cmocka_unit_test(test_err_overlong_line),
        cmocka_unit_test(test_err_too_many),
        cmocka_unit_test(test_err_bad_rtpmap),
        cmocka_unit_test(test_err_bad_numbers),
        cmocka_unit_test(test_err_nonsense_lines),
        cmocka_unit_test(test_err_nul_and_newline),
        cmocka_unit_test(test_simulcast_syntax),
        cmocka_unit_test(test_fixtures_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
