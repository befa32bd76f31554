/* CPU per phone participant in a 4-party meeting: three browsers (Opus
 * microphones) and one phone caller on PCMA. Per 20 ms, everything the
 * server does for the call:
 *   the room's mix: three Opus streams through jitter buffers and
 *   decoders, the 32-bit sum, mix-minus, limiter, resampling to 8 kHz
 *   for the phone's sink, and PCMA encoding of that frame;
 *   the caller's voice: PCMA RTP through a jitter buffer, decoding,
 *   resampling to 48 kHz, into the mixer, the audio level and Opus
 *   encoding for the browsers.
 * The browsers' packets and the phone's PCMA are prepared beforehand; the
 * loop is timed with CLOCK_THREAD_CPUTIME_ID over SECONDS of simulated
 * audio on a fake clock, and the result printed as a share of one core.
 *   make bench-mixer   (release build; see docs/BENCHMARKS.md) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "media/audio_codec.h"
#include "media/jitter.h"
#include "media/mixer.h"
#include "media/resample.h"
#include "tests/unit/audio_harness.h"

#define SECONDS 60
#define FRAMES (SECONDS * 50)
#define BROWSERS 3
#define PHONE 100
#define PHONE_SINK 200

struct packet {
    uint8_t buf[12 + AUDIO_ENCODED_MAX];
    size_t len;
};

static void rtp_header(uint8_t *p, uint8_t pt, uint16_t seq, uint32_t ts, uint32_t ssrc)
{
    p[0] = 0x80;
    p[1] = pt;
    p[2] = (uint8_t)(seq >> 8);
    p[3] = (uint8_t)seq;
    p[4] = (uint8_t)(ts >> 24);
    p[5] = (uint8_t)(ts >> 16);
    p[6] = (uint8_t)(ts >> 8);
    p[7] = (uint8_t)ts;
    p[8] = (uint8_t)(ssrc >> 24);
    p[9] = (uint8_t)(ssrc >> 16);
    p[10] = (uint8_t)(ssrc >> 8);
    p[11] = (uint8_t)ssrc;
}

static double cpu_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int fail(const char *what)
{
    fprintf(stderr, "bench_mixer: %s failed\n", what);
    return 1;
}

int main(void)
{
    static struct packet mics[BROWSERS][FRAMES];
    static uint8_t phone_pcma[FRAMES][160];
    struct audio_enc *enc, *pcma_enc, *opus_up;
    struct audio_dec *pcma_dec;
    struct jitter *phone_jb;
    struct resample *up;
    struct mixer *m;
    int16_t pcm[960], up_pcm[960];
    uint8_t out[AUDIO_ENCODED_MAX];
    unsigned levels = 0;
    size_t n, len;
    int64_t now = 1000000;
    double t0, cpu;

    /* The browsers' microphones: voiced signals at different pitches. */
    for (int b = 0; b < BROWSERS; b++) {
        if (audio_enc_create(&enc, AUDIO_CODEC_OPUS) != 0)
            return fail("opus encoder");
        for (int f = 0; f < FRAMES; f++) {
            voice_fill(pcm, 960, 48000, 120.0 + 40 * b, 5000, (uint64_t)f * 960);
            rtp_header(mics[b][f].buf, 111, (uint16_t)f, (uint32_t)f * 960, 1000u + (unsigned)b);
            if (audio_encode(enc, pcm, 960, mics[b][f].buf + 12, AUDIO_ENCODED_MAX, &len) != 0)
                return fail("opus encode");
            mics[b][f].len = 12 + len;
        }
        audio_enc_destroy(enc);
    }
    /* The caller's voice as PCMA. */
    for (int f = 0; f < FRAMES; f++) {
        voice_fill(pcm, 160, 8000, 110, 6000, (uint64_t)f * 160);
        for (int i = 0; i < 160; i++)
            phone_pcma[f][i] = audio_alaw_encode(pcm[i]);
    }

    if (mixer_create(&m, now) != 0 || audio_enc_create(&pcma_enc, AUDIO_CODEC_PCMA) != 0 ||
        audio_enc_create(&opus_up, AUDIO_CODEC_OPUS) != 0 ||
        audio_dec_create(&pcma_dec, AUDIO_CODEC_PCMA) != 0 || jitter_create(&phone_jb, 8000) != 0 ||
        resample_create(&up, 8000, 48000) != 0)
        return fail("setup");
    for (uint32_t b = 0; b < BROWSERS; b++)
        if (mixer_add_opus_source(m, b + 1) != 0)
            return fail("mixer_add_opus_source");
    if (mixer_add_pcm_source(m, PHONE) != 0 || mixer_add_sink(m, PHONE_SINK, PHONE, 8000) != 0)
        return fail("mixer phone");

    t0 = cpu_seconds();
    for (int f = 0; f < FRAMES; f++) {
        struct jitter_out jo;
        const int16_t *mix;

        /* Packets arrive during the frame. */
        for (uint32_t b = 0; b < BROWSERS; b++)
            if (mixer_input_rtp(m, b + 1, now, mics[b][f].buf, mics[b][f].len) != 0)
                return fail("mixer_input_rtp");
        if (jitter_put(phone_jb, now, (uint16_t)f, (uint32_t)f * 160, false, phone_pcma[f], 160) !=
            0)
            return fail("jitter_put");
        now = mixer_next_deadline(m);

        /* The caller's voice: decode, resample, into the mix, and Opus
         * with its level for the browsers. */
        switch (jitter_pop(phone_jb, now, &jo)) {
        case JITTER_FRAME:
            if (audio_decode(pcma_dec, jo.payload, jo.len, false, pcm, 960, &n) != 0)
                return fail("pcma decode");
            break;
        case JITTER_LOST:
            if (audio_decode(pcma_dec, NULL, 0, false, pcm, 960, &n) != 0)
                return fail("pcma conceal");
            break;
        case JITTER_NONE:
            n = 0;
            break;
        }
        if (n == 160) {
            if (resample_process(up, pcm, 160, up_pcm, 960, &n) != 0 ||
                mixer_input_pcm(m, PHONE, now, up_pcm, n) != 0)
                return fail("phone upstream");
            levels += audio_level_dbov(up_pcm, n);
            if (audio_encode(opus_up, up_pcm, 960, out, sizeof(out), &len) != 0)
                return fail("opus encode upstream");
        }

        /* The mix for the caller's ear, encoded as PCMA. */
        mixer_tick(m, now);
        if (mixer_sink_frame(m, PHONE_SINK, &mix, &n) != 0 || n != 160 ||
            audio_encode(pcma_enc, mix, n, out, sizeof(out), &len) != 0)
            return fail("phone downstream");
    }
    cpu = cpu_seconds() - t0;

    {
        struct mixer_stats st;

        mixer_get_stats(m, &st);
        if (st.frames_mixed != FRAMES || st.lost != 0 || st.received != BROWSERS * FRAMES)
            return fail("the simulated meeting (frames, loss)");
    }
    printf("bench_mixer: 4-party meeting (3 Opus browsers + 1 PCMA phone), %d s of audio\n",
           SECONDS);
    printf("bench_mixer: %.3f s CPU = %.2f %% of one core per phone participant "
           "(target <= 2 %%; mean caller level %u -dBov)\n",
           cpu, 100.0 * cpu / SECONDS, levels / FRAMES);

    mixer_destroy(m);
    audio_enc_destroy(pcma_enc);
    audio_enc_destroy(opus_up);
    audio_dec_destroy(pcma_dec);
    jitter_destroy(phone_jb);
    resample_destroy(up);
    return 0;
}
