/* Phone bridge settings (see sip_config.h). */
#include "signaling/sip_config.h"
#include "base/err.h"
#include "base/setting.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHOW_MAX SETTING_SHOW_MAX

void sip_config_defaults(struct sip_config *c)
{
    memset(c, 0, sizeof *c);
    c->rtp_port_min = SIP_RTP_PORT_MIN_DEFAULT;
    c->rtp_port_max = SIP_RTP_PORT_MAX_DEFAULT;
    c->max_calls = SIP_CALLS_DEFAULT;
}

bool sip_enabled(const struct sip_config *c)
{
    return c->listen_addr[0] != '\0';
}

bool sip_dial_out_enabled(const struct sip_config *c)
{
    return sip_enabled(c) && c->trunk_proxy[0] != '\0';
}

static bool numeric_ip(const char *s)
{
    struct in6_addr a;
    return inet_pton(AF_INET, s, &a) == 1 || inet_pton(AF_INET6, s, &a) == 1;
}

/* "ADDR:PORT" or "[V6]:PORT", numeric addresses only; "" turns it off. */
static int set_listen(const char *key, char addr_out[SIP_CONFIG_ADDR_MAX], uint16_t *port_out,
                      const char *value, char *err, size_t cap)
{
    if (value[0] == '\0') {
        addr_out[0] = '\0';
        return 0;
    }
    const char *colon = strrchr(value, ':');
    char addr[SIP_CONFIG_ADDR_MAX];
    const char *a = value;
    size_t n = colon ? (size_t)(colon - value) : 0;
    if (n >= 2 && value[0] == '[' && value[n - 1] == ']') {
        a = value + 1;
        n -= 2;
    }
    if (!colon || n == 0 || n >= sizeof addr) {
        setting_err(err, cap, "%s: '%.*s' is not ADDRESS:PORT", key, SHOW_MAX, value);
        return ERR_PARSE;
    }
    memcpy(addr, a, n);
    addr[n] = '\0';
    unsigned long port;
    int rc = setting_uint(key, colon + 1, 1, 65535, &port, err, cap);
    if (rc < 0)
        return rc;
    if (!numeric_ip(addr)) {
        setting_err(err, cap, "%s: '%.*s' is not a numeric IP address", key, SHOW_MAX, addr);
        return ERR_INVAL;
    }
    snprintf(addr_out, SIP_CONFIG_ADDR_MAX, "%s", addr);
    *port_out = (uint16_t)port;
    return 0;
}

/* One network: "192.0.2.0/24", "2001:db8::/32" or a single address. */
static bool valid_cidr(const char *s)
{
    char ip[SIP_CONFIG_CIDR_MAX];
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);
    if (n == 0 || n >= sizeof ip)
        return false;
    memcpy(ip, s, n);
    ip[n] = '\0';
    struct in6_addr a;
    int bits = inet_pton(AF_INET, ip, &a) == 1 ? 32 : inet_pton(AF_INET6, ip, &a) == 1 ? 128 : -1;
    if (bits < 0)
        return false;
    if (!slash)
        return true;
    char *end = NULL;
    long p = slash[1] >= '0' && slash[1] <= '9' ? strtol(slash + 1, &end, 10) : -1;
    return end && *end == '\0' && p >= 0 && p <= bits;
}

static int set_allow(struct sip_config *c, const char *value, char *err, size_t cap)
{
    unsigned count = 0;
    const char *p = value;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t n = strcspn(p, " ,");
        if (n == 0)
            break;
        if (count == SIP_CONFIG_ALLOW_MAX) {
            setting_err(err, cap, "sip_allow: at most %d networks", SIP_CONFIG_ALLOW_MAX);
            return ERR_INVAL;
        }
        if (n >= SIP_CONFIG_CIDR_MAX) {
            setting_err(err, cap, "sip_allow: '%.*s' is too long", SHOW_MAX, p);
            return ERR_INVAL;
        }
        memcpy(c->allow[count], p, n);
        c->allow[count][n] = '\0';
        if (!valid_cidr(c->allow[count])) {
            setting_err(err, cap, "sip_allow: '%.*s' is not an address or network (CIDR)", SHOW_MAX,
                        c->allow[count]);
            return ERR_INVAL;
        }
        count++;
        p += n;
    }
    c->allow_count = count;
    return 0;
}

static int set_path(char *dst, size_t dst_cap, const char *key, const char *value, char *err,
                    size_t cap)
{
    size_t n = strlen(value);
    if (n == 0 || n >= dst_cap) {
        setting_err(err, cap, "%s: a path of 1..%zu characters", key, dst_cap - 1);
        return ERR_INVAL;
    }
    memcpy(dst, value, n + 1);
    return 0;
}

static int set_string(char *dst, size_t dst_cap, const char *key, const char *value, char *err,
                      size_t cap)
{
    size_t n = strlen(value);
    if (n >= dst_cap) {
        setting_err(err, cap, "%s: longer than %zu characters", key, dst_cap - 1);
        return ERR_INVAL;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)value[i];
        if (ch < 0x21 || ch == 0x7f || ch == '"' || ch == '<' || ch == '>') {
            setting_err(err, cap, "%s: no spaces, quotes or angle brackets", key);
            return ERR_INVAL;
        }
    }
    memcpy(dst, value, n + 1);
    return 0;
}

/* A phone number: an optional '+', then digits, spaces allowed for reading. */
static int set_number(char *dst, size_t dst_cap, const char *key, const char *value, char *err,
                      size_t cap)
{
    size_t digits = 0, n = strlen(value);
    for (size_t i = 0; i < n; i++) {
        char ch = value[i];
        if (ch >= '0' && ch <= '9')
            digits++;
        else if (!(ch == ' ' || ch == '-' || ch == '(' || ch == ')' || ch == '+')) {
            setting_err(err, cap,
                        "%s: '%.*s' is not a phone number (digits, +, spaces, - and brackets)", key,
                        SHOW_MAX, value);
            return ERR_INVAL;
        }
    }
    if ((n > 0 && digits == 0) || n >= dst_cap) {
        setting_err(err, cap, "%s: '%.*s' is not a phone number", key, SHOW_MAX, value);
        return ERR_INVAL;
    }
    memcpy(dst, value, n + 1);
    return 0;
}

static int set_password_file(struct sip_config *c, const char *path, char *err, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        setting_err(err, cap, "sip_trunk_password_file: %.*s: %s", SHOW_MAX, path, strerror(errno));
        return ERR_IO;
    }
    char buf[SIP_CONFIG_SECRET_MAX + 2];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        n--;
    int rc = 0;
    if (n == 0 || n > SIP_CONFIG_SECRET_MAX) {
        setting_err(err, cap, "sip_trunk_password_file: the file must hold 1..%d bytes",
                    SIP_CONFIG_SECRET_MAX);
        rc = ERR_INVAL;
    } else {
        memcpy(c->trunk_password, buf, n);
        c->trunk_password[n] = '\0';
        c->password_from_file = true;
    }
    OPENSSL_cleanse(buf, sizeof buf);
    return rc;
}

int sip_config_set(struct sip_config *c, const char *key, const char *value, char *err, size_t cap)
{
    unsigned long v;
    int rc;
    if (strcmp(key, "sip_listen") == 0)
        return set_listen(key, c->listen_addr, &c->listen_port, value, err, cap);
    if (strcmp(key, "sip_tls_listen") == 0)
        return set_listen(key, c->tls_addr, &c->tls_port, value, err, cap);
    if (strcmp(key, "sip_tls_cert") == 0)
        return set_path(c->tls_cert, sizeof c->tls_cert, key, value, err, cap);
    if (strcmp(key, "sip_tls_key") == 0)
        return set_path(c->tls_key, sizeof c->tls_key, key, value, err, cap);
    if (strcmp(key, "sip_public_address") == 0) {
        if (value[0] && !numeric_ip(value)) {
            setting_err(err, cap, "sip_public_address: '%.*s' is not a numeric IP address",
                        SHOW_MAX, value);
            return ERR_INVAL;
        }
        return set_string(c->public_addr, sizeof c->public_addr, key, value, err, cap);
    }
    if (strcmp(key, "sip_allow") == 0)
        return set_allow(c, value, err, cap);
    if (strcmp(key, "sip_rtp_port_min") == 0 || strcmp(key, "sip_rtp_port_max") == 0) {
        if ((rc = setting_uint(key, value, 1024, 65535, &v, err, cap)) < 0)
            return rc;
        if (strcmp(key, "sip_rtp_port_min") == 0)
            c->rtp_port_min = (uint16_t)v;
        else
            c->rtp_port_max = (uint16_t)v;
        return 0;
    }
    if (strcmp(key, "sip_max_calls") == 0) {
        if ((rc = setting_uint(key, value, 1, SIP_CALLS_MAX, &v, err, cap)) < 0)
            return rc;
        c->max_calls = (unsigned)v;
        return 0;
    }
    if (strcmp(key, "sip_trunk_proxy") == 0)
        return set_string(c->trunk_proxy, sizeof c->trunk_proxy, key, value, err, cap);
    if (strcmp(key, "sip_trunk_domain") == 0)
        return set_string(c->trunk_domain, sizeof c->trunk_domain, key, value, err, cap);
    if (strcmp(key, "sip_trunk_user") == 0)
        return set_string(c->trunk_user, sizeof c->trunk_user, key, value, err, cap);
    if (strcmp(key, "sip_trunk_password") == 0) {
        size_t n = strlen(value);
        if (n > SIP_CONFIG_SECRET_MAX) {
            setting_err(err, cap, "sip_trunk_password: at most %d bytes", SIP_CONFIG_SECRET_MAX);
            return ERR_INVAL;
        }
        memcpy(c->trunk_password, value, n + 1);
        c->password_inline = n > 0;
        return 0;
    }
    if (strcmp(key, "sip_trunk_password_file") == 0)
        return set_password_file(c, value, err, cap);
    if (strcmp(key, "sip_caller_id") == 0)
        return set_number(c->caller_id, sizeof c->caller_id, key, value, err, cap);
    if (strcmp(key, "sip_dial_in_number") == 0)
        return set_number(c->dial_in_number, sizeof c->dial_in_number, key, value, err, cap);
    setting_err(err, cap, "unknown setting '%.*s'", SHOW_MAX, key);
    return ERR_INVAL;
}

int sip_config_validate(const struct sip_config *c, char *err, size_t cap)
{
    if (c->password_inline && c->password_from_file) {
        setting_err(err, cap,
                    "sip_trunk_password and sip_trunk_password_file are both set: use one");
        return ERR_INVAL;
    }
    if (!sip_enabled(c))
        return 0;
    if (c->allow_count == 0) {
        setting_err(err, cap,
                    "sip_listen is set but sip_allow is empty: name the trunk's addresses");
        return ERR_INVAL;
    }
    if (c->tls_addr[0] && strcmp(c->tls_addr, c->listen_addr) == 0 &&
        c->tls_port == c->listen_port) {
        setting_err(err, cap, "sip_tls_listen must differ from sip_listen (TCP is on that port)");
        return ERR_INVAL;
    }
    if (c->rtp_port_min % 2 != 0 || c->rtp_port_max <= c->rtp_port_min) {
        setting_err(err, cap, "sip_rtp_port_min must be even and below sip_rtp_port_max");
        return ERR_INVAL;
    }
    return 0;
}
