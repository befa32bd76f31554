/* Tests for tests/load/load_audio.c: Opus encoded once, packetized per
 * participant with its extensions and marker, and decoded back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/err.h"
#include "media/rtp.h"
#include "tests/load/load_audio.h"
#include "tests/load/marker.h"

static struct lg_audio_clip clip;

static int setup(void **state)
{
    (void)state;
    return lg_audio_clip_make(&clip, 1, 32000);
}

static int teardown(void **state)
{
    (void)state;
    lg_audio_clip_free(&clip);
    return 0;
}

static void clip_limits(void **state)
{
    (void)state;
    struct lg_audio_clip c;
    assert_int_equal(clip.n_frames, 50);
    assert_int_equal(lg_audio_clip_make(&c, 0, 32000), ERR_INVAL);
    assert_int_equal(lg_audio_clip_make(&c, 1, 1000), ERR_INVAL);
    for (size_t i = 0; i < clip.n_frames; i++)
        assert_true(clip.len[i] > 0 && clip.len[i] <= LG_AUDIO_MAX_FRAME);
}

static void packets_carry_stream(void **state)
{
    (void)state;
    struct lg_audio_sender s = {.ssrc = 0x01020304,
                                .stream = lg_stream_id(7, 0),
                                .seq = 65535,
                                .timestamp = 1000,
                                .ext_audio_level = 1,
                                .ext_mid = 4};
    memcpy(s.mid, "0", 2);
    struct lg_audio_decoder *dec;
    assert_int_equal(lg_audio_decoder_create(&dec), 0);
    uint8_t buf[1500];
    for (uint32_t i = 0; i < 60; i++) { /* past the clip's end: it loops */
        int n = lg_audio_next(&s, &clip, 5000000u + i, buf, sizeof buf);
        assert_true(n > 12 + LG_MARKER_PAD);
        struct rtp_packet r;
        assert_int_equal(rtp_parse(&r, buf, (size_t)n), 0);
        assert_int_equal(r.ssrc, 0x01020304);
        assert_int_equal(r.seq, (uint16_t)(65535 + i));
        assert_int_equal(r.timestamp, 1000 + i * LG_AUDIO_FRAME_SAMPLES);
        assert_int_equal(r.pt, LG_AUDIO_PT);
        struct rtp_ext_elem e;
        bool voice;
        uint8_t level;
        assert_int_equal(rtp_ext_find(&r, 1, &e), 0);
        assert_int_equal(rtp_ext_read_audio_level(&e, &voice, &level), 0);
        assert_true(voice);
        assert_int_equal(level, 30);
        assert_int_equal(rtp_ext_find(&r, 4, &e), 0);
        assert_int_equal(e.len, 1);
        assert_int_equal(e.data[0], '0');
        struct lg_marker m;
        size_t payload_len;
        assert_int_equal(lg_marker_read(buf, (size_t)n, &m, &payload_len), 0);
        assert_int_equal(m.stream, lg_stream_id(7, 0));
        assert_int_equal(m.frame, i);
        assert_int_equal(m.send_us, 5000000u + i);
        assert_int_equal(payload_len, clip.len[i % clip.n_frames]);
        assert_int_equal(lg_audio_decode(dec, r.payload, payload_len), LG_AUDIO_FRAME_SAMPLES);
    }
    assert_int_equal(lg_audio_decode(dec, buf, 0), ERR_PARSE);
    lg_audio_decoder_destroy(dec);
}

static void no_extensions_when_not_negotiated(void **state)
{
    (void)state;
    struct lg_audio_sender s = {.ssrc = 9, .stream = 1};
    uint8_t buf[1500];
    int n = lg_audio_next(&s, &clip, 1, buf, sizeof buf);
    struct rtp_packet r;
    assert_int_equal(rtp_parse(&r, buf, (size_t)n), 0);
    assert_false(r.extension);
    assert_int_equal(r.header_len, 12);
}

static void too_small(void **state)
{
    (void)state;
    struct lg_audio_sender s = {.ssrc = 9};
    uint8_t buf[64];
    assert_int_equal(lg_audio_next(&s, &clip, 1, buf, sizeof buf), ERR_TOOBIG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clip_limits),
        cmocka_unit_test(packets_carry_stream),
        cmocka_unit_test(no_extensions_when_not_negotiated),
        cmocka_unit_test(too_small),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
