/* Media worker: the thread, its epoll loop, the UDP socket (recvmmsg in,
 * sendto / sendmmsg + GSO out), commands from other threads and the
 * handler's deadline. ICE-TCP connections are in media/worker_tcp.c. */
#define LOG_MODULE "worker"

#include "media/worker.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <netinet/udp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "media/worker_int.h"
#include "base/clock.h"
#include "media/tx_group.h"
#include "base/err.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

#define WORKER_EPOLL_EVENTS 64
#define WORKER_CMDS_PER_WAKEUP 64
/* A GSO send carries at most this many payload bytes (IPv4 UDP max 65507). */
#define WORKER_GSO_MAX_BYTES 65000

static_assert(sizeof(struct worker_stats) % sizeof(uint64_t) == 0, "stats are all uint64_t");
static_assert(TCP_FRAMING_MAX_FRAME <= WORKER_PKT_SIZE, "a TCP frame fits a packet buffer");

/* ---- small helpers ---- */

int64_t worker_clock_us(void)
{
    return now_mono_us();
}

enum worker_class worker_classify(const uint8_t *buf, size_t len)
{
    if (len == 0)
        return WORKER_CLASS_OTHER;
    uint8_t b = buf[0];
    if (b <= 3)
        return WORKER_CLASS_STUN;
    if (b >= 20 && b <= 63)
        return WORKER_CLASS_DTLS;
    if (b >= 128 && b <= 191)
        return WORKER_CLASS_RTP;
    return WORKER_CLASS_OTHER;
}

const char *worker_class_name(enum worker_class c)
{
    switch (c) {
    case WORKER_CLASS_STUN:
        return "stun";
    case WORKER_CLASS_DTLS:
        return "dtls";
    case WORKER_CLASS_RTP:
        return "rtp";
    case WORKER_CLASS_OTHER:
    case WORKER_CLASS_COUNT:
        break;
    }
    return "other";
}

static inline bool on_worker_thread(const struct worker *w) /* for assertions */
{
    return pthread_equal(pthread_self(), w->self) != 0;
}

/* Same family, address and port; ignores padding such as sin_zero. */
bool worker_addr_len_ok(const struct sockaddr_storage *to, socklen_t tolen)
{
    if (!to)
        return false;
    if (to->ss_family == AF_INET)
        return tolen >= (socklen_t)sizeof(struct sockaddr_in);
    if (to->ss_family == AF_INET6)
        return tolen >= (socklen_t)sizeof(struct sockaddr_in6);
    return false;
}

/* ---- any thread ---- */

void worker_stats(struct worker *w, struct worker_stats *out)
{
    uint64_t v[WSTAT_N];
    for (size_t i = 0; i < WSTAT_N; i++)
        v[i] = atomic_load_explicit(&w->stats[i], memory_order_relaxed);
    memcpy(out, v, sizeof *out);
}

void worker_ports(const struct worker *w, uint16_t *udp_port, uint16_t *tcp_port)
{
    if (udp_port)
        *udp_port = w->udp_port;
    if (tcp_port)
        *tcp_port = w->tcp_port;
}

unsigned worker_index(const struct worker *w)
{
    return w->index;
}

int worker_raise_fd_limit(uint64_t *soft)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return ERR_IO;
    if (rl.rlim_cur < rl.rlim_max) {
        rlim_t want = rl.rlim_max;
        rl.rlim_cur = want;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0 || getrlimit(RLIMIT_NOFILE, &rl) != 0)
            return ERR_IO;
    }
    *soft = rl.rlim_cur == RLIM_INFINITY ? UINT64_MAX : (uint64_t)rl.rlim_cur;
    return 0;
}

int worker_post(struct worker *w, void *cmd)
{
    if (!cmd)
        return ERR_INVAL;
    return queue_push(w->cmdq, &cmd);
}

/* ---- worker thread: API for the handler ---- */

struct pool *worker_pool(struct worker *w)
{
    assert(on_worker_thread(w));
    return w->pool;
}

void worker_count_drop(struct worker *w, enum worker_class c)
{
    assert(on_worker_thread(w));
    if ((unsigned)c >= WORKER_CLASS_COUNT)
        c = WORKER_CLASS_OTHER;
    wstat_add(w, WSTAT_IDX(drop_class) + (size_t)c, 1);
}

void worker_set_deadline(struct worker *w, int64_t deadline_us)
{
    assert(on_worker_thread(w));
    if (deadline_us < w->deadline_us)
        w->deadline_us = deadline_us;
}

int worker_send_errno(struct worker *w, int e)
{
    if (e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS) {
        WSTAT_ADD(w, udp_tx_dropped, 1);
        return ERR_AGAIN;
    }
    WSTAT_ADD(w, udp_tx_errors, 1);
    if (log_ratelimit_ok(&w->rl_tx, w->now_us, 5))
        LOG_W("worker %u: udp send: %s", w->index, strerror(e));
    return ERR_IO;
}

int worker_sendto(struct worker *w, int fd, const uint8_t *buf, size_t len,
                  const struct sockaddr_storage *to, socklen_t tolen)
{
    if (len > WORKER_PKT_SIZE)
        return ERR_TOOBIG;
    if (!worker_addr_len_ok(to, tolen))
        return ERR_INVAL;
    for (;;) {
        WSTAT_ADD(w, udp_tx_syscalls, 1);
        ssize_t n = sendto(fd, buf, len, MSG_DONTWAIT, (const struct sockaddr *)to, tolen);
        if (n >= 0) {
            WSTAT_ADD(w, udp_tx_packets, 1);
            WSTAT_ADD(w, udp_tx_bytes, len);
            return 0;
        }
        if (errno != EINTR)
            return worker_send_errno(w, errno);
    }
}

int worker_send_udp(struct worker *w, const uint8_t *buf, size_t len,
                    const struct sockaddr_storage *to, socklen_t tolen)
{
    assert(on_worker_thread(w));
    return worker_sendto(w, w->udp_fd, buf, len, to, tolen);
}

int worker_send_batch(struct worker *w, struct pkt *pkt)
{
    assert(on_worker_thread(w));
    int rc = pkt->len > WORKER_PKT_SIZE                      ? ERR_TOOBIG
             : !worker_addr_len_ok(&pkt->addr, pkt->addrlen) ? ERR_INVAL
                                                             : 0;
    if (rc != 0) {
        pool_put(w->pool, pkt);
        return rc;
    }
    if (w->tx_n == WORKER_TX_BATCH)
        worker_flush(w);
    w->tx_iov[w->tx_n].iov_base = pkt->data;
    w->tx_iov[w->tx_n].iov_len = pkt->len;
    w->tx[w->tx_n++] = pkt;
    return 0;
}

/* Groups tx[from..tx_n) into messages: a run of packets to one destination,
 * all of one size but the last (which may be shorter), becomes one GSO send.
 * Returns the number of messages. */
static size_t tx_build(struct worker *w, size_t from, bool gso)
{
    size_t m = 0;
    for (size_t i = from; i < w->tx_n; m++) {
        struct pkt *first = w->tx[i];
        size_t seg = first->len, count = 1, total = seg;
        if (gso && seg > 0) {
            while (i + count < w->tx_n && count < WORKER_GSO_MAX_SEGS) {
                struct pkt *p = w->tx[i + count];
                if (p->len == 0 || p->len > seg || total + p->len > WORKER_GSO_MAX_BYTES ||
                    !tx_same_dest(&p->addr, &first->addr))
                    break;
                total += p->len;
                count++;
                if (p->len < seg)
                    break; /* a shorter segment ends the run */
            }
        }
        struct msghdr *h = &w->tx_msgs[m].msg_hdr;
        memset(h, 0, sizeof *h);
        h->msg_name = &first->addr;
        h->msg_namelen = first->addrlen;
        h->msg_iov = &w->tx_iov[i];
        h->msg_iovlen = count;
        if (count > 1) {
            h->msg_control = w->tx_cmsg[m].buf;
            h->msg_controllen = sizeof w->tx_cmsg[m].buf;
            struct cmsghdr *cm = CMSG_FIRSTHDR(h);
            cm->cmsg_level = SOL_UDP;
            cm->cmsg_type = UDP_SEGMENT;
            cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
            uint16_t gso_size = (uint16_t)seg;
            memcpy(CMSG_DATA(cm), &gso_size, sizeof gso_size);
        }
        w->tx_msgs[m].msg_len = 0;
        w->tx_first[m] = i;
        w->tx_count[m] = count;
        i += count;
    }
    return m;
}

static void tx_count_sent(struct worker *w, size_t msg)
{
    size_t first = w->tx_first[msg], count = w->tx_count[msg];
    uint64_t bytes = 0;
    for (size_t k = 0; k < count; k++)
        bytes += w->tx[first + k]->len;
    WSTAT_ADD(w, udp_tx_packets, count);
    WSTAT_ADD(w, udp_tx_bytes, bytes);
    if (count > 1) {
        WSTAT_ADD(w, udp_tx_gso_sends, 1);
        WSTAT_ADD(w, udp_tx_gso_datagrams, count);
    }
}

void worker_flush(struct worker *w)
{
    assert(on_worker_thread(w));
    bool gso = w->gso_ok;
    if (gso && w->tx_n > 2) {
        (void)tx_group_by_dest(w->tx, w->tx_n, w->tx_scratch);
        for (size_t i = 0; i < w->tx_n; i++) {
            w->tx_iov[i].iov_base = w->tx[i]->data;
            w->tx_iov[i].iov_len = w->tx[i]->len;
        }
    }
    size_t m = tx_build(w, 0, gso), k = 0;
    while (k < m) {
        WSTAT_ADD(w, udp_tx_syscalls, 1);
        int r = sendmmsg(w->udp_fd, &w->tx_msgs[k], (unsigned)(m - k), MSG_DONTWAIT);
        if (r > 0) {
            for (size_t j = k; j < k + (size_t)r; j++)
                tx_count_sent(w, j);
            k += (size_t)r;
            continue;
        }
        int e = r == 0 ? EAGAIN : errno; /* 0 is not expected with m > k */
        if (e == EINTR)
            continue;
        if (w->tx_count[k] > 1 && (e == EIO || e == EINVAL || e == EOPNOTSUPP)) {
            /* A GSO send was refused: the rest of this flush goes without.
             * EINVAL can be one segment above the route's MTU; EIO and
             * EOPNOTSUPP mean the device cannot do it at all. */
            if (e != EINVAL) {
                LOG_W("worker %u: UDP GSO failed (%s); sending without it", w->index, strerror(e));
                w->gso_ok = false;
            }
            gso = false;
            m = tx_build(w, w->tx_first[k], gso);
            k = 0;
            continue;
        }
        if (e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS) {
            /* Socket buffer full: drop the rest, as a router would. */
            for (size_t j = k; j < m; j++)
                WSTAT_ADD(w, udp_tx_dropped, w->tx_count[j]);
            break;
        }
        /* This message fails on its own (unreachable, too big): skip it. */
        worker_send_errno(w, e);
        if (w->tx_count[k] > 1)
            WSTAT_ADD(w, udp_tx_errors, w->tx_count[k] - 1);
        k++;
    }
    for (size_t i = 0; i < w->tx_n; i++)
        pool_put(w->pool, w->tx[i]);
    w->tx_n = 0;
}

/* ---- the loop ---- */

static void udp_readable(struct worker *w)
{
    for (int round = 0; round < WORKER_RX_ROUNDS && w->running; round++) {
        for (size_t i = 0; i < WORKER_RX_BATCH; i++) {
            struct msghdr *h = &w->rx_msgs[i].msg_hdr;
            h->msg_name = &w->rx[i].addr;
            h->msg_namelen = sizeof w->rx[i].addr;
            h->msg_iov = &w->rx_iov[i];
            h->msg_iovlen = 1;
            h->msg_control = NULL;
            h->msg_controllen = 0;
            h->msg_flags = 0;
        }
        int n = recvmmsg(w->udp_fd, w->rx_msgs, WORKER_RX_BATCH, MSG_DONTWAIT, NULL);
        WSTAT_ADD(w, udp_rx_syscalls, 1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK &&
                log_ratelimit_ok(&w->rl_rx, w->now_us, 5))
                LOG_W("worker %u: recvmmsg: %s", w->index, strerror(errno));
            return;
        }
        w->now_us = worker_clock_us();
        uint64_t bytes = 0;
        for (int i = 0; i < n; i++)
            bytes += w->rx_msgs[i].msg_len;
        WSTAT_ADD(w, udp_rx_packets, n);
        WSTAT_ADD(w, udp_rx_bytes, bytes);
        for (int i = 0; i < n; i++) {
            struct pkt *p = &w->rx[i];
            size_t len = w->rx_msgs[i].msg_len;
            if (w->rx_msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
                WSTAT_ADD(w, udp_rx_truncated, 1);
                continue;
            }
            enum worker_class c = worker_classify(p->data, len);
            if (c == WORKER_CLASS_OTHER) {
                wstat_add(w, WSTAT_IDX(drop_class) + WORKER_CLASS_OTHER, 1);
                if (log_ratelimit_ok(&w->rl_drop, w->now_us, 1))
                    LOG_D("worker %u: dropping a datagram of %zu bytes starting 0x%02x", w->index,
                          len, len ? p->data[0] : 0);
                continue;
            }
            wstat_add(w, WSTAT_IDX(rx_class) + (size_t)c, 1);
            p->len = len;
            p->addrlen = w->rx_msgs[i].msg_hdr.msg_namelen;
            if (w->h->on_datagram)
                w->h->on_datagram(w->h_arg, w, w->now_us, p->data, len, &p->addr, p->addrlen,
                                  WORKER_PROTO_UDP, WORKER_CONN_NONE);
        }
        /* What this batch produced leaves now, in as few calls as the
         * kernel allows, not after all rounds of the wakeup. */
        worker_flush(w);
        if (n < WORKER_RX_BATCH)
            return;
    }
}

static void run_commands(struct worker *w, size_t max)
{
    void *cmd;
    for (size_t i = 0; i < max && queue_pop(w->cmdq, &cmd) == 0; i++) {
        WSTAT_ADD(w, commands, 1);
        if (w->h->on_command)
            w->h->on_command(w->h_arg, w, cmd);
    }
}

static int64_t next_wakeup(struct worker *w)
{
    int64_t t = w->deadline_us;
    int64_t idle = worker_tcp_next_deadline(w);
    if (idle < t)
        t = idle;
    if (w->accept_resume_us < t)
        t = w->accept_resume_us;
    return t;
}

static int wait_events(struct worker *w, struct epoll_event *ev, int max, int64_t wake_us)
{
    w->now_us = worker_clock_us();
    int64_t d = wake_us == WORKER_NO_DEADLINE ? -1 : wake_us - w->now_us;
    if (d < 0 && wake_us != WORKER_NO_DEADLINE)
        d = 0;
    if (!w->pwait2_missing) {
        struct timespec ts = {.tv_sec = d / 1000000, .tv_nsec = (d % 1000000) * 1000};
        int n = epoll_pwait2(w->epfd, ev, max, d < 0 ? NULL : &ts, NULL);
        if (n >= 0 || errno != ENOSYS)
            return n;
        w->pwait2_missing = true;
    }
    /* Milliseconds, rounded up so that a deadline is never early. */
    int ms = -1;
    if (d >= 0)
        ms = (d + 999) / 1000 > INT_MAX ? INT_MAX : (int)((d + 999) / 1000);
    return epoll_wait(w->epfd, ev, max, ms);
}

static void run_timers(struct worker *w)
{
    w->now_us = worker_clock_us();
    if (w->deadline_us <= w->now_us) {
        w->deadline_us = WORKER_NO_DEADLINE;
        WSTAT_ADD(w, timer_calls, 1);
        if (w->h->on_timer)
            w->h->on_timer(w->h_arg, w, w->now_us);
    }
    if (w->accept_resume_us <= w->now_us) {
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = WTAG_LISTEN};
        w->accept_resume_us = WORKER_NO_DEADLINE;
        if (epoll_ctl(w->epfd, EPOLL_CTL_MOD, w->tcp_fd, &ev) != 0)
            LOG_E("worker %u: resuming accept: %s", w->index, strerror(errno));
    }
    (void)worker_tcp_expire(w, w->now_us);
}

static void loop(struct worker *w)
{
    struct epoll_event ev[WORKER_EPOLL_EVENTS];
    while (w->running) {
        worker_flush(w);
        WSTAT_SET(w, pool_in_use, pool_in_use(w->pool));
        WSTAT_SET(w, pool_exhausted, pool_exhausted(w->pool));
        int n = wait_events(w, ev, WORKER_EPOLL_EVENTS, next_wakeup(w));
        WSTAT_ADD(w, wakeups, 1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            LOG_E("worker %u: epoll_wait: %s", w->index, strerror(errno));
            break;
        }
        w->now_us = worker_clock_us();
        for (int i = 0; i < n; i++) {
            uint64_t tag = ev[i].data.u64;
            switch (tag) {
            case WTAG_UDP:
                udp_readable(w);
                break;
            case WTAG_LISTEN:
                worker_tcp_accept(w);
                break;
            case WTAG_QUEUE:
                run_commands(w, WORKER_CMDS_PER_WAKEUP);
                break;
            case WTAG_STOP:
                w->running = false;
                break;
            default:
                if (tag >= WTAG_UDP_SOCK && tag < WTAG_UDP_SOCK + WORKER_UDP_SOCKS_MAX)
                    worker_udp_readable(w, (int)(tag - WTAG_UDP_SOCK));
                else
                    worker_tcp_event(w, tag, ev[i].events);
                break;
            }
        }
        run_timers(w);
        worker_tcp_reap(w);
    }
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    char name[16];

    w->self = pthread_self();
    snprintf(name, sizeof name, "media-%u", w->index);
    pthread_setname_np(w->self, name);
    if (w->pin_cpu) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(w->cpu, &set);
        int e = pthread_setaffinity_np(w->self, sizeof set, &set);
        if (e != 0)
            LOG_W("worker %u: cannot pin to CPU %u: %s", w->index, w->cpu, strerror(e));
    }
    w->now_us = worker_clock_us();
    if (w->h->on_start)
        w->h->on_start(w->h_arg, w);
    loop(w);

    /* Shutdown, still on this thread: commands posted before worker_stop()
     * (the queue is bounded, so this ends), then connections, then the
     * handler's own cleanup. */
    w->running = false;
    run_commands(w, SIZE_MAX);
    worker_tcp_close_all(w);
    worker_tcp_reap(w);
    if (w->h->on_stop)
        w->h->on_stop(w->h_arg, w);
    worker_flush(w);
    return NULL;
}

/* ---- start and stop ---- */

/* Best effort: the FORCE variant passes net.core.rmem_max/wmem_max with
 * CAP_NET_ADMIN; without it the kernel silently caps the size. */
static void set_sockbuf(struct worker *w, int fd, int opt_force, int opt, int bytes)
{
    int got = 0;
    socklen_t len = sizeof got;
    if (setsockopt(fd, SOL_SOCKET, opt_force, &bytes, sizeof bytes) != 0)
        (void)setsockopt(fd, SOL_SOCKET, opt, &bytes, sizeof bytes);
    /* The kernel reports twice the usable size it granted. */
    if (getsockopt(fd, SOL_SOCKET, opt, &got, &len) == 0 && got / 2 < bytes)
        LOG_I("worker %u: udp %s buffer is %d bytes, not %d (raise net.core.%s)", w->index,
              opt == SO_RCVBUF ? "receive" : "send", got / 2, bytes,
              opt == SO_RCVBUF ? "rmem_max" : "wmem_max");
}

static int parse_addr(const char *text, uint16_t port, struct sockaddr_storage *ss, socklen_t *len)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, text, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons(port);
        *len = sizeof *a4;
        return 0;
    }
    if (inet_pton(AF_INET6, text, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(port);
        *len = sizeof *a6;
        return 0;
    }
    return ERR_INVAL;
}

/* A bound, non-blocking socket; returns the fd and its port, or -1. */
int worker_open_socket(struct worker *w, const char *addr, uint16_t port, int type,
                       uint16_t *bound_port)
{
    struct sockaddr_storage ss;
    socklen_t len;
    int one = 1, zero = 0;
    const char *what = type == SOCK_DGRAM ? "udp" : "tcp";

    if (parse_addr(addr, port, &ss, &len) != 0)
        return -1;
    int fd = socket(ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        goto fail;
    if (ss.ss_family == AF_INET6)
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero); /* "::" = both */
    if (type == SOCK_STREAM)
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&ss, len) != 0)
        goto fail;
    if (type == SOCK_STREAM && listen(fd, SOMAXCONN) != 0)
        goto fail;
    len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        goto fail;
    *bound_port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                                : ((struct sockaddr_in6 *)&ss)->sin6_port);
    return fd;
fail:
    LOG_E("worker %u: %s socket on %s port %u: %s", w->index, what, addr, port, strerror(errno));
    if (fd >= 0)
        close(fd);
    return -1;
}

static int epoll_add(struct worker *w, int fd, uint64_t tag)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = tag};
    return epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) == 0 ? 0 : ERR_IO;
}

static void worker_free(struct worker *w)
{
    if (!w)
        return;
    worker_tcp_free(w);
    worker_udp_free(w);
    if (w->udp_fd >= 0)
        close(w->udp_fd);
    if (w->tcp_fd >= 0)
        close(w->tcp_fd);
    if (w->stop_fd >= 0)
        close(w->stop_fd);
    if (w->epfd >= 0)
        close(w->epfd);
    if (w->cmdq && queue_len(w->cmdq) > 0)
        LOG_W("worker %u: %zu commands posted after worker_stop() are lost", w->index,
              queue_len(w->cmdq));
    queue_destroy(w->cmdq);
    if (w->pool && pool_in_use(w->pool) > 0)
        LOG_W("worker %u: %zu packet buffers were never put back", w->index, pool_in_use(w->pool));
    pool_destroy(w->pool);
    free(w->rx);
    free(w->rx_msgs);
    free(w->rx_iov);
    free(w);
}

int worker_start(struct worker **out, const struct worker_cfg *cfg)
{
    int rc = 0;
    struct worker *w = NULL;
    struct sockaddr_storage probe;
    socklen_t probelen;

    *out = NULL;
    if (!cfg || !cfg->h || !cfg->bind_addr ||
        parse_addr(cfg->bind_addr, 0, &probe, &probelen) != 0 || cfg->tcp_auth_us < 0 ||
        cfg->udp_sockbuf < 0 || cfg->tcp_sndbuf < 0)
        return ERR_INVAL;
    w = calloc(1, sizeof *w);
    if (!w)
        return ERR_NOMEM;
    w->udp_fd = w->tcp_fd = w->stop_fd = w->epfd = w->spare_fd = -1;
    w->index = cfg->index;
    w->h = cfg->h;
    w->h_arg = cfg->h_arg;
    w->family = probe.ss_family;
    w->tcp_out_cap = cfg->tcp_out_cap;
    w->tcp_sndbuf = cfg->tcp_sndbuf;
    w->pin_cpu = cfg->pin_cpu;
    w->cpu = cfg->cpu;
    w->gso_ok = !cfg->no_gso;
    w->deadline_us = WORKER_NO_DEADLINE;
    w->accept_resume_us = WORKER_NO_DEADLINE;
    w->running = true;

    struct tcp_framing_writer probe_w;
    if (tcp_framing_writer_init(&probe_w, w->tcp_out_cap) != 0) {
        rc = ERR_INVAL;
        goto out;
    }
    if ((rc = pool_create(&w->pool, cfg->pool_count)) != 0)
        goto out;
    rc = queue_create(&w->cmdq, cfg->queue_capacity ? cfg->queue_capacity : WORKER_QUEUE_DEFAULT,
                      sizeof(void *));
    if (rc != 0)
        goto out;
    w->rx = calloc(WORKER_RX_BATCH, sizeof *w->rx);
    w->rx_msgs = calloc(WORKER_RX_BATCH, sizeof *w->rx_msgs);
    w->rx_iov = calloc(WORKER_RX_BATCH, sizeof *w->rx_iov);
    if (!w->rx || !w->rx_msgs || !w->rx_iov) {
        rc = ERR_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < WORKER_RX_BATCH; i++) {
        w->rx_iov[i].iov_base = w->rx[i].data;
        w->rx_iov[i].iov_len = sizeof w->rx[i].data;
    }
    if ((rc = worker_tcp_init(w, cfg)) != 0 || (rc = worker_udp_init(w)) != 0)
        goto out;

    w->epfd = epoll_create1(EPOLL_CLOEXEC);
    w->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (w->epfd < 0 || w->stop_fd < 0) {
        LOG_E("worker %u: epoll/eventfd: %s", w->index, strerror(errno));
        rc = ERR_IO;
        goto out;
    }
    w->udp_fd = worker_open_socket(w, cfg->bind_addr, cfg->udp_port, SOCK_DGRAM, &w->udp_port);
    if (w->udp_fd < 0) {
        rc = ERR_IO;
        goto out;
    }
    int sockbuf = cfg->udp_sockbuf ? cfg->udp_sockbuf : WORKER_SOCKBUF_DEFAULT;
    set_sockbuf(w, w->udp_fd, SO_RCVBUFFORCE, SO_RCVBUF, sockbuf);
    set_sockbuf(w, w->udp_fd, SO_SNDBUFFORCE, SO_SNDBUF, sockbuf);
    if (!cfg->no_tcp) {
        w->tcp_fd = worker_open_socket(w, cfg->bind_addr, cfg->tcp_port, SOCK_STREAM, &w->tcp_port);
        if (w->tcp_fd < 0) {
            rc = ERR_IO;
            goto out;
        }
    }
    if (epoll_add(w, w->udp_fd, WTAG_UDP) != 0 ||
        (w->tcp_fd >= 0 && epoll_add(w, w->tcp_fd, WTAG_LISTEN) != 0) ||
        epoll_add(w, queue_fd(w->cmdq), WTAG_QUEUE) != 0 ||
        epoll_add(w, w->stop_fd, WTAG_STOP) != 0) {
        LOG_E("worker %u: epoll_ctl: %s", w->index, strerror(errno));
        rc = ERR_IO;
        goto out;
    }

    /* Signals are for the main thread: the worker starts with all blocked. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int e = pthread_create(&w->thread, NULL, worker_main, w);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (e != 0) {
        LOG_E("worker %u: pthread_create: %s", w->index, strerror(e));
        rc = ERR_NOMEM;
        goto out;
    }
    w->thread_started = true;
    LOG_I("worker %u: udp %s port %u, tcp port %u", w->index, cfg->bind_addr, w->udp_port,
          w->tcp_port);
    *out = w;
    w = NULL;
out:
    worker_free(w);
    return rc;
}

void worker_stop(struct worker *w)
{
    if (!w)
        return;
    if (w->thread_started) {
        assert(!pthread_equal(pthread_self(), w->thread));
        uint64_t one = 1;
        while (write(w->stop_fd, &one, sizeof one) < 0 && errno == EINTR)
            ;
        pthread_join(w->thread, NULL);
    }
    worker_free(w);
}
