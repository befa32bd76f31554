/* Tests for signaling/meeting*.c: the meeting state machine, driven with a
 * fake clock and parsed messages, checking the actions it queues. This file:
 * joining, lobby and admission, roster, chat, flags and message validation.
 * Shared harness in meeting_harness.h. */
#include "meeting_harness.h"

static void test_create_config(void **state)
{
    (void)state;
    struct meeting *m = NULL;
    struct meeting_cfg cfg = {.id = 1, .title = "x"};
    char long_title[STORE_TITLE_MAX + 2];
    assert_int_equal(meeting_create(&m, NULL), ERR_INVAL);
    cfg.max_participants = MEETING_PARTICIPANTS_LIMIT + 1;
    assert_int_equal(meeting_create(&m, &cfg), ERR_INVAL);
    cfg.max_participants = 0;
    cfg.resume_window_ms = -1;
    assert_int_equal(meeting_create(&m, &cfg), ERR_INVAL);
    cfg.resume_window_ms = 0;
    memset(long_title, 'a', sizeof long_title - 1);
    long_title[sizeof long_title - 1] = '\0';
    cfg.title = long_title;
    assert_int_equal(meeting_create(&m, &cfg), ERR_INVAL);
    cfg.title = "\xff bad utf-8";
    assert_int_equal(meeting_create(&m, &cfg), ERR_INVAL);
    cfg.title = NULL;
    assert_int_equal(meeting_create(&m, &cfg), 0);
    assert_int_equal(meeting_id(m), 1);
    assert_true(meeting_is_empty(m));
    assert_false(meeting_is_ended(m));
    assert_true(meeting_next_deadline(m) == INT64_MAX);
    assert_false(meeting_poll(m, &acts[0]));
    meeting_destroy(m);
    meeting_destroy(NULL);
    assert_string_equal(participant_state_name(PSTATE_LOBBY), "lobby");
    assert_string_equal(participant_state_name(PSTATE_RECONNECTING), "reconnecting");
    assert_string_equal(participant_state_name(PSTATE_COUNT), "unknown");
}

static void test_host_joins_straight_in(void **state)
{
    struct fx *f = *state;
    uint32_t h = join_host(f, "Mette Sagsbehandler");
    /* joined, admitted, roster (no chat history yet), audit */
    assert_int_equal(n_acts, 4);
    assert_int_equal(acts[0].kind, MEETING_ACT_SEND);
    assert_string_equal(str_of(acts[0].msg, "type"), "joined");
    assert_string_equal(str_of(acts[1].msg, "type"), "admitted");
    assert_string_equal(str_of(acts[2].msg, "type"), "roster");
    assert_int_equal(acts[3].kind, MEETING_ACT_AUDIT);
    expect_audit(0, "join", "Mette Sagsbehandler", "admitted");
    assert_int_equal(audit_nth(0)->role, ROLE_CASEWORKER);
    assert_true(audit_nth(0)->at == T0);

    const json_t *j = acts[0].msg;
    assert_false(bool_of(j, "resumed"));
    assert_string_equal(str_of(j, "resume_token"), tokens[h]);
    assert_int_equal(int_of(json_object_get(j, "meeting"), "id"), 42);
    assert_string_equal(str_of(json_object_get(j, "meeting"), "title"), "Samtale om job");
    const json_t *you = json_object_get(j, "you");
    assert_int_equal(int_of(you, "id"), h);
    assert_string_equal(str_of(you, "state"), "admitted");
    assert_true(bool_of(you, "host"));
    assert_null(sent(h, "lobby"));
    assert_null(sent(h, "chat_history"));
    unsigned counts[PSTATE_COUNT] = {0};
    meeting_count_states(f->m, counts);
    assert_int_equal(counts[PSTATE_ADMITTED], 1);
}

static void test_guest_waits_in_lobby(void **state)
{
    struct fx *f = *state;
    uint32_t g = join_guest(f, "Ali");
    assert_int_equal(n_acts, 3); /* joined, lobby, audit; no host yet, so no roster */
    assert_string_equal(str_of(json_object_get(sent(g, "joined"), "you"), "state"), "lobby");
    assert_string_equal(str_of(sent(g, "lobby"), "message"), "Waiting for the host to let you in");
    assert_null(sent(g, "roster"));
    assert_null(sent(g, "admitted"));
    expect_audit(0, "join", "Ali", "lobby");
    /* Lobby participants cannot do anything but leave. */
    assert_int_equal(input(f, g, "{\"type\":\"chat\",\"text\":\"hello\"}"), ERR_PROTO);
    expect_error(g, "wrong_state", "chat");
    unsigned counts[PSTATE_COUNT] = {0};
    meeting_count_states(f->m, counts);
    assert_int_equal(counts[PSTATE_LOBBY], 1);
}

static void test_lobby_visible_to_hosts_only(void **state)
{
    struct fx *f = *state;
    uint32_t h = join_host(f, "Host");
    uint32_t a = join(f, "Tolk", ROLE_INTERPRETER, false, true); /* auto-admitted guest */
    assert_non_null(sent(a, "admitted"));
    uint32_t g = join_guest(f, "Ali");
    /* The lobby join is news for hosts only. */
    assert_non_null(sent(h, "roster"));
    assert_null(sent(a, "roster"));
    assert_null(sent(g, "roster"));
    const json_t *e = entry(sent(h, "roster"), g);
    assert_non_null(e);
    assert_string_equal(str_of(e, "state"), "lobby");
    assert_true(bool_of(e, "connected"));
    /* When something guests can see changes, they get their view without the lobby. */
    assert_int_equal(input(f, h, "{\"type\":\"hand\",\"raised\":true}"), 0);
    assert_non_null(entry(sent(h, "roster"), g));
    assert_null(entry(sent(a, "roster"), g));
    assert_int_equal(roster_len(sent(a, "roster")), 2);
    assert_int_equal(roster_len(sent(h, "roster")), 3);
    assert_null(sent(g, "roster"));
}

static void test_host_joining_later_sees_lobby(void **state)
{
    struct fx *f = *state;
    uint32_t g1 = join_guest(f, "Ali");
    uint32_t g2 = join(f, "Karen", ROLE_AKASSE, false, false);
    uint32_t h = join_host(f, "Host");
    const json_t *r = sent(h, "roster");
    assert_non_null(r);
    assert_int_equal(roster_len(r), 3);
    assert_string_equal(str_of(entry(r, g1), "state"), "lobby");
    assert_string_equal(str_of(entry(r, g2), "role"), "akasse");
    assert_null(sent(g1, "roster"));
}

static void test_admit_flow(void **state)
{
    struct fx *f = *state;
    uint32_t h = join_host(f, "Host");
    uint32_t g = join_guest(f, "Ali");
    admit(f, h, g);
    /* admitted to g, roster to both, audit */
    assert_int_equal(acts[0].pid, g);
    assert_string_equal(str_of(acts[0].msg, "type"), "admitted");
    assert_null(sent(g, "chat_history"));
    assert_string_equal(str_of(entry(sent(g, "roster"), g), "state"), "admitted");
    assert_string_equal(str_of(entry(sent(h, "roster"), g), "state"), "admitted");
    assert_int_equal(roster_len(sent(g, "roster")), 2);
    expect_audit(0, "admit", "Ali", "by Host");
    assert_int_equal(audit_nth(0)->role, ROLE_CITIZEN);
    assert_int_equal(acts[n_acts - 1].kind, MEETING_ACT_AUDIT);
    /* Admitting again: not in the lobby any more. */
    assert_int_equal(input_with(f, h, "{\"type\":\"admit\",\"participant_id\":@}", g), ERR_PROTO);
    expect_error(h, "wrong_state", "admit");
    /* Now the guest can chat. */
    assert_int_equal(input(f, g, "{\"type\":\"chat\",\"text\":\"Hej\"}"), 0);
}

static void test_deny_flow(void **state)
{
    struct fx *f = *state;
    uint32_t h = join_host(f, "Host");
    uint32_t g = join_guest(f, "Ali");
    uint32_t g2 = join_guest(f, "Bo");
    assert_int_equal(input_with(f, h, "{\"type\":\"deny\",\"participant_id\":@}", g), 0);
    assert_non_null(str_of(sent(g, "denied"), "message"));
    assert_true(closed(g));
    assert_int_equal(acts[0].pid, g);
    assert_int_equal(acts[1].kind, MEETING_ACT_CLOSE);
    assert_null(entry(sent(h, "roster"), g));
    assert_non_null(entry(sent(h, "roster"), g2));
    expect_audit(0, "deny", "Ali", "by Host");
    assert_null(meeting_find(f->m, g));
    /* The denied seat is gone: its messages are ignored, its resume fails. */
    assert_int_equal(input(f, g, "{\"type\":\"leave\"}"), ERR_NOTFOUND);
    assert_int_equal(n_acts, 0);
    uint32_t pid;
    assert_int_equal(resume(f, g, &pid), ERR_NOTFOUND);
    /* Deny an admitted participant: wrong state. */
    admit(f, h, g2);
    assert_int_equal(input_with(f, h, "{\"type\":\"deny\",\"participant_id\":@}", g2), ERR_PROTO);
    expect_error(h, "wrong_state", "deny");
}

static void test_target_errors(void **state)
{
    struct fx *f = *state;
    uint32_t h = join_host(f, "Host");
    join_guest(f, "Ali");
    static const char *const bad[] = {
        "{\"type\":\"admit\"}",
        "{\"type\":\"admit\",\"participant_id\":\"2\"}",
        "{\"type\":\"admit\",\"participant_id\":2.0}",
        "{\"type\":\"admit\",\"participant_id\":null}",
        "{\"type\":\"deny\",\"participant_id\":true}",
        "{\"type\":\"remove\",\"participant_id\":[2]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(input(f, h, bad[i]), ERR_PARSE);
        assert_string_equal(str_of(sent(h, "error"), "code"), "bad_message");
        assert_int_equal(n_acts, 1);
    }
    static const char *const missing[] = {
        "{\"type\":\"admit\",\"participant_id\":99}",
        "{\"type\":\"admit\",\"participant_id\":0}",
        "{\"type\":\"admit\",\"participant_id\":-2}",
        "{\"type\":\"deny\",\"participant_id\":4294967298}",
        "{\"type\":\"remove\",\"participant_id\":99}",
        "{\"type\":\"mute_request\",\"participant_id\":99,\"kind\":\"mic\"}",
    };
    for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++) {
        assert_int_equal(input(f, h, missing[i]), ERR_NOTFOUND);
        assert_string_equal(str_of(sent(h, "error"), "code"), "not_found");
        assert_int_equal(n_acts, 1);
    }
    unsigned counts[PSTATE_COUNT] = {0};
    meeting_count_states(f->m, counts);
    assert_int_equal(counts[PSTATE_LOBBY], 1);
}

static void test_roster_fields_and_roles(void **state)
{
    struct fx *f = *state;
    uint32_t h = join_host(f, "Host");
    uint32_t ids[ROLE_COUNT];
    static const char *const names[ROLE_COUNT] = {"citizen",     "akasse",   "employer",
                                                  "interpreter", "advocate", "caseworker"};
    for (int r = 0; r < ROLE_COUNT; r++)
        ids[r] = join(f, names[r], (enum role)r, false, true);
    const json_t *roster = sent(h, "roster");
    assert_non_null(roster);
    const json_t *meeting = json_object_get(roster, "meeting");
    assert_int_equal(int_of(meeting, "id"), 42);
    assert_string_equal(str_of(meeting, "title"), "Samtale om job");
    assert_false(bool_of(meeting, "locked"));
    /* In join order, every field present. */
    const json_t *list = json_object_get(roster, "participants");
    assert_int_equal(json_array_size(list), ROLE_COUNT + 1);
    assert_int_equal(int_of(json_array_get(list, 0), "id"), h);
    for (int r = 0; r < ROLE_COUNT; r++) {
        const json_t *e = json_array_get(list, (size_t)r + 1);
        assert_int_equal(int_of(e, "id"), ids[r]);
        assert_string_equal(str_of(e, "name"), names[r]);
        assert_string_equal(str_of(e, "role"), names[r]);
        assert_string_equal(str_of(e, "state"), "admitted");
        assert_false(bool_of(e, "host"));
        assert_false(bool_of(e, "mic"));
        assert_false(bool_of(e, "camera"));
        assert_false(bool_of(e, "screen"));
        assert_false(bool_of(e, "hand"));
        assert_true(bool_of(e, "connected"));
        assert_int_equal(json_object_size(e), 10);
    }
    /* Everyone admitted got the same roster. */
    assert_int_equal(count_sent(0, "roster"), ROLE_COUNT + 1);
}

static void test_chat_to_all(void **state)
{
    struct fx *f = *state;
    uint32_t h = join_host(f, "Host");
    uint32_t a = join(f, "Ali", ROLE_CITIZEN, false, true);
    uint32_t l = join_guest(f, "Lobby");
    f->now += 500;
    assert_int_equal(
        input(f, a, "{\"type\":\"chat\",\"text\":\"Hej med dig \\u00e6\\u00f8\\u00e5\"}"), 0);
    assert_int_equal(n_acts, 2);
    const json_t *c = sent(h, "chat");
    assert_non_null(c);
    assert_non_null(sent(a, "chat")); /* the sender's confirmation */
    assert_null(sent(l, "chat"));
    assert_int_equal(int_of(c, "id"), 1);
    assert_int_equal(int_of(c, "from"), a);
    assert_string_equal(str_of(c, "name"), "Ali");
    assert_string_equal(str_of(c, "role"), "citizen");
    assert_string_equal(str_of(c, "text"), "Hej med dig \xc3\xa6\xc3\xb8\xc3\xa5");
    assert_true(int_of(c, "at") == T0 + 500);
    assert_int_equal(count_kind(MEETING_ACT_AUDIT), 0); /* chat is not audited */
    assert_int_equal(input(f, h, "{\"type\":\"chat\",\"text\":\"line one\\nline two\",\"x\":1}"),
                     0);
    assert_int_equal(int_of(sent(a, "chat"), "id"), 2);
}

static void test_chat_history_for_late_joiners(void **state)
{
    struct fx *f = *state;
    uint32_t h = join_host(f, "Host");
    for (unsigned i = 1; i <= MEETING_CHAT_HISTORY + 10; i++)
        assert_int_equal(input_with(f, h, "{\"type\":\"chat\",\"text\":\"message @\"}", i), 0);
    uint32_t g = join_guest(f, "Ali");
    assert_null(sent(g, "chat_history"));
    admit(f, h, g);
    /* admitted, chat_history, then the roster */
    assert_string_equal(str_of(acts[0].msg, "type"), "admitted");
    assert_string_equal(str_of(acts[1].msg, "type"), "chat_history");
    assert_int_equal(acts[1].pid, g);
    assert_string_equal(str_of(acts[2].msg, "type"), "roster");
    const json_t *msgs = json_object_get(acts[1].msg, "messages");
    assert_int_equal(json_array_size(msgs), MEETING_CHAT_HISTORY);
    assert_int_equal(int_of(json_array_get(msgs, 0), "id"), 11);
    assert_string_equal(str_of(json_array_get(msgs, 0), "text"), "message 11");
    assert_int_equal(int_of(json_array_get(msgs, MEETING_CHAT_HISTORY - 1), "id"), 60);
    assert_null(sent(h, "chat_history"));
    /* An auto-admitted late joiner gets it straight away. */
    uint32_t a = join(f, "Tolk", ROLE_INTERPRETER, false, true);
    assert_int_equal(json_array_size(json_object_get(sent(a, "chat_history"), "messages")),
                     MEETING_CHAT_HISTORY);
}

static void test_chat_bad_fields(void **state)
{
    struct fx *f = *state;
    uint32_t h = join_host(f, "Host");
    static const char *const bad[] = {
        "{\"type\":\"chat\"}",
        "{\"type\":\"chat\",\"text\":42}",
        "{\"type\":\"chat\",\"text\":null}",
        "{\"type\":\"chat\",\"text\":\"\"}",
        "{\"type\":\"chat\",\"text\":\" \\n\\t \"}",
        "{\"type\":\"chat\",\"text\":\"bell\\u0007\"}",
        "{\"type\":\"chat\",\"text\":\"del\\u007f\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(input(f, h, bad[i]), ERR_PARSE);
        expect_error(h, "bad_message", "chat");
    }
    char *big = malloc(MEETING_CHAT_MAX + 64);
    assert_non_null(big);
    int n = snprintf(big, MEETING_CHAT_MAX + 64, "{\"type\":\"chat\",\"text\":\"");
    memset(big + n, 'x', MEETING_CHAT_MAX + 1);
    memcpy(big + n + MEETING_CHAT_MAX + 1, "\"}", 3);
    assert_int_equal(input(f, h, big), ERR_TOOBIG);
    expect_error(h, "bad_message", "chat");
    /* Exactly the maximum is fine. */
    memmove(big + n + MEETING_CHAT_MAX, big + n + MEETING_CHAT_MAX + 1, 3);
    assert_int_equal(input(f, h, big), 0);
    assert_int_equal(int_of(sent(h, "chat"), "id"), 1); /* the rejected ones took no id */
    free(big);
}

static void test_wrong_state_in_lobby(void **state)
{
    struct fx *f = *state;
    join_host(f, "Host");
    uint32_t g = join_guest(f, "Ali");
    static const char *const msgs[] = {
        "{\"type\":\"chat\",\"text\":\"let me in\"}",
        "{\"type\":\"hand\",\"raised\":true}",
        "{\"type\":\"media_state\",\"mic\":true}",
    };
    for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++) {
        assert_int_equal(input(f, g, msgs[i]), ERR_PROTO);
        assert_string_equal(str_of(sent(g, "error"), "code"), "wrong_state");
        assert_int_equal(n_acts, 1);
    }
    /* A lobby guest trying a host action is refused for permission first. */
    assert_int_equal(input(f, g, "{\"type\":\"lock\",\"locked\":true}"), ERR_DENIED);
    expect_error(g, "not_permitted", "lock");
}

static void test_hand_and_media_flags(void **state)
{
    struct fx *f = *state;
    uint32_t h = join_host(f, "Host");
    uint32_t a = join(f, "Ali", ROLE_CITIZEN, false, true);
    assert_int_equal(input(f, a, "{\"type\":\"hand\",\"raised\":true}"), 0);
    assert_true(bool_of(entry(sent(h, "roster"), a), "hand"));
    assert_true(bool_of(entry(sent(a, "roster"), a), "hand"));
    /* No change, no roster. */
    assert_int_equal(input(f, a, "{\"type\":\"hand\",\"raised\":true}"), 0);
    assert_int_equal(n_acts, 0);
    assert_int_equal(input(f, a, "{\"type\":\"media_state\",\"mic\":true,\"camera\":true}"), 0);
    const json_t *e = entry(sent(h, "roster"), a);
    assert_true(bool_of(e, "mic"));
    assert_true(bool_of(e, "camera"));
    assert_false(bool_of(e, "screen"));
    assert_true(bool_of(e, "hand"));
    /* Any subset; the others stay. */
    assert_int_equal(input(f, a, "{\"type\":\"media_state\",\"screen\":true}"), 0);
    e = entry(sent(h, "roster"), a);
    assert_true(bool_of(e, "mic"));
    assert_true(bool_of(e, "screen"));
    assert_int_equal(input(f, a, "{\"type\":\"media_state\"}"), 0);
    assert_int_equal(n_acts, 0);
    /* A bad field rejects the whole message, including the good fields. */
    assert_int_equal(input(f, a, "{\"type\":\"media_state\",\"mic\":false,\"camera\":1}"),
                     ERR_PARSE);
    expect_error(a, "bad_message", "media_state");
    assert_true(meeting_find(f->m, a)->mic);
    assert_int_equal(input(f, a, "{\"type\":\"hand\"}"), ERR_PARSE);
    expect_error(a, "bad_message", "hand");
    assert_int_equal(input(f, a, "{\"type\":\"hand\",\"raised\":\"false\"}"), ERR_PARSE);
    assert_true(meeting_find(f->m, a)->hand);
    assert_int_equal(input(f, a, "{\"type\":\"hand\",\"raised\":false}"), 0);
    assert_false(bool_of(entry(sent(h, "roster"), a), "hand"));
}

static void test_non_host_actions_not_permitted(void **state)
{
    struct fx *f = *state;
    uint32_t h = join_host(f, "Host");
    uint32_t a = join(f, "Ali", ROLE_ADVOCATE, false, true);
    uint32_t l = join_guest(f, "Lobby");
    struct meeting_core before = f->m->core;
    static const char *const msgs[] = {
        "{\"type\":\"admit\",\"participant_id\":@}",
        "{\"type\":\"deny\",\"participant_id\":@}",
        "{\"type\":\"remove\",\"participant_id\":@}",
        "{\"type\":\"mute_request\",\"participant_id\":@,\"kind\":\"mic\"}",
        "{\"type\":\"lock\",\"locked\":true,\"x\":@}",
        "{\"type\":\"end\",\"x\":@}",
        "{\"type\":\"admit\",\"participant_id\":\"garbage @\"}",
    };
    for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++) {
        assert_int_equal(input_with(f, a, msgs[i], l), ERR_DENIED);
        assert_string_equal(str_of(sent(a, "error"), "code"), "not_permitted");
        assert_int_equal(n_acts, 1);
    }
    assert_int_equal(input_with(f, a, "{\"type\":\"remove\",\"participant_id\":@}", h), ERR_DENIED);
    assert_memory_equal(&before, &f->m->core, sizeof before);
}

static void test_unknown_type_and_malformed(void **state)
{
    struct fx *f = *state;
    uint32_t h = join_host(f, "Host");
    static const char *const unknown[] = {"join", "resume", "ping", "Chat", "", "chat "};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        char buf[64];
        snprintf(buf, sizeof buf, "{\"type\":\"%s\"}", unknown[i]);
        assert_int_equal(input(f, h, buf), ERR_PROTO);
        assert_string_equal(str_of(sent(h, "error"), "code"), "unknown_type");
        assert_int_equal(n_acts, 1);
    }
    assert_int_equal(input(f, h, "{\"type\":\"nope\"}"), ERR_PROTO);
    expect_error(h, "unknown_type", "nope");
    /* Long or odd types are not echoed back. */
    assert_int_equal(input(f, h, "{\"type\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}"),
                     ERR_PROTO);
    expect_error(h, "unknown_type", NULL);
    static const char *const malformed[] = {"{}",         "{\"type\":1}", "{\"type\":null}",
                                            "[\"chat\"]", "\"chat\"",     "42"};
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        json_error_t jerr;
        json_t *msg = json_loads(malformed[i], JSON_DECODE_ANY, &jerr);
        assert_non_null(msg);
        assert_int_equal(meeting_input(f->m, f->now, h, msg), ERR_PARSE);
        json_decref(msg);
        drain(f->m);
        expect_error(h, "bad_message", NULL);
    }
    assert_int_equal(meeting_input(f->m, f->now, h, NULL), ERR_INVAL);
    assert_int_equal(meeting_input(NULL, f->now, h, NULL), ERR_INVAL);
}

static void test_display_name_validation(void **state)
{
    struct fx *f = *state;
    uint32_t pid;
    char name[MEETING_NAME_MAX + 8];
    static const char *const bad[] = {
        "",
        " ",
        " \t\r\n ",
        "tab\tinside",
        "nl\ninside",
        "del\x7f",
        "esc\x1b[0m",
        "\xff\xfe",
        "\xc3",
        "\xc0\xaf",
        "\xed\xa0\x80",
        "c1\xc2\x85",
        "rlo\xe2\x80\xae",
        "isolate\xe2\x81\xa6",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(try_join(f, bad[i], ROLE_CITIZEN, false, false, &pid), ERR_PARSE);
        assert_int_equal(n_acts, 0);
    }
    memset(name, 'n', MEETING_NAME_MAX + 1);
    name[MEETING_NAME_MAX + 1] = '\0';
    assert_int_equal(try_join(f, name, ROLE_CITIZEN, false, false, &pid), ERR_PARSE);
    name[MEETING_NAME_MAX] = '\0';
    assert_int_equal(try_join(f, name, ROLE_CITIZEN, false, false, &pid), 0);
    assert_int_equal(strlen(str_of(json_object_get(sent(pid, "joined"), "you"), "name")),
                     MEETING_NAME_MAX);
    /* Trimmed before the length is checked. */
    char padded[MEETING_NAME_MAX + 16];
    snprintf(padded, sizeof padded, "  \t%s \n", name);
    assert_int_equal(try_join(f, padded, ROLE_CITIZEN, false, false, &pid), 0);
    assert_string_equal(str_of(json_object_get(sent(pid, "joined"), "you"), "name"), name);
    assert_int_equal(try_join(f, "Emoji \xf0\x9f\x98\x80", ROLE_CITIZEN, false, false, &pid), 0);
    assert_int_equal(
        try_join(f, "  S\xc3\xb8ren \xc3\x85gaard  ", ROLE_CITIZEN, false, false, &pid), 0);
    assert_string_equal(str_of(json_object_get(sent(pid, "joined"), "you"), "name"),
                        "S\xc3\xb8ren \xc3\x85gaard");
    expect_audit(0, "join", "S\xc3\xb8ren \xc3\x85gaard", "lobby");
    struct meeting_join req = {.role = ROLE_CITIZEN, .display_name = NULL, .resume_secret = "s1"};
    assert_int_equal(meeting_join(f->m, f->now, &req, &pid), ERR_PARSE);
}

static void test_flood_of_bad_messages(void **state)
{
    struct fx *f = *state;
    uint32_t h = join_host(f, "Host");
    uint32_t a = join(f, "Ali", ROLE_CITIZEN, false, true);
    uint32_t l = join_guest(f, "Lobby");
    assert_int_equal(input(f, h, "{\"type\":\"chat\",\"text\":\"before\"}"), 0);
    struct meeting_core before = f->m->core;
    static const char *const bad[] = {
        "{\"type\":\"admit\",\"participant_id\":3}",
        "{\"type\":\"chat\",\"text\":\"\"}",
        "{\"type\":\"chat\",\"text\":7}",
        "{\"type\":\"what\"}",
        "{\"type\":\"end\"}",
        "{\"type\":\"hand\",\"raised\":0}",
        "{\"type\":\"media_state\",\"mic\":\"on\"}",
        "{\"type\":\"remove\",\"participant_id\":1}",
        "{\"type\":\"lock\",\"locked\":true}",
        "{\"typ\":\"chat\"}",
    };
    json_t *msgs[sizeof bad / sizeof bad[0]];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_non_null(msgs[i] = json_loads(bad[i], 0, NULL));
    /* The glue drains after every message. */
    for (int i = 0; i < 10000; i++) {
        int rc = meeting_input(f->m, f->now, a, msgs[(size_t)i % (sizeof bad / sizeof bad[0])]);
        assert_true(rc < 0);
        assert_int_equal(drain(f->m), 1);
        assert_string_equal(str_of(acts[0].msg, "type"), "error");
    }
    assert_memory_equal(&before, &f->m->core, sizeof before);
    /* Nobody drains: the queue stops growing and input is refused. */
    size_t refused = 0;
    for (int i = 0; i < 10000; i++) {
        int rc = meeting_input(f->m, f->now, l, msgs[(size_t)i % (sizeof bad / sizeof bad[0])]);
        assert_true(rc < 0);
        refused += rc == ERR_AGAIN;
        assert_true(meeting_queued(f->m) <= MEETING_ACTIONS_MAX);
    }
    assert_true(refused > 0);
    assert_true(meeting_queued(f->m) > MEETING_ACTIONS_MAX - MEETING_OP_RESERVE);
    uint32_t pid;
    assert_int_equal(try_join(f, "Blocked", ROLE_CASEWORKER, true, false, &pid), ERR_AGAIN);
    meeting_disconnected(f->m, f->now, a); /* facts still apply */
    assert_memory_not_equal(&before, &f->m->core, sizeof before);
    /* Destroying with the queue full frees it all (LSan checks). */
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        json_decref(msgs[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_config),
        cmocka_unit_test_setup_teardown(test_host_joins_straight_in, setup, teardown),
        cmocka_unit_test_setup_teardown(test_guest_waits_in_lobby, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lobby_visible_to_hosts_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_host_joining_later_sees_lobby, setup, teardown),
        cmocka_unit_test_setup_teardown(test_admit_flow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deny_flow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_target_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roster_fields_and_roles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chat_to_all, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chat_history_for_late_joiners, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chat_bad_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_state_in_lobby, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hand_and_media_flags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_non_host_actions_not_permitted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_type_and_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_display_name_validation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flood_of_bad_messages, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
