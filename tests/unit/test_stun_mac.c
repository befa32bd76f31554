/* Tests for media/stun_mac.c: the ready MESSAGE-INTEGRITY key. RFC 2202
 * HMAC-SHA1 vectors; the same result on every re-initialised use and with
 * other keys' contexts in between; RFC 5769's request verified (and a
 * wrong password refused); responses built under a ready key are byte for
 * byte those built under the plain key; bad arguments. */
#include "stun_harness.h"

#include "media/stun_int.h"

static void mac_of(struct stun_mac *m, const void *data, size_t n, uint8_t out[20])
{
    assert_int_equal(stun_hmac_sha1(m, NULL, 0, data, n, NULL, 0, out), 0);
}

static void test_rfc2202(void **state)
{
    (void)state;
    static const uint8_t want1[20] = {0xb6, 0x17, 0x31, 0x86, 0x55, 0x05, 0x72, 0x64, 0xe2, 0x8b,
                                      0xc0, 0xb6, 0xfb, 0x37, 0x8c, 0x8e, 0xf1, 0x46, 0xbe, 0x00};
    static const uint8_t want2[20] = {0xef, 0xfc, 0xdf, 0x6a, 0xe5, 0xeb, 0x2f, 0xa2, 0xd2, 0x74,
                                      0x16, 0xd5, 0xf1, 0x84, 0xdf, 0x9c, 0x25, 0x9a, 0x7c, 0x79};
    uint8_t key1[20], out[20];
    memset(key1, 0x0b, sizeof key1);
    struct stun_mac *a, *b;
    assert_int_equal(stun_mac_create(&a, key1, sizeof key1), 0);
    assert_int_equal(stun_mac_create(&b, (const uint8_t *)"Jefe", 4), 0);
    for (int i = 0; i < 3; i++) { /* re-initialised, never re-keyed */
        mac_of(a, "Hi There", 8, out);
        assert_memory_equal(out, want1, 20);
        mac_of(b, "what do ya want for nothing?", 28, out);
        assert_memory_equal(out, want2, 20);
    }
    /* In two pieces, as MESSAGE-INTEGRITY is computed. */
    assert_int_equal(
        stun_hmac_sha1(a, NULL, 0, (const uint8_t *)"Hi ", 3, (const uint8_t *)"There", 5, out), 0);
    assert_memory_equal(out, want1, 20);
    /* The plain-key path agrees. */
    assert_int_equal(stun_hmac_sha1(NULL, (const uint8_t *)"Jefe", 4,
                                    (const uint8_t *)"what do ya want for nothing?", 28, NULL, 0,
                                    out),
                     0);
    assert_memory_equal(out, want2, 20);
    stun_mac_destroy(a);
    stun_mac_destroy(b);
    stun_mac_destroy(NULL);
}

static void test_rfc5769_request(void **state)
{
    (void)state;
    struct stun_msg m;
    struct stun_mac *good, *bad;
    assert_int_equal(stun_parse(&m, vec_request, sizeof vec_request), 0);
    assert_int_equal(stun_mac_create(&good, (const uint8_t *)vec_password, strlen(vec_password)),
                     0);
    assert_int_equal(
        stun_mac_create(&bad, (const uint8_t *)"VOkJxbRl1RmTxUk/WvJxBu", strlen(vec_password)), 0);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(stun_check_integrity_mac(&m, good), 0);
        assert_int_equal(stun_check_integrity_mac(&m, bad), ERR_DENIED);
    }
    /* One flipped bit in the covered part. */
    uint8_t copy[sizeof vec_request];
    memcpy(copy, vec_request, sizeof copy);
    copy[30] ^= 0x01;
    assert_int_equal(stun_parse(&m, copy, sizeof copy), 0);
    assert_int_equal(stun_check_integrity_mac(&m, good), ERR_DENIED);
    stun_mac_destroy(good);
    stun_mac_destroy(bad);
}

static void test_build_same_bytes(void **state)
{
    (void)state;
    const char *pwd = "abcdefghijklmnopqrstuvwx";
    struct stun_mac *mac;
    assert_int_equal(stun_mac_create(&mac, (const uint8_t *)pwd, strlen(pwd)), 0);
    struct stun_binding_success ok = {
        .tid = {9, 8, 7}, .key = (const uint8_t *)pwd, .key_len = strlen(pwd)};
    ok.mapped.family = STUN_FAMILY_IPV4;
    ok.mapped.port = 4242;
    ok.mapped.ip[0] = 10;
    uint8_t a[STUN_MAX_MESSAGE], b[STUN_MAX_MESSAGE];
    size_t na = 0, nb = 0;
    assert_int_equal(stun_build_binding_success(a, sizeof a, &ok, &na), 0);
    ok.key = NULL;
    ok.key_len = 0;
    ok.mac = mac;
    assert_int_equal(stun_build_binding_success(b, sizeof b, &ok, &nb), 0);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);

    struct stun_error_response er = {.tid = {1},
                                     .method = STUN_METHOD_BINDING,
                                     .code = 487,
                                     .key = (const uint8_t *)pwd,
                                     .key_len = strlen(pwd)};
    assert_int_equal(stun_build_error_response(a, sizeof a, &er, &na), 0);
    er.key = NULL;
    er.key_len = 0;
    er.mac = mac;
    assert_int_equal(stun_build_error_response(b, sizeof b, &er, &nb), 0);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);

    /* And a request so built passes the check under the same key. */
    struct stun_binding_request req = {.tid = {3}, .username = "x:y", .mac = mac};
    assert_int_equal(stun_build_binding_request(a, sizeof a, &req, &na), 0);
    struct stun_msg m;
    assert_int_equal(stun_parse(&m, a, na), 0);
    assert_int_equal(stun_check_integrity(&m, (const uint8_t *)pwd, strlen(pwd)), 0);
    stun_mac_destroy(mac);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    struct stun_mac *m = (struct stun_mac *)1;
    assert_int_equal(stun_mac_create(&m, NULL, 4), ERR_INVAL);
    assert_null(m);
    assert_int_equal(stun_mac_create(&m, (const uint8_t *)"k", 0), ERR_INVAL);
    assert_int_equal(stun_mac_create(NULL, (const uint8_t *)"k", 1), ERR_INVAL);
    struct stun_msg msg;
    assert_int_equal(stun_parse(&msg, vec_request, sizeof vec_request), 0);
    assert_int_equal(stun_check_integrity_mac(&msg, NULL), ERR_INVAL);
    struct stun_builder b;
    uint8_t buf[64];
    size_t n;
    stun_build_begin(&b, buf, sizeof buf, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, vec_tid);
    stun_build_integrity_mac(&b, NULL);
    assert_int_equal(stun_build_end(&b, &n), ERR_INVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc2202),
        cmocka_unit_test(test_rfc5769_request),
        cmocka_unit_test(test_build_same_bytes),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
