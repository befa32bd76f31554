/* STUN (RFC 8489, RFC 5389) for an ICE-lite agent (RFC 8445).
 *
 * Sans-IO and allocation-free: stun_parse() fills a view struct whose
 * pointers point into the caller's buffer (keep the buffer alive while the
 * view is used); the builders write into a caller buffer.
 *
 * Receiving a Binding request, in order:
 *   stun_is_stun()            cheap demux test (RFC 7983: first byte 0..3)
 *   stun_parse()              structure, bounds, known attribute formats
 *   stun_check_fingerprint()  CRC-32 (ICE requires FINGERPRINT)
 *   look up the username, then
 *   stun_check_integrity()    HMAC-SHA1 with the short-term key (the ICE
 *                             password); never trust attributes before this.
 *
 * Error codes are the project's (base/err.h): ERR_PARSE for malformed
 * input, ERR_TOOBIG when a named limit is exceeded, ERR_NOTFOUND when an
 * attribute to check is absent, ERR_DENIED when MESSAGE-INTEGRITY does not
 * match, ERR_INVAL for bad arguments from our own code, ERR_CRYPTO when
 * OpenSSL fails. */
#ifndef SAMTALE_MEDIA_STUN_H
#define SAMTALE_MEDIA_STUN_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "media/rd.h"

/* ---- named limits and constants ---- */

#define STUN_HEADER_LEN 20
#define STUN_ATTR_HEADER_LEN 4
#define STUN_MAGIC_COOKIE 0x2112A442u
#define STUN_TID_LEN 12
#define STUN_INTEGRITY_LEN 20 /* HMAC-SHA1 */
#define STUN_FINGERPRINT_XOR 0x5354554Eu

/* Largest message accepted over UDP (one datagram, path MTU sized). */
#define STUN_MAX_MESSAGE_UDP 1500
/* Largest message accepted at all, e.g. in RFC 4571 frames on ICE-TCP.
 * stun_parse() rejects longer input and the builders never write more. */
#define STUN_MAX_MESSAGE 2048
/* Attributes (TLVs) per message; more is rejected with ERR_TOOBIG. */
#define STUN_MAX_ATTRS 32
/* Unknown comprehension-required attributes recorded for a 420 response;
 * more is rejected with ERR_TOOBIG. */
#define STUN_MAX_UNKNOWN 8
/* RFC 8489: USERNAME < 513 bytes; SOFTWARE, REALM, NONCE and the ERROR-CODE
 * reason phrase < 128 characters, i.e. at most 763 bytes of UTF-8. */
#define STUN_MAX_USERNAME 512
#define STUN_MAX_TEXT 763

enum stun_class {
    STUN_CLASS_REQUEST = 0,
    STUN_CLASS_INDICATION = 1,
    STUN_CLASS_SUCCESS = 2,
    STUN_CLASS_ERROR = 3,
};

enum stun_method {
    STUN_METHOD_BINDING = 0x001,
};

enum stun_attr_type {
    /* comprehension-required (0x0000-0x7FFF) */
    STUN_ATTR_MAPPED_ADDRESS = 0x0001,
    STUN_ATTR_USERNAME = 0x0006,
    STUN_ATTR_MESSAGE_INTEGRITY = 0x0008,
    STUN_ATTR_ERROR_CODE = 0x0009,
    STUN_ATTR_UNKNOWN_ATTRIBUTES = 0x000A,
    STUN_ATTR_REALM = 0x0014,
    STUN_ATTR_NONCE = 0x0015,
    STUN_ATTR_MESSAGE_INTEGRITY_SHA256 = 0x001C, /* not supported: reported unknown */
    STUN_ATTR_USERHASH = 0x001E,                 /* not supported: reported unknown */
    STUN_ATTR_XOR_MAPPED_ADDRESS = 0x0020,
    STUN_ATTR_PRIORITY = 0x0024,
    STUN_ATTR_USE_CANDIDATE = 0x0025,
    /* comprehension-optional (0x8000-0xFFFF) */
    STUN_ATTR_SOFTWARE = 0x8022,
    STUN_ATTR_ALTERNATE_SERVER = 0x8023,
    STUN_ATTR_FINGERPRINT = 0x8028,
    STUN_ATTR_ICE_CONTROLLED = 0x8029,
    STUN_ATTR_ICE_CONTROLLING = 0x802A,
};

/* Bits of stun_msg.has: which decoded fields below are valid. */
enum stun_has {
    STUN_HAS_USERNAME = 1u << 0,
    STUN_HAS_INTEGRITY = 1u << 1,
    STUN_HAS_FINGERPRINT = 1u << 2,
    STUN_HAS_PRIORITY = 1u << 3,
    STUN_HAS_USE_CANDIDATE = 1u << 4,
    STUN_HAS_ICE_CONTROLLING = 1u << 5,
    STUN_HAS_ICE_CONTROLLED = 1u << 6,
    STUN_HAS_XOR_MAPPED_ADDRESS = 1u << 7,
    STUN_HAS_MAPPED_ADDRESS = 1u << 8,
    STUN_HAS_ERROR_CODE = 1u << 9,
    STUN_HAS_SOFTWARE = 1u << 10,
    STUN_HAS_REALM = 1u << 11,
    STUN_HAS_NONCE = 1u << 12,
};

/* Address families as encoded in (XOR-)MAPPED-ADDRESS. */
enum stun_family {
    STUN_FAMILY_IPV4 = 0x01,
    STUN_FAMILY_IPV6 = 0x02,
};

/* A transport address; for IPv4 only ip[0..3] is used. Port in host order. */
struct stun_addr {
    uint8_t family; /* enum stun_family */
    uint16_t port;
    uint8_t ip[16]; /* network order */
};

/* A view into the parsed buffer. */
struct stun_view {
    const uint8_t *p;
    size_t len;
};

/* One attribute as it appears on the wire (value without padding). */
struct stun_attr {
    uint16_t type;
    uint16_t len;
    const uint8_t *val;
};

/* A parsed message. Views point into the buffer given to stun_parse(). */
struct stun_msg {
    const uint8_t *buf; /* the whole message */
    size_t len;         /* STUN_HEADER_LEN + header length field */

    uint16_t type; /* raw message type */
    uint16_t method;
    enum stun_class cls;
    uint8_t tid[STUN_TID_LEN];

    uint32_t has; /* enum stun_has bits */

    /* First occurrence of each attribute (RFC 8489 §14). Only those before
     * MESSAGE-INTEGRITY are decoded; later ones (except FINGERPRINT) are
     * bounds-checked and otherwise ignored, as §14.5 requires. */
    struct stun_view username;
    struct stun_view software;
    struct stun_view realm;
    struct stun_view nonce;
    size_t integrity_off;   /* offset of the MESSAGE-INTEGRITY TLV in buf */
    size_t fingerprint_off; /* offset of the FINGERPRINT TLV in buf */
    uint32_t fingerprint;
    uint32_t priority;
    uint64_t ice_controlling; /* tie-breaker */
    uint64_t ice_controlled;  /* tie-breaker */
    struct stun_addr xor_mapped;
    struct stun_addr mapped;
    uint16_t error_code;     /* 300..699 */
    struct stun_view reason; /* ERROR-CODE reason phrase */

    /* Comprehension-required attribute types this parser does not know, in
     * order of appearance, for a 420 response's UNKNOWN-ATTRIBUTES. */
    uint16_t unknown[STUN_MAX_UNKNOWN];
    size_t n_unknown;

    /* Every attribute up to and including MESSAGE-INTEGRITY and FINGERPRINT. */
    struct stun_attr attrs[STUN_MAX_ATTRS];
    size_t n_attrs;

    /* After stun_parse() failed: what was wrong, in English (a static
     * string, for a 400 reason phrase or a debug log); NULL otherwise. */
    const char *why;
};

/* ---- receiving ---- */

/* Quick test whether a datagram can be STUN (RFC 7983 demultiplexing): at
 * least a header, the two top bits zero and the magic cookie. */
bool stun_is_stun(const uint8_t *buf, size_t len);

/* Parses one complete message of exactly `len` bytes into `m`. Checks the
 * header (20 bytes, top bits, magic cookie, length a multiple of 4 and equal
 * to the bytes that follow, at most STUN_MAX_MESSAGE in all), every
 * attribute's bounds and padding, the format of known attributes, that
 * FINGERPRINT is last, and the attribute caps. Does not verify
 * MESSAGE-INTEGRITY or FINGERPRINT. Returns 0, ERR_PARSE or ERR_TOOBIG;
 * on error only `m->why` is meaningful. */
int stun_parse(struct stun_msg *m, const uint8_t *buf, size_t len);

/* First recorded attribute of `type`, or NULL. */
const struct stun_attr *stun_msg_find(const struct stun_msg *m, uint16_t type);

/* Verifies MESSAGE-INTEGRITY (HMAC-SHA1 over the message up to the
 * attribute, with the header length covering it; RFC 8489 §14.5). For
 * short-term credentials the key is the password (the ICE password) as is.
 * Returns 0, ERR_NOTFOUND (no MESSAGE-INTEGRITY), ERR_DENIED (mismatch),
 * ERR_INVAL or ERR_CRYPTO. */
int stun_check_integrity(const struct stun_msg *m, const uint8_t *key, size_t key_len);

/* A MESSAGE-INTEGRITY key made ready once (media/stun_mac.c): HMAC-SHA1
 * keyed with it, so that each message costs no fetch and no key schedule.
 * For one thread at a time (an ICE agent's). Returns 0, ERR_INVAL,
 * ERR_NOMEM or ERR_CRYPTO. */
struct stun_mac;
int stun_mac_create(struct stun_mac **out, const uint8_t *key, size_t key_len);
/* NULL-safe; wipes the key. */
void stun_mac_destroy(struct stun_mac *m);
/* stun_check_integrity() under a ready key. */
int stun_check_integrity_mac(const struct stun_msg *m, struct stun_mac *mac);

/* Verifies FINGERPRINT. Returns 0, ERR_NOTFOUND (absent) or ERR_PARSE
 * (mismatch: not a STUN message for us). */
int stun_check_fingerprint(const struct stun_msg *m);

/* CRC-32 (ISO-HDLC, as in zlib and Ethernet) of `len` bytes. */
uint32_t stun_crc32(const uint8_t *buf, size_t len);

/* The message type for a method and class (RFC 8489 §5). */
uint16_t stun_msg_type(uint16_t method, enum stun_class cls);

/* The standard reason phrase for an error code, e.g. "Bad Request" for 400;
 * "Error" for codes without one. Never NULL. */
const char *stun_reason_default(int code);

/* ---- addresses ---- */

/* From a socket address. An IPv4-mapped IPv6 address (from a dual-stack
 * socket) becomes IPv4. Returns 0 or ERR_INVAL (not AF_INET/AF_INET6, or
 * `sa_len` too short). */
int stun_addr_from_sockaddr(struct stun_addr *out, const struct sockaddr *sa, size_t sa_len);

/* To a socket address (AF_INET or AF_INET6). Returns 0 or ERR_INVAL. */
int stun_addr_to_sockaddr(const struct stun_addr *a, struct sockaddr_storage *out,
                          socklen_t *out_len);

bool stun_addr_equal(const struct stun_addr *a, const struct stun_addr *b);

/* ---- building ----
 *
 * A message is built in a caller buffer in one pass:
 *
 *   struct stun_builder b;
 *   stun_build_begin(&b, buf, sizeof buf, STUN_METHOD_BINDING,
 *                    STUN_CLASS_SUCCESS, tid);
 *   stun_build_xor_addr(&b, STUN_ATTR_XOR_MAPPED_ADDRESS, &addr);
 *   stun_build_integrity(&b, pwd, pwd_len);
 *   stun_build_fingerprint(&b);
 *   rc = stun_build_end(&b, &len);
 *
 * The stun_build_* steps record the first error and then do nothing; check
 * once at stun_build_end(). After MESSAGE-INTEGRITY only FINGERPRINT may
 * follow, and nothing after FINGERPRINT. */
struct stun_builder {
    struct wr w;
    uint8_t *buf;  /* start of the message */
    uint8_t pad;   /* padding byte value; 0 unless set after begin */
    uint8_t stage; /* internal */
    int err;       /* first error, sticky */
};

/* Starts a message: header with `tid`. The message is limited to
 * min(cap, STUN_MAX_MESSAGE) bytes. Padding bytes are zero; set b->pad to
 * another value (RFC 5769's vectors pad with 0x20) before adding attributes. */
void stun_build_begin(struct stun_builder *b, uint8_t *buf, size_t cap, uint16_t method,
                      enum stun_class cls, const uint8_t tid[STUN_TID_LEN]);
/* Any attribute; `val` may be NULL when `len` is 0. */
void stun_build_attr(struct stun_builder *b, uint16_t type, const void *val, size_t len);
void stun_build_str(struct stun_builder *b, uint16_t type, const char *s);
void stun_build_u32(struct stun_builder *b, uint16_t type, uint32_t v);
void stun_build_u64(struct stun_builder *b, uint16_t type, uint64_t v);
/* XOR-MAPPED-ADDRESS (or another XOR'd address attribute). */
void stun_build_xor_addr(struct stun_builder *b, uint16_t type, const struct stun_addr *a);
/* ERROR-CODE 300..699; `reason` NULL means stun_reason_default(code). */
void stun_build_error_code(struct stun_builder *b, int code, const char *reason);
void stun_build_unknown_attrs(struct stun_builder *b, const uint16_t *types, size_t n);
/* MESSAGE-INTEGRITY with HMAC-SHA1 under `key` over everything so far. */
void stun_build_integrity(struct stun_builder *b, const uint8_t *key, size_t key_len);
/* The same under a ready key (stun_mac_create). */
void stun_build_integrity_mac(struct stun_builder *b, struct stun_mac *mac);
/* FINGERPRINT over everything so far; must be the last attribute. */
void stun_build_fingerprint(struct stun_builder *b);
/* Finishes: on success stores the message length in *out_len and returns 0;
 * otherwise ERR_TOOBIG (does not fit), ERR_INVAL (bad argument or order) or
 * ERR_CRYPTO. */
int stun_build_end(struct stun_builder *b, size_t *out_len);

/* ---- whole ICE messages (always with FINGERPRINT) ---- */

struct stun_binding_request {
    uint8_t tid[STUN_TID_LEN];
    const char *username; /* "remote-ufrag:local-ufrag"; NULL for none */
    uint32_t priority;    /* PRIORITY; 0 leaves it out */
    bool controlling;     /* ICE-CONTROLLING, else ICE-CONTROLLED */
    uint64_t tie_breaker;
    bool use_candidate; /* USE-CANDIDATE (only when controlling) */
    const uint8_t *key; /* MESSAGE-INTEGRITY key (remote password); NULL for none */
    size_t key_len;
    struct stun_mac *mac; /* or that key made ready; used instead of key when set */
    const char *software; /* SOFTWARE; NULL for none */
};

struct stun_binding_success {
    uint8_t tid[STUN_TID_LEN]; /* the request's */
    struct stun_addr mapped;   /* source address of the request */
    const uint8_t *key;        /* local password; NULL for none */
    size_t key_len;
    struct stun_mac *mac; /* or that key made ready; used instead of key when set */
    const char *software; /* NULL for none */
};

struct stun_error_response {
    uint8_t tid[STUN_TID_LEN]; /* the request's */
    uint16_t method;
    int code;                /* e.g. 400, 401, 420, 487 */
    const char *reason;      /* NULL: stun_reason_default(code) */
    const uint16_t *unknown; /* UNKNOWN-ATTRIBUTES for 420; NULL for none */
    size_t n_unknown;
    const uint8_t *key; /* NULL for 400/401 (RFC 8489 §9.1.3), the
                           local password for 487 */
    size_t key_len;
    struct stun_mac *mac; /* or that key made ready; used instead of key when set */
    const char *software; /* NULL for none */
};

/* Each builds a whole message into buf[0..cap) and stores its length in
 * *out_len. Returns 0, ERR_TOOBIG, ERR_INVAL or ERR_CRYPTO. */
int stun_build_binding_request(uint8_t *buf, size_t cap, const struct stun_binding_request *req,
                               size_t *out_len);
int stun_build_binding_success(uint8_t *buf, size_t cap, const struct stun_binding_success *rsp,
                               size_t *out_len);
int stun_build_error_response(uint8_t *buf, size_t cap, const struct stun_error_response *rsp,
                              size_t *out_len);

#endif
