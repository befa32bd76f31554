/* Tests for media/queue.c: FIFO order, bounds, the eventfd's readiness
 * matching the queue's contents, and several producer threads waking a
 * consumer that sleeps in epoll. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "media/queue.h"
#include "base/err.h"

struct msg {
    uint32_t type;
    uint32_t producer;
    uint64_t seq;
    void *ptr;
};

static bool fd_readable(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static void test_create_limits(void **state)
{
    (void)state;
    struct queue *q = (struct queue *)1;
    assert_int_equal(queue_create(&q, 0, 8), ERR_INVAL);
    assert_null(q);
    assert_int_equal(queue_create(&q, 8, 0), ERR_INVAL);
    assert_int_equal(queue_create(&q, QUEUE_MAX_CAPACITY + 1, 8), ERR_INVAL);
    assert_int_equal(queue_create(&q, 8, QUEUE_MAX_ELEM_SIZE + 1), ERR_INVAL);
    assert_int_equal(queue_create(&q, 8, sizeof(struct msg)), 0);
    assert_int_equal(queue_capacity(q), 8);
    assert_true(queue_fd(q) >= 0);
    queue_destroy(q);
    queue_destroy(NULL);
}

static void test_fifo_full_empty(void **state)
{
    (void)state;
    struct queue *q;
    struct msg m = {0}, out;
    assert_int_equal(queue_create(&q, 4, sizeof m), 0);
    assert_int_equal(queue_pop(q, &out), ERR_AGAIN);
    assert_false(fd_readable(queue_fd(q)));

    for (uint64_t i = 0; i < 4; i++) {
        m.seq = i;
        m.ptr = &m;
        assert_int_equal(queue_push(q, &m), 0);
        assert_true(fd_readable(queue_fd(q)));
    }
    assert_int_equal(queue_len(q), 4);
    m.seq = 99;
    assert_int_equal(queue_push(q, &m), ERR_FULL); /* never grows, never blocks */
    assert_int_equal(queue_len(q), 4);

    for (uint64_t i = 0; i < 4; i++) {
        assert_true(fd_readable(queue_fd(q)));
        assert_int_equal(queue_pop(q, &out), 0);
        assert_int_equal(out.seq, i);
        assert_ptr_equal(out.ptr, &m);
    }
    assert_false(fd_readable(queue_fd(q))); /* empty: no wakeup pending */
    assert_int_equal(queue_pop(q, &out), ERR_AGAIN);
    queue_destroy(q);
}

static void test_wraparound(void **state)
{
    (void)state;
    struct queue *q;
    struct msg m = {0}, out;
    uint64_t next_in = 0, next_out = 0;
    assert_int_equal(queue_create(&q, 3, sizeof m), 0);
    for (int round = 0; round < 1000; round++) {
        int pushes = 1 + round % 3;
        for (int i = 0; i < pushes; i++) {
            m.seq = next_in;
            if (queue_push(q, &m) == 0)
                next_in++;
        }
        int pops = 1 + (round * 7) % 3;
        for (int i = 0; i < pops; i++) {
            if (queue_pop(q, &out) == 0) {
                assert_int_equal(out.seq, next_out);
                next_out++;
            }
        }
        assert_int_equal(queue_len(q), next_in - next_out);
        assert_int_equal(fd_readable(queue_fd(q)), next_in != next_out);
    }
    queue_destroy(q);
}

/* ---- across threads ---- */

#define PRODUCERS 4
#define PER_PRODUCER 20000

struct prod_arg {
    struct queue *q;
    uint32_t id;
    uint64_t full_seen;
};

static void *producer(void *arg)
{
    struct prod_arg *a = arg;
    struct msg m = {.type = 1, .producer = a->id};
    for (uint64_t i = 0; i < PER_PRODUCER; i++) {
        m.seq = i;
        int rc;
        long tries = 0;
        while ((rc = queue_push(a->q, &m)) == ERR_FULL && tries++ < 100000000L) {
            a->full_seen++;
            sched_yield();
        }
        if (rc != 0)
            return (void *)1;
    }
    return NULL;
}

static void test_threads_wake_consumer(void **state)
{
    (void)state;
    struct queue *q;
    pthread_t th[PRODUCERS];
    struct prod_arg args[PRODUCERS];
    uint64_t next[PRODUCERS] = {0};
    uint64_t total = 0, wakeups = 0;

    assert_int_equal(queue_create(&q, 64, sizeof(struct msg)), 0);
    int ep = epoll_create1(0);
    assert_true(ep >= 0);
    struct epoll_event ev = {.events = EPOLLIN};
    assert_int_equal(epoll_ctl(ep, EPOLL_CTL_ADD, queue_fd(q), &ev), 0);

    for (uint32_t i = 0; i < PRODUCERS; i++) {
        args[i] = (struct prod_arg){.q = q, .id = i};
        assert_int_equal(pthread_create(&th[i], NULL, producer, &args[i]), 0);
    }
    int idle = 0;
    while (total < (uint64_t)PRODUCERS * PER_PRODUCER && idle < 5) {
        struct epoll_event got;
        int n = epoll_wait(ep, &got, 1, 1000);
        if (n == 0) {
            idle++; /* a lost wakeup would end here */
            continue;
        }
        assert_int_equal(n, 1);
        wakeups++;
        struct msg m;
        /* Take at most 10 per wakeup: the fd must stay readable if some are left. */
        for (int k = 0; k < 10 && queue_pop(q, &m) == 0; k++) {
            assert_true(m.producer < PRODUCERS);
            assert_int_equal(m.seq, next[m.producer]); /* FIFO per producer */
            next[m.producer]++;
            total++;
        }
    }
    for (int i = 0; i < PRODUCERS; i++) {
        void *ret;
        pthread_join(th[i], &ret);
        assert_null(ret);
    }
    assert_int_equal(total, (uint64_t)PRODUCERS * PER_PRODUCER);
    assert_int_equal(queue_len(q), 0);
    assert_false(fd_readable(queue_fd(q)));
    print_message("queue: %llu messages, %llu wakeups\n", (unsigned long long)total,
                  (unsigned long long)wakeups);
    close(ep);
    queue_destroy(q);
}

static void *late_push(void *arg)
{
    struct queue *q = arg;
    struct msg m = {.seq = 42};
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
    return (void *)(intptr_t)queue_push(q, &m);
}

static void test_sleeping_consumer_wakes(void **state)
{
    (void)state;
    struct queue *q;
    pthread_t th;
    assert_int_equal(queue_create(&q, 4, sizeof(struct msg)), 0);
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN};
    assert_int_equal(epoll_ctl(ep, EPOLL_CTL_ADD, queue_fd(q), &ev), 0);
    assert_int_equal(pthread_create(&th, NULL, late_push, q), 0);
    struct epoll_event got;
    assert_int_equal(epoll_wait(ep, &got, 1, 5000), 1);
    struct msg m;
    assert_int_equal(queue_pop(q, &m), 0);
    assert_int_equal(m.seq, 42);
    void *ret;
    pthread_join(th, &ret);
    assert_int_equal((intptr_t)ret, 0);
    assert_int_equal(epoll_wait(ep, &got, 1, 0), 0);
    close(ep);
    queue_destroy(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_limits),
        cmocka_unit_test(test_fifo_full_empty),
        cmocka_unit_test(test_wraparound),
        cmocka_unit_test(test_threads_wake_consumer),
        cmocka_unit_test(test_sleeping_consumer_wakes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
