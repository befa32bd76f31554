/* Tests for media/jitter.c on a fake clock: in-order playout, reordering,
 * duplicates, loss with the next packet for FEC, late packets, sequence
 * and timestamp wrap, stream restart, DTX gaps, underrun concealment and
 * pause, the adaptive target delay, and hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "media/jitter.h"
#include "base/err.h"

#define MS 1000LL
#define FRAME_TS 960 /* 20 ms at 48 kHz */

struct run {
    struct jitter *j;
    int64_t now;
    uint16_t seq0;
    uint32_t ts0;
};

static void setup(struct run *r, uint16_t seq0, uint32_t ts0)
{
    memset(r, 0, sizeof(*r));
    assert_int_equal(jitter_create(&r->j, 48000), 0);
    r->now = 1000 * MS;
    r->seq0 = seq0;
    r->ts0 = ts0;
}

/* Puts packet number k (seq0 + k, ts0 + k frames); the payload carries k. */
static void put(struct run *r, unsigned k)
{
    uint8_t p[4] = {(uint8_t)(k >> 8), (uint8_t)k, 0xAB, 0xCD};

    assert_int_equal(jitter_put(r->j, r->now, (uint16_t)(r->seq0 + k), r->ts0 + k * FRAME_TS, false,
                                p, sizeof(p)),
                     0);
}

static unsigned payload_k(const struct jitter_out *o)
{
    assert_non_null(o->payload);
    assert_int_equal(o->len, 4);
    return (unsigned)o->payload[0] << 8 | o->payload[1];
}

/* Pops once; advances the clock 20 ms first. */
static enum jitter_result pop(struct run *r, struct jitter_out *o)
{
    r->now += 20 * MS;
    return jitter_pop(r->j, r->now, o);
}

static void stats(struct run *r, struct jitter_stats *st)
{
    jitter_get_stats(r->j, st);
}

/* Packets arrive just before each pop: every one is played, in order, one
 * frame after it arrived. */
static void test_in_order(void **state)
{
    struct run r;
    struct jitter_out o;
    struct jitter_stats st;
    unsigned played = 0;

    (void)state;
    setup(&r, 1000, 5000);
    assert_int_equal(jitter_pop(r.j, r.now, &o), JITTER_NONE); /* nothing yet */
    for (unsigned k = 0; k < 100; k++) {
        enum jitter_result res;

        put(&r, k);
        res = pop(&r, &o);
        if (res == JITTER_FRAME) {
            assert_int_equal(payload_k(&o), played);
            assert_int_equal(o.ts, 5000 + played * FRAME_TS);
            played++;
        } else {
            assert_int_equal(res, JITTER_NONE);
            assert_int_equal(played, 0);
        }
    }
    assert_true(played >= 99);
    stats(&r, &st);
    assert_int_equal(st.received, 100);
    assert_int_equal(st.lost + st.late + st.duplicates + st.concealed + st.resets, 0);
    assert_int_equal(st.target_us, JITTER_DELAY_MIN_US);
    jitter_destroy(r.j);
}

/* Drives pops until packet k is played; fails if anything else shows up
 * out of order. Returns the result kinds seen. */
static void expect_frames(struct run *r, unsigned from, unsigned to)
{
    struct jitter_out o;
    unsigned k = from;

    for (int guard = 0; k <= to && guard < 200; guard++) {
        enum jitter_result res = pop(r, &o);

        if (res == JITTER_NONE)
            continue;
        assert_int_equal(res, JITTER_FRAME);
        assert_int_equal(payload_k(&o), k);
        k++;
    }
    assert_int_equal(k, to + 1);
}

static void test_reorder_and_duplicates(void **state)
{
    struct run r;
    struct jitter_stats st;

    (void)state;
    setup(&r, 7, 0);
    put(&r, 1); /* arrives before 0: playout starts at 0 anyway */
    put(&r, 0);
    put(&r, 3);
    put(&r, 2);
    put(&r, 2); /* duplicate */
    put(&r, 4);
    expect_frames(&r, 0, 4);
    stats(&r, &st);
    assert_int_equal(st.received, 5);
    assert_int_equal(st.duplicates, 1);
    assert_int_equal(st.lost, 0);
    jitter_destroy(r.j);
}

/* A lost packet with the next one already there: LOST carrying the next
 * packet (for FEC), then the next packet itself. */
static void test_loss_fec(void **state)
{
    struct run r;
    struct jitter_out o;
    struct jitter_stats st;

    (void)state;
    setup(&r, 100, 0);
    for (unsigned k = 0; k < 8; k++)
        if (k != 5)
            put(&r, k);
    expect_frames(&r, 0, 4);
    assert_int_equal(pop(&r, &o), JITTER_LOST);
    assert_int_equal(payload_k(&o), 6);
    assert_int_equal(pop(&r, &o), JITTER_FRAME);
    assert_int_equal(payload_k(&o), 6);
    assert_int_equal(pop(&r, &o), JITTER_FRAME);
    assert_int_equal(payload_k(&o), 7);
    /* Two lost in a row: the first LOST has no next packet to offer. */
    put(&r, 10);
    assert_int_equal(pop(&r, &o), JITTER_LOST);
    assert_null(o.payload);
    assert_int_equal(pop(&r, &o), JITTER_LOST);
    assert_int_equal(payload_k(&o), 10);
    assert_int_equal(pop(&r, &o), JITTER_FRAME);
    assert_int_equal(payload_k(&o), 10);
    stats(&r, &st);
    assert_int_equal(st.lost, 3);
    assert_int_equal(st.fec, 2);
    assert_int_equal(st.concealed, 3);
    jitter_destroy(r.j);
}

/* A packet that comes after its frame was concealed and skipped is late. */
static void test_late(void **state)
{
    struct run r;
    struct jitter_out o;
    struct jitter_stats st;

    (void)state;
    setup(&r, 0, 0);
    put(&r, 0);
    put(&r, 2);
    expect_frames(&r, 0, 0);
    assert_int_equal(pop(&r, &o), JITTER_LOST); /* 1 missing, 2 is here */
    put(&r, 1);                                 /* too late now */
    assert_int_equal(pop(&r, &o), JITTER_FRAME);
    assert_int_equal(payload_k(&o), 2);
    stats(&r, &st);
    assert_int_equal(st.late, 1);
    assert_int_equal(st.received, 2);
    /* Late packets raise the target delay. */
    assert_true(st.target_us > JITTER_DELAY_MIN_US);
    jitter_destroy(r.j);
}

/* Sequence numbers and timestamps both wrap during the stream. */
static void test_wrap(void **state)
{
    struct run r;
    struct jitter_out o;
    struct jitter_stats st;
    unsigned played = 0;

    (void)state;
    setup(&r, 65530, 0xFFFFFFFFu - 3 * FRAME_TS);
    for (unsigned k = 0; k < 20; k++) {
        put(&r, k);
        if (pop(&r, &o) == JITTER_FRAME)
            assert_int_equal(payload_k(&o), played++);
    }
    assert_true(played >= 19);
    stats(&r, &st);
    assert_int_equal(st.lost + st.late + st.resets + st.concealed, 0);
    jitter_destroy(r.j);
}

/* The sender restarts with unrelated sequence numbers: one stray packet is
 * dropped, two in a row restart the buffer. */
static void test_restart(void **state)
{
    struct run r;
    struct jitter_out o;
    struct jitter_stats st;
    uint8_t p[4] = {0x12, 0x34, 0, 0};

    (void)state;
    setup(&r, 10, 0);
    for (unsigned k = 0; k < 5; k++) {
        put(&r, k);
        pop(&r, &o);
    }
    /* A stray far packet alone changes nothing. */
    assert_int_equal(jitter_put(r.j, r.now, 40000, 123, false, p, 4), 0);
    put(&r, 5);
    assert_int_equal(pop(&r, &o), JITTER_FRAME);
    stats(&r, &st);
    assert_int_equal(st.resets, 0);
    /* Two that follow each other: a new stream. */
    r.seq0 = 30000;
    r.ts0 = 777;
    put(&r, 0);
    put(&r, 1);
    put(&r, 2);
    stats(&r, &st);
    assert_int_equal(st.resets, 1);
    expect_frames(&r, 1, 2);
    jitter_destroy(r.j);
}

/* DTX: consecutive sequence numbers with a timestamp jump are silence
 * (NONE), not loss. */
static void test_dtx_gap(void **state)
{
    struct run r;
    struct jitter_out o;
    struct jitter_stats st;
    unsigned none = 0;
    uint8_t p[4] = {0, 99, 0, 0};

    (void)state;
    setup(&r, 0, 0);
    put(&r, 0);
    put(&r, 1);
    /* seq 2 carries the timestamp of frame 10: eight frames of silence */
    assert_int_equal(jitter_put(r.j, r.now, 2, 10 * FRAME_TS, false, p, 4), 0);
    expect_frames(&r, 0, 1);
    for (int i = 0; i < 20; i++) {
        enum jitter_result res = pop(&r, &o);

        if (res == JITTER_FRAME) {
            assert_int_equal(payload_k(&o), 99);
            break;
        }
        assert_int_equal(res, JITTER_NONE);
        none++;
    }
    assert_int_equal(none, 8);
    /* A jump of ten seconds (a sender that stopped sending while muted) is
     * not played out as silence: the next packet plays at once. */
    p[1] = 100;
    assert_int_equal(jitter_put(r.j, r.now, 3, 510 * FRAME_TS, false, p, 4), 0);
    assert_int_equal(pop(&r, &o), JITTER_FRAME);
    assert_int_equal(payload_k(&o), 100);
    stats(&r, &st);
    assert_int_equal(st.lost, 0);
    assert_int_equal(st.concealed, 0);
    jitter_destroy(r.j);
}

/* The sender stops: a few frames are concealed, then NONE; when it comes
 * back, playout resumes after the target delay. */
static void test_underrun_pause(void **state)
{
    struct run r;
    struct jitter_out o;
    struct jitter_stats st;
    unsigned lost = 0;

    (void)state;
    setup(&r, 0, 0);
    put(&r, 0);
    expect_frames(&r, 0, 0);
    for (int i = 0; i < 50; i++) {
        enum jitter_result res = pop(&r, &o);

        if (res == JITTER_LOST) {
            assert_null(o.payload);
            lost++;
        } else {
            assert_int_equal(res, JITTER_NONE);
        }
    }
    assert_int_equal(lost, JITTER_CONCEAL_MAX);
    stats(&r, &st);
    assert_int_equal(st.concealed, JITTER_CONCEAL_MAX);
    assert_int_equal(st.lost, 0);
    /* It resumes where it left off (after a mute, timestamps jumped). */
    r.ts0 += 1000000;
    put(&r, 1);
    expect_frames(&r, 1, 1);
    jitter_destroy(r.j);
}

/* Jittery arrivals raise the target delay; after which no packet is late. */
static void test_adaptive(void **state)
{
    struct run r;
    struct jitter_out o;
    struct jitter_stats st;
    unsigned seed = 3, next = 0, late_after = 0;
    int64_t arrive[600];

    (void)state;
    setup(&r, 0, 0);
    for (unsigned k = 0; k < 600; k++)
        arrive[k] = r.now + (int64_t)k * 20 * MS + (rand_r(&seed) % 50) * MS;
    for (unsigned t = 0; t < 620; t++) {
        int64_t tick = 1000 * MS + (int64_t)t * 20 * MS;

        while (next < 600 && arrive[next] <= tick) {
            /* out-of-order arrival: the jittered times decide the order */
            unsigned k = next++;
            uint8_t p[4] = {(uint8_t)(k >> 8), (uint8_t)k, 0, 0};

            r.now = arrive[k];
            jitter_put(r.j, r.now, (uint16_t)k, k * FRAME_TS, false, p, 4);
        }
        r.now = tick;
        jitter_pop(r.j, r.now, &o);
        if (t == 300) {
            stats(&r, &st);
            late_after = (unsigned)(st.late + st.lost);
        }
    }
    stats(&r, &st);
    assert_true(st.jitter_us > 5000);
    assert_true(st.target_us >= 40000 && st.target_us <= JITTER_DELAY_MAX_US);
    /* Once adapted, losses are rare. */
    assert_true(st.late + st.lost - late_after <= 15);
    jitter_destroy(r.j);
}

/* A buffer that has filled far beyond the target drains back. */
static void test_drain(void **state)
{
    struct run r;
    struct jitter_out o;
    struct jitter_stats st;

    (void)state;
    setup(&r, 0, 0);
    for (unsigned k = 0; k < 10; k++)
        put(&r, k); /* a burst of ten: 200 ms queued */
    for (unsigned k = 10; k < 300; k++) {
        put(&r, k);
        pop(&r, &o);
    }
    stats(&r, &st);
    assert_true(st.discarded >= 5);
    assert_int_equal(st.lost, 0);
    jitter_destroy(r.j);
}

static void test_hostile(void **state)
{
    struct jitter *j;
    struct jitter_out o;
    struct jitter_stats st, prev;
    uint8_t big[JITTER_PAYLOAD_MAX + 1] = {0};
    unsigned seed = 11;
    int64_t now = 0;

    (void)state;
    assert_int_equal(jitter_create(&j, 8001), ERR_INVAL);
    assert_int_equal(jitter_create(&j, 8000), 0);
    assert_int_equal(jitter_put(j, 0, 1, 1, false, big, 0), ERR_PARSE);
    assert_int_equal(jitter_put(j, 0, 1, 1, false, big, sizeof(big)), ERR_TOOBIG);
    jitter_get_stats(j, &prev);
    for (int i = 0; i < 20000; i++) {
        unsigned op = (unsigned)rand_r(&seed);

        now += (op % 7) * 5 * MS;
        if (op % 3) {
            uint16_t seq = (uint16_t)(op % 5 ? i + (int)(op % 9) : rand_r(&seed));
            uint32_t ts = op % 11 ? (uint32_t)i * 160 : (uint32_t)rand_r(&seed);

            assert_int_equal(jitter_put(j, now, seq, ts, op & 1, big, 1 + op % 200), 0);
        } else {
            enum jitter_result res = jitter_pop(j, now, &o);

            if (res == JITTER_FRAME)
                assert_true(o.payload != NULL && o.len >= 1 && o.len <= 200);
            if (res == JITTER_NONE)
                assert_null(o.payload);
        }
        jitter_get_stats(j, &st);
        assert_true(st.received >= prev.received && st.lost >= prev.lost && st.late >= prev.late &&
                    st.concealed >= prev.concealed);
        assert_true(st.target_us >= JITTER_DELAY_MIN_US && st.target_us <= JITTER_DELAY_MAX_US);
        prev = st;
    }
    jitter_reset(j);
    assert_int_equal(jitter_pop(j, now, &o), JITTER_NONE);
    jitter_destroy(j);
    jitter_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_order), cmocka_unit_test(test_reorder_and_duplicates),
        cmocka_unit_test(test_loss_fec), cmocka_unit_test(test_late),
        cmocka_unit_test(test_wrap),     cmocka_unit_test(test_restart),
        cmocka_unit_test(test_dtx_gap),  cmocka_unit_test(test_underrun_pause),
        cmocka_unit_test(test_adaptive), cmocka_unit_test(test_drain),
        cmocka_unit_test(test_hostile),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
