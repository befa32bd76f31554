#define LOG_MODULE "turn"
#include "signaling/ice_servers.h"
#include "base/log.h"
#include "signaling/token.h"
#include "signaling/turn.h"

#include <openssl/crypto.h>
#include <string.h>

_Static_assert(TOKEN_STR_LEN <= TURN_ID_MAX, "a token fits as the TURN user id");

/* The "ice_servers" array; NULL on failure. */
static json_t *servers(const struct turn_config *t, int64_t now_ms, const char *who,
                       int64_t *expires_ms)
{
    json_t *list = json_array();
    if (!list || !turn_enabled(t))
        return list;
    char id[TOKEN_STR_LEN + 1];
    struct turn_credential cred;
    json_t *urls = json_array();
    int64_t expires_s = now_ms / 1000 + (int64_t)t->ttl_seconds;
    /* A random id: the TURN server's logs show it, and it says nothing about anyone. */
    if (!urls || token_generate(id) < 0 ||
        turn_credential_make(t->secret, t->secret_len, expires_s, id, &cred) < 0)
        goto fail;
    for (unsigned i = 0; i < t->url_count; i++)
        if (json_array_append_new(urls, json_string(t->urls[i])) < 0)
            goto fail;
    if (json_array_append_new(list, json_pack("{s:O, s:s, s:s}", "urls", urls, "username",
                                              cred.username, "credential", cred.credential)) < 0)
        goto fail;
    LOG_I("TURN credentials %s for %s", cred.username, who);
    *expires_ms = expires_s * 1000;
    json_decref(urls);
    OPENSSL_cleanse(&cred, sizeof cred);
    return list;
fail:
    LOG_E("could not make TURN credentials for %s", who);
    OPENSSL_cleanse(&cred, sizeof cred);
    json_decref(urls);
    json_decref(list);
    return NULL;
}

json_t *ice_servers_message(const struct turn_config *t, int64_t now_ms, const char *who)
{
    int64_t expires_ms = 0;
    json_t *list = servers(t, now_ms, who, &expires_ms);
    if (!list)
        return NULL;
    json_t *msg = json_pack("{s:s, s:o}", "type", "ice_servers", "ice_servers", list);
    if (msg && expires_ms && json_object_set_new(msg, "expires_at", json_integer(expires_ms)) < 0) {
        json_decref(msg);
        return NULL;
    }
    return msg;
}
