/* Test harness for signaling/meeting*.c: a meeting on a fake clock fed
 * parsed messages, capture of the actions it queues and helpers that look
 * into them. Shared by test_meeting.c (joining, lobby, admission, chat,
 * roster, validation), test_meeting_host.c (host actions, leaving, audit),
 * test_meeting_resume.c (disconnect, resume, timeouts) and
 * test_meeting_limits.c (queue bounds, out of memory). */
#ifndef SAMTALE_TESTS_MEETING_HARNESS_H
#define SAMTALE_TESTS_MEETING_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/err.h"
#include "base/log.h"
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

static __attribute__((unused)) void acts_clear(void)
{
    for (size_t i = 0; i < n_acts; i++)
        json_decref(acts[i].msg);
    n_acts = 0;
}

static __attribute__((unused)) size_t drain(struct meeting *m)
{
    acts_clear();
    while (n_acts < ACTS_MAX && meeting_poll(m, &acts[n_acts]))
        n_acts++;
    return n_acts;
}

static __attribute__((unused)) int setup_cfg(void **state, unsigned max, int64_t window)
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

static __attribute__((unused)) int setup(void **state)
{
    return setup_cfg(state, 8, WINDOW);
}

static __attribute__((unused)) int teardown(void **state)
{
    struct fx *f = *state;
    acts_clear();
    meeting_destroy(f->m);
    free(f);
    return 0;
}

static __attribute__((unused)) const char *str_of(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static __attribute__((unused)) long long int_of(const json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

static __attribute__((unused)) bool bool_of(const json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    assert_true(json_is_boolean(v));
    return json_is_true(v);
}

/* The nth (0-based) message of `type` sent to pid in the last step (pid 0: anyone). */
static __attribute__((unused)) const json_t *sent_nth(uint32_t pid, const char *type, size_t nth)
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

static __attribute__((unused)) const json_t *sent(uint32_t pid, const char *type)
{
    return sent_nth(pid, type, 0);
}

static __attribute__((unused)) size_t count_sent(uint32_t pid, const char *type)
{
    size_t n = 0;
    while (sent_nth(pid, type, n))
        n++;
    return n;
}

static __attribute__((unused)) const json_t *last_sent(uint32_t pid, const char *type)
{
    size_t n = count_sent(pid, type);
    return n ? sent_nth(pid, type, n - 1) : NULL;
}

static __attribute__((unused)) size_t count_kind(enum meeting_action_kind kind)
{
    size_t n = 0;
    for (size_t i = 0; i < n_acts; i++)
        n += acts[i].kind == kind;
    return n;
}

static __attribute__((unused)) size_t sends_to(uint32_t pid)
{
    size_t n = 0;
    for (size_t i = 0; i < n_acts; i++)
        n += acts[i].kind == MEETING_ACT_SEND && acts[i].pid == pid;
    return n;
}

static __attribute__((unused)) bool closed(uint32_t pid)
{
    for (size_t i = 0; i < n_acts; i++) {
        if (acts[i].kind == MEETING_ACT_CLOSE && acts[i].pid == pid)
            return true;
    }
    return false;
}

static __attribute__((unused)) const struct store_audit_event *audit_nth(size_t nth)
{
    for (size_t i = 0; i < n_acts; i++) {
        if (acts[i].kind == MEETING_ACT_AUDIT && nth-- == 0)
            return &acts[i].audit;
    }
    return NULL;
}

static __attribute__((unused)) void expect_audit(size_t nth, const char *kind, const char *name,
                                                 const char *detail)
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
static __attribute__((unused)) const json_t *entry(const json_t *roster, uint32_t pid)
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

static __attribute__((unused)) size_t roster_len(const json_t *roster)
{
    return json_array_size(json_object_get(roster, "participants"));
}

static __attribute__((unused)) int try_join(struct fx *f, const char *name, enum role role,
                                            bool host, bool auto_admit, uint32_t *pid)
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

static __attribute__((unused)) uint32_t join(struct fx *f, const char *name, enum role role,
                                             bool host, bool auto_admit)
{
    uint32_t pid = 0;
    assert_int_equal(try_join(f, name, role, host, auto_admit, &pid), 0);
    assert_true(pid > 0);
    return pid;
}

static __attribute__((unused)) uint32_t join_host(struct fx *f, const char *name)
{
    return join(f, name, ROLE_CASEWORKER, true, false);
}

static __attribute__((unused)) uint32_t join_guest(struct fx *f, const char *name)
{
    return join(f, name, ROLE_CITIZEN, false, false);
}

static __attribute__((unused)) int input(struct fx *f, uint32_t pid, const char *text)
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
static __attribute__((unused)) int input_with(struct fx *f, uint32_t pid, const char *tmpl,
                                              unsigned arg)
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
static __attribute__((unused)) void expect_error(uint32_t pid, const char *code, const char *ref)
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

static __attribute__((unused)) uint32_t admit(struct fx *f, uint32_t host, uint32_t pid)
{
    assert_int_equal(input_with(f, host, "{\"type\":\"admit\",\"participant_id\":@}", pid), 0);
    return pid;
}

static __attribute__((unused)) int resume(struct fx *f, uint32_t pid, uint32_t *out)
{
    int rc = meeting_resume(f->m, f->now, tokens[pid], out);
    drain(f->m);
    return rc;
}

/* ---- tests ---- */

#endif
