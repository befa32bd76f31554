/* Tests for media/tcp_framing.c: the RFC 4571 reassembler fed at every
 * split point, several frames per read, limits, and the output buffer with
 * partial writes and ring wrap-around. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "media/tcp_framing.h"
#include "base/err.h"

#define MAX_FRAMES 16

struct frames {
    size_t n;
    size_t len[MAX_FRAMES];
    uint8_t data[MAX_FRAMES][TCP_FRAMING_MAX_FRAME];
};

/* Feeds buf in one call sequence; returns the last error or 0. */
static int feed(struct tcp_framing_reader *r, uint8_t *buf, size_t len, struct frames *out)
{
    size_t off = 0;
    while (off < len) {
        size_t used;
        uint8_t *f;
        size_t flen;
        int rc = tcp_framing_reader_input(r, buf + off, len - off, &used, &f, &flen);
        if (rc < 0)
            return rc;
        assert_true(used <= len - off);
        off += used;
        if (rc == 1) {
            assert_true(out->n < MAX_FRAMES);
            out->len[out->n] = flen;
            memcpy(out->data[out->n], f, flen);
            out->n++;
        } else {
            assert_int_equal(rc, 0);
            assert_int_equal(off, len); /* no frame: everything was taken */
        }
    }
    return 0;
}

/* Appends a frame to stream; returns the new length. */
static size_t put_frame(uint8_t *stream, size_t at, const uint8_t *payload, size_t len)
{
    stream[at] = (uint8_t)(len >> 8);
    stream[at + 1] = (uint8_t)len;
    memcpy(stream + at + 2, payload, len);
    return at + 2 + len;
}

static uint8_t stun_msg[20] = {0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42, 1,  2,
                               3,    4,    5,    6,    7,    8,    9,    10,   11, 12};
static uint8_t rtp_pkt[300];
static uint8_t dtls_rec[37];

static size_t build_stream(uint8_t *s)
{
    size_t n = 0;
    for (size_t i = 0; i < sizeof rtp_pkt; i++)
        rtp_pkt[i] = (uint8_t)(i == 0 ? 0x80 : i * 7);
    for (size_t i = 0; i < sizeof dtls_rec; i++)
        dtls_rec[i] = (uint8_t)(i == 0 ? 22 : i);
    n = put_frame(s, n, stun_msg, sizeof stun_msg);
    n = put_frame(s, n, rtp_pkt, sizeof rtp_pkt);
    n = put_frame(s, n, stun_msg, 0); /* an empty frame */
    n = put_frame(s, n, dtls_rec, sizeof dtls_rec);
    n = put_frame(s, n, rtp_pkt, 1);
    return n;
}

static void check_stream_frames(const struct frames *f)
{
    assert_int_equal(f->n, 5);
    assert_int_equal(f->len[0], sizeof stun_msg);
    assert_memory_equal(f->data[0], stun_msg, sizeof stun_msg);
    assert_int_equal(f->len[1], sizeof rtp_pkt);
    assert_memory_equal(f->data[1], rtp_pkt, sizeof rtp_pkt);
    assert_int_equal(f->len[2], 0);
    assert_int_equal(f->len[3], sizeof dtls_rec);
    assert_memory_equal(f->data[3], dtls_rec, sizeof dtls_rec);
    assert_int_equal(f->len[4], 1);
    assert_int_equal(f->data[4][0], 0x80);
}

static void test_header(void **state)
{
    (void)state;
    uint8_t h[2];
    assert_int_equal(tcp_framing_header(h, 0), 0);
    assert_int_equal(h[0], 0);
    assert_int_equal(h[1], 0);
    assert_int_equal(tcp_framing_header(h, 0x0123), 0);
    assert_int_equal(h[0], 0x01);
    assert_int_equal(h[1], 0x23);
    assert_int_equal(tcp_framing_header(h, TCP_FRAMING_MAX_FRAME), 0);
    assert_int_equal(tcp_framing_header(h, TCP_FRAMING_MAX_FRAME + 1), ERR_TOOBIG);
}

static void test_whole_frame_is_a_view_into_input(void **state)
{
    (void)state;
    struct tcp_framing_reader r;
    uint8_t buf[64];
    size_t n = put_frame(buf, 0, stun_msg, sizeof stun_msg);
    size_t used;
    uint8_t *f;
    size_t flen;
    tcp_framing_reader_init(&r);
    assert_int_equal(tcp_framing_reader_input(&r, buf, n, &used, &f, &flen), 1);
    assert_int_equal(used, n);
    assert_ptr_equal(f, buf + 2); /* no copy */
    assert_int_equal(flen, sizeof stun_msg);
    assert_int_equal(tcp_framing_reader_buffered(&r), 0);
}

static void test_several_frames_in_one_read(void **state)
{
    (void)state;
    static uint8_t s[1024];
    static struct frames f;
    struct tcp_framing_reader r;
    size_t n = build_stream(s);
    memset(&f, 0, sizeof f);
    tcp_framing_reader_init(&r);
    assert_int_equal(feed(&r, s, n, &f), 0);
    check_stream_frames(&f);
    assert_int_equal(tcp_framing_reader_buffered(&r), 0);
}

static void test_every_split_point(void **state)
{
    (void)state;
    static uint8_t s[1024], a[1024], b[1024];
    static struct frames f;
    struct tcp_framing_reader r;
    size_t n = build_stream(s);

    /* One split at every position. Copies, so that a view into the first
     * read cannot survive into the second by accident. */
    for (size_t k = 0; k <= n; k++) {
        memset(&f, 0, sizeof f);
        tcp_framing_reader_init(&r);
        memcpy(a, s, k);
        memcpy(b, s + k, n - k);
        assert_int_equal(feed(&r, a, k, &f), 0);
        memset(a, 0xee, k);
        assert_int_equal(feed(&r, b, n - k, &f), 0);
        check_stream_frames(&f);
    }
    /* Two splits at every pair of positions. */
    for (size_t k = 0; k <= n; k += 3) {
        for (size_t j = k; j <= n; j++) {
            memset(&f, 0, sizeof f);
            tcp_framing_reader_init(&r);
            memcpy(a, s, n);
            assert_int_equal(feed(&r, a, k, &f), 0);
            assert_int_equal(feed(&r, a + k, j - k, &f), 0);
            assert_int_equal(feed(&r, a + j, n - j, &f), 0);
            check_stream_frames(&f);
        }
    }
    /* One byte at a time. */
    memset(&f, 0, sizeof f);
    tcp_framing_reader_init(&r);
    for (size_t k = 0; k < n; k++) {
        a[0] = s[k];
        assert_int_equal(feed(&r, a, 1, &f), 0);
    }
    check_stream_frames(&f);
}

static void test_limits(void **state)
{
    (void)state;
    static uint8_t buf[4 + TCP_FRAMING_MAX_FRAME + 8];
    static uint8_t payload[TCP_FRAMING_MAX_FRAME + 1];
    static struct frames f;
    struct tcp_framing_reader r;
    size_t n;

    /* The largest STUN frame and the largest media frame pass, whole or split. */
    memset(payload, 0, sizeof payload);
    payload[0] = 0x01;
    n = put_frame(buf, 0, payload, TCP_FRAMING_MAX_FRAME);
    for (size_t split = 0; split <= n; split += n / 4) {
        memset(&f, 0, sizeof f);
        tcp_framing_reader_init(&r);
        assert_int_equal(feed(&r, buf, split, &f), 0);
        assert_int_equal(feed(&r, buf + split, n - split, &f), 0);
        assert_int_equal(f.n, 1);
        assert_int_equal(f.len[0], TCP_FRAMING_MAX_FRAME);
    }
    payload[0] = 0x80;
    n = put_frame(buf, 0, payload, TCP_FRAMING_MAX_MEDIA);
    memset(&f, 0, sizeof f);
    tcp_framing_reader_init(&r);
    assert_int_equal(feed(&r, buf, n, &f), 0);
    assert_int_equal(f.len[0], TCP_FRAMING_MAX_MEDIA);

    /* A length above the maximum is refused as soon as the header is in. */
    buf[0] = (uint8_t)((TCP_FRAMING_MAX_FRAME + 1) >> 8);
    buf[1] = (uint8_t)(TCP_FRAMING_MAX_FRAME + 1);
    tcp_framing_reader_init(&r);
    memset(&f, 0, sizeof f);
    assert_int_equal(feed(&r, buf, 1, &f), 0);
    assert_int_equal(feed(&r, buf + 1, 1, &f), ERR_TOOBIG);
    /* sticky */
    n = put_frame(buf, 0, stun_msg, sizeof stun_msg);
    assert_int_equal(feed(&r, buf, n, &f), ERR_TOOBIG);
    assert_int_equal(f.n, 0);

    buf[0] = 0xff;
    buf[1] = 0xff;
    tcp_framing_reader_init(&r);
    assert_int_equal(feed(&r, buf, 2, &f), ERR_TOOBIG);

    /* A media frame above TCP_FRAMING_MAX_MEDIA: refused once its first byte
     * is known, whether it arrives whole or in pieces. */
    payload[0] = 0x80;
    n = put_frame(buf, 0, payload, TCP_FRAMING_MAX_MEDIA + 1);
    tcp_framing_reader_init(&r);
    assert_int_equal(feed(&r, buf, n, &f), ERR_TOOBIG);
    tcp_framing_reader_init(&r);
    assert_int_equal(feed(&r, buf, 2, &f), 0);
    assert_int_equal(feed(&r, buf + 2, 1, &f), ERR_TOOBIG);
    assert_int_equal(f.n, 0);
}

/* ---- writer ---- */

static size_t drain(struct tcp_framing_writer *w, uint8_t *out, size_t at, size_t max_chunk)
{
    while (tcp_framing_writer_pending(w) > 0) {
        struct iovec iov[2];
        int k = tcp_framing_writer_iov(w, iov);
        assert_true(k == 1 || k == 2);
        /* "write" at most max_chunk bytes, like a socket taking part */
        size_t take = max_chunk, done = 0;
        for (int i = 0; i < k && take > 0; i++) {
            size_t c = iov[i].iov_len < take ? iov[i].iov_len : take;
            memcpy(out + at + done, iov[i].iov_base, c);
            done += c;
            take -= c;
        }
        tcp_framing_writer_consume(w, done);
        at += done;
    }
    return at;
}

static void test_writer_init_limits(void **state)
{
    (void)state;
    struct tcp_framing_writer w;
    assert_int_equal(tcp_framing_writer_init(&w, 0), 0);
    assert_int_equal(w.cap, TCP_FRAMING_OUT_DEFAULT);
    assert_null(w.buf); /* nothing allocated until needed */
    tcp_framing_writer_free(&w);
    assert_int_equal(tcp_framing_writer_init(&w, TCP_FRAMING_MAX_FRAME + 1), ERR_INVAL);
    assert_int_equal(tcp_framing_writer_init(&w, TCP_FRAMING_OUT_MAX + 1), ERR_INVAL);
    assert_int_equal(tcp_framing_writer_init(&w, TCP_FRAMING_HDR + TCP_FRAMING_MAX_FRAME), 0);
    uint8_t big[TCP_FRAMING_MAX_FRAME + 1] = {0};
    assert_int_equal(tcp_framing_writer_push(&w, big, sizeof big, 0), ERR_TOOBIG);
    assert_int_equal(tcp_framing_writer_push(&w, big, 10, 13), ERR_INVAL);
    assert_int_equal(tcp_framing_writer_push(&w, big, 10, 12), 0); /* all written already */
    assert_int_equal(tcp_framing_writer_pending(&w), 0);
    tcp_framing_writer_free(&w);
}

static void test_writer_frames_and_partial_writes(void **state)
{
    (void)state;
    static uint8_t expect[64 * 1024], got[64 * 1024];
    uint8_t payload[700];
    struct tcp_framing_writer w;
    size_t exp_len = 0, got_len = 0;
    uint32_t x = 7;

    /* A small ring (4 KiB) so that it wraps many times. */
    assert_int_equal(tcp_framing_writer_init(&w, 4096), 0);
    for (int i = 0; i < 60; i++) {
        size_t len = 1 + (size_t)(i * 37) % sizeof payload;
        for (size_t k = 0; k < len; k++)
            payload[k] = (uint8_t)((size_t)i + k);
        /* Sometimes the "socket" takes everything pending. */
        x = x * 1103515245u + 12345u;
        if ((x >> 16) % 3 == 0)
            got_len = drain(&w, got, got_len, 1 + (x >> 8) % 97);
        /* With nothing pending the caller writes directly and the socket
         * takes the first skip bytes of the frame before saying EAGAIN. */
        size_t skip = 0;
        if (tcp_framing_writer_pending(&w) == 0)
            skip = (size_t)(i % 5 == 0 ? 0 : i % 5 == 1 ? 1 : i % 5 == 2 ? 2 : 3 + i % 11);
        if (skip > len + 2)
            skip = len + 2;
        size_t before = exp_len;
        exp_len = put_frame(expect, exp_len, payload, len);
        memcpy(got + got_len, expect + before, skip);
        got_len += skip;
        int rc = tcp_framing_writer_push(&w, payload, len, skip);
        if (rc == ERR_FULL) {
            got_len = drain(&w, got, got_len, 1 + (x >> 4) % 1500);
            rc = tcp_framing_writer_push(&w, payload, len, skip);
        }
        assert_int_equal(rc, 0);
    }
    got_len = drain(&w, got, got_len, 13);
    assert_int_equal(got_len, exp_len);
    assert_memory_equal(got, expect, exp_len);

    /* The output parses back into the same frames. */
    struct tcp_framing_reader r;
    tcp_framing_reader_init(&r);
    size_t off = 0;
    int frames = 0;
    while (off < got_len) {
        size_t used, flen;
        uint8_t *f;
        int rc = tcp_framing_reader_input(&r, got + off, got_len - off, &used, &f, &flen);
        assert_true(rc >= 0);
        off += used;
        frames += rc;
    }
    assert_int_equal(frames, 60);
    tcp_framing_writer_free(&w);
}

static void test_writer_full_is_all_or_nothing(void **state)
{
    (void)state;
    struct tcp_framing_writer w;
    uint8_t payload[1000];
    memset(payload, 0x80, sizeof payload);
    assert_int_equal(tcp_framing_writer_init(&w, 2500), 0);
    assert_int_equal(tcp_framing_writer_push(&w, payload, 1000, 0), 0);
    assert_int_equal(tcp_framing_writer_push(&w, payload, 1000, 0), 0);
    assert_int_equal(tcp_framing_writer_pending(&w), 2004);
    assert_int_equal(tcp_framing_writer_push(&w, payload, 1000, 0), ERR_FULL);
    assert_int_equal(tcp_framing_writer_pending(&w), 2004);
    /* A remainder that fits is still taken. */
    assert_int_equal(tcp_framing_writer_push(&w, payload, 1000, 600), 0);
    assert_int_equal(tcp_framing_writer_pending(&w), 2406);
    tcp_framing_writer_consume(&w, 2406);
    assert_int_equal(tcp_framing_writer_pending(&w), 0);
    struct iovec iov[2];
    assert_int_equal(tcp_framing_writer_iov(&w, iov), 0);
    tcp_framing_writer_free(&w);
    tcp_framing_writer_free(&w); /* twice is harmless */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_whole_frame_is_a_view_into_input),
        cmocka_unit_test(test_several_frames_in_one_read),
        cmocka_unit_test(test_every_split_point),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_writer_init_limits),
        cmocka_unit_test(test_writer_frames_and_partial_writes),
        cmocka_unit_test(test_writer_full_is_all_or_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
