/* Receive-side statistics of one RTP stream in the load generator: loss,
 * reordering and duplicates by extended sequence number, and a histogram of
 * the end-to-end delay (send time from the packet's marker, marker.h).
 *
 * Pure: no clock, no I/O. The caller passes each received packet's 16-bit
 * sequence number and, when it has one, its delay in microseconds. */
#ifndef SAMTALE_LOAD_STATS_H
#define SAMTALE_LOAD_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Packets remembered behind the newest one, to tell a late packet (counted
 * once, as reordered) from a duplicate. Older ones are counted as too_old
 * and otherwise ignored. */
#define LG_SEQ_WINDOW 1024

/* Delay histogram: LG_HIST_SUB buckets per power of two of microseconds
 * (about 1.1 % wide), up to 2^LG_HIST_OCTAVES µs (16.7 s); longer delays
 * land in the last bucket. */
#define LG_HIST_SUB 64
#define LG_HIST_OCTAVES 24
#define LG_HIST_BUCKETS (LG_HIST_SUB * (LG_HIST_OCTAVES + 1))

struct lg_hist {
    uint32_t n[LG_HIST_BUCKETS];
    uint64_t count;
};

void lg_hist_add(struct lg_hist *h, uint64_t us);
/* Adds every sample of `src` to `dst`. */
void lg_hist_merge(struct lg_hist *dst, const struct lg_hist *src);
/* The q-quantile (0..1) in µs: the middle of the bucket that holds it; 0
 * when the histogram is empty. */
uint64_t lg_hist_quantile(const struct lg_hist *h, double q);

struct lg_seq_stats {
    bool started;
    int64_t first; /* extended sequence number of the first packet */
    int64_t max;   /* newest extended sequence number seen */
    uint16_t last16;
    uint64_t received;   /* distinct packets inside the window */
    uint64_t duplicates; /* packets seen before */
    uint64_t reordered;  /* packets older than the newest one, seen once */
    uint64_t too_old;    /* packets older than the window */
    uint64_t gaps;       /* numbers skipped when a newer one came: loss before repair */
    uint64_t seen[LG_SEQ_WINDOW / 64];
};

/* What one packet was. */
enum lg_seq_result {
    LG_SEQ_NEW,       /* newest so far */
    LG_SEQ_REORDERED, /* late but not seen before */
    LG_SEQ_DUPLICATE,
    LG_SEQ_TOO_OLD,
};

/* Zero-initialise, then feed every received packet's sequence number. */
enum lg_seq_result lg_seq_add(struct lg_seq_stats *s, uint16_t seq);
/* Packets the stream should have had from its first to its newest. */
uint64_t lg_seq_expected(const struct lg_seq_stats *s);
/* expected - received, never below 0. */
uint64_t lg_seq_lost(const struct lg_seq_stats *s);

#endif
