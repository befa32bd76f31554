/* Tests for media/rtcp.c and media/rtcp_fb.c: compound iteration, every
 * parser against handcrafted bytes, builder -> parser round trips, NACK and
 * transport-cc encoding, truncation and overlong lengths, SSRC rewriting.
 *
 * With SAMTALE_SEED_DIR set, the vectors are also written there as files:
 *   SAMTALE_SEED_DIR=tests/fuzz/corpus/rtcp build/debug/tests/test_rtcp */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/rtcp.h"
#include "server/err.h"

/* ---- vectors ---- */
/* clang-format off */

/* SR with one report block. */
static const uint8_t sr_vec[] = {
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
static const uint8_t compound_vec[] = {
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
static const uint8_t sdes_vec[] = {
    0x82, 0xca, 0x00, 0x06,       /* SDES, SC=2, 28 bytes */
    0x00, 0x00, 0x00, 0x0a,       /* chunk SSRC 10 */
    0x02, 0x03, 'B', 'o', 'b',    /* NAME "Bob" */
    0x01, 0x02, 'x', 'y',         /* CNAME "xy" */
    0x00, 0x00, 0x00,             /* null item + padding to 32 bits */
    0x00, 0x00, 0x00, 0x0b,       /* chunk SSRC 11 */
    0x00, 0x00, 0x00, 0x00,       /* no items: null item + padding */
};

/* Generic NACK with two pairs. */
static const uint8_t nack_vec[] = {
    0x81, 0xcd, 0x00, 0x04, /* RTPFB FMT=1, 20 bytes */
    0x00, 0x00, 0x00, 0x01, /* sender SSRC */
    0x00, 0x00, 0x00, 0x02, /* media SSRC */
    0x00, 0x64, 0x80, 0x01, /* PID 100, BLP bits 0 and 15: 101, 116 */
    0xff, 0xff, 0x00, 0x01, /* PID 65535, BLP bit 0: 0 (wraps) */
};

/* FIR with one entry. */
static const uint8_t fir_vec[] = {
    0x84, 0xce, 0x00, 0x04, /* PSFB FMT=4, 20 bytes */
    0x00, 0x00, 0x00, 0x01, /* sender SSRC */
    0x00, 0x00, 0x00, 0x00, /* media SSRC: unused, 0 */
    0x12, 0x34, 0x56, 0x78, /* SSRC of the stream to refresh */
    0x05, 0x00, 0x00, 0x00, /* command sequence 5, reserved */
};

/* REMB: 1 Mbit/s for one SSRC. 1000000 = 250000 << 2. */
static const uint8_t remb_vec[] = {
    0x8f, 0xce, 0x00, 0x05, /* PSFB FMT=15 (AFB), 24 bytes */
    0x00, 0x00, 0x00, 0x01, /* sender SSRC */
    0x00, 0x00, 0x00, 0x00, /* media SSRC 0 */
    'R',  'E',  'M',  'B',  /* identifier */
    0x01, 0x0b, 0xd0, 0x90, /* num SSRC 1 | exp 2 | mantissa 250000 */
    0x12, 0x34, 0x56, 0x78, /* SSRC */
};

/* transport-cc: one run-length chunk for 5 received packets. */
static const uint8_t twcc_run_vec[] = {
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
static const uint8_t twcc_vec_vec[] = {
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

static const uint8_t app_vec[] = {
    0x80, 0xcc, 0x00, 0x02, /* APP subtype 0, 12 bytes */
    0x00, 0x00, 0x00, 0x07, /* SSRC */
    'n',  'a',  'm',  'e',
};

static const uint8_t xr_vec[] = {
    0x80, 0xcf, 0x00, 0x01, /* XR, 8 bytes */
    0x00, 0x00, 0x00, 0x09,
};

/* clang-format on */

static void dump_seed(const char *name, const uint8_t *buf, size_t len)
{
    const char *dir = getenv("SAMTALE_SEED_DIR");
    char path[512];
    FILE *f;

    if (dir == NULL)
        return;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (f == NULL)
        return;
    fwrite(buf, 1, len, f);
    fclose(f);
}

/* Everything the builders make, one after another; boundaries in ends[]. */
static size_t build_everything(uint8_t *buf, size_t cap, size_t *ends, size_t *nends)
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

static int write_seeds(void **state)
{
    static const struct {
        const char *name;
        const uint8_t *buf;
        size_t len;
    } v[] = {
        {"sr", sr_vec, sizeof(sr_vec)},
        {"compound", compound_vec, sizeof(compound_vec)},
        {"sdes", sdes_vec, sizeof(sdes_vec)},
        {"nack", nack_vec, sizeof(nack_vec)},
        {"fir", fir_vec, sizeof(fir_vec)},
        {"remb", remb_vec, sizeof(remb_vec)},
        {"twcc_run", twcc_run_vec, sizeof(twcc_run_vec)},
        {"twcc_vectors", twcc_vec_vec, sizeof(twcc_vec_vec)},
    };
    uint8_t buf[1500];
    size_t ends[16], n;

    (void)state;
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        dump_seed(v[i].name, v[i].buf, v[i].len);
    dump_seed("everything", buf, build_everything(buf, sizeof(buf), ends, &n));
    memcpy(buf, app_vec, sizeof(app_vec));
    memcpy(buf + sizeof(app_vec), xr_vec, sizeof(xr_vec));
    dump_seed("app_xr", buf, sizeof(app_vec) + sizeof(xr_vec));
    return 0;
}

/* Iterates and runs every parser that applies; returns the block count or
 * -1 when the iterator failed. Parser results only need to be sane. */
static int parse_all(const uint8_t *buf, size_t len)
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
static void nth_block(const uint8_t *buf, size_t len, int n, struct rtcp_block *b)
{
    struct rtcp_iter it;

    rtcp_iter_init(&it, buf, len);
    for (int i = 0; i <= n; i++)
        assert_true(rtcp_iter_next(&it, b));
}

static void fb_of(const uint8_t *buf, size_t len, struct rtcp_fb *fb)
{
    struct rtcp_block b;

    nth_block(buf, len, 0, &b);
    assert_int_equal(rtcp_parse_fb(fb, &b), 0);
}

/* ---- iteration ---- */

static void test_sr_handcrafted(void **state)
{
    struct rtcp_block b;
    struct rtcp_sr sr;
    struct rtcp_rr rr;

    (void)state;
    nth_block(sr_vec, sizeof(sr_vec), 0, &b);
    assert_int_equal(b.pt, RTCP_SR);
    assert_int_equal(b.count, 1);
    assert_int_equal(b.len, 52);
    assert_int_equal(b.body_len, 48);
    assert_int_equal(rtcp_parse_sr(&sr, &b), 0);
    assert_int_equal(sr.ssrc, 0x11223344);
    assert_true(sr.ntp == 0xe1d2c3b412345678ull);
    assert_int_equal(sr.rtp_ts, 4096);
    assert_int_equal(sr.packet_count, 100);
    assert_int_equal(sr.octet_count, 12800);
    assert_int_equal(sr.report_count, 1);
    assert_int_equal(sr.reports[0].ssrc, 0x55667788);
    assert_int_equal(sr.reports[0].fraction_lost, 16);
    assert_int_equal(sr.reports[0].cumulative_lost, -1);
    assert_int_equal(sr.reports[0].ext_highest_seq, 0x11000);
    assert_int_equal(sr.reports[0].jitter, 32);
    assert_int_equal(sr.reports[0].lsr, 0xc3b41234);
    assert_int_equal(sr.reports[0].dlsr, 65536);
    assert_int_equal(rtcp_parse_rr(&rr, &b), ERR_INVAL);
    assert_int_equal(rtcp_validate(sr_vec, sizeof(sr_vec)), 0);
}

static void test_compound_handcrafted(void **state)
{
    struct rtcp_iter it;
    struct rtcp_block b[5];
    struct rtcp_rr rr;
    struct rtcp_sdes sdes;
    struct rtcp_fb fb;
    struct rtcp_bye bye;
    int n = 0;

    (void)state;
    rtcp_iter_init(&it, compound_vec, sizeof(compound_vec));
    while (n < 5 && rtcp_iter_next(&it, &b[n]))
        n++;
    assert_false(it.err);
    assert_int_equal(n, 4);
    assert_int_equal(b[0].pt, RTCP_RR);
    assert_int_equal(b[1].pt, RTCP_SDES);
    assert_int_equal(b[2].pt, RTCP_PSFB);
    assert_int_equal(b[3].pt, RTCP_BYE);
    assert_ptr_equal(b[3].data, compound_vec + 36);

    assert_int_equal(rtcp_parse_rr(&rr, &b[0]), 0);
    assert_int_equal(rr.ssrc, 1);
    assert_int_equal(rr.report_count, 0);
    assert_int_equal(rtcp_parse_sdes(&sdes, &b[1], NULL, NULL), 0);
    assert_int_equal(sdes.chunk_count, 1);
    assert_int_equal(sdes.chunks[0].ssrc, 1);
    assert_int_equal(sdes.chunks[0].cname_len, 4);
    assert_memory_equal(sdes.chunks[0].cname, "abcd", 4);
    assert_int_equal(rtcp_parse_fb(&fb, &b[2]), 0);
    assert_int_equal(fb.type, RTCP_FB_PLI);
    assert_int_equal(fb.sender_ssrc, 1);
    assert_int_equal(fb.media_ssrc, 0x12345678);
    assert_int_equal(fb.fci_len, 0);
    assert_int_equal(rtcp_parse_bye(&bye, &b[3]), 0);
    assert_int_equal(bye.ssrc_count, 1);
    assert_int_equal(bye.ssrcs[0], 1);
    assert_int_equal(bye.reason_len, 7);
    assert_memory_equal(bye.reason, "closing", 7);
    assert_int_equal(parse_all(compound_vec, sizeof(compound_vec)), 4);
}

static void test_iter_rejects(void **state)
{
    uint8_t p[sizeof(compound_vec)];
    struct rtcp_iter it;
    struct rtcp_block b;
    int n = 0;

    (void)state;
    assert_int_equal(rtcp_validate(NULL, 0), ERR_PARSE);
    assert_int_equal(rtcp_validate(compound_vec, 3), ERR_PARSE);
    /* Version 1 in the third packet: two good blocks, then the error. */
    memcpy(p, compound_vec, sizeof(p));
    p[24] = 0x41;
    rtcp_iter_init(&it, p, sizeof(p));
    while (rtcp_iter_next(&it, &b))
        n++;
    assert_int_equal(n, 2);
    assert_true(it.err);
    assert_false(rtcp_iter_next(&it, &b)); /* stays stopped */
    assert_int_equal(rtcp_validate(p, sizeof(p)), ERR_PARSE);
    /* Trailing bytes that are not a whole header. */
    assert_int_equal(rtcp_validate(compound_vec, sizeof(compound_vec) - 14), ERR_PARSE);
    /* Packet boundaries are fine. */
    assert_int_equal(rtcp_validate(compound_vec, 8), 0);
    assert_int_equal(rtcp_validate(compound_vec, 24), 0);
}

static void test_iter_padding(void **state)
{
    /* RR with the P bit: 4 bytes of padding, count in the last byte. */
    static const uint8_t rr_pad[] = {0xa0, 0xc9, 0x00, 0x02, 0x00, 0x00,
                                     0x00, 0x05, 0x00, 0x00, 0x00, 0x04};
    uint8_t p[sizeof(rr_pad)];
    struct rtcp_block b;
    struct rtcp_rr rr;

    (void)state;
    nth_block(rr_pad, sizeof(rr_pad), 0, &b);
    assert_true(b.padding);
    assert_int_equal(b.len, 12);
    assert_int_equal(b.body_len, 4);
    assert_int_equal(rtcp_parse_rr(&rr, &b), 0);
    assert_int_equal(rr.ssrc, 5);
    memcpy(p, rr_pad, sizeof(p));
    p[11] = 0;
    assert_int_equal(rtcp_validate(p, sizeof(p)), ERR_PARSE);
    p[11] = 9; /* more than the 8-byte body */
    assert_int_equal(rtcp_validate(p, sizeof(p)), ERR_PARSE);
    p[11] = 8; /* all of the body: then the RR is too short */
    nth_block(p, sizeof(p), 0, &b);
    assert_int_equal(b.body_len, 0);
    assert_int_equal(rtcp_parse_rr(&rr, &b), ERR_PARSE);
    /* P bit on a header-only packet. */
    assert_int_equal(rtcp_validate((const uint8_t *)"\xa0\xc9\x00\x00", 4), ERR_PARSE);
}

/* ---- SR / RR / SDES / BYE ---- */

static void test_sr_rr_round_trip(void **state)
{
    uint8_t buf[1024];
    struct rtcp_sr sr = {0}, sr2;
    struct rtcp_rr rr = {0}, rr2;
    struct rtcp_block b;
    struct wr w;

    (void)state;
    sr.ssrc = 0xdeadbeef;
    sr.ntp = 0x8000000000000001ull;
    sr.rtp_ts = 0xffffffff;
    sr.packet_count = 7;
    sr.octet_count = 8;
    sr.report_count = 2;
    sr.reports[0] = (struct rtcp_report_block){1, 2, -8388608, 4, 5, 6, 7};
    sr.reports[1] = (struct rtcp_report_block){8, 9, 40000000, 11, 12, 13, 14}; /* clamps */
    wr_init(&w, buf, sizeof(buf));
    assert_int_equal(rtcp_build_sr(&w, &sr), 0);
    assert_int_equal(w.p - buf, 76);
    nth_block(buf, 76, 0, &b);
    assert_int_equal(rtcp_parse_sr(&sr2, &b), 0);
    assert_true(sr2.ntp == sr.ntp);
    assert_int_equal(sr2.rtp_ts, sr.rtp_ts);
    assert_int_equal(sr2.report_count, 2);
    assert_int_equal(sr2.reports[0].cumulative_lost, -8388608);
    assert_int_equal(sr2.reports[1].cumulative_lost, 0x7fffff);
    assert_int_equal(sr2.reports[1].dlsr, 14);

    rr.ssrc = 42;
    rr.report_count = RTCP_MAX_REPORT_BLOCKS;
    for (unsigned i = 0; i < RTCP_MAX_REPORT_BLOCKS; i++)
        rr.reports[i] = (struct rtcp_report_block){i, (uint8_t)i, -(int32_t)i, i, i, i, i};
    wr_init(&w, buf, sizeof(buf));
    assert_int_equal(rtcp_build_rr(&w, &rr), 0);
    assert_int_equal(w.p - buf, 8 + 24 * 31);
    nth_block(buf, (size_t)(w.p - buf), 0, &b);
    assert_int_equal(b.count, 31);
    assert_int_equal(rtcp_parse_rr(&rr2, &b), 0);
    for (unsigned i = 0; i < RTCP_MAX_REPORT_BLOCKS; i++) {
        assert_int_equal(rr2.reports[i].ssrc, i);
        assert_int_equal(rr2.reports[i].fraction_lost, i);
        assert_int_equal(rr2.reports[i].cumulative_lost, -(int32_t)i);
        assert_int_equal(rr2.reports[i].dlsr, i);
    }
    rr.report_count = 32;
    assert_int_equal(rtcp_build_rr(&w, &rr), ERR_INVAL);
}

static void sdes_count_item(void *arg, uint32_t ssrc, uint8_t type, const uint8_t *data,
                            uint8_t len)
{
    unsigned *n = arg;

    (void)data;
    if (*n == 0) {
        assert_int_equal(ssrc, 10);
        assert_int_equal(type, 2);
        assert_int_equal(len, 3);
    }
    (*n)++;
}

static void test_sdes_handcrafted(void **state)
{
    struct rtcp_block b;
    struct rtcp_sdes sdes;
    unsigned items = 0;

    (void)state;
    nth_block(sdes_vec, sizeof(sdes_vec), 0, &b);
    assert_int_equal(rtcp_parse_sdes(&sdes, &b, sdes_count_item, &items), 0);
    assert_int_equal(items, 2);
    assert_int_equal(sdes.chunk_count, 2);
    assert_int_equal(sdes.chunks[0].ssrc, 10);
    assert_int_equal(sdes.chunks[0].item_count, 2);
    assert_int_equal(sdes.chunks[0].cname_len, 2);
    assert_memory_equal(sdes.chunks[0].cname, "xy", 2);
    assert_int_equal(sdes.chunks[1].ssrc, 11);
    assert_int_equal(sdes.chunks[1].item_count, 0);
    assert_null(sdes.chunks[1].cname);
}

static void test_sdes_round_trip_and_errors(void **state)
{
    uint8_t buf[300];
    struct rtcp_block b;
    struct rtcp_sdes sdes;
    struct wr w;
    char name[255];
    unsigned items = 0;

    (void)state;
    /* Every CNAME length pads correctly: items end anywhere in a word. */
    memset(name, 'n', sizeof(name));
    for (size_t len = 1; len <= 255; len++) {
        wr_init(&w, buf, sizeof(buf));
        assert_int_equal(rtcp_build_sdes_cname(&w, 0x77, name, len), 0);
        assert_int_equal((size_t)(w.p - buf) % 4, 0);
        nth_block(buf, (size_t)(w.p - buf), 0, &b);
        assert_int_equal(rtcp_parse_sdes(&sdes, &b, NULL, NULL), 0);
        assert_int_equal(sdes.chunks[0].ssrc, 0x77);
        assert_int_equal(sdes.chunks[0].cname_len, len);
    }
    assert_int_equal(rtcp_build_sdes_cname(&w, 1, name, 0), ERR_INVAL);
    assert_int_equal(rtcp_build_sdes_cname(&w, 1, name, 256), ERR_INVAL);

    /* A CNAME of 2 ends at a word boundary: the null item needs a whole word. */
    wr_init(&w, buf, sizeof(buf));
    assert_int_equal(rtcp_build_sdes_cname(&w, 1, "ab", 2), 0);
    assert_int_equal(w.p - buf, 16);
    /* Drop that null word (length 3 -> 2): the chunk has no end. */
    buf[3] = 2;
    nth_block(buf, 12, 0, &b);
    assert_int_equal(rtcp_parse_sdes(&sdes, &b, sdes_count_item, &items), ERR_PARSE);
    assert_int_equal(items, 0); /* nothing reported from a bad packet */
    /* An item whose length runs past the packet. */
    memcpy(buf, sdes_vec, sizeof(sdes_vec));
    buf[9] = 40;
    nth_block(buf, sizeof(sdes_vec), 0, &b);
    assert_int_equal(rtcp_parse_sdes(&sdes, &b, NULL, NULL), ERR_PARSE);
    /* More chunks claimed than present. */
    memcpy(buf, sdes_vec, sizeof(sdes_vec));
    buf[0] = 0x83;
    nth_block(buf, sizeof(sdes_vec), 0, &b);
    assert_int_equal(rtcp_parse_sdes(&sdes, &b, NULL, NULL), ERR_PARSE);
    /* Too many items in a chunk. */
    {
        uint8_t q[4 + 4 + 2 * 17 + 2] = {0x81, 0xca, 0x00, 0x0a};

        for (size_t i = 0; i < 17; i++)
            q[8 + 2 * i] = 6; /* TOOL, empty */
        nth_block(q, sizeof(q), 0, &b);
        assert_int_equal(rtcp_parse_sdes(&sdes, &b, NULL, NULL), ERR_TOOBIG);
    }
}

static void test_bye(void **state)
{
    uint8_t buf[128];
    static const uint32_t ssrcs[] = {1, 2, 3};
    struct rtcp_block b;
    struct rtcp_bye bye;
    struct wr w;

    (void)state;
    wr_init(&w, buf, sizeof(buf));
    assert_int_equal(rtcp_build_bye(&w, ssrcs, 3, "gone", 4), 0);
    assert_int_equal(w.p - buf, 4 + 12 + 8);
    nth_block(buf, (size_t)(w.p - buf), 0, &b);
    assert_int_equal(rtcp_parse_bye(&bye, &b), 0);
    assert_int_equal(bye.ssrc_count, 3);
    assert_int_equal(bye.ssrcs[2], 3);
    assert_int_equal(bye.reason_len, 4);
    assert_memory_equal(bye.reason, "gone", 4);

    wr_init(&w, buf, sizeof(buf));
    assert_int_equal(rtcp_build_bye(&w, ssrcs, 1, NULL, 0), 0);
    assert_int_equal(w.p - buf, 8);
    nth_block(buf, 8, 0, &b);
    assert_int_equal(rtcp_parse_bye(&bye, &b), 0);
    assert_null(bye.reason);

    /* Reason length past the packet; SSRC count past the packet. */
    nth_block(compound_vec, sizeof(compound_vec), 3, &b);
    memcpy(buf, b.data, b.len);
    buf[8] = 8;
    nth_block(buf, b.len, 0, &b);
    assert_int_equal(rtcp_parse_bye(&bye, &b), ERR_PARSE);
    buf[8] = 7;
    buf[0] = 0x84; /* 4 SSRCs in 12 bytes */
    nth_block(buf, b.len, 0, &b);
    assert_int_equal(rtcp_parse_bye(&bye, &b), ERR_PARSE);
    assert_int_equal(rtcp_build_bye(&w, ssrcs, 32, NULL, 0), ERR_INVAL);
    assert_int_equal(rtcp_build_bye(&w, ssrcs, 1, "x", 256), ERR_INVAL);
}

/* ---- NACK ---- */

struct seq_list {
    uint16_t seq[64];
    size_t n;
};

static void collect_seq(void *arg, uint16_t seq)
{
    struct seq_list *l = arg;

    assert_true(l->n < 64);
    l->seq[l->n++] = seq;
}

static void test_nack_handcrafted(void **state)
{
    static const uint16_t want[] = {100, 101, 116, 65535, 0};
    struct rtcp_fb fb;
    struct seq_list l = {{0}, 0};
    uint16_t seqs[8];
    size_t n;

    (void)state;
    fb_of(nack_vec, sizeof(nack_vec), &fb);
    assert_int_equal(fb.type, RTCP_FB_NACK);
    assert_int_equal(fb.sender_ssrc, 1);
    assert_int_equal(fb.media_ssrc, 2);
    assert_int_equal(rtcp_parse_nack(&fb, seqs, 8, &n), 0);
    assert_int_equal(n, 5);
    assert_memory_equal(seqs, want, sizeof(want));
    assert_int_equal(rtcp_nack_foreach(&fb, collect_seq, &l), 0);
    assert_int_equal(l.n, 5);
    assert_memory_equal(l.seq, want, sizeof(want));
    assert_int_equal(rtcp_parse_nack(&fb, seqs, 4, &n), ERR_TOOBIG);
    assert_int_equal(rtcp_parse_nack(&fb, seqs, 5, &n), 0);
}

static void test_nack_edges(void **state)
{
    uint8_t p[12 + 4 * (RTCP_MAX_NACK_PAIRS + 1)];
    uint16_t seqs[RTCP_NACK_MAX_SEQS];
    struct rtcp_fb fb;
    struct seq_list l = {{0}, 0};
    size_t n;

    (void)state;
    /* BLP all ones: 17 consecutive, across the wrap. */
    memcpy(p, nack_vec, 16);
    p[3] = 3;
    p[12] = 0xff, p[13] = 0xf8, p[14] = 0xff, p[15] = 0xff; /* PID 65528 */
    fb_of(p, 16, &fb);
    assert_int_equal(rtcp_parse_nack(&fb, seqs, 17, &n), 0);
    assert_int_equal(n, 17);
    for (size_t i = 0; i < 17; i++)
        assert_int_equal(seqs[i], (uint16_t)(65528 + i));
    /* Empty FCI. */
    p[3] = 2;
    fb_of(p, 12, &fb);
    assert_int_equal(rtcp_parse_nack(&fb, seqs, 17, &n), ERR_PARSE);
    assert_int_equal(rtcp_nack_foreach(&fb, collect_seq, &l), ERR_PARSE);
    /* Ragged FCI (padding removed 2 bytes of the pair). */
    {
        static const uint8_t ragged[] = {0xa1, 0xcd, 0x00, 0x03, 0,    0,    0,    1,
                                         0,    0,    0,    2,    0x00, 0x10, 0x00, 0x02};

        fb_of(ragged, sizeof(ragged), &fb);
        assert_int_equal(fb.fci_len, 2);
        assert_int_equal(rtcp_parse_nack(&fb, seqs, 17, &n), ERR_PARSE);
    }
    /* The pair limit, and one more. */
    memset(p, 0, sizeof(p));
    memcpy(p, nack_vec, 12);
    p[2] = (uint8_t)((2 + RTCP_MAX_NACK_PAIRS) >> 8);
    p[3] = (uint8_t)(2 + RTCP_MAX_NACK_PAIRS);
    for (size_t i = 0; i <= RTCP_MAX_NACK_PAIRS; i++) {
        p[12 + 4 * i + 1] = (uint8_t)i;
        p[12 + 4 * i + 2] = 0xff, p[12 + 4 * i + 3] = 0xff;
    }
    fb_of(p, 12 + 4 * RTCP_MAX_NACK_PAIRS, &fb);
    assert_int_equal(rtcp_parse_nack(&fb, seqs, RTCP_NACK_MAX_SEQS, &n), 0);
    assert_int_equal(n, RTCP_NACK_MAX_SEQS);
    p[3]++;
    fb_of(p, sizeof(p), &fb);
    assert_int_equal(rtcp_parse_nack(&fb, seqs, RTCP_NACK_MAX_SEQS, &n), ERR_TOOBIG);
    assert_int_equal(rtcp_nack_foreach(&fb, collect_seq, &l), ERR_TOOBIG);
    assert_int_equal(l.n, 0);
    /* Not a NACK. */
    fb_of(fir_vec, sizeof(fir_vec), &fb);
    assert_int_equal(rtcp_parse_nack(&fb, seqs, 17, &n), ERR_INVAL);
}

static void test_nack_build_packing(void **state)
{
    static const uint16_t lost[] = {100, 101, 116, 117, 200, 200};
    static const uint16_t wrap[] = {65530, 65535, 3, 10};
    uint8_t buf[64];
    uint16_t seqs[64];
    struct rtcp_fb fb;
    struct wr w;
    size_t n;

    (void)state;
    wr_init(&w, buf, sizeof(buf));
    assert_int_equal(rtcp_build_nack(&w, 1, 2, lost, 6), 0);
    /* (100: 101, 116) (117) (200): duplicate 200 dropped. */
    assert_int_equal(w.p - buf, 12 + 3 * 4);
    assert_memory_equal(buf + 12, "\x00\x64\x80\x01\x00\x75\x00\x00\x00\xc8\x00\x00", 12);
    fb_of(buf, (size_t)(w.p - buf), &fb);
    assert_int_equal(rtcp_parse_nack(&fb, seqs, 64, &n), 0);
    assert_int_equal(n, 5);
    assert_memory_equal(seqs, lost, 5 * sizeof(uint16_t));

    wr_init(&w, buf, sizeof(buf));
    assert_int_equal(rtcp_build_nack(&w, 1, 2, wrap, 4), 0);
    assert_int_equal(w.p - buf, 16); /* one pair: PID 65530, +5, +9, +16 */
    assert_memory_equal(buf + 12, "\xff\xfa\x81\x10", 4);
    assert_int_equal(rtcp_build_nack(&w, 1, 2, wrap, 0), ERR_INVAL);
}

static void test_nack_round_trip_random(void **state)
{
    uint32_t rng = 12345;
    uint8_t buf[12 + 4 * RTCP_MAX_NACK_PAIRS];
    uint16_t lost[300], seqs[RTCP_NACK_MAX_SEQS];
    struct rtcp_fb fb;

    (void)state;
    for (int round = 0; round < 200; round++) {
        uint16_t s;
        size_t n = 0, got;
        struct wr w;

        rng = rng * 1103515245u + 12345u;
        s = (uint16_t)(rng >> 8);
        while (n < 1 + (size_t)round % 150) {
            rng = rng * 1103515245u + 12345u;
            s = (uint16_t)(s + 1 + (rng >> 16) % (round % 2 ? 3 : 40));
            lost[n++] = s;
        }
        wr_init(&w, buf, sizeof(buf));
        assert_int_equal(rtcp_build_nack(&w, 5, 6, lost, n), 0);
        fb_of(buf, (size_t)(w.p - buf), &fb);
        assert_int_equal(rtcp_parse_nack(&fb, seqs, RTCP_NACK_MAX_SEQS, &got), 0);
        assert_int_equal(got, n);
        assert_memory_equal(seqs, lost, n * sizeof(uint16_t));
    }
}

/* ---- PLI, FIR, REMB ---- */

static void test_pli_fir(void **state)
{
    static const struct rtcp_fir_entry e[] = {{0xcafe, 0}, {0xbabe, 255}};
    struct rtcp_fir_entry many[RTCP_MAX_FIR_ENTRIES + 1] = {{0, 0}};
    uint8_t buf[512];
    struct rtcp_fb fb;
    struct rtcp_fir fir;
    struct wr w;

    (void)state;
    wr_init(&w, buf, sizeof(buf));
    assert_int_equal(rtcp_build_pli(&w, 7, 8), 0);
    assert_int_equal(w.p - buf, 12);
    assert_memory_equal(buf, "\x81\xce\x00\x02\x00\x00\x00\x07\x00\x00\x00\x08", 12);
    fb_of(buf, 12, &fb);
    assert_int_equal(fb.type, RTCP_FB_PLI);

    fb_of(fir_vec, sizeof(fir_vec), &fb);
    assert_int_equal(fb.type, RTCP_FB_FIR);
    assert_int_equal(rtcp_parse_fir(&fir, &fb), 0);
    assert_int_equal(fir.sender_ssrc, 1);
    assert_int_equal(fir.count, 1);
    assert_int_equal(fir.entries[0].ssrc, 0x12345678);
    assert_int_equal(fir.entries[0].seq, 5);

    wr_init(&w, buf, sizeof(buf));
    assert_int_equal(rtcp_build_fir(&w, 9, e, 2), 0);
    assert_int_equal(w.p - buf, 28);
    fb_of(buf, 28, &fb);
    assert_int_equal(fb.media_ssrc, 0);
    assert_int_equal(rtcp_parse_fir(&fir, &fb), 0);
    assert_int_equal(fir.count, 2);
    assert_int_equal(fir.entries[1].ssrc, 0xbabe);
    assert_int_equal(fir.entries[1].seq, 255);
    assert_int_equal(rtcp_build_fir(&w, 9, many, RTCP_MAX_FIR_ENTRIES + 1), ERR_TOOBIG);
    assert_int_equal(rtcp_build_fir(&w, 9, e, 0), ERR_INVAL);

    /* Empty and ragged FIRs. */
    memcpy(buf, fir_vec, sizeof(fir_vec));
    buf[3] = 2;
    fb_of(buf, 12, &fb);
    assert_int_equal(rtcp_parse_fir(&fir, &fb), ERR_PARSE);
    buf[3] = 3;
    fb_of(buf, 16, &fb);
    assert_int_equal(rtcp_parse_fir(&fir, &fb), ERR_PARSE);
    /* Over the entry limit. */
    memset(buf, 0, sizeof(buf));
    memcpy(buf, fir_vec, 12);
    buf[3] = (uint8_t)(2 + 2 * (RTCP_MAX_FIR_ENTRIES + 1));
    fb_of(buf, 12 + 8 * (RTCP_MAX_FIR_ENTRIES + 1), &fb);
    assert_int_equal(rtcp_parse_fir(&fir, &fb), ERR_TOOBIG);
}

static void test_remb(void **state)
{
    static const uint64_t rates[] = {0, 1, 0x3ffff, 0x40000, 1000000, 2500000000ull, UINT64_MAX};
    uint32_t ssrcs[RTCP_MAX_REMB_SSRCS + 1];
    uint8_t buf[256];
    struct rtcp_fb fb;
    struct rtcp_remb remb;
    struct wr w;

    (void)state;
    fb_of(remb_vec, sizeof(remb_vec), &fb);
    assert_int_equal(fb.type, RTCP_FB_REMB);
    assert_int_equal(rtcp_parse_remb(&remb, &fb), 0);
    assert_int_equal(remb.sender_ssrc, 1);
    assert_true(remb.bitrate_bps == 1000000);
    assert_int_equal(remb.ssrc_count, 1);
    assert_int_equal(remb.ssrcs[0], 0x12345678);

    for (size_t i = 0; i < RTCP_MAX_REMB_SSRCS + 1; i++)
        ssrcs[i] = (uint32_t)i * 3;
    for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
        uint64_t got;
        unsigned lost_bits = 0;

        wr_init(&w, buf, sizeof(buf));
        assert_int_equal(rtcp_build_remb(&w, 2, rates[i], ssrcs, 3), 0);
        fb_of(buf, (size_t)(w.p - buf), &fb);
        assert_int_equal(rtcp_parse_remb(&remb, &fb), 0);
        got = remb.bitrate_bps;
        /* Rounded down, keeping the top 18 significant bits. */
        assert_true(got <= rates[i]);
        while ((rates[i] >> lost_bits) > 0x3ffff)
            lost_bits++;
        assert_true(got == (rates[i] >> lost_bits) << lost_bits);
        assert_int_equal(remb.ssrc_count, 3);
        assert_int_equal(remb.ssrcs[2], 6);
    }
    /* The exact value the vector carries. */
    wr_init(&w, buf, sizeof(buf));
    assert_int_equal(rtcp_build_remb(&w, 1, 1000000, (const uint32_t[]){0x12345678}, 1), 0);
    assert_memory_equal(buf, remb_vec, sizeof(remb_vec));
    assert_int_equal(rtcp_build_remb(&w, 1, 1, ssrcs, RTCP_MAX_REMB_SSRCS + 1), ERR_TOOBIG);

    /* SSRC count disagreeing with the length. */
    memcpy(buf, remb_vec, sizeof(remb_vec));
    buf[16] = 2;
    fb_of(buf, sizeof(remb_vec), &fb);
    assert_int_equal(rtcp_parse_remb(&remb, &fb), ERR_PARSE);
    buf[16] = 0;
    fb_of(buf, sizeof(remb_vec), &fb);
    assert_int_equal(rtcp_parse_remb(&remb, &fb), ERR_PARSE);
    /* Exponent 63 with a large mantissa overflows 64 bits. */
    memcpy(buf, remb_vec, sizeof(remb_vec));
    buf[17] = 0xff;
    fb_of(buf, sizeof(remb_vec), &fb);
    assert_int_equal(rtcp_parse_remb(&remb, &fb), ERR_PARSE);
    /* exponent 46, mantissa max: the largest value that fits. */
    buf[17] = 46 << 2 | 3, buf[18] = 0xff, buf[19] = 0xff;
    fb_of(buf, sizeof(remb_vec), &fb);
    assert_int_equal(rtcp_parse_remb(&remb, &fb), 0);
    assert_true(remb.bitrate_bps == 0x3ffffull << 46);
    /* An AFB that is not REMB. */
    buf[12] = 'X';
    fb_of(buf, sizeof(remb_vec), &fb);
    assert_int_equal(fb.type, RTCP_FB_OTHER);
    assert_int_equal(rtcp_parse_remb(&remb, &fb), ERR_INVAL);
}

/* ---- transport-cc ---- */

static void test_twcc_run_length(void **state)
{
    static const int32_t deltas[] = {1000, 250, 0, 63750, 2000};
    struct rtcp_twcc_pkt pkts[8];
    struct rtcp_twcc tw;
    struct rtcp_fb fb;

    (void)state;
    fb_of(twcc_run_vec, sizeof(twcc_run_vec), &fb);
    assert_int_equal(fb.type, RTCP_FB_TWCC);
    assert_int_equal(rtcp_parse_twcc(&tw, pkts, 8, &fb), 0);
    assert_int_equal(tw.base_seq, 10);
    assert_int_equal(tw.status_count, 5);
    assert_int_equal(tw.ref_time, 16);
    assert_int_equal(tw.fb_count, 3);
    assert_int_equal(tw.received, 5);
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(pkts[i].seq, 10 + i);
        assert_true(pkts[i].received);
        assert_int_equal(pkts[i].delta_us, deltas[i]);
    }
    assert_int_equal(rtcp_parse_twcc(&tw, pkts, 4, &fb), ERR_TOOBIG);
}

static void test_twcc_vectors(void **state)
{
    static const bool recvd[10] = {1, 0, 1, 1, 0, 0, 1, 1, 1, 0};
    static const int32_t deltas[10] = {4000, 0, -50000, 0, 0, 0, 10000, 250, 500, 0};
    struct rtcp_twcc_pkt pkts[16];
    struct rtcp_twcc tw;
    struct rtcp_fb fb;

    (void)state;
    fb_of(twcc_vec_vec, sizeof(twcc_vec_vec), &fb);
    assert_int_equal(rtcp_parse_twcc(&tw, pkts, 16, &fb), 0);
    assert_int_equal(tw.base_seq, 65534);
    assert_int_equal(tw.status_count, 10);
    assert_int_equal(tw.ref_time, -2);
    assert_int_equal(tw.fb_count, 255);
    assert_int_equal(tw.received, 6);
    for (size_t i = 0; i < 10; i++) {
        assert_int_equal(pkts[i].seq, (uint16_t)(65534 + i));
        assert_int_equal(pkts[i].received, recvd[i]);
        assert_int_equal(pkts[i].delta_us, deltas[i]);
    }
}

static void test_twcc_rejects(void **state)
{
    uint8_t p[sizeof(twcc_vec_vec)];
    struct rtcp_twcc_pkt pkts[16];
    struct rtcp_twcc tw;
    struct rtcp_fb fb;

    (void)state;
    /* Status count 0. */
    memcpy(p, twcc_vec_vec, sizeof(p));
    p[15] = 0;
    fb_of(p, sizeof(p), &fb);
    assert_int_equal(rtcp_parse_twcc(&tw, pkts, 16, &fb), ERR_PARSE);
    /* Reserved symbol 11 inside the counted range of a 2-bit vector. */
    memcpy(p, twcc_vec_vec, sizeof(p));
    p[20] = 0xf2;
    fb_of(p, sizeof(p), &fb);
    assert_int_equal(rtcp_parse_twcc(&tw, pkts, 16, &fb), ERR_PARSE);
    /* Reserved symbol in a run-length chunk. */
    memcpy(p, twcc_run_vec, sizeof(twcc_run_vec));
    p[20] = 0x60;
    fb_of(p, sizeof(twcc_run_vec), &fb);
    assert_int_equal(rtcp_parse_twcc(&tw, pkts, 16, &fb), ERR_PARSE);
    /* ...but past the status count it is only padding. */
    memcpy(p, twcc_vec_vec, sizeof(p));
    p[15] = 1;    /* one packet: the rest of the 2-bit vector is unused */
    p[21] = 0x43; /* last symbol 11 */
    fb_of(p, sizeof(p), &fb);
    assert_int_equal(rtcp_parse_twcc(&tw, pkts, 16, &fb), 0);
    assert_int_equal(tw.received, 1);
    /* More packets than chunks describe. */
    memcpy(p, twcc_vec_vec, sizeof(p));
    p[15] = 40;
    fb_of(p, sizeof(p), &fb);
    assert_int_equal(rtcp_parse_twcc(&tw, pkts, 16, &fb), ERR_TOOBIG);
    {
        struct rtcp_twcc_pkt big[64];

        assert_int_equal(rtcp_parse_twcc(&tw, big, 64, &fb), ERR_PARSE);
    }
    /* Deltas missing: the packet cut short before them (length fixed up). */
    memcpy(p, twcc_vec_vec, sizeof(p));
    p[3] = 5; /* 24 bytes: chunks end at 24, no deltas */
    fb_of(p, 24, &fb);
    assert_int_equal(rtcp_parse_twcc(&tw, pkts, 16, &fb), ERR_PARSE);
    /* FCI shorter than the fixed fields. */
    p[3] = 3;
    fb_of(p, 16, &fb);
    assert_int_equal(rtcp_parse_twcc(&tw, pkts, 16, &fb), ERR_PARSE);
}

/* Builds feedback for recv[], parses it back and checks every arrival. */
static void twcc_round_trip(const struct rtcp_twcc_recv *recv, size_t n, size_t *out_len)
{
    static uint8_t buf[16384];
    static struct rtcp_twcc_pkt pkts[RTCP_TWCC_MAX_STATUS];
    struct rtcp_twcc tw;
    struct rtcp_fb fb;
    struct wr w;
    int64_t t;
    size_t j = 0;

    wr_init(&w, buf, sizeof(buf));
    assert_int_equal(rtcp_build_twcc(&w, 1, 2, 9, recv, n), 0);
    *out_len = (size_t)(w.p - buf);
    assert_int_equal(*out_len % 4, 0);
    assert_int_equal(parse_all(buf, *out_len), 1);
    fb_of(buf, *out_len, &fb);
    assert_int_equal(rtcp_parse_twcc(&tw, pkts, RTCP_TWCC_MAX_STATUS, &fb), 0);
    assert_int_equal(tw.base_seq, recv[0].seq);
    assert_int_equal(tw.fb_count, 9);
    assert_int_equal(tw.received, n);
    t = (int64_t)tw.ref_time * RTCP_TWCC_REF_US;
    for (size_t i = 0; i < tw.status_count; i++) {
        if (!pkts[i].received)
            continue;
        assert_true(j < n);
        assert_int_equal(pkts[i].seq, recv[j].seq);
        t += pkts[i].delta_us;
        /* Arrivals come back rounded down to 250 us. */
        assert_int_equal(t, recv[j].arrival_us / 250 * 250);
        j++;
    }
    assert_int_equal(j, n);
}

static void test_twcc_round_trip(void **state)
{
    static struct rtcp_twcc_recv recv[RTCP_TWCC_MAX_STATUS];
    static const struct rtcp_twcc_recv mixed[] = {
        {65530, 5000123}, {65531, 5000400}, {65533, 4990000}, /* earlier: negative delta */
        {0, 5100000},     {1, 5100001},     {2, 5200000},     /* large positive delta */
        {40, 5300000},    {41, 5300250}};
    uint32_t rng = 99;
    size_t len;

    (void)state;
    twcc_round_trip(mixed, sizeof(mixed) / sizeof(mixed[0]), &len);
    /* A single packet. */
    twcc_round_trip(mixed, 1, &len);
    assert_int_equal(len, 12 + 8 + 4);
    /* Random loss and jitter, over the full span. */
    for (int round = 0; round < 50; round++) {
        uint16_t s;
        int64_t t = 123456789;
        size_t n = 0;

        rng = rng * 1103515245u + 12345u;
        s = (uint16_t)(rng >> 4);
        for (;;) {
            rng = rng * 1103515245u + 12345u;
            t += (int64_t)((rng >> 8) % (round % 3 == 0 ? 100000 : 3000)) - 200;
            if (t < 0)
                t = 0;
            recv[n++] = (struct rtcp_twcc_recv){s, t};
            rng = rng * 1103515245u + 12345u;
            s = (uint16_t)(s + 1 + ((rng >> 16) % 4 == 0 ? (rng >> 20) % 30 : 0));
            if ((uint16_t)(s - recv[0].seq) >= 1000 + (unsigned)round * 60)
                break;
        }
        twcc_round_trip(recv, n, &len);
    }
}

static void test_twcc_builder_chunks(void **state)
{
    struct rtcp_twcc_recv recv[3];
    uint8_t buf[64];
    struct wr w;
    size_t len;

    (void)state;
    /* 3 packets spanning 2001 with 1998 lost: run-length chunks only. */
    recv[0] = (struct rtcp_twcc_recv){0, 64000};
    recv[1] = (struct rtcp_twcc_recv){1000, 64250};
    recv[2] = (struct rtcp_twcc_recv){2000, 64500};
    twcc_round_trip(recv, 3, &len);
    /* 8 fixed + 5 chunks (1-bit vector of 14, run of 986 lost, 1-bit vector,
     * run of 986 lost, run of 1) + 3 deltas, padded: 24. */
    assert_int_equal(len, 12 + 24);

    /* Received, lost, received: one 1-bit vector covers all three. */
    recv[1] = (struct rtcp_twcc_recv){2, 64250};
    wr_init(&w, buf, sizeof(buf));
    assert_int_equal(rtcp_build_twcc(&w, 1, 2, 0, recv, 2), 0);
    assert_int_equal(w.p - buf, 12 + 12);
    assert_int_equal(buf[20], 0xa8); /* 1 0 | 1 0 1 0 ... */
    assert_int_equal(buf[21], 0x00);
    assert_int_equal(buf[22], 0x00); /* delta 0 */
    assert_int_equal(buf[23], 0x01); /* delta 1 tick */
    /* A large delta forces a 2-bit vector. */
    recv[1] = (struct rtcp_twcc_recv){2, 164000};
    wr_init(&w, buf, sizeof(buf));
    assert_int_equal(rtcp_build_twcc(&w, 1, 2, 0, recv, 2), 0);
    assert_int_equal(buf[20], 0xd2); /* 1 1 | 01 00 10 00 ... */
    assert_int_equal(buf[21], 0x00);
}

static void test_twcc_builder_errors(void **state)
{
    struct rtcp_twcc_recv recv[2] = {{10, 0}, {9, 1000}};
    uint8_t buf[64];
    struct wr w;

    (void)state;
    wr_init(&w, buf, sizeof(buf));
    assert_int_equal(rtcp_build_twcc(&w, 1, 2, 0, recv, 0), ERR_INVAL);
    assert_int_equal(rtcp_build_twcc(&w, 1, 2, 0, recv, 2), ERR_TOOBIG); /* spans 65535 */
    recv[1] = (struct rtcp_twcc_recv){10, 1000};
    assert_int_equal(rtcp_build_twcc(&w, 1, 2, 0, recv, 2), ERR_INVAL); /* duplicate */
    recv[1] = (struct rtcp_twcc_recv){11, -1};
    assert_int_equal(rtcp_build_twcc(&w, 1, 2, 0, recv, 2), ERR_INVAL);
    recv[1] = (struct rtcp_twcc_recv){11, 8192000}; /* 32768 ticks: too large */
    assert_int_equal(rtcp_build_twcc(&w, 1, 2, 0, recv, 2), ERR_TOOBIG);
    recv[1] = (struct rtcp_twcc_recv){11, 8191750}; /* 32767 ticks: fits */
    assert_int_equal(rtcp_build_twcc(&w, 1, 2, 0, recv, 2), 0);
    recv[1] = (struct rtcp_twcc_recv){10 + RTCP_TWCC_MAX_STATUS, 1000};
    assert_int_equal(rtcp_build_twcc(&w, 1, 2, 0, recv, 2), ERR_TOOBIG);
    assert_false(w.err);
}

/* ---- robustness ---- */

static void test_truncation_every_length(void **state)
{
    uint8_t buf[1500];
    size_t ends[16], nends, total;

    (void)state;
    total = build_everything(buf, sizeof(buf), ends, &nends);
    assert_int_equal(parse_all(buf, total), (int)nends);
    for (size_t len = 0; len <= total; len++) {
        uint8_t *copy = malloc(len ? len : 1); /* exact size for ASan */
        bool boundary = false;
        int n;

        memcpy(copy, buf, len);
        for (size_t i = 0; i < nends; i++)
            boundary = boundary || ends[i] == len;
        n = parse_all(copy, len);
        if (boundary) {
            assert_true(n > 0);
            assert_int_equal(rtcp_validate(copy, len), 0);
        } else {
            assert_true(len == 0 || n == -1);
            assert_int_equal(rtcp_validate(copy, len), ERR_PARSE);
        }
        free(copy);
    }
}

static void test_overlong_lengths(void **state)
{
    uint8_t buf[1500];
    size_t ends[16], nends, total, start = 0;

    (void)state;
    total = build_everything(buf, sizeof(buf), ends, &nends);
    /* Grow each packet's length field by one word: every one is rejected
     * (the last runs past the end; the others swallow the next header and
     * misalign the rest). */
    for (size_t i = 0; i < nends; i++) {
        uint8_t copy[1500];
        uint16_t words = (uint16_t)(buf[start + 2] << 8 | buf[start + 3]);

        memcpy(copy, buf, total);
        copy[start + 2] = (uint8_t)((words + 1) >> 8);
        copy[start + 3] = (uint8_t)(words + 1);
        if (i == nends - 1)
            assert_int_equal(rtcp_validate(copy, total), ERR_PARSE);
        assert_true(parse_all(copy, total) != (int)nends);
        copy[start + 2] = 0xff;
        copy[start + 3] = 0xff;
        assert_int_equal(rtcp_validate(copy, total), ERR_PARSE);
        start = ends[i];
    }
    /* Counts larger than the length allows. */
    {
        uint8_t p[sizeof(sr_vec)];
        struct rtcp_block b;
        struct rtcp_sr sr;

        memcpy(p, sr_vec, sizeof(p));
        p[0] = 0x82; /* RC=2 in a packet with one block */
        nth_block(p, sizeof(p), 0, &b);
        assert_int_equal(rtcp_parse_sr(&sr, &b), ERR_PARSE);
        p[0] = 0x80;
        nth_block(p, sizeof(p), 0, &b);
        assert_int_equal(rtcp_parse_sr(&sr, &b), 0); /* the block becomes an extension */
        p[0] = 0x9f;
        nth_block(p, sizeof(p), 0, &b);
        assert_int_equal(rtcp_parse_sr(&sr, &b), ERR_PARSE);
    }
}

struct map_log {
    unsigned sender, media;
};

static uint32_t map_ssrc(void *arg, const struct rtcp_block *b, enum rtcp_ssrc_field field,
                         uint32_t ssrc)
{
    struct map_log *log = arg;

    (void)b;
    if (field == RTCP_SSRC_SENDER) {
        log->sender++;
        return ssrc + 0x10000000;
    }
    log->media++;
    return ssrc ^ 0xffffffff;
}

static void test_rewrite_ssrcs(void **state)
{
    uint8_t buf[1500], orig[1500];
    size_t ends[16], nends, total;
    struct map_log log = {0, 0};
    struct rtcp_iter it;
    struct rtcp_block b;

    (void)state;
    total = build_everything(buf, sizeof(buf), ends, &nends);
    memcpy(buf + total, app_vec, sizeof(app_vec));
    total += sizeof(app_vec);
    memcpy(buf + total, xr_vec, sizeof(xr_vec));
    total += sizeof(xr_vec);
    memcpy(orig, buf, total);
    assert_int_equal(rtcp_rewrite_ssrcs(buf, total, map_ssrc, &log), 0);
    /* Sender: SR, SDES chunk, NACK, PLI, FIR, REMB, TWCC, 2 BYE, APP = 10.
     * Media: 2 report blocks, NACK, PLI, FIR header + 2 entries, REMB
     * header + 2, TWCC = 11. */
    assert_int_equal(log.sender, 10);
    assert_int_equal(log.media, 11);

    rtcp_iter_init(&it, buf, total);
    while (rtcp_iter_next(&it, &b)) {
        struct rtcp_sr sr;
        struct rtcp_sdes sdes;
        struct rtcp_bye bye;
        struct rtcp_fb fb;
        struct rtcp_fir fir;
        struct rtcp_remb remb;

        switch (b.pt) {
        case RTCP_SR:
            assert_int_equal(rtcp_parse_sr(&sr, &b), 0);
            assert_int_equal(sr.ssrc, 0x10000001);
            assert_int_equal(sr.reports[0].ssrc, 0xaaaa ^ 0xffffffff);
            assert_int_equal(sr.reports[1].ssrc, 0xbbbb ^ 0xffffffff);
            assert_int_equal(sr.reports[1].lsr, 3); /* the rest untouched */
            break;
        case RTCP_SDES:
            assert_int_equal(rtcp_parse_sdes(&sdes, &b, NULL, NULL), 0);
            assert_int_equal(sdes.chunks[0].ssrc, 0x10000001);
            assert_memory_equal(sdes.chunks[0].cname, "user@host", 9);
            break;
        case RTCP_BYE:
            assert_int_equal(rtcp_parse_bye(&bye, &b), 0);
            assert_int_equal(bye.ssrcs[0], 0x10000001);
            assert_int_equal(bye.ssrcs[1], 0x10005555);
            break;
        case RTCP_RTPFB:
        case RTCP_PSFB:
            assert_int_equal(rtcp_parse_fb(&fb, &b), 0);
            assert_int_equal(fb.sender_ssrc, 0x10000001);
            if (fb.type == RTCP_FB_FIR) {
                assert_int_equal(fb.media_ssrc, 0xffffffff);
                assert_int_equal(rtcp_parse_fir(&fir, &fb), 0);
                assert_int_equal(fir.entries[1].ssrc, 0x2222 ^ 0xffffffff);
                assert_int_equal(fir.entries[1].seq, 2);
            } else if (fb.type == RTCP_FB_REMB) {
                assert_int_equal(rtcp_parse_remb(&remb, &fb), 0);
                assert_int_equal(remb.ssrcs[0], 0x3333 ^ 0xffffffff);
                assert_int_equal(remb.ssrcs[1], 0x4444 ^ 0xffffffff);
                assert_true(remb.bitrate_bps == 2500000);
            } else {
                assert_int_equal(fb.media_ssrc, 0x3333 ^ 0xffffffff);
            }
            break;
        case RTCP_APP:
            assert_memory_equal(b.body, "\x10\x00\x00\x07name", 8);
            break;
        case RTCP_XR:
            assert_memory_equal(b.body, "\x00\x00\x00\x09", 4); /* untouched */
            break;
        default:
            fail();
        }
    }
    assert_false(it.err);
    /* Only SSRC fields changed: same length and the same bytes elsewhere. */
    assert_memory_equal(buf + total - 8, orig + total - 8, 8);
}

static void test_rewrite_rejects_malformed(void **state)
{
    uint8_t buf[1500], orig[1500];
    size_t ends[16], nends, total;
    struct map_log log = {0, 0};

    (void)state;
    total = build_everything(buf, sizeof(buf), ends, &nends);
    /* Truncate the last packet: nothing at all is rewritten. */
    memcpy(orig, buf, total);
    assert_int_equal(rtcp_rewrite_ssrcs(buf, total - 4, map_ssrc, &log), ERR_PARSE);
    assert_int_equal(log.sender + log.media, 0);
    assert_memory_equal(buf, orig, total);
    /* A REMB whose SSRC count disagrees with its length. */
    {
        uint8_t p[sizeof(compound_vec) + sizeof(remb_vec)];

        memcpy(p, compound_vec, sizeof(compound_vec));
        memcpy(p + sizeof(compound_vec), remb_vec, sizeof(remb_vec));
        p[sizeof(compound_vec) + 16] = 5;
        memcpy(orig, p, sizeof(p));
        assert_int_equal(rtcp_rewrite_ssrcs(p, sizeof(p), map_ssrc, &log), ERR_PARSE);
        assert_memory_equal(p, orig, sizeof(p));
    }
    /* A feedback packet without room for its SSRCs. */
    {
        uint8_t p[] = {0x81, 0xce, 0x00, 0x01, 0, 0, 0, 1};

        assert_int_equal(rtcp_rewrite_ssrcs(p, sizeof(p), map_ssrc, &log), ERR_PARSE);
    }
    assert_int_equal(log.sender + log.media, 0);
    assert_int_equal(rtcp_rewrite_ssrcs(buf, total, NULL, NULL), ERR_INVAL);
}

static void test_builder_no_room(void **state)
{
    uint8_t buf[24];
    struct rtcp_sr sr = {.ssrc = 1, .report_count = 1};
    struct rtcp_rr rr = {.ssrc = 1};
    struct wr w;

    (void)state;
    memset(buf, 0xee, sizeof(buf));
    wr_init(&w, buf, 20);
    assert_int_equal(rtcp_build_sr(&w, &sr), ERR_TOOBIG);
    assert_true(w.err);
    assert_ptr_equal(w.p, buf);
    for (size_t i = 0; i < sizeof(buf); i++)
        assert_int_equal(buf[i], 0xee);
    /* Exactly full, then one more. */
    wr_init(&w, buf, 20);
    assert_int_equal(rtcp_build_rr(&w, &rr), 0);
    assert_int_equal(rtcp_build_pli(&w, 1, 2), 0);
    assert_int_equal(w.p - buf, 20);
    assert_false(w.err);
    assert_int_equal(rtcp_build_pli(&w, 1, 2), ERR_TOOBIG);
    assert_int_equal(buf[20], 0xee);
    assert_int_equal(rtcp_validate(buf, 20), 0);
}

static void test_fb_parse_errors(void **state)
{
    struct rtcp_block b;
    struct rtcp_fb fb;
    static const uint8_t short_fb[] = {0x81, 0xcd, 0x00, 0x01, 0, 0, 0, 1};
    struct rtcp_twcc tw;
    struct rtcp_twcc_pkt pkts[4];
    struct rtcp_fir fir;

    (void)state;
    nth_block(sr_vec, sizeof(sr_vec), 0, &b);
    assert_int_equal(rtcp_parse_fb(&fb, &b), ERR_INVAL);
    nth_block(short_fb, sizeof(short_fb), 0, &b);
    assert_int_equal(rtcp_parse_fb(&fb, &b), ERR_PARSE);
    /* Parsers check the feedback type. */
    fb_of(nack_vec, sizeof(nack_vec), &fb);
    assert_int_equal(rtcp_parse_twcc(&tw, pkts, 4, &fb), ERR_INVAL);
    assert_int_equal(rtcp_parse_fir(&fir, &fb), ERR_INVAL);
    /* An unknown FMT is OTHER, not an error. */
    {
        uint8_t p[sizeof(nack_vec)];

        memcpy(p, nack_vec, sizeof(p));
        p[0] = 0x83; /* RTPFB FMT 3 (TMMBR) */
        fb_of(p, sizeof(p), &fb);
        assert_int_equal(fb.type, RTCP_FB_OTHER);
        assert_int_equal(fb.fci_len, 8);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sr_handcrafted),
        cmocka_unit_test(test_compound_handcrafted),
        cmocka_unit_test(test_iter_rejects),
        cmocka_unit_test(test_iter_padding),
        cmocka_unit_test(test_sr_rr_round_trip),
        cmocka_unit_test(test_sdes_handcrafted),
        cmocka_unit_test(test_sdes_round_trip_and_errors),
        cmocka_unit_test(test_bye),
        cmocka_unit_test(test_nack_handcrafted),
        cmocka_unit_test(test_nack_edges),
        cmocka_unit_test(test_nack_build_packing),
        cmocka_unit_test(test_nack_round_trip_random),
        cmocka_unit_test(test_pli_fir),
        cmocka_unit_test(test_remb),
        cmocka_unit_test(test_twcc_run_length),
        cmocka_unit_test(test_twcc_vectors),
        cmocka_unit_test(test_twcc_rejects),
        cmocka_unit_test(test_twcc_round_trip),
        cmocka_unit_test(test_twcc_builder_chunks),
        cmocka_unit_test(test_twcc_builder_errors),
        cmocka_unit_test(test_truncation_every_length),
        cmocka_unit_test(test_overlong_lengths),
        cmocka_unit_test(test_rewrite_ssrcs),
        cmocka_unit_test(test_rewrite_rejects_malformed),
        cmocka_unit_test(test_builder_no_room),
        cmocka_unit_test(test_fb_parse_errors),
    };

    return cmocka_run_group_tests(tests, write_seeds, NULL);
}
