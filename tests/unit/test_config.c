/* Tests for server/config.c: defaults, every key, files, listen forms, limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/config.h"
#include "base/err.h"

/* Writes `text` to a fresh temporary file; returns its path in path[64]. */
static void write_tmp(char path[64], const char *text, size_t len)
{
    snprintf(path, 64, "/tmp/samtale-test-config-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
}

static int load_text(struct config *c, const char *text, char err[CONFIG_ERR_MAX])
{
    char path[64];
    write_tmp(path, text, strlen(text));
    int rc = config_load_file(c, path, err);
    unlink(path);
    return rc;
}

/* err starts with "<tmp path>:<line>: " followed by `rest`. */
static void assert_file_err(const char *err, unsigned line, const char *rest)
{
    const char *p = strstr(err, "samtale-test-config-");
    assert_non_null(p);
    p = strchr(p, ':');
    assert_non_null(p);
    char want[64];
    snprintf(want, sizeof want, ":%u: ", line);
    if (strncmp(p, want, strlen(want)) != 0)
        fail_msg("error '%s' lacks '%s'", err, want);
    if (!strstr(p, rest))
        fail_msg("error '%s' lacks '%s'", err, rest);
}

/* Field by field: struct copies need not preserve padding bytes. */
static void assert_config_equal(const struct config *a, const struct config *b)
{
    assert_string_equal(a->listen_addr, b->listen_addr);
    assert_int_equal(a->listen_port, b->listen_port);
    assert_string_equal(a->data_dir, b->data_dir);
    assert_string_equal(a->tls_cert, b->tls_cert);
    assert_string_equal(a->tls_key, b->tls_key);
    assert_string_equal(a->web_root, b->web_root);
    assert_string_equal(a->public_url, b->public_url);
    assert_int_equal(a->media_port_min, b->media_port_min);
    assert_int_equal(a->media_port_max, b->media_port_max);
    assert_int_equal(a->media_public_addr_count, b->media_public_addr_count);
    for (unsigned i = 0; i < CONFIG_PUBLIC_ADDRS_MAX; i++)
        assert_string_equal(a->media_public_addrs[i], b->media_public_addrs[i]);
    assert_int_equal(a->workers, b->workers);
    assert_int_equal(a->log_level, b->log_level);
    assert_int_equal(a->max_participants, b->max_participants);
    assert_int_equal(a->max_connections, b->max_connections);
    assert_int_equal(a->ws_rate_per_sec, b->ws_rate_per_sec);
    assert_int_equal(a->ws_rate_burst, b->ws_rate_burst);
    assert_int_equal(a->login_attempts_per_min, b->login_attempts_per_min);
    assert_int_equal(a->login_threads, b->login_threads);
    assert_int_equal(a->login_queue, b->login_queue);
    assert_int_equal(a->handshake_timeout_s, b->handshake_timeout_s);
    assert_int_equal(a->body_timeout_s, b->body_timeout_s);
    assert_int_equal(a->max_connections_per_addr, b->max_connections_per_addr);
    assert_int_equal(a->document_max_mb, b->document_max_mb);
    assert_int_equal(a->document_memory_mb, b->document_memory_mb);
    assert_int_equal(a->document_timeout_s, b->document_timeout_s);
    assert_int_equal(a->media_tcp_conns, b->media_tcp_conns);
    assert_int_equal(a->media_tcp_unauth, b->media_tcp_unauth);
    assert_int_equal(a->media_tcp_unauth_per_addr, b->media_tcp_unauth_per_addr);
    assert_int_equal(a->media_tcp_auth_per_addr, b->media_tcp_auth_per_addr);
    assert_int_equal(a->media_tcp_auth_timeout_ms, b->media_tcp_auth_timeout_ms);
    assert_int_equal(a->session_hours, b->session_hours);
    assert_int_equal(a->invitation_grace_min, b->invitation_grace_min);
    assert_int_equal(a->resume_seconds, b->resume_seconds);
    assert_int_equal(a->default_meeting_min, b->default_meeting_min);
    assert_string_equal(a->sip.dial_in_number, b->sip.dial_in_number);
    assert_string_equal(a->sip.trunk_proxy, b->sip.trunk_proxy);
    assert_string_equal(a->phone_prompts_dir, b->phone_prompts_dir);
}

/* The prompts' folder (the sip_* settings: test_sip_config.c). */
static void test_phone_settings(void **state)
{
    (void)state;
    struct config c;
    char err[CONFIG_ERR_MAX];
    config_defaults(&c);
    assert_string_equal(c.phone_prompts_dir, "build/prompts");
    assert_int_equal(config_set(&c, "phone_prompts_dir", "/usr/share/samtale/prompts", err), 0);
    assert_int_equal(config_set(&c, "phone_prompts_dir", "", err), ERR_INVAL);
}

static void test_defaults(void **state)
{
    (void)state;
    struct config c;
    char err[CONFIG_ERR_MAX] = "";
    memset(&c, 0xa5, sizeof c);
    config_defaults(&c);
    assert_string_equal(c.listen_addr, "127.0.0.1");
    assert_int_equal(c.listen_port, 8443);
    assert_string_equal(c.data_dir, "data");
    assert_string_equal(c.tls_cert, "certs/dev/server.pem");
    assert_string_equal(c.tls_key, "certs/dev/server.key");
    assert_string_equal(c.web_root, "web-client");
    assert_string_equal(c.public_url, "https://127.0.0.1:8443");
    assert_int_equal(c.media_port_min, 40000);
    assert_int_equal(c.media_port_max, 40099);
    assert_int_equal(c.media_public_addr_count, 1);
    assert_string_equal(c.media_public_addrs[0], "127.0.0.1");
    assert_string_equal(c.media_public_addrs[1], "");
    assert_int_equal(c.workers, 0);
    assert_int_equal(c.log_level, LOG_LEVEL_INFO);
    assert_int_equal(c.max_participants, 8);
    assert_int_equal(c.max_connections, 1000);
    assert_int_equal(c.ws_rate_per_sec, 20);
    assert_int_equal(c.ws_rate_burst, 40);
    assert_int_equal(c.login_attempts_per_min, 10);
    assert_int_equal(c.login_threads, 0);
    assert_int_equal(c.login_queue, 32);
    assert_int_equal(c.handshake_timeout_s, 5);
    assert_int_equal(c.body_timeout_s, 10);
    assert_int_equal(c.max_connections_per_addr, 128);
    assert_int_equal(c.media_tcp_conns, 1024);
    assert_int_equal(c.media_tcp_unauth, 1024);
    assert_int_equal(c.media_tcp_unauth_per_addr, 16);
    assert_int_equal(c.media_tcp_auth_per_addr, 256);
    assert_int_equal(c.media_tcp_auth_timeout_ms, 4000);
    assert_int_equal(c.session_hours, 12);
    assert_int_equal(c.invitation_grace_min, 120);
    assert_int_equal(c.resume_seconds, 60);
    assert_int_equal(c.default_meeting_min, 60);
    assert_int_equal(config_validate(&c, err), 0);
}

static void test_listen_forms(void **state)
{
    (void)state;
    struct config c;
    char err[CONFIG_ERR_MAX];
    config_defaults(&c);

    assert_int_equal(config_set_listen(&c, "127.0.0.1:8443", err), 0);
    assert_string_equal(c.listen_addr, "127.0.0.1");
    assert_int_equal(c.listen_port, 8443);

    assert_int_equal(config_set_listen(&c, "[::1]:9443", err), 0);
    assert_string_equal(c.listen_addr, "::1");
    assert_int_equal(c.listen_port, 9443);

    assert_int_equal(config_set_listen(&c, "0.0.0.0:443", err), 0);
    assert_string_equal(c.listen_addr, "0.0.0.0");
    assert_int_equal(c.listen_port, 443);

    assert_int_equal(config_set_listen(&c, ":8443", err), 0);
    assert_string_equal(c.listen_addr, "0.0.0.0");
    assert_int_equal(c.listen_port, 8443);

    assert_int_equal(config_set_listen(&c, "[::]:1", err), 0);
    assert_string_equal(c.listen_addr, "::");
    assert_int_equal(c.listen_port, 1);

    assert_int_equal(config_set_listen(&c, "10.1.2.3:65535", err), 0);
    assert_int_equal(c.listen_port, 65535);

    /* the same through config_set */
    assert_int_equal(config_set(&c, "listen", "[fe80::1]:8000", err), 0);
    assert_string_equal(c.listen_addr, "fe80::1");
    assert_int_equal(c.listen_port, 8000);
}

static void test_listen_bad(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "8443",
        "127.0.0.1",
        "127.0.0.1:",
        "127.0.0.1:0",
        "127.0.0.1:65536",
        "127.0.0.1:-1",
        "127.0.0.1:+80",
        "127.0.0.1: 80",
        "127.0.0.1:80x",
        "localhost:80",
        "::1:8443",
        "[::1]8443",
        "[::1]",
        "[1.2.3.4]:80",
        "[::1:80",
        "1.2.3:80",
        "256.1.1.1:80",
        " 127.0.0.1:80",
        "[]:80",
        ":",
        "[::1]:99999999999999999999999",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct config c;
        char err[CONFIG_ERR_MAX] = "";
        config_defaults(&c);
        int rc = config_set_listen(&c, bad[i], err);
        if (rc >= 0)
            fail_msg("listen '%s' was accepted", bad[i]);
        assert_true(strncmp(err, "listen", 6) == 0);
        /* nothing changed */
        assert_string_equal(c.listen_addr, "127.0.0.1");
        assert_int_equal(c.listen_port, 8443);
    }

    /* an address longer than the field */
    struct config c;
    char err[CONFIG_ERR_MAX];
    char big[200];
    config_defaults(&c);
    big[0] = '[';
    memset(big + 1, 'a', 150);
    memcpy(big + 151, "]:80", 5);
    assert_int_equal(config_set_listen(&c, big, err), ERR_TOOBIG);
    memset(big, '1', 150);
    memcpy(big + 150, ":80", 4);
    assert_int_equal(config_set_listen(&c, big, err), ERR_TOOBIG);
}

static void test_listen_moves_derived_public_url(void **state)
{
    (void)state;
    struct config c;
    char err[CONFIG_ERR_MAX];
    config_defaults(&c);

    assert_int_equal(config_set(&c, "listen", "[::1]:9000", err), 0);
    assert_string_equal(c.public_url, "https://[::1]:9000");
    assert_int_equal(config_set(&c, "listen", "0.0.0.0:443", err), 0);
    assert_string_equal(c.public_url, "https://localhost");
    assert_int_equal(config_set(&c, "listen", ":8443", err), 0);
    assert_string_equal(c.public_url, "https://localhost:8443");

    /* an explicit public_url stays whatever listen does afterwards */
    assert_int_equal(config_set(&c, "public_url", "https://meet.example.org", err), 0);
    assert_int_equal(config_set(&c, "listen", "127.0.0.1:7000", err), 0);
    assert_string_equal(c.public_url, "https://meet.example.org");
}

static void test_paths(void **state)
{
    (void)state;
    static const char *const keys[] = {"data_dir", "tls_cert", "tls_key", "web_root"};
    char big[CONFIG_PATH_MAX + 2];

    for (size_t i = 0; i < 4; i++) {
        struct config c;
        char err[CONFIG_ERR_MAX];
        config_defaults(&c);
        assert_int_equal(config_set(&c, keys[i], "/srv/samtale/some thing", err), 0);

        memset(big, 'x', CONFIG_PATH_MAX - 1);
        big[CONFIG_PATH_MAX - 1] = '\0';
        assert_int_equal(config_set(&c, keys[i], big, err), 0); /* exactly the maximum */

        memset(big, 'y', CONFIG_PATH_MAX);
        big[CONFIG_PATH_MAX] = '\0';
        assert_int_equal(config_set(&c, keys[i], big, err), ERR_TOOBIG);
        assert_non_null(strstr(err, keys[i]));
        assert_non_null(strstr(err, "too long"));

        assert_int_equal(config_set(&c, keys[i], "", err), ERR_INVAL);
        assert_non_null(strstr(err, "empty"));
    }

    struct config c;
    char err[CONFIG_ERR_MAX];
    config_defaults(&c);
    assert_int_equal(config_set(&c, "data_dir", "/var/lib/samtale", err), 0);
    assert_int_equal(config_set(&c, "tls_cert", "/etc/samtale/fullchain.pem", err), 0);
    assert_int_equal(config_set(&c, "tls_key", "/etc/samtale/privkey.pem", err), 0);
    assert_int_equal(config_set(&c, "web_root", "/usr/share/samtale/web", err), 0);
    assert_string_equal(c.data_dir, "/var/lib/samtale");
    assert_string_equal(c.tls_cert, "/etc/samtale/fullchain.pem");
    assert_string_equal(c.tls_key, "/etc/samtale/privkey.pem");
    assert_string_equal(c.web_root, "/usr/share/samtale/web");
}

static void test_public_url(void **state)
{
    (void)state;
    struct config c;
    char err[CONFIG_ERR_MAX];
    config_defaults(&c);

    assert_int_equal(config_set(&c, "public_url", "https://meet.example.org", err), 0);
    assert_string_equal(c.public_url, "https://meet.example.org");
    assert_int_equal(config_set(&c, "public_url", "https://meet.example.org/", err), 0);
    assert_string_equal(c.public_url, "https://meet.example.org");
    assert_int_equal(config_set(&c, "public_url", "https://example.org:8443/samtale//", err), 0);
    assert_string_equal(c.public_url, "https://example.org:8443/samtale");

    static const char *const bad[] = {
        "http://meet.example.org", "meet.example.org", "https://",   "https:///",
        "https:///path",           "ftp://x",          "",           "https://a b",
        "https://x/?q=1",          "HTTPS://x",        " https://x",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = config_set(&c, "public_url", bad[i], err);
        if (rc != ERR_INVAL)
            fail_msg("public_url '%s' gave %d", bad[i], rc);
        assert_true(strncmp(err, "public_url", 10) == 0);
    }
    assert_string_equal(c.public_url, "https://example.org:8443/samtale");

    char big[CONFIG_URL_MAX + 16];
    memcpy(big, "https://", 8);
    memset(big + 8, 'h', CONFIG_URL_MAX - 9);
    big[CONFIG_URL_MAX - 1] = '\0'; /* 255 bytes: fits */
    assert_int_equal(config_set(&c, "public_url", big, err), 0);
    big[CONFIG_URL_MAX - 1] = '/'; /* a trailing slash beyond the field is dropped, fine */
    big[CONFIG_URL_MAX] = '\0';
    assert_int_equal(config_set(&c, "public_url", big, err), 0);
    big[CONFIG_URL_MAX - 1] = 'h'; /* 256 bytes: too long */
    assert_int_equal(config_set(&c, "public_url", big, err), ERR_TOOBIG);
}

static void test_media_ports(void **state)
{
    (void)state;
    struct config c;
    char err[CONFIG_ERR_MAX];
    config_defaults(&c);

    assert_int_equal(config_set(&c, "media_port_min", "1", err), 0);
    assert_int_equal(config_set(&c, "media_port_max", "65535", err), 0);
    assert_int_equal(c.media_port_min, 1);
    assert_int_equal(c.media_port_max, 65535);
    assert_int_equal(config_set(&c, "media_port_min", "50000", err), 0);
    assert_int_equal(config_set(&c, "media_port_max", "50010", err), 0);
    assert_int_equal(c.media_port_min, 50000);
    assert_int_equal(c.media_port_max, 50010);

    static const char *const bad[] = {
        "65536", "-1", "4e4", "", "40000 ", "0x9c40", "99999999999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_true(config_set(&c, "media_port_min", bad[i], err) < 0);
        assert_true(config_set(&c, "media_port_max", bad[i], err) < 0);
    }
    assert_int_equal(c.media_port_min, 50000);
    assert_int_equal(c.media_port_max, 50010);

    /* 0 and 0: ephemeral ports; one without the other is an error */
    assert_int_equal(config_set(&c, "media_port_min", "0", err), 0);
    assert_true(config_validate(&c, err) < 0);
    assert_int_equal(config_set(&c, "media_port_max", "0", err), 0);
    assert_int_equal(config_validate(&c, err), 0);
    assert_int_equal(config_set(&c, "media_bind", "::1", err), 0);
    assert_string_equal(c.media_bind, "::1");
    assert_true(config_set(&c, "media_bind", "localhost", err) < 0);
    assert_string_equal(c.media_bind, "::1");
}

static void test_media_public_addresses(void **state)
{
    (void)state;
    struct config c;
    char err[CONFIG_ERR_MAX];
    config_defaults(&c);

    assert_int_equal(config_set(&c, "media_public_addresses", "203.0.113.7", err), 0);
    assert_int_equal(c.media_public_addr_count, 1);
    assert_string_equal(c.media_public_addrs[0], "203.0.113.7");

    assert_int_equal(
        config_set(&c, "media_public_addresses", "203.0.113.7, 2001:db8::1 ,10.0.0.1,::1", err), 0);
    assert_int_equal(c.media_public_addr_count, 4);
    assert_string_equal(c.media_public_addrs[0], "203.0.113.7");
    assert_string_equal(c.media_public_addrs[1], "2001:db8::1");
    assert_string_equal(c.media_public_addrs[2], "10.0.0.1");
    assert_string_equal(c.media_public_addrs[3], "::1");

    /* a shorter list clears the old entries */
    assert_int_equal(config_set(&c, "media_public_addresses", "192.0.2.1,192.0.2.2", err), 0);
    assert_int_equal(c.media_public_addr_count, 2);
    assert_string_equal(c.media_public_addrs[2], "");

    static const struct {
        const char *v;
        int rc;
    } bad[] = {
        {"", ERR_PARSE},
        {"192.0.2.1,", ERR_PARSE},
        {",192.0.2.1", ERR_PARSE},
        {"192.0.2.1,,192.0.2.2", ERR_PARSE},
        {"meet.example.org", ERR_INVAL},
        {"192.0.2.1 192.0.2.2", ERR_INVAL},
        {"[::1]", ERR_INVAL},
        {"192.0.2.1:3478", ERR_INVAL},
        {"1.1.1.1,2.2.2.2,3.3.3.3,4.4.4.4,5.5.5.5", ERR_TOOBIG},
        {"1111111111111111111111111111111111111111111111111111111111111111111", ERR_TOOBIG},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = config_set(&c, "media_public_addresses", bad[i].v, err);
        if (rc != bad[i].rc)
            fail_msg("'%s' gave %d, wanted %d (%s)", bad[i].v, rc, bad[i].rc, err);
        assert_true(strncmp(err, "media_public_addresses", 22) == 0);
    }
    /* unchanged by the failures */
    assert_int_equal(c.media_public_addr_count, 2);
    assert_string_equal(c.media_public_addrs[0], "192.0.2.1");
    assert_string_equal(c.media_public_addrs[1], "192.0.2.2");
}

static void test_log_level(void **state)
{
    (void)state;
    struct config c;
    char err[CONFIG_ERR_MAX];
    config_defaults(&c);
    static const struct {
        const char *name;
        enum log_level level;
    } good[] = {{"error", LOG_LEVEL_ERROR},
                {"warn", LOG_LEVEL_WARN},
                {"debug", LOG_LEVEL_DEBUG},
                {"info", LOG_LEVEL_INFO}};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(config_set(&c, "log_level", good[i].name, err), 0);
        assert_int_equal(c.log_level, good[i].level);
    }
    assert_int_equal(config_set(&c, "log_level", "DEBUG", err), ERR_INVAL);
    assert_int_equal(config_set(&c, "log_level", "verbose", err), ERR_INVAL);
    assert_int_equal(config_set(&c, "log_level", "", err), ERR_INVAL);
    assert_non_null(strstr(err, "log_level"));
    assert_int_equal(c.log_level, LOG_LEVEL_INFO);
}

struct range_case {
    const char *key;
    size_t off;
    unsigned min, max;
};

#define RANGE(k, lo, hi)                                                                           \
    {                                                                                              \
#k, offsetof(struct config, k), lo, hi                                                     \
    }

static void test_number_ranges(void **state)
{
    (void)state;
    static const struct range_case cases[] = {
        RANGE(workers, 0, 64),
        RANGE(max_participants, 2, 64),
        RANGE(max_connections, 1, 100000),
        RANGE(ws_rate_per_sec, 1, 1000),
        RANGE(ws_rate_burst, 1, 10000),
        RANGE(login_attempts_per_min, 1, 1000),
        RANGE(login_threads, 0, 8),
        RANGE(login_queue, 0, 1024),
        RANGE(handshake_timeout_s, 1, 60),
        RANGE(body_timeout_s, 1, 300),
        RANGE(max_connections_per_addr, 1, 100000),
        RANGE(media_tcp_conns, 1, 65535),
        RANGE(media_tcp_unauth, 1, 65535),
        RANGE(media_tcp_unauth_per_addr, 1, 65535),
        RANGE(media_tcp_auth_per_addr, 1, 65535),
        RANGE(media_tcp_auth_timeout_ms, 500, 60000),
        RANGE(session_hours, 1, 168),
        RANGE(invitation_grace_min, 0, 10080),
        RANGE(resume_seconds, 5, 600),
        RANGE(default_meeting_min, 5, 1440),
        RANGE(document_max_mb, 1, 100),
        RANGE(document_memory_mb, 1, 65536),
        RANGE(document_timeout_s, 5, 3600),
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct range_case *rc = &cases[i];
        struct config c;
        char err[CONFIG_ERR_MAX];
        char num[32];
        config_defaults(&c);
        const unsigned *field = (const unsigned *)(const void *)((const char *)&c + rc->off);
        unsigned before = *field;

        snprintf(num, sizeof num, "%u", rc->min);
        assert_int_equal(config_set(&c, rc->key, num, err), 0);
        assert_int_equal(*field, rc->min);
        snprintf(num, sizeof num, "%u", rc->max);
        assert_int_equal(config_set(&c, rc->key, num, err), 0);
        assert_int_equal(*field, rc->max);
        snprintf(num, sizeof num, "%u", (rc->min + rc->max) / 2);
        assert_int_equal(config_set(&c, rc->key, num, err), 0);
        assert_int_equal(*field, (rc->min + rc->max) / 2);
        assert_int_equal(config_set(&c, rc->key, "0007", err) == 0, rc->min <= 7 && 7 <= rc->max);

        config_defaults(&c);
        snprintf(num, sizeof num, "%u", rc->max + 1);
        assert_int_equal(config_set(&c, rc->key, num, err), ERR_INVAL);
        assert_non_null(strstr(err, "out of range"));
        assert_true(strncmp(err, rc->key, strlen(rc->key)) == 0);
        if (rc->min > 0) {
            snprintf(num, sizeof num, "%u", rc->min - 1);
            assert_int_equal(config_set(&c, rc->key, num, err), ERR_INVAL);
        }
        static const char *const junk[] = {"",   "abc", "-1",  "+5",   " 5",
                                           "5 ", "5x",  "1.5", "0x10", "18446744073709551616000"};
        for (size_t j = 0; j < sizeof junk / sizeof junk[0]; j++) {
            int r = config_set(&c, rc->key, junk[j], err);
            if (r >= 0)
                fail_msg("%s = '%s' was accepted", rc->key, junk[j]);
            assert_true(strncmp(err, rc->key, strlen(rc->key)) == 0);
        }
        assert_int_equal(*field, before);
    }
}

static void test_unknown_key(void **state)
{
    (void)state;
    struct config c;
    char err[CONFIG_ERR_MAX];
    config_defaults(&c);
    assert_int_equal(config_set(&c, "foo", "1", err), ERR_INVAL);
    assert_string_equal(err, "unknown setting 'foo'");
    assert_int_equal(config_set(&c, "Workers", "1", err), ERR_INVAL);
    assert_int_equal(config_set(&c, "", "1", err), ERR_INVAL);
    /* a NULL error buffer is tolerated */
    assert_int_equal(config_set(&c, "foo", "1", NULL), ERR_INVAL);
    assert_int_equal(config_set(&c, "workers", "4", NULL), 0);
}

static void test_file_good(void **state)
{
    (void)state;
    struct config c;
    char err[CONFIG_ERR_MAX] = "";
    config_defaults(&c);
    const char *text = "\xEF\xBB\xBF# samtale settings\n"
                       "\n"
                       "   # indented comment\n"
                       "listen = 0.0.0.0:443\n"
                       "\tdata_dir=/var/lib/samtale   \n"
                       "tls_cert = \"/etc/ssl/my certs/chain.pem\"  # quoted, with a space\n"
                       "tls_key = \"/etc/ssl/key#1.pem\"\n"
                       "web_root = /srv/web#root # a '#' inside a word is kept\n"
                       "public_url = https://meet.example.org/\r\n"
                       "media_port_min = 41000\n"
                       "media_port_max=41009\n"
                       "media_public_addresses = 203.0.113.7, 2001:db8::7\n"
                       "workers = 4\n"
                       "log_level = debug   # chatty\n"
                       "max_participants = 12\n"
                       "max_connections = 5000\n"
                       "ws_rate_per_sec = 30\n"
                       "ws_rate_burst = 60\n"
                       "login_attempts_per_min = 5\n"
                       "session_hours = 8\n"
                       "invitation_grace_min = 0\n"
                       "resume_seconds = 90\n"
                       "default_meeting_min = 45"; /* no final newline */
    assert_int_equal(load_text(&c, text, err), 0);
    assert_string_equal(c.listen_addr, "0.0.0.0");
    assert_int_equal(c.listen_port, 443);
    assert_string_equal(c.data_dir, "/var/lib/samtale");
    assert_string_equal(c.tls_cert, "/etc/ssl/my certs/chain.pem");
    assert_string_equal(c.tls_key, "/etc/ssl/key#1.pem");
    assert_string_equal(c.web_root, "/srv/web#root");
    assert_string_equal(c.public_url, "https://meet.example.org");
    assert_int_equal(c.media_port_min, 41000);
    assert_int_equal(c.media_port_max, 41009);
    assert_int_equal(c.media_public_addr_count, 2);
    assert_string_equal(c.media_public_addrs[1], "2001:db8::7");
    assert_int_equal(c.workers, 4);
    assert_int_equal(c.log_level, LOG_LEVEL_DEBUG);
    assert_int_equal(c.max_participants, 12);
    assert_int_equal(c.max_connections, 5000);
    assert_int_equal(c.ws_rate_per_sec, 30);
    assert_int_equal(c.ws_rate_burst, 60);
    assert_int_equal(c.login_attempts_per_min, 5);
    assert_int_equal(c.session_hours, 8);
    assert_int_equal(c.invitation_grace_min, 0);
    assert_int_equal(c.resume_seconds, 90);
    assert_int_equal(c.default_meeting_min, 45);
    assert_int_equal(config_validate(&c, err), 0);

    /* an empty file and a comments-only file change nothing */
    struct config d;
    config_defaults(&d);
    assert_int_equal(load_text(&d, "", err), 0);
    assert_int_equal(load_text(&d, "# nothing\n\n  \t\n#workers = 3\n", err), 0);
    struct config e;
    config_defaults(&e);
    assert_config_equal(&d, &e);
}

static void test_file_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        unsigned line;
        const char *msg;
        int rc;
    } cases[] = {
        {"workers = 2\n# fine\nfoo = 1\n", 3, "unknown setting 'foo'", ERR_INVAL},
        {"\n\nworkers = 99\n", 3, "workers: 99 is out of range (0..64)", ERR_INVAL},
        {"workers\n", 1, "expected 'key = value'", ERR_PARSE},
        {"log_level = info\n = 3\n", 2, "missing setting name", ERR_PARSE},
        {"data_dir = \"/srv/data\n", 1, "missing closing quote", ERR_PARSE},
        {"data_dir = \"/srv\" data\n", 1, "after the closing quote", ERR_PARSE},
        {"max connections = 3\n", 1, "bad setting name", ERR_PARSE},
        {"listen = localhost:8443\n", 1, "listen", ERR_INVAL},
        {"public_url = http://x\n", 1, "public_url: must start with https://", ERR_INVAL},
        {"session_hours = 12 hours\n", 1, "session_hours: '12 hours' is not a number", ERR_PARSE},
        {"tls_key = # nothing\n", 1, "tls_key: must not be empty", ERR_INVAL},
        {"tls_key = \"\"\n", 1, "tls_key: must not be empty", ERR_INVAL},
        {"#\n#\n#\n#\n#\n#\n#\n#\n#\n#\n#\nWORKERS = 1\n", 12, "bad setting name", ERR_PARSE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct config c, before;
        char err[CONFIG_ERR_MAX] = "";
        config_defaults(&c);
        before = c;
        int rc = load_text(&c, cases[i].text, err);
        if (rc != cases[i].rc)
            fail_msg("case %zu: rc %d, wanted %d (%s)", i, rc, cases[i].rc, err);
        assert_file_err(err, cases[i].line, cases[i].msg);
        /* a bad file changes nothing, not even the lines before the error */
        assert_config_equal(&c, &before);
    }

    /* a NUL byte */
    struct config c;
    char err[CONFIG_ERR_MAX];
    char path[64];
    config_defaults(&c);
    write_tmp(path, "workers = 1\nwork\0ers = 2\n", 25);
    assert_int_equal(config_load_file(&c, path, err), ERR_PARSE);
    unlink(path);
    assert_file_err(err, 2, "NUL");

    /* a missing file */
    assert_int_equal(config_load_file(&c, "/nonexistent/samtale.conf", err), ERR_IO);
    assert_non_null(strstr(err, "/nonexistent/samtale.conf"));
}

static void test_file_line_length(void **state)
{
    (void)state;
    struct config c;
    char err[CONFIG_ERR_MAX];
    char *text = malloc(3 * CONFIG_LINE_MAX);
    assert_non_null(text);

    /* exactly CONFIG_LINE_MAX bytes: fine (a long comment) */
    config_defaults(&c);
    text[0] = '#';
    memset(text + 1, 'c', CONFIG_LINE_MAX - 1);
    memcpy(text + CONFIG_LINE_MAX, "\nworkers = 3\n", 14);
    assert_int_equal(load_text(&c, text, err), 0);
    assert_int_equal(c.workers, 3);

    /* one more byte: an error, even in a comment */
    config_defaults(&c);
    memset(text + 1, 'c', CONFIG_LINE_MAX);
    memcpy(text + CONFIG_LINE_MAX + 1, "\nworkers = 3\n", 14);
    assert_true(load_text(&c, text, err) < 0);
    assert_file_err(err, 1, "line longer than");
    assert_int_equal(c.workers, 0);

    /* a value too long for its field on a line that is not too long */
    config_defaults(&c);
    memcpy(text, "web_root = ", 11);
    memset(text + 11, 'w', CONFIG_PATH_MAX + 10);
    text[11 + CONFIG_PATH_MAX + 10] = '\0';
    assert_int_equal(load_text(&c, text, err), ERR_TOOBIG);
    assert_file_err(err, 1, "web_root: too long");
    assert_string_equal(c.web_root, "web-client");
    free(text);
}

static void test_validate(void **state)
{
    (void)state;
    struct config c;
    char err[CONFIG_ERR_MAX];

    config_defaults(&c);
    c.media_port_min = 40100;
    c.media_port_max = 40099;
    assert_int_equal(config_validate(&c, err), ERR_INVAL);
    assert_non_null(strstr(err, "media_port_min"));

    /* equal ends: one port, fine for one worker, not for two */
    config_defaults(&c);
    c.media_port_min = c.media_port_max = 40000;
    c.workers = 1;
    assert_int_equal(config_validate(&c, err), 0);
    c.workers = 2;
    assert_int_equal(config_validate(&c, err), ERR_INVAL);
    assert_non_null(strstr(err, "workers"));
    c.workers = 0; /* one per core: checked when the workers start */
    assert_int_equal(config_validate(&c, err), 0);

    config_defaults(&c);
    c.workers = 64;
    c.media_port_min = 40000;
    c.media_port_max = 40063; /* 64 ports */
    assert_int_equal(config_validate(&c, err), 0);
    c.media_port_max = 40062;
    assert_int_equal(config_validate(&c, err), ERR_INVAL);

    config_defaults(&c);
    c.tls_cert[0] = '\0';
    assert_int_equal(config_validate(&c, err), ERR_INVAL);
    assert_non_null(strstr(err, "tls_cert"));

    config_defaults(&c);
    c.tls_key[0] = '\0';
    assert_int_equal(config_validate(&c, err), ERR_INVAL);
    assert_non_null(strstr(err, "tls_key"));

    config_defaults(&c);
    c.media_public_addr_count = 0;
    assert_int_equal(config_validate(&c, err), ERR_INVAL);

    /* through config_set the same way */
    config_defaults(&c);
    assert_int_equal(config_set(&c, "media_port_min", "50000", err), 0);
    assert_int_equal(config_validate(&c, err), ERR_INVAL);
    assert_int_equal(config_set(&c, "media_port_max", "50007", err), 0);
    assert_int_equal(config_set(&c, "workers", "8", err), 0);
    assert_int_equal(config_validate(&c, err), 0);
    assert_int_equal(config_set(&c, "workers", "9", err), 0);
    assert_int_equal(config_validate(&c, err), ERR_INVAL);

    /* a worker's two ICE-TCP budgets share 65535 connection slots */
    config_defaults(&c);
    assert_int_equal(config_set(&c, "media_tcp_conns", "60000", err), 0);
    assert_int_equal(config_set(&c, "media_tcp_unauth", "5535", err), 0);
    assert_int_equal(config_validate(&c, err), 0);
    assert_int_equal(config_set(&c, "media_tcp_unauth", "5536", err), 0);
    assert_int_equal(config_validate(&c, err), ERR_INVAL);
    assert_non_null(strstr(err, "media_tcp_conns"));

    /* the documents' memory holds at least one document of the largest size */
    config_defaults(&c);
    assert_int_equal(c.document_max_mb, 20);
    assert_int_equal(c.document_memory_mb, 200);
    assert_int_equal(config_set(&c, "document_memory_mb", "20", err), 0);
    assert_int_equal(config_validate(&c, err), 0);
    assert_int_equal(config_set(&c, "document_memory_mb", "19", err), 0);
    assert_int_equal(config_validate(&c, err), ERR_INVAL);
    assert_non_null(strstr(err, "document_memory_mb"));
}

static void test_example_file_loads(void **state)
{
    (void)state;
    /* samtale.conf.example holds every key at its default. Tests run from
     * the repository root; skip quietly if run from elsewhere. */
    if (access("samtale.conf.example", R_OK) != 0)
        skip();
    struct config c, d;
    char err[CONFIG_ERR_MAX] = "";
    config_defaults(&c);
    config_defaults(&d);
    int rc = config_load_file(&c, "samtale.conf.example", err);
    if (rc != 0)
        fail_msg("%s", err);
    assert_config_equal(&c, &d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_listen_forms),
        cmocka_unit_test(test_listen_bad),
        cmocka_unit_test(test_listen_moves_derived_public_url),
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_public_url),
        cmocka_unit_test(test_media_ports),
        cmocka_unit_test(test_media_public_addresses),
        cmocka_unit_test(test_log_level),
        cmocka_unit_test(test_number_ranges),
        cmocka_unit_test(test_unknown_key),
        cmocka_unit_test(test_file_good),
        cmocka_unit_test(test_file_errors),
        cmocka_unit_test(test_file_line_length),
        cmocka_unit_test(test_validate),
        cmocka_unit_test(test_example_file_loads),
        cmocka_unit_test(test_phone_settings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
