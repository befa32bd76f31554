/* Bounded message queue between threads, with an eventfd to wake the
 * consumer's epoll loop.
 *
 * A ring of `capacity` fixed-size elements (`elem_size` bytes each, copied in
 * and out) behind a mutex: any number of producer threads, one consumer
 * thread (several consumers are also safe). Commands between the signaling
 * thread and the media workers are rare, so a mutex is simpler and costs
 * nothing that matters; the packet path never uses a queue.
 *
 * Push never blocks and never grows the ring: a full queue returns ERR_FULL.
 *
 * Wakeup: the eventfd (queue_fd()) is readable exactly while the queue is
 * non-empty. The producer that makes the queue non-empty writes it, the
 * consumer's pop that empties it reads it. So the consumer adds the fd to
 * epoll (level-triggered EPOLLIN), pops as many elements as it likes per
 * wakeup and is woken again if it left some: no lost and no endless wakeups. */
#ifndef SAMTALE_MEDIA_QUEUE_H
#define SAMTALE_MEDIA_QUEUE_H

#include <stddef.h>

/* Named limits. */
#define QUEUE_MAX_CAPACITY (1u << 20)
#define QUEUE_MAX_ELEM_SIZE 256

struct queue;

/* ERR_INVAL for a zero or too large capacity or element size, ERR_NOMEM,
 * ERR_IO when the eventfd cannot be made. */
int queue_create(struct queue **out, size_t capacity, size_t elem_size);
/* Frees the queue and drops anything still in it (elements are plain bytes:
 * if they hold pointers to heap objects, pop and free those first).
 * NULL-safe. No thread may use the queue any more. */
void queue_destroy(struct queue *q);

/* Copies elem_size bytes from elem into the queue. Any thread.
 * 0, ERR_FULL when the queue is full, ERR_IO if the eventfd write fails. */
int queue_push(struct queue *q, const void *elem);
/* Copies the oldest element into elem and removes it. Consumer thread.
 * 0, or ERR_AGAIN when the queue is empty. */
int queue_pop(struct queue *q, void *elem);

/* The eventfd to watch for EPOLLIN (non-blocking, close-on-exec; owned by
 * the queue: do not read or close it). */
int queue_fd(const struct queue *q);
/* Elements in the queue right now (a snapshot). Any thread. */
size_t queue_len(struct queue *q);
size_t queue_capacity(const struct queue *q);

#endif
