/* Tests for server/kdfpool.c: checks run on the pool and come back by
 * ticket with password_verify()'s answers, the outstanding cap refuses
 * instead of queueing, the wake callback fires, and destroy with work still
 * queued neither hangs nor leaks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "server/kdfpool.h"
#include "server/password.h"

static atomic_int wakes;
static char stored[STORE_PWHASH_MAX + 1];

static void on_wake(void *arg)
{
    (void)arg;
    atomic_fetch_add(&wakes, 1);
}

static int setup(void **state)
{
    (void)state;
    atomic_store(&wakes, 0);
    if (!stored[0] && password_hash("right password", stored) != 0)
        return -1;
    return 0;
}

/* Polls until n results arrived (bounded: 30 s). */
static unsigned collect(struct kdfpool *p, struct kdfpool_result *out, unsigned n)
{
    unsigned got = 0;
    for (int i = 0; i < 3000 && got < n; i++) {
        while (got < n && kdfpool_poll(p, &out[got]) == 0)
            got++;
        if (got < n)
            usleep(10000);
    }
    return got;
}

static int rc_of(const struct kdfpool_result *r, unsigned n, uint64_t ticket)
{
    for (unsigned i = 0; i < n; i++)
        if (r[i].ticket == ticket)
            return r[i].rc;
    return 1; /* not found */
}

static void results_by_ticket(void **state)
{
    (void)state;
    struct kdfpool *p;
    struct kdfpool_result r[4];
    assert_int_equal(kdfpool_create(&p, 2, 4, on_wake, NULL), 0);
    assert_int_equal(kdfpool_poll(p, &r[0]), ERR_AGAIN);
    assert_int_equal(kdfpool_submit(p, 11, "right password", stored), 0);
    assert_int_equal(kdfpool_submit(p, 12, "wrong password", stored), 0);
    assert_int_equal(kdfpool_submit(p, 13, "right password", ""), 0); /* unknown user */
    assert_int_equal(kdfpool_submit(p, 14, "right password", "scrypt$N=garbage"), 0);
    assert_int_equal(kdfpool_outstanding(p), 4);
    assert_int_equal(collect(p, r, 4), 4);
    assert_int_equal(rc_of(r, 4, 11), 0);
    assert_int_equal(rc_of(r, 4, 12), ERR_DENIED);
    assert_int_equal(rc_of(r, 4, 13), ERR_DENIED);
    assert_int_equal(rc_of(r, 4, 14), ERR_PARSE);
    assert_int_equal(kdfpool_outstanding(p), 0);
    assert_true(atomic_load(&wakes) >= 4);
    kdfpool_destroy(p);
}

static void cap_refuses_when_full(void **state)
{
    (void)state;
    struct kdfpool *p;
    struct kdfpool_result r[3];
    assert_int_equal(kdfpool_create(&p, 1, 2, on_wake, NULL), 0);
    for (uint64_t t = 1; t <= 3; t++)
        assert_int_equal(kdfpool_submit(p, t, "wrong password", stored), 0);
    /* 1 running + 2 waiting: the fourth is refused, not queued */
    assert_int_equal(kdfpool_submit(p, 4, "wrong password", stored), ERR_FULL);
    assert_int_equal(collect(p, r, 1), 1);
    /* one collected: room again */
    assert_int_equal(kdfpool_submit(p, 5, "right password", stored), 0);
    assert_int_equal(collect(p, r, 3), 3);
    assert_int_equal(rc_of(r, 3, 5), 0);
    kdfpool_destroy(p);
}

static void long_password_is_denied(void **state)
{
    (void)state;
    static char big[PASSWORD_MAX + 2];
    struct kdfpool *p;
    struct kdfpool_result r;
    memset(big, 'a', sizeof big - 1);
    assert_int_equal(kdfpool_create(&p, 1, 0, on_wake, NULL), 0);
    assert_int_equal(kdfpool_submit(p, 7, big, stored), 0);
    assert_int_equal(collect(p, &r, 1), 1);
    assert_int_equal(r.ticket, 7);
    assert_int_equal(r.rc, ERR_DENIED);
    kdfpool_destroy(p);
}

static void destroy_with_work_queued(void **state)
{
    (void)state;
    struct kdfpool *p;
    assert_int_equal(kdfpool_create(&p, 1, 8, on_wake, NULL), 0);
    for (uint64_t t = 1; t <= 9; t++)
        assert_int_equal(kdfpool_submit(p, t, "wrong password", stored), 0);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    kdfpool_destroy(p); /* finishes the running check, drops the rest */
    clock_gettime(CLOCK_MONOTONIC, &b);
    long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
    assert_true(ms < 5000);
    kdfpool_destroy(NULL);
}

static void bad_arguments(void **state)
{
    (void)state;
    struct kdfpool *p = (struct kdfpool *)1;
    assert_int_equal(kdfpool_create(&p, 0, 4, on_wake, NULL), ERR_INVAL);
    assert_null(p);
    assert_int_equal(kdfpool_create(&p, KDFPOOL_THREADS_MAX + 1, 4, on_wake, NULL), ERR_INVAL);
    assert_int_equal(kdfpool_create(&p, 1, KDFPOOL_QUEUE_MAX + 1, on_wake, NULL), ERR_INVAL);
    assert_int_equal(kdfpool_create(&p, 1, 4, NULL, NULL), ERR_INVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(results_by_ticket, setup),
        cmocka_unit_test_setup(cap_refuses_when_full, setup),
        cmocka_unit_test_setup(long_password_is_denied, setup),
        cmocka_unit_test_setup(destroy_with_work_queued, setup),
        cmocka_unit_test(bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
