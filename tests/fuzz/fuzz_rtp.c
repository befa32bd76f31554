/* Fuzz target for media/rtp.c: parse, iterate and read extensions, run the
 * keyframe detectors, and rewrite a copy in place, checking that the
 * rewritten packet parses the same way with the new values. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "media/rtp.h"
#include "base/err.h"
#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void within(const uint8_t *p, size_t n, const uint8_t *base, size_t len)
{
    if (n == 0)
        return;
    CHECK(p >= base && (size_t)(p - base) <= len && n <= len - (size_t)(p - base));
}

static void read_elem(const struct rtp_ext_elem *e)
{
    char s[RTP_EXT_STR_MAX + 1];
    struct rtp_video_orientation vo;
    bool voice;
    uint8_t level;
    uint16_t seq;
    uint32_t ast;

    if (rtp_ext_read_string(e, s, sizeof(s)) == 0)
        CHECK(strlen(s) >= 1 && strlen(s) <= e->len);
    (void)rtp_ext_read_string(e, s, 2);
    if (rtp_ext_read_audio_level(e, &voice, &level) == 0)
        CHECK(level <= 127);
    (void)rtp_ext_read_twcc_seq(e, &seq);
    if (rtp_ext_read_abs_send_time(e, &ast) == 0)
        CHECK(ast <= 0xffffff);
    if (rtp_ext_read_video_orientation(e, &vo) == 0)
        CHECK(vo.rotation <= 270 && vo.rotation % 90 == 0);
}

static void codecs(const uint8_t *p, size_t n)
{
    struct rtp_vp8_desc d;
    bool key;

    if (rtp_vp8_parse(&d, p, n) == 0) {
        CHECK(d.desc_len >= 1 && d.desc_len < n && d.desc_len <= 6);
        CHECK(!d.keyframe || (d.start && d.pid == 0));
    }
    if (rtp_h264_is_keyframe(p, n, &key) != 0)
        CHECK(!key);
}

/* Rewrites every field and every extension element of a copy, then checks
 * the copy parses to the same shape with the new values. */
static void rewrite(const uint8_t *data, size_t size, const struct rtp_packet *pkt)
{
    uint8_t *copy = malloc(size);
    struct rtp_packet again;
    struct rtp_ext_iter it;
    struct rtp_ext_elem e, found;
    uint8_t val[256];

    if (copy == NULL)
        return;
    memcpy(copy, data, size);
    CHECK(rtp_set_ssrc(copy, size, ~pkt->ssrc) == 0);
    CHECK(rtp_set_seq(copy, size, (uint16_t)(pkt->seq + 1)) == 0);
    CHECK(rtp_set_timestamp(copy, size, pkt->timestamp + 3000) == 0);
    CHECK(rtp_set_pt(copy, size, (uint8_t)((pkt->pt + 1) & 0x7f)) == 0);
    CHECK(rtp_set_marker(copy, size, !pkt->marker) == 0);
    CHECK(rtp_parse(&again, copy, size) == 0);
    CHECK(again.ssrc == ~pkt->ssrc && again.seq == (uint16_t)(pkt->seq + 1));
    CHECK(again.timestamp == pkt->timestamp + 3000 && again.marker == !pkt->marker);
    CHECK(again.pt == ((pkt->pt + 1) & 0x7f));
    CHECK(again.header_len == pkt->header_len && again.payload_len == pkt->payload_len);

    /* Elements: write the complement of the first element with each id. */
    rtp_ext_iter_init(&it, &again);
    while (rtp_ext_next(&it, &e)) {
        struct rtp_packet cur;

        CHECK(rtp_parse(&cur, copy, size) == 0);
        if (rtp_ext_find(&cur, e.id, &found) != 0 || found.data != e.data)
            continue; /* a later element with a repeated id */
        for (size_t i = 0; i < e.len; i++)
            val[i] = (uint8_t)~e.data[i];
        CHECK(rtp_ext_set(copy, size, e.id, val, e.len) == 0);
        CHECK(memcmp(e.data, val, e.len) == 0);
        if (e.len < 255)
            CHECK(rtp_ext_set(copy, size, e.id, val, (size_t)e.len + 1) == ERR_PROTO);
    }
    /* Element headers were not touched: still the same shape. */
    CHECK(rtp_parse(&again, copy, size) == 0);
    CHECK(again.header_len == pkt->header_len && again.payload_len == pkt->payload_len);
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rtp_packet pkt;
    struct rtp_ext_iter it;
    struct rtp_ext_elem e;
    struct rtp_seq_unwrapper u = {0};
    int64_t prev = 0;

    (void)rtp_is_rtp(data, size);
    (void)rtp_is_rtcp(data, size);
    codecs(data, size);

    /* Sequence arithmetic over the input read as 16-bit numbers. */
    for (size_t i = 0; i + 1 < size && i < 64; i += 2) {
        uint16_t s = (uint16_t)(data[i] << 8 | data[i + 1]);
        int64_t v = rtp_seq_unwrap(&u, s);

        CHECK((uint16_t)((uint64_t)v & 0xffff) == s);
        if (i > 0)
            CHECK((v > prev) == rtp_seq_newer(s, (uint16_t)((uint64_t)prev & 0xffff)));
        prev = v;
    }

    if (rtp_parse(&pkt, data, size) != 0)
        return 0;
    CHECK(pkt.header_len + pkt.payload_len + pkt.padding_len == size);
    within(pkt.payload, pkt.payload_len, data, size);
    within(pkt.ext, pkt.ext_len, data, size);
    CHECK(pkt.csrc_count <= RTP_MAX_CSRC && pkt.pt <= 127);

    rtp_ext_iter_init(&it, &pkt);
    while (rtp_ext_next(&it, &e)) {
        within(e.data, e.len, pkt.ext, pkt.ext_len);
        read_elem(&e);
    }
    if (pkt.payload_len > 0)
        (void)rtp_ext_find(&pkt, pkt.payload[0], &e);
    codecs(pkt.payload, pkt.payload_len);
    rewrite(data, size, &pkt);
    return 0;
}
