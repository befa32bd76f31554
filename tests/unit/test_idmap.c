/* Tests for media/siphash.c (the reference vectors of the SipHash paper)
 * and media/idmap.c: put/get/replace/delete against a plain array model
 * over many random operations, growth, the entry limit, and keys chosen to
 * collide under an unkeyed hash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "media/idmap.h"
#include "media/siphash.h"
#include "base/err.h"

static void test_siphash_vectors(void **state)
{
    (void)state;
    uint8_t key[SIPHASH_KEY_LEN], msg[64];
    for (unsigned i = 0; i < sizeof key; i++)
        key[i] = (uint8_t)i;
    for (unsigned i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)i;
    /* Appendix A of the paper (key 00..0f, message 00..len-1). */
    assert_true(siphash(key, msg, 0) == 0x726fdb47dd0e0e31ULL);
    assert_true(siphash(key, msg, 1) == 0x74f839c593dc67fdULL);
    assert_true(siphash(key, msg, 8) == 0x93f5f5799a932462ULL);
    assert_true(siphash(key, msg, 15) == 0xa129ca6149be45e5ULL);
    /* The 8-byte form is the same function. */
    uint64_t v = 0x0706050403020100ULL;
    assert_true(siphash_u64(key, v) == siphash(key, msg, 8));
    assert_true(siphash_u64(key, 42) != siphash_u64(key, 43));
}

static void test_basic(void **state)
{
    (void)state;
    struct idmap *m;
    int a, b;
    uint32_t tag = 0;
    assert_int_equal(idmap_create(&m, 0, 0), ERR_INVAL);
    assert_int_equal(idmap_create(&m, 8, 4), ERR_INVAL);
    assert_int_equal(idmap_create(&m, 4, 16), 0);
    assert_null(idmap_get(m, 1, NULL));
    assert_int_equal(idmap_put(m, 1, &a, 7), 0);
    assert_int_equal(idmap_put(m, 0, &b, 8), 0); /* 0 is a key like any other */
    assert_ptr_equal(idmap_get(m, 1, &tag), &a);
    assert_int_equal(tag, 7);
    assert_ptr_equal(idmap_get(m, 0, &tag), &b);
    assert_int_equal(tag, 8);
    assert_int_equal(idmap_put(m, 1, &b, 9), 0); /* replaces */
    assert_ptr_equal(idmap_get(m, 1, &tag), &b);
    assert_int_equal(tag, 9);
    assert_int_equal(idmap_count(m), 2);
    assert_true(idmap_del(m, 1));
    assert_false(idmap_del(m, 1));
    assert_null(idmap_get(m, 1, NULL));
    assert_int_equal(idmap_count(m), 1);
    idmap_destroy(m);
    idmap_destroy(NULL);
}

static void test_limit_and_growth(void **state)
{
    (void)state;
    struct idmap *m;
    static int vals[1000];
    assert_int_equal(idmap_create(&m, 1, 1000), 0);
    for (uint64_t k = 0; k < 1000; k++)
        assert_int_equal(idmap_put(m, k * 7919, &vals[k], (uint32_t)k), 0);
    assert_int_equal(idmap_put(m, 1, &vals[0], 0), ERR_FULL);
    assert_null(idmap_get(m, 1, NULL));
    assert_int_equal(idmap_put(m, 7919, &vals[5], 5), 0); /* replacing at the limit is fine */
    assert_int_equal(idmap_count(m), 1000);
    for (uint64_t k = 0; k < 1000; k++) {
        uint32_t tag;
        assert_ptr_equal(idmap_get(m, k * 7919, &tag), k == 1 ? &vals[5] : &vals[k]);
    }
    idmap_destroy(m);
}

/* Keys that share their low 32 bits (what a modulo hash would see) or
 * differ only in high bits: all found, the table never refuses one. */
static void test_colliding_keys(void **state)
{
    (void)state;
    struct idmap *m;
    int v;
    assert_int_equal(idmap_create(&m, 4096, 4096), 0);
    for (uint64_t k = 0; k < 4096; k++)
        assert_int_equal(idmap_put(m, k << 40 | 0x1234, &v, (uint32_t)k), 0);
    for (uint64_t k = 0; k < 4096; k++) {
        uint32_t tag;
        assert_ptr_equal(idmap_get(m, k << 40 | 0x1234, &tag), &v);
        assert_int_equal(tag, (uint32_t)k);
    }
    assert_null(idmap_get(m, 0x1234 | (uint64_t)5000 << 40, NULL));
    idmap_destroy(m);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Random puts and deletes over a small key space (so deletes hit and
 * probe chains wrap), checked against an array after every step. */
static void test_model(void **state)
{
    (void)state;
    enum { KEYS = 300, STEPS = 20000 };
    static int vals[KEYS];
    bool present[KEYS] = {false};
    uint32_t tags[KEYS] = {0};
    size_t n = 0;
    struct idmap *m;
    assert_int_equal(idmap_create(&m, 8, KEYS), 0);
    for (unsigned step = 0; step < STEPS; step++) {
        size_t k = (size_t)(rng() % KEYS);
        uint64_t key = (uint64_t)k * 0x100000001ULL;
        if (rng() % 3 == 0) {
            assert_int_equal(idmap_del(m, key), present[k]);
            if (present[k])
                n--;
            present[k] = false;
        } else {
            uint32_t t = (uint32_t)rng();
            assert_int_equal(idmap_put(m, key, &vals[k], t), 0);
            if (!present[k])
                n++;
            present[k] = true;
            tags[k] = t;
        }
        assert_int_equal(idmap_count(m), n);
        if (step % 97 == 0) {
            for (size_t j = 0; j < KEYS; j++) {
                uint32_t t = 0;
                void *got = idmap_get(m, (uint64_t)j * 0x100000001ULL, &t);
                if (present[j]) {
                    assert_ptr_equal(got, &vals[j]);
                    assert_int_equal(t, tags[j]);
                } else {
                    assert_null(got);
                }
            }
        }
    }
    idmap_destroy(m);
}

static void test_hash_bytes_keyed(void **state)
{
    (void)state;
    struct idmap *a, *b;
    assert_int_equal(idmap_create(&a, 4, 4), 0);
    assert_int_equal(idmap_create(&b, 4, 4), 0);
    /* Same table, same string: same hash; another table has its own key. */
    assert_true(idmap_hash_bytes(a, "abcd", 4) == idmap_hash_bytes(a, "abcd", 4));
    assert_true(idmap_hash_bytes(a, "abcd", 4) != idmap_hash_bytes(a, "abce", 4));
    assert_true(idmap_hash_bytes(a, "abcd", 4) != idmap_hash_bytes(b, "abcd", 4));
    idmap_destroy(a);
    idmap_destroy(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_siphash_vectors),
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_limit_and_growth),
        cmocka_unit_test(test_colliding_keys),
        cmocka_unit_test(test_model),
        cmocka_unit_test(test_hash_bytes_keyed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
