/* The load generator's video: clip, camera track, video RTCP
 * (load_video.h). */
#include "tests/load/load_video.h"

#include <string.h>

#include "base/err.h"
#include "media/rd.h"
#include "media/rtcp.h"
#include "tests/load/load.h"

#define CLIP_SECONDS 4
#define KEY_SECONDS 2

int lg_video_clip_make(struct lg_vp8_clip **out, const struct lg_video_cfg *cfg)
{
    struct lg_vp8_clip_cfg cc;

    *out = NULL;
    if ((cfg->n_layers != 1 && cfg->n_layers != 3) || cfg->fps < 1 || cfg->fps > 60 ||
        cfg->width < LG_VIDEO_MIN_DIM || cfg->height < LG_VIDEO_MIN_DIM ||
        cfg->width > LG_VP8_MAX_DIM || cfg->height > LG_VP8_MAX_DIM)
        return ERR_INVAL;
    lg_vp8_clip_cfg_default(&cc);
    cc.n_layers = cfg->n_layers;
    for (unsigned k = 0; k < cfg->n_layers; k++) {
        unsigned div = 1u << (cfg->n_layers - 1 - k);
        cc.layer[k].width = cfg->width / div & ~1u;
        cc.layer[k].height = cfg->height / div & ~1u;
        cc.layer[k].kbps = cfg->kbps[k];
    }
    cc.fps = cfg->fps;
    cc.frames = CLIP_SECONDS * cfg->fps;
    cc.key_interval = KEY_SECONDS * cfg->fps;
    return lg_vp8_clip_create(out, &cc);
}

const char *lg_video_rid(unsigned layer, unsigned n_layers)
{
    static const char *const rids[LG_VP8_MAX_LAYERS] = {"q", "h", "f"};
    return n_layers > 1 && layer < LG_VP8_MAX_LAYERS ? rids[layer] : "";
}

int lg_video_pub_start(struct lg_video_pub *v, const struct lg_vp8_clip *clip, uint32_t participant,
                       uint8_t ext_mid, uint8_t ext_rid, int64_t now_us)
{
    const struct lg_vp8_clip_cfg *cc = lg_vp8_clip_cfg(clip);
    uint8_t ext[LG_VP8_EXT_MAX];

    if (v->n_layers != cc->n_layers || ext_mid > 14 || ext_rid > 14 || v->send[0] != NULL)
        return ERR_INVAL;
    for (unsigned k = 0; k < v->n_layers; k++) {
        const char *rid = lg_video_rid(k, v->n_layers);
        size_t n = lg_ext_block(ext, v->ext_twcc, ext_mid, LG_VIDEO_MID, ext_rid, rid);
        struct lg_vp8_send_cfg sc = {
            .clip = clip,
            .layer = k,
            .participant = participant,
            .ssrc = v->ssrc[k],
            .pt = LG_VIDEO_PT,
            .first_seq = (uint16_t)(v->ssrc[k] >> 7),
            .ts_offset = v->ssrc[k] * 2654435761u,
            .first_picture_id = (uint16_t)(v->ssrc[k] >> 3),
            .ext = n ? ext : NULL,
            .ext_len = n,
        };
        int rc = lg_vp8_send_create(&v->send[k], &sc);
        if (rc == 0 && v->rtx_on) {
            /* RFC 8852 §3.2: a simulcast layer's repairs name its rid. */
            n = lg_ext_block(ext, v->ext_twcc, ext_mid, LG_VIDEO_MID, v->ext_rrid, rid);
            struct lg_rtx_sender_cfg xc = {.ssrc = v->ssrc[k],
                                           .rtx_ssrc = v->rtx_ssrc[k],
                                           .rtx_pt = v->rtx_pt,
                                           .first_rtx_seq = (uint16_t)(v->rtx_ssrc[k] >> 9),
                                           .ext = n ? ext : NULL,
                                           .ext_len = n};
            rc = lg_rtx_sender_init(&v->rtx[k], &xc);
        }
        if (rc != 0) {
            lg_video_pub_free(v);
            return rc;
        }
    }
    v->frame_us = 1000000 / cc->fps;
    v->next_frame_us = now_us;
    return 0;
}

void lg_video_pub_free(struct lg_video_pub *v)
{
    for (unsigned k = 0; k < LG_VP8_MAX_LAYERS; k++) {
        lg_vp8_send_destroy(v->send[k]);
        v->send[k] = NULL;
        lg_rtx_sender_free(&v->rtx[k]);
    }
}

static unsigned request(struct lg_video_pub *v, uint32_t ssrc)
{
    for (unsigned k = 0; k < v->n_layers; k++) {
        if (v->ssrc[k] == ssrc && v->send[k] != NULL) {
            lg_vp8_send_keyframe_request(v->send[k]);
            v->keyframe_requests++;
            return 1;
        }
    }
    return 0;
}

unsigned lg_video_pub_rtcp(struct lg_video_pub *v, const uint8_t *buf, size_t len)
{
    struct rtcp_iter it;
    struct rtcp_block b;
    unsigned n = 0;

    rtcp_iter_init(&it, buf, len);
    while (rtcp_iter_next(&it, &b)) {
        struct rtcp_fb fb;
        struct rtcp_fir fir;

        if (b.pt != RTCP_PSFB || rtcp_parse_fb(&fb, &b) != 0)
            continue;
        if (fb.type == RTCP_FB_PLI) {
            n += request(v, fb.media_ssrc);
        } else if (fb.type == RTCP_FB_FIR && rtcp_parse_fir(&fir, &fb) == 0) {
            for (unsigned i = 0; i < fir.count; i++)
                n += request(v, fir.entries[i].ssrc);
        }
    }
    return n;
}

int lg_video_rx_input(struct lg_video_rx *x, const struct lg_vp8_clip *clip, bool decode,
                      uint32_t participant, int64_t join_us, int64_t now_us, const uint8_t *pkt,
                      size_t len)
{
    if (x->failed)
        return ERR_INVAL;
    if (x->chk == NULL) {
        struct lg_vp8_recv_cfg rc = {
            .clip = clip,
            .decode = decode,
            .join_us = join_us > 0 ? (uint64_t)join_us : 0,
            .check_participant = true,
            .participant = participant,
        };
        int e = lg_vp8_recv_create(&x->chk, &rc);
        if (e != 0) {
            x->failed = true;
            return e;
        }
    }
    (void)lg_vp8_recv_input(x->chk, (uint64_t)now_us, pkt, len); /* bad ones are counted */
    return 0;
}

void lg_video_rx_free(struct lg_video_rx *x)
{
    lg_vp8_recv_destroy(x->chk);
    x->chk = NULL;
}

static void report_block(struct lg_rx_stream *s, struct rtcp_report_block *rb)
{
    uint64_t expected = lg_seq_expected(&s->seq), lost = lg_seq_lost(&s->seq);
    uint64_t de = expected - s->rr_expected, dl = lost - s->rr_lost;

    if (expected < s->rr_expected || lost < s->rr_lost)
        de = dl = 0;
    memset(rb, 0, sizeof *rb);
    rb->ssrc = s->ssrc;
    uint64_t frac = de > 0 ? dl * 256 / de : 0;
    rb->fraction_lost = (uint8_t)(frac > 255 ? 255 : frac);
    rb->cumulative_lost = lost > 0x7fffff ? 0x7fffff : (int32_t)lost;
    rb->ext_highest_seq = (uint32_t)(s->seq.max - ((int64_t)1 << 32));
    s->rr_expected = expected;
    s->rr_lost = lost;
}

int lg_video_rtcp(struct lg_rx_stream *rx, size_t n, uint32_t sender_ssrc, bool rr, int64_t now_us,
                  uint8_t *buf, size_t cap)
{
    struct wr w;
    struct rtcp_rr r = {.ssrc = sender_ssrc};

    wr_init(&w, buf, cap);
    if (rr) {
        for (size_t i = 0; i < n && r.report_count < RTCP_MAX_REPORT_BLOCKS; i++)
            if (rx[i].seq.started)
                report_block(&rx[i], &r.reports[r.report_count++]);
        if (r.report_count > 0 && rtcp_build_rr(&w, &r) != 0)
            return ERR_TOOBIG;
    }
    for (size_t i = 0; i < n; i++) {
        struct lg_video_rx *x = &rx[i].video;
        if (!rx[i].is_video || x->chk == NULL || !lg_vp8_recv_keyframe_wanted(x->chk) ||
            (x->plis > 0 && now_us - x->last_pli_us < LG_VIDEO_PLI_US))
            continue;
        if (rtcp_build_pli(&w, sender_ssrc, rx[i].ssrc) != 0)
            return ERR_TOOBIG;
        x->last_pli_us = now_us;
        x->plis++;
    }
    return wr_ok(&w) ? (int)(w.p - buf) : ERR_TOOBIG;
}
