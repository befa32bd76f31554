/* WebSocket signaling sessions: one per /ws connection. Reads whole messages
 * (capped, rate limited), parses JSON, handles join/resume/ping itself and
 * hands everything else to the participant's live meeting; writes queued
 * messages when the socket is writable. Runs on the signaling thread. */
#ifndef SAMTALE_SESSION_H
#define SAMTALE_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "signaling/linkstatus.h"
#include "signaling/meeting.h"
#include "signaling/store.h"

struct sig;
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
struct ws_conn *session_open(struct sig *sig, struct lws *wsi, const char *login_cookie);
/* One fragment of a message. Returns -1 to close the connection. */
int session_receive(struct sig *sig, struct ws_conn *c, const void *in, size_t len, bool first,
                    bool final, bool binary);
/* The socket can take a message. Returns -1 to close the connection. */
int session_writeable(struct sig *sig, struct ws_conn *c);
/* The connection is gone; frees c. */
void session_closed(struct sig *sig, struct ws_conn *c);

/* ---- live meetings, for the server (REST API, /metrics, the event loop) ---- */
/* Number of live meetings and participants per state, for /metrics and the API. */
void sessions_count(struct sig *sig, unsigned *meetings, unsigned participants[PSTATE_COUNT]);
/* Participants currently in a meeting (0 if not live). */
unsigned sessions_meeting_participants(struct sig *sig, int64_t meeting_id);
/* An invitation's link status changed to `st` (reason: the failed check's
 * code, else ""): stores it if linkstatus says it replaces the current one,
 * audits the link's own events (opened, checks) and tells the owner's
 * watching pages (signaling/link_watch.c). */
void sessions_link_event(struct sig *sig, const struct store_invitation *inv, enum link_status st,
                         const char *reason);
/* Ends a live meeting for everyone (deletion). No-op if not live. */
void sessions_end_meeting(struct sig *sig, int64_t meeting_id, const char *reason);
/* The stage document's REST routes prove a seat with the participant's resume
 * secret: 0 and its pid if it belongs to a participant admitted into the
 * live meeting meeting_id; ERR_NOTFOUND otherwise (also for a lobby guest). */
int sessions_doc_seat(struct sig *sig, int64_t meeting_id, const char *secret, uint32_t *pid);
/* A document was put on the meeting's stage: tells every admitted participant. */
void sessions_doc_shown(struct sig *sig, int64_t meeting_id);
/* Periodic work: resume windows, freeing empty meetings. */
void sessions_tick(struct sig *sig);
/* Carries media worker events to the connections they concern. */
void sessions_media_events(struct sig *sig);
/* Tells every connection the server is going down and closes it. */
void sessions_shutdown(struct sig *sig);
/* Frees everything left at exit. */
void sessions_free_all(struct sig *sig);

#endif
