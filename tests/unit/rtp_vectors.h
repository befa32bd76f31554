/* Shared vectors and helpers for test_rtp.c and test_rtp_codec.c. */
#ifndef RTP_VECTORS_H
#define RTP_VECTORS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/rtp.h"
#include "base/err.h"
#include "tests/unit/seed_dump.h"

/* ---- vectors ---- */
/* clang-format off */

/* A Chromium-like VP8 keyframe packet: one-byte extensions abs-send-time
 * (id 2), transport-wide-cc (id 3) and mid (id 4), then a VP8 descriptor with
 * a 15-bit PictureID and the start of a key frame. */
static __attribute__((unused)) const uint8_t chromium_vp8[] = {
    0x90, 0x60,             /* V=2 P=0 X=1 CC=0 | M=0 PT=96 */
    0x12, 0x34,             /* sequence 0x1234 */
    0x00, 0x01, 0xe2, 0x40, /* timestamp 123456 */
    0xde, 0xad, 0xbe, 0xef, /* SSRC */
    0xbe, 0xde, 0x00, 0x03, /* one-byte form, 3 words */
    0x22, 0x12, 0x34, 0x56, /* id 2 L=2: abs-send-time 0x123456 */
    0x31, 0x00, 0x2a,       /* id 3 L=1: transport-wide seq 42 */
    0x40, '0',              /* id 4 L=0: mid "0" */
    0x00, 0x00, 0x00,       /* padding to 32 bits */
    /* VP8 payload descriptor */
    0x90,       /* X=1 N=0 S=1 PID=0 */
    0x80,       /* I=1 */
    0x81, 0x23, /* M=1 PictureID 0x0123 */
    /* VP8 payload header: size0=2 show_frame=1 ver=0 P=0 (key frame) */
    0x50, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01};

/* Two-byte form (0x1000) with an empty element, padding and a 17-byte
 * element that the one-byte form could not carry; marker set, PT 111. */
static __attribute__((unused)) const uint8_t two_byte_ext[] = {
    0x90, 0xef,             /* V=2 X=1 | M=1 PT=111 */
    0xff, 0xff,             /* sequence 65535 */
    0x00, 0x00, 0x00, 0x01, /* timestamp 1 */
    0x01, 0x02, 0x03, 0x04, /* SSRC */
    0x10, 0x00, 0x00, 0x07, /* two-byte form, appbits 0, 7 words */
    0x05, 0x00,             /* id 5, length 0 */
    0x00,                   /* padding */
    0x0a, 0x11,             /* id 10 (rid), 17 bytes: */
    'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 'q',
    0x01, 0x01, 0x8f,       /* id 1, 1 byte: audio level, voice, 15 dBov */
    0x00, 0x00, 0x00,       /* padding: 2+1+19+3 = 25 bytes, 3 more to 28 */
    0xfc, 0xff, 0xfe};      /* payload */

/* CC=2 with two CSRCs and 4 bytes of padding around a 3-byte payload. */
static __attribute__((unused)) const uint8_t csrc_padding[] = {
    0xa2, 0x08,             /* V=2 P=1 X=0 CC=2 | M=0 PT=8 (PCMA) */
    0x00, 0x07,             /* sequence 7 */
    0x00, 0x00, 0x03, 0x20, /* timestamp 800 */
    0xca, 0xfe, 0xba, 0xbe, /* SSRC */
    0x00, 0x00, 0x00, 0x11, /* CSRC 1 */
    0x00, 0x00, 0x00, 0x22, /* CSRC 2 */
    0xd5, 0xd5, 0xd5,       /* payload */
    0x00, 0x00, 0x00, 0x04  /* padding, count 4 */
};

/* An Opus packet with one-byte ssrc-audio-level (id 1) and
 * video-orientation-like byte (id 13) to exercise both readers. */
static __attribute__((unused)) const uint8_t audio_level[] = {
    0x90, 0x6f,             /* X=1 | PT=111 */
    0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09,
    0xbe, 0xde, 0x00, 0x01, /* one-byte form, 1 word */
    0x10, 0x9e,             /* id 1 L=0: V=1 level 30 */
    0xd0, 0x0b,             /* id 13 L=0: C=1 F=0 R=3 (270 degrees) */
    0xfc};

/* VP8 descriptors. */
static __attribute__((unused)) const uint8_t vp8_key_full[] = {
    0xf0,       /* X=1 N=1 S=1 PID=0 */
    0xf0,       /* I=1 L=1 T=1 K=1 */
    0x7f,       /* M=0 PictureID 127 */
    0x05,       /* TL0PICIDX 5 */
    0xa3,       /* TID=2 Y=1 KEYIDX=3 */
    0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a};
static __attribute__((unused)) const uint8_t vp8_delta[] = {
    0x90, 0x80, 0x81, 0x24, /* X S | I | PictureID 0x0124 */
    0x31, 0x02, 0x00};      /* P=1: inter frame */
static __attribute__((unused)) const uint8_t vp8_continuation[] = {0x00, 0x50, 0x02}; /* S=0: middle of frame */
static __attribute__((unused)) const uint8_t vp8_pid1[] = {0x11, 0x50};               /* S=1 PID=1 */

/* H.264 STAP-A carrying SPS, PPS and an IDR slice. */
static __attribute__((unused)) const uint8_t h264_stap_a[] = {
    0x78,                                                       /* F=0 NRI=3 type 24 */
    0x00, 0x0a,                                                 /* 10 bytes: */
    0x67, 0x42, 0xc0, 0x1f, 0xda, 0x01, 0x40, 0x16, 0xec, 0x04, /* SPS (7) */
    0x00, 0x04,                                                 /* 4 bytes: */
    0x68, 0xce, 0x3c, 0x80,                                     /* PPS (8) */
    0x00, 0x05,                                                 /* 5 bytes: */
    0x65, 0x88, 0x84, 0x00, 0x33};                              /* IDR slice (5) */
static __attribute__((unused)) const uint8_t h264_stap_a_delta[] = {
    0x78, 0x00, 0x02, 0x06, 0x05, /* SEI (6) */
    0x00, 0x03, 0x41, 0x9a, 0x00}; /* non-IDR slice (1) */
static __attribute__((unused)) const uint8_t h264_fu_a_start_idr[] = {0x7c, 0x85, 0xb8, 0x00}; /* FU-A S=1 type 5 */
static __attribute__((unused)) const uint8_t h264_fu_a_mid_idr[] = {0x7c, 0x05, 0xb8, 0x00};   /* FU-A S=0 type 5 */
static __attribute__((unused)) const uint8_t h264_single_idr[] = {0x65, 0x88, 0x80};
static __attribute__((unused)) const uint8_t h264_single_p[] = {0x41, 0x9a, 0x00};

/* clang-format on */

/* RTP packet = 12-byte header (PT 96, marker 0) + payload, for codec seeds. */
static inline size_t wrap_rtp(uint8_t *out, size_t cap, const uint8_t *payload, size_t len)
{
    static const uint8_t hdr[12] = {0x80, 0x60, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3};

    assert_true(cap >= sizeof(hdr) + len);
    memcpy(out, hdr, sizeof(hdr));
    memcpy(out + sizeof(hdr), payload, len);
    return sizeof(hdr) + len;
}

#endif /* RTP_VECTORS_H */
