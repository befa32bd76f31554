/* The engine: what runs on each media worker (engine.c: sessions and the
 * datagram path; engine_room.c: meeting rooms; engine_phone.c: phone calls;
 * engine_timer.c: their timers). It owns every transport, room and call of
 * its worker and is driven by that worker's handler (engine_handler), or
 * directly by a test: every timer takes now_us from its caller, so a test
 * runs the engine on a fake clock (with e->w NULL: no worker, no sockets).
 *
 * Timers: each session, room and call has one entry in the engine's timer
 * heap (media/theap.h), keyed by its next deadline. The worker's deadline
 * is the heap's earliest; engine_timers_run() handles only the entries due
 * and re-arms each with its next deadline. Whatever makes an item's
 * deadline earlier on the packet or command path re-keys its entry. */
#ifndef SAMTALE_MEDIA_ENGINE_H
#define SAMTALE_MEDIA_ENGINE_H

#include <stdatomic.h>

#include "media/addrmap.h"
#include "media/fault.h"
#include "media/idmap.h"
#include "media/media.h"
#include "media/probe.h"
#include "media/router.h"
#include "media/theap.h"
#include "media/worker.h"

struct media;
struct media_cmd;
struct msession;
struct mroom;

/* Counters written by one worker thread, read by any (relaxed). */
struct engine_counters {
    _Atomic uint64_t dropped_unknown_source;
    _Atomic uint64_t dropped_garbage;
    _Atomic uint64_t srtp_failures;
    _Atomic uint64_t dtls_records_dropped;
    _Atomic uint64_t dtls_ok, dtls_failed;
    _Atomic uint64_t transports_new, transports_connected, transports_failed;
    /* The rooms' routers, summed (engine_room.c adds each room's growth). */
    _Atomic uint64_t rtp_forwarded, nacks_in, retransmissions, nacks_out;
    _Atomic uint64_t keyframe_requests_in, keyframe_requests_out, layer_switches;
    _Atomic uint64_t remb_sent; /* REMB to publishers without transport-cc */
    _Atomic uint64_t retransmissions_pending, retransmissions_missed;
    _Atomic uint64_t upstream_missing, upstream_repaired, upstream_unrepaired, upstream_repair_us;
    _Atomic uint64_t upstream_tail_probes, key_copies, retransmission_copies;
    _Atomic uint64_t rtp_out_dropped;
    /* Phone calls (engine_phone.c). */
    _Atomic uint64_t phone_calls, phone_rtp_in, phone_rtp_out, phone_foreign;
    _Atomic uint64_t phone_jitter_late, phone_jitter_lost;
    _Atomic uint64_t mixer_rtp_in, mixer_cpu_ns;
};

struct engine {
    struct media *m;
    struct worker *w;
    unsigned index;
    struct addrmap *by_addr;   /* worker thread only */
    struct idmap *by_id;       /* session id -> session; worker thread only */
    struct idmap *by_ufrag;    /* hash of the local ufrag -> session; worker thread only */
    struct msession *sessions; /* worker thread only */
    struct mroom *rooms;       /* worker thread only */
    struct theap *timers;      /* one entry per session, room and call; worker thread only */
    struct engine_counters c;

    /* Test switch (fault.h), set before the worker starts. */
    struct fault_corrupt corrupt;
};

extern const struct worker_handler engine_handler;

/* ---- engine.c / engine_room.c (worker thread) ---- */

#define ROOM_PEERS_MAX 32 /* publish + subscribe transports of up to 16 participants */

struct mphone;
struct mixer;

/* A meeting room on a worker: its router, its peers, and (with its first
 * phone call) its mixer and calls. */
struct mroom {
    struct mroom *next;
    struct engine *e;
    int64_t id;
    struct router *router;
    struct msession *peers[ROOM_PEERS_MAX];
    uint32_t timer;              /* its entry in the engine's timer heap */
    struct router_stats counted; /* what is already in the engine's counters */
    struct mixer *mixer;         /* NULL until the first call or mix source */
    struct mphone *phones;
    uint64_t mix_late, mix_lost; /* the mixer's, already in the engine's counters */
    /* A pool packet taken for the router's next RTP output and not used
     * yet (engine_room.c send_output): kept for the next one. */
    struct pkt *out_pkt;
    uint8_t mix_buf[ROUTER_PKT_CAP]; /* what the router sends the mixer (MEDIA_MIX_PEER) */
};

/* One transport on a worker: an echo check or a meeting peer. */
struct msession {
    struct msession *next;
    struct engine *e;
    uint64_t id;
    struct transport *t;
    struct mroom *room; /* NULL for an echo check */
    struct echo_map map;
    uint32_t rtcp_ssrc;
    int64_t expires_us; /* INT64_MAX for meeting peers */
    uint32_t timer;     /* its entry in the engine's timer heap */
    bool connected;
    uint64_t dtls_dropped; /* the transport's dtls_records_dropped, counted so far */
    /* Meeting peers: congestion control (engine_room.c). */
    struct twcc_recv *twcc; /* feedback to a publisher */
    uint8_t twcc_in_id;     /* its transport-wide seq extension id; 0 = none */
    uint32_t
        twcc_media_ssrc; /* one of its SSRCs: browsers drop feedback naming no stream of theirs */
    struct bwe *bwe;     /* downlink estimate of a subscriber */
    uint8_t twcc_out_id; /* the extension id stamped on what we send it; 0 = none */
    int64_t bwe_reported_us;
    uint64_t max_bps;      /* the subscriber's own cap; 0 = none */
    struct remb_est *remb; /* publishers without transport-cc: REMB from our estimate */
    /* Audio first: capacity probes while video towards it is paused. */
    struct probe probe;
    int64_t next_probe_us;
    bool probe_sending; /* send_output() records the probe's transport-wide seqs */
};

#define ENGINE_SESSIONS_MAX 65536 /* transports per worker */
/* Timer entries per worker: its sessions, and its rooms and calls (a room
 * has a peer or a call, but may outlive them briefly). */
#define ENGINE_TIMERS_MAX (2 * ENGINE_SESSIONS_MAX)

/* What a timer entry names. */
enum engine_timer_kind {
    ENGINE_TIMER_SESSION, /* struct msession */
    ENGINE_TIMER_ROOM,    /* struct mroom */
    ENGINE_TIMER_PHONE,   /* struct mphone (engine_phone.c) */
};

/* The engine's indices and timer heap, made and freed with it (media.c). */
int engine_indices_create(struct engine *e);
void engine_indices_destroy(struct engine *e);
/* The session's local ufrag leaves or enters the ufrag index (around an
 * ICE restart). */
void engine_ufrag_unindex(struct engine *e, struct msession *s);
int engine_ufrag_index(struct engine *e, struct msession *s);

void engine_session_free(struct engine *e, struct msession *s);
struct msession *engine_session_find(struct engine *e, uint64_t id);
/* The session a STUN message's USERNAME names (its local ufrag); NULL when
 * none or not STUN. */
struct msession *engine_session_by_ufrag(struct engine *e, const uint8_t *buf, size_t len);
/* A new session (transport) started at now_us; its timer is not armed
 * yet (engine_session_rearm). */
int engine_session_create(struct engine *e, int64_t now_us, uint64_t id, const char *ufrag,
                          const char *pwd, const char *remote_ufrag, const char *fp_alg,
                          const char *fp, enum dtls_role role, struct msession **out);
/* Re-keys the session's timer: its expiry or its transport's deadline. */
void engine_session_rearm(struct engine *e, struct msession *s);
/* Protects RTP in a packet of the worker's pool (len bytes) in place and
 * queues it to the session's peer: no copy. Takes ownership of p. */
int engine_session_send_pkt(struct msession *s, struct pkt *p, size_t len);
/* Copies compound RTCP (len bytes) into a packet of the worker's pool,
 * protects it there and queues it to the session's peer. 0, or ERR_AGAIN
 * (not connected), ERR_FULL (pool empty), ERR_TOOBIG. */
int engine_session_send_rtcp(struct msession *s, const uint8_t *buf, size_t len);
/* Drains the transport's outputs: sends its datagrams, closes the ICE-TCP
 * connections it gave up, reports its events. Called after every call into
 * the transport; false when the session is gone. */
bool engine_session_events(struct engine *e, struct msession *s);
/* A session's expiry or its transport's timers are due; re-armed after. */
void engine_session_timeout(struct engine *e, struct msession *s, int64_t now_us);
/* An echo check session from its parameters, at now_us. */
void engine_echo_create(struct engine *e, int64_t now_us, const struct media_echo_params *p);

/* ---- engine_timer.c ---- */
/* Arms (or re-keys) an entry for at_us, and the worker for it. */
void engine_timer_set(struct engine *e, uint32_t timer, int64_t at_us);
/* Re-keys only when at_us is earlier than the entry's deadline. */
void engine_timer_lower(struct engine *e, uint32_t timer, int64_t at_us);
/* Handles every entry due at now_us (the worker's on_timer), each re-armed
 * with its next deadline, and sets the worker's deadline to the earliest. */
void engine_timers_run(struct engine *e, int64_t now_us);
/* The earliest deadline of the engine's timers; INT64_MAX when none. */
int64_t engine_next_deadline(const struct engine *e);

void engine_room_command(struct engine *e, struct media_cmd *cmd);
/* Media from a meeting peer, for its room's router. */
void engine_room_media(struct engine *e, struct msession *s, int64_t now_us, bool rtcp,
                       const uint8_t *buf, size_t len);
/* The room's timers are due: the mixer's frames, the router's timers,
 * feedback, REMB and probes to its peers; re-armed after. */
void engine_room_timeout(struct engine *e, struct mroom *room, int64_t now_us);
/* Takes the router's outputs after a call into it (router.h: before the
 * next call, and before the packet given to router_on_rtp changes): RTP and
 * RTCP to the room's peers, RTP for the mixer, events to signaling. */
void engine_room_drain(struct mroom *room, int64_t now_us);
/* A peer's transport is gone: its producers and consumers go too. */
void engine_room_peer_gone(struct engine *e, struct msession *s);
void engine_rooms_free(struct engine *e);
/* The room, made (with its router) if new; NULL when out of memory. */
struct mroom *engine_room_get(struct engine *e, int64_t id);
struct mroom *engine_room_find(struct engine *e, int64_t id);
/* Re-keys the room's timer: the earliest of its router, its peers'
 * feedback, REMB and probes, and its mixer while it has calls. */
void engine_room_rearm(struct engine *e, struct mroom *room);

/* ---- engine_phone.c (worker thread) ---- */
void engine_phone_command(struct engine *e, struct media_cmd *cmd);
void engine_phone_udp(void *arg, struct worker *w, int64_t now_us, int id, uint64_t tag,
                      uint8_t *buf, size_t len, const struct sockaddr_storage *from,
                      socklen_t fromlen);
/* The mixer's frames of a room with calls (from engine_room_timeout). */
void engine_phone_room_cycle(struct engine *e, struct mroom *room, int64_t now_us);
/* A call's own timers are due: DTMF, RTCP, silence; re-armed after. */
void engine_phone_timeout(struct engine *e, struct mphone *p, int64_t now_us);
/* The router's RTP towards MEDIA_MIX_PEER (at now_us): into the room's mixer. */
void engine_phone_mix_rtp(struct mroom *room, int64_t now_us, const uint8_t *buf, size_t len);
/* The room is closing: its calls and its mixer go. */
void engine_phone_room_gone(struct engine *e, struct mroom *room);

#endif
