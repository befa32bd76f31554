/* Internals shared by the SDP parser (sdp_parse.c, sdp_attr.c) and the
 * builders (sdp_build.c, sdp_offer.c). Not part of the module's API. */
#ifndef SAMTALE_SIGNALING_SDP_INT_H
#define SAMTALE_SIGNALING_SDP_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "signaling/sdp.h"

/* A view of part of the input; never NUL-terminated. */
struct sdp_str {
    const char *p;
    size_t n;
};

/* ---- string views ---- */

static inline struct sdp_str sdp_str_make(const char *p, size_t n)
{
    struct sdp_str s = {p, n};
    return s;
}

bool sdp_str_eq(struct sdp_str s, const char *lit);  /* exact */
bool sdp_str_ieq(struct sdp_str s, const char *lit); /* ASCII case-insensitive */
/* Splits the next token off `rest` at `sep`; runs of `sep` (for ' ' also
 * tabs) are skipped, so empty elements never come out. Returns false when
 * no token is left. */
bool sdp_str_next(struct sdp_str *rest, char sep, struct sdp_str *tok);
/* Leading and trailing spaces/tabs removed. */
struct sdp_str sdp_str_trim(struct sdp_str s);
/* Decimal digits only (no sign, no space), value <= max. */
bool sdp_str_u64(struct sdp_str s, uint64_t max, uint64_t *out);
bool sdp_str_u32(struct sdp_str s, uint32_t max, uint32_t *out);

/* RFC 8866 token (token-char = printable ASCII except space and
 * "(),/:;<=>?@[\]{}" minus those the grammar allows; see sdp_attr.c). */
bool sdp_is_token(struct sdp_str s);
/* RFC 8839 ice-char: ALPHA / DIGIT / "+" / "/". */
bool sdp_is_ice_chars(struct sdp_str s);
/* RFC 8851 rid-id: ALPHA / DIGIT / "-" / "_". */
bool sdp_is_rid_id(struct sdp_str s);

/* ---- parser state ---- */

struct sdp_parser {
    struct sdp_session *s;
    struct sdp_media *m; /* current m-line, NULL at session level */
    size_t line_no;      /* 1-based */
    char type;           /* line type letter */
    struct sdp_str name; /* attribute name for a= lines */
    char *err;           /* SDP_ERR_MAX bytes, or NULL */
    bool has_origin;
};

/* Records "line N (a=name): <message>" and returns code. */
int sdp_fail(struct sdp_parser *ps, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Copies a view into a fixed field of cap bytes (with its NUL); longer is
 * ERR_TOOBIG naming `what`. */
int sdp_copy(struct sdp_parser *ps, char *dst, size_t cap, struct sdp_str v, const char *what);
#define SDP_COPY(ps, field, v, what) sdp_copy((ps), (field), sizeof(field), (v), (what))

/* Attribute handlers (sdp_attr.c): 0 or a negative error code via sdp_fail.
 * `v` is the value after "name:" with leading blanks removed. */
int sdp_attr_rtpmap(struct sdp_parser *ps, struct sdp_str v);
int sdp_attr_fmtp(struct sdp_parser *ps, struct sdp_str v);
int sdp_attr_rtcp_fb(struct sdp_parser *ps, struct sdp_str v);
int sdp_attr_extmap(struct sdp_parser *ps, struct sdp_str v);
int sdp_attr_ssrc(struct sdp_parser *ps, struct sdp_str v);
int sdp_attr_ssrc_group(struct sdp_parser *ps, struct sdp_str v);
int sdp_attr_msid(struct sdp_parser *ps, struct sdp_str v);
int sdp_attr_rid(struct sdp_parser *ps, struct sdp_str v);
int sdp_attr_simulcast(struct sdp_parser *ps, struct sdp_str v);
int sdp_attr_candidate(struct sdp_parser *ps, struct sdp_str v);
int sdp_attr_fingerprint(struct sdp_parser *ps, struct sdp_str v, struct sdp_fingerprint *fp);

/* Expected hex bytes of a fingerprint algorithm (lower-case name), or 0. */
size_t sdp_fp_alg_bytes(struct sdp_str alg);
/* "AB:CD:.." with exactly `bytes` pairs. */
bool sdp_fp_value_ok(struct sdp_str v, size_t bytes);

/* ---- output ---- */

/* A bounded text writer; the error flag is sticky. */
struct sdp_out {
    char *p;
    size_t len, cap;
    bool err;
};

void sdp_out_init(struct sdp_out *o, char *buf, size_t cap);
void sdp_out_printf(struct sdp_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Finishes: NUL-terminates; 0 or ERR_TOOBIG. */
int sdp_out_end(struct sdp_out *o, size_t *out_len);

/* Checks our own credentials and candidates (ERR_INVAL when bad). */
int sdp_check_creds(const char *ufrag, const char *pwd, const char *fp_alg, const char *fp);
int sdp_check_candidates(const struct sdp_local_candidate *c, size_t n);
/* A token of at most `max` bytes (NULL is not). */
bool sdp_check_token(const char *s, size_t max);
/* Extension ids: each 0 or 1-14/16-255, no id twice. */
bool sdp_check_ext_ids(const struct sdp_ext_ids *ext);

/* "m=<type> <port> <proto> <pt>[ <rtx>]" and "c=IN IPx <addr>": the port and
 * address of the first UDP candidate (else the first), else port 9 and
 * 0.0.0.0. rtx_pt < 0: none. */
void sdp_write_media_head(struct sdp_out *o, const char *media_type, const char *proto,
                          const struct sdp_local_candidate *c, size_t n, unsigned pt, int rtx_pt);
/* a=ice-ufrag, a=ice-pwd. */
void sdp_write_creds(struct sdp_out *o, const char *ufrag, const char *pwd);
/* a=rtpmap, a=rtcp-fb (enum sdp_fb bits) and a=fmtp (if fmtp is not NULL
 * or empty) of one payload type. */
void sdp_write_codec(struct sdp_out *o, unsigned pt, enum sdp_codec_id id, uint32_t clock,
                     unsigned channels, uint32_t fb, const char *fmtp);
/* a=ssrc-group:FID (when rtx_ssrc != 0) and a=ssrc cname/msid lines. */
void sdp_write_ssrcs(struct sdp_out *o, uint32_t ssrc, uint32_t rtx_ssrc, const char *cname,
                     const char *stream_id, const char *track_id);
/* a=candidate lines and a=end-of-candidates. */
void sdp_write_candidates(struct sdp_out *o, const struct sdp_local_candidate *c, size_t n);

/* The fmtp we write for H.264: constrained baseline 3.1, non-interleaved. */
#define SDP_H264_FMTP "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"

#endif
