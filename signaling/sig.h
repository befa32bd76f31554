/* The signaling layer's context: what the WebSocket sessions, the live
 * meetings and the phone bridge need from the server, and the state they keep
 * between calls. The server (server/app.h) embeds one, fills in the settings,
 * the store, the link key, the media workers, the document store and the two
 * calls back up, and hands it to every signaling entry point. Touched by the
 * signaling thread only. */
#ifndef SAMTALE_SIG_H
#define SAMTALE_SIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "signaling/linkkey.h"
#include "signaling/pinlimit.h"
#include "signaling/sip_config.h"
#include "signaling/turn.h"

#define SIG_ADDR_MAX 64
#define SIG_PUBLIC_ADDRS_MAX 4
#define WS_MESSAGE_MAX (64 * 1024) /* one signaling message */

struct docstore;
struct live_meeting;
struct media;
struct phone_bridge;
struct store;
struct ws_conn;

/* The settings signaling uses; part of the server's settings (server/config.h). */
struct sig_config {
    unsigned max_participants;     /* per meeting; default 8 */
    unsigned max_connections;      /* WebSocket connections; default 1000 */
    unsigned ws_rate_per_sec;      /* per-connection message rate; default 20 */
    unsigned ws_rate_burst;        /* default 40 */
    unsigned resume_seconds;       /* seat kept after a dropped connection; default 60 */
    char media_bind[SIG_ADDR_MAX]; /* media sockets' address; default 127.0.0.1 */
    char media_public_addrs[SIG_PUBLIC_ADDRS_MAX][SIG_ADDR_MAX]; /* announced candidates */
    unsigned media_public_addr_count;
    struct turn_config turn; /* turn_* settings (signaling/turn.h); default off */
    struct sip_config sip;   /* sip_* settings (signaling/sip_config.h); default off */
};

/* WebSocket counters, rendered by the server on /metrics. */
struct sig_counters {
    uint64_t ws_connections;       /* open WebSocket connections (gauge) */
    uint64_t ws_connections_total; /* accepted since start */
    uint64_t ws_messages_received;
    uint64_t ws_messages_sent;
};

/* Calls back up into the server; `server` is struct sig's. */

/* An error message went to a client under its wire code ("bad_json"). */
typedef void sig_error_sent_fn(void *server, const char *code);
/* Sends a SIP message: tp 0 UDP to `to`, 1 TCP on connection conn. */
typedef int sig_sip_send_fn(void *server, int tp, uint64_t conn, const struct sockaddr *to,
                            socklen_t tolen, const uint8_t *buf, size_t len);

struct sig {
    /* Set by the server before the first call. The server opens, loads or
     * starts these and frees them at exit; signaling only uses them. */
    const struct sig_config *cfg;
    struct store *store;
    struct linkkey link_key;       /* invitation tokens are derived from it */
    struct media *media;           /* the media workers */
    struct docstore *docs;         /* documents on meetings' stages, memory only */
    void *server;                  /* passed back to the calls below */
    sig_error_sent_fn *error_sent; /* NULL: not counted */
    sig_sip_send_fn *sip_send;     /* NULL when SIP is off */

    /* Signaling's own state. */
    struct live_meeting *live;  /* meetings with participants, a list */
    struct ws_conn *conns;      /* every open signaling connection, a list */
    struct phone_bridge *phone; /* SIP calls (signaling/phone.c); NULL when SIP is off */
    struct pinlimit pin_limits; /* wrong phone PINs across calls */
    struct sig_counters counters;
    uint64_t next_media_session;
    bool stopping; /* the server is shutting down: no new connections */
};

#endif
