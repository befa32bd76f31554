/* base/addr_group: which client addresses count as one. */
#include "base/addr_group.h"
#include "base/err.h"

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static int group6(const char *ip, uint8_t key[ADDR_GROUP_LEN])
{
    struct sockaddr_in6 sa = {.sin6_family = AF_INET6};
    assert_int_equal(inet_pton(AF_INET6, ip, &sa.sin6_addr), 1);
    return addr_group((struct sockaddr *)&sa, sizeof sa, key);
}

static void test_ipv4_and_mapped_are_one_group(void **state)
{
    (void)state;
    struct sockaddr_in sa = {.sin_family = AF_INET};
    uint8_t a[ADDR_GROUP_LEN], b[ADDR_GROUP_LEN];
    assert_int_equal(inet_pton(AF_INET, "192.0.2.7", &sa.sin_addr), 1);
    assert_int_equal(addr_group((struct sockaddr *)&sa, sizeof sa, a), 0);
    assert_int_equal(group6("::ffff:192.0.2.7", b), 0);
    assert_memory_equal(a, b, ADDR_GROUP_LEN);
    assert_true(addr_group_is_v4(a));
    assert_int_equal(group6("::ffff:192.0.2.8", b), 0);
    assert_memory_not_equal(a, b, ADDR_GROUP_LEN);
}

static void test_ipv6_groups_by_64(void **state)
{
    (void)state;
    uint8_t a[ADDR_GROUP_LEN], b[ADDR_GROUP_LEN], want[ADDR_GROUP_LEN] = {0};
    assert_int_equal(group6("2001:db8:1:2::1", a), 0);
    assert_int_equal(group6("2001:db8:1:2:ffff:1:2:3", b), 0);
    assert_memory_equal(a, b, ADDR_GROUP_LEN);
    assert_false(addr_group_is_v4(a));
    assert_int_equal(inet_pton(AF_INET6, "2001:db8:1:2::", want), 1);
    assert_memory_equal(a, want, ADDR_GROUP_LEN);
    assert_int_equal(group6("2001:db8:1:3::1", b), 0);
    assert_memory_not_equal(a, b, ADDR_GROUP_LEN);
}

static void test_other_family_or_short_length_refused(void **state)
{
    (void)state;
    uint8_t k[ADDR_GROUP_LEN];
    struct sockaddr_in sa = {.sin_family = AF_INET};
    struct sockaddr un = {.sa_family = AF_UNIX};
    assert_int_equal(addr_group((struct sockaddr *)&sa, sizeof sa - 1, k), ERR_INVAL);
    assert_int_equal(addr_group(&un, sizeof un, k), ERR_INVAL);
    assert_int_equal(addr_group(NULL, 0, k), ERR_INVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4_and_mapped_are_one_group),
        cmocka_unit_test(test_ipv6_groups_by_64),
        cmocka_unit_test(test_other_family_or_short_length_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
