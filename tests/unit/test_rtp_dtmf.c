/* Tests for media/rtp_dtmf.c: RFC 4733 key presses reported once on the
 * End bit, whatever happens to the three end packets, and presses whose
 * ends were all lost reported by the next press or a timeout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "media/rtp_dtmf.h"
#include "base/err.h"

#define MS 1000LL

static void payload(uint8_t out[4], uint8_t event, bool end, uint16_t duration)
{
    out[0] = event;
    out[1] = (uint8_t)((end ? 0x80 : 0) | 10); /* volume -10 dBm0 */
    out[2] = (uint8_t)(duration >> 8);
    out[3] = (uint8_t)duration;
}

static void feed(struct rtp_dtmf *d, int64_t now, uint32_t ts, uint8_t event, bool end,
                 uint16_t duration)
{
    uint8_t p[4];
    payload(p, event, end, duration);
    assert_int_equal(rtp_dtmf_input(d, now, ts, p, sizeof p), 0);
}

/* A whole press as a phone sends it: updates every 50 ms, then three ends. */
static void press(struct rtp_dtmf *d, int64_t *now, uint32_t ts, uint8_t event, int ends)
{
    for (uint16_t dur = 400; dur <= 1600; dur = (uint16_t)(dur + 400)) {
        feed(d, *now, ts, event, false, dur);
        *now += 50 * MS;
    }
    for (int i = 0; i < ends; i++)
        feed(d, *now, ts, event, true, 2000);
    *now += 50 * MS;
}

static void expect(struct rtp_dtmf *d, const char *digits)
{
    char c;
    for (const char *p = digits; *p; p++) {
        assert_true(rtp_dtmf_poll(d, &c));
        assert_int_equal(c, *p);
    }
    assert_false(rtp_dtmf_poll(d, &c));
}

static void test_one_digit_per_press(void **state)
{
    (void)state;
    struct rtp_dtmf d;
    int64_t now = 0;
    rtp_dtmf_init(&d);
    press(&d, &now, 1000, 1, 0);
    expect(&d, ""); /* nothing before the end */
    feed(&d, now, 1000, 1, true, 2000);
    expect(&d, "1");
    feed(&d, now, 1000, 1, true, 2000); /* the other two ends */
    feed(&d, now, 1000, 1, true, 2000);
    expect(&d, "");
    press(&d, &now, 9000, 11, 3);
    press(&d, &now, 17000, 10, 3);
    expect(&d, "#*");
    assert_int_equal(d.digits, 3);
}

static void test_all_codes(void **state)
{
    (void)state;
    struct rtp_dtmf d;
    int64_t now = 0;
    rtp_dtmf_init(&d);
    const char *want = "0123456789*#ABCD";
    for (uint8_t ev = 0; ev < 16; ev++) {
        press(&d, &now, 100000u * ev, ev, 3);
        char c;
        assert_true(rtp_dtmf_poll(&d, &c));
        assert_int_equal(c, want[ev]);
    }
    /* Flash (16) and RFC 4734 tones are not keys. */
    press(&d, &now, 7777777, 16, 3);
    press(&d, &now, 8888888, 200, 3);
    expect(&d, "");
    assert_int_equal(rtp_dtmf_event_char(16), 0);
}

static void test_retransmitted_and_late_ends(void **state)
{
    (void)state;
    struct rtp_dtmf d;
    int64_t now = 0;
    rtp_dtmf_init(&d);
    press(&d, &now, 1000, 5, 1);
    press(&d, &now, 2000, 6, 1);
    expect(&d, "56");
    /* The late second and third end of "5" arrive after "6": ignored. */
    feed(&d, now, 1000, 5, true, 2000);
    feed(&d, now, 1000, 5, false, 800);
    expect(&d, "");
    /* Only the last end of a press arrives: still one digit. */
    feed(&d, now, 3000, 7, true, 2000);
    feed(&d, now, 3000, 7, true, 2000);
    expect(&d, "7");
    /* The same digit pressed twice: two events, two digits. */
    press(&d, &now, 4000, 7, 3);
    press(&d, &now, 5000, 7, 3);
    expect(&d, "77");
}

static void test_lost_ends_reported_by_next_press(void **state)
{
    (void)state;
    struct rtp_dtmf d;
    int64_t now = 0;
    rtp_dtmf_init(&d);
    press(&d, &now, 1000, 2, 0); /* every end lost */
    expect(&d, "");
    /* The next press's first packet is its end too (a very short press). */
    feed(&d, now, 2000, 3, true, 400);
    expect(&d, "23");
    /* The lost ends of "2" turn up late: not reported again. */
    feed(&d, now, 1000, 2, true, 2000);
    expect(&d, "");
}

static void test_lost_ends_reported_by_timeout(void **state)
{
    (void)state;
    struct rtp_dtmf d;
    int64_t now = 0;
    rtp_dtmf_init(&d);
    assert_true(rtp_dtmf_next_deadline(&d) == RTP_DTMF_NONE);
    press(&d, &now, 1000, 9, 0);
    int64_t last = now - 50 * MS - 50 * MS; /* the last update of press() */
    assert_true(rtp_dtmf_next_deadline(&d) == last + RTP_DTMF_TIMEOUT_US);
    rtp_dtmf_timeout(&d, last + RTP_DTMF_TIMEOUT_US - 1);
    expect(&d, "");
    rtp_dtmf_timeout(&d, last + RTP_DTMF_TIMEOUT_US);
    expect(&d, "9");
    assert_true(rtp_dtmf_next_deadline(&d) == RTP_DTMF_NONE);
    /* Its ends arrive after all: nothing more. */
    feed(&d, now + RTP_DTMF_TIMEOUT_US, 1000, 9, true, 2000);
    expect(&d, "");
}

static void test_short_payload_and_queue_bound(void **state)
{
    (void)state;
    struct rtp_dtmf d;
    uint8_t p[4];
    rtp_dtmf_init(&d);
    payload(p, 1, true, 100);
    assert_int_equal(rtp_dtmf_input(&d, 0, 1, p, 3), ERR_PARSE);
    assert_int_equal(rtp_dtmf_input(&d, 0, 1, NULL, 0), ERR_PARSE);
    expect(&d, "");
    /* Nobody polls: the queue keeps the first RTP_DTMF_QUEUE, counts the rest. */
    for (uint32_t i = 0; i < RTP_DTMF_QUEUE + 3; i++)
        feed(&d, 0, 100 * (i + 1), (uint8_t)(i % 10), true, 100);
    assert_int_equal(d.overflow, 3);
    expect(&d, "0123");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_digit_per_press),
        cmocka_unit_test(test_all_codes),
        cmocka_unit_test(test_retransmitted_and_late_ends),
        cmocka_unit_test(test_lost_ends_reported_by_next_press),
        cmocka_unit_test(test_lost_ends_reported_by_timeout),
        cmocka_unit_test(test_short_payload_and_queue_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
