/* The limit probe's send queue (tests/bench/bench_probe.c): datagrams
 * queued in order, sent with sendmmsg, and with UDP GSO (a UDP_SEGMENT
 * control message) for each run of packets to one destination that are
 * all of one size but the last, which may be shorter: the grouping the
 * server's worker makes (media/worker.c). When the kernel refuses a GSO
 * send, the queue falls back to one datagram per message for good and says
 * so in `gso_refused`. */
#ifndef SAMTALE_BENCH_LPROBE_TX_H
#define SAMTALE_BENCH_LPROBE_TX_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define LPROBE_TX_MAX 2048        /* datagrams queued between flushes */
#define LPROBE_TX_GSO_SEGS 64     /* segments in one GSO send */
#define LPROBE_TX_GSO_BYTES 65000 /* payload bytes in one GSO send (IPv4 UDP max 65507) */

struct lprobe_tx {
    bool gso;         /* form GSO runs */
    bool gso_refused; /* the kernel refused one: sent without since */
    size_t n;         /* queued datagrams */
    struct iovec iov[LPROBE_TX_MAX];
    const struct sockaddr_in *dst[LPROBE_TX_MAX]; /* NULL: the socket is connected */
    struct mmsghdr msgs[LPROBE_TX_MAX];           /* one per send: a GSO run or a datagram */
    size_t first[LPROBE_TX_MAX], count[LPROBE_TX_MAX];
    union {
        char buf[CMSG_SPACE(sizeof(uint16_t))];
        size_t align; /* cmsghdr alignment */
    } cmsg[LPROBE_TX_MAX];
    uint64_t calls;     /* sendmmsg calls */
    uint64_t sent;      /* datagrams sent */
    uint64_t gso_sends; /* messages of more than one segment */
    uint64_t gso_segs;  /* segments in them */
    char error[120];    /* what failed, when lprobe_tx_flush fails */
};

void lprobe_tx_init(struct lprobe_tx *q, bool gso);
/* Forgets what is queued (the buffers are the caller's). */
void lprobe_tx_reset(struct lprobe_tx *q);
/* Queues buf[0..len) to dst; buf must stay valid until the flush. At most
 * LPROBE_TX_MAX datagrams between flushes (more is a bug of the caller). */
void lprobe_tx_add(struct lprobe_tx *q, uint8_t *buf, size_t len, const struct sockaddr_in *dst);
/* Sends everything queued on the blocking socket fd and empties the queue.
 * Returns 0, or ERR_IO with q->error set (a datagram could not be sent). */
int lprobe_tx_flush(struct lprobe_tx *q, int fd);

#endif
