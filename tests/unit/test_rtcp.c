/* Tests for media/rtcp.c and media/rtcp_fb.c: compound iteration, every
 * parser against handcrafted bytes, builder -> parser round trips, NACK and
 * transport-cc encoding, truncation and overlong lengths, SSRC rewriting.
 *
 * With SAMTALE_SEED_DIR set, the vectors are also written there as files:
 *   SAMTALE_SEED_DIR=tests/fuzz/corpus/rtcp build/debug/tests/test_rtcp */

#include "rtcp_vectors.h"

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
        cmocka_unit_test(test_truncation_every_length),
        cmocka_unit_test(test_overlong_lengths),
        cmocka_unit_test(test_rewrite_ssrcs),
        cmocka_unit_test(test_rewrite_rejects_malformed),
        cmocka_unit_test(test_builder_no_room),
        cmocka_unit_test(test_fb_parse_errors),
    };

    return cmocka_run_group_tests(tests, write_seeds, NULL);
}
