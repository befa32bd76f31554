/* Jitter buffer for one RTP audio stream of 20 ms frames. Sans-IO: the
 * caller puts packets as they arrive and pops one frame every 20 ms.
 *
 * Handles reordering, duplicates, late packets (counted and dropped),
 * sequence-number and timestamp wrap, a restarted stream (a big jump in
 * sequence numbers or timestamps resets the buffer), DTX gaps (a timestamp
 * jump with consecutive sequence numbers is silence, not loss) and an
 * adaptive target delay from the measured interarrival jitter. Memory is
 * fixed: JITTER_SLOTS slots of at most JITTER_PAYLOAD_MAX bytes. */
#ifndef SAMTALE_MEDIA_JITTER_H
#define SAMTALE_MEDIA_JITTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JITTER_SLOTS 64         /* 1.28 s of 20 ms frames */
#define JITTER_PAYLOAD_MAX 1500 /* bytes of one payload */
#define JITTER_FRAME_US 20000
#define JITTER_DELAY_MIN_US 20000
#define JITTER_DELAY_MAX_US 120000
/* Underruns are concealed (JITTER_LOST) for at most this many frames in a
 * row; after that the stream counts as paused and pop returns NONE. */
#define JITTER_CONCEAL_MAX 5

enum jitter_result {
    JITTER_NONE,  /* nothing to play: not started, DTX silence or a pause */
    JITTER_FRAME, /* out->payload is the next frame */
    JITTER_LOST,  /* the next frame is missing: conceal it; out->payload is the
                     packet after it if present (for Opus FEC), else NULL */
};

struct jitter_out {
    const uint8_t *payload; /* valid until the next jitter_put/pop/reset */
    size_t len;
    uint32_t ts;
    bool marker;
};

struct jitter_stats {
    uint64_t received; /* packets accepted into the buffer */
    uint64_t late;     /* arrived after their frame was played */
    uint64_t lost;     /* frames whose packet never came in time */
    uint64_t duplicates;
    uint64_t concealed; /* JITTER_LOST results */
    uint64_t fec;       /* JITTER_LOST results that carried the next packet */
    uint64_t resets;    /* restarts of the stream */
    uint64_t discarded; /* frames dropped to bring the delay down, or overflow */
    uint32_t target_us; /* current target delay */
    uint32_t jitter_us; /* interarrival jitter estimate (RFC 3550 6.4.1) */
};

struct jitter;

/* clock_rate: the RTP clock (48000 for Opus, 8000 for G.711/G.722); a
 * frame is clock_rate / 50 ticks. ERR_INVAL unless 8000..96000 and a
 * multiple of 50. */
int jitter_create(struct jitter **out, uint32_t clock_rate);
void jitter_destroy(struct jitter *j); /* NULL-safe */
/* Forgets every packet and starts over (not counted in resets). */
void jitter_reset(struct jitter *j);

/* A packet arrived at now_us. 0 when buffered or dropped as late or
 * duplicate (counted); ERR_PARSE for an empty payload, ERR_TOOBIG over
 * JITTER_PAYLOAD_MAX. */
int jitter_put(struct jitter *j, int64_t now_us, uint16_t seq, uint32_t ts, bool marker,
               const uint8_t *payload, size_t len);
/* Called every 20 ms: what to play now. */
enum jitter_result jitter_pop(struct jitter *j, int64_t now_us, struct jitter_out *out);

void jitter_get_stats(const struct jitter *j, struct jitter_stats *out);

#endif
