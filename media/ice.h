/* ICE-lite agent (RFC 8445 §2.5) for one BUNDLEd, rtcp-mux transport: one
 * component, the browser being the full, controlling agent.
 *
 * A lite agent never sends connectivity checks. It answers the browser's
 * Binding requests (authenticated with the local ufrag/password from our
 * SDP), learns the 5-tuples that passed a check, follows the browser's
 * nominations (USE-CANDIDATE) and watches consent freshness (RFC 7675): the
 * browser keeps sending checks on the pair it uses, and when no pair gets
 * checks any more the transport has failed.
 *
 * Sans-IO: the caller (a media worker) feeds received STUN with
 * ice_input(), time with ice_timeout(), and takes what to send and what
 * happened with ice_poll(). No sockets, no clock, no allocation after
 * ice_create(), no logging (counters in ice_stats() instead).
 *
 * Rules this agent implements:
 *
 *  - Checks (RFC 8445 §7.3, RFC 8489 §9.1.3): a Binding request must carry
 *    FINGERPRINT (else it is dropped silently, ERR_PARSE: not ICE). Then,
 *    answered with an error response:
 *      400  USERNAME or MESSAGE-INTEGRITY missing            -> ERR_PARSE
 *      401  USERNAME not "<local ufrag>:<remote ufrag>" (the
 *           remote part checked once known), or
 *           MESSAGE-INTEGRITY not made with the local password -> ERR_DENIED
 *      420  unknown comprehension-required attributes
 *           (after authentication, RFC 8489 §6.3.1)           -> ERR_PROTO
 *      487  ICE-CONTROLLED: the peer claims our role. A lite
 *           agent is always controlled (RFC 8445 §6.1.1) and
 *           cannot switch, so it always "wins" the §7.3.1.1
 *           tie-break and keeps its role                     -> ERR_PROTO
 *    400 and 401 carry no MESSAGE-INTEGRITY; 420, 487 and successes carry
 *    one made with the local password. All end with FINGERPRINT. A request
 *    with neither ICE-CONTROLLING nor ICE-CONTROLLED is accepted (§7.3.1.1:
 *    a conflict cannot be detected). Indications, responses and methods
 *    other than Binding are ignored (ERR_PROTO, nothing sent): consent
 *    checks are requests (RFC 7675) and a lite agent sends no requests, so
 *    it expects no responses.
 *
 *  - Pairs: a valid check makes (source address, UDP/TCP) a valid pair,
 *    at most ICE_MAX_PAIRS of them (the least recently checked one that is
 *    not selected is evicted). Only valid pairs are ice_is_valid_source():
 *    the worker drops DTLS/SRTP from anything else. A pair without a valid
 *    check for the consent timeout is forgotten, the selected one included.
 *    Each pair remembers its last valid check, whether it was nominated (a
 *    valid check with USE-CANDIDATE since it was learnt or since the last
 *    restart) and the PRIORITY of its last check that carried one (0
 *    before). A pair is *live* while its last valid check is younger than
 *    the disconnect timeout (or the consent timeout, if shorter).
 *
 *  - Selection (RFC 8445 §8.1.1: of several nominated pairs the one with
 *    the highest priority is used). A browser may nominate more than one
 *    pair: Firefox nominates its UDP pair and, some 30 ms later, its
 *    lower-priority TCP pair, then sends consent checks on the UDP pair
 *    only. The agent does not know the browser's pair priorities; the
 *    PRIORITY attribute (the browser's candidate priority, RFC 8445
 *    §7.1.1) orders pairs the same way here, since our own candidates
 *    rank alike (UDP above TCP). After every valid check and timeout:
 *      1. The live nominated pair with the highest PRIORITY is selected
 *         (equal PRIORITY: the latest nomination). This is how the browser
 *         moves a call from Wi-Fi to mobile data or from UDP to TCP; a
 *         lower-priority nomination takes over once the higher one has not
 *         been checked for the live time.
 *      2. Without a live nominated pair, a live selection stays; with
 *         nothing selected, the most recently checked pair is selected
 *         provisionally, without nomination, so that the browser's DTLS
 *         ClientHello (which may come before its nomination) is answered.
 *      3. A selected pair that is no longer live gives way to the most
 *         recently checked of the pairs checked since it stopped being
 *         live (the browser moved its checks there); when its consent
 *         expires, to the most recently checked pair left (2).
 *    ICE_EVENT_SELECTED is emitted whenever the selected pair changes (not
 *    when a provisional pair is later nominated as is).
 *
 *  - States and consent: NEW until the first valid check, then CONNECTED
 *    while the selected pair is live and DISCONNECTED when it is not
 *    (informational only: media keeps flowing to the selected pair, which
 *    stays valid). The transport FAILs only when no pair has had a valid
 *    check for consent_timeout_us; so does NEW after connect_timeout_us
 *    without any valid check. FAILED forgets all pairs, ignores input and
 *    ends only with ice_restart().
 *
 *  - Events, in order of occurrence: SELECTED (with the pair) comes before
 *    the CONNECTED of the same check, so the destination is known when
 *    CONNECTED is handled. CONNECTED is emitted on every entry into the
 *    CONNECTED state (first check, and recovery from DISCONNECTED).
 *
 *  - ICE restart (RFC 8445 §9, RFC 8839 §4.4.1.1.1): new local and remote
 *    credentials take effect at once and the old ones are refused. Valid
 *    pairs are forgotten except the selected one, which keeps carrying media
 *    (and stays a valid source) until a check with the new credentials
 *    nominates another, whatever its priority (the kept pair counts as not
 *    nominated); its consent timer restarts. From NEW or FAILED the
 *    agent starts over in NEW with a new connect timer. Emits RESTARTED.
 *
 * Responses to be sent over ICE-TCP are plain STUN messages; the caller adds
 * the RFC 4571 length prefix. */
#ifndef SAMTALE_MEDIA_ICE_H
#define SAMTALE_MEDIA_ICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "media/stun.h"

/* ---- named limits and defaults ---- */

/* RFC 8839 §5.4: ice-ufrag is 4..256 and ice-pwd 22..256 ice-chars
 * (ALPHA / DIGIT / "+" / "/"). */
#define ICE_UFRAG_MIN 4
#define ICE_UFRAG_MAX 256
#define ICE_PWD_MIN 22
#define ICE_PWD_MAX 256
/* Valid pairs remembered per agent. */
#define ICE_MAX_PAIRS 8
/* Queued responses (fixed slots of STUN_MAX_MESSAGE bytes); when full the
 * oldest is dropped and counted in ice_stats.tx_dropped. */
#define ICE_TX_QUEUE 8
/* Queued events; when full the oldest is dropped (events_dropped). */
#define ICE_EVENT_QUEUE 16

#define ICE_CONSENT_TIMEOUT_US (30 * 1000000LL) /* RFC 7675 §5.1 */
#define ICE_CONNECT_TIMEOUT_US (30 * 1000000LL)
/* RFC 7675 paces consent checks at 4..6 s and Chromium checks a stable
 * selected pair every 2.5 s, so 10 s without a check means at least one lost
 * or late check, i.e. a connection worth showing as unstable. */
#define ICE_DISCONNECT_TIMEOUT_US (10 * 1000000LL)
/* Upper bound accepted for any configured timeout. */
#define ICE_TIMEOUT_MAX_US (3600 * 1000000LL)

enum ice_proto {
    ICE_PROTO_UDP = 0,
    ICE_PROTO_TCP = 1, /* passive ICE-TCP, RFC 4571 framing (added by the caller) */
};

enum ice_state {
    ICE_STATE_NEW = 0,      /* no valid check yet */
    ICE_STATE_CONNECTED,    /* a pair is selected and consent is fresh */
    ICE_STATE_DISCONNECTED, /* no check on the selected pair for a while */
    ICE_STATE_FAILED,       /* consent lost or never obtained */
};

enum ice_event {
    ICE_EVENT_CONNECTED = 0,
    ICE_EVENT_SELECTED, /* the selected pair changed: ice_output.addr/proto */
    ICE_EVENT_DISCONNECTED,
    ICE_EVENT_FAILED,
    ICE_EVENT_RESTARTED,
};

struct ice_agent;

struct ice_cfg {
    const char *local_ufrag;       /* ICE_UFRAG_MIN..MAX ice-chars, from the caller's RNG */
    const char *local_pwd;         /* ICE_PWD_MIN..MAX ice-chars; copied, never logged */
    const char *remote_ufrag;      /* from the peer's SDP; NULL or "" when not known yet */
    int64_t consent_timeout_us;    /* 0: ICE_CONSENT_TIMEOUT_US */
    int64_t connect_timeout_us;    /* 0: ICE_CONNECT_TIMEOUT_US */
    int64_t disconnect_timeout_us; /* 0: ICE_DISCONNECT_TIMEOUT_US; >= consent: never */
    int64_t now_us;                /* monotonic clock at creation */
};

struct ice_stats {
    uint64_t checks_ok;       /* valid checks answered with a success response */
    uint64_t nominations;     /* checks with USE-CANDIDATE that selected their pair */
    uint64_t bad_credentials; /* 401 sent */
    uint64_t malformed;       /* unparsable, bad or no FINGERPRINT, 400 or 420 sent */
    uint64_t role_conflicts;  /* 487 sent */
    uint64_t ignored;         /* indications, responses, other methods, input while FAILED */
    uint64_t tx_dropped;      /* responses dropped from a full queue */
    uint64_t events_dropped;  /* events dropped from a full queue */
};

enum ice_output_kind {
    ICE_OUT_TRANSMIT = 0,
    ICE_OUT_EVENT,
};

struct ice_output {
    enum ice_output_kind kind;
    /* TRANSMIT: destination; EVENT SELECTED: the newly selected pair. */
    struct stun_addr addr;
    enum ice_proto proto;
    /* TRANSMIT: the message, in the agent's queue. Valid until the next
     * ice_input(), ice_timeout(), ice_restart() or ice_destroy(). */
    const uint8_t *data;
    size_t len;
    /* EVENT */
    enum ice_event event;
};

/* Validates the configuration and creates an agent in ICE_STATE_NEW.
 * Returns 0, ERR_INVAL (bad credentials or timeouts), ERR_NOMEM or
 * ERR_CRYPTO. */
int ice_create(struct ice_agent **out, const struct ice_cfg *cfg);
/* NULL-safe. Wipes the password. */
void ice_destroy(struct ice_agent *a);

/* Sets the remote ufrag once the peer's SDP is known. "" (or NULL) stops
 * checking the remote part. Returns 0 or ERR_INVAL. */
int ice_set_remote(struct ice_agent *a, const char *remote_ufrag);

/* Handles one received STUN message of `len` bytes from `from` over
 * `proto` (see the rules above). Returns 0 for a valid check (success
 * response queued), ERR_PARSE (malformed or not ICE; 400 queued when the
 * message was well-formed but lacked USERNAME or MESSAGE-INTEGRITY),
 * ERR_DENIED (bad credentials, 401 queued), ERR_PROTO (not a Binding
 * request, FAILED state, or 420/487 queued), ERR_INVAL (bad arguments) or
 * ERR_CRYPTO. */
int ice_input(struct ice_agent *a, int64_t now_us, const uint8_t *buf, size_t len,
              const struct stun_addr *from, enum ice_proto proto);

/* Advances timers: disconnect, consent and connect timeouts, expiry of
 * idle non-selected pairs. */
void ice_timeout(struct ice_agent *a, int64_t now_us);
/* When ice_timeout() next has work, or INT64_MAX. */
int64_t ice_next_deadline(const struct ice_agent *a);

/* Takes the next output: queued responses first, then events, each in
 * order. Returns false when there is nothing. */
bool ice_poll(struct ice_agent *a, struct ice_output *out);

/* ICE restart with new local credentials (both must change) and the new
 * remote ufrag ("" or NULL if not known yet). Returns 0, or ERR_INVAL,
 * ERR_NOMEM or ERR_CRYPTO (nothing changed then). */
int ice_restart(struct ice_agent *a, int64_t now_us, const char *local_ufrag, const char *local_pwd,
                const char *remote_ufrag);

/* Whether a pair is selected; if so and the pointers are not NULL, stores it. */
bool ice_selected(const struct ice_agent *a, struct stun_addr *addr, enum ice_proto *proto);
enum ice_state ice_state(const struct ice_agent *a);
/* True if (from, proto) passed a check and is still remembered. */
bool ice_is_valid_source(const struct ice_agent *a, const struct stun_addr *from,
                         enum ice_proto proto);
/* The current local ufrag (NUL-terminated), for the worker's lookup table. */
const char *ice_local_ufrag(const struct ice_agent *a);
void ice_stats(const struct ice_agent *a, struct ice_stats *out);

const char *ice_state_name(enum ice_state s);
const char *ice_event_name(enum ice_event e);

/* For demultiplexing a request from an unknown address: copies the local
 * ufrag part of USERNAME (before the first ':') into out[0..cap) with a
 * terminating NUL. Returns 0, ERR_NOTFOUND (no USERNAME), ERR_PARSE (no
 * ':', or the part is empty or not ice-chars) or ERR_TOOBIG (does not fit
 * in cap). */
int ice_username_local_ufrag(const struct stun_msg *m, char *out, size_t cap);

#endif
