/* Limits on wrong phone PINs across calls. Three wrong PINs end one call
 * (the call controller counts those); this module stops a caller who calls
 * again and again, and a brute force spread over many caller ids.
 *
 * A "caller" is the pair (SIP caller id as received, source address): behind
 * a trunk every call comes from the trunk's address, so the address alone
 * would lock everyone out, and the caller id alone is chosen by the caller.
 * Failures count per caller and globally in fixed one-minute windows; when
 * either has reached its limit, PIN entry is refused until the window ends.
 * A good PIN clears that caller's count (not the global one).
 *
 * Pure: time comes in (monotonic microseconds); no clock, no I/O. The
 * signaling thread owns one struct pinlimit. */
#ifndef SAMTALE_PINLIMIT_H
#define SAMTALE_PINLIMIT_H

#include <stdbool.h>
#include <stdint.h>

#define PINLIMIT_WINDOW_US (60LL * 1000 * 1000)
#define PINLIMIT_PER_CALLER_DEFAULT 5 /* wrong PINs per caller per minute */
#define PINLIMIT_GLOBAL_DEFAULT 30    /* wrong PINs on the whole server per minute */
#define PINLIMIT_CALLERS 256          /* remembered callers; the oldest window is reused */
#define PINLIMIT_KEY_MAX 160          /* caller id and address, truncated to this */

struct pinlimit_entry {
    char key[PINLIMIT_KEY_MAX];
    int64_t window_start_us;
    unsigned failures;
};

struct pinlimit {
    unsigned per_caller; /* failures per window before a caller is refused */
    unsigned global;     /* failures per window before everyone is refused */
    int64_t global_start_us;
    unsigned global_failures;
    uint64_t total_failures; /* since start, for /metrics */
    uint64_t total_refused;  /* pinlimit_allowed() said no, for /metrics */
    struct pinlimit_entry entries[PINLIMIT_CALLERS];
};

/* Limits of 0 are raised to 1. */
void pinlimit_init(struct pinlimit *pl, unsigned per_caller, unsigned global, int64_t now_us);

/* Whether this caller may try a PIN now. caller_id and addr may be NULL or
 * empty (an anonymous caller: all such calls from one address share a
 * count). retry_after_s (may be NULL): seconds until it may try again when
 * refused. */
bool pinlimit_allowed(struct pinlimit *pl, const char *caller_id, const char *addr, int64_t now_us,
                      unsigned *retry_after_s);

/* A wrong PIN from this caller. */
void pinlimit_failure(struct pinlimit *pl, const char *caller_id, const char *addr, int64_t now_us);

/* A right PIN: forgets this caller's failures. */
void pinlimit_success(struct pinlimit *pl, const char *caller_id, const char *addr);

#endif
