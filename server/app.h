/* The signaling thread's state, shared by the HTTP front end (server/http.c),
 * the REST API (server/api.c) and the WebSocket sessions (signaling/session.c).
 * Everything here is touched by the signaling thread only. */
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
#include "server/config.h"
#include "signaling/linkkey.h"
#include "signaling/linkstatus.h"
#include "server/metrics.h"
#include "server/password.h"
#include "signaling/pinlimit.h"
#include "signaling/prompts.h"
#include "base/ratelimit.h"
#include "signaling/store.h"

#define HTTP_BODY_MAX (64 * 1024)  /* REST request bodies */
#define WS_MESSAGE_MAX (64 * 1024) /* one signaling message */
#define SESSION_COOKIE "samtale_session"

struct connlimit;
struct docstore;
struct kdfpool;
struct lws_context;
struct pss;
struct live_meeting;
struct media;
struct phone_bridge;
struct ws_conn;

struct app {
    struct config cfg;
    struct store *store;
    struct linkkey link_key; /* invitation tokens are derived from it */
    struct metrics metrics;
    struct ratelimit_windows login_limits;
    struct kdfpool *kdf;          /* password checks off this thread */
    struct connlimit *conns_acct; /* connections per address, and the idle ones */
    struct pss *logins_waiting;   /* HTTP connections waiting for a password check */
    uint64_t next_login_ticket;
    struct lws_context *lws;
    struct live_meeting *live;  /* meetings with participants, a list */
    struct ws_conn *conns;      /* every open signaling connection, a list */
    struct media *media;        /* the media workers */
    struct docstore *docs;      /* documents on meetings' stages, memory only */
    struct prompts prompts;     /* the phone's spoken prompts; loaded when the phone is on */
    struct pinlimit pin_limits; /* wrong phone PINs across calls */
    struct phone_bridge *phone; /* SIP calls (signaling/phone.c); NULL when SIP is off */
    uint64_t next_media_session;
    char web_root[PATH_MAX]; /* resolved with realpath() */
    int64_t started_ms;
    volatile sig_atomic_t stop_requested;
    bool stopping;
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

/* ---- live meetings (signaling/session.c) ---- */
/* Number of live meetings and participants per state, for /metrics and the API. */
void sessions_count(struct app *app, unsigned *meetings, unsigned participants[PSTATE_COUNT]);
/* Participants currently in a meeting (0 if not live). */
unsigned sessions_meeting_participants(struct app *app, int64_t meeting_id);
/* An invitation's link status changed to `st` (reason: the failed check's
 * code, else ""): stores it if linkstatus says it replaces the current one,
 * audits the link's own events (opened, checks) and tells the owner's
 * watching pages (signaling/link_watch.c). */
void sessions_link_event(struct app *app, const struct store_invitation *inv, enum link_status st,
                         const char *reason);
/* Ends a live meeting for everyone (deletion). No-op if not live. */
void sessions_end_meeting(struct app *app, int64_t meeting_id, const char *reason);
/* The stage document's REST routes prove a seat with the participant's resume
 * secret: 0 and its pid if it belongs to a participant admitted into the
 * live meeting meeting_id; ERR_NOTFOUND otherwise (also for a lobby guest). */
int sessions_doc_seat(struct app *app, int64_t meeting_id, const char *secret, uint32_t *pid);
/* A document was put on the meeting's stage: tells every admitted participant. */
void sessions_doc_shown(struct app *app, int64_t meeting_id);
/* Periodic work: resume windows, freeing empty meetings. */
void sessions_tick(struct app *app);
/* Carries media worker events to the connections they concern. */
void sessions_media_events(struct app *app);
/* Tells every connection the server is going down and closes it. */
void sessions_shutdown(struct app *app);
/* Frees everything left at exit. */
void sessions_free_all(struct app *app);

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
/* Sends a SIP message: tp 0 UDP to `to`, 1 TCP on connection conn. */
int sip_server_send(struct app *app, int tp, uint64_t conn, const struct sockaddr *to,
                    socklen_t tolen, const uint8_t *buf, size_t len);
/* Resolves the trunk's "host[:port]" (default port 5060). */
int sip_server_resolve(const char *host_port, struct sockaddr_storage *out, socklen_t *out_len);

/* Wakes the event loop from another thread (media events are waiting). */
void http_wake(void *app);

#endif
