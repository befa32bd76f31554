/* Server settings: defaults, `key = value` files and single overrides.
 *
 * Every setter checks its whole value first and changes the config only when
 * the value is good, so a rejected setting leaves the config as it was.
 * config_load_file works on a copy and commits only a fully good file. */
#include "server/config.h"
#include "base/err.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How much of an offending value is quoted back in an error message. */
#define SHOW_MAX 64

static void set_err(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void set_err(char *err, const char *fmt, ...)
{
    if (!err)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err, CONFIG_ERR_MAX, fmt, ap);
    va_end(ap);
    if (n < 0)
        err[0] = '\0';
}

/* Copies src into dst[cap] whole, or fails with ERR_TOOBIG leaving dst alone. */
static int copy_str(char *dst, size_t cap, const char *src, size_t len)
{
    if (len >= cap)
        return ERR_TOOBIG;
    memcpy(dst, src, len);
    dst[len] = '\0';
    return 0;
}

/* A decimal number: digits only (no sign, no blanks), within min..max. */
static int parse_number(const char *key, const char *value, unsigned long min, unsigned long max,
                        unsigned long *out, char *err)
{
    if (value[0] < '0' || value[0] > '9') {
        set_err(err, "%s: '%.*s' is not a number", key, SHOW_MAX, value);
        return ERR_PARSE;
    }
    char *end = NULL;
    errno = 0;
    unsigned long v = strtoul(value, &end, 10);
    if (*end != '\0') {
        set_err(err, "%s: '%.*s' is not a number", key, SHOW_MAX, value);
        return ERR_PARSE;
    }
    if (errno == ERANGE || v < min || v > max) {
        set_err(err, "%s: %.*s is out of range (%lu..%lu)", key, SHOW_MAX, value, min, max);
        return ERR_INVAL;
    }
    *out = v;
    return 0;
}

static bool is_ipv4(const char *s)
{
    struct in_addr a;
    return inet_pton(AF_INET, s, &a) == 1;
}

static bool is_ipv6(const char *s)
{
    struct in6_addr a;
    return inet_pton(AF_INET6, s, &a) == 1;
}

static bool is_wildcard(const char *addr)
{
    return strcmp(addr, "0.0.0.0") == 0 || strcmp(addr, "::") == 0;
}

/* The public URL implied by a listen address: https://HOST[:PORT]. A wildcard
 * address is not something a browser can reach, so it becomes localhost. */
static int derived_public_url(const char *addr, uint16_t port, char out[CONFIG_URL_MAX])
{
    const char *host = is_wildcard(addr) ? "localhost" : addr;
    bool v6 = strchr(host, ':') != NULL;
    int n;
    if (port == 443)
        n = snprintf(out, CONFIG_URL_MAX, "https://%s%s%s", v6 ? "[" : "", host, v6 ? "]" : "");
    else
        n = snprintf(out, CONFIG_URL_MAX, "https://%s%s%s:%u", v6 ? "[" : "", host, v6 ? "]" : "",
                     (unsigned)port);
    if (n < 0 || (size_t)n >= CONFIG_URL_MAX)
        return ERR_TOOBIG;
    return 0;
}

void config_defaults(struct config *c)
{
    memset(c, 0, sizeof *c);
    memcpy(c->listen_addr, "127.0.0.1", sizeof "127.0.0.1");
    c->listen_port = 8443;
    memcpy(c->data_dir, "data", sizeof "data");
    memcpy(c->tls_cert, "certs/dev/server.pem", sizeof "certs/dev/server.pem");
    memcpy(c->tls_key, "certs/dev/server.key", sizeof "certs/dev/server.key");
    memcpy(c->web_root, "web-client", sizeof "web-client");
    (void)derived_public_url(c->listen_addr, c->listen_port, c->public_url);
    memcpy(c->sig.media_bind, "127.0.0.1", sizeof "127.0.0.1");
    c->media_port_min = 40000;
    c->media_port_max = 40099;
    memcpy(c->sig.media_public_addrs[0], "127.0.0.1", sizeof "127.0.0.1");
    c->sig.media_public_addr_count = 1;
    c->workers = 0;
    c->log_level = LOG_LEVEL_INFO;
    c->sig.max_participants = 8;
    c->sig.max_connections = 1000;
    c->sig.ws_rate_per_sec = 20;
    c->sig.ws_rate_burst = 40;
    c->login_attempts_per_min = 10;
    c->session_hours = 12;
    c->invitation_grace_min = 120;
    c->sig.resume_seconds = 60;
    c->default_meeting_min = 60;
    turn_config_defaults(&c->sig.turn);
    sip_config_defaults(&c->sig.sip);
    c->login_threads = 0;
    c->login_queue = 32;
    c->handshake_timeout_s = 5;
    c->body_timeout_s = 10;
    c->max_connections_per_addr = 128;
    c->document_max_mb = 20;
    c->document_memory_mb = 200;
    c->document_timeout_s = 120;
    c->media_tcp_conns = 1024;
    c->media_tcp_unauth = 1024;
    c->media_tcp_unauth_per_addr = 16;
    c->media_tcp_auth_per_addr = 256;
    c->media_tcp_auth_timeout_ms = 4000;
    memcpy(c->phone_prompts_dir, "build/prompts", sizeof "build/prompts");
}

int config_set_listen(struct config *c, const char *addr_port, char err[CONFIG_ERR_MAX])
{
    char addr[CONFIG_ADDR_MAX];
    const char *port_str;
    size_t alen;

    if (addr_port[0] == '[') {
        const char *close = strchr(addr_port, ']');
        if (!close || close[1] != ':') {
            set_err(err, "listen: '%.*s' should look like [IPv6]:PORT", SHOW_MAX, addr_port);
            return ERR_PARSE;
        }
        alen = (size_t)(close - addr_port - 1);
        if (copy_str(addr, sizeof addr, addr_port + 1, alen) != 0) {
            set_err(err, "listen: address is too long");
            return ERR_TOOBIG;
        }
        if (!is_ipv6(addr)) {
            set_err(err, "listen: '%.*s' is not an IPv6 address", SHOW_MAX, addr);
            return ERR_INVAL;
        }
        port_str = close + 2;
    } else {
        const char *colon = strrchr(addr_port, ':');
        if (!colon) {
            set_err(err, "listen: '%.*s' has no port (ADDR:PORT, [IPv6]:PORT or :PORT)", SHOW_MAX,
                    addr_port);
            return ERR_PARSE;
        }
        alen = (size_t)(colon - addr_port);
        if (memchr(addr_port, ':', alen)) {
            set_err(err, "listen: put an IPv6 address in brackets, like [::1]:8443");
            return ERR_PARSE;
        }
        if (alen == 0) {
            memcpy(addr, "0.0.0.0", sizeof "0.0.0.0");
        } else {
            if (copy_str(addr, sizeof addr, addr_port, alen) != 0) {
                set_err(err, "listen: address is too long");
                return ERR_TOOBIG;
            }
            if (!is_ipv4(addr)) {
                set_err(err, "listen: '%.*s' is not a numeric IPv4 address", SHOW_MAX, addr);
                return ERR_INVAL;
            }
        }
        port_str = colon + 1;
    }

    unsigned long port;
    int rc = parse_number("listen port", port_str, 1, 65535, &port, err);
    if (rc != 0)
        return rc;

    /* A public URL still derived from the old listen address follows the new
     * one; one that was set explicitly is kept. */
    char old_url[CONFIG_URL_MAX];
    bool follow = derived_public_url(c->listen_addr, c->listen_port, old_url) == 0 &&
                  strcmp(old_url, c->public_url) == 0;
    char new_url[CONFIG_URL_MAX];
    if (follow && derived_public_url(addr, (uint16_t)port, new_url) != 0)
        follow = false;

    memcpy(c->listen_addr, addr, sizeof addr);
    c->listen_port = (uint16_t)port;
    if (follow)
        memcpy(c->public_url, new_url, sizeof new_url);
    return 0;
}

static int set_public_url(struct config *c, const char *value, char *err)
{
    static const char scheme[] = "https://";
    const size_t slen = sizeof scheme - 1;
    size_t len = strlen(value);

    if (strncmp(value, scheme, slen) != 0) {
        set_err(err, "public_url: must start with https://");
        return ERR_INVAL;
    }
    while (len > slen && value[len - 1] == '/')
        len--;
    if (len == slen) {
        set_err(err, "public_url: '%.*s' has no host", SHOW_MAX, value);
        return ERR_INVAL;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)value[i];
        if (ch <= 0x20 || ch == 0x7f || ch == '"' || ch == '<' || ch == '>' || ch == '\\' ||
            ch == '?' || ch == '#') {
            set_err(err, "public_url: must be a plain https:// base URL without spaces, "
                         "query or fragment");
            return ERR_INVAL;
        }
    }
    if (value[slen] == '/') {
        set_err(err, "public_url: '%.*s' has no host", SHOW_MAX, value);
        return ERR_INVAL;
    }
    if (copy_str(c->public_url, sizeof c->public_url, value, len) != 0) {
        set_err(err, "public_url: too long (at most %zu bytes)", sizeof c->public_url - 1);
        return ERR_TOOBIG;
    }
    return 0;
}

static bool is_blank(char ch)
{
    return ch == ' ' || ch == '\t';
}

static int set_public_addrs(struct config *c, const char *value, char *err)
{
    char addrs[CONFIG_PUBLIC_ADDRS_MAX][CONFIG_ADDR_MAX];
    unsigned count = 0;
    const char *p = value;

    for (;;) {
        const char *comma = strchr(p, ',');
        const char *end = comma ? comma : p + strlen(p);
        const char *b = p;
        while (b < end && is_blank(*b))
            b++;
        const char *e = end;
        while (e > b && is_blank(e[-1]))
            e--;
        if (e == b) {
            set_err(err, "media_public_addresses: empty entry in '%.*s'", SHOW_MAX, value);
            return ERR_PARSE;
        }
        if (count == CONFIG_PUBLIC_ADDRS_MAX) {
            set_err(err, "media_public_addresses: at most %d addresses", CONFIG_PUBLIC_ADDRS_MAX);
            return ERR_TOOBIG;
        }
        if (copy_str(addrs[count], sizeof addrs[count], b, (size_t)(e - b)) != 0) {
            set_err(err, "media_public_addresses: address too long");
            return ERR_TOOBIG;
        }
        if (!is_ipv4(addrs[count]) && !is_ipv6(addrs[count])) {
            set_err(err, "media_public_addresses: '%.*s' is not a numeric IPv4 or IPv6 address",
                    SHOW_MAX, addrs[count]);
            return ERR_INVAL;
        }
        count++;
        if (!comma)
            break;
        p = comma + 1;
    }
    memcpy(c->sig.media_public_addrs, addrs, sizeof addrs[0] * count);
    for (unsigned i = count; i < CONFIG_PUBLIC_ADDRS_MAX; i++)
        memset(c->sig.media_public_addrs[i], 0, sizeof c->sig.media_public_addrs[i]);
    c->sig.media_public_addr_count = count;
    return 0;
}

enum key_kind {
    KEY_LISTEN,
    KEY_PATH,
    KEY_URL,
    KEY_PORT,
    KEY_ADDRS,
    KEY_IP,
    KEY_UINT,
    KEY_LOG_LEVEL,
    KEY_DIAL_NUMBER, /* may be empty; digits, '+', spaces, '-', '(' and ')' */
    KEY_TEXT,        /* may be empty; printable ASCII without spaces */
};

struct key_def {
    const char *name;
    enum key_kind kind;
    size_t off;  /* of the field in struct config */
    size_t size; /* KEY_PATH: the field's size */
    unsigned long min, max;
};

#define PATH_KEY(n, f)                                                                             \
    {                                                                                              \
        n, KEY_PATH, offsetof(struct config, f), sizeof((struct config *)0)->f, 0, 0               \
    }
#define PORT_KEY(n, f)                                                                             \
    {                                                                                              \
        n, KEY_PORT, offsetof(struct config, f), 0, 1, 65535                                       \
    }
#define UINT_KEY(n, f, lo, hi)                                                                     \
    {                                                                                              \
        n, KEY_UINT, offsetof(struct config, f), 0, lo, hi                                         \
    }

/* In the order of struct config and samtale.conf.example. */
static const struct key_def keys[] = {
    {"listen", KEY_LISTEN, 0, 0, 0, 0},
    PATH_KEY("data_dir", data_dir),
    PATH_KEY("tls_cert", tls_cert),
    PATH_KEY("tls_key", tls_key),
    PATH_KEY("web_root", web_root),
    PATH_KEY("link_key_file", link_key_file),
    {"public_url", KEY_URL, 0, 0, 0, 0},
    {"media_bind", KEY_IP, offsetof(struct config, sig.media_bind),
     sizeof((struct config *)0)->sig.media_bind, 0, 0},
    {"media_port_min", KEY_PORT, offsetof(struct config, media_port_min), 0, 0, 65535},
    {"media_port_max", KEY_PORT, offsetof(struct config, media_port_max), 0, 0, 65535},
    {"media_public_addresses", KEY_ADDRS, 0, 0, 0, 0},
    UINT_KEY("workers", workers, 0, 64),
    {"log_level", KEY_LOG_LEVEL, 0, 0, 0, 0},
    UINT_KEY("max_participants", sig.max_participants, 2, 64),
    UINT_KEY("max_connections", sig.max_connections, 1, 100000),
    UINT_KEY("ws_rate_per_sec", sig.ws_rate_per_sec, 1, 1000),
    UINT_KEY("ws_rate_burst", sig.ws_rate_burst, 1, 10000),
    UINT_KEY("login_attempts_per_min", login_attempts_per_min, 1, 1000),
    UINT_KEY("session_hours", session_hours, 1, 168),
    UINT_KEY("invitation_grace_min", invitation_grace_min, 0, 10080),
    UINT_KEY("resume_seconds", sig.resume_seconds, 5, 600),
    UINT_KEY("default_meeting_min", default_meeting_min, 5, 1440),
    UINT_KEY("login_threads", login_threads, 0, 8),
    UINT_KEY("login_queue", login_queue, 0, 1024),
    UINT_KEY("handshake_timeout_s", handshake_timeout_s, 1, 60),
    UINT_KEY("body_timeout_s", body_timeout_s, 1, 300),
    UINT_KEY("max_connections_per_addr", max_connections_per_addr, 1, 100000),
    UINT_KEY("document_max_mb", document_max_mb, 1, 100),
    UINT_KEY("document_memory_mb", document_memory_mb, 1, 65536),
    UINT_KEY("document_timeout_s", document_timeout_s, 5, 3600),
    UINT_KEY("media_tcp_conns", media_tcp_conns, 1, 65535),
    UINT_KEY("media_tcp_unauth", media_tcp_unauth, 1, 65535),
    UINT_KEY("media_tcp_unauth_per_addr", media_tcp_unauth_per_addr, 1, 65535),
    UINT_KEY("media_tcp_auth_per_addr", media_tcp_auth_per_addr, 1, 65535),
    UINT_KEY("media_tcp_auth_timeout_ms", media_tcp_auth_timeout_ms, 500, 60000),
    PATH_KEY("phone_prompts_dir", phone_prompts_dir),
};

/* A setting that may be empty, with only the characters `ok` accepts. */
static int set_checked_text(const struct key_def *k, char *field, const char *value,
                            bool (*ok)(char), char err[CONFIG_ERR_MAX])
{
    size_t len = strlen(value);
    for (size_t i = 0; i < len; i++) {
        if (!ok(value[i])) {
            set_err(err, "%s: '%.*s' has a character that is not allowed here", k->name, SHOW_MAX,
                    value);
            return ERR_INVAL;
        }
    }
    if (copy_str(field, k->size, value, len) != 0) {
        set_err(err, "%s: too long (at most %zu bytes)", k->name, k->size - 1);
        return ERR_TOOBIG;
    }
    return 0;
}

static bool dial_char(char ch)
{
    return (ch >= '0' && ch <= '9') || ch == '+' || ch == ' ' || ch == '-' || ch == '(' ||
           ch == ')';
}

static bool text_char(char ch)
{
    return ch > ' ' && ch < 0x7f;
}

int config_set(struct config *c, const char *key, const char *value, char err[CONFIG_ERR_MAX])
{
    const struct key_def *k = NULL;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (strcmp(keys[i].name, key) == 0) {
            k = &keys[i];
            break;
        }
    }
    if (!k && strncmp(key, "turn_", 5) == 0)
        return turn_config_set(&c->sig.turn, key, value, err, CONFIG_ERR_MAX);
    if (!k && strncmp(key, "sip_", 4) == 0)
        return sip_config_set(&c->sig.sip, key, value, err, CONFIG_ERR_MAX);
    if (!k) {
        set_err(err, "unknown setting '%.*s'", SHOW_MAX, key);
        return ERR_INVAL;
    }

    char *field = (char *)c + k->off;
    unsigned long v;
    int rc;
    switch (k->kind) {
    case KEY_LISTEN:
        return config_set_listen(c, value, err);
    case KEY_PATH: {
        size_t len = strlen(value);
        if (len == 0) {
            set_err(err, "%s: must not be empty", k->name);
            return ERR_INVAL;
        }
        if (copy_str(field, k->size, value, len) != 0) {
            set_err(err, "%s: too long (at most %zu bytes)", k->name, k->size - 1);
            return ERR_TOOBIG;
        }
        return 0;
    }
    case KEY_URL:
        return set_public_url(c, value, err);
    case KEY_ADDRS:
        return set_public_addrs(c, value, err);
    case KEY_IP: {
        unsigned char bin[16];
        size_t len = strlen(value);
        if (inet_pton(AF_INET, value, bin) != 1 && inet_pton(AF_INET6, value, bin) != 1) {
            set_err(err, "%s: '%.*s' is not a numeric IPv4 or IPv6 address", k->name, SHOW_MAX,
                    value);
            return ERR_INVAL;
        }
        if (copy_str(field, k->size, value, len) != 0) {
            set_err(err, "%s: too long", k->name);
            return ERR_TOOBIG;
        }
        return 0;
    }
    case KEY_LOG_LEVEL: {
        enum log_level level;
        if (log_parse_level(value, &level) != 0) {
            set_err(err, "log_level: '%.*s' is not one of error, warn, info, debug", SHOW_MAX,
                    value);
            return ERR_INVAL;
        }
        c->log_level = level;
        return 0;
    }
    case KEY_PORT:
        rc = parse_number(k->name, value, k->min, k->max, &v, err);
        if (rc == 0)
            *(uint16_t *)(void *)field = (uint16_t)v;
        return rc;
    case KEY_UINT:
        rc = parse_number(k->name, value, k->min, k->max, &v, err);
        if (rc == 0)
            *(unsigned *)(void *)field = (unsigned)v;
        return rc;
    case KEY_DIAL_NUMBER:
        return set_checked_text(k, field, value, dial_char, err);
    case KEY_TEXT:
        return set_checked_text(k, field, value, text_char, err);
    }
    set_err(err, "%s: internal error", k->name);
    return ERR_INVAL;
}

/* ---- config files ---- */

/* Reads one line without its newline into buf[CONFIG_LINE_MAX + 1].
 * Returns 1 for a line, 0 at the end of the file, or ERR_TOOBIG / ERR_PARSE
 * (NUL byte) / ERR_IO. */
static int read_line(FILE *f, char *buf, size_t *len_out)
{
    size_t len = 0;
    int ch;
    bool any = false;
    while ((ch = getc(f)) != EOF) {
        any = true;
        if (ch == '\n')
            break;
        if (ch == '\0')
            return ERR_PARSE;
        if (len == CONFIG_LINE_MAX)
            return ERR_TOOBIG;
        buf[len++] = (char)ch;
    }
    if (ch == EOF && ferror(f))
        return ERR_IO;
    if (!any)
        return 0;
    if (len > 0 && buf[len - 1] == '\r')
        len--;
    buf[len] = '\0';
    *len_out = len;
    return 1;
}

static bool is_key_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
}

/* Splits one trimmed, non-comment line into key and value in place. */
static int parse_line(char *line, char **key_out, char **value_out, char *err)
{
    char *eq = strchr(line, '=');
    if (!eq) {
        set_err(err, "expected 'key = value'");
        return ERR_PARSE;
    }
    char *kend = eq;
    while (kend > line && is_blank(kend[-1]))
        kend--;
    *kend = '\0';
    if (line[0] == '\0') {
        set_err(err, "missing setting name before '='");
        return ERR_PARSE;
    }
    for (const char *p = line; *p; p++) {
        if (!is_key_char(*p)) {
            set_err(err, "bad setting name '%.*s'", SHOW_MAX, line);
            return ERR_PARSE;
        }
    }

    char *v = eq + 1;
    while (is_blank(*v))
        v++;
    if (*v == '"') {
        char *close = strchr(v + 1, '"');
        if (!close) {
            set_err(err, "%s: missing closing quote", line);
            return ERR_PARSE;
        }
        char *rest = close + 1;
        while (is_blank(*rest))
            rest++;
        if (*rest != '\0' && *rest != '#') {
            set_err(err, "%s: unexpected text after the closing quote", line);
            return ERR_PARSE;
        }
        *close = '\0';
        v++;
    } else {
        /* A comment starts at a '#' that begins the value or follows a blank. */
        for (char *p = v; *p; p++) {
            if (*p == '#' && (p == v || is_blank(p[-1]))) {
                *p = '\0';
                break;
            }
        }
        size_t n = strlen(v);
        while (n > 0 && is_blank(v[n - 1]))
            v[--n] = '\0';
    }
    *key_out = line;
    *value_out = v;
    return 0;
}

int config_load_file(struct config *c, const char *path, char err[CONFIG_ERR_MAX])
{
    struct config tmp = *c;
    char line[CONFIG_LINE_MAX + 1];
    char msg[CONFIG_ERR_MAX];
    unsigned lineno = 0;
    int rc = 0;

    FILE *f = fopen(path, "r");
    if (!f) {
        set_err(err, "%s: cannot open: %s", path, strerror(errno));
        return ERR_IO;
    }

    for (;;) {
        size_t len = 0;
        lineno++;
        rc = read_line(f, line, &len);
        if (rc == 0)
            break;
        if (rc == ERR_TOOBIG) {
            set_err(err, "%s:%u: line longer than %d bytes", path, lineno, CONFIG_LINE_MAX);
            goto out;
        }
        if (rc == ERR_PARSE) {
            set_err(err, "%s:%u: NUL byte in line", path, lineno);
            goto out;
        }
        if (rc < 0) {
            set_err(err, "%s:%u: read error", path, lineno);
            goto out;
        }

        char *p = line;
        /* A UTF-8 byte order mark some editors put at the start. */
        if (lineno == 1 && len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
            p += 3;
        while (is_blank(*p))
            p++;
        size_t n = strlen(p);
        while (n > 0 && is_blank(p[n - 1]))
            p[--n] = '\0';
        if (*p == '\0' || *p == '#')
            continue;

        char *key, *value;
        rc = parse_line(p, &key, &value, msg);
        if (rc == 0)
            rc = config_set(&tmp, key, value, msg);
        if (rc != 0) {
            set_err(err, "%s:%u: %s", path, lineno, msg);
            goto out;
        }
    }
    rc = 0;
    *c = tmp;
out:
    fclose(f);
    return rc;
}

bool config_phone_enabled(const struct config *c)
{
    return sip_enabled(&c->sig.sip);
}

int config_validate(const struct config *c, char err[CONFIG_ERR_MAX])
{
    if (c->media_port_min > c->media_port_max) {
        set_err(err, "media_port_min (%u) is above media_port_max (%u)",
                (unsigned)c->media_port_min, (unsigned)c->media_port_max);
        return ERR_INVAL;
    }
    if ((c->media_port_min == 0) != (c->media_port_max == 0)) {
        set_err(err, "media_port_min and media_port_max are both 0 (ephemeral ports) or neither");
        return ERR_INVAL;
    }
    unsigned ports = (unsigned)c->media_port_max - (unsigned)c->media_port_min + 1u;
    if (c->media_port_min && c->workers > 0 && ports < c->workers) {
        set_err(err, "media ports %u..%u give %u ports, fewer than workers (%u)",
                (unsigned)c->media_port_min, (unsigned)c->media_port_max, ports, c->workers);
        return ERR_INVAL;
    }
    if (c->media_tcp_conns + c->media_tcp_unauth > 65535) {
        set_err(err, "media_tcp_conns + media_tcp_unauth (%u) is above 65535",
                c->media_tcp_conns + c->media_tcp_unauth);
        return ERR_INVAL;
    }
    if (c->document_memory_mb < c->document_max_mb) {
        set_err(err, "document_memory_mb (%u) is below document_max_mb (%u)", c->document_memory_mb,
                c->document_max_mb);
        return ERR_INVAL;
    }
    if (c->tls_cert[0] == '\0') {
        set_err(err, "tls_cert is not set");
        return ERR_INVAL;
    }
    if (c->tls_key[0] == '\0') {
        set_err(err, "tls_key is not set");
        return ERR_INVAL;
    }
    if (c->data_dir[0] == '\0') {
        set_err(err, "data_dir is not set");
        return ERR_INVAL;
    }
    if (c->web_root[0] == '\0') {
        set_err(err, "web_root is not set");
        return ERR_INVAL;
    }
    if (c->listen_port == 0) {
        set_err(err, "listen port is not set");
        return ERR_INVAL;
    }
    if (c->sig.media_public_addr_count == 0 ||
        c->sig.media_public_addr_count > CONFIG_PUBLIC_ADDRS_MAX) {
        set_err(err, "media_public_addresses needs 1..%d addresses", CONFIG_PUBLIC_ADDRS_MAX);
        return ERR_INVAL;
    }
    if (strncmp(c->public_url, "https://", 8) != 0) {
        set_err(err, "public_url must start with https://");
        return ERR_INVAL;
    }
    int rc = turn_config_validate(&c->sig.turn, err, CONFIG_ERR_MAX);
    return rc < 0 ? rc : sip_config_validate(&c->sig.sip, err, CONFIG_ERR_MAX);
}
