/* libsrtp2 as the oracle for media/srtp: sessions keyed like an srtpx
 * (inbound with the remote key, outbound with the local key and
 * allow_repeat_tx, SRTPX_REPLAY_WINDOW), for the unit tests, the
 * differential fuzzer and the benchmark. */
#ifndef SAMTALE_TESTS_SRTP_ORACLE_H
#define SAMTALE_TESTS_SRTP_ORACLE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <srtp2/srtp.h>

#include "media/dtls.h"
#include "media/srtp.h"

struct srtp_oracle {
    srtp_t rx;
    srtp_t tx;
};

static inline srtp_t srtp_oracle_session(enum dtls_srtp_profile profile, bool outbound,
                                         const uint8_t *key, const uint8_t *salt, size_t salt_len)
{
    uint8_t master[DTLS_SRTP_KEY_MAX + DTLS_SRTP_SALT_MAX];
    srtp_policy_t p;
    srtp_t s = NULL;

    memset(&p, 0, sizeof p);
    if (profile == DTLS_SRTP_AEAD_AES_128_GCM) {
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtp);
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtcp);
    } else {
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtcp);
    }
    memcpy(master, key, 16);
    memcpy(master + 16, salt, salt_len);
    p.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
    p.key = master;
    p.window_size = SRTPX_REPLAY_WINDOW;
    p.allow_repeat_tx = outbound;
    if (srtp_create(&s, &p) != srtp_err_status_ok)
        s = NULL;
    return s;
}

/* 0 or -1. */
static inline int srtp_oracle_create(struct srtp_oracle *o, const struct dtls_srtp_keys *k)
{
    static bool initialised;

    if (!initialised) {
        if (srtp_init() != srtp_err_status_ok)
            return -1;
        initialised = true;
    }
    o->rx = srtp_oracle_session(k->profile, false, k->remote_key, k->remote_salt, k->salt_len);
    o->tx = srtp_oracle_session(k->profile, true, k->local_key, k->local_salt, k->salt_len);
    return o->rx != NULL && o->tx != NULL ? 0 : -1;
}

static inline void srtp_oracle_destroy(struct srtp_oracle *o)
{
    if (o->rx != NULL)
        srtp_dealloc(o->rx);
    if (o->tx != NULL)
        srtp_dealloc(o->tx);
    o->rx = o->tx = NULL;
}

/* libsrtp's calls with size_t lengths: 0 on success, -1 otherwise. */
static inline int srtp_oracle_call(srtp_t s, bool protect, bool rtcp, uint8_t *buf, size_t *len)
{
    int n = (int)*len;
    srtp_err_status_t st;

    if (protect)
        st = rtcp ? srtp_protect_rtcp(s, buf, &n) : srtp_protect(s, buf, &n);
    else
        st = rtcp ? srtp_unprotect_rtcp(s, buf, &n) : srtp_unprotect(s, buf, &n);
    if (st != srtp_err_status_ok)
        return -1;
    *len = (size_t)n;
    return 0;
}

#endif
