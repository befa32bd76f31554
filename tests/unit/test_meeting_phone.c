/* Tests for phone participants in the meeting model: the roster's "phone"
 * marker and masked number, the audit log's "phone", and host controls
 * working on them like on anyone. Harness in meeting_harness.h. */
#include "meeting_harness.h"

#define B "\xe2\x80\xa2"

static uint32_t join_phone(struct fx *f, const char *masked, const char *secret)
{
    struct meeting_join req = {.role = ROLE_INTERPRETER,
                               .invitation_id = 11,
                               .display_name = "Tolk (telefon)",
                               .resume_secret = secret,
                               .phone = true,
                               .phone_masked = masked};
    uint32_t pid = 0;
    assert_int_equal(meeting_join(f->m, f->now, &req, &pid), 0);
    return pid;
}

static void test_roster_marks_phone(void **state)
{
    struct fx *f = *state;
    uint32_t h = join_host(f, "Host");
    uint32_t g = join(f, "Guest", ROLE_CITIZEN, false, true);
    uint32_t p = join_phone(f, "+45 " B B " " B B " 12 34", "secret-phone-1");
    drain(f->m);
    expect_audit(0, "join", "Tolk (telefon)", "lobby; phone");
    const json_t *e = entry(last_sent(h, "roster"), p);
    assert_non_null(e);
    assert_true(bool_of(e, "phone"));
    assert_string_equal(str_of(e, "number"), "+45 " B B " " B B " 12 34");
    assert_string_equal(str_of(e, "state"), "lobby");
    /* Browser participants carry neither field. */
    e = entry(last_sent(h, "roster"), g);
    assert_null(json_object_get(e, "phone"));
    assert_null(json_object_get(e, "number"));

    /* Admitted like any guest; everyone sees the marker; the host mutes and
     * removes it like anyone. */
    admit(f, h, p);
    expect_audit(0, "admit", "Tolk (telefon)", "by Host; phone");
    e = entry(last_sent(g, "roster"), p);
    assert_non_null(e);
    assert_true(bool_of(e, "phone"));
    assert_int_equal(
        input_with(f, h, "{\"type\":\"mute_request\",\"participant_id\":@,\"kind\":\"mic\"}", p),
        0);
    assert_non_null(sent(p, "mute_request"));
    assert_int_equal(input_with(f, h, "{\"type\":\"remove\",\"participant_id\":@}", p), 0);
    assert_true(closed(p));
}

/* Unknown or odd masked numbers are shown as null, never passed on. */
static void test_unknown_or_odd_number(void **state)
{
    struct fx *f = *state;
    uint32_t h = join_host(f, "Host");
    uint32_t a = join_phone(f, NULL, "secret-phone-a");
    uint32_t b = join_phone(f, "", "secret-phone-b");
    uint32_t c = join_phone(f, "+4512345678<script>", "secret-phone-c");
    uint32_t d = join_phone(f, "+45 \xe2\x80", "secret-phone-d"); /* a cut bullet */
    drain(f->m);
    assert_int_equal(input(f, h, "{\"type\":\"lock\",\"locked\":true}"), 0); /* sends the roster */
    const json_t *r = last_sent(h, "roster");
    uint32_t ids[] = {a, b, c, d};
    for (size_t i = 0; i < 4; i++) {
        const json_t *e = entry(r, ids[i]);
        assert_non_null(e);
        assert_true(bool_of(e, "phone"));
        assert_true(json_is_null(json_object_get(e, "number")));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_roster_marks_phone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_or_odd_number, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
