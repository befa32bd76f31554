/* The load generator's own cost for video (tests/load/vp8_*.c): the clip's
 * one-time encoding, then per packet: packetizing (vp8_send), checking
 * without decoding (vp8_recv, sample mode), what the feedback adds
 * (load_repair.h: on sending, the transport-wide stamp and the copy into
 * the RTX history; on receiving, reading the transport-wide number,
 * recording it for transport-cc feedback and building that feedback every
 * 50 ms of packet time, and the NACK bookkeeping), and per frame: checking
 * with decoding, per simulcast layer. The floor, measured in the same run, is a
 * copy of each packet's bytes (what any generator pays at least to put a
 * packet into a send buffer). CPU time of this thread; each figure is the
 * median of ROUNDS rounds.
 *   make MODE=release build/release/bench/bench_load_vp8
 *   build/release/bench/bench_load_vp8 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "media/rtp.h"
#include "media/twcc.h"
#include "tests/bench/bench.h"
#include "tests/load/load_repair.h"
#include "tests/load/vp8_clip.h"
#include "tests/load/vp8_recv.h"
#include "tests/load/vp8_send.h"

#define ROUNDS 5
#define FRAMES 240 /* per round and layer: two loops of the default clip */
#define MAX_PKTS 40000
#define STRIDE (LG_VP8_PKT_MAX + 16)
#define TWCC_ID 3
#define PKT_GAP_US 500 /* packet time between two received packets */

struct capture {
    uint8_t (*buf)[STRIDE];
    size_t *len;
    size_t n;
};

static void fail(const char *what)
{
    bench_fail("bench_load_vp8", what);
}

/* Packetizes FRAMES frames of layer into cap; returns ns spent. */
static double packetize(const struct lg_vp8_clip *clip, unsigned layer, struct capture *cap)
{
    uint8_t ext[LG_RTX_EXT_MAX];
    size_t ext_len = lg_ext_block(ext, TWCC_ID, 4, "1", 10, "f");
    const struct lg_vp8_send_cfg cfg = {.clip = clip,
                                        .layer = layer,
                                        .participant = 1,
                                        .ssrc = 1 + layer,
                                        .pt = 96,
                                        .ext = ext,
                                        .ext_len = ext_len};
    struct lg_vp8_send *s;
    double t0;

    if (lg_vp8_send_create(&s, &cfg) < 0)
        fail("lg_vp8_send_create");
    cap->n = 0;
    t0 = bench_cpu_ns();
    for (unsigned f = 0; f < FRAMES; f++) {
        struct lg_vp8_burst b = {.buf = cap->buf[cap->n],
                                 .stride = STRIDE,
                                 .max = MAX_PKTS - cap->n,
                                 .len = cap->len + cap->n};

        if (lg_vp8_send_frame(s, 1000000 + (uint64_t)f * 33333, &b) < 0)
            fail("lg_vp8_send_frame");
        cap->n += b.n;
    }
    t0 = bench_cpu_ns() - t0;
    lg_vp8_send_destroy(s);
    return t0;
}

/* Feeds cap to a receiver; returns ns spent and checks the outcome. */
static double check(const struct lg_vp8_clip *clip, const struct capture *cap, bool decode)
{
    const struct lg_vp8_recv_cfg cfg = {.clip = clip, .decode = decode};
    struct lg_vp8_recv *r;
    struct lg_vp8_recv_stats st;
    double t0;

    if (lg_vp8_recv_create(&r, &cfg) < 0)
        fail("lg_vp8_recv_create");
    t0 = bench_cpu_ns();
    for (size_t i = 0; i < cap->n; i++)
        lg_vp8_recv_input(r, 1000000 + i * 100, cap->buf[i], cap->len[i]);
    t0 = bench_cpu_ns() - t0;
    lg_vp8_recv_stats(r, 0, &st);
    if (st.shown != FRAMES || st.corrupt != 0 || st.lost != 0 || (decode && st.decoded != FRAMES))
        fail("the check of the packetized clip");
    lg_vp8_recv_destroy(r);
    return t0;
}

/* The publisher's feedback work per packet; returns ns spent. */
static double fb_send(struct capture *cap, struct lg_rtx_sender *x)
{
    double t0 = bench_cpu_ns();

    for (size_t i = 0; i < cap->n; i++) {
        if (lg_twcc_stamp(cap->buf[i], cap->len[i], TWCC_ID, (uint16_t)i) != 0)
            fail("lg_twcc_stamp");
        lg_rtx_remember(x, (int64_t)i * PKT_GAP_US, cap->buf[i], cap->len[i]);
    }
    return bench_cpu_ns() - t0;
}

/* The subscriber's feedback work per packet; returns ns spent. */
static double fb_recv(const struct capture *cap)
{
    struct twcc_recv *tw;
    struct lg_nack_rx nack = {0};
    uint8_t out[1500];
    size_t fbs = 0;

    if (twcc_recv_create(&tw, &(struct twcc_recv_cfg){.interval_us = 50000}) < 0)
        fail("twcc_recv_create");
    double t0 = bench_cpu_ns();
    for (size_t i = 0; i < cap->n; i++) {
        struct rtp_packet p;
        struct rtp_ext_elem el;
        uint16_t seq = 0;
        int64_t now = (int64_t)i * PKT_GAP_US;

        if (rtp_parse(&p, cap->buf[i], cap->len[i]) != 0 || rtp_ext_find(&p, TWCC_ID, &el) != 0 ||
            rtp_ext_read_twcc_seq(&el, &seq) != 0)
            fail("reading the transport-wide number");
        twcc_recv_packet(tw, now, seq);
        lg_nack_rx_packet(&nack, now, p.seq);
        if (twcc_recv_next_deadline(tw) <= now) {
            while (twcc_recv_timeout(tw, now, out, sizeof out, 1, 2) > 0)
                fbs++;
        }
    }
    t0 = bench_cpu_ns() - t0;
    if (fbs == 0 || nack.missing != 0)
        fail("the feedback of the packetized clip");
    twcc_recv_destroy(tw);
    return t0;
}

static double copy_floor(const struct capture *cap, uint8_t (*dst)[STRIDE])
{
    double t0 = bench_cpu_ns();

    for (size_t i = 0; i < cap->n; i++)
        memcpy(dst[i], cap->buf[i], cap->len[i]);
    t0 = bench_cpu_ns() - t0;
    if (dst[cap->n / 2][0] != cap->buf[cap->n / 2][0])
        fail("copy");
    return t0;
}

int main(void)
{
    struct lg_vp8_clip_cfg cfg;
    struct lg_vp8_clip *clip;
    struct capture cap;
    uint8_t(*dst)[STRIDE];

    lg_vp8_clip_cfg_default(&cfg);
    if (lg_vp8_clip_create(&clip, &cfg) < 0)
        fail("lg_vp8_clip_create");
    printf("clip: %u layers, %u frames at %u fps, keyframe every %u, %u temporal layers\n",
           cfg.n_layers, cfg.frames, cfg.fps, cfg.key_interval, cfg.temporal_layers);
    printf("encoded and decoded once in %.0f ms CPU\n\n",
           (double)lg_vp8_clip_cost_us(clip) / 1000.0);
    cap.buf = malloc(sizeof(*cap.buf) * MAX_PKTS);
    cap.len = malloc(sizeof(size_t) * MAX_PKTS);
    dst = malloc(sizeof(*dst) * MAX_PKTS);
    if (cap.buf == NULL || cap.len == NULL || dst == NULL)
        fail("malloc");
    struct lg_rtx_sender x;
    if (lg_rtx_sender_init(&x, &(struct lg_rtx_sender_cfg){.ssrc = 1, .rtx_ssrc = 2, .rtx_pt = 97}))
        fail("lg_rtx_sender_init");
    printf("%-10s %7s %8s %10s %10s %10s %10s %10s %12s\n", "layer", "kbit/s", "pkt/frm",
           "copy ns/p", "send ns/p", "recv ns/p", "fb tx ns/p", "fb rx ns/p", "decode us/f");
    for (unsigned l = 0; l < cfg.n_layers; l++) {
        double cp[ROUNDS], tx[ROUNDS], rx[ROUNDS], dec[ROUNDS], ftx[ROUNDS], frx[ROUNDS];
        double kbps = (double)lg_vp8_clip_bytes(clip, l) * 8.0 * cfg.fps / cfg.frames / 1000.0;
        char name[32];

        for (int k = 0; k < ROUNDS; k++) {
            tx[k] = packetize(clip, l, &cap);
            cp[k] = copy_floor(&cap, dst);
            rx[k] = check(clip, &cap, false);
            ftx[k] = fb_send(&cap, &x);
            frx[k] = fb_recv(&cap);
            dec[k] = check(clip, &cap, true);
        }
        snprintf(name, sizeof name, "%ux%u", cfg.layer[l].width, cfg.layer[l].height);
        printf("%-10s %7.0f %8.2f %10.0f %10.0f %10.0f %10.0f %10.0f %12.0f\n", name, kbps,
               (double)cap.n / FRAMES, bench_median(cp, ROUNDS) / (double)cap.n,
               bench_median(tx, ROUNDS) / (double)cap.n, bench_median(rx, ROUNDS) / (double)cap.n,
               bench_median(ftx, ROUNDS) / (double)cap.n, bench_median(frx, ROUNDS) / (double)cap.n,
               bench_median(dec, ROUNDS) / FRAMES / 1000.0);
    }
    lg_rtx_sender_free(&x);
    free(cap.buf);
    free(cap.len);
    free(dst);
    lg_vp8_clip_destroy(clip);
    return 0;
}
