/* What the benchmarks share: the calling thread's CPU clock, and the way
 * out when something a benchmark relies on fails. */
#ifndef SAMTALE_TESTS_BENCH_H
#define SAMTALE_TESTS_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* CPU time of the calling thread in ns (CLOCK_THREAD_CPUTIME_ID: on a
 * shared machine, other processes' time does not count). */
static inline double bench_cpu_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Prints "<prog>: <what> failed" and exits with status 1. */
static inline void bench_fail(const char *prog, const char *what)
{
    fprintf(stderr, "%s: %s failed\n", prog, what);
    exit(1);
}

#endif
