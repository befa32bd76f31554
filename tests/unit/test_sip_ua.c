/* signaling/sip_ua: incoming calls driven with literal SIP messages and a
 * fake clock (sip_harness.h); dial-out is in test_sip_ua_out.c. */
#include "sip_harness.h"

#include "signaling/sip_sdp.h"

static const char offer_sdp[] = "v=0\r\n"
                                "o=- 10 10 IN IP4 198.51.100.1\r\n"
                                "s=-\r\n"
                                "c=IN IP4 198.51.100.1\r\n"
                                "t=0 0\r\n"
                                "m=audio 30000 RTP/AVP 8 0 101\r\n"
                                "a=rtpmap:101 telephone-event/8000\r\n"
                                "a=sendrecv\r\n";

static const char hold_sdp[] = "v=0\r\n"
                               "o=- 10 11 IN IP4 198.51.100.1\r\n"
                               "s=-\r\n"
                               "c=IN IP4 198.51.100.1\r\n"
                               "t=0 0\r\n"
                               "m=audio 30000 RTP/AVP 8 101\r\n"
                               "a=rtpmap:101 telephone-event/8000\r\n"
                               "a=sendonly\r\n";

static const char g729_sdp[] = "v=0\r\n"
                               "o=- 1 1 IN IP4 198.51.100.1\r\n"
                               "s=-\r\n"
                               "c=IN IP4 198.51.100.1\r\n"
                               "t=0 0\r\n"
                               "m=audio 30000 RTP/AVP 18\r\n";

static char buf[8192];

static void invite(const char *branch, const char *callid, unsigned cseq, const char *totag,
                   const char *sdp)
{
    char headers[1024], start[128];
    snprintf(headers, sizeof headers,
             "Via: SIP/2.0/UDP 198.51.100.1:5060;branch=%s;rport\r\n"
             "Max-Forwards: 70\r\n"
             "From: \"Alice\" <sip:+4512345678@198.51.100.1>;tag=abc\r\n"
             "To: <sip:4570000000@192.0.2.10>%s%s\r\n"
             "Call-ID: %s\r\n"
             "CSeq: %u INVITE\r\n"
             "Contact: <sip:+4512345678@198.51.100.1:5060>\r\n"
             "P-Asserted-Identity: \"Alice A\" <sip:+4511111111@trunk.example>\r\n",
             branch, totag != NULL ? ";tag=" : "", totag != NULL ? totag : "", callid, cseq);
    snprintf(start, sizeof start, "INVITE sip:4570000000@192.0.2.10:5060 SIP/2.0");
    t_request(buf, sizeof buf, start, headers, "application/sdp", sdp);
}

/* A request in the dialog of callid, from the caller. */
static void dialog_req(const char *method, const char *branch, const char *callid, unsigned cseq,
                       const char *totag, const char *ctype, const char *body)
{
    char headers[1024], start[128];
    snprintf(headers, sizeof headers,
             "Via: SIP/2.0/UDP 198.51.100.1:5060;branch=%s\r\n"
             "Max-Forwards: 70\r\n"
             "From: \"Alice\" <sip:+4512345678@198.51.100.1>;tag=abc\r\n"
             "To: <sip:4570000000@192.0.2.10>;tag=%s\r\n"
             "Call-ID: %s\r\n"
             "CSeq: %u %s\r\n",
             branch, totag, callid, cseq, method);
    snprintf(start, sizeof start, "%s sip:samtale@192.0.2.10:5060 SIP/2.0", method);
    t_request(buf, sizeof buf, start, headers, ctype, body);
}

/* Our To tag from a response. */
static void to_tag(const char *resp, char *out, size_t cap)
{
    char to[256];
    assert_non_null(t_header(resp, "To", to, sizeof to));
    const char *p = strstr(to, ";tag=");
    assert_non_null(p);
    snprintf(out, cap, "%s", p + 5);
}

/* An incoming call up to CALL_INCOMING; returns the call id. */
static uint64_t call_in(struct t_env *e, const char *branch, const char *callid, const char *sdp)
{
    invite(branch, callid, 1, NULL, sdp);
    t_feed(e, buf);
    assert_int_equal(e->n, 2);
    t_sent(e, 0, "SIP/2.0 100 Trying");
    struct t_act *in = t_act(e, 1, SIP_ACT_CALL_INCOMING);
    return in->a.call;
}

/* Answers with our SDP for the offer, as the caller of the UA would. */
static void answer(struct t_env *e, uint64_t call, const struct sip_sdp *offer)
{
    struct sip_sdp_choice ch;
    char sdp[SIP_SDP_OUT_MAX];
    size_t len;
    struct sip_sdp_local l = {"192.0.2.10", 40000, 5, 5};
    assert_int_equal(sip_sdp_choose(offer, &ch), 0);
    assert_int_equal(
        sip_sdp_build_answer(&l, &ch, sip_sdp_mirror(offer->dir), sdp, sizeof sdp, &len), 0);
    assert_int_equal(sip_ua_answer(e->ua, call, e->now, sdp, len), 0);
    t_drain(e);
}

static void test_call_answer_retransmit_ack_info_hold_bye(void **state)
{
    (void)state;
    struct t_env *e = t_env_new(2);
    invite("z9hG4bKa1", "call-1@198.51.100.1", 1, NULL, offer_sdp);
    t_feed(e, buf);
    assert_int_equal(e->n, 2);
    struct t_act *trying = t_sent(e, 0, "SIP/2.0 100 Trying\r\n");
    assert_non_null(strstr(trying->text, "rport=5060"));
    assert_non_null(strstr(trying->text, "CSeq: 1 INVITE\r\n"));
    struct t_act *in = t_act(e, 1, SIP_ACT_CALL_INCOMING);
    assert_string_equal(in->a.caller, "+4511111111"); /* P-Asserted-Identity */
    assert_string_equal(in->a.caller_display, "Alice A");
    assert_string_equal(in->a.callee, "4570000000");
    assert_int_equal(in->a.sdp.port, 30000);
    assert_int_equal(in->a.sdp.dtmf_pt, 101);
    uint64_t call = in->a.call;
    struct sip_sdp offer = in->a.sdp;

    /* a retransmitted INVITE gets the 100 again, not a second call */
    t_feed(e, buf);
    assert_int_equal(e->n, 1);
    t_sent(e, 0, "SIP/2.0 100 Trying");

    /* the same INVITE on another branch (merged): 482 */
    invite("z9hG4bKa2", "call-1@198.51.100.1", 1, NULL, offer_sdp);
    t_feed(e, buf);
    assert_int_equal(e->n, 1);
    t_sent(e, 0, "SIP/2.0 482 Loop Detected");
    invite("z9hG4bKa1", "call-1@198.51.100.1", 1, NULL, offer_sdp);

    assert_int_equal(sip_ua_ringing(e->ua, call, e->now), 0);
    t_drain(e);
    t_sent(e, 0, "SIP/2.0 180 Ringing");
    answer(e, call, &offer);
    assert_int_equal(e->n, 1);
    struct t_act *ok = t_sent(e, 0, "SIP/2.0 200 OK\r\n");
    assert_non_null(strstr(ok->text, "Contact: <sip:samtale@192.0.2.10:5060>\r\n"));
    assert_non_null(strstr(ok->text, "Content-Type: application/sdp\r\n"));
    assert_non_null(strstr(ok->text, "m=audio 40000 RTP/AVP 8 101\r\n"));
    char tag[64];
    to_tag(ok->text, tag, sizeof tag);

    /* timer G: 200 again after 0.5, 1 and 2 s until the ACK */
    assert_true(sip_ua_next_deadline(e->ua) == e->now + 500000);
    int64_t gaps[] = {500000, 1000000, 2000000};
    for (size_t i = 0; i < 3; i++) {
        t_advance(e, gaps[i] - 1);
        assert_int_equal(e->n, 0);
        t_advance(e, 1);
        assert_int_equal(e->n, 1);
        t_sent(e, 0, "SIP/2.0 200 OK");
    }
    dialog_req("ACK", "z9hG4bKack1", "call-1@198.51.100.1", 1, tag, NULL, NULL);
    t_feed(e, buf);
    assert_int_equal(e->n, 1);
    t_act(e, 0, SIP_ACT_CALL_CONFIRMED);
    t_advance(e, 4000000);
    assert_int_equal(e->n, 0); /* no more retransmissions */

    /* INFO DTMF, both body types */
    dialog_req("INFO", "z9hG4bKi1", "call-1@198.51.100.1", 2, tag, "application/dtmf-relay",
               "Signal=5\r\nDuration=160\r\n");
    t_feed(e, buf);
    assert_int_equal(e->n, 2);
    t_sent(e, 0, "SIP/2.0 200 OK");
    assert_int_equal(t_act(e, 1, SIP_ACT_CALL_DTMF)->a.digit, '5');
    dialog_req("INFO", "z9hG4bKi2", "call-1@198.51.100.1", 3, tag, "application/dtmf", "#");
    t_feed(e, buf);
    assert_int_equal(t_act(e, 1, SIP_ACT_CALL_DTMF)->a.digit, '#');
    /* an INFO of another type is refused; an old CSeq is out of order */
    dialog_req("INFO", "z9hG4bKi3", "call-1@198.51.100.1", 4, tag, "text/plain", "hi");
    t_feed(e, buf);
    assert_int_equal(e->n, 1);
    t_sent(e, 0, "SIP/2.0 415");
    dialog_req("INFO", "z9hG4bKi4", "call-1@198.51.100.1", 2, tag, "application/dtmf", "1");
    t_feed(e, buf);
    assert_int_equal(e->n, 1);
    t_sent(e, 0, "SIP/2.0 500");

    /* re-INVITE to hold: answered by the UA with recvonly, then UPDATE */
    invite("z9hG4bKr1", "call-1@198.51.100.1", 5, tag, hold_sdp);
    t_feed(e, buf);
    assert_int_equal(e->n, 2);
    struct t_act *re = t_sent(e, 0, "SIP/2.0 200 OK");
    assert_non_null(strstr(re->text, "a=recvonly\r\n"));
    assert_null(strstr(re->text, "a=sendrecv"));
    assert_non_null(strstr(re->text, "o=samtale 5 6 IN IP4"));
    struct t_act *up = t_act(e, 1, SIP_ACT_CALL_UPDATE);
    assert_int_equal(up->a.sdp.dir, SIP_SDP_SENDONLY);
    dialog_req("ACK", "z9hG4bKack2", "call-1@198.51.100.1", 5, tag, NULL, NULL);
    t_feed(e, buf);
    assert_int_equal(e->n, 0);

    /* BYE from the caller */
    dialog_req("BYE", "z9hG4bKb1", "call-1@198.51.100.1", 6, tag, NULL, NULL);
    t_feed(e, buf);
    assert_int_equal(e->n, 2);
    t_sent(e, 0, "SIP/2.0 200 OK");
    struct t_act *end = t_act(e, 1, SIP_ACT_CALL_ENDED);
    assert_int_equal(end->a.reason, SIP_END_BYE);
    assert_int_equal(sip_ua_call_count(e->ua), 0);
    /* the BYE again: the 200 again from its transaction */
    t_feed(e, buf);
    assert_int_equal(e->n, 1);
    t_sent(e, 0, "SIP/2.0 200 OK");
    struct sip_ua_stats st;
    sip_ua_get_stats(e->ua, &st);
    assert_int_equal(st.calls_in, 1);
    assert_int_equal(st.calls_in_answered, 1);
    t_env_free(e);
}

static void test_cancel(void **state)
{
    (void)state;
    struct t_env *e = t_env_new(2);
    uint64_t call = call_in(e, "z9hG4bKc1", "call-2@x", offer_sdp);
    char headers[512];
    snprintf(headers, sizeof headers,
             "Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKc1\r\nMax-Forwards: 70\r\n"
             "From: \"Alice\" <sip:+4512345678@198.51.100.1>;tag=abc\r\n"
             "To: <sip:4570000000@192.0.2.10>\r\nCall-ID: call-2@x\r\nCSeq: 1 CANCEL\r\n");
    t_request(buf, sizeof buf, "CANCEL sip:4570000000@192.0.2.10:5060 SIP/2.0", headers, NULL,
              NULL);
    t_feed(e, buf);
    assert_int_equal(e->n, 3);
    struct t_act *ok = t_sent(e, 0, "SIP/2.0 200 OK");
    assert_non_null(strstr(ok->text, "CSeq: 1 CANCEL"));
    struct t_act *term = t_sent(e, 1, "SIP/2.0 487 Request Terminated");
    assert_non_null(strstr(term->text, "CSeq: 1 INVITE"));
    struct t_act *end = t_act(e, 2, SIP_ACT_CALL_ENDED);
    assert_int_equal(end->a.call, call);
    assert_int_equal(end->a.reason, SIP_END_CANCEL);
    assert_int_equal(sip_ua_answer(e->ua, call, e->now, offer_sdp, strlen(offer_sdp)),
                     ERR_NOTFOUND);
    /* 487 again on timer G until the ACK (same branch) */
    t_advance(e, 500000);
    t_sent(e, 0, "SIP/2.0 487");
    snprintf(headers, sizeof headers,
             "Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKc1\r\nMax-Forwards: 70\r\n"
             "From: \"Alice\" <sip:+4512345678@198.51.100.1>;tag=abc\r\n"
             "To: <sip:4570000000@192.0.2.10>;tag=x\r\nCall-ID: call-2@x\r\nCSeq: 1 ACK\r\n");
    t_request(buf, sizeof buf, "ACK sip:4570000000@192.0.2.10:5060 SIP/2.0", headers, NULL, NULL);
    t_feed(e, buf);
    assert_int_equal(e->n, 0);
    t_advance(e, 2000000);
    assert_int_equal(e->n, 0);
    /* every transaction ends: timer I (5 s) and J (32 s) */
    t_advance(e, 40000000);
    assert_true(sip_ua_next_deadline(e->ua) == INT64_MAX);
    /* a CANCEL for nothing */
    t_request(buf, sizeof buf, "CANCEL sip:4570000000@192.0.2.10:5060 SIP/2.0",
              "Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKzz\r\n"
              "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: q\r\nCSeq: 1 CANCEL\r\n",
              NULL, NULL);
    t_feed(e, buf);
    t_sent(e, 0, "SIP/2.0 481");
    t_env_free(e);
}

static void test_options_405_420(void **state)
{
    (void)state;
    struct t_env *e = t_env_new(2);
    const char *h = "Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKo1\r\n"
                    "From: <sip:ping@198.51.100.1>;tag=1\r\nTo: <sip:samtale@192.0.2.10>\r\n"
                    "Call-ID: o1\r\nCSeq: 7 OPTIONS\r\nMax-Forwards: 70\r\n";
    t_request(buf, sizeof buf, "OPTIONS sip:192.0.2.10 SIP/2.0", h, NULL, NULL);
    t_feed(e, buf);
    assert_int_equal(e->n, 1);
    struct t_act *ok = t_sent(e, 0, "SIP/2.0 200 OK");
    char v[256];
    assert_string_equal(t_header(ok->text, "Allow", v, sizeof v),
                        "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO");
    assert_non_null(t_header(ok->text, "Accept", v, sizeof v));
    assert_non_null(strstr(ok->text, "To: <sip:samtale@192.0.2.10>;tag="));

    h = "Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKs1\r\n"
        "From: <sip:x@198.51.100.1>;tag=1\r\nTo: <sip:samtale@192.0.2.10>\r\n"
        "Call-ID: s1\r\nCSeq: 1 SUBSCRIBE\r\n";
    t_request(buf, sizeof buf, "SUBSCRIBE sip:192.0.2.10 SIP/2.0", h, NULL, NULL);
    t_feed(e, buf);
    struct t_act *no = t_sent(e, 0, "SIP/2.0 405 Method Not Allowed");
    assert_non_null(t_header(no->text, "Allow", v, sizeof v));

    invite("z9hG4bKq1", "q1@x", 1, NULL, offer_sdp);
    char with_require[8192];
    const char *p = strstr(buf, "Max-Forwards");
    snprintf(with_require, sizeof with_require, "%.*sRequire: 100rel\r\n%s", (int)(p - buf), buf,
             p);
    t_feed(e, with_require);
    assert_int_equal(e->n, 1);
    struct t_act *ext = t_sent(e, 0, "SIP/2.0 420 Bad Extension");
    assert_string_equal(t_header(ext->text, "Unsupported", v, sizeof v), "100rel");
    assert_int_equal(sip_ua_call_count(e->ua), 0);
    t_env_free(e);
}

static void test_outside_allowlist(void **state)
{
    (void)state;
    struct t_env *e = t_env_new(2);
    invite("z9hG4bKf1", "f1@x", 1, NULL, offer_sdp);
    t_feed_from(e, buf, "203.0.113.9", 5060);
    assert_int_equal(e->n, 1);
    struct t_act *no = t_sent(e, 0, "SIP/2.0 403 Forbidden");
    assert_int_equal(ntohs(((struct sockaddr_in *)&no->a.addr)->sin_port), 5060);
    t_request(buf, sizeof buf, "OPTIONS sip:192.0.2.10 SIP/2.0",
              "Via: SIP/2.0/UDP 203.0.113.9;branch=z9hG4bKo9\r\nFrom: <sip:a@b>;tag=1\r\n"
              "To: <sip:c@d>\r\nCall-ID: o9\r\nCSeq: 1 OPTIONS\r\n",
              NULL, NULL);
    t_feed_from(e, buf, "203.0.113.9", 5060);
    assert_int_equal(e->n, 0); /* dropped */
    struct sip_ua_stats st;
    sip_ua_get_stats(e->ua, &st);
    assert_int_equal(st.sent_403, 1);
    assert_int_equal(st.denied_dropped, 1);
    assert_int_equal(st.calls_in, 0);
    t_env_free(e);
}

static void test_malformed(void **state)
{
    (void)state;
    struct t_env *e = t_env_new(2);
    t_feed(e, "this is not SIP at all\r\n\r\n");
    assert_int_equal(e->n, 0);
    t_feed(e, "INVITE sip:x SIP/2.0\r\nVia: \r\n\r\n");
    assert_int_equal(e->n, 0);
    /* CSeq method differs from the request's: 400 */
    t_request(buf, sizeof buf, "OPTIONS sip:192.0.2.10 SIP/2.0",
              "Via: SIP/2.0/UDP 198.51.100.1;branch=z9hG4bKm1\r\nFrom: <sip:a@b>;tag=1\r\n"
              "To: <sip:c@d>\r\nCall-ID: m1\r\nCSeq: 1 INVITE\r\n",
              NULL, NULL);
    t_feed(e, buf);
    assert_int_equal(e->n, 1);
    t_sent(e, 0, "SIP/2.0 400 Bad Request");
    /* an INVITE whose SDP does not parse: 400 */
    invite("z9hG4bKm2", "m2@x", 1, NULL, "v=0\r\nm=audio 99999 RTP/AVP 0\r\n");
    t_feed(e, buf);
    t_sent(e, 0, "SIP/2.0 400 Bad Request");
    /* a datagram over the limit is dropped */
    static char big[SIP_UDP_MAX_MSG + 100];
    invite("z9hG4bKm3", "m3@x", 1, NULL, offer_sdp);
    memset(big, 'a', sizeof big - 1);
    memcpy(big, buf, strlen(buf));
    t_feed(e, big);
    assert_int_equal(e->n, 0);
    /* a NUL byte inside is dropped before libosip2 sees it */
    invite("z9hG4bKm4", "m4@x", 1, NULL, offer_sdp);
    struct sockaddr_in from = t_addr("198.51.100.1", 5060);
    buf[30] = '\0';
    sip_ua_input(e->ua, e->now, (const uint8_t *)buf, 200, (struct sockaddr *)&from, sizeof from,
                 SIP_TP_UDP, 0);
    t_drain(e);
    assert_int_equal(e->n, 0);
    /* libosip2 writes this From back as <sip:1>, which it cannot parse:
     * the answer is not sent */
    t_request(buf, sizeof buf, "OPTIONS sip:192.0.2.10 SIP/2.0",
              "Via: SIP/2.0/UDP 198.51.100.1;branch=z9hG4bKm5\r\n"
              "From: \"A\" <sip:@1?8.51.100.2>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: m5\r\n"
              "CSeq: 1 OPTIONS\r\n",
              NULL, NULL);
    t_feed(e, buf);
    assert_int_equal(e->n, 0);
    struct sip_ua_stats st;
    sip_ua_get_stats(e->ua, &st);
    assert_int_equal(st.msgs_in, 7);
    assert_int_equal(st.dropped, 4);
    assert_int_equal(st.sent_400, 2);
    assert_int_equal(st.send_refused, 1);
    t_env_free(e);
}

static void test_488_when_no_codec_and_503_when_full(void **state)
{
    (void)state;
    struct t_env *e = t_env_new(1);
    uint64_t call = call_in(e, "z9hG4bKg1", "g1@x", g729_sdp);
    struct sip_sdp_choice ch;
    assert_int_equal(sip_sdp_choose(&e->acts[1].a.sdp, &ch), ERR_NOTFOUND);
    assert_int_equal(sip_ua_reject(e->ua, call, e->now, 488), 0);
    t_drain(e);
    assert_int_equal(e->n, 2);
    t_sent(e, 0, "SIP/2.0 488 Not Acceptable Here");
    assert_int_equal(t_act(e, 1, SIP_ACT_CALL_ENDED)->a.reason, SIP_END_LOCAL);

    /* one call at most: the second INVITE gets 503 */
    call_in(e, "z9hG4bKg2", "g2@x", offer_sdp);
    invite("z9hG4bKg3", "g3@x", 1, NULL, offer_sdp);
    t_feed(e, buf);
    assert_int_equal(e->n, 1);
    struct t_act *full = t_sent(e, 0, "SIP/2.0 503 Service Unavailable");
    assert_non_null(strstr(full->text, "Retry-After: 30\r\n"));
    struct sip_ua_stats st;
    sip_ua_get_stats(e->ua, &st);
    assert_int_equal(st.calls_in_rejected, 1);
    assert_int_equal(st.sent_503, 1);
    t_env_free(e);
}

static void test_no_ack_ends_the_call(void **state)
{
    (void)state;
    struct t_env *e = t_env_new(1);
    uint64_t call = call_in(e, "z9hG4bKn1", "n1@x", offer_sdp);
    struct sip_sdp offer = e->acts[1].a.sdp;
    answer(e, call, &offer);
    size_t sent = 0;
    bool ended = false;
    for (int i = 0; i < 80 && !ended; i++) {
        t_advance(e, 500000);
        for (size_t k = 0; k < e->n; k++) {
            if (e->acts[k].a.kind == SIP_ACT_SEND &&
                strncmp(e->acts[k].text, "SIP/2.0 200", 11) == 0)
                sent++;
            if (e->acts[k].a.kind == SIP_ACT_SEND && strncmp(e->acts[k].text, "BYE ", 4) == 0)
                assert_non_null(strstr(e->acts[k].text, "BYE sip:+4512345678@198.51.100.1:5060"));
            if (e->acts[k].a.kind == SIP_ACT_CALL_ENDED) {
                assert_int_equal(e->acts[k].a.reason, SIP_END_TIMEOUT);
                ended = true;
            }
        }
    }
    assert_true(ended);
    assert_true(e->now - 1000000 >= 32000000 - 500000); /* timer H: 64 x T1 */
    assert_true(sent >= 9 && sent <= 11);
    t_env_free(e);
}

static void test_hangup_before_ack_waits_for_it(void **state)
{
    (void)state;
    struct t_env *e = t_env_new(1);
    uint64_t call = call_in(e, "z9hG4bKh1", "h1@x", offer_sdp);
    struct sip_sdp offer = e->acts[1].a.sdp;
    answer(e, call, &offer);
    char tag[64];
    to_tag(e->acts[0].text, tag, sizeof tag);
    assert_int_equal(sip_ua_hangup(e->ua, call, e->now), 0);
    t_drain(e);
    assert_int_equal(e->n, 0);
    dialog_req("ACK", "z9hG4bKha", "h1@x", 1, tag, NULL, NULL);
    t_feed(e, buf);
    assert_int_equal(e->n, 2);
    t_act(e, 0, SIP_ACT_CALL_CONFIRMED);
    struct t_act *bye = t_sent(e, 1, "BYE sip:+4512345678@198.51.100.1:5060 SIP/2.0");
    assert_non_null(strstr(bye->text, "CSeq: 2 BYE"));
    char via[256], resp[1024];
    t_header(bye->text, "Via", via, sizeof via);
    snprintf(resp, sizeof resp,
             "SIP/2.0 200 OK\r\nVia: %s\r\nFrom: <sip:4570000000@192.0.2.10>;tag=%s\r\n"
             "To: \"Alice\" <sip:+4512345678@198.51.100.1>;tag=abc\r\nCall-ID: h1@x\r\n"
             "CSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n",
             via, tag);
    t_feed(e, resp);
    assert_int_equal(e->n, 1);
    assert_int_equal(t_act(e, 0, SIP_ACT_CALL_ENDED)->a.reason, SIP_END_LOCAL);
    t_env_free(e);
}

static void test_bye_before_ack_stops_the_2xx(void **state)
{
    (void)state;
    struct t_env *e = t_env_new(1);
    uint64_t call = call_in(e, "z9hG4bKw1", "w1@x", offer_sdp);
    struct sip_sdp offer = e->acts[1].a.sdp;
    answer(e, call, &offer);
    char tag[64];
    to_tag(e->acts[0].text, tag, sizeof tag);
    dialog_req("BYE", "z9hG4bKw2", "w1@x", 2, tag, NULL, NULL);
    t_feed(e, buf);
    assert_int_equal(e->n, 2);
    t_sent(e, 0, "SIP/2.0 200 OK");
    assert_non_null(strstr(e->acts[0].text, "CSeq: 2 BYE"));
    assert_int_equal(t_act(e, 1, SIP_ACT_CALL_ENDED)->a.reason, SIP_END_BYE);
    t_advance(e, 500000);
    assert_int_equal(e->n, 0); /* no 2xx retransmission */
    t_env_free(e);
}

static void test_caller_names_are_clean(void **state)
{
    (void)state;
    struct t_env *e = t_env_new(1);
    char headers[1024];
    snprintf(headers, sizeof headers,
             "Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKu1\r\nMax-Forwards: 70\r\n"
             "From: \"S\xc3\xb8ren \xff\xc3 \\\"B\\\"\" <sip:+45-12=$@198.51.100.1>;tag=abc\r\n"
             "To: <sip:%%3Bx@192.0.2.10>\r\nCall-ID: u1\r\nCSeq: 1 INVITE\r\n"
             "Contact: <sip:a@198.51.100.1>\r\n");
    t_request(buf, sizeof buf, "INVITE sip:%3Bx@192.0.2.10 SIP/2.0", headers, "application/sdp",
              offer_sdp);
    t_feed(e, buf);
    struct t_act *in = t_act(e, 1, SIP_ACT_CALL_INCOMING);
    assert_string_equal(in->a.caller_display, "S\xc3\xb8ren  B");
    assert_string_equal(in->a.caller, "+45-12");
    assert_string_equal(in->a.callee, "x"); /* %3B is ";", dropped */
    t_env_free(e);
}

static void test_tcp_no_retransmission(void **state)
{
    (void)state;
    struct t_env *e = t_env_new(1);
    invite("z9hG4bKt1", "t1@x", 1, NULL, offer_sdp);
    struct sockaddr_in from = t_addr("198.51.100.1", 40123);
    sip_ua_input(e->ua, e->now, (const uint8_t *)buf, strlen(buf), (struct sockaddr *)&from,
                 sizeof from, SIP_TP_TCP, 7);
    t_drain(e);
    struct t_act *trying = t_sent(e, 0, "SIP/2.0 100 Trying");
    assert_int_equal(trying->a.tp, SIP_TP_TCP);
    assert_int_equal(trying->a.conn, 7);
    assert_int_equal(ntohs(((struct sockaddr_in *)&trying->a.addr)->sin_port), 40123);
    struct t_act *in = t_act(e, 1, SIP_ACT_CALL_INCOMING);
    struct sip_sdp offer = in->a.sdp;
    answer(e, in->a.call, &offer);
    t_sent(e, 0, "SIP/2.0 200 OK");
    /* no timer G on a reliable transport: only timer H */
    assert_true(sip_ua_next_deadline(e->ua) == e->now + 32000000);
    t_advance(e, 4000000);
    assert_int_equal(e->n, 0);
    t_env_free(e);
}

static void test_transaction_table_full(void **state)
{
    (void)state;
    struct t_env *e = t_env_new(1);
    char headers[512];
    for (unsigned i = 0; i <= SIP_UA_MAX_TXNS; i++) {
        snprintf(headers, sizeof headers,
                 "Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKo%u\r\n"
                 "From: <sip:ping@198.51.100.1>;tag=1\r\nTo: <sip:samtale@192.0.2.10>\r\n"
                 "Call-ID: o%u\r\nCSeq: 1 OPTIONS\r\n",
                 i, i);
        t_request(buf, sizeof buf, "OPTIONS sip:192.0.2.10 SIP/2.0", headers, NULL, NULL);
        t_feed(e, buf);
        assert_int_equal(e->n, 1);
        t_sent(e, 0, i < SIP_UA_MAX_TXNS ? "SIP/2.0 200 OK" : "SIP/2.0 503 Service Unavailable");
    }
    /* timer J frees them after 64 x T1 */
    t_advance(e, 32000000);
    t_feed(e, buf);
    t_sent(e, 0, "SIP/2.0 200 OK");
    t_env_free(e);
}

static int setup(void **state)
{
    (void)state;
    sip_global_init();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_call_answer_retransmit_ack_info_hold_bye),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_options_405_420),
        cmocka_unit_test(test_outside_allowlist),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_488_when_no_codec_and_503_when_full),
        cmocka_unit_test(test_no_ack_ends_the_call),
        cmocka_unit_test(test_hangup_before_ack_waits_for_it),
        cmocka_unit_test(test_caller_names_are_clean),
        cmocka_unit_test(test_bye_before_ack_stops_the_2xx),
        cmocka_unit_test(test_tcp_no_retransmission),
        cmocka_unit_test(test_transaction_table_full),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
