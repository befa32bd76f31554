/* RTCP feedback messages (RFC 4585, RFC 5104, REMB, transport-cc): see
 * rtcp.h. Part of the rtcp module; the iterator lives in rtcp.c. */
#include "media/rtcp.h"

#include <assert.h>
#include <string.h>

#include "base/err.h"

static const uint8_t remb_id[4] = {'R', 'E', 'M', 'B'};

/* Claims exactly `total` bytes of w for one feedback packet and writes the
 * common header and both SSRCs. false (w in error) if it does not fit. */
static bool begin_fb(struct wr *w, struct wr *pw, uint8_t fmt, uint8_t pt, size_t total,
                     uint32_t sender_ssrc, uint32_t media_ssrc)
{
    uint8_t *p;

    assert(total % 4 == 0 && total >= 12 && total / 4 - 1 <= 0xffff);
    p = wr_reserve(w, total);
    if (p == NULL)
        return false;
    wr_init(pw, p, total);
    wr_u8(pw, (uint8_t)(RTCP_VERSION << 6 | (fmt & 0x1f)));
    wr_u8(pw, pt);
    wr_u16(pw, (uint16_t)(total / 4 - 1));
    wr_u32(pw, sender_ssrc);
    wr_u32(pw, media_ssrc);
    return true;
}

static void end_fb(const struct wr *pw)
{
    (void)pw;
    assert(!pw->err && pw->p == pw->end);
}

int rtcp_parse_fb(struct rtcp_fb *out, const struct rtcp_block *b)
{
    struct rd r;

    memset(out, 0, sizeof(*out));
    if (b->pt != RTCP_RTPFB && b->pt != RTCP_PSFB)
        return ERR_INVAL;
    rd_init(&r, b->body, b->body_len);
    out->pt = b->pt;
    out->fmt = b->count;
    out->sender_ssrc = rd_u32(&r);
    out->media_ssrc = rd_u32(&r);
    if (r.err)
        return ERR_PARSE;
    out->fci_len = rd_left(&r);
    out->fci = rd_bytes(&r, out->fci_len);
    if (b->pt == RTCP_RTPFB && out->fmt == RTCP_RTPFB_NACK)
        out->type = RTCP_FB_NACK;
    else if (b->pt == RTCP_RTPFB && out->fmt == RTCP_RTPFB_TWCC)
        out->type = RTCP_FB_TWCC;
    else if (b->pt == RTCP_PSFB && out->fmt == RTCP_PSFB_PLI)
        out->type = RTCP_FB_PLI;
    else if (b->pt == RTCP_PSFB && out->fmt == RTCP_PSFB_FIR)
        out->type = RTCP_FB_FIR;
    else if (b->pt == RTCP_PSFB && out->fmt == RTCP_PSFB_AFB && out->fci_len >= 4 &&
             memcmp(out->fci, remb_id, 4) == 0)
        out->type = RTCP_FB_REMB;
    return 0;
}

/* ---- generic NACK ---- */

static int nack_check(const struct rtcp_fb *fb)
{
    if (fb->type != RTCP_FB_NACK)
        return ERR_INVAL;
    if (fb->fci_len == 0 || fb->fci_len % 4 != 0)
        return ERR_PARSE;
    if (fb->fci_len / 4 > RTCP_MAX_NACK_PAIRS)
        return ERR_TOOBIG;
    return 0;
}

/* The sequence numbers one PID+BLP pair stands for; returns how many. */
static size_t nack_pair(const uint8_t *fci, uint16_t out[17])
{
    uint16_t pid = (uint16_t)((unsigned)fci[0] << 8 | fci[1]);
    unsigned blp = (unsigned)fci[2] << 8 | fci[3];
    size_t n = 0;

    out[n++] = pid;
    for (unsigned bit = 0; bit < 16; bit++) {
        if (blp & (1u << bit))
            out[n++] = (uint16_t)(pid + bit + 1);
    }
    return n;
}

int rtcp_nack_foreach(const struct rtcp_fb *fb, rtcp_nack_fn fn, void *arg)
{
    uint16_t seqs[17];
    int rc = nack_check(fb);

    if (rc < 0)
        return rc;
    for (size_t off = 0; off < fb->fci_len; off += 4) {
        size_t n = nack_pair(fb->fci + off, seqs);

        for (size_t i = 0; i < n; i++)
            fn(arg, seqs[i]);
    }
    return 0;
}

int rtcp_parse_nack(const struct rtcp_fb *fb, uint16_t *seqs, size_t cap, size_t *count)
{
    size_t total = 0;
    int rc = nack_check(fb);

    *count = 0;
    if (rc < 0)
        return rc;
    for (size_t off = 0; off < fb->fci_len; off += 4) {
        unsigned blp = (unsigned)fb->fci[off + 2] << 8 | fb->fci[off + 3];

        total += 1;
        for (; blp != 0; blp &= blp - 1)
            total++;
    }
    if (total > cap)
        return ERR_TOOBIG;
    for (size_t off = 0; off < fb->fci_len; off += 4)
        *count += nack_pair(fb->fci + off, seqs + *count);
    return 0;
}

int rtcp_build_nack(struct wr *w, uint32_t sender_ssrc, uint32_t media_ssrc, const uint16_t *lost,
                    size_t n)
{
    uint16_t pid[RTCP_MAX_NACK_PAIRS], blp[RTCP_MAX_NACK_PAIRS];
    size_t pairs = 0;
    struct wr pw;

    if (lost == NULL || n == 0)
        return ERR_INVAL;
    for (size_t i = 0; i < n; i++) {
        if (pairs > 0) {
            uint16_t d = (uint16_t)(lost[i] - pid[pairs - 1]);

            if (d == 0)
                continue;
            if (d <= 16) {
                blp[pairs - 1] = (uint16_t)(blp[pairs - 1] | 1u << (d - 1));
                continue;
            }
        }
        if (pairs == RTCP_MAX_NACK_PAIRS)
            return ERR_TOOBIG;
        pid[pairs] = lost[i];
        blp[pairs] = 0;
        pairs++;
    }
    if (!begin_fb(w, &pw, RTCP_RTPFB_NACK, RTCP_RTPFB, 12 + 4 * pairs, sender_ssrc, media_ssrc))
        return ERR_TOOBIG;
    for (size_t i = 0; i < pairs; i++) {
        wr_u16(&pw, pid[i]);
        wr_u16(&pw, blp[i]);
    }
    end_fb(&pw);
    return 0;
}

/* ---- PLI, FIR ---- */

int rtcp_build_pli(struct wr *w, uint32_t sender_ssrc, uint32_t media_ssrc)
{
    struct wr pw;

    if (!begin_fb(w, &pw, RTCP_PSFB_PLI, RTCP_PSFB, 12, sender_ssrc, media_ssrc))
        return ERR_TOOBIG;
    end_fb(&pw);
    return 0;
}

int rtcp_parse_fir(struct rtcp_fir *out, const struct rtcp_fb *fb)
{
    struct rd r;
    size_t n;

    out->count = 0;
    if (fb->type != RTCP_FB_FIR)
        return ERR_INVAL;
    if (fb->fci_len == 0 || fb->fci_len % 8 != 0)
        return ERR_PARSE;
    n = fb->fci_len / 8;
    if (n > RTCP_MAX_FIR_ENTRIES)
        return ERR_TOOBIG;
    out->sender_ssrc = fb->sender_ssrc;
    rd_init(&r, fb->fci, fb->fci_len);
    for (size_t i = 0; i < n; i++) {
        out->entries[i].ssrc = rd_u32(&r);
        out->entries[i].seq = rd_u8(&r);
        rd_skip(&r, 3); /* reserved */
    }
    if (r.err)
        return ERR_PARSE;
    out->count = (uint8_t)n;
    return 0;
}

int rtcp_build_fir(struct wr *w, uint32_t sender_ssrc, const struct rtcp_fir_entry *entries,
                   size_t n)
{
    struct wr pw;

    if (entries == NULL || n == 0)
        return ERR_INVAL;
    if (n > RTCP_MAX_FIR_ENTRIES)
        return ERR_TOOBIG;
    /* RFC 5104 4.3.1.2: the media source SSRC field is 0. */
    if (!begin_fb(w, &pw, RTCP_PSFB_FIR, RTCP_PSFB, 12 + 8 * n, sender_ssrc, 0))
        return ERR_TOOBIG;
    for (size_t i = 0; i < n; i++) {
        wr_u32(&pw, entries[i].ssrc);
        wr_u8(&pw, entries[i].seq);
        wr_zero(&pw, 3);
    }
    end_fb(&pw);
    return 0;
}

/* ---- REMB ---- */

int rtcp_parse_remb(struct rtcp_remb *out, const struct rtcp_fb *fb)
{
    struct rd r;
    size_t n;
    uint32_t v;
    unsigned exp;
    uint64_t mantissa;

    out->ssrc_count = 0;
    out->bitrate_bps = 0;
    if (fb->type != RTCP_FB_REMB)
        return ERR_INVAL;
    rd_init(&r, fb->fci, fb->fci_len);
    rd_skip(&r, 4); /* "REMB" */
    n = rd_u8(&r);
    v = rd_u24(&r);
    if (r.err || rd_left(&r) != 4 * n)
        return ERR_PARSE;
    if (n > RTCP_MAX_REMB_SSRCS)
        return ERR_TOOBIG;
    exp = v >> 18;
    mantissa = v & 0x3ffff;
    if (exp > 46 && (mantissa >> (64 - exp)) != 0)
        return ERR_PARSE; /* does not fit 64 bits */
    out->sender_ssrc = fb->sender_ssrc;
    out->bitrate_bps = mantissa << exp;
    for (size_t i = 0; i < n; i++)
        out->ssrcs[i] = rd_u32(&r);
    out->ssrc_count = (uint8_t)n;
    return 0;
}

int rtcp_build_remb(struct wr *w, uint32_t sender_ssrc, uint64_t bitrate_bps, const uint32_t *ssrcs,
                    size_t n)
{
    struct wr pw;
    unsigned exp = 0;

    if (ssrcs == NULL && n > 0)
        return ERR_INVAL;
    if (n > RTCP_MAX_REMB_SSRCS)
        return ERR_TOOBIG;
    while ((bitrate_bps >> exp) > 0x3ffff)
        exp++;
    if (!begin_fb(w, &pw, RTCP_PSFB_AFB, RTCP_PSFB, 20 + 4 * n, sender_ssrc, 0))
        return ERR_TOOBIG;
    wr_bytes(&pw, remb_id, sizeof(remb_id));
    wr_u8(&pw, (uint8_t)n);
    wr_u24(&pw, (uint32_t)(exp << 18 | (bitrate_bps >> exp)));
    for (size_t i = 0; i < n; i++)
        wr_u32(&pw, ssrcs[i]);
    end_fb(&pw);
    return 0;
}

/* ---- transport-cc ---- */

enum {
    TWCC_NOT_RECEIVED = 0,
    TWCC_SMALL = 1, /* received, 1-byte delta */
    TWCC_LARGE = 2, /* received, 2-byte signed delta */
    TWCC_RESERVED = 3,
};

static int32_t s16(uint16_t v)
{
    return v >= 0x8000 ? (int32_t)v - 0x10000 : (int32_t)v;
}

/* Stores one status symbol (in delta_us until deltas are read). */
static int twcc_sym(struct rtcp_twcc_pkt *pkts, size_t *i, size_t count, uint16_t base,
                    unsigned sym)
{
    if (*i >= count)
        return 0; /* past the status count: chunk padding */
    if (sym == TWCC_RESERVED)
        return ERR_PARSE;
    pkts[*i].seq = (uint16_t)(base + *i);
    pkts[*i].received = sym != TWCC_NOT_RECEIVED;
    pkts[*i].delta_us = (int32_t)sym;
    (*i)++;
    return 0;
}

int rtcp_parse_twcc(struct rtcp_twcc *out, struct rtcp_twcc_pkt *pkts, size_t cap,
                    const struct rtcp_fb *fb)
{
    struct rd r;
    uint32_t ref;
    size_t count, i = 0;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    if (fb->type != RTCP_FB_TWCC)
        return ERR_INVAL;
    rd_init(&r, fb->fci, fb->fci_len);
    out->base_seq = rd_u16(&r);
    out->status_count = rd_u16(&r);
    ref = rd_u24(&r);
    out->ref_time = (ref & 0x800000) ? (int32_t)ref - 0x1000000 : (int32_t)ref;
    out->fb_count = rd_u8(&r);
    count = out->status_count;
    if (r.err || count == 0)
        return ERR_PARSE;
    if (count > cap)
        return ERR_TOOBIG;
    while (i < count && rc == 0) {
        uint16_t c = rd_u16(&r);

        if (r.err)
            return ERR_PARSE;
        if (!(c & 0x8000)) {
            /* Run length: T=0, S (2 bits), length (13 bits). */
            unsigned sym = (c >> 13) & 3;
            size_t run = c & 0x1fff;

            if (sym == TWCC_RESERVED)
                return ERR_PARSE;
            if (run > count - i)
                run = count - i;
            for (size_t k = 0; k < run; k++)
                rc = twcc_sym(pkts, &i, count, out->base_seq, sym);
        } else if (!(c & 0x4000)) {
            /* Status vector, 14 one-bit symbols. */
            for (unsigned k = 0; k < 14 && rc == 0; k++)
                rc = twcc_sym(pkts, &i, count, out->base_seq, (c >> (13 - k)) & 1);
        } else {
            /* Status vector, 7 two-bit symbols. */
            for (unsigned k = 0; k < 7 && rc == 0; k++)
                rc = twcc_sym(pkts, &i, count, out->base_seq, (c >> (12 - 2 * k)) & 3);
        }
    }
    if (rc < 0)
        return rc;
    for (i = 0; i < count; i++) {
        int32_t sym = pkts[i].delta_us, d = 0;

        if (sym == TWCC_SMALL)
            d = rd_u8(&r);
        else if (sym == TWCC_LARGE)
            d = s16(rd_u16(&r));
        pkts[i].delta_us = d * RTCP_TWCC_DELTA_US;
        if (pkts[i].received)
            out->received++;
    }
    /* Whatever follows the deltas is padding. */
    return r.err ? ERR_PARSE : 0;
}

static int64_t twcc_ticks(int64_t us)
{
    return us / RTCP_TWCC_DELTA_US; /* us >= 0: rounds down */
}

/* Greedy chunk choice over the status symbols; returns the chunk count. */
static size_t twcc_chunks(const uint8_t *sym, size_t count, uint16_t *chunks)
{
    size_t i = 0, n = 0;

    while (i < count) {
        size_t rem = count - i, run = 1, k;
        bool small = true;
        uint16_t c;

        while (run < rem && run < 0x1fff && sym[i + run] == sym[i])
            run++;
        if (run >= 14 || run == rem) {
            c = (uint16_t)((unsigned)sym[i] << 13 | (unsigned)run);
            i += run;
        } else {
            k = rem < 14 ? rem : 14;
            for (size_t j = 0; j < k; j++)
                small = small && sym[i + j] <= TWCC_SMALL;
            if (small) {
                c = 0x8000;
                for (size_t j = 0; j < k; j++)
                    c = (uint16_t)(c | sym[i + j] << (13 - j));
            } else {
                k = rem < 7 ? rem : 7;
                c = 0xc000;
                for (size_t j = 0; j < k; j++)
                    c = (uint16_t)(c | sym[i + j] << (12 - 2 * j));
            }
            i += k;
        }
        chunks[n++] = c;
    }
    return n;
}

int rtcp_build_twcc(struct wr *w, uint32_t sender_ssrc, uint32_t media_ssrc, uint8_t fb_count,
                    const struct rtcp_twcc_recv *recv, size_t n)
{
    uint8_t sym[RTCP_TWCC_MAX_STATUS];
    uint16_t chunks[RTCP_TWCC_MAX_STATUS / 7 + 2];
    size_t count, nchunks, delta_bytes = 0, body, total;
    int64_t ref, prev;
    uint16_t base;
    struct wr pw;

    if (recv == NULL || n == 0)
        return ERR_INVAL;
    base = recv[0].seq;
    count = (size_t)(uint16_t)(recv[n - 1].seq - base) + 1;
    if (count > RTCP_TWCC_MAX_STATUS)
        return ERR_TOOBIG;
    memset(sym, TWCC_NOT_RECEIVED, count);
    ref = recv[0].arrival_us / RTCP_TWCC_REF_US;
    prev = ref * (RTCP_TWCC_REF_US / RTCP_TWCC_DELTA_US);
    for (size_t i = 0; i < n; i++) {
        size_t off = (uint16_t)(recv[i].seq - base);
        int64_t ticks, d;

        if (recv[i].arrival_us < 0 || off >= count ||
            (i > 0 && off <= (uint16_t)(recv[i - 1].seq - base)))
            return ERR_INVAL;
        ticks = twcc_ticks(recv[i].arrival_us);
        d = ticks - prev;
        prev = ticks;
        if (d >= 0 && d <= 0xff) {
            sym[off] = TWCC_SMALL;
        } else if (d >= -0x8000 && d <= 0x7fff) {
            sym[off] = TWCC_LARGE;
        } else {
            return ERR_TOOBIG;
        }
        delta_bytes += sym[off];
    }
    nchunks = twcc_chunks(sym, count, chunks);
    body = 8 + 2 * nchunks + delta_bytes;
    total = 12 + (body + 3) / 4 * 4;
    if (!begin_fb(w, &pw, RTCP_RTPFB_TWCC, RTCP_RTPFB, total, sender_ssrc, media_ssrc))
        return ERR_TOOBIG;
    wr_u16(&pw, base);
    wr_u16(&pw, (uint16_t)count);
    wr_u24(&pw, (uint32_t)((uint64_t)ref & 0xffffff));
    wr_u8(&pw, fb_count);
    for (size_t i = 0; i < nchunks; i++)
        wr_u16(&pw, chunks[i]);
    prev = ref * (RTCP_TWCC_REF_US / RTCP_TWCC_DELTA_US);
    for (size_t i = 0; i < n; i++) {
        int64_t ticks = twcc_ticks(recv[i].arrival_us), d = ticks - prev;

        prev = ticks;
        if (d >= 0 && d <= 0xff)
            wr_u8(&pw, (uint8_t)d);
        else
            wr_u16(&pw, (uint16_t)(uint64_t)d);
    }
    wr_zero(&pw, (body + 3) / 4 * 4 - body); /* zero padding to 32 bits */
    end_fb(&pw);
    return 0;
}
