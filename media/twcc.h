/* Receive side of transport-wide congestion control
 * (draft-holmer-rmcat-transport-wide-cc-extensions-01), one per publishing
 * transport: records when each packet carrying the transport-wide sequence
 * number extension arrived and periodically turns that into transport-cc
 * feedback, so the publisher's own congestion controller (libwebrtc's GCC
 * in Chromium, Firefox and Safari) can ramp its encoders up and down.
 *
 * Sans-IO and allocation-free after create: the engine hands in the
 * sequence number and its clock, and asks for feedback when
 * twcc_recv_next_deadline() has passed:
 *
 *     twcc_recv_packet(t, now_us, seq);            for every RTP packet
 *     while ((n = twcc_recv_timeout(t, now_us, buf, cap, me, them)) > 0)
 *         send the RTCP packet buf[0..n);
 *
 * What it does:
 *   - Sequence numbers are unwrapped to 64 bits. The last TWCC_RECV_WINDOW
 *     packets are remembered; arrival times are the engine's clock (only
 *     differences matter to the sender).
 *   - Every interval (default TWCC_RECV_INTERVAL_US) one feedback reports
 *     everything received since the last one; earlier if
 *     TWCC_FB_MAX_PKTS packets are waiting.
 *   - Reordering: a late packet that belongs to an interval already
 *     reported (but is not older than TWCC_RECV_MAX_AGE_US of reported
 *     history) makes the next feedback start from it again, so it is
 *     reported as received; the packets after it are reported again too,
 *     which libwebrtc's sender ignores (it forgets a packet once acked).
 *     Duplicates keep the first arrival time.
 *   - Losses between two feedbacks: a feedback starts with the last
 *     received packet of the previous one (re-reported, ignored by the
 *     sender as above) so that packets lost at the boundary are reported
 *     as not received.
 *   - Limits: one feedback spans at most RTCP_TWCC_MAX_STATUS sequence
 *     numbers, holds at most TWCC_FB_MAX_PKTS received packets and
 *     TWCC_FB_MAX_BYTES bytes; a gap of more than TWCC_FB_MAX_GAP sequence
 *     numbers, or arrival times further apart than a 16-bit delta can
 *     carry (about 8 s), starts a new feedback (the gap is not reported as
 *     lost). Longer reports are split into several feedbacks, returned by
 *     successive calls.
 *   - A packet more than TWCC_RECV_RESET_BACK sequence numbers behind the
 *     newest is taken as a restarted sequence: the state is reset.
 *
 * What it does not do: adapt the interval to the bitrate (libwebrtc keeps
 * feedback near 5 % of the bandwidth, 50..250 ms), or answer the -02
 * "feedback on request" extension. Memory: about 37 KB per transport. */
#ifndef SAMTALE_MEDIA_TWCC_H
#define SAMTALE_MEDIA_TWCC_H

#include <stddef.h>
#include <stdint.h>

#define TWCC_RECV_WINDOW 1024                       /* packets remembered (power of two) */
#define TWCC_RECV_MAX_AGE_US 500000                 /* reported history a late packet may rejoin */
#define TWCC_RECV_INTERVAL_US 100000                /* default feedback interval */
#define TWCC_RECV_MIN_INTERVAL_US 20000             /* configurable range */
#define TWCC_RECV_MAX_INTERVAL_US 500000            /* (also a bound on what one feedback covers) */
#define TWCC_RECV_RESET_BACK (4 * TWCC_RECV_WINDOW) /* this far behind: a new sequence */
#define TWCC_FB_MAX_PKTS 300                        /* received packets in one feedback */
#define TWCC_FB_MAX_BYTES 1200                      /* one feedback RTCP packet, at most */
#define TWCC_FB_MAX_GAP 1000                        /* sequence gap that starts a new feedback */

struct twcc_recv;

struct twcc_recv_cfg {
    int64_t interval_us; /* 0: TWCC_RECV_INTERVAL_US; clamped to the range above */
};

struct twcc_recv_stats {
    uint64_t packets;    /* accepted (first arrivals) */
    uint64_t duplicates; /* same sequence number again: ignored */
    uint64_t too_old;    /* late beyond the window or the reported history: ignored */
    uint64_t late;       /* accepted late packets that reopened reported history */
    uint64_t resets;     /* sequence restarts */
    uint64_t evicted;    /* unreported packets overwritten in the window */
    uint64_t feedbacks;  /* transport-cc packets built */
    uint64_t dropped;    /* unreported packets given up: cap too small, sequence restart */
};

/* cfg may be NULL for defaults. ERR_NOMEM. */
int twcc_recv_create(struct twcc_recv **out, const struct twcc_recv_cfg *cfg);
/* NULL-safe. */
void twcc_recv_destroy(struct twcc_recv *t);

/* Records the arrival of the packet with transport-wide sequence number
 * `twcc_seq` at now_us (>= 0; negative times are ignored). */
void twcc_recv_packet(struct twcc_recv *t, int64_t now_us, uint16_t twcc_seq);

/* When the next feedback is due: INT64_MAX when nothing is waiting, a time
 * already passed when a feedback was split and more is to be sent. */
int64_t twcc_recv_next_deadline(const struct twcc_recv *t);

/* If a feedback is due at now_us, writes one transport-cc RTCP packet (RTPFB
 * FMT 15) into out and returns its length; returns 0 when nothing is due.
 * Call again until it returns 0: long reports are split. The packet is at
 * most min(cap, TWCC_FB_MAX_BYTES) bytes. Returns ERR_TOOBIG when cap cannot
 * hold even a one-packet feedback; the waiting packets are then dropped
 * (counted in stats.dropped) so that the call does not repeat forever. */
int twcc_recv_timeout(struct twcc_recv *t, int64_t now_us, uint8_t *out, size_t cap,
                      uint32_t sender_ssrc, uint32_t media_ssrc);

void twcc_recv_get_stats(const struct twcc_recv *t, struct twcc_recv_stats *out);

#endif
