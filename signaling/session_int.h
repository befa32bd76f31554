/* Internals of the signaling sessions shared with the features built on
 * them (signaling/echo.c). Not for other modules. */
#ifndef SAMTALE_SESSION_INT_H
#define SAMTALE_SESSION_INT_H

#include <jansson.h>
#include <libwebsockets.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/ratelimit.h"
#include "signaling/sig.h"
#include "signaling/store.h"
#include "signaling/meeting.h"

struct meeting;
struct sfu_room;

/* A meeting with participants, on this node. */
struct live_meeting {
    struct live_meeting *next;
    struct sig *sig;
    struct meeting *m;
    struct sfu_room *sfu; /* made with the first media message */
    int64_t id;
    struct {
        uint32_t pid;
        struct ws_conn *conn;
    } seats[MEETING_PARTICIPANTS_LIMIT];
};

struct out_msg {
    struct out_msg *next;
    size_t len;
    uint8_t data[]; /* LWS_PRE bytes of room, then the text */
};

struct ws_conn {
    struct ws_conn *next, *prev; /* sig->conns */
    struct lws *wsi;
    struct live_meeting *lm; /* NULL until joined, and again once closed by the meeting */
    uint32_t pid;
    struct ratelimit_bucket bucket;
    unsigned refused_in_a_row;
    int64_t last_rate_error_us;
    char *rx; /* the message being assembled, up to WS_MESSAGE_MAX */
    size_t rx_len;
    bool rx_discard; /* current message is over the cap */
    struct out_msg *out_head, *out_tail;
    unsigned out_count;
    size_t out_bytes;
    bool close_after_flush;
    enum lws_close_status close_code;
    uint64_t echo_session; /* the running media echo, 0 if none */
    unsigned echo_worker;
    /* A caseworker's meeting page watching link statuses (link_watch.c). */
    bool has_login;                     /* a session cookie came with the upgrade */
    uint8_t login_hash[STORE_HASH_LEN]; /* its digest, checked on use */
    bool watching;
    int64_t watch_user;                   /* the logged-in caseworker */
    int64_t watch_meeting;                /* one meeting, or 0 for all of theirs */
    struct ratelimit_bucket lobby_bucket; /* lobby_message, watching or as a host */
};
/* Queues a message (takes ownership of msg) / an error message to c. */
void session_send_json(struct sig *sig, struct ws_conn *c, json_t *msg);
void session_send_error(struct sig *sig, struct ws_conn *c, const char *code, const char *message,
                        const char *ref);

/* The live meeting with this id, or NULL; the connection slot of pid in it
 * (NULL when pid has no open connection). */
struct live_meeting *session_live_find(struct sig *sig, int64_t id);
struct ws_conn **session_seat_of(struct live_meeting *lm, uint32_t pid);

/* The stage document (signaling/session_doc.c). */
/* doc_view and doc_remove from participant c. */
void session_doc_message(struct sig *sig, struct ws_conn *c, struct live_meeting *lm,
                         const char *type, const json_t *msg);
/* Tells a newly admitted (or resumed) pid what the stage shows, if anything. */
void session_doc_send_state(struct sig *sig, struct live_meeting *lm, uint32_t pid);
/* pid is no longer a participant: its document goes, and the room is told. */
void session_doc_owner_left(struct sig *sig, struct live_meeting *lm, uint32_t pid);

/* Whether an invitation token may be used now; if not, *code and *why say
 * why in the protocol's terms (invalid_token, token_revoked, ...). */
bool session_check_invitation(struct sig *sig, const char *token, struct store_invitation *inv,
                              struct store_meeting *sm, const char **code, const char **why);

/* The live meeting with this id, or NULL; its state machine; carrying out
 * what it queued. */
struct live_meeting *session_live_find(struct sig *sig, int64_t id);
struct meeting *session_live_meeting(struct live_meeting *lm);
/* The live meeting of sm, made if it is not live yet. */
int session_live_get(struct sig *sig, const struct store_meeting *sm, struct live_meeting **out);
/* The meeting's SFU room, made on worker (or any, -1) if it has none yet. */
int session_live_sfu(struct sig *sig, struct live_meeting *lm, int worker, struct sfu_room **out);
void session_drain(struct sig *sig, struct live_meeting *lm);

/* ---- link_watch.c ---- */
/* "watch" and "lobby_message" on a connection that has not joined a meeting. */
void link_watch_handle(struct sig *sig, struct ws_conn *c, const char *type, const json_t *msg);
/* What a meeting's audit event means for its participant's link status. */
void link_watch_audit(struct sig *sig, int64_t meeting_id, int64_t invitation_id,
                      const struct store_audit_event *ev);

#endif
