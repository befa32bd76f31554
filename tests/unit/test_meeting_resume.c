/* Tests for signaling/meeting*.c: disconnects, resume within and after the
 * window, takeover, resume secrets and timeouts. Harness in
 * meeting_harness.h. */
#include "meeting_harness.h"

static void test_disconnect_resume_within_window(void **state)
{
    struct fx *f = *state;
    uint32_t pid, h = join_host(f, "Host");
    uint32_t a = join(f, "Ali", ROLE_CITIZEN, false, true);
    assert_int_equal(input(f, a, "{\"type\":\"hand\",\"raised\":true}"), 0);
    assert_int_equal(input(f, a, "{\"type\":\"media_state\",\"mic\":true}"), 0);
    f->now += 1000;
    meeting_disconnected(f->m, f->now, a);
    drain(f->m);
    assert_int_equal(count_kind(MEETING_ACT_AUDIT), 0);
    const json_t *e = entry(sent(h, "roster"), a);
    assert_string_equal(str_of(e, "state"), "reconnecting");
    assert_false(bool_of(e, "connected"));
    assert_true(bool_of(e, "hand"));
    assert_false(bool_of(e, "mic")); /* the media went with the connection */
    assert_int_equal(sends_to(a), 0);
    assert_true(meeting_next_deadline(f->m) == T0 + 1000 + WINDOW);
    unsigned counts[PSTATE_COUNT] = {0};
    meeting_count_states(f->m, counts);
    assert_int_equal(counts[PSTATE_RECONNECTING], 1);
    /* While away: nothing is sent to it, and its input is refused silently. */
    assert_int_equal(input(f, h, "{\"type\":\"chat\",\"text\":\"are you there?\"}"), 0);
    assert_int_equal(sends_to(a), 0);
    assert_int_equal(input(f, a, "{\"type\":\"chat\",\"text\":\"ghost\"}"), ERR_PROTO);
    assert_int_equal(n_acts, 0);
    /* Disconnecting twice changes nothing. */
    meeting_disconnected(f->m, f->now, a);
    meeting_disconnected(f->m, f->now, 999);
    assert_int_equal(drain(f->m), 0);
    /* Just before the window ends. */
    f->now += WINDOW - 1;
    meeting_timeout(f->m, f->now);
    assert_int_equal(drain(f->m), 0);
    assert_int_equal(resume(f, a, &pid), 0);
    assert_int_equal(pid, a);
    const json_t *j = acts[0].msg;
    assert_string_equal(str_of(j, "type"), "joined");
    assert_true(bool_of(j, "resumed"));
    assert_string_equal(str_of(j, "resume_token"), tokens[a]);
    assert_string_equal(str_of(json_object_get(j, "you"), "state"), "admitted");
    assert_non_null(sent(a, "admitted"));
    const json_t *hist = json_object_get(sent(a, "chat_history"), "messages");
    assert_string_equal(str_of(json_array_get(hist, 0), "text"), "are you there?");
    e = entry(sent(h, "roster"), a);
    assert_string_equal(str_of(e, "state"), "admitted");
    assert_true(bool_of(e, "connected"));
    assert_true(bool_of(e, "hand"));
    assert_non_null(sent(a, "roster"));
    expect_audit(0, "resume", "Ali", "reconnected");
    assert_true(meeting_next_deadline(f->m) == INT64_MAX);
    assert_int_equal(input(f, a, "{\"type\":\"chat\",\"text\":\"back\"}"), 0);
}

static void test_resume_after_window(void **state)
{
    struct fx *f = *state;
    uint32_t pid, h = join_host(f, "Host");
    uint32_t a = join(f, "Ali", ROLE_CITIZEN, false, true);
    meeting_disconnected(f->m, f->now, a);
    drain(f->m);
    f->now += WINDOW;
    /* meeting_timeout was not called yet: the resume itself finds the window passed. */
    assert_int_equal(resume(f, a, &pid), ERR_NOTFOUND);
    expect_audit(0, "leave", "Ali", "connection lost");
    assert_true(closed(a));
    assert_null(entry(sent(h, "roster"), a));
    assert_int_equal(sends_to(a), 0);
    assert_null(meeting_find(f->m, a));
    assert_int_equal(resume(f, a, &pid), ERR_NOTFOUND);
    assert_int_equal(n_acts, 0);
}

static void test_lobby_disconnect_and_resume(void **state)
{
    struct fx *f = *state;
    uint32_t pid, h = join_host(f, "Host");
    uint32_t a = join(f, "Ali", ROLE_CITIZEN, false, true);
    uint32_t l = join_guest(f, "Lobby");
    meeting_disconnected(f->m, f->now, l);
    drain(f->m);
    const json_t *e = entry(sent(h, "roster"), l);
    assert_string_equal(str_of(e, "state"), "lobby");
    assert_false(bool_of(e, "connected"));
    assert_null(sent(a, "roster")); /* guests do not see the lobby */
    f->now += 5000;
    assert_int_equal(resume(f, l, &pid), 0);
    assert_int_equal(pid, l);
    assert_true(bool_of(sent(l, "joined"), "resumed"));
    assert_non_null(sent(l, "lobby"));
    assert_null(sent(l, "roster"));
    assert_true(bool_of(entry(sent(h, "roster"), l), "connected"));
    expect_audit(0, "resume", "Lobby", "reconnected");
    /* A lobby seat also expires after the window. */
    meeting_disconnected(f->m, f->now, l);
    f->now += WINDOW;
    meeting_timeout(f->m, f->now);
    drain(f->m);
    expect_audit(0, "leave", "Lobby", "connection lost");
    assert_int_equal(count_sent(h, "roster"), 2); /* disconnected, then gone */
    assert_null(entry(last_sent(h, "roster"), l));
    assert_null(sent(a, "roster"));
}

static void test_timeout_and_deadline(void **state)
{
    struct fx *f = *state;
    uint32_t h = join_host(f, "Host");
    uint32_t a = join(f, "Ali", ROLE_CITIZEN, false, true);
    uint32_t b = join(f, "Bo", ROLE_CITIZEN, false, true);
    meeting_disconnected(f->m, f->now, a);
    f->now += 100;
    meeting_disconnected(f->m, f->now, b);
    drain(f->m);
    assert_true(meeting_next_deadline(f->m) == T0 + WINDOW);
    meeting_timeout(f->m, T0 + WINDOW - 1);
    assert_int_equal(drain(f->m), 0);
    meeting_timeout(f->m, T0 + WINDOW);
    drain(f->m);
    assert_true(closed(a));
    assert_false(closed(b));
    expect_audit(0, "leave", "Ali", "connection lost");
    assert_null(entry(sent(h, "roster"), a));
    assert_non_null(entry(sent(h, "roster"), b));
    assert_true(meeting_next_deadline(f->m) == T0 + 100 + WINDOW);
    meeting_timeout(f->m, INT64_MAX);
    drain(f->m);
    expect_audit(0, "leave", "Bo", "connection lost");
    assert_true(meeting_next_deadline(f->m) == INT64_MAX);
    /* The host leaving too empties the meeting. */
    meeting_disconnected(f->m, f->now, h);
    meeting_timeout(f->m, f->now + WINDOW);
    drain(f->m);
    assert_true(meeting_is_empty(f->m));
    assert_false(meeting_is_ended(f->m));
}

static void test_resume_takeover(void **state)
{
    struct fx *f = *state;
    uint32_t pid, h = join_host(f, "Host");
    uint32_t a = join(f, "Ali", ROLE_CITIZEN, false, true);
    /* The client reconnected before its old connection was seen as dead. */
    assert_int_equal(resume(f, a, &pid), 0);
    assert_int_equal(pid, a);
    assert_true(bool_of(sent(a, "joined"), "resumed"));
    assert_non_null(sent(a, "roster"));
    assert_null(sent(h, "roster")); /* nothing changed for the others */
    expect_audit(0, "resume", "Ali", "reconnected");
    assert_int_equal(resume(f, h, &pid), 0);
    assert_int_equal(pid, h);
}

static void test_admit_disconnected_lobby_seat(void **state)
{
    struct fx *f = *state;
    uint32_t pid, h = join_host(f, "Host");
    uint32_t a = join(f, "Ali", ROLE_CITIZEN, false, true);
    uint32_t l = join_guest(f, "Lobby");
    meeting_disconnected(f->m, f->now, l);
    drain(f->m);
    admit(f, h, l);
    assert_int_equal(sends_to(l), 0);
    const json_t *e = entry(sent(a, "roster"), l);
    assert_string_equal(str_of(e, "state"), "reconnecting");
    assert_false(bool_of(e, "connected"));
    expect_audit(0, "admit", "Lobby", "by Host");
    assert_int_equal(resume(f, l, &pid), 0);
    assert_string_equal(str_of(json_object_get(sent(l, "joined"), "you"), "state"), "admitted");
    assert_non_null(sent(l, "admitted"));
    assert_non_null(sent(l, "roster"));
    assert_null(sent(l, "lobby"));
}

static void test_resume_secret_rules(void **state)
{
    struct fx *f = *state;
    uint32_t pid, h = join_host(f, "Host");
    char long_secret[MEETING_RESUME_SECRET_MAX + 2];
    memset(long_secret, 'a', sizeof long_secret - 1);
    long_secret[sizeof long_secret - 1] = '\0';
    assert_int_equal(meeting_resume(f->m, f->now, "nope", &pid), ERR_NOTFOUND);
    assert_int_equal(meeting_resume(f->m, f->now, "", &pid), ERR_NOTFOUND);
    assert_int_equal(meeting_resume(f->m, f->now, long_secret, &pid), ERR_NOTFOUND);
    /* A prefix or an extension of a real secret is not it. */
    char partial[MEETING_RESUME_SECRET_MAX + 1];
    snprintf(partial, sizeof partial, "%s", tokens[h]);
    partial[strlen(partial) - 1] = '\0';
    assert_int_equal(meeting_resume(f->m, f->now, partial, &pid), ERR_NOTFOUND);
    snprintf(partial, sizeof partial, "%sx", tokens[h]);
    assert_int_equal(meeting_resume(f->m, f->now, partial, &pid), ERR_NOTFOUND);
    assert_int_equal(drain(f->m), 0);
    /* Secrets from the caller: printable, bounded, unique. */
    struct meeting_join req = {.role = ROLE_CITIZEN, .display_name = "Ali"};
    static const char *const bad[] = {"", "has space", "tab\t", "\xc3\xa6"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        req.resume_secret = bad[i];
        assert_int_equal(meeting_join(f->m, f->now, &req, &pid), ERR_INVAL);
    }
    req.resume_secret = NULL;
    assert_int_equal(meeting_join(f->m, f->now, &req, &pid), ERR_INVAL);
    req.resume_secret = long_secret;
    assert_int_equal(meeting_join(f->m, f->now, &req, &pid), ERR_INVAL);
    req.resume_secret = tokens[h];
    assert_int_equal(meeting_join(f->m, f->now, &req, &pid), ERR_EXISTS);
    long_secret[MEETING_RESUME_SECRET_MAX] = '\0';
    req.resume_secret = long_secret;
    assert_int_equal(meeting_join(f->m, f->now, &req, &pid), 0);
    drain(f->m);
    assert_int_equal(meeting_resume(f->m, f->now, long_secret, &pid), 0);
    req.role = ROLE_COUNT;
    assert_int_equal(meeting_join(f->m, f->now, &req, &pid), ERR_INVAL);
    assert_int_equal(meeting_resume(f->m, f->now, NULL, &pid), ERR_INVAL);
}

/* meeting_find_secret: the seat a secret proves (for the stage document's
 * HTTP routes), without touching it; and meeting_is_host. */
static void test_find_secret(void **state)
{
    struct fx *f = *state;
    uint32_t pid = 0, h = join_host(f, "Host");
    uint32_t a = join(f, "Ali", ROLE_CITIZEN, false, false); /* waits in the lobby */
    assert_int_equal(meeting_find_secret(f->m, tokens[a], &pid), 0);
    assert_int_equal(pid, a);
    assert_false(meeting_is_admitted(f->m, a));
    assert_int_equal(meeting_find_secret(f->m, tokens[h], &pid), 0);
    assert_int_equal(pid, h);
    assert_true(meeting_is_host(f->m, h));
    assert_false(meeting_is_host(f->m, a));
    assert_false(meeting_is_host(f->m, 999));
    acts_clear();
    /* Nothing is queued: the seat is only looked at. */
    assert_int_equal(meeting_find_secret(f->m, tokens[a], &pid), 0);
    assert_int_equal(drain(f->m), 0);
    /* Unknown, empty, too long, non-printable: not found. */
    assert_int_equal(meeting_find_secret(f->m, "no-such-secret", &pid), ERR_NOTFOUND);
    assert_int_equal(meeting_find_secret(f->m, "", &pid), ERR_NOTFOUND);
    assert_int_equal(meeting_find_secret(f->m, NULL, &pid), ERR_NOTFOUND);
    char longer[MEETING_RESUME_SECRET_MAX + 2];
    memset(longer, 'A', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    assert_int_equal(meeting_find_secret(f->m, longer, &pid), ERR_NOTFOUND);
    char prefix[MEETING_RESUME_SECRET_MAX + 1];
    snprintf(prefix, sizeof prefix, "%s", tokens[a]);
    prefix[strlen(prefix) - 1] = '\0';
    assert_int_equal(meeting_find_secret(f->m, prefix, &pid), ERR_NOTFOUND);
    /* A participant who left is gone; after the end nobody is found. */
    assert_int_equal(input(f, a, "{\"type\":\"leave\"}"), 0);
    drain(f->m);
    assert_int_equal(meeting_find_secret(f->m, tokens[a], &pid), ERR_NOTFOUND);
    meeting_end(f->m, f->now, "host");
    drain(f->m);
    assert_int_equal(meeting_find_secret(f->m, tokens[h], &pid), ERR_NOTFOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_disconnect_resume_within_window, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resume_after_window, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lobby_disconnect_and_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout_and_deadline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resume_takeover, setup, teardown),
        cmocka_unit_test_setup_teardown(test_admit_disconnected_lobby_seat, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resume_secret_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_find_secret, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
