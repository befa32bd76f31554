/* Internals of the media worker shared by media/worker.c (thread, loop,
 * UDP, commands, timers) and media/worker_tcp.c (ICE-TCP connections).
 * Not for other modules. */
#ifndef SAMTALE_MEDIA_WORKER_INT_H
#define SAMTALE_MEDIA_WORKER_INT_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "media/pool.h"
#include "media/queue.h"
#include "media/tcp_admit.h"
#include "media/tcp_framing.h"
#include "media/worker.h"
#include "base/log.h"

/* epoll data.u64 tags of the fixed descriptors; connection ids are larger. */
enum {
    WTAG_UDP = 1,
    WTAG_LISTEN = 2,
    WTAG_QUEUE = 3,
    WTAG_STOP = 4,
    /* extra UDP sockets: WTAG_UDP_SOCK + id (below the smallest connection id) */
    WTAG_UDP_SOCK = 0x100,
};

#define WORKER_SLOT_BITS 16 /* conn id = sequence << 16 | slot */
#define WORKER_TCP_RBUF (64 * 1024)
#define WORKER_ACCEPTS_PER_WAKEUP 64
#define WORKER_TCP_READS_PER_WAKEUP 4
#define WORKER_ACCEPT_PAUSE_US 100000 /* after EMFILE and the like */

enum worker_close_reason {
    WCLOSE_PEER,
    WCLOSE_ERROR,
    WCLOSE_DEADLINE,  /* not authenticated in time */
    WCLOSE_EVICTED,   /* unauthenticated, to admit a newer connection */
    WCLOSE_AUTH_FULL, /* authenticated while max_tcp_conns were */
    WCLOSE_AUTH_ADDR, /* authenticated while its address held max_tcp_auth_per_addr */
    WCLOSE_OVERFLOW,
    WCLOSE_LOCAL,      /* worker_close_tcp() or shutdown */
    WCLOSE_SUPERSEDED, /* worker_close_tcp(): its transport had its share */
    WCLOSE_ENDED,      /* worker_close_tcp(): its transport is gone */
};

struct tcp_conn {
    worker_conn_id id;
    int fd;
    bool known;   /* delivered a frame: the handler knows it */
    bool closing; /* on the close list; invisible to lookups */
    bool out_armed;
    bool abort;    /* close with a reset: one admission turned away */
    uint32_t slot; /* also its entry in the worker's tcp_admit */
    struct tcp_conn *close_next;
    struct sockaddr_storage peer;
    socklen_t peerlen;
    struct tcp_framing_writer out;
    struct tcp_framing_reader in;
};

#define WSTAT_N (sizeof(struct worker_stats) / sizeof(uint64_t))
#define WSTAT_IDX(field) (offsetof(struct worker_stats, field) / sizeof(uint64_t))

struct worker {
    /* configuration, fixed after start */
    unsigned index;
    const struct worker_handler *h;
    void *h_arg;
    int family;
    uint16_t udp_port, tcp_port;
    unsigned max_conns; /* slots: both admission budgets together */
    size_t tcp_out_cap;
    int tcp_sndbuf;

    /* descriptors and thread */
    int epfd, udp_fd, tcp_fd, stop_fd;
    pthread_t thread;
    bool thread_started;
    pthread_t self; /* set by the thread itself, for assertions */
    bool pin_cpu;
    unsigned cpu;
    struct queue *cmdq;

    /* loop state: worker thread only */
    bool running;
    bool pwait2_missing; /* epoll_pwait2() is ENOSYS: use epoll_wait() */
    bool gso_ok;
    int64_t now_us;
    int64_t deadline_us;
    int64_t accept_resume_us; /* WORKER_NO_DEADLINE while accepting */
    struct pool *pool;

    struct pkt *rx;                          /* WORKER_RX_BATCH buffers of our own */
    struct mmsghdr *rx_msgs;                 /* WORKER_RX_BATCH */
    struct iovec *rx_iov;                    /* WORKER_RX_BATCH */
    struct pkt *tx[WORKER_TX_BATCH];         /* queued by worker_send_batch() */
    struct pkt *tx_scratch[WORKER_TX_BATCH]; /* for grouping tx by destination */
    struct iovec tx_iov[WORKER_TX_BATCH];    /* one per queued packet */
    struct mmsghdr tx_msgs[WORKER_TX_BATCH]; /* one per send (a GSO run or a packet) */
    size_t tx_first[WORKER_TX_BATCH];        /* first packet of each message */
    size_t tx_count[WORKER_TX_BATCH];        /* packets in each message */
    union {
        char buf[CMSG_SPACE(sizeof(uint16_t))];
        size_t align; /* cmsghdr alignment */
    } tx_cmsg[WORKER_TX_BATCH];
    size_t tx_n;

    /* TCP */
    struct tcp_conn **slots; /* max_conns entries */
    uint32_t *free_slots;    /* stack of unused slot numbers */
    uint32_t n_free_slots;
    uint64_t conn_seq;
    unsigned n_conns;
    struct tcp_admit *admit; /* who may hold a connection, and until when */
    int spare_fd;            /* held for running out of descriptors (/dev/null), or -1 */
    struct tcp_conn *close_head, *close_tail;
    uint8_t *tcp_rbuf; /* WORKER_TCP_RBUF */

    /* extra UDP sockets (media/worker_udp.c) */
    struct worker_udp_sock *socks; /* WORKER_UDP_SOCKS_MAX */
    int socks_hi;                  /* one past the highest id in use */
    unsigned socks_open;
    uint64_t socks_gen;

    struct log_ratelimit rl_rx, rl_drop, rl_tx, rl_tcp; /* one per kind of message */

    /* counters: written by the worker thread only, read by worker_stats() */
    _Atomic uint64_t stats[WSTAT_N];
};

/* Single writer: a relaxed load and store, no locked instruction. */
static inline void wstat_add(struct worker *w, size_t idx, uint64_t n)
{
    uint64_t v = atomic_load_explicit(&w->stats[idx], memory_order_relaxed);
    atomic_store_explicit(&w->stats[idx], v + n, memory_order_relaxed);
}

static inline void wstat_set(struct worker *w, size_t idx, uint64_t v)
{
    atomic_store_explicit(&w->stats[idx], v, memory_order_relaxed);
}

#define WSTAT_ADD(w, field, n) wstat_add((w), WSTAT_IDX(field), (uint64_t)(n))
#define WSTAT_SET(w, field, v) wstat_set((w), WSTAT_IDX(field), (uint64_t)(v))

struct worker_udp_sock {
    int fd; /* -1: free */
    uint16_t port;
    uint64_t tag;
    uint64_t gen; /* tells a reopened id from the socket it had */
};

/* media/worker.c, for media/worker_udp.c */
/* A bound, non-blocking socket; returns the fd and its port, or -1. */
int worker_open_socket(struct worker *w, const char *addr, uint16_t port, int type,
                       uint16_t *bound_port);
/* errno of a failed send as an ERR_* code, counted. */
int worker_send_errno(struct worker *w, int e);
/* One datagram on fd now (the worker's socket or a call's), counted. */
int worker_sendto(struct worker *w, int fd, const uint8_t *buf, size_t len,
                  const struct sockaddr_storage *to, socklen_t tolen);
bool worker_addr_len_ok(const struct sockaddr_storage *to, socklen_t tolen);

/* media/worker_udp.c */
int worker_udp_init(struct worker *w);
void worker_udp_free(struct worker *w); /* closes every socket */
void worker_udp_readable(struct worker *w, int id);

/* media/worker_tcp.c */
/* Tables and admission; before the thread starts. */
int worker_tcp_init(struct worker *w, const struct worker_cfg *cfg);
void worker_tcp_free(struct worker *w);   /* after the thread ended */
void worker_tcp_accept(struct worker *w); /* listener readable */
void worker_tcp_event(struct worker *w, worker_conn_id id, uint32_t events);
/* Closes connections past their authentication deadline; returns the next deadline. */
int64_t worker_tcp_expire(struct worker *w, int64_t now_us);
/* The earliest authentication deadline, or WORKER_NO_DEADLINE. */
int64_t worker_tcp_next_deadline(const struct worker *w);
/* Closes every connection that was marked for closing, calling on_tcp_closed. */
void worker_tcp_reap(struct worker *w);
/* Marks every connection for closing (shutdown). */
void worker_tcp_close_all(struct worker *w);

#endif
