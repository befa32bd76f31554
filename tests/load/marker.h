/* The load generator's mark on every RTP packet it sends: 28 bytes of RTP
 * padding (RFC 3550 §5.1) that name the stream, the frame, the packet's
 * place in the frame and its send time. Padding travels through an SFU
 * untouched and is removed before depacketizing, so the media still decodes
 * in any receiver; the receiver reads it back to count loss and reordering
 * per frame and measure the end-to-end delay.
 *
 *   bytes 0-3   "LGM1"
 *   4-7         stream  (big-endian; who publishes what, see lg_stream_id)
 *   8-11        frame   (the publisher's frame counter)
 *   12-13       index   (0-based packet of the frame)
 *   14-15       count   (packets in the frame)
 *   16-23       send time, µs on CLOCK_MONOTONIC
 *   24-26       zero
 *   27          28, the padding count */
#ifndef SAMTALE_LOAD_MARKER_H
#define SAMTALE_LOAD_MARKER_H

#include <stddef.h>
#include <stdint.h>

#define LG_MARKER_PAD 28

struct lg_marker {
    uint32_t stream;
    uint32_t frame;
    uint16_t index, count;
    uint64_t send_us;
};

/* A stream id: participant (0..2^24-1) and what it sends (0..255, e.g.
 * 0 audio, 1..3 video layers). */
static inline uint32_t lg_stream_id(uint32_t participant, uint8_t what)
{
    return participant << 8 | what;
}

/* Appends m as padding to the RTP packet pkt[0..len) and sets its P bit.
 * The packet must not have padding yet. Returns the new length, or
 * ERR_PARSE (not RTP, or padded already), ERR_TOOBIG (no room in cap). */
int lg_marker_append(uint8_t *pkt, size_t len, size_t cap, const struct lg_marker *m);

/* Reads the marker of an unprotected RTP packet. *payload_len (may be NULL)
 * gets the payload's length without the padding. Returns 0, ERR_PARSE (not
 * RTP) or ERR_NOTFOUND (no padding, or padding that is not our marker, as in
 * a retransmission whose padding the SFU dropped). */
int lg_marker_read(const uint8_t *pkt, size_t len, struct lg_marker *m, size_t *payload_len);

#endif
