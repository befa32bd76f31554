/* The router's outputs (router.h, "Outputs"): each entry point queues what
 * it sends as router_pending entries, the caller takes them one by one with
 * router_poll and writes RTP and RTCP into its own buffer with router_write.
 *
 * RTP stays unwritten in the queue (which consumer, which segment, which
 * source bytes) until router_write, so the one copy of a forwarded packet
 * goes straight from the incoming packet (or the retransmission cache) into
 * the caller's buffer. That is safe because nothing changes the router, the
 * incoming packet or the cache between the call and the taking of its
 * outputs: the next call first drops what was not taken. RTCP is small and
 * built at once, into rtcp_out. */
#include <string.h>

#include "media/router_int.h"
#include "media/rd.h"

static void count_dropped(struct router *r, const struct router_pending *p)
{
    if (p->op == ROUTER_OP_RTCP)
        r->stats.rtcp_out_dropped++;
    else if (p->op != ROUTER_OP_EVENT)
        r->stats.rtp_out_dropped++;
}

void router_begin(struct router *r, int64_t now_us)
{
    /* The output polled last and not written, then everything not polled. */
    if (r->next_out > 0 && !r->out_written)
        count_dropped(r, &r->out[r->next_out - 1]);
    for (size_t i = r->next_out; i < r->n_out; i++)
        count_dropped(r, &r->out[i]);
    r->n_out = 0;
    r->next_out = 0;
    r->out_written = true;
    r->rtcp_used = 0;
    r->now_us = now_us;
}

struct router_pending *router_out_push(struct router *r)
{
    struct router_pending *p;

    if (r->n_out == ROUTER_OUT_MAX)
        return NULL;
    p = &r->out[r->n_out++];
    p->rtx = false; /* the one field not every kind sets */
    return p;
}

void router_rtcp_begin(struct router *r, struct wr *w)
{
    size_t left = sizeof(r->rtcp_out) - r->rtcp_used;

    wr_init(w, r->rtcp_out + r->rtcp_used, left < ROUTER_PKT_CAP ? left : ROUTER_PKT_CAP);
}

void router_emit_rtcp(struct router *r, uint32_t peer, const struct wr *w)
{
    const uint8_t *start = r->rtcp_out + r->rtcp_used;
    struct router_pending *p;

    if (!wr_ok(w)) { /* no room left for it in this call */
        r->stats.rtcp_out_dropped++;
        return;
    }
    if (w->p == start)
        return;
    p = router_out_push(r);
    if (p == NULL) {
        r->stats.rtcp_out_dropped++;
        return;
    }
    p->op = ROUTER_OP_RTCP;
    p->peer = peer;
    p->src = start;
    p->src_len = 0;
    p->len = (uint32_t)(w->p - start);
    r->rtcp_used += p->len;
}

void router_emit_event(struct router *r, enum router_event_kind kind, uint32_t producer,
                       uint32_t consumer, uint32_t peer, int layer)
{
    struct router_pending *p = router_out_push(r);

    if (p == NULL)
        return; /* state (layer, speaker) is still readable through router.h */
    p->op = ROUTER_OP_EVENT;
    p->peer = peer;
    p->len = 0;
    p->ev.kind = kind;
    p->ev.producer = producer;
    p->ev.consumer = consumer;
    p->ev.peer = peer;
    p->ev.layer = layer;
}

bool router_poll(struct router *r, struct router_output *out)
{
    const struct router_pending *p;

    if (r->next_out > 0 && !r->out_written)
        count_dropped(r, &r->out[r->next_out - 1]);
    r->out_written = true;
    if (r->next_out == r->n_out)
        return false;
    p = &r->out[r->next_out++];
    memset(out, 0, sizeof(*out));
    if (p->op == ROUTER_OP_EVENT) {
        out->kind = ROUTER_OUT_EVENT;
        out->event = p->ev;
        return true;
    }
    out->kind = p->op == ROUTER_OP_RTCP ? ROUTER_OUT_RTCP : ROUTER_OUT_RTP;
    out->peer = p->peer;
    out->len = p->len;
    r->out_written = false;
    return true;
}

size_t router_write(struct router *r, struct router_output *out, uint8_t *buf, size_t cap)
{
    const struct router_pending *p;
    size_t n = 0;

    if (r->out_written || buf == NULL || cap < ROUTER_PKT_CAP || out->kind == ROUTER_OUT_EVENT)
        return 0;
    p = &r->out[r->next_out - 1];
    if (out->peer != p->peer || out->len != p->len)
        return 0; /* not the output polled last */
    out->twcc_off = 0;
    switch ((enum router_op)p->op) {
    case ROUTER_OP_LIVE:
    case ROUTER_OP_RESEND:
        n = router_fwd_write(r, p, buf, &out->twcc_off);
        break;
    case ROUTER_OP_PROBE:
        n = router_pause_write_probe(p, buf, &out->twcc_off);
        break;
    case ROUTER_OP_RTCP:
        memcpy(buf, p->src, p->len);
        n = p->len;
        break;
    case ROUTER_OP_EVENT:
        return 0;
    }
    assert(n == p->len); /* what router_poll announced */
    r->out_written = true;
    return n;
}
