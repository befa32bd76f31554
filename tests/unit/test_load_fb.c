/* Tests for tests/load/load_fb.c: a participant's feedback on its media
 * thread. The publisher stamps transport-wide numbers, keeps its camera
 * layers' history and answers the server's NACK with RTX; the subscriber
 * records transport-wide numbers, maps RTX streams, and sends
 * transport-cc feedback and NACKs through the caller's function. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/err.h"
#include "media/rtp.h"
#include "tests/load/load_fb.h"

#define SSRC 0x0A0B0C0Du
#define RTX_SSRC 0x0A0B0C0Fu

struct sent {
    size_t n;
    uint8_t buf[8][1500];
    size_t len[8];
};

static void capture(void *arg, struct lg_part *p, uint8_t *buf, size_t len, size_t cap)
{
    struct sent *s = arg;
    (void)p;
    assert_true(cap >= len);
    assert_true(s->n < 8);
    memcpy(s->buf[s->n], buf, len);
    s->len[s->n++] = len;
}

static struct lg_part *part(void)
{
    struct lg_part *p = calloc(1, sizeof *p);
    assert_non_null(p);
    return p;
}

/* A packet with a transport-wide sequence element first in its extension block. */
static size_t packet(uint8_t *b, uint16_t seq, uint32_t ssrc, uint8_t pt)
{
    uint8_t ext[LG_RTX_EXT_MAX];
    size_t e = lg_ext_block(ext, 3, 0, NULL, 0, NULL);
    b[0] = 0x90;
    b[1] = pt;
    wr_put_u16(b + 2, seq);
    wr_put_u32(b + 4, 1234);
    wr_put_u32(b + 8, ssrc);
    memcpy(b + 12, ext, e);
    memset(b + 12 + e, 0x5a, 100);
    return 12 + e + 100;
}

static void publisher(void **state)
{
    (void)state;
    struct lg_part *p = part();
    static struct lg_fb_scan scan;
    static struct sent out;
    uint8_t pkt[1500], rtcp[200];
    struct rtp_packet r;
    struct rtp_ext_elem el;
    uint16_t tw;
    struct wr w;

    p->video.n_layers = 1;
    p->video.ssrc[0] = SSRC;
    p->video.rtx_ssrc[0] = RTX_SSRC;
    p->pub_fb = (struct lg_pub_feedback){.ext_twcc = 3, .ext_rrid = 0, .rtx_pt = 97};
    lg_fb_pub_setup(p);
    assert_true(p->video.rtx_on);
    assert_int_equal(p->audio.ext_twcc, 3);
    assert_int_equal(lg_rtx_sender_init(&p->video.rtx[0],
                                        &(struct lg_rtx_sender_cfg){
                                            .ssrc = SSRC, .rtx_ssrc = RTX_SSRC, .rtx_pt = 97}),
                     0);
    for (uint16_t s = 10; s < 13; s++) {
        size_t n = packet(pkt, s, SSRC, 96);
        lg_fb_pub_packet(p, &p->video.rtx[0], 1000, pkt, n);
        assert_int_equal(rtp_parse(&r, pkt, n), 0);
        assert_int_equal(rtp_ext_find(&r, 3, &el), 0);
        assert_int_equal(rtp_ext_read_twcc_seq(&el, &tw), 0);
        assert_int_equal(tw, s - 10); /* one transport-wide sequence */
    }
    /* The server NACKs 11 and 40 (unknown) of the camera, and 5 of an
     * SSRC without history. */
    wr_init(&w, rtcp, sizeof rtcp);
    assert_int_equal(rtcp_build_nack(&w, 1, SSRC, (const uint16_t[]){11, 40}, 2), 0);
    assert_int_equal(rtcp_build_nack(&w, 1, 77, (const uint16_t[]){5}, 1), 0);
    lg_fb_pub_rtcp(p, &scan, 2000, rtcp, (size_t)(w.p - rtcp), capture, &out);
    assert_int_equal(out.n, 1);
    assert_int_equal(p->fb.nacks_received, 2);
    assert_int_equal(p->fb.nacked, 3);
    assert_int_equal(p->fb.rtx_sent, 1);
    assert_int_equal(rtp_parse(&r, out.buf[0], out.len[0]), 0);
    assert_int_equal(r.ssrc, RTX_SSRC);
    assert_int_equal(r.pt, 97);
    assert_int_equal(r.payload[0] << 8 | r.payload[1], 11);
    assert_int_equal(p->video.rtx[0].unknown, 1);
    lg_rtx_sender_free(&p->video.rtx[0]);
    /* Simulcast without repaired-rtp-stream-id: no RTX (its SSRC could not
     * be learnt). */
    p->video.n_layers = 3;
    p->pub_fb.ext_rrid = 0;
    lg_fb_pub_setup(p);
    assert_false(p->video.rtx_on);
    free(p);
}

static void subscriber(void **state)
{
    (void)state;
    struct lg_part *p = part();
    static struct sent out;
    uint8_t pkt[1500];
    struct rtp_packet r;
    const struct lg_rtx_pair pair = {.ssrc = SSRC, .rtx_ssrc = RTX_SSRC, .pt = 96, .rtx_pt = 97};

    assert_int_equal(lg_fb_sub_start(p), 0);
    assert_int_equal(lg_fb_sub_deadline(p), INT64_MAX);
    lg_fb_sub_map(p, 3, &pair, 1);
    lg_fb_sub_map(p, 3, &pair, 1); /* a later offer: not twice */
    assert_int_equal(p->fb.n_rtx_map, 1);
    p->rtcp_ssrc = 99;
    p->n_rx = 1;
    p->rx[0].ssrc = SSRC;
    p->rx[0].is_video = true;
    int64_t now = 1000000;
    for (uint16_t s = 0; s < 10; s++) {
        if (s == 4 || s == 5)
            continue; /* lost */
        size_t n = packet(pkt, s, SSRC, 96);
        assert_int_equal(lg_twcc_stamp(pkt, n, 3, s), 0);
        assert_int_equal(rtp_parse(&r, pkt, n), 0);
        assert_null(lg_fb_sub_packet(p, now, &r));
        lg_fb_sub_seq(p, &p->rx[0], now, s);
        now += 1000;
    }
    size_t n = packet(pkt, 1, RTX_SSRC, 97);
    assert_int_equal(rtp_parse(&r, pkt, n), 0);
    const struct lg_rtx_pair *x = lg_fb_sub_packet(p, now, &r);
    assert_non_null(x);
    assert_int_equal(x->ssrc, SSRC);
    /* The gap is due at once; the transport-cc feedback 50 ms on. */
    assert_true(lg_fb_sub_deadline(p) <= now);
    lg_fb_sub_send(p, now, capture, &out);
    assert_int_equal(out.n, 1);
    assert_int_equal(p->fb.nacks_sent, 1);
    assert_int_equal(p->rx[0].nack.requests, 2);
    lg_fb_sub_send(p, now + LG_FB_TWCC_INTERVAL_US + 1000, capture, &out);
    /* Transport-cc first, then the NACK's second try (LG_NACK_RETRY_US). */
    assert_int_equal(out.n, 3);
    assert_int_equal(p->fb.twcc_fb_sent, 1);
    assert_int_equal(p->fb.nacks_sent, 2);
    struct rtcp_iter it;
    struct rtcp_block b;
    struct rtcp_fb fb;
    rtcp_iter_init(&it, out.buf[1], out.len[1]);
    assert_true(rtcp_iter_next(&it, &b));
    assert_int_equal(rtcp_parse_fb(&fb, &b), 0);
    assert_int_equal(fb.type, RTCP_FB_TWCC);
    assert_int_equal(fb.sender_ssrc, 99);
    lg_fb_free(p);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(publisher),
        cmocka_unit_test(subscriber),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
