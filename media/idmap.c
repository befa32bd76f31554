#include "media/idmap.h"
#include "media/siphash.h"
#include "base/err.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdlib.h>

struct slot {
    uint64_t key;
    void *value;
    uint32_t tag;
    bool used;
};

struct idmap {
    struct slot *slots;
    size_t mask; /* slots - 1 */
    size_t count;
    size_t max;
    uint64_t mix[4];         /* the slot hash's secret key */
    struct siphash_key seed; /* idmap_hash_bytes's */
};

__extension__ typedef unsigned __int128 u128;

/* The high and low halves of the 128-bit product, folded (as in wyhash). */
static inline uint64_t mum(uint64_t a, uint64_t b)
{
    u128 r = (u128)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static size_t slots_for(size_t entries)
{
    size_t n = 16;
    while (n < 4 * entries)
        n <<= 1;
    return n;
}

/* A keyed mixer rather than SipHash: it is on every packet's path (a
 * lookup costs a third of SipHash's) and, with a secret key, keeps the
 * homes of chosen keys unpredictable; IDMAP_PROBE_MAX bounds the rest. */
static inline size_t home(const struct idmap *m, uint64_t key)
{
    return (size_t)mum(mum(key ^ m->mix[0], m->mix[1]) ^ m->mix[2], m->mix[3]) & m->mask;
}

int idmap_create(struct idmap **out, size_t initial, size_t max)
{
    *out = NULL;
    if (max == 0 || initial > max || max > ((size_t)1 << 28))
        return ERR_INVAL;
    struct idmap *m = calloc(1, sizeof *m);
    if (!m)
        return ERR_NOMEM;
    size_t n = slots_for(initial);
    m->slots = calloc(n, sizeof *m->slots);
    if (!m->slots) {
        free(m);
        return ERR_NOMEM;
    }
    m->mask = n - 1;
    m->max = max;
    if (siphash_keygen(&m->seed) < 0 || RAND_bytes((uint8_t *)m->mix, sizeof m->mix) != 1) {
        idmap_destroy(m);
        return ERR_CRYPTO;
    }
    m->mix[1] |= 1; /* odd multipliers: no factor of two lost */
    m->mix[3] |= 1;
    *out = m;
    return 0;
}

void idmap_destroy(struct idmap *m)
{
    if (!m)
        return;
    OPENSSL_cleanse(&m->seed, sizeof m->seed);
    OPENSSL_cleanse(m->mix, sizeof m->mix);
    free(m->slots);
    free(m);
}

/* The key's slot, or where it would go (an empty slot), or NULL when
 * neither lies within IDMAP_PROBE_MAX of its home. */
static struct slot *find(const struct idmap *m, uint64_t key)
{
    size_t i = home(m, key);
    for (size_t n = 0; n < IDMAP_PROBE_MAX && n <= m->mask; n++, i = (i + 1) & m->mask) {
        struct slot *s = &m->slots[i];
        if (!s->used || s->key == key)
            return s;
    }
    return NULL;
}

/* Into a table with twice the slots; the old one stays on failure. */
static int grow(struct idmap *m)
{
    size_t n = (m->mask + 1) * 2;
    struct slot *old = m->slots;
    size_t old_n = m->mask + 1;
    m->slots = calloc(n, sizeof *m->slots);
    if (!m->slots) {
        m->slots = old;
        return ERR_NOMEM;
    }
    m->mask = n - 1;
    for (size_t i = 0; i < old_n; i++) {
        if (!old[i].used)
            continue;
        struct slot *s = find(m, old[i].key);
        if (!s) { /* cannot happen at under an eighth full; undo */
            free(m->slots);
            m->slots = old;
            m->mask = old_n - 1;
            return ERR_FULL;
        }
        *s = old[i];
    }
    free(old);
    return 0;
}

int idmap_put(struct idmap *m, uint64_t key, void *value, uint32_t tag)
{
    struct slot *s = find(m, key);
    if (s && s->used) {
        s->value = value;
        s->tag = tag;
        return 0;
    }
    if (m->count >= m->max)
        return ERR_FULL;
    if (!s || 4 * (m->count + 1) > m->mask + 1) {
        if (slots_for(m->max) <= m->mask + 1)
            return ERR_FULL;
        int rc = grow(m);
        if (rc < 0)
            return rc;
        s = find(m, key);
        if (!s)
            return ERR_FULL;
    }
    s->key = key;
    s->value = value;
    s->tag = tag;
    s->used = true;
    m->count++;
    return 0;
}

void *idmap_get(const struct idmap *m, uint64_t key, uint32_t *tag)
{
    const struct slot *s = find(m, key);
    if (!s || !s->used)
        return NULL;
    if (tag)
        *tag = s->tag;
    return s->value;
}

bool idmap_del(struct idmap *m, uint64_t key)
{
    struct slot *s = find(m, key);
    if (!s || !s->used)
        return false;
    size_t i = (size_t)(s - m->slots);
    m->slots[i].used = false;
    m->count--;
    /* Backward shift: an entry moves into the hole when its home does not
     * lie in (hole, j]; it only ever comes closer to its home. */
    for (size_t j = (i + 1) & m->mask; m->slots[j].used; j = (j + 1) & m->mask) {
        size_t h = home(m, m->slots[j].key);
        bool between = i <= j ? (h > i && h <= j) : (h > i || h <= j);
        if (!between) {
            m->slots[i] = m->slots[j];
            m->slots[j].used = false;
            i = j;
        }
    }
    return true;
}

size_t idmap_count(const struct idmap *m)
{
    return m->count;
}

uint64_t idmap_hash_bytes(const struct idmap *m, const void *p, size_t len)
{
    return siphash_k(&m->seed, p, len);
}
