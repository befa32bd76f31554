/* SIP transactions (RFC 3261 section 17, with RFC 6026's Accepted state):
 * matching, retransmission and timeout timers. A fixed table of
 * SIP_UA_MAX_TXNS; no retransmission on TCP. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "signaling/sip_ua_int.h"

struct sip_txn *txn_new(struct sip_ua *ua, bool server, bool invite, const char *method,
                        const char *branch)
{
    if (ua->n_txns >= SIP_UA_MAX_TXNS || strlen(branch) > SIP_MSG_MAX_TOKEN ||
        strlen(method) >= sizeof ua->txns[0].method)
        return NULL;
    for (size_t i = 0; i < SIP_UA_MAX_TXNS; i++) {
        struct sip_txn *t = &ua->txns[i];
        if (t->state != TXN_FREE)
            continue;
        memset(t, 0, sizeof *t);
        t->state = server ? TXN_PROCEEDING : TXN_TRYING;
        t->server = server;
        t->invite = invite;
        memcpy(t->method, method, strlen(method) + 1);
        memcpy(t->branch, branch, strlen(branch) + 1);
        t->retx_at = t->timeout_at = SIP_NEVER;
        ua->n_txns++;
        return t;
    }
    return NULL;
}

void txn_free(struct sip_ua *ua, struct sip_txn *t)
{
    if (t == NULL || t->state == TXN_FREE)
        return;
    struct sip_call *c = t->call != 0 ? ua_call_find(ua, t->call) : NULL;
    if (c != NULL && c->inv == txn_index(ua, t))
        c->inv = -1;
    free(t->msg);
    free(t->head);
    memset(t, 0, sizeof *t);
    t->state = TXN_FREE;
    ua->n_txns--;
}

int txn_index(const struct sip_ua *ua, const struct sip_txn *t)
{
    return (int)(t - ua->txns);
}

struct sip_txn *txn_at(struct sip_ua *ua, int idx)
{
    if (idx < 0 || idx >= SIP_UA_MAX_TXNS || ua->txns[idx].state == TXN_FREE)
        return NULL;
    return &ua->txns[idx];
}

struct sip_txn *txn_find_server(struct sip_ua *ua, const char *branch, const char *sent_by,
                                const char *method)
{
    /* RFC 3261 17.2.3: branch, sent-by and method; an ACK matches its INVITE. */
    const char *m = strcmp(method, "ACK") == 0 ? "INVITE" : method;
    for (size_t i = 0; i < SIP_UA_MAX_TXNS; i++) {
        struct sip_txn *t = &ua->txns[i];
        if (t->state != TXN_FREE && t->server && strcmp(t->branch, branch) == 0 &&
            strcasecmp(t->sent_by, sent_by) == 0 && strcmp(t->method, m) == 0)
            return t;
    }
    return NULL;
}

struct sip_txn *txn_find_client(struct sip_ua *ua, const char *branch, const char *method)
{
    for (size_t i = 0; i < SIP_UA_MAX_TXNS; i++) {
        struct sip_txn *t = &ua->txns[i];
        if (t->state != TXN_FREE && !t->server && strcmp(t->branch, branch) == 0 &&
            strcmp(t->method, method) == 0)
            return t;
    }
    return NULL;
}

void txn_resend(struct sip_ua *ua, struct sip_txn *t)
{
    if (t->msg != NULL)
        ua_send(ua, t->call, t->msg, t->len, &t->addr, t->addr_len, t->tp, t->conn);
}

void txn_send(struct sip_ua *ua, struct sip_txn *t, int64_t now_us, const char *msg, size_t len)
{
    (void)now_us;
    char *copy = malloc(len);
    if (copy != NULL)
        memcpy(copy, msg, len);
    free(t->msg);
    t->msg = copy;
    t->len = copy != NULL ? len : 0;
    ua_send(ua, t->call, msg, len, &t->addr, t->addr_len, t->tp, t->conn);
}

void txn_enter(struct sip_txn *t, enum txn_state state, int64_t now_us)
{
    bool udp = t->tp == SIP_TP_UDP;
    t->state = state;
    t->retx_at = SIP_NEVER;
    switch (state) {
    case TXN_TRYING: /* client: timer A or E, and B or F */
        t->retx_int = SIP_T1_US;
        t->retx_at = udp ? now_us + SIP_T1_US : SIP_NEVER;
        t->timeout_at = now_us + 64 * SIP_T1_US;
        break;
    case TXN_PROCEEDING:
        if (!t->server && !t->invite && udp) {
            t->retx_int = SIP_T2_US; /* timer E continues at T2 */
            t->retx_at = now_us + SIP_T2_US;
        } else if (!t->server && t->invite) {
            t->timeout_at = SIP_NEVER; /* the far end rings as long as it likes */
        }
        break;
    case TXN_COMPLETED:
        if (t->server && t->invite) { /* timers G and H */
            t->retx_int = SIP_T1_US;
            t->retx_at = udp ? now_us + SIP_T1_US : SIP_NEVER;
            t->timeout_at = now_us + 64 * SIP_T1_US;
        } else if (t->server) { /* timer J */
            t->timeout_at = now_us + (udp ? 64 * SIP_T1_US : 0);
        } else if (t->invite) { /* timer D */
            t->timeout_at = now_us + (udp ? 32000000LL : 0);
        } else { /* timer K */
            t->timeout_at = now_us + (udp ? SIP_T4_US : 0);
        }
        break;
    case TXN_ACCEPTED:
        if (t->server) { /* our 2xx until the ACK (RFC 3261 13.3.1.4) */
            t->retx_int = SIP_T1_US;
            t->retx_at = udp ? now_us + SIP_T1_US : SIP_NEVER;
        }
        t->timeout_at = now_us + 64 * SIP_T1_US; /* timer L or M */
        break;
    case TXN_CONFIRMED: /* timer I */
        t->timeout_at = now_us + (udp ? SIP_T4_US : 0);
        break;
    case TXN_FREE:
        break;
    }
}

int64_t txn_deadline(const struct sip_ua *ua)
{
    int64_t d = SIP_NEVER;
    for (size_t i = 0; i < SIP_UA_MAX_TXNS; i++) {
        const struct sip_txn *t = &ua->txns[i];
        if (t->state == TXN_FREE)
            continue;
        if (t->retx_at < d)
            d = t->retx_at;
        if (t->timeout_at < d)
            d = t->timeout_at;
    }
    return d;
}

static void server_timeout(struct sip_ua *ua, struct sip_txn *t, int64_t now_us)
{
    struct sip_call *c = t->call != 0 ? ua_call_find(ua, t->call) : NULL;
    if (t->invite && t->state == TXN_ACCEPTED && c != NULL && c->inv == txn_index(ua, t)) {
        c->inv = -1;
        if (c->state == CALL_IN_ACCEPTED) {
            /* no ACK for our 2xx: end the dialog (RFC 3261 13.3.1.4) */
            ua_send_bye(ua, c, now_us);
            ua_call_end(ua, c, SIP_END_TIMEOUT, 408);
        }
    }
    txn_free(ua, t);
}

void txn_timeout(struct sip_ua *ua, int64_t now_us)
{
    for (size_t i = 0; i < SIP_UA_MAX_TXNS; i++) {
        struct sip_txn *t = &ua->txns[i];
        if (t->state == TXN_FREE)
            continue;
        if (t->retx_at <= now_us) {
            txn_resend(ua, t);
            int64_t next = t->retx_int * 2;
            if (!(t->invite && !t->server) && next > SIP_T2_US)
                next = SIP_T2_US; /* timer A doubles without a cap */
            t->retx_int = next;
            t->retx_at = now_us + next;
        }
        if (t->timeout_at > now_us)
            continue;
        if (!t->server && (t->state == TXN_TRYING || t->state == TXN_PROCEEDING))
            ua_client_timeout(ua, t, now_us); /* B or F */
        else if (t->server)
            server_timeout(ua, t, now_us);
        else
            txn_free(ua, t);
    }
}
