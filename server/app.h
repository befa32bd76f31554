/* The server's state on the signaling thread, shared by the HTTP front end
 * (server/http.c), the REST API (server/api.c), the SIP sockets
 * (server/sip_server.c) and main. The signaling layer below sees only its own
 * context, `sig` (signaling/sig.h). Everything here is touched by the
 * signaling thread only. */
#ifndef SAMTALE_APP_H
#define SAMTALE_APP_H

#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "base/clock.h"
#include "base/ratelimit.h"
#include "server/config.h"
#include "server/metrics.h"
#include "server/password.h"
#include "signaling/prompts.h"
#include "signaling/session.h"
#include "signaling/sig.h"
#include "signaling/store.h"

#define HTTP_BODY_MAX (64 * 1024) /* REST request bodies */
#define SESSION_COOKIE "samtale_session"

struct connlimit;
struct kdfpool;
struct lws_context;
struct pss;

struct app {
    struct config cfg;
    struct sig sig; /* the signaling layer's context: store, link key, media, live meetings */
    struct metrics metrics;
    struct ratelimit_windows login_limits;
    struct kdfpool *kdf;          /* password checks off this thread */
    struct connlimit *conns_acct; /* connections per address, and the idle ones */
    struct pss *logins_waiting;   /* HTTP connections waiting for a password check */
    uint64_t next_login_ticket;
    struct lws_context *lws;
    struct prompts prompts;  /* the phone's spoken prompts; loaded when the phone is on */
    char web_root[PATH_MAX]; /* resolved with realpath() */
    int64_t started_ms;
    volatile sig_atomic_t stop_requested;
};

/* ---- REST API (server/api.c): transport-free so it can be tested and fuzzed ---- */
struct http_req {
    const char *method;      /* "GET", "POST", "DELETE", ... */
    const char *path;        /* without query string */
    const char *session;     /* value of the session cookie, or NULL */
    const char *client_addr; /* for login rate limits */
    bool json_body;          /* Content-Type is application/json */
    const char *body;
    size_t body_len;
};

/* A login waiting for its password check (see api_login_finish). */
struct api_login {
    int64_t user_id;                   /* 0: unknown user */
    char password[PASSWORD_MAX + 1];   /* cleansed when freed */
    char pwhash[STORE_PWHASH_MAX + 1]; /* stored hash; empty: unknown user */
};

struct http_resp {
    unsigned status;         /* 0 while `login` waits for its check */
    json_t *body;            /* owned; NULL for an empty body */
    char set_cookie[256];    /* Set-Cookie value, or empty */
    unsigned retry_after_s;  /* Retry-After, when non-zero */
    struct api_login *login; /* owned; set (status 0) when a password must be checked */
};

/* Handles a request under /api/. Always fills resp (errors as JSON bodies). */
void api_handle(struct app *app, const struct http_req *req, struct http_resp *resp);
/* Finishes a login after its password check (check_rc from password_verify):
 * fills resp with the session cookie and 200, or 401. */
void api_login_finish(struct app *app, int64_t user_id, const char *client_addr, int check_rc,
                      struct http_resp *resp);
/* Sets resp to {"error":{"code","message"}} with the status. */
void api_error(struct http_resp *resp, unsigned status, const char *code, const char *message);
void http_resp_clear(struct http_resp *resp);

/* Wires the signaling context into the app: its settings, and the counting
 * of errors sent to clients (server/main.c; tests that make an app call it too). */
void app_sig_init(struct app *app);

/* ---- HTTP server (server/http.c) ---- */
int http_server_start(struct app *app);
/* Runs the event loop until stop is requested, then shuts down cleanly. */
int http_server_run(struct app *app);
void http_server_stop(struct app *app);
/* Undoes http_server_start() when the server cannot go on starting. */
void http_server_abort(struct app *app);
/* ---- SIP sockets of the phone bridge (server/sip_server.c) ---- */
/* Opens the SIP sockets and starts the bridge when sip_listen is set. */
int sip_server_start(struct app *app);
/* Ends every call (their BYEs go out) and closes the sockets. */
void sip_server_stop(struct app *app);
/* Sends a SIP message: tp 0 UDP to `to`, 1 TCP on connection conn; app is the
 * struct app (the phone bridge calls it as its sig_sip_send_fn). */
int sip_server_send(void *app, int tp, uint64_t conn, const struct sockaddr *to, socklen_t tolen,
                    const uint8_t *buf, size_t len);

/* Wakes the event loop from another thread (media events are waiting). */
void http_wake(void *app);

#endif
