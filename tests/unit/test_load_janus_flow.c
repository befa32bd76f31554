/* Tests for tests/load/janus_flow.c: one participant's Janus VideoRoom
 * signaling, driven with answers shaped as Janus 1.1.2 sends them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "tests/load/janus_flow.h"

#define VR "\"plugindata\":{\"plugin\":\"janus.plugin.videoroom\",\"data\":"

static char buf[4096];

static const char *msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *msg(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return buf;
}

/* The next action must be `what`; returns it. */
static struct janus_act expect_at(struct janus_flow *f, enum janus_do what, int line)
{
    struct janus_act a;
    janus_flow_poll(f, &a);
    if (a.what != what)
        fail_msg("line %d: expected action %d, got %d (%s)", line, (int)what, (int)a.what,
                 a.reason ? a.reason : "");
    return a;
}
#define expect(f, what) expect_at(f, what, __LINE__)

static int post_answer(struct janus_flow *f, unsigned status, const char *body)
{
    return janus_flow_posted(f, status, body, strlen(body));
}

static int poll_answer(struct janus_flow *f, const char *body)
{
    return janus_flow_events(f, 200, body, strlen(body));
}

static void posted(struct janus_flow *f, const char *body)
{
    assert_int_equal(janus_flow_posted(f, 200, body, strlen(body)), 0);
}

static void events(struct janus_flow *f, const char *body)
{
    assert_int_equal(janus_flow_events(f, 200, body, strlen(body)), 0);
}

/* From nothing to a published, joined participant with feed 555. */
static void publish(struct janus_flow *f, bool creates_room)
{
    const struct janus_flow_cfg cfg = {.room = 42,
                                       .creates_room = creates_room,
                                       .room_size = 3,
                                       .display = "p1",
                                       .participant = 1};
    struct janus_act a;

    janus_flow_init(f, &cfg);
    a = expect(f, JANUS_DO_POST);
    assert_string_equal(a.path, "/janus");
    assert_non_null(strstr(a.body, "\"create\""));
    expect(f, JANUS_DO_NOTHING); /* no session yet: nothing to poll */
    posted(f, "{\"janus\":\"success\",\"transaction\":\"p1-1\",\"data\":{\"id\":100}}");
    a = expect(f, JANUS_DO_POST);
    assert_string_equal(a.path, "/janus/100");
    assert_non_null(strstr(a.body, "janus.plugin.videoroom"));
    a = expect(f, JANUS_DO_LONG_POLL);
    assert_string_equal(a.path, "/janus/100?maxev=8");
    posted(f, "{\"janus\":\"success\",\"session_id\":100,\"transaction\":\"p1-2\",\"data\":{\"id\":"
              "200}}");
    unsigned t = 3;
    if (creates_room) {
        a = expect(f, JANUS_DO_POST);
        assert_string_equal(a.path, "/janus/100/200");
        assert_non_null(strstr(a.body, "\"create\""));
        posted(f, msg("{\"janus\":\"success\",\"transaction\":\"p1-%u\",\"sender\":200," VR
                      "{\"videoroom\":\"created\",\"room\":42}}}",
                      t++));
    }
    a = expect(f, JANUS_DO_POST);
    assert_non_null(strstr(a.body, "\"publisher\""));
    /* Janus's event may come before its ack: both orders work */
    events(
        f,
        msg("[{\"janus\":\"event\",\"session_id\":100,\"transaction\":\"p1-%u\",\"sender\":200," VR
            "{\"videoroom\":\"joined\",\"room\":42,\"id\":555,\"publishers\":[]}}}]",
            t));
    posted(f, msg("{\"janus\":\"ack\",\"session_id\":100,\"transaction\":\"p1-%u\"}", t++));
    assert_int_equal(janus_flow_feed(f), 555);
    expect(f, JANUS_DO_OFFER);
    assert_int_equal(janus_flow_offer(f, "v=0 our offer"), 0);
    a = expect(f, JANUS_DO_POST);
    assert_non_null(strstr(a.body, "v=0 our offer"));
    assert_non_null(strstr(a.body, "\"publish\""));
    a = expect(f, JANUS_DO_LONG_POLL);
    posted(f, msg("{\"janus\":\"ack\",\"session_id\":100,\"transaction\":\"p1-%u\"}", t));
    events(f, "{\"janus\":\"keepalive\"}"); /* a long poll that timed out */
    expect(f, JANUS_DO_LONG_POLL);
    events(
        f,
        msg("[{\"janus\":\"event\",\"session_id\":100,\"sender\":999," VR
            "{\"videoroom\":\"event\",\"room\":42,\"publishers\":[{\"id\":777}]}}},"
            "{\"janus\":\"event\",\"session_id\":100,\"transaction\":\"p1-%u\",\"sender\":200," VR
            "{\"videoroom\":\"event\",\"configured\":\"ok\"}},\"jsep\":{\"type\":\"answer\","
            "\"sdp\":\"v=0 their answer\"}}]",
            t));
    a = expect(f, JANUS_GOT_ANSWER);
    assert_string_equal(a.sdp, "v=0 their answer");
}

static void whole_flow(void **state)
{
    struct janus_flow f;
    struct janus_act a;
    const uint64_t feeds[] = {777, 778};
    (void)state;

    publish(&f, true);
    expect(&f, JANUS_DO_LONG_POLL);
    expect(&f, JANUS_DO_NOTHING); /* published; nobody to subscribe to yet */
    /* Janus has the publisher up: others' webrtcup and media are not ours */
    assert_false(janus_flow_pub_up(&f));
    events(&f, "[{\"janus\":\"webrtcup\",\"session_id\":100,\"sender\":999},"
               "{\"janus\":\"media\",\"session_id\":100,\"sender\":200,\"type\":\"audio\","
               "\"receiving\":true}]");
    assert_false(janus_flow_pub_up(&f));
    expect(&f, JANUS_DO_LONG_POLL);
    events(&f, "[{\"janus\":\"webrtcup\",\"session_id\":100,\"sender\":200}]");
    assert_true(janus_flow_pub_up(&f));
    expect(&f, JANUS_DO_LONG_POLL);
    assert_int_equal(janus_flow_subscribe(&f, feeds, 2), 0);
    a = expect(&f, JANUS_DO_POST);
    assert_string_equal(a.path, "/janus/100");
    posted(&f, "{\"janus\":\"success\",\"session_id\":100,\"transaction\":\"p1-6\",\"data\":{"
               "\"id\":300}}");
    a = expect(&f, JANUS_DO_POST);
    assert_string_equal(a.path, "/janus/100/300");
    assert_non_null(strstr(a.body, "\"subscriber\""));
    assert_non_null(strstr(a.body, "778"));
    posted(&f, "{\"janus\":\"ack\",\"session_id\":100,\"transaction\":\"p1-7\"}");
    events(&f,
           "[{\"janus\":\"event\",\"session_id\":100,\"transaction\":\"p1-7\",\"sender\":300," VR
           "{\"videoroom\":\"attached\",\"room\":42,\"streams\":[]}},\"jsep\":{\"type\":\"offer\","
           "\"sdp\":\"v=0 sub offer\"}}]");
    a = expect(&f, JANUS_DO_ANSWER);
    assert_string_equal(a.sdp, "v=0 sub offer");
    assert_int_equal(janus_flow_answer(&f, "v=0 sub answer"), 0);
    a = expect(&f, JANUS_DO_POST);
    assert_non_null(strstr(a.body, "\"start\""));
    assert_non_null(strstr(a.body, "v=0 sub answer"));
    posted(&f, "{\"janus\":\"ack\",\"session_id\":100,\"transaction\":\"p1-8\"}");
    expect(&f, JANUS_DO_LONG_POLL);
    events(&f, "[{\"janus\":\"webrtcup\",\"session_id\":100,\"sender\":300},{\"janus\":\"event\","
               "\"session_id\":100,"
               "\"transaction\":\"p1-8\",\"sender\":300," VR
               "{\"videoroom\":\"event\",\"started\":\"ok\"}}}]");
    expect(&f, JANUS_UP);
    expect(&f, JANUS_DO_LONG_POLL);
    expect(&f, JANUS_DO_NOTHING);
    janus_flow_free(&f);
}

/* Each way it can go wrong ends in JANUS_FAILED with a reason. */
static void failures(void **state)
{
    struct janus_flow f;
    struct janus_act a;
    (void)state;

    /* the room cannot be made */
    const struct janus_flow_cfg cfg = {
        .room = 42, .creates_room = true, .room_size = 3, .participant = 2};
    janus_flow_init(&f, &cfg);
    expect(&f, JANUS_DO_POST);
    posted(&f, "{\"janus\":\"success\",\"transaction\":\"p2-1\",\"data\":{\"id\":100}}");
    expect(&f, JANUS_DO_POST);
    posted(&f, "{\"janus\":\"success\",\"transaction\":\"p2-2\",\"data\":{\"id\":200}}");
    expect(&f, JANUS_DO_POST);
    const char *refused =
        "{\"janus\":\"success\",\"transaction\":\"p2-3\"," VR
        "{\"videoroom\":\"event\",\"error_code\":427,\"error\":\"Room 42 already exists\"}}}";
    assert_true(post_answer(&f, 200, refused) < 0);
    a = expect(&f, JANUS_FAILED);
    assert_non_null(strstr(a.reason, "427 Room 42 already exists"));
    janus_flow_free(&f);

    /* HTTP errors, Janus's own errors, a hangup of our peer connection,
     * unreadable answers, and answers nobody asked for */
    publish(&f, false);
    assert_true(poll_answer(&f, "[{\"janus\":\"hangup\",\"session_id\":100,\"sender\":200}]") < 0);
    expect(&f, JANUS_FAILED);
    janus_flow_free(&f);

    janus_flow_init(&f, &cfg);
    expect(&f, JANUS_DO_POST);
    assert_true(post_answer(&f, 500, "") < 0);
    a = expect(&f, JANUS_FAILED);
    assert_non_null(strstr(a.reason, "HTTP 500"));
    janus_flow_free(&f);

    janus_flow_init(&f, &cfg);
    expect(&f, JANUS_DO_POST);
    assert_true(post_answer(&f, 200,
                            "{\"janus\":\"error\",\"transaction\":\"p2-1\",\"error\":{\"code\":403,"
                            "\"reason\":\"Unauthorized\"}}") < 0);
    a = expect(&f, JANUS_FAILED);
    assert_non_null(strstr(a.reason, "403"));
    janus_flow_free(&f);

    janus_flow_init(&f, &cfg);
    expect(&f, JANUS_DO_POST);
    assert_true(post_answer(&f, 200, "{{") < 0);
    expect(&f, JANUS_FAILED);
    janus_flow_free(&f);

    janus_flow_init(&f, &cfg);
    assert_true(poll_answer(&f, "[]") < 0); /* no long poll was asked for */
    expect(&f, JANUS_FAILED);
    janus_flow_free(&f);

    /* out of order calls from the caller */
    janus_flow_init(&f, &cfg);
    assert_true(janus_flow_offer(&f, "v=0") < 0);
    expect(&f, JANUS_FAILED);
    janus_flow_free(&f);

    const struct janus_flow_cfg bad = {.room = 0, .room_size = 3};
    janus_flow_init(&f, &bad);
    expect(&f, JANUS_FAILED);
    janus_flow_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(whole_flow),
        cmocka_unit_test(failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
