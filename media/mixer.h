/* The per-room audio mix of the phone bridge. Sources are browser
 * microphones (Opus RTP at 48 kHz, each through its own jitter buffer and
 * decoder, with loss concealment and in-band FEC) and phone callers (PCM
 * pushed at 48 kHz every 20 ms). Every 20 ms the mixer sums all sources in
 * 32 bits and gives each sink (a phone caller's ear) everything except its
 * own source (mix-minus) through a limiter, resampled to the sink's rate.
 *
 * Sans-IO: the caller passes now_us (any monotonic epoch), calls
 * mixer_tick() at mixer_next_deadline(), and reads each sink's latest
 * frame. Functions return 0 or a negative ERR_* code from base/err.h. */
#ifndef SAMTALE_MEDIA_MIXER_H
#define SAMTALE_MEDIA_MIXER_H

#include <stddef.h>
#include <stdint.h>

#define MIXER_RATE 48000
#define MIXER_FRAME_SAMPLES 960
#define MIXER_FRAME_US 20000
#define MIXER_SOURCES_MAX 16
#define MIXER_SINKS_MAX 8
/* mixer_tick() mixes at most this many overdue frames in one call; further
 * behind, it skips ahead to the current frame (counted in frames_skipped). */
#define MIXER_CATCHUP_MAX 5
/* A source with no input for this long contributes silence, and its Opus
 * loss concealment stops. */
#define MIXER_SOURCE_IDLE_US 200000
/* PCM sources buffer at most this many samples (4 frames); older samples
 * are dropped when a caller pushes faster than the mix runs. */
#define MIXER_PCM_QUEUE_MAX (4 * MIXER_FRAME_SAMPLES)

struct mixer;

/* Sums over all sources that ever were in this mixer, removed ones
 * included, so every counter only grows. */
struct mixer_stats {
    uint64_t received;        /* RTP packets accepted into jitter buffers */
    uint64_t late;            /* arrived after their frame was played, dropped */
    uint64_t lost;            /* never arrived */
    uint64_t duplicates;      /* dropped */
    uint64_t concealed;       /* frames made up by PLC (or silence) */
    uint64_t fec;             /* lost frames recovered from the next packet's FEC */
    uint64_t resets;          /* jitter buffer restarts (new stream, big jump) */
    uint64_t bad_packets;     /* unparsable RTP or undecodable payloads */
    uint64_t pcm_dropped;     /* PCM samples dropped from full source queues */
    uint64_t frames_mixed;    /* 20 ms mix cycles run */
    uint64_t frames_skipped;  /* cycles skipped because tick came far too late */
    uint64_t limited_frames;  /* sink frames where the limiter reduced gain */
    uint64_t clipped_samples; /* samples the limiter's last-resort clamp caught */
};

/* now_us: the first mix is due at now_us + MIXER_FRAME_US. */
int mixer_create(struct mixer **out, int64_t now_us);
void mixer_destroy(struct mixer *m); /* NULL-safe */

/* Sources: source ids are the caller's (non-zero). ERR_EXISTS for an id
 * already present, ERR_FULL past MIXER_SOURCES_MAX, ERR_INVAL for id 0.
 * A source added between ticks contributes from the next tick on. */
int mixer_add_opus_source(struct mixer *m,
                          uint32_t source);                 /* browser mic: Opus RTP, clock 48000 */
int mixer_add_pcm_source(struct mixer *m, uint32_t source); /* phone caller: 48 kHz PCM */
void mixer_remove_source(struct mixer *m, uint32_t source); /* unknown ids are ignored */

/* One whole (decrypted) RTP packet of an Opus source; hostile bytes.
 * ERR_NOTFOUND (no such Opus source), ERR_PARSE (not RTP or empty),
 * ERR_TOOBIG (payload over the jitter buffer's cap). A new SSRC restarts
 * the source's jitter buffer and decoder. The payload type is not looked
 * at: the packets must be plain Opus (not RED) of 20 ms; a packet that
 * does not decode to at most 20 ms counts in bad_packets and its frame is
 * concealed. */
int mixer_input_rtp(struct mixer *m, uint32_t source, int64_t now_us, const uint8_t *pkt,
                    size_t len);
/* n samples of 48 kHz PCM of a PCM source (any n; normally 960 every
 * 20 ms). ERR_NOTFOUND for no such PCM source. */
int mixer_input_pcm(struct mixer *m, uint32_t source, int64_t now_us, const int16_t *pcm, size_t n);

/* Sinks: own_source is left out of this sink's mix (0: none; it need not
 * exist yet). rate 8000, 16000 or 48000, else ERR_INVAL. ERR_EXISTS,
 * ERR_FULL past MIXER_SINKS_MAX. Until the first tick after it was added
 * the sink's frame is silence. */
int mixer_add_sink(struct mixer *m, uint32_t sink, uint32_t own_source, uint32_t rate);
void mixer_remove_sink(struct mixer *m, uint32_t sink);

/* When the next 20 ms mix is due. */
int64_t mixer_next_deadline(const struct mixer *m);
/* Mixes every frame that is due by now_us (at most MIXER_CATCHUP_MAX; if
 * further behind, skips to the present). */
void mixer_tick(struct mixer *m, int64_t now_us);
/* The sink's latest 20 ms frame at its rate (*n = rate / 50). The view
 * stays valid until the next mixer_tick or mixer_remove_sink.
 * ERR_NOTFOUND for no such sink. */
int mixer_sink_frame(const struct mixer *m, uint32_t sink, const int16_t **pcm, size_t *n);
/* How many mix cycles have run (frames_mixed): a sink reader that sees it
 * jump by more than one missed frames. */
uint64_t mixer_frame_count(const struct mixer *m);

void mixer_get_stats(const struct mixer *m, struct mixer_stats *out);

#endif
