/* The SDP a generated participant sends, written as a browser would
 * (UDP/TLS/RTP/SAVPF, BUNDLE, rtcp-mux, ice-ufrag/pwd, the fingerprint of
 * our DTLS certificate), and what it takes from the server's SDP. Parsing
 * uses the server's own parser (signaling/sdp.h). */
#ifndef SAMTALE_LOAD_SDP_H
#define SAMTALE_LOAD_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "signaling/sdp.h"
#include "tests/load/load_peer.h"
#include "tests/load/load_repair.h"

#define LG_SDP_MAX 16384 /* our offers and answers */

/* The camera in a publish offer: its layers' SSRCs, lowest first. */
struct lg_sdp_video {
    unsigned n_layers; /* 1, or 3 for simulcast */
    const uint32_t *ssrc;
    const uint32_t *rtx_ssrc; /* one layer's RTX SSRC (FID group), with feedback */
};

/* The payload type of the camera's RTX in our offers. */
#define LG_VIDEO_RTX_PT 97
/* Header extension ids of our publish offer (as Chromium numbers them). */
#define LG_EXT_AUDIO_LEVEL 1
#define LG_EXT_TWCC 3
#define LG_EXT_MID 4
#define LG_EXT_RID 10
#define LG_EXT_RRID 11

/* Our publish offer: one send-only Opus m-line (mid "0", SSRC `ssrc`), with
 * the ssrc-audio-level and mid extensions, a=setup:actpass; with `video`
 * (NULL: none) a send-only VP8 m-line (mid LG_VIDEO_MID) with the mid and
 * rtp-stream-id extensions, PLI and FIR feedback, and either a=rid q, h, f
 * with a=simulcast:send (as Chromium offers simulcast; the server learns
 * the SSRCs from the packets) or one SSRC in a=ssrc lines. With `feedback`
 * also what Chromium offers for congestion control and repair: the
 * transport-wide-cc extension and transport-cc feedback on both m-lines,
 * and for the camera generic NACK, RTX (LG_VIDEO_RTX_PT, apt= VP8) and the
 * repaired-rtp-stream-id extension, or for one layer its RTX SSRC in
 * a=ssrc-group:FID. Returns the length or ERR_TOOBIG. */
int lg_sdp_publish_offer(char *out, size_t cap, const struct lg_peer *p, const char *fp,
                         uint32_t ssrc, uint32_t participant, const struct lg_sdp_video *video,
                         bool feedback);

/* The feedback the answer to our publish offer kept (its audio m-line's
 * transport-wide-cc id; the camera m-line LG_VIDEO_MID's RTX payload type
 * and repaired-rtp-stream-id id). */
void lg_sdp_publish_feedback(const struct sdp_session *answer, struct lg_pub_feedback *out);

/* The feedback of a subscribe offer: the transport-wide-cc extension id
 * (*ext_twcc, 0: none) and the RTX streams, one for every video m-line
 * whose first codec has an RTX payload type and whose a=ssrc-group:FID
 * names both SSRCs. Returns how many were written to out[0..cap). */
size_t lg_sdp_subscribe_feedback(const struct sdp_session *offer, uint8_t *ext_twcc,
                                 struct lg_rtx_pair *out, size_t cap);

/* The answer to the server's subscribe offer `offer` (parsed): every
 * m-line received with its first codec (VP8 for video), its PLI and FIR
 * feedback when offered, and the offered extensions, a=setup:active. With
 * `feedback` also the first codec's RTX when offered and its nack and
 * transport-cc feedback; without, the transport-wide-cc extension is left
 * out too. Returns the length, ERR_TOOBIG or ERR_PROTO (nothing usable). */
int lg_sdp_subscribe_answer(char *out, size_t cap, const struct sdp_session *offer,
                            const struct lg_peer *p, const char *fp, bool feedback);

/* The server's side from its SDP: ICE credentials, fingerprint, DTLS role
 * (a=setup) and its first UDP IPv4 candidate. Returns 0 or ERR_NOTFOUND (no such candidate). */
int lg_sdp_remote(const struct sdp_session *s, struct lg_remote *out);

/* The server's answer to our publish offer: its side (lg_sdp_remote) and
 * the ids of the audio-level and mid extensions it kept (0: not
 * negotiated). Returns 0, ERR_PROTO (the audio m-line refused) or
 * ERR_NOTFOUND (no UDP IPv4 candidate). */
int lg_sdp_publish_remote(const struct sdp_session *answer, struct lg_remote *out,
                          uint8_t *ext_audio_level, uint8_t *ext_mid);

/* The camera's m-line (mid LG_VIDEO_MID) of the server's answer to our
 * publish offer with n_layers layers: the ids of the mid and rtp-stream-id
 * extensions its packets carry (0: not negotiated). Returns 0, ERR_PROTO
 * (the m-line missing or refused) or ERR_NOTFOUND (an id over 14; with
 * simulcast, no rtp-stream-id id or an a=simulcast:recv that does not take
 * each of our rids). */
int lg_sdp_publish_video(const struct sdp_session *answer, unsigned n_layers, uint8_t *ext_mid,
                         uint8_t *ext_rid);

#endif
