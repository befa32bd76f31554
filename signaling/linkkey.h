/* The link key: a server secret kept outside the database, from which every
 * invitation token is derived, so that the caseworker can see a meeting's
 * links again on any browser while the database alone reveals none.
 *
 *   token = base64url(first TOKEN_BYTES of HMAC-SHA256(key, LINKKEY_LABEL || salt))
 *
 * The salt is random per invitation and stored with the token's SHA-256
 * digest (which stays the lookup key). Rotating the key (a new key file)
 * changes every derived token: links made under the old key stop working
 * (linkkey_matches() is false for them) and cannot be shown again. See
 * docs/OPERATIONS.md ("The link key"). Never log the key or a token. */
#ifndef SAMTALE_LINKKEY_H
#define SAMTALE_LINKKEY_H

#include <stdbool.h>
#include <stdint.h>

#include "signaling/store.h"
#include "signaling/token.h"

#define LINKKEY_LEN 32 /* bytes of key material in the key file */
#define LINKKEY_LABEL "samtale invitation link v1"

struct linkkey {
    bool loaded;
    uint8_t key[LINKKEY_LEN];
};

/* Reads the key file at `path`: exactly LINKKEY_LEN bytes. If there is no
 * such file, makes one (mode 0600, fresh random bytes) and says so in the
 * log. ERR_IO if it cannot be read or made, ERR_PARSE if its size is wrong
 * (a damaged or foreign file is never silently replaced). */
int linkkey_load(struct linkkey *k, const char *path);

/* Wipes the key from memory. */
void linkkey_clear(struct linkkey *k);

/* The token for a salt. ERR_INVAL if the key is not loaded. */
int linkkey_token(const struct linkkey *k, const uint8_t salt[STORE_SALT_LEN],
                  char out[TOKEN_STR_LEN + 1]);

/* A new invitation's secret: a random salt, its token and the token's digest. */
int linkkey_new(const struct linkkey *k, uint8_t salt[STORE_SALT_LEN],
                char token[TOKEN_STR_LEN + 1], uint8_t hash[STORE_HASH_LEN]);

/* Whether the token this key derives from `salt` has the stored digest
 * `hash`: false after a key rotation. Invitations without a salt (made
 * before links were derived) are not checked by this: see the callers. */
bool linkkey_matches(const struct linkkey *k, const uint8_t salt[STORE_SALT_LEN],
                     const uint8_t hash[STORE_HASH_LEN]);

/* Whether an invitation's token still comes from this key: true for
 * invitations without a salt (made before tokens were derived: they work
 * until they expire, but cannot be shown again). */
bool linkkey_invitation_ok(const struct linkkey *k, const struct store_invitation *inv);

#endif
