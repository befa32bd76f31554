/* Shared fixtures and helpers for test_sdp.c and test_sdp_answer.c. */
#ifndef SDP_FIXTURES_H
#define SDP_FIXTURES_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "signaling/sdp.h"

/* Parsed descriptions are big: keep them out of the stack. */
static __attribute__((unused)) struct sdp_session g_offer, g_answer;
static __attribute__((unused)) struct sdp_answer_info g_info;
static __attribute__((unused)) char g_text[SDP_MAX_LEN + 64];
static __attribute__((unused)) char g_text2[SDP_MAX_LEN + 64];
static __attribute__((unused)) char g_out[SDP_MAX_LEN];
static __attribute__((unused)) char g_err[SDP_ERR_MAX];

/* ---- helpers ---- */

/* Reads a fixture; tests run from the repository root (tests/run.sh). */
static inline size_t load(const char *name, char *buf, size_t cap)
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
static inline size_t subst(const char *in, const char *from, const char *to, char *out, size_t cap)
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
static inline size_t drop_lines(const char *in, const char *const *prefixes, size_t np, char *out)
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

static inline void parse_ok(struct sdp_session *s, const char *text, size_t len)
{
    int rc = sdp_parse(s, text, len, g_err);
    if (rc != 0)
        fail_msg("sdp_parse: %d %s", rc, g_err);
}

static inline void parse_fixture(const char *name)
{
    size_t n = load(name, g_text, sizeof g_text);
    parse_ok(&g_offer, g_text, n);
}

/* Expects sdp_parse to fail with `code` and a message containing `msg`. */
static inline void parse_err(const char *text, size_t len, int code, const char *msg)
{
    int rc = sdp_parse(&g_offer, text, len, g_err);
    if (rc != code || strstr(g_err, msg) == NULL)
        fail_msg("expected %d '%s', got %d '%s'", code, msg, rc, g_err);
}

static __attribute__((unused)) const struct sdp_local_candidate local_cands[] = {
    {SDP_TRANSPORT_UDP, "192.0.2.1", 40000},
    {SDP_TRANSPORT_TCP, "192.0.2.1", 40001},
    {SDP_TRANSPORT_UDP, "2001:db8::1", 40000},
};

#define FP_SHA256                                                                                  \
    "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:"   \
    "88:99"

static inline struct sdp_local local_default(void)
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

static inline const struct sdp_codec *codec_by_name(const struct sdp_media *m, const char *name)
{
    for (size_t i = 0; i < m->n_codecs; i++)
        if (strcmp(m->codecs[i].name, name) == 0)
            return &m->codecs[i];
    return NULL;
}

static inline size_t count_cands(const struct sdp_media *m, enum sdp_transport t,
                                 enum sdp_tcptype tt)
{
    size_t n = 0;
    for (size_t i = 0; i < m->n_candidates; i++)
        n += m->candidates[i].transport == t && m->candidates[i].tcptype == tt;
    return n;
}

/* Builds the answer to g_offer, parses it into g_answer and checks what
 * holds for every answer. */
static inline void answer_roundtrip(const struct sdp_local *l)
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
        /* Past SDP_MAX_CANDIDATES_TOTAL in all m-lines they are counted, not kept. */
        assert_int_equal(am->n_candidates + am->n_candidates_dropped, l->n_candidates);
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

#endif /* SDP_FIXTURES_H */
