/* Bounded message queue: a mutex-protected ring plus an eventfd that is
 * readable exactly while the ring is non-empty (see queue.h). */
#include "media/queue.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "base/err.h"

struct queue {
    pthread_mutex_t lock;
    size_t capacity;
    size_t elem_size;
    size_t head; /* next element to pop */
    size_t len;
    int efd;
    unsigned char *ring; /* capacity * elem_size bytes */
};

int queue_create(struct queue **out, size_t capacity, size_t elem_size)
{
    int rc = 0;
    struct queue *q = NULL;

    *out = NULL;
    if (capacity == 0 || capacity > QUEUE_MAX_CAPACITY || elem_size == 0 ||
        elem_size > QUEUE_MAX_ELEM_SIZE)
        return ERR_INVAL;
    q = calloc(1, sizeof *q);
    if (!q)
        return ERR_NOMEM;
    q->efd = -1;
    if (pthread_mutex_init(&q->lock, NULL) != 0) {
        free(q);
        return ERR_NOMEM;
    }
    q->capacity = capacity;
    q->elem_size = elem_size;
    q->ring = calloc(capacity, elem_size);
    if (!q->ring) {
        rc = ERR_NOMEM;
        goto out;
    }
    q->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (q->efd < 0) {
        rc = ERR_IO;
        goto out;
    }
    *out = q;
    q = NULL;
out:
    queue_destroy(q);
    return rc;
}

void queue_destroy(struct queue *q)
{
    if (!q)
        return;
    if (q->efd >= 0)
        close(q->efd);
    pthread_mutex_destroy(&q->lock);
    free(q->ring);
    free(q);
}

/* Both run under the lock, so the eventfd's state always matches len. */
static int signal_nonempty(struct queue *q)
{
    uint64_t one = 1;
    for (;;) {
        if (write(q->efd, &one, sizeof one) == (ssize_t)sizeof one)
            return 0;
        if (errno != EINTR)
            return ERR_IO; /* EAGAIN would mean a counter near 2^64: impossible here */
    }
}

static void clear_signal(struct queue *q)
{
    uint64_t v;
    while (read(q->efd, &v, sizeof v) < 0 && errno == EINTR)
        ;
}

int queue_push(struct queue *q, const void *elem)
{
    int rc = 0;
    pthread_mutex_lock(&q->lock);
    if (q->len == q->capacity) {
        rc = ERR_FULL;
        goto out;
    }
    if (q->len == 0 && (rc = signal_nonempty(q)) != 0)
        goto out;
    size_t tail = (q->head + q->len) % q->capacity;
    memcpy(q->ring + tail * q->elem_size, elem, q->elem_size);
    q->len++;
out:
    pthread_mutex_unlock(&q->lock);
    return rc;
}

int queue_pop(struct queue *q, void *elem)
{
    int rc = 0;
    pthread_mutex_lock(&q->lock);
    if (q->len == 0) {
        rc = ERR_AGAIN;
        goto out;
    }
    memcpy(elem, q->ring + q->head * q->elem_size, q->elem_size);
    q->head = (q->head + 1) % q->capacity;
    q->len--;
    if (q->len == 0)
        clear_signal(q);
out:
    pthread_mutex_unlock(&q->lock);
    return rc;
}

int queue_fd(const struct queue *q)
{
    return q->efd;
}

size_t queue_len(struct queue *q)
{
    pthread_mutex_lock(&q->lock);
    size_t n = q->len;
    pthread_mutex_unlock(&q->lock);
    return n;
}

size_t queue_capacity(const struct queue *q)
{
    return q->capacity;
}
