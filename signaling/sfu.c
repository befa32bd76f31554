#define LOG_MODULE "sfu"
#include "signaling/sfu.h"
#include "media/media.h"
#include "server/app.h"
#include "server/err.h"
#include "server/log.h"
#include "signaling/meeting.h"
#include "signaling/sdp.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SFU_PUB_MAX 4             /* published tracks per participant: mic, camera, screen */
#define SFU_SUB_MAX SDP_MAX_MEDIA /* m-lines of a subscribe connection */
#define SFU_SDP_MAX (64 * 1024)
#define SFU_CANDIDATES_MAX 8

/* Payload types and extension ids of our subscribe offers. */
enum { PT_OPUS = 111, PT_VP8 = 96, PT_VP8_RTX = 97, PT_H264 = 102, PT_H264_RTX = 103 };
enum { EXT_AUDIO_LEVEL = 1, EXT_ABS_SEND_TIME = 2, EXT_TWCC = 3, EXT_VIDEO_ORIENTATION = 4 };

struct pub_track {
    char mid[SDP_MAX_MID + 1];
    uint32_t producer; /* 0: not producing */
    enum router_kind kind;
    enum router_source source;
    enum router_codec codec;
    bool has_rtx;
};

struct sub_line {
    char mid[SDP_MAX_MID + 1];
    enum sdp_kind kind;
    bool removed;       /* port 0 for good */
    uint32_t producer;  /* 0: inactive, reusable for the same kind */
    uint32_t consumer;  /* 0 until the answer accepted it */
    uint32_t owner_pid; /* whose track */
    enum router_source source;
    enum router_codec codec;
    bool rtx;
    uint32_t ssrc, rtx_ssrc;
    bool pending; /* offered, consumer added when the answer comes */
};

struct peer {
    bool used;
    uint32_t pid;
    uint64_t pub_session;
    char pub_ufrag[MEDIA_UFRAG_LEN + 1], pub_pwd[MEDIA_PWD_LEN + 1];
    char pub_remote_ufrag[MEDIA_CRED_MAX];
    struct pub_track pub[SFU_PUB_MAX];
    uint64_t sub_session;
    bool sub_created; /* its transport exists on the worker */
    bool sub_restart; /* new credentials go out with the next offer */
    char sub_ufrag[MEDIA_UFRAG_LEN + 1], sub_pwd[MEDIA_PWD_LEN + 1];
    struct sub_line sub[SFU_SUB_MAX];
    size_t n_sub;
    unsigned next_mid;
    bool offer_in_flight, dirty;
    uint64_t sub_version, pub_version;
};

struct sfu_room {
    int64_t meeting_id;
    unsigned worker;
    uint32_t next_id;
    uint64_t sdp_session_id;
    uint32_t speaker_pid;
    sfu_send_fn send;
    void *send_arg;
    struct peer peers[MEETING_PARTICIPANTS_LIMIT];
};

static uint32_t random_u32(void)
{
    uint32_t v = 0;
    while (v == 0)
        if (RAND_bytes((uint8_t *)&v, sizeof v) != 1)
            abort(); /* no randomness: nothing about the server can be trusted */
    return v;
}

static void send_error(struct app *app, struct sfu_room *r, uint32_t pid, const char *code,
                       const char *message, const char *ref)
{
    r->send(app, r->send_arg, pid,
            json_pack("{s:s, s:s, s:s, s:s}", "type", "error", "code", code, "message", message,
                      "ref", ref));
}

static struct peer *peer_find(struct sfu_room *r, uint32_t pid)
{
    for (size_t i = 0; i < MEETING_PARTICIPANTS_LIMIT; i++)
        if (r->peers[i].used && r->peers[i].pid == pid)
            return &r->peers[i];
    return NULL;
}

static struct peer *peer_get(struct sfu_room *r, uint32_t pid)
{
    struct peer *p = peer_find(r, pid);
    for (size_t i = 0; !p && i < MEETING_PARTICIPANTS_LIMIT; i++) {
        if (!r->peers[i].used) {
            p = &r->peers[i];
            memset(p, 0, sizeof *p);
            p->used = true;
            p->pid = pid;
        }
    }
    return p;
}

static const char *source_name(enum router_source s)
{
    return s == ROUTER_SOURCE_MIC ? "mic" : s == ROUTER_SOURCE_SCREEN ? "screen" : "camera";
}

static size_t candidates(struct app *app, struct sfu_room *r, struct media_candidate *mc,
                         struct sdp_local_candidate *out)
{
    size_t n = media_candidates(app->media, r->worker, true, true, mc, SFU_CANDIDATES_MAX);
    for (size_t i = 0; i < n; i++) {
        out[i].transport = mc[i].tcp ? SDP_TRANSPORT_TCP : SDP_TRANSPORT_UDP;
        out[i].address = mc[i].addr;
        out[i].port = mc[i].port;
    }
    return n;
}

static void ext_ids(const struct sdp_ext_ids *in, struct router_ext_ids *out)
{
    out->mid = in->id[SDP_EXT_MID];
    out->rid = in->id[SDP_EXT_RID];
    out->repaired_rid = in->id[SDP_EXT_RRID];
    out->audio_level = in->id[SDP_EXT_AUDIO_LEVEL];
    out->abs_send_time = in->id[SDP_EXT_ABS_SEND_TIME];
    out->twcc = in->id[SDP_EXT_TWCC];
    out->video_orientation = in->id[SDP_EXT_VIDEO_ORIENTATION];
}

/* Every other peer's subscription has to change. */
static void mark_others_dirty(struct sfu_room *r, uint32_t pid)
{
    for (size_t i = 0; i < MEETING_PARTICIPANTS_LIMIT; i++)
        if (r->peers[i].used && r->peers[i].pid != pid)
            r->peers[i].dirty = true;
}

/* ---- publish ---- */

/* The client's description of its tracks: {"mid","source","width","height"}. */
static const json_t *track_meta(const json_t *tracks, const char *mid)
{
    size_t i;
    json_t *t;
    json_array_foreach(tracks, i, t)
    {
        const char *m = json_string_value(json_object_get(t, "mid"));
        if (m && strcmp(m, mid) == 0)
            return t;
    }
    return NULL;
}

static enum router_source parse_source(const json_t *meta, enum sdp_kind kind)
{
    const char *s = json_string_value(json_object_get(meta, "source"));
    if (s && strcmp(s, "screen") == 0)
        return ROUTER_SOURCE_SCREEN;
    if (kind == SDP_KIND_AUDIO)
        return ROUTER_SOURCE_MIC;
    return ROUTER_SOURCE_CAMERA;
}

static void producer_cfg(struct sfu_room *r, const struct peer *p,
                         const struct sdp_answer_media *am, const json_t *meta,
                         struct router_producer_cfg *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->id = ++r->next_id;
    cfg->peer = (uint32_t)p->pub_session;
    cfg->kind = am->kind == SDP_KIND_AUDIO ? ROUTER_AUDIO : ROUTER_VIDEO;
    cfg->source = parse_source(meta, am->kind);
    cfg->codec = am->codec == SDP_CODEC_OPUS   ? ROUTER_CODEC_OPUS
                 : am->codec == SDP_CODEC_H264 ? ROUTER_CODEC_H264
                                               : ROUTER_CODEC_VP8;
    cfg->pt = am->pt;
    cfg->rtx_pt = am->rtx_pt;
    cfg->clock_rate = am->clock;
    snprintf(cfg->mid, sizeof cfg->mid, "%s", am->mid);
    ext_ids(&am->ext, &cfg->ext);
    json_int_t w = json_integer_value(json_object_get(meta, "width"));
    json_int_t h = json_integer_value(json_object_get(meta, "height"));
    if (w <= 0 || w > 7680 || h <= 0 || h > 4320) {
        w = cfg->source == ROUTER_SOURCE_SCREEN ? 1920 : 1280;
        h = cfg->source == ROUTER_SOURCE_SCREEN ? 1080 : 720;
    }
    if (am->n_rids > 1) {
        /* Simulcast, lowest layer first; SSRCs when the offer listed them in order. */
        cfg->n_layers = am->n_rids < ROUTER_MAX_LAYERS ? am->n_rids : ROUTER_MAX_LAYERS;
        for (size_t k = 0; k < cfg->n_layers; k++) {
            struct router_layer_cfg *l = &cfg->layers[k];
            snprintf(l->rid, sizeof l->rid, "%s", am->rids[k]);
            if (am->n_streams == am->n_rids) {
                l->ssrc = am->streams[k].ssrc;
                l->rtx_ssrc = am->streams[k].rtx_ssrc;
            }
            unsigned div = 1u << (cfg->n_layers - 1 - k);
            l->width = (uint16_t)(w / div);
            l->height = (uint16_t)(h / div);
        }
    } else {
        cfg->n_layers = 1;
        cfg->layers[0].ssrc = am->n_streams ? am->streams[0].ssrc : 0;
        cfg->layers[0].rtx_ssrc = am->n_streams ? am->streams[0].rtx_ssrc : 0;
        if (am->n_rids == 1)
            snprintf(cfg->layers[0].rid, sizeof cfg->layers[0].rid, "%s", am->rids[0]);
        cfg->layers[0].width = (uint16_t)w;
        cfg->layers[0].height = (uint16_t)h;
    }
}

static bool sending(enum sdp_dir d)
{
    return d == SDP_DIR_SENDRECV || d == SDP_DIR_RECVONLY; /* the answer's view: we receive */
}

static void remove_producer(struct app *app, struct sfu_room *r, struct pub_track *t)
{
    if (t->producer)
        media_producer_remove(app->media, r->worker, r->meeting_id, t->producer);
    memset(t, 0, sizeof *t);
}

/* Applies the answered publish offer: new tracks produce, gone ones stop. */
static void update_producers(struct app *app, struct sfu_room *r, struct peer *p,
                             const struct sdp_answer_info *info, const json_t *tracks)
{
    for (size_t i = 0; i < SFU_PUB_MAX; i++) {
        struct pub_track *t = &p->pub[i];
        if (!t->producer)
            continue;
        bool still = false;
        for (size_t k = 0; k < info->n_media; k++)
            if (strcmp(info->media[k].mid, t->mid) == 0 && info->media[k].accepted &&
                sending(info->media[k].dir))
                still = true;
        if (!still)
            remove_producer(app, r, t);
    }
    for (size_t k = 0; k < info->n_media; k++) {
        const struct sdp_answer_media *am = &info->media[k];
        if (!am->accepted || !sending(am->dir) ||
            (am->kind != SDP_KIND_AUDIO && am->kind != SDP_KIND_VIDEO))
            continue;
        struct pub_track *t = NULL;
        for (size_t i = 0; i < SFU_PUB_MAX && !t; i++)
            if (p->pub[i].producer && strcmp(p->pub[i].mid, am->mid) == 0)
                t = &p->pub[i];
        if (t)
            continue; /* already producing */
        for (size_t i = 0; i < SFU_PUB_MAX && !t; i++)
            if (!p->pub[i].producer)
                t = &p->pub[i];
        if (!t) {
            LOG_W("meeting %lld: participant %u publishes too many tracks",
                  (long long)r->meeting_id, p->pid);
            break;
        }
        struct router_producer_cfg cfg;
        producer_cfg(r, p, am, track_meta(tracks, am->mid), &cfg);
        if (media_producer_add(app->media, r->worker, r->meeting_id, &cfg) < 0)
            continue;
        snprintf(t->mid, sizeof t->mid, "%s", am->mid);
        t->producer = cfg.id;
        t->kind = cfg.kind;
        t->source = cfg.source;
        t->codec = cfg.codec;
        t->has_rtx = cfg.rtx_pt >= 0;
    }
}

static enum dtls_role role_from(const struct sdp_session *s)
{
    enum sdp_setup setup = s->n_media ? s->media[0].setup : s->setup;
    return setup == SDP_SETUP_PASSIVE ? DTLS_ROLE_CLIENT : DTLS_ROLE_SERVER;
}

static void flush_offers(struct app *app, struct sfu_room *r);

static void handle_publish(struct app *app, struct sfu_room *r, uint32_t pid, const json_t *msg)
{
    const char *sdp = json_string_value(json_object_get(msg, "sdp"));
    const json_t *tracks = json_object_get(msg, "tracks");
    if (!sdp || (tracks && !json_is_array(tracks))) {
        send_error(app, r, pid, "bad_message", "publish needs 'sdp' and optionally 'tracks'",
                   "publish");
        return;
    }
    struct {
        struct sdp_session offer;
        struct sdp_answer_info info;
        struct media_candidate mc[SFU_CANDIDATES_MAX];
        struct sdp_local_candidate cands[SFU_CANDIDATES_MAX];
        char answer[SFU_SDP_MAX];
        char err[SDP_ERR_MAX];
    } *w = calloc(1, sizeof *w);
    struct peer *p = peer_get(r, pid);
    if (!w || !p) {
        send_error(app, r, pid, "server_error", "out of memory", "publish");
        goto out;
    }
    if (sdp_parse(&w->offer, sdp, strlen(sdp), w->err) < 0) {
        send_error(app, r, pid, "bad_sdp", w->err, "publish");
        goto out;
    }
    const struct sdp_media *m0 = &w->offer.media[0];
    bool fresh = p->pub_session == 0;
    bool restart = !fresh && strcmp(p->pub_remote_ufrag, m0->ice_ufrag) != 0;
    if (fresh || restart) {
        if (media_ice_credentials(p->pub_ufrag, p->pub_pwd) < 0) {
            send_error(app, r, pid, "server_error", "no ICE credentials", "publish");
            goto out;
        }
    }
    struct sdp_local local = {
        .ice_ufrag = p->pub_ufrag,
        .ice_pwd = p->pub_pwd,
        .fingerprint_alg = "sha-256",
        .fingerprint = media_fingerprint(app->media),
        .session_id = r->sdp_session_id,
        .session_version = ++p->pub_version,
        .candidates = w->cands,
        .n_candidates = candidates(app, r, w->mc, w->cands),
        .dir = SDP_DIR_RECVONLY,
    };
    size_t len;
    if (sdp_build_answer(&w->offer, &local, w->answer, sizeof w->answer, &len, &w->info) < 0) {
        send_error(app, r, pid, "bad_sdp", w->info.why ? w->info.why : "no answer is possible",
                   "publish");
        goto out;
    }
    snprintf(p->pub_remote_ufrag, sizeof p->pub_remote_ufrag, "%s", m0->ice_ufrag);
    if (fresh) {
        struct media_peer_params pp = {
            .session = ++app->next_media_session,
            .worker = r->worker,
            .room = r->meeting_id,
            .role = role_from(&w->offer),
        };
        memcpy(pp.ufrag, p->pub_ufrag, sizeof pp.ufrag);
        memcpy(pp.pwd, p->pub_pwd, sizeof pp.pwd);
        snprintf(pp.remote_ufrag, sizeof pp.remote_ufrag, "%s", m0->ice_ufrag);
        snprintf(pp.fp_alg, sizeof pp.fp_alg, "%s", m0->fingerprint.alg);
        snprintf(pp.fp, sizeof pp.fp, "%s", m0->fingerprint.value);
        if (media_peer_create(app->media, &pp) < 0) {
            send_error(app, r, pid, "server_busy", "the media server is busy: try again",
                       "publish");
            goto out;
        }
        p->pub_session = pp.session;
    } else if (restart) {
        media_ice_restart(app->media, r->worker, p->pub_session, p->pub_ufrag, p->pub_pwd,
                          m0->ice_ufrag);
    }
    update_producers(app, r, p, &w->info, tracks);
    r->send(app, r->send_arg, pid,
            json_pack("{s:s, s:s}", "type", "publish_answer", "sdp", w->answer));
    mark_others_dirty(r, pid);
    flush_offers(app, r);
out:
    free(w);
}

/* ---- subscribe ---- */

static bool wanted(const struct sfu_room *r, const struct peer *sub, uint32_t producer,
                   const struct peer **owner, const struct pub_track **track)
{
    for (size_t i = 0; i < MEETING_PARTICIPANTS_LIMIT; i++) {
        const struct peer *o = &r->peers[i];
        if (!o->used || o == sub)
            continue;
        for (size_t k = 0; k < SFU_PUB_MAX; k++) {
            if (o->pub[k].producer && o->pub[k].producer == producer) {
                *owner = o;
                *track = &o->pub[k];
                return true;
            }
        }
    }
    return false;
}

static void drop_line(struct app *app, struct sfu_room *r, struct sub_line *l)
{
    if (l->consumer)
        media_consumer_remove(app->media, r->worker, r->meeting_id, l->consumer);
    l->consumer = 0;
    l->producer = 0;
    l->pending = false;
}

/* Brings the m-lines in line with the other peers' tracks. */
static void plan_lines(struct app *app, struct sfu_room *r, struct peer *p)
{
    const struct peer *owner;
    const struct pub_track *track;
    for (size_t i = 0; i < p->n_sub; i++)
        if (p->sub[i].producer && !wanted(r, p, p->sub[i].producer, &owner, &track))
            drop_line(app, r, &p->sub[i]);
    for (size_t i = 0; i < MEETING_PARTICIPANTS_LIMIT; i++) {
        const struct peer *o = &r->peers[i];
        if (!o->used || o == p)
            continue;
        for (size_t k = 0; k < SFU_PUB_MAX; k++) {
            const struct pub_track *t = &o->pub[k];
            if (!t->producer)
                continue;
            bool have = false;
            for (size_t j = 0; j < p->n_sub && !have; j++)
                have = p->sub[j].producer == t->producer;
            if (have)
                continue;
            enum sdp_kind kind = t->kind == ROUTER_AUDIO ? SDP_KIND_AUDIO : SDP_KIND_VIDEO;
            struct sub_line *l = NULL;
            for (size_t j = 0; j < p->n_sub && !l; j++)
                if (!p->sub[j].removed && !p->sub[j].producer && p->sub[j].kind == kind)
                    l = &p->sub[j];
            if (!l && p->n_sub < SFU_SUB_MAX) {
                l = &p->sub[p->n_sub++];
                memset(l, 0, sizeof *l);
                snprintf(l->mid, sizeof l->mid, "%u", p->next_mid++);
                l->kind = kind;
            }
            if (!l) {
                LOG_W("meeting %lld: participant %u cannot take more tracks",
                      (long long)r->meeting_id, p->pid);
                return;
            }
            l->producer = t->producer;
            l->owner_pid = o->pid;
            l->source = t->source;
            l->codec = t->codec;
            l->rtx = t->has_rtx && kind == SDP_KIND_VIDEO;
            l->ssrc = random_u32();
            l->rtx_ssrc = l->rtx ? random_u32() : 0;
            l->consumer = 0;
            l->pending = true;
        }
    }
}

static void line_spec(const struct sub_line *l, struct sdp_offer_media *om, char *stream,
                      size_t stream_cap, char *track, size_t track_cap)
{
    memset(om, 0, sizeof *om);
    om->kind = l->kind;
    om->mid = l->mid;
    om->removed = l->removed;
    om->dir = l->producer ? SDP_DIR_SENDONLY : SDP_DIR_INACTIVE;
    om->rtx_pt = -1;
    if (l->kind == SDP_KIND_AUDIO) {
        om->codec = SDP_CODEC_OPUS;
        om->pt = PT_OPUS;
        om->ext.id[SDP_EXT_AUDIO_LEVEL] = EXT_AUDIO_LEVEL;
    } else {
        bool h264 = l->codec == ROUTER_CODEC_H264;
        om->codec = h264 ? SDP_CODEC_H264 : SDP_CODEC_VP8;
        om->pt = h264 ? PT_H264 : PT_VP8;
        om->rtx_pt = l->rtx ? (h264 ? PT_H264_RTX : PT_VP8_RTX) : -1;
        om->fb = SDP_FB_NACK | SDP_FB_NACK_PLI | SDP_FB_CCM_FIR | SDP_FB_TWCC;
        om->ext.id[SDP_EXT_VIDEO_ORIENTATION] = EXT_VIDEO_ORIENTATION;
    }
    om->ext.id[SDP_EXT_ABS_SEND_TIME] = EXT_ABS_SEND_TIME;
    om->ext.id[SDP_EXT_TWCC] = EXT_TWCC;
    if (l->producer) {
        om->ssrc = l->ssrc;
        om->rtx_ssrc = l->rtx_ssrc;
        snprintf(stream, stream_cap, "participant-%u", l->owner_pid);
        snprintf(track, track_cap, "%s-%u", source_name(l->source), l->producer);
        om->stream_id = stream;
        om->track_id = track;
    }
}

static void send_offer(struct app *app, struct sfu_room *r, struct peer *p)
{
    plan_lines(app, r, p);
    bool any = false;
    for (size_t i = 0; i < p->n_sub; i++)
        any = any || p->sub[i].producer;
    if (!any && !p->sub_session) {
        p->dirty = false; /* nothing to receive yet */
        return;
    }
    struct {
        struct sdp_offer_media media[SFU_SUB_MAX];
        char streams[SFU_SUB_MAX][32], tracks[SFU_SUB_MAX][32];
        struct media_candidate mc[SFU_CANDIDATES_MAX];
        struct sdp_local_candidate cands[SFU_CANDIDATES_MAX];
        char sdp[SFU_SDP_MAX];
    } *w = calloc(1, sizeof *w);
    if (!w)
        return;
    if (!p->sub_session || p->sub_restart) {
        if (media_ice_credentials(p->sub_ufrag, p->sub_pwd) < 0)
            goto out;
        if (!p->sub_session)
            p->sub_session = ++app->next_media_session;
    }
    json_t *tracks = json_array();
    for (size_t i = 0; i < p->n_sub; i++) {
        const struct sub_line *l = &p->sub[i];
        line_spec(l, &w->media[i], w->streams[i], sizeof w->streams[i], w->tracks[i],
                  sizeof w->tracks[i]);
        if (l->producer)
            json_array_append_new(tracks, json_pack("{s:s, s:I, s:s, s:s}", "mid", l->mid,
                                                    "participant_id", (json_int_t)l->owner_pid,
                                                    "source", source_name(l->source), "kind",
                                                    l->kind == SDP_KIND_AUDIO ? "audio" : "video"));
    }
    struct sdp_offer_spec spec = {
        .ice_ufrag = p->sub_ufrag,
        .ice_pwd = p->sub_pwd,
        .fingerprint_alg = "sha-256",
        .fingerprint = media_fingerprint(app->media),
        .session_id = r->sdp_session_id + p->pid,
        .session_version = ++p->sub_version,
        .cname = "samtale",
        .candidates = w->cands,
        .n_candidates = candidates(app, r, w->mc, w->cands),
        .media = w->media,
        .n_media = p->n_sub,
    };
    size_t len;
    if (sdp_build_offer(&spec, w->sdp, sizeof w->sdp, &len) < 0) {
        LOG_E("meeting %lld: subscribe offer for %u could not be built", (long long)r->meeting_id,
              p->pid);
        json_decref(tracks);
        goto out;
    }
    p->offer_in_flight = true;
    p->dirty = false;
    r->send(
        app, r->send_arg, p->pid,
        json_pack("{s:s, s:s, s:o}", "type", "subscribe_offer", "sdp", w->sdp, "tracks", tracks));
out:
    free(w);
}

static void flush_offers(struct app *app, struct sfu_room *r)
{
    for (size_t i = 0; i < MEETING_PARTICIPANTS_LIMIT; i++) {
        struct peer *p = &r->peers[i];
        if (p->used && p->dirty && !p->offer_in_flight)
            send_offer(app, r, p);
    }
}

static bool answer_has_pt(const struct sdp_media *m, int pt)
{
    return pt >= 0 && sdp_find_codec(m, (uint8_t)pt) != NULL;
}

static void handle_subscribe_answer(struct app *app, struct sfu_room *r, uint32_t pid,
                                    const json_t *msg)
{
    struct peer *p = peer_find(r, pid);
    const char *sdp = json_string_value(json_object_get(msg, "sdp"));
    if (!p || !p->offer_in_flight) {
        send_error(app, r, pid, "wrong_state", "no subscribe offer is waiting for an answer",
                   "subscribe_answer");
        return;
    }
    if (!sdp) {
        send_error(app, r, pid, "bad_message", "subscribe_answer needs 'sdp'", "subscribe_answer");
        return;
    }
    struct sdp_session *ans = calloc(1, sizeof *ans);
    char err[SDP_ERR_MAX];
    if (!ans || sdp_parse(ans, sdp, strlen(sdp), err) < 0) {
        send_error(app, r, pid, "bad_sdp", ans ? err : "out of memory", "subscribe_answer");
        free(ans);
        return;
    }
    const struct sdp_media *m0 = &ans->media[0];
    if (!p->sub_created) {
        struct media_peer_params pp = {
            .session = p->sub_session,
            .worker = r->worker,
            .room = r->meeting_id,
            .role = role_from(ans),
            .twcc_out_id = EXT_TWCC,
        };
        memcpy(pp.ufrag, p->sub_ufrag, sizeof pp.ufrag);
        memcpy(pp.pwd, p->sub_pwd, sizeof pp.pwd);
        snprintf(pp.remote_ufrag, sizeof pp.remote_ufrag, "%s", m0->ice_ufrag);
        snprintf(pp.fp_alg, sizeof pp.fp_alg, "%s", m0->fingerprint.alg);
        snprintf(pp.fp, sizeof pp.fp, "%s", m0->fingerprint.value);
        p->sub_created = media_peer_create(app->media, &pp) == 0;
    } else if (p->sub_restart) {
        media_ice_restart(app->media, r->worker, p->sub_session, p->sub_ufrag, p->sub_pwd,
                          m0->ice_ufrag);
    }
    p->sub_restart = false;
    for (size_t i = 0; i < p->n_sub; i++) {
        struct sub_line *l = &p->sub[i];
        if (!l->pending)
            continue;
        l->pending = false;
        const struct sdp_media *am = sdp_find_mid(ans, l->mid);
        if (!am || am->port == 0) {
            l->producer = 0; /* refused, e.g. a codec the browser lacks */
            continue;
        }
        struct router_consumer_cfg cc = {
            .id = ++r->next_id,
            .producer = l->producer,
            .peer = (uint32_t)p->sub_session,
            .ssrc = l->ssrc,
            .pt = l->kind == SDP_KIND_AUDIO       ? PT_OPUS
                  : l->codec == ROUTER_CODEC_H264 ? PT_H264
                                                  : PT_VP8,
            .rtx_pt = -1,
            .cname = "samtale",
        };
        int rtx_pt = l->codec == ROUTER_CODEC_H264 ? PT_H264_RTX : PT_VP8_RTX;
        if (l->rtx && answer_has_pt(am, rtx_pt)) {
            cc.rtx_ssrc = l->rtx_ssrc;
            cc.rtx_pt = rtx_pt;
        }
        cc.ext.audio_level = l->kind == SDP_KIND_AUDIO ? EXT_AUDIO_LEVEL : 0;
        cc.ext.abs_send_time = EXT_ABS_SEND_TIME;
        cc.ext.twcc = EXT_TWCC;
        cc.ext.video_orientation = l->kind == SDP_KIND_VIDEO ? EXT_VIDEO_ORIENTATION : 0;
        if (media_consumer_add(app->media, r->worker, r->meeting_id, &cc) == 0)
            l->consumer = cc.id;
    }
    free(ans);
    p->offer_in_flight = false;
    if (p->dirty)
        send_offer(app, r, p);
}

static void handle_prefs(struct app *app, struct sfu_room *r, uint32_t pid, const json_t *msg)
{
    struct peer *p = peer_find(r, pid);
    const json_t *prefs = json_object_get(msg, "prefs");
    const json_t *cap = json_object_get(msg, "max_bitrate");
    if ((prefs && (!json_is_array(prefs) || json_array_size(prefs) > SFU_SUB_MAX)) ||
        (cap && (!json_is_integer(cap) || json_integer_value(cap) < 0)) || (!prefs && !cap)) {
        send_error(app, r, pid, "bad_message",
                   "subscribe_prefs needs a 'prefs' array and/or 'max_bitrate' (bits/s, 0 = none)",
                   "subscribe_prefs");
        return;
    }
    if (cap && p && p->sub_session)
        media_peer_max_bitrate(app->media, r->worker, p->sub_session,
                               (uint64_t)json_integer_value(cap));
    size_t i;
    json_t *pr;
    json_array_foreach(prefs, i, pr)
    {
        const char *mid = json_string_value(json_object_get(pr, "mid"));
        json_int_t w = json_integer_value(json_object_get(pr, "width"));
        json_int_t h = json_integer_value(json_object_get(pr, "height"));
        for (size_t k = 0; p && mid && k < p->n_sub; k++) {
            struct sub_line *l = &p->sub[k];
            if (!l->consumer || strcmp(l->mid, mid) != 0)
                continue;
            struct router_prefs rp = {
                .paused = json_is_true(json_object_get(pr, "paused")),
                .max_width = (uint16_t)(w > 0 && w < 65536 ? w : 0),
                .max_height = (uint16_t)(h > 0 && h < 65536 ? h : 0),
            };
            media_consumer_prefs(app->media, r->worker, r->meeting_id, l->consumer, &rp);
        }
    }
}

static bool offers_screen(const json_t *tracks)
{
    size_t i;
    json_t *t;
    json_array_foreach(tracks, i, t)
    {
        const char *src = json_string_value(json_object_get(t, "source"));
        if (src && strcmp(src, "screen") == 0)
            return true;
    }
    return false;
}

bool sfu_handle(struct app *app, struct sfu_room *r, uint32_t pid, const char *type,
                const json_t *msg, bool may_share_screen)
{
    if (strcmp(type, "publish") == 0) {
        if (!may_share_screen && offers_screen(json_object_get(msg, "tracks")))
            send_error(app, r, pid, "not_permitted",
                       "the host has not allowed screen sharing: offer again without the screen",
                       "publish");
        else
            handle_publish(app, r, pid, msg);
    } else if (strcmp(type, "subscribe_answer") == 0) {
        handle_subscribe_answer(app, r, pid, msg);
    } else if (strcmp(type, "subscribe_prefs") == 0) {
        handle_prefs(app, r, pid, msg);
    } else if (strcmp(type, "subscribe") == 0) {
        /* Entering the room: everything the others publish, now and later. */
        struct peer *p = peer_get(r, pid);
        if (p) {
            p->dirty = true;
            flush_offers(app, r);
        }
    } else if (strcmp(type, "subscribe_restart") == 0) {
        struct peer *p = peer_get(r, pid);
        if (p) {
            p->sub_restart = p->sub_session != 0;
            p->dirty = true;
            flush_offers(app, r);
        }
    } else {
        return false;
    }
    return true;
}

/* ---- leaving, events, the room ---- */

static void close_peer_media(struct app *app, struct sfu_room *r, struct peer *p)
{
    for (size_t i = 0; i < SFU_PUB_MAX; i++)
        remove_producer(app, r, &p->pub[i]);
    for (size_t i = 0; i < p->n_sub; i++)
        drop_line(app, r, &p->sub[i]);
    if (p->pub_session)
        media_session_close(app->media, r->worker, p->pub_session);
    if (p->sub_session)
        media_session_close(app->media, r->worker, p->sub_session);
}

void sfu_participant_left(struct app *app, struct sfu_room *r, uint32_t pid)
{
    struct peer *p = r ? peer_find(r, pid) : NULL;
    if (!p)
        return;
    close_peer_media(app, r, p);
    memset(p, 0, sizeof *p);
    mark_others_dirty(r, pid);
    flush_offers(app, r);
}

static struct peer *peer_by_session(struct sfu_room *r, uint64_t session, bool *publish)
{
    for (size_t i = 0; i < MEETING_PARTICIPANTS_LIMIT; i++) {
        struct peer *p = &r->peers[i];
        if (!p->used)
            continue;
        if (p->pub_session == session || p->sub_session == session) {
            *publish = p->pub_session == session;
            return p;
        }
    }
    return NULL;
}

static uint32_t producer_owner(struct sfu_room *r, uint32_t producer)
{
    for (size_t i = 0; producer && i < MEETING_PARTICIPANTS_LIMIT; i++)
        for (size_t k = 0; r->peers[i].used && k < SFU_PUB_MAX; k++)
            if (r->peers[i].pub[k].producer == producer)
                return r->peers[i].pid;
    return 0;
}

bool sfu_media_event(struct app *app, struct sfu_room *r, const struct media_event *ev)
{
    if (ev->kind == MEDIA_EVENT_SPEAKER) {
        if (ev->room != r->meeting_id)
            return false;
        uint32_t pid = producer_owner(r, ev->producer);
        if (pid == r->speaker_pid)
            return true;
        r->speaker_pid = pid;
        for (size_t i = 0; i < MEETING_PARTICIPANTS_LIMIT; i++)
            if (r->peers[i].used)
                r->send(app, r->send_arg, r->peers[i].pid,
                        json_pack("{s:s, s:o}", "type", "active_speaker", "participant_id",
                                  pid ? json_integer(pid) : json_null()));
        return true;
    }
    bool publish = false;
    struct peer *p = peer_by_session(r, ev->session, &publish);
    if (!p)
        return false;
    bool up = ev->kind == MEDIA_EVENT_CONNECTED || ev->kind == MEDIA_EVENT_PATH;
    json_t *msg =
        json_pack("{s:s, s:s, s:s}", "type", "transport_state", "transport",
                  publish ? "publish" : "subscribe", "state", up ? "connected" : "failed");
    if (msg && up)
        json_object_set_new(msg, "protocol",
                            json_string(ev->proto == ICE_PROTO_TCP ? "tcp" : "udp"));
    if (msg && !up)
        json_object_set_new(msg, "reason", json_string(ev->reason ? ev->reason : ""));
    r->send(app, r->send_arg, p->pid, msg);
    if (!up) {
        /* The worker dropped the transport: start over with the next offer. */
        if (publish) {
            for (size_t i = 0; i < SFU_PUB_MAX; i++)
                memset(&p->pub[i], 0, sizeof p->pub[i]);
            p->pub_session = 0;
            mark_others_dirty(r, p->pid);
        } else {
            for (size_t i = 0; i < p->n_sub; i++)
                p->sub[i].consumer = 0;
            p->sub_session = 0;
            p->sub_created = false;
            p->n_sub = 0;
            p->dirty = true;
            p->offer_in_flight = false;
        }
        flush_offers(app, r);
    }
    return true;
}

int sfu_room_create(struct sfu_room **out, struct app *app, int64_t meeting_id, sfu_send_fn send,
                    void *send_arg)
{
    struct sfu_room *r = calloc(1, sizeof *r);
    if (!r)
        return ERR_NOMEM;
    r->meeting_id = meeting_id;
    r->worker = media_pick_worker(app->media);
    r->sdp_session_id = ((uint64_t)random_u32() << 20);
    r->send = send;
    r->send_arg = send_arg;
    *out = r;
    return 0;
}

void sfu_room_destroy(struct app *app, struct sfu_room *r)
{
    if (!r)
        return;
    media_room_close(app->media, r->worker, r->meeting_id);
    free(r);
}
