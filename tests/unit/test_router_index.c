/* Tests for media/router_index.c: the router's hash indices stay equal to
 * a linear scan of its objects (tests/fuzz/router_index_verify.h) through
 * adds, removals, SSRC learning from rid extensions and a full room, and
 * lookups by them route media and feedback as before. */
#include "tests/unit/router_harness.h"
#include "tests/fuzz/router_index_verify.h"

static void verify(void)
{
    assert_int_equal(router_index_verify(g_r), 0);
}

static void test_objects_in_and_out(void **state)
{
    (void)state;
    verify();
    add_consumer(C1, CAM, SUB, 0x5000, true);
    add_consumer(C2, MIC, SUB, 0x5010, false);
    add_consumer(C3, CAM, SUB2, 0x5000, true); /* another peer may use the same SSRC */
    verify();
    /* Taken SSRCs towards one subscriber are refused, the index unchanged. */
    struct router_consumer_cfg c;
    cons_cfg(&c, C4, MIC, SUB, 0x5001, false); /* C1's RTX SSRC */
    assert_int_equal(rt_add_consumer(g_r, &c), ERR_INVAL);
    cons_cfg(&c, C4, MIC, SUB, 0x4fff, true); /* its RTX SSRC would be C1's SSRC */
    assert_int_equal(rt_add_consumer(g_r, &c), ERR_INVAL);
    verify();
    struct router_producer_cfg p;
    screen_cfg(&p);
    p.layers[0].ssrc = 0x1111; /* the camera's RTX SSRC of layer 0 */
    assert_int_equal(rt_add_producer(g_r, &p), ERR_INVAL);
    screen_cfg(&p);
    assert_int_equal(rt_add_producer(g_r, &p), 0);
    verify();

    assert_int_equal(rt_remove_consumer(g_r, C1), 0);
    verify();
    assert_null(router_find_consumer_ssrc(g_r, SUB, 0x5000));
    assert_non_null(router_find_consumer_ssrc(g_r, SUB2, 0x5000));
    /* Its SSRCs are free for a new consumer. */
    add_consumer(C4, CAM, SUB, 0x4fff, true);
    verify();
    assert_int_equal(rt_remove_producer(g_r, CAM), 0);
    verify();
    assert_false(router_peer_ssrc_used(g_r, PUB, 0x1110));
    assert_true(router_peer_ssrc_used(g_r, PUB, 0x3330));
    rt_remove_peer(g_r, SUB);
    verify();
    assert_int_equal(router_peer_slot(g_r, SUB), -1);
    assert_true(router_peer_slot(g_r, SUB2) >= 0);
    rt_remove_peer(g_r, PUB);
    rt_remove_peer(g_r, SUB2);
    verify();
    assert_int_equal(idmap_count(g_r->by_stream), 0);
    assert_int_equal(idmap_count(g_r->by_consumer), 0);
    assert_int_equal(idmap_count(g_r->by_peer), 0);
}

/* A camera whose SSRCs come from the rid and repaired-rid extensions. */
static void send_rid(uint32_t ssrc, uint8_t pt, const char *rid, const char *rrid, uint16_t seq)
{
    uint8_t b[ROUTER_PKT_CAP];
    struct pkt_opts o;
    memset(&o, 0, sizeof o);
    o.ssrc = ssrc;
    o.pt = pt;
    o.seq = seq;
    o.ts = 1000;
    o.vp8 = true;
    o.key = true;
    o.start = true;
    o.marker = true;
    o.pid = 1;
    o.rid = rid;
    o.rrid = rrid;
    o.payload = 100;
    if (rrid) { /* RTX payload: the original seq first */
        o.vp8 = false;
        o.payload = 50;
    }
    rtp_in(SUB2, b, build_pkt(b, sizeof b, &o));
}

static void test_learning(void **state)
{
    (void)state;
    struct router_producer_cfg p;
    cam_cfg(&p, 0);
    p.id = SCREEN;
    p.peer = SUB2;
    for (unsigned l = 0; l < 3; l++)
        p.layers[l].ssrc = p.layers[l].rtx_ssrc = 0;
    assert_int_equal(rt_add_producer(g_r, &p), 0);
    add_consumer(C1, SCREEN, SUB, 0x6000, true);
    verify();
    struct router_producer *prod = NULL;
    int layer = -1;
    bool rtx = false;

    /* SSRC 0 never takes a layer still to be learnt. */
    send_rid(0, 96, "h", NULL, 10);
    assert_null(router_lookup_stream(g_r, SUB2, 0, &prod, &layer, &rtx));
    assert_int_equal(stats().rtp_dropped_unknown, 1);

    send_rid(0xaaaa, 96, "h", NULL, 10);
    verify();
    assert_non_null(router_lookup_stream(g_r, SUB2, 0xaaaa, &prod, &layer, &rtx));
    assert_int_equal(layer, 1);
    assert_false(rtx);
    send_rid(0xbbbb, 97, NULL, "h", 11);
    verify();
    assert_non_null(router_lookup_stream(g_r, SUB2, 0xbbbb, &prod, &layer, &rtx));
    assert_int_equal(layer, 1);
    assert_true(rtx);
    /* A learnt SSRC is not learnt again for another layer. */
    send_rid(0xaaaa, 96, "f", NULL, 12);
    assert_non_null(router_lookup_stream(g_r, SUB2, 0xaaaa, &prod, &layer, &rtx));
    assert_int_equal(layer, 1);
    assert_null(router_find_stream(g_r, SUB2, 0xbbbb, &prod)); /* RTX: not for SRs */
    assert_non_null(router_find_stream(g_r, SUB2, 0xaaaa, &prod));
    verify();
    /* Another peer's packet with that SSRC is not this producer's. */
    assert_null(router_lookup_stream(g_r, PUB, 0xaaaa, &prod, &layer, &rtx));
    assert_int_equal(rt_remove_producer(g_r, SCREEN), 0);
    verify();
    assert_null(router_lookup_stream(g_r, SUB2, 0xaaaa, &prod, &layer, &rtx));
}

/* Every producer and consumer the router takes, over many peers; the
 * limits refuse the next without touching the indices. */
static void test_full_room(void **state)
{
    (void)state;
    struct router_producer_cfg p;
    struct router_consumer_cfg c;
    size_t n_prods = 2; /* the harness's camera and microphone */
    for (uint32_t i = 0; n_prods < ROUTER_MAX_PRODUCERS; i++, n_prods++) {
        mic_cfg(&p, 1000 + i, 10 + i % 40, 0x10000 + i);
        assert_int_equal(rt_add_producer(g_r, &p), 0);
    }
    mic_cfg(&p, 999, 10, 0x20000);
    assert_int_equal(rt_add_producer(g_r, &p), ERR_FULL);
    verify();
    for (uint32_t i = 0; i < ROUTER_MAX_CONSUMERS; i++) {
        cons_cfg(&c, 5000 + i, 1000 + i % 62, 100 + i % 80, 0x70000 + 2 * i, i % 2 == 0);
        assert_int_equal(rt_add_consumer(g_r, &c), 0);
    }
    cons_cfg(&c, 4999, 1000, 100, 0x90000, true);
    assert_int_equal(rt_add_consumer(g_r, &c), ERR_FULL);
    verify();
    assert_int_equal(idmap_count(g_r->by_consumer), ROUTER_MAX_CONSUMERS * 3 / 2);
    for (uint32_t i = 0; i < ROUTER_MAX_CONSUMERS; i++)
        assert_non_null(router_find_consumer_ssrc(g_r, 100 + i % 80, 0x70000 + 2 * i));
    for (uint32_t peer = 100; peer < 180; peer += 3)
        rt_remove_peer(g_r, peer);
    for (uint32_t i = 0; i < 30; i++)
        assert_int_equal(rt_remove_producer(g_r, 1000 + i), 0);
    verify();
}

/* A PLI for a consumer's SSRC reaches its layer's publisher; one naming
 * the RTX SSRC or another peer's consumer does not. */
static void test_feedback_routed(void **state)
{
    (void)state;
    start_on_layer(C1, SUB, 0x5000, true, 0);
    size_t from = mark();
    advance(2 * SEC); /* past the keyframe request interval */
    send_pli(SUB, 0x5001);
    send_pli(SUB2, 0x5000);
    advance(10 * MS);
    assert_int_equal(count_fb(from, PUB, RTCP_FB_PLI, 0x1110), 0);
    send_pli(SUB, 0x5000);
    advance(10 * MS);
    assert_int_equal(count_fb(from, PUB, RTCP_FB_PLI, 0x1110), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_objects_in_and_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_learning, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_room, setup, teardown),
        cmocka_unit_test_setup_teardown(test_feedback_routed, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
