/* SRTP key derivation (RFC 3711 §4.3, the AES-CM PRF; RFC 7714 §11 uses it
 * too) and the per-packet primitives over cached OpenSSL contexts: the
 * algorithms are fetched once per process and each direction keys its
 * contexts once, so a packet costs no fetch and no allocation. */
#define LOG_MODULE "srtp"

#include <limits.h>
#include <pthread.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "base/err.h"
#include "base/log.h"
#include "media/srtp_int.h"

static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;
static EVP_CIPHER *aes_ctr;
static EVP_CIPHER *aes_gcm;
static EVP_MD *sha1;

static void do_fetch(void)
{
    aes_ctr = EVP_CIPHER_fetch(NULL, "AES-128-CTR", NULL);
    aes_gcm = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
    sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
    if (aes_ctr == NULL || aes_gcm == NULL || sha1 == NULL)
        LOG_E("OpenSSL lacks AES-128-CTR, AES-128-GCM or SHA1");
}

int srtpx_init(void)
{
    if (pthread_once(&fetch_once, do_fetch) != 0)
        return ERR_CRYPTO;
    return aes_ctr != NULL && aes_gcm != NULL && sha1 != NULL ? 0 : ERR_CRYPTO;
}

int srtpx_ctr(struct srtpx_keys *k, const uint8_t iv[16], uint8_t *p, size_t n)
{
    int outl;

    if (n > INT_MAX)
        return ERR_TOOBIG;
    if (EVP_EncryptInit_ex2(k->cipher, NULL, NULL, iv, NULL) != 1)
        return ERR_CRYPTO;
    if (n > 0 && EVP_EncryptUpdate(k->cipher, p, &outl, p, (int)n) != 1)
        return ERR_CRYPTO;
    return 0;
}

/* The AES-CM PRF: AES-128-CTR under the master key with
 * IV = (master salt XOR label at byte 7) || 0x0000, over zeros. */
int srtpx_kdf(const uint8_t *master_key, const uint8_t *master_salt, size_t salt_len,
              enum srtpx_label label, uint8_t *out, size_t out_len)
{
    uint8_t iv[16] = {0};
    EVP_CIPHER_CTX *c;
    int outl, rc = ERR_CRYPTO;

    if (salt_len > SRTPX_CM_SALT_LEN || out_len > INT_MAX)
        return ERR_INVAL;
    if (srtpx_init() != 0)
        return ERR_CRYPTO;
    memcpy(iv, master_salt, salt_len); /* a 12-byte GCM salt is zero-padded */
    iv[7] ^= (uint8_t)label;
    memset(out, 0, out_len);
    c = EVP_CIPHER_CTX_new();
    if (c == NULL)
        return ERR_NOMEM;
    if (EVP_EncryptInit_ex2(c, aes_ctr, master_key, iv, NULL) == 1 &&
        EVP_EncryptUpdate(c, out, &outl, out, (int)out_len) == 1)
        rc = 0;
    EVP_CIPHER_CTX_free(c);
    OPENSSL_cleanse(iv, sizeof iv);
    return rc;
}

int srtpx_keys_init(struct srtpx_keys *k, enum dtls_srtp_profile profile, const uint8_t *master_key,
                    const uint8_t *master_salt, size_t salt_len, bool rtcp, bool encrypt)
{
    uint8_t key[SRTPX_KEY_LEN], auth[SRTPX_AUTH_KEY_LEN];
    bool gcm = profile == DTLS_SRTP_AEAD_AES_128_GCM;
    size_t session_salt = gcm ? SRTPX_GCM_SALT_LEN : SRTPX_CM_SALT_LEN;
    int rc;

    memset(k, 0, sizeof *k);
    k->gcm = gcm;
    k->encrypt = encrypt;
    rc = srtpx_kdf(master_key, master_salt, salt_len,
                   rtcp ? SRTPX_LABEL_RTCP_ENC : SRTPX_LABEL_RTP_ENC, key, sizeof key);
    if (rc == 0)
        rc = srtpx_kdf(master_key, master_salt, salt_len,
                       rtcp ? SRTPX_LABEL_RTCP_SALT : SRTPX_LABEL_RTP_SALT, k->salt, session_salt);
    if (rc == 0 && !gcm)
        rc = srtpx_kdf(master_key, master_salt, salt_len,
                       rtcp ? SRTPX_LABEL_RTCP_AUTH : SRTPX_LABEL_RTP_AUTH, auth, sizeof auth);
    if (rc != 0)
        goto out;
    rc = ERR_NOMEM;
    k->cipher = EVP_CIPHER_CTX_new();
    if (k->cipher == NULL)
        goto out;
    rc = ERR_CRYPTO;
    if (EVP_CipherInit_ex2(k->cipher, gcm ? aes_gcm : aes_ctr, key, NULL, gcm && !encrypt ? 0 : 1,
                           NULL) != 1)
        goto out;
    if (!gcm) {
        rc = ERR_NOMEM;
        k->inner = EVP_MD_CTX_new();
        k->outer = EVP_MD_CTX_new();
        if (k->inner == NULL || k->outer == NULL)
            goto out;
        memset(k->ipad, 0x36, sizeof k->ipad);
        memset(k->opad, 0x5c, sizeof k->opad);
        for (size_t i = 0; i < sizeof auth; i++) {
            k->ipad[i] ^= auth[i];
            k->opad[i] ^= auth[i];
        }
        rc = ERR_CRYPTO;
        if (EVP_DigestInit_ex2(k->inner, sha1, NULL) != 1 ||
            EVP_DigestInit_ex2(k->outer, sha1, NULL) != 1)
            goto out;
    }
    rc = 0;
out:
    OPENSSL_cleanse(key, sizeof key);
    OPENSSL_cleanse(auth, sizeof auth);
    if (rc != 0)
        srtpx_keys_free(k);
    return rc;
}

void srtpx_keys_free(struct srtpx_keys *k)
{
    EVP_CIPHER_CTX_free(k->cipher); /* wipes the key schedule */
    EVP_MD_CTX_free(k->inner);
    EVP_MD_CTX_free(k->outer);
    OPENSSL_cleanse(k, sizeof *k);
}

int srtpx_hmac80(struct srtpx_keys *k, const uint8_t *a, size_t an, const uint8_t *b, size_t bn,
                 uint8_t *out)
{
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned int mdl = 0;

    /* Re-initialising a digest context with its own algorithm keeps its
     * provider state: no allocation. */
    if (EVP_DigestInit_ex2(k->inner, NULL, NULL) != 1 ||
        EVP_DigestUpdate(k->inner, k->ipad, sizeof k->ipad) != 1 ||
        EVP_DigestUpdate(k->inner, a, an) != 1 || EVP_DigestUpdate(k->inner, b, bn) != 1 ||
        EVP_DigestFinal_ex(k->inner, md, &mdl) != 1)
        return ERR_CRYPTO;
    if (EVP_DigestInit_ex2(k->outer, NULL, NULL) != 1 ||
        EVP_DigestUpdate(k->outer, k->opad, sizeof k->opad) != 1 ||
        EVP_DigestUpdate(k->outer, md, mdl) != 1 || EVP_DigestFinal_ex(k->outer, md, &mdl) != 1 ||
        mdl < SRTPX_CM_TAG_LEN)
        return ERR_CRYPTO;
    memcpy(out, md, SRTPX_CM_TAG_LEN);
    return 0;
}

static int gcm_start(struct srtpx_keys *k, const uint8_t iv[12], const uint8_t *aad, size_t aad_len,
                     const uint8_t *aad2, size_t aad2_len, size_t n)
{
    int outl;

    if (n > INT_MAX || aad_len > INT_MAX || aad2_len > INT_MAX)
        return ERR_TOOBIG;
    if (EVP_CipherInit_ex2(k->cipher, NULL, NULL, iv, k->encrypt ? 1 : 0, NULL) != 1)
        return ERR_CRYPTO;
    if (aad_len > 0 && EVP_CipherUpdate(k->cipher, NULL, &outl, aad, (int)aad_len) != 1)
        return ERR_CRYPTO;
    if (aad2_len > 0 && EVP_CipherUpdate(k->cipher, NULL, &outl, aad2, (int)aad2_len) != 1)
        return ERR_CRYPTO;
    return 0;
}

int srtpx_gcm_seal(struct srtpx_keys *k, const uint8_t iv[12], const uint8_t *aad, size_t aad_len,
                   const uint8_t *aad2, size_t aad2_len, uint8_t *p, size_t n)
{
    int outl, rc = gcm_start(k, iv, aad, aad_len, aad2, aad2_len, n);

    if (rc != 0)
        return rc;
    if (n > 0 && EVP_EncryptUpdate(k->cipher, p, &outl, p, (int)n) != 1)
        return ERR_CRYPTO;
    if (EVP_EncryptFinal_ex(k->cipher, p + n, &outl) != 1 ||
        EVP_CIPHER_CTX_ctrl(k->cipher, EVP_CTRL_GCM_GET_TAG, SRTPX_GCM_TAG_LEN, p + n) != 1)
        return ERR_CRYPTO;
    return 0;
}

int srtpx_gcm_open(struct srtpx_keys *k, const uint8_t iv[12], const uint8_t *aad, size_t aad_len,
                   const uint8_t *aad2, size_t aad2_len, uint8_t *p, size_t n)
{
    int outl, rc = gcm_start(k, iv, aad, aad_len, aad2, aad2_len, n);

    if (rc != 0)
        return rc;
    if (n > 0 && EVP_DecryptUpdate(k->cipher, p, &outl, p, (int)n) != 1)
        return ERR_CRYPTO;
    if (EVP_CIPHER_CTX_ctrl(k->cipher, EVP_CTRL_GCM_SET_TAG, SRTPX_GCM_TAG_LEN, p + n) != 1)
        return ERR_CRYPTO;
    /* OpenSSL compares the tag in constant time (CRYPTO_memcmp). */
    if (EVP_DecryptFinal_ex(k->cipher, p + n, &outl) != 1)
        return ERR_DENIED;
    return 0;
}
