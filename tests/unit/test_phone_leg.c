/* Tests for media/phone_leg.c: symmetric RTP latching (public and private
 * SDP addresses, unverified packets never latch, foreign sources after the
 * latch), telephone-event through the leg, loss and jitter statistics,
 * packetizing (sequence, timestamps at the codec clock, marker after a
 * pause) and RTCP (schedule, SR/RR with a report block, SDES, round trip). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>

#include "media/phone_leg.h"
#include "media/rd.h"
#include "media/rtcp.h"
#include "media/rtp.h"
#include "base/err.h"

#define MS 1000LL
#define OUR_SSRC 0x11223344u
#define PEER_SSRC 0xcafe0001u

static struct sockaddr_storage addr(const char *ip, uint16_t port)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, ip, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons(port);
    } else {
        assert_int_equal(inet_pton(AF_INET6, ip, &a6->sin6_addr), 1);
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(port);
    }
    return ss;
}

static struct phone_leg *leg_new(const char *sdp_ip, uint16_t port)
{
    struct phone_leg_cfg cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.codec = AUDIO_CODEC_PCMA;
    cfg.pt = 8;
    cfg.dtmf_pt = 101;
    cfg.remote_rtp = addr(sdp_ip, port);
    cfg.remote_rtcp = addr(sdp_ip, (uint16_t)(port + 1));
    cfg.ssrc = OUR_SSRC;
    memcpy(cfg.cname, "leg@test", sizeof "leg@test");
    struct phone_leg *l;
    assert_int_equal(phone_leg_create(&l, &cfg), 0);
    return l;
}

/* An RTP packet: 12-byte header and n payload bytes of 0xd5 (A-law silence). */
static size_t rtp(uint8_t *buf, uint8_t pt, uint16_t seq, uint32_t ts, size_t n)
{
    buf[0] = 0x80;
    buf[1] = pt;
    buf[2] = (uint8_t)(seq >> 8);
    buf[3] = (uint8_t)seq;
    buf[4] = (uint8_t)(ts >> 24);
    buf[5] = (uint8_t)(ts >> 16);
    buf[6] = (uint8_t)(ts >> 8);
    buf[7] = (uint8_t)ts;
    buf[8] = 0xca;
    buf[9] = 0xfe;
    buf[10] = 0x00;
    buf[11] = 0x01;
    memset(buf + 12, 0xd5, n);
    return 12 + n;
}

static enum phone_leg_rx in(struct phone_leg *l, int64_t now, bool rtcp, const uint8_t *buf,
                            size_t len, const struct sockaddr_storage *from,
                            struct phone_leg_input *o)
{
    return phone_leg_input(l, now, rtcp, buf, len, from, sizeof *from, o);
}

static uint16_t port_of(const struct sockaddr_storage *a)
{
    return ntohs(((const struct sockaddr_in *)a)->sin_port);
}

static void test_latch_public_sdp(void **state)
{
    (void)state;
    struct phone_leg *l = leg_new("203.0.113.5", 4000);
    struct sockaddr_storage sdp = addr("203.0.113.5", 4000), nat = addr("203.0.113.5", 5002),
                            other = addr("198.51.100.1", 4000), to;
    socklen_t tolen;
    struct phone_leg_input o;
    uint8_t b[200];
    size_t n = rtp(b, 8, 100, 1000, 160);

    assert_true(phone_leg_rtp_dest(l, &to, &tolen));
    assert_int_equal(port_of(&to), 4000); /* before the latch: the SDP address */
    /* Another IP cannot latch onto a public SDP address. */
    assert_int_equal(in(l, 0, false, b, n, &other, &o), PHONE_LEG_RX_DROP);
    assert_int_equal(o.drop, PHONE_LEG_DROP_FOREIGN);
    assert_false(phone_leg_latched(l, NULL));
    /* The signalled IP from another port (NAT) latches. */
    assert_int_equal(in(l, 0, false, b, n, &nat, &o), PHONE_LEG_RX_AUDIO);
    assert_int_equal(o.payload_len, 160);
    assert_int_equal(o.seq, 100);
    assert_int_equal(o.ts, 1000);
    assert_int_equal(o.ssrc, PEER_SSRC);
    assert_true(o.payload == b + 12);
    assert_true(phone_leg_rtp_dest(l, &to, &tolen));
    assert_int_equal(port_of(&to), 5002);
    assert_int_equal(tolen, sizeof(struct sockaddr_in));
    /* Now even the SDP address itself is foreign. */
    n = rtp(b, 8, 101, 1160, 160);
    assert_int_equal(in(l, 20 * MS, false, b, n, &sdp, &o), PHONE_LEG_RX_DROP);
    assert_int_equal(o.drop, PHONE_LEG_DROP_FOREIGN);
    assert_int_equal(in(l, 20 * MS, false, b, n, &nat, &o), PHONE_LEG_RX_AUDIO);
    struct phone_leg_stats st;
    phone_leg_get_stats(l, &st);
    assert_int_equal(st.foreign, 2);
    assert_int_equal(st.rtp_in, 2);
    assert_int_equal(st.rtp_in_bytes, 2 * 172);
    phone_leg_destroy(l);
}

static void test_latch_private_sdp_and_unverified(void **state)
{
    (void)state;
    struct phone_leg *l = leg_new("192.168.1.10", 4000);
    struct sockaddr_storage nat = addr("198.51.100.7", 30000), later = addr("198.51.100.8", 30000);
    struct phone_leg_input o;
    uint8_t b[200];

    /* Unverified packets latch nothing: wrong payload type, version, empty
     * payload, truncated header, garbage. */
    size_t n = rtp(b, 0, 1, 0, 160);
    assert_int_equal(in(l, 0, false, b, n, &later, &o), PHONE_LEG_RX_DROP);
    assert_int_equal(o.drop, PHONE_LEG_DROP_MALFORMED);
    n = rtp(b, 8, 1, 0, 160);
    b[0] = 0x40;
    assert_int_equal(in(l, 0, false, b, n, &later, &o), PHONE_LEG_RX_DROP);
    n = rtp(b, 8, 1, 0, 0);
    assert_int_equal(in(l, 0, false, b, n, &later, &o), PHONE_LEG_RX_DROP);
    assert_int_equal(in(l, 0, false, b, 7, &later, &o), PHONE_LEG_RX_DROP);
    assert_false(phone_leg_latched(l, NULL));
    /* A private SDP address: the first verified packet from anywhere latches. */
    n = rtp(b, 8, 1, 0, 160);
    assert_int_equal(in(l, 0, false, b, n, &nat, &o), PHONE_LEG_RX_AUDIO);
    struct sockaddr_storage got;
    assert_true(phone_leg_latched(l, &got));
    assert_int_equal(port_of(&got), 30000);
    assert_int_equal(in(l, 0, false, b, n, &later, &o), PHONE_LEG_RX_DROP);
    assert_int_equal(o.drop, PHONE_LEG_DROP_FOREIGN);
    struct phone_leg_stats st;
    phone_leg_get_stats(l, &st);
    assert_int_equal(st.malformed, 4);
    assert_int_equal(st.foreign, 1);
    /* A re-INVITE with another address forgets the latch; the same one keeps it. */
    struct sockaddr_storage same = addr("192.168.1.10", 4000),
                            same_rtcp = addr("192.168.1.10", 4001);
    phone_leg_remote(l, &same, &same_rtcp);
    assert_true(phone_leg_latched(l, NULL));
    struct sockaddr_storage moved = addr("192.168.1.11", 4000),
                            moved_rtcp = addr("192.168.1.11", 4001);
    phone_leg_remote(l, &moved, &moved_rtcp);
    assert_false(phone_leg_latched(l, NULL));
    assert_int_equal(in(l, 0, false, b, n, &later, &o), PHONE_LEG_RX_AUDIO);
    assert_true(phone_leg_latched(l, &got));
    phone_leg_destroy(l);
}

static void test_private_rule(void **state)
{
    (void)state;
    const char *priv[] = {"10.1.2.3",   "172.16.0.1",  "172.31.255.255", "192.168.0.1",
                          "100.64.0.1", "169.254.1.1", "0.0.0.0",        "fd00::1",
                          "fe80::1",    "::"};
    const char *pub[] = {"8.8.8.8", "172.32.0.1", "100.128.0.1", "127.0.0.1", "2001:db8::1", "::1"};
    for (size_t i = 0; i < sizeof priv / sizeof *priv; i++) {
        struct sockaddr_storage a = addr(priv[i], 1);
        assert_true(phone_leg_addr_private(&a));
    }
    for (size_t i = 0; i < sizeof pub / sizeof *pub; i++) {
        struct sockaddr_storage a = addr(pub[i], 1);
        assert_false(phone_leg_addr_private(&a));
    }
    struct sockaddr_storage none;
    memset(&none, 0, sizeof none);
    assert_true(phone_leg_addr_private(&none));
    /* IPv4-mapped IPv6 from a dual-stack socket is the IPv4 address. */
    struct sockaddr_storage m = addr("::ffff:192.168.3.4", 1);
    assert_true(phone_leg_addr_private(&m));
    struct phone_leg *l = leg_new("203.0.113.5", 4000);
    struct sockaddr_storage mapped = addr("::ffff:203.0.113.5", 4000);
    uint8_t b[200];
    struct phone_leg_input o;
    size_t n = rtp(b, 8, 1, 0, 160);
    assert_int_equal(in(l, 0, false, b, n, &mapped, &o), PHONE_LEG_RX_AUDIO);
    phone_leg_destroy(l);
}

static void test_dtmf_through_leg(void **state)
{
    (void)state;
    struct phone_leg *l = leg_new("127.0.0.1", 4000);
    struct sockaddr_storage src = addr("127.0.0.1", 4000);
    struct phone_leg_input o;
    uint8_t b[64];
    char c;
    for (int i = 0; i < 3; i++) {
        size_t n = rtp(b, 101, (uint16_t)(10 + i), 8000, 4);
        b[12] = 4;                    /* event "4" */
        b[13] = i == 2 ? 0x8a : 0x0a; /* the last one ends it */
        b[14] = 0;
        b[15] = (uint8_t)(160 * (i + 1));
        assert_int_equal(in(l, i * 20 * MS, false, b, n, &src, &o), PHONE_LEG_RX_DTMF);
    }
    size_t n = rtp(b, 101, 13, 8000, 4);
    b[12] = 4;
    b[13] = 0x8a;
    assert_int_equal(in(l, 60 * MS, false, b, n, &src, &o), PHONE_LEG_RX_DTMF); /* a repeat */
    assert_true(phone_leg_dtmf(l, &c));
    assert_int_equal(c, '4');
    assert_false(phone_leg_dtmf(l, &c));
    /* A too-short event payload is malformed. */
    n = rtp(b, 101, 14, 9000, 2);
    assert_int_equal(in(l, 80 * MS, false, b, n, &src, &o), PHONE_LEG_RX_DROP);
    assert_int_equal(o.drop, PHONE_LEG_DROP_MALFORMED);
    /* An event whose ends were lost: the deadline reports it. */
    n = rtp(b, 101, 15, 10000, 4);
    b[12] = 11;
    b[13] = 0x0a;
    assert_int_equal(in(l, 100 * MS, false, b, n, &src, &o), PHONE_LEG_RX_DTMF);
    int64_t d = phone_leg_next_deadline(l);
    assert_true(d <= 100 * MS + RTP_DTMF_TIMEOUT_US);
    phone_leg_timeout(l, 100 * MS + RTP_DTMF_TIMEOUT_US);
    assert_true(phone_leg_dtmf(l, &c));
    assert_int_equal(c, '#');
    struct phone_leg_stats st;
    phone_leg_get_stats(l, &st);
    assert_int_equal(st.dtmf_digits, 2);
    phone_leg_destroy(l);
}

static void test_loss_and_jitter(void **state)
{
    (void)state;
    struct phone_leg *l = leg_new("127.0.0.1", 4000);
    struct sockaddr_storage src = addr("127.0.0.1", 4000);
    struct phone_leg_input o;
    uint8_t b[200];
    struct phone_leg_stats st;
    /* Perfectly paced: no jitter. seq 65530..65540 across the wrap, 3 lost. */
    int64_t now = 1000 * MS;
    for (int i = 0; i < 11; i++) {
        if (i == 3 || i == 6 || i == 7)
            continue;
        size_t n = rtp(b, 8, (uint16_t)(65530 + i), (uint32_t)(160 * i), 160);
        assert_int_equal(in(l, now + i * 20 * MS, false, b, n, &src, &o), PHONE_LEG_RX_AUDIO);
    }
    phone_leg_get_stats(l, &st);
    assert_int_equal(st.lost, 3);
    assert_int_equal(st.jitter, 0);
    /* Alternating 0 and 10 ms late: jitter grows towards 80 samples. */
    for (int i = 11; i < 400; i++) {
        size_t n = rtp(b, 8, (uint16_t)(65530 + i), (uint32_t)(160 * i), 160);
        int64_t late = (i % 2) ? 10 * MS : 0;
        assert_int_equal(in(l, now + i * 20 * MS + late, false, b, n, &src, &o),
                         PHONE_LEG_RX_AUDIO);
    }
    phone_leg_get_stats(l, &st);
    assert_true(st.jitter >= 70 && st.jitter <= 80);
    assert_int_equal(st.lost, 3);
    phone_leg_destroy(l);
}

static void test_packetize(void **state)
{
    (void)state;
    struct phone_leg *l = leg_new("127.0.0.1", 4000);
    uint8_t pay[160], out[200];
    struct rtp_packet p, q;
    memset(pay, 0x55, sizeof pay);
    assert_int_equal(phone_leg_packetize(l, 0, pay, 0, out, sizeof out), ERR_INVAL);
    assert_int_equal(phone_leg_packetize(l, 0, pay, 160, out, 171), ERR_TOOBIG);
    assert_int_equal(phone_leg_packetize(l, 0, pay, 160, out, sizeof out), 172);
    assert_int_equal(rtp_parse(&p, out, 172), 0);
    assert_true(p.marker); /* the first packet */
    assert_int_equal(p.pt, 8);
    assert_int_equal(p.ssrc, OUR_SSRC);
    assert_int_equal(p.payload_len, 160);
    assert_memory_equal(p.payload, pay, 160);
    assert_int_equal(phone_leg_packetize(l, 20 * MS, pay, 160, out, sizeof out), 172);
    assert_int_equal(rtp_parse(&q, out, 172), 0);
    assert_false(q.marker);
    assert_int_equal((uint16_t)(q.seq - p.seq), 1);
    assert_int_equal(q.timestamp - p.timestamp, 160);
    /* One second of silence, then a talkspurt: the clock went on. */
    assert_int_equal(phone_leg_packetize(l, 1020 * MS, pay, 160, out, sizeof out), 172);
    assert_int_equal(rtp_parse(&p, out, 172), 0);
    assert_true(p.marker);
    assert_int_equal((uint16_t)(p.seq - q.seq), 1);
    assert_int_equal(p.timestamp - q.timestamp, 8000);
    struct phone_leg_stats st;
    phone_leg_get_stats(l, &st);
    assert_int_equal(st.rtp_out, 3);
    assert_int_equal(st.rtp_out_bytes, 3 * 172);
    phone_leg_destroy(l);

    /* Opus: 48 kHz clock. */
    struct phone_leg_cfg cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.codec = AUDIO_CODEC_OPUS;
    cfg.pt = 111;
    cfg.dtmf_pt = -1;
    assert_int_equal(phone_leg_create(&l, &cfg), 0);
    assert_int_equal(phone_leg_packetize(l, 0, pay, 80, out, sizeof out), 92);
    assert_int_equal(rtp_parse(&p, out, 92), 0);
    assert_int_equal(phone_leg_packetize(l, 20 * MS, pay, 80, out, sizeof out), 92);
    assert_int_equal(rtp_parse(&q, out, 92), 0);
    assert_int_equal(q.timestamp - p.timestamp, 960);
    struct sockaddr_storage to;
    socklen_t tolen;
    assert_false(phone_leg_rtp_dest(l, &to, &tolen)); /* no address known */
    phone_leg_destroy(l);
    cfg.dtmf_pt = 111; /* the same as audio */
    assert_int_equal(phone_leg_create(&l, &cfg), ERR_INVAL);
    cfg.dtmf_pt = -1;
    cfg.pt = 128;
    assert_int_equal(phone_leg_create(&l, &cfg), ERR_INVAL);
}

/* The report we send, parsed back. */
static void read_report(const uint8_t *buf, size_t len, bool *sr_seen, struct rtcp_report_block *rb,
                        int *blocks, char *cname)
{
    struct rtcp_iter it;
    struct rtcp_block b;
    *sr_seen = false;
    *blocks = -1;
    cname[0] = 0;
    rtcp_iter_init(&it, buf, len);
    while (rtcp_iter_next(&it, &b)) {
        if (b.pt == RTCP_SR) {
            struct rtcp_sr sr;
            assert_int_equal(rtcp_parse_sr(&sr, &b), 0);
            assert_int_equal(sr.ssrc, OUR_SSRC);
            *sr_seen = true;
            *blocks = sr.report_count;
            if (sr.report_count)
                *rb = sr.reports[0];
        } else if (b.pt == RTCP_RR) {
            struct rtcp_rr rr;
            assert_int_equal(rtcp_parse_rr(&rr, &b), 0);
            *blocks = rr.report_count;
            if (rr.report_count)
                *rb = rr.reports[0];
        } else if (b.pt == RTCP_SDES) {
            struct rtcp_sdes s;
            assert_int_equal(rtcp_parse_sdes(&s, &b, NULL, NULL), 0);
            memcpy(cname, s.chunks[0].cname, s.chunks[0].cname_len);
            cname[s.chunks[0].cname_len] = 0;
        }
    }
    assert_false(it.err);
}

static void test_rtcp(void **state)
{
    (void)state;
    struct phone_leg *l = leg_new("203.0.113.5", 4000);
    struct sockaddr_storage rtp_src = addr("203.0.113.5", 5002),
                            rtcp_src = addr("203.0.113.5", 5003),
                            foreign = addr("198.51.100.1", 5003), to;
    socklen_t tolen;
    struct phone_leg_input o;
    uint8_t b[600];
    bool sr;
    int blocks;
    char cname[300];
    struct rtcp_report_block rb;

    /* Nothing due at first; an RR (nothing sent yet) without blocks. */
    assert_int_equal(phone_leg_rtcp(l, 0, b, sizeof b), 0);
    int64_t due = phone_leg_next_deadline(l);
    assert_true(due > 0 && due <= PHONE_LEG_RTCP_INTERVAL_US);
    int n = phone_leg_rtcp(l, due, b, sizeof b);
    assert_true(n > 0);
    read_report(b, (size_t)n, &sr, &rb, &blocks, cname);
    assert_false(sr);
    assert_int_equal(blocks, 0);
    assert_string_equal(cname, "leg@test");
    assert_int_equal(phone_leg_next_deadline(l), due + PHONE_LEG_RTCP_INTERVAL_US);
    assert_int_equal(phone_leg_rtcp(l, due + 1, b, sizeof b), 0);
    assert_true(phone_leg_rtcp_dest(l, &to, &tolen));
    assert_int_equal(port_of(&to), 4001);

    /* Receive 10 packets with one lost, send some, then an SR with a block. */
    for (int i = 0; i < 10; i++) {
        if (i == 4)
            continue;
        size_t m = rtp(b, 8, (uint16_t)(200 + i), (uint32_t)(160 * i), 160);
        assert_int_equal(in(l, due + i * 20 * MS, false, b, m, &rtp_src, &o), PHONE_LEG_RX_AUDIO);
        uint8_t pay[160] = {0};
        assert_true(phone_leg_packetize(l, due + i * 20 * MS, pay, 160, b, sizeof b) > 0);
    }
    /* The peer's SR (its NTP time and our block) from a foreign IP: dropped;
     * from the latched IP's other port: taken, and RTCP latches there. */
    struct wr w;
    struct rtcp_sr peer;
    memset(&peer, 0, sizeof peer);
    peer.ssrc = PEER_SSRC;
    peer.ntp = 0x0102030405060708ull;
    wr_init(&w, b, sizeof b);
    assert_int_equal(rtcp_build_sr(&w, &peer), 0);
    size_t m = (size_t)(w.p - b);
    assert_int_equal(in(l, due + 300 * MS, true, b, m, &foreign, &o), PHONE_LEG_RX_DROP);
    assert_int_equal(o.drop, PHONE_LEG_DROP_FOREIGN);
    assert_int_equal(in(l, due + 300 * MS, true, b, 3, &rtcp_src, &o), PHONE_LEG_RX_DROP);
    assert_int_equal(o.drop, PHONE_LEG_DROP_MALFORMED);
    assert_int_equal(in(l, due + 300 * MS, true, b, m, &rtcp_src, &o), PHONE_LEG_RX_RTCP);
    assert_true(phone_leg_rtcp_dest(l, &to, &tolen));
    assert_int_equal(port_of(&to), 5003);

    int64_t t2 = due + PHONE_LEG_RTCP_INTERVAL_US;
    n = phone_leg_rtcp(l, t2, b, sizeof b);
    assert_true(n > 0);
    read_report(b, (size_t)n, &sr, &rb, &blocks, cname);
    assert_true(sr);
    assert_int_equal(blocks, 1);
    assert_int_equal(rb.ssrc, PEER_SSRC);
    assert_int_equal(rb.cumulative_lost, 1);
    assert_int_equal(rb.fraction_lost, 256 / 10);
    assert_int_equal(rb.ext_highest_seq, 209);
    assert_int_equal(rb.lsr, 0x03040506u);
    int64_t dlsr_us = (int64_t)rb.dlsr * 1000000 / 65536;
    assert_true(dlsr_us >= t2 - (due + 300 * MS) - 100 && dlsr_us <= t2 - (due + 300 * MS));

    /* The peer's RR about us: round trip = now - LSR - DLSR. */
    struct rtcp_rr rr;
    memset(&rr, 0, sizeof rr);
    rr.ssrc = PEER_SSRC;
    rr.report_count = 1;
    rr.reports[0].ssrc = OUR_SSRC;
    /* Our SR went out at t2: its LSR; the peer held it 100 ms. */
    uint64_t u = (uint64_t)t2;
    uint64_t ntp = (u / 1000000u + 2208988800u) << 32 | ((u % 1000000u) << 32) / 1000000u;
    rr.reports[0].lsr = (uint32_t)(ntp >> 16);
    rr.reports[0].dlsr = 65536 / 10;
    wr_init(&w, b, sizeof b);
    assert_int_equal(rtcp_build_rr(&w, &rr), 0);
    m = (size_t)(w.p - b);
    assert_int_equal(in(l, t2 + 150 * MS, true, b, m, &rtcp_src, &o), PHONE_LEG_RX_RTCP);
    struct phone_leg_stats st;
    phone_leg_get_stats(l, &st);
    assert_true(st.rtt_us >= 49 * MS && st.rtt_us <= 51 * MS);
    assert_int_equal(st.rtcp_in, 2);
    assert_int_equal(st.rtcp_out, 2);
    /* RTCP multiplexed on the RTP port, from the latched address. */
    assert_int_equal(in(l, t2 + 160 * MS, false, b, m, &rtp_src, &o), PHONE_LEG_RX_RTCP);
    assert_int_equal(in(l, t2 + 160 * MS, false, b, m, &foreign, &o), PHONE_LEG_RX_DROP);
    assert_int_equal(phone_leg_rtcp(l, t2 + PHONE_LEG_RTCP_INTERVAL_US, b, 20), ERR_TOOBIG);
    phone_leg_destroy(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_latch_public_sdp),
        cmocka_unit_test(test_latch_private_sdp_and_unverified),
        cmocka_unit_test(test_private_rule),
        cmocka_unit_test(test_dtmf_through_leg),
        cmocka_unit_test(test_loss_and_jitter),
        cmocka_unit_test(test_packetize),
        cmocka_unit_test(test_rtcp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
