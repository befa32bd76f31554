/* Tests for signaling/meeting_lobby.c: the caseworker's short text to whoever
 * waits in the lobby with one link, and a host's "lobby_message" from the
 * room to one waiting participant. Harness in meeting_harness.h (its joins
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

#define LOBBY_MSG "{\"type\":\"lobby_message\",\"participant_id\":@,\"text\":"

static void test_host_in_the_room_writes_to_the_lobby(void **state)
{
    struct fx *f = *state;
    uint32_t h = join_host(f, "Anna Jensen");
    uint32_t c = join_link(f, "Mette", 9);
    uint32_t other = join_guest(f, "Ole");
    f->now += 1000;
    assert_int_equal(input_with(f, h, LOBBY_MSG "\"Jeg kommer om to minutter\"}", c), 0);
    const json_t *msg = sent(c, "lobby_message");
    assert_non_null(msg);
    assert_string_equal(str_of(msg, "text"), "Jeg kommer om to minutter");
    assert_int_equal(int_of(msg, "at"), f->now);
    const json_t *ok = sent(h, "lobby_message_sent");
    assert_non_null(ok);
    assert_int_equal(int_of(ok, "participant_id"), c);
    assert_null(sent(other, "lobby_message"));
    assert_int_equal(count_kind(MEETING_ACT_SEND), 2);
    /* Audited about the guest, by the host, without the text. */
    expect_audit(0, "lobby_message", "Mette", "by Anna Jensen");
    assert_null(audit_nth(1));
    for (size_t i = 0; i < n_acts; i++)
        if (acts[i].kind == MEETING_ACT_AUDIT)
            assert_int_equal(acts[i].invitation_id, 9);
    /* Line breaks pass. */
    assert_int_equal(input_with(f, h, LOBBY_MSG "\"To minutter.\\nAnna\"}", c), 0);
    assert_string_equal(str_of(sent(c, "lobby_message"), "text"), "To minutter.\nAnna");
}

static void test_host_lobby_message_refused(void **state)
{
    struct fx *f = *state;
    uint32_t h = join_host(f, "Anna Jensen");
    uint32_t c = join_link(f, "Mette", 9);
    uint32_t g = admit(f, h, join_guest(f, "Ole"));

    /* Not a host: neither an admitted guest nor one in the lobby. */
    assert_int_equal(input_with(f, g, LOBBY_MSG "\"Hej\"}", c), ERR_DENIED);
    expect_error(g, "not_permitted", "lobby_message");
    assert_int_equal(input_with(f, c, LOBBY_MSG "\"Hej\"}", c), ERR_DENIED);
    expect_error(c, "not_permitted", "lobby_message");

    /* The target must be waiting in the lobby now. */
    assert_int_equal(input_with(f, h, LOBBY_MSG "\"Hej\"}", g), ERR_NOTFOUND);
    expect_error(h, "not_found", "lobby_message");
    assert_int_equal(input_with(f, h, LOBBY_MSG "\"Hej\"}", h), ERR_NOTFOUND);
    expect_error(h, "not_found", "lobby_message");
    assert_int_equal(input_with(f, h, LOBBY_MSG "\"Hej\"}", 999), ERR_NOTFOUND);
    expect_error(h, "not_found", "lobby_message");
    meeting_disconnected(f->m, f->now, c);
    drain(f->m);
    assert_int_equal(input_with(f, h, LOBBY_MSG "\"Hej\"}", c), ERR_NOTFOUND);
    expect_error(h, "not_found", "lobby_message");
}

static void test_host_lobby_message_text_checked(void **state)
{
    struct fx *f = *state;
    uint32_t h = join_host(f, "Anna Jensen");
    uint32_t c = join_link(f, "Mette", 9);
    const char *bad[] = {
        "{\"type\":\"lobby_message\",\"participant_id\":@}",
        LOBBY_MSG "42}",
        LOBBY_MSG "\"\"}",
        LOBBY_MSG "\"   \"}",
        LOBBY_MSG "\"bell\\u0007\"}",
        LOBBY_MSG "\"esc\\u001b[2J\"}",
        "{\"type\":\"lobby_message\",\"participant_id\":\"@\",\"text\":\"Hej\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(input_with(f, h, bad[i], c), ERR_PARSE);
        expect_error(h, "bad_message", "lobby_message");
    }
    /* 200 characters pass, 201 do not. */
    char buf[400] = LOBBY_MSG "\"";
    size_t o = strlen(buf);
    memset(buf + o, 'a', MEETING_LOBBY_TEXT_MAX);
    memcpy(buf + o + MEETING_LOBBY_TEXT_MAX, "\"}", 3);
    assert_int_equal(input_with(f, h, buf, c), 0);
    assert_non_null(sent(c, "lobby_message"));
    memset(buf + o, 'a', MEETING_LOBBY_TEXT_MAX + 1);
    memcpy(buf + o + MEETING_LOBBY_TEXT_MAX + 1, "\"}", 3);
    assert_int_equal(input_with(f, h, buf, c), ERR_PARSE);
    expect_error(h, "bad_message", "lobby_message");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reaches_the_waiting_guest_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_text_is_checked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ended_meeting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_host_in_the_room_writes_to_the_lobby, setup, teardown),
        cmocka_unit_test_setup_teardown(test_host_lobby_message_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_host_lobby_message_text_checked, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
