/* Audio codecs of the phone bridge: G.711 (PCMA, PCMU), G.722 and Opus,
 * one encoder or decoder per direction of a call. PCM is 16-bit mono at
 * the codec's rate (audio_codec_rate); a frame is 20 ms.
 *
 * Sans-IO: no clocks, no sockets. Functions return 0 or a negative ERR_*
 * code from base/err.h. Decoders take hostile payloads: a malformed one is
 * an error, never a crash. */
#ifndef SAMTALE_MEDIA_AUDIO_CODEC_H
#define SAMTALE_MEDIA_AUDIO_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum audio_codec_kind {
    AUDIO_CODEC_PCMU, /* G.711 mu-law, 8 kHz, RTP/AVP payload type 0 */
    AUDIO_CODEC_PCMA, /* G.711 A-law, 8 kHz, payload type 8 */
    AUDIO_CODEC_G722, /* 16 kHz audio, RTP clock 8000 (RFC 3551), payload type 9 */
    AUDIO_CODEC_OPUS, /* 48 kHz, dynamic payload type */
    AUDIO_CODEC_COUNT
};

#define AUDIO_FRAME_MS 20
/* The most samples one decoded frame can hold: 20 ms at 48 kHz. */
#define AUDIO_FRAME_SAMPLES_MAX 960
/* An encoded 20 ms frame never exceeds this (G.722: 160 bytes; Opus is capped). */
#define AUDIO_ENCODED_MAX 400

/* PCM rate: 8000, 8000, 16000, 48000; 0 for an unknown kind. */
unsigned audio_codec_rate(enum audio_codec_kind k);
/* RTP clock rate: 8000, 8000, 8000 (G.722 per RFC 3551), 48000; 0 if unknown. */
unsigned audio_codec_rtp_clock(enum audio_codec_kind k);
/* Samples in one 20 ms frame at the codec's PCM rate (160, 160, 320, 960). */
size_t audio_codec_frame_samples(enum audio_codec_kind k);
/* "PCMU", "PCMA", "G722", "opus" (the SDP encoding names); "?" if unknown. */
const char *audio_codec_name(enum audio_codec_kind k);

/* ---- G.711 sample conversions (ITU-T G.711) ---- */
uint8_t audio_alaw_encode(int16_t pcm);
int16_t audio_alaw_decode(uint8_t a);
uint8_t audio_ulaw_encode(int16_t pcm);
int16_t audio_ulaw_decode(uint8_t u);

/* ---- Encoder ----
 * Opus (a phone caller's voice for the browsers): mono 48 kHz, VoIP
 * application, 32 kbit/s, in-band FEC on with an expected loss of 10 %,
 * DTX off, wideband at most, complexity 5. G.722 at 64 kbit/s. */
struct audio_enc;
int audio_enc_create(struct audio_enc **out, enum audio_codec_kind k);
void audio_enc_destroy(struct audio_enc *e); /* NULL-safe */
/* Encodes exactly one 20 ms frame (n == audio_codec_frame_samples(k), else
 * ERR_INVAL) into out; ERR_TOOBIG if cap is too small. *len: bytes written. */
int audio_encode(struct audio_enc *e, const int16_t *pcm, size_t n, uint8_t *out, size_t cap,
                 size_t *len);

/* ---- Decoder ---- */
struct audio_dec;
int audio_dec_create(struct audio_dec **out, enum audio_codec_kind k);
void audio_dec_destroy(struct audio_dec *d); /* NULL-safe */
/* Decodes one payload into up to cap samples at the codec's rate; *n is
 * the number written.
 *   payload NULL: conceals one lost 20 ms frame (Opus: its packet loss
 *   concealment; G.711/G.722: the last frame repeated, fading to silence
 *   over a few frames).
 *   fec true: payload is the packet after a lost one; decodes the in-band
 *   FEC it carries for the lost 20 ms (Opus only; the others conceal).
 * ERR_PARSE for a payload the codec rejects, ERR_TOOBIG when the frame does
 * not fit in cap (nothing usable is written then). */
int audio_decode(struct audio_dec *d, const uint8_t *payload, size_t len, bool fec, int16_t *pcm,
                 size_t cap, size_t *n);

/* RFC 6464 audio level of n samples: -dBov, 0 (loudest) .. 127 (silence). */
uint8_t audio_level_dbov(const int16_t *pcm, size_t n);

#endif
