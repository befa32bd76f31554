/* The generator's signaling with Janus's VideoRoom (load_signal_janus.h). */
#include "tests/load/load_signal_janus.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/err.h"
#include "tests/load/janus_api.h"
#include "tests/load/janus_flow.h"
#include "tests/load/load_media.h"
#include "tests/load/load_sdp.h"

#define RX_MAX (JANUS_HTTP_HEAD_MAX + JANUS_MSG_MAX) /* one HTTP answer */
#define RX_FIRST 4096
#define MAX_EVENTS 64
#define WAIT_MS 100
#define END_WAIT_US 2000000 /* for the rooms and sessions to be destroyed */
#define DRIVE_STEPS 16      /* flow actions taken at once per participant */

/* One HTTP request and its answer on a connection of its own. */
struct hconn {
    struct jpart *jp;
    bool is_poll;
    int fd; /* -1: none in flight */
    bool connected;
    char *out;
    size_t out_len, out_off;
    char *in;
    size_t in_len, in_cap;
};

/* What a participant still does at the stop. */
enum end_step { END_NONE, END_ROOM, END_SESSION, END_DONE };

struct jpart {
    struct lg_part *p;
    struct janus_flow f;
    struct hconn post, poll;
    bool dirty;      /* the flow may have something to do */
    bool subscribed; /* janus_flow_subscribe() called */
    bool sub_started;
    enum end_step end;
};

struct lg_janus {
    struct lg_run *run;
    struct jpart *jp;
    struct sockaddr_in addr;
    char host[64]; /* the Host header */
    int epfd, evfd;
    pthread_t tid;
    bool started;
    struct sdp_session *sdp; /* scratch for parsing (large) */
};

/* ---- the HTTP client ---- */

static void hc_close(struct lg_janus *j, struct hconn *c)
{
    if (c->fd >= 0) {
        (void)epoll_ctl(j->epfd, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
    }
    c->fd = -1;
    c->connected = false;
    free(c->out);
    c->out = NULL;
    c->out_len = c->out_off = 0;
    c->in_len = 0;
}

static void end_next(struct lg_janus *j, struct jpart *jp);

/* The connection failed: the participant fails, unless the run is ending. */
static void hc_fail(struct lg_janus *j, struct hconn *c, const char *why)
{
    struct jpart *jp = c->jp;
    hc_close(j, c);
    if (jp->end != END_NONE) {
        jp->end = END_DONE;
        return;
    }
    if (!atomic_load(&j->run->stop))
        lg_part_fail(jp->p, "Janus HTTP %s: %s", c->is_poll ? "long poll" : "request", why);
}

/* Sends a GET (body NULL) or a POST of JSON body to path. */
static int hc_start(struct lg_janus *j, struct hconn *c, const char *path, const char *body)
{
    size_t blen = body ? strlen(body) : 0, cap = blen + strlen(path) + 256;
    int n;

    hc_close(j, c);
    c->out = malloc(cap);
    if (!c->out)
        return ERR_NOMEM;
    if (body)
        n = snprintf(c->out, cap,
                     "POST %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                     path, j->host, blen, body);
    else
        n = snprintf(c->out, cap, "GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n", path,
                     j->host);
    if (n < 0 || (size_t)n >= cap)
        return ERR_TOOBIG;
    c->out_len = (size_t)n;
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        return ERR_IO;
    if (connect(c->fd, (const struct sockaddr *)&j->addr, sizeof j->addr) != 0 &&
        errno != EINPROGRESS)
        return ERR_IO;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
    return epoll_ctl(j->epfd, EPOLL_CTL_ADD, c->fd, &ev) == 0 ? 0 : ERR_IO;
}

/* A whole answer: to the flow, or the next step of the ending. */
static void hc_done(struct lg_janus *j, struct hconn *c, unsigned status, const char *body,
                    size_t len)
{
    struct jpart *jp = c->jp;
    if (jp->end != END_NONE) {
        hc_close(j, c);
        end_next(j, jp);
        return;
    }
    if (c->is_poll)
        (void)janus_flow_events(&jp->f, status, body, len);
    else
        (void)janus_flow_posted(&jp->f, status, body, len);
    hc_close(j, c); /* failures show in the flow's next action */
    jp->dirty = true;
}

/* Reads what came; 1 at the end of the stream, 0 for more later, or < 0. */
static int hc_read(struct hconn *c)
{
    for (;;) {
        if (c->in_len == c->in_cap) {
            if (c->in_cap >= RX_MAX)
                return ERR_TOOBIG;
            size_t cap = c->in_cap ? c->in_cap * 2 : RX_FIRST;
            char *b = realloc(c->in, cap > RX_MAX ? RX_MAX : cap);
            if (!b)
                return ERR_NOMEM;
            c->in = b;
            c->in_cap = cap > RX_MAX ? RX_MAX : cap;
        }
        ssize_t r = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
        if (r > 0) {
            c->in_len += (size_t)r;
            continue;
        }
        if (r == 0)
            return 1;
        if (errno == EINTR)
            continue;
        return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : ERR_IO;
    }
}

static void hc_io(struct lg_janus *j, struct hconn *c)
{
    if (c->fd < 0)
        return;
    if (!c->connected) {
        int err = 0;
        socklen_t l = sizeof err;
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l) != 0 || err != 0) {
            hc_fail(j, c, err ? strerror(err) : "cannot connect");
            return;
        }
        c->connected = true;
    }
    while (c->out_off < c->out_len) {
        ssize_t w = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (w <= 0) {
            hc_fail(j, c, strerror(errno));
            return;
        }
        c->out_off += (size_t)w;
        if (c->out_off == c->out_len) {
            struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
            (void)epoll_ctl(j->epfd, EPOLL_CTL_MOD, c->fd, &ev);
        }
    }
    int eof = hc_read(c);
    if (eof < 0) {
        hc_fail(j, c, eof == ERR_TOOBIG ? "an answer over the size limit" : "read failed");
        return;
    }
    unsigned status = 0;
    size_t off = 0, len = 0;
    int rc = janus_http_response(c->in, c->in_len, eof == 1, &status, &off, &len);
    if (rc < 0)
        hc_fail(j, c, rc == ERR_TOOBIG ? "an answer over the size limit" : "not an HTTP answer");
    else if (rc == 1)
        hc_done(j, c, status, c->in + off, len);
}

/* ---- one participant ---- */

static int parse_sdp(struct lg_janus *j, struct lg_part *p, const char *what, const char *sdp)
{
    char err[SDP_ERR_MAX];
    if (sdp_parse(j->sdp, sdp, strlen(sdp), err) != 0) {
        lg_part_fail(p, "Janus's %s does not parse: %s", what, err);
        return ERR_PARSE;
    }
    return 0;
}

static void make_offer(struct lg_janus *j, struct jpart *jp)
{
    struct lg_part *p = jp->p;
    char sdp[LG_SDP_MAX];
    atomic_store(&p->admitted_us, lg_now_us());
    atomic_store(&p->phase, LG_PHASE_ADMITTED);
    const struct lg_sdp_video v = {.n_layers = p->video.n_layers, .ssrc = p->video.ssrc};
    int n = lg_sdp_publish_offer(sdp, sizeof sdp, &p->pub, j->run->fingerprint, p->audio.ssrc,
                                 p->index, j->run->cfg.video ? &v : NULL, j->run->cfg.feedback);
    if (n < 0)
        lg_part_fail(p, "publish offer: %s", err_str(n));
    else
        (void)janus_flow_offer(&jp->f, sdp);
}

static void on_answer(struct lg_janus *j, struct jpart *jp, const char *sdp)
{
    struct lg_part *p = jp->p;
    struct lg_remote r;
    uint8_t level, mid;
    if (parse_sdp(j, p, "publish answer", sdp) != 0)
        return;
    int rc = lg_sdp_publish_remote(j->sdp, &r, &level, &mid);
    if (rc != 0) {
        lg_part_fail(p, "Janus's publish answer: %s",
                     rc == ERR_PROTO ? "the audio m-line refused" : "no UDP IPv4 candidate");
        return;
    }
    if (j->run->cfg.video) {
        rc = lg_sdp_publish_video(j->sdp, p->video.n_layers, &p->video_ext_mid, &p->video_ext_rid);
        if (rc != 0) {
            lg_part_fail(p, "Janus's publish answer: %s",
                         rc == ERR_PROTO ? "the camera m-line refused"
                                         : "the camera's mid or rtp-stream-id extension unusable, "
                                           "or simulcast not taken");
            return;
        }
    }
    if (j->run->cfg.feedback)
        lg_sdp_publish_feedback(j->sdp, &p->pub_fb);
    atomic_store(&p->phase, LG_PHASE_ANSWERED);
    if (lg_media_peer_start(j->run->media, p, LG_PUB, &r, level, mid) != 0)
        lg_part_fail(p, "publish: the media thread's queue is full");
}

static void on_sub_offer(struct lg_janus *j, struct jpart *jp, const char *sdp)
{
    struct lg_part *p = jp->p;
    char ans[LG_SDP_MAX];
    struct lg_remote r;
    if (parse_sdp(j, p, "subscriber offer", sdp) != 0)
        return;
    int n = lg_sdp_subscribe_answer(ans, sizeof ans, j->sdp, &p->sub, j->run->fingerprint,
                                    j->run->cfg.feedback);
    if (n < 0) {
        lg_part_fail(p, "subscribe answer: %s", err_str(n));
        return;
    }
    p->sub_offers++;
    if (j->run->cfg.feedback && lg_media_sub_offer(j->run->media, p, j->sdp) != 0)
        lg_part_fail(p, "subscribe: the media thread's queue is full");
    if (janus_flow_answer(&jp->f, ans) != 0 || jp->sub_started)
        return;
    if (lg_sdp_remote(j->sdp, &r) != 0) {
        lg_part_fail(p, "Janus's subscriber offer has no UDP IPv4 candidate");
        return;
    }
    jp->sub_started = true;
    if (lg_media_peer_start(j->run->media, p, LG_SUB, &r, 0, 0) != 0)
        lg_part_fail(p, "subscribe: the media thread's queue is full");
}

/* Takes the flow's actions until it waits. */
static void drive(struct lg_janus *j, struct jpart *jp)
{
    struct lg_part *p = jp->p;
    struct janus_act a;
    jp->dirty = false;
    for (int i = 0; i < DRIVE_STEPS && !atomic_load(&p->failed); i++) {
        janus_flow_poll(&jp->f, &a);
        switch (a.what) {
        case JANUS_DO_NOTHING:
            return;
        case JANUS_UP:
            break;
        case JANUS_DO_POST:
            if (hc_start(j, &jp->post, a.path, a.body) != 0)
                hc_fail(j, &jp->post, "cannot connect");
            break;
        case JANUS_DO_LONG_POLL:
            if (atomic_load(&p->phase) < LG_PHASE_CONNECTED)
                atomic_store(&p->phase, LG_PHASE_CONNECTED);
            if (hc_start(j, &jp->poll, a.path, NULL) != 0)
                hc_fail(j, &jp->poll, "cannot connect");
            break;
        case JANUS_DO_OFFER:
            make_offer(j, jp);
            break;
        case JANUS_GOT_ANSWER:
            on_answer(j, jp, a.sdp);
            break;
        case JANUS_DO_ANSWER:
            on_sub_offer(j, jp, a.sdp);
            break;
        case JANUS_FAILED:
            lg_part_fail(p, "Janus: %s", a.reason);
            return;
        }
    }
    jp->dirty = true; /* more to do: next round */
}

/* The meeting's room exists (its first participant made it). */
static bool room_ready(const struct lg_janus *j, unsigned meeting)
{
    const struct janus_flow *f = &j->jp[meeting * j->run->cfg.parties].f;
    return f->step > JANUS_STEP_ROOM && f->step != JANUS_STEP_FAILED;
}

/* Every participant of a meeting whose publishers are all up subscribes to
 * the others' feeds. */
static void subscribe_meetings(struct lg_janus *j)
{
    unsigned k = j->run->cfg.parties;
    for (unsigned m = 0; m < j->run->cfg.meetings; m++) {
        struct jpart *jp = &j->jp[m * k];
        unsigned up = 0;
        for (unsigned i = 0; i < k; i++)
            up += !jp[i].subscribed && janus_flow_pub_up(&jp[i].f) && janus_flow_feed(&jp[i].f);
        if (up != k)
            continue;
        for (unsigned i = 0; i < k; i++) {
            uint64_t feeds[LG_MAX_PARTIES];
            size_t n = 0;
            for (unsigned o = 0; o < k; o++)
                if (o != i)
                    feeds[n++] = janus_flow_feed(&jp[o].f);
            jp[i].subscribed = true;
            jp[i].dirty = true;
            (void)janus_flow_subscribe(&jp[i].f, feeds, n);
        }
    }
}

/* ---- the end: rooms, then sessions, destroyed ---- */

static void end_next(struct lg_janus *j, struct jpart *jp)
{
    char path[64], txn[JANUS_TXN_MAX + 1];
    char *body = NULL;
    const struct janus_flow *f = &jp->f;

    snprintf(txn, sizeof txn, "end%u-%d", (unsigned)jp->p->index, (int)jp->end);
    if (jp->end == END_NONE && f->session && jp->p->slot == 0 && f->pub_handle &&
        f->step > JANUS_STEP_ROOM &&
        janus_path(path, sizeof path, f->session, f->pub_handle) == 0) {
        jp->end = END_ROOM;
        body = janus_req_room_destroy(txn, jp->p->meeting + 1u);
    } else if ((jp->end == END_NONE || jp->end == END_ROOM) && f->session &&
               janus_path(path, sizeof path, f->session, 0) == 0) {
        jp->end = END_SESSION;
        body = janus_req_destroy(txn);
    } else {
        jp->end = END_DONE;
        return;
    }
    if (!body || hc_start(j, &jp->post, path, body) != 0) {
        hc_close(j, &jp->post);
        jp->end = END_DONE;
    }
    free(body);
}

static void end_all(struct lg_janus *j)
{
    struct epoll_event ev[MAX_EVENTS];
    for (unsigned i = 0; i < j->run->n_parts; i++) {
        hc_close(j, &j->jp[i].post);
        hc_close(j, &j->jp[i].poll);
        end_next(j, &j->jp[i]);
    }
    int64_t until = lg_now_us() + END_WAIT_US;
    while (lg_now_us() < until) {
        unsigned open = 0;
        for (unsigned i = 0; i < j->run->n_parts; i++)
            open += j->jp[i].end != END_DONE;
        if (open == 0)
            return;
        int n = epoll_wait(j->epfd, ev, MAX_EVENTS, WAIT_MS);
        for (int i = 0; i < n; i++)
            if (ev[i].data.ptr)
                hc_io(j, ev[i].data.ptr);
    }
}

static void *thread_main(void *arg)
{
    struct lg_janus *j = arg;
    struct lg_run *run = j->run;
    struct epoll_event ev[MAX_EVENTS];

    while (!atomic_load(&run->stop)) {
        subscribe_meetings(j);
        for (unsigned i = 0; i < run->n_parts; i++) {
            struct jpart *jp = &j->jp[i];
            if (jp->dirty && !atomic_load(&jp->p->failed) &&
                (jp->p->slot == 0 || room_ready(j, jp->p->meeting)))
                drive(j, jp);
        }
        int n = epoll_wait(j->epfd, ev, MAX_EVENTS, WAIT_MS);
        for (int i = 0; i < n; i++) {
            if (ev[i].data.ptr) {
                hc_io(j, ev[i].data.ptr);
            } else {
                uint64_t v;
                (void)!read(j->evfd, &v, sizeof v);
            }
        }
    }
    end_all(j);
    return NULL;
}

static void free_all(struct lg_janus *j)
{
    for (unsigned i = 0; j->jp && i < j->run->n_parts; i++) {
        struct jpart *jp = &j->jp[i];
        hc_close(j, &jp->post);
        hc_close(j, &jp->poll);
        free(jp->post.in);
        free(jp->poll.in);
        janus_flow_free(&jp->f);
    }
    if (j->epfd >= 0)
        close(j->epfd);
    if (j->evfd >= 0)
        close(j->evfd);
    free(j->jp);
    free(j->sdp);
    free(j);
}

int lg_janus_start(struct lg_janus **out, struct lg_run *run)
{
    struct lg_janus *j = calloc(1, sizeof *j);
    if (!j)
        return ERR_NOMEM;
    j->run = run;
    j->epfd = j->evfd = -1;
    j->addr.sin_family = AF_INET;
    j->addr.sin_port = htons((uint16_t)run->cfg.janus_port);
    if (inet_pton(AF_INET, run->cfg.janus_host, &j->addr.sin_addr) != 1) {
        free(j);
        return ERR_INVAL;
    }
    snprintf(j->host, sizeof j->host, "%s:%d", run->cfg.janus_host, run->cfg.janus_port);
    j->sdp = malloc(sizeof *j->sdp);
    j->jp = calloc(run->n_parts, sizeof *j->jp);
    j->epfd = epoll_create1(EPOLL_CLOEXEC);
    j->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    if (!j->sdp || !j->jp || j->epfd < 0 || j->evfd < 0 ||
        epoll_ctl(j->epfd, EPOLL_CTL_ADD, j->evfd, &ev) != 0) {
        int rc = !j->sdp || !j->jp ? ERR_NOMEM : ERR_IO;
        free_all(j);
        return rc;
    }
    /* Room ids of this run's own: runs against one Janus may overlap (the
     * capacity benchmark's churn), and an id taken fails the create. The
     * base stays below 2^40 so ids are exact in any JSON reader. */
    uint64_t base = 0;
    if (getrandom(&base, sizeof base, 0) != (ssize_t)sizeof base)
        base = (uint64_t)getpid() * 1000003u ^ (uint64_t)lg_now_us();
    base = (base & ((UINT64_C(1) << 40) - 1)) & ~(uint64_t)0xffff;
    for (unsigned i = 0; i < run->n_parts; i++) {
        struct jpart *jp = &j->jp[i];
        struct lg_part *p = &run->parts[i];
        struct janus_flow_cfg fc = {.room = base + p->meeting + 1u,
                                    .creates_room = p->slot == 0,
                                    .room_size = run->cfg.parties,
                                    .participant = p->index};
        snprintf(fc.display, sizeof fc.display, "%s", p->name);
        jp->p = p;
        jp->post.jp = jp->poll.jp = jp;
        jp->post.fd = jp->poll.fd = -1;
        jp->poll.is_poll = true;
        jp->dirty = true;
        janus_flow_init(&jp->f, &fc);
    }
    if (pthread_create(&j->tid, NULL, thread_main, j) != 0) {
        free_all(j);
        return ERR_IO;
    }
    j->started = true;
    *out = j;
    return 0;
}

void lg_janus_stop(struct lg_janus *j)
{
    if (!j)
        return;
    atomic_store(&j->run->stop, true);
    if (j->started) {
        uint64_t one = 1;
        (void)!write(j->evfd, &one, sizeof one);
        pthread_join(j->tid, NULL);
    }
    free_all(j);
}
