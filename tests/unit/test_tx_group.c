/* Tests for media/tx_group.c: the send queue grouped by destination. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "media/pool.h"
#include "media/tx_group.h"

static struct pkt pkts[40];

/* Packet i goes to 127.0.0.1:port (IPv4) or [::1]:port (IPv6), tagged i. */
static struct pkt *to(size_t i, uint16_t port, bool v6)
{
    struct pkt *p = &pkts[i];
    memset(&p->addr, 0, sizeof p->addr);
    if (v6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&p->addr;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(port);
        a->sin6_addr = in6addr_loopback;
        p->addrlen = sizeof *a;
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&p->addr;
        a->sin_family = AF_INET;
        a->sin_port = htons(port);
        a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        p->addrlen = sizeof *a;
    }
    p->len = i;
    return p;
}

static void interleaved_becomes_grouped(void **state)
{
    /* A1 B1 C1(v6) A2 B2 C2 A3 B3: A's, then B's, then C's, each in order. */
    struct pkt *q[8], *scratch[8];
    const uint16_t port[] = {1000, 2000, 1000};
    (void)state;
    for (size_t i = 0; i < 8; i++)
        q[i] = to(i, port[i % 3], i % 3 == 2);
    assert_int_equal(tx_group_by_dest(q, 8, scratch), 3);
    const size_t want[] = {0, 3, 6, 1, 4, 7, 2, 5};
    for (size_t i = 0; i < 8; i++)
        assert_int_equal(q[i]->len, want[i]);
}

static void same_address_other_family_or_port(void **state)
{
    struct sockaddr_storage a, b;
    (void)state;
    a = to(0, 5000, false)->addr;
    b = to(1, 5000, false)->addr;
    assert_true(tx_same_dest(&a, &b));
    b = to(1, 5001, false)->addr;
    assert_false(tx_same_dest(&a, &b));
    b = to(1, 5000, true)->addr;
    assert_false(tx_same_dest(&a, &b));
    a = to(0, 5000, true)->addr;
    assert_true(tx_same_dest(&a, &b));
    ((struct sockaddr_in6 *)&b)->sin6_scope_id = 3;
    assert_false(tx_same_dest(&a, &b));
    a.ss_family = AF_UNIX;
    b.ss_family = AF_UNIX;
    assert_false(tx_same_dest(&a, &b));
}

/* More destinations than TX_GROUP_MAX: the first ones are grouped, the rest
 * keep their queued order, and nothing is lost or repeated. */
static void many_destinations(void **state)
{
    enum { N = 40 };
    struct pkt *q[N], *scratch[N];
    (void)state;
    for (size_t i = 0; i < N; i++)
        q[i] = to(i, (uint16_t)(3000 + i % 20), false); /* 20 destinations, 2 each */
    assert_int_equal(tx_group_by_dest(q, N, scratch), TX_GROUP_MAX);
    for (size_t i = 0; i < 2 * TX_GROUP_MAX; i++)
        assert_int_equal(q[i]->len, i / 2 + (i % 2) * 20);
    for (size_t i = 2 * TX_GROUP_MAX, k = TX_GROUP_MAX; i < N; i++) {
        /* the rest: 16..19, then 36..39, in queued order */
        size_t want = k < 20 ? k : k + 16;
        assert_int_equal(q[i]->len, want);
        k++;
    }
}

static void short_queues(void **state)
{
    struct pkt *q[1], *scratch[1];
    (void)state;
    assert_int_equal(tx_group_by_dest(q, 0, scratch), 0);
    q[0] = to(7, 9, false);
    assert_int_equal(tx_group_by_dest(q, 1, scratch), 1);
    assert_int_equal(q[0]->len, 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(interleaved_becomes_grouped),
        cmocka_unit_test(same_address_other_family_or_port),
        cmocka_unit_test(many_destinations),
        cmocka_unit_test(short_queues),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
