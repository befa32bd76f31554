/* Retransmission cache: see rtx_cache.h.
 *
 * Every put gets the next serial number. The packets held are the serials
 * [tail, next): at most `slots` of them, their bytes one after another in
 * the ring, oldest at fifo[tail].off, the newest ending at head. When the
 * newest packet does not fit between head and the end of the ring it goes
 * to offset 0 (the bytes after head stay unused until the ring wraps
 * again). The index slot of a sequence number names the serial that stored
 * it; a serial below tail no longer has its bytes, one below `cleared` was
 * stored before the last clear. */
#include "media/rtx_cache.h"

#include <stdlib.h>
#include <string.h>

#include "base/err.h"

struct rtx_index {
    int64_t ext_seq; /* -1: empty */
    uint64_t serial;
};

struct rtx_entry {
    uint32_t off, len;
};

struct rtx_cache {
    size_t slots;  /* a power of two */
    size_t budget; /* the most ring bytes */
    size_t cap;    /* ring bytes now, min(budget, RTX_CACHE_FIRST_BYTES) .. budget */
    size_t head;   /* where the newest packet ends */
    uint64_t tail, next;
    uint64_t cleared;        /* next at the last clear */
    struct rtx_index *index; /* by ext_seq mod slots */
    struct rtx_entry *fifo;  /* by serial mod slots */
    uint8_t *ring;
};

size_t rtx_cache_budget(bool video, size_t layer, size_t n_layers)
{
    size_t b = RTX_CACHE_VIDEO_BYTES;

    if (!video)
        return RTX_CACHE_AUDIO_BYTES;
    for (size_t l = layer + 1; l < n_layers && b > RTX_CACHE_LOW_BYTES; l++)
        b /= 3;
    return b > RTX_CACHE_LOW_BYTES ? b : RTX_CACHE_LOW_BYTES;
}

int rtx_cache_create(struct rtx_cache **out, size_t slots, size_t budget)
{
    struct rtx_cache *c;

    *out = NULL;
    if (slots == 0 || slots > RTX_CACHE_MAX_SLOTS || (slots & (slots - 1)) != 0 ||
        budget < RTX_CACHE_PKT_CAP || budget > RTX_CACHE_MAX_BYTES)
        return ERR_INVAL;
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return ERR_NOMEM;
    c->slots = slots;
    c->budget = budget;
    c->cap = budget < RTX_CACHE_FIRST_BYTES ? budget : RTX_CACHE_FIRST_BYTES;
    c->index = malloc(slots * sizeof(*c->index));
    c->fifo = calloc(slots, sizeof(*c->fifo));
    c->ring = malloc(c->cap);
    if (c->index == NULL || c->fifo == NULL || c->ring == NULL) {
        rtx_cache_destroy(c);
        return ERR_NOMEM;
    }
    for (size_t i = 0; i < slots; i++) {
        c->index[i].ext_seq = -1;
        c->index[i].serial = 0;
    }
    *out = c;
    return 0;
}

void rtx_cache_destroy(struct rtx_cache *c)
{
    if (c == NULL)
        return;
    free(c->index);
    free(c->fifo);
    free(c->ring);
    free(c);
}

size_t rtx_cache_slots(const struct rtx_cache *c)
{
    return c->slots;
}

size_t rtx_cache_bytes(const struct rtx_cache *c)
{
    return sizeof(*c) + c->cap + c->slots * (sizeof(*c->index) + sizeof(*c->fifo));
}

static struct rtx_entry *entry_of(const struct rtx_cache *c, uint64_t serial)
{
    return &c->fifo[serial & (c->slots - 1)];
}

/* The index entry of ext_seq when it was stored since the last clear, or
 * NULL. */
static const struct rtx_index *seen(const struct rtx_cache *c, int64_t ext_seq)
{
    const struct rtx_index *x;

    if (ext_seq < 0)
        return NULL;
    x = &c->index[(uint64_t)ext_seq & (c->slots - 1)];
    if (x->ext_seq != ext_seq || x->serial < c->cleared)
        return NULL;
    return x;
}

/* The entry holding ext_seq's bytes, or NULL. */
static const struct rtx_entry *lookup(const struct rtx_cache *c, int64_t ext_seq)
{
    const struct rtx_index *x = seen(c, ext_seq);

    if (x == NULL || x->serial < c->tail)
        return NULL;
    return entry_of(c, x->serial);
}

/* A ring twice as large (at most the budget) with the packets held copied
 * to its start in order; the oldest are dropped first if they and len
 * bytes more would not fit. ERR_NOMEM leaves the cache as it was. */
static int grow(struct rtx_cache *c, size_t len)
{
    size_t cap = c->cap * 2 < c->budget ? c->cap * 2 : c->budget;
    size_t live = 0, pos = 0;
    uint8_t *ring;

    ring = malloc(cap);
    if (ring == NULL)
        return ERR_NOMEM;
    for (uint64_t s = c->tail; s < c->next; s++)
        live += entry_of(c, s)->len;
    while (live + len > cap) {
        live -= entry_of(c, c->tail)->len;
        c->tail++;
    }
    for (uint64_t s = c->tail; s < c->next; s++) {
        struct rtx_entry *e = entry_of(c, s);

        memcpy(ring + pos, c->ring + e->off, e->len);
        e->off = (uint32_t)pos;
        pos += e->len;
    }
    free(c->ring);
    c->ring = ring;
    c->cap = cap;
    c->head = pos;
    return 0;
}

/* Where len bytes go: grows the ring or drops the oldest packets until
 * they fit. */
static size_t place(struct rtx_cache *c, size_t len)
{
    for (;;) {
        size_t t;

        if (c->tail == c->next)
            return 0; /* empty: cap >= RTX_CACHE_PKT_CAP >= len */
        t = entry_of(c, c->tail)->off;
        if (c->head > t) { /* held: [t, head) */
            if (c->cap - c->head >= len)
                return c->head;
            if (t >= len)
                return 0;
        } else if (t - c->head >= len) { /* held: [t, end of ring) and [0, head) */
            return c->head;
        }
        if (c->cap < c->budget && grow(c, len) == 0)
            continue;
        c->tail++;
    }
}

int rtx_cache_put(struct rtx_cache *c, int64_t ext_seq, const uint8_t *pkt, size_t len)
{
    struct rtx_index *x;
    struct rtx_entry *e;
    size_t off;

    if (ext_seq < 0 || len == 0 || pkt == NULL)
        return ERR_INVAL;
    if (len > RTX_CACHE_PKT_CAP)
        return ERR_TOOBIG;
    if (c->next - c->tail == c->slots)
        c->tail++; /* its fifo entry is the one this packet takes */
    off = place(c, len);
    memcpy(c->ring + off, pkt, len);
    e = entry_of(c, c->next);
    e->off = (uint32_t)off;
    e->len = (uint32_t)len;
    x = &c->index[(uint64_t)ext_seq & (c->slots - 1)];
    x->ext_seq = ext_seq;
    x->serial = c->next;
    c->next++;
    c->head = off + len;
    return 0;
}

bool rtx_cache_get(const struct rtx_cache *c, int64_t ext_seq, const uint8_t **pkt, size_t *len)
{
    const struct rtx_entry *e = lookup(c, ext_seq);

    if (e == NULL)
        return false;
    *pkt = c->ring + e->off;
    *len = e->len;
    return true;
}

bool rtx_cache_has(const struct rtx_cache *c, int64_t ext_seq)
{
    return seen(c, ext_seq) != NULL;
}

void rtx_cache_clear(struct rtx_cache *c)
{
    c->tail = c->cleared = c->next; /* every serial stored is now below both */
    c->head = 0;
}
