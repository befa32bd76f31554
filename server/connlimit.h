/* Connection accounting for the HTTPS/WSS listener: how many connections
 * each client address holds (a cap per address), and which connections have
 * not yet sent a complete request (those that only hold a slot: slow TLS
 * handshakes, silent TCP, headers dribbled byte by byte).
 *
 * When the server is full, the oldest such connection is the one to drop, so
 * a crowd of idle or slow connections cannot keep everyone else out. Pure:
 * no sockets, no clock (time comes in), one fixed table, no allocation after
 * create. IPv6 clients are counted per /64, since one host commonly has a
 * whole /64. */
#ifndef SAMTALE_CONNLIMIT_H
#define SAMTALE_CONNLIMIT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define CONNLIMIT_SLOTS_MAX 200000
#define CONNLIMIT_KEY_LEN 16 /* ADDR_GROUP_LEN */

struct connlimit;
struct connlimit_slot;

/* `slots` connections at most (1..CONNLIMIT_SLOTS_MAX), `per_addr` of them
 * (at least 1) from one address. ERR_INVAL, ERR_NOMEM. */
int connlimit_create(struct connlimit **out, unsigned slots, unsigned per_addr);
void connlimit_destroy(struct connlimit *c);

/* The accounting key of a peer address: IPv4 (also IPv4-mapped IPv6) as
 * ::ffff:a.b.c.d, IPv6 cut to its /64. ERR_PARSE for other families. */
int connlimit_key(const struct sockaddr *sa, socklen_t len, uint8_t key[CONNLIMIT_KEY_LEN]);

/* Connections open now from `key`. */
unsigned connlimit_count_addr(const struct connlimit *c, const uint8_t key[CONNLIMIT_KEY_LEN]);
/* Connections open now. */
unsigned connlimit_count(const struct connlimit *c);

/* Accounts one new connection for `owner` (borrowed). ERR_FULL when the
 * address is at its cap or the table is full; nothing is accounted then. */
int connlimit_open(struct connlimit *c, const uint8_t key[CONNLIMIT_KEY_LEN], void *owner,
                   int64_t now_us, struct connlimit_slot **out);
/* The connection sent a complete request: it is no longer a candidate for
 * eviction. NULL-safe. */
void connlimit_proven(struct connlimit_slot *s);
/* The connection is gone. NULL-safe. */
void connlimit_close(struct connlimit *c, struct connlimit_slot *s);

/* The owner of the oldest connection that has sent no complete request and
 * is not already being evicted, marking it as being evicted; NULL if none. */
void *connlimit_evict_oldest(struct connlimit *c);

#endif
