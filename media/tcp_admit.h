/* Admission of ICE-TCP connections (RFC 6544 passive candidates): who may
 * hold a connection to a media worker, and for how long without having
 * passed ICE authentication.
 *
 * A TCP connection costs the server a descriptor and memory before the
 * peer has shown any credential, so connections that have not (yet) sent a
 * valid ICE check are kept apart from those that have:
 *
 *  - Unauthenticated connections have a budget of their own (max_unauth)
 *    and a deadline (deadline_us after acceptance) for their first valid
 *    check. When the budget is full, a new connection is still admitted:
 *    an older unauthenticated one is evicted in its place, so that whoever
 *    holds many idle connections cannot keep a valid client out. The victim
 *    is the oldest connection of the address holding the most
 *    unauthenticated connections, if that address holds at least
 *    TCP_ADMIT_HEAVY of them, else the oldest unauthenticated connection.
 *  - Per source address (an IPv4 address, or an IPv6 /64, the usual
 *    allocation to one subscriber; IPv4-mapped IPv6 counts as IPv4) at
 *    most max_per_addr unauthenticated connections: more are refused.
 *  - Authenticated connections (the handler saw a valid check on them)
 *    have their own budget (max_auth) and no deadline here; a connection
 *    that authenticates when it is full is refused, and so is one whose
 *    address (or /64) holds max_auth_per_addr authenticated ones already:
 *    whoever has valid credentials for many transports cannot take the
 *    whole budget from one address.
 *
 * Sans-IO and allocation-free after creation: the caller (the worker)
 * accepts, closes and reads the clock; this module only decides. Entries
 * are identified by the caller's connection slot, 0 .. tcp_admit_slots()-1,
 * which is max_unauth + max_auth: every admitted connection has one. */
#ifndef SAMTALE_MEDIA_TCP_ADMIT_H
#define SAMTALE_MEDIA_TCP_ADMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define TCP_ADMIT_NONE UINT32_MAX
#define TCP_ADMIT_SLOTS_MAX 65535 /* max_unauth + max_auth */
/* Preferred for eviction: an address holding at least this many
 * unauthenticated connections. A browser opens one or two (one per peer
 * connection) at a time, an attacker as many as it may. */
#define TCP_ADMIT_HEAVY 4

struct tcp_admit_cfg {
    uint32_t max_unauth;        /* >= 1 */
    uint32_t max_auth;          /* >= 1 */
    uint32_t max_per_addr;      /* 1 .. max_unauth */
    uint32_t max_auth_per_addr; /* 1 .. max_auth; 0: max_auth (no cap of its own) */
    int64_t deadline_us;        /* > 0 */
    uint64_t hash_key[2];       /* secret, random per instance: the address table's hash key */
};

enum tcp_admit_state {
    TCP_ADMIT_FREE = 0,
    TCP_ADMIT_UNAUTH,
    TCP_ADMIT_AUTH,
};

struct tcp_admit_counts {
    uint32_t unauth, auth;
    uint32_t addrs; /* source addresses (or /64s) holding unauthenticated connections */
};

struct tcp_admit;

/* ERR_INVAL for a bad configuration, ERR_NOMEM. */
int tcp_admit_create(struct tcp_admit **out, const struct tcp_admit_cfg *cfg);
void tcp_admit_destroy(struct tcp_admit *a); /* NULL-safe */
uint32_t tcp_admit_slots(const struct tcp_admit *a);

/* May a new connection from peer be admitted? Changes nothing.
 * 0: yes; *evict is then TCP_ADMIT_NONE, or the slot of the
 * unauthenticated connection the caller must close (tcp_admit_remove)
 * before tcp_admit_add. ERR_DENIED: its address holds max_per_addr
 * unauthenticated connections already. ERR_INVAL: not IPv4 or IPv6. */
int tcp_admit_check(const struct tcp_admit *a, const struct sockaddr *peer, socklen_t peerlen,
                    uint32_t *evict);
/* The unauthenticated connection a newcomer would evict (the choice
 * above), or TCP_ADMIT_NONE when there is none. Also for making room when
 * the process runs out of descriptors. */
uint32_t tcp_admit_victim(const struct tcp_admit *a);
/* Records an accepted connection in a free slot as unauthenticated, due
 * to authenticate by now_us + deadline_us. ERR_INVAL for a slot out of
 * range or in use or a bad address; ERR_DENIED or ERR_FULL when
 * tcp_admit_check would not have said 0 with no eviction left to do. */
int tcp_admit_add(struct tcp_admit *a, uint32_t slot, int64_t now_us, const struct sockaddr *peer,
                  socklen_t peerlen);
/* The connection passed ICE authentication. 0 (also when it had already);
 * ERR_FULL when max_auth connections are authenticated, ERR_DENIED when
 * its address holds max_auth_per_addr authenticated ones (either way the
 * entry stays unauthenticated; the caller should close it); ERR_INVAL for
 * a free slot. */
int tcp_admit_auth(struct tcp_admit *a, uint32_t slot);
/* The connection is gone (any state; a free slot is ignored). */
void tcp_admit_remove(struct tcp_admit *a, uint32_t slot);

/* The slot of the oldest unauthenticated connection whose deadline is at or
 * before now_us (the caller closes it and removes it), or TCP_ADMIT_NONE. */
uint32_t tcp_admit_expired(const struct tcp_admit *a, int64_t now_us);
/* The earliest deadline, or INT64_MAX when no connection is unauthenticated. */
int64_t tcp_admit_next_deadline(const struct tcp_admit *a);

enum tcp_admit_state tcp_admit_state(const struct tcp_admit *a, uint32_t slot);
void tcp_admit_counts(const struct tcp_admit *a, struct tcp_admit_counts *out);
/* Unauthenticated connections held by peer's address (or /64); 0 for a bad address. */
uint32_t tcp_admit_addr_count(const struct tcp_admit *a, const struct sockaddr *peer,
                              socklen_t peerlen);
/* Authenticated connections held by peer's address (or /64); 0 for a bad address. */
uint32_t tcp_admit_addr_auth_count(const struct tcp_admit *a, const struct sockaddr *peer,
                                   socklen_t peerlen);

#endif
