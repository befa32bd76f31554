/* STUN parse/build for ICE-lite; see stun.h. */
#include "media/stun.h"

#include <string.h>

#include <openssl/crypto.h>

#include "media/stun_int.h"
#include "base/err.h"

/* RFC 8489 §14: attributes are padded to a multiple of 4 bytes. */
size_t stun_pad4(size_t n)
{
    return (4 - (n & 3)) & 3;
}

/* ---- CRC-32 (reflected polynomial 0xEDB88320, init and final xor ~0) ---- */

static const uint32_t crc_table[256] = {
    0x00000000u, 0x77073096u, 0xee0e612cu, 0x990951bau, 0x076dc419u, 0x706af48fu, 0xe963a535u,
    0x9e6495a3u, 0x0edb8832u, 0x79dcb8a4u, 0xe0d5e91eu, 0x97d2d988u, 0x09b64c2bu, 0x7eb17cbdu,
    0xe7b82d07u, 0x90bf1d91u, 0x1db71064u, 0x6ab020f2u, 0xf3b97148u, 0x84be41deu, 0x1adad47du,
    0x6ddde4ebu, 0xf4d4b551u, 0x83d385c7u, 0x136c9856u, 0x646ba8c0u, 0xfd62f97au, 0x8a65c9ecu,
    0x14015c4fu, 0x63066cd9u, 0xfa0f3d63u, 0x8d080df5u, 0x3b6e20c8u, 0x4c69105eu, 0xd56041e4u,
    0xa2677172u, 0x3c03e4d1u, 0x4b04d447u, 0xd20d85fdu, 0xa50ab56bu, 0x35b5a8fau, 0x42b2986cu,
    0xdbbbc9d6u, 0xacbcf940u, 0x32d86ce3u, 0x45df5c75u, 0xdcd60dcfu, 0xabd13d59u, 0x26d930acu,
    0x51de003au, 0xc8d75180u, 0xbfd06116u, 0x21b4f4b5u, 0x56b3c423u, 0xcfba9599u, 0xb8bda50fu,
    0x2802b89eu, 0x5f058808u, 0xc60cd9b2u, 0xb10be924u, 0x2f6f7c87u, 0x58684c11u, 0xc1611dabu,
    0xb6662d3du, 0x76dc4190u, 0x01db7106u, 0x98d220bcu, 0xefd5102au, 0x71b18589u, 0x06b6b51fu,
    0x9fbfe4a5u, 0xe8b8d433u, 0x7807c9a2u, 0x0f00f934u, 0x9609a88eu, 0xe10e9818u, 0x7f6a0dbbu,
    0x086d3d2du, 0x91646c97u, 0xe6635c01u, 0x6b6b51f4u, 0x1c6c6162u, 0x856530d8u, 0xf262004eu,
    0x6c0695edu, 0x1b01a57bu, 0x8208f4c1u, 0xf50fc457u, 0x65b0d9c6u, 0x12b7e950u, 0x8bbeb8eau,
    0xfcb9887cu, 0x62dd1ddfu, 0x15da2d49u, 0x8cd37cf3u, 0xfbd44c65u, 0x4db26158u, 0x3ab551ceu,
    0xa3bc0074u, 0xd4bb30e2u, 0x4adfa541u, 0x3dd895d7u, 0xa4d1c46du, 0xd3d6f4fbu, 0x4369e96au,
    0x346ed9fcu, 0xad678846u, 0xda60b8d0u, 0x44042d73u, 0x33031de5u, 0xaa0a4c5fu, 0xdd0d7cc9u,
    0x5005713cu, 0x270241aau, 0xbe0b1010u, 0xc90c2086u, 0x5768b525u, 0x206f85b3u, 0xb966d409u,
    0xce61e49fu, 0x5edef90eu, 0x29d9c998u, 0xb0d09822u, 0xc7d7a8b4u, 0x59b33d17u, 0x2eb40d81u,
    0xb7bd5c3bu, 0xc0ba6cadu, 0xedb88320u, 0x9abfb3b6u, 0x03b6e20cu, 0x74b1d29au, 0xead54739u,
    0x9dd277afu, 0x04db2615u, 0x73dc1683u, 0xe3630b12u, 0x94643b84u, 0x0d6d6a3eu, 0x7a6a5aa8u,
    0xe40ecf0bu, 0x9309ff9du, 0x0a00ae27u, 0x7d079eb1u, 0xf00f9344u, 0x8708a3d2u, 0x1e01f268u,
    0x6906c2feu, 0xf762575du, 0x806567cbu, 0x196c3671u, 0x6e6b06e7u, 0xfed41b76u, 0x89d32be0u,
    0x10da7a5au, 0x67dd4accu, 0xf9b9df6fu, 0x8ebeeff9u, 0x17b7be43u, 0x60b08ed5u, 0xd6d6a3e8u,
    0xa1d1937eu, 0x38d8c2c4u, 0x4fdff252u, 0xd1bb67f1u, 0xa6bc5767u, 0x3fb506ddu, 0x48b2364bu,
    0xd80d2bdau, 0xaf0a1b4cu, 0x36034af6u, 0x41047a60u, 0xdf60efc3u, 0xa867df55u, 0x316e8eefu,
    0x4669be79u, 0xcb61b38cu, 0xbc66831au, 0x256fd2a0u, 0x5268e236u, 0xcc0c7795u, 0xbb0b4703u,
    0x220216b9u, 0x5505262fu, 0xc5ba3bbeu, 0xb2bd0b28u, 0x2bb45a92u, 0x5cb36a04u, 0xc2d7ffa7u,
    0xb5d0cf31u, 0x2cd99e8bu, 0x5bdeae1du, 0x9b64c2b0u, 0xec63f226u, 0x756aa39cu, 0x026d930au,
    0x9c0906a9u, 0xeb0e363fu, 0x72076785u, 0x05005713u, 0x95bf4a82u, 0xe2b87a14u, 0x7bb12baeu,
    0x0cb61b38u, 0x92d28e9bu, 0xe5d5be0du, 0x7cdcefb7u, 0x0bdbdf21u, 0x86d3d2d4u, 0xf1d4e242u,
    0x68ddb3f8u, 0x1fda836eu, 0x81be16cdu, 0xf6b9265bu, 0x6fb077e1u, 0x18b74777u, 0x88085ae6u,
    0xff0f6a70u, 0x66063bcau, 0x11010b5cu, 0x8f659effu, 0xf862ae69u, 0x616bffd3u, 0x166ccf45u,
    0xa00ae278u, 0xd70dd2eeu, 0x4e048354u, 0x3903b3c2u, 0xa7672661u, 0xd06016f7u, 0x4969474du,
    0x3e6e77dbu, 0xaed16a4au, 0xd9d65adcu, 0x40df0b66u, 0x37d83bf0u, 0xa9bcae53u, 0xdebb9ec5u,
    0x47b2cf7fu, 0x30b5ffe9u, 0xbdbdf21cu, 0xcabac28au, 0x53b39330u, 0x24b4a3a6u, 0xbad03605u,
    0xcdd70693u, 0x54de5729u, 0x23d967bfu, 0xb3667a2eu, 0xc4614ab8u, 0x5d681b02u, 0x2a6f2b94u,
    0xb40bbe37u, 0xc30c8ea1u, 0x5a05df1bu, 0x2d02ef8du,
};

uint32_t stun_crc32(const uint8_t *buf, size_t len)
{
    uint32_t c = 0xFFFFFFFFu;

    for (size_t i = 0; i < len; i++)
        c = crc_table[(c ^ buf[i]) & 0xFFu] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

/* ---- message type ---- */

uint16_t stun_msg_type(uint16_t method, enum stun_class cls)
{
    unsigned m = method & 0x0FFFu;
    unsigned c = (unsigned)cls & 3u;

    return (uint16_t)((m & 0x000Fu) | (m & 0x0070u) << 1 | (m & 0x0F80u) << 2 | (c & 1u) << 4 |
                      (c & 2u) << 7);
}

static uint16_t type_method(uint16_t t)
{
    return (uint16_t)((t & 0x000Fu) | (t & 0x00E0u) >> 1 | (t & 0x3E00u) >> 2);
}

static enum stun_class type_class(uint16_t t)
{
    return (enum stun_class)((t >> 4 & 1u) | (t >> 7 & 2u));
}

const char *stun_reason_default(int code)
{
    switch (code) {
    case 300:
        return "Try Alternate";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthenticated";
    case 403:
        return "Forbidden";
    case 420:
        return "Unknown Attribute";
    case 438:
        return "Stale Nonce";
    case 487:
        return "Role Conflict";
    case 500:
        return "Server Error";
    default:
        return "Error";
    }
}

/* ---- receiving ---- */

bool stun_is_stun(const uint8_t *buf, size_t len)
{
    if (buf == NULL || len < STUN_HEADER_LEN)
        return false;
    if ((buf[0] & 0xC0u) != 0)
        return false;
    return buf[4] == 0x21 && buf[5] == 0x12 && buf[6] == 0xA4 && buf[7] == 0x42;
}

/* Records why parsing failed (a static string) and returns `code`. */
static int bad(struct stun_msg *m, int code, const char *why)
{
    m->why = why;
    return code;
}

/* (XOR-)MAPPED-ADDRESS value. `xor_key` is the 16 bytes cookie + transaction
 * id for XOR-MAPPED-ADDRESS, NULL for plain MAPPED-ADDRESS. */
static int parse_addr(struct stun_msg *m, struct stun_addr *a, const uint8_t *val, size_t len,
                      const uint8_t *xor_key)
{
    struct rd r;
    size_t n;

    rd_init(&r, val, len);
    rd_skip(&r, 1); /* reserved; ignored on receipt */
    a->family = rd_u8(&r);
    a->port = rd_u16(&r);
    if (a->family == STUN_FAMILY_IPV4)
        n = 4;
    else if (a->family == STUN_FAMILY_IPV6)
        n = 16;
    else
        return bad(m, ERR_PARSE, "address family is neither IPv4 nor IPv6");
    memset(a->ip, 0, sizeof a->ip);
    rd_copy(&r, a->ip, n);
    if (r.err || rd_left(&r) != 0)
        return bad(m, ERR_PARSE, "address length does not match its family");
    if (xor_key != NULL) {
        a->port ^= (uint16_t)(STUN_MAGIC_COOKIE >> 16);
        for (size_t i = 0; i < n; i++)
            a->ip[i] ^= xor_key[i];
    }
    return 0;
}

static int parse_error_code(struct stun_msg *m, const uint8_t *val, size_t len)
{
    struct rd r;
    unsigned cls, num;

    rd_init(&r, val, len);
    rd_skip(&r, 2); /* reserved */
    cls = rd_u8(&r) & 0x07u;
    num = rd_u8(&r);
    if (r.err || cls < 3 || cls > 6 || num > 99)
        return bad(m, ERR_PARSE, "ERROR-CODE is not 300..699");
    if (rd_left(&r) > STUN_MAX_TEXT)
        return bad(m, ERR_TOOBIG, "ERROR-CODE reason phrase too long");
    m->error_code = (uint16_t)(cls * 100 + num);
    m->reason.len = rd_left(&r);
    m->reason.p = rd_bytes(&r, m->reason.len);
    return 0;
}

#define FIXED_SIZE_BITS                                                                            \
    (STUN_HAS_INTEGRITY | STUN_HAS_PRIORITY | STUN_HAS_USE_CANDIDATE | STUN_HAS_ICE_CONTROLLING |  \
     STUN_HAS_ICE_CONTROLLED)

static int set_view(struct stun_msg *m, struct stun_view *v, const uint8_t *val, size_t len,
                    size_t max)
{
    if (len > max)
        return bad(m, ERR_TOOBIG, "text attribute too long");
    v->p = val;
    v->len = len;
    return 0;
}

/* The attributes this parser decodes, with the stun_has bit each sets. */
static const struct {
    uint16_t type;
    uint32_t bit;
} known_attrs[] = {
    {STUN_ATTR_USERNAME, STUN_HAS_USERNAME},
    {STUN_ATTR_MESSAGE_INTEGRITY, STUN_HAS_INTEGRITY},
    {STUN_ATTR_PRIORITY, STUN_HAS_PRIORITY},
    {STUN_ATTR_USE_CANDIDATE, STUN_HAS_USE_CANDIDATE},
    {STUN_ATTR_ICE_CONTROLLING, STUN_HAS_ICE_CONTROLLING},
    {STUN_ATTR_ICE_CONTROLLED, STUN_HAS_ICE_CONTROLLED},
    {STUN_ATTR_XOR_MAPPED_ADDRESS, STUN_HAS_XOR_MAPPED_ADDRESS},
    {STUN_ATTR_MAPPED_ADDRESS, STUN_HAS_MAPPED_ADDRESS},
    {STUN_ATTR_ERROR_CODE, STUN_HAS_ERROR_CODE},
    {STUN_ATTR_SOFTWARE, STUN_HAS_SOFTWARE},
    {STUN_ATTR_REALM, STUN_HAS_REALM},
    {STUN_ATTR_NONCE, STUN_HAS_NONCE},
};

static uint32_t attr_bit(uint16_t type)
{
    for (size_t i = 0; i < sizeof known_attrs / sizeof known_attrs[0]; i++)
        if (known_attrs[i].type == type)
            return known_attrs[i].bit;
    return 0;
}

/* Decodes one attribute that precedes MESSAGE-INTEGRITY (or is it). Only the
 * first occurrence of a type is decoded; repeats are skipped (the caller has
 * checked that their TLV fits). */
static int decode_attr(struct stun_msg *m, size_t off, uint16_t type, const uint8_t *val,
                       size_t len)
{
    uint32_t bit = attr_bit(type);
    struct rd r;
    int rc = 0;

    if (bit == 0) {
        if (type == STUN_ATTR_UNKNOWN_ATTRIBUTES)
            return len % 2 == 0 ? 0 : bad(m, ERR_PARSE, "UNKNOWN-ATTRIBUTES of odd length");
        if (type < 0x8000u) { /* comprehension-required and not known */
            if (m->n_unknown == STUN_MAX_UNKNOWN)
                return bad(m, ERR_TOOBIG, "too many unknown attributes");
            m->unknown[m->n_unknown++] = type;
        }
        return 0;
    }
    if (m->has & bit)
        return 0;

    rd_init(&r, val, len);
    switch (type) {
    case STUN_ATTR_USERNAME:
        rc = set_view(m, &m->username, val, len, STUN_MAX_USERNAME);
        break;
    case STUN_ATTR_SOFTWARE:
        rc = set_view(m, &m->software, val, len, STUN_MAX_TEXT);
        break;
    case STUN_ATTR_REALM:
        rc = set_view(m, &m->realm, val, len, STUN_MAX_TEXT);
        break;
    case STUN_ATTR_NONCE:
        rc = set_view(m, &m->nonce, val, len, STUN_MAX_TEXT);
        break;
    case STUN_ATTR_XOR_MAPPED_ADDRESS:
        rc = parse_addr(m, &m->xor_mapped, val, len, m->buf + 4);
        break;
    case STUN_ATTR_MAPPED_ADDRESS:
        rc = parse_addr(m, &m->mapped, val, len, NULL);
        break;
    case STUN_ATTR_ERROR_CODE:
        rc = parse_error_code(m, val, len);
        break;
    /* Fixed sizes: the value must be exactly that long. */
    case STUN_ATTR_MESSAGE_INTEGRITY:
        rd_skip(&r, STUN_INTEGRITY_LEN);
        m->integrity_off = off;
        break;
    case STUN_ATTR_PRIORITY:
        m->priority = rd_u32(&r);
        break;
    case STUN_ATTR_USE_CANDIDATE:
        break;
    case STUN_ATTR_ICE_CONTROLLING:
        m->ice_controlling = rd_u64(&r);
        break;
    case STUN_ATTR_ICE_CONTROLLED:
        m->ice_controlled = rd_u64(&r);
        break;
    default:
        break;
    }
    if (rc != 0)
        return rc;
    if (r.err || ((bit & FIXED_SIZE_BITS) != 0 && rd_left(&r) != 0))
        return bad(m, ERR_PARSE, "attribute has the wrong length for its type");
    m->has |= bit;
    return 0;
}

int stun_parse(struct stun_msg *m, const uint8_t *buf, size_t len)
{
    struct rd r;
    uint16_t type, body_len;
    uint32_t cookie;
    size_t n_tlv = 0;
    bool after_integrity = false, after_fingerprint = false;
    int rc;

    if (m == NULL)
        return ERR_INVAL;
    memset(m, 0, sizeof *m);
    if (buf == NULL || len < STUN_HEADER_LEN)
        return bad(m, ERR_PARSE, "shorter than a STUN header");
    if (len > STUN_MAX_MESSAGE)
        return bad(m, ERR_TOOBIG, "message too long");

    rd_init(&r, buf, len);
    type = rd_u16(&r);
    body_len = rd_u16(&r);
    cookie = rd_u32(&r);
    rd_copy(&r, m->tid, STUN_TID_LEN);
    if ((type & 0xC000u) != 0 || cookie != STUN_MAGIC_COOKIE)
        return bad(m, ERR_PARSE, "not a STUN message");
    if (body_len % 4 != 0 || body_len != rd_left(&r))
        return bad(m, ERR_PARSE, "header length does not match the message");

    m->buf = buf;
    m->len = len;
    m->type = type;
    m->method = type_method(type);
    m->cls = type_class(type);

    while (rd_left(&r) != 0) {
        size_t off = (size_t)(r.p - buf);
        uint16_t at = rd_u16(&r);
        uint16_t alen = rd_u16(&r);
        const uint8_t *val = rd_bytes(&r, alen);

        rd_skip(&r, stun_pad4(alen));
        if (r.err)
            return bad(m, ERR_PARSE, "attribute runs past the end of the message");
        if (after_fingerprint)
            return bad(m, ERR_PARSE, "attribute after FINGERPRINT");
        if (++n_tlv > STUN_MAX_ATTRS)
            return bad(m, ERR_TOOBIG, "too many attributes");
        if (at == STUN_ATTR_FINGERPRINT) {
            if (alen != 4)
                return bad(m, ERR_PARSE, "attribute has the wrong length for its type");
            m->fingerprint =
                (uint32_t)val[0] << 24 | (uint32_t)val[1] << 16 | (uint32_t)val[2] << 8 | val[3];
            m->fingerprint_off = off;
            m->has |= STUN_HAS_FINGERPRINT;
            after_fingerprint = true;
        } else if (after_integrity) {
            continue; /* RFC 8489 §14.5: ignored after MESSAGE-INTEGRITY */
        } else {
            rc = decode_attr(m, off, at, val, alen);
            if (rc != 0)
                return rc;
            if (at == STUN_ATTR_MESSAGE_INTEGRITY)
                after_integrity = true;
        }
        m->attrs[m->n_attrs].type = at;
        m->attrs[m->n_attrs].len = alen;
        m->attrs[m->n_attrs].val = val;
        m->n_attrs++;
    }
    return 0;
}

const struct stun_attr *stun_msg_find(const struct stun_msg *m, uint16_t type)
{
    for (size_t i = 0; i < m->n_attrs; i++)
        if (m->attrs[i].type == type)
            return &m->attrs[i];
    return NULL;
}

static int check_integrity(const struct stun_msg *m, struct stun_mac *key_mac, const uint8_t *key,
                           size_t key_len)
{
    uint8_t hdr[STUN_HEADER_LEN];
    uint8_t mac[STUN_INTEGRITY_LEN];
    size_t covered;
    int rc;

    if (!(m->has & STUN_HAS_INTEGRITY))
        return ERR_NOTFOUND;
    /* The header length as if MESSAGE-INTEGRITY were the last attribute. */
    covered = m->integrity_off - STUN_HEADER_LEN + STUN_ATTR_HEADER_LEN + STUN_INTEGRITY_LEN;
    memcpy(hdr, m->buf, STUN_HEADER_LEN);
    wr_put_u16(hdr + 2, (uint16_t)covered);
    rc = stun_hmac_sha1(key_mac, key, key_len, hdr, sizeof hdr, m->buf + STUN_HEADER_LEN,
                        m->integrity_off - STUN_HEADER_LEN, mac);
    if (rc != 0)
        return rc;
    if (CRYPTO_memcmp(mac, m->buf + m->integrity_off + STUN_ATTR_HEADER_LEN, sizeof mac) != 0)
        return ERR_DENIED;
    return 0;
}

int stun_check_integrity(const struct stun_msg *m, const uint8_t *key, size_t key_len)
{
    if (m == NULL || key == NULL || key_len == 0)
        return ERR_INVAL;
    return check_integrity(m, NULL, key, key_len);
}

int stun_check_integrity_mac(const struct stun_msg *m, struct stun_mac *mac)
{
    if (m == NULL || mac == NULL)
        return ERR_INVAL;
    return check_integrity(m, mac, NULL, 0);
}

int stun_check_fingerprint(const struct stun_msg *m)
{
    if (m == NULL)
        return ERR_INVAL;
    if (!(m->has & STUN_HAS_FINGERPRINT))
        return ERR_NOTFOUND;
    /* FINGERPRINT is last, so the header length already covers it. */
    if ((stun_crc32(m->buf, m->fingerprint_off) ^ STUN_FINGERPRINT_XOR) != m->fingerprint)
        return ERR_PARSE;
    return 0;
}

/* ---- addresses ---- */

int stun_addr_from_sockaddr(struct stun_addr *out, const struct sockaddr *sa, size_t sa_len)
{
    static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};

    if (out == NULL || sa == NULL)
        return ERR_INVAL;
    memset(out, 0, sizeof *out);
    if (sa->sa_family == AF_INET && sa_len >= sizeof(struct sockaddr_in)) {
        struct sockaddr_in sin;

        memcpy(&sin, sa, sizeof sin);
        out->family = STUN_FAMILY_IPV4;
        out->port = ntohs(sin.sin_port);
        memcpy(out->ip, &sin.sin_addr, 4);
        return 0;
    }
    if (sa->sa_family == AF_INET6 && sa_len >= sizeof(struct sockaddr_in6)) {
        struct sockaddr_in6 sin6;

        memcpy(&sin6, sa, sizeof sin6);
        out->port = ntohs(sin6.sin6_port);
        if (memcmp(sin6.sin6_addr.s6_addr, v4mapped, sizeof v4mapped) == 0) {
            out->family = STUN_FAMILY_IPV4;
            memcpy(out->ip, sin6.sin6_addr.s6_addr + 12, 4);
        } else {
            out->family = STUN_FAMILY_IPV6;
            memcpy(out->ip, sin6.sin6_addr.s6_addr, 16);
        }
        return 0;
    }
    return ERR_INVAL;
}

int stun_addr_to_sockaddr(const struct stun_addr *a, struct sockaddr_storage *out,
                          socklen_t *out_len)
{
    if (a == NULL || out == NULL || out_len == NULL)
        return ERR_INVAL;
    memset(out, 0, sizeof *out);
    if (a->family == STUN_FAMILY_IPV4) {
        struct sockaddr_in sin;

        memset(&sin, 0, sizeof sin);
        sin.sin_family = AF_INET;
        sin.sin_port = htons(a->port);
        memcpy(&sin.sin_addr, a->ip, 4);
        memcpy(out, &sin, sizeof sin);
        *out_len = (socklen_t)sizeof sin;
        return 0;
    }
    if (a->family == STUN_FAMILY_IPV6) {
        struct sockaddr_in6 sin6;

        memset(&sin6, 0, sizeof sin6);
        sin6.sin6_family = AF_INET6;
        sin6.sin6_port = htons(a->port);
        memcpy(sin6.sin6_addr.s6_addr, a->ip, 16);
        memcpy(out, &sin6, sizeof sin6);
        *out_len = (socklen_t)sizeof sin6;
        return 0;
    }
    return ERR_INVAL;
}

bool stun_addr_equal(const struct stun_addr *a, const struct stun_addr *b)
{
    size_t n;

    if (a->family != b->family || a->port != b->port)
        return false;
    n = a->family == STUN_FAMILY_IPV4 ? 4 : a->family == STUN_FAMILY_IPV6 ? 16 : 0;
    return memcmp(a->ip, b->ip, n) == 0;
}
