/* The caller's side of the SIP user agent: answering, rejecting and ending
 * calls, dial-out through the trunk with digest authentication, and the
 * responses to our own requests (sip_ua.h, sip_ua_int.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "signaling/sip_digest.h"
#include "signaling/sip_ua_int.h"

static struct sip_txn *offered_txn(struct sip_ua *ua, uint64_t call, struct sip_call **out)
{
    struct sip_call *c = ua_call_find(ua, call);
    struct sip_txn *t = c != NULL ? txn_at(ua, c->inv) : NULL;
    if (c == NULL || c->state != CALL_IN_OFFERED || t == NULL || !t->server ||
        t->state != TXN_PROCEEDING)
        return NULL;
    *out = c;
    return t;
}

int sip_ua_ringing(struct sip_ua *ua, uint64_t call, int64_t now_us)
{
    struct sip_call *c;
    struct sip_txn *t = offered_txn(ua, call, &c);
    if (t == NULL)
        return ERR_NOTFOUND;
    return ua_respond(ua, t, now_us, 180, true, NULL, NULL, NULL, 0);
}

int sip_ua_answer(struct sip_ua *ua, uint64_t call, int64_t now_us, const char *sdp, size_t len)
{
    struct sip_call *c;
    struct sip_sdp ours;
    struct sip_txn *t = offered_txn(ua, call, &c);
    if (t == NULL)
        return ERR_NOTFOUND;
    if (sdp == NULL || len == 0 || len > SIP_SDP_MAX_LEN || sip_sdp_parse(sdp, len, &ours) != 0)
        return ERR_INVAL;
    char *copy = malloc(len);
    if (copy == NULL)
        return ERR_NOMEM;
    memcpy(copy, sdp, len);
    int rc = ua_respond(ua, t, now_us, 200, true, "Allow: " SIP_ALLOW_METHODS "\r\n",
                        "application/sdp", sdp, len);
    if (rc != 0) {
        free(copy);
        return rc;
    }
    free(c->sdp);
    c->sdp = copy;
    c->sdp_len = len;
    c->sdp_version = ours.sess_version;
    txn_enter(t, TXN_ACCEPTED, now_us);
    c->state = CALL_IN_ACCEPTED;
    ua->stats.calls_in_answered++;
    return 0;
}

int sip_ua_reject(struct sip_ua *ua, uint64_t call, int64_t now_us, unsigned status)
{
    struct sip_call *c;
    if (status < 300 || status > 699)
        return ERR_INVAL;
    struct sip_txn *t = offered_txn(ua, call, &c);
    if (t == NULL)
        return ERR_NOTFOUND;
    const char *extra = status == 503 ? "Retry-After: 30\r\n" : NULL;
    int rc = ua_respond(ua, t, now_us, status, false, extra, NULL, NULL, 0);
    if (rc != 0)
        return rc;
    txn_enter(t, TXN_COMPLETED, now_us);
    ua->stats.calls_in_rejected++;
    ua_call_end(ua, c, SIP_END_LOCAL, status);
    return 0;
}

static struct sip_txn *client_txn(struct sip_ua *ua, struct sip_call *c, bool invite,
                                  const char *method, const char *branch)
{
    struct sip_txn *t = txn_new(ua, false, invite, method, branch);
    if (t == NULL)
        return NULL;
    t->call = c->id;
    memcpy(&t->addr, &c->peer, sizeof t->addr);
    t->addr_len = c->peer_len;
    t->tp = c->tp;
    t->conn = c->conn;
    return t;
}

int ua_send_bye(struct sip_ua *ua, struct sip_call *c, int64_t now_us)
{
    char branch[2 * SIP_TAG_LEN + 8];
    size_t len;
    ua_new_branch(branch);
    c->local_cseq++;
    c->state = CALL_BYE_SENT;
    struct sip_txn *t = client_txn(ua, c, false, "BYE", branch);
    if (t == NULL)
        return ERR_FULL;
    t->cseq = c->local_cseq;
    int rc = ua_build_dialog_request(ua, c, "BYE", c->local_cseq, branch, &len);
    if (rc != 0) {
        txn_free(ua, t);
        return rc;
    }
    txn_send(ua, t, now_us, ua->out, len);
    txn_enter(t, TXN_TRYING, now_us);
    return 0;
}

/* CANCEL of our INVITE: same branch, Request-URI, From, To and CSeq number. */
static void send_cancel(struct sip_ua *ua, struct sip_call *c, struct sip_txn *inv, int64_t now_us)
{
    struct sip_wr w;
    c->state = CALL_CANCELLING;
    c->cancel_wanted = false;
    inv->timeout_at = now_us + 64 * SIP_T1_US; /* no 487 by then: the call is over anyway */
    struct sip_txn *t = client_txn(ua, c, false, "CANCEL", inv->branch);
    if (t == NULL)
        return;
    sip_wr_init(&w, ua->out, sizeof ua->out);
    sip_wr_put(&w,
               "CANCEL %s SIP/2.0\r\nVia: SIP/2.0/%s %s:%u;branch=%s;rport\r\n"
               "Max-Forwards: 70\r\nFrom: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %u CANCEL\r\n"
               "Content-Length: 0\r\n\r\n",
               c->target, sip_tp_name(c->tp), ua->host, ua_port(ua, c->tp), inv->branch,
               c->local_hdr, c->remote_hdr, c->call_id, c->invite_cseq);
    if (w.err) {
        txn_free(ua, t);
        return;
    }
    txn_send(ua, t, now_us, ua->out, w.len);
    txn_enter(t, TXN_TRYING, now_us);
}

int sip_ua_hangup(struct sip_ua *ua, uint64_t call, int64_t now_us)
{
    struct sip_call *c = ua_call_find(ua, call);
    if (c == NULL)
        return ERR_NOTFOUND;
    struct sip_txn *inv = txn_at(ua, c->inv);
    switch (c->state) {
    case CALL_IN_OFFERED:
        return sip_ua_reject(ua, call, now_us, 480);
    case CALL_IN_ACCEPTED: /* BYE only after the ACK (RFC 3261 15) */
        c->bye_wanted = true;
        return 0;
    case CALL_CONFIRMED: {
        int rc = ua_send_bye(ua, c, now_us);
        if (rc != 0)
            ua_call_end(ua, c, SIP_END_LOCAL, 0);
        return 0;
    }
    case CALL_OUT_CALLING: /* CANCEL only after a provisional (RFC 3261 9.1) */
        c->cancel_wanted = true;
        return 0;
    case CALL_OUT_EARLY:
        if (inv != NULL)
            send_cancel(ua, c, inv, now_us);
        return 0;
    default:
        return 0; /* already ending */
    }
}

static int send_invite(struct sip_ua *ua, struct sip_call *c, int64_t now_us, const char *auth)
{
    struct sip_wr w;
    ua_new_branch(c->invite_branch);
    struct sip_txn *t = client_txn(ua, c, true, "INVITE", c->invite_branch);
    if (t == NULL)
        return ERR_FULL;
    t->cseq = c->invite_cseq;
    sip_wr_init(&w, ua->out, sizeof ua->out);
    sip_wr_put(&w,
               "INVITE %s SIP/2.0\r\nVia: SIP/2.0/%s %s:%u;branch=%s;rport\r\n"
               "Max-Forwards: 70\r\nFrom: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %u INVITE\r\n",
               c->target, sip_tp_name(c->tp), ua->host, ua_port(ua, c->tp), c->invite_branch,
               c->local_hdr, c->remote_hdr, c->call_id, c->invite_cseq);
    ua_put_contact(ua, &w, c->tp);
    if (auth != NULL)
        sip_wr_put(&w, "%s", auth);
    sip_wr_put(&w, "Allow: " SIP_ALLOW_METHODS "\r\n");
    if (ua->user_agent[0] != '\0')
        sip_wr_put(&w, "User-Agent: %s\r\n", ua->user_agent);
    sip_wr_put(&w, "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n", c->sdp_len);
    sip_wr_mem(&w, c->sdp, c->sdp_len);
    if (w.err) {
        txn_free(ua, t);
        return ERR_TOOBIG;
    }
    c->inv = txn_index(ua, t);
    txn_send(ua, t, now_us, ua->out, w.len);
    txn_enter(t, TXN_TRYING, now_us);
    return 0;
}

static bool number_ok(const char *n)
{
    size_t len = n != NULL ? strnlen(n, 40) : 0;
    if (len == 0 || len > 32)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (!((n[i] >= '0' && n[i] <= '9') || (i == 0 && n[i] == '+' && len > 1)))
            return false;
    }
    return true;
}

int sip_ua_call(struct sip_ua *ua, int64_t now_us, const char *number, const char *display_name,
                const char *sdp, size_t len, uint64_t *call_out)
{
    char display[64];
    size_t dn = 0;
    if (ua->trunk_addr_len == 0)
        return ERR_PROTO;
    if (!number_ok(number) || sdp == NULL || len == 0 || len > SIP_SDP_MAX_LEN)
        return ERR_INVAL;
    for (const char *p = display_name; p != NULL && *p != '\0' && dn + 1 < sizeof display; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch >= 0x20 && ch != 0x7f && ch != '"' && ch != '\\')
            display[dn++] = (char)ch;
    }
    display[dn] = '\0';
    if (ua->n_calls >= ua->max_calls)
        return ERR_FULL;
    struct sip_call *c = ua_call_new(ua);
    if (c == NULL)
        return ERR_FULL;
    char id[2 * SIP_TAG_LEN + 1];
    sip_msg_random_hex(id, SIP_TAG_LEN);
    c->outgoing = true;
    c->state = CALL_OUT_CALLING;
    c->invite_cseq = c->local_cseq = 1;
    memcpy(&c->peer, &ua->trunk_addr, sizeof c->peer);
    c->peer_len = ua->trunk_addr_len;
    c->tp = ua->trunk_tp;
    c->sdp = malloc(len);
    struct sip_wr w;
    int rc = ERR_NOMEM;
    if (c->sdp == NULL)
        goto fail;
    memcpy(c->sdp, sdp, len);
    c->sdp_len = len;
    rc = ERR_TOOBIG;
    sip_wr_init(&w, c->call_id, sizeof c->call_id);
    sip_wr_put(&w, "%s@%s", id, ua->host);
    if (w.err)
        goto fail;
    sip_wr_init(&w, c->target, sizeof c->target);
    sip_wr_put(&w, "sip:%s@%s", number, ua->trunk_domain);
    if (w.err)
        goto fail;
    sip_wr_init(&w, c->remote_hdr, sizeof c->remote_hdr);
    sip_wr_put(&w, "<sip:%s@%s>", number, ua->trunk_domain);
    if (w.err)
        goto fail;
    sip_wr_init(&w, c->local_hdr, sizeof c->local_hdr);
    if (dn > 0)
        sip_wr_put(&w, "\"%s\" ", display);
    sip_wr_put(&w, "<sip:%s@%s>;tag=%s", ua->username, ua->trunk_domain, c->local_tag);
    if (w.err)
        goto fail;
    rc = send_invite(ua, c, now_us, NULL);
    if (rc != 0)
        goto fail;
    ua->stats.calls_out++;
    *call_out = c->id;
    return 0;
fail:
    ua_call_drop(ua, c);
    return rc;
}

/* ---- responses to our requests ---- */

/* The ACK of a non-2xx final response (RFC 3261 17.1.1.3), stored as the
 * transaction's message so a retransmitted response gets it again. */
static void ack_failure(struct sip_ua *ua, struct sip_txn *t, struct sip_call *c, osip_message_t *m,
                        int64_t now_us)
{
    struct sip_wr w;
    char *to = sip_msg_to_str(m);
    if (to == NULL)
        return;
    sip_wr_init(&w, ua->out, sizeof ua->out);
    sip_wr_put(&w,
               "ACK %s SIP/2.0\r\nVia: SIP/2.0/%s %s:%u;branch=%s;rport\r\n"
               "Max-Forwards: 70\r\nFrom: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %u ACK\r\n"
               "Content-Length: 0\r\n\r\n",
               c->target, sip_tp_name(c->tp), ua->host, ua_port(ua, c->tp), t->branch, c->local_hdr,
               to, c->call_id, t->cseq);
    osip_free(to);
    if (!w.err)
        txn_send(ua, t, now_us, ua->out, w.len);
}

/* The dialog of our INVITE from its 2xx (RFC 3261 12.1.2): their tag, the
 * remote target, the route set in reverse. */
static int dialog_from_2xx(struct sip_call *c, osip_message_t *m)
{
    const char *tag = sip_msg_to_tag(m);
    char *to = sip_msg_to_str(m);
    int rc = ERR_PARSE;
    if (tag == NULL || to == NULL || strlen(to) >= sizeof c->remote_hdr)
        goto out;
    memcpy(c->remote_tag, tag, strlen(tag) + 1);
    memcpy(c->remote_hdr, to, strlen(to) + 1);
    osip_contact_t *ct = osip_list_size(&m->contacts) > 0 ? osip_list_get(&m->contacts, 0) : NULL;
    char *uri = NULL;
    if (ct != NULL && ct->url != NULL && osip_uri_to_str(ct->url, &uri) == 0 &&
        sip_msg_safe(uri, sizeof c->target - 1) && strchr(uri, ' ') == NULL)
        memcpy(c->target, uri, strlen(uri) + 1);
    osip_free(uri);
    struct sip_wr w;
    sip_wr_init(&w, c->routes, sizeof c->routes);
    for (int i = osip_list_size(&m->record_routes) - 1; i >= 0; i--) {
        char *rr = NULL;
        if (osip_record_route_to_str(osip_list_get(&m->record_routes, i), &rr) == 0 &&
            sip_msg_safe(rr, SIP_CALL_MAX_URI))
            sip_wr_put(&w, "Route: %s\r\n", rr);
        osip_free(rr);
    }
    rc = w.err ? ERR_TOOBIG : 0;
out:
    osip_free(to);
    return rc;
}

/* After the answer our SDP for later re-INVITEs is the answer's codec
 * only (RFC 3264 8: no codec the peer did not accept), same origin. */
static void narrow_offer(struct sip_call *c, const struct sip_sdp *answer)
{
    struct sip_sdp ours;
    struct sip_sdp_choice ch;
    char buf[SIP_SDP_OUT_MAX];
    size_t len;
    if (sip_sdp_parse(c->sdp, c->sdp_len, &ours) != 0)
        return;
    c->sdp_version = ours.sess_version;
    if (answer->n_codecs == 0)
        return;
    ch.codec = answer->codecs[0].codec;
    ch.pt = answer->codecs[0].pt;
    ch.dtmf_pt = answer->dtmf_pt;
    struct sip_sdp_local l = {ours.addr, ours.port, ours.sess_id, ours.sess_version};
    if (sip_sdp_build_answer(&l, &ch, SIP_SDP_SENDRECV, buf, sizeof buf, &len) != 0)
        return;
    char *copy = malloc(len);
    if (copy == NULL)
        return;
    memcpy(copy, buf, len);
    free(c->sdp);
    c->sdp = copy;
    c->sdp_len = len;
}

static void invite_2xx(struct sip_ua *ua, struct sip_txn *t, struct sip_call *c, osip_message_t *m,
                       int64_t now_us)
{
    size_t len;
    if (t->state == TXN_ACCEPTED) { /* retransmitted 2xx: the same ACK again */
        if (c != NULL && c->ack != NULL)
            ua_send(ua, c->id, c->ack, c->ack_len, &c->peer, c->peer_len, c->tp, c->conn);
        return;
    }
    txn_enter(t, TXN_ACCEPTED, now_us);
    if (c == NULL)
        return;
    bool ending = c->state == CALL_CANCELLING || c->cancel_wanted;
    if (dialog_from_2xx(c, m) != 0 ||
        ua_build_dialog_request(ua, c, "ACK", c->invite_cseq, NULL, &len) != 0) {
        ua->stats.calls_out_failed++;
        ua_call_end(ua, c, SIP_END_FAILURE, 400);
        return;
    }
    free(c->ack);
    c->ack = malloc(len);
    if (c->ack != NULL) {
        memcpy(c->ack, ua->out, len);
        c->ack_len = len;
    }
    ua_send(ua, c->id, ua->out, len, &c->peer, c->peer_len, c->tp, c->conn);
    c->local_cseq = c->invite_cseq;
    struct sip_sdp sdp;
    size_t blen = 0;
    const char *body = sip_msg_body(m, &blen);
    if (!ending && (body == NULL || sip_sdp_parse(body, blen, &sdp) != 0)) {
        ua->stats.calls_out_failed++;
        ua_send_bye(ua, c, now_us);
        ua_call_end(ua, c, SIP_END_FAILURE, 488);
        return;
    }
    if (ending) {
        ua_send_bye(ua, c, now_us);
        return;
    }
    narrow_offer(c, &sdp);
    c->state = CALL_CONFIRMED;
    ua->stats.calls_out_answered++;
    struct sip_ua_action *a = ua_event(ua, SIP_ACT_CALL_ANSWERED, c->id);
    if (a != NULL)
        a->sdp = sdp;
}

static void invite_failure(struct sip_ua *ua, struct sip_txn *t, struct sip_call *c,
                           osip_message_t *m, int64_t now_us)
{
    unsigned st = (unsigned)m->status_code;
    if (t->state == TXN_COMPLETED) { /* retransmitted final: the ACK again */
        txn_resend(ua, t);
        return;
    }
    if (c == NULL) {
        txn_enter(t, TXN_COMPLETED, now_us);
        return;
    }
    ack_failure(ua, t, c, m, now_us);
    txn_enter(t, TXN_COMPLETED, now_us);
    if ((st == 401 || st == 407) && !c->auth_done && ua->password != NULL &&
        c->state != CALL_CANCELLING && !c->cancel_wanted) {
        char hdr[1024];
        int n =
            snprintf(hdr, sizeof hdr, "%s: ", st == 407 ? "Proxy-Authorization" : "Authorization");
        if (n > 0 && (size_t)n < sizeof hdr - 3 &&
            sip_digest_authorize(m, ua->username, ua->password, "INVITE", c->target, hdr + n,
                                 sizeof hdr - (size_t)n - 2) == 0) {
            memcpy(hdr + strlen(hdr), "\r\n", 3);
            c->auth_done = true;
            c->invite_cseq++;
            if (send_invite(ua, c, now_us, hdr) == 0)
                return;
        }
    }
    if (c->state == CALL_CANCELLING) {
        ua_call_end(ua, c, SIP_END_LOCAL, st);
    } else {
        ua->stats.calls_out_failed++;
        ua_call_end(ua, c, SIP_END_FAILURE, st);
    }
}

void ua_client_response(struct sip_ua *ua, struct sip_txn *t, osip_message_t *resp, int64_t now_us)
{
    unsigned st = (unsigned)resp->status_code;
    struct sip_call *c = ua_call_find(ua, t->call);
    t->status = st;
    if (!t->invite) {
        if (st < 200) {
            if (t->state == TXN_TRYING)
                txn_enter(t, TXN_PROCEEDING, now_us);
            return;
        }
        if (t->state == TXN_COMPLETED)
            return;
        txn_enter(t, TXN_COMPLETED, now_us);
        if (c != NULL && strcmp(t->method, "BYE") == 0 && c->state == CALL_BYE_SENT)
            ua_call_end(ua, c, SIP_END_LOCAL, st);
        return;
    }
    if (st >= 200 && st < 300) {
        invite_2xx(ua, t, c, resp, now_us);
        return;
    }
    if (st >= 300) {
        invite_failure(ua, t, c, resp, now_us);
        return;
    }
    if (t->state == TXN_TRYING)
        txn_enter(t, TXN_PROCEEDING, now_us);
    if (t->state != TXN_PROCEEDING || c == NULL)
        return;
    if (c->cancel_wanted) {
        send_cancel(ua, c, t, now_us);
        return;
    }
    if (c->state == CALL_OUT_CALLING || c->state == CALL_OUT_EARLY) {
        c->state = CALL_OUT_EARLY;
        if (st == 180 || st == 183) {
            struct sip_ua_action *a = ua_event(ua, SIP_ACT_CALL_PROGRESS, c->id);
            if (a != NULL)
                a->status = st;
        }
    }
}

void ua_client_timeout(struct sip_ua *ua, struct sip_txn *t, int64_t now_us)
{
    (void)now_us;
    struct sip_call *c = ua_call_find(ua, t->call);
    if (c != NULL && t->invite && c->inv == txn_index(ua, t)) {
        if (c->state == CALL_CANCELLING || c->cancel_wanted) {
            ua_call_end(ua, c, SIP_END_LOCAL, 408);
        } else {
            ua->stats.calls_out_failed++;
            ua_call_end(ua, c, SIP_END_TIMEOUT, 408);
        }
    } else if (c != NULL && strcmp(t->method, "BYE") == 0 && c->state == CALL_BYE_SENT) {
        ua_call_end(ua, c, SIP_END_LOCAL, 408);
    }
    txn_free(ua, t);
}

void ua_stray_2xx(struct sip_ua *ua, osip_message_t *resp)
{
    const char *ftag = sip_msg_from_tag(resp), *ttag = sip_msg_to_tag(resp);
    char *cid = NULL;
    if (ftag == NULL || ttag == NULL || osip_call_id_to_str(resp->call_id, &cid) != 0) {
        ua->stats.dropped++;
        return;
    }
    for (size_t i = 0; i < ua->max_calls; i++) {
        struct sip_call *c = &ua->calls[i];
        if (c->used && c->outgoing && c->ack != NULL && strcmp(c->call_id, cid) == 0 &&
            strcmp(c->local_tag, ftag) == 0 && strcmp(c->remote_tag, ttag) == 0) {
            ua_send(ua, c->id, c->ack, c->ack_len, &c->peer, c->peer_len, c->tp, c->conn);
            osip_free(cid);
            return;
        }
    }
    osip_free(cid);
    ua->stats.dropped++;
}
