/* The RTP/AVP leg of one phone call (RFC 3550, RFC 3551): what arrives on
 * the call's RTP and RTCP ports, and the RTP and RTCP we send. Sans-IO: the
 * engine owns the sockets and the clock.
 *
 * Symmetric RTP (RFC 4961 practice; phones behind NAT send from another
 * address than their SDP names). The leg latches onto the source address
 * of the first verified RTP packet and from then on takes RTP only from
 * that address (IP and port); everything else is dropped and counted as
 * foreign. Verified means: version 2, not RTCP, the negotiated audio or
 * telephone-event payload type, a header rtp_parse() accepts, a payload of
 * at least one byte, and a source allowed by this rule:
 *   - if the SDP connection address is public (routable), only packets from
 *     that IP (any port: NAT may change the port) can latch;
 *   - if it is private or unroutable (RFC 1918, 100.64/10 carrier-grade
 *     NAT, link-local, IPv6 unique-local or link-local, unspecified, or no
 *     address yet), the phone sits behind a NAT that rewrote nothing in
 *     its SDP, and the first verified packet from any address latches.
 *     This is the usual SBC rule; the call's port is known only to whoever
 *     received the SDP, and the payload type must match as well.
 * Loopback counts as public (it must match), so local tests are strict.
 * RTCP latches the same way, separately, but only from the IP the RTP
 * latched onto (or, before that, under the same rule). phone_leg_remote()
 * with a different address (a re-INVITE) forgets both latches.
 *
 * Sending goes to the latched address, else to the SDP address. Our RTP
 * timestamps run at the codec's RTP clock (8000 for G.711 and G.722, 48000
 * for Opus) in 20 ms frames; after a pause in sending (silence, hold) the
 * timestamp jumps by the time that passed and the marker bit is set.
 *
 * RTCP: SR/RR from the peer are parsed (round trip from LSR/DLSR); every
 * PHONE_LEG_RTCP_INTERVAL_US we send an SR (an RR before we sent any RTP)
 * with a report block about the peer's stream and an SDES CNAME. */
#ifndef SAMTALE_MEDIA_PHONE_LEG_H
#define SAMTALE_MEDIA_PHONE_LEG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "media/audio_codec.h"
#include "media/rtp_dtmf.h"

#define PHONE_LEG_FRAME_US 20000
#define PHONE_LEG_RTCP_INTERVAL_US 5000000
#define PHONE_LEG_CNAME_MAX 64
#define PHONE_LEG_RTP_HEADER 12  /* what packetize writes before the payload */
#define PHONE_LEG_PAUSE_US 60000 /* a send gap longer than this marks a talkspurt */
#define PHONE_LEG_NONE INT64_MAX

struct phone_leg_cfg {
    enum audio_codec_kind codec;
    uint8_t pt;  /* the negotiated audio payload type */
    int dtmf_pt; /* telephone-event's, or -1 */
    /* From the SDP: c= and m= (RTP), a=rtcp or port + 1 (RTCP). ss_family
     * AF_UNSPEC: not known (nothing is sent until RTP latches). */
    struct sockaddr_storage remote_rtp, remote_rtcp;
    uint32_t ssrc;                       /* ours */
    char cname[PHONE_LEG_CNAME_MAX + 1]; /* ours, for SDES; "" = "samtale" */
    int64_t now_us;
};

enum phone_leg_rx {
    PHONE_LEG_RX_AUDIO, /* out->payload etc. */
    PHONE_LEG_RX_DTMF,  /* a telephone-event packet: digits via phone_leg_dtmf() */
    PHONE_LEG_RX_RTCP,  /* an SR or RR was read */
    PHONE_LEG_RX_DROP,  /* out->drop says why */
};

enum phone_leg_drop {
    PHONE_LEG_DROP_NONE = 0,
    PHONE_LEG_DROP_MALFORMED, /* not RTP/RTCP we can read, or an unknown payload type */
    PHONE_LEG_DROP_FOREIGN,   /* from an address other than the latched / allowed one */
};

struct phone_leg_input {
    enum phone_leg_drop drop;
    /* PHONE_LEG_RX_AUDIO: a view into the caller's buffer */
    const uint8_t *payload;
    size_t payload_len;
    uint16_t seq;
    uint32_t ts;
    uint32_t ssrc;
    bool marker;
};

struct phone_leg_stats {
    uint64_t rtp_in, rtp_in_bytes, rtp_out, rtp_out_bytes;
    uint64_t rtcp_in, rtcp_out;
    uint64_t lost;   /* expected minus received (RFC 3550 A.3), never negative */
    uint32_t jitter; /* interarrival jitter, RTP clock units (RFC 3550 A.8) */
    uint64_t foreign, malformed;
    uint64_t dtmf_digits;
    int64_t rtt_us; /* from the peer's report blocks; -1 unknown */
};

struct phone_leg;

/* ERR_INVAL for a bad codec, payload type or address family. */
int phone_leg_create(struct phone_leg **out, const struct phone_leg_cfg *cfg);
void phone_leg_destroy(struct phone_leg *l); /* NULL-safe */

/* A datagram from the call's RTP port (rtcp_port false) or RTCP port. */
enum phone_leg_rx phone_leg_input(struct phone_leg *l, int64_t now_us, bool rtcp_port,
                                  const uint8_t *buf, size_t len,
                                  const struct sockaddr_storage *from, socklen_t fromlen,
                                  struct phone_leg_input *out);
/* The next key press decoded from telephone-event packets. */
bool phone_leg_dtmf(struct phone_leg *l, char *digit);

/* A re-INVITE's SDP: new remote addresses (AF_UNSPEC allowed); a different
 * RTP address forgets the latches. */
void phone_leg_remote(struct phone_leg *l, const struct sockaddr_storage *rtp,
                      const struct sockaddr_storage *rtcp);

/* Where RTP and RTCP go: the latched address, else the SDP one. false when
 * neither is known. */
bool phone_leg_rtp_dest(const struct phone_leg *l, struct sockaddr_storage *to, socklen_t *tolen);
bool phone_leg_rtcp_dest(const struct phone_leg *l, struct sockaddr_storage *to, socklen_t *tolen);
/* The address RTP latched onto: false before the latch. */
bool phone_leg_latched(const struct phone_leg *l, struct sockaddr_storage *addr);

/* One 20 ms frame of encoded audio as RTP into out: the length, or
 * ERR_TOOBIG when it does not fit cap, ERR_INVAL for an empty payload. */
int phone_leg_packetize(struct phone_leg *l, int64_t now_us, const uint8_t *payload, size_t len,
                        uint8_t *out, size_t cap);

/* Timers: DTMF events that lost their ends, and the RTCP schedule. */
void phone_leg_timeout(struct phone_leg *l, int64_t now_us);
int64_t phone_leg_next_deadline(const struct phone_leg *l);
/* The RTCP report when due (SR or RR + SDES): its length, 0 when not due,
 * ERR_TOOBIG if cap is too small. Schedules the next one. */
int phone_leg_rtcp(struct phone_leg *l, int64_t now_us, uint8_t *out, size_t cap);

void phone_leg_get_stats(const struct phone_leg *l, struct phone_leg_stats *out);

/* The codec's RTP clock rate (RFC 3551: G.722 is 8000). */
uint32_t phone_leg_clock_rate(enum audio_codec_kind codec);
/* True for an address that is not publicly routable (the rule above). */
bool phone_leg_addr_private(const struct sockaddr_storage *a);

#endif
