/* RFC 4571 framing: a sans-IO reassembler and a bounded output buffer. */
#include "media/tcp_framing.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"

/* RFC 7983: a first byte of 0..3 is STUN. */
static int frame_len_ok(size_t flen, const uint8_t *first)
{
    if (flen > TCP_FRAMING_MAX_FRAME)
        return 0;
    if (first && *first > 3 && flen > TCP_FRAMING_MAX_MEDIA)
        return 0;
    return 1;
}

void tcp_framing_reader_init(struct tcp_framing_reader *r)
{
    r->have = 0;
    r->need = 0;
    r->err = 0;
}

size_t tcp_framing_reader_buffered(const struct tcp_framing_reader *r)
{
    return r->have;
}

static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

int tcp_framing_reader_input(struct tcp_framing_reader *r, uint8_t *buf, size_t len,
                             size_t *consumed, uint8_t **frame, size_t *frame_len)
{
    size_t off = 0, n;

    *consumed = 0;
    *frame = NULL;
    *frame_len = 0;
    if (r->err)
        return r->err;

    /* Fast path: a whole frame at the start of buf and nothing buffered. */
    if (r->have == 0 && len >= TCP_FRAMING_HDR) {
        size_t flen = (size_t)buf[0] << 8 | buf[1];
        if (len - TCP_FRAMING_HDR >= flen) {
            if (!frame_len_ok(flen, flen ? &buf[TCP_FRAMING_HDR] : NULL))
                goto too_big;
            *frame = buf + TCP_FRAMING_HDR;
            *frame_len = flen;
            *consumed = TCP_FRAMING_HDR + flen;
            return 1;
        }
    }

    /* Slow path: assemble in r->buf. */
    if (r->have < TCP_FRAMING_HDR) {
        n = min_size(TCP_FRAMING_HDR - r->have, len - off);
        memcpy(r->buf + r->have, buf + off, n);
        r->have += n;
        off += n;
        if (r->have < TCP_FRAMING_HDR) {
            *consumed = off;
            return 0;
        }
        r->need = (size_t)r->buf[0] << 8 | r->buf[1];
        if (!frame_len_ok(r->need, NULL))
            goto too_big;
    }
    n = min_size(TCP_FRAMING_HDR + r->need - r->have, len - off);
    memcpy(r->buf + r->have, buf + off, n);
    r->have += n;
    off += n;
    *consumed = off;
    if (r->have > TCP_FRAMING_HDR && !frame_len_ok(r->need, &r->buf[TCP_FRAMING_HDR]))
        goto too_big;
    if (r->have < TCP_FRAMING_HDR + r->need)
        return 0;
    *frame = r->buf + TCP_FRAMING_HDR;
    *frame_len = r->need;
    r->have = 0;
    r->need = 0;
    return 1;

too_big:
    r->err = ERR_TOOBIG;
    *frame = NULL;
    *frame_len = 0;
    return r->err;
}

int tcp_framing_header(uint8_t hdr[TCP_FRAMING_HDR], size_t payload_len)
{
    if (payload_len > TCP_FRAMING_MAX_FRAME)
        return ERR_TOOBIG;
    hdr[0] = (uint8_t)(payload_len >> 8);
    hdr[1] = (uint8_t)payload_len;
    return 0;
}

int tcp_framing_writer_init(struct tcp_framing_writer *w, size_t cap)
{
    if (cap == 0)
        cap = TCP_FRAMING_OUT_DEFAULT;
    w->buf = NULL;
    w->cap = 0;
    w->head = 0;
    w->len = 0;
    if (cap < TCP_FRAMING_HDR + TCP_FRAMING_MAX_FRAME || cap > TCP_FRAMING_OUT_MAX)
        return ERR_INVAL;
    w->cap = cap;
    return 0;
}

void tcp_framing_writer_free(struct tcp_framing_writer *w)
{
    free(w->buf);
    w->buf = NULL;
    w->head = 0;
    w->len = 0;
}

/* Copies n bytes to the tail of the ring; the caller checked the room. */
static void ring_append(struct tcp_framing_writer *w, const uint8_t *p, size_t n)
{
    size_t tail = (w->head + w->len) % w->cap;
    size_t first = min_size(n, w->cap - tail);
    memcpy(w->buf + tail, p, first);
    memcpy(w->buf, p + first, n - first);
    w->len += n;
}

int tcp_framing_writer_push(struct tcp_framing_writer *w, const uint8_t *buf, size_t len,
                            size_t skip)
{
    uint8_t hdr[TCP_FRAMING_HDR];
    int rc = tcp_framing_header(hdr, len);
    if (rc != 0)
        return rc;
    if (skip > TCP_FRAMING_HDR + len || w->cap == 0)
        return ERR_INVAL;
    size_t total = TCP_FRAMING_HDR + len - skip;
    if (total > w->cap - w->len)
        return ERR_FULL;
    if (total == 0)
        return 0;
    if (!w->buf) {
        w->buf = malloc(w->cap);
        if (!w->buf)
            return ERR_NOMEM;
        w->head = 0;
    }
    if (skip < TCP_FRAMING_HDR) {
        ring_append(w, hdr + skip, TCP_FRAMING_HDR - skip);
        ring_append(w, buf, len);
    } else {
        ring_append(w, buf + (skip - TCP_FRAMING_HDR), total);
    }
    return 0;
}

size_t tcp_framing_writer_pending(const struct tcp_framing_writer *w)
{
    return w->len;
}

int tcp_framing_writer_iov(const struct tcp_framing_writer *w, struct iovec iov[2])
{
    if (w->len == 0)
        return 0;
    size_t first = min_size(w->len, w->cap - w->head);
    iov[0].iov_base = w->buf + w->head;
    iov[0].iov_len = first;
    if (first == w->len)
        return 1;
    iov[1].iov_base = w->buf;
    iov[1].iov_len = w->len - first;
    return 2;
}

void tcp_framing_writer_consume(struct tcp_framing_writer *w, size_t n)
{
    assert(n <= w->len);
    if (n > w->len)
        n = w->len;
    w->len -= n;
    w->head = w->len ? (w->head + n) % w->cap : 0;
}
