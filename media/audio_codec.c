/* Audio codecs of the phone bridge: G.711 written here from the ITU-T
 * G.711 segment formulas, G.722 from spandsp, Opus from libopus. */
#include "media/audio_codec.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <opus.h>
#include <spandsp/telephony.h>
#include <spandsp/g722.h>

#include "base/err.h"

#define OPUS_RATE 48000
#define OPUS_BITRATE 32000
#define OPUS_LOSS_PERC 10
/* A phone's audio carries at most 7 kHz (G.722): wideband is all of it,
 * and complexity 5 codes it well at a fraction of the CPU of 10 (see
 * docs/BENCHMARKS.md). */
#define OPUS_COMPLEXITY 5
#define OPUS_MAX_FRAME 5760 /* 120 ms at 48 kHz, the longest Opus packet */
#define G722_BITRATE 64000
/* Concealed G.711/G.722 frames fade to silence over this many frames. */
#define CONCEAL_FADE_FRAMES 4

unsigned audio_codec_rate(enum audio_codec_kind k)
{
    switch (k) {
    case AUDIO_CODEC_PCMU:
    case AUDIO_CODEC_PCMA:
        return 8000;
    case AUDIO_CODEC_G722:
        return 16000;
    case AUDIO_CODEC_OPUS:
        return 48000;
    case AUDIO_CODEC_COUNT:
        break;
    }
    return 0;
}

unsigned audio_codec_rtp_clock(enum audio_codec_kind k)
{
    switch (k) {
    case AUDIO_CODEC_PCMU:
    case AUDIO_CODEC_PCMA:
    case AUDIO_CODEC_G722:
        return 8000;
    case AUDIO_CODEC_OPUS:
        return 48000;
    case AUDIO_CODEC_COUNT:
        break;
    }
    return 0;
}

size_t audio_codec_frame_samples(enum audio_codec_kind k)
{
    return audio_codec_rate(k) * AUDIO_FRAME_MS / 1000;
}

const char *audio_codec_name(enum audio_codec_kind k)
{
    static const char *const names[AUDIO_CODEC_COUNT] = {"PCMU", "PCMA", "G722", "opus"};

    return (unsigned)k < AUDIO_CODEC_COUNT ? names[k] : "?";
}

/* ---- G.711 ---- */

/* The segment (0..7) of a magnitude against the segment end points, 8 if
 * beyond the last. */
static unsigned segment(int v, const int *ends)
{
    unsigned s = 0;

    while (s < 8 && v > ends[s])
        s++;
    return s;
}

uint8_t audio_alaw_encode(int16_t pcm)
{
    static const int ends[8] = {0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF};
    int v = pcm >> 3; /* 13-bit magnitude range */
    unsigned mask, seg, a;

    if (v >= 0) {
        mask = 0xD5;
    } else {
        mask = 0x55;
        v = -v - 1;
    }
    seg = segment(v, ends);
    if (seg >= 8)
        return (uint8_t)(0x7F ^ mask);
    a = seg << 4;
    a |= seg < 2 ? ((unsigned)v >> 1) & 0xF : ((unsigned)v >> seg) & 0xF;
    return (uint8_t)(a ^ mask);
}

int16_t audio_alaw_decode(uint8_t a)
{
    unsigned v = a ^ 0x55u;
    unsigned seg = (v & 0x70) >> 4;
    int t = (int)((v & 0xF) << 4);

    if (seg == 0)
        t += 8;
    else if (seg == 1)
        t += 0x108;
    else
        t = (t + 0x108) << (seg - 1);
    return (int16_t)((v & 0x80) ? t : -t);
}

#define ULAW_BIAS 0x84
#define ULAW_CLIP 8159

uint8_t audio_ulaw_encode(int16_t pcm)
{
    static const int ends[8] = {0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF};
    int v = pcm >> 2; /* 14-bit range */
    unsigned mask, seg, u;

    if (v < 0) {
        v = -v;
        mask = 0x7F;
    } else {
        mask = 0xFF;
    }
    if (v > ULAW_CLIP)
        v = ULAW_CLIP;
    v += ULAW_BIAS >> 2;
    seg = segment(v, ends);
    if (seg >= 8)
        return (uint8_t)(0x7F ^ mask);
    u = (seg << 4) | (((unsigned)v >> (seg + 1)) & 0xF);
    return (uint8_t)(u ^ mask);
}

int16_t audio_ulaw_decode(uint8_t u)
{
    unsigned v = (uint8_t)~u;
    int t = (int)(((v & 0xF) << 3) + ULAW_BIAS) << ((v & 0x70) >> 4);

    return (int16_t)((v & 0x80) ? ULAW_BIAS - t : t - ULAW_BIAS);
}

/* ---- Encoder ---- */

struct audio_enc {
    enum audio_codec_kind kind;
    OpusEncoder *opus;
    g722_encode_state_t *g722;
};

int audio_enc_create(struct audio_enc **out, enum audio_codec_kind k)
{
    struct audio_enc *e;
    int err = 0;

    *out = NULL;
    if ((unsigned)k >= AUDIO_CODEC_COUNT)
        return ERR_INVAL;
    e = calloc(1, sizeof(*e));
    if (e == NULL)
        return ERR_NOMEM;
    e->kind = k;
    if (k == AUDIO_CODEC_OPUS) {
        e->opus = opus_encoder_create(OPUS_RATE, 1, OPUS_APPLICATION_VOIP, &err);
        if (e->opus == NULL || err != OPUS_OK)
            goto fail;
        if (opus_encoder_ctl(e->opus, OPUS_SET_BITRATE(OPUS_BITRATE)) != OPUS_OK ||
            opus_encoder_ctl(e->opus, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE)) != OPUS_OK ||
            opus_encoder_ctl(e->opus, OPUS_SET_INBAND_FEC(1)) != OPUS_OK ||
            opus_encoder_ctl(e->opus, OPUS_SET_PACKET_LOSS_PERC(OPUS_LOSS_PERC)) != OPUS_OK ||
            opus_encoder_ctl(e->opus, OPUS_SET_DTX(0)) != OPUS_OK ||
            opus_encoder_ctl(e->opus, OPUS_SET_COMPLEXITY(OPUS_COMPLEXITY)) != OPUS_OK ||
            opus_encoder_ctl(e->opus, OPUS_SET_MAX_BANDWIDTH(OPUS_BANDWIDTH_WIDEBAND)) != OPUS_OK)
            goto fail;
    } else if (k == AUDIO_CODEC_G722) {
        e->g722 = g722_encode_init(NULL, G722_BITRATE, 0);
        if (e->g722 == NULL)
            goto fail;
    }
    *out = e;
    return 0;
fail:
    audio_enc_destroy(e);
    return ERR_NOMEM;
}

void audio_enc_destroy(struct audio_enc *e)
{
    if (e == NULL)
        return;
    if (e->opus != NULL)
        opus_encoder_destroy(e->opus);
    if (e->g722 != NULL)
        g722_encode_free(e->g722);
    free(e);
}

int audio_encode(struct audio_enc *e, const int16_t *pcm, size_t n, uint8_t *out, size_t cap,
                 size_t *len)
{
    int r;

    *len = 0;
    if (n != audio_codec_frame_samples(e->kind))
        return ERR_INVAL;
    switch (e->kind) {
    case AUDIO_CODEC_PCMU:
    case AUDIO_CODEC_PCMA:
        if (cap < n)
            return ERR_TOOBIG;
        for (size_t i = 0; i < n; i++)
            out[i] =
                e->kind == AUDIO_CODEC_PCMA ? audio_alaw_encode(pcm[i]) : audio_ulaw_encode(pcm[i]);
        *len = n;
        return 0;
    case AUDIO_CODEC_G722:
        if (cap < n / 2)
            return ERR_TOOBIG;
        r = g722_encode(e->g722, out, pcm, (int)n);
        if (r < 0 || (size_t)r > cap)
            return ERR_PROTO;
        *len = (size_t)r;
        return 0;
    case AUDIO_CODEC_OPUS:
        r = opus_encode(e->opus, pcm, (int)n, out,
                        (opus_int32)(cap < AUDIO_ENCODED_MAX ? cap : AUDIO_ENCODED_MAX));
        if (r == OPUS_BUFFER_TOO_SMALL)
            return ERR_TOOBIG;
        if (r < 0)
            return ERR_PROTO;
        *len = (size_t)r;
        return 0;
    case AUDIO_CODEC_COUNT:
        break;
    }
    return ERR_INVAL;
}

/* ---- Decoder ---- */

struct audio_dec {
    enum audio_codec_kind kind;
    OpusDecoder *opus;
    g722_decode_state_t *g722;
    /* G.711/G.722 concealment: the last good frame and how many frames
     * have been concealed since. */
    int16_t last[AUDIO_FRAME_SAMPLES_MAX];
    size_t last_n;
    unsigned concealed;
};

int audio_dec_create(struct audio_dec **out, enum audio_codec_kind k)
{
    struct audio_dec *d;
    int err = 0;

    *out = NULL;
    if ((unsigned)k >= AUDIO_CODEC_COUNT)
        return ERR_INVAL;
    d = calloc(1, sizeof(*d));
    if (d == NULL)
        return ERR_NOMEM;
    d->kind = k;
    if (k == AUDIO_CODEC_OPUS) {
        d->opus = opus_decoder_create(OPUS_RATE, 1, &err);
        if (d->opus == NULL || err != OPUS_OK)
            goto fail;
    } else if (k == AUDIO_CODEC_G722) {
        d->g722 = g722_decode_init(NULL, G722_BITRATE, 0);
        if (d->g722 == NULL)
            goto fail;
    }
    *out = d;
    return 0;
fail:
    audio_dec_destroy(d);
    return ERR_NOMEM;
}

void audio_dec_destroy(struct audio_dec *d)
{
    if (d == NULL)
        return;
    if (d->opus != NULL)
        opus_decoder_destroy(d->opus);
    if (d->g722 != NULL)
        g722_decode_free(d->g722);
    free(d);
}

/* G.711/G.722 concealment: the last frame again, its gain ramping down
 * linearly so that CONCEAL_FADE_FRAMES frames reach silence. */
static int conceal_repeat(struct audio_dec *d, int16_t *pcm, size_t cap, size_t *n)
{
    size_t fn = audio_codec_frame_samples(d->kind);

    if (cap < fn)
        return ERR_TOOBIG;
    if (d->concealed >= CONCEAL_FADE_FRAMES || d->last_n != fn) {
        memset(pcm, 0, fn * sizeof(*pcm));
    } else {
        float g0 = 1.0f - (float)d->concealed / CONCEAL_FADE_FRAMES;
        float step = 1.0f / (CONCEAL_FADE_FRAMES * (float)fn);

        for (size_t i = 0; i < fn; i++)
            pcm[i] = (int16_t)lrintf((float)d->last[i] * (g0 - step * (float)i));
    }
    d->concealed++;
    *n = fn;
    return 0;
}

static void keep_last(struct audio_dec *d, const int16_t *pcm, size_t n)
{
    d->concealed = 0;
    d->last_n = n <= AUDIO_FRAME_SAMPLES_MAX ? n : 0;
    if (d->last_n > 0)
        memcpy(d->last, pcm, n * sizeof(*pcm));
}

static int decode_opus(struct audio_dec *d, const uint8_t *payload, size_t len, bool fec,
                       int16_t *pcm, size_t cap, size_t *n)
{
    int frame = (int)(cap < OPUS_MAX_FRAME ? cap : OPUS_MAX_FRAME);
    int r;

    if (payload == NULL || fec) {
        /* A lost 20 ms frame: PLC, or the FEC in the next packet. */
        if (cap < AUDIO_FRAME_SAMPLES_MAX)
            return ERR_TOOBIG;
        frame = AUDIO_FRAME_SAMPLES_MAX;
        if (payload != NULL && (len == 0 || len > INT32_MAX))
            return ERR_PARSE;
    } else {
        int ns;

        if (len == 0 || len > INT32_MAX)
            return ERR_PARSE;
        ns = opus_decoder_get_nb_samples(d->opus, payload, (opus_int32)len);
        if (ns <= 0)
            return ERR_PARSE;
        if ((size_t)ns > cap)
            return ERR_TOOBIG;
    }
    r = opus_decode(d->opus, payload, (opus_int32)len, pcm, frame, fec ? 1 : 0);
    if (r == OPUS_BUFFER_TOO_SMALL)
        return ERR_TOOBIG;
    if (r < 0)
        return ERR_PARSE;
    *n = (size_t)r;
    return 0;
}

int audio_decode(struct audio_dec *d, const uint8_t *payload, size_t len, bool fec, int16_t *pcm,
                 size_t cap, size_t *n)
{
    int r;

    *n = 0;
    if (d->kind == AUDIO_CODEC_OPUS)
        return decode_opus(d, payload, len, fec, pcm, cap, n);
    if (payload == NULL || fec)
        return conceal_repeat(d, pcm, cap, n);
    if (len == 0)
        return ERR_PARSE;
    switch (d->kind) {
    case AUDIO_CODEC_PCMU:
    case AUDIO_CODEC_PCMA:
        if (len > cap)
            return ERR_TOOBIG;
        for (size_t i = 0; i < len; i++)
            pcm[i] = d->kind == AUDIO_CODEC_PCMA ? audio_alaw_decode(payload[i])
                                                 : audio_ulaw_decode(payload[i]);
        *n = len;
        break;
    case AUDIO_CODEC_G722:
        if (len > cap / 2 || len > INT32_MAX / 2)
            return ERR_TOOBIG;
        r = g722_decode(d->g722, pcm, payload, (int)len);
        if (r < 0 || (size_t)r > cap)
            return ERR_PARSE;
        *n = (size_t)r;
        break;
    default:
        return ERR_INVAL;
    }
    keep_last(d, pcm, *n);
    return 0;
}

uint8_t audio_level_dbov(const int16_t *pcm, size_t n)
{
    double sum = 0.0, rms, db;

    if (n == 0)
        return 127;
    for (size_t i = 0; i < n; i++)
        sum += (double)pcm[i] * (double)pcm[i];
    rms = sqrt(sum / (double)n);
    if (rms < 1.0)
        return 127;
    db = -20.0 * log10(rms / 32767.0);
    if (db <= 0.0)
        return 0;
    if (db >= 127.0)
        return 127;
    return (uint8_t)lround(db);
}
