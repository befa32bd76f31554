/* The JSON shapes of the REST API's objects (see docs/PROTOCOL.md, "Objects"). */
#include "server/api_int.h"
#include "signaling/pin.h"
#include "signaling/token.h"

#include <openssl/crypto.h>
#include <stdio.h>

json_t *api_time_or_null(int64_t ms)
{
    return ms ? json_integer(ms) : json_null();
}

json_t *api_user_json(const struct store_user *u)
{
    return json_pack("{s:I, s:s, s:s}", "id", (json_int_t)u->id, "username", u->username,
                     "display_name", u->display_name);
}

json_t *api_meeting_json(struct app *app, const struct store_meeting *m)
{
    unsigned present = sessions_meeting_participants(&app->sig, m->id);
    const char *status = m->ended_at ? "ended" : present ? "live" : "planned";
    return json_pack("{s:I, s:s, s:I, s:I, s:I, s:o, s:s, s:I}", "id", (json_int_t)m->id, "title",
                     m->title, "planned_start", (json_int_t)m->planned_start, "planned_end",
                     (json_int_t)m->planned_end, "created_at", (json_int_t)m->created_at,
                     "ended_at", api_time_or_null(m->ended_at), "status", status, "participants",
                     (json_int_t)present);
}

/* See api_int.h. Links made before tokens were derived, or under a
 * replaced key, cannot be shown ("link_available": false); nor their PINs. */
json_t *api_invitation_json(struct app *app, const struct store_invitation *inv, const char *token,
                            bool with_pin)
{
    char derived[TOKEN_STR_LEN + 1] = "";
    enum link_status st = LINK_NOT_OPENED;
    (void)link_status_parse(inv->status, &st);
    json_t *j = json_pack("{s:I, s:s, s:s, s:b, s:b, s:I, s:I, s:o, s:s, s:o, s:o}", "id",
                          (json_int_t)inv->id, "role", role_name(inv->role), "label", inv->label,
                          "is_host", inv->is_host, "auto_admit", inv->auto_admit, "created_at",
                          (json_int_t)inv->created_at, "expires_at", (json_int_t)inv->expires_at,
                          "revoked_at", api_time_or_null(inv->revoked_at), "status",
                          link_status_name(st), "status_reason",
                          inv->status_reason[0] ? json_string(inv->status_reason) : json_null(),
                          "status_at", api_time_or_null(inv->status_at));
    bool usable = !inv->revoked_at && now_wall_ms() < inv->expires_at;
    if (!token && usable && linkkey_invitation_ok(&app->sig.link_key, inv) && inv->has_salt &&
        linkkey_token(&app->sig.link_key, inv->salt, derived) == 0)
        token = derived;
    char pin[PIN_DIGITS + 1];
    if (j) {
        json_object_set_new(j, "link_available", json_boolean(token != NULL));
        json_object_set_new(j, "pin",
                            with_pin && token && pin_of(&app->sig.link_key, inv, pin)
                                ? json_string(pin)
                                : json_null());
    }
    if (j && token) {
        char url[CONFIG_URL_MAX + TOKEN_STR_LEN + 8];
        snprintf(url, sizeof url, "%s/join#%s", app->cfg.public_url, token);
        json_object_set_new(j, "url", json_string(url));
        json_object_set_new(j, "token", json_string(token));
        OPENSSL_cleanse(url, sizeof url);
    }
    OPENSSL_cleanse(derived, sizeof derived);
    OPENSSL_cleanse(pin, sizeof pin);
    return j;
}

json_t *api_phone_json(const struct app *app)
{
    const struct config *c = &app->cfg;
    return json_pack("{s:o, s:b}", "dial_in_number",
                     sip_enabled(&c->sig.sip) && c->sig.sip.dial_in_number[0]
                         ? json_string(c->sig.sip.dial_in_number)
                         : json_null(),
                     "dial_out", sip_dial_out_enabled(&c->sig.sip));
}
