/* Phone PINs: every invitation has a numeric PIN a caller enters by DTMF,
 * derived like its link so the owner can see it again:
 *
 *   pin  = decimal(first 8 bytes of HMAC-SHA256(key, PIN_LABEL || salt || counter)) mod 10^8,
 *          as PIN_DIGITS digits with leading zeros
 *   hash = HMAC-SHA256(key, PIN_HASH_LABEL || pin)
 *
 * The counter (0, 1, ...) is raised when a PIN would equal the PIN of
 * another live invitation (not revoked, meeting not ended). Only the hash
 * and the counter are stored; the hash is keyed, so a copy of the database
 * alone does not give the 10^8 candidates away, and its label keeps it apart
 * from the token digests. A new link key (see linkkey.h) makes every stored
 * PIN unshowable and unusable, like the links. Never log a PIN. */
#ifndef SAMTALE_PIN_H
#define SAMTALE_PIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "signaling/linkkey.h"
#include "signaling/store.h"

#define PIN_DIGITS 8
#define PIN_LABEL "samtale invitation pin v1"
#define PIN_HASH_LABEL "samtale pin hash v1"
#define PIN_COUNTER_MAX 64 /* re-derivations tried before giving up (ERR_FULL) */

/* The PIN for a salt and counter. ERR_INVAL if the key is not loaded. */
int pin_derive(const struct linkkey *k, const uint8_t salt[STORE_SALT_LEN], uint32_t counter,
               char out[PIN_DIGITS + 1]);

/* The keyed hash of a PIN. ERR_PARSE unless `digits` is exactly PIN_DIGITS
 * ASCII digits (callers can pass what a caller keyed in). */
int pin_hash(const struct linkkey *k, const char *digits, uint8_t out[STORE_HASH_LEN]);

/* Gives each of the n invitations (which must have salts) a PIN: sets
 * has_pin, pin_hash and pin_counter to the first counter whose PIN is
 * neither held by another live invitation in the store nor by an earlier
 * one of the n (a batch not stored yet). ERR_FULL if none of
 * PIN_COUNTER_MAX counters is free. */
int pin_assign(struct store *s, const struct linkkey *k, struct store_invitation *invs, size_t n);

/* The PIN to show for an invitation: true and `out` filled if it has one
 * and it comes from this key; false (out "") for "no PIN". */
bool pin_of(const struct linkkey *k, const struct store_invitation *inv, char out[PIN_DIGITS + 1]);

/* Gives a PIN to every live invitation that has a salt but no PIN yet (made
 * before PINs existed) and whose link still comes from this key. Run at
 * start-up after the link key is loaded. *n_out (may be NULL): how many. */
int pin_backfill(struct store *s, const struct linkkey *k, size_t *n_out);

/* For the phone bridge: the invitation and meeting of a keyed-in PIN.
 * 0 when it names a live invitation (not revoked, meeting not ended, link
 * from the current key) that has not expired; ERR_NOTFOUND for a wrong PIN
 * (also anything that is not PIN_DIGITS digits); ERR_EXPIRED when the
 * invitation has expired; another ERR_* if the store fails. Counting
 * failures is the caller's job (signaling/pinlimit.h). */
int pin_lookup(struct store *s, const struct linkkey *k, const char *digits,
               struct store_invitation *inv, struct store_meeting *sm);

#endif
