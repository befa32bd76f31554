/* Tests for tests/load/vp8_clip.c, vp8_send.c and vp8_recv.c: the
 * generator's VP8 clip, its packetizer and the receive-side checker. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/err.h"
#include "media/rtp.h"
#include "tests/load/marker.h"
#include "tests/load/vp8_clip.h"
#include "tests/load/vp8_recv.h"
#include "tests/load/vp8_send.h"

#define N 16       /* clip frames */
#define K 8        /* keyframe interval */
#define MAXPKT 300 /* small packets, so frames span several */
#define STRIDE 320
#define CAP 4096 /* packets a test collects */
#define FRAME_US 33333u

static struct lg_vp8_clip *clip;

struct pkts {
    uint8_t buf[CAP][STRIDE];
    size_t len[CAP];
    unsigned pos[CAP]; /* clip position of the packet's frame */
    uint64_t at[CAP];  /* send time */
    size_t n;
};

static struct pkts P;

static int setup(void **state)
{
    struct lg_vp8_clip_cfg cfg;

    (void)state;
    lg_vp8_clip_cfg_default(&cfg);
    cfg.n_layers = 2;
    cfg.layer[0] = (struct lg_vp8_layer_cfg){160, 90, 100};
    cfg.layer[1] = (struct lg_vp8_layer_cfg){320, 180, 250};
    cfg.frames = N;
    cfg.key_interval = K;
    return lg_vp8_clip_create(&clip, &cfg) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    lg_vp8_clip_destroy(clip);
    return 0;
}

static struct lg_vp8_send *sender(unsigned layer)
{
    struct lg_vp8_send *s;
    const struct lg_vp8_send_cfg cfg = {.clip = clip,
                                        .layer = layer,
                                        .participant = 7,
                                        .ssrc = 0x1234 + layer,
                                        .pt = 96,
                                        .first_seq = 65530, /* wraps */
                                        .first_picture_id = 0x7ffe,
                                        .max_packet = MAXPKT};

    assert_int_equal(lg_vp8_send_create(&s, &cfg), 0);
    return s;
}

static struct lg_vp8_recv *receiver_w(bool decode, unsigned reorder)
{
    struct lg_vp8_recv *r;
    const struct lg_vp8_recv_cfg cfg = {
        .clip = clip, .decode = decode, .reorder = reorder, .join_us = 1000000};

    assert_int_equal(lg_vp8_recv_create(&r, &cfg), 0);
    return r;
}

static struct lg_vp8_recv *receiver(bool decode)
{
    return receiver_w(decode, 4);
}

/* Appends the next frame of s, sent at t, to P; returns its position. */
static unsigned send_one(struct lg_vp8_send *s, uint64_t t)
{
    size_t lens[64];
    uint8_t buf[64][STRIDE];
    struct lg_vp8_burst b = {.buf = &buf[0][0], .stride = STRIDE, .max = 64, .len = lens};

    assert_int_equal(lg_vp8_send_frame(s, t, &b), 0);
    assert_true(b.n > 0);
    assert_int_equal(b.frame % N, b.pos);
    assert_true(P.n + b.n <= CAP);
    for (size_t i = 0; i < b.n; i++) {
        assert_true(lens[i] <= MAXPKT);
        memcpy(P.buf[P.n], buf[i], lens[i]);
        P.len[P.n] = lens[i];
        P.pos[P.n] = b.pos;
        P.at[P.n] = t;
        P.n++;
    }
    return b.pos;
}

static void send_many(struct lg_vp8_send *s, unsigned frames, uint64_t t0)
{
    for (unsigned i = 0; i < frames; i++)
        send_one(s, t0 + i * FRAME_US);
}

static void feed(struct lg_vp8_recv *r, size_t i)
{
    assert_int_equal(lg_vp8_recv_input(r, P.at[i] + 1000, P.buf[i], P.len[i]), 0);
}

static void feed_all(struct lg_vp8_recv *r)
{
    for (size_t i = 0; i < P.n; i++)
        feed(r, i);
}

/* Index of packet k (0-based) of the frame at clip position pos in the
 * first loop. */
static size_t find(unsigned pos, size_t k)
{
    for (size_t i = 0; i < P.n; i++) {
        if (P.pos[i] == pos && k-- == 0)
            return i;
    }
    fail();
    return 0;
}

static size_t frame_pkts(unsigned pos)
{
    size_t n = 0, i = find(pos, 0);

    while (i + n < P.n && P.pos[i + n] == pos)
        n++;
    return n;
}

static void clip_shape(void **state)
{
    struct lg_vp8_frame f;

    (void)state;
    for (unsigned l = 0; l < 2; l++) {
        for (unsigned pos = 0; pos < N; pos++) {
            assert_true(lg_vp8_clip_frame(clip, l, pos, &f));
            assert_true(f.len > 0);
            assert_int_equal(f.key, pos % K == 0);
            /* TL0 TL2 TL1 TL2 after each keyframe; TL2 is droppable */
            static const uint8_t tid[4] = {0, 2, 1, 2};
            assert_int_equal(f.tid, tid[pos % K % 4]);
            assert_int_equal(f.droppable, f.tid == 2);
            if (f.key) {
                assert_int_equal(f.refs, 0);
                assert_int_equal(f.updates, LG_VP8_BUF_ALL);
            } else if (f.tid == 0) {
                assert_int_equal(f.refs, LG_VP8_BUF_LAST);
                assert_int_equal(f.updates, LG_VP8_BUF_LAST);
            } else {
                assert_int_equal(f.updates, f.tid == 1 ? LG_VP8_BUF_GOLDEN : 0);
                assert_int_equal(f.refs, pos % 4 == 1 ? LG_VP8_BUF_LAST : LG_VP8_BUF_ALL);
            }
            /* every decoded picture differs from the one before */
            assert_true(lg_vp8_clip_hash(clip, l, pos) !=
                        lg_vp8_clip_hash(clip, l, (pos + N - 1) % N));
        }
        assert_false(lg_vp8_clip_frame(clip, l, N, &f));
    }
    assert_false(lg_vp8_clip_frame(clip, 2, 0, &f));
    assert_true(lg_vp8_clip_cost_us(clip) > 0);
    print_message("clip 160x90+320x180, %u frames: encoded and decoded in %llu us CPU\n", N,
                  (unsigned long long)lg_vp8_clip_cost_us(clip));
}

static void packet_format(void **state)
{
    struct lg_vp8_send *s = sender(1);
    uint16_t seq = 65530;

    (void)state;
    P.n = 0;
    send_many(s, K + 1, 1000000);
    for (size_t i = 0; i < P.n; i++) {
        struct rtp_packet p;
        struct rtp_vp8_desc d;
        struct lg_marker m;
        bool first = i == 0 || P.pos[i - 1] != P.pos[i];
        bool last = i + 1 == P.n || P.pos[i + 1] != P.pos[i];
        unsigned pos = P.pos[i];

        assert_int_equal(rtp_parse(&p, P.buf[i], P.len[i]), 0);
        assert_int_equal(p.seq, seq++);
        assert_int_equal(p.ssrc, 0x1235);
        assert_int_equal(p.pt, 96);
        assert_int_equal(p.marker, last);
        assert_int_equal(p.timestamp, (uint32_t)((1000000 + pos * FRAME_US) * 9 / 100));
        assert_int_equal(rtp_vp8_parse(&d, p.payload, p.payload_len), 0);
        assert_int_equal(d.start, first);
        assert_int_equal(d.pid, 0);
        assert_true(d.has_picture_id && d.picture_id_15);
        assert_int_equal(d.picture_id, (0x7ffe + pos) & 0x7fff);
        assert_true(d.has_tl0picidx && d.has_tid);
        assert_false(d.has_keyidx);
        /* TL0 frames at 0, 4, 8: TL0PICIDX counts them from 1 */
        assert_int_equal(d.tl0picidx, pos / 4 + 1);
        assert_int_equal(d.keyframe, first && pos % K == 0);
        assert_int_equal(d.non_reference, pos % 2 == 1);
        assert_int_equal(lg_marker_read(P.buf[i], P.len[i], &m, NULL), 0);
        assert_int_equal(m.stream, lg_stream_id(7, 2));
        assert_int_equal(m.frame, pos);
        assert_int_equal(m.count, frame_pkts(pos));
        assert_int_equal(m.send_us, 1000000 + pos * FRAME_US);
    }
    assert_true(frame_pkts(0) > 2);
    assert_int_equal(lg_vp8_send_next_seq(s), seq);
    lg_vp8_send_destroy(s);
}

static void no_loss(void **state)
{
    struct lg_vp8_send *s = sender(1);
    struct lg_vp8_recv *r = receiver(true);
    struct lg_vp8_recv_stats st;

    (void)state;
    P.n = 0;
    send_many(s, 2 * N, 1000000);
    feed_all(r);
    lg_vp8_recv_stats(r, P.at[P.n - 1] + 1000, &st);
    assert_int_equal(st.lost, 0);
    assert_int_equal(st.complete, 2 * N);
    assert_int_equal(st.decoded, 2 * N);
    assert_int_equal(st.shown, 2 * N);
    assert_int_equal(st.corrupt, 0);
    assert_int_equal(st.decode_errors, 0);
    assert_int_equal(st.incomplete + st.skipped + st.missing + st.unverified, 0);
    assert_int_equal(st.keyframes, 2 * N / K);
    assert_int_equal(st.freezes, 0);
    assert_int_equal(st.layer, 1);
    assert_true(st.has_first);
    assert_int_equal(st.join_to_first_us, 1000);
    assert_true(st.fps > 29.9 && st.fps < 30.1);
    assert_false(lg_vp8_recv_keyframe_wanted(r));
    /* a second of silence is a freeze, once shown frames come again */
    lg_vp8_recv_stats(r, P.at[P.n - 1] + 1000 + 600000, &st);
    assert_int_equal(st.frozen_now_us, 600000);
    lg_vp8_recv_destroy(r);
    lg_vp8_send_destroy(s);
}

static void one_lost(void **state)
{
    struct lg_vp8_send *s = sender(1);
    struct lg_vp8_recv *r = receiver(true);
    struct lg_vp8_recv_stats st;
    size_t drop_ref, drop_tl2, drop_end;

    (void)state;
    P.n = 0;
    send_many(s, N, 1000000);
    /* the last packet of TL1 frame 2 (the GOLDEN reference until keyframe
     * 8), and the only or first packet of TL2 frame 13 (nothing builds on
     * it) */
    assert_true(frame_pkts(2) >= 2);
    drop_ref = find(2, frame_pkts(2) - 1);
    drop_tl2 = find(13, 0);
    assert_true(frame_pkts(N - 1) >= 2);
    drop_end = P.n - 1;
    for (size_t i = 0; i < P.n; i++) {
        if (i != drop_ref && i != drop_tl2 && i != drop_end)
            feed(r, i);
        if (i + 1 == find(K, 0))
            assert_true(lg_vp8_recv_keyframe_wanted(r));
    }
    /* the last packet of the last frame is missing: only the end of the
     * stream tells */
    lg_vp8_recv_stats(r, P.at[P.n - 1] + 1000, &st);
    assert_int_equal(st.lost, 2);
    lg_vp8_recv_flush(r, P.at[P.n - 1] + 1000);
    lg_vp8_recv_stats(r, P.at[P.n - 1] + 1000, &st);
    assert_int_equal(st.lost, 3);
    /* the last frame (15, TL2) lost a packet: nothing else follows from it */
    assert_true(st.incomplete + st.missing == 3);
    /* GOLDEN is lost until keyframe 8: TL2 frame 3 and 7 and TL1 frame 6
     * refer to it; TL0 frame 4 and TL2 frame 5 refer to LAST only */
    assert_int_equal(st.skipped, 3);
    assert_int_equal(st.decoded, N - 6);
    assert_int_equal(st.corrupt, 0);
    assert_int_equal(st.decode_errors, 0);
    assert_false(lg_vp8_recv_keyframe_wanted(r));
    lg_vp8_recv_destroy(r);
    lg_vp8_send_destroy(s);
}

/* A lost TL0 frame takes LAST with it: nothing is shown until the next
 * keyframe, and the checker wants one. */
static void tl0_lost(void **state)
{
    struct lg_vp8_send *s = sender(1);
    struct lg_vp8_recv *r = receiver(true);
    struct lg_vp8_recv_stats st;
    size_t drop;

    (void)state;
    P.n = 0;
    send_many(s, N, 1000000);
    drop = find(4, 0);
    for (size_t i = 0; i < P.n; i++) {
        if (i != drop)
            feed(r, i);
        if (i + 1 == find(K, 0))
            assert_true(lg_vp8_recv_keyframe_wanted(r));
    }
    lg_vp8_recv_stats(r, P.at[P.n - 1], &st);
    assert_int_equal(st.lost, 1);
    assert_int_equal(st.incomplete + st.missing, 1);
    assert_int_equal(st.skipped, 3); /* 5, 6, 7 */
    assert_int_equal(st.decoded, N - 4);
    assert_int_equal(st.corrupt + st.decode_errors, 0);
    assert_false(lg_vp8_recv_keyframe_wanted(r));
    lg_vp8_recv_destroy(r);
    lg_vp8_send_destroy(s);
}

static void corrupted_byte(void **state)
{
    struct lg_vp8_send *s = sender(1);
    struct lg_vp8_recv *r = receiver(true);
    struct lg_vp8_recv_stats st;
    size_t i;

    (void)state;
    P.n = 0;
    send_many(s, N, 1000000);
    /* a byte in the middle of delta frame 4's VP8 data (not the header,
     * the descriptor or the mark) */
    i = find(4, frame_pkts(4) / 2);
    P.buf[i][12 + LG_VP8_DESC_LEN + (P.len[i] - 12 - LG_VP8_DESC_LEN - LG_MARKER_PAD) / 2] ^= 0x5a;
    feed_all(r);
    lg_vp8_recv_stats(r, P.at[P.n - 1] + 1000, &st);
    assert_int_equal(st.lost, 0);
    assert_int_equal(st.complete, N);
    assert_true(st.corrupt + st.decode_errors >= 1);
    print_message("one byte flipped: %llu corrupt, %llu decode errors\n",
                  (unsigned long long)st.corrupt, (unsigned long long)st.decode_errors);
    lg_vp8_recv_destroy(r);
    lg_vp8_send_destroy(s);
}

static void reordered(void **state)
{
    struct lg_vp8_send *s = sender(1);
    struct lg_vp8_recv *r = receiver(true);
    struct lg_vp8_recv_stats st;
    size_t a, b, c;

    (void)state;
    P.n = 0;
    send_many(s, N, 1000000);
    a = find(0, 1); /* within the keyframe */
    b = find(5, 0); /* the last packet of frame 4 after the first of frame 5 */
    c = find(9, 0); /* three packets late */
    for (size_t i = 0; i < P.n; i++) {
        if (i == a || i == b - 1 || i == c)
            continue;
        feed(r, i);
        if (i == a + 1)
            feed(r, a);
        if (i == b)
            feed(r, b - 1);
        if (i == c + 3)
            feed(r, c);
    }
    feed(r, a); /* a duplicate, long after */
    lg_vp8_recv_stats(r, P.at[P.n - 1] + 1000, &st);
    assert_int_equal(st.lost, 0);
    assert_int_equal(st.late, 1);
    assert_int_equal(st.decoded, N);
    assert_int_equal(st.corrupt + st.decode_errors + st.skipped + st.incomplete, 0);
    lg_vp8_recv_destroy(r);
    lg_vp8_send_destroy(s);
}

/* The first packets come out of order, or the first one never comes. */
static void starts_mid_frame(void **state)
{
    struct lg_vp8_send *s = sender(1);
    struct lg_vp8_recv *r = receiver(true), *late = receiver(true);
    struct lg_vp8_recv_stats st;
    size_t k0, k1;

    (void)state;
    P.n = 0;
    send_many(s, N, 1000000);
    k0 = find(0, 0);
    k1 = find(0, 1);
    feed(r, k1);
    feed(r, k0);
    feed(late, k1);
    for (size_t i = k1 + 1; i < P.n; i++) {
        feed(r, i);
        feed(late, i);
    }
    lg_vp8_recv_stats(r, P.at[P.n - 1], &st);
    assert_int_equal(st.decoded, N);
    assert_int_equal(st.lost + st.late + st.corrupt + st.incomplete, 0);
    /* without the keyframe's first packet: nothing lost that was known,
     * and nothing shown before keyframe K */
    lg_vp8_recv_stats(late, P.at[P.n - 1], &st);
    assert_int_equal(st.lost, 0);
    assert_int_equal(st.incomplete, 1);
    assert_int_equal(st.skipped, K - 1);
    assert_int_equal(st.decoded, N - K);
    assert_int_equal(st.corrupt, 0);
    lg_vp8_recv_destroy(r);
    lg_vp8_recv_destroy(late);
    lg_vp8_send_destroy(s);
}

/* Sequence numbers jump by 1000 between two frames: all of them count as
 * lost, and since no frame is missing, decoding goes on. */
static void seq_jump(void **state)
{
    struct lg_vp8_send *s = sender(1);
    struct lg_vp8_recv *r = receiver(true);
    struct lg_vp8_recv_stats st;
    size_t from;

    (void)state;
    P.n = 0;
    send_many(s, N, 1000000);
    from = find(4, 0);
    for (size_t i = 0; i < P.n; i++) {
        if (i >= from) {
            struct rtp_packet p;

            assert_int_equal(rtp_parse(&p, P.buf[i], P.len[i]), 0);
            assert_int_equal(rtp_set_seq(P.buf[i], P.len[i], (uint16_t)(p.seq + 1000)), 0);
        }
        feed(r, i);
    }
    lg_vp8_recv_stats(r, P.at[P.n - 1], &st);
    assert_int_equal(st.lost, 1000);
    assert_int_equal(st.decoded, N);
    assert_int_equal(st.corrupt + st.incomplete + st.skipped, 0);
    lg_vp8_recv_destroy(r);
    lg_vp8_send_destroy(s);
}

/* What an SFU does to a forwarded packet: its own sequence numbers and
 * continuous PictureIDs (the descriptor starts at byte 12, no extension). */
static void sfu_rewrite(uint8_t *pkt, size_t len, uint16_t seq, uint16_t pid)
{
    assert_int_equal(rtp_set_seq(pkt, len, seq), 0);
    assert_int_equal(rtp_set_ssrc(pkt, len, 0xabcd), 0);
    pkt[14] = (uint8_t)(0x80 | pid >> 8);
    pkt[15] = (uint8_t)pid;
}

static void layer_switch(void **state)
{
    struct lg_vp8_send *s0 = sender(0), *s1 = sender(1);
    struct lg_vp8_recv *r, *other;
    struct lg_vp8_recv_stats st;
    uint16_t seq = 100, pid = 0;
    struct lg_vp8_recv_cfg rc = {.clip = clip, .decode = true, .check_participant = true};

    (void)state;
    rc.participant = 7;
    assert_int_equal(lg_vp8_recv_create(&r, &rc), 0);
    rc.participant = 8; /* expects someone else's video */
    assert_int_equal(lg_vp8_recv_create(&other, &rc), 0);
    /* the SFU forwards layer 0 until keyframe K, then layer 1 */
    for (unsigned f = 0; f < 2 * K; f++) {
        size_t from;

        P.n = 0;
        send_one(s0, 1000000 + f * FRAME_US);
        from = P.n;
        send_one(s1, 1000000 + f * FRAME_US);
        size_t lo = f < K ? 0 : from, hi = f < K ? from : P.n;
        for (size_t i = lo; i < hi; i++) {
            sfu_rewrite(P.buf[i], P.len[i], seq++, pid);
            feed(r, i);
            feed(other, i);
        }
        pid++;
    }
    lg_vp8_recv_stats(r, 1000000 + 2 * K * FRAME_US, &st);
    assert_int_equal(st.foreign, 0);
    assert_int_equal(st.decoded, 2 * K);
    assert_int_equal(st.corrupt + st.decode_errors + st.skipped + st.lost, 0);
    assert_int_equal(st.layer_switches, 1);
    assert_int_equal(st.layer, 1);
    lg_vp8_recv_stats(other, 1000000 + 2 * K * FRAME_US, &st);
    assert_int_equal(st.foreign, st.packets);
    assert_true(st.packets > 0);
    lg_vp8_recv_destroy(r);
    lg_vp8_recv_destroy(other);
    lg_vp8_send_destroy(s0);
    lg_vp8_send_destroy(s1);
}

static void keyframe_request(void **state)
{
    struct lg_vp8_send *s = sender(1);
    struct lg_vp8_recv *r = receiver_w(true, 1);
    struct lg_vp8_recv_stats st;
    uint64_t t = 1000000;
    size_t drop;
    unsigned pos;

    (void)state;
    P.n = 0;
    for (unsigned i = 0; i < 4; i++)
        send_one(s, t += FRAME_US);
    /* frame 2 (TL1) loses a packet: the receiver asks for a keyframe */
    drop = find(2, 0);
    for (size_t i = 0; i < P.n; i++) {
        if (i != drop)
            feed(r, i);
    }
    assert_true(lg_vp8_recv_keyframe_wanted(r));
    lg_vp8_send_keyframe_request(s);
    size_t before = P.n;
    pos = send_one(s, t += FRAME_US);
    assert_int_equal(pos, K); /* position 4 was next; jumped to 8 */
    struct lg_marker m;
    assert_int_equal(lg_marker_read(P.buf[before], P.len[before], &m, NULL), 0);
    assert_int_equal(m.frame, K);
    pos = send_one(s, t += FRAME_US);
    assert_int_equal(pos, K + 1);
    for (size_t i = before; i < P.n; i++)
        feed(r, i);
    assert_false(lg_vp8_recv_keyframe_wanted(r));
    lg_vp8_recv_stats(r, t, &st);
    assert_int_equal(st.decoded, 2 + 2); /* 0, 1, then 8, 9 */
    assert_int_equal(st.skipped, 1);     /* 3 */
    assert_int_equal(st.corrupt + st.decode_errors, 0);
    /* at a keyframe position already, a request changes nothing */
    lg_vp8_send_destroy(s);
    s = sender(1);
    lg_vp8_send_keyframe_request(s);
    assert_int_equal(send_one(s, t), 0);
    assert_int_equal(send_one(s, t + FRAME_US), 1);
    lg_vp8_recv_destroy(r);
    lg_vp8_send_destroy(s);
}

static void freeze_and_sample(void **state)
{
    struct lg_vp8_send *s = sender(0);
    struct lg_vp8_recv *r = receiver(false), *d = receiver(true);
    struct lg_vp8_recv_stats st;
    size_t drop;

    (void)state;
    P.n = 0;
    send_many(s, K, 1000000);
    send_many(s, N + K, 1000000 + 700000 + K * FRAME_US); /* 0.7 s pause */
    drop = find(1, 0);
    for (size_t i = 0; i < P.n; i++) {
        if (i == drop)
            continue;
        if (i == find(6, 0)) /* decoding starts with keyframe 8 */
            assert_int_equal(lg_vp8_recv_set_decode(r, true), 0);
        feed(r, i);
        feed(d, i);
    }
    lg_vp8_recv_stats(d, P.at[P.n - 1], &st);
    assert_int_equal(st.freezes, 1);
    assert_int_equal(st.frozen_us, 700000 + FRAME_US);
    assert_int_equal(st.decoded, 2 * K + N - 1);
    assert_int_equal(st.corrupt, 0);
    lg_vp8_recv_stats(r, P.at[P.n - 1], &st);
    assert_int_equal(st.freezes, 1);
    assert_int_equal(st.complete, 2 * K + N - 1);
    assert_int_equal(st.incomplete + st.missing, 1);
    assert_int_equal(st.shown, 2 * K + N - 1 - 2); /* 6 and 7 waited for keyframe 8 */
    assert_int_equal(st.decoded, 2 * K + N - K);
    assert_int_equal(st.corrupt, 0);
    lg_vp8_recv_destroy(r);
    lg_vp8_recv_destroy(d);
    lg_vp8_send_destroy(s);
}

/* One temporal layer (no TL0PICIDX, no TID) and a header extension block
 * copied into every packet. */
static void one_layer_with_extension(void **state)
{
    static const uint8_t ext[] = {0xbe, 0xde, 0, 1, 0x22, 0xaa, 0xbb, 0xcc};
    struct lg_vp8_clip_cfg cc;
    struct lg_vp8_clip *c1;
    struct lg_vp8_send *s;
    struct lg_vp8_recv *r;
    struct lg_vp8_recv_stats st;
    size_t lens[64];
    uint8_t buf[64][STRIDE];

    (void)state;
    lg_vp8_clip_cfg_default(&cc);
    cc.n_layers = 1;
    cc.layer[0] = (struct lg_vp8_layer_cfg){64, 36, 50};
    cc.frames = 6;
    cc.key_interval = 3;
    cc.temporal_layers = 1;
    assert_int_equal(lg_vp8_clip_create(&c1, &cc), 0);
    const struct lg_vp8_send_cfg sc = {
        .clip = c1, .ssrc = 5, .pt = 100, .max_packet = MAXPKT, .ext = ext, .ext_len = sizeof ext};
    const struct lg_vp8_recv_cfg rc = {.clip = c1, .decode = true};
    assert_int_equal(lg_vp8_send_create(&s, &sc), 0);
    assert_int_equal(lg_vp8_recv_create(&r, &rc), 0);
    for (unsigned f = 0; f < 12; f++) {
        struct lg_vp8_burst b = {.buf = &buf[0][0], .stride = STRIDE, .max = 64, .len = lens};

        assert_int_equal(lg_vp8_send_frame(s, 1000000 + f * FRAME_US, &b), 0);
        for (size_t i = 0; i < b.n; i++) {
            struct rtp_packet p;
            struct rtp_vp8_desc d;
            struct rtp_ext_elem e;

            assert_int_equal(rtp_parse(&p, buf[i], lens[i]), 0);
            assert_int_equal(rtp_ext_find(&p, 2, &e), 0);
            assert_int_equal(e.len, 3);
            assert_memory_equal(e.data, ext + 5, 3);
            assert_int_equal(rtp_vp8_parse(&d, p.payload, p.payload_len), 0);
            assert_true(d.has_picture_id && d.picture_id_15);
            assert_false(d.has_tl0picidx || d.has_tid || d.has_keyidx || d.non_reference);
            assert_int_equal(d.desc_len, 4);
            assert_int_equal(lg_vp8_recv_input(r, 1000000 + f * FRAME_US, buf[i], lens[i]), 0);
        }
    }
    lg_vp8_recv_stats(r, 1000000 + 12 * FRAME_US, &st);
    assert_int_equal(st.decoded, 12);
    assert_int_equal(st.keyframes, 4);
    assert_int_equal(st.corrupt + st.decode_errors + st.lost, 0);
    lg_vp8_recv_destroy(r);
    lg_vp8_send_destroy(s);
    lg_vp8_clip_destroy(c1);
}

static void refusals(void **state)
{
    struct lg_vp8_recv *r = receiver(true);
    struct lg_vp8_recv_stats st;
    struct lg_vp8_send *s;
    struct lg_vp8_recv_cfg rc = {.clip = NULL};
    struct lg_vp8_send_cfg sc = {.clip = clip, .layer = 2};
    struct lg_vp8_clip_cfg cc;
    struct lg_vp8_clip *c;
    static const uint8_t junk[] = {0x80, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1};
    uint8_t big[LG_VP8_RX_PKT_MAX + 1] = {0x80, 96};
    size_t lens[1];
    uint8_t buf[MAXPKT];
    struct lg_vp8_burst b = {.buf = buf, .stride = MAXPKT, .max = 1, .len = lens};

    (void)state;
    assert_int_equal(lg_vp8_recv_input(r, 0, junk, 3), ERR_PARSE);
    assert_int_equal(lg_vp8_recv_input(r, 0, junk, sizeof junk), ERR_PARSE); /* no VP8 */
    assert_int_equal(lg_vp8_recv_input(r, 0, big, sizeof big), ERR_TOOBIG);
    lg_vp8_recv_stats(r, 0, &st);
    assert_int_equal(st.invalid, 3);
    assert_int_equal(st.packets, 0);
    lg_vp8_recv_destroy(r);
    assert_int_equal(lg_vp8_recv_create(&r, &rc), ERR_INVAL);
    assert_int_equal(lg_vp8_send_create(&s, &sc), ERR_INVAL);
    sc.layer = 0;
    sc.ext_len = 6;
    assert_int_equal(lg_vp8_send_create(&s, &sc), ERR_INVAL);
    sc.ext_len = 0;
    sc.max_packet = 2000;
    assert_int_equal(lg_vp8_send_create(&s, &sc), ERR_INVAL);
    lg_vp8_clip_cfg_default(&cc);
    cc.key_interval = 7; /* does not divide 120 */
    assert_int_equal(lg_vp8_clip_create(&c, &cc), ERR_INVAL);
    assert_null(c);
    /* a keyframe does not fit one packet: nothing is sent */
    s = sender(1);
    assert_int_equal(lg_vp8_send_frame(s, 0, &b), ERR_TOOBIG);
    assert_int_equal(b.n, 0);
    assert_int_equal(lg_vp8_send_next_seq(s), 65530);
    lg_vp8_send_destroy(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clip_shape),        cmocka_unit_test(packet_format),
        cmocka_unit_test(no_loss),           cmocka_unit_test(one_lost),
        cmocka_unit_test(corrupted_byte),    cmocka_unit_test(reordered),
        cmocka_unit_test(layer_switch),      cmocka_unit_test(keyframe_request),
        cmocka_unit_test(freeze_and_sample), cmocka_unit_test(one_layer_with_extension),
        cmocka_unit_test(starts_mid_frame),  cmocka_unit_test(seq_jump),
        cmocka_unit_test(tl0_lost),          cmocka_unit_test(refusals),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
