/* HTTP Digest authentication for SIP requests (RFC 2617, RFC 7616 and
 * RFC 8760): MD5 and SHA-256, qop=auth or no qop. The -sess variants and
 * auth-int are not supported (such a challenge is not answered). Hashes
 * come from OpenSSL EVP. */
#ifndef SAMTALE_SIGNALING_SIP_DIGEST_H
#define SAMTALE_SIGNALING_SIP_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

#include <osipparser2/osip_parser.h>

#define SIP_DIGEST_MAX_PARAM 256 /* realm, nonce, opaque after unquoting */
#define SIP_DIGEST_HEX_MAX 65    /* SHA-256 in hex, with NUL */

enum sip_digest_alg { SIP_DIGEST_MD5, SIP_DIGEST_SHA256 };

/* The response value (lower-case hex) for the given parameters; qop NULL
 * means the RFC 2069 form without nc and cnonce. Returns 0 or ERR_CRYPTO. */
int sip_digest_response(enum sip_digest_alg alg, const char *user, const char *realm,
                        const char *password, const char *method, const char *uri,
                        const char *nonce, const char *nc, const char *cnonce, const char *qop,
                        char out[SIP_DIGEST_HEX_MAX]);

/* The credentials header value ("Digest username=...") answering the
 * challenges of a 401 (WWW-Authenticate) or 407 (Proxy-Authenticate)
 * response, preferring SHA-256 over MD5. ERR_NOTFOUND when no challenge
 * can be answered, ERR_PARSE for a malformed one, ERR_TOOBIG. */
int sip_digest_authorize(const osip_message_t *resp, const char *user, const char *password,
                         const char *method, const char *uri, char *out, size_t cap);

#endif
