/* What runs on each media worker: finds the session of every datagram (by
 * its source address, or by the ICE username for a new address), drives its
 * transport, moves media, and reports to the signaling thread. */
#define LOG_MODULE "engine"
#include "media/echo.h"
#include "media/media_int.h"
#include "media/remb_est.h"
#include "media/stun.h"
#include "media/transport.h"
#include "media/twcc.h"
#include "media/bwe.h"
#include "base/err.h"
#include "base/log.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#define ENGINE_ADDRMAP_SLOTS 8192

/* Queues len bytes of p to `to`; takes ownership of p. Queued, not sent:
 * the worker sends everything one pass of its loop produced with sendmmsg
 * (and GSO where it can), and at the latest when WORKER_TX_BATCH are
 * waiting. */
static int queue_pkt(struct worker *w, struct pkt *p, size_t len, const struct stun_addr *to)
{
    if (stun_addr_to_sockaddr(to, &p->addr, &p->addrlen) < 0) {
        pool_put(worker_pool(w), p);
        return ERR_INVAL;
    }
    p->len = len;
    return worker_send_batch(w, p);
}

/* A copy of buf in a packet of the worker's pool; 0, ERR_TOOBIG or ERR_FULL. */
static int pool_copy(struct msession *s, const uint8_t *buf, size_t len, struct pkt **out)
{
    if (len > WORKER_PKT_SIZE)
        return ERR_TOOBIG;
    struct pkt *p = pool_get(worker_pool(s->e->w));
    if (!p)
        return ERR_FULL; /* counted by the pool (pool_exhausted) */
    memcpy(p->data, buf, len);
    *out = p;
    return 0;
}

/* One datagram the transport produced itself (STUN, DTLS): over UDP a copy
 * in a pool packet joins the send batch, over ICE-TCP it is framed into the
 * connection's own buffer. */
static int send_datagram(struct msession *s, const uint8_t *buf, size_t len,
                         const struct transport_dest *to)
{
    if (to->proto == ICE_PROTO_TCP)
        return worker_send_tcp(s->e->w, to->tcp_conn, buf, len);
    struct pkt *p;
    int rc = pool_copy(s, buf, len, &p);
    return rc < 0 ? rc : queue_pkt(s->e->w, p, len, &to->addr);
}

/* Protects RTP or RTCP in p in place and sends it; takes ownership of p. */
static int send_protected(struct msession *s, struct pkt *p, size_t len, bool rtcp)
{
    struct transport_dest to;
    int rc = rtcp ? transport_protect_rtcp(s->t, p->data, &len, sizeof p->data, &to)
                  : transport_protect_rtp(s->t, p->data, &len, sizeof p->data, &to);
    if (rc == 0 && to.proto == ICE_PROTO_UDP)
        return queue_pkt(s->e->w, p, len, &to.addr);
    if (rc == 0) /* ICE-TCP: framed into the connection's own buffer */
        rc = worker_send_tcp(s->e->w, to.tcp_conn, p->data, len);
    pool_put(worker_pool(s->e->w), p);
    return rc;
}

int engine_session_send_pkt(struct msession *s, struct pkt *p, size_t len)
{
    return send_protected(s, p, len, false);
}

int engine_session_send_rtcp(struct msession *s, const uint8_t *buf, size_t len)
{
    if (!transport_is_connected(s->t))
        return ERR_AGAIN;
    struct pkt *p;
    int rc = pool_copy(s, buf, len, &p);
    return rc < 0 ? rc : send_protected(s, p, len, true);
}

/* Carries out an output of the transport that is not an event. */
static void session_io(struct msession *s, const struct transport_output *o)
{
    if (o->kind == TRANSPORT_OUT_DATAGRAM) {
        (void)send_datagram(s, o->datagram.buf, o->datagram.len, &o->datagram.to);
    } else if (o->kind == TRANSPORT_OUT_CLOSE_TCP) {
        enum worker_tcp_close why = o->close_tcp.why == TRANSPORT_TCP_CLOSE_SUPERSEDED
                                        ? WORKER_TCP_CLOSE_SUPERSEDED
                                        : WORKER_TCP_CLOSE_ENDED;
        (void)worker_close_tcp(s->e->w, o->close_tcp.conn, why);
    }
}

int engine_indices_create(struct engine *e)
{
    int rc = idmap_create(&e->by_id, 256, ENGINE_SESSIONS_MAX);
    if (rc == 0)
        rc = idmap_create(&e->by_ufrag, 256, ENGINE_SESSIONS_MAX);
    if (rc == 0)
        rc = theap_create(&e->timers, 256, ENGINE_TIMERS_MAX);
    if (rc < 0)
        engine_indices_destroy(e);
    return rc;
}

void engine_indices_destroy(struct engine *e)
{
    idmap_destroy(e->by_id);
    idmap_destroy(e->by_ufrag);
    theap_destroy(e->timers);
    e->by_id = e->by_ufrag = NULL;
    e->timers = NULL;
}

static uint64_t ufrag_key(const struct engine *e, const char *ufrag)
{
    return idmap_hash_bytes(e->by_ufrag, ufrag, strlen(ufrag));
}

void engine_ufrag_unindex(struct engine *e, struct msession *s)
{
    uint64_t k = ufrag_key(e, transport_local_ufrag(s->t));
    if (idmap_get(e->by_ufrag, k, NULL) == s)
        (void)idmap_del(e->by_ufrag, k);
}

/* Another session's ufrag with the same 64-bit keyed hash (or the same
 * ufrag) is refused: the index holds one session per key. */
int engine_ufrag_index(struct engine *e, struct msession *s)
{
    uint64_t k = ufrag_key(e, transport_local_ufrag(s->t));
    struct msession *o = idmap_get(e->by_ufrag, k, NULL);
    if (o && o != s)
        return ERR_EXISTS;
    return idmap_put(e->by_ufrag, k, s, 0);
}

void engine_session_free(struct engine *e, struct msession *s)
{
    if (s->room)
        engine_room_peer_gone(e, s);
    (void)idmap_del(e->by_id, s->id);
    engine_ufrag_unindex(e, s);
    theap_del(e->timers, s->timer);
    for (struct msession **pp = &e->sessions; *pp; pp = &(*pp)->next) {
        if (*pp == s) {
            *pp = s->next;
            break;
        }
    }
    addrmap_del_value(e->by_addr, s);
    if (s->connected)
        atomic_fetch_sub_explicit(&e->c.transports_connected, 1, memory_order_relaxed);
    else
        atomic_fetch_sub_explicit(&e->c.transports_new, 1, memory_order_relaxed);
    /* close_notify and the ICE-TCP closes; events of a session that ends are moot */
    transport_close(s->t);
    struct transport_output o;
    while (transport_poll(s->t, &o))
        session_io(s, &o);
    transport_destroy(s->t);
    twcc_recv_destroy(s->twcc);
    bwe_destroy(s->bwe);
    remb_est_destroy(s->remb);
    free(s);
}

bool engine_session_events(struct engine *e, struct msession *s)
{
    struct transport_output o;
    while (transport_poll(s->t, &o)) {
        if (o.kind != TRANSPORT_OUT_EVENT) {
            session_io(s, &o);
            continue;
        }
        switch (o.event.type) {
        case TRANSPORT_EVENT_CONNECTED:
            if (!s->connected) {
                s->connected = true;
                atomic_fetch_sub_explicit(&e->c.transports_new, 1, memory_order_relaxed);
                atomic_fetch_add_explicit(&e->c.transports_connected, 1, memory_order_relaxed);
                atomic_fetch_add_explicit(&e->c.dtls_ok, 1, memory_order_relaxed);
            }
            media_push_event(e->m, s->id, MEDIA_EVENT_CONNECTED, o.event.proto, NULL);
            break;
        case TRANSPORT_EVENT_PATH:
            media_push_event(e->m, s->id, MEDIA_EVENT_PATH, o.event.proto, NULL);
            break;
        case TRANSPORT_EVENT_FAILED:
        case TRANSPORT_EVENT_CLOSED: {
            bool failed = o.event.type == TRANSPORT_EVENT_FAILED;
            if (failed) {
                atomic_fetch_add_explicit(&e->c.transports_failed, 1, memory_order_relaxed);
                if (!s->connected)
                    atomic_fetch_add_explicit(&e->c.dtls_failed, 1, memory_order_relaxed);
            }
            LOG_I("session %llu %s: %s", (unsigned long long)s->id, failed ? "failed" : "closed",
                  o.event.reason ? o.event.reason : "by the peer");
            media_push_event(e->m, s->id, failed ? MEDIA_EVENT_FAILED : MEDIA_EVENT_CLOSED,
                             o.event.proto, o.event.reason ? o.event.reason : "closed by the peer");
            engine_session_free(e, s);
            return false;
        }
        }
    }
    return true;
}

/* Media of the echo check: back to the browser under the server's SSRCs. */
static void echo_media(struct engine *e, struct msession *s, enum transport_rx rx,
                       const uint8_t *buf, size_t len)
{
    if (rx == TRANSPORT_RX_RTP) {
        struct pkt *p = len <= WORKER_PKT_SIZE ? pool_get(worker_pool(e->w)) : NULL;
        if (!p)
            return;
        memcpy(p->data, buf, len);
        if (echo_rtp(&s->map, p->data, len) < 0)
            pool_put(worker_pool(e->w), p);
        else
            (void)engine_session_send_pkt(s, p, len); /* takes p */
    } else {
        uint8_t out[WORKER_PKT_SIZE];
        int n = echo_rtcp(&s->map, s->rtcp_ssrc, buf, len, out, sizeof out);
        if (n > 0)
            (void)engine_session_send_rtcp(s, out, (size_t)n);
    }
}

void engine_session_rearm(struct engine *e, struct msession *s)
{
    int64_t d = transport_next_deadline(s->t);
    if (s->expires_us < d)
        d = s->expires_us;
    engine_timer_set(e, s->timer, d);
}

void engine_session_timeout(struct engine *e, struct msession *s, int64_t now_us)
{
    if (now_us >= s->expires_us) {
        media_push_event(e->m, s->id, MEDIA_EVENT_CLOSED, ICE_PROTO_UDP, "time limit reached");
        engine_session_free(e, s);
        return;
    }
    if (transport_next_deadline(s->t) <= now_us)
        transport_timeout(s->t, now_us);
    if (engine_session_events(e, s))
        engine_session_rearm(e, s);
}

struct msession *engine_session_by_ufrag(struct engine *e, const uint8_t *buf, size_t len)
{
    struct stun_msg msg;
    char ufrag[MEDIA_CRED_MAX];
    if (stun_parse(&msg, buf, len) < 0 || ice_username_local_ufrag(&msg, ufrag, sizeof ufrag) < 0)
        return NULL;
    struct msession *s = idmap_get(e->by_ufrag, ufrag_key(e, ufrag), NULL);
    if (s && strcmp(transport_local_ufrag(s->t), ufrag) == 0)
        return s;
    return NULL;
}

static void on_datagram(void *arg, struct worker *w, int64_t now_us, uint8_t *buf, size_t len,
                        const struct sockaddr_storage *from, socklen_t fromlen,
                        enum worker_proto wproto, worker_conn_id conn)
{
    struct engine *e = arg;
    struct stun_addr addr;
    enum ice_proto proto = wproto == WORKER_PROTO_TCP ? ICE_PROTO_TCP : ICE_PROTO_UDP;
    enum worker_class cls = worker_classify(buf, len);
    if (stun_addr_from_sockaddr(&addr, (const struct sockaddr *)from, fromlen) < 0) {
        worker_count_drop(w, cls);
        return;
    }
    struct msession *s = addrmap_get(e->by_addr, &addr, (uint8_t)proto);
    if (!s && cls == WORKER_CLASS_STUN)
        s = engine_session_by_ufrag(e, buf, len);
    if (!s) {
        /* Nobody's: only STUN with a known username may open a path. */
        worker_count_drop(w, cls);
        atomic_fetch_add_explicit(&e->c.dropped_unknown_source, 1, memory_order_relaxed);
        return;
    }

    size_t n = len;
    enum transport_rx rx = transport_input(s->t, now_us, buf, &n, &addr, proto, conn);
    switch (rx) {
    case TRANSPORT_RX_DROP_UNKNOWN_SOURCE:
        atomic_fetch_add_explicit(&e->c.dropped_unknown_source, 1, memory_order_relaxed);
        worker_count_drop(w, cls);
        break;
    case TRANSPORT_RX_DROP_GARBAGE:
        atomic_fetch_add_explicit(&e->c.dropped_garbage, 1, memory_order_relaxed);
        worker_count_drop(w, cls);
        break;
    case TRANSPORT_RX_DROP_SRTP:
        atomic_fetch_add_explicit(&e->c.srtp_failures, 1, memory_order_relaxed);
        worker_count_drop(w, cls);
        break;
    case TRANSPORT_RX_DROP_NOT_READY:
        worker_count_drop(w, cls);
        break;
    case TRANSPORT_RX_DROP_DTLS: { /* some or all of its records */
        struct transport_stats ts;
        transport_get_stats(s->t, &ts);
        atomic_fetch_add_explicit(&e->c.dtls_records_dropped,
                                  ts.dtls_records_dropped - s->dtls_dropped, memory_order_relaxed);
        s->dtls_dropped = ts.dtls_records_dropped;
        break;
    }
    case TRANSPORT_RX_NONE:
    case TRANSPORT_RX_RTP:
    case TRANSPORT_RX_RTCP:
        break;
    }
    if (cls == WORKER_CLASS_STUN && transport_owns_source(s->t, &addr, proto)) {
        /* A valid check: over ICE-TCP the connection has authenticated
         * and leaves the worker's admission deadline. */
        if (proto == ICE_PROTO_TCP)
            (void)worker_tcp_authenticated(w, conn);
        if (addrmap_get(e->by_addr, &addr, (uint8_t)proto) != s &&
            addrmap_put(e->by_addr, &addr, (uint8_t)proto, s) < 0)
            LOG_W("worker %u: address table full", e->index);
    }
    if (rx == TRANSPORT_RX_RTP || rx == TRANSPORT_RX_RTCP) {
        if (s->room)
            engine_room_media(e, s, now_us, rx == TRANSPORT_RX_RTCP, buf, n);
        else
            echo_media(e, s, rx, buf, n);
    }
    if (engine_session_events(e, s))
        engine_session_rearm(e, s);
}

/* A connection is gone: its transport (found by its address, mapped at its
 * first valid check) forgets it, so that it no longer counts against the
 * transport's share. */
static void on_tcp_closed(void *arg, struct worker *w, worker_conn_id conn,
                          const struct sockaddr_storage *peer, socklen_t peerlen)
{
    (void)w;
    struct engine *e = arg;
    struct stun_addr addr;
    if (stun_addr_from_sockaddr(&addr, (const struct sockaddr *)peer, peerlen) < 0)
        return;
    struct msession *s = addrmap_get(e->by_addr, &addr, (uint8_t)ICE_PROTO_TCP);
    if (!s)
        return;
    transport_tcp_closed(s->t, conn);
    addrmap_del(e->by_addr, &addr, (uint8_t)ICE_PROTO_TCP);
}

static void on_timer(void *arg, struct worker *w, int64_t now_us)
{
    (void)w;
    engine_timers_run(arg, now_us);
}

struct msession *engine_session_find(struct engine *e, uint64_t id)
{
    return idmap_get(e->by_id, id, NULL);
}

int engine_session_create(struct engine *e, int64_t now_us, uint64_t id, const char *ufrag,
                          const char *pwd, const char *remote_ufrag, const char *fp_alg,
                          const char *fp, enum dtls_role role, struct msession **out)
{
    if (engine_session_find(e, id))
        return ERR_EXISTS;
    struct msession *s = calloc(1, sizeof *s);
    if (!s)
        return ERR_NOMEM;
    struct transport_cfg cfg = {
        .local_ufrag = ufrag,
        .local_pwd = pwd,
        .remote_ufrag = remote_ufrag,
        .cert = e->m->cert,
        .role = role,
        .remote_fp_alg = fp_alg,
        .remote_fp = fp,
        .now_us = now_us,
    };
    int rc = transport_create(&s->t, &cfg);
    if (rc < 0) {
        free(s);
        return rc;
    }
    s->e = e;
    s->id = id;
    s->expires_us = INT64_MAX;
    rc = theap_add(e->timers, ENGINE_TIMER_SESSION, s, &s->timer);
    if (rc == 0) {
        rc = idmap_put(e->by_id, id, s, 0);
        if (rc < 0)
            theap_del(e->timers, s->timer);
    }
    if (rc == 0) {
        rc = engine_ufrag_index(e, s);
        if (rc < 0) {
            (void)idmap_del(e->by_id, id);
            theap_del(e->timers, s->timer);
        }
    }
    if (rc < 0) {
        transport_destroy(s->t);
        free(s);
        return rc;
    }
    s->next = e->sessions;
    e->sessions = s;
    atomic_fetch_add_explicit(&e->c.transports_new, 1, memory_order_relaxed);
    *out = s;
    return 0;
}

void engine_echo_create(struct engine *e, int64_t now_us, const struct media_echo_params *p)
{
    struct msession *s;
    if (engine_session_create(e, now_us, p->session, p->ufrag, p->pwd, p->remote_ufrag, p->fp_alg,
                              p->fp, p->role, &s) < 0) {
        media_push_event(e->m, p->session, MEDIA_EVENT_FAILED, ICE_PROTO_UDP,
                         "bad transport parameters");
        return;
    }
    s->map = p->map;
    s->rtcp_ssrc = p->rtcp_ssrc;
    s->expires_us = now_us + p->max_duration_us;
    engine_session_rearm(e, s);
}

static void on_command(void *arg, struct worker *w, void *ptr)
{
    (void)w;
    struct engine *e = arg;
    struct media_cmd *cmd = ptr;
    if (cmd->kind == MEDIA_CMD_ECHO) {
        engine_echo_create(e, worker_clock_us(), &cmd->u.echo);
    } else if (cmd->kind >= MEDIA_CMD_PHONE_CREATE && cmd->kind <= MEDIA_CMD_MIX_SOURCE) {
        engine_phone_command(e, cmd);
    } else if (cmd->kind == MEDIA_CMD_CLOSE) {
        struct msession *s = engine_session_find(e, cmd->session);
        if (s)
            engine_session_free(e, s);
    } else {
        engine_room_command(e, cmd);
    }
    OPENSSL_cleanse(cmd, sizeof *cmd); /* it carries the ICE password */
    free(cmd);
}

static void on_stop(void *arg, struct worker *w)
{
    (void)w;
    struct engine *e = arg;
    while (e->sessions)
        engine_session_free(e, e->sessions);
    engine_rooms_free(e);
}

const struct worker_handler engine_handler = {
    .on_datagram = on_datagram,
    .on_timer = on_timer,
    .on_command = on_command,
    .on_tcp_closed = on_tcp_closed,
    .on_stop = on_stop,
    .on_udp = engine_phone_udp,
};
