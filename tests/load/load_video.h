/* The load generator's video (--video): the VP8 clip of vp8_clip.h encoded
 * once at start and shared by every thread, one camera track per
 * participant, and the RTCP that goes with video.
 *
 * Publish: a camera m-line (mid LG_VIDEO_MID) with three simulcast layers as
 * Chromium sends them (a=rid q, h, f and a=simulcast:send, one SSRC per
 * layer, learnt by the server from the mid and rid header extensions every
 * packet carries), or one layer with its SSRC in a=ssrc lines; with
 * feedback, RTX for each layer (load_repair.h). Every frame
 * is vp8_send.h's packets of the clip, with the generator's mark; a PLI or
 * FIR from the server for one of the layers makes that layer's next frame a
 * keyframe (lg_vp8_send_keyframe_request).
 *
 * Receive: every video stream (one per remote camera, whatever layer the
 * server forwards) goes through a vp8_recv.h checker, decoding with libvpx
 * when the stream is in the decoded sample (--decode). When the checker
 * waits for a keyframe the subscriber sends a PLI (RFC 4585 §6.3.1) for the
 * stream, at most every LG_VIDEO_PLI_US; every LG_VIDEO_RR_US it sends
 * receiver reports (RFC 3550 §6.4.2) for every stream it receives. NACKs
 * and transport-cc feedback are load_repair.h's. */
#ifndef SAMTALE_LOAD_VIDEO_H
#define SAMTALE_LOAD_VIDEO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tests/load/load_repair.h"
#include "tests/load/vp8_clip.h"
#include "tests/load/vp8_recv.h"
#include "tests/load/vp8_send.h"

#define LG_VIDEO_PT 96
#define LG_VIDEO_MID "1"
#define LG_VIDEO_PLI_US 300000 /* PLIs for one stream at most this often */
#define LG_VIDEO_RR_US 1000000 /* receiver reports */
#define LG_VIDEO_RTCP_CHECK_US 50000
#define LG_VIDEO_MIN_DIM 64 /* --video-size: the lowest layer is a quarter */

/* What the clip is made of (from the command line). */
struct lg_video_cfg {
    unsigned n_layers;                /* 1 or 3 */
    unsigned width, height;           /* top layer */
    unsigned kbps[LG_VP8_MAX_LAYERS]; /* per layer, lowest first */
    unsigned fps;                     /* 1..60 */
};

/* Encodes the clip: 4 s with a keyframe every 2 s; layers of 1/4, 1/2 and
 * 1/1 of the size (rounded down to even), as the server assumes. Returns
 * what lg_vp8_clip_create returns. */
int lg_video_clip_make(struct lg_vp8_clip **out, const struct lg_video_cfg *cfg);

/* The rid of layer k of n (lowest first): "q", "h", "f"; "" for one layer. */
const char *lg_video_rid(unsigned layer, unsigned n_layers);

/* One participant's camera (media thread, after the SSRCs which setup
 * fills). */
struct lg_video_pub {
    unsigned n_layers;
    uint32_t ssrc[LG_VP8_MAX_LAYERS];
    struct lg_vp8_send *send[LG_VP8_MAX_LAYERS];
    int64_t frame_us; /* 1 s / fps */
    int64_t next_frame_us;
    uint64_t frames;            /* frames sent, all layers counted once */
    uint64_t keyframe_requests; /* PLI and FIR for our SSRCs */
    /* Feedback, set before lg_video_pub_start (zero: none): the
     * transport-wide sequence extension id, and RTX (load_repair.h) with
     * its payload type, SSRCs and the repaired-rtp-stream-id id. */
    uint8_t ext_twcc, ext_rrid;
    bool rtx_on;
    uint8_t rtx_pt;
    uint32_t rtx_ssrc[LG_VP8_MAX_LAYERS];
    struct lg_rtx_sender rtx[LG_VP8_MAX_LAYERS];
};

/* Makes the layers' senders (and RTX histories, with rtx_on) once the
 * publish answer named the extension ids (0 = not negotiated). Returns 0,
 * ERR_INVAL or ERR_NOMEM. */
int lg_video_pub_start(struct lg_video_pub *v, const struct lg_vp8_clip *clip, uint32_t participant,
                       uint8_t ext_mid, uint8_t ext_rid, int64_t now_us);
void lg_video_pub_free(struct lg_video_pub *v);

/* An RTCP compound packet (unprotected) that came on the publish
 * connection: PLI and FIR for one of our SSRCs ask that layer for a
 * keyframe. Returns how many requests it carried (malformed input counts
 * nothing after the bad part). */
unsigned lg_video_pub_rtcp(struct lg_video_pub *v, const uint8_t *buf, size_t len);

/* Receive side of one received video stream (load.h's lg_rx_stream has
 * one). */
struct lg_video_rx {
    struct lg_vp8_recv *chk;
    bool failed; /* the checker could not be made */
    int64_t last_pli_us;
    uint64_t plis;
};

/* Feeds one unprotected RTP packet of a video stream; makes the checker on
 * the first (publisher `participant`, joined at join_us, decoding or not).
 * Returns 0, or the error that kept the checker from being made. */
int lg_video_rx_input(struct lg_video_rx *x, const struct lg_vp8_clip *clip, bool decode,
                      uint32_t participant, int64_t join_us, int64_t now_us, const uint8_t *pkt,
                      size_t len);
void lg_video_rx_free(struct lg_video_rx *x);

/* Writes the RTCP the subscriber owes now into buf[0..cap): a receiver
 * report for the streams rx[0..n) when rr is set (the first 31), and a PLI
 * for each video stream whose checker waits for a keyframe and had none for
 * LG_VIDEO_PLI_US. sender_ssrc is the subscriber's own. Returns the length
 * (0: nothing due) or ERR_TOOBIG. */
struct lg_rx_stream;
int lg_video_rtcp(struct lg_rx_stream *rx, size_t n, uint32_t sender_ssrc, bool rr, int64_t now_us,
                  uint8_t *buf, size_t cap);

#endif
