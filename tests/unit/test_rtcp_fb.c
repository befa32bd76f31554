/* Tests for media/rtcp_fb.c: NACK, PLI, FIR, REMB and transport-cc feedback. */

#include "rtcp_vectors.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
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
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
