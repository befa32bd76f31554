/* One publisher's one simulcast layer: the clip's next frame as RTP
 * packets (RFC 7741), written into the caller's buffer. No I/O and no
 * clock: the caller passes the time, adds SRTP and sends.
 *
 * Each packet: the RTP header (PT, SSRC, sequence number, a 90 kHz
 * timestamp from the caller's clock, the marker bit on a frame's last
 * packet, and the caller's header extension block copied as it is), the
 * VP8 payload descriptor as Chromium writes it for simulcast (X; N for
 * droppable frames; S and PID 0 on the first packet; a 15-bit PictureID;
 * with temporal layers TL0PICIDX and TID/Y, no KEYIDX), an even share of
 * the frame, and the generator's mark (marker.h) with stream
 * lg_stream_id(participant, 1 + layer) and a frame number whose remainder
 * modulo the clip's length is the clip position, so a receiver knows which
 * reference picture to expect.
 *
 * A keyframe request (PLI or FIR) makes the next frame the clip's next
 * keyframe: the position and the frame number jump forward by the same
 * amount. */
#ifndef SAMTALE_LOAD_VP8_SEND_H
#define SAMTALE_LOAD_VP8_SEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tests/load/vp8_clip.h"

#define LG_VP8_PKT_MAX 1200   /* default and largest whole RTP packet */
#define LG_VP8_FRAME_PKTS 512 /* most packets one frame may take */
#define LG_VP8_EXT_MAX 64     /* header extension block, bytes */
#define LG_VP8_DESC_LEN 6     /* the payload descriptor this sender writes */

struct lg_vp8_send_cfg {
    const struct lg_vp8_clip *clip; /* borrowed; outlives the sender */
    unsigned layer;                 /* of the clip */
    uint32_t participant;           /* for the mark's stream id */
    uint32_t ssrc;
    uint8_t pt;
    uint16_t first_seq;
    uint32_t ts_offset;        /* added to the 90 kHz clock */
    uint16_t first_picture_id; /* 15 bits */
    size_t max_packet;         /* whole packet before SRTP; 0 = LG_VP8_PKT_MAX */
    const uint8_t *ext;        /* RFC 8285 block with its 4-byte header, or NULL */
    size_t ext_len;            /* multiple of 4, <= LG_VP8_EXT_MAX */
};

/* Where lg_vp8_send_frame writes: packet i at buf + i * stride, lengths
 * into len[i]. Bytes between a packet's end and the next stride are the
 * caller's (room for the SRTP tag). */
struct lg_vp8_burst {
    uint8_t *buf;
    size_t stride; /* >= the configured max_packet */
    size_t max;    /* packets buf and len hold */
    size_t *len;
    /* out */
    size_t n;       /* packets written */
    uint32_t frame; /* the mark's frame number */
    unsigned pos;   /* clip position */
    bool key;
};

struct lg_vp8_send;

/* ERR_INVAL for a bad configuration, ERR_NOMEM. */
int lg_vp8_send_create(struct lg_vp8_send **out, const struct lg_vp8_send_cfg *cfg);
void lg_vp8_send_destroy(struct lg_vp8_send *s);

/* The next frame sent will be the clip's next keyframe. */
void lg_vp8_send_keyframe_request(struct lg_vp8_send *s);

/* Packetizes the next frame at now_us (µs, the clock the mark's send time
 * uses). ERR_TOOBIG when the frame needs more than out->max packets or
 * LG_VP8_FRAME_PKTS (nothing is sent and the position does not advance),
 * ERR_INVAL when out->stride is below the packet size. */
int lg_vp8_send_frame(struct lg_vp8_send *s, uint64_t now_us, struct lg_vp8_burst *out);

/* The sequence number the next packet will carry. */
uint16_t lg_vp8_send_next_seq(const struct lg_vp8_send *s);

#endif
