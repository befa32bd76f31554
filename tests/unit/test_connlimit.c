/* Tests for server/connlimit.c: per-address caps (IPv4, IPv4-mapped, IPv6
 * per /64), slot reuse, and eviction order of connections that have sent
 * no complete request. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <netinet/in.h>
#include <string.h>

#include "server/connlimit.h"
#include "base/err.h"

static void key4(const char *ip, uint8_t key[CONNLIMIT_KEY_LEN])
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(1234)};
    assert_int_equal(inet_pton(AF_INET, ip, &sa.sin_addr), 1);
    assert_int_equal(connlimit_key((struct sockaddr *)&sa, sizeof sa, key), 0);
}

static void key6(const char *ip, uint8_t key[CONNLIMIT_KEY_LEN])
{
    struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_port = htons(1234)};
    assert_int_equal(inet_pton(AF_INET6, ip, &sa.sin6_addr), 1);
    assert_int_equal(connlimit_key((struct sockaddr *)&sa, sizeof sa, key), 0);
}

static void keys(void **state)
{
    (void)state;
    uint8_t a[CONNLIMIT_KEY_LEN], b[CONNLIMIT_KEY_LEN];
    key4("192.0.2.7", a);
    key6("::ffff:192.0.2.7", b);
    assert_memory_equal(a, b, CONNLIMIT_KEY_LEN); /* mapped = plain IPv4 */
    key4("192.0.2.8", b);
    assert_memory_not_equal(a, b, CONNLIMIT_KEY_LEN);
    key6("2001:db8:1:2::1", a);
    key6("2001:db8:1:2:ffff:eeee:dddd:cccc", b);
    assert_memory_equal(a, b, CONNLIMIT_KEY_LEN); /* same /64 */
    key6("2001:db8:1:3::1", b);
    assert_memory_not_equal(a, b, CONNLIMIT_KEY_LEN);
    struct sockaddr sa = {.sa_family = AF_UNIX};
    assert_int_equal(connlimit_key(&sa, sizeof sa, a), ERR_PARSE);
    struct sockaddr_in short4 = {.sin_family = AF_INET};
    assert_int_equal(connlimit_key((struct sockaddr *)&short4, 4, a), ERR_PARSE);
}

static void per_address_cap(void **state)
{
    (void)state;
    struct connlimit *c;
    struct connlimit_slot *s[4], *x;
    uint8_t a[CONNLIMIT_KEY_LEN], b[CONNLIMIT_KEY_LEN];
    int owner[4];
    key4("198.51.100.1", a);
    key4("198.51.100.2", b);
    assert_int_equal(connlimit_create(&c, 10, 3), 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(connlimit_open(c, a, &owner[i], i, &s[i]), 0);
    assert_int_equal(connlimit_count_addr(c, a), 3);
    assert_int_equal(connlimit_open(c, a, &owner[3], 3, &x), ERR_FULL);
    assert_null(x);
    assert_int_equal(connlimit_open(c, b, &owner[3], 3, &s[3]), 0); /* others are not affected */
    connlimit_close(c, s[1]);
    connlimit_close(c, s[1]); /* twice is harmless */
    connlimit_close(c, NULL);
    assert_int_equal(connlimit_count_addr(c, a), 2);
    assert_int_equal(connlimit_count(c), 3);
    assert_int_equal(connlimit_open(c, a, &owner[1], 4, &s[1]), 0);
    connlimit_destroy(c);
    connlimit_destroy(NULL);
}

static void table_full(void **state)
{
    (void)state;
    struct connlimit *c;
    struct connlimit_slot *s;
    uint8_t k[CONNLIMIT_KEY_LEN];
    char ip[32];
    int owner;
    assert_int_equal(connlimit_create(&c, 4, 4), 0);
    for (int i = 0; i < 4; i++) {
        snprintf(ip, sizeof ip, "203.0.113.%d", i + 1);
        key4(ip, k);
        assert_int_equal(connlimit_open(c, k, &owner, i, &s), 0);
    }
    key4("203.0.113.99", k);
    assert_int_equal(connlimit_open(c, k, &owner, 9, &s), ERR_FULL);
    assert_int_equal(connlimit_count(c), 4);
    connlimit_destroy(c);
}

static void evicts_oldest_idle_first(void **state)
{
    (void)state;
    struct connlimit *c;
    struct connlimit_slot *s[4];
    uint8_t k[CONNLIMIT_KEY_LEN];
    int owner[4];
    key4("192.0.2.1", k);
    assert_int_equal(connlimit_create(&c, 8, 8), 0);
    assert_int_equal(connlimit_open(c, k, &owner[0], 100, &s[0]), 0);
    assert_int_equal(connlimit_open(c, k, &owner[1], 50, &s[1]), 0); /* oldest */
    assert_int_equal(connlimit_open(c, k, &owner[2], 70, &s[2]), 0);
    assert_int_equal(connlimit_open(c, k, &owner[3], 10, &s[3]), 0);
    connlimit_proven(s[3]); /* sent a request: never evicted */
    connlimit_proven(NULL);
    assert_ptr_equal(connlimit_evict_oldest(c), &owner[1]);
    assert_ptr_equal(connlimit_evict_oldest(c), &owner[2]); /* not the same one twice */
    assert_ptr_equal(connlimit_evict_oldest(c), &owner[0]);
    assert_null(connlimit_evict_oldest(c));
    connlimit_close(c, s[1]);
    assert_int_equal(connlimit_count(c), 3);
    connlimit_destroy(c);
}

static void bad_arguments(void **state)
{
    (void)state;
    struct connlimit *c;
    assert_int_equal(connlimit_create(&c, 0, 1), ERR_INVAL);
    assert_int_equal(connlimit_create(&c, CONNLIMIT_SLOTS_MAX + 1, 1), ERR_INVAL);
    assert_int_equal(connlimit_create(&c, 4, 0), ERR_INVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keys),          cmocka_unit_test(per_address_cap),
        cmocka_unit_test(table_full),    cmocka_unit_test(evicts_oldest_idle_first),
        cmocka_unit_test(bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
