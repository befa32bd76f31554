/* WebSocket signaling sessions: one per /ws connection. Reads whole messages
 * (capped, rate limited), parses JSON, handles join/resume/ping itself and
 * hands everything else to the participant's live meeting; writes queued
 * messages when the socket is writable. Runs on the signaling thread. */
#ifndef SAMTALE_SESSION_H
#define SAMTALE_SESSION_H

#include <stdbool.h>
#include <stddef.h>

struct app;
struct lws;
struct ws_conn;

#define SESSION_OUT_MAX_MESSAGES 512 /* queued to one client before it is dropped */
#define SESSION_OUT_MAX_BYTES (2 * 1024 * 1024)
#define SESSION_FLOOD_CLOSE 200    /* refused messages in a row before closing */
#define LINK_WATCH_LOBBY_PER_SEC 1 /* lobby messages per connection, after a burst of */
#define LINK_WATCH_LOBBY_BURST 3
#define LINK_WATCH_PER_USER 16 /* watching connections per caseworker */

/* A new connection; NULL refuses it (connection cap or no memory).
 * login_cookie: the caseworker's session cookie sent with the upgrade, or
 * NULL; only its digest is kept, for watching link statuses. */
struct ws_conn *session_open(struct app *app, struct lws *wsi, const char *login_cookie);
/* One fragment of a message. Returns -1 to close the connection. */
int session_receive(struct app *app, struct ws_conn *c, const void *in, size_t len, bool first,
                    bool final, bool binary);
/* The socket can take a message. Returns -1 to close the connection. */
int session_writeable(struct app *app, struct ws_conn *c);
/* The connection is gone; frees c. */
void session_closed(struct app *app, struct ws_conn *c);

#endif
