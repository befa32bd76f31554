/* Tests for media/audio_codec.c: G.711 against the
 * ITU tables' known values and round trips, G.722 and Opus tones through
 * encoder and decoder (checked with a Goertzel detector), concealment,
 * Opus FEC, hostile payloads, RFC 6464 levels. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "media/audio_codec.h"
#include "base/err.h"
#include "audio_harness.h"

static void test_rates(void **state)
{
    (void)state;
    assert_int_equal(audio_codec_rate(AUDIO_CODEC_PCMU), 8000);
    assert_int_equal(audio_codec_rate(AUDIO_CODEC_PCMA), 8000);
    assert_int_equal(audio_codec_rate(AUDIO_CODEC_G722), 16000);
    assert_int_equal(audio_codec_rate(AUDIO_CODEC_OPUS), 48000);
    assert_int_equal(audio_codec_rtp_clock(AUDIO_CODEC_G722), 8000);
    assert_int_equal(audio_codec_rtp_clock(AUDIO_CODEC_OPUS), 48000);
    assert_int_equal(audio_codec_frame_samples(AUDIO_CODEC_G722), 320);
    assert_int_equal(audio_codec_rate(AUDIO_CODEC_COUNT), 0);
    assert_string_equal(audio_codec_name(AUDIO_CODEC_PCMA), "PCMA");
}

/* Known values of G.711 (ITU-T G.711 tables; the Sun reference code). */
static void test_g711_vectors(void **state)
{
    (void)state;
    /* A-law: even bits inverted; 0xD5 is the smallest positive step. */
    assert_int_equal(audio_alaw_encode(0), 0xD5);
    assert_int_equal(audio_alaw_encode(-1), 0x55);
    assert_int_equal(audio_alaw_decode(0xD5), 8);
    assert_int_equal(audio_alaw_decode(0x55), -8);
    assert_int_equal(audio_alaw_decode(0xAA), 32256);
    assert_int_equal(audio_alaw_decode(0x2A), -32256);
    assert_int_equal(audio_alaw_encode(32767), 0xAA);
    assert_int_equal(audio_alaw_encode(-32768), 0x2A);
    assert_int_equal(audio_alaw_decode(0x80 ^ 0x55), 8);
    assert_int_equal(audio_alaw_encode(1000), 0xFA);
    assert_int_equal(audio_alaw_decode(0xFA), 1008);
    /* mu-law: 0xFF and 0x7F are zero, 0x80 / 0x00 the extremes. */
    assert_int_equal(audio_ulaw_encode(0), 0xFF);
    assert_int_equal(audio_ulaw_decode(0xFF), 0);
    assert_int_equal(audio_ulaw_decode(0x7F), 0);
    assert_int_equal(audio_ulaw_decode(0x80), 32124);
    assert_int_equal(audio_ulaw_decode(0x00), -32124);
    assert_int_equal(audio_ulaw_encode(32767), 0x80);
    assert_int_equal(audio_ulaw_encode(-32768), 0x00);
    assert_int_equal(audio_ulaw_encode(1000), 0xCE);
    assert_int_equal(audio_ulaw_decode(0xCE), 988);
}

/* Every code word decodes to a value that encodes back to itself (except
 * mu-law's negative zero 0x7F, which reads as +0 = 0xFF), and the error of
 * encode-decode is within half a step of the segment everywhere. */
static void test_g711_round_trip(void **state)
{
    (void)state;
    for (unsigned c = 0; c < 256; c++) {
        assert_int_equal(audio_alaw_encode(audio_alaw_decode((uint8_t)c)), c);
        if (c != 0x7F)
            assert_int_equal(audio_ulaw_encode(audio_ulaw_decode((uint8_t)c)), c);
    }
    for (int v = -32768; v <= 32767; v += 7) {
        int a = audio_alaw_decode(audio_alaw_encode((int16_t)v));
        int u = audio_ulaw_decode(audio_ulaw_encode((int16_t)v));
        int mag = v < 0 ? -v : v;
        int tol = mag < 64 ? 16 : mag / 16 + 8;

        assert_true(abs(a - v) <= tol + 8);
        assert_true(abs(u - v) <= (mag > 32124 ? 700 : tol));
    }
}

/* Encodes 20 ms frames of a tone, decodes them, and checks the tone is
 * there after the codec's delay. */
static void tone_through(enum audio_codec_kind k, double hz)
{
    struct audio_enc *e;
    struct audio_dec *d;
    unsigned rate = audio_codec_rate(k);
    size_t fn = audio_codec_frame_samples(k), len, n;
    int16_t pcm[AUDIO_FRAME_SAMPLES_MAX], dec[AUDIO_FRAME_SAMPLES_MAX];
    uint8_t buf[AUDIO_ENCODED_MAX];

    assert_int_equal(audio_enc_create(&e, k), 0);
    assert_int_equal(audio_dec_create(&d, k), 0);
    for (unsigned f = 0; f < 20; f++) {
        sine_fill(pcm, fn, rate, hz, 8000, (uint64_t)f * fn);
        assert_int_equal(audio_encode(e, pcm, fn, buf, sizeof(buf), &len), 0);
        assert_true(len > 0 && len <= AUDIO_ENCODED_MAX);
        if (k == AUDIO_CODEC_PCMA || k == AUDIO_CODEC_PCMU)
            assert_int_equal(len, 160);
        if (k == AUDIO_CODEC_G722)
            assert_int_equal(len, 160);
        assert_int_equal(audio_decode(d, buf, len, false, dec, fn, &n), 0);
        assert_int_equal(n, fn);
        if (f >= 5) {
            double a = goertzel(dec, n, rate, hz);

            assert_true(a > 6000 && a < 10000);
            assert_true(goertzel(dec, n, rate, hz * 2.3) < 800);
        }
    }
    /* The wrong frame size is refused. */
    assert_int_equal(audio_encode(e, pcm, fn - 1, buf, sizeof(buf), &len), ERR_INVAL);
    if (k != AUDIO_CODEC_OPUS) /* Opus can always fit some packet */
        assert_int_equal(audio_encode(e, pcm, fn, buf, 10, &len), ERR_TOOBIG);
    audio_enc_destroy(e);
    audio_dec_destroy(d);
}

static void test_tones(void **state)
{
    (void)state;
    tone_through(AUDIO_CODEC_PCMA, 1000);
    tone_through(AUDIO_CODEC_PCMU, 440);
    tone_through(AUDIO_CODEC_G722, 1000);
    tone_through(AUDIO_CODEC_G722, 6000); /* the wideband half of G.722 */
    tone_through(AUDIO_CODEC_OPUS, 440);
    audio_enc_destroy(NULL);
    audio_dec_destroy(NULL);
}

/* G.711 concealment repeats the last frame, fading, then silence. */
static void test_g711_conceal(void **state)
{
    struct audio_dec *d;
    int16_t pcm[160], out[160];
    uint8_t buf[160];
    size_t n;
    double prev;

    (void)state;
    assert_int_equal(audio_dec_create(&d, AUDIO_CODEC_PCMA), 0);
    /* Nothing decoded yet: silence. */
    assert_int_equal(audio_decode(d, NULL, 0, false, out, 160, &n), 0);
    assert_int_equal(n, 160);
    assert_true(rms(out, n) == 0);
    sine_fill(pcm, 160, 8000, 400, 10000, 0);
    for (int i = 0; i < 160; i++)
        buf[i] = audio_alaw_encode(pcm[i]);
    assert_int_equal(audio_decode(d, buf, 160, false, out, 160, &n), 0);
    prev = rms(out, n);
    for (int f = 0; f < 4; f++) {
        /* fec=true conceals too for G.711. */
        assert_int_equal(audio_decode(d, f == 1 ? buf : NULL, 160, f == 1, out, 160, &n), 0);
        assert_int_equal(n, 160);
        assert_true(rms(out, n) < prev);
        assert_true(goertzel(out, n, 8000, 400) > 100);
        prev = rms(out, n);
    }
    assert_int_equal(audio_decode(d, NULL, 0, false, out, 160, &n), 0);
    assert_true(rms(out, n) < 1);
    /* A good frame ends the concealment. */
    assert_int_equal(audio_decode(d, buf, 160, false, out, 160, &n), 0);
    assert_true(goertzel(out, n, 8000, 400) > 9000);
    assert_int_equal(audio_decode(d, NULL, 0, false, out, 100, &n), ERR_TOOBIG);
    assert_int_equal(audio_decode(d, buf, 160, false, out, 100, &n), ERR_TOOBIG);
    assert_int_equal(audio_decode(d, buf, 0, false, out, 160, &n), ERR_PARSE);
    audio_dec_destroy(d);
}

/* Opus: PLC after a loss continues the signal; FEC from the next packet
 * recovers the lost frame much closer to what it was than PLC does. */
static void test_opus_plc_fec(void **state)
{
    struct audio_enc *e;
    struct audio_dec *d, *ref, *plc;
    int16_t pcm[960], out[960], want[960];
    uint8_t pkts[60][AUDIO_ENCODED_MAX];
    size_t lens[60], n;

    (void)state;
    assert_int_equal(audio_enc_create(&e, AUDIO_CODEC_OPUS), 0);
    for (unsigned f = 0; f < 60; f++) {
        voice_fill(pcm, 960, 48000, 150, 5000, (uint64_t)f * 960);
        assert_int_equal(audio_encode(e, pcm, 960, pkts[f], AUDIO_ENCODED_MAX, &lens[f]), 0);
    }
    audio_enc_destroy(e);

    assert_int_equal(audio_dec_create(&d, AUDIO_CODEC_OPUS), 0);
    assert_int_equal(audio_dec_create(&ref, AUDIO_CODEC_OPUS), 0);
    assert_int_equal(audio_dec_create(&plc, AUDIO_CODEC_OPUS), 0);
    for (unsigned f = 0; f < 50; f++) {
        assert_int_equal(audio_decode(d, pkts[f], lens[f], false, out, 960, &n), 0);
        assert_int_equal(audio_decode(ref, pkts[f], lens[f], false, want, 960, &n), 0);
        assert_int_equal(audio_decode(plc, pkts[f], lens[f], false, out, 960, &n), 0);
    }
    /* Frame 50 lost: from 51's FEC, or concealed. */
    assert_int_equal(audio_decode(ref, pkts[50], lens[50], false, want, 960, &n), 0);
    assert_int_equal(audio_decode(d, pkts[51], lens[51], true, out, 960, &n), 0);
    assert_int_equal(n, 960);
    assert_true(rms_diff(out, want, n) < rms(want, n) / 4);
    assert_int_equal(audio_decode(plc, NULL, 0, false, out, 960, &n), 0);
    assert_int_equal(n, 960);
    assert_true(rms(out, n) > rms(want, n) / 10); /* PLC is not silence */
    assert_true(rms_diff(out, want, n) > rms(want, n) / 4);
    assert_int_equal(audio_decode(d, pkts[51], lens[51], false, out, 960, &n), 0);
    assert_int_equal(n, 960);
    /* Hostile or unfit input. */
    assert_int_equal(audio_decode(d, pkts[53], lens[53], false, out, 480, &n), ERR_TOOBIG);
    assert_int_equal(audio_decode(d, pkts[53], lens[53], true, out, 480, &n), ERR_TOOBIG);
    assert_int_equal(audio_decode(d, pkts[53], 0, false, out, 960, &n), ERR_PARSE);
    {
        static const uint8_t bad[] = {0xFF, 0xFF}; /* code 3, frame count 63 */
        assert_int_equal(audio_decode(d, bad, sizeof(bad), false, out, 960, &n), ERR_PARSE);
        assert_int_equal(audio_decode(d, bad, sizeof(bad), true, out, 960, &n), ERR_PARSE);
    }
    audio_dec_destroy(d);
    audio_dec_destroy(ref);
    audio_dec_destroy(plc);
}

/* Random bytes into every decoder: errors or frames, never beyond cap. */
static void test_hostile_payloads(void **state)
{
    uint8_t buf[1500];
    int16_t out[AUDIO_FRAME_SAMPLES_MAX];
    unsigned seed = 7;

    (void)state;
    for (int k = 0; k < AUDIO_CODEC_COUNT; k++) {
        struct audio_dec *d;

        assert_int_equal(audio_dec_create(&d, (enum audio_codec_kind)k), 0);
        for (int i = 0; i < 300; i++) {
            size_t len = (size_t)(rand_r(&seed) % 1500), n = 0;
            int r;

            for (size_t j = 0; j < len; j++)
                buf[j] = (uint8_t)rand_r(&seed);
            r = audio_decode(d, buf, len, i % 3 == 0, out, sizeof(out) / sizeof(out[0]), &n);
            assert_true(r == 0 || r == ERR_PARSE || r == ERR_TOOBIG);
            assert_true(n <= sizeof(out) / sizeof(out[0]));
            if (r != 0)
                assert_int_equal(n, 0);
        }
        audio_dec_destroy(d);
    }
    assert_int_equal(audio_dec_create(&(struct audio_dec *){NULL}, AUDIO_CODEC_COUNT), ERR_INVAL);
}

static void test_level(void **state)
{
    int16_t pcm[960];

    (void)state;
    memset(pcm, 0, sizeof(pcm));
    assert_int_equal(audio_level_dbov(pcm, 960), 127);
    assert_int_equal(audio_level_dbov(pcm, 0), 127);
    sine_fill(pcm, 960, 48000, 1000, 32767, 0);
    assert_int_equal(audio_level_dbov(pcm, 960), 3); /* full-scale sine: -3 dBov */
    sine_fill(pcm, 960, 48000, 1000, 32767 / 10.0, 0);
    assert_int_equal(audio_level_dbov(pcm, 960), 23);
    for (int i = 0; i < 960; i++)
        pcm[i] = i % 2 ? 32767 : -32767;
    assert_int_equal(audio_level_dbov(pcm, 960), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rates),
        cmocka_unit_test(test_g711_vectors),
        cmocka_unit_test(test_g711_round_trip),
        cmocka_unit_test(test_tones),
        cmocka_unit_test(test_g711_conceal),
        cmocka_unit_test(test_opus_plc_fec),
        cmocka_unit_test(test_hostile_payloads),
        cmocka_unit_test(test_level),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
