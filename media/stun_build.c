/* Building STUN messages (the builder and whole ICE messages); see stun.h. */
#include "media/stun.h"
#include "media/stun_int.h"
#include "base/err.h"

#include <string.h>

/* ---- building ---- */

enum { STAGE_ATTRS = 0, STAGE_INTEGRITY = 1, STAGE_FINGERPRINT = 2 };

static void build_fail(struct stun_builder *b, int err)
{
    if (b->err == 0)
        b->err = err;
}

void stun_build_begin(struct stun_builder *b, uint8_t *buf, size_t cap, uint16_t method,
                      enum stun_class cls, const uint8_t tid[STUN_TID_LEN])
{
    memset(b, 0, sizeof *b);
    if (buf == NULL || tid == NULL || method > 0x0FFFu || (unsigned)cls > 3u) {
        b->err = ERR_INVAL;
        return;
    }
    b->buf = buf;
    wr_init(&b->w, buf, cap < STUN_MAX_MESSAGE ? cap : STUN_MAX_MESSAGE);
    wr_u16(&b->w, stun_msg_type(method, cls));
    wr_u16(&b->w, 0);
    wr_u32(&b->w, STUN_MAGIC_COOKIE);
    wr_bytes(&b->w, tid, STUN_TID_LEN);
    if (!wr_ok(&b->w))
        b->err = ERR_TOOBIG;
}

/* Writes an attribute header and padding, updates the header length and
 * returns the `len` value bytes for the caller to fill, or NULL. */
static uint8_t *attr_begin(struct stun_builder *b, uint16_t type, size_t len)
{
    uint8_t *v;
    size_t padded = len + stun_pad4(len);

    if (b->err != 0)
        return NULL;
    if (b->stage == STAGE_FINGERPRINT ||
        (b->stage == STAGE_INTEGRITY && type != STUN_ATTR_FINGERPRINT)) {
        b->err = ERR_INVAL;
        return NULL;
    }
    if (len > UINT16_MAX) {
        b->err = ERR_TOOBIG;
        return NULL;
    }
    wr_u16(&b->w, type);
    wr_u16(&b->w, (uint16_t)len);
    v = wr_reserve(&b->w, padded);
    if (v == NULL) {
        b->err = ERR_TOOBIG;
        return NULL;
    }
    if (padded > len)
        memset(v + len, b->pad, padded - len);
    /* The writer is capped at STUN_MAX_MESSAGE, so this fits 16 bits. */
    wr_put_u16(b->buf + 2, (uint16_t)((size_t)(b->w.p - b->buf) - STUN_HEADER_LEN));
    return v;
}

void stun_build_attr(struct stun_builder *b, uint16_t type, const void *val, size_t len)
{
    uint8_t *v;
    size_t max = SIZE_MAX;

    if (b->err != 0)
        return;
    if ((val == NULL && len != 0) || type == STUN_ATTR_MESSAGE_INTEGRITY ||
        type == STUN_ATTR_FINGERPRINT) {
        build_fail(b, ERR_INVAL); /* those two have their own functions */
        return;
    }
    /* Never build what stun_parse() would refuse. */
    if (type == STUN_ATTR_USERNAME)
        max = STUN_MAX_USERNAME;
    else if (type == STUN_ATTR_SOFTWARE || type == STUN_ATTR_REALM || type == STUN_ATTR_NONCE)
        max = STUN_MAX_TEXT;
    if (len > max) {
        build_fail(b, ERR_TOOBIG);
        return;
    }
    v = attr_begin(b, type, len);
    if (v != NULL && len != 0)
        memcpy(v, val, len);
}

void stun_build_str(struct stun_builder *b, uint16_t type, const char *s)
{
    if (s == NULL) {
        build_fail(b, ERR_INVAL);
        return;
    }
    /* Anything this long cannot fit a message anyway. */
    stun_build_attr(b, type, s, strnlen(s, STUN_MAX_MESSAGE));
}

void stun_build_u32(struct stun_builder *b, uint16_t type, uint32_t v)
{
    uint8_t val[4];

    wr_put_u32(val, v);
    stun_build_attr(b, type, val, sizeof val);
}

void stun_build_u64(struct stun_builder *b, uint16_t type, uint64_t v)
{
    uint8_t val[8];

    wr_put_u32(val, (uint32_t)(v >> 32));
    wr_put_u32(val + 4, (uint32_t)v);
    stun_build_attr(b, type, val, sizeof val);
}

void stun_build_xor_addr(struct stun_builder *b, uint16_t type, const struct stun_addr *a)
{
    uint8_t val[20];
    size_t n;

    if (b->err != 0)
        return;
    if (a == NULL || (a->family != STUN_FAMILY_IPV4 && a->family != STUN_FAMILY_IPV6)) {
        build_fail(b, ERR_INVAL);
        return;
    }
    n = a->family == STUN_FAMILY_IPV4 ? 4 : 16;
    val[0] = 0;
    val[1] = a->family;
    wr_put_u16(val + 2, (uint16_t)(a->port ^ (STUN_MAGIC_COOKIE >> 16)));
    /* Cookie then transaction id, as already written in the header. */
    for (size_t i = 0; i < n; i++)
        val[4 + i] = a->ip[i] ^ b->buf[4 + i];
    stun_build_attr(b, type, val, 4 + n);
}

void stun_build_error_code(struct stun_builder *b, int code, const char *reason)
{
    uint8_t *v;
    size_t rlen;

    if (b->err != 0)
        return;
    if (code < 300 || code > 699) {
        build_fail(b, ERR_INVAL);
        return;
    }
    if (reason == NULL)
        reason = stun_reason_default(code);
    rlen = strnlen(reason, STUN_MAX_TEXT + 1);
    if (rlen > STUN_MAX_TEXT) {
        build_fail(b, ERR_TOOBIG);
        return;
    }
    v = attr_begin(b, STUN_ATTR_ERROR_CODE, 4 + rlen);
    if (v == NULL)
        return;
    v[0] = 0;
    v[1] = 0;
    v[2] = (uint8_t)(code / 100);
    v[3] = (uint8_t)(code % 100);
    memcpy(v + 4, reason, rlen);
}

void stun_build_unknown_attrs(struct stun_builder *b, const uint16_t *types, size_t n)
{
    uint8_t *v;

    if (b->err != 0)
        return;
    if (types == NULL || n == 0) {
        build_fail(b, ERR_INVAL);
        return;
    }
    if (n > STUN_MAX_MESSAGE / 2) {
        build_fail(b, ERR_TOOBIG);
        return;
    }
    v = attr_begin(b, STUN_ATTR_UNKNOWN_ATTRIBUTES, 2 * n);
    if (v == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        wr_put_u16(v + 2 * i, types[i]);
}

static void build_integrity(struct stun_builder *b, struct stun_mac *mac, const uint8_t *key,
                            size_t key_len)
{
    uint8_t *v;
    size_t off;
    int rc;

    if (b->err != 0)
        return;
    if (mac == NULL && (key == NULL || key_len == 0)) {
        build_fail(b, ERR_INVAL);
        return;
    }
    v = attr_begin(b, STUN_ATTR_MESSAGE_INTEGRITY, STUN_INTEGRITY_LEN);
    if (v == NULL)
        return;
    /* The header length now ends with this attribute, as §14.5 requires. */
    off = (size_t)(v - b->buf) - STUN_ATTR_HEADER_LEN;
    rc = stun_hmac_sha1(mac, key, key_len, b->buf, off, NULL, 0, v);
    if (rc != 0) {
        build_fail(b, rc);
        return;
    }
    b->stage = STAGE_INTEGRITY;
}

void stun_build_integrity(struct stun_builder *b, const uint8_t *key, size_t key_len)
{
    build_integrity(b, NULL, key, key_len);
}

void stun_build_integrity_mac(struct stun_builder *b, struct stun_mac *mac)
{
    if (mac == NULL) {
        build_fail(b, ERR_INVAL);
        return;
    }
    build_integrity(b, mac, NULL, 0);
}

void stun_build_fingerprint(struct stun_builder *b)
{
    uint8_t *v;
    size_t off;

    if (b->err != 0)
        return;
    v = attr_begin(b, STUN_ATTR_FINGERPRINT, 4);
    if (v == NULL)
        return;
    off = (size_t)(v - b->buf) - STUN_ATTR_HEADER_LEN;
    wr_put_u32(v, stun_crc32(b->buf, off) ^ STUN_FINGERPRINT_XOR);
    b->stage = STAGE_FINGERPRINT;
}

int stun_build_end(struct stun_builder *b, size_t *out_len)
{
    if (b->err != 0)
        return b->err;
    if (out_len == NULL)
        return ERR_INVAL;
    *out_len = (size_t)(b->w.p - b->buf);
    return 0;
}

/* ---- whole ICE messages ---- */

int stun_build_binding_request(uint8_t *buf, size_t cap, const struct stun_binding_request *req,
                               size_t *out_len)
{
    struct stun_builder b;

    if (req == NULL)
        return ERR_INVAL;
    /* Attribute order as in RFC 5769 §2.1. */
    stun_build_begin(&b, buf, cap, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, req->tid);
    if (req->software != NULL)
        stun_build_str(&b, STUN_ATTR_SOFTWARE, req->software);
    if (req->priority != 0)
        stun_build_u32(&b, STUN_ATTR_PRIORITY, req->priority);
    stun_build_u64(&b, req->controlling ? STUN_ATTR_ICE_CONTROLLING : STUN_ATTR_ICE_CONTROLLED,
                   req->tie_breaker);
    if (req->use_candidate)
        stun_build_attr(&b, STUN_ATTR_USE_CANDIDATE, NULL, 0);
    if (req->username != NULL)
        stun_build_str(&b, STUN_ATTR_USERNAME, req->username);
    if (req->mac != NULL || req->key != NULL)
        build_integrity(&b, req->mac, req->key, req->key_len);
    stun_build_fingerprint(&b);
    return stun_build_end(&b, out_len);
}

int stun_build_binding_success(uint8_t *buf, size_t cap, const struct stun_binding_success *rsp,
                               size_t *out_len)
{
    struct stun_builder b;

    if (rsp == NULL)
        return ERR_INVAL;
    /* Attribute order as in RFC 5769 §2.2. */
    stun_build_begin(&b, buf, cap, STUN_METHOD_BINDING, STUN_CLASS_SUCCESS, rsp->tid);
    if (rsp->software != NULL)
        stun_build_str(&b, STUN_ATTR_SOFTWARE, rsp->software);
    stun_build_xor_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, &rsp->mapped);
    if (rsp->mac != NULL || rsp->key != NULL)
        build_integrity(&b, rsp->mac, rsp->key, rsp->key_len);
    stun_build_fingerprint(&b);
    return stun_build_end(&b, out_len);
}

int stun_build_error_response(uint8_t *buf, size_t cap, const struct stun_error_response *rsp,
                              size_t *out_len)
{
    struct stun_builder b;

    if (rsp == NULL)
        return ERR_INVAL;
    stun_build_begin(&b, buf, cap, rsp->method, STUN_CLASS_ERROR, rsp->tid);
    if (rsp->software != NULL)
        stun_build_str(&b, STUN_ATTR_SOFTWARE, rsp->software);
    stun_build_error_code(&b, rsp->code, rsp->reason);
    if (rsp->unknown != NULL || rsp->n_unknown != 0)
        stun_build_unknown_attrs(&b, rsp->unknown, rsp->n_unknown);
    if (rsp->mac != NULL || rsp->key != NULL)
        build_integrity(&b, rsp->mac, rsp->key, rsp->key_len);
    stun_build_fingerprint(&b);
    return stun_build_end(&b, out_len);
}
