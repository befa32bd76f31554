/* The clip's frames as RTP packets (vp8_send.h). */
#include "tests/load/vp8_send.h"

#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "media/rd.h"
#include "tests/load/marker.h"

#define HDR 12

struct lg_vp8_send {
    struct lg_vp8_send_cfg cfg;
    uint8_t ext[LG_VP8_EXT_MAX];
    unsigned n;   /* clip length */
    unsigned key; /* keyframe interval */
    unsigned pos; /* next clip position */
    uint32_t frame;
    uint16_t seq;
    uint16_t picture_id;
    uint8_t tl0picidx;
    bool temporal;
    bool key_wanted;
};

int lg_vp8_send_create(struct lg_vp8_send **out, const struct lg_vp8_send_cfg *cfg)
{
    const struct lg_vp8_clip_cfg *cc;
    struct lg_vp8_send *s;
    size_t max_packet = cfg->max_packet ? cfg->max_packet : LG_VP8_PKT_MAX;

    *out = NULL;
    if (cfg->clip == NULL)
        return ERR_INVAL;
    cc = lg_vp8_clip_cfg(cfg->clip);
    if (cfg->layer >= cc->n_layers || cfg->pt > 127 || cfg->ext_len % 4 != 0 ||
        cfg->ext_len > LG_VP8_EXT_MAX || (cfg->ext_len > 0 && cfg->ext == NULL) ||
        (cfg->ext_len > 0 && (size_t)(cfg->ext[2] << 8 | cfg->ext[3]) * 4 + 4 != cfg->ext_len) ||
        max_packet > LG_VP8_PKT_MAX ||
        max_packet < HDR + cfg->ext_len + LG_VP8_DESC_LEN + LG_MARKER_PAD + 1)
        return ERR_INVAL;
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return ERR_NOMEM;
    s->cfg = *cfg;
    s->cfg.max_packet = max_packet;
    if (cfg->ext_len > 0)
        memcpy(s->ext, cfg->ext, cfg->ext_len);
    s->cfg.ext = NULL; /* the copy in s->ext is used */
    s->n = cc->frames;
    s->key = cc->key_interval;
    s->seq = cfg->first_seq;
    s->picture_id = cfg->first_picture_id & 0x7fff;
    s->temporal = cc->temporal_layers > 1;
    *out = s;
    return 0;
}

void lg_vp8_send_destroy(struct lg_vp8_send *s)
{
    free(s);
}

void lg_vp8_send_keyframe_request(struct lg_vp8_send *s)
{
    s->key_wanted = true;
}

uint16_t lg_vp8_send_next_seq(const struct lg_vp8_send *s)
{
    return s->seq;
}

/* Writes the RTP header and the payload descriptor; returns their length. */
static size_t write_head(const struct lg_vp8_send *s, uint8_t *p, uint32_t ts, bool last,
                         bool first, const struct lg_vp8_frame *f)
{
    size_t o = HDR;

    p[0] = (uint8_t)(0x80 | (s->cfg.ext_len > 0 ? 0x10 : 0));
    p[1] = (uint8_t)((last ? 0x80 : 0) | s->cfg.pt);
    wr_put_u16(p + 2, s->seq);
    wr_put_u32(p + 4, ts);
    wr_put_u32(p + 8, s->cfg.ssrc);
    memcpy(p + o, s->ext, s->cfg.ext_len);
    o += s->cfg.ext_len;
    /* X, N, S, PID 0 */
    p[o++] = (uint8_t)(0x80 | (f->droppable ? 0x20 : 0) | (first ? 0x10 : 0));
    /* I, and L and T with temporal layers */
    p[o++] = (uint8_t)(0x80 | (s->temporal ? 0x60 : 0));
    wr_put_u16(p + o, (uint16_t)(0x8000 | s->picture_id));
    o += 2;
    if (s->temporal) {
        p[o++] = s->tl0picidx;
        p[o++] = (uint8_t)(f->tid << 6 | (f->layer_sync ? 0x20 : 0));
    }
    return o;
}

int lg_vp8_send_frame(struct lg_vp8_send *s, uint64_t now_us, struct lg_vp8_burst *out)
{
    struct lg_vp8_frame f;
    unsigned pos = s->pos, jump = 0;
    size_t head = HDR + s->cfg.ext_len + (s->temporal ? 6 : 4);
    size_t room = s->cfg.max_packet - head - LG_MARKER_PAD, npk, share, extra, off = 0;
    uint32_t ts = (uint32_t)(now_us * 9 / 100) + s->cfg.ts_offset;

    out->n = 0;
    if (out->stride < s->cfg.max_packet)
        return ERR_INVAL;
    if (s->key_wanted && pos % s->key != 0) {
        jump = s->key - pos % s->key;
        pos = (pos + jump) % s->n;
    }
    if (!lg_vp8_clip_frame(s->cfg.clip, s->cfg.layer, pos, &f))
        return ERR_INVAL;
    npk = (f.len + room - 1) / room;
    if (npk > out->max || npk > LG_VP8_FRAME_PKTS)
        return ERR_TOOBIG;
    share = f.len / npk; /* balanced: the first `extra` packets carry one more byte */
    extra = f.len % npk;
    s->frame += jump;
    if (s->temporal && f.tid == 0)
        s->tl0picidx++;
    for (size_t i = 0; i < npk; i++) {
        uint8_t *p = out->buf + i * out->stride;
        size_t chunk = share + (i < extra ? 1 : 0);
        size_t o = write_head(s, p, ts, i + 1 == npk, i == 0, &f);
        struct lg_marker m = {.stream =
                                  lg_stream_id(s->cfg.participant, (uint8_t)(1 + s->cfg.layer)),
                              .frame = s->frame,
                              .index = (uint16_t)i,
                              .count = (uint16_t)npk,
                              .send_us = now_us};
        int n;

        memcpy(p + o, f.data + off, chunk);
        off += chunk;
        n = lg_marker_append(p, o + chunk, out->stride, &m);
        if (n < 0)
            return n; /* cannot happen: the sizes were checked above */
        out->len[i] = (size_t)n;
        s->seq++;
    }
    out->n = npk;
    out->frame = s->frame;
    out->pos = pos;
    out->key = f.key;
    s->picture_id = (uint16_t)((s->picture_id + 1) & 0x7fff);
    s->frame++;
    s->pos = (pos + 1) % s->n;
    s->key_wanted = false;
    return 0;
}
