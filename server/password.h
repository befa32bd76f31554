/* Password hashing for caseworker logins: scrypt with a random salt, stored
 * as a self-describing string so the cost can be raised later without
 * invalidating existing hashes:
 *
 *     scrypt$N=32768,r=8,p=1$<salt>$<hash>
 *
 * salt and hash are standard base64 without padding. */
#ifndef SAMTALE_PASSWORD_H
#define SAMTALE_PASSWORD_H

#include "signaling/store.h"

#define PASSWORD_MIN 8    /* bytes */
#define PASSWORD_MAX 1024 /* bytes; bounds the KDF's input */

/* Hashes with the default cost and a fresh 16-byte salt. ERR_INVAL if the
 * password is shorter than PASSWORD_MIN, ERR_TOOBIG if longer than
 * PASSWORD_MAX, ERR_CRYPTO if the random source or the KDF fails. */
int password_hash(const char *password, char out[STORE_PWHASH_MAX + 1]);

/* 0 if `password` matches `stored`, ERR_DENIED if not (including a password
 * longer than PASSWORD_MAX), ERR_PARSE if `stored` is malformed or its
 * parameters are out of bounds, ERR_CRYPTO if the KDF fails. Every outcome
 * costs about one KDF run, so timing does not single out odd accounts. */
int password_verify(const char *password, const char *stored);

/* Runs one KDF with the default cost on a dummy input and discards it: for
 * logins naming an unknown user, so the reply takes as long as for a known
 * one and does not reveal which usernames exist. */
void password_burn_time(void);

#endif
