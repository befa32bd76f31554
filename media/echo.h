/* The pre-call check's media loop: a browser's own streams come back to it
 * through the whole server path. Pure functions over packets: RTP gets the
 * server's SSRC for each of the browser's streams (the answer announced
 * them), and the browser's feedback about the echoed streams (NACK, PLI,
 * FIR) is turned around to its own outgoing streams, so loss repair and
 * keyframe requests work end to end. */
#ifndef SAMTALE_MEDIA_ECHO_H
#define SAMTALE_MEDIA_ECHO_H

#include <stddef.h>
#include <stdint.h>

#define ECHO_MAX_STREAMS 8 /* audio, video and their RTX */

struct echo_map {
    uint32_t in[ECHO_MAX_STREAMS];  /* the browser's SSRCs */
    uint32_t out[ECHO_MAX_STREAMS]; /* the server's SSRC for each */
    size_t n;
};

/* Adds a stream; ERR_FULL or ERR_INVAL (0 or duplicate SSRC). */
int echo_map_add(struct echo_map *m, uint32_t in, uint32_t out);

/* Rewrites a decrypted RTP packet's SSRC in place. ERR_NOTFOUND for a
 * stream that was not announced (dropped), ERR_PARSE for a bad packet. */
int echo_rtp(const struct echo_map *m, uint8_t *buf, size_t len);

/* From a decrypted compound RTCP packet, builds the feedback to send back:
 * an empty RR from `sender_ssrc`, then each NACK, PLI and FIR about an
 * echoed stream with the SSRC turned back to the browser's own. Writes at
 * most cap bytes to out and returns the length, 0 when there is nothing to
 * send, or ERR_PARSE / ERR_TOOBIG. */
int echo_rtcp(const struct echo_map *m, uint32_t sender_ssrc, const uint8_t *in, size_t len,
              uint8_t *out, size_t cap);

#endif
