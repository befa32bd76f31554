/* Incoming bitrate measurement and the simulcast layer choice.
 *
 * Each stream counts its bytes (RTP headers included: that is what the
 * subscriber's downlink carries) in ten 100 ms buckets; the bitrate is the
 * sum over the last second.
 *
 * A consumer's target layer, per subscribing peer:
 *  1. by size: the lowest layer at least as large as the consumer's
 *     max_height (and max_width, when given), else the highest. Only
 *     layers that sent within ROUTER_LAYER_ACTIVE_US are candidates (a
 *     publisher under pressure stops its top layer); when none has sent
 *     yet, all are.
 *  2. by bitrate, when the peer's downlink estimate is known (set by the
 *     caller, else the subscriber's REMB): audio is always counted and
 *     never dropped. While the sum of what the peer's consumers would take
 *     exceeds the estimate, the camera consumer with the costliest choice
 *     steps down one layer; screen shares step down only when every camera
 *     is at its lowest layer, because a readable document matters more in
 *     these meetings than a sharp face.
 *  3. audio first (router_pause.c): when even the lowest layers plus the
 *     audio do not fit the estimate (held, with hysteresis: vpause.h),
 *     every video consumer of the peer pauses and only audio goes out;
 *     video resumes, from keyframes, once the estimate has recovered.
 *     A layer above the one a consumer takes now is costed at
 *     ROUTER_UPSWITCH_PCT percent of its bitrate, so a consumer moves up
 *     only with headroom and does not flap around the boundary; one whose
 *     subscriber reports losses at ROUTER_LOSSY_COST_PCT, as its key
 *     frames go out twice.
 * A target other than the current layer (or a consumer waiting to start)
 * asks the publisher for a keyframe of the target at once, through the
 * per-layer rate limiter; the switch itself happens in router_fwd.c on that
 * keyframe. */
#include "media/router_int.h"

static int64_t bucket_of(int64_t now_us)
{
    return now_us < 0 ? 0 : now_us / ROUTER_RATE_BUCKET_US;
}

void router_rate_add(struct router_rate *rt, int64_t now_us, size_t bytes)
{
    int64_t idx = bucket_of(now_us);
    size_t k = (size_t)(idx % ROUTER_RATE_BUCKETS);

    if (rt->idx[k] != idx) {
        rt->idx[k] = idx;
        rt->bytes[k] = 0;
    }
    if (bytes > UINT32_MAX - rt->bytes[k])
        rt->bytes[k] = UINT32_MAX;
    else
        rt->bytes[k] += (uint32_t)bytes;
}

uint64_t router_rate_bps(const struct router_rate *rt, int64_t now_us)
{
    int64_t idx = bucket_of(now_us);
    uint64_t sum = 0;

    for (size_t k = 0; k < ROUTER_RATE_BUCKETS; k++) {
        if (rt->idx[k] > idx - ROUTER_RATE_BUCKETS && rt->idx[k] <= idx)
            sum += rt->bytes[k];
    }
    return sum * 8 * 1000000 / (ROUTER_RATE_BUCKETS * ROUTER_RATE_BUCKET_US);
}

bool router_stream_active(const struct router_stream *s, int64_t now_us)
{
    return s->started && now_us - s->last_rx_us < ROUTER_LAYER_ACTIVE_US;
}

uint64_t router_peer_bps(const struct router_peer *p)
{
    return p->bps_set != 0 ? p->bps_set : p->bps_remb;
}

/* A layer may be chosen: it is active, or no layer is. */
static bool layer_ok(const struct router_producer *p, int layer, int64_t now_us)
{
    bool any = false;

    for (size_t l = 0; l < p->cfg.n_layers; l++)
        any = any || router_stream_active(&p->streams[l], now_us);
    return !any || router_stream_active(&p->streams[layer], now_us);
}

static int by_size(const struct router_producer *p, const struct router_prefs *pr, int64_t now_us)
{
    int highest = -1;

    for (int l = 0; l < (int)p->cfg.n_layers; l++) {
        const struct router_layer_cfg *lc = &p->cfg.layers[l];

        if (!layer_ok(p, l, now_us))
            continue;
        highest = l;
        if (pr->max_height == 0 && pr->max_width == 0)
            continue; /* no limit: the highest */
        if ((pr->max_height == 0 || lc->height >= pr->max_height) &&
            (pr->max_width == 0 || lc->width >= pr->max_width))
            return l;
    }
    return highest;
}

int router_layers_lowest(const struct router_producer *p, int64_t now_us)
{
    for (int l = 0; l < (int)p->cfg.n_layers; l++) {
        if (layer_ok(p, l, now_us))
            return l;
    }
    return -1;
}

static int lower_ok(const struct router_producer *p, int layer, int64_t now_us)
{
    for (int l = layer - 1; l >= 0; l--) {
        if (layer_ok(p, l, now_us))
            return l;
    }
    return -1;
}

static uint64_t cost(const struct router_consumer *c, int layer, int64_t now_us)
{
    uint64_t bps;

    if (layer < 0)
        return 0;
    bps = router_rate_bps(&c->prod->streams[layer].rate, now_us);
    if (!c->syncing && c->cur >= 0 && layer > c->cur)
        bps = bps * ROUTER_UPSWITCH_PCT / 100;
    if (c->kind == ROUTER_VIDEO && c->cfg.rtx_ssrc != 0 && now_us < c->lossy_until_us)
        bps = bps * ROUTER_LOSSY_COST_PCT / 100; /* key frames sent twice (router_fwd.c) */
    return bps;
}

/* The camera consumer (else screen) whose choice costs most and can step down. */
static struct router_consumer *step_candidate(struct router *r, int slot, int64_t now_us)
{
    struct router_consumer *best = NULL;
    uint64_t best_cost = 0;

    for (int screen = 0; screen < 2 && best == NULL; screen++) {
        for (size_t i = 0; i < r->n_cons; i++) {
            struct router_consumer *c = r->cons[i];
            uint64_t k;

            if (c->peer_slot != slot || c->eval < 0 || c->kind != ROUTER_VIDEO ||
                (c->prod->cfg.source == ROUTER_SOURCE_SCREEN) != (screen == 1) ||
                lower_ok(c->prod, c->eval, now_us) < 0)
                continue;
            k = cost(c, c->eval, now_us);
            if (best == NULL || k > best_cost) {
                best = c;
                best_cost = k;
            }
        }
    }
    return best;
}

static void set_target(struct router *r, struct router_consumer *c, int target, int64_t now_us)
{
    c->target = target;
    if (target < 0 || c->kind != ROUTER_VIDEO)
        return;
    if (c->syncing || c->cur != target)
        router_request_keyframe(r, c->prod, target, now_us);
}

void router_layers_eval_peer(struct router *r, int slot, int64_t now_us)
{
    uint64_t budget, total = 0;

    if (slot < 0 || slot >= ROUTER_MAX_PEERS || !r->peers[slot].used)
        return;
    budget = router_peer_bps(&r->peers[slot]);
    for (size_t i = 0; i < r->n_cons; i++) {
        struct router_consumer *c = r->cons[i];

        if (c->peer_slot != slot)
            continue;
        c->eval = -1;
        if (c->prod == NULL || c->prefs.paused)
            continue;
        c->eval = c->kind == ROUTER_AUDIO ? 0 : by_size(c->prod, &c->prefs, now_us);
        total += cost(c, c->eval, now_us);
    }
    if (router_pause_eval(r, slot, budget, now_us)) {
        for (size_t i = 0; i < r->n_cons; i++) {
            struct router_consumer *c = r->cons[i];

            if (c->peer_slot != slot || c->kind != ROUTER_VIDEO || c->eval < 0)
                continue;
            c->eval = -1;
            c->cur = -1; /* on resume: a new segment from a keyframe */
            c->syncing = true;
            c->n_copies = 0; /* no second copies of what went before */
        }
        total = 0;
    }
    while (budget != 0 && total > budget) {
        struct router_consumer *c = step_candidate(r, slot, now_us);

        if (c == NULL)
            break;
        total -= cost(c, c->eval, now_us);
        c->eval = lower_ok(c->prod, c->eval, now_us);
        total += cost(c, c->eval, now_us);
    }
    for (size_t i = 0; i < r->n_cons; i++) {
        struct router_consumer *c = r->cons[i];

        if (c->peer_slot == slot)
            set_target(r, c, c->eval, now_us);
    }
}
