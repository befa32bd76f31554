/* media/transport over ICE-TCP and at its end: the connections a transport
 * holds, the close requests it queues (superseded, forgotten by ICE, the end
 * of the transport), close_notify, protect over ICE-TCP. Harness in
 * transport_harness.h. */
#include "transport_harness.h"

/* ---- ICE-TCP connections ---- */

/* Valid checks over TCP connections 1..n, from ports 40001.., the first
 * nominated (so selected). */
static void tcp_checks(struct sim *s, uint64_t first, uint64_t n)
{
    for (uint64_t c = first; c < first + n; c++) {
        struct stun_addr a;
        addr_v4(&a, 1, (uint16_t)(40000 + c));
        s->now += 1000;
        check_on(s, &a, c, c == 1, SERVER_PWD);
    }
}

static void assert_closed(const struct sim *s, size_t i, uint64_t conn,
                          enum transport_tcp_close why)
{
    assert_true(i < s->n_closed);
    assert_int_equal(s->closed[i].conn, conn);
    assert_int_equal(s->closed[i].why, why);
}

/* One peer connection needs one TCP connection per ICE pair at most:
 * past TRANSPORT_TCP_PATHS the oldest that is not selected is closed. */
static void tcp_connections_per_transport_are_bounded(void **state)
{
    struct sim *s = *state;
    tcp_checks(s, 1, TRANSPORT_TCP_PATHS);
    assert_int_equal(s->n_closed, 0);
    tcp_checks(s, TRANSPORT_TCP_PATHS + 1, 3);
    /* 1 is selected (nominated): 2, 3, 4 go, oldest first. */
    assert_int_equal(s->n_closed, 3);
    assert_closed(s, 0, 2, TRANSPORT_TCP_CLOSE_SUPERSEDED);
    assert_closed(s, 1, 3, TRANSPORT_TCP_CLOSE_SUPERSEDED);
    assert_closed(s, 2, 4, TRANSPORT_TCP_CLOSE_SUPERSEDED);
    /* The newest is answered on its connection; the selected one still works. */
    struct stun_addr a;
    addr_v4(&a, 1, 40001);
    s->outbox_len = 0;
    check_on(s, &a, 1, false, SERVER_PWD);
    assert_int_equal(s->outbox_len, 1);
    assert_int_equal(s->outbox[0].proto, ICE_PROTO_TCP);
    assert_int_equal(s->outbox[0].tcp_conn, 1);
    assert_int_equal(s->n_closed, 3);
}

/* A connection that is gone no longer counts against the transport's share:
 * a newer one takes its place without superseding another (ICE, which
 * holds ICE_MAX_PAIRS pairs of its own, lets its least recently checked
 * pair go, whose connection is then closed as ended). */
static void closed_tcp_connection_frees_its_place(void **state)
{
    struct sim *s = *state;
    tcp_checks(s, 1, TRANSPORT_TCP_PATHS);
    transport_tcp_closed(s->t, 3);
    transport_tcp_closed(s->t, 999); /* unknown: nothing */
    tcp_checks(s, TRANSPORT_TCP_PATHS + 1, 1);
    assert_int_equal(s->n_closed, 1);
    assert_closed(s, 0, 2, TRANSPORT_TCP_CLOSE_ENDED);
    /* Nothing is sent on it any more, nor asked to be closed at the end. */
    transport_close(s->t);
    drain(s);
    assert_int_equal(s->n_closed, TRANSPORT_TCP_PATHS);
    for (size_t i = 0; i < s->n_closed; i++)
        assert_int_not_equal(s->closed[i].conn, 3);
}

/* A connection without the password does not push out one that has it. */
static void unchecked_tcp_connection_evicts_no_checked_one(void **state)
{
    struct sim *s = *state;
    tcp_checks(s, 1, TRANSPORT_TCP_PATHS);
    struct stun_addr a;
    addr_v4(&a, 9, 40100);
    for (uint64_t c = 100; c < 110; c++) {
        a.port = (uint16_t)(40000 + c);
        check_on(s, &a, c, true, "not-the-server-password-0123");
    }
    assert_int_equal(s->n_closed, 0);
    /* Every checked connection is still remembered: its checks are answered on it. */
    for (uint64_t c = 1; c <= TRANSPORT_TCP_PATHS; c++) {
        addr_v4(&a, 1, (uint16_t)(40000 + c));
        s->outbox_len = 0;
        check_on(s, &a, c, false, SERVER_PWD);
        assert_int_equal(s->outbox_len, 1);
    }
    assert_int_equal(s->n_closed, 0);
}

/* Ending the transport closes every connection it holds: the requests
 * come out of transport_poll(), once. */
static void close_closes_tcp_connections(void **state)
{
    struct sim *s = *state;
    tcp_checks(s, 1, 3);
    s->n_log = 0;
    transport_close(s->t);
    drain(s);
    assert_int_equal(s->n_closed, 3);
    assert_int_equal(s->n_log, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(s->log[i].kind, TRANSPORT_OUT_CLOSE_TCP);
        assert_closed(s, i, i + 1, TRANSPORT_TCP_CLOSE_ENDED);
    }
    transport_close(s->t); /* again: nothing more */
    drain(s);
    assert_int_equal(s->n_closed, 3);
    /* Closed: input is ignored and answered by nothing, no timer runs. */
    struct stun_addr a;
    addr_v4(&a, 1, 40001);
    s->outbox_len = 0;
    check_on(s, &a, 1, false, SERVER_PWD);
    assert_int_equal(s->outbox_len, 0);
    assert_int_equal(transport_next_deadline(s->t), INT64_MAX);
    assert_int_not_equal(
        transport_restart_ice(s->t, s->now, "srvV", "serverpassword9876543210xyz", "brwV"), 0);
    drain(s);
    assert_int_equal(s->n_closed, 3);
}

/* An ICE restart forgets every pair but the selected one: their
 * connections are closed, the selected one's is kept. */
static void ice_restart_closes_dropped_pairs(void **state)
{
    struct sim *s = *state;
    tcp_checks(s, 1, 3);
    assert_int_equal(
        transport_restart_ice(s->t, s->now, "srvV", "serverpassword9876543210xyz", "brwV"), 0);
    drain(s);
    assert_int_equal(s->n_closed, 2);
    assert_closed(s, 0, 2, TRANSPORT_TCP_CLOSE_ENDED);
    assert_closed(s, 1, 3, TRANSPORT_TCP_CLOSE_ENDED);
}

/* A pair whose consent expired is forgotten by ICE: its connection goes. */
static void consent_expiry_closes_tcp_connection(void **state)
{
    struct sim *s = *state;
    connect_all(s); /* over UDP */
    struct stun_addr a;
    addr_v4(&a, 1, 40002);
    check_on(s, &a, 2, false, SERVER_PWD);
    for (int i = 0; i < 8; i++) {
        s->now += 5 * 1000000LL;
        check(s, &s->browser_addr, false);
        transport_timeout(s->t, s->now);
        drain(s);
        if (i < 5)
            assert_int_equal(s->n_closed, 0);
    }
    assert_false(s->failed);
    assert_int_equal(s->n_closed, 1);
    assert_closed(s, 0, 2, TRANSPORT_TCP_CLOSE_ENDED);
}

/* transport_close() on a connected transport: close_notify to the peer,
 * then the ICE-TCP closes, in that order, through transport_poll(); then
 * nothing is protected any more. */
static void close_sends_close_notify_then_closes_tcp(void **state)
{
    struct sim *s = *state;
    connect_all(s); /* over UDP */
    struct stun_addr a;
    addr_v4(&a, 1, 40002);
    check_on(s, &a, 2, false, SERVER_PWD); /* a TCP pair besides */
    s->outbox_len = 0;
    s->n_log = 0;
    transport_close(s->t);
    drain(s);
    assert_int_equal(s->n_log, 2);
    assert_int_equal(s->log[0].kind, TRANSPORT_OUT_DATAGRAM);
    assert_int_equal(s->log[1].kind, TRANSPORT_OUT_CLOSE_TCP);
    assert_closed(s, 0, 2, TRANSPORT_TCP_CLOSE_ENDED);
    assert_int_equal(s->outbox_len, 1);
    assert_int_equal(s->outbox[0].data[0], 21); /* an alert */
    assert_true(stun_addr_equal(&s->outbox[0].to, &s->browser_addr));
    dtls_input(s->browser_dtls, s->now, s->outbox[0].data, s->outbox[0].len);
    bool closed = false;
    struct dtls_output o;
    while (dtls_poll(s->browser_dtls, &o))
        closed = closed || (o.kind == DTLS_OUT_EVENT && o.event == DTLS_EVENT_CLOSED);
    assert_true(closed);
    assert_false(transport_is_connected(s->t));
    uint8_t buf[PKT_MAX];
    size_t len = make_rtp(buf, 1, 1, 20);
    struct transport_dest to;
    assert_int_equal(transport_protect_rtp(s->t, buf, &len, sizeof buf, &to), ERR_AGAIN);
}

/* transport_protect_rtcp: like RTP, in place, to the selected pair; over
 * ICE-TCP on its connection, ERR_NOTFOUND once that is gone. */
static void protect_rtcp_in_place(void **state)
{
    struct sim *s = *state;
    s->browser_proto = ICE_PROTO_TCP;
    s->browser_conn = 5;
    addr_v4(&s->browser_addr, 1, 40005);
    static const uint8_t rr[] = {0x80, 201, 0, 1, 0x12, 0x34, 0x56, 0x78}; /* RR, no blocks */
    uint8_t buf[PKT_MAX];
    struct transport_dest to;
    size_t len = sizeof rr;
    memcpy(buf, rr, sizeof rr);
    assert_int_equal(transport_protect_rtcp(s->t, buf, &len, sizeof buf, &to), ERR_AGAIN);
    connect_all(s);
    assert_int_equal(transport_protect_rtcp(s->t, buf, &len, sizeof rr + 4, &to), ERR_TOOBIG);
    memcpy(buf, rr, sizeof rr);
    len = sizeof rr;
    assert_int_equal(transport_protect_rtcp(s->t, buf, &len, sizeof buf, &to), 0);
    assert_true(len > sizeof rr);
    assert_int_equal(to.proto, ICE_PROTO_TCP);
    assert_int_equal(to.tcp_conn, 5);
    assert_true(stun_addr_equal(&to.addr, &s->browser_addr));
    struct transport_stats st;
    transport_get_stats(s->t, &st);
    assert_int_equal(st.rtcp_out, 1);
    assert_int_equal(st.rtp_out, 0);
    assert_int_equal(srtpx_unprotect_rtcp(s->browser_srtp, buf, &len), 0);
    assert_int_equal(len, sizeof rr);
    assert_memory_equal(buf, rr, sizeof rr);
    transport_tcp_closed(s->t, 5);
    memcpy(buf, rr, sizeof rr);
    len = sizeof rr;
    assert_int_equal(transport_protect_rtcp(s->t, buf, &len, sizeof buf, &to), ERR_NOTFOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(tcp_connections_per_transport_are_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(unchecked_tcp_connection_evicts_no_checked_one, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(closed_tcp_connection_frees_its_place, setup, teardown),
        cmocka_unit_test_setup_teardown(close_closes_tcp_connections, setup, teardown),
        cmocka_unit_test_setup_teardown(ice_restart_closes_dropped_pairs, setup, teardown),
        cmocka_unit_test_setup_teardown(consent_expiry_closes_tcp_connection, setup, teardown),
        cmocka_unit_test_setup_teardown(close_sends_close_notify_then_closes_tcp, setup, teardown),
        cmocka_unit_test_setup_teardown(protect_rtcp_in_place, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
