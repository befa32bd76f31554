/* Connection accounting (see connlimit.h). One array of slots and a stack of
 * free indexes; lookups are linear scans, which at a few thousand slots cost
 * microseconds, once per accepted connection. */
#include "server/connlimit.h"
#include "base/addr_group.h"
#include "base/err.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

struct connlimit_slot {
    uint8_t key[CONNLIMIT_KEY_LEN];
    int64_t opened_us;
    void *owner;
    bool used;
    bool proven;
    bool evicting;
};

struct connlimit {
    struct connlimit_slot *slots;
    unsigned *free_idx; /* stack of unused slot indexes */
    unsigned n_slots;
    unsigned n_free;
    unsigned per_addr;
};

int connlimit_create(struct connlimit **out, unsigned slots, unsigned per_addr)
{
    *out = NULL;
    if (slots < 1 || slots > CONNLIMIT_SLOTS_MAX || per_addr < 1)
        return ERR_INVAL;
    struct connlimit *c = calloc(1, sizeof *c);
    if (!c)
        return ERR_NOMEM;
    c->slots = calloc(slots, sizeof c->slots[0]);
    c->free_idx = calloc(slots, sizeof c->free_idx[0]);
    if (!c->slots || !c->free_idx) {
        connlimit_destroy(c);
        return ERR_NOMEM;
    }
    c->n_slots = c->n_free = slots;
    c->per_addr = per_addr;
    for (unsigned i = 0; i < slots; i++)
        c->free_idx[i] = slots - 1 - i;
    *out = c;
    return 0;
}

void connlimit_destroy(struct connlimit *c)
{
    if (!c)
        return;
    free(c->slots);
    free(c->free_idx);
    free(c);
}

int connlimit_key(const struct sockaddr *sa, socklen_t len, uint8_t key[CONNLIMIT_KEY_LEN])
{
    return addr_group(sa, len, key) == 0 ? 0 : ERR_PARSE;
}

unsigned connlimit_count_addr(const struct connlimit *c, const uint8_t key[CONNLIMIT_KEY_LEN])
{
    unsigned n = 0;
    for (unsigned i = 0; i < c->n_slots; i++)
        if (c->slots[i].used && memcmp(c->slots[i].key, key, CONNLIMIT_KEY_LEN) == 0)
            n++;
    return n;
}

unsigned connlimit_count(const struct connlimit *c)
{
    return c->n_slots - c->n_free;
}

int connlimit_open(struct connlimit *c, const uint8_t key[CONNLIMIT_KEY_LEN], void *owner,
                   int64_t now_us, struct connlimit_slot **out)
{
    *out = NULL;
    if (c->n_free == 0 || connlimit_count_addr(c, key) >= c->per_addr)
        return ERR_FULL;
    struct connlimit_slot *s = &c->slots[c->free_idx[--c->n_free]];
    memset(s, 0, sizeof *s);
    memcpy(s->key, key, CONNLIMIT_KEY_LEN);
    s->opened_us = now_us;
    s->owner = owner;
    s->used = true;
    *out = s;
    return 0;
}

void connlimit_proven(struct connlimit_slot *s)
{
    if (s)
        s->proven = true;
}

void connlimit_close(struct connlimit *c, struct connlimit_slot *s)
{
    if (!s || !s->used)
        return;
    s->used = false;
    s->owner = NULL;
    c->free_idx[c->n_free++] = (unsigned)(s - c->slots);
}

void *connlimit_evict_oldest(struct connlimit *c)
{
    struct connlimit_slot *oldest = NULL;
    for (unsigned i = 0; i < c->n_slots; i++) {
        struct connlimit_slot *s = &c->slots[i];
        if (s->used && !s->proven && !s->evicting && (!oldest || s->opened_us < oldest->opened_us))
            oldest = s;
    }
    if (!oldest)
        return NULL;
    oldest->evicting = true;
    return oldest->owner;
}
