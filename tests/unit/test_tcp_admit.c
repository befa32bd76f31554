/* Tests for media/tcp_admit.c (ICE-TCP admission, sans-IO): the
 * authentication deadline, per-address caps (IPv4, IPv6 /64, IPv4-mapped
 * IPv6), which connection is evicted when the unauthenticated budget is
 * full, the authenticated budget, and the address table under churn. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "media/tcp_admit.h"
#include "base/err.h"

static struct sockaddr_storage v4(uint32_t host, uint16_t port)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *a = (struct sockaddr_in *)&ss;
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    a->sin_addr.s_addr = htonl(host);
    return ss;
}

static struct sockaddr_storage v6(const char *text, uint16_t port)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    assert_int_equal(inet_pton(AF_INET6, text, &a->sin6_addr), 1);
    return ss;
}

#define SA(ss) ((const struct sockaddr *)&(ss))
#define LEN4 ((socklen_t)sizeof(struct sockaddr_in))
#define LEN6 ((socklen_t)sizeof(struct sockaddr_in6))

static struct tcp_admit *make(uint32_t unauth, uint32_t auth, uint32_t per_addr, int64_t deadline)
{
    struct tcp_admit_cfg cfg = {
        .max_unauth = unauth,
        .max_auth = auth,
        .max_per_addr = per_addr,
        .deadline_us = deadline,
        .hash_key = {0x0123456789abcdefULL, 0xfedcba9876543210ULL},
    };
    struct tcp_admit *a = NULL;
    assert_int_equal(tcp_admit_create(&a, &cfg), 0);
    assert_int_equal(tcp_admit_slots(a), unauth + auth);
    return a;
}

/* Checks, then adds in `slot` (there must be no eviction to do). */
static void add(struct tcp_admit *a, uint32_t slot, int64_t now, struct sockaddr_storage ss)
{
    socklen_t len = ss.ss_family == AF_INET ? LEN4 : LEN6;
    uint32_t evict = 0;
    assert_int_equal(tcp_admit_check(a, SA(ss), len, &evict), 0);
    assert_int_equal(evict, TCP_ADMIT_NONE);
    assert_int_equal(tcp_admit_add(a, slot, now, SA(ss), len), 0);
    assert_int_equal(tcp_admit_state(a, slot), TCP_ADMIT_UNAUTH);
}

static void test_config(void **state)
{
    (void)state;
    struct tcp_admit *a = NULL;
    struct tcp_admit_cfg ok = {.max_unauth = 4, .max_auth = 4, .max_per_addr = 2, .deadline_us = 1};
    struct tcp_admit_cfg bad;
    bad = ok, bad.max_unauth = 0;
    assert_int_equal(tcp_admit_create(&a, &bad), ERR_INVAL);
    bad = ok, bad.max_auth = 0;
    assert_int_equal(tcp_admit_create(&a, &bad), ERR_INVAL);
    bad = ok, bad.max_per_addr = 5; /* above max_unauth */
    assert_int_equal(tcp_admit_create(&a, &bad), ERR_INVAL);
    bad = ok, bad.max_auth_per_addr = 5; /* above max_auth */
    assert_int_equal(tcp_admit_create(&a, &bad), ERR_INVAL);
    bad = ok, bad.deadline_us = 0;
    assert_int_equal(tcp_admit_create(&a, &bad), ERR_INVAL);
    bad = ok, bad.max_unauth = 60000, bad.max_auth = 6000; /* slots above TCP_ADMIT_SLOTS_MAX */
    bad.max_per_addr = 2;
    assert_int_equal(tcp_admit_create(&a, &bad), ERR_INVAL);
    assert_null(a);
    assert_int_equal(tcp_admit_create(&a, &ok), 0);
    tcp_admit_destroy(a);
    tcp_admit_destroy(NULL);
}

static void test_deadline(void **state)
{
    (void)state;
    struct tcp_admit *a = make(8, 8, 8, 1000);
    assert_int_equal(tcp_admit_next_deadline(a), INT64_MAX);
    add(a, 5, 100, v4(0x0a000001, 1));
    add(a, 2, 300, v4(0x0a000002, 1));
    add(a, 7, 200, v4(0x0a000003, 1)); /* an earlier clock: not before the previous deadline */
    assert_int_equal(tcp_admit_next_deadline(a), 1100);
    assert_int_equal(tcp_admit_expired(a, 1099), TCP_ADMIT_NONE);
    assert_int_equal(tcp_admit_expired(a, 1100), 5);
    tcp_admit_remove(a, 5);
    assert_int_equal(tcp_admit_state(a, 5), TCP_ADMIT_FREE);
    /* Authenticated ones have no deadline. */
    assert_int_equal(tcp_admit_auth(a, 2), 0);
    assert_int_equal(tcp_admit_state(a, 2), TCP_ADMIT_AUTH);
    assert_int_equal(tcp_admit_next_deadline(a), 1300);
    assert_int_equal(tcp_admit_expired(a, 1299), TCP_ADMIT_NONE);
    assert_int_equal(tcp_admit_expired(a, 5000), 7);
    tcp_admit_remove(a, 7);
    assert_int_equal(tcp_admit_expired(a, INT64_MAX), TCP_ADMIT_NONE);
    assert_int_equal(tcp_admit_next_deadline(a), INT64_MAX);
    struct tcp_admit_counts n;
    tcp_admit_counts(a, &n);
    assert_int_equal(n.unauth, 0);
    assert_int_equal(n.auth, 1);
    assert_int_equal(n.addrs, 0);
    /* A clock near the end of time does not overflow. */
    add(a, 1, INT64_MAX - 10, v4(0x0a000004, 1));
    assert_int_equal(tcp_admit_next_deadline(a), INT64_MAX);
    tcp_admit_destroy(a);
}

static void test_per_address(void **state)
{
    (void)state;
    struct tcp_admit *a = make(32, 4, 2, 1000);
    uint32_t evict;
    struct sockaddr_storage x = v4(0xc0000201, 1000), y = v4(0xc0000201, 2000);
    add(a, 0, 0, x);
    add(a, 1, 0, y); /* the port does not matter */
    assert_int_equal(tcp_admit_addr_count(a, SA(x), LEN4), 2);
    assert_int_equal(tcp_admit_check(a, SA(x), LEN4, &evict), ERR_DENIED);
    assert_int_equal(tcp_admit_add(a, 2, 0, SA(x), LEN4), ERR_DENIED);
    /* The same address mapped into IPv6 is the same address. */
    struct sockaddr_storage mapped = v6("::ffff:192.0.2.1", 3000);
    assert_int_equal(tcp_admit_check(a, SA(mapped), LEN6, &evict), ERR_DENIED);
    add(a, 2, 0, v4(0xc0000202, 1)); /* its neighbour is not */

    /* IPv6 counts per /64. */
    struct sockaddr_storage p1 = v6("2001:db8:1:2::1", 1), p2 = v6("2001:db8:1:2:ffff::9", 1);
    struct sockaddr_storage q = v6("2001:db8:1:3::1", 1);
    add(a, 3, 0, p1);
    add(a, 4, 0, p2);
    assert_int_equal(tcp_admit_check(a, SA(p1), LEN6, &evict), ERR_DENIED);
    add(a, 5, 0, q);
    assert_int_equal(tcp_admit_addr_count(a, SA(p2), LEN6), 2);

    /* Authenticating or closing gives the address room again. */
    assert_int_equal(tcp_admit_auth(a, 0), 0);
    assert_int_equal(tcp_admit_addr_count(a, SA(x), LEN4), 1);
    add(a, 6, 0, x);
    tcp_admit_remove(a, 3);
    add(a, 3, 0, p2);

    /* Neither IPv4 nor IPv6, or too short: refused. */
    struct sockaddr_storage unix_addr;
    memset(&unix_addr, 0, sizeof unix_addr);
    unix_addr.ss_family = AF_UNIX;
    assert_int_equal(tcp_admit_check(a, SA(unix_addr), sizeof unix_addr, &evict), ERR_INVAL);
    assert_int_equal(tcp_admit_check(a, SA(x), 4, &evict), ERR_INVAL);
    assert_int_equal(tcp_admit_check(a, NULL, 0, &evict), ERR_INVAL);
    assert_int_equal(tcp_admit_add(a, 7, 0, SA(unix_addr), sizeof unix_addr), ERR_INVAL);
    /* A slot in use or out of range. */
    assert_int_equal(tcp_admit_add(a, 6, 0, SA(q), LEN6), ERR_INVAL);
    assert_int_equal(tcp_admit_add(a, 36, 0, SA(q), LEN6), ERR_INVAL);
    tcp_admit_destroy(a);
}

static void test_eviction(void **state)
{
    (void)state;
    struct tcp_admit *a = make(6, 2, 6, 1000);
    uint32_t evict;
    /* Distinct addresses: the oldest goes. */
    for (uint32_t i = 0; i < 6; i++)
        add(a, i, i, v4(0x0a000000 + i, 1));
    struct sockaddr_storage n = v4(0x0b000001, 1);
    assert_int_equal(tcp_admit_check(a, SA(n), LEN4, &evict), 0);
    assert_int_equal(evict, 0);
    assert_int_equal(tcp_admit_add(a, 6, 10, SA(n), LEN4), ERR_FULL); /* evict first */
    tcp_admit_remove(a, evict);
    assert_int_equal(tcp_admit_add(a, 6, 10, SA(n), LEN4), 0);

    /* An address with TCP_ADMIT_HEAVY: its oldest goes, though others are older. */
    for (uint32_t i = 1; i <= 4; i++)
        tcp_admit_remove(a, i);
    struct sockaddr_storage h = v4(0x0c000001, 1);
    for (uint32_t i = 1; i <= 4; i++)
        add(a, i, 20 + i, h);
    assert_int_equal(tcp_admit_check(a, SA(n), LEN4, &evict), 0);
    assert_int_equal(evict, 1);
    assert_int_equal(tcp_admit_victim(a), 1);
    tcp_admit_remove(a, 1);
    add(a, 1, 30, v4(0x0d000001, 1));
    /* Now it holds 3, below TCP_ADMIT_HEAVY: the oldest of all (slot 5) goes. */
    assert_int_equal(tcp_admit_addr_count(a, SA(h), LEN4), TCP_ADMIT_HEAVY - 1);
    assert_int_equal(tcp_admit_check(a, SA(n), LEN4, &evict), 0);
    assert_int_equal(evict, 5);
    /* Authenticated ones are never chosen. */
    assert_int_equal(tcp_admit_auth(a, 5), 0);
    assert_int_equal(tcp_admit_check(a, SA(n), LEN4, &evict), 0);
    assert_int_equal(evict, TCP_ADMIT_NONE);  /* room: 5 unauthenticated now */
    assert_int_equal(tcp_admit_victim(a), 6); /* but one would go if need be */
    tcp_admit_destroy(a);
}

static void test_authenticated_budget(void **state)
{
    (void)state;
    struct tcp_admit *a = make(4, 2, 4, 1000);
    for (uint32_t i = 0; i < 4; i++)
        add(a, i, 0, v4(0x0a000000 + i, 1));
    assert_int_equal(tcp_admit_auth(a, 0), 0);
    assert_int_equal(tcp_admit_auth(a, 0), 0); /* again: nothing changes */
    assert_int_equal(tcp_admit_auth(a, 1), 0);
    assert_int_equal(tcp_admit_auth(a, 2), ERR_FULL);
    assert_int_equal(tcp_admit_state(a, 2), TCP_ADMIT_UNAUTH);
    assert_int_equal(tcp_admit_auth(a, 5), ERR_INVAL); /* free */
    assert_int_equal(tcp_admit_auth(a, 99), ERR_INVAL);
    /* The unauthenticated budget is its own: 2 more fit. */
    add(a, 4, 0, v4(0x0b000000, 1));
    add(a, 5, 0, v4(0x0b000001, 1));
    struct tcp_admit_counts n;
    tcp_admit_counts(a, &n);
    assert_int_equal(n.unauth, 4);
    assert_int_equal(n.auth, 2);
    tcp_admit_remove(a, 0);
    assert_int_equal(tcp_admit_auth(a, 2), 0);
    tcp_admit_remove(a, 99); /* ignored */
    tcp_admit_destroy(a);
}

/* Many addresses coming and going, most colliding in the table: every
 * count must stay what a recount says. */
/* One address (or /64) may hold max_auth_per_addr authenticated
 * connections; the record of an address outlives its unauthenticated ones
 * while authenticated ones remain. */
static void test_authenticated_per_address(void **state)
{
    (void)state;
    struct tcp_admit_cfg cfg = {
        .max_unauth = 8,
        .max_auth = 8,
        .max_per_addr = 4,
        .max_auth_per_addr = 3,
        .deadline_us = 1000,
        .hash_key = {1, 2},
    };
    struct tcp_admit *a = NULL;
    assert_int_equal(tcp_admit_create(&a, &cfg), 0);
    struct sockaddr_storage nat = v4(0xc0a80001, 1), other = v4(0xc0a80002, 1);
    struct sockaddr_storage six = v6("2001:db8:1:2::1", 1), six_b = v6("2001:db8:1:2::99", 1);
    for (uint32_t s = 0; s < 4; s++)
        add(a, s, 100, nat);
    for (uint32_t s = 0; s < 3; s++)
        assert_int_equal(tcp_admit_auth(a, s), 0);
    assert_int_equal(tcp_admit_addr_count(a, SA(nat), LEN4), 1);
    assert_int_equal(tcp_admit_addr_auth_count(a, SA(nat), LEN4), 3);
    /* The fourth from that address is refused, and stays unauthenticated. */
    assert_int_equal(tcp_admit_auth(a, 3), ERR_DENIED);
    assert_int_equal(tcp_admit_state(a, 3), TCP_ADMIT_UNAUTH);
    tcp_admit_remove(a, 3);
    /* Its unauthenticated ones gone, the address still counts its authenticated ones. */
    struct tcp_admit_counts n;
    tcp_admit_counts(a, &n);
    assert_int_equal(n.addrs, 0);
    assert_int_equal(n.auth, 3);
    add(a, 3, 200, nat);
    assert_int_equal(tcp_admit_auth(a, 3), ERR_DENIED);
    tcp_admit_remove(a, 3);
    /* Another address is not concerned. */
    add(a, 4, 200, other);
    assert_int_equal(tcp_admit_auth(a, 4), 0);
    /* One gone: room for one more from the NAT. */
    tcp_admit_remove(a, 1);
    assert_int_equal(tcp_admit_addr_auth_count(a, SA(nat), LEN4), 2);
    add(a, 1, 300, nat);
    assert_int_equal(tcp_admit_auth(a, 1), 0);
    /* An IPv6 /64 counts as one address. */
    add(a, 5, 300, six);
    add(a, 6, 300, six_b);
    add(a, 7, 300, six);
    add(a, 8, 300, six_b);
    for (uint32_t s = 5; s < 8; s++)
        assert_int_equal(tcp_admit_auth(a, s), 0);
    assert_int_equal(tcp_admit_auth(a, 8), ERR_DENIED);
    assert_int_equal(tcp_admit_addr_auth_count(a, SA(six_b), LEN6), 3);
    /* All gone: every record is free again (the table is empty). */
    for (uint32_t s = 0; s < tcp_admit_slots(a); s++)
        tcp_admit_remove(a, s);
    tcp_admit_counts(a, &n);
    assert_int_equal(n.unauth + n.auth + n.addrs, 0);
    assert_int_equal(tcp_admit_addr_auth_count(a, SA(nat), LEN4), 0);
    assert_int_equal(tcp_admit_addr_count(a, SA(six), LEN6), 0);
    tcp_admit_destroy(a);
}

static void test_address_table_churn(void **state)
{
    (void)state;
    enum { U = 256, ADDRS = 600, STEPS = 20000 };
    struct tcp_admit *a = make(U, 1, 3, 1000000);
    uint32_t owner[U + 1]; /* address index per slot, or ADDRS for free */
    uint32_t state_rng = 12345;
    for (unsigned i = 0; i <= U; i++)
        owner[i] = ADDRS;
    for (unsigned step = 0; step < STEPS; step++) {
        state_rng = state_rng * 1103515245u + 12345u;
        uint32_t r = state_rng >> 8;
        uint32_t slot = r % (U + 1), addr = (r >> 9) % ADDRS;
        if (owner[slot] != ADDRS) {
            tcp_admit_remove(a, slot);
            owner[slot] = ADDRS;
            continue;
        }
        struct sockaddr_storage ss = v4(0x0a000000 + addr * 7919u, 1);
        uint32_t evict;
        int rc = tcp_admit_check(a, SA(ss), LEN4, &evict);
        if (rc == ERR_DENIED)
            continue;
        assert_int_equal(rc, 0);
        if (evict != TCP_ADMIT_NONE) {
            assert_int_not_equal(owner[evict], ADDRS);
            tcp_admit_remove(a, evict);
            owner[evict] = ADDRS;
        }
        assert_int_equal(tcp_admit_add(a, slot, step, SA(ss), LEN4), 0);
        owner[slot] = addr;
        if (step % 97 == 0) {
            unsigned distinct = 0, total = 0;
            for (uint32_t x = 0; x < ADDRS; x++) {
                uint32_t want = 0;
                for (unsigned s = 0; s <= U; s++)
                    want += owner[s] == x;
                struct sockaddr_storage xs = v4(0x0a000000 + x * 7919u, 1);
                assert_int_equal(tcp_admit_addr_count(a, SA(xs), LEN4), want);
                distinct += want > 0;
                total += want;
            }
            struct tcp_admit_counts n;
            tcp_admit_counts(a, &n);
            assert_int_equal(n.addrs, distinct);
            assert_int_equal(n.unauth, total);
        }
    }
    tcp_admit_destroy(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config),
        cmocka_unit_test(test_deadline),
        cmocka_unit_test(test_per_address),
        cmocka_unit_test(test_eviction),
        cmocka_unit_test(test_authenticated_budget),
        cmocka_unit_test(test_authenticated_per_address),
        cmocka_unit_test(test_address_table_churn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
