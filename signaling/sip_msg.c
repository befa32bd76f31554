/* SIP message helpers: libosip2 behind pre-checks (sip_msg.h). */
#include "signaling/sip_msg.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "base/err.h"

void sip_wr_init(struct sip_wr *w, char *buf, size_t cap)
{
    w->buf = buf;
    w->cap = cap;
    w->len = 0;
    w->err = cap == 0;
    if (cap > 0)
        buf[0] = '\0';
}

void sip_wr_put(struct sip_wr *w, const char *fmt, ...)
{
    if (w->err)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(w->buf + w->len, w->cap - w->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= w->cap - w->len) {
        w->err = true;
        w->buf[w->len] = '\0';
        return;
    }
    w->len += (size_t)n;
}

void sip_wr_mem(struct sip_wr *w, const void *p, size_t n)
{
    if (w->err)
        return;
    if (n >= w->cap - w->len) {
        w->err = true;
        return;
    }
    memcpy(w->buf + w->len, p, n);
    w->len += n;
    w->buf[w->len] = '\0';
}

/* Pre-checks before libosip2 sees the bytes: no NUL, a bounded number of
 * lines, and a start line of printable ASCII that looks like SIP. */
static bool precheck(const uint8_t *buf, size_t len)
{
    if (len < 16 || memchr(buf, '\0', len) != NULL)
        return false;
    size_t lines = 0;
    for (size_t i = 0; i < len; i++) {
        if (buf[i] == '\n' && ++lines > SIP_MSG_MAX_LINES)
            return false;
    }
    const uint8_t *nl = memchr(buf, '\n', len);
    if (nl == NULL)
        return false;
    size_t n = (size_t)(nl - buf);
    for (size_t i = 0; i < n; i++) {
        if (buf[i] < 0x20 && !(buf[i] == '\r' && i + 1 == n))
            return false;
        if (buf[i] > 0x7e)
            return false;
    }
    return memcmp(buf, "SIP/2.0 ", 8) == 0 || (n > 8 && memcmp(nl - 8, " SIP/2.0", 8) == 0) ||
           (n > 9 && memcmp(nl - 9, " SIP/2.0\r", 9) == 0);
}

int sip_msg_parse(const uint8_t *buf, size_t len, size_t max, osip_message_t **out)
{
    *out = NULL;
    if (len > max)
        return ERR_TOOBIG;
    if (!precheck(buf, len))
        return ERR_PARSE;
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return ERR_NOMEM;
    memcpy(copy, buf, len);
    copy[len] = '\0';
    osip_message_t *m = NULL;
    int rc = ERR_PARSE;
    if (osip_message_init(&m) != 0) {
        rc = ERR_NOMEM;
        goto out;
    }
    if (osip_message_parse(m, copy, len) != 0)
        goto out;
    if (MSG_IS_REQUEST(m) && (m->sip_method == NULL || m->req_uri == NULL))
        goto out;
    if (MSG_IS_RESPONSE(m) && (m->status_code < 100 || m->status_code > 699))
        goto out;
    *out = m;
    m = NULL;
    rc = 0;
out:
    osip_message_free(m);
    free(copy);
    return rc;
}

bool sip_msg_safe(const char *s, size_t max)
{
    if (s == NULL)
        return false;
    size_t n = strnlen(s, max + 1);
    if (n > max)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\r' || s[i] == '\n')
            return false;
    }
    return true;
}

static osip_via_t *top_via(const osip_message_t *m)
{
    osip_via_t *v = NULL;
    if (osip_list_size(&m->vias) <= 0)
        return NULL;
    v = osip_list_get(&m->vias, 0);
    return v;
}

const char *sip_msg_branch(const osip_message_t *m)
{
    osip_via_t *v = top_via(m);
    osip_generic_param_t *b = NULL;
    if (v == NULL || osip_via_param_get_byname(v, "branch", &b) != 0 || b == NULL)
        return NULL;
    if (!sip_msg_safe(b->gvalue, SIP_MSG_MAX_TOKEN) || b->gvalue[0] == '\0')
        return NULL;
    return b->gvalue;
}

bool sip_msg_sent_by(const osip_message_t *m, char *out, size_t cap)
{
    osip_via_t *v = top_via(m);
    if (v == NULL || !sip_msg_safe(v->host, SIP_MSG_MAX_TOKEN))
        return false;
    const char *port = v->port != NULL ? v->port : "5060";
    int n = snprintf(out, cap, "%s:%s", v->host, port);
    return n > 0 && (size_t)n < cap && sip_msg_safe(out, cap);
}

size_t sip_msg_header_count(const osip_message_t *m)
{
    const osip_list_t *lists[] = {&m->accepts,
                                  &m->accept_encodings,
                                  &m->accept_languages,
                                  &m->alert_infos,
                                  &m->allows,
                                  &m->authentication_infos,
                                  &m->authorizations,
                                  &m->call_infos,
                                  &m->contacts,
                                  &m->content_encodings,
                                  &m->error_infos,
                                  &m->proxy_authenticates,
                                  &m->proxy_authentication_infos,
                                  &m->proxy_authorizations,
                                  &m->record_routes,
                                  &m->routes,
                                  &m->vias,
                                  &m->www_authenticates,
                                  &m->headers};
    size_t n = 0;
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        int s = osip_list_size(lists[i]);
        if (s > 0)
            n += (size_t)s;
    }
    return n;
}

const char *sip_msg_header(const osip_message_t *m, const char *name)
{
    osip_header_t *h = NULL;
    if (osip_message_header_get_byname(m, name, 0, &h) < 0 || h == NULL)
        return NULL;
    return h->hvalue;
}

static const char *tag_of(osip_from_t *f)
{
    osip_generic_param_t *t = NULL;
    if (f == NULL || osip_from_get_tag(f, &t) != 0 || t == NULL)
        return NULL;
    if (!sip_msg_safe(t->gvalue, SIP_MSG_MAX_TOKEN) || t->gvalue[0] == '\0')
        return NULL;
    return t->gvalue;
}

const char *sip_msg_from_tag(const osip_message_t *m)
{
    return tag_of(m->from);
}

const char *sip_msg_to_tag(const osip_message_t *m)
{
    return tag_of(m->to);
}

const char *sip_msg_body(const osip_message_t *m, size_t *len)
{
    osip_body_t *b = NULL;
    if (osip_list_size(&m->bodies) <= 0)
        return NULL;
    b = osip_list_get(&m->bodies, 0);
    if (b == NULL || b->body == NULL)
        return NULL;
    *len = b->length;
    return b->body;
}

bool sip_msg_content_type(const osip_message_t *m, char *out, size_t cap)
{
    const osip_content_type_t *ct = m->content_type;
    if (ct == NULL || ct->type == NULL || ct->subtype == NULL)
        return false;
    int n = snprintf(out, cap, "%s/%s", ct->type, ct->subtype);
    if (n < 0 || (size_t)n >= cap)
        return false;
    for (char *p = out; *p != '\0'; p++)
        *p = (char)tolower((unsigned char)*p);
    return true;
}

static bool src_text(const struct sockaddr *src, socklen_t len, char *ip, size_t cap,
                     unsigned *port)
{
    if (src->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)(const void *)src;
        *port = ntohs(a->sin_port);
        return inet_ntop(AF_INET, &a->sin_addr, ip, (socklen_t)cap) != NULL;
    }
    if (src->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)(const void *)src;
        *port = ntohs(a->sin6_port);
        return inet_ntop(AF_INET6, &a->sin6_addr, ip, (socklen_t)cap) != NULL;
    }
    return false;
}

static int put_via(struct sip_wr *w, const osip_via_t *v)
{
    char *s = NULL;
    if (osip_via_to_str(v, &s) != 0 || s == NULL)
        return ERR_PARSE;
    int rc = sip_msg_safe(s, SIP_MSG_OUT_MAX) ? 0 : ERR_PARSE;
    if (rc == 0)
        sip_wr_put(w, "Via: %s\r\n", s);
    osip_free(s);
    return rc;
}

/* RFC 3581: fill in rport and received on the top Via of a request. */
static void mark_top_via(osip_via_t *v, const struct sockaddr *src, socklen_t srclen)
{
    char ip[INET6_ADDRSTRLEN], port[8];
    unsigned p;
    osip_generic_param_t *rp = NULL, *rc = NULL;
    if (!src_text(src, srclen, ip, sizeof ip, &p))
        return;
    snprintf(port, sizeof port, "%u", p);
    if (osip_via_param_get_byname(v, "rport", &rp) == 0 && rp != NULL) {
        osip_free(rp->gvalue);
        rp->gvalue = osip_strdup(port);
    }
    if (osip_via_param_get_byname(v, "received", &rc) == 0 && rc != NULL) {
        osip_free(rc->gvalue);
        rc->gvalue = osip_strdup(ip);
    } else if (v->host == NULL || strcmp(v->host, ip) != 0 || rp != NULL) {
        osip_via_set_received(v, osip_strdup(ip));
    }
}

char *sip_msg_from_str(const osip_message_t *m)
{
    char *s = NULL;
    if (m->from == NULL || osip_from_to_str(m->from, &s) != 0)
        return NULL;
    if (!sip_msg_safe(s, 1024)) {
        osip_free(s);
        return NULL;
    }
    return s;
}

char *sip_msg_to_str(const osip_message_t *m)
{
    char *s = NULL;
    if (m->to == NULL || osip_to_to_str(m->to, &s) != 0)
        return NULL;
    if (!sip_msg_safe(s, 1024)) {
        osip_free(s);
        return NULL;
    }
    return s;
}

int sip_msg_resp_head(osip_message_t *req, const char *to_tag, const struct sockaddr *src,
                      socklen_t srclen, struct sip_wr *w)
{
    char *from = NULL, *to = NULL;
    int rc = ERR_PARSE;
    int nv = osip_list_size(&req->vias);
    if (nv <= 0 || req->from == NULL || req->to == NULL || req->call_id == NULL ||
        req->cseq == NULL || req->cseq->number == NULL || req->cseq->method == NULL)
        return ERR_PARSE;
    mark_top_via(osip_list_get(&req->vias, 0), src, srclen);
    for (int i = 0; i < nv; i++) {
        if (put_via(w, osip_list_get(&req->vias, i)) != 0)
            goto out;
    }
    if (to_tag != NULL && sip_msg_to_tag(req) == NULL)
        osip_to_set_tag(req->to, osip_strdup(to_tag));
    from = sip_msg_from_str(req);
    to = sip_msg_to_str(req);
    char *callid = NULL;
    if (from == NULL || to == NULL || osip_call_id_to_str(req->call_id, &callid) != 0)
        goto out;
    bool ok = sip_msg_safe(callid, 256) && sip_msg_safe(req->cseq->number, 16) &&
              sip_msg_safe(req->cseq->method, 32);
    if (ok)
        sip_wr_put(w, "From: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %s %s\r\n", from, to, callid,
                   req->cseq->number, req->cseq->method);
    osip_free(callid);
    if (!ok)
        goto out;
    rc = w->err ? ERR_TOOBIG : 0;
out:
    osip_free(from);
    osip_free(to);
    return rc;
}

void sip_msg_resp_addr(const osip_message_t *req, const struct sockaddr *src, socklen_t srclen,
                       struct sockaddr_storage *out, socklen_t *outlen)
{
    memset(out, 0, sizeof *out);
    if (srclen > (socklen_t)sizeof *out)
        srclen = (socklen_t)sizeof *out;
    memcpy(out, src, srclen);
    *outlen = srclen;
    osip_via_t *v = top_via(req);
    osip_generic_param_t *rp = NULL;
    if (v == NULL || (osip_via_param_get_byname(v, "rport", &rp) == 0 && rp != NULL))
        return; /* reply to the source port */
    unsigned port = 5060;
    if (v->port != NULL) {
        char *end = NULL;
        unsigned long p = strtoul(v->port, &end, 10);
        if (end != NULL && *end == '\0' && p > 0 && p <= 65535)
            port = (unsigned)p;
    }
    if (out->ss_family == AF_INET)
        ((struct sockaddr_in *)(void *)out)->sin_port = htons((uint16_t)port);
    else if (out->ss_family == AF_INET6)
        ((struct sockaddr_in6 *)(void *)out)->sin6_port = htons((uint16_t)port);
}

#ifdef SAMTALE_FUZZING
/* Fuzzing: tags and branches count up from 1 for every input, so a seed
 * can hold the ACK or BYE that names our tag. */
static uint64_t fuzz_ctr;

void sip_msg_random_reset(void)
{
    fuzz_ctr = 0;
}
#endif

void sip_msg_random_hex(char *out, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    uint8_t b[32];
    if (n > sizeof b)
        n = sizeof b;
#ifdef SAMTALE_FUZZING
    fuzz_ctr++;
    memset(b, 0, sizeof b);
    for (size_t i = 0; i < 8 && i < n; i++)
        b[n - 1 - i] = (uint8_t)(fuzz_ctr >> (8 * i));
#else
    if (RAND_bytes(b, (int)n) != 1) {
        /* OpenSSL's generator failed: fall back to a counter so tags stay distinct */
        static uint64_t ctr;
        ctr++;
        memset(b, 0, sizeof b);
        memcpy(b, &ctr, sizeof ctr < n ? sizeof ctr : n);
    }
#endif
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[b[i] >> 4];
        out[2 * i + 1] = hex[b[i] & 15];
    }
    out[2 * n] = '\0';
}

const char *sip_msg_reason(unsigned status)
{
    switch (status) {
    case 100:
        return "Trying";
    case 180:
        return "Ringing";
    case 183:
        return "Session Progress";
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 415:
        return "Unsupported Media Type";
    case 420:
        return "Bad Extension";
    case 480:
        return "Temporarily Unavailable";
    case 481:
        return "Call/Transaction Does Not Exist";
    case 482:
        return "Loop Detected";
    case 486:
        return "Busy Here";
    case 487:
        return "Request Terminated";
    case 488:
        return "Not Acceptable Here";
    case 491:
        return "Request Pending";
    case 500:
        return "Server Internal Error";
    case 503:
        return "Service Unavailable";
    case 513:
        return "Message Too Large";
    case 603:
        return "Decline";
    default:
        return status < 200 ? "Progress" : status < 300 ? "OK" : "Failure";
    }
}
