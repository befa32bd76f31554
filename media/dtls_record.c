/* DTLS record framing: RFC 7983 demultiplexing, the filter that decides
 * which received records the association can read, and packing of
 * outgoing records into datagrams; see dtls_int.h. Pure functions over
 * byte buffers. */
#include "media/dtls_int.h"

#include <string.h>

#include "media/rd.h"

/* Record content types accepted from the wire (RFC 6347): change_cipher_spec,
 * alert, handshake, application_data. */
#define REC_TYPE_MIN 20
#define REC_TYPE_MAX 23
#define REC_TYPE_CHANGE_CIPHER_SPEC 20
#define REC_TYPE_ALERT 21
#define REC_TYPE_HANDSHAKE 22
#define REC_TYPE_APPLICATION_DATA 23
/* Record versions: DTLS 1.2 (0xFEFD), or DTLS 1.0 (0xFEFF), which clients
 * may use on the record carrying the first ClientHello. */
#define REC_VERSION_MAJOR 0xFE
#define REC_VERSION_12 0xFD
#define REC_VERSION_10 0xFF
/* AEAD record overhead (RFC 5288 §3, RFC 7905 §2): AES-GCM carries an
 * 8-byte explicit nonce; both AES-GCM and ChaCha20-Poly1305 a 16-byte tag. */
#define AEAD_GCM_EXPLICIT_NONCE 8
#define AEAD_TAG_LEN 16

bool dtls_is_dtls(const uint8_t *buf, size_t len)
{
    return buf != NULL && len >= DTLS_RECORD_HEADER_LEN && buf[0] >= 20 && buf[0] <= 63;
}

/* Length (header + body) of the whole record at the start of r, consuming
 * it; 0 (and r in error) if what is left is not a whole record. */
static size_t next_record(struct rd *r)
{
    size_t before = rd_left(r);
    uint16_t body;

    rd_skip(r, DTLS_RECORD_HEADER_LEN - 2);
    body = rd_u16(r);
    rd_skip(r, body);
    if (!rd_ok(r))
        return 0;
    return before - rd_left(r);
}

/* Unencrypted handshake record body: one or more whole fragments (12-byte
 * header: type, length u24, message_seq u16, fragment_offset u24,
 * fragment_length u24), each within its message. */
static bool handshake_framing_ok(const uint8_t *body, size_t n)
{
    struct rd r;

    if (n == 0)
        return false;
    rd_init(&r, body, n);
    while (rd_left(&r) > 0) {
        uint32_t msg_len, frag_off, frag_len;

        rd_skip(&r, 1);
        msg_len = rd_u24(&r);
        rd_skip(&r, 2);
        frag_off = rd_u24(&r);
        frag_len = rd_u24(&r);
        rd_skip(&r, frag_len);
        if (!rd_ok(&r) || frag_off > msg_len || frag_len > msg_len - frag_off)
            return false;
    }
    return true;
}

size_t dtls_sealed_min(const SSL_CIPHER *c)
{
    if (c == NULL || !SSL_CIPHER_is_aead(c))
        return 0;
    switch (SSL_CIPHER_get_cipher_nid(c)) {
    case NID_aes_128_gcm:
    case NID_aes_256_gcm:
        return AEAD_GCM_EXPLICIT_NONCE + AEAD_TAG_LEN;
    case NID_chacha20_poly1305:
        return AEAD_TAG_LEN;
    default:
        return 0;
    }
}

size_t dtls_record_len(const uint8_t *p, size_t n)
{
    struct rd r;

    rd_init(&r, p, n);
    return next_record(&r);
}

/* An unencrypted (epoch 0) record: these are not authenticated, and OpenSSL
 * treats some malformed ones as fatal to the handshake; drop those that no
 * real peer sends: a ChangeCipherSpec other than the single byte 1, an
 * alert that is not a level byte and a description byte, a handshake
 * record whose fragments do not add up, and application data (it is
 * always encrypted). */
static bool plaintext_acceptable(uint8_t type, const uint8_t *body, size_t n)
{
    switch (type) {
    case REC_TYPE_CHANGE_CIPHER_SPEC:
        return n == 1 && body[0] == 1;
    case REC_TYPE_ALERT: /* level warning (1) or fatal (2), description */
        return n == 2 && (body[0] == 1 || body[0] == 2);
    case REC_TYPE_HANDSHAKE:
        return handshake_framing_ok(body, n);
    default:
        return false;
    }
}

/* Can the association read this whole record of `len` bytes now? */
static bool record_acceptable(const uint8_t *rec, size_t len, const struct dtls_rx_policy *pol)
{
    uint8_t type = rec[0];
    unsigned epoch = (unsigned)rec[3] << 8 | rec[4];
    size_t body = len - DTLS_RECORD_HEADER_LEN;

    if (type < REC_TYPE_MIN || type > REC_TYPE_MAX || rec[1] != REC_VERSION_MAJOR)
        return false;
    if (epoch == 0) /* plaintext: the handshake only */
        return !pol->connected && (rec[2] == REC_VERSION_12 || rec[2] == REC_VERSION_10) &&
               plaintext_acceptable(type, rec + DTLS_RECORD_HEADER_LEN, body);
    /* Encrypted. No renegotiation, so epoch 1 is the only other one, and
     * ChangeCipherSpec is only ever sent in the clear. A body too short to
     * hold the AEAD's nonce and tag would make OpenSSL fail the association
     * (it checks the length where it sets the additional data, and treats a
     * failure there as an internal error), not drop the record. */
    return epoch == 1 && rec[2] == REC_VERSION_12 && type != REC_TYPE_CHANGE_CIPHER_SPEC &&
           pol->sealed_min > 0 && body >= pol->sealed_min;
}

size_t dtls_record_filter(const uint8_t *buf, size_t len, const struct dtls_rx_policy *pol,
                          uint8_t *scratch, size_t cap, const uint8_t **feed, size_t *feed_len)
{
    size_t good = 0, bad = 0;
    struct rd r;
    struct wr w;

    /* Pass 1: are all records whole and acceptable? */
    rd_init(&r, buf, len);
    while (rd_left(&r) > 0) {
        const uint8_t *rec = r.p;
        size_t rlen = next_record(&r);

        if (rlen == 0) {
            bad++; /* truncated: the rest of the datagram */
            break;
        }
        if (record_acceptable(rec, rlen, pol))
            good += rlen;
        else
            bad++;
    }
    *feed = buf;
    *feed_len = good;
    if (bad == 0 || good == 0)
        return bad;

    /* Pass 2, only if something is wrong: copy the good records. */
    wr_init(&w, scratch, cap);
    rd_init(&r, buf, len);
    while (rd_left(&r) > 0) {
        const uint8_t *rec = r.p;
        size_t rlen = next_record(&r);

        if (rlen == 0)
            break;
        if (record_acceptable(rec, rlen, pol))
            wr_bytes(&w, rec, rlen);
    }
    if (!wr_ok(&w)) {
        *feed_len = 0; /* scratch smaller than the input: drop it all */
        return bad;
    }
    *feed = scratch;
    return bad;
}

bool dtls_record_pack(const uint8_t *p, size_t n, size_t mtu, dtls_emit_fn emit, void *arg)
{
    struct rd r;
    const uint8_t *start;
    size_t cur = 0;
    bool whole = true;

    rd_init(&r, p, n);
    start = r.p;
    while (rd_left(&r) > 0) {
        const uint8_t *rec = r.p;
        size_t rlen = next_record(&r);

        if (rlen == 0) {
            whole = false;
            break;
        }
        if (cur > 0 && (cur >= mtu || rlen > mtu - cur)) {
            emit(arg, start, cur);
            start = rec;
            cur = 0;
        }
        cur += rlen;
    }
    if (cur > 0)
        emit(arg, start, cur);
    return whole;
}
