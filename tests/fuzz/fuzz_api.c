/* Fuzzes the REST API with hostile bodies and paths against a real store.
 * Input: byte 0 picks the route and method, byte 1 an object id, the rest is
 * the request body. A logged-in caseworker with one meeting exists. */
#include "server/app.h"
#include "server/err.h"
#include "server/log.h"
#include "server/password.h"
#include "server/token.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct app app;
static char session[TOKEN_STR_LEN + 1];
static char other_session[TOKEN_STR_LEN + 1];

static void add_user(const char *name, const char *hash, char token[TOKEN_STR_LEN + 1])
{
    int64_t id;
    uint8_t digest[STORE_HASH_LEN];
    if (store_user_add(app.store, name, name, hash, app_now_ms(), &id) < 0 ||
        token_generate(token) < 0 || token_hash(token, digest) < 0 ||
        store_session_add(app.store, digest, id, app_now_ms(), app_now_ms() + 3600000) < 0)
        abort();
}

static void setup(void)
{
    char dir[] = "/tmp/samtale-fuzz-api-XXXXXX", path[64], hash[STORE_PWHASH_MAX + 1];
    if (!mkdtemp(dir))
        abort();
    snprintf(path, sizeof path, "%s/samtale.db", dir);
    log_set_level(LOG_LEVEL_ERROR);
    config_defaults(&app.cfg);
    snprintf(app.cfg.public_url, sizeof app.cfg.public_url, "https://127.0.0.1:8443");
    if (store_open(&app.store, path) < 0 || password_hash("fuzz-password", hash) < 0)
        abort();
    add_user("anna", hash, session);
    add_user("bent", hash, other_session);
    ratelimit_windows_init(&app.login_limits, 3, 60LL * 1000000);
    app.started_ms = app_now_ms();
}

static const struct {
    const char *method;
    const char *fmt; /* each '#' becomes the id digit */
} routes[] = {
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
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!app.store)
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
    http_resp_clear(&resp);
    return 0;
}
