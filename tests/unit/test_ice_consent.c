/* Tests for media/ice.c: pair selection and switching, consent freshness,
 * connect timeout, disconnect, ICE restart and bounded queues. Harness in
 * ice_harness.h. */
#include "ice_harness.h"

static void test_use_candidate_selects(void **state)
{
    struct ice_agent *a = make_agent(0);
    struct stun_addr host = v4(192, 168, 1, 20, 50000);
    struct stun_addr srflx = v4(203, 0, 113, 9, 61000);
    struct ice_stats st;

    (void)state;
    /* The first valid pair is selected provisionally. */
    assert_int_equal(check(a, 10, &host, ICE_PROTO_UDP, false), 0);
    expect_success(a, &host, ICE_PROTO_UDP, LPWD);
    expect_selected_event(a, &host, ICE_PROTO_UDP);
    expect_event(a, ICE_EVENT_CONNECTED);

    /* Another valid pair without nomination does not move it. */
    assert_int_equal(check(a, 20, &srflx, ICE_PROTO_UDP, false), 0);
    expect_success(a, &srflx, ICE_PROTO_UDP, LPWD);
    expect_nothing(a);
    expect_selected(a, &host, ICE_PROTO_UDP);
    assert_true(ice_is_valid_source(a, &srflx, ICE_PROTO_UDP));

    /* The browser nominates srflx. */
    assert_int_equal(check(a, 30, &srflx, ICE_PROTO_UDP, true), 0);
    expect_success(a, &srflx, ICE_PROTO_UDP, LPWD);
    expect_selected_event(a, &srflx, ICE_PROTO_UDP);
    expect_nothing(a);
    expect_selected(a, &srflx, ICE_PROTO_UDP);

    /* Repeated nomination of the same pair: no event. */
    assert_int_equal(check(a, 40, &srflx, ICE_PROTO_UDP, true), 0);
    expect_success(a, &srflx, ICE_PROTO_UDP, LPWD);
    expect_nothing(a);
    ice_stats(a, &st);
    assert_int_equal(st.nominations, 1);
    assert_int_equal(st.checks_ok, 4);
    ice_destroy(a);
}

static void test_nominated_first_pair(void **state)
{
    struct ice_agent *a = make_agent(0);
    struct stun_addr from = v4(192, 168, 1, 20, 50000);

    (void)state;
    /* Provisional, then nominated as is: one SELECTED only. */
    assert_int_equal(check(a, 10, &from, ICE_PROTO_UDP, false), 0);
    drain(a);
    assert_int_equal(check(a, 20, &from, ICE_PROTO_UDP, true), 0);
    expect_success(a, &from, ICE_PROTO_UDP, LPWD);
    expect_nothing(a);
    ice_destroy(a);
}

static void test_switch_wifi_to_mobile(void **state)
{
    struct ice_agent *a = make_agent(0);
    struct stun_addr wifi = v4(203, 0, 113, 9, 61000);
    struct stun_addr mobile = v6(0x4242, 40001);
    int64_t t = 0;

    (void)state;
    assert_int_equal(check(a, t, &wifi, ICE_PROTO_UDP, true), 0);
    drain(a);
    /* Consent checks on Wi-Fi for 20 s. */
    for (t = 2 * SEC; t <= 20 * SEC; t += 2 * SEC) {
        ice_timeout(a, t);
        assert_int_equal(check(a, t, &wifi, ICE_PROTO_UDP, true), 0);
        expect_success(a, &wifi, ICE_PROTO_UDP, LPWD);
        expect_nothing(a);
    }
    /* The phone leaves Wi-Fi: the browser nominates the mobile pair. */
    assert_int_equal(check(a, t, &mobile, ICE_PROTO_UDP, false), 0);
    expect_success(a, &mobile, ICE_PROTO_UDP, LPWD);
    expect_nothing(a);
    assert_int_equal(check(a, t + 1, &mobile, ICE_PROTO_UDP, true), 0);
    expect_success(a, &mobile, ICE_PROTO_UDP, LPWD);
    expect_selected_event(a, &mobile, ICE_PROTO_UDP);
    expect_nothing(a);
    expect_selected(a, &mobile, ICE_PROTO_UDP);
    /* Wi-Fi stays a valid source until its consent expires. */
    assert_true(ice_is_valid_source(a, &wifi, ICE_PROTO_UDP));
    for (t += 2 * SEC; t <= 55 * SEC; t += 2 * SEC) {
        ice_timeout(a, t);
        assert_int_equal(check(a, t, &mobile, ICE_PROTO_UDP, true), 0);
    }
    ice_timeout(a, t);
    assert_false(ice_is_valid_source(a, &wifi, ICE_PROTO_UDP));
    assert_true(ice_is_valid_source(a, &mobile, ICE_PROTO_UDP));
    assert_int_equal(ice_state(a), ICE_STATE_CONNECTED);
    ice_destroy(a);
}

static void test_switch_udp_to_tcp(void **state)
{
    struct ice_agent *a = make_agent(0);
    struct stun_addr udp = v4(203, 0, 113, 9, 61000);
    struct stun_addr tcp = v4(203, 0, 113, 9, 61000); /* same address, other transport */

    (void)state;
    assert_int_equal(check(a, 0, &udp, ICE_PROTO_UDP, true), 0);
    drain(a);
    assert_false(ice_is_valid_source(a, &tcp, ICE_PROTO_TCP));
    assert_int_equal(check(a, SEC, &tcp, ICE_PROTO_TCP, true), 0);
    expect_success(a, &tcp, ICE_PROTO_TCP, LPWD);
    expect_selected_event(a, &tcp, ICE_PROTO_TCP);
    expect_nothing(a);
    expect_selected(a, &tcp, ICE_PROTO_TCP);
    assert_true(ice_is_valid_source(a, &tcp, ICE_PROTO_TCP));
    assert_true(ice_is_valid_source(a, &udp, ICE_PROTO_UDP));
    ice_destroy(a);
}

static void test_consent_29s_ok_31s_failed(void **state)
{
    struct ice_agent *a = make_agent(0);
    struct stun_addr from = v4(10, 0, 0, 1, 1);

    (void)state;
    assert_int_equal(check(a, SEC, &from, ICE_PROTO_UDP, true), 0);
    drain(a);
    ice_timeout(a, 12 * SEC); /* 11 s: disconnected, not failed */
    expect_event(a, ICE_EVENT_DISCONNECTED);
    assert_int_equal(ice_next_deadline(a), 31 * SEC);
    ice_timeout(a, 30 * SEC); /* 29 s since the check */
    expect_nothing(a);
    assert_int_equal(ice_state(a), ICE_STATE_DISCONNECTED);
    expect_selected(a, &from, ICE_PROTO_UDP);
    assert_true(ice_is_valid_source(a, &from, ICE_PROTO_UDP));

    ice_timeout(a, 32 * SEC); /* 31 s */
    expect_event(a, ICE_EVENT_FAILED);
    expect_nothing(a);
    assert_int_equal(ice_state(a), ICE_STATE_FAILED);
    assert_false(ice_selected(a, NULL, NULL));
    assert_false(ice_is_valid_source(a, &from, ICE_PROTO_UDP));
    assert_int_equal(ice_next_deadline(a), INT64_MAX);

    /* Input after failure is ignored and not answered. */
    assert_int_equal(check(a, 33 * SEC, &from, ICE_PROTO_UDP, true), ERR_PROTO);
    expect_nothing(a);
    ice_timeout(a, 100 * SEC);
    expect_nothing(a);
    ice_destroy(a);
}

static void test_consent_kept_by_checks(void **state)
{
    struct ice_agent *a = make_agent(0);
    struct stun_addr from = v4(10, 0, 0, 1, 1);
    int64_t t;

    (void)state;
    for (t = 0; t < 300 * SEC; t += 5 * SEC) {
        assert_true(ice_next_deadline(a) > t);
        ice_timeout(a, t);
        assert_int_equal(check(a, t, &from, ICE_PROTO_UDP, true), 0);
        expect_success(a, &from, ICE_PROTO_UDP, LPWD);
        if (t == 0) {
            expect_selected_event(a, &from, ICE_PROTO_UDP);
            expect_event(a, ICE_EVENT_CONNECTED);
        }
        expect_nothing(a);
    }
    assert_int_equal(ice_state(a), ICE_STATE_CONNECTED);
    ice_destroy(a);
}

static void test_consent_moves_to_another_pair(void **state)
{
    struct ice_agent *a = make_agent(0);
    struct stun_addr sel = v4(10, 0, 0, 1, 1);
    struct stun_addr other = v4(10, 0, 0, 2, 2);
    int64_t t;

    (void)state;
    assert_int_equal(check(a, 0, &sel, ICE_PROTO_UDP, true), 0);
    drain(a);
    /* Checks keep arriving, but only on a pair that is not selected: while
     * the selected pair is live it stays selected. */
    for (t = 5 * SEC; t < ICE_DISCONNECT_TIMEOUT_US; t += 5 * SEC) {
        ice_timeout(a, t);
        assert_int_equal(check(a, t, &other, ICE_PROTO_UDP, false), 0);
        expect_success(a, &other, ICE_PROTO_UDP, LPWD);
        expect_nothing(a);
        expect_selected(a, &sel, ICE_PROTO_UDP);
    }
    /* The selected pair goes quiet for the disconnect time... */
    ice_timeout(a, ICE_DISCONNECT_TIMEOUT_US);
    expect_event(a, ICE_EVENT_DISCONNECTED);
    expect_nothing(a);
    /* ... and the next check elsewhere moves the selection there. */
    assert_int_equal(check(a, ICE_DISCONNECT_TIMEOUT_US, &other, ICE_PROTO_UDP, false), 0);
    expect_success(a, &other, ICE_PROTO_UDP, LPWD);
    expect_selected_event(a, &other, ICE_PROTO_UDP);
    expect_event(a, ICE_EVENT_CONNECTED);
    expect_nothing(a);
    for (t = 15 * SEC; t < 120 * SEC; t += 5 * SEC) {
        ice_timeout(a, t);
        assert_int_equal(check(a, t, &other, ICE_PROTO_UDP, false), 0);
        expect_success(a, &other, ICE_PROTO_UDP, LPWD);
        expect_nothing(a);
    }
    assert_int_equal(ice_state(a), ICE_STATE_CONNECTED);
    expect_selected(a, &other, ICE_PROTO_UDP);
    /* The old pair's consent expired: forgotten. */
    assert_false(ice_is_valid_source(a, &sel, ICE_PROTO_UDP));
    ice_destroy(a);
}

static void test_connect_timeout(void **state)
{
    struct ice_agent *a = make_agent(5 * SEC);
    struct stun_addr from = v4(10, 0, 0, 1, 1);

    (void)state;
    assert_int_equal(ice_next_deadline(a), 35 * SEC);
    ice_timeout(a, 34 * SEC);
    expect_nothing(a);
    assert_int_equal(ice_state(a), ICE_STATE_NEW);
    /* Bad checks do not count. */
    struct req r = check_req(1);
    r.key = LPWD2;
    assert_int_equal(send_req(a, 34 * SEC, &r, &from, ICE_PROTO_UDP), ERR_DENIED);
    drain(a);
    ice_timeout(a, 35 * SEC);
    expect_event(a, ICE_EVENT_FAILED);
    expect_nothing(a);
    assert_int_equal(ice_state(a), ICE_STATE_FAILED);
    ice_destroy(a);
}

static void test_disconnected_and_back(void **state)
{
    struct ice_agent *a = make_agent(0);
    struct stun_addr from = v4(10, 0, 0, 1, 1);
    struct stun_addr other = v4(10, 0, 0, 2, 2);

    (void)state;
    assert_int_equal(check(a, 0, &from, ICE_PROTO_UDP, true), 0);
    drain(a);
    assert_int_equal(ice_next_deadline(a), ICE_DISCONNECT_TIMEOUT_US);
    ice_timeout(a, ICE_DISCONNECT_TIMEOUT_US - 1);
    expect_nothing(a);
    ice_timeout(a, ICE_DISCONNECT_TIMEOUT_US);
    expect_event(a, ICE_EVENT_DISCONNECTED);
    expect_nothing(a);
    assert_int_equal(ice_state(a), ICE_STATE_DISCONNECTED);
    /* A check on the selected pair reconnects. */
    assert_int_equal(check(a, 12 * SEC, &from, ICE_PROTO_UDP, false), 0);
    expect_success(a, &from, ICE_PROTO_UDP, LPWD);
    expect_event(a, ICE_EVENT_CONNECTED);
    expect_nothing(a);
    assert_int_equal(ice_state(a), ICE_STATE_CONNECTED);
    /* A check on another pair, without nomination, while the selected one
     * is live, moves nothing. */
    assert_int_equal(check(a, 13 * SEC, &other, ICE_PROTO_UDP, false), 0);
    expect_success(a, &other, ICE_PROTO_UDP, LPWD);
    expect_nothing(a);
    expect_selected(a, &from, ICE_PROTO_UDP);
    ice_destroy(a);
}

static void test_restart(void **state)
{
    struct ice_agent *a = make_agent(0);
    struct stun_addr sel = v4(10, 0, 0, 1, 1);
    struct stun_addr other = v4(10, 0, 0, 2, 2);
    struct stun_addr newp = v6(7, 7);
    struct req r;

    (void)state;
    assert_int_equal(check(a, 0, &sel, ICE_PROTO_UDP, true), 0);
    assert_int_equal(check(a, 0, &other, ICE_PROTO_UDP, false), 0);
    drain(a);

    assert_int_equal(ice_restart(a, 20 * SEC, LUFRAG2, LPWD2, RUFRAG2), 0);
    expect_event(a, ICE_EVENT_RESTARTED);
    expect_nothing(a);
    assert_string_equal(ice_local_ufrag(a), LUFRAG2);
    /* The selected pair keeps carrying media; the other is forgotten. */
    expect_selected(a, &sel, ICE_PROTO_UDP);
    assert_true(ice_is_valid_source(a, &sel, ICE_PROTO_UDP));
    assert_false(ice_is_valid_source(a, &other, ICE_PROTO_UDP));
    assert_int_equal(ice_state(a), ICE_STATE_CONNECTED);

    /* Old credentials are refused at once. */
    assert_int_equal(check(a, 21 * SEC, &sel, ICE_PROTO_UDP, true), ERR_DENIED);
    expect_error(a, &sel, 401, false);
    r = check_req(3);
    r.username = "LoCb:ReMo"; /* new local ufrag, old remote ufrag */
    r.key = LPWD2;
    assert_int_equal(send_req(a, 21 * SEC, &r, &sel, ICE_PROTO_UDP), ERR_DENIED);
    drain(a);
    r.username = USER2;
    r.key = LPWD; /* old password */
    assert_int_equal(send_req(a, 21 * SEC, &r, &sel, ICE_PROTO_UDP), ERR_DENIED);
    drain(a);

    /* New credentials: a check without nomination elsewhere does not move
     * media; a nomination does. */
    r = check_req(4);
    r.username = USER2;
    r.key = LPWD2;
    assert_int_equal(send_req(a, 22 * SEC, &r, &newp, ICE_PROTO_UDP), 0);
    expect_success(a, &newp, ICE_PROTO_UDP, LPWD2);
    expect_nothing(a);
    expect_selected(a, &sel, ICE_PROTO_UDP);
    r.use_candidate = true;
    assert_int_equal(send_req(a, 23 * SEC, &r, &newp, ICE_PROTO_UDP), 0);
    expect_success(a, &newp, ICE_PROTO_UDP, LPWD2);
    expect_selected_event(a, &newp, ICE_PROTO_UDP);
    expect_nothing(a);
    expect_selected(a, &newp, ICE_PROTO_UDP);
    ice_destroy(a);
}

static void test_restart_restarts_consent(void **state)
{
    struct ice_agent *a = make_agent(0);
    struct stun_addr sel = v4(10, 0, 0, 1, 1);

    (void)state;
    assert_int_equal(check(a, 0, &sel, ICE_PROTO_UDP, true), 0);
    drain(a);
    ice_timeout(a, 25 * SEC);
    expect_event(a, ICE_EVENT_DISCONNECTED);
    assert_int_equal(ice_restart(a, 25 * SEC, LUFRAG2, LPWD2, NULL), 0);
    expect_event(a, ICE_EVENT_RESTARTED);
    assert_int_equal(ice_next_deadline(a), 55 * SEC);
    ice_timeout(a, 54 * SEC);
    expect_nothing(a);
    assert_true(ice_selected(a, NULL, NULL));
    ice_timeout(a, 55 * SEC);
    expect_event(a, ICE_EVENT_FAILED);
    ice_destroy(a);
}

static void test_restart_invalid(void **state)
{
    struct ice_agent *a = make_agent(0);
    struct stun_addr sel = v4(10, 0, 0, 1, 1);

    (void)state;
    assert_int_equal(check(a, 0, &sel, ICE_PROTO_UDP, true), 0);
    drain(a);
    assert_int_equal(ice_restart(a, 1, LUFRAG, LPWD2, RUFRAG2), ERR_INVAL); /* same ufrag */
    assert_int_equal(ice_restart(a, 1, LUFRAG2, LPWD, RUFRAG2), ERR_INVAL); /* same pwd */
    assert_int_equal(ice_restart(a, 1, LUFRAG2, "short", RUFRAG2), ERR_INVAL);
    assert_int_equal(ice_restart(a, 1, "a:b:c", LPWD2, RUFRAG2), ERR_INVAL);
    assert_int_equal(ice_restart(a, 1, LUFRAG2, LPWD2, "no"), ERR_INVAL);
    assert_int_equal(ice_restart(NULL, 1, LUFRAG2, LPWD2, RUFRAG2), ERR_INVAL);
    expect_nothing(a);
    /* Nothing changed. */
    assert_string_equal(ice_local_ufrag(a), LUFRAG);
    assert_int_equal(check(a, 2, &sel, ICE_PROTO_UDP, true), 0);
    expect_success(a, &sel, ICE_PROTO_UDP, LPWD);
    ice_destroy(a);
}

static void test_restart_after_failure(void **state)
{
    struct ice_agent *a = make_agent(0);
    struct stun_addr from = v4(10, 0, 0, 1, 1);
    struct req r = check_req(1);

    (void)state;
    ice_timeout(a, 30 * SEC);
    expect_event(a, ICE_EVENT_FAILED);
    assert_int_equal(ice_restart(a, 40 * SEC, LUFRAG2, LPWD2, RUFRAG2), 0);
    expect_event(a, ICE_EVENT_RESTARTED);
    assert_int_equal(ice_state(a), ICE_STATE_NEW);
    assert_int_equal(ice_next_deadline(a), 70 * SEC);
    r.username = USER2;
    r.key = LPWD2;
    assert_int_equal(send_req(a, 41 * SEC, &r, &from, ICE_PROTO_UDP), 0);
    expect_success(a, &from, ICE_PROTO_UDP, LPWD2);
    expect_selected_event(a, &from, ICE_PROTO_UDP);
    expect_event(a, ICE_EVENT_CONNECTED);
    ice_destroy(a);
}

static void test_tx_queue_bounded(void **state)
{
    struct ice_agent *a = make_agent(0);
    struct stun_addr from = v4(10, 0, 0, 1, 1);
    struct ice_output o;
    struct ice_stats st;
    struct stun_msg m;
    uint8_t keep[STUN_MAX_MESSAGE];
    const unsigned n = ICE_TX_QUEUE + 5;

    (void)state;
    for (unsigned i = 0; i < n; i++) {
        struct req r = check_req((uint8_t)i);

        assert_int_equal(send_req(a, i, &r, &from, ICE_PROTO_UDP), 0);
    }
    ice_stats(a, &st);
    assert_int_equal(st.tx_dropped, 5);
    /* The newest ICE_TX_QUEUE responses remain, oldest first. */
    for (unsigned i = n - ICE_TX_QUEUE; i < n; i++) {
        uint8_t tid[STUN_TID_LEN];

        expect_tx(a, &m, keep, &from, ICE_PROTO_UDP, STUN_CLASS_SUCCESS);
        make_tid(tid, (uint8_t)i);
        assert_memory_equal(m.tid, tid, STUN_TID_LEN);
    }
    assert_true(ice_poll(a, &o));
    assert_int_equal(o.kind, ICE_OUT_EVENT);
    ice_destroy(a);
}

static void test_event_queue_bounded(void **state)
{
    struct ice_agent *a = make_agent(0);
    struct ice_stats st;
    struct ice_output o;
    unsigned events = 0;

    (void)state;
    /* Flip the nomination between two pairs without polling. */
    for (unsigned i = 0; i < 3 * ICE_EVENT_QUEUE; i++) {
        struct stun_addr from = v4(10, 0, 0, (uint8_t)(1 + i % 2), 1);

        assert_int_equal(check(a, i, &from, ICE_PROTO_UDP, true), 0);
    }
    ice_stats(a, &st);
    assert_true(st.events_dropped > 0);
    while (ice_poll(a, &o)) {
        if (o.kind == ICE_OUT_EVENT)
            events++;
    }
    assert_int_equal(events, ICE_EVENT_QUEUE);
    ice_destroy(a);
}

static void test_pairs_bounded(void **state)
{
    struct ice_agent *a = make_agent(0);
    struct stun_addr first = v4(10, 0, 1, 0, 1);

    (void)state;
    assert_int_equal(check(a, 0, &first, ICE_PROTO_UDP, true), 0);
    for (unsigned i = 1; i <= 2 * ICE_MAX_PAIRS; i++) {
        struct stun_addr from = v4(10, 0, 1, (uint8_t)i, 1);

        assert_int_equal(check(a, (int64_t)i, &from, ICE_PROTO_UDP, false), 0);
        drain(a);
    }
    /* The selected pair survives; only the newest others remain. */
    expect_selected(a, &first, ICE_PROTO_UDP);
    assert_true(ice_is_valid_source(a, &first, ICE_PROTO_UDP));
    unsigned valid = 0;
    for (unsigned i = 1; i <= 2 * ICE_MAX_PAIRS; i++) {
        struct stun_addr from = v4(10, 0, 1, (uint8_t)i, 1);
        bool ok = ice_is_valid_source(a, &from, ICE_PROTO_UDP);

        assert_int_equal(ok, i > 2 * ICE_MAX_PAIRS - (ICE_MAX_PAIRS - 1));
        valid += ok;
    }
    assert_int_equal(valid, ICE_MAX_PAIRS - 1);
    ice_destroy(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_use_candidate_selects),
        cmocka_unit_test(test_nominated_first_pair),
        cmocka_unit_test(test_switch_wifi_to_mobile),
        cmocka_unit_test(test_switch_udp_to_tcp),
        cmocka_unit_test(test_consent_29s_ok_31s_failed),
        cmocka_unit_test(test_consent_kept_by_checks),
        cmocka_unit_test(test_consent_moves_to_another_pair),
        cmocka_unit_test(test_connect_timeout),
        cmocka_unit_test(test_disconnected_and_back),
        cmocka_unit_test(test_restart),
        cmocka_unit_test(test_restart_restarts_consent),
        cmocka_unit_test(test_restart_invalid),
        cmocka_unit_test(test_restart_after_failure),
        cmocka_unit_test(test_tx_queue_bounded),
        cmocka_unit_test(test_event_queue_bounded),
        cmocka_unit_test(test_pairs_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
