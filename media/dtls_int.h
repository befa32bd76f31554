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

/* Checks a received datagram record by record: whole records only, content
 * type 20..23, DTLS 1.0/1.2 version, and for unencrypted (epoch 0) records
 * a plausible shape. If all are fine, *feed = buf and *feed_len = len;
 * otherwise the acceptable records are copied into scratch[0..cap) and
 * *feed points there (*feed_len may be 0: nothing left). Returns the number
 * of records dropped (a truncated tail counts as one). */
size_t dtls_record_filter(const uint8_t *buf, size_t len, uint8_t *scratch, size_t cap,
                          const uint8_t **feed, size_t *feed_len);

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
