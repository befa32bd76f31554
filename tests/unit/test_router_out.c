/* Tests for the router's outgoing buffers (router_buf_fn, router_out in
 * media/router.c): RTP written straight into the caller's buffer is byte
 * for byte what the router's own buffer carried, for forwarded packets,
 * retransmissions and their copies; no buffer (an exhausted pool) drops
 * the packet, counts it and keeps the numbering, so a NACK repairs it; and
 * emit carries the time of the call that sends. */
#include "tests/unit/router_harness.h"

#define BUFS 4

static uint8_t g_bufs[BUFS][ROUTER_PKT_CAP];
static size_t g_next_buf;
static size_t g_bufs_left; /* buffers the "pool" still gives; SIZE_MAX: any number */
static size_t g_asked;

static uint8_t *give_buf(void *arg, uint32_t peer, size_t *cap)
{
    (void)arg;
    (void)peer;
    g_asked++;
    if (g_bufs_left == 0)
        return NULL;
    if (g_bufs_left != SIZE_MAX)
        g_bufs_left--;
    g_handed = g_bufs[g_next_buf++ % BUFS];
    memset(g_handed, 0xA5, ROUTER_PKT_CAP); /* not what the last packet left there */
    *cap = ROUTER_PKT_CAP;
    return g_handed;
}

static int setup_own(void **state)
{
    g_buf_fn = NULL;
    return setup(state);
}

static int setup_given(void **state)
{
    g_buf_fn = give_buf;
    g_bufs_left = SIZE_MAX;
    g_asked = 0;
    return setup(state);
}

static int teardown_all(void **state)
{
    g_buf_fn = NULL;
    g_handed = NULL;
    return teardown(state);
}

/* Two subscribers (one with RTX) of the camera, a NACK answered, its
 * copy, and a lossy subscriber's key frame copies. */
static void scenario(void)
{
    uint8_t b[256];
    uint16_t seqs[2] = {3000 + 2 * 5 + 1, 3000 + 2 * 5 + 3};

    start_on_layer(C1, SUB, 0xA000, true, 2);
    add_consumer(C2, CAM, SUB2, 0xB000, false);
    frame_all(0);
    frame_all(4);
    rtcp_in(SUB, b, build_nack(b, sizeof b, 0xA000, seqs, 2));
    report_loss(0xA000, 3000 + 40, 5);
    frame_all(4);
    frame_all(0);
    advance(100 * MS);
}

static struct sent g_ref[MAX_OUT];
static size_t g_n_ref;

static void test_same_bytes(void **state)
{
    struct router_stats own, given;

    scenario();
    own = stats();
    assert_true(own.retransmissions > 0);
    assert_true(own.retransmission_copies + own.key_copies > 0);
    memcpy(g_ref, g_out, g_n_out * sizeof(g_out[0]));
    g_n_ref = g_n_out;
    teardown_all(state);

    setup_given(state);
    scenario();
    given = stats();
    assert_int_equal(g_n_out, g_n_ref);
    for (size_t i = 0; i < g_n_out; i++) {
        assert_int_equal(g_out[i].peer, g_ref[i].peer);
        assert_int_equal(g_out[i].rtcp, g_ref[i].rtcp);
        assert_int_equal(g_out[i].len, g_ref[i].len);
        assert_memory_equal(g_out[i].buf, g_ref[i].buf, g_out[i].len);
        /* emit is given the time of the router call that sends */
        assert_int_equal(g_out[i].now, g_out[i].at);
    }
    assert_int_equal(given.rtp_forwarded, own.rtp_forwarded);
    assert_int_equal(given.retransmissions, own.retransmissions);
    assert_int_equal(given.rtp_out_dropped, 0);
    assert_int_equal(own.rtp_out_dropped, 0);
    /* every RTP packet out was written into a buffer asked for, none else */
    {
        size_t rtp = 0;

        for (size_t i = 0; i < g_n_out; i++)
            rtp += !g_out[i].rtcp;
        assert_int_equal(g_asked, rtp);
    }
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
    g_bufs_left = 2; /* of the top layer's 5 packets, 3 find no buffer */
    frame_all(0);
    s = stats();
    assert_int_equal(s.rtp_out_dropped, 3);
    n = rtp_out(from, SUB, 0xA000, idx, 64);
    assert_int_equal(n, 2);
    assert_int_equal(rtp_parse(&k, g_out[idx[0]].buf, g_out[idx[0]].len), 0);
    first = k.seq;
    g_bufs_left = SIZE_MAX;
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
    /* Retransmissions without a buffer: not sent, not counted as sent. */
    g_bufs_left = 0;
    s = stats();
    from = mark();
    rtcp_in(SUB, b, build_nack(b, sizeof b, 0xA000, lost, 1));
    assert_int_equal(rtp_out(from, SUB, 0xA001, idx, 64), 0);
    assert_int_equal(stats().retransmissions, s.retransmissions);
    assert_int_equal(stats().rtp_out_dropped, s.rtp_out_dropped + 1);
    g_bufs_left = SIZE_MAX;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_same_bytes, setup_own, teardown_all),
        cmocka_unit_test_setup_teardown(test_no_buffer_drops, setup_given, teardown_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
