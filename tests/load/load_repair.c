/* Loss repair and congestion feedback in the load generator
 * (load_repair.h). */
#include "tests/load/load_repair.h"

#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "media/rtp.h"

int lg_twcc_stamp(uint8_t *pkt, size_t len, uint8_t id, uint16_t seq)
{
    /* The builders' layout: no CSRC, one-byte block, twcc element first. */
    if (len >= 19 && (pkt[0] & 0x1f) == 0x10 && pkt[12] == 0xBE && pkt[13] == 0xDE &&
        pkt[16] == (uint8_t)(id << 4 | 1)) {
        wr_put_u16(pkt + 17, seq);
        return 0;
    }
    return rtp_ext_set_twcc_seq(pkt, len, id, seq);
}

static size_t put_string(uint8_t *out, size_t e, uint8_t id, const char *s)
{
    size_t n = s ? strlen(s) : 0;

    if (id == 0 || id > 14 || n == 0 || n > 16 || e + 1 + n > LG_RTX_EXT_MAX - 3)
        return e;
    out[e++] = (uint8_t)((unsigned)id << 4 | (unsigned)(n - 1));
    memcpy(out + e, s, n);
    return e + n;
}

size_t lg_ext_block(uint8_t *out, uint8_t twcc, uint8_t ext_mid, const char *mid, uint8_t sid_ext,
                    const char *sid)
{
    size_t e = 4;

    if (twcc >= 1 && twcc <= 14) {
        out[e++] = (uint8_t)((unsigned)twcc << 4 | 1);
        out[e++] = 0;
        out[e++] = 0;
    }
    e = put_string(out, e, ext_mid, mid);
    e = put_string(out, e, sid_ext, sid);
    if (e == 4)
        return 0;
    while ((e - 4) % 4)
        out[e++] = 0;
    wr_put_u16(out, 0xBEDE);
    wr_put_u16(out + 2, (uint16_t)((e - 4) / 4));
    return e;
}

/* ---- publisher ---- */

int lg_rtx_sender_init(struct lg_rtx_sender *x, const struct lg_rtx_sender_cfg *cfg)
{
    memset(x, 0, sizeof *x);
    if (cfg->rtx_pt > 127 || cfg->ssrc == cfg->rtx_ssrc || cfg->ext_len > LG_RTX_EXT_MAX ||
        cfg->ext_len % 4 != 0 || (cfg->ext_len > 0 && cfg->ext == NULL))
        return ERR_INVAL;
    x->cfg = *cfg;
    if (cfg->ext_len > 0)
        memcpy(x->ext, cfg->ext, cfg->ext_len);
    x->cfg.ext = NULL;
    x->rtx_seq = cfg->first_rtx_seq;
    x->slot = calloc(LG_RTX_SLOTS, sizeof *x->slot);
    return x->slot ? 0 : ERR_NOMEM;
}

void lg_rtx_sender_free(struct lg_rtx_sender *x)
{
    free(x->slot);
    x->slot = NULL;
}

void lg_rtx_remember(struct lg_rtx_sender *x, int64_t now_us, const uint8_t *pkt, size_t len)
{
    if (!x->slot || len < RTP_HEADER_MIN)
        return;
    if (len > LG_RTX_SLOT_MAX) {
        x->too_long++;
        return;
    }
    uint16_t seq = (uint16_t)((unsigned)pkt[2] << 8 | pkt[3]);
    struct lg_rtx_slot *s = &x->slot[seq % LG_RTX_SLOTS];
    s->sent_us = now_us;
    s->resent_us = 0;
    s->seq = seq;
    s->len = (uint16_t)len;
    memcpy(s->pkt, pkt, len);
    x->remembered++;
}

int lg_rtx_build(struct lg_rtx_sender *x, int64_t now_us, uint16_t seq, uint8_t *out, size_t cap)
{
    struct lg_rtx_slot *s = x->slot ? &x->slot[seq % LG_RTX_SLOTS] : NULL;
    struct rtp_packet p;

    x->nacked++;
    if (!s || s->len == 0 || s->seq != seq || now_us - s->sent_us > LG_RTX_MAX_AGE_US ||
        rtp_parse(&p, s->pkt, s->len) != 0) {
        x->unknown++;
        return 0;
    }
    if (s->resent_us != 0 && now_us - s->resent_us < LG_RTX_HOLDOFF_US) {
        x->held++;
        return 0;
    }
    size_t ext_len = x->cfg.ext_len, n = RTP_HEADER_MIN + ext_len + 2 + p.payload_len;
    if (n > cap)
        return ERR_TOOBIG;
    out[0] = (uint8_t)(0x80 | (ext_len ? 0x10 : 0)); /* no padding, no CSRC */
    out[1] = (uint8_t)((p.marker ? 0x80 : 0) | x->cfg.rtx_pt);
    wr_put_u16(out + 2, x->rtx_seq);
    wr_put_u32(out + 4, p.timestamp);
    wr_put_u32(out + 8, x->cfg.rtx_ssrc);
    memcpy(out + RTP_HEADER_MIN, x->ext, ext_len);
    wr_put_u16(out + RTP_HEADER_MIN + ext_len, seq);
    memcpy(out + RTP_HEADER_MIN + ext_len + 2, p.payload, p.payload_len);
    x->rtx_seq++;
    s->resent_us = now_us;
    x->resent++;
    return (int)n;
}

struct scan_ctx {
    struct lg_fb_scan *s;
    uint32_t ssrc;
};

static void on_nacked(void *arg, uint16_t seq)
{
    struct scan_ctx *c = arg;

    if (c->s->n_req == LG_FB_SCAN_REQ) {
        c->s->req_dropped++;
        return;
    }
    c->s->req[c->s->n_req++] = (struct lg_fb_req){.ssrc = c->ssrc, .seq = seq};
}

void lg_fb_scan(struct lg_fb_scan *s, const uint8_t *buf, size_t len)
{
    struct rtcp_iter it;
    struct rtcp_block b;

    s->n_req = 0;
    s->nack_packets = s->twcc_packets = s->bad = s->req_dropped = 0;
    rtcp_iter_init(&it, buf, len);
    while (rtcp_iter_next(&it, &b)) {
        struct rtcp_fb fb;
        struct rtcp_twcc tw;

        if (b.pt != RTCP_RTPFB || rtcp_parse_fb(&fb, &b) != 0)
            continue;
        if (fb.type == RTCP_FB_NACK) {
            struct scan_ctx c = {.s = s, .ssrc = fb.media_ssrc};
            if (rtcp_nack_foreach(&fb, on_nacked, &c) == 0)
                s->nack_packets++;
            else
                s->bad++;
        } else if (fb.type == RTCP_FB_TWCC) {
            if (rtcp_parse_twcc(&tw, s->twcc, LG_FB_SCAN_TWCC, &fb) == 0)
                s->twcc_packets++;
            else
                s->bad++;
        }
    }
}

/* ---- subscriber ---- */

static void give_up_first(struct lg_nack_rx *n, size_t k)
{
    memmove(&n->miss[0], &n->miss[k], (n->n_miss - k) * sizeof n->miss[0]);
    n->n_miss -= k;
    n->given_up += k;
}

static void add_missing(struct lg_nack_rx *n, int64_t from, int64_t to, int64_t now_us)
{
    int64_t count = to - from;

    n->missing += (uint64_t)count;
    if (count > LG_NACK_MAX) {
        n->given_up += (uint64_t)(count - LG_NACK_MAX);
        from = to - LG_NACK_MAX;
        count = LG_NACK_MAX;
    }
    if (n->n_miss + (size_t)count > LG_NACK_MAX)
        give_up_first(n, n->n_miss + (size_t)count - LG_NACK_MAX);
    for (int64_t e = from; e < to; e++)
        n->miss[n->n_miss++] = (struct lg_nack_miss){.ext = e, .next_us = now_us};
}

void lg_nack_rx_packet(struct lg_nack_rx *n, int64_t now_us, uint16_t seq)
{
    if (!n->started) {
        n->started = true;
        n->max = (int64_t)1 << 32 | seq;
        return;
    }
    int16_t d = (int16_t)(uint16_t)(seq - (uint16_t)n->max);
    int64_t ext = n->max + d;
    if (d > 0) {
        if (d > 1)
            add_missing(n, n->max + 1, ext, now_us);
        n->max = ext;
        return;
    }
    for (size_t i = 0; i < n->n_miss; i++) {
        if (n->miss[i].ext == ext) {
            memmove(&n->miss[i], &n->miss[i + 1], (n->n_miss - i - 1) * sizeof n->miss[0]);
            n->n_miss--;
            n->recovered++;
            return;
        }
    }
}

int64_t lg_nack_rx_deadline(const struct lg_nack_rx *n)
{
    int64_t d = INT64_MAX;

    for (size_t i = 0; i < n->n_miss; i++)
        if (n->miss[i].next_us < d)
            d = n->miss[i].next_us;
    return d;
}

int lg_nack_rx_build(struct lg_nack_rx *n, int64_t now_us, uint32_t sender_ssrc,
                     uint32_t media_ssrc, struct wr *w)
{
    uint16_t seqs[LG_NACK_MAX];
    size_t k = 0, keep = 0;

    /* Due after their last try: given up. */
    for (size_t i = 0; i < n->n_miss; i++) {
        if (n->miss[i].next_us <= now_us && n->miss[i].tries >= LG_NACK_TRIES)
            n->given_up++;
        else
            n->miss[keep++] = n->miss[i];
    }
    n->n_miss = keep;
    for (size_t i = 0; i < n->n_miss; i++)
        if (n->miss[i].next_us <= now_us)
            seqs[k++] = (uint16_t)n->miss[i].ext;
    if (k == 0)
        return 0;
    if (rtcp_build_nack(w, sender_ssrc, media_ssrc, seqs, k) != 0 || !wr_ok(w))
        return ERR_TOOBIG;
    for (size_t i = 0; i < n->n_miss; i++) {
        struct lg_nack_miss *m = &n->miss[i];
        if (m->next_us <= now_us) {
            m->tries++;
            m->next_us = now_us + LG_NACK_RETRY_US;
        }
    }
    n->requests += k;
    n->nacks++;
    return (int)k;
}

int lg_rtx_unwrap(const uint8_t *rtx, size_t len, uint8_t pt, uint32_t ssrc, uint8_t *out,
                  size_t cap)
{
    struct rtp_packet p;

    if (rtp_parse(&p, rtx, len) != 0 || pt > 127)
        return ERR_PARSE;
    if (p.payload_len < 2)
        return 0;
    size_t n = p.header_len + p.payload_len - 2;
    if (n > cap)
        return ERR_TOOBIG;
    memcpy(out, rtx, p.header_len);
    memcpy(out + p.header_len, p.payload + 2, p.payload_len - 2);
    out[0] &= (uint8_t)~0x20; /* the RTX's padding is its own */
    out[1] = (uint8_t)((out[1] & 0x80) | pt);
    wr_put_u16(out + 2, (uint16_t)((unsigned)p.payload[0] << 8 | p.payload[1]));
    wr_put_u32(out + 8, ssrc);
    return (int)n;
}
