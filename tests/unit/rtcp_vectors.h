/* Shared vectors and helpers for test_rtcp.c and test_rtcp_fb.c. */
#ifndef RTCP_VECTORS_H
#define RTCP_VECTORS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/rtcp.h"
#include "base/err.h"
#include "tests/unit/seed_dump.h"

/* ---- vectors ---- */
/* clang-format off */

/* SR with one report block. */
static __attribute__((unused)) const uint8_t sr_vec[] = {
    0x81, 0xc8, 0x00, 0x0c, /* V=2 P=0 RC=1 | PT=200 (SR) | length 12: 52 bytes */
    0x11, 0x22, 0x33, 0x44, /* sender SSRC */
    0xe1, 0xd2, 0xc3, 0xb4, /* NTP seconds */
    0x12, 0x34, 0x56, 0x78, /* NTP fraction */
    0x00, 0x00, 0x10, 0x00, /* RTP timestamp 4096 */
    0x00, 0x00, 0x00, 0x64, /* sender's packet count 100 */
    0x00, 0x00, 0x32, 0x00, /* sender's octet count 12800 */
    0x55, 0x66, 0x77, 0x88, /* report block: source SSRC */
    0x10, 0xff, 0xff, 0xff, /* fraction lost 16/256 | cumulative lost -1 */
    0x00, 0x01, 0x10, 0x00, /* extended highest sequence 0x11000 */
    0x00, 0x00, 0x00, 0x20, /* interarrival jitter 32 */
    0xc3, 0xb4, 0x12, 0x34, /* LSR */
    0x00, 0x01, 0x00, 0x00, /* DLSR: 1 s */
};

/* A compound packet as a receiver sends it: RR, SDES CNAME, PLI, BYE. */
static __attribute__((unused)) const uint8_t compound_vec[] = {
    0x80, 0xc9, 0x00, 0x01,             /* RR, RC=0, 8 bytes */
    0x00, 0x00, 0x00, 0x01,             /* SSRC 1 */
    0x81, 0xca, 0x00, 0x03,             /* SDES, SC=1, 16 bytes */
    0x00, 0x00, 0x00, 0x01,             /* chunk SSRC 1 */
    0x01, 0x04, 'a', 'b', 'c', 'd',     /* CNAME "abcd" */
    0x00, 0x00,                         /* null item, padding */
    0x81, 0xce, 0x00, 0x02,             /* PSFB FMT=1 (PLI), 12 bytes */
    0x00, 0x00, 0x00, 0x01,             /* sender SSRC */
    0x12, 0x34, 0x56, 0x78,             /* media SSRC */
    0x81, 0xcb, 0x00, 0x03,             /* BYE, SC=1, 16 bytes */
    0x00, 0x00, 0x00, 0x01,             /* SSRC 1 */
    0x07, 'c', 'l', 'o', 's', 'i', 'n', 'g', /* reason */
};

/* SDES: two chunks, the first with NAME and CNAME, the second empty. */
static __attribute__((unused)) const uint8_t sdes_vec[] = {
    0x82, 0xca, 0x00, 0x06,       /* SDES, SC=2, 28 bytes */
    0x00, 0x00, 0x00, 0x0a,       /* chunk SSRC 10 */
    0x02, 0x03, 'B', 'o', 'b',    /* NAME "Bob" */
    0x01, 0x02, 'x', 'y',         /* CNAME "xy" */
    0x00, 0x00, 0x00,             /* null item + padding to 32 bits */
    0x00, 0x00, 0x00, 0x0b,       /* chunk SSRC 11 */
    0x00, 0x00, 0x00, 0x00,       /* no items: null item + padding */
};

/* Generic NACK with two pairs. */
static __attribute__((unused)) const uint8_t nack_vec[] = {
    0x81, 0xcd, 0x00, 0x04, /* RTPFB FMT=1, 20 bytes */
    0x00, 0x00, 0x00, 0x01, /* sender SSRC */
    0x00, 0x00, 0x00, 0x02, /* media SSRC */
    0x00, 0x64, 0x80, 0x01, /* PID 100, BLP bits 0 and 15: 101, 116 */
    0xff, 0xff, 0x00, 0x01, /* PID 65535, BLP bit 0: 0 (wraps) */
};

/* FIR with one entry. */
static __attribute__((unused)) const uint8_t fir_vec[] = {
    0x84, 0xce, 0x00, 0x04, /* PSFB FMT=4, 20 bytes */
    0x00, 0x00, 0x00, 0x01, /* sender SSRC */
    0x00, 0x00, 0x00, 0x00, /* media SSRC: unused, 0 */
    0x12, 0x34, 0x56, 0x78, /* SSRC of the stream to refresh */
    0x05, 0x00, 0x00, 0x00, /* command sequence 5, reserved */
};

/* REMB: 1 Mbit/s for one SSRC. 1000000 = 250000 << 2. */
static __attribute__((unused)) const uint8_t remb_vec[] = {
    0x8f, 0xce, 0x00, 0x05, /* PSFB FMT=15 (AFB), 24 bytes */
    0x00, 0x00, 0x00, 0x01, /* sender SSRC */
    0x00, 0x00, 0x00, 0x00, /* media SSRC 0 */
    'R',  'E',  'M',  'B',  /* identifier */
    0x01, 0x0b, 0xd0, 0x90, /* num SSRC 1 | exp 2 | mantissa 250000 */
    0x12, 0x34, 0x56, 0x78, /* SSRC */
};

/* transport-cc: one run-length chunk for 5 received packets. */
static __attribute__((unused)) const uint8_t twcc_run_vec[] = {
    0x8f, 0xcd, 0x00, 0x06,       /* RTPFB FMT=15, 28 bytes */
    0x00, 0x00, 0x00, 0x01,       /* sender SSRC */
    0x00, 0x00, 0x00, 0x02,       /* media SSRC */
    0x00, 0x0a,                   /* base sequence 10 */
    0x00, 0x05,                   /* packet status count 5 */
    0x00, 0x00, 0x10,             /* reference time 16 (x 64 ms) */
    0x03,                         /* feedback packet count 3 */
    0x20, 0x05,                   /* run length: T=0 S=01 (small delta) length 5 */
    0x04, 0x01, 0x00, 0xff, 0x08, /* deltas: 1 ms, 0.25, 0, 63.75, 2 ms */
    0x00,                         /* padding */
};

/* transport-cc across the sequence wrap: a two-bit vector (with a large
 * negative delta), then a one-bit vector; reference time -2. */
static __attribute__((unused)) const uint8_t twcc_vec_vec[] = {
    0x8f, 0xcd, 0x00, 0x07, /* RTPFB FMT=15, 32 bytes */
    0x00, 0x00, 0x00, 0x01, /* sender SSRC */
    0x00, 0x00, 0x00, 0x02, /* media SSRC */
    0xff, 0xfe,             /* base sequence 65534 */
    0x00, 0x0a,             /* status count 10 */
    0xff, 0xff, 0xfe,       /* reference time -2 */
    0xff,                   /* feedback packet count 255 */
    0xd2, 0x41, /* 2-bit vector: 01 00 10 01 00 00 01 (small lost large small lost lost small) */
    0xb0, 0x00, /* 1-bit vector: 1 1 0 (then unused zeros) */
    0x10,       /* seq 65534: 4 ms */
    0xff, 0x38, /* seq 0: -200 ticks = -50 ms */
    0x00,       /* seq 1: 0 */
    0x28,       /* seq 4: 10 ms */
    0x01,       /* seq 5 */
    0x02,       /* seq 6 */
    0x00,       /* padding */
};

static __attribute__((unused)) const uint8_t app_vec[] = {
    0x80, 0xcc, 0x00, 0x02, /* APP subtype 0, 12 bytes */
    0x00, 0x00, 0x00, 0x07, /* SSRC */
    'n',  'a',  'm',  'e',
};

static __attribute__((unused)) const uint8_t xr_vec[] = {
    0x80, 0xcf, 0x00, 0x01, /* XR, 8 bytes */
    0x00, 0x00, 0x00, 0x09,
};

/* clang-format on */

/* Everything the builders make, one after another; boundaries in ends[]. */
static inline size_t build_everything(uint8_t *buf, size_t cap, size_t *ends, size_t *nends)
{
    struct rtcp_sr sr = {.ssrc = 1, .ntp = 0x0102030405060708, .rtp_ts = 9, .report_count = 2};
    static const uint16_t lost[] = {10, 11, 12, 30, 65535, 4};
    static const struct rtcp_fir_entry fir[] = {{0x1111, 1}, {0x2222, 2}};
    static const uint32_t remb_ssrcs[] = {0x3333, 0x4444};
    static const uint32_t bye_ssrcs[] = {1, 0x5555};
    static const struct rtcp_twcc_recv recv[] = {
        {100, 1000000}, {101, 1000250}, {104, 1020000}, {105, 1010000}, {130, 1100000}};
    struct wr w;
    size_t n = 0;

    sr.reports[0] = (struct rtcp_report_block){0xaaaa, 1, -5, 70000, 3, 4, 5};
    sr.reports[1] = (struct rtcp_report_block){0xbbbb, 255, 0x7fffff, 1, 2, 3, 4};
    wr_init(&w, buf, cap);
#define STEP(call)                                                                                 \
    do {                                                                                           \
        assert_int_equal((call), 0);                                                               \
        ends[n++] = (size_t)(w.p - buf);                                                           \
    } while (0)
    STEP(rtcp_build_sr(&w, &sr));
    STEP(rtcp_build_sdes_cname(&w, 1, "user@host", 9));
    STEP(rtcp_build_nack(&w, 1, 0x3333, lost, 6));
    STEP(rtcp_build_pli(&w, 1, 0x3333));
    STEP(rtcp_build_fir(&w, 1, fir, 2));
    STEP(rtcp_build_remb(&w, 1, 2500000, remb_ssrcs, 2));
    STEP(rtcp_build_twcc(&w, 1, 0x3333, 7, recv, 5));
    STEP(rtcp_build_bye(&w, bye_ssrcs, 2, "bye", 3));
#undef STEP
    *nends = n;
    return (size_t)(w.p - buf);
}

/* Iterates and runs every parser that applies; returns the block count or
 * -1 when the iterator failed. Parser results only need to be sane. */
static inline int parse_all(const uint8_t *buf, size_t len)
{
    struct rtcp_iter it;
    struct rtcp_block b;
    int n = 0;

    rtcp_iter_init(&it, buf, len);
    while (rtcp_iter_next(&it, &b)) {
        struct rtcp_sr sr;
        struct rtcp_rr rr;
        struct rtcp_sdes sdes;
        struct rtcp_bye bye;
        struct rtcp_fb fb;
        struct rtcp_fir fir;
        struct rtcp_remb remb;
        struct rtcp_twcc tw;
        struct rtcp_twcc_pkt pkts[64];
        uint16_t seqs[RTCP_NACK_MAX_SEQS];
        size_t count;

        assert_true(b.body_len + RTCP_HEADER_LEN <= b.len);
        (void)rtcp_parse_sr(&sr, &b);
        (void)rtcp_parse_rr(&rr, &b);
        (void)rtcp_parse_sdes(&sdes, &b, NULL, NULL);
        (void)rtcp_parse_bye(&bye, &b);
        if (rtcp_parse_fb(&fb, &b) == 0) {
            (void)rtcp_parse_nack(&fb, seqs, RTCP_NACK_MAX_SEQS, &count);
            (void)rtcp_parse_fir(&fir, &fb);
            (void)rtcp_parse_remb(&remb, &fb);
            (void)rtcp_parse_twcc(&tw, pkts, 64, &fb);
        }
        n++;
    }
    return it.err ? -1 : n;
}

/* The n-th block of buf. */
static inline void nth_block(const uint8_t *buf, size_t len, int n, struct rtcp_block *b)
{
    struct rtcp_iter it;

    rtcp_iter_init(&it, buf, len);
    for (int i = 0; i <= n; i++)
        assert_true(rtcp_iter_next(&it, b));
}

static inline void fb_of(const uint8_t *buf, size_t len, struct rtcp_fb *fb)
{
    struct rtcp_block b;

    nth_block(buf, len, 0, &b);
    assert_int_equal(rtcp_parse_fb(fb, &b), 0);
}

#endif /* RTCP_VECTORS_H */
