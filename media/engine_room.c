/* Meeting rooms on a media worker: each room has one router; its peers are
 * the participants' publish and subscribe transports on this worker. */
#define LOG_MODULE "room"
#include "media/engine.h"
#include "media/media_int.h"
#include "media/mixer.h"
#include "media/router.h"
#include "media/transport.h"
#include "media/bwe.h"
#include "media/probe.h"
#include "media/vpause.h"
#include "media/remb_est.h"
#include "media/rtcp.h"
#include "media/rtp.h"
#include "media/twcc.h"
#include "base/err.h"
#include "base/log.h"

#include <stdlib.h>
#include <string.h>

#define ROOM_TWCC_SSRC 0x53414d54u  /* sender SSRC of our transport-cc feedback */
#define ROOM_BWE_INTERVAL_US 200000 /* how often a subscriber's estimate reaches the router */
#define ROOM_TWCC_PKTS 1024
#define SRTPX_TRAILER_ROOM 32 /* room left for the SRTCP tag and index */

static uint32_t peer_id(const struct msession *s)
{
    return (uint32_t)s->id;
}

static struct msession *room_peer(struct mroom *room, uint32_t peer)
{
    for (size_t i = 0; i < ROOM_PEERS_MAX; i++)
        if (room->peers[i] && peer_id(room->peers[i]) == peer)
            return room->peers[i];
    return NULL;
}

_Static_assert(sizeof(((struct pkt *)0)->data) >= ROUTER_PKT_CAP,
               "a pool packet holds what the router writes");

/* Our own transport-wide sequence number, for the subscriber's feedback:
 * only on packets that carry the extension, where the router says (else
 * the estimator would wait for feedback about a number never sent). A
 * probe's number joins the probe train. */
static void stamp_twcc(struct msession *s, int64_t now_us, uint8_t *buf, size_t len, size_t off)
{
    if (!s->bwe || !s->twcc_out_id || off == 0 || off + 2 > len ||
        buf[off - 1] != (uint8_t)(s->twcc_out_id << 4 | 1))
        return;
    uint16_t seq = bwe_on_send(s->bwe, now_us, len + 38 /* SRTP, UDP, IP */);
    buf[off] = (uint8_t)(seq >> 8);
    buf[off + 1] = (uint8_t)seq;
    if (s->probe_sending)
        probe_sent(&s->probe, seq, len + 38);
}

/* One RTP or RTCP output of the router for a peer on this worker: RTP is
 * written straight into a packet of the worker's pool, protected in place
 * and queued (the router's write is its only copy); RTCP goes out through
 * the transport. Not written (counted by the router) for a peer that
 * cannot receive, without a pool packet, or without a worker (an engine on
 * a fake clock). */
static void send_output(struct mroom *room, int64_t now_us, struct router_output *o)
{
    struct msession *s = room_peer(room, o->peer);
    if (!s || !transport_is_connected(s->t))
        return;
    if (o->kind == ROUTER_OUT_RTCP) {
        uint8_t buf[ROUTER_PKT_CAP];
        size_t n = router_write(room->router, o, buf, sizeof buf);
        if (n)
            (void)engine_session_send_rtcp(s, buf, n);
        return;
    }
    if (!room->out_pkt) { /* else the last one was not used: reused */
        if (!room->e->w)
            return;
        room->out_pkt = pool_get(worker_pool(room->e->w));
        if (!room->out_pkt)
            return;
    }
    struct pkt *p = room->out_pkt;
    size_t n = router_write(room->router, o, p->data, sizeof p->data);
    if (!n)
        return;
    room->out_pkt = NULL;
    stamp_twcc(s, now_us, p->data, n, o->twcc_off);
    if (room->e->corrupt.every)
        (void)fault_corrupt_apply(&room->e->corrupt, p->data, n); /* test switch, fault.h */
    (void)engine_session_send_pkt(s, p, n);                       /* takes p */
}

static void on_router_event(struct mroom *room, int64_t now_us, const struct router_event *ev)
{
    if (ev->kind == ROUTER_EVENT_VIDEO_PAUSED) {
        struct msession *s = room_peer(room, ev->peer);
        if (!s)
            return;
        s->next_probe_us = ev->layer ? now_us + VPAUSE_PROBE_INTERVAL_US : INT64_MAX;
        s->probe.active = false;
        if (ev->layer)
            engine_timer_lower(room->e, room->timer, s->next_probe_us);
        LOG_I("session %llu: video %s (audio first)", (unsigned long long)s->id,
              ev->layer ? "paused: the downlink cannot carry it" : "resumed");
        struct media_event out = {
            .kind = MEDIA_EVENT_VIDEO_PAUSED,
            .session = s->id,
            .room = room->id,
            .paused = ev->layer != 0,
        };
        media_push(room->e->m, &out);
        return;
    }
    if (ev->kind != ROUTER_EVENT_ACTIVE_SPEAKER)
        return;
    struct media_event out = {
        .kind = MEDIA_EVENT_SPEAKER,
        .room = room->id,
        .producer = ev->producer,
    };
    media_push(room->e->m, &out);
}

void engine_room_drain(struct mroom *room, int64_t now_us)
{
    struct router_output o;
    while (router_poll(room->router, &o)) {
        if (o.kind == ROUTER_OUT_EVENT) {
            on_router_event(room, now_us, &o.event);
        } else if (o.peer != MEDIA_MIX_PEER) {
            send_output(room, now_us, &o);
        } else if (o.kind == ROUTER_OUT_RTP) { /* read in place by the mixer, never sent */
            size_t n = router_write(room->router, &o, room->mix_buf, sizeof room->mix_buf);
            if (n)
                engine_phone_mix_rtp(room, now_us, room->mix_buf, n);
        }
    }
}

struct mroom *engine_room_find(struct engine *e, int64_t id)
{
    for (struct mroom *r = e->rooms; r; r = r->next)
        if (r->id == id)
            return r;
    return NULL;
}

struct mroom *engine_room_get(struct engine *e, int64_t id)
{
    struct mroom *room = engine_room_find(e, id);
    if (room)
        return room;
    room = calloc(1, sizeof *room);
    if (!room)
        return NULL;
    room->e = e;
    room->id = id;
    struct router_cfg cfg = {
        .now_us = worker_clock_us(),
    };
    if (router_create(&room->router, &cfg) < 0) {
        free(room);
        return NULL;
    }
    if (theap_add(e->timers, ENGINE_TIMER_ROOM, room, &room->timer) < 0) {
        router_destroy(room->router);
        free(room);
        return NULL;
    }
    room->next = e->rooms;
    e->rooms = room;
    return room;
}

static void add(_Atomic uint64_t *counter, uint64_t now, uint64_t *counted)
{
    atomic_fetch_add_explicit(counter, now - *counted, memory_order_relaxed);
    *counted = now;
}

/* Moves the router's growth since the last look into the engine's counters. */
static void count_router(struct engine *e, struct mroom *room)
{
    struct router_stats st;
    struct router_stats *c = &room->counted;
    router_get_stats(room->router, &st);
    add(&e->c.rtp_forwarded, st.rtp_forwarded, &c->rtp_forwarded);
    add(&e->c.nacks_in, st.nacks_in, &c->nacks_in);
    add(&e->c.retransmissions, st.retransmissions, &c->retransmissions);
    add(&e->c.nacks_out, st.nacks_out, &c->nacks_out);
    add(&e->c.keyframe_requests_in, st.keyframe_requests_in, &c->keyframe_requests_in);
    add(&e->c.keyframe_requests_out, st.keyframe_requests_out, &c->keyframe_requests_out);
    add(&e->c.layer_switches, st.layer_switches, &c->layer_switches);
    add(&e->c.retransmissions_pending, st.retransmissions_pending, &c->retransmissions_pending);
    add(&e->c.retransmissions_missed, st.retransmissions_missed, &c->retransmissions_missed);
    add(&e->c.upstream_missing, st.upstream_missing, &c->upstream_missing);
    add(&e->c.upstream_repaired, st.upstream_repaired, &c->upstream_repaired);
    add(&e->c.upstream_unrepaired, st.upstream_unrepaired, &c->upstream_unrepaired);
    add(&e->c.upstream_repair_us, st.upstream_repair_us, &c->upstream_repair_us);
    add(&e->c.upstream_tail_probes, st.upstream_tail_probes, &c->upstream_tail_probes);
    add(&e->c.key_copies, st.key_copies, &c->key_copies);
    add(&e->c.retransmission_copies, st.retransmission_copies, &c->retransmission_copies);
    add(&e->c.rtp_out_dropped, st.rtp_out_dropped, &c->rtp_out_dropped);
}

static void room_free(struct engine *e, struct mroom *room)
{
    for (struct mroom **pp = &e->rooms; *pp; pp = &(*pp)->next) {
        if (*pp == room) {
            *pp = room->next;
            break;
        }
    }
    for (size_t i = 0; i < ROOM_PEERS_MAX; i++) {
        struct msession *s = room->peers[i];
        if (s) {
            s->room = NULL; /* no callback into a room going away */
            engine_session_free(e, s);
        }
    }
    engine_phone_room_gone(e, room);
    theap_del(e->timers, room->timer);
    count_router(e, room);
    router_destroy(room->router);
    if (room->out_pkt)
        pool_put(worker_pool(e->w), room->out_pkt);
    free(room);
}

static int64_t earlier(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

void engine_room_rearm(struct engine *e, struct mroom *room)
{
    int64_t d = router_next_deadline(room->router);
    for (size_t i = 0; i < ROOM_PEERS_MAX; i++) {
        const struct msession *s = room->peers[i];
        if (!s)
            continue;
        if (s->twcc && s->twcc_in_id && transport_is_connected(s->t))
            d = earlier(d, twcc_recv_next_deadline(s->twcc));
        if (s->remb)
            d = earlier(d, remb_est_next_deadline(s->remb));
        if (s->bwe && s->twcc_out_id)
            d = earlier(d, s->next_probe_us);
    }
    if (room->phones && room->mixer)
        d = earlier(d, mixer_next_deadline(room->mixer));
    engine_timer_set(e, room->timer, d);
}

void engine_room_peer_gone(struct engine *e, struct msession *s)
{
    struct mroom *room = s->room;
    router_remove_peer(room->router, peer_id(s));
    engine_room_drain(room, worker_clock_us());
    for (size_t i = 0; i < ROOM_PEERS_MAX; i++)
        if (room->peers[i] == s)
            room->peers[i] = NULL;
    s->room = NULL;
    (void)e;
}

static void create_peer(struct engine *e, const struct media_cmd *cmd)
{
    const struct media_peer_params *p = &cmd->u.peer;
    struct mroom *room = engine_room_get(e, p->room);
    size_t slot = ROOM_PEERS_MAX;
    for (size_t i = 0; room && i < ROOM_PEERS_MAX && slot == ROOM_PEERS_MAX; i++)
        if (!room->peers[i])
            slot = i;
    struct msession *s = NULL;
    if (!room || slot == ROOM_PEERS_MAX ||
        engine_session_create(e, worker_clock_us(), p->session, p->ufrag, p->pwd, p->remote_ufrag,
                              p->fp_alg, p->fp, p->role, &s) < 0) {
        media_push_event(e->m, p->session, MEDIA_EVENT_FAILED, ICE_PROTO_UDP,
                         "the transport could not be created");
        return;
    }
    s->room = room;
    room->peers[slot] = s;
    s->twcc_out_id = p->twcc_out_id;
    s->next_probe_us = INT64_MAX;
    probe_init(&s->probe);
    if (twcc_recv_create(&s->twcc, NULL) < 0 || bwe_create(&s->bwe, NULL) < 0)
        LOG_W("session %llu: no congestion control (out of memory)", (unsigned long long)s->id);
    engine_session_rearm(e, s);
}

static void restart_ice(struct engine *e, const struct media_cmd *cmd)
{
    struct msession *s = engine_session_find(e, cmd->session);
    if (!s)
        return;
    engine_ufrag_unindex(e, s);
    int rc = transport_restart_ice(s->t, worker_clock_us(), cmd->u.restart.ufrag,
                                   cmd->u.restart.pwd, cmd->u.restart.remote_ufrag);
    if (rc < 0)
        LOG_W("session %llu: ICE restart refused: %s", (unsigned long long)s->id, err_str(rc));
    /* The new ufrag (or, refused, the old one again). */
    rc = engine_ufrag_index(e, s);
    if (rc < 0)
        LOG_W("session %llu: ufrag not indexed: %s", (unsigned long long)s->id, err_str(rc));
    if (engine_session_events(e, s))
        engine_session_rearm(e, s);
}

/* What the router may send a subscriber: the estimate, under its own cap. */
static void report_bitrate(struct mroom *room, struct msession *s, int64_t now_us)
{
    uint64_t bps = s->bwe ? bwe_estimate(s->bwe) : 0;
    if (s->max_bps && (!bps || bps > s->max_bps))
        bps = s->max_bps;
    router_set_peer_bitrate(room->router, peer_id(s), bps);
    engine_room_drain(room, now_us);
}

static void cap_peer(struct engine *e, const struct media_cmd *cmd)
{
    struct msession *s = engine_session_find(e, cmd->session);
    if (!s || !s->room)
        return;
    s->max_bps = cmd->u.bps;
    report_bitrate(s->room, s, worker_clock_us());
    engine_room_rearm(e, s->room); /* the router may act on it sooner */
}

/* A publisher without transport-cc: REMB from our estimate of its uplink. */
static void set_remb(struct engine *e, const struct media_cmd *cmd)
{
    struct msession *s = engine_session_find(e, cmd->session);
    if (!s || !s->room)
        return;
    if (!cmd->u.remb) {
        remb_est_destroy(s->remb);
        s->remb = NULL;
    } else if (!s->remb && remb_est_create(&s->remb, NULL) < 0) {
        LOG_W("session %llu: no REMB (out of memory)", (unsigned long long)s->id);
    }
    engine_room_rearm(e, s->room);
}

void engine_room_command(struct engine *e, struct media_cmd *cmd)
{
    if (cmd->kind == MEDIA_CMD_PEER_CAP) {
        cap_peer(e, cmd);
        return;
    }
    if (cmd->kind == MEDIA_CMD_PEER_REMB) {
        set_remb(e, cmd);
        return;
    }
    if (cmd->kind == MEDIA_CMD_PEER) {
        create_peer(e, cmd);
        return;
    }
    if (cmd->kind == MEDIA_CMD_ICE_RESTART) {
        restart_ice(e, cmd);
        return;
    }
    struct mroom *room = engine_room_find(e, cmd->room);
    if (!room)
        return; /* closed meanwhile */
    int rc = 0;
    switch (cmd->kind) {
    case MEDIA_CMD_PRODUCER_ADD: {
        /* The publisher's transport-wide seq id is per transport: any producer tells it. */
        struct msession *pub = room_peer(room, cmd->u.producer.peer);
        if (pub && cmd->u.producer.ext.twcc)
            pub->twcc_in_id = cmd->u.producer.ext.twcc;
        rc = router_add_producer(room->router, &cmd->u.producer);
        break;
    }
    case MEDIA_CMD_PRODUCER_REMOVE:
        rc = router_remove_producer(room->router, cmd->id);
        break;
    case MEDIA_CMD_CONSUMER_ADD:
        rc = router_add_consumer(room->router, &cmd->u.consumer);
        break;
    case MEDIA_CMD_CONSUMER_REMOVE:
        rc = router_remove_consumer(room->router, cmd->id);
        break;
    case MEDIA_CMD_PREFS:
        rc = router_set_prefs(room->router, cmd->id, &cmd->u.prefs);
        break;
    case MEDIA_CMD_ROOM_CLOSE:
        room_free(e, room);
        return;
    default:
        break;
    }
    if (rc < 0)
        LOG_W("room %lld: command %d for %u refused: %s", (long long)room->id, (int)cmd->kind,
              cmd->id, err_str(rc));
    engine_room_drain(room, worker_clock_us());
    engine_room_rearm(e, room);
}

/* A completed probe raises the estimate to what it showed, up to twice what
 * resuming the paused video takes (a few back-to-back packets overstate a
 * fast link; the AIMD control goes on from there). */
static void probe_result(struct mroom *room, struct msession *s, int64_t now_us,
                         const struct rtcp_twcc *tw, const struct rtcp_twcc_pkt *pkts)
{
    uint64_t bps, cap;
    if (!probe_on_feedback(&s->probe, now_us, tw, pkts, tw->status_count, &bps))
        return;
    cap = 2 * router_peer_resume_bps(room->router, peer_id(s));
    LOG_D("session %llu: probe showed %llu bit/s (estimate %llu)", (unsigned long long)s->id,
          (unsigned long long)bps, (unsigned long long)bwe_estimate(s->bwe));
    if (bps > 0 && cap > 0)
        bwe_on_probe(s->bwe, bps < cap ? bps : cap);
}

/* While video towards a subscriber is paused: a probe train when due. */
static void send_probes(struct mroom *room, int64_t now_us)
{
    for (size_t i = 0; i < ROOM_PEERS_MAX; i++) {
        struct msession *s = room->peers[i];
        if (!s || !s->bwe || !s->twcc_out_id || s->next_probe_us == INT64_MAX)
            continue;
        if (!router_peer_video_paused(room->router, peer_id(s))) {
            s->next_probe_us = INT64_MAX;
            continue;
        }
        if (s->next_probe_us <= now_us && transport_is_connected(s->t)) {
            probe_start(&s->probe, now_us);
            s->probe_sending = true;
            (void)router_send_probe(room->router, now_us, peer_id(s), PROBE_PACKETS);
            engine_room_drain(room, now_us);
            s->probe_sending = false;
            s->next_probe_us = now_us + VPAUSE_PROBE_INTERVAL_US;
        }
    }
}

/* A subscriber's feedback about what we sent it: transport-cc and losses. */
static void feed_bwe(struct mroom *room, struct msession *s, int64_t now_us, const uint8_t *buf,
                     size_t len)
{
    struct rtcp_twcc_pkt pkts[ROOM_TWCC_PKTS];
    struct rtcp_iter it;
    struct rtcp_block b;
    rtcp_iter_init(&it, buf, len);
    while (rtcp_iter_next(&it, &b)) {
        struct rtcp_fb fb;
        struct rtcp_twcc tw;
        struct rtcp_rr rr;
        if (b.pt == RTCP_RTPFB && rtcp_parse_fb(&fb, &b) == 0 && fb.type == RTCP_FB_TWCC &&
            rtcp_parse_twcc(&tw, pkts, ROOM_TWCC_PKTS, &fb) == 0) {
            bwe_on_feedback(s->bwe, now_us, &tw, pkts, tw.status_count);
            probe_result(room, s, now_us, &tw, pkts);
        } else if (b.pt == RTCP_RR && rtcp_parse_rr(&rr, &b) == 0 && rr.report_count) {
            for (size_t k = 0; k < rr.report_count; k++)
                bwe_on_report_block(s->bwe, now_us, &rr.reports[k]);
        }
    }
    if (now_us - s->bwe_reported_us >= ROOM_BWE_INTERVAL_US) {
        s->bwe_reported_us = now_us;
        report_bitrate(room, s, now_us);
    }
}

void engine_room_media(struct engine *e, struct msession *s, int64_t now_us, bool rtcp,
                       const uint8_t *buf, size_t len)
{
    struct mroom *room = s->room;
    if (rtcp) {
        if (s->bwe && s->twcc_out_id)
            feed_bwe(room, s, now_us, buf, len);
        router_on_rtcp(room->router, now_us, peer_id(s), buf, len);
    } else {
        /* Parsed once here: congestion feedback and the router read the view. */
        struct rtp_packet p;
        struct rtp_ext_elem el;
        uint16_t seq;
        if (rtp_parse(&p, buf, len) < 0) {
            router_on_rtp(room->router, now_us, peer_id(s), buf, len, NULL); /* counts it */
            return;
        }
        if (s->twcc && s->twcc_in_id && rtp_ext_find(&p, s->twcc_in_id, &el) == 0 &&
            rtp_ext_read_twcc_seq(&el, &seq) == 0) {
            s->twcc_media_ssrc = p.ssrc;
            twcc_recv_packet(s->twcc, now_us, seq);
            engine_timer_lower(e, room->timer, twcc_recv_next_deadline(s->twcc));
        }
        if (s->remb) {
            remb_est_packet(s->remb, now_us, p.ssrc, p.seq, len);
            engine_timer_lower(e, room->timer, remb_est_next_deadline(s->remb));
        }
        router_on_rtp(room->router, now_us, peer_id(s), buf, len, &p);
    }
    engine_room_drain(room, now_us);
    engine_timer_lower(e, room->timer, router_next_deadline(room->router));
}

/* Transport-cc feedback to each publisher, so its encoder can ramp up. */
static void send_feedback(struct mroom *room, int64_t now_us)
{
    uint8_t buf[ROUTER_PKT_CAP];
    for (size_t i = 0; i < ROOM_PEERS_MAX; i++) {
        struct msession *s = room->peers[i];
        if (!s || !s->twcc || !s->twcc_in_id || !transport_is_connected(s->t))
            continue;
        if (twcc_recv_next_deadline(s->twcc) <= now_us) {
            int n;
            while ((n = twcc_recv_timeout(s->twcc, now_us, buf, sizeof buf - SRTPX_TRAILER_ROOM,
                                          ROOM_TWCC_SSRC, s->twcc_media_ssrc)) > 0)
                engine_session_send_rtcp(s, buf, (size_t)n);
        }
    }
}

/* REMB to each publisher without transport-cc: regularly, and at once when
 * the estimate falls (remb_est decides). */
static void send_rembs(struct engine *e, struct mroom *room, int64_t now_us)
{
    uint8_t buf[ROUTER_PKT_CAP];
    for (size_t i = 0; i < ROOM_PEERS_MAX; i++) {
        struct msession *s = room->peers[i];
        if (!s || !s->remb)
            continue;
        if (remb_est_next_deadline(s->remb) <= now_us) {
            int n = remb_est_timeout(s->remb, now_us, buf, sizeof buf - SRTPX_TRAILER_ROOM,
                                     ROOM_TWCC_SSRC);
            if (n > 0 && engine_session_send_rtcp(s, buf, (size_t)n) == 0)
                atomic_fetch_add_explicit(&e->c.remb_sent, 1, memory_order_relaxed);
        }
    }
}

void engine_room_timeout(struct engine *e, struct mroom *room, int64_t now_us)
{
    if (room->phones && room->mixer)
        engine_phone_room_cycle(e, room, now_us);
    if (router_next_deadline(room->router) <= now_us) {
        router_timeout(room->router, now_us);
        engine_room_drain(room, now_us);
        count_router(e, room);
    }
    send_feedback(room, now_us);
    send_rembs(e, room, now_us);
    send_probes(room, now_us);
    engine_room_rearm(e, room);
}

void engine_rooms_free(struct engine *e)
{
    while (e->rooms)
        room_free(e, e->rooms);
}
