/* TURN settings and REST credentials (see turn.h). */
#include "signaling/turn.h"
#include "base/err.h"
#include "base/setting.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHOW_MAX SETTING_SHOW_MAX
#define HOST_MAX 253 /* a DNS name */
#define SHA1_LEN 20

void turn_config_defaults(struct turn_config *t)
{
    memset(t, 0, sizeof *t);
    t->ttl_seconds = TURN_TTL_DEFAULT;
}

bool turn_enabled(const struct turn_config *t)
{
    return t->secret_len > 0 && t->url_count > 0;
}

/* ---- URLs ---- */

static bool is_host_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '.';
}

/* host[:port] in s[0..len): a DNS name, IPv4 or [IPv6], and an optional port. */
static int check_host_port(const char *s, size_t len, char *why, size_t cap)
{
    size_t host_end;
    if (len > 0 && s[0] == '[') {
        const char *close = memchr(s, ']', len);
        char v6[INET6_ADDRSTRLEN];
        struct in6_addr a6;
        size_t n = close ? (size_t)(close - s - 1) : 0;
        if (!close || n == 0 || n >= sizeof v6) {
            setting_err(why, cap,
                        "an IPv6 address must be written in brackets, like [2001:db8::1]");
            return ERR_PARSE;
        }
        memcpy(v6, s + 1, n);
        v6[n] = '\0';
        if (inet_pton(AF_INET6, v6, &a6) != 1) {
            setting_err(why, cap, "'%.*s' is not an IPv6 address", SHOW_MAX, v6);
            return ERR_INVAL;
        }
        host_end = (size_t)(close - s) + 1;
    } else {
        host_end = 0;
        while (host_end < len && s[host_end] != ':') {
            if (!is_host_char(s[host_end])) {
                setting_err(why, cap, "the host may only have letters, digits, '-' and '.'");
                return ERR_PARSE;
            }
            host_end++;
        }
        if (host_end == 0 || host_end > HOST_MAX) {
            setting_err(why, cap, "%s", host_end ? "the host name is too long" : "no host");
            return ERR_PARSE;
        }
    }
    if (host_end == len)
        return 0;
    if (s[host_end] != ':' || host_end + 1 == len || len - host_end - 1 > 5) {
        setting_err(why, cap, "a port must follow the host as :PORT (1..65535)");
        return ERR_PARSE;
    }
    unsigned long port = 0;
    for (size_t i = host_end + 1; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            setting_err(why, cap, "the port must be a number (1..65535)");
            return ERR_PARSE;
        }
        port = port * 10 + (unsigned long)(s[i] - '0');
    }
    if (port < 1 || port > 65535) {
        setting_err(why, cap, "the port must be 1..65535");
        return ERR_INVAL;
    }
    return 0;
}

int turn_url_check(const char *url, char *why, size_t cap)
{
    bool tls;
    const char *rest;
    if (strncmp(url, "turn:", 5) == 0) {
        tls = false;
        rest = url + 5;
    } else if (strncmp(url, "turns:", 6) == 0) {
        tls = true;
        rest = url + 6;
    } else {
        setting_err(why, cap, "must start with turn: or turns:");
        return ERR_PARSE;
    }
    if (strlen(url) >= TURN_URL_MAX) {
        setting_err(why, cap, "too long (at most %d bytes)", TURN_URL_MAX - 1);
        return ERR_TOOBIG;
    }
    if (rest[0] == '/') {
        setting_err(why, cap, "write turn:HOST:PORT, without '//'");
        return ERR_PARSE;
    }
    const char *q = strchr(rest, '?');
    int rc = check_host_port(rest, q ? (size_t)(q - rest) : strlen(rest), why, cap);
    if (rc != 0 || !q)
        return rc;
    if (strcmp(q, "?transport=tcp") == 0)
        return 0;
    if (strcmp(q, "?transport=udp") == 0) {
        if (!tls)
            return 0;
        setting_err(why, cap,
                    "turns: runs over TLS, which needs ?transport=tcp (browsers do not "
                    "speak DTLS to a TURN server)");
        return ERR_INVAL;
    }
    setting_err(why, cap, "the only query allowed is ?transport=udp or ?transport=tcp");
    return ERR_PARSE;
}

static bool is_blank(char ch)
{
    return ch == ' ' || ch == '\t';
}

/* A comma-separated list of URLs, each checked. */
static int set_urls(struct turn_config *t, const char *value, char *err, size_t cap)
{
    char urls[TURN_URLS_MAX][TURN_URL_MAX];
    unsigned count = 0;
    const char *p = value;
    char why[160];
    for (;;) {
        const char *comma = strchr(p, ',');
        const char *e = comma ? comma : p + strlen(p);
        while (p < e && is_blank(*p))
            p++;
        while (e > p && is_blank(e[-1]))
            e--;
        size_t n = (size_t)(e - p);
        if (n == 0) {
            setting_err(err, cap, "turn_urls: empty entry in '%.*s'", SHOW_MAX, value);
            return ERR_PARSE;
        }
        if (count == TURN_URLS_MAX) {
            setting_err(err, cap, "turn_urls: at most %d URLs", TURN_URLS_MAX);
            return ERR_TOOBIG;
        }
        if (n >= TURN_URL_MAX) {
            setting_err(err, cap, "turn_urls: '%.*s...' is too long (at most %d bytes)", SHOW_MAX,
                        p, TURN_URL_MAX - 1);
            return ERR_TOOBIG;
        }
        memcpy(urls[count], p, n);
        urls[count][n] = '\0';
        int rc = turn_url_check(urls[count], why, sizeof why);
        if (rc != 0) {
            setting_err(err, cap, "turn_urls: '%.*s': %s", SHOW_MAX, urls[count], why);
            return rc;
        }
        count++;
        if (!comma)
            break;
        p = comma + 1;
    }
    memset(t->urls, 0, sizeof t->urls);
    memcpy(t->urls, urls, sizeof urls[0] * count);
    t->url_count = count;
    return 0;
}

/* ---- the secret ---- */

/* Printable ASCII without blanks, as a coturn static-auth-secret line takes it. */
static int check_secret(const char *key, const char *s, size_t len, char *err, size_t cap)
{
    if (len < TURN_SECRET_MIN) {
        setting_err(err, cap,
                    "%s: the secret is too short (at least %d characters; make one with "
                    "'openssl rand -hex 32')",
                    key, TURN_SECRET_MIN);
        return ERR_INVAL;
    }
    if (len > TURN_SECRET_MAX) {
        setting_err(err, cap, "%s: the secret is too long (at most %d characters)", key,
                    TURN_SECRET_MAX);
        return ERR_TOOBIG;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] <= ' ' || s[i] > '~') {
            setting_err(err, cap,
                        "%s: the secret may only have printable ASCII characters without blanks",
                        key);
            return ERR_INVAL;
        }
    }
    return 0;
}

/* Reads the secret from the first line of a file (a trailing newline is
 * dropped; anything after it is an error, so a wrong file is noticed). */
static int read_secret_file(const char *path, char buf[TURN_SECRET_MAX + 2], size_t *len_out,
                            char *err, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        setting_err(err, cap, "turn_secret_file: cannot open %.*s: %s", SHOW_MAX, path,
                    strerror(errno));
        return ERR_IO;
    }
    size_t n = fread(buf, 1, TURN_SECRET_MAX + 2, f);
    bool bad = ferror(f) != 0;
    fclose(f);
    if (bad) {
        setting_err(err, cap, "turn_secret_file: cannot read %.*s", SHOW_MAX, path);
        return ERR_IO;
    }
    if (n > 0 && buf[n - 1] == '\n')
        n--;
    if (n > 0 && buf[n - 1] == '\r')
        n--;
    *len_out = n;
    return 0;
}

static int set_secret(struct turn_config *t, bool from_file, const char *value, char *err,
                      size_t cap)
{
    const char *key = from_file ? "turn_secret_file" : "turn_secret";
    char buf[TURN_SECRET_MAX + 2];
    const char *s = value;
    size_t len = strlen(value);
    int rc;
    if (from_file) {
        if (len == 0) {
            setting_err(err, cap, "turn_secret_file: must not be empty");
            return ERR_INVAL;
        }
        if ((rc = read_secret_file(value, buf, &len, err, cap)) != 0)
            return rc;
        s = buf;
    }
    if ((rc = check_secret(key, s, len, err, cap)) == 0) {
        OPENSSL_cleanse(t->secret, sizeof t->secret);
        memcpy(t->secret, s, len);
        t->secret_len = len;
        if (from_file)
            t->secret_from_file = true;
        else
            t->secret_inline = true;
    }
    OPENSSL_cleanse(buf, sizeof buf);
    return rc;
}

int turn_config_set(struct turn_config *t, const char *key, const char *value, char *err,
                    size_t cap)
{
    if (strcmp(key, "turn_secret") == 0)
        return set_secret(t, false, value, err, cap);
    if (strcmp(key, "turn_secret_file") == 0)
        return set_secret(t, true, value, err, cap);
    if (strcmp(key, "turn_urls") == 0)
        return set_urls(t, value, err, cap);
    if (strcmp(key, "turn_ttl_seconds") == 0) {
        unsigned long v;
        int rc = setting_uint(key, value, TURN_TTL_MIN, TURN_TTL_MAX, &v, err, cap);
        if (rc == 0)
            t->ttl_seconds = (unsigned)v;
        return rc;
    }
    setting_err(err, cap, "unknown setting '%.*s'", SHOW_MAX, key);
    return ERR_INVAL;
}

int turn_config_validate(const struct turn_config *t, char *err, size_t cap)
{
    if (t->secret_inline && t->secret_from_file) {
        setting_err(err, cap, "turn_secret and turn_secret_file are both set: use one");
        return ERR_INVAL;
    }
    if (t->secret_len > 0 && t->url_count == 0) {
        setting_err(err, cap, "a TURN secret is set but turn_urls is empty: set both or neither");
        return ERR_INVAL;
    }
    if (t->secret_len == 0 && t->url_count > 0) {
        setting_err(err, cap, "turn_urls is set but no turn_secret or turn_secret_file");
        return ERR_INVAL;
    }
    return 0;
}

/* ---- credentials ---- */

int turn_credential_make(const void *secret, size_t secret_len, int64_t expires_s, const char *id,
                         struct turn_credential *out)
{
    memset(out, 0, sizeof *out);
    size_t id_len = id ? strlen(id) : 0;
    if (!secret || secret_len == 0 || secret_len > INT32_MAX || expires_s < 0 || id_len == 0 ||
        id_len > TURN_ID_MAX || strchr(id, ':'))
        return ERR_INVAL;
    int n = snprintf(out->username, sizeof out->username, "%" PRId64 ":%s", expires_s, id);
    if (n < 0 || (size_t)n >= sizeof out->username)
        return ERR_INVAL;
    uint8_t mac[EVP_MAX_MD_SIZE];
    unsigned mac_len = 0;
    if (!HMAC(EVP_sha1(), secret, (int)secret_len, (const uint8_t *)out->username, (size_t)n, mac,
              &mac_len) ||
        mac_len != SHA1_LEN) {
        memset(out, 0, sizeof *out);
        return ERR_CRYPTO;
    }
    /* 20 bytes are 28 base64 characters with one '=': room for it and the NUL. */
    _Static_assert(TURN_CREDENTIAL_MAX > 4 * ((SHA1_LEN + 2) / 3), "credential buffer");
    EVP_EncodeBlock((unsigned char *)out->credential, mac, (int)mac_len);
    OPENSSL_cleanse(mac, sizeof mac);
    out->expires_s = expires_s;
    return 0;
}
