/* The checker of one received VP8 stream (one subscription), fed RTP
 * packets after SRTP unprotect. No I/O and no clock: the caller passes the
 * time of each packet.
 *
 * Frames are reassembled in sequence-number order: a packet that is
 * missing once `reorder` newer packets have arrived is lost (when the
 * first packet received does not start a frame, the ones before it may
 * still come within the window; if they do not, they were never known and
 * are not counted). A frame is
 * complete when its first packet (S bit, PID 0), every packet after it with
 * the same timestamp and its last one (marker bit) arrived and, when the
 * generator's mark (marker.h) is there, their number is the mark's count.
 * A gap in the PictureIDs is a lost frame.
 *
 * A lost or incomplete frame takes the reference buffers it would have
 * updated with it (vp8_clip.h: the clip says which, for the position the
 * frame's mark names; a frame without a mark takes all of them unless its
 * N bit is set). Until the next keyframe, a complete frame that refers to
 * a lost buffer cannot be shown: it is counted as skipped, and
 * lg_vp8_recv_keyframe_wanted() tells the caller to send a PLI. After a
 * lost TL2 frame nothing else is missed; after a lost TL1 frame the TL0
 * frames and the TL2 frames that refer to LAST alone still show, as in a
 * browser. With decoding on, complete frames go through libvpx and
 * each decoded picture's hash is compared with the clip's reference for the
 * layer and position that the frame's mark names: a difference is
 * corruption. Without decoding, a complete frame that could be decoded
 * counts as shown. A layer switch by the SFU is seen in the marks (the
 * stream id names the layer) and needs nothing else: the decoder continues
 * with the new layer's keyframe.
 *
 * A freeze is an interval between two shown frames longer than freeze_us
 * on the caller's clock; its whole length counts as frozen time. */
#ifndef SAMTALE_LOAD_VP8_RECV_H
#define SAMTALE_LOAD_VP8_RECV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tests/load/vp8_clip.h"

#define LG_VP8_RX_SLOTS 256     /* packets held for reordering and reassembly */
#define LG_VP8_RX_PKT_MAX 1500  /* longest packet accepted */
#define LG_VP8_RX_REORDER 32    /* default reorder window, packets */
#define LG_VP8_FREEZE_US 500000 /* default freeze threshold */

struct lg_vp8_recv_cfg {
    const struct lg_vp8_clip *clip; /* borrowed; outlives the receiver */
    bool decode;
    unsigned reorder;       /* 1..LG_VP8_RX_SLOTS/2; 0 = LG_VP8_RX_REORDER */
    uint64_t freeze_us;     /* 0 = LG_VP8_FREEZE_US */
    uint64_t join_us;       /* when the subscriber joined */
    bool check_participant; /* marks must name this publisher: */
    uint32_t participant;   /* (see lg_stream_id) */
};

struct lg_vp8_recv_stats {
    /* packets */
    uint64_t packets;    /* accepted */
    uint64_t lost;       /* given up after the reorder window */
    uint64_t duplicates; /* the same sequence number twice */
    uint64_t late;       /* arrived after being given up */
    uint64_t invalid;    /* not RTP, too long, or no VP8 payload descriptor */
    uint64_t unmarked;   /* without the generator's mark (e.g. retransmissions) */
    uint64_t foreign;    /* marked as another publisher's, or not as a video layer */
    /* frames */
    uint64_t complete;
    uint64_t incomplete;    /* some packet lost */
    uint64_t missing;       /* whole frames lost (PictureID gaps) */
    uint64_t skipped;       /* complete, but after a loss and before a keyframe */
    uint64_t shown;         /* decoded, or decodable when not decoding */
    uint64_t decoded;       /* by libvpx */
    uint64_t decode_errors; /* libvpx refused the frame or gave no picture */
    uint64_t corrupt;       /* decoded picture differs from the reference */
    uint64_t unverified;    /* decoded, but no mark to name the reference */
    uint64_t keyframes;     /* complete keyframes */
    uint64_t layer_switches;
    int layer; /* of the last shown frame; -1 before */
    /* time */
    uint64_t freezes;
    uint64_t frozen_us;     /* total length of the freezes */
    uint64_t frozen_now_us; /* the freeze going on at now_us, not yet counted */
    bool has_first;
    uint64_t join_to_first_us; /* join to the first shown frame */
    double fps;                /* shown frames per second between first and last */
};

struct lg_vp8_recv;

/* ERR_INVAL for a bad configuration, ERR_NOMEM, ERR_IO (libvpx). */
int lg_vp8_recv_create(struct lg_vp8_recv **out, const struct lg_vp8_recv_cfg *cfg);
void lg_vp8_recv_destroy(struct lg_vp8_recv *r);

/* Turns decoding on or off (the caller picks which streams to decode);
 * turned on, it waits for the next keyframe. ERR_NOMEM, ERR_IO. */
int lg_vp8_recv_set_decode(struct lg_vp8_recv *r, bool on);

/* One RTP packet (unprotected). 0, or ERR_PARSE / ERR_TOOBIG for a packet
 * that is counted as invalid and otherwise ignored. */
int lg_vp8_recv_input(struct lg_vp8_recv *r, uint64_t now_us, const uint8_t *pkt, size_t len);

/* Gives up on every packet still missing (the stream ended or stalled):
 * whatever is held is processed as if the reorder window had passed, and
 * a frame still waiting for its last packets ends incomplete (their number
 * counted as lost from the frame's mark, else one). */
void lg_vp8_recv_flush(struct lg_vp8_recv *r, uint64_t now_us);

/* True while the stream waits for a keyframe to show anything again. */
bool lg_vp8_recv_keyframe_wanted(const struct lg_vp8_recv *r);

void lg_vp8_recv_stats(const struct lg_vp8_recv *r, uint64_t now_us, struct lg_vp8_recv_stats *out);

#endif
