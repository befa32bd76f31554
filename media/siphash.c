#include "media/siphash.h"
#include "base/err.h"

#include <openssl/rand.h>
#include <openssl/crypto.h>

static inline uint64_t rotl(uint64_t x, unsigned b)
{
    return (x << b) | (x >> (64 - b));
}

static inline uint64_t load_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* The state in locals (registers), one SipRound. */
#define SIPROUND                                                                                   \
    do {                                                                                           \
        v0 += v1;                                                                                  \
        v1 = rotl(v1, 13);                                                                         \
        v1 ^= v0;                                                                                  \
        v0 = rotl(v0, 32);                                                                         \
        v2 += v3;                                                                                  \
        v3 = rotl(v3, 16);                                                                         \
        v3 ^= v2;                                                                                  \
        v0 += v3;                                                                                  \
        v3 = rotl(v3, 21);                                                                         \
        v3 ^= v0;                                                                                  \
        v2 += v1;                                                                                  \
        v1 = rotl(v1, 17);                                                                         \
        v1 ^= v2;                                                                                  \
        v2 = rotl(v2, 32);                                                                         \
    } while (0)

/* One message word through two rounds (SipHash-2-4's compression). */
#define SIP_COMPRESS(m)                                                                            \
    do {                                                                                           \
        v3 ^= (m);                                                                                 \
        SIPROUND;                                                                                  \
        SIPROUND;                                                                                  \
        v0 ^= (m);                                                                                 \
    } while (0)

/* The last word (length byte on top), then four finalization rounds. */
static inline uint64_t sip_finish(uint64_t v0, uint64_t v1, uint64_t v2, uint64_t v3, uint64_t last)
{
    SIP_COMPRESS(last);
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

void siphash_key_init(struct siphash_key *k, const uint8_t key[SIPHASH_KEY_LEN])
{
    uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);

    k->v[0] = 0x736f6d6570736575ULL ^ k0;
    k->v[1] = 0x646f72616e646f6dULL ^ k1;
    k->v[2] = 0x6c7967656e657261ULL ^ k0;
    k->v[3] = 0x7465646279746573ULL ^ k1;
}

uint64_t siphash_k(const struct siphash_key *k, const uint8_t *msg, size_t len)
{
    uint64_t v0 = k->v[0], v1 = k->v[1], v2 = k->v[2], v3 = k->v[3];
    size_t full = len & ~(size_t)7;
    uint64_t m, last = (uint64_t)len << 56;

    for (size_t i = 0; i < full; i += 8) {
        m = load_le64(msg + i);
        SIP_COMPRESS(m);
    }
    for (size_t i = full; i < len; i++)
        last |= (uint64_t)msg[i] << (8 * (i - full));
    return sip_finish(v0, v1, v2, v3, last);
}

uint64_t siphash_k_u64(const struct siphash_key *k, uint64_t m)
{
    uint64_t v0 = k->v[0], v1 = k->v[1], v2 = k->v[2], v3 = k->v[3];

    /* an 8-byte message: one full word, then the length alone */
    SIP_COMPRESS(m);
    return sip_finish(v0, v1, v2, v3, (uint64_t)8 << 56);
}

uint64_t siphash(const uint8_t key[SIPHASH_KEY_LEN], const uint8_t *msg, size_t len)
{
    struct siphash_key k;

    siphash_key_init(&k, key);
    return siphash_k(&k, msg, len);
}

uint64_t siphash_u64(const uint8_t key[SIPHASH_KEY_LEN], uint64_t v)
{
    struct siphash_key k;

    siphash_key_init(&k, key);
    return siphash_k_u64(&k, v);
}

int siphash_keygen(struct siphash_key *k)
{
    uint8_t key[SIPHASH_KEY_LEN];
    int rc = RAND_bytes(key, SIPHASH_KEY_LEN) == 1 ? 0 : ERR_CRYPTO;

    if (rc == 0)
        siphash_key_init(k, key);
    OPENSSL_cleanse(key, sizeof key);
    return rc;
}
