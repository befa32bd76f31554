/* signaling/sip_digest: digest responses against the RFC 2617 and RFC 7616
 * examples, and answering a 407 challenge. */
#include "base/err.h"
#include "signaling/sip_digest.h"
#include "signaling/sip_ua.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static void test_rfc2617_example(void **state)
{
    (void)state;
    char out[SIP_DIGEST_HEX_MAX];
    /* RFC 2617 section 3.5 */
    assert_int_equal(sip_digest_response(SIP_DIGEST_MD5, "Mufasa", "testrealm@host.com",
                                         "Circle Of Life", "GET", "/dir/index.html",
                                         "dcd98b7102dd2f0e8b11d0f600bfb0c093", "00000001",
                                         "0a4f113b", "auth", out),
                     0);
    assert_string_equal(out, "6629fae49393a05397450978507c4ef1");
}

static void test_rfc7616_examples(void **state)
{
    (void)state;
    char out[SIP_DIGEST_HEX_MAX];
    const char *nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
    const char *cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
    /* RFC 7616 section 3.9.1 */
    assert_int_equal(sip_digest_response(SIP_DIGEST_SHA256, "Mufasa", "http-auth@example.org",
                                         "Circle of Life", "GET", "/dir/index.html", nonce,
                                         "00000001", cnonce, "auth", out),
                     0);
    assert_string_equal(out, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
    assert_int_equal(sip_digest_response(SIP_DIGEST_MD5, "Mufasa", "http-auth@example.org",
                                         "Circle of Life", "GET", "/dir/index.html", nonce,
                                         "00000001", cnonce, "auth", out),
                     0);
    assert_string_equal(out, "8ca523f5e9506fed4657c9700eebdbec");
}

static osip_message_t *parse(const char *text)
{
    osip_message_t *m = NULL;
    assert_int_equal(osip_message_init(&m), 0);
    assert_int_equal(osip_message_parse(m, text, strlen(text)), 0);
    return m;
}

static void test_prefers_sha256_and_refuses_unknown(void **state)
{
    (void)state;
    char out[1024];
    osip_message_t *m = parse(
        "SIP/2.0 407 Proxy Authentication Required\r\n"
        "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n"
        "From: <sip:a@b>;tag=1\r\nTo: <sip:c@b>;tag=2\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n"
        "Proxy-Authenticate: Digest realm=\"b\", nonce=\"n1\", algorithm=MD5, qop=\"auth\"\r\n"
        "Proxy-Authenticate: Digest realm=\"b\", nonce=\"n2\", algorithm=SHA-256, "
        "qop=\"auth\", opaque=\"op\"\r\n"
        "Content-Length: 0\r\n\r\n");
    assert_int_equal(sip_digest_authorize(m, "alice", "pw", "INVITE", "sip:1@b", out, sizeof out),
                     0);
    assert_non_null(strstr(out, "algorithm=SHA-256"));
    assert_non_null(strstr(out, "nonce=\"n2\""));
    assert_non_null(strstr(out, "opaque=\"op\""));
    assert_non_null(strstr(out, "qop=auth, nc=00000001, cnonce=\""));
    osip_message_free(m);

    m = parse("SIP/2.0 401 Unauthorized\r\n"
              "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n"
              "From: <sip:a@b>;tag=1\r\nTo: <sip:c@b>;tag=2\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n"
              "WWW-Authenticate: Digest realm=\"b\", nonce=\"n1\", algorithm=MD5-sess\r\n"
              "WWW-Authenticate: Digest realm=\"b\", nonce=\"n1\", qop=\"auth-int\"\r\n"
              "Content-Length: 0\r\n\r\n");
    assert_int_equal(sip_digest_authorize(m, "alice", "pw", "INVITE", "sip:1@b", out, sizeof out),
                     ERR_NOTFOUND);
    osip_message_free(m);
}

static int setup(void **state)
{
    (void)state;
    sip_global_init();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc2617_example),
        cmocka_unit_test(test_rfc7616_examples),
        cmocka_unit_test(test_prefers_sha256_and_refuses_unknown),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
