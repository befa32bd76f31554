/* Tests for signaling/phone_number.c (callers' numbers as others see them). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "base/err.h"
#include "signaling/phone_number.h"

#define B "\xe2\x80\xa2"

static void expect(const char *in, const char *want)
{
    char out[PHONE_MASKED_MAX];
    memset(out, 'z', sizeof out);
    if (!want) {
        assert_int_equal(phone_number_mask(in, out), ERR_PARSE);
        assert_string_equal(out, "");
        return;
    }
    assert_int_equal(phone_number_mask(in, out), 0);
    assert_string_equal(out, want);
}

static void test_numbers(void **state)
{
    (void)state;
    expect("+4512345678", "+45 " B B " " B B " 56 78");
    expect("+45 12 34 56 78", "+45 " B B " " B B " 56 78");
    expect("004512345678", "+45 " B B " " B B " 56 78");
    expect("(+45) 1234-5678", "+45 " B B " " B B " 56 78");
    expect("12345678", B B " " B B " 56 78"); /* national: no country code known */
    expect("+46701234567", "+46 " B " " B B " " B B " 45 67");
    expect("+12025550123", "+1 " B B " " B B " " B B " 01 23");
    expect("+35312345678", "+353 " B B " " B B " 56 78");
    expect("+79161234567", "+7 " B B " " B B " " B B " 45 67");
}

static void test_short_numbers_fully_masked(void **state)
{
    (void)state;
    expect("+45123456", "+45 " B B " " B B " 56");
    expect("1234", B B " " B B);
    expect("+4512", "+45 " B B);
    expect("5", B);
}

static void test_sip_uris(void **state)
{
    (void)state;
    expect("sip:+4512345678@trunk.example.dk;user=phone", "+45 " B B " " B B " 56 78");
    expect("\"Anna Jensen\" <sip:+4512345678@10.0.0.1>", "+45 " B B " " B B " 56 78");
    expect("<tel:+45-1234-5678>", "+45 " B B " " B B " 56 78");
    expect("SIPS:004512345678@x", "+45 " B B " " B B " 56 78");
    expect("sip:anonymous@anonymous.invalid", NULL);
    expect("sip:@host", NULL);
    expect("sip:", NULL);
}

static void test_not_numbers(void **state)
{
    (void)state;
    expect("anonymous", NULL);
    expect("Anonymous", NULL);
    expect("unknown", NULL);
    expect("", NULL);
    expect(NULL, NULL);
    expect("+", NULL);
    expect("++4512345678", NULL);
    expect("45+12345678", NULL);
    expect("+45", NULL); /* a country code alone */
    expect("00", NULL);
    expect("1234567890123456", NULL); /* 16 digits */
    expect("+4512345678\n", NULL);
    expect("+45 1234\xe2\x80\xa2", NULL);
    char big[1000];
    memset(big, '1', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    expect(big, NULL);
}

static void test_masked_ok(void **state)
{
    (void)state;
    char out[PHONE_MASKED_MAX], big[PHONE_MASKED_MAX + 1];
    assert_int_equal(phone_number_mask("+4512345678", out), 0);
    assert_true(phone_number_masked_ok(out));
    assert_true(phone_number_masked_ok(""));
    assert_false(phone_number_masked_ok(NULL));
    assert_false(phone_number_masked_ok("+45 \xe2\x80")); /* a cut bullet */
    assert_false(phone_number_masked_ok("<b>"));
    memset(big, '1', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_false(phone_number_masked_ok(big));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers),   cmocka_unit_test(test_short_numbers_fully_masked),
        cmocka_unit_test(test_sip_uris),  cmocka_unit_test(test_not_numbers),
        cmocka_unit_test(test_masked_ok),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
