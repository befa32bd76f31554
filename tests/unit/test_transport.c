/* media/transport: ICE-lite + DTLS + SRTP glue against a simulated browser
 * (STUN checks, a DTLS client and SRTP sessions of its own), no sockets.
 *
 * With SAMTALE_SEED_DIR set, seeds for tests/fuzz/fuzz_transport.c are also
 * written there (in its record format; its credentials are these):
 *   SAMTALE_SEED_DIR=tests/fuzz/corpus/transport build/debug/tests/test_transport */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "media/dtls.h"
#include "media/srtp.h"
#include "media/stun.h"
#include "media/transport.h"
#include "base/err.h"
#include "tests/unit/seed_dump.h"

#define OUTBOX_MAX 64
#define PKT_MAX 2048
#define CLOSED_MAX 32
#define LOG_MAX 256

#define SERVER_UFRAG "srvU"
#define SERVER_PWD "serverpassword0123456789abc"
#define BROWSER_UFRAG "brwU"

struct datagram {
    uint8_t data[PKT_MAX];
    size_t len;
    struct stun_addr to;
    enum ice_proto proto;
    uint64_t tcp_conn;
};

struct sim {
    struct dtls_cert *server_cert, *browser_cert;
    struct transport *t;
    struct dtls *browser_dtls;
    struct srtpx *browser_srtp;
    struct stun_addr browser_addr;
    enum ice_proto browser_proto;       /* the browser's DTLS goes over this, */
    uint64_t browser_conn;              /* on this ICE-TCP connection */
    struct datagram outbox[OUTBOX_MAX]; /* what the transport sent */
    size_t outbox_len;
    bool no_drain; /* to_transport()/check_on() leave the outputs queued */
    int64_t now;
    unsigned tid_counter;
    bool connected, failed, path_changed;
    const char *reason;
    struct {
        uint64_t conn;
        enum transport_tcp_close why;
    } closed[CLOSED_MAX]; /* ICE-TCP connections the transport asked to close */
    size_t n_closed;
    struct transport_output log[LOG_MAX]; /* every output, in order (views not kept) */
    size_t n_log;
};

/* Takes every output of the transport, in order: datagrams into the
 * outbox (copied: their bytes live until the next call), close requests
 * into closed[], events into the flags. */
static void drain(struct sim *s)
{
    struct transport_output o;
    while (transport_poll(s->t, &o)) {
        if (s->n_log < LOG_MAX)
            s->log[s->n_log++] = o;
        if (o.kind == TRANSPORT_OUT_DATAGRAM) {
            assert_non_null(o.datagram.buf);
            assert_true(o.datagram.len > 0 && o.datagram.len <= PKT_MAX);
            if (s->outbox_len == OUTBOX_MAX)
                continue;
            struct datagram *d = &s->outbox[s->outbox_len++];
            memcpy(d->data, o.datagram.buf, o.datagram.len);
            d->len = o.datagram.len;
            d->to = o.datagram.to.addr;
            d->proto = o.datagram.to.proto;
            d->tcp_conn = o.datagram.to.tcp_conn;
        } else if (o.kind == TRANSPORT_OUT_CLOSE_TCP) {
            assert_true(s->n_closed < CLOSED_MAX);
            s->closed[s->n_closed].conn = o.close_tcp.conn;
            s->closed[s->n_closed].why = o.close_tcp.why;
            s->n_closed++;
        } else {
            assert_int_equal(o.kind, TRANSPORT_OUT_EVENT);
            if (o.event.type == TRANSPORT_EVENT_CONNECTED)
                s->connected = true;
            else if (o.event.type == TRANSPORT_EVENT_FAILED) {
                s->failed = true;
                s->reason = o.event.reason;
            } else if (o.event.type == TRANSPORT_EVENT_PATH)
                s->path_changed = true;
        }
    }
}

static void addr_v4(struct stun_addr *a, uint8_t last, uint16_t port)
{
    memset(a, 0, sizeof *a);
    a->family = STUN_FAMILY_IPV4;
    a->port = port;
    a->ip[0] = 127;
    a->ip[3] = last;
}

static void to_transport(struct sim *s, uint8_t *buf, size_t len, const struct stun_addr *from)
{
    size_t n = len;
    transport_input(s->t, s->now, buf, &n, from, s->browser_proto, s->browser_conn);
    if (!s->no_drain)
        drain(s);
}

/* The browser checks the server's candidate from `from` (over TCP
 * connection `conn`, if not 0), with the right password or not. */
static void check_on(struct sim *s, const struct stun_addr *from, uint64_t conn, bool nominate,
                     const char *pwd)
{
    uint8_t buf[PKT_MAX];
    size_t len;
    struct stun_binding_request req = {
        .username = SERVER_UFRAG ":" BROWSER_UFRAG,
        .priority = 1000,
        .controlling = true,
        .tie_breaker = 42,
        .use_candidate = nominate,
        .key = (const uint8_t *)pwd,
        .key_len = strlen(pwd),
    };
    req.tid[0] = (uint8_t)++s->tid_counter;
    assert_int_equal(stun_build_binding_request(buf, sizeof buf, &req, &len), 0);
    size_t n = len;
    transport_input(s->t, s->now, buf, &n, from, conn ? ICE_PROTO_TCP : ICE_PROTO_UDP, conn);
    if (!s->no_drain)
        drain(s);
}

static void check(struct sim *s, const struct stun_addr *from, bool nominate)
{
    check_on(s, from, 0, nominate, SERVER_PWD);
}

/* The DTLS datagrams in the outbox, to the browser, in order; the outbox
 * is emptied. True if there were any. */
static bool to_browser(struct sim *s)
{
    bool moved = false;
    for (size_t i = 0; i < s->outbox_len; i++) {
        struct datagram *d = &s->outbox[i];
        if (d->data[0] >= 20 && d->data[0] <= 63) {
            dtls_input(s->browser_dtls, s->now, d->data, d->len);
            moved = true;
        }
    }
    s->outbox_len = 0;
    return moved;
}

/* What the browser's DTLS has to send, to the transport; the browser's
 * SRTP when its handshake completes. True if it sent anything. */
static bool from_browser(struct sim *s)
{
    bool moved = false;
    struct dtls_output o;
    while (dtls_poll(s->browser_dtls, &o)) {
        if (o.kind == DTLS_OUT_TRANSMIT) {
            uint8_t copy[PKT_MAX];
            memcpy(copy, o.data, o.len);
            to_transport(s, copy, o.len, &s->browser_addr);
            moved = true;
        } else if (o.kind == DTLS_OUT_EVENT && o.event == DTLS_EVENT_CONNECTED) {
            struct dtls_srtp_keys keys;
            assert_int_equal(dtls_srtp_keys(s->browser_dtls, &keys), 0);
            assert_int_equal(srtpx_create(&s->browser_srtp, &keys), 0);
            dtls_srtp_keys_wipe(&keys);
        }
    }
    return moved;
}

/* Delivers DTLS sent by the transport to the browser, and the browser's
 * answers back, until both are quiet. */
static void shuttle(struct sim *s)
{
    for (int round = 0; round < 20; round++) {
        bool moved = to_browser(s);
        if (!from_browser(s) && !moved)
            return;
    }
}

static int setup_with_fp(void **state, bool wrong_fp)
{
    static struct sim sim;
    struct sim *s = &sim;
    memset(s, 0, sizeof *s);
    s->now = 1000000;
    char server_fp[DTLS_FINGERPRINT_MAX], browser_fp[DTLS_FINGERPRINT_MAX];
    assert_int_equal(dtls_cert_create(&s->server_cert), 0);
    assert_int_equal(dtls_cert_create(&s->browser_cert), 0);
    assert_int_equal(dtls_cert_fingerprint(s->server_cert, server_fp), 0);
    assert_int_equal(dtls_cert_fingerprint(s->browser_cert, browser_fp), 0);
    if (wrong_fp)
        browser_fp[0] = browser_fp[0] == 'A' ? 'B' : 'A';
    struct transport_cfg cfg = {
        .local_ufrag = SERVER_UFRAG,
        .local_pwd = SERVER_PWD,
        .remote_ufrag = BROWSER_UFRAG,
        .cert = s->server_cert,
        .role = DTLS_ROLE_SERVER,
        .remote_fp_alg = "sha-256",
        .remote_fp = browser_fp,
        .now_us = s->now,
    };
    assert_int_equal(transport_create(&s->t, &cfg), 0);
    assert_int_equal(
        dtls_create(&s->browser_dtls, s->browser_cert, DTLS_ROLE_CLIENT, "sha-256", server_fp), 0);
    addr_v4(&s->browser_addr, 1, 50000);
    *state = s;
    return 0;
}

static int setup(void **state)
{
    return setup_with_fp(state, false);
}

static int setup_wrong_fp(void **state)
{
    return setup_with_fp(state, true);
}

static int teardown(void **state)
{
    struct sim *s = *state;
    transport_destroy(s->t);
    dtls_destroy(s->browser_dtls);
    srtpx_destroy(s->browser_srtp);
    dtls_cert_destroy(s->server_cert);
    dtls_cert_destroy(s->browser_cert);
    return 0;
}

static void connect_all(struct sim *s)
{
    check_on(s, &s->browser_addr, s->browser_conn, true, SERVER_PWD);
    assert_true(s->outbox_len >= 1); /* the STUN success response, on the check's path */
    assert_true(s->outbox[0].data[0] <= 3);
    assert_true(stun_addr_equal(&s->outbox[0].to, &s->browser_addr));
    assert_int_equal(s->outbox[0].proto, s->browser_proto);
    assert_int_equal(s->outbox[0].tcp_conn, s->browser_conn);
    s->outbox_len = 0;
    assert_int_equal(dtls_start(s->browser_dtls, s->now), 0);
    shuttle(s);
    assert_true(s->connected);
    assert_non_null(s->browser_srtp);
}

/* An RTP packet: version 2, PT 96, seq, ts, SSRC, payload. */
static size_t make_rtp(uint8_t *buf, uint16_t seq, uint32_t ssrc, size_t payload)
{
    memset(buf, 0, 12 + payload);
    buf[0] = 0x80;
    buf[1] = 96;
    buf[2] = (uint8_t)(seq >> 8);
    buf[3] = (uint8_t)seq;
    buf[7] = 160;
    buf[8] = (uint8_t)(ssrc >> 24);
    buf[9] = (uint8_t)(ssrc >> 16);
    buf[10] = (uint8_t)(ssrc >> 8);
    buf[11] = (uint8_t)ssrc;
    for (size_t i = 0; i < payload; i++)
        buf[12 + i] = (uint8_t)(i * 7);
    return 12 + payload;
}

static void media_flows_both_ways(void **state)
{
    struct sim *s = *state;
    connect_all(s);

    uint8_t plain[PKT_MAX], buf[PKT_MAX];
    size_t plen = make_rtp(plain, 1, 0x11223344, 200);
    memcpy(buf, plain, plen);
    size_t len = plen;
    assert_int_equal(srtpx_protect_rtp(s->browser_srtp, buf, &len, sizeof buf), 0);
    size_t n = len;
    assert_int_equal(transport_input(s->t, s->now, buf, &n, &s->browser_addr, ICE_PROTO_UDP, 0),
                     TRANSPORT_RX_RTP);
    assert_int_equal(n, plen);
    assert_memory_equal(buf, plain, plen);

    /* and back: the transport protects, the browser decrypts */
    plen = make_rtp(plain, 7, 0x55667788, 300);
    memcpy(buf, plain, plen);
    len = plen;
    struct transport_dest to;
    assert_int_equal(transport_protect_rtp(s->t, buf, &len, sizeof buf, &to), 0);
    assert_true(stun_addr_equal(&to.addr, &s->browser_addr));
    assert_int_equal(srtpx_unprotect_rtp(s->browser_srtp, buf, &len), 0);
    assert_int_equal(len, plen);
    assert_memory_equal(buf, plain, plen);

    /* RTCP (a PLI) both ways */
    uint8_t pli[PKT_MAX] = {0x81, 206, 0, 2, 0, 0, 0, 1, 0x55, 0x66, 0x77, 0x88};
    len = 12;
    assert_int_equal(srtpx_protect_rtcp(s->browser_srtp, pli, &len, sizeof pli), 0);
    n = len;
    assert_int_equal(transport_input(s->t, s->now, pli, &n, &s->browser_addr, ICE_PROTO_UDP, 0),
                     TRANSPORT_RX_RTCP);
    assert_int_equal(n, 12);
    len = n;
    assert_int_equal(transport_protect_rtcp(s->t, pli, &len, sizeof pli, &to), 0);
    assert_int_equal(srtpx_unprotect_rtcp(s->browser_srtp, pli, &len), 0);
    assert_int_equal(len, 12);
    assert_int_equal(s->outbox_len, 0); /* media is the caller's to send */
}

/* transport_protect_rtp: protected in place, the selected pair as the
 * destination, nothing queued by the transport itself; refused before a connection and
 * without room for the trailer. */
static void protect_in_place_for_the_caller(void **state)
{
    struct sim *s = *state;
    uint8_t plain[PKT_MAX], buf[PKT_MAX];
    struct transport_dest to;
    struct transport_stats st;
    size_t plen = make_rtp(plain, 9, 0x55667788, 400), len = plen;

    memcpy(buf, plain, plen);
    assert_int_equal(transport_protect_rtp(s->t, buf, &len, sizeof buf, &to), ERR_AGAIN);
    assert_memory_equal(buf, plain, plen); /* untouched */
    connect_all(s);
    s->outbox_len = 0;
    assert_int_equal(transport_protect_rtp(s->t, buf, &len, plen + 4, &to), ERR_TOOBIG);
    memcpy(buf, plain, plen);
    len = plen;
    assert_int_equal(transport_protect_rtp(s->t, buf, &len, sizeof buf, &to), 0);
    assert_int_equal(s->outbox_len, 0); /* the caller sends it */
    assert_true(len > plen);
    assert_int_equal(to.proto, ICE_PROTO_UDP);
    assert_true(stun_addr_equal(&to.addr, &s->browser_addr));
    transport_get_stats(s->t, &st);
    assert_int_equal(st.rtp_out, 1);
    assert_int_equal(srtpx_unprotect_rtp(s->browser_srtp, buf, &len), 0);
    assert_int_equal(len, plen);
    assert_memory_equal(buf, plain, plen);
}

static void unknown_sources_and_garbage_are_dropped(void **state)
{
    struct sim *s = *state;
    connect_all(s);
    struct stun_addr stranger;
    addr_v4(&stranger, 9, 40000);

    uint8_t buf[PKT_MAX];
    size_t len = make_rtp(buf, 2, 0x11223344, 100);
    assert_int_equal(srtpx_protect_rtp(s->browser_srtp, buf, &len, sizeof buf), 0);
    size_t n = len;
    /* valid SRTP, but from an address that never passed a check */
    assert_int_equal(transport_input(s->t, s->now, buf, &n, &stranger, ICE_PROTO_UDP, 0),
                     TRANSPORT_RX_DROP_UNKNOWN_SOURCE);
    /* a DTLS-looking record from the stranger */
    uint8_t rec[32] = {22, 0xfe, 0xfd};
    n = sizeof rec;
    assert_int_equal(transport_input(s->t, s->now, rec, &n, &stranger, ICE_PROTO_UDP, 0),
                     TRANSPORT_RX_DROP_UNKNOWN_SOURCE);
    /* garbage from the real peer: first bytes outside every RFC 7983 range */
    for (unsigned first = 64; first < 128; first += 7) {
        uint8_t junk[40];
        memset(junk, 0xa5, sizeof junk);
        junk[0] = (uint8_t)first;
        n = sizeof junk;
        assert_int_equal(
            transport_input(s->t, s->now, junk, &n, &s->browser_addr, ICE_PROTO_UDP, 0),
            TRANSPORT_RX_DROP_GARBAGE);
    }
    /* a STUN check with the wrong password from the stranger opens nothing */
    struct stun_binding_request req = {
        .username = SERVER_UFRAG ":" BROWSER_UFRAG,
        .controlling = true,
        .use_candidate = true,
        .key = (const uint8_t *)"notthepasswordatall12345",
        .key_len = 24,
    };
    assert_int_equal(stun_build_binding_request(buf, sizeof buf, &req, &len), 0);
    n = len;
    transport_input(s->t, s->now, buf, &n, &stranger, ICE_PROTO_UDP, 0);
    assert_false(transport_owns_source(s->t, &stranger, ICE_PROTO_UDP));

    struct transport_stats st;
    transport_get_stats(s->t, &st);
    assert_int_equal(st.dropped_unknown_source, 2);
    assert_int_equal(st.dropped_garbage, 10);
    assert_false(s->failed);
}

static void srtp_before_keys_is_dropped(void **state)
{
    struct sim *s = *state;
    check(s, &s->browser_addr, true); /* a valid path, but no DTLS yet */
    uint8_t buf[PKT_MAX];
    size_t n = make_rtp(buf, 1, 0x11223344, 100);
    assert_int_equal(transport_input(s->t, s->now, buf, &n, &s->browser_addr, ICE_PROTO_UDP, 0),
                     TRANSPORT_RX_DROP_NOT_READY);
    struct transport_stats st;
    transport_get_stats(s->t, &st);
    assert_int_equal(st.dropped_not_ready, 1);
    assert_int_equal(st.dropped_unknown_source + st.dropped_garbage + st.srtp_auth_failures, 0);
}

static void bad_srtp_tags_are_counted(void **state)
{
    struct sim *s = *state;
    connect_all(s);
    for (uint16_t seq = 10; seq < 20; seq++) {
        uint8_t buf[PKT_MAX];
        size_t len = make_rtp(buf, seq, 0x11223344, 100);
        assert_int_equal(srtpx_protect_rtp(s->browser_srtp, buf, &len, sizeof buf), 0);
        buf[len - 1] ^= 0x01;
        size_t n = len;
        assert_int_equal(transport_input(s->t, s->now, buf, &n, &s->browser_addr, ICE_PROTO_UDP, 0),
                         TRANSPORT_RX_DROP_SRTP);
    }
    struct transport_stats st;
    transport_get_stats(s->t, &st);
    assert_int_equal(st.srtp_auth_failures, 10);
    assert_true(transport_is_connected(s->t));
}

/* Forged DTLS from the browser's own (checked) address after the
 * handshake: a record too short for the AEAD (once fatal), plaintext
 * alerts, garbage records, a replayed ClientHello. None fails the
 * transport, none makes it send anything, each is counted, and media keeps
 * flowing. */
static void forged_dtls_from_the_peer_is_dropped(void **state)
{
    struct sim *s = *state;
    connect_all(s);
    static const struct {
        uint8_t b[16];
        size_t n;
    } forged[] = {
        {{0x15, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 0x40, 0, 1, 0x99}, 14},  /* alert, epoch 1 */
        {{0x15, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0x09, 0, 2, 2, 40}, 15}, /* fatal, plaintext */
        {{0x15, 0xfe, 0xff, 0, 0, 0, 0, 0, 0, 0, 0x01, 0, 2, 1, 0}, 15},  /* close_notify, plain */
        {{0x17, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 0x41, 0, 3, 1, 2, 3}, 16},
        {{0x16, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 0x42, 0, 0}, 13},
        {{0x14, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 0x43, 0, 1, 1}, 14},
        {{0x19, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 0x44, 0, 2, 0, 0}, 15}, /* unknown type */
        {{0x3f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 16},
    };
    s->outbox_len = 0;
    for (size_t i = 0; i < sizeof forged / sizeof forged[0]; i++) {
        uint8_t buf[16];
        size_t n = forged[i].n;
        memcpy(buf, forged[i].b, sizeof buf);
        assert_int_equal(transport_input(s->t, s->now, buf, &n, &s->browser_addr, ICE_PROTO_UDP, 0),
                         TRANSPORT_RX_DROP_DTLS);
        drain(s);
    }
    assert_false(s->failed);
    assert_true(transport_is_connected(s->t));
    assert_int_equal(s->outbox_len, 0); /* no alert, nothing at all toward the browser */
    struct transport_stats st;
    transport_get_stats(s->t, &st);
    assert_int_equal(st.dtls_records_dropped, sizeof forged / sizeof forged[0]);

    /* media still flows */
    uint8_t buf[PKT_MAX];
    size_t len = make_rtp(buf, 7, 0x11223344, 100);
    assert_int_equal(srtpx_protect_rtp(s->browser_srtp, buf, &len, sizeof buf), 0);
    size_t n = len;
    assert_int_equal(transport_input(s->t, s->now, buf, &n, &s->browser_addr, ICE_PROTO_UDP, 0),
                     TRANSPORT_RX_RTP);
}

static void fingerprint_mismatch_fails(void **state)
{
    struct sim *s = *state;
    check(s, &s->browser_addr, true);
    s->outbox_len = 0;
    assert_int_equal(dtls_start(s->browser_dtls, s->now), 0);
    shuttle(s);
    assert_false(s->connected);
    assert_true(s->failed);
    assert_non_null(s->reason);
    struct transport_dest to;
    size_t len = 12;
    assert_int_equal(transport_protect_rtp(s->t, (uint8_t[64]){0x80}, &len, 64, &to), ERR_AGAIN);
}

static void path_switch_and_consent_timeout(void **state)
{
    struct sim *s = *state;
    connect_all(s);
    struct stun_addr mobile;
    addr_v4(&mobile, 2, 51000);
    check(s, &mobile, true);
    assert_true(s->path_changed);
    uint8_t buf[PKT_MAX];
    size_t len = make_rtp(buf, 3, 1, 50);
    struct transport_dest to;
    assert_int_equal(transport_protect_rtp(s->t, buf, &len, sizeof buf, &to), 0);
    assert_true(stun_addr_equal(&to.addr, &mobile));

    /* checks keep consent; silence for over 30 s fails the transport */
    s->now += 20 * 1000000LL;
    check(s, &mobile, false);
    transport_timeout(s->t, s->now);
    drain(s);
    assert_false(s->failed);
    s->now += 31 * 1000000LL;
    transport_timeout(s->t, s->now);
    drain(s);
    assert_true(s->failed);
}

/* ---- ICE-TCP connections ---- */

/* Valid checks over TCP connections 1..n, from ports 40001.., the first
 * nominated (so selected). */
static void tcp_checks(struct sim *s, uint64_t first, uint64_t n)
{
    for (uint64_t c = first; c < first + n; c++) {
        struct stun_addr a;
        addr_v4(&a, 1, (uint16_t)(40000 + c));
        s->now += 1000;
        check_on(s, &a, c, c == 1, SERVER_PWD);
    }
}

static void assert_closed(const struct sim *s, size_t i, uint64_t conn,
                          enum transport_tcp_close why)
{
    assert_true(i < s->n_closed);
    assert_int_equal(s->closed[i].conn, conn);
    assert_int_equal(s->closed[i].why, why);
}

/* One peer connection needs one TCP connection per ICE pair at most:
 * past TRANSPORT_TCP_PATHS the oldest that is not selected is closed. */
static void tcp_connections_per_transport_are_bounded(void **state)
{
    struct sim *s = *state;
    tcp_checks(s, 1, TRANSPORT_TCP_PATHS);
    assert_int_equal(s->n_closed, 0);
    tcp_checks(s, TRANSPORT_TCP_PATHS + 1, 3);
    /* 1 is selected (nominated): 2, 3, 4 go, oldest first. */
    assert_int_equal(s->n_closed, 3);
    assert_closed(s, 0, 2, TRANSPORT_TCP_CLOSE_SUPERSEDED);
    assert_closed(s, 1, 3, TRANSPORT_TCP_CLOSE_SUPERSEDED);
    assert_closed(s, 2, 4, TRANSPORT_TCP_CLOSE_SUPERSEDED);
    /* The newest is answered on its connection; the selected one still works. */
    struct stun_addr a;
    addr_v4(&a, 1, 40001);
    s->outbox_len = 0;
    check_on(s, &a, 1, false, SERVER_PWD);
    assert_int_equal(s->outbox_len, 1);
    assert_int_equal(s->outbox[0].proto, ICE_PROTO_TCP);
    assert_int_equal(s->outbox[0].tcp_conn, 1);
    assert_int_equal(s->n_closed, 3);
}

/* A connection that is gone no longer counts against the transport's share:
 * a newer one takes its place without superseding another (ICE, which
 * holds ICE_MAX_PAIRS pairs of its own, lets its least recently checked
 * pair go, whose connection is then closed as ended). */
static void closed_tcp_connection_frees_its_place(void **state)
{
    struct sim *s = *state;
    tcp_checks(s, 1, TRANSPORT_TCP_PATHS);
    transport_tcp_closed(s->t, 3);
    transport_tcp_closed(s->t, 999); /* unknown: nothing */
    tcp_checks(s, TRANSPORT_TCP_PATHS + 1, 1);
    assert_int_equal(s->n_closed, 1);
    assert_closed(s, 0, 2, TRANSPORT_TCP_CLOSE_ENDED);
    /* Nothing is sent on it any more, nor asked to be closed at the end. */
    transport_close(s->t);
    drain(s);
    assert_int_equal(s->n_closed, TRANSPORT_TCP_PATHS);
    for (size_t i = 0; i < s->n_closed; i++)
        assert_int_not_equal(s->closed[i].conn, 3);
}

/* A connection without the password does not push out one that has it. */
static void unchecked_tcp_connection_evicts_no_checked_one(void **state)
{
    struct sim *s = *state;
    tcp_checks(s, 1, TRANSPORT_TCP_PATHS);
    struct stun_addr a;
    addr_v4(&a, 9, 40100);
    for (uint64_t c = 100; c < 110; c++) {
        a.port = (uint16_t)(40000 + c);
        check_on(s, &a, c, true, "not-the-server-password-0123");
    }
    assert_int_equal(s->n_closed, 0);
    /* Every checked connection is still remembered: its checks are answered on it. */
    for (uint64_t c = 1; c <= TRANSPORT_TCP_PATHS; c++) {
        addr_v4(&a, 1, (uint16_t)(40000 + c));
        s->outbox_len = 0;
        check_on(s, &a, c, false, SERVER_PWD);
        assert_int_equal(s->outbox_len, 1);
    }
    assert_int_equal(s->n_closed, 0);
}

/* Ending the transport closes every connection it holds: the requests
 * come out of transport_poll(), once. */
static void close_closes_tcp_connections(void **state)
{
    struct sim *s = *state;
    tcp_checks(s, 1, 3);
    s->n_log = 0;
    transport_close(s->t);
    drain(s);
    assert_int_equal(s->n_closed, 3);
    assert_int_equal(s->n_log, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(s->log[i].kind, TRANSPORT_OUT_CLOSE_TCP);
        assert_closed(s, i, i + 1, TRANSPORT_TCP_CLOSE_ENDED);
    }
    transport_close(s->t); /* again: nothing more */
    drain(s);
    assert_int_equal(s->n_closed, 3);
    /* Closed: input is ignored and answered by nothing, no timer runs. */
    struct stun_addr a;
    addr_v4(&a, 1, 40001);
    s->outbox_len = 0;
    check_on(s, &a, 1, false, SERVER_PWD);
    assert_int_equal(s->outbox_len, 0);
    assert_int_equal(transport_next_deadline(s->t), INT64_MAX);
    assert_int_not_equal(
        transport_restart_ice(s->t, s->now, "srvV", "serverpassword9876543210xyz", "brwV"), 0);
    drain(s);
    assert_int_equal(s->n_closed, 3);
}

/* An ICE restart forgets every pair but the selected one: their
 * connections are closed, the selected one's is kept. */
static void ice_restart_closes_dropped_pairs(void **state)
{
    struct sim *s = *state;
    tcp_checks(s, 1, 3);
    assert_int_equal(
        transport_restart_ice(s->t, s->now, "srvV", "serverpassword9876543210xyz", "brwV"), 0);
    drain(s);
    assert_int_equal(s->n_closed, 2);
    assert_closed(s, 0, 2, TRANSPORT_TCP_CLOSE_ENDED);
    assert_closed(s, 1, 3, TRANSPORT_TCP_CLOSE_ENDED);
}

/* A pair whose consent expired is forgotten by ICE: its connection goes. */
static void consent_expiry_closes_tcp_connection(void **state)
{
    struct sim *s = *state;
    connect_all(s); /* over UDP */
    struct stun_addr a;
    addr_v4(&a, 1, 40002);
    check_on(s, &a, 2, false, SERVER_PWD);
    for (int i = 0; i < 8; i++) {
        s->now += 5 * 1000000LL;
        check(s, &s->browser_addr, false);
        transport_timeout(s->t, s->now);
        drain(s);
        if (i < 5)
            assert_int_equal(s->n_closed, 0);
    }
    assert_false(s->failed);
    assert_int_equal(s->n_closed, 1);
    assert_closed(s, 0, 2, TRANSPORT_TCP_CLOSE_ENDED);
}

/* ---- the output queue ---- */

/* (epoch, sequence number) of a datagram's first DTLS record. */
static uint64_t first_record_number(const struct datagram *d)
{
    assert_true(d->len >= 13);
    uint64_t v = 0;
    for (size_t i = 3; i < 11; i++)
        v = v << 8 | d->data[i];
    return v;
}

static void assert_dtls_flight(const struct sim *s)
{
    assert_true(s->outbox_len >= 1);
    for (size_t i = 0; i < s->outbox_len; i++) {
        const struct datagram *d = &s->outbox[i];
        assert_true(d->data[0] >= 20 && d->data[0] <= 63);
        assert_true(d->len <= DTLS_MTU);
        assert_true(stun_addr_equal(&d->to, &s->browser_addr));
        assert_int_equal(d->proto, ICE_PROTO_UDP);
        if (i > 0)
            assert_true(first_record_number(d) > first_record_number(&s->outbox[i - 1]));
    }
}

/* The server's DTLS flights come out of transport_poll() as datagrams to
 * the checked address, in the order DTLS wrote them (record numbers rise);
 * the flight that completes the handshake comes out before CONNECTED. */
static void dtls_flights_come_out_in_order(void **state)
{
    struct sim *s = *state;
    check(s, &s->browser_addr, true);
    s->outbox_len = 0;
    assert_int_equal(dtls_start(s->browser_dtls, s->now), 0);
    assert_true(from_browser(s)); /* ClientHello */
    assert_dtls_flight(s);        /* ServerHello .. ServerHelloDone */
    assert_false(s->connected);
    assert_true(to_browser(s));
    s->n_log = 0;
    assert_true(from_browser(s)); /* Certificate .. Finished */
    assert_true(s->connected);
    assert_dtls_flight(s); /* ChangeCipherSpec, Finished */
    assert_true(s->n_log >= 2);
    for (size_t i = 0; i + 1 < s->n_log; i++)
        assert_int_equal(s->log[i].kind, TRANSPORT_OUT_DATAGRAM);
    assert_int_equal(s->log[s->n_log - 1].kind, TRANSPORT_OUT_EVENT);
    assert_int_equal(s->log[s->n_log - 1].event.type, TRANSPORT_EVENT_CONNECTED);
    assert_int_equal(s->log[s->n_log - 1].event.proto, ICE_PROTO_UDP);
    to_browser(s);
    from_browser(s);
    assert_non_null(s->browser_srtp); /* the browser took the flight */
}

/* A caller that does not drain loses the newest datagrams, counted; the
 * queue keeps the oldest intact and works again once drained. */
static void full_queue_drops_newest_datagrams(void **state)
{
    struct sim *s = *state;
    s->no_drain = true;
    for (unsigned i = 0; i < TRANSPORT_OUT_DATAGRAMS + 5; i++)
        check(s, &s->browser_addr, i == 0);
    struct transport_stats st;
    transport_get_stats(s->t, &st);
    assert_int_equal(st.datagrams_dropped, 5);
    drain(s);
    assert_int_equal(s->outbox_len, TRANSPORT_OUT_DATAGRAMS);
    for (size_t i = 0; i < s->outbox_len; i++) { /* the responses to checks 1..16 */
        struct stun_msg m;
        assert_int_equal(stun_parse(&m, s->outbox[i].data, s->outbox[i].len), 0);
        assert_int_equal(m.tid[0], i + 1);
    }
    s->no_drain = false;
    s->outbox_len = 0;
    check(s, &s->browser_addr, false);
    assert_int_equal(s->outbox_len, 1);
    transport_get_stats(s->t, &st);
    assert_int_equal(st.datagrams_dropped, 5);
}

/* A caller that drains after every call never loses a datagram: the
 * queue's bytes are reclaimed each time it runs empty (these responses
 * add up to several times TRANSPORT_OUT_BYTES). */
static void drained_queue_reclaims_its_bytes(void **state)
{
    struct sim *s = *state;
    connect_all(s);
    size_t bytes = 0;
    for (int i = 0; i < 400; i++) {
        s->outbox_len = 0;
        check(s, &s->browser_addr, false);
        assert_int_equal(s->outbox_len, 1);
        bytes += s->outbox[0].len;
    }
    assert_true(bytes > 2 * TRANSPORT_OUT_BYTES);
    struct transport_stats st;
    transport_get_stats(s->t, &st);
    assert_int_equal(st.datagrams_dropped, 0);
    assert_int_equal(st.outputs_dropped, 0);
}

/* transport_close() on a connected transport: close_notify to the peer,
 * then the ICE-TCP closes, in that order, through transport_poll(); then
 * nothing is protected any more. */
static void close_sends_close_notify_then_closes_tcp(void **state)
{
    struct sim *s = *state;
    connect_all(s); /* over UDP */
    struct stun_addr a;
    addr_v4(&a, 1, 40002);
    check_on(s, &a, 2, false, SERVER_PWD); /* a TCP pair besides */
    s->outbox_len = 0;
    s->n_log = 0;
    transport_close(s->t);
    drain(s);
    assert_int_equal(s->n_log, 2);
    assert_int_equal(s->log[0].kind, TRANSPORT_OUT_DATAGRAM);
    assert_int_equal(s->log[1].kind, TRANSPORT_OUT_CLOSE_TCP);
    assert_closed(s, 0, 2, TRANSPORT_TCP_CLOSE_ENDED);
    assert_int_equal(s->outbox_len, 1);
    assert_int_equal(s->outbox[0].data[0], 21); /* an alert */
    assert_true(stun_addr_equal(&s->outbox[0].to, &s->browser_addr));
    dtls_input(s->browser_dtls, s->now, s->outbox[0].data, s->outbox[0].len);
    bool closed = false;
    struct dtls_output o;
    while (dtls_poll(s->browser_dtls, &o))
        closed = closed || (o.kind == DTLS_OUT_EVENT && o.event == DTLS_EVENT_CLOSED);
    assert_true(closed);
    assert_false(transport_is_connected(s->t));
    uint8_t buf[PKT_MAX];
    size_t len = make_rtp(buf, 1, 1, 20);
    struct transport_dest to;
    assert_int_equal(transport_protect_rtp(s->t, buf, &len, sizeof buf, &to), ERR_AGAIN);
}

/* transport_protect_rtcp: like RTP, in place, to the selected pair; over
 * ICE-TCP on its connection, ERR_NOTFOUND once that is gone. */
static void protect_rtcp_in_place(void **state)
{
    struct sim *s = *state;
    s->browser_proto = ICE_PROTO_TCP;
    s->browser_conn = 5;
    addr_v4(&s->browser_addr, 1, 40005);
    static const uint8_t rr[] = {0x80, 201, 0, 1, 0x12, 0x34, 0x56, 0x78}; /* RR, no blocks */
    uint8_t buf[PKT_MAX];
    struct transport_dest to;
    size_t len = sizeof rr;
    memcpy(buf, rr, sizeof rr);
    assert_int_equal(transport_protect_rtcp(s->t, buf, &len, sizeof buf, &to), ERR_AGAIN);
    connect_all(s);
    assert_int_equal(transport_protect_rtcp(s->t, buf, &len, sizeof rr + 4, &to), ERR_TOOBIG);
    memcpy(buf, rr, sizeof rr);
    len = sizeof rr;
    assert_int_equal(transport_protect_rtcp(s->t, buf, &len, sizeof buf, &to), 0);
    assert_true(len > sizeof rr);
    assert_int_equal(to.proto, ICE_PROTO_TCP);
    assert_int_equal(to.tcp_conn, 5);
    assert_true(stun_addr_equal(&to.addr, &s->browser_addr));
    struct transport_stats st;
    transport_get_stats(s->t, &st);
    assert_int_equal(st.rtcp_out, 1);
    assert_int_equal(st.rtp_out, 0);
    assert_int_equal(srtpx_unprotect_rtcp(s->browser_srtp, buf, &len), 0);
    assert_int_equal(len, sizeof rr);
    assert_memory_equal(buf, rr, sizeof rr);
    transport_tcp_closed(s->t, 5);
    memcpy(buf, rr, sizeof rr);
    len = sizeof rr;
    assert_int_equal(transport_protect_rtcp(s->t, buf, &len, sizeof buf, &to), ERR_NOTFOUND);
}

/* ---- seeds for fuzz_transport ---- */

/* One record: ctrl (bits 0-2 source, bit 3 ICE-TCP, bits 4-6 the step, bit
 * 7 its flag), and for a datagram or protect step the 16-bit length and
 * bytes. */
static size_t seed_op(uint8_t *out, uint8_t ctrl, const uint8_t *data, size_t len)
{
    out[0] = ctrl;
    if (!data)
        return 1;
    out[1] = (uint8_t)(len >> 8);
    out[2] = (uint8_t)len;
    memcpy(out + 3, data, len);
    return len + 3;
}

static int write_seeds(void **state)
{
    (void)state;
    if (getenv("SAMTALE_SEED_DIR") == NULL)
        return 0;
    uint8_t buf[8192], hello[PKT_MAX], rtp[64];
    size_t n = 0, hello_len = 0;

    /* A nominating check from source 0, then a browser's real ClientHello
     * from it: the server's flight is queued; half a second later. */
    struct dtls_cert *c;
    struct dtls *d;
    assert_int_equal(dtls_cert_create(&c), 0);
    assert_int_equal(dtls_create(&d, c, DTLS_ROLE_CLIENT, "sha-256",
                                 "00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:"
                                 "00:00:00:00:00:00:00:00:00:00:00:00"),
                     0);
    assert_int_equal(dtls_start(d, 1000000), 0);
    struct dtls_output o;
    while (dtls_poll(d, &o))
        if (o.kind == DTLS_OUT_TRANSMIT && hello_len == 0 && o.len <= sizeof hello) {
            memcpy(hello, o.data, o.len);
            hello_len = o.len;
        }
    dtls_destroy(d);
    dtls_cert_destroy(c);
    assert_true(hello_len > 0);
    n = seed_op(buf, 0x90, NULL, 0);
    n += seed_op(buf + n, 0x00, hello, hello_len);
    n += seed_op(buf + n, 0x20, NULL, 0);
    dump_seed("client_hello", buf, n);

    /* ICE-TCP: source 1 nominated, 2 and 3 checked, 2's connection gone,
     * an ICE restart, a check with the new credentials, the end. */
    n = 0;
    static const uint8_t tcp_ops[] = {0x99, 0x1a, 0x1b, 0x32, 0x40, 0x99, 0xa0, 0x70};
    for (size_t i = 0; i < sizeof tcp_ops; i++)
        n += seed_op(buf + n, tcp_ops[i], NULL, 0);
    dump_seed("tcp_paths", buf, n);

    /* Draining off for more checks than the queue holds, then on again. */
    n = seed_op(buf, 0x50, NULL, 0);
    for (int i = 0; i < TRANSPORT_OUT_DATAGRAMS + 4; i++)
        n += seed_op(buf + n, 0x10, NULL, 0);
    n += seed_op(buf + n, 0x50, NULL, 0);
    dump_seed("undrained", buf, n);

    /* Protect RTP and RTCP with a path but no keys; then consent runs out. */
    size_t rtp_len = make_rtp(rtp, 1, 0x11223344, 20);
    n = seed_op(buf, 0x90, NULL, 0);
    n += seed_op(buf + n, 0x60, rtp, rtp_len);
    static const uint8_t rr[] = {0x80, 201, 0, 1, 0x12, 0x34, 0x56, 0x78};
    n += seed_op(buf + n, 0xe0, rr, sizeof rr);
    for (int i = 0; i < 4; i++)
        n += seed_op(buf + n, 0xa0, NULL, 0);
    dump_seed("protect", buf, n);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(media_flows_both_ways, setup, teardown),
        cmocka_unit_test_setup_teardown(protect_in_place_for_the_caller, setup, teardown),
        cmocka_unit_test_setup_teardown(unknown_sources_and_garbage_are_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(srtp_before_keys_is_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_srtp_tags_are_counted, setup, teardown),
        cmocka_unit_test_setup_teardown(forged_dtls_from_the_peer_is_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(fingerprint_mismatch_fails, setup_wrong_fp, teardown),
        cmocka_unit_test_setup_teardown(path_switch_and_consent_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(tcp_connections_per_transport_are_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(unchecked_tcp_connection_evicts_no_checked_one, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(closed_tcp_connection_frees_its_place, setup, teardown),
        cmocka_unit_test_setup_teardown(close_closes_tcp_connections, setup, teardown),
        cmocka_unit_test_setup_teardown(ice_restart_closes_dropped_pairs, setup, teardown),
        cmocka_unit_test_setup_teardown(consent_expiry_closes_tcp_connection, setup, teardown),
        cmocka_unit_test_setup_teardown(dtls_flights_come_out_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(full_queue_drops_newest_datagrams, setup, teardown),
        cmocka_unit_test_setup_teardown(drained_queue_reclaims_its_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(close_sends_close_notify_then_closes_tcp, setup, teardown),
        cmocka_unit_test_setup_teardown(protect_rtcp_in_place, setup, teardown),
    };
    return cmocka_run_group_tests(tests, write_seeds, NULL);
}
