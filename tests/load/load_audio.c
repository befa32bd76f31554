/* Opus encoded once, packetized per participant (load_audio.h). */
#include "tests/load/load_audio.h"

#include <math.h>
#include <opus.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "tests/load/marker.h"

int lg_audio_clip_make(struct lg_audio_clip *c, unsigned seconds, int bitrate)
{
    int err = 0, rc = ERR_IO;
    memset(c, 0, sizeof *c);
    if (seconds < 1 || seconds > 30 || bitrate < 6000 || bitrate > 510000)
        return ERR_INVAL;
    size_t n = (size_t)seconds * (1000000 / LG_AUDIO_FRAME_US);
    OpusEncoder *enc = opus_encoder_create(LG_AUDIO_RATE, 1, OPUS_APPLICATION_VOIP, &err);
    if (!enc || err != OPUS_OK)
        return ERR_IO;
    c->data = calloc(n, sizeof *c->data);
    c->len = calloc(n, sizeof *c->len);
    if (!c->data || !c->len) {
        rc = ERR_NOMEM;
        goto out;
    }
    if (opus_encoder_ctl(enc, OPUS_SET_BITRATE(bitrate)) != OPUS_OK)
        goto out;
    int16_t pcm[LG_AUDIO_FRAME_SAMPLES];
    for (size_t f = 0; f < n; f++) {
        for (size_t i = 0; i < LG_AUDIO_FRAME_SAMPLES; i++) {
            double t = (double)(f * LG_AUDIO_FRAME_SAMPLES + i) / LG_AUDIO_RATE;
            /* A 440 Hz tone whose loudness swells twice a second. */
            double amp = 6000.0 * (0.6 + 0.4 * sin(2 * M_PI * 2.0 * t));
            pcm[i] = (int16_t)(amp * sin(2 * M_PI * 440.0 * t));
        }
        opus_int32 len =
            opus_encode(enc, pcm, LG_AUDIO_FRAME_SAMPLES, c->data[f], LG_AUDIO_MAX_FRAME);
        if (len <= 0)
            goto out;
        c->len[f] = (uint16_t)len;
    }
    c->n_frames = n;
    rc = 0;
out:
    opus_encoder_destroy(enc);
    if (rc != 0)
        lg_audio_clip_free(c);
    return rc;
}

void lg_audio_clip_free(struct lg_audio_clip *c)
{
    free(c->data);
    free(c->len);
    memset(c, 0, sizeof *c);
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

int lg_audio_next(struct lg_audio_sender *s, const struct lg_audio_clip *c, uint64_t now_us,
                  uint8_t *buf, size_t cap)
{
    if (c->n_frames == 0)
        return ERR_INVAL;
    size_t f = s->frame % c->n_frames;
    size_t mid_len = strnlen(s->mid, sizeof s->mid);
    if (mid_len == 0 || mid_len > 16)
        mid_len = 0;
    /* Header, one-byte extension block of at most 3 + 2 + 17 bytes, padded
     * to 4, the frame and the marker. */
    if (cap < (size_t)12 + 4 + 24 + c->len[f] + LG_MARKER_PAD)
        return ERR_TOOBIG;
    size_t n = 12;
    buf[0] = 0x80;
    buf[1] = LG_AUDIO_PT;
    put16(buf + 2, s->seq);
    put32(buf + 4, s->timestamp);
    put32(buf + 8, s->ssrc);
    if (s->ext_twcc || s->ext_audio_level || (s->ext_mid && mid_len)) {
        buf[0] |= 0x10;
        size_t e = n + 4;
        if (s->ext_twcc) {
            buf[e++] = (uint8_t)((unsigned)s->ext_twcc << 4 | 1); /* stamped when sent */
            buf[e++] = 0;
            buf[e++] = 0;
        }
        if (s->ext_audio_level) {
            buf[e++] = (uint8_t)((unsigned)s->ext_audio_level << 4); /* one byte of data */
            /* Voice activity, -30 dBov. */
            buf[e++] = 0x80 | 30;
        }
        if (s->ext_mid && mid_len) {
            buf[e++] = (uint8_t)((unsigned)s->ext_mid << 4 | (unsigned)(mid_len - 1));
            memcpy(buf + e, s->mid, mid_len);
            e += mid_len;
        }
        while ((e - n - 4) % 4)
            buf[e++] = 0;
        put16(buf + n, 0xBEDE);
        put16(buf + n + 2, (uint16_t)((e - n - 4) / 4));
        n = e;
    }
    memcpy(buf + n, c->data[f], c->len[f]);
    n += c->len[f];
    struct lg_marker m = {
        .stream = s->stream, .frame = s->frame, .index = 0, .count = 1, .send_us = now_us};
    int rc = lg_marker_append(buf, n, cap, &m);
    s->seq++;
    s->timestamp += LG_AUDIO_FRAME_SAMPLES;
    s->frame++;
    return rc;
}

struct lg_audio_decoder {
    OpusDecoder *dec;
    int16_t pcm[5760]; /* 120 ms, the longest Opus packet */
};

int lg_audio_decoder_create(struct lg_audio_decoder **out)
{
    int err = 0;
    struct lg_audio_decoder *d = calloc(1, sizeof *d);
    if (!d)
        return ERR_NOMEM;
    d->dec = opus_decoder_create(LG_AUDIO_RATE, 1, &err);
    if (!d->dec || err != OPUS_OK) {
        free(d);
        return ERR_IO;
    }
    *out = d;
    return 0;
}

void lg_audio_decoder_destroy(struct lg_audio_decoder *d)
{
    if (!d)
        return;
    opus_decoder_destroy(d->dec);
    free(d);
}

int lg_audio_decode(struct lg_audio_decoder *d, const uint8_t *payload, size_t len)
{
    if (len == 0 || len > LG_AUDIO_MAX_FRAME)
        return ERR_PARSE;
    int n = opus_decode(d->dec, payload, (opus_int32)len, d->pcm, 5760, 0);
    return n < 0 ? ERR_PARSE : n;
}
