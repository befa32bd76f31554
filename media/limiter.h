/* A look-ahead-free peak limiter for the mixer: 32-bit sums in, 16-bit
 * samples out that never clip or wrap. Per 20 ms frame it finds the peak;
 * the gain falls to fit it (fast attack, ramped over the first
 * millisecond and never above what each sample allows) and recovers
 * slowly (release), and a hard clamp stays as the last resort. */
#ifndef SAMTALE_MEDIA_LIMITER_H
#define SAMTALE_MEDIA_LIMITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The loudest output magnitude the gain aims for (about -0.2 dBFS). */
#define LIMITER_CEILING 32000

struct limiter {
    float gain; /* 0 < gain <= 1; the gain at the end of the last frame */
};

void limiter_init(struct limiter *l);
/* Limits n samples from in to out. Returns the number of samples the hard
 * clamp had to catch (normally 0); *limited tells whether the gain was
 * below 1 anywhere in the frame. */
unsigned limiter_process(struct limiter *l, const int32_t *in, int16_t *out, size_t n,
                         bool *limited);

#endif
