/* DTLS 1.2 for DTLS-SRTP (RFC 5764, RFC 8827) over OpenSSL 3 memory BIOs.
 *
 * Sans-IO: the caller feeds received DTLS datagrams with dtls_input(), calls
 * dtls_timeout() when the deadline passes, and takes datagrams to send,
 * events and deadlines with dtls_poll(). Nothing here opens a socket.
 *
 * One impurity, documented: OpenSSL runs its DTLS retransmission timer on
 * the real clock (gettimeofday) internally. dtls_timeout() converts
 * OpenSSL's remaining time into an absolute deadline on the caller's clock
 * and asks OpenSSL to retransmit once that deadline has passed; OpenSSL
 * then checks its own clock as well. Both clocks advance at the same rate,
 * so this only matters to tests that run a fake clock (test_dtls.c drives
 * OpenSSL's clock too, by interposing gettimeofday).
 *
 * Server start:
 *   dtls_cert_create(&cert);                  ECDSA P-256, self-signed
 *   dtls_cert_fingerprint(cert, fp);          for a=fingerprint:sha-256 fp
 * Per peer connection, after ICE has selected a pair:
 *   dtls_create(&d, cert, role, "sha-256", remote_fp_from_sdp);
 *   dtls_start(d, now);                       a client sends its ClientHello
 *   loop: dtls_input() / dtls_timeout(), then dtls_poll() until false:
 *     DTLS_OUT_TRANSMIT  send out.data/out.len to the selected pair
 *     DTLS_OUT_EVENT     CONNECTED: dtls_srtp_keys() -> srtpx_create()
 *                        FAILED (out.reason) or CLOSED: tear down
 *     DTLS_OUT_DEADLINE  call dtls_timeout() at out.deadline_us
 *
 * The peer certificate is authenticated only by its fingerprint from the
 * SDP (any self-signed certificate is accepted otherwise). A mismatch fails
 * the handshake (the peer gets a bad_certificate alert); no keys are
 * exported.
 *
 * Error codes are the project's (base/err.h). */
#ifndef SAMTALE_MEDIA_DTLS_H
#define SAMTALE_MEDIA_DTLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- named limits ---- */

/* "XX:XX:..." for the longest digest accepted (SHA-512, 64 bytes) plus NUL. */
#define DTLS_FINGERPRINT_MAX 192
/* Largest datagram we send (UDP payload): OpenSSL fragments handshake
 * messages to fit, and records are packed into datagrams up to this size. */
#define DTLS_MTU 1200
/* Largest datagram accepted by dtls_input(). */
#define DTLS_DATAGRAM_MAX 4096
/* DTLS record header: type, version, epoch, sequence number, length. */
#define DTLS_RECORD_HEADER_LEN 13
/* Outgoing queue: datagrams waiting for dtls_poll(), and their bytes. When
 * either is full, further datagrams are dropped (and counted); DTLS
 * retransmits handshake flights, so a drop costs time, not correctness. */
#define DTLS_TX_QUEUE_MAX 32
#define DTLS_TX_BUF_BYTES 8192
/* Retransmission timer (RFC 6347 §4.2.4.1): 1 s, doubled per timeout up to
 * 60 s. A handshake that has not completed DTLS_HANDSHAKE_TIMEOUT_US after
 * dtls_start() (or the first datagram) fails with "handshake timed out". */
#define DTLS_RTO_INITIAL_US 1000000u
#define DTLS_RTO_MAX_US 60000000u
#define DTLS_HANDSHAKE_TIMEOUT_US 30000000
/* No deadline. */
#define DTLS_NO_DEADLINE INT64_MAX

/* Largest SRTP master key and salt of the profiles we offer. */
#define DTLS_SRTP_KEY_MAX 16
#define DTLS_SRTP_SALT_MAX 14

/* The SRTP profiles we offer/accept, preferred first (server preference
 * decides when we are the DTLS server). */
#define DTLS_SRTP_PROFILES_DEFAULT "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80"

/* ---- certificate (one per process, shared by every connection) ---- */

struct dtls_cert;

/* Makes an ECDSA P-256 key and a self-signed X.509 certificate (random
 * serial, CN "samtale", valid from now - 1 day for 30 days; reads the wall
 * clock) and the SSL_CTX every connection is made from. The server should
 * make a new one before 30 days have passed; connections made from the old
 * one keep working after dtls_cert_destroy() (each holds its own reference
 * to the OpenSSL context). Returns 0, ERR_NOMEM or ERR_CRYPTO. */
int dtls_cert_create(struct dtls_cert **out);
/* NULL-safe. */
void dtls_cert_destroy(struct dtls_cert *cert);

/* The SHA-256 fingerprint, "AB:CD:...:EF" (uppercase hex, 95 characters),
 * for "a=fingerprint:sha-256 <fp>". Returns 0 or ERR_INVAL. */
int dtls_cert_fingerprint(const struct dtls_cert *cert, char out[DTLS_FINGERPRINT_MAX]);

/* Replaces the offered SRTP profile list (OpenSSL syntax, e.g.
 * "SRTP_AES128_CM_SHA1_80"), for tests and configuration. Affects
 * connections created afterwards; not thread-safe against dtls_create() on
 * another thread (set it before the workers start). Returns 0 or ERR_INVAL
 * (unknown profile, or a list longer than 127 characters). */
int dtls_cert_set_profiles(struct dtls_cert *cert, const char *profiles);

/* ---- one DTLS association ---- */

enum dtls_role {
    DTLS_ROLE_SERVER, /* passive: we answer with a=setup:passive (our default) */
    DTLS_ROLE_CLIENT, /* active: a=setup:active, we send the ClientHello */
};

enum dtls_state {
    DTLS_STATE_NEW,         /* created, not started */
    DTLS_STATE_HANDSHAKING, /* started or first datagram seen */
    DTLS_STATE_CONNECTED,   /* handshake done, fingerprint checked, keys exported */
    DTLS_STATE_CLOSED,      /* close_notify received or dtls_close() called */
    DTLS_STATE_FAILED,      /* handshake or fingerprint check failed, fatal alert */
};

/* SRTP protection profiles, by their IANA DTLS-SRTP identifier. */
enum dtls_srtp_profile {
    DTLS_SRTP_NONE = 0,
    DTLS_SRTP_AES128_CM_SHA1_80 = 0x0001,
    DTLS_SRTP_AEAD_AES_128_GCM = 0x0007,
};

/* Keying material exported per RFC 5764 §4.2, already split by our role:
 * "local" protects what we send, "remote" what we receive. Wipe copies
 * with dtls_srtp_keys_wipe() when done. */
struct dtls_srtp_keys {
    enum dtls_srtp_profile profile;
    size_t key_len;  /* 16 */
    size_t salt_len; /* 14 (AES-CM) or 12 (AEAD-GCM) */
    uint8_t local_key[DTLS_SRTP_KEY_MAX];
    uint8_t local_salt[DTLS_SRTP_SALT_MAX];
    uint8_t remote_key[DTLS_SRTP_KEY_MAX];
    uint8_t remote_salt[DTLS_SRTP_SALT_MAX];
};

struct dtls_stats {
    uint64_t datagrams_in;      /* given to dtls_input() */
    uint64_t datagrams_out;     /* taken with dtls_poll() */
    uint64_t records_dropped;   /* received records discarded (RFC 6347 §4.1.2.7):
                                   truncated, unknown type or version, an epoch
                                   not readable now (plaintext after the
                                   handshake), too short for the AEAD, whole
                                   datagrams after close/failure or oversized;
                                   and once connected also those OpenSSL
                                   discarded: failed authentication, replayed,
                                   or empty. */
    uint64_t tx_dropped;        /* outgoing datagrams lost to a full queue */
    uint64_t retransmits;       /* flights retransmitted on timeout */
    uint64_t app_data_bytes;    /* application data received and discarded */
    uint64_t handshakes_ok;     /* 0 or 1 per association */
    uint64_t handshakes_failed; /* 0 or 1 per association */
};

struct dtls;

/* Makes an association with the peer whose certificate fingerprint the SDP
 * gave as "a=fingerprint:<remote_fp_alg> <remote_fp>". remote_fp_alg is
 * "sha-1", "sha-224", "sha-256", "sha-384" or "sha-512" (any case);
 * remote_fp is colon-separated hex of the digest's length (any case).
 * `cert` is borrowed only during the call. Returns 0, ERR_INVAL,
 * ERR_PARSE (bad algorithm or fingerprint), ERR_NOMEM or ERR_CRYPTO. */
int dtls_create(struct dtls **out, struct dtls_cert *cert, enum dtls_role role,
                const char *remote_fp_alg, const char *remote_fp);
/* NULL-safe. Wipes the exported keys. */
void dtls_destroy(struct dtls *d);

/* Starts the handshake: a client queues its ClientHello; both roles arm
 * the handshake timeout. Idempotent. Returns 0, ERR_INVAL or ERR_PROTO
 * (closed or failed). */
int dtls_start(struct dtls *d, int64_t now_us);

/* True if a datagram is DTLS by RFC 7983 demultiplexing: first byte
 * 20..63 and at least one record header long. */
bool dtls_is_dtls(const uint8_t *buf, size_t len);

/* Feeds one received datagram (one or more records). Records the
 * association cannot read are dropped and counted (records_dropped), the
 * others in the datagram are kept: nothing received ends an established
 * association but the peer's own authenticated close_notify or fatal alert.
 * Drives the handshake (starting it if needed), reads and discards
 * application data, handles close_notify. Never blocks.
 * Returns 0 when the datagram was processed (the outcome comes from
 * dtls_poll()), ERR_PARSE (not DTLS, or no whole valid record),
 * ERR_TOOBIG (over DTLS_DATAGRAM_MAX), ERR_PROTO (closed or failed),
 * ERR_INVAL or ERR_NOMEM. Errors are informational: drop the datagram. */
int dtls_input(struct dtls *d, int64_t now_us, const uint8_t *buf, size_t len);

/* Retransmits the last flight and/or fails the handshake when their
 * deadlines have passed; harmless to call early. Returns 0 or ERR_INVAL. */
int dtls_timeout(struct dtls *d, int64_t now_us);

/* When dtls_timeout() next has work, on the caller's clock, or
 * DTLS_NO_DEADLINE. */
int64_t dtls_next_deadline(const struct dtls *d);

/* Sends close_notify (if connected) and moves to DTLS_STATE_CLOSED; no
 * event is queued for a close we asked for. Returns 0 or ERR_INVAL. */
int dtls_close(struct dtls *d);

enum dtls_out_kind {
    DTLS_OUT_TRANSMIT, /* data/len: one datagram to send */
    DTLS_OUT_EVENT,    /* event (and reason for FAILED) */
    DTLS_OUT_DEADLINE, /* deadline_us changed (DTLS_NO_DEADLINE: none) */
};

enum dtls_event {
    DTLS_EVENT_CONNECTED, /* keys available with dtls_srtp_keys() */
    DTLS_EVENT_FAILED,    /* reason: a static English string */
    DTLS_EVENT_CLOSED,    /* the peer sent close_notify */
};

struct dtls_output {
    enum dtls_out_kind kind;
    /* TRANSMIT: a view into `d`, valid until the next call of any dtls_
     * function on the same association. */
    const uint8_t *data;
    size_t len;
    enum dtls_event event;
    const char *reason; /* FAILED: e.g. "fingerprint mismatch"; else NULL */
    int64_t deadline_us;
};

/* Takes the next output: queued datagrams first, then events, then a
 * changed deadline. Returns false when there is nothing. */
bool dtls_poll(struct dtls *d, struct dtls_output *out);

/* Copies the exported SRTP keys (still available after an orderly close).
 * Returns 0, ERR_INVAL or ERR_PROTO (none: the handshake has not completed,
 * or the association failed). */
int dtls_srtp_keys(const struct dtls *d, struct dtls_srtp_keys *out);
/* Wipes a copy of keys (OPENSSL_cleanse). NULL-safe. */
void dtls_srtp_keys_wipe(struct dtls_srtp_keys *keys);

enum dtls_state dtls_get_state(const struct dtls *d);
enum dtls_role dtls_get_role(const struct dtls *d);
void dtls_get_stats(const struct dtls *d, struct dtls_stats *out);

const char *dtls_state_name(enum dtls_state s);
const char *dtls_event_name(enum dtls_event e);
/* "AEAD_AES_128_GCM", "AES_CM_128_HMAC_SHA1_80" or "none". */
const char *dtls_srtp_profile_name(enum dtls_srtp_profile p);

#endif
