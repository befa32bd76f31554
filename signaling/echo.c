#define LOG_MODULE "echo"
#include "signaling/echo.h"
#include "media/media.h"
#include "base/err.h"
#include "base/log.h"
#include "signaling/sdp.h"
#include "signaling/session_int.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#define ECHO_ANSWER_MAX (32 * 1024)
#define ECHO_CANDIDATES_MAX 8

static uint32_t random_ssrc(void)
{
    uint32_t v = 0;
    while (v == 0)
        if (RAND_bytes((uint8_t *)&v, sizeof v) != 1)
            v = 0x5a17a1e0u; /* RAND only fails without entropy; the check still works */
    return v;
}

/* Our DTLS role follows the offer's a=setup: actpass/active → we are passive. */
static enum dtls_role role_for(const struct sdp_session *offer)
{
    enum sdp_setup setup = offer->n_media ? offer->media[0].setup : offer->setup;
    return setup == SDP_SETUP_PASSIVE ? DTLS_ROLE_CLIENT : DTLS_ROLE_SERVER;
}

static bool want_transport(const json_t *list, const char *name)
{
    if (!list)
        return true;
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), name) == 0)
            return true;
    }
    return false;
}

struct echo_build {
    struct sdp_session offer;
    struct sdp_answer_info info;
    struct sdp_local_candidate cands[ECHO_CANDIDATES_MAX];
    struct media_candidate mc[ECHO_CANDIDATES_MAX];
    struct sdp_local_track tracks[SDP_MAX_MEDIA];
    char track_ids[SDP_MAX_MEDIA][24];
    char answer[ECHO_ANSWER_MAX];
    struct media_echo_params p;
};

/* Builds the answer and the echo map; returns an error code for the client or NULL. */
static const char *build(struct sig *sig, struct echo_build *b, const char *sdp, bool udp, bool tcp,
                         char *why, size_t why_cap)
{
    char err[SDP_ERR_MAX];
    if (sdp_parse(&b->offer, sdp, strlen(sdp), err) < 0) {
        snprintf(why, why_cap, "the offer is not usable SDP: %s", err);
        return "bad_sdp";
    }
    struct media_echo_params *p = &b->p;
    p->worker = media_pick_worker(sig->media);
    if (media_ice_credentials(p->ufrag, p->pwd) < 0) {
        snprintf(why, why_cap, "could not make ICE credentials");
        return "server_error";
    }
    size_t n = media_candidates(sig->media, p->worker, udp, tcp, b->mc, ECHO_CANDIDATES_MAX);
    for (size_t i = 0; i < n; i++) {
        b->cands[i].transport = b->mc[i].tcp ? SDP_TRANSPORT_TCP : SDP_TRANSPORT_UDP;
        b->cands[i].address = b->mc[i].addr;
        b->cands[i].port = b->mc[i].port;
    }
    struct sdp_local local = {
        .ice_ufrag = p->ufrag,
        .ice_pwd = p->pwd,
        .fingerprint_alg = "sha-256",
        .fingerprint = media_fingerprint(sig->media),
        .session_id = ((uint64_t)random_ssrc() << 16) | 1,
        .session_version = 1,
        .candidates = b->cands,
        .n_candidates = n,
        .dir = SDP_DIR_SENDRECV,
        .cname = "samtale-echo",
    };
    size_t len;
    /* First pass: what the browser sends, so our streams can be announced. */
    if (sdp_build_answer(&b->offer, &local, b->answer, sizeof b->answer, &len, &b->info) < 0) {
        snprintf(why, why_cap, "no answer is possible: %s",
                 b->info.why ? b->info.why : "nothing in the offer can be accepted");
        return "bad_sdp";
    }
    for (size_t i = 0; i < b->info.n_media && i < SDP_MAX_MEDIA; i++) {
        const struct sdp_answer_media *am = &b->info.media[i];
        if (!am->accepted || am->n_streams == 0)
            continue;
        struct sdp_local_track *t = &b->tracks[i];
        t->ssrc = random_ssrc();
        t->rtx_ssrc = am->rtx_pt >= 0 && am->streams[0].rtx_ssrc ? random_ssrc() : 0;
        snprintf(b->track_ids[i], sizeof b->track_ids[i], "echo-%s", am->mid);
        t->stream_id = "samtale-echo";
        t->track_id = b->track_ids[i];
        if (echo_map_add(&p->map, am->streams[0].ssrc, t->ssrc) < 0 ||
            (t->rtx_ssrc && echo_map_add(&p->map, am->streams[0].rtx_ssrc, t->rtx_ssrc) < 0)) {
            snprintf(why, why_cap, "the offer announces the same SSRC twice");
            return "bad_sdp";
        }
        if (!p->rtcp_ssrc)
            p->rtcp_ssrc = t->ssrc;
    }
    if (p->map.n == 0) {
        snprintf(why, why_cap, "the offer sends no audio or video with announced SSRCs");
        return "bad_sdp";
    }
    local.tracks = b->tracks;
    local.n_tracks = b->info.n_media;
    if (sdp_build_answer(&b->offer, &local, b->answer, sizeof b->answer, &len, &b->info) < 0) {
        snprintf(why, why_cap, "no answer is possible");
        return "bad_sdp";
    }
    const struct sdp_media *m0 = &b->offer.media[0];
    snprintf(p->remote_ufrag, sizeof p->remote_ufrag, "%s", m0->ice_ufrag);
    snprintf(p->fp_alg, sizeof p->fp_alg, "%s", m0->fingerprint.alg);
    snprintf(p->fp, sizeof p->fp, "%s", m0->fingerprint.value);
    p->role = role_for(&b->offer);
    p->max_duration_us = (int64_t)ECHO_MAX_SECONDS * 1000000;
    return NULL;
}

void echo_handle_start(struct sig *sig, struct ws_conn *c, const json_t *msg)
{
    const char *sdp = json_string_value(json_object_get(msg, "sdp"));
    const json_t *transports = json_object_get(msg, "transports");
    if (!sdp || (transports && !json_is_array(transports))) {
        session_send_error(sig, c, "bad_message",
                           "echo_start needs 'sdp' (a string) and optionally 'transports'",
                           "echo_start");
        return;
    }
    if (c->echo_session) {
        session_send_error(sig, c, "wrong_state", "a check is already running", "echo_start");
        return;
    }
    /* A participant already in a meeting may check; anyone else needs a valid link. */
    if (!c->lm) {
        struct store_invitation inv;
        struct store_meeting sm;
        const char *code, *why;
        if (!session_check_invitation(sig, json_string_value(json_object_get(msg, "token")), &inv,
                                      &sm, &code, &why)) {
            session_send_error(sig, c, code, why, "echo_start");
            return;
        }
    }
    bool udp = want_transport(transports, "udp"), tcp = want_transport(transports, "tcp");
    if (!udp && !tcp) {
        session_send_error(sig, c, "bad_message", "'transports' names neither udp nor tcp",
                           "echo_start");
        return;
    }
    struct echo_build *b = calloc(1, sizeof *b);
    if (!b) {
        session_send_error(sig, c, "server_error", "out of memory", "echo_start");
        return;
    }
    char why[SDP_ERR_MAX + 64];
    const char *code = build(sig, b, sdp, udp, tcp, why, sizeof why);
    if (code) {
        session_send_error(sig, c, code, why, "echo_start");
        goto out;
    }
    b->p.session = ++sig->next_media_session;
    int rc = media_echo_create(sig->media, &b->p);
    if (rc < 0) {
        session_send_error(sig, c, "server_busy", "the media server is busy: try again",
                           "echo_start");
        goto out;
    }
    c->echo_session = b->p.session;
    c->echo_worker = b->p.worker;
    LOG_I("echo check %llu started on worker %u", (unsigned long long)c->echo_session,
          c->echo_worker);
    session_send_json(sig, c, json_pack("{s:s, s:s}", "type", "echo_answer", "sdp", b->answer));
out:
    OPENSSL_cleanse(&b->p, sizeof b->p);
    free(b);
}

void echo_handle_stop(struct sig *sig, struct ws_conn *c)
{
    if (!c->echo_session) {
        session_send_error(sig, c, "wrong_state", "no check is running", "echo_stop");
        return;
    }
    echo_conn_closed(sig, c);
    session_send_json(
        sig, c,
        json_pack("{s:s, s:s, s:s}", "type", "echo_state", "state", "closed", "reason", "stopped"));
}

void echo_conn_closed(struct sig *sig, struct ws_conn *c)
{
    if (!c->echo_session)
        return;
    if (media_session_close(sig->media, c->echo_worker, c->echo_session) < 0)
        LOG_W("echo check %llu: close not delivered", (unsigned long long)c->echo_session);
    c->echo_session = 0;
}

bool echo_media_event(struct sig *sig, const struct media_event *ev)
{
    struct ws_conn *c = sig->conns;
    while (c && c->echo_session != ev->session)
        c = c->next;
    if (!c)
        return false; /* not an echo, or the connection went first */
    const char *transport = ev->proto == ICE_PROTO_TCP ? "tcp" : "udp";
    switch (ev->kind) {
    case MEDIA_EVENT_CONNECTED:
    case MEDIA_EVENT_PATH:
        session_send_json(sig, c,
                          json_pack("{s:s, s:s, s:s}", "type", "echo_state", "state", "connected",
                                    "transport", transport));
        break;
    case MEDIA_EVENT_FAILED:
    case MEDIA_EVENT_CLOSED:
        c->echo_session = 0;
        session_send_json(sig, c,
                          json_pack("{s:s, s:s, s:s}", "type", "echo_state", "state",
                                    ev->kind == MEDIA_EVENT_FAILED ? "failed" : "closed", "reason",
                                    ev->reason ? ev->reason : ""));
        break;
    case MEDIA_EVENT_SPEAKER:
    case MEDIA_EVENT_VIDEO_PAUSED:
    case MEDIA_EVENT_DTMF:
    case MEDIA_EVENT_PROMPT_DONE:
    case MEDIA_EVENT_PHONE_SILENT:
        break;
    }
    return true;
}
