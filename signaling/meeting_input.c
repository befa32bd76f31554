/* Client messages of the meeting (meeting_input) and the checks of untrusted
 * text (display names, chat). Each message is validated before anything
 * changes, then applied inside a transaction (see meeting.c).
 *
 * Error codes on the wire and the ERR_* meeting_input returns:
 *   bad_message   ERR_PARSE (ERR_TOOBIG for chat text over MEETING_CHAT_MAX)
 *   unknown_type  ERR_PROTO
 *   wrong_state   ERR_PROTO
 *   not_permitted ERR_DENIED
 *   not_found     ERR_NOTFOUND
 *   meeting_full  ERR_FULL */
#define LOG_MODULE "meeting"

#include "signaling/meeting.h"
#include "signaling/meeting_int.h"

#include <string.h>

#include "base/err.h"
#include "base/log.h"

#define STR_(x) #x
#define STR(x) STR_(x)

/* Longest display name accepted before trimming (whitespace included). */
#define NAME_INPUT_MAX 1024
/* A "type" longer than this is not echoed back in "ref". */
#define REF_MAX 32

/* ---- untrusted text ---- */

/* Decodes one UTF-8 sequence from s[0..len) (len > 0). Returns its length,
 * or 0 if it is not valid (overlong, surrogate, past U+10FFFF, truncated). */
static size_t utf8_next(const unsigned char *s, size_t len, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t n;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2, v = c & 0x1fu, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3, v = c & 0x0fu, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4, v = c & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    if (n > len)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3fu);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return n;
}

static bool is_ascii_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* Control characters (C0, DEL, C1), line/paragraph separators and the bidi
 * embedding/override/isolate controls, which would let a name pose as
 * another when shown to the others. */
static bool name_char_ok(uint32_t cp)
{
    if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
        return false;
    if ((cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
        return false;
    return true;
}

int meeting_name_check(const char *name, char out[MEETING_NAME_MAX + 1])
{
    size_t len = strnlen(name, NAME_INPUT_MAX + 1);
    const char *b = name, *e = name + len;
    size_t n;
    if (len > NAME_INPUT_MAX)
        return ERR_PARSE;
    while (b < e && is_ascii_space(*b))
        b++;
    while (e > b && is_ascii_space(e[-1]))
        e--;
    n = (size_t)(e - b);
    if (n == 0 || n > MEETING_NAME_MAX)
        return ERR_PARSE;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = utf8_next((const unsigned char *)b + i, n - i, &cp);
        if (k == 0 || !name_char_ok(cp))
            return ERR_PARSE;
        i += k;
    }
    memcpy(out, b, n);
    out[n] = '\0';
    return 0;
}

bool meeting_text_ok(const char *s, size_t len, bool *blank, size_t *chars)
{
    *blank = true;
    *chars = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t k = utf8_next((const unsigned char *)s + i, len - i, &cp);
        if (k == 0)
            return false;
        if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0x7f)
            return false;
        if (!is_ascii_space(s[i]))
            *blank = false;
        i += k;
        (*chars)++;
    }
    return true;
}

/* ---- replies ---- */

struct rejection {
    const char *code;    /* wire code */
    const char *message; /* English, for people */
};

static int reject(struct rejection *r, int err, const char *code, const char *message)
{
    r->code = code;
    r->message = message;
    return err;
}

#define BAD(r, msg) reject((r), ERR_PARSE, "bad_message", (msg))

/* The type echoed back in "ref": short printable ASCII only. */
static const char *ref_of(const char *type)
{
    size_t len;
    if (!type)
        return NULL;
    len = strnlen(type, REF_MAX + 1);
    if (len == 0 || len > REF_MAX)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        if (type[i] < 0x20 || type[i] > 0x7e)
            return NULL;
    }
    return type;
}

static int reply_error(struct meeting *m, uint32_t pid, const char *type, int err, const char *code,
                       const char *message)
{
    /* pid may no longer be a seat (the meeting ended): address it directly. */
    struct meeting_participant to = {.id = pid, .connected = true};
    if (meeting_send(m, &to, meeting_msg_error(code, message, ref_of(type))) != 0)
        LOG_W("meeting %lld: could not queue an error for %u", (long long)m->id, (unsigned)pid);
    return err;
}

/* ---- field access ---- */

/* 1 if key is present and a boolean (*out set), 0 if absent, ERR_PARSE otherwise. */
static int get_bool(const json_t *msg, const char *key, bool *out)
{
    json_t *v = json_object_get(msg, key);
    if (!v)
        return 0;
    if (!json_is_boolean(v))
        return ERR_PARSE;
    *out = json_is_true(v);
    return 1;
}

static int require_admitted(const struct meeting_participant *p, struct rejection *r,
                            const char *message)
{
    if (p->state != PSTATE_ADMITTED)
        return reject(r, ERR_PROTO, "wrong_state", message);
    return 0;
}

static int require_host(const struct meeting_participant *p, struct rejection *r,
                        const char *message)
{
    if (!p->is_host)
        return reject(r, ERR_DENIED, "not_permitted", message);
    return require_admitted(p, r, "Host actions are available once you are in the meeting");
}

static int get_target(struct meeting *m, const json_t *msg, struct meeting_participant **out,
                      struct rejection *r)
{
    json_t *v = json_object_get(msg, "participant_id");
    json_int_t id;
    if (!json_is_integer(v))
        return BAD(r, "Field \"participant_id\" must be an integer");
    id = json_integer_value(v);
    if (id <= 0 || id > (json_int_t)UINT32_MAX || !(*out = meeting_find(m, (uint32_t)id)))
        return reject(r, ERR_NOTFOUND, "not_found",
                      "No participant with that id is in this meeting");
    return 0;
}

/* ---- handlers: validate everything, then change and queue ---- */

typedef int (*handler_fn)(struct meeting *m, int64_t now_ms, struct meeting_participant *p,
                          const json_t *msg, struct rejection *r);

static int h_chat(struct meeting *m, int64_t now_ms, struct meeting_participant *p,
                  const json_t *msg, struct rejection *r)
{
    json_t *v = json_object_get(msg, "text");
    const char *text;
    size_t len;
    bool blank;
    size_t chars;
    json_t *chat;
    int rc;
    if ((rc = require_admitted(p, r, "Chat is available once you are admitted to the meeting")))
        return rc;
    if (!json_is_string(v))
        return BAD(r, "Field \"text\" must be a string");
    text = json_string_value(v);
    len = json_string_length(v);
    if (len > MEETING_CHAT_MAX)
        return reject(r, ERR_TOOBIG, "bad_message",
                      "Chat text is longer than " STR(MEETING_CHAT_MAX) " bytes");
    if (strnlen(text, len) != len || !meeting_text_ok(text, len, &blank, &chars))
        return BAD(r, "Chat text must not contain control characters");
    if (blank)
        return BAD(r, "Chat text must not be empty");

    if (!(chat = meeting_msg_chat(m->core.next_chat_id, p, text, len, now_ms)))
        return ERR_NOMEM;
    m->core.next_chat_id++;
    m->pending_chat = chat; /* freed by the abort if a send fails */
    for (size_t i = 0; i < m->core.n; i++) {
        const struct meeting_participant *q = &m->core.p[i];
        if (q->state == PSTATE_ADMITTED && (rc = meeting_send(m, q, json_incref(chat))) != 0)
            return rc;
    }
    return 0;
}

static int h_hand(struct meeting *m, int64_t now_ms, struct meeting_participant *p,
                  const json_t *msg, struct rejection *r)
{
    bool raised = false;
    int rc;
    (void)now_ms;
    if ((rc = require_admitted(p, r, "You can raise your hand once you are admitted")))
        return rc;
    if (get_bool(msg, "raised", &raised) != 1)
        return BAD(r, "Field \"raised\" must be true or false");
    if (p->hand == raised)
        return 0;
    p->hand = raised;
    return meeting_broadcast_roster(m, true);
}

static int h_media_state(struct meeting *m, int64_t now_ms, struct meeting_participant *p,
                         const json_t *msg, struct rejection *r)
{
    bool mic = p->mic, camera = p->camera, screen = p->screen;
    int rc;
    (void)now_ms;
    if ((rc = require_admitted(p, r, "Media is available once you are admitted")))
        return rc;
    if (get_bool(msg, "mic", &mic) < 0 || get_bool(msg, "camera", &camera) < 0 ||
        get_bool(msg, "screen", &screen) < 0)
        return BAD(r, "Fields \"mic\", \"camera\" and \"screen\" must be true or false");
    if (mic == p->mic && camera == p->camera && screen == p->screen)
        return 0;
    p->mic = mic;
    p->camera = camera;
    p->screen = screen;
    return meeting_broadcast_roster(m, true);
}

static int h_leave(struct meeting *m, int64_t now_ms, struct meeting_participant *p,
                   const json_t *msg, struct rejection *r)
{
    struct meeting_participant me = *p;
    int rc;
    (void)msg;
    (void)r;
    meeting_remove_seat(m, (size_t)(p - m->core.p));
    if ((rc = meeting_send(m, &me, meeting_msg_type("left"))) != 0 ||
        (rc = meeting_close(m, me.id)) != 0 ||
        (rc = meeting_broadcast_roster(m, meeting_guest_visible(&me))) != 0)
        return rc;
    return meeting_audit(m, now_ms, "leave", &me, "left", NULL);
}

static int h_admit(struct meeting *m, int64_t now_ms, struct meeting_participant *p,
                   const json_t *msg, struct rejection *r)
{
    struct meeting_participant *t;
    int rc;
    if ((rc = require_host(p, r, "Only a host can admit participants")) ||
        (rc = get_target(m, msg, &t, r)))
        return rc;
    if (t->state != PSTATE_LOBBY)
        return reject(r, ERR_PROTO, "wrong_state", "That participant is not waiting in the lobby");
    /* Lobby seats count towards the cap too, so this only guards the invariant. */
    if (meeting_admitted_count(m) >= m->max_participants)
        return reject(r, ERR_FULL, "meeting_full", "The meeting is full");
    /* A lobby seat whose connection dropped is admitted as reconnecting and
     * gets "admitted" when it resumes. */
    t->state = t->connected ? PSTATE_ADMITTED : PSTATE_RECONNECTING;
    if ((rc = meeting_send_admitted(m, t)) != 0 || (rc = meeting_broadcast_roster(m, true)) != 0)
        return rc;
    return meeting_audit(m, now_ms, "admit", t, NULL, p);
}

/* A host takes seat tp out: `type` with `message` to it, CLOSE, the roster to
 * whoever saw it, and the audit `kind` "by <host>". */
static int eject(struct meeting *m, int64_t now_ms, struct meeting_participant *tp,
                 const struct meeting_participant *p, const char *type, const char *message,
                 const char *kind)
{
    struct meeting_participant host = *p, t = *tp; /* the seats shift below */
    int rc;
    meeting_remove_seat(m, (size_t)(tp - m->core.p));
    if ((rc = meeting_send(m, &t, meeting_msg_text(type, "message", message))) != 0 ||
        (rc = meeting_close(m, t.id)) != 0 ||
        (rc = meeting_broadcast_roster(m, meeting_guest_visible(&t))) != 0)
        return rc;
    return meeting_audit(m, now_ms, kind, &t, NULL, &host);
}

static int h_deny(struct meeting *m, int64_t now_ms, struct meeting_participant *p,
                  const json_t *msg, struct rejection *r)
{
    struct meeting_participant *t;
    int rc;
    if ((rc = require_host(p, r, "Only a host can deny participants")) ||
        (rc = get_target(m, msg, &t, r)))
        return rc;
    if (t->state != PSTATE_LOBBY)
        return reject(r, ERR_PROTO, "wrong_state", "That participant is not waiting in the lobby");
    return eject(m, now_ms, t, p, "denied", "The host did not let you in", "deny");
}

/* A host's short text to one participant waiting in the lobby; the host
 * gets "lobby_message_sent". Checked and audited as meeting_lobby_message. */
static int h_lobby_message(struct meeting *m, int64_t now_ms, struct meeting_participant *p,
                           const json_t *msg, struct rejection *r)
{
    json_t *v = json_object_get(msg, "text");
    struct meeting_participant *t;
    size_t len = 0;
    int rc;
    if ((rc = require_host(p, r, "Only a host can write to someone in the lobby")) ||
        (rc = get_target(m, msg, &t, r)))
        return rc;
    if (!json_is_string(v) ||
        strnlen(json_string_value(v), json_string_length(v)) != json_string_length(v) ||
        meeting_lobby_text_check(json_string_value(v), &len) != 0)
        return BAD(r, "Field \"text\" must be 1 to " STR(
                          MEETING_LOBBY_TEXT_MAX) " characters without control characters");
    if (t->state != PSTATE_LOBBY || !t->connected)
        return reject(r, ERR_NOTFOUND, "not_found", "That participant is not waiting in the lobby");
    if ((rc = meeting_lobby_deliver(m, now_ms, t, json_string_value(v), len, p)) != 0)
        return rc;
    return meeting_send(
        m, p,
        json_pack("{s:s, s:I}", "type", "lobby_message_sent", "participant_id", (json_int_t)t->id));
}

static int h_remove(struct meeting *m, int64_t now_ms, struct meeting_participant *p,
                    const json_t *msg, struct rejection *r)
{
    struct meeting_participant *t;
    int rc;
    if ((rc = require_host(p, r, "Only a host can remove participants")) ||
        (rc = get_target(m, msg, &t, r)))
        return rc;
    if (t == p)
        return BAD(r, "You cannot remove yourself; send \"leave\" instead");
    return eject(m, now_ms, t, p, "removed", "You were removed from the meeting by the host",
                 "remove");
}

static int h_mute_request(struct meeting *m, int64_t now_ms, struct meeting_participant *p,
                          const json_t *msg, struct rejection *r)
{
    static const char *const kinds[] = {"mic", "camera", "screen"};
    json_t *v = json_object_get(msg, "kind");
    const char *kind = NULL;
    struct meeting_participant *t;
    int rc;
    (void)now_ms;
    if ((rc = require_host(p, r, "Only a host can ask others to mute")))
        return rc;
    for (size_t i = 0; json_is_string(v) && i < sizeof kinds / sizeof kinds[0]; i++) {
        if (strcmp(json_string_value(v), kinds[i]) == 0)
            kind = kinds[i];
    }
    if (!kind)
        return BAD(r, "Field \"kind\" must be \"mic\", \"camera\" or \"screen\"");
    if ((rc = get_target(m, msg, &t, r)))
        return rc;
    if (t->state != PSTATE_ADMITTED)
        return reject(r, ERR_PROTO, "wrong_state", "That participant is not in the meeting");
    return meeting_send(m, t, meeting_msg_mute_request(p->id, kind));
}

static int h_lock(struct meeting *m, int64_t now_ms, struct meeting_participant *p,
                  const json_t *msg, struct rejection *r)
{
    bool locked = false;
    int rc;
    if ((rc = require_host(p, r, "Only a host can lock the meeting")))
        return rc;
    if (get_bool(msg, "locked", &locked) != 1)
        return BAD(r, "Field \"locked\" must be true or false");
    if (m->core.locked == locked)
        return 0;
    m->core.locked = locked;
    if ((rc = meeting_broadcast_roster(m, true)) != 0 || (rc = meeting_persist_lock(m)) != 0)
        return rc;
    return meeting_audit(m, now_ms, locked ? "lock" : "unlock", p, "", NULL);
}

static int h_screen_share(struct meeting *m, int64_t now_ms, struct meeting_participant *p,
                          const json_t *msg, struct rejection *r)
{
    bool open = false;
    int rc;
    (void)now_ms;
    if ((rc = require_host(p, r, "Only a host can decide who may share a screen")))
        return rc;
    if (get_bool(msg, "allowed", &open) != 1)
        return BAD(r, "Field \"allowed\" must be true or false");
    if (m->core.screen_share_open == open)
        return 0;
    m->core.screen_share_open = open;
    return meeting_broadcast_roster(m, true);
}

static int h_end(struct meeting *m, int64_t now_ms, struct meeting_participant *p,
                 const json_t *msg, struct rejection *r)
{
    int rc;
    (void)msg;
    if ((rc = require_host(p, r, "Only a host can end the meeting")))
        return rc;
    return meeting_end_core(m, now_ms, "host", p, true);
}

static const struct {
    const char *type;
    handler_fn fn;
} handlers[] = {
    {"chat", h_chat},
    {"hand", h_hand},
    {"media_state", h_media_state},
    {"leave", h_leave},
    {"admit", h_admit},
    {"deny", h_deny},
    {"lobby_message", h_lobby_message},
    {"remove", h_remove},
    {"mute_request", h_mute_request},
    {"lock", h_lock},
    {"allow_screen_share", h_screen_share},
    {"end", h_end},
};

static handler_fn find_handler(const char *type)
{
    for (size_t i = 0; i < sizeof handlers / sizeof handlers[0]; i++) {
        if (strcmp(type, handlers[i].type) == 0)
            return handlers[i].fn;
    }
    return NULL;
}

int meeting_input(struct meeting *m, int64_t now_ms, uint32_t pid, const json_t *msg)
{
    struct rejection rej = {NULL, NULL};
    struct meeting_participant *p;
    const char *type = NULL;
    handler_fn fn;
    int rc;
    if (!m || !msg)
        return ERR_INVAL;
    /* No room for the answer: refuse without queuing anything. */
    if (meeting_queued(m) + MEETING_OP_RESERVE > MEETING_ACTIONS_MAX)
        return ERR_AGAIN;
    if (json_is_object(msg)) {
        json_t *t = json_object_get(msg, "type");
        if (json_is_string(t))
            type = json_string_value(t);
    }
    if (m->core.ended) {
        if (pid == 0 || pid >= m->core.next_pid)
            return ERR_NOTFOUND; /* never a participant */
        return reply_error(m, pid, type, ERR_PROTO, "wrong_state", "The meeting has ended");
    }
    if (!(p = meeting_find(m, pid)))
        return ERR_NOTFOUND; /* not a participant: nobody to answer */
    if (!p->connected)
        return ERR_PROTO; /* the caller said this connection was gone */
    if (!type)
        return reply_error(m, pid, NULL, ERR_PARSE, "bad_message",
                           "A message must be a JSON object with a string \"type\"");
    if (!(fn = find_handler(type)))
        return reply_error(m, pid, type, ERR_PROTO, "unknown_type", "Unknown message type");
    if ((rc = meeting_txn_begin(m)) != 0)
        return rc;
    rc = fn(m, now_ms, p, msg, &rej);
    if (rc == 0) {
        meeting_txn_commit(m);
        return 0;
    }
    meeting_txn_abort(m);
    if (rej.code)
        return reply_error(m, pid, type, rc, rej.code, rej.message);
    LOG_W("meeting %lld: \"%s\" from %u failed: %s", (long long)m->id, ref_of(type) ? type : "?",
          (unsigned)pid, err_str(rc));
    return rc;
}
