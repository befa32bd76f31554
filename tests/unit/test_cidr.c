/* base/cidr: allowlist networks in CIDR notation. */
#include "base/cidr.h"
#include "base/err.h"

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static bool match4(const struct cidr *c, const char *ip)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    assert_int_equal(inet_pton(AF_INET, ip, &sa.sin_addr), 1);
    return cidr_match(c, (struct sockaddr *)&sa, sizeof sa);
}

static bool match6(const struct cidr *c, const char *ip)
{
    struct sockaddr_in6 sa = {.sin6_family = AF_INET6};
    assert_int_equal(inet_pton(AF_INET6, ip, &sa.sin6_addr), 1);
    return cidr_match(c, (struct sockaddr *)&sa, sizeof sa);
}

static void test_ipv4_networks(void **state)
{
    (void)state;
    struct cidr c;
    assert_int_equal(cidr_parse("192.0.2.0/24", &c), 0);
    assert_true(match4(&c, "192.0.2.0"));
    assert_true(match4(&c, "192.0.2.255"));
    assert_false(match4(&c, "192.0.3.1"));
    assert_true(match6(&c, "::ffff:192.0.2.9"));
    assert_false(match6(&c, "2001:db8::1"));
    /* host bits are cleared */
    assert_int_equal(cidr_parse("10.1.2.3/12", &c), 0);
    assert_true(match4(&c, "10.15.255.255"));
    assert_false(match4(&c, "10.16.0.0"));
    /* a bare address is one host; /0 is everything IPv4 */
    assert_int_equal(cidr_parse("198.51.100.7", &c), 0);
    assert_true(match4(&c, "198.51.100.7"));
    assert_false(match4(&c, "198.51.100.6"));
    assert_int_equal(cidr_parse("0.0.0.0/0", &c), 0);
    assert_true(match4(&c, "203.0.113.1"));
    assert_false(match6(&c, "2001:db8::1"));
}

static void test_ipv6_networks(void **state)
{
    (void)state;
    struct cidr c;
    assert_int_equal(cidr_parse("2001:db8:10::/47", &c), 0);
    assert_true(match6(&c, "2001:db8:11:ffff::1"));
    assert_false(match6(&c, "2001:db8:12::1"));
    assert_false(match4(&c, "192.0.2.1"));
    assert_int_equal(cidr_parse("::1", &c), 0);
    assert_true(match6(&c, "::1"));
    assert_false(match6(&c, "::2"));
    assert_int_equal(cidr_parse("::/0", &c), 0);
    assert_true(match6(&c, "fe80::1"));
    assert_true(match4(&c, "192.0.2.1"));
}

static void test_bad_input(void **state)
{
    (void)state;
    struct cidr c;
    const char *bad[] = {"",
                         "192.0.2.0/33",
                         "192.0.2.0/",
                         "192.0.2.0/2a",
                         "2001:db8::/129",
                         "host.example",
                         "192.0.2.0/24/1",
                         "192.0.2.0/-1",
                         "1.2.3",
                         "192.0.2.0/0024"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(cidr_parse(bad[i], &c), ERR_PARSE);
    assert_int_equal(cidr_parse(NULL, &c), ERR_PARSE);
    char longs[100];
    memset(longs, '1', sizeof longs - 1);
    longs[sizeof longs - 1] = '\0';
    assert_int_equal(cidr_parse(longs, &c), ERR_PARSE);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    assert_int_equal(cidr_parse("0.0.0.0/0", &c), 0);
    assert_false(cidr_match(&c, (struct sockaddr *)&sa, 4)); /* short length */
    assert_false(cidr_match(&c, NULL, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4_networks),
        cmocka_unit_test(test_ipv6_networks),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
