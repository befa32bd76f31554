/* Tests for the pure parsers of server/http_guard.c: Content-Length (RFC
 * 9110 section 8.6: digits only) and Sec-WebSocket-Key (RFC 6455 section
 * 4.2.1: base64 of 16 bytes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/err.h"
#include "server/http_guard.h"

static void content_length(void **state)
{
    (void)state;
    uint64_t v = 77;
    assert_int_equal(http_guard_content_length("0", &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(http_guard_content_length("65536", &v), 0);
    assert_int_equal(v, 65536);
    assert_int_equal(http_guard_content_length("000012", &v), 0);
    assert_int_equal(v, 12);
    assert_int_equal(http_guard_content_length("9999999999999999999", &v), 0); /* 19 digits */
    assert_int_equal(v, 9999999999999999999ull);
    static const char *const bad[] = {"",    "-1",   "+1",  " 1",  "1 ",
                                      "1.0", "0x10", "abc", "1,2", "1e3"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v = 77;
        assert_int_equal(http_guard_content_length(bad[i], &v), ERR_PARSE);
        assert_int_equal(v, 77);
    }
    assert_int_equal(http_guard_content_length("18446744073709551616", &v), ERR_TOOBIG);
    assert_int_equal(http_guard_content_length("99999999999999999999999", &v), ERR_TOOBIG);
}

static void ws_key(void **state)
{
    (void)state;
    assert_true(http_guard_ws_key_ok("dGhlIHNhbXBsZSBub25jZQ==")); /* RFC 6455's example */
    assert_true(http_guard_ws_key_ok("AAAAAAAAAAAAAAAAAAAAAA=="));
    assert_true(http_guard_ws_key_ok("+/+/+/+/+/+/+/+/+/+/+w=="));
    assert_false(http_guard_ws_key_ok("!!!"));
    assert_false(http_guard_ws_key_ok(""));
    assert_false(http_guard_ws_key_ok("dGhlIHNhbXBsZSBub25jZQ"));  /* no padding */
    assert_false(http_guard_ws_key_ok("dGhlIHNhbXBsZSBub25jZQ=")); /* 23 */
    assert_false(http_guard_ws_key_ok("dGhlIHNhbXBsZSBub25jZQ==="));
    assert_false(http_guard_ws_key_ok("dGhlIHNhbXBsZSBub25j!Q=="));
    assert_false(http_guard_ws_key_ok("dGhlIHNhbXBsZSBub25jZQAA")); /* 18 bytes */
    assert_false(http_guard_ws_key_ok("dGhlIHNhbXBsZSBub25jZ===")); /* padding too early */
}

static void rate_key(void **state)
{
    (void)state;
    char k[64];
    http_guard_rate_key("192.0.2.7", k, sizeof k);
    assert_string_equal(k, "192.0.2.7");
    http_guard_rate_key("::ffff:192.0.2.7", k, sizeof k);
    assert_string_equal(k, "192.0.2.7");
    http_guard_rate_key("2001:db8:1:2:aaaa:bbbb:cccc:dddd", k, sizeof k);
    assert_string_equal(k, "2001:db8:1:2::/64");
    http_guard_rate_key("2001:db8:1:2::9", k, sizeof k);
    assert_string_equal(k, "2001:db8:1:2::/64");
    http_guard_rate_key("::1", k, sizeof k);
    assert_string_equal(k, "::/64");
    http_guard_rate_key("not an address", k, sizeof k);
    assert_string_equal(k, "not an address");
    http_guard_rate_key("", k, sizeof k);
    assert_string_equal(k, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rate_key),
        cmocka_unit_test(content_length),
        cmocka_unit_test(ws_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
