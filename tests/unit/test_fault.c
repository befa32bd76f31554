/* Tests for media/fault.c: the test switch that corrupts every Nth
 * forwarded RTP packet's payload, and nothing else. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/err.h"
#include "media/fault.h"
#include "media/rtp.h"

static void parse_values(void **state)
{
    (void)state;
    uint32_t n = 0;
    assert_int_equal(fault_corrupt_parse("1", &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(fault_corrupt_parse("50", &n), 0);
    assert_int_equal(n, 50);
    assert_int_equal(fault_corrupt_parse("1000000", &n), 0);
    assert_int_equal(n, FAULT_CORRUPT_MAX);
    n = 7;
    assert_int_equal(fault_corrupt_parse("0", &n), ERR_INVAL);
    assert_int_equal(fault_corrupt_parse("1000001", &n), ERR_INVAL);
    assert_int_equal(fault_corrupt_parse("99999999999", &n), ERR_INVAL);
    assert_int_equal(fault_corrupt_parse("", &n), ERR_INVAL);
    assert_int_equal(fault_corrupt_parse("-3", &n), ERR_INVAL);
    assert_int_equal(fault_corrupt_parse("3x", &n), ERR_INVAL);
    assert_int_equal(fault_corrupt_parse(" 3", &n), ERR_INVAL);
    assert_int_equal(fault_corrupt_parse(NULL, &n), ERR_INVAL);
    assert_int_equal(n, 7);
}

/* A 12-byte header, a one-byte-header extension word, 9 bytes of payload
 * and 4 of padding. */
static size_t packet(uint8_t *p)
{
    static const uint8_t hdr[] = {0xb0, 0x60, 0x00, 0x01, 0,    0,    0,    9,    0, 0,
                                  0,    42,   0xbe, 0xde, 0x00, 0x01, 0x10, 0x31, 0, 0};
    memcpy(p, hdr, sizeof hdr);
    for (size_t i = 0; i < 9; i++)
        p[sizeof hdr + i] = (uint8_t)(0x10 + i);
    memset(p + sizeof hdr + 9, 0, 3);
    p[sizeof hdr + 12] = 4;
    return sizeof hdr + 13;
}

static void every_nth_payload_only(void **state)
{
    (void)state;
    struct fault_corrupt f = {.every = 3};
    uint8_t a[64], b[64];
    size_t n = packet(a);
    struct rtp_packet r;
    assert_int_equal(rtp_parse(&r, a, n), 0);
    assert_int_equal(r.payload_len, 9);

    for (int round = 0; round < 2; round++) {
        for (int i = 1; i <= 3; i++) {
            packet(b);
            bool hit = fault_corrupt_apply(&f, b, n);
            assert_int_equal(hit, i == 3);
            for (size_t k = 0; k < n; k++) {
                /* only the payload's middle byte (offset 20 + 4) changes */
                uint8_t want = hit && k == 24 ? (uint8_t)~a[k] : a[k];
                assert_int_equal(b[k], want);
            }
        }
    }
    assert_int_equal(f.corrupted, 2);
}

static void probes_and_junk_do_not_count(void **state)
{
    (void)state;
    struct fault_corrupt f = {.every = 1};
    uint8_t p[64];
    /* Padding only (a bandwidth probe): no payload, left alone. */
    static const uint8_t probe[] = {0xa0, 0x60, 0, 1, 0, 0, 0, 9, 0, 0, 0, 42, 0, 0, 0, 4};
    memcpy(p, probe, sizeof probe);
    assert_false(fault_corrupt_apply(&f, p, sizeof probe));
    assert_memory_equal(p, probe, sizeof probe);
    /* Not RTP, or truncated. */
    memset(p, 0x55, sizeof p);
    assert_false(fault_corrupt_apply(&f, p, 8));
    assert_false(fault_corrupt_apply(&f, p, sizeof p)); /* version 1 */
    assert_int_equal(f.corrupted, 0);
    /* Off: nothing. */
    struct fault_corrupt off = {0};
    size_t n = packet(p);
    assert_false(fault_corrupt_apply(&off, p, n));
    assert_true(fault_corrupt_apply(&f, p, n));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_values),
        cmocka_unit_test(every_nth_payload_only),
        cmocka_unit_test(probes_and_junk_do_not_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
