/* Tests for media/ice.c: the ICE-lite agent driven with a fake clock and
 * STUN messages built with media/stun.h; no sockets.
 *
 * With SAMTALE_SEED_DIR set, seeds for tests/fuzz/fuzz_ice.c are also
 * written there (in its record format, with its credentials):
 *   SAMTALE_SEED_DIR=tests/fuzz/corpus/ice build/debug/tests/test_ice */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/ice.h"
#include "media/stun.h"
#include "server/err.h"

#define SEC 1000000LL

/* The same credentials as tests/fuzz/fuzz_ice.c, so that seeds verify. */
static const char LUFRAG[] = "LoCa";
static const char LPWD[] = "aaaaBBBBccccDDDDeeeeFFFF";
static const char RUFRAG[] = "ReMo";
static const char USER[] = "LoCa:ReMo";
static const char LUFRAG2[] = "LoCb";
static const char LPWD2[] = "zzzzYYYYxxxxWWWWvvvvUUUU";
static const char RUFRAG2[] = "ReMp";
static const char USER2[] = "LoCb:ReMp";

/* ---- helpers ---- */

static struct stun_addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port)
{
    struct stun_addr x;

    memset(&x, 0, sizeof(x));
    x.family = STUN_FAMILY_IPV4;
    x.port = port;
    x.ip[0] = a;
    x.ip[1] = b;
    x.ip[2] = c;
    x.ip[3] = d;
    return x;
}

static struct stun_addr v6(uint16_t last, uint16_t port)
{
    struct stun_addr x;

    memset(&x, 0, sizeof(x));
    x.family = STUN_FAMILY_IPV6;
    x.port = port;
    x.ip[0] = 0x20;
    x.ip[1] = 0x01;
    x.ip[2] = 0x0d;
    x.ip[3] = 0xb8;
    x.ip[14] = (uint8_t)(last >> 8);
    x.ip[15] = (uint8_t)last;
    return x;
}

static struct ice_agent *make_agent_cfg(int64_t now, const char *remote)
{
    struct ice_cfg cfg;
    struct ice_agent *a = NULL;

    memset(&cfg, 0, sizeof(cfg));
    cfg.local_ufrag = LUFRAG;
    cfg.local_pwd = LPWD;
    cfg.remote_ufrag = remote;
    cfg.now_us = now;
    assert_int_equal(ice_create(&a, &cfg), 0);
    assert_non_null(a);
    return a;
}

static struct ice_agent *make_agent(int64_t now)
{
    return make_agent_cfg(now, RUFRAG);
}

enum role { ROLE_NONE, ROLE_CONTROLLING, ROLE_CONTROLLED };

struct req {
    const char *username; /* NULL: none */
    const char *key;      /* NULL: no MESSAGE-INTEGRITY */
    bool use_candidate;
    enum role role;
    bool no_fingerprint;
    uint16_t unknown_attr; /* 0: none */
    enum stun_class cls;
    uint8_t tid0;
};

static struct req check_req(uint8_t tid0)
{
    struct req r;

    memset(&r, 0, sizeof(r));
    r.username = USER;
    r.key = LPWD;
    r.role = ROLE_CONTROLLING;
    r.cls = STUN_CLASS_REQUEST;
    r.tid0 = tid0;
    return r;
}

static void make_tid(uint8_t tid[STUN_TID_LEN], uint8_t tid0)
{
    for (size_t i = 0; i < STUN_TID_LEN; i++)
        tid[i] = (uint8_t)(tid0 + 7 * i);
}

/* Builds a request as a browser would (stun_build_binding_request) when it
 * can, by hand otherwise. */
static size_t build(uint8_t *buf, size_t cap, const struct req *r)
{
    uint8_t tid[STUN_TID_LEN];
    size_t len = 0;

    make_tid(tid, r->tid0);
    if (r->role != ROLE_NONE && !r->no_fingerprint && r->unknown_attr == 0 &&
        r->cls == STUN_CLASS_REQUEST) {
        struct stun_binding_request q;

        memset(&q, 0, sizeof(q));
        memcpy(q.tid, tid, STUN_TID_LEN);
        q.username = r->username;
        q.priority = 0x6e0001ff;
        q.controlling = r->role == ROLE_CONTROLLING;
        q.tie_breaker = 0x0123456789abcdefULL;
        q.use_candidate = r->use_candidate;
        q.key = (const uint8_t *)r->key;
        q.key_len = r->key != NULL ? strlen(r->key) : 0;
        assert_int_equal(stun_build_binding_request(buf, cap, &q, &len), 0);
        return len;
    }

    struct stun_builder b;

    stun_build_begin(&b, buf, cap, STUN_METHOD_BINDING, r->cls, tid);
    stun_build_u32(&b, STUN_ATTR_PRIORITY, 0x6e0001ff);
    if (r->role == ROLE_CONTROLLING)
        stun_build_u64(&b, STUN_ATTR_ICE_CONTROLLING, 1);
    else if (r->role == ROLE_CONTROLLED)
        stun_build_u64(&b, STUN_ATTR_ICE_CONTROLLED, 1);
    if (r->use_candidate)
        stun_build_attr(&b, STUN_ATTR_USE_CANDIDATE, NULL, 0);
    if (r->unknown_attr != 0)
        stun_build_u32(&b, r->unknown_attr, 42);
    if (r->username != NULL)
        stun_build_str(&b, STUN_ATTR_USERNAME, r->username);
    if (r->key != NULL)
        stun_build_integrity(&b, (const uint8_t *)r->key, strlen(r->key));
    if (!r->no_fingerprint)
        stun_build_fingerprint(&b);
    assert_int_equal(stun_build_end(&b, &len), 0);
    return len;
}

static int send_req(struct ice_agent *a, int64_t now, const struct req *r,
                    const struct stun_addr *from, enum ice_proto proto)
{
    uint8_t buf[STUN_MAX_MESSAGE];
    size_t len = build(buf, sizeof(buf), r);

    return ice_input(a, now, buf, len, from, proto);
}

/* A valid check (optionally nominating) from `from`. */
static int check(struct ice_agent *a, int64_t now, const struct stun_addr *from,
                 enum ice_proto proto, bool nominate)
{
    struct req r = check_req(0x10);

    r.use_candidate = nominate;
    return send_req(a, now, &r, from, proto);
}

/* Polls one TRANSMIT, parses it into *m (the data stays in `keep`) and
 * checks destination, FINGERPRINT and class. */
static void expect_tx(struct ice_agent *a, struct stun_msg *m, uint8_t *keep,
                      const struct stun_addr *to, enum ice_proto proto, enum stun_class cls)
{
    struct ice_output o;

    assert_true(ice_poll(a, &o));
    assert_int_equal(o.kind, ICE_OUT_TRANSMIT);
    assert_true(stun_addr_equal(&o.addr, to));
    assert_int_equal(o.proto, proto);
    assert_true(o.len > 0 && o.len <= STUN_MAX_MESSAGE_UDP);
    memcpy(keep, o.data, o.len);
    assert_int_equal(stun_parse(m, keep, o.len), 0);
    assert_int_equal(stun_check_fingerprint(m), 0);
    assert_int_equal(m->method, STUN_METHOD_BINDING);
    assert_int_equal(m->cls, cls);
}

static void expect_success(struct ice_agent *a, const struct stun_addr *to, enum ice_proto proto,
                           const char *pwd)
{
    uint8_t keep[STUN_MAX_MESSAGE];
    struct stun_msg m;

    expect_tx(a, &m, keep, to, proto, STUN_CLASS_SUCCESS);
    assert_int_equal(stun_check_integrity(&m, (const uint8_t *)pwd, strlen(pwd)), 0);
    assert_true(m.has & STUN_HAS_XOR_MAPPED_ADDRESS);
    assert_true(stun_addr_equal(&m.xor_mapped, to));
}

static void expect_error(struct ice_agent *a, const struct stun_addr *to, int code,
                         bool with_integrity)
{
    uint8_t keep[STUN_MAX_MESSAGE];
    struct stun_msg m;

    expect_tx(a, &m, keep, to, ICE_PROTO_UDP, STUN_CLASS_ERROR);
    assert_true(m.has & STUN_HAS_ERROR_CODE);
    assert_int_equal(m.error_code, code);
    if (with_integrity)
        assert_int_equal(stun_check_integrity(&m, (const uint8_t *)LPWD, strlen(LPWD)), 0);
    else
        assert_int_equal(stun_check_integrity(&m, (const uint8_t *)LPWD, strlen(LPWD)),
                         ERR_NOTFOUND);
}

static void expect_event(struct ice_agent *a, enum ice_event e)
{
    struct ice_output o;

    assert_true(ice_poll(a, &o));
    assert_int_equal(o.kind, ICE_OUT_EVENT);
    assert_int_equal(o.event, e);
}

static void expect_selected_event(struct ice_agent *a, const struct stun_addr *addr,
                                  enum ice_proto proto)
{
    struct ice_output o;

    assert_true(ice_poll(a, &o));
    assert_int_equal(o.kind, ICE_OUT_EVENT);
    assert_int_equal(o.event, ICE_EVENT_SELECTED);
    assert_true(stun_addr_equal(&o.addr, addr));
    assert_int_equal(o.proto, proto);
}

static void expect_nothing(struct ice_agent *a)
{
    struct ice_output o;

    assert_false(ice_poll(a, &o));
}

static void drain(struct ice_agent *a)
{
    struct ice_output o;

    while (ice_poll(a, &o))
        ;
}

static void expect_selected(struct ice_agent *a, const struct stun_addr *addr, enum ice_proto proto)
{
    struct stun_addr got;
    enum ice_proto p;

    assert_true(ice_selected(a, &got, &p));
    assert_true(stun_addr_equal(&got, addr));
    assert_int_equal(p, proto);
}

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

static void dump_seed(const char *name, const uint8_t *buf, size_t len)
{
    const char *dir = getenv("SAMTALE_SEED_DIR");
    char path[512];
    FILE *f;

    if (dir == NULL)
        return;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (f == NULL)
        return;
    fwrite(buf, 1, len, f);
    fclose(f);
}

/* Record format of fuzz_ice: ctrl byte (bits 0-2 source, bit 3 TCP, bits
 * 4-7 two-second steps of time), 16-bit length, message; ctrl 0xFF is an
 * ICE restart to the second credential set. */
static int write_seeds(void **state)
{
    uint8_t buf[4 * STUN_MAX_MESSAGE];
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

static void test_use_candidate_selects(void **state)
{
    struct ice_agent *a = make_agent(0);
    struct stun_addr host = v4(192, 168, 1, 20, 50000);
    struct stun_addr srflx = v4(203, 0, 113, 9, 61000);
    struct ice_stats st;

    (void)state;
    /* The first valid pair is selected provisionally. */
    assert_int_equal(check(a, 10, &host, ICE_PROTO_UDP, false), 0);
    expect_success(a, &host, ICE_PROTO_UDP, LPWD);
    expect_selected_event(a, &host, ICE_PROTO_UDP);
    expect_event(a, ICE_EVENT_CONNECTED);

    /* Another valid pair without nomination does not move it. */
    assert_int_equal(check(a, 20, &srflx, ICE_PROTO_UDP, false), 0);
    expect_success(a, &srflx, ICE_PROTO_UDP, LPWD);
    expect_nothing(a);
    expect_selected(a, &host, ICE_PROTO_UDP);
    assert_true(ice_is_valid_source(a, &srflx, ICE_PROTO_UDP));

    /* The browser nominates srflx. */
    assert_int_equal(check(a, 30, &srflx, ICE_PROTO_UDP, true), 0);
    expect_success(a, &srflx, ICE_PROTO_UDP, LPWD);
    expect_selected_event(a, &srflx, ICE_PROTO_UDP);
    expect_nothing(a);
    expect_selected(a, &srflx, ICE_PROTO_UDP);

    /* Repeated nomination of the same pair: no event. */
    assert_int_equal(check(a, 40, &srflx, ICE_PROTO_UDP, true), 0);
    expect_success(a, &srflx, ICE_PROTO_UDP, LPWD);
    expect_nothing(a);
    ice_stats(a, &st);
    assert_int_equal(st.nominations, 1);
    assert_int_equal(st.checks_ok, 4);
    ice_destroy(a);
}

static void test_nominated_first_pair(void **state)
{
    struct ice_agent *a = make_agent(0);
    struct stun_addr from = v4(192, 168, 1, 20, 50000);

    (void)state;
    /* Provisional, then nominated as is: one SELECTED only. */
    assert_int_equal(check(a, 10, &from, ICE_PROTO_UDP, false), 0);
    drain(a);
    assert_int_equal(check(a, 20, &from, ICE_PROTO_UDP, true), 0);
    expect_success(a, &from, ICE_PROTO_UDP, LPWD);
    expect_nothing(a);
    ice_destroy(a);
}

static void test_switch_wifi_to_mobile(void **state)
{
    struct ice_agent *a = make_agent(0);
    struct stun_addr wifi = v4(203, 0, 113, 9, 61000);
    struct stun_addr mobile = v6(0x4242, 40001);
    int64_t t = 0;

    (void)state;
    assert_int_equal(check(a, t, &wifi, ICE_PROTO_UDP, true), 0);
    drain(a);
    /* Consent checks on Wi-Fi for 20 s. */
    for (t = 2 * SEC; t <= 20 * SEC; t += 2 * SEC) {
        ice_timeout(a, t);
        assert_int_equal(check(a, t, &wifi, ICE_PROTO_UDP, true), 0);
        expect_success(a, &wifi, ICE_PROTO_UDP, LPWD);
        expect_nothing(a);
    }
    /* The phone leaves Wi-Fi: the browser nominates the mobile pair. */
    assert_int_equal(check(a, t, &mobile, ICE_PROTO_UDP, false), 0);
    expect_success(a, &mobile, ICE_PROTO_UDP, LPWD);
    expect_nothing(a);
    assert_int_equal(check(a, t + 1, &mobile, ICE_PROTO_UDP, true), 0);
    expect_success(a, &mobile, ICE_PROTO_UDP, LPWD);
    expect_selected_event(a, &mobile, ICE_PROTO_UDP);
    expect_nothing(a);
    expect_selected(a, &mobile, ICE_PROTO_UDP);
    /* Wi-Fi stays a valid source until its consent expires. */
    assert_true(ice_is_valid_source(a, &wifi, ICE_PROTO_UDP));
    for (t += 2 * SEC; t <= 55 * SEC; t += 2 * SEC) {
        ice_timeout(a, t);
        assert_int_equal(check(a, t, &mobile, ICE_PROTO_UDP, true), 0);
    }
    ice_timeout(a, t);
    assert_false(ice_is_valid_source(a, &wifi, ICE_PROTO_UDP));
    assert_true(ice_is_valid_source(a, &mobile, ICE_PROTO_UDP));
    assert_int_equal(ice_state(a), ICE_STATE_CONNECTED);
    ice_destroy(a);
}

static void test_switch_udp_to_tcp(void **state)
{
    struct ice_agent *a = make_agent(0);
    struct stun_addr udp = v4(203, 0, 113, 9, 61000);
    struct stun_addr tcp = v4(203, 0, 113, 9, 61000); /* same address, other transport */

    (void)state;
    assert_int_equal(check(a, 0, &udp, ICE_PROTO_UDP, true), 0);
    drain(a);
    assert_false(ice_is_valid_source(a, &tcp, ICE_PROTO_TCP));
    assert_int_equal(check(a, SEC, &tcp, ICE_PROTO_TCP, true), 0);
    expect_success(a, &tcp, ICE_PROTO_TCP, LPWD);
    expect_selected_event(a, &tcp, ICE_PROTO_TCP);
    expect_nothing(a);
    expect_selected(a, &tcp, ICE_PROTO_TCP);
    assert_true(ice_is_valid_source(a, &tcp, ICE_PROTO_TCP));
    assert_true(ice_is_valid_source(a, &udp, ICE_PROTO_UDP));
    ice_destroy(a);
}

static void test_consent_29s_ok_31s_failed(void **state)
{
    struct ice_agent *a = make_agent(0);
    struct stun_addr from = v4(10, 0, 0, 1, 1);

    (void)state;
    assert_int_equal(check(a, SEC, &from, ICE_PROTO_UDP, true), 0);
    drain(a);
    ice_timeout(a, 12 * SEC); /* 11 s: disconnected, not failed */
    expect_event(a, ICE_EVENT_DISCONNECTED);
    assert_int_equal(ice_next_deadline(a), 31 * SEC);
    ice_timeout(a, 30 * SEC); /* 29 s since the check */
    expect_nothing(a);
    assert_int_equal(ice_state(a), ICE_STATE_DISCONNECTED);
    expect_selected(a, &from, ICE_PROTO_UDP);
    assert_true(ice_is_valid_source(a, &from, ICE_PROTO_UDP));

    ice_timeout(a, 32 * SEC); /* 31 s */
    expect_event(a, ICE_EVENT_FAILED);
    expect_nothing(a);
    assert_int_equal(ice_state(a), ICE_STATE_FAILED);
    assert_false(ice_selected(a, NULL, NULL));
    assert_false(ice_is_valid_source(a, &from, ICE_PROTO_UDP));
    assert_int_equal(ice_next_deadline(a), INT64_MAX);

    /* Input after failure is ignored and not answered. */
    assert_int_equal(check(a, 33 * SEC, &from, ICE_PROTO_UDP, true), ERR_PROTO);
    expect_nothing(a);
    ice_timeout(a, 100 * SEC);
    expect_nothing(a);
    ice_destroy(a);
}

static void test_consent_kept_by_checks(void **state)
{
    struct ice_agent *a = make_agent(0);
    struct stun_addr from = v4(10, 0, 0, 1, 1);
    int64_t t;

    (void)state;
    for (t = 0; t < 300 * SEC; t += 5 * SEC) {
        assert_true(ice_next_deadline(a) > t);
        ice_timeout(a, t);
        assert_int_equal(check(a, t, &from, ICE_PROTO_UDP, true), 0);
        expect_success(a, &from, ICE_PROTO_UDP, LPWD);
        if (t == 0) {
            expect_selected_event(a, &from, ICE_PROTO_UDP);
            expect_event(a, ICE_EVENT_CONNECTED);
        }
        expect_nothing(a);
    }
    assert_int_equal(ice_state(a), ICE_STATE_CONNECTED);
    ice_destroy(a);
}

static void test_consent_only_on_selected_pair(void **state)
{
    struct ice_agent *a = make_agent(0);
    struct stun_addr sel = v4(10, 0, 0, 1, 1);
    struct stun_addr other = v4(10, 0, 0, 2, 2);
    int64_t t;

    (void)state;
    assert_int_equal(check(a, 0, &sel, ICE_PROTO_UDP, true), 0);
    drain(a);
    /* Checks keep arriving, but only on a pair that is not selected. */
    for (t = 5 * SEC; t < 30 * SEC; t += 5 * SEC) {
        ice_timeout(a, t);
        assert_int_equal(check(a, t, &other, ICE_PROTO_UDP, false), 0);
    }
    ice_timeout(a, 30 * SEC);
    assert_int_equal(ice_state(a), ICE_STATE_FAILED);
    ice_destroy(a);
}

static void test_connect_timeout(void **state)
{
    struct ice_agent *a = make_agent(5 * SEC);
    struct stun_addr from = v4(10, 0, 0, 1, 1);

    (void)state;
    assert_int_equal(ice_next_deadline(a), 35 * SEC);
    ice_timeout(a, 34 * SEC);
    expect_nothing(a);
    assert_int_equal(ice_state(a), ICE_STATE_NEW);
    /* Bad checks do not count. */
    struct req r = check_req(1);
    r.key = LPWD2;
    assert_int_equal(send_req(a, 34 * SEC, &r, &from, ICE_PROTO_UDP), ERR_DENIED);
    drain(a);
    ice_timeout(a, 35 * SEC);
    expect_event(a, ICE_EVENT_FAILED);
    expect_nothing(a);
    assert_int_equal(ice_state(a), ICE_STATE_FAILED);
    ice_destroy(a);
}

static void test_disconnected_and_back(void **state)
{
    struct ice_agent *a = make_agent(0);
    struct stun_addr from = v4(10, 0, 0, 1, 1);
    struct stun_addr other = v4(10, 0, 0, 2, 2);

    (void)state;
    assert_int_equal(check(a, 0, &from, ICE_PROTO_UDP, true), 0);
    drain(a);
    assert_int_equal(ice_next_deadline(a), ICE_DISCONNECT_TIMEOUT_US);
    ice_timeout(a, ICE_DISCONNECT_TIMEOUT_US - 1);
    expect_nothing(a);
    ice_timeout(a, ICE_DISCONNECT_TIMEOUT_US);
    expect_event(a, ICE_EVENT_DISCONNECTED);
    expect_nothing(a);
    assert_int_equal(ice_state(a), ICE_STATE_DISCONNECTED);
    /* A check on another pair without nomination does not reconnect. */
    assert_int_equal(check(a, 11 * SEC, &other, ICE_PROTO_UDP, false), 0);
    expect_success(a, &other, ICE_PROTO_UDP, LPWD);
    expect_nothing(a);
    assert_int_equal(ice_state(a), ICE_STATE_DISCONNECTED);
    /* A check on the selected pair does. */
    assert_int_equal(check(a, 12 * SEC, &from, ICE_PROTO_UDP, false), 0);
    expect_success(a, &from, ICE_PROTO_UDP, LPWD);
    expect_event(a, ICE_EVENT_CONNECTED);
    expect_nothing(a);
    assert_int_equal(ice_state(a), ICE_STATE_CONNECTED);
    ice_destroy(a);
}

static void test_restart(void **state)
{
    struct ice_agent *a = make_agent(0);
    struct stun_addr sel = v4(10, 0, 0, 1, 1);
    struct stun_addr other = v4(10, 0, 0, 2, 2);
    struct stun_addr newp = v6(7, 7);
    struct req r;

    (void)state;
    assert_int_equal(check(a, 0, &sel, ICE_PROTO_UDP, true), 0);
    assert_int_equal(check(a, 0, &other, ICE_PROTO_UDP, false), 0);
    drain(a);

    assert_int_equal(ice_restart(a, 20 * SEC, LUFRAG2, LPWD2, RUFRAG2), 0);
    expect_event(a, ICE_EVENT_RESTARTED);
    expect_nothing(a);
    assert_string_equal(ice_local_ufrag(a), LUFRAG2);
    /* The selected pair keeps carrying media; the other is forgotten. */
    expect_selected(a, &sel, ICE_PROTO_UDP);
    assert_true(ice_is_valid_source(a, &sel, ICE_PROTO_UDP));
    assert_false(ice_is_valid_source(a, &other, ICE_PROTO_UDP));
    assert_int_equal(ice_state(a), ICE_STATE_CONNECTED);

    /* Old credentials are refused at once. */
    assert_int_equal(check(a, 21 * SEC, &sel, ICE_PROTO_UDP, true), ERR_DENIED);
    expect_error(a, &sel, 401, false);
    r = check_req(3);
    r.username = "LoCb:ReMo"; /* new local ufrag, old remote ufrag */
    r.key = LPWD2;
    assert_int_equal(send_req(a, 21 * SEC, &r, &sel, ICE_PROTO_UDP), ERR_DENIED);
    drain(a);
    r.username = USER2;
    r.key = LPWD; /* old password */
    assert_int_equal(send_req(a, 21 * SEC, &r, &sel, ICE_PROTO_UDP), ERR_DENIED);
    drain(a);

    /* New credentials: a check without nomination elsewhere does not move
     * media; a nomination does. */
    r = check_req(4);
    r.username = USER2;
    r.key = LPWD2;
    assert_int_equal(send_req(a, 22 * SEC, &r, &newp, ICE_PROTO_UDP), 0);
    expect_success(a, &newp, ICE_PROTO_UDP, LPWD2);
    expect_nothing(a);
    expect_selected(a, &sel, ICE_PROTO_UDP);
    r.use_candidate = true;
    assert_int_equal(send_req(a, 23 * SEC, &r, &newp, ICE_PROTO_UDP), 0);
    expect_success(a, &newp, ICE_PROTO_UDP, LPWD2);
    expect_selected_event(a, &newp, ICE_PROTO_UDP);
    expect_nothing(a);
    expect_selected(a, &newp, ICE_PROTO_UDP);
    ice_destroy(a);
}

static void test_restart_restarts_consent(void **state)
{
    struct ice_agent *a = make_agent(0);
    struct stun_addr sel = v4(10, 0, 0, 1, 1);

    (void)state;
    assert_int_equal(check(a, 0, &sel, ICE_PROTO_UDP, true), 0);
    drain(a);
    ice_timeout(a, 25 * SEC);
    expect_event(a, ICE_EVENT_DISCONNECTED);
    assert_int_equal(ice_restart(a, 25 * SEC, LUFRAG2, LPWD2, NULL), 0);
    expect_event(a, ICE_EVENT_RESTARTED);
    assert_int_equal(ice_next_deadline(a), 55 * SEC);
    ice_timeout(a, 54 * SEC);
    expect_nothing(a);
    assert_true(ice_selected(a, NULL, NULL));
    ice_timeout(a, 55 * SEC);
    expect_event(a, ICE_EVENT_FAILED);
    ice_destroy(a);
}

static void test_restart_invalid(void **state)
{
    struct ice_agent *a = make_agent(0);
    struct stun_addr sel = v4(10, 0, 0, 1, 1);

    (void)state;
    assert_int_equal(check(a, 0, &sel, ICE_PROTO_UDP, true), 0);
    drain(a);
    assert_int_equal(ice_restart(a, 1, LUFRAG, LPWD2, RUFRAG2), ERR_INVAL); /* same ufrag */
    assert_int_equal(ice_restart(a, 1, LUFRAG2, LPWD, RUFRAG2), ERR_INVAL); /* same pwd */
    assert_int_equal(ice_restart(a, 1, LUFRAG2, "short", RUFRAG2), ERR_INVAL);
    assert_int_equal(ice_restart(a, 1, "a:b:c", LPWD2, RUFRAG2), ERR_INVAL);
    assert_int_equal(ice_restart(a, 1, LUFRAG2, LPWD2, "no"), ERR_INVAL);
    assert_int_equal(ice_restart(NULL, 1, LUFRAG2, LPWD2, RUFRAG2), ERR_INVAL);
    expect_nothing(a);
    /* Nothing changed. */
    assert_string_equal(ice_local_ufrag(a), LUFRAG);
    assert_int_equal(check(a, 2, &sel, ICE_PROTO_UDP, true), 0);
    expect_success(a, &sel, ICE_PROTO_UDP, LPWD);
    ice_destroy(a);
}

static void test_restart_after_failure(void **state)
{
    struct ice_agent *a = make_agent(0);
    struct stun_addr from = v4(10, 0, 0, 1, 1);
    struct req r = check_req(1);

    (void)state;
    ice_timeout(a, 30 * SEC);
    expect_event(a, ICE_EVENT_FAILED);
    assert_int_equal(ice_restart(a, 40 * SEC, LUFRAG2, LPWD2, RUFRAG2), 0);
    expect_event(a, ICE_EVENT_RESTARTED);
    assert_int_equal(ice_state(a), ICE_STATE_NEW);
    assert_int_equal(ice_next_deadline(a), 70 * SEC);
    r.username = USER2;
    r.key = LPWD2;
    assert_int_equal(send_req(a, 41 * SEC, &r, &from, ICE_PROTO_UDP), 0);
    expect_success(a, &from, ICE_PROTO_UDP, LPWD2);
    expect_selected_event(a, &from, ICE_PROTO_UDP);
    expect_event(a, ICE_EVENT_CONNECTED);
    ice_destroy(a);
}

static void test_tx_queue_bounded(void **state)
{
    struct ice_agent *a = make_agent(0);
    struct stun_addr from = v4(10, 0, 0, 1, 1);
    struct ice_output o;
    struct ice_stats st;
    struct stun_msg m;
    uint8_t keep[STUN_MAX_MESSAGE];
    const unsigned n = ICE_TX_QUEUE + 5;

    (void)state;
    for (unsigned i = 0; i < n; i++) {
        struct req r = check_req((uint8_t)i);

        assert_int_equal(send_req(a, i, &r, &from, ICE_PROTO_UDP), 0);
    }
    ice_stats(a, &st);
    assert_int_equal(st.tx_dropped, 5);
    /* The newest ICE_TX_QUEUE responses remain, oldest first. */
    for (unsigned i = n - ICE_TX_QUEUE; i < n; i++) {
        uint8_t tid[STUN_TID_LEN];

        expect_tx(a, &m, keep, &from, ICE_PROTO_UDP, STUN_CLASS_SUCCESS);
        make_tid(tid, (uint8_t)i);
        assert_memory_equal(m.tid, tid, STUN_TID_LEN);
    }
    assert_true(ice_poll(a, &o));
    assert_int_equal(o.kind, ICE_OUT_EVENT);
    ice_destroy(a);
}

static void test_event_queue_bounded(void **state)
{
    struct ice_agent *a = make_agent(0);
    struct ice_stats st;
    struct ice_output o;
    unsigned events = 0;

    (void)state;
    /* Flip the nomination between two pairs without polling. */
    for (unsigned i = 0; i < 3 * ICE_EVENT_QUEUE; i++) {
        struct stun_addr from = v4(10, 0, 0, (uint8_t)(1 + i % 2), 1);

        assert_int_equal(check(a, i, &from, ICE_PROTO_UDP, true), 0);
    }
    ice_stats(a, &st);
    assert_true(st.events_dropped > 0);
    while (ice_poll(a, &o)) {
        if (o.kind == ICE_OUT_EVENT)
            events++;
    }
    assert_int_equal(events, ICE_EVENT_QUEUE);
    ice_destroy(a);
}

static void test_pairs_bounded(void **state)
{
    struct ice_agent *a = make_agent(0);
    struct stun_addr first = v4(10, 0, 1, 0, 1);

    (void)state;
    assert_int_equal(check(a, 0, &first, ICE_PROTO_UDP, true), 0);
    for (unsigned i = 1; i <= 2 * ICE_MAX_PAIRS; i++) {
        struct stun_addr from = v4(10, 0, 1, (uint8_t)i, 1);

        assert_int_equal(check(a, (int64_t)i, &from, ICE_PROTO_UDP, false), 0);
        drain(a);
    }
    /* The selected pair survives; only the newest others remain. */
    expect_selected(a, &first, ICE_PROTO_UDP);
    assert_true(ice_is_valid_source(a, &first, ICE_PROTO_UDP));
    unsigned valid = 0;
    for (unsigned i = 1; i <= 2 * ICE_MAX_PAIRS; i++) {
        struct stun_addr from = v4(10, 0, 1, (uint8_t)i, 1);
        bool ok = ice_is_valid_source(a, &from, ICE_PROTO_UDP);

        assert_int_equal(ok, i > 2 * ICE_MAX_PAIRS - (ICE_MAX_PAIRS - 1));
        valid += ok;
    }
    assert_int_equal(valid, ICE_MAX_PAIRS - 1);
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
        cmocka_unit_test(test_use_candidate_selects),
        cmocka_unit_test(test_nominated_first_pair),
        cmocka_unit_test(test_switch_wifi_to_mobile),
        cmocka_unit_test(test_switch_udp_to_tcp),
        cmocka_unit_test(test_consent_29s_ok_31s_failed),
        cmocka_unit_test(test_consent_kept_by_checks),
        cmocka_unit_test(test_consent_only_on_selected_pair),
        cmocka_unit_test(test_connect_timeout),
        cmocka_unit_test(test_disconnected_and_back),
        cmocka_unit_test(test_restart),
        cmocka_unit_test(test_restart_restarts_consent),
        cmocka_unit_test(test_restart_invalid),
        cmocka_unit_test(test_restart_after_failure),
        cmocka_unit_test(test_tx_queue_bounded),
        cmocka_unit_test(test_event_queue_bounded),
        cmocka_unit_test(test_pairs_bounded),
        cmocka_unit_test(test_garbage_input),
        cmocka_unit_test(test_username_local_ufrag),
        cmocka_unit_test(test_names_and_null_safety),
    };

    return cmocka_run_group_tests(tests, write_seeds, NULL);
}
