/* Tests for the send batching of media/worker.c over real sockets on
 * 127.0.0.1: what one recvmmsg() batch produces leaves in one flush (one
 * sendmmsg, or one GSO send), the queue is flushed when full, and a
 * datagram the kernel refuses is counted without losing the others.
 *
 * To make "one recvmmsg() batch" deterministic, the worker thread is held
 * in a command (CMD_HOLD) while the client fills its socket; when it is
 * released, everything is waiting and arrives in batches of WORKER_RX_BATCH. */
#include "tests/unit/worker_harness.h"

#include <assert.h>

#define HOLD_MS WAIT_MS
#define DGRAM 200

/* Holds the worker thread, then sends n datagrams (seq in bytes 1..2), in
 * turn from each of the nfd sockets. */
static void preload_from(struct tctx *t, struct worker *w, const int *fds, unsigned nfd,
                         uint16_t port, unsigned n)
{
    struct tcmd c = {.type = CMD_HOLD, .hold_ms = HOLD_MS};
    struct obs o;
    post(w, &c);
    WAIT_OBS(t, o, o.holding);
    assert_true(o.holding);
    uint8_t out[DGRAM];
    for (unsigned seq = 0; seq < n; seq++) {
        memset(out, 0x5a, sizeof out);
        out[0] = 0x80;
        out[1] = (uint8_t)(seq >> 8);
        out[2] = (uint8_t)seq;
        out[3] = 0;
        udp_send(fds[seq % nfd], port, out, sizeof out);
    }
    pthread_mutex_lock(&t->mu);
    bool held = t->o.holding; /* all of them were sent while the worker was held */
    t->release = true;
    pthread_mutex_unlock(&t->mu);
    assert_true(held);
}

static void preload(struct tctx *t, struct worker *w, int fd, uint16_t port, unsigned n)
{
    preload_from(t, w, &fd, 1, port, n);
}

/* Receives n datagrams x fanout copies, in order: seq by seq, copy by copy. */
static void expect_in_order(int fd, unsigned n, unsigned fanout)
{
    uint8_t back[2048];
    for (unsigned seq = 0; seq < n; seq++) {
        for (unsigned k = 0; k < fanout; k++) {
            ssize_t r = udp_recv(fd, back, sizeof back);
            assert_int_equal(r, DGRAM);
            assert_int_equal((unsigned)back[1] << 8 | back[2], seq);
            if (fanout > 1)
                assert_int_equal(back[3], k);
        }
    }
    assert_int_equal(recv(fd, back, sizeof back, MSG_DONTWAIT), -1); /* nothing more */
}

/* n datagrams in, fanout copies of each out: the number of send calls. */
static uint64_t run_case(bool no_gso, unsigned n, unsigned fanout, uint64_t *gso_sends)
{
    struct tctx *t = ctx_new();
    t->udp_echo = ECHO_BATCH;
    t->fanout = fanout;
    struct worker_cfg cfg = base_cfg(t);
    cfg.no_gso = no_gso;
    struct worker *w = start(&cfg);
    uint16_t port;
    worker_ports(w, &port, NULL);
    int fd = udp_client();

    preload(t, w, fd, port, n);
    expect_in_order(fd, n, fanout);
    struct worker_stats s;
    WAIT_STATS(w, s, s.udp_tx_packets == (uint64_t)n * fanout && s.pool_in_use == 0);
    assert_int_equal(s.udp_rx_packets, n);
    assert_int_equal(s.udp_tx_packets, (uint64_t)n * fanout);
    assert_int_equal(s.udp_tx_dropped + s.udp_tx_errors, 0);
    assert_int_equal(s.pool_in_use, 0);
    struct obs o;
    obs_snap(t, &o);
    assert_int_equal(o.errors, 0);
    close(fd);
    worker_stop(w);
    ctx_free(t);
    print_message("%u in, %u copies each (%s): %llu send calls, %llu GSO sends\n", n, fanout,
                  no_gso ? "no GSO" : "GSO", (unsigned long long)s.udp_tx_syscalls,
                  (unsigned long long)s.udp_tx_gso_sends);
    *gso_sends = s.udp_tx_gso_sends;
    return s.udp_tx_syscalls;
}

/* 20 datagrams in one recvmmsg, 60 out: one sendmmsg of 60 messages, or
 * with GSO one message of 60 equal segments to the one destination. */
static void test_one_flush_per_rx_batch(void **state)
{
    (void)state;
    uint64_t gso;
    assert_int_equal(run_case(true, 20, 3, &gso), 1);
    assert_int_equal(gso, 0);
    assert_int_equal(run_case(false, 20, 3, &gso), 1);
    assert_int_equal(gso, 1);
}

/* 40 datagrams: a batch of WORKER_RX_BATCH, then 8. Each batch's output
 * leaves before the next recvmmsg(), not at the end of the wakeup. */
static void test_flush_after_each_rx_batch(void **state)
{
    (void)state;
    static_assert(WORKER_RX_BATCH == 32, "the counts below assume batches of 32");
    uint64_t gso;
    assert_int_equal(run_case(true, 40, 1, &gso), 2);
    assert_int_equal(run_case(false, 40, 1, &gso), 2);
    assert_int_equal(gso, 2);
}

/* 32 datagrams, 96 out: the bounded queue (WORKER_TX_BATCH) is flushed when
 * full, then again at the end of the batch. */
static void test_full_queue_is_flushed(void **state)
{
    (void)state;
    static_assert(WORKER_TX_BATCH == 64, "the counts below assume a queue of 64");
    uint64_t gso;
    assert_int_equal(run_case(true, 32, 3, &gso), 2);
    assert_int_equal(run_case(false, 32, 3, &gso), 2);
    assert_int_equal(gso, 2);
}

/* Replies to two clients queued in turn (A B A B ...) leave as one GSO send
 * per client: the queue is grouped by destination before the flush, and
 * each client still gets its own datagrams in order. */
static void test_grouped_by_destination(void **state)
{
    (void)state;
    struct tctx *t = ctx_new();
    t->udp_echo = ECHO_BATCH;
    t->fanout = 1;
    struct worker_cfg cfg = base_cfg(t);
    struct worker *w = start(&cfg);
    uint16_t port;
    worker_ports(w, &port, NULL);
    const int fds[2] = {udp_client(), udp_client()};
    enum { N = 20 };

    preload_from(t, w, fds, 2, port, N);
    uint8_t back[2048];
    for (unsigned seq = 0; seq < N; seq++) {
        ssize_t r = udp_recv(fds[seq % 2], back, sizeof back);
        assert_int_equal(r, DGRAM);
        assert_int_equal((unsigned)back[1] << 8 | back[2], seq);
    }
    struct worker_stats s;
    WAIT_STATS(w, s, s.udp_tx_packets == N && s.pool_in_use == 0);
    assert_int_equal(s.udp_tx_syscalls, 1);
    assert_int_equal(s.udp_tx_gso_sends, 2);
    assert_int_equal(s.udp_tx_dropped + s.udp_tx_errors, 0);
    close(fds[0]);
    close(fds[1]);
    worker_stop(w);
    ctx_free(t);
}

/* The 5th of 10 packets goes to port 0, which the kernel refuses (EINVAL):
 * it is counted as an error, the other 9 arrive in order. */
static void error_case(bool no_gso)
{
    struct tctx *t = ctx_new();
    struct worker_cfg cfg = base_cfg(t);
    cfg.no_gso = no_gso;
    struct worker *w = start(&cfg);
    int fd = udp_client();
    struct sockaddr_in to = loopback(local_port(fd));
    struct tcmd c = {.type = CMD_BURST, .count = 10, .size = 400, .bad_nth = 5};
    memcpy(&c.to, &to, sizeof to);
    c.tolen = sizeof to;
    post(w, &c);
    uint8_t back[2048];
    for (unsigned i = 0; i < 10; i++) {
        if (i == 4)
            continue;
        ssize_t n = udp_recv(fd, back, sizeof back);
        assert_int_equal(n, i == 9 ? 200 : 400);
        assert_int_equal(back[1], i);
    }
    struct worker_stats s;
    WAIT_STATS(w, s, s.udp_tx_packets == 9 && s.udp_tx_errors == 1 && s.pool_in_use == 0);
    assert_int_equal(s.udp_tx_packets, 9);
    assert_int_equal(s.udp_tx_errors, 1);
    assert_int_equal(s.udp_tx_dropped, 0);
    assert_int_equal(s.pool_in_use, 0);
    if (no_gso)
        assert_int_equal(s.udp_tx_gso_sends, 0);
    else
        assert_int_equal(s.udp_tx_gso_sends, 1); /* 1-4 and 6-10, grouped: one destination */
    close(fd);
    worker_stop(w);
    struct obs o;
    obs_snap(t, &o);
    assert_int_equal(o.errors, 0);
    ctx_free(t);
}

static void test_send_error_is_counted(void **state)
{
    (void)state;
    error_case(true);
    error_case(false);
}

int main(void)
{
    log_set_level(LOG_LEVEL_WARN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_flush_per_rx_batch),
        cmocka_unit_test(test_flush_after_each_rx_batch),
        cmocka_unit_test(test_full_queue_is_flushed),
        cmocka_unit_test(test_send_error_is_counted),
        cmocka_unit_test(test_grouped_by_destination),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
