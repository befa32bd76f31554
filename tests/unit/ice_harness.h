/* Test harness for media/ice.c: credentials, addresses, an agent on a fake
 * clock, STUN check builders and expectations on what the agent emits.
 * Shared by test_ice.c (create, checks, credentials, integrity, hostile
 * input, fuzz seeds), test_ice_consent.c (selection, consent, timeouts,
 * restart, bounds) and test_ice_select.c (several nominated pairs,
 * consent over several pairs). */
#ifndef SAMTALE_TESTS_ICE_HARNESS_H
#define SAMTALE_TESTS_ICE_HARNESS_H

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
#include "base/err.h"

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

static __attribute__((unused)) struct stun_addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d,
                                                   uint16_t port)
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

static __attribute__((unused)) struct stun_addr v6(uint16_t last, uint16_t port)
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

static __attribute__((unused)) struct ice_agent *make_agent_cfg(int64_t now, const char *remote)
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

static __attribute__((unused)) struct ice_agent *make_agent(int64_t now)
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
    uint32_t priority; /* PRIORITY; 0: CHECK_PRIORITY */
};

/* PRIORITY of the harness's checks unless a test sets one. */
#define CHECK_PRIORITY 0x6e0001ffu

static __attribute__((unused)) struct req check_req(uint8_t tid0)
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

static __attribute__((unused)) void make_tid(uint8_t tid[STUN_TID_LEN], uint8_t tid0)
{
    for (size_t i = 0; i < STUN_TID_LEN; i++)
        tid[i] = (uint8_t)(tid0 + 7 * i);
}

/* Builds a request as a browser would (stun_build_binding_request) when it
 * can, by hand otherwise. */
static __attribute__((unused)) size_t build(uint8_t *buf, size_t cap, const struct req *r)
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
        q.priority = r->priority != 0 ? r->priority : CHECK_PRIORITY;
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
    stun_build_u32(&b, STUN_ATTR_PRIORITY, r->priority != 0 ? r->priority : CHECK_PRIORITY);
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

static __attribute__((unused)) int send_req(struct ice_agent *a, int64_t now, const struct req *r,
                                            const struct stun_addr *from, enum ice_proto proto)
{
    uint8_t buf[STUN_MAX_MESSAGE];
    size_t len = build(buf, sizeof(buf), r);

    return ice_input(a, now, buf, len, from, proto);
}

/* A valid check (optionally nominating) from `from`. */
static __attribute__((unused)) int check(struct ice_agent *a, int64_t now,
                                         const struct stun_addr *from, enum ice_proto proto,
                                         bool nominate)
{
    struct req r = check_req(0x10);

    r.use_candidate = nominate;
    return send_req(a, now, &r, from, proto);
}

/* A valid check with PRIORITY `priority`, as a browser sends on a pair whose
 * local candidate has that priority. */
static __attribute__((unused)) int check_prio(struct ice_agent *a, int64_t now,
                                              const struct stun_addr *from, enum ice_proto proto,
                                              bool nominate, uint32_t priority)
{
    struct req r = check_req(0x20);

    r.use_candidate = nominate;
    r.priority = priority;
    return send_req(a, now, &r, from, proto);
}

/* Polls one TRANSMIT, parses it into *m (the data stays in `keep`) and
 * checks destination, FINGERPRINT and class. */
static __attribute__((unused)) void expect_tx(struct ice_agent *a, struct stun_msg *m,
                                              uint8_t *keep, const struct stun_addr *to,
                                              enum ice_proto proto, enum stun_class cls)
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

static __attribute__((unused)) void expect_success(struct ice_agent *a, const struct stun_addr *to,
                                                   enum ice_proto proto, const char *pwd)
{
    uint8_t keep[STUN_MAX_MESSAGE];
    struct stun_msg m;

    expect_tx(a, &m, keep, to, proto, STUN_CLASS_SUCCESS);
    assert_int_equal(stun_check_integrity(&m, (const uint8_t *)pwd, strlen(pwd)), 0);
    assert_true(m.has & STUN_HAS_XOR_MAPPED_ADDRESS);
    assert_true(stun_addr_equal(&m.xor_mapped, to));
}

static __attribute__((unused)) void expect_error(struct ice_agent *a, const struct stun_addr *to,
                                                 int code, bool with_integrity)
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

static __attribute__((unused)) void expect_event(struct ice_agent *a, enum ice_event e)
{
    struct ice_output o;

    assert_true(ice_poll(a, &o));
    assert_int_equal(o.kind, ICE_OUT_EVENT);
    assert_int_equal(o.event, e);
}

static __attribute__((unused)) void
expect_selected_event(struct ice_agent *a, const struct stun_addr *addr, enum ice_proto proto)
{
    struct ice_output o;

    assert_true(ice_poll(a, &o));
    assert_int_equal(o.kind, ICE_OUT_EVENT);
    assert_int_equal(o.event, ICE_EVENT_SELECTED);
    assert_true(stun_addr_equal(&o.addr, addr));
    assert_int_equal(o.proto, proto);
}

static __attribute__((unused)) void expect_nothing(struct ice_agent *a)
{
    struct ice_output o;

    assert_false(ice_poll(a, &o));
}

static __attribute__((unused)) void drain(struct ice_agent *a)
{
    struct ice_output o;

    while (ice_poll(a, &o))
        ;
}

static __attribute__((unused)) void
expect_selected(struct ice_agent *a, const struct stun_addr *addr, enum ice_proto proto)
{
    struct stun_addr got;
    enum ice_proto p;

    assert_true(ice_selected(a, &got, &p));
    assert_true(stun_addr_equal(&got, addr));
    assert_int_equal(p, proto);
}

#endif
