#define LOG_MODULE "sfu"
#include "signaling/sfu_int.h"
#include "base/err.h"
#include "base/log.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint32_t sfu_random_u32(void)
{
    uint32_t v = 0;
    while (v == 0)
        if (RAND_bytes((uint8_t *)&v, sizeof v) != 1)
            abort(); /* no randomness: nothing about the server can be trusted */
    return v;
}

void sfu_send_error(struct sfu_room *r, uint32_t pid, const char *code, const char *message,
                    const char *ref)
{
    r->send(r->send_arg, pid,
            json_pack("{s:s, s:s, s:s, s:s}", "type", "error", "code", code, "message", message,
                      "ref", ref));
}

bool sfu_valid_seq(const json_t *seq)
{
    return json_is_integer(seq) && json_integer_value(seq) >= 0 &&
           json_integer_value(seq) <= SFU_SEQ_MAX;
}

struct sfu_peer *sfu_peer_find(struct sfu_room *r, uint32_t pid)
{
    for (size_t i = 0; i < MEETING_PARTICIPANTS_LIMIT; i++)
        if (r->peers[i].used && r->peers[i].pid == pid)
            return &r->peers[i];
    return NULL;
}

struct sfu_peer *sfu_peer_get(struct sfu_room *r, uint32_t pid)
{
    struct sfu_peer *p = sfu_peer_find(r, pid);
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

const char *sfu_source_name(enum router_source s)
{
    return s == ROUTER_SOURCE_MIC ? "mic" : s == ROUTER_SOURCE_SCREEN ? "screen" : "camera";
}

size_t sfu_candidates(struct sfu_room *r, struct media_candidate *mc,
                      struct sdp_local_candidate *out)
{
    size_t n = media_candidates(r->media, r->worker, true, true, mc, SFU_CANDIDATES_MAX);
    for (size_t i = 0; i < n; i++) {
        out[i].transport = mc[i].tcp ? SDP_TRANSPORT_TCP : SDP_TRANSPORT_UDP;
        out[i].address = mc[i].addr;
        out[i].port = mc[i].port;
    }
    return n;
}

/* Every other peer's subscription has to change. */
void sfu_mark_others_dirty(struct sfu_room *r, uint32_t pid)
{
    for (size_t i = 0; i < MEETING_PARTICIPANTS_LIMIT; i++)
        if (r->peers[i].used && r->peers[i].pid != pid)
            r->peers[i].dirty = true;
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

static void producer_cfg(struct sfu_room *r, const struct sfu_peer *p,
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

static void remove_producer(struct sfu_room *r, const struct sfu_peer *p, struct sfu_pub_track *t)
{
    if (t->producer) {
        sfu_phone_producer(r, p, t, false);
        media_producer_remove(r->media, r->worker, r->meeting_id, t->producer);
    }
    memset(t, 0, sizeof *t);
}

/* Applies the answered publish offer: new tracks produce, gone ones stop. */
static void update_producers(struct sfu_room *r, struct sfu_peer *p,
                             const struct sdp_answer_info *info, const json_t *tracks)
{
    for (size_t i = 0; i < SFU_PUB_MAX; i++) {
        struct sfu_pub_track *t = &p->pub[i];
        if (!t->producer)
            continue;
        bool still = false;
        for (size_t k = 0; k < info->n_media; k++)
            if (strcmp(info->media[k].mid, t->mid) == 0 && info->media[k].accepted &&
                sending(info->media[k].dir))
                still = true;
        if (!still)
            remove_producer(r, p, t);
    }
    for (size_t k = 0; k < info->n_media; k++) {
        const struct sdp_answer_media *am = &info->media[k];
        if (!am->accepted || !sending(am->dir) ||
            (am->kind != SDP_KIND_AUDIO && am->kind != SDP_KIND_VIDEO))
            continue;
        struct sfu_pub_track *t = NULL;
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
        if (media_producer_add(r->media, r->worker, r->meeting_id, &cfg) < 0)
            continue;
        snprintf(t->mid, sizeof t->mid, "%s", am->mid);
        t->producer = cfg.id;
        t->kind = cfg.kind;
        t->source = cfg.source;
        t->codec = cfg.codec;
        t->has_rtx = cfg.rtx_pt >= 0;
        sfu_phone_producer(r, p, t, true);
    }
}

enum dtls_role sfu_role_from(const struct sdp_session *s)
{
    enum sdp_setup setup = s->n_media ? s->media[0].setup : s->setup;
    return setup == SDP_SETUP_PASSIVE ? DTLS_ROLE_CLIENT : DTLS_ROLE_SERVER;
}

static void handle_publish(struct sfu_room *r, uint32_t pid, const json_t *msg)
{
    const char *sdp = json_string_value(json_object_get(msg, "sdp"));
    const json_t *tracks = json_object_get(msg, "tracks");
    const json_t *seq = json_object_get(msg, "seq");
    if (!sdp || (tracks && !json_is_array(tracks)) || (seq && !sfu_valid_seq(seq))) {
        sfu_send_error(r, pid, "bad_message",
                       "publish needs 'sdp', optionally 'tracks' and a 'seq' from 0 to 2^53",
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
    struct sfu_peer *p = sfu_peer_get(r, pid);
    if (!w || !p) {
        sfu_send_error(r, pid, "server_error", "out of memory", "publish");
        goto out;
    }
    if (sdp_parse(&w->offer, sdp, strlen(sdp), w->err) < 0) {
        sfu_send_error(r, pid, "bad_sdp", w->err, "publish");
        goto out;
    }
    const struct sdp_media *m0 = &w->offer.media[0];
    bool fresh = p->pub_session == 0;
    bool restart = !fresh && strcmp(p->pub_remote_ufrag, m0->ice_ufrag) != 0;
    if (fresh || restart) {
        if (media_ice_credentials(p->pub_ufrag, p->pub_pwd) < 0) {
            sfu_send_error(r, pid, "server_error", "no ICE credentials", "publish");
            goto out;
        }
    }
    struct sdp_local local = {
        .ice_ufrag = p->pub_ufrag,
        .ice_pwd = p->pub_pwd,
        .fingerprint_alg = "sha-256",
        .fingerprint = media_fingerprint(r->media),
        .session_id = r->sdp_session_id,
        .session_version = ++p->pub_version,
        .candidates = w->cands,
        .n_candidates = sfu_candidates(r, w->mc, w->cands),
        .dir = SDP_DIR_RECVONLY,
    };
    size_t len;
    if (sdp_build_answer(&w->offer, &local, w->answer, sizeof w->answer, &len, &w->info) < 0) {
        sfu_send_error(r, pid, "bad_sdp", w->info.why ? w->info.why : "no answer is possible",
                       "publish");
        goto out;
    }
    snprintf(p->pub_remote_ufrag, sizeof p->pub_remote_ufrag, "%s", m0->ice_ufrag);
    if (fresh) {
        struct media_peer_params pp = {
            .session = ++*r->next_session,
            .worker = r->worker,
            .room = r->meeting_id,
            .role = sfu_role_from(&w->offer),
        };
        memcpy(pp.ufrag, p->pub_ufrag, sizeof pp.ufrag);
        memcpy(pp.pwd, p->pub_pwd, sizeof pp.pwd);
        snprintf(pp.remote_ufrag, sizeof pp.remote_ufrag, "%s", m0->ice_ufrag);
        snprintf(pp.fp_alg, sizeof pp.fp_alg, "%s", m0->fingerprint.alg);
        snprintf(pp.fp, sizeof pp.fp, "%s", m0->fingerprint.value);
        if (media_peer_create(r->media, &pp) < 0) {
            sfu_send_error(r, pid, "server_busy", "the media server is busy: try again", "publish");
            goto out;
        }
        p->pub_session = pp.session;
    } else if (restart) {
        media_ice_restart(r->media, r->worker, p->pub_session, p->pub_ufrag, p->pub_pwd,
                          m0->ice_ufrag);
    }
    update_producers(r, p, &w->info, tracks);
    bool remb = sdp_answer_cc(&w->info) == SDP_CC_REMB;
    if (fresh ? remb : remb != p->pub_remb)
        media_peer_remb(r->media, r->worker, p->pub_session, remb);
    p->pub_remb = remb;
    json_t *ans = json_pack("{s:s, s:s}", "type", "publish_answer", "sdp", w->answer);
    if (ans && seq)
        json_object_set_new(ans, "seq", json_integer(json_integer_value(seq)));
    r->send(r->send_arg, pid, ans);
    sfu_mark_others_dirty(r, pid);
    sfu_flush_offers(r);
out:
    free(w);
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

bool sfu_handle(struct sfu_room *r, uint32_t pid, const char *type, const json_t *msg,
                bool may_share_screen)
{
    if (strcmp(type, "publish") == 0) {
        if (!may_share_screen && offers_screen(json_object_get(msg, "tracks")))
            sfu_send_error(
                r, pid, "not_permitted",
                "the host has not allowed screen sharing: offer again without the screen",
                "publish");
        else
            handle_publish(r, pid, msg);
    } else if (strcmp(type, "subscribe_answer") == 0) {
        sfu_subscribe_answer(r, pid, msg);
    } else if (strcmp(type, "subscribe_prefs") == 0) {
        sfu_subscribe_prefs(r, pid, msg);
    } else if (strcmp(type, "subscribe") == 0) {
        /* Entering the room: everything the others publish, now and later. */
        struct sfu_peer *p = sfu_peer_get(r, pid);
        if (p)
            sfu_subscribe_again(r, p, json_is_true(json_object_get(msg, "fresh")));
    } else if (strcmp(type, "subscribe_restart") == 0) {
        struct sfu_peer *p = sfu_peer_get(r, pid);
        if (p) {
            p->sub_restart = p->sub_session != 0;
            p->dirty = true;
            sfu_flush_offers(r);
        }
    } else {
        return false;
    }
    return true;
}

/* The host withdrew the permission: screens of those no longer allowed stop
 * at once, so a client that keeps sending is not forwarded. */
void sfu_enforce_screen_permission(struct sfu_room *r, const struct meeting *m)
{
    if (!r)
        return;
    for (size_t i = 0; i < MEETING_PARTICIPANTS_LIMIT; i++) {
        struct sfu_peer *p = &r->peers[i];
        if (!p->used || meeting_may_share_screen(m, p->pid))
            continue;
        bool stopped = false;
        for (size_t k = 0; k < SFU_PUB_MAX; k++)
            if (p->pub[k].producer && p->pub[k].source == ROUTER_SOURCE_SCREEN) {
                remove_producer(r, p, &p->pub[k]);
                stopped = true;
            }
        if (!stopped)
            continue;
        r->send(r->send_arg, p->pid,
                json_pack("{s:s, s:s}", "type", "screen_share_stopped", "reason", "not_permitted"));
        sfu_mark_others_dirty(r, p->pid);
    }
    sfu_flush_offers(r);
}

/* ---- leaving, events, the room ---- */

static void close_peer_media(struct sfu_room *r, struct sfu_peer *p)
{
    for (size_t i = 0; i < SFU_PUB_MAX; i++)
        remove_producer(r, p, &p->pub[i]);
    for (size_t i = 0; i < p->n_sub; i++)
        sfu_drop_line(r, &p->sub[i]);
    if (p->pub_session)
        media_session_close(r->media, r->worker, p->pub_session);
    if (p->sub_session)
        media_session_close(r->media, r->worker, p->sub_session);
}

/* Audio first: video towards p paused (its downlink is weak) or resumed.
 * p is told why its pictures stopped; everyone else that a listener's link
 * is weak, so their clients keep their microphones' bitrate low. */
static void set_video_paused(struct sfu_room *r, struct sfu_peer *p, bool paused)
{
    if (p->video_paused == paused)
        return;
    p->video_paused = paused;
    r->send(r->send_arg, p->pid,
            json_pack("{s:s, s:b, s:s}", "type", "video_paused", "paused", paused, "reason",
                      "downlink"));
    for (size_t i = 0; i < MEETING_PARTICIPANTS_LIMIT; i++)
        if (r->peers[i].used && r->peers[i].pid != p->pid)
            r->send(r->send_arg, r->peers[i].pid,
                    json_pack("{s:s, s:I, s:b}", "type", "weak_listener", "participant_id",
                              (json_int_t)p->pid, "weak", paused));
}

void sfu_participant_left(struct sfu_room *r, uint32_t pid)
{
    struct sfu_peer *p = r ? sfu_peer_find(r, pid) : NULL;
    if (!p)
        return;
    set_video_paused(r, p, false);
    if (p->phone)
        sfu_phone_peer_gone(r, p);
    close_peer_media(r, p);
    memset(p, 0, sizeof *p);
    sfu_mark_others_dirty(r, pid);
    sfu_flush_offers(r);
}

static struct sfu_peer *peer_by_session(struct sfu_room *r, uint64_t session, bool *publish)
{
    for (size_t i = 0; i < MEETING_PARTICIPANTS_LIMIT; i++) {
        struct sfu_peer *p = &r->peers[i];
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

bool sfu_media_event(struct sfu_room *r, const struct media_event *ev)
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
                r->send(r->send_arg, r->peers[i].pid,
                        json_pack("{s:s, s:o}", "type", "active_speaker", "participant_id",
                                  pid ? json_integer(pid) : json_null()));
        return true;
    }
    bool publish = false;
    struct sfu_peer *p = peer_by_session(r, ev->session, &publish);
    if (!p)
        return false;
    if (ev->kind == MEDIA_EVENT_VIDEO_PAUSED) {
        if (!publish)
            set_video_paused(r, p, ev->paused);
        return true;
    }
    bool up = ev->kind == MEDIA_EVENT_CONNECTED || ev->kind == MEDIA_EVENT_PATH;
    json_t *msg =
        json_pack("{s:s, s:s, s:s}", "type", "transport_state", "transport",
                  publish ? "publish" : "subscribe", "state", up ? "connected" : "failed");
    if (msg && up)
        json_object_set_new(msg, "protocol",
                            json_string(ev->proto == ICE_PROTO_TCP ? "tcp" : "udp"));
    if (msg && !up)
        json_object_set_new(msg, "reason", json_string(ev->reason ? ev->reason : ""));
    r->send(r->send_arg, p->pid, msg);
    if (!up) {
        /* The worker dropped the transport: start over with the next offer. */
        if (publish) {
            for (size_t i = 0; i < SFU_PUB_MAX; i++)
                memset(&p->pub[i], 0, sizeof p->pub[i]);
            p->pub_session = 0;
            sfu_mark_others_dirty(r, p->pid);
        } else {
            set_video_paused(r, p, false); /* a new transport starts with video */
            for (size_t i = 0; i < p->n_sub; i++)
                p->sub[i].consumer = 0;
            p->sub_session = 0;
            p->sub_created = false;
            p->n_sub = 0;
            p->dirty = true;
            p->offer_in_flight = false;
        }
        sfu_flush_offers(r);
    }
    return true;
}

int sfu_room_create(struct sfu_room **out, struct media *media, uint64_t *next_session,
                    int64_t meeting_id, int worker, sfu_send_fn send, void *send_arg)
{
    struct sfu_room *r = calloc(1, sizeof *r);
    if (!r)
        return ERR_NOMEM;
    r->media = media;
    r->next_session = next_session;
    r->meeting_id = meeting_id;
    r->worker = worker >= 0 && (unsigned)worker < media_worker_count(r->media)
                    ? (unsigned)worker
                    : media_pick_worker(r->media);
    r->sdp_session_id = ((uint64_t)sfu_random_u32() << 20);
    r->send = send;
    r->send_arg = send_arg;
    *out = r;
    return 0;
}

void sfu_room_media_stopped(struct sfu_room *r)
{
    r->media = NULL;
}

void sfu_room_destroy(struct sfu_room *r)
{
    if (!r)
        return;
    media_room_close(r->media, r->worker, r->meeting_id);
    free(r);
}
