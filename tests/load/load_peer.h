/* One peer connection of a generated participant, the browser's side of
 * it: ICE as the controlling agent towards the server's ICE-lite candidate
 * (Binding requests with USE-CANDIDATE, ICE-CONTROLLING, PRIORITY,
 * MESSAGE-INTEGRITY and FINGERPRINT; consent checks every
 * LG_CONSENT_INTERVAL_US afterwards; the server's own checks answered), then
 * DTLS (media/dtls.h; the client, unless the server answered our actpass
 * with a=setup:active as Janus does) and SRTP both ways (media/srtp.h).
 *
 * Sans-IO: the media thread owns the socket. It feeds received datagrams to
 * lg_peer_input() and calls lg_peer_timer() when lg_peer_deadline() passes;
 * datagrams to send are queued in the peer (lg_peer_take_tx()). */
#ifndef SAMTALE_LOAD_PEER_H
#define SAMTALE_LOAD_PEER_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "media/dtls.h"
#include "media/srtp.h"

#define LG_UFRAG_LEN 8
#define LG_PWD_LEN 24
#define LG_CHECK_INTERVAL_US 50000     /* checks until the first success */
#define LG_CONSENT_INTERVAL_US 5000000 /* consent checks afterwards */
#define LG_ICE_TIMEOUT_US                                                                          \
    30000000           /* no success in this long: failed (a browser waits about as long) */
#define LG_PEER_TXQ 32 /* datagrams waiting to be sent */
#define LG_DGRAM_MAX 1500

enum lg_peer_state {
    LG_PEER_IDLE,     /* waiting for the server's SDP */
    LG_PEER_CHECKING, /* ICE checks sent, no success yet */
    LG_PEER_DTLS,     /* nominated, DTLS handshake running */
    LG_PEER_CONNECTED,
    LG_PEER_FAILED,
};

/* What the server's SDP said about its side. */
struct lg_remote {
    char ufrag[257];
    char pwd[257];
    char fp_alg[16];
    char fp[DTLS_FINGERPRINT_MAX];
    struct sockaddr_in addr; /* its UDP IPv4 candidate */
    bool dtls_server;        /* it answered a=setup:active (Janus): we are the DTLS server */
};

struct lg_dgram {
    uint16_t len;
    uint8_t data[LG_DGRAM_MAX];
};

struct lg_peer {
    enum lg_peer_state state;
    const char *fail_reason; /* static string once FAILED */
    char ufrag[LG_UFRAG_LEN + 1];
    char pwd[LG_PWD_LEN + 1];
    uint64_t tie_breaker;
    struct lg_remote remote;
    struct dtls_cert *cert; /* borrowed, outlives the peer */
    uint8_t tid[12];        /* of the latest check */
    int64_t started_us, next_check_us, connected_us;
    struct dtls *dtls;
    int64_t dtls_deadline;
    struct srtpx *srtp;
    struct lg_dgram tx[LG_PEER_TXQ];
    size_t n_tx;
    uint64_t tx_dropped; /* queue full */
    uint64_t checks_sent, checks_answered, server_checks;
};

/* Fills fresh ICE credentials and a tie-breaker (for our SDP). Returns 0
 * or ERR_CRYPTO. */
int lg_peer_init(struct lg_peer *p);
/* Starts ICE towards `remote` (copied); `cert` is our DTLS certificate
 * (borrowed). Returns 0 or ERR_INVAL. */
int lg_peer_start(struct lg_peer *p, const struct lg_remote *remote, struct dtls_cert *cert,
                  int64_t now_us);
/* Frees DTLS and SRTP state (wipes keys). */
void lg_peer_close(struct lg_peer *p);

enum lg_input_kind {
    LG_IN_NONE, /* consumed (STUN, DTLS) or dropped */
    LG_IN_RTP,  /* an unprotected RTP packet is in buf[0..*len) */
    LG_IN_RTCP, /* an unprotected RTCP compound packet is in buf[0..*len) */
    LG_IN_AUTH_FAIL,
};

/* One received datagram; RTP is unprotected in place. */
enum lg_input_kind lg_peer_input(struct lg_peer *p, int64_t now_us, uint8_t *buf, size_t *len);
/* Runs due checks and DTLS timers. */
void lg_peer_timer(struct lg_peer *p, int64_t now_us);
/* When lg_peer_timer() next has work. */
int64_t lg_peer_deadline(const struct lg_peer *p);
/* Protects the RTP packet buf[0..len) (cap bytes of room) and queues it.
 * Returns 0, ERR_PROTO (not connected), ERR_FULL (queue full) or the SRTP
 * error. */
int lg_peer_send_rtp(struct lg_peer *p, uint8_t *buf, size_t len, size_t cap);

/* The same for an RTCP compound packet. */
int lg_peer_send_rtcp(struct lg_peer *p, uint8_t *buf, size_t len, size_t cap);

const char *lg_peer_state_name(enum lg_peer_state s);

#endif
