/* Jitter buffer: fixed slots indexed by sequence number, a playout
 * position (next sequence number and media timestamp) that advances one
 * frame per pop, and a target delay from the RFC 3550 jitter estimate. */
#include "media/jitter.h"

#include <stdlib.h>
#include <string.h>

#include "base/err.h"

/* A DTX gap (timestamp jump between consecutive packets) longer than this
 * is not played out as silence frame by frame: playout jumps to it. */
#define MAX_SILENCE_FRAMES 50
/* The delay is brought down when, over this many pops, the buffer always
 * held more than the target plus one frame. */
#define DRAIN_WINDOW 50
/* Interarrival jitter samples beyond this are a pause, not jitter. */
#define JITTER_SAMPLE_MAX_US 1000000
/* A late packet raises the target by a frame; the raise decays by a frame
 * after this long without late packets. */
#define LATE_DECAY_US 5000000

struct slot {
    bool used;
    bool marker;
    uint16_t seq;
    uint32_t ts;
    size_t len;
    uint8_t data[JITTER_PAYLOAD_MAX];
};

struct jitter {
    uint32_t clock;
    uint32_t frame_ts; /* RTP ticks per 20 ms */
    struct slot slots[JITTER_SLOTS];
    unsigned buffered; /* used slots */

    bool started;             /* a packet arrived since the last reset */
    bool playing;             /* playout is running (else buffering up to the target) */
    bool ever_played;         /* since the last reset */
    int64_t first_arrival_us; /* of the first packet while not playing; -1: none */
    uint16_t next_seq;        /* playout position */
    uint32_t next_ts;
    uint16_t highest_seq;
    unsigned conceal_run; /* underruns concealed in a row */

    bool restart_pending; /* an out-of-range packet arrived; this seq confirms */
    uint16_t restart_seq;

    /* RFC 3550 jitter estimate (microseconds, 16x fixed point). */
    bool have_last;
    int64_t last_arrival_us;
    uint32_t last_ts;
    uint16_t last_seq;
    int64_t jitter16;
    uint32_t late_bump_us;
    int64_t late_bump_at;

    unsigned window_pops, window_min;

    struct jitter_stats st;
};

int jitter_create(struct jitter **out, uint32_t clock_rate)
{
    struct jitter *j;

    *out = NULL;
    if (clock_rate < 8000 || clock_rate > 96000 || clock_rate % 50 != 0)
        return ERR_INVAL;
    j = calloc(1, sizeof(*j));
    if (j == NULL)
        return ERR_NOMEM;
    j->clock = clock_rate;
    j->frame_ts = clock_rate / 50;
    jitter_reset(j);
    *out = j;
    return 0;
}

void jitter_destroy(struct jitter *j)
{
    free(j);
}

void jitter_reset(struct jitter *j)
{
    for (unsigned i = 0; i < JITTER_SLOTS; i++)
        j->slots[i].used = false;
    j->buffered = 0;
    j->started = false;
    j->playing = false;
    j->ever_played = false;
    j->first_arrival_us = -1;
    j->conceal_run = 0;
    j->restart_pending = false;
    j->have_last = false;
    j->jitter16 = 0;
    j->late_bump_us = 0;
    j->window_pops = 0;
    j->window_min = JITTER_SLOTS;
}

static uint32_t target_us(const struct jitter *j)
{
    /* Three times the mean deviation covers nearly all arrivals; each
     * recent late packet adds a frame on top. */
    int64_t t = 3 * (j->jitter16 / 16);
    int64_t u = (t + JITTER_FRAME_US - 1) / JITTER_FRAME_US * JITTER_FRAME_US;

    if (u < JITTER_DELAY_MIN_US)
        u = JITTER_DELAY_MIN_US;
    u += j->late_bump_us;
    if (u > JITTER_DELAY_MAX_US)
        u = JITTER_DELAY_MAX_US;
    return (uint32_t)u;
}

static void store(struct jitter *j, uint16_t seq, uint32_t ts, bool marker, const uint8_t *payload,
                  size_t len)
{
    struct slot *s = &j->slots[seq % JITTER_SLOTS];

    s->used = true;
    s->seq = seq;
    s->ts = ts;
    s->marker = marker;
    s->len = len;
    memcpy(s->data, payload, len);
    j->buffered++;
    j->st.received++;
    if ((int16_t)(uint16_t)(seq - j->highest_seq) > 0)
        j->highest_seq = seq;
}

static void measure(struct jitter *j, int64_t now_us, uint16_t seq, uint32_t ts)
{
    if (j->have_last && (int16_t)(uint16_t)(seq - j->last_seq) <= 0)
        return; /* reordered: only in-order packets measure */
    if (j->have_last) {
        int64_t ts_us = (int64_t)(int32_t)(ts - j->last_ts) * 1000000 / j->clock;
        int64_t d = (now_us - j->last_arrival_us) - ts_us;

        if (d < 0)
            d = -d;
        if (d < JITTER_SAMPLE_MAX_US)
            j->jitter16 += d - j->jitter16 / 16;
    }
    j->have_last = true;
    j->last_arrival_us = now_us;
    j->last_ts = ts;
    j->last_seq = seq;
}

static void start(struct jitter *j, int64_t now_us, uint16_t seq)
{
    j->started = true;
    j->next_seq = seq;
    j->highest_seq = seq;
    j->first_arrival_us = now_us;
}

int jitter_put(struct jitter *j, int64_t now_us, uint16_t seq, uint32_t ts, bool marker,
               const uint8_t *payload, size_t len)
{
    int d;
    struct slot *s;

    if (len == 0)
        return ERR_PARSE;
    if (len > JITTER_PAYLOAD_MAX)
        return ERR_TOOBIG;
    if (!j->started) {
        start(j, now_us, seq);
        measure(j, now_us, seq, ts);
        store(j, seq, ts, marker, payload, len);
        return 0;
    }
    d = (int16_t)(uint16_t)(seq - j->next_seq);
    if (d >= JITTER_SLOTS || d < -JITTER_SLOTS) {
        /* Far outside the window: a restarted stream if the next packet
         * follows on from this one, else a stray packet. */
        if (j->restart_pending && seq == j->restart_seq) {
            uint64_t resets = j->st.resets + 1;

            jitter_reset(j);
            j->st.resets = resets;
            start(j, now_us, seq);
            measure(j, now_us, seq, ts);
            store(j, seq, ts, marker, payload, len);
            return 0;
        }
        j->restart_pending = true;
        j->restart_seq = (uint16_t)(seq + 1);
        if (d < 0)
            j->st.late++;
        else
            j->st.discarded++;
        return 0;
    }
    j->restart_pending = false;
    if (d < 0) {
        /* Before the playout position: late, unless playout has not begun
         * and it still fits the window (reordering at the start). */
        if (j->playing || j->ever_played ||
            (int16_t)(uint16_t)(j->highest_seq - seq) >= JITTER_SLOTS) {
            j->st.late++;
            if (j->playing) {
                j->late_bump_us += JITTER_FRAME_US;
                if (j->late_bump_us > JITTER_DELAY_MAX_US)
                    j->late_bump_us = JITTER_DELAY_MAX_US;
                j->late_bump_at = now_us;
            }
            return 0;
        }
        j->next_seq = seq;
    }
    s = &j->slots[seq % JITTER_SLOTS];
    if (s->used) {
        j->st.duplicates++; /* in the window, a used slot holds this seq */
        return 0;
    }
    if (!j->playing && j->first_arrival_us < 0)
        j->first_arrival_us = now_us;
    measure(j, now_us, seq, ts);
    store(j, seq, ts, marker, payload, len);
    return 0;
}

static void take(struct jitter *j, struct slot *s, struct jitter_out *out)
{
    out->payload = s->data;
    out->len = s->len;
    out->ts = s->ts;
    out->marker = s->marker;
    s->used = false;
    j->buffered--;
}

/* Begins playout at the oldest buffered packet at or after next_seq. */
static bool begin(struct jitter *j)
{
    for (unsigned d = 0; d < JITTER_SLOTS; d++) {
        uint16_t seq = (uint16_t)(j->next_seq + d);
        struct slot *s = &j->slots[seq % JITTER_SLOTS];

        if (s->used && s->seq == seq) {
            if (j->ever_played)
                j->st.lost += d; /* missing while paused */
            j->next_seq = seq;
            j->next_ts = s->ts;
            j->playing = true;
            j->ever_played = true;
            j->conceal_run = 0;
            j->window_pops = 0;
            j->window_min = JITTER_SLOTS;
            return true;
        }
    }
    return false;
}

/* Tracks the smallest depth over a window and drops a frame when the
 * delay has stayed well above the target. */
static void drain(struct jitter *j)
{
    /* Depth in frames: what is buffered (a stray packet far ahead counts
     * once, not as the whole span up to it). */
    unsigned depth = j->buffered;
    unsigned target = target_us(j) / JITTER_FRAME_US;
    struct slot *s = &j->slots[j->next_seq % JITTER_SLOTS];

    if (depth < j->window_min)
        j->window_min = depth;
    if (++j->window_pops < DRAIN_WINDOW)
        return;
    if (j->window_min > target + 1 && s->used && s->seq == j->next_seq) {
        s->used = false;
        j->buffered--;
        j->st.discarded++;
        j->next_seq++;
        j->next_ts += j->frame_ts;
    }
    j->window_pops = 0;
    j->window_min = JITTER_SLOTS;
}

enum jitter_result jitter_pop(struct jitter *j, int64_t now_us, struct jitter_out *out)
{
    struct slot *s, *nx;

    memset(out, 0, sizeof(*out));
    if (j->late_bump_us > 0 && now_us - j->late_bump_at > LATE_DECAY_US) {
        j->late_bump_us -= j->late_bump_us < JITTER_FRAME_US ? j->late_bump_us : JITTER_FRAME_US;
        j->late_bump_at = now_us;
    }
    if (!j->started)
        return JITTER_NONE;
    if (!j->playing) {
        if (j->buffered == 0 || j->first_arrival_us < 0 ||
            now_us - j->first_arrival_us < (int64_t)target_us(j) || !begin(j))
            return JITTER_NONE;
    } else {
        drain(j);
    }
    s = &j->slots[j->next_seq % JITTER_SLOTS];
    if (s->used && s->seq == j->next_seq) {
        int32_t ahead = (int32_t)(s->ts - j->next_ts);

        if (ahead > 0 && ahead <= (int32_t)(MAX_SILENCE_FRAMES * j->frame_ts) &&
            ahead >= (int32_t)j->frame_ts) {
            j->next_ts += j->frame_ts; /* a DTX gap: silence until its timestamp */
            j->conceal_run = 0;
            return JITTER_NONE;
        }
        take(j, s, out);
        j->next_seq++;
        j->next_ts = out->ts + j->frame_ts;
        j->conceal_run = 0;
        return JITTER_FRAME;
    }
    if (j->buffered > 0) {
        /* Later packets are here but this one is not: lost. */
        j->st.lost++;
        j->st.concealed++;
        j->next_seq++;
        j->next_ts += j->frame_ts;
        nx = &j->slots[j->next_seq % JITTER_SLOTS];
        if (nx->used && nx->seq == j->next_seq) {
            out->payload = nx->data;
            out->len = nx->len;
            out->ts = nx->ts;
            out->marker = nx->marker;
            j->st.fec++;
        }
        return JITTER_LOST;
    }
    /* Nothing buffered: conceal a few frames, then the stream is paused. */
    if (j->conceal_run < JITTER_CONCEAL_MAX) {
        j->conceal_run++;
        j->st.concealed++;
        j->next_ts += j->frame_ts;
        return JITTER_LOST;
    }
    j->playing = false;
    j->first_arrival_us = -1;
    return JITTER_NONE;
}

void jitter_get_stats(const struct jitter *j, struct jitter_stats *out)
{
    *out = j->st;
    out->target_us = target_us(j);
    out->jitter_us = (uint32_t)(j->jitter16 / 16);
}
