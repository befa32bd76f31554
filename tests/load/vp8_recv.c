/* The checker of one received VP8 stream (vp8_recv.h). */
#include "tests/load/vp8_recv.h"

#include <stdlib.h>
#include <string.h>

#include <vpx/vp8dx.h>
#include <vpx/vpx_decoder.h>

#include "base/err.h"
#include "media/rtp.h"
#include "tests/load/marker.h"

/* Added to unwrapped sequence numbers, so that the few before the first
 * packet stay positive. */
#define EXT_BASE ((int64_t)1 << 20)

struct slot {
    int64_t ext; /* extended sequence number */
    uint32_t ts;
    uint32_t mark_stream, mark_frame;
    uint16_t mark_count;
    uint16_t picture_id;
    uint16_t len; /* VP8 payload bytes (in data, when has_data) */
    bool used, mbit, start, nonref, key, has_mark, has_pid, has_data;
};

/* The frame being put together. */
struct cur_frame {
    bool active, ok, nonref, key, has_mark, has_pid, has_data;
    uint32_t ts;
    uint32_t mark_stream, mark_frame;
    uint16_t mark_count;
    uint16_t picture_id;
    size_t npk, len;
};

struct lg_vp8_recv {
    struct lg_vp8_recv_cfg cfg;
    struct slot slot[LG_VP8_RX_SLOTS];
    uint8_t (*data)[LG_VP8_RX_PKT_MAX]; /* per slot, while decoding */
    uint8_t *frame;                     /* LG_VP8_MAX_FRAME_BYTES, while decoding */
    vpx_codec_ctx_t dec;
    bool dec_open;
    struct rtp_seq_unwrapper unwrap;
    bool started;
    int64_t head, highest; /* next to process; newest seen */
    int64_t first_ext;     /* the first packet's */
    struct cur_frame cur;
    uint8_t broken; /* LG_VP8_BUF_*: reference buffers not to be trusted */
    bool has_pid;
    uint16_t last_pid;
    bool has_shown;
    uint64_t first_shown_us, last_shown_us;
    struct lg_vp8_recv_stats st;
};

static int decoder_on(struct lg_vp8_recv *r)
{
    if (r->data == NULL) {
        r->data = malloc(sizeof(*r->data) * LG_VP8_RX_SLOTS);
        if (r->data == NULL)
            return ERR_NOMEM;
    }
    if (r->frame == NULL) {
        r->frame = malloc(LG_VP8_MAX_FRAME_BYTES);
        if (r->frame == NULL)
            return ERR_NOMEM;
    }
    if (!r->dec_open) {
        if (vpx_codec_dec_init(&r->dec, vpx_codec_vp8_dx(), NULL, 0) != VPX_CODEC_OK)
            return ERR_IO;
        r->dec_open = true;
    }
    return 0;
}

int lg_vp8_recv_create(struct lg_vp8_recv **out, const struct lg_vp8_recv_cfg *cfg)
{
    struct lg_vp8_recv *r;
    int rc;

    *out = NULL;
    if (cfg->clip == NULL || cfg->reorder > LG_VP8_RX_SLOTS / 2)
        return ERR_INVAL;
    r = calloc(1, sizeof(*r));
    if (r == NULL)
        return ERR_NOMEM;
    r->cfg = *cfg;
    if (r->cfg.reorder == 0)
        r->cfg.reorder = LG_VP8_RX_REORDER;
    if (r->cfg.freeze_us == 0)
        r->cfg.freeze_us = LG_VP8_FREEZE_US;
    r->broken = LG_VP8_BUF_ALL;
    r->st.layer = -1;
    if (cfg->decode) {
        rc = decoder_on(r);
        if (rc < 0) {
            lg_vp8_recv_destroy(r);
            return rc;
        }
    }
    *out = r;
    return 0;
}

void lg_vp8_recv_destroy(struct lg_vp8_recv *r)
{
    if (r == NULL)
        return;
    if (r->dec_open)
        vpx_codec_destroy(&r->dec);
    free(r->data);
    free(r->frame);
    free(r);
}

int lg_vp8_recv_set_decode(struct lg_vp8_recv *r, bool on)
{
    if (on && !r->cfg.decode) {
        int rc = decoder_on(r);

        if (rc < 0)
            return rc;
        /* frames begun before have no data; the decoder starts afresh */
        r->cur.has_data = false;
        r->broken = LG_VP8_BUF_ALL;
    }
    r->cfg.decode = on;
    return 0;
}

bool lg_vp8_recv_keyframe_wanted(const struct lg_vp8_recv *r)
{
    return r->started && r->broken != 0;
}

static void shown(struct lg_vp8_recv *r, uint64_t now_us, int layer)
{
    if (r->has_shown) {
        uint64_t gap = now_us > r->last_shown_us ? now_us - r->last_shown_us : 0;

        if (gap > r->cfg.freeze_us) {
            r->st.freezes++;
            r->st.frozen_us += gap;
        }
    } else {
        r->has_shown = true;
        r->first_shown_us = now_us;
        r->st.has_first = true;
        r->st.join_to_first_us = now_us > r->cfg.join_us ? now_us - r->cfg.join_us : 0;
    }
    r->last_shown_us = now_us;
    r->st.shown++;
    if (layer >= 0) {
        if (r->st.layer >= 0 && r->st.layer != layer)
            r->st.layer_switches++;
        r->st.layer = layer;
    }
}

/* The clip layer and position a frame's mark names, or false. */
static bool mark_ref(const struct lg_vp8_recv *r, const struct cur_frame *f, unsigned *layer,
                     unsigned *pos)
{
    const struct lg_vp8_clip_cfg *cc = lg_vp8_clip_cfg(r->cfg.clip);
    unsigned what = f->mark_stream & 0xff;

    if (!f->has_mark || what < 1 || what > cc->n_layers)
        return false;
    *layer = what - 1;
    *pos = f->mark_frame % cc->frames;
    return true;
}

/* A keyframe's picture size (RFC 6386 9.1), before libvpx allocates for
 * it: at most LG_VP8_MAX_DIM either way. */
static bool key_size_ok(const uint8_t *d, size_t len)
{
    unsigned w, h;

    if (len < 10)
        return false;
    w = (unsigned)(d[6] | d[7] << 8) & 0x3fffu;
    h = (unsigned)(d[8] | d[9] << 8) & 0x3fffu;
    return w > 0 && h > 0 && w <= LG_VP8_MAX_DIM && h <= LG_VP8_MAX_DIM;
}

/* Decodes the complete frame in r->frame and checks its picture. */
static void decode(struct lg_vp8_recv *r, uint64_t now_us)
{
    const struct cur_frame *f = &r->cur;
    vpx_codec_iter_t it = NULL;
    vpx_image_t *img;
    unsigned layer = 0, pos = 0;
    bool ref = mark_ref(r, f, &layer, &pos);

    if (f->key && !key_size_ok(r->frame, f->len)) {
        r->st.decode_errors++;
        r->broken = LG_VP8_BUF_ALL;
        return;
    }
    if (vpx_codec_decode(&r->dec, r->frame, (unsigned)f->len, NULL, 0) != VPX_CODEC_OK) {
        r->st.decode_errors++;
        r->broken = LG_VP8_BUF_ALL;
        return;
    }
    img = vpx_codec_get_frame(&r->dec, &it);
    if (img == NULL || img->fmt != VPX_IMG_FMT_I420) {
        r->st.decode_errors++;
        r->broken = LG_VP8_BUF_ALL;
        return;
    }
    r->st.decoded++;
    if (!ref) {
        r->st.unverified++;
    } else {
        uint64_t h =
            lg_vp8_i420_hash((const uint8_t *const *)img->planes, img->stride, img->d_w, img->d_h);

        if (h != lg_vp8_clip_hash(r->cfg.clip, layer, pos))
            r->st.corrupt++;
    }
    shown(r, now_us, ref ? (int)layer : -1);
}

/* The reference buffers f refers to and updates: the clip's, for the
 * position its mark names; without a mark, everything (nothing, when the
 * N bit says it is droppable). */
static void frame_bufs(const struct lg_vp8_recv *r, const struct cur_frame *f, uint8_t *refs,
                       uint8_t *updates)
{
    unsigned layer = 0, pos = 0;
    struct lg_vp8_frame cf;

    if (mark_ref(r, f, &layer, &pos) && lg_vp8_clip_frame(r->cfg.clip, layer, pos, &cf)) {
        *refs = cf.refs;
        *updates = cf.updates;
    } else {
        *refs = LG_VP8_BUF_ALL;
        *updates = f->nonref ? 0 : LG_VP8_BUF_ALL;
    }
}

/* The buffers that the `gap` frames lost just before f would have
 * updated: f's mark names its clip position, and the frames before it in
 * the clip are the ones that went missing (the frame number only jumps at
 * a keyframe, and a switch to another layer starts with one, so a gap that
 * spans either holds a keyframe, which updates everything). */
static uint8_t gap_updates(const struct lg_vp8_recv *r, const struct cur_frame *f, unsigned gap)
{
    const struct lg_vp8_clip_cfg *cc = lg_vp8_clip_cfg(r->cfg.clip);
    unsigned layer = 0, pos = 0;
    struct lg_vp8_frame cf;
    uint8_t updates = 0;

    if (!mark_ref(r, f, &layer, &pos) || gap >= cc->frames)
        return LG_VP8_BUF_ALL;
    for (unsigned j = 1; j <= gap; j++) {
        if (!lg_vp8_clip_frame(r->cfg.clip, layer, (pos + cc->frames - j) % cc->frames, &cf))
            return LG_VP8_BUF_ALL;
        updates |= cf.updates;
    }
    return updates;
}

/* Ends the current frame: counts it, and shows it when its references
 * are intact (a keyframe's always are). */
static void end_frame(struct lg_vp8_recv *r, uint64_t now_us)
{
    struct cur_frame *f = &r->cur;
    bool complete = f->ok && (!f->has_mark || f->npk == f->mark_count);
    uint8_t refs, updates;

    f->active = false;
    if (f->has_pid) {
        if (r->has_pid && f->picture_id != ((r->last_pid + 1) & 0x7fff)) {
            unsigned gap = (uint16_t)(f->picture_id - r->last_pid - 1u) & 0x7fffu;

            r->st.missing += gap;
            r->broken |= gap_updates(r, f, gap);
        }
        r->has_pid = true;
        r->last_pid = f->picture_id;
    }
    frame_bufs(r, f, &refs, &updates);
    if (!complete) {
        r->st.incomplete++;
        r->broken |= updates;
        return;
    }
    r->st.complete++;
    if (f->key)
        r->st.keyframes++;
    if ((!f->key && (refs & r->broken) != 0) || (r->cfg.decode && !f->has_data)) {
        /* references lost, or begun before decoding was on, or too large */
        r->st.skipped++;
        r->broken |= updates;
        return;
    }
    if (f->key)
        r->broken = 0;
    else
        r->broken &= (uint8_t)~updates;
    if (r->cfg.decode) {
        decode(r, now_us);
    } else {
        unsigned layer = 0, pos = 0;

        shown(r, now_us, mark_ref(r, f, &layer, &pos) ? (int)layer : -1);
    }
}

/* A packet missing for good. */
static void lost(struct lg_vp8_recv *r)
{
    r->st.lost++;
    r->cur.ok = false;
}

/* The next packet in sequence order. */
static void take(struct lg_vp8_recv *r, uint64_t now_us, const struct slot *s, const uint8_t *d)
{
    struct cur_frame *f = &r->cur;

    if (f->active && s->ts != f->ts)
        end_frame(r, now_us); /* its last packet never came */
    if (!f->active) {
        memset(f, 0, sizeof(*f));
        f->active = true;
        f->ts = s->ts;
        f->ok = s->start;
        f->key = s->key;
        f->has_data = r->cfg.decode;
    } else if (s->start) {
        f->ok = false; /* a second start in one frame */
    }
    f->npk++;
    f->nonref |= s->nonref;
    if (s->has_pid && !f->has_pid) {
        f->has_pid = true;
        f->picture_id = s->picture_id;
    }
    if (s->has_mark && !f->has_mark) {
        f->has_mark = true;
        f->mark_stream = s->mark_stream;
        f->mark_frame = s->mark_frame;
        f->mark_count = s->mark_count;
    }
    if (f->has_data) {
        if (!s->has_data || s->len > LG_VP8_MAX_FRAME_BYTES - f->len) {
            f->has_data = false;
        } else {
            memcpy(r->frame + f->len, d, s->len);
            f->len += s->len;
        }
    }
    if (s->mbit)
        end_frame(r, now_us);
}

/* Processes the packet at head, present or lost, and moves head on. */
static void step(struct lg_vp8_recv *r, uint64_t now_us)
{
    size_t k = (size_t)(r->head % LG_VP8_RX_SLOTS);
    struct slot *s = &r->slot[k];

    if (s->used && s->ext == r->head) {
        take(r, now_us, s, r->data ? r->data[k] : NULL);
        s->used = false;
    } else if (r->head >= r->first_ext) {
        lost(r);
    } /* else: before the first packet, nothing was known to be missing */
    r->head++;
}

/* Processes what is in order, and what the reorder window gives up on. */
static void advance(struct lg_vp8_recv *r, uint64_t now_us)
{
    while (r->head <= r->highest) {
        const struct slot *s = &r->slot[r->head % LG_VP8_RX_SLOTS];

        if (!(s->used && s->ext == r->head) && r->highest - r->head < (int64_t)r->cfg.reorder)
            break;
        step(r, now_us);
    }
}

void lg_vp8_recv_flush(struct lg_vp8_recv *r, uint64_t now_us)
{
    struct cur_frame *f = &r->cur;

    if (!r->started || r->highest - r->head >= LG_VP8_RX_SLOTS)
        return;
    while (r->head <= r->highest)
        step(r, now_us);
    if (f->active) { /* its last packets never came */
        r->st.lost += f->has_mark && f->mark_count > f->npk ? f->mark_count - f->npk : 1;
        f->ok = false;
        end_frame(r, now_us);
    }
}

/* Makes room for ext: everything more than the window behind it goes. */
static void make_room(struct lg_vp8_recv *r, uint64_t now_us, int64_t ext)
{
    int64_t limit = ext - LG_VP8_RX_SLOTS + 1; /* head must reach this */

    for (int i = 0; i < LG_VP8_RX_SLOTS && r->head < limit; i++)
        step(r, now_us);
    if (r->head < limit) { /* a jump: every slot is empty by now */
        int64_t from = r->head > r->first_ext ? r->head : r->first_ext;

        if (limit > from) {
            r->st.lost += (uint64_t)(limit - from);
            r->cur.ok = false;
        }
        r->head = limit;
    }
}

/* Parses pkt into s (and its VP8 payload into d). */
static int parse(struct lg_vp8_recv *r, const uint8_t *pkt, size_t len, struct slot *s,
                 const uint8_t **d)
{
    struct rtp_packet p;
    struct rtp_vp8_desc v;
    struct lg_marker m;

    if (len > LG_VP8_RX_PKT_MAX)
        return ERR_TOOBIG;
    if (rtp_parse(&p, pkt, len) < 0 || rtp_vp8_parse(&v, p.payload, p.payload_len) < 0)
        return ERR_PARSE;
    memset(s, 0, sizeof(*s));
    s->ts = p.timestamp;
    s->mbit = p.marker;
    s->start = v.start && v.pid == 0;
    s->nonref = v.non_reference;
    s->key = v.keyframe;
    s->has_pid = v.has_picture_id;
    s->picture_id = v.picture_id_15 ? v.picture_id : (uint16_t)(v.picture_id & 0x7f);
    s->len = (uint16_t)(p.payload_len - v.desc_len);
    *d = p.payload + v.desc_len;
    if (lg_marker_read(pkt, len, &m, NULL) == 0) {
        s->has_mark = true;
        s->mark_stream = m.stream;
        s->mark_frame = m.frame;
        s->mark_count = m.count;
        if ((r->cfg.check_participant && m.stream >> 8 != r->cfg.participant) ||
            (m.stream & 0xff) < 1 || (m.stream & 0xff) > lg_vp8_clip_cfg(r->cfg.clip)->n_layers)
            r->st.foreign++;
    } else {
        r->st.unmarked++;
    }
    return (int)p.seq;
}

int lg_vp8_recv_input(struct lg_vp8_recv *r, uint64_t now_us, const uint8_t *pkt, size_t len)
{
    struct slot s;
    const uint8_t *d = NULL;
    int seq = parse(r, pkt, len, &s, &d);
    int64_t ext;
    size_t k;

    if (seq < 0) {
        r->st.invalid++;
        return seq;
    }
    ext = rtp_seq_unwrap(&r->unwrap, (uint16_t)seq) + EXT_BASE;
    if (!r->started) {
        /* Joined mid-frame: packets before this one may still come. */
        r->started = true;
        r->first_ext = ext;
        r->head = s.start ? ext : ext - (int64_t)r->cfg.reorder + 1;
        r->highest = ext;
    }
    if (ext < r->head) {
        r->st.late++;
        return 0;
    }
    if (ext >= r->head + LG_VP8_RX_SLOTS)
        make_room(r, now_us, ext);
    k = (size_t)(ext % LG_VP8_RX_SLOTS);
    if (r->slot[k].used && r->slot[k].ext == ext) {
        r->st.duplicates++;
        return 0;
    }
    r->st.packets++;
    s.used = true;
    s.ext = ext;
    s.has_data = r->cfg.decode && r->data != NULL;
    if (s.has_data)
        memcpy(r->data[k], d, s.len);
    r->slot[k] = s;
    if (ext > r->highest)
        r->highest = ext;
    advance(r, now_us);
    return 0;
}

void lg_vp8_recv_stats(const struct lg_vp8_recv *r, uint64_t now_us, struct lg_vp8_recv_stats *out)
{
    *out = r->st;
    out->frozen_now_us = 0;
    out->fps = 0;
    if (!r->has_shown)
        return;
    if (now_us > r->last_shown_us && now_us - r->last_shown_us > r->cfg.freeze_us)
        out->frozen_now_us = now_us - r->last_shown_us;
    if (r->st.shown > 1 && r->last_shown_us > r->first_shown_us)
        out->fps = (double)(r->st.shown - 1) * 1e6 / (double)(r->last_shown_us - r->first_shown_us);
}
