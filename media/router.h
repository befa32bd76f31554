/* The selective forwarding unit of one meeting ("room"), on the room's media
 * worker. Sans-IO: decrypted RTP/RTCP, commands and time come in; packets
 * for each peer (the engine protects and sends them) and events (active
 * speaker, layer changes) come out of router_poll(), with no callback up
 * into the caller and no clock read.
 *
 * Vocabulary:
 *   peer      one transport (a participant's publish or subscribe peer
 *             connection), identified by the caller's id
 *   producer  one incoming track of a publishing peer (microphone, camera
 *             with up to three simulcast layers, or screen)
 *   consumer  one producer forwarded to one subscribing peer, with its own
 *             SSRC, payload types and extension ids, and its own continuous
 *             sequence numbers and timestamps across layer switches and
 *             publisher restarts
 *
 * What the router does per packet: find the producer and layer by SSRC (or
 * by the rid header extension for a simulcast layer whose SSRC was not
 * signaled, learning it); keep a retransmission cache per incoming stream;
 * for each consumer that currently takes that layer, copy, rewrite SSRC,
 * payload type, sequence number, timestamp and extension ids, and output.
 *
 * RTCP: NACK from a subscriber is answered from the cache (as RTX when the
 * consumer has an RTX payload type, else as the original packet); a packet
 * the router itself still misses reaches the subscriber when the
 * publisher's repair arrives (it is forwarded like any late packet); each
 * retransmission goes out twice, 20 ms apart, and a subscriber that reports
 * losses also gets the packets of key frames (VP8 temporal layer 0) twice. Gaps in a
 * publisher's stream (and a frame's overdue last packet) are NACKed
 * upstream at once and again after each measured round trip; a packet that
 * cannot be repaired becomes a keyframe request. PLI/FIR
 * from a subscriber becomes at most one keyframe request upstream per
 * ROUTER_KEYFRAME_INTERVAL_US per producer layer; the publisher's SR are
 * translated for subscribers (timestamps rebased) so lip sync works; the
 * router sends RR for what it receives and SR for what it sends.
 *
 * Simulcast: each consumer has a target layer chosen from the subscriber's
 * preferred size (router_set_prefs) and the peer's downlink estimate
 * (router_set_peer_bitrate, shared by all consumers of that peer; the
 * router measures each layer's incoming bitrate). Switching up waits for a
 * keyframe of the target layer (requested at once); switching down also
 * waits for a keyframe of the lower layer but the request goes out at once
 * and the switch happens on its first keyframe. A paused consumer sends
 * nothing; on resume it waits for a keyframe.
 *
 * Audio: the ssrc-audio-level extension of each microphone producer feeds
 * active speaker detection (smoothed level over ~1 s, hysteresis so the
 * speaker does not flap); a change is an event. Opus FEC and DTX pass
 * through untouched.
 */
#ifndef SAMTALE_MEDIA_ROUTER_H
#define SAMTALE_MEDIA_ROUTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rtp_packet;

#define ROUTER_MAX_PRODUCERS 64
#define ROUTER_MAX_CONSUMERS 512
#define ROUTER_MAX_LAYERS 3
#define ROUTER_RID_MAX 16
#define ROUTER_RTX_CACHE_PACKETS 512       /* per video stream; audio keeps 64 */
#define ROUTER_KEYFRAME_INTERVAL_US 500000 /* at most one upstream PLI/FIR per layer */
#define ROUTER_PKT_CAP 2048                /* router_write() needs this much room */
#define ROUTER_EXT_ID_UNKNOWN 14           /* ids the subscriber did not negotiate become this */
/* Added with the implementation: */
#define ROUTER_MAX_PEERS 128 /* peers with producers, consumers or a bitrate */
#define ROUTER_MID_MAX 16
#define ROUTER_CNAME_MAX 64
#define ROUTER_RTCP_SSRC 0x5a4d5452u /* sender SSRC of the router's own RR, NACK and PLI */

enum router_kind { ROUTER_AUDIO, ROUTER_VIDEO };
enum router_source { ROUTER_SOURCE_MIC, ROUTER_SOURCE_CAMERA, ROUTER_SOURCE_SCREEN };
enum router_codec { ROUTER_CODEC_OPUS, ROUTER_CODEC_VP8, ROUTER_CODEC_H264 };

/* Header extension ids as negotiated on one peer connection; 0 = not used.
 * One-byte form (1..14) is what browsers use; two-byte ids are copied as is. */
struct router_ext_ids {
    uint8_t mid, rid, repaired_rid, audio_level, abs_send_time, twcc, video_orientation;
};

struct router_layer_cfg {
    uint32_t ssrc;                /* 0: learn it from the rid extension (or the mid) */
    uint32_t rtx_ssrc;            /* 0: none or learn from repaired-rid */
    char rid[ROUTER_RID_MAX + 1]; /* "" without simulcast */
    uint16_t width, height;       /* expected size of this layer, for the choice by size */
};

struct router_producer_cfg {
    uint32_t id;   /* the caller's id, unique in the room */
    uint32_t peer; /* the publishing peer */
    enum router_kind kind;
    enum router_source source;
    enum router_codec codec;
    uint8_t pt;
    int rtx_pt; /* -1: none */
    uint32_t clock_rate;
    struct router_layer_cfg layers[ROUTER_MAX_LAYERS]; /* lowest resolution first */
    size_t n_layers;                                   /* 1..ROUTER_MAX_LAYERS */
    struct router_ext_ids ext;                         /* the publisher's ids */
    /* Added: the m-line's mid, "" = unknown. When set (and ext.mid), SSRCs
     * are learnt only from packets carrying this mid, so two simulcast
     * tracks of one peer cannot be confused; a single-layer producer
     * without SSRC and rid learns its SSRC (and RTX SSRC) from the mid. */
    char mid[ROUTER_MID_MAX + 1];
};

struct router_consumer_cfg {
    uint32_t id;       /* the caller's id, unique in the room */
    uint32_t producer; /* router_producer_cfg.id */
    uint32_t peer;     /* the subscribing peer */
    uint32_t ssrc;
    uint32_t rtx_ssrc; /* 0: no RTX, NACKs are answered with the original packet */
    uint8_t pt;
    int rtx_pt;                /* -1: none */
    struct router_ext_ids ext; /* the subscriber's ids; none may be ROUTER_EXT_ID_UNKNOWN */
    /* Added: the SDES CNAME sent with this consumer's SR (use the a=ssrc
     * cname of the subscribe offer); "" = "samtale-<publishing peer>". */
    char cname[ROUTER_CNAME_MAX + 1];
};

struct router_prefs {
    bool paused;                    /* e.g. audio-only, or the tile is off screen */
    uint16_t max_width, max_height; /* the size the video is shown at; 0 = no limit */
};

enum router_event_kind {
    ROUTER_EVENT_ACTIVE_SPEAKER,   /* producer: the microphone now loudest; 0 = silence */
    ROUTER_EVENT_LAYER,            /* consumer switched to layer (0-based) */
    ROUTER_EVENT_KEYFRAME_REQUEST, /* a PLI went upstream to producer/layer (for tests, stats) */
    /* Audio first: video towards subscriber `peer` paused (layer 1) because
     * its downlink estimate cannot carry the lowest layers plus the audio,
     * or resumed (layer 0). See router_layers.c and vpause.h. */
    ROUTER_EVENT_VIDEO_PAUSED,
};

struct router_event {
    enum router_event_kind kind;
    uint32_t producer;
    uint32_t consumer;
    uint32_t peer;
    int layer;
};

/* Outputs. Every call that takes the router (the add/remove/set functions,
 * router_on_rtp/_rtcp, router_timeout, router_send_probe) may leave outputs;
 * the caller takes them with router_poll() until it returns false, before
 * it calls into the router again and before it changes the packet it gave
 * to router_on_rtp (forwarded packets are written from it). A call finds
 * what was not taken discarded, and counted as dropped.
 *
 * RTP and RTCP are written by router_write() into a buffer of the caller's
 * (e.g. a packet of the worker's pool that SRTP then protects in place and
 * the worker queues: the router's write from the incoming packet is the only
 * copy). An RTP or RTCP output the caller does not write (no pool packet, a
 * peer that cannot receive) is dropped and counted (rtp_out_dropped,
 * rtcp_out_dropped); a consumer's numbering goes on as if it had been sent,
 * so the subscriber sees a loss and may NACK it. Outputs are limited to
 * ROUTER_OUT_MAX per call (and RTCP to ROUTER_RTCP_OUT_BYTES): more are
 * dropped and counted the same way.
 *
 * What a subscriber receives: mid, rid and repaired-rid are never forwarded
 * (their ids become ROUTER_EXT_ID_UNKNOWN: the values name the publisher's
 * m-line and layer), so the subscribe offer must signal each consumer's
 * SSRCs; abs-send-time is rewritten only if the publisher sent it (the
 * router does not insert extensions); transport-cc keeps the publisher's
 * value for the engine to re-stamp (router_output.twcc_off says where).
 * ROUTER_EVENT_ACTIVE_SPEAKER carries the microphone's publishing peer in
 * `peer`. */
#define ROUTER_OUT_MAX 1024         /* outputs one call can leave */
#define ROUTER_RTCP_OUT_BYTES 32768 /* RTCP bytes one call can leave */

enum router_out_kind {
    ROUTER_OUT_RTP,
    ROUTER_OUT_RTCP,
    ROUTER_OUT_EVENT,
};

struct router_output {
    enum router_out_kind kind;
    uint32_t peer; /* RTP, RTCP: the peer it goes to */
    size_t len;    /* RTP, RTCP: the length router_write() writes */
    /* Set by router_write() for RTP: the offset of the two data bytes of
     * the subscriber's transport-cc element in what it wrote, 0 when the
     * packet has none (for the engine's transport-wide sequence number,
     * without parsing the packet again). */
    size_t twcc_off;
    struct router_event event; /* EVENT */
};

struct router_cfg {
    int64_t now_us;
    /* Packets each video stream keeps at most for retransmissions (fewer
     * when their bytes exceed the stream's budget, rtx_cache.h): a power of
     * two up to RTX_CACHE_MAX_SLOTS, 0 for ROUTER_RTX_CACHE_PACKETS; audio
     * streams keep ROUTER_AUDIO_CACHE_PACKETS or this, the fewer. A small
     * cache (the fuzz target's) reaches its edges with few packets and
     * costs little to create. */
    size_t rtx_cache_packets;
};

struct router_stats {
    uint64_t rtp_in, rtp_forwarded, rtp_dropped_unknown;
    /* Outgoing RTP and RTCP the caller did not write (see router_poll), or
     * beyond what one call can leave: the forwarded packets and
     * retransmissions among them are in rtp_forwarded and retransmissions
     * too. */
    uint64_t rtp_out_dropped, rtcp_out_dropped;
    uint64_t nacks_in, retransmissions;
    uint64_t retransmission_copies;   /* each retransmission is sent twice (router_int.h) */
    uint64_t retransmissions_missed;  /* no longer in the cache, or never sent */
    uint64_t retransmissions_pending; /* not received from the publisher yet: it goes out
                                         with the publisher's repair, like any late packet */
    uint64_t nacks_out;               /* NACKs sent upstream */
    /* Packets missing in publishers' streams: found missing, repaired by
     * the publisher after a NACK, given up on (a keyframe is asked for);
     * and the sum of the repair times (gap seen to repair arrived). */
    uint64_t upstream_missing, upstream_repaired, upstream_unrepaired;
    uint64_t upstream_repair_us;
    uint64_t upstream_tail_probes; /* NACKs for a frame's overdue next packet (router_nack.c) */
    uint64_t key_copies; /* key frames' packets sent twice to lossy subscribers (router_fwd.c) */
    uint64_t keyframe_requests_in, keyframe_requests_out;
    uint64_t layer_switches;
    uint64_t rtcp_in, rtcp_bad;
};

struct router;

int router_create(struct router **out, const struct router_cfg *cfg);
void router_destroy(struct router *r); /* NULL-safe */

/* ERR_EXISTS for a duplicate id, ERR_FULL at the limits, ERR_INVAL for a bad cfg. */
int router_add_producer(struct router *r, const struct router_producer_cfg *cfg);
/* Its consumers stay (sending nothing) until removed; a producer added again
 * with the same id (a publisher's reconnect) feeds them again, continuously. */
int router_remove_producer(struct router *r, uint32_t id);
int router_add_consumer(struct router *r, const struct router_consumer_cfg *cfg);
int router_remove_consumer(struct router *r, uint32_t id);
/* Removes every producer and consumer of a peer. */
void router_remove_peer(struct router *r, uint32_t peer);

int router_set_prefs(struct router *r, uint32_t consumer, const struct router_prefs *p);
/* The subscriber's downlink estimate (bits/s) from the transport's
 * congestion control; 0 = unknown (then layers are chosen by size only). */
void router_set_peer_bitrate(struct router *r, uint32_t peer, uint64_t bps);

/* A decrypted RTP / compound RTCP packet from a peer. Bad input is counted
 * and dropped. pkt is buf[0..len) as rtp_parse() parsed it (the packet is
 * parsed once on its way in), or NULL to have the router parse it. buf must
 * stay unchanged until the outputs are taken. */
void router_on_rtp(struct router *r, int64_t now_us, uint32_t peer, const uint8_t *buf, size_t len,
                   const struct rtp_packet *pkt);
void router_on_rtcp(struct router *r, int64_t now_us, uint32_t peer, const uint8_t *buf,
                    size_t len);

/* Periodic work: RTCP reports, upstream NACKs for missing packets, layer
 * re-evaluation, speaker detection. */
void router_timeout(struct router *r, int64_t now_us);
int64_t router_next_deadline(const struct router *r);

/* Audio first: true while video towards subscriber `peer` is paused
 * because its downlink is too weak (router_layers.c). */
bool router_peer_video_paused(const struct router *r, uint32_t peer);
/* The estimate at which the peer's paused video would resume (0: unknown). */
uint64_t router_peer_resume_bps(const struct router *r, uint32_t peer);
/* A capacity probe towards a subscriber whose video is paused: `count`
 * padding-only packets (PROBE_PADDING_BYTES each, with the transport-cc
 * extension for the engine to stamp) on the RTX stream of one of its
 * paused video consumers, back to back. Returns how many went out;
 * ERR_NOTFOUND when the peer has no video consumer with RTX and
 * transport-cc to carry them. */
int router_send_probe(struct router *r, int64_t now_us, uint32_t peer, size_t count);

/* The next output of the last call into the router; false when there is
 * none left. */
bool router_poll(struct router *r, struct router_output *out);
/* Writes the RTP or RTCP output just polled into buf (cap at least
 * ROUTER_PKT_CAP, which the writing may use whole), sets out->twcc_off and
 * returns the length (out->len); 0 for an output that is not the last
 * polled, not RTP or RTCP, already written, or a buffer too small. */
size_t router_write(struct router *r, struct router_output *out, uint8_t *buf, size_t cap);

void router_get_stats(const struct router *r, struct router_stats *out);
/* The layer a consumer forwards now (-1 none yet), for tests and stats. */
int router_consumer_layer(const struct router *r, uint32_t consumer);

#endif
