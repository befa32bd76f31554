/* Send-side bandwidth estimation: a simplified Google Congestion Control.
 * See media/bwe.h for what it does and does not do. The constants follow
 * libwebrtc's inter_arrival, trendline_estimator, aimd_rate_control,
 * link_capacity_estimator and send_side_bandwidth_estimation. */
#include "media/bwe.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "media/rtp.h"
#include "base/err.h"

#define HIST_MASK ((uint64_t)BWE_HISTORY - 1)
_Static_assert((BWE_HISTORY & (BWE_HISTORY - 1)) == 0, "history: a power of two");

/* Inter-arrival grouping. */
#define GROUP_US 5000       /* packets sent within 5 ms form one group */
#define BURST_US 5000       /* arrivals this close with a shrinking delay: one burst */
#define MAX_BURST_US 100000 /* a burst lasts at most this long */
#define REORDER_RESET 3     /* consecutive reordered groups reset the grouping */

/* Trendline filter and overuse detector. */
#define TREND_WINDOW 20
#define TREND_SMOOTHING 0.9
#define TREND_GAIN 4.0
#define MIN_NUM_DELTAS 60
#define MAX_NUM_DELTAS 1000
#define OVERUSE_TIME_MS 10.0
#define THRESHOLD_START_MS 12.5
#define THRESHOLD_MIN_MS 6.0
#define THRESHOLD_MAX_MS 600.0
#define K_UP 0.0087
#define K_DOWN 0.039
#define MAX_ADAPT_OFFSET_MS 15.0
#define MAX_THRESHOLD_DT_MS 100.0

/* AIMD. */
#define BETA 0.85
#define INCREASE_PER_S 1.08
#define MIN_INCREASE_BPS 1000.0
#define MIN_NEAR_MAX_INCREASE_BPS_PER_S 4000.0
#define RESPONSE_EXTRA_US 100000
#define PACKET_BITS (1200.0 * 8)
#define FRAME_S (1.0 / 30)
#define THROUGHPUT_CAP_GAIN 1.5
#define THROUGHPUT_CAP_EXTRA_BPS 10000.0
#define REDUCE_MIN_US 10000
#define REDUCE_MAX_US 200000

/* Link capacity (kbit/s). */
#define CAP_ALPHA 0.05
#define CAP_DEV_MIN 0.4
#define CAP_DEV_MAX 2.5

/* Loss-based. */
#define LOSS_LOW (0.02 * 256)
#define LOSS_HIGH (0.10 * 256)
#define LOSS_DECREASE_US 300000
#define LOSS_INCREASE_MAX_DT_US 1000000
#define LOSS_CHUNK_PACKETS 50     /* report blocks are summed to at least this many packets */
#define LOSS_SMOOTH_PACKETS 500.0 /* the smoothing's time constant, in packets */

/* Acknowledged throughput: buckets by arrival time. */
#define RATE_BUCKET_US 50000
#define RATE_BUCKETS (BWE_RATE_WINDOW_US / RATE_BUCKET_US)
#define RATE_RING 16
_Static_assert(RATE_BUCKETS < RATE_RING, "rate ring holds the window and the current bucket");

enum rc_state { RC_HOLD, RC_INCREASE, RC_DECREASE };

struct sent_pkt {
    int64_t seq; /* unwrapped; -1 when unused */
    int64_t send_us;
    uint32_t size;
    bool acked;
};

struct group {
    bool started;
    int64_t first_send_us, send_us; /* first and latest send time */
    int64_t first_arrival_us, arrival_us;
};

/* The last report block about one SSRC. */
struct loss_src {
    uint32_t ssrc;
    uint32_t ext_highest;
    int32_t cumulative;
    int64_t seen_us; /* 0: unused */
};

struct rate_bucket {
    int64_t idx;
    uint64_t bytes;
};

struct bwe {
    struct sent_pkt hist[BWE_HISTORY];
    int64_t first_seq, next_seq;
    uint64_t min_bps, max_bps;
    int64_t rtt_us;

    /* Receiver clock: 24-bit reference time unwrapped across feedbacks. */
    bool have_ref;
    int64_t ref;
    bool have_offset;
    int64_t prev_offset_us; /* arrival minus send of the last acked packet */

    /* Inter-arrival. */
    struct group cur, prev;
    int reordered;

    /* Trendline. */
    unsigned num_deltas;
    double acc_delay_ms, smoothed_ms;
    bool have_first_arrival;
    int64_t first_arrival_us;
    double tx[TREND_WINDOW], ty[TREND_WINDOW];
    size_t tn, tpos;
    double prev_trend;

    /* Overuse detector. */
    double threshold_ms;
    bool have_thr_update;
    int64_t last_thr_update_us; /* receiver clock */
    double time_over_ms;        /* < 0: not overusing */
    int over_count;
    double modified_trend;
    enum bwe_usage hyp;

    /* Acknowledged throughput. */
    bool rate_started;
    int64_t rate_first, rate_latest;
    struct rate_bucket rate[RATE_RING];

    /* AIMD. */
    double delay_bps;
    enum rc_state state;
    int64_t last_change_us;
    bool have_cap;
    double cap_kbps, cap_dev;

    /* Loss-based. */
    double loss_bps;
    bool have_loss;
    int64_t last_loss_us, last_loss_decrease_us;
    /* Receiver reports: the last block per source, the running chunk, the
     * smoothed fraction. */
    struct loss_src loss_src[BWE_LOSS_SOURCES];
    uint32_t chunk_expected, chunk_lost;
    double smoothed_loss;

    struct bwe_stats stats;
};

static double clampd(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

int bwe_create(struct bwe **out, const struct bwe_cfg *cfg)
{
    struct bwe_cfg c = cfg != NULL ? *cfg : (struct bwe_cfg){0};
    struct bwe *b;

    *out = NULL;
    if (c.start_bps == 0)
        c.start_bps = BWE_DEFAULT_START_BPS;
    if (c.min_bps == 0)
        c.min_bps = BWE_MIN_BPS;
    if (c.max_bps == 0)
        c.max_bps = BWE_DEFAULT_MAX_BPS;
    if (c.min_bps > c.max_bps || c.start_bps < c.min_bps || c.start_bps > c.max_bps)
        return ERR_INVAL;
    b = calloc(1, sizeof(*b));
    if (b == NULL)
        return ERR_NOMEM;
    for (size_t i = 0; i < BWE_HISTORY; i++)
        b->hist[i].seq = -1;
    b->first_seq = b->next_seq = c.first_seq;
    b->min_bps = c.min_bps;
    b->max_bps = c.max_bps;
    b->rtt_us = BWE_DEFAULT_RTT_US;
    b->threshold_ms = THRESHOLD_START_MS;
    b->time_over_ms = -1;
    b->delay_bps = (double)c.start_bps;
    b->loss_bps = (double)c.max_bps;
    b->state = RC_HOLD;
    *out = b;
    return 0;
}

void bwe_destroy(struct bwe *b)
{
    free(b);
}

uint16_t bwe_on_send(struct bwe *b, int64_t now_us, size_t size_bytes)
{
    int64_t s = b->next_seq++;
    struct sent_pkt *p = &b->hist[(uint64_t)s & HIST_MASK];

    p->seq = s;
    p->send_us = now_us;
    p->size = size_bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)size_bytes;
    p->acked = false;
    b->stats.sent++;
    return (uint16_t)s;
}

int bwe_stamp(struct bwe *b, int64_t now_us, uint8_t *pkt, size_t len, uint8_t ext_id,
              size_t wire_bytes)
{
    uint16_t seq = (uint16_t)b->next_seq;
    int rc;

    if (ext_id == 0)
        return ERR_INVAL;
    rc = rtp_ext_set_twcc_seq(pkt, len, ext_id, seq);
    if (rc < 0)
        return rc;
    (void)bwe_on_send(b, now_us, wire_bytes);
    return 0;
}

/* The most recent sent packet with these low 16 bits, if remembered. */
static struct sent_pkt *lookup(struct bwe *b, uint16_t seq)
{
    int64_t last = b->next_seq - 1, s;
    struct sent_pkt *p;

    if (b->next_seq == b->first_seq)
        return NULL;
    s = last - (int64_t)(uint16_t)((uint16_t)last - seq);
    if (s < b->first_seq || last - s >= BWE_HISTORY)
        return NULL;
    p = &b->hist[(uint64_t)s & HIST_MASK];
    return p->seq == s ? p : NULL;
}

/* ---- acknowledged throughput ---- */

static int64_t floor_div(int64_t a, int64_t d)
{
    int64_t q = a / d;

    return (a % d != 0 && (a < 0) != (d < 0)) ? q - 1 : q;
}

static void rate_reset(struct bwe *b)
{
    b->rate_started = false;
}

static void rate_add(struct bwe *b, int64_t arrival_us, uint32_t size)
{
    int64_t idx = floor_div(arrival_us, RATE_BUCKET_US);
    struct rate_bucket *rb;

    if (!b->rate_started) {
        b->rate_started = true;
        b->rate_first = b->rate_latest = idx;
        for (size_t i = 0; i < RATE_RING; i++)
            b->rate[i] = (struct rate_bucket){INT64_MIN, 0};
    }
    if (idx > b->rate_latest)
        b->rate_latest = idx;
    if (idx <= b->rate_latest - RATE_RING || idx < b->rate_first)
        return; /* too late to count */
    rb = &b->rate[(uint64_t)idx % RATE_RING];
    if (rb->idx != idx)
        *rb = (struct rate_bucket){idx, 0};
    rb->bytes += size;
}

/* Over the RATE_BUCKETS complete buckets before the latest; 0 until there
 * are that many after the (partial) first. */
static double rate_bps(const struct bwe *b)
{
    uint64_t bytes = 0;

    if (!b->rate_started || b->rate_latest - b->rate_first <= RATE_BUCKETS)
        return 0;
    for (int64_t i = b->rate_latest - RATE_BUCKETS; i < b->rate_latest; i++) {
        const struct rate_bucket *rb = &b->rate[(uint64_t)i % RATE_RING];

        if (rb->idx == i)
            bytes += rb->bytes;
    }
    return (double)bytes * 8.0 * 1e6 / (double)BWE_RATE_WINDOW_US;
}

/* ---- trendline and overuse detector ---- */

static void delay_reset(struct bwe *b)
{
    b->cur.started = false;
    b->prev.started = false;
    b->reordered = 0;
    b->num_deltas = 0;
    b->acc_delay_ms = 0;
    b->smoothed_ms = 0;
    b->have_first_arrival = false;
    b->tn = b->tpos = 0;
    b->prev_trend = 0;
    b->time_over_ms = -1;
    b->over_count = 0;
    b->modified_trend = 0;
    b->hyp = BWE_USAGE_NORMAL;
}

static bool trend_slope(const struct bwe *b, double *slope)
{
    double xs = 0, ys = 0, num = 0, den = 0, xm, ym;

    for (size_t i = 0; i < b->tn; i++) {
        xs += b->tx[i];
        ys += b->ty[i];
    }
    xm = xs / (double)b->tn;
    ym = ys / (double)b->tn;
    for (size_t i = 0; i < b->tn; i++) {
        num += (b->tx[i] - xm) * (b->ty[i] - ym);
        den += (b->tx[i] - xm) * (b->tx[i] - xm);
    }
    if (den == 0)
        return false;
    *slope = num / den;
    return true;
}

static void update_threshold(struct bwe *b, double modified, int64_t arrival_us)
{
    double dt_ms, k, a = fabs(modified);

    if (!b->have_thr_update) {
        b->have_thr_update = true;
        b->last_thr_update_us = arrival_us;
    }
    if (a > b->threshold_ms + MAX_ADAPT_OFFSET_MS) {
        /* A spike: do not let it drag the threshold up. */
        b->last_thr_update_us = arrival_us;
        return;
    }
    k = a < b->threshold_ms ? K_DOWN : K_UP;
    dt_ms = clampd((double)(arrival_us - b->last_thr_update_us) / 1000.0, 0, MAX_THRESHOLD_DT_MS);
    b->threshold_ms += k * (a - b->threshold_ms) * dt_ms;
    b->threshold_ms = clampd(b->threshold_ms, THRESHOLD_MIN_MS, THRESHOLD_MAX_MS);
    b->last_thr_update_us = arrival_us;
}

static void detect(struct bwe *b, double trend, double send_delta_ms, int64_t arrival_us)
{
    double n = b->num_deltas < MIN_NUM_DELTAS ? (double)b->num_deltas : MIN_NUM_DELTAS;
    double m;

    if (b->num_deltas < 2) {
        b->hyp = BWE_USAGE_NORMAL;
        return;
    }
    m = n * trend * TREND_GAIN;
    b->modified_trend = m;
    if (m > b->threshold_ms) {
        if (b->time_over_ms < 0)
            b->time_over_ms = send_delta_ms / 2;
        else
            b->time_over_ms += send_delta_ms;
        b->over_count++;
        if (b->time_over_ms > OVERUSE_TIME_MS && b->over_count > 1 && trend >= b->prev_trend) {
            b->time_over_ms = 0;
            b->over_count = 0;
            b->hyp = BWE_USAGE_OVERUSE;
        }
    } else if (m < -b->threshold_ms) {
        b->time_over_ms = -1;
        b->over_count = 0;
        b->hyp = BWE_USAGE_UNDERUSE;
    } else {
        b->time_over_ms = -1;
        b->over_count = 0;
        b->hyp = BWE_USAGE_NORMAL;
    }
    b->prev_trend = trend;
    update_threshold(b, m, arrival_us);
}

static void trendline_update(struct bwe *b, int64_t arr_delta_us, int64_t send_delta_us,
                             int64_t arrival_us)
{
    double trend = b->prev_trend;

    if (b->num_deltas < MAX_NUM_DELTAS)
        b->num_deltas++;
    if (!b->have_first_arrival) {
        b->have_first_arrival = true;
        b->first_arrival_us = arrival_us;
    }
    b->acc_delay_ms += (double)(arr_delta_us - send_delta_us) / 1000.0;
    b->smoothed_ms = TREND_SMOOTHING * b->smoothed_ms + (1 - TREND_SMOOTHING) * b->acc_delay_ms;
    b->tx[b->tpos] = (double)(arrival_us - b->first_arrival_us) / 1000.0;
    b->ty[b->tpos] = b->smoothed_ms;
    b->tpos = (b->tpos + 1) % TREND_WINDOW;
    if (b->tn < TREND_WINDOW)
        b->tn++;
    if (b->tn == TREND_WINDOW)
        (void)trend_slope(b, &trend);
    detect(b, trend, (double)send_delta_us / 1000.0, arrival_us);
}

static bool belongs_to_burst(const struct group *g, int64_t send_us, int64_t arrival_us)
{
    int64_t arr_delta = arrival_us - g->arrival_us, send_delta = send_us - g->send_us;

    if (send_delta == 0)
        return true;
    return arr_delta - send_delta < 0 && arr_delta <= BURST_US &&
           arrival_us - g->first_arrival_us < MAX_BURST_US;
}

/* One acknowledged packet, in sequence (= send) order. */
static void inter_arrival(struct bwe *b, int64_t send_us, int64_t arrival_us)
{
    struct group *g = &b->cur;

    if (!g->started) {
        *g = (struct group){true, send_us, send_us, arrival_us, arrival_us};
        return;
    }
    if (send_us < g->first_send_us)
        return; /* sent before the current group: too late to use */
    if (!belongs_to_burst(g, send_us, arrival_us) && send_us - g->first_send_us > GROUP_US) {
        if (b->prev.started) {
            int64_t send_delta = g->send_us - b->prev.send_us;
            int64_t arr_delta = g->arrival_us - b->prev.arrival_us;

            if (arr_delta < 0) {
                if (++b->reordered >= REORDER_RESET) {
                    b->cur.started = false;
                    b->prev.started = false;
                    b->reordered = 0;
                }
                return;
            }
            b->reordered = 0;
            trendline_update(b, arr_delta, send_delta, g->arrival_us);
        }
        b->prev = *g;
        *g = (struct group){true, send_us, send_us, arrival_us, arrival_us};
        return;
    }
    if (send_us > g->send_us)
        g->send_us = send_us;
    g->arrival_us = arrival_us;
}

/* ---- AIMD rate control ---- */

static double cap_upper(const struct bwe *b)
{
    return (b->cap_kbps + 3 * sqrt(b->cap_kbps * b->cap_dev)) * 1000;
}

static double cap_lower(const struct bwe *b)
{
    double v = b->cap_kbps - 3 * sqrt(b->cap_kbps * b->cap_dev);

    return v > 0 ? v * 1000 : 0;
}

static void cap_update(struct bwe *b, double sample_bps)
{
    double s = sample_bps / 1000, norm, err;

    if (!b->have_cap) {
        b->have_cap = true;
        b->cap_kbps = s;
        b->cap_dev = CAP_DEV_MIN;
    } else {
        b->cap_kbps = (1 - CAP_ALPHA) * b->cap_kbps + CAP_ALPHA * s;
    }
    norm = b->cap_kbps > 1 ? b->cap_kbps : 1;
    err = b->cap_kbps - s;
    b->cap_dev = (1 - CAP_ALPHA) * b->cap_dev + CAP_ALPHA * err * err / norm;
    b->cap_dev = clampd(b->cap_dev, CAP_DEV_MIN, CAP_DEV_MAX);
}

static int64_t clamp_i64(int64_t v, int64_t lo, int64_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static bool time_to_reduce(const struct bwe *b, int64_t now_us, double thr)
{
    int64_t interval = clamp_i64(b->rtt_us, REDUCE_MIN_US, REDUCE_MAX_US);

    if (now_us - b->last_change_us >= interval)
        return true;
    return thr > 0 && thr < 0.5 * b->delay_bps;
}

/* Near the learnt capacity: about one packet per response time. */
static double additive_increase(const struct bwe *b, double dt_s)
{
    double frame_bits = b->delay_bps * FRAME_S;
    double pkts = ceil(frame_bits / PACKET_BITS);
    double pkt_bits = pkts > 0 ? frame_bits / pkts : PACKET_BITS;
    double resp_s = (double)(b->rtt_us + RESPONSE_EXTRA_US) / 1e6;
    double per_s = pkt_bits / resp_s;

    if (per_s < MIN_NEAR_MAX_INCREASE_BPS_PER_S)
        per_s = MIN_NEAR_MAX_INCREASE_BPS_PER_S;
    return per_s * dt_s;
}

/* Far from it (or not known): 8 %/s. */
static double multiplicative_increase(const struct bwe *b, double dt_s)
{
    double alpha = pow(INCREASE_PER_S, dt_s < 1 ? dt_s : 1);
    double inc = b->delay_bps * (alpha - 1);

    return inc > MIN_INCREASE_BPS ? inc : MIN_INCREASE_BPS;
}

static double increase(const struct bwe *b, int64_t now_us)
{
    double dt_s = (double)(now_us - b->last_change_us) / 1e6;

    if (dt_s < 0)
        dt_s = 0;
    return b->have_cap ? additive_increase(b, dt_s) : multiplicative_increase(b, dt_s);
}

/* Once per feedback, on the detector's state after it. */
static void rate_control(struct bwe *b, int64_t now_us)
{
    double thr = rate_bps(b), cur = b->delay_bps, next = cur;

    if (b->hyp == BWE_USAGE_OVERUSE && !time_to_reduce(b, now_us, thr))
        return;
    switch (b->hyp) {
    case BWE_USAGE_NORMAL:
        if (b->state == RC_HOLD) {
            b->last_change_us = now_us;
            b->state = RC_INCREASE;
        }
        break;
    case BWE_USAGE_OVERUSE:
        b->state = RC_DECREASE;
        break;
    case BWE_USAGE_UNDERUSE:
        b->state = RC_HOLD;
        break;
    }
    switch (b->state) {
    case RC_HOLD:
        break;
    case RC_INCREASE:
        if (thr > 0 && b->have_cap && thr > cap_upper(b))
            b->have_cap = false; /* the link got faster: back to multiplicative */
        if (thr > 0)
            next = cur + increase(b, now_us);
        b->last_change_us = now_us;
        break;
    case RC_DECREASE: {
        double measured = thr > 0 ? thr : cur;
        double dec = BETA * measured;

        if (dec > cur && b->have_cap)
            dec = BETA * b->cap_kbps * 1000;
        if (dec < cur)
            next = dec;
        if (b->have_cap && measured < cap_lower(b))
            b->have_cap = false; /* the link got slower: relearn */
        cap_update(b, measured);
        b->state = RC_HOLD;
        b->last_change_us = now_us;
        b->stats.overuses++;
        break;
    }
    }
    if (next > cur) {
        double limit = THROUGHPUT_CAP_GAIN * thr + THROUGHPUT_CAP_EXTRA_BPS;

        if (next > limit)
            next = cur > limit ? cur : limit;
    }
    b->delay_bps = clampd(next, (double)b->min_bps, (double)b->max_bps);
}

/* ---- feedback ---- */

static void on_acked(struct bwe *b, struct sent_pkt *p, int64_t arrival_us)
{
    int64_t offset = arrival_us - p->send_us;

    if (b->have_offset && llabs(offset - b->prev_offset_us) > BWE_MAX_DELAY_JUMP_US) {
        b->stats.discontinuities++;
        delay_reset(b);
        rate_reset(b);
    }
    b->have_offset = true;
    b->prev_offset_us = offset;
    rate_add(b, arrival_us, p->size);
    inter_arrival(b, p->send_us, arrival_us);
}

int bwe_on_feedback(struct bwe *b, int64_t now_us, const struct rtcp_twcc *fb,
                    const struct rtcp_twcc_pkt *pkts, size_t n)
{
    uint32_t r24;
    int64_t arrival;

    if (b == NULL || fb == NULL || (pkts == NULL && n != 0))
        return ERR_INVAL;
    b->stats.feedbacks++;
    r24 = (uint32_t)fb->ref_time & 0xffffff;
    if (!b->have_ref) {
        b->have_ref = true;
        b->ref = r24;
    } else {
        uint32_t d = (r24 - (uint32_t)((uint64_t)b->ref & 0xffffff)) & 0xffffff;

        b->ref += d >= 0x800000 ? (int64_t)d - 0x1000000 : (int64_t)d;
    }
    arrival = b->ref * RTCP_TWCC_REF_US;
    for (size_t i = 0; i < n; i++) {
        struct sent_pkt *p;

        if (!pkts[i].received)
            continue;
        arrival += pkts[i].delta_us;
        p = lookup(b, pkts[i].seq);
        if (p == NULL) {
            b->stats.unknown++;
        } else if (p->acked) {
            b->stats.duplicates++;
        } else {
            p->acked = true;
            b->stats.acked++;
            on_acked(b, p, arrival);
        }
    }
    rate_control(b, now_us);
    return 0;
}

/* ---- loss-based ---- */

void bwe_on_loss(struct bwe *b, int64_t now_us, uint8_t fraction_lost)
{
    double loss = fraction_lost / 256.0;
    int64_t dt;

    if (!b->have_loss) {
        b->have_loss = true;
        b->last_loss_us = now_us;
        b->last_loss_decrease_us = INT64_MIN / 2;
    }
    dt = clamp_i64(now_us - b->last_loss_us, 0, LOSS_INCREASE_MAX_DT_US);
    b->last_loss_us = now_us;
    if (fraction_lost < LOSS_LOW) {
        b->loss_bps = b->loss_bps * pow(INCREASE_PER_S, (double)dt / 1e6) + MIN_INCREASE_BPS;
    } else if (fraction_lost > LOSS_HIGH) {
        if (now_us - b->last_loss_decrease_us >= LOSS_DECREASE_US + b->rtt_us) {
            double base = b->loss_bps;
            double est = (double)bwe_estimate(b);

            if (est < base)
                base = est;
            b->loss_bps = base * (1 - 0.5 * loss);
            b->last_loss_decrease_us = now_us;
            b->stats.loss_decreases++;
        }
    }
    b->loss_bps = clampd(b->loss_bps, (double)b->min_bps, (double)b->max_bps);
}

/* The block's source: known, else a free or the least recently seen slot
 * (*fresh). */
static struct loss_src *loss_source(struct bwe *b, uint32_t ssrc, int64_t now_us, bool *fresh)
{
    struct loss_src *victim = &b->loss_src[0];

    for (size_t i = 0; i < BWE_LOSS_SOURCES; i++) {
        struct loss_src *s = &b->loss_src[i];

        if (s->seen_us != 0 && s->ssrc == ssrc) {
            *fresh = false;
            s->seen_us = now_us;
            return s;
        }
        if (s->seen_us < victim->seen_us)
            victim = s;
    }
    *fresh = true;
    victim->ssrc = ssrc;
    victim->seen_us = now_us == 0 ? 1 : now_us;
    return victim;
}

void bwe_on_report_block(struct bwe *b, int64_t now_us, const struct rtcp_report_block *rb)
{
    bool fresh;
    struct loss_src *s = loss_source(b, rb->ssrc, now_us, &fresh);
    int64_t expected = (int32_t)(rb->ext_highest_seq - s->ext_highest);
    int64_t lost = (int64_t)rb->cumulative_lost - s->cumulative;

    s->ext_highest = rb->ext_highest_seq;
    s->cumulative = rb->cumulative_lost;
    if (fresh || expected <= 0 || expected > 0x8000)
        return; /* a first block, reordered reports or a restart: no interval */
    if (lost < 0)
        lost = 0; /* late packets counted after all */
    if (lost > expected)
        lost = expected;
    b->chunk_expected += (uint32_t)expected;
    b->chunk_lost += (uint32_t)lost;
    if (b->chunk_expected < LOSS_CHUNK_PACKETS)
        return;
    {
        double f = (double)b->chunk_lost / b->chunk_expected;

        double alpha = b->chunk_expected / (b->chunk_expected + LOSS_SMOOTH_PACKETS);

        /* From 0, not the first chunk: one bad chunk at the start (a
         * keyframe burst) must not count like seconds of loss. */
        b->smoothed_loss += alpha * (f - b->smoothed_loss);
        b->chunk_expected = b->chunk_lost = 0;
        bwe_on_loss(b, now_us, (uint8_t)lround(clampd(b->smoothed_loss * 256, 0, 255)));
    }
}

void bwe_on_rtt(struct bwe *b, int64_t rtt_us)
{
    if (rtt_us > 0)
        b->rtt_us = rtt_us;
}

void bwe_set_max(struct bwe *b, uint64_t max_bps)
{
    if (max_bps == 0)
        max_bps = BWE_DEFAULT_MAX_BPS;
    if (max_bps < b->min_bps)
        max_bps = b->min_bps;
    if (b->loss_bps >= (double)b->max_bps)
        b->loss_bps = (double)max_bps; /* still unconstrained */
    b->max_bps = max_bps;
    b->delay_bps = clampd(b->delay_bps, (double)b->min_bps, (double)b->max_bps);
    b->loss_bps = clampd(b->loss_bps, (double)b->min_bps, (double)b->max_bps);
}

void bwe_on_probe(struct bwe *b, uint64_t bps)
{
    double v = clampd((double)bps, (double)b->min_bps, (double)b->max_bps);

    if (v > b->delay_bps) {
        b->delay_bps = v;
        b->have_cap = false; /* the link got faster: relearn its capacity */
    }
    if (v > b->loss_bps)
        b->loss_bps = v;
}

uint64_t bwe_estimate(const struct bwe *b)
{
    double e = b->delay_bps < b->loss_bps ? b->delay_bps : b->loss_bps;

    return (uint64_t)clampd(e, (double)b->min_bps, (double)b->max_bps);
}

void bwe_get_stats(const struct bwe *b, struct bwe_stats *out)
{
    *out = b->stats;
    out->estimate_bps = bwe_estimate(b);
    out->delay_bps = (uint64_t)b->delay_bps;
    out->loss_bps = (uint64_t)b->loss_bps;
    out->acked_bps = (uint64_t)rate_bps(b);
    out->smoothed_loss = b->smoothed_loss;
    out->usage = b->hyp;
    out->trend_ms = b->modified_trend;
    out->threshold_ms = b->threshold_ms;
}
