/* Tests for media/worker.c over real sockets on 127.0.0.1 (and ::1 when
 * the host has it): classification, start errors and lifecycle, UDP echo
 * with classification, batched and GSO sends, garbage, deadlines, commands
 * from other threads, and a clean stop. ICE-TCP is in test_worker_tcp.c.
 * Every wait is bounded; every thread is joined. */
#include "tests/unit/worker_harness.h"

static void test_classify(void **state)
{
    (void)state;
    for (unsigned b = 0; b < 256; b++) {
        uint8_t x = (uint8_t)b;
        enum worker_class want = b <= 3                 ? WORKER_CLASS_STUN
                                 : b >= 20 && b <= 63   ? WORKER_CLASS_DTLS
                                 : b >= 128 && b <= 191 ? WORKER_CLASS_RTP
                                                        : WORKER_CLASS_OTHER;
        assert_int_equal(worker_classify(&x, 1), want);
    }
    assert_int_equal(worker_classify(NULL, 0), WORKER_CLASS_OTHER);
    assert_string_equal(worker_class_name(WORKER_CLASS_DTLS), "dtls");
}

static void test_start_errors(void **state)
{
    (void)state;
    struct tctx *t = ctx_new();
    struct worker *w = (struct worker *)1;
    struct worker_cfg cfg = base_cfg(t);

    cfg.bind_addr = "not-an-address";
    assert_int_equal(worker_start(&w, &cfg), ERR_INVAL);
    assert_null(w);
    cfg = base_cfg(t);
    cfg.h = NULL;
    assert_int_equal(worker_start(&w, &cfg), ERR_INVAL);
    cfg = base_cfg(t);
    cfg.tcp_out_cap = 100; /* below one frame */
    assert_int_equal(worker_start(&w, &cfg), ERR_INVAL);

    /* A port that is taken. */
    cfg = base_cfg(t);
    struct worker *a = start(&cfg);
    uint16_t udp, tcp;
    worker_ports(a, &udp, &tcp);
    cfg.udp_port = udp;
    assert_int_equal(worker_start(&w, &cfg), ERR_IO);
    cfg.udp_port = 0;
    cfg.tcp_port = tcp;
    assert_int_equal(worker_start(&w, &cfg), ERR_IO);
    worker_stop(a);
    worker_stop(NULL);
    ctx_free(t);
}

static void test_lifecycle(void **state)
{
    (void)state;
    struct tctx *t = ctx_new();
    struct worker_cfg cfg = base_cfg(t);
    struct worker *w = start(&cfg);
    uint16_t udp = 0, tcp = 0;
    struct obs o;
    worker_ports(w, &udp, &tcp);
    assert_int_not_equal(udp, 0);
    assert_int_not_equal(tcp, 0);
    assert_int_equal(worker_index(w), 7);
    assert_int_equal(worker_post(w, NULL), ERR_INVAL);
    WAIT_OBS(t, o, o.started == 1);
    assert_int_equal(o.started, 1);
    worker_stop(w);
    obs_snap(t, &o);
    assert_int_equal(o.stopped, 1);
    assert_true(o.stop_on_thread);
    assert_int_equal(o.errors, 0);

    /* Same port number for UDP and TCP, without TCP. */
    cfg = base_cfg(t);
    cfg.udp_port = udp;
    cfg.tcp_port = udp;
    w = start(&cfg);
    worker_ports(w, &udp, &tcp);
    assert_int_equal(udp, tcp);
    worker_stop(w);
    cfg = base_cfg(t);
    cfg.no_tcp = true;
    w = start(&cfg);
    worker_ports(w, NULL, &tcp);
    assert_int_equal(tcp, 0);
    worker_stop(w);
    ctx_free(t);
}

static void test_udp_echo_and_classes(void **state)
{
    (void)state;
    struct tctx *t = ctx_new();
    t->udp_echo = ECHO_UDP;
    struct worker_cfg cfg = base_cfg(t);
    struct worker *w = start(&cfg);
    uint16_t port;
    worker_ports(w, &port, NULL);
    int fd = udp_client();

    uint8_t dtls[40], rtp[1200], rtcp[28], back[2048];
    memset(dtls, 1, sizeof dtls);
    dtls[0] = 22; /* handshake */
    memset(rtp, 2, sizeof rtp);
    rtp[0] = 0x80;
    memset(rtcp, 3, sizeof rtcp);
    rtcp[0] = 0x81;
    rtcp[1] = 200; /* SR */
    const struct {
        const uint8_t *p;
        size_t len;
    } msgs[] = {
        {stun_req, sizeof stun_req}, {dtls, sizeof dtls}, {rtp, sizeof rtp}, {rtcp, sizeof rtcp}};
    for (size_t i = 0; i < 4; i++) {
        udp_send(fd, port, msgs[i].p, msgs[i].len);
        ssize_t n = udp_recv(fd, back, sizeof back);
        assert_int_equal(n, (ssize_t)msgs[i].len);
        assert_memory_equal(back, msgs[i].p, msgs[i].len);
    }
    struct obs o;
    obs_snap(t, &o);
    assert_int_equal(o.dgrams[WORKER_CLASS_STUN][WORKER_PROTO_UDP], 1);
    assert_int_equal(o.dgrams[WORKER_CLASS_DTLS][WORKER_PROTO_UDP], 1);
    assert_int_equal(o.dgrams[WORKER_CLASS_RTP][WORKER_PROTO_UDP], 2);
    assert_int_equal(o.last_conn, WORKER_CONN_NONE);
    assert_int_equal(o.last_from.ss_family, AF_INET);
    assert_int_equal(ntohs(((struct sockaddr_in *)&o.last_from)->sin_port), local_port(fd));
    assert_int_equal(o.errors, 0);

    struct worker_stats s;
    /* The echo can arrive before the worker counted its send. */
    WAIT_STATS(w, s, s.udp_tx_packets == 4);
    assert_int_equal(s.udp_rx_packets, 4);
    assert_int_equal(s.udp_rx_bytes, 20 + 40 + 1200 + 28);
    assert_int_equal(s.udp_tx_packets, 4);
    assert_int_equal(s.udp_tx_bytes, 20 + 40 + 1200 + 28);
    assert_int_equal(s.rx_class[WORKER_CLASS_STUN], 1);
    assert_int_equal(s.rx_class[WORKER_CLASS_DTLS], 1);
    assert_int_equal(s.rx_class[WORKER_CLASS_RTP], 2);
    assert_int_equal(s.drop_class[WORKER_CLASS_OTHER], 0);
    close(fd);
    worker_stop(w);
    ctx_free(t);
}

static void test_udp_echo_batched(void **state)
{
    (void)state;
    struct tctx *t = ctx_new();
    t->udp_echo = ECHO_BATCH;
    struct worker_cfg cfg = base_cfg(t);
    struct worker *w = start(&cfg);
    uint16_t port;
    worker_ports(w, &port, NULL);
    int fd = udp_client();
    uint8_t out[1000], back[2048];
    unsigned received = 0;

    /* Windows of 32 so the test socket never overflows. */
    for (unsigned win = 0; win < 16; win++) {
        for (unsigned k = 0; k < 32; k++) {
            unsigned seq = win * 32 + k;
            memset(out, (int)seq, sizeof out);
            out[0] = 0x80;
            out[1] = (uint8_t)(seq >> 8);
            out[2] = (uint8_t)seq;
            udp_send(fd, port, out, sizeof out);
        }
        for (unsigned k = 0; k < 32; k++) {
            ssize_t n = udp_recv(fd, back, sizeof back);
            assert_int_equal(n, (ssize_t)sizeof out);
            unsigned seq = (unsigned)back[1] << 8 | back[2];
            assert_true(seq / 32 == win);
            assert_int_equal(back[999], (uint8_t)seq);
            received++;
        }
    }
    assert_int_equal(received, 512);
    struct worker_stats s;
    WAIT_STATS(w, s,
               s.pool_in_use == 0 && s.udp_tx_packets >= 512); /* counters land after the send */
    assert_int_equal(s.udp_tx_packets, 512);
    assert_int_equal(s.pool_in_use, 0); /* every batched packet went back */
    assert_int_equal(s.pool_exhausted, 0);
    /* every datagram in: read by some recvmmsg call, each call at most a batch */
    assert_true(s.udp_rx_syscalls >= 512 / WORKER_RX_BATCH &&
                s.udp_rx_syscalls <= s.wakeups * WORKER_RX_ROUNDS);
    assert_true(s.udp_tx_gso_datagrams <= s.udp_tx_packets);
    assert_true(s.udp_tx_gso_datagrams >= 2 * s.udp_tx_gso_sends);
    print_message("batched echo: 512 datagrams in %llu send calls, %llu with GSO\n",
                  (unsigned long long)s.udp_tx_syscalls, (unsigned long long)s.udp_tx_gso_sends);
    struct obs o;
    obs_snap(t, &o);
    assert_int_equal(o.errors, 0);
    close(fd);
    worker_stop(w);
    ctx_free(t);
}

static void burst_case(bool no_gso)
{
    struct tctx *t = ctx_new();
    struct worker_cfg cfg = base_cfg(t);
    cfg.no_gso = no_gso;
    struct worker *w = start(&cfg);
    int fd = udp_client();
    struct sockaddr_in to = loopback(local_port(fd));
    struct tcmd c = {.type = CMD_BURST, .count = 40, .size = 1100};
    memcpy(&c.to, &to, sizeof to);
    c.tolen = sizeof to;
    post(w, &c);
    uint8_t back[2048];
    for (unsigned i = 0; i < 40; i++) {
        ssize_t n = udp_recv(fd, back, sizeof back);
        assert_int_equal(n, i == 39 ? 550 : 1100);
        assert_int_equal(back[0], 0x80);
        assert_int_equal(back[1], i); /* in order */
    }
    struct worker_stats s;
    WAIT_STATS(w, s, s.udp_tx_packets == 40);
    assert_int_equal(s.udp_tx_packets, 40);
    assert_int_equal(s.udp_tx_bytes, 39 * 1100 + 550);
    if (no_gso)
        assert_int_equal(s.udp_tx_gso_sends, 0);
    print_message("burst of 40 (%s): %llu send calls, %llu GSO sends\n",
                  no_gso ? "no GSO" : "GSO allowed", (unsigned long long)s.udp_tx_syscalls,
                  (unsigned long long)s.udp_tx_gso_sends);
    close(fd);
    worker_stop(w);
    struct obs o;
    obs_snap(t, &o);
    assert_int_equal(o.errors, 0);
    assert_int_equal(o.burst_done, 1);
    ctx_free(t);
}

static void test_batch_burst_gso(void **state)
{
    (void)state;
    burst_case(false);
    burst_case(true);
}

static void test_pool_exhaustion_counted(void **state)
{
    (void)state;
    struct tctx *t = ctx_new();
    struct worker_cfg cfg = base_cfg(t);
    cfg.pool_count = 8;
    struct worker *w = start(&cfg);
    int fd = udp_client();
    struct sockaddr_in to = loopback(local_port(fd));
    /* 40 packets wanted in one go, 8 buffers: 32 pool_get() calls fail. */
    struct tcmd c = {.type = CMD_BURST, .count = 40, .size = 500};
    memcpy(&c.to, &to, sizeof to);
    c.tolen = sizeof to;
    post(w, &c);
    uint8_t back[2048];
    for (unsigned i = 0; i < 8; i++)
        assert_int_equal(udp_recv(fd, back, sizeof back), 500);
    struct worker_stats s;
    WAIT_STATS(w, s, s.pool_exhausted == 32 && s.pool_in_use == 0);
    assert_int_equal(s.pool_exhausted, 32);
    assert_int_equal(s.pool_in_use, 0); /* all 8 came back after the flush */
    struct obs o;
    obs_snap(t, &o);
    assert_int_equal(o.errors, 32); /* the handler saw NULL 32 times */
    close(fd);
    worker_stop(w);
    ctx_free(t);
}

static void test_garbage_is_dropped(void **state)
{
    (void)state;
    struct tctx *t = ctx_new();
    t->udp_echo = ECHO_UDP;
    struct worker_cfg cfg = base_cfg(t);
    struct worker *w = start(&cfg);
    uint16_t port;
    worker_ports(w, &port, NULL);
    int fd = udp_client();
    uint8_t junk[100], rtp[200], back[2048];
    unsigned valid = 0;

    for (unsigned i = 0; i < 1000; i++) {
        /* first bytes outside every RFC 7983 range: 4..19, 64..127, 192..255 */
        static const uint8_t firsts[] = {4, 19, 64, 100, 127, 192, 255, 0x47};
        memset(junk, (int)i, sizeof junk);
        junk[0] = firsts[i % sizeof firsts];
        udp_send(fd, port, junk, 1 + i % sizeof junk);
        if (i % 10 == 9) {
            memset(rtp, (int)valid, sizeof rtp);
            rtp[0] = 0x80;
            udp_send(fd, port, rtp, sizeof rtp);
            ssize_t n = udp_recv(fd, back, sizeof back);
            assert_int_equal(n, (ssize_t)sizeof rtp);
            assert_memory_equal(back, rtp, sizeof rtp);
            valid++;
        }
    }
    udp_send(fd, port, junk, 0); /* an empty datagram */
    static uint8_t huge[3000];
    huge[0] = 0x80;
    udp_send(fd, port, huge, sizeof huge); /* larger than a packet buffer */

    struct worker_stats s;
    WAIT_STATS(w, s, s.udp_rx_packets == 1000 + valid + 2 && s.udp_tx_packets == valid);
    assert_int_equal(s.udp_rx_packets, 1000 + valid + 2);
    assert_int_equal(s.drop_class[WORKER_CLASS_OTHER], 1001);
    assert_int_equal(s.udp_rx_truncated, 1);
    assert_int_equal(s.rx_class[WORKER_CLASS_RTP], valid);
    assert_int_equal(s.udp_tx_packets, valid);
    struct obs o;
    obs_snap(t, &o);
    assert_int_equal(o.dgrams[WORKER_CLASS_RTP][WORKER_PROTO_UDP], 100);
    assert_int_equal(o.dgrams[WORKER_CLASS_OTHER][WORKER_PROTO_UDP], 0);
    assert_int_equal(o.errors, 0);
    close(fd);
    worker_stop(w);
    ctx_free(t);
}

static void test_deadlines_fire_in_order(void **state)
{
    (void)state;
    struct tctx *t = ctx_new();
    struct worker_cfg cfg = base_cfg(t);
    struct worker *w = start(&cfg);
    struct tcmd c = {.type = CMD_DEADLINES,
                     .offsets_us = {30000, 10000, 20000, 20000, 5000, 20001},
                     .n_offsets = 6};
    post(w, &c);
    struct obs o;
    WAIT_OBS(t, o, o.n_fired == 6);
    assert_int_equal(o.n_fired, 6);
    int64_t worst = 0;
    for (unsigned i = 0; i < 6; i++) {
        assert_true(o.fired_at[i] >= o.fired[i]); /* never early */
        if (i > 0)
            assert_true(o.fired[i] >= o.fired[i - 1]); /* in order */
        if (o.fired_at[i] - o.fired[i] > worst)
            worst = o.fired_at[i] - o.fired[i];
    }
    assert_int_equal(o.fired[5] - o.fired[0], 25000);
    print_message("deadlines: latest firing %lld us after its deadline\n", (long long)worst);
    struct worker_stats s;
    worker_stats(w, &s);
    /* Each call fires at least one (several when the thread was late). */
    assert_true(s.timer_calls >= 1 && s.timer_calls <= 6);
    worker_stop(w);
    obs_snap(t, &o);
    assert_int_equal(o.errors, 0);
    ctx_free(t);
}

#define POSTERS 4
#define PER_POSTER 2000

struct poster_arg {
    struct worker *w;
    unsigned id;
    unsigned full;
    int rc;
};

static void *poster(void *arg)
{
    struct poster_arg *a = arg;
    for (uint64_t i = 0; i < PER_POSTER; i++) {
        struct tcmd *c = calloc(1, sizeof *c);
        if (!c) {
            a->rc = ERR_NOMEM;
            return NULL;
        }
        c->type = CMD_SEQ;
        c->producer = a->id;
        c->seq = i;
        int rc;
        long tries = 0;
        while ((rc = worker_post(a->w, c)) == ERR_FULL && tries++ < 10000000L) {
            a->full++;
            sched_yield();
        }
        if (rc != 0) {
            free(c);
            a->rc = rc;
            return NULL;
        }
    }
    return NULL;
}

static void test_commands_from_threads(void **state)
{
    (void)state;
    struct tctx *t = ctx_new();
    struct worker_cfg cfg = base_cfg(t);
    cfg.queue_capacity = 16;
    struct worker *w = start(&cfg);
    pthread_t th[POSTERS];
    struct poster_arg args[POSTERS];
    unsigned full = 0;
    for (unsigned i = 0; i < POSTERS; i++) {
        args[i] = (struct poster_arg){.w = w, .id = i};
        assert_int_equal(pthread_create(&th[i], NULL, poster, &args[i]), 0);
    }
    for (unsigned i = 0; i < POSTERS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(args[i].rc, 0);
        full += args[i].full;
    }
    struct obs o;
    WAIT_OBS(t, o, o.commands == POSTERS * PER_POSTER);
    assert_int_equal(o.commands, POSTERS * PER_POSTER);
    for (unsigned i = 0; i < POSTERS; i++)
        assert_int_equal(o.cmd_next[i], PER_POSTER);
    assert_int_equal(o.errors, 0);
    print_message("commands: %u posted, queue full %u times\n", POSTERS * PER_POSTER, full);
    worker_stop(w);
    ctx_free(t);
}

static void test_stop_delivers_pending_commands(void **state)
{
    (void)state;
    struct tctx *t = ctx_new();
    struct worker_cfg cfg = base_cfg(t);
    struct worker *w = start(&cfg);
    for (uint64_t i = 0; i < 10; i++) {
        struct tcmd c = {.type = CMD_SEQ, .producer = 0, .seq = i};
        post(w, &c);
    }
    worker_stop(w); /* LeakSanitizer checks that every command was freed */
    struct obs o;
    obs_snap(t, &o);
    assert_int_equal(o.commands, 10);
    assert_int_equal(o.cmd_next[0], 10);
    assert_int_equal(o.cmds_after_stop, 0);
    assert_int_equal(o.stopped, 1);
    assert_int_equal(o.errors, 0);
    ctx_free(t);
}

static void test_ipv6(void **state)
{
    (void)state;
    struct tctx *t = ctx_new();
    t->udp_echo = ECHO_UDP;
    struct worker_cfg cfg = base_cfg(t);
    cfg.bind_addr = "::1";
    struct worker *w = NULL;
    int rc = worker_start(&w, &cfg);
    if (rc == ERR_IO) {
        print_message("no IPv6 loopback here: skipped\n");
        ctx_free(t);
        skip();
    }
    assert_int_equal(rc, 0);
    uint16_t port;
    worker_ports(w, &port, NULL);
    int fd = socket(AF_INET6, SOCK_DGRAM, 0);
    assert_true(fd >= 0);
    set_timeouts(fd);
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
    a.sin6_addr = in6addr_loopback;
    assert_int_equal(sendto(fd, stun_req, sizeof stun_req, 0, (struct sockaddr *)&a, sizeof a),
                     (ssize_t)sizeof stun_req);
    uint8_t back[64];
    assert_int_equal(recv(fd, back, sizeof back, 0), (ssize_t)sizeof stun_req);
    assert_memory_equal(back, stun_req, sizeof stun_req);
    struct obs o;
    obs_snap(t, &o);
    assert_int_equal(o.last_from.ss_family, AF_INET6);
    close(fd);
    worker_stop(w);
    ctx_free(t);
}

int main(void)
{
    log_set_level(LOG_LEVEL_WARN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_start_errors),
        cmocka_unit_test(test_lifecycle),
        cmocka_unit_test(test_udp_echo_and_classes),
        cmocka_unit_test(test_udp_echo_batched),
        cmocka_unit_test(test_batch_burst_gso),
        cmocka_unit_test(test_pool_exhaustion_counted),
        cmocka_unit_test(test_garbage_is_dropped),
        cmocka_unit_test(test_deadlines_fire_in_order),
        cmocka_unit_test(test_commands_from_threads),
        cmocka_unit_test(test_stop_delivers_pending_commands),
        cmocka_unit_test(test_ipv6),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
