/* The HTTPS + WSS front end on one port (libwebsockets): static files of the
 * web client, the REST API, /healthz, /metrics, and the /ws upgrade handed to
 * signaling/session.c. Security headers are added to every response as the
 * vhost's canned headers, so lws's own error pages carry them too. */
#define LOG_MODULE "http"
#include "server/app.h"
#include "server/tls_policy.h"
#include "server/connlimit.h"
#include "base/err.h"
#include "signaling/docstore.h"
#include "server/http_doc.h"
#include "server/http_guard.h"
#include "server/http_int.h"
#include "server/http_static.h"
#include "server/kdfpool.h"
#include "base/log.h"
#include "media/media.h"
#include "signaling/session.h"

#include <errno.h>
#include <libwebsockets.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HTTP_HDR_BUF 4096
#define SHUTDOWN_DRAIN_US (2 * 1000 * 1000)
#define LOGIN_BUSY_RETRY_S 1

static const struct lws_protocol_vhost_options security_headers[] = {
    {&security_headers[1], NULL, "content-security-policy:",
     "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
     "img-src 'self' data: blob:; "
     "media-src 'self' blob: mediastream:; connect-src 'self'; font-src 'self'; "
     "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"},
    {&security_headers[2], NULL, "strict-transport-security:", "max-age=31536000"},
    {&security_headers[3], NULL, "x-content-type-options:", "nosniff"},
    {&security_headers[4], NULL, "referrer-policy:", "no-referrer"},
    {&security_headers[5], NULL, "x-frame-options:", "DENY"},
    {&security_headers[6], NULL, "cross-origin-opener-policy:", "same-origin"},
    {NULL, NULL, "permissions-policy:",
     "camera=(self), microphone=(self), display-capture=(self), geolocation=(), payment=(), "
     "usb=()"},
};

static struct app *app_of(struct lws *wsi)
{
    return lws_context_user(lws_get_context(wsi));
}

static bool copy_header(struct lws *wsi, enum lws_token_indexes h, char *buf, size_t cap)
{
    int len = lws_hdr_total_length(wsi, h);
    if (len <= 0 || (size_t)len >= cap)
        return false;
    return lws_hdr_copy(wsi, buf, (int)cap, h) == len;
}

/* State-changing requests must come from our own pages: a present Origin has
 * to match the Host it was sent to. The session cookie is SameSite=Strict as
 * well; this is the second line. */
bool http_origin_ok(struct lws *wsi)
{
    char origin[300], host[256], expect[300];
    if (lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) <= 0)
        return true;
    if (!copy_header(wsi, WSI_TOKEN_ORIGIN, origin, sizeof origin) ||
        !copy_header(wsi, WSI_TOKEN_HOST, host, sizeof host))
        return false;
    snprintf(expect, sizeof expect, "https://%s", host);
    return strcmp(origin, expect) == 0;
}

/* Writes status and headers now; the body (if any) goes out on HTTP_WRITEABLE. */
int http_respond(struct lws *wsi, struct pss *pss, unsigned status, const char *ctype,
                 const char *body, size_t body_len, const struct http_resp *extra,
                 const char *cache)
{
    uint8_t hdr[LWS_PRE + HTTP_HDR_BUF];
    uint8_t *start = hdr + LWS_PRE, *p = start, *end = hdr + sizeof hdr - 1;
    struct app *app = app_of(wsi);
    if (pss->answered)
        return 0;
    pss->answered = true;
    metrics_http(&app->metrics, status);

    if (lws_add_http_common_headers(wsi, status, ctype, body_len, &p, end))
        return -1;
    if (cache && lws_add_http_header_by_name(wsi, (const uint8_t *)"cache-control:",
                                             (const uint8_t *)cache, (int)strlen(cache), &p, end))
        return -1;
    if (extra && extra->set_cookie[0] &&
        lws_add_http_header_by_name(
            wsi, (const uint8_t *)"set-cookie:", (const uint8_t *)extra->set_cookie,
            (int)strlen(extra->set_cookie), &p, end))
        return -1;
    if (extra && extra->retry_after_s) {
        char ra[16];
        int n = snprintf(ra, sizeof ra, "%u", extra->retry_after_s);
        if (lws_add_http_header_by_name(wsi, (const uint8_t *)"retry-after:", (const uint8_t *)ra,
                                        n, &p, end))
            return -1;
    }
    if (pss->close_after && lws_add_http_header_by_name(wsi, (const uint8_t *)"connection:",
                                                        (const uint8_t *)"close", 5, &p, end))
        return -1;
    if (status == HTTP_STATUS_METHOD_NOT_ALLOWED &&
        lws_add_http_header_by_name(
            wsi, (const uint8_t *)"allow:", (const uint8_t *)"GET, POST, DELETE", 17, &p, end))
        return -1;
    if (lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;

    free(pss->out);
    pss->out = NULL;
    pss->out_len = 0;
    if (body_len) {
        pss->out = malloc(LWS_PRE + body_len);
        if (!pss->out)
            return -1;
        memcpy(pss->out + LWS_PRE, body, body_len);
        pss->out_len = body_len;
    }
    lws_callback_on_writable(wsi);
    return 0;
}

static int respond_json(struct lws *wsi, struct pss *pss, const struct http_resp *resp)
{
    char *text = NULL;
    size_t len = 0;
    if (resp->body) {
        text = json_dumps(resp->body, JSON_COMPACT);
        if (!text)
            return -1;
        len = strlen(text);
    }
    int rc = http_respond(wsi, pss, resp->status, "application/json", text, len, resp, "no-store");
    free(text);
    return rc;
}

int http_respond_error(struct lws *wsi, struct pss *pss, unsigned status, const char *code,
                       const char *message)
{
    struct http_resp resp = {0};
    api_error(&resp, status, code, message);
    metrics_error(&app_of(wsi)->metrics, code);
    int rc = respond_json(wsi, pss, &resp);
    http_resp_clear(&resp);
    return rc;
}

static const char *method_name(int m)
{
    switch (m) {
    case LWSHUMETH_GET:
        return "GET";
    case LWSHUMETH_POST:
        return "POST";
    case LWSHUMETH_PUT:
        return "PUT";
    case LWSHUMETH_PATCH:
        return "PATCH";
    case LWSHUMETH_DELETE:
        return "DELETE";
    case LWSHUMETH_HEAD:
        return "HEAD";
    default:
        return "OTHER";
    }
}

/* Reads the session token out of the Cookie header, if there is one. */
static bool session_cookie(struct lws *wsi, char *out, size_t cap)
{
    char cookies[2048];
    if (!copy_header(wsi, WSI_TOKEN_HTTP_COOKIE, cookies, sizeof cookies))
        return false;
    const char *name = SESSION_COOKIE "=";
    size_t nlen = strlen(name);
    for (char *c = cookies; *c;) {
        while (*c == ' ' || *c == ';')
            c++;
        if (strncmp(c, name, nlen) == 0) {
            c += nlen;
            size_t n = strcspn(c, ";");
            if (n == 0 || n >= cap)
                return false;
            memcpy(out, c, n);
            out[n] = '\0';
            return true;
        }
        c += strcspn(c, ";");
    }
    return false;
}

static void count_error(struct app *app, const struct http_resp *resp)
{
    if (resp->status >= 400 && resp->body) {
        json_t *code = json_object_get(json_object_get(resp->body, "error"), "code");
        if (json_is_string(code))
            metrics_error(&app->metrics, json_string_value(code));
    }
}

/* Hands the password check to the kdf pool; the answer goes out when the
 * result comes back (login_results). A full pool answers 503 busy now. */
static int start_login(struct lws *wsi, struct pss *pss, struct http_resp *resp, const char *addr)
{
    struct app *app = app_of(wsi);
    uint64_t ticket = ++app->next_login_ticket;
    int64_t user_id = resp->login->user_id;
    int rc = kdfpool_submit(app->kdf, ticket, resp->login->password, resp->login->pwhash);
    http_resp_clear(resp);
    if (rc == ERR_FULL) {
        api_error(resp, 503, "busy", "too many logins are being checked: try again in a moment");
        resp->retry_after_s = LOGIN_BUSY_RETRY_S;
        return 0;
    }
    if (rc < 0) {
        api_error(resp, 500, "server_error", "could not check the password");
        return 0;
    }
    pss->wsi = wsi;
    pss->login_ticket = ticket;
    pss->login_user = user_id;
    snprintf(pss->addr, sizeof pss->addr, "%s", addr);
    pss->next_wait = app->logins_waiting;
    app->logins_waiting = pss;
    return 1;
}

/* Takes a connection off the waiting list; its result, if it comes, is dropped. */
static void forget_login(struct app *app, struct pss *pss)
{
    for (struct pss **pp = &app->logins_waiting; *pp; pp = &(*pp)->next_wait) {
        if (*pp == pss) {
            *pp = pss->next_wait;
            break;
        }
    }
    pss->next_wait = NULL;
    pss->login_ticket = 0;
}

/* Finished password checks: each waiting connection gets its answer on its
 * next HTTP_WRITEABLE. Results for connections that have gone are dropped. */
static void login_results(struct app *app)
{
    struct kdfpool_result r;
    while (app->kdf && kdfpool_poll(app->kdf, &r) == 0) {
        struct pss *pss = app->logins_waiting;
        while (pss && pss->login_ticket != r.ticket)
            pss = pss->next_wait;
        if (!pss)
            continue;
        forget_login(app, pss);
        api_login_finish(app, pss->login_user, pss->addr, r.rc, &pss->ready);
        pss->login_ready = true;
        lws_callback_on_writable(pss->wsi);
    }
}

static int handle_api(struct lws *wsi, struct pss *pss)
{
    struct app *app = app_of(wsi);
    char cookie[128], peer[64] = "", addr[64], ctype[128] = "";
    bool has_cookie = session_cookie(wsi, cookie, sizeof cookie);
    lws_get_peer_simple(wsi, peer, sizeof peer);
    http_guard_rate_key(peer, addr, sizeof addr);
    copy_header(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE, ctype, sizeof ctype);

    struct http_req req = {
        .method = method_name(pss->method),
        .path = pss->path,
        .session = has_cookie ? cookie : NULL,
        .client_addr = addr,
        .json_body = strncmp(ctype, "application/json", 16) == 0,
        .body = pss->body ? pss->body : "",
        .body_len = pss->body_len,
    };
    struct http_resp resp = {0};
    api_handle(app, &req, &resp);
    if (resp.login && start_login(wsi, pss, &resp, addr))
        return 0; /* answered when the check is done */
    count_error(app, &resp);
    int rc = respond_json(wsi, pss, &resp);
    http_resp_clear(&resp);
    return rc;
}

static int handle_metrics(struct lws *wsi, struct pss *pss)
{
    struct app *app = app_of(wsi);
    struct metrics_live live = {0};
    sessions_count(&app->sig, &live.meetings_live, live.participants);
    live.uptime_s = (now_wall_ms() - app->started_ms) / 1000;
    if (app->sig.media) {
        live.n_workers = media_worker_count(app->sig.media);
        for (unsigned i = 0; i < live.n_workers; i++)
            media_get_stats(app->sig.media, (int)i, &live.workers[i]);
    }
    live.phone_on = app->sig.phone != NULL;
    phone_get_stats(&app->sig, &live.phone);
    live.ws = app->sig.counters;
    char *buf = NULL;
    size_t n = 0;
    int err = metrics_render_alloc(&app->metrics, &live, &buf, &n);
    int rc =
        err < 0 ? http_respond_error(wsi, pss, 500, "server_error", "metrics could not be rendered")
                : http_respond(wsi, pss, 200, "text/plain; version=0.0.4; charset=utf-8", buf, n,
                               NULL, "no-store");
    free(buf);
    return rc;
}

static int handle_static(struct lws *wsi, struct pss *pss)
{
    struct app *app = app_of(wsi);
    char file[PATH_MAX];
    int rc = http_static_resolve(app, pss->path, file, sizeof file);
    if (rc == ERR_DENIED)
        return http_respond_error(wsi, pss, 403, "forbidden", "path not allowed");
    if (rc < 0)
        return http_respond_error(wsi, pss, 404, "not_found", "no such page");
    const char *mime = http_static_mime(file);
    if (!mime)
        mime = "application/octet-stream";
    /* HTML carries the app's routes: always revalidate it. Assets may be cached briefly. */
    const char *cache = strstr(mime, "text/html") ? "no-cache" : "public, max-age=300";
    uint8_t extra[256];
    uint8_t *p = extra, *end = extra + sizeof extra;
    if (lws_add_http_header_by_name(wsi, (const uint8_t *)"cache-control:", (const uint8_t *)cache,
                                    (int)strlen(cache), &p, end))
        return -1;
    metrics_http(&app->metrics, 200);
    pss->answered = true;
    int n = lws_serve_http_file(wsi, file, mime, (const char *)extra, (int)(p - extra));
    if (n < 0 || (n > 0 && lws_http_transaction_completed(wsi)))
        return -1;
    return 0;
}

static int dispatch(struct lws *wsi, struct pss *pss)
{
    const char *path = pss->path;
    if (pss->answered)
        return 0;
    if (pss->forbidden)
        return http_respond_error(wsi, pss, 403, "forbidden", "cross-origin request refused");
    if (strncmp(path, "/api/", 5) == 0) {
        if (pss->body_too_big)
            return http_respond_error(wsi, pss, 413, "too_big", "request body over 64 KiB");
        return handle_api(wsi, pss);
    }
    if (pss->method != LWSHUMETH_GET)
        return http_respond_error(wsi, pss, 405, "method_not_allowed", "only GET is allowed here");
    if (strcmp(path, "/healthz") == 0) {
        static const char ok[] = "{\"status\":\"ok\"}";
        return http_respond(wsi, pss, 200, "application/json", ok, sizeof ok - 1, NULL, "no-store");
    }
    if (strcmp(path, "/metrics") == 0)
        return handle_metrics(wsi, pss);
    return handle_static(wsi, pss);
}

/* The request body's announced length: 0 and *len (0 if none); ERR_PARSE or
 * ERR_TOOBIG for a bad Content-Length; ERR_PROTO for any Transfer-Encoding. */
int http_body_length(struct lws *wsi, uint64_t *len)
{
    char v[64];
    *len = 0;
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0)
        return ERR_PROTO;
    int n = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH);
    if (n <= 0)
        return 0;
    if ((size_t)n >= sizeof v)
        return ERR_TOOBIG;
    if (lws_hdr_copy(wsi, v, sizeof v, WSI_TOKEN_HTTP_CONTENT_LENGTH) != n)
        return ERR_PARSE;
    return http_guard_content_length(v, len);
}

static int on_http(struct lws *wsi, struct pss *pss, const char *uri)
{
    char *muri = NULL;
    int mlen = 0;
    memset(pss, 0, sizeof *pss);
    http_guard_on_request(wsi);
    pss->method = lws_http_get_uri_and_method(wsi, &muri, &mlen);
    if (!uri || strlen(uri) >= sizeof pss->path) {
        pss->close_after = true; /* a body, if any, is not read */
        return http_respond_error(wsi, pss, 414, "too_big", "path too long");
    }
    memcpy(pss->path, uri, strlen(uri) + 1);
    int64_t doc_meeting;
    if (http_doc_route(pss->path, &doc_meeting))
        return http_doc_on_http(wsi, pss, doc_meeting);

    bool changes = pss->method == LWSHUMETH_POST || pss->method == LWSHUMETH_DELETE ||
                   pss->method == LWSHUMETH_PUT || pss->method == LWSHUMETH_PATCH;
    /* A refused request's body is still read (and dropped) so that the one
     * answer goes out after it, never in the middle. */
    pss->forbidden = changes && !http_origin_ok(wsi);

    /* Framing first: a request whose body length cannot be known is answered
     * and the connection closed, since what follows it cannot be parsed. */
    uint64_t clen = 0;
    int rc = http_body_length(wsi, &clen);
    if (rc == ERR_PARSE || rc == ERR_TOOBIG || clen > HTTP_DRAIN_MAX) {
        pss->close_after = true;
        if (rc == ERR_PARSE)
            return http_respond_error(wsi, pss, 400, "bad_length",
                                      "Content-Length must be a decimal number of bytes");
        if (rc == ERR_TOOBIG)
            return http_respond_error(wsi, pss, 400, "bad_length",
                                      "Content-Length is out of range");
        return http_respond_error(wsi, pss, 413, "too_big", "request body over 64 KiB");
    }
    if (rc == ERR_PROTO) {
        /* libwebsockets 4.1 does not hand a chunked request body to the
         * application: ask for a Content-Length instead of misreading it. */
        pss->close_after = true;
        return http_respond_error(wsi, pss, 411, "length_required",
                                  "send the body with a Content-Length, not chunked");
    }
    if (clen > 0) {
        if (clen > HTTP_BODY_MAX)
            pss->body_too_big = true;
        pss->want_body = true; /* answered at HTTP_BODY_COMPLETION */
        pss->body_deadline_us = now_mono_us() + (int64_t)app_of(wsi)->cfg.body_timeout_s * 1000000;
        return 0;
    }
    return dispatch(wsi, pss);
}

static int on_body(struct lws *wsi, struct pss *pss, const void *in, size_t len)
{
    if (pss->doc)
        return http_doc_on_body(wsi, pss, in, len);
    if (pss->answered)
        return 0;
    if (now_mono_us() > pss->body_deadline_us) {
        pss->close_after = true;
        return http_respond_error(wsi, pss, 408, "timeout", "the request body took too long");
    }
    if (pss->body_too_big || pss->forbidden || len == 0)
        return 0;
    if (len > HTTP_BODY_MAX - pss->body_len) {
        pss->body_too_big = true;
        free(pss->body);
        pss->body = NULL;
        pss->body_len = 0;
        return 0;
    }
    char *grown = realloc(pss->body, pss->body_len + len + 1);
    if (!grown)
        return -1;
    pss->body = grown;
    memcpy(pss->body + pss->body_len, in, len);
    pss->body_len += len;
    pss->body[pss->body_len] = '\0';
    return 0;
}

static void free_http(struct pss *pss)
{
    http_resp_clear(&pss->ready);
    http_doc_free(pss);
    pss->login_ready = false;
    free(pss->body);
    free(pss->out);
    pss->body = NULL;
    pss->out = NULL;
    pss->body_len = pss->out_len = 0;
}

static int on_http_writeable(struct lws *wsi, struct pss *pss)
{
    if (http_doc_sending(pss))
        return http_doc_writeable(wsi, pss);
    if (pss->login_ticket)
        return 0; /* the password check is still running */
    if (pss->login_ready) {
        pss->login_ready = false;
        count_error(app_of(wsi), &pss->ready);
        int rc = respond_json(wsi, pss, &pss->ready);
        http_resp_clear(&pss->ready);
        return rc;
    }
    if (!pss->answered)
        return 0;
    if (pss->out_len) {
        int n = lws_write(wsi, pss->out + LWS_PRE, pss->out_len, LWS_WRITE_HTTP_FINAL);
        if (n < 0 || (size_t)n != pss->out_len)
            return -1;
    }
    free_http(pss);
    if (pss->close_after)
        return -1;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* Only /ws may be upgraded, and only from our own origin when one is given. */
static int filter_ws(struct lws *wsi)
{
    char uri[64];
    if (!copy_header(wsi, WSI_TOKEN_GET_URI, uri, sizeof uri) || strcmp(uri, "/ws") != 0)
        return 1;
    return http_origin_ok(wsi) ? 0 : 1;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    struct pss *pss = user;
    struct app *app = lws_context_user(lws_get_context(wsi));

    switch (reason) {
    case LWS_CALLBACK_HTTP:
        return on_http(wsi, pss, in);
    case LWS_CALLBACK_HTTP_BODY:
        return on_body(wsi, pss, in, len);
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        return pss->doc ? http_doc_on_complete(wsi, pss) : dispatch(wsi, pss);
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return on_http_writeable(wsi, pss);
    case LWS_CALLBACK_HTTP_FILE_COMPLETION:
        return lws_http_transaction_completed(wsi) ? -1 : 0;
    case LWS_CALLBACK_CLOSED_HTTP:
        if (pss) {
            forget_login(app, pss);
            free_http(pss);
        }
        return 0;

    case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
        return http_guard_on_accept(app, user);
    case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
        http_guard_on_open(app, wsi);
        return 0;
    case LWS_CALLBACK_WSI_DESTROY:
        if (pss)
            forget_login(app, pss); /* in case CLOSED_HTTP never came */
        http_guard_on_destroy(app, wsi);
        return 0;
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
        return http_guard_on_upgrade(app, wsi);

    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        return filter_ws(wsi);
    case LWS_CALLBACK_ESTABLISHED:
        if (pss) {
            forget_login(app, pss);
            free_http(pss);
        }
        char cookie[128];
        bool has_cookie = session_cookie(wsi, cookie, sizeof cookie);
        pss->conn = session_open(&app->sig, wsi, has_cookie ? cookie : NULL);
        OPENSSL_cleanse(cookie, sizeof cookie);
        return pss->conn ? 0 : -1;
    case LWS_CALLBACK_RECEIVE:
        if (!pss->conn)
            return -1;
        return session_receive(&app->sig, pss->conn, in, len, lws_is_first_fragment(wsi) != 0,
                               lws_is_final_fragment(wsi) != 0, lws_frame_is_binary(wsi) != 0);
    case LWS_CALLBACK_SERVER_WRITEABLE:
        if (!pss->conn)
            return -1;
        return session_writeable(&app->sig, pss->conn);
    case LWS_CALLBACK_CLOSED:
        if (pss && pss->conn) {
            session_closed(&app->sig, pss->conn);
            pss->conn = NULL;
        }
        return 0;

    case LWS_CALLBACK_OPENSSL_LOAD_EXTRA_SERVER_VERIFY_CERTS:
        /* `user` is the SSL_CTX here: insist on TLS 1.2 or newer. */
        SSL_CTX_set_min_proto_version((SSL_CTX *)user, TLS1_2_VERSION);
        return 0;
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        login_results(app);
        sessions_media_events(&app->sig);
        return 0;
    default:
        return 0;
    }
}

static const struct lws_protocols protocols[] = {
    {"samtale", callback, sizeof(struct pss), WS_MESSAGE_MAX, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* The periodic tick (resume windows, idle meetings); the scheduler only hands
 * back the list node, so the app pointer rides next to it. */
static struct ticker {
    lws_sorted_usec_list_t sul;
    struct app *app;
} ticker;

static void tick(lws_sorted_usec_list_t *sul)
{
    struct ticker *t = lws_container_of(sul, struct ticker, sul);
    sessions_tick(&t->app->sig);
    if (!t->app->sig.stopping)
        lws_sul_schedule(t->app->lws, 0, &t->sul, tick, LWS_US_PER_SEC);
}

static void lws_log_bridge(int level, const char *line)
{
    /* lws lines end with a newline; ours add one. */
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        n--;
    if (level & LLL_ERR)
        LOG_E("lws: %.*s", (int)n, line);
    else if (level & LLL_WARN)
        LOG_D("lws: %.*s", (int)n, line);
}

/* A phone that vanishes sends no FIN: ping idle connections and hang up on
 * silent ones, so their seats move to "reconnecting" and the resume window. */
static const lws_retry_bo_t idle_policy = {
    .secs_since_valid_ping = 15,
    .secs_since_valid_hangup = 30,
};

/* The kdf pool wakes the loop: stop it while the loop still exists. The
 * connection table goes after the loop, whose teardown still reports closes. */
static void stop_kdf(struct app *app)
{
    kdfpool_destroy(app->kdf);
    app->kdf = NULL;
}

static void stop_helpers(struct app *app)
{
    stop_kdf(app);
    connlimit_destroy(app->conns_acct);
    app->conns_acct = NULL;
    docstore_destroy(app->sig.docs); /* after the connections: downloads hold documents */
    app->sig.docs = NULL;
}

static unsigned login_threads(const struct app *app)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned n =
        app->cfg.login_threads ? app->cfg.login_threads : (unsigned)(cores > 1 ? cores / 2 : 1);
    return n > KDFPOOL_THREADS_MAX ? KDFPOOL_THREADS_MAX : n;
}

int http_server_start(struct app *app)
{
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    lws_set_log_level(LLL_ERR | LLL_WARN, lws_log_bridge);

    if (!realpath(app->cfg.web_root, app->web_root)) {
        LOG_E("web root %s: %s", app->cfg.web_root, strerror(errno));
        return ERR_IO;
    }
    info.port = app->cfg.listen_port;
    info.iface = app->cfg.listen_addr;
    info.protocols = protocols;
    info.headers = security_headers;
    info.user = app;
    info.ssl_cert_filepath = app->cfg.tls_cert;
    info.ssl_private_key_filepath = app->cfg.tls_key;
    info.alpn = "http/1.1";
    info.ssl_options_set = SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1;
    info.ssl_cipher_list = TLS12_CIPHERS;
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT | LWS_SERVER_OPTION_VALIDATE_UTF8;
    if (!strchr(app->cfg.listen_addr, ':'))
        info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
    /* A connection must finish its TLS handshake, and then its request
     * headers, within handshake_timeout_s each (lws's timeouts for
     * connections that hold no request yet). */
    info.timeout_secs = app->cfg.handshake_timeout_s;
    info.timeout_secs_ah_idle = app->cfg.handshake_timeout_s;
    info.retry_and_idle_policy = &idle_policy;
    info.ka_time = 0;
    /* Room above max_connections for the listener, the media workers' wakeups
     * and the connections accepted while an idle one is being dropped. */
    info.fd_limit_per_thread = app->cfg.sig.max_connections + 64;

    int rc = kdfpool_create(&app->kdf, login_threads(app), app->cfg.login_queue, http_wake, app);
    if (rc == 0)
        rc = connlimit_create(&app->conns_acct, info.fd_limit_per_thread,
                              app->cfg.max_connections_per_addr);
    if (rc == 0)
        rc = docstore_create(&app->sig.docs, (size_t)app->cfg.document_memory_mb << 20,
                             (size_t)app->cfg.document_max_mb << 20);
    if (rc < 0) {
        LOG_E("cannot start the password-check threads: %s", err_str(rc));
        stop_helpers(app);
        return rc;
    }

    app->lws = lws_create_context(&info);
    if (!app->lws) {
        stop_helpers(app);
        LOG_E("cannot listen on %s:%u with certificate %s (see errors above)", app->cfg.listen_addr,
              app->cfg.listen_port, app->cfg.tls_cert);
        return ERR_IO;
    }
    ticker.app = app;
    lws_sul_schedule(app->lws, 0, &ticker.sul, tick, LWS_US_PER_SEC);
    if ((rc = sip_server_start(app)) < 0) {
        http_server_abort(app);
        return rc;
    }
    return 0;
}

int http_server_run(struct app *app)
{
    while (!app->stop_requested) {
        if (lws_service(app->lws, 0) < 0)
            break;
    }
    /* Tell everyone, let the goodbyes flush, then tear down. */
    app->sig.stopping = true;
    sessions_shutdown(&app->sig);
    int64_t deadline = now_mono_us() + SHUTDOWN_DRAIN_US;
    while (app->sig.conns && now_mono_us() < deadline) {
        if (lws_service(app->lws, 0) < 0)
            break;
    }
    lws_sul_cancel(&ticker.sul);
    sip_server_stop(app);       /* calls end while the meetings and workers are there */
    media_stop(app->sig.media); /* before the loop goes: workers wake it */
    app->sig.media = NULL;
    stop_kdf(app);
    lws_context_destroy(app->lws);
    app->lws = NULL;
    stop_helpers(app);
    sessions_free_all(&app->sig);
    return 0;
}

void http_server_abort(struct app *app)
{
    lws_sul_cancel(&ticker.sul);
    sip_server_stop(app);
    stop_kdf(app);
    lws_context_destroy(app->lws);
    app->lws = NULL;
    stop_helpers(app);
}

void http_wake(void *arg)
{
    struct app *app = arg;
    if (app->lws)
        lws_cancel_service(app->lws);
}

void http_server_stop(struct app *app)
{
    app->stop_requested = 1;
    if (app->lws)
        lws_cancel_service(app->lws);
}
