/* Upstream repair: NACKs to a publisher for what its video streams miss.
 * Every millisecond a packet stays missing here shows as a stall at every
 * subscriber (their own NACKs find nothing to resend), so:
 *
 *   gaps     a packet newer than the newest leaves the numbers in between
 *            missing; they are NACKed at once.
 *   tails    a packet without the marker bit is not the last of its frame:
 *            the next number follows within a few ms (a frame's packets go
 *            out back to back). If none comes within ROUTER_TAIL_PROBE_US
 *            that number is NACKed as a probe, instead of waiting a frame
 *            interval for the next frame to show the gap. A probe is sent
 *            once and only repeated once a gap confirms the loss; an
 *            unneeded one costs a small NACK (a browser ignores a NACK for
 *            a packet it has not sent yet).
 *   copies   each NACK goes out again ROUTER_NACK_COPY_US later while the
 *            packet is still missing, so a lost NACK costs that, not a
 *            whole retry interval; a browser ignores the copy when it has
 *            already resent the packet (within one round trip).
 *   retries  after the retry interval: the publisher's round trip measured
 *            from NACK to repair (Karn: first tries only), plus a margin,
 *            since a browser ignores a NACK for a packet it resent less
 *            than one RTT ago. At most ROUTER_NACK_TRIES.
 *   give-up  still missing a retry interval after the last try, after
 *            ROUTER_NACK_GIVEUP_US, or older than the cache: the layer's
 *            keyframe is asked for, as the subscribers cannot decode past
 *            the hole.
 *
 * Only layers some consumer takes or waits for are repaired. */
#include <string.h>

#include "media/router_int.h"
#include "media/rtcp.h"

static int64_t clamp_us(int64_t v, int64_t lo, int64_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static int64_t min_us(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

/* How long to wait for a repair before asking again. */
static int64_t retry_us(const struct router_peer *pe)
{
    int64_t margin;

    if (pe->nack_srtt_us == 0)
        return ROUTER_NACK_RETRY_US;
    margin = 4 * pe->nack_rttvar_us;
    if (margin < ROUTER_NACK_MARGIN_US)
        margin = ROUTER_NACK_MARGIN_US;
    return clamp_us(pe->nack_srtt_us + margin, ROUTER_NACK_RETRY_MIN_US, ROUTER_NACK_RETRY_MAX_US);
}

/* A round trip sample (RFC 6298 smoothing; the first variance is a quarter
 * of the sample rather than half, as samples come several times a second). */
static void rtt_sample(struct router_peer *pe, int64_t rtt_us)
{
    int64_t d;

    rtt_us = clamp_us(rtt_us, 1, ROUTER_NACK_GIVEUP_US);
    if (pe->nack_srtt_us == 0) {
        pe->nack_srtt_us = rtt_us;
        pe->nack_rttvar_us = rtt_us / 4;
        return;
    }
    d = pe->nack_srtt_us - rtt_us;
    pe->nack_rttvar_us = (3 * pe->nack_rttvar_us + (d < 0 ? -d : d)) / 4;
    pe->nack_srtt_us = (7 * pe->nack_srtt_us + rtt_us) / 8;
}

static void remove_at(struct router_stream *s, size_t i)
{
    memmove(&s->nack[i], &s->nack[i + 1], (s->n_nack - i - 1) * sizeof(s->nack[0]));
    s->n_nack--;
}

static struct router_nack *find(struct router_stream *s, int64_t ext, size_t *at)
{
    for (size_t i = 0; i < s->n_nack; i++) {
        if (s->nack[i].ext == ext) {
            if (at != NULL)
                *at = i;
            return &s->nack[i];
        }
    }
    return NULL;
}

bool router_nack_pending(const struct router_stream *s, int64_t ext)
{
    for (size_t i = 0; i < s->n_nack; i++) {
        if (s->nack[i].ext == ext)
            return true;
    }
    return false;
}

/* Appends an entry (the oldest goes when full: returns true then). */
static bool add(struct router_stream *s, int64_t ext, bool probe, int64_t now_us)
{
    bool dropped = false;
    struct router_nack *e;

    if (s->n_nack == ROUTER_NACK_MAX) {
        remove_at(s, 0);
        dropped = true;
    }
    e = &s->nack[s->n_nack++];
    memset(e, 0, sizeof(*e));
    e->ext = ext;
    e->added_us = now_us;
    e->sent_us = now_us;
    e->probe = probe;
    return dropped;
}

static void emit_nack(struct router *r, const struct router_producer *p,
                      const struct router_stream *s, const uint16_t *seqs, size_t n)
{
    struct wr w;

    if (n == 0)
        return;
    router_rtcp_begin(r, &w);
    if (rtcp_build_nack(&w, ROUTER_RTCP_SSRC, s->cfg.ssrc, seqs, n) < 0)
        return;
    r->stats.nacks_out++;
    router_emit_rtcp(r, p->cfg.peer, &w);
}

/* Sends what is due (new entries, copies, retries), gives up on what can
 * no longer be repaired, and returns when something is next due. */
static int64_t send_due(struct router *r, struct router_producer *p, int layer, int64_t now_us)
{
    struct router_stream *s = &p->streams[layer];
    int64_t oldest = s->max_ext - (int64_t)rtx_cache_slots(s->cache);
    int64_t retry = retry_us(&r->peers[p->peer_slot]);
    int64_t next = INT64_MAX;
    uint16_t seqs[ROUTER_NACK_PER_MSG];
    size_t n = 0, keep = 0, lost = 0;

    if (!router_layer_wanted(p, layer) || s->cfg.ssrc == 0) {
        s->n_nack = 0;
        s->tail_open = false;
        return INT64_MAX;
    }
    if (s->tail_open && now_us >= s->tail_due_us) {
        s->tail_open = false; /* the frame's next packet is overdue */
        if (find(s, s->max_ext + 1, NULL) == NULL) {
            if (add(s, s->max_ext + 1, true, now_us))
                lost++; /* the oldest made room */
            r->stats.upstream_tail_probes++;
        }
    }
    for (size_t i = 0; i < s->n_nack; i++) {
        struct router_nack *e = &s->nack[i];
        enum { NONE, FIRST, COPY, RETRY } act = NONE;

        if (e->probe && e->tries > 0 && now_us - e->sent_us >= retry)
            continue; /* never confirmed: not lost, or a gap will show it */
        if (e->ext <= oldest || now_us - e->added_us >= ROUTER_NACK_GIVEUP_US ||
            (e->tries >= ROUTER_NACK_TRIES && now_us - e->sent_us >= retry)) {
            lost++;
            continue;
        }
        if (e->tries == 0)
            act = FIRST;
        else if (e->copy_due && now_us - e->sent_us >= ROUTER_NACK_COPY_US)
            act = COPY;
        else if (!e->probe && e->tries < ROUTER_NACK_TRIES && now_us - e->sent_us >= retry)
            act = RETRY;
        if (act == COPY) {
            e->copy_due = false;
        } else if (act != NONE) {
            e->tries++;
            e->sent_us = now_us;
            e->copy_due = !e->probe;
        }
        if (act != NONE) {
            seqs[n++] = (uint16_t)e->ext;
            if (n == ROUTER_NACK_PER_MSG) {
                emit_nack(r, p, s, seqs, n);
                n = 0;
            }
        }
        if (e->copy_due)
            next = min_us(next, e->sent_us + ROUTER_NACK_COPY_US);
        else
            next = min_us(next, e->sent_us + retry);
        next = min_us(next, e->added_us + ROUTER_NACK_GIVEUP_US);
        s->nack[keep++] = *e;
    }
    s->n_nack = keep;
    emit_nack(r, p, s, seqs, n);
    if (lost > 0) {
        r->stats.upstream_unrepaired += lost;
        router_request_keyframe(r, p, layer, now_us);
    }
    if (s->tail_open)
        next = min_us(next, s->tail_due_us);
    return next;
}

int64_t router_nack_fast(struct router *r, struct router_producer *p, int layer, int64_t now_us)
{
    const struct router_stream *s = &p->streams[layer];

    if (s->n_nack == 0 && !s->tail_open)
        return INT64_MAX;
    return send_due(r, p, layer, now_us);
}

/* A packet that was missing has arrived. */
static void arrived(struct router *r, struct router_producer *p, struct router_stream *s, size_t i,
                    bool rtx, int64_t now_us)
{
    struct router_nack *e = &s->nack[i];

    if (e->probe && !rtx) {
        remove_at(s, i); /* only late, or sent after the probe: no loss */
        return;
    }
    if (e->probe)
        r->stats.upstream_missing++; /* a tail loss, confirmed by its repair */
    if (e->tries > 0) {
        r->stats.upstream_repaired++;
        r->stats.upstream_repair_us += (uint64_t)(now_us - e->added_us);
    }
    if (e->tries == 1) /* Karn: only an unambiguous answer is a sample */
        rtt_sample(&r->peers[p->peer_slot], now_us - e->sent_us);
    remove_at(s, i);
}

void router_nack_on_packet(struct router *r, struct router_producer *p, int layer,
                           const struct router_nack_in *in, int64_t now_us)
{
    struct router_stream *s = &p->streams[layer];
    int64_t gap_from = in->gap_from, next;
    size_t dropped = 0, i;

    if (find(s, in->ext, &i) != NULL)
        arrived(r, p, s, i, in->rtx, now_us);
    if (!in->newest)
        return;
    if (in->marker && in->ext <= gap_from && s->n_nack == 0) {
        s->tail_open = false; /* the usual case: nothing missing, the frame complete */
        return;
    }
    if (!router_layer_wanted(p, layer)) {
        s->n_nack = 0; /* nobody takes this layer: nothing to repair */
        s->tail_open = false;
        return;
    }
    s->tail_open = !in->marker;
    s->tail_due_us = now_us + ROUTER_TAIL_PROBE_US;
    if (in->ext > gap_from) {
        if (in->ext - gap_from > (int64_t)rtx_cache_slots(s->cache)) {
            s->n_nack = 0; /* a jump, not loss worth repairing: subscribers ask for a keyframe */
            return;
        }
        r->stats.upstream_missing += (uint64_t)(in->ext - gap_from);
        if (in->ext - gap_from > ROUTER_NACK_MAX) {
            dropped = (size_t)(in->ext - gap_from - ROUTER_NACK_MAX);
            gap_from = in->ext - ROUTER_NACK_MAX;
        }
        for (int64_t e = gap_from; e < in->ext; e++) {
            struct router_nack *x = find(s, e, NULL);

            if (x != NULL) {
                /* The probe was right: a loss like any other now, and its
                 * NACK gets the copy it went without. */
                x->probe = false;
                x->copy_due = x->tries == 1;
            } else if (add(s, e, false, now_us)) {
                dropped++;
            }
        }
        if (dropped > 0) {
            r->stats.upstream_unrepaired += dropped;
            router_request_keyframe(r, p, layer, now_us);
        }
    }
    next = send_due(r, p, layer, now_us); /* at once */
    if (next != INT64_MAX)
        router_want_fast_at(r, next);
}
