/* Tests for signaling/meeting*.c: host actions (mute, cap, lock, screen
 * share, remove, end), leaving and the audit trail. Harness in
 * meeting_harness.h. */
#include "meeting_harness.h"

static void test_mute_request(void **state)
{
    struct fx *f = *state;
    uint32_t h = join_host(f, "Host");
    uint32_t a = join(f, "Ali", ROLE_CITIZEN, false, true);
    uint32_t l = join_guest(f, "Lobby");
    assert_int_equal(
        input_with(f, h, "{\"type\":\"mute_request\",\"participant_id\":@,\"kind\":\"camera\"}", a),
        0);
    assert_int_equal(n_acts, 1);
    const json_t *r = sent(a, "mute_request");
    assert_non_null(r);
    assert_int_equal(int_of(r, "from"), h);
    assert_string_equal(str_of(r, "kind"), "camera");
    assert_int_equal(
        input_with(f, h, "{\"type\":\"mute_request\",\"participant_id\":@,\"kind\":\"volume\"}", a),
        ERR_PARSE);
    expect_error(h, "bad_message", "mute_request");
    assert_int_equal(input_with(f, h, "{\"type\":\"mute_request\",\"participant_id\":@}", a),
                     ERR_PARSE);
    expect_error(h, "bad_message", "mute_request");
    assert_int_equal(
        input_with(f, h, "{\"type\":\"mute_request\",\"participant_id\":@,\"kind\":\"mic\"}", l),
        ERR_PROTO);
    expect_error(h, "wrong_state", "mute_request");
}

static void test_cap_full(void **state)
{
    struct fx *f = *state;
    uint32_t pid, h = join_host(f, "Host");
    uint32_t first = 0;
    for (int i = 1; i < 8; i++) {
        uint32_t g = join_guest(f, "Guest");
        if (!first)
            first = g;
    }
    /* Every seat counts, lobby included. */
    assert_int_equal(try_join(f, "One too many", ROLE_CITIZEN, false, false, &pid), ERR_FULL);
    assert_int_equal(n_acts, 0);
    assert_int_equal(try_join(f, "Host two", ROLE_CASEWORKER, true, false, &pid), ERR_FULL);
    /* Admitting a lobby seat never exceeds the cap: it already counts. */
    admit(f, h, first);
    /* A seat freed makes room. */
    assert_int_equal(input_with(f, h, "{\"type\":\"deny\",\"participant_id\":@}", first + 1), 0);
    assert_int_equal(try_join(f, "Next", ROLE_CITIZEN, false, false, &pid), 0);
}

/* The lock state the store is asked to remember, exactly once. */
static void expect_lock_stored(bool locked)
{
    const struct meeting_action *found = NULL;
    for (size_t i = 0; i < n_acts; i++) {
        if (acts[i].kind == MEETING_ACT_LOCKED) {
            assert_null(found);
            found = &acts[i];
        }
    }
    assert_non_null(found);
    assert_int_equal(found->audit.meeting_id, 42);
    assert_int_equal(found->locked, locked);
}

/* A meeting the store remembers as locked comes back locked: after a
 * restart or a crash, or when everyone had left. */
static void test_lock_from_store(void **state)
{
    (void)state;
    struct fx f = {.now = T0};
    struct meeting_cfg cfg = {.id = 42, .title = "Låst", .locked = true};
    uint32_t pid;
    assert_int_equal(meeting_create(&f.m, &cfg), 0);
    assert_int_equal(try_join(&f, "Late", ROLE_CITIZEN, false, true, &pid), ERR_PROTO);
    uint32_t h = join_host(&f, "Host");
    drain(f.m);
    assert_int_equal(input(&f, h, "{\"type\":\"lock\",\"locked\":true}"), 0);
    assert_int_equal(n_acts, 0); /* already locked */
    assert_int_equal(input(&f, h, "{\"type\":\"lock\",\"locked\":false}"), 0);
    expect_lock_stored(false);
    assert_int_equal(try_join(&f, "Late", ROLE_CITIZEN, false, true, &pid), 0);
    acts_clear();
    meeting_destroy(f.m);
}

static void test_lock(void **state)
{
    struct fx *f = *state;
    uint32_t pid, h = join_host(f, "Host");
    uint32_t a = join(f, "Ali", ROLE_CITIZEN, false, true);
    assert_int_equal(input(f, h, "{\"type\":\"lock\",\"locked\":true}"), 0);
    assert_true(bool_of(json_object_get(sent(a, "roster"), "meeting"), "locked"));
    assert_true(bool_of(json_object_get(sent(h, "roster"), "meeting"), "locked"));
    expect_audit(0, "lock", "Host", "");
    expect_lock_stored(true);
    /* Locking twice changes nothing. */
    assert_int_equal(input(f, h, "{\"type\":\"lock\",\"locked\":true}"), 0);
    assert_int_equal(n_acts, 0);
    assert_int_equal(try_join(f, "Late", ROLE_CITIZEN, false, false, &pid), ERR_PROTO);
    assert_int_equal(try_join(f, "Late auto", ROLE_CITIZEN, false, true, &pid), ERR_PROTO);
    assert_int_equal(n_acts, 0);
    uint32_t h2 = join(f, "Second host", ROLE_CASEWORKER, true, false);
    assert_non_null(sent(h2, "admitted"));
    /* Admitted participants and resumes keep working. */
    assert_int_equal(input(f, a, "{\"type\":\"chat\",\"text\":\"still here\"}"), 0);
    meeting_disconnected(f->m, f->now, a);
    drain(f->m);
    assert_int_equal(resume(f, a, &pid), 0);
    assert_int_equal(pid, a);
    assert_int_equal(input(f, h, "{\"type\":\"lock\",\"locked\":\"no\"}"), ERR_PARSE);
    expect_error(h, "bad_message", "lock");
    assert_int_equal(input(f, h, "{\"type\":\"lock\",\"locked\":false}"), 0);
    expect_audit(0, "unlock", "Host", "");
    expect_lock_stored(false);
    assert_false(bool_of(json_object_get(sent(a, "roster"), "meeting"), "locked"));
    assert_int_equal(try_join(f, "Late", ROLE_CITIZEN, false, false, &pid), 0);
}

static void test_screen_share_permission(void **state)
{
    struct fx *f = *state;
    uint32_t h = join_host(f, "Host");
    uint32_t a = join(f, "Ali", ROLE_CITIZEN, false, true);
    assert_true(meeting_may_share_screen(f->m, h));
    assert_false(meeting_may_share_screen(f->m, a));
    assert_false(bool_of(json_object_get(sent(a, "roster"), "meeting"), "screen_share_open"));
    /* Only a host decides. */
    assert_int_equal(input(f, a, "{\"type\":\"allow_screen_share\",\"allowed\":true}"), ERR_DENIED);
    expect_error(a, "not_permitted", "allow_screen_share");
    assert_false(meeting_may_share_screen(f->m, a));
    assert_int_equal(input(f, h, "{\"type\":\"allow_screen_share\",\"allowed\":1}"), ERR_PARSE);
    expect_error(h, "bad_message", "allow_screen_share");
    assert_int_equal(input(f, h, "{\"type\":\"allow_screen_share\",\"allowed\":true}"), 0);
    assert_true(bool_of(json_object_get(sent(a, "roster"), "meeting"), "screen_share_open"));
    assert_true(meeting_may_share_screen(f->m, a));
    assert_int_equal(input(f, h, "{\"type\":\"allow_screen_share\",\"allowed\":false}"), 0);
    assert_false(meeting_may_share_screen(f->m, a));
    assert_false(meeting_may_share_screen(f->m, 999));
}

static void test_remove(void **state)
{
    struct fx *f = *state;
    uint32_t h = join_host(f, "Host");
    uint32_t a = join(f, "Ali", ROLE_EMPLOYER, false, true);
    uint32_t b = join(f, "Bo", ROLE_CITIZEN, false, true);
    assert_int_equal(input_with(f, h, "{\"type\":\"remove\",\"participant_id\":@}", a), 0);
    assert_int_equal(acts[0].pid, a);
    assert_non_null(str_of(acts[0].msg, "message"));
    assert_string_equal(str_of(acts[0].msg, "type"), "removed");
    assert_int_equal(acts[1].kind, MEETING_ACT_CLOSE);
    assert_int_equal(acts[1].pid, a);
    assert_null(entry(sent(b, "roster"), a));
    assert_null(sent(a, "roster"));
    expect_audit(0, "remove", "Ali", "by Host");
    assert_int_equal(audit_nth(0)->role, ROLE_EMPLOYER);
    /* Not yourself. */
    assert_int_equal(input_with(f, h, "{\"type\":\"remove\",\"participant_id\":@}", h), ERR_PARSE);
    expect_error(h, "bad_message", "remove");
    /* A host listed after the target keeps its rights (seats shift). */
    uint32_t h2 = join(f, "Host two", ROLE_CASEWORKER, true, false);
    assert_int_equal(input_with(f, h2, "{\"type\":\"remove\",\"participant_id\":@}", b), 0);
    expect_audit(0, "remove", "Bo", "by Host two");
    assert_int_equal(input(f, h2, "{\"type\":\"lock\",\"locked\":true}"), 0);
    expect_audit(0, "lock", "Host two", "");
}

static void test_end_by_host(void **state)
{
    struct fx *f = *state;
    uint32_t pid, h = join_host(f, "Host");
    uint32_t a = join(f, "Ali", ROLE_CITIZEN, false, true);
    uint32_t l = join_guest(f, "Lobby");
    uint32_t r = join(f, "Gone", ROLE_CITIZEN, false, true);
    meeting_disconnected(f->m, f->now, r);
    drain(f->m);
    f->now += 10;
    assert_int_equal(input(f, h, "{\"type\":\"end\"}"), 0);
    uint32_t connected[] = {h, a, l};
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(str_of(sent(connected[i], "meeting_ended"), "reason"), "host");
        assert_true(closed(connected[i]));
    }
    assert_int_equal(sends_to(r), 0); /* reconnecting: no messages, but its seat is closed */
    assert_true(closed(r));
    assert_int_equal(count_kind(MEETING_ACT_AUDIT), 1);
    expect_audit(0, "end", "Host", "host");
    assert_int_equal(acts[n_acts - 2].kind, MEETING_ACT_AUDIT);
    assert_int_equal(acts[n_acts - 1].kind, MEETING_ACT_ENDED);
    assert_true(acts[n_acts - 1].audit.at == T0 + 10);
    assert_true(meeting_is_ended(f->m));
    assert_true(meeting_is_empty(f->m));
    assert_true(meeting_next_deadline(f->m) == INT64_MAX);
    assert_int_equal(try_join(f, "Late", ROLE_CASEWORKER, true, false, &pid), ERR_EXPIRED);
    assert_int_equal(resume(f, r, &pid), ERR_NOTFOUND);
    assert_int_equal(input(f, a, "{\"type\":\"chat\",\"text\":\"hello?\"}"), ERR_PROTO);
    expect_error(a, "wrong_state", "chat");
    assert_int_equal(input(f, h, "{\"type\":\"lock\",\"locked\":true}"), ERR_PROTO);
    expect_error(h, "wrong_state", "lock");
    /* Ending again does nothing. */
    meeting_end(f->m, f->now, "shutdown");
    assert_int_equal(drain(f->m), 0);
}

static void test_meeting_end_external(void **state)
{
    struct fx *f = *state;
    uint32_t h = join_host(f, "Host");
    uint32_t l = join_guest(f, "Lobby");
    meeting_end(f->m, f->now, "deleted");
    drain(f->m);
    assert_string_equal(str_of(sent(h, "meeting_ended"), "reason"), "deleted");
    assert_string_equal(str_of(sent(l, "meeting_ended"), "reason"), "deleted");
    assert_true(closed(h) && closed(l));
    expect_audit(0, "end", NULL, "deleted");
    assert_int_equal(count_kind(MEETING_ACT_ENDED), 1);
    assert_true(meeting_is_ended(f->m));
    meeting_end(NULL, 0, "x");
}

static void test_audit_order(void **state)
{
    struct fx *f = *state;
    /* Collect every audit event of a whole meeting, in order. */
    struct {
        char kind[16];
        char name[16];
        char detail[32];
    } log[32];
    size_t n = 0;
#define COLLECT()                                                                                  \
    for (size_t i_ = 0; i_ < n_acts; i_++) {                                                       \
        if (acts[i_].kind == MEETING_ACT_AUDIT && n < 32) {                                        \
            snprintf(log[n].kind, sizeof log[n].kind, "%s", acts[i_].audit.kind);                  \
            snprintf(log[n].name, sizeof log[n].name, "%s", acts[i_].audit.display_name);          \
            snprintf(log[n].detail, sizeof log[n].detail, "%s", acts[i_].audit.detail);            \
            n++;                                                                                   \
        }                                                                                          \
    }
    uint32_t pid, h = join_host(f, "Host");
    COLLECT();
    uint32_t a = join_guest(f, "Ali");
    COLLECT();
    uint32_t b = join_guest(f, "Bo");
    COLLECT();
    admit(f, h, a);
    COLLECT();
    input_with(f, h, "{\"type\":\"deny\",\"participant_id\":@}", b);
    COLLECT();
    input(f, h, "{\"type\":\"lock\",\"locked\":true}");
    COLLECT();
    meeting_disconnected(f->m, f->now, a);
    drain(f->m);
    resume(f, a, &pid);
    COLLECT();
    input(f, a, "{\"type\":\"leave\"}");
    COLLECT();
    input(f, h, "{\"type\":\"end\"}");
    COLLECT();
#undef COLLECT
    static const char *const want[][3] = {
        {"join", "Host", "admitted"},     {"join", "Ali", "lobby"},  {"join", "Bo", "lobby"},
        {"admit", "Ali", "by Host"},      {"deny", "Bo", "by Host"}, {"lock", "Host", ""},
        {"resume", "Ali", "reconnected"}, {"leave", "Ali", "left"},  {"end", "Host", "host"},
    };
    assert_int_equal(n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(log[i].kind, want[i][0]);
        assert_string_equal(log[i].name, want[i][1]);
        assert_string_equal(log[i].detail, want[i][2]);
    }
}

static void test_leave_and_last_host(void **state)
{
    struct fx *f = *state;
    uint32_t h = join_host(f, "Host");
    uint32_t a = join(f, "Ali", ROLE_CITIZEN, false, true);
    uint32_t l = join_guest(f, "Lobby");
    /* Lobby leave: hosts learn of it, guests do not. */
    assert_int_equal(input(f, l, "{\"type\":\"leave\"}"), 0);
    assert_non_null(sent(l, "left"));
    assert_true(closed(l));
    assert_null(entry(sent(h, "roster"), l));
    assert_null(sent(a, "roster"));
    expect_audit(0, "leave", "Lobby", "left");
    /* The last host leaves: the guests stay. */
    assert_int_equal(input(f, h, "{\"type\":\"leave\",\"extra\":[1,2]}"), 0);
    assert_string_equal(str_of(acts[0].msg, "type"), "left");
    assert_int_equal(acts[0].pid, h);
    assert_int_equal(acts[1].kind, MEETING_ACT_CLOSE);
    assert_int_equal(roster_len(sent(a, "roster")), 1);
    expect_audit(0, "leave", "Host", "left");
    assert_false(meeting_is_ended(f->m));
    assert_false(meeting_is_empty(f->m));
    uint32_t g = join_guest(f, "Waiting");
    assert_non_null(sent(g, "lobby"));
    assert_null(sent(a, "roster"));
    /* A host coming back finds the lobby and can admit. */
    uint32_t h2 = join_host(f, "Host again");
    assert_string_equal(str_of(entry(sent(h2, "roster"), g), "state"), "lobby");
    admit(f, h2, g);
    assert_int_equal(input(f, a, "{\"type\":\"leave\"}"), 0);
    assert_int_equal(input(f, g, "{\"type\":\"leave\"}"), 0);
    assert_int_equal(input(f, h2, "{\"type\":\"leave\"}"), 0);
    assert_true(meeting_is_empty(f->m));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_mute_request, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cap_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
        cmocka_unit_test(test_lock_from_store),
        cmocka_unit_test_setup_teardown(test_screen_share_permission, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
        cmocka_unit_test_setup_teardown(test_end_by_host, setup, teardown),
        cmocka_unit_test_setup_teardown(test_meeting_end_external, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_leave_and_last_host, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
