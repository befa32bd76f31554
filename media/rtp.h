/* RTP (RFC 3550): bounds-checked parsing into a view, RFC 8285 header
 * extensions, in-place rewriting for an SFU, sequence-number arithmetic and
 * keyframe detection for VP8 (RFC 7741) and H.264 (RFC 6184).
 *
 * Sans-IO and allocation-free: parsers return views (pointer + length) into
 * the caller's buffer, which must outlive the view. Functions return 0 or a
 * negative ERR_* code from base/err.h. */
#ifndef SAMTALE_RTP_H
#define SAMTALE_RTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "media/rd.h"

#define RTP_VERSION 2
#define RTP_HEADER_MIN 12   /* fixed header, no CSRCs, no extension */
#define RTP_MAX_CSRC 15     /* the CC field is 4 bits */
#define RTP_EXT_STR_MAX 255 /* longest mid/rid value (two-byte form element) */

/* RFC 8285 extension block "defined by profile" values. */
#define RTP_EXT_PROFILE_ONE_BYTE 0xBEDE
#define RTP_EXT_PROFILE_TWO_BYTE 0x1000 /* low 4 bits are "appbits" */
#define RTP_EXT_PROFILE_TWO_BYTE_MASK 0xFFF0

/* A parsed RTP packet. All pointers are views into the parsed buffer. */
struct rtp_packet {
    bool padding;   /* P bit */
    bool extension; /* X bit */
    bool marker;
    uint8_t csrc_count;
    uint8_t pt; /* payload type, 0..127 */
    uint16_t seq;
    uint32_t timestamp;
    uint32_t ssrc;
    uint32_t csrc[RTP_MAX_CSRC];
    uint16_t ext_profile;   /* "defined by profile" word; 0 when !extension */
    const uint8_t *ext;     /* extension data after its 4-byte header */
    size_t ext_len;         /* in bytes, a multiple of 4 */
    size_t header_len;      /* fixed header + CSRCs + whole extension block */
    const uint8_t *payload; /* excludes padding */
    size_t payload_len;
    uint8_t padding_len; /* 0 when !padding */
};

/* Parses one RTP packet. Rejects: version != 2, truncation anywhere, an
 * extension block longer than the packet, and padding whose count is 0 or
 * longer than what follows the header. ERR_PARSE on any of those. */
int rtp_parse(struct rtp_packet *pkt, const uint8_t *buf, size_t len);

/* Demultiplexing (RFC 7983 first-byte ranges, RFC 5761 RTP/RTCP on one
 * port): true for a version-2 packet of at least the minimum size whose
 * second byte (marker bit masked off) is outside 64..95 (RTP) or inside
 * 64..95, i.e. RTCP packet types 192..223 (RTCP). */
bool rtp_is_rtp(const uint8_t *buf, size_t len);
bool rtp_is_rtcp(const uint8_t *buf, size_t len);

/* ---- Header extensions (RFC 8285) ---- */

enum rtp_ext_form {
    RTP_EXT_FORM_NONE = 0,
    RTP_EXT_FORM_ONE_BYTE, /* 0xBEDE: ids 1..14, 1..16 data bytes */
    RTP_EXT_FORM_TWO_BYTE, /* 0x100X: ids 1..255, 0..255 data bytes */
    RTP_EXT_FORM_OTHER,    /* some other profile: not iterable */
};

struct rtp_ext_elem {
    uint8_t id;
    uint8_t len; /* data bytes */
    const uint8_t *data;
};

struct rtp_ext_iter {
    struct rd r;
    enum rtp_ext_form form;
    bool err; /* set when the block was malformed; check after the loop */
};

enum rtp_ext_form rtp_ext_form(const struct rtp_packet *pkt);

/* Iterates the elements of pkt's extension block, skipping padding bytes.
 * A one-byte element with id 15, or id 0 with a non-zero length, ends the
 * block (RFC 8285 4.2). The loop ends with it->err set when an element runs
 * past the block.
 *     struct rtp_ext_iter it; struct rtp_ext_elem e;
 *     rtp_ext_iter_init(&it, &pkt);
 *     while (rtp_ext_next(&it, &e)) ...;
 *     if (it.err) ... */
void rtp_ext_iter_init(struct rtp_ext_iter *it, const struct rtp_packet *pkt);
bool rtp_ext_next(struct rtp_ext_iter *it, struct rtp_ext_elem *out);

/* The first element with this id: 0, ERR_NOTFOUND, or ERR_PARSE when the
 * block is malformed before an element with this id is found. */
int rtp_ext_find(const struct rtp_packet *pkt, uint8_t id, struct rtp_ext_elem *out);

/* Overwrites, in buf, the data of an existing element `id` that has exactly
 * `len` data bytes (transport-wide seq, abs-send-time...). buf must hold a
 * valid RTP packet. ERR_PARSE, ERR_NOTFOUND, or ERR_PROTO if the element's
 * length differs from len (nothing is written then). */
int rtp_ext_set(uint8_t *buf, size_t buf_len, uint8_t id, const uint8_t *data, size_t len);
int rtp_ext_set_twcc_seq(uint8_t *buf, size_t buf_len, uint8_t id, uint16_t seq);
int rtp_ext_set_abs_send_time(uint8_t *buf, size_t buf_len, uint8_t id, uint32_t ast24);

/* Readers for common extensions, given an element found by its negotiated id.
 * All return 0 or ERR_PARSE (wrong length or contents). */

/* sdes:mid, rtp-stream-id, repaired-rtp-stream-id: a non-empty token. A NUL
 * byte ends the value (one-byte form padding). Writes a NUL-terminated
 * string; ERR_TOOBIG if cap is too small (cap RTP_EXT_STR_MAX + 1 always
 * fits). Characters outside the RFC 4566 token set are ERR_PARSE. */
int rtp_ext_read_string(const struct rtp_ext_elem *e, char *out, size_t cap);

/* ssrc-audio-level (RFC 6464): V flag and level in -dBov (0 loudest, 127). */
int rtp_ext_read_audio_level(const struct rtp_ext_elem *e, bool *voice, uint8_t *level);

/* transport-wide-cc-extensions-01: 16-bit transport-wide sequence number. */
int rtp_ext_read_twcc_seq(const struct rtp_ext_elem *e, uint16_t *seq);

/* abs-send-time: 24-bit 6.18 fixed-point seconds. */
int rtp_ext_read_abs_send_time(const struct rtp_ext_elem *e, uint32_t *ast24);
/* Microseconds (any epoch) to the 24-bit abs-send-time value. */
uint32_t rtp_abs_send_time_from_us(uint64_t us);

/* urn:3gpp:video-orientation (3GPP TS 26.114): 0 0 0 0 C F R1 R0. */
struct rtp_video_orientation {
    bool back_camera;  /* C */
    bool flip;         /* F: horizontal flip */
    uint16_t rotation; /* degrees clockwise: 0, 90, 180, 270 */
};
int rtp_ext_read_video_orientation(const struct rtp_ext_elem *e, struct rtp_video_orientation *out);

/* ---- In-place rewriting of the fixed header ----
 * buf must start with a version-2 header of at least RTP_HEADER_MIN bytes,
 * else ERR_PARSE. rtp_set_pt: ERR_INVAL for pt > 127. */
int rtp_set_ssrc(uint8_t *buf, size_t len, uint32_t ssrc);
int rtp_set_seq(uint8_t *buf, size_t len, uint16_t seq);
int rtp_set_timestamp(uint8_t *buf, size_t len, uint32_t ts);
int rtp_set_pt(uint8_t *buf, size_t len, uint8_t pt);
int rtp_set_marker(uint8_t *buf, size_t len, bool marker);

/* ---- Sequence numbers ---- */

/* True when a is newer than b modulo 2^16 (a half-range apart: the larger
 * value is newer, so exactly one of newer(a,b), newer(b,a) holds if a != b). */
bool rtp_seq_newer(uint16_t a, uint16_t b);

/* Unwraps 16-bit sequence numbers to a 64-bit count, following wraps both
 * forwards and backwards (a packet older than the first gives a value below
 * the first one's, possibly negative). Zero-initialise before use. */
struct rtp_seq_unwrapper {
    int64_t last;
    bool started;
};
int64_t rtp_seq_unwrap(struct rtp_seq_unwrapper *u, uint16_t seq);

/* ---- Codec payloads ---- */

/* VP8 payload descriptor (RFC 7741 4.2). */
struct rtp_vp8_desc {
    bool non_reference; /* N */
    bool start;         /* S: start of a VP8 partition */
    uint8_t pid;        /* partition index, 0..7 */
    bool has_picture_id;
    bool picture_id_15; /* M: 15-bit PictureID */
    uint16_t picture_id;
    bool has_tl0picidx;
    uint8_t tl0picidx;
    bool has_tid; /* T */
    uint8_t tid;
    bool layer_sync; /* Y (valid with has_tid) */
    bool has_keyidx; /* K */
    uint8_t keyidx;
    size_t desc_len; /* bytes of descriptor before the VP8 payload */
    bool keyframe;   /* S set, PID 0 and the VP8 payload header's P bit 0 */
};
/* ERR_PARSE if the descriptor is truncated or no VP8 data follows it. */
int rtp_vp8_parse(struct rtp_vp8_desc *d, const uint8_t *payload, size_t len);

/* H.264 (RFC 6184): *keyframe set when a single NAL unit, an aggregated
 * NAL of a STAP-A/STAP-B, or the start of an FU-A/FU-B is an IDR slice (5)
 * or an SPS (7). ERR_PARSE on an empty payload, a truncated STAP or FU
 * header, or a zero-length aggregation unit. Other types (MTAP, reserved)
 * are not keyframes. */
int rtp_h264_is_keyframe(const uint8_t *payload, size_t len, bool *keyframe);

#endif
