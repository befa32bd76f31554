/* Seeds for tests/fuzz/fuzz_mixer.c: record streams (fuzz_mixer.h) of a
 * meeting with real Opus packets and PCM, with loss, reordering, a new
 * SSRC, hostile RTP, sinks coming and going, and everyone but one caller
 * leaving. With SAMTALE_SEED_DIR set
 * it writes them:
 *   SAMTALE_SEED_DIR=tests/fuzz/corpus/mixer build/debug/tests/test_mixer_seeds */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "media/audio_codec.h"
#include "tests/fuzz/fuzz_mixer.h"
#include "audio_harness.h"
#include "seed_dump.h"

#define SEED_MAX 200000

struct seed {
    uint8_t buf[SEED_MAX];
    size_t len;
};

static void put(struct seed *s, const void *p, size_t n)
{
    assert_true(s->len + n <= SEED_MAX);
    memcpy(s->buf + s->len, p, n);
    s->len += n;
}

static void op3(struct seed *s, uint8_t op, uint8_t a, uint8_t b)
{
    uint8_t r[3] = {op, a, b};

    put(s, r, 3);
}

static void op2(struct seed *s, uint8_t op, uint8_t a)
{
    uint8_t r[2] = {op, a};

    put(s, r, 2);
}

static void op_data(struct seed *s, uint8_t op, uint8_t src, const void *p, size_t n)
{
    uint8_t h[4] = {op, src, (uint8_t)(n >> 8), (uint8_t)n};

    put(s, h, 4);
    put(s, p, n);
}

static void op_time(struct seed *s, unsigned units)
{
    uint8_t r[3] = {FZM_TIME, (uint8_t)(units >> 8), (uint8_t)units};

    put(s, r, 3);
}

/* A meeting: Opus sources 1..3 (sines or voice), PCM sources 4, 5, sinks
 * 1 (own 4, 8 kHz), 2 (own 5, 16 kHz), 3 (listener, 48 kHz). `variant`
 * adds loss, reordering, an SSRC change and hostile packets. */
static void meeting(struct seed *s, int variant, int frames)
{
    struct audio_enc *enc[3];
    static const uint8_t junk[] = {0x80, 0x6F, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xFF, 0xFF};
    int16_t pcm[960];
    uint8_t opus[AUDIO_ENCODED_MAX];
    size_t len;

    s->len = 0;
    for (uint8_t i = 0; i < 3; i++) {
        op3(s, FZM_ADD, i, 0); /* sources 1..3: Opus (number = byte % 6 + 1) */
        assert_int_equal(audio_enc_create(&enc[i], AUDIO_CODEC_OPUS), 0);
    }
    op3(s, FZM_ADD, 3, 1); /* 4, 5: PCM */
    op3(s, FZM_ADD, 4, 1);
    {
        uint8_t r[4] = {FZM_SINK, 0, 4, 0};

        put(s, r, 4);
        r[1] = 1;
        r[2] = 5;
        r[3] = 1;
        put(s, r, 4);
        r[1] = 2;
        r[2] = 0;
        r[3] = 2;
        put(s, r, 4);
    }
    for (int f = 0; f < frames; f++) {
        for (uint8_t i = 0; i < 3; i++) {
            uint8_t op = FZM_OPUS;

            if (i == 2)
                voice_fill(pcm, 960, 48000, 150, 5000, (uint64_t)f * 960);
            else
                sine_fill(pcm, 960, 48000, 440.0 + 220 * i, 6000, (uint64_t)f * 960);
            assert_int_equal(audio_encode(enc[i], pcm, 960, opus, sizeof(opus), &len), 0);
            if (variant == 1 && f % 9 == 4)
                continue; /* lost (the next one is sent with step 2) */
            if (variant == 1 && f % 9 == 5)
                op = (uint8_t)(FZM_OPUS | 4 << 4);
            if (variant == 2 && f == frames / 2)
                op = (uint8_t)(FZM_OPUS | 0x40); /* new SSRC */
            if (variant == 2 && f % 5 == 0)
                op = (uint8_t)(FZM_OPUS | 0x80); /* timestamp jump: DTX gap */
            op_data(s, op, i, opus, len);
        }
        /* whole periods, repeated to a frame by the fuzzer */
        sine_fill(pcm, 48, 48000, 1000, 6000, 0);
        op_data(s, FZM_PCM, 3, pcm, 48 * sizeof(*pcm));
        sine_fill(pcm, 96, 48000, 1500, 30000, 0);
        op_data(s, FZM_PCM, 4, pcm, 96 * sizeof(*pcm));
        if (variant == 2 && f % 7 == 0)
            op_data(s, FZM_RTP, 0, junk, sizeof(junk));
        op_time(s, 200);
    }
    if (variant == 2) {
        op2(s, FZM_REMOVE, 0);
        op2(s, FZM_UNSINK, 1);
        op_time(s, 2000);
    }
    if (variant == 3) {
        /* Everyone leaves but phone 4, which goes on talking: its own sink
         * must hear silence. */
        for (uint8_t i = 0; i < 5; i++)
            if (i != 3)
                op2(s, FZM_REMOVE, i);
        for (int f = 0; f < 5; f++) {
            sine_fill(pcm, 48, 48000, 1000, 6000, 0);
            op_data(s, FZM_PCM, 3, pcm, 48 * sizeof(*pcm));
            op_time(s, 200);
        }
    }
    for (int i = 0; i < 3; i++)
        audio_enc_destroy(enc[i]);
}

static void test_seeds(void **state)
{
    static struct seed s;
    static const char *const names[] = {"meeting", "meeting_loss", "meeting_churn",
                                        "meeting_alone"};

    (void)state;
    for (int v = 0; v < 4; v++) {
        meeting(&s, v, v == 3 ? 10 : 40);
        assert_true(s.len > 10 * 3 * 20);
        dump_seed(names[v], s.buf, s.len);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seeds),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
