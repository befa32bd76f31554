/* Tests for media/worker_udp.c over real sockets on 127.0.0.1: extra UDP
 * sockets opened on the worker thread deliver every datagram (whatever its
 * first byte) to on_udp with their id and tag, send from their own port,
 * fail cleanly on a taken port, close from inside their own callback, and
 * are closed at shutdown. */
#include "tests/unit/worker_harness.h"

/* Runs one CMD_UDP_OPEN or CMD_UDP_CLOSE and waits for it. */
static void udp_cmd(struct tctx *t, struct worker *w, struct tcmd *c, struct obs *o)
{
    obs_snap(t, o);
    unsigned before = o->udp_cmds;
    post(w, c);
    WAIT_OBS(t, *o, o->udp_cmds > before);
    assert_int_equal(o->udp_cmds, before + 1);
}

static int open_sock(struct tctx *t, struct worker *w, uint16_t port, uint64_t tag, uint16_t *bound)
{
    struct tcmd c = {.type = CMD_UDP_OPEN, .port = port, .tag = tag};
    struct obs o;
    udp_cmd(t, w, &c, &o);
    if (bound)
        *bound = o.udp_open_port;
    return o.udp_open_rc == 0 ? o.udp_open_id : o.udp_open_rc;
}

/* Sends to port and expects the echo from that same port. */
static void round_trip(int fd, uint16_t port, const char *msg)
{
    uint8_t back[64];
    struct sockaddr_in src;
    socklen_t srclen = sizeof src;
    udp_send(fd, port, msg, strlen(msg));
    ssize_t n = recvfrom(fd, back, sizeof back, 0, (struct sockaddr *)&src, &srclen);
    assert_int_equal(n, (ssize_t)strlen(msg));
    assert_memory_equal(back, msg, strlen(msg));
    assert_int_equal(ntohs(src.sin_port), port);
}

static void test_open_receive_send(void **state)
{
    (void)state;
    struct tctx *t = ctx_new();
    struct worker_cfg cfg = base_cfg(t);
    struct worker *w = start(&cfg);
    uint16_t main_port, pa, pb;
    worker_ports(w, &main_port, NULL);
    int a = open_sock(t, w, 0, 0x1111, &pa);
    int b = open_sock(t, w, 0, 0x2222, &pb);
    assert_true(a >= 0 && b >= 0 && a != b);
    assert_true(pa != 0 && pb != 0 && pa != pb && pa != main_port);

    int fd = udp_client();
    /* Any first byte: "hello" would be dropped on the main socket (RFC 7983). */
    round_trip(fd, pa, "hello a");
    struct obs o;
    obs_snap(t, &o);
    assert_int_equal(o.udp_last_id, a);
    assert_int_equal(o.udp_last_tag, 0x1111);
    assert_int_equal(ntohs(((struct sockaddr_in *)&o.last_from)->sin_port), local_port(fd));
    round_trip(fd, pb, "hello b");
    obs_snap(t, &o);
    assert_int_equal(o.udp_last_id, b);
    assert_int_equal(o.udp_last_tag, 0x2222);
    assert_int_equal(o.udp_rx, 2);
    uint64_t classified = 0;
    for (int c = 0; c < WORKER_CLASS_COUNT; c++)
        classified += o.dgrams[c][WORKER_PROTO_UDP];
    assert_int_equal(classified, 0); /* none went to on_datagram */

    struct worker_stats s;
    WAIT_STATS(w, s, s.udp_socks_tx_packets == 2);
    assert_int_equal(s.udp_socks_open, 2);
    assert_int_equal(s.udp_socks_rx_packets, 2);
    assert_int_equal(s.udp_socks_tx_packets, 2);

    /* Close one from the test (a command): it is gone; the other still works. */
    struct tcmd c = {.type = CMD_UDP_CLOSE, .id = a};
    udp_cmd(t, w, &c, &o);
    assert_int_equal(o.udp_close_rc, 0);
    udp_cmd(t, w, &c, &o);
    assert_int_equal(o.udp_close_rc, ERR_NOTFOUND);
    round_trip(fd, pb, "still b");
    WAIT_STATS(w, s, s.udp_socks_open == 1);
    assert_int_equal(s.udp_socks_open, 1);
    /* The id is reused for the next socket. */
    int a2 = open_sock(t, w, 0, 0x3333, &pa);
    assert_int_equal(a2, a);
    round_trip(fd, pa, "new a");
    obs_snap(t, &o);
    assert_int_equal(o.udp_last_tag, 0x3333);
    close(fd);
    stop_and_check(w, t);
}

static void test_port_taken_and_fixed_port(void **state)
{
    (void)state;
    struct tctx *t = ctx_new();
    struct worker_cfg cfg = base_cfg(t);
    struct worker *w = start(&cfg);
    int holder = udp_client();
    uint16_t taken = local_port(holder);
    assert_int_equal(open_sock(t, w, taken, 1, NULL), ERR_IO); /* logs the bind error */
    close(holder);
    /* Now free: bound on exactly that port. */
    uint16_t got;
    int id = open_sock(t, w, taken, 1, &got);
    assert_true(id >= 0);
    assert_int_equal(got, taken);
    struct worker_stats s;
    worker_stats(w, &s);
    assert_int_equal(s.udp_socks_open, 1);
    stop_and_check(w, t); /* closes it */
}

static void test_close_inside_callback(void **state)
{
    (void)state;
    struct tctx *t = ctx_new();
    struct worker_cfg cfg = base_cfg(t);
    struct worker *w = start(&cfg);
    uint16_t port;
    int id = open_sock(t, w, 0, 7, &port);
    assert_true(id >= 0);
    int fd = udp_client();
    /* Held: "CLOSE" and the datagrams behind it arrive in one batch; the
     * ones after the close are not delivered. */
    struct tcmd hold = {.type = CMD_HOLD, .hold_ms = WAIT_MS};
    struct obs o;
    post(w, &hold);
    WAIT_OBS(t, o, o.holding);
    assert_true(o.holding);
    udp_send(fd, port, "first", 5);
    udp_send(fd, port, "CLOSE", 5);
    udp_send(fd, port, "after", 5);
    pthread_mutex_lock(&t->mu);
    t->release = true;
    pthread_mutex_unlock(&t->mu);
    struct worker_stats s;
    WAIT_STATS(w, s, s.udp_socks_open == 0);
    assert_int_equal(s.udp_socks_open, 0);
    obs_snap(t, &o);
    assert_int_equal(o.udp_rx, 2); /* "first" and "CLOSE" */
    uint8_t back[16];
    assert_int_equal(udp_recv(fd, back, sizeof back), 5); /* the echo of "first" */
    assert_memory_equal(back, "first", 5);
    close(fd);
    stop_and_check(w, t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_receive_send),
        cmocka_unit_test(test_port_taken_and_fixed_port),
        cmocka_unit_test(test_close_inside_callback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
