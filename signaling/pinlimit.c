/* Limits on wrong phone PINs (see pinlimit.h). */
#include "signaling/pinlimit.h"

#include <stdio.h>
#include <string.h>

void pinlimit_init(struct pinlimit *pl, unsigned per_caller, unsigned global, int64_t now_us)
{
    memset(pl, 0, sizeof *pl);
    pl->per_caller = per_caller ? per_caller : 1;
    pl->global = global ? global : 1;
    pl->global_start_us = now_us;
}

/* The key of a caller: caller id and address, separated by a byte neither
 * holds in practice (a NUL cannot be part of either C string). */
static void caller_key(const char *caller_id, const char *addr, char key[PINLIMIT_KEY_MAX])
{
    snprintf(key, PINLIMIT_KEY_MAX, "%s\x1f%s", addr ? addr : "", caller_id ? caller_id : "");
}

static bool window_over(int64_t start_us, int64_t now_us)
{
    return now_us - start_us >= PINLIMIT_WINDOW_US || now_us < start_us;
}

static unsigned retry_s(int64_t start_us, int64_t now_us)
{
    int64_t left = PINLIMIT_WINDOW_US - (now_us - start_us);
    if (left < 0)
        left = 0;
    return (unsigned)((left + 999999) / 1000000);
}

/* The caller's entry, or NULL if unknown; with `make`, a fresh entry
 * (a free one, else the oldest window's) for an unknown caller. */
static struct pinlimit_entry *find(struct pinlimit *pl, const char *key, bool make, int64_t now_us)
{
    struct pinlimit_entry *free_slot = NULL, *oldest = NULL;
    for (size_t i = 0; i < PINLIMIT_CALLERS; i++) {
        struct pinlimit_entry *e = &pl->entries[i];
        if (!e->key[0]) {
            if (!free_slot)
                free_slot = e;
        } else if (strncmp(e->key, key, PINLIMIT_KEY_MAX) == 0) {
            return e;
        } else if (!oldest || e->window_start_us < oldest->window_start_us) {
            oldest = e;
        }
    }
    if (!make)
        return NULL;
    struct pinlimit_entry *e = free_slot ? free_slot : oldest;
    memcpy(e->key, key, PINLIMIT_KEY_MAX);
    e->window_start_us = now_us;
    e->failures = 0;
    return e;
}

bool pinlimit_allowed(struct pinlimit *pl, const char *caller_id, const char *addr, int64_t now_us,
                      unsigned *retry_after_s)
{
    char key[PINLIMIT_KEY_MAX];
    caller_key(caller_id, addr, key);
    if (window_over(pl->global_start_us, now_us)) {
        pl->global_start_us = now_us;
        pl->global_failures = 0;
    }
    unsigned wait = 0;
    if (pl->global_failures >= pl->global)
        wait = retry_s(pl->global_start_us, now_us);
    struct pinlimit_entry *e = find(pl, key, false, now_us);
    if (e && window_over(e->window_start_us, now_us))
        memset(e, 0, sizeof *e);
    else if (e && e->failures >= pl->per_caller && retry_s(e->window_start_us, now_us) > wait)
        wait = retry_s(e->window_start_us, now_us);
    bool ok = pl->global_failures < pl->global && !(e && e->failures >= pl->per_caller);
    if (!ok)
        pl->total_refused++;
    if (retry_after_s)
        *retry_after_s = ok ? 0 : wait;
    return ok;
}

void pinlimit_failure(struct pinlimit *pl, const char *caller_id, const char *addr, int64_t now_us)
{
    char key[PINLIMIT_KEY_MAX];
    caller_key(caller_id, addr, key);
    if (window_over(pl->global_start_us, now_us)) {
        pl->global_start_us = now_us;
        pl->global_failures = 0;
    }
    struct pinlimit_entry *e = find(pl, key, true, now_us);
    if (window_over(e->window_start_us, now_us)) {
        e->window_start_us = now_us;
        e->failures = 0;
    }
    if (e->failures < UINT32_MAX)
        e->failures++;
    if (pl->global_failures < UINT32_MAX)
        pl->global_failures++;
    pl->total_failures++;
}

void pinlimit_success(struct pinlimit *pl, const char *caller_id, const char *addr)
{
    char key[PINLIMIT_KEY_MAX];
    caller_key(caller_id, addr, key);
    struct pinlimit_entry *e = find(pl, key, false, 0);
    if (e)
        memset(e, 0, sizeof *e);
}
