/* One peer connection's secure transport: ICE-lite + DTLS + SRTP over a
 * BUNDLEd, rtcp-mux 5-tuple. Glue over the sans-IO cores (ice, dtls,
 * srtp), driven by a media worker: it takes classified datagrams and time,
 * hands back decrypted RTP/RTCP in place, and sends through a callback.
 *
 *   transport_input()   a datagram from the socket (UDP or an ICE-TCP frame)
 *   transport_timeout() when transport_next_deadline() has passed
 *   transport_poll()    events: connected, failed, closed
 *   transport_send_rtp() / _rtcp()  protect in place and send to the peer
 *   transport_protect_rtp()  protect in place and say where it goes, for a
 *                       caller that sends the buffer itself (a packet of the
 *                       worker's pool, queued without another copy)
 *
 * Packets from addresses that have not passed an ICE check are dropped:
 * only STUN with valid credentials can open a path. */
#ifndef SAMTALE_MEDIA_TRANSPORT_H
#define SAMTALE_MEDIA_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "media/dtls.h"
#include "media/ice.h"
#include "media/stun.h"

struct transport;

/* Sends one datagram (or one ICE-TCP frame's payload: the callee frames it).
 * `tcp_conn` identifies the TCP connection when proto is TCP. */
typedef int (*transport_send_fn)(void *arg, const uint8_t *buf, size_t len,
                                 const struct stun_addr *to, enum ice_proto proto,
                                 uint64_t tcp_conn);

/* Why the transport gives up an ICE-TCP connection. */
enum transport_tcp_close {
    /* Its transport held TRANSPORT_TCP_PATHS connections and a newer one
     * came: the oldest that does not carry the selected pair goes. */
    TRANSPORT_TCP_CLOSE_SUPERSEDED,
    /* The transport ended (transport_destroy) or ICE forgot the pair (ICE
     * restart, consent expiry of a pair that is not selected). */
    TRANSPORT_TCP_CLOSE_ENDED,
};

/* Asks the caller to close an ICE-TCP connection the transport has
 * forgotten. Called from transport_input(), transport_timeout(),
 * transport_restart_ice() and transport_destroy(); the callee must not
 * call back into the transport. */
typedef void (*transport_tcp_close_fn)(void *arg, uint64_t tcp_conn, enum transport_tcp_close why);

/* ICE-TCP connections a transport holds at most: one per ICE pair. More
 * from one peer connection is not a browser; they would only let whoever
 * holds its credentials fill the worker's authenticated budget. */
#define TRANSPORT_TCP_PATHS ICE_MAX_PAIRS

struct transport_cfg {
    const char *local_ufrag;
    const char *local_pwd;
    const char *remote_ufrag;
    struct dtls_cert *cert; /* borrowed during create */
    enum dtls_role role;
    const char *remote_fp_alg; /* from the peer's a=fingerprint */
    const char *remote_fp;
    transport_send_fn send;
    void *send_arg;                   /* also for close_tcp */
    transport_tcp_close_fn close_tcp; /* NULL: forgotten connections stay open */
    int64_t now_us;
};

enum transport_event {
    TRANSPORT_EVENT_CONNECTED, /* DTLS done, SRTP ready: media may flow */
    TRANSPORT_EVENT_PATH,      /* ICE selected another pair (e.g. Wi-Fi to mobile) */
    TRANSPORT_EVENT_FAILED,    /* ICE consent lost, DTLS failed, fingerprint mismatch */
    TRANSPORT_EVENT_CLOSED,    /* the peer closed DTLS */
};

struct transport_output {
    enum transport_event event;
    enum ice_proto proto; /* CONNECTED, PATH: the selected pair's protocol */
    const char *reason;   /* FAILED: a static English string */
};

/* What transport_input() did with a datagram. The DROP_ codes say why it
 * was dropped (each is also counted in struct transport_stats), so the
 * caller need not compare counters per datagram. */
enum transport_rx {
    TRANSPORT_RX_NONE = 0,            /* consumed (STUN, DTLS), or the transport has failed */
    TRANSPORT_RX_RTP,                 /* decrypted RTP now in buf[0..*len) */
    TRANSPORT_RX_RTCP,                /* decrypted compound RTCP now in buf[0..*len) */
    TRANSPORT_RX_DROP_UNKNOWN_SOURCE, /* DTLS/SRTP from an address without a valid check */
    TRANSPORT_RX_DROP_NOT_READY,      /* SRTP before keys */
    TRANSPORT_RX_DROP_GARBAGE,        /* not STUN, DTLS, RTP or RTCP */
    TRANSPORT_RX_DROP_SRTP,           /* SRTP/SRTCP failed: bad tag, replay, too short */
    TRANSPORT_RX_DROP_DTLS, /* DTLS record(s) from the peer's address that the association could
                               not read: malformed, out of place, forged (dtls_stats) */
};

struct transport_stats {
    uint64_t dropped_unknown_source; /* DTLS/SRTP from an address without a valid check */
    uint64_t dropped_not_ready;      /* SRTP before keys */
    uint64_t dropped_garbage;        /* not STUN, DTLS, RTP or RTCP */
    uint64_t srtp_auth_failures;     /* bad tag or replay */
    uint64_t dtls_records_dropped;   /* see TRANSPORT_RX_DROP_DTLS */
    uint64_t rtp_in, rtcp_in, rtp_out, rtcp_out;
    uint64_t bytes_in, bytes_out;
};

int transport_create(struct transport **out, const struct transport_cfg *cfg);
/* NULL-safe. Sends close_notify if connected, then asks for every ICE-TCP
 * connection it holds to be closed (TRANSPORT_TCP_CLOSE_ENDED). */
void transport_destroy(struct transport *t);

/* Handles one datagram. SRTP is decrypted in place (buf is the worker's
 * receive buffer); *len is updated. Errors are counted and returned as a
 * DROP_ code, never fatal: nothing a datagram carries fails a connected
 * transport but the peer's own authenticated DTLS close_notify or fatal
 * alert. */
enum transport_rx transport_input(struct transport *t, int64_t now_us, uint8_t *buf, size_t *len,
                                  const struct stun_addr *from, enum ice_proto proto,
                                  uint64_t tcp_conn);

void transport_timeout(struct transport *t, int64_t now_us);
int64_t transport_next_deadline(const struct transport *t);
bool transport_poll(struct transport *t, struct transport_output *out);

/* Where a protected packet goes: the selected pair. */
struct transport_dest {
    struct stun_addr addr;
    enum ice_proto proto;
    uint64_t tcp_conn; /* ICE_PROTO_TCP: the connection, as given to transport_input() */
};

/* Protects RTP in place (cap: room for the SRTP trailer; *len is updated)
 * and says where it goes; the caller sends it (counted as sent here).
 * ERR_AGAIN if not connected or without a selected pair yet, ERR_NOTFOUND
 * when the selected pair's TCP connection is gone, ERR_TOOBIG without room
 * for the trailer. */
int transport_protect_rtp(struct transport *t, uint8_t *buf, size_t *len, size_t cap,
                          struct transport_dest *to);

/* Protects in place (cap: room for the SRTP tag) and sends to the selected
 * pair. ERR_AGAIN if not connected yet. */
int transport_send_rtp(struct transport *t, uint8_t *buf, size_t len, size_t cap);
int transport_send_rtcp(struct transport *t, uint8_t *buf, size_t len, size_t cap);

/* ICE restart with new credentials (signaled in a new offer/answer). */
int transport_restart_ice(struct transport *t, int64_t now_us, const char *local_ufrag,
                          const char *local_pwd, const char *remote_ufrag);

bool transport_is_connected(const struct transport *t);
/* The ICE-TCP connection is gone (closed by either side): forgets it,
 * without asking for it to be closed. */
void transport_tcp_closed(struct transport *t, uint64_t tcp_conn);
/* The local ufrag: the worker finds the transport of an unknown address by it. */
const char *transport_local_ufrag(const struct transport *t);
/* Whether `from` has passed an ICE check (packets from it are ours). */
bool transport_owns_source(const struct transport *t, const struct stun_addr *from,
                           enum ice_proto proto);
void transport_get_stats(const struct transport *t, struct transport_stats *out);

#endif
