/* Signal tones: sines with linear fades at each edge. */
#include "media/tone.h"

#include <math.h>

#define TONE_AMPLITUDE 8000.0 /* about -12 dBov: clear but not harsh */
#define TONE_FADE_MS 5

size_t tone_muted_len(unsigned rate)
{
    return (size_t)rate * TONE_MUTED_MS / 1000;
}

size_t tone_muted_fill(unsigned rate, size_t pos, int16_t *pcm, size_t n)
{
    size_t len = tone_muted_len(rate), beep = (size_t)rate * TONE_MUTED_BEEP_MS / 1000;
    size_t fade = (size_t)rate * TONE_FADE_MS / 1000, inside = 0;
    const double w = 2.0 * 3.14159265358979323846 * TONE_MUTED_HZ / (rate ? rate : 1);

    for (size_t i = 0; i < n; i++) {
        size_t p = pos + i, in_beep;
        double g;

        pcm[i] = 0;
        if (p >= len || beep == 0)
            continue;
        inside++;
        in_beep = p % (2 * beep);
        if (in_beep >= beep)
            continue; /* the gap between the beeps */
        g = 1.0;
        if (fade > 0 && in_beep < fade)
            g = (double)in_beep / (double)fade;
        else if (fade > 0 && beep - in_beep <= fade)
            g = (double)(beep - in_beep - 1) / (double)fade;
        pcm[i] = (int16_t)lrint(TONE_AMPLITUDE * g * sin(w * (double)in_beep));
    }
    return inside;
}
