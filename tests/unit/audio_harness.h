/* Helpers for the audio tests: sine tones and a Goertzel detector that
 * measures how much of a frequency a block of PCM carries. Header-only. */
#ifndef SAMTALE_TESTS_AUDIO_HARNESS_H
#define SAMTALE_TESTS_AUDIO_HARNESS_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* n samples of a sine of `hz` at `rate`, amplitude amp, continuing from
 * sample position pos (so consecutive frames join without a click). */
static inline void sine_fill(int16_t *pcm, size_t n, unsigned rate, double hz, double amp,
                             uint64_t pos)
{
    for (size_t i = 0; i < n; i++)
        pcm[i] = (int16_t)lrint(amp * sin(2.0 * M_PI * hz * (double)(pos + i) / rate));
}

/* A voiced, speech-like signal: ten harmonics of f0 (amplitude 1/h) with
 * a slow 3 Hz swell. Opus's voice activity detection takes it for speech
 * and codes in-band FEC for it, which it does not for a steady sine. */
static inline void voice_fill(int16_t *pcm, size_t n, unsigned rate, double f0, double amp,
                              uint64_t pos)
{
    for (size_t i = 0; i < n; i++) {
        double x = (double)(pos + i) / rate, v = 0;

        for (int h = 1; h <= 10; h++)
            v += sin(2.0 * M_PI * f0 * h * x) / h;
        pcm[i] = (int16_t)lrint(amp * v * (0.6 + 0.4 * sin(2.0 * M_PI * 3.0 * x)));
    }
}

/* Root-mean-square difference of two blocks. */
static inline double rms_diff(const int16_t *a, const int16_t *b, size_t n)
{
    double sum = 0;

    for (size_t i = 0; i < n; i++)
        sum += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
    return n ? sqrt(sum / (double)n) : 0;
}

/* Adds a sine (saturating) to pcm. */
static inline void sine_add(int16_t *pcm, size_t n, unsigned rate, double hz, double amp,
                            uint64_t pos)
{
    for (size_t i = 0; i < n; i++) {
        double v = pcm[i] + amp * sin(2.0 * M_PI * hz * (double)(pos + i) / rate);
        pcm[i] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : lrint(v));
    }
}

/* Goertzel: the amplitude of the `hz` component of pcm (for a pure sine
 * of amplitude A and a whole number of periods, about A). */
static inline double goertzel(const int16_t *pcm, size_t n, unsigned rate, double hz)
{
    double w = 2.0 * M_PI * hz / rate, c = 2.0 * cos(w), s1 = 0, s2 = 0;

    for (size_t i = 0; i < n; i++) {
        double s0 = pcm[i] + c * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    return 2.0 * sqrt(s1 * s1 + s2 * s2 - c * s1 * s2) / (double)n;
}

static inline double rms(const int16_t *pcm, size_t n)
{
    double sum = 0;

    for (size_t i = 0; i < n; i++)
        sum += (double)pcm[i] * pcm[i];
    return n ? sqrt(sum / (double)n) : 0;
}

#endif
