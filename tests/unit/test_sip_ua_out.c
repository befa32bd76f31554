/* signaling/sip_ua: calls out through the trunk: digest challenge, ringing,
 * answer and ACK, CANCEL, failures and timeouts (sip_harness.h). */
#include "sip_harness.h"

#include <openssl/evp.h>

static const char our_offer[] = "v=0\r\n"
                                "o=samtale 1 1 IN IP4 192.0.2.10\r\n"
                                "s=samtale\r\n"
                                "c=IN IP4 192.0.2.10\r\n"
                                "t=0 0\r\n"
                                "m=audio 40000 RTP/AVP 111 9 8 0 101\r\n"
                                "a=rtpmap:111 opus/48000/2\r\n"
                                "a=rtpmap:101 telephone-event/8000\r\n";

static const char their_answer[] = "v=0\r\n"
                                   "o=- 7 7 IN IP4 198.51.100.20\r\n"
                                   "s=-\r\n"
                                   "c=IN IP4 198.51.100.20\r\n"
                                   "t=0 0\r\n"
                                   "m=audio 31000 RTP/AVP 8 101\r\n"
                                   "a=rtpmap:101 telephone-event/8000\r\n";

static char resp[8192];

/* A response to the request in req (Via, From, Call-ID, CSeq copied). */
static void response(const char *req, const char *status, const char *totag, const char *extra,
                     const char *body)
{
    char via[256], from[256], to[256], cid[256], cseq[64];
    assert_non_null(t_header(req, "Via", via, sizeof via));
    assert_non_null(t_header(req, "From", from, sizeof from));
    assert_non_null(t_header(req, "To", to, sizeof to));
    assert_non_null(t_header(req, "Call-ID", cid, sizeof cid));
    assert_non_null(t_header(req, "CSeq", cseq, sizeof cseq));
    size_t blen = body != NULL ? strlen(body) : 0;
    int n = snprintf(resp, sizeof resp,
                     "SIP/2.0 %s\r\nVia: %s\r\nFrom: %s\r\nTo: %s%s%s\r\nCall-ID: %s\r\n"
                     "CSeq: %s\r\n%s%sContent-Length: %zu\r\n\r\n%s",
                     status, via, from, to, totag != NULL ? ";tag=" : "",
                     totag != NULL ? totag : "", cid, cseq, extra != NULL ? extra : "",
                     blen > 0 ? "Content-Type: application/sdp\r\n" : "", blen,
                     body != NULL ? body : "");
    assert_true(n > 0 && (size_t)n < sizeof resp);
}

static void md5_hex(const char *s, char out[33])
{
    unsigned char md[16];
    unsigned int len = 0;
    assert_int_equal(EVP_Digest(s, strlen(s), md, &len, EVP_md5(), NULL), 1);
    for (unsigned i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* The value of name="value" or name=value in a credentials header. */
static void param(const char *hdr, const char *name, char *out, size_t cap)
{
    char key[32];
    snprintf(key, sizeof key, "%s=", name);
    const char *p = hdr;
    while ((p = strstr(p, key)) != NULL && p != hdr && p[-1] != ' ' && p[-1] != ',')
        p++;
    assert_non_null(p);
    p += strlen(key);
    bool q = *p == '"';
    p += q;
    size_t n = 0;
    while (p[n] != '\0' && (q ? p[n] != '"' : (p[n] != ',' && p[n] != ' ')))
        n++;
    assert_true(n < cap);
    memcpy(out, p, n);
    out[n] = '\0';
}

static uint64_t dial(struct t_env *e)
{
    uint64_t call = 0;
    assert_int_equal(sip_ua_call(e->ua, e->now, "+4512345678", "Møde \"x\"", our_offer,
                                 strlen(our_offer), &call),
                     0);
    t_drain(e);
    assert_int_equal(e->n, 1);
    struct t_act *inv = t_sent(e, 0, "INVITE sip:+4512345678@trunk.example SIP/2.0\r\n");
    struct sockaddr_in *to = (struct sockaddr_in *)&inv->a.addr;
    assert_int_equal(ntohs(to->sin_port), 5060);
    assert_non_null(strstr(inv->text, "From: \"Møde x\" <sip:samtale@trunk.example>;tag="));
    assert_non_null(strstr(inv->text, "Contact: <sip:samtale@192.0.2.10:5060>\r\n"));
    assert_non_null(strstr(inv->text, "CSeq: 1 INVITE\r\n"));
    assert_non_null(strstr(inv->text, "\r\n\r\nv=0\r\n"));
    return call;
}

static void test_dial_out_with_proxy_challenge(void **state)
{
    (void)state;
    struct t_env *e = t_env_new(2);
    uint64_t call = dial(e);
    char first[SIP_TCP_MAX_MSG + 1];
    snprintf(first, sizeof first, "%s", e->acts[0].text);

    response(first, "407 Proxy Authentication Required", "gw1",
             "Proxy-Authenticate: Digest realm=\"trunk.example\", "
             "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", qop=\"auth\", algorithm=MD5, "
             "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"\r\n",
             NULL);
    t_feed(e, resp);
    assert_int_equal(e->n, 2);
    struct t_act *ack = t_sent(e, 0, "ACK sip:+4512345678@trunk.example SIP/2.0");
    assert_non_null(strstr(ack->text, "CSeq: 1 ACK\r\n"));
    assert_non_null(strstr(ack->text, ";tag=gw1"));
    char v1[256], v2[256];
    t_header(first, "Via", v1, sizeof v1);
    t_header(ack->text, "Via", v2, sizeof v2);
    assert_string_equal(v1, v2); /* the ACK of a non-2xx is in the INVITE's transaction */
    struct t_act *inv = t_sent(e, 1, "INVITE sip:+4512345678@trunk.example SIP/2.0");
    assert_non_null(strstr(inv->text, "CSeq: 2 INVITE\r\n"));
    t_header(inv->text, "Via", v2, sizeof v2);
    assert_string_not_equal(v1, v2);

    /* the digest, computed here independently (RFC 2617 3.2.2) */
    char auth[1024], user[64], realm[64], nonce[64], uri[128], nc[16], cnonce[64], qop[16], got[64],
        opaque[64];
    assert_non_null(t_header(inv->text, "Proxy-Authorization", auth, sizeof auth));
    assert_memory_equal(auth, "Digest ", 7);
    param(auth, "username", user, sizeof user);
    param(auth, "realm", realm, sizeof realm);
    param(auth, "nonce", nonce, sizeof nonce);
    param(auth, "uri", uri, sizeof uri);
    param(auth, "nc", nc, sizeof nc);
    param(auth, "cnonce", cnonce, sizeof cnonce);
    param(auth, "qop", qop, sizeof qop);
    param(auth, "response", got, sizeof got);
    param(auth, "opaque", opaque, sizeof opaque);
    assert_string_equal(user, "samtale");
    assert_string_equal(realm, "trunk.example");
    assert_string_equal(nonce, "dcd98b7102dd2f0e8b11d0f600bfb0c093");
    assert_string_equal(uri, "sip:+4512345678@trunk.example");
    assert_string_equal(nc, "00000001");
    assert_string_equal(qop, "auth");
    assert_string_equal(opaque, "5ccc069c403ebaf9f0171e9517f40e41");
    char ha1[33], ha2[33], want[33], s[512];
    snprintf(s, sizeof s, "%s:%s:Circle Of Life", user, realm);
    md5_hex(s, ha1);
    snprintf(s, sizeof s, "INVITE:%s", uri);
    md5_hex(s, ha2);
    snprintf(s, sizeof s, "%s:%s:%s:%s:auth:%s", ha1, nonce, nc, cnonce, ha2);
    md5_hex(s, want);
    assert_string_equal(got, want);

    char second[SIP_TCP_MAX_MSG + 1];
    snprintf(second, sizeof second, "%s", inv->text);
    response(second, "100 Trying", NULL, NULL, NULL);
    t_feed(e, resp);
    assert_int_equal(e->n, 0);
    response(second, "180 Ringing", "gw2", NULL, NULL);
    t_feed(e, resp);
    assert_int_equal(e->n, 1);
    assert_int_equal(t_act(e, 0, SIP_ACT_CALL_PROGRESS)->a.status, 180);

    response(second, "200 OK", "gw2",
             "Contact: <sip:gw@198.51.100.20:5070>\r\n"
             "Record-Route: <sip:proxy.trunk.example;lr>\r\n",
             their_answer);
    t_feed(e, resp);
    assert_int_equal(e->n, 2);
    struct t_act *ack2 = t_sent(e, 0, "ACK sip:gw@198.51.100.20:5070 SIP/2.0\r\n");
    assert_non_null(strstr(ack2->text, "CSeq: 2 ACK\r\n"));
    assert_non_null(strstr(ack2->text, "Route: <sip:proxy.trunk.example;lr>\r\n"));
    struct t_act *ans = t_act(e, 1, SIP_ACT_CALL_ANSWERED);
    assert_int_equal(ans->a.call, call);
    assert_int_equal(ans->a.sdp.port, 31000);
    assert_int_equal(ans->a.sdp.codecs[0].codec, AUDIO_CODEC_PCMA);
    /* the 2xx again: the ACK again, no second event */
    t_feed(e, resp);
    assert_int_equal(e->n, 1);
    t_sent(e, 0, "ACK sip:gw@198.51.100.20:5070");

    /* the trunk puts us on hold: our answer has the one codec in use */
    char reinv[2048];
    const char *hold = "v=0\r\no=- 7 8 IN IP4 198.51.100.20\r\ns=-\r\nc=IN IP4 198.51.100.20\r\n"
                       "t=0 0\r\nm=audio 31000 RTP/AVP 8 101\r\n"
                       "a=rtpmap:101 telephone-event/8000\r\na=sendonly\r\n";
    char from[128], callid[128];
    t_header(second, "From", from, sizeof from);
    t_header(second, "Call-ID", callid, sizeof callid);
    snprintf(reinv, sizeof reinv,
             "INVITE sip:samtale@192.0.2.10:5060 SIP/2.0\r\n"
             "Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKre1\r\n"
             "From: <sip:+4512345678@trunk.example>;tag=gw2\r\nTo: %s\r\nCall-ID: %s\r\n"
             "CSeq: 10 INVITE\r\nContact: <sip:gw@198.51.100.20:5070>\r\n"
             "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s",
             from, callid, strlen(hold), hold);
    t_feed(e, reinv);
    assert_int_equal(e->n, 2);
    struct t_act *held = t_sent(e, 0, "SIP/2.0 200 OK");
    assert_non_null(strstr(held->text, "o=samtale 1 2 IN IP4 192.0.2.10\r\n"));
    assert_non_null(strstr(held->text, "m=audio 40000 RTP/AVP 8 101\r\n"));
    assert_non_null(strstr(held->text, "a=recvonly\r\n"));
    assert_int_equal(t_act(e, 1, SIP_ACT_CALL_UPDATE)->a.sdp.dir, SIP_SDP_SENDONLY);
    snprintf(reinv, sizeof reinv,
             "ACK sip:samtale@192.0.2.10:5060 SIP/2.0\r\n"
             "Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKre2\r\n"
             "From: <sip:+4512345678@trunk.example>;tag=gw2\r\nTo: %s\r\nCall-ID: %s\r\n"
             "CSeq: 10 ACK\r\nContent-Length: 0\r\n\r\n",
             from, callid);
    t_feed(e, reinv);
    assert_int_equal(e->n, 0);
    t_advance(e, 500000);
    assert_int_equal(e->n, 0); /* the ACK stopped the 200's retransmissions */

    assert_int_equal(sip_ua_hangup(e->ua, call, e->now), 0);
    t_drain(e);
    struct t_act *bye = t_sent(e, 0, "BYE sip:gw@198.51.100.20:5070 SIP/2.0");
    assert_non_null(strstr(bye->text, "CSeq: 3 BYE\r\n"));
    assert_non_null(strstr(bye->text, "To: <sip:+4512345678@trunk.example>;tag=gw2\r\n"));
    char byetext[SIP_TCP_MAX_MSG + 1];
    snprintf(byetext, sizeof byetext, "%s", bye->text);
    /* timer E: the BYE again after 0.5 s */
    t_advance(e, 500000);
    t_sent(e, 0, "BYE ");
    response(byetext, "200 OK", NULL, NULL, NULL);
    t_feed(e, resp);
    assert_int_equal(e->n, 1);
    struct t_act *end = t_act(e, 0, SIP_ACT_CALL_ENDED);
    assert_int_equal(end->a.reason, SIP_END_LOCAL);
    struct sip_ua_stats st;
    sip_ua_get_stats(e->ua, &st);
    assert_int_equal(st.calls_out, 1);
    assert_int_equal(st.calls_out_answered, 1);
    t_env_free(e);
}

static void test_cancel_after_ringing(void **state)
{
    (void)state;
    struct t_env *e = t_env_new(2);
    uint64_t call = dial(e);
    char inv[SIP_TCP_MAX_MSG + 1];
    snprintf(inv, sizeof inv, "%s", e->acts[0].text);
    /* hangup before any provisional: the CANCEL waits for one */
    assert_int_equal(sip_ua_hangup(e->ua, call, e->now), 0);
    t_drain(e);
    assert_int_equal(e->n, 0);
    response(inv, "180 Ringing", "r1", NULL, NULL);
    t_feed(e, resp);
    assert_int_equal(e->n, 1);
    struct t_act *cancel = t_sent(e, 0, "CANCEL sip:+4512345678@trunk.example SIP/2.0");
    assert_non_null(strstr(cancel->text, "CSeq: 1 CANCEL\r\n"));
    char v1[256], v2[256];
    t_header(inv, "Via", v1, sizeof v1);
    t_header(cancel->text, "Via", v2, sizeof v2);
    assert_string_equal(v1, v2);
    char ctext[SIP_TCP_MAX_MSG + 1];
    snprintf(ctext, sizeof ctext, "%s", cancel->text);
    response(ctext, "200 OK", "r1", NULL, NULL);
    t_feed(e, resp);
    assert_int_equal(e->n, 0);
    response(inv, "487 Request Terminated", "r1", NULL, NULL);
    t_feed(e, resp);
    assert_int_equal(e->n, 2);
    t_sent(e, 0, "ACK ");
    struct t_act *end = t_act(e, 1, SIP_ACT_CALL_ENDED);
    assert_int_equal(end->a.reason, SIP_END_LOCAL);
    assert_int_equal(end->a.status, 487);
    /* the 487 again: the ACK again */
    t_feed(e, resp);
    assert_int_equal(e->n, 1);
    t_sent(e, 0, "ACK ");
    t_env_free(e);
}

static void test_busy_and_second_challenge_fail(void **state)
{
    (void)state;
    struct t_env *e = t_env_new(2);
    uint64_t call = dial(e);
    char inv[SIP_TCP_MAX_MSG + 1];
    snprintf(inv, sizeof inv, "%s", e->acts[0].text);
    response(inv, "486 Busy Here", "b1", NULL, NULL);
    t_feed(e, resp);
    assert_int_equal(e->n, 2);
    t_sent(e, 0, "ACK ");
    struct t_act *end = t_act(e, 1, SIP_ACT_CALL_ENDED);
    assert_int_equal(end->a.call, call);
    assert_int_equal(end->a.reason, SIP_END_FAILURE);
    assert_int_equal(end->a.status, 486);

    call = dial(e);
    snprintf(inv, sizeof inv, "%s", e->acts[0].text);
    const char *ch = "WWW-Authenticate: Digest realm=\"t\", nonce=\"n\"\r\n";
    response(inv, "401 Unauthorized", "u1", ch, NULL);
    t_feed(e, resp);
    assert_int_equal(e->n, 2);
    struct t_act *again = t_sent(e, 1, "INVITE ");
    assert_non_null(strstr(again->text, "\r\nAuthorization: Digest username=\"samtale\""));
    assert_null(strstr(again->text, "qop="));
    snprintf(inv, sizeof inv, "%s", again->text);
    response(inv, "401 Unauthorized", "u2", ch, NULL);
    t_feed(e, resp);
    assert_int_equal(e->n, 2);
    end = t_act(e, 1, SIP_ACT_CALL_ENDED);
    assert_int_equal(end->a.status, 401);
    struct sip_ua_stats st;
    sip_ua_get_stats(e->ua, &st);
    assert_int_equal(st.calls_out_failed, 2);
    t_env_free(e);
}

static void test_no_answer_times_out(void **state)
{
    (void)state;
    struct t_env *e = t_env_new(1);
    dial(e);
    /* timer A: 0.5, 1, 2, 4, 8, 16 s; timer B at 32 s */
    int64_t start = e->now;
    size_t resent = 0;
    bool ended = false;
    for (int i = 0; i < 200 && !ended; i++) {
        t_advance(e, 250000);
        for (size_t k = 0; k < e->n; k++) {
            if (e->acts[k].a.kind == SIP_ACT_SEND)
                resent++;
            if (e->acts[k].a.kind == SIP_ACT_CALL_ENDED) {
                assert_int_equal(e->acts[k].a.reason, SIP_END_TIMEOUT);
                ended = true;
            }
        }
    }
    assert_true(ended);
    assert_true(e->now - start == 32000000);
    assert_int_equal(resent, 6);
    /* limits and bad numbers */
    uint64_t id;
    assert_int_equal(sip_ua_call(e->ua, e->now, "12a", NULL, our_offer, strlen(our_offer), &id),
                     ERR_INVAL);
    assert_int_equal(sip_ua_call(e->ua, e->now, "+", NULL, our_offer, strlen(our_offer), &id),
                     ERR_INVAL);
    assert_int_equal(sip_ua_call(e->ua, e->now, "1", NULL, our_offer, strlen(our_offer), &id), 0);
    assert_int_equal(sip_ua_call(e->ua, e->now, "2", NULL, our_offer, strlen(our_offer), &id),
                     ERR_FULL);
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
        cmocka_unit_test(test_dial_out_with_proxy_challenge),
        cmocka_unit_test(test_cancel_after_ringing),
        cmocka_unit_test(test_busy_and_second_challenge_fail),
        cmocka_unit_test(test_no_answer_times_out),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
