/* Tests for media/rd.h and media/stun.c: the bounded reader and writer,
 * parsing RFC 5769 test vectors, corruption and truncation, and rejection
 * of malformed input. Fixtures in stun_harness.h; building in
 * test_stun_build.c. */
#include "stun_harness.h"

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
        cmocka_unit_test(test_corrupt_every_byte),
        cmocka_unit_test(test_truncation_every_length),
        cmocka_unit_test(test_bad_header),
        cmocka_unit_test(test_too_big_message),
        cmocka_unit_test(test_attr_overrun),
        cmocka_unit_test(test_fixed_size_attrs),
        cmocka_unit_test(test_attr_caps_and_unknown),
        cmocka_unit_test(test_attr_order_rules),
        cmocka_unit_test(test_crc32_and_types),
        cmocka_unit_test(test_sockaddr_conversion),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
