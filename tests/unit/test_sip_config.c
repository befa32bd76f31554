/* Tests for signaling/sip_config.c: the phone bridge's settings through the
 * config front end (config_set / config_validate). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "server/config.h"

static int set(struct config *c, const char *k, const char *v)
{
    char err[CONFIG_ERR_MAX];
    return config_set(c, k, v, err);
}

static void off_by_default(void **state)
{
    (void)state;
    struct config c;
    config_defaults(&c);
    assert_false(sip_enabled(&c.sig.sip));
    assert_false(sip_dial_out_enabled(&c.sig.sip));
    assert_int_equal(c.sig.sip.rtp_port_min, SIP_RTP_PORT_MIN_DEFAULT);
    assert_int_equal(c.sig.sip.max_calls, SIP_CALLS_DEFAULT);
    char err[CONFIG_ERR_MAX];
    assert_int_equal(config_validate(&c, err), 0);
}

static void listen_and_allow(void **state)
{
    (void)state;
    struct config c;
    config_defaults(&c);
    char err[CONFIG_ERR_MAX];
    assert_int_equal(set(&c, "sip_listen", "127.0.0.1:5060"), 0);
    assert_true(sip_enabled(&c.sig.sip));
    assert_string_equal(c.sig.sip.listen_addr, "127.0.0.1");
    assert_int_equal(c.sig.sip.listen_port, 5060);
    /* Without an allowlist nobody could call: refused at start. */
    assert_int_not_equal(config_validate(&c, err), 0);
    assert_non_null(strstr(err, "sip_allow"));
    assert_int_equal(set(&c, "sip_allow", "192.0.2.0/24, 2001:db8::/32,198.51.100.7"), 0);
    assert_int_equal(c.sig.sip.allow_count, 3);
    assert_string_equal(c.sig.sip.allow[1], "2001:db8::/32");
    assert_int_equal(config_validate(&c, err), 0);
    assert_int_equal(set(&c, "sip_listen", "[::1]:5070"), 0);
    assert_string_equal(c.sig.sip.listen_addr, "::1");
    assert_int_equal(c.sig.sip.listen_port, 5070);
}

static void bad_values(void **state)
{
    (void)state;
    struct config c;
    config_defaults(&c);
    const char *bad[][2] = {
        {"sip_listen", "localhost:5060"},
        {"sip_listen", "127.0.0.1"},
        {"sip_listen", "127.0.0.1:0"},
        {"sip_listen", "127.0.0.1:70000"},
        {"sip_allow", "192.0.2.0/33"},
        {"sip_allow", "example.org"},
        {"sip_allow", "2001:db8::/129"},
        {"sip_allow", "192.0.2.1/"},
        {"sip_rtp_port_min", "80"},
        {"sip_max_calls", "0"},
        {"sip_max_calls", "100000"},
        {"sip_dial_in_number", "call me"},
        {"sip_caller_id", "+45 <b>"},
        {"sip_trunk_proxy", "a b"},
        {"sip_public_address", "sip.example.org"},
        {"sip_unknown", "1"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_not_equal(set(&c, bad[i][0], bad[i][1]), 0);
    char many[2048] = "";
    for (int i = 0; i < SIP_CONFIG_ALLOW_MAX + 1; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "192.0.2.%d,", i);
    assert_int_not_equal(set(&c, "sip_allow", many), 0);
}

static void ports_and_trunk(void **state)
{
    (void)state;
    struct config c;
    config_defaults(&c);
    char err[CONFIG_ERR_MAX];
    assert_int_equal(set(&c, "sip_listen", "0.0.0.0:5060"), 0);
    assert_int_equal(set(&c, "sip_allow", "192.0.2.10"), 0);
    assert_int_equal(set(&c, "sip_rtp_port_min", "41001"), 0);
    assert_int_not_equal(config_validate(&c, err), 0); /* odd start */
    assert_int_equal(set(&c, "sip_rtp_port_min", "42000"), 0);
    assert_int_equal(set(&c, "sip_rtp_port_max", "41000"), 0);
    assert_int_not_equal(config_validate(&c, err), 0); /* empty range */
    assert_int_equal(set(&c, "sip_rtp_port_max", "42099"), 0);
    assert_int_equal(config_validate(&c, err), 0);
    assert_false(sip_dial_out_enabled(&c.sig.sip));
    assert_int_equal(set(&c, "sip_trunk_proxy", "sbc.example.dk:5060"), 0);
    assert_true(sip_dial_out_enabled(&c.sig.sip));
    assert_int_equal(set(&c, "sip_dial_in_number", "+45 70 20 30 40"), 0);
    assert_string_equal(c.sig.sip.dial_in_number, "+45 70 20 30 40");
}

static void trunk_password(void **state)
{
    (void)state;
    struct config c;
    config_defaults(&c);
    char err[CONFIG_ERR_MAX];
    char path[] = "/tmp/samtale-sip-secret-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "hemmelig-42\n", 12), 12);
    close(fd);
    assert_int_equal(set(&c, "sip_trunk_password_file", path), 0);
    assert_string_equal(c.sig.sip.trunk_password, "hemmelig-42");
    assert_int_equal(config_validate(&c, err), 0);
    assert_int_equal(set(&c, "sip_trunk_password", "other"), 0);
    assert_int_not_equal(config_validate(&c, err), 0); /* both: which one? */
    assert_null(strstr(err, "other"));
    unlink(path);
    config_defaults(&c);
    assert_int_not_equal(config_set(&c, "sip_trunk_password_file", path, err), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(off_by_default), cmocka_unit_test(listen_and_allow),
        cmocka_unit_test(bad_values),     cmocka_unit_test(ports_and_trunk),
        cmocka_unit_test(trunk_password),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
