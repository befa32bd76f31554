/* RFC 4733 telephone-event decoding: one digit per key press. */
#include "media/rtp_dtmf.h"

#include <string.h>

#include "media/rd.h"
#include "base/err.h"

#define DTMF_END_BIT 0x80

void rtp_dtmf_init(struct rtp_dtmf *d)
{
    memset(d, 0, sizeof *d);
}

char rtp_dtmf_event_char(uint8_t event)
{
    static const char map[] = "0123456789*#ABCD"; /* RFC 4733 3.2: events 0..15 */
    return event < 16 ? map[event] : 0;
}

static bool reported(const struct rtp_dtmf *d, uint32_t ts)
{
    for (size_t i = 0; i < d->n_done; i++)
        if (d->done[i] == ts)
            return true;
    return false;
}

static void report(struct rtp_dtmf *d, uint32_t ts, char digit)
{
    d->done[d->next_done] = ts;
    d->next_done = (d->next_done + 1) % RTP_DTMF_HISTORY;
    if (d->n_done < RTP_DTMF_HISTORY)
        d->n_done++;
    if (d->out_n == RTP_DTMF_QUEUE) {
        d->overflow++;
        return;
    }
    d->out[(d->out_head + d->out_n) % RTP_DTMF_QUEUE] = digit;
    d->out_n++;
    d->digits++;
}

static void finish_active(struct rtp_dtmf *d)
{
    if (!d->active)
        return;
    d->active = false;
    report(d, d->ts, d->digit);
}

int rtp_dtmf_input(struct rtp_dtmf *d, int64_t now_us, uint32_t ts, const uint8_t *payload,
                   size_t len)
{
    struct rd r;
    rd_init(&r, payload, len);
    uint8_t event = rd_u8(&r);
    uint8_t flags = rd_u8(&r);
    (void)rd_u16(&r); /* duration: the digit is what matters */
    if (!rd_ok(&r))
        return ERR_PARSE;
    char c = rtp_dtmf_event_char(event);
    if (c == 0 || reported(d, ts))
        return 0; /* not a key, or a late or repeated packet of a reported press */
    if (d->active && d->ts != ts)
        finish_active(d); /* a new press: the previous one's ends were all lost */
    if (flags & DTMF_END_BIT) {
        d->active = false;
        report(d, ts, c);
        return 0;
    }
    d->active = true;
    d->ts = ts;
    d->digit = c;
    d->last_us = now_us;
    return 0;
}

void rtp_dtmf_timeout(struct rtp_dtmf *d, int64_t now_us)
{
    if (d->active && now_us - d->last_us >= RTP_DTMF_TIMEOUT_US)
        finish_active(d);
}

int64_t rtp_dtmf_next_deadline(const struct rtp_dtmf *d)
{
    return d->active ? d->last_us + RTP_DTMF_TIMEOUT_US : RTP_DTMF_NONE;
}

bool rtp_dtmf_poll(struct rtp_dtmf *d, char *digit)
{
    if (d->out_n == 0)
        return false;
    *digit = d->out[d->out_head];
    d->out_head = (d->out_head + 1) % RTP_DTMF_QUEUE;
    d->out_n--;
    return true;
}
