/* Tests for signaling/meeting_lobby.c: the caseworker's short text to whoever
 * waits in the lobby with one link. Harness in meeting_harness.h (its joins
 * use invitation 7). */
#include "meeting_harness.h"

static uint32_t join_link(struct fx *f, const char *name, int64_t invitation_id)
{
    struct meeting_join req = {.role = ROLE_CITIZEN,
                               .invitation_id = invitation_id,
                               .display_name = name,
                               .resume_secret = "secret-lobby-link"};
    uint32_t pid = 0;
    assert_int_equal(meeting_join(f->m, f->now, &req, &pid), 0);
    drain(f->m);
    return pid;
}

static void test_reaches_the_waiting_guest_only(void **state)
{
    struct fx *f = *state;
    uint32_t h = join_host(f, "Host");
    uint32_t other = join_guest(f, "Other link"); /* invitation 7, in the lobby */
    uint32_t c = join_link(f, "Mette", 9);
    unsigned n = 0;
    f->now += 1000;
    assert_int_equal(
        meeting_lobby_message(f->m, f->now, 9, "Jeg kommer om to minutter", "Anna Jensen", &n), 0);
    assert_int_equal(n, 1);
    drain(f->m);
    const json_t *msg = sent(c, "lobby_message");
    assert_non_null(msg);
    assert_string_equal(str_of(msg, "text"), "Jeg kommer om to minutter");
    assert_int_equal(int_of(msg, "at"), f->now);
    assert_null(sent(other, "lobby_message"));
    assert_null(sent(h, "lobby_message"));
    /* Audited about the guest, by the caseworker, without the text. */
    expect_audit(0, "lobby_message", "Mette", "by Anna Jensen");
    for (size_t i = 0; i < n_acts; i++)
        if (acts[i].kind == MEETING_ACT_AUDIT)
            assert_int_equal(acts[i].invitation_id, 9); /* for the link's status */

    /* Once admitted, nobody of that link waits any more. */
    admit(f, h, c);
    assert_int_equal(meeting_lobby_message(f->m, f->now, 9, "Hej", "Anna Jensen", &n),
                     ERR_NOTFOUND);
    assert_int_equal(n, 0);
    assert_int_equal(drain(f->m), 0);
    assert_int_equal(meeting_lobby_message(f->m, f->now, 1234, "Hej", "Anna Jensen", &n),
                     ERR_NOTFOUND);
}

static void test_text_is_checked(void **state)
{
    struct fx *f = *state;
    (void)join_host(f, "Host");
    (void)join_link(f, "Mette", 9);
    unsigned n = 0;
    char text[4 * MEETING_LOBBY_TEXT_MAX + 8];
    /* 200 characters pass, also when each takes two bytes (æ); 201 do not. */
    memset(text, 'a', MEETING_LOBBY_TEXT_MAX);
    text[MEETING_LOBBY_TEXT_MAX] = '\0';
    assert_int_equal(meeting_lobby_message(f->m, f->now, 9, text, "A", &n), 0);
    text[MEETING_LOBBY_TEXT_MAX] = 'a';
    text[MEETING_LOBBY_TEXT_MAX + 1] = '\0';
    assert_int_equal(meeting_lobby_message(f->m, f->now, 9, text, "A", &n), ERR_PARSE);
    for (size_t i = 0; i < MEETING_LOBBY_TEXT_MAX; i++)
        memcpy(text + 2 * i, "\xc3\xa6", 2);
    text[2 * MEETING_LOBBY_TEXT_MAX] = '\0';
    assert_int_equal(meeting_lobby_message(f->m, f->now, 9, text, "A", &n), 0);
    drain(f->m);
    /* Empty, blank, control characters, broken UTF-8. */
    const char *bad[] = {"", "   ", "bell\x07", "esc\x1b[2J", "\xc3", "\xff\xfe"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(meeting_lobby_message(f->m, f->now, 9, bad[i], "A", &n), ERR_PARSE);
        assert_int_equal(drain(f->m), 0);
    }
    /* Line breaks are fine. */
    assert_int_equal(meeting_lobby_message(f->m, f->now, 9, "To minutter.\nAnna", "A", &n), 0);
    assert_int_equal(meeting_lobby_message(f->m, f->now, 9, NULL, "A", &n), ERR_INVAL);
}

static void test_ended_meeting(void **state)
{
    struct fx *f = *state;
    (void)join_host(f, "Host");
    (void)join_link(f, "Mette", 9);
    meeting_end(f->m, f->now, "host");
    drain(f->m);
    unsigned n = 0;
    assert_int_equal(meeting_lobby_message(f->m, f->now, 9, "Hej", "A", &n), ERR_EXPIRED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reaches_the_waiting_guest_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_text_is_checked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ended_meeting, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
