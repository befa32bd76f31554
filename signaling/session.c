#define LOG_MODULE "session"
#include "signaling/session.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "media/media.h"
#include "signaling/docstore.h"
#include "signaling/echo.h"
#include "signaling/ice_servers.h"
#include "signaling/meeting.h"
#include "signaling/phone.h"
#include "signaling/session_int.h"
#include "signaling/sfu.h"
#include "signaling/sig.h"
#include "signaling/token.h"

#include <libwebsockets.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- outgoing ---- */

static void enqueue_text(struct sig *sig, struct ws_conn *c, const char *text, size_t len)
{
    if (c->out_count >= SESSION_OUT_MAX_MESSAGES || len > SESSION_OUT_MAX_BYTES - c->out_bytes) {
        /* A client that does not read is dropped rather than buffered without end. */
        LOG_W("dropping a connection that does not read its messages");
        lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
        return;
    }
    struct out_msg *o = malloc(sizeof *o + LWS_PRE + len);
    if (!o) {
        lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
        return;
    }
    o->next = NULL;
    o->len = len;
    memcpy(o->data + LWS_PRE, text, len);
    if (c->out_tail)
        c->out_tail->next = o;
    else
        c->out_head = o;
    c->out_tail = o;
    c->out_count++;
    c->out_bytes += len;
    sig->counters.ws_messages_sent++;
    lws_callback_on_writable(c->wsi);
}

void session_send_json(struct sig *sig, struct ws_conn *c, json_t *msg /* takes ownership */)
{
    if (!msg)
        return;
    const char *type = json_string_value(json_object_get(msg, "type"));
    if (type && strcmp(type, "error") == 0) {
        const char *code = json_string_value(json_object_get(msg, "code"));
        if (sig->error_sent)
            sig->error_sent(sig->server, code ? code : "unknown");
    }
    char *text = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    if (!text)
        return;
    enqueue_text(sig, c, text, strlen(text));
    free(text);
}

void session_send_error(struct sig *sig, struct ws_conn *c, const char *code, const char *message,
                        const char *ref)
{
    json_t *msg = json_pack("{s:s, s:s, s:s}", "type", "error", "code", code, "message", message);
    if (msg && ref)
        json_object_set_new(msg, "ref", json_string(ref));
    session_send_json(sig, c, msg);
}

static void close_after_flush(struct ws_conn *c, enum lws_close_status code)
{
    c->close_after_flush = true;
    c->close_code = code;
    lws_callback_on_writable(c->wsi);
}

/* ---- live meetings ---- */

struct live_meeting *session_live_find(struct sig *sig, int64_t id)
{
    for (struct live_meeting *lm = sig->live; lm; lm = lm->next)
        if (lm->id == id)
            return lm;
    return NULL;
}

struct meeting *session_live_meeting(struct live_meeting *lm)
{
    return lm->m;
}

struct ws_conn **session_seat_of(struct live_meeting *lm, uint32_t pid)
{
    for (size_t i = 0; i < MEETING_PARTICIPANTS_LIMIT; i++)
        if (lm->seats[i].pid == pid && lm->seats[i].conn)
            return &lm->seats[i].conn;
    return NULL;
}

static void detach(struct ws_conn *c)
{
    if (!c->lm)
        return;
    struct ws_conn **seat = session_seat_of(c->lm, c->pid);
    if (seat && *seat == c) {
        *seat = NULL;
    }
    c->lm = NULL;
    c->pid = 0;
}

static int attach(struct live_meeting *lm, struct ws_conn *c, uint32_t pid)
{
    struct ws_conn **old = session_seat_of(lm, pid);
    if (old) {
        /* The same seat on a new connection (resume before the old socket was
         * noticed dead): the newer connection wins. */
        struct ws_conn *prev = *old;
        prev->lm = NULL;
        prev->pid = 0;
        close_after_flush(prev, LWS_CLOSE_STATUS_NORMAL);
        *old = c;
        c->lm = lm;
        c->pid = pid;
        return 0;
    }
    for (size_t i = 0; i < MEETING_PARTICIPANTS_LIMIT; i++) {
        if (!lm->seats[i].conn) {
            lm->seats[i].pid = pid;
            lm->seats[i].conn = c;
            c->lm = lm;
            c->pid = pid;
            return 0;
        }
    }
    return ERR_FULL;
}

/* Fresh TURN credentials for participant pid of a meeting, or for a pre-call
 * check before joining when meeting_id is 0 (docs/PROTOCOL.md, "TURN relay"). */
static void send_ice_servers(struct sig *sig, struct ws_conn *c, int64_t meeting_id, uint32_t pid)
{
    char who[64] = "a pre-call check";
    if (meeting_id)
        snprintf(who, sizeof who, "meeting %lld participant %u", (long long)meeting_id, pid);
    json_t *msg = ice_servers_message(&sig->cfg->turn, now_wall_ms(), who);
    if (msg)
        session_send_json(sig, c, msg);
    else
        session_send_error(sig, c, "server_error", "could not make TURN credentials",
                           "ice_servers");
}

/* Carries out what the meeting asked for: messages, closes, audit, end. */
void session_drain(struct sig *sig, struct live_meeting *lm)
{
    struct meeting_action a;
    uint32_t admitted[MEETING_PARTICIPANTS_LIMIT];
    size_t n_admitted = 0;
    while (meeting_poll(lm->m, &a)) {
        struct ws_conn **seat = NULL;
        const char *type;
        switch (a.kind) {
        case MEETING_ACT_SEND:
            seat = session_seat_of(lm, a.pid);
            type = json_string_value(json_object_get(a.msg, "type"));
            bool admission = type && strcmp(type, "admitted") == 0;
            /* Media credentials come with admission, never to the lobby. */
            if (seat && admission && turn_enabled(&sig->cfg->turn))
                send_ice_servers(sig, *seat, lm->id, a.pid);
            if (seat && admission && n_admitted < MEETING_PARTICIPANTS_LIMIT)
                admitted[n_admitted++] = a.pid;
            if (seat) {
                session_send_json(sig, *seat, a.msg);
            } else {
                phone_meeting_send(sig, lm, a.pid, a.msg);
                json_decref(a.msg);
            }
            break;
        case MEETING_ACT_CLOSE:
            sfu_participant_left(lm->sfu, a.pid);
            session_doc_owner_left(sig, lm, a.pid);
            seat = session_seat_of(lm, a.pid);
            if (seat) {
                struct ws_conn *c = *seat;
                detach(c);
                close_after_flush(c, LWS_CLOSE_STATUS_NORMAL);
            } else {
                phone_meeting_closed(sig, lm, a.pid);
            }
            break;
        case MEETING_ACT_AUDIT:
            if (store_audit_add(sig->store, &a.audit) < 0)
                LOG_E("meeting %lld: audit event '%s' not stored", (long long)lm->id, a.audit.kind);
            link_watch_audit(sig, lm->id, a.invitation_id, &a.audit);
            break;
        case MEETING_ACT_ENDED:
            docstore_remove(sig->docs, lm->id, NULL);
            if (store_meeting_set_ended(sig->store, lm->id, now_wall_ms()) < 0)
                LOG_E("meeting %lld: end not stored", (long long)lm->id);
            break;
        case MEETING_ACT_LOCKED:
            if (store_meeting_set_locked(sig->store, lm->id, a.locked) < 0)
                LOG_E("meeting %lld: lock state not stored", (long long)lm->id);
            break;
        }
    }
    /* The stage document follows the roster, so the room is built by then. */
    for (size_t i = 0; i < n_admitted; i++)
        session_doc_send_state(sig, lm, admitted[i]);
}

static void live_free(struct sig *sig, struct live_meeting *lm)
{
    for (struct live_meeting **pp = &sig->live; *pp; pp = &(*pp)->next) {
        if (*pp == lm) {
            *pp = lm->next;
            break;
        }
    }
    for (size_t i = 0; i < MEETING_PARTICIPANTS_LIMIT; i++) {
        if (lm->seats[i].conn) {
            lm->seats[i].conn->lm = NULL;
            lm->seats[i].conn->pid = 0;
        }
    }
    docstore_remove(sig->docs, lm->id, NULL);
    sfu_room_destroy(lm->sfu);
    meeting_destroy(lm->m);
    free(lm);
}

int session_live_get(struct sig *sig, const struct store_meeting *sm, struct live_meeting **out)
{
    struct live_meeting *lm = session_live_find(sig, sm->id);
    if (lm) {
        *out = lm;
        return 0;
    }
    lm = calloc(1, sizeof *lm);
    if (!lm)
        return ERR_NOMEM;
    struct meeting_cfg cfg = {
        .id = sm->id,
        .title = sm->title,
        .max_participants = sig->cfg->max_participants,
        .resume_window_ms = (int64_t)sig->cfg->resume_seconds * 1000,
        .locked = sm->locked,
    };
    int rc = meeting_create(&lm->m, &cfg);
    if (rc < 0) {
        free(lm);
        return rc;
    }
    lm->sig = sig;
    lm->id = sm->id;
    lm->next = sig->live;
    sig->live = lm;
    *out = lm;
    return 0;
}

/* ---- join and resume ---- */

bool session_check_invitation(struct sig *sig, const char *token, struct store_invitation *inv,
                              struct store_meeting *sm, const char **code, const char **why)
{
    uint8_t hash[STORE_HASH_LEN];
    if (!token || token_hash(token, hash) < 0 || store_invitation_find(sig->store, hash, inv) < 0 ||
        store_meeting_get(sig->store, inv->meeting_id, sm) < 0) {
        *code = "invalid_token";
        *why = "this link is not valid";
    } else if (inv->revoked_at || !linkkey_invitation_ok(&sig->link_key, inv)) {
        *code = "token_revoked";
        *why = "this link has been withdrawn by the caseworker";
    } else if (sm->ended_at) {
        *code = "meeting_ended";
        *why = "this meeting has ended";
    } else if (now_wall_ms() >= inv->expires_at) {
        *code = "token_expired";
        *why = "this link has expired";
    } else {
        return true;
    }
    return false;
}

static void handle_join(struct sig *sig, struct ws_conn *c, const json_t *msg)
{
    const char *token = json_string_value(json_object_get(msg, "token"));
    const char *name = json_string_value(json_object_get(msg, "name"));
    if (!token || !name) {
        session_send_error(sig, c, "bad_message", "join needs string fields 'token' and 'name'",
                           "join");
        return;
    }
    struct store_invitation inv;
    struct store_meeting sm;
    int64_t now = now_wall_ms();
    const char *code, *why;
    if (!session_check_invitation(sig, token, &inv, &sm, &code, &why)) {
        session_send_error(sig, c, code, why, "join");
        return;
    }

    struct live_meeting *lm;
    if (session_live_get(sig, &sm, &lm) < 0) {
        session_send_error(sig, c, "server_error", "could not open the meeting", "join");
        return;
    }
    char secret[TOKEN_STR_LEN + 1];
    if (token_generate(secret) < 0) {
        session_send_error(sig, c, "server_error", "could not create a resume token", "join");
        return;
    }
    struct meeting_join req = {
        .role = inv.role,
        .is_host = inv.is_host,
        .auto_admit = inv.auto_admit,
        .invitation_id = inv.id,
        .display_name = name,
        .resume_secret = secret,
    };
    uint32_t pid = 0;
    int rc = meeting_join(lm->m, now, &req, &pid);
    OPENSSL_cleanse(secret, sizeof secret);
    switch (rc) {
    case 0:
        break;
    case ERR_PARSE:
        session_send_error(sig, c, "bad_message",
                           "the name must be 1 to 64 bytes long without control characters",
                           "join");
        return;
    case ERR_FULL:
        session_send_error(sig, c, "meeting_full", "the meeting is full", "join");
        return;
    case ERR_PROTO:
        session_send_error(sig, c, "meeting_locked", "the host has locked the meeting", "join");
        return;
    case ERR_EXPIRED:
        session_send_error(sig, c, "meeting_ended", "this meeting has ended", "join");
        return;
    default:
        session_send_error(sig, c, "server_error", "could not join the meeting", "join");
        return;
    }
    if (attach(lm, c, pid) < 0) {
        /* Cannot happen while seats >= the participant cap; leave cleanly if it does. */
        meeting_disconnected(lm->m, now, pid);
        session_send_error(sig, c, "server_error", "could not join the meeting", "join");
    }
    session_drain(sig, lm);
}

static void handle_resume(struct sig *sig, struct ws_conn *c, const json_t *msg)
{
    const char *secret = json_string_value(json_object_get(msg, "resume_token"));
    if (!secret) {
        session_send_error(sig, c, "bad_message", "resume needs a string field 'resume_token'",
                           "resume");
        return;
    }
    int64_t now = now_wall_ms();
    for (struct live_meeting *lm = sig->live; lm; lm = lm->next) {
        uint32_t pid;
        if (meeting_resume(lm->m, now, secret, &pid) == 0) {
            if (attach(lm, c, pid) < 0) {
                meeting_disconnected(lm->m, now, pid);
                session_send_error(sig, c, "server_error", "could not resume", "resume");
            }
            session_drain(sig, lm);
            return;
        }
    }
    session_send_error(sig, c, "resume_failed",
                       "the seat could not be resumed: join again with your link", "resume");
}

/* ---- media (signaling/sfu.c) ---- */

static void send_to_pid(void *arg, uint32_t pid, json_t *msg)
{
    struct live_meeting *lm = arg;
    struct ws_conn **seat = session_seat_of(lm, pid);
    if (seat)
        session_send_json(lm->sig, *seat, msg);
    else
        json_decref(msg);
}

int session_live_sfu(struct sig *sig, struct live_meeting *lm, int worker, struct sfu_room **out)
{
    int rc = lm->sfu ? 0
                     : sfu_room_create(&lm->sfu, sig->media, &sig->next_media_session, lm->id,
                                       worker, send_to_pid, lm);
    if (out)
        *out = lm->sfu;
    return rc;
}

static bool is_media_message(const char *type)
{
    static const char *const types[] = {"publish", "subscribe", "subscribe_answer",
                                        "subscribe_prefs", "subscribe_restart"};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(type, types[i]) == 0)
            return true;
    return false;
}

static void handle_media(struct sig *sig, struct ws_conn *c, struct live_meeting *lm,
                         const char *type, const json_t *msg)
{
    if (!meeting_is_admitted(lm->m, c->pid)) {
        session_send_error(sig, c, "wrong_state", "media starts once you are let in", type);
        return;
    }
    if (!sig->media) {
        session_send_error(sig, c, "server_busy", "media is not available on this server", type);
        return;
    }
    if (session_live_sfu(sig, lm, -1, NULL) < 0) {
        session_send_error(sig, c, "server_error", "out of memory", type);
        return;
    }
    sfu_handle(lm->sfu, c->pid, type, msg, meeting_may_share_screen(lm->m, c->pid));
}

/* ice_servers on request: for the pre-call check before joining (with a
 * valid invitation token) and for admitted participants (ICE restarts, new
 * peer connections); not for the lobby. */
static void handle_ice_servers(struct sig *sig, struct ws_conn *c, const json_t *msg)
{
    if (c->lm) {
        if (meeting_is_admitted(c->lm->m, c->pid))
            send_ice_servers(sig, c, c->lm->id, c->pid);
        else
            session_send_error(sig, c, "wrong_state", "TURN credentials come once you are let in",
                               "ice_servers");
        return;
    }
    struct store_invitation inv;
    struct store_meeting sm;
    const char *code, *why;
    if (!session_check_invitation(sig, json_string_value(json_object_get(msg, "token")), &inv, &sm,
                                  &code, &why)) {
        session_send_error(sig, c, code, why, "ice_servers");
        return;
    }
    send_ice_servers(sig, c, 0, 0);
}

/* ---- incoming ---- */

static void handle_message(struct sig *sig, struct ws_conn *c, const char *text, size_t len)
{
    json_error_t jerr;
    /* Any JSON value parses, so a valid non-object gets bad_message, not bad_json.
     * \u0000 stays refused: names and chat are C strings. */
    json_t *msg = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!msg) {
        session_send_error(sig, c, "bad_json", "the message is not valid JSON", NULL);
        return;
    }
    const char *type = json_string_value(json_object_get(msg, "type"));
    if (!json_is_object(msg) || !type) {
        session_send_error(sig, c, "bad_message",
                           "a message must be a JSON object with a string 'type'", NULL);
        goto out;
    }
    if (strcmp(type, "ping") == 0) {
        session_send_json(sig, c, json_pack("{s:s}", "type", "pong"));
        goto out;
    }
    if (strcmp(type, "echo_start") == 0) {
        echo_handle_start(sig, c, msg);
        goto out;
    }
    if (strcmp(type, "echo_stop") == 0) {
        echo_handle_stop(sig, c);
        goto out;
    }
    if (strcmp(type, "ice_servers") == 0) {
        handle_ice_servers(sig, c, msg);
        goto out;
    }
    bool is_join = strcmp(type, "join") == 0, is_resume = strcmp(type, "resume") == 0;
    if (is_join || is_resume) {
        if (c->lm)
            session_send_error(sig, c, "wrong_state", "already in a meeting", type);
        else if (c->close_after_flush)
            session_send_error(sig, c, "wrong_state", "this connection is closing", type);
        else if (c->watching)
            session_send_error(sig, c, "wrong_state", "this connection watches link statuses",
                               type);
        else if (is_join)
            handle_join(sig, c, msg);
        else
            handle_resume(sig, c, msg);
        goto out;
    }
    if (!c->lm && (strcmp(type, "watch") == 0 || strcmp(type, "lobby_message") == 0)) {
        link_watch_handle(sig, c, type, msg);
        goto out;
    }
    if (strcmp(type, "dial_out") == 0) {
        phone_dial_out(sig, c, msg);
        goto out;
    }
    if (!c->lm) {
        session_send_error(sig, c, "wrong_state", "join a meeting first", type);
        goto out;
    }
    struct live_meeting *lm = c->lm;
    if (is_media_message(type)) {
        handle_media(sig, c, lm, type, msg);
        goto out;
    }
    if (strcmp(type, "doc_view") == 0 || strcmp(type, "doc_remove") == 0) {
        session_doc_message(sig, c, lm, type, msg);
        goto out;
    }

    /* A host's text to the lobby: as few as from the meeting page. */
    if (strcmp(type, "lobby_message") == 0 &&
        !ratelimit_bucket_take(&c->lobby_bucket, now_mono_us())) {
        session_send_error(sig, c, "rate_limited", "wait a moment before the next message", type);
        goto out;
    }
    meeting_input(lm->m, now_wall_ms(), c->pid, msg);
    session_drain(sig, lm);
    if (strcmp(type, "allow_screen_share") == 0 && c->lm == lm)
        sfu_enforce_screen_permission(lm->sfu, lm->m);
out:
    json_decref(msg);
}

/* A message arrived whole: apply the rate limit, then handle it. */
static int complete_message(struct sig *sig, struct ws_conn *c, const char *text, size_t len)
{
    int64_t now = now_mono_us();
    if (c->close_after_flush)
        return 0; /* closing: nothing more is read */
    sig->counters.ws_messages_received++;
    if (!ratelimit_bucket_take(&c->bucket, now)) {
        if (++c->refused_in_a_row >= SESSION_FLOOD_CLOSE) {
            LOG_W("closing a connection that keeps flooding");
            close_after_flush(c, LWS_CLOSE_STATUS_POLICY_VIOLATION);
            return 0;
        }
        /* One error per second is enough to tell; more would be a flood of our own. */
        if (now - c->last_rate_error_us >= 1000000 || c->refused_in_a_row == 1) {
            c->last_rate_error_us = now;
            session_send_error(sig, c, "rate_limited", "too many messages: slow down", NULL);
        } else {
            if (sig->error_sent)
                sig->error_sent(sig->server, "rate_limited");
        }
        return 0;
    }
    c->refused_in_a_row = 0;
    handle_message(sig, c, text, len);
    return 0;
}

int session_receive(struct sig *sig, struct ws_conn *c, const void *in, size_t len, bool first,
                    bool final, bool binary)
{
    if (first) {
        c->rx_len = 0;
        c->rx_discard = false;
    }
    if (!c->rx_discard && len > WS_MESSAGE_MAX - c->rx_len) {
        c->rx_discard = true;
        c->rx_len = 0;
    }
    if (!c->rx_discard && len) {
        if (!c->rx) {
            c->rx = malloc(WS_MESSAGE_MAX);
            if (!c->rx)
                return -1;
        }
        memcpy(c->rx + c->rx_len, in, len);
        c->rx_len += len;
    }
    if (!final)
        return 0;
    if (c->rx_discard) {
        c->rx_discard = false;
        sig->counters.ws_messages_received++;
        session_send_error(sig, c, "too_big", "messages are limited to 64 KiB", NULL);
        return 0;
    }
    if (binary) {
        sig->counters.ws_messages_received++;
        session_send_error(sig, c, "bad_message",
                           "binary messages are not accepted: send JSON text", NULL);
        return 0;
    }
    int rc = complete_message(sig, c, c->rx ? c->rx : "", c->rx_len);
    c->rx_len = 0;
    return rc;
}

int session_writeable(struct sig *sig, struct ws_conn *c)
{
    (void)sig;
    struct out_msg *o = c->out_head;
    if (o) {
        int n = lws_write(c->wsi, o->data + LWS_PRE, o->len, LWS_WRITE_TEXT);
        if (n < 0 || (size_t)n < o->len)
            return -1;
        c->out_head = o->next;
        if (!c->out_head)
            c->out_tail = NULL;
        c->out_count--;
        c->out_bytes -= o->len;
        free(o);
    }
    if (c->out_head) {
        lws_callback_on_writable(c->wsi);
        return 0;
    }
    if (c->close_after_flush) {
        lws_close_reason(c->wsi, c->close_code, NULL, 0);
        return -1;
    }
    return 0;
}

struct ws_conn *session_open(struct sig *sig, struct lws *wsi, const char *login_cookie)
{
    if (sig->stopping || sig->counters.ws_connections >= sig->cfg->max_connections) {
        LOG_W("refusing a signaling connection: %s",
              sig->stopping ? "shutting down" : "connection limit reached");
        return NULL;
    }
    struct ws_conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->wsi = wsi;
    c->has_login = login_cookie && token_hash(login_cookie, c->login_hash) == 0;
    ratelimit_bucket_init(&c->lobby_bucket, LINK_WATCH_LOBBY_PER_SEC, LINK_WATCH_LOBBY_BURST,
                          now_mono_us());
    ratelimit_bucket_init(&c->bucket, sig->cfg->ws_rate_per_sec, sig->cfg->ws_rate_burst,
                          now_mono_us());
    c->next = sig->conns;
    if (sig->conns)
        sig->conns->prev = c;
    sig->conns = c;
    sig->counters.ws_connections++;
    sig->counters.ws_connections_total++;
    return c;
}

void session_closed(struct sig *sig, struct ws_conn *c)
{
    echo_conn_closed(sig, c);
    struct live_meeting *lm = c->lm;
    if (lm) {
        uint32_t pid = c->pid;
        detach(c);
        meeting_disconnected(lm->m, now_wall_ms(), pid);
        session_drain(sig, lm);
    }
    if (c->prev)
        c->prev->next = c->next;
    else
        sig->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    while (c->out_head) {
        struct out_msg *o = c->out_head;
        c->out_head = o->next;
        free(o);
    }
    free(c->rx);
    free(c);
    sig->counters.ws_connections--;
}

/* ---- every connection and meeting ---- */

void sessions_count(struct sig *sig, unsigned *meetings, unsigned participants[PSTATE_COUNT])
{
    *meetings = 0;
    for (struct live_meeting *lm = sig->live; lm; lm = lm->next) {
        if (meeting_is_empty(lm->m))
            continue;
        (*meetings)++;
        meeting_count_states(lm->m, participants);
    }
}

unsigned sessions_meeting_participants(struct sig *sig, int64_t meeting_id)
{
    struct live_meeting *lm = session_live_find(sig, meeting_id);
    if (!lm)
        return 0;
    unsigned counts[PSTATE_COUNT] = {0}, total = 0;
    meeting_count_states(lm->m, counts);
    for (int i = 0; i < PSTATE_COUNT; i++)
        total += counts[i];
    return total;
}

void sessions_end_meeting(struct sig *sig, int64_t meeting_id, const char *reason)
{
    struct live_meeting *lm = session_live_find(sig, meeting_id);
    if (!lm)
        return;
    meeting_end(lm->m, now_wall_ms(), reason);
    session_drain(sig, lm);
}

void sessions_tick(struct sig *sig)
{
    int64_t now = now_wall_ms();
    struct live_meeting *lm = sig->live;
    while (lm) {
        struct live_meeting *next = lm->next;
        if (meeting_next_deadline(lm->m) <= now) {
            meeting_timeout(lm->m, now);
            session_drain(sig, lm);
        }
        if (meeting_is_empty(lm->m))
            live_free(sig, lm);
        lm = next;
    }
}

void sessions_shutdown(struct sig *sig)
{
    for (struct ws_conn *c = sig->conns; c; c = c->next) {
        /* Seats are not given up: a restart is not the participant leaving. */
        detach(c);
        session_send_json(sig, c,
                          json_pack("{s:s, s:s}", "type", "server_shutdown", "message",
                                    "The server is restarting. Please join again in a moment."));
        close_after_flush(c, LWS_CLOSE_STATUS_GOINGAWAY);
    }
}

void sessions_media_events(struct sig *sig)
{
    struct media_event ev;
    while (sig->media && media_poll_event(sig->media, &ev)) {
        if (phone_media_event(sig, &ev))
            continue;
        if (ev.kind != MEDIA_EVENT_SPEAKER && ev.kind != MEDIA_EVENT_VIDEO_PAUSED &&
            echo_media_event(sig, &ev))
            continue;
        for (struct live_meeting *lm = sig->live; lm; lm = lm->next)
            if (lm->sfu && sfu_media_event(lm->sfu, &ev))
                break;
    }
}

void sessions_free_all(struct sig *sig)
{
    /* At exit the media workers are stopped first (sig->media is NULL then):
     * the rooms have nothing left to close on them. */
    for (struct live_meeting *lm = sig->live; lm && !sig->media; lm = lm->next)
        if (lm->sfu)
            sfu_room_media_stopped(lm->sfu);
    while (sig->live)
        live_free(sig, sig->live);
}
