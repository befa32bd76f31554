/* The load generator's run: its settings, its participants and what the
 * threads share. Threads: one signaling thread (load_signal.c, libwebsockets
 * client), media threads (load_media.c) that each own a set of
 * participants' sockets and media state, and the main thread that waits,
 * stops everything and reports (load_report.c).
 *
 * Ownership: a participant's signaling fields belong to the signaling
 * thread; its peers, senders and receive streams to its media thread (the
 * signaling thread hands the server's parameters over by a command,
 * lg_media_peer_start()). The atomics below are the only fields read across
 * threads while the run goes on; everything else is read by the main thread
 * after the other threads have been joined. */
#ifndef SAMTALE_LOAD_H
#define SAMTALE_LOAD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "media/twcc.h"
#include "tests/load/load_audio.h"
#include "tests/load/load_peer.h"
#include "tests/load/load_repair.h"
#include "tests/load/load_stats.h"
#include "tests/load/load_video.h"

#define LG_MAX_MEETINGS 200
#define LG_MIN_PARTIES 2
#define LG_MAX_PARTIES 6
#define LG_MAX_THREADS 16
#define LG_MAX_RX 32 /* streams one participant receives */
#define LG_TOKEN_MAX 64
#define LG_REASON_MAX 200

/* How far a participant's signaling got. */
enum lg_phase {
    LG_PHASE_NONE,      /* no WebSocket yet */
    LG_PHASE_CONNECTED, /* WebSocket open, join sent */
    LG_PHASE_LOBBY,     /* joined, waiting to be admitted */
    LG_PHASE_ADMITTED,  /* admitted, publish and subscribe sent */
    LG_PHASE_ANSWERED,  /* publish answered */
};

/* One stream a participant receives (keyed by SSRC). */
struct lg_rx_stream {
    uint32_t ssrc;
    uint32_t stream; /* marker stream id; UINT32_MAX until a marked packet came */
    uint8_t pt;
    uint64_t packets, bytes; /* authenticated RTP packets and their bytes (SRTP removed) */
    bool in_window;          /* a packet came in the measuring window */
    uint64_t window_packets0, window_bytes0; /* packets, bytes when the window began */
    uint64_t unmarked;                       /* packets without our marker */
    uint64_t decode_errors;
    bool decode;      /* this stream is in the decoded sample */
    uint64_t decoded; /* packets decoded */
    struct lg_seq_stats seq;
    struct lg_hist delay;
    struct lg_audio_decoder *dec;
    bool is_video;                 /* marked as a camera layer (stream id normalised to layer 1) */
    struct lg_video_rx video;      /* the VP8 checker of a video stream */
    uint64_t rr_expected, rr_lost; /* at the last receiver report */
    /* feedback (load_repair.h): NACKs for a video stream, its RTX */
    struct lg_nack_rx nack;
    uint64_t rtx_packets;   /* RTX packets that carried a repair */
    uint64_t rtx_recovered; /* of them, ones that filled a gap */
};

/* A participant's feedback (load_repair.h; media thread, with
 * cfg.feedback). */
struct lg_part_fb {
    /* publisher */
    uint16_t twcc_seq;         /* the publish transport's next transport-wide number */
    uint64_t nacks_received;   /* NACK messages */
    uint64_t nacked;           /* sequence numbers they asked for */
    uint64_t rtx_sent;         /* RTX packets sent */
    uint64_t twcc_fb_received; /* transport-cc feedback from the server */
    uint64_t fb_bad;           /* feedback that did not parse */
    /* subscriber */
    uint8_t sub_ext_twcc; /* transport-wide extension id of the subscribe offer */
    struct lg_rtx_pair rtx_map[LG_MAX_RX];
    unsigned n_rtx_map;
    struct twcc_recv *twcc; /* arrival times for transport-cc feedback */
    uint32_t twcc_media_ssrc;
    int64_t next_nack_us;
    uint64_t twcc_fb_sent, nacks_sent, rtx_probes, fb_errors;
};

struct lg_part {
    uint32_t index;   /* participant number in the run, 0.. */
    uint32_t meeting; /* meeting index */
    uint32_t slot;    /* 0 = the host */
    unsigned thread;  /* media thread */

    /* signaling thread */
    char token[LG_TOKEN_MAX + 1];
    char name[32];
    struct lws *ws;
    int64_t server_id; /* participant id in the meeting */
    bool admitted, published, subscribed, sub_started, pub_started;
    unsigned sub_offers;
    /* Written by signaling before the publish command, read by the media
     * thread after it (the command queue's lock orders them): the camera's
     * extension ids from the publish answer. */
    uint8_t video_ext_mid, video_ext_rid;
    struct lg_pub_feedback pub_fb; /* what the publish answer kept of the feedback */

    /* media thread */
    struct lg_peer pub, sub;
    int pub_fd, sub_fd;
    struct lg_audio_sender audio;
    struct lg_video_pub video; /* with --video */
    uint32_t rtcp_ssrc;        /* the subscriber's own, in its RTCP */
    int64_t next_rtcp_check_us, next_rr_us;
    uint64_t rtcp_sent, rtcp_errors;
    struct lg_part_fb fb;
    struct lg_rx_stream rx[LG_MAX_RX];
    unsigned n_rx;
    uint64_t sent_packets, sent_bytes, send_dropped, send_errors, auth_failures, rx_overflow;

    /* shared while running */
    _Atomic int phase;                /* enum lg_phase, set by signaling */
    _Atomic int pub_state, sub_state; /* enum lg_peer_state */
    _Atomic unsigned streams_seen;    /* distinct marked streams received */
    _Atomic int64_t admitted_us;      /* CLOCK_MONOTONIC; 0 = not yet */
    _Atomic int64_t first_rx_us;      /* first marked media packet */
    _Atomic bool fail_claimed;        /* the first failure writes `reason` */
    _Atomic bool failed;              /* set once, after `reason` is written */
    char reason[LG_REASON_MAX];       /* why it failed */
};

struct lg_cfg {
    const char *url_host; /* "127.0.0.1" */
    int port;
    const char *user, *password;
    const char *ca_path; /* NULL with insecure */
    bool insecure;
    unsigned meetings, parties, seconds, threads;
    int audio_bitrate;
    double drop_send_pct;
    unsigned decode_pct; /* share of received streams decoded, 0..100 */
    int server_pid;      /* 0: not measured */
    const char *json_path;
    unsigned setup_timeout_s;
    unsigned warmup_s;      /* after setup, before the measuring window */
    bool janus;             /* --server janus: Janus's VideoRoom (load_signal_janus.h) */
    const char *janus_host; /* its plain HTTP API: an IPv4 address */
    int janus_port;
    bool feedback;            /* transport-cc, NACK and RTX as a browser (--no-feedback: off) */
    bool video;               /* --video: a camera track per participant */
    struct lg_video_cfg vcfg; /* its clip */
};

struct lg_run {
    struct lg_cfg cfg;
    struct lg_part *parts;
    unsigned n_parts;
    struct dtls_cert *cert;
    char fingerprint[DTLS_FINGERPRINT_MAX];
    struct lg_audio_clip clip;
    /* With --video: the camera's clip, read-only once made. */
    struct lg_vp8_clip *vclip;
    struct lg_media *media; /* load_media.h */
    _Atomic bool stop;
    _Atomic bool signal_failed;
    /* When the measuring window began (CLOCK_MONOTONIC µs; 0 before): the
     * delay histograms hold only the window's packets, not setup's. */
    _Atomic int64_t window_start_us;
    char signal_reason[LG_REASON_MAX];
};

/* Marks participant p failed with a reason (first one wins). */
void lg_part_fail(struct lg_part *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Distinct marked streams each participant must receive: every other's
 * audio, and camera with --video. */
unsigned lg_streams_wanted(const struct lg_cfg *cfg);
/* CLOCK_MONOTONIC in µs. */
int64_t lg_now_us(void);

#endif
