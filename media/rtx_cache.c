/* Retransmission cache: see rtx_cache.h. */
#include "media/rtx_cache.h"

#include <stdlib.h>
#include <string.h>

#include "base/err.h"

struct rtx_slot {
    int64_t ext_seq; /* -1: empty */
    uint16_t len;
};

struct rtx_cache {
    size_t slots; /* a power of two */
    struct rtx_slot *meta;
    uint8_t *data; /* slots * RTX_CACHE_PKT_CAP bytes */
};

int rtx_cache_create(struct rtx_cache **out, size_t slots)
{
    struct rtx_cache *c;

    *out = NULL;
    if (slots == 0 || slots > RTX_CACHE_MAX_SLOTS || (slots & (slots - 1)) != 0)
        return ERR_INVAL;
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return ERR_NOMEM;
    c->slots = slots;
    c->meta = calloc(slots, sizeof(*c->meta));
    c->data = malloc(slots * RTX_CACHE_PKT_CAP);
    if (c->meta == NULL || c->data == NULL) {
        rtx_cache_destroy(c);
        return ERR_NOMEM;
    }
    rtx_cache_clear(c);
    *out = c;
    return 0;
}

void rtx_cache_destroy(struct rtx_cache *c)
{
    if (c == NULL)
        return;
    free(c->meta);
    free(c->data);
    free(c);
}

size_t rtx_cache_slots(const struct rtx_cache *c)
{
    return c->slots;
}

static size_t slot_of(const struct rtx_cache *c, int64_t ext_seq)
{
    return (size_t)((uint64_t)ext_seq & (c->slots - 1));
}

int rtx_cache_put(struct rtx_cache *c, int64_t ext_seq, const uint8_t *pkt, size_t len)
{
    size_t i;

    if (ext_seq < 0 || len == 0 || pkt == NULL)
        return ERR_INVAL;
    if (len > RTX_CACHE_PKT_CAP)
        return ERR_TOOBIG;
    i = slot_of(c, ext_seq);
    memcpy(c->data + i * RTX_CACHE_PKT_CAP, pkt, len);
    c->meta[i].ext_seq = ext_seq;
    c->meta[i].len = (uint16_t)len;
    return 0;
}

bool rtx_cache_get(const struct rtx_cache *c, int64_t ext_seq, const uint8_t **pkt, size_t *len)
{
    size_t i;

    if (ext_seq < 0)
        return false;
    i = slot_of(c, ext_seq);
    if (c->meta[i].ext_seq != ext_seq)
        return false;
    *pkt = c->data + i * RTX_CACHE_PKT_CAP;
    *len = c->meta[i].len;
    return true;
}

bool rtx_cache_has(const struct rtx_cache *c, int64_t ext_seq)
{
    return ext_seq >= 0 && c->meta[slot_of(c, ext_seq)].ext_seq == ext_seq;
}

void rtx_cache_clear(struct rtx_cache *c)
{
    for (size_t i = 0; i < c->slots; i++) {
        c->meta[i].ext_seq = -1;
        c->meta[i].len = 0;
    }
}
