/* The listener's defences, kept apart from the request handling in http.c:
 * per-address connection caps and eviction of idle half-open connections
 * (over server/connlimit.c), strict request framing (Content-Length) and
 * WebSocket upgrade checks (RFC 6455 section 4.2.1). The parsers are pure;
 * the http_guard_on_* functions are libwebsockets callbacks' bodies. */
#ifndef SAMTALE_HTTP_GUARD_H
#define SAMTALE_HTTP_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct app;
struct lws;

#define HTTP_CLEN_DIGITS_MAX 19 /* below 2^63: no overflow in uint64_t */

/* Content-Length: one or more digits, nothing else (RFC 9110 section 8.6).
 * 0 and the value; ERR_PARSE for a sign, blank, non-digit or empty value;
 * ERR_TOOBIG for more than HTTP_CLEN_DIGITS_MAX digits. */
int http_guard_content_length(const char *s, uint64_t *out);

/* The key login attempts are counted under for a peer address as text: an
 * IPv4 address as is (also when IPv4-mapped), an IPv6 address cut to its /64
 * ("2001:db8:1:2::/64"), since one host commonly has a whole /64 to rotate
 * through. Anything unparseable is used as given. */
void http_guard_rate_key(const char *addr, char *out, size_t cap);

/* Sec-WebSocket-Key: base64 of 16 bytes, i.e. 22 alphabet characters and "==". */
bool http_guard_ws_key_ok(const char *s);

/* LWS_CALLBACK_FILTER_NETWORK_CONNECTION: nonzero refuses the connection
 * (its address is at max_connections_per_addr). When the server is full,
 * the oldest connection that has not yet sent a complete request is
 * dropped to make room. `args` is lws's struct lws_filter_network_conn_args. */
int http_guard_on_accept(struct app *app, void *args);
/* LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED: accounts the connection. */
void http_guard_on_open(struct app *app, struct lws *wsi);
/* A complete request arrived: the connection is no longer idle. */
void http_guard_on_request(struct lws *wsi);
/* LWS_CALLBACK_WSI_DESTROY: the connection is gone. */
void http_guard_on_destroy(struct app *app, struct lws *wsi);
/* LWS_CALLBACK_HTTP_CONFIRM_UPGRADE: 0 lets the upgrade go on; 1 means it
 * was refused and answered (426 for a version other than 13, 400 for a bad
 * key); -1 hangs up. */
int http_guard_on_upgrade(struct app *app, struct lws *wsi);

#endif
