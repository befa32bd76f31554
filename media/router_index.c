/* The router's hash indices (idmap.h), so that no packet costs a walk
 * over producers, layers, consumers or peers:
 *
 *   streams    (peer, SSRC) -> producer, tag: layer | ROUTER_TAG_RTX when
 *              it is the layer's RTX SSRC; every non-zero SSRC and RTX SSRC
 *              of every producer's layers, signaled or learnt
 *   consumers  (peer, SSRC) -> consumer, tag: ROUTER_TAG_RTX for its RTX
 *              SSRC; the SSRCs the router sends the subscriber
 *   peers      peer id -> its slot in r->peers, while the slot is used
 *
 * A (peer, SSRC) pair is unique in each: router.c refuses an SSRC the
 * peer's producers (consumers) already use, and router_input.c learns only
 * unused ones. The tables are made at their largest, so nothing here
 * allocates after router_create. */
#include "media/router_int.h"
#include "base/err.h"

#define TAG_LAYER_MASK 0xffu

static uint64_t key(uint32_t peer, uint32_t ssrc)
{
    return (uint64_t)peer << 32 | ssrc;
}

int router_index_create(struct router *r)
{
    size_t streams = (size_t)ROUTER_MAX_PRODUCERS * ROUTER_MAX_LAYERS * 2;
    size_t cons = (size_t)ROUTER_MAX_CONSUMERS * 2;
    int rc = idmap_create(&r->by_stream, streams, streams);

    if (rc == 0)
        rc = idmap_create(&r->by_consumer, cons, cons);
    if (rc == 0)
        rc = idmap_create(&r->by_peer, ROUTER_MAX_PEERS, ROUTER_MAX_PEERS);
    if (rc < 0)
        router_index_destroy(r);
    return rc;
}

void router_index_destroy(struct router *r)
{
    idmap_destroy(r->by_stream);
    idmap_destroy(r->by_consumer);
    idmap_destroy(r->by_peer);
    r->by_stream = r->by_consumer = r->by_peer = NULL;
}

/* ---- streams ---- */

int router_index_ssrc(struct router *r, struct router_producer *p, int layer, uint32_t ssrc,
                      bool rtx)
{
    if (ssrc == 0)
        return 0;
    return idmap_put(r->by_stream, key(p->cfg.peer, ssrc), p,
                     (uint32_t)layer | (rtx ? ROUTER_TAG_RTX : 0));
}

static void unindex_ssrc(struct router *r, const struct router_producer *p, uint32_t ssrc)
{
    if (ssrc != 0 && idmap_get(r->by_stream, key(p->cfg.peer, ssrc), NULL) == p)
        (void)idmap_del(r->by_stream, key(p->cfg.peer, ssrc));
}

void router_unindex_producer(struct router *r, const struct router_producer *p)
{
    for (size_t l = 0; l < p->cfg.n_layers; l++) {
        unindex_ssrc(r, p, p->streams[l].cfg.ssrc);
        unindex_ssrc(r, p, p->streams[l].cfg.rtx_ssrc);
    }
}

int router_index_producer(struct router *r, struct router_producer *p)
{
    int rc = 0;

    for (size_t l = 0; rc == 0 && l < p->cfg.n_layers; l++) {
        rc = router_index_ssrc(r, p, (int)l, p->streams[l].cfg.ssrc, false);
        if (rc == 0)
            rc = router_index_ssrc(r, p, (int)l, p->streams[l].cfg.rtx_ssrc, true);
    }
    if (rc < 0)
        router_unindex_producer(r, p);
    return rc;
}

struct router_stream *router_lookup_stream(const struct router *r, uint32_t peer, uint32_t ssrc,
                                           struct router_producer **prod, int *layer, bool *rtx)
{
    uint32_t tag = 0;
    struct router_producer *p;

    if (ssrc == 0)
        return NULL;
    p = idmap_get(r->by_stream, key(peer, ssrc), &tag);
    if (p == NULL)
        return NULL;
    *prod = p;
    *layer = (int)(tag & TAG_LAYER_MASK);
    *rtx = (tag & ROUTER_TAG_RTX) != 0;
    return &p->streams[tag & TAG_LAYER_MASK];
}

struct router_stream *router_find_stream(struct router *r, uint32_t peer, uint32_t ssrc,
                                         struct router_producer **prod)
{
    int layer;
    bool rtx;
    struct router_stream *s = router_lookup_stream(r, peer, ssrc, prod, &layer, &rtx);

    return s != NULL && !rtx ? s : NULL;
}

bool router_peer_ssrc_used(const struct router *r, uint32_t peer, uint32_t ssrc)
{
    return ssrc != 0 && idmap_get(r->by_stream, key(peer, ssrc), NULL) != NULL;
}

/* ---- consumers ---- */

int router_index_consumer(struct router *r, struct router_consumer *c)
{
    int rc = idmap_put(r->by_consumer, key(c->cfg.peer, c->cfg.ssrc), c, 0);

    if (rc == 0 && c->cfg.rtx_ssrc != 0) {
        rc = idmap_put(r->by_consumer, key(c->cfg.peer, c->cfg.rtx_ssrc), c, ROUTER_TAG_RTX);
        if (rc < 0)
            (void)idmap_del(r->by_consumer, key(c->cfg.peer, c->cfg.ssrc));
    }
    return rc;
}

void router_unindex_consumer(struct router *r, const struct router_consumer *c)
{
    const uint32_t ssrcs[2] = {c->cfg.ssrc, c->cfg.rtx_ssrc};

    for (size_t k = 0; k < 2; k++) {
        if (ssrcs[k] != 0 && idmap_get(r->by_consumer, key(c->cfg.peer, ssrcs[k]), NULL) == c)
            (void)idmap_del(r->by_consumer, key(c->cfg.peer, ssrcs[k]));
    }
}

bool router_consumer_ssrc_used(const struct router *r, uint32_t peer, uint32_t ssrc)
{
    return idmap_get(r->by_consumer, key(peer, ssrc), NULL) != NULL;
}

struct router_consumer *router_find_consumer_ssrc(struct router *r, uint32_t peer, uint32_t ssrc)
{
    uint32_t tag = 0;
    struct router_consumer *c = idmap_get(r->by_consumer, key(peer, ssrc), &tag);

    return c != NULL && tag == 0 ? c : NULL;
}

/* ---- peers ---- */

int router_peer_slot(const struct router *r, uint32_t id)
{
    const struct router_peer *pe = idmap_get(r->by_peer, id, NULL);

    return pe != NULL ? (int)(pe - r->peers) : -1;
}

int router_index_peer(struct router *r, int slot)
{
    return idmap_put(r->by_peer, r->peers[slot].id, &r->peers[slot], 0);
}

void router_peer_release(struct router *r, int slot)
{
    r->peers[slot].used = false;
    (void)idmap_del(r->by_peer, r->peers[slot].id);
}
