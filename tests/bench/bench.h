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

static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* The median of v[0..n) (sorts v). */
static inline double bench_median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, bench_cmp_double);
    return v[n / 2];
}

/* Prints "<prog>: <what> failed" and exits with status 1. */
static inline void bench_fail(const char *prog, const char *what)
{
    fprintf(stderr, "%s: %s failed\n", prog, what);
    exit(1);
}

#endif
