/* The SIP user agent's core: configuration, the call table, the action
 * queue and the dispatch of incoming messages (sip_ua.h). */
#include <arpa/inet.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "base/err.h"
#include "signaling/sip_ua_int.h"

/* libosip2's trace sink: nothing (see sip_global_init). */
static void osip_quiet(const char *file, int line, osip_trace_level_t level, const char *fmt,
                       va_list ap)
{
    (void)file;
    (void)line;
    (void)level;
    (void)fmt;
    (void)ap;
}

void sip_global_init(void)
{
    static bool done;
    if (!done) {
        parser_init();
        /* libosip2 prints every parse error to stderr: anyone on the network
         * could fill the log. Our own counters (sip_ua_stats) say enough.
         * Disabling the levels alone is not enough: without a logger set,
         * libosip2 5.3 prints anyway, so a sink that drops everything goes in. */
        osip_trace_initialize_func(TRACE_LEVEL0, osip_quiet);
        for (int l = TRACE_LEVEL0; l < END_TRACE_LEVEL; l++)
            osip_trace_disable_level((osip_trace_level_t)l);
        done = true;
    }
}

static bool host_ok(const char *h)
{
    size_t n = h != NULL ? strnlen(h, 200) : 0;
    if (n == 0 || n >= 200)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = h[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '.' || c == '-' || c == ':' || c == '[' || c == ']'))
            return false;
    }
    return true;
}

static bool user_ok(const char *u)
{
    size_t n = u != NULL ? strnlen(u, 100) : 0;
    if (n == 0 || n >= 100)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = u[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '.' || c == '-' || c == '_' || c == '+'))
            return false;
    }
    return true;
}

static void put_host(char *out, size_t cap, const char *h)
{
    struct sip_wr w;
    sip_wr_init(&w, out, cap);
    if (strchr(h, ':') != NULL && h[0] != '[')
        sip_wr_put(&w, "[%s]", h);
    else
        sip_wr_put(&w, "%s", h);
}

static int configure(struct sip_ua *ua, const struct sip_ua_cfg *cfg)
{
    if (!host_ok(cfg->local_host) || cfg->local_port == 0 || cfg->max_calls == 0 ||
        cfg->max_calls > SIP_UA_MAX_CALLS_LIMIT || cfg->n_allow > SIP_UA_MAX_ALLOW ||
        (cfg->n_allow > 0 && cfg->allow == NULL))
        return ERR_INVAL;
    put_host(ua->host, sizeof ua->host, cfg->local_host);
    ua->port = cfg->local_port;
    ua->tls_port = cfg->local_tls_port;
    if (cfg->user_agent != NULL) {
        if (!sip_msg_safe(cfg->user_agent, sizeof ua->user_agent - 1))
            return ERR_INVAL;
        memcpy(ua->user_agent, cfg->user_agent, strlen(cfg->user_agent) + 1);
    }
    for (size_t i = 0; i < cfg->n_allow; i++) {
        if (cidr_parse(cfg->allow[i], &ua->allow[i]) != 0)
            return ERR_INVAL;
    }
    ua->n_allow = cfg->n_allow;
    ua->max_calls = cfg->max_calls;
    const char *user = cfg->username != NULL ? cfg->username : "samtale";
    if (!user_ok(user))
        return ERR_INVAL;
    memcpy(ua->username, user, strlen(user) + 1);
    if (cfg->trunk_addr_len > 0) {
        if (cfg->trunk_addr_len > (socklen_t)sizeof ua->trunk_addr || !host_ok(cfg->trunk_domain))
            return ERR_INVAL;
        memcpy(&ua->trunk_addr, &cfg->trunk_addr, cfg->trunk_addr_len);
        ua->trunk_addr_len = cfg->trunk_addr_len;
        ua->trunk_tp = cfg->trunk_tp;
        put_host(ua->trunk_domain, sizeof ua->trunk_domain, cfg->trunk_domain);
    }
    if (cfg->password != NULL) {
        if (strlen(cfg->password) > 256)
            return ERR_INVAL;
        ua->password = strdup(cfg->password);
        if (ua->password == NULL)
            return ERR_NOMEM;
    }
    return 0;
}

int sip_ua_create(struct sip_ua **out, const struct sip_ua_cfg *cfg)
{
    *out = NULL;
    if (cfg == NULL)
        return ERR_INVAL;
    struct sip_ua *ua = calloc(1, sizeof *ua);
    if (ua == NULL)
        return ERR_NOMEM;
    int rc = configure(ua, cfg);
    if (rc == 0) {
        ua->calls = calloc(ua->max_calls, sizeof *ua->calls);
        ua->txns = calloc(SIP_UA_MAX_TXNS, sizeof *ua->txns);
        ua->actions = calloc(SIP_UA_MAX_ACTIONS, sizeof *ua->actions);
        if (ua->calls == NULL || ua->txns == NULL || ua->actions == NULL)
            rc = ERR_NOMEM;
    }
    if (rc != 0) {
        sip_ua_destroy(ua);
        return rc;
    }
    ua->next_call_id = 1;
    *out = ua;
    return 0;
}

static void call_release(struct sip_call *c)
{
    free(c->sdp);
    free(c->ack);
    memset(c, 0, sizeof *c);
}

void sip_ua_destroy(struct sip_ua *ua)
{
    if (ua == NULL)
        return;
    if (ua->actions != NULL) {
        for (size_t i = 0; i < ua->act_len; i++) {
            struct sip_ua_action *a = &ua->actions[(ua->act_head + i) % SIP_UA_MAX_ACTIONS];
            if (a->kind == SIP_ACT_SEND)
                free((void *)(uintptr_t)a->bytes);
        }
    }
    free(ua->polled);
    if (ua->txns != NULL) {
        for (size_t i = 0; i < SIP_UA_MAX_TXNS; i++) {
            free(ua->txns[i].msg);
            free(ua->txns[i].head);
        }
    }
    if (ua->calls != NULL) {
        for (size_t i = 0; i < ua->max_calls; i++)
            call_release(&ua->calls[i]);
    }
    if (ua->password != NULL) {
        OPENSSL_cleanse(ua->password, strlen(ua->password));
        free(ua->password);
    }
    free(ua->calls);
    free(ua->txns);
    free(ua->actions);
    free(ua);
}

/* ---- actions ---- */

struct sip_ua_action *ua_event(struct sip_ua *ua, enum sip_act_kind kind, uint64_t call)
{
    if (ua->act_len >= SIP_UA_MAX_ACTIONS) {
        ua->stats.actions_dropped++;
        return NULL;
    }
    struct sip_ua_action *a = &ua->actions[(ua->act_head + ua->act_len) % SIP_UA_MAX_ACTIONS];
    memset(a, 0, sizeof *a);
    a->kind = kind;
    a->call = call;
    a->sdp.dtmf_pt = -1;
    ua->act_len++;
    return a;
}

void ua_send(struct sip_ua *ua, uint64_t call, const char *bytes, size_t len,
             const struct sockaddr_storage *to, socklen_t tolen, enum sip_transport tp,
             uint64_t conn)
{
    /* What we send must parse: headers copied from the peer go through
     * libosip2's serializer, whose output it cannot always parse again
     * (a From of <sip:@1?x> comes back as <sip:1>). */
    osip_message_t *m = NULL;
    if (sip_msg_parse((const uint8_t *)bytes, len, SIP_MSG_OUT_MAX, &m) != 0) {
        ua->stats.send_refused++;
        return;
    }
    osip_message_free(m);
    uint8_t *copy = malloc(len);
    if (copy == NULL)
        return;
    struct sip_ua_action *a = ua_event(ua, SIP_ACT_SEND, call);
    if (a == NULL) {
        free(copy);
        return;
    }
    memcpy(copy, bytes, len);
    a->bytes = copy;
    a->len = len;
    memcpy(&a->addr, to, sizeof a->addr);
    a->addr_len = tolen;
    a->tp = tp;
    a->conn = conn;
}

bool sip_ua_poll(struct sip_ua *ua, struct sip_ua_action *out)
{
    free(ua->polled);
    ua->polled = NULL;
    if (ua->act_len == 0)
        return false;
    *out = ua->actions[ua->act_head];
    ua->act_head = (ua->act_head + 1) % SIP_UA_MAX_ACTIONS;
    ua->act_len--;
    if (out->kind == SIP_ACT_SEND)
        ua->polled = (uint8_t *)(uintptr_t)out->bytes;
    return true;
}

/* ---- calls ---- */

struct sip_call *ua_call_find(struct sip_ua *ua, uint64_t id)
{
    if (id == 0)
        return NULL;
    for (size_t i = 0; i < ua->max_calls; i++) {
        if (ua->calls[i].used && ua->calls[i].id == id)
            return &ua->calls[i];
    }
    return NULL;
}

struct sip_call *ua_call_new(struct sip_ua *ua)
{
    for (size_t i = 0; i < ua->max_calls; i++) {
        struct sip_call *c = &ua->calls[i];
        if (c->used)
            continue;
        memset(c, 0, sizeof *c);
        c->used = true;
        c->id = ua->next_call_id++;
        c->inv = -1;
        sip_msg_random_hex(c->local_tag, SIP_TAG_LEN);
        ua->n_calls++;
        return c;
    }
    return NULL;
}

void ua_call_end(struct sip_ua *ua, struct sip_call *c, enum sip_end_reason r, unsigned status)
{
    struct sip_ua_action *a = ua_event(ua, SIP_ACT_CALL_ENDED, c->id);
    if (a != NULL) {
        a->reason = r;
        a->status = status;
    }
    ua_call_drop(ua, c);
}

void ua_call_drop(struct sip_ua *ua, struct sip_call *c)
{
    /* transactions of the call live on (retransmissions) without it */
    for (size_t i = 0; i < SIP_UA_MAX_TXNS; i++) {
        if (ua->txns[i].state != TXN_FREE && ua->txns[i].call == c->id)
            ua->txns[i].call = 0;
    }
    call_release(c);
    ua->n_calls--;
}

size_t sip_ua_call_count(const struct sip_ua *ua)
{
    return ua->n_calls;
}

void sip_ua_get_stats(const struct sip_ua *ua, struct sip_ua_stats *out)
{
    *out = ua->stats;
}

const char *sip_end_reason_name(enum sip_end_reason r)
{
    switch (r) {
    case SIP_END_BYE:
        return "bye";
    case SIP_END_CANCEL:
        return "cancel";
    case SIP_END_TIMEOUT:
        return "timeout";
    case SIP_END_FAILURE:
        return "failure";
    default:
        return "local";
    }
}

/* ---- input ---- */

static bool allowed(const struct sip_ua *ua, const struct sockaddr *from, socklen_t fromlen)
{
    for (size_t i = 0; i < ua->n_allow; i++) {
        if (cidr_match(&ua->allow[i], from, fromlen))
            return true;
    }
    return false;
}

static bool same_addr(const struct sockaddr *a, socklen_t alen, const struct sockaddr_storage *b,
                      socklen_t blen)
{
    if (alen != blen || a->sa_family != b->ss_family)
        return false;
    if (a->sa_family == AF_INET) {
        const struct sockaddr_in *x = (const struct sockaddr_in *)(const void *)a;
        const struct sockaddr_in *y = (const struct sockaddr_in *)(const void *)b;
        return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
    if (a->sa_family == AF_INET6) {
        const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)(const void *)a;
        const struct sockaddr_in6 *y = (const struct sockaddr_in6 *)(const void *)b;
        return x->sin6_port == y->sin6_port &&
               memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0;
    }
    return false;
}

static void response_in(struct sip_ua *ua, osip_message_t *m, int64_t now_us)
{
    const char *branch = sip_msg_branch(m);
    if (branch == NULL || m->cseq == NULL || m->cseq->method == NULL || m->call_id == NULL ||
        m->from == NULL || m->to == NULL) {
        ua->stats.dropped++;
        return;
    }
    struct sip_txn *t = txn_find_client(ua, branch, m->cseq->method);
    if (t != NULL) {
        ua_client_response(ua, t, m, now_us);
        return;
    }
    if (strcmp(m->cseq->method, "INVITE") == 0 && MSG_IS_STATUS_2XX(m))
        ua_stray_2xx(ua, m);
    else
        ua->stats.dropped++;
}

void sip_ua_input(struct sip_ua *ua, int64_t now_us, const uint8_t *buf, size_t len,
                  const struct sockaddr *from, socklen_t fromlen, enum sip_transport tp,
                  uint64_t conn)
{
    osip_message_t *m = NULL;
    ua->stats.msgs_in++;
    size_t max = sip_tp_reliable(tp) ? SIP_TCP_MAX_MSG : SIP_UDP_MAX_MSG;
    if (buf == NULL || from == NULL || fromlen == 0 ||
        fromlen > (socklen_t)sizeof(struct sockaddr_storage) ||
        sip_msg_parse(buf, len, max, &m) != 0) {
        ua->stats.dropped++;
        return;
    }
    bool ok = allowed(ua, from, fromlen);
    if (MSG_IS_RESPONSE(m)) {
        if (ok || same_addr(from, fromlen, &ua->trunk_addr, ua->trunk_addr_len))
            response_in(ua, m, now_us);
        else
            ua->stats.denied_dropped++;
    } else if (!ok) {
        if (strcmp(m->sip_method, "INVITE") == 0)
            ua_respond_stateless(ua, m, from, fromlen, tp, conn, 403, NULL);
        else
            ua->stats.denied_dropped++;
    } else {
        struct ua_in in = {
            .now = now_us, .m = m, .from = from, .fromlen = fromlen, .tp = tp, .conn = conn};
        ua_request(ua, &in);
    }
    osip_message_free(m);
}

int64_t sip_ua_next_deadline(const struct sip_ua *ua)
{
    return txn_deadline(ua);
}

void sip_ua_timeout(struct sip_ua *ua, int64_t now_us)
{
    txn_timeout(ua, now_us);
}
