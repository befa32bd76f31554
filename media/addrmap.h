/* A fixed-size hash map from a transport address (IP, port, UDP/TCP) to a
 * session, for the worker's per-packet demultiplexing: no allocation after
 * creation, open addressing with linear probing and backward-shift delete,
 * SipHash under a random key of its own (addresses are the sender's choice). */
#ifndef SAMTALE_MEDIA_ADDRMAP_H
#define SAMTALE_MEDIA_ADDRMAP_H

#include <stddef.h>
#include <stdint.h>

#include "media/stun.h"

struct addrmap;

/* capacity: slots, rounded up to a power of two; at most 3/4 are used. */
int addrmap_create(struct addrmap **out, size_t capacity);
void addrmap_destroy(struct addrmap *m);
/* Adds or replaces. ERR_FULL when 3/4 of the slots are used. */
int addrmap_put(struct addrmap *m, const struct stun_addr *a, uint8_t proto, void *value);
void *addrmap_get(const struct addrmap *m, const struct stun_addr *a, uint8_t proto);
void addrmap_del(struct addrmap *m, const struct stun_addr *a, uint8_t proto);
/* Removes every entry pointing at value (when a session closes). */
void addrmap_del_value(struct addrmap *m, const void *value);
size_t addrmap_count(const struct addrmap *m);

#endif
