/* Test harness for media/transport.c: a simulated browser (STUN checks, a
 * DTLS client and SRTP sessions of its own) against one transport, no
 * sockets, on a fake clock. Every output of transport_poll() is taken in
 * order: datagrams into an outbox, ICE-TCP close requests into a list,
 * events into flags, all into a log. Shared by test_transport.c (media,
 * drops, DTLS, the output queue, fuzz seeds) and test_transport_tcp.c
 * (ICE-TCP connections, the end of a transport, protect over ICE-TCP). */
#ifndef SAMTALE_TESTS_TRANSPORT_HARNESS_H
#define SAMTALE_TESTS_TRANSPORT_HARNESS_H

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
static inline void drain(struct sim *s)
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

static inline void addr_v4(struct stun_addr *a, uint8_t last, uint16_t port)
{
    memset(a, 0, sizeof *a);
    a->family = STUN_FAMILY_IPV4;
    a->port = port;
    a->ip[0] = 127;
    a->ip[3] = last;
}

static inline void to_transport(struct sim *s, uint8_t *buf, size_t len,
                                const struct stun_addr *from)
{
    size_t n = len;
    transport_input(s->t, s->now, buf, &n, from, s->browser_proto, s->browser_conn);
    if (!s->no_drain)
        drain(s);
}

/* The browser checks the server's candidate from `from` (over TCP
 * connection `conn`, if not 0), with the right password or not. */
static inline void check_on(struct sim *s, const struct stun_addr *from, uint64_t conn,
                            bool nominate, const char *pwd)
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

static inline void check(struct sim *s, const struct stun_addr *from, bool nominate)
{
    check_on(s, from, 0, nominate, SERVER_PWD);
}

/* The DTLS datagrams in the outbox, to the browser, in order; the outbox
 * is emptied. True if there were any. */
static inline bool to_browser(struct sim *s)
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
static inline bool from_browser(struct sim *s)
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
static inline void shuttle(struct sim *s)
{
    for (int round = 0; round < 20; round++) {
        bool moved = to_browser(s);
        if (!from_browser(s) && !moved)
            return;
    }
}

static inline int setup_with_fp(void **state, bool wrong_fp)
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

static inline int setup(void **state)
{
    return setup_with_fp(state, false);
}

static inline int setup_wrong_fp(void **state)
{
    return setup_with_fp(state, true);
}

static inline int teardown(void **state)
{
    struct sim *s = *state;
    transport_destroy(s->t);
    dtls_destroy(s->browser_dtls);
    srtpx_destroy(s->browser_srtp);
    dtls_cert_destroy(s->server_cert);
    dtls_cert_destroy(s->browser_cert);
    return 0;
}

static inline void connect_all(struct sim *s)
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
static inline size_t make_rtp(uint8_t *buf, uint16_t seq, uint32_t ssrc, size_t payload)
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

#endif
