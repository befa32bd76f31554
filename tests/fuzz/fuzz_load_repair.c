/* Fuzz target for tests/load/load_repair.c, the generator's handling of
 * repair traffic from the network. The first byte picks what the rest is:
 *
 *   0  an RTX packet for lg_rtx_unwrap: what comes out is the original
 *      packet (RTP, the OSN as sequence, the given SSRC and payload type,
 *      no padding, two bytes shorter than the RTX payload);
 *   1  an RTCP compound packet for lg_fb_scan (the server's feedback to a
 *      publisher): requests stay within LG_FB_SCAN_REQ;
 *   2  received sequence numbers (2 bytes each; a third byte of time
 *      between them) for lg_nack_rx, building NACKs as they come due: the
 *      list stays bounded and ordered, every missing number is accounted
 *      for (recovered, given up or still asked for), and every NACK built
 *      parses back to the numbers it asked for. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "media/rtp.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/load/load_repair.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void unwrap(const uint8_t *d, size_t n)
{
    static uint8_t out[2048];
    struct rtp_packet in, o;
    int k = lg_rtx_unwrap(d, n, 96, 0x01020304u, out, sizeof out);
    if (k <= 0) {
        CHECK(k == 0 || k == ERR_PARSE || k == ERR_TOOBIG);
        return;
    }
    CHECK(rtp_parse(&in, d, n) == 0);
    CHECK(rtp_parse(&o, out, (size_t)k) == 0);
    CHECK(o.pt == 96 && o.ssrc == 0x01020304u && !o.padding);
    CHECK(o.seq == (uint16_t)(in.payload[0] << 8 | in.payload[1]));
    CHECK(o.payload_len + 2 == in.payload_len);
}

static void scan(const uint8_t *d, size_t n)
{
    static struct lg_fb_scan s;
    lg_fb_scan(&s, d, n);
    CHECK(s.n_req <= LG_FB_SCAN_REQ);
    CHECK(s.req_dropped == 0 || s.n_req == LG_FB_SCAN_REQ);
}

static void nacks(const uint8_t *d, size_t n)
{
    struct lg_nack_rx x = {0};
    uint8_t buf[1500];
    uint16_t seqs[RTCP_NACK_MAX_SEQS];
    int64_t now = 0;

    for (size_t i = 0; i + 3 <= n; i += 3) {
        now += d[i + 2] * 1000;
        lg_nack_rx_packet(&x, now, (uint16_t)(d[i] << 8 | d[i + 1]));
        CHECK(x.n_miss <= LG_NACK_MAX);
        for (size_t k = 1; k < x.n_miss; k++)
            CHECK(x.miss[k - 1].ext < x.miss[k].ext);
        CHECK(x.missing == x.recovered + x.given_up + x.n_miss);
        if (lg_nack_rx_deadline(&x) > now)
            continue;
        struct wr w;
        wr_init(&w, buf, sizeof buf);
        int k = lg_nack_rx_build(&x, now, 1, 2, &w);
        CHECK(k >= 0 && k <= LG_NACK_MAX);
        CHECK(x.missing == x.recovered + x.given_up + x.n_miss);
        if (k == 0)
            continue;
        struct rtcp_iter it;
        struct rtcp_block b;
        struct rtcp_fb fb;
        size_t got = 0;
        rtcp_iter_init(&it, buf, (size_t)(w.p - buf));
        CHECK(rtcp_iter_next(&it, &b));
        CHECK(rtcp_parse_fb(&fb, &b) == 0 && fb.type == RTCP_FB_NACK);
        CHECK(rtcp_parse_nack(&fb, seqs, RTCP_NACK_MAX_SEQS, &got) == 0);
        CHECK(got == (size_t)k);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    switch (data[0] % 3) {
    case 0:
        unwrap(data + 1, size - 1);
        break;
    case 1:
        scan(data + 1, size - 1);
        break;
    default:
        nacks(data + 1, size - 1);
        break;
    }
    return 0;
}
