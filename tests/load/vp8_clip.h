/* The load generator's video: a short synthetic clip encoded once with
 * libvpx VP8 as up to three simulcast layers (three independent encoders),
 * then re-packetized by every publisher (vp8_send.h) for as long as the run
 * lasts. The clip has N frames; position 0 and every K-th position after it
 * are keyframes (K divides N), so playing position N-1 and then position 0
 * again is a clean loop, and a keyframe request can jump to the next
 * keyframe position.
 *
 * The content changes every frame (a moving texture, plus the position
 * drawn in as a row of large blocks), so every decoded frame differs. Each
 * layer's frames are decoded once after encoding; the 64-bit hash of every
 * decoded picture (lg_vp8_i420_hash) is the reference a receiver compares
 * its own decoded frames against (vp8_recv.h).
 *
 * With three temporal layers (the default, as Chromium sends simulcast),
 * frames follow the pattern TL0 TL2 TL1 TL2 after every keyframe: TL0
 * refers to and updates LAST, TL1 refers to LAST and GOLDEN and updates
 * GOLDEN, TL2 updates nothing (the first refers to LAST, the second to
 * both). Error-resilient mode keeps no entropy context from frame to frame,
 * so a receiver that lost a frame can go on with the frames whose
 * references are intact. With one temporal layer, every delta frame counts
 * as referring to and updating both. */
#ifndef SAMTALE_LOAD_VP8_CLIP_H
#define SAMTALE_LOAD_VP8_CLIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LG_VP8_MAX_LAYERS 3
#define LG_VP8_MAX_DIM 1920            /* width or height, pixels */
#define LG_VP8_MAX_FRAMES 3000         /* clip length N */
#define LG_VP8_MAX_FRAME_BYTES 0x40000 /* one encoded frame */

struct lg_vp8_layer_cfg {
    unsigned width, height; /* even, 16..LG_VP8_MAX_DIM */
    unsigned kbps;          /* target bitrate */
};

struct lg_vp8_clip_cfg {
    unsigned n_layers; /* 1..LG_VP8_MAX_LAYERS, lowest first */
    struct lg_vp8_layer_cfg layer[LG_VP8_MAX_LAYERS];
    unsigned fps;             /* 1..120 */
    unsigned frames;          /* N: 1..LG_VP8_MAX_FRAMES */
    unsigned key_interval;    /* K: divides N */
    unsigned temporal_layers; /* 1 or 3 */
};

/* Reference buffers a frame refers to or updates (the alternate one is
 * never used on its own: it goes with GOLDEN). */
#define LG_VP8_BUF_LAST 1
#define LG_VP8_BUF_GOLDEN 2
#define LG_VP8_BUF_ALL 3

/* One encoded frame of one layer. */
struct lg_vp8_frame {
    const uint8_t *data; /* the VP8 frame, borrowed from the clip */
    size_t len;
    bool key;
    bool droppable;  /* updates no reference buffer and no entropy context */
    uint8_t tid;     /* temporal layer, 0 with one temporal layer */
    bool layer_sync; /* refers only to TL0 frames (the Y bit) */
    uint8_t refs;    /* LG_VP8_BUF_*: 0 for a keyframe */
    uint8_t updates; /* LG_VP8_BUF_*: 0 when droppable */
};

struct lg_vp8_clip;

/* 320x180 at 150 kbit/s, 640x360 at 500, 1280x720 at 1500; 30 fps;
 * 120 frames with a keyframe every 60; three temporal layers. */
void lg_vp8_clip_cfg_default(struct lg_vp8_clip_cfg *cfg);

/* Encodes and decodes the whole clip (the cost is paid here, once).
 * ERR_INVAL for a bad configuration, ERR_NOMEM, ERR_IO when libvpx fails,
 * ERR_TOOBIG when a frame exceeds LG_VP8_MAX_FRAME_BYTES. */
int lg_vp8_clip_create(struct lg_vp8_clip **out, const struct lg_vp8_clip_cfg *cfg);
void lg_vp8_clip_destroy(struct lg_vp8_clip *c);

const struct lg_vp8_clip_cfg *lg_vp8_clip_cfg(const struct lg_vp8_clip *c);
/* The frame of `layer` at `pos` (both in range, else false). */
bool lg_vp8_clip_frame(const struct lg_vp8_clip *c, unsigned layer, unsigned pos,
                       struct lg_vp8_frame *out);
/* The reference hash of the decoded frame of `layer` at `pos`. */
uint64_t lg_vp8_clip_hash(const struct lg_vp8_clip *c, unsigned layer, unsigned pos);
/* CPU time (this thread's) spent encoding and decoding in create, in µs. */
uint64_t lg_vp8_clip_cost_us(const struct lg_vp8_clip *c);
/* Bytes of encoded frames of one layer over the whole clip. */
size_t lg_vp8_clip_bytes(const struct lg_vp8_clip *c, unsigned layer);

/* Hash of an I420 picture's visible pixels: Y is w x h, U and V are
 * (w+1)/2 x (h+1)/2; rows at the given strides. */
uint64_t lg_vp8_i420_hash(const uint8_t *const plane[3], const int stride[3], unsigned w,
                          unsigned h);

#endif
