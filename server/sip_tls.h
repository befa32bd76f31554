/* SIP over TLS (RFC 3261 section 26) on the phone bridge's own sockets: a
 * server-side TLS session over memory BIOs. The caller moves bytes: what
 * arrived on the socket goes in with sip_tls_input (plaintext comes out),
 * what SIP wants to send goes in with sip_tls_write, and sip_tls_take
 * hands out the bytes for the socket (handshake records included). No
 * sockets here. Same policy as the HTTPS port (server/tls_policy.h). */
#ifndef SAMTALE_SIP_TLS_H
#define SAMTALE_SIP_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sip_tls_ctx;
struct sip_tls;

/* The server certificate chain and key (PEM). ERR_IO with the reason logged. */
int sip_tls_ctx_create(struct sip_tls_ctx **out, const char *cert, const char *key);
void sip_tls_ctx_free(struct sip_tls_ctx *ctx); /* NULL-safe */

/* A session for one accepted connection; NULL without memory. */
struct sip_tls *sip_tls_new(struct sip_tls_ctx *ctx);
void sip_tls_free(struct sip_tls *t); /* NULL-safe */

/* Bytes from the socket. Decrypted bytes go to plain[0..cap): *plain_len
 * of them; call again with len 0 while it fills plain completely.
 * ERR_PROTO when the session failed (close the connection). */
int sip_tls_input(struct sip_tls *t, const uint8_t *in, size_t len, uint8_t *plain, size_t cap,
                  size_t *plain_len);
/* Encrypts a message for sending (the handshake must be done: ERR_AGAIN
 * before). */
int sip_tls_write(struct sip_tls *t, const uint8_t *buf, size_t len);
/* Up to cap bytes to put on the socket; 0 when none wait. */
size_t sip_tls_take(struct sip_tls *t, uint8_t *out, size_t cap);
/* The handshake finished. */
bool sip_tls_ready(const struct sip_tls *t);

#endif
