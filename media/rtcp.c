/* RTCP compound iteration, SR/RR/SDES/BYE and SSRC rewriting: see rtcp.h.
 * Feedback messages are in rtcp_fb.c. */
#include "media/rtcp.h"

#include <assert.h>
#include <string.h>

#include "base/err.h"

/* ---- iteration ---- */

void rtcp_iter_init(struct rtcp_iter *it, const uint8_t *buf, size_t len)
{
    rd_init(&it->r, buf, len);
    it->err = it->r.err;
}

static bool iter_fail(struct rtcp_iter *it)
{
    rd_init(&it->r, NULL, 0);
    it->err = true;
    return false;
}

bool rtcp_iter_next(struct rtcp_iter *it, struct rtcp_block *out)
{
    struct rd r;
    uint8_t b0;
    size_t len, pad = 0;

    if (rd_left(&it->r) == 0)
        return false;
    out->data = it->r.p;
    b0 = rd_u8(&it->r);
    out->pt = rd_u8(&it->r);
    len = ((size_t)rd_u16(&it->r) + 1) * 4;
    if (it->r.err || b0 >> 6 != RTCP_VERSION)
        return iter_fail(it);
    out->padding = (b0 & 0x20) != 0;
    out->count = b0 & 0x1f;
    /* The header has been read: the rest of the packet must remain. */
    rd_init(&r, rd_bytes(&it->r, len - RTCP_HEADER_LEN), len - RTCP_HEADER_LEN);
    if (it->r.err)
        return iter_fail(it);
    out->len = len;
    out->body = r.p;
    out->body_len = rd_left(&r);
    if (out->padding) {
        /* The last byte counts the padding, itself included. */
        if (out->body_len == 0)
            return iter_fail(it);
        pad = out->data[len - 1];
        if (pad == 0 || pad > out->body_len)
            return iter_fail(it);
        out->body_len -= pad;
    }
    return true;
}

int rtcp_validate(const uint8_t *buf, size_t len)
{
    struct rtcp_iter it;
    struct rtcp_block b;
    size_t n = 0;

    rtcp_iter_init(&it, buf, len);
    while (rtcp_iter_next(&it, &b))
        n++;
    return it.err || n == 0 ? ERR_PARSE : 0;
}

/* ---- shared builder helpers ---- */

/* Claims exactly `total` bytes of w for one packet and starts a writer on
 * them with the common header written. false (w in error) if it does not fit. */
static bool begin_packet(struct wr *w, struct wr *pw, uint8_t count, uint8_t pt, size_t total)
{
    uint8_t *p;

    assert(total % 4 == 0 && total >= RTCP_HEADER_LEN && total / 4 - 1 <= 0xffff);
    p = wr_reserve(w, total);
    if (p == NULL)
        return false;
    wr_init(pw, p, total);
    wr_u8(pw, (uint8_t)(RTCP_VERSION << 6 | (count & 0x1f)));
    wr_u8(pw, pt);
    wr_u16(pw, (uint16_t)(total / 4 - 1));
    return true;
}

static void end_packet(const struct wr *pw)
{
    (void)pw;
    assert(!pw->err && pw->p == pw->end);
}

/* ---- SR / RR ---- */

static void read_report(struct rd *r, struct rtcp_report_block *rb)
{
    uint32_t lost;

    rb->ssrc = rd_u32(r);
    rb->fraction_lost = rd_u8(r);
    lost = rd_u24(r);
    /* Sign-extend 24 bits. */
    rb->cumulative_lost = (lost & 0x800000) ? (int32_t)lost - 0x1000000 : (int32_t)lost;
    rb->ext_highest_seq = rd_u32(r);
    rb->jitter = rd_u32(r);
    rb->lsr = rd_u32(r);
    rb->dlsr = rd_u32(r);
}

static void write_report(struct wr *w, const struct rtcp_report_block *rb)
{
    int32_t lost = rb->cumulative_lost;

    if (lost > 0x7fffff)
        lost = 0x7fffff;
    if (lost < -0x800000)
        lost = -0x800000;
    wr_u32(w, rb->ssrc);
    wr_u8(w, rb->fraction_lost);
    wr_u24(w, (uint32_t)lost & 0xffffff);
    wr_u32(w, rb->ext_highest_seq);
    wr_u32(w, rb->jitter);
    wr_u32(w, rb->lsr);
    wr_u32(w, rb->dlsr);
}

int rtcp_parse_sr(struct rtcp_sr *out, const struct rtcp_block *b)
{
    struct rd r;

    if (b->pt != RTCP_SR)
        return ERR_INVAL;
    rd_init(&r, b->body, b->body_len);
    out->ssrc = rd_u32(&r);
    out->ntp = rd_u64(&r);
    out->rtp_ts = rd_u32(&r);
    out->packet_count = rd_u32(&r);
    out->octet_count = rd_u32(&r);
    out->report_count = b->count;
    for (unsigned i = 0; i < b->count; i++)
        read_report(&r, &out->reports[i]);
    return r.err ? ERR_PARSE : 0;
}

int rtcp_parse_rr(struct rtcp_rr *out, const struct rtcp_block *b)
{
    struct rd r;

    if (b->pt != RTCP_RR)
        return ERR_INVAL;
    rd_init(&r, b->body, b->body_len);
    out->ssrc = rd_u32(&r);
    out->report_count = b->count;
    for (unsigned i = 0; i < b->count; i++)
        read_report(&r, &out->reports[i]);
    return r.err ? ERR_PARSE : 0;
}

int rtcp_build_sr(struct wr *w, const struct rtcp_sr *sr)
{
    struct wr pw;

    if (sr->report_count > RTCP_MAX_REPORT_BLOCKS)
        return ERR_INVAL;
    if (!begin_packet(w, &pw, sr->report_count, RTCP_SR, 28 + 24 * (size_t)sr->report_count))
        return ERR_TOOBIG;
    wr_u32(&pw, sr->ssrc);
    wr_u64(&pw, sr->ntp);
    wr_u32(&pw, sr->rtp_ts);
    wr_u32(&pw, sr->packet_count);
    wr_u32(&pw, sr->octet_count);
    for (unsigned i = 0; i < sr->report_count; i++)
        write_report(&pw, &sr->reports[i]);
    end_packet(&pw);
    return 0;
}

int rtcp_build_rr(struct wr *w, const struct rtcp_rr *rr)
{
    struct wr pw;

    if (rr->report_count > RTCP_MAX_REPORT_BLOCKS)
        return ERR_INVAL;
    if (!begin_packet(w, &pw, rr->report_count, RTCP_RR, 8 + 24 * (size_t)rr->report_count))
        return ERR_TOOBIG;
    wr_u32(&pw, rr->ssrc);
    for (unsigned i = 0; i < rr->report_count; i++)
        write_report(&pw, &rr->reports[i]);
    end_packet(&pw);
    return 0;
}

/* ---- SDES ---- */

/* Walks the chunks of an SDES packet. For each chunk, chunk_fn gets the
 * position of its SSRC; for each item, item_fn gets the item. Either may be
 * NULL. Stops at the first error. */
struct sdes_walk {
    void (*chunk_fn)(void *arg, unsigned index, const uint8_t *ssrc_at);
    void (*item_fn)(void *arg, unsigned index, uint32_t ssrc, uint8_t type, const uint8_t *data,
                    uint8_t len);
    void *arg;
};

static int sdes_walk(const struct rtcp_block *b, const struct sdes_walk *cb)
{
    struct rd r;

    if (b->pt != RTCP_SDES)
        return ERR_INVAL;
    rd_init(&r, b->body, b->body_len);
    for (unsigned c = 0; c < b->count; c++) {
        const uint8_t *ssrc_at = r.p;
        uint32_t ssrc = rd_u32(&r);
        unsigned items = 0;
        size_t used;

        if (r.err)
            return ERR_PARSE;
        if (cb->chunk_fn != NULL)
            cb->chunk_fn(cb->arg, c, ssrc_at);
        for (;;) {
            uint8_t type = rd_u8(&r);
            uint8_t len;
            const uint8_t *data;

            if (r.err)
                return ERR_PARSE;
            if (type == RTCP_SDES_END)
                break;
            len = rd_u8(&r);
            data = rd_bytes(&r, len);
            if (r.err)
                return ERR_PARSE;
            if (++items > RTCP_MAX_SDES_ITEMS)
                return ERR_TOOBIG;
            if (cb->item_fn != NULL)
                cb->item_fn(cb->arg, c, ssrc, type, data, len);
        }
        /* Null octets up to the next 32-bit boundary end the chunk. */
        used = b->body_len - rd_left(&r);
        rd_skip(&r, (4 - used % 4) % 4);
        if (r.err)
            return ERR_PARSE;
    }
    return 0;
}

struct sdes_collect {
    struct rtcp_sdes *out;
    rtcp_sdes_item_fn item_fn;
    void *arg;
};

static void sdes_collect_chunk(void *arg, unsigned index, const uint8_t *ssrc_at)
{
    struct sdes_collect *sc = arg;
    struct rtcp_sdes_chunk *ch = &sc->out->chunks[index];

    ch->ssrc = (uint32_t)ssrc_at[0] << 24 | (uint32_t)ssrc_at[1] << 16 | (uint32_t)ssrc_at[2] << 8 |
               ssrc_at[3];
    ch->cname = NULL;
    ch->cname_len = 0;
    ch->item_count = 0;
    sc->out->chunk_count = (uint8_t)(index + 1);
}

static void sdes_collect_item(void *arg, unsigned index, uint32_t ssrc, uint8_t type,
                              const uint8_t *data, uint8_t len)
{
    struct sdes_collect *sc = arg;
    struct rtcp_sdes_chunk *ch = &sc->out->chunks[index];

    ch->item_count++;
    if (type == RTCP_SDES_CNAME && ch->cname == NULL) {
        ch->cname = data;
        ch->cname_len = len;
    }
    if (sc->item_fn != NULL)
        sc->item_fn(sc->arg, ssrc, type, data, len);
}

int rtcp_parse_sdes(struct rtcp_sdes *out, const struct rtcp_block *b, rtcp_sdes_item_fn item_fn,
                    void *arg)
{
    struct sdes_walk check = {0};
    struct sdes_collect sc = {out, item_fn, arg};
    struct sdes_walk collect = {sdes_collect_chunk, sdes_collect_item, &sc};
    int rc;

    out->chunk_count = 0;
    /* Check the whole packet before anything reaches the caller. */
    rc = sdes_walk(b, &check);
    if (rc < 0)
        return rc;
    return sdes_walk(b, &collect);
}

int rtcp_build_sdes_cname(struct wr *w, uint32_t ssrc, const char *cname, size_t len)
{
    struct wr pw;
    size_t items, total;

    if (len == 0 || len > 255 || cname == NULL)
        return ERR_INVAL;
    items = 2 + len + 1;         /* CNAME item and the null item */
    items = (items + 3) / 4 * 4; /* padded to 32 bits */
    total = RTCP_HEADER_LEN + 4 + items;
    if (!begin_packet(w, &pw, 1, RTCP_SDES, total))
        return ERR_TOOBIG;
    wr_u32(&pw, ssrc);
    wr_u8(&pw, RTCP_SDES_CNAME);
    wr_u8(&pw, (uint8_t)len);
    wr_bytes(&pw, cname, len);
    wr_zero(&pw, items - 2 - len);
    end_packet(&pw);
    return 0;
}

/* ---- BYE ---- */

int rtcp_parse_bye(struct rtcp_bye *out, const struct rtcp_block *b)
{
    struct rd r;

    if (b->pt != RTCP_BYE)
        return ERR_INVAL;
    rd_init(&r, b->body, b->body_len);
    out->ssrc_count = b->count;
    out->reason = NULL;
    out->reason_len = 0;
    for (unsigned i = 0; i < b->count; i++)
        out->ssrcs[i] = rd_u32(&r);
    if (rd_left(&r) > 0) {
        out->reason_len = rd_u8(&r);
        out->reason = rd_bytes(&r, out->reason_len);
    }
    if (r.err) {
        out->reason = NULL;
        out->reason_len = 0;
        return ERR_PARSE;
    }
    return 0;
}

int rtcp_build_bye(struct wr *w, const uint32_t *ssrcs, size_t n, const char *reason,
                   size_t reason_len)
{
    struct wr pw;
    size_t rlen = 0, total;

    if (n > RTCP_MAX_COUNT || reason_len > 255 || (reason == NULL && reason_len > 0) ||
        (ssrcs == NULL && n > 0))
        return ERR_INVAL;
    if (reason != NULL)
        rlen = (1 + reason_len + 3) / 4 * 4;
    total = RTCP_HEADER_LEN + 4 * n + rlen;
    if (!begin_packet(w, &pw, (uint8_t)n, RTCP_BYE, total))
        return ERR_TOOBIG;
    for (size_t i = 0; i < n; i++)
        wr_u32(&pw, ssrcs[i]);
    if (reason != NULL) {
        wr_u8(&pw, (uint8_t)reason_len);
        wr_bytes(&pw, reason, reason_len);
        wr_zero(&pw, rlen - 1 - reason_len);
    }
    end_packet(&pw);
    return 0;
}

/* ---- SSRC rewriting ---- */

struct rewrite {
    uint8_t *buf;
    const struct rtcp_block *b;
    rtcp_ssrc_map_fn fn;
    void *arg;
    bool write; /* false: only validate */
};

static void map_at(const struct rewrite *rw, const uint8_t *at, enum rtcp_ssrc_field field)
{
    /* `at` is a view into rw->buf: turn it back into a writable position. */
    uint8_t *p = rw->buf + (at - rw->buf);
    uint32_t old = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];

    if (rw->write)
        wr_put_u32(p, rw->fn(rw->arg, rw->b, field, old));
}

static void sdes_rewrite_chunk(void *arg, unsigned index, const uint8_t *ssrc_at)
{
    (void)index;
    map_at(arg, ssrc_at, RTCP_SSRC_SENDER);
}

static int rewrite_fb(const struct rewrite *rw)
{
    struct rtcp_fb fb;
    struct rd r;
    int rc;

    rc = rtcp_parse_fb(&fb, rw->b);
    if (rc < 0)
        return rc;
    map_at(rw, rw->b->body, RTCP_SSRC_SENDER);
    map_at(rw, rw->b->body + 4, RTCP_SSRC_MEDIA);
    rd_init(&r, fb.fci, fb.fci_len);
    if (fb.type == RTCP_FB_FIR) {
        if (fb.fci_len == 0 || fb.fci_len % 8 != 0)
            return ERR_PARSE;
        while (rd_left(&r) > 0) {
            map_at(rw, r.p, RTCP_SSRC_MEDIA);
            rd_skip(&r, 8);
        }
    } else if (fb.type == RTCP_FB_REMB) {
        size_t n;

        rd_skip(&r, 4); /* "REMB" */
        n = rd_u8(&r);
        rd_skip(&r, 3); /* exponent and mantissa */
        if (r.err || rd_left(&r) != 4 * n)
            return ERR_PARSE;
        for (size_t i = 0; i < n; i++)
            map_at(rw, r.p + 4 * i, RTCP_SSRC_MEDIA);
    }
    return 0;
}

static int rewrite_block(const struct rewrite *rw)
{
    const struct rtcp_block *b = rw->b;
    size_t off;

    switch (b->pt) {
    case RTCP_SR:
    case RTCP_RR:
        off = b->pt == RTCP_SR ? 24 : 4;
        if (b->body_len < off + 24 * (size_t)b->count)
            return ERR_PARSE;
        map_at(rw, b->body, RTCP_SSRC_SENDER);
        for (size_t i = 0; i < b->count; i++)
            map_at(rw, b->body + off + 24 * i, RTCP_SSRC_MEDIA);
        return 0;
    case RTCP_SDES: {
        struct sdes_walk cb = {sdes_rewrite_chunk, NULL, (void *)rw};

        return sdes_walk(b, &cb);
    }
    case RTCP_BYE:
        if (b->body_len < 4 * (size_t)b->count)
            return ERR_PARSE;
        for (size_t i = 0; i < b->count; i++)
            map_at(rw, b->body + 4 * i, RTCP_SSRC_SENDER);
        return 0;
    case RTCP_APP:
        if (b->body_len < 8)
            return ERR_PARSE;
        map_at(rw, b->body, RTCP_SSRC_SENDER);
        return 0;
    case RTCP_RTPFB:
    case RTCP_PSFB:
        return rewrite_fb(rw);
    default:
        return 0;
    }
}

static int rewrite_pass(uint8_t *buf, size_t len, rtcp_ssrc_map_fn fn, void *arg, bool write)
{
    struct rtcp_iter it;
    struct rtcp_block b;
    struct rewrite rw = {buf, &b, fn, arg, write};
    size_t n = 0;
    int rc;

    rtcp_iter_init(&it, buf, len);
    while (rtcp_iter_next(&it, &b)) {
        rc = rewrite_block(&rw);
        if (rc < 0)
            return rc;
        n++;
    }
    return it.err || n == 0 ? ERR_PARSE : 0;
}

int rtcp_rewrite_ssrcs(uint8_t *buf, size_t len, rtcp_ssrc_map_fn fn, void *arg)
{
    int rc;

    if (fn == NULL)
        return ERR_INVAL;
    rc = rewrite_pass(buf, len, fn, arg, false);
    if (rc < 0)
        return rc;
    return rewrite_pass(buf, len, fn, arg, true);
}
