/* Fuzzes the REST API with hostile bodies and paths against a real store.
 * Input: byte 0 picks the route and method, byte 1 an object id, the rest is
 * the request body. A logged-in caseworker with one meeting exists.
 *
 * Besides a status in range and an error body with a code, it checks who
 * may do what: a meeting route without a session, or with another
 * caseworker's session on a meeting she does not own, never succeeds, and
 * such a request leaves the meeting (and its ending) as it was. */
#include "server/app.h"
#include "base/err.h"
#include "base/log.h"
#include "server/password.h"
#include "signaling/token.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct app app;
static char session[TOKEN_STR_LEN + 1];
static char other_session[TOKEN_STR_LEN + 1];
static int64_t anna_id, bent_id;

static int64_t add_user(const char *name, const char *hash, char token[TOKEN_STR_LEN + 1])
{
    int64_t id;
    uint8_t digest[STORE_HASH_LEN];
    if (store_user_add(app.sig.store, name, name, hash, now_wall_ms(), &id) < 0 ||
        token_generate(token) < 0 || token_hash(token, digest) < 0 ||
        store_session_add(app.sig.store, digest, id, now_wall_ms(), now_wall_ms() + 3600000) < 0)
        abort();
    return id;
}

static void setup(void)
{
    char dir[] = "/tmp/samtale-fuzz-api-XXXXXX", path[64], key[64], hash[STORE_PWHASH_MAX + 1];
    if (!mkdtemp(dir))
        abort();
    snprintf(path, sizeof path, "%s/samtale.db", dir);
    log_set_level(LOG_LEVEL_ERROR);
    config_defaults(&app.cfg);
    app_sig_init(&app);
    snprintf(app.cfg.public_url, sizeof app.cfg.public_url, "https://127.0.0.1:8443");
    snprintf(key, sizeof key, "%s/link.key", dir);
    if (store_open(&app.sig.store, path) < 0 || password_hash("fuzz-password", hash) < 0 ||
        linkkey_load(&app.sig.link_key, key) < 0)
        abort();
    anna_id = add_user("anna", hash, session);
    bent_id = add_user("bent", hash, other_session);
    /* Anna's meeting 1 with a citizen link, for the other one to try. */
    struct store_meeting m = {.owner_id = anna_id,
                              .planned_start = now_wall_ms(),
                              .planned_end = now_wall_ms() + 3600000,
                              .created_at = now_wall_ms()};
    struct store_invitation inv = {
        .role = ROLE_CITIZEN, .created_at = now_wall_ms(), .expires_at = now_wall_ms() + 3600000};
    uint8_t h[1][STORE_HASH_LEN] = {{1}};
    snprintf(m.title, sizeof m.title, "Anna's");
    if (store_meeting_create(app.sig.store, &m, &inv, (const uint8_t(*)[STORE_HASH_LEN])h, 1) < 0)
        abort();
    ratelimit_windows_init(&app.login_limits, 3, 60LL * 1000000);
    app.started_ms = now_wall_ms();
}

static const struct {
    const char *method;
    const char *fmt; /* each '#' becomes the id digit */
} routes[] = {
    /* 0..2 need no meeting; 3 and up are about the caseworker's meetings,
     * except join-info (10) and join-check (13), which are public */
    {"POST", "/api/login"},
    {"POST", "/api/logout"},
    {"GET", "/api/me"},
    {"GET", "/api/meetings"},
    {"POST", "/api/meetings"},
    {"GET", "/api/meetings/#"},
    {"DELETE", "/api/meetings/#"},
    {"POST", "/api/meetings/#/invitations"},
    {"DELETE", "/api/meetings/#/invitations/#"},
    {"GET", "/api/meetings/#/audit"},
    {"POST", "/api/join-info"},
    {"PUT", "/api/meetings/#"},
    {"GET", "/api/meetings/x#/../audit"},
    {"POST", "/api/join-check"},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!app.sig.store)
        setup();
    if (size < 2)
        return 0;
    size_t nroutes = sizeof routes / sizeof routes[0];
    unsigned pick = data[0];
    int id = data[1] % 8;
    char path[128];
    snprintf(path, sizeof path, "%s", routes[pick % nroutes].fmt);
    for (char *p = path; *p; p++)
        if (*p == '#')
            *p = (char)('0' + id);

    struct http_req req = {
        .method = routes[pick % nroutes].method,
        .path = path,
        .session = (pick & 0x80)   ? other_session
                   : (pick & 0x40) ? NULL
                                   : session,
        .client_addr = "127.0.0.1",
        .json_body = !(pick & 0x20),
        .body = (const char *)data + 2,
        .body_len = size - 2,
    };
    unsigned route = pick % nroutes;
    bool meeting_route = route >= 3 && route != 10 && route != 13;
    struct store_meeting before, after;
    bool exists = store_meeting_get(app.sig.store, id, &before) == 0;
    int64_t who = req.session == session ? anna_id : req.session ? bent_id : 0;
    /* Not logged in, or a meeting (by its id) that is someone else's. */
    bool forbidden =
        meeting_route &&
        (who == 0 || (strchr(routes[route].fmt, '#') && exists && before.owner_id != who));
    struct http_resp resp = {0};
    api_handle(&app, &req, &resp);
    if (resp.login) {
        /* The server runs this check on its kdf pool; here, inline. */
        const struct api_login *l = resp.login;
        int check = l->pwhash[0] ? password_verify(l->password, l->pwhash) : ERR_DENIED;
        int64_t user_id = l->user_id;
        http_resp_clear(&resp);
        api_login_finish(&app, user_id, req.client_addr, check, &resp);
    }
    if (resp.status < 200 || resp.status > 599)
        abort();
    if (resp.status >= 400 && !json_object_get(json_object_get(resp.body, "error"), "code"))
        abort();
    if (forbidden && resp.status < 400)
        abort();
    if (forbidden && exists &&
        (store_meeting_get(app.sig.store, id, &after) != 0 || after.ended_at != before.ended_at))
        abort(); /* still there, as it was */
    http_resp_clear(&resp);
    return 0;
}
