/* SDP for the phone bridge's RTP/AVP audio (sip_sdp.h). */
#include "signaling/sip_sdp.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/err.h"

#define MAX_FMTS 32 /* payload types of the audio m-line looked at */

struct view {
    const char *p;
    size_t n;
};

/* What the parse collects before it settles the result. */
struct parse_state {
    bool in_audio;   /* inside the chosen audio m-line */
    bool have_audio; /* the chosen audio m-line was seen */
    bool done;       /* a later m-line started: ignore the rest */
    char sess_addr[SIP_SDP_MAX_ADDR];
    bool sess_ipv6;
    char media_addr[SIP_SDP_MAX_ADDR];
    bool media_ipv6;
    int sess_dir, media_dir; /* -1: not given */
    uint8_t fmts[MAX_FMTS];
    size_t n_fmts;
    int map[128]; /* pt -> codec kind, -1 unknown, -2 telephone-event */
    int rtcp_port;
};

static bool view_eq(struct view v, const char *s)
{
    size_t n = strlen(s);
    return v.n == n && strncasecmp(v.p, s, n) == 0;
}

/* Splits off the next space-separated token of *line. */
static bool next_tok(struct view *line, struct view *tok)
{
    while (line->n > 0 && *line->p == ' ') {
        line->p++;
        line->n--;
    }
    if (line->n == 0)
        return false;
    size_t i = 0;
    while (i < line->n && line->p[i] != ' ')
        i++;
    tok->p = line->p;
    tok->n = i;
    line->p += i;
    line->n -= i;
    return true;
}

static int parse_u64(struct view v, uint64_t max, uint64_t *out)
{
    uint64_t x = 0;
    if (v.n == 0 || v.n > 20)
        return ERR_PARSE;
    for (size_t i = 0; i < v.n; i++) {
        if (v.p[i] < '0' || v.p[i] > '9')
            return ERR_PARSE;
        unsigned d = (unsigned)(v.p[i] - '0');
        if (x > (max - d) / 10)
            return ERR_PARSE;
        x = x * 10 + d;
    }
    *out = x;
    return 0;
}

/* "IN IP4 addr" or "IN IP6 addr" into addr. */
static int parse_conn(struct view line, char addr[SIP_SDP_MAX_ADDR], bool *ipv6)
{
    struct view nt, at, a;
    if (!next_tok(&line, &nt) || !next_tok(&line, &at) || !next_tok(&line, &a))
        return ERR_PARSE;
    if (!view_eq(nt, "IN"))
        return ERR_PARSE;
    if (view_eq(at, "IP4"))
        *ipv6 = false;
    else if (view_eq(at, "IP6"))
        *ipv6 = true;
    else
        return ERR_PARSE;
    /* A multicast TTL or count (addr/ttl) is not for us: keep the address part. */
    for (size_t i = 0; i < a.n; i++) {
        if (a.p[i] == '/') {
            a.n = i;
            break;
        }
    }
    if (a.n == 0 || a.n >= SIP_SDP_MAX_ADDR)
        return a.n == 0 ? ERR_PARSE : ERR_TOOBIG;
    for (size_t i = 0; i < a.n; i++) {
        char c = a.p[i];
        bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  c == '.' || c == ':' || c == '-';
        if (!ok)
            return ERR_PARSE;
    }
    memcpy(addr, a.p, a.n);
    addr[a.n] = '\0';
    return 0;
}

static int dir_of(struct view attr)
{
    if (view_eq(attr, "sendrecv"))
        return SIP_SDP_SENDRECV;
    if (view_eq(attr, "sendonly"))
        return SIP_SDP_SENDONLY;
    if (view_eq(attr, "recvonly"))
        return SIP_SDP_RECVONLY;
    if (view_eq(attr, "inactive"))
        return SIP_SDP_INACTIVE;
    return -1;
}

/* "pt name/rate[/channels]" */
static int parse_rtpmap(struct view v, struct parse_state *st)
{
    struct view ptv, enc;
    uint64_t pt;
    if (!next_tok(&v, &ptv) || !next_tok(&v, &enc) || parse_u64(ptv, 127, &pt) != 0)
        return ERR_PARSE;
    int kind = -1;
    if (view_eq(enc, "opus/48000/2") || view_eq(enc, "opus/48000"))
        kind = AUDIO_CODEC_OPUS;
    else if (view_eq(enc, "G722/8000") || view_eq(enc, "G722/8000/1"))
        kind = AUDIO_CODEC_G722;
    else if (view_eq(enc, "PCMA/8000") || view_eq(enc, "PCMA/8000/1"))
        kind = AUDIO_CODEC_PCMA;
    else if (view_eq(enc, "PCMU/8000") || view_eq(enc, "PCMU/8000/1"))
        kind = AUDIO_CODEC_PCMU;
    else if (view_eq(enc, "telephone-event/8000"))
        kind = -2;
    st->map[pt] = kind;
    return 0;
}

static int parse_attr(struct view v, struct parse_state *st, struct sip_sdp *out)
{
    struct view name = v, value = {v.p + v.n, 0};
    for (size_t i = 0; i < v.n; i++) {
        if (v.p[i] == ':') {
            name.n = i;
            value.p = v.p + i + 1;
            value.n = v.n - i - 1;
            break;
        }
    }
    int d = dir_of(name);
    if (!st->in_audio) {
        if (d >= 0 && !st->have_audio)
            st->sess_dir = d;
        return 0;
    }
    if (d >= 0) {
        st->media_dir = d;
    } else if (view_eq(name, "rtpmap")) {
        return parse_rtpmap(value, st);
    } else if (view_eq(name, "ptime")) {
        uint64_t x;
        struct view t;
        if (!next_tok(&value, &t) || parse_u64(t, 1000, &x) != 0)
            return ERR_PARSE;
        out->ptime = (unsigned)x;
    } else if (view_eq(name, "rtcp")) {
        uint64_t x;
        struct view t;
        if (!next_tok(&value, &t) || parse_u64(t, 65535, &x) != 0)
            return ERR_PARSE;
        st->rtcp_port = (int)x;
    } else if (view_eq(name, "rtcp-mux")) {
        out->rtcp_mux = true;
    }
    return 0;
}

/* "audio port[/n] proto fmt..." */
static int parse_media(struct view v, struct parse_state *st, struct sip_sdp *out)
{
    struct view type, portv, proto, f;
    uint64_t port;
    if (st->in_audio) { /* a later m-line ends the one we use */
        st->in_audio = false;
        st->done = true;
        return 0;
    }
    if (st->done || st->have_audio)
        return 0;
    if (!next_tok(&v, &type) || !next_tok(&v, &portv) || !next_tok(&v, &proto))
        return ERR_PARSE;
    for (size_t i = 0; i < portv.n; i++) {
        if (portv.p[i] == '/') {
            portv.n = i;
            break;
        }
    }
    if (parse_u64(portv, 65535, &port) != 0)
        return ERR_PARSE;
    if (!view_eq(type, "audio") || port == 0 ||
        !(view_eq(proto, "RTP/AVP") || view_eq(proto, "RTP/AVPF")))
        return 0;
    st->in_audio = st->have_audio = true;
    out->port = (uint16_t)port;
    while (next_tok(&v, &f)) {
        uint64_t pt;
        if (parse_u64(f, 127, &pt) != 0)
            return ERR_PARSE;
        if (st->n_fmts < MAX_FMTS)
            st->fmts[st->n_fmts++] = (uint8_t)pt;
    }
    return 0;
}

static int parse_origin(struct view v, struct sip_sdp *out)
{
    struct view user, id, ver;
    if (!next_tok(&v, &user) || !next_tok(&v, &id) || !next_tok(&v, &ver))
        return ERR_PARSE;
    if (parse_u64(id, UINT64_MAX, &out->sess_id) != 0 ||
        parse_u64(ver, UINT64_MAX, &out->sess_version) != 0)
        return ERR_PARSE;
    return 0;
}

static int parse_line(char type, struct view v, struct parse_state *st, struct sip_sdp *out)
{
    switch (type) {
    case 'o':
        return parse_origin(v, out);
    case 'c':
        if (st->in_audio)
            return parse_conn(v, st->media_addr, &st->media_ipv6);
        if (!st->have_audio)
            return parse_conn(v, st->sess_addr, &st->sess_ipv6);
        return 0;
    case 'm':
        return parse_media(v, st, out);
    case 'a':
        return parse_attr(v, st, out);
    default:
        return 0;
    }
}

static void settle(struct parse_state *st, struct sip_sdp *out)
{
    const char *addr = st->media_addr[0] != '\0' ? st->media_addr : st->sess_addr;
    out->ipv6 = st->media_addr[0] != '\0' ? st->media_ipv6 : st->sess_ipv6;
    memcpy(out->addr, addr, SIP_SDP_MAX_ADDR);
    int d = st->media_dir >= 0 ? st->media_dir : st->sess_dir >= 0 ? st->sess_dir : 0;
    out->dir = (enum sip_sdp_dir)d;
    if (strcmp(out->addr, "0.0.0.0") == 0 || strcmp(out->addr, "::") == 0) {
        out->hold_zero_addr = true;
        if (out->dir == SIP_SDP_SENDRECV)
            out->dir = SIP_SDP_SENDONLY;
        else if (out->dir == SIP_SDP_RECVONLY)
            out->dir = SIP_SDP_INACTIVE;
    }
    if (st->rtcp_port > 0)
        out->rtcp_port = (uint16_t)st->rtcp_port;
    else
        out->rtcp_port = out->port < 65535 ? (uint16_t)(out->port + 1) : 0;
    for (size_t i = 0; i < st->n_fmts; i++) {
        uint8_t pt = st->fmts[i];
        int k = st->map[pt];
        if (k == -1 && pt == 0)
            k = AUDIO_CODEC_PCMU;
        else if (k == -1 && pt == 8)
            k = AUDIO_CODEC_PCMA;
        else if (k == -1 && pt == 9)
            k = AUDIO_CODEC_G722;
        if (k == -2 && out->dtmf_pt < 0) {
            out->dtmf_pt = pt;
        } else if (k >= 0 && out->n_codecs < SIP_SDP_MAX_CODECS) {
            bool dup = false;
            for (size_t j = 0; j < out->n_codecs; j++)
                dup = dup || out->codecs[j].pt == pt;
            if (!dup) {
                out->codecs[out->n_codecs].pt = pt;
                out->codecs[out->n_codecs].codec = (enum audio_codec_kind)k;
                out->n_codecs++;
            }
        }
    }
}

int sip_sdp_parse(const char *body, size_t len, struct sip_sdp *out)
{
    static const struct parse_state zero_state;
    struct parse_state st = zero_state;
    if (out == NULL || (body == NULL && len > 0))
        return ERR_INVAL;
    memset(out, 0, sizeof *out);
    out->dtmf_pt = -1;
    if (len > SIP_SDP_MAX_LEN)
        return ERR_TOOBIG;
    st.sess_dir = st.media_dir = -1;
    for (size_t i = 0; i < 128; i++)
        st.map[i] = -1;
    size_t pos = 0;
    bool first = true;
    while (pos < len) {
        const char *nl = memchr(body + pos, '\n', len - pos);
        size_t end = nl != NULL ? (size_t)(nl - body) : len;
        struct view line = {body + pos, end - pos};
        pos = nl != NULL ? end + 1 : len;
        if (line.n > 0 && line.p[line.n - 1] == '\r')
            line.n--;
        if (line.n == 0)
            continue;
        if (line.n > SIP_SDP_MAX_LINE)
            return ERR_TOOBIG;
        if (memchr(line.p, '\0', line.n) != NULL || line.n < 2 || line.p[1] != '=')
            return ERR_PARSE;
        if (first && !(line.n == 3 && line.p[0] == 'v' && line.p[2] == '0'))
            return ERR_PARSE;
        first = false;
        struct view v = {line.p + 2, line.n - 2};
        int rc = parse_line(line.p[0], v, &st, out);
        if (rc != 0)
            return rc;
    }
    if (first)
        return ERR_PARSE;
    if (st.have_audio && st.media_addr[0] == '\0' && st.sess_addr[0] == '\0')
        return ERR_PARSE; /* no c= for the stream */
    settle(&st, out);
    return 0;
}

int sip_sdp_choose(const struct sip_sdp *offer, struct sip_sdp_choice *out)
{
    static const enum audio_codec_kind prefer[] = {AUDIO_CODEC_OPUS, AUDIO_CODEC_G722,
                                                   AUDIO_CODEC_PCMA, AUDIO_CODEC_PCMU};
    if (offer == NULL || out == NULL)
        return ERR_INVAL;
    if (offer->port == 0)
        return ERR_NOTFOUND;
    for (size_t k = 0; k < sizeof prefer / sizeof prefer[0]; k++) {
        for (size_t i = 0; i < offer->n_codecs && i < SIP_SDP_MAX_CODECS; i++) {
            if (offer->codecs[i].codec == prefer[k]) {
                out->codec = prefer[k];
                out->pt = offer->codecs[i].pt;
                out->dtmf_pt = offer->dtmf_pt;
                return 0;
            }
        }
    }
    return ERR_NOTFOUND;
}

enum sip_sdp_dir sip_sdp_mirror(enum sip_sdp_dir offered)
{
    switch (offered) {
    case SIP_SDP_SENDONLY:
        return SIP_SDP_RECVONLY;
    case SIP_SDP_RECVONLY:
        return SIP_SDP_SENDONLY;
    case SIP_SDP_INACTIVE:
        return SIP_SDP_INACTIVE;
    default:
        return SIP_SDP_SENDRECV;
    }
}

const char *sip_sdp_dir_name(enum sip_sdp_dir dir)
{
    switch (dir) {
    case SIP_SDP_SENDONLY:
        return "sendonly";
    case SIP_SDP_RECVONLY:
        return "recvonly";
    case SIP_SDP_INACTIVE:
        return "inactive";
    default:
        return "sendrecv";
    }
}

/* ---- building ---- */

struct out {
    char *buf;
    size_t cap, len;
    bool err;
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...)
{
    if (o->err)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= o->cap - o->len) {
        o->err = true;
        return;
    }
    o->len += (size_t)n;
}

static bool addr_ok(const char *a)
{
    size_t n = a != NULL ? strnlen(a, SIP_SDP_MAX_ADDR) : 0;
    if (n == 0 || n >= SIP_SDP_MAX_ADDR)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = a[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
              c == '.' || c == ':'))
            return false;
    }
    return true;
}

static void put_head(struct out *o, const struct sip_sdp_local *l)
{
    const char *ip = strchr(l->addr, ':') != NULL ? "IP6" : "IP4";
    put(o, "v=0\r\no=samtale %llu %llu IN %s %s\r\ns=samtale\r\nc=IN %s %s\r\nt=0 0\r\n",
        (unsigned long long)l->sess_id, (unsigned long long)l->sess_version, ip, l->addr, ip,
        l->addr);
}

static void put_codec(struct out *o, enum audio_codec_kind k, unsigned pt)
{
    switch (k) {
    case AUDIO_CODEC_OPUS:
        put(o, "a=rtpmap:%u opus/48000/2\r\na=fmtp:%u useinbandfec=1\r\n", pt, pt);
        break;
    case AUDIO_CODEC_G722:
        put(o, "a=rtpmap:%u G722/8000\r\n", pt);
        break;
    case AUDIO_CODEC_PCMA:
        put(o, "a=rtpmap:%u PCMA/8000\r\n", pt);
        break;
    default:
        put(o, "a=rtpmap:%u PCMU/8000\r\n", pt);
        break;
    }
}

static int finish(struct out *o, size_t *len)
{
    if (o->err)
        return ERR_TOOBIG;
    if (len != NULL)
        *len = o->len;
    return 0;
}

int sip_sdp_build_answer(const struct sip_sdp_local *local, const struct sip_sdp_choice *ch,
                         enum sip_sdp_dir dir, char *buf, size_t cap, size_t *len)
{
    if (local == NULL || ch == NULL || buf == NULL || cap == 0 || !addr_ok(local->addr) ||
        ch->pt > 127 || ch->dtmf_pt > 127 || (unsigned)ch->codec >= AUDIO_CODEC_COUNT)
        return ERR_INVAL;
    struct out o = {buf, cap, 0, false};
    buf[0] = '\0';
    put_head(&o, local);
    if (ch->dtmf_pt >= 0)
        put(&o, "m=audio %u RTP/AVP %u %d\r\n", local->port, ch->pt, ch->dtmf_pt);
    else
        put(&o, "m=audio %u RTP/AVP %u\r\n", local->port, ch->pt);
    put_codec(&o, ch->codec, ch->pt);
    if (ch->dtmf_pt >= 0)
        put(&o, "a=rtpmap:%d telephone-event/8000\r\na=fmtp:%d 0-16\r\n", ch->dtmf_pt, ch->dtmf_pt);
    put(&o, "a=ptime:20\r\na=%s\r\n", sip_sdp_dir_name(dir));
    return finish(&o, len);
}

int sip_sdp_build_offer(const struct sip_sdp_local *local, char *buf, size_t cap, size_t *len)
{
    if (local == NULL || buf == NULL || cap == 0 || !addr_ok(local->addr))
        return ERR_INVAL;
    struct out o = {buf, cap, 0, false};
    buf[0] = '\0';
    put_head(&o, local);
    put(&o, "m=audio %u RTP/AVP %u 9 8 0 %u\r\n", local->port, SIP_SDP_OPUS_PT, SIP_SDP_DTMF_PT);
    put_codec(&o, AUDIO_CODEC_OPUS, SIP_SDP_OPUS_PT);
    put_codec(&o, AUDIO_CODEC_G722, 9);
    put_codec(&o, AUDIO_CODEC_PCMA, 8);
    put_codec(&o, AUDIO_CODEC_PCMU, 0);
    put(&o, "a=rtpmap:%u telephone-event/8000\r\na=fmtp:%u 0-16\r\n", SIP_SDP_DTMF_PT,
        SIP_SDP_DTMF_PT);
    put(&o, "a=ptime:20\r\na=sendrecv\r\n");
    return finish(&o, len);
}
