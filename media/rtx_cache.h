/* Retransmission cache: a ring of the most recent packets of one incoming
 * RTP stream, keyed by the extended (unwrapped) sequence number, so a NACK
 * can be answered without asking the sender again.
 *
 * Every slot is allocated once, at rtx_cache_create(): `slots` fixed
 * buffers of RTX_CACHE_PKT_CAP bytes. Storing a packet copies it into the
 * slot `ext_seq mod slots`, replacing whatever was there; nothing allocates
 * per packet. A lookup succeeds only when that slot holds exactly the
 * requested extended sequence number, so a packet that has been overwritten
 * (too old) is a miss, never a wrong packet. */
#ifndef SAMTALE_MEDIA_RTX_CACHE_H
#define SAMTALE_MEDIA_RTX_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RTX_CACHE_PKT_CAP 2048 /* bytes per slot (= ROUTER_PKT_CAP) */
#define RTX_CACHE_MAX_SLOTS 4096

struct rtx_cache;

/* slots: a power of two from 1 to RTX_CACHE_MAX_SLOTS, else ERR_INVAL;
 * ERR_NOMEM when the slots cannot be allocated. */
int rtx_cache_create(struct rtx_cache **out, size_t slots);
void rtx_cache_destroy(struct rtx_cache *c); /* NULL-safe */

size_t rtx_cache_slots(const struct rtx_cache *c);

/* Copies len bytes (1..RTX_CACHE_PKT_CAP, else ERR_TOOBIG / ERR_INVAL)
 * into the slot of ext_seq (>= 0, else ERR_INVAL). */
int rtx_cache_put(struct rtx_cache *c, int64_t ext_seq, const uint8_t *pkt, size_t len);

/* True, with a view of the stored bytes (valid until the next put), when
 * ext_seq is stored. */
bool rtx_cache_get(const struct rtx_cache *c, int64_t ext_seq, const uint8_t **pkt, size_t *len);
bool rtx_cache_has(const struct rtx_cache *c, int64_t ext_seq);

/* Forgets every packet (the buffers stay allocated). */
void rtx_cache_clear(struct rtx_cache *c);

#endif
