/* A hash index from a 64-bit key to a pointer (and a small tag), for the
 * worker's per-packet lookups: session ids, ICE ufrags (by their keyed
 * hash, the caller comparing the string), and in the router (peer, SSRC)
 * pairs and peer ids.
 *
 * Open addressing with linear probing and backward-shift deletion. Keys
 * are hashed under a random secret of the table's own (two rounds of a
 * keyed 64x64->128-bit multiply-fold mixer; byte strings with SipHash-2-4
 * first), and no entry sits more than IDMAP_PROBE_MAX slots from its home,
 * so a lookup reads at most that many slots whatever keys an attacker
 * chose. The table
 * holds at most a quarter of its slots (at half, a run of 32 taken slots
 * is likely somewhere among a few thousand random keys, and a put would
 * fail); it grows (doubling, in idmap_put only) up
 * to the capacity given at creation, and a table created with
 * initial == max never allocates after idmap_create. */
#ifndef SAMTALE_MEDIA_IDMAP_H
#define SAMTALE_MEDIA_IDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IDMAP_PROBE_MAX 32

struct idmap;

/* Room for `initial` entries now and up to `max` entries by growing. */
int idmap_create(struct idmap **out, size_t initial, size_t max);
void idmap_destroy(struct idmap *m);
/* Adds or replaces. ERR_FULL at `max` entries (or when the probe limit
 * leaves no slot and the table cannot grow), ERR_NOMEM when growing fails;
 * the table is unchanged then. */
int idmap_put(struct idmap *m, uint64_t key, void *value, uint32_t tag);
/* The value (NULL when absent); *tag when tag is not NULL and found. */
void *idmap_get(const struct idmap *m, uint64_t key, uint32_t *tag);
/* True when the key was there. */
bool idmap_del(struct idmap *m, uint64_t key);
size_t idmap_count(const struct idmap *m);
/* The table's own keyed hash of a byte string (for string keys). */
uint64_t idmap_hash_bytes(const struct idmap *m, const void *p, size_t len);

#endif
