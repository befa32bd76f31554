/* Test harness for media/router: a room on a fake clock with a VP8
 * simulcast camera (three layers) and an Opus microphone from peer PUB,
 * packet builders for the publishers, capture of everything the router
 * outputs, and helpers that parse it. Shared by test_router.c (objects,
 * forwarding, rewriting, speaker), test_router_layers.c (layer choice and
 * switching) and test_router_rtcp.c (repair, keyframes, reports, hostile
 * RTCP). */
#ifndef SAMTALE_TESTS_ROUTER_HARNESS_H
#define SAMTALE_TESTS_ROUTER_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/router.h"
#include "media/rtcp.h"
#include "media/rtp.h"
#include "base/err.h"

#define MS 1000LL
#define SEC 1000000LL

enum {
    CAM = 100,
    MIC = 101,
    SCREEN = 102,
    PUB = 1, /* the publishing peer */
    SUB = 2, /* subscribing peers */
    SUB2 = 3,
    C1 = 200, /* consumers */
    C2 = 201,
    C3 = 202,
    C4 = 203,
};

/* Publisher extension ids. */
enum { X_LEVEL = 1, X_AST = 2, X_TWCC = 3, X_MID = 4, X_RID = 5, X_RRID = 6 };

/* ---- capture ---- */

#define MAX_OUT 3000
struct sent {
    int64_t at; /* g_now when it was taken */
    uint32_t peer;
    bool rtcp;
    size_t len;
    size_t twcc_off; /* router_output.twcc_off */
    uint8_t buf[ROUTER_PKT_CAP];
};

static struct sent g_out[MAX_OUT];
static size_t g_n_out;
static struct router_event g_ev[512];
static size_t g_n_ev;
static struct router *g_r;
static int64_t g_now;
/* RTP outputs drain() still writes: SIZE_MAX any number (the engine
 * without a pool packet writes none). */
static size_t g_write_left = SIZE_MAX;

/* Takes every output of the last router call, as the engine does after
 * each call: RTP and RTCP written into a buffer full of junk and captured
 * (the capture's buffer then scribbled on, as SRTP would), events captured. */
static inline void drain(void)
{
    struct router_output o;
    uint8_t buf[ROUTER_PKT_CAP];

    while (router_poll(g_r, &o)) {
        size_t n;

        if (o.kind == ROUTER_OUT_EVENT) {
            if (g_n_ev < sizeof(g_ev) / sizeof(g_ev[0]))
                g_ev[g_n_ev++] = o.event;
            continue;
        }
        assert_true(o.len > 0 && o.len <= ROUTER_PKT_CAP);
        if (o.kind == ROUTER_OUT_RTP && g_write_left != SIZE_MAX) {
            if (g_write_left == 0)
                continue;
            g_write_left--;
        }
        memset(buf, 0xA5, sizeof(buf));
        n = router_write(g_r, &o, buf, sizeof(buf));
        assert_int_equal(n, o.len);
        assert_int_equal(router_write(g_r, &o, buf, sizeof(buf)), 0); /* once */
        if (o.twcc_off != 0) { /* a transport-cc element with two data bytes */
            assert_true(o.kind == ROUTER_OUT_RTP && o.twcc_off + 2 <= n);
            assert_int_equal(buf[o.twcc_off - 1] & 0x0f, 1);
        }
        if (g_n_out == MAX_OUT)
            continue;
        g_out[g_n_out].at = g_now;
        g_out[g_n_out].peer = o.peer;
        g_out[g_n_out].rtcp = o.kind == ROUTER_OUT_RTCP;
        g_out[g_n_out].len = n;
        g_out[g_n_out].twcc_off = o.twcc_off;
        memcpy(g_out[g_n_out].buf, buf, n);
        g_n_out++;
    }
}

/* Calls into the router, each followed by drain(). */
static inline int rt_add_producer(struct router *r, const struct router_producer_cfg *c)
{
    int rc = router_add_producer(r, c);

    drain();
    return rc;
}

static inline int rt_remove_producer(struct router *r, uint32_t id)
{
    int rc = router_remove_producer(r, id);

    drain();
    return rc;
}

static inline int rt_add_consumer(struct router *r, const struct router_consumer_cfg *c)
{
    int rc = router_add_consumer(r, c);

    drain();
    return rc;
}

static inline int rt_remove_consumer(struct router *r, uint32_t id)
{
    int rc = router_remove_consumer(r, id);

    drain();
    return rc;
}

static inline void rt_remove_peer(struct router *r, uint32_t peer)
{
    router_remove_peer(r, peer);
    drain();
}

static inline int rt_set_prefs(struct router *r, uint32_t consumer, const struct router_prefs *p)
{
    int rc = router_set_prefs(r, consumer, p);

    drain();
    return rc;
}

static inline void rt_set_peer_bitrate(struct router *r, uint32_t peer, uint64_t bps)
{
    router_set_peer_bitrate(r, peer, bps);
    drain();
}

static inline int rt_send_probe(struct router *r, int64_t now_us, uint32_t peer, size_t count)
{
    int rc = router_send_probe(r, now_us, peer, count);

    drain();
    return rc;
}

static inline void rt_timeout(struct router *r, int64_t now_us)
{
    router_timeout(r, now_us);
    drain();
}

/* RTP given parsed (as the engine does) when it parses, else raw. */
static inline void rt_on_rtp(struct router *r, int64_t now_us, uint32_t peer, const uint8_t *b,
                             size_t n)
{
    struct rtp_packet k;

    router_on_rtp(r, now_us, peer, b, n, b != NULL && rtp_parse(&k, b, n) == 0 ? &k : NULL);
    drain();
}

static inline void rt_on_rtcp(struct router *r, int64_t now_us, uint32_t peer, const uint8_t *b,
                              size_t n)
{
    router_on_rtcp(r, now_us, peer, b, n);
    drain();
}

static inline struct router_stats stats(void)
{
    struct router_stats s;

    router_get_stats(g_r, &s);
    return s;
}

/* ---- publishers ---- */

struct pub {
    uint32_t peer;
    uint32_t ssrc;
    uint8_t pt;
    uint16_t seq;
    uint32_t ts;
    uint16_t pid;
    uint8_t tl0;
    const char *rid;
};

static struct pub g_layer[3], g_mic, g_screen;

struct pkt_opts {
    uint32_t ssrc;
    uint8_t pt;
    uint16_t seq;
    uint32_t ts;
    bool marker;
    bool vp8, key, start;
    uint16_t pid;
    uint8_t tl0;
    bool audio, voice;
    uint8_t level;
    const char *rid, *rrid, *mid;
    size_t payload;     /* bytes after the VP8 descriptor (or all, for audio) */
    const uint8_t *raw; /* payload as is (H.264) */
};

static inline size_t build_pkt(uint8_t *b, size_t cap, const struct pkt_opts *o)
{
    struct wr w;
    uint8_t *ext_len;
    size_t ext_start, n;

    wr_init(&w, b, cap);
    wr_u8(&w, 0x90);
    wr_u8(&w, (uint8_t)((o->marker ? 0x80 : 0) | o->pt));
    wr_u16(&w, o->seq);
    wr_u32(&w, o->ts);
    wr_u32(&w, o->ssrc);
    wr_u16(&w, RTP_EXT_PROFILE_ONE_BYTE);
    ext_len = wr_reserve(&w, 2);
    ext_start = (size_t)(w.p - b);
    if (o->audio) {
        wr_u8(&w, X_LEVEL << 4 | 0);
        wr_u8(&w, (uint8_t)((o->voice ? 0x80 : 0) | o->level));
    }
    wr_u8(&w, X_AST << 4 | 2);
    wr_u24(&w, 0x123456);
    wr_u8(&w, X_TWCC << 4 | 1);
    wr_u16(&w, 0x0042);
    if (o->mid != NULL) {
        wr_u8(&w, (uint8_t)(X_MID << 4 | (strlen(o->mid) - 1)));
        wr_bytes(&w, o->mid, strlen(o->mid));
    }
    if (o->rid != NULL) {
        wr_u8(&w, (uint8_t)(X_RID << 4 | (strlen(o->rid) - 1)));
        wr_bytes(&w, o->rid, strlen(o->rid));
    }
    if (o->rrid != NULL) {
        wr_u8(&w, (uint8_t)(X_RRID << 4 | (strlen(o->rrid) - 1)));
        wr_bytes(&w, o->rrid, strlen(o->rrid));
    }
    while (((size_t)(w.p - b) - ext_start) % 4 != 0)
        wr_u8(&w, 0);
    assert_non_null(ext_len);
    wr_put_u16(ext_len, (uint16_t)(((size_t)(w.p - b) - ext_start) / 4));
    if (o->vp8) {
        wr_u8(&w, o->start ? 0x90 : 0x80); /* X, S, PID 0 */
        wr_u8(&w, 0xC0);                   /* I, L */
        wr_u16(&w, (uint16_t)(0x8000 | (o->pid & 0x7fff)));
        wr_u8(&w, o->tl0);
        wr_u8(&w, o->key ? 0x10 : 0x11); /* VP8 payload header: P = !key */
    }
    if (o->raw != NULL)
        wr_bytes(&w, o->raw, o->payload);
    else
        for (size_t i = 0; i < o->payload; i++)
            wr_u8(&w, (uint8_t)(o->seq + i));
    assert_false(w.err);
    n = (size_t)(w.p - b);
    return n;
}

static inline void rtp_in(uint32_t peer, const uint8_t *b, size_t n)
{
    rt_on_rtp(g_r, g_now, peer, b, n);
}

static inline void rtcp_in(uint32_t peer, const uint8_t *b, size_t n)
{
    rt_on_rtcp(g_r, g_now, peer, b, n);
}

/* Sends one VP8 frame of npk packets of size bytes each. */
static inline void send_frame(struct pub *p, bool key, size_t npk, size_t size)
{
    uint8_t b[ROUTER_PKT_CAP];

    for (size_t i = 0; i < npk; i++) {
        struct pkt_opts o;

        memset(&o, 0, sizeof(o));
        o.ssrc = p->ssrc;
        o.pt = p->pt;
        o.seq = p->seq++;
        o.ts = p->ts;
        o.marker = i + 1 == npk;
        o.vp8 = true;
        o.key = key;
        o.start = i == 0;
        o.pid = p->pid;
        o.tl0 = p->tl0;
        o.payload = size;
        rtp_in(p->peer, b, build_pkt(b, sizeof(b), &o));
    }
    p->ts += 3000;
    p->pid = (uint16_t)((p->pid + 1) & 0x7fff);
    p->tl0++;
}

static inline void send_audio(struct pub *p, bool voice, uint8_t level)
{
    uint8_t b[ROUTER_PKT_CAP];
    struct pkt_opts o;

    memset(&o, 0, sizeof(o));
    o.ssrc = p->ssrc;
    o.pt = p->pt;
    o.seq = p->seq++;
    o.ts = p->ts;
    o.audio = true;
    o.voice = voice;
    o.level = level;
    o.payload = 60;
    rtp_in(p->peer, b, build_pkt(b, sizeof(b), &o));
    p->ts += 960;
}

static inline void advance(int64_t us)
{
    int64_t end = g_now + us;

    while (g_now < end) {
        g_now += g_now + 10 * MS <= end ? 10 * MS : end - g_now;
        rt_timeout(g_r, g_now);
    }
}

static const size_t npk[3] = {2, 3, 5};
static const size_t psize[3] = {200, 500, 1000};

/* One frame on every layer (keyframes on the layers in keymask), then 33 ms. */
static inline void frame_all(unsigned keymask)
{
    for (int l = 0; l < 3; l++)
        send_frame(&g_layer[l], (keymask >> l & 1) != 0, npk[l], psize[l]);
    advance(33 * MS);
}

/* ---- the room ---- */

static inline void pub_ext(struct router_ext_ids *e)
{
    memset(e, 0, sizeof(*e));
    e->audio_level = X_LEVEL;
    e->abs_send_time = X_AST;
    e->twcc = X_TWCC;
    e->mid = X_MID;
    e->rid = X_RID;
    e->repaired_rid = X_RRID;
}

static inline void cam_cfg(struct router_producer_cfg *p, uint32_t ssrc_base)
{
    static const char *const rids[3] = {"q", "h", "f"};

    memset(p, 0, sizeof(*p));
    p->id = CAM;
    p->peer = PUB;
    p->kind = ROUTER_VIDEO;
    p->source = ROUTER_SOURCE_CAMERA;
    p->codec = ROUTER_CODEC_VP8;
    p->pt = 96;
    p->rtx_pt = 97;
    p->clock_rate = 90000;
    p->n_layers = 3;
    for (unsigned l = 0; l < 3; l++) {
        p->layers[l].ssrc = ssrc_base + 0x10 * l;
        p->layers[l].rtx_ssrc = ssrc_base + 0x10 * l + 1;
        memcpy(p->layers[l].rid, rids[l], 2);
        p->layers[l].width = (uint16_t)(320 << l);
        p->layers[l].height = (uint16_t)(180 << l);
    }
    pub_ext(&p->ext);
}

static inline void mic_cfg(struct router_producer_cfg *p, uint32_t id, uint32_t peer, uint32_t ssrc)
{
    memset(p, 0, sizeof(*p));
    p->id = id;
    p->peer = peer;
    p->kind = ROUTER_AUDIO;
    p->source = ROUTER_SOURCE_MIC;
    p->codec = ROUTER_CODEC_OPUS;
    p->pt = 111;
    p->rtx_pt = -1;
    p->clock_rate = 48000;
    p->n_layers = 1;
    p->layers[0].ssrc = ssrc;
    pub_ext(&p->ext);
}

static inline void screen_cfg(struct router_producer_cfg *p)
{
    memset(p, 0, sizeof(*p));
    p->id = SCREEN;
    p->peer = PUB;
    p->kind = ROUTER_VIDEO;
    p->source = ROUTER_SOURCE_SCREEN;
    p->codec = ROUTER_CODEC_VP8;
    p->pt = 96;
    p->rtx_pt = 97;
    p->clock_rate = 90000;
    p->n_layers = 1;
    p->layers[0].ssrc = 0x3330;
    p->layers[0].width = 1920;
    p->layers[0].height = 1080;
    pub_ext(&p->ext);
}

static inline void cons_cfg(struct router_consumer_cfg *c, uint32_t id, uint32_t producer,
                            uint32_t peer, uint32_t ssrc, bool rtx)
{
    memset(c, 0, sizeof(*c));
    c->id = id;
    c->producer = producer;
    c->peer = peer;
    c->ssrc = ssrc;
    c->pt = (uint8_t)(100 + (id - C1) % 8 * 2);
    c->rtx_pt = rtx ? c->pt + 1 : -1;
    c->rtx_ssrc = rtx ? ssrc + 1 : 0;
    c->ext.abs_send_time = 3;
    c->ext.twcc = 5;
    c->ext.audio_level = 9;
}

static inline void add_consumer(uint32_t id, uint32_t producer, uint32_t peer, uint32_t ssrc,
                                bool rtx)
{
    struct router_consumer_cfg c;

    cons_cfg(&c, id, producer, peer, ssrc, rtx);
    assert_int_equal(rt_add_consumer(g_r, &c), 0);
}

static inline void set_height(uint32_t consumer, uint16_t h)
{
    struct router_prefs p;

    memset(&p, 0, sizeof(p));
    p.max_height = h;
    assert_int_equal(rt_set_prefs(g_r, consumer, &p), 0);
}

static inline void init_pubs(uint32_t ssrc_base)
{
    for (int l = 0; l < 3; l++) {
        memset(&g_layer[l], 0, sizeof(g_layer[l]));
        g_layer[l].peer = PUB;
        g_layer[l].ssrc = ssrc_base + 0x10u * (unsigned)l;
        g_layer[l].pt = 96;
        g_layer[l].seq = (uint16_t)(1000 * (l + 1));
        g_layer[l].ts = 100000u * (unsigned)(l + 1);
        g_layer[l].pid = (uint16_t)(100 * (l + 1));
        g_layer[l].tl0 = (uint8_t)(10 * (l + 1));
    }
}

/* A room with a 3-layer camera and a microphone on PUB; cache_packets is
 * router_cfg.rtx_cache_packets (0: the default). */
static inline int setup_cache(void **state, size_t cache_packets)
{
    struct router_cfg cfg;
    struct router_producer_cfg p;

    (void)state;
    g_n_out = 0;
    g_n_ev = 0;
    g_now = 1 * SEC;
    memset(&cfg, 0, sizeof(cfg));
    cfg.now_us = g_now;
    cfg.rtx_cache_packets = cache_packets;
    assert_int_equal(router_create(&g_r, &cfg), 0);
    cam_cfg(&p, 0x1110);
    assert_int_equal(rt_add_producer(g_r, &p), 0);
    mic_cfg(&p, MIC, PUB, 0x2220);
    assert_int_equal(rt_add_producer(g_r, &p), 0);
    init_pubs(0x1110);
    memset(&g_mic, 0, sizeof(g_mic));
    g_mic.peer = PUB;
    g_mic.ssrc = 0x2220;
    g_mic.pt = 111;
    g_mic.seq = 7000;
    memset(&g_screen, 0, sizeof(g_screen));
    g_screen.peer = PUB;
    g_screen.ssrc = 0x3330;
    g_screen.pt = 96;
    g_screen.seq = 9000;
    return 0;
}

static inline int setup(void **state)
{
    return setup_cache(state, 0);
}

static inline int teardown(void **state)
{
    (void)state;
    router_destroy(g_r);
    g_r = NULL;
    return 0;
}

/* ---- looking at the output ---- */

static inline size_t mark(void)
{
    return g_n_out;
}

/* The RTP packets sent to a peer with this SSRC since `from`. */
static inline size_t rtp_out(size_t from, uint32_t peer, uint32_t ssrc, size_t *idx, size_t cap)
{
    size_t n = 0;

    for (size_t i = from; i < g_n_out; i++) {
        struct rtp_packet k;

        if (g_out[i].peer != peer || g_out[i].rtcp)
            continue;
        assert_int_equal(rtp_parse(&k, g_out[i].buf, g_out[i].len), 0);
        if (k.ssrc == ssrc && n < cap)
            idx[n++] = i;
    }
    return n;
}

struct seen {
    bool any;
    uint16_t seq;
    uint32_t ts;
    uint16_t pid;
    uint8_t tl0;
};

/* Asserts exact continuity: seq + 1, ts not going back, PictureID and
 * TL0PICIDX the same or + 1. Returns the number of packets checked. */
static inline size_t check_continuity(size_t from, uint32_t peer, uint32_t ssrc, struct seen *st)
{
    static size_t idx[MAX_OUT];
    size_t n = rtp_out(from, peer, ssrc, idx, MAX_OUT);

    for (size_t i = 0; i < n; i++) {
        struct rtp_packet k;
        struct rtp_vp8_desc d;

        assert_int_equal(rtp_parse(&k, g_out[idx[i]].buf, g_out[idx[i]].len), 0);
        assert_int_equal(rtp_vp8_parse(&d, k.payload, k.payload_len), 0);
        if (st->any) {
            uint16_t dp = (uint16_t)((d.picture_id - st->pid) & 0x7fff);
            uint8_t dt = (uint8_t)(d.tl0picidx - st->tl0);

            assert_int_equal(k.seq, (uint16_t)(st->seq + 1));
            assert_true((int32_t)(k.timestamp - st->ts) >= 0);
            assert_true(dp <= 1);
            assert_true(dt <= 1);
            /* A new picture has a new timestamp, and the other way round. */
            assert_int_equal(dp == 1, k.timestamp != st->ts);
        }
        st->any = true;
        st->seq = k.seq;
        st->ts = k.timestamp;
        st->pid = d.picture_id;
        st->tl0 = d.tl0picidx;
    }
    return n;
}

static inline size_t count_fb(size_t from, uint32_t peer, enum rtcp_fb_type type,
                              uint32_t media_ssrc)
{
    size_t n = 0;

    for (size_t i = from; i < g_n_out; i++) {
        struct rtcp_iter it;
        struct rtcp_block b;

        if (g_out[i].peer != peer || !g_out[i].rtcp)
            continue;
        assert_int_equal(rtcp_validate(g_out[i].buf, g_out[i].len), 0);
        rtcp_iter_init(&it, g_out[i].buf, g_out[i].len);
        while (rtcp_iter_next(&it, &b)) {
            struct rtcp_fb fb;

            if ((b.pt == RTCP_RTPFB || b.pt == RTCP_PSFB) && rtcp_parse_fb(&fb, &b) == 0 &&
                fb.type == type && fb.media_ssrc == media_ssrc)
                n++;
        }
    }
    return n;
}

/* Builds a subscriber's RTCP feedback packet. */
static inline size_t build_nack(uint8_t *b, size_t cap, uint32_t media, const uint16_t *seqs,
                                size_t n)
{
    struct wr w;

    wr_init(&w, b, cap);
    assert_int_equal(rtcp_build_nack(&w, 0xC0FFEE, media, seqs, n), 0);
    return (size_t)(w.p - b);
}

static inline void send_pli(uint32_t peer, uint32_t media)
{
    uint8_t b[64];
    struct wr w;

    wr_init(&w, b, sizeof(b));
    assert_int_equal(rtcp_build_pli(&w, 0xC0FFEE, media), 0);
    rtcp_in(peer, b, (size_t)(w.p - b));
}

/* The subscriber's receiver report on consumer ssrc: cumulative `lost` of
 * packets up to `ext`. */
static inline void report_loss(uint32_t ssrc, uint32_t ext, int32_t lost)
{
    uint8_t b[128];
    struct rtcp_rr rr;
    struct wr w;

    memset(&rr, 0, sizeof(rr));
    rr.ssrc = 0xC0FFEE;
    rr.report_count = 1;
    rr.reports[0].ssrc = ssrc;
    rr.reports[0].ext_highest_seq = ext;
    rr.reports[0].cumulative_lost = lost;
    rr.reports[0].fraction_lost = 255; /* not what counts */
    wr_init(&w, b, sizeof(b));
    assert_int_equal(rtcp_build_rr(&w, &rr), 0);
    rtcp_in(SUB, b, (size_t)(w.p - b));
}

/* A consumer of the camera on layer `layer` (by size), forwarding. */
static inline void start_on_layer(uint32_t id, uint32_t peer, uint32_t ssrc, bool rtx, int layer)
{
    add_consumer(id, CAM, peer, ssrc, rtx);
    set_height(id, (uint16_t)(180 << layer));
    frame_all(0);
    frame_all(1u << layer);
    assert_int_equal(router_consumer_layer(g_r, id), layer);
}

/* ---- more output helpers ---- */

/* The out packet of consumer `ssrc` with this seq, first sent since from. */
static inline const struct sent *find_out(size_t from, uint32_t peer, uint32_t ssrc, uint16_t seq)
{
    for (size_t i = from; i < g_n_out; i++) {
        struct rtp_packet k;

        if (g_out[i].peer != peer || g_out[i].rtcp)
            continue;
        if (rtp_parse(&k, g_out[i].buf, g_out[i].len) == 0 && k.ssrc == ssrc && k.seq == seq)
            return &g_out[i];
    }
    return NULL;
}

/* Seqs asked for in NACKs to the publisher since from. */
static inline size_t upstream_nacks(size_t from, uint32_t media, uint16_t *seqs, size_t cap)
{
    size_t n = 0;

    for (size_t i = from; i < g_n_out; i++) {
        struct rtcp_iter it;
        struct rtcp_block b;

        if (g_out[i].peer != PUB || !g_out[i].rtcp)
            continue;
        rtcp_iter_init(&it, g_out[i].buf, g_out[i].len);
        while (rtcp_iter_next(&it, &b)) {
            struct rtcp_fb fb;
            size_t k = 0;

            if (b.pt != RTCP_RTPFB || rtcp_parse_fb(&fb, &b) < 0 || fb.type != RTCP_FB_NACK ||
                fb.media_ssrc != media)
                continue;
            assert_int_equal(fb.sender_ssrc, ROUTER_RTCP_SSRC);
            assert_int_equal(rtcp_parse_nack(&fb, seqs + n, cap - n, &k), 0);
            n += k;
        }
    }
    return n;
}

static inline uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

#endif
