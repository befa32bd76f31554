/* Shared by media.c (the signaling thread's side) and engine.c (what runs
 * on each worker). Not for other modules. */
#ifndef SAMTALE_MEDIA_MEDIA_INT_H
#define SAMTALE_MEDIA_MEDIA_INT_H

#include <stdatomic.h>

#include "media/addrmap.h"
#include "media/fault.h"
#include "media/idmap.h"
#include "media/media.h"
#include "media/probe.h"
#include "media/queue.h"
#include "media/router.h"
#include "media/worker.h"

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
    struct engine_counters c;

    /* Test switch (fault.h), set before the worker starts. */
    struct fault_corrupt corrupt;
};

struct media {
    struct engine engines[MEDIA_WORKERS_MAX];
    unsigned n;
    unsigned next; /* round robin */
    struct queue *events;
    struct dtls_cert *cert;
    char fingerprint[DTLS_FINGERPRINT_MAX];
    char public_addrs[MEDIA_ADDRS_MAX][MEDIA_ADDR_MAX];
    size_t n_public;
    void (*wake)(void *arg);
    void *wake_arg;
    const struct media_prompt *prompts; /* the caller's, read-only */
    size_t n_prompts;
};

enum media_cmd_kind {
    MEDIA_CMD_ECHO,
    MEDIA_CMD_CLOSE,
    MEDIA_CMD_PEER,
    MEDIA_CMD_PRODUCER_ADD,
    MEDIA_CMD_PRODUCER_REMOVE,
    MEDIA_CMD_CONSUMER_ADD,
    MEDIA_CMD_CONSUMER_REMOVE,
    MEDIA_CMD_PREFS,
    MEDIA_CMD_ICE_RESTART,
    MEDIA_CMD_PEER_CAP,
    MEDIA_CMD_PEER_REMB,
    MEDIA_CMD_ROOM_CLOSE,
    MEDIA_CMD_PHONE_CREATE,
    MEDIA_CMD_PHONE_REMOTE,
    MEDIA_CMD_PHONE_MODE,
    MEDIA_CMD_PHONE_PLAY,
    MEDIA_CMD_PHONE_CLOSE,
    MEDIA_CMD_PHONE_MOVE,
    MEDIA_CMD_MIX_SOURCE,
};

struct media_cmd {
    enum media_cmd_kind kind;
    uint64_t session;
    int64_t room;
    uint32_t id; /* producer or consumer */
    union {
        struct media_echo_params echo;
        struct media_peer_params peer;
        struct router_producer_cfg producer;
        struct router_consumer_cfg consumer;
        struct router_prefs prefs;
        uint64_t bps;
        bool remb;
        struct media_phone_params phone;
        struct {
            char addr[MEDIA_ADDR_MAX];
            uint16_t port, rtcp_port;
            bool hold;
        } remote;
        enum media_phone_mode mode;
        struct {
            unsigned prompt;
            bool loop;
        } play;
        bool add; /* MEDIA_CMD_MIX_SOURCE */
        struct {
            char ufrag[MEDIA_UFRAG_LEN + 1];
            char pwd[MEDIA_PWD_LEN + 1];
            char remote_ufrag[MEDIA_CRED_MAX];
        } restart;
    } u;
};

extern const struct worker_handler engine_handler;

/* Posts a command to a worker; frees it on failure. */
int media_post(struct media *m, unsigned worker, struct media_cmd *cmd);

/* Queues an event for the signaling thread (any worker thread). */
void media_push_event(struct media *m, uint64_t session, enum media_event_kind kind,
                      enum ice_proto proto, const char *reason);
void media_push(struct media *m, const struct media_event *ev);

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
    int64_t deadline;
    struct router_stats counted; /* what is already in the engine's counters */
    struct mixer *mixer;         /* NULL until the first call or mix source */
    struct mphone *phones;
    uint64_t mix_late, mix_lost; /* the mixer's, already in the engine's counters */
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
    bool probe_sending; /* emit() records the probe's transport-wide seqs */
};

#define ENGINE_SESSIONS_MAX 65536 /* transports per worker */

/* Both indices of the engine, made and freed with it (media.c). */
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
int engine_session_create(struct engine *e, uint64_t id, const char *ufrag, const char *pwd,
                          const char *remote_ufrag, const char *fp_alg, const char *fp,
                          enum dtls_role role, struct msession **out);
void engine_session_rearm(struct engine *e, struct msession *s);

void engine_room_command(struct engine *e, struct media_cmd *cmd);
/* Media from a meeting peer, for its room's router. */
void engine_room_media(struct engine *e, struct msession *s, int64_t now_us, bool rtcp,
                       const uint8_t *buf, size_t len);
void engine_rooms_timeout(struct engine *e, int64_t now_us);
/* A peer's transport is gone: its producers and consumers go too. */
void engine_room_peer_gone(struct engine *e, struct msession *s);
void engine_rooms_free(struct engine *e);
/* The room, made (with its router) if new; NULL when out of memory. */
struct mroom *engine_room_get(struct engine *e, int64_t id);
struct mroom *engine_room_find(struct engine *e, int64_t id);
void engine_room_rearm(struct engine *e, struct mroom *room);

/* ---- engine_phone.c (worker thread) ---- */
void engine_phone_command(struct engine *e, struct media_cmd *cmd);
void engine_phone_udp(void *arg, struct worker *w, int64_t now_us, int id, uint64_t tag,
                      uint8_t *buf, size_t len, const struct sockaddr_storage *from,
                      socklen_t fromlen);
void engine_phones_timeout(struct engine *e, int64_t now_us);
/* The router emitted RTP towards MEDIA_MIX_PEER: into the room's mixer. */
void engine_phone_mix_rtp(struct mroom *room, const uint8_t *buf, size_t len);
/* The room is closing: its calls and its mixer go. */
void engine_phone_room_gone(struct engine *e, struct mroom *room);

#endif
