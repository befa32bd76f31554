/* Tests for media/rtp.c codec payload inspection: VP8 and H.264 keyframe detection. */

#include "rtp_vectors.h"

/* ---- codecs ---- */

static void test_vp8_keyframe(void **state)
{
    struct rtp_vp8_desc d;
    struct rtp_packet pkt;

    (void)state;
    assert_int_equal(rtp_parse(&pkt, chromium_vp8, sizeof(chromium_vp8)), 0);
    assert_int_equal(rtp_vp8_parse(&d, pkt.payload, pkt.payload_len), 0);
    assert_true(d.start);
    assert_int_equal(d.pid, 0);
    assert_true(d.has_picture_id);
    assert_true(d.picture_id_15);
    assert_int_equal(d.picture_id, 0x0123);
    assert_false(d.has_tl0picidx);
    assert_false(d.has_tid);
    assert_int_equal(d.desc_len, 4);
    assert_true(d.keyframe);

    assert_int_equal(rtp_vp8_parse(&d, vp8_key_full, sizeof(vp8_key_full)), 0);
    assert_true(d.non_reference);
    assert_true(d.has_picture_id);
    assert_false(d.picture_id_15);
    assert_int_equal(d.picture_id, 127);
    assert_true(d.has_tl0picidx);
    assert_int_equal(d.tl0picidx, 5);
    assert_true(d.has_tid);
    assert_int_equal(d.tid, 2);
    assert_true(d.layer_sync);
    assert_true(d.has_keyidx);
    assert_int_equal(d.keyidx, 3);
    assert_int_equal(d.desc_len, 5);
    assert_true(d.keyframe);
}

static void test_vp8_not_keyframe(void **state)
{
    struct rtp_vp8_desc d;
    static const uint8_t k_only[] = {0x90, 0x10, 0x0b, 0x50}; /* K without T */

    (void)state;
    assert_int_equal(rtp_vp8_parse(&d, vp8_delta, sizeof(vp8_delta)), 0);
    assert_int_equal(d.picture_id, 0x0124);
    assert_false(d.keyframe);
    assert_int_equal(rtp_vp8_parse(&d, vp8_continuation, sizeof(vp8_continuation)), 0);
    assert_false(d.start);
    assert_int_equal(d.desc_len, 1);
    assert_false(d.keyframe); /* 0x50 has P=0 but this is not a frame start */
    assert_int_equal(rtp_vp8_parse(&d, vp8_pid1, sizeof(vp8_pid1)), 0);
    assert_int_equal(d.pid, 1);
    assert_false(d.keyframe);
    assert_int_equal(rtp_vp8_parse(&d, k_only, sizeof(k_only)), 0);
    assert_false(d.has_tid);
    assert_true(d.has_keyidx);
    assert_int_equal(d.keyidx, 11);
    assert_true(d.keyframe);
}

static void test_vp8_truncated(void **state)
{
    struct rtp_vp8_desc d;

    (void)state;
    assert_int_equal(rtp_vp8_parse(&d, NULL, 0), ERR_PARSE);
    /* Every prefix that ends inside the descriptor (or right after it). */
    for (size_t len = 0; len <= 5; len++) {
        uint8_t *copy = malloc(len ? len : 1);

        memcpy(copy, vp8_key_full, len);
        assert_int_equal(rtp_vp8_parse(&d, copy, len), ERR_PARSE);
        free(copy);
    }
    assert_int_equal(rtp_vp8_parse(&d, vp8_key_full, 6), 0);
    /* 15-bit PictureID missing its second byte. */
    assert_int_equal(rtp_vp8_parse(&d, vp8_delta, 3), ERR_PARSE);
}

static void test_h264_keyframes(void **state)
{
    bool key;

    (void)state;
    assert_int_equal(rtp_h264_is_keyframe(h264_stap_a, sizeof(h264_stap_a), &key), 0);
    assert_true(key);
    assert_int_equal(rtp_h264_is_keyframe(h264_stap_a_delta, sizeof(h264_stap_a_delta), &key), 0);
    assert_false(key);
    assert_int_equal(rtp_h264_is_keyframe(h264_fu_a_start_idr, sizeof(h264_fu_a_start_idr), &key),
                     0);
    assert_true(key);
    assert_int_equal(rtp_h264_is_keyframe(h264_fu_a_mid_idr, sizeof(h264_fu_a_mid_idr), &key), 0);
    assert_false(key);
    assert_int_equal(rtp_h264_is_keyframe(h264_single_idr, sizeof(h264_single_idr), &key), 0);
    assert_true(key);
    assert_int_equal(rtp_h264_is_keyframe(h264_single_p, sizeof(h264_single_p), &key), 0);
    assert_false(key);
    /* A lone SPS (type 7) and a lone PPS (8). */
    assert_int_equal(rtp_h264_is_keyframe(h264_stap_a + 3, 10, &key), 0);
    assert_true(key);
    assert_int_equal(rtp_h264_is_keyframe(h264_stap_a + 15, 4, &key), 0);
    assert_false(key);
    /* STAP-B: DON, then units; MTAP16 (26) is never a keyframe. */
    {
        static const uint8_t stap_b[] = {0x79, 0x00, 0x01, 0x00, 0x02, 0x65, 0x00};
        static const uint8_t mtap[] = {0x7a, 0x00, 0x00};

        assert_int_equal(rtp_h264_is_keyframe(stap_b, sizeof(stap_b), &key), 0);
        assert_true(key);
        assert_int_equal(rtp_h264_is_keyframe(mtap, sizeof(mtap), &key), 0);
        assert_false(key);
    }
}

static void test_h264_malformed(void **state)
{
    bool key = true;
    uint8_t p[sizeof(h264_stap_a)];

    (void)state;
    assert_int_equal(rtp_h264_is_keyframe(NULL, 0, &key), ERR_PARSE);
    assert_false(key);
    /* Truncation at every length: only the cuts at unit boundaries parse. */
    for (size_t len = 0; len < sizeof(h264_stap_a); len++) {
        uint8_t *copy = malloc(len ? len : 1);
        int rc;

        memcpy(copy, h264_stap_a, len);
        rc = rtp_h264_is_keyframe(copy, len, &key);
        if (len == 13 || len == 19)
            assert_int_equal(rc, 0);
        else
            assert_int_equal(rc, ERR_PARSE);
        free(copy);
    }
    /* Overlong aggregation unit size. */
    memcpy(p, h264_stap_a, sizeof(p));
    p[2] = 0x0b;
    assert_int_equal(rtp_h264_is_keyframe(p, sizeof(p), &key), ERR_PARSE);
    /* Zero-length unit. */
    memcpy(p, h264_stap_a, sizeof(p));
    p[1] = 0;
    p[2] = 0;
    assert_int_equal(rtp_h264_is_keyframe(p, sizeof(p), &key), ERR_PARSE);
    /* FU-A without its FU header. */
    assert_int_equal(rtp_h264_is_keyframe(h264_fu_a_start_idr, 1, &key), ERR_PARSE);
    /* STAP-B cut inside the DON. */
    assert_int_equal(rtp_h264_is_keyframe((const uint8_t *)"\x79\x00", 2, &key), ERR_PARSE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vp8_keyframe),   cmocka_unit_test(test_vp8_not_keyframe),
        cmocka_unit_test(test_vp8_truncated),  cmocka_unit_test(test_h264_keyframes),
        cmocka_unit_test(test_h264_malformed),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
