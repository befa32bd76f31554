/* libsrtp2 wrapper; see srtp.h. */
#define LOG_MODULE "srtp"

#include "media/srtp.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <srtp2/srtp.h>

#include "base/err.h"
#include "base/log.h"

/* Trailers per profile (libsrtp writes exactly these: no MKI is used). */
#define AES_CM_TAG_LEN 10
#define GCM_TAG_LEN 16
#define SRTCP_INDEX_LEN 4

struct srtpx {
    srtp_t rx; /* inbound: remote key, ssrc_any_inbound */
    srtp_t tx; /* outbound: local key, ssrc_any_outbound */
    enum dtls_srtp_profile profile;
    size_t rtp_trailer;
    size_t rtcp_trailer;
    struct srtpx_stats stats;
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_result = ERR_CRYPTO;

static void log_handler(srtp_log_level_t level, const char *msg, void *data)
{
    (void)data;
    if (level == srtp_log_level_error)
        LOG_W("libsrtp: %s", msg);
    else
        LOG_D("libsrtp: %s", msg);
}

static void do_init(void)
{
    srtp_err_status_t st;

    (void)srtp_install_log_handler(log_handler, NULL);
    st = srtp_init();
    if (st != srtp_err_status_ok) {
        LOG_E("srtp_init failed (%d)", (int)st);
        init_result = ERR_CRYPTO;
        return;
    }
    init_result = 0;
}

int srtpx_init(void)
{
    if (pthread_once(&init_once, do_init) != 0)
        return ERR_CRYPTO;
    return init_result;
}

static int make_session(srtp_t *out, enum dtls_srtp_profile profile, srtp_ssrc_type_t dir,
                        const uint8_t *key, size_t key_len, const uint8_t *salt, size_t salt_len)
{
    uint8_t master[DTLS_SRTP_KEY_MAX + DTLS_SRTP_SALT_MAX];
    srtp_policy_t p;
    srtp_err_status_t st;

    memset(&p, 0, sizeof p);
    if (profile == DTLS_SRTP_AEAD_AES_128_GCM) {
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtp);
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtcp);
    } else {
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtcp);
    }
    memcpy(master, key, key_len);
    memcpy(master + key_len, salt, salt_len);
    p.ssrc.type = dir;
    p.key = master;
    p.window_size = SRTPX_REPLAY_WINDOW;
    /* Outbound: the SFU resends a packet with the same sequence number when
     * answering a NACK without RTX; libsrtp would refuse that as a replay.
     * Inbound: never. See srtpx_protect_rtp(). */
    p.allow_repeat_tx = dir == ssrc_any_outbound;
    p.next = NULL;
    st = srtp_create(out, &p);
    OPENSSL_cleanse(master, sizeof master);
    if (st == srtp_err_status_alloc_fail)
        return ERR_NOMEM;
    if (st != srtp_err_status_ok) {
        LOG_E("srtp_create failed (%d)", (int)st);
        return ERR_CRYPTO;
    }
    return 0;
}

int srtpx_create(struct srtpx **out, const struct dtls_srtp_keys *k)
{
    struct srtpx *s;
    size_t tag;
    int rc;

    if (out == NULL)
        return ERR_INVAL;
    *out = NULL;
    if (k == NULL || k->key_len != 16)
        return ERR_INVAL;
    switch (k->profile) {
    case DTLS_SRTP_AES128_CM_SHA1_80:
        if (k->salt_len != 14)
            return ERR_INVAL;
        tag = AES_CM_TAG_LEN;
        break;
    case DTLS_SRTP_AEAD_AES_128_GCM:
        if (k->salt_len != 12)
            return ERR_INVAL;
        tag = GCM_TAG_LEN;
        break;
    case DTLS_SRTP_NONE:
    default:
        return ERR_INVAL;
    }
    rc = srtpx_init();
    if (rc != 0)
        return rc;
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return ERR_NOMEM;
    s->profile = k->profile;
    s->rtp_trailer = tag;
    s->rtcp_trailer = tag + SRTCP_INDEX_LEN;
    rc = make_session(&s->rx, k->profile, ssrc_any_inbound, k->remote_key, k->key_len,
                      k->remote_salt, k->salt_len);
    if (rc == 0)
        rc = make_session(&s->tx, k->profile, ssrc_any_outbound, k->local_key, k->key_len,
                          k->local_salt, k->salt_len);
    if (rc != 0) {
        srtpx_destroy(s);
        return rc;
    }
    *out = s;
    return 0;
}

void srtpx_destroy(struct srtpx *s)
{
    if (s == NULL)
        return;
    /* libsrtp wipes its key material in srtp_dealloc. */
    if (s->rx != NULL)
        (void)srtp_dealloc(s->rx);
    if (s->tx != NULL)
        (void)srtp_dealloc(s->tx);
    free(s);
}

/* Inbound results. */
static int map_in(struct srtpx *s, srtp_err_status_t st)
{
    switch (st) {
    case srtp_err_status_ok:
        return 0;
    case srtp_err_status_auth_fail:
        s->stats.auth_failures++;
        return ERR_DENIED;
    case srtp_err_status_replay_fail:
    case srtp_err_status_replay_old:
        s->stats.replay_failures++;
        return ERR_DENIED;
    case srtp_err_status_bad_param:
    case srtp_err_status_parse_err:
        s->stats.parse_failures++;
        return ERR_PARSE;
    default:
        s->stats.other_failures++;
        return ERR_CRYPTO;
    }
}

/* Outbound results: a replay here means the index is older than the window
 * (or repeated without allow_repeat_tx): our own mistake, not an attack. */
static int map_out(struct srtpx *s, srtp_err_status_t st)
{
    switch (st) {
    case srtp_err_status_ok:
        return 0;
    case srtp_err_status_replay_fail:
    case srtp_err_status_replay_old:
        s->stats.protect_failures++;
        return ERR_DENIED;
    case srtp_err_status_bad_param:
    case srtp_err_status_parse_err:
        s->stats.parse_failures++;
        return ERR_PARSE;
    default:
        s->stats.protect_failures++;
        return ERR_CRYPTO;
    }
}

static int protect(struct srtpx *s, uint8_t *buf, size_t *len, size_t cap, bool rtcp)
{
    size_t min = rtcp ? SRTPX_RTCP_HEADER_MIN : SRTPX_RTP_HEADER_MIN;
    size_t trailer = rtcp ? s->rtcp_trailer : s->rtp_trailer;
    srtp_err_status_t st;
    int n, rc;

    if (*len < min) {
        s->stats.parse_failures++;
        return ERR_PARSE;
    }
    if (*len > cap || cap - *len < trailer || *len > (size_t)INT_MAX - trailer)
        return ERR_TOOBIG;
    n = (int)*len;
    st = rtcp ? srtp_protect_rtcp(s->tx, buf, &n) : srtp_protect(s->tx, buf, &n);
    rc = map_out(s, st);
    if (rc != 0)
        return rc;
    if (n < 0 || (size_t)n > cap)
        return ERR_CRYPTO; /* cannot happen: checked above */
    *len = (size_t)n;
    if (rtcp)
        s->stats.rtcp_protected++;
    else
        s->stats.rtp_protected++;
    return 0;
}

static int unprotect(struct srtpx *s, uint8_t *buf, size_t *len, bool rtcp)
{
    size_t min = rtcp ? SRTPX_RTCP_HEADER_MIN : SRTPX_RTP_HEADER_MIN;
    srtp_err_status_t st;
    int n, rc;

    if (*len < min || *len > (size_t)INT_MAX) {
        s->stats.parse_failures++;
        return ERR_PARSE;
    }
    n = (int)*len;
    st = rtcp ? srtp_unprotect_rtcp(s->rx, buf, &n) : srtp_unprotect(s->rx, buf, &n);
    rc = map_in(s, st);
    if (rc != 0)
        return rc;
    if (n < 0 || (size_t)n > *len)
        return ERR_CRYPTO; /* cannot happen */
    *len = (size_t)n;
    if (rtcp)
        s->stats.rtcp_unprotected++;
    else
        s->stats.rtp_unprotected++;
    return 0;
}

int srtpx_protect_rtp(struct srtpx *s, uint8_t *buf, size_t *len, size_t cap)
{
    if (s == NULL || buf == NULL || len == NULL)
        return ERR_INVAL;
    return protect(s, buf, len, cap, false);
}

int srtpx_unprotect_rtp(struct srtpx *s, uint8_t *buf, size_t *len)
{
    if (s == NULL || buf == NULL || len == NULL)
        return ERR_INVAL;
    return unprotect(s, buf, len, false);
}

int srtpx_protect_rtcp(struct srtpx *s, uint8_t *buf, size_t *len, size_t cap)
{
    if (s == NULL || buf == NULL || len == NULL)
        return ERR_INVAL;
    return protect(s, buf, len, cap, true);
}

int srtpx_unprotect_rtcp(struct srtpx *s, uint8_t *buf, size_t *len)
{
    if (s == NULL || buf == NULL || len == NULL)
        return ERR_INVAL;
    return unprotect(s, buf, len, true);
}

size_t srtpx_rtp_trailer(const struct srtpx *s)
{
    return s != NULL ? s->rtp_trailer : SRTPX_MAX_TRAILER;
}

size_t srtpx_rtcp_trailer(const struct srtpx *s)
{
    return s != NULL ? s->rtcp_trailer : SRTPX_MAX_TRAILER;
}

enum dtls_srtp_profile srtpx_profile(const struct srtpx *s)
{
    return s != NULL ? s->profile : DTLS_SRTP_NONE;
}

void srtpx_get_stats(const struct srtpx *s, struct srtpx_stats *out)
{
    if (out == NULL)
        return;
    if (s == NULL)
        memset(out, 0, sizeof *out);
    else
        *out = s->stats;
}
