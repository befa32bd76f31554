/* Extra UDP sockets of a media worker (the RTP and RTCP ports of phone
 * calls): opened, read and closed on the worker's own thread, each
 * datagram to the handler's on_udp with the socket's id and tag. */
#define LOG_MODULE "worker"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "media/worker_int.h"
#include "base/err.h"

static_assert(WTAG_UDP_SOCK + WORKER_UDP_SOCKS_MAX < (1u << WORKER_SLOT_BITS),
              "socket tags stay below the smallest connection id");

int worker_udp_init(struct worker *w)
{
    w->socks = calloc(WORKER_UDP_SOCKS_MAX, sizeof *w->socks);
    if (!w->socks)
        return ERR_NOMEM;
    for (size_t i = 0; i < WORKER_UDP_SOCKS_MAX; i++)
        w->socks[i].fd = -1;
    return 0;
}

void worker_udp_free(struct worker *w)
{
    if (!w->socks)
        return;
    for (int i = 0; i < w->socks_hi; i++)
        if (w->socks[i].fd >= 0)
            close(w->socks[i].fd);
    free(w->socks);
    w->socks = NULL;
}

static struct worker_udp_sock *sock_get(const struct worker *w, int id)
{
    if (id < 0 || id >= w->socks_hi || w->socks[id].fd < 0)
        return NULL;
    return &w->socks[id];
}

int worker_udp_open(struct worker *w, const char *bind_addr, uint16_t port, uint64_t tag,
                    int *out_id)
{
    int id = -1;
    if (!bind_addr || !out_id)
        return ERR_INVAL;
    for (int i = 0; i < WORKER_UDP_SOCKS_MAX && id < 0; i++)
        if (w->socks[i].fd < 0)
            id = i;
    if (id < 0)
        return ERR_FULL;
    uint16_t bound = 0;
    int fd = worker_open_socket(w, bind_addr, port, SOCK_DGRAM, &bound);
    if (fd < 0)
        return ERR_IO;
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = WTAG_UDP_SOCK + (uint64_t)id};
    if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
        LOG_E("worker %u: epoll_ctl: %s", w->index, strerror(errno));
        close(fd);
        return ERR_IO;
    }
    w->socks[id] =
        (struct worker_udp_sock){.fd = fd, .port = bound, .tag = tag, .gen = ++w->socks_gen};
    if (id >= w->socks_hi)
        w->socks_hi = id + 1;
    w->socks_open++;
    WSTAT_SET(w, udp_socks_open, w->socks_open);
    *out_id = id;
    return 0;
}

uint16_t worker_udp_port(const struct worker *w, int id)
{
    const struct worker_udp_sock *s = sock_get(w, id);
    return s ? s->port : 0;
}

int worker_udp_close(struct worker *w, int id)
{
    struct worker_udp_sock *s = sock_get(w, id);
    if (!s)
        return ERR_NOTFOUND;
    close(s->fd); /* also leaves the epoll set */
    s->fd = -1;
    while (w->socks_hi > 0 && w->socks[w->socks_hi - 1].fd < 0)
        w->socks_hi--;
    w->socks_open--;
    WSTAT_SET(w, udp_socks_open, w->socks_open);
    return 0;
}

int worker_udp_send(struct worker *w, int id, const uint8_t *buf, size_t len,
                    const struct sockaddr_storage *to, socklen_t tolen)
{
    struct worker_udp_sock *s = sock_get(w, id);
    if (!s)
        return ERR_NOTFOUND;
    int rc = worker_sendto(w, s->fd, buf, len, to, tolen);
    if (rc == 0)
        WSTAT_ADD(w, udp_socks_tx_packets, 1);
    return rc;
}

/* Reads what is waiting, a batch at a time, into the worker's receive
 * buffers. A call carries one 20 ms packet per direction, so a few rounds
 * drain it; what is left waits for the next wakeup (level-triggered). */
void worker_udp_readable(struct worker *w, int id)
{
    for (int round = 0; round < WORKER_RX_ROUNDS && w->running; round++) {
        struct worker_udp_sock *s = sock_get(w, id);
        if (!s)
            return; /* closed meanwhile */
        uint64_t gen = s->gen, tag = s->tag;
        for (size_t i = 0; i < WORKER_RX_BATCH; i++) {
            struct msghdr *h = &w->rx_msgs[i].msg_hdr;
            memset(h, 0, sizeof *h);
            h->msg_name = &w->rx[i].addr;
            h->msg_namelen = sizeof w->rx[i].addr;
            h->msg_iov = &w->rx_iov[i];
            h->msg_iovlen = 1;
        }
        int n = recvmmsg(s->fd, w->rx_msgs, WORKER_RX_BATCH, MSG_DONTWAIT, NULL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK &&
                log_ratelimit_ok(&w->rl_rx, w->now_us, 5))
                LOG_W("worker %u: recvmmsg (socket %d): %s", w->index, id, strerror(errno));
            return;
        }
        w->now_us = worker_clock_us();
        for (int i = 0; i < n; i++) {
            struct pkt *p = &w->rx[i];
            size_t len = w->rx_msgs[i].msg_len;
            WSTAT_ADD(w, udp_rx_packets, 1);
            WSTAT_ADD(w, udp_rx_bytes, len);
            WSTAT_ADD(w, udp_socks_rx_packets, 1);
            if (w->rx_msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
                WSTAT_ADD(w, udp_rx_truncated, 1);
                continue;
            }
            p->len = len;
            p->addrlen = w->rx_msgs[i].msg_hdr.msg_namelen;
            if (w->h->on_udp)
                w->h->on_udp(w->h_arg, w, w->now_us, id, tag, p->data, len, &p->addr, p->addrlen);
            /* The handler may have closed it (and another open reused the id). */
            const struct worker_udp_sock *now = sock_get(w, id);
            if (!now || now->gen != gen)
                return;
        }
        worker_flush(w);
        if (n < WORKER_RX_BATCH)
            return;
    }
}
