/* Test harness for media/dtls: two associations in one process shuttling
 * datagrams through dtls_poll()/dtls_input(), on a fake clock. No sockets.
 *
 * OpenSSL runs its DTLS retransmission timer on gettimeofday() (the
 * impurity documented in dtls.h). This header defines gettimeofday() for
 * the test binary that includes it, which interposes on libc's for libssl
 * too: OpenSSL then sees the fake clock (real wall time at the first call
 * plus the fake time elapsed), so a test can jump ahead a second without
 * sleeping. Include it in exactly one .c file of a test binary. */
#ifndef SAMTALE_TESTS_DTLS_HARNESS_H
#define SAMTALE_TESTS_DTLS_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "media/dtls.h"

#define HARNESS_T0 1000000000LL /* fake monotonic start, µs */

static int64_t harness_now_us = HARNESS_T0;
static int64_t harness_wall_base_us;

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
    int64_t t;

    (void)tz;
    if (harness_wall_base_us == 0) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        harness_wall_base_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
    }
    t = harness_wall_base_us + (harness_now_us - HARNESS_T0);
    tv->tv_sec = (time_t)(t / 1000000);
    tv->tv_usec = (suseconds_t)(t % 1000000);
    return 0;
}

struct ep {
    struct dtls *d;
    int connected;
    int failed;
    int closed;
    const char *reason;
    int64_t deadline;  /* from DTLS_OUT_DEADLINE */
    unsigned sent;     /* datagrams taken from d */
    unsigned dropped;  /* of those, dropped by the test */
    unsigned rejected; /* dtls_input() on the other side returned an error */
    size_t max_datagram;
};

/* Return true to drop datagram number `index` sent by `from`. */
typedef bool (*harness_drop_fn)(const struct ep *from, unsigned index, const uint8_t *buf,
                                size_t len, void *arg);

static inline void ep_init(struct ep *e, struct dtls *d)
{
    memset(e, 0, sizeof *e);
    e->d = d;
    e->deadline = DTLS_NO_DEADLINE;
}

/* Takes everything `src` has queued; delivers its datagrams to `dst`. */
static inline bool ep_take(struct ep *src, struct ep *dst, harness_drop_fn drop, void *arg)
{
    struct dtls_output o;
    bool any = false;

    while (dtls_poll(src->d, &o)) {
        any = true;
        switch (o.kind) {
        case DTLS_OUT_TRANSMIT: {
            unsigned idx = src->sent++;

            if (o.len > src->max_datagram)
                src->max_datagram = o.len;
            if (drop != NULL && drop(src, idx, o.data, o.len, arg)) {
                src->dropped++;
                break;
            }
            if (dst != NULL && dtls_input(dst->d, harness_now_us, o.data, o.len) != 0)
                src->rejected++;
            break;
        }
        case DTLS_OUT_EVENT:
            if (o.event == DTLS_EVENT_CONNECTED)
                src->connected++;
            else if (o.event == DTLS_EVENT_FAILED) {
                src->failed++;
                src->reason = o.reason;
            } else if (o.event == DTLS_EVENT_CLOSED)
                src->closed++;
            break;
        case DTLS_OUT_DEADLINE:
            src->deadline = o.deadline_us;
            break;
        }
    }
    return any;
}

static inline void harness_pump(struct ep *a, struct ep *b, harness_drop_fn drop, void *arg)
{
    for (int i = 0; i < 1000; i++) {
        bool progress = ep_take(a, b, drop, arg);

        progress |= ep_take(b, a, drop, arg);
        if (!progress)
            break;
    }
}

static inline bool harness_done(const struct ep *a, const struct ep *b)
{
    return (a->connected && b->connected) || a->failed || b->failed || a->closed || b->closed;
}

/* Shuttles until both are connected, one fails or closes, or no deadline
 * is left within `max_us` of fake time; jumps the clock to each deadline. */
static inline void harness_run(struct ep *a, struct ep *b, harness_drop_fn drop, void *arg,
                               int64_t max_us)
{
    int64_t end = harness_now_us + max_us;

    for (int i = 0; i < 10000; i++) {
        int64_t next;

        harness_pump(a, b, drop, arg);
        if (harness_done(a, b))
            return;
        next = a->deadline < b->deadline ? a->deadline : b->deadline;
        if (next == DTLS_NO_DEADLINE || next > end)
            return;
        if (next > harness_now_us)
            harness_now_us = next;
        dtls_timeout(a->d, harness_now_us);
        dtls_timeout(b->d, harness_now_us);
    }
}

/* A fingerprint that differs from `fp` in its first hex digit. */
static inline void harness_wrong_fp(const char *fp, char out[DTLS_FINGERPRINT_MAX])
{
    memcpy(out, fp, DTLS_FINGERPRINT_MAX);
    out[0] = out[0] == 'A' ? 'B' : 'A';
}

#endif
