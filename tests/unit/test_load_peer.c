/* Tests for tests/load/load_peer.c: the generator's peer connection against
 * a server side made of the same cores (media/stun, media/dtls,
 * media/srtp), with no sockets: ICE checks as the controlling agent, the
 * DTLS client handshake, SRTP both ways, the server's consent checks
 * answered, hostile and failing input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/err.h"
#include "media/stun.h"
#include "tests/load/load_peer.h"

#define SRV_PWD "ServerIcePasswordLong24x"
#define T0 1000000000LL

static struct dtls_cert *cli_cert, *srv_cert;
static char cli_fp[DTLS_FINGERPRINT_MAX], srv_fp[DTLS_FINGERPRINT_MAX];

static int setup(void **state)
{
    (void)state;
    if (srtpx_init() != 0 || dtls_cert_create(&cli_cert) != 0 || dtls_cert_create(&srv_cert) != 0)
        return -1;
    dtls_cert_fingerprint(cli_cert, cli_fp);
    dtls_cert_fingerprint(srv_cert, srv_fp);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    dtls_cert_destroy(cli_cert);
    dtls_cert_destroy(srv_cert);
    return 0;
}

static void remote_of_server(struct lg_remote *r)
{
    memset(r, 0, sizeof *r);
    snprintf(r->ufrag, sizeof r->ufrag, "srvU");
    snprintf(r->pwd, sizeof r->pwd, "%s", SRV_PWD);
    snprintf(r->fp_alg, sizeof r->fp_alg, "sha-256");
    memcpy(r->fp, srv_fp, sizeof r->fp);
    r->addr.sin_family = AF_INET;
    r->addr.sin_port = htons(5000);
    r->addr.sin_addr.s_addr = htonl(0x7f000001);
}

/* Takes the peer's queued datagram k. */
static const struct lg_dgram *tx(const struct lg_peer *p, size_t k)
{
    assert_true(k < p->n_tx);
    return &p->tx[k];
}

/* The server's answer to the check in d, signed with its password. */
static size_t answer_check(const struct lg_dgram *d, uint8_t *out, size_t cap)
{
    struct stun_msg m;
    assert_int_equal(stun_parse(&m, d->data, d->len), 0);
    struct stun_binding_success rsp = {.mapped = {.family = STUN_FAMILY_IPV4, .port = 9},
                                       .key = (const uint8_t *)SRV_PWD,
                                       .key_len = strlen(SRV_PWD)};
    memcpy(rsp.tid, m.tid, sizeof rsp.tid);
    size_t n;
    assert_int_equal(stun_build_binding_success(out, cap, &rsp, &n), 0);
    return n;
}

static void checks_are_controlling_and_signed(void **state)
{
    (void)state;
    struct lg_peer p;
    struct lg_remote r;
    remote_of_server(&r);
    assert_int_equal(lg_peer_init(&p), 0);
    assert_int_equal(strlen(p.ufrag), LG_UFRAG_LEN);
    assert_int_equal(strlen(p.pwd), LG_PWD_LEN);
    assert_int_equal(lg_peer_start(&p, &r, cli_cert, T0), 0);
    assert_int_equal(p.n_tx, 1);
    struct stun_msg m;
    assert_int_equal(stun_parse(&m, tx(&p, 0)->data, tx(&p, 0)->len), 0);
    assert_int_equal(m.cls, STUN_CLASS_REQUEST);
    assert_int_equal(stun_check_fingerprint(&m), 0);
    assert_int_equal(stun_check_integrity(&m, (const uint8_t *)SRV_PWD, strlen(SRV_PWD)), 0);
    assert_true(m.has & STUN_HAS_USE_CANDIDATE);
    assert_true(m.has & STUN_HAS_ICE_CONTROLLING);
    assert_true(m.ice_controlling == UINT64_MAX); /* a full-ICE offerer yields to us */
    assert_true(m.has & STUN_HAS_PRIORITY);
    char user[64];
    snprintf(user, sizeof user, "srvU:%s", p.ufrag);
    assert_int_equal(m.username.len, strlen(user));
    assert_memory_equal(m.username.p, user, strlen(user));
    p.n_tx = 0;

    /* Retried until answered; failed after LG_ICE_TIMEOUT_US. */
    lg_peer_timer(&p, T0 + LG_CHECK_INTERVAL_US);
    assert_int_equal(p.n_tx, 1);
    assert_true(lg_peer_deadline(&p) <= T0 + 2 * LG_CHECK_INTERVAL_US);
    lg_peer_timer(&p, T0 + LG_ICE_TIMEOUT_US + 1);
    assert_int_equal(p.state, LG_PEER_FAILED);
    assert_non_null(p.fail_reason);
    lg_peer_close(&p);
}

static void forged_answer_ignored(void **state)
{
    (void)state;
    struct lg_peer p;
    struct lg_remote r;
    remote_of_server(&r);
    lg_peer_init(&p);
    lg_peer_start(&p, &r, cli_cert, T0);
    /* Signed with the wrong password, then a wrong transaction id. */
    struct stun_msg m;
    assert_int_equal(stun_parse(&m, tx(&p, 0)->data, tx(&p, 0)->len), 0);
    uint8_t out[256];
    size_t n;
    struct stun_binding_success rsp = {.key = (const uint8_t *)"wrongpasswordwrongpass",
                                       .key_len = 22,
                                       .mapped = {.family = STUN_FAMILY_IPV4}};
    memcpy(rsp.tid, m.tid, sizeof rsp.tid);
    assert_int_equal(stun_build_binding_success(out, sizeof out, &rsp, &n), 0);
    assert_int_equal(lg_peer_input(&p, T0, out, &n), LG_IN_NONE);
    assert_int_equal(p.state, LG_PEER_CHECKING);
    n = answer_check(tx(&p, 0), out, sizeof out);
    out[8] ^= 1; /* tid */
    assert_int_equal(lg_peer_input(&p, T0, out, &n), LG_IN_NONE);
    assert_int_equal(p.state, LG_PEER_CHECKING);
    /* Garbage of every kind is dropped. */
    uint8_t junk[40] = {0x80, 0x60};
    n = sizeof junk;
    assert_int_equal(lg_peer_input(&p, T0, junk, &n), LG_IN_NONE);
    lg_peer_close(&p);
}

/* Shuttles DTLS between the peer and the server until both are done. */
static void handshake(struct lg_peer *p, struct dtls *srv, int64_t now)
{
    for (int round = 0; round < 20 && (p->state != LG_PEER_CONNECTED ||
                                       dtls_get_state(srv) != DTLS_STATE_CONNECTED);
         round++) {
        for (size_t k = 0; k < p->n_tx; k++)
            if (dtls_is_dtls(p->tx[k].data, p->tx[k].len))
                dtls_input(srv, now, p->tx[k].data, p->tx[k].len);
        p->n_tx = 0;
        struct dtls_output o;
        while (dtls_poll(srv, &o)) {
            if (o.kind != DTLS_OUT_TRANSMIT)
                continue;
            uint8_t b[DTLS_DATAGRAM_MAX];
            size_t n = o.len;
            memcpy(b, o.data, n);
            lg_peer_input(p, now, b, &n);
        }
    }
}

static void connects_and_carries_srtp(void **state)
{
    (void)state;
    struct lg_peer p;
    struct lg_remote r;
    remote_of_server(&r);
    lg_peer_init(&p);
    lg_peer_start(&p, &r, cli_cert, T0);
    uint8_t out[256];
    size_t n = answer_check(tx(&p, 0), out, sizeof out);
    p.n_tx = 0;
    assert_int_equal(lg_peer_input(&p, T0, out, &n), LG_IN_NONE);
    assert_int_equal(p.state, LG_PEER_DTLS);
    assert_true(p.n_tx >= 1); /* the ClientHello */

    struct dtls *srv;
    assert_int_equal(dtls_create(&srv, srv_cert, DTLS_ROLE_SERVER, "sha-256", cli_fp), 0);
    handshake(&p, srv, T0);
    assert_int_equal(p.state, LG_PEER_CONNECTED);
    assert_int_equal(p.connected_us, T0);
    struct dtls_srtp_keys k;
    assert_int_equal(dtls_srtp_keys(srv, &k), 0);
    assert_int_equal(k.profile, DTLS_SRTP_AEAD_AES_128_GCM); /* GCM first */
    struct srtpx *ss;
    assert_int_equal(srtpx_create(&ss, &k), 0);
    dtls_srtp_keys_wipe(&k);

    /* Ours to the server. */
    uint8_t pkt[200] = {0x80, 111, 0, 1, 0, 0, 0, 1, 0, 0, 0, 42, 0xAA, 0xBB};
    p.n_tx = 0;
    assert_int_equal(lg_peer_send_rtp(&p, pkt, 14, sizeof pkt), 0);
    assert_int_equal(p.n_tx, 1);
    uint8_t b[256];
    size_t bl = tx(&p, 0)->len;
    memcpy(b, tx(&p, 0)->data, bl);
    assert_int_equal(srtpx_unprotect_rtp(ss, b, &bl), 0);
    assert_int_equal(bl, 14);
    assert_int_equal(b[13], 0xBB);

    /* The server's to ours; then a forged one. */
    uint8_t s2[200] = {0x80, 111, 0, 5, 0, 0, 0, 1, 0, 0, 0, 43, 0x11, 0x22};
    size_t sl = 14;
    assert_int_equal(srtpx_protect_rtp(ss, s2, &sl, sizeof s2), 0);
    uint8_t s3[200];
    memcpy(s3, s2, sl);
    size_t sl3 = sl;
    assert_int_equal(lg_peer_input(&p, T0, s2, &sl), LG_IN_RTP);
    assert_int_equal(sl, 14);
    assert_int_equal(s2[13], 0x22);
    s3[sl3 - 1] ^= 1;
    s3[3] = 6;
    assert_int_equal(lg_peer_input(&p, T0, s3, &sl3), LG_IN_AUTH_FAIL);

    /* The server's consent check is answered with our password. */
    struct stun_binding_request req = {.username = "x:srvU",
                                       .controlling = false,
                                       .key = (const uint8_t *)p.pwd,
                                       .key_len = strlen(p.pwd)};
    memset(req.tid, 7, sizeof req.tid);
    assert_int_equal(stun_build_binding_request(out, sizeof out, &req, &n), 0);
    p.n_tx = 0;
    assert_int_equal(lg_peer_input(&p, T0, out, &n), LG_IN_NONE);
    assert_int_equal(p.n_tx, 1);
    struct stun_msg m;
    assert_int_equal(stun_parse(&m, tx(&p, 0)->data, tx(&p, 0)->len), 0);
    assert_int_equal(m.cls, STUN_CLASS_SUCCESS);
    assert_int_equal(stun_check_integrity(&m, (const uint8_t *)p.pwd, strlen(p.pwd)), 0);

    /* Consent checks go on every LG_CONSENT_INTERVAL_US. */
    p.n_tx = 0;
    lg_peer_timer(&p, T0 + LG_CONSENT_INTERVAL_US);
    assert_true(p.n_tx >= 1);
    assert_true(stun_is_stun(tx(&p, p.n_tx - 1)->data, tx(&p, p.n_tx - 1)->len));

    srtpx_destroy(ss);
    dtls_destroy(srv);
    lg_peer_close(&p);
}

/* The server answered our actpass with a=setup:active (Janus): it sends
 * the ClientHello, we serve, and the keys agree. */
static void serves_dtls_when_answered_active(void **state)
{
    (void)state;
    struct lg_peer p;
    struct lg_remote r;
    remote_of_server(&r);
    r.dtls_server = true;
    lg_peer_init(&p);
    lg_peer_start(&p, &r, cli_cert, T0);
    uint8_t out[256];
    size_t n = answer_check(tx(&p, 0), out, sizeof out);
    p.n_tx = 0;
    assert_int_equal(lg_peer_input(&p, T0, out, &n), LG_IN_NONE);
    assert_int_equal(p.state, LG_PEER_DTLS);
    for (size_t k = 0; k < p.n_tx; k++) /* no ClientHello of ours */
        assert_false(dtls_is_dtls(p.tx[k].data, p.tx[k].len));

    struct dtls *cli;
    assert_int_equal(dtls_create(&cli, srv_cert, DTLS_ROLE_CLIENT, "sha-256", cli_fp), 0);
    assert_int_equal(dtls_start(cli, T0), 0);
    handshake(&p, cli, T0);
    assert_int_equal(p.state, LG_PEER_CONNECTED);
    assert_int_equal(dtls_get_state(cli), DTLS_STATE_CONNECTED);

    /* SRTP from the server's side reaches us. */
    struct dtls_srtp_keys k;
    struct srtpx *ss;
    assert_int_equal(dtls_srtp_keys(cli, &k), 0);
    assert_int_equal(srtpx_create(&ss, &k), 0);
    dtls_srtp_keys_wipe(&k);
    uint8_t pkt[200] = {0x80, 111, 0, 5, 0, 0, 0, 1, 0, 0, 0, 43, 0x11, 0x22};
    size_t len = 14;
    assert_int_equal(srtpx_protect_rtp(ss, pkt, &len, sizeof pkt), 0);
    assert_int_equal(lg_peer_input(&p, T0, pkt, &len), LG_IN_RTP);
    assert_int_equal(len, 14);
    srtpx_destroy(ss);
    dtls_destroy(cli);
    lg_peer_close(&p);
}

static void wrong_fingerprint_fails(void **state)
{
    (void)state;
    struct lg_peer p;
    struct lg_remote r;
    remote_of_server(&r);
    memcpy(r.fp, cli_fp, sizeof r.fp); /* not the server's certificate */
    lg_peer_init(&p);
    lg_peer_start(&p, &r, cli_cert, T0);
    uint8_t out[256];
    size_t n = answer_check(tx(&p, 0), out, sizeof out);
    p.n_tx = 0;
    lg_peer_input(&p, T0, out, &n);
    struct dtls *srv;
    assert_int_equal(dtls_create(&srv, srv_cert, DTLS_ROLE_SERVER, "sha-256", cli_fp), 0);
    handshake(&p, srv, T0);
    assert_int_equal(p.state, LG_PEER_FAILED);
    uint8_t pkt[64] = {0x80, 111};
    assert_int_equal(lg_peer_send_rtp(&p, pkt, 12, sizeof pkt), ERR_PROTO);
    dtls_destroy(srv);
    lg_peer_close(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(checks_are_controlling_and_signed),
        cmocka_unit_test(forged_answer_ignored),
        cmocka_unit_test(connects_and_carries_srtp),
        cmocka_unit_test(serves_dtls_when_answered_active),
        cmocka_unit_test(wrong_fingerprint_fails),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
