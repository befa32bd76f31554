/* Fuzz target for media/phone_leg.c: one leg (its SDP address public or
 * private by the first byte) gets a sequence of datagrams from four
 * sources on both ports, interleaved with our own sends and RTCP reports.
 * Records: flags (port, source, time step), length, bytes.
 * Checks: once latched, the RTP and RTCP latches never move (there is no
 * re-INVITE here) and sends go there; counters only grow; every verdict
 * is one of the four; audio views lie inside the datagram; what we build
 * (RTP, RTCP) parses. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "media/phone_leg.h"
#include "media/rtcp.h"
#include "media/rtp.h"
#include "base/err.h"
#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sockaddr_storage v4(const char *ip, uint16_t port)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *a = (struct sockaddr_in *)&ss;
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    inet_pton(AF_INET, ip, &a->sin_addr);
    return ss;
}

static bool same(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
    const struct sockaddr_in *x = (const struct sockaddr_in *)a;
    const struct sockaddr_in *y = (const struct sockaddr_in *)b;
    return x->sin_family == y->sin_family && x->sin_port == y->sin_port &&
           x->sin_addr.s_addr == y->sin_addr.s_addr;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct phone_leg_cfg cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.codec = (enum audio_codec_kind)(data[0] % AUDIO_CODEC_COUNT);
    cfg.pt = cfg.codec == AUDIO_CODEC_OPUS ? 111 : 8;
    cfg.dtmf_pt = (data[0] & 0x10) ? 101 : -1;
    const char *sdp_ip = (data[0] & 0x20) ? "192.168.0.9" : "203.0.113.5";
    cfg.remote_rtp = v4(sdp_ip, 4000);
    cfg.remote_rtcp = v4(sdp_ip, 4001);
    cfg.ssrc = 0x5a5a0001;
    data++;
    size--;
    struct phone_leg *l;
    if (phone_leg_create(&l, &cfg) != 0)
        return 0;
    struct sockaddr_storage src[4] = {v4(sdp_ip, 4000), v4(sdp_ip, 4001), v4("203.0.113.5", 6000),
                                      v4("198.51.100.1", 4000)};
    struct sockaddr_storage latch, rtcp_latch;
    bool latched = false, rtcp_latched = false;
    struct phone_leg_stats prev, st;
    phone_leg_get_stats(l, &prev);
    int64_t now = 0;
    uint8_t out[1500];

    while (size >= 2) {
        uint8_t flags = data[0];
        size_t len = data[1];
        data += 2;
        size -= 2;
        if (len > size)
            len = size;
        bool rtcp_port = flags & 1;
        const struct sockaddr_storage *from = &src[(flags >> 1) & 3];
        now += (int64_t)(flags >> 3) * 5000;
        struct phone_leg_input o;
        enum phone_leg_rx rx =
            phone_leg_input(l, now, rtcp_port, data, len, from, sizeof *from, &o);
        CHECK(rx == PHONE_LEG_RX_AUDIO || rx == PHONE_LEG_RX_DTMF || rx == PHONE_LEG_RX_RTCP ||
              rx == PHONE_LEG_RX_DROP);
        CHECK((rx == PHONE_LEG_RX_DROP) == (o.drop != PHONE_LEG_DROP_NONE));
        if (rx == PHONE_LEG_RX_AUDIO) {
            CHECK(o.payload_len > 0 && o.payload >= data &&
                  o.payload + o.payload_len <= data + len);
        }
        struct sockaddr_storage now_latch;
        if (phone_leg_latched(l, &now_latch)) {
            if (latched)
                CHECK(same(&now_latch, &latch)); /* a latch never moves */
            latched = true;
            latch = now_latch;
            CHECK(rx != PHONE_LEG_RX_AUDIO || same(from, &latch));
            struct sockaddr_storage to;
            socklen_t tolen;
            CHECK(phone_leg_rtp_dest(l, &to, &tolen) && same(&to, &latch));
        } else {
            CHECK(!latched);
            CHECK(rx != PHONE_LEG_RX_AUDIO && rx != PHONE_LEG_RX_DTMF);
        }
        struct sockaddr_storage to;
        socklen_t tolen;
        if (phone_leg_rtcp_dest(l, &to, &tolen) && rtcp_latched)
            CHECK(same(&to, &rtcp_latch));
        if (rx == PHONE_LEG_RX_RTCP && rtcp_port && !rtcp_latched) {
            rtcp_latched = true;
            rtcp_latch = *from;
        }
        data += len;
        size -= len;

        char c;
        while (phone_leg_dtmf(l, &c))
            CHECK(strchr("0123456789*#ABCD", c) != NULL && c != 0);
        if (flags & 0x80) {
            uint8_t pay[40] = {1};
            int n = phone_leg_packetize(l, now, pay, sizeof pay, out, sizeof out);
            struct rtp_packet p;
            CHECK(n == (int)(sizeof pay + PHONE_LEG_RTP_HEADER));
            CHECK(rtp_parse(&p, out, (size_t)n) == 0 && p.pt == cfg.pt && p.ssrc == cfg.ssrc);
        }
        if (phone_leg_next_deadline(l) <= now) {
            phone_leg_timeout(l, now);
            int n = phone_leg_rtcp(l, now, out, sizeof out);
            CHECK(n >= 0);
            if (n > 0)
                CHECK(rtcp_validate(out, (size_t)n) == 0);
            CHECK(phone_leg_next_deadline(l) > now);
        }
        phone_leg_get_stats(l, &st);
        CHECK(st.rtp_in >= prev.rtp_in && st.foreign >= prev.foreign &&
              st.malformed >= prev.malformed && st.rtcp_in >= prev.rtcp_in &&
              st.rtp_out >= prev.rtp_out && st.dtmf_digits >= prev.dtmf_digits);
        CHECK(st.rtp_in + st.foreign + st.malformed + st.rtcp_in >=
              prev.rtp_in + prev.foreign + prev.malformed + prev.rtcp_in + 1);
        prev = st;
    }
    phone_leg_destroy(l);
    return 0;
}
