/* See http_guard.h. */
#define LOG_MODULE "http"
#include "server/http_guard.h"
#include "server/app.h"
#include "server/connlimit.h"
#include "base/addr_group.h"
#include "base/err.h"
#include "base/log.h"

#include <arpa/inet.h>
#include <libwebsockets.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define UPGRADE_HDR_BUF 1024

int http_guard_content_length(const char *s, uint64_t *out)
{
    size_t n = strlen(s);
    if (n == 0)
        return ERR_PARSE;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return ERR_PARSE;
    while (n > 1 && *s == '0') { /* leading zeros carry no magnitude */
        s++;
        n--;
    }
    if (n > HTTP_CLEN_DIGITS_MAX)
        return ERR_TOOBIG;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (uint64_t)(s[i] - '0');
    *out = v;
    return 0;
}

void http_guard_rate_key(const char *addr, char *out, size_t cap)
{
    struct sockaddr_in6 in6 = {.sin6_family = AF_INET6};
    uint8_t g[ADDR_GROUP_LEN];
    char text[INET6_ADDRSTRLEN];
    if (inet_pton(AF_INET6, addr, &in6.sin6_addr) == 1 &&
        addr_group((const struct sockaddr *)&in6, sizeof in6, g) == 0) {
        bool v4 = addr_group_is_v4(g);
        if (inet_ntop(v4 ? AF_INET : AF_INET6, v4 ? g + 12 : g, text, sizeof text)) {
            snprintf(out, cap, v4 ? "%s" : "%s/64", text);
            return;
        }
    }
    snprintf(out, cap, "%s", addr);
}

static bool is_b64(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

bool http_guard_ws_key_ok(const char *s)
{
    if (strlen(s) != 24 || s[22] != '=' || s[23] != '=')
        return false;
    for (size_t i = 0; i < 22; i++)
        if (!is_b64(s[i]))
            return false;
    return true;
}

int http_guard_on_accept(struct app *app, void *args)
{
    const struct lws_filter_network_conn_args *a = args;
    uint8_t key[CONNLIMIT_KEY_LEN];
    if (!app->conns_acct || !a ||
        connlimit_key((const struct sockaddr *)&a->cli_addr, a->clilen, key) < 0)
        return 0;
    if (connlimit_count_addr(app->conns_acct, key) >= app->cfg.max_connections_per_addr) {
        metrics_error(&app->metrics, "too_many_connections");
        return 1;
    }
    if (connlimit_count(app->conns_acct) >= app->cfg.sig.max_connections) {
        struct lws *victim = connlimit_evict_oldest(app->conns_acct);
        if (victim) {
            metrics_error(&app->metrics, "idle_connection_dropped");
            lws_set_timeout(victim, PENDING_TIMEOUT_HOLDING_AH, LWS_TO_KILL_ASYNC);
        }
    }
    return 0;
}

void http_guard_on_open(struct app *app, struct lws *wsi)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    uint8_t key[CONNLIMIT_KEY_LEN];
    struct connlimit_slot *slot = NULL;
    if (!app->conns_acct ||
        getpeername(lws_get_socket_fd(wsi), (struct sockaddr *)&ss, &len) != 0 ||
        connlimit_key((struct sockaddr *)&ss, len, key) < 0)
        return;
    if (connlimit_open(app->conns_acct, key, wsi, now_mono_us(), &slot) == 0)
        lws_set_opaque_user_data(wsi, slot);
}

void http_guard_on_request(struct lws *wsi)
{
    connlimit_proven(lws_get_opaque_user_data(wsi));
}

void http_guard_on_destroy(struct app *app, struct lws *wsi)
{
    struct connlimit_slot *slot = lws_get_opaque_user_data(wsi);
    if (!slot || !app->conns_acct)
        return;
    connlimit_close(app->conns_acct, slot);
    lws_set_opaque_user_data(wsi, NULL);
}

/* Writes a complete refusal (status line, headers, small JSON body) now. */
static int refuse_upgrade(struct app *app, struct lws *wsi, unsigned status, const char *code,
                          const char *message)
{
    uint8_t buf[LWS_PRE + UPGRADE_HDR_BUF];
    uint8_t *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf - 1;
    char body[256];
    int n = snprintf(body, sizeof body, "{\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}", code,
                     message);
    if (n < 0 || (size_t)n >= sizeof body)
        return -1;
    metrics_http(&app->metrics, status);
    metrics_error(&app->metrics, code);
    if (lws_add_http_common_headers(wsi, status, "application/json", (lws_filepos_t)n, &p, end))
        return -1;
    if (status == 426 && lws_add_http_header_by_name(wsi, (const uint8_t *)"sec-websocket-version:",
                                                     (const uint8_t *)"13", 2, &p, end))
        return -1;
    if (lws_finalize_http_header(wsi, &p, end) || end - p < n)
        return -1;
    memcpy(p, body, (size_t)n);
    p += n;
    if (lws_write(wsi, start, (size_t)(p - start), LWS_WRITE_HTTP_HEADERS) < 0)
        return -1;
    return 1;
}

int http_guard_on_upgrade(struct app *app, struct lws *wsi)
{
    char version[8] = "", key[32] = "";
    int vlen = lws_hdr_total_length(wsi, WSI_TOKEN_VERSION);
    int klen = lws_hdr_total_length(wsi, WSI_TOKEN_KEY);
    http_guard_on_request(wsi);
    if (vlen <= 0 || (size_t)vlen >= sizeof version ||
        lws_hdr_copy(wsi, version, sizeof version, WSI_TOKEN_VERSION) != vlen ||
        strcmp(version, "13") != 0)
        return refuse_upgrade(app, wsi, 426, "upgrade_required",
                              "only WebSocket version 13 is spoken here");
    if (klen <= 0 || (size_t)klen >= sizeof key ||
        lws_hdr_copy(wsi, key, sizeof key, WSI_TOKEN_KEY) != klen || !http_guard_ws_key_ok(key))
        return refuse_upgrade(app, wsi, 400, "bad_request",
                              "Sec-WebSocket-Key must be the base64 of 16 bytes");
    return 0;
}
