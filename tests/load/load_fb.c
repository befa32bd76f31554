/* A participant's loss repair and congestion feedback (load_fb.h). */
#include "tests/load/load_fb.h"

#include <string.h>

#include "base/err.h"
#include "media/srtp.h"

void lg_fb_pub_setup(struct lg_part *p)
{
    const struct lg_pub_feedback *f = &p->pub_fb;
    struct lg_video_pub *v = &p->video;

    p->audio.ext_twcc = f->ext_twcc;
    v->ext_twcc = f->ext_twcc;
    v->ext_rrid = f->ext_rrid;
    /* A simulcast layer's RTX SSRC is learnt from repaired-rtp-stream-id. */
    v->rtx_on = f->rtx_pt >= 0 && f->rtx_pt <= 127 && (v->n_layers == 1 || f->ext_rrid != 0);
    v->rtx_pt = (uint8_t)(f->rtx_pt >= 0 ? f->rtx_pt : 0);
}

void lg_fb_pub_packet(struct lg_part *p, struct lg_rtx_sender *hist, int64_t now_us, uint8_t *pkt,
                      size_t len)
{
    if (p->pub_fb.ext_twcc && lg_twcc_stamp(pkt, len, p->pub_fb.ext_twcc, p->fb.twcc_seq) == 0)
        p->fb.twcc_seq++;
    if (hist)
        lg_rtx_remember(hist, now_us, pkt, len);
}

static struct lg_rtx_sender *history(struct lg_video_pub *v, uint32_t ssrc)
{
    for (unsigned k = 0; k < v->n_layers; k++)
        if (v->ssrc[k] == ssrc && v->rtx[k].slot)
            return &v->rtx[k];
    return NULL;
}

void lg_fb_pub_rtcp(struct lg_part *p, struct lg_fb_scan *scan, int64_t now_us, const uint8_t *buf,
                    size_t len, lg_fb_send_fn send, void *arg)
{
    uint8_t out[LG_DGRAM_MAX];

    lg_fb_scan(scan, buf, len);
    p->fb.nacks_received += scan->nack_packets;
    p->fb.twcc_fb_received += scan->twcc_packets;
    p->fb.fb_bad += scan->bad;
    p->fb.nacked += scan->n_req + scan->req_dropped;
    for (size_t i = 0; i < scan->n_req; i++) {
        struct lg_rtx_sender *x = history(&p->video, scan->req[i].ssrc);
        if (!x)
            continue; /* audio, or a layer without RTX */
        int n = lg_rtx_build(x, now_us, scan->req[i].seq, out, sizeof out - SRTPX_MAX_TRAILER);
        if (n <= 0)
            continue;
        p->fb.rtx_sent++;
        send(arg, p, out, (size_t)n, sizeof out);
    }
}

int lg_fb_sub_start(struct lg_part *p)
{
    struct twcc_recv_cfg c = {.interval_us = LG_FB_TWCC_INTERVAL_US};

    p->fb.next_nack_us = INT64_MAX;
    return p->fb.twcc ? 0 : twcc_recv_create(&p->fb.twcc, &c);
}

void lg_fb_sub_map(struct lg_part *p, uint8_t ext_twcc, const struct lg_rtx_pair *pairs, size_t n)
{
    struct lg_part_fb *f = &p->fb;

    f->sub_ext_twcc = ext_twcc < 15 ? ext_twcc : 0;
    for (size_t i = 0; i < n; i++) {
        unsigned k;
        for (k = 0; k < f->n_rtx_map && f->rtx_map[k].rtx_ssrc != pairs[i].rtx_ssrc; k++)
            ;
        if (k == LG_MAX_RX)
            break;
        f->rtx_map[k] = pairs[i];
        if (k == f->n_rtx_map)
            f->n_rtx_map++;
    }
}

const struct lg_rtx_pair *lg_fb_sub_packet(struct lg_part *p, int64_t now_us,
                                           const struct rtp_packet *r)
{
    struct lg_part_fb *f = &p->fb;
    struct rtp_ext_elem el;
    uint16_t seq;

    if (f->twcc && f->sub_ext_twcc && r->extension && rtp_ext_find(r, f->sub_ext_twcc, &el) == 0 &&
        rtp_ext_read_twcc_seq(&el, &seq) == 0) {
        f->twcc_media_ssrc = r->ssrc;
        twcc_recv_packet(f->twcc, now_us, seq);
    }
    for (unsigned k = 0; k < f->n_rtx_map; k++)
        if (f->rtx_map[k].rtx_ssrc == r->ssrc && f->rtx_map[k].rtx_pt == r->pt)
            return &f->rtx_map[k];
    return NULL;
}

void lg_fb_sub_seq(struct lg_part *p, struct lg_rx_stream *s, int64_t now_us, uint16_t seq)
{
    lg_nack_rx_packet(&s->nack, now_us, seq);
    if (s->nack.n_miss > 0) {
        int64_t d = lg_nack_rx_deadline(&s->nack);
        if (d < p->fb.next_nack_us)
            p->fb.next_nack_us = d;
    }
}

int64_t lg_fb_sub_deadline(const struct lg_part *p)
{
    int64_t d = p->fb.twcc ? twcc_recv_next_deadline(p->fb.twcc) : INT64_MAX;
    return p->fb.next_nack_us < d ? p->fb.next_nack_us : d;
}

static void send_nacks(struct lg_part *p, int64_t now_us, lg_fb_send_fn send, void *arg)
{
    /* One NACK of LG_NACK_MAX numbers takes at most this (RFC 4585 §6.2.1). */
    const size_t one = 12 + 4 * LG_NACK_MAX;
    uint8_t buf[LG_DGRAM_MAX];
    struct wr w;
    int64_t next = INT64_MAX;

    wr_init(&w, buf, sizeof buf - SRTPX_MAX_TRAILER);
    for (unsigned i = 0; i < p->n_rx; i++) {
        struct lg_rx_stream *s = &p->rx[i];
        if (!s->is_video || s->nack.n_miss == 0)
            continue;
        if (wr_left(&w) < one) {
            send(arg, p, buf, (size_t)(w.p - buf), sizeof buf);
            wr_init(&w, buf, sizeof buf - SRTPX_MAX_TRAILER);
        }
        int k = lg_nack_rx_build(&s->nack, now_us, p->rtcp_ssrc, s->ssrc, &w);
        if (k > 0)
            p->fb.nacks_sent++;
        else if (k < 0)
            p->fb.fb_errors++;
        int64_t d = lg_nack_rx_deadline(&s->nack);
        if (d < next)
            next = d;
    }
    if (w.p > buf)
        send(arg, p, buf, (size_t)(w.p - buf), sizeof buf);
    p->fb.next_nack_us = next;
}

void lg_fb_sub_send(struct lg_part *p, int64_t now_us, lg_fb_send_fn send, void *arg)
{
    struct lg_part_fb *f = &p->fb;
    uint8_t buf[LG_DGRAM_MAX];
    int n;

    if (f->twcc && twcc_recv_next_deadline(f->twcc) <= now_us) {
        while ((n = twcc_recv_timeout(f->twcc, now_us, buf, sizeof buf - SRTPX_MAX_TRAILER,
                                      p->rtcp_ssrc, f->twcc_media_ssrc)) > 0) {
            f->twcc_fb_sent++;
            send(arg, p, buf, (size_t)n, sizeof buf);
        }
        if (n < 0)
            f->fb_errors++;
    }
    if (f->next_nack_us <= now_us)
        send_nacks(p, now_us, send, arg);
}

void lg_fb_free(struct lg_part *p)
{
    twcc_recv_destroy(p->fb.twcc);
    p->fb.twcc = NULL;
}
