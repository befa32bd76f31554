/* Internals of the meeting module, shared by meeting.c (the state machine),
 * meeting_input.c (client messages) and meeting_msg.c (outgoing JSON).
 * Not part of the interface: only the meeting module and its unit test
 * include it. */
#ifndef SAMTALE_MEETING_INT_H
#define SAMTALE_MEETING_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "signaling/store.h"
#include "signaling/meeting.h"

/* Worst case one operation queues: a SEND and a CLOSE per seat, a roster per
 * seat, and a few more. Inputs, joins and resumes are refused (ERR_AGAIN)
 * while fewer than this many slots remain below MEETING_ACTIONS_MAX. */
#define MEETING_OP_RESERVE (3 * MEETING_PARTICIPANTS_LIMIT + 8)

struct meeting_participant {
    uint32_t id;
    enum role role;
    /* PSTATE_RECONNECTING only for seats that were admitted; a lobby seat
     * whose connection dropped stays PSTATE_LOBBY with connected false. */
    enum participant_state state;
    bool is_host;
    bool connected; /* false while the seat waits for a resume */
    bool mic;
    bool camera;
    bool screen;
    bool hand;
    int64_t invitation_id;
    int64_t disconnected_at; /* meaningful while !connected */
    size_t secret_len;
    char secret[MEETING_RESUME_SECRET_MAX]; /* zero padded, not NUL terminated */
    char name[MEETING_NAME_MAX + 1];
    bool phone;                          /* on the phone bridge */
    char phone_masked[PHONE_MASKED_MAX]; /* "" when unknown */
};

/* Everything a rejected input must leave as it was: snapshotted when an
 * operation begins and restored if it fails half-way (out of memory). */
struct meeting_core {
    struct meeting_participant p[MEETING_PARTICIPANTS_LIMIT]; /* in join order */
    size_t n;
    bool locked;
    bool screen_share_open; /* everyone may share a screen, not only hosts */
    bool ended;
    uint32_t next_pid;
    int64_t next_chat_id;
};

struct meeting {
    int64_t id;
    char title[STORE_TITLE_MAX + 1];
    unsigned max_participants;
    int64_t resume_window_ms;

    struct meeting_core core;
    struct meeting_core saved; /* copy of core taken by meeting_txn_begin */

    /* The last MEETING_CHAT_HISTORY "chat" messages, oldest at hist_start. */
    json_t *history[MEETING_CHAT_HISTORY];
    size_t hist_start;
    size_t hist_len;
    json_t *pending_chat; /* owned; joins the history when the operation commits */

    /* Action queue: the live actions are q[q_head .. q_len). */
    struct meeting_action *q;
    size_t q_head;
    size_t q_len;
    size_t q_cap;
    size_t txn_mark; /* queued count when the operation began */
};

/* ---- meeting.c: helpers for the operations ---- */

struct meeting_participant *meeting_find(struct meeting *m, uint32_t pid);
size_t meeting_queued(const struct meeting *m);

/* An operation that either completes or leaves core and queue as they were. */
int meeting_txn_begin(struct meeting *m);
void meeting_txn_abort(struct meeting *m);
void meeting_txn_commit(struct meeting *m);

/* Queues msg (takes ownership; NULL means its allocation failed and gives
 * ERR_NOMEM) to p, unless p has no connection (then msg is dropped, 0). */
int meeting_send(struct meeting *m, const struct meeting_participant *p, json_t *msg);
int meeting_close(struct meeting *m, uint32_t pid);
/* Audits `kind` about `who` (NULL: no participant). detail is used as is,
 * or "by <by->name>" when by is not NULL. */
int meeting_audit(struct meeting *m, int64_t now_ms, const char *kind,
                  const struct meeting_participant *who, const char *detail,
                  const struct meeting_participant *by);
/* Queues MEETING_ACT_LOCKED with the current lock state, for the store. */
int meeting_persist_lock(struct meeting *m);
/* Sends the roster to every connected admitted participant: the host view to
 * hosts, the guest view to the others only when guests_too. */
int meeting_broadcast_roster(struct meeting *m, bool guests_too);
/* Sends "admitted", the chat history and nothing else to p. */
int meeting_send_admitted(struct meeting *m, const struct meeting_participant *p);
/* Takes seat i out of the meeting (keeps join order of the others). */
void meeting_remove_seat(struct meeting *m, size_t i);
/* Ends the meeting. `host` is the host who ended it or NULL. strict: fail
 * (ERR_NOMEM) rather than skip a message that could not be built. */
int meeting_end_core(struct meeting *m, int64_t now_ms, const char *reason,
                     const struct meeting_participant *host, bool strict);
/* True if guests (non-hosts) see this seat in their roster. */
bool meeting_guest_visible(const struct meeting_participant *p);
size_t meeting_admitted_count(const struct meeting *m);

/* Chat and lobby text: valid UTF-8, no control characters but tab and line
 * breaks. *blank: only whitespace; *chars: the number of code points. */
bool meeting_text_ok(const char *s, size_t len, bool *blank, size_t *chars);

/* ---- meeting_lobby.c ---- */

/* A lobby message's text: 1..MEETING_LOBBY_TEXT_MAX characters of
 * meeting_text_ok, not blank. 0 with *len_out its length in bytes, or ERR_PARSE. */
int meeting_lobby_text_check(const char *text, size_t *len_out);
/* Sends a checked lobby text to `to` and audits it "lobby_message" by `by`
 * (the text is not logged). Inside a transaction. */
int meeting_lobby_deliver(struct meeting *m, int64_t now_ms, const struct meeting_participant *to,
                          const char *text, size_t len, const struct meeting_participant *by);

/* ---- meeting_msg.c: outgoing JSON; each returns a new object or NULL ---- */

json_t *meeting_msg_participant(const struct meeting_participant *p);
json_t *meeting_msg_joined(const struct meeting *m, const struct meeting_participant *p,
                           bool resumed);
/* {"type":type} */
json_t *meeting_msg_type(const char *type);
/* {"type":type, key:value} */
json_t *meeting_msg_text(const char *type, const char *key, const char *value);
json_t *meeting_msg_roster(const struct meeting *m, bool host_view);
json_t *meeting_msg_chat(int64_t id, const struct meeting_participant *from, const char *text,
                         size_t len, int64_t at_ms);
/* {"type":"chat_history","messages":[...]}; *out is NULL when there is no history. */
int meeting_msg_chat_history(const struct meeting *m, json_t **out);
json_t *meeting_msg_mute_request(uint32_t from, const char *kind);
/* ref may be NULL (omitted). */
json_t *meeting_msg_error(const char *code, const char *message, const char *ref);

/* ---- meeting_input.c ---- */

/* Validates and trims a display name into out; 0 or ERR_PARSE. */
int meeting_name_check(const char *name, char out[MEETING_NAME_MAX + 1]);

#endif
