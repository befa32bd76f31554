/* Tests for the router's outputs (router_poll, router_write in
 * media/router_out.c): a packet not written (no pool packet) is dropped and
 * counted and the numbering goes on, so a NACK repairs it; outputs not taken
 * before the next call are dropped, counted and can no longer be written;
 * only the output polled last can be written, once, into a buffer of at
 * least ROUTER_PKT_CAP; the transport-cc offset points at the subscriber's
 * element; and a call that leaves more than ROUTER_OUT_MAX outputs drops
 * and counts the rest. */
#include "tests/unit/router_harness.h"

static int teardown_all(void **state)
{
    g_write_left = SIZE_MAX;
    return teardown(state);
}

/* No buffer: dropped and counted, the numbering goes on, a NACK repairs. */
static void test_no_buffer_drops(void **state)
{
    struct router_stats s;
    size_t from, n, idx[64];
    uint8_t b[256];
    uint16_t first, lost[5];
    struct rtp_packet k;

    (void)state;
    start_on_layer(C1, SUB, 0xA000, true, 2);
    from = mark();
    g_write_left = 2; /* of the top layer's 5 packets, 3 find no buffer */
    frame_all(0);
    s = stats();
    assert_int_equal(s.rtp_out_dropped, 3);
    n = rtp_out(from, SUB, 0xA000, idx, 64);
    assert_int_equal(n, 2);
    assert_int_equal(rtp_parse(&k, g_out[idx[0]].buf, g_out[idx[0]].len), 0);
    first = k.seq;
    g_write_left = SIZE_MAX;
    from = mark();
    frame_all(0);
    n = rtp_out(from, SUB, 0xA000, idx, 64);
    assert_int_equal(n, 5);
    assert_int_equal(rtp_parse(&k, g_out[idx[0]].buf, g_out[idx[0]].len), 0);
    assert_int_equal(k.seq, (uint16_t)(first + 5)); /* the dropped 3 kept their numbers */
    for (int i = 0; i < 3; i++)
        lost[i] = (uint16_t)(first + 2 + i);
    from = mark();
    rtcp_in(SUB, b, build_nack(b, sizeof b, 0xA000, lost, 3));
    assert_int_equal(rtp_out(from, SUB, 0xA001, idx, 64), 3); /* as RTX */
    for (int i = 0; i < 3; i++) {
        assert_int_equal(rtp_parse(&k, g_out[idx[i]].buf, g_out[idx[i]].len), 0);
        assert_int_equal(k.payload[0] << 8 | k.payload[1], lost[i]);
    }
    /* Retransmissions without a buffer: queued (counted), not written (dropped). */
    g_write_left = 0;
    s = stats();
    from = mark();
    rtcp_in(SUB, b, build_nack(b, sizeof b, 0xA000, lost, 1));
    assert_int_equal(rtp_out(from, SUB, 0xA001, idx, 64), 0);
    assert_int_equal(stats().retransmissions, s.retransmissions + 1);
    assert_int_equal(stats().rtp_out_dropped, s.rtp_out_dropped + 1);
    g_write_left = SIZE_MAX;
}

/* The top layer's next packet (not a keyframe), into pkt; its length. */
static size_t next_top(uint8_t *pkt, size_t payload)
{
    struct pkt_opts po;

    memset(&po, 0, sizeof(po));
    po.ssrc = g_layer[2].ssrc;
    po.pt = 96;
    po.seq = g_layer[2].seq++;
    po.ts = g_layer[2].ts;
    po.vp8 = true;
    po.start = true;
    po.pid = g_layer[2].pid;
    po.tl0 = g_layer[2].tl0;
    po.payload = payload;
    return build_pkt(pkt, ROUTER_PKT_CAP, &po);
}

/* Two subscribers forwarded the top layer. */
static void two_on_top(void)
{
    start_on_layer(C1, SUB, 0xA000, true, 2);
    add_consumer(C2, CAM, SUB2, 0xB000, false);
    set_height(C2, 720);
    frame_all(4);
    frame_all(0);
}

/* Outputs of a call not taken before the next call: dropped, counted,
 * and not writable any more. */
static void test_untaken_dropped(void **state)
{
    struct router_output o;
    struct router_stats s;
    uint8_t b[ROUTER_PKT_CAP];
    uint8_t pkt[ROUTER_PKT_CAP];
    size_t n, queued = 0;

    (void)state;
    two_on_top();
    s = stats();
    n = next_top(pkt, 300);
    router_on_rtp(g_r, g_now, PUB, pkt, n, NULL); /* not drained */
    assert_true(router_poll(g_r, &o));            /* one polled, not written */
    assert_int_equal(o.kind, ROUTER_OUT_RTP);
    queued = 1;
    while (router_poll(g_r, &o)) /* the second subscriber's: taken, not written */
        queued++;
    assert_int_equal(queued, 2);
    assert_int_equal(router_write(g_r, &o, b, sizeof(b)), 0);
    assert_int_equal(stats().rtp_out_dropped, s.rtp_out_dropped + 2);
    /* Taken and left: dropped by the next call. */
    n = next_top(pkt, 300);
    router_on_rtp(g_r, g_now, PUB, pkt, n, NULL);
    s = stats();
    router_timeout(g_r, g_now + 1);
    assert_int_equal(stats().rtp_out_dropped, s.rtp_out_dropped + 2);
    drain();
}

/* Only the output polled last, once, into a big enough buffer. */
static void test_write_rules(void **state)
{
    struct router_output o, first;
    uint8_t pkt[ROUTER_PKT_CAP], b[ROUTER_PKT_CAP];
    size_t n;

    (void)state;
    two_on_top();
    n = next_top(pkt, 400);
    router_on_rtp(g_r, g_now, PUB, pkt, n, NULL);
    assert_true(router_poll(g_r, &first));
    assert_int_equal(router_write(g_r, &first, b, ROUTER_PKT_CAP - 1), 0); /* too small */
    assert_int_equal(router_write(g_r, &first, NULL, sizeof(b)), 0);
    assert_true(router_poll(g_r, &o));
    assert_int_equal(router_write(g_r, &first, b, sizeof(b)), 0); /* not the last polled */
    assert_int_equal(router_write(g_r, &o, b, sizeof(b)), o.len);
    assert_int_equal(router_write(g_r, &o, b, sizeof(b)), 0); /* written already */
    assert_false(router_poll(g_r, &o));
    assert_false(router_poll(g_r, &o)); /* stays empty */
}

/* The transport-cc offset is where the subscriber's element (id 5 in
 * cons_cfg) carries the publisher's number; none without the extension. */
static void test_twcc_offset(void **state)
{
    size_t from, idx[16], n;

    (void)state;
    start_on_layer(C1, SUB, 0xA000, true, 2);
    from = mark();
    frame_all(0);
    n = rtp_out(from, SUB, 0xA000, idx, 16);
    assert_int_equal(n, 5);
    for (size_t i = 0; i < n; i++) {
        const struct sent *o = &g_out[idx[i]];
        struct rtp_packet k;
        struct rtp_ext_elem e;
        uint16_t seq;

        assert_int_equal(rtp_parse(&k, o->buf, o->len), 0);
        assert_int_equal(rtp_ext_find(&k, 5, &e), 0);
        assert_int_equal(rtp_ext_read_twcc_seq(&e, &seq), 0);
        assert_true(o->twcc_off > 0);
        assert_ptr_equal(o->buf + o->twcc_off, e.data);
    }
}

/* A NACK that asks for more than one call may leave: the rest is dropped
 * and counted, nothing else breaks. */
static void test_too_many_outputs(void **state)
{
    uint8_t b[1024];
    uint16_t seqs[ROUTER_OUT_MAX + 100];
    size_t from, n = 0, idx[8];
    uint16_t first = 0;
    struct router_stats s;
    struct rtp_packet k;

    (void)state;
    start_on_layer(C1, SUB, 0xA000, false, 0);
    from = mark();
    for (int f = 0; f < 300; f++) /* 600 packets of layer 0 */
        send_frame(&g_layer[0], f == 0, 2, 100);
    assert_true(rtp_out(from, SUB, 0xA000, idx, 8) > 0);
    assert_int_equal(rtp_parse(&k, g_out[idx[0]].buf, g_out[idx[0]].len), 0);
    first = k.seq;
    /* the last 100 packets (cached), each asked for about 11 times */
    for (size_t i = 0; i < ROUTER_OUT_MAX + 100; i++)
        seqs[n++] = (uint16_t)(first + 500 + i % 100);
    s = stats();
    from = mark();
    rtcp_in(SUB, b, build_nack(b, sizeof b, 0xA000, seqs, n));
    /* as many written as the call could leave, the rest dropped */
    assert_int_equal(g_n_out - from, ROUTER_OUT_MAX);
    assert_int_equal(stats().retransmissions - s.retransmissions, n);
    assert_int_equal(stats().rtp_out_dropped - s.rtp_out_dropped, n - ROUTER_OUT_MAX);
    frame_all(0); /* still forwarding */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_no_buffer_drops, setup, teardown_all),
        cmocka_unit_test_setup_teardown(test_untaken_dropped, setup, teardown_all),
        cmocka_unit_test_setup_teardown(test_write_rules, setup, teardown_all),
        cmocka_unit_test_setup_teardown(test_twcc_offset, setup, teardown_all),
        cmocka_unit_test_setup_teardown(test_too_many_outputs, setup, teardown_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
