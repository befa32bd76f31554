/* Random bearer tokens (invitation links, login sessions, resume secrets).
 * Only their SHA-256 digests are stored; a leaked database does not let
 * anyone join or log in. Never log a token: log token_hash_hex() instead. */
#ifndef SAMTALE_TOKEN_H
#define SAMTALE_TOKEN_H

#include <stdint.h>

#include "signaling/store.h"

#define TOKEN_BYTES 24   /* 192 random bits */
#define TOKEN_STR_LEN 32 /* base64url of TOKEN_BYTES, no padding */
#define TOKEN_HEX_LEN 16 /* token_hash_hex() output, without the NUL */

/* A fresh token: TOKEN_STR_LEN base64url characters and a NUL.
 * ERR_CRYPTO if the random source fails (out is then the empty string). */
int token_generate(char out[TOKEN_STR_LEN + 1]);

/* The token string of TOKEN_BYTES raw bytes (base64url, no padding). */
void token_encode(const uint8_t raw[TOKEN_BYTES], char out[TOKEN_STR_LEN + 1]);

/* SHA-256 of the token string. ERR_PARSE unless `token` is exactly
 * TOKEN_STR_LEN base64url characters, so callers can pass untrusted input
 * (a URL path, a cookie) straight in. */
int token_hash(const char *token, uint8_t out[STORE_HASH_LEN]);

/* The first 8 bytes of a digest as lowercase hex, for log lines. */
void token_hash_hex(const uint8_t hash[STORE_HASH_LEN], char out[TOKEN_HEX_LEN + 1]);

#endif
