/* Fuzz target for signaling/sdp: parse any input; if it parses, build the
 * answer to it (receive-only, or sending too, chosen by the input's last
 * byte) and parse that back: it must parse and agree with the offer and
 * with what sdp_build_answer reported, or the target aborts. The answer is
 * then answered once more (our own output is a description like any other).
 *
 * The seed corpus (tests/fuzz/corpus/sdp/) holds the browser fixtures of
 * tests/fixtures/sdp/ and a few small hand-written descriptions. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "signaling/sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sdp_session offer, answer;
static struct sdp_answer_info info;
static char out[SDP_MAX_LEN];
static char again[SDP_MAX_LEN];

static void check(int cond)
{
    if (!cond)
        abort();
}

static void check_str(const char *s, size_t cap)
{
    check(memchr(s, '\0', cap) != NULL);
}

/* Every string field is terminated inside its array and lists are bounded. */
static void check_session(const struct sdp_session *s)
{
    check(s->n_media <= SDP_MAX_MEDIA && s->n_bundle <= SDP_MAX_MEDIA);
    check_str(s->ice_ufrag, sizeof s->ice_ufrag);
    check(s->ice_ufrag[0] != '\0' && s->ice_pwd[0] != '\0' && s->fingerprint.alg[0] != '\0');
    for (size_t i = 0; i < s->n_bundle; i++)
        check(sdp_find_mid(s, s->bundle[i]) != NULL);
    check(s->n_codec_pool <= SDP_MAX_CODECS_TOTAL && s->n_extmap_pool <= SDP_MAX_EXTMAPS_TOTAL);
    check(s->n_ssrc_pool <= SDP_MAX_SSRCS_TOTAL && s->n_candidate_pool <= SDP_MAX_CANDIDATES_TOTAL);
    size_t codecs = 0, extmaps = 0, ssrcs = 0, cands = 0;
    for (size_t i = 0; i < s->n_media; i++) {
        const struct sdp_media *m = &s->media[i];
        /* Each m-line's lists follow the previous one's in the pools. */
        check(m->codecs == &s->codec_pool[codecs] && m->extmaps == &s->extmap_pool[extmaps]);
        check(m->ssrcs == &s->ssrc_pool[ssrcs] && m->candidates == &s->candidate_pool[cands]);
        codecs += m->n_codecs;
        extmaps += m->n_extmaps;
        ssrcs += m->n_ssrcs;
        cands += m->n_candidates;
        check(m->n_codecs <= SDP_MAX_CODECS && m->n_extmaps <= SDP_MAX_EXTMAPS);
        check(m->n_ssrcs <= SDP_MAX_SSRCS && m->n_ssrc_groups <= SDP_MAX_SSRC_GROUPS);
        check(m->n_rids <= SDP_MAX_RIDS && m->n_candidates <= SDP_MAX_CANDIDATES);
        check(m->simulcast.n_send <= SDP_MAX_RIDS && m->simulcast.n_recv <= SDP_MAX_RIDS);
        check(m->dir != SDP_DIR_NONE);
        check_str(m->mid, sizeof m->mid);
        check_str(m->proto, sizeof m->proto);
        check_str(m->fmt0, sizeof m->fmt0);
        for (size_t k = 0; k < m->n_codecs; k++) {
            check(m->codecs[k].pt <= 127);
            check_str(m->codecs[k].fmtp, sizeof m->codecs[k].fmtp);
        }
        for (size_t k = 0; k < m->n_extmaps; k++)
            check(m->extmaps[k].id >= 1 && m->extmaps[k].id <= 255 && m->extmaps[k].id != 15);
        for (size_t k = 0; k < m->n_ssrc_groups; k++)
            check(m->ssrc_groups[k].n_ssrcs >= 1 &&
                  m->ssrc_groups[k].n_ssrcs <= SDP_MAX_GROUP_SSRCS);
    }
    check(codecs == s->n_codec_pool && extmaps == s->n_extmap_pool);
    check(ssrcs == s->n_ssrc_pool && cands == s->n_candidate_pool);
}

static const struct sdp_local_candidate cands[] = {
    {SDP_TRANSPORT_UDP, "203.0.113.7", 3478},
    {SDP_TRANSPORT_TCP, "203.0.113.7", 443},
    {SDP_TRANSPORT_UDP, "2001:db8::7", 3478},
};

static const struct sdp_local_track tracks[SDP_MAX_MEDIA] = {
    {11, 12, "stream", "t0"},
    {21, 22, "stream", "t1"},
    {31, 0, "stream", "t2"},
    {41, 42, NULL, NULL},
};

/* Builds the answer to `o` into `out` and checks it against `o`. */
static void answer_and_check(const struct sdp_session *o, bool sending)
{
    struct sdp_local l;
    char err[SDP_ERR_MAX];
    size_t len = 0;

    memset(&l, 0, sizeof l);
    l.ice_ufrag = "fUzZ";
    l.ice_pwd = "fuzzfuzzfuzzfuzzfuzz+/";
    l.fingerprint_alg = "sha-256";
    l.fingerprint = "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
                    "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";
    l.session_id = UINT64_MAX;
    l.session_version = 1;
    l.candidates = cands;
    l.n_candidates = 3;
    l.dir = sending ? SDP_DIR_SENDRECV : SDP_DIR_NONE;
    l.opus_dtx = sending;
    l.cname = "fuzz";
    l.tracks = tracks;
    l.n_tracks = SDP_MAX_MEDIA;

    int rc = sdp_build_answer(o, &l, out, sizeof out, &len, &info);
    if (rc == ERR_PROTO) {
        check(o->n_bundle == 0 && info.why != NULL);
        return;
    }
    check(rc == 0);
    check(len == strlen(out));
    rc = sdp_parse(&answer, out, len, err);
    if (rc != 0) {
        fprintf(stderr, "answer does not parse: %s\n%s", err, out);
        abort();
    }
    check_session(&answer);
    check(answer.ice_lite);
    check(strcmp(answer.ice_ufrag, l.ice_ufrag) == 0);
    check(answer.n_media == o->n_media && info.n_media == o->n_media);
    size_t accepted = 0;
    for (size_t i = 0; i < o->n_media; i++) {
        const struct sdp_media *om = &o->media[i], *am = &answer.media[i];
        const struct sdp_answer_media *im = &info.media[i];
        check(strcmp(am->mid, om->mid) == 0);
        check(strcmp(am->media_type, om->media_type) == 0);
        check(im->accepted == (am->port != 0));
        check(im->accepted == sdp_in_bundle(&answer, om->mid));
        if (!im->accepted) {
            check(im->why != NULL);
            continue;
        }
        accepted++;
        check(sdp_in_bundle(o, om->mid));
        /* Past SDP_MAX_CANDIDATES_TOTAL in all m-lines they are counted, not kept. */
        check(am->rtcp_mux && am->end_of_candidates &&
              am->n_candidates + am->n_candidates_dropped == 3);
        check(am->setup == (om->setup == SDP_SETUP_PASSIVE ? SDP_SETUP_ACTIVE : SDP_SETUP_PASSIVE));
        check(am->dir == im->dir);
        check(am->n_codecs == (im->rtx_pt >= 0 ? 2u : 1u));
        check(am->codecs[0].pt == im->pt && am->codecs[0].id == im->codec);
        check(im->codec == (om->kind == SDP_KIND_AUDIO ? SDP_CODEC_OPUS : im->codec));
        check(im->codec == SDP_CODEC_OPUS || im->codec == SDP_CODEC_VP8 ||
              im->codec == SDP_CODEC_H264);
        if (im->codec == SDP_CODEC_OPUS)
            check(am->codecs[0].useinbandfec == 1);
        if (im->rtx_pt >= 0)
            check(am->codecs[1].apt == im->pt && sdp_find_rtx(om, im->pt) >= 0);
        check((am->codecs[0].fb & ~sdp_find_codec(om, im->pt)->fb) == 0);
        for (int e = 1; e < SDP_EXT_COUNT; e++)
            check(sdp_find_ext(am, (enum sdp_ext)e) == im->ext.id[e]);
        check(am->simulcast.n_recv == im->n_rids && am->n_rids == im->n_rids);
        for (size_t k = 0; k < im->n_rids; k++)
            check(strcmp(am->simulcast.recv[k].rid[0], im->rids[k]) == 0);
    }
    check(accepted == info.n_accepted && answer.n_bundle == accepted);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[SDP_ERR_MAX];

    int rc = sdp_parse(&offer, (const char *)data, size, err);
    if (rc != 0) {
        check(rc == ERR_PARSE || rc == ERR_TOOBIG);
        check(err[0] != '\0');
        return 0;
    }
    check(err[0] == '\0');
    check_session(&offer);

    bool sending = size >= 2 && (data[size - 2] & 1); /* the byte before the last newline */
    answer_and_check(&offer, sending);
    /* Answer our own answer once (parsed again from a copy of its text: a
     * parsed description points into itself and `answer` is reused). */
    if (info.n_accepted > 0) {
        size_t len = strlen(out);
        memcpy(again, out, len);
        rc = sdp_parse(&offer, again, len, err);
        check(rc == 0);
        answer_and_check(&offer, !sending);
    }
    return 0;
}
