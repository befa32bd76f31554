/* Tests for signaling/meeting*.c: bounded action queue, poll order, the
 * participant limit and atomicity under out-of-memory. Harness in
 * meeting_harness.h. */
#include "meeting_harness.h"

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
        cmocka_unit_test_setup_teardown(test_queue_bound_and_poll_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partial_polls_keep_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_facts_past_the_queue_limit, setup_big, teardown),
        cmocka_unit_test(test_out_of_memory_is_atomic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
