/* Tests for tests/load/marker.c: the generator's mark in RTP padding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/err.h"
#include "media/rtp.h"
#include "tests/load/marker.h"

/* V=2, PT 96, seq 7, ts 1000, SSRC 0x11223344, then a 5-byte payload. */
static size_t plain_packet(uint8_t *buf)
{
    static const uint8_t p[] = {0x80, 96,   0,    7, 0, 0, 0x03, 0xe8, 0x11,
                                0x22, 0x33, 0x44, 1, 2, 3, 4,    5};
    memcpy(buf, p, sizeof p);
    return sizeof p;
}

static void round_trip(void **state)
{
    uint8_t buf[128];
    size_t n = plain_packet(buf), payload = 0;
    const struct lg_marker m = {.stream = lg_stream_id(70000, 2),
                                .frame = 0xdeadbeef,
                                .index = 3,
                                .count = 9,
                                .send_us = 0x0102030405060708ull};
    struct lg_marker got;
    struct rtp_packet r;

    (void)state;
    int len = lg_marker_append(buf, n, sizeof buf, &m);
    assert_int_equal(len, (int)(n + LG_MARKER_PAD));
    assert_int_equal(rtp_parse(&r, buf, (size_t)len), 0);
    assert_true(r.padding);
    assert_int_equal(r.payload_len, 5);
    assert_memory_equal(r.payload, "\1\2\3\4\5", 5);
    assert_int_equal(lg_marker_read(buf, (size_t)len, &got, &payload), 0);
    assert_int_equal(payload, 5);
    assert_int_equal(got.stream, 70000u << 8 | 2);
    assert_int_equal(got.frame, 0xdeadbeef);
    assert_int_equal(got.index, 3);
    assert_int_equal(got.count, 9);
    assert_true(got.send_us == 0x0102030405060708ull);
}

static void refusals(void **state)
{
    uint8_t buf[128];
    size_t n = plain_packet(buf), payload = 99;
    const struct lg_marker m = {.stream = 1};
    struct lg_marker got;

    (void)state;
    /* no room for the padding */
    assert_int_equal(lg_marker_append(buf, n, n + LG_MARKER_PAD - 1, &m), ERR_TOOBIG);
    /* an unmarked packet: no padding */
    assert_int_equal(lg_marker_read(buf, n, &got, &payload), ERR_NOTFOUND);
    assert_int_equal(payload, 5);
    /* not RTP */
    buf[0] = 0x40;
    assert_int_equal(lg_marker_append(buf, n, sizeof buf, &m), ERR_PARSE);
    assert_int_equal(lg_marker_read(buf, n, &got, NULL), ERR_PARSE);
    /* padded already, or padding of another length or content */
    n = plain_packet(buf);
    int len = lg_marker_append(buf, n, sizeof buf, &m);
    assert_int_equal(lg_marker_append(buf, (size_t)len, sizeof buf, &m), ERR_PARSE);
    buf[len - LG_MARKER_PAD] = 'X';
    assert_int_equal(lg_marker_read(buf, (size_t)len, &got, NULL), ERR_NOTFOUND);
    buf[len - 1] = 4;
    assert_int_equal(lg_marker_read(buf, (size_t)len, &got, NULL), ERR_NOTFOUND);
    /* a count longer than the packet is not RTP at all */
    buf[len - 1] = 200;
    assert_int_equal(lg_marker_read(buf, (size_t)len, &got, NULL), ERR_PARSE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),
        cmocka_unit_test(refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
