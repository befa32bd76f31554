/* Incoming requests of the SIP user agent: validation, retransmissions,
 * new calls, CANCEL, ACK, BYE, INFO (DTMF), re-INVITE and OPTIONS
 * (sip_ua_int.h). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/err.h"
#include "signaling/sip_ua_int.h"

/* A response without a server transaction of its own when the table is full. */
static struct sip_txn *server_txn(struct sip_ua *ua, struct ua_in *in, bool invite,
                                  const char *to_tag)
{
    struct sip_txn *t = txn_new(ua, true, invite, in->m->sip_method, in->branch);
    if (t == NULL) {
        ua_respond_stateless(ua, in->m, in->from, in->fromlen, in->tp, in->conn, 503,
                             "Retry-After: 5\r\n");
        return NULL;
    }
    memcpy(t->sent_by, in->sent_by, sizeof t->sent_by);
    t->tp = in->tp;
    t->conn = in->conn;
    t->cseq = in->cseq;
    if (in->tp == SIP_TP_UDP) {
        sip_msg_resp_addr(in->m, in->from, in->fromlen, &t->addr, &t->addr_len);
    } else {
        memcpy(&t->addr, in->from, (size_t)in->fromlen);
        t->addr_len = in->fromlen;
    }
    struct sip_wr w;
    sip_wr_init(&w, ua->out, sizeof ua->out);
    int rc = sip_msg_resp_head(in->m, to_tag, in->from, in->fromlen, &w);
    int n = osip_list_size(&in->m->record_routes);
    for (int i = 0; rc == 0 && invite && i < n; i++) {
        char *rr = NULL;
        if (osip_record_route_to_str(osip_list_get(&in->m->record_routes, i), &rr) != 0 ||
            !sip_msg_safe(rr, SIP_CALL_MAX_URI))
            rc = ERR_PARSE;
        else
            sip_wr_put(&w, "Record-Route: %s\r\n", rr);
        osip_free(rr);
    }
    if (rc == 0 && !w.err)
        t->head = malloc(w.len);
    if (t->head == NULL) {
        txn_free(ua, t);
        ua->stats.dropped++;
        return NULL;
    }
    memcpy(t->head, w.buf, w.len);
    t->head_len = w.len;
    return t;
}

/* A final response on a new non-INVITE server transaction. */
static void respond_once(struct sip_ua *ua, struct ua_in *in, const char *to_tag, unsigned status,
                         const char *extra)
{
    char tag[2 * SIP_TAG_LEN + 1];
    if (to_tag == NULL) {
        sip_msg_random_hex(tag, SIP_TAG_LEN);
        to_tag = tag;
    }
    struct sip_txn *t = server_txn(ua, in, false, to_tag);
    if (t == NULL)
        return;
    if (status == 400)
        ua->stats.sent_400++;
    ua_respond(ua, t, in->now, status, false, extra, NULL, NULL, 0);
    txn_enter(t, TXN_COMPLETED, in->now);
}

static struct sip_call *find_dialog(struct sip_ua *ua, osip_message_t *m)
{
    const char *to_tag = sip_msg_to_tag(m), *from_tag = sip_msg_from_tag(m);
    char *cid = NULL;
    struct sip_call *found = NULL;
    if (to_tag == NULL || from_tag == NULL || osip_call_id_to_str(m->call_id, &cid) != 0)
        return NULL;
    for (size_t i = 0; i < ua->max_calls && found == NULL; i++) {
        struct sip_call *c = &ua->calls[i];
        if (c->used && strcmp(c->call_id, cid) == 0 && strcmp(c->local_tag, to_tag) == 0 &&
            strcmp(c->remote_tag, from_tag) == 0)
            found = c;
    }
    osip_free(cid);
    return found;
}

/* Length of the well-formed UTF-8 sequence at p (at most left bytes), or 0. */
static size_t utf8_seq(const unsigned char *p, size_t left)
{
    size_t n = p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 ? 2 : 0;
    if (p[0] > 0xf4 || n == 0 || n > left)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    }
    if ((n == 3 && p[0] == 0xe0 && p[1] < 0xa0) || (n == 3 && p[0] == 0xed && p[1] >= 0xa0) ||
        (n == 4 && p[0] == 0xf0 && p[1] < 0x90) || (n == 4 && p[0] == 0xf4 && p[1] >= 0x90))
        return 0; /* overlong, surrogate or past U+10FFFF */
    return n;
}

/* Copies src into dst as printable text: user parts keep only what a
 * number or user name holds, display names drop quotes, controls and
 * malformed UTF-8 (and never cut a character in two). */
static void copy_clean(char *dst, size_t cap, const char *src, bool user)
{
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)src;
    while (p != NULL && *p != '\0' && n + 1 < cap) {
        unsigned char c = *p;
        if (c >= 0x80) {
            size_t k = user ? 0 : utf8_seq(p, strnlen((const char *)p, 4));
            if (k > 0 && n + k >= cap)
                break;
            memcpy(dst + n, p, k);
            n += k;
            p += k > 0 ? k : 1;
            continue;
        }
        bool ok = user ? (isalnum(c) || strchr("+*#._-", c) != NULL)
                       : (c >= 0x20 && c != 0x7f && c != '"' && c != '\\');
        if (ok)
            dst[n++] = (char)c;
        p++;
    }
    dst[n] = '\0';
}

static void caller_of(osip_message_t *m, struct sip_ua_action *a)
{
    const char *pai = sip_msg_header(m, "p-asserted-identity");
    osip_from_t *id = NULL;
    if (pai != NULL && osip_from_init(&id) == 0 && osip_from_parse(id, pai) == 0 &&
        id->url != NULL && id->url->username != NULL) {
        copy_clean(a->caller, sizeof a->caller, id->url->username, true);
        copy_clean(a->caller_display, sizeof a->caller_display, id->displayname, false);
    } else if (m->from->url != NULL) {
        copy_clean(a->caller, sizeof a->caller, m->from->url->username, true);
        copy_clean(a->caller_display, sizeof a->caller_display, m->from->displayname, false);
    }
    osip_from_free(id);
    copy_clean(a->callee, sizeof a->callee, m->req_uri->username, true);
}

/* The peer's Contact URI as a remote target. */
static int contact_of(osip_message_t *m, char *out, size_t cap)
{
    osip_contact_t *ct = osip_list_size(&m->contacts) > 0 ? osip_list_get(&m->contacts, 0) : NULL;
    char *s = NULL;
    if (ct == NULL || ct->url == NULL || osip_uri_to_str(ct->url, &s) != 0)
        return ERR_PARSE;
    int rc = sip_msg_safe(s, cap - 1) && strchr(s, ' ') == NULL ? 0 : ERR_PARSE;
    if (rc == 0)
        memcpy(out, s, strlen(s) + 1);
    osip_free(s);
    return rc;
}

/* Fills the dialog of a new incoming call from its INVITE (after
 * server_txn put our tag on To). */
static int dialog_from_invite(struct sip_call *c, struct ua_in *in)
{
    osip_message_t *m = in->m;
    char *cid = NULL, *from = NULL, *to = NULL;
    int rc = ERR_PARSE;
    const char *ftag = sip_msg_from_tag(m);
    if (ftag == NULL || osip_call_id_to_str(m->call_id, &cid) != 0 ||
        !sip_msg_safe(cid, sizeof c->call_id - 1))
        goto out;
    memcpy(c->call_id, cid, strlen(cid) + 1);
    memcpy(c->remote_tag, ftag, strlen(ftag) + 1);
    from = sip_msg_from_str(m);
    to = sip_msg_to_str(m);
    if (from == NULL || to == NULL || strlen(from) >= sizeof c->remote_hdr ||
        strlen(to) >= sizeof c->local_hdr)
        goto out;
    memcpy(c->remote_hdr, from, strlen(from) + 1);
    memcpy(c->local_hdr, to, strlen(to) + 1);
    if (contact_of(m, c->target, sizeof c->target) != 0)
        goto out;
    struct sip_wr w;
    sip_wr_init(&w, c->routes, sizeof c->routes);
    int n = osip_list_size(&m->record_routes);
    for (int i = 0; i < n; i++) {
        char *rr = NULL;
        if (osip_record_route_to_str(osip_list_get(&m->record_routes, i), &rr) == 0 &&
            sip_msg_safe(rr, SIP_CALL_MAX_URI))
            sip_wr_put(&w, "Route: %s\r\n", rr);
        osip_free(rr);
    }
    if (w.err)
        goto out;
    c->remote_cseq = in->cseq;
    c->invite_cseq = in->cseq;
    c->local_cseq = 1;
    memcpy(&c->peer, in->from, (size_t)in->fromlen);
    c->peer_len = in->fromlen;
    c->tp = in->tp;
    c->conn = in->conn;
    rc = 0;
out:
    osip_free(cid);
    osip_free(from);
    osip_free(to);
    return rc;
}

/* The SDP body of m, parsed. 0, ERR_NOTFOUND (no body), ERR_PROTO (not
 * application/sdp) or a parse error. */
static int body_sdp(osip_message_t *m, struct sip_sdp *out)
{
    size_t len = 0;
    char ctype[64];
    const char *body = sip_msg_body(m, &len);
    if (body == NULL || len == 0)
        return ERR_NOTFOUND;
    if (!sip_msg_content_type(m, ctype, sizeof ctype) || strcmp(ctype, "application/sdp") != 0)
        return ERR_PROTO;
    return sip_sdp_parse(body, len, out);
}

/* RFC 3261 8.2.2.2: the same INVITE (Call-ID, From tag, CSeq) again on
 * another branch, e.g. forked by a proxy and merged back. */
static bool merged(struct sip_ua *ua, struct ua_in *in)
{
    const char *ftag = sip_msg_from_tag(in->m);
    char *cid = NULL;
    bool found = false;
    if (ftag == NULL || osip_call_id_to_str(in->m->call_id, &cid) != 0)
        return false;
    for (size_t i = 0; i < ua->max_calls && !found; i++) {
        const struct sip_call *c = &ua->calls[i];
        found = c->used && !c->outgoing && c->invite_cseq == in->cseq &&
                strcmp(c->call_id, cid) == 0 && strcmp(c->remote_tag, ftag) == 0;
    }
    osip_free(cid);
    return found;
}

static void new_invite(struct sip_ua *ua, struct ua_in *in)
{
    struct sip_sdp sdp;
    if (merged(ua, in)) {
        respond_once(ua, in, NULL, 482, NULL);
        return;
    }
    int rc = body_sdp(in->m, &sdp);
    if (rc == ERR_NOTFOUND) {
        /* an offer in the ACK (delayed offer) is not supported */
        respond_once(ua, in, NULL, 488, "Warning: 399 samtale \"an SDP offer is required\"\r\n");
        return;
    }
    if (rc == ERR_PROTO) {
        respond_once(ua, in, NULL, 415, "Accept: application/sdp\r\n");
        return;
    }
    if (rc != 0) {
        respond_once(ua, in, NULL, 400, "Warning: 399 samtale \"malformed SDP\"\r\n");
        return;
    }
    if (ua->n_calls >= ua->max_calls) {
        respond_once(ua, in, NULL, 503, "Retry-After: 30\r\n");
        ua->stats.sent_503++;
        return;
    }
    struct sip_call *c = ua_call_new(ua);
    if (c == NULL)
        return;
    struct sip_txn *t = server_txn(ua, in, true, c->local_tag);
    if (t == NULL) {
        ua_call_drop(ua, c); /* nobody heard of this call */
        return;
    }
    if (dialog_from_invite(c, in) != 0) {
        ua->stats.sent_400++;
        ua_respond(ua, t, in->now, 400, false, "Warning: 399 samtale \"bad dialog headers\"\r\n",
                   NULL, NULL, 0);
        txn_enter(t, TXN_COMPLETED, in->now);
        ua_call_drop(ua, c);
        return;
    }
    t->call = c->id;
    c->inv = txn_index(ua, t);
    c->state = CALL_IN_OFFERED;
    ua_respond(ua, t, in->now, 100, false, NULL, NULL, NULL, 0);
    struct sip_ua_action *a = ua_event(ua, SIP_ACT_CALL_INCOMING, c->id);
    if (a != NULL) {
        caller_of(in->m, a);
        a->sdp = sdp;
        memcpy(&a->addr, in->from, (size_t)in->fromlen);
        a->addr_len = in->fromlen;
        a->tp = in->tp;
        a->conn = in->conn;
    }
    ua->stats.calls_in++;
}

static void re_invite(struct sip_ua *ua, struct ua_in *in, struct sip_call *c)
{
    struct sip_sdp sdp;
    char body[SIP_SDP_MAX_LEN + 256];
    size_t len;
    /* an INVITE of either side still open (our 2xx of a dial-out's INVITE,
     * already ACKed, does not count) */
    const struct sip_txn *open = txn_at(ua, c->inv);
    bool pending = open != NULL && (open->server || open->state != TXN_ACCEPTED);
    if (c->state != CALL_CONFIRMED || pending || c->sdp == NULL) {
        respond_once(ua, in, c->local_tag, 491, NULL);
        return;
    }
    int rc = body_sdp(in->m, &sdp);
    if (rc != 0 && rc != ERR_NOTFOUND) {
        respond_once(ua, in, c->local_tag, 488, NULL);
        return;
    }
    struct sip_txn *t = server_txn(ua, in, true, c->local_tag);
    if (t == NULL)
        return;
    c->remote_cseq = in->cseq;
    contact_of(in->m, c->target, sizeof c->target); /* a new target, if any */
    enum sip_sdp_dir dir = rc == 0 ? sip_sdp_mirror(sdp.dir) : SIP_SDP_SENDRECV;
    if (ua_sdp_again(c, dir, body, sizeof body, &len) != 0) {
        ua_respond(ua, t, in->now, 500, false, NULL, NULL, NULL, 0);
        txn_enter(t, TXN_COMPLETED, in->now);
        return;
    }
    t->call = c->id;
    c->inv = txn_index(ua, t);
    ua_respond(ua, t, in->now, 200, true, "Allow: " SIP_ALLOW_METHODS "\r\n", "application/sdp",
               body, len);
    txn_enter(t, TXN_ACCEPTED, in->now);
    if (rc == 0) {
        struct sip_ua_action *a = ua_event(ua, SIP_ACT_CALL_UPDATE, c->id);
        if (a != NULL)
            a->sdp = sdp;
    }
}

static void ack_in(struct sip_ua *ua, struct ua_in *in)
{
    struct sip_call *c = find_dialog(ua, in->m);
    struct sip_txn *t = c != NULL ? txn_at(ua, c->inv) : NULL;
    if (t == NULL || !t->server || t->state != TXN_ACCEPTED || t->cseq != in->cseq) {
        ua->stats.dropped++;
        return;
    }
    txn_free(ua, t);
    if (c->state != CALL_IN_ACCEPTED)
        return;
    c->state = CALL_CONFIRMED;
    ua_event(ua, SIP_ACT_CALL_CONFIRMED, c->id);
    if (c->bye_wanted)
        ua_send_bye(ua, c, in->now);
}

static void cancel_in(struct sip_ua *ua, struct ua_in *in)
{
    struct sip_txn *inv = txn_find_server(ua, in->branch, in->sent_by, "INVITE");
    if (inv == NULL) {
        respond_once(ua, in, NULL, 481, NULL);
        return;
    }
    struct sip_call *c = ua_call_find(ua, inv->call);
    respond_once(ua, in, c != NULL ? c->local_tag : NULL, 200, NULL);
    if (inv->state != TXN_PROCEEDING)
        return;
    ua_respond(ua, inv, in->now, 487, false, NULL, NULL, NULL, 0);
    txn_enter(inv, TXN_COMPLETED, in->now);
    if (c != NULL && c->state == CALL_IN_OFFERED) {
        ua->stats.calls_in_cancelled++;
        ua_call_end(ua, c, SIP_END_CANCEL, 487);
    }
}

static void bye_in(struct sip_ua *ua, struct ua_in *in, struct sip_call *c)
{
    respond_once(ua, in, c->local_tag, 200, NULL);
    struct sip_txn *inv = txn_at(ua, c->inv);
    if (inv != NULL && inv->server && inv->state == TXN_PROCEEDING) {
        ua_respond(ua, inv, in->now, 487, false, NULL, NULL, NULL, 0);
        txn_enter(inv, TXN_COMPLETED, in->now);
    } else if (inv != NULL && inv->server && inv->state == TXN_ACCEPTED) {
        txn_free(ua, inv); /* BYE before the ACK: stop sending the 2xx */
    }
    ua_call_end(ua, c, SIP_END_BYE, 0);
}

/* The digit of an INFO body: application/dtmf-relay "Signal=5" or
 * application/dtmf "5"; 0 when there is none. */
static char dtmf_digit(const char *body, size_t len, bool relay)
{
    const char *p = body, *end = body + len;
    if (relay) {
        p = NULL;
        for (const char *q = body; q + 7 <= end; q++) {
            if (strncasecmp(q, "signal", 6) == 0 && (q == body || q[-1] == '\n')) {
                q += 6;
                while (q < end && (*q == ' ' || *q == '\t'))
                    q++;
                if (q < end && *q == '=') {
                    p = q + 1;
                    break;
                }
            }
        }
        if (p == NULL)
            return 0;
    }
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    if (p >= end)
        return 0;
    const char *s = p;
    while (p < end && *p != '\r' && *p != '\n' && *p != ' ')
        p++;
    size_t n = (size_t)(p - s);
    if (n == 2 && s[0] == '1' && (s[1] == '0' || s[1] == '1'))
        return s[1] == '0' ? '*' : '#';
    if (n != 1)
        return 0;
    char d = (char)toupper((unsigned char)s[0]);
    if ((d >= '0' && d <= '9') || d == '*' || d == '#' || (d >= 'A' && d <= 'D'))
        return d;
    return 0;
}

static void info_in(struct sip_ua *ua, struct ua_in *in, struct sip_call *c)
{
    size_t len = 0;
    char ctype[64];
    const char *body = sip_msg_body(in->m, &len);
    if (body == NULL || len == 0) {
        respond_once(ua, in, c->local_tag, 200, NULL);
        return;
    }
    bool ct = sip_msg_content_type(in->m, ctype, sizeof ctype);
    bool relay = ct && strcmp(ctype, "application/dtmf-relay") == 0;
    if (!relay && !(ct && strcmp(ctype, "application/dtmf") == 0)) {
        respond_once(ua, in, c->local_tag, 415,
                     "Accept: application/dtmf-relay, application/dtmf\r\n");
        return;
    }
    char d = dtmf_digit(body, len, relay);
    if (d == 0) {
        respond_once(ua, in, c->local_tag, 400, "Warning: 399 samtale \"no DTMF digit\"\r\n");
        return;
    }
    respond_once(ua, in, c->local_tag, 200, NULL);
    struct sip_ua_action *a = ua_event(ua, SIP_ACT_CALL_DTMF, c->id);
    if (a != NULL)
        a->digit = d;
}

/* Requests inside a dialog: the dialog must exist and the CSeq grow. */
static void in_dialog(struct sip_ua *ua, struct ua_in *in, const char *method)
{
    struct sip_call *c = find_dialog(ua, in->m);
    if (c == NULL) {
        respond_once(ua, in, NULL, 481, NULL);
        return;
    }
    if (in->cseq <= c->remote_cseq && c->remote_cseq != 0) {
        respond_once(ua, in, c->local_tag, 500, "Warning: 399 samtale \"CSeq out of order\"\r\n");
        return;
    }
    if (strcmp(method, "INVITE") == 0) {
        re_invite(ua, in, c);
        return;
    }
    c->remote_cseq = in->cseq;
    if (strcmp(method, "BYE") == 0)
        bye_in(ua, in, c);
    else
        info_in(ua, in, c);
}

static bool parse_cseq(const char *s, uint32_t *out)
{
    uint64_t v = 0;
    size_t n = 0;
    for (; s != NULL && *s >= '0' && *s <= '9'; s++) {
        if (++n > 10)
            return false;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    if (s == NULL || *s != '\0' || n == 0 || v >= (1ULL << 31))
        return false;
    *out = (uint32_t)v;
    return true;
}

void ua_request(struct sip_ua *ua, struct ua_in *in)
{
    osip_message_t *m = in->m;
    const char *method = m->sip_method;
    bool ack = strcmp(method, "ACK") == 0;
    if (m->from == NULL || m->to == NULL || m->call_id == NULL || m->cseq == NULL ||
        m->cseq->method == NULL || !sip_msg_sent_by(m, in->sent_by, sizeof in->sent_by)) {
        ua->stats.dropped++; /* nothing to address an answer with */
        return;
    }
    in->branch = sip_msg_branch(m);
    if (in->branch == NULL || !sip_msg_safe(method, 15)) {
        if (!ack && in->branch == NULL) /* cannot match retransmissions: answer statelessly */
            ua_respond_stateless(ua, m, in->from, in->fromlen, in->tp, in->conn, 400, NULL);
        else
            ua->stats.dropped++;
        return;
    }
    struct sip_txn *t = txn_find_server(ua, in->branch, in->sent_by, method);
    if (t != NULL) { /* a retransmission, or the ACK of our non-2xx */
        if (!ack)
            txn_resend(ua, t);
        else if (t->state == TXN_COMPLETED)
            txn_enter(t, TXN_CONFIRMED, in->now);
        return;
    }
    if (ack && !parse_cseq(m->cseq->number, &in->cseq)) {
        ua->stats.dropped++;
        return;
    }
    if (ack) {
        ack_in(ua, in);
        return;
    }
    if (!parse_cseq(m->cseq->number, &in->cseq) || strcmp(m->cseq->method, method) != 0) {
        respond_once(ua, in, NULL, 400, "Warning: 399 samtale \"bad CSeq\"\r\n");
        return;
    }
    if (sip_msg_header_count(m) > SIP_UA_MAX_HEADERS ||
        osip_list_size(&m->vias) > SIP_UA_MAX_VIAS) {
        respond_once(ua, in, NULL, 400, "Warning: 399 samtale \"too many header fields\"\r\n");
        return;
    }
    const char *req = sip_msg_header(m, "require");
    if (req != NULL && strcmp(method, "CANCEL") != 0) {
        char extra[300];
        struct sip_wr w;
        sip_wr_init(&w, extra, sizeof extra);
        sip_wr_put(&w, "Unsupported: %s\r\n", sip_msg_safe(req, 200) ? req : "unknown");
        respond_once(ua, in, NULL, 420, w.err ? NULL : extra);
        return;
    }
    bool tagged = sip_msg_to_tag(m) != NULL;
    if (strcmp(method, "INVITE") == 0 && !tagged)
        new_invite(ua, in);
    else if (strcmp(method, "INVITE") == 0 || strcmp(method, "BYE") == 0 ||
             strcmp(method, "INFO") == 0)
        in_dialog(ua, in, method);
    else if (strcmp(method, "CANCEL") == 0)
        cancel_in(ua, in);
    else if (strcmp(method, "OPTIONS") == 0)
        respond_once(ua, in, NULL, 200,
                     "Allow: " SIP_ALLOW_METHODS "\r\nAccept: " SIP_ACCEPT_TYPES "\r\n");
    else
        respond_once(ua, in, NULL, 405, "Allow: " SIP_ALLOW_METHODS "\r\n");
}
