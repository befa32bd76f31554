/* The per-room mix: sources (Opus RTP through jitter buffer and decoder,
 * or pushed PCM), a 32-bit sum every 20 ms, and per sink mix-minus,
 * limiter and resampler. */
#include "media/mixer.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "media/audio_codec.h"
#include "media/jitter.h"
#include "media/limiter.h"
#include "media/resample.h"
#include "media/rtp.h"
#include "base/err.h"

/* A PCM source starts contributing once this much is queued, so a push
 * that comes a little after its tick does not leave a gap. */
#define PCM_PRIME_SAMPLES (2 * MIXER_FRAME_SAMPLES)

struct source {
    uint32_t id; /* 0: free */
    bool opus;
    /* Opus */
    struct jitter *jb;
    struct audio_dec *dec;
    bool have_ssrc;
    uint32_t ssrc;
    /* PCM */
    int16_t queue[MIXER_PCM_QUEUE_MAX];
    size_t queued;
    bool primed;

    bool have_input;
    int64_t last_input_us;
    bool active; /* contributed to the current frame */
    int16_t frame[MIXER_FRAME_SAMPLES];
};

struct sink {
    uint32_t id; /* 0: free */
    uint32_t own;
    uint32_t rate;
    struct resample *rs;
    struct limiter lim;
    int16_t out[MIXER_FRAME_SAMPLES];
    size_t n;
};

struct mixer {
    int64_t next_us;
    struct source src[MIXER_SOURCES_MAX];
    struct sink snk[MIXER_SINKS_MAX];
    int32_t total[MIXER_FRAME_SAMPLES];
    int32_t mix[MIXER_FRAME_SAMPLES];
    int16_t limited[MIXER_FRAME_SAMPLES];
    struct mixer_stats st;    /* the mixer's own counters */
    struct jitter_stats gone; /* jitter counters of removed sources */
};

int mixer_create(struct mixer **out, int64_t now_us)
{
    struct mixer *m = calloc(1, sizeof(*m));

    *out = NULL;
    if (m == NULL)
        return ERR_NOMEM;
    m->next_us = now_us + MIXER_FRAME_US;
    *out = m;
    return 0;
}

static void source_free(struct mixer *m, struct source *s)
{
    if (s->jb != NULL) {
        struct jitter_stats js;

        jitter_get_stats(s->jb, &js);
        m->gone.received += js.received;
        m->gone.late += js.late;
        m->gone.lost += js.lost;
        m->gone.duplicates += js.duplicates;
        m->gone.resets += js.resets;
        jitter_destroy(s->jb);
    }
    audio_dec_destroy(s->dec);
    memset(s, 0, sizeof(*s));
}

void mixer_destroy(struct mixer *m)
{
    if (m == NULL)
        return;
    for (unsigned i = 0; i < MIXER_SOURCES_MAX; i++)
        if (m->src[i].id != 0)
            source_free(m, &m->src[i]);
    for (unsigned i = 0; i < MIXER_SINKS_MAX; i++)
        resample_destroy(m->snk[i].rs);
    free(m);
}

static struct source *find_source(const struct mixer *m, uint32_t id)
{
    if (id == 0)
        return NULL;
    for (unsigned i = 0; i < MIXER_SOURCES_MAX; i++)
        if (m->src[i].id == id)
            return (struct source *)&m->src[i];
    return NULL;
}

static struct sink *find_sink(const struct mixer *m, uint32_t id)
{
    if (id == 0)
        return NULL;
    for (unsigned i = 0; i < MIXER_SINKS_MAX; i++)
        if (m->snk[i].id == id)
            return (struct sink *)&m->snk[i];
    return NULL;
}

static int add_source(struct mixer *m, uint32_t id, bool opus)
{
    struct source *s = NULL;
    int r;

    if (id == 0)
        return ERR_INVAL;
    if (find_source(m, id) != NULL)
        return ERR_EXISTS;
    for (unsigned i = 0; i < MIXER_SOURCES_MAX && s == NULL; i++)
        if (m->src[i].id == 0)
            s = &m->src[i];
    if (s == NULL)
        return ERR_FULL;
    memset(s, 0, sizeof(*s));
    if (opus) {
        r = jitter_create(&s->jb, 48000);
        if (r == 0)
            r = audio_dec_create(&s->dec, AUDIO_CODEC_OPUS);
        if (r != 0) {
            jitter_destroy(s->jb);
            audio_dec_destroy(s->dec);
            memset(s, 0, sizeof(*s));
            return r;
        }
    }
    s->id = id;
    s->opus = opus;
    return 0;
}

int mixer_add_opus_source(struct mixer *m, uint32_t source)
{
    return add_source(m, source, true);
}

int mixer_add_pcm_source(struct mixer *m, uint32_t source)
{
    return add_source(m, source, false);
}

void mixer_remove_source(struct mixer *m, uint32_t source)
{
    struct source *s = find_source(m, source);

    if (s != NULL)
        source_free(m, s);
}

int mixer_input_rtp(struct mixer *m, uint32_t source, int64_t now_us, const uint8_t *pkt,
                    size_t len)
{
    struct source *s = find_source(m, source);
    struct rtp_packet p;
    int r;

    if (s == NULL || !s->opus)
        return ERR_NOTFOUND;
    if (rtp_parse(&p, pkt, len) != 0 || p.payload_len == 0) {
        m->st.bad_packets++;
        return ERR_PARSE;
    }
    if (p.payload_len > JITTER_PAYLOAD_MAX) {
        m->st.bad_packets++;
        return ERR_TOOBIG;
    }
    if (s->have_ssrc && p.ssrc != s->ssrc) {
        /* A new stream on this source (renegotiated, restarted sender). */
        struct audio_dec *d;

        if (audio_dec_create(&d, AUDIO_CODEC_OPUS) != 0)
            return ERR_NOMEM;
        audio_dec_destroy(s->dec);
        s->dec = d;
        jitter_reset(s->jb);
        m->st.resets++;
    }
    s->have_ssrc = true;
    s->ssrc = p.ssrc;
    r = jitter_put(s->jb, now_us, p.seq, p.timestamp, p.marker, p.payload, p.payload_len);
    if (r == 0) {
        s->have_input = true;
        s->last_input_us = now_us;
    }
    return r;
}

int mixer_input_pcm(struct mixer *m, uint32_t source, int64_t now_us, const int16_t *pcm, size_t n)
{
    struct source *s = find_source(m, source);

    if (s == NULL || s->opus)
        return ERR_NOTFOUND;
    if (n > MIXER_PCM_QUEUE_MAX) {
        m->st.pcm_dropped += n - MIXER_PCM_QUEUE_MAX;
        pcm += n - MIXER_PCM_QUEUE_MAX;
        n = MIXER_PCM_QUEUE_MAX;
    }
    if (s->queued + n > MIXER_PCM_QUEUE_MAX) {
        size_t drop = s->queued + n - MIXER_PCM_QUEUE_MAX;

        memmove(s->queue, s->queue + drop, (s->queued - drop) * sizeof(*s->queue));
        s->queued -= drop;
        m->st.pcm_dropped += drop;
    }
    memcpy(s->queue + s->queued, pcm, n * sizeof(*pcm));
    s->queued += n;
    s->have_input = true;
    s->last_input_us = now_us;
    return 0;
}

int mixer_add_sink(struct mixer *m, uint32_t sink, uint32_t own_source, uint32_t rate)
{
    struct sink *k = NULL;
    int r;

    if (sink == 0 || (rate != 8000 && rate != 16000 && rate != 48000))
        return ERR_INVAL;
    if (find_sink(m, sink) != NULL)
        return ERR_EXISTS;
    for (unsigned i = 0; i < MIXER_SINKS_MAX && k == NULL; i++)
        if (m->snk[i].id == 0)
            k = &m->snk[i];
    if (k == NULL)
        return ERR_FULL;
    memset(k, 0, sizeof(*k));
    r = resample_create(&k->rs, MIXER_RATE, rate);
    if (r != 0)
        return r;
    k->id = sink;
    k->own = own_source;
    k->rate = rate;
    k->n = rate / 50;
    limiter_init(&k->lim);
    return 0;
}

void mixer_remove_sink(struct mixer *m, uint32_t sink)
{
    struct sink *k = find_sink(m, sink);

    if (k == NULL)
        return;
    resample_destroy(k->rs);
    memset(k, 0, sizeof(*k));
}

int64_t mixer_next_deadline(const struct mixer *m)
{
    return m->next_us;
}

/* A source that has sent nothing for a while has stopped. */
static bool idle(const struct source *s, int64_t now_us)
{
    return !s->have_input || now_us - s->last_input_us > MIXER_SOURCE_IDLE_US;
}

/* Decodes the Opus source's frame for this tick into s->frame. */
static void opus_frame(struct mixer *m, struct source *s, int64_t now_us)
{
    struct jitter_out o;
    enum jitter_result res = jitter_pop(s->jb, now_us, &o);
    size_t n = 0;
    int r;

    s->active = false;
    if (res == JITTER_NONE)
        return;
    if (res == JITTER_FRAME) {
        r = audio_decode(s->dec, o.payload, o.len, false, s->frame, MIXER_FRAME_SAMPLES, &n);
        if (r != 0) {
            m->st.bad_packets++;
            res = JITTER_LOST;
            o.payload = NULL;
        }
    }
    if (res == JITTER_LOST) {
        /* A stream that stopped gets silence, not endless concealment. */
        if (idle(s, now_us))
            return;
        r = ERR_PARSE;
        if (o.payload != NULL) {
            r = audio_decode(s->dec, o.payload, o.len, true, s->frame, MIXER_FRAME_SAMPLES, &n);
            if (r == 0)
                m->st.fec++;
        }
        if (r != 0) {
            r = audio_decode(s->dec, NULL, 0, false, s->frame, MIXER_FRAME_SAMPLES, &n);
            if (r != 0)
                return;
            m->st.concealed++;
        }
    }
    /* A packet shorter than 20 ms leaves the rest of the frame silent. */
    if (n < MIXER_FRAME_SAMPLES)
        memset(s->frame + n, 0, (MIXER_FRAME_SAMPLES - n) * sizeof(*s->frame));
    s->active = true;
}

static void pcm_frame(struct source *s, int64_t now_us)
{
    s->active = false;
    if (idle(s, now_us)) {
        s->queued = 0;
        s->primed = false;
        return;
    }
    if (!s->primed && s->queued >= PCM_PRIME_SAMPLES)
        s->primed = true;
    if (!s->primed)
        return;
    if (s->queued < MIXER_FRAME_SAMPLES) {
        s->primed = false; /* underrun: wait until primed again */
        return;
    }
    memcpy(s->frame, s->queue, sizeof(s->frame));
    s->queued -= MIXER_FRAME_SAMPLES;
    memmove(s->queue, s->queue + MIXER_FRAME_SAMPLES, s->queued * sizeof(*s->queue));
    s->active = true;
}

static void mix_sink(struct mixer *m, struct sink *k)
{
    const struct source *own = find_source(m, k->own);
    const int32_t *in = m->total;
    bool limited;
    size_t n;

    if (own != NULL && own->active) {
        for (unsigned i = 0; i < MIXER_FRAME_SAMPLES; i++)
            m->mix[i] = m->total[i] - own->frame[i];
        in = m->mix;
    }
    m->st.clipped_samples +=
        limiter_process(&k->lim, in, m->limited, MIXER_FRAME_SAMPLES, &limited);
    if (limited)
        m->st.limited_frames++;
    if (resample_process(k->rs, m->limited, MIXER_FRAME_SAMPLES, k->out, MIXER_FRAME_SAMPLES, &n) !=
            0 ||
        n != k->rate / 50) {
        /* Cannot happen for the accepted rates; keep the frame whole. */
        n = k->rate / 50;
        memset(k->out, 0, n * sizeof(*k->out));
    }
    k->n = n;
}

static void mix_one(struct mixer *m, int64_t now_us)
{
    memset(m->total, 0, sizeof(m->total));
    for (unsigned i = 0; i < MIXER_SOURCES_MAX; i++) {
        struct source *s = &m->src[i];

        if (s->id == 0)
            continue;
        if (s->opus)
            opus_frame(m, s, now_us);
        else
            pcm_frame(s, now_us);
        if (s->active)
            for (unsigned j = 0; j < MIXER_FRAME_SAMPLES; j++)
                m->total[j] += s->frame[j];
    }
    for (unsigned i = 0; i < MIXER_SINKS_MAX; i++)
        if (m->snk[i].id != 0)
            mix_sink(m, &m->snk[i]);
    m->st.frames_mixed++;
}

void mixer_tick(struct mixer *m, int64_t now_us)
{
    for (unsigned c = 0; c < MIXER_CATCHUP_MAX && now_us >= m->next_us; c++) {
        mix_one(m, m->next_us);
        m->next_us += MIXER_FRAME_US;
    }
    if (now_us >= m->next_us) {
        /* Far behind (the worker stalled): skip to the present. */
        int64_t skip = (now_us - m->next_us) / MIXER_FRAME_US + 1;

        m->next_us += skip * MIXER_FRAME_US;
        m->st.frames_skipped += (uint64_t)skip;
    }
}

int mixer_sink_frame(const struct mixer *m, uint32_t sink, const int16_t **pcm, size_t *n)
{
    const struct sink *k = find_sink(m, sink);

    if (k == NULL)
        return ERR_NOTFOUND;
    *pcm = k->out;
    *n = k->n;
    return 0;
}

uint64_t mixer_frame_count(const struct mixer *m)
{
    return m->st.frames_mixed;
}

void mixer_get_stats(const struct mixer *m, struct mixer_stats *out)
{
    struct jitter_stats sum = m->gone;

    for (unsigned i = 0; i < MIXER_SOURCES_MAX; i++) {
        const struct source *s = &m->src[i];
        struct jitter_stats js;

        if (s->id == 0 || s->jb == NULL)
            continue;
        jitter_get_stats(s->jb, &js);
        sum.received += js.received;
        sum.late += js.late;
        sum.lost += js.lost;
        sum.duplicates += js.duplicates;
        sum.resets += js.resets;
    }
    *out = m->st;
    out->received = sum.received;
    out->late = sum.late;
    out->lost = sum.lost;
    out->duplicates = sum.duplicates;
    out->resets = m->st.resets + sum.resets;
}
