/* Short signal tones the phone bridge plays into a call, generated at any
 * PCM rate. Sans-IO: the caller keeps the position (samples since the tone
 * started) and asks for frames until the tone has ended. */
#ifndef SAMTALE_MEDIA_TONE_H
#define SAMTALE_MEDIA_TONE_H

#include <stddef.h>
#include <stdint.h>

/* "You are muted": two 100 ms beeps of 440 Hz with 100 ms between them
 * (300 ms in all), each with 5 ms fades so it does not click. */
#define TONE_MUTED_HZ 440
#define TONE_MUTED_BEEP_MS 100
#define TONE_MUTED_MS 300

/* Samples the muted cue lasts at rate (0 for rate 0). */
size_t tone_muted_len(unsigned rate);

/* Writes n samples of the muted cue at rate, starting at sample pos of the
 * tone; samples at or past its end are silence. Returns how many of the n
 * were still inside the tone (0 once it has ended). */
size_t tone_muted_fill(unsigned rate, size_t pos, int16_t *pcm, size_t n);

#endif
