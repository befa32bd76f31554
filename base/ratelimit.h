/* Rate limits: a token bucket (per WebSocket connection) and a table of
 * per-key windows (login attempts per client address). Pure: time comes in. */
#ifndef SAMTALE_RATELIMIT_H
#define SAMTALE_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct ratelimit_bucket {
    double tokens;
    double rate;  /* tokens per second */
    double burst; /* capacity */
    int64_t last_us;
};

void ratelimit_bucket_init(struct ratelimit_bucket *b, unsigned per_sec, unsigned burst,
                           int64_t now_us);
/* Takes one token; false when empty. */
bool ratelimit_bucket_take(struct ratelimit_bucket *b, int64_t now_us);

#define RATELIMIT_KEYS 1024 /* remembered keys; the oldest window is reused when full */
#define RATELIMIT_KEY_MAX 64

struct ratelimit_window_entry {
    char key[RATELIMIT_KEY_MAX];
    int64_t window_start_us;
    unsigned count;
};

struct ratelimit_windows {
    unsigned limit;    /* allowed per window */
    int64_t window_us; /* window length */
    struct ratelimit_window_entry entries[RATELIMIT_KEYS];
};

void ratelimit_windows_init(struct ratelimit_windows *w, unsigned limit, int64_t window_us);
/* Counts one attempt for key. Returns true if allowed; when refused and
 * retry_after_s is not NULL, stores the seconds until the window resets. */
bool ratelimit_windows_hit(struct ratelimit_windows *w, const char *key, int64_t now_us,
                           unsigned *retry_after_s);

#endif
