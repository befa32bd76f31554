/* Phone PINs: derivation, keyed hashes and lookup (see pin.h). */
#define LOG_MODULE "pin"
#include "signaling/pin.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#define PIN_MODULUS 100000000ULL /* 10^PIN_DIGITS */

_Static_assert(PIN_DIGITS == 8, "PIN_MODULUS is 10^PIN_DIGITS");

static int hmac(const struct linkkey *k, const uint8_t *msg, size_t len,
                uint8_t out[EVP_MAX_MD_SIZE])
{
    unsigned int mac_len = 0;
    if (!HMAC(EVP_sha256(), k->key, LINKKEY_LEN, msg, len, out, &mac_len) ||
        mac_len != STORE_HASH_LEN) {
        LOG_E("HMAC-SHA256 failed");
        return ERR_CRYPTO;
    }
    return 0;
}

int pin_derive(const struct linkkey *k, const uint8_t salt[STORE_SALT_LEN], uint32_t counter,
               char out[PIN_DIGITS + 1])
{
    /* the label with its NUL, the salt, the counter big-endian */
    uint8_t msg[sizeof PIN_LABEL + STORE_SALT_LEN + 4];
    uint8_t mac[EVP_MAX_MD_SIZE];
    out[0] = '\0';
    if (!k || !k->loaded || !salt)
        return ERR_INVAL;
    memcpy(msg, PIN_LABEL, sizeof PIN_LABEL);
    memcpy(msg + sizeof PIN_LABEL, salt, STORE_SALT_LEN);
    for (size_t i = 0; i < 4; i++)
        msg[sizeof PIN_LABEL + STORE_SALT_LEN + i] = (uint8_t)(counter >> (24 - 8 * i));
    int ret = hmac(k, msg, sizeof msg, mac);
    if (ret == 0) {
        uint64_t v = 0;
        for (size_t i = 0; i < 8; i++)
            v = v << 8 | mac[i];
        v %= PIN_MODULUS; /* the bias of 2^64 mod 10^8 is below 10^-11 */
        for (size_t i = PIN_DIGITS; i-- > 0;) {
            out[i] = (char)('0' + v % 10);
            v /= 10;
        }
        out[PIN_DIGITS] = '\0';
    }
    OPENSSL_cleanse(mac, sizeof mac);
    return ret;
}

int pin_hash(const struct linkkey *k, const char *digits, uint8_t out[STORE_HASH_LEN])
{
    uint8_t msg[sizeof PIN_HASH_LABEL + PIN_DIGITS];
    uint8_t mac[EVP_MAX_MD_SIZE];
    if (!k || !k->loaded)
        return ERR_INVAL;
    if (!digits || strnlen(digits, PIN_DIGITS + 1) != PIN_DIGITS)
        return ERR_PARSE;
    for (size_t i = 0; i < PIN_DIGITS; i++) {
        if (digits[i] < '0' || digits[i] > '9')
            return ERR_PARSE;
    }
    memcpy(msg, PIN_HASH_LABEL, sizeof PIN_HASH_LABEL);
    memcpy(msg + sizeof PIN_HASH_LABEL, digits, PIN_DIGITS);
    int ret = hmac(k, msg, sizeof msg, mac);
    if (ret == 0)
        memcpy(out, mac, STORE_HASH_LEN);
    OPENSSL_cleanse(msg, sizeof msg);
    OPENSSL_cleanse(mac, sizeof mac);
    return ret;
}

/* Whether one of the n invitations before `inv` in its batch has PIN hash h. */
static bool in_batch(const uint8_t h[STORE_HASH_LEN], const struct store_invitation *invs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (invs[i].has_pin && memcmp(invs[i].pin_hash, h, STORE_HASH_LEN) == 0)
            return true;
    }
    return false;
}

static int assign_one(struct store *s, const struct linkkey *k, struct store_invitation *inv,
                      const struct store_invitation *earlier, size_t n_earlier)
{
    char pin[PIN_DIGITS + 1];
    uint8_t h[STORE_HASH_LEN];
    int ret = ERR_INVAL;
    inv->has_pin = false;
    for (uint32_t counter = 0; inv->has_salt && counter < PIN_COUNTER_MAX; counter++) {
        struct store_invitation other;
        ret = pin_derive(k, inv->salt, counter, pin);
        if (ret == 0)
            ret = pin_hash(k, pin, h);
        if (ret)
            break;
        ret = ERR_FULL;
        if (in_batch(h, earlier, n_earlier))
            continue;
        int rc = store_invitation_find_pin(s, h, &other);
        if (rc == 0 && other.id != inv->id)
            continue; /* another live invitation has this PIN */
        if (rc == 0 || rc == ERR_NOTFOUND) {
            inv->has_pin = true;
            memcpy(inv->pin_hash, h, STORE_HASH_LEN);
            inv->pin_counter = counter;
        }
        ret = rc == ERR_NOTFOUND ? 0 : rc;
        break;
    }
    if (ret == ERR_FULL)
        LOG_E("no free PIN for an invitation after %d tries", PIN_COUNTER_MAX);
    OPENSSL_cleanse(pin, sizeof pin);
    return ret;
}

int pin_assign(struct store *s, const struct linkkey *k, struct store_invitation *invs, size_t n)
{
    int ret = 0;
    for (size_t i = 0; ret == 0 && i < n; i++)
        ret = assign_one(s, k, &invs[i], invs, i);
    return ret;
}

bool pin_of(const struct linkkey *k, const struct store_invitation *inv, char out[PIN_DIGITS + 1])
{
    uint8_t h[STORE_HASH_LEN];
    out[0] = '\0';
    if (!inv->has_pin || !inv->has_salt || pin_derive(k, inv->salt, inv->pin_counter, out) != 0)
        return false;
    if (pin_hash(k, out, h) != 0 || CRYPTO_memcmp(h, inv->pin_hash, STORE_HASH_LEN) != 0) {
        OPENSSL_cleanse(out, PIN_DIGITS + 1);
        return false; /* made under another key */
    }
    return true;
}

int pin_backfill(struct store *s, const struct linkkey *k, size_t *n_out)
{
    struct store_invitation inv;
    int64_t after = 0;
    size_t n = 0;
    int ret;
    /* Bounded by the number of invitations: `after` only grows. */
    while ((ret = store_invitation_next_without_pin(s, after, &inv)) == 0) {
        after = inv.id;
        if (!linkkey_invitation_ok(k, &inv))
            continue; /* its link is dead too: "no PIN" */
        ret = pin_assign(s, k, &inv, 1);
        if (ret == 0)
            ret = store_invitation_set_pin(s, inv.id, inv.pin_hash, inv.pin_counter);
        if (ret)
            break;
        n++;
    }
    if (ret == ERR_NOTFOUND)
        ret = 0;
    if (n_out)
        *n_out = n;
    if (n)
        LOG_I("gave %zu invitations made before phone PINs a PIN", n);
    return ret;
}

int pin_lookup(struct store *s, const struct linkkey *k, const char *digits,
               struct store_invitation *inv, struct store_meeting *sm)
{
    uint8_t h[STORE_HASH_LEN];
    int ret = pin_hash(k, digits, h);
    if (ret == ERR_PARSE)
        return ERR_NOTFOUND;
    if (ret == 0)
        ret = store_invitation_find_pin(s, h, inv);
    if (ret == 0 && !linkkey_invitation_ok(k, inv))
        ret = ERR_NOTFOUND;
    if (ret == 0)
        ret = store_meeting_get(s, inv->meeting_id, sm);
    if (ret == 0 && sm->ended_at)
        ret = ERR_NOTFOUND; /* ended since the lookup above: treated alike */
    if (ret == 0 && now_wall_ms() >= inv->expires_at)
        ret = ERR_EXPIRED;
    return ret;
}
