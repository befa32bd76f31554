/* SRTP for RTP packets (RFC 3711 §3.1, §4; RFC 7714 §8): in place, one
 * SSRC lookup, one cipher pass and one MAC per packet. */
#define LOG_MODULE "srtp"

#include <string.h>

#include <openssl/crypto.h>

#include "base/err.h"
#include "base/log.h"
#include "media/srtp_int.h"

/* Length of the RTP header with CSRCs and extension, as libsrtp's
 * srtp_validate_rtp_header(): ERR_PARSE unless it fits in len. */
static int header_len(const uint8_t *p, size_t len, size_t *out)
{
    size_t h;

    if (len < SRTPX_RTP_HEADER_MIN)
        return ERR_PARSE;
    h = SRTPX_RTP_HEADER_MIN + 4 * (size_t)(p[0] & 0x0f);
    if (p[0] & 0x10) {
        if (len < h + 4)
            return ERR_PARSE;
        h += 4 + 4 * (size_t)srtpx_get16(p + h + 2);
    }
    if (len < h)
        return ERR_PARSE;
    *out = h;
    return 0;
}

/* AES-CM IV (RFC 3711 §4.1.1): salt XOR SSRC << 64 XOR index << 16. */
static void cm_iv(uint8_t iv[16], const uint8_t *salt, uint32_t ssrc, uint64_t index)
{
    memcpy(iv, salt, SRTPX_CM_SALT_LEN);
    iv[14] = iv[15] = 0;
    for (int i = 0; i < 4; i++)
        iv[4 + i] ^= (uint8_t)(ssrc >> (24 - 8 * i));
    for (int i = 0; i < 6; i++)
        iv[8 + i] ^= (uint8_t)(index >> (40 - 8 * i));
}

/* GCM IV (RFC 7714 §8.1): salt XOR 00 00 || SSRC || ROC || SEQ. */
static void gcm_iv(uint8_t iv[12], const uint8_t *salt, uint32_t ssrc, uint64_t index)
{
    memcpy(iv, salt, SRTPX_GCM_SALT_LEN);
    for (int i = 0; i < 4; i++)
        iv[2 + i] ^= (uint8_t)(ssrc >> (24 - 8 * i));
    for (int i = 0; i < 6; i++)
        iv[6 + i] ^= (uint8_t)(index >> (40 - 8 * i));
}

static int protect_rtp(struct srtpx *s, uint8_t *buf, size_t *len, size_t cap)
{
    struct srtpx_dir *d = &s->tx;
    struct srtpx_stream *st;
    uint32_t ssrc;
    uint64_t est;
    uint8_t iv[16], roc[4];
    size_t h, n = *len;
    int32_t delta;
    bool old;
    int rc;

    if (header_len(buf, n, &h) != 0) {
        s->stats.parse_failures++;
        return ERR_PARSE;
    }
    if (n > cap || cap - n < s->rtp_trailer)
        return ERR_TOOBIG;
    ssrc = srtpx_get32(buf + 8);
    st = srtpx_stream_find(d, ssrc);
    if (st == NULL) {
        rc = srtpx_stream_add(d, ssrc, &st);
        if (rc != 0) {
            s->stats.protect_failures++;
            return rc;
        }
    }
    delta = srtpx_rtp_estimate(st, srtpx_get16(buf + 2), &est);
    if (srtpx_rtp_check(st, delta, &old) == 0)
        srtpx_rtp_accept(st, delta);
    else if (old) {
        /* Older than the window: our own mistake, not an attack. A repeat
         * inside the window is a retransmission (see srtp.h). */
        s->stats.protect_failures++;
        return ERR_DENIED;
    }
    if (s->profile == DTLS_SRTP_AEAD_AES_128_GCM) {
        gcm_iv(iv, d->rtp.salt, ssrc, est);
        rc = srtpx_gcm_seal(&d->rtp, iv, buf, h, NULL, 0, buf + h, n - h);
    } else {
        cm_iv(iv, d->rtp.salt, ssrc, est);
        srtpx_put32(roc, (uint32_t)(est >> 16));
        rc = srtpx_ctr(&d->rtp, iv, buf + h, n - h);
        if (rc == 0)
            rc = srtpx_hmac80(&d->rtp, buf, n, roc, sizeof roc, buf + n);
    }
    if (rc != 0) {
        s->stats.protect_failures++;
        return rc;
    }
    *len = n + s->rtp_trailer;
    s->stats.rtp_protected++;
    return 0;
}

static int unprotect_rtp(struct srtpx *s, uint8_t *buf, size_t *len)
{
    struct srtpx_dir *d = &s->rx;
    struct srtpx_stream *st, fresh;
    uint8_t iv[16], roc[4], tag[SRTPX_CM_TAG_LEN];
    size_t h, n = *len, tag_len = s->tag_len, body;
    uint32_t ssrc;
    uint64_t est;
    int32_t delta;
    bool old;
    int rc;

    if (header_len(buf, n, &h) != 0 || n - h < tag_len) {
        s->stats.parse_failures++;
        return ERR_PARSE;
    }
    body = n - tag_len;
    ssrc = srtpx_get32(buf + 8);
    st = srtpx_stream_find(d, ssrc);
    if (st == NULL) {
        /* A new SSRC gets a stream only once a packet authenticates; when
         * the table is full, new SSRCs are refused (the known ones keep
         * their replay state: nothing is evicted). */
        if (d->n >= SRTPX_MAX_SSRCS) {
            s->stats.other_failures++;
            return ERR_FULL;
        }
        memset(&fresh, 0, sizeof fresh);
        fresh.ssrc = ssrc;
        st = &fresh;
    }
    delta = srtpx_rtp_estimate(st, srtpx_get16(buf + 2), &est);
    if (srtpx_rtp_check(st, delta, &old) != 0) {
        s->stats.replay_failures++;
        return ERR_DENIED;
    }
    if (s->profile == DTLS_SRTP_AEAD_AES_128_GCM) {
        gcm_iv(iv, d->rtp.salt, ssrc, est);
        rc = srtpx_gcm_open(&d->rtp, iv, buf, h, NULL, 0, buf + h, body - h);
    } else {
        srtpx_put32(roc, (uint32_t)(est >> 16));
        rc = srtpx_hmac80(&d->rtp, buf, body, roc, sizeof roc, tag);
        if (rc == 0 && CRYPTO_memcmp(tag, buf + body, SRTPX_CM_TAG_LEN) != 0)
            rc = ERR_DENIED;
        if (rc == 0) {
            cm_iv(iv, d->rtp.salt, ssrc, est);
            rc = srtpx_ctr(&d->rtp, iv, buf + h, body - h);
        }
    }
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
            /* Full: the peer has more SSRCs than any call needs. */
            s->stats.other_failures++;
            return rc;
        }
    }
    srtpx_rtp_accept(st, delta);
    *len = body;
    s->stats.rtp_unprotected++;
    return 0;
}

int srtpx_protect_rtp(struct srtpx *s, uint8_t *buf, size_t *len, size_t cap)
{
    if (s == NULL || buf == NULL || len == NULL)
        return ERR_INVAL;
    return protect_rtp(s, buf, len, cap);
}

int srtpx_unprotect_rtp(struct srtpx *s, uint8_t *buf, size_t *len)
{
    if (s == NULL || buf == NULL || len == NULL)
        return ERR_INVAL;
    return unprotect_rtp(s, buf, len);
}
