/* The generator's VP8 clip, encoded once (vp8_clip.h). */
#include "tests/load/vp8_clip.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vpx/vp8cx.h>
#include <vpx/vp8dx.h>
#include <vpx/vpx_decoder.h>
#include <vpx/vpx_encoder.h>

#include "base/err.h"

#define TEX 64 /* side of the moving noise tile */

struct clip_frame {
    size_t off, len;
    bool key, droppable, layer_sync;
    uint8_t tid, refs, updates;
    uint64_t hash;
};

struct clip_layer {
    uint8_t *bytes; /* every frame, back to back */
    size_t len, cap;
    struct clip_frame *frames; /* cfg.frames of them */
};

struct lg_vp8_clip {
    struct lg_vp8_clip_cfg cfg;
    struct clip_layer layer[LG_VP8_MAX_LAYERS];
    uint64_t cost_us;
};

void lg_vp8_clip_cfg_default(struct lg_vp8_clip_cfg *cfg)
{
    static const struct lg_vp8_layer_cfg layers[LG_VP8_MAX_LAYERS] = {
        {320, 180, 150}, {640, 360, 500}, {1280, 720, 1500}};

    memset(cfg, 0, sizeof(*cfg));
    cfg->n_layers = LG_VP8_MAX_LAYERS;
    memcpy(cfg->layer, layers, sizeof(layers));
    cfg->fps = 30;
    cfg->frames = 120;
    cfg->key_interval = 60;
    cfg->temporal_layers = 3;
}

static bool cfg_ok(const struct lg_vp8_clip_cfg *cfg)
{
    if (cfg->n_layers < 1 || cfg->n_layers > LG_VP8_MAX_LAYERS)
        return false;
    if (cfg->fps < 1 || cfg->fps > 120 || cfg->frames < 1 || cfg->frames > LG_VP8_MAX_FRAMES)
        return false;
    if (cfg->key_interval < 1 || cfg->frames % cfg->key_interval != 0)
        return false;
    if (cfg->temporal_layers != 1 && cfg->temporal_layers != 3)
        return false;
    for (unsigned l = 0; l < cfg->n_layers; l++) {
        const struct lg_vp8_layer_cfg *lc = &cfg->layer[l];

        if (lc->width < 16 || lc->width > LG_VP8_MAX_DIM || lc->width % 2 != 0 || lc->height < 16 ||
            lc->height > LG_VP8_MAX_DIM || lc->height % 2 != 0 || lc->kbps < 10 ||
            lc->kbps > 100000)
            return false;
    }
    return true;
}

static uint64_t thread_cpu_us(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t rotl64(uint64_t v, unsigned r)
{
    return v << r | v >> (64 - r);
}

static uint64_t load64(const uint8_t *p)
{
    uint64_t v;

    memcpy(&v, p, sizeof v);
    return v;
}

static uint64_t hash_rows(uint64_t h, const uint8_t *p, int stride, unsigned w, unsigned rows)
{
    const uint64_t m1 = 0x9e3779b185ebca87ull, m2 = 0xc2b2ae3d27d4eb4full;

    for (unsigned y = 0; y < rows; y++) {
        const uint8_t *row = p + (ptrdiff_t)y * stride;
        unsigned x = 0;

        for (; x + 8 <= w; x += 8)
            h = rotl64(h ^ load64(row + x) * m1, 31) * m2;
        for (; x < w; x++)
            h = rotl64(h ^ row[x] * m1, 31) * m2;
    }
    return h;
}

uint64_t lg_vp8_i420_hash(const uint8_t *const plane[3], const int stride[3], unsigned w,
                          unsigned h)
{
    uint64_t v = 0x243f6a8885a308d3ull ^ ((uint64_t)w << 32 | h);
    unsigned cw = (w + 1) / 2, ch = (h + 1) / 2;

    v = hash_rows(v, plane[0], stride[0], w, h);
    v = hash_rows(v, plane[1], stride[1], cw, ch);
    v = hash_rows(v, plane[2], stride[2], cw, ch);
    v ^= v >> 33;
    v *= 0xff51afd7ed558ccdull;
    return v ^ v >> 33;
}

static uint8_t clamp_u8(int v)
{
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* Draws position `pos` of a w x h picture into img: smooth moving waves, a
 * drifting noise tile, and pos as 12 black/white blocks along the top. */
static void draw(vpx_image_t *img, unsigned w, unsigned h, unsigned pos, const uint8_t *tex)
{
    unsigned bw = w / 14, bh = h / 8;
    double sx[LG_VP8_MAX_DIM];

    for (unsigned x = 0; x < w; x++)
        sx[x] = 60.0 * sin((double)(x + 3 * pos) / 17.0);
    for (unsigned y = 0; y < h; y++) {
        uint8_t *row = img->planes[0] + (ptrdiff_t)y * img->stride[0];
        double cy = cos((double)(y + pos) / 23.0);

        for (unsigned x = 0; x < w; x++) {
            int v = 128 + (int)(sx[x] * cy);

            v += tex[((y + pos) % TEX) * TEX + (x + 2 * pos) % TEX] / 16 - 8;
            row[x] = clamp_u8(v);
        }
    }
    for (unsigned b = 0; b < 12; b++) {
        uint8_t v = (pos >> b & 1) ? 235 : 16;

        for (unsigned y = bh / 2; y < bh / 2 + bh && y < h; y++)
            memset(img->planes[0] + (ptrdiff_t)y * img->stride[0] + bw * (b + 1), v, bw);
    }
    for (unsigned y = 0; y < (h + 1) / 2; y++) {
        uint8_t *u = img->planes[1] + (ptrdiff_t)y * img->stride[1];
        uint8_t *v = img->planes[2] + (ptrdiff_t)y * img->stride[2];

        for (unsigned x = 0; x < (w + 1) / 2; x++) {
            u[x] = (uint8_t)(96 + (x + pos) % 64);
            v[x] = (uint8_t)(160 - (y + 2 * pos) % 64);
        }
    }
}

/* The encoder flags and temporal layer of position pos. */
static vpx_enc_frame_flags_t pattern(const struct lg_vp8_clip_cfg *cfg, unsigned pos,
                                     struct clip_frame *f)
{
    unsigned i = pos % cfg->key_interval;
    const vpx_enc_frame_flags_t no_upd =
        VP8_EFLAG_NO_UPD_LAST | VP8_EFLAG_NO_UPD_GF | VP8_EFLAG_NO_UPD_ARF;

    f->tid = 0;
    f->layer_sync = false;
    f->droppable = false;
    f->refs = LG_VP8_BUF_ALL;
    f->updates = LG_VP8_BUF_ALL;
    if (i == 0) {
        f->refs = 0;
        return VPX_EFLAG_FORCE_KF;
    }
    if (cfg->temporal_layers == 1)
        return 0;
    switch (i % 4) {
    case 0: /* TL0: refers to and updates LAST */
        f->refs = f->updates = LG_VP8_BUF_LAST;
        return VP8_EFLAG_NO_REF_GF | VP8_EFLAG_NO_REF_ARF | VP8_EFLAG_NO_UPD_GF |
               VP8_EFLAG_NO_UPD_ARF;
    case 2: /* TL1: refers to LAST and GOLDEN, updates GOLDEN */
        f->tid = 1;
        f->layer_sync = i == 2;
        f->updates = LG_VP8_BUF_GOLDEN;
        return VP8_EFLAG_NO_REF_ARF | VP8_EFLAG_NO_UPD_LAST | VP8_EFLAG_NO_UPD_ARF;
    case 1: /* TL2 after TL0: refers to LAST only */
        f->tid = 2;
        f->layer_sync = true;
        f->droppable = true;
        f->refs = LG_VP8_BUF_LAST;
        f->updates = 0;
        return VP8_EFLAG_NO_REF_GF | VP8_EFLAG_NO_REF_ARF | no_upd | VP8_EFLAG_NO_UPD_ENTROPY;
    default: /* TL2 after TL1 */
        f->tid = 2;
        f->droppable = true;
        f->updates = 0;
        return VP8_EFLAG_NO_REF_ARF | no_upd | VP8_EFLAG_NO_UPD_ENTROPY;
    }
}

static int store(struct clip_layer *cl, struct clip_frame *f, const vpx_codec_cx_pkt_t *pkt)
{
    size_t n = pkt->data.frame.sz;

    if (n == 0 || n > LG_VP8_MAX_FRAME_BYTES)
        return ERR_TOOBIG;
    if (n > cl->cap - cl->len) {
        size_t cap = cl->cap ? cl->cap : 65536;
        uint8_t *b;

        while (n > cap - cl->len)
            cap *= 2;
        b = realloc(cl->bytes, cap);
        if (b == NULL)
            return ERR_NOMEM;
        cl->bytes = b;
        cl->cap = cap;
    }
    memcpy(cl->bytes + cl->len, pkt->data.frame.buf, n);
    f->off = cl->len;
    f->len = n;
    f->key = (pkt->data.frame.flags & VPX_FRAME_IS_KEY) != 0;
    if (!(pkt->data.frame.flags & VPX_FRAME_IS_DROPPABLE) && f->droppable) {
        f->droppable = false; /* libvpx updated something after all */
        f->updates = LG_VP8_BUF_ALL;
    }
    cl->len += n;
    return 0;
}

static void enc_config(vpx_codec_enc_cfg_t *ec, const struct lg_vp8_clip_cfg *cfg,
                       const struct lg_vp8_layer_cfg *lc)
{
    ec->g_w = lc->width;
    ec->g_h = lc->height;
    ec->g_timebase.num = 1;
    ec->g_timebase.den = (int)cfg->fps;
    ec->rc_target_bitrate = lc->kbps;
    ec->g_threads = 1;
    ec->g_lag_in_frames = 0;
    ec->g_pass = VPX_RC_ONE_PASS;
    ec->rc_end_usage = VPX_CBR;
    ec->rc_dropframe_thresh = 0; /* every position gets a frame */
    ec->rc_resize_allowed = 0;
    ec->rc_min_quantizer = 2;
    ec->rc_max_quantizer = 56;
    ec->rc_undershoot_pct = 100;
    ec->rc_overshoot_pct = 15;
    ec->rc_buf_initial_sz = 500;
    ec->rc_buf_optimal_sz = 600;
    ec->rc_buf_sz = 1000;
    ec->kf_mode = VPX_KF_DISABLED; /* keyframes only where the clip puts them */
    ec->g_error_resilient = cfg->temporal_layers > 1 ? VPX_ERROR_RESILIENT_DEFAULT : 0;
}

/* Encodes every position of layer l. */
static int encode_layer(struct lg_vp8_clip *c, unsigned l, const uint8_t *tex)
{
    const struct lg_vp8_layer_cfg *lc = &c->cfg.layer[l];
    struct clip_layer *cl = &c->layer[l];
    vpx_codec_enc_cfg_t ec;
    vpx_codec_ctx_t enc;
    vpx_image_t img;
    int rc = ERR_IO;

    if (vpx_img_alloc(&img, VPX_IMG_FMT_I420, lc->width, lc->height, 16) == NULL)
        return ERR_NOMEM;
    if (vpx_codec_enc_config_default(vpx_codec_vp8_cx(), &ec, 0) != VPX_CODEC_OK)
        goto out_img;
    enc_config(&ec, &c->cfg, lc);
    if (vpx_codec_enc_init(&enc, vpx_codec_vp8_cx(), &ec, 0) != VPX_CODEC_OK)
        goto out_img;
    if (vpx_codec_control(&enc, VP8E_SET_CPUUSED, -6) != VPX_CODEC_OK ||
        vpx_codec_control(&enc, VP8E_SET_MAX_INTRA_BITRATE_PCT, 600) != VPX_CODEC_OK ||
        vpx_codec_control(&enc, VP8E_SET_TOKEN_PARTITIONS, VP8_ONE_TOKENPARTITION) != VPX_CODEC_OK)
        goto out_enc;
    for (unsigned pos = 0; pos < c->cfg.frames; pos++) {
        struct clip_frame *f = &cl->frames[pos];
        vpx_enc_frame_flags_t flags = pattern(&c->cfg, pos, f);
        vpx_codec_iter_t it = NULL;
        const vpx_codec_cx_pkt_t *pkt;
        bool got = false;

        draw(&img, lc->width, lc->height, pos, tex);
        if (vpx_codec_encode(&enc, &img, pos, 1, flags, VPX_DL_REALTIME) != VPX_CODEC_OK)
            goto out_enc;
        while ((pkt = vpx_codec_get_cx_data(&enc, &it)) != NULL) {
            if (pkt->kind != VPX_CODEC_CX_FRAME_PKT)
                continue;
            if (got)
                goto out_enc; /* one frame per position, nothing else */
            rc = store(cl, f, pkt);
            if (rc < 0)
                goto out_enc;
            rc = ERR_IO;
            got = true;
        }
        if (!got || f->key != (pos % c->cfg.key_interval == 0))
            goto out_enc;
    }
    rc = 0;
out_enc:
    vpx_codec_destroy(&enc);
out_img:
    vpx_img_free(&img);
    return rc;
}

/* Decodes layer l once, in clip order, for the reference hashes. */
static int decode_layer(struct lg_vp8_clip *c, unsigned l)
{
    struct clip_layer *cl = &c->layer[l];
    vpx_codec_ctx_t dec;
    int rc = ERR_IO;

    if (vpx_codec_dec_init(&dec, vpx_codec_vp8_dx(), NULL, 0) != VPX_CODEC_OK)
        return ERR_IO;
    for (unsigned pos = 0; pos < c->cfg.frames; pos++) {
        struct clip_frame *f = &cl->frames[pos];
        vpx_codec_iter_t it = NULL;
        vpx_image_t *img;

        if (vpx_codec_decode(&dec, cl->bytes + f->off, (unsigned)f->len, NULL, 0) != VPX_CODEC_OK)
            goto out;
        img = vpx_codec_get_frame(&dec, &it);
        if (img == NULL || img->fmt != VPX_IMG_FMT_I420)
            goto out;
        f->hash =
            lg_vp8_i420_hash((const uint8_t *const *)img->planes, img->stride, img->d_w, img->d_h);
    }
    rc = 0;
out:
    vpx_codec_destroy(&dec);
    return rc;
}

int lg_vp8_clip_create(struct lg_vp8_clip **out, const struct lg_vp8_clip_cfg *cfg)
{
    uint8_t tex[TEX * TEX];
    uint64_t t0 = thread_cpu_us(), seed = 0x853c49e6748fea9bull;
    struct lg_vp8_clip *c;
    int rc = 0;

    *out = NULL;
    if (!cfg_ok(cfg))
        return ERR_INVAL;
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return ERR_NOMEM;
    c->cfg = *cfg;
    for (size_t i = 0; i < sizeof tex; i++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        tex[i] = (uint8_t)(seed >> 56);
    }
    for (unsigned l = 0; l < cfg->n_layers && rc == 0; l++) {
        c->layer[l].frames = calloc(cfg->frames, sizeof(struct clip_frame));
        if (c->layer[l].frames == NULL)
            rc = ERR_NOMEM;
        if (rc == 0)
            rc = encode_layer(c, l, tex);
        if (rc == 0)
            rc = decode_layer(c, l);
    }
    if (rc < 0) {
        lg_vp8_clip_destroy(c);
        return rc;
    }
    c->cost_us = thread_cpu_us() - t0;
    *out = c;
    return 0;
}

void lg_vp8_clip_destroy(struct lg_vp8_clip *c)
{
    if (c == NULL)
        return;
    for (unsigned l = 0; l < LG_VP8_MAX_LAYERS; l++) {
        free(c->layer[l].bytes);
        free(c->layer[l].frames);
    }
    free(c);
}

const struct lg_vp8_clip_cfg *lg_vp8_clip_cfg(const struct lg_vp8_clip *c)
{
    return &c->cfg;
}

bool lg_vp8_clip_frame(const struct lg_vp8_clip *c, unsigned layer, unsigned pos,
                       struct lg_vp8_frame *out)
{
    const struct clip_frame *f;

    if (layer >= c->cfg.n_layers || pos >= c->cfg.frames)
        return false;
    f = &c->layer[layer].frames[pos];
    out->data = c->layer[layer].bytes + f->off;
    out->len = f->len;
    out->key = f->key;
    out->droppable = f->droppable;
    out->tid = f->tid;
    out->layer_sync = f->layer_sync;
    out->refs = f->refs;
    out->updates = f->updates;
    return true;
}

uint64_t lg_vp8_clip_hash(const struct lg_vp8_clip *c, unsigned layer, unsigned pos)
{
    if (layer >= c->cfg.n_layers || pos >= c->cfg.frames)
        return 0;
    return c->layer[layer].frames[pos].hash;
}

uint64_t lg_vp8_clip_cost_us(const struct lg_vp8_clip *c)
{
    return c->cost_us;
}

size_t lg_vp8_clip_bytes(const struct lg_vp8_clip *c, unsigned layer)
{
    return layer < c->cfg.n_layers ? c->layer[layer].len : 0;
}
