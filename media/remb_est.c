/* Receive-side bandwidth estimate from incoming bitrate and loss, sent as
 * REMB. See media/remb_est.h. */
#include "media/remb_est.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "media/rd.h"
#include "media/rtcp.h"
#include "media/rtp.h"
#include "base/err.h"

#define BUCKETS (REMB_EST_WINDOW_US / REMB_EST_UPDATE_US)
#define INCREASE_PER_S 1.08
#define CAP_GAIN 1.5
#define CAP_EXTRA_BPS 10000.0
#define LOSS_LOW 0.02
#define LOSS_HIGH 0.10
#define SEND_ON_DROP 0.97 /* a REMB at once when the estimate falls below this x the last */

struct bucket {
    uint64_t bytes;
    uint64_t expected, received;
};

struct stream {
    uint32_t ssrc;
    struct rtp_seq_unwrapper unwrap;
    int64_t highest;
};

struct remb_est {
    uint64_t min_bps, max_bps;
    double est;
    struct stream streams[REMB_EST_MAX_SSRCS];
    size_t nstreams;
    struct bucket cur;
    struct bucket win[BUCKETS]; /* closed buckets, a ring */
    size_t nwin, wpos;
    bool started;
    int64_t next_update_us;
    int64_t last_packet_us;
    int64_t last_decrease_us;
    bool sent_any;
    double last_sent;
    int64_t next_remb_us;
    struct remb_est_stats stats;
};

int remb_est_create(struct remb_est **out, const struct remb_est_cfg *cfg)
{
    struct remb_est_cfg c = cfg != NULL ? *cfg : (struct remb_est_cfg){0};
    struct remb_est *e;

    *out = NULL;
    if (c.start_bps == 0)
        c.start_bps = REMB_EST_DEFAULT_START_BPS;
    if (c.min_bps == 0)
        c.min_bps = REMB_EST_MIN_BPS;
    if (c.max_bps == 0)
        c.max_bps = REMB_EST_DEFAULT_MAX_BPS;
    if (c.min_bps > c.max_bps || c.start_bps < c.min_bps || c.start_bps > c.max_bps)
        return ERR_INVAL;
    e = calloc(1, sizeof(*e));
    if (e == NULL)
        return ERR_NOMEM;
    e->min_bps = c.min_bps;
    e->max_bps = c.max_bps;
    e->est = (double)c.start_bps;
    *out = e;
    return 0;
}

void remb_est_destroy(struct remb_est *e)
{
    free(e);
}

static struct stream *stream_of(struct remb_est *e, uint32_t ssrc, bool *fresh)
{
    *fresh = false;
    for (size_t i = 0; i < e->nstreams; i++)
        if (e->streams[i].ssrc == ssrc)
            return &e->streams[i];
    if (e->nstreams == REMB_EST_MAX_SSRCS)
        return NULL;
    *fresh = true;
    e->streams[e->nstreams] = (struct stream){.ssrc = ssrc};
    return &e->streams[e->nstreams++];
}

void remb_est_packet(struct remb_est *e, int64_t now_us, uint32_t ssrc, uint16_t seq,
                     size_t size_bytes)
{
    struct stream *st;
    bool fresh;

    if (!e->started || now_us - e->last_packet_us > REMB_EST_IDLE_US) {
        /* The first packet, or the first after a pause: a fresh window. */
        if (!e->started)
            e->last_decrease_us = INT64_MIN / 2;
        e->started = true;
        e->cur = (struct bucket){0};
        e->nwin = e->wpos = 0;
        e->next_update_us = now_us + REMB_EST_UPDATE_US;
        e->next_remb_us = now_us + REMB_EST_UPDATE_US; /* the first after one update */
    }
    e->last_packet_us = now_us;
    e->stats.packets++;
    e->cur.bytes += size_bytes;
    e->cur.received++;
    st = stream_of(e, ssrc, &fresh);
    if (st == NULL) {
        e->stats.untracked++;
        e->cur.expected++; /* no loss information */
        return;
    }
    {
        int64_t u = rtp_seq_unwrap(&st->unwrap, seq);

        if (fresh || u - st->highest > REMB_EST_MAX_JUMP || st->highest - u > REMB_EST_MAX_JUMP) {
            e->cur.expected++; /* first packet, or a restarted sequence */
            st->highest = u;
        } else if (u > st->highest) {
            e->cur.expected += (uint64_t)(u - st->highest);
            st->highest = u;
        }
        /* Older than highest: a late or duplicate packet, received but not
         * expected again (loss is clamped at zero). */
    }
}

int64_t remb_est_next_deadline(const struct remb_est *e)
{
    if (!e->started || e->next_update_us - e->last_packet_us > REMB_EST_IDLE_US)
        return INT64_MAX; /* idle: nothing until the next packet */
    return e->next_update_us;
}

static void update(struct remb_est *e, int64_t now_us)
{
    struct bucket sum = {0};
    double incoming, loss = 0, window_s, limit;
    bool have_loss;

    e->win[e->wpos] = e->cur;
    e->wpos = (e->wpos + 1) % BUCKETS;
    if (e->nwin < BUCKETS)
        e->nwin++;
    e->cur = (struct bucket){0};
    for (size_t i = 0; i < e->nwin; i++) {
        sum.bytes += e->win[i].bytes;
        sum.expected += e->win[i].expected;
        sum.received += e->win[i].received;
    }
    window_s = (double)e->nwin * REMB_EST_UPDATE_US / 1e6;
    incoming = (double)sum.bytes * 8 / window_s;
    have_loss = sum.expected >= REMB_EST_MIN_PACKETS;
    if (have_loss && sum.expected > sum.received)
        loss = (double)(sum.expected - sum.received) / (double)sum.expected;
    e->stats.incoming_bps = (uint64_t)incoming;
    e->stats.fraction_lost = (uint8_t)(loss * 256 > 255 ? 255 : loss * 256);
    if (!have_loss)
        return;
    if (loss > LOSS_HIGH) {
        if (now_us - e->last_decrease_us >= REMB_EST_WINDOW_US) {
            double base = incoming < e->est ? incoming : e->est;

            e->est = base * (1 - 0.5 * loss);
            e->last_decrease_us = now_us;
            e->stats.decreases++;
        }
    } else if (loss < LOSS_LOW) {
        limit = CAP_GAIN * incoming + CAP_EXTRA_BPS;
        if (e->est < limit) {
            e->est *= pow(INCREASE_PER_S, REMB_EST_UPDATE_US / 1e6);
            if (e->est > limit)
                e->est = limit;
        }
    }
    if (e->est < (double)e->min_bps)
        e->est = (double)e->min_bps;
    if (e->est > (double)e->max_bps)
        e->est = (double)e->max_bps;
}

int remb_est_timeout(struct remb_est *e, int64_t now_us, uint8_t *out, size_t cap,
                     uint32_t sender_ssrc)
{
    uint32_t ssrcs[REMB_EST_MAX_SSRCS];
    bool due;
    struct wr w;
    int rc;

    if (!e->started || now_us < e->next_update_us)
        return 0;
    update(e, now_us);
    e->next_update_us += REMB_EST_UPDATE_US;
    if (e->next_update_us <= now_us)
        e->next_update_us = now_us + REMB_EST_UPDATE_US; /* we were not called for a while */
    if (now_us - e->last_packet_us > REMB_EST_IDLE_US)
        return 0;
    due = now_us >= e->next_remb_us || (e->sent_any && e->est < SEND_ON_DROP * e->last_sent);
    if (!due)
        return 0;
    e->next_remb_us = now_us + REMB_EST_INTERVAL_US;
    for (size_t i = 0; i < e->nstreams; i++)
        ssrcs[i] = e->streams[i].ssrc;
    wr_init(&w, out, cap);
    rc = rtcp_build_remb(&w, sender_ssrc, remb_est_bitrate(e), ssrcs, e->nstreams);
    e->sent_any = true;
    e->last_sent = e->est; /* also on error: no retry before the next regular one */
    if (rc < 0)
        return rc;
    e->stats.rembs++;
    return (int)(w.p - out);
}

uint64_t remb_est_bitrate(const struct remb_est *e)
{
    return (uint64_t)e->est;
}

void remb_est_get_stats(const struct remb_est *e, struct remb_est_stats *out)
{
    *out = e->stats;
    out->estimate_bps = remb_est_bitrate(e);
}
