/* HMAC-SHA1 for MESSAGE-INTEGRITY (RFC 8489 §14.5). OpenSSL's HMAC is
 * fetched once per process (the fetch takes a lock and a property query);
 * an ICE agent keeps a context keyed with its password (struct stun_mac)
 * that each message re-initialises without re-keying. */
#include "media/stun.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <pthread.h>
#include <stdlib.h>

#include "media/stun_int.h"
#include "base/err.h"

struct stun_mac {
    EVP_MAC_CTX *ctx; /* keyed; used by one thread at a time */
};

static EVP_MAC *g_hmac;
static pthread_once_t g_hmac_once = PTHREAD_ONCE_INIT;

static void hmac_free(void)
{
    EVP_MAC_free(g_hmac);
    g_hmac = NULL;
}

static void hmac_fetch(void)
{
    g_hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    /* Registered after OpenSSL's own exit handler: runs before it. */
    if (g_hmac != NULL && atexit(hmac_free) != 0) {
        EVP_MAC_free(g_hmac);
        g_hmac = NULL;
    }
}

/* A context keyed for HMAC-SHA1, or NULL. */
static EVP_MAC_CTX *keyed_ctx(const uint8_t *key, size_t key_len)
{
    char digest[] = "SHA1";
    OSSL_PARAM params[2];
    EVP_MAC_CTX *ctx;

    if (pthread_once(&g_hmac_once, hmac_fetch) != 0 || g_hmac == NULL)
        return NULL;
    ctx = EVP_MAC_CTX_new(g_hmac);
    if (ctx == NULL)
        return NULL;
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0);
    params[1] = OSSL_PARAM_construct_end();
    if (!EVP_MAC_init(ctx, key, key_len, params)) {
        EVP_MAC_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

int stun_mac_create(struct stun_mac **out, const uint8_t *key, size_t key_len)
{
    struct stun_mac *m;

    if (out == NULL)
        return ERR_INVAL;
    *out = NULL;
    if (key == NULL || key_len == 0)
        return ERR_INVAL;
    m = calloc(1, sizeof(*m));
    if (m == NULL)
        return ERR_NOMEM;
    m->ctx = keyed_ctx(key, key_len);
    if (m->ctx == NULL) {
        free(m);
        return ERR_CRYPTO;
    }
    *out = m;
    return 0;
}

void stun_mac_destroy(struct stun_mac *m)
{
    if (m == NULL)
        return;
    EVP_MAC_CTX_free(m->ctx); /* wipes the key */
    free(m);
}

int stun_hmac_sha1(struct stun_mac *mac, const uint8_t *key, size_t key_len, const uint8_t *a,
                   size_t a_len, const uint8_t *b, size_t b_len, uint8_t out[STUN_INTEGRITY_LEN])
{
    EVP_MAC_CTX *ctx, *own = NULL;
    size_t out_len = 0;
    int rc = ERR_CRYPTO;

    if (mac != NULL) {
        /* No key: HMAC starts again under the one it has. */
        ctx = mac->ctx;
        if (!EVP_MAC_init(ctx, NULL, 0, NULL))
            return ERR_CRYPTO;
    } else {
        own = ctx = keyed_ctx(key, key_len);
        if (ctx == NULL)
            return ERR_CRYPTO;
    }
    if (!EVP_MAC_update(ctx, a, a_len))
        goto out;
    if (b_len != 0 && !EVP_MAC_update(ctx, b, b_len))
        goto out;
    if (!EVP_MAC_final(ctx, out, &out_len, STUN_INTEGRITY_LEN))
        goto out;
    if (out_len == STUN_INTEGRITY_LEN)
        rc = 0;
out:
    EVP_MAC_CTX_free(own);
    return rc;
}
