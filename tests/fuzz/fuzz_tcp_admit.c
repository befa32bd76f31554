/* Fuzz target for media/tcp_admit.c (ICE-TCP admission, sans-IO): a
 * sequence of connection events drives the admission state machine as
 * media/worker_tcp.c does, next to a plain model (arrays, linear scans)
 * that says what every answer must be. Any difference aborts.
 *
 * Input: 4 bytes of configuration (unauthenticated budget 1..16,
 * authenticated budget 1..8, per-address cap, deadline 1..64 ms), then
 * records of 3 bytes:
 *   op    bits 0-2: 0-2 open (accept a connection; evict first if told),
 *                   3 authenticate, 4 close, 5 expire (close every
 *                   connection past its deadline), 6-7 advance the clock;
 *         bits 3-7: clock step in ms for 6-7
 *   slot  the slot (modulo the number of slots) for authenticate / close,
 *         or where an open starts looking for a free one
 *   addr  bits 0-3: one of 16 peer addresses (IPv4, IPv4-mapped IPv6,
 *         IPv6 in shared and separate /64s), in 11 groups the caps count by */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "media/tcp_admit.h"
#include "base/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N_ADDRS 16
#define N_GROUPS 11
#define MAX_SLOTS (16 + 8)
#define MAX_OPS 2000 /* records looked at; the model is slow */

static void check(int cond)
{
    if (!cond)
        abort();
}

/* Address text and the group (IPv4 address or IPv6 /64) it counts in. */
static const struct {
    const char *text;
    unsigned group;
} addrs[N_ADDRS] = {
    {"10.0.0.1", 0},
    {"::ffff:10.0.0.1", 0},
    {"10.0.0.2", 1},
    {"192.168.1.7", 2},
    {"::ffff:192.168.1.7", 2},
    {"2001:db8::1", 3},
    {"2001:db8::ffff:2", 3},
    {"2001:db8:0:0:8000::", 3},
    {"2001:db8:0:1::1", 4},
    {"2001:db8:0:1::2", 4},
    {"fe80::1", 5},
    {"::1", 6},
    {"127.0.0.1", 7},
    {"255.255.255.255", 8},
    {"0.0.0.0", 9},
    {"ffff:ffff:ffff:ffff::", 10},
};

static struct sockaddr_storage peers[N_ADDRS];
static socklen_t peerlens[N_ADDRS];

static void init_peers(void)
{
    static bool done;
    if (done)
        return;
    for (unsigned i = 0; i < N_ADDRS; i++) {
        memset(&peers[i], 0, sizeof peers[i]);
        struct sockaddr_in *a4 = (struct sockaddr_in *)&peers[i];
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&peers[i];
        if (inet_pton(AF_INET, addrs[i].text, &a4->sin_addr) == 1) {
            a4->sin_family = AF_INET;
            a4->sin_port = htons((uint16_t)(1000 + i));
            peerlens[i] = sizeof *a4;
        } else {
            check(inet_pton(AF_INET6, addrs[i].text, &a6->sin6_addr) == 1);
            a6->sin6_family = AF_INET6;
            a6->sin6_port = htons((uint16_t)(2000 + i));
            peerlens[i] = sizeof *a6;
        }
    }
    done = true;
}

struct model {
    uint32_t max_unauth, max_auth, max_per_addr, max_auth_per_addr;
    int64_t deadline;
    uint32_t n_slots;
    enum tcp_admit_state state[MAX_SLOTS];
    unsigned group[MAX_SLOTS];
    uint64_t order[MAX_SLOTS]; /* admission order */
    int64_t due[MAX_SLOTS];
    uint64_t seq;
};

static uint32_t count_state(const struct model *m, enum tcp_admit_state st)
{
    uint32_t n = 0;
    for (uint32_t s = 0; s < m->n_slots; s++)
        n += m->state[s] == st;
    return n;
}

static uint32_t group_count_in(const struct model *m, unsigned g, enum tcp_admit_state st)
{
    uint32_t n = 0;
    for (uint32_t s = 0; s < m->n_slots; s++)
        n += m->state[s] == st && m->group[s] == g;
    return n;
}

static uint32_t group_count(const struct model *m, unsigned g)
{
    return group_count_in(m, g, TCP_ADMIT_UNAUTH);
}

/* The unauthenticated slot admitted first, optionally only of group g. */
static uint32_t oldest(const struct model *m, bool any, unsigned g)
{
    uint32_t best = TCP_ADMIT_NONE;
    for (uint32_t s = 0; s < m->n_slots; s++)
        if (m->state[s] == TCP_ADMIT_UNAUTH && (any || m->group[s] == g) &&
            (best == TCP_ADMIT_NONE || m->order[s] < m->order[best]))
            best = s;
    return best;
}

static void compare(const struct tcp_admit *a, const struct model *m)
{
    struct tcp_admit_counts n;
    tcp_admit_counts(a, &n);
    check(n.unauth == count_state(m, TCP_ADMIT_UNAUTH));
    check(n.auth == count_state(m, TCP_ADMIT_AUTH));
    check(n.unauth <= m->max_unauth && n.auth <= m->max_auth);
    uint32_t per_group[N_GROUPS] = {0}, groups = 0;
    for (uint32_t s = 0; s < m->n_slots; s++)
        if (m->state[s] == TCP_ADMIT_UNAUTH)
            per_group[m->group[s]]++;
    for (unsigned g = 0; g < N_GROUPS; g++)
        groups += per_group[g] > 0;
    check(n.addrs == groups);
    for (unsigned i = 0; i < N_ADDRS; i++) {
        uint32_t c = tcp_admit_addr_count(a, (const struct sockaddr *)&peers[i], peerlens[i]);
        check(c == per_group[addrs[i].group] && c <= m->max_per_addr);
        c = tcp_admit_addr_auth_count(a, (const struct sockaddr *)&peers[i], peerlens[i]);
        check(c == group_count_in(m, addrs[i].group, TCP_ADMIT_AUTH) && c <= m->max_auth_per_addr);
    }
    for (uint32_t s = 0; s < m->n_slots; s++)
        check(tcp_admit_state(a, s) == m->state[s]);
    uint32_t o = oldest(m, true, 0);
    check(tcp_admit_next_deadline(a) == (o == TCP_ADMIT_NONE ? INT64_MAX : m->due[o]));
}

static void remove_slot(struct tcp_admit *a, struct model *m, uint32_t s)
{
    tcp_admit_remove(a, s);
    m->state[s] = TCP_ADMIT_FREE;
}

static void do_open(struct tcp_admit *a, struct model *m, int64_t now, uint32_t hint, unsigned ai)
{
    const struct sockaddr *peer = (const struct sockaddr *)&peers[ai];
    unsigned g = addrs[ai].group;
    uint32_t evict = 0;
    int rc = tcp_admit_check(a, peer, peerlens[ai], &evict);
    if (group_count(m, g) >= m->max_per_addr) {
        check(rc == ERR_DENIED);
        return;
    }
    check(rc == 0);
    uint32_t unauth = count_state(m, TCP_ADMIT_UNAUTH);
    if (unauth < m->max_unauth) {
        check(evict == TCP_ADMIT_NONE);
    } else {
        /* The oldest of an address holding the most, if that is at least
         * TCP_ADMIT_HEAVY; else the oldest of all. */
        uint32_t most = 0;
        for (unsigned k = 0; k < N_GROUPS; k++)
            if (group_count(m, k) > most)
                most = group_count(m, k);
        check(evict < m->n_slots && m->state[evict] == TCP_ADMIT_UNAUTH);
        if (most >= TCP_ADMIT_HEAVY) {
            check(group_count(m, m->group[evict]) == most);
            check(oldest(m, false, m->group[evict]) == evict);
        } else {
            check(oldest(m, true, 0) == evict);
        }
        /* Adding before evicting is refused. */
        for (uint32_t f = 0; f < m->n_slots; f++)
            if (m->state[f] == TCP_ADMIT_FREE) {
                check(tcp_admit_add(a, f, now, peer, peerlens[ai]) == ERR_FULL);
                break;
            }
        remove_slot(a, m, evict);
    }
    uint32_t s = hint;
    for (uint32_t i = 0; i < m->n_slots && m->state[s] != TCP_ADMIT_FREE; i++)
        s = (s + 1) % m->n_slots;
    check(m->state[s] == TCP_ADMIT_FREE); /* every admitted connection has a slot */
    check(tcp_admit_add(a, s, now, peer, peerlens[ai]) == 0);
    m->state[s] = TCP_ADMIT_UNAUTH;
    m->group[s] = g;
    m->order[s] = m->seq++;
    m->due[s] = now + m->deadline;
}

static void do_auth(struct tcp_admit *a, struct model *m, uint32_t s)
{
    int rc = tcp_admit_auth(a, s);
    if (m->state[s] == TCP_ADMIT_FREE) {
        check(rc == ERR_INVAL);
    } else if (m->state[s] == TCP_ADMIT_AUTH) {
        check(rc == 0);
    } else if (count_state(m, TCP_ADMIT_AUTH) >= m->max_auth) {
        check(rc == ERR_FULL);
        remove_slot(a, m, s); /* the worker closes it */
    } else if (group_count_in(m, m->group[s], TCP_ADMIT_AUTH) >= m->max_auth_per_addr) {
        check(rc == ERR_DENIED);
        remove_slot(a, m, s);
    } else {
        check(rc == 0);
        m->state[s] = TCP_ADMIT_AUTH;
    }
}

static void do_expire(struct tcp_admit *a, struct model *m, int64_t now)
{
    for (;;) {
        uint32_t s = tcp_admit_expired(a, now);
        uint32_t o = oldest(m, true, 0);
        if (o == TCP_ADMIT_NONE || m->due[o] > now) {
            check(s == TCP_ADMIT_NONE);
            return;
        }
        check(s == o);
        remove_slot(a, m, s);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct model m;
    if (size < 4)
        return 0;
    init_peers();
    memset(&m, 0, sizeof m);
    m.max_unauth = 1 + data[0] % 16u;
    m.max_auth = 1 + data[1] % 8u;
    m.max_per_addr = 1 + data[2] % m.max_unauth;
    m.deadline = (1 + data[3] % 64) * 1000;
    m.n_slots = m.max_unauth + m.max_auth;
    /* The top bits of data[3]: 0 is no cap of its own (max_auth). */
    uint32_t auth_cap = (uint32_t)(data[3] >> 6);
    m.max_auth_per_addr = auth_cap == 0 || auth_cap > m.max_auth ? m.max_auth : auth_cap;
    struct tcp_admit_cfg cfg = {
        .max_unauth = m.max_unauth,
        .max_auth = m.max_auth,
        .max_per_addr = m.max_per_addr,
        .max_auth_per_addr = auth_cap > m.max_auth ? 0 : auth_cap,
        .deadline_us = m.deadline,
        .hash_key = {size, 0x5bd1e995u},
    };
    struct tcp_admit *a = NULL;
    check(tcp_admit_create(&a, &cfg) == 0);
    check(tcp_admit_slots(a) == m.n_slots);
    int64_t now = 1000000;
    for (size_t i = 4; i + 3 <= size && i < 4 + 3 * MAX_OPS; i += 3) {
        uint8_t op = data[i] & 7;
        uint32_t slot = data[i + 1] % m.n_slots;
        unsigned ai = data[i + 2] % N_ADDRS;
        if (op <= 2)
            do_open(a, &m, now, slot, ai);
        else if (op == 3)
            do_auth(a, &m, slot);
        else if (op == 4)
            remove_slot(a, &m, slot);
        else if (op == 5)
            do_expire(a, &m, now);
        else
            now += (int64_t)(data[i] >> 3) * 1000;
        compare(a, &m);
    }
    tcp_admit_destroy(a);
    return 0;
}
