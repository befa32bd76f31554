/* One peer connection's secure transport: ICE-lite + DTLS + SRTP over a
 * BUNDLEd, rtcp-mux 5-tuple. Sans-IO glue over the cores (ice, dtls, srtp),
 * driven by a media worker: it takes classified datagrams and time in,
 * hands back decrypted RTP/RTCP in place, and queues what it has to say
 * for the caller to take with transport_poll(). It never calls back into
 * the caller and never reads a clock.
 *
 *   transport_input()   a datagram from the socket (UDP or an ICE-TCP frame)
 *   transport_timeout() when transport_next_deadline() has passed
 *   transport_poll()    its outputs, in order: datagrams to send (STUN
 *                       responses, DTLS flights and alerts, close_notify),
 *                       ICE-TCP connections to close, events (connected,
 *                       path, failed, closed)
 *   transport_protect_rtp() / _rtcp()  protect in place and say where it
 *                       goes; the caller sends the buffer (a packet of the
 *                       worker's pool, queued without another copy)
 *   transport_close()   the end: queues close_notify and the ICE-TCP closes,
 *                       before transport_destroy()
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

/* Why the transport gives up an ICE-TCP connection. */
enum transport_tcp_close {
    /* Its transport held TRANSPORT_TCP_PATHS connections and a newer one
     * came: the oldest that does not carry the selected pair goes. */
    TRANSPORT_TCP_CLOSE_SUPERSEDED,
    /* The transport ended (transport_close) or ICE forgot the pair (ICE
     * restart, consent expiry of a pair that is not selected). */
    TRANSPORT_TCP_CLOSE_ENDED,
};

/* ICE-TCP connections a transport holds at most: one per ICE pair. More
 * from one peer connection is not a browser; they would only let whoever
 * holds its credentials fill the worker's authenticated budget. */
#define TRANSPORT_TCP_PATHS ICE_MAX_PAIRS

/* The output queue. Datagrams the transport produces itself wait in a ring
 * of TRANSPORT_OUT_DATAGRAMS entries whose bytes share TRANSPORT_OUT_BYTES
 * of storage; ICE-TCP close requests and events wait in a ring of
 * TRANSPORT_OUT_CONTROL entries. One call produces far less than either
 * (a DTLS flight is one or two datagrams of at most DTLS_MTU bytes, about
 * 650 bytes for the server's certificate flight; a STUN response is one of
 * under 100; a call asks to close at most TRANSPORT_TCP_PATHS connections),
 * so a caller that drains after every call does not see a drop. The byte
 * storage is reclaimed whenever the last queued datagram is polled, and
 * costs each transport TRANSPORT_OUT_BYTES. When full anyway, a new
 * datagram is dropped (datagrams_dropped: DTLS retransmits, and the peer
 * retries its STUN checks), and a new control output pushes out the oldest
 * one (outputs_dropped: the newest says what holds now). */
#define TRANSPORT_OUT_DATAGRAMS 16
#define TRANSPORT_OUT_BYTES 8192
#define TRANSPORT_OUT_CONTROL (2 * TRANSPORT_TCP_PATHS)

struct transport_cfg {
    const char *local_ufrag;
    const char *local_pwd;
    const char *remote_ufrag;
    struct dtls_cert *cert; /* borrowed during create */
    enum dtls_role role;
    const char *remote_fp_alg; /* from the peer's a=fingerprint */
    const char *remote_fp;
    int64_t now_us;
};

enum transport_event {
    TRANSPORT_EVENT_CONNECTED, /* DTLS done, SRTP ready: media may flow */
    TRANSPORT_EVENT_PATH,      /* ICE selected another pair (e.g. Wi-Fi to mobile) */
    TRANSPORT_EVENT_FAILED,    /* ICE consent lost, DTLS failed, fingerprint mismatch */
    TRANSPORT_EVENT_CLOSED,    /* the peer closed DTLS */
};

/* Where a datagram goes: a peer address, and for ICE-TCP the connection. */
struct transport_dest {
    struct stun_addr addr;
    enum ice_proto proto;
    uint64_t tcp_conn; /* ICE_PROTO_TCP: the connection, as given to transport_input() */
};

enum transport_out_kind {
    /* Send buf[0..len) to `to` (over ICE-TCP: as one RFC 4571 frame on
     * to.tcp_conn; the caller frames it). */
    TRANSPORT_OUT_DATAGRAM,
    /* Close ICE-TCP connection `conn`: the transport has forgotten it;
     * nothing it queues later goes there (unless input arrives on it again
     * before the caller has closed it). */
    TRANSPORT_OUT_CLOSE_TCP,
    /* The transport's state changed. */
    TRANSPORT_OUT_EVENT,
};

struct transport_output {
    enum transport_out_kind kind;
    union {
        struct {
            /* A view into the transport's queue: valid until the next call
             * of transport_input(), _timeout(), _restart_ice(), _close()
             * or _destroy() on the same transport. */
            const uint8_t *buf;
            size_t len;
            struct transport_dest to;
        } datagram;
        struct {
            uint64_t conn;
            enum transport_tcp_close why;
        } close_tcp;
        struct {
            enum transport_event type;
            enum ice_proto proto; /* CONNECTED, PATH: the selected pair's protocol */
            const char *reason;   /* FAILED: a static English string */
        } event;
    };
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
    uint64_t datagrams_dropped;      /* own datagrams that found the output queue full */
    uint64_t outputs_dropped;        /* close requests or events pushed out of a full queue */
    uint64_t rtp_in, rtcp_in, rtp_out, rtcp_out;
    uint64_t bytes_in, bytes_out;
};

int transport_create(struct transport **out, const struct transport_cfg *cfg);
/* The end of the transport: queues close_notify if connected, then a
 * TRANSPORT_OUT_CLOSE_TCP (TRANSPORT_TCP_CLOSE_ENDED) for every ICE-TCP
 * connection it holds; drain transport_poll() after it. From then on it
 * takes no input, protects nothing and queues no event. Idempotent. */
void transport_close(struct transport *t);
/* NULL-safe. Frees the transport and whatever is still queued, without a
 * word to the peer: transport_close() and transport_poll() come first. */
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
/* INT64_MAX: none (after transport_close()). */
int64_t transport_next_deadline(const struct transport *t);

/* The next output, oldest first across all kinds (a DTLS flight goes out
 * before the CONNECTED it led to); false when none is left. Drain it until
 * false after every call of transport_input(), _timeout(), _restart_ice()
 * and _close(): the queue is bounded, and a datagram's bytes are only kept
 * until the next of those calls (see struct transport_output). The
 * protect, query and stats functions queue nothing and disturb nothing. */
bool transport_poll(struct transport *t, struct transport_output *out);

/* Protects RTP or compound RTCP in place (cap: room for the SRTP trailer;
 * *len is updated) and says where it goes, the selected pair; the caller
 * sends it (counted as sent here). ERR_AGAIN if not connected or without a
 * selected pair yet, ERR_NOTFOUND when the selected pair's TCP connection
 * is gone, ERR_TOOBIG without room for the trailer. */
int transport_protect_rtp(struct transport *t, uint8_t *buf, size_t *len, size_t cap,
                          struct transport_dest *to);
int transport_protect_rtcp(struct transport *t, uint8_t *buf, size_t *len, size_t cap,
                           struct transport_dest *to);

/* ICE restart with new credentials (signaled in a new offer/answer).
 * ERR_PROTO after transport_close(). */
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
