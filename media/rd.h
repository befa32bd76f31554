/* Bounded reader and writer for wire formats (STUN, RTP, RTCP, ...).
 *
 * struct rd walks an untrusted input buffer. Every read checks the number of
 * bytes left first (`n > rd_left(r)`, never pointer arithmetic past the end).
 * A read that does not fit sets the sticky error flag and returns 0 / NULL;
 * once the flag is set every later read also returns 0 / NULL and consumes
 * nothing, so a parser can read a whole structure and check `r->err` once.
 *
 * struct wr fills a caller-owned output buffer the same way: a write that
 * does not fit sets the sticky error flag and writes nothing.
 *
 * Multi-byte integers are in network byte order (big-endian).
 * Header-only; everything is static inline. */
#ifndef SAMTALE_MEDIA_RD_H
#define SAMTALE_MEDIA_RD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct rd {
    const uint8_t *p;   /* next byte to read */
    const uint8_t *end; /* one past the last readable byte */
    bool err;           /* sticky: a read ran past the end */
};

/* Starts reading `len` bytes at `buf`. A NULL `buf` with a non-zero `len`
 * yields a reader that is already in error. */
static inline void rd_init(struct rd *r, const void *buf, size_t len)
{
    r->err = false;
    if (buf == NULL) {
        r->p = r->end = NULL;
        r->err = len != 0;
        return;
    }
    r->p = (const uint8_t *)buf;
    r->end = r->p + len;
}

/* Bytes left to read; 0 once the reader is in error. */
static inline size_t rd_left(const struct rd *r)
{
    if (r->err || r->p == NULL)
        return 0;
    return (size_t)(r->end - r->p);
}

/* True while no read has failed. */
static inline bool rd_ok(const struct rd *r)
{
    return !r->err;
}

/* Consumes `n` bytes and returns a view of them, or NULL (and sets the error
 * flag) if fewer than `n` are left. For n == 0 the result is the current
 * position, which is NULL for an empty reader started on NULL: test
 * `r->err`, not the pointer, when n may be 0. */
static inline const uint8_t *rd_bytes(struct rd *r, size_t n)
{
    const uint8_t *v;

    if (r->err || n > rd_left(r)) {
        r->err = true;
        return NULL;
    }
    v = r->p;
    if (n != 0)
        r->p += n;
    return v;
}

/* Skips `n` bytes; sets the error flag if fewer are left. */
static inline void rd_skip(struct rd *r, size_t n)
{
    (void)rd_bytes(r, n);
}

/* Copies `n` bytes into `dst`; on error `dst` is zero-filled. */
static inline void rd_copy(struct rd *r, void *dst, size_t n)
{
    const uint8_t *v = rd_bytes(r, n);

    if (n == 0)
        return;
    if (v != NULL)
        memcpy(dst, v, n);
    else
        memset(dst, 0, n);
}

/* Splits off the next `n` bytes as their own reader (e.g. one TLV value) and
 * consumes them from `r`. If fewer than `n` are left, both are in error. */
static inline void rd_sub(struct rd *r, size_t n, struct rd *sub)
{
    const uint8_t *v = rd_bytes(r, n);

    if (r->err) {
        sub->p = sub->end = NULL;
        sub->err = true;
        return;
    }
    rd_init(sub, v, n);
}

static inline uint8_t rd_u8(struct rd *r)
{
    const uint8_t *v = rd_bytes(r, 1);

    return v != NULL ? v[0] : 0;
}

static inline uint16_t rd_u16(struct rd *r)
{
    const uint8_t *v = rd_bytes(r, 2);

    if (v == NULL)
        return 0;
    return (uint16_t)((unsigned)v[0] << 8 | v[1]);
}

static inline uint32_t rd_u24(struct rd *r)
{
    const uint8_t *v = rd_bytes(r, 3);

    if (v == NULL)
        return 0;
    return (uint32_t)v[0] << 16 | (uint32_t)v[1] << 8 | v[2];
}

static inline uint32_t rd_u32(struct rd *r)
{
    const uint8_t *v = rd_bytes(r, 4);

    if (v == NULL)
        return 0;
    return (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
}

static inline uint64_t rd_u64(struct rd *r)
{
    uint64_t hi = rd_u32(r);
    uint64_t lo = rd_u32(r);

    if (r->err)
        return 0;
    return hi << 32 | lo;
}

/* ---- writer ---- */

struct wr {
    uint8_t *p;   /* next byte to write */
    uint8_t *end; /* one past the last writable byte */
    bool err;     /* sticky: a write did not fit */
};

/* Starts writing into `cap` bytes at `buf`. The number of bytes written is
 * `w.p - buf` once `w.err` is known to be false. */
static inline void wr_init(struct wr *w, void *buf, size_t cap)
{
    w->err = false;
    if (buf == NULL) {
        w->p = w->end = NULL;
        w->err = cap != 0;
        return;
    }
    w->p = (uint8_t *)buf;
    w->end = w->p + cap;
}

/* Bytes of room left; 0 once the writer is in error. */
static inline size_t wr_left(const struct wr *w)
{
    if (w->err || w->p == NULL)
        return 0;
    return (size_t)(w->end - w->p);
}

static inline bool wr_ok(const struct wr *w)
{
    return !w->err;
}

/* Claims the next `n` bytes and returns them for the caller to fill (now or
 * later, e.g. a length field patched at the end), or NULL and sets the error
 * flag if they do not fit. The bytes are not initialised. */
static inline uint8_t *wr_reserve(struct wr *w, size_t n)
{
    uint8_t *v;

    if (w->err || n > wr_left(w)) {
        w->err = true;
        return NULL;
    }
    v = w->p;
    if (n != 0)
        w->p += n;
    return v;
}

static inline void wr_bytes(struct wr *w, const void *src, size_t n)
{
    uint8_t *v = wr_reserve(w, n);

    if (v != NULL && n != 0)
        memcpy(v, src, n);
}

/* Writes `n` copies of `byte`. */
static inline void wr_fill(struct wr *w, uint8_t byte, size_t n)
{
    uint8_t *v = wr_reserve(w, n);

    if (v != NULL && n != 0)
        memset(v, byte, n);
}

static inline void wr_zero(struct wr *w, size_t n)
{
    wr_fill(w, 0, n);
}

static inline void wr_u8(struct wr *w, uint8_t x)
{
    uint8_t *v = wr_reserve(w, 1);

    if (v != NULL)
        v[0] = x;
}

/* Stores big-endian integers into memory the caller already owns, e.g. a
 * field reserved with wr_reserve. */
static inline void wr_put_u16(uint8_t *v, uint16_t x)
{
    v[0] = (uint8_t)(x >> 8);
    v[1] = (uint8_t)x;
}

static inline void wr_put_u32(uint8_t *v, uint32_t x)
{
    v[0] = (uint8_t)(x >> 24);
    v[1] = (uint8_t)(x >> 16);
    v[2] = (uint8_t)(x >> 8);
    v[3] = (uint8_t)x;
}

static inline void wr_u16(struct wr *w, uint16_t x)
{
    uint8_t *v = wr_reserve(w, 2);

    if (v != NULL)
        wr_put_u16(v, x);
}

static inline void wr_u24(struct wr *w, uint32_t x)
{
    uint8_t *v = wr_reserve(w, 3);

    if (v != NULL) {
        v[0] = (uint8_t)(x >> 16);
        v[1] = (uint8_t)(x >> 8);
        v[2] = (uint8_t)x;
    }
}

static inline void wr_u32(struct wr *w, uint32_t x)
{
    uint8_t *v = wr_reserve(w, 4);

    if (v != NULL)
        wr_put_u32(v, x);
}

static inline void wr_u64(struct wr *w, uint64_t x)
{
    uint8_t *v = wr_reserve(w, 8);

    if (v != NULL) {
        wr_put_u32(v, (uint32_t)(x >> 32));
        wr_put_u32(v + 4, (uint32_t)x);
    }
}

#endif
