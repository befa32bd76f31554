/* The router's per-packet cost (no sockets, no SRTP; each output is
 * written by router_write into one buffer and read), CPU time of this
 * thread, median of RUNS rounds:
 *
 *   small room  one VP8 camera (three simulcast layers, 1100-byte packets,
 *               one-byte extensions) forwarded on its top layer to two
 *               subscribers: ns per incoming packet of the forwarded layer
 *               (written, rewritten, twice) and of a layer nobody takes
 *               (cached only)
 *   full room   the same camera added last to a router holding
 *               ROUTER_MAX_PRODUCERS producers of 63 peers and 506 consumers
 *               (each peer publishes a microphone and takes 8 others'): the
 *               same two packets, and per RTCP packet from a subscriber of
 *               the camera: a receiver report block, a PLI, a NACK of one
 *               packet (answered from the cache)
 *
 * The lookups by SSRC and peer are what the full room adds; any difference
 * between the two rooms' packet figures is theirs.
 *
 * And the forwarding path past the router as the engine runs it
 * (engine_room.c send_output, engine.c), in the small room, per incoming
 * packet of the forwarded layer (two packets out): the packet parsed once
 * and its view given to the router, each output written into a pool packet,
 * the transport-cc stamp at the offset the router gives, SRTP protect in
 * place (AEAD-AES-128-GCM, our srtpx; the transport's protect is this call)
 * and the packet queued for the worker's batch (WORKER_TX_BATCH, then put
 * back: the send itself is measured by bench_probe).
 *   make bench-router   (release build; see docs/BENCHMARKS.md) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/bench/bench.h"
#include "media/bwe.h"
#include "media/pool.h"
#include "media/rd.h"
#include "media/srtp.h"
#include "media/worker.h"
#include "media/router.h"
#include "media/rtcp.h"
#include "media/rtp.h"

#define PACKETS 1000000
#define RTCP_PACKETS 300000
#define RUNS 5
#define CAM_PEER 1
#define SUB_A 1000 /* the camera's subscribers are two of the microphone peers */
#define SUB_B 1001
#define MIC_PEERS 63

static volatile size_t g_sink;

static void fail(const char *what)
{
    bench_fail("bench_router", what);
}

/* The engine's side of the forwarding path, per subscriber (SUB_A, SUB_B):
 * each RTP output written into a pool packet, stamped, protected in place
 * and queued. */
struct fwd {
    struct pool *pool;
    struct srtpx *srtp[2];
    struct bwe *bwe[2];
    struct pkt *spare; /* taken from the pool, not written yet */
    struct pkt *q[WORKER_TX_BATCH];
    size_t nq;
};

static void fwd_queue(struct fwd *f, struct pkt *p, size_t len)
{
    p->len = len;
    f->q[f->nq++] = p;
    if (f->nq == WORKER_TX_BATCH) { /* the flush: sent, and back to the pool */
        for (size_t i = 0; i < f->nq; i++)
            pool_put(f->pool, f->q[i]);
        f->nq = 0;
    }
}

static void fwd_output(struct fwd *f, struct router *r, int64_t now_us, struct router_output *o)
{
    int s = o->peer == SUB_B;
    size_t len;
    struct pkt *p;

    if (o->kind != ROUTER_OUT_RTP || (o->peer != SUB_A && o->peer != SUB_B))
        return;
    if (f->spare == NULL)
        f->spare = pool_get(f->pool);
    p = f->spare;
    if (p == NULL)
        fail("pool");
    len = router_write(r, o, p->data, sizeof(p->data));
    if (len == 0)
        fail("router_write");
    f->spare = NULL;
    if (o->twcc_off != 0) {
        uint16_t seq = bwe_on_send(f->bwe[s], now_us, len + 38);

        p->data[o->twcc_off] = (uint8_t)(seq >> 8);
        p->data[o->twcc_off + 1] = (uint8_t)seq;
    }
    if (srtpx_protect_rtp(f->srtp[s], p->data, &len, sizeof(p->data)) != 0)
        fail("protect");
    fwd_queue(f, p, len);
}

static void fwd_init(struct fwd *f)
{
    struct dtls_srtp_keys k;

    memset(f, 0, sizeof(*f));
    memset(&k, 0x5a, sizeof(k));
    k.profile = DTLS_SRTP_AEAD_AES_128_GCM;
    k.key_len = 16;
    k.salt_len = 12;
    if (pool_create(&f->pool, 0) != 0)
        fail("pool_create");
    for (int s = 0; s < 2; s++)
        if (srtpx_create(&f->srtp[s], &k) != 0 || bwe_create(&f->bwe[s], NULL) != 0)
            fail("srtpx_create / bwe_create");
}

static void fwd_free(struct fwd *f)
{
    for (size_t i = 0; i < f->nq; i++)
        pool_put(f->pool, f->q[i]);
    pool_put(f->pool, f->spare);
    for (int s = 0; s < 2; s++) {
        srtpx_destroy(f->srtp[s]);
        bwe_destroy(f->bwe[s]);
    }
    pool_destroy(f->pool);
}

/* 12-byte header, abs-send-time + transport-cc + mid, VP8 descriptor. */
static size_t packet(uint8_t *b, uint32_t ssrc, uint16_t seq, uint32_t ts, bool key)
{
    static const uint8_t ext[] = {0xbe, 0xde, 0x00, 0x03, 0x22, 0x12, 0x34, 0x56,
                                  0x31, 0x00, 0x2a, 0x40, '0',  0x00, 0x00, 0x00};
    size_t n = 0;

    b[n++] = 0x90;
    b[n++] = 96;
    b[n++] = (uint8_t)(seq >> 8);
    b[n++] = (uint8_t)seq;
    for (int i = 3; i >= 0; i--)
        b[n++] = (uint8_t)(ts >> (8 * i));
    for (int i = 3; i >= 0; i--)
        b[n++] = (uint8_t)(ssrc >> (8 * i));
    memcpy(b + n, ext, sizeof(ext));
    n += sizeof(ext);
    b[n++] = key ? 0x90 : 0x80;
    b[n++] = 0xc0;
    b[n++] = (uint8_t)(0x80 | (ts / 3000 >> 8 & 0x7f));
    b[n++] = (uint8_t)(ts / 3000);
    b[n++] = (uint8_t)(ts / 3000);
    b[n++] = key ? 0x10 : 0x11;
    memset(b + n, 0x5a, 1100 - n);
    return 1100;
}

struct room {
    struct router *r;
    int64_t now;
    uint16_t seq_top, seq_low;
    struct fwd *f; /* NULL: outputs are written into one buffer and read */
};

/* Takes the outputs of the last router call. */
static void drain(struct room *m)
{
    static uint8_t buf[ROUTER_PKT_CAP];
    struct router_output o;

    while (router_poll(m->r, &o)) {
        if (m->f != NULL) {
            fwd_output(m->f, m->r, m->now, &o);
        } else if (o.kind != ROUTER_OUT_EVENT) {
            size_t n = router_write(m->r, &o, buf, sizeof(buf));

            g_sink += n + buf[n - 1];
        }
    }
}

/* ns per incoming RTP packet of the camera's layer `ssrc`. */
static double rtp_round(struct room *m, uint32_t ssrc, uint16_t *seq)
{
    static uint8_t pkts[64][1100];
    double t0;

    for (int i = 0; i < 64; i++)
        packet(pkts[i], ssrc, 0, 0, false);
    t0 = bench_cpu_ns();
    for (int i = 0; i < PACKETS; i++) {
        uint8_t *b = pkts[i & 63];
        uint32_t ts = (uint32_t)(i / 10) * 3000;

        wr_put_u16(b + 2, *seq);
        wr_put_u32(b + 4, ts);
        (*seq)++;
        if ((i & 255) == 0) {
            m->now += 10000;
            router_timeout(m->r, m->now);
            drain(m);
        }
        if (m->f != NULL) { /* the engine parses once and passes the view */
            struct rtp_packet k;

            if (rtp_parse(&k, b, 1100) != 0)
                fail("rtp_parse");
            router_on_rtp(m->r, m->now, CAM_PEER, b, 1100, &k);
        } else {
            router_on_rtp(m->r, m->now, CAM_PEER, b, 1100, NULL);
        }
        drain(m);
    }
    return (bench_cpu_ns() - t0) / PACKETS;
}

/* ns per RTCP packet from subscriber A. */
static double rtcp_round(struct room *m, const uint8_t *b, size_t n)
{
    double t0 = bench_cpu_ns();

    for (int i = 0; i < RTCP_PACKETS; i++) {
        if ((i & 255) == 0) {
            m->now += 10000;
            router_timeout(m->r, m->now);
            drain(m);
        }
        router_on_rtcp(m->r, m->now, SUB_A, b, n);
        drain(m);
    }
    return (bench_cpu_ns() - t0) / RTCP_PACKETS;
}

static void add_camera(struct router *r)
{
    struct router_producer_cfg p;

    memset(&p, 0, sizeof(p));
    p.id = 1;
    p.peer = CAM_PEER;
    p.kind = ROUTER_VIDEO;
    p.source = ROUTER_SOURCE_CAMERA;
    p.codec = ROUTER_CODEC_VP8;
    p.pt = 96;
    p.rtx_pt = 97;
    p.clock_rate = 90000;
    p.n_layers = 3;
    for (uint32_t l = 0; l < 3; l++) {
        p.layers[l].ssrc = 0x100 + l;
        p.layers[l].height = (uint16_t)(180 << l);
    }
    p.ext.abs_send_time = 2;
    p.ext.twcc = 3;
    p.ext.mid = 4;
    if (router_add_producer(r, &p) != 0)
        fail("camera");
}

static void add_consumer(struct router *r, uint32_t id, uint32_t producer, uint32_t peer,
                         uint32_t ssrc, bool rtx)
{
    struct router_consumer_cfg c;

    memset(&c, 0, sizeof(c));
    c.id = id;
    c.producer = producer;
    c.peer = peer;
    c.ssrc = ssrc;
    c.pt = 100;
    c.rtx_pt = rtx ? 101 : -1;
    c.rtx_ssrc = rtx ? ssrc + 1 : 0;
    c.ext.abs_send_time = 3;
    c.ext.twcc = 5;
    if (router_add_consumer(r, &c) != 0)
        fail("consumer");
}

/* The full room's microphones and their consumers, before the camera. */
static void fill(struct router *r)
{
    struct router_producer_cfg p;
    uint32_t id = 1000;

    for (uint32_t i = 0; i < MIC_PEERS; i++) {
        memset(&p, 0, sizeof(p));
        p.id = 100 + i;
        p.peer = SUB_A + i;
        p.kind = ROUTER_AUDIO;
        p.source = ROUTER_SOURCE_MIC;
        p.codec = ROUTER_CODEC_OPUS;
        p.pt = 111;
        p.rtx_pt = -1;
        p.clock_rate = 48000;
        p.n_layers = 1;
        p.layers[0].ssrc = 0x10000 + i;
        if (router_add_producer(r, &p) != 0)
            fail("microphone");
    }
    for (uint32_t i = 0; i < MIC_PEERS; i++)
        for (uint32_t k = 1; k <= 8; k++, id++)
            add_consumer(r, id, 100 + (i + k) % MIC_PEERS, SUB_A + i, 0x20000 + id * 2, false);
}

/* f: the engine's side (NULL: outputs are only written). */
static void room_init(struct room *m, bool full, struct fwd *f)
{
    struct router_cfg cfg;
    uint8_t b[1100];

    memset(m, 0, sizeof(*m));
    m->now = 1000000;
    m->seq_top = m->seq_low = 1;
    m->f = f;
    memset(&cfg, 0, sizeof(cfg));
    cfg.now_us = m->now;
    if (router_create(&m->r, &cfg) != 0)
        fail("router_create");
    if (full)
        fill(m->r);
    add_camera(m->r);
    add_consumer(m->r, 10, 1, SUB_A, 0x500, true);
    add_consumer(m->r, 11, 1, SUB_B, 0x600, true);
    drain(m);
    router_on_rtp(m->r, m->now, CAM_PEER, b, packet(b, 0x102, m->seq_top++, 0, true), NULL);
    drain(m);
    if (router_consumer_layer(m->r, 10) != 2)
        fail("layer choice");
}

int main(void)
{
    struct room small, full, engine;
    struct fwd f;
    double v[6][RUNS], fv[2][RUNS];
    uint8_t rr_buf[64], pli_buf[64], nack_buf[64];
    struct wr w;
    struct rtcp_rr rr;
    size_t rr_len, pli_len, nack_len;
    uint16_t lost = 5;

    room_init(&small, false, NULL);
    room_init(&full, true, NULL);
    fwd_init(&f);
    room_init(&engine, false, &f);
    memset(&rr, 0, sizeof(rr));
    rr.ssrc = 0xC0FFEE;
    rr.report_count = 1;
    rr.reports[0].ssrc = 0x500;
    rr.reports[0].ext_highest_seq = 100;
    wr_init(&w, rr_buf, sizeof(rr_buf));
    if (rtcp_build_rr(&w, &rr) != 0)
        fail("rr");
    rr_len = (size_t)(w.p - rr_buf);
    wr_init(&w, pli_buf, sizeof(pli_buf));
    if (rtcp_build_pli(&w, 0xC0FFEE, 0x500) != 0)
        fail("pli");
    pli_len = (size_t)(w.p - pli_buf);
    wr_init(&w, nack_buf, sizeof(nack_buf));
    if (rtcp_build_nack(&w, 0xC0FFEE, 0x500, &lost, 1) != 0)
        fail("nack");
    nack_len = (size_t)(w.p - nack_buf);

    for (int k = 0; k < RUNS; k++) {
        v[0][k] = rtp_round(&small, 0x102, &small.seq_top);
        v[1][k] = rtp_round(&small, 0x100, &small.seq_low);
        v[2][k] = rtp_round(&full, 0x102, &full.seq_top);
        v[3][k] = rtp_round(&full, 0x100, &full.seq_low);
        v[4][k] = rtcp_round(&full, rr_buf, rr_len);
        v[5][k] = rtcp_round(&full, pli_buf, pli_len);
        printf("round %d: small %.1f / %.1f, full %.1f / %.1f, RR %.1f, PLI %.1f ns\n", k, v[0][k],
               v[1][k], v[2][k], v[3][k], v[4][k], v[5][k]);
    }
    printf("\nns per packet, CPU time of this thread, median of %d rounds:\n", RUNS);
    printf("| room | forwarded layer (2 consumers) | unused layer (cached) |\n");
    printf("| small: 1 producer, 2 consumers | %.1f | %.1f |\n", bench_median(v[0], RUNS),
           bench_median(v[1], RUNS));
    printf("| full: 64 producers, 506 consumers, 64 peers | %.1f | %.1f |\n",
           bench_median(v[2], RUNS), bench_median(v[3], RUNS));
    printf("full room, RTCP from a subscriber: receiver report %.1f, PLI %.1f",
           bench_median(v[4], RUNS), bench_median(v[5], RUNS));
    for (int k = 0; k < RUNS; k++)
        v[4][k] = rtcp_round(&full, nack_buf, nack_len);
    printf(", NACK of one packet %.1f ns\n", bench_median(v[4], RUNS));

    for (int k = 0; k < RUNS; k++) {
        fv[0][k] = rtp_round(&small, 0x102, &small.seq_top);
        fv[1][k] = rtp_round(&engine, 0x102, &engine.seq_top);
        printf("round %d: router alone %.1f, with the engine's side %.1f ns\n", k, fv[0][k],
               fv[1][k]);
    }
    printf("\nsmall room, ns per incoming packet of the forwarded layer (2 out), median of %d "
           "rounds:\n",
           RUNS);
    printf("| router alone (outputs written into one buffer) | router + transport-cc stamp + SRTP "
           "protect (GCM) in place + pool packet queued (one copy) |\n");
    printf("| %.1f | %.1f |\n", bench_median(fv[0], RUNS), bench_median(fv[1], RUNS));
    router_destroy(small.r);
    router_destroy(full.r);
    router_destroy(engine.r);
    fwd_free(&f);
    return 0;
}
