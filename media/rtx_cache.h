/* Retransmission cache: the most recent packets of one incoming RTP
 * stream, keyed by the extended (unwrapped) sequence number, so a NACK can
 * be answered without asking the sender again.
 *
 * Packets are kept by their real size in one byte ring per stream, in the
 * order they were stored; an index of `slots` entries (slot `ext_seq mod
 * slots`) says where each packet lies. A packet is forgotten when
 *  - a newer one takes its slot (the cache spans at most `slots` sequence
 *    numbers),
 *  - `slots` packets have been stored after it, or
 *  - the ring needs its bytes for newer packets: the ring grows (doubling,
 *    copying what it holds) up to the stream's byte budget, and at the
 *    budget the oldest packets make room.
 * A lookup succeeds only for a packet that is still held, so a packet that
 * has been overwritten (too old) is a miss, never a wrong packet. Lookups
 * are O(1); a store is O(1) but for the few growths in a stream's life,
 * which copy at most the budget. Memory thus follows the bytes the stream
 * carries (up to twice its recent bytes, at most the budget), not
 * slots x the largest packet. */
#ifndef SAMTALE_MEDIA_RTX_CACHE_H
#define SAMTALE_MEDIA_RTX_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RTX_CACHE_PKT_CAP 2048 /* largest packet (= ROUTER_PKT_CAP) */
#define RTX_CACHE_MAX_SLOTS 4096
#define RTX_CACHE_MAX_BYTES (16u << 20)
#define RTX_CACHE_FIRST_BYTES 8192 /* the ring's size at creation (or the budget, if less) */

/* Byte budgets. The router repairs a loss for at most ROUTER_NACK_GIVEUP_US
 * (1 s) and a subscriber's NACK arrives a round trip after its loss, so a
 * stream needs about 1 s of its packets plus a round trip.
 * Video: the web client's highest simulcast layer (and a screen share)
 * sends up to 1.5 Mbit/s; 256 KiB is 1.4 s of it, a keyframe burst of
 * ~100 KB included. Each layer below sends about a third of the one above
 * (the web client's 1500/500/150 kbit/s, the capacity benchmark's
 * 800/300/100), so it gets a third of the budget above: 85 KiB is 1.4 s at
 * 500 kbit/s; the lowest gets at least RTX_CACHE_LOW_BYTES, 1.7 s at
 * 150 kbit/s. A layer that sends more than that keeps a shorter time.
 * Audio: Opus at 20 ms a packet; 64 packets (1.28 s) of up to 512 bytes
 * (about 200 kbit/s, far above speech's 32-64 kbit/s) is 32 KiB. */
#define RTX_CACHE_VIDEO_BYTES (256u << 10)
#define RTX_CACHE_LOW_BYTES (32u << 10)
#define RTX_CACHE_AUDIO_BYTES (32u << 10)

struct rtx_cache;

/* The budget of layer `layer` (0: the lowest) of a stream of n_layers, as
 * explained above; audio: RTX_CACHE_AUDIO_BYTES. */
size_t rtx_cache_budget(bool video, size_t layer, size_t n_layers);

/* slots: a power of two from 1 to RTX_CACHE_MAX_SLOTS; budget: bytes the
 * ring may grow to, RTX_CACHE_PKT_CAP to RTX_CACHE_MAX_BYTES; else
 * ERR_INVAL. ERR_NOMEM when the index or the first ring cannot be
 * allocated. */
int rtx_cache_create(struct rtx_cache **out, size_t slots, size_t budget);
void rtx_cache_destroy(struct rtx_cache *c); /* NULL-safe */

size_t rtx_cache_slots(const struct rtx_cache *c);

/* Bytes the cache holds allocated now (ring and index). */
size_t rtx_cache_bytes(const struct rtx_cache *c);

/* Copies len bytes (1..RTX_CACHE_PKT_CAP, else ERR_TOOBIG / ERR_INVAL)
 * as the packet ext_seq (>= 0, else ERR_INVAL). A growth that cannot be
 * allocated is not an error: older packets make room instead. */
int rtx_cache_put(struct rtx_cache *c, int64_t ext_seq, const uint8_t *pkt, size_t len);

/* True, with a view of the stored bytes (valid until the next put), when
 * ext_seq is held. */
bool rtx_cache_get(const struct rtx_cache *c, int64_t ext_seq, const uint8_t **pkt, size_t *len);

/* True when ext_seq was stored since the last clear and no later packet
 * has taken its slot, even if its bytes have since made room for newer
 * packets (rtx_cache_get then fails): the router's test for a duplicate,
 * over the same `slots` sequence numbers whatever the packets' size. */
bool rtx_cache_has(const struct rtx_cache *c, int64_t ext_seq);

/* Forgets every packet (the ring keeps its size). */
void rtx_cache_clear(struct rtx_cache *c);

#endif
