/* Shared by stun.c (parsing, checking) and stun_build.c (building). */
#ifndef SAMTALE_MEDIA_STUN_INT_H
#define SAMTALE_MEDIA_STUN_INT_H

#include <stddef.h>
#include <stdint.h>

#include "media/stun.h"

/* RFC 8489 §14: attributes are padded to a multiple of 4 bytes. */
size_t stun_pad4(size_t n);
/* HMAC-SHA1 over a then b (the MESSAGE-INTEGRITY input comes in two
 * pieces) under a ready key (mac), or, mac NULL, under key (stun_mac.c). */
int stun_hmac_sha1(struct stun_mac *mac, const uint8_t *key, size_t key_len, const uint8_t *a,
                   size_t a_len, const uint8_t *b, size_t b_len, uint8_t out[STUN_INTEGRITY_LEN]);

#endif
