/* RTP parsing and rewriting: see rtp.h. Every read of untrusted bytes goes
 * through struct rd; nothing here allocates. */
#include "media/rtp.h"

#include <string.h>

#include "base/err.h"

int rtp_parse(struct rtp_packet *pkt, const uint8_t *buf, size_t len)
{
    struct rd r;
    uint8_t b0, b1;
    size_t rest;

    memset(pkt, 0, sizeof(*pkt));
    rd_init(&r, buf, len);
    if (len < RTP_HEADER_MIN)
        return ERR_PARSE;
    b0 = rd_u8(&r);
    b1 = rd_u8(&r);
    if (b0 >> 6 != RTP_VERSION)
        return ERR_PARSE;
    pkt->padding = (b0 & 0x20) != 0;
    pkt->extension = (b0 & 0x10) != 0;
    pkt->csrc_count = b0 & 0x0f;
    pkt->marker = (b1 & 0x80) != 0;
    pkt->pt = b1 & 0x7f;
    pkt->seq = rd_u16(&r);
    pkt->timestamp = rd_u32(&r);
    pkt->ssrc = rd_u32(&r);
    for (unsigned i = 0; i < pkt->csrc_count; i++)
        pkt->csrc[i] = rd_u32(&r);
    if (pkt->extension) {
        size_t words;

        pkt->ext_profile = rd_u16(&r);
        words = rd_u16(&r);
        pkt->ext_len = words * 4;
        pkt->ext = rd_bytes(&r, pkt->ext_len);
    }
    if (r.err)
        return ERR_PARSE;
    pkt->header_len = len - rd_left(&r);
    rest = rd_left(&r);
    if (pkt->padding) {
        /* The last byte counts the padding, itself included. */
        if (rest == 0)
            return ERR_PARSE;
        pkt->padding_len = buf[len - 1];
        if (pkt->padding_len == 0 || pkt->padding_len > rest)
            return ERR_PARSE;
        rest -= pkt->padding_len;
    }
    pkt->payload = rd_bytes(&r, rest);
    pkt->payload_len = rest;
    return r.err ? ERR_PARSE : 0;
}

static bool is_v2(const uint8_t *buf, size_t len, size_t min)
{
    /* RFC 7983: a first byte in 128..191 is RTP or RTCP. */
    return buf != NULL && len >= min && buf[0] >= 128 && buf[0] <= 191;
}

static bool is_rtcp_type(uint8_t b1)
{
    /* RFC 5761 4: RTCP packet types 192..223 look like RTP payload
     * types 64..95 with the marker bit set. */
    uint8_t pt = b1 & 0x7f;

    return pt >= 64 && pt <= 95;
}

bool rtp_is_rtp(const uint8_t *buf, size_t len)
{
    return is_v2(buf, len, RTP_HEADER_MIN) && !is_rtcp_type(buf[1]);
}

bool rtp_is_rtcp(const uint8_t *buf, size_t len)
{
    return is_v2(buf, len, 8) && is_rtcp_type(buf[1]);
}

/* ---- header extensions ---- */

enum rtp_ext_form rtp_ext_form(const struct rtp_packet *pkt)
{
    if (!pkt->extension)
        return RTP_EXT_FORM_NONE;
    if (pkt->ext_profile == RTP_EXT_PROFILE_ONE_BYTE)
        return RTP_EXT_FORM_ONE_BYTE;
    if ((pkt->ext_profile & RTP_EXT_PROFILE_TWO_BYTE_MASK) == RTP_EXT_PROFILE_TWO_BYTE)
        return RTP_EXT_FORM_TWO_BYTE;
    return RTP_EXT_FORM_OTHER;
}

void rtp_ext_iter_init(struct rtp_ext_iter *it, const struct rtp_packet *pkt)
{
    it->form = rtp_ext_form(pkt);
    it->err = false;
    if (it->form == RTP_EXT_FORM_ONE_BYTE || it->form == RTP_EXT_FORM_TWO_BYTE)
        rd_init(&it->r, pkt->ext, pkt->ext_len);
    else
        rd_init(&it->r, NULL, 0);
}

static void iter_stop(struct rtp_ext_iter *it, bool err)
{
    rd_init(&it->r, NULL, 0);
    it->err = it->err || err;
}

bool rtp_ext_next(struct rtp_ext_iter *it, struct rtp_ext_elem *out)
{
    while (rd_left(&it->r) > 0) {
        uint8_t b = rd_u8(&it->r);
        size_t len;

        if (b == 0)
            continue; /* padding byte, in both forms */
        if (it->form == RTP_EXT_FORM_ONE_BYTE) {
            if (b >> 4 == 15 || b >> 4 == 0) {
                /* Reserved id 15, or id 0 with a length: stop, keeping
                 * what came before (RFC 8285 4.2). */
                iter_stop(it, false);
                return false;
            }
            out->id = b >> 4;
            len = (size_t)(b & 0x0f) + 1;
        } else {
            out->id = b;
            len = rd_u8(&it->r);
        }
        out->len = (uint8_t)len;
        out->data = rd_bytes(&it->r, len);
        if (it->r.err) {
            iter_stop(it, true);
            return false;
        }
        return true;
    }
    return false;
}

int rtp_ext_find(const struct rtp_packet *pkt, uint8_t id, struct rtp_ext_elem *out)
{
    struct rtp_ext_iter it;
    struct rtp_ext_elem e;

    rtp_ext_iter_init(&it, pkt);
    while (rtp_ext_next(&it, &e)) {
        if (e.id == id) {
            *out = e;
            return 0;
        }
    }
    return it.err ? ERR_PARSE : ERR_NOTFOUND;
}

int rtp_ext_set(uint8_t *buf, size_t buf_len, uint8_t id, const uint8_t *data, size_t len)
{
    struct rtp_packet pkt;
    struct rtp_ext_elem e;
    size_t off;
    int rc;

    rc = rtp_parse(&pkt, buf, buf_len);
    if (rc < 0)
        return rc;
    rc = rtp_ext_find(&pkt, id, &e);
    if (rc < 0)
        return rc;
    if (e.len != len)
        return ERR_PROTO;
    off = (size_t)(e.data - buf);
    if (len != 0)
        memmove(buf + off, data, len);
    return 0;
}

int rtp_ext_set_twcc_seq(uint8_t *buf, size_t buf_len, uint8_t id, uint16_t seq)
{
    uint8_t v[2] = {(uint8_t)(seq >> 8), (uint8_t)seq};

    return rtp_ext_set(buf, buf_len, id, v, sizeof(v));
}

int rtp_ext_set_abs_send_time(uint8_t *buf, size_t buf_len, uint8_t id, uint32_t ast24)
{
    uint8_t v[3] = {(uint8_t)(ast24 >> 16), (uint8_t)(ast24 >> 8), (uint8_t)ast24};

    return rtp_ext_set(buf, buf_len, id, v, sizeof(v));
}

/* RFC 4566 token-char. */
static bool is_token_char(uint8_t c)
{
    if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
        return true;
    return c != 0 && strchr("!#$%&'*+-.^_`{|}~", c) != NULL;
}

int rtp_ext_read_string(const struct rtp_ext_elem *e, char *out, size_t cap)
{
    size_t n = 0;

    if (cap > 0)
        out[0] = '\0';
    while (n < e->len && e->data[n] != 0)
        n++;
    if (n == 0)
        return ERR_PARSE;
    for (size_t i = n; i < e->len; i++) {
        if (e->data[i] != 0)
            return ERR_PARSE; /* bytes after the terminating NUL */
    }
    for (size_t i = 0; i < n; i++) {
        if (!is_token_char(e->data[i]))
            return ERR_PARSE;
    }
    if (n + 1 > cap)
        return ERR_TOOBIG;
    memcpy(out, e->data, n);
    out[n] = '\0';
    return 0;
}

int rtp_ext_read_audio_level(const struct rtp_ext_elem *e, bool *voice, uint8_t *level)
{
    if (e->len < 1)
        return ERR_PARSE;
    *voice = (e->data[0] & 0x80) != 0;
    *level = e->data[0] & 0x7f;
    return 0;
}

int rtp_ext_read_twcc_seq(const struct rtp_ext_elem *e, uint16_t *seq)
{
    if (e->len != 2)
        return ERR_PARSE;
    *seq = (uint16_t)((unsigned)e->data[0] << 8 | e->data[1]);
    return 0;
}

int rtp_ext_read_abs_send_time(const struct rtp_ext_elem *e, uint32_t *ast24)
{
    if (e->len != 3)
        return ERR_PARSE;
    *ast24 = (uint32_t)e->data[0] << 16 | (uint32_t)e->data[1] << 8 | e->data[2];
    return 0;
}

uint32_t rtp_abs_send_time_from_us(uint64_t us)
{
    uint64_t sec = us / 1000000, frac = us % 1000000;
    uint64_t v = (sec << 18) + ((frac << 18) + 500000) / 1000000;

    return (uint32_t)(v & 0xffffff);
}

int rtp_ext_read_video_orientation(const struct rtp_ext_elem *e, struct rtp_video_orientation *out)
{
    if (e->len < 1)
        return ERR_PARSE;
    out->back_camera = (e->data[0] & 0x08) != 0;
    out->flip = (e->data[0] & 0x04) != 0;
    out->rotation = (uint16_t)((e->data[0] & 0x03) * 90);
    return 0;
}

/* ---- fixed-header rewriting ---- */

static bool can_rewrite(const uint8_t *buf, size_t len)
{
    return buf != NULL && len >= RTP_HEADER_MIN && buf[0] >> 6 == RTP_VERSION;
}

int rtp_set_ssrc(uint8_t *buf, size_t len, uint32_t ssrc)
{
    if (!can_rewrite(buf, len))
        return ERR_PARSE;
    wr_put_u32(buf + 8, ssrc);
    return 0;
}

int rtp_set_seq(uint8_t *buf, size_t len, uint16_t seq)
{
    if (!can_rewrite(buf, len))
        return ERR_PARSE;
    wr_put_u16(buf + 2, seq);
    return 0;
}

int rtp_set_timestamp(uint8_t *buf, size_t len, uint32_t ts)
{
    if (!can_rewrite(buf, len))
        return ERR_PARSE;
    wr_put_u32(buf + 4, ts);
    return 0;
}

int rtp_set_pt(uint8_t *buf, size_t len, uint8_t pt)
{
    if (!can_rewrite(buf, len))
        return ERR_PARSE;
    if (pt > 127)
        return ERR_INVAL;
    buf[1] = (uint8_t)((buf[1] & 0x80) | pt);
    return 0;
}

int rtp_set_marker(uint8_t *buf, size_t len, bool marker)
{
    if (!can_rewrite(buf, len))
        return ERR_PARSE;
    buf[1] = (uint8_t)((buf[1] & 0x7f) | (marker ? 0x80 : 0));
    return 0;
}

/* ---- sequence numbers ---- */

bool rtp_seq_newer(uint16_t a, uint16_t b)
{
    uint16_t d = (uint16_t)(a - b);

    if (d == 0x8000)
        return a > b; /* exactly half-way: break the tie by value */
    return d != 0 && d < 0x8000;
}

int64_t rtp_seq_unwrap(struct rtp_seq_unwrapper *u, uint16_t seq)
{
    uint16_t last16, d;
    int64_t delta;

    if (!u->started) {
        u->started = true;
        u->last = seq;
        return u->last;
    }
    last16 = (uint16_t)((uint64_t)u->last & 0xffff);
    d = (uint16_t)(seq - last16);
    delta = rtp_seq_newer(seq, last16) ? (int64_t)d : (int64_t)d - 0x10000;
    if (d == 0)
        delta = 0;
    u->last += delta;
    return u->last;
}

/* ---- codecs ---- */

int rtp_vp8_parse(struct rtp_vp8_desc *d, const uint8_t *payload, size_t len)
{
    struct rd r;
    uint8_t b;

    memset(d, 0, sizeof(*d));
    rd_init(&r, payload, len);
    b = rd_u8(&r);
    d->non_reference = (b & 0x20) != 0;
    d->start = (b & 0x10) != 0;
    d->pid = b & 0x07;
    if (b & 0x80) {
        uint8_t x = rd_u8(&r);

        if (x & 0x80) {
            uint8_t p = rd_u8(&r);

            d->has_picture_id = true;
            if (p & 0x80) {
                d->picture_id_15 = true;
                d->picture_id = (uint16_t)((unsigned)(p & 0x7f) << 8 | rd_u8(&r));
            } else {
                d->picture_id = p;
            }
        }
        if (x & 0x40) {
            d->has_tl0picidx = true;
            d->tl0picidx = rd_u8(&r);
        }
        if (x & 0x30) {
            uint8_t t = rd_u8(&r);

            d->has_tid = (x & 0x20) != 0;
            d->has_keyidx = (x & 0x10) != 0;
            if (d->has_tid) {
                d->tid = t >> 6;
                d->layer_sync = (t & 0x20) != 0;
            }
            if (d->has_keyidx)
                d->keyidx = t & 0x1f;
        }
    }
    if (r.err || rd_left(&r) == 0)
        return ERR_PARSE;
    d->desc_len = len - rd_left(&r);
    /* The VP8 payload header (RFC 7741 4.3) starts the frame: its lowest
     * bit P is 0 for a key frame. */
    d->keyframe = d->start && d->pid == 0 && (payload[d->desc_len] & 0x01) == 0;
    return 0;
}

enum {
    H264_IDR = 5,
    H264_SPS = 7,
    H264_STAP_A = 24,
    H264_STAP_B = 25,
    H264_FU_A = 28,
    H264_FU_B = 29,
};

static bool h264_key_type(uint8_t nal_type)
{
    return nal_type == H264_IDR || nal_type == H264_SPS;
}

int rtp_h264_is_keyframe(const uint8_t *payload, size_t len, bool *keyframe)
{
    struct rd r;
    uint8_t type;
    bool key = false;

    *keyframe = false;
    rd_init(&r, payload, len);
    type = rd_u8(&r) & 0x1f;
    if (r.err)
        return ERR_PARSE;
    if (type >= 1 && type <= 23) {
        key = h264_key_type(type);
    } else if (type == H264_STAP_A || type == H264_STAP_B) {
        if (type == H264_STAP_B)
            rd_skip(&r, 2); /* DON */
        if (rd_left(&r) == 0)
            return ERR_PARSE; /* an aggregate of nothing */
        while (rd_left(&r) > 0) {
            size_t n = rd_u16(&r);
            const uint8_t *nal;

            if (r.err || n == 0)
                return ERR_PARSE;
            nal = rd_bytes(&r, n);
            if (nal == NULL)
                return ERR_PARSE;
            key = key || h264_key_type(nal[0] & 0x1f);
        }
    } else if (type == H264_FU_A || type == H264_FU_B) {
        uint8_t fu = rd_u8(&r);

        if (r.err)
            return ERR_PARSE;
        key = (fu & 0x80) != 0 && h264_key_type(fu & 0x1f);
    }
    if (r.err)
        return ERR_PARSE;
    *keyframe = key;
    return 0;
}
