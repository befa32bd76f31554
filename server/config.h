/* Server settings: defaults, the config file (`key = value` lines, `#`
 * comments) and command-line overrides. Every key is documented in
 * README.md ("Settings") and in samtale.conf.example. */
#ifndef SAMTALE_CONFIG_H
#define SAMTALE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/log.h"
#include "signaling/sig.h"

#define CONFIG_PATH_MAX 512
#define CONFIG_ADDR_MAX 64
#define CONFIG_URL_MAX 256
#define CONFIG_PUBLIC_ADDRS_MAX SIG_PUBLIC_ADDRS_MAX
#define CONFIG_LINE_MAX 1024
#define CONFIG_ERR_MAX 256

struct config {
    /* What signaling uses: sessions, meetings, TURN, the phone bridge and the
     * media addresses (signaling/sig.h). */
    struct sig_config sig;
    char listen_addr[CONFIG_ADDR_MAX];   /* "127.0.0.1", "::", "0.0.0.0"; default 127.0.0.1 */
    uint16_t listen_port;                /* default 8443 */
    char data_dir[CONFIG_PATH_MAX];      /* default "data": holds samtale.db */
    char tls_cert[CONFIG_PATH_MAX];      /* PEM chain; default certs/dev/server.pem */
    char tls_key[CONFIG_PATH_MAX];       /* PEM key; default certs/dev/server.key */
    char web_root[CONFIG_PATH_MAX];      /* static files; default "web-client" */
    char link_key_file[CONFIG_PATH_MAX]; /* the link key (signaling/linkkey.h); default
                                            "<data_dir>/link.key" when empty */
    char public_url[CONFIG_URL_MAX];     /* base of invitation links; default https://<listen> */
    uint16_t media_port_min;             /* worker i uses min + i for UDP and TCP; default 40000;
                                            0 = ephemeral ports (tests) */
    uint16_t media_port_max;             /* default 40099 */
    unsigned workers;                    /* media worker threads; 0 = one per core */
    enum log_level log_level;            /* default info */
    unsigned login_attempts_per_min;     /* per client address; default 10 */
    unsigned session_hours;              /* caseworker login lifetime; default 12 */
    unsigned invitation_grace_min;       /* invitation expiry after planned end; default 120 */
    unsigned default_meeting_min;        /* planned length when none is given; default 60 */

    /* Limits on the HTTPS/WSS port (see docs/OPERATIONS.md). */
    unsigned login_threads;            /* password checkers; 0 (default) = half the cores */
    unsigned login_queue;              /* checks waiting beyond those; default 32 */
    unsigned handshake_timeout_s;      /* TLS handshake, then request headers; default 5 */
    unsigned body_timeout_s;           /* one request body; default 10 */
    unsigned max_connections_per_addr; /* per client address (IPv6: /64); default 128 */

    /* Documents shown on the stage, held in memory only (see docs/OPERATIONS.md). */
    unsigned document_max_mb;    /* one document; default 20 */
    unsigned document_memory_mb; /* all documents and uploads together; default 200 */
    unsigned document_timeout_s; /* one upload's body; default 120 */

    /* ICE-TCP admission per media worker (see docs/OPERATIONS.md). */
    unsigned media_tcp_conns;           /* authenticated; default 1024 */
    unsigned media_tcp_unauth;          /* not authenticated yet; default 1024 */
    unsigned media_tcp_unauth_per_addr; /* unauthenticated per address (IPv6: /64); default 16 */
    unsigned media_tcp_auth_per_addr;   /* authenticated per address (IPv6: /64); default 256 */
    unsigned media_tcp_auth_timeout_ms; /* to the first valid ICE check; default 4000 */

    /* The phone bridge (see docs/OPERATIONS.md, "Phone"). */
    char phone_prompts_dir[CONFIG_PATH_MAX]; /* spoken prompts (WAV); default "build/prompts" */
};

/* Fills in the defaults. */
void config_defaults(struct config *c);

/* Applies one `key = value` setting. Returns 0, or ERR_PARSE / ERR_INVAL with
 * a message naming the key in err. */
int config_set(struct config *c, const char *key, const char *value, char err[CONFIG_ERR_MAX]);

/* Reads a config file; unknown keys and bad values are errors, reported with
 * the line number in err. */
int config_load_file(struct config *c, const char *path, char err[CONFIG_ERR_MAX]);

/* Parses "ADDR:PORT", "[v6]:PORT" or ":PORT" into listen_addr/listen_port. */
int config_set_listen(struct config *c, const char *addr_port, char err[CONFIG_ERR_MAX]);

/* Whether the phone bridge is on (sip_listen is set): it then needs its
 * spoken prompts at start-up. */
bool config_phone_enabled(const struct config *c);

/* Checks cross-field consistency after everything is applied. */
int config_validate(const struct config *c, char err[CONFIG_ERR_MAX]);

#endif
