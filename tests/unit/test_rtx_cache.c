/* Tests for media/rtx_cache.c: the per-stream ring of recent packets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "media/rtx_cache.h"
#include "base/err.h"
#include "tests/fuzz/rtx_cache_model.h"

static void fill(uint8_t *b, size_t n, int64_t seq)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(seq * 7 + (int64_t)i);
}

static void test_create_invalid(void **state)
{
    struct rtx_cache *c = (struct rtx_cache *)1;

    (void)state;
    assert_int_equal(rtx_cache_create(&c, 0, RTX_CACHE_VIDEO_BYTES), ERR_INVAL);
    assert_null(c);
    assert_int_equal(rtx_cache_create(&c, 100, RTX_CACHE_VIDEO_BYTES),
                     ERR_INVAL); /* not a power of two */
    assert_int_equal(rtx_cache_create(&c, RTX_CACHE_MAX_SLOTS * 2, RTX_CACHE_VIDEO_BYTES),
                     ERR_INVAL);
    assert_int_equal(rtx_cache_create(&c, 64, RTX_CACHE_PKT_CAP - 1),
                     ERR_INVAL); /* no room for one */
    assert_int_equal(rtx_cache_create(&c, 64, RTX_CACHE_MAX_BYTES + 1), ERR_INVAL);
    rtx_cache_destroy(NULL);
}

static void test_put_get(void **state)
{
    struct rtx_cache *c;
    uint8_t b[1200];
    const uint8_t *v;
    size_t len;

    (void)state;
    assert_int_equal(rtx_cache_create(&c, 64, RTX_CACHE_VIDEO_BYTES), 0);
    assert_int_equal(rtx_cache_slots(c), 64);
    assert_false(rtx_cache_get(c, 5, &v, &len));
    for (int64_t s = 100; s < 164; s++) {
        fill(b, (size_t)(s % 100) + 12, s);
        assert_int_equal(rtx_cache_put(c, s, b, (size_t)(s % 100) + 12), 0);
    }
    for (int64_t s = 100; s < 164; s++) {
        assert_true(rtx_cache_has(c, s));
        assert_true(rtx_cache_get(c, s, &v, &len));
        assert_int_equal(len, (size_t)(s % 100) + 12);
        fill(b, len, s);
        assert_memory_equal(v, b, len);
    }
    assert_false(rtx_cache_has(c, 99));
    assert_false(rtx_cache_has(c, 164));
    rtx_cache_destroy(c);
}

static void test_overwrite_is_a_miss(void **state)
{
    struct rtx_cache *c;
    uint8_t b[100];
    const uint8_t *v;
    size_t len;

    (void)state;
    assert_int_equal(rtx_cache_create(&c, 16, RTX_CACHE_VIDEO_BYTES), 0);
    fill(b, sizeof(b), 3);
    assert_int_equal(rtx_cache_put(c, 3, b, sizeof(b)), 0);
    assert_int_equal(rtx_cache_put(c, 3 + 16, b, 10), 0); /* same slot */
    assert_false(rtx_cache_get(c, 3, &v, &len));
    assert_true(rtx_cache_get(c, 19, &v, &len));
    assert_int_equal(len, 10);
    /* The same 16-bit number 65536 packets later is another packet. */
    assert_false(rtx_cache_has(c, 19 + 65536));
    rtx_cache_clear(c);
    assert_false(rtx_cache_has(c, 19));
    rtx_cache_destroy(c);
}

static void test_put_invalid(void **state)
{
    struct rtx_cache *c;
    static uint8_t big[RTX_CACHE_PKT_CAP + 1];
    const uint8_t *v;
    size_t len;

    (void)state;
    assert_int_equal(rtx_cache_create(&c, 1, RTX_CACHE_PKT_CAP), 0);
    assert_int_equal(rtx_cache_put(c, 1, big, sizeof(big)), ERR_TOOBIG);
    assert_int_equal(rtx_cache_put(c, 1, big, 0), ERR_INVAL);
    assert_int_equal(rtx_cache_put(c, -1, big, 10), ERR_INVAL);
    assert_false(rtx_cache_get(c, -1, &v, &len));
    assert_int_equal(rtx_cache_put(c, 1, big, RTX_CACHE_PKT_CAP), 0);
    assert_true(rtx_cache_get(c, 1, &v, &len));
    assert_int_equal(len, RTX_CACHE_PKT_CAP);
    rtx_cache_destroy(c);
}

/* Puts packets first..last-1 of len bytes each. */
static void put_run(struct rtx_cache *c, int64_t first, int64_t last, size_t len)
{
    uint8_t b[RTX_CACHE_PKT_CAP];

    for (int64_t s = first; s < last; s++) {
        fill(b, len, s);
        assert_int_equal(rtx_cache_put(c, s, b, len), 0);
    }
}

/* True when s is held with the bytes put_run gave it. */
static bool held(const struct rtx_cache *c, int64_t s, size_t len)
{
    uint8_t b[RTX_CACHE_PKT_CAP];
    const uint8_t *v;
    size_t n;

    if (!rtx_cache_get(c, s, &v, &n))
        return false;
    assert_int_equal(n, len);
    fill(b, len, s);
    assert_memory_equal(v, b, len);
    return true;
}

/* A ring of 8000 usable bytes of 1000-byte packets holds the last eight;
 * every older one is a miss, however often the ring has wrapped, though
 * the last 64 (the slots) are still known to have been stored. */
static void test_evict_by_bytes(void **state)
{
    struct rtx_cache *c;

    (void)state;
    assert_int_equal(rtx_cache_create(&c, 64, 8192), 0);
    for (int64_t last = 1; last < 200; last++) {
        put_run(c, last - 1, last, 1000);
        for (int64_t s = 0; s < last; s++) {
            assert_int_equal(held(c, s, 1000), s >= last - 8);
            /* Seen (a duplicate) until another number takes its slot. */
            assert_int_equal(rtx_cache_has(c, s), s >= last - 64);
        }
    }
    assert_true(rtx_cache_bytes(c) <= 8192 + 64 * 32 + 256);
    rtx_cache_destroy(c);
}

/* Packets of changing sizes: the one that does not fit at the end of the
 * ring goes to its start, over the oldest; what lay there is gone, what
 * lies after it is still there. */
static void test_wrap(void **state)
{
    struct rtx_cache *c;

    (void)state;
    assert_int_equal(rtx_cache_create(&c, 16, 4096), 0);
    put_run(c, 0, 3, 1200); /* 0..3600 */
    put_run(c, 3, 4, 900);  /* 4096 - 3600 < 900: at 0, over packet 0 */
    assert_false(held(c, 0, 1200));
    assert_true(held(c, 1, 1200));
    assert_true(held(c, 2, 1200));
    assert_true(held(c, 3, 900));
    put_run(c, 4, 5, 300); /* 900..1200: fits before packet 1 */
    assert_true(held(c, 1, 1200));
    put_run(c, 5, 6, 100); /* 1200..1300: over packet 1 */
    assert_false(held(c, 1, 1200));
    assert_true(held(c, 2, 1200));
    assert_true(held(c, 4, 300));
    assert_true(held(c, 5, 100));
    put_run(c, 6, 7, RTX_CACHE_PKT_CAP); /* 1300..3348: over packet 2 */
    assert_false(held(c, 2, 1200));
    for (int64_t s = 3; s < 7; s++)
        assert_true(held(c, s, s == 3 ? 900 : s == 4 ? 300 : s == 5 ? 100 : RTX_CACHE_PKT_CAP));
    rtx_cache_destroy(c);
}

/* The ring starts small, grows with what the stream carries (keeping
 * every packet through the copy) and stops at the budget. */
static void test_grows_to_budget(void **state)
{
    struct rtx_cache *c;
    size_t small, index = 512 * 32 + 256;

    (void)state;
    assert_int_equal(rtx_cache_create(&c, 512, RTX_CACHE_VIDEO_BYTES), 0);
    small = rtx_cache_bytes(c);
    assert_true(small <= RTX_CACHE_FIRST_BYTES + index);
    put_run(c, 0, 512, 100); /* 51200 bytes */
    for (int64_t s = 0; s < 512; s++)
        assert_true(held(c, s, 100));
    assert_true(rtx_cache_bytes(c) <= 2 * 51200 + index);
    put_run(c, 512, 2048, 1200);
    assert_true(rtx_cache_bytes(c) <= RTX_CACHE_VIDEO_BYTES + index);
    for (int64_t s = 2048 - 200; s < 2048; s++)
        assert_true(held(c, s, 1200));
    assert_false(held(c, 2048 - (RTX_CACHE_VIDEO_BYTES / 1200 + 1), 1200));
    /* Fewer bytes again: the slots, not the bytes, are the limit. */
    put_run(c, 2048, 4096, 200);
    for (int64_t s = 4096 - 512; s < 4096; s++)
        assert_true(held(c, s, 200));
    assert_false(held(c, 4096 - 513, 200));
    rtx_cache_destroy(c);
}

/* Packets of RTX_CACHE_PKT_CAP bytes in a budget of two of them: each is
 * held until the next but one; one byte more is refused and changes
 * nothing. */
static void test_oversize(void **state)
{
    struct rtx_cache *c;
    static uint8_t big[RTX_CACHE_PKT_CAP + 1];

    (void)state;
    assert_int_equal(rtx_cache_create(&c, 8, 2 * RTX_CACHE_PKT_CAP), 0);
    for (int64_t s = 0; s < 20; s++) {
        put_run(c, s, s + 1, RTX_CACHE_PKT_CAP);
        assert_int_equal(rtx_cache_put(c, s + 1, big, sizeof(big)), ERR_TOOBIG);
        assert_false(rtx_cache_has(c, s + 1));
        assert_true(held(c, s, RTX_CACHE_PKT_CAP));
        if (s > 0)
            assert_true(held(c, s - 1, RTX_CACHE_PKT_CAP));
        if (s > 1)
            assert_false(held(c, s - 2, RTX_CACHE_PKT_CAP));
    }
    rtx_cache_destroy(c);
}

/* The slots bound the packets held even when the bytes would not; a
 * clear forgets them all and the cache fills again. */
static void test_slots_and_clear(void **state)
{
    struct rtx_cache *c;

    (void)state;
    assert_int_equal(rtx_cache_create(&c, 32, RTX_CACHE_VIDEO_BYTES), 0);
    put_run(c, 1000, 1100, 50);
    for (int64_t s = 1000; s < 1100; s++)
        assert_int_equal(held(c, s, 50), s >= 1100 - 32);
    rtx_cache_clear(c);
    for (int64_t s = 1000; s < 1100; s++)
        assert_false(rtx_cache_has(c, s));
    put_run(c, 5, 6, 60); /* numbering started again */
    assert_true(held(c, 5, 60));
    assert_false(rtx_cache_has(c, 1099));
    rtx_cache_destroy(c);
}

/* The top layer's budget, a third of it for the one below, never less
 * than RTX_CACHE_LOW_BYTES; audio's own. */
static void test_budgets(void **state)
{
    (void)state;
    assert_int_equal(rtx_cache_budget(true, 2, 3), RTX_CACHE_VIDEO_BYTES);
    assert_int_equal(rtx_cache_budget(true, 1, 3), RTX_CACHE_VIDEO_BYTES / 3);
    assert_int_equal(rtx_cache_budget(true, 0, 3), RTX_CACHE_LOW_BYTES);
    assert_int_equal(rtx_cache_budget(true, 0, 2), RTX_CACHE_VIDEO_BYTES / 3);
    assert_int_equal(rtx_cache_budget(true, 0, 1), RTX_CACHE_VIDEO_BYTES);
    assert_int_equal(rtx_cache_budget(true, 5, 3), RTX_CACHE_VIDEO_BYTES);
    assert_int_equal(rtx_cache_budget(false, 0, 1), RTX_CACHE_AUDIO_BYTES);
    for (size_t l = 0; l < 3; l++) {
        struct rtx_cache *c;

        assert_int_equal(rtx_cache_create(&c, 512, rtx_cache_budget(true, l, 3)), 0);
        rtx_cache_destroy(c);
    }
}

static uint64_t rng_next(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* Random streams (in order mostly, repairs, duplicates, jumps, sizes from
 * audio's to the largest) against the reference model. */
static void test_model(void **state)
{
    static struct rcm m;
    static const size_t shape[][2] = {{64, RTX_CACHE_AUDIO_BYTES},
                                      {512, RTX_CACHE_VIDEO_BYTES},
                                      {16, 5000},
                                      {4, RTX_CACHE_PKT_CAP}};
    uint64_t x = 0x9e3779b97f4a7c15u;

    (void)state;
    for (size_t k = 0; k < sizeof(shape) / sizeof(shape[0]); k++) {
        int64_t last = 0;

        assert_int_equal(rcm_init(&m, shape[k][0], shape[k][1]), 0);
        for (int i = 0; i < 20000; i++) {
            uint64_t r = rng_next(&x);
            size_t len = r % 8 == 0 ? (size_t)(r >> 8) % (RTX_CACHE_PKT_CAP + 2)
                                    : 60 + (size_t)(r >> 8) % (k == 0 ? 300 : 1200);
            int64_t ext = r % 16 < 12 ? last + 1 : last - (int64_t)((r >> 24) % 40) + 20;

            if (r % 4096 == 0) {
                rcm_clear(&m);
                continue;
            }
            assert_true(rcm_put(&m, ext, len));
            if (ext > last && len >= 1 && len <= RTX_CACHE_PKT_CAP)
                last = ext;
            assert_true(rcm_check(&m, last - (int64_t)((r >> 32) % 600)));
            assert_true(rcm_check(&m, ext));
            assert_true(rcm_check_bytes(&m));
        }
        rtx_cache_destroy(m.c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_invalid),
        cmocka_unit_test(test_put_get),
        cmocka_unit_test(test_overwrite_is_a_miss),
        cmocka_unit_test(test_put_invalid),
        cmocka_unit_test(test_evict_by_bytes),
        cmocka_unit_test(test_wrap),
        cmocka_unit_test(test_grows_to_budget),
        cmocka_unit_test(test_oversize),
        cmocka_unit_test(test_slots_and_clear),
        cmocka_unit_test(test_budgets),
        cmocka_unit_test(test_model),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
