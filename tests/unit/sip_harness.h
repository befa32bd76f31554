/* Drives a sans-IO SIP user agent with literal messages for
 * test_sip_ua*.c: a fake clock, addresses of the trunk and of a stranger,
 * and every message the UA sends re-parsed with libosip2. */
#ifndef SAMTALE_TESTS_SIP_HARNESS_H
#define SAMTALE_TESTS_SIP_HARNESS_H

#include "base/err.h"
#include "signaling/sip_ua.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <osipparser2/osip_parser.h>

#define T_MAX_ACTS 32

struct t_act {
    struct sip_ua_action a;
    char text[SIP_TCP_MAX_MSG + 1]; /* SEND bytes, NUL-terminated */
};

struct t_env {
    struct sip_ua *ua;
    int64_t now;
    struct t_act acts[T_MAX_ACTS];
    size_t n;
};

static const char *const t_allow[] = {"198.51.100.0/24", "2001:db8::/32"};

static struct sockaddr_in t_addr(const char *ip, uint16_t port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    assert_int_equal(inet_pton(AF_INET, ip, &sa.sin_addr), 1);
    return sa;
}

static struct t_env *t_env_new(unsigned max_calls)
{
    struct t_env *e = calloc(1, sizeof *e);
    assert_non_null(e);
    struct sip_ua_cfg cfg = {
        .local_host = "192.0.2.10",
        .local_port = 5060,
        .user_agent = "samtale-test",
        .allow = t_allow,
        .n_allow = 2,
        .max_calls = max_calls,
        .trunk_tp = SIP_TP_UDP,
        .trunk_domain = "trunk.example",
        .username = "samtale",
        .password = "Circle Of Life",
    };
    struct sockaddr_in trunk = t_addr("198.51.100.1", 5060);
    memcpy(&cfg.trunk_addr, &trunk, sizeof trunk);
    cfg.trunk_addr_len = sizeof trunk;
    e->now = 1000000;
    assert_int_equal(sip_ua_create(&e->ua, &cfg), 0);
    return e;
}

static void t_env_free(struct t_env *e)
{
    sip_ua_destroy(e->ua);
    free(e);
}

/* Polls everything queued; every SEND must parse with libosip2. */
static void t_drain(struct t_env *e)
{
    e->n = 0;
    struct sip_ua_action a;
    while (sip_ua_poll(e->ua, &a)) {
        assert_true(e->n < T_MAX_ACTS);
        struct t_act *t = &e->acts[e->n++];
        t->a = a;
        t->text[0] = '\0';
        if (a.kind == SIP_ACT_SEND) {
            assert_true(a.len <= SIP_TCP_MAX_MSG);
            memcpy(t->text, a.bytes, a.len);
            t->text[a.len] = '\0';
            osip_message_t *m = NULL;
            assert_int_equal(osip_message_init(&m), 0);
            assert_int_equal(osip_message_parse(m, t->text, a.len), 0);
            osip_message_free(m);
            if (getenv("SIP_TRACE") != NULL)
                fprintf(stderr, "---- sent\n%s", t->text);
        }
    }
}

static void t_feed_from(struct t_env *e, const char *text, const char *ip, uint16_t port)
{
    struct sockaddr_in from = t_addr(ip, port);
    sip_ua_input(e->ua, e->now, (const uint8_t *)text, strlen(text), (struct sockaddr *)&from,
                 sizeof from, SIP_TP_UDP, 0);
    t_drain(e);
}

static void t_feed(struct t_env *e, const char *text)
{
    t_feed_from(e, text, "198.51.100.1", 5060);
}

static void t_advance(struct t_env *e, int64_t us)
{
    e->now += us;
    if (sip_ua_next_deadline(e->ua) <= e->now)
        sip_ua_timeout(e->ua, e->now);
    t_drain(e);
}

/* The i-th action, of the kind wanted. */
static struct t_act *t_act(struct t_env *e, size_t i, enum sip_act_kind kind)
{
    assert_true(i < e->n);
    assert_int_equal(e->acts[i].a.kind, kind);
    return &e->acts[i];
}

/* A SEND whose first line starts with start. */
static struct t_act *t_sent(struct t_env *e, size_t i, const char *start)
{
    struct t_act *t = t_act(e, i, SIP_ACT_SEND);
    if (strncmp(t->text, start, strlen(start)) != 0)
        fail_msg("sent %.60s, wanted %s", t->text, start);
    return t;
}

/* The value of header name (with ": ") in text, up to CRLF, into out. */
static const char *t_header(const char *text, const char *name, char *out, size_t cap)
{
    char key[64];
    snprintf(key, sizeof key, "\r\n%s: ", name);
    const char *p = strstr(text, key);
    if (p == NULL)
        return NULL;
    p += strlen(key);
    const char *end = strstr(p, "\r\n");
    size_t n = (size_t)(end - p);
    assert_true(n < cap);
    memcpy(out, p, n);
    out[n] = '\0';
    return out;
}

/* A request with a body; Content-Length is computed. */
__attribute__((unused)) static void t_request(char *out, size_t cap, const char *start,
                                              const char *headers, const char *ctype,
                                              const char *body)
{
    size_t blen = body != NULL ? strlen(body) : 0;
    int n;
    if (blen > 0)
        n = snprintf(out, cap, "%s\r\n%sContent-Type: %s\r\nContent-Length: %zu\r\n\r\n%s", start,
                     headers, ctype, blen, body);
    else
        n = snprintf(out, cap, "%s\r\n%sContent-Length: 0\r\n\r\n", start, headers);
    assert_true(n > 0 && (size_t)n < cap);
}

#endif
