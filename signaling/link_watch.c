/* Link statuses for the caseworker: recording them (store and audit) and
 * pushing them live to the caseworker's meeting pages, which watch over a
 * signaling connection opened with their login cookie; and the caseworker's
 * short text to someone waiting in the lobby. See docs/PROTOCOL.md
 * ("Watching link statuses"). */
#define LOG_MODULE "links"
#include "signaling/session.h"
#include "signaling/session_int.h"
#include "signaling/sig.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "signaling/meeting.h"

#include <string.h>

static const char *audit_kind(enum link_status st)
{
    switch (st) {
    case LINK_OPENED:
        return "link_opened";
    case LINK_CHECK_PASSED:
        return "check_passed";
    case LINK_CHECK_FAILED:
        return "check_failed";
    default:
        return NULL; /* the meeting's own events (join, admit, leave) say it */
    }
}

static void push(struct sig *sig, int64_t owner_id, const struct store_invitation *inv,
                 enum link_status st, const char *reason, int64_t at)
{
    for (struct ws_conn *c = sig->conns; c; c = c->next) {
        if (!c->watching || c->watch_user != owner_id ||
            (c->watch_meeting && c->watch_meeting != inv->meeting_id))
            continue;
        session_send_json(
            sig, c,
            json_pack("{s:s, s:I, s:I, s:s, s:b, s:s, s:o, s:I}", "type", "link_status",
                      "meeting_id", (json_int_t)inv->meeting_id, "invitation_id",
                      (json_int_t)inv->id, "role", role_name(inv->role), "is_host", inv->is_host,
                      "status", link_status_name(st), "reason",
                      reason[0] ? json_string(reason) : json_null(), "at", (json_int_t)at));
    }
}

void sessions_link_event(struct sig *sig, const struct store_invitation *inv, enum link_status st,
                         const char *reason)
{
    enum link_status cur = LINK_NOT_OPENED;
    struct store_meeting m;
    if (link_status_parse(inv->status, &cur) < 0)
        cur = LINK_NOT_OPENED;
    if (!link_status_replaces(cur, st))
        return;
    /* Opening or checking again with the same outcome is no news. */
    if (st < LINK_WAITING && st == cur && strcmp(reason, inv->status_reason) == 0)
        return;
    int64_t now = now_wall_ms();
    if (store_invitation_set_status(sig->store, inv->id, link_status_name(st), reason, now) < 0) {
        LOG_E("invitation %lld: link status not stored", (long long)inv->id);
        return;
    }
    const char *kind = audit_kind(st);
    if (kind) {
        struct store_audit_event ev = {
            .meeting_id = inv->meeting_id, .at = now, .has_role = true, .role = inv->role};
        snprintf(ev.kind, sizeof ev.kind, "%s", kind);
        snprintf(ev.detail, sizeof ev.detail, "%s",
                 reason[0]      ? reason
                 : inv->is_host ? "host link"
                                : inv->label);
        if (store_audit_add(sig->store, &ev) < 0)
            LOG_E("meeting %lld: audit event '%s' not stored", (long long)inv->meeting_id, kind);
    }
    if (store_meeting_get(sig->store, inv->meeting_id, &m) == 0)
        push(sig, m.owner_id, inv, st, reason, now);
}

static int left_if_present(void *arg, const struct store_invitation *inv)
{
    if (strcmp(inv->status, "waiting") == 0 || strcmp(inv->status, "in_meeting") == 0)
        sessions_link_event(arg, inv, LINK_LEFT, "");
    return 0;
}

void link_watch_audit(struct sig *sig, int64_t meeting_id, int64_t invitation_id,
                      const struct store_audit_event *ev)
{
    struct store_invitation inv;
    enum link_status st;
    if (strcmp(ev->kind, "end") == 0) {
        /* Everyone still there leaves with the meeting. */
        if (store_invitation_list(sig->store, meeting_id, left_if_present, sig) < 0)
            LOG_E("meeting %lld: link statuses not closed at the end", (long long)meeting_id);
        return;
    }
    if (invitation_id <= 0 || !link_status_from_audit(ev->kind, ev->detail, &st))
        return;
    if (store_invitation_get(sig->store, invitation_id, &inv) == 0 && inv.meeting_id == meeting_id)
        sessions_link_event(sig, &inv, st, "");
}

/* The logged-in caseworker of this connection, or 0. */
static int64_t login_user(struct sig *sig, const struct ws_conn *c)
{
    int64_t user_id = 0;
    if (!c->has_login || store_session_find(sig->store, c->login_hash, now_wall_ms(), &user_id) < 0)
        return 0;
    return user_id;
}

static unsigned watchers_of(struct sig *sig, int64_t user_id)
{
    unsigned n = 0;
    for (struct ws_conn *c = sig->conns; c; c = c->next)
        n += c->watching && c->watch_user == user_id;
    return n;
}

static void handle_watch(struct sig *sig, struct ws_conn *c, const json_t *msg)
{
    const json_t *mid = json_object_get(msg, "meeting_id");
    int64_t user_id = login_user(sig, c);
    struct store_meeting m;
    if (c->watching) {
        session_send_error(sig, c, "wrong_state", "this connection is already watching", "watch");
    } else if (mid && (!json_is_integer(mid) || json_integer_value(mid) <= 0)) {
        session_send_error(sig, c, "bad_message", "'meeting_id' must be a meeting's id", "watch");
    } else if (!user_id) {
        session_send_error(sig, c, "not_permitted", "log in as a caseworker first", "watch");
    } else if (mid && (store_meeting_get(sig->store, json_integer_value(mid), &m) < 0 ||
                       m.owner_id != user_id)) {
        session_send_error(sig, c, "not_found", "no such meeting", "watch");
    } else if (watchers_of(sig, user_id) >= LINK_WATCH_PER_USER) {
        session_send_error(sig, c, "server_busy", "too many pages are watching: close some",
                           "watch");
    } else {
        c->watching = true;
        c->watch_user = user_id;
        c->watch_meeting = mid ? json_integer_value(mid) : 0;
        session_send_json(sig, c,
                          json_pack("{s:s, s:o}", "type", "watching", "meeting_id",
                                    mid ? json_integer(c->watch_meeting) : json_null()));
    }
}

static void handle_lobby_message(struct sig *sig, struct ws_conn *c, const json_t *msg)
{
    const json_t *iid = json_object_get(msg, "invitation_id");
    const char *text = json_string_value(json_object_get(msg, "text"));
    struct store_invitation inv;
    struct store_meeting m;
    struct store_user user;
    struct live_meeting *lm;
    unsigned n = 0;
    if (!c->watching) {
        session_send_error(sig, c, "wrong_state", "send \"watch\" first", "lobby_message");
        return;
    }
    if (!json_is_integer(iid) || !text) {
        session_send_error(sig, c, "bad_message",
                           "lobby_message needs 'invitation_id' (a number) and 'text' (a string)",
                           "lobby_message");
        return;
    }
    if (login_user(sig, c) != c->watch_user ||
        store_user_get(sig->store, c->watch_user, &user) < 0) {
        session_send_error(sig, c, "not_permitted", "log in as a caseworker first",
                           "lobby_message");
        return;
    }
    if (store_invitation_get(sig->store, json_integer_value(iid), &inv) < 0 ||
        store_meeting_get(sig->store, inv.meeting_id, &m) < 0 || m.owner_id != c->watch_user ||
        (c->watch_meeting && c->watch_meeting != m.id) || !(lm = session_live_find(sig, m.id))) {
        session_send_error(sig, c, "not_found", "nobody is waiting in the lobby with this link",
                           "lobby_message");
        return;
    }
    if (!ratelimit_bucket_take(&c->lobby_bucket, now_mono_us())) {
        session_send_error(sig, c, "rate_limited", "wait a moment before the next message",
                           "lobby_message");
        return;
    }
    int rc = meeting_lobby_message(session_live_meeting(lm), now_wall_ms(), inv.id, text,
                                   user.display_name, &n);
    session_drain(sig, lm);
    switch (rc) {
    case 0:
        session_send_json(sig, c,
                          json_pack("{s:s, s:I, s:I}", "type", "lobby_message_sent",
                                    "invitation_id", (json_int_t)inv.id, "count", (json_int_t)n));
        break;
    case ERR_PARSE:
        session_send_error(sig, c, "bad_message",
                           "the text must be 1 to 200 characters without control characters",
                           "lobby_message");
        break;
    case ERR_NOTFOUND:
        session_send_error(sig, c, "not_found", "nobody is waiting in the lobby with this link",
                           "lobby_message");
        break;
    case ERR_EXPIRED:
        session_send_error(sig, c, "wrong_state", "the meeting has ended", "lobby_message");
        break;
    default:
        session_send_error(sig, c, "server_error", "the message could not be sent",
                           "lobby_message");
        break;
    }
}

void link_watch_handle(struct sig *sig, struct ws_conn *c, const char *type, const json_t *msg)
{
    if (strcmp(type, "watch") == 0)
        handle_watch(sig, c, msg);
    else
        handle_lobby_message(sig, c, msg);
}
