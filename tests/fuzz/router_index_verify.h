/* Checks the router's hash indices (media/router_index.c) against a
 * linear scan of its objects: every SSRC and RTX SSRC of every producer's
 * layers maps to that producer and layer, every consumer's SSRCs to the
 * consumer, every used peer slot's id to the slot, and the tables hold
 * nothing else (their counts match). Shared by tests/fuzz/fuzz_router.c
 * and tests/unit/test_router_index.c. Returns 0, or the number of the
 * first check that failed. */
#ifndef SAMTALE_TESTS_FUZZ_ROUTER_INDEX_VERIFY_H
#define SAMTALE_TESTS_FUZZ_ROUTER_INDEX_VERIFY_H

#include "media/router_int.h"

static inline int router_index_verify(struct router *r)
{
    size_t n = 0;

    for (size_t i = 0; i < r->n_prods; i++) {
        struct router_producer *p = r->prods[i];

        for (size_t l = 0; l < p->cfg.n_layers; l++) {
            const uint32_t ssrcs[2] = {p->streams[l].cfg.ssrc, p->streams[l].cfg.rtx_ssrc};

            for (size_t k = 0; k < 2; k++) {
                struct router_producer *got = NULL;
                int layer = -1;
                bool rtx = false;

                if (ssrcs[k] == 0)
                    continue;
                n++;
                if (router_lookup_stream(r, p->cfg.peer, ssrcs[k], &got, &layer, &rtx) !=
                        &p->streams[l] ||
                    got != p || layer != (int)l || rtx != (k == 1))
                    return 1;
                if (!router_peer_ssrc_used(r, p->cfg.peer, ssrcs[k]))
                    return 2;
            }
        }
    }
    if (idmap_count(r->by_stream) != n)
        return 3;
    n = 0;
    for (size_t i = 0; i < r->n_cons; i++) {
        struct router_consumer *c = r->cons[i];

        n++;
        if (router_find_consumer_ssrc(r, c->cfg.peer, c->cfg.ssrc) != c)
            return 4;
        if (c->cfg.rtx_ssrc != 0) {
            n++;
            if (!router_consumer_ssrc_used(r, c->cfg.peer, c->cfg.rtx_ssrc) ||
                router_find_consumer_ssrc(r, c->cfg.peer, c->cfg.rtx_ssrc) != NULL)
                return 5;
        }
    }
    if (idmap_count(r->by_consumer) != n)
        return 6;
    n = 0;
    for (int i = 0; i < ROUTER_MAX_PEERS; i++) {
        if (!r->peers[i].used)
            continue;
        n++;
        if (router_peer_slot(r, r->peers[i].id) != i)
            return 7;
    }
    if (idmap_count(r->by_peer) != n)
        return 8;
    return 0;
}

#endif
