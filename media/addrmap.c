#include "media/addrmap.h"
#include "media/siphash.h"
#include "base/err.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct slot {
    struct stun_addr addr;
    uint8_t proto;
    bool used;
    void *value;
};

struct addrmap {
    struct slot *slots;
    size_t mask; /* capacity - 1 */
    size_t count;
    struct siphash_key seed; /* the hash's secret key */
};

static bool same(const struct slot *s, const struct stun_addr *a, uint8_t proto)
{
    return s->proto == proto && stun_addr_equal(&s->addr, a);
}

/* SipHash under the map's own random key over the parts that
 * stun_addr_equal compares: the source port and address are the sender's
 * choice, and an unkeyed hash would let it pick ones that share a probe
 * chain with everybody else's. */
static size_t hash(const struct addrmap *m, const struct stun_addr *a, uint8_t proto)
{
    uint8_t k[4 + 16] = {a->family, proto, (uint8_t)(a->port >> 8), (uint8_t)a->port};
    size_t n = a->family == STUN_FAMILY_IPV4 ? 4 : 16;
    memcpy(k + 4, a->ip, n);
    return (size_t)siphash_k(&m->seed, k, 4 + n);
}

int addrmap_create(struct addrmap **out, size_t capacity)
{
    size_t cap = 16;
    while (cap < capacity && cap < ((size_t)1 << 24))
        cap <<= 1;
    struct addrmap *m = calloc(1, sizeof *m);
    if (!m)
        return ERR_NOMEM;
    m->slots = calloc(cap, sizeof *m->slots);
    if (!m->slots) {
        free(m);
        return ERR_NOMEM;
    }
    m->mask = cap - 1;
    if (siphash_keygen(&m->seed) < 0) {
        addrmap_destroy(m);
        return ERR_CRYPTO;
    }
    *out = m;
    return 0;
}

void addrmap_destroy(struct addrmap *m)
{
    if (!m)
        return;
    free(m->slots);
    free(m);
}

static struct slot *find(const struct addrmap *m, const struct stun_addr *a, uint8_t proto)
{
    for (size_t i = hash(m, a, proto) & m->mask;; i = (i + 1) & m->mask) {
        struct slot *s = &m->slots[i];
        if (!s->used || same(s, a, proto))
            return s;
    }
}

int addrmap_put(struct addrmap *m, const struct stun_addr *a, uint8_t proto, void *value)
{
    struct slot *s = find(m, a, proto);
    if (!s->used) {
        if ((m->count + 1) * 4 > (m->mask + 1) * 3)
            return ERR_FULL;
        s->used = true;
        s->addr = *a;
        s->proto = proto;
        m->count++;
    }
    s->value = value;
    return 0;
}

void *addrmap_get(const struct addrmap *m, const struct stun_addr *a, uint8_t proto)
{
    struct slot *s = find(m, a, proto);
    return s->used ? s->value : NULL;
}

/* Backward-shift deletion keeps every probe chain unbroken without tombstones. */
static void remove_at(struct addrmap *m, size_t i)
{
    m->slots[i].used = false;
    m->count--;
    for (size_t j = (i + 1) & m->mask; m->slots[j].used; j = (j + 1) & m->mask) {
        size_t home = hash(m, &m->slots[j].addr, m->slots[j].proto) & m->mask;
        /* Move j back into the hole i if its home does not lie in (i, j]. */
        bool between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!between) {
            m->slots[i] = m->slots[j];
            m->slots[j].used = false;
            i = j;
        }
    }
}

void addrmap_del(struct addrmap *m, const struct stun_addr *a, uint8_t proto)
{
    struct slot *s = find(m, a, proto);
    if (s->used)
        remove_at(m, (size_t)(s - m->slots));
}

void addrmap_del_value(struct addrmap *m, const void *value)
{
    /* A shift can wrap an entry into a slot already passed: scan until clean. */
    for (bool removed = true; removed;) {
        removed = false;
        for (size_t i = 0; i <= m->mask;) {
            if (m->slots[i].used && m->slots[i].value == value) {
                remove_at(m, i); /* slot i may now hold a shifted entry: look again */
                removed = true;
            } else {
                i++;
            }
        }
    }
}

size_t addrmap_count(const struct addrmap *m)
{
    return m->count;
}
