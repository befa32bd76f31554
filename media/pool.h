/* Packet buffer pool: a fixed set of equal buffers allocated once per media
 * worker, so the packet path never calls malloc.
 *
 * A pool belongs to one thread (its worker) and is not locked: get and put
 * only from that thread. pool_get() is O(1) from a free list and returns NULL
 * when every buffer is in use; that is counted (pool_exhausted()) and the
 * caller drops the packet. */
#ifndef SAMTALE_MEDIA_POOL_H
#define SAMTALE_MEDIA_POOL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Bytes in one packet buffer: any UDP datagram we accept and the largest
 * RFC 4571 frame (STUN over ICE-TCP may be up to 2048 bytes). */
#define WORKER_PKT_SIZE 2048
/* Buffers in a pool when the configuration says 0. */
#define POOL_DEFAULT_COUNT 4096
/* Upper bound on buffers in one pool (about 2.2 GB at 2 KiB each). */
#define POOL_MAX_COUNT (1024u * 1024u)

struct pkt {
    uint8_t data[WORKER_PKT_SIZE];
    size_t len; /* bytes used in data */
    /* A peer address travelling with the packet (the source of a received
     * datagram, the destination of one queued with worker_send_batch()). */
    struct sockaddr_storage addr;
    socklen_t addrlen;
    /* Free for the holder to chain packets while it owns one; the pool uses
     * it for its free list while the packet is free. */
    struct pkt *next;
    uint32_t pool_flags; /* the pool's own bookkeeping: do not touch */
};

struct pool;

/* Allocates `count` buffers (0 = POOL_DEFAULT_COUNT). ERR_INVAL when count
 * exceeds POOL_MAX_COUNT, ERR_NOMEM when the allocation fails. */
int pool_create(struct pool **out, size_t count);
/* Frees the pool and every buffer, also ones never put back. NULL-safe. */
void pool_destroy(struct pool *p);

/* A free buffer with len 0 and addrlen 0, or NULL when the pool is
 * exhausted (counted). */
struct pkt *pool_get(struct pool *p);
/* Returns a buffer from pool_get() of the same pool. NULL-safe. */
void pool_put(struct pool *p, struct pkt *pkt);

size_t pool_capacity(const struct pool *p);
size_t pool_available(const struct pool *p);
/* Buffers handed out and not yet put back. */
size_t pool_in_use(const struct pool *p);
/* Times pool_get() returned NULL since the pool was created. */
uint64_t pool_exhausted(const struct pool *p);
/* True when pkt lies in this pool's buffer arena (whether free or not). */
int pool_owns(const struct pool *p, const struct pkt *pkt);

#endif
