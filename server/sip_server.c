/* SIP over UDP and TCP for the phone bridge, on the signaling thread's
 * libwebsockets loop: our own sockets, adopted as raw descriptors, so the
 * loop wakes when they are readable; messages go to signaling/phone.c. A
 * timer follows the bridge's next deadline. TCP connections are capped in
 * number, per address and in buffered output, and closed when idle. */
#define LOG_MODULE "sip"
#include "base/addr_group.h"
#include "base/err.h"
#include "base/log.h"
#include "server/app.h"
#include "signaling/phone.h"
#include "server/sip_tls.h"
#include "signaling/sip_stream.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libwebsockets.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SIP_TCP_CONNS_MAX 64
#define SIP_TCP_PER_ADDR_MAX 8
#define SIP_TCP_OUT_MAX (64 * 1024)
#define SIP_TCP_IDLE_US (300 * 1000000LL) /* RFC 5626 keep-alives come far more often */
#define SIP_UDP_READS 64                  /* datagrams per wakeup before serving others */
#define SIP_UDP_BUF 65536                 /* larger than any datagram: we see truncation */
#define SIP_TLS_HANDSHAKE_US (10 * 1000000LL)

struct sip_tcp {
    struct sip_tcp *next;
    struct lws *wsi;
    int fd;
    uint64_t id;
    struct sockaddr_storage peer;
    socklen_t peer_len;
    int64_t last_us;
    struct sip_stream in;
    uint8_t *out;
    size_t out_len;
    bool closing;
    struct sip_tls *tls; /* SIP over TLS; NULL on plain TCP */
    int64_t opened_us;
};

struct sip_server {
    struct app *app;
    int udp_fd, tcp_fd, tls_fd;
    struct lws *udp_wsi, *tcp_wsi, *tls_wsi;
    struct sip_tls_ctx *tls_ctx;
    struct lws_vhost *vh;
    struct sip_tcp *conns;
    unsigned n_conns;
    uint64_t next_conn;
    lws_sorted_usec_list_t sul;
    uint8_t buf[SIP_UDP_BUF];
};

static struct sip_server *server; /* the one bridge of this process (signaling thread) */

static int sip_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                        size_t len);

/* The bridge's descriptors live on a vhost of their own, so the HTTPS
 * protocol (connection accounting, logins) never sees them. */
static const struct lws_protocols sip_protocols[] = {
    {"samtale-sip", sip_callback, 0, 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static int bind_socket(int type, const char *addr, uint16_t port)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t len;
    int family;
    if (inet_pton(AF_INET, addr, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
        family = AF_INET;
        ((struct sockaddr_in *)&ss)->sin_port = htons(port);
        len = sizeof(struct sockaddr_in);
    } else {
        memset(&ss, 0, sizeof ss);
        if (inet_pton(AF_INET6, addr, &((struct sockaddr_in6 *)&ss)->sin6_addr) != 1)
            return -1;
        family = AF_INET6;
        ((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
        len = sizeof(struct sockaddr_in6);
    }
    ss.ss_family = (sa_family_t)family;
    int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&ss, len) < 0 || (type == SOCK_STREAM && listen(fd, 64) < 0)) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static struct lws *adopt(struct sip_server *s, int fd, void *opaque)
{
    struct lws_vhost *vh = s->vh;
    lws_sock_file_fd_type d;
    d.filefd = fd;
    struct lws *wsi =
        vh ? lws_adopt_descriptor_vhost(vh, LWS_ADOPT_RAW_FILE_DESC, d, "samtale-sip", NULL) : NULL;
    if (wsi)
        lws_set_opaque_user_data(wsi, opaque);
    return wsi;
}

/* ---- the bridge's timer ---- */

static void on_timer(lws_sorted_usec_list_t *sul);

static void rearm(struct sip_server *s)
{
    int64_t d = phone_next_deadline(&s->app->sig);
    int64_t now = now_mono_us();
    /* At least once a second for idle TCP connections. */
    int64_t wait = d == INT64_MAX ? LWS_US_PER_SEC : d - now;
    if (wait > LWS_US_PER_SEC)
        wait = LWS_US_PER_SEC;
    if (wait < 1000)
        wait = 1000;
    lws_sul_schedule(s->app->lws, 0, &s->sul, on_timer, wait);
}

static void tcp_close(struct sip_server *s, struct sip_tcp *c);

static void on_timer(lws_sorted_usec_list_t *sul)
{
    struct sip_server *s = lws_container_of(sul, struct sip_server, sul);
    int64_t now = now_mono_us();
    phone_timeout(&s->app->sig, now);
    for (struct sip_tcp *c = s->conns; c; c = c->next)
        if (!c->closing &&
            (now - c->last_us > SIP_TCP_IDLE_US ||
             (c->tls && !sip_tls_ready(c->tls) && now - c->opened_us > SIP_TLS_HANDSHAKE_US)))
            tcp_close(s, c);
    if (!s->app->sig.stopping)
        rearm(s);
}

/* ---- UDP ---- */

static void udp_readable(struct sip_server *s)
{
    for (int i = 0; i < SIP_UDP_READS; i++) {
        struct sockaddr_storage from;
        socklen_t fromlen = sizeof from;
        ssize_t n = recvfrom(s->udp_fd, s->buf, sizeof s->buf, MSG_TRUNC, (struct sockaddr *)&from,
                             &fromlen);
        if (n < 0)
            break;
        if ((size_t)n > sizeof s->buf)
            continue; /* truncated: no SIP message is this long */
        phone_sip_input(&s->app->sig, now_mono_us(), s->buf, (size_t)n, (struct sockaddr *)&from,
                        fromlen, SIP_TP_UDP, 0);
    }
    rearm(s);
}

/* ---- TCP ---- */

static struct sip_tcp *tcp_find(struct sip_server *s, uint64_t id)
{
    for (struct sip_tcp *c = s->conns; c; c = c->next)
        if (c->id == id && !c->closing)
            return c;
    return NULL;
}

static void tcp_close(struct sip_server *s, struct sip_tcp *c)
{
    (void)s;
    if (c->closing)
        return;
    c->closing = true;
    /* lws closes the descriptor and reports LWS_CALLBACK_RAW_CLOSE_FILE. */
    lws_set_timeout(c->wsi, PENDING_TIMEOUT_KILLED_BY_PARENT, LWS_TO_KILL_ASYNC);
}

static void tcp_free(struct sip_server *s, struct sip_tcp *c)
{
    for (struct sip_tcp **pp = &s->conns; *pp; pp = &(*pp)->next) {
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    }
    s->n_conns--;
    /* lws may still report the descriptor's end: nothing of ours may be
     * found through it then. */
    if (c->wsi)
        lws_set_opaque_user_data(c->wsi, NULL);
    sip_tls_free(c->tls);
    free(c->out);
    free(c);
}

static unsigned conns_from(const struct sip_server *s, const struct sockaddr_storage *peer,
                           socklen_t len)
{
    uint8_t key[ADDR_GROUP_LEN], other[ADDR_GROUP_LEN];
    unsigned n = 0;
    if (addr_group((const struct sockaddr *)peer, len, key) < 0)
        return UINT32_MAX;
    for (const struct sip_tcp *c = s->conns; c; c = c->next)
        n += addr_group((const struct sockaddr *)&c->peer, c->peer_len, other) == 0 &&
             memcmp(key, other, sizeof key) == 0;
    return n;
}

static void tcp_accept(struct sip_server *s, bool tls)
{
    for (int i = 0; i < SIP_UDP_READS; i++) {
        struct sockaddr_storage peer;
        socklen_t len = sizeof peer;
        int fd = accept4(tls ? s->tls_fd : s->tcp_fd, (struct sockaddr *)&peer, &len,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        struct sip_tcp *c = NULL;
        if (s->n_conns >= SIP_TCP_CONNS_MAX || conns_from(s, &peer, len) >= SIP_TCP_PER_ADDR_MAX ||
            !(c = calloc(1, sizeof *c))) {
            close(fd);
            continue;
        }
        c->fd = fd;
        c->id = ++s->next_conn;
        c->peer = peer;
        c->peer_len = len;
        c->last_us = c->opened_us = now_mono_us();
        if (tls && !(c->tls = sip_tls_new(s->tls_ctx))) {
            close(fd);
            free(c);
            continue;
        }
        sip_stream_init(&c->in);
        c->next = s->conns;
        s->conns = c;
        s->n_conns++;
        c->wsi = adopt(s, fd, c);
        if (!c->wsi) {
            close(fd);
            tcp_free(s, c);
        }
    }
}

/* Plaintext from a connection: whole SIP messages go to the bridge. */
static bool tcp_feed(struct sip_server *s, struct sip_tcp *c, const uint8_t *buf, size_t n)
{
    size_t off = 0;
    uint64_t id = c->id;
    while (!c->closing && off < n) {
        size_t used = 0;
        if (sip_stream_feed(&c->in, buf + off, n - off, &used) < 0) {
            tcp_close(s, c);
            return false;
        }
        off += used;
        const uint8_t *msg;
        size_t len;
        int rc;
        while ((rc = sip_stream_next(&c->in, &msg, &len)) == 1) {
            phone_sip_input(&s->app->sig, now_mono_us(), msg, len, (struct sockaddr *)&c->peer,
                            c->peer_len, c->tls ? SIP_TP_TLS : SIP_TP_TCP, id);
            if (!tcp_find(s, id))
                return false; /* closed while handling */
        }
        if (rc < 0) {
            tcp_close(s, c);
            return false;
        }
        if (used == 0)
            break;
    }
    return !c->closing;
}

/* Queues bytes for the socket; a peer that does not read is dropped. */
static bool queue_out(struct sip_server *s, struct sip_tcp *c, const uint8_t *buf, size_t len)
{
    if (c->out_len + len > SIP_TCP_OUT_MAX) {
        tcp_close(s, c);
        return false;
    }
    if (!c->out && !(c->out = malloc(SIP_TCP_OUT_MAX)))
        return false;
    memcpy(c->out + c->out_len, buf, len);
    c->out_len += len;
    lws_callback_on_writable(c->wsi);
    return true;
}

/* What TLS has for the socket (handshake, records). */
static void tls_flush(struct sip_server *s, struct sip_tcp *c)
{
    uint8_t buf[4096];
    size_t n;
    while (!c->closing && (n = sip_tls_take(c->tls, buf, sizeof buf)) > 0)
        if (!queue_out(s, c, buf, n))
            return;
}

static void tcp_readable(struct sip_server *s, struct sip_tcp *c)
{
    uint8_t buf[4096], plain[4096];
    ssize_t n = read(c->fd, buf, sizeof buf);
    if (n <= 0) {
        if (n == 0 || (errno != EAGAIN && errno != EINTR))
            tcp_close(s, c);
        return;
    }
    c->last_us = now_mono_us();
    if (!c->tls) {
        tcp_feed(s, c, buf, (size_t)n);
        rearm(s);
        return;
    }
    size_t in = (size_t)n, got;
    uint64_t id = c->id;
    do {
        if (sip_tls_input(c->tls, buf, in, plain, sizeof plain, &got) < 0) {
            tls_flush(s, c); /* the alert */
            tcp_close(s, c);
            return;
        }
        in = 0;
        if (got && !tcp_feed(s, c, plain, got))
            return;
    } while (got == sizeof plain && tcp_find(s, id));
    tls_flush(s, c);
    rearm(s);
}

static void tcp_writeable(struct sip_server *s, struct sip_tcp *c)
{
    if (!c->out_len)
        return;
    ssize_t n = write(c->fd, c->out, c->out_len);
    if (n < 0) {
        if (errno != EAGAIN && errno != EINTR)
            tcp_close(s, c);
        else
            lws_callback_on_writable(c->wsi);
        return;
    }
    memmove(c->out, c->out + n, c->out_len - (size_t)n);
    c->out_len -= (size_t)n;
    if (c->out_len)
        lws_callback_on_writable(c->wsi);
}

int sip_server_send(void *app, int tp, uint64_t conn, const struct sockaddr *to, socklen_t tolen,
                    const uint8_t *buf, size_t len)
{
    struct sip_server *s = server;
    if (!s || s->app != app)
        return ERR_INVAL;
    if (tp == SIP_TP_UDP) {
        if (sendto(s->udp_fd, buf, len, 0, to, tolen) < 0) {
            LOG_D("sendto: %s", strerror(errno));
            return ERR_IO;
        }
        return 0;
    }
    struct sip_tcp *c = tcp_find(s, conn);
    if (!c)
        return ERR_NOTFOUND; /* the connection is gone; transactions time out */
    if (c->tls) {
        int rc = sip_tls_write(c->tls, buf, len);
        tls_flush(s, c);
        return rc;
    }
    return queue_out(s, c, buf, len) ? 0 : ERR_FULL;
}

static int sip_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                        size_t len)
{
    (void)user;
    (void)in;
    (void)len;
    struct sip_server *s = server;
    void *op = lws_get_opaque_user_data(wsi);
    if (!s || !op)
        return 0;
    switch (reason) {
    case LWS_CALLBACK_RAW_RX_FILE:
        if (op == &s->udp_fd)
            udp_readable(s);
        else if (op == &s->tcp_fd || op == &s->tls_fd)
            tcp_accept(s, op == &s->tls_fd);
        else
            tcp_readable(s, op);
        break;
    case LWS_CALLBACK_RAW_WRITEABLE_FILE:
        if (op != &s->udp_fd && op != &s->tcp_fd && op != &s->tls_fd)
            tcp_writeable(s, op);
        break;
    case LWS_CALLBACK_RAW_CLOSE_FILE:
        if (op == &s->udp_fd)
            s->udp_wsi = NULL;
        else if (op == &s->tcp_fd)
            s->tcp_wsi = NULL;
        else if (op == &s->tls_fd)
            s->tls_wsi = NULL;
        else
            tcp_free(s, op);
        lws_set_opaque_user_data(wsi, NULL);
        break;
    default:
        break;
    }
    return 0;
}

int sip_server_start(struct app *app)
{
    const struct sip_config *sc = &app->cfg.sig.sip;
    if (!sip_enabled(sc))
        return 0;
    struct sip_server *s = calloc(1, sizeof *s);
    if (!s)
        return ERR_NOMEM;
    s->app = app;
    s->tls_fd = -1;
    s->udp_fd = bind_socket(SOCK_DGRAM, sc->listen_addr, sc->listen_port);
    s->tcp_fd = s->udp_fd < 0 ? -1 : bind_socket(SOCK_STREAM, sc->listen_addr, sc->listen_port);
    if (s->udp_fd < 0 || s->tcp_fd < 0) {
        LOG_E("SIP cannot listen on %s port %u: %s", sc->listen_addr, sc->listen_port,
              strerror(errno));
        if (s->udp_fd >= 0)
            close(s->udp_fd);
        free(s);
        return ERR_IO;
    }
    server = s;
    struct lws_context_creation_info vi;
    memset(&vi, 0, sizeof vi);
    vi.port = CONTEXT_PORT_NO_LISTEN;
    vi.protocols = sip_protocols;
    vi.vhost_name = "samtale-sip";
    s->vh = lws_create_vhost(app->lws, &vi);
    s->udp_wsi = adopt(s, s->udp_fd, &s->udp_fd);
    s->tcp_wsi = adopt(s, s->tcp_fd, &s->tcp_fd);
    int rc = s->udp_wsi && s->tcp_wsi ? 0 : ERR_IO;
    if (rc == 0 && sc->tls_addr[0]) {
        rc = sip_tls_ctx_create(&s->tls_ctx, sc->tls_cert[0] ? sc->tls_cert : app->cfg.tls_cert,
                                sc->tls_key[0] ? sc->tls_key : app->cfg.tls_key);
        if (rc == 0 && (s->tls_fd = bind_socket(SOCK_STREAM, sc->tls_addr, sc->tls_port)) < 0) {
            LOG_E("SIP over TLS cannot listen on %s port %u: %s", sc->tls_addr, sc->tls_port,
                  strerror(errno));
            rc = ERR_IO;
        }
        if (rc == 0 && !(s->tls_wsi = adopt(s, s->tls_fd, &s->tls_fd)))
            rc = ERR_IO;
    }
    if (rc == 0) {
        app->sig.sip_send = sip_server_send;
        rc = phone_bridge_start(&app->sig);
    }
    if (rc < 0) {
        LOG_E("the phone bridge cannot start: %s", err_str(rc));
        sip_server_stop(app);
        return rc;
    }
    rearm(s);
    LOG_I("SIP on %s port %u (UDP, TCP)", sc->listen_addr, sc->listen_port);
    if (s->tls_wsi)
        LOG_I("SIP over TLS on %s port %u", sc->tls_addr, sc->tls_port);
    return 0;
}

void sip_server_stop(struct app *app)
{
    struct sip_server *s = server;
    if (!s || s->app != app)
        return;
    phone_bridge_stop(&app->sig); /* its BYEs still go out */
    lws_sul_cancel(&s->sul);
    /* lws closes the descriptors it adopted, when the loop goes. */
    while (s->conns) {
        struct sip_tcp *c = s->conns;
        lws_set_opaque_user_data(c->wsi, NULL);
        tcp_free(s, c);
    }
    if (s->udp_wsi)
        lws_set_opaque_user_data(s->udp_wsi, NULL);
    else
        close(s->udp_fd);
    if (s->tcp_wsi)
        lws_set_opaque_user_data(s->tcp_wsi, NULL);
    else
        close(s->tcp_fd);
    if (s->tls_wsi)
        lws_set_opaque_user_data(s->tls_wsi, NULL);
    else if (s->tls_fd >= 0)
        close(s->tls_fd);
    sip_tls_ctx_free(s->tls_ctx);
    server = NULL;
    free(s);
}
