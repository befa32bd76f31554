/* The limit probe: only the work an SFU cannot avoid, on real sockets and
 * realistic packets, so the server's own overhead can be stated as a ratio
 * to it. Per variant (UDP GSO on, then plain sendmmsg; alternating when
 * --rounds > 1), with UDP sockets on 127.0.0.1:
 *
 *   feeder thread    P publishers (one socket each) send SRTP-protected
 *                    RTP: video frames of several ~1100-1200-byte packets
 *                    (sizes split about equally, as libwebrtc packetizes)
 *                    at --fps, audio of ~100 bytes every 20 ms, each packet
 *                    carrying the load generator's mark (tests/load/
 *                    marker.h); bursting under a window of packets in
 *                    flight, or paced at --rate packets/s.
 *   probe thread     one socket: recvmmsg, source port -> publisher,
 *                    unprotect once (one context per publisher), then per
 *                    receiver (one context each; packets grouped per
 *                    destination) copy + protect, and sendmmsg, with
 *                    UDP_SEGMENT runs of equal-sized packets to one
 *                    receiver in the GSO variant.
 *   drain thread     the receivers' sockets: counts what arrives and
 *                    unprotects every SAMPLE_EVERY-th packet with that
 *                    receiver's key, checking the mark and the payload
 *                    bytes (so the probe cannot skip its work).
 *
 * The probe is pinned to one CPU and the feeder and drain to another when
 * there are two. It prints the probe thread's CPU time per forwarded packet
 * (CLOCK_THREAD_CPUTIME_ID), forwarded packets/s, loss between the probe
 * and the receivers, send calls and GSO segments, and one JSON line
 * {"probe":...}. Exits 1 on a setup failure, on any packet that fails
 * SRTP at the probe or at a receiver, or when the receivers got less than
 * 99% of what the probe sent.
 *   make bench-probe   (release build; see docs/BENCHMARKS.md)
 *   build/release/bench/bench_probe --help */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "media/rtp.h"
#include "media/srtp.h"
#include "tests/bench/lprobe_report.h"
#include "tests/bench/lprobe_tx.h"
#include "tests/load/marker.h"

#define MAX_RECV LPROBE_MAX_FANOUT /* receivers: max(publishers, fan-out) */
#define RX_BATCH 64
#define PKT_CAP 1280
#define SOCK_BUF (4 << 20)
#define RECV_TIMEOUT_US 50000 /* probe and drain: no packet for this long ends them */
#define SAMPLE_EVERY 8
#define MIN_DELIVERY 0.99
/* The packets: the 12-byte RTP header, a 12-byte extension block (one-
 * byte form: abs-send-time, transport-wide sequence), the payload, and
 * the 28-byte mark as padding. */
#define HDR_LEN 24
#define VIDEO_MIN 1100
#define VIDEO_MAX 1200
#define AUDIO_MIN 90
#define AUDIO_MAX 119
#define KEYFRAME_PKTS 12
#define PATTERN_SPAN 4093
#define SSRC_BASE 0x5a000000u

struct pub {
    int fd;
    struct srtpx *tx;
    uint16_t seq[2];
    uint32_t ts[2], frame[2];
    uint64_t next_us[2]; /* virtual time of the next audio [0] and video [1] event */
    uint64_t rng;
};

struct run {
    const struct lprobe_opts *o;
    bool gso;
    unsigned nrecv;
    int probe_fd, recv_fd[MAX_RECV];
    struct sockaddr_in probe_addr, recv_addr[MAX_RECV];
    struct pub pubs[LPROBE_MAX_PUBS];
    struct srtpx *in_ctx[LPROBE_MAX_PUBS]; /* probe: unprotects publisher p */
    struct srtpx *out_ctx[MAX_RECV];       /* probe: protects for receiver r */
    struct srtpx *check_ctx[MAX_RECV];     /* drain: receiver r's inbound */
    uint32_t dest_mask[LPROBE_MAX_PUBS];
    uint8_t port_pub[65536]; /* source port -> publisher + 1 */
    atomic_bool stop_feed, stop_drain, failed;
    atomic_uint_least64_t fed, in, fwd, drained;
    pthread_mutex_t fail_lock;
    char fail_msg[200];
    struct lprobe_result res;
    int cpu_probe, cpu_other;
};

static uint8_t g_pattern[PATTERN_SPAN + PKT_CAP];

static void die(const char *what, int err)
{
    fprintf(stderr, "bench_probe: %s: %s\n", what, err ? strerror(err) : "failed");
    exit(1);
}

static void fail(struct run *r, const char *msg)
{
    pthread_mutex_lock(&r->fail_lock);
    if (!atomic_load(&r->failed))
        snprintf(r->fail_msg, sizeof r->fail_msg, "%s", msg);
    atomic_store(&r->failed, true);
    pthread_mutex_unlock(&r->fail_lock);
    atomic_store(&r->stop_feed, true);
}

static double clock_ns(clockid_t c)
{
    struct timespec ts;

    clock_gettime(c, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static uint32_t rnd(uint64_t *s)
{
    *s = *s * 6364136223846793005u + 1442695040888963407u;
    return (uint32_t)(*s >> 33);
}

/* Names the thread (for perf and top) and pins it to cpu unless cpu < 0. */
static void pin(const char *name, int cpu)
{
    pthread_setname_np(pthread_self(), name);
    if (cpu < 0)
        return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET((size_t)cpu, &set);
    int e = pthread_setaffinity_np(pthread_self(), sizeof set, &set);
    if (e != 0)
        die("pthread_setaffinity_np", e);
}

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v);
}

static size_t pattern_off(uint32_t ssrc, uint16_t seq)
{
    return (ssrc * 131u + seq * 7u) % PATTERN_SPAN;
}

/* ---- sockets and keys ---- */

static int udp_socket(struct sockaddr_in *addr, bool rcvtimeo)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int sz = SOCK_BUF;
    socklen_t alen = sizeof *addr;

    if (fd < 0)
        die("socket", errno);
    /* SO_RCVBUFFORCE passes rmem_max when privileged; otherwise the cap. */
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz) != 0 &&
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz) != 0)
        die("SO_RCVBUF", errno);
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof sz) != 0 &&
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz) != 0)
        die("SO_SNDBUF", errno);
    if (rcvtimeo) {
        struct timeval tv = {.tv_sec = 0, .tv_usec = RECV_TIMEOUT_US};
        if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0)
            die("SO_RCVTIMEO", errno);
    }
    memset(addr, 0, sizeof *addr);
    addr->sin_family = AF_INET;
    addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)addr, sizeof *addr) != 0)
        die("bind 127.0.0.1:0", errno);
    if (getsockname(fd, (struct sockaddr *)addr, &alen) != 0)
        die("getsockname", errno);
    return fd;
}

/* A sender's and a receiver's context for one random key: `tx` protects
 * with it, `rx` unprotects with it. */
static void key_pair(const struct lprobe_opts *o, struct srtpx **tx, struct srtpx **rx)
{
    struct dtls_srtp_keys k = {.profile = o->profile, .key_len = 16};

    k.salt_len = o->profile == DTLS_SRTP_AEAD_AES_128_GCM ? 12 : 14;
    if (getrandom(k.local_key, sizeof k.local_key, 0) != (ssize_t)sizeof k.local_key ||
        getrandom(k.local_salt, sizeof k.local_salt, 0) != (ssize_t)sizeof k.local_salt)
        die("getrandom", errno);
    memset(k.remote_key, 0x11, sizeof k.remote_key);
    memset(k.remote_salt, 0x22, sizeof k.remote_salt);
    int e = srtpx_create(tx, &k);
    /* The other side: its remote key is our local one. */
    memcpy(k.remote_key, k.local_key, sizeof k.remote_key);
    memcpy(k.remote_salt, k.local_salt, sizeof k.remote_salt);
    memset(k.local_key, 0x33, sizeof k.local_key);
    if (e == 0)
        e = srtpx_create(rx, &k);
    dtls_srtp_keys_wipe(&k);
    if (e != 0) {
        fprintf(stderr, "bench_probe: srtpx_create: %s\n", err_str(e));
        exit(1);
    }
}

static void run_setup(struct run *r, const struct lprobe_opts *o, bool gso)
{
    memset(r, 0, sizeof *r);
    r->o = o;
    r->gso = gso;
    r->nrecv = o->pubs > o->fanout ? o->pubs : o->fanout;
    pthread_mutex_init(&r->fail_lock, NULL);
    r->probe_fd = udp_socket(&r->probe_addr, true);
    for (unsigned i = 0; i < r->nrecv; i++) {
        r->recv_fd[i] = udp_socket(&r->recv_addr[i], false);
        key_pair(o, &r->out_ctx[i], &r->check_ctx[i]);
    }
    for (unsigned p = 0; p < o->pubs; p++) {
        struct pub *pb = &r->pubs[p];
        struct sockaddr_in a;

        pb->fd = udp_socket(&a, false);
        if (connect(pb->fd, (struct sockaddr *)&r->probe_addr, sizeof r->probe_addr) != 0)
            die("connect", errno);
        r->port_pub[ntohs(a.sin_port)] = (uint8_t)(p + 1);
        key_pair(o, &pb->tx, &r->in_ctx[p]);
        pb->rng = 0x9e3779b97f4a7c15u * (p + 1);
        /* Stagger the publishers over one frame interval and one audio interval. */
        pb->next_us[0] = 20000u * p / o->pubs;
        pb->next_us[1] = 1000000u / o->fps * p / o->pubs;
        pb->seq[0] = (uint16_t)rnd(&pb->rng);
        pb->seq[1] = (uint16_t)rnd(&pb->rng);
        /* Publisher p goes to the next `fanout` receivers (a meeting when
         * receivers == publishers: everyone but the publisher). */
        for (unsigned k = 0; k < o->fanout; k++)
            r->dest_mask[p] |= 1u << ((p + 1 + k) % r->nrecv);
    }
}

static void run_teardown(struct run *r)
{
    close(r->probe_fd);
    for (unsigned i = 0; i < r->nrecv; i++) {
        close(r->recv_fd[i]);
        srtpx_destroy(r->out_ctx[i]);
        srtpx_destroy(r->check_ctx[i]);
    }
    for (unsigned p = 0; p < r->o->pubs; p++) {
        close(r->pubs[p].fd);
        srtpx_destroy(r->pubs[p].tx);
        srtpx_destroy(r->in_ctx[p]);
    }
    pthread_mutex_destroy(&r->fail_lock);
}

/* ---- feeder ---- */

/* Writes one marked RTP packet of `total` bytes (before SRTP) into buf. */
static size_t build_rtp(uint8_t *buf, struct pub *pb, unsigned p, unsigned what, bool last,
                        size_t total, uint16_t index, uint16_t count, uint64_t now_us)
{
    uint32_t ssrc = SSRC_BASE | p << 8 | what;
    uint16_t seq = pb->seq[what]++;
    size_t plen = total - HDR_LEN - LG_MARKER_PAD;

    buf[0] = 0x90; /* V=2, X=1 */
    buf[1] = (uint8_t)((what ? 96 : 111) | (last ? 0x80 : 0));
    put16(buf + 2, seq);
    put32(buf + 4, pb->ts[what]);
    put32(buf + 8, ssrc);
    put32(buf + 12, 0xBEDE0002u);
    buf[16] = 0x12; /* id 1, 3 bytes: abs-send-time */
    put32(buf + 17, (uint32_t)(now_us & 0xffffff) << 8);
    buf[20] = 0x31; /* id 3, 2 bytes: transport-wide sequence */
    put16(buf + 21, seq);
    buf[23] = 0;
    memcpy(buf + HDR_LEN, g_pattern + pattern_off(ssrc, seq), plen);
    struct lg_marker m = {.stream = lg_stream_id(p, (uint8_t)what),
                          .frame = pb->frame[what],
                          .index = index,
                          .count = count,
                          .send_us = now_us};
    int n = lg_marker_append(buf, HDR_LEN + plen, PKT_CAP, &m);
    return n < 0 ? 0 : (size_t)n;
}

/* Sends publisher p's next event (an audio packet or a video frame) as one
 * send call. Returns the packets sent. */
static unsigned feed_event(struct run *r, struct lprobe_tx *q, uint8_t *bufs, unsigned p,
                           uint64_t now_us)
{
    const struct lprobe_opts *o = r->o;
    struct pub *pb = &r->pubs[p];
    unsigned what = pb->next_us[1] < pb->next_us[0], n = 1;
    size_t size = AUDIO_MIN + rnd(&pb->rng) % (AUDIO_MAX - AUDIO_MIN + 1), rem = 0;

    if (what) { /* a frame: 2-6 packets, a keyframe every 3 s */
        n = pb->frame[1] % (o->fps * 3) == 0 ? KEYFRAME_PKTS : 2 + rnd(&pb->rng) % 5;
        size = VIDEO_MIN + rnd(&pb->rng) % (VIDEO_MAX - VIDEO_MIN);
        /* Split about equally (the last `rem` packets one byte longer, as in
         * libwebrtc's RtpPacketizer::SplitAboutEqually),
         * or, with --equal, all of one size. */
        rem = o->equal ? 0 : rnd(&pb->rng) % n;
    }
    lprobe_tx_reset(q);
    for (unsigned i = 0; i < n; i++) {
        uint8_t *b = bufs + (size_t)i * PKT_CAP;
        size_t len = build_rtp(b, pb, p, what, i + 1 == n, size + (i + rem >= n), (uint16_t)i,
                               (uint16_t)n, now_us);
        int e = len ? srtpx_protect_rtp(pb->tx, b, &len, PKT_CAP) : ERR_PARSE;
        if (e != 0) {
            fail(r, "feeder: building or protecting a packet failed");
            return 0;
        }
        lprobe_tx_add(q, b, len, NULL);
    }
    if (lprobe_tx_flush(q, pb->fd) != 0) {
        fail(r, q->error);
        return 0;
    }
    pb->frame[what]++;
    pb->ts[what] += what ? 90000 / o->fps : 960;
    pb->next_us[what] += what ? 1000000u / o->fps : 20000u;
    return n;
}

static void sleep_us(long us)
{
    struct timespec ts = {.tv_sec = 0, .tv_nsec = us * 1000};
    nanosleep(&ts, NULL);
}

/* Incoming packets/s of the model at real speed. */
static double model_rate(const struct lprobe_opts *o)
{
    double key_every = o->fps * 3.0;
    double per_frame = (4.0 * (key_every - 1) + KEYFRAME_PKTS) / key_every;

    return o->pubs * (o->fps * per_frame + 50.0);
}

static void *feeder_main(void *arg)
{
    struct run *r = arg;
    const struct lprobe_opts *o = r->o;
    static struct lprobe_tx q;
    uint8_t *bufs = malloc((size_t)KEYFRAME_PKTS * PKT_CAP);
    double speed = o->rate > 0 ? o->rate / model_rate(o) : 0, t0 = clock_ns(CLOCK_MONOTONIC);
    uint64_t fed = 0;

    pin("lp-feeder", r->cpu_other);
    if (!bufs) {
        fail(r, "feeder: out of memory");
        return NULL;
    }
    lprobe_tx_init(&q, true); /* the same arrivals for both variants */
    while (!atomic_load_explicit(&r->stop_feed, memory_order_relaxed)) {
        unsigned p = 0;
        for (unsigned i = 1; i < o->pubs; i++) {
            struct pub *a = &r->pubs[i], *b = &r->pubs[p];
            uint64_t ta = a->next_us[0] < a->next_us[1] ? a->next_us[0] : a->next_us[1];
            uint64_t tb = b->next_us[0] < b->next_us[1] ? b->next_us[0] : b->next_us[1];
            if (ta < tb)
                p = i;
        }
        struct pub *pb = &r->pubs[p];
        uint64_t t_next = pb->next_us[0] < pb->next_us[1] ? pb->next_us[0] : pb->next_us[1];
        double now = clock_ns(CLOCK_MONOTONIC);
        if (speed > 0) {
            /* Paced: event times are virtual µs, run at `speed`. */
            double due = t0 + (double)t_next * 1000.0 / speed;
            if (due > now) {
                sleep_us((long)((due - now) / 1000.0) + 1);
                continue;
            }
        } else {
            /* Burst: at most `window` packets at the probe or at its receivers. */
            uint64_t in = atomic_load_explicit(&r->in, memory_order_relaxed);
            uint64_t fwd = atomic_load_explicit(&r->fwd, memory_order_relaxed);
            uint64_t drained = atomic_load_explicit(&r->drained, memory_order_relaxed);
            if (fed > in + o->window || fwd > drained + (uint64_t)o->window * o->fanout) {
                sleep_us(20);
                continue;
            }
        }
        fed += feed_event(r, &q, bufs, p, (uint64_t)(now / 1000.0));
        atomic_store_explicit(&r->fed, fed, memory_order_relaxed);
    }
    free(bufs);
    return NULL;
}

/* ---- probe ---- */

struct probe_state {
    uint8_t rx_buf[RX_BATCH][PKT_CAP];
    size_t rx_len[RX_BATCH];
    unsigned rx_pub[RX_BATCH];
    struct iovec rx_iov[RX_BATCH];
    struct sockaddr_in rx_from[RX_BATCH];
    struct mmsghdr rx_msgs[RX_BATCH];
    uint8_t tx_buf[RX_BATCH * LPROBE_MAX_FANOUT][PKT_CAP];
    struct lprobe_tx tx;
};

/* Unprotects the batch's n packets, then per receiver copies, protects and
 * queues the ones it gets; sends them. Returns the packets sent or -1. */
static int probe_batch(struct run *r, struct probe_state *s, unsigned n)
{
    size_t out = 0;

    for (unsigned i = 0; i < n; i++) {
        unsigned pub = r->port_pub[ntohs(s->rx_from[i].sin_port)];
        size_t len = s->rx_msgs[i].msg_len;
        if (pub == 0 || (s->rx_msgs[i].msg_hdr.msg_flags & MSG_TRUNC)) {
            fail(r, "probe: a datagram from an unknown source, or truncated");
            return -1;
        }
        int e = srtpx_unprotect_rtp(r->in_ctx[pub - 1], s->rx_buf[i], &len);
        if (e != 0) {
            fail(r, "probe: a publisher's packet failed SRTP unprotect");
            return -1;
        }
        s->rx_pub[i] = pub - 1;
        s->rx_len[i] = len;
    }
    lprobe_tx_reset(&s->tx);
    for (unsigned d = 0; d < r->nrecv; d++) {
        for (unsigned i = 0; i < n; i++) {
            if (!(r->dest_mask[s->rx_pub[i]] & 1u << d))
                continue;
            uint8_t *b = s->tx_buf[out++];
            size_t len = s->rx_len[i];
            memcpy(b, s->rx_buf[i], len);
            if (srtpx_protect_rtp(r->out_ctx[d], b, &len, PKT_CAP) != 0) {
                fail(r, "probe: protect for a receiver failed");
                return -1;
            }
            lprobe_tx_add(&s->tx, b, len, &r->recv_addr[d]);
        }
    }
    if (lprobe_tx_flush(&s->tx, r->probe_fd) != 0) {
        fail(r, s->tx.error);
        return -1;
    }
    return (int)out;
}

static void *probe_main(void *arg)
{
    struct run *r = arg;
    struct probe_state *s = calloc(1, sizeof *s);
    double cpu0 = 0, t0 = 0, t1 = 0;
    uint64_t in = 0, fwd = 0;

    pin("lp-probe", r->cpu_probe);
    if (!s) {
        fail(r, "probe: out of memory");
        return NULL;
    }
    lprobe_tx_init(&s->tx, r->gso);
    for (unsigned i = 0; i < RX_BATCH; i++) {
        s->rx_iov[i] = (struct iovec){s->rx_buf[i], PKT_CAP};
        s->rx_msgs[i].msg_hdr.msg_iov = &s->rx_iov[i];
        s->rx_msgs[i].msg_hdr.msg_iovlen = 1;
        s->rx_msgs[i].msg_hdr.msg_name = &s->rx_from[i];
    }
    while (!atomic_load(&r->failed)) {
        for (unsigned i = 0; i < RX_BATCH; i++)
            s->rx_msgs[i].msg_hdr.msg_namelen = sizeof s->rx_from[i];
        int n = recvmmsg(r->probe_fd, s->rx_msgs, RX_BATCH, MSG_WAITFORONE, NULL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                if (atomic_load(&r->stop_feed))
                    break; /* fed everything and drained its socket */
                continue;
            }
            fail(r, "probe: recvmmsg failed");
            break;
        }
        if (in == 0) {
            cpu0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
            t0 = clock_ns(CLOCK_MONOTONIC);
        }
        int sent = probe_batch(r, s, (unsigned)n);
        if (sent < 0)
            break;
        in += (unsigned)n;
        fwd += (unsigned)sent;
        atomic_store_explicit(&r->in, in, memory_order_relaxed);
        atomic_store_explicit(&r->fwd, fwd, memory_order_relaxed);
        t1 = clock_ns(CLOCK_MONOTONIC);
    }
    r->res.cpu_ns = in ? clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0 : 0;
    r->res.wall_ns = t1 - t0;
    r->res.calls = s->tx.calls;
    r->res.gso_sends = s->tx.gso_sends;
    r->res.gso_segs = s->tx.gso_segs;
    r->res.gso_refused = s->tx.gso_refused;
    free(s);
    return NULL;
}

/* ---- drain: the receivers ---- */

/* Unprotects one received packet with receiver d's key and checks that it
 * is what the feeder built. */
static bool verify(struct run *r, unsigned d, uint8_t *buf, size_t len)
{
    struct rtp_packet p;
    struct lg_marker m;

    if (srtpx_unprotect_rtp(r->check_ctx[d], buf, &len) != 0 || rtp_parse(&p, buf, len) != 0 ||
        lg_marker_read(buf, len, &m, NULL) != 0)
        return false;
    uint32_t from = (p.ssrc >> 8) & 0xffff, what = p.ssrc & 0xff;
    if ((p.ssrc & 0xff000000u) != SSRC_BASE || from >= r->o->pubs || what > 1 ||
        !(r->dest_mask[from] & 1u << d) || m.stream != lg_stream_id(from, (uint8_t)what) ||
        p.header_len != HDR_LEN || p.payload_len > PKT_CAP)
        return false;
    return memcmp(p.payload, g_pattern + pattern_off(p.ssrc, p.seq), p.payload_len) == 0;
}

static void *drain_main(void *arg)
{
    struct run *r = arg;
    static uint8_t buf[RX_BATCH][PKT_CAP];
    struct iovec iov[RX_BATCH];
    struct mmsghdr msgs[RX_BATCH];
    struct epoll_event ev[MAX_RECV];
    uint64_t count[MAX_RECV] = {0}, drained = 0, verified = 0;
    int ep = epoll_create1(EPOLL_CLOEXEC);

    pin("lp-drain", r->cpu_other);
    if (ep < 0) {
        fail(r, "drain: epoll_create1 failed");
        return NULL;
    }
    for (unsigned d = 0; d < r->nrecv; d++) {
        struct epoll_event e = {.events = EPOLLIN, .data.u32 = d};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, r->recv_fd[d], &e) != 0) {
            fail(r, "drain: epoll_ctl failed");
            goto out;
        }
    }
    for (unsigned i = 0; i < RX_BATCH; i++)
        iov[i] = (struct iovec){buf[i], PKT_CAP};
    for (;;) {
        int ne = epoll_wait(ep, ev, MAX_RECV, RECV_TIMEOUT_US / 1000);
        if (ne < 0 && errno != EINTR) {
            fail(r, "drain: epoll_wait failed");
            break;
        }
        if (ne == 0 && atomic_load(&r->stop_drain))
            break;
        for (int k = 0; k < ne; k++) {
            unsigned d = ev[k].data.u32;
            memset(msgs, 0, sizeof msgs);
            for (unsigned i = 0; i < RX_BATCH; i++) {
                msgs[i].msg_hdr.msg_iov = &iov[i];
                msgs[i].msg_hdr.msg_iovlen = 1;
            }
            int n = recvmmsg(r->recv_fd[d], msgs, RX_BATCH, MSG_DONTWAIT, NULL);
            if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                fail(r, "drain: recvmmsg failed");
                goto out;
            }
            for (int i = 0; i < n; i++) {
                if (count[d]++ % SAMPLE_EVERY != 0)
                    continue;
                if (!verify(r, d, buf[i], msgs[i].msg_len)) {
                    fail(r, "drain: a sampled packet did not unprotect with the "
                            "receiver's key or was not the one the feeder sent");
                    goto out;
                }
                verified++;
            }
            if (n > 0)
                drained += (unsigned)n;
        }
        atomic_store_explicit(&r->drained, drained, memory_order_relaxed);
    }
out:
    r->res.verified = verified;
    close(ep);
    return NULL;
}

/* ---- one variant, the report, main ---- */

static void run_variant(const struct lprobe_opts *o, bool gso, const int cpus[2],
                        struct lprobe_result *out)
{
    struct run *r = malloc(sizeof *r);
    pthread_t th[3];
    void *(*fn[3])(void *) = {drain_main, probe_main, feeder_main};

    if (!r)
        die("malloc", ENOMEM);
    run_setup(r, o, gso);
    r->cpu_probe = cpus[0];
    r->cpu_other = cpus[1];
    for (int i = 0; i < 3; i++) {
        int e = pthread_create(&th[i], NULL, fn[i], r);
        if (e != 0)
            die("pthread_create", e);
    }
    for (double t = 0; t < o->seconds && !atomic_load(&r->failed); t += 0.01)
        sleep_us(10000);
    atomic_store(&r->stop_feed, true);
    pthread_join(th[2], NULL);
    pthread_join(th[1], NULL);
    atomic_store(&r->stop_drain, true);
    pthread_join(th[0], NULL);
    if (atomic_load(&r->failed)) {
        fprintf(stderr, "bench_probe: %s\n", r->fail_msg);
        exit(1);
    }
    *out = r->res;
    out->fed = atomic_load(&r->fed);
    out->in = atomic_load(&r->in);
    out->fwd = atomic_load(&r->fwd);
    out->drained = atomic_load(&r->drained);
    run_teardown(r);
    free(r);
    if (out->fwd == 0 || out->cpu_ns <= 0 || out->verified == 0) {
        fprintf(stderr, "bench_probe: nothing was forwarded or verified (%s)\n",
                gso ? "gso" : "plain");
        exit(1);
    }
}

/* The probe's CPU and the feeder's: the first two CPUs we may run on. */
static int choose_cpus(int cpus[2])
{
    cpu_set_t set;
    int n = 0;

    cpus[0] = cpus[1] = -1;
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return 0;
    for (int c = 0; c < CPU_SETSIZE && n < 2; c++)
        if (CPU_ISSET((size_t)c, &set))
            cpus[n++] = c;
    if (n < 2)
        cpus[0] = cpus[1] = -1;
    return CPU_COUNT(&set);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    static const char *const names[2] = {"gso", "plain"};
    struct lprobe_opts o;
    struct lprobe_result res[2][LPROBE_MAX_ROUNDS], med[2];
    double ns[2][LPROBE_MAX_ROUNDS], sorted[LPROBE_MAX_ROUNDS];
    int cpus[2];
    uint64_t seed = 1;
    int status = 0;

    lprobe_parse_args(argc, argv, &o);
    int ncpu = choose_cpus(cpus);
    if (srtpx_init() != 0)
        die("srtpx_init", 0);
    for (size_t i = 0; i < sizeof g_pattern; i++)
        g_pattern[i] = (uint8_t)rnd(&seed);
    unsigned nrecv = o.pubs > o.fanout ? o.pubs : o.fanout;
    printf("bench_probe: %s, %u publishers (video %u fps, 2-6 packets of %d-%d bytes per "
           "frame, %s, a %d-packet keyframe every 3 s; audio %d-%d bytes every 20 ms: %.0f "
           "pkt/s each), fan-out %u to %u receivers, ",
           o.profile_name, o.pubs, o.fps, VIDEO_MIN, VIDEO_MAX,
           o.equal ? "all of one size" : "sizes split about equally", KEYFRAME_PKTS, AUDIO_MIN,
           AUDIO_MAX, model_rate(&o) / o.pubs, o.fanout, nrecv);
    if (o.rate > 0)
        printf("paced at %.0f pkt/s in, ", o.rate);
    else
        printf("burst (window %u packets), ", o.window);
    printf("%.1f s per variant, %u round(s); %d CPUs, ", o.seconds, o.rounds, ncpu);
    if (cpus[0] >= 0)
        printf("probe on CPU %d, feeder and receivers on CPU %d\n", cpus[0], cpus[1]);
    else
        printf("not pinned (one CPU)\n");
    fflush(stdout);
    for (unsigned k = 0; k < o.rounds; k++) {
        for (unsigned j = 0; j < 2; j++) {
            unsigned v = (j + k) % 2; /* alternate which variant goes first */
            run_variant(&o, v == 0, cpus, &res[v][k]);
            ns[v][k] = lprobe_ns_per_pkt(&res[v][k]);
            if (o.rounds > 1) {
                char label[32];
                snprintf(label, sizeof label, "round %u, %s", k + 1, names[v]);
                lprobe_print_result(label, &res[v][k]);
                fflush(stdout);
            }
        }
    }
    for (unsigned v = 0; v < 2; v++) {
        memcpy(sorted, ns[v], o.rounds * sizeof(double));
        qsort(sorted, o.rounds, sizeof(double), cmp_double);
        unsigned m = 0;
        for (unsigned k = 0; k < o.rounds; k++)
            if (ns[v][k] == sorted[o.rounds / 2])
                m = k;
        med[v] = res[v][m];
        lprobe_print_result(o.rounds > 1 ? (v ? "plain, median" : "gso, median") : names[v],
                            &med[v]);
    }
    printf("bench_probe: GSO / plain CPU per forwarded packet: %.2f\n",
           lprobe_ns_per_pkt(&med[0]) / lprobe_ns_per_pkt(&med[1]));
    lprobe_print_json(&o, nrecv, ncpu, cpus[0] >= 0, med, ns);
    for (unsigned v = 0; v < 2; v++)
        for (unsigned k = 0; k < o.rounds; k++)
            if (lprobe_delivery(&res[v][k]) < MIN_DELIVERY) {
                fprintf(stderr,
                        "bench_probe: %s round %u: the receivers got %.2f%% of what "
                        "the probe sent (at least %.0f%% expected)\n",
                        names[v], k + 1, 100.0 * lprobe_delivery(&res[v][k]), 100.0 * MIN_DELIVERY);
                status = 1;
            }
    return status;
}
