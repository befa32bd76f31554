/* Internals of the HTTPS front end shared by server/http.c and the routes
 * that need more than a JSON body (server/http_doc.c). Not for other modules. */
#ifndef SAMTALE_HTTP_INT_H
#define SAMTALE_HTTP_INT_H

#include <libwebsockets.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/app.h"

#define HTTP_PATH_MAX 1024
/* A refused request body up to this size is read and dropped before the
 * answer, so the client sees it; a larger one is refused at once and the
 * connection closed. */
#define HTTP_DRAIN_MAX (1024 * 1024)

struct http_doc_xfer;

/* Per-connection state. One protocol serves HTTP and, after the upgrade, the
 * WebSocket, so this holds both halves. */
struct pss {
    int method;
    char path[HTTP_PATH_MAX];
    bool want_body;
    bool body_too_big;
    bool forbidden; /* cross-origin: refused once the body has been read */
    bool answered;  /* one response per request, whichever callback comes last */
    char *body;     /* request body, up to HTTP_BODY_MAX */
    size_t body_len;
    bool close_after; /* the request's framing is broken: hang up after the answer */
    int64_t body_deadline_us;
    uint8_t *out; /* response body waiting for HTTP_WRITEABLE, with LWS_PRE room */
    size_t out_len;
    /* A login waiting for its password check on the kdf pool. */
    struct lws *wsi;
    struct pss *next_wait; /* in app->logins_waiting */
    uint64_t login_ticket; /* non-zero while waiting */
    int64_t login_user;
    char addr[64];
    bool login_ready; /* `ready` holds the answer, sent on HTTP_WRITEABLE */
    struct http_resp ready;
    struct ws_conn *conn;      /* after the WebSocket upgrade */
    struct http_doc_xfer *doc; /* a stage document's upload or download */
};

/* Writes status and headers now; the body (if any) goes out on HTTP_WRITEABLE. */
int http_respond(struct lws *wsi, struct pss *pss, unsigned status, const char *ctype,
                 const char *body, size_t body_len, const struct http_resp *extra,
                 const char *cache);
/* The JSON error body {"error":{"code","message"}} with the status. */
int http_respond_error(struct lws *wsi, struct pss *pss, unsigned status, const char *code,
                       const char *message);
/* The request body's announced length: 0 and *len (0 if none); ERR_PARSE or
 * ERR_TOOBIG for a bad Content-Length; ERR_PROTO for any Transfer-Encoding. */
int http_body_length(struct lws *wsi, uint64_t *len);
/* A present Origin header matches the Host the request was sent to. */
bool http_origin_ok(struct lws *wsi);

#endif
