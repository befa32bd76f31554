/* The generator's media threads (load_media.h). */
#include "tests/load/load_media.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "media/rtp.h"
#include "tests/load/load_fb.h"
#include "tests/load/load_sdp.h"
#include "tests/load/marker.h"

#define BATCH 32
#define RX_BUF 2048
#define MAX_EVENTS 64
#define TICK_US LG_AUDIO_FRAME_US

#define CMD_PAIRS 8

struct cmd {
    struct lg_part *part;
    enum lg_which which;
    bool sub_fb; /* not a start: the feedback of a subscribe offer */
    struct lg_remote remote;
    uint8_t ext_audio_level, ext_mid;
    uint8_t ext_twcc, n_pairs;
    struct lg_rtx_pair pairs[CMD_PAIRS];
};

struct thread {
    struct lg_media *m;
    unsigned id;
    pthread_t tid;
    bool started;
    int epfd, evfd;
    struct lg_part **parts;
    size_t n_parts;
    pthread_mutex_t lock; /* guards the command queue */
    struct cmd *cmds;     /* LG_MEDIA_CMDS */
    size_t cmd_head, cmd_count;
    uint64_t rng;
    uint64_t cpu_us;
    uint8_t rx[BATCH][RX_BUF];
    uint8_t (*vbuf)[LG_DGRAM_MAX]; /* one video frame's packets (with --video) */
    struct lg_fb_scan *scan;       /* the server's feedback (with feedback) */
    uint8_t unwrap[RX_BUF];        /* an RTX packet unwrapped */
    size_t vlen[LG_VP8_FRAME_PKTS];
};

struct lg_media {
    struct lg_run *run;
    struct thread *t;
    unsigned n;
};

/* epoll data: participant index * 2 + which; the eventfd is UINT64_MAX. */
#define EV_WAKE UINT64_MAX

static int udp_socket(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY)};
    int sz = 1 << 20;
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int lg_media_create(struct lg_media **out, struct lg_run *run)
{
    struct lg_media *m = calloc(1, sizeof *m);
    if (!m)
        return ERR_NOMEM;
    m->run = run;
    m->n = run->cfg.threads;
    m->t = calloc(m->n, sizeof *m->t);
    if (!m->t) {
        free(m);
        return ERR_NOMEM;
    }
    for (unsigned i = 0; i < run->n_parts; i++)
        run->parts[i].pub_fd = run->parts[i].sub_fd = -1;
    int rc = 0;
    for (unsigned k = 0; k < m->n; k++) {
        struct thread *t = &m->t[k];
        t->m = m;
        t->id = k;
        t->evfd = t->epfd = -1;
        t->rng = 0x9E3779B97F4A7C15ull * (k + 1);
        pthread_mutex_init(&t->lock, NULL);
        t->cmds = calloc(LG_MEDIA_CMDS, sizeof *t->cmds);
        t->parts = calloc(run->n_parts / m->n + 1, sizeof *t->parts);
        if (run->cfg.video)
            t->vbuf = calloc(LG_VP8_FRAME_PKTS, sizeof *t->vbuf);
        if (run->cfg.feedback)
            t->scan = calloc(1, sizeof *t->scan);
        if (!t->cmds || !t->parts || (run->cfg.video && !t->vbuf) ||
            (run->cfg.feedback && !t->scan)) {
            rc = ERR_NOMEM;
            goto out;
        }
        t->epfd = epoll_create1(EPOLL_CLOEXEC);
        t->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = EV_WAKE};
        if (t->epfd < 0 || t->evfd < 0 || epoll_ctl(t->epfd, EPOLL_CTL_ADD, t->evfd, &ev) != 0) {
            rc = ERR_IO;
            goto out;
        }
    }
    for (unsigned i = 0; i < run->n_parts; i++) {
        struct lg_part *p = &run->parts[i];
        struct thread *t = &m->t[i % m->n];
        p->thread = i % m->n;
        t->parts[t->n_parts++] = p;
        p->pub_fd = udp_socket();
        p->sub_fd = udp_socket();
        struct epoll_event e1 = {.events = EPOLLIN, .data.u64 = (uint64_t)i * 2};
        struct epoll_event e2 = {.events = EPOLLIN, .data.u64 = (uint64_t)i * 2 + 1};
        if (p->pub_fd < 0 || p->sub_fd < 0 ||
            epoll_ctl(t->epfd, EPOLL_CTL_ADD, p->pub_fd, &e1) != 0 ||
            epoll_ctl(t->epfd, EPOLL_CTL_ADD, p->sub_fd, &e2) != 0) {
            rc = ERR_IO;
            goto out;
        }
    }
out:
    *out = m;
    return rc;
}

static int enqueue(struct lg_media *m, const struct cmd *c)
{
    struct thread *t = &m->t[c->part->thread];
    int rc = 0;
    pthread_mutex_lock(&t->lock);
    if (t->cmd_count == LG_MEDIA_CMDS) {
        rc = ERR_FULL;
    } else {
        t->cmds[(t->cmd_head + t->cmd_count) % LG_MEDIA_CMDS] = *c;
        t->cmd_count++;
    }
    pthread_mutex_unlock(&t->lock);
    uint64_t one = 1;
    if (rc == 0 && write(t->evfd, &one, sizeof one) < 0 && errno != EAGAIN)
        rc = ERR_IO;
    return rc;
}

int lg_media_peer_start(struct lg_media *m, struct lg_part *p, enum lg_which which,
                        const struct lg_remote *remote, uint8_t ext_audio_level, uint8_t ext_mid)
{
    struct cmd c = {.part = p,
                    .which = which,
                    .remote = *remote,
                    .ext_audio_level = ext_audio_level,
                    .ext_mid = ext_mid};
    return enqueue(m, &c);
}

int lg_media_sub_offer(struct lg_media *m, struct lg_part *p, const struct sdp_session *offer)
{
    struct lg_rtx_pair pairs[LG_MAX_RX];
    uint8_t ext_twcc;
    size_t n = lg_sdp_subscribe_feedback(offer, &ext_twcc, pairs, LG_MAX_RX), done = 0;
    do {
        struct cmd c = {.part = p, .which = LG_SUB, .sub_fb = true, .ext_twcc = ext_twcc};
        while (c.n_pairs < CMD_PAIRS && done < n)
            c.pairs[c.n_pairs++] = pairs[done++];
        int rc = enqueue(m, &c);
        if (rc != 0)
            return rc;
    } while (done < n);
    return 0;
}

static void run_cmds(struct thread *t, int64_t now)
{
    for (;;) {
        struct cmd c;
        pthread_mutex_lock(&t->lock);
        bool have = t->cmd_count > 0;
        if (have) {
            c = t->cmds[t->cmd_head];
            t->cmd_head = (t->cmd_head + 1) % LG_MEDIA_CMDS;
            t->cmd_count--;
        }
        pthread_mutex_unlock(&t->lock);
        if (!have)
            return;
        if (c.sub_fb) {
            lg_fb_sub_map(c.part, c.ext_twcc, c.pairs, c.n_pairs);
            continue;
        }
        struct lg_peer *peer = c.which == LG_PUB ? &c.part->pub : &c.part->sub;
        if (c.which == LG_PUB) {
            c.part->audio.ext_audio_level = c.ext_audio_level;
            c.part->audio.ext_mid = c.ext_mid;
            if (t->m->run->cfg.feedback)
                lg_fb_pub_setup(c.part);
        } else if (t->m->run->cfg.feedback && lg_fb_sub_start(c.part) != 0) {
            lg_part_fail(c.part, "subscribe: no memory for transport-cc feedback");
        }
        if (lg_peer_start(peer, &c.remote, t->m->run->cert, now) != 0)
            lg_part_fail(c.part, "%s: could not start ICE",
                         c.which == LG_PUB ? "publish" : "subscribe");
        int rc = 0;
        if (c.which == LG_PUB && t->m->run->cfg.video)
            rc = lg_video_pub_start(&c.part->video, t->m->run->vclip, c.part->index,
                                    c.part->video_ext_mid, c.part->video_ext_rid, now);
        if (rc != 0)
            lg_part_fail(c.part, "camera: cannot make its senders: %s", err_str(rc));
    }
}

static uint64_t next_rand(struct thread *t)
{
    uint64_t x = t->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    t->rng = x;
    return x;
}

static void flush(struct lg_part *p, struct lg_peer *peer, int fd)
{
    struct mmsghdr msg[LG_PEER_TXQ];
    struct iovec iov[LG_PEER_TXQ];
    size_t n = peer->n_tx, done = 0;
    for (size_t i = 0; i < n; i++) {
        iov[i].iov_base = peer->tx[i].data;
        iov[i].iov_len = peer->tx[i].len;
        memset(&msg[i], 0, sizeof msg[i]);
        msg[i].msg_hdr.msg_name = &peer->remote.addr;
        msg[i].msg_hdr.msg_namelen = sizeof peer->remote.addr;
        msg[i].msg_hdr.msg_iov = &iov[i];
        msg[i].msg_hdr.msg_iovlen = 1;
    }
    while (done < n) {
        int k = sendmmsg(fd, msg + done, (unsigned)(n - done), 0);
        if (k <= 0) {
            if (k < 0 && errno == EINTR)
                continue;
            p->send_errors += n - done; /* socket full or an error: drop the rest */
            break;
        }
        done += (size_t)k;
    }
    peer->n_tx = 0;
}

/* One RTP packet of buf[0..n) (cap bytes of room) on the publish
 * connection: stamped and kept in hist (may be NULL) for repair, then
 * dropped on purpose (--drop-send) or protected and queued. */
static void send_packet(struct thread *t, struct lg_part *p, struct lg_rtx_sender *hist,
                        int64_t now, uint8_t *buf, size_t n, size_t cap)
{
    if (t->m->run->cfg.feedback)
        lg_fb_pub_packet(p, hist, now, buf, n);
    double pct = t->m->run->cfg.drop_send_pct;
    if (pct > 0 && (double)(next_rand(t) % 1000000) < pct * 10000.0) {
        p->send_dropped++; /* dropped on purpose, before SRTP */
        return;
    }
    if (p->pub.n_tx == LG_PEER_TXQ)
        flush(p, &p->pub, p->pub_fd);
    if (lg_peer_send_rtp(&p->pub, buf, n, cap) != 0) {
        p->send_errors++;
        return;
    }
    p->sent_packets++;
    p->sent_bytes += (uint64_t)n;
}

static void send_audio(struct thread *t, struct lg_part *p, int64_t now)
{
    uint8_t buf[LG_DGRAM_MAX];
    int n = lg_audio_next(&p->audio, &t->m->run->clip, (uint64_t)now, buf,
                          sizeof buf - SRTPX_MAX_TRAILER);
    if (n < 0) {
        p->send_errors++;
        return;
    }
    send_packet(t, p, NULL, now, buf, (size_t)n, sizeof buf);
}

/* The camera's next frame, every layer, paced at --fps. */
static void send_video(struct thread *t, struct lg_part *p, int64_t now)
{
    struct lg_video_pub *v = &p->video;
    v->next_frame_us += v->frame_us;
    if (now - v->next_frame_us > 10 * v->frame_us)
        v->next_frame_us = now + v->frame_us; /* fell far behind: no burst to catch up */
    v->frames++;
    for (unsigned k = 0; k < v->n_layers; k++) {
        struct lg_vp8_burst b = {
            .buf = t->vbuf[0], .stride = LG_DGRAM_MAX, .max = LG_VP8_FRAME_PKTS, .len = t->vlen};
        if (lg_vp8_send_frame(v->send[k], (uint64_t)now, &b) != 0) {
            p->send_errors++;
            continue;
        }
        for (size_t i = 0; i < b.n; i++)
            send_packet(t, p, v->rtx_on ? &v->rtx[k] : NULL, now, t->vbuf[i], b.len[i],
                        LG_DGRAM_MAX);
    }
}

/* An RTCP packet on the subscribe connection (lg_fb_send_fn). */
static void sub_rtcp(void *arg, struct lg_part *p, uint8_t *buf, size_t n, size_t cap)
{
    (void)arg;
    if (p->sub.n_tx == LG_PEER_TXQ)
        flush(p, &p->sub, p->sub_fd);
    if (lg_peer_send_rtcp(&p->sub, buf, n, cap) != 0)
        p->rtcp_errors++;
    else
        p->rtcp_sent++;
}

/* An RTX packet on the publish connection (lg_fb_send_fn). */
static void pub_rtx(void *arg, struct lg_part *p, uint8_t *buf, size_t n, size_t cap)
{
    send_packet(arg, p, NULL, 0, buf, n, cap); /* no history: `now` is not used */
}

/* Receiver reports every LG_VIDEO_RR_US and the PLIs due, on the subscribe
 * connection. */
static void send_rtcp(struct lg_part *p, int64_t now)
{
    uint8_t buf[LG_DGRAM_MAX];
    bool rr = now >= p->next_rr_us;
    p->next_rtcp_check_us = now + LG_VIDEO_RTCP_CHECK_US;
    if (rr)
        p->next_rr_us = now + LG_VIDEO_RR_US;
    int n =
        lg_video_rtcp(p->rx, p->n_rx, p->rtcp_ssrc, rr, now, buf, sizeof buf - SRTPX_MAX_TRAILER);
    if (n < 0)
        p->rtcp_errors++;
    if (n > 0)
        sub_rtcp(NULL, p, buf, (size_t)n, sizeof buf);
}

static struct lg_rx_stream *rx_stream(struct lg_part *p, uint32_t ssrc, uint8_t pt)
{
    for (unsigned i = 0; i < p->n_rx; i++)
        if (p->rx[i].ssrc == ssrc)
            return &p->rx[i];
    if (p->n_rx == LG_MAX_RX)
        return NULL;
    struct lg_rx_stream *s = &p->rx[p->n_rx++];
    memset(s, 0, sizeof *s);
    s->ssrc = ssrc;
    s->pt = pt;
    s->stream = UINT32_MAX;
    return s;
}

static void video_input(const struct lg_run *run, struct lg_part *p, struct lg_rx_stream *s,
                        int64_t now, const uint8_t *buf, size_t len)
{
    if (!run->vclip) {
        s->video.failed = true; /* video from others while ours is off: counted, not checked */
        return;
    }
    int rc = lg_video_rx_input(&s->video, run->vclip, s->decode, s->stream >> 8,
                               atomic_load(&p->admitted_us), now, buf, len);
    if (rc != 0)
        lg_part_fail(p, "cannot make the video checker: %s", err_str(rc));
}

/* One media packet of a received stream, or the unwrapped repair of one
 * (`repair`). */
static void on_media(struct thread *t, struct lg_part *p, int64_t now, const struct rtp_packet *r,
                     const uint8_t *buf, size_t len, bool repair)
{
    struct lg_rx_stream *s = rx_stream(p, r->ssrc, r->pt);
    if (!s) {
        p->rx_overflow++;
        return;
    }
    const struct lg_run *run = t->m->run;
    int64_t window = atomic_load_explicit(&run->window_start_us, memory_order_relaxed);
    if (window && now >= window && !s->in_window) {
        /* What came before was setup's and warm-up's. */
        s->in_window = true;
        s->window_packets0 = s->packets;
        s->window_bytes0 = s->bytes;
    }
    s->packets++;
    s->bytes += len;
    if (repair)
        s->rtx_packets++;
    struct lg_marker mk;
    bool marked = lg_marker_read(buf, len, &mk, NULL) == 0;
    if (!marked) {
        /* The server's padding-only probes, and repairs: RTX drops the
         * original's padding (RFC 4588 §4), and with it the mark. */
        s->unmarked++;
        if (s->stream == UINT32_MAX || r->payload_len == 0) {
            if (s->is_video)
                video_input(run, p, s, now, buf, len);
            return;
        }
    } else if (s->stream == UINT32_MAX) {
        /* A camera's layers come on one SSRC, as the server switches them:
         * the stream is the camera's (layer 1). */
        unsigned what = mk.stream & 0xff;
        s->is_video = what >= 1 && what <= LG_VP8_MAX_LAYERS;
        s->stream = s->is_video ? (mk.stream & ~0xffu) | 1u : mk.stream;
        /* The decoded sample: a fixed share of (receiver, stream) pairs. */
        uint32_t h = (p->index * 2654435761u) ^ (s->stream * 40503u);
        s->decode = (h >> 8) % 100 < run->cfg.decode_pct;
        atomic_fetch_add(&p->streams_seen, 1);
        int64_t zero = 0;
        atomic_compare_exchange_strong(&p->first_rx_us, &zero, now);
    }
    enum lg_seq_result res = lg_seq_add(&s->seq, r->seq);
    if (repair && res == LG_SEQ_REORDERED)
        s->rtx_recovered++;
    if (s->is_video && run->cfg.feedback)
        lg_fb_sub_seq(p, s, now, r->seq);
    if (marked && (res == LG_SEQ_NEW || res == LG_SEQ_REORDERED)) {
        if (s->in_window && (uint64_t)now >= mk.send_us)
            lg_hist_add(&s->delay, (uint64_t)now - mk.send_us);
        if (r->pt == LG_AUDIO_PT && s->decode && !s->is_video) {
            if (!s->dec && lg_audio_decoder_create(&s->dec) != 0)
                s->decode_errors++;
            else if (lg_audio_decode(s->dec, r->payload, r->payload_len) < 0)
                s->decode_errors++;
            else
                s->decoded++;
        }
    }
    if (s->is_video)
        video_input(run, p, s, now, buf, len);
}

static void on_rtp(struct thread *t, struct lg_part *p, int64_t now, const uint8_t *buf, size_t len)
{
    struct rtp_packet r;
    if (rtp_parse(&r, buf, len) != 0)
        return;
    const struct lg_rtx_pair *x = t->m->run->cfg.feedback ? lg_fb_sub_packet(p, now, &r) : NULL;
    if (!x) {
        on_media(t, p, now, &r, buf, len, false);
        return;
    }
    int n = lg_rtx_unwrap(buf, len, x->pt, x->ssrc, t->unwrap, sizeof t->unwrap);
    if (n == 0)
        p->fb.rtx_probes++;
    else if (n < 0 || rtp_parse(&r, t->unwrap, (size_t)n) != 0)
        p->fb.fb_errors++;
    else
        on_media(t, p, now, &r, t->unwrap, (size_t)n, true);
}

static void receive(struct thread *t, struct lg_part *p, enum lg_which which, int64_t now)
{
    struct lg_peer *peer = which == LG_PUB ? &p->pub : &p->sub;
    int fd = which == LG_PUB ? p->pub_fd : p->sub_fd;
    struct mmsghdr msg[BATCH];
    struct iovec iov[BATCH];
    for (int round = 0; round < 8; round++) {
        for (size_t i = 0; i < BATCH; i++) {
            iov[i].iov_base = t->rx[i];
            iov[i].iov_len = RX_BUF;
            memset(&msg[i], 0, sizeof msg[i]);
            msg[i].msg_hdr.msg_iov = &iov[i];
            msg[i].msg_hdr.msg_iovlen = 1;
        }
        int n = recvmmsg(fd, msg, BATCH, MSG_DONTWAIT, NULL);
        if (n <= 0)
            return;
        for (int i = 0; i < n; i++) {
            size_t len = msg[i].msg_len;
            if (msg[i].msg_hdr.msg_flags & MSG_TRUNC)
                continue;
            enum lg_input_kind k = lg_peer_input(peer, now, t->rx[i], &len);
            if (k == LG_IN_AUTH_FAIL)
                p->auth_failures++;
            else if (k == LG_IN_RTP && which == LG_SUB)
                on_rtp(t, p, now, t->rx[i], len);
            else if (k == LG_IN_RTCP && which == LG_PUB && p->video.send[0])
                (void)lg_video_pub_rtcp(&p->video, t->rx[i], len);
            if (k == LG_IN_RTCP && which == LG_PUB && t->scan)
                lg_fb_pub_rtcp(p, t->scan, now, t->rx[i], len, pub_rtx, t);
        }
        if (n < BATCH)
            return;
    }
}

static void publish_state(struct lg_part *p)
{
    atomic_store(&p->pub_state, (int)p->pub.state);
    atomic_store(&p->sub_state, (int)p->sub.state);
    if (p->pub.state == LG_PEER_FAILED)
        lg_part_fail(p, "publish connection: %s", p->pub.fail_reason);
    if (p->sub.state == LG_PEER_FAILED)
        lg_part_fail(p, "subscribe connection: %s", p->sub.fail_reason);
}

static void *thread_main(void *arg)
{
    struct thread *t = arg;
    struct lg_run *run = t->m->run;
    struct epoll_event ev[MAX_EVENTS];
    int64_t next_tick = lg_now_us();

    while (!atomic_load(&run->stop)) {
        int64_t now = lg_now_us();
        run_cmds(t, now);
        bool tick = now >= next_tick;
        if (tick) {
            next_tick += TICK_US;
            if (now - next_tick > 10 * TICK_US)
                next_tick = now + TICK_US; /* fell far behind: no burst to catch up */
        }
        int64_t wake = next_tick;
        for (size_t i = 0; i < t->n_parts; i++) {
            struct lg_part *p = t->parts[i];
            if (tick && p->pub.state == LG_PEER_CONNECTED)
                send_audio(t, p, now);
            bool video = p->pub.state == LG_PEER_CONNECTED && p->video.send[0];
            if (video && now >= p->video.next_frame_us)
                send_video(t, p, now);
            bool rtcp = p->sub.state == LG_PEER_CONNECTED;
            if (rtcp && now >= p->next_rtcp_check_us)
                send_rtcp(p, now);
            bool fb = rtcp && run->cfg.feedback;
            if (fb && lg_fb_sub_deadline(p) <= now)
                lg_fb_sub_send(p, now, sub_rtcp, NULL);
            if (lg_peer_deadline(&p->pub) <= now)
                lg_peer_timer(&p->pub, now);
            if (lg_peer_deadline(&p->sub) <= now)
                lg_peer_timer(&p->sub, now);
            if (p->pub.n_tx)
                flush(p, &p->pub, p->pub_fd);
            if (p->sub.n_tx)
                flush(p, &p->sub, p->sub_fd);
            publish_state(p);
            int64_t d = lg_peer_deadline(&p->pub);
            if (lg_peer_deadline(&p->sub) < d)
                d = lg_peer_deadline(&p->sub);
            if (video && p->video.next_frame_us < d)
                d = p->video.next_frame_us;
            if (rtcp && p->next_rtcp_check_us < d)
                d = p->next_rtcp_check_us;
            if (fb && lg_fb_sub_deadline(p) < d)
                d = lg_fb_sub_deadline(p);
            if (d < wake)
                wake = d;
        }
        int64_t wait_us = wake - lg_now_us();
        int timeout = wait_us <= 0 ? 0 : (int)((wait_us + 999) / 1000);
        int n = epoll_wait(t->epfd, ev, MAX_EVENTS, timeout);
        now = lg_now_us();
        for (int i = 0; i < n; i++) {
            uint64_t d = ev[i].data.u64;
            if (d == EV_WAKE) {
                uint64_t v;
                (void)!read(t->evfd, &v, sizeof v);
                continue;
            }
            struct lg_part *p = &run->parts[d / 2];
            receive(t, p, d % 2 ? LG_SUB : LG_PUB, now);
            if (d % 2 && run->cfg.feedback && p->sub.state == LG_PEER_CONNECTED &&
                lg_fb_sub_deadline(p) <= now)
                lg_fb_sub_send(p, now, sub_rtcp, NULL); /* NACK gaps at once */
            if (p->pub.n_tx)
                flush(p, &p->pub, p->pub_fd);
            if (p->sub.n_tx)
                flush(p, &p->sub, p->sub_fd);
        }
    }
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0)
        t->cpu_us = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
    return NULL;
}

int lg_media_start(struct lg_media *m)
{
    for (unsigned k = 0; k < m->n; k++) {
        if (pthread_create(&m->t[k].tid, NULL, thread_main, &m->t[k]) != 0)
            return ERR_IO;
        m->t[k].started = true;
    }
    return 0;
}

void lg_media_stop(struct lg_media *m)
{
    atomic_store(&m->run->stop, true);
    for (unsigned k = 0; k < m->n; k++) {
        struct thread *t = &m->t[k];
        uint64_t one = 1;
        if (t->started) {
            (void)!write(t->evfd, &one, sizeof one);
            pthread_join(t->tid, NULL);
            t->started = false;
        }
    }
}

void lg_media_destroy(struct lg_media *m)
{
    if (!m)
        return;
    lg_media_stop(m);
    for (unsigned i = 0; i < m->run->n_parts; i++) {
        struct lg_part *p = &m->run->parts[i];
        lg_peer_close(&p->pub);
        lg_peer_close(&p->sub);
        if (p->pub_fd >= 0)
            close(p->pub_fd);
        if (p->sub_fd >= 0)
            close(p->sub_fd);
        p->pub_fd = p->sub_fd = -1;
        for (unsigned s = 0; s < p->n_rx; s++) {
            lg_audio_decoder_destroy(p->rx[s].dec);
            p->rx[s].dec = NULL;
            lg_video_rx_free(&p->rx[s].video);
        }
        lg_video_pub_free(&p->video);
        lg_fb_free(p);
    }
    for (unsigned k = 0; k < m->n; k++) {
        struct thread *t = &m->t[k];
        if (t->epfd >= 0)
            close(t->epfd);
        if (t->evfd >= 0)
            close(t->evfd);
        pthread_mutex_destroy(&t->lock);
        free(t->cmds);
        free(t->parts);
        free(t->vbuf);
        free(t->scan);
    }
    free(m->t);
    free(m);
}

uint64_t lg_media_thread_cpu_us(const struct lg_media *m, unsigned thread)
{
    return thread < m->n ? m->t[thread].cpu_us : 0;
}
