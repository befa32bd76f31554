/* Receive side of transport-wide congestion control: arrival bookkeeping
 * and transport-cc feedback. See media/twcc.h for what it does. */
#include "media/twcc.h"

#include <stdbool.h>
#include <stdlib.h>

#include "media/rd.h"
#include "media/rtcp.h"
#include "media/rtp.h"
#include "base/err.h"

#define SLOT_EMPTY INT64_MIN
#define WINDOW_MASK ((uint64_t)TWCC_RECV_WINDOW - 1)
#define DELTA_MIN (-0x8000)
#define DELTA_MAX 0x7fff

_Static_assert((TWCC_RECV_WINDOW & (TWCC_RECV_WINDOW - 1)) == 0, "window: a power of two");
_Static_assert(TWCC_FB_MAX_GAP < RTCP_TWCC_MAX_STATUS, "a gap fits one feedback");

struct twcc_slot {
    int64_t seq; /* unwrapped; SLOT_EMPTY when unused */
    int64_t arrival_us;
};

struct twcc_recv {
    struct twcc_slot ring[TWCC_RECV_WINDOW];      /* by seq modulo the window */
    struct twcc_slot list[TWCC_RECV_WINDOW];      /* scratch: waiting packets in seq order */
    struct rtcp_twcc_recv recv[TWCC_FB_MAX_PKTS]; /* scratch for the builder */
    struct rtp_seq_unwrapper unwrap;
    bool started;
    int64_t highest; /* newest seq */
    int64_t base;    /* first seq not yet reported; > highest when none waits */
    int64_t floor;   /* older seqs are never (re)reported */
    bool has_anchor; /* the last received packet of the previous feedback */
    int64_t anchor_seq, anchor_arrival_us;
    int64_t interval_us;
    int64_t last_fb_us;
    size_t pending; /* accepted since the last complete feedback */
    bool due;       /* send at once: split or many waiting */
    uint8_t fb_count;
    struct twcc_recv_stats stats;
};

static size_t slot_of(int64_t seq)
{
    return (size_t)((uint64_t)seq & WINDOW_MASK);
}

static int64_t ticks_of(int64_t us)
{
    return us / RTCP_TWCC_DELTA_US; /* as the builder does: us >= 0 */
}

static void clear_ring(struct twcc_recv *t)
{
    for (size_t i = 0; i < TWCC_RECV_WINDOW; i++)
        t->ring[i].seq = SLOT_EMPTY;
}

int twcc_recv_create(struct twcc_recv **out, const struct twcc_recv_cfg *cfg)
{
    struct twcc_recv *t;
    int64_t iv = cfg != NULL ? cfg->interval_us : 0;

    *out = NULL;
    t = calloc(1, sizeof(*t));
    if (t == NULL)
        return ERR_NOMEM;
    if (iv <= 0)
        iv = TWCC_RECV_INTERVAL_US;
    if (iv < TWCC_RECV_MIN_INTERVAL_US)
        iv = TWCC_RECV_MIN_INTERVAL_US;
    if (iv > TWCC_RECV_MAX_INTERVAL_US)
        iv = TWCC_RECV_MAX_INTERVAL_US;
    t->interval_us = iv;
    clear_ring(t);
    *out = t;
    return 0;
}

void twcc_recv_destroy(struct twcc_recv *t)
{
    free(t);
}

/* Starts over at seq s (the first packet, or a restarted sequence). */
static void start_at(struct twcc_recv *t, int64_t s, int64_t now_us)
{
    if (!t->started)
        t->last_fb_us = now_us;
    t->started = true;
    t->highest = s;
    t->base = s;
    t->floor = INT64_MIN;
    t->has_anchor = false;
    t->pending = 0;
    t->due = false;
}

void twcc_recv_packet(struct twcc_recv *t, int64_t now_us, uint16_t twcc_seq)
{
    struct twcc_slot *slot;
    int64_t s;

    if (now_us < 0)
        return;
    s = rtp_seq_unwrap(&t->unwrap, twcc_seq);
    if (!t->started) {
        start_at(t, s, now_us);
    } else if (s <= t->highest && t->highest - s >= TWCC_RECV_RESET_BACK) {
        /* Far behind: the sender restarted its sequence. */
        t->stats.resets++;
        t->stats.dropped += t->pending;
        clear_ring(t);
        t->unwrap = (struct rtp_seq_unwrapper){0};
        s = rtp_seq_unwrap(&t->unwrap, twcc_seq);
        start_at(t, s, now_us);
    } else if (t->highest - s >= TWCC_RECV_WINDOW || s < t->floor) {
        t->stats.too_old++;
        return;
    }
    slot = &t->ring[slot_of(s)];
    if (slot->seq == s) {
        t->stats.duplicates++;
        return;
    }
    /* A slot holds a seq congruent to s and not newer than highest, so an
     * occupant is older than s. */
    if (slot->seq != SLOT_EMPTY && slot->seq >= t->base)
        t->stats.evicted++;
    slot->seq = s;
    slot->arrival_us = now_us;
    if (s > t->highest)
        t->highest = s;
    if (s < t->base) {
        t->base = s; /* reported history reopens from the late packet */
        t->stats.late++;
    }
    t->stats.packets++;
    t->pending++;
    if (t->pending >= TWCC_FB_MAX_PKTS)
        t->due = true;
}

int64_t twcc_recv_next_deadline(const struct twcc_recv *t)
{
    if (!t->started || t->base > t->highest)
        return INT64_MAX;
    if (t->due)
        return t->last_fb_us;
    return t->last_fb_us + t->interval_us;
}

static int cmp_seq(const void *a, const void *b)
{
    int64_t x = ((const struct twcc_slot *)a)->seq, y = ((const struct twcc_slot *)b)->seq;

    return (x > y) - (x < y);
}

/* Copies the received packets with seq in [base, highest] to t->list in
 * sequence order; returns how many. */
static size_t collect(struct twcc_recv *t)
{
    size_t n = 0;

    if (t->highest - t->base < TWCC_RECV_WINDOW) {
        for (int64_t s = t->base; s <= t->highest; s++) {
            const struct twcc_slot *slot = &t->ring[slot_of(s)];

            if (slot->seq == s)
                t->list[n++] = *slot;
        }
        return n;
    }
    /* After a long forward jump: survivors from before it are still
     * waiting. Rare; sort them. */
    for (size_t i = 0; i < TWCC_RECV_WINDOW; i++)
        if (t->ring[i].seq != SLOT_EMPTY && t->ring[i].seq >= t->base)
            t->list[n++] = t->ring[i];
    qsort(t->list, n, sizeof(t->list[0]), cmp_seq);
    return n;
}

/* Whether b may follow a in one feedback. */
static bool fits_after(int64_t first_seq, int64_t a_seq, int64_t a_us, int64_t b_seq, int64_t b_us)
{
    int64_t d = ticks_of(b_us) - ticks_of(a_us);

    return b_seq - first_seq < RTCP_TWCC_MAX_STATUS && b_seq - a_seq <= TWCC_FB_MAX_GAP &&
           d >= DELTA_MIN && d <= DELTA_MAX;
}

/* How many of list[0..n) go into the next feedback after the optional
 * anchor. */
static size_t run_len(const struct twcc_recv *t, size_t n, bool anchor)
{
    const struct twcc_slot *l = t->list;
    int64_t first = anchor ? t->anchor_seq : l[0].seq;
    size_t max = anchor ? TWCC_FB_MAX_PKTS - 1 : TWCC_FB_MAX_PKTS;
    size_t k = 1;

    while (k < n && k < max &&
           fits_after(first, l[k - 1].seq, l[k - 1].arrival_us, l[k].seq, l[k].arrival_us))
        k++;
    return k;
}

/* After a complete feedback: reported packets older than the age limit (and
 * anything out of the window) may no longer be reopened by late packets. */
static void advance_floor(struct twcc_recv *t, int64_t now_us)
{
    int64_t lo = t->highest - TWCC_RECV_WINDOW + 1, cutoff = now_us - TWCC_RECV_MAX_AGE_US;

    if (t->floor < lo)
        t->floor = lo;
    while (t->floor < t->base) {
        const struct twcc_slot *slot = &t->ring[slot_of(t->floor)];

        if (slot->seq == t->floor && slot->arrival_us >= cutoff)
            break;
        t->floor++;
    }
}

static void drop_waiting(struct twcc_recv *t, int64_t now_us)
{
    t->stats.dropped += t->pending;
    t->base = t->highest + 1;
    t->pending = 0;
    t->due = false;
    t->has_anchor = false;
    t->last_fb_us = now_us;
    advance_floor(t, now_us);
}

int twcc_recv_timeout(struct twcc_recv *t, int64_t now_us, uint8_t *out, size_t cap,
                      uint32_t sender_ssrc, uint32_t media_ssrc)
{
    size_t n, k, m, limit = cap < TWCC_FB_MAX_BYTES ? cap : TWCC_FB_MAX_BYTES;
    const struct twcc_slot *last;
    bool anchor;
    struct wr w;
    int rc;

    if (now_us < twcc_recv_next_deadline(t))
        return 0;
    n = collect(t);
    if (n == 0) {
        /* Everything waiting was evicted. */
        drop_waiting(t, now_us);
        return 0;
    }
    anchor = t->has_anchor && t->anchor_seq < t->base && t->list[0].seq > t->base &&
             fits_after(t->anchor_seq, t->anchor_seq, t->anchor_arrival_us, t->list[0].seq,
                        t->list[0].arrival_us);
    k = run_len(t, n, anchor);
    for (;;) {
        m = 0;
        if (anchor)
            t->recv[m++] = (struct rtcp_twcc_recv){(uint16_t)t->anchor_seq, t->anchor_arrival_us};
        for (size_t i = 0; i < k; i++)
            t->recv[m++] = (struct rtcp_twcc_recv){(uint16_t)t->list[i].seq, t->list[i].arrival_us};
        wr_init(&w, out, limit);
        rc = rtcp_build_twcc(&w, sender_ssrc, media_ssrc, t->fb_count, t->recv, m);
        if (rc == 0)
            break;
        if (rc == ERR_TOOBIG && k > 1) {
            k /= 2;
        } else if (rc == ERR_TOOBIG && anchor) {
            anchor = false;
        } else {
            drop_waiting(t, now_us);
            return rc;
        }
    }
    t->fb_count++;
    t->stats.feedbacks++;
    last = &t->list[k - 1];
    t->has_anchor = true;
    t->anchor_seq = last->seq;
    t->anchor_arrival_us = last->arrival_us;
    t->last_fb_us = now_us;
    if (k < n) {
        t->base = last->seq + 1;
        t->pending = n - k;
        t->due = true;
    } else {
        t->base = t->highest + 1;
        t->pending = 0;
        t->due = false;
        advance_floor(t, now_us);
    }
    return (int)(w.p - out);
}

void twcc_recv_get_stats(const struct twcc_recv *t, struct twcc_recv_stats *out)
{
    *out = t->stats;
}
