/* SRTCP (RFC 3711 §3.4; RFC 7714 §9): the packet after its first 8 bytes
 * is encrypted, then E flag | 31-bit index and the tag are appended (GCM:
 * the tag comes before the index). In place. */
#define LOG_MODULE "srtp"

#include <string.h>

#include <openssl/crypto.h>

#include "base/err.h"
#include "base/log.h"
#include "media/srtp_int.h"

static void cm_iv(uint8_t iv[16], const uint8_t *salt, uint32_t ssrc, uint32_t index)
{
    memcpy(iv, salt, SRTPX_CM_SALT_LEN);
    iv[14] = iv[15] = 0;
    for (int i = 0; i < 4; i++) {
        iv[4 + i] ^= (uint8_t)(ssrc >> (24 - 8 * i));
        iv[10 + i] ^= (uint8_t)(index >> (24 - 8 * i));
    }
}

/* RFC 7714 §9.1: salt XOR 00 00 || SSRC || 00 00 || 0 || index. */
static void gcm_iv(uint8_t iv[12], const uint8_t *salt, uint32_t ssrc, uint32_t index)
{
    memcpy(iv, salt, SRTPX_GCM_SALT_LEN);
    for (int i = 0; i < 4; i++) {
        iv[2 + i] ^= (uint8_t)(ssrc >> (24 - 8 * i));
        iv[8 + i] ^= (uint8_t)(index >> (24 - 8 * i));
    }
}

static int protect_rtcp(struct srtpx *s, uint8_t *buf, size_t *len, size_t cap)
{
    struct srtpx_dir *d = &s->tx;
    struct srtpx_stream *st;
    uint8_t iv[16];
    size_t n = *len;
    uint32_t ssrc, index;
    int rc;

    if (n < SRTPX_RTCP_HEADER_MIN) {
        s->stats.parse_failures++;
        return ERR_PARSE;
    }
    if (n > cap || cap - n < s->rtcp_trailer)
        return ERR_TOOBIG;
    ssrc = srtpx_get32(buf + 4);
    st = srtpx_stream_find(d, ssrc);
    if (st == NULL) {
        rc = srtpx_stream_add(d, ssrc, &st);
        if (rc != 0) {
            s->stats.protect_failures++;
            return rc;
        }
    }
    if (st->rtcp_index >= SRTPX_SRTCP_INDEX_MAX) {
        s->stats.protect_failures++; /* 2^31 reports: the key is spent */
        return ERR_DENIED;
    }
    index = ++st->rtcp_index;
    if (s->profile == DTLS_SRTP_AEAD_AES_128_GCM) {
        uint8_t trailer[SRTPX_SRTCP_INDEX_LEN];

        srtpx_put32(trailer, index | SRTPX_SRTCP_E_BIT);
        gcm_iv(iv, d->rtcp.salt, ssrc, index);
        rc = srtpx_gcm_seal(&d->rtcp, iv, buf, SRTPX_RTCP_HEADER_MIN, trailer, sizeof trailer,
                            buf + SRTPX_RTCP_HEADER_MIN, n - SRTPX_RTCP_HEADER_MIN);
        if (rc == 0)
            memcpy(buf + n + SRTPX_GCM_TAG_LEN, trailer, sizeof trailer);
    } else {
        cm_iv(iv, d->rtcp.salt, ssrc, index);
        rc = srtpx_ctr(&d->rtcp, iv, buf + SRTPX_RTCP_HEADER_MIN, n - SRTPX_RTCP_HEADER_MIN);
        srtpx_put32(buf + n, index | SRTPX_SRTCP_E_BIT);
        if (rc == 0)
            rc = srtpx_hmac80(&d->rtcp, buf, n + SRTPX_SRTCP_INDEX_LEN, NULL, 0,
                              buf + n + SRTPX_SRTCP_INDEX_LEN);
    }
    if (rc != 0) {
        s->stats.protect_failures++;
        return rc;
    }
    *len = n + s->rtcp_trailer;
    s->stats.rtcp_protected++;
    return 0;
}

/* Authenticates and (with the E flag) decrypts; ERR_DENIED on a bad tag. */
static int open_rtcp(struct srtpx *s, struct srtpx_keys *k, uint8_t *buf, size_t n, uint32_t ssrc,
                     uint32_t trailer)
{
    uint32_t index = trailer & SRTPX_SRTCP_INDEX_MAX;
    bool encrypted = (trailer & SRTPX_SRTCP_E_BIT) != 0;
    uint8_t iv[16], tag[SRTPX_CM_TAG_LEN];
    size_t body;
    int rc;

    if (s->profile == DTLS_SRTP_AEAD_AES_128_GCM) {
        /* header | ciphertext | tag | E+index; unencrypted, the whole
         * packet is additional data and only the tag is "decrypted". */
        uint8_t *tr = buf + n - SRTPX_SRTCP_INDEX_LEN;

        body = n - SRTPX_SRTCP_INDEX_LEN - SRTPX_GCM_TAG_LEN;
        gcm_iv(iv, k->salt, ssrc, index);
        if (encrypted)
            return srtpx_gcm_open(k, iv, buf, SRTPX_RTCP_HEADER_MIN, tr, SRTPX_SRTCP_INDEX_LEN,
                                  buf + SRTPX_RTCP_HEADER_MIN, body - SRTPX_RTCP_HEADER_MIN);
        return srtpx_gcm_open(k, iv, buf, body, tr, SRTPX_SRTCP_INDEX_LEN, buf + body, 0);
    }
    /* header | ciphertext | E+index | tag */
    body = n - SRTPX_CM_TAG_LEN;
    rc = srtpx_hmac80(k, buf, body, NULL, 0, tag);
    if (rc != 0)
        return rc;
    if (CRYPTO_memcmp(tag, buf + body, SRTPX_CM_TAG_LEN) != 0)
        return ERR_DENIED;
    if (!encrypted)
        return 0;
    cm_iv(iv, k->salt, ssrc, index);
    return srtpx_ctr(k, iv, buf + SRTPX_RTCP_HEADER_MIN,
                     body - SRTPX_SRTCP_INDEX_LEN - SRTPX_RTCP_HEADER_MIN);
}

static int unprotect_rtcp(struct srtpx *s, uint8_t *buf, size_t *len)
{
    struct srtpx_dir *d = &s->rx;
    struct srtpx_stream *st, fresh;
    size_t n = *len, trailer_at;
    uint32_t ssrc, trailer;
    int rc;

    if (n < SRTPX_RTCP_HEADER_MIN + s->rtcp_trailer) {
        s->stats.parse_failures++;
        return ERR_PARSE;
    }
    trailer_at =
        s->profile == DTLS_SRTP_AEAD_AES_128_GCM ? n - SRTPX_SRTCP_INDEX_LEN : n - s->rtcp_trailer;
    trailer = srtpx_get32(buf + trailer_at);
    ssrc = srtpx_get32(buf + 4);
    st = srtpx_stream_find(d, ssrc);
    if (st == NULL) {
        if (d->n >= SRTPX_MAX_SSRCS) { /* refused, see unprotect_rtp() */
            s->stats.other_failures++;
            return ERR_FULL;
        }
        memset(&fresh, 0, sizeof fresh);
        fresh.ssrc = ssrc;
        st = &fresh;
    }
    if (srtpx_rtcp_check(st, trailer & SRTPX_SRTCP_INDEX_MAX) != 0) {
        s->stats.replay_failures++;
        return ERR_DENIED;
    }
    rc = open_rtcp(s, &d->rtcp, buf, n, ssrc, trailer);
    if (rc == ERR_DENIED) {
        s->stats.auth_failures++;
        return rc;
    }
    if (rc != 0) {
        s->stats.other_failures++;
        return rc;
    }
    if (st == &fresh) {
        rc = srtpx_stream_add(d, ssrc, &st);
        if (rc != 0) {
            s->stats.other_failures++;
            return rc;
        }
    }
    srtpx_rtcp_accept(st, trailer & SRTPX_SRTCP_INDEX_MAX);
    *len = n - s->rtcp_trailer;
    s->stats.rtcp_unprotected++;
    return 0;
}

int srtpx_protect_rtcp(struct srtpx *s, uint8_t *buf, size_t *len, size_t cap)
{
    if (s == NULL || buf == NULL || len == NULL)
        return ERR_INVAL;
    return protect_rtcp(s, buf, len, cap);
}

int srtpx_unprotect_rtcp(struct srtpx *s, uint8_t *buf, size_t *len)
{
    if (s == NULL || buf == NULL || len == NULL)
        return ERR_INVAL;
    return unprotect_rtcp(s, buf, len);
}
