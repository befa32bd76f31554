/* Tests for bwe_stamp (media/bwe.c): what a media worker does with every RTP
 * packet it forwards to a subscriber. Forwarded packets come from several
 * publishers: some carry the transport-cc extension, some do not (a
 * publisher that did not negotiate it). A transport-wide sequence number
 * may only be used up by a packet that carries it, or the subscriber's
 * feedback (built here by media/twcc.c, as the browser would) reports the
 * numbers it never saw as not received. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "media/bwe.h"
#include "media/rtcp.h"
#include "media/rtp.h"
#include "media/twcc.h"
#include "base/err.h"

#define T0 1000000
#define TWCC_ID 3
#define LEVEL_ID 1
#define PKT_MAX 64
#define N_PKTS 12

/* An RTP packet with a one-byte-header extension block holding, if asked,
 * the transport-cc element (id TWCC_ID, 2 bytes, zero) and an audio level
 * (id LEVEL_ID, 1 byte); with neither, no extension block at all. */
static size_t make_pkt(uint8_t *p, uint16_t seq, bool twcc, bool level)
{
    size_t n = 12;
    bool ext = twcc || level;

    memset(p, 0, PKT_MAX);
    p[0] = (uint8_t)(0x80 | (ext ? 0x10 : 0));
    p[1] = 96;
    p[2] = (uint8_t)(seq >> 8);
    p[3] = (uint8_t)seq;
    p[11] = 0x42; /* SSRC */
    if (ext) {
        p[n++] = 0xBE;
        p[n++] = 0xDE;
        p[n++] = 0;
        p[n++] = 1; /* one 32-bit word */
        if (twcc) {
            p[n++] = TWCC_ID << 4 | 1; /* id, length - 1 */
            n += 2;
        }
        if (level)
            p[n++] = LEVEL_ID << 4;
        while (n < 20)
            n++; /* padding bytes are zero */
    }
    memset(p + n, 0x77, 8); /* payload */
    return n + 8;
}

/* The transport-wide seq the packet carries, as the receiver reads it. */
static bool read_seq(const uint8_t *p, size_t len, uint16_t *seq)
{
    struct rtp_packet k;
    struct rtp_ext_elem e;

    assert_int_equal(rtp_parse(&k, p, len), 0);
    return rtp_ext_find(&k, TWCC_ID, &e) == 0 && rtp_ext_read_twcc_seq(&e, seq) == 0;
}

static void test_stamp_refuses(void **state)
{
    (void)state;
    struct bwe *b;
    struct bwe_stats st;
    uint8_t p[PKT_MAX];
    size_t n;

    assert_int_equal(bwe_create(&b, NULL), 0);
    n = make_pkt(p, 1, false, false);
    assert_int_equal(bwe_stamp(b, T0, p, n, TWCC_ID, n), ERR_NOTFOUND);
    n = make_pkt(p, 2, false, true);
    assert_int_equal(bwe_stamp(b, T0, p, n, TWCC_ID, n), ERR_NOTFOUND);
    n = make_pkt(p, 3, true, false);
    assert_int_equal(bwe_stamp(b, T0, p, n, 0, n), ERR_INVAL);
    /* The audio level's one byte is not a place for two. */
    n = make_pkt(p, 4, false, true);
    assert_int_equal(bwe_stamp(b, T0, p, n, LEVEL_ID, n), ERR_PROTO);
    assert_true(bwe_stamp(b, T0, p, 5, TWCC_ID, n) < 0); /* truncated */
    bwe_get_stats(b, &st);
    assert_int_equal(st.sent, 0);
    /* The first packet that can carry it gets the first number. */
    n = make_pkt(p, 5, true, true);
    assert_int_equal(bwe_stamp(b, T0, p, n, TWCC_ID, n), 0);
    uint16_t seq = 0xffff;
    assert_true(read_seq(p, n, &seq));
    assert_int_equal(seq, 0);
    bwe_get_stats(b, &st);
    assert_int_equal(st.sent, 1);
    bwe_destroy(b);
}

/* A subscriber gets an interleaving of packets with and without the
 * extension, all arrive; its feedback must acknowledge every number we
 * used and report none missing. */
static void test_mixed_forwarding_no_false_loss(void **state)
{
    (void)state;
    struct bwe_cfg cfg = {.first_seq = 65530}; /* across the wrap too */
    struct bwe *b;
    struct twcc_recv *rx;
    struct bwe_stats st;
    uint8_t p[PKT_MAX];
    uint8_t fb[TWCC_FB_MAX_BYTES];
    struct rtcp_twcc_pkt pkts[N_PKTS];
    unsigned carried = 0, received = 0, reported = 0;
    int64_t now = T0;
    int len;

    assert_int_equal(bwe_create(&b, &cfg), 0);
    assert_int_equal(twcc_recv_create(&rx, NULL), 0);
    for (unsigned i = 0; i < N_PKTS; i++) {
        bool twcc = i % 3 != 1; /* every third from a publisher without it */
        size_t n = make_pkt(p, (uint16_t)i, twcc, i % 2 == 0);
        int rc = bwe_stamp(b, now, p, n, TWCC_ID, n + 38);
        uint16_t seq;

        assert_int_equal(rc, twcc ? 0 : ERR_NOTFOUND);
        carried += twcc;
        /* The browser: every packet arrives 20 ms later. */
        if (read_seq(p, n, &seq)) {
            assert_int_equal(seq, (uint16_t)(65530 + received));
            twcc_recv_packet(rx, now + 20000, seq);
            received++;
        }
        now += 5000;
    }
    assert_int_equal(received, carried);
    bwe_get_stats(b, &st);
    assert_int_equal(st.sent, carried);

    now += 200000;
    while ((len = twcc_recv_timeout(rx, now, fb, sizeof fb, 1, 0x42)) > 0) {
        struct rtcp_iter it;
        struct rtcp_block blk;
        struct rtcp_fb f;
        struct rtcp_twcc tw;

        rtcp_iter_init(&it, fb, (size_t)len);
        while (rtcp_iter_next(&it, &blk)) {
            assert_int_equal(rtcp_parse_fb(&f, &blk), 0);
            assert_int_equal(f.type, RTCP_FB_TWCC);
            assert_int_equal(rtcp_parse_twcc(&tw, pkts, N_PKTS, &f), 0);
            for (size_t k = 0; k < tw.status_count; k++)
                assert_true(pkts[k].received); /* no number that never came */
            reported += tw.status_count;
            assert_int_equal(bwe_on_feedback(b, now, &tw, pkts, tw.status_count), 0);
        }
    }
    assert_int_equal(reported, carried);
    bwe_get_stats(b, &st);
    assert_int_equal(st.acked, carried);
    assert_int_equal(st.unknown, 0);
    twcc_recv_destroy(rx);
    bwe_destroy(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stamp_refuses),
        cmocka_unit_test(test_mixed_forwarding_no_false_loss),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
