/* Internals shared by media/dtls.c and media/dtls_cert.c; not for other
 * modules. */
#ifndef SAMTALE_MEDIA_DTLS_INT_H
#define SAMTALE_MEDIA_DTLS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "media/dtls.h"

#define DTLS_PROFILES_MAX 128

struct dtls_cert {
    EVP_PKEY *pkey;
    X509 *x509;
    SSL_CTX *ctx; /* every SSL is made from this; each holds a reference */
    char fingerprint[DTLS_FINGERPRINT_MAX];
    /* SRTP profiles offered by connections made from now on; each SSL gets
     * its own copy at dtls_create() (OpenSSL would otherwise read the
     * SSL_CTX's list at handshake time). */
    char profiles[DTLS_PROFILES_MAX];
};

/* The digest for an SDP fingerprint algorithm name ("sha-256", any case),
 * or NULL if not supported. */
const EVP_MD *dtls_fp_md(const char *alg);

/* Formats `n` digest bytes as "AB:CD:..." into out[cap]. Returns 0 or
 * ERR_TOOBIG. */
int dtls_fp_format(const uint8_t *md, size_t n, char *out, size_t cap);

/* Parses "ab:CD:..." of exactly `n` bytes into out[n]. Returns 0 or
 * ERR_PARSE. */
int dtls_fp_parse(const char *s, uint8_t *out, size_t n);

/* ---- records (dtls_record.c) ---- */

/* What the association can read now, for dtls_record_filter(). */
struct dtls_rx_policy {
    /* Handshake done: only epoch 1 is read (no renegotiation), plaintext
     * (epoch 0) records are never read again. */
    bool connected;
    /* Smallest body of an encrypted record (epoch 1): the negotiated AEAD's
     * explicit nonce and tag (dtls_sealed_min()); 0 while no cipher is
     * negotiated, when no encrypted record can be read. */
    size_t sealed_min;
};

/* Smallest body of a record sealed with cipher suite `c`: explicit nonce +
 * tag, 24 for AES-GCM (RFC 5288), 16 for ChaCha20-Poly1305 (RFC 7905).
 * OpenSSL fails the association (internal_error alert) on a record shorter
 * than that instead of dropping it. 0 for NULL or a suite that is not one
 * of these AEADs. */
size_t dtls_sealed_min(const SSL_CIPHER *c);

/* Length of the whole record at the start of p[0..n), or 0 if p does not
 * start with one. */
size_t dtls_record_len(const uint8_t *p, size_t n);

/* Checks a received datagram record by record: whole records only, content
 * type 20..23, DTLS 1.0/1.2 version, epoch 0 only before the handshake is
 * done and then with a plausible shape, epoch 1 only once a cipher is
 * negotiated and with at least pol->sealed_min bytes of body. If all are
 * fine, *feed = buf and *feed_len = len; otherwise the acceptable records
 * are copied into scratch[0..cap) and *feed points there (*feed_len may be
 * 0: nothing left). Returns the number of records dropped (a truncated tail
 * counts as one). */
size_t dtls_record_filter(const uint8_t *buf, size_t len, const struct dtls_rx_policy *pol,
                          uint8_t *scratch, size_t cap, const uint8_t **feed, size_t *feed_len);

typedef void (*dtls_emit_fn)(void *arg, const uint8_t *p, size_t len);

/* Splits p[0..n), records as OpenSSL wrote them back to back, into
 * datagrams of consecutive whole records of at most `mtu` bytes (a single
 * larger record goes alone) and calls emit() for each, in order. Returns
 * false if p does not end on a record boundary (the broken tail is not
 * emitted). */
bool dtls_record_pack(const uint8_t *p, size_t n, size_t mtu, dtls_emit_fn emit, void *arg);

/* The SSL_CTX certificate verification callback (in dtls.c): accepts any
 * certificate whose fingerprint matches the one from the SDP. */
int dtls_verify_cert_cb(X509_STORE_CTX *store, void *arg);

#endif
