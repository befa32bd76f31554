/* One TLS policy for every TLS port of the server (HTTPS/WSS, SIP over
 * TLS): TLS 1.2 and newer; with TLS 1.2 forward-secret AEAD suites only,
 * TLS 1.3 keeps OpenSSL's defaults. */
#ifndef SAMTALE_TLS_POLICY_H
#define SAMTALE_TLS_POLICY_H

#define TLS12_CIPHERS                                                                              \
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"     \
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"

#endif
