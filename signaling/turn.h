/* TURN relay settings and time-limited credentials for an operator's TURN
 * server (coturn with use-auth-secret): samtale and the TURN server share a
 * secret; per join samtale hands out
 *   username   = "<expiry, Unix seconds>:<random opaque id>"
 *   credential = base64(HMAC-SHA1(secret, username))
 * which the TURN server checks without asking samtale (the "TURN REST API"
 * scheme of draft-uberti-behave-turn-rest). Settings turn_secret,
 * turn_secret_file, turn_urls and turn_ttl_seconds: see README.md and
 * docs/OPERATIONS.md. No clock is read here: callers pass the time. */
#ifndef SAMTALE_TURN_H
#define SAMTALE_TURN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TURN_URLS_MAX 8
#define TURN_URL_MAX 256
#define TURN_SECRET_MIN 16     /* a guessable secret lets anyone mint credentials */
#define TURN_SECRET_MAX 256    /* bytes */
#define TURN_USERNAME_MAX 80   /* "<20 digits>:<id up to 32>" and a NUL */
#define TURN_ID_MAX 32         /* the opaque id after the colon */
#define TURN_CREDENTIAL_MAX 32 /* base64 of a 20-byte HMAC-SHA1 (28) and a NUL */
#define TURN_TTL_DEFAULT 3600  /* seconds; see docs/OPERATIONS.md for the choice */
#define TURN_TTL_MIN 60
#define TURN_TTL_MAX (7 * 86400) /* longest a meeting (24 h) plus days of margin */

struct turn_config {
    char secret[TURN_SECRET_MAX + 1]; /* never logged */
    size_t secret_len;
    bool secret_inline;    /* set by turn_secret */
    bool secret_from_file; /* set by turn_secret_file */
    char urls[TURN_URLS_MAX][TURN_URL_MAX];
    unsigned url_count;
    unsigned ttl_seconds;
};

struct turn_credential {
    char username[TURN_USERNAME_MAX];
    char credential[TURN_CREDENTIAL_MAX];
    int64_t expires_s; /* Unix seconds */
};

/* TURN off (no secret, no URLs), default TTL. */
void turn_config_defaults(struct turn_config *t);

/* Applies one setting whose key starts with "turn_". 0, or ERR_INVAL /
 * ERR_PARSE / ERR_TOOBIG / ERR_IO with a message naming the key in
 * err[err_cap] (never the secret). A rejected value leaves t as it was. */
int turn_config_set(struct turn_config *t, const char *key, const char *value, char *err,
                    size_t err_cap);

/* Both a secret and URLs, or neither; not both turn_secret and
 * turn_secret_file. */
int turn_config_validate(const struct turn_config *t, char *err, size_t err_cap);

/* Whether TURN credentials are handed out at all. */
bool turn_enabled(const struct turn_config *t);

/* Checks one URL: turn:HOST[:PORT][?transport=udp|tcp] or
 * turns:HOST[:PORT][?transport=tcp] (RFC 7065), HOST a DNS name, an IPv4
 * address or [IPv6]. 0, or ERR_PARSE/ERR_INVAL with the reason in why. */
int turn_url_check(const char *url, char *why, size_t why_cap);

/* The credential for `id` (1..TURN_ID_MAX characters, no ':') that expires
 * at expires_s. 0, ERR_INVAL (bad arguments) or ERR_CRYPTO. */
int turn_credential_make(const void *secret, size_t secret_len, int64_t expires_s, const char *id,
                         struct turn_credential *out);

#endif
