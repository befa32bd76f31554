/* Random bearer tokens and their digests (see token.h). */
#define LOG_MODULE "token"
#include "signaling/token.h"
#include "base/err.h"
#include "base/log.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdbool.h>
#include <string.h>

/* Whole 3-byte groups encode without padding or spare bits, so every
 * TOKEN_STR_LEN-character string is a canonical token. */
_Static_assert(TOKEN_BYTES % 3 == 0, "token bytes must fill whole base64 groups");
_Static_assert(TOKEN_STR_LEN == TOKEN_BYTES / 3 * 4, "token string length");

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void token_encode(const uint8_t raw[TOKEN_BYTES], char out[TOKEN_STR_LEN + 1])
{
    char *o = out;
    for (size_t i = 0; i < TOKEN_BYTES; i += 3) {
        uint32_t v = (uint32_t)raw[i] << 16 | (uint32_t)raw[i + 1] << 8 | raw[i + 2];
        *o++ = b64url[(v >> 18) & 63];
        *o++ = b64url[(v >> 12) & 63];
        *o++ = b64url[(v >> 6) & 63];
        *o++ = b64url[v & 63];
    }
    *o = '\0';
}

int token_generate(char out[TOKEN_STR_LEN + 1])
{
    uint8_t raw[TOKEN_BYTES];
    out[0] = '\0';
    if (RAND_bytes(raw, sizeof raw) != 1) {
        LOG_E("random source failed");
        return ERR_CRYPTO;
    }
    token_encode(raw, out);
    OPENSSL_cleanse(raw, sizeof raw);
    return 0;
}

static bool is_b64url(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

int token_hash(const char *token, uint8_t out[STORE_HASH_LEN])
{
    if (!token || strnlen(token, TOKEN_STR_LEN + 1) != TOKEN_STR_LEN)
        return ERR_PARSE;
    for (size_t i = 0; i < TOKEN_STR_LEN; i++) {
        if (!is_b64url(token[i]))
            return ERR_PARSE;
    }
    unsigned int len = 0;
    if (EVP_Digest(token, TOKEN_STR_LEN, out, &len, EVP_sha256(), NULL) != 1 ||
        len != STORE_HASH_LEN) {
        LOG_E("SHA-256 failed");
        return ERR_CRYPTO;
    }
    return 0;
}

void token_hash_hex(const uint8_t hash[STORE_HASH_LEN], char out[TOKEN_HEX_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < TOKEN_HEX_LEN / 2; i++) {
        out[2 * i] = hex[hash[i] >> 4];
        out[2 * i + 1] = hex[hash[i] & 15];
    }
    out[TOKEN_HEX_LEN] = '\0';
}
