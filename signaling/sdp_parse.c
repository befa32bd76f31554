/* SDP parser: the line reader, session-level attributes, m= lines and the
 * checks once everything is read. Media attributes are in sdp_attr.c. */
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "signaling/sdp.h"
#include "signaling/sdp_int.h"

/* ---- string views ---- */

bool sdp_str_eq(struct sdp_str s, const char *lit)
{
    size_t n = strlen(lit);

    return s.n == n && (n == 0 || memcmp(s.p, lit, n) == 0);
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

bool sdp_str_ieq(struct sdp_str s, const char *lit)
{
    size_t n = strlen(lit);

    if (s.n != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (lower(s.p[i]) != lower(lit[i]))
            return false;
    return true;
}

static bool is_blank(char c, char sep)
{
    return c == sep || (sep == ' ' && c == '\t');
}

bool sdp_str_next(struct sdp_str *rest, char sep, struct sdp_str *tok)
{
    size_t i = 0;

    while (i < rest->n && is_blank(rest->p[i], sep))
        i++;
    if (i == rest->n) {
        *rest = sdp_str_make(rest->p + i, 0);
        *tok = sdp_str_make(rest->p, 0);
        return false;
    }
    size_t start = i;
    while (i < rest->n && !is_blank(rest->p[i], sep))
        i++;
    *tok = sdp_str_make(rest->p + start, i - start);
    if (i < rest->n)
        i++;
    *rest = sdp_str_make(rest->p + i, rest->n - i);
    return true;
}

struct sdp_str sdp_str_trim(struct sdp_str s)
{
    while (s.n > 0 && (s.p[0] == ' ' || s.p[0] == '\t')) {
        s.p++;
        s.n--;
    }
    while (s.n > 0 && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t'))
        s.n--;
    return s;
}

bool sdp_str_u64(struct sdp_str s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;

    if (s.n == 0 || s.n > 20)
        return false;
    for (size_t i = 0; i < s.n; i++) {
        if (s.p[i] < '0' || s.p[i] > '9')
            return false;
        unsigned d = (unsigned)(s.p[i] - '0');
        if (v > max / 10 || (v == max / 10 && d > max % 10))
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

bool sdp_str_u32(struct sdp_str s, uint32_t max, uint32_t *out)
{
    uint64_t v;

    if (!sdp_str_u64(s, max, &v))
        return false;
    *out = (uint32_t)v;
    return true;
}

/* RFC 8866 token-char: %x21 / %x23-27 / %x2A-2B / %x2D-2E / %x30-39 /
 * %x41-5A / %x5E-7E. */
static bool is_token_char(unsigned char c)
{
    return c == 0x21 || (c >= 0x23 && c <= 0x27) || c == 0x2a || c == 0x2b || c == 0x2d ||
           c == 0x2e || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) ||
           (c >= 0x5e && c <= 0x7e);
}

bool sdp_is_token(struct sdp_str s)
{
    if (s.n == 0)
        return false;
    for (size_t i = 0; i < s.n; i++)
        if (!is_token_char((unsigned char)s.p[i]))
            return false;
    return true;
}

static bool is_alnum(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool sdp_is_ice_chars(struct sdp_str s)
{
    if (s.n == 0)
        return false;
    for (size_t i = 0; i < s.n; i++)
        if (!is_alnum(s.p[i]) && s.p[i] != '+' && s.p[i] != '/')
            return false;
    return true;
}

bool sdp_is_rid_id(struct sdp_str s)
{
    if (s.n == 0)
        return false;
    for (size_t i = 0; i < s.n; i++)
        if (!is_alnum(s.p[i]) && s.p[i] != '-' && s.p[i] != '_')
            return false;
    return true;
}

/* ---- errors ---- */

int sdp_fail(struct sdp_parser *ps, int code, const char *fmt, ...)
{
    va_list ap;
    int n = 0;

    if (ps->err == NULL)
        return code;
    if (ps->line_no > 0 && ps->type == 'a' && sdp_is_token(ps->name) && ps->name.n <= 32)
        n = snprintf(ps->err, SDP_ERR_MAX, "line %zu (a=%.*s): ", ps->line_no, (int)ps->name.n,
                     ps->name.p);
    else if (ps->line_no > 0 && ps->type >= 'a' && ps->type <= 'z')
        n = snprintf(ps->err, SDP_ERR_MAX, "line %zu (%c=): ", ps->line_no, ps->type);
    else if (ps->line_no > 0)
        n = snprintf(ps->err, SDP_ERR_MAX, "line %zu: ", ps->line_no);
    if (n < 0 || n >= SDP_ERR_MAX)
        n = 0;
    va_start(ap, fmt);
    vsnprintf(ps->err + n, SDP_ERR_MAX - (size_t)n, fmt, ap);
    va_end(ap);
    return code;
}

int sdp_copy(struct sdp_parser *ps, char *dst, size_t cap, struct sdp_str v, const char *what)
{
    if (v.n >= cap)
        return sdp_fail(ps, ERR_TOOBIG, "%s is %zu bytes, longer than the limit of %zu", what, v.n,
                        cap - 1);
    if (v.n > 0)
        memcpy(dst, v.p, v.n);
    dst[v.n] = '\0';
    return 0;
}

/* ---- names ---- */

const char *sdp_dir_str(enum sdp_dir d)
{
    switch (d) {
    case SDP_DIR_SENDRECV:
        return "sendrecv";
    case SDP_DIR_SENDONLY:
        return "sendonly";
    case SDP_DIR_RECVONLY:
        return "recvonly";
    case SDP_DIR_INACTIVE:
        return "inactive";
    case SDP_DIR_NONE:
        break;
    }
    return "none";
}

static enum sdp_dir dir_from(struct sdp_str s)
{
    if (sdp_str_eq(s, "sendrecv"))
        return SDP_DIR_SENDRECV;
    if (sdp_str_eq(s, "sendonly"))
        return SDP_DIR_SENDONLY;
    if (sdp_str_eq(s, "recvonly"))
        return SDP_DIR_RECVONLY;
    if (sdp_str_eq(s, "inactive"))
        return SDP_DIR_INACTIVE;
    return SDP_DIR_NONE;
}

/* ---- session-level and transport attributes ---- */

static int attr_group(struct sdp_parser *ps, struct sdp_str v)
{
    struct sdp_session *s = ps->s;
    struct sdp_str sem, mid;

    if (!sdp_str_next(&v, ' ', &sem))
        return sdp_fail(ps, ERR_PARSE, "no group semantics");
    if (!sdp_str_eq(sem, "BUNDLE"))
        return 0; /* LS, FID (RFC 5888) and others: not used */
    if (s->n_bundle > 0)
        return sdp_fail(ps, ERR_PARSE, "more than one BUNDLE group is not supported");
    while (sdp_str_next(&v, ' ', &mid)) {
        if (!sdp_is_token(mid))
            return sdp_fail(ps, ERR_PARSE, "mid '%.*s' is not a token", (int)mid.n, mid.p);
        if (s->n_bundle == SDP_MAX_MEDIA)
            return sdp_fail(ps, ERR_TOOBIG, "more than %d mids", SDP_MAX_MEDIA);
        for (size_t i = 0; i < s->n_bundle; i++)
            if (sdp_str_eq(mid, s->bundle[i]))
                return sdp_fail(ps, ERR_PARSE, "mid '%.*s' listed twice", (int)mid.n, mid.p);
        int rc = SDP_COPY(ps, s->bundle[s->n_bundle], mid, "mid");
        if (rc != 0)
            return rc;
        s->n_bundle++;
    }
    return 0;
}

static int attr_ice_cred(struct sdp_parser *ps, struct sdp_str v, char *dst, size_t cap, size_t min,
                         const char *what)
{
    if (dst[0] != '\0')
        return sdp_fail(ps, ERR_PARSE, "%s given twice", what);
    v = sdp_str_trim(v);
    if (!sdp_is_ice_chars(v) || v.n < min)
        return sdp_fail(ps, ERR_PARSE, "%s must be %zu to %zu ice-chars (letters, digits, + /)",
                        what, min, cap - 1);
    return sdp_copy(ps, dst, cap, v, what);
}

static int attr_setup(struct sdp_parser *ps, struct sdp_str v, enum sdp_setup *dst)
{
    v = sdp_str_trim(v);
    if (sdp_str_eq(v, "actpass"))
        *dst = SDP_SETUP_ACTPASS;
    else if (sdp_str_eq(v, "active"))
        *dst = SDP_SETUP_ACTIVE;
    else if (sdp_str_eq(v, "passive"))
        *dst = SDP_SETUP_PASSIVE;
    else if (sdp_str_eq(v, "holdconn"))
        *dst = SDP_SETUP_HOLDCONN;
    else
        return sdp_fail(ps, ERR_PARSE, "setup must be actpass, active, passive or holdconn");
    return 0;
}

static int attr_direction(struct sdp_parser *ps, enum sdp_dir d, enum sdp_dir *dst)
{
    if (*dst != SDP_DIR_NONE)
        return sdp_fail(ps, ERR_PARSE, "more than one direction attribute");
    *dst = d;
    return 0;
}

static int attr_msid_semantic(struct sdp_parser *ps, struct sdp_str v)
{
    struct sdp_str sem;

    if (!sdp_str_next(&v, ' ', &sem) || !sdp_is_token(sem))
        return sdp_fail(ps, ERR_PARSE, "no semantics token");
    return SDP_COPY(ps, ps->s->msid_semantic, sem, "msid-semantic");
}

static int attr_mid(struct sdp_parser *ps, struct sdp_str v)
{
    v = sdp_str_trim(v);
    if (ps->m->mid[0] != '\0')
        return sdp_fail(ps, ERR_PARSE, "a second a=mid in one m-line");
    if (!sdp_is_token(v))
        return sdp_fail(ps, ERR_PARSE, "mid is not a token");
    return SDP_COPY(ps, ps->m->mid, v, "mid");
}

static int attr_u32(struct sdp_parser *ps, struct sdp_str v, uint32_t max, uint32_t *dst)
{
    if (!sdp_str_u32(sdp_str_trim(v), max, dst))
        return sdp_fail(ps, ERR_PARSE, "value is not a number from 0 to %lu", (unsigned long)max);
    return 0;
}

static int attr_session(struct sdp_parser *ps, struct sdp_str name, struct sdp_str v)
{
    struct sdp_session *s = ps->s;
    enum sdp_dir d = dir_from(name);

    if (d != SDP_DIR_NONE)
        return attr_direction(ps, d, &s->dir);
    if (sdp_str_eq(name, "group"))
        return attr_group(ps, v);
    if (sdp_str_eq(name, "ice-lite")) {
        s->ice_lite = true;
        return 0;
    }
    if (sdp_str_eq(name, "extmap-allow-mixed")) {
        s->extmap_allow_mixed = true;
        return 0;
    }
    if (sdp_str_eq(name, "ice-ufrag"))
        return attr_ice_cred(ps, v, s->ice_ufrag, sizeof s->ice_ufrag, 4, "ice-ufrag");
    if (sdp_str_eq(name, "ice-pwd"))
        return attr_ice_cred(ps, v, s->ice_pwd, sizeof s->ice_pwd, 22, "ice-pwd");
    if (sdp_str_eq(name, "ice-options"))
        return SDP_COPY(ps, s->ice_options, sdp_str_trim(v), "ice-options");
    if (sdp_str_eq(name, "fingerprint"))
        return sdp_attr_fingerprint(ps, v, &s->fingerprint);
    if (sdp_str_eq(name, "setup"))
        return attr_setup(ps, v, &s->setup);
    if (sdp_str_eq(name, "msid-semantic"))
        return attr_msid_semantic(ps, v);
    return 0; /* unknown or media-only: skipped */
}

static int attr_media(struct sdp_parser *ps, struct sdp_str name, struct sdp_str v)
{
    struct sdp_media *m = ps->m;
    enum sdp_dir d = dir_from(name);
    uint32_t u = 0;
    int rc;

    if (d != SDP_DIR_NONE)
        return attr_direction(ps, d, &m->dir);

    static const struct {
        const char *name;
        int (*fn)(struct sdp_parser *, struct sdp_str);
    } table[] = {
        {"mid", attr_mid},
        {"rtpmap", sdp_attr_rtpmap},
        {"fmtp", sdp_attr_fmtp},
        {"rtcp-fb", sdp_attr_rtcp_fb},
        {"extmap", sdp_attr_extmap},
        {"ssrc", sdp_attr_ssrc},
        {"ssrc-group", sdp_attr_ssrc_group},
        {"msid", sdp_attr_msid},
        {"rid", sdp_attr_rid},
        {"simulcast", sdp_attr_simulcast},
        {"candidate", sdp_attr_candidate},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (sdp_str_eq(name, table[i].name))
            return table[i].fn(ps, v);

    if (sdp_str_eq(name, "rtcp-mux"))
        m->rtcp_mux = true;
    else if (sdp_str_eq(name, "rtcp-rsize"))
        m->rtcp_rsize = true;
    else if (sdp_str_eq(name, "extmap-allow-mixed"))
        m->extmap_allow_mixed = true;
    else if (sdp_str_eq(name, "bundle-only"))
        m->bundle_only = true;
    else if (sdp_str_eq(name, "end-of-candidates"))
        m->end_of_candidates = true;
    else if (sdp_str_eq(name, "ice-ufrag"))
        return attr_ice_cred(ps, v, m->ice_ufrag, sizeof m->ice_ufrag, 4, "ice-ufrag");
    else if (sdp_str_eq(name, "ice-pwd"))
        return attr_ice_cred(ps, v, m->ice_pwd, sizeof m->ice_pwd, 22, "ice-pwd");
    else if (sdp_str_eq(name, "ice-options"))
        return SDP_COPY(ps, m->ice_options, sdp_str_trim(v), "ice-options");
    else if (sdp_str_eq(name, "fingerprint"))
        return sdp_attr_fingerprint(ps, v, &m->fingerprint);
    else if (sdp_str_eq(name, "setup"))
        return attr_setup(ps, v, &m->setup);
    else if (sdp_str_eq(name, "sctp-port")) {
        if ((rc = attr_u32(ps, v, 65535, &u)) != 0)
            return rc;
        m->sctp_port = (uint16_t)u;
    } else if (sdp_str_eq(name, "max-message-size")) {
        return attr_u32(ps, v, UINT32_MAX, &m->max_message_size);
    }
    return 0; /* unknown attributes are skipped */
}

static int parse_attr(struct sdp_parser *ps, struct sdp_str v)
{
    struct sdp_str name = v;
    const char *colon = memchr(v.p, ':', v.n);

    if (colon != NULL) {
        name.n = (size_t)(colon - v.p);
        v = sdp_str_make(colon + 1, v.n - name.n - 1);
        while (v.n > 0 && (v.p[0] == ' ' || v.p[0] == '\t')) {
            v.p++;
            v.n--;
        }
    } else {
        v = sdp_str_make(v.p + v.n, 0);
    }
    ps->name = name;
    if (name.n == 0)
        return sdp_fail(ps, ERR_PARSE, "attribute without a name");
    if (ps->m == NULL)
        return attr_session(ps, name, v);
    return attr_media(ps, name, v);
}

/* ---- o= and m= ---- */

static int parse_origin(struct sdp_parser *ps, struct sdp_str v)
{
    struct sdp_origin *o = &ps->s->origin;
    struct sdp_str user, id, ver, net, type, addr;
    int rc;

    if (ps->has_origin)
        return sdp_fail(ps, ERR_PARSE, "a second o= line");
    if (ps->m != NULL)
        return sdp_fail(ps, ERR_PARSE, "o= line inside an m-line section");
    ps->has_origin = true;
    if (!sdp_str_next(&v, ' ', &user) || !sdp_str_next(&v, ' ', &id) ||
        !sdp_str_next(&v, ' ', &ver) || !sdp_str_next(&v, ' ', &net) ||
        !sdp_str_next(&v, ' ', &type) || !sdp_str_next(&v, ' ', &addr))
        return sdp_fail(ps, ERR_PARSE,
                        "expected 6 fields: username sess-id sess-version "
                        "nettype addrtype address");
    if (!sdp_str_u64(id, UINT64_MAX, &o->sess_id))
        return sdp_fail(ps, ERR_PARSE, "sess-id is not a 64-bit number");
    if (!sdp_str_u64(ver, UINT64_MAX, &o->sess_version))
        return sdp_fail(ps, ERR_PARSE, "sess-version is not a 64-bit number");
    if ((rc = SDP_COPY(ps, o->username, user, "username")) != 0)
        return rc;
    return SDP_COPY(ps, o->address, addr, "address");
}

static void codec_init(struct sdp_codec *c, uint8_t pt)
{
    memset(c, 0, sizeof *c);
    c->pt = pt;
    c->apt = -1;
    c->profile_level_id = -1;
    c->packetization_mode = -1;
    c->level_asymmetry_allowed = -1;
    c->useinbandfec = -1;
    c->usedtx = -1;
    c->stereo = -1;
    c->minptime = -1;
}

/* RFC 8866: proto = token *("/" token) */
static bool is_proto(struct sdp_str s)
{
    struct sdp_str part;
    size_t parts = 0;

    if (s.n == 0 || s.p[0] == '/' || s.p[s.n - 1] == '/')
        return false;
    for (size_t i = 0; i + 1 < s.n; i++)
        if (s.p[i] == '/' && s.p[i + 1] == '/')
            return false;
    while (sdp_str_next(&s, '/', &part)) {
        if (!sdp_is_token(part))
            return false;
        parts++;
    }
    return parts > 0;
}

static bool proto_is_rtp(const char *proto)
{
    return strstr(proto, "RTP/") != NULL;
}

static int parse_media(struct sdp_parser *ps, struct sdp_str v)
{
    struct sdp_session *s = ps->s;
    struct sdp_str type, port, proto, fmt;
    uint32_t u;
    int rc;

    if (s->n_media == SDP_MAX_MEDIA)
        return sdp_fail(ps, ERR_TOOBIG, "more than %d m-lines", SDP_MAX_MEDIA);
    struct sdp_media *m = &s->media[s->n_media++];
    ps->m = m;
    /* Every list of this m-line grows at the end of its pool until the next m= line. */
    m->codecs = &s->codec_pool[s->n_codec_pool];
    m->extmaps = &s->extmap_pool[s->n_extmap_pool];
    m->ssrcs = &s->ssrc_pool[s->n_ssrc_pool];
    m->candidates = &s->candidate_pool[s->n_candidate_pool];

    if (!sdp_str_next(&v, ' ', &type) || !sdp_str_next(&v, ' ', &port) ||
        !sdp_str_next(&v, ' ', &proto))
        return sdp_fail(ps, ERR_PARSE, "expected: media port proto format...");
    if (!sdp_is_token(type))
        return sdp_fail(ps, ERR_PARSE, "media type is not a token");
    if ((rc = SDP_COPY(ps, m->media_type, type, "media type")) != 0)
        return rc;
    if (sdp_str_eq(type, "audio"))
        m->kind = SDP_KIND_AUDIO;
    else if (sdp_str_eq(type, "video"))
        m->kind = SDP_KIND_VIDEO;
    else if (sdp_str_eq(type, "application"))
        m->kind = SDP_KIND_APPLICATION;
    else
        m->kind = SDP_KIND_OTHER;
    if (memchr(port.p, '/', port.n) != NULL)
        return sdp_fail(ps, ERR_PARSE, "port/count is not supported");
    if (!sdp_str_u32(port, 65535, &u))
        return sdp_fail(ps, ERR_PARSE, "port '%.*s' is not a number from 0 to 65535",
                        (int)(port.n > 16 ? 16 : port.n), port.p);
    m->port = (uint16_t)u;
    if (!is_proto(proto))
        return sdp_fail(ps, ERR_PARSE, "proto is not tokens separated by '/'");
    if ((rc = SDP_COPY(ps, m->proto, proto, "proto")) != 0)
        return rc;

    bool rtp = (m->kind == SDP_KIND_AUDIO || m->kind == SDP_KIND_VIDEO) && proto_is_rtp(m->proto);
    bool first = true;
    while (sdp_str_next(&v, ' ', &fmt)) {
        if (!sdp_is_token(fmt))
            return sdp_fail(ps, ERR_PARSE, "format is not a token");
        if (first && (rc = SDP_COPY(ps, m->fmt0, fmt, "format")) != 0)
            return rc;
        first = false;
        if (!rtp)
            continue;
        if (!sdp_str_u32(fmt, 127, &u))
            return sdp_fail(ps, ERR_PARSE, "payload type '%.*s' is not a number from 0 to 127",
                            (int)(fmt.n > 16 ? 16 : fmt.n), fmt.p);
        if (sdp_find_codec(m, (uint8_t)u) != NULL)
            return sdp_fail(ps, ERR_PARSE, "payload type %u listed twice", (unsigned)u);
        if (m->n_codecs == SDP_MAX_CODECS)
            return sdp_fail(ps, ERR_TOOBIG, "more than %d payload types", SDP_MAX_CODECS);
        if (s->n_codec_pool == SDP_MAX_CODECS_TOTAL)
            return sdp_fail(ps, ERR_TOOBIG, "more than %d payload types in all m-lines",
                            SDP_MAX_CODECS_TOTAL);
        codec_init(&m->codecs[m->n_codecs++], (uint8_t)u);
        s->n_codec_pool++;
    }
    if (first)
        return sdp_fail(ps, ERR_PARSE, "no format (payload type) given");
    return 0;
}

/* ---- lines ---- */

static int parse_line(struct sdp_parser *ps, struct sdp_str line)
{
    if (line.n == 0)
        return sdp_fail(ps, ERR_PARSE, "empty line");
    if (line.n < 2 || line.p[1] != '=' || line.p[0] < 'a' || line.p[0] > 'z')
        return sdp_fail(ps, ERR_PARSE, "not an SDP line: expected a lower-case letter and '='");
    struct sdp_str v = sdp_str_make(line.p + 2, line.n - 2);
    if (ps->line_no == 1) {
        if (!sdp_str_eq(line, "v=0"))
            return sdp_fail(ps, ERR_PARSE, "the first line must be v=0");
        return 0;
    }
    switch (line.p[0]) {
    case 'v':
        return sdp_fail(ps, ERR_PARSE, "v= may only be the first line");
    case 'o':
        return parse_origin(ps, v);
    case 'm':
        return parse_media(ps, v);
    case 'a':
        return parse_attr(ps, v);
    default:
        return 0; /* s= i= u= e= p= c= b= t= r= z= k= and unknown types */
    }
}

/* Notes the line's type and attribute name, for error messages. */
static void name_line(struct sdp_parser *ps, struct sdp_str line)
{
    ps->type = 0;
    ps->name = sdp_str_make(line.p, 0);
    if (line.n < 2 || line.p[1] != '=')
        return;
    ps->type = line.p[0];
    if (ps->type != 'a')
        return;
    size_t i = 2;
    while (i < line.n && i < 2 + 32 && line.p[i] != ':')
        i++;
    ps->name = sdp_str_make(line.p + 2, i - 2);
}

static int check_chars(struct sdp_parser *ps, struct sdp_str line)
{
    for (size_t i = 0; i < line.n; i++) {
        unsigned char c = (unsigned char)line.p[i];
        if (c == '\r')
            return sdp_fail(ps, ERR_PARSE, "carriage return inside the line (column %zu)", i + 1);
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return sdp_fail(ps, ERR_PARSE, "control character 0x%02x at column %zu", c, i + 1);
    }
    return 0;
}

/* ---- after the last line ---- */

static void inherit(struct sdp_session *s, struct sdp_media *m)
{
    if (m->ice_ufrag[0] == '\0')
        memcpy(m->ice_ufrag, s->ice_ufrag, sizeof m->ice_ufrag);
    if (m->ice_pwd[0] == '\0')
        memcpy(m->ice_pwd, s->ice_pwd, sizeof m->ice_pwd);
    if (m->ice_options[0] == '\0')
        memcpy(m->ice_options, s->ice_options, sizeof m->ice_options);
    if (m->fingerprint.alg[0] == '\0')
        m->fingerprint = s->fingerprint;
    if (m->setup == SDP_SETUP_NONE)
        m->setup = s->setup;
}

static int finish(struct sdp_parser *ps)
{
    struct sdp_session *s = ps->s;
    bool all_mixed = s->n_media > 0;

    ps->line_no = 0;
    ps->type = 0;
    if (!ps->has_origin)
        return sdp_fail(ps, ERR_PARSE, "no o= line");
    for (size_t i = 0; i < s->n_media; i++) {
        struct sdp_media *m = &s->media[i];
        for (size_t k = 0; k < m->n_codecs; k++)
            m->codecs[k].fb |= m->fb_all;
        if (m->dir == SDP_DIR_NONE)
            m->dir = s->dir != SDP_DIR_NONE ? s->dir : SDP_DIR_SENDRECV;
        inherit(s, m);
        all_mixed = all_mixed && m->extmap_allow_mixed;
        if (m->mid[0] == '\0')
            continue;
        for (size_t k = 0; k < i; k++)
            if (strcmp(s->media[k].mid, m->mid) == 0)
                return sdp_fail(ps, ERR_PARSE, "m-lines %zu and %zu have the same mid '%s'", k + 1,
                                i + 1, m->mid);
    }
    if (all_mixed)
        s->extmap_allow_mixed = true;
    /* The session's transport: session level, else the first m-line's. */
    for (size_t i = 0; i < s->n_media; i++) {
        const struct sdp_media *m = &s->media[i];
        if (s->ice_ufrag[0] == '\0' && m->ice_ufrag[0] != '\0')
            memcpy(s->ice_ufrag, m->ice_ufrag, sizeof s->ice_ufrag);
        if (s->ice_pwd[0] == '\0' && m->ice_pwd[0] != '\0')
            memcpy(s->ice_pwd, m->ice_pwd, sizeof s->ice_pwd);
        if (s->ice_options[0] == '\0' && m->ice_options[0] != '\0')
            memcpy(s->ice_options, m->ice_options, sizeof s->ice_options);
        if (s->fingerprint.alg[0] == '\0' && m->fingerprint.alg[0] != '\0')
            s->fingerprint = m->fingerprint;
    }
    for (size_t i = 0; i < s->n_bundle; i++)
        if (sdp_find_mid(s, s->bundle[i]) == NULL)
            return sdp_fail(ps, ERR_PARSE, "a=group:BUNDLE names mid '%s', which no m-line has",
                            s->bundle[i]);
    if (s->ice_ufrag[0] == '\0')
        return sdp_fail(ps, ERR_PARSE,
                        "no a=ice-ufrag (neither at session level nor in an m-line)");
    if (s->ice_pwd[0] == '\0')
        return sdp_fail(ps, ERR_PARSE, "no a=ice-pwd (neither at session level nor in an m-line)");
    if (s->fingerprint.alg[0] == '\0')
        return sdp_fail(ps, ERR_PARSE,
                        "no a=fingerprint (neither at session level nor in an m-line)");
    return 0;
}

int sdp_parse(struct sdp_session *s, const char *text, size_t len, char err[SDP_ERR_MAX])
{
    struct sdp_parser ps;
    size_t pos = 0;
    int rc;

    memset(&ps, 0, sizeof ps);
    ps.s = s;
    ps.err = err;
    if (err != NULL)
        err[0] = '\0';
    if (s == NULL || (text == NULL && len != 0))
        return sdp_fail(&ps, ERR_INVAL, "invalid arguments");
    memset(s, 0, sizeof *s);
    if (len > SDP_MAX_LEN)
        return sdp_fail(&ps, ERR_TOOBIG, "SDP is %zu bytes, more than the limit of %d", len,
                        SDP_MAX_LEN);
    if (len == 0)
        return sdp_fail(&ps, ERR_PARSE, "SDP is empty");
    while (pos < len) {
        const char *lf = memchr(text + pos, '\n', len - pos);
        size_t end = lf != NULL ? (size_t)(lf - text) : len;
        struct sdp_str line = sdp_str_make(text + pos, end - pos);

        ps.line_no++;
        if (line.n > 0 && line.p[line.n - 1] == '\r')
            line.n--;
        name_line(&ps, line);
        if (memchr(line.p, '\0', line.n) != NULL)
            return sdp_fail(&ps, ERR_PARSE, "NUL byte in the line");
        if (lf == NULL)
            return sdp_fail(&ps, ERR_PARSE, "the last line does not end with a newline");
        if (line.n > SDP_MAX_LINE)
            return sdp_fail(&ps, ERR_TOOBIG, "line is %zu bytes, longer than the limit of %d",
                            line.n, SDP_MAX_LINE);
        if ((rc = check_chars(&ps, line)) != 0)
            return rc;
        if ((rc = parse_line(&ps, line)) != 0)
            return rc;
        pos = end + 1;
    }
    return finish(&ps);
}

/* ---- lookups ---- */

const struct sdp_media *sdp_find_mid(const struct sdp_session *s, const char *mid)
{
    if (mid == NULL || mid[0] == '\0')
        return NULL;
    for (size_t i = 0; i < s->n_media; i++)
        if (strcmp(s->media[i].mid, mid) == 0)
            return &s->media[i];
    return NULL;
}

const struct sdp_codec *sdp_find_codec(const struct sdp_media *m, uint8_t pt)
{
    for (size_t i = 0; i < m->n_codecs; i++)
        if (m->codecs[i].pt == pt)
            return &m->codecs[i];
    return NULL;
}

int sdp_find_rtx(const struct sdp_media *m, uint8_t pt)
{
    for (size_t i = 0; i < m->n_codecs; i++)
        if (m->codecs[i].id == SDP_CODEC_RTX && m->codecs[i].apt == pt)
            return m->codecs[i].pt;
    return -1;
}

uint16_t sdp_find_ext(const struct sdp_media *m, enum sdp_ext ext)
{
    for (size_t i = 0; i < m->n_extmaps; i++)
        if (m->extmaps[i].ext == ext && ext != SDP_EXT_OTHER)
            return m->extmaps[i].id;
    return 0;
}

bool sdp_in_bundle(const struct sdp_session *s, const char *mid)
{
    for (size_t i = 0; i < s->n_bundle; i++)
        if (strcmp(s->bundle[i], mid) == 0)
            return true;
    return false;
}
