#include "media/siphash.h"
#include "base/err.h"

#include <openssl/rand.h>

static uint64_t rotl(uint64_t x, unsigned b)
{
    return (x << b) | (x >> (64 - b));
}

static uint64_t load_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

struct sip {
    uint64_t v0, v1, v2, v3;
};

static void sip_round(struct sip *s)
{
    s->v0 += s->v1;
    s->v1 = rotl(s->v1, 13);
    s->v1 ^= s->v0;
    s->v0 = rotl(s->v0, 32);
    s->v2 += s->v3;
    s->v3 = rotl(s->v3, 16);
    s->v3 ^= s->v2;
    s->v0 += s->v3;
    s->v3 = rotl(s->v3, 21);
    s->v3 ^= s->v0;
    s->v2 += s->v1;
    s->v1 = rotl(s->v1, 17);
    s->v1 ^= s->v2;
    s->v2 = rotl(s->v2, 32);
}

static void sip_init(struct sip *s, const uint8_t key[SIPHASH_KEY_LEN])
{
    uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);
    s->v0 = 0x736f6d6570736575ULL ^ k0;
    s->v1 = 0x646f72616e646f6dULL ^ k1;
    s->v2 = 0x6c7967656e657261ULL ^ k0;
    s->v3 = 0x7465646279746573ULL ^ k1;
}

static void sip_block(struct sip *s, uint64_t m)
{
    s->v3 ^= m;
    sip_round(s);
    sip_round(s);
    s->v0 ^= m;
}

static uint64_t sip_final(struct sip *s, uint64_t last)
{
    sip_block(s, last);
    s->v2 ^= 0xff;
    for (unsigned i = 0; i < 4; i++)
        sip_round(s);
    return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

uint64_t siphash(const uint8_t key[SIPHASH_KEY_LEN], const uint8_t *msg, size_t len)
{
    struct sip s;
    size_t full = len & ~(size_t)7;
    uint64_t last = (uint64_t)len << 56;

    sip_init(&s, key);
    for (size_t i = 0; i < full; i += 8)
        sip_block(&s, load_le64(msg + i));
    for (size_t i = full; i < len; i++)
        last |= (uint64_t)msg[i] << (8 * (i - full));
    return sip_final(&s, last);
}

uint64_t siphash_u64(const uint8_t key[SIPHASH_KEY_LEN], uint64_t v)
{
    struct sip s;

    sip_init(&s, key);
    sip_block(&s, v);
    return sip_final(&s, (uint64_t)8 << 56);
}

int siphash_keygen(uint8_t key[SIPHASH_KEY_LEN])
{
    return RAND_bytes(key, SIPHASH_KEY_LEN) == 1 ? 0 : ERR_CRYPTO;
}
