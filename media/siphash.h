/* SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed 64-bit hash for the
 * worker's hash indices. Their keys (ICE ufrags, SSRCs, addresses) come
 * off the network; with a secret random key per table an attacker cannot
 * pick keys that collide. */
#ifndef SAMTALE_MEDIA_SIPHASH_H
#define SAMTALE_MEDIA_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#define SIPHASH_KEY_LEN 16

uint64_t siphash(const uint8_t key[SIPHASH_KEY_LEN], const uint8_t *msg, size_t len);
/* The same as siphash() over the 8 little-endian bytes of v. */
uint64_t siphash_u64(const uint8_t key[SIPHASH_KEY_LEN], uint64_t v);
/* A fresh random key (OpenSSL's CSPRNG). */
int siphash_keygen(uint8_t key[SIPHASH_KEY_LEN]);

#endif
