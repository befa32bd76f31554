/* Test harness for media/worker: a handler that records what it sees and
 * echoes on request, commands the tests post to it, and socket helpers for
 * the client side on 127.0.0.1. Shared by test_worker.c (UDP, timers,
 * commands, lifecycle), test_worker_batch.c (send batching) and
 * test_worker_tcp.c (ICE-TCP) and test_worker_udp.c (extra UDP sockets).
 *
 * The handler runs on the worker thread, where cmocka's asserts must not be
 * used: it records what it saw under a mutex, and the test thread checks.
 * Every wait is bounded by WAIT_MS. */
#ifndef SAMTALE_TESTS_WORKER_HARNESS_H
#define SAMTALE_TESTS_WORKER_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "media/pool.h"
#include "media/worker.h"
#include "base/err.h"
#include "base/log.h"

#define WAIT_MS 5000 /* upper bound of every wait */
#define MAX_REC 64

static inline void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- the test handler ---- */

enum echo_mode { ECHO_NONE, ECHO_UDP, ECHO_BATCH };

struct obs {
    unsigned started, stopped;
    bool start_on_thread, stop_on_thread;
    unsigned errors; /* anything the handler found wrong */
    uint64_t dgrams[WORKER_CLASS_COUNT][2];
    uint64_t dgram_bytes;
    worker_conn_id last_conn;
    struct sockaddr_storage last_from;
    socklen_t last_fromlen;
    worker_conn_id closed[MAX_REC];
    unsigned n_closed;
    uint64_t commands;
    uint64_t cmd_next[8];
    unsigned cmds_after_stop;
    int64_t pending[MAX_REC];
    unsigned n_pending;
    int64_t fired[MAX_REC], fired_at[MAX_REC];
    unsigned n_fired;
    bool flood_done;
    int flood_rc;
    unsigned flood_sent;
    unsigned burst_done;
    bool holding;                             /* inside a CMD_HOLD */
    unsigned auth_ok, auth_full, auth_denied; /* worker_tcp_authenticated() results */
    /* extra UDP sockets: the last CMD_UDP_OPEN / CMD_UDP_CLOSE and on_udp */
    unsigned udp_cmds;
    int udp_open_rc, udp_open_id, udp_close_rc;
    uint16_t udp_open_port;
    uint64_t udp_rx;
    int udp_last_id;
    uint64_t udp_last_tag;
};

struct tctx {
    pthread_mutex_t mu;
    enum echo_mode udp_echo;
    unsigned fanout; /* ECHO_BATCH: copies queued per datagram (0 = 1) */
    bool tcp_echo;
    bool release;            /* ends a CMD_HOLD */
    pthread_t worker_thread; /* learned in on_start */
    struct obs o;
};

enum cmd_type {
    CMD_SEQ,
    CMD_DEADLINES,
    CMD_TCP_FLOOD,
    CMD_BURST,
    CMD_HOLD,
    CMD_UDP_OPEN,
    CMD_UDP_CLOSE
};

struct tcmd {
    enum cmd_type type;
    unsigned producer;
    uint64_t seq;
    int64_t offsets_us[8];
    unsigned n_offsets;
    worker_conn_id conn;
    unsigned count;
    size_t size;
    struct sockaddr_storage to;
    socklen_t tolen;
    unsigned bad_nth; /* CMD_BURST: the bad_nth packet (1-based; 0 none) goes to port 0 */
    long hold_ms;     /* CMD_HOLD: blocks the worker thread until release, at most this long */
    uint16_t port;    /* CMD_UDP_OPEN: port to bind (0 ephemeral) and the socket's tag */
    uint64_t tag;
    int id; /* CMD_UDP_CLOSE */
};

static void h_datagram(void *arg, struct worker *w, int64_t now_us, uint8_t *buf, size_t len,
                       const struct sockaddr_storage *from, socklen_t fromlen,
                       enum worker_proto proto, worker_conn_id conn)
{
    struct tctx *t = arg;
    (void)now_us;
    enum worker_class c = worker_classify(buf, len);
    pthread_mutex_lock(&t->mu);
    if (c == WORKER_CLASS_OTHER || (proto == WORKER_PROTO_UDP) != (conn == WORKER_CONN_NONE) ||
        !pthread_equal(pthread_self(), t->worker_thread))
        t->o.errors++;
    t->o.dgrams[c][proto]++;
    t->o.dgram_bytes += len;
    t->o.last_conn = conn;
    t->o.last_from = *from;
    t->o.last_fromlen = fromlen;
    enum echo_mode mode = t->udp_echo;
    unsigned fanout = t->fanout ? t->fanout : 1;
    bool tcp_echo = t->tcp_echo;
    pthread_mutex_unlock(&t->mu);

    /* A STUN frame whose transaction id begins "AUTH" stands for a valid
     * ICE check: the connection has authenticated. */
    if (proto == WORKER_PROTO_TCP && c == WORKER_CLASS_STUN && len >= 12 &&
        memcmp(buf + 8, "AUTH", 4) == 0) {
        int arc = worker_tcp_authenticated(w, conn);
        pthread_mutex_lock(&t->mu);
        if (arc == 0)
            t->o.auth_ok++;
        else if (arc == ERR_FULL)
            t->o.auth_full++;
        else if (arc == ERR_DENIED)
            t->o.auth_denied++;
        else
            t->o.errors++;
        pthread_mutex_unlock(&t->mu);
    }

    /* "ENDS" / "SUPS": the handler's transport ended / had its share. */
    if (proto == WORKER_PROTO_TCP && c == WORKER_CLASS_STUN && len >= 12 &&
        (memcmp(buf + 8, "ENDS", 4) == 0 || memcmp(buf + 8, "SUPS", 4) == 0)) {
        if (worker_close_tcp(w, conn,
                             buf[8] == 'E' ? WORKER_TCP_CLOSE_ENDED
                                           : WORKER_TCP_CLOSE_SUPERSEDED) != 0 ||
            worker_close_tcp(w, conn, WORKER_TCP_CLOSE_ENDED) != ERR_NOTFOUND) {
            pthread_mutex_lock(&t->mu);
            t->o.errors++;
            pthread_mutex_unlock(&t->mu);
        }
        return;
    }

    int rc = 0;
    if (proto == WORKER_PROTO_TCP && tcp_echo) {
        rc = worker_send_tcp(w, conn, buf, len);
    } else if (proto == WORKER_PROTO_UDP && mode == ECHO_UDP) {
        rc = worker_send_udp(w, buf, len, from, fromlen);
    } else if (proto == WORKER_PROTO_UDP && mode == ECHO_BATCH) {
        for (unsigned k = 0; k < fanout && rc == 0; k++) {
            struct pkt *p = pool_get(worker_pool(w));
            if (!p) {
                rc = ERR_FULL;
                break;
            }
            memcpy(p->data, buf, len);
            if (fanout > 1 && len > 3)
                p->data[3] = (uint8_t)k; /* which copy */
            p->len = len;
            p->addr = *from;
            p->addrlen = fromlen;
            rc = worker_send_batch(w, p);
        }
    }
    if (rc != 0) {
        pthread_mutex_lock(&t->mu);
        t->o.errors++;
        pthread_mutex_unlock(&t->mu);
    }
}

static void arm_earliest(struct tctx *t, struct worker *w)
{
    int64_t min = WORKER_NO_DEADLINE;
    for (unsigned i = 0; i < t->o.n_pending; i++)
        if (t->o.pending[i] < min)
            min = t->o.pending[i];
    if (min != WORKER_NO_DEADLINE)
        worker_set_deadline(w, min);
}

static void h_timer(void *arg, struct worker *w, int64_t now_us)
{
    struct tctx *t = arg;
    pthread_mutex_lock(&t->mu);
    /* Fire what is due, earliest first, as a transport layer would. */
    for (;;) {
        unsigned best = t->o.n_pending;
        for (unsigned i = 0; i < t->o.n_pending; i++)
            if (t->o.pending[i] <= now_us &&
                (best == t->o.n_pending || t->o.pending[i] < t->o.pending[best]))
                best = i;
        if (best == t->o.n_pending)
            break;
        if (t->o.n_fired < MAX_REC) {
            t->o.fired[t->o.n_fired] = t->o.pending[best];
            t->o.fired_at[t->o.n_fired] = now_us;
            t->o.n_fired++;
        }
        t->o.pending[best] = t->o.pending[--t->o.n_pending];
    }
    if (now_us > worker_clock_us())
        t->o.errors++;
    arm_earliest(t, w);
    pthread_mutex_unlock(&t->mu);
}

static void run_flood(struct tctx *t, struct worker *w, const struct tcmd *c)
{
    uint8_t payload[2048];
    unsigned i;
    int rc = 0;
    memset(payload, 0xab, sizeof payload);
    payload[0] = 0x80;
    for (i = 0; i < c->count; i++) {
        payload[1] = (uint8_t)(i >> 24);
        payload[2] = (uint8_t)(i >> 16);
        payload[3] = (uint8_t)(i >> 8);
        payload[4] = (uint8_t)i;
        rc = worker_send_tcp(w, c->conn, payload, c->size);
        if (rc != 0)
            break;
    }
    pthread_mutex_lock(&t->mu);
    t->o.flood_done = true;
    t->o.flood_rc = rc;
    t->o.flood_sent = i;
    pthread_mutex_unlock(&t->mu);
}

static void run_burst(struct tctx *t, struct worker *w, const struct tcmd *c)
{
    unsigned errors = 0;
    for (unsigned i = 0; i < c->count; i++) {
        struct pkt *p = pool_get(worker_pool(w));
        if (!p) {
            errors++;
            continue;
        }
        p->len = i + 1 == c->count ? c->size / 2 : c->size;
        memset(p->data, (int)i, p->len);
        p->data[0] = 0x80;
        p->data[1] = (uint8_t)i;
        p->addr = c->to;
        p->addrlen = c->tolen;
        if (i + 1 == c->bad_nth)
            ((struct sockaddr_in *)&p->addr)->sin_port = 0; /* the kernel refuses port 0 */
        if (worker_send_batch(w, p) != 0)
            errors++;
    }
    pthread_mutex_lock(&t->mu);
    t->o.errors += errors;
    t->o.burst_done++;
    pthread_mutex_unlock(&t->mu);
}

static void h_command(void *arg, struct worker *w, void *cmd)
{
    struct tctx *t = arg;
    struct tcmd *c = cmd;
    pthread_mutex_lock(&t->mu);
    t->o.commands++;
    if (t->o.stopped)
        t->o.cmds_after_stop++;
    if (c->type == CMD_SEQ) {
        if (c->producer >= 8 || t->o.cmd_next[c->producer] != c->seq)
            t->o.errors++;
        else
            t->o.cmd_next[c->producer]++;
    } else if (c->type == CMD_DEADLINES) {
        int64_t now = worker_clock_us();
        for (unsigned i = 0; i < c->n_offsets && t->o.n_pending < MAX_REC; i++) {
            t->o.pending[t->o.n_pending++] = now + c->offsets_us[i];
            worker_set_deadline(w, now + c->offsets_us[i]);
        }
    }
    pthread_mutex_unlock(&t->mu);
    if (c->type == CMD_HOLD) {
        pthread_mutex_lock(&t->mu);
        t->o.holding = true;
        for (long ms = 0; !t->release && ms < c->hold_ms; ms++) {
            pthread_mutex_unlock(&t->mu);
            sleep_ms(1);
            pthread_mutex_lock(&t->mu);
        }
        t->o.holding = false;
        t->release = false;
        pthread_mutex_unlock(&t->mu);
    }
    if (c->type == CMD_UDP_OPEN) {
        int id = -1;
        int rc = worker_udp_open(w, "127.0.0.1", c->port, c->tag, &id);
        pthread_mutex_lock(&t->mu);
        t->o.udp_open_rc = rc;
        t->o.udp_open_id = id;
        t->o.udp_open_port = rc == 0 ? worker_udp_port(w, id) : 0;
        t->o.udp_cmds++;
        pthread_mutex_unlock(&t->mu);
    } else if (c->type == CMD_UDP_CLOSE) {
        int rc = worker_udp_close(w, c->id);
        pthread_mutex_lock(&t->mu);
        t->o.udp_close_rc = rc;
        t->o.udp_cmds++;
        pthread_mutex_unlock(&t->mu);
    }
    if (c->type == CMD_TCP_FLOOD)
        run_flood(t, w, c);
    else if (c->type == CMD_BURST)
        run_burst(t, w, c);
    free(c);
}

/* Extra UDP sockets: records, then echoes from the same socket; a datagram
 * "CLOSE" closes its socket from inside the callback instead. */
static void h_udp(void *arg, struct worker *w, int64_t now_us, int id, uint64_t tag, uint8_t *buf,
                  size_t len, const struct sockaddr_storage *from, socklen_t fromlen)
{
    struct tctx *t = arg;
    (void)now_us;
    int rc;
    pthread_mutex_lock(&t->mu);
    if (!pthread_equal(pthread_self(), t->worker_thread))
        t->o.errors++;
    t->o.udp_rx++;
    t->o.udp_last_id = id;
    t->o.udp_last_tag = tag;
    t->o.last_from = *from;
    t->o.last_fromlen = fromlen;
    pthread_mutex_unlock(&t->mu);
    if (len == 5 && memcmp(buf, "CLOSE", 5) == 0)
        rc = worker_udp_close(w, id) == 0 && worker_udp_close(w, id) == ERR_NOTFOUND &&
                     worker_udp_send(w, id, buf, len, from, fromlen) == ERR_NOTFOUND
                 ? 0
                 : -1;
    else
        rc = worker_udp_send(w, id, buf, len, from, fromlen);
    if (rc != 0) {
        pthread_mutex_lock(&t->mu);
        t->o.errors++;
        pthread_mutex_unlock(&t->mu);
    }
}

static void h_tcp_closed(void *arg, struct worker *w, worker_conn_id conn,
                         const struct sockaddr_storage *peer, socklen_t peerlen)
{
    struct tctx *t = arg;
    pthread_mutex_lock(&t->mu);
    if (peer->ss_family != AF_INET && peer->ss_family != AF_INET6)
        t->o.errors++;
    if (peerlen < (socklen_t)sizeof(struct sockaddr_in))
        t->o.errors++;
    if (t->o.n_closed < MAX_REC)
        t->o.closed[t->o.n_closed++] = conn;
    if (worker_send_tcp(w, conn, (const uint8_t *)"\0", 1) != ERR_NOTFOUND)
        t->o.errors++; /* a closed connection is gone */
    pthread_mutex_unlock(&t->mu);
}

static void h_start(void *arg, struct worker *w)
{
    struct tctx *t = arg;
    (void)w;
    pthread_mutex_lock(&t->mu);
    t->worker_thread = pthread_self();
    t->o.started++;
    pthread_mutex_unlock(&t->mu);
}

static void h_stop(void *arg, struct worker *w)
{
    struct tctx *t = arg;
    (void)w;
    pthread_mutex_lock(&t->mu);
    t->o.stopped++;
    t->o.stop_on_thread = pthread_equal(pthread_self(), t->worker_thread);
    pthread_mutex_unlock(&t->mu);
}

static const struct worker_handler handler = {
    .on_datagram = h_datagram,
    .on_timer = h_timer,
    .on_command = h_command,
    .on_tcp_closed = h_tcp_closed,
    .on_start = h_start,
    .on_stop = h_stop,
    .on_udp = h_udp,
};

/* ---- helpers ---- */

static inline struct tctx *ctx_new(void)
{
    struct tctx *t = calloc(1, sizeof *t);
    assert_non_null(t);
    pthread_mutex_init(&t->mu, NULL);
    return t;
}

static inline void ctx_free(struct tctx *t)
{
    pthread_mutex_destroy(&t->mu);
    free(t);
}

static inline void obs_snap(struct tctx *t, struct obs *o)
{
    pthread_mutex_lock(&t->mu);
    *o = t->o;
    pthread_mutex_unlock(&t->mu);
}

#define WAIT_OBS(t, o, cond)                                                                       \
    do {                                                                                           \
        for (int i_ = 0; i_ < WAIT_MS; i_++) {                                                     \
            obs_snap((t), &(o));                                                                   \
            if (cond)                                                                              \
                break;                                                                             \
            sleep_ms(1);                                                                           \
        }                                                                                          \
    } while (0)

#define WAIT_STATS(w, s, cond)                                                                     \
    do {                                                                                           \
        for (int i_ = 0; i_ < WAIT_MS; i_++) {                                                     \
            worker_stats((w), &(s));                                                               \
            if (cond)                                                                              \
                break;                                                                             \
            sleep_ms(1);                                                                           \
        }                                                                                          \
    } while (0)

static inline struct worker_cfg base_cfg(struct tctx *t)
{
    struct worker_cfg cfg = {
        .index = 7,
        .bind_addr = "127.0.0.1",
        .pool_count = 512,
        .h = &handler,
        .h_arg = t,
    };
    return cfg;
}

static inline struct worker *start(const struct worker_cfg *cfg)
{
    struct worker *w = NULL;
    assert_int_equal(worker_start(&w, cfg), 0);
    assert_non_null(w);
    return w;
}

static inline void set_timeouts(int fd)
{
    struct timeval tv = {.tv_sec = WAIT_MS / 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

static inline struct sockaddr_in loopback(uint16_t port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

static inline int udp_client(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    assert_true(fd >= 0);
    int big = 4 * 1024 * 1024;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
    struct sockaddr_in a = loopback(0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    set_timeouts(fd);
    return fd;
}

static inline uint16_t local_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static inline void udp_send(int fd, uint16_t port, const void *buf, size_t len)
{
    struct sockaddr_in a = loopback(port);
    assert_int_equal(sendto(fd, buf, len, 0, (struct sockaddr *)&a, sizeof a), (ssize_t)len);
}

/* A datagram within WAIT_MS, or -1. */
static inline ssize_t udp_recv(int fd, void *buf, size_t cap)
{
    return recv(fd, buf, cap, 0);
}

/* A connection from source address 127.0.0.<host> (loopback is all of
 * 127.0.0.0/8); host 1 is the usual 127.0.0.1. */
static inline int tcp_client_from(uint16_t port, int rcvbuf, uint8_t host)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    if (rcvbuf > 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    set_timeouts(fd);
    struct sockaddr_in src = loopback(0);
    src.sin_addr.s_addr = htonl(0x7f000000u | host);
    assert_int_equal(bind(fd, (struct sockaddr *)&src, sizeof src), 0);
    struct sockaddr_in a = loopback(port);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

static inline int tcp_client(uint16_t port, int rcvbuf)
{
    return tcp_client_from(port, rcvbuf, 1);
}

static inline void write_all(int fd, const void *buf, size_t len)
{
    assert_int_equal(send(fd, buf, len, MSG_NOSIGNAL), (ssize_t)len);
}

static inline size_t frame(uint8_t *out, const uint8_t *payload, size_t len)
{
    out[0] = (uint8_t)(len >> 8);
    out[1] = (uint8_t)len;
    memcpy(out + 2, payload, len);
    return len + 2;
}

static inline int read_exact(int fd, void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = recv(fd, (uint8_t *)buf + got, n - got, 0);
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    return 0;
}

/* Reads one RFC 4571 frame; its length, or -1. */
static inline ssize_t read_frame(int fd, uint8_t *buf, size_t cap)
{
    uint8_t h[2];
    if (read_exact(fd, h, 2) != 0)
        return -1;
    size_t len = (size_t)h[0] << 8 | h[1];
    if (len > cap || read_exact(fd, buf, len) != 0)
        return -1;
    return (ssize_t)len;
}

/* True when the peer closed (EOF or reset) within WAIT_MS, reading and
 * discarding whatever comes first. */
static inline bool sees_close(int fd)
{
    static uint8_t sink[65536];
    for (int i = 0; i < 100000; i++) {
        ssize_t r = recv(fd, sink, sizeof sink, 0);
        if (r == 0 || (r < 0 && errno == ECONNRESET))
            return true;
        if (r < 0)
            return false; /* timeout */
    }
    return false;
}

/* True when the peer reset the connection (rather than closing it in
 * order) within WAIT_MS. */
static inline bool sees_reset(int fd)
{
    uint8_t b[64];
    for (int i = 0; i < 1000; i++) {
        ssize_t r = recv(fd, b, sizeof b, 0);
        if (r < 0)
            return errno == ECONNRESET;
        if (r == 0)
            return false;
    }
    return false;
}

static inline bool still_open(int fd)
{
    uint8_t b;
    ssize_t r = recv(fd, &b, 1, MSG_DONTWAIT | MSG_PEEK);
    return r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

static const uint8_t stun_req[20] = {0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42, 1,  2,
                                     3,    4,    5,    6,    7,    8,    9,    10,   11, 12};

/* Stands for a valid ICE check (see h_datagram). */
static const uint8_t stun_auth_req[20] = {0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42, 'A', 'U',
                                          'T',  'H',  5,    6,    7,    8,    9,    10,   11,  12};

/* Sends one STUN frame (authenticating with stun_auth_req) and waits until
 * the handler saw it; returns the connection's id. */
static inline worker_conn_id tcp_send_stun(struct tctx *t, int fd, const uint8_t req[20])
{
    uint8_t buf[64];
    struct obs o;
    uint64_t before;
    obs_snap(t, &o);
    before = o.dgrams[WORKER_CLASS_STUN][WORKER_PROTO_TCP];
    write_all(fd, buf, frame(buf, req, 20));
    WAIT_OBS(t, o, o.dgrams[WORKER_CLASS_STUN][WORKER_PROTO_TCP] > before);
    assert_true(o.dgrams[WORKER_CLASS_STUN][WORKER_PROTO_TCP] > before);
    assert_int_not_equal(o.last_conn, WORKER_CONN_NONE);
    return o.last_conn;
}

static inline worker_conn_id tcp_hello(struct tctx *t, int fd)
{
    return tcp_send_stun(t, fd, stun_req);
}

static inline worker_conn_id tcp_auth_hello(struct tctx *t, int fd)
{
    return tcp_send_stun(t, fd, stun_auth_req);
}

/* Stops the worker; the handler must have found nothing wrong. Frees t. */
static inline void stop_and_check(struct worker *w, struct tctx *t)
{
    struct obs o;
    worker_stop(w);
    obs_snap(t, &o);
    assert_int_equal(o.errors, 0);
    ctx_free(t);
}

static inline void post(struct worker *w, struct tcmd *c)
{
    struct tcmd *heap = malloc(sizeof *heap);
    assert_non_null(heap);
    *heap = *c;
    assert_int_equal(worker_post(w, heap), 0);
}

#endif
