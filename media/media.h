/* The media service: the media workers and what the signaling thread may
 * ask of them. Every call here is made from the signaling thread; the
 * workers answer with events taken by media_poll_event(). Nothing is shared
 * but queues and relaxed-atomic counters. Once stopped (m == NULL), the
 * commands return ERR_INVAL and do nothing, so teardown paths need no care. */
#ifndef SAMTALE_MEDIA_MEDIA_H
#define SAMTALE_MEDIA_MEDIA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "media/dtls.h"
#include "media/echo.h"
#include "media/ice.h"
#include "media/router.h"

#define MEDIA_WORKERS_MAX 64
#define MEDIA_ADDRS_MAX 4
#define MEDIA_ADDR_MAX 64
#define MEDIA_UFRAG_LEN 8 /* what we generate */
#define MEDIA_PWD_LEN 24
#define MEDIA_CRED_MAX 257 /* what a peer may send (RFC 8839: up to 256) */
#define MEDIA_EVENTS_MAX 4096

struct media;

struct media_cfg {
    unsigned workers;                /* 1..MEDIA_WORKERS_MAX */
    const char *bind;                /* numeric address for the UDP and TCP sockets */
    uint16_t port_min;               /* worker i binds port_min + i; 0: ephemeral */
    const char *const *public_addrs; /* announced in candidates */
    size_t n_public;
    /* ICE-TCP admission per worker (worker_cfg); 0: the worker's default. */
    unsigned tcp_conns, tcp_unauth, tcp_unauth_per_addr, tcp_auth_per_addr;
    int64_t tcp_auth_us;
    void (*wake)(void *arg); /* called on a worker thread after queuing events */
    void *wake_arg;
};

int media_start(struct media **out, const struct media_cfg *cfg);
/* Closes every session and joins the workers. NULL-safe. */
void media_stop(struct media *m);

/* "sha-256" fingerprint of the DTLS certificate, for a=fingerprint. */
const char *media_fingerprint(const struct media *m);
unsigned media_worker_count(const struct media *m);
/* Spreads new sessions over the workers. */
unsigned media_pick_worker(struct media *m);

struct media_candidate {
    bool tcp; /* passive ICE-TCP, else UDP */
    char addr[MEDIA_ADDR_MAX];
    uint16_t port;
};
/* Our candidates on a worker; returns how many were written. */
size_t media_candidates(const struct media *m, unsigned worker, bool udp, bool tcp,
                        struct media_candidate *out, size_t cap);

/* Random ICE credentials of the ice-char set. */
int media_ice_credentials(char ufrag[MEDIA_UFRAG_LEN + 1], char pwd[MEDIA_PWD_LEN + 1]);

struct media_echo_params {
    uint64_t session; /* the caller's id for events */
    unsigned worker;
    char ufrag[MEDIA_UFRAG_LEN + 1];
    char pwd[MEDIA_PWD_LEN + 1];
    char remote_ufrag[MEDIA_CRED_MAX];
    char fp_alg[16];
    char fp[DTLS_FINGERPRINT_MAX];
    enum dtls_role role;
    struct echo_map map;
    uint32_t rtcp_ssrc;      /* sender SSRC of our feedback */
    int64_t max_duration_us; /* the session ends itself after this */
};

/* Starts an echo session on p->worker. ERR_FULL if its queue is full. */
int media_echo_create(struct media *m, const struct media_echo_params *p);
/* Ends a session (no event follows). */
int media_session_close(struct media *m, unsigned worker, uint64_t session);

/* ---- meetings: peers (publish and subscribe transports) in rooms ---- */

struct media_peer_params {
    uint64_t session; /* also the router's peer id (its low 32 bits) */
    unsigned worker;  /* the room's worker: every peer of a room on the same one */
    int64_t room;     /* the meeting id; the room is made with its first peer */
    char ufrag[MEDIA_UFRAG_LEN + 1];
    char pwd[MEDIA_PWD_LEN + 1];
    char remote_ufrag[MEDIA_CRED_MAX];
    char fp_alg[16];
    char fp[DTLS_FINGERPRINT_MAX];
    enum dtls_role role;
    uint8_t twcc_out_id; /* subscribers: transport-wide seq id we stamp (0: none) */
};

int media_peer_create(struct media *m, const struct media_peer_params *p);
int media_producer_add(struct media *m, unsigned worker, int64_t room,
                       const struct router_producer_cfg *cfg);
int media_producer_remove(struct media *m, unsigned worker, int64_t room, uint32_t id);
int media_consumer_add(struct media *m, unsigned worker, int64_t room,
                       const struct router_consumer_cfg *cfg);
int media_consumer_remove(struct media *m, unsigned worker, int64_t room, uint32_t id);
int media_consumer_prefs(struct media *m, unsigned worker, int64_t room, uint32_t id,
                         const struct router_prefs *prefs);
/* Caps what the server sends a subscriber (bits/s; 0 = no cap): a data
 * saver for metered connections, and what tests use to squeeze a downlink. */
int media_peer_max_bitrate(struct media *m, unsigned worker, uint64_t session, uint64_t bps);
/* For a publisher whose answer negotiated goog-remb but not transport-cc
 * (sdp_answer_cc): the worker estimates its uplink from what arrives and
 * sends it REMB, so its encoder can ramp up. on = false stops that. */
int media_peer_remb(struct media *m, unsigned worker, uint64_t session, bool on);
/* New local credentials after the peer restarted ICE (its offer or our offer). */
int media_ice_restart(struct media *m, unsigned worker, uint64_t session, const char *ufrag,
                      const char *pwd, const char *remote_ufrag);
/* Closes every peer of a room and the room. */
int media_room_close(struct media *m, unsigned worker, int64_t room);

enum media_event_kind {
    MEDIA_EVENT_CONNECTED, /* proto: the selected path */
    MEDIA_EVENT_PATH,      /* the path changed */
    MEDIA_EVENT_FAILED,    /* reason */
    MEDIA_EVENT_CLOSED,    /* reason: the peer, or the time limit */
    MEDIA_EVENT_SPEAKER,   /* room, producer: the active speaker's microphone (0: none) */
    /* session (a subscriber's), paused: video towards it paused because its
     * downlink cannot carry it, or resumed (audio first, router_pause.c) */
    MEDIA_EVENT_VIDEO_PAUSED,
};

struct media_event {
    uint64_t session;
    enum media_event_kind kind;
    enum ice_proto proto;
    const char *reason; /* static string */
    int64_t room;
    uint32_t producer;
    bool paused; /* MEDIA_EVENT_VIDEO_PAUSED */
};

/* Takes the next event from any worker. */
bool media_poll_event(struct media *m, struct media_event *out);

struct media_stats {
    uint64_t packets_in, bytes_in, packets_out, bytes_out;
    /* UDP sending: calls (sendto/sendmmsg), sends carrying several datagrams
     * (GSO), datagrams dropped because the socket buffer was full, because
     * of another send error, or because no packet buffer was free. */
    uint64_t send_calls, gso_sends, send_dropped_full, send_errors, no_buffer;
    uint64_t dropped_unknown_source; /* no session, or no valid check for the address */
    uint64_t dropped_garbage;
    uint64_t srtp_failures;
    uint64_t dtls_records_dropped; /* from a valid source, but unreadable or forged */
    uint64_t dtls_ok, dtls_failed;
    uint64_t transports_new, transports_connected; /* gauges */
    uint64_t transports_failed;                    /* counter */
    /* SFU routers */
    uint64_t rtp_forwarded, nacks_in, retransmissions, nacks_out;
    uint64_t keyframe_requests_in, keyframe_requests_out, layer_switches;
    uint64_t remb_sent; /* REMB packets to publishers without transport-cc */
    uint64_t retransmissions_pending, retransmissions_missed; /* see router_stats */
    uint64_t upstream_missing, upstream_repaired, upstream_unrepaired, upstream_repair_us;
    uint64_t upstream_tail_probes, key_copies, retransmission_copies;
    /* ICE-TCP admission (see worker_stats): accepted connections; open ones
     * not authenticated yet and authenticated (gauges); unauthenticated
     * ones evicted for a newer one, refused for their address's cap,
     * refused on authenticating with the authenticated budget full, closed
     * at the authentication deadline; closed for a newer one of their
     * transport, or because their transport ended or dropped their pair;
     * refused on authenticating for their address's authenticated cap. */
    uint64_t tcp_accepted, tcp_unauth, tcp_auth;
    uint64_t tcp_evicted, tcp_refused_addr, tcp_refused_auth, tcp_closed_deadline;
    uint64_t tcp_closed_superseded, tcp_closed_ended, tcp_refused_auth_addr;
};
/* Per worker (index < media_worker_count) or, with worker == -1, all of them. */
void media_get_stats(struct media *m, int worker, struct media_stats *out);

#endif
