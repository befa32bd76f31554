/* RFC 4733 telephone-event: DTMF digits from the RTP payload of a phone.
 *
 * Payload (4 bytes; more are ignored): event (8 bits), E (end), R,
 * volume (6 bits), duration (16 bits). One key press is one event: every
 * packet of it carries the same RTP timestamp (the event's start), and its
 * end is sent three times with E set; any of them may be lost, repeated or
 * reordered.
 *
 * The decoder reports each key press once:
 *   - on the first packet with E set for a timestamp not reported yet;
 *   - or, when every end packet was lost, once an event with another
 *     timestamp arrives or no packet of it came for RTP_DTMF_TIMEOUT_US
 *     (rtp_dtmf_timeout), provided it was seen at all.
 * Events other than 0-9, *, #, A-D (flash, tones of RFC 4734) are ignored.
 * The last RTP_DTMF_HISTORY reported timestamps are remembered, so the
 * late end packets of an earlier press do not report it again.
 *
 * Sans-IO, no allocation. */
#ifndef SAMTALE_MEDIA_RTP_DTMF_H
#define SAMTALE_MEDIA_RTP_DTMF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RTP_DTMF_PAYLOAD_LEN 4
#define RTP_DTMF_TIMEOUT_US 1000000 /* an event without an end is over after this */
#define RTP_DTMF_HISTORY 4          /* reported timestamps remembered */
#define RTP_DTMF_QUEUE 4            /* digits waiting for rtp_dtmf_poll() */
#define RTP_DTMF_NONE INT64_MAX

struct rtp_dtmf {
    bool active;                     /* an event that was seen but not reported */
    uint32_t ts;                     /* its RTP timestamp */
    char digit;                      /* its digit */
    int64_t last_us;                 /* its last packet */
    uint32_t done[RTP_DTMF_HISTORY]; /* recently reported timestamps */
    size_t n_done, next_done;
    char out[RTP_DTMF_QUEUE]; /* reported, not polled yet */
    size_t out_head, out_n;
    uint64_t digits, overflow; /* reported; lost because the queue was full */
};

void rtp_dtmf_init(struct rtp_dtmf *d);

/* One telephone-event payload with its packet's RTP timestamp. 0, or
 * ERR_PARSE for a payload shorter than RTP_DTMF_PAYLOAD_LEN (the state is
 * unchanged). Completed key presses wait for rtp_dtmf_poll(): one packet
 * can complete two (an earlier one whose end was lost, and its own). */
int rtp_dtmf_input(struct rtp_dtmf *d, int64_t now_us, uint32_t ts, const uint8_t *payload,
                   size_t len);
/* An event whose end packets were all lost is complete once
 * RTP_DTMF_TIMEOUT_US passed since its last packet. */
void rtp_dtmf_timeout(struct rtp_dtmf *d, int64_t now_us);
/* When rtp_dtmf_timeout() has something to do, or RTP_DTMF_NONE. */
int64_t rtp_dtmf_next_deadline(const struct rtp_dtmf *d);
/* The next completed key press, oldest first: true and *digit (one of
 * "0123456789*#ABCD"), or false. */
bool rtp_dtmf_poll(struct rtp_dtmf *d, char *digit);

/* The digit of an RFC 4733 event code, or 0 for other events. */
char rtp_dtmf_event_char(uint8_t event);

#endif
