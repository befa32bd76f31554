/* Digest authentication of our requests (sip_digest.h). */
#include "signaling/sip_digest.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "base/err.h"
#include "signaling/sip_msg.h"

struct challenge {
    enum sip_digest_alg alg;
    bool qop_auth;
    char realm[SIP_DIGEST_MAX_PARAM + 1];
    char nonce[SIP_DIGEST_MAX_PARAM + 1];
    char opaque[SIP_DIGEST_MAX_PARAM + 1];
    bool have_opaque;
    char alg_name[16];
};

static int hash_hex(enum sip_digest_alg alg, const char *const *parts, size_t n,
                    char out[SIP_DIGEST_HEX_MAX])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    int rc = ERR_CRYPTO;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL)
        return ERR_CRYPTO;
    if (EVP_DigestInit_ex(ctx, alg == SIP_DIGEST_SHA256 ? EVP_sha256() : EVP_md5(), NULL) != 1)
        goto out;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && EVP_DigestUpdate(ctx, ":", 1) != 1)
            goto out;
        if (EVP_DigestUpdate(ctx, parts[i], strlen(parts[i])) != 1)
            goto out;
    }
    if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen * 2 >= SIP_DIGEST_HEX_MAX)
        goto out;
    for (unsigned i = 0; i < mdlen; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[2 * mdlen] = '\0';
    rc = 0;
out:
    EVP_MD_CTX_free(ctx);
    return rc;
}

int sip_digest_response(enum sip_digest_alg alg, const char *user, const char *realm,
                        const char *password, const char *method, const char *uri,
                        const char *nonce, const char *nc, const char *cnonce, const char *qop,
                        char out[SIP_DIGEST_HEX_MAX])
{
    char ha1[SIP_DIGEST_HEX_MAX], ha2[SIP_DIGEST_HEX_MAX];
    const char *p1[] = {user, realm, password};
    const char *p2[] = {method, uri};
    int rc = hash_hex(alg, p1, 3, ha1);
    if (rc == 0)
        rc = hash_hex(alg, p2, 2, ha2);
    if (rc != 0)
        return rc;
    if (qop != NULL) {
        const char *p[] = {ha1, nonce, nc, cnonce, qop, ha2};
        return hash_hex(alg, p, 6, out);
    }
    const char *p[] = {ha1, nonce, ha2};
    return hash_hex(alg, p, 3, out);
}

/* Copies a token or quoted-string without its quotes and escapes. Values
 * that would need quoting again (a quote or backslash) are refused. */
static int unquote(const char *in, char out[SIP_DIGEST_MAX_PARAM + 1])
{
    if (in == NULL)
        return ERR_PARSE;
    size_t n = strnlen(in, SIP_DIGEST_MAX_PARAM + 3);
    if (n > SIP_DIGEST_MAX_PARAM + 2)
        return ERR_TOOBIG;
    if (n >= 2 && in[0] == '"' && in[n - 1] == '"') {
        in++;
        n -= 2;
    }
    if (n > SIP_DIGEST_MAX_PARAM)
        return ERR_TOOBIG;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c < 0x20 || c == 0x7f || c == '"' || c == '\\')
            return ERR_PARSE;
    }
    memcpy(out, in, n);
    out[n] = '\0';
    return 0;
}

static bool has_auth_qop(const char *qop)
{
    char buf[SIP_DIGEST_MAX_PARAM + 1];
    if (qop == NULL || unquote(qop, buf) != 0)
        return false;
    for (size_t i = 0; buf[i] != '\0';) {
        while (buf[i] == ',' || buf[i] == ' ' || buf[i] == '\t')
            i++;
        size_t start = i;
        while (buf[i] != '\0' && buf[i] != ',' && buf[i] != ' ' && buf[i] != '\t')
            i++;
        if (i - start == 4 && strncasecmp(buf + start, "auth", 4) == 0)
            return true;
    }
    return false;
}

static int read_challenge(const osip_www_authenticate_t *h, struct challenge *c)
{
    char alg[SIP_DIGEST_MAX_PARAM + 1] = "MD5";
    if (h->auth_type == NULL || strcasecmp(h->auth_type, "Digest") != 0)
        return ERR_NOTFOUND;
    if (h->algorithm != NULL && unquote(h->algorithm, alg) != 0)
        return ERR_PARSE;
    if (strcasecmp(alg, "MD5") == 0)
        c->alg = SIP_DIGEST_MD5;
    else if (strcasecmp(alg, "SHA-256") == 0)
        c->alg = SIP_DIGEST_SHA256;
    else
        return ERR_NOTFOUND;
    snprintf(c->alg_name, sizeof c->alg_name, "%s", c->alg == SIP_DIGEST_MD5 ? "MD5" : "SHA-256");
    if (unquote(h->realm, c->realm) != 0 || unquote(h->nonce, c->nonce) != 0)
        return ERR_PARSE;
    c->have_opaque = h->opaque != NULL;
    if (c->have_opaque && unquote(h->opaque, c->opaque) != 0)
        return ERR_PARSE;
    c->qop_auth = has_auth_qop(h->qop_options);
    if (h->qop_options != NULL && !c->qop_auth)
        return ERR_NOTFOUND; /* only auth-int offered */
    return 0;
}

int sip_digest_authorize(const osip_message_t *resp, const char *user, const char *password,
                         const char *method, const char *uri, char *out, size_t cap)
{
    const osip_list_t *list =
        resp->status_code == 407 ? &resp->proxy_authenticates : &resp->www_authenticates;
    struct challenge best, c;
    bool have = false;
    int err = ERR_NOTFOUND;
    int n = osip_list_size(list);
    for (int i = 0; i < n && i < 8; i++) {
        memset(&c, 0, sizeof c);
        int rc = read_challenge(osip_list_get(list, i), &c);
        if (rc != 0) {
            if (rc != ERR_NOTFOUND)
                err = rc;
            continue;
        }
        if (!have || (c.alg == SIP_DIGEST_SHA256 && best.alg != SIP_DIGEST_SHA256)) {
            best = c;
            have = true;
        }
    }
    if (!have)
        return err;
    if (!sip_msg_safe(user, 128) || strchr(user, '"') != NULL || strchr(user, '\\') != NULL ||
        !sip_msg_safe(uri, 512) || strchr(uri, '"') != NULL)
        return ERR_INVAL;
    char cnonce[33], response[SIP_DIGEST_HEX_MAX];
    const char *nc = "00000001";
    sip_msg_random_hex(cnonce, 16);
    int rc = sip_digest_response(best.alg, user, best.realm, password, method, uri, best.nonce, nc,
                                 cnonce, best.qop_auth ? "auth" : NULL, response);
    if (rc != 0)
        return rc;
    struct sip_wr w;
    sip_wr_init(&w, out, cap);
    sip_wr_put(&w,
               "Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", uri=\"%s\", "
               "response=\"%s\", algorithm=%s",
               user, best.realm, best.nonce, uri, response, best.alg_name);
    if (best.qop_auth)
        sip_wr_put(&w, ", qop=auth, nc=%s, cnonce=\"%s\"", nc, cnonce);
    if (best.have_opaque)
        sip_wr_put(&w, ", opaque=\"%s\"", best.opaque);
    return w.err ? ERR_TOOBIG : 0;
}
