/* Tests for media/stun.c: building messages (reproducing RFC 5769 vectors,
 * round trips, error responses, builder limits) and message integrity.
 * Fixtures in stun_harness.h. */
#include "stun_harness.h"

static void test_build_reproduces_ipv4_vector(void **state)
{
    (void)state;
    struct stun_builder b;
    struct stun_addr a;
    uint8_t buf[256];
    size_t len = 0;

    set_addr(&a, STUN_FAMILY_IPV4, addr4, 32853);
    stun_build_begin(&b, buf, sizeof buf, STUN_METHOD_BINDING, STUN_CLASS_SUCCESS, vec_tid);
    b.pad = 0x20;
    stun_build_str(&b, STUN_ATTR_SOFTWARE, "test vector");
    stun_build_xor_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, &a);
    stun_build_integrity(&b, PWD, PWD_LEN);
    stun_build_fingerprint(&b);
    assert_int_equal(stun_build_end(&b, &len), 0);
    assert_int_equal(len, sizeof vec_response4);
    assert_memory_equal(buf, vec_response4, len);
}

static void test_build_reproduces_ipv6_vector(void **state)
{
    (void)state;
    struct stun_builder b;
    struct stun_addr a;
    uint8_t buf[256];
    size_t len = 0;

    set_addr(&a, STUN_FAMILY_IPV6, addr6, 32853);
    stun_build_begin(&b, buf, sizeof buf, STUN_METHOD_BINDING, STUN_CLASS_SUCCESS, vec_tid);
    b.pad = 0x20;
    stun_build_str(&b, STUN_ATTR_SOFTWARE, "test vector");
    stun_build_xor_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, &a);
    stun_build_integrity(&b, PWD, PWD_LEN);
    stun_build_fingerprint(&b);
    assert_int_equal(stun_build_end(&b, &len), 0);
    assert_int_equal(len, sizeof vec_response6);
    assert_memory_equal(buf, vec_response6, len);
}

static void test_build_reproduces_request_vector(void **state)
{
    (void)state;
    struct stun_builder b;
    uint8_t buf[256];
    size_t len = 0;

    stun_build_begin(&b, buf, sizeof buf, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, vec_tid);
    b.pad = 0x20;
    stun_build_str(&b, STUN_ATTR_SOFTWARE, "STUN test client");
    stun_build_u32(&b, STUN_ATTR_PRIORITY, 0x6e0001ff);
    stun_build_u64(&b, STUN_ATTR_ICE_CONTROLLED, 0x932ff9b151263b36ull);
    stun_build_str(&b, STUN_ATTR_USERNAME, "evtj:h6vY");
    stun_build_integrity(&b, PWD, PWD_LEN);
    stun_build_fingerprint(&b);
    assert_int_equal(stun_build_end(&b, &len), 0);
    assert_int_equal(len, sizeof vec_request);
    assert_memory_equal(buf, vec_request, len);
}

/* Compares a message built with zero padding to a vector: equal except in
 * the padding bytes (listed) and the MI and FINGERPRINT values, which cover
 * the padding. */
static void assert_same_but_padding(const uint8_t *got, const uint8_t *want, size_t len,
                                    const size_t *pad_at, size_t n_pad, size_t mi_off,
                                    size_t fp_off)
{
    for (size_t i = 0; i < len; i++) {
        bool is_pad = false;
        for (size_t k = 0; k < n_pad; k++)
            is_pad |= pad_at[k] == i;
        if (is_pad) {
            assert_int_equal(got[i], 0x00);
            assert_int_equal(want[i], 0x20);
        } else if ((i >= mi_off + 4 && i < mi_off + 24) || i >= fp_off + 4) {
            continue;
        } else {
            assert_int_equal(got[i], want[i]);
        }
    }
}

static void test_high_level_success_vs_vector(void **state)
{
    (void)state;
    struct stun_binding_success rsp;
    struct stun_msg m;
    uint8_t buf[256];
    size_t len = 0;
    static const size_t pad4[] = {35};
    static const size_t pad6[] = {35};

    memset(&rsp, 0, sizeof rsp);
    memcpy(rsp.tid, vec_tid, STUN_TID_LEN);
    set_addr(&rsp.mapped, STUN_FAMILY_IPV4, addr4, 32853);
    rsp.key = PWD;
    rsp.key_len = PWD_LEN;
    rsp.software = "test vector";
    assert_int_equal(stun_build_binding_success(buf, sizeof buf, &rsp, &len), 0);
    assert_int_equal(len, sizeof vec_response4);
    assert_same_but_padding(buf, vec_response4, len, pad4, 1, 48, 72);
    assert_int_equal(stun_parse(&m, buf, len), 0);
    assert_int_equal(stun_check_integrity(&m, PWD, PWD_LEN), 0);
    assert_int_equal(stun_check_fingerprint(&m), 0);

    set_addr(&rsp.mapped, STUN_FAMILY_IPV6, addr6, 32853);
    assert_int_equal(stun_build_binding_success(buf, sizeof buf, &rsp, &len), 0);
    assert_int_equal(len, sizeof vec_response6);
    assert_same_but_padding(buf, vec_response6, len, pad6, 1, 60, 84);
    assert_int_equal(stun_parse(&m, buf, len), 0);
    assert_int_equal(stun_check_integrity(&m, PWD, PWD_LEN), 0);
    assert_int_equal(stun_check_fingerprint(&m), 0);
    assert_true(stun_addr_equal(&m.xor_mapped, &rsp.mapped));
}

static void test_high_level_request_vs_vector(void **state)
{
    (void)state;
    struct stun_binding_request req;
    struct stun_msg m;
    uint8_t buf[256];
    size_t len = 0;
    static const size_t pad[] = {73, 74, 75};

    memset(&req, 0, sizeof req);
    memcpy(req.tid, vec_tid, STUN_TID_LEN);
    req.software = "STUN test client";
    req.priority = 0x6e0001ff;
    req.controlling = false;
    req.tie_breaker = 0x932ff9b151263b36ull;
    req.username = "evtj:h6vY";
    req.key = PWD;
    req.key_len = PWD_LEN;
    assert_int_equal(stun_build_binding_request(buf, sizeof buf, &req, &len), 0);
    assert_int_equal(len, sizeof vec_request);
    assert_same_but_padding(buf, vec_request, len, pad, 3, 76, 100);
    assert_int_equal(stun_parse(&m, buf, len), 0);
    assert_int_equal(stun_check_integrity(&m, PWD, PWD_LEN), 0);
    assert_int_equal(stun_check_fingerprint(&m), 0);
}

/* Every single-byte change anywhere in a vector is caught: the parse fails,
 * or both checks that cover the byte fail. */

/* ---- building ---- */

static void test_request_round_trip(void **state)
{
    (void)state;
    struct stun_binding_request req;
    struct stun_msg m;
    uint8_t buf[STUN_MAX_MESSAGE_UDP];
    size_t len = 0;

    memset(&req, 0, sizeof req);
    memcpy(req.tid, vec_tid, STUN_TID_LEN);
    req.username = "abcd:efgh";
    req.priority = 0x7e7fffff;
    req.controlling = true;
    req.tie_breaker = 0x0123456789abcdefull;
    req.use_candidate = true;
    req.key = (const uint8_t *)"remote-password-0123456";
    req.key_len = 23;
    assert_int_equal(stun_build_binding_request(buf, sizeof buf, &req, &len), 0);
    assert_int_equal(len % 4, 0);
    assert_true(stun_is_stun(buf, len));
    assert_int_equal(stun_parse(&m, buf, len), 0);
    assert_int_equal(m.cls, STUN_CLASS_REQUEST);
    assert_int_equal(m.method, STUN_METHOD_BINDING);
    assert_memory_equal(m.tid, vec_tid, STUN_TID_LEN);
    assert_int_equal(m.username.len, 9);
    assert_memory_equal(m.username.p, "abcd:efgh", 9);
    assert_int_equal(m.priority, 0x7e7fffff);
    assert_true(m.has & STUN_HAS_ICE_CONTROLLING);
    assert_false(m.has & STUN_HAS_ICE_CONTROLLED);
    assert_true(m.ice_controlling == 0x0123456789abcdefull);
    assert_true(m.has & STUN_HAS_USE_CANDIDATE);
    assert_false(m.has & STUN_HAS_SOFTWARE);
    assert_int_equal(stun_check_integrity(&m, req.key, req.key_len), 0);
    assert_int_equal(stun_check_integrity(&m, PWD, PWD_LEN), ERR_DENIED);
    assert_int_equal(stun_check_fingerprint(&m), 0);

    /* Without a key: no MI, still a FINGERPRINT. */
    req.key = NULL;
    req.use_candidate = false;
    req.controlling = false;
    assert_int_equal(stun_build_binding_request(buf, sizeof buf, &req, &len), 0);
    assert_int_equal(stun_parse(&m, buf, len), 0);
    assert_false(m.has & STUN_HAS_INTEGRITY);
    assert_true(m.has & STUN_HAS_ICE_CONTROLLED);
    assert_false(m.has & STUN_HAS_USE_CANDIDATE);
    assert_int_equal(stun_check_fingerprint(&m), 0);
}

static void test_error_responses(void **state)
{
    (void)state;
    struct stun_error_response er;
    struct stun_msg m;
    uint8_t buf[256];
    size_t len = 0;
    static const uint16_t unknown[] = {0x0003, 0x7fff, 0x001c};

    memset(&er, 0, sizeof er);
    memcpy(er.tid, vec_tid, STUN_TID_LEN);
    er.method = STUN_METHOD_BINDING;

    er.code = 400;
    assert_int_equal(stun_build_error_response(buf, sizeof buf, &er, &len), 0);
    assert_int_equal(stun_parse(&m, buf, len), 0);
    assert_int_equal(m.type, 0x0111);
    assert_int_equal(m.cls, STUN_CLASS_ERROR);
    assert_int_equal(m.error_code, 400);
    assert_int_equal(m.reason.len, strlen("Bad Request"));
    assert_memory_equal(m.reason.p, "Bad Request", m.reason.len);
    assert_false(m.has & STUN_HAS_INTEGRITY);
    assert_int_equal(stun_check_fingerprint(&m), 0);

    er.code = 401;
    er.reason = "Unknown username";
    assert_int_equal(stun_build_error_response(buf, sizeof buf, &er, &len), 0);
    assert_int_equal(stun_parse(&m, buf, len), 0);
    assert_int_equal(m.error_code, 401);
    assert_memory_equal(m.reason.p, "Unknown username", m.reason.len);
    assert_int_equal(stun_check_fingerprint(&m), 0);

    er.code = 487;
    er.reason = NULL;
    er.key = PWD;
    er.key_len = PWD_LEN;
    assert_int_equal(stun_build_error_response(buf, sizeof buf, &er, &len), 0);
    assert_int_equal(stun_parse(&m, buf, len), 0);
    assert_int_equal(m.error_code, 487);
    assert_memory_equal(m.reason.p, "Role Conflict", m.reason.len);
    assert_int_equal(stun_check_integrity(&m, PWD, PWD_LEN), 0);
    assert_int_equal(stun_check_fingerprint(&m), 0);

    er.code = 420;
    er.key = NULL;
    er.unknown = unknown;
    er.n_unknown = 3;
    assert_int_equal(stun_build_error_response(buf, sizeof buf, &er, &len), 0);
    assert_int_equal(stun_parse(&m, buf, len), 0);
    assert_int_equal(m.error_code, 420);
    const struct stun_attr *ua = stun_msg_find(&m, STUN_ATTR_UNKNOWN_ATTRIBUTES);
    assert_non_null(ua);
    assert_int_equal(ua->len, 6);
    assert_memory_equal(ua->val, "\x00\x03\x7f\xff\x00\x1c", 6);

    /* Codes outside 300..699 are our own bug. */
    er.code = 200;
    assert_int_equal(stun_build_error_response(buf, sizeof buf, &er, &len), ERR_INVAL);
    er.code = 700;
    assert_int_equal(stun_build_error_response(buf, sizeof buf, &er, &len), ERR_INVAL);
}

static void test_builder_limits_and_misuse(void **state)
{
    (void)state;
    struct stun_binding_success rsp;
    struct stun_builder b;
    struct stun_addr a;
    uint8_t buf[STUN_MAX_MESSAGE + 64];
    size_t len = 0, full = 0;

    memset(&rsp, 0, sizeof rsp);
    memcpy(rsp.tid, vec_tid, STUN_TID_LEN);
    set_addr(&rsp.mapped, STUN_FAMILY_IPV6, addr6, 9);
    rsp.key = PWD;
    rsp.key_len = PWD_LEN;
    assert_int_equal(stun_build_binding_success(buf, sizeof buf, &rsp, &full), 0);
    /* Every smaller buffer is refused, and nothing is written past it. */
    for (size_t cap = 0; cap < full; cap++) {
        memset(buf, 0xee, sizeof buf);
        assert_int_equal(stun_build_binding_success(buf, cap, &rsp, &len), ERR_TOOBIG);
        for (size_t i = cap; i < full; i++)
            assert_int_equal(buf[i], 0xee);
    }
    assert_int_equal(stun_build_binding_success(buf, full, &rsp, &len), 0);
    assert_int_equal(len, full);

    /* Order: nothing but FINGERPRINT after MI, nothing after FINGERPRINT. */
    stun_build_begin(&b, buf, sizeof buf, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, vec_tid);
    stun_build_integrity(&b, PWD, PWD_LEN);
    stun_build_u32(&b, STUN_ATTR_PRIORITY, 1);
    assert_int_equal(stun_build_end(&b, &len), ERR_INVAL);
    stun_build_begin(&b, buf, sizeof buf, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, vec_tid);
    stun_build_fingerprint(&b);
    stun_build_fingerprint(&b);
    assert_int_equal(stun_build_end(&b, &len), ERR_INVAL);
    /* MI and FINGERPRINT only through their functions. */
    stun_build_begin(&b, buf, sizeof buf, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, vec_tid);
    stun_build_attr(&b, STUN_ATTR_MESSAGE_INTEGRITY, buf, 20);
    assert_int_equal(stun_build_end(&b, &len), ERR_INVAL);
    /* Bad address family, empty key, bad method. */
    memset(&a, 0, sizeof a);
    stun_build_begin(&b, buf, sizeof buf, STUN_METHOD_BINDING, STUN_CLASS_SUCCESS, vec_tid);
    stun_build_xor_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, &a);
    assert_int_equal(stun_build_end(&b, &len), ERR_INVAL);
    stun_build_begin(&b, buf, sizeof buf, STUN_METHOD_BINDING, STUN_CLASS_SUCCESS, vec_tid);
    stun_build_integrity(&b, PWD, 0);
    assert_int_equal(stun_build_end(&b, &len), ERR_INVAL);
    stun_build_begin(&b, buf, sizeof buf, 0x1000, STUN_CLASS_SUCCESS, vec_tid);
    assert_int_equal(stun_build_end(&b, &len), ERR_INVAL);
    /* Over-long USERNAME is refused, as the parser would. */
    static char user[STUN_MAX_USERNAME + 2];
    memset(user, 'x', sizeof user - 1);
    stun_build_begin(&b, buf, sizeof buf, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, vec_tid);
    stun_build_str(&b, STUN_ATTR_USERNAME, user);
    assert_int_equal(stun_build_end(&b, &len), ERR_TOOBIG);
    /* Never more than STUN_MAX_MESSAGE, however large the buffer. */
    static uint8_t big[STUN_MAX_MESSAGE];
    stun_build_begin(&b, buf, sizeof buf, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, vec_tid);
    stun_build_attr(&b, 0x8050, big, STUN_MAX_MESSAGE - STUN_HEADER_LEN - 4);
    assert_int_equal(stun_build_end(&b, &len), 0);
    assert_int_equal(len, STUN_MAX_MESSAGE);
    stun_build_attr(&b, 0x8051, NULL, 0);
    assert_int_equal(stun_build_end(&b, &len), ERR_TOOBIG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_reproduces_ipv4_vector),
        cmocka_unit_test(test_build_reproduces_ipv6_vector),
        cmocka_unit_test(test_build_reproduces_request_vector),
        cmocka_unit_test(test_high_level_success_vs_vector),
        cmocka_unit_test(test_high_level_request_vs_vector),
        cmocka_unit_test(test_request_round_trip),
        cmocka_unit_test(test_error_responses),
        cmocka_unit_test(test_builder_limits_and_misuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
