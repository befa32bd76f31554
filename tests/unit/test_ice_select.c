/* Tests for media/ice.c: which pair is selected when the browser nominates
 * more than one (RFC 8445 §8.1.1: the highest-priority nominated pair), and
 * consent freshness over several valid pairs (the transport fails only when
 * no pair has had a check within the consent timeout). The browser pattern
 * behind them: Firefox nominates its UDP pair and, about 30 ms later, its
 * lower-priority TCP pair, then sends consent checks on the UDP pair only.
 * Harness in ice_harness.h. */
#include "ice_harness.h"

/* PRIORITY of a browser's checks (RFC 8445 §5.1.2.1, peer-reflexive type
 * preference 110): its UDP host candidate ranks above its TCP one. */
#define PRIO_UDP 0x6e7f1effu
#define PRIO_TCP 0x6e3f1effu
#define MS 1000LL

static const struct stun_addr *udp_addr(void)
{
    static struct stun_addr x;

    x = v4(127, 0, 0, 1, 50001);
    return &x;
}

static const struct stun_addr *tcp_addr(void)
{
    static struct stun_addr x;

    x = v4(127, 0, 0, 1, 50002);
    return &x;
}

/* A consent check on the UDP pair every 5 s (no USE-CANDIDATE, as a
 * consent check) from `from_us` up to `to_us`; the selection must stay on
 * UDP and nothing but the success response may come out. */
static void udp_consent(struct ice_agent *a, int64_t from_us, int64_t to_us)
{
    for (int64_t t = from_us; t <= to_us; t += 5 * SEC) {
        ice_timeout(a, t);
        assert_int_equal(check_prio(a, t, udp_addr(), ICE_PROTO_UDP, false, PRIO_UDP), 0);
        expect_success(a, udp_addr(), ICE_PROTO_UDP, LPWD);
        expect_nothing(a);
        expect_selected(a, udp_addr(), ICE_PROTO_UDP);
        assert_int_equal(ice_state(a), ICE_STATE_CONNECTED);
    }
}

static void test_udp_then_tcp_nominated(void **state)
{
    struct ice_agent *a = make_agent(0);
    struct ice_stats st;

    (void)state;
    assert_int_equal(check_prio(a, 0, udp_addr(), ICE_PROTO_UDP, true, PRIO_UDP), 0);
    expect_success(a, udp_addr(), ICE_PROTO_UDP, LPWD);
    expect_selected_event(a, udp_addr(), ICE_PROTO_UDP);
    expect_event(a, ICE_EVENT_CONNECTED);
    expect_nothing(a);
    /* The lower-priority TCP pair nominated 30 ms later: UDP stays. */
    assert_int_equal(check_prio(a, 30 * MS, tcp_addr(), ICE_PROTO_TCP, true, PRIO_TCP), 0);
    expect_success(a, tcp_addr(), ICE_PROTO_TCP, LPWD);
    expect_nothing(a);
    expect_selected(a, udp_addr(), ICE_PROTO_UDP);
    assert_true(ice_is_valid_source(a, tcp_addr(), ICE_PROTO_TCP));
    /* Consent on UDP only, well past the consent timeout. */
    udp_consent(a, 5 * SEC, 120 * SEC);
    /* TCP is forgotten once its consent expired; UDP carries on. */
    assert_false(ice_is_valid_source(a, tcp_addr(), ICE_PROTO_TCP));
    ice_stats(a, &st);
    assert_int_equal(st.nominations, 1);
    ice_destroy(a);
}

static void test_tcp_then_udp_nominated(void **state)
{
    struct ice_agent *a = make_agent(0);
    struct ice_stats st;

    (void)state;
    assert_int_equal(check_prio(a, 0, tcp_addr(), ICE_PROTO_TCP, true, PRIO_TCP), 0);
    expect_success(a, tcp_addr(), ICE_PROTO_TCP, LPWD);
    expect_selected_event(a, tcp_addr(), ICE_PROTO_TCP);
    expect_event(a, ICE_EVENT_CONNECTED);
    expect_nothing(a);
    /* The higher-priority UDP pair nominated 30 ms later takes over at once. */
    assert_int_equal(check_prio(a, 30 * MS, udp_addr(), ICE_PROTO_UDP, true, PRIO_UDP), 0);
    expect_success(a, udp_addr(), ICE_PROTO_UDP, LPWD);
    expect_selected_event(a, udp_addr(), ICE_PROTO_UDP);
    expect_nothing(a);
    udp_consent(a, 5 * SEC, 120 * SEC);
    assert_false(ice_is_valid_source(a, tcp_addr(), ICE_PROTO_TCP));
    ice_stats(a, &st);
    assert_int_equal(st.nominations, 2);
    ice_destroy(a);
}

/* Both nominated, then the checks move to the TCP pair (UDP blocked): the
 * selection follows once UDP has been quiet for the disconnect time, and
 * comes back at once when UDP checks resume. */
static void test_consent_moves_between_nominated_pairs(void **state)
{
    struct ice_agent *a = make_agent(0);
    int64_t t;

    (void)state;
    assert_int_equal(check_prio(a, 0, udp_addr(), ICE_PROTO_UDP, true, PRIO_UDP), 0);
    assert_int_equal(check_prio(a, 30 * MS, tcp_addr(), ICE_PROTO_TCP, true, PRIO_TCP), 0);
    drain(a);
    udp_consent(a, 5 * SEC, 5 * SEC);
    /* From 7 s on, checks only on TCP. */
    for (t = 7 * SEC; t < 15 * SEC; t += 2 * SEC) {
        ice_timeout(a, t);
        assert_int_equal(check_prio(a, t, tcp_addr(), ICE_PROTO_TCP, false, PRIO_TCP), 0);
        expect_success(a, tcp_addr(), ICE_PROTO_TCP, LPWD);
        expect_nothing(a);
        expect_selected(a, udp_addr(), ICE_PROTO_UDP);
    }
    /* UDP's last check was at 5 s: at 15 s it is no longer live and the
     * live nominated TCP pair is selected, without a disconnection. */
    assert_int_equal(ice_next_deadline(a), 5 * SEC + ICE_DISCONNECT_TIMEOUT_US);
    ice_timeout(a, 15 * SEC);
    expect_selected_event(a, tcp_addr(), ICE_PROTO_TCP);
    expect_nothing(a);
    assert_int_equal(ice_state(a), ICE_STATE_CONNECTED);
    for (t = 15 * SEC; t < 50 * SEC; t += 2 * SEC) {
        ice_timeout(a, t);
        assert_int_equal(check_prio(a, t, tcp_addr(), ICE_PROTO_TCP, false, PRIO_TCP), 0);
        expect_success(a, tcp_addr(), ICE_PROTO_TCP, LPWD);
        expect_nothing(a);
        expect_selected(a, tcp_addr(), ICE_PROTO_TCP);
    }
    /* UDP's consent expired long ago: forgotten, with its nomination. */
    assert_false(ice_is_valid_source(a, udp_addr(), ICE_PROTO_UDP));
    /* UDP is nominated again (it works again): back to UDP at once. */
    assert_int_equal(check_prio(a, t, udp_addr(), ICE_PROTO_UDP, true, PRIO_UDP), 0);
    expect_success(a, udp_addr(), ICE_PROTO_UDP, LPWD);
    expect_selected_event(a, udp_addr(), ICE_PROTO_UDP);
    expect_nothing(a);
    ice_destroy(a);
}

/* A consent check (no USE-CANDIDATE) on a pair nominated earlier, after
 * the selection had moved to a lower-priority one, moves it back. */
static void test_nominated_pair_checked_again_wins(void **state)
{
    struct ice_agent *a = make_agent(0);

    (void)state;
    assert_int_equal(check_prio(a, 0, udp_addr(), ICE_PROTO_UDP, true, PRIO_UDP), 0);
    assert_int_equal(check_prio(a, 30 * MS, tcp_addr(), ICE_PROTO_TCP, true, PRIO_TCP), 0);
    drain(a);
    assert_int_equal(check_prio(a, 9 * SEC, tcp_addr(), ICE_PROTO_TCP, false, PRIO_TCP), 0);
    drain(a);
    ice_timeout(a, ICE_DISCONNECT_TIMEOUT_US);
    expect_selected_event(a, tcp_addr(), ICE_PROTO_TCP);
    expect_nothing(a);
    /* TCP is live and selected; UDP, nominated with a higher priority,
     * checked again: back to UDP. */
    assert_int_equal(check_prio(a, 11 * SEC, udp_addr(), ICE_PROTO_UDP, false, PRIO_UDP), 0);
    expect_success(a, udp_addr(), ICE_PROTO_UDP, LPWD);
    expect_selected_event(a, udp_addr(), ICE_PROTO_UDP);
    expect_nothing(a);
    ice_destroy(a);
}

/* Both nominated, then no check at all: when UDP stops being live the TCP
 * pair (checked 30 ms later) is for 30 ms; then disconnected; failed when
 * no pair has had a check for the consent time. A UDP check in between
 * brings the selection back at once. */
static void test_no_consent_on_any_pair_fails(void **state)
{
    struct ice_agent *a = make_agent(0);

    (void)state;
    assert_int_equal(check_prio(a, 0, udp_addr(), ICE_PROTO_UDP, true, PRIO_UDP), 0);
    assert_int_equal(check_prio(a, 30 * MS, tcp_addr(), ICE_PROTO_TCP, true, PRIO_TCP), 0);
    drain(a);
    ice_timeout(a, ICE_DISCONNECT_TIMEOUT_US);
    expect_selected_event(a, tcp_addr(), ICE_PROTO_TCP);
    expect_nothing(a);
    assert_int_equal(ice_next_deadline(a), ICE_DISCONNECT_TIMEOUT_US + 30 * MS);
    ice_timeout(a, ICE_DISCONNECT_TIMEOUT_US + 30 * MS);
    expect_event(a, ICE_EVENT_DISCONNECTED);
    expect_nothing(a);
    /* A late consent check on UDP. */
    assert_int_equal(check_prio(a, 11 * SEC, udp_addr(), ICE_PROTO_UDP, false, PRIO_UDP), 0);
    expect_success(a, udp_addr(), ICE_PROTO_UDP, LPWD);
    expect_selected_event(a, udp_addr(), ICE_PROTO_UDP);
    expect_event(a, ICE_EVENT_CONNECTED);
    expect_nothing(a);
    /* Then nothing more. */
    ice_timeout(a, 21 * SEC);
    expect_event(a, ICE_EVENT_DISCONNECTED);
    expect_nothing(a);
    ice_timeout(a, ICE_CONSENT_TIMEOUT_US + 30 * MS); /* TCP's consent expires */
    expect_nothing(a);
    assert_false(ice_is_valid_source(a, tcp_addr(), ICE_PROTO_TCP));
    assert_int_equal(ice_state(a), ICE_STATE_DISCONNECTED);
    ice_timeout(a, 11 * SEC + ICE_CONSENT_TIMEOUT_US - 1);
    expect_nothing(a);
    ice_timeout(a, 11 * SEC + ICE_CONSENT_TIMEOUT_US);
    expect_event(a, ICE_EVENT_FAILED);
    expect_nothing(a);
    assert_int_equal(ice_state(a), ICE_STATE_FAILED);
    assert_false(ice_selected(a, NULL, NULL));
    assert_false(ice_is_valid_source(a, udp_addr(), ICE_PROTO_UDP));
    ice_destroy(a);
}

/* The selected pair loses consent while another still has it: the other
 * takes over; failed only when that one loses it too. */
static void test_consent_lost_on_selected_only(void **state)
{
    struct ice_agent *a = make_agent(0);

    (void)state;
    assert_int_equal(check_prio(a, 0, udp_addr(), ICE_PROTO_UDP, true, PRIO_UDP), 0);
    drain(a);
    /* TCP checked once, without nomination, while UDP is live. */
    assert_int_equal(check_prio(a, 5 * SEC, tcp_addr(), ICE_PROTO_TCP, false, PRIO_TCP), 0);
    drain(a);
    ice_timeout(a, ICE_DISCONNECT_TIMEOUT_US);
    expect_event(a, ICE_EVENT_DISCONNECTED);
    expect_nothing(a);
    ice_timeout(a, ICE_CONSENT_TIMEOUT_US);
    expect_selected_event(a, tcp_addr(), ICE_PROTO_TCP);
    expect_nothing(a);
    assert_false(ice_is_valid_source(a, udp_addr(), ICE_PROTO_UDP));
    assert_int_equal(ice_state(a), ICE_STATE_DISCONNECTED);
    ice_timeout(a, 5 * SEC + ICE_CONSENT_TIMEOUT_US);
    expect_event(a, ICE_EVENT_FAILED);
    expect_nothing(a);
    ice_destroy(a);
}

/* The same with one pair only, to the microsecond: failed exactly at the
 * consent timeout after its last check. */
static void test_single_pair_fails_at_consent_timeout(void **state)
{
    struct ice_agent *a = make_agent(0);

    (void)state;
    assert_int_equal(check_prio(a, SEC, udp_addr(), ICE_PROTO_UDP, true, PRIO_UDP), 0);
    drain(a);
    ice_timeout(a, SEC + ICE_CONSENT_TIMEOUT_US - 1);
    expect_event(a, ICE_EVENT_DISCONNECTED);
    expect_nothing(a);
    assert_int_equal(ice_next_deadline(a), SEC + ICE_CONSENT_TIMEOUT_US);
    ice_timeout(a, SEC + ICE_CONSENT_TIMEOUT_US);
    expect_event(a, ICE_EVENT_FAILED);
    expect_nothing(a);
    ice_destroy(a);
}

/* A lower-priority nomination while the selected pair is live moves
 * nothing; it takes over when the selected pair goes quiet. */
static void test_lower_priority_nomination_waits(void **state)
{
    struct ice_agent *a = make_agent(0);
    struct stun_addr mobile = v6(0x4242, 40001);
    int64_t t;

    (void)state;
    assert_int_equal(check_prio(a, 0, udp_addr(), ICE_PROTO_UDP, true, PRIO_UDP), 0);
    drain(a);
    assert_int_equal(check_prio(a, 2 * SEC, &mobile, ICE_PROTO_UDP, true, PRIO_UDP - 1), 0);
    expect_success(a, &mobile, ICE_PROTO_UDP, LPWD);
    expect_nothing(a);
    expect_selected(a, udp_addr(), ICE_PROTO_UDP);
    for (t = 4 * SEC; t < ICE_DISCONNECT_TIMEOUT_US; t += 2 * SEC) {
        ice_timeout(a, t);
        assert_int_equal(check_prio(a, t, &mobile, ICE_PROTO_UDP, true, PRIO_UDP - 1), 0);
        expect_success(a, &mobile, ICE_PROTO_UDP, LPWD);
        expect_nothing(a);
    }
    ice_timeout(a, ICE_DISCONNECT_TIMEOUT_US);
    expect_selected_event(a, &mobile, ICE_PROTO_UDP);
    expect_nothing(a);
    assert_int_equal(ice_state(a), ICE_STATE_CONNECTED);
    ice_destroy(a);
}

/* After an ICE restart a nomination with the new credentials wins, whatever
 * its priority: the kept pair's nomination was with the old ones. */
static void test_restart_nomination_wins(void **state)
{
    struct ice_agent *a = make_agent(0);
    struct req r;

    (void)state;
    assert_int_equal(check_prio(a, 0, udp_addr(), ICE_PROTO_UDP, true, PRIO_UDP), 0);
    drain(a);
    assert_int_equal(ice_restart(a, SEC, LUFRAG2, LPWD2, RUFRAG2), 0);
    expect_event(a, ICE_EVENT_RESTARTED);
    r = check_req(0x30);
    r.username = USER2;
    r.key = LPWD2;
    r.use_candidate = true;
    r.priority = PRIO_TCP;
    assert_int_equal(send_req(a, 2 * SEC, &r, tcp_addr(), ICE_PROTO_TCP), 0);
    expect_success(a, tcp_addr(), ICE_PROTO_TCP, LPWD2);
    expect_selected_event(a, tcp_addr(), ICE_PROTO_TCP);
    expect_nothing(a);
    ice_destroy(a);
}

/* A check without PRIORITY counts as priority 0. */
static void test_check_without_priority_ranks_lowest(void **state)
{
    struct ice_agent *a = make_agent(0);
    struct req r = check_req(0x40);

    (void)state;
    assert_int_equal(check_prio(a, 0, udp_addr(), ICE_PROTO_UDP, true, 1), 0);
    drain(a);
    r.role = ROLE_NONE; /* built by hand: no ICE-CONTROLLING */
    r.use_candidate = true;
    {
        uint8_t buf[STUN_MAX_MESSAGE];
        struct stun_builder b;
        uint8_t tid[STUN_TID_LEN];
        size_t len = 0;

        make_tid(tid, r.tid0);
        stun_build_begin(&b, buf, sizeof(buf), STUN_METHOD_BINDING, STUN_CLASS_REQUEST, tid);
        stun_build_attr(&b, STUN_ATTR_USE_CANDIDATE, NULL, 0);
        stun_build_str(&b, STUN_ATTR_USERNAME, USER);
        stun_build_integrity(&b, (const uint8_t *)LPWD, strlen(LPWD));
        stun_build_fingerprint(&b);
        assert_int_equal(stun_build_end(&b, &len), 0);
        assert_int_equal(ice_input(a, SEC, buf, len, tcp_addr(), ICE_PROTO_TCP), 0);
    }
    expect_success(a, tcp_addr(), ICE_PROTO_TCP, LPWD);
    expect_nothing(a);
    expect_selected(a, udp_addr(), ICE_PROTO_UDP);
    ice_destroy(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_udp_then_tcp_nominated),
        cmocka_unit_test(test_tcp_then_udp_nominated),
        cmocka_unit_test(test_consent_moves_between_nominated_pairs),
        cmocka_unit_test(test_nominated_pair_checked_again_wins),
        cmocka_unit_test(test_no_consent_on_any_pair_fails),
        cmocka_unit_test(test_consent_lost_on_selected_only),
        cmocka_unit_test(test_single_pair_fails_at_consent_timeout),
        cmocka_unit_test(test_lower_priority_nomination_waits),
        cmocka_unit_test(test_restart_nomination_wins),
        cmocka_unit_test(test_check_without_priority_ranks_lowest),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
