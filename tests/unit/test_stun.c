/* Tests for media/rd.h and media/stun.c: RFC 5769 test vectors, building,
 * and rejection of malformed input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include <openssl/evp.h>

#include "media/rd.h"
#include "media/stun.h"
#include "server/err.h"

/* ---- RFC 5769 test vectors ---- */

static const char vec_password[] = "VOkJxbRl1RmTxUk/WvJxBt";

static const uint8_t vec_tid[STUN_TID_LEN] = {0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34,
                                              0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae};

/* clang-format off */
/* 2.1 Sample Request */
static const uint8_t vec_request[] = {
    0x00, 0x01, 0x00, 0x58, /* Binding request, length 88 */
    0x21, 0x12, 0xa4, 0x42, /* magic cookie */
    0xb7, 0xe7, 0xa7, 0x01, /* transaction id */
    0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae,
    0x80, 0x22, 0x00, 0x10, /* SOFTWARE "STUN test client" */
    0x53, 0x54, 0x55, 0x4e,
    0x20, 0x74, 0x65, 0x73,
    0x74, 0x20, 0x63, 0x6c,
    0x69, 0x65, 0x6e, 0x74,
    0x00, 0x24, 0x00, 0x04, /* PRIORITY */
    0x6e, 0x00, 0x01, 0xff,
    0x80, 0x29, 0x00, 0x08, /* ICE-CONTROLLED */
    0x93, 0x2f, 0xf9, 0xb1,
    0x51, 0x26, 0x3b, 0x36,
    0x00, 0x06, 0x00, 0x09, /* USERNAME "evtj:h6vY" */
    0x65, 0x76, 0x74, 0x6a,
    0x3a, 0x68, 0x36, 0x76,
    0x59, 0x20, 0x20, 0x20, /* padded with spaces */
    0x00, 0x08, 0x00, 0x14, /* MESSAGE-INTEGRITY */
    0x9a, 0xea, 0xa7, 0x0c,
    0xbf, 0xd8, 0xcb, 0x56,
    0x78, 0x1e, 0xf2, 0xb5,
    0xb2, 0xd3, 0xf2, 0x49,
    0xc1, 0xb5, 0x71, 0xa2,
    0x80, 0x28, 0x00, 0x04, /* FINGERPRINT */
    0xe5, 0x7a, 0x3b, 0xcf,
};

/* 2.2 Sample IPv4 Response */
static const uint8_t vec_response4[] = {
    0x01, 0x01, 0x00, 0x3c, /* Binding success response, length 60 */
    0x21, 0x12, 0xa4, 0x42, /* magic cookie */
    0xb7, 0xe7, 0xa7, 0x01, /* transaction id */
    0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae,
    0x80, 0x22, 0x00, 0x0b, /* SOFTWARE "test vector" */
    0x74, 0x65, 0x73, 0x74,
    0x20, 0x76, 0x65, 0x63,
    0x74, 0x6f, 0x72, 0x20, /* padded with a space */
    0x00, 0x20, 0x00, 0x08, /* XOR-MAPPED-ADDRESS */
    0x00, 0x01, 0xa1, 0x47, /* IPv4, port ^ 0x2112 */
    0xe1, 0x12, 0xa6, 0x43,
    0x00, 0x08, 0x00, 0x14, /* MESSAGE-INTEGRITY */
    0x2b, 0x91, 0xf5, 0x99,
    0xfd, 0x9e, 0x90, 0xc3,
    0x8c, 0x74, 0x89, 0xf9,
    0x2a, 0xf9, 0xba, 0x53,
    0xf0, 0x6b, 0xe7, 0xd7,
    0x80, 0x28, 0x00, 0x04, /* FINGERPRINT */
    0xc0, 0x7d, 0x4c, 0x96,
};

/* 2.3 Sample IPv6 Response */
static const uint8_t vec_response6[] = {
    0x01, 0x01, 0x00, 0x48, /* Binding success response, length 72 */
    0x21, 0x12, 0xa4, 0x42, /* magic cookie */
    0xb7, 0xe7, 0xa7, 0x01, /* transaction id */
    0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae,
    0x80, 0x22, 0x00, 0x0b, /* SOFTWARE "test vector" */
    0x74, 0x65, 0x73, 0x74,
    0x20, 0x76, 0x65, 0x63,
    0x74, 0x6f, 0x72, 0x20, /* padded with a space */
    0x00, 0x20, 0x00, 0x14, /* XOR-MAPPED-ADDRESS */
    0x00, 0x02, 0xa1, 0x47, /* IPv6, port ^ 0x2112 */
    0x01, 0x13, 0xa9, 0xfa,
    0xa5, 0xd3, 0xf1, 0x79,
    0xbc, 0x25, 0xf4, 0xb5,
    0xbe, 0xd2, 0xb9, 0xd9,
    0x00, 0x08, 0x00, 0x14, /* MESSAGE-INTEGRITY */
    0xa3, 0x82, 0x95, 0x4e,
    0x4b, 0xe6, 0x7b, 0xf1,
    0x17, 0x84, 0xc9, 0x7c,
    0x82, 0x92, 0xc2, 0x75,
    0xbf, 0xe3, 0xed, 0x41,
    0x80, 0x28, 0x00, 0x04, /* FINGERPRINT */
    0xc8, 0xfb, 0x0b, 0x4c,
};

/* 2.4 Sample Request with Long-Term Authentication */
static const uint8_t vec_longterm[] = {
    0x00, 0x01, 0x00, 0x60, /* Binding request, length 96 */
    0x21, 0x12, 0xa4, 0x42, /* magic cookie */
    0x78, 0xad, 0x34, 0x33, /* transaction id */
    0xc6, 0xad, 0x72, 0xc0,
    0x29, 0xda, 0x41, 0x2e,
    0x00, 0x06, 0x00, 0x12, /* USERNAME (18 bytes of UTF-8) */
    0xe3, 0x83, 0x9e, 0xe3,
    0x83, 0x88, 0xe3, 0x83,
    0xaa, 0xe3, 0x83, 0x83,
    0xe3, 0x82, 0xaf, 0xe3,
    0x82, 0xb9, 0x00, 0x00, /* zero padding */
    0x00, 0x15, 0x00, 0x1c, /* NONCE */
    0x66, 0x2f, 0x2f, 0x34,
    0x39, 0x39, 0x6b, 0x39,
    0x35, 0x34, 0x64, 0x36,
    0x4f, 0x4c, 0x33, 0x34,
    0x6f, 0x4c, 0x39, 0x46,
    0x53, 0x54, 0x76, 0x79,
    0x36, 0x34, 0x73, 0x41, /* REALM "example.org" */
    0x00, 0x14, 0x00, 0x0b,
    0x65, 0x78, 0x61, 0x6d,
    0x70, 0x6c, 0x65, 0x2e, /* zero padding */
    0x6f, 0x72, 0x67, 0x00, /* MESSAGE-INTEGRITY, no FINGERPRINT */
    0x00, 0x08, 0x00, 0x14,
    0xf6, 0x70, 0x24, 0x65,
    0x6d, 0xd6, 0x4a, 0x3e,
    0x02, 0xb8, 0xe0, 0x71,
    0x2e, 0x85, 0xc9, 0xa2,
    0x8c, 0xa8, 0x96, 0x66,
};
/* clang-format on */

static const uint8_t addr4[4] = {192, 0, 2, 1};
static const uint8_t addr6[16] = {0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56, 0x78,
                                  0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77};

#define PWD ((const uint8_t *)vec_password)
#define PWD_LEN (sizeof vec_password - 1)

static void set_addr(struct stun_addr *a, uint8_t family, const uint8_t *ip, uint16_t port)
{
    memset(a, 0, sizeof *a);
    a->family = family;
    a->port = port;
    memcpy(a->ip, ip, family == STUN_FAMILY_IPV4 ? 4 : 16);
}

/* ---- bounded reader and writer ---- */

static void test_rd_reads_and_sticky_error(void **state)
{
    (void)state;
    static const uint8_t b[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18};
    struct rd r;

    rd_init(&r, b, sizeof b);
    assert_int_equal(rd_u8(&r), 1);
    assert_int_equal(rd_u16(&r), 0x0203);
    assert_int_equal(rd_u24(&r), 0x040506);
    assert_int_equal(rd_u32(&r), 0x0708090a);
    assert_true(rd_u64(&r) == 0x0b0c0d0e0f101112ull);
    assert_int_equal(rd_left(&r), 0);
    assert_true(rd_ok(&r));
    assert_non_null(rd_bytes(&r, 0));
    assert_false(r.err);

    /* Running past the end sets the flag; later reads return 0/NULL. */
    assert_int_equal(rd_u8(&r), 0);
    assert_true(r.err);
    rd_init(&r, b, 3);
    assert_int_equal(rd_u32(&r), 0);
    assert_true(r.err);
    assert_int_equal(rd_left(&r), 0);
    assert_int_equal(rd_u8(&r), 0); /* the 3 bytes are still there, but err is sticky */
    assert_null(rd_bytes(&r, 0));

    /* Huge lengths do not wrap. */
    rd_init(&r, b, sizeof b);
    assert_null(rd_bytes(&r, SIZE_MAX));
    assert_true(r.err);

    /* rd_sub splits off a sub-reader; too long puts both in error. */
    struct rd sub;
    rd_init(&r, b, sizeof b);
    rd_sub(&r, 4, &sub);
    assert_int_equal(rd_u32(&sub), 0x01020304);
    assert_int_equal(rd_left(&sub), 0);
    assert_int_equal(rd_u8(&r), 5);
    rd_sub(&r, 100, &sub);
    assert_true(r.err);
    assert_true(sub.err);

    /* An empty reader on NULL is fine; a non-empty one is an error. */
    rd_init(&r, NULL, 0);
    assert_false(r.err);
    assert_int_equal(rd_left(&r), 0);
    rd_skip(&r, 0);
    assert_false(r.err);
    rd_init(&r, NULL, 5);
    assert_true(r.err);
}

static void test_wr_writes_and_sticky_error(void **state)
{
    (void)state;
    uint8_t buf[18];
    struct wr w;
    static const uint8_t want[] = {0xab, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xde, 0xad, 0xbe,
                                   0xef, 'h',  'i',  0,    0,    0xff, 0xff, 0x01, 0x02};

    wr_init(&w, buf, sizeof buf);
    wr_u8(&w, 0xab);
    wr_u16(&w, 0x1234);
    wr_u24(&w, 0x56789a);
    wr_u32(&w, 0xdeadbeef);
    wr_bytes(&w, "hi", 2);
    wr_zero(&w, 2);
    wr_fill(&w, 0xff, 2);
    uint8_t *slot = wr_reserve(&w, 2);
    assert_non_null(slot);
    wr_put_u16(slot, 0x0102);
    assert_true(wr_ok(&w));
    assert_int_equal(wr_left(&w), 0);
    assert_memory_equal(buf, want, sizeof want);

    /* A write that does not fit writes nothing and sticks. */
    wr_u8(&w, 1);
    assert_true(w.err);
    wr_init(&w, buf, 7);
    wr_u64(&w, 1);
    assert_true(w.err);
    assert_true(w.p == buf);
    wr_u8(&w, 1);
    assert_true(w.p == buf);
    assert_null(wr_reserve(&w, 0));
}

/* ---- RFC 5769 ---- */

static void test_vector_request_parse(void **state)
{
    (void)state;
    struct stun_msg m;

    assert_true(stun_is_stun(vec_request, sizeof vec_request));
    assert_int_equal(stun_parse(&m, vec_request, sizeof vec_request), 0);
    assert_int_equal(m.type, 0x0001);
    assert_int_equal(m.method, STUN_METHOD_BINDING);
    assert_int_equal(m.cls, STUN_CLASS_REQUEST);
    assert_memory_equal(m.tid, vec_tid, STUN_TID_LEN);
    assert_int_equal(m.len, sizeof vec_request);

    assert_true(m.has & STUN_HAS_SOFTWARE);
    assert_int_equal(m.software.len, 16);
    assert_memory_equal(m.software.p, "STUN test client", 16);
    assert_true(m.has & STUN_HAS_PRIORITY);
    assert_int_equal(m.priority, 0x6e0001ff);
    assert_true(m.has & STUN_HAS_ICE_CONTROLLED);
    assert_false(m.has & STUN_HAS_ICE_CONTROLLING);
    assert_true(m.ice_controlled == 0x932ff9b151263b36ull);
    assert_true(m.has & STUN_HAS_USERNAME);
    assert_int_equal(m.username.len, 9);
    assert_memory_equal(m.username.p, "evtj:h6vY", 9);
    assert_false(m.has & STUN_HAS_USE_CANDIDATE);
    assert_true(m.has & STUN_HAS_INTEGRITY);
    assert_int_equal(m.integrity_off, 76);
    assert_true(m.has & STUN_HAS_FINGERPRINT);
    assert_int_equal(m.fingerprint_off, 100);
    assert_int_equal(m.fingerprint, 0xe57a3bcf);
    assert_int_equal(m.n_unknown, 0);
    assert_int_equal(m.n_attrs, 6);
    assert_int_equal(m.attrs[0].type, STUN_ATTR_SOFTWARE);
    assert_int_equal(m.attrs[5].type, STUN_ATTR_FINGERPRINT);
    const struct stun_attr *a = stun_msg_find(&m, STUN_ATTR_PRIORITY);
    assert_non_null(a);
    assert_int_equal(a->len, 4);
    assert_null(stun_msg_find(&m, STUN_ATTR_XOR_MAPPED_ADDRESS));
}

static void test_vector_request_verifies(void **state)
{
    (void)state;
    struct stun_msg m;

    assert_int_equal(stun_parse(&m, vec_request, sizeof vec_request), 0);
    assert_int_equal(stun_check_fingerprint(&m), 0);
    assert_int_equal(stun_check_integrity(&m, PWD, PWD_LEN), 0);
    /* Wrong, truncated and extended passwords fail. */
    assert_int_equal(stun_check_integrity(&m, (const uint8_t *)"VOkJxbRl1RmTxUk/WvJxBu", PWD_LEN),
                     ERR_DENIED);
    assert_int_equal(stun_check_integrity(&m, PWD, PWD_LEN - 1), ERR_DENIED);
    assert_int_equal(stun_check_integrity(&m, (const uint8_t *)"VOkJxbRl1RmTxUk/WvJxBtX", 23),
                     ERR_DENIED);
    assert_int_equal(stun_check_integrity(&m, PWD, 0), ERR_INVAL);
    assert_int_equal(stun_check_integrity(&m, NULL, 5), ERR_INVAL);
}

static void test_vector_ipv4_response(void **state)
{
    (void)state;
    struct stun_msg m;
    struct stun_addr want;

    assert_int_equal(stun_parse(&m, vec_response4, sizeof vec_response4), 0);
    assert_int_equal(m.type, 0x0101);
    assert_int_equal(m.cls, STUN_CLASS_SUCCESS);
    assert_int_equal(m.method, STUN_METHOD_BINDING);
    assert_memory_equal(m.tid, vec_tid, STUN_TID_LEN);
    assert_int_equal(m.software.len, 11);
    assert_memory_equal(m.software.p, "test vector", 11);
    assert_true(m.has & STUN_HAS_XOR_MAPPED_ADDRESS);
    set_addr(&want, STUN_FAMILY_IPV4, addr4, 32853);
    assert_int_equal(m.xor_mapped.family, STUN_FAMILY_IPV4);
    assert_int_equal(m.xor_mapped.port, 32853);
    assert_memory_equal(m.xor_mapped.ip, addr4, 4);
    assert_true(stun_addr_equal(&m.xor_mapped, &want));
    assert_int_equal(stun_check_integrity(&m, PWD, PWD_LEN), 0);
    assert_int_equal(stun_check_fingerprint(&m), 0);
}

static void test_vector_ipv6_response(void **state)
{
    (void)state;
    struct stun_msg m;
    struct stun_addr want;

    assert_int_equal(stun_parse(&m, vec_response6, sizeof vec_response6), 0);
    assert_int_equal(m.cls, STUN_CLASS_SUCCESS);
    assert_true(m.has & STUN_HAS_XOR_MAPPED_ADDRESS);
    set_addr(&want, STUN_FAMILY_IPV6, addr6, 32853);
    assert_int_equal(m.xor_mapped.family, STUN_FAMILY_IPV6);
    assert_int_equal(m.xor_mapped.port, 32853);
    assert_memory_equal(m.xor_mapped.ip, addr6, 16);
    assert_true(stun_addr_equal(&m.xor_mapped, &want));
    assert_int_equal(stun_check_integrity(&m, PWD, PWD_LEN), 0);
    assert_int_equal(stun_check_fingerprint(&m), 0);
}

/* We do not use long-term credentials, but such a message must parse, and
 * with the key MD5(username ":" realm ":" SASLprep(password)) computed by
 * the caller, stun_check_integrity() verifies it too. */
static void test_vector_long_term_request(void **state)
{
    (void)state;
    struct stun_msg m;
    uint8_t key[16];
    unsigned key_len = 0;
    uint8_t input[64];
    size_t n = 0;

    assert_int_equal(stun_parse(&m, vec_longterm, sizeof vec_longterm), 0);
    assert_int_equal(m.cls, STUN_CLASS_REQUEST);
    assert_int_equal(m.username.len, 18);
    assert_memory_equal(m.username.p,
                        "\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa\xe3\x83\x83\xe3\x82\xaf"
                        "\xe3\x82\xb9",
                        18); /* "マトリックス" */
    assert_true(m.has & STUN_HAS_NONCE);
    assert_int_equal(m.nonce.len, 28);
    assert_memory_equal(m.nonce.p, "f//499k954d6OL34oL9FSTvy64sA", 28);
    assert_true(m.has & STUN_HAS_REALM);
    assert_int_equal(m.realm.len, 11);
    assert_memory_equal(m.realm.p, "example.org", 11);
    assert_int_equal(m.n_unknown, 0);
    assert_int_equal(stun_check_fingerprint(&m), ERR_NOTFOUND);

    /* The RFC's password "The\u00adM\u00aatr\u2168" after SASLprep (soft
     * hyphen dropped, NFKC folds the ordinal to "a" and ROMAN NUMERAL NINE
     * to "IX") is "TheMatrIX". */
    memcpy(input + n, m.username.p, m.username.len);
    n += m.username.len;
    memcpy(input + n, ":example.org:TheMatrIX", 22);
    n += 22;
    assert_int_equal(EVP_Digest(input, n, key, &key_len, EVP_md5(), NULL), 1);
    assert_int_equal(key_len, 16);
    assert_int_equal(stun_check_integrity(&m, key, sizeof key), 0);
    assert_int_equal(stun_check_integrity(&m, PWD, PWD_LEN), ERR_DENIED);
}

/* The vectors pad with 0x20 where RFC 8489 says padding "MUST be ignored"
 * and senders usually write zeros. With b.pad = 0x20 the builder reproduces
 * them byte for byte, MESSAGE-INTEGRITY and FINGERPRINT included. */
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
static void check_corruption(const uint8_t *vec, size_t len, const uint8_t *key, size_t key_len)
{
    static const uint8_t masks[] = {0x01, 0x80, 0xff, 0x20};
    uint8_t buf[256];
    struct stun_msg ref;

    assert_int_equal(stun_parse(&ref, vec, len), 0);
    assert_int_equal(stun_check_integrity(&ref, key, key_len), 0);
    size_t mi_end = ref.integrity_off + 24;
    bool has_fp = (ref.has & STUN_HAS_FINGERPRINT) != 0;

    for (size_t i = 0; i < len; i++) {
        for (size_t k = 0; k < sizeof masks; k++) {
            struct stun_msg m;
            memcpy(buf, vec, len);
            buf[i] ^= masks[k];
            if (stun_parse(&m, buf, len) != 0)
                continue;
            int mi = stun_check_integrity(&m, key, key_len);
            int fp = has_fp ? stun_check_fingerprint(&m) : ERR_PARSE;
            assert_true(mi != 0 || fp != 0);
            /* CRC-32 catches every single-byte error it covers; the HMAC
             * catches every change in what it covers. */
            if (has_fp)
                assert_int_not_equal(fp, 0);
            if (i < mi_end)
                assert_int_not_equal(mi, 0);
        }
    }
}

static void test_corrupt_every_byte(void **state)
{
    (void)state;
    uint8_t key[16];
    unsigned key_len = 0;
    static const char lt[] = "\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa\xe3\x83\x83\xe3\x82\xaf\xe3\x82"
                             "\xb9:example.org:TheMatrIX";

    check_corruption(vec_request, sizeof vec_request, PWD, PWD_LEN);
    check_corruption(vec_response4, sizeof vec_response4, PWD, PWD_LEN);
    check_corruption(vec_response6, sizeof vec_response6, PWD, PWD_LEN);
    assert_int_equal(EVP_Digest(lt, sizeof lt - 1, key, &key_len, EVP_md5(), NULL), 1);
    check_corruption(vec_longterm, sizeof vec_longterm, key, key_len);
}

static void test_truncation_every_length(void **state)
{
    (void)state;
    const uint8_t *vecs[] = {vec_request, vec_response4, vec_response6, vec_longterm};
    const size_t lens[] = {sizeof vec_request, sizeof vec_response4, sizeof vec_response6,
                           sizeof vec_longterm};
    uint8_t buf[256];

    for (size_t v = 0; v < 4; v++) {
        for (size_t n = 0; n < lens[v]; n++) {
            struct stun_msg m;
            /* A copy of exactly n bytes, so ASan sees any over-read. */
            uint8_t *copy = test_malloc(n ? n : 1);
            memcpy(copy, vecs[v], n);
            assert_int_not_equal(stun_parse(&m, copy, n), 0);
            test_free(copy);

            /* Truncated with the header length fixed up to match: the
             * message may parse (when cut between attributes) but never
             * verifies. */
            if (n < STUN_HEADER_LEN || n % 4 != 0)
                continue;
            memcpy(buf, vecs[v], n);
            wr_put_u16(buf + 2, (uint16_t)(n - STUN_HEADER_LEN));
            if (stun_parse(&m, buf, n) == 0) {
                assert_true(stun_check_fingerprint(&m) != 0 ||
                            stun_check_integrity(&m, PWD, PWD_LEN) != 0);
            }
        }
    }
}

/* ---- malformed headers and attributes ---- */

static void test_bad_header(void **state)
{
    (void)state;
    uint8_t buf[128];
    struct stun_msg m;

    /* wrong magic cookie */
    memcpy(buf, vec_response4, sizeof vec_response4);
    buf[7] ^= 1;
    assert_false(stun_is_stun(buf, sizeof vec_response4));
    assert_int_equal(stun_parse(&m, buf, sizeof vec_response4), ERR_PARSE);
    assert_string_equal(m.why, "not a STUN message");

    /* top two bits set (an RTP or DTLS packet) */
    memcpy(buf, vec_response4, sizeof vec_response4);
    buf[0] |= 0x80;
    assert_false(stun_is_stun(buf, sizeof vec_response4));
    assert_int_equal(stun_parse(&m, buf, sizeof vec_response4), ERR_PARSE);
    buf[0] = 0x41;
    assert_false(stun_is_stun(buf, sizeof vec_response4));

    /* length not a multiple of 4 */
    memcpy(buf, vec_response4, sizeof vec_response4);
    buf[3] = 0x3d;
    assert_int_equal(stun_parse(&m, buf, sizeof vec_response4), ERR_PARSE);
    /* length not equal to the bytes that follow, both ways */
    buf[3] = 0x38;
    assert_int_equal(stun_parse(&m, buf, sizeof vec_response4), ERR_PARSE);
    buf[3] = 0x40;
    assert_int_equal(stun_parse(&m, buf, sizeof vec_response4), ERR_PARSE);
    assert_string_equal(m.why, "header length does not match the message");
    /* trailing bytes after the message */
    memcpy(buf, vec_response4, sizeof vec_response4);
    memset(buf + sizeof vec_response4, 0, 4);
    assert_int_equal(stun_parse(&m, buf, sizeof vec_response4 + 4), ERR_PARSE);

    /* a bare header is a valid empty message */
    memcpy(buf, vec_response4, 20);
    buf[2] = buf[3] = 0;
    assert_true(stun_is_stun(buf, 20));
    assert_int_equal(stun_parse(&m, buf, 20), 0);
    assert_int_equal(m.n_attrs, 0);
    assert_int_equal(stun_check_integrity(&m, PWD, PWD_LEN), ERR_NOTFOUND);
    assert_int_equal(stun_check_fingerprint(&m), ERR_NOTFOUND);

    /* short and NULL input */
    assert_false(stun_is_stun(buf, 19));
    assert_false(stun_is_stun(NULL, 20));
    assert_int_equal(stun_parse(&m, NULL, 0), ERR_PARSE);
    assert_int_equal(stun_parse(&m, buf, 19), ERR_PARSE);
    assert_int_equal(stun_parse(NULL, buf, 20), ERR_INVAL);
}

static void test_too_big_message(void **state)
{
    (void)state;
    static uint8_t buf[STUN_MAX_MESSAGE + 4];
    struct stun_msg m;

    /* One SOFTWARE-like comprehension-optional attribute filling the message. */
    memset(buf, 0, sizeof buf);
    wr_put_u16(buf, 0x0001);
    wr_put_u32(buf + 4, STUN_MAGIC_COOKIE);
    wr_put_u16(buf + 2, STUN_MAX_MESSAGE - STUN_HEADER_LEN);
    wr_put_u16(buf + 20, 0x8050);
    wr_put_u16(buf + 22, STUN_MAX_MESSAGE - STUN_HEADER_LEN - 4);
    assert_int_equal(stun_parse(&m, buf, STUN_MAX_MESSAGE), 0);
    wr_put_u16(buf + 2, STUN_MAX_MESSAGE + 4 - STUN_HEADER_LEN);
    wr_put_u16(buf + 22, STUN_MAX_MESSAGE + 4 - STUN_HEADER_LEN - 4);
    assert_int_equal(stun_parse(&m, buf, STUN_MAX_MESSAGE + 4), ERR_TOOBIG);
}

/* Builds a header + raw attribute bytes into buf; returns the length. */
static size_t raw_msg(uint8_t *buf, const uint8_t *attrs, size_t attrs_len)
{
    wr_put_u16(buf, 0x0001);
    wr_put_u16(buf + 2, (uint16_t)attrs_len);
    wr_put_u32(buf + 4, STUN_MAGIC_COOKIE);
    memcpy(buf + 8, vec_tid, STUN_TID_LEN);
    memcpy(buf + STUN_HEADER_LEN, attrs, attrs_len);
    return STUN_HEADER_LEN + attrs_len;
}

static void test_attr_overrun(void **state)
{
    (void)state;
    uint8_t buf[128];
    struct stun_msg m;
    size_t n;

    /* value longer than the message */
    static const uint8_t a1[] = {0x80, 0x22, 0x00, 0x09, 'a', 'b', 'c', 'd'};
    n = raw_msg(buf, a1, sizeof a1);
    assert_int_equal(stun_parse(&m, buf, n), ERR_PARSE);
    assert_string_equal(m.why, "attribute runs past the end of the message");
    /* value fits, padding does not */
    static const uint8_t a2[] = {0x80, 0x22, 0x00, 0x05, 'a', 'b', 'c', 'd'};
    n = raw_msg(buf, a2, sizeof a2);
    assert_int_equal(stun_parse(&m, buf, n), ERR_PARSE);
    /* exactly fitting value + padding */
    static const uint8_t a3[] = {0x80, 0x22, 0x00, 0x03, 'a', 'b', 'c', 0};
    n = raw_msg(buf, a3, sizeof a3);
    assert_int_equal(stun_parse(&m, buf, n), 0);
    assert_int_equal(m.software.len, 3);
    assert_null(m.why);
    /* maximal length field */
    static const uint8_t a4[] = {0x00, 0x06, 0xff, 0xff, 'a', 'b', 'c', 'd'};
    n = raw_msg(buf, a4, sizeof a4);
    assert_int_equal(stun_parse(&m, buf, n), ERR_PARSE);
    /* a second attribute overrunning after a good one */
    static const uint8_t a5[] = {0x00, 0x25, 0x00, 0x00, 0x00, 0x24, 0x00, 0x08, 1, 2, 3, 4};
    n = raw_msg(buf, a5, sizeof a5);
    assert_int_equal(stun_parse(&m, buf, n), ERR_PARSE);
}

static void test_fixed_size_attrs(void **state)
{
    (void)state;
    uint8_t buf[128];
    struct stun_msg m;
    size_t n;

    static const uint8_t prio3[] = {0x00, 0x24, 0x00, 0x03, 1, 2, 3, 0};
    n = raw_msg(buf, prio3, sizeof prio3);
    assert_int_equal(stun_parse(&m, buf, n), ERR_PARSE);
    assert_string_equal(m.why, "attribute has the wrong length for its type");
    static const uint8_t usecand4[] = {0x00, 0x25, 0x00, 0x04, 1, 2, 3, 4};
    n = raw_msg(buf, usecand4, sizeof usecand4);
    assert_int_equal(stun_parse(&m, buf, n), ERR_PARSE);
    static const uint8_t ctl4[] = {0x80, 0x2a, 0x00, 0x04, 1, 2, 3, 4};
    n = raw_msg(buf, ctl4, sizeof ctl4);
    assert_int_equal(stun_parse(&m, buf, n), ERR_PARSE);
    static const uint8_t fp8[] = {0x80, 0x28, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8};
    n = raw_msg(buf, fp8, sizeof fp8);
    assert_int_equal(stun_parse(&m, buf, n), ERR_PARSE);
    uint8_t mi16[4 + 16] = {0x00, 0x08, 0x00, 0x10};
    n = raw_msg(buf, mi16, sizeof mi16);
    assert_int_equal(stun_parse(&m, buf, n), ERR_PARSE);
    /* XOR-MAPPED-ADDRESS: unknown family, IPv4 family with IPv6 length */
    static const uint8_t xa3[] = {0x00, 0x20, 0x00, 0x08, 0, 3, 0, 1, 1, 2, 3, 4};
    n = raw_msg(buf, xa3, sizeof xa3);
    assert_int_equal(stun_parse(&m, buf, n), ERR_PARSE);
    uint8_t xa4[4 + 20] = {0x00, 0x20, 0x00, 0x14, 0, 1};
    n = raw_msg(buf, xa4, sizeof xa4);
    assert_int_equal(stun_parse(&m, buf, n), ERR_PARSE);
    /* ERROR-CODE: class 2, number 100, too short */
    static const uint8_t ec2[] = {0x00, 0x09, 0x00, 0x04, 0, 0, 2, 0};
    n = raw_msg(buf, ec2, sizeof ec2);
    assert_int_equal(stun_parse(&m, buf, n), ERR_PARSE);
    static const uint8_t ec100[] = {0x00, 0x09, 0x00, 0x04, 0, 0, 4, 100};
    n = raw_msg(buf, ec100, sizeof ec100);
    assert_int_equal(stun_parse(&m, buf, n), ERR_PARSE);
    static const uint8_t ec3[] = {0x00, 0x09, 0x00, 0x03, 0, 0, 4, 0};
    n = raw_msg(buf, ec3, sizeof ec3);
    assert_int_equal(stun_parse(&m, buf, n), ERR_PARSE);
    /* oversized USERNAME */
    static uint8_t big[4 + 516];
    memset(big, 'u', sizeof big);
    wr_put_u16(big, STUN_ATTR_USERNAME);
    wr_put_u16(big + 2, 513);
    static uint8_t bigbuf[STUN_HEADER_LEN + sizeof big];
    n = raw_msg(bigbuf, big, sizeof big);
    assert_int_equal(stun_parse(&m, bigbuf, n), ERR_TOOBIG);
    wr_put_u16(big + 2, 512);
    n = raw_msg(bigbuf, big, 4 + 512);
    assert_int_equal(stun_parse(&m, bigbuf, n), 0);
    assert_int_equal(m.username.len, 512);
}

static void test_attr_caps_and_unknown(void **state)
{
    (void)state;
    uint8_t attrs[4 * (STUN_MAX_ATTRS + 1)];
    uint8_t buf[STUN_HEADER_LEN + sizeof attrs];
    struct stun_msg m;
    size_t n;

    /* STUN_MAX_ATTRS zero-length attributes pass, one more does not. */
    for (size_t i = 0; i <= STUN_MAX_ATTRS; i++) {
        wr_put_u16(attrs + 4 * i, (uint16_t)(0x8100 + i));
        wr_put_u16(attrs + 4 * i + 2, 0);
    }
    n = raw_msg(buf, attrs, 4 * STUN_MAX_ATTRS);
    assert_int_equal(stun_parse(&m, buf, n), 0);
    assert_int_equal(m.n_attrs, STUN_MAX_ATTRS);
    assert_int_equal(m.n_unknown, 0); /* comprehension-optional: ignored */
    n = raw_msg(buf, attrs, sizeof attrs);
    assert_int_equal(stun_parse(&m, buf, n), ERR_TOOBIG);

    /* Unknown comprehension-required types are listed, known ones not. */
    static const uint8_t u[] = {0x00, 0x25, 0x00, 0x00, 0x00, 0x03, 0x00, 0x04, 0,    0,
                                0,    4,    0x7f, 0xff, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x00};
    n = raw_msg(buf, u, sizeof u);
    assert_int_equal(stun_parse(&m, buf, n), 0);
    assert_true(m.has & STUN_HAS_USE_CANDIDATE);
    assert_int_equal(m.n_unknown, 3);
    assert_int_equal(m.unknown[0], 0x0003);
    assert_int_equal(m.unknown[1], 0x7fff);
    assert_int_equal(m.unknown[2], STUN_ATTR_MESSAGE_INTEGRITY_SHA256);

    /* More than STUN_MAX_UNKNOWN of them is refused. */
    for (size_t i = 0; i <= STUN_MAX_UNKNOWN; i++) {
        wr_put_u16(attrs + 4 * i, (uint16_t)(0x4000 + i));
        wr_put_u16(attrs + 4 * i + 2, 0);
    }
    n = raw_msg(buf, attrs, 4 * STUN_MAX_UNKNOWN);
    assert_int_equal(stun_parse(&m, buf, n), 0);
    assert_int_equal(m.n_unknown, STUN_MAX_UNKNOWN);
    n = raw_msg(buf, attrs, 4 * (STUN_MAX_UNKNOWN + 1));
    assert_int_equal(stun_parse(&m, buf, n), ERR_TOOBIG);
}

static void test_attr_order_rules(void **state)
{
    (void)state;
    uint8_t buf[256];
    struct stun_builder b;
    struct stun_msg m;
    size_t len = 0;

    /* Duplicate attributes: the first occurrence counts. */
    static const uint8_t dup[] = {0x00, 0x24, 0x00, 0x04, 0, 0, 0, 1,
                                  0x00, 0x24, 0x00, 0x04, 0, 0, 0, 2};
    len = raw_msg(buf, dup, sizeof dup);
    assert_int_equal(stun_parse(&m, buf, len), 0);
    assert_int_equal(m.priority, 1);

    /* After MESSAGE-INTEGRITY everything but FINGERPRINT is ignored, and
     * MESSAGE-INTEGRITY still verifies. Build one by hand: MI, then a
     * USERNAME and an unknown comprehension-required attribute. */
    stun_build_begin(&b, buf, sizeof buf, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, vec_tid);
    stun_build_u32(&b, STUN_ATTR_PRIORITY, 7);
    stun_build_integrity(&b, PWD, PWD_LEN);
    assert_int_equal(stun_build_end(&b, &len), 0);
    static const uint8_t tail[] = {0x00, 0x06, 0x00, 0x04, 'e',  'v',
                                   'i',  'l',  0x00, 0x03, 0x00, 0x00};
    memcpy(buf + len, tail, sizeof tail);
    len += sizeof tail;
    wr_put_u16(buf + 2, (uint16_t)(len - STUN_HEADER_LEN));
    assert_int_equal(stun_parse(&m, buf, len), 0);
    assert_false(m.has & STUN_HAS_USERNAME);
    assert_int_equal(m.n_unknown, 0);
    assert_int_equal(stun_check_integrity(&m, PWD, PWD_LEN), 0);

    /* Nothing may follow FINGERPRINT. */
    stun_build_begin(&b, buf, sizeof buf, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, vec_tid);
    stun_build_fingerprint(&b);
    assert_int_equal(stun_build_end(&b, &len), 0);
    assert_int_equal(stun_parse(&m, buf, len), 0);
    assert_int_equal(stun_check_fingerprint(&m), 0);
    static const uint8_t after[] = {0x80, 0x22, 0x00, 0x00};
    memcpy(buf + len, after, sizeof after);
    len += sizeof after;
    wr_put_u16(buf + 2, (uint16_t)(len - STUN_HEADER_LEN));
    assert_int_equal(stun_parse(&m, buf, len), ERR_PARSE);
}

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

/* ---- small pieces ---- */

static void test_crc32_and_types(void **state)
{
    (void)state;
    assert_int_equal(stun_crc32((const uint8_t *)"123456789", 9), 0xcbf43926);
    assert_int_equal(stun_crc32(NULL, 0), 0);

    assert_int_equal(stun_msg_type(STUN_METHOD_BINDING, STUN_CLASS_REQUEST), 0x0001);
    assert_int_equal(stun_msg_type(STUN_METHOD_BINDING, STUN_CLASS_INDICATION), 0x0011);
    assert_int_equal(stun_msg_type(STUN_METHOD_BINDING, STUN_CLASS_SUCCESS), 0x0101);
    assert_int_equal(stun_msg_type(STUN_METHOD_BINDING, STUN_CLASS_ERROR), 0x0111);
    assert_int_equal(stun_msg_type(0x003, STUN_CLASS_REQUEST), 0x0003); /* TURN Allocate */
    assert_int_equal(stun_msg_type(0xfff, STUN_CLASS_ERROR), 0x3fff);

    /* Every method and class survives build and parse. */
    for (unsigned method = 0; method <= 0xfff; method += 0x55) {
        for (unsigned cls = 0; cls < 4; cls++) {
            struct stun_builder b;
            struct stun_msg m;
            uint8_t buf[64];
            size_t len = 0;
            stun_build_begin(&b, buf, sizeof buf, (uint16_t)method, (enum stun_class)cls, vec_tid);
            assert_int_equal(stun_build_end(&b, &len), 0);
            assert_int_equal(stun_parse(&m, buf, len), 0);
            assert_int_equal(m.method, method);
            assert_int_equal(m.cls, cls);
        }
    }
    assert_string_equal(stun_reason_default(401), "Unauthenticated");
    assert_string_equal(stun_reason_default(499), "Error");
}

static void test_sockaddr_conversion(void **state)
{
    (void)state;
    struct sockaddr_in sin;
    struct sockaddr_in6 sin6;
    struct sockaddr_storage ss;
    socklen_t ss_len = 0;
    struct stun_addr a, back;

    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons(32853);
    memcpy(&sin.sin_addr, addr4, 4);
    assert_int_equal(stun_addr_from_sockaddr(&a, (struct sockaddr *)&sin, sizeof sin), 0);
    assert_int_equal(a.family, STUN_FAMILY_IPV4);
    assert_int_equal(a.port, 32853);
    assert_memory_equal(a.ip, addr4, 4);
    assert_int_equal(stun_addr_to_sockaddr(&a, &ss, &ss_len), 0);
    assert_int_equal(ss_len, sizeof sin);
    assert_memory_equal(&ss, &sin, sizeof sin);
    assert_int_equal(stun_addr_from_sockaddr(&a, (struct sockaddr *)&sin, sizeof sin - 1),
                     ERR_INVAL);

    memset(&sin6, 0, sizeof sin6);
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(443);
    memcpy(&sin6.sin6_addr, addr6, 16);
    assert_int_equal(stun_addr_from_sockaddr(&a, (struct sockaddr *)&sin6, sizeof sin6), 0);
    assert_int_equal(a.family, STUN_FAMILY_IPV6);
    assert_int_equal(a.port, 443);
    assert_int_equal(stun_addr_to_sockaddr(&a, &ss, &ss_len), 0);
    assert_int_equal(ss_len, sizeof sin6);
    assert_int_equal(stun_addr_from_sockaddr(&back, (struct sockaddr *)&ss, ss_len), 0);
    assert_true(stun_addr_equal(&a, &back));

    /* ::ffff:192.0.2.1 from a dual-stack socket is reported as IPv4. */
    static const uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1};
    memcpy(&sin6.sin6_addr, mapped, 16);
    assert_int_equal(stun_addr_from_sockaddr(&a, (struct sockaddr *)&sin6, sizeof sin6), 0);
    assert_int_equal(a.family, STUN_FAMILY_IPV4);
    assert_memory_equal(a.ip, addr4, 4);

    sin.sin_family = AF_UNIX;
    assert_int_equal(stun_addr_from_sockaddr(&a, (struct sockaddr *)&sin, sizeof sin), ERR_INVAL);
    a.family = 9;
    assert_int_equal(stun_addr_to_sockaddr(&a, &ss, &ss_len), ERR_INVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rd_reads_and_sticky_error),
        cmocka_unit_test(test_wr_writes_and_sticky_error),
        cmocka_unit_test(test_vector_request_parse),
        cmocka_unit_test(test_vector_request_verifies),
        cmocka_unit_test(test_vector_ipv4_response),
        cmocka_unit_test(test_vector_ipv6_response),
        cmocka_unit_test(test_vector_long_term_request),
        cmocka_unit_test(test_build_reproduces_ipv4_vector),
        cmocka_unit_test(test_build_reproduces_ipv6_vector),
        cmocka_unit_test(test_build_reproduces_request_vector),
        cmocka_unit_test(test_high_level_success_vs_vector),
        cmocka_unit_test(test_high_level_request_vs_vector),
        cmocka_unit_test(test_corrupt_every_byte),
        cmocka_unit_test(test_truncation_every_length),
        cmocka_unit_test(test_bad_header),
        cmocka_unit_test(test_too_big_message),
        cmocka_unit_test(test_attr_overrun),
        cmocka_unit_test(test_fixed_size_attrs),
        cmocka_unit_test(test_attr_caps_and_unknown),
        cmocka_unit_test(test_attr_order_rules),
        cmocka_unit_test(test_request_round_trip),
        cmocka_unit_test(test_error_responses),
        cmocka_unit_test(test_builder_limits_and_misuse),
        cmocka_unit_test(test_crc32_and_types),
        cmocka_unit_test(test_sockaddr_conversion),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
