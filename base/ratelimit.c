#include "base/ratelimit.h"

#include <stdio.h>
#include <string.h>

void ratelimit_bucket_init(struct ratelimit_bucket *b, unsigned per_sec, unsigned burst,
                           int64_t now_us)
{
    b->rate = per_sec;
    b->burst = burst;
    b->tokens = burst;
    b->last_us = now_us;
}

bool ratelimit_bucket_take(struct ratelimit_bucket *b, int64_t now_us)
{
    if (now_us > b->last_us) {
        b->tokens += (double)(now_us - b->last_us) * b->rate / 1e6;
        if (b->tokens > b->burst)
            b->tokens = b->burst;
        b->last_us = now_us;
    }
    if (b->tokens < 1.0)
        return false;
    b->tokens -= 1.0;
    return true;
}

void ratelimit_windows_init(struct ratelimit_windows *w, unsigned limit, int64_t window_us)
{
    memset(w, 0, sizeof *w);
    w->limit = limit;
    w->window_us = window_us;
}

bool ratelimit_windows_hit(struct ratelimit_windows *w, const char *key, int64_t now_us,
                           unsigned *retry_after_s)
{
    struct ratelimit_window_entry *e = NULL, *free_slot = NULL, *oldest = NULL;
    for (unsigned i = 0; i < RATELIMIT_KEYS; i++) {
        struct ratelimit_window_entry *c = &w->entries[i];
        if (!c->key[0]) {
            if (!free_slot)
                free_slot = c;
        } else if (strncmp(c->key, key, RATELIMIT_KEY_MAX) == 0) {
            e = c;
            break;
        } else if (!oldest || c->window_start_us < oldest->window_start_us) {
            oldest = c;
        }
    }
    if (!e || now_us - e->window_start_us >= w->window_us) {
        if (!e)
            e = free_slot ? free_slot : oldest;
        snprintf(e->key, sizeof e->key, "%s", key);
        e->window_start_us = now_us;
        e->count = 0;
    }
    if (e->count >= w->limit) {
        if (retry_after_s) {
            int64_t left = w->window_us - (now_us - e->window_start_us);
            *retry_after_s = (unsigned)((left + 999999) / 1000000);
        }
        return false;
    }
    e->count++;
    return true;
}
