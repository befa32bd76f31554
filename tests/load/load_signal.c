/* The generator's signaling thread (load_signal.h). */
#include "tests/load/load_signal.h"

#include <jansson.h>
#include <libwebsockets.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "tests/load/load_media.h"
#include "tests/load/load_sdp.h"

#define HTTP_BODY_MAX (256 * 1024) /* answers we read */
#define WS_MSG_MAX (256 * 1024)    /* one WebSocket message */
#define WS_TXQ 16                  /* messages waiting to be written */
#define COOKIE_MAX 128
#define JOIN_INFO_PARALLEL 8 /* links opened at once */
#define END_WAIT_US 2000000  /* for the meetings to end at the stop */

enum req { REQ_LOGIN, REQ_MEETING, REQ_JOIN_INFO };

struct conn {
    bool ws;
    struct lg_signal *s;
    /* HTTP */
    enum req req;
    unsigned idx;
    char *body;
    size_t body_len;
    char *resp;
    size_t resp_len;
    int status;
    bool done;
    /* WebSocket */
    struct lg_part *part;
    char *rx;
    size_t rx_len;
    char *txq[WS_TXQ];
    size_t tx_head, tx_n;
    bool closing;
};

struct lg_signal {
    struct lg_run *run;
    struct lws_context *ctx;
    pthread_t tid;
    bool started;
    _Atomic bool done; /* the thread is about to return */
    char cookie[COOKIE_MAX];
    unsigned next_meeting, next_info, infos_out, infos_done;
    bool joining;
    struct sdp_session *sdp; /* scratch for parsing (large) */
    int64_t admitted_ids[LG_MAX_MEETINGS][LG_MAX_PARTIES];
};

static const char *const ROLES[] = {"citizen", "akasse", "employer", "interpreter", "advocate"};

static void run_fail(struct lg_signal *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void run_fail(struct lg_signal *s, const char *fmt, ...)
{
    if (atomic_load(&s->run->signal_failed))
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->run->signal_reason, sizeof s->run->signal_reason, fmt, ap);
    va_end(ap);
    atomic_store(&s->run->signal_failed, true);
}

static void conn_free(struct conn *c)
{
    if (!c)
        return;
    free(c->body);
    free(c->resp);
    free(c->rx);
    for (size_t i = 0; i < c->tx_n; i++)
        free(c->txq[(c->tx_head + i) % WS_TXQ]);
    free(c);
}

static struct lws *connect_to(struct lg_signal *s, struct conn *c, const char *path,
                              const char *method)
{
    struct lws_client_connect_info i;
    memset(&i, 0, sizeof i);
    i.context = s->ctx;
    i.address = s->run->cfg.url_host;
    i.port = s->run->cfg.port;
    i.path = path;
    i.host = s->run->cfg.url_host;
    i.method = method; /* NULL: a WebSocket */
    i.alpn = "http/1.1";
    i.ssl_connection = LCCSCF_USE_SSL | LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK;
    if (s->run->cfg.insecure)
        i.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED | LCCSCF_ALLOW_INSECURE;
    i.local_protocol_name = "lg";
    i.userdata = c;
    struct lws *wsi = NULL;
    i.pwsi = &wsi;
    if (!lws_client_connect_via_info(&i))
        return NULL;
    return wsi;
}

/* Starts one REST request; takes ownership of body (JSON text). */
static int http_request(struct lg_signal *s, enum req req, unsigned idx, const char *path,
                        char *body)
{
    struct conn *c = calloc(1, sizeof *c);
    if (!c || !body) {
        free(c);
        free(body);
        return ERR_NOMEM;
    }
    c->s = s;
    c->req = req;
    c->idx = idx;
    c->body = body;
    c->body_len = strlen(body);
    if (!connect_to(s, c, path, "POST")) {
        /* lws calls back with CONNECTION_ERROR and frees nothing of ours
         * only when the connection could not be made at all. */
        return ERR_IO;
    }
    return 0;
}

static void ws_send(struct conn *c, json_t *msg)
{
    char *text = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
    json_decref(msg);
    if (!text) {
        lg_part_fail(c->part, "signaling: out of memory for a message");
        return;
    }
    if (c->tx_n == WS_TXQ) {
        free(text);
        lg_part_fail(c->part, "signaling: too many messages waiting to be sent");
        return;
    }
    c->txq[(c->tx_head + c->tx_n) % WS_TXQ] = text;
    c->tx_n++;
    struct lg_part *p = c->part;
    if (p->ws)
        lws_callback_on_writable(p->ws);
}

static void open_ws(struct lg_signal *s, struct lg_part *p)
{
    struct conn *c = calloc(1, sizeof *c);
    if (!c) {
        lg_part_fail(p, "signaling: out of memory");
        return;
    }
    c->ws = true;
    c->s = s;
    c->part = p;
    p->ws = connect_to(s, c, "/ws", NULL);
    if (!p->ws)
        lg_part_fail(p, "signaling: could not start the WebSocket connection");
}

static void next_step(struct lg_signal *s)
{
    struct lg_run *run = s->run;
    if (s->next_meeting < run->cfg.meetings) {
        json_t *roles = json_array();
        for (unsigned k = 1; k < run->cfg.parties; k++)
            json_array_append_new(roles, json_string(ROLES[(k - 1) % 5]));
        char title[64];
        snprintf(title, sizeof title, "Load %u", s->next_meeting + 1);
        json_t *b =
            json_pack("{s:s, s:o, s:i}", "title", title, "roles", roles, "duration_minutes", 60);
        char *body = b ? json_dumps(b, JSON_COMPACT) : NULL;
        json_decref(b);
        unsigned m = s->next_meeting++;
        if (http_request(s, REQ_MEETING, m, "/api/meetings", body) != 0)
            run_fail(s, "could not send the request for meeting %u", m + 1);
        return;
    }
    /* Every link opened, JOIN_INFO_PARALLEL at a time; then everyone joins. */
    while (s->next_info < run->n_parts && s->infos_out < JOIN_INFO_PARALLEL) {
        unsigned i = s->next_info++;
        json_t *b = json_pack("{s:s}", "token", run->parts[i].token);
        char *body = b ? json_dumps(b, JSON_COMPACT) : NULL;
        json_decref(b);
        s->infos_out++;
        if (http_request(s, REQ_JOIN_INFO, i, "/api/join-info", body) != 0)
            lg_part_fail(&run->parts[i], "could not open its link (join-info)");
    }
    if (s->infos_done < run->n_parts || s->joining)
        return;
    s->joining = true;
    for (unsigned i = 0; i < run->n_parts; i++)
        open_ws(s, &run->parts[i]);
}

/* A string member, or "" (for messages; never NULL). */
static const char *jstr(json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "";
}

static const char *token_at(json_t *o)
{
    return json_string_value(json_object_get(o, "token"));
}

static void http_done(struct lg_signal *s, struct conn *c)
{
    struct lg_run *run = s->run;
    json_t *j = c->resp ? json_loadb(c->resp, c->resp_len, 0, NULL) : NULL;
    switch (c->req) {
    case REQ_LOGIN:
        if (c->status != 200 || s->cookie[0] == '\0') {
            run_fail(s, "login as %s: HTTP %d %.*s", run->cfg.user, c->status,
                     (int)(c->resp_len > 120 ? 120 : c->resp_len), c->resp ? c->resp : "");
            break;
        }
        next_step(s);
        break;
    case REQ_MEETING: {
        const char *host = token_at(json_object_get(j, "host_link"));
        json_t *links = json_object_get(j, "links");
        if (c->status != 201 || !host || json_array_size(links) + 1 < run->cfg.parties) {
            run_fail(s, "creating meeting %u: HTTP %d %.*s", c->idx + 1, c->status,
                     (int)(c->resp_len > 120 ? 120 : c->resp_len), c->resp ? c->resp : "");
            break;
        }
        for (unsigned k = 0; k < run->cfg.parties; k++) {
            struct lg_part *p = &run->parts[c->idx * run->cfg.parties + k];
            const char *t = k == 0 ? host : token_at(json_array_get(links, k - 1));
            if (!t || strlen(t) > LG_TOKEN_MAX) {
                run_fail(s, "meeting %u: no usable link for party %u", c->idx + 1, k);
                break;
            }
            snprintf(p->token, sizeof p->token, "%s", t);
        }
        next_step(s);
        break;
    }
    case REQ_JOIN_INFO:
        s->infos_out--;
        s->infos_done++;
        if (c->status != 200)
            lg_part_fail(&run->parts[c->idx], "opening its link (join-info): HTTP %d", c->status);
        next_step(s);
        break;
    }
    json_decref(j);
}

/* ---- WebSocket messages of one participant ---- */

static void on_admitted(struct lg_signal *s, struct conn *c)
{
    struct lg_part *p = c->part;
    char sdp[LG_SDP_MAX];
    if (p->admitted)
        return;
    p->admitted = true;
    atomic_store(&p->admitted_us, lg_now_us());
    atomic_store(&p->phase, LG_PHASE_ADMITTED);
    const struct lg_cfg *cfg = &s->run->cfg;
    const struct lg_sdp_video v = {
        .n_layers = p->video.n_layers, .ssrc = p->video.ssrc, .rtx_ssrc = p->video.rtx_ssrc};
    int n = lg_sdp_publish_offer(sdp, sizeof sdp, &p->pub, s->run->fingerprint, p->audio.ssrc,
                                 p->index, cfg->video ? &v : NULL, cfg->feedback);
    if (n < 0) {
        lg_part_fail(p, "publish offer: %s", err_str(n));
        return;
    }
    json_t *tracks = json_pack("[{s:s, s:s}]", "mid", "0", "source", "mic");
    if (tracks && cfg->video)
        json_array_append_new(tracks, json_pack("{s:s, s:s, s:i, s:i}", "mid", LG_VIDEO_MID,
                                                "source", "camera", "width", (int)cfg->vcfg.width,
                                                "height", (int)cfg->vcfg.height));
    ws_send(c, json_pack("{s:s, s:i, s:s, s:o}", "type", "publish", "seq", 1, "sdp", sdp, "tracks",
                         tracks));
    ws_send(c, json_pack("{s:s}", "type", "subscribe"));
    ws_send(c, json_pack("{s:s, s:b, s:b}", "type", "media_state", "mic", 1, "camera", cfg->video));
}

/* The host lets everyone in the lobby in, once each. */
static void on_roster(struct lg_signal *s, struct conn *c, json_t *m)
{
    struct lg_part *p = c->part;
    int64_t *done = s->admitted_ids[p->meeting];
    size_t i;
    json_t *e;
    if (p->slot != 0)
        return;
    json_array_foreach(json_object_get(m, "participants"), i, e)
    {
        const char *state = json_string_value(json_object_get(e, "state"));
        json_int_t id = json_integer_value(json_object_get(e, "id"));
        if (!state || strcmp(state, "lobby") != 0 || id <= 0)
            continue;
        size_t k;
        for (k = 0; k < LG_MAX_PARTIES && done[k] != 0 && done[k] != id; k++)
            ;
        if (k == LG_MAX_PARTIES || done[k] == id)
            continue;
        done[k] = id;
        ws_send(c, json_pack("{s:s, s:I}", "type", "admit", "participant_id", id));
    }
}

static int parse_sdp(struct lg_signal *s, struct lg_part *p, const char *what, json_t *m)
{
    const char *sdp = json_string_value(json_object_get(m, "sdp"));
    char err[SDP_ERR_MAX];
    if (!sdp) {
        lg_part_fail(p, "%s without sdp", what);
        return ERR_PARSE;
    }
    if (sdp_parse(s->sdp, sdp, strlen(sdp), err) != 0) {
        lg_part_fail(p, "%s: the server's SDP does not parse: %s", what, err);
        return ERR_PARSE;
    }
    return 0;
}

/* The camera's m-line of the publish answer: accepted, and the ids of the
 * extensions its packets carry (the rid one is needed for simulcast). */
static int pub_video_exts(struct lg_part *p, const struct sdp_session *answer)
{
    int rc = lg_sdp_publish_video(answer, p->video.n_layers, &p->video_ext_mid, &p->video_ext_rid);
    if (rc == ERR_PROTO)
        lg_part_fail(p, "publish_answer: the server refused the camera m-line");
    else if (rc != 0)
        lg_part_fail(p, "publish_answer: the camera's mid or rtp-stream-id extension unusable, "
                        "or simulcast not taken");
    return rc;
}

static void on_publish_answer(struct lg_signal *s, struct conn *c, json_t *m)
{
    struct lg_part *p = c->part;
    struct lg_remote r;
    uint8_t level, mid;
    if (p->pub_started || parse_sdp(s, p, "publish_answer", m) != 0)
        return;
    int rc = lg_sdp_publish_remote(s->sdp, &r, &level, &mid);
    if (rc != 0) {
        lg_part_fail(p, "publish_answer: %s",
                     rc == ERR_PROTO ? "the server refused the audio m-line"
                                     : "no UDP IPv4 candidate of the server");
        return;
    }
    if (s->run->cfg.video && pub_video_exts(p, s->sdp) != 0)
        return;
    if (s->run->cfg.feedback)
        lg_sdp_publish_feedback(s->sdp, &p->pub_fb);
    p->pub_started = true;
    atomic_store(&p->phase, LG_PHASE_ANSWERED);
    if (lg_media_peer_start(s->run->media, p, LG_PUB, &r, level, mid) != 0)
        lg_part_fail(p, "publish: the media thread's queue is full");
}

static void on_subscribe_offer(struct lg_signal *s, struct conn *c, json_t *m)
{
    struct lg_part *p = c->part;
    char sdp[LG_SDP_MAX];
    struct lg_remote r;
    if (parse_sdp(s, p, "subscribe_offer", m) != 0)
        return;
    int n = lg_sdp_subscribe_answer(sdp, sizeof sdp, s->sdp, &p->sub, s->run->fingerprint,
                                    s->run->cfg.feedback);
    if (n < 0) {
        lg_part_fail(p, "subscribe answer: %s", err_str(n));
        return;
    }
    p->sub_offers++;
    json_t *ans = json_pack("{s:s, s:s}", "type", "subscribe_answer", "sdp", sdp);
    json_t *version = json_object_get(m, "version");
    if (ans && json_is_integer(version))
        json_object_set(ans, "version", version);
    ws_send(c, ans);
    if (s->run->cfg.feedback && lg_media_sub_offer(s->run->media, p, s->sdp) != 0) {
        lg_part_fail(p, "subscribe: the media thread's queue is full");
        return;
    }
    if (p->sub_started)
        return;
    if (lg_sdp_remote(s->sdp, &r) != 0)
        return; /* no m-line yet: candidates come with the first track */
    p->sub_started = true;
    if (lg_media_peer_start(s->run->media, p, LG_SUB, &r, 0, 0) != 0)
        lg_part_fail(p, "subscribe: the media thread's queue is full");
}

static void on_message(struct lg_signal *s, struct conn *c, const char *text, size_t len)
{
    struct lg_part *p = c->part;
    if (atomic_load(&s->run->stop))
        return; /* the run is over: meetings end, nothing fails any more */
    json_t *m = json_loadb(text, len, 0, NULL);
    const char *type = json_string_value(json_object_get(m, "type"));
    if (!type) {
        lg_part_fail(p, "signaling: a message that is not a JSON object with a type");
    } else if (strcmp(type, "joined") == 0) {
        p->server_id =
            (int64_t)json_integer_value(json_object_get(json_object_get(m, "you"), "id"));
        atomic_store(&p->phase, LG_PHASE_LOBBY);
    } else if (strcmp(type, "admitted") == 0) {
        on_admitted(s, c);
    } else if (strcmp(type, "roster") == 0) {
        on_roster(s, c, m);
    } else if (strcmp(type, "publish_answer") == 0) {
        on_publish_answer(s, c, m);
    } else if (strcmp(type, "subscribe_offer") == 0) {
        on_subscribe_offer(s, c, m);
    } else if (strcmp(type, "transport_state") == 0) {
        const char *st = json_string_value(json_object_get(m, "state"));
        if (st && strcmp(st, "failed") == 0)
            lg_part_fail(p, "the server says its %s transport failed: %s", jstr(m, "transport"),
                         jstr(m, "reason"));
    } else if (strcmp(type, "error") == 0) {
        lg_part_fail(p, "the server answered %s with error %s: %s", jstr(m, "ref"), jstr(m, "code"),
                     jstr(m, "message"));
    } else if (strcmp(type, "meeting_ended") == 0 || strcmp(type, "removed") == 0 ||
               strcmp(type, "denied") == 0 || strcmp(type, "server_shutdown") == 0) {
        lg_part_fail(p, "the server ended its seat: %s", type);
    }
    json_decref(m);
}

static int cb_http(struct lws *wsi, enum lws_callback_reasons reason, struct conn *c, void *in,
                   size_t len)
{
    struct lg_signal *s = c->s;
    switch (reason) {
    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER: {
        unsigned char **p = (unsigned char **)in, *end = *p + len;
        char n[24];
        snprintf(n, sizeof n, "%zu", c->body_len);
        if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE,
                                         (const unsigned char *)"application/json", 16, p, end) ||
            lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH,
                                         (const unsigned char *)n, (int)strlen(n), p, end))
            return -1;
        if (s->cookie[0] && lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_COOKIE,
                                                         (const unsigned char *)s->cookie,
                                                         (int)strlen(s->cookie), p, end))
            return -1;
        lws_client_http_body_pending(wsi, 1);
        lws_callback_on_writable(wsi);
        return 0;
    }
    case LWS_CALLBACK_CLIENT_HTTP_WRITEABLE:
        if (c->body) {
            size_t n = c->body_len;
            unsigned char *b = malloc(LWS_PRE + n);
            if (!b)
                return -1;
            memcpy(b + LWS_PRE, c->body, n);
            int w = lws_write(wsi, b + LWS_PRE, n, LWS_WRITE_HTTP_FINAL);
            free(b);
            free(c->body);
            c->body = NULL;
            lws_client_http_body_pending(wsi, 0);
            if (w < (int)n)
                return -1;
        }
        return 0;
    case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
        c->status = (int)lws_http_client_http_response(wsi);
        if (c->req == REQ_LOGIN) {
            char v[COOKIE_MAX];
            if (lws_hdr_copy(wsi, v, sizeof v, WSI_TOKEN_HTTP_SET_COOKIE) > 0) {
                char *semi = strchr(v, ';');
                if (semi)
                    *semi = '\0';
                snprintf(s->cookie, sizeof s->cookie, "%s", v);
            }
        }
        return 0;
    case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
        if (c->resp_len + len > HTTP_BODY_MAX)
            return -1;
        {
            char *r = realloc(c->resp, c->resp_len + len + 1);
            if (!r)
                return -1;
            c->resp = r;
            memcpy(c->resp + c->resp_len, in, len);
            c->resp_len += len;
            c->resp[c->resp_len] = '\0';
        }
        return 0;
    case LWS_CALLBACK_RECEIVE_CLIENT_HTTP: {
        char buf[4096 + LWS_PRE], *px = buf + LWS_PRE;
        int lenx = sizeof buf - LWS_PRE;
        return lws_http_client_read(wsi, &px, &lenx) < 0 ? -1 : 0;
    }
    case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
        if (!c->done) {
            c->done = true;
            http_done(s, c);
        }
        return -1; /* one request per connection */
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
    case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
        if (!c->done) {
            c->done = true;
            if (c->req == REQ_JOIN_INFO)
                lg_part_fail(&s->run->parts[c->idx], "join-info: %s",
                             in ? (const char *)in : "connection closed");
            else
                run_fail(s, "REST request to the server failed: %s",
                         in && reason == LWS_CALLBACK_CLIENT_CONNECTION_ERROR ? (const char *)in
                                                                              : "closed");
        }
        return 0;
    default:
        return 0;
    }
}

static int cb_ws(struct lws *wsi, enum lws_callback_reasons reason, struct conn *c, void *in,
                 size_t len)
{
    struct lg_part *p = c->part;
    switch (reason) {
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        atomic_store(&p->phase, LG_PHASE_CONNECTED);
        ws_send(c,
                json_pack("{s:s, s:s, s:s}", "type", "join", "token", p->token, "name", p->name));
        return 0;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        if (c->rx_len + len > WS_MSG_MAX) {
            lg_part_fail(p, "signaling: a message over %d bytes", WS_MSG_MAX);
            return -1;
        }
        {
            char *r = realloc(c->rx, c->rx_len + len + 1);
            if (!r)
                return -1;
            c->rx = r;
            memcpy(c->rx + c->rx_len, in, len);
            c->rx_len += len;
        }
        if (lws_is_final_fragment(wsi)) {
            on_message(c->s, c, c->rx, c->rx_len);
            c->rx_len = 0;
        }
        return 0;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        if (c->tx_n) {
            char *t = c->txq[c->tx_head];
            size_t n = strlen(t);
            unsigned char *b = malloc(LWS_PRE + n);
            if (!b)
                return -1;
            memcpy(b + LWS_PRE, t, n);
            int w = lws_write(wsi, b + LWS_PRE, n, LWS_WRITE_TEXT);
            free(b);
            free(t);
            c->tx_head = (c->tx_head + 1) % WS_TXQ;
            c->tx_n--;
            if (w < (int)n)
                return -1;
            if (c->tx_n)
                lws_callback_on_writable(wsi);
        }
        return 0;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        lg_part_fail(p, "signaling: WebSocket connection failed: %s", in ? (const char *)in : "?");
        p->ws = NULL;
        return 0;
    case LWS_CALLBACK_CLIENT_CLOSED:
        if (!atomic_load(&c->s->run->stop))
            lg_part_fail(p, "signaling: the server closed the WebSocket");
        p->ws = NULL;
        return 0;
    default:
        return 0;
    }
}

/* The reasons whose `user` is the connection's struct conn (others carry
 * other things there, e.g. an SSL_CTX, or nothing). */
static bool conn_reason(enum lws_callback_reasons reason)
{
    switch (reason) {
    case LWS_CALLBACK_WSI_DESTROY:
    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
    case LWS_CALLBACK_CLIENT_HTTP_WRITEABLE:
    case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
    case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
    case LWS_CALLBACK_RECEIVE_CLIENT_HTTP:
    case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
    case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
    case LWS_CALLBACK_CLIENT_RECEIVE:
    case LWS_CALLBACK_CLIENT_WRITEABLE:
    case LWS_CALLBACK_CLIENT_CLOSED:
        return true;
    default:
        return false;
    }
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    if (!wsi || !conn_reason(reason))
        return 0;
    struct conn *c = user;
    if (reason == LWS_CALLBACK_WSI_DESTROY) {
        if (c && c->ws && c->part->ws == wsi)
            c->part->ws = NULL;
        conn_free(c);
        lws_set_wsi_user(wsi, NULL);
        return 0;
    }
    if (!c)
        return 0;
    return c->ws ? cb_ws(wsi, reason, c, in, len) : cb_http(wsi, reason, c, in, len);
}

static const struct lws_protocols PROTOCOLS[] = {
    {"lg", callback, 0, 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* At the end every host ends its meeting, so the server frees the seats at
 * once rather than keeping them for a resume; bounded by END_WAIT_US. */
static void end_meetings(struct lg_signal *s)
{
    struct lg_run *run = s->run;
    for (unsigned i = 0; i < run->n_parts; i++) {
        struct lg_part *p = &run->parts[i];
        if (p->slot == 0 && p->ws && p->admitted)
            ws_send(lws_wsi_user(p->ws), json_pack("{s:s}", "type", "end"));
    }
    int64_t until = lg_now_us() + END_WAIT_US;
    for (;;) {
        unsigned open = 0;
        for (unsigned i = 0; i < run->n_parts; i++)
            open += run->parts[i].ws != NULL;
        if (open == 0 || lg_now_us() > until || lws_service(s->ctx, 0) < 0)
            return;
    }
}

static void *thread_main(void *arg)
{
    struct lg_signal *s = arg;
    struct lg_run *run = s->run;
    json_t *b = json_pack("{s:s, s:s}", "username", run->cfg.user, "password", run->cfg.password);
    char *body = b ? json_dumps(b, JSON_COMPACT) : NULL;
    json_decref(b);
    if (http_request(s, REQ_LOGIN, 0, "/api/login", body) != 0)
        run_fail(s, "could not connect to %s:%d", run->cfg.url_host, run->cfg.port);
    while (!atomic_load(&run->stop))
        if (lws_service(s->ctx, 0) < 0)
            break;
    end_meetings(s);
    atomic_store(&s->done, true);
    return NULL;
}

int lg_signal_start(struct lg_signal **out, struct lg_run *run)
{
    struct lg_signal *s = calloc(1, sizeof *s);
    if (!s)
        return ERR_NOMEM;
    s->run = run;
    s->sdp = malloc(sizeof *s->sdp);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = PROTOCOLS;
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.client_ssl_ca_filepath = run->cfg.ca_path;
    info.fd_limit_per_thread = 1024;
    lws_set_log_level(LLL_ERR, NULL);
    if (s->sdp)
        s->ctx = lws_create_context(&info);
    if (!s->ctx) {
        free(s->sdp);
        free(s);
        return ERR_IO;
    }
    if (pthread_create(&s->tid, NULL, thread_main, s) != 0) {
        lws_context_destroy(s->ctx);
        free(s->sdp);
        free(s);
        return ERR_IO;
    }
    s->started = true;
    *out = s;
    return 0;
}

void lg_signal_stop(struct lg_signal *s)
{
    if (!s)
        return;
    atomic_store(&s->run->stop, true);
    if (s->started) {
        /* Wake it until it is done: lws_service() sleeps until an event,
         * and the ending meetings' deadline needs it to look at the clock. */
        while (!atomic_load(&s->done)) {
            lws_cancel_service(s->ctx);
            struct timespec ts = {.tv_nsec = 20000000};
            nanosleep(&ts, NULL);
        }
        pthread_join(s->tid, NULL);
    }
    lws_context_destroy(s->ctx);
    free(s->sdp);
    free(s);
}
