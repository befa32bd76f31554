/* Password checks off the signaling thread: a small pool of threads runs
 * password_verify() (scrypt, tens of milliseconds each) so the event loop
 * keeps answering everyone else while logins are checked.
 *
 * Threads talk by messages only. The signaling thread submits a job (the
 * pool copies the password and stored hash; nothing is shared) under a ticket
 * of its choosing; a pool thread checks it, posts {ticket, result} back and
 * calls `wake` (lws_cancel_service), and the signaling thread collects the
 * results with kdfpool_poll() and answers the waiting connections. A ticket
 * whose connection has gone is simply dropped by the caller.
 *
 * The number of checks submitted and not yet collected is capped at
 * threads + queue: a full pool refuses with ERR_FULL (the API answers 503
 * busy with Retry-After) instead of queueing without bound. */
#ifndef SAMTALE_KDFPOOL_H
#define SAMTALE_KDFPOOL_H

#include <stdint.h>

#define KDFPOOL_THREADS_MAX 8
#define KDFPOOL_QUEUE_MAX 1024

struct kdfpool;

struct kdfpool_result {
    uint64_t ticket;
    int rc; /* password_verify(): 0 = match, ERR_DENIED, ERR_PARSE, ERR_CRYPTO */
};

typedef void kdfpool_wake_fn(void *arg);

/* Starts `threads` (1..KDFPOOL_THREADS_MAX) threads at a lower scheduling
 * priority than the caller. `queue` (0..KDFPOOL_QUEUE_MAX) checks may wait
 * beyond those running. wake(wake_arg) is called from a pool thread after
 * each result is posted. ERR_INVAL, ERR_NOMEM, ERR_IO. */
int kdfpool_create(struct kdfpool **out, unsigned threads, unsigned queue, kdfpool_wake_fn *wake,
                   void *wake_arg);
/* Stops and joins the threads (a check under way finishes first) and drops
 * whatever is still queued. NULL-safe. Call from the submitting thread. */
void kdfpool_destroy(struct kdfpool *p);

/* Queues a check of `password` against `stored`; an empty `stored` (unknown
 * user) costs one KDF run and yields ERR_DENIED, so timing tells nothing.
 * Submitting thread only. 0, ERR_FULL when threads + queue checks are
 * outstanding, ERR_NOMEM, ERR_IO. */
int kdfpool_submit(struct kdfpool *p, uint64_t ticket, const char *password, const char *stored);

/* Takes one finished check: 0, or ERR_AGAIN when there is none. Submitting
 * thread only. */
int kdfpool_poll(struct kdfpool *p, struct kdfpool_result *out);

/* Checks submitted and not yet collected. Submitting thread only. */
unsigned kdfpool_outstanding(const struct kdfpool *p);

#endif
