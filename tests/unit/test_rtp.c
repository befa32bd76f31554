/* Tests for media/rtp.c: parsing, RFC 8285 extensions, in-place rewriting,
 * sequence arithmetic, VP8 and H.264 keyframe detection.
 *
 * With SAMTALE_SEED_DIR set, the vectors are also written there as files:
 *   SAMTALE_SEED_DIR=tests/fuzz/corpus/rtp build/debug/tests/test_rtp */

#include "rtp_vectors.h"

static int write_seeds(void **state)
{
    static const struct {
        const char *name;
        const uint8_t *buf;
        size_t len;
    } v[] = {
        {"chromium_vp8", chromium_vp8, sizeof(chromium_vp8)},
        {"two_byte_ext", two_byte_ext, sizeof(two_byte_ext)},
        {"csrc_padding", csrc_padding, sizeof(csrc_padding)},
        {"audio_level", audio_level, sizeof(audio_level)},
        {"vp8_key_full", vp8_key_full, sizeof(vp8_key_full)},
        {"vp8_delta", vp8_delta, sizeof(vp8_delta)},
        {"h264_stap_a", h264_stap_a, sizeof(h264_stap_a)},
        {"h264_stap_a_delta", h264_stap_a_delta, sizeof(h264_stap_a_delta)},
        {"h264_fu_a_start_idr", h264_fu_a_start_idr, sizeof(h264_fu_a_start_idr)},
        {"h264_single_idr", h264_single_idr, sizeof(h264_single_idr)},
    };
    uint8_t buf[256];

    (void)state;
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        if (i < 4) {
            dump_seed(v[i].name, v[i].buf, v[i].len);
        } else {
            size_t n = wrap_rtp(buf, sizeof(buf), v[i].buf, v[i].len);

            dump_seed(v[i].name, buf, n);
        }
    }
    return 0;
}

/* ---- parsing ---- */

static void test_parse_minimal(void **state)
{
    static const uint8_t p[] = {0x80, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 5};
    struct rtp_packet pkt;

    (void)state;
    assert_int_equal(rtp_parse(&pkt, p, sizeof(p)), 0);
    assert_int_equal(pkt.pt, 0);
    assert_int_equal(pkt.seq, 1);
    assert_int_equal(pkt.ssrc, 5);
    assert_int_equal(pkt.header_len, 12);
    assert_int_equal(pkt.payload_len, 0);
    assert_false(pkt.extension);
    assert_int_equal(rtp_ext_form(&pkt), RTP_EXT_FORM_NONE);
}

static void test_parse_chromium_one_byte(void **state)
{
    struct rtp_packet pkt;
    struct rtp_ext_iter it;
    struct rtp_ext_elem e;
    uint8_t ids[8];
    size_t n = 0;
    uint32_t ast;
    uint16_t tseq;
    char mid[RTP_EXT_STR_MAX + 1];

    (void)state;
    assert_int_equal(rtp_parse(&pkt, chromium_vp8, sizeof(chromium_vp8)), 0);
    assert_false(pkt.marker);
    assert_int_equal(pkt.pt, 96);
    assert_int_equal(pkt.seq, 0x1234);
    assert_int_equal(pkt.timestamp, 123456);
    assert_int_equal(pkt.ssrc, 0xdeadbeef);
    assert_int_equal(pkt.ext_profile, 0xbede);
    assert_int_equal(pkt.ext_len, 12);
    assert_int_equal(pkt.header_len, 28);
    assert_int_equal(pkt.payload_len, sizeof(chromium_vp8) - 28);
    assert_ptr_equal(pkt.payload, chromium_vp8 + 28);
    assert_int_equal(rtp_ext_form(&pkt), RTP_EXT_FORM_ONE_BYTE);

    rtp_ext_iter_init(&it, &pkt);
    while (rtp_ext_next(&it, &e))
        ids[n++] = e.id;
    assert_false(it.err);
    assert_int_equal(n, 3);
    assert_int_equal(ids[0], 2);
    assert_int_equal(ids[1], 3);
    assert_int_equal(ids[2], 4);

    assert_int_equal(rtp_ext_find(&pkt, 2, &e), 0);
    assert_int_equal(rtp_ext_read_abs_send_time(&e, &ast), 0);
    assert_int_equal(ast, 0x123456);
    assert_int_equal(rtp_ext_find(&pkt, 3, &e), 0);
    assert_int_equal(rtp_ext_read_twcc_seq(&e, &tseq), 0);
    assert_int_equal(tseq, 42);
    assert_int_equal(rtp_ext_find(&pkt, 4, &e), 0);
    assert_int_equal(rtp_ext_read_string(&e, mid, sizeof(mid)), 0);
    assert_string_equal(mid, "0");
    assert_int_equal(rtp_ext_find(&pkt, 9, &e), ERR_NOTFOUND);
    /* Wrong readers for the element lengths. */
    assert_int_equal(rtp_ext_read_twcc_seq(&e, &tseq), ERR_PARSE);
    assert_int_equal(rtp_ext_read_abs_send_time(&e, &ast), ERR_PARSE);
}

static void test_parse_two_byte(void **state)
{
    struct rtp_packet pkt;
    struct rtp_ext_iter it;
    struct rtp_ext_elem e[4];
    size_t n = 0;
    char rid[RTP_EXT_STR_MAX + 1];
    bool voice;
    uint8_t level;

    (void)state;
    assert_int_equal(rtp_parse(&pkt, two_byte_ext, sizeof(two_byte_ext)), 0);
    assert_true(pkt.marker);
    assert_int_equal(pkt.pt, 111);
    assert_int_equal(pkt.seq, 65535);
    assert_int_equal(rtp_ext_form(&pkt), RTP_EXT_FORM_TWO_BYTE);
    assert_int_equal(pkt.payload_len, 3);
    assert_int_equal(pkt.payload[0], 0xfc);

    rtp_ext_iter_init(&it, &pkt);
    while (n < 4 && rtp_ext_next(&it, &e[n]))
        n++;
    assert_false(it.err);
    assert_int_equal(n, 3);
    assert_int_equal(e[0].id, 5);
    assert_int_equal(e[0].len, 0);
    assert_int_equal(e[1].id, 10);
    assert_int_equal(e[1].len, 17);
    assert_int_equal(e[2].id, 1);
    assert_int_equal(rtp_ext_read_string(&e[1], rid, sizeof(rid)), 0);
    assert_string_equal(rid, "abcdefghijklmnopq");
    assert_int_equal(rtp_ext_read_string(&e[1], rid, 17), ERR_TOOBIG);
    assert_int_equal(rtp_ext_read_string(&e[0], rid, sizeof(rid)), ERR_PARSE); /* empty */
    assert_int_equal(rtp_ext_read_audio_level(&e[2], &voice, &level), 0);
    assert_true(voice);
    assert_int_equal(level, 15);
    assert_int_equal(rtp_ext_read_audio_level(&e[0], &voice, &level), ERR_PARSE);

    /* appbits in the low nibble are still the two-byte form. */
    {
        uint8_t p[sizeof(two_byte_ext)];

        memcpy(p, two_byte_ext, sizeof(p));
        p[13] = 0x0f;
        assert_int_equal(rtp_parse(&pkt, p, sizeof(p)), 0);
        assert_int_equal(rtp_ext_form(&pkt), RTP_EXT_FORM_TWO_BYTE);
        p[12] = 0x20; /* 0x200f: some other profile */
        assert_int_equal(rtp_parse(&pkt, p, sizeof(p)), 0);
        assert_int_equal(rtp_ext_form(&pkt), RTP_EXT_FORM_OTHER);
        rtp_ext_iter_init(&it, &pkt);
        assert_false(rtp_ext_next(&it, &e[0]));
        assert_false(it.err);
    }
}

static void test_parse_csrc_padding(void **state)
{
    struct rtp_packet pkt;

    (void)state;
    assert_int_equal(rtp_parse(&pkt, csrc_padding, sizeof(csrc_padding)), 0);
    assert_true(pkt.padding);
    assert_int_equal(pkt.csrc_count, 2);
    assert_int_equal(pkt.csrc[0], 0x11);
    assert_int_equal(pkt.csrc[1], 0x22);
    assert_int_equal(pkt.pt, 8);
    assert_int_equal(pkt.header_len, 20);
    assert_int_equal(pkt.padding_len, 4);
    assert_int_equal(pkt.payload_len, 3);
    assert_memory_equal(pkt.payload, "\xd5\xd5\xd5", 3);
}

static void test_padding_rules(void **state)
{
    uint8_t p[sizeof(csrc_padding)];
    struct rtp_packet pkt;

    (void)state;
    memcpy(p, csrc_padding, sizeof(p));
    p[sizeof(p) - 1] = 0; /* count 0 */
    assert_int_equal(rtp_parse(&pkt, p, sizeof(p)), ERR_PARSE);
    p[sizeof(p) - 1] = 8; /* longer than the 7 bytes after the header */
    assert_int_equal(rtp_parse(&pkt, p, sizeof(p)), ERR_PARSE);
    p[sizeof(p) - 1] = 7; /* all of it: an empty payload */
    assert_int_equal(rtp_parse(&pkt, p, sizeof(p)), 0);
    assert_int_equal(pkt.payload_len, 0);
    /* P set on a packet with nothing after the header. */
    assert_int_equal(rtp_parse(&pkt, p, 20), ERR_PARSE);
}

static void test_reject_version(void **state)
{
    uint8_t p[sizeof(chromium_vp8)];
    struct rtp_packet pkt;

    (void)state;
    memcpy(p, chromium_vp8, sizeof(p));
    for (unsigned v = 0; v < 4; v++) {
        p[0] = (uint8_t)((p[0] & 0x3f) | v << 6);
        assert_int_equal(rtp_parse(&pkt, p, sizeof(p)), v == 2 ? 0 : ERR_PARSE);
    }
    assert_int_equal(rtp_parse(&pkt, NULL, 0), ERR_PARSE);
}

static void test_truncation_every_length(void **state)
{
    const uint8_t *vec[] = {chromium_vp8, two_byte_ext, csrc_padding, audio_level};
    size_t lens[] = {sizeof(chromium_vp8), sizeof(two_byte_ext), sizeof(csrc_padding),
                     sizeof(audio_level)};

    (void)state;
    for (size_t v = 0; v < 4; v++) {
        struct rtp_packet full;

        assert_int_equal(rtp_parse(&full, vec[v], lens[v]), 0);
        for (size_t len = 0; len < lens[v]; len++) {
            uint8_t *copy = malloc(len ? len : 1); /* exact size for ASan */
            struct rtp_packet pkt;
            int rc;

            memcpy(copy, vec[v], len);
            rc = rtp_parse(&pkt, copy, len);
            if (len < full.header_len)
                assert_int_equal(rc, ERR_PARSE);
            if (rc == 0) {
                assert_int_equal(pkt.header_len + pkt.payload_len + pkt.padding_len, len);
                if (!full.padding)
                    assert_int_equal(pkt.payload_len, len - full.header_len);
            }
            free(copy);
        }
    }
}

static void test_overlong_lengths(void **state)
{
    uint8_t p[sizeof(chromium_vp8)];
    struct rtp_packet pkt;

    (void)state;
    memcpy(p, chromium_vp8, sizeof(p));
    /* Extension length claims 0xffff words. */
    p[14] = 0xff;
    p[15] = 0xff;
    assert_int_equal(rtp_parse(&pkt, p, sizeof(p)), ERR_PARSE);
    /* Just one word more than the packet holds. */
    p[14] = 0;
    p[15] = (uint8_t)((sizeof(p) - 16) / 4 + 1);
    assert_int_equal(rtp_parse(&pkt, p, sizeof(p)), ERR_PARSE);
    /* Exactly the packet: an empty payload. */
    memcpy(p, chromium_vp8, sizeof(p));
    p[15] = 3;
    assert_int_equal(rtp_parse(&pkt, p, 28), 0);
    assert_int_equal(pkt.payload_len, 0);
    /* 15 CSRCs need 72 bytes. */
    {
        uint8_t q[72] = {0x8f};

        assert_int_equal(rtp_parse(&pkt, q, 71), ERR_PARSE);
        assert_int_equal(rtp_parse(&pkt, q, sizeof(q)), 0);
        assert_int_equal(pkt.csrc_count, 15);
        assert_int_equal(pkt.payload_len, 0);
    }
}

static void test_ext_malformed(void **state)
{
    /* clang-format off */
    uint8_t p[] = {
        0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, /* X=1 PT=96 seq 1 ts 1 SSRC 1 */
        0xbe, 0xde, 0x00, 0x02,                   /* one-byte form, 2 words */
        0x00,                                     /* padding */
        0x10, 0x7f,                               /* id 1, 1 byte */
        0xf3, 0xaa, 0xbb,                         /* id 15: stop here */
        0x21, 0x00};                              /* id 2 (never reached) */
    /* clang-format on */
    struct rtp_packet pkt;
    struct rtp_ext_iter it;
    struct rtp_ext_elem e;
    size_t n = 0;

    (void)state;
    assert_int_equal(rtp_parse(&pkt, p, sizeof(p)), 0);
    rtp_ext_iter_init(&it, &pkt);
    while (rtp_ext_next(&it, &e))
        n++;
    assert_int_equal(n, 1);
    assert_false(it.err);
    assert_int_equal(rtp_ext_find(&pkt, 2, &e), ERR_NOTFOUND);

    /* id 2 with L=15 (16 bytes) overruns the 8-byte block. */
    p[19] = 0x2f;
    assert_int_equal(rtp_parse(&pkt, p, sizeof(p)), 0);
    assert_int_equal(rtp_ext_find(&pkt, 1, &e), 0);
    assert_int_equal(rtp_ext_find(&pkt, 2, &e), ERR_PARSE);
    rtp_ext_iter_init(&it, &pkt);
    while (rtp_ext_next(&it, &e))
        ;
    assert_true(it.err);

    /* Two-byte form: a length byte missing at the end of the block. */
    {
        uint8_t q[] = {0x90, 0x60, 0,    1,    0,    0,    0,    1,    0,    0,
                       0,    1,    0x10, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x07};

        assert_int_equal(rtp_parse(&pkt, q, sizeof(q)), 0);
        assert_int_equal(rtp_ext_find(&pkt, 7, &e), ERR_PARSE);
        q[19] = 0x00;
        assert_int_equal(rtp_ext_find(&pkt, 7, &e), ERR_NOTFOUND); /* all padding */
    }
}

static void test_ext_set_in_place(void **state)
{
    uint8_t p[sizeof(chromium_vp8)];
    struct rtp_packet pkt;
    struct rtp_ext_elem e;
    uint16_t tseq;
    uint32_t ast;
    char mid[8];

    (void)state;
    memcpy(p, chromium_vp8, sizeof(p));
    assert_int_equal(rtp_ext_set_twcc_seq(p, sizeof(p), 3, 0xbeef), 0);
    assert_int_equal(rtp_ext_set_abs_send_time(p, sizeof(p), 2, 0xabcdef), 0);
    assert_int_equal(rtp_ext_set(p, sizeof(p), 4, (const uint8_t *)"7", 1), 0);
    /* Only those bytes changed. */
    for (size_t i = 0; i < sizeof(p); i++) {
        if (i == 17 || i == 18 || i == 19 || i == 21 || i == 22 || i == 24)
            continue;
        assert_int_equal(p[i], chromium_vp8[i]);
    }
    assert_int_equal(rtp_parse(&pkt, p, sizeof(p)), 0);
    assert_int_equal(rtp_ext_find(&pkt, 3, &e), 0);
    assert_int_equal(rtp_ext_read_twcc_seq(&e, &tseq), 0);
    assert_int_equal(tseq, 0xbeef);
    assert_int_equal(rtp_ext_find(&pkt, 2, &e), 0);
    assert_int_equal(rtp_ext_read_abs_send_time(&e, &ast), 0);
    assert_int_equal(ast, 0xabcdef);
    assert_int_equal(rtp_ext_find(&pkt, 4, &e), 0);
    assert_int_equal(rtp_ext_read_string(&e, mid, sizeof(mid)), 0);
    assert_string_equal(mid, "7");

    /* Different length: nothing written. */
    memcpy(p, chromium_vp8, sizeof(p));
    assert_int_equal(rtp_ext_set(p, sizeof(p), 4, (const uint8_t *)"17", 2), ERR_PROTO);
    assert_int_equal(rtp_ext_set_twcc_seq(p, sizeof(p), 9, 1), ERR_NOTFOUND);
    assert_memory_equal(p, chromium_vp8, sizeof(p));
    assert_int_equal(rtp_ext_set_twcc_seq(p, 10, 3, 1), ERR_PARSE);
    /* Two-byte form too. */
    {
        uint8_t q[sizeof(two_byte_ext)];

        memcpy(q, two_byte_ext, sizeof(q));
        assert_int_equal(rtp_ext_set(q, sizeof(q), 1, (const uint8_t *)"\x05", 1), 0);
        assert_int_equal(q[40], 0x05);
        assert_int_equal(rtp_ext_set(q, sizeof(q), 5, NULL, 0), 0);
    }
}

static void test_set_header_fields(void **state)
{
    uint8_t p[sizeof(chromium_vp8)];
    struct rtp_packet pkt;

    (void)state;
    memcpy(p, chromium_vp8, sizeof(p));
    assert_int_equal(rtp_set_ssrc(p, sizeof(p), 0x01020304), 0);
    assert_int_equal(rtp_set_seq(p, sizeof(p), 65535), 0);
    assert_int_equal(rtp_set_timestamp(p, sizeof(p), 0xfffffff0), 0);
    assert_int_equal(rtp_set_pt(p, sizeof(p), 100), 0);
    assert_int_equal(rtp_set_marker(p, sizeof(p), true), 0);
    assert_int_equal(rtp_parse(&pkt, p, sizeof(p)), 0);
    assert_int_equal(pkt.ssrc, 0x01020304);
    assert_int_equal(pkt.seq, 65535);
    assert_int_equal(pkt.timestamp, 0xfffffff0);
    assert_int_equal(pkt.pt, 100);
    assert_true(pkt.marker);
    assert_int_equal(rtp_set_pt(p, sizeof(p), 5), 0);
    assert_true(p[1] & 0x80); /* marker kept */
    assert_int_equal(rtp_set_marker(p, sizeof(p), false), 0);
    assert_int_equal(p[1], 5);
    /* The rest of the packet is untouched. */
    assert_memory_equal(p + 12, chromium_vp8 + 12, sizeof(p) - 12);
    assert_int_equal(p[0], chromium_vp8[0]);

    assert_int_equal(rtp_set_pt(p, sizeof(p), 128), ERR_INVAL);
    assert_int_equal(rtp_set_ssrc(p, 11, 1), ERR_PARSE);
    assert_int_equal(rtp_set_seq(NULL, 0, 1), ERR_PARSE);
    p[0] = 0x40; /* version 1 */
    assert_int_equal(rtp_set_timestamp(p, sizeof(p), 1), ERR_PARSE);
    assert_int_equal(rtp_set_marker(p, sizeof(p), true), ERR_PARSE);
}

static void test_demux(void **state)
{
    uint8_t p[16] = {0x80, 0x60};
    static const uint8_t rr[8] = {0x80, 0xc9, 0x00, 0x01, 0, 0, 0, 1};
    static const uint8_t stun[20] = {0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42};
    static const uint8_t dtls[16] = {22, 0xfe, 0xfd};

    (void)state;
    assert_true(rtp_is_rtp(p, sizeof(p)));
    assert_false(rtp_is_rtcp(p, sizeof(p)));
    for (unsigned b1 = 0; b1 < 256; b1++) {
        unsigned pt = b1 & 0x7f;

        p[1] = (uint8_t)b1;
        assert_int_equal(rtp_is_rtcp(p, sizeof(p)), pt >= 64 && pt <= 95);
        assert_int_equal(rtp_is_rtp(p, sizeof(p)), !(pt >= 64 && pt <= 95));
    }
    p[1] = 200; /* SR */
    assert_true(rtp_is_rtcp(p, sizeof(p)));
    p[1] = 0xe0; /* PT 96 with marker */
    assert_true(rtp_is_rtp(p, sizeof(p)));
    assert_false(rtp_is_rtp(p, 11));
    assert_true(rtp_is_rtcp(rr, sizeof(rr)));
    assert_false(rtp_is_rtp(rr, sizeof(rr)));
    assert_false(rtp_is_rtcp(rr, 7));
    assert_false(rtp_is_rtp(stun, sizeof(stun)));
    assert_false(rtp_is_rtcp(stun, sizeof(stun)));
    assert_false(rtp_is_rtp(dtls, sizeof(dtls)));
    assert_false(rtp_is_rtcp(dtls, sizeof(dtls)));
    assert_false(rtp_is_rtp(NULL, 0));
}

static void test_audio_level_and_orientation(void **state)
{
    struct rtp_packet pkt;
    struct rtp_ext_elem e;
    struct rtp_video_orientation vo;
    bool voice;
    uint8_t level;
    static const uint8_t cvo[] = {0x00, 0x01, 0x02, 0x07, 0x0c};

    (void)state;
    assert_int_equal(rtp_parse(&pkt, audio_level, sizeof(audio_level)), 0);
    assert_int_equal(rtp_ext_find(&pkt, 1, &e), 0);
    assert_int_equal(rtp_ext_read_audio_level(&e, &voice, &level), 0);
    assert_true(voice);
    assert_int_equal(level, 30);
    assert_int_equal(rtp_ext_find(&pkt, 13, &e), 0);
    assert_int_equal(rtp_ext_read_video_orientation(&e, &vo), 0);
    assert_true(vo.back_camera);
    assert_false(vo.flip);
    assert_int_equal(vo.rotation, 270);

    for (size_t i = 0; i < sizeof(cvo); i++) {
        struct rtp_ext_elem one = {13, 1, &cvo[i]};
        static const uint16_t rot[] = {0, 90, 180, 270, 0};

        assert_int_equal(rtp_ext_read_video_orientation(&one, &vo), 0);
        assert_int_equal(vo.rotation, rot[i]);
        assert_int_equal(vo.flip, (cvo[i] & 4) != 0);
        assert_int_equal(vo.back_camera, (cvo[i] & 8) != 0);
    }
    e.len = 0;
    assert_int_equal(rtp_ext_read_video_orientation(&e, &vo), ERR_PARSE);
    /* Silence: V=0 level 127. */
    e.data = (const uint8_t *)"\x7f";
    e.len = 1;
    assert_int_equal(rtp_ext_read_audio_level(&e, &voice, &level), 0);
    assert_false(voice);
    assert_int_equal(level, 127);
}

static void test_ext_strings(void **state)
{
    char out[RTP_EXT_STR_MAX + 1];
    struct rtp_ext_elem e;

    (void)state;
    /* One-byte form padding inside the value: "hi\0\0". */
    e = (struct rtp_ext_elem){10, 4, (const uint8_t *)"hi\0\0"};
    assert_int_equal(rtp_ext_read_string(&e, out, sizeof(out)), 0);
    assert_string_equal(out, "hi");
    assert_int_equal(rtp_ext_read_string(&e, out, 3), 0);
    assert_int_equal(rtp_ext_read_string(&e, out, 2), ERR_TOOBIG);
    e = (struct rtp_ext_elem){10, 4, (const uint8_t *)"h\0i\0"}; /* garbage after NUL */
    assert_int_equal(rtp_ext_read_string(&e, out, sizeof(out)), ERR_PARSE);
    e = (struct rtp_ext_elem){10, 3, (const uint8_t *)"a b"}; /* space: not a token */
    assert_int_equal(rtp_ext_read_string(&e, out, sizeof(out)), ERR_PARSE);
    e = (struct rtp_ext_elem){10, 2, (const uint8_t *)"\0\0"};
    assert_int_equal(rtp_ext_read_string(&e, out, sizeof(out)), ERR_PARSE);
    e = (struct rtp_ext_elem){10, 2, (const uint8_t *)"\xc3\xa6"}; /* non-ASCII */
    assert_int_equal(rtp_ext_read_string(&e, out, sizeof(out)), ERR_PARSE);
    e = (struct rtp_ext_elem){10, 8, (const uint8_t *)"r-1_~.!*"};
    assert_int_equal(rtp_ext_read_string(&e, out, sizeof(out)), 0);
    assert_string_equal(out, "r-1_~.!*");
}

static void test_abs_send_time_from_us(void **state)
{
    (void)state;
    assert_int_equal(rtp_abs_send_time_from_us(0), 0);
    assert_int_equal(rtp_abs_send_time_from_us(1000000), 1 << 18);
    assert_int_equal(rtp_abs_send_time_from_us(500000), 1 << 17);
    assert_int_equal(rtp_abs_send_time_from_us(64000000), 0); /* wraps every 64 s */
    assert_int_equal(rtp_abs_send_time_from_us(65000000), 1 << 18);
    assert_int_equal(rtp_abs_send_time_from_us(4), 1); /* 3.8 us per unit, rounded */
    assert_int_equal(rtp_abs_send_time_from_us(UINT64_MAX / 2) & ~0xffffffu, 0);
}

/* ---- sequence numbers ---- */

static void test_seq_newer(void **state)
{
    (void)state;
    assert_true(rtp_seq_newer(2, 1));
    assert_false(rtp_seq_newer(1, 2));
    assert_false(rtp_seq_newer(7, 7));
    assert_true(rtp_seq_newer(0, 65535));
    assert_true(rtp_seq_newer(5, 65530));
    assert_false(rtp_seq_newer(65530, 5));
    assert_true(rtp_seq_newer(0x7fff, 0));
    /* Exactly half-way: one answer each way. */
    assert_true(rtp_seq_newer(0x8000, 0));
    assert_false(rtp_seq_newer(0, 0x8000));
    assert_true(rtp_seq_newer(0xffff, 0x7fff));
    assert_false(rtp_seq_newer(0x7fff, 0xffff));
    for (unsigned a = 0; a < 65536; a += 97) {
        for (unsigned d = 1; d < 65536; d += 1031) {
            uint16_t b = (uint16_t)(a + d);

            assert_true(rtp_seq_newer((uint16_t)a, b) != rtp_seq_newer(b, (uint16_t)a));
        }
    }
}

static void test_seq_unwrap(void **state)
{
    struct rtp_seq_unwrapper u = {0};

    (void)state;
    assert_int_equal(rtp_seq_unwrap(&u, 65534), 65534);
    assert_int_equal(rtp_seq_unwrap(&u, 65535), 65535);
    assert_int_equal(rtp_seq_unwrap(&u, 0), 65536);
    assert_int_equal(rtp_seq_unwrap(&u, 65533), 65533); /* late packet before the wrap */
    assert_int_equal(rtp_seq_unwrap(&u, 2), 65538);
    assert_int_equal(rtp_seq_unwrap(&u, 2), 65538);
    /* Many wraps forward in steps under half the range. */
    {
        uint16_t s = 2;
        int64_t want = 65538;

        for (int i = 0; i < 100; i++) {
            s = (uint16_t)(s + 30000);
            want += 30000;
            assert_int_equal(rtp_seq_unwrap(&u, s), want);
        }
    }
    /* Older than the first packet goes below it. */
    memset(&u, 0, sizeof(u));
    assert_int_equal(rtp_seq_unwrap(&u, 3), 3);
    assert_int_equal(rtp_seq_unwrap(&u, 65535), -1);
    assert_int_equal(rtp_seq_unwrap(&u, 4), 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_minimal),
        cmocka_unit_test(test_parse_chromium_one_byte),
        cmocka_unit_test(test_parse_two_byte),
        cmocka_unit_test(test_parse_csrc_padding),
        cmocka_unit_test(test_padding_rules),
        cmocka_unit_test(test_reject_version),
        cmocka_unit_test(test_truncation_every_length),
        cmocka_unit_test(test_overlong_lengths),
        cmocka_unit_test(test_ext_malformed),
        cmocka_unit_test(test_ext_set_in_place),
        cmocka_unit_test(test_set_header_fields),
        cmocka_unit_test(test_demux),
        cmocka_unit_test(test_audio_level_and_orientation),
        cmocka_unit_test(test_ext_strings),
        cmocka_unit_test(test_abs_send_time_from_us),
        cmocka_unit_test(test_seq_newer),
        cmocka_unit_test(test_seq_unwrap),
    };

    return cmocka_run_group_tests(tests, write_seeds, NULL);
}
