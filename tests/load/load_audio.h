/* The load generator's audio: Opus encoded once at start (a tone, 20 ms
 * frames), then packetized per participant with its own SSRC, sequence
 * number and timestamp, the ssrc-audio-level and mid header extensions when
 * negotiated, and the generator's marker (marker.h) as padding. Receivers
 * decode every Opus payload to count decode errors.
 *
 * A video source (VP8 simulcast) is a sibling of this module with the same
 * shape: a clip encoded once, a per-participant sender that writes packets. */
#ifndef SAMTALE_LOAD_AUDIO_H
#define SAMTALE_LOAD_AUDIO_H

#include <stddef.h>
#include <stdint.h>

#define LG_AUDIO_RATE 48000
#define LG_AUDIO_FRAME_US 20000
#define LG_AUDIO_FRAME_SAMPLES 960
#define LG_AUDIO_MAX_FRAME 1276 /* largest Opus frame (RFC 6716) */
#define LG_AUDIO_PT 111

/* Frames of Opus, encoded once and shared read-only by every thread. */
struct lg_audio_clip {
    size_t n_frames;
    uint8_t (*data)[LG_AUDIO_MAX_FRAME];
    uint16_t *len;
};

/* Encodes `seconds` (1..30) of a 440 Hz tone at `bitrate` bit/s (6000..
 * 510000). Returns 0, ERR_INVAL, ERR_NOMEM or ERR_IO (libopus failed). */
int lg_audio_clip_make(struct lg_audio_clip *c, unsigned seconds, int bitrate);
void lg_audio_clip_free(struct lg_audio_clip *c);

/* One participant's audio stream. */
struct lg_audio_sender {
    uint32_t ssrc;
    uint32_t stream; /* marker stream id, lg_stream_id(participant, 0) */
    uint16_t seq;
    uint32_t timestamp;
    uint32_t frame;                   /* frames sent (or dropped) so far */
    uint8_t ext_audio_level, ext_mid; /* negotiated extension ids; 0 = none */
    uint8_t ext_twcc; /* transport-wide sequence (first element, its number written per packet); 0 =
                         none */
    char mid[16];
};

/* Writes the next packet (RTP header, extensions, Opus frame, marker) into
 * buf[0..cap) and advances the stream by one frame. Returns the length or
 * ERR_TOOBIG. */
int lg_audio_next(struct lg_audio_sender *s, const struct lg_audio_clip *c, uint64_t now_us,
                  uint8_t *buf, size_t cap);

/* Decoder of one received stream. */
struct lg_audio_decoder;
int lg_audio_decoder_create(struct lg_audio_decoder **out);
void lg_audio_decoder_destroy(struct lg_audio_decoder *d);
/* Decodes one Opus payload; returns the samples per channel or ERR_PARSE
 * when libopus refuses it. */
int lg_audio_decode(struct lg_audio_decoder *d, const uint8_t *payload, size_t len);

#endif
