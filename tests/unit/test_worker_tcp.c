/* Tests for media/worker_tcp.c (the worker's ICE-TCP side) over real
 * sockets on 127.0.0.0/8: RFC 4571 frames in and out, garbage and oversized
 * frames, admission (the authentication deadline, the per-address cap,
 * eviction of unauthenticated connections, the authenticated budget),
 * back-pressure that keeps the stream in order, and the output cap closing
 * a slow connection. */
#include "tests/unit/worker_harness.h"

#include <fcntl.h>
#include <sys/resource.h>

static void test_tcp_echo(void **state)
{
    (void)state;
    struct tctx *t = ctx_new();
    t->tcp_echo = true;
    struct worker_cfg cfg = base_cfg(t);
    struct worker *w = start(&cfg);
    uint16_t tport;
    worker_ports(w, NULL, &tport);
    int fd = tcp_client(tport, 0);
    uint8_t buf[4096], back[2048];
    size_t n;

    /* A STUN-looking frame comes back framed. */
    write_all(fd, buf, frame(buf, stun_req, sizeof stun_req));
    assert_int_equal(read_frame(fd, back, sizeof back), (ssize_t)sizeof stun_req);
    assert_memory_equal(back, stun_req, sizeof stun_req);
    struct obs o;
    obs_snap(t, &o);
    worker_conn_id conn = o.last_conn;
    assert_int_not_equal(conn, WORKER_CONN_NONE);
    assert_int_equal(o.dgrams[WORKER_CLASS_STUN][WORKER_PROTO_TCP], 1);
    assert_int_equal(ntohs(((struct sockaddr_in *)&o.last_from)->sin_port), local_port(fd));

    /* Two frames in one write. */
    uint8_t rtp[300], dtls[50];
    memset(rtp, 9, sizeof rtp);
    rtp[0] = 0x90;
    memset(dtls, 8, sizeof dtls);
    dtls[0] = 23;
    n = frame(buf, rtp, sizeof rtp);
    n += frame(buf + n, dtls, sizeof dtls);
    write_all(fd, buf, n);
    assert_int_equal(read_frame(fd, back, sizeof back), (ssize_t)sizeof rtp);
    assert_memory_equal(back, rtp, sizeof rtp);
    assert_int_equal(read_frame(fd, back, sizeof back), (ssize_t)sizeof dtls);
    assert_memory_equal(back, dtls, sizeof dtls);

    /* One frame in three writes, with pauses; and an empty frame, ignored. */
    n = frame(buf, (const uint8_t *)"", 0);
    n += frame(buf + n, rtp, sizeof rtp);
    write_all(fd, buf, 1);
    sleep_ms(20);
    write_all(fd, buf + 1, 150);
    sleep_ms(20);
    write_all(fd, buf + 151, n - 151);
    assert_int_equal(read_frame(fd, back, sizeof back), (ssize_t)sizeof rtp);
    assert_memory_equal(back, rtp, sizeof rtp);

    obs_snap(t, &o);
    assert_int_equal(o.last_conn, conn);
    assert_int_equal(o.dgrams[WORKER_CLASS_RTP][WORKER_PROTO_TCP], 2);
    assert_int_equal(o.dgrams[WORKER_CLASS_DTLS][WORKER_PROTO_TCP], 1);

    /* The peer closes: reported once, with the same id. */
    close(fd);
    WAIT_OBS(t, o, o.n_closed == 1);
    assert_int_equal(o.n_closed, 1);
    assert_int_equal(o.closed[0], conn);
    struct worker_stats s;
    WAIT_STATS(w, s, s.tcp_open == 0);
    assert_int_equal(s.tcp_accepted, 1);
    assert_int_equal(s.tcp_open, 0);
    assert_int_equal(s.tcp_rx_frames, 4);
    assert_int_equal(s.tcp_tx_frames, 4);
    assert_int_equal(s.tcp_rx_bytes, 20 + 300 + 50 + 300);
    assert_int_equal(s.tcp_closed_peer, 1);
    worker_stop(w);
    obs_snap(t, &o);
    assert_int_equal(o.n_closed, 1); /* not again at shutdown */
    assert_int_equal(o.errors, 0);
    ctx_free(t);
}

static void test_tcp_garbage_closes(void **state)
{
    (void)state;
    struct tctx *t = ctx_new();
    struct worker_cfg cfg = base_cfg(t);
    struct worker *w = start(&cfg);
    uint16_t tport;
    worker_ports(w, NULL, &tport);

    /* Plain HTTP: "GE" reads as a length of 18245. */
    int a = tcp_client(tport, 0);
    const char *http = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    write_all(a, http, strlen(http));
    assert_true(sees_close(a));
    close(a);

    /* A well-framed frame of no known class. */
    int b = tcp_client(tport, 0);
    uint8_t buf[64];
    const uint8_t junk[10] = {0x47, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    write_all(b, buf, frame(buf, junk, sizeof junk));
    assert_true(sees_close(b));
    close(b);

    /* An RTP frame above the media limit (2000 > 1600). */
    int c = tcp_client(tport, 0);
    static uint8_t big[2 + 2000];
    static uint8_t payload[2000];
    payload[0] = 0x80;
    write_all(c, big, frame(big, payload, sizeof payload));
    assert_true(sees_close(c));
    close(c);

    struct worker_stats s;
    WAIT_STATS(w, s, s.tcp_closed_error == 3 && s.tcp_open == 0);
    assert_int_equal(s.tcp_closed_error, 3);
    assert_int_equal(s.drop_class[WORKER_CLASS_OTHER], 1);
    assert_int_equal(s.tcp_rx_frames, 0);
    worker_stop(w);
    struct obs o;
    obs_snap(t, &o);
    assert_int_equal(o.n_closed, 0); /* never known to the handler */
    assert_int_equal(o.errors, 0);
    ctx_free(t);
}

static void test_tcp_auth_deadline(void **state)
{
    (void)state;
    struct tctx *t = ctx_new();
    struct worker_cfg cfg = base_cfg(t);
    cfg.tcp_auth_us = 250 * 1000;
    struct worker *w = start(&cfg);
    uint16_t tport;
    worker_ports(w, NULL, &tport);

    int silent = tcp_client(tport, 0);
    int talker = tcp_client(tport, 0);
    int partial = tcp_client(tport, 0);
    int authed = tcp_client(tport, 0);
    worker_conn_id talker_id = tcp_hello(t, talker); /* well framed, never authenticated */
    worker_conn_id authed_id = tcp_auth_hello(t, authed);
    write_all(partial, "\x00\x14\x00", 3); /* a frame begun, never finished */
    int64_t t0 = worker_clock_us();
    assert_true(sees_close(silent));
    assert_true(sees_close(partial));
    assert_true(sees_close(talker)); /* a valid-looking frame is not authentication */
    int64_t waited = worker_clock_us() - t0;
    sleep_ms(300);
    assert_true(still_open(authed)); /* it authenticated in time */
    struct worker_stats s;
    WAIT_STATS(w, s, s.tcp_closed_deadline == 3);
    assert_int_equal(s.tcp_closed_deadline, 3);
    assert_int_equal(s.tcp_open, 1);
    assert_int_equal(s.tcp_unauth, 0);
    print_message("unauthenticated connections closed %lld ms after the check began "
                  "(deadline 250 ms)\n",
                  (long long)(waited / 1000));
    struct obs o;
    obs_snap(t, &o);
    assert_int_equal(o.auth_ok, 1);
    assert_int_equal(o.n_closed, 1); /* the talker was known to the handler */
    assert_int_equal(o.closed[0], talker_id);

    /* Authenticating again changes nothing; shutdown reports the known one. */
    (void)tcp_auth_hello(t, authed);
    worker_stop(w);
    obs_snap(t, &o);
    assert_int_equal(o.auth_ok, 2);
    assert_int_equal(o.n_closed, 2);
    assert_int_equal(o.closed[1], authed_id);
    assert_true(sees_close(authed));
    close(silent);
    close(talker);
    close(partial);
    close(authed);
    assert_int_equal(o.errors, 0);
    ctx_free(t);
}

static void test_tcp_per_address_cap(void **state)
{
    (void)state;
    struct tctx *t = ctx_new();
    struct worker_cfg cfg = base_cfg(t);
    cfg.max_tcp_per_addr = 3;
    struct worker *w = start(&cfg);
    uint16_t tport;
    worker_ports(w, NULL, &tport);
    struct worker_stats s;

    int a[3];
    for (unsigned i = 0; i < 3; i++) {
        a[i] = tcp_client_from(tport, 0, 2);
        WAIT_STATS(w, s, s.tcp_accepted == i + 1);
    }
    int over = tcp_client_from(tport, 0, 2);
    assert_true(sees_reset(over)); /* turned away without a TIME_WAIT left on the server */
    WAIT_STATS(w, s, s.tcp_refused_addr == 1);
    assert_int_equal(s.tcp_refused_addr, 1);
    assert_int_equal(s.tcp_open, 3);
    for (unsigned i = 0; i < 3; i++)
        assert_true(still_open(a[i]));

    /* Another address is not affected. */
    int other = tcp_client_from(tport, 0, 3);
    WAIT_STATS(w, s, s.tcp_accepted == 4);
    assert_int_equal(s.tcp_accepted, 4);
    assert_true(still_open(other));

    /* An authenticated connection no longer counts against its address. */
    (void)tcp_auth_hello(t, a[0]);
    int again = tcp_client_from(tport, 0, 2);
    WAIT_STATS(w, s, s.tcp_accepted == 5);
    assert_int_equal(s.tcp_accepted, 5);
    assert_int_equal(s.tcp_refused_addr, 1);
    assert_int_equal(s.tcp_unauth, 4);
    assert_true(still_open(again));
    assert_true(still_open(a[0]));
    for (unsigned i = 0; i < 3; i++)
        close(a[i]);
    close(over);
    close(other);
    close(again);
    stop_and_check(w, t);
}

static void test_tcp_eviction(void **state)
{
    (void)state;
    struct tctx *t = ctx_new();
    struct worker_cfg cfg = base_cfg(t);
    cfg.max_tcp_unauth = 8;
    cfg.max_tcp_per_addr = 8;
    struct worker *w = start(&cfg);
    uint16_t tport;
    worker_ports(w, NULL, &tport);
    struct worker_stats s;

    /* Three from addresses of their own first (the oldest), then five
     * from one address: the budget of 8 is full. */
    int lone[3], heavy[5];
    for (unsigned i = 0; i < 3; i++) {
        lone[i] = tcp_client_from(tport, 0, (uint8_t)(10 + i));
        WAIT_STATS(w, s, s.tcp_accepted == i + 1);
    }
    for (unsigned i = 0; i < 5; i++) {
        heavy[i] = tcp_client_from(tport, 0, 2);
        WAIT_STATS(w, s, s.tcp_accepted == 4 + i);
    }
    assert_int_equal(s.tcp_unauth, 8);

    /* A new one is admitted; the oldest of the address holding the most
     * goes, not the oldest of all. */
    int fresh = tcp_client_from(tport, 0, 20);
    assert_true(sees_reset(heavy[0]));
    WAIT_STATS(w, s, s.tcp_evicted == 1 && s.tcp_accepted == 9);
    assert_int_equal(s.tcp_evicted, 1);
    assert_int_equal(s.tcp_accepted, 9);
    assert_int_equal(s.tcp_unauth, 8);
    assert_true(still_open(lone[0]));
    assert_true(still_open(heavy[1]));

    /* The fresh one authenticates: out of the unauthenticated budget. */
    (void)tcp_auth_hello(t, fresh);
    WAIT_STATS(w, s, s.tcp_unauth == 7);
    assert_int_equal(s.tcp_unauth, 7);

    /* Once no address holds several (TCP_ADMIT_HEAVY), the oldest of all goes. */
    for (unsigned i = 1; i < 5; i++)
        close(heavy[i]);
    WAIT_STATS(w, s, s.tcp_unauth == 3);
    int more[6]; /* 3 + 5 fill the budget, the sixth evicts */
    for (unsigned i = 0; i < 6; i++) {
        more[i] = tcp_client_from(tport, 0, (uint8_t)(30 + i));
        WAIT_STATS(w, s, s.tcp_accepted == 10 + i);
    }
    assert_true(sees_close(lone[0]));
    WAIT_STATS(w, s, s.tcp_evicted == 2);
    assert_int_equal(s.tcp_evicted, 2);
    assert_int_equal(s.tcp_unauth, 8);
    assert_true(still_open(lone[1]));
    assert_true(still_open(fresh)); /* authenticated: never evicted */
    for (unsigned i = 0; i < 3; i++)
        close(lone[i]);
    for (unsigned i = 0; i < 6; i++)
        close(more[i]);
    close(heavy[0]);
    close(fresh);
    stop_and_check(w, t);
}

static void test_tcp_authenticated_budget(void **state)
{
    (void)state;
    struct tctx *t = ctx_new();
    struct worker_cfg cfg = base_cfg(t);
    cfg.max_tcp_conns = 2;
    cfg.max_tcp_unauth = 2;
    struct worker *w = start(&cfg);
    uint16_t tport;
    worker_ports(w, NULL, &tport);
    struct worker_stats s;

    int a = tcp_client_from(tport, 0, 2);
    int b = tcp_client_from(tport, 0, 3);
    (void)tcp_auth_hello(t, a);
    (void)tcp_auth_hello(t, b);
    /* A flood of unauthenticated ones evicts each other, never a or b. */
    int flood[6];
    for (unsigned i = 0; i < 6; i++) {
        flood[i] = tcp_client_from(tport, 0, (uint8_t)(10 + i));
        WAIT_STATS(w, s, s.tcp_accepted == 3 + i);
    }
    WAIT_STATS(w, s, s.tcp_evicted == 4);
    assert_int_equal(s.tcp_evicted, 4);
    assert_int_equal(s.tcp_open, 4);
    assert_true(still_open(a));
    assert_true(still_open(b));
    for (unsigned i = 0; i < 4; i++)
        assert_true(sees_close(flood[i]));

    /* A third authenticates while two are: closed and counted. */
    (void)tcp_auth_hello(t, flood[4]);
    assert_true(sees_close(flood[4]));
    WAIT_STATS(w, s, s.tcp_refused_auth == 1);
    assert_int_equal(s.tcp_refused_auth, 1);
    struct obs o;
    obs_snap(t, &o);
    assert_int_equal(o.auth_ok, 2);
    assert_int_equal(o.auth_full, 1);

    /* Room again once one of them is gone. */
    close(a);
    WAIT_STATS(w, s, s.tcp_open == 2);
    (void)tcp_auth_hello(t, flood[5]);
    WAIT_OBS(t, o, o.auth_ok == 3);
    assert_int_equal(o.auth_ok, 3);
    assert_true(still_open(flood[5]));
    close(b);
    for (unsigned i = 0; i < 6; i++)
        close(flood[i]);
    stop_and_check(w, t);
}

/* Sets the soft limit of open files so that exactly n more can be opened. */
static void leave_fds(unsigned n, struct rlimit *old)
{
    assert_int_equal(getrlimit(RLIMIT_NOFILE, old), 0);
    int fd = 0;
    for (unsigned free_seen = 0;; fd++) {
        if (fcntl(fd, F_GETFD) < 0 && ++free_seen == n)
            break;
    }
    struct rlimit low = *old;
    low.rlim_cur = (rlim_t)fd + 1;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
}

/* An address may hold max_tcp_auth_per_addr authenticated connections:
 * one more is closed with a reset and counted; another address is not
 * concerned. */
static void test_tcp_authenticated_per_address(void **state)
{
    (void)state;
    struct tctx *t = ctx_new();
    struct worker_cfg cfg = base_cfg(t);
    cfg.max_tcp_auth_per_addr = 2;
    struct worker *w = start(&cfg);
    uint16_t tport;
    worker_ports(w, NULL, &tport);
    struct worker_stats s;
    struct obs o;

    int a = tcp_client_from(tport, 0, 2);
    int b = tcp_client_from(tport, 0, 2);
    int c = tcp_client_from(tport, 0, 2);
    int d = tcp_client_from(tport, 0, 3);
    (void)tcp_auth_hello(t, a);
    (void)tcp_auth_hello(t, b);
    (void)tcp_auth_hello(t, c);
    assert_true(sees_reset(c));
    WAIT_STATS(w, s, s.tcp_refused_auth_addr == 1);
    assert_int_equal(s.tcp_refused_auth_addr, 1);
    assert_int_equal(s.tcp_refused_auth, 0);
    (void)tcp_auth_hello(t, d);
    WAIT_OBS(t, o, o.auth_ok == 3);
    assert_int_equal(o.auth_ok, 3);
    assert_int_equal(o.auth_denied, 1);
    assert_true(still_open(a));
    assert_true(still_open(b));
    assert_true(still_open(d));
    close(a);
    close(b);
    close(c);
    close(d);
    stop_and_check(w, t);
}

/* The handler closes connections whose transport had its share or ended:
 * each reason is counted, on_tcp_closed follows, the peer sees the close. */
static void test_tcp_handler_close_reasons(void **state)
{
    (void)state;
    struct tctx *t = ctx_new();
    struct worker_cfg cfg = base_cfg(t);
    struct worker *w = start(&cfg);
    uint16_t tport;
    worker_ports(w, NULL, &tport);
    struct worker_stats s;
    struct obs o;
    static const uint8_t ends[20] = {0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42, 'E', 'N',
                                     'D',  'S',  5,    6,    7,    8,    9,    10,   11,  12};
    static const uint8_t sups[20] = {0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42, 'S', 'U',
                                     'P',  'S',  5,    6,    7,    8,    9,    10,   11,  12};

    int a = tcp_client_from(tport, 0, 2);
    int b = tcp_client_from(tport, 0, 2);
    (void)tcp_auth_hello(t, a);
    (void)tcp_send_stun(t, a, ends);
    (void)tcp_send_stun(t, b, sups);
    assert_true(sees_close(a));
    assert_true(sees_close(b));
    WAIT_STATS(w, s, s.tcp_open == 0);
    assert_int_equal(s.tcp_closed_ended, 1);
    assert_int_equal(s.tcp_closed_superseded, 1);
    assert_int_equal(s.tcp_closed_peer + s.tcp_closed_error, 0);
    WAIT_OBS(t, o, o.n_closed == 2);
    assert_int_equal(o.n_closed, 2);
    close(a);
    close(b);
    stop_and_check(w, t);
}

static void test_tcp_out_of_descriptors_evicts(void **state)
{
    (void)state;
    struct tctx *t = ctx_new();
    struct worker_cfg cfg = base_cfg(t);
    cfg.tcp_auth_us = 30 * 1000000LL; /* no deadline closes within the test */
    struct worker *w = start(&cfg);
    uint16_t tport;
    worker_ports(w, NULL, &tport);
    struct worker_stats s;
    struct sockaddr_in a = loopback(tport);

    /* The clients' sockets first: only the worker's accepts need more. */
    int c[4];
    for (unsigned i = 0; i < 4; i++) {
        c[i] = socket(AF_INET, SOCK_STREAM, 0);
        assert_true(c[i] >= 0);
        set_timeouts(c[i]);
    }
    struct rlimit old;
    leave_fds(3, &old);
    for (unsigned i = 0; i < 3; i++) {
        if (connect(c[i], (struct sockaddr *)&a, sizeof a) != 0)
            break;
        WAIT_STATS(w, s, s.tcp_accepted == i + 1);
    }
    if (s.tcp_accepted != 3)
        (void)setrlimit(RLIMIT_NOFILE, &old);
    assert_int_equal(s.tcp_accepted, 3);
    /* No descriptor left for the fourth: the oldest unauthenticated one
     * makes room, and the worker goes on accepting. */
    assert_int_equal(connect(c[3], (struct sockaddr *)&a, sizeof a), 0);
    bool reset = sees_reset(c[0]);
    WAIT_STATS(w, s, s.tcp_accepted == 4);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0); /* before any assert can return */
    assert_true(reset);
    assert_int_equal(s.tcp_accepted, 4);
    assert_int_equal(s.tcp_evicted, 1);
    assert_int_equal(s.tcp_open, 3);
    assert_true(still_open(c[3]));
    for (unsigned i = 0; i < 4; i++)
        close(c[i]);
    stop_and_check(w, t);
}

static void test_raise_fd_limit(void **state)
{
    (void)state;
    struct rlimit old, low;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
    if (old.rlim_max < 64)
        skip();
    low = old;
    low.rlim_cur = 64;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
    uint64_t soft = 0;
    assert_int_equal(worker_raise_fd_limit(&soft), 0);
    struct rlimit now;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &now), 0);
    assert_true(now.rlim_cur == now.rlim_max);
    assert_true(soft == (now.rlim_cur == RLIM_INFINITY ? UINT64_MAX : (uint64_t)now.rlim_cur));
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
}

static void test_tcp_backpressure_keeps_order(void **state)
{
    (void)state;
    struct tctx *t = ctx_new();
    struct worker_cfg cfg = base_cfg(t);
    cfg.tcp_sndbuf = 4096;
    cfg.tcp_out_cap = 512 * 1024;
    struct worker *w = start(&cfg);
    uint16_t tport;
    worker_ports(w, NULL, &tport);
    int fd = tcp_client(tport, 4096);
    worker_conn_id conn = tcp_hello(t, fd);

    /* 300 KB while the client reads nothing: most of it waits in the
     * worker's buffer, then leaves as the client reads. */
    struct tcmd c = {.type = CMD_TCP_FLOOD, .conn = conn, .count = 300, .size = 1000};
    post(w, &c);
    struct obs o;
    WAIT_OBS(t, o, o.flood_done);
    assert_true(o.flood_done);
    assert_int_equal(o.flood_rc, 0);
    assert_int_equal(o.flood_sent, 300);
    uint8_t back[2048];
    for (unsigned i = 0; i < 300; i++) {
        assert_int_equal(read_frame(fd, back, sizeof back), 1000);
        unsigned seq =
            (unsigned)back[1] << 24 | (unsigned)back[2] << 16 | (unsigned)back[3] << 8 | back[4];
        assert_int_equal(seq, i);
        assert_int_equal(back[999], 0xab);
    }
    assert_true(still_open(fd));
    struct worker_stats s;
    worker_stats(w, &s);
    assert_int_equal(s.tcp_tx_frames, 300);
    assert_int_equal(s.tcp_closed_overflow, 0);
    close(fd);
    worker_stop(w);
    obs_snap(t, &o);
    assert_int_equal(o.errors, 0);
    ctx_free(t);
}

static void test_tcp_overflow_closes(void **state)
{
    (void)state;
    struct tctx *t = ctx_new();
    struct worker_cfg cfg = base_cfg(t);
    cfg.tcp_sndbuf = 4096;
    cfg.tcp_out_cap = 16 * 1024;
    struct worker *w = start(&cfg);
    uint16_t tport;
    worker_ports(w, NULL, &tport);
    int fd = tcp_client(tport, 4096);
    worker_conn_id conn = tcp_hello(t, fd);

    struct tcmd c = {.type = CMD_TCP_FLOOD, .conn = conn, .count = 5000, .size = 1000};
    post(w, &c);
    struct obs o;
    WAIT_OBS(t, o, o.flood_done && o.n_closed == 1);
    assert_true(o.flood_done);
    assert_int_equal(o.flood_rc, ERR_FULL);
    assert_true(o.flood_sent < 5000);
    assert_int_equal(o.n_closed, 1);
    assert_int_equal(o.closed[0], conn);
    struct worker_stats s;
    worker_stats(w, &s);
    assert_int_equal(s.tcp_closed_overflow, 1);
    assert_int_equal(s.tcp_open, 0);
    assert_true(sees_close(fd));
    print_message("overflow after %u frames of 1000 bytes (cap 16 KiB)\n", o.flood_sent);
    close(fd);
    worker_stop(w);
    ctx_free(t);
}

int main(void)
{
    log_set_level(LOG_LEVEL_WARN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tcp_echo),
        cmocka_unit_test(test_tcp_garbage_closes),
        cmocka_unit_test(test_tcp_auth_deadline),
        cmocka_unit_test(test_tcp_per_address_cap),
        cmocka_unit_test(test_tcp_eviction),
        cmocka_unit_test(test_tcp_authenticated_budget),
        cmocka_unit_test(test_tcp_authenticated_per_address),
        cmocka_unit_test(test_tcp_handler_close_reasons),
        cmocka_unit_test(test_tcp_out_of_descriptors_evicts),
        cmocka_unit_test(test_raise_fd_limit),
        cmocka_unit_test(test_tcp_backpressure_keeps_order),
        cmocka_unit_test(test_tcp_overflow_closes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
