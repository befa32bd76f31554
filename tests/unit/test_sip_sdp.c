/* signaling/sip_sdp: SDP of SIP trunks and phones, our choice of codec,
 * our answers and offers parsed back. */
#include "base/err.h"
#include "signaling/sip_sdp.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

/* What baresip 1.0.0 offers with its default codec order. */
static const char baresip_offer[] = "v=0\r\n"
                                    "o=- 1702395210 1702395211 IN IP4 127.0.0.1\r\n"
                                    "s=-\r\n"
                                    "c=IN IP4 127.0.0.1\r\n"
                                    "t=0 0\r\n"
                                    "m=audio 11200 RTP/AVP 0 8 9 96 101\r\n"
                                    "b=AS:64\r\n"
                                    "a=rtpmap:0 PCMU/8000\r\n"
                                    "a=rtpmap:8 PCMA/8000\r\n"
                                    "a=rtpmap:9 G722/8000\r\n"
                                    "a=rtpmap:96 opus/48000/2\r\n"
                                    "a=fmtp:96 stereo=1;sprop-stereo=1\r\n"
                                    "a=rtpmap:101 telephone-event/8000\r\n"
                                    "a=fmtp:101 0-15\r\n"
                                    "a=sendrecv\r\n"
                                    "a=label:1\r\n"
                                    "a=ssrc:1020986404 cname:sip:u5060@127.0.0.1\r\n"
                                    "a=rtcp-rsize\r\n"
                                    "a=ptime:20\r\n";

/* A trunk's G.711 offer without rtpmap lines, LF line ends, media-level c=. */
static const char trunk_offer[] = "v=0\n"
                                  "o=root 5 6 IN IP4 198.51.100.1\n"
                                  "s=call\n"
                                  "c=IN IP4 198.51.100.1\n"
                                  "t=0 0\n"
                                  "m=audio 30000 RTP/AVP 8 0 18\n"
                                  "c=IN IP4 198.51.100.9\n"
                                  "a=rtcp:30011\n"
                                  "a=sendonly\n";

static void test_parse_baresip(void **state)
{
    (void)state;
    struct sip_sdp s;
    assert_int_equal(sip_sdp_parse(baresip_offer, strlen(baresip_offer), &s), 0);
    assert_string_equal(s.addr, "127.0.0.1");
    assert_false(s.ipv6);
    assert_int_equal(s.port, 11200);
    assert_int_equal(s.rtcp_port, 11201);
    assert_int_equal(s.dir, SIP_SDP_SENDRECV);
    assert_int_equal(s.n_codecs, 4);
    assert_int_equal(s.codecs[0].pt, 0);
    assert_int_equal(s.codecs[0].codec, AUDIO_CODEC_PCMU);
    assert_int_equal(s.codecs[3].pt, 96);
    assert_int_equal(s.codecs[3].codec, AUDIO_CODEC_OPUS);
    assert_int_equal(s.dtmf_pt, 101);
    assert_int_equal(s.ptime, 20);
    assert_true(s.sess_id == 1702395210u && s.sess_version == 1702395211u);

    struct sip_sdp_choice ch;
    assert_int_equal(sip_sdp_choose(&s, &ch), 0);
    assert_int_equal(ch.codec, AUDIO_CODEC_OPUS);
    assert_int_equal(ch.pt, 96);
    assert_int_equal(ch.dtmf_pt, 101);
}

static void test_parse_trunk_static_pts(void **state)
{
    (void)state;
    struct sip_sdp s;
    assert_int_equal(sip_sdp_parse(trunk_offer, strlen(trunk_offer), &s), 0);
    assert_string_equal(s.addr, "198.51.100.9");
    assert_int_equal(s.port, 30000);
    assert_int_equal(s.rtcp_port, 30011);
    assert_int_equal(s.dir, SIP_SDP_SENDONLY);
    assert_int_equal(s.n_codecs, 2); /* G.729 (18) is not ours */
    assert_int_equal(s.dtmf_pt, -1);
    struct sip_sdp_choice ch;
    assert_int_equal(sip_sdp_choose(&s, &ch), 0);
    assert_int_equal(ch.codec, AUDIO_CODEC_PCMA);
    assert_int_equal(ch.pt, 8);
    assert_int_equal(ch.dtmf_pt, -1);
    assert_int_equal(sip_sdp_mirror(s.dir), SIP_SDP_RECVONLY);
}

static void test_hold_by_zero_address(void **state)
{
    (void)state;
    static const char hold[] = "v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 0.0.0.0\r\n"
                               "t=0 0\r\nm=audio 4000 RTP/AVP 9\r\n";
    struct sip_sdp s;
    assert_int_equal(sip_sdp_parse(hold, strlen(hold), &s), 0);
    assert_true(s.hold_zero_addr);
    assert_int_equal(s.dir, SIP_SDP_SENDONLY);
    struct sip_sdp_choice ch;
    assert_int_equal(sip_sdp_choose(&s, &ch), 0);
    assert_int_equal(ch.codec, AUDIO_CODEC_G722);
}

static void test_no_codec_of_ours_is_notfound(void **state)
{
    (void)state;
    static const char g729[] = "v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n"
                               "t=0 0\r\nm=audio 4000 RTP/AVP 18 101\r\n"
                               "a=rtpmap:101 telephone-event/8000\r\n";
    static const char srtp[] = "v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n"
                               "t=0 0\r\nm=audio 4000 RTP/SAVP 0\r\n";
    static const char video[] = "v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n"
                                "t=0 0\r\nm=video 4000 RTP/AVP 0\r\nm=audio 0 RTP/AVP 0\r\n";
    const char *offers[] = {g729, srtp, video};
    for (size_t i = 0; i < 3; i++) {
        struct sip_sdp s;
        struct sip_sdp_choice ch;
        assert_int_equal(sip_sdp_parse(offers[i], strlen(offers[i]), &s), 0);
        assert_int_equal(sip_sdp_choose(&s, &ch), ERR_NOTFOUND);
    }
}

static void test_malformed(void **state)
{
    (void)state;
    const char *bad[] = {
        "",
        "o=- 1 2 IN IP4 1.2.3.4\r\n",                              /* no v= first */
        "v=0\r\nm=audio 4000 RTP/AVP 0\r\n",                       /* no c= */
        "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 70000 RTP/AVP 0\r\n",  /* port */
        "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 4000 RTP/AVP 128\r\n", /* pt */
        "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 4000 RTP/AVP x\r\n",   /* pt */
        "v=0\r\nc=IN IP4 1.2.3.4;\r\nm=audio 4000 RTP/AVP 0\r\n",  /* address */
        "v=0\r\nc=IN IPX 1.2.3.4\r\nm=audio 4000 RTP/AVP 0\r\n",   /* addrtype */
        "v=0\r\no=- 99999999999999999999 1 IN IP4 1.2.3.4\r\n",    /* u64 overflow */
        "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 4000 RTP/AVP 0\r\na=ptime:x\r\n",
        "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 4000 RTP/AVP 0\r\na=rtpmap:200 PCMU/8000\r\n",
        "v=0\r\nbad line\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct sip_sdp s;
        assert_int_equal(sip_sdp_parse(bad[i], strlen(bad[i]), &s), ERR_PARSE);
    }
    static char big[SIP_SDP_MAX_LEN + 2];
    memset(big, 'a', sizeof big);
    struct sip_sdp s;
    assert_int_equal(sip_sdp_parse(big, sizeof big, &s), ERR_TOOBIG);
    char line[SIP_SDP_MAX_LINE + 20] = "v=0\r\na=";
    memset(line + 7, 'x', SIP_SDP_MAX_LINE);
    assert_int_equal(sip_sdp_parse(line, strlen(line), &s), ERR_TOOBIG);
    static const char nul[] = "v=0\r\ns=a\0b\r\n";
    assert_int_equal(sip_sdp_parse(nul, sizeof nul - 1, &s), ERR_PARSE);
}

static void test_answer_parses_back(void **state)
{
    (void)state;
    struct sip_sdp s, back;
    struct sip_sdp_choice ch;
    char buf[SIP_SDP_OUT_MAX];
    size_t len;
    assert_int_equal(sip_sdp_parse(baresip_offer, strlen(baresip_offer), &s), 0);
    assert_int_equal(sip_sdp_choose(&s, &ch), 0);
    struct sip_sdp_local l = {"203.0.113.5", 40000, 77, 78};
    assert_int_equal(sip_sdp_build_answer(&l, &ch, SIP_SDP_RECVONLY, buf, sizeof buf, &len), 0);
    assert_int_equal(strlen(buf), len);
    assert_non_null(strstr(buf, "m=audio 40000 RTP/AVP 96 101\r\n"));
    assert_non_null(strstr(buf, "a=fmtp:101 0-16\r\n"));
    assert_non_null(strstr(buf, "a=ptime:20\r\n"));
    assert_int_equal(sip_sdp_parse(buf, len, &back), 0);
    assert_string_equal(back.addr, "203.0.113.5");
    assert_int_equal(back.port, 40000);
    assert_int_equal(back.dir, SIP_SDP_RECVONLY);
    assert_int_equal(back.n_codecs, 1);
    assert_int_equal(back.codecs[0].codec, AUDIO_CODEC_OPUS);
    assert_int_equal(back.dtmf_pt, 101);
    assert_true(back.sess_id == 77 && back.sess_version == 78);
    /* too small a buffer */
    assert_int_equal(sip_sdp_build_answer(&l, &ch, SIP_SDP_SENDRECV, buf, 40, &len), ERR_TOOBIG);
    /* not an address literal */
    l.addr = "host\r\nx";
    assert_int_equal(sip_sdp_build_answer(&l, &ch, SIP_SDP_SENDRECV, buf, sizeof buf, &len),
                     ERR_INVAL);
}

static void test_offer_parses_back(void **state)
{
    (void)state;
    struct sip_sdp back;
    char buf[SIP_SDP_OUT_MAX];
    size_t len;
    struct sip_sdp_local l = {"2001:db8::5", 40002, 1, 1};
    assert_int_equal(sip_sdp_build_offer(&l, buf, sizeof buf, &len), 0);
    assert_non_null(strstr(buf, "c=IN IP6 2001:db8::5\r\n"));
    assert_non_null(strstr(buf, "m=audio 40002 RTP/AVP 111 9 8 0 101\r\n"));
    assert_int_equal(sip_sdp_parse(buf, len, &back), 0);
    assert_true(back.ipv6);
    assert_int_equal(back.n_codecs, 4);
    assert_int_equal(back.codecs[0].codec, AUDIO_CODEC_OPUS);
    assert_int_equal(back.codecs[1].codec, AUDIO_CODEC_G722);
    assert_int_equal(back.codecs[2].codec, AUDIO_CODEC_PCMA);
    assert_int_equal(back.codecs[3].codec, AUDIO_CODEC_PCMU);
    assert_int_equal(back.dtmf_pt, 101);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_baresip),
        cmocka_unit_test(test_parse_trunk_static_pts),
        cmocka_unit_test(test_hold_by_zero_address),
        cmocka_unit_test(test_no_codec_of_ours_is_notfound),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_answer_parses_back),
        cmocka_unit_test(test_offer_parses_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
