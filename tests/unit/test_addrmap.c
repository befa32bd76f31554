/* Tests for media/addrmap.c: the worker's address -> session map. IPv4,
 * IPv6 and UDP/TCP are distinct keys; put replaces; the 3/4 limit; delete
 * by value; and random operations against an array model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "media/addrmap.h"
#include "base/err.h"

static struct stun_addr v4(uint32_t ip, uint16_t port)
{
    struct stun_addr a;
    memset(&a, 0, sizeof a);
    a.family = STUN_FAMILY_IPV4;
    a.port = port;
    a.ip[0] = (uint8_t)(ip >> 24);
    a.ip[1] = (uint8_t)(ip >> 16);
    a.ip[2] = (uint8_t)(ip >> 8);
    a.ip[3] = (uint8_t)ip;
    return a;
}

static void test_keys(void **state)
{
    (void)state;
    struct addrmap *m;
    int x, y, z;
    assert_int_equal(addrmap_create(&m, 64), 0);
    struct stun_addr a = v4(0x0a000001, 5000), b = v4(0x0a000001, 5001);
    struct stun_addr c;
    memset(&c, 0, sizeof c);
    c.family = STUN_FAMILY_IPV6;
    c.port = 5000;
    c.ip[0] = 0x0a;
    c.ip[3] = 0x01; /* the same first four bytes as a */
    assert_int_equal(addrmap_put(m, &a, 0, &x), 0);
    assert_int_equal(addrmap_put(m, &a, 1, &y), 0); /* TCP: another key */
    assert_int_equal(addrmap_put(m, &c, 0, &z), 0);
    assert_ptr_equal(addrmap_get(m, &a, 0), &x);
    assert_ptr_equal(addrmap_get(m, &a, 1), &y);
    assert_ptr_equal(addrmap_get(m, &c, 0), &z);
    assert_null(addrmap_get(m, &b, 0));
    assert_int_equal(addrmap_put(m, &a, 0, &z), 0); /* replaces */
    assert_ptr_equal(addrmap_get(m, &a, 0), &z);
    assert_int_equal(addrmap_count(m), 3);
    addrmap_del_value(m, &z);
    assert_int_equal(addrmap_count(m), 1);
    assert_ptr_equal(addrmap_get(m, &a, 1), &y);
    addrmap_del(m, &a, 1);
    assert_int_equal(addrmap_count(m), 0);
    addrmap_destroy(m);
}

static void test_limit(void **state)
{
    (void)state;
    struct addrmap *m;
    int x;
    assert_int_equal(addrmap_create(&m, 16), 0);
    for (uint16_t p = 0; p < 12; p++) {
        struct stun_addr a = v4(0x7f000001, p);
        assert_int_equal(addrmap_put(m, &a, 0, &x), 0);
    }
    struct stun_addr a = v4(0x7f000001, 99);
    assert_int_equal(addrmap_put(m, &a, 0, &x), ERR_FULL);
    assert_null(addrmap_get(m, &a, 0));
    addrmap_destroy(m);
}

/* One sender's ports, deleted and re-added at random (deletes shift probe
 * chains), checked against an array; values shared by many entries go with
 * addrmap_del_value. */
static void test_model(void **state)
{
    (void)state;
    enum { KEYS = 3000, STEPS = 30000, VALUES = 7 };
    static int vals[VALUES];
    static int *model[KEYS];
    struct addrmap *m;
    uint32_t rng = 1;
    size_t n = 0;
    assert_int_equal(addrmap_create(&m, 8192), 0);
    for (unsigned step = 0; step < STEPS; step++) {
        rng = rng * 1103515245u + 12345u;
        size_t k = (rng >> 8) % KEYS;
        struct stun_addr a = v4(0xc0a80001, (uint16_t)(1024 + k));
        unsigned op = (rng >> 24) % 16;
        if (op == 0) {
            int *v = &vals[(rng >> 4) % VALUES];
            addrmap_del_value(m, v);
            for (size_t j = 0; j < KEYS; j++) {
                if (model[j] == v) {
                    model[j] = NULL;
                    n--;
                }
            }
        } else if (op < 6) {
            addrmap_del(m, &a, 0);
            if (model[k])
                n--;
            model[k] = NULL;
        } else {
            int *v = &vals[(rng >> 4) % VALUES];
            assert_int_equal(addrmap_put(m, &a, 0, v), 0);
            if (!model[k])
                n++;
            model[k] = v;
        }
        assert_int_equal(addrmap_count(m), n);
        if (step % 500 == 0) {
            for (size_t j = 0; j < KEYS; j++) {
                struct stun_addr b = v4(0xc0a80001, (uint16_t)(1024 + j));
                assert_ptr_equal(addrmap_get(m, &b, 0), model[j]);
            }
        }
    }
    addrmap_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_limit),
        cmocka_unit_test(test_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
