/* RFC 4571 framing for ICE-TCP (RFC 6544): every packet on the stream is
 * preceded by a 16-bit big-endian length.
 *
 * Sans-IO and allocation-free on the way in: the caller reads bytes from
 * the socket and feeds them to a reader, which yields one complete frame at
 * a time. A frame that arrived whole in the caller's buffer is returned as
 * a view into that buffer (no copy); only a frame split across reads is
 * assembled in the reader's own bounded buffer.
 *
 * On the way out a writer keeps what the socket would not take, within a
 * fixed cap per connection: the caller tries the socket first and hands the
 * writer only the part that was not written (see tcp_framing_writer_push),
 * later writes the writer's pending bytes (tcp_framing_writer_iov) and
 * consumes what the socket took. The writer's buffer is allocated the first
 * time it is needed (a connection that never backs up costs nothing) and
 * kept until tcp_framing_writer_free(). */
#ifndef SAMTALE_MEDIA_TCP_FRAMING_H
#define SAMTALE_MEDIA_TCP_FRAMING_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define TCP_FRAMING_HDR 2
/* Largest frame accepted or sent at all: a STUN message may be this long
 * (STUN_MAX_MESSAGE). Equal to WORKER_PKT_SIZE. */
#define TCP_FRAMING_MAX_FRAME 2048
/* Largest frame whose first byte is not STUN (0..3): DTLS, RTP and RTCP
 * packets are sized for a UDP path MTU, 1500 bytes plus headroom. */
#define TCP_FRAMING_MAX_MEDIA 1600
/* Output buffer per connection when the caller asks for 0, and the most
 * it may ask for. */
#define TCP_FRAMING_OUT_DEFAULT (128 * 1024)
#define TCP_FRAMING_OUT_MAX (16 * 1024 * 1024)

/* ---- reader ---- */

struct tcp_framing_reader {
    size_t have; /* bytes of the current frame buffered, header included */
    size_t need; /* payload length of the current frame, once have >= 2 */
    int err;     /* sticky: once a frame was refused the stream is unusable */
    uint8_t buf[TCP_FRAMING_HDR + TCP_FRAMING_MAX_FRAME];
};

void tcp_framing_reader_init(struct tcp_framing_reader *r);

/* Consumes bytes from buf[0..len) up to the end of the next complete frame.
 * Returns 1 with *frame and *frame_len set when a frame is complete, 0 when
 * all len bytes were consumed without completing one, or ERR_TOOBIG when a
 * length exceeds TCP_FRAMING_MAX_FRAME (or TCP_FRAMING_MAX_MEDIA for a frame
 * that is not STUN); errors are sticky. *consumed is always set: call again
 * with the rest (buf + *consumed) while it is less than len.
 *
 * *frame points either into buf or into the reader and is valid until the
 * next call or until buf is reused. The caller may modify the frame's bytes
 * in place (e.g. to decrypt it). A frame may be empty (*frame_len 0). */
int tcp_framing_reader_input(struct tcp_framing_reader *r, uint8_t *buf, size_t len,
                             size_t *consumed, uint8_t **frame, size_t *frame_len);

/* Bytes of an incomplete frame held in the reader. */
size_t tcp_framing_reader_buffered(const struct tcp_framing_reader *r);

/* ---- writer ---- */

struct tcp_framing_writer {
    uint8_t *buf; /* cap bytes, allocated on first need */
    size_t cap;
    size_t head; /* offset of the oldest pending byte */
    size_t len;  /* pending bytes */
};

/* Writes the 2-byte length prefix for a payload of payload_len bytes.
 * 0, or ERR_TOOBIG above TCP_FRAMING_MAX_FRAME. */
int tcp_framing_header(uint8_t hdr[TCP_FRAMING_HDR], size_t payload_len);

/* cap = 0 means TCP_FRAMING_OUT_DEFAULT. ERR_INVAL when cap is smaller than
 * one largest frame or above TCP_FRAMING_OUT_MAX. Allocates nothing. */
int tcp_framing_writer_init(struct tcp_framing_writer *w, size_t cap);
void tcp_framing_writer_free(struct tcp_framing_writer *w);

/* Appends the frame of payload buf[0..len) (length prefix + payload) minus
 * its first `skip` bytes, which the caller already wrote to the socket.
 * All or nothing: ERR_FULL when it does not fit within the cap (nothing is
 * appended; the connection cannot keep up and should be closed, since a
 * stream with a missing frame part is corrupt), ERR_TOOBIG for a payload
 * above TCP_FRAMING_MAX_FRAME, ERR_INVAL for skip > len + 2, ERR_NOMEM when
 * the buffer cannot be allocated. */
int tcp_framing_writer_push(struct tcp_framing_writer *w, const uint8_t *buf, size_t len,
                            size_t skip);

/* Bytes waiting to be written. While this is non-zero, new frames must be
 * pushed here rather than written directly, to keep the stream in order. */
size_t tcp_framing_writer_pending(const struct tcp_framing_writer *w);
/* Fills up to two iovecs with the pending bytes in order; returns how many. */
int tcp_framing_writer_iov(const struct tcp_framing_writer *w, struct iovec iov[2]);
/* Drops the first n pending bytes (n <= pending), after the socket took them. */
void tcp_framing_writer_consume(struct tcp_framing_writer *w, size_t n);

#endif
