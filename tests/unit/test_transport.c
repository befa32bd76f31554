/* media/transport: ICE-lite + DTLS + SRTP glue against a simulated browser
 * (STUN checks, a DTLS client and SRTP sessions of its own), no sockets:
 * media both ways, what is dropped, DTLS, the output queue. ICE-TCP and the
 * end of a transport in test_transport_tcp.c; harness in
 * transport_harness.h.
 *
 * With SAMTALE_SEED_DIR set, seeds for tests/fuzz/fuzz_transport.c are also
 * written there (in its record format, with the harness's credentials):
 *   SAMTALE_SEED_DIR=tests/fuzz/corpus/transport build/debug/tests/test_transport */
#include "transport_harness.h"
#include "tests/unit/seed_dump.h"

static void media_flows_both_ways(void **state)
{
    struct sim *s = *state;
    connect_all(s);

    uint8_t plain[PKT_MAX], buf[PKT_MAX];
    size_t plen = make_rtp(plain, 1, 0x11223344, 200);
    memcpy(buf, plain, plen);
    size_t len = plen;
    assert_int_equal(srtpx_protect_rtp(s->browser_srtp, buf, &len, sizeof buf), 0);
    size_t n = len;
    assert_int_equal(transport_input(s->t, s->now, buf, &n, &s->browser_addr, ICE_PROTO_UDP, 0),
                     TRANSPORT_RX_RTP);
    assert_int_equal(n, plen);
    assert_memory_equal(buf, plain, plen);

    /* and back: the transport protects, the browser decrypts */
    plen = make_rtp(plain, 7, 0x55667788, 300);
    memcpy(buf, plain, plen);
    len = plen;
    struct transport_dest to;
    assert_int_equal(transport_protect_rtp(s->t, buf, &len, sizeof buf, &to), 0);
    assert_true(stun_addr_equal(&to.addr, &s->browser_addr));
    assert_int_equal(srtpx_unprotect_rtp(s->browser_srtp, buf, &len), 0);
    assert_int_equal(len, plen);
    assert_memory_equal(buf, plain, plen);

    /* RTCP (a PLI) both ways */
    uint8_t pli[PKT_MAX] = {0x81, 206, 0, 2, 0, 0, 0, 1, 0x55, 0x66, 0x77, 0x88};
    len = 12;
    assert_int_equal(srtpx_protect_rtcp(s->browser_srtp, pli, &len, sizeof pli), 0);
    n = len;
    assert_int_equal(transport_input(s->t, s->now, pli, &n, &s->browser_addr, ICE_PROTO_UDP, 0),
                     TRANSPORT_RX_RTCP);
    assert_int_equal(n, 12);
    len = n;
    assert_int_equal(transport_protect_rtcp(s->t, pli, &len, sizeof pli, &to), 0);
    assert_int_equal(srtpx_unprotect_rtcp(s->browser_srtp, pli, &len), 0);
    assert_int_equal(len, 12);
    assert_int_equal(s->outbox_len, 0); /* media is the caller's to send */
}

/* transport_protect_rtp: protected in place, the selected pair as the
 * destination, nothing queued by the transport itself; refused before a connection and
 * without room for the trailer. */
static void protect_in_place_for_the_caller(void **state)
{
    struct sim *s = *state;
    uint8_t plain[PKT_MAX], buf[PKT_MAX];
    struct transport_dest to;
    struct transport_stats st;
    size_t plen = make_rtp(plain, 9, 0x55667788, 400), len = plen;

    memcpy(buf, plain, plen);
    assert_int_equal(transport_protect_rtp(s->t, buf, &len, sizeof buf, &to), ERR_AGAIN);
    assert_memory_equal(buf, plain, plen); /* untouched */
    connect_all(s);
    s->outbox_len = 0;
    assert_int_equal(transport_protect_rtp(s->t, buf, &len, plen + 4, &to), ERR_TOOBIG);
    memcpy(buf, plain, plen);
    len = plen;
    assert_int_equal(transport_protect_rtp(s->t, buf, &len, sizeof buf, &to), 0);
    assert_int_equal(s->outbox_len, 0); /* the caller sends it */
    assert_true(len > plen);
    assert_int_equal(to.proto, ICE_PROTO_UDP);
    assert_true(stun_addr_equal(&to.addr, &s->browser_addr));
    transport_get_stats(s->t, &st);
    assert_int_equal(st.rtp_out, 1);
    assert_int_equal(srtpx_unprotect_rtp(s->browser_srtp, buf, &len), 0);
    assert_int_equal(len, plen);
    assert_memory_equal(buf, plain, plen);
}

static void unknown_sources_and_garbage_are_dropped(void **state)
{
    struct sim *s = *state;
    connect_all(s);
    struct stun_addr stranger;
    addr_v4(&stranger, 9, 40000);

    uint8_t buf[PKT_MAX];
    size_t len = make_rtp(buf, 2, 0x11223344, 100);
    assert_int_equal(srtpx_protect_rtp(s->browser_srtp, buf, &len, sizeof buf), 0);
    size_t n = len;
    /* valid SRTP, but from an address that never passed a check */
    assert_int_equal(transport_input(s->t, s->now, buf, &n, &stranger, ICE_PROTO_UDP, 0),
                     TRANSPORT_RX_DROP_UNKNOWN_SOURCE);
    /* a DTLS-looking record from the stranger */
    uint8_t rec[32] = {22, 0xfe, 0xfd};
    n = sizeof rec;
    assert_int_equal(transport_input(s->t, s->now, rec, &n, &stranger, ICE_PROTO_UDP, 0),
                     TRANSPORT_RX_DROP_UNKNOWN_SOURCE);
    /* garbage from the real peer: first bytes outside every RFC 7983 range */
    for (unsigned first = 64; first < 128; first += 7) {
        uint8_t junk[40];
        memset(junk, 0xa5, sizeof junk);
        junk[0] = (uint8_t)first;
        n = sizeof junk;
        assert_int_equal(
            transport_input(s->t, s->now, junk, &n, &s->browser_addr, ICE_PROTO_UDP, 0),
            TRANSPORT_RX_DROP_GARBAGE);
    }
    /* a STUN check with the wrong password from the stranger opens nothing */
    struct stun_binding_request req = {
        .username = SERVER_UFRAG ":" BROWSER_UFRAG,
        .controlling = true,
        .use_candidate = true,
        .key = (const uint8_t *)"notthepasswordatall12345",
        .key_len = 24,
    };
    assert_int_equal(stun_build_binding_request(buf, sizeof buf, &req, &len), 0);
    n = len;
    transport_input(s->t, s->now, buf, &n, &stranger, ICE_PROTO_UDP, 0);
    assert_false(transport_owns_source(s->t, &stranger, ICE_PROTO_UDP));

    struct transport_stats st;
    transport_get_stats(s->t, &st);
    assert_int_equal(st.dropped_unknown_source, 2);
    assert_int_equal(st.dropped_garbage, 10);
    assert_false(s->failed);
}

static void srtp_before_keys_is_dropped(void **state)
{
    struct sim *s = *state;
    check(s, &s->browser_addr, true); /* a valid path, but no DTLS yet */
    uint8_t buf[PKT_MAX];
    size_t n = make_rtp(buf, 1, 0x11223344, 100);
    assert_int_equal(transport_input(s->t, s->now, buf, &n, &s->browser_addr, ICE_PROTO_UDP, 0),
                     TRANSPORT_RX_DROP_NOT_READY);
    struct transport_stats st;
    transport_get_stats(s->t, &st);
    assert_int_equal(st.dropped_not_ready, 1);
    assert_int_equal(st.dropped_unknown_source + st.dropped_garbage + st.srtp_auth_failures, 0);
}

static void bad_srtp_tags_are_counted(void **state)
{
    struct sim *s = *state;
    connect_all(s);
    for (uint16_t seq = 10; seq < 20; seq++) {
        uint8_t buf[PKT_MAX];
        size_t len = make_rtp(buf, seq, 0x11223344, 100);
        assert_int_equal(srtpx_protect_rtp(s->browser_srtp, buf, &len, sizeof buf), 0);
        buf[len - 1] ^= 0x01;
        size_t n = len;
        assert_int_equal(transport_input(s->t, s->now, buf, &n, &s->browser_addr, ICE_PROTO_UDP, 0),
                         TRANSPORT_RX_DROP_SRTP);
    }
    struct transport_stats st;
    transport_get_stats(s->t, &st);
    assert_int_equal(st.srtp_auth_failures, 10);
    assert_true(transport_is_connected(s->t));
}

/* Forged DTLS from the browser's own (checked) address after the
 * handshake: a record too short for the AEAD (once fatal), plaintext
 * alerts, garbage records, a replayed ClientHello. None fails the
 * transport, none makes it send anything, each is counted, and media keeps
 * flowing. */
static void forged_dtls_from_the_peer_is_dropped(void **state)
{
    struct sim *s = *state;
    connect_all(s);
    static const struct {
        uint8_t b[16];
        size_t n;
    } forged[] = {
        {{0x15, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 0x40, 0, 1, 0x99}, 14},  /* alert, epoch 1 */
        {{0x15, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0x09, 0, 2, 2, 40}, 15}, /* fatal, plaintext */
        {{0x15, 0xfe, 0xff, 0, 0, 0, 0, 0, 0, 0, 0x01, 0, 2, 1, 0}, 15},  /* close_notify, plain */
        {{0x17, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 0x41, 0, 3, 1, 2, 3}, 16},
        {{0x16, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 0x42, 0, 0}, 13},
        {{0x14, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 0x43, 0, 1, 1}, 14},
        {{0x19, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 0x44, 0, 2, 0, 0}, 15}, /* unknown type */
        {{0x3f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 16},
    };
    s->outbox_len = 0;
    for (size_t i = 0; i < sizeof forged / sizeof forged[0]; i++) {
        uint8_t buf[16];
        size_t n = forged[i].n;
        memcpy(buf, forged[i].b, sizeof buf);
        assert_int_equal(transport_input(s->t, s->now, buf, &n, &s->browser_addr, ICE_PROTO_UDP, 0),
                         TRANSPORT_RX_DROP_DTLS);
        drain(s);
    }
    assert_false(s->failed);
    assert_true(transport_is_connected(s->t));
    assert_int_equal(s->outbox_len, 0); /* no alert, nothing at all toward the browser */
    struct transport_stats st;
    transport_get_stats(s->t, &st);
    assert_int_equal(st.dtls_records_dropped, sizeof forged / sizeof forged[0]);

    /* media still flows */
    uint8_t buf[PKT_MAX];
    size_t len = make_rtp(buf, 7, 0x11223344, 100);
    assert_int_equal(srtpx_protect_rtp(s->browser_srtp, buf, &len, sizeof buf), 0);
    size_t n = len;
    assert_int_equal(transport_input(s->t, s->now, buf, &n, &s->browser_addr, ICE_PROTO_UDP, 0),
                     TRANSPORT_RX_RTP);
}

static void fingerprint_mismatch_fails(void **state)
{
    struct sim *s = *state;
    check(s, &s->browser_addr, true);
    s->outbox_len = 0;
    assert_int_equal(dtls_start(s->browser_dtls, s->now), 0);
    shuttle(s);
    assert_false(s->connected);
    assert_true(s->failed);
    assert_non_null(s->reason);
    struct transport_dest to;
    size_t len = 12;
    assert_int_equal(transport_protect_rtp(s->t, (uint8_t[64]){0x80}, &len, 64, &to), ERR_AGAIN);
}

static void path_switch_and_consent_timeout(void **state)
{
    struct sim *s = *state;
    connect_all(s);
    struct stun_addr mobile;
    addr_v4(&mobile, 2, 51000);
    check(s, &mobile, true);
    assert_true(s->path_changed);
    uint8_t buf[PKT_MAX];
    size_t len = make_rtp(buf, 3, 1, 50);
    struct transport_dest to;
    assert_int_equal(transport_protect_rtp(s->t, buf, &len, sizeof buf, &to), 0);
    assert_true(stun_addr_equal(&to.addr, &mobile));

    /* checks keep consent; silence for over 30 s fails the transport */
    s->now += 20 * 1000000LL;
    check(s, &mobile, false);
    transport_timeout(s->t, s->now);
    drain(s);
    assert_false(s->failed);
    s->now += 31 * 1000000LL;
    transport_timeout(s->t, s->now);
    drain(s);
    assert_true(s->failed);
}

/* ---- the output queue ---- */

/* (epoch, sequence number) of a datagram's first DTLS record. */
static uint64_t first_record_number(const struct datagram *d)
{
    assert_true(d->len >= 13);
    uint64_t v = 0;
    for (size_t i = 3; i < 11; i++)
        v = v << 8 | d->data[i];
    return v;
}

static void assert_dtls_flight(const struct sim *s)
{
    assert_true(s->outbox_len >= 1);
    for (size_t i = 0; i < s->outbox_len; i++) {
        const struct datagram *d = &s->outbox[i];
        assert_true(d->data[0] >= 20 && d->data[0] <= 63);
        assert_true(d->len <= DTLS_MTU);
        assert_true(stun_addr_equal(&d->to, &s->browser_addr));
        assert_int_equal(d->proto, ICE_PROTO_UDP);
        if (i > 0)
            assert_true(first_record_number(d) > first_record_number(&s->outbox[i - 1]));
    }
}

/* The server's DTLS flights come out of transport_poll() as datagrams to
 * the checked address, in the order DTLS wrote them (record numbers rise);
 * the flight that completes the handshake comes out before CONNECTED. */
static void dtls_flights_come_out_in_order(void **state)
{
    struct sim *s = *state;
    check(s, &s->browser_addr, true);
    s->outbox_len = 0;
    assert_int_equal(dtls_start(s->browser_dtls, s->now), 0);
    assert_true(from_browser(s)); /* ClientHello */
    assert_dtls_flight(s);        /* ServerHello .. ServerHelloDone */
    assert_false(s->connected);
    assert_true(to_browser(s));
    s->n_log = 0;
    assert_true(from_browser(s)); /* Certificate .. Finished */
    assert_true(s->connected);
    assert_dtls_flight(s); /* ChangeCipherSpec, Finished */
    assert_true(s->n_log >= 2);
    for (size_t i = 0; i + 1 < s->n_log; i++)
        assert_int_equal(s->log[i].kind, TRANSPORT_OUT_DATAGRAM);
    assert_int_equal(s->log[s->n_log - 1].kind, TRANSPORT_OUT_EVENT);
    assert_int_equal(s->log[s->n_log - 1].event.type, TRANSPORT_EVENT_CONNECTED);
    assert_int_equal(s->log[s->n_log - 1].event.proto, ICE_PROTO_UDP);
    to_browser(s);
    from_browser(s);
    assert_non_null(s->browser_srtp); /* the browser took the flight */
}

/* A caller that does not drain loses the newest datagrams, counted; the
 * queue keeps the oldest intact and works again once drained. */
static void full_queue_drops_newest_datagrams(void **state)
{
    struct sim *s = *state;
    s->no_drain = true;
    for (unsigned i = 0; i < TRANSPORT_OUT_DATAGRAMS + 5; i++)
        check(s, &s->browser_addr, i == 0);
    struct transport_stats st;
    transport_get_stats(s->t, &st);
    assert_int_equal(st.datagrams_dropped, 5);
    drain(s);
    assert_int_equal(s->outbox_len, TRANSPORT_OUT_DATAGRAMS);
    for (size_t i = 0; i < s->outbox_len; i++) { /* the responses to checks 1..16 */
        struct stun_msg m;
        assert_int_equal(stun_parse(&m, s->outbox[i].data, s->outbox[i].len), 0);
        assert_int_equal(m.tid[0], i + 1);
    }
    s->no_drain = false;
    s->outbox_len = 0;
    check(s, &s->browser_addr, false);
    assert_int_equal(s->outbox_len, 1);
    transport_get_stats(s->t, &st);
    assert_int_equal(st.datagrams_dropped, 5);
}

/* A caller that drains after every call never loses a datagram: the
 * queue's bytes are reclaimed each time it runs empty (these responses
 * add up to several times TRANSPORT_OUT_BYTES). */
static void drained_queue_reclaims_its_bytes(void **state)
{
    struct sim *s = *state;
    connect_all(s);
    size_t bytes = 0;
    for (int i = 0; i < 400; i++) {
        s->outbox_len = 0;
        check(s, &s->browser_addr, false);
        assert_int_equal(s->outbox_len, 1);
        bytes += s->outbox[0].len;
    }
    assert_true(bytes > 2 * TRANSPORT_OUT_BYTES);
    struct transport_stats st;
    transport_get_stats(s->t, &st);
    assert_int_equal(st.datagrams_dropped, 0);
    assert_int_equal(st.outputs_dropped, 0);
}

/* ---- seeds for fuzz_transport ---- */

/* One record: ctrl (bits 0-2 source, bit 3 ICE-TCP, bits 4-6 the step, bit
 * 7 its flag), and for a datagram or protect step the 16-bit length and
 * bytes. */
static size_t seed_op(uint8_t *out, uint8_t ctrl, const uint8_t *data, size_t len)
{
    out[0] = ctrl;
    if (!data)
        return 1;
    out[1] = (uint8_t)(len >> 8);
    out[2] = (uint8_t)len;
    memcpy(out + 3, data, len);
    return len + 3;
}

static int write_seeds(void **state)
{
    (void)state;
    if (getenv("SAMTALE_SEED_DIR") == NULL)
        return 0;
    uint8_t buf[8192], hello[PKT_MAX], rtp[64];
    size_t n = 0, hello_len = 0;

    /* A nominating check from source 0, then a browser's real ClientHello
     * from it: the server's flight is queued; half a second later. */
    struct dtls_cert *c;
    struct dtls *d;
    assert_int_equal(dtls_cert_create(&c), 0);
    assert_int_equal(dtls_create(&d, c, DTLS_ROLE_CLIENT, "sha-256",
                                 "00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:"
                                 "00:00:00:00:00:00:00:00:00:00:00:00"),
                     0);
    assert_int_equal(dtls_start(d, 1000000), 0);
    struct dtls_output o;
    while (dtls_poll(d, &o))
        if (o.kind == DTLS_OUT_TRANSMIT && hello_len == 0 && o.len <= sizeof hello) {
            memcpy(hello, o.data, o.len);
            hello_len = o.len;
        }
    dtls_destroy(d);
    dtls_cert_destroy(c);
    assert_true(hello_len > 0);
    n = seed_op(buf, 0x90, NULL, 0);
    n += seed_op(buf + n, 0x00, hello, hello_len);
    n += seed_op(buf + n, 0x20, NULL, 0);
    dump_seed("client_hello", buf, n);

    /* ICE-TCP: source 1 nominated, 2 and 3 checked, 2's connection gone,
     * an ICE restart, a check with the new credentials, the end. */
    n = 0;
    static const uint8_t tcp_ops[] = {0x99, 0x1a, 0x1b, 0x32, 0x40, 0x99, 0xa0, 0x70};
    for (size_t i = 0; i < sizeof tcp_ops; i++)
        n += seed_op(buf + n, tcp_ops[i], NULL, 0);
    dump_seed("tcp_paths", buf, n);

    /* Draining off for more checks than the queue holds, then on again. */
    n = seed_op(buf, 0x50, NULL, 0);
    for (int i = 0; i < TRANSPORT_OUT_DATAGRAMS + 4; i++)
        n += seed_op(buf + n, 0x10, NULL, 0);
    n += seed_op(buf + n, 0x50, NULL, 0);
    dump_seed("undrained", buf, n);

    /* Protect RTP and RTCP with a path but no keys; then consent runs out. */
    size_t rtp_len = make_rtp(rtp, 1, 0x11223344, 20);
    n = seed_op(buf, 0x90, NULL, 0);
    n += seed_op(buf + n, 0x60, rtp, rtp_len);
    static const uint8_t rr[] = {0x80, 201, 0, 1, 0x12, 0x34, 0x56, 0x78};
    n += seed_op(buf + n, 0xe0, rr, sizeof rr);
    for (int i = 0; i < 4; i++)
        n += seed_op(buf + n, 0xa0, NULL, 0);
    dump_seed("protect", buf, n);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(media_flows_both_ways, setup, teardown),
        cmocka_unit_test_setup_teardown(protect_in_place_for_the_caller, setup, teardown),
        cmocka_unit_test_setup_teardown(unknown_sources_and_garbage_are_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(srtp_before_keys_is_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_srtp_tags_are_counted, setup, teardown),
        cmocka_unit_test_setup_teardown(forged_dtls_from_the_peer_is_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(fingerprint_mismatch_fails, setup_wrong_fp, teardown),
        cmocka_unit_test_setup_teardown(path_switch_and_consent_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(dtls_flights_come_out_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(full_queue_drops_newest_datagrams, setup, teardown),
        cmocka_unit_test_setup_teardown(drained_queue_reclaims_its_bytes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, write_seeds, NULL);
}
