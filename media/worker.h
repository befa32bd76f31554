/* Media worker runtime: one thread with its own epoll loop, one UDP socket
 * shared by all its peers, a passive ICE-TCP listener (RFC 4571 framing),
 * a deadline for the transport layer's timers, a command queue from other
 * threads, and a packet buffer pool.
 *
 * The worker knows nothing about STUN, DTLS or SRTP. It classifies each
 * datagram or TCP frame by its first byte (RFC 7983), drops what is none of
 * ours, and hands the rest to the handler, the transport layer, which runs
 * the protocol cores and sends through the worker_send_* functions.
 *
 * Threads: worker_start(), worker_stop(), worker_post(), worker_stats() and
 * worker_ports() may be called from any thread. Every other function is for
 * the handler's callbacks, i.e. the worker's own thread. No state is shared
 * with other threads except the command queue and relaxed-atomic counters.
 *
 * Every callback runs on the worker thread, never nested inside another
 * callback of the same worker: a close or a timer caused by a send is
 * reported later in the same loop iteration. */
#ifndef SAMTALE_MEDIA_WORKER_H
#define SAMTALE_MEDIA_WORKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "media/pool.h"

/* ---- named limits and defaults ---- */

#define WORKER_RX_BATCH 32        /* datagrams per recvmmsg() */
#define WORKER_RX_ROUNDS 8        /* recvmmsg() calls per wakeup before serving others */
#define WORKER_TX_BATCH 64        /* datagrams queued by worker_send_batch() before a flush */
#define WORKER_GSO_MAX_SEGS 64    /* UDP_SEGMENT: segments in one send */
#define WORKER_QUEUE_DEFAULT 1024 /* commands waiting */
/* ICE-TCP admission (media/tcp_admit.h): authenticated connections, and
 * apart from them connections that have not passed an ICE check yet, whose
 * budget never keeps a new one out (the oldest is evicted instead). */
#define WORKER_TCP_CONNS_DEFAULT 1024  /* authenticated */
#define WORKER_TCP_UNAUTH_DEFAULT 1024 /* not (yet) authenticated */
#define WORKER_TCP_PER_ADDR_DEFAULT 16 /* unauthenticated per IPv4 address or IPv6 /64 */
#define WORKER_TCP_CONNS_MAX 65535     /* both budgets together */
/* Authenticated per IPv4 address or IPv6 /64: a quarter of the default
 * budget. An office or a town hall behind one NAT address, 2 peer
 * connections per participant, fits 128 participants on each worker (and
 * sessions are spread over the workers); whoever holds valid credentials
 * for many transports cannot take a worker's whole budget from one
 * address. */
#define WORKER_TCP_AUTH_PER_ADDR_DEFAULT 256
/* Time from acceptance to the first valid ICE check. A browser sends its
 * check as soon as the connection is up; 4 s leave room for two TCP
 * retransmissions (1 s, 2 s) of it on a lossy path. */
#define WORKER_TCP_AUTH_DEFAULT_US (4 * 1000000LL)
/* UDP SO_RCVBUF / SO_SNDBUF: one socket takes every participant's media,
 * and must absorb the bursts while the worker is busy or descheduled. */
#define WORKER_SOCKBUF_DEFAULT (16 * 1024 * 1024)
#define WORKER_NO_DEADLINE INT64_MAX
/* Extra UDP sockets (worker_udp_open): e.g. the RTP and RTCP ports of phone
 * calls, 2 per call. */
#define WORKER_UDP_SOCKS_MAX 2048

/* Identifies one accepted TCP connection for the life of the worker (never
 * reused). 0 (WORKER_CONN_NONE) is no connection, e.g. for UDP. */
typedef uint64_t worker_conn_id;
#define WORKER_CONN_NONE 0

enum worker_proto {
    WORKER_PROTO_UDP = 0,
    WORKER_PROTO_TCP = 1,
};

/* RFC 7983 demultiplexing by the first byte. */
enum worker_class {
    WORKER_CLASS_OTHER = 0, /* anything else: dropped by the worker */
    WORKER_CLASS_STUN,      /* 0..3 */
    WORKER_CLASS_DTLS,      /* 20..63 */
    WORKER_CLASS_RTP,       /* 128..191: RTP and RTCP */
    WORKER_CLASS_COUNT
};

struct worker;

/* A datagram (UDP) or a frame (TCP, conn identifies the connection) whose
 * class is not WORKER_CLASS_OTHER. buf is borrowed for the call only; the
 * handler may modify its len bytes in place (e.g. SRTP unprotect). from is
 * the UDP source or the TCP peer. */
typedef void worker_datagram_fn(void *arg, struct worker *w, int64_t now_us, uint8_t *buf,
                                size_t len, const struct sockaddr_storage *from, socklen_t fromlen,
                                enum worker_proto proto, worker_conn_id conn);
/* The deadline set with worker_set_deadline() has passed. It is cleared
 * before the call; set it again for the next one. */
typedef void worker_timer_fn(void *arg, struct worker *w, int64_t now_us);
/* A command from worker_post(); the handler takes ownership of cmd. */
typedef void worker_command_fn(void *arg, struct worker *w, void *cmd);
/* A TCP connection that delivered at least one frame is gone (peer closed,
 * error, output overflow, evicted, authentication deadline, worker_close_tcp(),
 * shutdown); peer is its remote address, as in on_datagram. Called once per
 * such connection; connections the handler never heard of close silently. */
typedef void worker_tcp_closed_fn(void *arg, struct worker *w, worker_conn_id conn,
                                  const struct sockaddr_storage *peer, socklen_t peerlen);
/* On the worker thread: before the first event, and last thing before it exits. */
typedef void worker_thread_fn(void *arg, struct worker *w);
/* A datagram on an extra UDP socket (worker_udp_open), whatever its first
 * byte, with the socket's id and the tag given when it was opened. buf is
 * borrowed for the call only and may be modified in place. The handler may
 * close that socket (or any other) from here. */
typedef void worker_udp_fn(void *arg, struct worker *w, int64_t now_us, int id, uint64_t tag,
                           uint8_t *buf, size_t len, const struct sockaddr_storage *from,
                           socklen_t fromlen);

/* Every member may be NULL (then the event is ignored). */
struct worker_handler {
    worker_datagram_fn *on_datagram;
    worker_timer_fn *on_timer;
    worker_command_fn *on_command;
    worker_tcp_closed_fn *on_tcp_closed;
    worker_thread_fn *on_start;
    worker_thread_fn *on_stop;
    worker_udp_fn *on_udp;
};

/* Zero means the default wherever a default is named. */
struct worker_cfg {
    unsigned index;        /* for logs and the thread name */
    const char *bind_addr; /* numeric IPv4 or IPv6 address, e.g. "127.0.0.1"; "::" is
                              dual-stack (IPv4 peers appear as ::ffff:a.b.c.d) */
    uint16_t udp_port;     /* 0 = ephemeral, see worker_ports() */
    uint16_t tcp_port;     /* 0 = ephemeral; may equal udp_port */
    bool no_tcp;           /* no ICE-TCP listener */
    bool pin_cpu;          /* pin the thread to CPU `cpu` (best effort) */
    unsigned cpu;
    size_t pool_count;              /* packet buffers (POOL_DEFAULT_COUNT) */
    size_t queue_capacity;          /* commands (WORKER_QUEUE_DEFAULT) */
    unsigned max_tcp_conns;         /* authenticated connections (WORKER_TCP_CONNS_DEFAULT) */
    unsigned max_tcp_unauth;        /* unauthenticated ones (WORKER_TCP_UNAUTH_DEFAULT) */
    unsigned max_tcp_per_addr;      /* unauthenticated per address (WORKER_TCP_PER_ADDR_DEFAULT) */
    unsigned max_tcp_auth_per_addr; /* authenticated per address
                                       (WORKER_TCP_AUTH_PER_ADDR_DEFAULT) */
    int64_t tcp_auth_us;            /* closes a connection not authenticated by then
                                       (WORKER_TCP_AUTH_DEFAULT_US) */
    size_t tcp_out_cap;             /* bytes buffered per connection (TCP_FRAMING_OUT_DEFAULT) */
    int tcp_sndbuf;                 /* SO_SNDBUF of accepted sockets; 0 leaves kernel autotuning */
    int udp_sockbuf; /* SO_RCVBUF and SO_SNDBUF of the UDP socket (WORKER_SOCKBUF_DEFAULT) */
    bool no_gso;     /* never use UDP_SEGMENT in worker_send_batch() */
    const struct worker_handler *h; /* borrowed: must outlive the worker */
    void *h_arg;
};

/* Counters, each read with a relaxed atomic load: every field is exact at
 * some recent moment, but fields are not a consistent cut across each other
 * (the loop may be between updating two of them). */
struct worker_stats {
    uint64_t udp_rx_packets, udp_rx_bytes;
    uint64_t udp_rx_truncated; /* larger than WORKER_PKT_SIZE: dropped */
    uint64_t udp_tx_packets, udp_tx_bytes;
    uint64_t udp_tx_dropped;       /* socket buffer full (EAGAIN, ENOBUFS) */
    uint64_t udp_tx_errors;        /* any other send failure */
    uint64_t udp_tx_syscalls;      /* sendto/sendmmsg calls */
    uint64_t udp_tx_gso_sends;     /* messages sent with UDP_SEGMENT (several datagrams each) */
    uint64_t udp_tx_gso_datagrams; /* the datagrams those carried */
    uint64_t udp_rx_syscalls;      /* recvmmsg calls on the media socket */
    uint64_t tcp_rx_frames, tcp_rx_bytes;
    uint64_t tcp_tx_frames, tcp_tx_bytes;
    /* Handed to on_datagram (UDP and TCP), by class. */
    uint64_t rx_class[WORKER_CLASS_COUNT];
    /* Dropped: [OTHER] by the worker, the rest by the handler (worker_count_drop). */
    uint64_t drop_class[WORKER_CLASS_COUNT];
    uint64_t pool_exhausted;        /* pool_get() returned NULL */
    uint64_t pool_in_use;           /* gauge, end of the last loop iteration */
    uint64_t tcp_accepted;          /* admitted (evicting another one or not) */
    uint64_t tcp_open;              /* gauge: every open connection */
    uint64_t tcp_unauth;            /* gauge: open and not authenticated */
    uint64_t tcp_evicted;           /* unauthenticated, closed to admit a newer one */
    uint64_t tcp_refused_addr;      /* not admitted: its address held max_tcp_per_addr */
    uint64_t tcp_refused_auth;      /* closed on authenticating: max_tcp_conns were */
    uint64_t tcp_refused_auth_addr; /* closed on authenticating: its address held
                                       max_tcp_auth_per_addr authenticated ones */
    uint64_t tcp_closed_deadline;   /* not authenticated within tcp_auth_us */
    uint64_t tcp_closed_overflow;   /* output buffer cap exceeded */
    uint64_t tcp_closed_error;      /* bad framing, garbage, socket error */
    uint64_t tcp_closed_peer;       /* orderly close or reset by the peer */
    /* Closed by the handler: its transport held its share of connections
     * and a newer one came, or its transport ended or dropped the pair. */
    uint64_t tcp_closed_superseded, tcp_closed_ended;
    /* Extra UDP sockets (worker_udp_open): open now (gauge); datagrams and
     * bytes in and out are also in udp_rx_* and udp_tx_* above. */
    uint64_t udp_socks_open;
    uint64_t udp_socks_rx_packets, udp_socks_tx_packets;
    uint64_t commands;
    uint64_t timer_calls;
    uint64_t wakeups; /* epoll_wait returns */
};

/* ---- any thread ---- */

/* Binds the sockets (errors are reported here: ERR_INVAL for a bad config,
 * ERR_IO when a socket cannot be bound, ERR_NOMEM) and starts the thread. */
int worker_start(struct worker **out, const struct worker_cfg *cfg);
/* Stops the loop, joins the thread and frees everything. Commands posted
 * before the call are still delivered to on_command; then every known TCP
 * connection is reported closed and on_stop runs, all on the worker thread.
 * No thread may post to the worker once this is called. NULL-safe; never
 * from the worker's own thread. */
void worker_stop(struct worker *w);
/* Queues a command for on_command. On success the worker owns cmd (it
 * passes it to on_command, also during worker_stop()). ERR_FULL when the
 * queue is full (cmd stays the caller's), ERR_INVAL for a NULL cmd. */
int worker_post(struct worker *w, void *cmd);
void worker_stats(struct worker *w, struct worker_stats *out);
/* The bound ports (udp, tcp; tcp 0 with no_tcp). Either pointer may be NULL. */
void worker_ports(const struct worker *w, uint16_t *udp_port, uint16_t *tcp_port);
unsigned worker_index(const struct worker *w);
/* Raises the soft limit of open files (RLIMIT_NOFILE) to the hard limit, for
 * a process that holds many ICE-TCP connections. Returns the soft limit now
 * in effect (*soft), 0 or ERR_IO. */
int worker_raise_fd_limit(uint64_t *soft);

/* First-byte classification (RFC 7983); an empty buffer is OTHER. */
enum worker_class worker_classify(const uint8_t *buf, size_t len);
const char *worker_class_name(enum worker_class c);
/* The clock of now_us and deadlines: CLOCK_MONOTONIC in microseconds. */
int64_t worker_clock_us(void);

/* ---- the worker's own thread (handler callbacks) ---- */

/* Asks for on_timer at or soon after deadline_us (worker_clock_us() time).
 * Keeps the earliest of all deadlines set since the last on_timer, so each
 * transport may set its own; an early on_timer is harmless by contract. */
void worker_set_deadline(struct worker *w, int64_t deadline_us);

/* Sends one datagram now (sendto), ahead of anything worker_send_batch()
 * queued. 0, ERR_TOOBIG above WORKER_PKT_SIZE, ERR_INVAL for a bad address,
 * ERR_AGAIN when the socket buffer is full (dropped and counted), ERR_IO. */
int worker_send_udp(struct worker *w, const uint8_t *buf, size_t len,
                    const struct sockaddr_storage *to, socklen_t tolen);
/* Queues a pool packet to pkt->addr; takes ownership of pkt (it goes back to
 * worker_pool() once sent). Queued packets leave with sendmmsg() when
 * WORKER_TX_BATCH are waiting, after the datagrams of each recvmmsg() batch
 * have been handled, and before the loop sleeps again, in order;
 * runs of equal-sized packets to one destination go as one UDP GSO send.
 * 0, or ERR_TOOBIG / ERR_INVAL (bad length or address; pkt is freed). */
int worker_send_batch(struct worker *w, struct pkt *pkt);
/* Sends what worker_send_batch() queued now. */
void worker_flush(struct worker *w);

/* Frames buf (RFC 4571) and writes it to the connection; what the socket
 * does not take is buffered up to tcp_out_cap. 0; ERR_NOTFOUND for an
 * unknown or closed connection; ERR_TOOBIG above TCP_FRAMING_MAX_FRAME;
 * ERR_FULL when the cap is exceeded and ERR_IO on a socket error, both of
 * which close the connection (on_tcp_closed follows). */
int worker_send_tcp(struct worker *w, worker_conn_id conn, const uint8_t *buf, size_t len);
/* Why the handler closes a connection (counted in worker_stats). */
enum worker_tcp_close {
    WORKER_TCP_CLOSE_LOCAL = 0,  /* not counted */
    WORKER_TCP_CLOSE_SUPERSEDED, /* tcp_closed_superseded */
    WORKER_TCP_CLOSE_ENDED,      /* tcp_closed_ended */
};
/* Closes a connection (on_tcp_closed follows if it was known). 0 or ERR_NOTFOUND. */
int worker_close_tcp(struct worker *w, worker_conn_id conn, enum worker_tcp_close why);
/* The connection passed ICE authentication (a valid check arrived on it):
 * it leaves the unauthenticated budget, its deadline and its address's
 * count, and is never evicted. 0 (also when it had already); ERR_NOTFOUND;
 * ERR_FULL when max_tcp_conns connections are authenticated already, or
 * ERR_DENIED when its address holds max_tcp_auth_per_addr, either of which
 * closes it (on_tcp_closed follows). Until this is called a connection is
 * closed tcp_auth_us after acceptance, whatever it sends. */
int worker_tcp_authenticated(struct worker *w, worker_conn_id conn);

/* ---- extra UDP sockets (media/worker_udp.c), worker thread only ----
 * Each is its own bound socket, read in the worker's loop and reported to
 * on_udp with its id and tag; nothing is classified or dropped by the
 * worker. Ids are small integers, reused after worker_udp_close(); every
 * one still open is closed at worker_stop(). */

/* Binds a UDP socket on bind_addr (numeric; "::" is dual-stack) and port
 * (0: ephemeral). 0 and *out_id; ERR_INVAL for a bad address; ERR_IO when
 * it cannot be bound (the port is taken); ERR_FULL beyond
 * WORKER_UDP_SOCKS_MAX. */
int worker_udp_open(struct worker *w, const char *bind_addr, uint16_t port, uint64_t tag,
                    int *out_id);
/* The bound port of an open socket, or 0. */
uint16_t worker_udp_port(const struct worker *w, int id);
/* Sends one datagram from that socket now (sendto). 0; ERR_NOTFOUND for a
 * closed id; ERR_TOOBIG, ERR_INVAL, ERR_AGAIN, ERR_IO as worker_send_udp(). */
int worker_udp_send(struct worker *w, int id, const uint8_t *buf, size_t len,
                    const struct sockaddr_storage *to, socklen_t tolen);
/* Closes it; 0 or ERR_NOTFOUND. */
int worker_udp_close(struct worker *w, int id);

/* The worker's packet buffers, for the handler's outgoing packets. */
struct pool *worker_pool(struct worker *w);
/* Counts a packet the handler dropped, by class (worker_stats drop_class). */
void worker_count_drop(struct worker *w, enum worker_class c);

#endif
