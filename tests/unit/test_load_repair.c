/* Tests for tests/load/load_repair.c: the transport-wide stamp, the
 * publisher's history and RTX packets (RFC 4588), reading the server's
 * feedback, the subscriber's NACKs (RFC 4585) and RTX unwrapping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/err.h"
#include "media/rtp.h"
#include "media/twcc.h"
#include "tests/load/load_repair.h"
#include "tests/load/marker.h"

#define SSRC 0x11223344u
#define RTX_SSRC 0x55667788u
#define PT 96
#define RTX_PT 97
#define TWCC_ID 3
#define MID_ID 4
#define RRID_ID 11
#define RID_ID 10

/* A camera packet as the generator sends it: twcc, mid and rid in the
 * extension block, a payload and the mark as padding. */
static size_t make_packet(uint8_t *buf, size_t cap, uint16_t seq, size_t payload, bool marker)
{
    uint8_t ext[LG_RTX_EXT_MAX];
    size_t e = lg_ext_block(ext, TWCC_ID, MID_ID, "1", RID_ID, "h");
    buf[0] = 0x90;
    buf[1] = (uint8_t)((marker ? 0x80 : 0) | PT);
    wr_put_u16(buf + 2, seq);
    wr_put_u32(buf + 4, 90000u + seq);
    wr_put_u32(buf + 8, SSRC);
    memcpy(buf + 12, ext, e);
    for (size_t i = 0; i < payload; i++)
        buf[12 + e + i] = (uint8_t)(seq + i);
    struct lg_marker m = {.stream = 0x101, .frame = seq, .count = 1, .send_us = 5};
    int n = lg_marker_append(buf, 12 + e + payload, cap, &m);
    assert_true(n > 0);
    return (size_t)n;
}

static void ext_block_and_stamp(void **state)
{
    (void)state;
    uint8_t b[LG_RTX_EXT_MAX], pkt[1500];
    struct rtp_packet p;
    struct rtp_ext_elem el;
    uint16_t seq;
    char s[16];

    assert_int_equal(lg_ext_block(b, 0, 0, "1", 0, "q"), 0);
    size_t n = lg_ext_block(b, TWCC_ID, MID_ID, "1", RRID_ID, "f");
    assert_int_equal(n % 4, 0);
    assert_int_equal(b[0], 0xBE);
    assert_int_equal(b[1], 0xDE);
    assert_int_equal(b[4], TWCC_ID << 4 | 1);
    /* Strings too long for one element are left out, not cut. */
    assert_int_equal(lg_ext_block(b, 0, MID_ID, "12345678901234567", 0, NULL), 0);

    size_t len = make_packet(pkt, sizeof pkt, 7, 100, false);
    assert_int_equal(lg_twcc_stamp(pkt, len, TWCC_ID, 0xABCD), 0);
    assert_int_equal(rtp_parse(&p, pkt, len), 0);
    assert_int_equal(rtp_ext_find(&p, TWCC_ID, &el), 0);
    assert_int_equal(rtp_ext_read_twcc_seq(&el, &seq), 0);
    assert_int_equal(seq, 0xABCD);
    assert_int_equal(rtp_ext_find(&p, RID_ID, &el), 0);
    assert_int_equal(rtp_ext_read_string(&el, s, sizeof s), 0);
    assert_string_equal(s, "h");
    /* Not first in the block: the general path finds it. */
    uint8_t other[LG_RTX_EXT_MAX];
    size_t e = lg_ext_block(other, 0, MID_ID, "1", 0, NULL);
    uint8_t q[64] = {0x90, PT, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1};
    memcpy(q + 12, other, e);
    q[12 + e - 1] = 0; /* room: grow the block by one word holding twcc id 5 */
    q[12 + e] = 5 << 4 | 1;
    q[12 + e + 3] = 0;
    wr_put_u16(q + 14, (uint16_t)((e - 4) / 4 + 1));
    assert_int_equal(lg_twcc_stamp(q, 12 + e + 4 + 4, 5, 0x0102), 0);
    assert_int_equal(rtp_parse(&p, q, 12 + e + 8), 0);
    assert_int_equal(rtp_ext_find(&p, 5, &el), 0);
    assert_int_equal(rtp_ext_read_twcc_seq(&el, &seq), 0);
    assert_int_equal(seq, 0x0102);
    /* No such element. */
    assert_true(lg_twcc_stamp(pkt, len, 9, 1) < 0);
}

static struct lg_rtx_sender x;

static void init_sender(void)
{
    uint8_t ext[LG_RTX_EXT_MAX];
    size_t e = lg_ext_block(ext, TWCC_ID, MID_ID, "1", RRID_ID, "h");
    struct lg_rtx_sender_cfg c = {.ssrc = SSRC,
                                  .rtx_ssrc = RTX_SSRC,
                                  .rtx_pt = RTX_PT,
                                  .first_rtx_seq = 0xFFFF,
                                  .ext = ext,
                                  .ext_len = e};
    assert_int_equal(lg_rtx_sender_init(&x, &c), 0);
}

/* RFC 4588 §4: the RTX packet carries the OSN and the original payload
 * without its padding, on the RTX SSRC with its own sequence; unwrapped
 * it is the original packet minus the padding. */
static void rtx_round_trip(void **state)
{
    (void)state;
    uint8_t pkt[1500], rtx[1500], back[1500];
    struct rtp_packet o, r, u;
    struct rtp_ext_elem el;
    char s[16];

    init_sender();
    size_t len = make_packet(pkt, sizeof pkt, 1000, 300, true);
    lg_rtx_remember(&x, 100, pkt, len);
    int n = lg_rtx_build(&x, 200, 1000, rtx, sizeof rtx);
    assert_true(n > 0);
    assert_int_equal(rtp_parse(&o, pkt, len), 0);
    assert_int_equal(rtp_parse(&r, rtx, (size_t)n), 0);
    assert_int_equal(r.pt, RTX_PT);
    assert_int_equal(r.ssrc, RTX_SSRC);
    assert_int_equal(r.seq, 0xFFFF);
    assert_true(r.marker);
    assert_false(r.padding);
    assert_int_equal(r.timestamp, o.timestamp);
    assert_int_equal(r.payload_len, o.payload_len + 2);
    assert_int_equal(r.payload[0] << 8 | r.payload[1], 1000);
    assert_memory_equal(r.payload + 2, o.payload, o.payload_len);
    assert_int_equal(rtp_ext_find(&r, RRID_ID, &el), 0);
    assert_int_equal(rtp_ext_read_string(&el, s, sizeof s), 0);
    assert_string_equal(s, "h");
    assert_true(rtp_ext_find(&r, RID_ID, &el) < 0);

    int m = lg_rtx_unwrap(rtx, (size_t)n, PT, SSRC, back, sizeof back);
    assert_true(m > 0);
    assert_int_equal(rtp_parse(&u, back, (size_t)m), 0);
    assert_int_equal(u.seq, 1000);
    assert_int_equal(u.ssrc, SSRC);
    assert_int_equal(u.pt, PT);
    assert_true(u.marker);
    assert_false(u.padding);
    assert_int_equal(u.payload_len, o.payload_len);
    assert_memory_equal(u.payload, o.payload, o.payload_len);
    /* The RTX sequence goes on (and wraps). */
    lg_rtx_remember(&x, 300, pkt, len);
    n = lg_rtx_build(&x, 400, 1000, rtx, sizeof rtx);
    assert_int_equal(rtp_parse(&r, rtx, (size_t)n), 0);
    assert_int_equal(r.seq, 0);
    assert_int_equal(x.resent, 2);
    lg_rtx_sender_free(&x);
}

/* What is not answered: unknown, overwritten, too old, too soon again;
 * a buffer too small. */
static void rtx_refusals(void **state)
{
    (void)state;
    uint8_t pkt[1500], rtx[1500];

    init_sender();
    size_t len = make_packet(pkt, sizeof pkt, 5, 200, false);
    lg_rtx_remember(&x, 0, pkt, len);
    assert_int_equal(lg_rtx_build(&x, 10, 6, rtx, sizeof rtx), 0);
    assert_int_equal(x.unknown, 1);
    assert_int_equal(lg_rtx_build(&x, 10, 5, rtx, 20), ERR_TOOBIG);
    assert_true(lg_rtx_build(&x, 10, 5, rtx, sizeof rtx) > 0);
    assert_int_equal(lg_rtx_build(&x, 10 + LG_RTX_HOLDOFF_US - 1, 5, rtx, sizeof rtx), 0);
    assert_int_equal(x.held, 1);
    assert_true(lg_rtx_build(&x, 10 + LG_RTX_HOLDOFF_US, 5, rtx, sizeof rtx) > 0);
    assert_int_equal(lg_rtx_build(&x, LG_RTX_MAX_AGE_US + 1, 5, rtx, sizeof rtx), 0);
    assert_int_equal(x.unknown, 2);
    /* Overwritten by the packet LG_RTX_SLOTS later. */
    size_t l2 = make_packet(pkt, sizeof pkt, 5 + LG_RTX_SLOTS, 10, false);
    lg_rtx_remember(&x, 20, pkt, l2);
    assert_int_equal(lg_rtx_build(&x, 30, 5, rtx, sizeof rtx), 0);
    assert_true(lg_rtx_build(&x, 30, 5 + LG_RTX_SLOTS, rtx, sizeof rtx) > 0);
    /* Too long to keep; too short to be RTP. */
    uint8_t big[LG_RTX_SLOT_MAX + 1] = {0x80};
    lg_rtx_remember(&x, 40, big, sizeof big);
    assert_int_equal(x.too_long, 1);
    lg_rtx_remember(&x, 40, big, 5);
    assert_int_equal(x.remembered, 2);
    lg_rtx_sender_free(&x);
    struct lg_rtx_sender_cfg bad = {.ssrc = 1, .rtx_ssrc = 1, .rtx_pt = 97};
    assert_int_equal(lg_rtx_sender_init(&x, &bad), ERR_INVAL);
    bad.rtx_ssrc = 2;
    bad.ext_len = 3;
    assert_int_equal(lg_rtx_sender_init(&x, &bad), ERR_INVAL);
}

static void unwrap_edges(void **state)
{
    (void)state;
    uint8_t in[64] = {0xA0, RTX_PT, 0, 9, 0, 0, 0, 1, 0, 0, 0, 2}, out[64];
    /* Padding only (a probe): P bit, no payload. */
    in[12] = 0;
    in[13] = 0;
    in[14] = 0;
    in[15] = 4;
    assert_int_equal(lg_rtx_unwrap(in, 16, PT, SSRC, out, sizeof out), 0);
    /* One payload byte: no OSN. */
    in[0] = 0x80;
    assert_int_equal(lg_rtx_unwrap(in, 13, PT, SSRC, out, sizeof out), 0);
    /* OSN alone: an empty original payload. */
    assert_int_equal(lg_rtx_unwrap(in, 14, PT, SSRC, out, sizeof out), 12);
    assert_int_equal(lg_rtx_unwrap(in, 15, PT, SSRC, out, 12), ERR_TOOBIG);
    assert_int_equal(lg_rtx_unwrap(in, 11, PT, SSRC, out, sizeof out), ERR_PARSE);
    in[0] = 0x40; /* version 1 */
    assert_int_equal(lg_rtx_unwrap(in, 20, PT, SSRC, out, sizeof out), ERR_PARSE);
}

/* The server's NACK and transport-cc feedback as lg_fb_scan reads them. */
static void scan_feedback(void **state)
{
    (void)state;
    static struct lg_fb_scan sc;
    uint8_t buf[1500];
    struct wr w;
    const uint16_t lost[] = {10, 12, 40};
    struct twcc_recv *tw;

    wr_init(&w, buf, sizeof buf);
    assert_int_equal(rtcp_build_nack(&w, 1, SSRC, lost, 3), 0);
    assert_int_equal(twcc_recv_create(&tw, NULL), 0);
    for (uint16_t s = 0; s < 20; s++)
        if (s != 7)
            twcc_recv_packet(tw, 1000 + s * 1000, s);
    int n = twcc_recv_timeout(tw, 1000000, w.p, wr_left(&w), 1, 2);
    assert_true(n > 0);
    w.p += n;
    twcc_recv_destroy(tw);
    lg_fb_scan(&sc, buf, (size_t)(w.p - buf));
    assert_int_equal(sc.nack_packets, 1);
    assert_int_equal(sc.twcc_packets, 1);
    assert_int_equal(sc.bad, 0);
    assert_int_equal(sc.n_req, 3);
    assert_int_equal(sc.req[0].ssrc, SSRC);
    assert_int_equal(sc.req[0].seq, 10);
    assert_int_equal(sc.req[1].seq, 12);
    assert_int_equal(sc.req[2].seq, 40);
    /* A NACK without FCI is bad; a truncated compound stops the scan. */
    uint8_t bad[12] = {0x81, 205, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2};
    lg_fb_scan(&sc, bad, sizeof bad);
    assert_int_equal(sc.bad, 1);
    assert_int_equal(sc.n_req, 0);
    lg_fb_scan(&sc, buf, 7);
    assert_int_equal(sc.n_req + sc.nack_packets + sc.twcc_packets, 0);
}

static size_t nacked(const uint8_t *buf, size_t len, uint16_t *seqs, size_t cap)
{
    struct rtcp_iter it;
    struct rtcp_block b;
    struct rtcp_fb fb;
    size_t n = 0;

    rtcp_iter_init(&it, buf, len);
    assert_true(rtcp_iter_next(&it, &b));
    assert_int_equal(rtcp_parse_fb(&fb, &b), 0);
    assert_int_equal(fb.type, RTCP_FB_NACK);
    assert_int_equal(fb.media_ssrc, SSRC);
    assert_int_equal(rtcp_parse_nack(&fb, seqs, cap, &n), 0);
    return n;
}

/* Gaps are NACKed at once, again after LG_NACK_RETRY_US, given up after
 * LG_NACK_TRIES; what arrives is no longer asked for; across the wrap. */
static void nack_rx(void **state)
{
    (void)state;
    struct lg_nack_rx n = {0};
    uint8_t buf[1500];
    uint16_t seqs[64];
    struct wr w;

    lg_nack_rx_packet(&n, 0, 65533);
    lg_nack_rx_packet(&n, 0, 65534);
    assert_int_equal(lg_nack_rx_deadline(&n), INT64_MAX);
    lg_nack_rx_packet(&n, 1000, 2); /* 65535, 0, 1 missing */
    assert_int_equal(n.missing, 3);
    assert_int_equal(lg_nack_rx_deadline(&n), 1000);
    wr_init(&w, buf, sizeof buf);
    assert_int_equal(lg_nack_rx_build(&n, 1000, 9, SSRC, &w), 3);
    assert_int_equal(nacked(buf, (size_t)(w.p - buf), seqs, 64), 3);
    assert_int_equal(seqs[0], 65535);
    assert_int_equal(seqs[1], 0);
    assert_int_equal(seqs[2], 1);
    /* Not due again before the retry interval. */
    wr_init(&w, buf, sizeof buf);
    assert_int_equal(lg_nack_rx_build(&n, 1000 + LG_NACK_RETRY_US - 1, 9, SSRC, &w), 0);
    assert_int_equal(lg_nack_rx_deadline(&n), 1000 + LG_NACK_RETRY_US);
    lg_nack_rx_packet(&n, 2000, 0); /* repaired */
    lg_nack_rx_packet(&n, 2000, 0); /* duplicate: nothing */
    assert_int_equal(n.recovered, 1);
    int64_t t = 1000;
    for (int i = 1; i < LG_NACK_TRIES; i++) {
        t += LG_NACK_RETRY_US;
        wr_init(&w, buf, sizeof buf);
        assert_int_equal(lg_nack_rx_build(&n, t, 9, SSRC, &w), 2);
    }
    assert_int_equal(n.requests, 3 + 2 * (LG_NACK_TRIES - 1));
    t += LG_NACK_RETRY_US;
    wr_init(&w, buf, sizeof buf);
    assert_int_equal(lg_nack_rx_build(&n, t, 9, SSRC, &w), 0);
    assert_int_equal(n.given_up, 2);
    assert_int_equal(n.n_miss, 0);
    assert_int_equal(lg_nack_rx_deadline(&n), INT64_MAX);
    assert_int_equal(n.nacks, LG_NACK_TRIES);
}

/* The list is bounded: a long gap keeps its newest LG_NACK_MAX numbers,
 * and no room in the output counts nothing as sent. */
static void nack_rx_bounds(void **state)
{
    (void)state;
    struct lg_nack_rx n = {0};
    uint8_t buf[1500];
    uint16_t seqs[RTCP_NACK_MAX_SEQS];
    struct wr w;

    lg_nack_rx_packet(&n, 0, 100);
    lg_nack_rx_packet(&n, 0, 100 + 1 + LG_NACK_MAX + 10);
    assert_int_equal(n.missing, LG_NACK_MAX + 10);
    assert_int_equal(n.given_up, 10);
    assert_int_equal(n.n_miss, LG_NACK_MAX);
    lg_nack_rx_packet(&n, 0, 100 + 1 + LG_NACK_MAX + 12); /* two more: the oldest go */
    assert_int_equal(n.n_miss, LG_NACK_MAX);
    assert_int_equal(n.given_up, 11);
    wr_init(&w, buf, 20);
    assert_int_equal(lg_nack_rx_build(&n, 0, 9, SSRC, &w), ERR_TOOBIG);
    assert_int_equal(n.requests, 0);
    wr_init(&w, buf, sizeof buf);
    assert_int_equal(lg_nack_rx_build(&n, 0, 9, SSRC, &w), LG_NACK_MAX);
    size_t k = nacked(buf, (size_t)(w.p - buf), seqs, RTCP_NACK_MAX_SEQS);
    assert_int_equal(k, LG_NACK_MAX);
    assert_int_equal(seqs[k - 1], 100 + LG_NACK_MAX + 12);
    /* A packet older than everything missing changes nothing. */
    lg_nack_rx_packet(&n, 0, 50);
    assert_int_equal(n.n_miss, LG_NACK_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ext_block_and_stamp), cmocka_unit_test(rtx_round_trip),
        cmocka_unit_test(rtx_refusals),        cmocka_unit_test(unwrap_edges),
        cmocka_unit_test(scan_feedback),       cmocka_unit_test(nack_rx),
        cmocka_unit_test(nack_rx_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
