/* Peak limiter with per-frame gain ramps. */
#include "media/limiter.h"

#include <math.h>

/* Attack ramp length in samples (1 ms at 48 kHz). */
#define ATTACK_SAMPLES 48
/* Per-frame fraction of the way back to unity gain: a release time
 * constant of about 300 ms at 20 ms frames. */
#define RELEASE_PER_FRAME 0.065f

void limiter_init(struct limiter *l)
{
    l->gain = 1.0f;
}

unsigned limiter_process(struct limiter *l, const int32_t *in, int16_t *out, size_t n,
                         bool *limited)
{
    int64_t peak = 0;
    float target, start = l->gain, end;
    unsigned clamped = 0;

    for (size_t i = 0; i < n; i++) {
        int64_t a = in[i] < 0 ? -(int64_t)in[i] : in[i];

        if (a > peak)
            peak = a;
    }
    target = peak > LIMITER_CEILING ? (float)LIMITER_CEILING / (float)peak : 1.0f;
    if (target < start) {
        end = target; /* attack */
    } else {
        end = start + (1.0f - start) * RELEASE_PER_FRAME; /* release */
        if (end > 0.999f)
            end = 1.0f;
        if (end > target)
            end = target;
    }
    *limited = start < 1.0f || end < 1.0f;
    for (size_t i = 0; i < n; i++) {
        size_t ramp = target < start ? ATTACK_SAMPLES : n;
        float g = i < ramp ? start + (end - start) * (float)(i + 1) / (float)ramp : end;
        int64_t a = in[i] < 0 ? -(int64_t)in[i] : in[i];
        long v;

        /* Inside the attack ramp a sample may need less than the ramp gives. */
        if ((float)a * g > (float)LIMITER_CEILING)
            g = (float)LIMITER_CEILING / (float)a;
        v = lrintf((float)in[i] * g);
        if (v > INT16_MAX) {
            v = INT16_MAX;
            clamped++;
        } else if (v < INT16_MIN) {
            v = INT16_MIN;
            clamped++;
        }
        out[i] = (int16_t)v;
    }
    l->gain = end > 0.0f ? end : 1e-6f;
    return clamped;
}
