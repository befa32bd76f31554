/* The ice_servers message: the TURN servers a client should add to its peer
 * connections, with fresh time-limited credentials (signaling/turn.h). Sent
 * before "admitted" and on request (docs/PROTOCOL.md, "TURN relay"). */
#ifndef SAMTALE_SIGNALING_ICE_SERVERS_H
#define SAMTALE_SIGNALING_ICE_SERVERS_H

#include <jansson.h>
#include <stdint.h>

struct turn_config;

/* {"type":"ice_servers","ice_servers":[{"urls":[...],"username","credential"}],
 * "expires_at":ms}, or "ice_servers":[] when TURN is off. `who` names the
 * receiver in the log line (no personal data). NULL if out of memory or the
 * random source or HMAC fails. */
json_t *ice_servers_message(const struct turn_config *t, int64_t now_ms, const char *who);

#endif
