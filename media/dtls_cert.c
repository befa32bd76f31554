/* DTLS certificate and SSL_CTX, fingerprints, names; see dtls.h. */
#define LOG_MODULE "dtls"

#include "media/dtls_int.h"

#include <string.h>
#include <strings.h>

#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/srtp.h>

#include "base/err.h"
#include "base/log.h"

#define CERT_CN "samtale"
#define CERT_NOT_BEFORE_S (-24L * 3600)    /* now - 1 day: tolerate peers' clock skew */
#define CERT_NOT_AFTER_S (30L * 24 * 3600) /* now + 30 days */

/* AEAD only (RFC 8827 §6.5 requires TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
 * of every WebRTC endpoint, so browsers all have it): ECDSA suites for our
 * own certificate, RSA ones for a peer server with an RSA certificate when
 * we are the client. No CBC suite: with encrypt-then-MAC OpenSSL fails the
 * association on a record with a bad MAC instead of discarding it, so one
 * forged datagram would end a call; and the input filter sizes records by
 * the AEAD's overhead (dtls_sealed_min()). */
#define DTLS_CIPHERS                                                                               \
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:"                                 \
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:"                                   \
    "ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES256-GCM-SHA384"
#define DTLS_GROUPS "X25519:P-256:P-384"

static const struct {
    const char *name;
    const EVP_MD *(*md)(void);
} fp_algs[] = {
    {"sha-1", EVP_sha1},     {"sha-224", EVP_sha224}, {"sha-256", EVP_sha256},
    {"sha-384", EVP_sha384}, {"sha-512", EVP_sha512},
};

const EVP_MD *dtls_fp_md(const char *alg)
{
    if (alg == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof fp_algs / sizeof fp_algs[0]; i++)
        if (strcasecmp(alg, fp_algs[i].name) == 0)
            return fp_algs[i].md();
    return NULL;
}

int dtls_fp_format(const uint8_t *md, size_t n, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;

    if (n == 0 || cap < 3 * n)
        return ERR_TOOBIG;
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            out[o++] = ':';
        out[o++] = hex[md[i] >> 4];
        out[o++] = hex[md[i] & 0x0F];
    }
    out[o] = '\0';
    return 0;
}

static int hex_val(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int dtls_fp_parse(const char *s, uint8_t *out, size_t n)
{
    if (s == NULL || n == 0)
        return ERR_PARSE;
    for (size_t i = 0; i < n; i++) {
        int hi, lo;

        if (i > 0 && *s++ != ':')
            return ERR_PARSE;
        hi = hex_val(s[0]);
        if (hi < 0)
            return ERR_PARSE;
        lo = hex_val(s[1]);
        if (lo < 0)
            return ERR_PARSE;
        out[i] = (uint8_t)(hi << 4 | lo);
        s += 2;
    }
    return *s == '\0' ? 0 : ERR_PARSE;
}

static void log_openssl(const char *what)
{
    char buf[256];
    unsigned long e = ERR_peek_last_error();

    if (e != 0) {
        ERR_error_string_n(e, buf, sizeof buf);
        LOG_E("%s: %s", what, buf);
    } else {
        LOG_E("%s", what);
    }
    ERR_clear_error();
}

static int make_cert(struct dtls_cert *c)
{
    uint8_t rnd[8];
    uint64_t serial = 0;
    X509_NAME *name;

    c->pkey = EVP_EC_gen("P-256");
    if (c->pkey == NULL)
        return ERR_CRYPTO;
    c->x509 = X509_new();
    if (c->x509 == NULL)
        return ERR_NOMEM;
    if (RAND_bytes(rnd, (int)sizeof rnd) != 1)
        return ERR_CRYPTO;
    for (size_t i = 0; i < sizeof rnd; i++)
        serial = serial << 8 | rnd[i];
    serial = (serial >> 1) | 1; /* positive, non-zero, at most 63 bits */
    OPENSSL_cleanse(rnd, sizeof rnd);

    name = X509_get_subject_name(c->x509);
    if (X509_set_version(c->x509, X509_VERSION_3) != 1 ||
        ASN1_INTEGER_set_uint64(X509_get_serialNumber(c->x509), serial) != 1 ||
        X509_gmtime_adj(X509_getm_notBefore(c->x509), CERT_NOT_BEFORE_S) == NULL ||
        X509_gmtime_adj(X509_getm_notAfter(c->x509), CERT_NOT_AFTER_S) == NULL ||
        X509_set_pubkey(c->x509, c->pkey) != 1 ||
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)CERT_CN, -1, -1,
                                   0) != 1 ||
        X509_set_issuer_name(c->x509, name) != 1 || X509_sign(c->x509, c->pkey, EVP_sha256()) <= 0)
        return ERR_CRYPTO;
    return 0;
}

static int make_fingerprint(struct dtls_cert *c)
{
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned md_len = 0;

    if (X509_digest(c->x509, EVP_sha256(), md, &md_len) != 1)
        return ERR_CRYPTO;
    return dtls_fp_format(md, md_len, c->fingerprint, sizeof c->fingerprint);
}

static int make_ctx(struct dtls_cert *c)
{
    SSL_CTX *ctx = SSL_CTX_new(DTLS_method());

    if (ctx == NULL)
        return ERR_NOMEM;
    c->ctx = ctx;
    /* DTLS 1.2 only. */
    if (SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) != 1 ||
        SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION) != 1)
        return ERR_CRYPTO;
    if (SSL_CTX_use_certificate(ctx, c->x509) != 1 || SSL_CTX_use_PrivateKey(ctx, c->pkey) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1)
        return ERR_CRYPTO;
    if (SSL_CTX_set_cipher_list(ctx, DTLS_CIPHERS) != 1 ||
        SSL_CTX_set1_groups_list(ctx, DTLS_GROUPS) != 1) /* ECDH is automatic in OpenSSL 3 */
        return ERR_CRYPTO;
    /* Our own MTU, not the BIO's (memory BIOs have none); no tickets, no
     * resumption, no renegotiation. Cookie exchange (SSL_OP_COOKIE_EXCHANGE)
     * stays off: ICE connectivity checks already proved the peer's address. */
    SSL_CTX_set_options(ctx, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION |
                                 SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_read_ahead(ctx, 0);
    /* Ask for the client's certificate too, and accept any certificate
     * whose fingerprint matches the SDP's: no chain, no CA. */
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    SSL_CTX_set_cert_verify_callback(ctx, dtls_verify_cert_cb, NULL);
    /* Note the inverted convention: 0 means success. */
    if (SSL_CTX_set_tlsext_use_srtp(ctx, DTLS_SRTP_PROFILES_DEFAULT) != 0)
        return ERR_CRYPTO;
    memcpy(c->profiles, DTLS_SRTP_PROFILES_DEFAULT, sizeof DTLS_SRTP_PROFILES_DEFAULT);
    return 0;
}

int dtls_cert_create(struct dtls_cert **out)
{
    struct dtls_cert *c;
    int rc;

    if (out == NULL)
        return ERR_INVAL;
    *out = NULL;
    c = OPENSSL_zalloc(sizeof *c);
    if (c == NULL)
        return ERR_NOMEM;
    ERR_clear_error();
    rc = make_cert(c);
    if (rc == 0)
        rc = make_fingerprint(c);
    if (rc == 0)
        rc = make_ctx(c);
    if (rc != 0) {
        log_openssl("DTLS certificate setup failed");
        dtls_cert_destroy(c);
        return rc;
    }
    LOG_I("DTLS certificate ready, sha-256 fingerprint %s", c->fingerprint);
    *out = c;
    return 0;
}

void dtls_cert_destroy(struct dtls_cert *c)
{
    if (c == NULL)
        return;
    SSL_CTX_free(c->ctx);
    X509_free(c->x509);
    EVP_PKEY_free(c->pkey);
    OPENSSL_free(c);
}

int dtls_cert_fingerprint(const struct dtls_cert *c, char out[DTLS_FINGERPRINT_MAX])
{
    if (c == NULL || out == NULL)
        return ERR_INVAL;
    memcpy(out, c->fingerprint, sizeof c->fingerprint);
    return 0;
}

int dtls_cert_set_profiles(struct dtls_cert *c, const char *profiles)
{
    size_t n;

    if (c == NULL || profiles == NULL)
        return ERR_INVAL;
    n = strlen(profiles);
    if (n >= sizeof c->profiles)
        return ERR_INVAL;
    /* Validates the list (and keeps the context's copy in step). */
    ERR_clear_error();
    if (SSL_CTX_set_tlsext_use_srtp(c->ctx, profiles) != 0) {
        ERR_clear_error();
        return ERR_INVAL;
    }
    memcpy(c->profiles, profiles, n + 1);
    return 0;
}

/* ---- names ---- */

const char *dtls_state_name(enum dtls_state s)
{
    switch (s) {
    case DTLS_STATE_NEW:
        return "new";
    case DTLS_STATE_HANDSHAKING:
        return "handshaking";
    case DTLS_STATE_CONNECTED:
        return "connected";
    case DTLS_STATE_CLOSED:
        return "closed";
    case DTLS_STATE_FAILED:
        return "failed";
    }
    return "unknown";
}

const char *dtls_event_name(enum dtls_event e)
{
    switch (e) {
    case DTLS_EVENT_CONNECTED:
        return "connected";
    case DTLS_EVENT_FAILED:
        return "failed";
    case DTLS_EVENT_CLOSED:
        return "closed";
    }
    return "unknown";
}

const char *dtls_srtp_profile_name(enum dtls_srtp_profile p)
{
    switch (p) {
    case DTLS_SRTP_AES128_CM_SHA1_80:
        return "AES_CM_128_HMAC_SHA1_80";
    case DTLS_SRTP_AEAD_AES_128_GCM:
        return "AEAD_AES_128_GCM";
    case DTLS_SRTP_NONE:
        break;
    }
    return "none";
}
