/* Tests for media/ice.c: the ICE-lite agent driven with a fake clock and
 * STUN messages built with media/stun.h; no sockets. This file: creation,
 * connectivity checks, credentials and integrity, hostile input. Harness in
 * ice_harness.h; selection, consent and restart in test_ice_consent.c and
 * test_ice_select.c.
 *
 * With SAMTALE_SEED_DIR set, seeds for tests/fuzz/fuzz_ice.c are also
 * written there (in its record format, with its credentials):
 *   SAMTALE_SEED_DIR=tests/fuzz/corpus/ice build/debug/tests/test_ice */
#include "ice_harness.h"
#include "tests/unit/seed_dump.h"

/* ---- seeds for fuzz_ice ---- */

static size_t seed_record(uint8_t *out, size_t cap, uint8_t ctrl, const struct req *r)
{
    size_t len;

    assert_true(cap > 3);
    len = build(out + 3, cap - 3, r);
    out[0] = ctrl;
    out[1] = (uint8_t)(len >> 8);
    out[2] = (uint8_t)len;
    return len + 3;
}

/* Record format of fuzz_ice: ctrl byte (bits 0-2 source, bit 3 TCP, bits
 * 4-7 two-second steps of time), 16-bit length, message; ctrl 0xFF is an
 * ICE restart to the second credential set. */
static int write_seeds(void **state)
{
    uint8_t buf[16 * STUN_MAX_MESSAGE];
    size_t n;
    struct req r;

    (void)state;
    if (getenv("SAMTALE_SEED_DIR") == NULL)
        return 0;

    r = check_req(1);
    dump_seed("check", buf, seed_record(buf, sizeof(buf), 0x00, &r));

    r.use_candidate = true;
    dump_seed("nominate_v6", buf, seed_record(buf, sizeof(buf), 0x01, &r));

    /* Provisional on source 0, nominate source 2 over TCP, consent ticks. */
    r = check_req(2);
    n = seed_record(buf, sizeof(buf), 0x00, &r);
    r.use_candidate = true;
    r.tid0 = 3;
    n += seed_record(buf + n, sizeof(buf) - n, 0x0a, &r);
    r.tid0 = 4;
    n += seed_record(buf + n, sizeof(buf) - n, 0xfa, &r);
    dump_seed("switch_tcp", buf, n);

    /* Check, restart, check with the new credentials. */
    r = check_req(5);
    n = seed_record(buf, sizeof(buf), 0x00, &r);
    buf[n++] = 0xff;
    r.username = USER2;
    r.key = LPWD2;
    r.use_candidate = true;
    n += seed_record(buf + n, sizeof(buf) - n, 0x13, &r);
    dump_seed("restart", buf, n);

    /* Firefox: UDP nominated, its lower-priority TCP pair nominated right
     * after, then consent checks every 4 s on UDP only, past 30 s. */
    r = check_req(10);
    r.use_candidate = true;
    r.priority = 0x6e7f1eff;
    n = seed_record(buf, sizeof(buf), 0x00, &r);
    r.tid0 = 11;
    r.priority = 0x6e3f1eff;
    n += seed_record(buf + n, sizeof(buf) - n, 0x08, &r);
    r.use_candidate = false;
    r.priority = 0x6e7f1eff;
    for (uint8_t k = 0; k < 12; k++) {
        r.tid0 = (uint8_t)(12 + k);
        n += seed_record(buf + n, sizeof(buf) - n, 0x20, &r);
    }
    dump_seed("firefox_two_nominations", buf, n);

    r = check_req(6);
    r.role = ROLE_CONTROLLED;
    dump_seed("role_conflict", buf, seed_record(buf, sizeof(buf), 0x00, &r));

    r = check_req(7);
    r.key = LPWD2;
    dump_seed("bad_pwd", buf, seed_record(buf, sizeof(buf), 0x00, &r));

    r = check_req(8);
    r.key = NULL;
    dump_seed("no_integrity", buf, seed_record(buf, sizeof(buf), 0x00, &r));

    r = check_req(9);
    r.unknown_attr = 0x0033;
    r.role = ROLE_NONE;
    dump_seed("unknown_attr", buf, seed_record(buf, sizeof(buf), 0x00, &r));
    return 0;
}

/* ---- tests ---- */

static void test_create_validates(void **state)
{
    struct ice_cfg cfg;
    struct ice_agent *a = (struct ice_agent *)1;

    (void)state;
    memset(&cfg, 0, sizeof(cfg));
    cfg.local_ufrag = LUFRAG;
    cfg.local_pwd = LPWD;
    assert_int_equal(ice_create(&a, NULL), ERR_INVAL);
    assert_null(a);
    assert_int_equal(ice_create(NULL, &cfg), ERR_INVAL);

    cfg.local_ufrag = "abc"; /* too short */
    assert_int_equal(ice_create(&a, &cfg), ERR_INVAL);
    cfg.local_ufrag = "ab:cd"; /* not ice-chars */
    assert_int_equal(ice_create(&a, &cfg), ERR_INVAL);
    cfg.local_ufrag = NULL;
    assert_int_equal(ice_create(&a, &cfg), ERR_INVAL);
    cfg.local_ufrag = LUFRAG;
    cfg.local_pwd = "aaaaBBBBccccDDDDeeeeF"; /* 21 < 22 */
    assert_int_equal(ice_create(&a, &cfg), ERR_INVAL);
    cfg.local_pwd = "aaaaBBBBccccDDDDeeee F";
    assert_int_equal(ice_create(&a, &cfg), ERR_INVAL);
    cfg.local_pwd = LPWD;
    cfg.remote_ufrag = "x";
    assert_int_equal(ice_create(&a, &cfg), ERR_INVAL);
    cfg.remote_ufrag = "Re-Mo";
    assert_int_equal(ice_create(&a, &cfg), ERR_INVAL);
    cfg.remote_ufrag = RUFRAG;
    cfg.consent_timeout_us = -1;
    assert_int_equal(ice_create(&a, &cfg), ERR_INVAL);
    cfg.consent_timeout_us = ICE_TIMEOUT_MAX_US + 1;
    assert_int_equal(ice_create(&a, &cfg), ERR_INVAL);
    cfg.consent_timeout_us = 0;

    /* A 256-character ufrag is fine, 257 is not. */
    char big[300];
    memset(big, 'u', sizeof(big));
    big[256] = '\0';
    cfg.local_ufrag = big;
    assert_int_equal(ice_create(&a, &cfg), 0);
    assert_string_equal(ice_local_ufrag(a), big);
    ice_destroy(a);
    big[256] = 'u';
    big[257] = '\0';
    assert_int_equal(ice_create(&a, &cfg), ERR_INVAL);

    cfg.local_ufrag = LUFRAG;
    assert_int_equal(ice_create(&a, &cfg), 0);
    assert_int_equal(ice_state(a), ICE_STATE_NEW);
    assert_false(ice_selected(a, NULL, NULL));
    assert_int_equal(ice_next_deadline(a), ICE_CONNECT_TIMEOUT_US);
    expect_nothing(a);
    ice_destroy(a);
    ice_destroy(NULL);
}

static void test_valid_check_ipv4(void **state)
{
    struct ice_agent *a = make_agent(0);
    struct stun_addr from = v4(198, 51, 100, 7, 54321);
    struct ice_stats st;

    (void)state;
    assert_false(ice_is_valid_source(a, &from, ICE_PROTO_UDP));
    assert_int_equal(check(a, 1000, &from, ICE_PROTO_UDP, false), 0);
    expect_success(a, &from, ICE_PROTO_UDP, LPWD);
    expect_selected_event(a, &from, ICE_PROTO_UDP);
    expect_event(a, ICE_EVENT_CONNECTED);
    expect_nothing(a);
    assert_int_equal(ice_state(a), ICE_STATE_CONNECTED);
    expect_selected(a, &from, ICE_PROTO_UDP);
    assert_true(ice_is_valid_source(a, &from, ICE_PROTO_UDP));
    assert_false(ice_is_valid_source(a, &from, ICE_PROTO_TCP));
    ice_stats(a, &st);
    assert_int_equal(st.checks_ok, 1);
    assert_int_equal(st.nominations, 0);
    /* Deadline: the disconnect timer of the selected pair. */
    assert_int_equal(ice_next_deadline(a), 1000 + ICE_DISCONNECT_TIMEOUT_US);
    ice_destroy(a);
}

static void test_valid_check_ipv6(void **state)
{
    struct ice_agent *a = make_agent(0);
    struct stun_addr from = v6(0xbeef, 3478);
    uint8_t keep[STUN_MAX_MESSAGE];
    struct stun_msg m;

    (void)state;
    assert_int_equal(check(a, 5, &from, ICE_PROTO_UDP, true), 0);
    expect_tx(a, &m, keep, &from, ICE_PROTO_UDP, STUN_CLASS_SUCCESS);
    assert_int_equal(stun_check_integrity(&m, (const uint8_t *)LPWD, strlen(LPWD)), 0);
    assert_int_equal(m.xor_mapped.family, STUN_FAMILY_IPV6);
    assert_true(stun_addr_equal(&m.xor_mapped, &from));
    /* The transaction id is the request's. */
    uint8_t tid[STUN_TID_LEN];
    make_tid(tid, 0x10);
    assert_memory_equal(m.tid, tid, STUN_TID_LEN);
    expect_selected_event(a, &from, ICE_PROTO_UDP);
    expect_event(a, ICE_EVENT_CONNECTED);
    expect_nothing(a);
    ice_destroy(a);
}

static void test_wrong_password(void **state)
{
    struct ice_agent *a = make_agent(0);
    struct stun_addr from = v4(198, 51, 100, 7, 1);
    struct req r = check_req(1);
    struct ice_stats st;

    (void)state;
    r.key = "wrongwrongwrongwrongwrong";
    assert_int_equal(send_req(a, 0, &r, &from, ICE_PROTO_UDP), ERR_DENIED);
    expect_error(a, &from, 401, false);
    expect_nothing(a);
    assert_false(ice_is_valid_source(a, &from, ICE_PROTO_UDP));
    assert_false(ice_selected(a, NULL, NULL));
    assert_int_equal(ice_state(a), ICE_STATE_NEW);
    ice_stats(a, &st);
    assert_int_equal(st.bad_credentials, 1);
    assert_int_equal(st.checks_ok, 0);
    ice_destroy(a);
}

static void test_wrong_ufrag(void **state)
{
    struct ice_agent *a = make_agent(0);
    struct stun_addr from = v4(198, 51, 100, 7, 1);
    struct req r = check_req(1);
    static const char *const bad[] = {"LoCx:ReMo", "LoC:ReMo", "LoCaa:ReMo", "LoCa:ReMx",
                                      "LoCa:",     "LoCa",     "LoCa:ReMoo", ":LoCa:ReMo"};

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        r.username = bad[i];
        assert_int_equal(send_req(a, 0, &r, &from, ICE_PROTO_UDP), ERR_DENIED);
        expect_error(a, &from, 401, false);
    }
    expect_nothing(a);
    assert_false(ice_is_valid_source(a, &from, ICE_PROTO_UDP));
    ice_destroy(a);
}

static void test_remote_ufrag_learned_later(void **state)
{
    struct ice_agent *a = make_agent_cfg(0, NULL);
    struct stun_addr from = v4(10, 0, 0, 1, 1);
    struct req r = check_req(1);

    (void)state;
    /* Unknown remote ufrag: any non-empty remote part is accepted. */
    r.username = "LoCa:SomethingElse";
    assert_int_equal(send_req(a, 0, &r, &from, ICE_PROTO_UDP), 0);
    drain(a);
    r.username = "LoCa:";
    assert_int_equal(send_req(a, 0, &r, &from, ICE_PROTO_UDP), ERR_DENIED);
    drain(a);

    assert_int_equal(ice_set_remote(a, "bad ufrag"), ERR_INVAL);
    assert_int_equal(ice_set_remote(a, RUFRAG), 0);
    r.username = "LoCa:SomethingElse";
    assert_int_equal(send_req(a, 0, &r, &from, ICE_PROTO_UDP), ERR_DENIED);
    expect_error(a, &from, 401, false);
    r.username = USER;
    assert_int_equal(send_req(a, 0, &r, &from, ICE_PROTO_UDP), 0);
    expect_success(a, &from, ICE_PROTO_UDP, LPWD);
    ice_destroy(a);
}

static void test_missing_integrity_or_username(void **state)
{
    struct ice_agent *a = make_agent(0);
    struct stun_addr from = v4(10, 0, 0, 1, 1);
    struct req r = check_req(1);
    struct ice_stats st;

    (void)state;
    r.key = NULL;
    assert_int_equal(send_req(a, 0, &r, &from, ICE_PROTO_UDP), ERR_PARSE);
    expect_error(a, &from, 400, false);

    r = check_req(2);
    r.username = NULL;
    assert_int_equal(send_req(a, 0, &r, &from, ICE_PROTO_UDP), ERR_PARSE);
    expect_error(a, &from, 400, false);
    expect_nothing(a);
    assert_false(ice_is_valid_source(a, &from, ICE_PROTO_UDP));
    ice_stats(a, &st);
    assert_int_equal(st.malformed, 2);
    ice_destroy(a);
}

static void test_missing_or_bad_fingerprint(void **state)
{
    struct ice_agent *a = make_agent(0);
    struct stun_addr from = v4(10, 0, 0, 1, 1);
    struct req r = check_req(1);
    uint8_t buf[STUN_MAX_MESSAGE];
    size_t len;

    (void)state;
    /* No FINGERPRINT: not ICE, dropped without an answer. */
    r.no_fingerprint = true;
    assert_int_equal(send_req(a, 0, &r, &from, ICE_PROTO_UDP), ERR_PARSE);
    expect_nothing(a);

    /* Wrong FINGERPRINT value. */
    r = check_req(1);
    len = build(buf, sizeof(buf), &r);
    buf[len - 1] ^= 0x01;
    assert_int_equal(ice_input(a, 0, buf, len, &from, ICE_PROTO_UDP), ERR_PARSE);
    expect_nothing(a);
    assert_false(ice_is_valid_source(a, &from, ICE_PROTO_UDP));
    ice_destroy(a);
}

static void test_tampered_message(void **state)
{
    struct ice_agent *a = make_agent(0);
    struct stun_addr from = v4(10, 0, 0, 1, 1);
    struct req r = check_req(1);
    uint8_t buf[STUN_MAX_MESSAGE];
    size_t len;

    (void)state;
    /* Change the PRIORITY and fix FINGERPRINT up: integrity must fail. */
    len = build(buf, sizeof(buf), &r);
    struct stun_msg m;
    assert_int_equal(stun_parse(&m, buf, len), 0);
    const struct stun_attr *prio = stun_msg_find(&m, STUN_ATTR_PRIORITY);
    assert_non_null(prio);
    buf[prio->val - buf] ^= 0x80;
    uint32_t crc = stun_crc32(buf, len - 8) ^ STUN_FINGERPRINT_XOR;
    buf[len - 4] = (uint8_t)(crc >> 24);
    buf[len - 3] = (uint8_t)(crc >> 16);
    buf[len - 2] = (uint8_t)(crc >> 8);
    buf[len - 1] = (uint8_t)crc;
    assert_int_equal(ice_input(a, 0, buf, len, &from, ICE_PROTO_UDP), ERR_DENIED);
    expect_error(a, &from, 401, false);
    assert_false(ice_is_valid_source(a, &from, ICE_PROTO_UDP));
    ice_destroy(a);
}

static void test_not_a_request_ignored(void **state)
{
    struct ice_agent *a = make_agent(0);
    struct stun_addr from = v4(10, 0, 0, 1, 1);
    struct req r = check_req(1);
    struct ice_stats st;
    uint8_t buf[STUN_MAX_MESSAGE];
    size_t len = 0;

    (void)state;
    r.cls = STUN_CLASS_INDICATION;
    r.role = ROLE_NONE;
    assert_int_equal(send_req(a, 0, &r, &from, ICE_PROTO_UDP), ERR_PROTO);
    r.cls = STUN_CLASS_SUCCESS;
    assert_int_equal(send_req(a, 0, &r, &from, ICE_PROTO_UDP), ERR_PROTO);
    r.cls = STUN_CLASS_ERROR;
    assert_int_equal(send_req(a, 0, &r, &from, ICE_PROTO_UDP), ERR_PROTO);

    /* A request of another method (Allocate, 0x003). */
    struct stun_builder b;
    uint8_t tid[STUN_TID_LEN] = {1};
    stun_build_begin(&b, buf, sizeof(buf), 0x003, STUN_CLASS_REQUEST, tid);
    stun_build_str(&b, STUN_ATTR_USERNAME, USER);
    stun_build_integrity(&b, (const uint8_t *)LPWD, strlen(LPWD));
    stun_build_fingerprint(&b);
    assert_int_equal(stun_build_end(&b, &len), 0);
    assert_int_equal(ice_input(a, 0, buf, len, &from, ICE_PROTO_UDP), ERR_PROTO);

    expect_nothing(a);
    ice_stats(a, &st);
    assert_int_equal(st.ignored, 4);
    assert_false(ice_is_valid_source(a, &from, ICE_PROTO_UDP));
    ice_destroy(a);
}

static void test_role_conflict(void **state)
{
    struct ice_agent *a = make_agent(0);
    struct stun_addr from = v4(10, 0, 0, 1, 1);
    struct req r = check_req(1);
    struct ice_stats st;

    (void)state;
    r.role = ROLE_CONTROLLED;
    assert_int_equal(send_req(a, 0, &r, &from, ICE_PROTO_UDP), ERR_PROTO);
    expect_error(a, &from, 487, true);
    expect_nothing(a);
    assert_false(ice_is_valid_source(a, &from, ICE_PROTO_UDP));
    ice_stats(a, &st);
    assert_int_equal(st.role_conflicts, 1);

    /* A 487 only after authentication: a bad password gets 401. */
    r.key = LPWD2;
    assert_int_equal(send_req(a, 0, &r, &from, ICE_PROTO_UDP), ERR_DENIED);
    expect_error(a, &from, 401, false);

    /* Neither role attribute (RFC 5245 peer): accepted. */
    r = check_req(2);
    r.role = ROLE_NONE;
    assert_int_equal(send_req(a, 0, &r, &from, ICE_PROTO_UDP), 0);
    expect_success(a, &from, ICE_PROTO_UDP, LPWD);
    ice_destroy(a);
}

static void test_unknown_attribute(void **state)
{
    struct ice_agent *a = make_agent(0);
    struct stun_addr from = v4(10, 0, 0, 1, 1);
    struct req r = check_req(1);
    uint8_t keep[STUN_MAX_MESSAGE];
    struct stun_msg m;

    (void)state;
    r.unknown_attr = 0x0033;
    assert_int_equal(send_req(a, 0, &r, &from, ICE_PROTO_UDP), ERR_PROTO);
    expect_tx(a, &m, keep, &from, ICE_PROTO_UDP, STUN_CLASS_ERROR);
    assert_int_equal(m.error_code, 420);
    assert_int_equal(stun_check_integrity(&m, (const uint8_t *)LPWD, strlen(LPWD)), 0);
    const struct stun_attr *ua = stun_msg_find(&m, STUN_ATTR_UNKNOWN_ATTRIBUTES);
    assert_non_null(ua);
    assert_int_equal(ua->len, 2);
    assert_int_equal(ua->val[0] << 8 | ua->val[1], 0x0033);
    expect_nothing(a);
    assert_false(ice_is_valid_source(a, &from, ICE_PROTO_UDP));

    /* An unknown comprehension-optional attribute is fine. */
    r.unknown_attr = 0xC057; /* GOOG-NETWORK-INFO */
    assert_int_equal(send_req(a, 0, &r, &from, ICE_PROTO_UDP), 0);
    expect_success(a, &from, ICE_PROTO_UDP, LPWD);
    ice_destroy(a);
}

static void test_garbage_input(void **state)
{
    struct ice_agent *a = make_agent(0);
    struct stun_addr from = v4(10, 0, 0, 1, 1);
    struct stun_addr badfam = from;
    uint8_t buf[600];
    uint32_t x = 12345;
    struct ice_stats st;

    (void)state;
    assert_int_equal(ice_input(a, 0, NULL, 0, &from, ICE_PROTO_UDP), ERR_PARSE);
    assert_int_equal(ice_input(a, 0, NULL, 5, &from, ICE_PROTO_UDP), ERR_INVAL);
    assert_int_equal(ice_input(a, 0, buf, 0, NULL, ICE_PROTO_UDP), ERR_INVAL);
    assert_int_equal(ice_input(NULL, 0, buf, 0, &from, ICE_PROTO_UDP), ERR_INVAL);
    assert_int_equal(ice_input(a, 0, buf, 0, &from, (enum ice_proto)7), ERR_INVAL);
    badfam.family = 9;
    assert_int_equal(ice_input(a, 0, buf, 0, &badfam, ICE_PROTO_UDP), ERR_INVAL);

    /* DTLS- and RTP-looking packets, random bytes, truncated checks. */
    memset(buf, 0, sizeof(buf));
    buf[0] = 22;
    assert_int_equal(ice_input(a, 0, buf, 100, &from, ICE_PROTO_UDP), ERR_PARSE);
    buf[0] = 0x80;
    assert_int_equal(ice_input(a, 0, buf, 100, &from, ICE_PROTO_UDP), ERR_PARSE);
    for (unsigned i = 0; i < 200; i++) {
        for (size_t j = 0; j < sizeof(buf); j++) {
            x = x * 1103515245u + 12345u;
            buf[j] = (uint8_t)(x >> 16);
        }
        buf[0] &= 0x3f;
        assert_int_equal(ice_input(a, 0, buf, 20 + i, &from, ICE_PROTO_UDP), ERR_PARSE);
    }
    struct req r = check_req(1);
    size_t len = build(buf, sizeof(buf), &r);
    for (size_t l = 0; l < len; l++)
        assert_int_not_equal(ice_input(a, 0, buf, l, &from, ICE_PROTO_UDP), 0);
    expect_nothing(a);
    assert_false(ice_is_valid_source(a, &from, ICE_PROTO_UDP));
    assert_int_equal(ice_state(a), ICE_STATE_NEW);
    ice_stats(a, &st);
    assert_int_equal(st.checks_ok, 0);
    assert_true(st.malformed > 200);
    ice_destroy(a);
}

static void test_username_local_ufrag(void **state)
{
    uint8_t buf[STUN_MAX_MESSAGE];
    struct stun_msg m;
    char out[16];
    struct req r = check_req(1);
    size_t len;

    (void)state;
    len = build(buf, sizeof(buf), &r);
    assert_int_equal(stun_parse(&m, buf, len), 0);
    assert_int_equal(ice_username_local_ufrag(&m, out, sizeof(out)), 0);
    assert_string_equal(out, LUFRAG);
    assert_int_equal(ice_username_local_ufrag(&m, out, 5), 0);
    assert_int_equal(ice_username_local_ufrag(&m, out, 4), ERR_TOOBIG);
    assert_int_equal(ice_username_local_ufrag(&m, out, 0), ERR_INVAL);

    static const struct {
        const char *user;
        int rc;
    } v[] = {{"nocolon", ERR_PARSE},
             {":ReMo", ERR_PARSE},
             {"a b:ReMo", ERR_PARSE},
             {"abcd:", 0},
             {"x:y:z", 0}};
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        r.username = v[i].user;
        len = build(buf, sizeof(buf), &r);
        assert_int_equal(stun_parse(&m, buf, len), 0);
        assert_int_equal(ice_username_local_ufrag(&m, out, sizeof(out)), v[i].rc);
    }
    r.username = NULL;
    len = build(buf, sizeof(buf), &r);
    assert_int_equal(stun_parse(&m, buf, len), 0);
    assert_int_equal(ice_username_local_ufrag(&m, out, sizeof(out)), ERR_NOTFOUND);
}

static void test_names_and_null_safety(void **state)
{
    struct ice_stats st;
    struct ice_output o;
    struct stun_addr x = v4(1, 2, 3, 4, 5);

    (void)state;
    assert_string_equal(ice_state_name(ICE_STATE_CONNECTED), "connected");
    assert_string_equal(ice_state_name((enum ice_state)99), "unknown");
    assert_string_equal(ice_event_name(ICE_EVENT_RESTARTED), "restarted");
    assert_string_equal(ice_event_name((enum ice_event)99), "unknown");
    assert_false(ice_poll(NULL, &o));
    assert_false(ice_selected(NULL, NULL, NULL));
    assert_false(ice_is_valid_source(NULL, &x, ICE_PROTO_UDP));
    assert_int_equal(ice_next_deadline(NULL), INT64_MAX);
    ice_timeout(NULL, 0);
    ice_stats(NULL, &st);
    assert_int_equal(st.checks_ok, 0);
    assert_int_equal(ice_set_remote(NULL, RUFRAG), ERR_INVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_validates),
        cmocka_unit_test(test_valid_check_ipv4),
        cmocka_unit_test(test_valid_check_ipv6),
        cmocka_unit_test(test_wrong_password),
        cmocka_unit_test(test_wrong_ufrag),
        cmocka_unit_test(test_remote_ufrag_learned_later),
        cmocka_unit_test(test_missing_integrity_or_username),
        cmocka_unit_test(test_missing_or_bad_fingerprint),
        cmocka_unit_test(test_tampered_message),
        cmocka_unit_test(test_not_a_request_ignored),
        cmocka_unit_test(test_role_conflict),
        cmocka_unit_test(test_unknown_attribute),
        cmocka_unit_test(test_garbage_input),
        cmocka_unit_test(test_username_local_ufrag),
        cmocka_unit_test(test_names_and_null_safety),
    };
    return cmocka_run_group_tests(tests, write_seeds, NULL);
}
