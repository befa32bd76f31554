/* scrypt password hashes (see password.h for the stored format). */
#define LOG_MODULE "password"
#include "server/password.h"
#include "base/err.h"
#include "base/log.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Default cost: 32 MiB and roughly 50-100 ms per hash on a server core,
 * which makes offline guessing expensive without stalling logins. */
#define PW_N 32768u
#define PW_R 8u
#define PW_P 1u
#define PW_SALT_LEN 16
#define PW_HASH_LEN 32

/* Bounds on what a stored string may ask for, so a damaged or hostile row
 * cannot make one login allocate or compute without limit. */
#define PW_N_MIN (1u << 10)
#define PW_N_MAX (1u << 20)
#define PW_R_MAX 32u
#define PW_P_MAX 16u
#define PW_MEM_MAX (1ull << 30) /* scrypt needs about 128 * N * r bytes */
#define PW_SALT_MIN 8
#define PW_SALT_MAX 64
#define PW_OUT_MIN 16
#define PW_OUT_MAX 64

#define PW_PREFIX "scrypt$N="

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

struct pw_params {
    uint64_t n;
    uint64_t r;
    uint64_t p;
    uint8_t salt[PW_SALT_MAX];
    size_t salt_len;
    uint8_t hash[PW_OUT_MAX];
    size_t hash_len;
};

/* Unpadded base64 of n bytes into out[cap]; returns 0 or ERR_TOOBIG. */
static int b64_encode(const uint8_t *in, size_t n, char *out, size_t cap)
{
    size_t need = (n * 4 + 2) / 3;
    if (need >= cap)
        return ERR_TOOBIG;
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        acc = (acc << 8) | in[i];
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out[o++] = b64_alphabet[(acc >> bits) & 63];
        }
    }
    if (bits > 0)
        out[o++] = b64_alphabet[(acc << (6 - bits)) & 63];
    out[o] = '\0';
    return 0;
}

static int b64_value(char c)
{
    const char *hit = c ? strchr(b64_alphabet, c) : NULL;
    return hit ? (int)(hit - b64_alphabet) : -1;
}

/* Strict unpadded base64: rejects stray characters and non-zero trailing
 * bits, so each byte string has exactly one accepted spelling. */
static int b64_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    if (len % 4 == 1 || len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0) > cap)
        return ERR_PARSE;
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        int v = b64_value(in[i]);
        if (v < 0)
            return ERR_PARSE;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (acc != 0)
        return ERR_PARSE;
    *out_len = o;
    return 0;
}

/* Bounded cursor over the stored string. */
struct pw_rd {
    const char *p, *end;
};

static int rd_expect(struct pw_rd *r, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, lit, n) != 0)
        return ERR_PARSE;
    r->p += n;
    return 0;
}

/* Decimal without sign or leading zeros, at most max. */
static int rd_number(struct pw_rd *r, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    const char *start = r->p;
    while (r->p < r->end && *r->p >= '0' && *r->p <= '9') {
        v = v * 10 + (uint64_t)(*r->p - '0');
        if (v > max)
            return ERR_PARSE; /* also stops before v * 10 could overflow */
        r->p++;
    }
    if (r->p == start || (*start == '0' && r->p - start > 1))
        return ERR_PARSE;
    *out = v;
    return 0;
}

static int rd_b64_until(struct pw_rd *r, char stop, uint8_t *out, size_t cap, size_t *len)
{
    const char *q = stop ? memchr(r->p, stop, (size_t)(r->end - r->p)) : r->end;
    if (!q)
        return ERR_PARSE;
    int ret = b64_decode(r->p, (size_t)(q - r->p), out, cap, len);
    r->p = stop ? q + 1 : q;
    return ret;
}

static int parse_stored(const char *stored, struct pw_params *pp)
{
    size_t len = strnlen(stored, STORE_PWHASH_MAX + 1);
    if (len > STORE_PWHASH_MAX)
        return ERR_PARSE;
    struct pw_rd r = {stored, stored + len};
    int ret = rd_expect(&r, PW_PREFIX);
    if (ret == 0)
        ret = rd_number(&r, PW_N_MAX, &pp->n);
    if (ret == 0)
        ret = rd_expect(&r, ",r=");
    if (ret == 0)
        ret = rd_number(&r, PW_R_MAX, &pp->r);
    if (ret == 0)
        ret = rd_expect(&r, ",p=");
    if (ret == 0)
        ret = rd_number(&r, PW_P_MAX, &pp->p);
    if (ret == 0)
        ret = rd_expect(&r, "$");
    if (ret == 0)
        ret = rd_b64_until(&r, '$', pp->salt, sizeof pp->salt, &pp->salt_len);
    if (ret == 0)
        ret = rd_b64_until(&r, '\0', pp->hash, sizeof pp->hash, &pp->hash_len);
    if (ret)
        return ERR_PARSE;
    if (pp->n < PW_N_MIN || (pp->n & (pp->n - 1)) != 0 || pp->r < 1 || pp->p < 1 ||
        128 * pp->n * pp->r > PW_MEM_MAX)
        return ERR_PARSE;
    if (pp->salt_len < PW_SALT_MIN || pp->hash_len < PW_OUT_MIN)
        return ERR_PARSE;
    return 0;
}

static int kdf(const char *pw, size_t pw_len, const uint8_t *salt, size_t salt_len, uint64_t n,
               uint64_t r, uint64_t p, uint8_t *out, size_t out_len)
{
    /* OpenSSL counts V (128*r*(N+2)) and B (128*r*p) against maxmem; its
     * default of 32 MiB is just short of our own default cost. */
    uint64_t maxmem = 128 * r * (n + 2 + p);
    if (EVP_PBE_scrypt(pw, pw_len, salt, salt_len, n, r, p, maxmem, out, out_len) != 1) {
        LOG_E("scrypt failed (N=%llu r=%llu p=%llu)", (unsigned long long)n, (unsigned long long)r,
              (unsigned long long)p);
        return ERR_CRYPTO;
    }
    return 0;
}

int password_hash(const char *password, char out[STORE_PWHASH_MAX + 1])
{
    uint8_t salt[PW_SALT_LEN];
    uint8_t dk[PW_HASH_LEN];
    char salt_b64[PW_SALT_LEN * 2];
    char dk_b64[PW_HASH_LEN * 2];
    int ret;
    if (!password || !out)
        return ERR_INVAL;
    out[0] = '\0';
    size_t len = strnlen(password, PASSWORD_MAX + 1);
    if (len < PASSWORD_MIN)
        return ERR_INVAL;
    if (len > PASSWORD_MAX)
        return ERR_TOOBIG;
    if (RAND_bytes(salt, sizeof salt) != 1) {
        LOG_E("random source failed");
        return ERR_CRYPTO;
    }
    ret = kdf(password, len, salt, sizeof salt, PW_N, PW_R, PW_P, dk, sizeof dk);
    if (ret)
        goto out;
    ret = b64_encode(salt, sizeof salt, salt_b64, sizeof salt_b64);
    if (ret == 0)
        ret = b64_encode(dk, sizeof dk, dk_b64, sizeof dk_b64);
    if (ret)
        goto out;
    int n = snprintf(out, STORE_PWHASH_MAX + 1, PW_PREFIX "%u,r=%u,p=%u$%s$%s", PW_N, PW_R, PW_P,
                     salt_b64, dk_b64);
    if (n < 0 || n > STORE_PWHASH_MAX) {
        out[0] = '\0';
        ret = ERR_TOOBIG;
    }
out:
    OPENSSL_cleanse(dk, sizeof dk);
    OPENSSL_cleanse(dk_b64, sizeof dk_b64);
    return ret;
}

int password_verify(const char *password, const char *stored)
{
    struct pw_params pp;
    uint8_t dk[PW_OUT_MAX];
    int ret;
    if (!password || !stored)
        return ERR_INVAL;
    ret = parse_stored(stored, &pp);
    if (ret) {
        password_burn_time();
        ret = ERR_PARSE;
        goto out;
    }
    size_t len = strnlen(password, PASSWORD_MAX + 1);
    bool too_long = len > PASSWORD_MAX;
    if (too_long)
        len = PASSWORD_MAX; /* still pay for one KDF run, then refuse */
    ret = kdf(password, len, pp.salt, pp.salt_len, pp.n, pp.r, pp.p, dk, pp.hash_len);
    if (ret)
        goto out;
    ret = !too_long && CRYPTO_memcmp(dk, pp.hash, pp.hash_len) == 0 ? 0 : ERR_DENIED;
out:
    OPENSSL_cleanse(dk, sizeof dk);
    OPENSSL_cleanse(&pp, sizeof pp);
    return ret;
}

void password_burn_time(void)
{
    static const char dummy[] = "samtale-burn-time";
    static const uint8_t salt[PW_SALT_LEN] = {0};
    uint8_t dk[PW_HASH_LEN];
    if (kdf(dummy, sizeof dummy - 1, salt, sizeof salt, PW_N, PW_R, PW_P, dk, sizeof dk) != 0)
        LOG_W("dummy KDF failed; login timing may differ");
}
