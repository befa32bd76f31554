/* The live state of one meeting: participants, lobby, host rights, chat,
 * hands, lock and end. Sans-IO: the caller feeds joins, parsed messages,
 * disconnects and time; the meeting answers with actions (messages to send
 * to participants, connections to close, audit events to store) taken with
 * meeting_poll(). It never touches sockets, clocks, randomness or the store.
 *
 * Wire messages are documented in docs/PROTOCOL.md. */
#ifndef SAMTALE_MEETING_H
#define SAMTALE_MEETING_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "signaling/role.h"
#include "signaling/phone_number.h"
#include "signaling/store.h"

#define MEETING_PARTICIPANTS_LIMIT 64 /* hard upper bound for the configured cap */
#define MEETING_NAME_MAX 64           /* display name, bytes of UTF-8 */
#define MEETING_CHAT_MAX 2000         /* chat text, bytes of UTF-8 */
#define MEETING_CHAT_HISTORY 50       /* messages replayed to a newly admitted participant */
#define MEETING_RESUME_SECRET_MAX 64  /* resume secret string length */
#define MEETING_LOBBY_TEXT_MAX 200    /* lobby message, characters (code points) */
#define MEETING_ACTIONS_MAX 4096      /* queued actions before the meeting refuses input */

enum participant_state {
    PSTATE_LOBBY = 0,    /* waiting for a host to admit */
    PSTATE_ADMITTED,     /* in the meeting */
    PSTATE_RECONNECTING, /* connection lost, seat kept for the resume window */
    PSTATE_COUNT
};
const char *participant_state_name(enum participant_state s);

struct meeting;

struct meeting_cfg {
    int64_t id;
    const char *title;
    unsigned max_participants; /* 1..MEETING_PARTICIPANTS_LIMIT; default 8 */
    int64_t resume_window_ms;  /* default 60000 */
    bool locked;               /* as the store remembers it (a host locked it) */
};

int meeting_create(struct meeting **out, const struct meeting_cfg *cfg);
/* NULL-safe. Frees queued actions too. */
void meeting_destroy(struct meeting *m);

struct meeting_join {
    enum role role;
    bool is_host;    /* from the invitation: host rights and no lobby */
    bool auto_admit; /* from the invitation: no lobby */
    int64_t invitation_id;
    const char *display_name;  /* untrusted: validated here */
    const char *resume_secret; /* random, made by the caller; returned in "joined" */
    bool phone;                /* a caller on the phone bridge: roster "phone": true */
    /* With phone: the masked number (signaling/phone_number.h), NULL or ""
     * when unknown; copied, truncated to PHONE_MASKED_MAX - 1 bytes. Never
     * the full number. */
    const char *phone_masked;
};

/* Adds a participant. On success *pid_out is its id (> 0) and "joined" plus
 * either "lobby" or "admitted"/"roster" messages are queued. Errors (nothing
 * queued, caller answers the client): ERR_PARSE bad display name, ERR_FULL
 * participant cap reached, ERR_PROTO meeting locked (hosts may still join),
 * ERR_EXPIRED meeting ended. */
int meeting_join(struct meeting *m, int64_t now_ms, const struct meeting_join *req,
                 uint32_t *pid_out);

/* Re-attaches a participant whose connection dropped, by its resume secret,
 * within the resume window. Keeps its seat and state; queues "joined" (with
 * "resumed": true) and the current roster or lobby message.
 * ERR_NOTFOUND if no such seat (unknown secret, window passed, or left). */
int meeting_resume(struct meeting *m, int64_t now_ms, const char *secret, uint32_t *pid_out);

/* The participant's connection closed without "leave". Unknown pids are ignored. */
void meeting_disconnected(struct meeting *m, int64_t now_ms, uint32_t pid);

/* A message from participant `pid`: a JSON object with a string "type".
 * Handles chat, hand, media_state, admit, deny, lobby_message (a host's text
 * to one waiting participant), mute_request, remove, lock, end and leave. Anything wrong queues an
 * error message to `pid`
 * ({"type":"error","code":...,"message":...,"ref":<type>}) and returns its
 * ERR_* code; the meeting itself is unchanged by a rejected message. */
int meeting_input(struct meeting *m, int64_t now_ms, uint32_t pid, const json_t *msg);

/* A short text from the caseworker ("I'll be two minutes") to whoever waits
 * in the lobby with invitation `invitation_id`: each gets
 * {"type":"lobby_message","text":...,"at":now_ms}, and each send is audited
 * as "lobby_message" (detail "by <from_name>"; the text is not logged).
 * ERR_PARSE: text empty, blank, over MEETING_LOBBY_TEXT_MAX characters or
 * with control characters; ERR_NOTFOUND: nobody of that link is waiting;
 * ERR_EXPIRED: the meeting has ended. *n_out: how many got it. */
int meeting_lobby_message(struct meeting *m, int64_t now_ms, int64_t invitation_id,
                          const char *text, const char *from_name, unsigned *n_out);

/* Ends the meeting for everyone (host's "end", deletion, server shutdown):
 * queues "meeting_ended" to all, closes all, audits "end" and MEETING_ACT_ENDED. */
void meeting_end(struct meeting *m, int64_t now_ms, const char *reason);

/* Drops seats whose resume window has passed. */
void meeting_timeout(struct meeting *m, int64_t now_ms);
/* The next time meeting_timeout has work, or INT64_MAX. */
int64_t meeting_next_deadline(const struct meeting *m);

bool meeting_is_ended(const struct meeting *m);
/* True when no participant (in any state) remains. */
bool meeting_is_empty(const struct meeting *m);
int64_t meeting_id(const struct meeting *m);
/* Whether pid is a participant admitted into the meeting (the only ones
 * who may send or receive media). */
bool meeting_is_admitted(const struct meeting *m, uint32_t pid);
/* Whether pid joined with host rights. */
bool meeting_is_host(const struct meeting *m, uint32_t pid);
/* The participant holding this resume secret (any state), without touching
 * its seat: for requests that prove a seat outside the WebSocket (fetching
 * the stage document). ERR_NOTFOUND if none or the meeting has ended. */
int meeting_find_secret(const struct meeting *m, const char *secret, uint32_t *pid_out);
/* Whether pid may share a screen: hosts always, others when a host allowed it. */
bool meeting_may_share_screen(const struct meeting *m, uint32_t pid);
/* Adds this meeting's participant counts per state to counts[PSTATE_COUNT]. */
void meeting_count_states(const struct meeting *m, unsigned counts[PSTATE_COUNT]);

enum meeting_action_kind {
    MEETING_ACT_SEND,   /* send msg to pid */
    MEETING_ACT_CLOSE,  /* close pid's connection: it is no longer a participant */
    MEETING_ACT_AUDIT,  /* append audit to the store */
    MEETING_ACT_ENDED,  /* the meeting ended: persist ended_at */
    MEETING_ACT_LOCKED, /* a host locked or unlocked it: persist `locked` */
};

struct meeting_action {
    enum meeting_action_kind kind;
    uint32_t pid;
    int64_t invitation_id;          /* AUDIT: the participant's invitation, 0 if none */
    json_t *msg;                    /* SEND: a new reference the caller must json_decref() */
    struct store_audit_event audit; /* AUDIT: meeting_id, at, kind, role, name, detail */
    bool locked;                    /* LOCKED: the new state */
};

/* Takes the next queued action, in order. Returns true if one was taken. */
bool meeting_poll(struct meeting *m, struct meeting_action *out);

#endif
