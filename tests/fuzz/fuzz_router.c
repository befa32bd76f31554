/* Fuzz target for media/router*.c: a room with two producers and three
 * consumers (tests/fuzz/fuzz_router.h) driven by records of RTP, RTCP,
 * time and control operations under a fake clock. The router must not
 * crash or leak, and everything it outputs must be well formed and go where
 * it belongs:
 *   - RTP only to subscribers (peers 3, 4), parsing, with one of that
 *     peer's consumer SSRCs, within the buffer capacity, and only for a
 *     consumer that exists (not removed, nor its peer)
 *   - RTCP parsing as a compound packet, never to the peer without objects
 *   - events about known objects
 * and what a subscriber sees must stay one consistent stream (checked
 * against a model of each consumer's output kept here):
 *   - a live packet (forwarded from the publisher's packet being input)
 *     comes from the layer the consumer forwards afterwards
 *     (router_consumer_layer), never from another
 *   - sequence numbers: a new segment (the out - in offset changes: a layer
 *     switch, a resume, a publisher back) continues exactly at the highest
 *     number sent + 1; a late packet of the current segment keeps its
 *     offset; a retransmission (NACK answer or copy, on the RTX SSRC or
 *     the media SSRC) never names a number not sent yet, and carries the
 *     same timestamp, marker and payload as the first packet sent under
 *     that number
 *   - counters: RTP packets written + rtp_out_dropped = rtp_forwarded +
 *     retransmissions + retransmission_copies + key_copies, and the RTP
 *     outputs left unwritten here are among rtp_out_dropped; rtcp_bad <=
 *     rtcp_in, rtp_dropped_unknown <= rtp_in
 *   - the router's hash indices agree with a linear scan of its objects
 *     after every record (tests/fuzz/router_index_verify.h)
 *   - router_write writes exactly the length router_poll announced, once;
 *     for inputs of odd length every third RTP output is left unwritten
 *     (the engine without a pool packet)
 * Record format: see fuzz_router.h. Seeds (tests/fuzz/corpus/router/) are
 * written by tests/unit/test_router_seeds.c with SAMTALE_SEED_DIR set.
 *
 * Speed: the router is created with FZ_RTX_CACHE_PACKETS-packet caches;
 * the default 512 x 2 KB per stream (3 MB for the camera) made every input
 * map, fault in and unmap megabytes, most of an execution's time. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/router.h"
#include "media/rtcp.h"
#include "media/rtp.h"
#include "base/err.h"
#include "tests/fuzz/fuzz_record.h"
#include "tests/fuzz/fuzz_router.h"
#include "tests/fuzz/router_index_verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_RECORDS 512
#define N_CONS 3
#define HIST 256 /* out numbers remembered per consumer */

static void check_at(int cond, int line)
{
    if (!cond) {
        fprintf(stderr, "fuzz_router.c:%d: check failed\n", line);
        abort();
    }
}
#define check(cond) check_at((cond), __LINE__)

/* What was first sent under one out number. */
struct sent {
    int64_t ext; /* 0: nothing */
    uint32_t ts;
    uint32_t hash;
    size_t len;
    bool marker;
};

/* The model of one consumer's output. */
struct out_model {
    uint32_t id, peer, ssrc, rtx_ssrc, producer;
    bool alive;
    bool started;
    int64_t highest; /* extended out number of the newest packet */
    bool has_delta;
    uint16_t delta; /* out - in of the current segment */
    int live_layer; /* layer of a live packet during this router_on_rtp; -1 */
    /* An RTP output to this peer was left unwritten: the numbers the model
     * sees may jump, and a repair may name a number it never saw. */
    bool gap;
    struct sent hist[HIST];
};

/* The publisher's packet being given to router_on_rtp, when known. */
struct in_pkt {
    bool rtp_call; /* inside router_on_rtp */
    bool known;    /* producer, layer and seq below are valid */
    uint32_t producer;
    int layer;
    uint16_t seq; /* the OSN for RTX */
};

static struct {
    struct out_model c[N_CONS];
    struct in_pkt in;
    uint64_t rtp_out;
    uint64_t rtp_skipped; /* RTP outputs left unwritten here */
    bool skip;            /* odd input length: leave every third RTP output */
    unsigned n_rtp;
    uint8_t buf[ROUTER_PKT_CAP];
} g;

static const uint32_t cons_ids[N_CONS] = {FZ_C_CAM_RTX, FZ_C_CAM, FZ_C_MIC};

static void model_reset(struct out_model *m, uint32_t id)
{
    struct router_consumer_cfg cfg;

    memset(m, 0, sizeof(*m));
    fz_consumer_cfg(&cfg, id);
    m->id = id;
    m->peer = cfg.peer;
    m->ssrc = cfg.ssrc;
    m->rtx_ssrc = cfg.rtx_ssrc;
    m->producer = cfg.producer;
    m->live_layer = -1;
}

static void setup(struct router *r)
{
    int rc[N_CONS];

    fz_setup(r, rc);
    for (unsigned i = 0; i < N_CONS; i++) {
        if (rc[i] == 0)
            model_reset(&g.c[i], cons_ids[i]); /* a new consumer: numbering anew */
        g.c[i].alive = rc[i] == 0 || rc[i] == ERR_EXISTS;
    }
}

static uint32_t fnv(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u;

    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

static struct out_model *model_of(uint32_t ssrc, bool *rtx)
{
    for (unsigned i = 0; i < N_CONS; i++) {
        if (g.c[i].ssrc == ssrc || (g.c[i].rtx_ssrc != 0 && g.c[i].rtx_ssrc == ssrc)) {
            *rtx = g.c[i].ssrc != ssrc;
            return &g.c[i];
        }
    }
    return NULL;
}

/* One RTP packet to a consumer: seq, timestamp, marker and payload as the
 * subscriber sees them (for RTX: the OSN and what follows it). */
static void model_rtp(struct out_model *m, bool rtx, const struct rtp_packet *k)
{
    const uint8_t *pl = k->payload;
    size_t pl_len = k->payload_len;
    uint16_t seq = k->seq;
    int64_t ext;
    struct sent *h;

    if (rtx) {
        check(!g.in.rtp_call); /* forwarding never goes on the RTX SSRC */
        check(pl_len >= 2);
        seq = (uint16_t)(pl[0] << 8 | pl[1]);
        pl += 2;
        pl_len -= 2;
    }
    if (!m->started) {
        check(m->gap || (!rtx && g.in.rtp_call)); /* a consumer's first packet is a live one */
        ext = 0x100000 + seq;
    } else {
        ext = m->highest + (int16_t)(uint16_t)(seq - (uint16_t)m->highest);
    }
    if (g.in.rtp_call) {
        /* Live: the packet being input, or nothing known about it. */
        if (g.in.known && g.in.producer == m->producer) {
            uint16_t d = (uint16_t)(seq - g.in.seq);

            if (m->started && m->has_delta && d != m->delta)
                check(m->gap ? ext > m->highest : ext == m->highest + 1); /* continues */
            m->delta = d;
            m->has_delta = true;
            m->live_layer = g.in.layer;
        } else {
            m->has_delta = false;
        }
    } else {
        check(m->gap || ext <= m->highest); /* a retransmission of a number sent */
    }
    h = &m->hist[(uint64_t)ext % HIST];
    if (h->ext == ext) {
        /* Sent before under this number: the same packet again. */
        check(h->ts == k->timestamp && h->marker == k->marker && h->len == pl_len &&
              h->hash == fnv(pl, pl_len));
    } else if (ext > m->highest - HIST) {
        h->ext = ext;
        h->ts = k->timestamp;
        h->marker = k->marker;
        h->len = pl_len;
        h->hash = fnv(pl, pl_len);
    }
    if (!m->started || ext > m->highest) {
        m->started = true;
        m->highest = ext;
    }
}

static bool ssrc_of(uint32_t peer, uint32_t ssrc)
{
    if (peer == FZ_PEER_SUB_A)
        return ssrc == 0x100 || ssrc == 0x101;
    if (peer == FZ_PEER_SUB_B)
        return ssrc == 0x200 || ssrc == 0x300;
    return false;
}

static void check_packet(uint32_t peer, bool rtcp, const uint8_t *buf, size_t len)
{
    check(peer >= FZ_PEER_CAM && peer <= FZ_PEER_SUB_B);
    if (rtcp) {
        check(rtcp_validate(buf, len) == 0);
    } else {
        struct rtp_packet k;
        struct out_model *m;
        bool rtx = false;

        check(rtp_parse(&k, buf, len) == 0);
        check(ssrc_of(peer, k.ssrc));
        m = model_of(k.ssrc, &rtx);
        check(m != NULL && m->alive && m->peer == peer);
        model_rtp(m, rtx, &k);
        g.rtp_out++;
    }
}

static void check_event(const struct router_event *ev)
{
    switch (ev->kind) {
    case ROUTER_EVENT_ACTIVE_SPEAKER:
        check(ev->producer == 0 || ev->producer == FZ_MIC);
        break;
    case ROUTER_EVENT_LAYER:
        check(ev->consumer >= FZ_C_CAM_RTX && ev->consumer <= FZ_C_MIC);
        check(ev->layer >= 0 && ev->layer < ROUTER_MAX_LAYERS);
        break;
    case ROUTER_EVENT_KEYFRAME_REQUEST:
        check(ev->producer == FZ_CAM && ev->layer >= 0 && ev->layer < 3);
        break;
    default:
        check(0);
    }
}

/* Takes the outputs of the last call, as the engine does. */
static void drain(struct router *r)
{
    struct router_output o;

    while (router_poll(r, &o)) {
        size_t n;

        if (o.kind == ROUTER_OUT_EVENT) {
            check_event(&o.event);
            continue;
        }
        check(o.len > 0 && o.len <= ROUTER_PKT_CAP);
        if (o.kind == ROUTER_OUT_RTP && g.skip && ++g.n_rtp % 3 == 0) {
            g.rtp_skipped++;
            for (unsigned i = 0; i < N_CONS; i++) {
                if (g.c[i].peer == o.peer)
                    g.c[i].gap = true;
            }
            continue;
        }
        memset(g.buf, 0x5A, sizeof(g.buf)); /* what the last packet left there */
        n = router_write(r, &o, g.buf, sizeof(g.buf));
        check(n == o.len);
        check(o.twcc_off == 0 || (o.kind == ROUTER_OUT_RTP && o.twcc_off + 2 <= n));
        check(router_write(r, &o, g.buf, sizeof(g.buf)) == 0);
        check_packet(o.peer, o.kind == ROUTER_OUT_RTCP, g.buf, n);
    }
}

static void peer_gone(uint32_t peer)
{
    for (unsigned i = 0; i < N_CONS; i++) {
        if (g.c[i].peer == peer)
            g.c[i].alive = false;
    }
}

static void control(struct router *r, const uint8_t *b, size_t n, int64_t *now)
{
    struct router_prefs p;
    uint8_t op, a, c;

    if (n == 0)
        return;
    op = b[0];
    a = n > 1 ? b[1] : 0;
    c = n > 2 ? b[2] : 0;
    switch (op % 7) {
    case 0:
        memset(&p, 0, sizeof(p));
        p.paused = (c & 1) != 0;
        p.max_height = n > 3 ? (uint16_t)(b[3] * 8) : 0;
        p.max_width = (uint16_t)((c >> 1) * 16);
        check(router_set_prefs(r, cons_ids[a % 3], &p) == (g.c[a % 3].alive ? 0 : ERR_NOTFOUND));
        break;
    case 1:
        router_set_peer_bitrate(r, (uint32_t)(a % 5 + 1), (uint64_t)c * 20000);
        break;
    case 2:
        (void)router_remove_producer(r, a & 1 ? FZ_MIC : FZ_CAM);
        break;
    case 3:
        setup(r);
        break;
    case 4:
        check(router_remove_consumer(r, cons_ids[a % 3]) == (g.c[a % 3].alive ? 0 : ERR_NOTFOUND));
        g.c[a % 3].alive = false;
        break;
    case 5:
        router_remove_peer(r, (uint32_t)(a % 5 + 1));
        peer_gone((uint32_t)(a % 5 + 1));
        break;
    default:
        *now += (int64_t)a * 100000; /* up to 25 s of nothing */
        router_timeout(r, *now);
        break;
    }
    drain(r);
}

/* What the model knows of a publisher's packet before the router sees it. */
static void know_input(uint32_t who, const uint8_t *buf, size_t len)
{
    struct rtp_packet k;

    memset(&g.in, 0, sizeof(g.in));
    g.in.rtp_call = true;
    if (rtp_parse(&k, buf, len) < 0)
        return;
    if (who == FZ_PEER_CAM && (k.ssrc == 0x10 || k.ssrc == 0x20) && k.pt == 96) {
        g.in.layer = k.ssrc == 0x10 ? 0 : 1;
        g.in.seq = k.seq;
    } else if (who == FZ_PEER_CAM && (k.ssrc == 0x11 || k.ssrc == 0x21) && k.pt == 97 &&
               k.payload_len >= 2) {
        g.in.layer = k.ssrc == 0x11 ? 0 : 1;
        g.in.seq = (uint16_t)(k.payload[0] << 8 | k.payload[1]);
    } else if (who == FZ_PEER_MIC && k.ssrc == 0x30 && k.pt == 111) {
        g.in.seq = k.seq;
    } else {
        return;
    }
    g.in.producer = who == FZ_PEER_CAM ? FZ_CAM : FZ_MIC;
    g.in.known = true;
}

static void rtp_in(struct router *r, int64_t now, uint32_t who, const uint8_t *buf, size_t len)
{
    know_input(who, buf, len);
    for (unsigned i = 0; i < N_CONS; i++)
        g.c[i].live_layer = -1;
    if (len & 2) { /* given parsed, as the engine does, or left to the router */
        struct rtp_packet k;

        router_on_rtp(r, now, who, buf, len, rtp_parse(&k, buf, len) == 0 ? &k : NULL);
    } else {
        router_on_rtp(r, now, who, buf, len, NULL);
    }
    drain(r);
    for (unsigned i = 0; i < N_CONS; i++) {
        /* The layer forwarded is the layer the consumer is on. */
        if (g.c[i].live_layer >= 0 && g.c[i].producer == FZ_CAM)
            check(router_consumer_layer(r, g.c[i].id) == g.c[i].live_layer);
    }
    memset(&g.in, 0, sizeof(g.in));
}

static void check_counters(const struct router *r)
{
    struct router_stats st;

    router_get_stats(r, &st);
    check(st.rtcp_bad <= st.rtcp_in && st.rtp_dropped_unknown <= st.rtp_in);
    check(g.rtp_out + st.rtp_out_dropped ==
          st.rtp_forwarded + st.retransmissions + st.retransmission_copies + st.key_copies);
    check(g.rtp_skipped <= st.rtp_out_dropped);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct router *r;
    struct router_cfg cfg;
    int64_t now = FZ_START_US;
    size_t pos = 0;
    unsigned records = 0;

    memset(&g, 0, sizeof(g));
    for (unsigned i = 0; i < N_CONS; i++)
        model_reset(&g.c[i], cons_ids[i]);
    memset(&cfg, 0, sizeof(cfg));
    g.skip = (size & 1) != 0;
    cfg.now_us = now;
    cfg.rtx_cache_packets = FZ_RTX_CACHE_PACKETS;
    check(router_create(&r, &cfg) == 0);
    setup(r);
    check(g.c[0].alive && g.c[1].alive && g.c[2].alive);

    while (pos < size && records++ < MAX_RECORDS) {
        uint8_t ctrl = data[pos++];
        uint32_t who = fz_peer(ctrl & 7);
        size_t len = fz_record_len(data, size, &pos);
        int64_t dl;

        if (ctrl >> 4 != 0) {
            now += (int64_t)(ctrl >> 4) * FZ_STEP_US;
            router_timeout(r, now);
            drain(r);
        }
        if (who == FZ_CONTROL) {
            control(r, data + pos, len, &now);
        } else if (ctrl & 8) {
            router_on_rtcp(r, now, who, data + pos, len);
            drain(r);
        } else
            rtp_in(r, now, who, data + pos, len);
        pos += len;
        dl = router_next_deadline(r);
        check(dl == INT64_MAX || dl > now - 1000000);
        check_counters(r);
        check(router_index_verify(r) == 0);
    }
    now += 3000000;
    for (int i = 0; i < 30; i++) {
        now += 100000;
        router_timeout(r, now);
        drain(r);
    }
    check_counters(r);
    router_destroy(r);
    return 0;
}
