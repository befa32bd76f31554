/* Loss repair and congestion feedback in the load generator, the way a
 * browser does them (feedback on by default; --no-feedback turns it off).
 * Pure: no clock, no I/O; the media thread passes the time.
 *
 * Publisher (generator -> server):
 *   - every RTP packet carries the transport-wide sequence number
 *     (draft-holmer-rmcat-transport-wide-cc-extensions-01) when the answer
 *     kept the extension: lg_twcc_stamp() writes it into the element the
 *     packet builders put first in the extension block;
 *   - each camera layer keeps the last LG_RTX_SLOTS packets it sent
 *     (struct lg_rtx_sender) and answers a generic NACK (RFC 4585 §6.2.1)
 *     with an RTX packet (RFC 4588 §4): its own SSRC, sequence number and
 *     payload type, the original sequence number (OSN) in the first two
 *     payload bytes, then the original payload; the original's padding
 *     (the generator's mark) is left out, as RFC 4588 asks. A simulcast
 *     layer's RTX packets carry the mid and the repaired-rtp-stream-id
 *     extension with the layer's rid (RFC 8852 §3.2), as Chromium sends
 *     them, so the server learns their SSRC; one layer announces its RTX
 *     SSRC in a=ssrc-group:FID instead. A NACK for a packet no longer
 *     remembered, older than LG_RTX_MAX_AGE_US, or resent less than
 *     LG_RTX_HOLDOFF_US ago is not answered;
 *   - lg_fb_scan() reads the feedback the server sends: NACKs (the
 *     sequence numbers asked for) and transport-cc feedback (counted).
 *
 * Subscriber (server -> generator):
 *   - struct lg_nack_rx per video stream: a sequence number skipped when a
 *     newer one arrives is missing; it is NACKed at once and again every
 *     LG_NACK_RETRY_US until it arrives, LG_NACK_TRIES NACKs were sent, or
 *     the list (LG_NACK_MAX) needs its place;
 *   - lg_rtx_unwrap() turns an RTX packet back into the original packet of
 *     the stream it repairs (SSRC and payload type by the FID association
 *     and apt of the server's subscribe offer);
 *   - transport-cc feedback is media/twcc.h's, the server's own builder. */
#ifndef SAMTALE_LOAD_REPAIR_H
#define SAMTALE_LOAD_REPAIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "media/rd.h"
#include "media/rtcp.h"

#define LG_RTX_SLOTS 64           /* packets remembered per sending layer (power of two) */
#define LG_RTX_SLOT_MAX 1280      /* longest packet remembered */
#define LG_RTX_MAX_AGE_US 1000000 /* older packets are not resent */
#define LG_RTX_HOLDOFF_US 10000   /* a packet is resent at most this often */
#define LG_RTX_EXT_MAX 32         /* the RTX packets' extension block */
#define LG_NACK_MAX 64            /* missing packets one stream asks for at once */
#define LG_NACK_TRIES 5           /* NACKs per missing packet */
#define LG_NACK_RETRY_US 40000    /* between two NACKs for one packet */
#define LG_FB_SCAN_REQ 512        /* NACKed sequence numbers read from one RTCP packet */
#define LG_FB_SCAN_TWCC RTCP_TWCC_MAX_STATUS /* packets one transport-cc feedback may describe */

/* Writes the transport-wide sequence number into an unprotected RTP packet
 * whose one-byte extension block has element `id` (two data bytes); fast
 * when the element is the block's first, as the generator's builders put
 * it. Returns 0, or ERR_NOTFOUND / ERR_PARSE when the packet has no such
 * element. */
int lg_twcc_stamp(uint8_t *pkt, size_t len, uint8_t id, uint16_t seq);

/* An RFC 8285 one-byte extension block: the transport-wide sequence
 * element first (when twcc; its number is written per packet), then mid and the string `sid`
 * under sid_ext (rid or repaired rid), each left out when its id is 0 or
 * its string empty. Returns the block's length (0: no element) written to
 * out[0..LG_RTX_EXT_MAX). */
size_t lg_ext_block(uint8_t *out, uint8_t twcc, uint8_t ext_mid, const char *mid, uint8_t sid_ext,
                    const char *sid);

/* What the server's answer to our publish offer kept of the feedback. */
struct lg_pub_feedback {
    uint8_t ext_twcc; /* transport-wide sequence extension id, 0: none */
    uint8_t ext_rrid; /* camera: repaired-rtp-stream-id id, 0: none */
    int rtx_pt;       /* camera: RTX payload type, -1: none */
};

/* An RTX stream of the server's subscribe offer: its SSRC and payload type
 * and the stream it repairs (a=ssrc-group:FID, apt=). */
struct lg_rtx_pair {
    uint32_t ssrc, rtx_ssrc;
    uint8_t pt, rtx_pt;
};

/* ---- publisher: history and RTX ---- */

struct lg_rtx_slot {
    int64_t sent_us, resent_us; /* resent_us: 0 = never */
    uint16_t seq, len;          /* len 0 = empty */
    uint8_t pkt[LG_RTX_SLOT_MAX];
};

struct lg_rtx_sender_cfg {
    uint32_t ssrc, rtx_ssrc; /* the layer's and its RTX stream's */
    uint8_t rtx_pt;
    uint16_t first_rtx_seq;
    const uint8_t *ext; /* the RTX packets' extension block (lg_ext_block), or NULL */
    size_t ext_len;
};

struct lg_rtx_sender {
    struct lg_rtx_sender_cfg cfg;
    uint8_t ext[LG_RTX_EXT_MAX];
    uint16_t rtx_seq;
    struct lg_rtx_slot *slot; /* LG_RTX_SLOTS */
    uint64_t remembered;      /* packets kept */
    uint64_t too_long;        /* packets too long to keep */
    uint64_t nacked;          /* sequence numbers NACKs asked for */
    uint64_t resent;          /* RTX packets made */
    uint64_t unknown;         /* asked for but not (or no longer) remembered */
    uint64_t held;            /* asked for again within LG_RTX_HOLDOFF_US */
};

/* ERR_INVAL (bad cfg), ERR_NOMEM. */
int lg_rtx_sender_init(struct lg_rtx_sender *x, const struct lg_rtx_sender_cfg *cfg);
/* Frees the history; the counters stay. */
void lg_rtx_sender_free(struct lg_rtx_sender *x);
/* Keeps a copy of the unprotected RTP packet pkt[0..len) just sent. */
void lg_rtx_remember(struct lg_rtx_sender *x, int64_t now_us, const uint8_t *pkt, size_t len);
/* The RTX packet for the NACKed sequence number `seq` into out[0..cap):
 * returns its length, 0 when there is nothing to resend (counted as
 * unknown or held), ERR_TOOBIG when cap is too small. */
int lg_rtx_build(struct lg_rtx_sender *x, int64_t now_us, uint16_t seq, uint8_t *out, size_t cap);

/* What one RTCP compound packet from the server asked of a publisher. */
struct lg_fb_req {
    uint32_t ssrc;
    uint16_t seq;
};
struct lg_fb_scan {
    /* of the last packet scanned */
    unsigned nack_packets; /* NACK messages */
    unsigned twcc_packets; /* transport-cc feedback that parses */
    unsigned bad;          /* feedback that does not parse */
    unsigned req_dropped;  /* NACKed numbers beyond LG_FB_SCAN_REQ */
    size_t n_req;
    struct lg_fb_req req[LG_FB_SCAN_REQ];
    struct rtcp_twcc_pkt twcc[LG_FB_SCAN_TWCC]; /* scratch */
};
/* Reads one unprotected RTCP compound packet: the counters, n_req and req[]
 * (the NACKed numbers, in wire order) describe it. */
void lg_fb_scan(struct lg_fb_scan *s, const uint8_t *buf, size_t len);

/* ---- subscriber: NACK and RTX ---- */

struct lg_nack_miss {
    int64_t ext;     /* extended sequence number */
    int64_t next_us; /* next NACK */
    uint8_t tries;
};

struct lg_nack_rx {
    bool started;
    int64_t max; /* newest extended sequence number */
    struct lg_nack_miss miss[LG_NACK_MAX];
    size_t n_miss;      /* ascending by ext */
    uint64_t missing;   /* numbers found missing */
    uint64_t requests;  /* numbers put in NACKs, every try counted */
    uint64_t nacks;     /* NACK messages built */
    uint64_t recovered; /* missing numbers that arrived later */
    uint64_t given_up;  /* missing numbers no longer asked for */
};

/* Zero-initialise, then feed every received packet's (or unwrapped
 * repair's) sequence number. */
void lg_nack_rx_packet(struct lg_nack_rx *n, int64_t now_us, uint16_t seq);
/* When a NACK is next due (INT64_MAX: nothing missing). */
int64_t lg_nack_rx_deadline(const struct lg_nack_rx *n);
/* Appends to w a NACK for every missing number that is due at now_us and
 * gives up the ones that had LG_NACK_TRIES. Returns how many numbers it
 * asked for (0: no NACK written) or ERR_TOOBIG (w has no room; nothing is
 * counted as sent). */
int lg_nack_rx_build(struct lg_nack_rx *n, int64_t now_us, uint32_t sender_ssrc,
                     uint32_t media_ssrc, struct wr *w);

/* The original packet of the RTX packet rtx[0..len) into out[0..cap): its
 * header with the OSN as sequence number, `pt` and `ssrc`, without the
 * RTX's padding, and the payload after the OSN. Returns the length, 0 for
 * an RTX packet without OSN (a padding-only probe), ERR_PARSE (not RTP) or
 * ERR_TOOBIG. */
int lg_rtx_unwrap(const uint8_t *rtx, size_t len, uint8_t pt, uint32_t ssrc, uint8_t *out,
                  size_t cap);

#endif
