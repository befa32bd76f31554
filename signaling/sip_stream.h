/* SIP over TCP (RFC 3261 section 18.3): splits a connection's byte stream
 * into messages. A message ends after its header block (CRLF CRLF) and
 * Content-Length body bytes; a message on a stream without Content-Length
 * is an error (the connection is closed). CRLFs between messages (RFC 5626
 * keep-alives) are skipped. Sans-IO: the caller feeds bytes as they come
 * and takes whole messages out. Bounded: a message longer than
 * SIP_STREAM_MAX_MSG is an error. */
#ifndef SAMTALE_SIGNALING_SIP_STREAM_H
#define SAMTALE_SIGNALING_SIP_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIP_STREAM_MAX_MSG (16 * 1024) /* header block and body of one message */

struct sip_stream {
    uint8_t buf[SIP_STREAM_MAX_MSG];
    size_t len;     /* bytes held */
    size_t taken;   /* bytes of the message last returned, dropped on the next call */
    bool failed;    /* sticky: the stream is broken, close the connection */
    unsigned pings; /* keep-alive CRLF CRLF seen (answer with CRLF, RFC 5626 4.4.1) */
};

void sip_stream_init(struct sip_stream *s);

/* Appends up to len bytes; *used gets how many were taken (fewer when the
 * buffer is full: take messages out first, then feed the rest). Returns 0,
 * or ERR_PROTO once the stream is broken. */
int sip_stream_feed(struct sip_stream *s, const uint8_t *data, size_t len, size_t *used);

/* The next complete message: 1 with *msg and *len set (valid until the next
 * call of feed or next), 0 when more bytes are needed, or ERR_PARSE (no or
 * a bad Content-Length) / ERR_TOOBIG (message over the limit): the stream
 * is then broken and the connection should be closed. */
int sip_stream_next(struct sip_stream *s, const uint8_t **msg, size_t *len);

#endif
