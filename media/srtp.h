/* SRTP/SRTCP (RFC 3711, RFC 7714) for one DTLS-SRTP transport: our own
 * transform over OpenSSL EVP (srtp.c, srtp_kdf.c, srtp_rtp.c,
 * srtp_rtcp.c). libsrtp2 is only the test oracle (tests/unit/
 * test_srtp_oracle.c, tests/fuzz/fuzz_srtp.c).
 *
 * One srtpx holds two directions: inbound (the remote key) and outbound
 * (the local key), each with per-SSRC state: the RTP index (ROC estimated
 * as in RFC 3711 appendix A), a replay window of SRTPX_REPLAY_WINDOW
 * packets, and the SRTCP index (outbound: a counter from 1; inbound: a
 * 128-index replay window; an SRTCP packet without the E flag is
 * authenticated but not decrypted, as RFC 3711 allows). At most
 * SRTPX_MAX_SSRCS SSRCs per direction; beyond that new SSRCs are refused
 * with ERR_FULL and the known ones keep their state (nothing is evicted,
 * so no replay window is ever lost). An inbound SSRC is only remembered
 * once a packet from it authenticates. Keys come from dtls_srtp_keys()
 * after DTLS_EVENT_CONNECTED.
 * Profiles: AEAD_AES_128_GCM (preferred; ~2.5x cheaper here) and
 * AES_CM_128_HMAC_SHA1_80.
 *
 * Packets are transformed in place with OpenSSL contexts keyed once per
 * direction: no allocation and no algorithm fetch per packet; tags are
 * compared in constant time. Protecting adds a trailer (tag, and for SRTCP
 * the 4-byte index) of at most SRTPX_MAX_TRAILER bytes; the exact size for
 * the negotiated profile is srtpx_rtp_trailer()/srtpx_rtcp_trailer(). When
 * unprotect fails the buffer's contents are unspecified (GCM decrypts
 * before the tag check); drop the packet.
 *
 * Not thread-safe: an srtpx belongs to the worker owning the transport.
 * Errors are the project's (base/err.h): ERR_DENIED for a packet that
 * fails authentication or the replay check (counted in the stats),
 * ERR_PARSE for a packet too short or malformed, ERR_TOOBIG when the buffer
 * has no room for the trailer, ERR_FULL for a new SSRC beyond
 * SRTPX_MAX_SSRCS, ERR_CRYPTO for OpenSSL failures, ERR_INVAL for bad
 * arguments. */
#ifndef SAMTALE_MEDIA_SRTP_H
#define SAMTALE_MEDIA_SRTP_H

#include <stddef.h>
#include <stdint.h>

#include "media/dtls.h"

/* Replay window of the inbound session (and of the outbound one, which
 * bounds how old a retransmitted packet may be). */
#define SRTPX_REPLAY_WINDOW 1024
/* SSRCs per direction (a subscriber receives at most ROUTER_MAX_CONSUMERS
 * streams, each with its RTX). */
#define SRTPX_MAX_SSRCS 2048
/* Largest trailer protect adds: a 16-byte GCM tag plus the SRTCP index. */
#define SRTPX_MAX_TRAILER 20
#define SRTPX_RTP_HEADER_MIN 12
#define SRTPX_RTCP_HEADER_MIN 8

struct srtpx;

struct srtpx_stats {
    uint64_t rtp_protected;
    uint64_t rtp_unprotected;
    uint64_t rtcp_protected;
    uint64_t rtcp_unprotected;
    uint64_t auth_failures;    /* inbound packets with a bad tag */
    uint64_t replay_failures;  /* inbound packets replayed or older than the window */
    uint64_t parse_failures;   /* packets too short or malformed, either way */
    uint64_t protect_failures; /* outbound packets refused (too old, SSRC table full) */
    uint64_t other_failures;   /* inbound: SSRC table full, OpenSSL failures */
};

/* Fetches the OpenSSL algorithms once per process (thread-safe;
 * srtpx_create calls it too). Returns 0 or ERR_CRYPTO. */
int srtpx_init(void);

/* Makes the inbound and outbound sessions from exported DTLS-SRTP keys.
 * `keys` is only read during the call (wipe it afterwards). Returns 0,
 * ERR_INVAL (unknown profile or wrong key/salt lengths), ERR_NOMEM or
 * ERR_CRYPTO. */
int srtpx_create(struct srtpx **out, const struct dtls_srtp_keys *keys);
/* NULL-safe. */
void srtpx_destroy(struct srtpx *s);

/* Protects the RTP packet buf[0..*len) in place; on success *len grows by
 * srtpx_rtp_trailer(). `cap` is the size of buf: ERR_TOOBIG unless
 * *len + trailer <= cap.
 *
 * Retransmissions are allowed: an index already sent (inside the replay
 * window) is protected again, because the SFU answers NACKs from subscribers without
 * RTX by sending the same packet (same sequence number) again. Only ever
 * re-protect the same bytes under the same sequence number: a different
 * payload under a repeated index reuses the keystream (and for GCM the
 * nonce), which breaks confidentiality and authentication. */
int srtpx_protect_rtp(struct srtpx *s, uint8_t *buf, size_t *len, size_t cap);
/* Verifies and decrypts the SRTP packet buf[0..*len) in place; on success
 * *len shrinks to the RTP packet. */
int srtpx_unprotect_rtp(struct srtpx *s, uint8_t *buf, size_t *len);
int srtpx_protect_rtcp(struct srtpx *s, uint8_t *buf, size_t *len, size_t cap);
int srtpx_unprotect_rtcp(struct srtpx *s, uint8_t *buf, size_t *len);

/* Bytes protect adds for this session's profile (RTP: 10 for AES-CM,
 * 16 for GCM; RTCP: 4 more). */
size_t srtpx_rtp_trailer(const struct srtpx *s);
size_t srtpx_rtcp_trailer(const struct srtpx *s);
enum dtls_srtp_profile srtpx_profile(const struct srtpx *s);
void srtpx_get_stats(const struct srtpx *s, struct srtpx_stats *out);

#endif
