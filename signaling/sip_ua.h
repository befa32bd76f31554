/* A sans-IO SIP user agent (RFC 3261) for the phone bridge: incoming calls
 * from the SIP trunks of an allowlist and calls out through one trunk
 * proxy. The UA touches no sockets or clocks: the caller feeds datagrams
 * and TCP messages (sip_stream) with sip_ua_input, calls sip_ua_timeout at
 * sip_ua_next_deadline, and after each call drains sip_ua_poll, which
 * yields messages to send and call events in order.
 *
 * Messages are parsed with libosip2 (sip_global_init() first, once per
 * process, before any thread uses the UA; libosip2's parser_init() is not
 * thread-safe). Transactions (RFC 3261 section 17, timers A..K with
 * T1 500 ms, T2 4 s, T4 5 s; no retransmission on TCP) and dialogs are our
 * own (sip_txn.c, sip_ua*.c).
 *
 * Requests from an address outside the allowlist: an INVITE is answered
 * 403; everything else is dropped without an answer (counted). An empty
 * allowlist admits nobody.
 *
 * In-dialog requests (BYE, re-INVITE answers, ACK) are sent to the address
 * the dialog's INVITE came from (incoming) or to the trunk proxy (outgoing),
 * over the same transport: the UA resolves no names. */
#ifndef SAMTALE_SIGNALING_SIP_UA_H
#define SAMTALE_SIGNALING_SIP_UA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "signaling/sip_sdp.h"

/* ---- named limits ---- */
#define SIP_UDP_MAX_MSG 8192        /* datagram; larger ones are dropped */
#define SIP_TCP_MAX_MSG (16 * 1024) /* one message on a stream */
#define SIP_UA_MAX_HEADERS 64       /* header fields of a message (more: 400) */
#define SIP_UA_MAX_VIAS 16          /* Via entries (more: 400) */
#define SIP_UA_MAX_ALLOW 32         /* allowlist entries */
#define SIP_UA_MAX_CALLS_LIMIT 256  /* upper bound of cfg.max_calls */
#define SIP_UA_MAX_TXNS 512         /* open transactions (more: 503) */
#define SIP_UA_MAX_ACTIONS 256      /* queued actions not yet polled */
#define SIP_UA_MAX_NAME 64          /* caller/callee strings, with NUL */

enum sip_transport { SIP_TP_UDP, SIP_TP_TCP, SIP_TP_TLS };

/* TCP and TLS: no retransmissions, messages up to SIP_TCP_MAX_MSG. */
static inline bool sip_tp_reliable(enum sip_transport tp)
{
    return tp != SIP_TP_UDP;
}

/* "UDP", "TCP" or "TLS", as in Via. */
static inline const char *sip_tp_name(enum sip_transport tp)
{
    return tp == SIP_TP_TLS ? "TLS" : tp == SIP_TP_TCP ? "TCP" : "UDP";
}

struct sip_ua_cfg {
    const char *local_host; /* host or address in Via and Contact */
    uint16_t local_port;
    uint16_t local_tls_port;  /* SIP over TLS, in Via and Contact there; 0: none */
    const char *user_agent;   /* User-Agent/Server header; NULL: none */
    const char *const *allow; /* CIDR strings of the trunks that may call in */
    size_t n_allow;
    unsigned max_calls; /* calls in and out together; 1..SIP_UA_MAX_CALLS_LIMIT */

    /* Dial-out; trunk_addr_len 0 disables sip_ua_call. */
    struct sockaddr_storage trunk_addr; /* the proxy's resolved address */
    socklen_t trunk_addr_len;
    enum sip_transport trunk_tp; /* on TCP, SEND actions carry conn 0: the
                                    caller opens or reuses a connection */
    const char *trunk_domain;    /* host part of the Request-URI and From */
    const char *username;        /* From user and digest user name; NULL: "samtale" */
    const char *password;        /* digest password; NULL: challenges fail the call */
};

enum sip_act_kind {
    SIP_ACT_SEND,           /* bytes to send */
    SIP_ACT_CALL_INCOMING,  /* 100 Trying sent; answer with sip_ua_answer/reject */
    SIP_ACT_CALL_CONFIRMED, /* the ACK for our 2xx came */
    SIP_ACT_CALL_PROGRESS,  /* dial-out: 180 or 183 (status) */
    SIP_ACT_CALL_ANSWERED,  /* dial-out: 2xx, ACK sent; sdp is the answer */
    SIP_ACT_CALL_UPDATE,    /* re-INVITE with a new sdp; the UA answered it */
    SIP_ACT_CALL_DTMF,      /* SIP INFO digit */
    SIP_ACT_CALL_ENDED,     /* the call is gone; its id is no longer valid */
};

enum sip_end_reason {
    SIP_END_BYE,     /* the peer hung up */
    SIP_END_CANCEL,  /* the caller cancelled before an answer */
    SIP_END_TIMEOUT, /* no ACK for our 2xx, or no answer to our request */
    SIP_END_FAILURE, /* dial-out refused (status) or a transport/limit error */
    SIP_END_LOCAL,   /* our hangup or reject is done */
};

struct sip_ua_action {
    enum sip_act_kind kind;
    uint64_t call; /* 0 for a SEND outside any call */

    /* SIP_ACT_SEND: bytes owned by the UA until the next sip_ua_poll. */
    const uint8_t *bytes;
    size_t len;
    struct sockaddr_storage addr; /* SEND: destination; INCOMING: source */
    socklen_t addr_len;
    enum sip_transport tp;
    uint64_t conn; /* TCP connection to send on; 0 for UDP */

    /* SIP_ACT_CALL_INCOMING */
    char caller[SIP_UA_MAX_NAME];         /* user of P-Asserted-Identity, else From */
    char caller_display[SIP_UA_MAX_NAME]; /* display name, may be empty */
    char callee[SIP_UA_MAX_NAME];         /* user of the Request-URI (the number dialled) */

    /* INCOMING, ANSWERED, UPDATE */
    struct sip_sdp sdp;

    char digit;                 /* SIP_ACT_CALL_DTMF: 0-9 * # A-D */
    unsigned status;            /* PROGRESS: 180/183; ENDED: the final status (FAILURE) */
    enum sip_end_reason reason; /* ENDED */
};

struct sip_ua_stats {
    uint64_t msgs_in;        /* messages handed to sip_ua_input */
    uint64_t dropped;        /* unparseable, too big, unmatched responses */
    uint64_t denied_dropped; /* non-INVITE requests from outside the allowlist */
    uint64_t sent_400;       /* malformed but answerable requests */
    uint64_t sent_403;       /* INVITEs from outside the allowlist */
    uint64_t sent_503;       /* call or transaction limit reached */
    uint64_t calls_in;       /* INVITEs that became calls */
    uint64_t calls_in_answered;
    uint64_t calls_in_rejected; /* by sip_ua_reject or 488 */
    uint64_t calls_in_cancelled;
    uint64_t calls_out;
    uint64_t calls_out_answered;
    uint64_t calls_out_failed;
    uint64_t actions_dropped; /* action queue full (poll more often) */
    uint64_t send_refused;    /* a message we built did not parse again: not sent */
};

struct sip_ua;

/* Once per process before any UA is created. Not thread-safe. */
void sip_global_init(void);

/* ERR_INVAL for a bad configuration (missing host, a bad CIDR, max_calls). */
int sip_ua_create(struct sip_ua **out, const struct sip_ua_cfg *cfg);
void sip_ua_destroy(struct sip_ua *ua);

/* One datagram (UDP) or one whole message from sip_stream (TCP). */
void sip_ua_input(struct sip_ua *ua, int64_t now_us, const uint8_t *buf, size_t len,
                  const struct sockaddr *from, socklen_t fromlen, enum sip_transport tp,
                  uint64_t conn);

/* The earliest timer, or INT64_MAX when none runs. */
int64_t sip_ua_next_deadline(const struct sip_ua *ua);
void sip_ua_timeout(struct sip_ua *ua, int64_t now_us);

/* The next action; false when none is queued. */
bool sip_ua_poll(struct sip_ua *ua, struct sip_ua_action *out);

/* Incoming call: 180 Ringing (optional). */
int sip_ua_ringing(struct sip_ua *ua, uint64_t call, int64_t now_us);
/* Incoming call: 200 OK with sdp, retransmitted until the ACK (timers G/H).
 * The same sdp answers later re-INVITEs (direction mirrored). */
int sip_ua_answer(struct sip_ua *ua, uint64_t call, int64_t now_us, const char *sdp, size_t len);
/* Incoming call: a final failure status 300..699 (403, 480, 486, 488, 503...). */
int sip_ua_reject(struct sip_ua *ua, uint64_t call, int64_t now_us, unsigned status);
/* BYE when confirmed, CANCEL while our INVITE has no final answer, 480
 * for an incoming call not answered yet. SIP_ACT_CALL_ENDED follows. */
int sip_ua_hangup(struct sip_ua *ua, uint64_t call, int64_t now_us);
/* Dial-out through the trunk proxy to number (digits, optional leading +).
 * A 401/407 is answered once with credentials. ERR_FULL at max_calls,
 * ERR_INVAL for a bad number, ERR_PROTO when no trunk is configured. */
int sip_ua_call(struct sip_ua *ua, int64_t now_us, const char *number, const char *display_name,
                const char *sdp, size_t len, uint64_t *call_out);

size_t sip_ua_call_count(const struct sip_ua *ua);
void sip_ua_get_stats(const struct sip_ua *ua, struct sip_ua_stats *out);

const char *sip_end_reason_name(enum sip_end_reason r);

#endif
