/* The router's input path: an RTP packet from a peer is matched to its
 * producer and layer by SSRC (learning unsignaled simulcast SSRCs from the
 * rid / repaired-rid extensions), unwrapped if it is RTX, checked against
 * what the stream has already delivered (duplicates and packets older than
 * the cache are dropped), counted for the receiver reports, the bitrate and
 * the upstream NACKs, cached, inspected for a keyframe and an audio level,
 * and handed to every consumer of the producer (router_fwd.c). Nothing here
 * allocates. */
#include <string.h>

#include "media/router_int.h"
#include "media/rtp.h"
#include "base/err.h"

/* ---- RTP input ---- */

static bool ext_string_is(const struct rtp_packet *pkt, uint8_t id, const char *want)
{
    struct rtp_ext_elem e;
    char v[RTP_EXT_STR_MAX + 1];

    if (id == 0 || rtp_ext_find(pkt, id, &e) < 0 || rtp_ext_read_string(&e, v, sizeof(v)) < 0)
        return false;
    return strcmp(v, want) == 0;
}

/* Learns an unsignaled SSRC (or its RTX SSRC): a simulcast layer's from
 * the rid (repaired-rid) extension, a single stream's from its mid. */
static struct router_stream *learn(struct router *r, uint32_t peer, const struct rtp_packet *pkt,
                                   struct router_producer **prod, int *layer, bool *rtx)
{
    if (!pkt->extension || pkt->ssrc == 0 || router_peer_ssrc_used(r, peer, pkt->ssrc))
        return NULL;
    for (size_t i = 0; i < r->n_prods; i++) {
        struct router_producer *p = r->prods[i];
        bool is_rtx, mid_set, mid_ok;
        uint8_t id;

        if (p->cfg.peer != peer)
            continue;
        if (pkt->pt == p->cfg.pt)
            is_rtx = false;
        else if (p->cfg.rtx_pt >= 0 && pkt->pt == (uint8_t)p->cfg.rtx_pt)
            is_rtx = true;
        else
            continue;
        mid_set = p->cfg.mid[0] != '\0' && p->cfg.ext.mid != 0;
        mid_ok = mid_set && ext_string_is(pkt, p->cfg.ext.mid, p->cfg.mid);
        if (mid_set && !mid_ok)
            continue;
        id = is_rtx ? p->cfg.ext.repaired_rid : p->cfg.ext.rid;
        for (size_t l = 0; l < p->cfg.n_layers; l++) {
            struct router_stream *s = &p->streams[l];
            uint32_t *slot = is_rtx ? &s->cfg.rtx_ssrc : &s->cfg.ssrc;

            if (*slot != 0)
                continue;
            if (s->cfg.rid[0] != '\0') {
                if (id == 0 || !ext_string_is(pkt, id, s->cfg.rid))
                    continue;
            } else if (p->cfg.n_layers != 1 || !mid_ok) {
                continue;
            }
            if (router_index_ssrc(r, p, (int)l, pkt->ssrc, is_rtx) < 0)
                return NULL;
            *slot = pkt->ssrc;
            *prod = p;
            *layer = (int)l;
            *rtx = is_rtx;
            return s;
        }
    }
    return NULL;
}

/* Rebuilds the original packet of an RTX packet in r->in_buf. */
static int unwrap_rtx(struct router *r, const struct router_producer *p,
                      const struct router_stream *s, struct router_in *in)
{
    const struct rtp_packet *x = &in->pkt;
    size_t hl = x->header_len, pl;
    uint16_t osn;

    if (x->payload_len <= 2)
        return ERR_PARSE; /* padding-only probe, or nothing to repair */
    osn = (uint16_t)((unsigned)x->payload[0] << 8 | x->payload[1]);
    pl = x->payload_len - 2;
    memcpy(r->in_buf, in->buf, hl);
    memcpy(r->in_buf + hl, x->payload + 2, pl);
    r->in_buf[0] &= (uint8_t)~0x20; /* no padding */
    r->in_buf[1] = (uint8_t)((r->in_buf[1] & 0x80) | p->cfg.pt);
    wr_put_u16(r->in_buf + 2, osn);
    wr_put_u32(r->in_buf + 8, s->cfg.ssrc);
    in->buf = r->in_buf;
    in->len = hl + pl;
    return rtp_parse(&in->pkt, in->buf, in->len);
}

/* The stream jumped (a publisher restarting its numbering): consumers
 * taking this layer start a new segment on its next (key)frame, which is
 * asked for at once. */
static void stream_jumped(struct router *r, struct router_producer *p, int layer, int64_t now_us)
{
    bool want = false;

    for (struct router_consumer *c = p->consumers; c != NULL; c = c->next) {
        if (!c->syncing && c->cur == layer) {
            c->syncing = true;
            want = true;
        }
    }
    if (want)
        router_request_keyframe(r, p, layer, now_us);
}

/* Sequence bookkeeping, duplicate suppression, receive statistics and the
 * cache. Returns false when the packet is not new. */
static bool accept(struct router *r, struct router_producer *p, int layer, struct router_in *in,
                   bool rtx, int64_t now_us)
{
    struct router_stream *s = &p->streams[layer];
    int64_t ext = rtp_seq_unwrap(&s->unwrap, in->pkt.seq) + ROUTER_SEQ_BIAS;
    int64_t slots = (int64_t)rtx_cache_slots(s->cache);
    int64_t gap_from = ext;
    bool newest = false;

    if (s->started && (ext < s->base_ext || ext <= s->max_ext - slots)) {
        /* Before the first or older than the cache: a straggler, unless
         * ROUTER_RESTART_RUN of them follow each other (the numbering
         * went back): then the stream starts again from here. */
        s->bad_run = ext == s->bad_next ? s->bad_run + 1 : 1;
        s->bad_next = ext + 1;
        if (s->bad_run < ROUTER_RESTART_RUN)
            return false;
        rtx_cache_clear(s->cache);
        s->gen++;
        s->started = false;
        s->n_nack = 0;
        s->received = s->received_prior = 0;
        s->has_transit = false;
        stream_jumped(r, p, layer, now_us);
    }
    s->bad_run = 0;
    if (!s->started) {
        s->started = true;
        s->base_ext = s->max_ext = ext;
        s->expected_prior = 0;
        newest = true;
    } else if (ext > s->max_ext) {
        if (ext - s->max_ext > slots)
            stream_jumped(r, p, layer, now_us); /* forwards: not worth repairing */
        gap_from = s->max_ext + 1;
        s->max_ext = ext;
        newest = true;
    } else if (rtx_cache_has(s->cache, ext)) {
        return false; /* a duplicate */
    }
    in->ext = ext;
    s->received++;
    s->last_rx_us = now_us;
    if (!rtx) {
        /* RFC 3550 A.8 interarrival jitter. */
        uint32_t transit = router_us_to_rtp(now_us, p->cfg.clock_rate) - in->pkt.timestamp;

        if (s->has_transit) {
            int32_t d32 = (int32_t)(transit - s->last_transit);
            uint32_t d = d32 < 0 ? (uint32_t)0 - (uint32_t)d32 : (uint32_t)d32;

            if (d > (1u << 24))
                d = 1u << 24;
            s->jitter_q4 += d - ((s->jitter_q4 + 8) >> 4);
        }
        s->last_transit = transit;
        s->has_transit = true;
    }
    (void)rtx_cache_put(s->cache, ext, in->buf, in->len);
    router_rate_add(&s->rate, now_us, in->len);
    if (p->cfg.kind == ROUTER_VIDEO) {
        struct router_nack_in ni = {.ext = ext,
                                    .gap_from = gap_from,
                                    .newest = newest,
                                    .marker = in->pkt.marker,
                                    .rtx = rtx};

        router_nack_on_packet(r, p, layer, &ni, now_us);
    }
    return true;
}

static void inspect(struct router_producer *p, struct router_in *in)
{
    const struct rtp_packet *k = &in->pkt;

    in->keyframe = false;
    in->is_vp8 = false;
    if (p->cfg.kind != ROUTER_VIDEO || k->payload_len == 0)
        return;
    if (p->cfg.codec == ROUTER_CODEC_VP8) {
        if (rtp_vp8_parse(&in->vp8, k->payload, k->payload_len) == 0) {
            in->is_vp8 = true;
            in->keyframe = in->vp8.keyframe;
        }
    } else {
        bool key = false;

        if (rtp_h264_is_keyframe(k->payload, k->payload_len, &key) == 0)
            in->keyframe = key;
    }
}

void router_on_rtp(struct router *r, int64_t now_us, uint32_t peer, const uint8_t *buf, size_t len,
                   const struct rtp_packet *pkt)
{
    struct router_producer *p = NULL;
    struct router_stream *s;
    struct router_in *in = &r->in; /* the outputs write from it */
    int layer = 0;
    bool rtx = false;

    router_begin(r, now_us);
    r->stats.rtp_in++;
    if (buf == NULL || len > ROUTER_PKT_CAP)
        goto unknown;
    if (pkt != NULL)
        in->pkt = *pkt;
    else if (rtp_parse(&in->pkt, buf, len) < 0)
        goto unknown;
    in->buf = buf;
    in->len = len;
    s = router_lookup_stream(r, peer, in->pkt.ssrc, &p, &layer, &rtx);
    if (s == NULL)
        s = learn(r, peer, &in->pkt, &p, &layer, &rtx);
    if (s == NULL)
        goto unknown;
    if (rtx) {
        if (p->cfg.rtx_pt < 0 || in->pkt.pt != (uint8_t)p->cfg.rtx_pt)
            goto unknown;
        if (in->pkt.payload_len == 0)
            return; /* padding-only bandwidth probe */
        if (unwrap_rtx(r, p, s, in) < 0)
            goto unknown;
    } else if (in->pkt.pt != p->cfg.pt) {
        goto unknown;
    }
    if (!accept(r, p, layer, in, rtx, now_us))
        return;
    inspect(p, in);
    if (in->keyframe)
        s->kf_pending = false;
    if (p->speaker_slot >= 0) {
        struct rtp_ext_elem e;
        bool voice;
        uint8_t level;

        if (rtp_ext_find(&in->pkt, p->cfg.ext.audio_level, &e) == 0 &&
            rtp_ext_read_audio_level(&e, &voice, &level) == 0)
            speaker_level(r->speaker, p->speaker_slot, now_us, voice, level);
    }
    for (struct router_consumer *c = p->consumers; c != NULL; c = c->next)
        router_fwd_packet(r, c, layer, in, now_us);
    return;
unknown:
    r->stats.rtp_dropped_unknown++;
}
