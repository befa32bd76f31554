/* SDP (RFC 8866, RFC 3264 offer/answer) for the phone bridge: one plain
 * RTP/AVP audio stream towards a SIP trunk or phone. Parsing keeps only
 * what a call needs (address, ports, direction, audio codecs, DTMF,
 * ptime); everything else in the description is skipped.
 *
 * Sans-IO and allocation-free. Input is hostile: every line, token and
 * list is bounded; errors are the project's (base/err.h): ERR_PARSE for a
 * malformed description, ERR_TOOBIG past a named limit or when an output
 * buffer is too small, ERR_NOTFOUND when no audio stream or no codec of
 * ours is offered (the caller answers 488), ERR_INVAL for bad arguments. */
#ifndef SAMTALE_SIGNALING_SIP_SDP_H
#define SAMTALE_SIGNALING_SIP_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "media/audio_codec.h"

#define SIP_SDP_MAX_LEN 8192  /* whole description, bytes */
#define SIP_SDP_MAX_LINE 1024 /* one line without its line end */
#define SIP_SDP_MAX_CODECS 8  /* codecs of ours kept from the audio m-line */
#define SIP_SDP_MAX_ADDR 64   /* connection address, with its NUL */
#define SIP_SDP_OUT_MAX 1024  /* room enough for what the builders write */

enum sip_sdp_dir {
    SIP_SDP_SENDRECV,
    SIP_SDP_SENDONLY,
    SIP_SDP_RECVONLY,
    SIP_SDP_INACTIVE,
};

/* The first audio m-line of a description that has a non-zero port. */
struct sip_sdp {
    char addr[SIP_SDP_MAX_ADDR]; /* media c= address (m-line's, else session's) */
    bool ipv6;                   /* c=IN IP6 */
    uint16_t port;               /* RTP port of the m-line */
    uint16_t rtcp_port;          /* a=rtcp, or port + 1 */
    bool rtcp_mux;               /* a=rtcp-mux present */
    enum sip_sdp_dir dir;        /* a=sendonly/...; c=0.0.0.0 counts as sendonly (hold) */
    bool hold_zero_addr;         /* c=0.0.0.0 (RFC 2543 hold) */
    struct {
        uint8_t pt;
        enum audio_codec_kind codec;
    } codecs[SIP_SDP_MAX_CODECS]; /* the m-line's codecs we know, in its order */
    size_t n_codecs;
    int dtmf_pt;                    /* telephone-event/8000, -1 when not offered */
    unsigned ptime;                 /* a=ptime, 0 when absent */
    uint64_t sess_id, sess_version; /* o= */
};

/* What we use from an offer. */
struct sip_sdp_choice {
    enum audio_codec_kind codec;
    uint8_t pt;
    int dtmf_pt; /* -1: no telephone-event */
};

/* Our side of a description. */
struct sip_sdp_local {
    const char *addr; /* IPv4 or IPv6 literal for c= and o= */
    uint16_t port;    /* RTP port (RTCP is port + 1) */
    uint64_t sess_id, sess_version;
};

/* The payload type the offer (dial-out) gives Opus. */
#define SIP_SDP_OPUS_PT 111
#define SIP_SDP_DTMF_PT 101

/* Parses a description. The result is complete only on 0. An offer with
 * no audio m-line of a non-zero port or none of our codecs still parses
 * (n_codecs 0); sip_sdp_choose() then reports ERR_NOTFOUND. */
int sip_sdp_parse(const char *body, size_t len, struct sip_sdp *out);

/* Our choice from an offer: Opus (opus/48000/2) if offered, else G.722,
 * else PCMA, else PCMU; telephone-event/8000 if offered. ERR_NOTFOUND when
 * none of them is offered (the caller answers 488). Also used on an
 * answer to our offer: its first codec is the one to send. */
int sip_sdp_choose(const struct sip_sdp *offer, struct sip_sdp_choice *out);

/* The answer's direction for an offer's: sendonly <-> recvonly. */
enum sip_sdp_dir sip_sdp_mirror(enum sip_sdp_dir offered);

/* Writes our answer: the chosen codec, telephone-event if chosen,
 * ptime 20, direction dir. NUL-terminates; *len gets the length without
 * it. ERR_TOOBIG if cap is too small. */
int sip_sdp_build_answer(const struct sip_sdp_local *local, const struct sip_sdp_choice *ch,
                         enum sip_sdp_dir dir, char *buf, size_t cap, size_t *len);

/* Writes our offer (dial-out): Opus SIP_SDP_OPUS_PT, G722 9, PCMA 8,
 * PCMU 0, telephone-event SIP_SDP_DTMF_PT, sendrecv, ptime 20. */
int sip_sdp_build_offer(const struct sip_sdp_local *local, char *buf, size_t cap, size_t *len);

const char *sip_sdp_dir_name(enum sip_sdp_dir dir);

#endif
