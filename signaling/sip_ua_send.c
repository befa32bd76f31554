/* The messages the user agent builds: responses from a transaction's
 * stored head, stateless responses, in-dialog requests and our SDP for a
 * re-INVITE (sip_ua_int.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "signaling/sip_ua_int.h"

void ua_new_branch(char out[2 * SIP_TAG_LEN + 8])
{
    memcpy(out, "z9hG4bK", 7);
    sip_msg_random_hex(out + 7, SIP_TAG_LEN);
}

void ua_put_contact(struct sip_ua *ua, struct sip_wr *w, enum sip_transport tp)
{
    sip_wr_put(w, "Contact: <sip:%s@%s:%u%s>\r\n", ua->username, ua->host, ua_port(ua, tp),
               tp == SIP_TP_TLS   ? ";transport=tls"
               : tp == SIP_TP_TCP ? ";transport=tcp"
                                  : "");
}

static void put_tail(struct sip_ua *ua, struct sip_wr *w, bool response, const char *ctype,
                     const char *body, size_t body_len)
{
    if (ua->user_agent[0] != '\0')
        sip_wr_put(w, "%s: %s\r\n", response ? "Server" : "User-Agent", ua->user_agent);
    if (body != NULL && body_len > 0)
        sip_wr_put(w, "Content-Type: %s\r\n", ctype);
    else
        body_len = 0;
    sip_wr_put(w, "Content-Length: %zu\r\n\r\n", body_len);
    if (body_len > 0)
        sip_wr_mem(w, body, body_len);
}

int ua_respond(struct sip_ua *ua, struct sip_txn *t, int64_t now_us, unsigned status, bool contact,
               const char *extra, const char *ctype, const char *body, size_t body_len)
{
    struct sip_wr w;
    if (t->head == NULL)
        return ERR_INVAL;
    sip_wr_init(&w, ua->out, sizeof ua->out);
    sip_wr_put(&w, "SIP/2.0 %u %s\r\n", status, sip_msg_reason(status));
    sip_wr_mem(&w, t->head, t->head_len);
    if (contact)
        ua_put_contact(ua, &w, t->tp);
    if (extra != NULL)
        sip_wr_put(&w, "%s", extra);
    put_tail(ua, &w, true, ctype, body, body_len);
    if (w.err)
        return ERR_TOOBIG;
    t->status = status;
    txn_send(ua, t, now_us, ua->out, w.len);
    return 0;
}

void ua_respond_stateless(struct sip_ua *ua, osip_message_t *req, const struct sockaddr *from,
                          socklen_t fromlen, enum sip_transport tp, uint64_t conn, unsigned status,
                          const char *extra)
{
    char tag[2 * SIP_TAG_LEN + 1];
    struct sip_wr w;
    struct sockaddr_storage to;
    socklen_t tolen;
    sip_msg_random_hex(tag, SIP_TAG_LEN);
    sip_wr_init(&w, ua->out, sizeof ua->out);
    sip_wr_put(&w, "SIP/2.0 %u %s\r\n", status, sip_msg_reason(status));
    if (sip_msg_resp_head(req, tag, from, fromlen, &w) != 0)
        return;
    if (extra != NULL)
        sip_wr_put(&w, "%s", extra);
    put_tail(ua, &w, true, NULL, NULL, 0);
    if (w.err)
        return;
    if (tp == SIP_TP_UDP) {
        sip_msg_resp_addr(req, from, fromlen, &to, &tolen);
    } else {
        memcpy(&to, from, (size_t)fromlen < sizeof to ? (size_t)fromlen : sizeof to);
        tolen = fromlen;
    }
    if (status == 400)
        ua->stats.sent_400++;
    else if (status == 403)
        ua->stats.sent_403++;
    else if (status == 503)
        ua->stats.sent_503++;
    ua_send(ua, 0, ua->out, w.len, &to, tolen, tp, conn);
}

int ua_build_dialog_request(struct sip_ua *ua, struct sip_call *c, const char *method,
                            uint32_t cseq, const char *branch, size_t *len)
{
    char fresh[2 * SIP_TAG_LEN + 8];
    struct sip_wr w;
    if (branch == NULL) {
        ua_new_branch(fresh);
        branch = fresh;
    }
    sip_wr_init(&w, ua->out, sizeof ua->out);
    sip_wr_put(&w,
               "%s %s SIP/2.0\r\nVia: SIP/2.0/%s %s:%u;branch=%s;rport\r\n"
               "Max-Forwards: 70\r\n%sFrom: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %u %s\r\n",
               method, c->target, sip_tp_name(c->tp), ua->host, ua_port(ua, c->tp), branch,
               c->routes, c->local_hdr, c->remote_hdr, c->call_id, cseq, method);
    put_tail(ua, &w, false, NULL, NULL, 0);
    if (w.err)
        return ERR_TOOBIG;
    *len = w.len;
    return 0;
}

static bool is_dir_line(const char *p, size_t n)
{
    static const char *const dirs[] = {"a=sendrecv", "a=sendonly", "a=recvonly", "a=inactive"};
    for (size_t i = 0; i < 4; i++) {
        if (n == 10 && memcmp(p, dirs[i], 10) == 0)
            return true;
    }
    return false;
}

int ua_sdp_again(struct sip_call *c, enum sip_sdp_dir dir, char *out, size_t cap, size_t *len)
{
    struct sip_wr w;
    bool had_dir = false;
    sip_wr_init(&w, out, cap);
    c->sdp_version++;
    size_t pos = 0;
    while (pos < c->sdp_len) {
        const char *p = c->sdp + pos;
        const char *nl = memchr(p, '\n', c->sdp_len - pos);
        size_t n = nl != NULL ? (size_t)(nl - p) : c->sdp_len - pos;
        pos += nl != NULL ? n + 1 : n;
        if (n > 0 && p[n - 1] == '\r')
            n--;
        if (n == 0)
            continue;
        if (is_dir_line(p, n)) {
            sip_wr_put(&w, "a=%s\r\n", sip_sdp_dir_name(dir));
            had_dir = true;
        } else if (n > 2 && memcmp(p, "o=", 2) == 0) {
            /* o=<user> <id> <version> <rest>: a new version */
            size_t sp[3], k = 0;
            for (size_t i = 2; i < n && k < 3; i++) {
                if (p[i] == ' ')
                    sp[k++] = i;
            }
            if (k < 3)
                return ERR_PARSE;
            sip_wr_mem(&w, p, sp[1] + 1);
            sip_wr_put(&w, "%llu", (unsigned long long)c->sdp_version);
            sip_wr_mem(&w, p + sp[2], n - sp[2]);
            sip_wr_put(&w, "\r\n");
        } else {
            sip_wr_mem(&w, p, n);
            sip_wr_put(&w, "\r\n");
        }
    }
    if (!had_dir)
        sip_wr_put(&w, "a=%s\r\n", sip_sdp_dir_name(dir));
    if (w.err)
        return ERR_TOOBIG;
    *len = w.len;
    return 0;
}
