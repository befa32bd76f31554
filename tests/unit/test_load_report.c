/* Tests for tests/load/load_report.c: /proc readings and the totals over
 * participants and streams. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/err.h"
#include "tests/load/load_report.h"

static void proc_of_self(void **state)
{
    (void)state;
    struct lg_proc_thread t[LG_PROC_THREADS_MAX];
    /* Burn a little CPU so the reading is not zero. */
    volatile uint64_t x = 0;
    for (uint64_t i = 0; i < 20000000; i++)
        x += i;
    assert_true(x > 0);
    int n = lg_proc_threads(getpid(), t, LG_PROC_THREADS_MAX);
    assert_true(n >= 1);
    assert_int_equal(t[0].tid, getpid());
    assert_true(t[0].comm[0] != '\0');
    assert_true(t[0].cpu_us > 0);
    assert_true(lg_proc_rss_kb(getpid()) > 0);
    assert_true(lg_self_cpu_us() > 0);
    assert_int_equal(lg_proc_threads(-5, t, LG_PROC_THREADS_MAX), ERR_IO);
    assert_int_equal(lg_proc_rss_kb(-5), 0);
}

static void totals(void **state)
{
    (void)state;
    static struct lg_run run;
    struct lg_part *parts = calloc(2, sizeof *parts);
    assert_non_null(parts);
    run.parts = parts;
    run.n_parts = 2;
    run.cfg.parties = 2;
    const int64_t t0 = 1000000000;
    for (unsigned i = 0; i < 2; i++) {
        struct lg_part *p = &parts[i];
        p->index = i;
        p->sent_packets = 100;
        p->sent_bytes = 10000;
        p->pub.connected_us = t0;
        atomic_store(&p->admitted_us, t0 - 100000 * (i + 1));
        atomic_store(&p->first_rx_us, t0);
        p->n_rx = 1;
        struct lg_rx_stream *s = &p->rx[0];
        s->stream = (1 - i) << 8;
        s->packets = 98;
        s->bytes = 9800;
        /* 100 sent, 2 lost in the middle. */
        for (uint16_t q = 0; q < 100; q++)
            if (q != 10 && q != 50)
                lg_seq_add(&s->seq, q);
        for (uint64_t d = 1; d <= 98; d++)
            lg_hist_add(&s->delay, d * 100);
    }
    struct lg_totals t;
    lg_report_totals(&run, t0 + 2000000, &t);
    assert_int_equal(t.sent_packets, 200);
    assert_true(t.sent_pps > 99.9 && t.sent_pps < 100.1); /* 200 packets in 2 s */
    assert_int_equal(t.rx_packets, 196);
    assert_int_equal(t.streams, 2);
    assert_int_equal(t.streams_wanted, 2);
    assert_int_equal(t.expected, 200);
    assert_int_equal(t.lost, 4);
    assert_true(t.loss_pct > 1.99 && t.loss_pct < 2.01);
    assert_in_range(t.delay_p50_us, 4800, 5000);
    assert_int_equal(t.joined_with_media, 2);
    assert_int_equal(t.join_first_p50_us, 100000);
    assert_int_equal(t.join_first_max_us, 200000);
    free(parts);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(proc_of_self),
        cmocka_unit_test(totals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
