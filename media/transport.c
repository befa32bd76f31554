#include "media/transport.h"
#include "media/rtp.h"
#include "media/srtp.h"
#include "base/err.h"

#include <stdlib.h>
#include <string.h>

struct tcp_path {
    struct stun_addr addr;
    uint64_t conn;
    uint64_t since; /* order of arrival or last valid input (as ICE ranks its pairs) */
    bool used;
    bool valid; /* its source passed an ICE check */
};

/* A queued datagram: its bytes are out_bytes[off..off+len). */
struct out_datagram {
    uint64_t seq;
    uint32_t off, len;
    struct transport_dest to;
};

/* A queued close request or event. */
struct out_control {
    uint64_t seq;
    struct transport_output o;
};

struct transport {
    struct ice_agent *ice;
    struct dtls *dtls;
    struct srtpx *srtp;
    bool failed; /* failed, closed by the peer or by transport_close(): inert */
    bool closed; /* transport_close() */
    bool has_path;
    struct stun_addr path;
    enum ice_proto path_proto;
    struct tcp_path tcp[TRANSPORT_TCP_PATHS]; /* one per source address */
    uint64_t tcp_seq;
    /* The output queue: two rings, merged by sequence number in
     * transport_poll(). The datagrams' bytes are appended to out_bytes and
     * reclaimed all at once when the last datagram is polled. */
    uint64_t out_seq;
    struct out_datagram dg[TRANSPORT_OUT_DATAGRAMS];
    unsigned dg_head, dg_count;
    size_t out_used;
    struct out_control ctl[TRANSPORT_OUT_CONTROL];
    unsigned ctl_head, ctl_count;
    struct transport_stats stats;
    uint8_t out_bytes[TRANSPORT_OUT_BYTES];
};

/* Queues a close request or an event; when full, the oldest goes. */
static void push_control(struct transport *t, const struct transport_output *o)
{
    if (t->ctl_count == TRANSPORT_OUT_CONTROL) {
        t->ctl_head = (t->ctl_head + 1) % TRANSPORT_OUT_CONTROL;
        t->ctl_count--;
        t->stats.outputs_dropped++;
    }
    struct out_control *c = &t->ctl[(t->ctl_head + t->ctl_count) % TRANSPORT_OUT_CONTROL];
    c->seq = t->out_seq++;
    c->o = *o;
    t->ctl_count++;
}

static void emit(struct transport *t, enum transport_event ev, const char *reason)
{
    struct transport_output o = {.kind = TRANSPORT_OUT_EVENT};
    o.event.type = ev;
    o.event.proto = t->path_proto;
    o.event.reason = reason;
    push_control(t, &o);
}

/* Queues a copy of one datagram; dropped (and counted) when the queue or
 * its bytes are full. */
static void push_datagram(struct transport *t, const uint8_t *buf, size_t len,
                          const struct transport_dest *to)
{
    if (t->dg_count == TRANSPORT_OUT_DATAGRAMS || len > TRANSPORT_OUT_BYTES - t->out_used) {
        t->stats.datagrams_dropped++;
        return;
    }
    struct out_datagram *d = &t->dg[(t->dg_head + t->dg_count) % TRANSPORT_OUT_DATAGRAMS];
    d->seq = t->out_seq++;
    d->off = (uint32_t)t->out_used;
    d->len = (uint32_t)len;
    d->to = *to;
    memcpy(t->out_bytes + t->out_used, buf, len);
    t->out_used += len;
    t->dg_count++;
    t->stats.bytes_out += len;
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
    struct transport_output o = {.kind = TRANSPORT_OUT_CLOSE_TCP};
    o.close_tcp.conn = p->conn;
    o.close_tcp.why = why;
    push_control(t, &o);
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

/* Where a datagram to (addr, proto) goes; ERR_NOTFOUND over ICE-TCP
 * without a connection from that address. */
static int dest(struct transport *t, const struct stun_addr *addr, enum ice_proto proto,
                struct transport_dest *to)
{
    to->addr = *addr;
    to->proto = proto;
    to->tcp_conn = 0;
    if (proto == ICE_PROTO_TCP) {
        const struct tcp_path *p = tcp_find(t, addr);
        if (!p)
            return ERR_NOTFOUND;
        to->tcp_conn = p->conn;
    }
    return 0;
}

static void send_to(struct transport *t, const uint8_t *buf, size_t len,
                    const struct stun_addr *addr, enum ice_proto proto)
{
    struct transport_dest to;
    if (dest(t, addr, proto, &to) == 0)
        push_datagram(t, buf, len, &to);
}

static void send_path(struct transport *t, const uint8_t *buf, size_t len)
{
    if (t->has_path)
        send_to(t, buf, len, &t->path, t->path_proto);
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
    if (!out || !cfg || !cfg->cert)
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
    *out = t;
    return 0;
}

void transport_close(struct transport *t)
{
    if (t->closed)
        return;
    if (t->srtp && !t->failed) {
        dtls_close(t->dtls);
        pump_dtls(t);
    }
    for (size_t i = 0; i < TRANSPORT_TCP_PATHS; i++)
        if (t->tcp[i].used)
            tcp_forget(t, &t->tcp[i], TRANSPORT_TCP_CLOSE_ENDED);
    t->closed = t->failed = true;
}

void transport_destroy(struct transport *t)
{
    if (!t)
        return;
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
    if (t->closed)
        return;
    ice_timeout(t->ice, now_us);
    pump_ice(t, now_us);
    tcp_prune(t);
    dtls_timeout(t->dtls, now_us);
    pump_dtls(t);
}

int64_t transport_next_deadline(const struct transport *t)
{
    if (t->closed)
        return INT64_MAX;
    int64_t a = ice_next_deadline(t->ice), b = dtls_next_deadline(t->dtls);
    return a < b ? a : b;
}

bool transport_poll(struct transport *t, struct transport_output *out)
{
    bool dg = t->dg_count > 0, ctl = t->ctl_count > 0;
    if (ctl && (!dg || t->ctl[t->ctl_head].seq < t->dg[t->dg_head].seq)) {
        *out = t->ctl[t->ctl_head].o;
        t->ctl_head = (t->ctl_head + 1) % TRANSPORT_OUT_CONTROL;
        t->ctl_count--;
        return true;
    }
    if (!dg)
        return false;
    const struct out_datagram *d = &t->dg[t->dg_head];
    memset(out, 0, sizeof *out);
    out->kind = TRANSPORT_OUT_DATAGRAM;
    out->datagram.buf = t->out_bytes + d->off;
    out->datagram.len = d->len;
    out->datagram.to = d->to;
    t->dg_head = (t->dg_head + 1) % TRANSPORT_OUT_DATAGRAMS;
    if (--t->dg_count == 0)
        t->out_used = 0; /* the bytes stay until the next datagram is queued */
    return true;
}

static int protect(struct transport *t, bool rtcp, uint8_t *buf, size_t *len, size_t cap,
                   struct transport_dest *to)
{
    if (!t->srtp || t->failed || !t->has_path)
        return ERR_AGAIN;
    int rc = dest(t, &t->path, t->path_proto, to);
    if (rc == 0)
        rc = rtcp ? srtpx_protect_rtcp(t->srtp, buf, len, cap)
                  : srtpx_protect_rtp(t->srtp, buf, len, cap);
    if (rc < 0)
        return rc;
    if (rtcp)
        t->stats.rtcp_out++;
    else
        t->stats.rtp_out++;
    t->stats.bytes_out += *len;
    return 0;
}

int transport_protect_rtp(struct transport *t, uint8_t *buf, size_t *len, size_t cap,
                          struct transport_dest *to)
{
    return protect(t, false, buf, len, cap, to);
}

int transport_protect_rtcp(struct transport *t, uint8_t *buf, size_t *len, size_t cap,
                           struct transport_dest *to)
{
    return protect(t, true, buf, len, cap, to);
}

int transport_restart_ice(struct transport *t, int64_t now_us, const char *local_ufrag,
                          const char *local_pwd, const char *remote_ufrag)
{
    if (t->closed)
        return ERR_PROTO;
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
