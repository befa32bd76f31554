#include "media/echo.h"
#include "media/rd.h"
#include "media/rtcp.h"
#include "media/rtp.h"
#include "base/err.h"

#include <string.h>

int echo_map_add(struct echo_map *m, uint32_t in, uint32_t out)
{
    if (!in || !out)
        return ERR_INVAL;
    for (size_t i = 0; i < m->n; i++)
        if (m->in[i] == in || m->out[i] == out)
            return ERR_INVAL;
    if (m->n == ECHO_MAX_STREAMS)
        return ERR_FULL;
    m->in[m->n] = in;
    m->out[m->n] = out;
    m->n++;
    return 0;
}

int echo_rtp(const struct echo_map *m, uint8_t *buf, size_t len)
{
    struct rtp_packet p;
    if (rtp_parse(&p, buf, len) < 0)
        return ERR_PARSE;
    for (size_t i = 0; i < m->n; i++)
        if (m->in[i] == p.ssrc)
            return rtp_set_ssrc(buf, len, m->out[i]);
    return ERR_NOTFOUND;
}

/* Media SSRCs of echoed streams go back to the browser's; others stay. */
static uint32_t turn_around(void *arg, const struct rtcp_block *b, enum rtcp_ssrc_field field,
                            uint32_t ssrc)
{
    (void)b;
    const struct echo_map *m = arg;
    if (field != RTCP_SSRC_MEDIA)
        return ssrc;
    for (size_t i = 0; i < m->n; i++)
        if (m->out[i] == ssrc)
            return m->in[i];
    return ssrc;
}

static bool is_echoed(const struct echo_map *m, uint32_t ssrc)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->out[i] == ssrc)
            return true;
    return false;
}

/* Whether a feedback block asks for repair of an echoed stream. */
static bool wanted(const struct echo_map *m, const struct rtcp_block *b)
{
    struct rtcp_fb fb;
    if (rtcp_parse_fb(&fb, b) < 0)
        return false;
    if (fb.type == RTCP_FB_NACK || fb.type == RTCP_FB_PLI)
        return is_echoed(m, fb.media_ssrc);
    if (fb.type == RTCP_FB_FIR) {
        struct rtcp_fir fir;
        if (rtcp_parse_fir(&fir, &fb) < 0)
            return false;
        for (size_t i = 0; i < fir.count; i++)
            if (is_echoed(m, fir.entries[i].ssrc))
                return true;
    }
    return false;
}

int echo_rtcp(const struct echo_map *m, uint32_t sender_ssrc, const uint8_t *in, size_t len,
              uint8_t *out, size_t cap)
{
    struct wr w;
    struct rtcp_rr rr = {.ssrc = sender_ssrc};
    wr_init(&w, out, cap);
    int rc = rtcp_build_rr(&w, &rr);
    if (rc < 0)
        return rc;
    size_t head = (size_t)(w.p - out);
    size_t n = head;

    struct rtcp_iter it;
    struct rtcp_block b;
    rtcp_iter_init(&it, in, len);
    while (rtcp_iter_next(&it, &b)) {
        if ((b.pt != RTCP_RTPFB && b.pt != RTCP_PSFB) || !wanted(m, &b))
            continue;
        if (b.len > cap - n)
            return ERR_TOOBIG;
        memcpy(out + n, b.data, b.len);
        n += b.len;
    }
    if (it.err)
        return ERR_PARSE;
    if (n == head)
        return 0;
    rc = rtcp_rewrite_ssrcs(out, n, turn_around, (void *)(uintptr_t)m);
    return rc < 0 ? rc : (int)n;
}
