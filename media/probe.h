/* A capacity probe of a subscriber's downlink: a short train of padding
 * packets sent back to back, timed by the subscriber's transport-cc
 * feedback. The bottleneck spaces the packets out by their size over its
 * rate, so the train's bytes (all but the first to arrive) over the spread
 * of its arrival times measure what the link can carry now, even while
 * little else is sent (packet-pair dispersion). Used while video towards
 * the subscriber is paused (vpause.h): audio alone cannot show that the
 * link has recovered, and three small packets cost the audio behind them
 * only their own transmission time (about 110 ms at 64 kbit/s).
 *
 * A train that loses a packet shows no capacity (result 0). A train not
 * reported complete within PROBE_TIMEOUT_US is forgotten.
 *
 * Sans-IO: probe_start, then probe_sent() for each packet's transport-wide
 * sequence number, then every parsed feedback into probe_on_feedback(). */
#ifndef SAMTALE_MEDIA_PROBE_H
#define SAMTALE_MEDIA_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "media/rtcp.h"

#define PROBE_PACKETS 3
#define PROBE_PADDING_BYTES 255 /* padding per packet (the most one RTP packet can say) */
#define PROBE_TIMEOUT_US 2000000
#define PROBE_MAX_BPS 100000000 /* arrivals closer than one feedback tick: at least this */

struct probe {
    bool active;
    int64_t started_us;
    size_t n;                          /* packets sent in this train */
    uint16_t seq[PROBE_PACKETS];       /* transport-wide sequence numbers */
    uint32_t bytes[PROBE_PACKETS];     /* on the wire */
    bool got[PROBE_PACKETS];           /* reported received */
    int64_t arrival_us[PROBE_PACKETS]; /* on the subscriber's clock, from ref0 */
    bool have_ref;
    int32_t ref0; /* the first feedback's reference time (24 bits) */
};

void probe_init(struct probe *p);
/* A new train (the previous one, if any, is forgotten). */
void probe_start(struct probe *p, int64_t now_us);
/* One packet of the train went out with this transport-wide seq. Packets
 * beyond PROBE_PACKETS are not followed. */
void probe_sent(struct probe *p, uint16_t seq, size_t wire_bytes);
/* One transport-cc feedback (rtcp_parse_twcc's fb and its n packets).
 * Returns true when it completed the train: *bps is the capacity it
 * showed (0: a packet was lost, or fewer than two were sent). */
bool probe_on_feedback(struct probe *p, int64_t now_us, const struct rtcp_twcc *fb,
                       const struct rtcp_twcc_pkt *pkts, size_t n, uint64_t *bps);

#endif
