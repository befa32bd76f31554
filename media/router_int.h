/* Private to media/router*.c: the router's state and the functions its
 * files share.
 *
 *   router.c         objects (peers, producers, consumers) and the timers
 *   router_input.c   incoming RTP: stream lookup, RTX unwrapping, receive
 *                    statistics, cache, fan-out to the consumers
 *   router_fwd.c     per-consumer rewriting: segments, SSRC/PT/seq/ts,
 *                    extension ids, VP8 PictureID/TL0PICIDX, retransmissions
 *   router_rtcp.c    incoming RTCP, SR/RR out, keyframe requests upstream
 *   router_nack.c    upstream NACKs: gaps, tail probes, retries, give-up
 *   router_layers.c  bitrate measurement and the simulcast layer choice
 *   router_index.c   hash indices: (peer, SSRC) to stream and to consumer,
 *                    peer id to slot
 *   router_out.c     the outputs of one call: queued as what to write
 *                    (router_pending), taken with router_poll/router_write */
#ifndef SAMTALE_MEDIA_ROUTER_INT_H
#define SAMTALE_MEDIA_ROUTER_INT_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "media/idmap.h"
#include "media/router.h"
#include "media/rtp.h"
#include "media/rtx_cache.h"
#include "media/speaker.h"
#include "media/vpause.h"

#define ROUTER_AUDIO_CACHE_PACKETS 64
#define ROUTER_SEQ_BIAS 0x10000 /* extended seqs start here: early reordering stays >= 0 */

/* Upstream NACK (router_nack.c): a missing packet is asked for as soon as
 * the gap is seen (a frame's overdue last packet ROUTER_TAIL_PROBE_US after
 * the one before it), each NACK is sent again ROUTER_NACK_COPY_US later,
 * and it is asked again each time a retry interval passes without the
 * repair, at most ROUTER_NACK_TRIES times. The interval is the publisher's round trip as
 * measured from NACK to repair (RFC 6298 style: srtt + max(4 rttvar,
 * margin)), because a browser ignores a NACK for a packet it resent less
 * than one RTT ago. A packet still missing a retry interval after the last
 * try, after ROUTER_NACK_GIVEUP_US or once older than the cache is given
 * up on, and the layer's keyframe is asked for. */
#define ROUTER_NACK_MAX 128 /* missing packets tracked per stream */
#define ROUTER_NACK_TRIES 8
#define ROUTER_NACK_RETRY_US 150000    /* before the first measurement */
#define ROUTER_NACK_MARGIN_US 20000    /* least margin over the measured round trip */
#define ROUTER_NACK_RETRY_MIN_US 30000 /* bounds of the retry interval */
#define ROUTER_NACK_RETRY_MAX_US 500000
#define ROUTER_NACK_GIVEUP_US 1000000
#define ROUTER_NACK_PER_MSG 64
#define ROUTER_NACK_COPY_US 20000  /* each NACK is sent again this much later */
#define ROUTER_TAIL_PROBE_US 20000 /* a frame's next packet overdue: probe for it */

#define ROUTER_MIN_WAIT_US 1000       /* between runs of the NACK and keyframe timer */
#define ROUTER_SLOW_TICK_US 100000    /* speaker, reports, layer choice */
#define ROUTER_LAYER_EVAL_TICKS 5     /* slow ticks between layer re-evaluations */
#define ROUTER_REPORT_US 1000000      /* SR per consumer, RR per publishing peer */
#define ROUTER_SR_MAX_AGE_US 30000000 /* a publisher SR older than this is not used */

#define ROUTER_RATE_BUCKETS 10
#define ROUTER_RATE_BUCKET_US 100000   /* 10 x 100 ms: a 1 s window */
#define ROUTER_LAYER_ACTIVE_US 1500000 /* a layer silent this long is not chosen */
#define ROUTER_UPSWITCH_PCT 115        /* a higher layer must fit with this margin */

#define ROUTER_SEGMENTS 8 /* switch points remembered per consumer for NACKs */
/* To a subscriber whose receiver reports for a consumer showed at least
 * ROUTER_LOSSY_FRACTION lost in the last ROUTER_LOSSY_US (see
 * router_rtcp.c), each packet of a key frame (see router_fwd.c) goes out
 * once more ROUTER_KEY_COPY_US later, and the layer choice counts that
 * consumer's cost at ROUTER_LOSSY_COST_PCT. */
#define ROUTER_KEY_COPY_US 15000
#define ROUTER_LOSSY_COST_PCT 130
#define ROUTER_LOSSY_US 10000000
#define ROUTER_LOSSY_FRACTION 5  /* 2 % (/256) */
#define ROUTER_LOSSY_PACKETS 100 /* expected packets the fraction is taken over, at least */
/* Each retransmission to a subscriber goes out twice, the copy this much
 * later: a lost retransmission would otherwise cost the subscriber a
 * second round trip (its NACK is only repeated after about one RTT). */
#define ROUTER_RTX_COPY_US 20000
#define ROUTER_RTX_COPIES 128 /* copies pending per consumer */
#define ROUTER_RESTART_RUN 3  /* consecutive stragglers that restart a stream */

/* Bytes received per 100 ms bucket over the last second. */
struct router_rate {
    int64_t idx[ROUTER_RATE_BUCKETS];
    uint32_t bytes[ROUTER_RATE_BUCKETS];
};

struct router_nack {
    int64_t ext;      /* extended seq of the missing packet */
    int64_t added_us; /* when the gap was seen (or the probe made) */
    int64_t sent_us;  /* last try */
    uint8_t tries;    /* NACKs sent for it, copies not counted */
    bool copy_due;    /* the last try's copy is still to go */
    bool probe;       /* a tail probe no gap has confirmed yet */
};

/* What router_nack.c needs to know of an accepted video packet. */
struct router_nack_in {
    int64_t ext;      /* its extended seq */
    int64_t gap_from; /* newest: the first seq it leaves missing (= ext: none) */
    bool newest;      /* newer than any before */
    bool marker;      /* the last packet of its frame */
    bool rtx;         /* came as RTX (a repair) */
};

/* One incoming stream: one layer of a producer. */
struct router_stream {
    struct router_layer_cfg cfg; /* ssrc/rtx_ssrc filled in when learnt */
    struct rtx_cache *cache;
    struct rtp_seq_unwrapper unwrap;
    bool started;
    int64_t base_ext, max_ext; /* extended seqs, ROUTER_SEQ_BIAS based */
    uint32_t gen;              /* + 1 at a restart: older segments miss */
    int64_t bad_next;          /* the straggler after the last one */
    unsigned bad_run;          /* consecutive stragglers */
    uint64_t received;
    int64_t expected_prior;
    uint64_t received_prior;
    int64_t last_rx_us;
    uint32_t jitter_q4; /* RFC 3550 A.8, times 16 */
    uint32_t last_transit;
    bool has_transit;
    /* The publisher's last SR. */
    bool has_sr;
    uint32_t sr_lsr; /* middle 32 bits of its NTP time */
    uint32_t sr_rtp_ts;
    int64_t sr_recv_us;
    /* Upstream NACK state, oldest first. */
    struct router_nack nack[ROUTER_NACK_MAX];
    size_t n_nack;
    bool tail_open;      /* the newest packet had no marker bit */
    int64_t tail_due_us; /* then: when the next one is overdue */
    /* Keyframe requests upstream. */
    bool kf_sent;
    bool kf_pending;
    int64_t kf_last_us;
    struct router_rate rate;
};

struct router_consumer;

struct router_rtx_copy {
    uint16_t seq; /* the consumer's */
    bool key;     /* a key frame's packet, not a NACK's answer */
    int64_t due_us;
};

struct router_producer {
    struct router_producer_cfg cfg;
    uint32_t epoch; /* unique per add: segments of a removed producer miss */
    int peer_slot;
    int speaker_slot; /* -1: not a speaker source */
    struct router_stream streams[ROUTER_MAX_LAYERS];
    struct router_consumer *consumers; /* list through router_consumer.next */
};

/* A stretch of one consumer's output taken from one stream with fixed
 * offsets. out ext seq = in ext seq + delta. */
struct router_segment {
    int64_t out_start; /* first out ext seq */
    int64_t in_first;  /* first in ext seq */
    int64_t delta;
    uint32_t ts_off;
    uint16_t pid_off; /* VP8 PictureID, modulo 2^15 (2^7 for 7-bit ids) */
    uint8_t tl0_off;
    uint8_t layer;
    uint32_t epoch; /* of the producer */
    uint32_t gen;   /* of the stream */
};

struct router_consumer {
    struct router_consumer_cfg cfg;
    struct router_producer *prod; /* NULL while the producer is gone */
    struct router_consumer *next; /* in prod->consumers */
    int peer_slot;
    enum router_kind kind; /* the producer's, kept while it is gone */
    uint32_t clock_rate;
    struct router_prefs prefs;
    int eval;            /* scratch of router_layers_eval_peer */
    int cur;             /* layer forwarded now; -1 none */
    int target;          /* layer wanted; -1 none */
    bool syncing;        /* no current segment: wait for a (key)frame of target */
    bool started;        /* has forwarded a packet */
    uint8_t ext_map[16]; /* publisher one-byte id -> subscriber id */
    uint8_t ast_id;      /* subscriber's abs-send-time id if one-byte, else 0 */
    struct router_segment seg[ROUTER_SEGMENTS]; /* oldest first */
    size_t n_seg;
    /* The newest packet sent. */
    int64_t last_out_ext;
    uint32_t last_out_ts;
    int64_t last_out_us;
    uint16_t last_pid;
    uint8_t last_tl0;
    bool has_pid, has_tl0;
    uint16_t rtx_seq;
    uint32_t packets, octets; /* for the SR */
    int64_t lossy_until_us;   /* losses reported lately: key frames' tails copied until then */
    bool rr_have;             /* the subscriber's last report block used for the loss */
    uint32_t rr_ext;
    int32_t rr_cumulative;
    /* Retransmissions to send once more (ROUTER_RTX_COPY_US after the
     * first), oldest first. */
    struct router_rtx_copy copies[ROUTER_RTX_COPIES];
    size_t n_copies;
    int64_t next_sr_us;
};

struct router_peer {
    bool used;
    uint32_t id;
    unsigned refs;     /* producers + consumers */
    uint64_t bps_set;  /* router_set_peer_bitrate */
    uint64_t bps_remb; /* the subscriber's REMB */
    int64_t next_rr_us;
    /* A publisher's round trip, NACK to repair (first tries only); 0 = none yet. */
    int64_t nack_srtt_us, nack_rttvar_us;
    /* Audio first (router_layers.c): video towards this subscriber paused
     * while its downlink cannot carry it, and what the decision last saw. */
    struct vpause vp;
    uint64_t need_audio_bps, need_video_bps;
};

/* What router_input.c learnt about one accepted incoming packet. */
struct router_in {
    const uint8_t *buf;
    size_t len;
    struct rtp_packet pkt;
    int64_t ext; /* extended seq */
    bool keyframe;
    bool is_vp8;
    struct rtp_vp8_desc vp8;
};

/* One output of a call, queued until router_poll takes it. RTP is queued as
 * what to write, not written: router_write writes it from the incoming
 * packet or the cache straight into the caller's buffer. */
enum router_op {
    ROUTER_OP_LIVE,   /* r->in through c with seg */
    ROUTER_OP_RESEND, /* the cached packet src[0..src_len) through c with seg, as RTX if rtx */
    ROUTER_OP_PROBE,  /* a padding-only packet on c's RTX stream */
    ROUTER_OP_RTCP,   /* src[0..len) in r->rtcp_out */
    ROUTER_OP_EVENT,
};

struct router_pending {
    uint8_t op;       /* enum router_op */
    bool rtx;         /* RESEND: wrapped as RFC 4588 RTX */
    uint16_t rtx_seq; /* RESEND with rtx, PROBE: its RTX sequence number */
    uint32_t peer;
    uint32_t len; /* what router_write writes */
    uint32_t src_len;
    const uint8_t *src;
    int64_t in_ext; /* RESEND: the cached packet's extended seq */
    const struct router_consumer *c;
    /* LIVE, RESEND: the offsets written with, in c->seg: unchanged until
     * the next call (a consumer starts at most one segment per call, in
     * router_on_rtp, before its live output is queued). */
    const struct router_segment *seg;
    struct router_event ev; /* EVENT */
};

struct router {
    struct router_stats stats;
    /* The outputs of the last call (router_out.c). */
    struct router_pending out[ROUTER_OUT_MAX];
    size_t n_out, next_out;
    bool out_written; /* the output polled last has been written */
    size_t rtcp_used; /* bytes of rtcp_out queued */
    /* The accepted incoming packet being forwarded (LIVE outputs refer to it). */
    struct router_in in;
    struct router_producer *prods[ROUTER_MAX_PRODUCERS];
    size_t n_prods;
    struct router_consumer *cons[ROUTER_MAX_CONSUMERS];
    size_t n_cons;
    struct router_peer peers[ROUTER_MAX_PEERS];
    struct idmap *by_stream;   /* router_index.c */
    struct idmap *by_consumer; /* router_index.c */
    struct idmap *by_peer;     /* router_index.c */
    struct speaker *speaker;
    uint32_t epoch;
    int64_t now_us;     /* the latest time given to any entry point */
    size_t video_slots; /* rtx cache per video stream */
    size_t audio_slots; /* and per audio stream */
    int64_t next_fast, next_slow;
    bool fast_needed;
    unsigned slow_ticks;
    uint8_t in_buf[ROUTER_PKT_CAP]; /* an unwrapped incoming RTX packet */
    uint8_t rtcp_out[ROUTER_RTCP_OUT_BYTES];
};

/* ---- router_out.c ---- */
/* Forgets the outputs of the last call (counting what was not taken) and
 * sets the router's now: the first thing every entry point does. */
void router_begin(struct router *r, int64_t now_us);
/* A free output slot, or NULL (counted by the caller's kind) when the call
 * has left ROUTER_OUT_MAX already. */
struct router_pending *router_out_push(struct router *r);
/* RTCP: begins a packet in the free room of rtcp_out ... */
void router_rtcp_begin(struct router *r, struct wr *w);
/* ... and queues what was written to peer (a failed write is counted). */
void router_emit_rtcp(struct router *r, uint32_t peer, const struct wr *w);
void router_emit_event(struct router *r, enum router_event_kind kind, uint32_t producer,
                       uint32_t consumer, uint32_t peer, int layer);

/* ---- router.c ---- */
/* Asks for the NACK and keyframe timer to run at (or before) at_us. */
void router_want_fast_at(struct router *r, int64_t at_us);

/* ---- router_index.c ---- */
#define ROUTER_TAG_RTX 0x100u /* the entry is an RTX SSRC */
int router_index_create(struct router *r);
void router_index_destroy(struct router *r);
/* Indexes one SSRC (0: nothing) of a producer's layer; on failure the
 * index is unchanged. */
int router_index_ssrc(struct router *r, struct router_producer *p, int layer, uint32_t ssrc,
                      bool rtx);
/* Every SSRC of the producer's layers; all or none. */
int router_index_producer(struct router *r, struct router_producer *p);
void router_unindex_producer(struct router *r, const struct router_producer *p);
/* The stream a packet from `peer` with this SSRC belongs to (SSRC 0: none);
 * *rtx when it is the stream's RTX SSRC. */
struct router_stream *router_lookup_stream(const struct router *r, uint32_t peer, uint32_t ssrc,
                                           struct router_producer **prod, int *layer, bool *rtx);
/* Only by the stream's own (not its RTX) SSRC. */
struct router_stream *router_find_stream(struct router *r, uint32_t peer, uint32_t ssrc,
                                         struct router_producer **prod);
/* True when a stream of one of the peer's producers uses ssrc (non-zero)
 * or has it as RTX SSRC. */
bool router_peer_ssrc_used(const struct router *r, uint32_t peer, uint32_t ssrc);
/* The consumer's SSRC and RTX SSRC (if any); both or none. */
int router_index_consumer(struct router *r, struct router_consumer *c);
void router_unindex_consumer(struct router *r, const struct router_consumer *c);
/* True when one of the peer's consumers sends with ssrc (or as RTX). */
bool router_consumer_ssrc_used(const struct router *r, uint32_t peer, uint32_t ssrc);
/* The consumer sending to `peer` with this (not RTX) SSRC. */
struct router_consumer *router_find_consumer_ssrc(struct router *r, uint32_t peer, uint32_t ssrc);
/* The used slot of a peer id, or -1. */
int router_peer_slot(const struct router *r, uint32_t id);
int router_index_peer(struct router *r, int slot);
/* The slot is free again (and leaves the index). */
void router_peer_release(struct router *r, int slot);
/* Duration to RTP clock ticks (negative: 0). */
uint32_t router_us_to_rtp(int64_t us, uint32_t clock_rate);

/* ---- router_fwd.c ---- */
void router_fwd_compute_ext_map(struct router_consumer *c);
void router_fwd_packet(struct router *r, struct router_consumer *c, int layer,
                       const struct router_in *in, int64_t now_us);
/* Answers one sequence number of a subscriber's NACK (and schedules its
 * copy). */
void router_fwd_retransmit(struct router *r, struct router_consumer *c, uint16_t out_seq,
                           int64_t now_us);
/* Sends the consumer's due copies; returns when the next is due. */
int64_t router_fwd_timer(struct router *r, struct router_consumer *c, int64_t now_us);
/* Writes a LIVE or RESEND output into out (ROUTER_PKT_CAP bytes); returns
 * its length and sets *twcc_off (0: none). */
size_t router_fwd_write(const struct router *r, const struct router_pending *p, uint8_t *out,
                        size_t *twcc_off);
/* The consumer's rewritten RTP timestamp at now_us (for its SR). */
uint32_t router_fwd_rtp_now(const struct router_consumer *c, int64_t now_us);

/* ---- router_rtcp.c ---- */
void router_request_keyframe(struct router *r, struct router_producer *p, int layer,
                             int64_t now_us);
/* The NACK and keyframe timer: sends what is due; returns when it next
 * has work (INT64_MAX: none). */
int64_t router_rtcp_fast(struct router *r, int64_t now_us);
/* Slow tick: due SRs and RRs. */
void router_rtcp_reports(struct router *r, int64_t now_us);
/* True when some consumer takes or waits for this layer. */
bool router_layer_wanted(const struct router_producer *p, int layer);

/* ---- router_nack.c ---- */
/* Upstream NACK bookkeeping for an accepted video packet of `layer`: new
 * gaps are NACKed at once. */
void router_nack_on_packet(struct router *r, struct router_producer *p, int layer,
                           const struct router_nack_in *in, int64_t now_us);
/* Sends what is due for the stream; returns when it next has work. */
int64_t router_nack_fast(struct router *r, struct router_producer *p, int layer, int64_t now_us);
/* True while ext is missing and being asked for upstream. */
bool router_nack_pending(const struct router_stream *s, int64_t ext);

/* ---- router_layers.c ---- */
void router_rate_add(struct router_rate *rt, int64_t now_us, size_t bytes);
uint64_t router_rate_bps(const struct router_rate *rt, int64_t now_us);
bool router_stream_active(const struct router_stream *s, int64_t now_us);
/* Re-chooses the target layer of every consumer of the peer slot and asks
 * for keyframes where a consumer waits for one. */
void router_layers_eval_peer(struct router *r, int peer_slot, int64_t now_us);
uint64_t router_peer_bps(const struct router_peer *p);
/* The peer's (lowest active) layer a paused consumer would resume at: -1 none. */
int router_layers_lowest(const struct router_producer *p, int64_t now_us);

/* ---- router_pause.c ---- */
/* Audio first: measures what the slot's audio and lowest video layers take,
 * runs the pause decision on the budget (0 = unknown) and emits
 * ROUTER_EVENT_VIDEO_PAUSED on a change. True while video is paused. */
bool router_pause_eval(struct router *r, int slot, uint64_t budget, int64_t now_us);
/* Writes a PROBE output into out; returns its length, *twcc_off set. */
size_t router_pause_write_probe(const struct router_pending *p, uint8_t *out, size_t *twcc_off);

#endif
