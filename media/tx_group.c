/* Grouping the send queue by destination (tx_group.h). */
#include "media/tx_group.h"

#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

#include "media/pool.h"

bool tx_same_dest(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
    if (a->ss_family != b->ss_family)
        return false;
    if (a->ss_family == AF_INET) {
        const struct sockaddr_in *x = (const struct sockaddr_in *)a;
        const struct sockaddr_in *y = (const struct sockaddr_in *)b;
        return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
    if (a->ss_family == AF_INET6) {
        const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a;
        const struct sockaddr_in6 *y = (const struct sockaddr_in6 *)b;
        return x->sin6_port == y->sin6_port && x->sin6_scope_id == y->sin6_scope_id &&
               memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0;
    }
    return false;
}

size_t tx_group_by_dest(struct pkt **pkts, size_t n, struct pkt **scratch)
{
    size_t out = 0, groups = 0;

    /* A queue is at most WORKER_TX_BATCH long and has few destinations, so
     * a pass per destination costs less than any index would. Taken packets
     * are marked by clearing their slot. After TX_GROUP_MAX destinations the
     * rest stays in queued order, which bounds the passes. */
    for (size_t i = 0; i < n; i++) {
        struct pkt *first = pkts[i];
        if (!first)
            continue;
        if (groups == TX_GROUP_MAX) {
            scratch[out++] = first;
            continue;
        }
        groups++;
        scratch[out++] = first;
        pkts[i] = NULL;
        for (size_t j = i + 1; j < n; j++) {
            if (pkts[j] && tx_same_dest(&pkts[j]->addr, &first->addr)) {
                scratch[out++] = pkts[j];
                pkts[j] = NULL;
            }
        }
    }
    memcpy(pkts, scratch, n * sizeof *pkts);
    return groups;
}
