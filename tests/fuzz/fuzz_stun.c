/* Fuzz target for media/stun.c: parse any input, check FINGERPRINT and
 * MESSAGE-INTEGRITY under a fixed password, and for a Binding request build
 * the responses an ICE-lite agent would send plus a copy of the request;
 * each must parse back and verify, or the target aborts.
 *
 * The seed corpus (tests/fuzz/corpus/stun/) holds the RFC 5769 vectors,
 * whose password is the one below, so mutations of them reach the verified
 * paths. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "media/stun.h"
#include "base/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t key[] = "VOkJxbRl1RmTxUk/WvJxBt";
#define KEY_LEN (sizeof key - 1)

static void check(int cond)
{
    if (!cond)
        abort();
}

/* Reads every byte of a view, so ASan sees a view that runs past the input. */
static unsigned touch(const uint8_t *p, size_t len)
{
    unsigned sum = 0;

    for (size_t i = 0; i < len; i++)
        sum += p[i];
    return sum;
}

static void touch_views(const struct stun_msg *m)
{
    volatile unsigned sink = 0;

    sink += touch(m->username.p, m->username.len);
    sink += touch(m->software.p, m->software.len);
    sink += touch(m->realm.p, m->realm.len);
    sink += touch(m->nonce.p, m->nonce.len);
    sink += touch(m->reason.p, m->reason.len);
    for (size_t i = 0; i < m->n_attrs; i++)
        sink += touch(m->attrs[i].val, m->attrs[i].len);
    (void)sink;
}

static void parse_and_verify(struct stun_msg *out, const uint8_t *buf, size_t len,
                             const uint8_t tid[STUN_TID_LEN], enum stun_class cls, bool with_mi)
{
    check(stun_is_stun(buf, len));
    check(stun_parse(out, buf, len) == 0);
    check(out->method == STUN_METHOD_BINDING);
    check(out->cls == cls);
    check(memcmp(out->tid, tid, STUN_TID_LEN) == 0);
    check(stun_check_fingerprint(out) == 0);
    if (with_mi)
        check(stun_check_integrity(out, key, KEY_LEN) == 0);
    else
        check(stun_check_integrity(out, key, KEY_LEN) == ERR_NOTFOUND);
}

/* What an ICE-lite agent sends back for a Binding request. */
static void answer(const struct stun_msg *req, const uint8_t *data, size_t size)
{
    uint8_t buf[STUN_MAX_MESSAGE];
    struct stun_msg rsp;
    size_t len = 0;

    /* Success with a mapped address taken from the input's last bytes. */
    struct stun_binding_success ok;
    memset(&ok, 0, sizeof ok);
    memcpy(ok.tid, req->tid, STUN_TID_LEN);
    ok.mapped.family = (data[size - 1] & 1) ? STUN_FAMILY_IPV6 : STUN_FAMILY_IPV4;
    ok.mapped.port = (uint16_t)(data[size - 1] << 8 | data[size - 2]);
    for (size_t i = 0; i < 16; i++)
        ok.mapped.ip[i] = data[size - 1 - i];
    if (ok.mapped.family == STUN_FAMILY_IPV4)
        memset(ok.mapped.ip + 4, 0, 12);
    ok.key = key;
    ok.key_len = KEY_LEN;
    ok.software = (data[size - 3] & 1) ? "samtale" : NULL;
    check(stun_build_binding_success(buf, sizeof buf, &ok, &len) == 0);
    check(len <= STUN_MAX_MESSAGE_UDP);
    parse_and_verify(&rsp, buf, len, req->tid, STUN_CLASS_SUCCESS, true);
    check(rsp.has & STUN_HAS_XOR_MAPPED_ADDRESS);
    check(stun_addr_equal(&rsp.xor_mapped, &ok.mapped));

    /* Error responses: 420 listing the unknown attributes, or 400/401/487. */
    struct stun_error_response er;
    memset(&er, 0, sizeof er);
    memcpy(er.tid, req->tid, STUN_TID_LEN);
    er.method = req->method;
    if (req->n_unknown > 0) {
        er.code = 420;
        er.unknown = req->unknown;
        er.n_unknown = req->n_unknown;
    } else if (!(req->has & STUN_HAS_USERNAME)) {
        er.code = 400;
    } else if (!(req->has & STUN_HAS_ICE_CONTROLLING)) {
        er.code = 401;
    } else {
        er.code = 487;
        er.key = key;
        er.key_len = KEY_LEN;
    }
    check(stun_build_error_response(buf, sizeof buf, &er, &len) == 0);
    parse_and_verify(&rsp, buf, len, req->tid, STUN_CLASS_ERROR, er.key != NULL);
    check(rsp.error_code == er.code);
    check(rsp.reason.len == strlen(stun_reason_default(er.code)));
    if (er.code == 420) {
        const struct stun_attr *ua = stun_msg_find(&rsp, STUN_ATTR_UNKNOWN_ATTRIBUTES);
        check(ua != NULL && ua->len == 2 * req->n_unknown);
        for (size_t i = 0; i < req->n_unknown; i++)
            check((ua->val[2 * i] << 8 | ua->val[2 * i + 1]) == req->unknown[i]);
    }

    /* The request itself, rebuilt from what was decoded, reads the same. */
    struct stun_builder b;
    stun_build_begin(&b, buf, sizeof buf, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, req->tid);
    if (req->has & STUN_HAS_USERNAME)
        stun_build_attr(&b, STUN_ATTR_USERNAME, req->username.p, req->username.len);
    if (req->has & STUN_HAS_SOFTWARE)
        stun_build_attr(&b, STUN_ATTR_SOFTWARE, req->software.p, req->software.len);
    if (req->has & STUN_HAS_PRIORITY)
        stun_build_u32(&b, STUN_ATTR_PRIORITY, req->priority);
    if (req->has & STUN_HAS_ICE_CONTROLLING)
        stun_build_u64(&b, STUN_ATTR_ICE_CONTROLLING, req->ice_controlling);
    if (req->has & STUN_HAS_ICE_CONTROLLED)
        stun_build_u64(&b, STUN_ATTR_ICE_CONTROLLED, req->ice_controlled);
    if (req->has & STUN_HAS_USE_CANDIDATE)
        stun_build_attr(&b, STUN_ATTR_USE_CANDIDATE, NULL, 0);
    stun_build_integrity(&b, key, KEY_LEN);
    stun_build_fingerprint(&b);
    /* It can only be too big if the input was near STUN_MAX_MESSAGE. */
    int rc = stun_build_end(&b, &len);
    if (rc == ERR_TOOBIG)
        return;
    check(rc == 0);
    parse_and_verify(&rsp, buf, len, req->tid, STUN_CLASS_REQUEST, true);
    uint32_t mask = STUN_HAS_USERNAME | STUN_HAS_SOFTWARE | STUN_HAS_PRIORITY |
                    STUN_HAS_ICE_CONTROLLING | STUN_HAS_ICE_CONTROLLED | STUN_HAS_USE_CANDIDATE;
    check((rsp.has & mask) == (req->has & mask));
    check(rsp.username.len == req->username.len);
    check(rsp.username.len == 0 || memcmp(rsp.username.p, req->username.p, rsp.username.len) == 0);
    check(rsp.software.len == req->software.len);
    check(rsp.priority == req->priority);
    check(rsp.ice_controlling == req->ice_controlling);
    check(rsp.ice_controlled == req->ice_controlled);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct stun_msg m;

    int rc = stun_parse(&m, data, size);
    if (rc != 0) {
        check((rc == ERR_PARSE || rc == ERR_TOOBIG) && m.why != NULL);
        return 0;
    }
    check(m.why == NULL);
    check(stun_is_stun(data, size));
    check(m.len == size && m.n_attrs <= STUN_MAX_ATTRS && m.n_unknown <= STUN_MAX_UNKNOWN);
    check(m.username.len <= STUN_MAX_USERNAME);
    touch_views(&m);

    int fp = stun_check_fingerprint(&m);
    check(fp == 0 || fp == ERR_NOTFOUND || fp == ERR_PARSE);
    int mi = stun_check_integrity(&m, key, KEY_LEN);
    check(mi == 0 || mi == ERR_NOTFOUND || mi == ERR_DENIED);
    if (m.has & STUN_HAS_INTEGRITY)
        check(m.integrity_off + 24 <= size);
    if (m.has & STUN_HAS_FINGERPRINT)
        check(m.fingerprint_off + 8 == size);

    if (m.cls == STUN_CLASS_REQUEST && m.method == STUN_METHOD_BINDING)
        answer(&m, data, size);
    return 0;
}
