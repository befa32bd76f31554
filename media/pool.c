/* Packet buffer pool: one allocation, an intrusive LIFO free list (the most
 * recently freed buffer is the most likely to still be in cache). */
#include "media/pool.h"

#include <assert.h>
#include <stdlib.h>

#include "base/err.h"

#define PKT_FREE 0x46524545u  /* "FREE": on the free list */
#define PKT_TAKEN 0x54414b45u /* "TAKE": handed out by pool_get() */

struct pool {
    struct pkt *arena; /* count buffers, one allocation */
    size_t count;
    struct pkt *free_list;
    size_t free_count;
    uint64_t exhausted;
};

int pool_create(struct pool **out, size_t count)
{
    int rc = 0;
    struct pool *p = NULL;

    *out = NULL;
    if (count == 0)
        count = POOL_DEFAULT_COUNT;
    if (count > POOL_MAX_COUNT) {
        rc = ERR_INVAL;
        goto out;
    }
    p = calloc(1, sizeof *p);
    if (!p) {
        rc = ERR_NOMEM;
        goto out;
    }
    /* A large calloc maps zero pages lazily: untouched buffers cost no RAM. */
    p->arena = calloc(count, sizeof *p->arena);
    if (!p->arena) {
        rc = ERR_NOMEM;
        goto out;
    }
    p->count = count;
    /* Chain so that the first pool_get() returns arena[0]. */
    for (size_t i = count; i-- > 0;) {
        p->arena[i].next = p->free_list;
        p->arena[i].pool_flags = PKT_FREE;
        p->free_list = &p->arena[i];
    }
    p->free_count = count;
    *out = p;
    p = NULL;
out:
    pool_destroy(p);
    return rc;
}

void pool_destroy(struct pool *p)
{
    if (!p)
        return;
    free(p->arena);
    free(p);
}

struct pkt *pool_get(struct pool *p)
{
    struct pkt *pkt = p->free_list;
    if (!pkt) {
        p->exhausted++;
        return NULL;
    }
    assert(pkt->pool_flags == PKT_FREE);
    p->free_list = pkt->next;
    p->free_count--;
    pkt->next = NULL;
    pkt->len = 0;
    pkt->addrlen = 0;
    pkt->pool_flags = PKT_TAKEN;
    return pkt;
}

void pool_put(struct pool *p, struct pkt *pkt)
{
    if (!pkt)
        return;
    assert(pool_owns(p, pkt));
    assert(pkt->pool_flags == PKT_TAKEN); /* double put or foreign buffer */
    pkt->pool_flags = PKT_FREE;
    pkt->next = p->free_list;
    p->free_list = pkt;
    p->free_count++;
}

size_t pool_capacity(const struct pool *p)
{
    return p->count;
}

size_t pool_available(const struct pool *p)
{
    return p->free_count;
}

size_t pool_in_use(const struct pool *p)
{
    return p->count - p->free_count;
}

uint64_t pool_exhausted(const struct pool *p)
{
    return p->exhausted;
}

int pool_owns(const struct pool *p, const struct pkt *pkt)
{
    /* Compare as integers: relational operators on pointers into different
     * objects are undefined. */
    uintptr_t a = (uintptr_t)p->arena, x = (uintptr_t)pkt;
    if (x < a || x >= a + p->count * sizeof *p->arena)
        return 0;
    return (x - a) % sizeof *p->arena == 0;
}
