/* signaling/sip_stream: SIP over TCP split into messages by Content-Length. */
#include "base/err.h"
#include "signaling/sip_stream.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static const char opt[] = "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n"
                          "Content-Length: 4\r\n\r\nbody";
static const char bye[] = "BYE sip:a@b SIP/2.0\r\nl : 0\r\n\r\n";

static struct sip_stream *new_stream(void)
{
    struct sip_stream *s = malloc(sizeof *s);
    assert_non_null(s);
    sip_stream_init(s);
    return s;
}

static void feed_all(struct sip_stream *s, const char *p, size_t n)
{
    size_t used;
    assert_int_equal(sip_stream_feed(s, (const uint8_t *)p, n, &used), 0);
    assert_int_equal(used, n);
}

static void test_two_messages_byte_by_byte(void **state)
{
    (void)state;
    struct sip_stream *s = new_stream();
    char all[512];
    size_t n = 0;
    memcpy(all, "\r\n\r\n", 4); /* keep-alive ping first */
    n = 4;
    memcpy(all + n, opt, strlen(opt));
    n += strlen(opt);
    memcpy(all + n, "\r\n", 2);
    n += 2;
    memcpy(all + n, bye, strlen(bye));
    n += strlen(bye);
    const uint8_t *m;
    size_t len;
    int got = 0;
    for (size_t i = 0; i < n; i++) {
        feed_all(s, all + i, 1);
        int rc;
        while ((rc = sip_stream_next(s, &m, &len)) == 1) {
            if (got == 0) {
                assert_int_equal(len, strlen(opt));
                assert_memory_equal(m, opt, len);
            } else {
                assert_int_equal(len, strlen(bye));
                assert_memory_equal(m, bye, len);
            }
            got++;
        }
        assert_int_equal(rc, 0);
    }
    assert_int_equal(got, 2);
    assert_int_equal(s->pings, 1);
    free(s);
}

static void test_missing_or_bad_length_breaks_the_stream(void **state)
{
    (void)state;
    const char *bad[] = {"INVITE sip:a@b SIP/2.0\r\nVia: x\r\n\r\n",
                         "INVITE sip:a@b SIP/2.0\r\nContent-Length: -1\r\n\r\n",
                         "INVITE sip:a@b SIP/2.0\r\nContent-Length: 12x\r\n\r\n",
                         "INVITE sip:a@b SIP/2.0\r\nContent-Length: 1\r\nl: 2\r\n\r\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct sip_stream *s = new_stream();
        const uint8_t *m;
        size_t len, used;
        feed_all(s, bad[i], strlen(bad[i]));
        assert_int_equal(sip_stream_next(s, &m, &len), ERR_PARSE);
        assert_int_equal(sip_stream_next(s, &m, &len), ERR_PROTO);
        assert_int_equal(sip_stream_feed(s, (const uint8_t *)"x", 1, &used), ERR_PROTO);
        free(s);
    }
}

static void test_limits(void **state)
{
    (void)state;
    struct sip_stream *s = new_stream();
    const uint8_t *m;
    size_t len, used;
    const char *huge = "INVITE sip:a@b SIP/2.0\r\nContent-Length: 17000\r\n\r\n";
    feed_all(s, huge, strlen(huge));
    assert_int_equal(sip_stream_next(s, &m, &len), ERR_TOOBIG);
    free(s);

    /* a header block that never ends */
    s = new_stream();
    static uint8_t junk[SIP_STREAM_MAX_MSG + 100];
    memset(junk, 'a', sizeof junk);
    assert_int_equal(sip_stream_feed(s, junk, sizeof junk, &used), 0);
    assert_int_equal(used, SIP_STREAM_MAX_MSG);
    assert_int_equal(sip_stream_next(s, &m, &len), ERR_TOOBIG);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_messages_byte_by_byte),
        cmocka_unit_test(test_missing_or_bad_length_breaks_the_stream),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
