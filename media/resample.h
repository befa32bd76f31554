/* Sample-rate conversion between 8000, 16000 and 48000 Hz for 16-bit
 * mono PCM, a thin wrapper over speexdsp's resampler. One resampler per
 * stream (it keeps filter state between frames). Sans-IO. */
#ifndef SAMTALE_MEDIA_RESAMPLE_H
#define SAMTALE_MEDIA_RESAMPLE_H

#include <stddef.h>
#include <stdint.h>

struct resample;

/* in_rate, out_rate: 8000, 16000 or 48000 (ERR_INVAL otherwise). Equal
 * rates copy. */
int resample_create(struct resample **out, unsigned in_rate, unsigned out_rate);
void resample_destroy(struct resample *r); /* NULL-safe */

/* Converts n input samples (a 20 ms frame: in_rate / 50) into out;
 * *out_n is the number written, n * out_rate / in_rate. ERR_INVAL when n
 * is not a whole number of output samples, ERR_TOOBIG if cap is short. */
int resample_process(struct resample *r, const int16_t *in, size_t n, int16_t *out, size_t cap,
                     size_t *out_n);

/* Clears the filter history (a new stream starts). */
void resample_reset(struct resample *r);

#endif
