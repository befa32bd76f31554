#include "media/transport.h"
#include "media/rtp.h"
#include "media/srtp.h"
#include "base/err.h"

#include <stdlib.h>
#include <string.h>

#define TRANSPORT_EVENTS_MAX 8
struct tcp_path {
    struct stun_addr addr;
    uint64_t conn;
    uint64_t since; /* order of arrival or last valid input (as ICE ranks its pairs) */
    bool used;
    bool valid; /* its source passed an ICE check */
};

struct transport {
    struct ice_agent *ice;
    struct dtls *dtls;
    struct srtpx *srtp;
    transport_send_fn send;
    void *send_arg;
    transport_tcp_close_fn close_tcp;
    bool failed;
    bool has_path;
    struct stun_addr path;
    enum ice_proto path_proto;
    struct tcp_path tcp[TRANSPORT_TCP_PATHS]; /* one per source address */
    uint64_t tcp_seq;
    struct transport_output events[TRANSPORT_EVENTS_MAX];
    unsigned ev_head, ev_count;
    struct transport_stats stats;
};

static void emit(struct transport *t, enum transport_event ev, const char *reason)
{
    if (t->ev_count == TRANSPORT_EVENTS_MAX) { /* keep the newest: it is the state now */
        t->ev_head = (t->ev_head + 1) % TRANSPORT_EVENTS_MAX;
        t->ev_count--;
    }
    struct transport_output *o = &t->events[(t->ev_head + t->ev_count) % TRANSPORT_EVENTS_MAX];
    o->event = ev;
    o->proto = t->path_proto;
    o->reason = reason;
    t->ev_count++;
}

static void fail(struct transport *t, const char *reason)
{
    if (t->failed)
        return;
    t->failed = true;
    emit(t, TRANSPORT_EVENT_FAILED, reason);
}

static struct tcp_path *tcp_find(struct transport *t, const struct stun_addr *a)
{
    for (size_t i = 0; i < TRANSPORT_TCP_PATHS; i++)
        if (t->tcp[i].used && stun_addr_equal(&t->tcp[i].addr, a))
            return &t->tcp[i];
    return NULL;
}

static bool tcp_is_selected(const struct transport *t, const struct tcp_path *p)
{
    return t->has_path && t->path_proto == ICE_PROTO_TCP && stun_addr_equal(&t->path, &p->addr);
}

static void tcp_forget(struct transport *t, struct tcp_path *p, enum transport_tcp_close why)
{
    p->used = false;
    if (t->close_tcp)
        t->close_tcp(t->send_arg, p->conn, why);
}

/* The path a newcomer may take when all are used: the least recently used
 * one that never passed a check, else (only for a newcomer that passed
 * one) the least recently used one at all, which is also the pair ICE lets
 * go; never the selected pair's. NULL if none. */
static struct tcp_path *tcp_victim(struct transport *t, bool valid)
{
    struct tcp_path *p = NULL;
    for (int pass = 0; pass < 2 && !p; pass++) {
        if (pass == 1 && !valid)
            break;
        for (size_t i = 0; i < TRANSPORT_TCP_PATHS; i++) {
            struct tcp_path *q = &t->tcp[i];
            if (tcp_is_selected(t, q) || (pass == 0 && q->valid) || (p && p->since < q->since))
                continue;
            p = q;
        }
    }
    return p;
}

/* Remembers the connection of a source (valid: it passed a check). When all
 * are used, a victim makes room and is closed; an unchecked newcomer that
 * finds none is not remembered (nothing can be sent to it). */
static void tcp_remember(struct transport *t, const struct stun_addr *a, uint64_t conn, bool valid)
{
    struct tcp_path *p = tcp_find(t, a);
    for (size_t i = 0; !p && i < TRANSPORT_TCP_PATHS; i++)
        if (!t->tcp[i].used)
            p = &t->tcp[i];
    if (!p)
        p = tcp_victim(t, valid);
    if (!p)
        return;
    if (p->used && p->conn != conn)
        tcp_forget(t, p, TRANSPORT_TCP_CLOSE_SUPERSEDED);
    if (!p->used || valid)
        p->since = ++t->tcp_seq;
    if (!p->used)
        p->valid = false;
    p->addr = *a;
    p->conn = conn;
    p->valid = p->valid || valid;
    p->used = true;
}

/* Closes the connections of sources ICE held valid and no longer does
 * (restart, pair eviction, consent expiry), but the selected one's. */
static void tcp_prune(struct transport *t)
{
    for (size_t i = 0; i < TRANSPORT_TCP_PATHS; i++) {
        struct tcp_path *p = &t->tcp[i];
        if (p->used && p->valid && !tcp_is_selected(t, p) &&
            !ice_is_valid_source(t->ice, &p->addr, ICE_PROTO_TCP))
            tcp_forget(t, p, TRANSPORT_TCP_CLOSE_ENDED);
    }
}

static int send_to(struct transport *t, const uint8_t *buf, size_t len, const struct stun_addr *to,
                   enum ice_proto proto)
{
    uint64_t conn = 0;
    if (proto == ICE_PROTO_TCP) {
        struct tcp_path *p = tcp_find(t, to);
        if (!p)
            return ERR_NOTFOUND;
        conn = p->conn;
    }
    t->stats.bytes_out += len;
    return t->send(t->send_arg, buf, len, to, proto, conn);
}

static int send_path(struct transport *t, const uint8_t *buf, size_t len)
{
    if (!t->has_path)
        return ERR_AGAIN;
    return send_to(t, buf, len, &t->path, t->path_proto);
}

static void pump_ice(struct transport *t, int64_t now_us)
{
    struct ice_output o;
    while (ice_poll(t->ice, &o)) {
        if (o.kind == ICE_OUT_TRANSMIT) {
            send_to(t, o.data, o.len, &o.addr, o.proto);
            continue;
        }
        switch (o.event) {
        case ICE_EVENT_SELECTED:
            t->has_path = true;
            t->path = o.addr;
            t->path_proto = o.proto;
            if (t->srtp)
                emit(t, TRANSPORT_EVENT_PATH, NULL);
            break;
        case ICE_EVENT_CONNECTED:
            /* A DTLS client sends its ClientHello now that there is a path. */
            if (dtls_start(t->dtls, now_us) < 0)
                fail(t, "DTLS could not start");
            break;
        case ICE_EVENT_FAILED:
            fail(t, "ICE consent lost");
            break;
        default:
            break;
        }
    }
}

static void pump_dtls(struct transport *t)
{
    struct dtls_output o;
    while (dtls_poll(t->dtls, &o)) {
        if (o.kind == DTLS_OUT_TRANSMIT) {
            send_path(t, o.data, o.len);
            continue;
        }
        if (o.kind != DTLS_OUT_EVENT)
            continue;
        if (o.event == DTLS_EVENT_CONNECTED) {
            struct dtls_srtp_keys keys;
            int rc = dtls_srtp_keys(t->dtls, &keys);
            if (rc == 0)
                rc = srtpx_create(&t->srtp, &keys);
            dtls_srtp_keys_wipe(&keys);
            if (rc < 0)
                fail(t, "SRTP keys could not be set up");
            else
                emit(t, TRANSPORT_EVENT_CONNECTED, NULL);
        } else if (o.event == DTLS_EVENT_FAILED) {
            fail(t, o.reason ? o.reason : "DTLS failed");
        } else if (o.event == DTLS_EVENT_CLOSED) {
            if (!t->failed)
                emit(t, TRANSPORT_EVENT_CLOSED, NULL);
            t->failed = true;
        }
    }
}

int transport_create(struct transport **out, const struct transport_cfg *cfg)
{
    if (!out || !cfg || !cfg->send || !cfg->cert)
        return ERR_INVAL;
    struct transport *t = calloc(1, sizeof *t);
    if (!t)
        return ERR_NOMEM;
    struct ice_cfg icfg = {
        .local_ufrag = cfg->local_ufrag,
        .local_pwd = cfg->local_pwd,
        .remote_ufrag = cfg->remote_ufrag,
        .now_us = cfg->now_us,
    };
    int rc = ice_create(&t->ice, &icfg);
    if (rc == 0)
        rc = dtls_create(&t->dtls, cfg->cert, cfg->role, cfg->remote_fp_alg, cfg->remote_fp);
    if (rc < 0) {
        transport_destroy(t);
        return rc;
    }
    t->send = cfg->send;
    t->send_arg = cfg->send_arg;
    t->close_tcp = cfg->close_tcp;
    *out = t;
    return 0;
}

void transport_destroy(struct transport *t)
{
    if (!t)
        return;
    if (t->dtls && t->srtp && !t->failed) {
        dtls_close(t->dtls);
        pump_dtls(t);
    }
    for (size_t i = 0; i < TRANSPORT_TCP_PATHS; i++)
        if (t->tcp[i].used)
            tcp_forget(t, &t->tcp[i], TRANSPORT_TCP_CLOSE_ENDED);
    srtpx_destroy(t->srtp);
    dtls_destroy(t->dtls);
    ice_destroy(t->ice);
    free(t);
}

static bool valid_source(const struct transport *t, const struct stun_addr *from,
                         enum ice_proto proto)
{
    return ice_is_valid_source(t->ice, from, proto);
}

enum transport_rx transport_input(struct transport *t, int64_t now_us, uint8_t *buf, size_t *len,
                                  const struct stun_addr *from, enum ice_proto proto,
                                  uint64_t tcp_conn)
{
    size_t n = *len;
    if (t->failed || n == 0)
        return TRANSPORT_RX_NONE;
    t->stats.bytes_in += n;
    uint8_t first = buf[0];
    if (first <= 3) { /* STUN (RFC 7983) */
        int rc = ice_input(t->ice, now_us, buf, n, from, proto);
        if (proto == ICE_PROTO_TCP) /* before the response is sent on it */
            tcp_remember(t, from, tcp_conn, rc == 0);
        pump_ice(t, now_us);
        tcp_prune(t); /* ICE may have let a pair go for this one */
        pump_dtls(t);
        return TRANSPORT_RX_NONE;
    }
    if (!valid_source(t, from, proto)) {
        t->stats.dropped_unknown_source++;
        return TRANSPORT_RX_DROP_UNKNOWN_SOURCE;
    }
    if (proto == ICE_PROTO_TCP)
        tcp_remember(t, from, tcp_conn, true);
    if (first >= 20 && first <= 63) { /* DTLS */
        struct dtls_stats before, after;
        dtls_get_stats(t->dtls, &before);
        dtls_input(t->dtls, now_us, buf, n);
        pump_dtls(t);
        dtls_get_stats(t->dtls, &after);
        if (after.records_dropped == before.records_dropped)
            return TRANSPORT_RX_NONE;
        t->stats.dtls_records_dropped += after.records_dropped - before.records_dropped;
        return TRANSPORT_RX_DROP_DTLS;
    }
    if (first < 128 || first > 191) {
        t->stats.dropped_garbage++;
        return TRANSPORT_RX_DROP_GARBAGE;
    }
    if (!t->srtp) {
        t->stats.dropped_not_ready++;
        return TRANSPORT_RX_DROP_NOT_READY;
    }
    bool rtcp = rtp_is_rtcp(buf, n);
    int rc =
        rtcp ? srtpx_unprotect_rtcp(t->srtp, buf, len) : srtpx_unprotect_rtp(t->srtp, buf, len);
    if (rc < 0) {
        t->stats.srtp_auth_failures++;
        return TRANSPORT_RX_DROP_SRTP;
    }
    if (rtcp)
        t->stats.rtcp_in++;
    else
        t->stats.rtp_in++;
    return rtcp ? TRANSPORT_RX_RTCP : TRANSPORT_RX_RTP;
}

void transport_timeout(struct transport *t, int64_t now_us)
{
    ice_timeout(t->ice, now_us);
    pump_ice(t, now_us);
    tcp_prune(t);
    dtls_timeout(t->dtls, now_us);
    pump_dtls(t);
}

int64_t transport_next_deadline(const struct transport *t)
{
    int64_t a = ice_next_deadline(t->ice), b = dtls_next_deadline(t->dtls);
    return a < b ? a : b;
}

bool transport_poll(struct transport *t, struct transport_output *out)
{
    if (!t->ev_count)
        return false;
    *out = t->events[t->ev_head];
    t->ev_head = (t->ev_head + 1) % TRANSPORT_EVENTS_MAX;
    t->ev_count--;
    return true;
}

static int path_dest(struct transport *t, struct transport_dest *to)
{
    if (!t->has_path)
        return ERR_AGAIN;
    to->addr = t->path;
    to->proto = t->path_proto;
    to->tcp_conn = 0;
    if (to->proto == ICE_PROTO_TCP) {
        const struct tcp_path *p = tcp_find(t, &t->path);
        if (!p)
            return ERR_NOTFOUND;
        to->tcp_conn = p->conn;
    }
    return 0;
}

int transport_protect_rtp(struct transport *t, uint8_t *buf, size_t *len, size_t cap,
                          struct transport_dest *to)
{
    if (!t->srtp || t->failed)
        return ERR_AGAIN;
    int rc = path_dest(t, to);
    if (rc == 0)
        rc = srtpx_protect_rtp(t->srtp, buf, len, cap);
    if (rc < 0)
        return rc;
    t->stats.rtp_out++;
    t->stats.bytes_out += *len;
    return 0;
}

int transport_send_rtp(struct transport *t, uint8_t *buf, size_t len, size_t cap)
{
    struct transport_dest to;
    int rc = transport_protect_rtp(t, buf, &len, cap, &to);
    if (rc < 0)
        return rc;
    return t->send(t->send_arg, buf, len, &to.addr, to.proto, to.tcp_conn);
}

int transport_send_rtcp(struct transport *t, uint8_t *buf, size_t len, size_t cap)
{
    if (!t->srtp || t->failed)
        return ERR_AGAIN;
    int rc = srtpx_protect_rtcp(t->srtp, buf, &len, cap);
    if (rc < 0)
        return rc;
    t->stats.rtcp_out++;
    return send_path(t, buf, len);
}

int transport_restart_ice(struct transport *t, int64_t now_us, const char *local_ufrag,
                          const char *local_pwd, const char *remote_ufrag)
{
    int rc = ice_restart(t->ice, now_us, local_ufrag, local_pwd, remote_ufrag);
    pump_ice(t, now_us);
    tcp_prune(t);
    return rc;
}

void transport_tcp_closed(struct transport *t, uint64_t tcp_conn)
{
    for (size_t i = 0; i < TRANSPORT_TCP_PATHS; i++)
        if (t->tcp[i].used && t->tcp[i].conn == tcp_conn)
            t->tcp[i].used = false;
}

bool transport_is_connected(const struct transport *t)
{
    return t->srtp && !t->failed;
}

const char *transport_local_ufrag(const struct transport *t)
{
    return ice_local_ufrag(t->ice);
}

bool transport_owns_source(const struct transport *t, const struct stun_addr *from,
                           enum ice_proto proto)
{
    return valid_source(t, from, proto);
}

void transport_get_stats(const struct transport *t, struct transport_stats *out)
{
    *out = t->stats;
    if (t->srtp) {
        struct srtpx_stats s;
        srtpx_get_stats(t->srtp, &s);
        out->srtp_auth_failures = s.auth_failures + s.replay_failures;
    }
}
