/* Tests for media/mixer.c on a fake clock, with real
 * Opus-encoded tones as browser microphones and PCM tones as phone
 * callers, checked with a Goertzel detector: mix-minus, the limiter, loss
 * concealment, late and reordered packets, sources and sinks joining and
 * leaving between ticks, FEC, stopped streams, tick catch-up. The limiter
 * alone: test_limiter.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "media/audio_codec.h"
#include "media/limiter.h"
#include "media/mixer.h"
#include "base/err.h"
#include "audio_harness.h"

#define MS 1000LL
#define T0 (1000 * MS)

/* A browser microphone: an Opus encoder of a tone (or voice) and RTP. */
struct mic {
    uint32_t id;
    struct audio_enc *enc;
    double hz;
    bool voice;
    uint16_t seq;
    uint32_t ts;
    uint64_t pos;
};

static void mic_init(struct mic *c, uint32_t id, double hz, bool voice)
{
    memset(c, 0, sizeof(*c));
    c->id = id;
    c->hz = hz;
    c->voice = voice;
    c->seq = (uint16_t)(id * 1000);
    c->ts = id * 12345u;
    assert_int_equal(audio_enc_create(&c->enc, AUDIO_CODEC_OPUS), 0);
}

/* The next 20 ms as an RTP packet into pkt; returns its length. */
static size_t mic_packet(struct mic *c, uint8_t *pkt, size_t cap)
{
    int16_t pcm[960];
    size_t len;

    if (c->voice)
        voice_fill(pcm, 960, 48000, c->hz, 5000, c->pos);
    else
        sine_fill(pcm, 960, 48000, c->hz, 6000, c->pos);
    c->pos += 960;
    assert_true(cap > 12);
    pkt[0] = 0x80;
    pkt[1] = 111;
    pkt[2] = (uint8_t)(c->seq >> 8);
    pkt[3] = (uint8_t)c->seq;
    pkt[4] = (uint8_t)(c->ts >> 24);
    pkt[5] = (uint8_t)(c->ts >> 16);
    pkt[6] = (uint8_t)(c->ts >> 8);
    pkt[7] = (uint8_t)c->ts;
    pkt[8] = 0x11;
    pkt[9] = 0x22;
    pkt[10] = 0x33;
    pkt[11] = (uint8_t)c->id;
    assert_int_equal(audio_encode(c->enc, pcm, 960, pkt + 12, cap - 12, &len), 0);
    c->seq++;
    c->ts += 960;
    return 12 + len;
}

/* A phone caller: a PCM tone pushed at 48 kHz. */
struct phone {
    uint32_t id;
    double hz;
    uint64_t pos;
};

static void phone_push(struct mixer *m, struct phone *p, int64_t now, double amp)
{
    int16_t pcm[960];

    sine_fill(pcm, 960, 48000, p->hz, amp, p->pos);
    p->pos += 960;
    assert_int_equal(mixer_input_pcm(m, p->id, now, pcm, 960), 0);
}

/* Collects a sink's frames over a window. */
struct capture {
    int16_t pcm[100000];
    size_t n;
};

static void capture_frame(const struct mixer *m, uint32_t sink, struct capture *c)
{
    const int16_t *pcm;
    size_t n;

    assert_int_equal(mixer_sink_frame(m, sink, &pcm, &n), 0);
    if (c == NULL)
        return;
    assert_true(c->n + n <= sizeof(c->pcm) / sizeof(c->pcm[0]));
    memcpy(c->pcm + c->n, pcm, n * sizeof(*pcm));
    c->n += n;
}

/* A mixer with one browser mic (source 10) and a 48 kHz listener (100). */
static void one_mic(struct mixer **m, struct mic *b, int64_t now, double hz, bool voice)
{
    assert_int_equal(mixer_create(m, now), 0);
    mic_init(b, 10, hz, voice);
    assert_int_equal(mixer_add_opus_source(*m, 10), 0);
    assert_int_equal(mixer_add_sink(*m, 100, 0, 48000), 0);
}

static void tick(struct mixer *m, int64_t *now)
{
    *now = mixer_next_deadline(m);
    mixer_tick(m, *now);
}

/* Two browser mics (440, 660 Hz Opus) and two phones (1000, 1500 Hz PCM),
 * each phone with its sink: phone A hears 440, 660 and 1500 but not its
 * own 1000; phone B (16 kHz) hears 440, 660, 1000 but not 1500; a 48 kHz
 * listen-only sink hears everything. */
static void test_mix_minus(void **state)
{
    struct mixer *m;
    struct mic b, c;
    struct phone pa = {.id = 1, .hz = 1000}, pb = {.id = 2, .hz = 1500};
    static struct capture ca, cb, cl;
    uint8_t pkt[1500];
    int64_t now = T0;

    (void)state;
    memset(&ca, 0, sizeof(ca));
    memset(&cb, 0, sizeof(cb));
    memset(&cl, 0, sizeof(cl));
    assert_int_equal(mixer_create(&m, now), 0);
    mic_init(&b, 10, 440, false);
    mic_init(&c, 11, 660, false);
    assert_int_equal(mixer_add_opus_source(m, 10), 0);
    assert_int_equal(mixer_add_opus_source(m, 11), 0);
    assert_int_equal(mixer_add_pcm_source(m, 1), 0);
    assert_int_equal(mixer_add_pcm_source(m, 2), 0);
    assert_int_equal(mixer_add_sink(m, 101, 1, 8000), 0);
    assert_int_equal(mixer_add_sink(m, 102, 2, 16000), 0);
    assert_int_equal(mixer_add_sink(m, 103, 0, 48000), 0);
    for (int f = 0; f < 60; f++) {
        int64_t at = mixer_next_deadline(m) - 3 * MS;

        assert_int_equal(mixer_input_rtp(m, 10, at, pkt, mic_packet(&b, pkt, sizeof(pkt))), 0);
        assert_int_equal(mixer_input_rtp(m, 11, at, pkt, mic_packet(&c, pkt, sizeof(pkt))), 0);
        phone_push(m, &pa, at, 6000);
        phone_push(m, &pb, at, 6000);
        tick(m, &now);
        if (f >= 10) {
            capture_frame(m, 101, &ca);
            capture_frame(m, 102, &cb);
            capture_frame(m, 103, &cl);
        }
    }
    assert_int_equal(ca.n, 50 * 160);
    assert_int_equal(cb.n, 50 * 320);
    assert_int_equal(cl.n, 50 * 960);
    /* phone A's ear */
    assert_true(goertzel(ca.pcm, ca.n, 8000, 440) > 4000);
    assert_true(goertzel(ca.pcm, ca.n, 8000, 660) > 4000);
    assert_true(goertzel(ca.pcm, ca.n, 8000, 1500) > 4000);
    assert_true(goertzel(ca.pcm, ca.n, 8000, 1000) < 300);
    /* phone B's ear */
    assert_true(goertzel(cb.pcm, cb.n, 16000, 440) > 4000);
    assert_true(goertzel(cb.pcm, cb.n, 16000, 1000) > 4000);
    assert_true(goertzel(cb.pcm, cb.n, 16000, 1500) < 300);
    /* the listener */
    assert_true(goertzel(cl.pcm, cl.n, 48000, 1000) > 4000);
    assert_true(goertzel(cl.pcm, cl.n, 48000, 1500) > 4000);
    assert_true(goertzel(cl.pcm, cl.n, 48000, 660) > 4000);
    {
        struct mixer_stats st;

        mixer_get_stats(m, &st);
        assert_int_equal(st.frames_mixed, 60);
        assert_int_equal(st.received, 120);
        assert_int_equal(st.lost + st.late + st.concealed + st.bad_packets, 0);
        assert_int_equal(st.limited_frames, 0);
        assert_int_equal(mixer_frame_count(m), 60);
    }
    audio_enc_destroy(b.enc);
    audio_enc_destroy(c.enc);
    mixer_destroy(m);
}

/* Two loud phones (in phase, each near full scale) into one listener:
 * the sum is twice what 16 bits hold; the output never wraps and the
 * tone stays clean. */
static void test_two_loud_sources(void **state)
{
    struct mixer *m;
    struct phone p1 = {.id = 1, .hz = 500}, p2 = {.id = 2, .hz = 500};
    int64_t now = T0;
    struct mixer_stats st;

    (void)state;
    assert_int_equal(mixer_create(&m, now), 0);
    assert_int_equal(mixer_add_pcm_source(m, 1), 0);
    assert_int_equal(mixer_add_pcm_source(m, 2), 0);
    assert_int_equal(mixer_add_sink(m, 100, 0, 48000), 0);
    for (int f = 0; f < 50; f++) {
        const int16_t *pcm;
        size_t n;

        phone_push(m, &p1, now, 32000);
        phone_push(m, &p2, now, 32000);
        tick(m, &now);
        assert_int_equal(mixer_sink_frame(m, 100, &pcm, &n), 0);
        assert_int_equal(n, 960);
        if (f < 3)
            continue;
        for (size_t i = 0; i < n; i++) {
            /* The same phase as the input tone, never flipped by a wrap. */
            double x = sin(2 * M_PI * 500 * ((double)(f - 2) * 960 + (double)i) / 48000.0);

            assert_true(abs(pcm[i]) <= LIMITER_CEILING);
            if (x > 0.3)
                assert_true(pcm[i] > 0);
            if (x < -0.3)
                assert_true(pcm[i] < 0);
        }
        assert_true(goertzel(pcm, n, 48000, 500) > 25000);
    }
    mixer_get_stats(m, &st);
    assert_true(st.limited_frames >= 45);
    assert_int_equal(st.clipped_samples, 0);
    mixer_destroy(m);
}

/* Every 7th packet lost: the tone continues in every frame (PLC). */
static void test_loss_concealment(void **state)
{
    struct mixer *m;
    struct mic b;
    uint8_t pkt[1500];
    int64_t now = T0;
    struct mixer_stats st;

    (void)state;
    one_mic(&m, &b, now, 440, false);
    for (int f = 0; f < 100; f++) {
        size_t len = mic_packet(&b, pkt, sizeof(pkt));

        if (f % 7 != 3)
            assert_int_equal(mixer_input_rtp(m, 10, now, pkt, len), 0);
        tick(m, &now);
        if (f >= 5) {
            const int16_t *pcm;
            size_t n;

            assert_int_equal(mixer_sink_frame(m, 100, &pcm, &n), 0);
            assert_true(goertzel(pcm, n, 48000, 440) > 500);
        }
    }
    mixer_get_stats(m, &st);
    assert_true(st.lost >= 13);
    /* without FEC in a steady tone's packets, the FEC decode conceals too */
    assert_true(st.concealed + st.fec >= 13);
    audio_enc_destroy(b.enc);
    mixer_destroy(m);
}

/* Runs a voiced mic through the mixer into a 48 kHz sink, feeding
 * packets in the order given by `order` (packet indexes per tick, -1 for
 * none); returns the captured output. */
static void run_voice(const int *order, int ticks, struct capture *out, struct mixer_stats *st)
{
    struct mixer *m;
    struct mic b;
    static uint8_t pkts[128][1500];
    size_t lens[128];
    int64_t now = T0;

    one_mic(&m, &b, now, 150, true);
    for (int i = 0; i < 128; i++)
        lens[i] = mic_packet(&b, pkts[i], sizeof(pkts[i]));
    out->n = 0;
    for (int t = 0; t < ticks; t++) {
        for (int k = 0; k < 2; k++) {
            int i = order[2 * t + k];

            if (i >= 0)
                mixer_input_rtp(m, 10, now, pkts[i], lens[i]);
        }
        tick(m, &now);
        capture_frame(m, 100, out);
    }
    mixer_get_stats(m, st);
    audio_enc_destroy(b.enc);
    mixer_destroy(m);
}

/* One lost packet whose successor carries FEC: the mixer recovers the
 * frame from it, close to the loss-free output. Late and reordered
 * packets: reordering within the jitter buffer's delay costs nothing; a
 * packet after its frame was played is late and dropped. Packets come one
 * frame ahead of their playout (the jitter buffer has a frame of slack). */
static void test_fec_late_reorder(void **state)
{
    enum { TICKS = 100 };
    static int order[2 * TICKS];
    static struct capture ref, got;
    struct mixer_stats st;
    size_t f41 = 41 * 960; /* packet k plays at tick k */

    (void)state;
    for (int t = 0; t < TICKS; t++) {
        order[2 * t] = t + 1;
        order[2 * t + 1] = -1;
    }
    order[1] = 0;
    run_voice(order, TICKS, &ref, &st);
    assert_int_equal(st.lost + st.late + st.concealed + st.fec, 0);

    order[2 * 40] = -1; /* packet 41 never arrives */
    run_voice(order, TICKS, &got, &st);
    assert_int_equal(st.lost, 1);
    assert_int_equal(st.fec, 1);
    assert_int_equal(st.concealed, 0);
    assert_true(rms(ref.pcm + f41, 960) > 1000);
    assert_true(rms_diff(got.pcm + f41, ref.pcm + f41, 960) < rms(ref.pcm + f41, 960) / 4);

    /* 42 comes before 41: no loss, the same output. */
    order[2 * 40] = 42;
    order[2 * 41] = 41;
    run_voice(order, TICKS, &got, &st);
    assert_int_equal(st.lost + st.late + st.fec + st.concealed, 0);
    assert_int_equal(got.n, ref.n);
    assert_true(rms_diff(got.pcm, ref.pcm, got.n) < 1);

    /* Packet 61 comes 120 ms late: lost (recovered by FEC) when its frame
     * is due, then dropped as late; the output goes on in step. */
    order[2 * 40] = 41;
    order[2 * 41] = 42;
    order[2 * 60] = -1;
    order[2 * 66 + 1] = 61;
    run_voice(order, TICKS, &got, &st);
    assert_int_equal(st.late, 1);
    assert_int_equal(st.lost, 1);
    assert_int_equal(st.received, TICKS);
    assert_true(rms_diff(got.pcm + 70 * 960, ref.pcm + 70 * 960, 960) <
                rms(ref.pcm + 70 * 960, 960) / 4);
}

/* Sources and sinks join and leave between ticks (in the middle of a 20 ms
 * frame): they count from the next frame, stats only grow, and a sink's
 * own source can come and go. */
static void test_join_leave(void **state)
{
    struct mixer *m;
    struct mic b;
    struct phone pa = {.id = 1, .hz = 1000};
    uint8_t pkt[1500];
    int64_t now = T0;
    static struct capture c1, c2;
    struct mixer_stats st1, st2;
    const int16_t *pcm;
    size_t n;

    (void)state;
    memset(&c1, 0, sizeof(c1));
    memset(&c2, 0, sizeof(c2));
    assert_int_equal(mixer_create(&m, now), 0);
    assert_int_equal(mixer_add_pcm_source(m, 1), 0);
    assert_int_equal(mixer_add_sink(m, 100, 1, 8000), 0);
    /* Before any tick the sink reads silence of its frame size. */
    assert_int_equal(mixer_sink_frame(m, 100, &pcm, &n), 0);
    assert_int_equal(n, 160);
    assert_true(rms(pcm, n) == 0);
    mic_init(&b, 10, 440, false);
    for (int f = 0; f < 80; f++) {
        int64_t mid = mixer_next_deadline(m) - 7 * MS;

        if (f == 20) /* a browser joins mid-frame */
            assert_int_equal(mixer_add_opus_source(m, 10), 0);
        if (f == 50) { /* and leaves mid-frame */
            mixer_get_stats(m, &st1);
            mixer_remove_source(m, 10);
            mixer_get_stats(m, &st2);
            assert_true(st2.received >= st1.received);
        }
        if (f >= 20 && f < 50)
            assert_int_equal(mixer_input_rtp(m, 10, mid, pkt, mic_packet(&b, pkt, sizeof(pkt))), 0);
        else
            assert_int_equal(mixer_input_rtp(m, 10, mid, pkt, mic_packet(&b, pkt, sizeof(pkt))),
                             ERR_NOTFOUND);
        phone_push(m, &pa, mid, 6000);
        tick(m, &now);
        if (f >= 25 && f < 45)
            capture_frame(m, 100, &c1);
        if (f >= 52 && f < 72)
            capture_frame(m, 100, &c2);
    }
    assert_true(goertzel(c1.pcm, c1.n, 8000, 440) > 4000);
    assert_true(goertzel(c1.pcm, c1.n, 8000, 1000) < 300);
    assert_true(rms(c2.pcm, c2.n) < 50); /* only its own voice is left: silence */
    mixer_get_stats(m, &st2);
    assert_int_equal(st2.received, 30);
    /* The phone hangs up; its sink goes; another sink comes. */
    mixer_remove_source(m, 1);
    mixer_remove_sink(m, 100);
    assert_int_equal(mixer_sink_frame(m, 100, &pcm, &n), ERR_NOTFOUND);
    assert_int_equal(mixer_add_sink(m, 100, 1, 16000), 0);
    tick(m, &now);
    assert_int_equal(mixer_sink_frame(m, 100, &pcm, &n), 0);
    assert_int_equal(n, 320);
    audio_enc_destroy(b.enc);
    mixer_destroy(m);
}

/* A mic that stops sending: after a few concealed frames, silence. */
static void test_stopped_stream(void **state)
{
    struct mixer *m;
    struct mic b;
    uint8_t pkt[1500];
    int64_t now = T0;
    struct mixer_stats st;

    (void)state;
    one_mic(&m, &b, now, 440, false);
    for (int f = 0; f < 200; f++) {
        const int16_t *pcm;
        size_t n;

        if (f < 50)
            mixer_input_rtp(m, 10, now, pkt, mic_packet(&b, pkt, sizeof(pkt)));
        tick(m, &now);
        assert_int_equal(mixer_sink_frame(m, 100, &pcm, &n), 0);
        if (f >= 65)
            assert_true(rms(pcm, n) < 1);
    }
    mixer_get_stats(m, &st);
    assert_true(st.concealed <= 10);
    audio_enc_destroy(b.enc);
    mixer_destroy(m);
}

/* Ticks: one per deadline; late ticks catch up a few frames, far late
 * ones skip. Argument and capacity errors. */
static void test_ticks_and_errors(void **state)
{
    struct mixer *m;
    struct mixer_stats st;
    uint8_t junk[40] = {0x80};

    (void)state;
    assert_int_equal(mixer_create(&m, T0), 0);
    assert_int_equal(mixer_next_deadline(m), T0 + MIXER_FRAME_US);
    mixer_tick(m, T0 + 19 * MS);
    assert_int_equal(mixer_frame_count(m), 0);
    mixer_tick(m, T0 + 61 * MS); /* three due */
    assert_int_equal(mixer_frame_count(m), 3);
    assert_int_equal(mixer_next_deadline(m), T0 + 80 * MS);
    mixer_tick(m, T0 + 10000 * MS); /* far behind */
    mixer_get_stats(m, &st);
    assert_int_equal(st.frames_mixed, 3 + MIXER_CATCHUP_MAX);
    assert_true(st.frames_skipped > 400);
    assert_true(mixer_next_deadline(m) > T0 + 10000 * MS);
    assert_true(mixer_next_deadline(m) <= T0 + 10020 * MS);

    assert_int_equal(mixer_add_opus_source(m, 0), ERR_INVAL);
    for (uint32_t i = 1; i <= MIXER_SOURCES_MAX; i++)
        assert_int_equal(i % 2 ? mixer_add_opus_source(m, i) : mixer_add_pcm_source(m, i), 0);
    assert_int_equal(mixer_add_pcm_source(m, 99), ERR_FULL);
    assert_int_equal(mixer_add_pcm_source(m, 3), ERR_EXISTS);
    assert_int_equal(mixer_input_rtp(m, 2, T0, junk, sizeof(junk)), ERR_NOTFOUND); /* PCM */
    assert_int_equal(mixer_input_pcm(m, 1, T0, (int16_t[1]){0}, 1), ERR_NOTFOUND); /* Opus */
    assert_int_equal(mixer_input_rtp(m, 1, T0, junk, 5), ERR_PARSE);
    assert_int_equal(mixer_input_rtp(m, 1, T0, junk, 12), ERR_PARSE); /* no payload */
    mixer_get_stats(m, &st);
    assert_int_equal(st.bad_packets, 2);
    assert_int_equal(mixer_add_sink(m, 1, 0, 44100), ERR_INVAL);
    assert_int_equal(mixer_add_sink(m, 0, 0, 8000), ERR_INVAL);
    for (uint32_t i = 1; i <= MIXER_SINKS_MAX; i++)
        assert_int_equal(mixer_add_sink(m, i, i, 8000), 0);
    assert_int_equal(mixer_add_sink(m, 99, 0, 8000), ERR_FULL);
    assert_int_equal(mixer_add_sink(m, 1, 0, 8000), ERR_EXISTS);
    mixer_remove_sink(m, 12345);
    mixer_remove_source(m, 12345);
    mixer_destroy(m);
    mixer_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mix_minus),        cmocka_unit_test(test_two_loud_sources),
        cmocka_unit_test(test_loss_concealment), cmocka_unit_test(test_fec_late_reorder),
        cmocka_unit_test(test_join_leave),       cmocka_unit_test(test_stopped_stream),
        cmocka_unit_test(test_ticks_and_errors),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
