/* A generated participant's peer connection: ICE (controlling), DTLS
 * client, SRTP (load_peer.h). */
#include "tests/load/load_peer.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "media/rtp.h"
#include "media/stun.h"

/* RFC 8445 §5.1.2.1: host candidate, local preference 65535, component 1. */
#define LG_PRIORITY ((uint32_t)126 << 24 | (uint32_t)65535 << 8 | 255)

static int random_chars(char *out, size_t n)
{
    static const char set[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    uint8_t r[64];
    if (n > sizeof r || RAND_bytes(r, (int)n) != 1)
        return ERR_CRYPTO;
    for (size_t i = 0; i < n; i++)
        out[i] = set[r[i] % (sizeof set - 1)];
    out[n] = '\0';
    return 0;
}

int lg_peer_init(struct lg_peer *p)
{
    memset(p, 0, sizeof *p);
    if (random_chars(p->ufrag, LG_UFRAG_LEN) != 0 || random_chars(p->pwd, LG_PWD_LEN) != 0)
        return ERR_CRYPTO;
    /* We are always the controlling agent, even where the server offered
     * and so starts controlling too (Janus's subscriber connection, full
     * ICE): the highest tie-breaker makes it switch to controlled on our
     * first check (RFC 8445 §7.3.1.1). ICE-lite servers ignore it. */
    p->tie_breaker = UINT64_MAX;
    p->dtls_deadline = DTLS_NO_DEADLINE;
    return 0;
}

static void fail(struct lg_peer *p, const char *why)
{
    if (p->state == LG_PEER_FAILED)
        return;
    p->state = LG_PEER_FAILED;
    p->fail_reason = why;
}

static void queue(struct lg_peer *p, const uint8_t *data, size_t len)
{
    if (p->n_tx >= LG_PEER_TXQ || len > LG_DGRAM_MAX) {
        p->tx_dropped++;
        return;
    }
    memcpy(p->tx[p->n_tx].data, data, len);
    p->tx[p->n_tx].len = (uint16_t)len;
    p->n_tx++;
}

static void send_check(struct lg_peer *p, int64_t now_us)
{
    char user[2 * 257 + 2];
    uint8_t buf[STUN_MAX_MESSAGE_UDP];
    size_t len;

    snprintf(user, sizeof user, "%s:%s", p->remote.ufrag, p->ufrag);
    struct stun_binding_request req = {
        .username = user,
        .priority = LG_PRIORITY,
        .controlling = true,
        .tie_breaker = p->tie_breaker,
        .use_candidate = true,
        .key = (const uint8_t *)p->remote.pwd,
        .key_len = strlen(p->remote.pwd),
    };
    if (RAND_bytes(req.tid, sizeof req.tid) != 1)
        return;
    memcpy(p->tid, req.tid, sizeof p->tid);
    if (stun_build_binding_request(buf, sizeof buf, &req, &len) != 0)
        return;
    queue(p, buf, len);
    p->checks_sent++;
    p->next_check_us =
        now_us + (p->state == LG_PEER_CHECKING ? LG_CHECK_INTERVAL_US : LG_CONSENT_INTERVAL_US);
}

int lg_peer_start(struct lg_peer *p, const struct lg_remote *remote, struct dtls_cert *cert,
                  int64_t now_us)
{
    if (p->state != LG_PEER_IDLE || remote->ufrag[0] == '\0' || remote->pwd[0] == '\0')
        return ERR_INVAL;
    p->remote = *remote;
    p->cert = cert;
    p->state = LG_PEER_CHECKING;
    p->started_us = now_us;
    send_check(p, now_us);
    return 0;
}

void lg_peer_close(struct lg_peer *p)
{
    dtls_destroy(p->dtls);
    p->dtls = NULL;
    srtpx_destroy(p->srtp);
    p->srtp = NULL;
}

/* Takes DTLS's output: datagrams, the outcome, its next deadline. */
static void drain_dtls(struct lg_peer *p, int64_t now_us)
{
    struct dtls_output o;
    while (p->dtls && dtls_poll(p->dtls, &o)) {
        if (o.kind == DTLS_OUT_TRANSMIT) {
            queue(p, o.data, o.len);
        } else if (o.kind == DTLS_OUT_DEADLINE) {
            p->dtls_deadline = o.deadline_us;
        } else if (o.event == DTLS_EVENT_CONNECTED && p->state == LG_PEER_DTLS) {
            struct dtls_srtp_keys k;
            if (dtls_srtp_keys(p->dtls, &k) != 0 || srtpx_create(&p->srtp, &k) != 0) {
                dtls_srtp_keys_wipe(&k);
                fail(p, "no SRTP keys after the DTLS handshake");
                return;
            }
            dtls_srtp_keys_wipe(&k);
            p->state = LG_PEER_CONNECTED;
            p->connected_us = now_us;
        } else if (o.event == DTLS_EVENT_FAILED) {
            fail(p, o.reason ? o.reason : "DTLS handshake failed");
        } else if (o.event == DTLS_EVENT_CLOSED) {
            fail(p, "the server closed DTLS");
        }
    }
}

static void on_stun(struct lg_peer *p, int64_t now_us, const uint8_t *buf, size_t len)
{
    struct stun_msg m;
    if (stun_parse(&m, buf, len) != 0 || stun_check_fingerprint(&m) != 0 ||
        m.method != STUN_METHOD_BINDING)
        return;
    if (m.cls == STUN_CLASS_REQUEST) {
        /* The server's consent check: signed with our password. */
        if (stun_check_integrity(&m, (const uint8_t *)p->pwd, strlen(p->pwd)) != 0)
            return;
        uint8_t out[STUN_MAX_MESSAGE_UDP];
        size_t n;
        struct stun_binding_success rsp = {
            .mapped = {.family = STUN_FAMILY_IPV4, .port = ntohs(p->remote.addr.sin_port)},
            .key = (const uint8_t *)p->pwd,
            .key_len = strlen(p->pwd),
        };
        memcpy(rsp.tid, m.tid, sizeof rsp.tid);
        memcpy(rsp.mapped.ip, &p->remote.addr.sin_addr, 4);
        if (stun_build_binding_success(out, sizeof out, &rsp, &n) == 0)
            queue(p, out, n);
        p->server_checks++;
        return;
    }
    if (m.cls != STUN_CLASS_SUCCESS || memcmp(m.tid, p->tid, sizeof p->tid) != 0)
        return;
    if (stun_check_integrity(&m, (const uint8_t *)p->remote.pwd, strlen(p->remote.pwd)) != 0)
        return;
    p->checks_answered++;
    if (p->state != LG_PEER_CHECKING)
        return;
    /* Nominated: we are the DTLS client (we offered actpass, or answered
     * the server's actpass with active), or the server where the server
     * answered our actpass with active. */
    if (dtls_create(&p->dtls, p->cert, p->remote.dtls_server ? DTLS_ROLE_SERVER : DTLS_ROLE_CLIENT,
                    p->remote.fp_alg, p->remote.fp) != 0) {
        fail(p, "the server's DTLS fingerprint is unusable");
        return;
    }
    p->state = LG_PEER_DTLS;
    p->next_check_us = now_us + LG_CONSENT_INTERVAL_US;
    if (dtls_start(p->dtls, now_us) != 0)
        fail(p, "DTLS would not start");
    drain_dtls(p, now_us);
}

enum lg_input_kind lg_peer_input(struct lg_peer *p, int64_t now_us, uint8_t *buf, size_t *len)
{
    if (p->state == LG_PEER_IDLE || p->state == LG_PEER_FAILED)
        return LG_IN_NONE;
    if (stun_is_stun(buf, *len)) {
        on_stun(p, now_us, buf, *len);
        return LG_IN_NONE;
    }
    if (dtls_is_dtls(buf, *len)) {
        if (p->dtls) {
            (void)dtls_input(p->dtls, now_us, buf, *len);
            drain_dtls(p, now_us);
        }
        return LG_IN_NONE;
    }
    if (p->state != LG_PEER_CONNECTED)
        return LG_IN_NONE;
    if (rtp_is_rtcp(buf, *len)) {
        int rc = srtpx_unprotect_rtcp(p->srtp, buf, len);
        return rc == ERR_DENIED ? LG_IN_AUTH_FAIL : rc == 0 ? LG_IN_RTCP : LG_IN_NONE;
    }
    if (!rtp_is_rtp(buf, *len))
        return LG_IN_NONE;
    int rc = srtpx_unprotect_rtp(p->srtp, buf, len);
    if (rc == ERR_DENIED)
        return LG_IN_AUTH_FAIL;
    return rc == 0 ? LG_IN_RTP : LG_IN_NONE;
}

void lg_peer_timer(struct lg_peer *p, int64_t now_us)
{
    if (p->state == LG_PEER_IDLE || p->state == LG_PEER_FAILED)
        return;
    if (p->state == LG_PEER_CHECKING && now_us - p->started_us > LG_ICE_TIMEOUT_US) {
        fail(p, "no answer to ICE checks");
        return;
    }
    if (now_us >= p->next_check_us)
        send_check(p, now_us);
    if (p->dtls && now_us >= p->dtls_deadline) {
        (void)dtls_timeout(p->dtls, now_us);
        p->dtls_deadline = dtls_next_deadline(p->dtls);
        drain_dtls(p, now_us);
    }
}

int64_t lg_peer_deadline(const struct lg_peer *p)
{
    if (p->state == LG_PEER_IDLE || p->state == LG_PEER_FAILED)
        return INT64_MAX;
    int64_t d = p->next_check_us;
    if (p->dtls && p->dtls_deadline < d)
        d = p->dtls_deadline;
    return d;
}

static int send_protected(struct lg_peer *p, uint8_t *buf, size_t len, size_t cap, bool rtcp)
{
    if (p->state != LG_PEER_CONNECTED)
        return ERR_PROTO;
    if (p->n_tx >= LG_PEER_TXQ) {
        p->tx_dropped++;
        return ERR_FULL;
    }
    int rc = rtcp ? srtpx_protect_rtcp(p->srtp, buf, &len, cap)
                  : srtpx_protect_rtp(p->srtp, buf, &len, cap);
    if (rc != 0)
        return rc;
    queue(p, buf, len);
    return 0;
}

int lg_peer_send_rtp(struct lg_peer *p, uint8_t *buf, size_t len, size_t cap)
{
    return send_protected(p, buf, len, cap, false);
}

int lg_peer_send_rtcp(struct lg_peer *p, uint8_t *buf, size_t len, size_t cap)
{
    return send_protected(p, buf, len, cap, true);
}

const char *lg_peer_state_name(enum lg_peer_state s)
{
    switch (s) {
    case LG_PEER_IDLE:
        return "waiting for the server's SDP";
    case LG_PEER_CHECKING:
        return "ICE checking";
    case LG_PEER_DTLS:
        return "DTLS handshake";
    case LG_PEER_CONNECTED:
        return "connected";
    case LG_PEER_FAILED:
        return "failed";
    }
    return "?";
}
