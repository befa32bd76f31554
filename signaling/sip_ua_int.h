/* The user agent's state, shared by sip_ua.c (input and incoming calls),
 * sip_ua_call.c (the caller's API and dial-out), sip_ua_send.c (the
 * messages we build) and sip_txn.c (transactions and timers). */
#ifndef SAMTALE_SIGNALING_SIP_UA_INT_H
#define SAMTALE_SIGNALING_SIP_UA_INT_H

#include "base/cidr.h"
#include "signaling/sip_msg.h"
#include "signaling/sip_ua.h"

#define SIP_T1_US 500000LL
#define SIP_T2_US 4000000LL
#define SIP_T4_US 5000000LL
#define SIP_NEVER INT64_MAX

#define SIP_CALL_MAX_HDR 512     /* a stored From/To value */
#define SIP_CALL_MAX_URI 256     /* remote target, Request-URI */
#define SIP_CALL_MAX_ROUTES 1024 /* "Route: ..." lines of a dialog's route set */
#define SIP_CALL_MAX_CALLID 256
#define SIP_TAG_LEN 16 /* random bytes of our tags, branches and Call-IDs (hex doubles) */

#define SIP_ALLOW_METHODS "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO"
#define SIP_ACCEPT_TYPES "application/sdp, application/dtmf-relay, application/dtmf"

enum txn_state {
    TXN_FREE,
    TXN_TRYING,     /* client: request sent, nothing back */
    TXN_PROCEEDING, /* a provisional response */
    TXN_COMPLETED,  /* a final non-2xx (INVITE) or any final (non-INVITE) */
    TXN_CONFIRMED,  /* server INVITE: the ACK for our non-2xx came */
    TXN_ACCEPTED,   /* INVITE with a 2xx (RFC 6026): absorbs retransmissions */
};

struct sip_txn {
    enum txn_state state;
    bool server, invite;
    char method[16];
    char branch[SIP_MSG_MAX_TOKEN + 1];
    char sent_by[SIP_MSG_MAX_TOKEN + 1]; /* server: top Via host:port */
    uint64_t call;                       /* owning call, 0 none */
    char *msg;                           /* server: last response; client: the request */
    size_t len;
    char *head; /* server: the Via..CSeq lines of our responses */
    size_t head_len;
    struct sockaddr_storage addr; /* where msg goes */
    socklen_t addr_len;
    enum sip_transport tp;
    uint64_t conn;
    int64_t retx_at, retx_int, timeout_at;
    unsigned status; /* server: last status sent; client: last status received */
    uint32_t cseq;
};

enum call_state {
    CALL_IN_OFFERED,  /* INVITE in, 100 sent, waiting for the caller's answer */
    CALL_IN_ACCEPTED, /* 200 sent, waiting for the ACK */
    CALL_CONFIRMED,   /* dialog up */
    CALL_OUT_CALLING, /* our INVITE sent, no provisional */
    CALL_OUT_EARLY,   /* a provisional came */
    CALL_BYE_SENT,    /* our BYE is out */
    CALL_CANCELLING,  /* our CANCEL is out */
};

struct sip_call {
    bool used;
    uint64_t id;
    bool outgoing;
    enum call_state state;
    char call_id[SIP_CALL_MAX_CALLID];
    char local_tag[2 * SIP_TAG_LEN + 1];
    char remote_tag[SIP_MSG_MAX_TOKEN + 1];
    char local_hdr[SIP_CALL_MAX_HDR];  /* our From/To value, with our tag */
    char remote_hdr[SIP_CALL_MAX_HDR]; /* theirs, with their tag once known */
    char target[SIP_CALL_MAX_URI];     /* Request-URI of in-dialog requests */
    char routes[SIP_CALL_MAX_ROUTES];  /* "Route: <...>\r\n" lines */
    uint32_t local_cseq, remote_cseq, invite_cseq;
    struct sockaddr_storage peer; /* where in-dialog requests go */
    socklen_t peer_len;
    enum sip_transport tp;
    uint64_t conn;
    int inv;   /* the INVITE transaction in progress (index), -1 none */
    char *sdp; /* ours: the answer (incoming) or offer (outgoing) */
    size_t sdp_len;
    uint64_t sdp_version;
    char *ack; /* outgoing: the ACK of the 2xx, for retransmitted 2xx */
    size_t ack_len;
    bool auth_done;     /* credentials were sent once */
    bool cancel_wanted; /* hangup before any provisional: CANCEL on the first */
    bool bye_wanted;    /* hangup before the ACK: BYE once it comes */
    char invite_branch[2 * SIP_TAG_LEN + 8];
};

struct sip_ua {
    char host[SIP_CALL_MAX_URI]; /* as written in Via and Contact (IPv6 in brackets) */
    uint16_t port;
    uint16_t tls_port; /* in Via and Contact on TLS connections (0: port) */
    char user_agent[128];
    struct cidr allow[SIP_UA_MAX_ALLOW];
    size_t n_allow;
    unsigned max_calls;
    struct sockaddr_storage trunk_addr;
    socklen_t trunk_addr_len;
    enum sip_transport trunk_tp;
    char trunk_domain[SIP_CALL_MAX_URI];
    char username[128];
    char *password; /* wiped on destroy */

    struct sip_call *calls; /* max_calls */
    size_t n_calls;
    uint64_t next_call_id;
    struct sip_txn *txns; /* SIP_UA_MAX_TXNS */
    size_t n_txns;

    struct sip_ua_action *actions; /* ring of SIP_UA_MAX_ACTIONS */
    size_t act_head, act_len;
    uint8_t *polled; /* bytes of the SEND last polled */
    struct sip_ua_stats stats;
    char out[SIP_MSG_OUT_MAX]; /* scratch for building one message */
};

/* One incoming message being handled. */
struct ua_in {
    int64_t now;
    osip_message_t *m;
    const struct sockaddr *from;
    socklen_t fromlen;
    enum sip_transport tp;
    uint64_t conn;
    const char *branch;
    char sent_by[SIP_MSG_MAX_TOKEN + 1];
    uint32_t cseq;
};

/* ---- sip_ua_in.c ---- */
/* An incoming request from an allowed address. */
void ua_request(struct sip_ua *ua, struct ua_in *in);

/* ---- sip_ua.c ---- */
struct sip_call *ua_call_find(struct sip_ua *ua, uint64_t id);
struct sip_call *ua_call_new(struct sip_ua *ua);
/* Emits SIP_ACT_CALL_ENDED and frees the call. */
void ua_call_end(struct sip_ua *ua, struct sip_call *c, enum sip_end_reason r, unsigned status);
/* Frees the call without an event (the caller never heard of it). */
void ua_call_drop(struct sip_ua *ua, struct sip_call *c);
/* A free action slot to fill (kind and call set), or NULL when full. */
struct sip_ua_action *ua_event(struct sip_ua *ua, enum sip_act_kind kind, uint64_t call);
/* Queues a copy of bytes to send. */
void ua_send(struct sip_ua *ua, uint64_t call, const char *bytes, size_t len,
             const struct sockaddr_storage *to, socklen_t tolen, enum sip_transport tp,
             uint64_t conn);

/* ---- sip_ua_send.c ---- */
/* A response from a server transaction's stored head: status line, head,
 * Contact (when contact), extra lines, Server, body. Sent and stored as
 * the transaction's last response. */
int ua_respond(struct sip_ua *ua, struct sip_txn *t, int64_t now_us, unsigned status, bool contact,
               const char *extra, const char *ctype, const char *body, size_t body_len);
/* A response without a transaction (403 to strangers, 503 when full, 481...). */
void ua_respond_stateless(struct sip_ua *ua, osip_message_t *req, const struct sockaddr *from,
                          socklen_t fromlen, enum sip_transport tp, uint64_t conn, unsigned status,
                          const char *extra);
/* An in-dialog request of c (BYE, ACK of a 2xx) into ua->out; *len set.
 * branch (with its z9hG4bK) NULL makes a new one. */
int ua_build_dialog_request(struct sip_ua *ua, struct sip_call *c, const char *method,
                            uint32_t cseq, const char *branch, size_t *len);
/* A new RFC 3261 branch (z9hG4bK and random hex). */
void ua_new_branch(char out[2 * SIP_TAG_LEN + 8]);
/* Our Contact header line. */
void ua_put_contact(struct sip_ua *ua, struct sip_wr *w, enum sip_transport tp);
/* Our SDP again for a re-INVITE: direction dir, origin version bumped. */
int ua_sdp_again(struct sip_call *c, enum sip_sdp_dir dir, char *out, size_t cap, size_t *len);

/* ---- sip_ua_call.c ---- */
void ua_client_response(struct sip_ua *ua, struct sip_txn *t, osip_message_t *resp, int64_t now_us);
void ua_client_timeout(struct sip_ua *ua, struct sip_txn *t, int64_t now_us);
/* A 2xx of an INVITE whose transaction is gone: send the ACK again. */
void ua_stray_2xx(struct sip_ua *ua, osip_message_t *resp);
/* Sends BYE on c (client transaction), state CALL_BYE_SENT. */
int ua_send_bye(struct sip_ua *ua, struct sip_call *c, int64_t now_us);

/* ---- sip_txn.c ---- */
struct sip_txn *txn_new(struct sip_ua *ua, bool server, bool invite, const char *method,
                        const char *branch);
void txn_free(struct sip_ua *ua, struct sip_txn *t);
int txn_index(const struct sip_ua *ua, const struct sip_txn *t);
struct sip_txn *txn_at(struct sip_ua *ua, int idx);
struct sip_txn *txn_find_server(struct sip_ua *ua, const char *branch, const char *sent_by,
                                const char *method);
struct sip_txn *txn_find_client(struct sip_ua *ua, const char *branch, const char *method);
/* Stores msg as the transaction's message and sends it, starting the
 * retransmission timer where the state and transport call for it. */
void txn_send(struct sip_ua *ua, struct sip_txn *t, int64_t now_us, const char *msg, size_t len);
/* Sends the stored message again (a retransmitted request came). */
void txn_resend(struct sip_ua *ua, struct sip_txn *t);
/* Moves t to state and sets its timers (RFC 3261 17). */
void txn_enter(struct sip_txn *t, enum txn_state state, int64_t now_us);
int64_t txn_deadline(const struct sip_ua *ua);
void txn_timeout(struct sip_ua *ua, int64_t now_us);

/* Our port in Via and Contact for a transport. */
static inline unsigned ua_port(const struct sip_ua *ua, enum sip_transport tp)
{
    return tp == SIP_TP_TLS && ua->tls_port ? ua->tls_port : ua->port;
}

#endif
