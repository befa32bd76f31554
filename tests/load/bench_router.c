/* Benchmark of the router's per-packet path: one VP8 camera (three
 * simulcast layers, 1100-byte packets, one-byte extensions) forwarded to
 * two subscribers on its top layer; the emit callback does nothing. Prints
 * nanoseconds per incoming packet of the forwarded layer (each one is
 * copied, rewritten and emitted twice) and per packet of a layer nobody
 * takes (cached only). Not a test: no assertions beyond setup.
 *
 *   make MODE=release build/release/libsamtale.a
 *   cc -O2 -I. -D_GNU_SOURCE -o build/release/bench_router tests/load/bench_router.c \
 *       build/release/libsamtale.a $(pkg-config --libs libwebsockets openssl \
 *       jansson sqlite3 opus vpx) -lpthread -lm
 *   build/release/bench_router */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "media/router.h"
#include "media/rtp.h"

#define PACKETS 2000000
#define RUNS 5

static volatile size_t g_sink;

static void on_emit(void *arg, uint32_t peer, bool rtcp, uint8_t *buf, size_t len, size_t cap)
{
    (void)arg;
    (void)peer;
    (void)rtcp;
    (void)cap;
    g_sink += len + buf[len - 1];
}

static int64_t mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
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

static double run(struct router *r, int64_t *now, uint32_t ssrc, uint16_t *seq)
{
    static uint8_t pkts[64][1100];
    int64_t t0, t1;

    for (int i = 0; i < 64; i++)
        packet(pkts[i], ssrc, 0, 0, false);
    t0 = mono_ns();
    for (int i = 0; i < PACKETS; i++) {
        uint8_t *b = pkts[i & 63];
        uint32_t ts = (uint32_t)(i / 10) * 3000;

        b[2] = (uint8_t)(*seq >> 8);
        b[3] = (uint8_t)*seq;
        b[4] = (uint8_t)(ts >> 24);
        b[5] = (uint8_t)(ts >> 16);
        b[6] = (uint8_t)(ts >> 8);
        b[7] = (uint8_t)ts;
        (*seq)++;
        if ((i & 255) == 0) {
            *now += 10000;
            router_timeout(r, *now);
        }
        router_on_rtp(r, *now, 1, b, 1100);
    }
    t1 = mono_ns();
    return (double)(t1 - t0) / PACKETS;
}

int main(void)
{
    struct router_cfg cfg;
    struct router_producer_cfg p;
    struct router_consumer_cfg c;
    struct router *r;
    struct router_stats st;
    uint8_t b[1100];
    int64_t now = 1000000;
    uint16_t seq2 = 1, seq0 = 1;

    memset(&cfg, 0, sizeof(cfg));
    cfg.emit = on_emit;
    cfg.now_us = now;
    if (router_create(&r, &cfg) != 0)
        return 1;
    memset(&p, 0, sizeof(p));
    p.id = 1;
    p.peer = 1;
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
        return 1;
    for (uint32_t i = 0; i < 2; i++) {
        memset(&c, 0, sizeof(c));
        c.id = 10 + i;
        c.producer = 1;
        c.peer = 2 + i;
        c.ssrc = 0x200 + i;
        c.pt = 100;
        c.rtx_pt = -1;
        c.ext.abs_send_time = 3;
        c.ext.twcc = 5;
        if (router_add_consumer(r, &c) != 0)
            return 1;
    }
    router_on_rtp(r, now, 1, b, packet(b, 0x102, seq2++, 0, true));
    if (router_consumer_layer(r, 10) != 2)
        return 1;
    for (int k = 0; k < RUNS; k++) {
        double fwd = run(r, &now, 0x102, &seq2);
        double cached = run(r, &now, 0x100, &seq0);

        printf(
            "run %d: forwarded layer %.1f ns/packet (2 consumers), unused layer %.1f ns/packet\n",
            k, fwd, cached);
    }
    router_get_stats(r, &st);
    printf("rtp_in %llu forwarded %llu\n", (unsigned long long)st.rtp_in,
           (unsigned long long)st.rtp_forwarded);
    router_destroy(r);
    return 0;
}
