/* Internals of media/srtp shared by srtp.c (sessions, SSRC table, replay
 * windows), srtp_kdf.c (key derivation, cached OpenSSL contexts, the
 * per-packet primitives), srtp_rtp.c and srtp_rtcp.c. Not for callers. */
#ifndef SAMTALE_MEDIA_SRTP_INT_H
#define SAMTALE_MEDIA_SRTP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "media/srtp.h"

#define SRTPX_KEY_LEN 16
#define SRTPX_CM_SALT_LEN 14  /* AES-CM session and master salt */
#define SRTPX_GCM_SALT_LEN 12 /* RFC 7714 */
#define SRTPX_AUTH_KEY_LEN 20 /* HMAC-SHA1 session key */
#define SRTPX_CM_TAG_LEN 10   /* HMAC-SHA1-80 */
#define SRTPX_GCM_TAG_LEN 16
#define SRTPX_SRTCP_INDEX_LEN 4
#define SRTPX_SRTCP_E_BIT 0x80000000u
#define SRTPX_SRTCP_INDEX_MAX 0x7fffffffu
/* Replay window for SRTCP indices, in packets (as libsrtp's). */
#define SRTPX_RTCP_WINDOW 128
#define SRTPX_SHA1_BLOCK 64

/* RFC 3711 §4.3.1 key derivation labels. */
enum srtpx_label {
    SRTPX_LABEL_RTP_ENC = 0,
    SRTPX_LABEL_RTP_AUTH = 1,
    SRTPX_LABEL_RTP_SALT = 2,
    SRTPX_LABEL_RTCP_ENC = 3,
    SRTPX_LABEL_RTCP_AUTH = 4,
    SRTPX_LABEL_RTCP_SALT = 5,
};

/* Session keys of one direction for RTP or for RTCP, as ready OpenSSL
 * contexts: AES-128-CTR or AES-128-GCM keyed once (only the IV changes per
 * packet), and for AES-CM the HMAC-SHA1 pads with two SHA-1 contexts that
 * are reset per packet (no allocation, no fetch). */
struct srtpx_keys {
    bool gcm;
    bool encrypt; /* GCM: an encrypting (outbound) or decrypting context */
    EVP_CIPHER_CTX *cipher;
    EVP_MD_CTX *inner;
    EVP_MD_CTX *outer;
    uint8_t ipad[SRTPX_SHA1_BLOCK];
    uint8_t opad[SRTPX_SHA1_BLOCK];
    uint8_t salt[SRTPX_CM_SALT_LEN];
};

/* One SSRC's state in one direction. */
struct srtpx_stream {
    uint32_t ssrc;
    /* RTP: highest accepted index (ROC << 16 | SEQ) and the replay bitmap;
     * bit SRTPX_REPLAY_WINDOW - 1 is `index`, bit i is index - (W-1-i). */
    uint64_t index;
    uint64_t bits[SRTPX_REPLAY_WINDOW / 64];
    /* SRTCP: outbound, the last index sent; inbound, a window of
     * SRTPX_RTCP_WINDOW indices from rtcp_start (bit i is rtcp_start + i). */
    uint32_t rtcp_index;
    uint32_t rtcp_start;
    uint64_t rtcp_bits[SRTPX_RTCP_WINDOW / 64];
};

/* The SSRCs of one direction: a vector grown by doubling up to
 * SRTPX_MAX_SSRCS and an open-addressing index into it (never shrinks, no
 * deletion). Full means new SSRCs are refused. */
struct srtpx_dir {
    struct srtpx_keys rtp;
    struct srtpx_keys rtcp;
    struct srtpx_stream *streams;
    uint32_t *slots; /* stream number + 1, 0 = empty; 2 * cap entries */
    uint32_t n;
    uint32_t cap;
    uint32_t last; /* stream number + 1 of the last lookup, 0 = none */
    uint32_t seed; /* keys the SSRC hash */
    bool outbound;
};

struct srtpx {
    enum dtls_srtp_profile profile;
    size_t tag_len;
    size_t rtp_trailer;
    size_t rtcp_trailer;
    struct srtpx_dir rx;
    struct srtpx_dir tx;
    struct srtpx_stats stats;
};

/* srtp_kdf.c */
int srtpx_kdf(const uint8_t *master_key, const uint8_t *master_salt, size_t salt_len,
              enum srtpx_label label, uint8_t *out, size_t out_len);
int srtpx_keys_init(struct srtpx_keys *k, enum dtls_srtp_profile profile, const uint8_t *master_key,
                    const uint8_t *master_salt, size_t salt_len, bool rtcp, bool encrypt);
void srtpx_keys_free(struct srtpx_keys *k);
/* AES-CM: XORs the keystream for the 16-byte IV into p[0..n). */
int srtpx_ctr(struct srtpx_keys *k, const uint8_t iv[16], uint8_t *p, size_t n);
/* HMAC-SHA1 over a[0..an) || b[0..bn), first SRTPX_CM_TAG_LEN bytes to out. */
int srtpx_hmac80(struct srtpx_keys *k, const uint8_t *a, size_t an, const uint8_t *b, size_t bn,
                 uint8_t *out);
/* GCM seal: encrypts p[0..n) in place, writes the tag at p + n. */
int srtpx_gcm_seal(struct srtpx_keys *k, const uint8_t iv[12], const uint8_t *aad, size_t aad_len,
                   const uint8_t *aad2, size_t aad2_len, uint8_t *p, size_t n);
/* GCM open: decrypts p[0..n) in place and checks the tag at p + n;
 * ERR_DENIED on a bad tag (p's contents are then unspecified). */
int srtpx_gcm_open(struct srtpx_keys *k, const uint8_t iv[12], const uint8_t *aad, size_t aad_len,
                   const uint8_t *aad2, size_t aad2_len, uint8_t *p, size_t n);

/* srtp.c: the SSRC table and replay windows. */
/* The stream for ssrc, or NULL. */
struct srtpx_stream *srtpx_stream_find(struct srtpx_dir *d, uint32_t ssrc);
/* Adds a fresh stream; ERR_FULL at SRTPX_MAX_SSRCS, ERR_NOMEM. */
int srtpx_stream_add(struct srtpx_dir *d, uint32_t ssrc, struct srtpx_stream **out);
/* RFC 3711 appendix A as libsrtp does it: the index for seq and its
 * distance from the highest one. */
int32_t srtpx_rtp_estimate(const struct srtpx_stream *st, uint16_t seq, uint64_t *est);
/* 0, or ERR_DENIED with *old set for an index older than the window. */
int srtpx_rtp_check(const struct srtpx_stream *st, int32_t delta, bool *old);
void srtpx_rtp_accept(struct srtpx_stream *st, int32_t delta);
int srtpx_rtcp_check(const struct srtpx_stream *st, uint32_t index);
void srtpx_rtcp_accept(struct srtpx_stream *st, uint32_t index);

/* Big-endian access. */
static inline uint16_t srtpx_get16(const uint8_t *p)
{
    return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t srtpx_get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void srtpx_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

#endif
