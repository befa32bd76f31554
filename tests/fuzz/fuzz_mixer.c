/* Fuzz target for media/mixer.c (with jitter.c, limiter.c, resample.c
 * and the Opus decoder behind it): a mixer with up to six sources and four
 * sinks, driven by records of hostile RTP packets, Opus payloads in
 * well-formed RTP, PCM, time steps and sources and sinks coming and going
 * under a fake clock (format: fuzz_mixer.h). It must not crash or leak,
 * and after every record:
 *   - every sink's frame is exactly rate / 50 samples, and a 48 kHz
 *     sink's samples stay within the limiter's ceiling
 *   - every counter only grows; received <= RTP packets accepted
 *   - a tick mixes at most MIXER_CATCHUP_MAX frames and leaves the next
 *     deadline after now, at most one frame ahead
 *   - mix-minus: a sink whose own source has been the only source for two
 *     mixed frames hears exact silence
 * Seeds (tests/fuzz/corpus/mixer/) are written by
 * tests/unit/test_mixer_seeds.c with SAMTALE_SEED_DIR set. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "media/limiter.h"
#include "media/mixer.h"
#include "base/err.h"
#include "tests/fuzz/fuzz_mixer.h"
#include "tests/fuzz/fuzz_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_RECORDS 2000
#define T0 1000000000LL

static void check(int cond)
{
    if (!cond)
        abort();
}

struct fz {
    struct mixer *m;
    int64_t now;
    uint64_t rtp_accepted;
    uint32_t sink_rate[FZM_SINKS + 1]; /* 0: no such sink */
    uint32_t sink_own[FZM_SINKS + 1];
    unsigned alone[FZM_SINKS + 1]; /* frames mixed with only its own source */
    bool present[FZM_SOURCES + 1];
    uint16_t seq[FZM_SOURCES + 1];
    uint32_t ts[FZM_SOURCES + 1];
    struct mixer_stats prev;
};

static void check_stats(struct fz *f)
{
    struct mixer_stats s;
    const uint64_t *a = (const uint64_t *)&s, *b = (const uint64_t *)&f->prev;

    mixer_get_stats(f->m, &s);
    for (size_t i = 0; i < sizeof(s) / sizeof(uint64_t); i++)
        check(a[i] >= b[i]);
    check(s.received <= f->rtp_accepted);
    check(s.frames_mixed - f->prev.frames_mixed <= MIXER_CATCHUP_MAX);
    f->prev = s;
}

/* Counts, per sink, the frames just mixed while no source but its own
 * was present. */
static void count_alone(struct fz *f, uint64_t mixed)
{
    for (uint32_t k = 1; k <= FZM_SINKS; k++) {
        bool others = false;

        for (uint32_t i = 1; i <= FZM_SOURCES; i++)
            others |= f->present[i] && i != f->sink_own[k];
        f->alone[k] = others ? 0 : f->alone[k] + (unsigned)mixed;
    }
}

static void check_sinks(const struct fz *f)
{
    for (uint32_t k = 1; k <= FZM_SINKS; k++) {
        const int16_t *pcm;
        size_t n;
        int r = mixer_sink_frame(f->m, k, &pcm, &n);

        if (f->sink_rate[k] == 0) {
            check(r == ERR_NOTFOUND);
            continue;
        }
        check(r == 0 && pcm != NULL && n == f->sink_rate[k] / 50);
        if (f->alone[k] >= 2)
            for (size_t i = 0; i < n; i++)
                check(pcm[i] == 0);
        if (f->sink_rate[k] == 48000)
            for (size_t i = 0; i < n; i++)
                check(pcm[i] <= LIMITER_CEILING + 1 && pcm[i] >= -LIMITER_CEILING - 1);
    }
}

static void send_rtp(struct fz *f, uint32_t src, const uint8_t *pkt, size_t len)
{
    if (mixer_input_rtp(f->m, src, f->now, pkt, len) == 0)
        f->rtp_accepted++;
}

/* An Opus payload in a well-formed RTP packet: the op's high bits pick
 * the sequence step (normal, reordered back, a jump) and the marker. */
static void send_opus(struct fz *f, uint8_t op, uint32_t src, const uint8_t *p, size_t len)
{
    static uint8_t pkt[12 + 2048];
    static const int16_t steps[8] = {1, 1, 1, 1, 2, -1, 0, 3000};
    int16_t step = steps[(op >> 4) & 7];

    if (len > sizeof(pkt) - 12)
        len = sizeof(pkt) - 12;
    f->seq[src] = (uint16_t)(f->seq[src] + step);
    f->ts[src] += (uint32_t)(step * 960 + ((op & 0x80) ? 960 * 10 : 0));
    pkt[0] = 0x80;
    pkt[1] = (uint8_t)(111 | (op & 0x08 ? 0x80 : 0));
    pkt[2] = (uint8_t)(f->seq[src] >> 8);
    pkt[3] = (uint8_t)f->seq[src];
    pkt[4] = (uint8_t)(f->ts[src] >> 24);
    pkt[5] = (uint8_t)(f->ts[src] >> 16);
    pkt[6] = (uint8_t)(f->ts[src] >> 8);
    pkt[7] = (uint8_t)f->ts[src];
    pkt[8] = 0;
    pkt[9] = 0;
    pkt[10] = 0;
    pkt[11] = (uint8_t)(src + (op & 0x40 ? 100 : 0)); /* SSRC change */
    memcpy(pkt + 12, p, len);
    send_rtp(f, src, pkt, 12 + len);
}

/* PCM: with the op's high bit clear, the samples repeated to one 20 ms
 * frame (a short pattern makes a tone); set, exactly the samples given. */
static void send_pcm(struct fz *f, uint8_t op, uint32_t src, const uint8_t *p, size_t len)
{
    static int16_t pcm[1024];
    size_t n = len / 2 > 1024 ? 1024 : len / 2;

    memcpy(pcm, p, n * 2);
    if (!(op & 0x80) && n > 0) {
        for (size_t i = n; i < MIXER_FRAME_SAMPLES; i++)
            pcm[i] = pcm[i % n];
        n = MIXER_FRAME_SAMPLES;
    }
    (void)mixer_input_pcm(f->m, src, f->now, pcm, n);
}

static void advance(struct fz *f, unsigned units)
{
    uint64_t before = mixer_frame_count(f->m);

    f->now += (int64_t)units * 100;
    mixer_tick(f->m, f->now);
    count_alone(f, mixer_frame_count(f->m) - before);
    check(mixer_next_deadline(f->m) > f->now);
    check(mixer_next_deadline(f->m) <= f->now + MIXER_FRAME_US);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint32_t rates[3] = {8000, 16000, 48000};
    struct fz f;
    size_t pos = 0;

    memset(&f, 0, sizeof(f));
    f.now = T0;
    if (mixer_create(&f.m, f.now) != 0)
        return 0;
    for (unsigned rec = 0; rec < MAX_RECORDS && pos < size; rec++) {
        uint8_t op = data[pos++];
        uint32_t a = pos < size ? (uint32_t)data[pos] : 0, b;
        size_t len;

        switch (op % FZM_OPS) {
        case FZM_RTP:
        case FZM_OPUS:
        case FZM_PCM:
            pos += pos < size;
            len = fz_record_len(data, size, &pos);
            a = a % FZM_SOURCES + 1;
            if (op % FZM_OPS == FZM_RTP)
                send_rtp(&f, a, data + pos, len);
            else if (op % FZM_OPS == FZM_OPUS)
                send_opus(&f, op, a, data + pos, len);
            else
                send_pcm(&f, op, a, data + pos, len);
            pos += len;
            break;
        case FZM_TIME:
            b = size - pos >= 2 ? (uint32_t)data[pos] << 8 | data[pos + 1] : 0;
            pos += size - pos >= 2 ? 2 : size - pos;
            advance(&f, b);
            break;
        case FZM_ADD:
            pos += pos < size;
            b = pos < size ? data[pos++] : 0;
            a = a % FZM_SOURCES + 1;
            if ((b % 2 ? mixer_add_pcm_source(f.m, a) : mixer_add_opus_source(f.m, a)) == 0) {
                check(!f.present[a]);
                f.present[a] = true;
                count_alone(&f, 0);
            }
            break;
        case FZM_REMOVE:
            pos += pos < size;
            a = a % FZM_SOURCES + 1;
            mixer_remove_source(f.m, a);
            f.present[a] = false;
            break;
        case FZM_SINK: {
            uint32_t own, rate;

            pos += pos < size;
            own = pos < size ? data[pos++] % (FZM_SOURCES + 1) : 0;
            b = pos < size ? data[pos++] : 0;
            rate = b < 3 ? rates[b] : b;
            a = a % FZM_SINKS + 1;
            if (mixer_add_sink(f.m, a, own, rate) == 0) {
                check(f.sink_rate[a] == 0 && b < 3);
                f.sink_rate[a] = rate;
                f.sink_own[a] = own;
                f.alone[a] = 0;
                count_alone(&f, 0);
            }
            break;
        }
        case FZM_UNSINK:
            pos += pos < size;
            a = a % FZM_SINKS + 1;
            mixer_remove_sink(f.m, a);
            f.sink_rate[a] = 0;
            break;
        default:
            break;
        }
        check_stats(&f);
        check_sinks(&f);
    }
    mixer_destroy(f.m);
    return 0;
}
