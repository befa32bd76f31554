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

#include "media/audio_codec.h"
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

/* A spoken prompt of the phone bridge: 16-bit mono PCM at 8000, 16000 or
 * 48000 Hz, played resampled to each call's rate. */
struct media_prompt {
    const int16_t *pcm;
    size_t n; /* samples */
    uint32_t rate;
};

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
    /* Prompts for media_phone_play(), by index: read-only, owned by the
     * caller, alive until media_stop() returns. */
    const struct media_prompt *prompts;
    size_t n_prompts;
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

/* ---- phone calls (the phone bridge's media, media/engine_phone.c) ----
 *
 * Each call lives on its room's worker: its RTP/AVP leg on its own UDP
 * port pair (media/phone_leg.h: symmetric RTP latching, RFC 4733 DTMF,
 * RTCP), a jitter buffer and decoder, resampling to 48 kHz. In
 * MEDIA_PHONE_MEETING mode the caller's voice goes (a) into the room's
 * mixer as a PCM source and (b) Opus-encoded, with the audio-level
 * extension (id 1), into the room's router as RTP of the producer named
 * in the parameters, which the engine adds to the router itself (peer
 * (uint32_t)session, pt 111, SSRC voice_ssrc); browsers consume it like
 * any microphone. Every 20 ms the call hears the room's mix without its
 * own voice (mix-minus), or a prompt while one plays, encoded in its codec.
 * The room gets its mixer with its first call. */

struct media_phone_params {
    uint64_t session; /* the caller's id for events; (uint32_t)session is the router peer */
    unsigned worker;  /* the room's worker */
    int64_t room;
    char bind_addr[64]; /* numeric address of the call's sockets */
    uint16_t rtp_port;  /* even; RTCP on rtp_port + 1 */
    enum audio_codec_kind codec;
    uint8_t pt;
    int dtmf_pt;                            /* telephone-event's payload type, or -1 */
    char remote_addr[64];                   /* from the SDP (numeric; "" or 0.0.0.0: not known) */
    uint16_t remote_port, remote_rtcp_port; /* remote_rtcp_port 0: remote_port + 1 */
    /* Router producer of the caller's voice (Opus, pt 111, level id 1): in a
     * meeting's room only. Room 0 with producer 0 holds the calls that are
     * not in a meeting yet (PIN entry, lobby): they hear prompts, nobody
     * hears them. */
    uint32_t producer;
    uint32_t voice_ssrc; /* its SSRC */
    uint32_t silent_ms;  /* MEDIA_EVENT_PHONE_SILENT after this long without RTP;
                            0: MEDIA_PHONE_SILENT_US */
};

enum media_phone_mode {
    MEDIA_PHONE_PROMPT,  /* hears prompts only (silence between them), voice not published */
    MEDIA_PHONE_MEETING, /* hears the mix, voice published and mixed */
    MEDIA_PHONE_MUTED,   /* hears the mix, voice neither published nor mixed; a short
                            tone when entering */
};

/* Opens the call's sockets on its worker and starts it in
 * MEDIA_PHONE_PROMPT mode; MEDIA_EVENT_CONNECTED once it is set up. ERR_INVAL for bad parameters
 * (odd port, bad codec or address); MEDIA_EVENT_FAILED later if the ports cannot be bound or the
 * call cannot be set up. */
int media_phone_create(struct media *m, const struct media_phone_params *p);
/* The call joins a meeting's room, on p->worker (the room's): the worker
 * holding it now closes it and hands it over, so the same ports are bound
 * again there. MEDIA_EVENT_CONNECTED when it is set up in the room. */
int media_phone_move(struct media *m, unsigned from_worker, const struct media_phone_params *p);
/* A re-INVITE: the remote addresses (a new address forgets the latch),
 * and hold (nothing is sent while held). */
int media_phone_remote(struct media *m, unsigned worker, uint64_t session, const char *addr,
                       uint16_t port, uint16_t rtcp_port, bool hold);
int media_phone_mode(struct media *m, unsigned worker, uint64_t session,
                     enum media_phone_mode mode);
/* Plays prompt (an index into media_cfg.prompts) to the caller: while a
 * prompt plays the caller hears it instead of the mix (or the silence of
 * MEDIA_PHONE_PROMPT mode). Prompts queue (MEDIA_PHONE_QUEUE; beyond that
 * the oldest waiting one is dropped); a looping prompt repeats until the
 * next play, which cuts it off at once. MEDIA_EVENT_PROMPT_DONE follows
 * each prompt that played to its end. ERR_INVAL for an unknown index. */
int media_phone_play(struct media *m, unsigned worker, uint64_t session, unsigned prompt,
                     bool loop);
/* Ends the call's media (no event follows); its producer leaves the router. */
int media_phone_close(struct media *m, unsigned worker, uint64_t session);
/* A browser microphone (an Opus producer of the room's router) feeds the
 * room's mixer (add) or stops (remove): the engine adds a router consumer
 * (id MEDIA_MIX_CONSUMER_BASE + producer, SSRC = producer) towards the
 * mixer's virtual peer MEDIA_MIX_PEER. Producer ids must stay below
 * MEDIA_MIX_CONSUMER_BASE. Only for browser microphones: a call is in the
 * mix already, and a call's own producer added here would let that caller
 * hear themselves. */
int media_mix_source(struct media *m, unsigned worker, int64_t room, uint32_t producer, bool add);

#define MEDIA_PHONE_QUEUE 4
#define MEDIA_PHONE_SILENT_US (30 * 1000000LL) /* no RTP this long: PHONE_SILENT */
#define MEDIA_MIX_PEER 0xfffffff0u
#define MEDIA_MIX_CONSUMER_BASE 0xc0000000u

enum media_event_kind {
    MEDIA_EVENT_CONNECTED, /* proto: the selected path */
    MEDIA_EVENT_PATH,      /* the path changed */
    MEDIA_EVENT_FAILED,    /* reason */
    MEDIA_EVENT_CLOSED,    /* reason: the peer, or the time limit */
    MEDIA_EVENT_SPEAKER,   /* room, producer: the active speaker's microphone (0: none) */
    /* session (a subscriber's), paused: video towards it paused because its
     * downlink cannot carry it, or resumed (audio first, router_pause.c) */
    MEDIA_EVENT_VIDEO_PAUSED,
    MEDIA_EVENT_DTMF,         /* session, digit: a key the caller pressed (RFC 4733) */
    MEDIA_EVENT_PROMPT_DONE,  /* session, prompt: it played to its end */
    MEDIA_EVENT_PHONE_SILENT, /* session: no RTP for silent_ms (not on hold), once */
};

struct media_event {
    uint64_t session;
    enum media_event_kind kind;
    enum ice_proto proto;
    const char *reason; /* static string */
    int64_t room;
    uint32_t producer;
    bool paused;     /* MEDIA_EVENT_VIDEO_PAUSED */
    char digit;      /* MEDIA_EVENT_DTMF: one of "0123456789*#ABCD" */
    unsigned prompt; /* MEDIA_EVENT_PROMPT_DONE */
};

/* Takes the next event from any worker. */
bool media_poll_event(struct media *m, struct media_event *out);

struct media_stats {
    uint64_t packets_in, bytes_in, packets_out, bytes_out;
    /* UDP sending: calls (sendto/sendmmsg), sends carrying several datagrams
     * (GSO), datagrams dropped because the socket buffer was full, because
     * of another send error, or because no packet buffer was free. */
    uint64_t send_calls, gso_sends, send_dropped_full, send_errors, no_buffer;
    /* How much each wakeup and call carries: epoll returns of the worker
     * loop, recvmmsg calls on the media socket, datagrams sent by GSO. */
    uint64_t wakeups, recv_calls, gso_datagrams;
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
    uint64_t rtp_out_dropped; /* outgoing RTP without a packet buffer (router_stats) */
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
    /* Phone bridge: calls now (gauge); RTP packets from and to phones;
     * datagrams dropped as foreign (not the latched source); packets late
     * and frames lost in the calls' and the mixers' jitter buffers; RTP
     * the routers handed to the mixers; thread CPU time spent mixing. */
    uint64_t phone_calls, phone_rtp_in, phone_rtp_out, phone_foreign;
    uint64_t phone_jitter_late, phone_jitter_lost;
    uint64_t mixer_rtp_in, mixer_cpu_us;
};
/* Per worker (index < media_worker_count) or, with worker == -1, all of them. */
void media_get_stats(struct media *m, int worker, struct media_stats *out);

#endif
