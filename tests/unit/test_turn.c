/* Tests for signaling/turn.c: TURN REST credentials (the coturn test vector),
 * turn_urls checks, the secret settings and their validation. */
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
#include "signaling/turn.h"

#define GOOD_SECRET "0123456789abcdef0123456789abcdef"

static void credential_vector(void **state)
{
    (void)state;
    /* The vector coturn accepts (docs/OPERATIONS.md): secret s3cret, user alice. */
    struct turn_credential c;
    assert_int_equal(turn_credential_make("s3cret", 6, 1700003600, "alice", &c), 0);
    assert_string_equal(c.username, "1700003600:alice");
    assert_string_equal(c.credential, "YAFdW/YDZewZsR1QSgUk2IrfbRI=");
    assert_int_equal(c.expires_s, 1700003600);
}

static void credential_changes_with_every_part(void **state)
{
    (void)state;
    struct turn_credential a, b;
    assert_int_equal(turn_credential_make("s3cret", 6, 1700003600, "alice", &a), 0);
    assert_int_equal(turn_credential_make("s3cres", 6, 1700003600, "alice", &b), 0);
    assert_string_not_equal(a.credential, b.credential);
    assert_int_equal(turn_credential_make("s3cret", 6, 1700003601, "alice", &b), 0);
    assert_string_not_equal(a.credential, b.credential);
    assert_int_equal(turn_credential_make("s3cret", 6, 1700003600, "alicf", &b), 0);
    assert_string_not_equal(a.credential, b.credential);
}

static void credential_refuses_bad_arguments(void **state)
{
    (void)state;
    struct turn_credential c;
    char long_id[TURN_ID_MAX + 2];
    memset(long_id, 'a', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    assert_int_equal(turn_credential_make("s3cret", 0, 1, "a", &c), ERR_INVAL);
    assert_int_equal(turn_credential_make(NULL, 6, 1, "a", &c), ERR_INVAL);
    assert_int_equal(turn_credential_make("s3cret", 6, -1, "a", &c), ERR_INVAL);
    assert_int_equal(turn_credential_make("s3cret", 6, 1, "", &c), ERR_INVAL);
    assert_int_equal(turn_credential_make("s3cret", 6, 1, "a:b", &c), ERR_INVAL);
    assert_int_equal(turn_credential_make("s3cret", 6, 1, long_id, &c), ERR_INVAL);
    assert_string_equal(c.username, "");
    long_id[TURN_ID_MAX] = '\0';
    assert_int_equal(turn_credential_make("s3cret", 6, INT64_MAX, long_id, &c), 0);
}

static void urls_good(void **state)
{
    (void)state;
    static const char *const good[] = {
        "turn:turn.example.dk",
        "turn:turn.example.dk:3478?transport=udp",
        "turn:turn.example.dk:3478?transport=tcp",
        "turns:turn.example.dk:443?transport=tcp",
        "turns:turn.example.dk",
        "turn:192.0.2.10:3478",
        "turn:[2001:db8::1]:3478?transport=udp",
        "turns:[::1]",
    };
    char why[160];
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (turn_url_check(good[i], why, sizeof why) != 0)
            fail_msg("'%s' refused: %s", good[i], why);
}

static void urls_bad(void **state)
{
    (void)state;
    static const struct {
        const char *url, *why;
    } bad[] = {
        {"stun:turn.example.dk", "turn: or turns:"},
        {"https://turn.example.dk", "turn: or turns:"},
        {"turn://turn.example.dk", "without '//'"},
        {"turn:", "no host"},
        {"turn::3478", "no host"},
        {"turn:turn.example.dk:", "port"},
        {"turn:turn.example.dk:0", "1..65535"},
        {"turn:turn.example.dk:65536", "1..65535"},
        {"turn:turn.example.dk:34x8", "number"},
        {"turn:turn.example.dk:123456", "port"},
        {"turn:turn example.dk", "letters, digits"},
        {"turn:user@turn.example.dk", "letters, digits"},
        {"turn:2001:db8::1", "port"},
        {"turn:[2001:db8::1", "brackets"},
        {"turn:[not:v6]:3478", "not an IPv6"},
        {"turn:turn.example.dk?transport=sctp", "only query"},
        {"turn:turn.example.dk?transport=udp&x=1", "only query"},
        {"turns:turn.example.dk:443?transport=udp", "DTLS"},
    };
    char why[160];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why[0] = '\0';
        if (turn_url_check(bad[i].url, why, sizeof why) == 0)
            fail_msg("'%s' accepted", bad[i].url);
        if (!strstr(why, bad[i].why))
            fail_msg("'%s': reason '%s' lacks '%s'", bad[i].url, why, bad[i].why);
    }
}

static void config_keys(void **state)
{
    (void)state;
    struct config c;
    char err[CONFIG_ERR_MAX];
    config_defaults(&c);
    assert_false(turn_enabled(&c.sig.turn));
    assert_int_equal(c.sig.turn.ttl_seconds, TURN_TTL_DEFAULT);
    assert_int_equal(config_validate(&c, err), 0);

    assert_int_equal(config_set(&c, "turn_urls",
                                "turn:t.example.dk:3478?transport=udp, "
                                "turn:t.example.dk:3478?transport=tcp,"
                                "turns:t.example.dk:443?transport=tcp",
                                err),
                     0);
    assert_int_equal(c.sig.turn.url_count, 3);
    assert_string_equal(c.sig.turn.urls[1], "turn:t.example.dk:3478?transport=tcp");
    assert_int_equal(config_validate(&c, err), ERR_INVAL);
    assert_non_null(strstr(err, "no turn_secret"));
    assert_int_equal(config_set(&c, "turn_secret", GOOD_SECRET, err), 0);
    assert_true(turn_enabled(&c.sig.turn));
    assert_int_equal(config_validate(&c, err), 0);
    assert_int_equal(config_set(&c, "turn_ttl_seconds", "86400", err), 0);
    assert_int_equal(c.sig.turn.ttl_seconds, 86400);

    /* Refused values name the key and leave the config as it was. */
    static const struct {
        const char *key, *value, *msg;
    } bad[] = {
        {"turn_ttl_seconds", "59", "out of range"},
        {"turn_ttl_seconds", "604801", "out of range"},
        {"turn_ttl_seconds", "1h", "not a number"},
        {"turn_ttl_seconds", "-5", "not a number"},
        {"turn_urls", "", "empty entry"},
        {"turn_urls", "turn:a,,turn:b", "empty entry"},
        {"turn_urls", "turn:a,stun:b", "'stun:b': must start with turn: or turns:"},
        {"turn_urls", "turn:a,turn:a,turn:a,turn:a,turn:a,turn:a,turn:a,turn:a,turn:a",
         "at most 8"},
        {"turn_secret", "short", "too short"},
        {"turn_secret", "0123456789abcdef 0123", "printable ASCII"},
        {"turn_secret_file", "/nonexistent/turn-secret", "cannot open"},
        {"turn_bogus", "1", "unknown setting 'turn_bogus'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_true(config_set(&c, bad[i].key, bad[i].value, err) < 0);
        if (!strstr(err, bad[i].msg))
            fail_msg("%s = %s: error '%s' lacks '%s'", bad[i].key, bad[i].value, err, bad[i].msg);
        assert_int_equal(c.sig.turn.url_count, 3);
        assert_int_equal(c.sig.turn.ttl_seconds, 86400);
        assert_string_equal(c.sig.turn.secret, GOOD_SECRET);
    }
}

/* The secret itself never appears in an error message. */
static void secret_not_in_errors(void **state)
{
    (void)state;
    struct config c;
    char err[CONFIG_ERR_MAX];
    config_defaults(&c);
    assert_true(config_set(&c, "turn_secret", "tooshortsecret", err) < 0);
    assert_null(strstr(err, "tooshortsecret"));
    assert_true(config_set(&c, "turn_secret", "Zz0123456789abcdef\x01", err) < 0);
    assert_null(strstr(err, "Zz0123456789"));
}

static void write_file(char path[64], const char *text)
{
    snprintf(path, 64, "/tmp/samtale-test-turn-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static void secret_file(void **state)
{
    (void)state;
    struct config c;
    char err[CONFIG_ERR_MAX], path[64];
    config_defaults(&c);
    write_file(path, GOOD_SECRET "\r\n");
    assert_int_equal(config_set(&c, "turn_secret_file", path, err), 0);
    unlink(path);
    assert_string_equal(c.sig.turn.secret, GOOD_SECRET);
    assert_int_equal(c.sig.turn.secret_len, strlen(GOOD_SECRET));
    assert_int_equal(config_set(&c, "turn_urls", "turn:192.0.2.1", err), 0);
    assert_int_equal(config_validate(&c, err), 0);

    /* A second line is a wrong file, not part of the secret. */
    write_file(path, GOOD_SECRET "\nsecond line\n");
    assert_true(config_set(&c, "turn_secret_file", path, err) < 0);
    unlink(path);
    assert_non_null(strstr(err, "turn_secret_file"));
    assert_null(strstr(err, GOOD_SECRET));
    write_file(path, "\n");
    assert_true(config_set(&c, "turn_secret_file", path, err) < 0);
    unlink(path);
    assert_non_null(strstr(err, "too short"));

    /* Both ways at once is a mistake worth stopping for. */
    assert_int_equal(config_set(&c, "turn_secret", GOOD_SECRET "x", err), 0);
    assert_int_equal(config_validate(&c, err), ERR_INVAL);
    assert_non_null(strstr(err, "use one"));
}

static void secret_without_urls(void **state)
{
    (void)state;
    struct config c;
    char err[CONFIG_ERR_MAX];
    config_defaults(&c);
    assert_int_equal(config_set(&c, "turn_secret", GOOD_SECRET, err), 0);
    assert_int_equal(config_validate(&c, err), ERR_INVAL);
    assert_non_null(strstr(err, "turn_urls is empty"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(credential_vector),
        cmocka_unit_test(credential_changes_with_every_part),
        cmocka_unit_test(credential_refuses_bad_arguments),
        cmocka_unit_test(urls_good),
        cmocka_unit_test(urls_bad),
        cmocka_unit_test(config_keys),
        cmocka_unit_test(secret_not_in_errors),
        cmocka_unit_test(secret_file),
        cmocka_unit_test(secret_without_urls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
