/* The send queue's order before a flush: a video frame for several
 * subscribers is queued packet by packet in turn (A1 B1 A2 B2 ...), and GSO
 * can only join packets to one destination that stand next to each other.
 * Grouping the queue by destination (A1 A2 ... B1 B2 ...) makes each
 * subscriber's share of the frame one GSO send. Packets to one destination
 * keep their order; only packets to different destinations are reordered,
 * which no receiver can tell. Worker thread, no allocation. */
#ifndef SAMTALE_MEDIA_TX_GROUP_H
#define SAMTALE_MEDIA_TX_GROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct pkt;

/* Destinations grouped per flush; packets to further ones keep their order. */
#define TX_GROUP_MAX 16

/* Same address family, address and port (and IPv6 scope). */
bool tx_same_dest(const struct sockaddr_storage *a, const struct sockaddr_storage *b);

/* Reorders pkts[0..n): destinations in the order they first appear, each
 * destination's packets together and in their queued order. scratch holds
 * n pointers. Returns the number of destinations grouped. */
size_t tx_group_by_dest(struct pkt **pkts, size_t n, struct pkt **scratch);

#endif
