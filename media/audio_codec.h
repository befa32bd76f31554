/* Audio codecs of the phone bridge: G.711 (PCMA, PCMU), G.722 and Opus,
 * one encoder or decoder per direction of a call. PCM is 16-bit mono at
 * the codec's rate (audio_codec_rate); a frame is 20 ms. */
#ifndef SAMTALE_MEDIA_AUDIO_CODEC_H
#define SAMTALE_MEDIA_AUDIO_CODEC_H

#include <stddef.h>
#include <stdint.h>

enum audio_codec_kind {
    AUDIO_CODEC_PCMU, /* G.711 mu-law, 8 kHz, RTP/AVP payload type 0 */
    AUDIO_CODEC_PCMA, /* G.711 A-law, 8 kHz, payload type 8 */
    AUDIO_CODEC_G722, /* 16 kHz audio, RTP clock 8000 (RFC 3551), payload type 9 */
    AUDIO_CODEC_OPUS, /* 48 kHz, dynamic payload type */
    AUDIO_CODEC_COUNT
};

#endif
