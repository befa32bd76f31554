/* Fuzz target for media/rtp_dtmf.c: the input is a sequence of records
 * (time step, RTP timestamp, payload length, payload) fed to one decoder.
 * Checks: only key characters come out, never more key presses than key
 * packets, the queue and history stay bounded, the deadline matches the
 * state, and a packet repeated at once (a retransmission, or the second of
 * the three end packets) never reports anything. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "media/rtp_dtmf.h"
#include "base/err.h"
#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rtp_dtmf d;
    uint64_t keys = 0;
    uint64_t polled = 0;
    int64_t now = 0;
    rtp_dtmf_init(&d);
    while (size >= 4) {
        now += (int64_t)data[0] * 10000;                /* up to 2.55 s per step */
        uint32_t ts = (uint32_t)data[1] << 8 | data[2]; /* few values: collisions */
        size_t len = data[3] % 8;
        data += 4;
        size -= 4;
        if (len > size)
            len = size;
        int rc = rtp_dtmf_input(&d, now, ts, data, len);
        CHECK(rc == 0 || (rc == ERR_PARSE && len < RTP_DTMF_PAYLOAD_LEN));
        if (rc == 0 && rtp_dtmf_event_char(data[0]) != 0) {
            keys++;
            uint64_t before = d.digits + d.overflow;
            CHECK(rtp_dtmf_input(&d, now, ts, data, len) == 0);
            CHECK(d.digits + d.overflow == before);
        }
        data += len;
        size -= len;
        if (d.active)
            CHECK(rtp_dtmf_next_deadline(&d) == d.last_us + RTP_DTMF_TIMEOUT_US);
        else
            CHECK(rtp_dtmf_next_deadline(&d) == RTP_DTMF_NONE);
        if (rtp_dtmf_next_deadline(&d) <= now + 500000)
            rtp_dtmf_timeout(&d, now + 500000);
        CHECK(d.out_n <= RTP_DTMF_QUEUE && d.n_done <= RTP_DTMF_HISTORY);
        char c;
        while (rtp_dtmf_poll(&d, &c)) {
            CHECK(c != 0 && strchr("0123456789*#ABCD", c) != NULL);
            polled++;
        }
        CHECK(d.digits + d.overflow <= keys);
        CHECK(polled == d.digits);
    }
    return 0;
}
