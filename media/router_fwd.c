/* Per-consumer rewriting: what one subscriber sees of a producer.
 *
 * A consumer's output is a chain of segments. A segment starts when the
 * consumer begins forwarding a stream: the first packet, a layer switch (on
 * a keyframe of the new layer), a resume after a pause, or a publisher that
 * came back with the same producer id. At a segment start the offsets are
 * chosen so the output continues where it stopped:
 *
 *   sequence   first out = last out + 1 (the very first segment keeps the
 *              publisher's numbers)
 *   timestamp  first out = last out + the wall time since the last packet
 *              in RTP ticks (at least 1 ms worth), so the receiver's jitter
 *              buffer sees time pass as it did
 *   VP8        PictureID (15 or 7 bit) and TL0PICIDX continue at last + 1
 *
 * and stay fixed until the next segment: out ext seq = in ext seq + delta,
 * out ts = in ts + ts_off. Packets of the segment's stream older than its
 * first packet are dropped (their numbers belong to the previous segment).
 *
 * Retransmissions: a subscriber NACKs out sequence numbers. The last
 * ROUTER_SEGMENTS segments are kept per consumer; the newest segment that
 * starts at or before the NACKed number gives the stream and the delta, so
 * the packet is found in that stream's cache by in ext seq = out - delta and
 * rewritten again exactly as it was first sent (same out seq, same
 * timestamp). Every switch needs a keyframe and keyframe requests are rate
 * limited, so eight switch points cover far more than the 512-packet cache.
 * A number before the oldest remembered segment, from a producer that has
 * since been replaced or a stream that restarted its numbering, or no
 * longer cached, is a miss. A packet the router has not received yet but
 * asks the publisher for is not: when the repair arrives it is forwarded
 * like any late packet, with this same out number.
 *
 * Copies: each retransmission is sent once more ROUTER_RTX_COPY_US later
 * (a lost one would cost the subscriber another round trip: it repeats a
 * NACK only after about one RTT), and to a subscriber that reports losses
 * every packet of a key frame (see key_copy_wanted) goes out twice too.
 *
 * Header extensions (one-byte form): each element's id nibble is rewritten
 * in place through the consumer's map from the publisher's ids to the
 * subscriber's; kinds the subscriber did not negotiate, and always mid, rid
 * and repaired-rid (their values name the publisher's m-line and simulcast
 * layer, and the subscriber demultiplexes by SSRC), become
 * ROUTER_EXT_ID_UNKNOWN. abs-send-time is set to now. The two-byte form is
 * copied as it is. */
#include <string.h>

#include "media/router_int.h"
#include "media/rtp.h"
#include "base/err.h"

static bool one_byte_id(uint8_t id)
{
    return id >= 1 && id <= 14;
}

void router_fwd_compute_ext_map(struct router_consumer *c)
{
    const struct router_ext_ids *sub = &c->cfg.ext;

    for (size_t i = 0; i < sizeof(c->ext_map); i++)
        c->ext_map[i] = ROUTER_EXT_ID_UNKNOWN;
    c->ast_id = one_byte_id(sub->abs_send_time) ? sub->abs_send_time : 0;
    if (c->prod == NULL)
        return;
    {
        const struct router_ext_ids *pub = &c->prod->cfg.ext;
        const uint8_t pairs[][2] = {
            {pub->audio_level, sub->audio_level},
            {pub->abs_send_time, sub->abs_send_time},
            {pub->twcc, sub->twcc},
            {pub->video_orientation, sub->video_orientation},
        };

        for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
            if (one_byte_id(pairs[i][0]) && one_byte_id(pairs[i][1]))
                c->ext_map[pairs[i][0]] = pairs[i][1];
        }
    }
}

/* Rewrites the ids of a one-byte extension block in place; *twcc_at is
 * the offset in b of the subscriber's transport-cc data, if there is one. */
static void remap_ext(const struct router_consumer *c, uint8_t *b, size_t n, int64_t now_us,
                      size_t *twcc_at)
{
    size_t i = 0;

    while (i < n) {
        uint8_t h = b[i], id, nid;
        size_t len;

        if (h == 0) {
            i++;
            continue;
        }
        id = h >> 4;
        if (id == 0 || id == 15)
            return; /* the end of the block (RFC 8285 4.2) */
        len = (size_t)(h & 0x0f) + 1;
        if (len > n - i - 1)
            return;
        nid = c->ext_map[id];
        b[i] = (uint8_t)(nid << 4 | (h & 0x0f));
        if (nid == c->ast_id && nid != 0 && len == 3) {
            uint32_t ast = rtp_abs_send_time_from_us(now_us < 0 ? 0 : (uint64_t)now_us);

            b[i + 1] = (uint8_t)(ast >> 16);
            b[i + 2] = (uint8_t)(ast >> 8);
            b[i + 3] = (uint8_t)ast;
        }
        if (nid == c->cfg.ext.twcc && nid != 0 && len == 2)
            *twcc_at = i + 1;
        i += 1 + len;
    }
}

static uint16_t pid_mask(const struct rtp_vp8_desc *d)
{
    return d->picture_id_15 ? 0x7fff : 0x7f;
}

/* Rewrites out (a copy of in->buf) for c with segment g; returns the
 * offset of the transport-cc data in out (0: none). */
static size_t rewrite(const struct router_consumer *c, const struct router_segment *g, uint8_t *out,
                      const struct router_in *in, int64_t now_us)
{
    const struct rtp_packet *k = &in->pkt;
    size_t twcc = 0;

    out[1] = (uint8_t)((out[1] & 0x80) | c->cfg.pt);
    wr_put_u16(out + 2, (uint16_t)(in->ext + g->delta));
    wr_put_u32(out + 4, k->timestamp + g->ts_off);
    wr_put_u32(out + 8, c->cfg.ssrc);
    if (k->extension && k->ext_profile == RTP_EXT_PROFILE_ONE_BYTE) {
        size_t at = (size_t)(k->ext - in->buf), t = 0;

        remap_ext(c, out + at, k->ext_len, now_us, &t);
        if (t != 0)
            twcc = at + t;
    }
    if (in->is_vp8) {
        const struct rtp_vp8_desc *d = &in->vp8;
        size_t o = (size_t)(k->payload - in->buf) + 2;

        if (d->has_picture_id) {
            uint16_t pid = (uint16_t)((d->picture_id + g->pid_off) & pid_mask(d));

            if (d->picture_id_15) {
                out[o] = (uint8_t)(0x80 | pid >> 8);
                out[o + 1] = (uint8_t)pid;
                o += 2;
            } else {
                out[o] = (uint8_t)pid;
                o += 1;
            }
        }
        if (d->has_tl0picidx)
            out[o] = (uint8_t)(d->tl0picidx + g->tl0_off);
    }
    return twcc;
}

static void segment_push(struct router_consumer *c, const struct router_segment *g)
{
    if (c->n_seg == ROUTER_SEGMENTS) {
        memmove(&c->seg[0], &c->seg[1], (ROUTER_SEGMENTS - 1) * sizeof(c->seg[0]));
        c->n_seg--;
    }
    c->seg[c->n_seg++] = *g;
}

/* Starts a segment at `in` (a keyframe for video). */
static void segment_start(struct router *r, struct router_consumer *c, int layer,
                          const struct router_in *in, int64_t now_us)
{
    struct router_segment g;
    int prev_layer = c->n_seg > 0 ? c->seg[c->n_seg - 1].layer : -1;
    int old_cur = c->cur;

    memset(&g, 0, sizeof(g));
    if (c->started) {
        uint32_t step = router_us_to_rtp(now_us - c->last_out_us, c->clock_rate);
        uint32_t min_step = c->clock_rate / 1000 > 0 ? c->clock_rate / 1000 : 1;

        if (step < min_step)
            step = min_step;
        g.out_start = c->last_out_ext + 1;
        g.ts_off = c->last_out_ts + step - in->pkt.timestamp;
        if (in->is_vp8 && in->vp8.has_picture_id && c->has_pid)
            g.pid_off = (uint16_t)((c->last_pid + 1u - in->vp8.picture_id) & pid_mask(&in->vp8));
        if (in->is_vp8 && in->vp8.has_tl0picidx && c->has_tl0)
            g.tl0_off = (uint8_t)(c->last_tl0 + 1u - in->vp8.tl0picidx);
    } else {
        g.out_start = in->ext; /* the first segment keeps the publisher's numbers */
    }
    g.in_first = in->ext;
    g.delta = g.out_start - in->ext;
    g.layer = (uint8_t)layer;
    g.epoch = c->prod->epoch;
    g.gen = c->prod->streams[layer].gen;
    segment_push(c, &g);
    c->cur = layer;
    c->syncing = false;
    if (prev_layer >= 0 && prev_layer != layer)
        r->stats.layer_switches++;
    if (old_cur != layer)
        router_emit_event(r, ROUTER_EVENT_LAYER, c->prod->cfg.id, c->cfg.id, c->cfg.peer, layer);
}

/* A packet of a frame that later frames build on (VP8 temporal layer 0, or
 * a stream without temporal layers: a "key frame" here) going to a
 * subscriber that reports losses and takes RTX: worth a second copy. Until
 * such a frame is repaired every frame built on it waits, and a receiver
 * that does not buffer for retransmissions (a browser's receive-only
 * connection knows no round trip time) shows that wait: a NACK's round
 * trip is about the length of a freeze. A frame's lost last packet it only
 * notices with the next frame, too (and a padding-only packet after the
 * frame would not tell it sooner: libwebrtc holds the NACK that causes
 * until the next media packet). The copies cost about a quarter more
 * packets with VP8's three temporal layers; router_layers.c counts them. */
static bool key_copy_wanted(const struct router_consumer *c, const struct router_in *in,
                            int64_t now_us)
{
    if (c->kind != ROUTER_VIDEO || c->cfg.rtx_ssrc == 0 || now_us >= c->lossy_until_us)
        return false;
    return !in->is_vp8 || !in->vp8.has_tid || in->vp8.tid == 0;
}

/* Sends out_seq again (as a retransmission) at due_us. */
static void copy_later(struct router *r, struct router_consumer *c, uint16_t seq, bool key,
                       int64_t due_us)
{
    if (c->n_copies == ROUTER_RTX_COPIES) {
        memmove(&c->copies[0], &c->copies[1], (ROUTER_RTX_COPIES - 1) * sizeof(c->copies[0]));
        c->n_copies--;
    }
    c->copies[c->n_copies].seq = seq;
    c->copies[c->n_copies].key = key;
    c->copies[c->n_copies].due_us = due_us;
    c->n_copies++;
    router_want_fast_at(r, due_us);
}

static void send_live(struct router *r, struct router_consumer *c, const struct router_segment *g,
                      const struct router_in *in, int64_t now_us)
{
    int64_t out_ext = in->ext + g->delta;
    struct router_pending *out;

    if (!c->started || out_ext > c->last_out_ext) {
        if (!c->started)
            c->next_sr_us = now_us; /* the first SR at the next tick */
        c->started = true;
        c->last_out_ext = out_ext;
        c->last_out_ts = in->pkt.timestamp + g->ts_off;
        c->last_out_us = now_us;
        if (in->is_vp8 && in->vp8.has_picture_id) {
            c->last_pid = (uint16_t)((in->vp8.picture_id + g->pid_off) & pid_mask(&in->vp8));
            c->has_pid = true;
        }
        if (in->is_vp8 && in->vp8.has_tl0picidx) {
            c->last_tl0 = (uint8_t)(in->vp8.tl0picidx + g->tl0_off);
            c->has_tl0 = true;
        }
    }
    c->packets++;
    c->octets += (uint32_t)in->pkt.payload_len;
    r->stats.rtp_forwarded++; /* whether or not it is written (rtp_out_dropped) */
    out = router_out_push(r);
    if (out != NULL) {
        out->op = ROUTER_OP_LIVE;
        out->peer = c->cfg.peer;
        out->len = (uint32_t)in->len;
        out->c = c;
        out->seg = g;
    } else {
        r->stats.rtp_out_dropped++;
    }
    if (out_ext == c->last_out_ext && key_copy_wanted(c, in, now_us))
        copy_later(r, c, (uint16_t)out_ext, true, now_us + ROUTER_KEY_COPY_US);
}

void router_fwd_packet(struct router *r, struct router_consumer *c, int layer,
                       const struct router_in *in, int64_t now_us)
{
    if (c->prefs.paused || c->target < 0)
        return;
    if (!c->syncing && layer == c->cur) {
        const struct router_segment *g = &c->seg[c->n_seg - 1];

        if (in->ext >= g->in_first)
            send_live(r, c, g, in, now_us);
        return;
    }
    if (layer != c->target || (c->kind == ROUTER_VIDEO && !in->keyframe))
        return;
    segment_start(r, c, layer, in, now_us);
    send_live(r, c, &c->seg[c->n_seg - 1], in, now_us);
}

/* Turns the rewritten packet in out (header hl bytes, payload pl bytes)
 * into RFC 4588 RTX numbered rtx_seq: OSN before the payload, padding
 * dropped. */
static size_t wrap_rtx(const struct router_consumer *c, uint16_t rtx_seq, uint8_t *out, size_t hl,
                       size_t pl)
{
    memmove(out + hl + 2, out + hl, pl);
    out[hl] = out[2]; /* OSN: the rewritten sequence number */
    out[hl + 1] = out[3];
    out[0] &= (uint8_t)~0x20;
    out[1] = (uint8_t)((out[1] & 0x80) | (uint8_t)c->cfg.rtx_pt);
    wr_put_u16(out + 2, rtx_seq);
    wr_put_u32(out + 8, c->cfg.rtx_ssrc);
    return hl + 2 + pl;
}

/* Queues the retransmission of out_seq; false when it cannot (a miss, or
 * pending at the publisher: counted unless it is a copy). */
static bool resend(struct router *r, struct router_consumer *c, uint16_t out_seq, bool copy)
{
    const struct router_segment *g = NULL;
    const struct router_stream *s;
    struct rtp_packet k;
    struct router_pending *out;
    const uint8_t *pkt;
    size_t len;
    uint16_t d;
    int64_t out_ext, in_ext;

    if (!c->started || c->prod == NULL)
        goto miss;
    d = (uint16_t)((uint16_t)c->last_out_ext - out_seq);
    if (d >= 0x8000)
        goto miss; /* not sent yet */
    out_ext = c->last_out_ext - d;
    for (size_t i = c->n_seg; i-- > 0;) {
        if (c->seg[i].out_start <= out_ext) {
            g = &c->seg[i];
            break;
        }
    }
    if (g == NULL || g->epoch != c->prod->epoch)
        goto miss;
    s = &c->prod->streams[g->layer];
    if (g->gen != s->gen)
        goto miss; /* the stream restarted its numbering since */
    in_ext = out_ext - g->delta;
    if (!rtx_cache_get(s->cache, in_ext, &pkt, &len)) {
        if (copy)
            return false;
        if (router_nack_pending(s, in_ext)) {
            r->stats.retransmissions_pending++; /* sent on when the publisher's repair comes */
            return false;
        }
        goto miss;
    }
    if (rtp_parse(&k, pkt, len) < 0)
        goto miss;
    if (c->cfg.rtx_ssrc != 0 && k.header_len + 2 + k.payload_len > ROUTER_PKT_CAP)
        goto miss;
    if (!copy)
        r->stats.retransmissions++;
    out = router_out_push(r);
    if (out == NULL) { /* sent and dropped, as without a pool packet */
        r->stats.rtp_out_dropped++;
        return true;
    }
    out->op = ROUTER_OP_RESEND;
    out->peer = c->cfg.peer;
    out->c = c;
    out->seg = g;
    out->src = pkt;
    out->src_len = (uint32_t)len;
    out->in_ext = in_ext;
    out->len = (uint32_t)len;
    if (c->cfg.rtx_ssrc != 0) {
        out->rtx = true;
        out->rtx_seq = c->rtx_seq++;
        out->len = (uint32_t)(k.header_len + 2 + k.payload_len);
    }
    return true;
miss:
    if (!copy)
        r->stats.retransmissions_missed++;
    return false;
}

/* The retransmission p into out: the cached packet rewritten exactly as it
 * was first sent, then wrapped as RTX. */
static size_t write_resend(const struct router *r, const struct router_pending *p, uint8_t *out,
                           size_t *twcc_off)
{
    const struct router_consumer *c = p->c;
    struct router_in in;

    memset(&in, 0, sizeof(in));
    if (rtp_parse(&in.pkt, p->src, p->src_len) < 0)
        return 0; /* parsed when queued: cannot happen */
    in.buf = p->src;
    in.len = p->src_len;
    in.ext = p->in_ext;
    in.is_vp8 = c->prod != NULL && c->prod->cfg.codec == ROUTER_CODEC_VP8 &&
                rtp_vp8_parse(&in.vp8, in.pkt.payload, in.pkt.payload_len) == 0;
    memcpy(out, p->src, p->src_len);
    *twcc_off = rewrite(c, p->seg, out, &in, r->now_us);
    if (!p->rtx)
        return p->src_len;
    return wrap_rtx(c, p->rtx_seq, out, in.pkt.header_len, in.pkt.payload_len);
}

void router_fwd_retransmit(struct router *r, struct router_consumer *c, uint16_t out_seq,
                           int64_t now_us)
{
    if (c->kind == ROUTER_VIDEO && r->peers[c->peer_slot].vp.paused)
        return; /* audio first: repairs of a paused video would crowd out the sound */
    if (resend(r, c, out_seq, false))
        copy_later(r, c, out_seq, false, now_us + ROUTER_RTX_COPY_US);
}

int64_t router_fwd_timer(struct router *r, struct router_consumer *c, int64_t now_us)
{
    size_t done = 0;

    for (; done < c->n_copies && c->copies[done].due_us <= now_us; done++) {
        const struct router_rtx_copy *k = &c->copies[done];

        if (!resend(r, c, k->seq, true))
            continue;
        if (k->key)
            r->stats.key_copies++;
        else
            r->stats.retransmission_copies++;
    }
    memmove(&c->copies[0], &c->copies[done], (c->n_copies - done) * sizeof(c->copies[0]));
    c->n_copies -= done;
    return c->n_copies > 0 ? c->copies[0].due_us : INT64_MAX;
}

uint32_t router_fwd_rtp_now(const struct router_consumer *c, int64_t now_us)
{
    if (!c->syncing && c->prod != NULL && c->n_seg > 0) {
        const struct router_segment *g = &c->seg[c->n_seg - 1];
        const struct router_stream *s = &c->prod->streams[g->layer];

        /* Rebase the publisher's SR: its RTP time at now, on our timeline. */
        if (g->epoch == c->prod->epoch && g->gen == s->gen && s->has_sr &&
            now_us >= s->sr_recv_us && now_us - s->sr_recv_us < ROUTER_SR_MAX_AGE_US)
            return s->sr_rtp_ts + router_us_to_rtp(now_us - s->sr_recv_us, c->clock_rate) +
                   g->ts_off;
    }
    return c->last_out_ts + router_us_to_rtp(now_us - c->last_out_us, c->clock_rate);
}

size_t router_fwd_write(const struct router *r, const struct router_pending *p, uint8_t *out,
                        size_t *twcc_off)
{
    if (p->op == ROUTER_OP_RESEND)
        return write_resend(r, p, out, twcc_off);
    memcpy(out, r->in.buf, r->in.len); /* the one copy of a forwarded packet */
    *twcc_off = rewrite(p->c, p->seg, out, &r->in, r->now_us);
    return r->in.len;
}
