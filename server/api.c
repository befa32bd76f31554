/* The REST API under /api/: caseworker login, meetings, invitations, audit
 * log, and the guest's link check. Transport-free: http.c turns requests into
 * struct http_req and sends struct http_resp back. See docs/PROTOCOL.md. */
#define LOG_MODULE "api"
#include "server/app.h"
#include "server/api_int.h"
#include "signaling/pin.h"
#include "base/err.h"
#include "base/log.h"
#include "server/password.h"
#include "signaling/token.h"

#include <inttypes.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define API_SEGMENTS_MAX 6
#define API_ROLES_MAX 16 /* invitations per create request, besides the host link */
#define MINUTE_MS 60000LL
#define LOGIN_WINDOW_US (60LL * 1000 * 1000)
#define JOIN_CHECK_INTERVAL_MS 1000   /* device check reports per link at most this often */
#define TIME_MAX_MS 253402300799999LL /* 9999-12-31, a sanity bound for planned times */

void http_resp_clear(struct http_resp *resp)
{
    json_decref(resp->body);
    if (resp->login) {
        OPENSSL_cleanse(resp->login, sizeof *resp->login);
        free(resp->login);
    }
    memset(resp, 0, sizeof *resp);
}

void api_error(struct http_resp *resp, unsigned status, const char *code, const char *message)
{
    json_decref(resp->body);
    resp->status = status;
    resp->body = json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", message);
}

static void ok(struct http_resp *resp, unsigned status, json_t *body /* takes ownership */)
{
    if (!body && status != 204) {
        api_error(resp, 500, "server_error", "out of memory");
        return;
    }
    json_decref(resp->body);
    resp->status = status;
    resp->body = body;
}

static void store_failed(struct http_resp *resp, int rc)
{
    if (rc == ERR_NOTFOUND)
        api_error(resp, 404, "not_found", "no such object");
    else
        api_error(resp, 500, "server_error", "the store failed; see the server log");
}

/* ---- request helpers ---- */

static json_t *parse_body(const struct http_req *req, struct http_resp *resp)
{
    if (!req->json_body) {
        api_error(resp, 415, "bad_request", "send the body as application/json");
        return NULL;
    }
    json_error_t err;
    json_t *j = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &err);
    if (!j) {
        api_error(resp, 400, "bad_json", "the body is not valid JSON");
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        api_error(resp, 400, "bad_request", "the body must be a JSON object");
        return NULL;
    }
    return j;
}

static int parse_id(const char *s, int64_t *out)
{
    if (!s || !*s || strlen(s) > 18)
        return ERR_PARSE;
    int64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return ERR_PARSE;
        v = v * 10 + (*p - '0');
    }
    if (v <= 0)
        return ERR_PARSE;
    *out = v;
    return 0;
}

/* The logged-in caseworker, or a 401 in resp. */
static bool authenticate(struct app *app, const struct http_req *req, struct http_resp *resp,
                         struct store_user *user)
{
    uint8_t hash[STORE_HASH_LEN];
    int64_t user_id;
    if (!req->session || token_hash(req->session, hash) < 0 ||
        store_session_find(app->sig.store, hash, now_wall_ms(), &user_id) < 0 ||
        store_user_get(app->sig.store, user_id, user) < 0) {
        api_error(resp, 401, "not_logged_in", "log in first");
        return false;
    }
    return true;
}

/* The caseworker's own meeting; others' meetings are reported as missing. */
static bool own_meeting(struct app *app, const struct store_user *user, int64_t id,
                        struct http_resp *resp, struct store_meeting *m)
{
    if (store_meeting_get(app->sig.store, id, m) < 0 || m->owner_id != user->id) {
        api_error(resp, 404, "not_found", "no such meeting");
        return false;
    }
    return true;
}

static void audit(struct app *app, int64_t meeting_id, const char *kind, const enum role *role,
                  const char *name, const char *detail)
{
    struct store_audit_event ev = {.meeting_id = meeting_id, .at = now_wall_ms()};
    snprintf(ev.kind, sizeof ev.kind, "%s", kind);
    if (role) {
        ev.has_role = true;
        ev.role = *role;
    }
    snprintf(ev.display_name, sizeof ev.display_name, "%s", name ? name : "");
    snprintf(ev.detail, sizeof ev.detail, "%s", detail ? detail : "");
    if (store_audit_add(app->sig.store, &ev) < 0)
        LOG_E("meeting %" PRId64 ": audit event '%s' not stored", meeting_id, kind);
}

/* ---- login ---- */

/* Answers a login once its password check (kdfpool) is done: a session
 * and its cookie, or 401. user_id is 0 for an unknown username. */
void api_login_finish(struct app *app, int64_t user_id, const char *client_addr, int check_rc,
                      struct http_resp *resp)
{
    struct store_user user;
    memset(resp, 0, sizeof *resp);
    if (check_rc < 0 || user_id <= 0 || store_user_get(app->sig.store, user_id, &user) < 0) {
        app->metrics.logins_failed++;
        LOG_I("failed login for a caseworker account from %s", client_addr);
        api_error(resp, 401, "invalid_credentials", "wrong username or password");
        return;
    }
    char token[TOKEN_STR_LEN + 1];
    uint8_t hash[STORE_HASH_LEN];
    int64_t now = now_wall_ms();
    int64_t ttl_ms = (int64_t)app->cfg.session_hours * 3600 * 1000;
    if (token_generate(token) < 0 || token_hash(token, hash) < 0 ||
        store_session_add(app->sig.store, hash, user.id, now, now + ttl_ms) < 0) {
        OPENSSL_cleanse(token, sizeof token);
        api_error(resp, 500, "server_error", "could not start a session");
        return;
    }
    snprintf(resp->set_cookie, sizeof resp->set_cookie,
             SESSION_COOKIE "=%s; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=%u", token,
             app->cfg.session_hours * 3600);
    OPENSSL_cleanse(token, sizeof token);
    app->metrics.logins_ok++;
    LOG_I("caseworker %s logged in", user.username);
    ok(resp, 200, json_pack("{s:o}", "user", api_user_json(&user)));
}

/* Everything but the password check, which is slow (scrypt): that is left
 * in resp->login for the caller to run off the signaling thread and finish
 * with api_login_finish(). */
static void login(struct app *app, const struct http_req *req, struct http_resp *resp)
{
    unsigned retry = 0;
    if (!ratelimit_windows_hit(&app->login_limits, req->client_addr, now_mono_us(), &retry)) {
        api_error(resp, 429, "rate_limited", "too many login attempts: wait a minute");
        resp->retry_after_s = retry ? retry : 1;
        return;
    }
    json_t *body = parse_body(req, resp);
    if (!body)
        return;
    const char *username = json_string_value(json_object_get(body, "username"));
    const char *password = json_string_value(json_object_get(body, "password"));
    struct store_user user;
    struct api_login *check = NULL;
    if (!username || !password) {
        api_error(resp, 400, "bad_request", "give 'username' and 'password' as strings");
        goto out;
    }
    check = calloc(1, sizeof *check);
    if (!check) {
        api_error(resp, 500, "server_error", "out of memory");
        goto out;
    }
    /* An unknown user leaves pwhash empty: the check then burns one KDF run,
     * the same cost as a wrong password, so usernames stay private. A
     * password over PASSWORD_MAX is cut: the check still fails. */
    if (store_user_find(app->sig.store, username, &user, check->pwhash) == 0)
        check->user_id = user.id;
    else
        check->pwhash[0] = '\0';
    size_t plen = strnlen(password, PASSWORD_MAX + 1);
    if (plen > PASSWORD_MAX)
        check->pwhash[0] = '\0', check->user_id = 0;
    else
        memcpy(check->password, password, plen);
    resp->login = check; /* status stays 0: not answered yet */
out:
    json_decref(body);
}

static void logout(struct app *app, const struct http_req *req, struct http_resp *resp)
{
    uint8_t hash[STORE_HASH_LEN];
    if (req->session && token_hash(req->session, hash) == 0)
        store_session_remove(app->sig.store, hash);
    snprintf(resp->set_cookie, sizeof resp->set_cookie,
             SESSION_COOKIE "=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0");
    ok(resp, 204, NULL);
}

/* ---- meetings ---- */

/* A guest link's status, for the meeting list. */
static int list_link_status(void *arg, const struct store_invitation *inv)
{
    enum link_status st = LINK_NOT_OPENED;
    if (inv->is_host || inv->revoked_at)
        return 0;
    (void)link_status_parse(inv->status, &st);
    json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:o, s:o}", "id", (json_int_t)inv->id, "role",
                          role_name(inv->role), "label", inv->label, "status", link_status_name(st),
                          "status_reason",
                          inv->status_reason[0] ? json_string(inv->status_reason) : json_null(),
                          "status_at", api_time_or_null(inv->status_at));
    return json_array_append_new(arg, j) ? ERR_NOMEM : 0;
}

static int list_one(void *arg, const struct store_meeting *m)
{
    void **ctx = arg;
    json_t *j = api_meeting_json(ctx[0], m);
    json_t *links = json_array();
    /* set_new takes links even when it fails */
    if (!j || !links || json_object_set_new(j, "links", links) < 0) {
        if (!j)
            json_decref(links);
        json_decref(j);
        return ERR_NOMEM;
    }
    /* Statuses matter for meetings still to come or going on. */
    if (!m->ended_at) {
        struct app *app = ctx[0];
        int rc = store_invitation_list(app->sig.store, m->id, list_link_status, links);
        if (rc < 0) {
            json_decref(j);
            return rc;
        }
    }
    return json_array_append_new(ctx[1], j) ? ERR_NOMEM : 0;
}

static void list_meetings(struct app *app, const struct store_user *user, struct http_resp *resp)
{
    json_t *arr = json_array();
    void *ctx[2] = {app, arr};
    int rc = arr ? store_meeting_list(app->sig.store, user->id, list_one, ctx) : ERR_NOMEM;
    if (rc < 0) {
        json_decref(arr);
        store_failed(resp, rc);
        return;
    }
    ok(resp, 200, json_pack("{s:o}", "meetings", arr));
}

/* Reads a role list into roles[]; false with a 400 in resp if anything is wrong. */
static bool parse_roles(const json_t *arr, enum role *roles, size_t *n, struct http_resp *resp,
                        const char *field)
{
    *n = 0;
    if (!arr)
        return true;
    if (!json_is_array(arr) || json_array_size(arr) > API_ROLES_MAX) {
        char msg[96];
        snprintf(msg, sizeof msg, "'%s' must be an array of at most %d roles", field,
                 API_ROLES_MAX);
        api_error(resp, 400, "bad_request", msg);
        return false;
    }
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (role_parse(json_string_value(v), &roles[*n]) < 0) {
            api_error(resp, 400, "bad_request",
                      "unknown role: use citizen, akasse, employer, interpreter, advocate or "
                      "caseworker");
            return false;
        }
        (*n)++;
    }
    return true;
}

static bool valid_text(const char *s, size_t max)
{
    size_t len = s ? strlen(s) : 0;
    if (len == 0 || len > max)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    return strspn(s, " ") != len;
}

static bool optional_bool(const json_t *body, const char *key, bool *out, struct http_resp *resp)
{
    const json_t *v = json_object_get(body, key);
    if (!v)
        return true;
    if (!json_is_boolean(v)) {
        char msg[64];
        snprintf(msg, sizeof msg, "'%s' must be true or false", key);
        api_error(resp, 400, "bad_request", msg);
        return false;
    }
    *out = json_is_true(v);
    return true;
}

static void create_meeting(struct app *app, const struct store_user *user,
                           const struct http_req *req, struct http_resp *resp)
{
    json_t *body = parse_body(req, resp);
    if (!body)
        return;
    json_t *result = NULL;
    enum role roles[API_ROLES_MAX], auto_roles[API_ROLES_MAX];
    size_t n_roles = 0, n_auto = 0;
    struct store_invitation invs[API_ROLES_MAX + 1];
    char tokens[API_ROLES_MAX + 1][TOKEN_STR_LEN + 1];
    uint8_t hashes[API_ROLES_MAX + 1][STORE_HASH_LEN];
    int64_t now = now_wall_ms();

    const char *title = json_string_value(json_object_get(body, "title"));
    const json_t *start = json_object_get(body, "planned_start");
    const json_t *dur = json_object_get(body, "duration_minutes");
    if (!valid_text(title, STORE_TITLE_MAX)) {
        api_error(resp, 400, "bad_request", "'title' must be 1 to 200 characters");
        goto out;
    }
    if ((start && (!json_is_integer(start) || json_integer_value(start) <= 0 ||
                   json_integer_value(start) > TIME_MAX_MS)) ||
        (dur && (!json_is_integer(dur) || json_integer_value(dur) < 5 ||
                 json_integer_value(dur) > 1440))) {
        api_error(resp, 400, "bad_request",
                  "'planned_start' must be Unix milliseconds and 'duration_minutes' 5 to 1440");
        goto out;
    }
    if (!json_is_array(json_object_get(body, "roles"))) {
        api_error(resp, 400, "bad_request",
                  "'roles' must list the roles to invite (it may be empty: [])");
        goto out;
    }
    if (!parse_roles(json_object_get(body, "roles"), roles, &n_roles, resp, "roles") ||
        !parse_roles(json_object_get(body, "auto_admit"), auto_roles, &n_auto, resp, "auto_admit"))
        goto out;

    struct store_meeting m = {.owner_id = user->id, .created_at = now};
    snprintf(m.title, sizeof m.title, "%s", title);
    m.planned_start = start ? json_integer_value(start) : now;
    m.planned_end = m.planned_start +
                    (dur ? json_integer_value(dur) : app->cfg.default_meeting_min) * MINUTE_MS;
    int64_t expires = m.planned_end + (int64_t)app->cfg.invitation_grace_min * MINUTE_MS;

    memset(invs, 0, sizeof invs);
    for (size_t i = 0; i <= n_roles; i++) {
        struct store_invitation *inv = &invs[i];
        inv->created_at = now;
        inv->expires_at = expires;
        if (i == 0) { /* the caseworker's own link */
            inv->role = ROLE_CASEWORKER;
            inv->is_host = inv->auto_admit = true;
            snprintf(inv->label, sizeof inv->label, "host");
        } else {
            inv->role = roles[i - 1];
            for (size_t k = 0; k < n_auto; k++)
                if (auto_roles[k] == inv->role)
                    inv->auto_admit = true;
        }
        inv->has_salt = true;
        if (linkkey_new(&app->sig.link_key, inv->salt, tokens[i], hashes[i]) < 0) {
            api_error(resp, 500, "server_error", "could not create links");
            goto out;
        }
    }
    int rc = pin_assign(app->sig.store, &app->sig.link_key, invs, n_roles + 1);
    if (rc == 0)
        rc = store_meeting_create(app->sig.store, &m, invs,
                                  (const uint8_t(*)[STORE_HASH_LEN])hashes, n_roles + 1);
    if (rc < 0) {
        store_failed(resp, rc);
        goto out;
    }
    app->metrics.meetings_created++;
    audit(app, m.id, "created", NULL, user->display_name, m.title);

    json_t *links = json_array();
    for (size_t i = 1; links && i <= n_roles; i++)
        json_array_append_new(links, api_invitation_json(app, &invs[i], tokens[i], true));
    for (size_t i = 0; i <= n_roles; i++)
        audit(app, m.id, "invitation_created", &invs[i].role, "",
              invs[i].is_host      ? "host link"
              : invs[i].auto_admit ? "auto-admit"
                                   : "");
    result = json_pack("{s:o, s:o, s:o}", "meeting", api_meeting_json(app, &m), "host_link",
                       api_invitation_json(app, &invs[0], tokens[0], true), "links", links);
    ok(resp, 201, result);
out:
    OPENSSL_cleanse(tokens, sizeof tokens);
    json_decref(body);
}

static int list_invitation(void *arg, const struct store_invitation *inv)
{
    void **ctx = arg;
    const struct store_meeting *m = ctx[2];
    return json_array_append_new(ctx[1], api_invitation_json(ctx[0], inv, NULL, !m->ended_at))
               ? ERR_NOMEM
               : 0;
}

static void get_meeting(struct app *app, const struct store_meeting *m, struct http_resp *resp)
{
    json_t *arr = json_array();
    void *ctx[3] = {app, arr, (void *)m};
    int rc = arr ? store_invitation_list(app->sig.store, m->id, list_invitation, ctx) : ERR_NOMEM;
    if (rc < 0) {
        json_decref(arr);
        store_failed(resp, rc);
        return;
    }
    ok(resp, 200,
       json_pack("{s:o, s:o, s:o}", "meeting", api_meeting_json(app, m), "invitations", arr,
                 "phone", api_phone_json(app)));
}

static void delete_meeting(struct app *app, const struct store_meeting *m, struct http_resp *resp)
{
    sessions_end_meeting(&app->sig, m->id, "deleted");
    int rc = store_meeting_delete(app->sig.store, m->id);
    if (rc < 0) {
        store_failed(resp, rc);
        return;
    }
    ok(resp, 204, NULL);
}

static void add_invitation(struct app *app, const struct store_meeting *m,
                           const struct http_req *req, struct http_resp *resp)
{
    json_t *body = parse_body(req, resp);
    if (!body)
        return;
    char token[TOKEN_STR_LEN + 1] = "";
    uint8_t hash[STORE_HASH_LEN];
    struct store_invitation inv = {.meeting_id = m->id, .created_at = now_wall_ms()};
    const char *label = json_string_value(json_object_get(body, "label"));
    if (m->ended_at) {
        api_error(resp, 409, "meeting_ended", "the meeting has ended");
        goto out;
    }
    if (role_parse(json_string_value(json_object_get(body, "role")), &inv.role) < 0) {
        api_error(resp, 400, "bad_request",
                  "'role' must be citizen, akasse, employer, interpreter, advocate or caseworker");
        goto out;
    }
    if (json_object_get(body, "label") && !(label && strlen(label) <= STORE_LABEL_MAX)) {
        api_error(resp, 400, "bad_request", "'label' must be a string of at most 100 bytes");
        goto out;
    }
    if (!optional_bool(body, "auto_admit", &inv.auto_admit, resp) ||
        !optional_bool(body, "host", &inv.is_host, resp))
        goto out;
    if (inv.is_host && inv.role != ROLE_CASEWORKER) {
        api_error(resp, 400, "bad_request", "a host link has the role caseworker");
        goto out;
    }
    if (inv.is_host)
        inv.auto_admit = true; /* a host never waits */
    snprintf(inv.label, sizeof inv.label, "%s", label ? label : inv.is_host ? "host" : "");
    inv.expires_at = m->planned_end + (int64_t)app->cfg.invitation_grace_min * MINUTE_MS;
    inv.has_salt = true;
    int rc = linkkey_new(&app->sig.link_key, inv.salt, token, hash);
    if (rc == 0)
        rc = pin_assign(app->sig.store, &app->sig.link_key, &inv, 1);
    if (rc == 0)
        rc = store_invitation_add(app->sig.store, &inv, hash);
    if (rc < 0) {
        store_failed(resp, rc);
        goto out;
    }
    audit(app, m->id, "invitation_created", &inv.role, "",
          inv.is_host      ? "host link"
          : inv.auto_admit ? "auto-admit"
                           : "");
    ok(resp, 201, json_pack("{s:o}", "invitation", api_invitation_json(app, &inv, token, true)));
out:
    OPENSSL_cleanse(token, sizeof token);
    json_decref(body);
}

static void revoke_invitation(struct app *app, const struct store_meeting *m, const char *id_str,
                              struct http_resp *resp)
{
    int64_t id;
    struct store_invitation inv;
    if (parse_id(id_str, &id) < 0 || store_invitation_get(app->sig.store, id, &inv) < 0 ||
        inv.meeting_id != m->id) {
        api_error(resp, 404, "not_found", "no such invitation");
        return;
    }
    int rc = store_invitation_revoke(app->sig.store, id, now_wall_ms());
    if (rc < 0) {
        store_failed(resp, rc);
        return;
    }
    if (!inv.revoked_at)
        audit(app, m->id, "invitation_revoked", &inv.role, "", inv.label);
    ok(resp, 204, NULL);
}

static int list_event(void *arg, const struct store_audit_event *ev)
{
    json_t *j = json_pack("{s:I, s:I, s:s, s:o, s:s, s:s}", "id", (json_int_t)ev->id, "at",
                          (json_int_t)ev->at, "kind", ev->kind, "role",
                          ev->has_role ? json_string(role_name(ev->role)) : json_null(),
                          "display_name", ev->display_name, "detail", ev->detail);
    return json_array_append_new(arg, j) ? ERR_NOMEM : 0;
}

static void get_audit(struct app *app, const struct store_meeting *m, struct http_resp *resp)
{
    json_t *arr = json_array();
    int rc = arr ? store_audit_list(app->sig.store, m->id, list_event, arr) : ERR_NOMEM;
    if (rc < 0) {
        json_decref(arr);
        store_failed(resp, rc);
        return;
    }
    ok(resp, 200, json_pack("{s:o}", "events", arr));
}

/* ---- guests: what a link is for, before joining ---- */

/* The invitation and meeting of a link that may be used now, or an error in resp. */
static bool usable_link(struct app *app, const json_t *body, struct store_invitation *inv,
                        struct store_meeting *m, struct http_resp *resp)
{
    const char *token = json_string_value(json_object_get(body, "token"));
    uint8_t hash[STORE_HASH_LEN];
    if (!token) {
        api_error(resp, 400, "bad_request", "give the link's 'token' as a string");
    } else if (token_hash(token, hash) < 0 ||
               store_invitation_find(app->sig.store, hash, inv) < 0 ||
               store_meeting_get(app->sig.store, inv->meeting_id, m) < 0) {
        api_error(resp, 404, "invalid_token", "this link is not valid");
    } else if (inv->revoked_at || !linkkey_invitation_ok(&app->sig.link_key, inv)) {
        api_error(resp, 410, "token_revoked", "this link has been withdrawn by the caseworker");
    } else if (m->ended_at) {
        api_error(resp, 410, "meeting_ended", "this meeting has ended");
    } else if (now_wall_ms() >= inv->expires_at) {
        api_error(resp, 410, "token_expired", "this link has expired");
    } else {
        return true;
    }
    return false;
}

static void join_info(struct app *app, const struct http_req *req, struct http_resp *resp)
{
    json_t *body = parse_body(req, resp);
    if (!body)
        return;
    struct store_invitation inv;
    struct store_meeting m;
    if (usable_link(app, body, &inv, &m, resp)) {
        sessions_link_event(&app->sig, &inv, LINK_OPENED, "");
        unsigned present = sessions_meeting_participants(&app->sig, m.id);
        ok(resp, 200,
           json_pack("{s:{s:s, s:I, s:I, s:s}, s:s, s:b}", "meeting", "title", m.title,
                     "planned_start", (json_int_t)m.planned_start, "planned_end",
                     (json_int_t)m.planned_end, "status", present ? "live" : "planned", "role",
                     role_name(inv.role), "is_host", inv.is_host));
    }
    json_decref(body);
}

/* The pre-call page's device check result for a link's status. */
static void join_check(struct app *app, const struct http_req *req, struct http_resp *resp)
{
    json_t *body = parse_body(req, resp);
    if (!body)
        return;
    struct store_invitation inv;
    struct store_meeting m;
    const char *result = json_string_value(json_object_get(body, "result"));
    const json_t *reason_v = json_object_get(body, "reason");
    const char *reason = json_string_value(reason_v);
    bool passed = result && strcmp(result, "passed") == 0;
    if (!usable_link(app, body, &inv, &m, resp))
        goto out;
    if (!passed && !(result && strcmp(result, "failed") == 0)) {
        api_error(resp, 400, "bad_request", "'result' must be \"passed\" or \"failed\"");
    } else if (passed ? reason_v != NULL : !link_check_reason_valid(reason)) {
        api_error(resp, 400, "bad_request",
                  "a failed check needs a 'reason' from the list in the protocol; a passed one "
                  "has none");
    } else if (strcmp(inv.status, passed ? "check_passed" : "check_failed") == 0 &&
               strcmp(inv.status_reason, passed ? "" : reason) == 0) {
        /* The same report again (the link open in a second tab, a check run twice):
         * nothing changes, so nothing is written or audited. */
        ok(resp, 204, NULL);
    } else if ((strcmp(inv.status, "check_passed") == 0 ||
                strcmp(inv.status, "check_failed") == 0) &&
               now_wall_ms() - inv.status_at < JOIN_CHECK_INTERVAL_MS) {
        api_error(resp, 429, "rate_limited", "the link's status changed a moment ago");
        resp->retry_after_s = 1;
    } else {
        sessions_link_event(&app->sig, &inv, passed ? LINK_CHECK_PASSED : LINK_CHECK_FAILED,
                            passed ? "" : reason);
        ok(resp, 204, NULL);
    }
out:
    json_decref(body);
}

/* ---- routing ---- */

static size_t split_path(char *path, char *seg[API_SEGMENTS_MAX + 1])
{
    size_t n = 0;
    for (char *p = path; *p && n <= API_SEGMENTS_MAX;) {
        while (*p == '/')
            *p++ = '\0';
        if (!*p)
            break;
        seg[n++] = p;
        p += strcspn(p, "/");
    }
    return n;
}

static bool method_is(const struct http_req *req, const char *m, struct http_resp *resp,
                      const char *allowed)
{
    if (strcmp(req->method, m) == 0)
        return true;
    if (!strstr(allowed, req->method) || strcmp(req->method, "OTHER") == 0) {
        char msg[80];
        snprintf(msg, sizeof msg, "use %s here", allowed);
        api_error(resp, 405, "method_not_allowed", msg);
    }
    return false;
}

static void meeting_routes(struct app *app, const struct http_req *req, struct http_resp *resp,
                           char **seg, size_t n, const struct store_user *user)
{
    int64_t id;
    struct store_meeting m;
    if (parse_id(seg[2], &id) < 0) {
        api_error(resp, 404, "not_found", "no such meeting");
        return;
    }
    if (!own_meeting(app, user, id, resp, &m))
        return;
    if (n == 3) {
        if (method_is(req, "GET", resp, "GET, DELETE"))
            get_meeting(app, &m, resp);
        else if (method_is(req, "DELETE", resp, "GET, DELETE"))
            delete_meeting(app, &m, resp);
    } else if (n == 4 && strcmp(seg[3], "audit") == 0) {
        if (method_is(req, "GET", resp, "GET"))
            get_audit(app, &m, resp);
    } else if (n == 4 && strcmp(seg[3], "invitations") == 0) {
        if (method_is(req, "POST", resp, "POST"))
            add_invitation(app, &m, req, resp);
    } else if (n == 5 && strcmp(seg[3], "invitations") == 0) {
        if (method_is(req, "DELETE", resp, "DELETE"))
            revoke_invitation(app, &m, seg[4], resp);
    } else {
        api_error(resp, 404, "not_found", "no such API route");
    }
}

void api_handle(struct app *app, const struct http_req *req, struct http_resp *resp)
{
    char path[512];
    char *seg[API_SEGMENTS_MAX + 1] = {0};
    struct store_user user;
    memset(resp, 0, sizeof *resp);
    if (strlen(req->path) >= sizeof path) {
        api_error(resp, 404, "not_found", "no such API route");
        return;
    }
    memcpy(path, req->path, strlen(req->path) + 1);
    size_t n = split_path(path, seg);
    if (n < 2 || n > 5 || strcmp(seg[0], "api") != 0) {
        api_error(resp, 404, "not_found", "no such API route");
        return;
    }
    const char *what = seg[1];
    if (n == 2 && strcmp(what, "login") == 0) {
        if (method_is(req, "POST", resp, "POST"))
            login(app, req, resp);
    } else if (n == 2 && strcmp(what, "logout") == 0) {
        if (method_is(req, "POST", resp, "POST"))
            logout(app, req, resp);
    } else if (n == 2 && strcmp(what, "join-info") == 0) {
        if (method_is(req, "POST", resp, "POST"))
            join_info(app, req, resp);
    } else if (n == 2 && strcmp(what, "join-check") == 0) {
        if (method_is(req, "POST", resp, "POST"))
            join_check(app, req, resp);
    } else if (n == 2 && strcmp(what, "me") == 0) {
        if (method_is(req, "GET", resp, "GET") && authenticate(app, req, resp, &user))
            ok(resp, 200, json_pack("{s:o}", "user", api_user_json(&user)));
    } else if (strcmp(what, "meetings") == 0) {
        if (!authenticate(app, req, resp, &user))
            return;
        if (n == 2) {
            if (method_is(req, "GET", resp, "GET, POST"))
                list_meetings(app, &user, resp);
            else if (method_is(req, "POST", resp, "GET, POST"))
                create_meeting(app, &user, req, resp);
        } else {
            meeting_routes(app, req, resp, seg, n, &user);
        }
    } else {
        api_error(resp, 404, "not_found", "no such API route");
    }
}
