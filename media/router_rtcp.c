/* The router's RTCP: what peers send (SR from publishers; NACK, PLI, FIR,
 * REMB from subscribers), the reports it sends (SR + SDES per consumer, RR
 * per publishing peer) and its keyframe requests upstream (the upstream
 * NACKs are router_nack.c's).
 *
 * Incoming compound packets are checked completely before anything in them
 * is used: a packet with one malformed block is counted in rtcp_bad and
 * changes nothing. transport-cc, RR, SDES, BYE, APP and XR are accepted and
 * ignored (congestion control is the engine's). */
#include <string.h>

#include "media/router_int.h"
#include "media/rtcp.h"
#include "base/err.h"

#define NTP_UNIX_OFFSET 2208988800ULL /* 1900 to 1970 */

static const char router_cname[] = "samtale";

/* ---- keyframe requests upstream ---- */

static void send_pli(struct router *r, struct router_producer *p, int layer, int64_t now_us)
{
    struct router_stream *s = &p->streams[layer];
    struct wr w;

    router_rtcp_begin(r, &w);
    if (rtcp_build_pli(&w, ROUTER_RTCP_SSRC, s->cfg.ssrc) < 0)
        return;
    s->kf_sent = true;
    s->kf_last_us = now_us;
    s->kf_pending = false;
    r->stats.keyframe_requests_out++;
    router_emit_rtcp(r, p->cfg.peer, &w);
    router_emit_event(r, ROUTER_EVENT_KEYFRAME_REQUEST, p->cfg.id, 0, p->cfg.peer, layer);
}

static bool pli_allowed(const struct router_stream *s, int64_t now_us)
{
    return s->cfg.ssrc != 0 &&
           (!s->kf_sent || now_us - s->kf_last_us >= ROUTER_KEYFRAME_INTERVAL_US);
}

/* When a pending request may go out (its SSRC not learnt yet: look again
 * in a while). */
static int64_t kf_due(const struct router_stream *s, int64_t now_us)
{
    if (s->cfg.ssrc == 0 || !s->kf_sent || s->kf_last_us + ROUTER_KEYFRAME_INTERVAL_US <= now_us)
        return now_us + ROUTER_SLOW_TICK_US;
    return s->kf_last_us + ROUTER_KEYFRAME_INTERVAL_US;
}

void router_request_keyframe(struct router *r, struct router_producer *p, int layer, int64_t now_us)
{
    if (p == NULL || p->cfg.kind != ROUTER_VIDEO || layer < 0 || (size_t)layer >= p->cfg.n_layers)
        return;
    if (pli_allowed(&p->streams[layer], now_us)) {
        send_pli(r, p, layer, now_us);
        return;
    }
    p->streams[layer].kf_pending = true; /* sent when the interval allows */
    router_want_fast_at(r, kf_due(&p->streams[layer], now_us));
}

/* A subscriber's PLI/FIR about consumer c: the layer it takes, else the one
 * it waits for. */
static void consumer_keyframe(struct router *r, struct router_consumer *c, int64_t now_us)
{
    int layer = !c->syncing && c->cur >= 0 ? c->cur : c->target;

    if (c->prod != NULL && !c->prefs.paused)
        router_request_keyframe(r, c->prod, layer, now_us);
}

/* True when some consumer takes or waits for this layer. */
bool router_layer_wanted(const struct router_producer *p, int layer)
{
    for (const struct router_consumer *c = p->consumers; c != NULL; c = c->next) {
        if (!c->prefs.paused && (c->cur == layer || c->target == layer))
            return true;
    }
    return false;
}

int64_t router_rtcp_fast(struct router *r, int64_t now_us)
{
    int64_t next = INT64_MAX;

    for (size_t i = 0; i < r->n_prods; i++) {
        struct router_producer *p = r->prods[i];

        for (size_t l = 0; l < p->cfg.n_layers; l++) {
            struct router_stream *s = &p->streams[l];
            /* NACKs first: giving up on a packet asks for a keyframe. */
            int64_t t = router_nack_fast(r, p, (int)l, now_us);

            if (t < next)
                next = t;
            if (s->kf_pending && !router_layer_wanted(p, (int)l))
                s->kf_pending = false; /* nobody waits for it any more */
            if (s->kf_pending && pli_allowed(s, now_us))
                send_pli(r, p, (int)l, now_us);
            if (s->kf_pending && kf_due(s, now_us) < next)
                next = kf_due(s, now_us);
        }
    }
    for (size_t i = 0; i < r->n_cons; i++) {
        struct router_consumer *c = r->cons[i];
        int64_t t = c->n_copies > 0 ? router_fwd_timer(r, c, now_us) : INT64_MAX;

        if (t < next)
            next = t;
    }
    return next;
}

/* ---- reports ---- */

static uint64_t ntp_from_us(int64_t us)
{
    uint64_t u = us < 0 ? 0 : (uint64_t)us;
    uint64_t sec = u / 1000000u + NTP_UNIX_OFFSET, frac = u % 1000000u;

    return sec << 32 | (frac << 32) / 1000000u;
}

static void send_sr(struct router *r, struct router_consumer *c, int64_t now_us)
{
    struct rtcp_sr sr;
    struct wr w;

    memset(&sr, 0, sizeof(sr));
    sr.ssrc = c->cfg.ssrc;
    sr.ntp = ntp_from_us(now_us);
    sr.rtp_ts = router_fwd_rtp_now(c, now_us);
    sr.packet_count = c->packets;
    sr.octet_count = c->octets;
    router_rtcp_begin(r, &w);
    (void)rtcp_build_sr(&w, &sr);
    (void)rtcp_build_sdes_cname(&w, c->cfg.ssrc, c->cfg.cname, strlen(c->cfg.cname));
    router_emit_rtcp(r, c->cfg.peer, &w);
}

static void report_block(struct rtcp_report_block *b, struct router_stream *s, int64_t now_us)
{
    int64_t expected = s->max_ext - s->base_ext + 1;
    int64_t exp_int = expected - s->expected_prior;
    int64_t rec_int = (int64_t)(s->received - s->received_prior);
    int64_t lost_int = exp_int - rec_int;
    int64_t lost = expected - (int64_t)s->received;

    memset(b, 0, sizeof(*b));
    b->ssrc = s->cfg.ssrc;
    if (exp_int > 0 && lost_int > 0) {
        int64_t f = (lost_int << 8) / exp_int;

        b->fraction_lost = (uint8_t)(f > 255 ? 255 : f);
    }
    if (lost > 0x7fffff)
        lost = 0x7fffff;
    if (lost < -0x800000)
        lost = -0x800000;
    b->cumulative_lost = (int32_t)lost;
    b->ext_highest_seq = (uint32_t)(s->max_ext - ROUTER_SEQ_BIAS);
    b->jitter = s->jitter_q4 >> 4;
    if (s->has_sr && now_us >= s->sr_recv_us) {
        int64_t dl = (now_us - s->sr_recv_us) * 65536 / 1000000;

        b->lsr = s->sr_lsr;
        b->dlsr = dl > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)dl;
    }
    s->expected_prior = expected;
    s->received_prior = s->received;
}

static void flush_rr(struct router *r, uint32_t peer, struct rtcp_rr *rr)
{
    struct wr w;

    if (rr->report_count == 0)
        return;
    router_rtcp_begin(r, &w);
    (void)rtcp_build_rr(&w, rr);
    (void)rtcp_build_sdes_cname(&w, ROUTER_RTCP_SSRC, router_cname, sizeof(router_cname) - 1);
    router_emit_rtcp(r, peer, &w);
    rr->report_count = 0;
}

static void send_rr(struct router *r, int slot, int64_t now_us)
{
    struct rtcp_rr rr;
    uint32_t peer = r->peers[slot].id;

    memset(&rr, 0, sizeof(rr));
    rr.ssrc = ROUTER_RTCP_SSRC;
    for (size_t i = 0; i < r->n_prods; i++) {
        struct router_producer *p = r->prods[i];

        if (p->peer_slot != slot)
            continue;
        for (size_t l = 0; l < p->cfg.n_layers; l++) {
            struct router_stream *s = &p->streams[l];

            if (!s->started || s->cfg.ssrc == 0)
                continue;
            report_block(&rr.reports[rr.report_count++], s, now_us);
            if (rr.report_count == RTCP_MAX_REPORT_BLOCKS)
                flush_rr(r, peer, &rr);
        }
    }
    flush_rr(r, peer, &rr);
}

void router_rtcp_reports(struct router *r, int64_t now_us)
{
    for (size_t i = 0; i < r->n_cons; i++) {
        struct router_consumer *c = r->cons[i];

        if (!c->started || now_us < c->next_sr_us)
            continue;
        c->next_sr_us = now_us + ROUTER_REPORT_US;
        /* RFC 3550 6.4: an SR only while sending (paused: nothing). */
        if (now_us - c->last_out_us <= 2 * ROUTER_REPORT_US)
            send_sr(r, c, now_us);
    }
    for (int i = 0; i < ROUTER_MAX_PEERS; i++) {
        if (r->peers[i].used && now_us >= r->peers[i].next_rr_us) {
            r->peers[i].next_rr_us = now_us + ROUTER_REPORT_US;
            send_rr(r, i, now_us);
        }
    }
}

/* ---- input ---- */

static void nack_check(void *arg, uint16_t seq)
{
    (void)arg;
    (void)seq;
}

/* Parses a block completely; 0 when it is well formed. */
static int check_block(const struct rtcp_block *b)
{
    union {
        struct rtcp_sr sr;
        struct rtcp_rr rr;
        struct rtcp_sdes sdes;
        struct rtcp_bye bye;
        struct rtcp_fir fir;
        struct rtcp_remb remb;
    } u;
    struct rtcp_fb fb;
    int rc;

    switch (b->pt) {
    case RTCP_SR:
        return rtcp_parse_sr(&u.sr, b);
    case RTCP_RR:
        return rtcp_parse_rr(&u.rr, b);
    case RTCP_SDES:
        return rtcp_parse_sdes(&u.sdes, b, NULL, NULL);
    case RTCP_BYE:
        return rtcp_parse_bye(&u.bye, b);
    case RTCP_RTPFB:
    case RTCP_PSFB:
        rc = rtcp_parse_fb(&fb, b);
        if (rc < 0)
            return rc;
        switch (fb.type) {
        case RTCP_FB_NACK:
            return rtcp_nack_foreach(&fb, nack_check, NULL);
        case RTCP_FB_FIR:
            return rtcp_parse_fir(&u.fir, &fb);
        case RTCP_FB_REMB:
            return rtcp_parse_remb(&u.remb, &fb);
        default:
            return 0;
        }
    default:
        return 0;
    }
}

struct nack_ctx {
    struct router *r;
    struct router_consumer *c;
    int64_t now_us;
};

static void nack_one(void *arg, uint16_t seq)
{
    struct nack_ctx *x = arg;

    router_fwd_retransmit(x->r, x->c, seq, x->now_us);
}

static void apply_fb(struct router *r, int64_t now_us, uint32_t peer, const struct rtcp_block *b)
{
    struct router_consumer *c;
    struct rtcp_fb fb;
    struct rtcp_fir fir;
    struct rtcp_remb remb;
    struct nack_ctx x;
    int slot;

    if (rtcp_parse_fb(&fb, b) < 0)
        return;
    switch (fb.type) {
    case RTCP_FB_NACK:
        r->stats.nacks_in++;
        c = router_find_consumer_ssrc(r, peer, fb.media_ssrc);
        if (c == NULL)
            return;
        x.r = r;
        x.c = c;
        x.now_us = now_us;
        (void)rtcp_nack_foreach(&fb, nack_one, &x);
        break;
    case RTCP_FB_PLI:
        r->stats.keyframe_requests_in++;
        c = router_find_consumer_ssrc(r, peer, fb.media_ssrc);
        if (c != NULL)
            consumer_keyframe(r, c, now_us);
        break;
    case RTCP_FB_FIR:
        if (rtcp_parse_fir(&fir, &fb) < 0)
            return;
        r->stats.keyframe_requests_in++;
        for (size_t i = 0; i < fir.count; i++) {
            c = router_find_consumer_ssrc(r, peer, fir.entries[i].ssrc);
            if (c != NULL)
                consumer_keyframe(r, c, now_us);
        }
        break;
    case RTCP_FB_REMB:
        if (rtcp_parse_remb(&remb, &fb) < 0)
            return;
        slot = router_peer_slot(r, peer);
        if (slot < 0)
            return;
        r->peers[slot].bps_remb = remb.bitrate_bps;
        if (r->peers[slot].bps_set == 0)
            router_layers_eval_peer(r, slot, now_us);
        break;
    default:
        break; /* transport-cc: the engine's */
    }
}

/* A subscriber's report blocks: a consumer whose packets stay lost (its
 * cumulative loss grows: RTX repairs do not count, late packets do) over
 * at least ROUTER_LOSSY_PACKETS is on a lossy downlink. Losses upstream
 * show only until the router forwards their repairs. */
static void note_loss(struct router *r, int64_t now_us, uint32_t peer,
                      const struct rtcp_report_block *rb, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct router_consumer *c = router_find_consumer_ssrc(r, peer, rb[i].ssrc);
        int64_t expected, lost;

        if (c == NULL)
            continue;
        expected = (int32_t)(rb[i].ext_highest_seq - c->rr_ext);
        lost = (int64_t)rb[i].cumulative_lost - c->rr_cumulative;
        if (c->rr_have && expected > 0 && expected < ROUTER_LOSSY_PACKETS)
            continue; /* too few packets yet to tell */
        if (c->rr_have && expected > 0 && expected < 0x8000 &&
            lost * 256 >= (int64_t)ROUTER_LOSSY_FRACTION * expected)
            c->lossy_until_us = now_us + ROUTER_LOSSY_US;
        c->rr_have = true;
        c->rr_ext = rb[i].ext_highest_seq;
        c->rr_cumulative = rb[i].cumulative_lost;
    }
}

void router_on_rtcp(struct router *r, int64_t now_us, uint32_t peer, const uint8_t *buf, size_t len)
{
    struct rtcp_iter it;
    struct rtcp_block b;
    struct rtcp_sr sr;
    struct rtcp_rr rr;

    router_begin(r, now_us);
    r->stats.rtcp_in++;
    if (buf == NULL || rtcp_validate(buf, len) < 0)
        goto bad;
    rtcp_iter_init(&it, buf, len);
    while (rtcp_iter_next(&it, &b)) {
        if (check_block(&b) < 0)
            goto bad;
    }
    if (it.err)
        goto bad;

    rtcp_iter_init(&it, buf, len);
    while (rtcp_iter_next(&it, &b)) {
        struct router_producer *p;
        struct router_stream *s;

        switch (b.pt) {
        case RTCP_SR:
            if (rtcp_parse_sr(&sr, &b) < 0)
                break;
            s = router_find_stream(r, peer, sr.ssrc, &p);
            if (s == NULL)
                break;
            s->has_sr = true;
            s->sr_lsr = (uint32_t)(sr.ntp >> 16);
            s->sr_rtp_ts = sr.rtp_ts;
            s->sr_recv_us = now_us;
            note_loss(r, now_us, peer, sr.reports, sr.report_count);
            break;
        case RTCP_RR:
            if (rtcp_parse_rr(&rr, &b) == 0)
                note_loss(r, now_us, peer, rr.reports, rr.report_count);
            break;
        case RTCP_RTPFB:
        case RTCP_PSFB:
            apply_fb(r, now_us, peer, &b);
            break;
        default:
            break;
        }
    }
    return;
bad:
    r->stats.rtcp_bad++;
}
