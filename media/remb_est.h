/* Receive-side bandwidth estimate sent as REMB
 * (draft-alvestrand-rmcat-remb), the fallback for a publisher that offers
 * goog-remb but not transport-cc. One per publishing transport.
 *
 * Deliberately simple, and not libwebrtc's receive-side delay estimator:
 * it looks only at the incoming bitrate and the loss over the last
 * REMB_EST_WINDOW_US (from each SSRC's sequence numbers), every
 * REMB_EST_UPDATE_US:
 *   - loss > 10 %: estimate = min(estimate, incoming) x (1 - 0.5 loss),
 *     at most once per window (the same losses do not count twice);
 *   - loss < 2 %: the estimate grows 8 %/s, but only while it is below
 *     1.5 x incoming + 10 kbit/s (a sender using less than it may does
 *     not make it run away);
 *   - in between, or with fewer than REMB_EST_MIN_PACKETS expected
 *     packets in the window: hold.
 * A REMB goes out every REMB_EST_INTERVAL_US while media arrives, and at
 * once when the estimate falls by 3 % or more since the last one. The
 * publisher's own loss-based controller still runs; the REMB is a cap.
 *
 * Sans-IO, allocation-free after create:
 *     remb_est_packet(e, now_us, ssrc, seq, len);   every RTP packet
 *     when remb_est_next_deadline() has passed:
 *     n = remb_est_timeout(e, now_us, buf, cap, our_ssrc);  n > 0: send */
#ifndef SAMTALE_MEDIA_REMB_EST_H
#define SAMTALE_MEDIA_REMB_EST_H

#include <stddef.h>
#include <stdint.h>

#define REMB_EST_MAX_SSRCS 8         /* streams tracked for loss and listed in the REMB */
#define REMB_EST_UPDATE_US 200000    /* estimate update period */
#define REMB_EST_WINDOW_US 1000000   /* incoming rate and loss window */
#define REMB_EST_INTERVAL_US 1000000 /* regular REMB period */
#define REMB_EST_IDLE_US 2000000     /* no REMB after this long without media */
#define REMB_EST_MIN_PACKETS 20      /* fewer expected in the window: no loss verdict */
#define REMB_EST_MAX_JUMP 1000       /* a larger sequence jump is a restart, not loss */
#define REMB_EST_MIN_BPS 50000
#define REMB_EST_DEFAULT_START_BPS 1000000
#define REMB_EST_DEFAULT_MAX_BPS 5000000

struct remb_est;

struct remb_est_cfg {
    uint64_t start_bps, min_bps, max_bps; /* 0: the defaults above */
};

struct remb_est_stats {
    uint64_t estimate_bps;
    uint64_t incoming_bps; /* over the window */
    uint8_t fraction_lost; /* over the window, /256 */
    uint64_t packets;
    uint64_t untracked; /* packets of SSRCs beyond REMB_EST_MAX_SSRCS */
    uint64_t rembs;     /* REMB packets built */
    uint64_t decreases;
};

/* cfg may be NULL. ERR_INVAL when min > max or start outside them,
 * ERR_NOMEM. */
int remb_est_create(struct remb_est **out, const struct remb_est_cfg *cfg);
/* NULL-safe. */
void remb_est_destroy(struct remb_est *e);

/* An incoming RTP packet (RTX and FEC streams included: size counts, and
 * their sequence numbers are tracked like any other SSRC). */
void remb_est_packet(struct remb_est *e, int64_t now_us, uint32_t ssrc, uint16_t seq,
                     size_t size_bytes);

/* When remb_est_timeout() next has work; INT64_MAX before any packet and
 * after REMB_EST_IDLE_US without one. */
int64_t remb_est_next_deadline(const struct remb_est *e);

/* Updates the estimate if due and, when a REMB is due, writes it (PSFB
 * FMT 15, listing the tracked SSRCs) and returns its length; else 0.
 * ERR_TOOBIG when cap is too small (the REMB is skipped until the next
 * regular one). */
int remb_est_timeout(struct remb_est *e, int64_t now_us, uint8_t *out, size_t cap,
                     uint32_t sender_ssrc);

uint64_t remb_est_bitrate(const struct remb_est *e);

void remb_est_get_stats(const struct remb_est *e, struct remb_est_stats *out);

#endif
