/* Writes the seed corpus of tests/fuzz/fuzz_sfu.c (its record format is
 * described there) from the browsers' offers in tests/fixtures/sdp/, when
 * SAMTALE_SEED_DIR is set:
 *   SAMTALE_SEED_DIR=tests/fuzz/corpus/sfu build/debug/tests/test_sfu_seeds
 * Without it the records are built (every fixture must load and parse)
 * and nothing is written. */
#include "tests/unit/sdp_fixtures.h"
#include "tests/unit/seed_dump.h"

/* fuzz_sfu's operations; the seat goes in bits 4-5. */
enum {
    OP_PUBLISH = 0,
    OP_SUBSCRIBE,
    OP_RESTART,
    OP_ANSWER,
    OP_AUTO_ANSWER,
    OP_PREFS,
    OP_JSON,
    OP_SCREEN,
    OP_LEAVE,
    OP_JOIN,
    OP_TRANSPORT,
    OP_SPEAKER,
};

#define SEED_MAX (1 << 18)

static uint8_t g_seed[SEED_MAX];
static size_t g_n;

static void rec(unsigned op, unsigned seat, const void *b, size_t n)
{
    assert_true(n <= 0xffff && g_n + 3 + n <= SEED_MAX);
    g_seed[g_n++] = (uint8_t)(op | seat << 4);
    g_seed[g_n++] = (uint8_t)(n >> 8);
    g_seed[g_n++] = (uint8_t)n;
    memcpy(g_seed + g_n, b, n);
    g_n += n;
}

static void rec_str(unsigned op, unsigned seat, const char *s)
{
    rec(op, seat, s, strlen(s));
}

static void rec_byte(unsigned op, unsigned seat, uint8_t b)
{
    rec(op, seat, &b, 1);
}

/* A publish of a fixture (it must parse), with the client's "tracks". */
static void publish(unsigned seat, const char *fixture, const char *tracks)
{
    static char buf[SDP_MAX_LEN + 4096];
    size_t n = load(fixture, buf, sizeof buf);

    assert_int_equal(sdp_parse(&g_offer, buf, n, g_err), 0);
    if (tracks) {
        size_t t = strlen(tracks);

        assert_true(n + 1 + t < sizeof buf);
        buf[n] = '\0';
        memcpy(buf + n + 1, tracks, t);
        n += 1 + t;
    }
    rec(OP_PUBLISH, seat, buf, n);
}

static const char *const CAM_TRACKS =
    "[{\"mid\":\"0\",\"source\":\"mic\"},{\"mid\":\"1\",\"source\":\"camera\",\"width\":1280,"
    "\"height\":720}]";
static const char *const SCREEN_TRACKS =
    "[{\"mid\":\"0\",\"source\":\"mic\"},{\"mid\":\"1\",\"source\":\"camera\"},"
    "{\"mid\":\"2\",\"source\":\"screen\",\"width\":1920,\"height\":1080}]";

static void test_write_seeds(void **state)
{
    (void)state;

    /* Two simulcast publishers (Chromium, Firefox), everyone subscribes
     * and answers, layer preferences, a bitrate cap, transport events and
     * an active speaker. */
    g_n = 0;
    publish(0, "chromium-offer-simulcast.sdp", CAM_TRACKS);
    publish(1, "firefox-offer-simulcast.sdp", CAM_TRACKS);
    for (unsigned s = 0; s < 3; s++)
        rec(OP_SUBSCRIBE, s, "", 0);
    for (unsigned s = 0; s < 3; s++)
        rec_byte(OP_AUTO_ANSWER, s, 0);
    rec_str(OP_PREFS, 2,
            "{\"prefs\":[{\"mid\":\"1\",\"width\":320,\"height\":180},"
            "{\"mid\":\"3\",\"paused\":true}],\"max_bitrate\":300000}");
    rec_byte(OP_TRANSPORT, 1, 0); /* publish connected */
    rec_byte(OP_TRANSPORT, 2, 1); /* subscribe connected */
    rec_byte(OP_SPEAKER, 0, 1);
    rec_byte(OP_TRANSPORT, 2, 3); /* subscribe failed: a new offer */
    rec_byte(OP_AUTO_ANSWER, 2, 0);
    dump_seed("simulcast", g_seed, g_n);

    /* Audio-only and Safari, a guest leaves and another joins, a restart,
     * an answer refusing a line. */
    g_n = 0;
    publish(2, "safari-ios-offer.sdp", NULL);
    publish(1, "chromium-offer-audio-only.sdp", NULL);
    rec(OP_SUBSCRIBE, 0, "", 0);
    rec(OP_SUBSCRIBE, 1, "", 0);
    rec_byte(OP_AUTO_ANSWER, 0, 2);
    rec_byte(OP_AUTO_ANSWER, 1, 0);
    rec(OP_LEAVE, 2, "", 0);
    rec_byte(OP_AUTO_ANSWER, 0, 0);
    rec(OP_JOIN, 3, "", 0);
    publish(3, "firefox-offer-audio-only.sdp", NULL);
    rec(OP_RESTART, 1, "", 0);
    rec_byte(OP_AUTO_ANSWER, 1, 0);
    rec_byte(OP_AUTO_ANSWER, 0, 0);
    dump_seed("audio_leave_restart", g_seed, g_n);

    /* Screen sharing: refused, allowed by the host, shared, withdrawn. */
    g_n = 0;
    rec(OP_SUBSCRIBE, 0, "", 0);
    publish(1, "chromium-offer-simulcast.sdp", SCREEN_TRACKS);
    rec_byte(OP_SCREEN, 0, 1);
    publish(1, "chromium-offer-simulcast.sdp", SCREEN_TRACKS);
    rec_byte(OP_AUTO_ANSWER, 0, 0);
    rec_byte(OP_SCREEN, 0, 0);
    rec_byte(OP_AUTO_ANSWER, 0, 0);
    dump_seed("screen", g_seed, g_n);

    /* Renegotiation races: the host's screen stops while a guest's offer
     * is out (the late answer must consume nothing), a stale answer, a
     * fresh subscribe connection, offer numbers. */
    g_n = 0;
    rec(OP_SUBSCRIBE, 1, "", 0);
    publish(0, "chromium-offer-simulcast.sdp", SCREEN_TRACKS);
    publish(0, "chromium-offer-simulcast.sdp", CAM_TRACKS);
    rec_byte(OP_AUTO_ANSWER, 1, 0);
    rec_str(OP_JSON, 1, "{\"type\":\"subscribe_answer\",\"version\":1,\"sdp\":\"v=0\"}");
    rec_str(OP_JSON, 1, "{\"type\":\"subscribe_answer\",\"version\":\"x\",\"sdp\":\"v=0\"}");
    rec_str(OP_JSON, 1, "{\"type\":\"subscribe\",\"fresh\":true}");
    rec_byte(OP_AUTO_ANSWER, 1, 0);
    rec_str(OP_JSON, 1, "{\"type\":\"subscribe\",\"fresh\":true}");
    rec_str(OP_JSON, 1, "{\"type\":\"subscribe\",\"fresh\":true}");
    rec_byte(OP_AUTO_ANSWER, 1, 0);
    rec_str(OP_JSON, 0, "{\"type\":\"publish\",\"seq\":-1,\"sdp\":\"v=0\"}");
    rec_str(OP_JSON, 0, "{\"type\":\"publish\",\"seq\":9007199254740993,\"sdp\":\"v=0\"}");
    dump_seed("renegotiation", g_seed, g_n);

    /* Offers that are not plain media: a data channel, receive-only. */
    g_n = 0;
    publish(1, "chromium-offer-datachannel.sdp", CAM_TRACKS);
    publish(2, "chromium-recvonly-offer.sdp", NULL);
    rec(OP_SUBSCRIBE, 0, "", 0);
    rec_byte(OP_AUTO_ANSWER, 0, 0);
    dump_seed("datachannel_recvonly", g_seed, g_n);

    /* Messages out of order and malformed ones. */
    g_n = 0;
    rec_str(OP_ANSWER, 1, "v=0\r\n");
    rec_str(OP_JSON, 1, "{\"type\":\"subscribe_answer\",\"sdp\":42}");
    rec_str(OP_JSON, 1, "{\"type\":\"publish\",\"sdp\":\"v=0\",\"tracks\":{}}");
    rec_str(OP_JSON, 2, "{\"type\":\"subscribe_prefs\",\"prefs\":[1,{\"mid\":7}]}");
    rec_str(OP_PREFS, 2, "{\"max_bitrate\":-1}");
    rec_str(OP_JSON, 0, "{\"type\":\"chat\",\"text\":\"not media\"}");
    publish(0, "chromium-offer-audio-only.sdp", "[{\"mid\":\"0\",\"source\":\"screen\"}]");
    rec(OP_SUBSCRIBE, 1, "", 0);
    rec_str(OP_ANSWER, 1, "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n");
    rec(OP_SPEAKER, 0, "", 0);
    dump_seed("malformed", g_seed, g_n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_seeds),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
