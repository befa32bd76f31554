/* Tests for tests/load/janus_api.c: Janus API answers as Janus 1.1.2 sends
 * them (taken from a run of Debian's janus with tests/load/janus/), hostile
 * ones, and the requests the generator sends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "tests/load/janus_api.h"

#define P(s) s, sizeof(s) - 1

static void answers(void **state)
{
    struct janus_msg m[4];
    size_t dropped = 9;
    (void)state;

    assert_int_equal(
        janus_parse(
            P("{\"janus\":\"success\",\"transaction\":\"s0\",\"data\":{\"id\":6008730914849178}}"),
            m, 4, &dropped),
        1);
    assert_int_equal(dropped, 0);
    assert_int_equal(m[0].kind, JANUS_SUCCESS);
    assert_string_equal(m[0].transaction, "s0");
    assert_true(m[0].data_id == 6008730914849178ull);
    janus_msg_clear(&m[0]);

    assert_int_equal(
        janus_parse(P("{\"janus\":\"ack\",\"session_id\":2322255411228979,\"transaction\":\"j0\"}"),
                    m, 4, NULL),
        1);
    assert_int_equal(m[0].kind, JANUS_ACK);
    assert_true(m[0].session == 2322255411228979ull);
    janus_msg_clear(&m[0]);

    assert_int_equal(
        janus_parse(P("{\"janus\":\"error\",\"session_id\":6008730914849178,\"transaction\":\"st\","
                      "\"error\":{\"code\":469,\"reason\":\"Unexpected ANSWER (did we offer?)\"}}"),
                    m, 4, NULL),
        1);
    assert_int_equal(m[0].kind, JANUS_ERROR);
    assert_int_equal(m[0].error_code, 469);
    assert_string_equal(m[0].error, "Unexpected ANSWER (did we offer?)");
    janus_msg_clear(&m[0]);
}

static void long_poll_batch(void **state)
{
    static const char batch[] =
        "[{\"janus\":\"event\",\"session_id\":2322255411228979,\"transaction\":\"j0\",\"sender\":"
        "7737865275282860,"
        "\"plugindata\":{\"plugin\":\"janus.plugin.videoroom\",\"data\":{\"videoroom\":\"joined\","
        "\"room\":42,"
        "\"description\":\"Room "
        "42\",\"id\":5924138153338865,\"private_id\":1504407265,\"publishers\":"
        "[{\"id\":11,\"display\":\"a\"},{\"id\":12,\"display\":\"b\"}]}}},"
        "{\"janus\":\"event\",\"session_id\":2322255411228979,\"transaction\":\"o0\",\"sender\":"
        "7737865275282860,"
        "\"plugindata\":{\"plugin\":\"janus.plugin.videoroom\",\"data\":{\"videoroom\":\"event\","
        "\"room\":42,"
        "\"configured\":\"ok\",\"audio_codec\":\"opus\",\"streams\":[{\"type\":\"audio\","
        "\"mindex\":0,\"mid\":\"0\"}]}},"
        "\"jsep\":{\"type\":\"answer\",\"sdp\":\"v=0\\r\\ns=VideoRoom 42\\r\\n\"}},"
        "{\"janus\":\"event\",\"session_id\":6008730914849178,\"transaction\":\"sj\",\"sender\":"
        "3607815949069575,"
        "\"plugindata\":{\"plugin\":\"janus.plugin.videoroom\",\"data\":{\"videoroom\":\"event\","
        "\"error_code\":428,"
        "\"error\":\"No such feed (5924138153338865)\"}}},"
        "{\"janus\":\"event\",\"session_id\":6008730914849178,\"sender\":574310336144310,"
        "\"plugindata\":"
        "{\"plugin\":\"janus.plugin.videoroom\",\"data\":{\"videoroom\":\"event\",\"room\":42,"
        "\"unpublished\":5924138153338865}}},"
        "{\"janus\":\"webrtcup\",\"session_id\":1,\"sender\":2}]";
    struct janus_msg m[4];
    size_t dropped = 0;
    (void)state;

    assert_int_equal(janus_parse(P(batch), m, 4, &dropped), 4);
    assert_int_equal(dropped, 1); /* the fifth did not fit */
    assert_int_equal(m[0].vr, JANUS_VR_JOINED);
    assert_true(m[0].feed == 5924138153338865ull);
    assert_int_equal(m[0].room, 42);
    assert_int_equal(m[0].n_feeds, 2);
    assert_int_equal(m[0].feeds[1], 12);
    assert_null(m[0].jsep_sdp);
    assert_int_equal(m[1].vr, JANUS_VR_EVENT);
    assert_true(m[1].configured);
    assert_string_equal(m[1].jsep_type, "answer");
    assert_string_equal(m[1].jsep_sdp, "v=0\r\ns=VideoRoom 42\r\n");
    assert_int_equal(m[2].error_code, 428);
    assert_string_equal(m[2].error, "No such feed (5924138153338865)");
    assert_true(m[3].unpublished == 5924138153338865ull);
    assert_int_equal(m[3].transaction[0], '\0');
    for (size_t i = 0; i < 4; i++)
        janus_msg_clear(&m[i]);
}

static void hostile(void **state)
{
    static const char *const bad[] = {
        "",
        "[1]",
        "{\"janus\":5}",
        "{\"transaction\":\"x\"}",
        "{\"janus\":\"event\",\"plugindata\":{\"plugin\":\"janus.plugin.other\",\"data\":{}}}",
        ("{\"janus\":\"event\",\"plugindata\":{\"plugin\":\"janus.plugin.videoroom\",\"data\":{}},"
         "\"jsep\":{\"type\":\"pranswer\",\"sdp\":\"v=0\"}}"),
        "{\"janus\":\"event\",\"jsep\":{\"type\":\"offer\"}}",
        "{\"janus\":\"ack\",\"transaction\":\"0123456789012345678901234567890123456789\"}",
        "{\"janus\":\"ack\",\"janus\":\"ack\"}",
        /* an SDP in the first message, then a broken second one: nothing leaks */
        "[{\"janus\":\"event\",\"jsep\":{\"type\":\"offer\",\"sdp\":\"v=0\"}},{\"janus\":1}]",
    };
    struct janus_msg m[2];
    (void)state;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_true(janus_parse(bad[i], strlen(bad[i]), m, 2, NULL) < 0);
    /* negative and fractional ids read as absent */
    assert_int_equal(
        janus_parse(P("{\"janus\":\"success\",\"session_id\":-4,\"data\":{\"id\":1.5}}"), m, 2,
                    NULL),
        1);
    assert_int_equal(m[0].session, 0);
    assert_int_equal(m[0].data_id, 0);
    janus_msg_clear(&m[0]);
    /* an SDP above the cap */
    size_t big = JANUS_SDP_MAX + 64;
    char *s = malloc(big + 64);
    assert_non_null(s);
    int n = snprintf(s, 64, "{\"janus\":\"event\",\"jsep\":{\"type\":\"offer\",\"sdp\":\"");
    memset(s + n, 'a', big - (size_t)n);
    strcpy(s + big, "\"}}");
    assert_int_equal(janus_parse(s, strlen(s), m, 2, NULL), ERR_TOOBIG);
    assert_int_equal(janus_parse(s, JANUS_MSG_MAX + 1, m, 2, NULL), ERR_TOOBIG);
    free(s);
}

/* Reads a built request back: its "janus" kind and body.request. */
static json_t *load(char *text)
{
    assert_non_null(text);
    json_t *o = json_loads(text, 0, NULL);
    free(text);
    assert_non_null(o);
    return o;
}

static const char *str(const json_t *o, const char *a, const char *b)
{
    const json_t *v = json_object_get(o, a);
    if (b)
        v = json_object_get(v, b);
    return json_string_value(v);
}

static void requests(void **state)
{
    const uint64_t feeds[] = {5924138153338865ull, 12};
    char path[64];
    json_t *o;
    (void)state;

    o = load(janus_req_create("t1"));
    assert_string_equal(str(o, "janus", NULL), "create");
    assert_string_equal(str(o, "transaction", NULL), "t1");
    json_decref(o);
    o = load(janus_req_attach("t2"));
    assert_string_equal(str(o, "plugin", NULL), "janus.plugin.videoroom");
    json_decref(o);
    o = load(janus_req_join_publisher("t3", 42, "p\"1"));
    assert_string_equal(str(o, "janus", NULL), "message");
    assert_string_equal(str(o, "body", "ptype"), "publisher");
    assert_string_equal(str(o, "body", "display"), "p\"1");
    json_decref(o);
    o = load(janus_req_publish("t4", "v=0\r\n"));
    assert_string_equal(str(o, "body", "request"), "publish");
    assert_string_equal(str(o, "jsep", "type"), "offer");
    assert_string_equal(str(o, "jsep", "sdp"), "v=0\r\n");
    json_decref(o);
    o = load(janus_req_join_subscriber("t5", 42, feeds, 2));
    const json_t *streams = json_object_get(json_object_get(o, "body"), "streams");
    assert_int_equal(json_array_size(streams), 2);
    assert_true((uint64_t)json_integer_value(json_object_get(json_array_get(streams, 0), "feed")) ==
                feeds[0]);
    json_decref(o);
    o = load(janus_req_start("t6", "v=0\r\n"));
    assert_string_equal(str(o, "jsep", "type"), "answer");
    json_decref(o);
    o = load(janus_req_room_create("t7", 42, 6));
    assert_string_equal(str(o, "body", "videocodec"), "vp8");
    json_decref(o);
    o = load(janus_req_subscribe_more("t8", feeds, 1));
    assert_string_equal(str(o, "body", "request"), "update");
    json_decref(o);

    o = load(janus_req_room_destroy("t9", 42));
    assert_string_equal(str(o, "body", "request"), "destroy");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(o, "body"), "room")), 42);
    json_decref(o);

    /* out of range */
    assert_null(janus_req_room_destroy("t", 0));
    assert_null(janus_req_create("0123456789012345678901234567890123456789"));
    assert_null(janus_req_join_subscriber("t", 42, feeds, 0));
    assert_null(janus_req_join_publisher("t", 0, "x"));
    assert_null(janus_req_room_create("t", UINT64_MAX, 6));
    assert_null(janus_req_start("t", NULL));

    assert_int_equal(janus_path(path, sizeof path, 0, 0), 0);
    assert_string_equal(path, "/janus");
    assert_int_equal(janus_path(path, sizeof path, 7, 0), 0);
    assert_string_equal(path, "/janus/7");
    assert_int_equal(janus_path(path, sizeof path, 7, 9), 0);
    assert_string_equal(path, "/janus/7/9");
    assert_int_equal(janus_path(path, 8, 7, 9), ERR_TOOBIG);
}

/* HTTP/1.1 answers as Janus's HTTP transport (libmicrohttpd) sends them. */
static void http_answers(void **state)
{
    static const char ok[] = "HTTP/1.1 200 OK\r\nConnection: close\r\ncontent-length: 12\r\n"
                             "Content-Type: application/json\r\n\r\n{\"janus\":1}\n";
    unsigned status = 0;
    size_t off = 0, len = 0;
    (void)state;

    /* whole once Content-Length's bytes are in, before the close */
    assert_int_equal(janus_http_response(P(ok), false, &status, &off, &len), 1);
    assert_int_equal(status, 200);
    assert_int_equal(len, 12);
    assert_memory_equal(ok + off, "{\"janus\":1}\n", 12);
    /* cut anywhere before: more is needed, or an error at the close */
    for (size_t cut = 0; cut < sizeof ok - 1; cut++) {
        assert_int_equal(janus_http_response(ok, cut, false, &status, &off, &len), 0);
        assert_int_equal(janus_http_response(ok, cut, true, &status, &off, &len), ERR_PARSE);
    }
    /* no Content-Length: the body runs to the close */
    static const char bare[] = "HTTP/1.0 404 Not Found\r\n\r\nnope";
    assert_int_equal(janus_http_response(P(bare), false, &status, &off, &len), 0);
    assert_int_equal(janus_http_response(P(bare), true, &status, &off, &len), 1);
    assert_int_equal(status, 404);
    assert_int_equal(len, 4);

    static const char *const bad[] = {
        "HTTP/2 200 OK\r\n\r\n",
        "HTTP/1.1 20 OK\r\n\r\n",
        "ICY 200 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\nab",
        "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\na",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(janus_http_response(bad[i], strlen(bad[i]), true, &status, &off, &len),
                         ERR_PARSE);
    static const char huge[] = "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n";
    assert_int_equal(janus_http_response(P(huge), false, &status, &off, &len), ERR_TOOBIG);
    /* headers that never end */
    char *h = malloc(JANUS_HTTP_HEAD_MAX + 2);
    assert_non_null(h);
    memset(h, 'a', JANUS_HTTP_HEAD_MAX + 1);
    assert_int_equal(janus_http_response(h, JANUS_HTTP_HEAD_MAX + 1, false, &status, &off, &len),
                     ERR_TOOBIG);
    free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(answers),  cmocka_unit_test(long_poll_batch), cmocka_unit_test(hostile),
        cmocka_unit_test(requests), cmocka_unit_test(http_answers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
