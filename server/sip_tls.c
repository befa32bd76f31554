/* SIP over TLS: OpenSSL over memory BIOs (see sip_tls.h). */
#define LOG_MODULE "sip"
#include "server/sip_tls.h"
#include "base/err.h"
#include "base/log.h"
#include "server/tls_policy.h"

#include <limits.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdlib.h>

struct sip_tls_ctx {
    SSL_CTX *ssl;
};

struct sip_tls {
    SSL *ssl;
    BIO *rbio, *wbio; /* owned by ssl */
    bool failed;
};

int sip_tls_ctx_create(struct sip_tls_ctx **out, const char *cert, const char *key)
{
    *out = NULL;
    struct sip_tls_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return ERR_NOMEM;
    c->ssl = SSL_CTX_new(TLS_server_method());
    if (!c->ssl || SSL_CTX_set_min_proto_version(c->ssl, TLS1_2_VERSION) != 1 ||
        SSL_CTX_set_cipher_list(c->ssl, TLS12_CIPHERS) != 1 ||
        SSL_CTX_use_certificate_chain_file(c->ssl, cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(c->ssl, key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(c->ssl) != 1) {
        char why[256];
        ERR_error_string_n(ERR_get_error(), why, sizeof why);
        LOG_E("SIP over TLS: certificate %s / key %s: %s", cert, key, why);
        sip_tls_ctx_free(c);
        return ERR_IO;
    }
    SSL_CTX_set_options(c->ssl, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_session_cache_mode(c->ssl, SSL_SESS_CACHE_OFF);
    *out = c;
    return 0;
}

void sip_tls_ctx_free(struct sip_tls_ctx *ctx)
{
    if (!ctx)
        return;
    SSL_CTX_free(ctx->ssl);
    free(ctx);
}

struct sip_tls *sip_tls_new(struct sip_tls_ctx *ctx)
{
    struct sip_tls *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->ssl = SSL_new(ctx->ssl);
    t->rbio = BIO_new(BIO_s_mem());
    t->wbio = BIO_new(BIO_s_mem());
    if (!t->ssl || !t->rbio || !t->wbio) {
        BIO_free(t->rbio);
        BIO_free(t->wbio);
        SSL_free(t->ssl);
        free(t);
        return NULL;
    }
    SSL_set_bio(t->ssl, t->rbio, t->wbio);
    SSL_set_accept_state(t->ssl);
    return t;
}

void sip_tls_free(struct sip_tls *t)
{
    if (!t)
        return;
    SSL_free(t->ssl); /* and its BIOs */
    free(t);
}

static bool fatal(struct sip_tls *t, int rc)
{
    int e = SSL_get_error(t->ssl, rc);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
        return false;
    ERR_clear_error();
    t->failed = true;
    return true;
}

int sip_tls_input(struct sip_tls *t, const uint8_t *in, size_t len, uint8_t *plain, size_t cap,
                  size_t *plain_len)
{
    *plain_len = 0;
    if (t->failed)
        return ERR_PROTO;
    if (len > INT_MAX || (len && BIO_write(t->rbio, in, (int)len) != (int)len))
        return ERR_NOMEM;
    if (!SSL_is_init_finished(t->ssl)) {
        int rc = SSL_do_handshake(t->ssl);
        if (rc != 1)
            return fatal(t, rc) ? ERR_PROTO : 0;
    }
    while (*plain_len < cap) {
        size_t room = cap - *plain_len;
        int rc = SSL_read(t->ssl, plain + *plain_len, room > INT_MAX ? INT_MAX : (int)room);
        if (rc <= 0)
            return fatal(t, rc) ? ERR_PROTO : 0;
        *plain_len += (size_t)rc;
    }
    return 0;
}

int sip_tls_write(struct sip_tls *t, const uint8_t *buf, size_t len)
{
    if (t->failed)
        return ERR_PROTO;
    if (!SSL_is_init_finished(t->ssl))
        return ERR_AGAIN;
    if (len > INT_MAX)
        return ERR_TOOBIG;
    int rc = SSL_write(t->ssl, buf, (int)len);
    if (rc != (int)len)
        return fatal(t, rc) ? ERR_PROTO : ERR_AGAIN;
    return 0;
}

size_t sip_tls_take(struct sip_tls *t, uint8_t *out, size_t cap)
{
    size_t pending = BIO_ctrl_pending(t->wbio);
    if (pending == 0 || cap == 0)
        return 0;
    int n =
        BIO_read(t->wbio, out, (int)(cap < pending ? (cap > INT_MAX ? INT_MAX : cap) : pending));
    return n > 0 ? (size_t)n : 0;
}

bool sip_tls_ready(const struct sip_tls *t)
{
    return SSL_is_init_finished(t->ssl) == 1;
}
