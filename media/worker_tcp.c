/* Media worker, ICE-TCP side: a passive listener, accepted connections with
 * an RFC 4571 reassembler and a bounded output buffer each, admission by
 * media/tcp_admit (budgets, per-address caps, eviction, the deadline for
 * authentication), and deferred closing so that on_tcp_closed is never
 * called from inside another callback. */
#define LOG_MODULE "worker"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <unistd.h>

#include "media/worker_int.h"
#include "base/err.h"

#define SLOT_MASK ((UINT64_C(1) << WORKER_SLOT_BITS) - 1)

int worker_tcp_init(struct worker *w, const struct worker_cfg *cfg)
{
    struct tcp_admit_cfg ac = {
        .max_unauth = cfg->max_tcp_unauth ? cfg->max_tcp_unauth : WORKER_TCP_UNAUTH_DEFAULT,
        .max_auth = cfg->max_tcp_conns ? cfg->max_tcp_conns : WORKER_TCP_CONNS_DEFAULT,
        .max_per_addr = cfg->max_tcp_per_addr ? cfg->max_tcp_per_addr : WORKER_TCP_PER_ADDR_DEFAULT,
        .max_auth_per_addr = cfg->max_tcp_auth_per_addr ? cfg->max_tcp_auth_per_addr
                                                        : WORKER_TCP_AUTH_PER_ADDR_DEFAULT,
        .deadline_us = cfg->tcp_auth_us ? cfg->tcp_auth_us : WORKER_TCP_AUTH_DEFAULT_US,
    };
    if (ac.max_unauth > WORKER_TCP_CONNS_MAX || ac.max_auth > WORKER_TCP_CONNS_MAX - ac.max_unauth)
        return ERR_INVAL;
    if (ac.max_per_addr > ac.max_unauth)
        ac.max_per_addr = ac.max_unauth;
    if (ac.max_auth_per_addr > ac.max_auth)
        ac.max_auth_per_addr = ac.max_auth;
    if (getrandom(ac.hash_key, sizeof ac.hash_key, 0) != (ssize_t)sizeof ac.hash_key) {
        LOG_E("worker %u: getrandom: %s", w->index, strerror(errno));
        return ERR_IO;
    }
    int rc = tcp_admit_create(&w->admit, &ac);
    if (rc != 0)
        return rc;
    w->max_conns = tcp_admit_slots(w->admit);
    w->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC); /* best effort */
    w->slots = calloc(w->max_conns, sizeof *w->slots);
    w->free_slots = calloc(w->max_conns, sizeof *w->free_slots);
    w->tcp_rbuf = malloc(WORKER_TCP_RBUF);
    if (!w->slots || !w->free_slots || !w->tcp_rbuf)
        return ERR_NOMEM;
    for (uint32_t i = 0; i < w->max_conns; i++)
        w->free_slots[i] = w->max_conns - 1 - i; /* slot 0 is used first */
    w->n_free_slots = w->max_conns;
    return 0;
}

/* Closes with a reset (SO_LINGER 0) rather than a FIN: no TIME_WAIT is
 * left behind for a connection admission turned away, however many a
 * flood brings. */
static void close_abort(int fd)
{
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    (void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(fd);
}

static void conn_free(struct tcp_conn *c)
{
    if (c->abort)
        close_abort(c->fd);
    else
        close(c->fd);
    tcp_framing_writer_free(&c->out);
    free(c);
}

void worker_tcp_free(struct worker *w)
{
    /* The thread reaps every connection before it ends; this is for a
     * worker whose thread never ran. */
    for (unsigned i = 0; w->slots && i < w->max_conns; i++)
        if (w->slots[i])
            conn_free(w->slots[i]);
    free(w->slots);
    free(w->free_slots);
    free(w->tcp_rbuf);
    tcp_admit_destroy(w->admit);
    if (w->spare_fd >= 0)
        close(w->spare_fd);
}

static struct tcp_conn *conn_get(struct worker *w, worker_conn_id id)
{
    uint64_t slot = id & SLOT_MASK;
    if ((id >> WORKER_SLOT_BITS) == 0 || slot >= w->max_conns)
        return NULL;
    struct tcp_conn *c = w->slots[slot];
    if (!c || c->id != id || c->closing)
        return NULL;
    return c;
}

static void tcp_gauges(struct worker *w)
{
    struct tcp_admit_counts n;
    tcp_admit_counts(w->admit, &n);
    WSTAT_SET(w, tcp_open, n.unauth + n.auth);
    WSTAT_SET(w, tcp_unauth, n.unauth);
}

/* ---- closing ---- */

static void conn_mark_close(struct worker *w, struct tcp_conn *c, enum worker_close_reason why)
{
    if (c->closing)
        return;
    tcp_admit_remove(w->admit, c->slot);
    c->closing = true;
    switch (why) {
    case WCLOSE_PEER:
        WSTAT_ADD(w, tcp_closed_peer, 1);
        break;
    case WCLOSE_ERROR:
        WSTAT_ADD(w, tcp_closed_error, 1);
        break;
    case WCLOSE_DEADLINE:
        WSTAT_ADD(w, tcp_closed_deadline, 1);
        c->abort = true;
        break;
    case WCLOSE_EVICTED:
        WSTAT_ADD(w, tcp_evicted, 1);
        c->abort = true;
        break;
    case WCLOSE_AUTH_FULL:
        WSTAT_ADD(w, tcp_refused_auth, 1);
        c->abort = true;
        break;
    case WCLOSE_AUTH_ADDR:
        WSTAT_ADD(w, tcp_refused_auth_addr, 1);
        c->abort = true;
        break;
    case WCLOSE_OVERFLOW:
        WSTAT_ADD(w, tcp_closed_overflow, 1);
        break;
    case WCLOSE_SUPERSEDED:
        WSTAT_ADD(w, tcp_closed_superseded, 1);
        break;
    case WCLOSE_ENDED:
        WSTAT_ADD(w, tcp_closed_ended, 1);
        break;
    case WCLOSE_LOCAL:
        break;
    }
    tcp_gauges(w);
    c->close_next = NULL;
    if (w->close_tail)
        w->close_tail->close_next = c;
    else
        w->close_head = c;
    w->close_tail = c;
}

void worker_tcp_reap(struct worker *w)
{
    /* on_tcp_closed may close more connections: they join the list. */
    while (w->close_head) {
        struct tcp_conn *c = w->close_head;
        w->close_head = c->close_next;
        if (!w->close_head)
            w->close_tail = NULL;
        w->slots[c->slot] = NULL;
        w->free_slots[w->n_free_slots++] = c->slot;
        w->n_conns--;
        worker_conn_id id = c->id;
        bool known = c->known;
        struct sockaddr_storage peer = c->peer;
        socklen_t peerlen = c->peerlen;
        conn_free(c);
        if (known && w->h->on_tcp_closed)
            w->h->on_tcp_closed(w->h_arg, w, id, &peer, peerlen);
    }
}

void worker_tcp_close_all(struct worker *w)
{
    for (unsigned i = 0; i < w->max_conns; i++)
        if (w->slots[i])
            conn_mark_close(w, w->slots[i], WCLOSE_LOCAL);
}

int64_t worker_tcp_expire(struct worker *w, int64_t now_us)
{
    uint32_t slot;
    while ((slot = tcp_admit_expired(w->admit, now_us)) != TCP_ADMIT_NONE)
        conn_mark_close(w, w->slots[slot], WCLOSE_DEADLINE); /* removes it from admit */
    return worker_tcp_next_deadline(w);
}

int64_t worker_tcp_next_deadline(const struct worker *w)
{
    int64_t d = tcp_admit_next_deadline(w->admit);
    return d == INT64_MAX ? WORKER_NO_DEADLINE : d;
}

int worker_close_tcp(struct worker *w, worker_conn_id conn, enum worker_tcp_close why)
{
    assert(pthread_equal(pthread_self(), w->self));
    struct tcp_conn *c = conn_get(w, conn);
    if (!c)
        return ERR_NOTFOUND;
    conn_mark_close(w, c,
                    why == WORKER_TCP_CLOSE_SUPERSEDED ? WCLOSE_SUPERSEDED
                    : why == WORKER_TCP_CLOSE_ENDED    ? WCLOSE_ENDED
                                                       : WCLOSE_LOCAL);
    return 0;
}

int worker_tcp_authenticated(struct worker *w, worker_conn_id conn)
{
    assert(pthread_equal(pthread_self(), w->self));
    struct tcp_conn *c = conn_get(w, conn);
    if (!c)
        return ERR_NOTFOUND;
    int rc = tcp_admit_auth(w->admit, c->slot);
    if (rc == ERR_FULL || rc == ERR_DENIED) {
        if (log_ratelimit_ok(&w->rl_tcp, w->now_us, 1))
            LOG_W("worker %u: closing an authenticated tcp connection: %s (%u open)", w->index,
                  rc == ERR_FULL ? "the budget is full" : "its address holds its share",
                  w->n_conns);
        conn_mark_close(w, c, rc == ERR_FULL ? WCLOSE_AUTH_FULL : WCLOSE_AUTH_ADDR);
    }
    tcp_gauges(w);
    return rc;
}

/* ---- accepting ---- */

static void pause_accepting(struct worker *w, int e)
{
    struct epoll_event ev = {.events = 0, .data.u64 = WTAG_LISTEN};
    if (log_ratelimit_ok(&w->rl_tcp, w->now_us, 5))
        LOG_W("worker %u: accept: %s; pausing", w->index, strerror(e));
    if (epoll_ctl(w->epfd, EPOLL_CTL_MOD, w->tcp_fd, &ev) == 0)
        w->accept_resume_us = w->now_us + WORKER_ACCEPT_PAUSE_US;
}

static void conn_open(struct worker *w, int fd, const struct sockaddr_storage *peer,
                      socklen_t peerlen)
{
    int one = 1;
    struct tcp_conn *c = w->n_free_slots > 0 ? calloc(1, sizeof *c) : NULL;
    if (!c) {
        close(fd);
        return;
    }
    c->fd = fd;
    c->peer = *peer;
    c->peerlen = peerlen;
    tcp_framing_reader_init(&c->in);
    (void)tcp_framing_writer_init(&c->out, w->tcp_out_cap); /* validated at start */
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (w->tcp_sndbuf > 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &w->tcp_sndbuf, sizeof w->tcp_sndbuf);
    c->slot = w->free_slots[--w->n_free_slots];
    c->id = ++w->conn_seq << WORKER_SLOT_BITS | c->slot;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.u64 = c->id};
    if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
        LOG_E("worker %u: epoll_ctl for a tcp connection: %s", w->index, strerror(errno));
        w->free_slots[w->n_free_slots++] = c->slot;
        conn_free(c);
        return;
    }
    /* Checked by the caller: admitted, a victim evicted if need be. */
    if (tcp_admit_add(w->admit, c->slot, w->now_us, (const struct sockaddr *)peer, peerlen) != 0) {
        (void)epoll_ctl(w->epfd, EPOLL_CTL_DEL, fd, NULL);
        w->free_slots[w->n_free_slots++] = c->slot;
        conn_free(c);
        return;
    }
    w->slots[c->slot] = c;
    w->n_conns++;
    WSTAT_ADD(w, tcp_accepted, 1);
    tcp_gauges(w);
}

/* Closes an unauthenticated connection (a slot admission named) to make
 * room, and reaps it at once so that its slot and descriptor are free.
 * False when there is none. */
static bool evict(struct worker *w, uint32_t victim, const char *why)
{
    if (victim == TCP_ADMIT_NONE)
        return false;
    conn_mark_close(w, w->slots[victim], WCLOSE_EVICTED);
    if (log_ratelimit_ok(&w->rl_tcp, w->now_us, 1))
        LOG_I("worker %u: evicting an unauthenticated tcp connection: %s (%u open)", w->index, why,
              w->n_conns);
    worker_tcp_reap(w);
    return true;
}

/* Makes room for a connection from peer: 0, or ERR_DENIED (its address
 * holds its share) or ERR_INVAL (not IP). */
static int admit(struct worker *w, const struct sockaddr_storage *peer, socklen_t peerlen)
{
    uint32_t victim;
    int rc = tcp_admit_check(w->admit, (const struct sockaddr *)peer, peerlen, &victim);
    if (rc == 0)
        (void)evict(w, victim, "their budget is full");
    return rc;
}

/* accept4(), or -1 with errno. Out of descriptors, accept4() fails even
 * with nothing waiting, so the spare descriptor is given up to see whether
 * a connection waits: if one does, an unauthenticated connection makes
 * room for it (a flood cannot stop the accepting); if none can, it is
 * turned away and EMFILE returned. */
static int accept_one(struct worker *w, struct sockaddr_storage *peer, socklen_t *peerlen)
{
    int fd = accept4(w->tcp_fd, (struct sockaddr *)peer, peerlen, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0 || (errno != EMFILE && errno != ENFILE) || w->spare_fd < 0)
        return fd;
    close(w->spare_fd);
    *peerlen = sizeof *peer;
    fd = accept4(w->tcp_fd, (struct sockaddr *)peer, peerlen, SOCK_NONBLOCK | SOCK_CLOEXEC);
    int e = errno;
    if (fd >= 0 && !evict(w, tcp_admit_victim(w->admit), "out of file descriptors")) {
        close_abort(fd);
        fd = -1;
        e = EMFILE;
    }
    w->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    errno = e;
    return fd;
}

void worker_tcp_accept(struct worker *w)
{
    for (int i = 0; i < WORKER_ACCEPTS_PER_WAKEUP; i++) {
        struct sockaddr_storage peer;
        socklen_t peerlen = sizeof peer;
        int fd = accept_one(w, &peer, &peerlen);
        if (fd < 0) {
            int e = errno;
            if (e == EAGAIN || e == EWOULDBLOCK)
                return;
            if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM) {
                /* The listener would stay readable: stop watching it a while. */
                pause_accepting(w, e);
                return;
            }
            continue; /* EINTR, ECONNABORTED and network errors: next one */
        }
        int rc = admit(w, &peer, peerlen);
        if (rc != 0) {
            close_abort(fd);
            if (rc == ERR_DENIED)
                WSTAT_ADD(w, tcp_refused_addr, 1);
            if (log_ratelimit_ok(&w->rl_tcp, w->now_us, 1))
                LOG_I("worker %u: refusing a tcp connection: %s", w->index,
                      rc == ERR_DENIED ? "too many unauthenticated from its address"
                                       : "not an IP peer");
            continue;
        }
        conn_open(w, fd, &peer, peerlen);
    }
}

/* ---- reading ---- */

static void conn_feed(struct worker *w, struct tcp_conn *c, size_t n)
{
    uint8_t *p = w->tcp_rbuf;
    size_t left = n;
    while (left > 0 && !c->closing) {
        size_t used;
        uint8_t *f;
        size_t flen;
        int rc = tcp_framing_reader_input(&c->in, p, left, &used, &f, &flen);
        if (rc < 0) {
            if (log_ratelimit_ok(&w->rl_tcp, w->now_us, 1))
                LOG_D("worker %u: closing a tcp connection: oversized frame", w->index);
            conn_mark_close(w, c, WCLOSE_ERROR);
            return;
        }
        p += used;
        left -= used;
        if (rc == 0)
            return;
        if (flen == 0)
            continue; /* an empty frame: nothing to deliver, not a sign of life */
        enum worker_class cls = worker_classify(f, flen);
        if (cls == WORKER_CLASS_OTHER) {
            /* Not a media stream (or out of step): nothing later can be trusted. */
            wstat_add(w, WSTAT_IDX(drop_class) + WORKER_CLASS_OTHER, 1);
            if (log_ratelimit_ok(&w->rl_tcp, w->now_us, 1))
                LOG_D("worker %u: closing a tcp connection: frame starts 0x%02x", w->index, f[0]);
            conn_mark_close(w, c, WCLOSE_ERROR);
            return;
        }
        WSTAT_ADD(w, tcp_rx_frames, 1);
        WSTAT_ADD(w, tcp_rx_bytes, flen);
        wstat_add(w, WSTAT_IDX(rx_class) + (size_t)cls, 1);
        c->known = true; /* still on its deadline until authenticated */
        if (w->h->on_datagram)
            w->h->on_datagram(w->h_arg, w, w->now_us, f, flen, &c->peer, c->peerlen,
                              WORKER_PROTO_TCP, c->id);
    }
}

static void conn_read(struct worker *w, struct tcp_conn *c)
{
    for (int r = 0; r < WORKER_TCP_READS_PER_WAKEUP && !c->closing; r++) {
        ssize_t n = recv(c->fd, w->tcp_rbuf, WORKER_TCP_RBUF, MSG_DONTWAIT);
        if (n > 0) {
            conn_feed(w, c, (size_t)n);
            if ((size_t)n < WORKER_TCP_RBUF)
                return;
            continue;
        }
        if (n == 0) {
            conn_mark_close(w, c, WCLOSE_PEER);
            return;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return;
        conn_mark_close(w, c, errno == ECONNRESET ? WCLOSE_PEER : WCLOSE_ERROR);
        return;
    }
}

/* ---- writing ---- */

static void conn_watch_out(struct worker *w, struct tcp_conn *c, bool on)
{
    if (c->out_armed == on)
        return;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | (on ? EPOLLOUT : 0u),
                             .data.u64 = c->id};
    if (epoll_ctl(w->epfd, EPOLL_CTL_MOD, c->fd, &ev) != 0) {
        LOG_E("worker %u: epoll_ctl for a tcp connection: %s", w->index, strerror(errno));
        conn_mark_close(w, c, WCLOSE_ERROR);
        return;
    }
    c->out_armed = on;
}

static enum worker_close_reason send_error_reason(int e)
{
    return e == EPIPE || e == ECONNRESET ? WCLOSE_PEER : WCLOSE_ERROR;
}

static void conn_flush(struct worker *w, struct tcp_conn *c)
{
    while (tcp_framing_writer_pending(&c->out) > 0) {
        struct iovec iov[2];
        struct msghdr m = {.msg_iov = iov};
        m.msg_iovlen = (size_t)tcp_framing_writer_iov(&c->out, iov);
        ssize_t n = sendmsg(c->fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            tcp_framing_writer_consume(&c->out, (size_t)n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return; /* still watching EPOLLOUT */
        conn_mark_close(w, c, send_error_reason(errno));
        return;
    }
    conn_watch_out(w, c, false);
}

int worker_send_tcp(struct worker *w, worker_conn_id conn, const uint8_t *buf, size_t len)
{
    assert(pthread_equal(pthread_self(), w->self));
    struct tcp_conn *c = conn_get(w, conn);
    if (!c)
        return ERR_NOTFOUND;
    uint8_t hdr[TCP_FRAMING_HDR];
    if (tcp_framing_header(hdr, len) != 0)
        return ERR_TOOBIG;
    size_t sent = 0;
    if (tcp_framing_writer_pending(&c->out) == 0) {
        struct iovec iov[2] = {{.iov_base = hdr, .iov_len = sizeof hdr},
                               {.iov_base = (void *)buf, .iov_len = len}};
        struct msghdr m = {.msg_iov = iov, .msg_iovlen = 2};
        for (;;) {
            ssize_t n = sendmsg(c->fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n >= 0) {
                sent = (size_t)n;
                break;
            }
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            conn_mark_close(w, c, send_error_reason(errno));
            return ERR_IO;
        }
    }
    if (sent < sizeof hdr + len) {
        int rc = tcp_framing_writer_push(&c->out, buf, len, sent);
        if (rc != 0) {
            if (log_ratelimit_ok(&w->rl_tcp, w->now_us, 1))
                LOG_I("worker %u: closing a tcp connection that cannot keep up", w->index);
            conn_mark_close(w, c, rc == ERR_FULL ? WCLOSE_OVERFLOW : WCLOSE_ERROR);
            return rc;
        }
        conn_watch_out(w, c, true);
    }
    WSTAT_ADD(w, tcp_tx_frames, 1);
    WSTAT_ADD(w, tcp_tx_bytes, len);
    return 0;
}

void worker_tcp_event(struct worker *w, worker_conn_id id, uint32_t events)
{
    struct tcp_conn *c = conn_get(w, id);
    if (!c)
        return; /* closed earlier in this batch of events */
    if (events & EPOLLOUT)
        conn_flush(w, c);
    if (!c->closing && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
        conn_read(w, c);
}
