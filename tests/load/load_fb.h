/* A participant's loss repair and congestion feedback on its media thread
 * (with cfg.feedback; the pieces are load_repair.h's):
 *
 *   publisher   stamps the transport-wide sequence number on every packet,
 *               keeps each camera layer's history, answers the server's
 *               NACKs with RTX and counts its transport-cc feedback;
 *   subscriber  records the transport-wide numbers it receives and sends
 *               transport-cc feedback (media/twcc.h) every
 *               LG_FB_TWCC_INTERVAL_US, NACKs the gaps of its video streams
 *               and unwraps RTX into the stream it repairs.
 *
 * RTCP and RTX packets go out through the caller's function, which
 * protects and queues them on the right connection. */
#ifndef SAMTALE_LOAD_FB_H
#define SAMTALE_LOAD_FB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "media/rtp.h"
#include "tests/load/load.h"

#define LG_FB_TWCC_INTERVAL_US 50000

/* Sends buf[0..len) (room for cap bytes) on one of p's connections. */
typedef void (*lg_fb_send_fn)(void *arg, struct lg_part *p, uint8_t *buf, size_t len, size_t cap);

/* Before the publish connection starts: the extension ids and RTX of the
 * publish answer (p->pub_fb) go to the audio and camera senders. */
void lg_fb_pub_setup(struct lg_part *p);
/* Stamps the next transport-wide number into pkt (when negotiated) and,
 * with hist, keeps a copy for RTX. */
void lg_fb_pub_packet(struct lg_part *p, struct lg_rtx_sender *hist, int64_t now_us, uint8_t *pkt,
                      size_t len);
/* An RTCP compound packet from the server on the publish connection:
 * counts its feedback and sends an RTX packet (through send, which stamps
 * and may drop it as any packet) for every NACKed one still in a history.
 * scan is the thread's scratch. */
void lg_fb_pub_rtcp(struct lg_part *p, struct lg_fb_scan *scan, int64_t now_us, const uint8_t *buf,
                    size_t len, lg_fb_send_fn send, void *arg);

/* When the subscribe connection starts. Returns 0 or ERR_NOMEM. */
int lg_fb_sub_start(struct lg_part *p);
/* From a subscribe offer: the transport-wide id and RTX streams. */
void lg_fb_sub_map(struct lg_part *p, uint8_t ext_twcc, const struct lg_rtx_pair *pairs, size_t n);
/* A received RTP packet: its transport-wide number is recorded; returns
 * the RTX stream it belongs to, or NULL. */
const struct lg_rtx_pair *lg_fb_sub_packet(struct lg_part *p, int64_t now_us,
                                           const struct rtp_packet *r);
/* A received packet of video stream s (or its repair): NACK bookkeeping. */
void lg_fb_sub_seq(struct lg_part *p, struct lg_rx_stream *s, int64_t now_us, uint16_t seq);
/* When lg_fb_sub_send() next has work. */
int64_t lg_fb_sub_deadline(const struct lg_part *p);
/* Sends the transport-cc feedback and NACKs due. */
void lg_fb_sub_send(struct lg_part *p, int64_t now_us, lg_fb_send_fn send, void *arg);

void lg_fb_free(struct lg_part *p);

#endif
