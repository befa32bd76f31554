/* Outgoing JSON of the meeting: every server->client message is built here.
 * Each builder returns a new object (one reference for the caller) or NULL
 * when an allocation failed; nothing leaks on failure. */
#include "signaling/meeting_int.h"

#include "base/err.h"
#include "signaling/role.h"

static const char *const state_names[PSTATE_COUNT] = {"lobby", "admitted", "reconnecting"};

const char *participant_state_name(enum participant_state s)
{
    if ((unsigned)s >= PSTATE_COUNT)
        return "unknown";
    return state_names[s];
}

/* The setters steal the value even on failure (jansson's _new semantics), and
 * a NULL value (failed allocation) makes them fail, so they can be chained. */
static int set_str(json_t *o, const char *key, const char *value)
{
    return json_object_set_new(o, key, json_string(value));
}

static int set_int(json_t *o, const char *key, int64_t value)
{
    return json_object_set_new(o, key, json_integer((json_int_t)value));
}

static int set_bool(json_t *o, const char *key, bool value)
{
    return json_object_set_new(o, key, json_boolean(value));
}

static json_t *new_typed(const char *type)
{
    json_t *o = json_object();
    if (o && set_str(o, "type", type)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *meeting_msg_type(const char *type)
{
    return new_typed(type);
}

json_t *meeting_msg_text(const char *type, const char *key, const char *value)
{
    json_t *o = new_typed(type);
    if (o && set_str(o, key, value)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *meeting_msg_participant(const struct meeting_participant *p)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    if (set_int(o, "id", p->id) || set_str(o, "name", p->name) ||
        set_str(o, "role", role_name(p->role)) ||
        set_str(o, "state", participant_state_name(p->state)) || set_bool(o, "host", p->is_host) ||
        set_bool(o, "mic", p->mic) || set_bool(o, "camera", p->camera) ||
        set_bool(o, "screen", p->screen) || set_bool(o, "hand", p->hand) ||
        set_bool(o, "connected", p->connected) ||
        (p->phone &&
         (set_bool(o, "phone", true) ||
          json_object_set_new(o, "number",
                              p->phone_masked[0] ? json_string(p->phone_masked) : json_null())))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *meeting_info(const struct meeting *m, bool with_lock)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    if (set_int(o, "id", m->id) || set_str(o, "title", m->title) ||
        (with_lock && (set_bool(o, "locked", m->core.locked) ||
                       set_bool(o, "screen_share_open", m->core.screen_share_open)))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *meeting_msg_joined(const struct meeting *m, const struct meeting_participant *p,
                           bool resumed)
{
    json_t *o = new_typed("joined");
    if (!o)
        return NULL;
    if (json_object_set_new(o, "you", meeting_msg_participant(p)) ||
        json_object_set_new(o, "resume_token", json_stringn(p->secret, p->secret_len)) ||
        set_bool(o, "resumed", resumed) ||
        json_object_set_new(o, "meeting", meeting_info(m, false))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *meeting_msg_roster(const struct meeting *m, bool host_view)
{
    json_t *o = new_typed("roster");
    json_t *list = json_array();
    if (!o || !list)
        goto fail;
    for (size_t i = 0; i < m->core.n; i++) {
        const struct meeting_participant *p = &m->core.p[i];
        if (!host_view && !meeting_guest_visible(p))
            continue;
        if (json_array_append_new(list, meeting_msg_participant(p)))
            goto fail;
    }
    if (json_object_set_new(o, "meeting", meeting_info(m, true)))
        goto fail;
    if (json_object_set_new(o, "participants", list)) {
        list = NULL; /* stolen even on failure */
        goto fail;
    }
    return o;
fail:
    json_decref(list);
    json_decref(o);
    return NULL;
}

json_t *meeting_msg_chat(int64_t id, const struct meeting_participant *from, const char *text,
                         size_t len, int64_t at_ms)
{
    json_t *o = new_typed("chat");
    if (!o)
        return NULL;
    if (set_int(o, "id", id) || set_int(o, "from", from->id) || set_str(o, "name", from->name) ||
        set_str(o, "role", role_name(from->role)) ||
        json_object_set_new(o, "text", json_stringn(text, len)) || set_int(o, "at", at_ms)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

int meeting_msg_chat_history(const struct meeting *m, json_t **out)
{
    *out = NULL;
    if (m->hist_len == 0)
        return 0;
    json_t *o = new_typed("chat_history");
    json_t *list = json_array();
    if (!o || !list)
        goto fail;
    for (size_t i = 0; i < m->hist_len; i++) {
        /* The stored chat objects are shared, never modified. */
        if (json_array_append(list, m->history[(m->hist_start + i) % MEETING_CHAT_HISTORY]))
            goto fail;
    }
    if (json_object_set_new(o, "messages", list)) {
        list = NULL;
        goto fail;
    }
    *out = o;
    return 0;
fail:
    json_decref(list);
    json_decref(o);
    return ERR_NOMEM;
}

json_t *meeting_msg_mute_request(uint32_t from, const char *kind)
{
    json_t *o = new_typed("mute_request");
    if (o && (set_int(o, "from", from) || set_str(o, "kind", kind))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *meeting_msg_error(const char *code, const char *message, const char *ref)
{
    json_t *o = new_typed("error");
    if (!o)
        return NULL;
    if (set_str(o, "code", code) || set_str(o, "message", message) ||
        (ref && set_str(o, "ref", ref))) {
        json_decref(o);
        return NULL;
    }
    return o;
}
