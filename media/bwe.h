/* Send-side bandwidth estimation for one subscriber transport: a simplified
 * Google Congestion Control (draft-ietf-rmcat-gcc-02, as libwebrtc
 * implements it) driven by transport-cc feedback. The router uses the
 * estimate to choose simulcast layers that fit the subscriber's downlink.
 *
 * Sans-IO, deterministic, allocation-free after create:
 *
 *     bwe_stamp(b, now_us, pkt, len, id, wire);   every RTP packet sent on
 *                                           the transport: writes the next
 *                                           transport-wide seq into its
 *                                           extension and records the send
 *     bwe_on_feedback(b, now_us, &fb, pkts, n);   each parsed transport-cc
 *     bwe_on_report_block(b, now_us, &block);    each receiver report block
 *     bwe_on_rtt(b, rtt_us);                      when an RTT is measured
 *     bps = bwe_estimate(b);
 *
 * What it does:
 *   - Delay-based: acknowledged packets (send time from our history,
 *     arrival time from the feedback) are grouped into 5 ms send bursts;
 *     each pair of groups gives a one-way delay gradient (arrival delta
 *     minus send delta). A trendline filter (least-squares slope over the
 *     last 20 smoothed accumulated delays) feeds an overuse detector with
 *     an adaptive threshold (6..600 ms, k_up 0.0087, k_down 0.039).
 *   - AIMD rate control on the detector's state: normal -> increase,
 *     8 %/s multiplicatively, or by about one packet per response time
 *     (RTT + 100 ms) when close to a link capacity learnt at earlier
 *     overuses; overuse -> 0.85 x the acknowledged throughput (at most
 *     once per RTT, clamped to 10..200 ms), then hold; underuse -> hold.
 *     Increases are capped at 1.5 x acknowledged throughput + 10 kbit/s,
 *     and need a throughput measurement (BWE_RATE_WINDOW_US of acked
 *     packets by arrival time).
 *   - Loss-based (from receiver reports): loss > 10 % multiplies the
 *     loss-based limit by (1 - 0.5 loss) at most once per 300 ms + RTT;
 *     < 2 % lets it grow 8 %/s; otherwise it holds. It starts at the
 *     maximum, i.e. it only ever constrains after losses. The loss is that
 *     of every report block (each SSRC's lost and expected packets since
 *     its previous block, summed into chunks of at least 50 packets),
 *     smoothed with a time constant of 500 packets (a few seconds), from
 *     0: a single block's fraction swings far past 10 % on a link with
 *     steady random loss of a few percent (a video stream's second at 7 %
 *     often shows 12 %, an audio block 40 %), and each swing would lower
 *     the limit for good, as it only grows again below 2 %.
 *   - estimate = min(delay-based, loss-based) within [min, max].
 *   - Robustness: feedback for sequence numbers never sent, too old
 *     (BWE_HISTORY) or already acknowledged is ignored; a one-way delay
 *     that jumps by more than BWE_MAX_DELAY_JUMP_US between two acked
 *     packets (a clock jump, a route change, garbage) resets the delay
 *     filter and the throughput window instead of being taken as
 *     congestion; such resets never lower the estimate.
 *
 * What it does not do (unlike full GCC): sending probes of its own (the
 * engine probes a subscriber whose video is paused, probe.h, and feeds the
 * result to bwe_on_probe), ALR detection,
 * pacing, the Kalman filter variant, loss-based v2, packet-size
 * deltas, or using transport-cc "not received" marks as loss (only
 * receiver reports feed the loss controller). Memory: about 66 KB per
 * transport (the send history). */
#ifndef SAMTALE_MEDIA_BWE_H
#define SAMTALE_MEDIA_BWE_H

#include <stddef.h>
#include <stdint.h>

#include "media/rtcp.h"

#define BWE_MIN_BPS 50000
#define BWE_DEFAULT_START_BPS 1000000
#define BWE_DEFAULT_MAX_BPS 5000000
#define BWE_HISTORY 2048              /* sent packets remembered (power of two) */
#define BWE_RATE_WINDOW_US 500000     /* acknowledged throughput window */
#define BWE_MAX_DELAY_JUMP_US 1000000 /* one-way delay change taken as a discontinuity */
#define BWE_DEFAULT_RTT_US 100000
#define BWE_LOSS_SOURCES 16 /* SSRCs whose report blocks are followed */

struct bwe;

struct bwe_cfg {
    uint64_t start_bps; /* 0: BWE_DEFAULT_START_BPS */
    uint64_t min_bps;   /* 0: BWE_MIN_BPS */
    uint64_t max_bps;   /* 0: BWE_DEFAULT_MAX_BPS */
    uint16_t first_seq; /* the first transport-wide sequence number */
};

enum bwe_usage {
    BWE_USAGE_NORMAL = 0,
    BWE_USAGE_OVERUSE,
    BWE_USAGE_UNDERUSE,
};

struct bwe_stats {
    uint64_t estimate_bps;
    uint64_t delay_bps; /* delay-based (AIMD) rate */
    uint64_t loss_bps;  /* loss-based limit */
    uint64_t acked_bps; /* acknowledged throughput, 0 while unknown */
    enum bwe_usage usage;
    double trend_ms;     /* the detector's modified trend */
    double threshold_ms; /* its adaptive threshold */
    uint64_t sent;
    uint64_t feedbacks;
    uint64_t acked;           /* packets first reported received */
    uint64_t unknown;         /* reported seqs never sent or no longer remembered */
    uint64_t duplicates;      /* reported received again */
    uint64_t discontinuities; /* delay jumps that reset the filter */
    uint64_t overuses;        /* overuse reactions (delay-based decrease steps) */
    uint64_t loss_decreases;
    double smoothed_loss; /* fraction 0..1 from the report blocks */
};

/* cfg may be NULL for defaults. ERR_INVAL when min > max or start is
 * outside them (a zero field takes its default first), ERR_NOMEM. */
int bwe_create(struct bwe **out, const struct bwe_cfg *cfg);
/* NULL-safe. */
void bwe_destroy(struct bwe *b);

/* Records a packet of size_bytes sent at now_us and returns the
 * transport-wide sequence number to write into it. Only for a packet that
 * will carry that number: one sent without it would look lost. */
uint16_t bwe_on_send(struct bwe *b, int64_t now_us, size_t size_bytes);

/* Writes the next transport-wide sequence number into the transport-cc
 * extension `ext_id` (two bytes, already present) of the RTP packet
 * pkt[0..len) and records the send (wire_bytes on the wire) only then.
 * A packet without that extension (a forwarded packet whose publisher did
 * not negotiate it) takes no number and returns ERR_NOTFOUND; ERR_PARSE or
 * ERR_PROTO for a packet that does not parse or an extension of another
 * size; ERR_INVAL for ext_id 0. Either way the estimator never sees a gap
 * the receiver cannot report. */
int bwe_stamp(struct bwe *b, int64_t now_us, uint8_t *pkt, size_t len, uint8_t ext_id,
              size_t wire_bytes);

/* Feeds one transport-cc feedback parsed with rtcp_parse_twcc(): fb and its
 * n packets. ERR_INVAL for NULL arguments; anything else in the feedback
 * (unknown seqs, implausible times) is counted and ignored. */
int bwe_on_feedback(struct bwe *b, int64_t now_us, const struct rtcp_twcc *fb,
                    const struct rtcp_twcc_pkt *pkts, size_t n);

/* One block of a receiver report from the subscriber (about any SSRC we
 * send it); what the loss-based limit follows. */
void bwe_on_report_block(struct bwe *b, int64_t now_us, const struct rtcp_report_block *rb);

/* A loss fraction (RFC 3550 fraction lost, /256) applied as it is: the
 * loss-based step itself, which bwe_on_report_block drives. */
void bwe_on_loss(struct bwe *b, int64_t now_us, uint8_t fraction_lost);

/* Round-trip time, e.g. from receiver reports' LSR/DLSR; ignored if <= 0. */
void bwe_on_rtt(struct bwe *b, int64_t rtt_us);

/* Changes the maximum (e.g. what the subscriber's SDP allows); 0 restores
 * BWE_DEFAULT_MAX_BPS. Raised to the minimum if below it. */
void bwe_set_max(struct bwe *b, uint64_t max_bps);

/* A capacity probe (probe.h) showed the path carries bps now: the
 * delay-based rate and the loss-based limit rise to it (within the
 * maximum; neither is lowered), as a probe result does in GCC. Without it
 * an estimate held low while little was sent could only grow at 8 %/s. */
void bwe_on_probe(struct bwe *b, uint64_t bps);

/* Current estimate in bits per second. */
uint64_t bwe_estimate(const struct bwe *b);

void bwe_get_stats(const struct bwe *b, struct bwe_stats *out);

#endif
