/* The password-check pool (see kdfpool.h). Jobs travel as heap pointers
 * through a bounded queue (ownership moves with the message); results come
 * back by value through a second one. */
#define LOG_MODULE "kdfpool"
#include "server/kdfpool.h"
#include "media/queue.h"
#include "base/err.h"
#include "base/log.h"
#include "server/password.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define KDFPOOL_NICE 10 /* pool threads yield the CPU to the event loop and media workers */

struct kdf_job {
    uint64_t ticket;
    char password[PASSWORD_MAX + 1];
    char stored[STORE_PWHASH_MAX + 1];
};

struct kdfpool {
    struct queue *jobs;    /* struct kdf_job *, NULL = stop */
    struct queue *results; /* struct kdfpool_result */
    pthread_t threads[KDFPOOL_THREADS_MAX];
    unsigned n_threads;
    unsigned cap;         /* threads + queue */
    unsigned outstanding; /* submitter's count: submitted, not yet polled */
    atomic_bool stopping; /* set by destroy: queued jobs are dropped unchecked */
    kdfpool_wake_fn *wake;
    void *wake_arg;
};

static void job_free(struct kdf_job *job)
{
    if (!job)
        return;
    OPENSSL_cleanse(job, sizeof *job);
    free(job);
}

/* Blocks until a job (or the stop message) can be taken. */
static struct kdf_job *next_job(struct kdfpool *p)
{
    for (;;) {
        struct kdf_job *job = NULL;
        if (queue_pop(p->jobs, &job) == 0)
            return job;
        struct pollfd pfd = {.fd = queue_fd(p->jobs), .events = POLLIN};
        if (poll(&pfd, 1, -1) < 0 && errno != EINTR) {
            LOG_E("poll on the job queue failed: %s", strerror(errno));
            return NULL;
        }
    }
}

static void *pool_main(void *arg)
{
    struct kdfpool *p = arg;
    /* Linux: niceness is per thread. Raising it needs no privilege. */
    if (setpriority(PRIO_PROCESS, (id_t)gettid(), KDFPOOL_NICE) != 0)
        LOG_D("cannot lower the pool thread's priority: %s", strerror(errno));
    struct kdf_job *job;
    while ((job = next_job(p)) != NULL) {
        if (atomic_load(&p->stopping)) {
            job_free(job);
            continue; /* until this thread's stop message */
        }
        struct kdfpool_result r = {.ticket = job->ticket};
        if (job->stored[0]) {
            r.rc = password_verify(job->password, job->stored);
        } else {
            password_burn_time();
            r.rc = ERR_DENIED;
        }
        job_free(job);
        /* Never full: it holds at most `cap` results, as many as may be outstanding. */
        if (queue_push(p->results, &r) < 0)
            LOG_E("result queue refused a result");
        p->wake(p->wake_arg);
    }
    return NULL;
}

int kdfpool_create(struct kdfpool **out, unsigned threads, unsigned queue, kdfpool_wake_fn *wake,
                   void *wake_arg)
{
    int rc;
    *out = NULL;
    if (threads < 1 || threads > KDFPOOL_THREADS_MAX || queue > KDFPOOL_QUEUE_MAX || !wake)
        return ERR_INVAL;
    struct kdfpool *p = calloc(1, sizeof *p);
    if (!p)
        return ERR_NOMEM;
    p->cap = threads + queue;
    p->wake = wake;
    p->wake_arg = wake_arg;
    /* Room for every outstanding job plus one stop message per thread. */
    rc = queue_create(&p->jobs, p->cap + threads, sizeof(struct kdf_job *));
    if (rc == 0)
        rc = queue_create(&p->results, p->cap, sizeof(struct kdfpool_result));
    if (rc < 0)
        goto out;
    for (unsigned i = 0; i < threads; i++) {
        if (pthread_create(&p->threads[i], NULL, pool_main, p) != 0) {
            LOG_E("cannot start a password-check thread");
            rc = ERR_IO;
            goto out;
        }
        p->n_threads++;
    }
    *out = p;
    return 0;
out:
    kdfpool_destroy(p);
    return rc;
}

void kdfpool_destroy(struct kdfpool *p)
{
    if (!p)
        return;
    struct kdf_job *job = NULL;
    atomic_store(&p->stopping, true);
    for (unsigned i = 0; i < p->n_threads; i++)
        if (queue_push(p->jobs, &job) < 0)
            LOG_E("cannot stop a password-check thread");
    for (unsigned i = 0; i < p->n_threads; i++)
        pthread_join(p->threads[i], NULL);
    while (p->jobs && queue_pop(p->jobs, &job) == 0)
        job_free(job);
    queue_destroy(p->jobs);
    queue_destroy(p->results);
    free(p);
}

int kdfpool_submit(struct kdfpool *p, uint64_t ticket, const char *password, const char *stored)
{
    if (p->outstanding >= p->cap)
        return ERR_FULL;
    size_t plen = strnlen(password, PASSWORD_MAX + 1);
    size_t slen = stored ? strnlen(stored, STORE_PWHASH_MAX + 1) : 0;
    struct kdf_job *job = calloc(1, sizeof *job);
    if (!job)
        return ERR_NOMEM;
    job->ticket = ticket;
    /* Anything over the bounds leaves `stored` empty: one KDF run, then
     * ERR_DENIED, as password_verify() does for an over-long password. */
    if (plen <= PASSWORD_MAX && slen <= STORE_PWHASH_MAX) {
        memcpy(job->password, password, plen);
        memcpy(job->stored, stored ? stored : "", slen);
    }
    int rc = queue_push(p->jobs, &job);
    if (rc < 0) {
        job_free(job);
        return rc;
    }
    p->outstanding++;
    return 0;
}

int kdfpool_poll(struct kdfpool *p, struct kdfpool_result *out)
{
    if (queue_pop(p->results, out) < 0)
        return ERR_AGAIN;
    if (p->outstanding)
        p->outstanding--;
    return 0;
}

unsigned kdfpool_outstanding(const struct kdfpool *p)
{
    return p->outstanding;
}
