/* The RTP/AVP leg of one phone call: latching, receive statistics,
 * telephone-event, packetizing and RTCP reports. See phone_leg.h. */
#include "media/phone_leg.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "media/rd.h"
#include "media/rtcp.h"
#include "media/rtp.h"
#include "base/err.h"

#define NTP_UNIX_OFFSET 2208988800u
#define LEG_DEFAULT_CNAME "samtale"

struct phone_leg {
    struct phone_leg_cfg cfg;
    uint32_t clock; /* RTP clock rate */
    bool latched, rtcp_latched;
    struct sockaddr_storage latch, rtcp_latch;
    struct rtp_dtmf dtmf;

    /* receiving (RFC 3550 A.1, A.3, A.8) */
    bool have_rx;
    uint32_t peer_ssrc;
    struct rtp_seq_unwrapper unwrap;
    int64_t base_ext, max_ext;
    uint64_t received, received_prior;
    int64_t expected_prior;
    bool have_transit;
    int64_t last_transit;
    uint32_t jitter_q4;
    bool have_sr;
    uint32_t sr_lsr; /* middle 32 bits of the peer's last SR */
    int64_t sr_recv_us;

    /* sending */
    bool sent_any;
    uint16_t seq;
    uint32_t ts;
    int64_t last_send_us;
    uint32_t packets, octets; /* for the SR, wrapping as RFC 3550 says */
    int64_t next_rtcp_us;

    struct phone_leg_stats st;
};

uint32_t phone_leg_clock_rate(enum audio_codec_kind codec)
{
    return codec == AUDIO_CODEC_OPUS ? 48000 : 8000;
}

/* IPv4-mapped IPv6 (from a dual-stack socket) as plain IPv4, so that it
 * compares equal to the IPv4 address of an SDP. */
static void normalize(struct sockaddr_storage *out, const struct sockaddr_storage *in)
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    memset(out, 0, sizeof *out);
    if (in->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)in;
        if (memcmp(a6->sin6_addr.s6_addr, mapped, sizeof mapped) == 0) {
            struct sockaddr_in *a4 = (struct sockaddr_in *)out;
            a4->sin_family = AF_INET;
            a4->sin_port = a6->sin6_port;
            memcpy(&a4->sin_addr, a6->sin6_addr.s6_addr + 12, 4);
            return;
        }
        struct sockaddr_in6 *o6 = (struct sockaddr_in6 *)out;
        o6->sin6_family = AF_INET6;
        o6->sin6_port = a6->sin6_port;
        o6->sin6_addr = a6->sin6_addr;
        o6->sin6_scope_id = a6->sin6_scope_id;
    } else if (in->ss_family == AF_INET) {
        const struct sockaddr_in *a4 = (const struct sockaddr_in *)in;
        struct sockaddr_in *o4 = (struct sockaddr_in *)out;
        o4->sin_family = AF_INET;
        o4->sin_port = a4->sin_port;
        o4->sin_addr = a4->sin_addr;
    } else {
        out->ss_family = AF_UNSPEC;
    }
}

static bool same_ip(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
    if (a->ss_family != b->ss_family)
        return false;
    if (a->ss_family == AF_INET)
        return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
               ((const struct sockaddr_in *)b)->sin_addr.s_addr;
    if (a->ss_family == AF_INET6)
        return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
                      &((const struct sockaddr_in6 *)b)->sin6_addr, sizeof(struct in6_addr)) == 0;
    return false;
}

static uint16_t port_of(const struct sockaddr_storage *a)
{
    if (a->ss_family == AF_INET)
        return ((const struct sockaddr_in *)a)->sin_port;
    if (a->ss_family == AF_INET6)
        return ((const struct sockaddr_in6 *)a)->sin6_port;
    return 0;
}

static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
    return same_ip(a, b) && port_of(a) == port_of(b);
}

static socklen_t addr_len(const struct sockaddr_storage *a)
{
    return a->ss_family == AF_INET6 ? (socklen_t)sizeof(struct sockaddr_in6)
                                    : (socklen_t)sizeof(struct sockaddr_in);
}

bool phone_leg_addr_private(const struct sockaddr_storage *in)
{
    struct sockaddr_storage a;
    normalize(&a, in);
    if (a.ss_family == AF_INET) {
        uint32_t ip = ntohl(((const struct sockaddr_in *)&a)->sin_addr.s_addr);
        return (ip >> 24) == 0 || (ip >> 24) == 10 || (ip >> 20) == 0xac1 /* 172.16/12 */ ||
               (ip >> 16) == 0xc0a8 /* 192.168/16 */ || (ip >> 22) == 0x191 /* 100.64/10 */ ||
               (ip >> 16) == 0xa9fe /* 169.254/16 */;
    }
    if (a.ss_family == AF_INET6) {
        const uint8_t *b = ((const struct sockaddr_in6 *)&a)->sin6_addr.s6_addr;
        static const uint8_t zero[16];
        return (b[0] & 0xfe) == 0xfc /* fc00::/7 */ ||
               (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) /* fe80::/10 */ ||
               memcmp(b, zero, sizeof zero) == 0;
    }
    return true; /* unknown */
}

static bool family_ok(const struct sockaddr_storage *a)
{
    return a->ss_family == AF_UNSPEC || a->ss_family == AF_INET || a->ss_family == AF_INET6;
}

int phone_leg_create(struct phone_leg **out, const struct phone_leg_cfg *cfg)
{
    *out = NULL;
    if (!cfg || (unsigned)cfg->codec >= AUDIO_CODEC_COUNT || cfg->pt > 127 || cfg->dtmf_pt < -1 ||
        cfg->dtmf_pt > 127 || cfg->dtmf_pt == cfg->pt || !family_ok(&cfg->remote_rtp) ||
        !family_ok(&cfg->remote_rtcp))
        return ERR_INVAL;
    struct phone_leg *l = calloc(1, sizeof *l);
    if (!l)
        return ERR_NOMEM;
    l->cfg = *cfg;
    normalize(&l->cfg.remote_rtp, &cfg->remote_rtp);
    normalize(&l->cfg.remote_rtcp, &cfg->remote_rtcp);
    l->cfg.cname[PHONE_LEG_CNAME_MAX] = '\0';
    if (l->cfg.cname[0] == '\0')
        memcpy(l->cfg.cname, LEG_DEFAULT_CNAME, sizeof LEG_DEFAULT_CNAME);
    l->clock = phone_leg_clock_rate(cfg->codec);
    rtp_dtmf_init(&l->dtmf);
    /* Starting points derived from the (random) SSRC: RFC 3550 wants them
     * unpredictable, and the engine's SSRC is. */
    l->seq = (uint16_t)(cfg->ssrc * 2654435761u >> 16);
    l->ts = cfg->ssrc * 2246822519u;
    l->next_rtcp_us = cfg->now_us + PHONE_LEG_RTCP_INTERVAL_US / 2;
    l->st.rtt_us = -1;
    *out = l;
    return 0;
}

void phone_leg_destroy(struct phone_leg *l)
{
    free(l);
}

/* May this source latch (RTP: against the SDP address; RTCP: also against
 * what RTP latched onto)? */
static bool may_latch(const struct phone_leg *l, const struct sockaddr_storage *from, bool rtcp)
{
    if (rtcp && l->latched)
        return same_ip(from, &l->latch);
    const struct sockaddr_storage *sdp = rtcp && l->cfg.remote_rtcp.ss_family != AF_UNSPEC
                                             ? &l->cfg.remote_rtcp
                                             : &l->cfg.remote_rtp;
    return phone_leg_addr_private(sdp) || same_ip(from, sdp);
}

static void rx_stats(struct phone_leg *l, int64_t now_us, const struct rtp_packet *p, size_t len)
{
    if (!l->have_rx || p->ssrc != l->peer_ssrc) {
        /* A new source (first packet, or the phone restarted its stream). */
        l->have_rx = true;
        l->peer_ssrc = p->ssrc;
        memset(&l->unwrap, 0, sizeof l->unwrap);
        l->base_ext = l->max_ext = rtp_seq_unwrap(&l->unwrap, p->seq);
        l->received = l->received_prior = 0;
        l->expected_prior = 0;
        l->have_transit = false;
        l->jitter_q4 = 0;
    }
    int64_t ext = rtp_seq_unwrap(&l->unwrap, p->seq);
    if (ext > l->max_ext)
        l->max_ext = ext;
    if (ext < l->base_ext)
        l->base_ext = ext;
    l->received++;
    int64_t expected = l->max_ext - l->base_ext + 1;
    l->st.lost = expected > (int64_t)l->received ? (uint64_t)(expected - (int64_t)l->received) : 0;
    /* Jitter in RTP clock units: arrival (our clock) minus timestamp. */
    int64_t arrival = now_us / 1000 * (int64_t)l->clock / 1000;
    int64_t transit = arrival - (int64_t)p->timestamp;
    if (l->have_transit) {
        int64_t d = transit - l->last_transit;
        if (d < 0)
            d = -d;
        if (d > (int64_t)l->clock * 10) /* a timestamp jump (talkspurt, restart) */
            d = 0;
        l->jitter_q4 += (uint32_t)d - ((l->jitter_q4 + 8) >> 4);
    }
    l->have_transit = true;
    l->last_transit = transit;
    l->st.jitter = l->jitter_q4 >> 4;
    l->st.rtp_in++;
    l->st.rtp_in_bytes += len;
}

static uint32_t ntp_mid32(int64_t us)
{
    uint64_t u = us < 0 ? 0 : (uint64_t)us;
    uint64_t sec = u / 1000000u + NTP_UNIX_OFFSET, frac = u % 1000000u;
    uint64_t ntp = sec << 32 | (frac << 32) / 1000000u;
    return (uint32_t)(ntp >> 16);
}

static void report_blocks(struct phone_leg *l, int64_t now_us, const struct rtcp_report_block *b,
                          size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (b[i].ssrc != l->cfg.ssrc || b[i].lsr == 0)
            continue;
        /* RTT = now - LSR - DLSR, in 1/65536 s (RFC 3550 6.4.1). */
        uint32_t rtt = ntp_mid32(now_us) - b[i].lsr - b[i].dlsr;
        if (rtt < 65536u * 10) /* under 10 s: else a clock artefact */
            l->st.rtt_us = (int64_t)rtt * 1000000 / 65536;
    }
}

static enum phone_leg_rx rtcp_input(struct phone_leg *l, int64_t now_us, const uint8_t *buf,
                                    size_t len, struct phone_leg_input *out)
{
    struct rtcp_iter it;
    struct rtcp_block b;
    if (rtcp_validate(buf, len) != 0) {
        l->st.malformed++;
        out->drop = PHONE_LEG_DROP_MALFORMED;
        return PHONE_LEG_RX_DROP;
    }
    rtcp_iter_init(&it, buf, len);
    while (rtcp_iter_next(&it, &b)) {
        if (b.pt == RTCP_SR) {
            struct rtcp_sr sr;
            if (rtcp_parse_sr(&sr, &b) != 0)
                continue;
            l->have_sr = true;
            l->sr_lsr = (uint32_t)(sr.ntp >> 16);
            l->sr_recv_us = now_us;
            report_blocks(l, now_us, sr.reports, sr.report_count);
        } else if (b.pt == RTCP_RR) {
            struct rtcp_rr rr;
            if (rtcp_parse_rr(&rr, &b) == 0)
                report_blocks(l, now_us, rr.reports, rr.report_count);
        }
    }
    l->st.rtcp_in++;
    return PHONE_LEG_RX_RTCP;
}

static enum phone_leg_rx drop(struct phone_leg_input *out, uint64_t *counter,
                              enum phone_leg_drop why)
{
    (*counter)++;
    out->drop = why;
    return PHONE_LEG_RX_DROP;
}

enum phone_leg_rx phone_leg_input(struct phone_leg *l, int64_t now_us, bool rtcp_port,
                                  const uint8_t *buf, size_t len,
                                  const struct sockaddr_storage *from, socklen_t fromlen,
                                  struct phone_leg_input *out)
{
    struct sockaddr_storage src;
    memset(out, 0, sizeof *out);
    if (!from || fromlen < (socklen_t)sizeof(sa_family_t) || !buf)
        return drop(out, &l->st.malformed, PHONE_LEG_DROP_MALFORMED);
    normalize(&src, from);
    if (src.ss_family == AF_UNSPEC || fromlen < addr_len(from))
        return drop(out, &l->st.malformed, PHONE_LEG_DROP_MALFORMED);

    if (rtcp_port || rtp_is_rtcp(buf, len)) {
        /* RTCP on its port, or multiplexed on the RTP port (RFC 5761). */
        bool ok = rtcp_port ? (l->rtcp_latched ? same_addr(&src, &l->rtcp_latch)
                                               : may_latch(l, &src, true))
                            : l->latched && same_addr(&src, &l->latch);
        if (!ok)
            return drop(out, &l->st.foreign, PHONE_LEG_DROP_FOREIGN);
        enum phone_leg_rx rx = rtcp_input(l, now_us, buf, len, out);
        if (rx == PHONE_LEG_RX_RTCP && rtcp_port && !l->rtcp_latched) {
            l->rtcp_latched = true;
            l->rtcp_latch = src;
        }
        return rx;
    }

    struct rtp_packet p;
    if (rtp_parse(&p, buf, len) != 0 || p.payload_len == 0 ||
        (p.pt != l->cfg.pt && (int)p.pt != l->cfg.dtmf_pt))
        return drop(out, &l->st.malformed, PHONE_LEG_DROP_MALFORMED);
    if (l->latched ? !same_addr(&src, &l->latch) : !may_latch(l, &src, false))
        return drop(out, &l->st.foreign, PHONE_LEG_DROP_FOREIGN);
    if ((int)p.pt == l->cfg.dtmf_pt &&
        rtp_dtmf_input(&l->dtmf, now_us, p.timestamp, p.payload, p.payload_len) != 0)
        return drop(out, &l->st.malformed, PHONE_LEG_DROP_MALFORMED);
    if (!l->latched) {
        l->latched = true;
        l->latch = src;
    }
    rx_stats(l, now_us, &p, len);
    if ((int)p.pt == l->cfg.dtmf_pt) {
        l->st.dtmf_digits = l->dtmf.digits;
        return PHONE_LEG_RX_DTMF;
    }
    out->payload = p.payload;
    out->payload_len = p.payload_len;
    out->seq = p.seq;
    out->ts = p.timestamp;
    out->ssrc = p.ssrc;
    out->marker = p.marker;
    return PHONE_LEG_RX_AUDIO;
}

bool phone_leg_dtmf(struct phone_leg *l, char *digit)
{
    return rtp_dtmf_poll(&l->dtmf, digit);
}

void phone_leg_remote(struct phone_leg *l, const struct sockaddr_storage *rtp,
                      const struct sockaddr_storage *rtcp)
{
    struct sockaddr_storage a, b;
    normalize(&a, rtp);
    normalize(&b, rtcp);
    if (!same_addr(&a, &l->cfg.remote_rtp) || a.ss_family != l->cfg.remote_rtp.ss_family) {
        l->latched = false;
        l->rtcp_latched = false;
    }
    l->cfg.remote_rtp = a;
    l->cfg.remote_rtcp = b;
}

static bool dest(const struct sockaddr_storage *latch, bool latched,
                 const struct sockaddr_storage *sdp, struct sockaddr_storage *to, socklen_t *tolen)
{
    const struct sockaddr_storage *a = latched ? latch : sdp;
    if (a->ss_family != AF_INET && a->ss_family != AF_INET6)
        return false;
    if (!latched && port_of(a) == 0)
        return false;
    *to = *a;
    *tolen = addr_len(a);
    return true;
}

bool phone_leg_rtp_dest(const struct phone_leg *l, struct sockaddr_storage *to, socklen_t *tolen)
{
    return dest(&l->latch, l->latched, &l->cfg.remote_rtp, to, tolen);
}

bool phone_leg_rtcp_dest(const struct phone_leg *l, struct sockaddr_storage *to, socklen_t *tolen)
{
    return dest(&l->rtcp_latch, l->rtcp_latched, &l->cfg.remote_rtcp, to, tolen);
}

bool phone_leg_latched(const struct phone_leg *l, struct sockaddr_storage *addr)
{
    if (l->latched && addr)
        *addr = l->latch;
    return l->latched;
}

int phone_leg_packetize(struct phone_leg *l, int64_t now_us, const uint8_t *payload, size_t len,
                        uint8_t *out, size_t cap)
{
    if (!payload || len == 0)
        return ERR_INVAL;
    if (len > cap || cap - len < PHONE_LEG_RTP_HEADER)
        return ERR_TOOBIG;
    uint32_t frame = l->clock / (1000000 / PHONE_LEG_FRAME_US);
    bool marker = false;
    if (!l->sent_any) {
        marker = true;
    } else if (now_us - l->last_send_us > PHONE_LEG_PAUSE_US) {
        /* A talkspurt after a pause: the clock went on meanwhile. */
        int64_t frames = (now_us - l->last_send_us) / PHONE_LEG_FRAME_US;
        l->ts += (uint32_t)((uint64_t)frames * frame);
        marker = true;
    } else {
        l->ts += frame;
    }
    l->seq++;
    l->sent_any = true;
    l->last_send_us = now_us;
    struct wr w;
    wr_init(&w, out, cap);
    wr_u8(&w, 0x80);
    wr_u8(&w, (uint8_t)((marker ? 0x80 : 0) | l->cfg.pt));
    wr_u16(&w, l->seq);
    wr_u32(&w, l->ts);
    wr_u32(&w, l->cfg.ssrc);
    wr_bytes(&w, payload, len);
    if (!wr_ok(&w))
        return ERR_TOOBIG;
    l->packets++;
    l->octets += (uint32_t)len;
    l->st.rtp_out++;
    l->st.rtp_out_bytes += PHONE_LEG_RTP_HEADER + len;
    return (int)(PHONE_LEG_RTP_HEADER + len);
}

void phone_leg_timeout(struct phone_leg *l, int64_t now_us)
{
    rtp_dtmf_timeout(&l->dtmf, now_us);
}

int64_t phone_leg_next_deadline(const struct phone_leg *l)
{
    int64_t d = rtp_dtmf_next_deadline(&l->dtmf);
    return l->next_rtcp_us < d ? l->next_rtcp_us : d;
}

static void fill_block(struct phone_leg *l, int64_t now_us, struct rtcp_report_block *b)
{
    int64_t expected = l->max_ext - l->base_ext + 1;
    int64_t exp_int = expected - l->expected_prior;
    int64_t lost_int = exp_int - (int64_t)(l->received - l->received_prior);
    int64_t lost = expected - (int64_t)l->received;
    memset(b, 0, sizeof *b);
    b->ssrc = l->peer_ssrc;
    if (exp_int > 0 && lost_int > 0) {
        int64_t f = (lost_int << 8) / exp_int;
        b->fraction_lost = (uint8_t)(f > 255 ? 255 : f);
    }
    b->cumulative_lost = (int32_t)(lost > 0x7fffff    ? 0x7fffff
                                   : lost < -0x800000 ? -0x800000
                                                      : lost);
    b->ext_highest_seq = (uint32_t)l->max_ext;
    b->jitter = l->jitter_q4 >> 4;
    if (l->have_sr && now_us >= l->sr_recv_us) {
        int64_t dl = (now_us - l->sr_recv_us) * 65536 / 1000000;
        b->lsr = l->sr_lsr;
        b->dlsr = dl > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)dl;
    }
    l->expected_prior = expected;
    l->received_prior = l->received;
}

int phone_leg_rtcp(struct phone_leg *l, int64_t now_us, uint8_t *out, size_t cap)
{
    if (now_us < l->next_rtcp_us)
        return 0;
    struct wr w;
    struct rtcp_report_block block;
    bool with_block = l->have_rx;
    if (with_block)
        fill_block(l, now_us, &block);
    wr_init(&w, out, cap);
    if (l->sent_any) {
        struct rtcp_sr sr;
        memset(&sr, 0, sizeof sr);
        sr.ssrc = l->cfg.ssrc;
        uint64_t u = now_us < 0 ? 0 : (uint64_t)now_us;
        sr.ntp = (u / 1000000u + NTP_UNIX_OFFSET) << 32 | ((u % 1000000u) << 32) / 1000000u;
        /* Our timestamp now: the last one sent plus the time since. */
        sr.rtp_ts = l->ts + (uint32_t)((now_us - l->last_send_us) * (int64_t)l->clock / 1000000);
        sr.packet_count = l->packets;
        sr.octet_count = l->octets;
        sr.report_count = with_block ? 1 : 0;
        if (with_block)
            sr.reports[0] = block;
        (void)rtcp_build_sr(&w, &sr);
    } else {
        struct rtcp_rr rr;
        memset(&rr, 0, sizeof rr);
        rr.ssrc = l->cfg.ssrc;
        rr.report_count = with_block ? 1 : 0;
        if (with_block)
            rr.reports[0] = block;
        (void)rtcp_build_rr(&w, &rr);
    }
    (void)rtcp_build_sdes_cname(&w, l->cfg.ssrc, l->cfg.cname, strlen(l->cfg.cname));
    l->next_rtcp_us = now_us + PHONE_LEG_RTCP_INTERVAL_US;
    if (!wr_ok(&w))
        return ERR_TOOBIG;
    l->st.rtcp_out++;
    return (int)(w.p - out);
}

void phone_leg_get_stats(const struct phone_leg *l, struct phone_leg_stats *out)
{
    *out = l->st;
    out->dtmf_digits = l->dtmf.digits;
}
