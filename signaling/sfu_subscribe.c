/* Subscribe connections: the server offers every other participant's tracks
 * and renegotiates as they come and go; consumers follow the answers. */
#define LOG_MODULE "sfu"
#include "base/err.h"
#include "base/log.h"
#include "signaling/sfu_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- subscribe ---- */

static bool wanted(const struct sfu_room *r, const struct sfu_peer *sub, uint32_t producer,
                   const struct sfu_peer **owner, const struct sfu_pub_track **track)
{
    for (size_t i = 0; i < MEETING_PARTICIPANTS_LIMIT; i++) {
        const struct sfu_peer *o = &r->peers[i];
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

void sfu_drop_line(struct sfu_room *r, struct sfu_sub_line *l)
{
    if (l->consumer)
        media_consumer_remove(r->media, r->worker, r->meeting_id, l->consumer);
    l->consumer = 0;
    l->producer = 0;
    l->pending = false;
}

/* Brings the m-lines in line with the other peers' tracks. */
static void plan_lines(struct sfu_room *r, struct sfu_peer *p)
{
    const struct sfu_peer *owner;
    const struct sfu_pub_track *track;
    for (size_t i = 0; i < p->n_sub; i++)
        if (p->sub[i].producer && !wanted(r, p, p->sub[i].producer, &owner, &track))
            sfu_drop_line(r, &p->sub[i]);
    for (size_t i = 0; i < MEETING_PARTICIPANTS_LIMIT; i++) {
        const struct sfu_peer *o = &r->peers[i];
        if (!o->used || o == p)
            continue;
        for (size_t k = 0; k < SFU_PUB_MAX; k++) {
            const struct sfu_pub_track *t = &o->pub[k];
            if (!t->producer)
                continue;
            bool have = false;
            for (size_t j = 0; j < p->n_sub && !have; j++)
                have = p->sub[j].producer == t->producer;
            if (have)
                continue;
            enum sdp_kind kind = t->kind == ROUTER_AUDIO ? SDP_KIND_AUDIO : SDP_KIND_VIDEO;
            struct sfu_sub_line *l = NULL;
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
            l->ssrc = sfu_random_u32();
            l->rtx_ssrc = l->rtx ? sfu_random_u32() : 0;
            l->consumer = 0;
            l->pending = true;
        }
    }
}

static void line_spec(const struct sfu_sub_line *l, struct sdp_offer_media *om, char *stream,
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
        snprintf(track, track_cap, "%s-%u", sfu_source_name(l->source), l->producer);
        om->stream_id = stream;
        om->track_id = track;
    }
}

void sfu_send_offer(struct sfu_room *r, struct sfu_peer *p)
{
    plan_lines(r, p);
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
            p->sub_session = ++*r->next_session;
    }
    json_t *tracks = json_array();
    for (size_t i = 0; i < p->n_sub; i++) {
        const struct sfu_sub_line *l = &p->sub[i];
        line_spec(l, &w->media[i], w->streams[i], sizeof w->streams[i], w->tracks[i],
                  sizeof w->tracks[i]);
        if (l->producer)
            json_array_append_new(tracks, json_pack("{s:s, s:I, s:s, s:s}", "mid", l->mid,
                                                    "participant_id", (json_int_t)l->owner_pid,
                                                    "source", sfu_source_name(l->source), "kind",
                                                    l->kind == SDP_KIND_AUDIO ? "audio" : "video"));
    }
    struct sdp_offer_spec spec = {
        .ice_ufrag = p->sub_ufrag,
        .ice_pwd = p->sub_pwd,
        .fingerprint_alg = "sha-256",
        .fingerprint = media_fingerprint(r->media),
        .session_id = r->sdp_session_id + p->pid,
        .session_version = ++p->sub_version,
        .cname = "samtale",
        .candidates = w->cands,
        .n_candidates = sfu_candidates(r, w->mc, w->cands),
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
    r->send(r->send_arg, p->pid,
            json_pack("{s:s, s:s, s:o, s:I}", "type", "subscribe_offer", "sdp", w->sdp, "tracks",
                      tracks, "version", (json_int_t)p->sub_version));
out:
    free(w);
}

void sfu_subscribe_again(struct sfu_room *r, struct sfu_peer *p, bool fresh)
{
    if (fresh && p->sub_session) {
        /* A new subscribe connection replaces the old one (e.g. the client
         * could not apply an offer): the old one and its consumers go, the
         * offer out is no longer awaited. */
        for (size_t i = 0; i < p->n_sub; i++)
            sfu_drop_line(r, &p->sub[i]);
        if (p->sub_created)
            media_session_close(r->media, r->worker, p->sub_session);
        p->sub_session = 0;
        p->sub_created = false;
        p->sub_restart = false;
        p->n_sub = 0;
        p->offer_in_flight = false;
    }
    p->dirty = true;
    sfu_flush_offers(r);
}

void sfu_flush_offers(struct sfu_room *r)
{
    for (size_t i = 0; i < MEETING_PARTICIPANTS_LIMIT; i++) {
        struct sfu_peer *p = &r->peers[i];
        if (p->used && !p->phone && p->dirty && !p->offer_in_flight)
            sfu_send_offer(r, p);
    }
}

static bool answer_has_pt(const struct sdp_media *m, int pt)
{
    return pt >= 0 && sdp_find_codec(m, (uint8_t)pt) != NULL;
}

void sfu_subscribe_answer(struct sfu_room *r, uint32_t pid, const json_t *msg)
{
    struct sfu_peer *p = sfu_peer_find(r, pid);
    const char *sdp = json_string_value(json_object_get(msg, "sdp"));
    const json_t *version = json_object_get(msg, "version");
    if (version && !sfu_valid_seq(version)) {
        sfu_send_error(r, pid, "bad_message",
                       "subscribe_answer 'version' must be the offer's version",
                       "subscribe_answer");
        return;
    }
    if (p && version && (uint64_t)json_integer_value(version) != p->sub_version) {
        /* The answer to an offer that a newer one replaced (e.g. after the
         * transport was rebuilt): the newer offer's answer follows. */
        LOG_D("meeting %lld: participant %u answered an old subscribe offer",
              (long long)r->meeting_id, pid);
        return;
    }
    if (!p || !p->offer_in_flight) {
        sfu_send_error(r, pid, "wrong_state", "no subscribe offer is waiting for an answer",
                       "subscribe_answer");
        return;
    }
    if (!sdp) {
        sfu_send_error(r, pid, "bad_message", "subscribe_answer needs 'sdp'", "subscribe_answer");
        return;
    }
    struct sdp_session *ans = calloc(1, sizeof *ans);
    char err[SDP_ERR_MAX];
    if (!ans || sdp_parse(ans, sdp, strlen(sdp), err) < 0) {
        sfu_send_error(r, pid, "bad_sdp", ans ? err : "out of memory", "subscribe_answer");
        free(ans);
        return;
    }
    const struct sdp_media *m0 = &ans->media[0];
    if (!p->sub_created) {
        struct media_peer_params pp = {
            .session = p->sub_session,
            .worker = r->worker,
            .room = r->meeting_id,
            .role = sfu_role_from(ans),
            .twcc_out_id = EXT_TWCC,
        };
        memcpy(pp.ufrag, p->sub_ufrag, sizeof pp.ufrag);
        memcpy(pp.pwd, p->sub_pwd, sizeof pp.pwd);
        snprintf(pp.remote_ufrag, sizeof pp.remote_ufrag, "%s", m0->ice_ufrag);
        snprintf(pp.fp_alg, sizeof pp.fp_alg, "%s", m0->fingerprint.alg);
        snprintf(pp.fp, sizeof pp.fp, "%s", m0->fingerprint.value);
        p->sub_created = media_peer_create(r->media, &pp) == 0;
    } else if (p->sub_restart) {
        media_ice_restart(r->media, r->worker, p->sub_session, p->sub_ufrag, p->sub_pwd,
                          m0->ice_ufrag);
    }
    p->sub_restart = false;
    for (size_t i = 0; i < p->n_sub; i++) {
        struct sfu_sub_line *l = &p->sub[i];
        if (!l->pending)
            continue;
        l->pending = false;
        const struct sdp_media *am = sdp_find_mid(ans, l->mid);
        if (!am || am->port == 0) {
            l->producer = 0; /* refused, e.g. a codec the browser lacks */
            continue;
        }
        const struct sfu_peer *owner;
        const struct sfu_pub_track *track;
        if (!wanted(r, p, l->producer, &owner, &track)) {
            /* The track stopped while this offer was out (a screen share
             * ended, its owner left): nothing to consume; the next offer
             * makes the line inactive. */
            l->producer = 0;
            p->dirty = true;
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
        if (media_consumer_add(r->media, r->worker, r->meeting_id, &cc) == 0)
            l->consumer = cc.id;
    }
    free(ans);
    p->offer_in_flight = false;
    if (p->dirty)
        sfu_send_offer(r, p);
}

void sfu_subscribe_prefs(struct sfu_room *r, uint32_t pid, const json_t *msg)
{
    struct sfu_peer *p = sfu_peer_find(r, pid);
    const json_t *prefs = json_object_get(msg, "prefs");
    const json_t *cap = json_object_get(msg, "max_bitrate");
    if ((prefs && (!json_is_array(prefs) || json_array_size(prefs) > SFU_SUB_MAX)) ||
        (cap && (!json_is_integer(cap) || json_integer_value(cap) < 0)) || (!prefs && !cap)) {
        sfu_send_error(
            r, pid, "bad_message",
            "subscribe_prefs needs a 'prefs' array and/or 'max_bitrate' (bits/s, 0 = none)",
            "subscribe_prefs");
        return;
    }
    if (cap && p && p->sub_session)
        media_peer_max_bitrate(r->media, r->worker, p->sub_session,
                               (uint64_t)json_integer_value(cap));
    size_t i;
    json_t *pr;
    json_array_foreach(prefs, i, pr)
    {
        const char *mid = json_string_value(json_object_get(pr, "mid"));
        json_int_t w = json_integer_value(json_object_get(pr, "width"));
        json_int_t h = json_integer_value(json_object_get(pr, "height"));
        for (size_t k = 0; p && mid && k < p->n_sub; k++) {
            struct sfu_sub_line *l = &p->sub[k];
            if (!l->consumer || strcmp(l->mid, mid) != 0)
                continue;
            struct router_prefs rp = {
                .paused = json_is_true(json_object_get(pr, "paused")),
                .max_width = (uint16_t)(w > 0 && w < 65536 ? w : 0),
                .max_height = (uint16_t)(h > 0 && h < 65536 ? h : 0),
            };
            media_consumer_prefs(r->media, r->worker, r->meeting_id, l->consumer, &rp);
        }
    }
}
