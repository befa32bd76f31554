/* media/srtp against libsrtp2 (tests/unit/srtp_oracle.h) for both
 * profiles: the same ciphertext for the same input, each side unprotecting
 * what the other protected, the same accept/reject on a random walk of
 * sequence numbers (ROC rollover, jumps, late packets, replays), tampered
 * and truncated packets refused, the SSRC cap; the RFC 3711 B.2/B.3
 * vectors for the AES-CM keystream and key derivation, and RFC 7714
 * §16.1.1 for the GCM packet path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "media/srtp.h"
#include "media/srtp_int.h"
#include "tests/unit/srtp_oracle.h"

#define BUF 1600

static uint64_t rng_state;

static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

static uint32_t rnd(uint32_t n)
{
    return (uint32_t)(rng() % n);
}

static void rnd_bytes(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)rng();
}

/* Random keys, local == remote so one srtpx checks against both oracle
 * sessions. */
static void random_keys(struct dtls_srtp_keys *k, enum dtls_srtp_profile profile)
{
    memset(k, 0, sizeof *k);
    k->profile = profile;
    k->key_len = 16;
    k->salt_len = profile == DTLS_SRTP_AEAD_AES_128_GCM ? 12 : 14;
    rnd_bytes(k->local_key, 16);
    rnd_bytes(k->local_salt, k->salt_len);
    memcpy(k->remote_key, k->local_key, 16);
    memcpy(k->remote_salt, k->local_salt, k->salt_len);
}

struct both {
    struct srtpx *ours;
    struct srtp_oracle lib;
};

static void both_create(struct both *b, enum dtls_srtp_profile profile, uint64_t seed)
{
    struct dtls_srtp_keys k;

    rng_state = seed;
    random_keys(&k, profile);
    assert_int_equal(srtpx_create(&b->ours, &k), 0);
    assert_int_equal(srtp_oracle_create(&b->lib, &k), 0);
}

static void both_destroy(struct both *b)
{
    srtpx_destroy(b->ours);
    srtp_oracle_destroy(&b->lib);
}

/* An RTP packet with random CSRCs, extension, marker, payload type and
 * payload (max_payload bytes at most). */
static size_t random_rtp(uint8_t *buf, uint16_t seq, uint32_t ssrc, size_t max_payload)
{
    size_t cc = rnd(4), ext = rnd(3) == 0 ? 0 : 1 + rnd(4), n, payload;

    buf[0] = (uint8_t)(0x80 | (ext ? 0x10 : 0) | cc);
    buf[1] = (uint8_t)rnd(256);
    buf[2] = (uint8_t)(seq >> 8);
    buf[3] = (uint8_t)seq;
    rnd_bytes(buf + 4, 4);
    srtpx_put32(buf + 8, ssrc);
    n = 12;
    rnd_bytes(buf + n, 4 * cc);
    n += 4 * cc;
    if (ext) {
        buf[n] = 0xbe;
        buf[n + 1] = 0xde;
        buf[n + 2] = 0;
        buf[n + 3] = (uint8_t)(ext - 1);
        rnd_bytes(buf + n + 4, 4 * (ext - 1));
        n += 4 * ext;
    }
    payload = rnd(8) == 0 ? 0 : rnd((uint32_t)max_payload + 1);
    rnd_bytes(buf + n, payload);
    return n + payload;
}

static size_t random_rtcp(uint8_t *buf, uint32_t ssrc)
{
    size_t words = rnd(60);

    buf[0] = (uint8_t)(0x80 | rnd(32));
    buf[1] = (uint8_t)(200 + rnd(7));
    buf[2] = (uint8_t)((words + 1) >> 8);
    buf[3] = (uint8_t)(words + 1);
    srtpx_put32(buf + 4, ssrc);
    rnd_bytes(buf + 8, 4 * words);
    return 8 + 4 * words;
}

/* ---- RFC 3711 vectors ---- */

static const uint8_t b3_key[16] = {0xe1, 0xf9, 0x7a, 0x0d, 0x3e, 0x01, 0x8b, 0xe0,
                                   0xd6, 0x4f, 0xa3, 0x2c, 0x06, 0xde, 0x41, 0x39};
static const uint8_t b3_salt[14] = {0x0e, 0xc6, 0x75, 0xad, 0x49, 0x8a, 0xfe,
                                    0xeb, 0xb6, 0x96, 0x0b, 0x3a, 0xab, 0xe6};

static void test_rfc3711_b3_kdf(void **state)
{
    static const uint8_t enc[16] = {0xc6, 0x1e, 0x7a, 0x93, 0x74, 0x4f, 0x39, 0xee,
                                    0x10, 0x73, 0x4a, 0xfe, 0x3f, 0xf7, 0xa0, 0x87};
    static const uint8_t salt[14] = {0x30, 0xcb, 0xbc, 0x08, 0x86, 0x3d, 0x8c,
                                     0x85, 0xd4, 0x9d, 0xb3, 0x4a, 0x9a, 0xe1};
    static const uint8_t auth[20] = {0xce, 0xbe, 0x32, 0x1f, 0x6f, 0xf7, 0x71, 0x6b, 0x6f, 0xd4,
                                     0xab, 0x49, 0xaf, 0x25, 0x6a, 0x15, 0x6d, 0x38, 0xba, 0xa4};
    uint8_t out[20];

    (void)state;
    assert_int_equal(srtpx_kdf(b3_key, b3_salt, 14, SRTPX_LABEL_RTP_ENC, out, 16), 0);
    assert_memory_equal(out, enc, 16);
    assert_int_equal(srtpx_kdf(b3_key, b3_salt, 14, SRTPX_LABEL_RTP_SALT, out, 14), 0);
    assert_memory_equal(out, salt, 14);
    assert_int_equal(srtpx_kdf(b3_key, b3_salt, 14, SRTPX_LABEL_RTP_AUTH, out, 20), 0);
    assert_memory_equal(out, auth, 20);
    assert_int_equal(srtpx_kdf(b3_key, b3_salt, 15, SRTPX_LABEL_RTP_ENC, out, 16), ERR_INVAL);
}

static void test_rfc3711_b2_keystream(void **state)
{
    static const uint8_t key[16] = {0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
                                    0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c};
    static const uint8_t iv[16] = {0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7,
                                   0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0x00, 0x00};
    static const uint8_t ks[48] = {
        0xe0, 0x3e, 0xad, 0x09, 0x35, 0xc9, 0x5e, 0x80, 0xe1, 0x66, 0xb1, 0x6d,
        0xd9, 0x2b, 0x4e, 0xb4, 0xd2, 0x35, 0x13, 0x16, 0x2b, 0x02, 0xd0, 0xf7,
        0x2a, 0x43, 0xa2, 0xfe, 0x4a, 0x5f, 0x97, 0xab, 0x41, 0xe9, 0x5b, 0x3b,
        0xb0, 0xa2, 0xe8, 0xdd, 0x47, 0x79, 0x01, 0xe4, 0xfc, 0xa8, 0x94, 0xc0,
    };
    struct srtpx_keys k;
    uint8_t out[48] = {0};

    (void)state;
    assert_int_equal(srtpx_init(), 0);
    memset(&k, 0, sizeof k);
    k.cipher = EVP_CIPHER_CTX_new();
    assert_non_null(k.cipher);
    assert_int_equal(EVP_EncryptInit_ex2(k.cipher, EVP_aes_128_ctr(), key, NULL, NULL), 1);
    assert_int_equal(srtpx_ctr(&k, iv, out, sizeof out), 0);
    assert_memory_equal(out, ks, sizeof ks);
    srtpx_keys_free(&k);
}

/* Replaces one direction's RTP session keys with given ones. */
static void set_session_keys(struct srtpx_keys *k, bool encrypt, const uint8_t *key,
                             const uint8_t *salt)
{
    srtpx_keys_free(k);
    k->gcm = true;
    k->encrypt = encrypt;
    memcpy(k->salt, salt, 12);
    k->cipher = EVP_CIPHER_CTX_new();
    assert_non_null(k->cipher);
    assert_int_equal(EVP_CipherInit_ex2(k->cipher, EVP_aes_128_gcm(), key, NULL, encrypt, NULL), 1);
}

/* RFC 7714 §16.1.1 (session key and salt given directly): the whole
 * protect path, IV from SSRC 5501a0b2 / ROC 0 / SEQ f17b, and back. */
static void test_rfc7714_16_1_1(void **state)
{
    static const uint8_t key[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    static const uint8_t salt[12] = {0x51, 0x75, 0x69, 0x64, 0x20, 0x70,
                                     0x72, 0x6f, 0x20, 0x71, 0x75, 0x6f};
    static const uint8_t plain[50] = {
        0x80, 0x40, 0xf1, 0x7b, 0x80, 0x41, 0xf8, 0xd3, 0x55, 0x01, 0xa0, 0xb2, 0x47,
        0x61, 0x6c, 0x6c, 0x69, 0x61, 0x20, 0x65, 0x73, 0x74, 0x20, 0x6f, 0x6d, 0x6e,
        0x69, 0x73, 0x20, 0x64, 0x69, 0x76, 0x69, 0x73, 0x61, 0x20, 0x69, 0x6e, 0x20,
        0x70, 0x61, 0x72, 0x74, 0x65, 0x73, 0x20, 0x74, 0x72, 0x65, 0x73,
    };
    static const uint8_t srtp[66] = {
        0x80, 0x40, 0xf1, 0x7b, 0x80, 0x41, 0xf8, 0xd3, 0x55, 0x01, 0xa0, 0xb2, 0xf2, 0x4d,
        0xe3, 0xa3, 0xfb, 0x34, 0xde, 0x6c, 0xac, 0xba, 0x86, 0x1c, 0x9d, 0x7e, 0x4b, 0xca,
        0xbe, 0x63, 0x3b, 0xd5, 0x0d, 0x29, 0x4e, 0x6f, 0x42, 0xa5, 0xf4, 0x7a, 0x51, 0xc7,
        0xd1, 0x9b, 0x36, 0xde, 0x3a, 0xdf, 0x88, 0x33, 0x89, 0x9d, 0x7f, 0x27, 0xbe, 0xb1,
        0x6a, 0x91, 0x52, 0xcf, 0x76, 0x5e, 0xe4, 0x39, 0x0c, 0xce,
    };
    struct dtls_srtp_keys k;
    struct srtpx *s;
    uint8_t buf[80];
    size_t len = sizeof plain;

    (void)state;
    rng_state = 3;
    random_keys(&k, DTLS_SRTP_AEAD_AES_128_GCM);
    assert_int_equal(srtpx_create(&s, &k), 0);
    set_session_keys(&s->tx.rtp, true, key, salt);
    set_session_keys(&s->rx.rtp, false, key, salt);
    memcpy(buf, plain, sizeof plain);
    assert_int_equal(srtpx_protect_rtp(s, buf, &len, sizeof buf), 0);
    assert_int_equal(len, sizeof srtp);
    assert_memory_equal(buf, srtp, sizeof srtp);
    assert_int_equal(srtpx_unprotect_rtp(s, buf, &len), 0);
    assert_int_equal(len, sizeof plain);
    assert_memory_equal(buf, plain, sizeof plain);
    srtpx_destroy(s);
}

/* ---- ours against libsrtp2 ---- */

struct pending {
    uint8_t a[BUF], b[BUF]; /* protected by ours, by libsrtp */
    size_t la, lb;
    uint8_t plain[BUF];
    size_t lp;
};

/* Delivers a batch in a shuffled order: libsrtp unprotects ours, ours
 * unprotects libsrtp's; both must give back the plaintext. */
static void deliver(struct both *b, struct pending *q, size_t n, bool rtcp)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = rnd((uint32_t)i);
        struct pending t = q[i - 1];

        q[i - 1] = q[j];
        q[j] = t;
    }
    for (size_t i = 0; i < n; i++) {
        int rc = rtcp ? srtpx_unprotect_rtcp(b->ours, q[i].b, &q[i].lb)
                      : srtpx_unprotect_rtp(b->ours, q[i].b, &q[i].lb);

        assert_int_equal(rc, 0);
        assert_int_equal(srtp_oracle_call(b->lib.rx, false, rtcp, q[i].a, &q[i].la), 0);
        assert_int_equal(q[i].la, q[i].lp);
        assert_int_equal(q[i].lb, q[i].lp);
        assert_memory_equal(q[i].a, q[i].plain, q[i].lp);
        assert_memory_equal(q[i].b, q[i].plain, q[i].lp);
    }
}

static struct pending batch[8];

static void both_ways(enum dtls_srtp_profile profile, uint64_t seed)
{
    static const uint32_t ssrcs[3] = {0x11111111u, 0xcafebabeu, 0x7u};
    uint16_t seq[3] = {65500, 1, 30000};
    struct both b;
    size_t nb = 0;

    both_create(&b, profile, seed);
    for (int i = 0; i < 1500; i++) {
        struct pending *p = &batch[nb++];
        int s = (int)rnd(3);

        p->lp = random_rtp(p->plain, seq[s]++, ssrcs[s], 1400);
        memcpy(p->a, p->plain, p->lp);
        memcpy(p->b, p->plain, p->lp);
        p->la = p->lb = p->lp;
        assert_int_equal(srtpx_protect_rtp(b.ours, p->a, &p->la, BUF), 0);
        assert_int_equal(srtp_oracle_call(b.lib.tx, true, false, p->b, &p->lb), 0);
        assert_int_equal(p->la, p->lb);
        assert_memory_equal(p->a, p->b, p->la);
        if (nb == 8) {
            deliver(&b, batch, nb, false);
            nb = 0;
        }
    }
    deliver(&b, batch, nb, false);
    nb = 0;
    /* SRTCP: indices from 1 per SSRC, same bytes */
    for (int i = 0; i < 300; i++) {
        struct pending *p = &batch[nb++];

        p->lp = random_rtcp(p->plain, ssrcs[rnd(3)]);
        memcpy(p->a, p->plain, p->lp);
        memcpy(p->b, p->plain, p->lp);
        p->la = p->lb = p->lp;
        assert_int_equal(srtpx_protect_rtcp(b.ours, p->a, &p->la, BUF), 0);
        assert_int_equal(srtp_oracle_call(b.lib.tx, true, true, p->b, &p->lb), 0);
        assert_int_equal(p->la, p->lb);
        assert_memory_equal(p->a, p->b, p->la);
        if (nb == 8) {
            deliver(&b, batch, nb, true);
            nb = 0;
        }
    }
    deliver(&b, batch, nb, true);
    both_destroy(&b);
}

static void test_both_ways_gcm(void **state)
{
    (void)state;
    both_ways(DTLS_SRTP_AEAD_AES_128_GCM, 0x1234567);
}

static void test_both_ways_aes_cm(void **state)
{
    (void)state;
    both_ways(DTLS_SRTP_AES128_CM_SHA1_80, 0x7654321);
}

/* A random walk of sequence numbers (small steps back and forth, jumps,
 * rollovers) with replays of earlier packets: ours and libsrtp agree on
 * every accept/reject, on both the sending and the receiving side. */
static void random_walk(enum dtls_srtp_profile profile, uint64_t seed)
{
    static uint8_t ring[64][BUF];
    static size_t ring_len[64];
    uint8_t a[BUF], b[BUF], plain[BUF];
    size_t la, lb, lp, nring = 0;
    uint64_t head = 65000;
    uint16_t seq;
    int accepted = 0, refused = 0;
    struct both bo;

    both_create(&bo, profile, seed);
    for (int i = 0; i < 4000; i++) {
        uint32_t r = rnd(100);
        int ra, rb;

        /* head: the sender's newest sequence number */
        if (r < 70)
            head += 1 + rnd(3);
        else if (r < 95)
            head += rnd(1200);
        else if (r < 97)
            head += 20000 + rnd(12000); /* a jump forward */
        seq = (uint16_t)head;
        if (r >= 70 && r < 90)
            seq = (uint16_t)(head - rnd(1200)); /* a late or repeated one */
        else if (r >= 97)
            seq = (uint16_t)(head + 32768 + rnd(32768)); /* looks behind */
        lp = random_rtp(plain, seq, 0x42, 200);
        memcpy(a, plain, lp);
        memcpy(b, plain, lp);
        la = lb = lp;
        ra = srtpx_protect_rtp(bo.ours, a, &la, BUF);
        rb = srtp_oracle_call(bo.lib.tx, true, false, b, &lb);
        assert_int_equal(ra == 0, rb == 0);
        if (ra != 0)
            continue;
        assert_memory_equal(a, b, la);
        memcpy(ring[nring % 64], a, la);
        ring_len[nring % 64] = la;
        nring++;
        if (rnd(4) == 0) { /* deliver an earlier packet (maybe again) instead */
            size_t j = rnd(nring < 64 ? (uint32_t)nring : 64);

            memcpy(a, ring[j], ring_len[j]);
            memcpy(b, ring[j], ring_len[j]);
            la = lb = ring_len[j];
        }
        ra = srtpx_unprotect_rtp(bo.ours, a, &la);
        rb = srtp_oracle_call(bo.lib.rx, false, false, b, &lb);
        assert_int_equal(ra == 0, rb == 0);
        if (ra == 0) {
            assert_int_equal(la, lb);
            assert_memory_equal(a, b, la);
            accepted++;
        } else {
            assert_int_equal(ra, ERR_DENIED);
            refused++;
        }
    }
    /* the walk exercised both outcomes */
    assert_true(accepted > 500);
    assert_true(refused > 100);
    both_destroy(&bo);
}

static void test_random_walk_gcm(void **state)
{
    (void)state;
    random_walk(DTLS_SRTP_AEAD_AES_128_GCM, 99);
}

static void test_random_walk_aes_cm(void **state)
{
    (void)state;
    random_walk(DTLS_SRTP_AES128_CM_SHA1_80, 98);
}

/* Every single-bit change of a protected packet is refused by both, and
 * the untouched packet is still accepted afterwards (nothing was learnt
 * from the forgeries). */
static void tamper(enum dtls_srtp_profile profile, bool rtcp)
{
    uint8_t good[300], buf[300];
    size_t len, good_len;
    struct both b;

    both_create(&b, profile, 5);
    good_len = rtcp ? random_rtcp(good, 0x99) : random_rtp(good, 77, 0x99, 60);
    assert_int_equal(rtcp ? srtpx_protect_rtcp(b.ours, good, &good_len, sizeof good)
                          : srtpx_protect_rtp(b.ours, good, &good_len, sizeof good),
                     0);
    for (size_t bit = 0; bit < 8 * good_len; bit++) {
        memcpy(buf, good, good_len);
        buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        len = good_len;
        assert_int_not_equal(rtcp ? srtpx_unprotect_rtcp(b.ours, buf, &len)
                                  : srtpx_unprotect_rtp(b.ours, buf, &len),
                             0);
        memcpy(buf, good, good_len);
        buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        len = good_len;
        assert_int_not_equal(srtp_oracle_call(b.lib.rx, false, rtcp, buf, &len), 0);
    }
    memcpy(buf, good, good_len);
    len = good_len;
    assert_int_equal(
        rtcp ? srtpx_unprotect_rtcp(b.ours, buf, &len) : srtpx_unprotect_rtp(b.ours, buf, &len), 0);
    both_destroy(&b);
}

static void test_tamper(void **state)
{
    (void)state;
    tamper(DTLS_SRTP_AEAD_AES_128_GCM, false);
    tamper(DTLS_SRTP_AEAD_AES_128_GCM, true);
    tamper(DTLS_SRTP_AES128_CM_SHA1_80, false);
    tamper(DTLS_SRTP_AES128_CM_SHA1_80, true);
}

/* Every prefix of a protected packet, in a buffer of exactly that size
 * (AddressSanitizer sees any read past it), is refused. */
static void truncated(enum dtls_srtp_profile profile, bool rtcp)
{
    uint8_t good[300];
    size_t good_len;
    struct both b;

    both_create(&b, profile, 6);
    good_len = rtcp ? random_rtcp(good, 0x98) : random_rtp(good, 78, 0x98, 200);
    assert_int_equal(rtcp ? srtpx_protect_rtcp(b.ours, good, &good_len, sizeof good)
                          : srtpx_protect_rtp(b.ours, good, &good_len, sizeof good),
                     0);
    for (size_t n = 0; n < good_len; n++) {
        uint8_t *p = malloc(n > 0 ? n : 1);
        size_t len = n;

        assert_non_null(p);
        memcpy(p, good, n);
        assert_int_not_equal(
            rtcp ? srtpx_unprotect_rtcp(b.ours, p, &len) : srtpx_unprotect_rtp(b.ours, p, &len), 0);
        assert_int_equal(len, n);
        free(p);
    }
    both_destroy(&b);
}

static void test_truncated(void **state)
{
    (void)state;
    truncated(DTLS_SRTP_AEAD_AES_128_GCM, false);
    truncated(DTLS_SRTP_AEAD_AES_128_GCM, true);
    truncated(DTLS_SRTP_AES128_CM_SHA1_80, false);
    truncated(DTLS_SRTP_AES128_CM_SHA1_80, true);
}

/* A header extension whose length runs past the packet: refused both ways. */
static void test_bad_extension(void **state)
{
    uint8_t buf[100] = {0x90, 0x60, 0x00, 0x01, 0, 0, 0, 1, 0, 0, 0, 5, 0xbe, 0xde, 0x00, 0x40};
    size_t len = 40;
    struct both b;

    (void)state;
    both_create(&b, DTLS_SRTP_AES128_CM_SHA1_80, 7);
    assert_int_equal(srtpx_protect_rtp(b.ours, buf, &len, sizeof buf), ERR_PARSE);
    assert_int_equal(len, 40);
    assert_int_equal(srtpx_unprotect_rtp(b.ours, buf, &len), ERR_PARSE);
    buf[0] = 0x8f; /* 15 CSRCs in 40 bytes */
    assert_int_equal(srtpx_unprotect_rtp(b.ours, buf, &len), ERR_PARSE);
    both_destroy(&b);
}

/* SSRCs per direction are capped: the next new one is refused, the known
 * ones keep working. */
static void test_ssrc_cap(void **state)
{
    uint8_t buf[100], copy[100];
    size_t len, clen;
    struct srtpx_stats st;
    struct both b;

    (void)state;
    both_create(&b, DTLS_SRTP_AEAD_AES_128_GCM, 8);
    for (uint32_t s = 0; s < SRTPX_MAX_SSRCS; s++) {
        len = random_rtp(buf, 1, 1000 + s, 20);
        assert_int_equal(srtpx_protect_rtp(b.ours, buf, &len, sizeof buf), 0);
        assert_int_equal(srtpx_unprotect_rtp(b.ours, buf, &len), 0);
    }
    len = random_rtp(buf, 1, 5, 20);
    memcpy(copy, buf, len);
    clen = len;
    assert_int_equal(srtpx_protect_rtp(b.ours, buf, &len, sizeof buf), ERR_FULL);
    /* protected by libsrtp instead: ours refuses the new inbound SSRC */
    assert_int_equal(srtp_oracle_call(b.lib.tx, true, false, copy, &clen), 0);
    assert_int_equal(srtpx_unprotect_rtp(b.ours, copy, &clen), ERR_FULL);
    len = random_rtp(buf, 2, 1000 + 77, 20);
    assert_int_equal(srtpx_protect_rtp(b.ours, buf, &len, sizeof buf), 0);
    assert_int_equal(srtpx_unprotect_rtp(b.ours, buf, &len), 0);
    srtpx_get_stats(b.ours, &st);
    assert_int_equal(st.protect_failures, 1);
    assert_int_equal(st.other_failures, 1);
    both_destroy(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc3711_b3_kdf),     cmocka_unit_test(test_rfc3711_b2_keystream),
        cmocka_unit_test(test_rfc7714_16_1_1),     cmocka_unit_test(test_both_ways_gcm),
        cmocka_unit_test(test_both_ways_aes_cm),   cmocka_unit_test(test_random_walk_gcm),
        cmocka_unit_test(test_random_walk_aes_cm), cmocka_unit_test(test_tamper),
        cmocka_unit_test(test_truncated),          cmocka_unit_test(test_bad_extension),
        cmocka_unit_test(test_ssrc_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
