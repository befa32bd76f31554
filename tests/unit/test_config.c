/* Tests for server/config.c: defaults, every key, listen forms, limits
 * (reading config files: test_config_file.c). */
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
    assert_int_equal(c.sig.media_public_addr_count, 1);
    assert_string_equal(c.sig.media_public_addrs[0], "127.0.0.1");
    assert_string_equal(c.sig.media_public_addrs[1], "");
    assert_int_equal(c.workers, 0);
    assert_int_equal(c.log_level, LOG_LEVEL_INFO);
    assert_int_equal(c.sig.max_participants, 8);
    assert_int_equal(c.sig.max_connections, 1000);
    assert_int_equal(c.sig.ws_rate_per_sec, 20);
    assert_int_equal(c.sig.ws_rate_burst, 40);
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
    assert_int_equal(c.sig.resume_seconds, 60);
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
    assert_string_equal(c.sig.media_bind, "::1");
    assert_true(config_set(&c, "media_bind", "localhost", err) < 0);
    assert_string_equal(c.sig.media_bind, "::1");
}

static void test_media_public_addresses(void **state)
{
    (void)state;
    struct config c;
    char err[CONFIG_ERR_MAX];
    config_defaults(&c);

    assert_int_equal(config_set(&c, "media_public_addresses", "203.0.113.7", err), 0);
    assert_int_equal(c.sig.media_public_addr_count, 1);
    assert_string_equal(c.sig.media_public_addrs[0], "203.0.113.7");

    assert_int_equal(
        config_set(&c, "media_public_addresses", "203.0.113.7, 2001:db8::1 ,10.0.0.1,::1", err), 0);
    assert_int_equal(c.sig.media_public_addr_count, 4);
    assert_string_equal(c.sig.media_public_addrs[0], "203.0.113.7");
    assert_string_equal(c.sig.media_public_addrs[1], "2001:db8::1");
    assert_string_equal(c.sig.media_public_addrs[2], "10.0.0.1");
    assert_string_equal(c.sig.media_public_addrs[3], "::1");

    /* a shorter list clears the old entries */
    assert_int_equal(config_set(&c, "media_public_addresses", "192.0.2.1,192.0.2.2", err), 0);
    assert_int_equal(c.sig.media_public_addr_count, 2);
    assert_string_equal(c.sig.media_public_addrs[2], "");

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
    assert_int_equal(c.sig.media_public_addr_count, 2);
    assert_string_equal(c.sig.media_public_addrs[0], "192.0.2.1");
    assert_string_equal(c.sig.media_public_addrs[1], "192.0.2.2");
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
/* The settings signaling uses (struct sig_config). */
#define SIG_RANGE(k, lo, hi)                                                                       \
    {                                                                                              \
#k, offsetof(struct config, sig.k), lo, hi                                                 \
    }

static void test_number_ranges(void **state)
{
    (void)state;
    static const struct range_case cases[] = {
        RANGE(workers, 0, 64),
        SIG_RANGE(max_participants, 2, 64),
        SIG_RANGE(max_connections, 1, 100000),
        SIG_RANGE(ws_rate_per_sec, 1, 1000),
        SIG_RANGE(ws_rate_burst, 1, 10000),
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
        SIG_RANGE(resume_seconds, 5, 600),
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
    c.sig.media_public_addr_count = 0;
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
        cmocka_unit_test(test_validate),
        cmocka_unit_test(test_phone_settings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
