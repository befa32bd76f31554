/* Writes the seed corpus of tests/fuzz/fuzz_router.c (its record format,
 * its room from tests/fuzz/fuzz_router.h) when SAMTALE_SEED_DIR is set:
 *   SAMTALE_SEED_DIR=tests/fuzz/corpus/router build/debug/tests/test_router_seeds
 * Without it the records are built (their builders' checks run) and
 * nothing is written. */
#include "tests/unit/router_harness.h"

#include "tests/fuzz/fuzz_router.h"
#include "tests/unit/seed_dump.h"

static size_t rec(uint8_t *out, unsigned who, bool rtcp, unsigned steps, const uint8_t *b, size_t n)
{
    out[0] = (uint8_t)((who & 7) | (rtcp ? 8 : 0) | (steps & 15) << 4);
    out[1] = (uint8_t)(n >> 8);
    out[2] = (uint8_t)n;
    memcpy(out + 3, b, n);
    return n + 3;
}

/* A VP8 packet of the fuzz room's camera. */
static size_t fz_vp8(uint8_t *b, uint32_t ssrc, uint16_t seq, bool key, const char *rid)
{
    struct pkt_opts o;

    memset(&o, 0, sizeof(o));
    o.ssrc = ssrc;
    o.pt = 96;
    o.seq = seq;
    o.ts = seq * 300u;
    o.vp8 = true;
    o.key = key;
    o.start = true;
    o.marker = true;
    o.pid = seq;
    o.tl0 = (uint8_t)seq;
    o.rid = rid;
    o.payload = 40;
    return build_pkt(b, ROUTER_PKT_CAP, &o);
}

static void test_write_seeds(void **state)
{
    static uint8_t s[1 << 16];
    uint8_t b[ROUTER_PKT_CAP];
    size_t n = 0, k;
    uint16_t seqs[3] = {5, 6, 9};
    struct wr w;

    (void)state;

    /* Camera keyframes on all layers ("f" learnt by rid), then frames. */
    for (uint16_t i = 0; i < 6; i++) {
        n += rec(s + n, 0, false, 3, b, fz_vp8(b, 0x10, i, i == 0, NULL));
        n += rec(s + n, 6, false, 0, b, fz_vp8(b, 0x20, i, i == 0, NULL));
        n += rec(s + n, 0, false, 0, b, fz_vp8(b, 0x77, i, i == 0, i == 0 ? "f" : NULL));
    }
    dump_seed("simulcast", s, n);

    /* NACKs and PLI from both subscribers, then a loss upstream. */
    wr_init(&w, b, sizeof(b));
    assert_int_equal(rtcp_build_nack(&w, 1, 0x100, seqs, 3), 0);
    assert_int_equal(rtcp_build_pli(&w, 1, 0x100), 0);
    k = (size_t)(w.p - b);
    n += rec(s + n, 2, true, 2, b, k);
    wr_init(&w, b, sizeof(b));
    assert_int_equal(rtcp_build_nack(&w, 1, 0x200, seqs, 3), 0);
    n += rec(s + n, 3, true, 2, b, (size_t)(w.p - b));
    n += rec(s + n, 0, false, 2, b, fz_vp8(b, 0x10, 9, false, NULL));
    n += rec(s + n, 0, false, 15, b, fz_vp8(b, 0x10, 10, false, NULL));
    dump_seed("repair", s, n);

    /* Microphone levels. */
    n = 0;
    for (uint16_t i = 0; i < 40; i++) {
        struct pkt_opts o;

        memset(&o, 0, sizeof(o));
        o.ssrc = 0x30;
        o.pt = 111;
        o.seq = i;
        o.ts = i * 960u;
        o.audio = true;
        o.voice = i > 5;
        o.level = 20;
        o.payload = 30;
        n += rec(s + n, 1, false, 2, b, build_pkt(b, sizeof(b), &o));
    }
    dump_seed("speaker", s, n);

    /* Publisher SR and an RTX repair. */
    n = 0;
    n += rec(s + n, 0, false, 0, b, fz_vp8(b, 0x10, 1, true, NULL));
    n += rec(s + n, 0, false, 1, b, fz_vp8(b, 0x10, 3, false, NULL));
    {
        struct rtcp_sr sr;

        memset(&sr, 0, sizeof(sr));
        sr.ssrc = 0x10;
        sr.ntp = 1ULL << 40;
        sr.rtp_ts = 900;
        wr_init(&w, b, sizeof(b));
        assert_int_equal(rtcp_build_sr(&w, &sr), 0);
        n += rec(s + n, 0, true, 1, b, (size_t)(w.p - b));
    }
    k = fz_vp8(b, 0x10, 2, false, NULL);
    memmove(b + 14 + 4 + 8, b + 12 + 4 + 8, k - 12 - 4 - 8); /* header + ext: 24 bytes */
    b[1] = 97;
    b[11] = 0x11;
    b[24] = 0;
    b[25] = 2;
    n += rec(s + n, 0, false, 1, b, k + 2);
    n += rec(s + n, 2, false, 15, b, 0);
    dump_seed("sr_rtx", s, n);

    /* Control: prefs, bitrate, remove and set up again, remove a peer. */
    n = 0;
    n += rec(s + n, 0, false, 0, b, fz_vp8(b, 0x10, 1, true, NULL));
    n += rec(s + n, 5, false, 1, (const uint8_t[]){0, 1, 1, 20}, 4);
    n += rec(s + n, 5, false, 1, (const uint8_t[]){0, 1, 0, 45}, 4);
    n += rec(s + n, 5, false, 1, (const uint8_t[]){1, 2, 3}, 3);
    n += rec(s + n, 0, false, 1, b, fz_vp8(b, 0x20, 1, true, NULL));
    n += rec(s + n, 5, false, 1, (const uint8_t[]){2, 0}, 2);
    n += rec(s + n, 5, false, 1, (const uint8_t[]){3}, 1);
    n += rec(s + n, 0, false, 1, b, fz_vp8(b, 0x10, 9, true, NULL));
    n += rec(s + n, 5, false, 1, (const uint8_t[]){4, 1}, 2);
    n += rec(s + n, 5, false, 1, (const uint8_t[]){5, 0}, 2);
    n += rec(s + n, 5, false, 1, (const uint8_t[]){6, 3}, 2);
    n += rec(s + n, 5, false, 1, (const uint8_t[]){3}, 1);
    dump_seed("control", s, n);

    /* REMB and FIR from a subscriber. */
    n = 0;
    n += rec(s + n, 0, false, 0, b, fz_vp8(b, 0x10, 1, true, NULL));
    {
        uint32_t media = 0x100;
        struct rtcp_fir_entry e = {0x100, 3};

        wr_init(&w, b, sizeof(b));
        assert_int_equal(rtcp_build_remb(&w, 1, 100000, &media, 1), 0);
        assert_int_equal(rtcp_build_fir(&w, 1, &e, 1), 0);
        n += rec(s + n, 2, true, 5, b, (size_t)(w.p - b));
    }
    n += rec(s + n, 0, false, 15, b, fz_vp8(b, 0x10, 2, true, NULL));
    dump_seed("remb_fir", s, n);

    /* Garbage from everyone. */
    n = 0;
    for (unsigned i = 0; i < 8; i++) {
        for (size_t j = 0; j < 40; j++)
            b[j] = (uint8_t)(0x80 + i * 13 + j * 7);
        n += rec(s + n, i, i % 2 == 0, i, b, 40);
    }
    dump_seed("garbage", s, n);

    /* A lossy subscriber: receiver reports with growing loss, NACKs, frames
     * of two packets (the second overdue once: a tail probe upstream) and
     * long waits (copies, retries, give-up). */
    n = 0;
    n += rec(s + n, 0, false, 0, b, fz_vp8(b, 0x10, 1, true, NULL));
    for (uint32_t i = 0; i < 3; i++) {
        struct rtcp_rr rr;

        memset(&rr, 0, sizeof(rr));
        rr.ssrc = 1;
        rr.report_count = 1;
        rr.reports[0].ssrc = 0x100;
        rr.reports[0].ext_highest_seq = 200 * i;
        rr.reports[0].cumulative_lost = (int32_t)(20 * i);
        wr_init(&w, b, sizeof(b));
        assert_int_equal(rtcp_build_rr(&w, &rr), 0);
        n += rec(s + n, 2, true, 1, b, (size_t)(w.p - b));
    }
    for (uint16_t i = 2; i < 12; i += 2) {
        k = fz_vp8(b, 0x10, i, false, NULL);
        b[1] = 96; /* no marker: the frame goes on */
        n += rec(s + n, 0, false, 0, b, k);
        if (i != 6)
            n += rec(s + n, 0, false, 1, b, fz_vp8(b, 0x10, (uint16_t)(i + 1), false, NULL));
        else
            n += rec(s + n, 0, false, 3, b, 0);
    }
    wr_init(&w, b, sizeof(b));
    assert_int_equal(rtcp_build_nack(&w, 1, 0x100, seqs, 3), 0);
    n += rec(s + n, 2, true, 1, b, (size_t)(w.p - b));
    n += rec(s + n, 0, false, 15, b, fz_vp8(b, 0x10, 20, false, NULL));
    n += rec(s + n, 0, false, 15, b, fz_vp8(b, 0x10, 21, false, NULL));
    dump_seed("lossy", s, n);

    /* Subscriber A on "h" switches down to "q" (prefs), then NACKs numbers
     * of both sides of the switch; B NACKs too; waits for the copies. The
     * layers' numbers differ, so a repair from the wrong layer shows. */
    n = 0;
    for (uint16_t i = 0; i < 6; i++) {
        if (i == 3) /* 6 slow ticks: A's layer is chosen again, "f" being silent */
            for (int t = 0; t < 6; t++)
                n += rec(s + n, 1, false, 15, b, 0);
        n += rec(s + n, 0, false, 1, b, fz_vp8(b, 0x10, i, i % 3 == 0, NULL));
        n += rec(s + n, 6, false, 0, b, fz_vp8(b, 0x20, (uint16_t)(100 + i), i % 3 == 0, NULL));
    }
    n += rec(s + n, 5, false, 1, (const uint8_t[]){0, 0, 0, 22}, 4); /* A: height <= 176 */
    for (uint16_t i = 6; i < 10; i++) {
        n += rec(s + n, 0, false, 1, b, fz_vp8(b, 0x10, i, i == 6, NULL));
        n += rec(s + n, 6, false, 0, b, fz_vp8(b, 0x20, (uint16_t)(100 + i), false, NULL));
    }
    {
        const uint16_t a_seqs[3] = {103, 104, 107};
        const uint16_t b_seqs[2] = {4, 8};

        wr_init(&w, b, sizeof(b));
        assert_int_equal(rtcp_build_nack(&w, 1, 0x100, a_seqs, 3), 0);
        n += rec(s + n, 2, true, 1, b, (size_t)(w.p - b));
        wr_init(&w, b, sizeof(b));
        assert_int_equal(rtcp_build_nack(&w, 1, 0x200, b_seqs, 2), 0);
        n += rec(s + n, 3, true, 1, b, (size_t)(w.p - b));
    }
    n += rec(s + n, 5, false, 15, (const uint8_t[]){6, 1}, 2);
    dump_seed("switch_nack", s, n);

    /* A two-byte extension packet and an H.264-like payload on the camera. */
    {
        static const uint8_t two[] = {0x90, 96, 0,    1,    0,    0,    0,    9, 0,
                                      0,    0,  0x10, 0x10, 0x00, 0x00, 0x01, 5, 0x01,
                                      'q',  0,  0x90, 0x80, 0x80, 0x01, 0x10, 0};

        n = rec(s, 0, false, 0, two, sizeof(two));
        dump_seed("two_byte", s, n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_seeds),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
