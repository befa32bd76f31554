/* Per-stream receive statistics of the load generator (load_stats.h). */
#include "tests/load/load_stats.h"

#include <string.h>

static size_t bucket_of(uint64_t us)
{
    if (us < LG_HIST_SUB)
        return (size_t)us;                              /* exact below 64 µs */
    unsigned top = 63u - (unsigned)__builtin_clzll(us); /* floor(log2 us) >= 6 */
    unsigned octave = top - 5u;                         /* 1.. */
    if (octave > LG_HIST_OCTAVES)
        return LG_HIST_BUCKETS - 1;
    size_t sub = (size_t)((us >> (top - 6u)) & (LG_HIST_SUB - 1));
    return (size_t)octave * LG_HIST_SUB + sub;
}

/* The smallest value of bucket b and its width. */
static void bucket_range(size_t b, uint64_t *lo, uint64_t *width)
{
    if (b < LG_HIST_SUB) {
        *lo = b;
        *width = 1;
        return;
    }
    unsigned octave = (unsigned)(b / LG_HIST_SUB);
    uint64_t sub = b % LG_HIST_SUB;
    unsigned top = octave + 5u;
    *width = (uint64_t)1 << (top - 6u);
    *lo = ((uint64_t)1 << top) + sub * *width;
}

void lg_hist_add(struct lg_hist *h, uint64_t us)
{
    h->n[bucket_of(us)]++;
    h->count++;
}

void lg_hist_merge(struct lg_hist *dst, const struct lg_hist *src)
{
    for (size_t i = 0; i < LG_HIST_BUCKETS; i++)
        dst->n[i] += src->n[i];
    dst->count += src->count;
}

uint64_t lg_hist_quantile(const struct lg_hist *h, double q)
{
    if (h->count == 0)
        return 0;
    if (q < 0)
        q = 0;
    if (q > 1)
        q = 1;
    /* The rank of the sample wanted, 1-based. */
    uint64_t rank = (uint64_t)(q * (double)h->count + 0.5);
    if (rank < 1)
        rank = 1;
    if (rank > h->count)
        rank = h->count;
    uint64_t seen = 0;
    for (size_t b = 0; b < LG_HIST_BUCKETS; b++) {
        seen += h->n[b];
        if (seen >= rank) {
            uint64_t lo, width;
            bucket_range(b, &lo, &width);
            return lo + width / 2;
        }
    }
    return 0;
}

static bool seen_get(const struct lg_seq_stats *s, int64_t ext)
{
    size_t bit = (size_t)((uint64_t)ext % LG_SEQ_WINDOW);
    return (s->seen[bit / 64] >> (bit % 64)) & 1u;
}

static void seen_set(struct lg_seq_stats *s, int64_t ext, bool on)
{
    size_t bit = (size_t)((uint64_t)ext % LG_SEQ_WINDOW);
    uint64_t mask = (uint64_t)1 << (bit % 64);
    if (on)
        s->seen[bit / 64] |= mask;
    else
        s->seen[bit / 64] &= ~mask;
}

enum lg_seq_result lg_seq_add(struct lg_seq_stats *s, uint16_t seq)
{
    if (!s->started) {
        memset(s->seen, 0, sizeof s->seen);
        s->started = true;
        /* Start high enough that the extended numbers never go negative. */
        s->first = s->max = (int64_t)1 << 32 | seq;
        s->last16 = seq;
        s->received = 1;
        seen_set(s, s->max, true);
        return LG_SEQ_NEW;
    }
    int16_t d = (int16_t)(uint16_t)(seq - (uint16_t)s->max);
    int64_t ext = s->max + d;
    if (d > 0) {
        /* Forget the bits the window slides past. */
        int64_t steps = d;
        if (steps > LG_SEQ_WINDOW)
            steps = LG_SEQ_WINDOW;
        for (int64_t i = 0; i < steps; i++)
            seen_set(s, ext - i, false);
        s->gaps += (uint64_t)(d - 1);
        s->max = ext;
        s->last16 = seq;
        s->received++;
        seen_set(s, ext, true);
        return LG_SEQ_NEW;
    }
    if (s->max - ext >= LG_SEQ_WINDOW) {
        s->too_old++;
        return LG_SEQ_TOO_OLD;
    }
    if (seen_get(s, ext)) {
        s->duplicates++;
        return LG_SEQ_DUPLICATE;
    }
    seen_set(s, ext, true);
    s->received++;
    s->reordered++;
    if (ext < s->first)
        s->first = ext;
    return LG_SEQ_REORDERED;
}

uint64_t lg_seq_expected(const struct lg_seq_stats *s)
{
    return s->started ? (uint64_t)(s->max - s->first + 1) : 0;
}

uint64_t lg_seq_lost(const struct lg_seq_stats *s)
{
    uint64_t e = lg_seq_expected(s);
    return e > s->received ? e - s->received : 0;
}
