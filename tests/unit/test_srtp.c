/* Tests for media/srtp: reference packets for both profiles (the RFC 3711
 * B.3 master key and libsrtp's validation vectors), and round trips with
 * keys from real DTLS handshakes (media/dtls, see dtls_harness.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "media/dtls.h"
#include "media/srtp.h"
#include "base/err.h"
#include "tests/unit/dtls_harness.h"

#define CANARY 0xEE

/* ---- reference packets ----
 *
 * AES_CM_128_HMAC_SHA1_80 with the master key and salt of RFC 3711
 * Appendix B.3 (whose derived session keys produce these packets), and
 * AEAD_AES_128_GCM, as in libsrtp's srtp_validate()/srtp_validate_gcm():
 * SSRC 0xcafebabe, sequence number 0x1234, payload 16 x 0xab; an RTCP
 * sender report with SRTCP index 1. */

/* clang-format off */
static const uint8_t cm_key[16] = {
    0xe1, 0xf9, 0x7a, 0x0d, 0x3e, 0x01, 0x8b, 0xe0,
    0xd6, 0x4f, 0xa3, 0x2c, 0x06, 0xde, 0x41, 0x39,
};
static const uint8_t cm_salt[14] = {
    0x0e, 0xc6, 0x75, 0xad, 0x49, 0x8a, 0xfe, 0xeb,
    0xb6, 0x96, 0x0b, 0x3a, 0xab, 0xe6,
};
static const uint8_t gcm_key[16] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
    0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
};
static const uint8_t gcm_salt[12] = {
    0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
    0xa8, 0xa9, 0xaa, 0xab,
};
static const uint8_t rtp_plain[28] = {
    0x80, 0x0f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad,
    0xca, 0xfe, 0xba, 0xbe, 0xab, 0xab, 0xab, 0xab,
    0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab,
    0xab, 0xab, 0xab, 0xab,
};
static const uint8_t rtcp_plain[24] = {
    0x81, 0xc8, 0x00, 0x0b, 0xca, 0xfe, 0xba, 0xbe,
    0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab,
    0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab,
};
static const uint8_t cm_srtp[38] = {
    0x80, 0x0f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad,
    0xca, 0xfe, 0xba, 0xbe, 0x4e, 0x55, 0xdc, 0x4c,
    0xe7, 0x99, 0x78, 0xd8, 0x8c, 0xa4, 0xd2, 0x15,
    0x94, 0x9d, 0x24, 0x02, 0xb7, 0x8d, 0x6a, 0xcc,
    0x99, 0xea, 0x17, 0x9b, 0x8d, 0xbb,
};
static const uint8_t cm_srtcp[38] = {
    0x81, 0xc8, 0x00, 0x0b, 0xca, 0xfe, 0xba, 0xbe,
    0x71, 0x28, 0x03, 0x5b, 0xe4, 0x87, 0xb9, 0xbd,
    0xbe, 0xf8, 0x90, 0x41, 0xf9, 0x77, 0xa5, 0xa8,
    0x80, 0x00, 0x00, 0x01, 0x99, 0x3e, 0x08, 0xcd,
    0x54, 0xd6, 0xc1, 0x23, 0x07, 0x98,
};
static const uint8_t gcm_srtp[44] = {
    0x80, 0x0f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad,
    0xca, 0xfe, 0xba, 0xbe, 0xc5, 0x00, 0x2e, 0xde,
    0x04, 0xcf, 0xdd, 0x2e, 0xb9, 0x11, 0x59, 0xe0,
    0x88, 0x0a, 0xa0, 0x6e, 0xd2, 0x97, 0x68, 0x26,
    0xf7, 0x96, 0xb2, 0x01, 0xdf, 0x31, 0x31, 0xa1,
    0x27, 0xe8, 0xa3, 0x92,
};
static const uint8_t gcm_srtcp[44] = {
    0x81, 0xc8, 0x00, 0x0b, 0xca, 0xfe, 0xba, 0xbe,
    0xc9, 0x8b, 0x8b, 0x5d, 0xf0, 0x39, 0x2a, 0x55,
    0x85, 0x2b, 0x6c, 0x21, 0xac, 0x8e, 0x70, 0x25,
    0xc5, 0x2c, 0x6f, 0xbe, 0xa2, 0xb3, 0xb4, 0x46,
    0xea, 0x31, 0x12, 0x3b, 0xa8, 0x8c, 0xe6, 0x1e,
    0x80, 0x00, 0x00, 0x01,
};
/* clang-format on */

/* Keys with local == remote, so one srtpx can check its own output. */
static void fixed_keys(struct dtls_srtp_keys *k, enum dtls_srtp_profile profile)
{
    bool gcm = profile == DTLS_SRTP_AEAD_AES_128_GCM;

    memset(k, 0, sizeof *k);
    k->profile = profile;
    k->key_len = 16;
    k->salt_len = gcm ? 12 : 14;
    memcpy(k->local_key, gcm ? gcm_key : cm_key, 16);
    memcpy(k->remote_key, gcm ? gcm_key : cm_key, 16);
    memcpy(k->local_salt, gcm ? gcm_salt : cm_salt, k->salt_len);
    memcpy(k->remote_salt, gcm ? gcm_salt : cm_salt, k->salt_len);
}

static void check_vector(enum dtls_srtp_profile profile, const uint8_t *srtp, size_t srtp_len,
                         const uint8_t *srtcp, size_t srtcp_len)
{
    struct dtls_srtp_keys k;
    struct srtpx *tx, *rx;
    struct srtpx_stats st;
    uint8_t buf[64];
    size_t len;

    fixed_keys(&k, profile);
    assert_int_equal(srtpx_create(&tx, &k), 0);
    assert_int_equal(srtpx_create(&rx, &k), 0);
    assert_int_equal(srtpx_profile(tx), profile);

    /* RTP: exactly the reference packet; nothing written past the tag. */
    memset(buf, CANARY, sizeof buf);
    memcpy(buf, rtp_plain, sizeof rtp_plain);
    len = sizeof rtp_plain;
    assert_int_equal(srtpx_protect_rtp(tx, buf, &len, srtp_len), 0);
    assert_int_equal(len, srtp_len);
    assert_int_equal(len - sizeof rtp_plain, srtpx_rtp_trailer(tx));
    assert_memory_equal(buf, srtp, srtp_len);
    for (size_t i = srtp_len; i < sizeof buf; i++)
        assert_int_equal(buf[i], CANARY);

    /* RTCP likewise (SRTCP index 1, E bit set). */
    memset(buf, CANARY, sizeof buf);
    memcpy(buf, rtcp_plain, sizeof rtcp_plain);
    len = sizeof rtcp_plain;
    assert_int_equal(srtpx_protect_rtcp(tx, buf, &len, srtcp_len), 0);
    assert_int_equal(len, srtcp_len);
    assert_int_equal(len - sizeof rtcp_plain, srtpx_rtcp_trailer(tx));
    assert_memory_equal(buf, srtcp, srtcp_len);
    for (size_t i = srtcp_len; i < sizeof buf; i++)
        assert_int_equal(buf[i], CANARY);

    /* And back. */
    memcpy(buf, srtp, srtp_len);
    len = srtp_len;
    assert_int_equal(srtpx_unprotect_rtp(rx, buf, &len), 0);
    assert_int_equal(len, sizeof rtp_plain);
    assert_memory_equal(buf, rtp_plain, len);
    memcpy(buf, srtcp, srtcp_len);
    len = srtcp_len;
    assert_int_equal(srtpx_unprotect_rtcp(rx, buf, &len), 0);
    assert_int_equal(len, sizeof rtcp_plain);
    assert_memory_equal(buf, rtcp_plain, len);

    srtpx_get_stats(tx, &st);
    assert_int_equal(st.rtp_protected, 1);
    assert_int_equal(st.rtcp_protected, 1);
    srtpx_get_stats(rx, &st);
    assert_int_equal(st.rtp_unprotected, 1);
    assert_int_equal(st.rtcp_unprotected, 1);
    srtpx_destroy(tx);
    srtpx_destroy(rx);
    dtls_srtp_keys_wipe(&k);
}

static void test_vector_aes_cm(void **state)
{
    (void)state;
    check_vector(DTLS_SRTP_AES128_CM_SHA1_80, cm_srtp, sizeof cm_srtp, cm_srtcp, sizeof cm_srtcp);
}

static void test_vector_gcm(void **state)
{
    (void)state;
    check_vector(DTLS_SRTP_AEAD_AES_128_GCM, gcm_srtp, sizeof gcm_srtp, gcm_srtcp,
                 sizeof gcm_srtcp);
}

/* ---- with keys from a DTLS handshake ---- */

struct pair {
    struct srtpx *srv; /* our side, DTLS server */
    struct srtpx *cli; /* the peer, DTLS client */
};

static void handshake_pair(struct pair *p, const char *server_profiles,
                           enum dtls_srtp_profile expect)
{
    struct dtls_cert *cs, *cc;
    char fps[DTLS_FINGERPRINT_MAX], fpc[DTLS_FINGERPRINT_MAX];
    struct dtls *ds, *dc;
    struct ep a, b;
    struct dtls_srtp_keys ks, kc;

    assert_int_equal(dtls_cert_create(&cs), 0);
    assert_int_equal(dtls_cert_create(&cc), 0);
    if (server_profiles != NULL)
        assert_int_equal(dtls_cert_set_profiles(cs, server_profiles), 0);
    assert_int_equal(dtls_cert_fingerprint(cs, fps), 0);
    assert_int_equal(dtls_cert_fingerprint(cc, fpc), 0);
    assert_int_equal(dtls_create(&ds, cs, DTLS_ROLE_SERVER, "sha-256", fpc), 0);
    assert_int_equal(dtls_create(&dc, cc, DTLS_ROLE_CLIENT, "sha-256", fps), 0);
    dtls_cert_destroy(cs); /* the associations keep what they need */
    dtls_cert_destroy(cc);
    ep_init(&a, ds);
    ep_init(&b, dc);
    assert_int_equal(dtls_start(ds, harness_now_us), 0);
    assert_int_equal(dtls_start(dc, harness_now_us), 0);
    harness_run(&a, &b, NULL, NULL, 5000000);
    assert_int_equal(a.connected + b.connected, 2);
    assert_int_equal(dtls_srtp_keys(ds, &ks), 0);
    assert_int_equal(dtls_srtp_keys(dc, &kc), 0);
    assert_int_equal(ks.profile, expect);
    assert_int_equal(srtpx_create(&p->srv, &ks), 0);
    assert_int_equal(srtpx_create(&p->cli, &kc), 0);
    dtls_srtp_keys_wipe(&ks);
    dtls_srtp_keys_wipe(&kc);
    dtls_destroy(ds);
    dtls_destroy(dc);
}

static void free_pair(struct pair *p)
{
    srtpx_destroy(p->srv);
    srtpx_destroy(p->cli);
}

/* RTP: V=2, PT 96, seq, timestamp, SSRC, then `payload` bytes. */
static size_t make_rtp(uint8_t *buf, uint16_t seq, uint32_t ssrc, size_t payload)
{
    buf[0] = 0x80;
    buf[1] = 96;
    buf[2] = (uint8_t)(seq >> 8);
    buf[3] = (uint8_t)seq;
    buf[4] = 0x00;
    buf[5] = 0x01;
    buf[6] = (uint8_t)(seq >> 8);
    buf[7] = (uint8_t)seq;
    buf[8] = (uint8_t)(ssrc >> 24);
    buf[9] = (uint8_t)(ssrc >> 16);
    buf[10] = (uint8_t)(ssrc >> 8);
    buf[11] = (uint8_t)ssrc;
    for (size_t i = 0; i < payload; i++)
        buf[12 + i] = (uint8_t)(i * 7 + seq);
    return 12 + payload;
}

/* RTCP receiver report with one report block (32 bytes). */
static size_t make_rtcp(uint8_t *buf, uint32_t ssrc)
{
    memset(buf, 0, 32);
    buf[0] = 0x81;
    buf[1] = 201;
    buf[3] = 7;
    buf[4] = (uint8_t)(ssrc >> 24);
    buf[5] = (uint8_t)(ssrc >> 16);
    buf[6] = (uint8_t)(ssrc >> 8);
    buf[7] = (uint8_t)ssrc;
    for (size_t i = 8; i < 32; i++)
        buf[i] = (uint8_t)i;
    return 32;
}

static void round_trips(struct pair *p)
{
    uint8_t buf[1500], ref[1500];
    struct srtpx *dirs[2][2] = {{p->srv, p->cli}, {p->cli, p->srv}};

    for (int d = 0; d < 2; d++) {
        struct srtpx *tx = dirs[d][0], *rx = dirs[d][1];

        for (uint16_t seq = 1000; seq < 1050; seq++) {
            size_t payload = (size_t)(seq - 1000) * 24; /* 0 .. 1176 */
            size_t len = make_rtp(buf, seq, 0x11223344u + (uint32_t)d, payload), plain = len;

            memcpy(ref, buf, len);
            assert_int_equal(srtpx_protect_rtp(tx, buf, &len, sizeof buf), 0);
            assert_int_equal(len, plain + srtpx_rtp_trailer(tx));
            if (payload > 0)
                assert_memory_not_equal(buf + 12, ref + 12, payload);
            assert_int_equal(srtpx_unprotect_rtp(rx, buf, &len), 0);
            assert_int_equal(len, plain);
            assert_memory_equal(buf, ref, plain);
        }
        for (int i = 0; i < 5; i++) {
            size_t len = make_rtcp(buf, 0xabcdef00u + (uint32_t)d), plain = len;

            memcpy(ref, buf, len);
            assert_int_equal(srtpx_protect_rtcp(tx, buf, &len, sizeof buf), 0);
            assert_int_equal(len, plain + srtpx_rtcp_trailer(tx));
            assert_int_equal(srtpx_unprotect_rtcp(rx, buf, &len), 0);
            assert_int_equal(len, plain);
            assert_memory_equal(buf, ref, plain);
        }
    }
}

static void test_round_trip_gcm_from_dtls(void **state)
{
    struct pair p;

    (void)state;
    handshake_pair(&p, NULL, DTLS_SRTP_AEAD_AES_128_GCM);
    assert_int_equal(srtpx_rtp_trailer(p.srv), 16);
    assert_int_equal(srtpx_rtcp_trailer(p.srv), 20);
    round_trips(&p);
    free_pair(&p);
}

static void test_round_trip_aes_cm_from_dtls(void **state)
{
    struct pair p;

    (void)state;
    handshake_pair(&p, "SRTP_AES128_CM_SHA1_80", DTLS_SRTP_AES128_CM_SHA1_80);
    assert_int_equal(srtpx_rtp_trailer(p.srv), 10);
    assert_int_equal(srtpx_rtcp_trailer(p.srv), 14);
    round_trips(&p);
    free_pair(&p);
}

/* A packet protected by one side does not authenticate with its own
 * inbound (remote) key: the two directions have different keys. */
static void test_directions_differ(void **state)
{
    struct pair p;
    uint8_t buf[200];
    size_t len;

    (void)state;
    handshake_pair(&p, NULL, DTLS_SRTP_AEAD_AES_128_GCM);
    len = make_rtp(buf, 1, 42, 100);
    assert_int_equal(srtpx_protect_rtp(p.srv, buf, &len, sizeof buf), 0);
    assert_int_equal(srtpx_unprotect_rtp(p.srv, buf, &len), ERR_DENIED);
    free_pair(&p);
}

static void check_tamper_and_replay(const char *profiles, enum dtls_srtp_profile profile)
{
    struct pair p;
    struct srtpx_stats st;
    uint8_t buf[300], good[300];
    size_t len, good_len;

    handshake_pair(&p, profiles, profile);

    /* tampered tag, then tampered payload: denied, counted; the untouched
     * packet is still accepted afterwards */
    len = make_rtp(buf, 7, 0x01020304, 160);
    assert_int_equal(srtpx_protect_rtp(p.srv, buf, &len, sizeof buf), 0);
    memcpy(good, buf, len);
    good_len = len;
    buf[len - 1] ^= 0x80;
    assert_int_equal(srtpx_unprotect_rtp(p.cli, buf, &len), ERR_DENIED);
    memcpy(buf, good, good_len);
    len = good_len;
    buf[20] ^= 0x01;
    assert_int_equal(srtpx_unprotect_rtp(p.cli, buf, &len), ERR_DENIED);
    srtpx_get_stats(p.cli, &st);
    assert_int_equal(st.auth_failures, 2);
    assert_int_equal(st.replay_failures, 0);

    memcpy(buf, good, good_len);
    len = good_len;
    assert_int_equal(srtpx_unprotect_rtp(p.cli, buf, &len), 0);

    /* the same packet again: a replay */
    memcpy(buf, good, good_len);
    len = good_len;
    assert_int_equal(srtpx_unprotect_rtp(p.cli, buf, &len), ERR_DENIED);
    srtpx_get_stats(p.cli, &st);
    assert_int_equal(st.replay_failures, 1);
    assert_int_equal(st.rtp_unprotected, 1);

    /* RTCP: tampered and replayed */
    len = make_rtcp(buf, 0x01020304);
    assert_int_equal(srtpx_protect_rtcp(p.srv, buf, &len, sizeof buf), 0);
    memcpy(good, buf, len);
    good_len = len;
    buf[10] ^= 0x01;
    assert_int_equal(srtpx_unprotect_rtcp(p.cli, buf, &len), ERR_DENIED);
    memcpy(buf, good, good_len);
    len = good_len;
    assert_int_equal(srtpx_unprotect_rtcp(p.cli, buf, &len), 0);
    memcpy(buf, good, good_len);
    len = good_len;
    assert_int_equal(srtpx_unprotect_rtcp(p.cli, buf, &len), ERR_DENIED);
    srtpx_get_stats(p.cli, &st);
    assert_int_equal(st.auth_failures, 3);
    assert_int_equal(st.replay_failures, 2);
    free_pair(&p);
}

static void test_tamper_and_replay_gcm(void **state)
{
    (void)state;
    check_tamper_and_replay(NULL, DTLS_SRTP_AEAD_AES_128_GCM);
}

static void test_tamper_and_replay_aes_cm(void **state)
{
    (void)state;
    check_tamper_and_replay("SRTP_AES128_CM_SHA1_80", DTLS_SRTP_AES128_CM_SHA1_80);
}

/* The replay window: packets up to SRTPX_REPLAY_WINDOW behind the newest
 * are accepted once, older ones are refused. */
static void test_replay_window(void **state)
{
    struct pair p;
    struct srtpx_stats st;
    uint8_t buf[100];
    size_t len;
    uint16_t late_ok = 2000 - SRTPX_REPLAY_WINDOW + 10;
    uint16_t too_old = 2000 - SRTPX_REPLAY_WINDOW - 10;
    uint8_t pkt_ok[100], pkt_old[100];
    size_t len_ok, len_old;

    (void)state;
    handshake_pair(&p, NULL, DTLS_SRTP_AEAD_AES_128_GCM);
    len = make_rtp(buf, 1, 9, 20);
    assert_int_equal(srtpx_protect_rtp(p.srv, buf, &len, sizeof buf), 0);
    assert_int_equal(srtpx_unprotect_rtp(p.cli, buf, &len), 0);
    /* protected in order, delivered late */
    len_old = make_rtp(pkt_old, too_old, 9, 20);
    assert_int_equal(srtpx_protect_rtp(p.srv, pkt_old, &len_old, sizeof pkt_old), 0);
    len_ok = make_rtp(pkt_ok, late_ok, 9, 20);
    assert_int_equal(srtpx_protect_rtp(p.srv, pkt_ok, &len_ok, sizeof pkt_ok), 0);
    len = make_rtp(buf, 2000, 9, 20);
    assert_int_equal(srtpx_protect_rtp(p.srv, buf, &len, sizeof buf), 0);
    assert_int_equal(srtpx_unprotect_rtp(p.cli, buf, &len), 0);
    assert_int_equal(srtpx_unprotect_rtp(p.cli, pkt_ok, &len_ok), 0);
    assert_int_equal(srtpx_unprotect_rtp(p.cli, pkt_old, &len_old), ERR_DENIED);
    srtpx_get_stats(p.cli, &st);
    assert_int_equal(st.replay_failures, 1);
    free_pair(&p);
}

/* An SFU answering a NACK without RTX sends the same packet again: the
 * outbound session allows it, and it is byte-identical. */
static void test_repeat_tx_allowed(void **state)
{
    struct pair p;
    uint8_t a[300], b[300];
    size_t la, lb;

    (void)state;
    handshake_pair(&p, NULL, DTLS_SRTP_AEAD_AES_128_GCM);
    la = make_rtp(a, 500, 77, 200);
    lb = make_rtp(b, 500, 77, 200);
    assert_int_equal(srtpx_protect_rtp(p.srv, a, &la, sizeof a), 0);
    for (uint16_t s = 501; s < 520; s++) { /* later packets in between */
        uint8_t c[300];
        size_t lc = make_rtp(c, s, 77, 200);

        assert_int_equal(srtpx_protect_rtp(p.srv, c, &lc, sizeof c), 0);
    }
    assert_int_equal(srtpx_protect_rtp(p.srv, b, &lb, sizeof b), 0);
    assert_int_equal(la, lb);
    assert_memory_equal(a, b, la);
    /* the receiver takes one copy and refuses the duplicate */
    assert_int_equal(srtpx_unprotect_rtp(p.cli, a, &la), 0);
    assert_int_equal(srtpx_unprotect_rtp(p.cli, b, &lb), ERR_DENIED);
    free_pair(&p);
}

static void test_bounds(void **state)
{
    struct dtls_srtp_keys k;
    struct srtpx *s;
    uint8_t buf[64], before[64];
    size_t len;

    (void)state;
    fixed_keys(&k, DTLS_SRTP_AEAD_AES_128_GCM);
    assert_int_equal(srtpx_create(&s, &k), 0);

    /* no room for the tag: refused, buffer untouched */
    memset(buf, CANARY, sizeof buf);
    memcpy(buf, rtp_plain, sizeof rtp_plain);
    memcpy(before, buf, sizeof buf);
    len = sizeof rtp_plain;
    assert_int_equal(srtpx_protect_rtp(s, buf, &len, sizeof rtp_plain + 15), ERR_TOOBIG);
    assert_int_equal(len, sizeof rtp_plain);
    assert_memory_equal(buf, before, sizeof buf);
    assert_int_equal(srtpx_protect_rtp(s, buf, &len, 10), ERR_TOOBIG);
    len = sizeof rtcp_plain;
    assert_int_equal(srtpx_protect_rtcp(s, buf, &len, sizeof rtcp_plain + 19), ERR_TOOBIG);

    /* too short to be RTP/RTCP */
    len = 11;
    assert_int_equal(srtpx_protect_rtp(s, buf, &len, sizeof buf), ERR_PARSE);
    assert_int_equal(srtpx_unprotect_rtp(s, buf, &len), ERR_PARSE);
    len = 7;
    assert_int_equal(srtpx_protect_rtcp(s, buf, &len, sizeof buf), ERR_PARSE);
    assert_int_equal(srtpx_unprotect_rtcp(s, buf, &len), ERR_PARSE);
    /* header only, no room for a tag to check */
    len = 12;
    memcpy(buf, rtp_plain, 12);
    assert_int_not_equal(srtpx_unprotect_rtp(s, buf, &len), 0);

    assert_int_equal(srtpx_protect_rtp(NULL, buf, &len, sizeof buf), ERR_INVAL);
    assert_int_equal(srtpx_unprotect_rtp(s, NULL, &len), ERR_INVAL);
    assert_int_equal(srtpx_unprotect_rtcp(s, buf, NULL), ERR_INVAL);
    srtpx_destroy(s);
    srtpx_destroy(NULL);

    /* keys that do not fit the profile */
    k.salt_len = 14;
    assert_int_equal(srtpx_create(&s, &k), ERR_INVAL);
    assert_null(s);
    k.profile = DTLS_SRTP_NONE;
    assert_int_equal(srtpx_create(&s, &k), ERR_INVAL);
    fixed_keys(&k, DTLS_SRTP_AES128_CM_SHA1_80);
    k.key_len = 32;
    assert_int_equal(srtpx_create(&s, &k), ERR_INVAL);
    assert_int_equal(srtpx_create(&s, NULL), ERR_INVAL);
    assert_int_equal(srtpx_init(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vector_aes_cm),
        cmocka_unit_test(test_vector_gcm),
        cmocka_unit_test(test_round_trip_gcm_from_dtls),
        cmocka_unit_test(test_round_trip_aes_cm_from_dtls),
        cmocka_unit_test(test_directions_differ),
        cmocka_unit_test(test_tamper_and_replay_gcm),
        cmocka_unit_test(test_tamper_and_replay_aes_cm),
        cmocka_unit_test(test_replay_window),
        cmocka_unit_test(test_repeat_tx_allowed),
        cmocka_unit_test(test_bounds),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
