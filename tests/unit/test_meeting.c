/* Tests for signaling/meeting*.c: the meeting state machine, driven with a
 * fake clock and parsed messages, checking the actions it queues. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "server/err.h"
#include "server/log.h"
#include "signaling/meeting.h"
#include "signaling/meeting_int.h" /* only to check that refused operations change nothing */

#define T0 1700000000000LL
#define WINDOW 60000

/* ---- harness ---- */

/* The actions of the last step (drained after every call). Static: large. */
#define ACTS_MAX (MEETING_ACTIONS_MAX + 1024)
static struct meeting_action acts[ACTS_MAX];
static size_t n_acts;

static char tokens[1024][MEETING_RESUME_SECRET_MAX + 1]; /* resume token by pid */
static unsigned secret_counter;

struct fx {
    struct meeting *m;
    int64_t now;
};

static void acts_clear(void)
{
    for (size_t i = 0; i < n_acts; i++)
        json_decref(acts[i].msg);
    n_acts = 0;
}

static size_t drain(struct meeting *m)
{
    acts_clear();
    while (n_acts < ACTS_MAX && meeting_poll(m, &acts[n_acts]))
        n_acts++;
    return n_acts;
}

static int setup_cfg(void **state, unsigned max, int64_t window)
{
    struct fx *f = calloc(1, sizeof *f);
    struct meeting_cfg cfg = {
        .id = 42, .title = "Samtale om job", .max_participants = max, .resume_window_ms = window};
    if (!f || meeting_create(&f->m, &cfg) != 0)
        return -1;
    f->now = T0;
    memset(tokens, 0, sizeof tokens);
    *state = f;
    return 0;
}

static int setup(void **state)
{
    return setup_cfg(state, 8, WINDOW);
}

static int teardown(void **state)
{
    struct fx *f = *state;
    acts_clear();
    meeting_destroy(f->m);
    free(f);
    return 0;
}

static const char *str_of(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static long long int_of(const json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

static bool bool_of(const json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    assert_true(json_is_boolean(v));
    return json_is_true(v);
}

/* The nth (0-based) message of `type` sent to pid in the last step (pid 0: anyone). */
static const json_t *sent_nth(uint32_t pid, const char *type, size_t nth)
{
    for (size_t i = 0; i < n_acts; i++) {
        if (acts[i].kind != MEETING_ACT_SEND || (pid && acts[i].pid != pid))
            continue;
        const char *t = str_of(acts[i].msg, "type");
        if (t && strcmp(t, type) == 0 && nth-- == 0)
            return acts[i].msg;
    }
    return NULL;
}

static const json_t *sent(uint32_t pid, const char *type)
{
    return sent_nth(pid, type, 0);
}

static size_t count_sent(uint32_t pid, const char *type)
{
    size_t n = 0;
    while (sent_nth(pid, type, n))
        n++;
    return n;
}

static const json_t *last_sent(uint32_t pid, const char *type)
{
    size_t n = count_sent(pid, type);
    return n ? sent_nth(pid, type, n - 1) : NULL;
}

static size_t count_kind(enum meeting_action_kind kind)
{
    size_t n = 0;
    for (size_t i = 0; i < n_acts; i++)
        n += acts[i].kind == kind;
    return n;
}

static size_t sends_to(uint32_t pid)
{
    size_t n = 0;
    for (size_t i = 0; i < n_acts; i++)
        n += acts[i].kind == MEETING_ACT_SEND && acts[i].pid == pid;
    return n;
}

static bool closed(uint32_t pid)
{
    for (size_t i = 0; i < n_acts; i++) {
        if (acts[i].kind == MEETING_ACT_CLOSE && acts[i].pid == pid)
            return true;
    }
    return false;
}

static const struct store_audit_event *audit_nth(size_t nth)
{
    for (size_t i = 0; i < n_acts; i++) {
        if (acts[i].kind == MEETING_ACT_AUDIT && nth-- == 0)
            return &acts[i].audit;
    }
    return NULL;
}

static void expect_audit(size_t nth, const char *kind, const char *name, const char *detail)
{
    const struct store_audit_event *a = audit_nth(nth);
    assert_non_null(a);
    assert_int_equal(a->meeting_id, 42);
    assert_string_equal(a->kind, kind);
    if (name) {
        assert_true(a->has_role);
        assert_string_equal(a->display_name, name);
    } else {
        assert_false(a->has_role);
    }
    assert_string_equal(a->detail, detail);
}

/* The roster entry for pid in a roster message, or NULL if not listed. */
static const json_t *entry(const json_t *roster, uint32_t pid)
{
    const json_t *list = json_object_get(roster, "participants");
    size_t i;
    json_t *e;
    assert_true(json_is_array(list));
    json_array_foreach(list, i, e)
    {
        if (int_of(e, "id") == pid)
            return e;
    }
    return NULL;
}

static size_t roster_len(const json_t *roster)
{
    return json_array_size(json_object_get(roster, "participants"));
}

static int try_join(struct fx *f, const char *name, enum role role, bool host, bool auto_admit,
                    uint32_t *pid)
{
    char secret[32];
    snprintf(secret, sizeof secret, "secret-%u", ++secret_counter);
    struct meeting_join req = {.role = role,
                               .is_host = host,
                               .auto_admit = auto_admit,
                               .invitation_id = 7,
                               .display_name = name,
                               .resume_secret = secret};
    int rc = meeting_join(f->m, f->now, &req, pid);
    drain(f->m);
    if (rc == 0) {
        const json_t *j = sent(*pid, "joined");
        assert_non_null(j);
        assert_true(*pid < sizeof tokens / sizeof tokens[0]);
        snprintf(tokens[*pid], sizeof tokens[0], "%s", str_of(j, "resume_token"));
    }
    return rc;
}

static uint32_t join(struct fx *f, const char *name, enum role role, bool host, bool auto_admit)
{
    uint32_t pid = 0;
    assert_int_equal(try_join(f, name, role, host, auto_admit, &pid), 0);
    assert_true(pid > 0);
    return pid;
}

static uint32_t join_host(struct fx *f, const char *name)
{
    return join(f, name, ROLE_CASEWORKER, true, false);
}

static uint32_t join_guest(struct fx *f, const char *name)
{
    return join(f, name, ROLE_CITIZEN, false, false);
}

static int input(struct fx *f, uint32_t pid, const char *text)
{
    json_error_t jerr;
    json_t *msg = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    assert_non_null(msg);
    int rc = meeting_input(f->m, f->now, pid, msg);
    json_decref(msg);
    drain(f->m);
    return rc;
}

/* input() of tmpl with every '@' replaced by the number arg. */
static int input_with(struct fx *f, uint32_t pid, const char *tmpl, unsigned arg)
{
    char buf[512], num[16];
    size_t o = 0;
    int nl = snprintf(num, sizeof num, "%u", arg);
    assert_true(nl > 0);
    for (const char *c = tmpl; *c; c++) {
        assert_true(o + sizeof num < sizeof buf);
        if (*c == '@') {
            memcpy(buf + o, num, (size_t)nl);
            o += (size_t)nl;
        } else {
            buf[o++] = *c;
        }
    }
    buf[o] = '\0';
    return input(f, pid, buf);
}

/* Exactly one message went out: an error with `code` to pid, ref `ref`. */
static void expect_error(uint32_t pid, const char *code, const char *ref)
{
    const json_t *e = sent(pid, "error");
    assert_non_null(e);
    assert_string_equal(str_of(e, "code"), code);
    assert_non_null(str_of(e, "message"));
    if (ref)
        assert_string_equal(str_of(e, "ref"), ref);
    else
        assert_null(json_object_get(e, "ref"));
    assert_int_equal(n_acts, 1);
}

static uint32_t admit(struct fx *f, uint32_t host, uint32_t pid)
{
    assert_int_equal(input_with(f, host, "{\"type\":\"admit\",\"participant_id\":@}", pid), 0);
    return pid;
}

static int resume(struct fx *f, uint32_t pid, uint32_t *out)
{
    int rc = meeting_resume(f->m, f->now, tokens[pid], out);
    drain(f->m);
    return rc;
}

/* ---- tests ---- */

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

static void test_lock(void **state)
{
    struct fx *f = *state;
    uint32_t pid, h = join_host(f, "Host");
    uint32_t a = join(f, "Ali", ROLE_CITIZEN, false, true);
    assert_int_equal(input(f, h, "{\"type\":\"lock\",\"locked\":true}"), 0);
    assert_true(bool_of(json_object_get(sent(a, "roster"), "meeting"), "locked"));
    assert_true(bool_of(json_object_get(sent(h, "roster"), "meeting"), "locked"));
    expect_audit(0, "lock", "Host", "");
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

static void test_queue_bound_and_poll_order(void **state)
{
    struct fx *f = *state;
    uint32_t h = join_host(f, "Host");
    for (int i = 0; i < 7; i++)
        join(f, "Guest", ROLE_CITIZEN, false, true);
    /* Chats to 8 participants without draining: the queue stays bounded. */
    int rc = 0;
    size_t ok = 0;
    json_t *msg = json_loads("{\"type\":\"chat\",\"text\":\"spam\"}", 0, NULL);
    assert_non_null(msg);
    for (int i = 0; i < 2000 && rc == 0; i++) {
        rc = meeting_input(f->m, f->now, h, msg);
        ok += rc == 0;
    }
    json_decref(msg);
    assert_int_equal(rc, ERR_AGAIN);
    assert_true(meeting_queued(f->m) <= MEETING_ACTIONS_MAX);
    /* Polled in order: chat ids never go backwards. */
    drain(f->m);
    assert_int_equal(n_acts, ok * 8);
    long long last = 0;
    for (size_t i = 0; i < n_acts; i++) {
        long long id = int_of(acts[i].msg, "id");
        assert_true(id >= last);
        last = id;
    }
    assert_int_equal(last, (long long)ok);
    /* The rest of the meeting works again. */
    assert_int_equal(input(f, h, "{\"type\":\"chat\",\"text\":\"ok\"}"), 0);
}

static void test_partial_polls_keep_order(void **state)
{
    struct fx *f = *state;
    uint32_t h = join_host(f, "Host");
    join(f, "Ali", ROLE_CITIZEN, false, true);
    json_t *msg = json_loads("{\"type\":\"chat\",\"text\":\"x\"}", 0, NULL);
    assert_non_null(msg);
    /* Take one action, queue two: the queue moves its live part down and grows. */
    long long next_id = 1, sent_chats = 0;
    for (int round = 0; round < 3000; round++) {
        struct meeting_action a;
        if (meeting_input(f->m, f->now, h, msg) == 0)
            sent_chats++;
        if (meeting_poll(f->m, &a)) {
            assert_int_equal(a.kind, MEETING_ACT_SEND);
            /* two copies per chat id, in order */
            long long id = int_of(a.msg, "id");
            assert_true(id == next_id || id == next_id + 1);
            next_id = id;
            json_decref(a.msg);
        }
    }
    json_decref(msg);
    assert_true(meeting_queued(f->m) <= MEETING_ACTIONS_MAX);
    drain(f->m);
    assert_int_equal(int_of(acts[n_acts - 1].msg, "id"), sent_chats);
}

static void test_facts_past_the_queue_limit(void **state)
{
    struct fx *f = *state;
    uint32_t pid, ids[MEETING_PARTICIPANTS_LIMIT];
    ids[0] = join_host(f, "Host");
    for (size_t i = 1; i < MEETING_PARTICIPANTS_LIMIT; i++)
        ids[i] = join(f, "Guest", ROLE_CITIZEN, false, true);
    assert_int_equal(try_join(f, "Full", ROLE_CITIZEN, false, true, &pid), ERR_FULL);
    /* Fill the queue with errors up to where input is refused. */
    json_t *bad = json_loads("{\"type\":\"?\"}", 0, NULL);
    while (meeting_input(f->m, f->now, ids[1], bad) != ERR_AGAIN)
        ;
    json_decref(bad);
    /* Connections still drop: rosters past the limit are dropped... */
    for (size_t i = 0; i < MEETING_PARTICIPANTS_LIMIT; i++)
        meeting_disconnected(f->m, f->now, ids[i]);
    assert_int_equal(meeting_queued(f->m), MEETING_ACTIONS_MAX);
    /* ...but closes and audits never are. */
    meeting_timeout(f->m, f->now + WINDOW);
    assert_true(meeting_is_empty(f->m));
    drain(f->m);
    assert_int_equal(count_kind(MEETING_ACT_CLOSE), MEETING_PARTICIPANTS_LIMIT);
    assert_int_equal(count_kind(MEETING_ACT_AUDIT), MEETING_PARTICIPANTS_LIMIT);
    meeting_end(f->m, f->now, "shutdown");
    drain(f->m);
    assert_int_equal(count_kind(MEETING_ACT_ENDED), 1);
}

static int setup_big(void **state)
{
    return setup_cfg(state, MEETING_PARTICIPANTS_LIMIT, WINDOW);
}

/* ---- out of memory: a refused operation changes nothing and leaks nothing ---- */

static long fail_countdown = -1; /* allocations left before one fails; -1 never */
static bool fail_hit;

static void *failing_malloc(size_t n)
{
    if (fail_countdown == 0) {
        fail_countdown = -1;
        fail_hit = true;
        return NULL;
    }
    if (fail_countdown > 0)
        fail_countdown--;
    return malloc(n);
}

static void build_scene(struct fx *f, uint32_t ids[4])
{
    ids[0] = join_host(f, "Host");
    ids[1] = join(f, "Ali", ROLE_CITIZEN, false, true);
    ids[2] = join_guest(f, "Lobby");
    ids[3] = join(f, "Away", ROLE_AKASSE, false, true);
    assert_int_equal(input(f, ids[1], "{\"type\":\"chat\",\"text\":\"history\"}"), 0);
    meeting_disconnected(f->m, f->now, ids[3]);
    drain(f->m);
}

static void test_out_of_memory_is_atomic(void **state)
{
    (void)state;
    static const char *const ops[] = {
        "{\"type\":\"chat\",\"text\":\"hi\"}",
        "{\"type\":\"hand\",\"raised\":true}",
        "{\"type\":\"media_state\",\"mic\":true}",
        "{\"type\":\"admit\",\"participant_id\":3}",
        "{\"type\":\"deny\",\"participant_id\":3}",
        "{\"type\":\"remove\",\"participant_id\":2}",
        "{\"type\":\"lock\",\"locked\":true}",
        "{\"type\":\"end\"}",
        "{\"type\":\"leave\"}",
        "JOIN",
        "RESUME",
        "{\"type\":\"nope\"}",
    };
    json_set_alloc_funcs(failing_malloc, free);
    for (size_t op = 0; op < sizeof ops / sizeof ops[0]; op++) {
        for (long k = 0;; k++) {
            void *st;
            assert_int_equal(setup(&st), 0);
            struct fx *f = st;
            uint32_t ids[4], pid;
            build_scene(f, ids);
            json_t *msg = ops[op][0] == '{' ? json_loads(ops[op], 0, NULL) : NULL;
            struct meeting_core before = f->m->core;
            size_t hist = f->m->hist_len;
            struct meeting_join req = {.role = ROLE_CITIZEN,
                                       .auto_admit = true,
                                       .display_name = "New",
                                       .resume_secret = "fresh-secret"};
            int rc;
            fail_hit = false;
            fail_countdown = k;
            if (msg)
                rc = meeting_input(f->m, f->now, ids[0], msg);
            else if (strcmp(ops[op], "JOIN") == 0)
                rc = meeting_join(f->m, f->now, &req, &pid);
            else
                rc = meeting_resume(f->m, f->now, tokens[ids[3]], &pid);
            fail_countdown = -1;
            json_decref(msg);
            if (rc == ERR_NOMEM) {
                assert_true(fail_hit);
                assert_memory_equal(&before, &f->m->core, sizeof before);
                assert_int_equal(f->m->hist_len, hist);
                assert_int_equal(meeting_queued(f->m), 0);
            } else if (fail_hit) {
                /* A failed error reply is dropped; the rest must be consistent. */
                assert_true(rc <= 0);
            }
            drain(f->m);
            teardown(&st);
            if (!fail_hit)
                break;
            assert_true(k < 10000);
        }
    }
    json_set_alloc_funcs(malloc, free);
}

int main(void)
{
    log_set_level(LOG_LEVEL_ERROR); /* the out-of-memory test warns a lot */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_config),
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
        T(test_host_joins_straight_in),
        T(test_guest_waits_in_lobby),
        T(test_lobby_visible_to_hosts_only),
        T(test_host_joining_later_sees_lobby),
        T(test_admit_flow),
        T(test_deny_flow),
        T(test_target_errors),
        T(test_roster_fields_and_roles),
        T(test_chat_to_all),
        T(test_chat_history_for_late_joiners),
        T(test_chat_bad_fields),
        T(test_wrong_state_in_lobby),
        T(test_hand_and_media_flags),
        T(test_non_host_actions_not_permitted),
        T(test_unknown_type_and_malformed),
        T(test_mute_request),
        T(test_cap_full),
        T(test_lock),
        T(test_screen_share_permission),
        T(test_remove),
        T(test_end_by_host),
        T(test_meeting_end_external),
        T(test_disconnect_resume_within_window),
        T(test_resume_after_window),
        T(test_lobby_disconnect_and_resume),
        T(test_timeout_and_deadline),
        T(test_audit_order),
        T(test_display_name_validation),
        T(test_flood_of_bad_messages),
        T(test_leave_and_last_host),
        T(test_resume_takeover),
        T(test_admit_disconnected_lobby_seat),
        T(test_resume_secret_rules),
        T(test_queue_bound_and_poll_order),
        T(test_partial_polls_keep_order),
        cmocka_unit_test_setup_teardown(test_facts_past_the_queue_limit, setup_big, teardown),
        cmocka_unit_test(test_out_of_memory_is_atomic),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
