/* SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed 64-bit hash for the
 * worker's hash indices. Their keys (ICE ufrags, SSRCs, addresses) come
 * off the network; with a secret random key per table an attacker cannot
 * pick keys that collide. */
#ifndef SAMTALE_MEDIA_SIPHASH_H
#define SAMTALE_MEDIA_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#define SIPHASH_KEY_LEN 16

/* A key made ready (the initial state it gives). */
struct siphash_key {
    uint64_t v[4];
};

void siphash_key_init(struct siphash_key *k, const uint8_t key[SIPHASH_KEY_LEN]);
/* A fresh random key (OpenSSL's CSPRNG). */
int siphash_keygen(struct siphash_key *k);
uint64_t siphash_k(const struct siphash_key *k, const uint8_t *msg, size_t len);
/* The same as siphash_k() over the 8 little-endian bytes of v. */
uint64_t siphash_k_u64(const struct siphash_key *k, uint64_t v);

/* With the 16-byte key as is (the reference vectors' form). */
uint64_t siphash(const uint8_t key[SIPHASH_KEY_LEN], const uint8_t *msg, size_t len);
uint64_t siphash_u64(const uint8_t key[SIPHASH_KEY_LEN], uint64_t v);

#endif
