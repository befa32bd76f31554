/* Fuzz target for media/rtcp.c and media/rtcp_fb.c: iterate the compound
 * packet, parse every block, rebuild what was parsed where a builder exists
 * and check the rebuilt packet parses to the same values; rewrite SSRCs on
 * a copy (twice with an involution: the copy must come back unchanged). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "media/rtcp.h"
#include "base/err.h"
#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out[1 << 18];

/* Parses the single packet just built into out[]. */
static void rebuilt(struct wr *w, struct rtcp_block *b)
{
    struct rtcp_iter it;
    size_t len = (size_t)(w->p - out);

    CHECK(!w->err && len % 4 == 0);
    rtcp_iter_init(&it, out, len);
    CHECK(rtcp_iter_next(&it, b));
    CHECK(b->len == len && !rtcp_iter_next(&it, b) && !it.err);
}

static bool same_report(const struct rtcp_report_block *a, const struct rtcp_report_block *b)
{
    return a->ssrc == b->ssrc && a->fraction_lost == b->fraction_lost &&
           a->cumulative_lost == b->cumulative_lost && a->ext_highest_seq == b->ext_highest_seq &&
           a->jitter == b->jitter && a->lsr == b->lsr && a->dlsr == b->dlsr;
}

static void do_sr_rr(const struct rtcp_block *b)
{
    struct rtcp_sr sr, sr2;
    struct rtcp_rr rr, rr2;
    struct rtcp_block nb;
    struct wr w;

    wr_init(&w, out, sizeof(out));
    if (rtcp_parse_sr(&sr, b) == 0) {
        CHECK(rtcp_build_sr(&w, &sr) == 0);
        rebuilt(&w, &nb);
        CHECK(rtcp_parse_sr(&sr2, &nb) == 0);
        CHECK(sr2.ssrc == sr.ssrc && sr2.ntp == sr.ntp && sr2.rtp_ts == sr.rtp_ts &&
              sr2.packet_count == sr.packet_count && sr2.octet_count == sr.octet_count &&
              sr2.report_count == sr.report_count);
        for (unsigned i = 0; i < sr.report_count; i++)
            CHECK(same_report(&sr.reports[i], &sr2.reports[i]));
    }
    if (rtcp_parse_rr(&rr, b) == 0) {
        CHECK(rtcp_build_rr(&w, &rr) == 0);
        rebuilt(&w, &nb);
        CHECK(rtcp_parse_rr(&rr2, &nb) == 0);
        CHECK(rr2.ssrc == rr.ssrc && rr2.report_count == rr.report_count);
        for (unsigned i = 0; i < rr.report_count; i++)
            CHECK(same_report(&rr.reports[i], &rr2.reports[i]));
    }
}

static void count_item(void *arg, uint32_t ssrc, uint8_t type, const uint8_t *d, uint8_t len)
{
    (void)ssrc;
    (void)d;
    (void)len;
    CHECK(type != 0);
    (*(unsigned *)arg)++;
}

static void do_sdes_bye(const struct rtcp_block *b)
{
    struct rtcp_sdes sdes, sdes2;
    struct rtcp_bye bye, bye2;
    struct rtcp_block nb;
    unsigned items = 0, want = 0;
    struct wr w;

    if (rtcp_parse_sdes(&sdes, b, count_item, &items) == 0) {
        CHECK(sdes.chunk_count == b->count);
        for (unsigned c = 0; c < sdes.chunk_count; c++) {
            want += sdes.chunks[c].item_count;
            if (sdes.chunks[c].cname == NULL || sdes.chunks[c].cname_len == 0)
                continue;
            wr_init(&w, out, sizeof(out));
            CHECK(rtcp_build_sdes_cname(&w, sdes.chunks[c].ssrc, (const char *)sdes.chunks[c].cname,
                                        sdes.chunks[c].cname_len) == 0);
            rebuilt(&w, &nb);
            CHECK(rtcp_parse_sdes(&sdes2, &nb, NULL, NULL) == 0);
            CHECK(sdes2.chunk_count == 1 && sdes2.chunks[0].ssrc == sdes.chunks[c].ssrc &&
                  sdes2.chunks[0].cname_len == sdes.chunks[c].cname_len &&
                  memcmp(sdes2.chunks[0].cname, sdes.chunks[c].cname, sdes.chunks[c].cname_len) ==
                      0);
        }
        CHECK(items == want);
    } else {
        CHECK(items == 0);
    }
    if (rtcp_parse_bye(&bye, b) == 0) {
        wr_init(&w, out, sizeof(out));
        CHECK(rtcp_build_bye(&w, bye.ssrcs, bye.ssrc_count, (const char *)bye.reason,
                             bye.reason_len) == 0);
        rebuilt(&w, &nb);
        CHECK(rtcp_parse_bye(&bye2, &nb) == 0);
        CHECK(bye2.ssrc_count == bye.ssrc_count && bye2.reason_len == bye.reason_len &&
              (bye.reason == NULL) == (bye2.reason == NULL));
        CHECK(memcmp(bye2.ssrcs, bye.ssrcs, bye.ssrc_count * sizeof(uint32_t)) == 0);
        if (bye.reason_len > 0)
            CHECK(memcmp(bye2.reason, bye.reason, bye.reason_len) == 0);
    }
}

static uint8_t seen[8192], seen2[8192];

static void do_nack(const struct rtcp_fb *fb)
{
    static uint16_t seqs[RTCP_NACK_MAX_SEQS], seqs2[RTCP_NACK_MAX_SEQS];
    size_t n, n2;
    struct rtcp_block nb;
    struct rtcp_fb fb2;
    struct wr w;
    int rc;

    if (rtcp_parse_nack(fb, seqs, RTCP_NACK_MAX_SEQS, &n) != 0)
        return;
    CHECK(n >= fb->fci_len / 4 && n <= fb->fci_len / 4 * 17);
    wr_init(&w, out, sizeof(out));
    rc = rtcp_build_nack(&w, fb->sender_ssrc, fb->media_ssrc, seqs, n);
    if (rc == ERR_TOOBIG) /* unordered input can need more pairs */
        return;
    CHECK(rc == 0);
    rebuilt(&w, &nb);
    CHECK(rtcp_parse_fb(&fb2, &nb) == 0 && fb2.type == RTCP_FB_NACK);
    CHECK(rtcp_parse_nack(&fb2, seqs2, RTCP_NACK_MAX_SEQS, &n2) == 0);
    /* The same set of sequence numbers. */
    memset(seen, 0, sizeof(seen));
    memset(seen2, 0, sizeof(seen2));
    for (size_t i = 0; i < n; i++)
        seen[seqs[i] / 8] = (uint8_t)(seen[seqs[i] / 8] | 1u << (seqs[i] % 8));
    for (size_t i = 0; i < n2; i++)
        seen2[seqs2[i] / 8] = (uint8_t)(seen2[seqs2[i] / 8] | 1u << (seqs2[i] % 8));
    CHECK(memcmp(seen, seen2, sizeof(seen)) == 0);
}

static void do_twcc(const struct rtcp_fb *fb)
{
    static struct rtcp_twcc_pkt pkts[65536], pkts2[65536];
    static struct rtcp_twcc_recv recv[65536];
    struct rtcp_twcc tw, tw2;
    struct rtcp_block nb;
    struct rtcp_fb fb2;
    struct wr w;
    int64_t t, limit = ((int64_t)1 << 23) * RTCP_TWCC_REF_US;
    size_t n = 0, j = 0;
    bool ok = true;

    if (rtcp_parse_twcc(&tw, pkts, 65536, fb) != 0)
        return;
    CHECK(tw.status_count >= 1 && tw.received <= tw.status_count);
    t = (int64_t)tw.ref_time * RTCP_TWCC_REF_US;
    for (size_t i = 0; i < tw.status_count; i++) {
        CHECK(pkts[i].seq == (uint16_t)(tw.base_seq + i));
        if (!pkts[i].received) {
            CHECK(pkts[i].delta_us == 0);
            continue;
        }
        t += pkts[i].delta_us;
        ok = ok && t >= 0 && t < limit;
        recv[n++] = (struct rtcp_twcc_recv){pkts[i].seq, t};
    }
    CHECK(n == tw.received);
    if (n == 0 || !ok)
        return;
    wr_init(&w, out, sizeof(out));
    if (rtcp_build_twcc(&w, fb->sender_ssrc, fb->media_ssrc, tw.fb_count, recv, n) != 0) {
        /* Only a span over the builder's limit may fail. */
        CHECK((uint16_t)(recv[n - 1].seq - recv[0].seq) >= RTCP_TWCC_MAX_STATUS);
        return;
    }
    rebuilt(&w, &nb);
    CHECK(rtcp_parse_fb(&fb2, &nb) == 0 && fb2.type == RTCP_FB_TWCC);
    CHECK(rtcp_parse_twcc(&tw2, pkts2, 65536, &fb2) == 0);
    CHECK(tw2.received == n && tw2.base_seq == recv[0].seq && tw2.fb_count == tw.fb_count);
    t = (int64_t)tw2.ref_time * RTCP_TWCC_REF_US;
    for (size_t i = 0; i < tw2.status_count; i++) {
        if (!pkts2[i].received)
            continue;
        t += pkts2[i].delta_us;
        CHECK(j < n && pkts2[i].seq == recv[j].seq && t == recv[j].arrival_us);
        j++;
    }
    CHECK(j == n);
}

static void do_fb(const struct rtcp_block *b)
{
    struct rtcp_fb fb, fb2;
    struct rtcp_fir fir, fir2;
    struct rtcp_remb remb, remb2;
    struct rtcp_block nb;
    struct wr w;

    if (rtcp_parse_fb(&fb, b) != 0)
        return;
    CHECK(fb.fci_len + 8 == b->body_len);
    wr_init(&w, out, sizeof(out));
    switch (fb.type) {
    case RTCP_FB_NACK:
        do_nack(&fb);
        break;
    case RTCP_FB_TWCC:
        do_twcc(&fb);
        break;
    case RTCP_FB_PLI:
        CHECK(rtcp_build_pli(&w, fb.sender_ssrc, fb.media_ssrc) == 0);
        rebuilt(&w, &nb);
        CHECK(rtcp_parse_fb(&fb2, &nb) == 0 && fb2.type == RTCP_FB_PLI);
        CHECK(fb2.sender_ssrc == fb.sender_ssrc && fb2.media_ssrc == fb.media_ssrc);
        break;
    case RTCP_FB_FIR:
        if (rtcp_parse_fir(&fir, &fb) != 0)
            break;
        CHECK(rtcp_build_fir(&w, fir.sender_ssrc, fir.entries, fir.count) == 0);
        rebuilt(&w, &nb);
        CHECK(rtcp_parse_fb(&fb2, &nb) == 0 && rtcp_parse_fir(&fir2, &fb2) == 0);
        CHECK(fir2.count == fir.count && fir2.sender_ssrc == fir.sender_ssrc);
        for (unsigned i = 0; i < fir.count; i++)
            CHECK(fir2.entries[i].ssrc == fir.entries[i].ssrc &&
                  fir2.entries[i].seq == fir.entries[i].seq);
        break;
    case RTCP_FB_REMB:
        if (rtcp_parse_remb(&remb, &fb) != 0)
            break;
        CHECK(rtcp_build_remb(&w, remb.sender_ssrc, remb.bitrate_bps, remb.ssrcs,
                              remb.ssrc_count) == 0);
        rebuilt(&w, &nb);
        CHECK(rtcp_parse_fb(&fb2, &nb) == 0 && rtcp_parse_remb(&remb2, &fb2) == 0);
        CHECK(remb2.bitrate_bps == remb.bitrate_bps && remb2.ssrc_count == remb.ssrc_count);
        CHECK(memcmp(remb2.ssrcs, remb.ssrcs, remb.ssrc_count * sizeof(uint32_t)) == 0);
        break;
    case RTCP_FB_OTHER:
        break;
    }
}

static uint32_t flip(void *arg, const struct rtcp_block *b, enum rtcp_ssrc_field field,
                     uint32_t ssrc)
{
    (void)b;
    (*(unsigned *)arg)++;
    return field == RTCP_SSRC_SENDER ? ~ssrc : ssrc ^ 0x5a5a5a5a;
}

static void do_rewrite(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1);
    unsigned calls = 0, calls2 = 0;

    if (copy == NULL)
        return;
    if (size > 0)
        memcpy(copy, data, size);
    if (rtcp_rewrite_ssrcs(copy, size, flip, &calls) == 0) {
        CHECK(rtcp_validate(copy, size) == 0);
        CHECK(rtcp_rewrite_ssrcs(copy, size, flip, &calls2) == 0);
        CHECK(calls == calls2);
    } else {
        CHECK(calls == 0);
    }
    CHECK(size == 0 || memcmp(copy, data, size) == 0);
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rtcp_iter it;
    struct rtcp_block b;
    size_t total = 0;

    rtcp_iter_init(&it, data, size);
    while (rtcp_iter_next(&it, &b)) {
        CHECK(b.data == data + total && b.len >= RTCP_HEADER_LEN && b.len % 4 == 0);
        CHECK(b.body == b.data + RTCP_HEADER_LEN && b.body_len <= b.len - RTCP_HEADER_LEN);
        total += b.len;
        CHECK(total <= size);
        do_sr_rr(&b);
        do_sdes_bye(&b);
        do_fb(&b);
    }
    CHECK(it.err || total == size);
    CHECK((rtcp_validate(data, size) == 0) == (!it.err && total > 0));
    do_rewrite(data, size);
    return 0;
}
