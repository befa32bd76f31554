/* Phone bridge settings (sip_*): where SIP listens, which trunk addresses
 * may send calls, the trunk for dialling out, the RTP port range and the
 * call cap. See README.md ("Settings") and docs/OPERATIONS.md. SIP is off
 * until sip_listen is set. */
#ifndef SAMTALE_SIP_CONFIG_H
#define SAMTALE_SIP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIP_CONFIG_ADDR_MAX 64
#define SIP_CONFIG_HOST_MAX 256
#define SIP_CONFIG_PATH_MAX 512
#define SIP_CONFIG_ALLOW_MAX 16
#define SIP_CONFIG_CIDR_MAX 64
#define SIP_CONFIG_NUMBER_MAX 32
#define SIP_CONFIG_SECRET_MAX 128
#define SIP_CALLS_DEFAULT 32
#define SIP_CALLS_MAX 256 /* the user agent's limit (SIP_UA_MAX_CALLS_LIMIT) */
#define SIP_RTP_PORT_MIN_DEFAULT 41000
#define SIP_RTP_PORT_MAX_DEFAULT 41999

struct sip_config {
    char listen_addr[SIP_CONFIG_ADDR_MAX]; /* "" = no phone bridge */
    uint16_t listen_port;                  /* UDP and TCP */
    char public_addr[SIP_CONFIG_ADDR_MAX]; /* in Via, Contact and SDP; default listen_addr */
    /* SIP over TLS (RFC 3261 section 26): "" = off. The certificate and
     * key default to the HTTPS port's (tls_cert, tls_key). */
    char tls_addr[SIP_CONFIG_ADDR_MAX];
    uint16_t tls_port;
    char tls_cert[SIP_CONFIG_PATH_MAX], tls_key[SIP_CONFIG_PATH_MAX];
    char allow[SIP_CONFIG_ALLOW_MAX][SIP_CONFIG_CIDR_MAX]; /* trunk networks (CIDR) */
    unsigned allow_count;
    uint16_t rtp_port_min, rtp_port_max; /* call legs: RTP even, RTCP odd */
    unsigned max_calls;
    /* Dialling out through the operator's trunk; "" = no dial-out. */
    char trunk_proxy[SIP_CONFIG_HOST_MAX];  /* host[:port], where INVITEs go */
    char trunk_domain[SIP_CONFIG_HOST_MAX]; /* of the request URI; default the proxy host */
    char trunk_user[SIP_CONFIG_HOST_MAX];
    char trunk_password[SIP_CONFIG_SECRET_MAX + 1]; /* never logged */
    bool password_inline, password_from_file;
    char caller_id[SIP_CONFIG_NUMBER_MAX];      /* number presented when dialling out */
    char dial_in_number[SIP_CONFIG_NUMBER_MAX]; /* shown to people; "" = not shown */
};

void sip_config_defaults(struct sip_config *c);
bool sip_enabled(const struct sip_config *c);
bool sip_dial_out_enabled(const struct sip_config *c);
/* Applies a sip_* key; ERR_INVAL / ERR_PARSE with a message naming the key. */
int sip_config_set(struct sip_config *c, const char *key, const char *value, char *err, size_t cap);
int sip_config_validate(const struct sip_config *c, char *err, size_t cap);

#endif
