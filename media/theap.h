/* The engine's timers: a binary min-heap of deadlines (µs) with stable
 * handles, so that an entry is re-keyed or removed in O(log n) and the
 * earliest is read in O(1).
 *
 * Why a heap and not a timing wheel: the deadlines here run from a DTLS
 * retransmit a few ms away to a session's expiry hours away, and each must
 * fire exactly when due (a consent timeout, an RTCP interval). A wheel
 * trades that for a tick granularity and cascades for far deadlines; with
 * at most a few tens of thousands of entries per worker, log2 n compares
 * are cheap and the order is exact.
 *
 * Equal deadlines keep the order in which they were armed (each arming
 * takes a sequence number that breaks ties), so a run is deterministic.
 *
 * Memory: handles and heap slots grow (doubling) only in theap_add, up to
 * the maximum given at creation; theap_set, theap_pop and theap_del never
 * allocate, so the packet path may re-key freely. Handle 0 is never given
 * out: a zeroed owner has no entry, and every call accepts it as a no-op. */
#ifndef SAMTALE_MEDIA_THEAP_H
#define SAMTALE_MEDIA_THEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define THEAP_NEVER INT64_MAX /* an entry keyed so is not armed */

struct theap;

/* One entry popped: what theap_add was given. */
struct theap_due {
    uint32_t handle;
    int kind;
    void *item;
    int64_t at; /* the deadline it was armed for */
};

/* Room for `initial` entries now and up to `max` by growing. */
int theap_create(struct theap **out, size_t initial, size_t max);
void theap_destroy(struct theap *h);

/* A new entry for `item` (of the caller's `kind`), not armed yet.
 * ERR_FULL at `max` entries, ERR_NOMEM when growing fails. */
int theap_add(struct theap *h, int kind, void *item, uint32_t *handle);
/* Disarms and forgets the entry; its handle may be given out again. */
void theap_del(struct theap *h, uint32_t handle);

/* Arms (or re-keys) the entry for at_us; THEAP_NEVER disarms it. */
void theap_set(struct theap *h, uint32_t handle, int64_t at_us);
/* Re-keys only when at_us is earlier than the entry's deadline. */
void theap_lower(struct theap *h, uint32_t handle, int64_t at_us);
/* The entry's deadline; THEAP_NEVER when not armed. */
int64_t theap_at(const struct theap *h, uint32_t handle);

/* The earliest deadline; THEAP_NEVER when nothing is armed. */
int64_t theap_next(const struct theap *h);
/* A mark for theap_pop: entries armed after it are left for a later pass. */
uint64_t theap_mark(const struct theap *h);
/* Pops (disarms) the earliest entry when it is due at now_us and was armed
 * before `mark`; false when there is none. Handling an entry may re-arm it
 * (even for now_us) without the pass running forever. */
bool theap_pop(struct theap *h, int64_t now_us, uint64_t mark, struct theap_due *out);

/* Entries allocated, and of those, armed. */
size_t theap_count(const struct theap *h);
size_t theap_armed(const struct theap *h);

/* Checks every invariant (heap order, handles and positions agreeing,
 * the free list); for tests and fuzzing. True when consistent. */
bool theap_check(const struct theap *h);

#endif
