/* SDP (RFC 8866) for a WebRTC SFU: parse browser offers and answers, build
 * the answer to a publish offer and the server's offer for a subscribe
 * connection. The server is an ICE-lite (RFC 8445), BUNDLE (RFC 8843),
 * rtcp-mux, DTLS-SRTP endpoint.
 *
 * Sans-IO and allocation-free. sdp_parse() fills a caller-owned, bounded
 * struct sdp_session: every list has a named limit and every string is
 * copied into a fixed array after a length check. Input beyond a limit is
 * an error naming the line, never silently truncated; the one exception is
 * ICE candidates past SDP_MAX_CANDIDATES per m-line, which are counted in
 * sdp_media.n_candidates_dropped and otherwise ignored (an ICE-lite server
 * never uses the browser's candidates; a browser on a machine with many
 * interfaces must not be refused for it).
 *
 * struct sdp_session is large (about 270 KiB with these limits): allocate it
 * once (heap or static), not on a thread's stack. The long per-m-line lists
 * (payload types, extmaps, SSRCs, candidates) live in pools shared by all
 * m-lines of the description, each with a limit per m-line and one for the
 * whole description, so the size does not grow with SDP_MAX_MEDIA x the
 * per-m-line limit. An m-line's entries are contiguous in its pool; its
 * pointers point into the same struct sdp_session, so do not copy one with
 * memcpy or assignment: parse again instead.
 *
 * The builders write text with CRLF line ends into a caller buffer and
 * NUL-terminate it; what they write always parses back with sdp_parse().
 *
 * Error codes are the project's (base/err.h): ERR_PARSE for malformed
 * input, ERR_TOOBIG when a named limit is exceeded (or an output buffer is
 * too small), ERR_PROTO when an offer cannot be answered at all, ERR_INVAL
 * for bad arguments from our own code. */
#ifndef SAMTALE_SIGNALING_SDP_H
#define SAMTALE_SIGNALING_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- named limits ---- */

#define SDP_MAX_LEN (128 * 1024) /* whole description, bytes */
#define SDP_MAX_LINE 4096        /* one line without its line end */
/* m-lines. A subscribe offer of an 8-party meeting carries 7 x (audio,
 * camera, screen) = 21 m-lines; more stay for lines kept inactive for reuse. */
#define SDP_MAX_MEDIA 32
/* Payload types per m-line. Chromium 156 offers 34 in a receive-only video
 * m-line (VP8, 4 VP9, 8 H.264, 2 AV1, each with RTX, red, ulpfec, flexfec);
 * its publish offer of microphone, camera and screen has 54 in all (the
 * fixtures in tests/fixtures/sdp/). An answer to our offers has one or two
 * per m-line. */
#define SDP_MAX_CODECS 64
#define SDP_MAX_CODECS_TOTAL 256    /* in all m-lines */
#define SDP_MAX_EXTMAPS 24          /* a=extmap per m-line */
#define SDP_MAX_EXTMAPS_TOTAL 192   /* in all m-lines */
#define SDP_MAX_SSRCS 16            /* distinct a=ssrc ids per m-line */
#define SDP_MAX_SSRCS_TOTAL 128     /* in all m-lines */
#define SDP_MAX_SSRC_GROUPS 8       /* a=ssrc-group per m-line */
#define SDP_MAX_GROUP_SSRCS 4       /* ssrcs in one a=ssrc-group */
#define SDP_MAX_RIDS 4              /* a=rid per m-line; simulcast streams per direction */
#define SDP_MAX_SIM_ALTS 4          /* alternative rids of one simulcast stream */
#define SDP_MAX_RID_PTS 8           /* pt= values of one a=rid */
#define SDP_MAX_CANDIDATES 32       /* a=candidate kept per m-line (see above) */
#define SDP_MAX_CANDIDATES_TOTAL 64 /* kept in all m-lines; BUNDLE needs one m-line's */
#define SDP_MAX_LOCAL_CANDIDATES 16 /* candidates the builders write */
#define SDP_ERR_MAX 160             /* error message buffer, with its NUL */

/* String fields: maximum length without the terminating NUL. */
#define SDP_MAX_TOKEN 64       /* origin user name and address, media type */
#define SDP_MAX_PROTO 32       /* UDP/TLS/RTP/SAVPF */
#define SDP_MAX_MID 32         /* a=mid, BUNDLE members */
#define SDP_MAX_RID_ID 16      /* a=rid id (what fits the RTP rid extension) */
#define SDP_MAX_RID_PARAMS 128 /* a=rid parameters, raw */
#define SDP_MAX_MSID 64        /* RFC 8830 msid-id and msid-appdata */
#define SDP_MAX_CNAME 64       /* a=ssrc:N cname: */
#define SDP_MAX_UFRAG 256      /* RFC 8839: ice-ufrag 4..256 ice-chars */
#define SDP_MAX_PWD 256        /* RFC 8839: ice-pwd 22..256 ice-chars */
#define SDP_MAX_ICE_OPTIONS 64
#define SDP_MAX_FP_ALG 8 /* sha-256 */
#define SDP_MAX_FP 191   /* sha-512: 64 hex pairs and 63 colons */
#define SDP_MAX_CODEC_NAME 32
#define SDP_MAX_FMTP 256
#define SDP_MAX_URI 256       /* a=extmap URI */
#define SDP_MAX_FOUNDATION 32 /* RFC 8839 */
#define SDP_MAX_ADDR 64       /* IP literal or mDNS host name */
#define SDP_MAX_SEMANTICS 16  /* a=ssrc-group and a=msid-semantic */

/* ---- enumerations ---- */

enum sdp_kind {
    SDP_KIND_OTHER = 0, /* see sdp_media.media_type */
    SDP_KIND_AUDIO,
    SDP_KIND_VIDEO,
    SDP_KIND_APPLICATION,
};

/* Media direction; also the direction of an a=extmap. NONE = not given. */
enum sdp_dir {
    SDP_DIR_NONE = 0,
    SDP_DIR_SENDRECV,
    SDP_DIR_SENDONLY,
    SDP_DIR_RECVONLY,
    SDP_DIR_INACTIVE,
};

enum sdp_setup {
    SDP_SETUP_NONE = 0,
    SDP_SETUP_ACTPASS,
    SDP_SETUP_ACTIVE,
    SDP_SETUP_PASSIVE,
    SDP_SETUP_HOLDCONN,
};

/* Codecs the server knows by name (a=rtpmap encoding name, any case). */
enum sdp_codec_id {
    SDP_CODEC_OTHER = 0,
    SDP_CODEC_OPUS,
    SDP_CODEC_VP8,
    SDP_CODEC_VP9,
    SDP_CODEC_H264,
    SDP_CODEC_AV1,
    SDP_CODEC_RTX,
    SDP_CODEC_RED,
    SDP_CODEC_ULPFEC,
};

/* a=rtcp-fb values the server understands (others are skipped). */
enum sdp_fb {
    SDP_FB_NACK = 1u << 0,      /* nack */
    SDP_FB_NACK_PLI = 1u << 1,  /* nack pli */
    SDP_FB_CCM_FIR = 1u << 2,   /* ccm fir */
    SDP_FB_GOOG_REMB = 1u << 3, /* goog-remb */
    SDP_FB_TWCC = 1u << 4,      /* transport-cc */
};
#define SDP_FB_ALL (SDP_FB_NACK | SDP_FB_NACK_PLI | SDP_FB_CCM_FIR | SDP_FB_GOOG_REMB | SDP_FB_TWCC)

/* RTP header extensions the server understands (by a=extmap URI). */
enum sdp_ext {
    SDP_EXT_OTHER = 0,
    SDP_EXT_MID,               /* urn:ietf:params:rtp-hdrext:sdes:mid */
    SDP_EXT_RID,               /* urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id */
    SDP_EXT_RRID,              /* urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id */
    SDP_EXT_AUDIO_LEVEL,       /* urn:ietf:params:rtp-hdrext:ssrc-audio-level */
    SDP_EXT_ABS_SEND_TIME,     /* http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time */
    SDP_EXT_TWCC,              /* ...draft-holmer-rmcat-transport-wide-cc-extensions-01 */
    SDP_EXT_VIDEO_ORIENTATION, /* urn:3gpp:video-orientation */
    SDP_EXT_COUNT
};

enum sdp_transport {
    SDP_TRANSPORT_UDP = 0,
    SDP_TRANSPORT_TCP,
};

enum sdp_cand_type {
    SDP_CAND_HOST = 0,
    SDP_CAND_SRFLX,
    SDP_CAND_PRFLX,
    SDP_CAND_RELAY,
};

enum sdp_tcptype {
    SDP_TCPTYPE_NONE = 0, /* UDP */
    SDP_TCPTYPE_ACTIVE,
    SDP_TCPTYPE_PASSIVE,
    SDP_TCPTYPE_SO,
};

enum sdp_rid_dir {
    SDP_RID_SEND = 0,
    SDP_RID_RECV,
};

/* ---- parsed description ---- */

struct sdp_fingerprint {
    char alg[SDP_MAX_FP_ALG + 1]; /* lower case: sha-1, sha-256, ... */
    char value[SDP_MAX_FP + 1];   /* upper-case hex pairs with colons */
};

/* One payload type of an RTP m-line, in m= line order. */
struct sdp_codec {
    uint8_t pt;
    enum sdp_codec_id id;
    bool has_rtpmap;
    char name[SDP_MAX_CODEC_NAME + 1]; /* as written in a=rtpmap; "" without */
    uint32_t clock;                    /* Hz; 0 without a=rtpmap */
    uint8_t channels;                  /* 0 when not given */
    bool has_fmtp;
    char fmtp[SDP_MAX_FMTP + 1]; /* raw a=fmtp parameters */
    /* Parsed a=fmtp parameters; -1 when absent. */
    int apt;                     /* RTX: associated payload type */
    int32_t profile_level_id;    /* H.264: 24 bits, e.g. 0x42e01f */
    int packetization_mode;      /* H.264: 0..2 */
    int level_asymmetry_allowed; /* H.264: 0/1 */
    int useinbandfec;            /* Opus: 0/1 */
    int usedtx;                  /* Opus: 0/1 */
    int stereo;                  /* Opus: 0/1 */
    int minptime;                /* Opus: ms */
    uint32_t fb;                 /* enum sdp_fb, including a=rtcp-fb:* */
};

struct sdp_extmap {
    uint16_t id;      /* 1..14 or 16..255 */
    enum sdp_dir dir; /* NONE when the line gave no direction */
    enum sdp_ext ext; /* OTHER for URIs the server does not know */
    char uri[SDP_MAX_URI + 1];
};

/* The attributes of one SSRC (a=ssrc:<ssrc> cname:/msid:). */
struct sdp_ssrc {
    uint32_t ssrc;
    char cname[SDP_MAX_CNAME + 1];
    char msid_stream[SDP_MAX_MSID + 1];
    char msid_track[SDP_MAX_MSID + 1];
};

struct sdp_ssrc_group {
    char semantics[SDP_MAX_SEMANTICS + 1]; /* FID, SIM, FEC-FR, ... */
    uint32_t ssrcs[SDP_MAX_GROUP_SSRCS];
    size_t n_ssrcs;
};

struct sdp_rid {
    char id[SDP_MAX_RID_ID + 1];
    enum sdp_rid_dir dir;
    char params[SDP_MAX_RID_PARAMS + 1]; /* raw, "" when none */
    uint8_t pts[SDP_MAX_RID_PTS];        /* pt= restriction */
    size_t n_pts;
    uint32_t max_width, max_height, max_fps, max_br; /* 0 when absent */
};

/* One simulcast stream: its alternative rids, most preferred first. */
struct sdp_sim_stream {
    char rid[SDP_MAX_SIM_ALTS][SDP_MAX_RID_ID + 1];
    bool paused[SDP_MAX_SIM_ALTS]; /* written with a leading '~' */
    size_t n_alts;
};

struct sdp_simulcast {
    struct sdp_sim_stream send[SDP_MAX_RIDS];
    size_t n_send;
    struct sdp_sim_stream recv[SDP_MAX_RIDS];
    size_t n_recv;
};

struct sdp_candidate {
    char foundation[SDP_MAX_FOUNDATION + 1];
    uint16_t component; /* 1 RTP, 2 RTCP */
    enum sdp_transport transport;
    uint32_t priority;
    char address[SDP_MAX_ADDR + 1]; /* IP literal or host name (mDNS) */
    uint16_t port;
    enum sdp_cand_type type;
    enum sdp_tcptype tcptype;
};

struct sdp_media {
    enum sdp_kind kind;
    char media_type[SDP_MAX_TOKEN + 1]; /* as written: audio, video, ... */
    uint16_t port;                      /* 0: rejected, unless bundle_only */
    bool bundle_only;
    char proto[SDP_MAX_PROTO + 1];
    char fmt0[SDP_MAX_TOKEN + 1]; /* first format token, e.g. webrtc-datachannel */

    /* RTP m-lines: one entry per payload type of the m= line, in order.
     * This and the other lists below point into the session's pools. */
    struct sdp_codec *codecs;
    size_t n_codecs;
    uint32_t fb_all; /* a=rtcp-fb:* (already folded into every codec's fb) */

    char mid[SDP_MAX_MID + 1]; /* "" when absent */
    enum sdp_dir dir;          /* never NONE after parsing (default sendrecv) */
    bool rtcp_mux, rtcp_rsize, extmap_allow_mixed;

    struct sdp_extmap *extmaps;
    size_t n_extmaps;
    struct sdp_ssrc *ssrcs;
    size_t n_ssrcs;
    struct sdp_ssrc_group ssrc_groups[SDP_MAX_SSRC_GROUPS];
    size_t n_ssrc_groups;
    bool has_msid; /* a=msid */
    char msid_stream[SDP_MAX_MSID + 1];
    char msid_track[SDP_MAX_MSID + 1];
    struct sdp_rid rids[SDP_MAX_RIDS];
    size_t n_rids;
    bool has_simulcast;
    struct sdp_simulcast simulcast;

    struct sdp_candidate *candidates;
    size_t n_candidates;
    size_t n_candidates_dropped; /* past SDP_MAX_CANDIDATES(_TOTAL), or unknown transport */
    bool end_of_candidates;

    /* Transport attributes; after parsing, absent ones are inherited from
     * the session level. */
    char ice_ufrag[SDP_MAX_UFRAG + 1];
    char ice_pwd[SDP_MAX_PWD + 1];
    char ice_options[SDP_MAX_ICE_OPTIONS + 1];
    struct sdp_fingerprint fingerprint;
    enum sdp_setup setup;

    /* m=application: data channel. */
    uint16_t sctp_port;        /* 0 when absent */
    uint32_t max_message_size; /* 0 when absent */
};

struct sdp_origin {
    char username[SDP_MAX_TOKEN + 1];
    uint64_t sess_id;
    uint64_t sess_version;
    char address[SDP_MAX_TOKEN + 1];
};

struct sdp_session {
    struct sdp_origin origin;
    /* The (one) a=group:BUNDLE, in its order; the first is the tag. */
    char bundle[SDP_MAX_MEDIA][SDP_MAX_MID + 1];
    size_t n_bundle;
    /* Transport attributes of the session: the session-level lines, or if
     * there are none, those of the first m-line that has them. */
    char ice_ufrag[SDP_MAX_UFRAG + 1];
    char ice_pwd[SDP_MAX_PWD + 1];
    char ice_options[SDP_MAX_ICE_OPTIONS + 1];
    struct sdp_fingerprint fingerprint;
    enum sdp_setup setup;                      /* session level only; NONE if absent */
    char msid_semantic[SDP_MAX_SEMANTICS + 1]; /* "WMS" or "" */
    bool ice_lite;
    bool extmap_allow_mixed; /* session level, or on every m-line */
    enum sdp_dir dir;        /* session-level direction; NONE if absent */

    struct sdp_media media[SDP_MAX_MEDIA];
    size_t n_media;

    /* The m-lines' lists (see the top of this file); n_* are the used entries. */
    struct sdp_codec codec_pool[SDP_MAX_CODECS_TOTAL];
    struct sdp_extmap extmap_pool[SDP_MAX_EXTMAPS_TOTAL];
    struct sdp_ssrc ssrc_pool[SDP_MAX_SSRCS_TOTAL];
    struct sdp_candidate candidate_pool[SDP_MAX_CANDIDATES_TOTAL];
    size_t n_codec_pool, n_extmap_pool, n_ssrc_pool, n_candidate_pool;
};

/* Parses `len` bytes of SDP (no NUL needed; a NUL byte in it is an error).
 * Lines end in CRLF or LF, the last one too; each is `<letter>=<value>`;
 * the first is v=0 and an o= line is required. Unknown line types and
 * attributes are skipped. A description without ice-ufrag, ice-pwd or a
 * fingerprint (session level or in an m-line) is an error.
 * Returns 0, ERR_PARSE, ERR_TOOBIG or ERR_INVAL. On error `err` (if not
 * NULL) holds an English message naming the line, e.g.
 * "line 12 (a=rtpmap): clock rate is not a number"; `s` is then undefined. */
int sdp_parse(struct sdp_session *s, const char *text, size_t len, char err[SDP_ERR_MAX]);

/* Small lookups over a parsed description. */
const struct sdp_media *sdp_find_mid(const struct sdp_session *s, const char *mid);
const struct sdp_codec *sdp_find_codec(const struct sdp_media *m, uint8_t pt);
/* The RTX payload type whose apt= is `pt`, or -1. */
int sdp_find_rtx(const struct sdp_media *m, uint8_t pt);
/* The id of an extension in m, or 0 when not offered. */
uint16_t sdp_find_ext(const struct sdp_media *m, enum sdp_ext ext);
bool sdp_in_bundle(const struct sdp_session *s, const char *mid);

/* Names: "sendrecv", "opus", the extension URI, ...; never NULL. */
const char *sdp_dir_str(enum sdp_dir d);
const char *sdp_codec_str(enum sdp_codec_id id);
const char *sdp_ext_uri(enum sdp_ext ext);

/* ---- building ---- */

/* One of our ICE candidates. UDP candidates are written as host
 * candidates, TCP ones as host candidates with tcptype passive (RFC 6544);
 * priorities follow RFC 8445 §5.1.2 with UDP preferred over TCP and the
 * array order as the local preference. */
struct sdp_local_candidate {
    enum sdp_transport transport;
    const char *address; /* IPv4 or IPv6 literal */
    uint16_t port;
};

/* What we send on m-line i of an answer whose direction includes sending. */
struct sdp_local_track {
    uint32_t ssrc, rtx_ssrc;          /* 0: none (no a=ssrc lines) */
    const char *stream_id, *track_id; /* a=msid; NULL: none */
};

/* Our side of a publish connection's answer. All strings are borrowed. */
struct sdp_local {
    const char *ice_ufrag;       /* 4..256 ice-chars */
    const char *ice_pwd;         /* 22..256 ice-chars */
    const char *fingerprint_alg; /* "sha-256" */
    const char *fingerprint;     /* "AB:CD:..." */
    uint64_t session_id, session_version;
    const struct sdp_local_candidate *candidates;
    size_t n_candidates; /* <= SDP_MAX_LOCAL_CANDIDATES */
    /* What we do on every media: NONE or RECVONLY = receive only (a publish
     * connection); SENDRECV = also send (e.g. the echo check). The answer's
     * direction is the intersection with the offer's. */
    enum sdp_dir dir;
    bool opus_dtx;                        /* add usedtx=1 to the Opus fmtp */
    const char *cname;                    /* for a=ssrc lines when sending */
    const struct sdp_local_track *tracks; /* indexed by m-line; may be NULL */
    size_t n_tracks;
};

/* An RTP stream the browser announced: primary SSRC and its RTX (FID). */
struct sdp_stream {
    uint32_t ssrc;
    uint32_t rtx_ssrc; /* 0 when none */
};

/* Extension ids; 0 = not negotiated. */
struct sdp_ext_ids {
    uint8_t id[SDP_EXT_COUNT]; /* indexed by enum sdp_ext; [SDP_EXT_OTHER] unused */
};

/* Everything the router needs about one m-line of an answer. */
struct sdp_answer_media {
    enum sdp_kind kind;
    char mid[SDP_MAX_MID + 1];
    bool accepted;
    const char *why;  /* rejected: the reason (static string); else NULL */
    enum sdp_dir dir; /* the answer's direction */
    enum sdp_codec_id codec;
    uint8_t pt;
    int rtx_pt; /* -1 when none */
    uint32_t clock;
    uint8_t channels;
    uint32_t fb; /* enum sdp_fb negotiated for pt */
    struct sdp_ext_ids ext;
    struct sdp_stream streams[SDP_MAX_SSRCS]; /* in SIM order if a SIM group exists */
    size_t n_streams;
    char rids[SDP_MAX_RIDS][SDP_MAX_RID_ID + 1]; /* simulcast, lowest first as offered */
    size_t n_rids;
    char cname[SDP_MAX_CNAME + 1];
    char msid_stream[SDP_MAX_MSID + 1];
    char msid_track[SDP_MAX_MSID + 1];
};

struct sdp_answer_info {
    struct sdp_answer_media media[SDP_MAX_MEDIA]; /* one per offered m-line */
    size_t n_media;
    size_t n_accepted;
    bool extmap_allow_mixed;
    const char *why; /* when sdp_build_answer failed: what was wrong */
};

/* The congestion feedback an answer negotiated for what we receive. */
enum sdp_cc {
    SDP_CC_NONE = 0,
    SDP_CC_TWCC, /* transport-cc (a=rtcp-fb and the transport-wide-cc extension) */
    SDP_CC_REMB, /* goog-remb without transport-cc: we estimate and send REMB */
};
/* TWCC when an accepted m-line we receive on has both the transport-cc
 * feedback and the extension; else REMB when one has goog-remb. */
enum sdp_cc sdp_answer_cc(const struct sdp_answer_info *info);

/* The answer to a browser's publish offer: ICE-lite, BUNDLE, rtcp-mux,
 * a=setup:passive (active if the offer is passive), one codec per m-line
 * (Opus; VP8, else H.264 constrained baseline packetization-mode=1) with
 * its RTX, the supported rtcp-fb and extensions under the offered ids,
 * simulcast recv for offered send rids. Data channels and m-lines we cannot
 * take are rejected with port 0 and left out of the BUNDLE group.
 * Writes at most `cap` bytes including a NUL; *out_len excludes the NUL.
 * `info` (may be NULL) reports what was chosen per m-line.
 * Returns 0, ERR_TOOBIG (cap), ERR_INVAL (bad `local`) or ERR_PROTO (the
 * offer has no BUNDLE group; info->why says so). */
int sdp_build_answer(const struct sdp_session *offer, const struct sdp_local *local, char *out,
                     size_t cap, size_t *out_len, struct sdp_answer_info *info);

/* One m-line of a subscribe offer. Keep the array across renegotiations:
 * mids stay stable; a track that went away becomes dir INACTIVE (mid kept
 * for reuse) or `removed` (port 0, its mid is never used again). */
struct sdp_offer_media {
    enum sdp_kind kind; /* AUDIO or VIDEO */
    const char *mid;
    enum sdp_dir dir; /* SENDONLY or INACTIVE (SENDRECV/RECVONLY allowed) */
    bool removed;
    enum sdp_codec_id codec; /* OPUS for audio; VP8 or H264 for video */
    uint8_t pt;
    int rtx_pt;                       /* -1: none */
    uint32_t fb;                      /* enum sdp_fb to offer */
    struct sdp_ext_ids ext;           /* extensions to offer with these ids */
    uint32_t ssrc, rtx_ssrc;          /* when sending; rtx_ssrc 0 without RTX */
    const char *stream_id, *track_id; /* a=msid when sending */
};

struct sdp_offer_spec {
    const char *ice_ufrag, *ice_pwd, *fingerprint_alg, *fingerprint;
    uint64_t session_id, session_version;
    const char *cname; /* a=ssrc cname */
    bool extmap_allow_mixed;
    const struct sdp_local_candidate *candidates;
    size_t n_candidates;
    const struct sdp_offer_media *media;
    size_t n_media; /* <= SDP_MAX_MEDIA */
};

/* A server-side offer (ICE-lite, a=setup:actpass, BUNDLE of the m-lines
 * that are not removed). Returns 0, ERR_TOOBIG or ERR_INVAL. */
int sdp_build_offer(const struct sdp_offer_spec *spec, char *out, size_t cap, size_t *out_len);

#endif
