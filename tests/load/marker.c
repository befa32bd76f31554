/* The generator's per-packet mark, carried as RTP padding (marker.h). */
#include "tests/load/marker.h"

#include <string.h>

#include "base/err.h"
#include "media/rtp.h"

static const uint8_t MAGIC[4] = {'L', 'G', 'M', '1'};

static void put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put_u32(uint8_t *p, uint32_t v)
{
    put_u16(p, (uint16_t)(v >> 16));
    put_u16(p + 2, (uint16_t)v);
}

static uint16_t get_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)get_u16(p) << 16 | get_u16(p + 2);
}

int lg_marker_append(uint8_t *pkt, size_t len, size_t cap, const struct lg_marker *m)
{
    struct rtp_packet r;

    if (rtp_parse(&r, pkt, len) < 0 || r.padding)
        return ERR_PARSE;
    if (cap < len || cap - len < LG_MARKER_PAD)
        return ERR_TOOBIG;
    uint8_t *p = pkt + len;
    memcpy(p, MAGIC, sizeof MAGIC);
    put_u32(p + 4, m->stream);
    put_u32(p + 8, m->frame);
    put_u16(p + 12, m->index);
    put_u16(p + 14, m->count);
    put_u32(p + 16, (uint32_t)(m->send_us >> 32));
    put_u32(p + 20, (uint32_t)m->send_us);
    p[24] = p[25] = p[26] = 0;
    p[27] = LG_MARKER_PAD;
    pkt[0] |= 0x20;
    return (int)(len + LG_MARKER_PAD);
}

int lg_marker_read(const uint8_t *pkt, size_t len, struct lg_marker *m, size_t *payload_len)
{
    struct rtp_packet r;

    if (rtp_parse(&r, pkt, len) < 0)
        return ERR_PARSE;
    if (payload_len)
        *payload_len = r.payload_len;
    if (!r.padding || r.padding_len != LG_MARKER_PAD)
        return ERR_NOTFOUND;
    const uint8_t *p = pkt + len - LG_MARKER_PAD;
    if (memcmp(p, MAGIC, sizeof MAGIC) != 0)
        return ERR_NOTFOUND;
    m->stream = get_u32(p + 4);
    m->frame = get_u32(p + 8);
    m->index = get_u16(p + 12);
    m->count = get_u16(p + 14);
    m->send_us = (uint64_t)get_u32(p + 16) << 32 | get_u32(p + 20);
    return 0;
}
