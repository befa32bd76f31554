/* Tests for server/config.c reading config files: a good file, errors with
 * their line numbers (nothing applied), line lengths, and the shipped
 * samtale.conf.example. */
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
    snprintf(path, 64, "/tmp/samtale-test-config-XXXXXX"); /* mkstemp fills in the X's */
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
    assert_int_equal(a->sig.media_public_addr_count, b->sig.media_public_addr_count);
    for (unsigned i = 0; i < CONFIG_PUBLIC_ADDRS_MAX; i++)
        assert_string_equal(a->sig.media_public_addrs[i], b->sig.media_public_addrs[i]);
    assert_int_equal(a->workers, b->workers);
    assert_int_equal(a->log_level, b->log_level);
    assert_int_equal(a->sig.max_participants, b->sig.max_participants);
    assert_int_equal(a->sig.max_connections, b->sig.max_connections);
    assert_int_equal(a->sig.ws_rate_per_sec, b->sig.ws_rate_per_sec);
    assert_int_equal(a->sig.ws_rate_burst, b->sig.ws_rate_burst);
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
    assert_int_equal(a->sig.resume_seconds, b->sig.resume_seconds);
    assert_int_equal(a->default_meeting_min, b->default_meeting_min);
    assert_string_equal(a->sig.sip.dial_in_number, b->sig.sip.dial_in_number);
    assert_string_equal(a->sig.sip.trunk_proxy, b->sig.sip.trunk_proxy);
    assert_string_equal(a->phone_prompts_dir, b->phone_prompts_dir);
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
    assert_int_equal(c.sig.media_public_addr_count, 2);
    assert_string_equal(c.sig.media_public_addrs[1], "2001:db8::7");
    assert_int_equal(c.workers, 4);
    assert_int_equal(c.log_level, LOG_LEVEL_DEBUG);
    assert_int_equal(c.sig.max_participants, 12);
    assert_int_equal(c.sig.max_connections, 5000);
    assert_int_equal(c.sig.ws_rate_per_sec, 30);
    assert_int_equal(c.sig.ws_rate_burst, 60);
    assert_int_equal(c.login_attempts_per_min, 5);
    assert_int_equal(c.session_hours, 8);
    assert_int_equal(c.invitation_grace_min, 0);
    assert_int_equal(c.sig.resume_seconds, 90);
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
        cmocka_unit_test(test_file_good),
        cmocka_unit_test(test_file_errors),
        cmocka_unit_test(test_file_line_length),
        cmocka_unit_test(test_example_file_loads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
