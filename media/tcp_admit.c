/* ICE-TCP admission: budgets, per-address caps, the authentication
 * deadline and the choice of whom to evict (see tcp_admit.h).
 *
 * Per slot: its state and, while unauthenticated, its place in two
 * admission-ordered lists (all unauthenticated connections; those of its
 * address). Per address: a record found through an open-addressing hash
 * table (linear probing, backward-shift delete, keyed hash, at most half
 * full), counting its connections, and linked into the bucket of its count
 * so that the address holding the most is found at once. */
#include "media/tcp_admit.h"
#include "base/addr_group.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"

#define NONE TCP_ADMIT_NONE

struct link {
    uint32_t prev, next;
};

struct list {
    uint32_t head, tail;
};

struct conn {
    uint8_t state;    /* enum tcp_admit_state */
    uint32_t addr;    /* its address record, while not free */
    struct link all;  /* in tcp_admit.all */
    struct link same; /* in its address record's list */
    int64_t deadline_us;
};

struct addr_key {
    uint64_t family; /* 4 or 6 */
    uint64_t bits;   /* the IPv4 address, or the first 64 bits of the IPv6 one */
};

struct addr_rec {
    struct addr_key key;
    uint32_t count;       /* unauthenticated connections */
    uint32_t auth;        /* authenticated connections */
    struct list conns;    /* unauthenticated, oldest first */
    struct link by_count; /* in buckets[count], while count > 0 */
};

struct tcp_admit {
    struct tcp_admit_cfg cfg;
    uint32_t n_slots;
    struct conn *conns;     /* n_slots */
    struct addr_rec *addrs; /* n_slots: one per connection at most */
    uint32_t *free_addrs;   /* stack of unused records */
    uint32_t n_free_addrs;
    uint32_t *table; /* record index or NONE; table_mask + 1 entries */
    uint32_t table_mask;
    uint32_t *buckets; /* max_per_addr + 1 list heads: records by count (count > 0) */
    uint32_t max_count;
    struct list all; /* unauthenticated, by admission (and so deadline) order */
    uint32_t unauth, auth, n_addrs;
};

/* ---- address keys and the table ---- */

static int addr_key(const struct sockaddr *sa, socklen_t len, struct addr_key *k)
{
    uint8_t g[ADDR_GROUP_LEN];
    if (addr_group(sa, len, g) != 0)
        return ERR_INVAL;
    bool v4 = addr_group_is_v4(g);
    size_t from = v4 ? 12 : 0, n = v4 ? 4 : 8;
    k->family = v4 ? 4 : 6;
    k->bits = 0;
    for (size_t i = 0; i < n; i++)
        k->bits = k->bits << 8 | g[from + i];
    return 0;
}

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    x ^= x >> 31;
    return x;
}

static uint32_t home_of(const struct tcp_admit *a, const struct addr_key *k)
{
    uint64_t h = mix64(k->bits ^ a->cfg.hash_key[0]);
    h = mix64(h ^ k->family ^ a->cfg.hash_key[1]);
    return (uint32_t)h & a->table_mask;
}

/* The record of k or NONE; *pos is where it is, or where it would go. */
static uint32_t find(const struct tcp_admit *a, const struct addr_key *k, uint32_t *pos)
{
    uint32_t i = home_of(a, k);
    for (;;) { /* ends: the table is never more than half full */
        uint32_t r = a->table[i];
        if (r == NONE || (a->addrs[r].key.family == k->family && a->addrs[r].key.bits == k->bits)) {
            *pos = i;
            return r;
        }
        i = (i + 1) & a->table_mask;
    }
}

static void table_delete(struct tcp_admit *a, uint32_t hole)
{
    uint32_t j = hole;
    for (;;) {
        j = (j + 1) & a->table_mask;
        uint32_t r = a->table[j];
        if (r == NONE)
            break;
        uint32_t home = home_of(a, &a->addrs[r].key);
        /* r may fill the hole unless its home lies after the hole. */
        if (((j - home) & a->table_mask) >= ((j - hole) & a->table_mask)) {
            a->table[hole] = r;
            hole = j;
        }
    }
    a->table[hole] = NONE;
}

/* ---- lists ---- */

static struct link *conn_link(struct tcp_admit *a, uint32_t slot, bool same)
{
    return same ? &a->conns[slot].same : &a->conns[slot].all;
}

static void list_push(struct tcp_admit *a, struct list *l, uint32_t slot, bool same)
{
    struct link *k = conn_link(a, slot, same);
    k->prev = l->tail;
    k->next = NONE;
    if (l->tail != NONE)
        conn_link(a, l->tail, same)->next = slot;
    else
        l->head = slot;
    l->tail = slot;
}

static void list_unlink(struct tcp_admit *a, struct list *l, uint32_t slot, bool same)
{
    struct link *k = conn_link(a, slot, same);
    if (k->prev != NONE)
        conn_link(a, k->prev, same)->next = k->next;
    else
        l->head = k->next;
    if (k->next != NONE)
        conn_link(a, k->next, same)->prev = k->prev;
    else
        l->tail = k->prev;
    k->prev = k->next = NONE;
}

static void bucket_link(struct tcp_admit *a, uint32_t r)
{
    struct addr_rec *ar = &a->addrs[r];
    ar->by_count.prev = NONE;
    ar->by_count.next = a->buckets[ar->count];
    if (ar->by_count.next != NONE)
        a->addrs[ar->by_count.next].by_count.prev = r;
    a->buckets[ar->count] = r;
    if (ar->count > a->max_count)
        a->max_count = ar->count;
}

static void bucket_unlink(struct tcp_admit *a, uint32_t r)
{
    struct addr_rec *ar = &a->addrs[r];
    if (ar->by_count.prev != NONE)
        a->addrs[ar->by_count.prev].by_count.next = ar->by_count.next;
    else
        a->buckets[ar->count] = ar->by_count.next;
    if (ar->by_count.next != NONE)
        a->addrs[ar->by_count.next].by_count.prev = ar->by_count.prev;
    while (a->max_count > 0 && a->buckets[a->max_count] == NONE)
        a->max_count--;
}

/* ---- life cycle ---- */

int tcp_admit_create(struct tcp_admit **out, const struct tcp_admit_cfg *cfg)
{
    *out = NULL;
    if (!cfg || cfg->max_unauth == 0 || cfg->max_auth == 0 ||
        cfg->max_unauth > TCP_ADMIT_SLOTS_MAX - cfg->max_auth ||
        cfg->max_auth > TCP_ADMIT_SLOTS_MAX || cfg->max_per_addr == 0 ||
        cfg->max_per_addr > cfg->max_unauth || cfg->max_auth_per_addr > cfg->max_auth ||
        cfg->deadline_us <= 0)
        return ERR_INVAL;
    struct tcp_admit *a = calloc(1, sizeof *a);
    if (!a)
        return ERR_NOMEM;
    a->cfg = *cfg;
    if (a->cfg.max_auth_per_addr == 0)
        a->cfg.max_auth_per_addr = cfg->max_auth;
    a->n_slots = cfg->max_unauth + cfg->max_auth;
    uint32_t cap = 2;
    while (cap < 2 * a->n_slots)
        cap *= 2;
    a->table_mask = cap - 1;
    a->conns = calloc(a->n_slots, sizeof *a->conns);
    a->addrs = calloc(a->n_slots, sizeof *a->addrs);
    a->free_addrs = calloc(a->n_slots, sizeof *a->free_addrs);
    a->table = malloc(cap * sizeof *a->table);
    a->buckets = malloc(((size_t)cfg->max_per_addr + 1) * sizeof *a->buckets);
    if (!a->conns || !a->addrs || !a->free_addrs || !a->table || !a->buckets) {
        tcp_admit_destroy(a);
        return ERR_NOMEM;
    }
    for (uint32_t i = 0; i < cap; i++)
        a->table[i] = NONE;
    for (uint32_t i = 0; i <= cfg->max_per_addr; i++)
        a->buckets[i] = NONE;
    for (uint32_t i = 0; i < a->n_slots; i++)
        a->free_addrs[i] = a->n_slots - 1 - i;
    a->n_free_addrs = a->n_slots;
    for (uint32_t i = 0; i < a->n_slots; i++)
        a->conns[i] = (struct conn){
            .state = TCP_ADMIT_FREE, .addr = NONE, .all = {NONE, NONE}, .same = {NONE, NONE}};
    a->all = (struct list){NONE, NONE};
    *out = a;
    return 0;
}

void tcp_admit_destroy(struct tcp_admit *a)
{
    if (!a)
        return;
    free(a->conns);
    free(a->addrs);
    free(a->free_addrs);
    free(a->table);
    free(a->buckets);
    free(a);
}

uint32_t tcp_admit_slots(const struct tcp_admit *a)
{
    return a->n_slots;
}

/* ---- decisions ---- */

uint32_t tcp_admit_victim(const struct tcp_admit *a)
{
    if (a->max_count >= TCP_ADMIT_HEAVY)
        return a->addrs[a->buckets[a->max_count]].conns.head;
    return a->all.head;
}

int tcp_admit_check(const struct tcp_admit *a, const struct sockaddr *peer, socklen_t peerlen,
                    uint32_t *evict)
{
    struct addr_key k;
    uint32_t pos;
    *evict = NONE;
    if (addr_key(peer, peerlen, &k) != 0)
        return ERR_INVAL;
    uint32_t r = find(a, &k, &pos);
    if (r != NONE && a->addrs[r].count >= a->cfg.max_per_addr)
        return ERR_DENIED;
    if (a->unauth >= a->cfg.max_unauth)
        *evict = tcp_admit_victim(a);
    return 0;
}

int tcp_admit_add(struct tcp_admit *a, uint32_t slot, int64_t now_us, const struct sockaddr *peer,
                  socklen_t peerlen)
{
    struct addr_key k;
    uint32_t pos;
    if (slot >= a->n_slots || a->conns[slot].state != TCP_ADMIT_FREE ||
        addr_key(peer, peerlen, &k) != 0)
        return ERR_INVAL;
    uint32_t r = find(a, &k, &pos);
    if (r != NONE && a->addrs[r].count >= a->cfg.max_per_addr)
        return ERR_DENIED;
    if (a->unauth >= a->cfg.max_unauth)
        return ERR_FULL;
    if (r == NONE) { /* a record is free: one per connection, and a slot is */
        r = a->free_addrs[--a->n_free_addrs];
        a->addrs[r] = (struct addr_rec){.key = k, .count = 0, .auth = 0, .conns = {NONE, NONE}};
        a->table[pos] = r;
    }
    if (a->addrs[r].count > 0)
        bucket_unlink(a, r);
    else
        a->n_addrs++;
    a->addrs[r].count++;
    bucket_link(a, r);

    struct conn *c = &a->conns[slot];
    c->state = TCP_ADMIT_UNAUTH;
    c->addr = r;
    /* Never before the previous one's, so that admission order stays
     * deadline order whatever clock the caller passes. */
    c->deadline_us =
        now_us > INT64_MAX - a->cfg.deadline_us ? INT64_MAX : now_us + a->cfg.deadline_us;
    if (a->all.tail != NONE && c->deadline_us < a->conns[a->all.tail].deadline_us)
        c->deadline_us = a->conns[a->all.tail].deadline_us;
    list_push(a, &a->all, slot, false);
    list_push(a, &a->addrs[r].conns, slot, true);
    a->unauth++;
    return 0;
}

/* Frees the record of an address that holds no connection any more. */
static void addr_release(struct tcp_admit *a, uint32_t r)
{
    struct addr_rec *ar = &a->addrs[r];
    if (ar->count > 0 || ar->auth > 0)
        return;
    uint32_t pos;
    (void)find(a, &ar->key, &pos);
    table_delete(a, pos);
    a->free_addrs[a->n_free_addrs++] = r;
}

/* Takes an unauthenticated connection out of the lists and its address's
 * count; the record stays (the caller releases it). */
static void unauth_unlink(struct tcp_admit *a, uint32_t slot)
{
    struct conn *c = &a->conns[slot];
    uint32_t r = c->addr;
    struct addr_rec *ar = &a->addrs[r];
    list_unlink(a, &a->all, slot, false);
    list_unlink(a, &ar->conns, slot, true);
    bucket_unlink(a, r);
    ar->count--;
    if (ar->count > 0)
        bucket_link(a, r);
    else
        a->n_addrs--;
    a->unauth--;
}

int tcp_admit_auth(struct tcp_admit *a, uint32_t slot)
{
    if (slot >= a->n_slots || a->conns[slot].state == TCP_ADMIT_FREE)
        return ERR_INVAL;
    if (a->conns[slot].state == TCP_ADMIT_AUTH)
        return 0;
    if (a->auth >= a->cfg.max_auth)
        return ERR_FULL;
    struct addr_rec *ar = &a->addrs[a->conns[slot].addr];
    if (ar->auth >= a->cfg.max_auth_per_addr)
        return ERR_DENIED;
    unauth_unlink(a, slot);
    ar->auth++;
    a->conns[slot].state = TCP_ADMIT_AUTH;
    a->auth++;
    return 0;
}

void tcp_admit_remove(struct tcp_admit *a, uint32_t slot)
{
    if (slot >= a->n_slots || a->conns[slot].state == TCP_ADMIT_FREE)
        return;
    struct conn *c = &a->conns[slot];
    if (c->state == TCP_ADMIT_UNAUTH) {
        unauth_unlink(a, slot);
    } else {
        a->addrs[c->addr].auth--;
        a->auth--;
    }
    addr_release(a, c->addr);
    c->addr = NONE;
    c->state = TCP_ADMIT_FREE;
}

uint32_t tcp_admit_expired(const struct tcp_admit *a, int64_t now_us)
{
    uint32_t h = a->all.head;
    return h != NONE && a->conns[h].deadline_us <= now_us ? h : NONE;
}

int64_t tcp_admit_next_deadline(const struct tcp_admit *a)
{
    return a->all.head != NONE ? a->conns[a->all.head].deadline_us : INT64_MAX;
}

enum tcp_admit_state tcp_admit_state(const struct tcp_admit *a, uint32_t slot)
{
    return slot < a->n_slots ? (enum tcp_admit_state)a->conns[slot].state : TCP_ADMIT_FREE;
}

void tcp_admit_counts(const struct tcp_admit *a, struct tcp_admit_counts *out)
{
    out->unauth = a->unauth;
    out->auth = a->auth;
    out->addrs = a->n_addrs;
}

/* The address entry of peer, or NULL when it holds nothing. */
static const struct addr_rec *peer_entry(const struct tcp_admit *a, const struct sockaddr *peer,
                                         socklen_t peerlen)
{
    struct addr_key k;
    uint32_t pos;
    if (addr_key(peer, peerlen, &k) != 0)
        return NULL;
    uint32_t r = find(a, &k, &pos);
    return r == NONE ? NULL : &a->addrs[r];
}

uint32_t tcp_admit_addr_count(const struct tcp_admit *a, const struct sockaddr *peer,
                              socklen_t peerlen)
{
    const struct addr_rec *e = peer_entry(a, peer, peerlen);
    return e ? e->count : 0;
}

uint32_t tcp_admit_addr_auth_count(const struct tcp_admit *a, const struct sockaddr *peer,
                                   socklen_t peerlen)
{
    const struct addr_rec *e = peer_entry(a, peer, peerlen);
    return e ? e->auth : 0;
}
