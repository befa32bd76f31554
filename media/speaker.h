/* Active speaker detection from RFC 6464 audio levels.
 *
 * Sans-IO: the router feeds every microphone packet's level with
 * speaker_level() and calls speaker_update() periodically (every ~100 ms).
 *
 * Each microphone's loudness (127 - level in -dBov, 0 when the voice
 * activity flag is clear) is averaged per SPEAKER_BUCKET_US bucket; its
 * score is the mean of the last SPEAKER_BUCKETS buckets (~1 s; a bucket
 * without packets, e.g. Opus DTX, counts as silence). The loudest
 * microphone with a score of at least SPEAKER_MIN_SCORE becomes the active
 * speaker only after it has been louder than the current one (by
 * SPEAKER_MARGIN) for SPEAKER_SWITCH_US without interruption, so a cough
 * or a short interjection does not take the floor. After SPEAKER_SILENCE_US
 * with no microphone above the minimum the active speaker becomes none. */
#ifndef SAMTALE_MEDIA_SPEAKER_H
#define SAMTALE_MEDIA_SPEAKER_H

#include <stdbool.h>
#include <stdint.h>

#define SPEAKER_MAX 64
#define SPEAKER_BUCKET_US 100000
#define SPEAKER_BUCKETS 10
#define SPEAKER_MIN_SCORE 20
#define SPEAKER_MARGIN 3
#define SPEAKER_SWITCH_US 1000000
#define SPEAKER_SILENCE_US 3000000

struct speaker;

int speaker_create(struct speaker **out);
void speaker_destroy(struct speaker *s); /* NULL-safe */

/* Starts tracking a microphone with the caller's id. Returns its slot
 * (>= 0) for speaker_level/speaker_remove, ERR_EXISTS or ERR_FULL. */
int speaker_add(struct speaker *s, uint32_t id);
/* Stops tracking; if it was the active speaker, the next update reports
 * the change. Out-of-range or free slots are ignored. */
void speaker_remove(struct speaker *s, int slot);

/* One packet's level: voice flag and level 0 (loudest) .. 127 (silence). */
void speaker_level(struct speaker *s, int slot, int64_t now_us, bool voice, uint8_t level);

/* Re-evaluates; true when the active speaker changed, with *active set to
 * its id (0: none). */
bool speaker_update(struct speaker *s, int64_t now_us, uint32_t *active);

/* The current active speaker's id, 0 when none. */
uint32_t speaker_active(const struct speaker *s);

/* The smoothed score (0..127) of a slot at now_us, for tests and stats. */
unsigned speaker_score(const struct speaker *s, int slot, int64_t now_us);

#endif
