/* A reference model of media/rtx_cache.c for its fuzz target and unit
 * test: it remembers the puts and says, for a sequence number, whether the
 * cache must hold it, must not, or may (the packets the byte ring dropped
 * to make room depend on where they lay), and what its bytes must be.
 *
 * Of the puts since the last clear, the latest of ext_seq is held unless
 *  - a later put has another ext_seq with the same slot (mod slots),
 *  - it is `slots` or more puts old, or
 *  - it and the later puts are more than the budget (they cannot all lie
 *    in the ring),
 * and is surely held when they are at most budget - RTX_CACHE_PKT_CAP
 * (the ring wastes less than one packet at its end). A packet held has the
 * length and bytes of that put. rtx_cache_has() says whether the latest
 * put since the clear into ext_seq's slot was ext_seq, whether or not its
 * bytes are still held. */
#ifndef SAMTALE_TESTS_RTX_CACHE_MODEL_H
#define SAMTALE_TESTS_RTX_CACHE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/err.h"
#include "media/rtx_cache.h"

struct rcm_put {
    int64_t ext;
    uint64_t serial;
    size_t len;
};

struct rcm {
    struct rtx_cache *c;
    size_t slots, budget;
    struct rcm_put hist[RTX_CACHE_MAX_SLOTS]; /* by serial mod RTX_CACHE_MAX_SLOTS */
    uint64_t n_puts, cleared_at;              /* puts so far; n_puts at the last clear */
    int64_t slot_ext[RTX_CACHE_MAX_SLOTS];    /* the latest put's ext_seq by slot, -1: none */
};

/* The bytes of the put with this serial number. */
static inline void rcm_fill(uint8_t *b, size_t len, uint64_t serial)
{
    for (size_t i = 0; i < len; i++)
        b[i] = (uint8_t)(serial * 131u + i * 7u + (serial >> 8));
}

static inline int rcm_init(struct rcm *m, size_t slots, size_t budget)
{
    m->slots = slots;
    m->budget = budget;
    m->n_puts = m->cleared_at = 0;
    for (size_t i = 0; i < slots; i++)
        m->slot_ext[i] = -1;
    return rtx_cache_create(&m->c, slots, budget);
}

/* Puts len bytes (any len, to try the limits) as ext; false when the
 * cache's answer is wrong. */
static inline bool rcm_put(struct rcm *m, int64_t ext, size_t len)
{
    static uint8_t b[RTX_CACHE_PKT_CAP + 1];
    size_t n = len <= RTX_CACHE_PKT_CAP ? len : RTX_CACHE_PKT_CAP + 1;
    int rc;

    rcm_fill(b, n, m->n_puts);
    rc = rtx_cache_put(m->c, ext, b, len);
    if (ext < 0 || len == 0)
        return rc == ERR_INVAL;
    if (len > RTX_CACHE_PKT_CAP)
        return rc == ERR_TOOBIG;
    if (rc != 0)
        return false;
    m->hist[m->n_puts % RTX_CACHE_MAX_SLOTS] =
        (struct rcm_put){.ext = ext, .serial = m->n_puts, .len = len};
    m->slot_ext[(uint64_t)ext & (m->slots - 1)] = ext;
    m->n_puts++;
    return true;
}

static inline void rcm_clear(struct rcm *m)
{
    rtx_cache_clear(m->c);
    m->cleared_at = m->n_puts;
    for (size_t i = 0; i < m->slots; i++)
        m->slot_ext[i] = -1;
}

/* Checks the cache's answer for ext against the model. */
static inline bool rcm_check(const struct rcm *m, int64_t ext)
{
    static uint8_t want[RTX_CACHE_PKT_CAP];
    const struct rcm_put *found = NULL;
    uint64_t back = m->n_puts - m->cleared_at;
    size_t bytes = 0, len = 0;
    const uint8_t *v = NULL;
    bool got, must, may;

    if (back > m->slots)
        back = m->slots;
    for (uint64_t k = 1; k <= back; k++) {
        const struct rcm_put *p = &m->hist[(m->n_puts - k) % RTX_CACHE_MAX_SLOTS];

        bytes += p->len;
        if (p->ext == ext) {
            found = p;
            break;
        }
        if (ext >= 0 && (((uint64_t)p->ext ^ (uint64_t)ext) & (m->slots - 1)) == 0)
            break; /* a later packet took its slot */
    }
    got = rtx_cache_get(m->c, ext, &v, &len);
    if (rtx_cache_has(m->c, ext) !=
        (ext >= 0 && m->slot_ext[(uint64_t)ext & (m->slots - 1)] == ext))
        return false;
    if (got && !rtx_cache_has(m->c, ext))
        return false;
    may = found != NULL && bytes <= m->budget;
    must = found != NULL && bytes <= m->budget - RTX_CACHE_PKT_CAP;
    if (got != must && got != may)
        return false;
    if (!got)
        return true;
    if (len != found->len)
        return false;
    rcm_fill(want, len, found->serial);
    return memcmp(v, want, len) == 0;
}

/* The ring never passes the budget: what the cache holds is its ring and
 * an index of a few words a slot. */
static inline bool rcm_check_bytes(const struct rcm *m)
{
    return rtx_cache_bytes(m->c) <= m->budget + m->slots * 32 + 256;
}

#endif
