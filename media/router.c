/* The router's objects and timers: see router.h, and
 * router_int.h for how the work is split between the router_*.c files.
 *
 * Memory: the router, each producer (with one retransmission cache per
 * layer) and each consumer are allocated when added; router_on_rtp and
 * router_on_rtcp never allocate. Packets are copied for each consumer
 * by router_write into the caller's buffer (router_out.c: one copy per
 * forwarded packet). Every entry point starts with router_begin, which
 * drops the outputs the caller did not take from the call before. */
#include "media/router.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "media/router_int.h"
#include "base/err.h"

/* ---- helpers shared by the router files ---- */

uint32_t router_us_to_rtp(int64_t us, uint32_t clock_rate)
{
    uint64_t sec, rem;

    if (us <= 0)
        return 0;
    sec = (uint64_t)us / 1000000u;
    rem = (uint64_t)us % 1000000u;
    return (uint32_t)(sec * clock_rate + rem * clock_rate / 1000000u);
}

void router_want_fast_at(struct router *r, int64_t at_us)
{
    if (at_us < r->now_us)
        at_us = r->now_us; /* overdue: as soon as possible */
    if (r->fast_needed && r->next_fast <= at_us)
        return;
    r->fast_needed = true;
    r->next_fast = at_us;
}

/* ---- peers ---- */

static int peer_get(struct router *r, uint32_t id, int64_t now_us)
{
    int i = router_peer_slot(r, id);

    if (i >= 0)
        return i;
    for (i = 0; i < ROUTER_MAX_PEERS; i++) {
        if (!r->peers[i].used) {
            int rc;

            memset(&r->peers[i], 0, sizeof(r->peers[i]));
            r->peers[i].id = id;
            rc = router_index_peer(r, i);
            if (rc < 0)
                return rc;
            r->peers[i].used = true;
            r->peers[i].next_rr_us = now_us + ROUTER_REPORT_US;
            vpause_init(&r->peers[i].vp);
            return i;
        }
    }
    return ERR_FULL;
}

static void peer_put(struct router *r, int slot)
{
    struct router_peer *pe = &r->peers[slot];

    if (pe->refs > 0)
        pe->refs--;
    if (pe->refs == 0 && pe->bps_set == 0)
        router_peer_release(r, slot);
}

/* ---- create / destroy ---- */

int router_create(struct router **out, const struct router_cfg *cfg)
{
    struct router *r;
    int rc;

    *out = NULL;
    if (cfg == NULL || cfg->rtx_cache_packets > RTX_CACHE_MAX_SLOTS ||
        (cfg->rtx_cache_packets & (cfg->rtx_cache_packets - 1)) != 0)
        return ERR_INVAL;
    r = calloc(1, sizeof(*r));
    if (r == NULL)
        return ERR_NOMEM;
    rc = speaker_create(&r->speaker);
    if (rc == 0)
        rc = router_index_create(r);
    if (rc < 0) {
        speaker_destroy(r->speaker);
        free(r);
        return rc;
    }
    r->now_us = cfg->now_us;
    r->out_written = true;
    r->video_slots = cfg->rtx_cache_packets ? cfg->rtx_cache_packets : ROUTER_RTX_CACHE_PACKETS;
    r->audio_slots =
        r->video_slots < ROUTER_AUDIO_CACHE_PACKETS ? r->video_slots : ROUTER_AUDIO_CACHE_PACKETS;
    r->next_fast = INT64_MAX;
    r->next_slow = cfg->now_us + ROUTER_SLOW_TICK_US;
    *out = r;
    return 0;
}

static void producer_free(struct router_producer *p)
{
    if (p == NULL)
        return;
    for (size_t l = 0; l < ROUTER_MAX_LAYERS; l++)
        rtx_cache_destroy(p->streams[l].cache);
    free(p);
}

void router_destroy(struct router *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->n_prods; i++)
        producer_free(r->prods[i]);
    for (size_t i = 0; i < r->n_cons; i++)
        free(r->cons[i]);
    speaker_destroy(r->speaker);
    router_index_destroy(r);
    free(r);
}

/* ---- producers ---- */

static bool str_ok(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL;
}

/* Non-zero ids must be distinct; `reserved` (if non-zero) is not allowed. */
static bool ext_ids_ok(const struct router_ext_ids *e, uint8_t reserved)
{
    const uint8_t ids[] = {e->mid,           e->rid,  e->repaired_rid,     e->audio_level,
                           e->abs_send_time, e->twcc, e->video_orientation};

    for (size_t i = 0; i < sizeof(ids); i++) {
        if (ids[i] == 0)
            continue;
        if (reserved != 0 && ids[i] == reserved)
            return false;
        for (size_t j = i + 1; j < sizeof(ids); j++) {
            if (ids[j] == ids[i])
                return false;
        }
    }
    return true;
}

static struct router_producer *producer_by_id(const struct router *r, uint32_t id)
{
    for (size_t i = 0; i < r->n_prods; i++) {
        if (r->prods[i]->cfg.id == id)
            return r->prods[i];
    }
    return NULL;
}

static int producer_cfg_check(const struct router *r, const struct router_producer_cfg *cfg)
{
    uint32_t seen[2 * ROUTER_MAX_LAYERS];
    size_t n_seen = 0;

    if (cfg->n_layers < 1 || cfg->n_layers > ROUTER_MAX_LAYERS)
        return ERR_INVAL;
    if (cfg->kind == ROUTER_AUDIO) {
        if (cfg->n_layers != 1 || cfg->codec != ROUTER_CODEC_OPUS ||
            cfg->source != ROUTER_SOURCE_MIC)
            return ERR_INVAL;
    } else if (cfg->kind == ROUTER_VIDEO) {
        if ((cfg->codec != ROUTER_CODEC_VP8 && cfg->codec != ROUTER_CODEC_H264) ||
            (cfg->source != ROUTER_SOURCE_CAMERA && cfg->source != ROUTER_SOURCE_SCREEN))
            return ERR_INVAL;
    } else {
        return ERR_INVAL;
    }
    if (cfg->pt > 127 || cfg->rtx_pt < -1 || cfg->rtx_pt > 127 || cfg->rtx_pt == cfg->pt)
        return ERR_INVAL;
    if (cfg->clock_rate == 0 || cfg->clock_rate > 1000000)
        return ERR_INVAL;
    if (!str_ok(cfg->mid, sizeof(cfg->mid)) || !ext_ids_ok(&cfg->ext, 0))
        return ERR_INVAL;
    for (size_t l = 0; l < cfg->n_layers; l++) {
        const struct router_layer_cfg *lc = &cfg->layers[l];
        const uint32_t ssrcs[2] = {lc->ssrc, lc->rtx_ssrc};

        if (!str_ok(lc->rid, sizeof(lc->rid)))
            return ERR_INVAL;
        /* An SSRC, or a rid (a single stream: a mid) to learn it from. */
        if (lc->ssrc == 0 && (lc->rid[0] == '\0' || cfg->ext.rid == 0) &&
            (cfg->n_layers != 1 || cfg->mid[0] == '\0' || cfg->ext.mid == 0))
            return ERR_INVAL;
        if (lc->rtx_ssrc != 0 && cfg->rtx_pt < 0)
            return ERR_INVAL;
        for (size_t k = 0; k < 2; k++) {
            if (ssrcs[k] == 0)
                continue;
            for (size_t j = 0; j < n_seen; j++) {
                if (seen[j] == ssrcs[k])
                    return ERR_INVAL;
            }
            if (router_peer_ssrc_used(r, cfg->peer, ssrcs[k]))
                return ERR_INVAL;
            seen[n_seen++] = ssrcs[k];
        }
    }
    return 0;
}

static void consumer_link(struct router_consumer *c, struct router_producer *p)
{
    c->prod = p;
    c->next = p->consumers;
    p->consumers = c;
    c->kind = p->cfg.kind;
    c->clock_rate = p->cfg.clock_rate;
    c->cur = -1;
    c->syncing = true;
    router_fwd_compute_ext_map(c);
}

static void consumer_unlink(struct router_consumer *c)
{
    struct router_consumer **pp;

    if (c->prod == NULL)
        return;
    for (pp = &c->prod->consumers; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    }
    c->prod = NULL;
    c->next = NULL;
    c->cur = -1;
    c->target = -1;
    c->syncing = true;
}

static void stream_init(struct router_stream *s, const struct router_layer_cfg *lc)
{
    s->cfg = *lc;
    for (size_t k = 0; k < ROUTER_RATE_BUCKETS; k++)
        s->rate.idx[k] = -1;
}

int router_add_producer(struct router *r, const struct router_producer_cfg *cfg)
{
    struct router_producer *p = NULL;
    size_t slots;
    int rc, peer;

    router_begin(r, r->now_us);
    if (cfg == NULL)
        return ERR_INVAL;
    if (producer_by_id(r, cfg->id) != NULL)
        return ERR_EXISTS;
    rc = producer_cfg_check(r, cfg);
    if (rc < 0)
        return rc;
    if (r->n_prods >= ROUTER_MAX_PRODUCERS)
        return ERR_FULL;
    p = calloc(1, sizeof(*p));
    if (p == NULL)
        return ERR_NOMEM;
    p->cfg = *cfg;
    p->speaker_slot = -1;
    slots = cfg->kind == ROUTER_VIDEO ? r->video_slots : r->audio_slots;
    for (size_t l = 0; l < cfg->n_layers; l++) {
        stream_init(&p->streams[l], &cfg->layers[l]);
        rc = rtx_cache_create(&p->streams[l].cache, slots,
                              rtx_cache_budget(cfg->kind == ROUTER_VIDEO, l, cfg->n_layers));
        if (rc < 0)
            goto fail;
    }
    rc = router_index_producer(r, p);
    if (rc < 0)
        goto fail;
    peer = peer_get(r, cfg->peer, r->now_us);
    if (peer < 0) {
        router_unindex_producer(r, p);
        rc = peer;
        goto fail;
    }
    if (cfg->source == ROUTER_SOURCE_MIC && cfg->ext.audio_level != 0) {
        rc = speaker_add(r->speaker, cfg->id);
        p->speaker_slot = rc >= 0 ? rc : -1;
    }
    r->peers[peer].refs++;
    p->peer_slot = peer;
    p->epoch = ++r->epoch;
    r->prods[r->n_prods++] = p;

    /* A publisher's reconnect: its consumers continue from where they were. */
    for (size_t i = 0; i < r->n_cons; i++) {
        if (r->cons[i]->cfg.producer == cfg->id && r->cons[i]->prod == NULL)
            consumer_link(r->cons[i], p);
    }
    for (struct router_consumer *c = p->consumers; c != NULL; c = c->next)
        router_layers_eval_peer(r, c->peer_slot, r->now_us);
    return 0;
fail:
    producer_free(p);
    return rc;
}

static int producer_remove(struct router *r, uint32_t id)
{
    struct router_producer *p = NULL;
    size_t i;

    for (i = 0; i < r->n_prods; i++) {
        if (r->prods[i]->cfg.id == id) {
            p = r->prods[i];
            break;
        }
    }
    if (p == NULL)
        return ERR_NOTFOUND;
    while (p->consumers != NULL)
        consumer_unlink(p->consumers);
    speaker_remove(r->speaker, p->speaker_slot);
    router_unindex_producer(r, p);
    peer_put(r, p->peer_slot);
    r->prods[i] = r->prods[--r->n_prods];
    r->prods[r->n_prods] = NULL;
    producer_free(p);
    return 0;
}

/* ---- consumers ---- */

static struct router_consumer *consumer_by_id(const struct router *r, uint32_t id, size_t *index)
{
    for (size_t i = 0; i < r->n_cons; i++) {
        if (r->cons[i]->cfg.id == id) {
            if (index != NULL)
                *index = i;
            return r->cons[i];
        }
    }
    return NULL;
}

static int consumer_cfg_check(const struct router *r, const struct router_consumer_cfg *cfg)
{
    if (cfg->ssrc == 0 || cfg->pt > 127 || cfg->rtx_pt < -1 || cfg->rtx_pt > 127 ||
        cfg->rtx_pt == cfg->pt || cfg->rtx_ssrc == cfg->ssrc)
        return ERR_INVAL;
    if (!ext_ids_ok(&cfg->ext, ROUTER_EXT_ID_UNKNOWN) || !str_ok(cfg->cname, sizeof(cfg->cname)))
        return ERR_INVAL;
    /* The SSRCs (and RTX SSRCs) towards one subscriber are distinct. */
    if (router_consumer_ssrc_used(r, cfg->peer, cfg->ssrc) ||
        (cfg->rtx_ssrc != 0 && router_consumer_ssrc_used(r, cfg->peer, cfg->rtx_ssrc)))
        return ERR_INVAL;
    return 0;
}

int router_remove_producer(struct router *r, uint32_t id)
{
    router_begin(r, r->now_us);
    return producer_remove(r, id);
}

int router_add_consumer(struct router *r, const struct router_consumer_cfg *cfg)
{
    struct router_producer *p;
    struct router_consumer *c;
    int rc, peer;
    int64_t now = r->now_us;

    router_begin(r, now);
    if (cfg == NULL)
        return ERR_INVAL;
    if (consumer_by_id(r, cfg->id, NULL) != NULL)
        return ERR_EXISTS;
    rc = consumer_cfg_check(r, cfg);
    if (rc < 0)
        return rc;
    p = producer_by_id(r, cfg->producer);
    if (p == NULL)
        return ERR_NOTFOUND;
    if (r->n_cons >= ROUTER_MAX_CONSUMERS)
        return ERR_FULL;
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return ERR_NOMEM;
    c->cfg = *cfg;
    if (c->cfg.cname[0] == '\0')
        snprintf(c->cfg.cname, sizeof(c->cfg.cname), "samtale-%08x", (unsigned)p->cfg.peer);
    if (c->cfg.rtx_pt < 0 || c->cfg.rtx_ssrc == 0) {
        c->cfg.rtx_pt = -1; /* RTX only with both */
        c->cfg.rtx_ssrc = 0;
    }
    rc = router_index_consumer(r, c);
    if (rc < 0) {
        free(c);
        return rc;
    }
    peer = peer_get(r, cfg->peer, now);
    if (peer < 0) {
        router_unindex_consumer(r, c);
        free(c);
        return peer;
    }
    r->peers[peer].refs++;
    c->peer_slot = peer;
    c->target = -1;
    c->rtx_seq = (uint16_t)(cfg->rtx_ssrc ^ cfg->rtx_ssrc >> 16);
    consumer_link(c, p);
    r->cons[r->n_cons++] = c;
    router_layers_eval_peer(r, peer, now);
    return 0;
}

static void consumer_free_at(struct router *r, size_t i)
{
    struct router_consumer *c = r->cons[i];

    consumer_unlink(c);
    router_unindex_consumer(r, c);
    peer_put(r, c->peer_slot);
    r->cons[i] = r->cons[--r->n_cons];
    r->cons[r->n_cons] = NULL;
    free(c);
}

int router_remove_consumer(struct router *r, uint32_t id)
{
    size_t i;

    router_begin(r, r->now_us);
    if (consumer_by_id(r, id, &i) == NULL)
        return ERR_NOTFOUND;
    consumer_free_at(r, i);
    return 0;
}

void router_remove_peer(struct router *r, uint32_t peer)
{
    int slot;

    router_begin(r, r->now_us);
    for (size_t i = r->n_cons; i-- > 0;) {
        if (r->cons[i]->cfg.peer == peer)
            consumer_free_at(r, i);
    }
    for (size_t i = r->n_prods; i-- > 0;) {
        if (r->prods[i]->cfg.peer == peer)
            (void)producer_remove(r, r->prods[i]->cfg.id);
    }
    slot = router_peer_slot(r, peer);
    if (slot >= 0)
        router_peer_release(r, slot);
}

int router_set_prefs(struct router *r, uint32_t consumer, const struct router_prefs *p)
{
    struct router_consumer *c;

    router_begin(r, r->now_us);
    c = consumer_by_id(r, consumer, NULL);
    if (c == NULL)
        return ERR_NOTFOUND;
    if (p == NULL)
        return ERR_INVAL;
    if (p->paused && !c->prefs.paused) {
        c->cur = -1;
        c->syncing = true;
    }
    c->prefs = *p;
    router_layers_eval_peer(r, c->peer_slot, r->now_us);
    return 0;
}

void router_set_peer_bitrate(struct router *r, uint32_t peer, uint64_t bps)
{
    int slot;

    router_begin(r, r->now_us);
    slot = router_peer_slot(r, peer);
    if (slot < 0) {
        if (bps == 0)
            return;
        slot = peer_get(r, peer, r->now_us);
        if (slot < 0)
            return;
    }
    r->peers[slot].bps_set = bps;
    router_layers_eval_peer(r, slot, r->now_us);
    if (bps == 0 && r->peers[slot].refs == 0)
        router_peer_release(r, slot);
}

/* ---- timers ---- */

static void slow_tick(struct router *r, int64_t now_us)
{
    uint32_t active;

    if (speaker_update(r->speaker, now_us, &active)) {
        const struct router_producer *p = active != 0 ? producer_by_id(r, active) : NULL;

        router_emit_event(r, ROUTER_EVENT_ACTIVE_SPEAKER, active, 0, p != NULL ? p->cfg.peer : 0,
                          -1);
    }
    router_rtcp_reports(r, now_us);
    if (++r->slow_ticks % ROUTER_LAYER_EVAL_TICKS == 0) {
        for (int i = 0; i < ROUTER_MAX_PEERS; i++) {
            if (r->peers[i].used)
                router_layers_eval_peer(r, i, now_us);
        }
    }
}

void router_timeout(struct router *r, int64_t now_us)
{
    router_begin(r, now_us);
    if (r->fast_needed && now_us >= r->next_fast) {
        int64_t next = router_rtcp_fast(r, now_us);

        r->fast_needed = next != INT64_MAX;
        r->next_fast = next > now_us + ROUTER_MIN_WAIT_US ? next : now_us + ROUTER_MIN_WAIT_US;
    }
    if (now_us >= r->next_slow) {
        r->next_slow += ROUTER_SLOW_TICK_US;
        if (r->next_slow <= now_us)
            r->next_slow = now_us + ROUTER_SLOW_TICK_US;
        slow_tick(r, now_us);
    }
}

int64_t router_next_deadline(const struct router *r)
{
    int64_t d;

    if (r->n_prods == 0 && r->n_cons == 0)
        return INT64_MAX;
    d = r->next_slow;
    if (r->fast_needed && r->next_fast < d)
        d = r->next_fast;
    return d;
}

void router_get_stats(const struct router *r, struct router_stats *out)
{
    *out = r->stats;
}

int router_consumer_layer(const struct router *r, uint32_t consumer)
{
    const struct router_consumer *c = consumer_by_id(r, consumer, NULL);

    if (c == NULL || c->syncing || c->prefs.paused)
        return -1;
    return c->cur;
}
