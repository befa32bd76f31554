/* Fuzz target for media/tcp_framing.c (RFC 4571 framing of ICE-TCP).
 *
 * Input: byte 0 seeds the chunking and the simulated socket; the rest is
 * the byte stream a peer sends. A simple whole-buffer decoder says which
 * frames the stream holds and where (if anywhere) a frame breaks a limit.
 *
 *  - Reader: the stream is fed in chunks of pseudo-random sizes (1 byte,
 *    a few, up to 4 KiB), each in a heap buffer of its own size so that an
 *    over-read is caught. The frames yielded must be exactly the decoder's,
 *    in order, byte for byte, none above TCP_FRAMING_MAX_FRAME (nor above
 *    TCP_FRAMING_MAX_MEDIA unless STUN); every call must make progress and
 *    consume no more than it was given; the error must come exactly at the
 *    frame that breaks a limit and then stick; what is left buffered must
 *    be the trailing incomplete frame.
 *  - Writer: the decoder's valid frames are sent through a writer with a
 *    simulated socket that takes pseudo-random amounts, first directly,
 *    the rest through tcp_framing_writer_push / _iov / _consume as
 *    media/worker_tcp.c does. What the socket got must be exactly the
 *    stream's prefix of those frames (or a prefix of it, if the cap was
 *    exceeded: the connection would be closed there), and the pending bytes
 *    never exceed the cap.
 * Any violation aborts. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "media/tcp_framing.h"
#include "base/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FRAMES 40000 /* 70000 bytes of input, at least 2 per frame */

static void check(int cond)
{
    if (!cond)
        abort();
}

struct prng {
    uint32_t s;
};

static uint32_t next(struct prng *p)
{
    p->s ^= p->s << 13;
    p->s ^= p->s >> 17;
    p->s ^= p->s << 5;
    return p->s;
}

/* What the stream holds, decoded in one piece. */
struct decoded {
    size_t n; /* complete frames within the limits */
    size_t off[MAX_FRAMES], len[MAX_FRAMES];
    bool bad;        /* frame n breaks a limit */
    size_t end;      /* end of frame n - 1 */
    size_t trailing; /* bytes of an incomplete frame after it (when !bad) */
};

static void decode(const uint8_t *s, size_t n, struct decoded *d)
{
    size_t off = 0;
    d->n = 0;
    d->bad = false;
    while (n - off >= TCP_FRAMING_HDR) {
        size_t flen = (size_t)s[off] << 8 | s[off + 1];
        size_t have = n - off - TCP_FRAMING_HDR;
        if (flen > TCP_FRAMING_MAX_FRAME ||
            (flen > TCP_FRAMING_MAX_MEDIA && have > 0 && s[off + TCP_FRAMING_HDR] > 3)) {
            d->bad = true;
            break;
        }
        if (have < flen)
            break;
        check(d->n < MAX_FRAMES);
        d->off[d->n] = off + TCP_FRAMING_HDR;
        d->len[d->n] = flen;
        d->n++;
        off += TCP_FRAMING_HDR + flen;
    }
    d->end = off;
    d->trailing = d->bad ? 0 : n - off;
}

static size_t chunk_size(struct prng *p, uint8_t mode)
{
    switch (mode & 3) {
    case 0:
        return 1;
    case 1:
        return 1 + next(p) % 3;
    case 2:
        return 1 + next(p) % 4096;
    default:
        return 1 + next(p) % (TCP_FRAMING_HDR + TCP_FRAMING_MAX_FRAME + 3);
    }
}

static void check_reader(const uint8_t *s, size_t n, uint8_t mode, const struct decoded *d)
{
    struct tcp_framing_reader r;
    struct prng p = {.s = 0x9e3779b9u ^ mode};
    size_t fed = 0, k = 0;
    bool failed = false;
    tcp_framing_reader_init(&r);
    while (fed < n && !failed) {
        size_t clen = chunk_size(&p, mode);
        if (clen > n - fed)
            clen = n - fed;
        uint8_t *chunk = malloc(clen);
        check(chunk != NULL);
        memcpy(chunk, s + fed, clen);
        size_t pos = 0;
        while (pos < clen) {
            size_t used = 99999;
            uint8_t *f = (uint8_t *)1;
            size_t flen = 99999;
            int rc = tcp_framing_reader_input(&r, chunk + pos, clen - pos, &used, &f, &flen);
            check(used <= clen - pos);
            if (rc < 0) {
                check(rc == ERR_TOOBIG);
                check(d->bad && k == d->n);
                check(f == NULL && flen == 0);
                /* Sticky. */
                rc = tcp_framing_reader_input(&r, chunk, clen, &used, &f, &flen);
                check(rc == ERR_TOOBIG && used == 0 && f == NULL);
                failed = true;
                break;
            }
            check(used > 0);
            pos += used;
            if (rc == 0) {
                check(pos == clen && f == NULL && flen == 0);
                continue;
            }
            check(rc == 1 && k < d->n);
            check(flen <= TCP_FRAMING_MAX_FRAME);
            check(flen == 0 || f[0] <= 3 || flen <= TCP_FRAMING_MAX_MEDIA);
            check(flen == d->len[k] && memcmp(f, s + d->off[k], flen) == 0);
            k++;
        }
        free(chunk);
        fed += clen;
    }
    check(failed == d->bad);
    check(k == d->n);
    if (!failed)
        check(tcp_framing_reader_buffered(&r) == d->trailing);
}

/* The simulated socket: appends up to `room` of the pending bytes to out. */
static size_t drain(struct tcp_framing_writer *w, uint8_t *out, size_t *out_len, size_t room)
{
    struct iovec iov[2];
    int cnt = tcp_framing_writer_iov(w, iov);
    size_t total = 0;
    check(cnt >= 0 && cnt <= 2);
    for (int i = 0; i < cnt && room > 0; i++) {
        size_t take = iov[i].iov_len < room ? iov[i].iov_len : room;
        memcpy(out + *out_len, iov[i].iov_base, take);
        *out_len += take;
        total += take;
        room -= take;
    }
    tcp_framing_writer_consume(w, total);
    return total;
}

static void check_writer(const uint8_t *s, uint8_t mode, const struct decoded *d, uint8_t *out)
{
    struct tcp_framing_writer w;
    struct prng p = {.s = 0x85ebca6bu ^ (uint32_t)mode << 8};
    size_t cap = mode & 4 ? TCP_FRAMING_HDR + TCP_FRAMING_MAX_FRAME : 8192;
    size_t out_len = 0;
    bool closed = false;
    check(tcp_framing_writer_init(&w, cap) == 0);
    for (size_t k = 0; k < d->n && !closed; k++) {
        const uint8_t *payload = s + d->off[k];
        size_t len = d->len[k], whole = TCP_FRAMING_HDR + len;
        size_t before = out_len + tcp_framing_writer_pending(&w);
        if (tcp_framing_writer_pending(&w) == 0) {
            /* The socket takes part of the frame directly. */
            size_t took = next(&p) % (whole + 1);
            uint8_t hdr[TCP_FRAMING_HDR];
            check(tcp_framing_header(hdr, len) == 0);
            size_t h = took < TCP_FRAMING_HDR ? took : TCP_FRAMING_HDR;
            memcpy(out + out_len, hdr, h);
            memcpy(out + out_len + h, payload, took - h);
            out_len += took;
            int rc = tcp_framing_writer_push(&w, payload, len, took);
            check(rc == 0); /* at most one frame is pending: it fits any cap */
        } else {
            int rc = tcp_framing_writer_push(&w, payload, len, 0);
            if (rc == ERR_FULL) {
                check(tcp_framing_writer_pending(&w) + whole > cap);
                closed = true;
                break;
            }
            check(rc == 0);
        }
        check(out_len + tcp_framing_writer_pending(&w) == before + whole);
        check(tcp_framing_writer_pending(&w) <= cap);
        if (next(&p) % 3 == 0)
            (void)drain(&w, out, &out_len, next(&p) % (cap + 1));
    }
    if (!closed) {
        while (tcp_framing_writer_pending(&w) > 0)
            check(drain(&w, out, &out_len, 1 + next(&p) % 5000) > 0);
        check(out_len == d->end);
    }
    check(out_len <= d->end && memcmp(out, s, out_len) == 0);
    tcp_framing_writer_free(&w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct decoded d;
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    const uint8_t *s = data + 1;
    size_t n = size - 1;
    decode(s, n, &d);
    check_reader(s, n, mode, &d);
    uint8_t *out = malloc(n + 1);
    check(out != NULL);
    check_writer(s, mode, &d, out);
    free(out);
    return 0;
}
