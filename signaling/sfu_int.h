/* Internals of the SFU signaling, shared by sfu.c (rooms, publishing,
 * events) and sfu_subscribe.c (subscribe offers and answers). */
#ifndef SAMTALE_SFU_INT_H
#define SAMTALE_SFU_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "media/media.h"
#include "signaling/meeting.h"
#include "signaling/sdp.h"
#include "signaling/sfu.h"

#define SFU_PUB_MAX 4             /* published tracks per participant: mic, camera, screen */
#define SFU_SUB_MAX SDP_MAX_MEDIA /* m-lines of a subscribe connection */
#define SFU_SDP_MAX (64 * 1024)
#define SFU_CANDIDATES_MAX 8
/* Offer numbers a client may use ("seq" of publish, "version" of subscribe_answer):
 * integers JavaScript represents exactly. */
#define SFU_SEQ_MAX ((json_int_t)1 << 53)

/* Payload types and extension ids of our subscribe offers. */
enum { PT_OPUS = 111, PT_VP8 = 96, PT_VP8_RTX = 97, PT_H264 = 102, PT_H264_RTX = 103 };
enum { EXT_AUDIO_LEVEL = 1, EXT_ABS_SEND_TIME = 2, EXT_TWCC = 3, EXT_VIDEO_ORIENTATION = 4 };

struct sfu_pub_track {
    char mid[SDP_MAX_MID + 1];
    uint32_t producer; /* 0: not producing */
    enum router_kind kind;
    enum router_source source;
    enum router_codec codec;
    bool has_rtx;
};

struct sfu_sub_line {
    char mid[SDP_MAX_MID + 1];
    enum sdp_kind kind;
    bool removed;       /* port 0 for good */
    uint32_t producer;  /* 0: inactive, reusable for the same kind */
    uint32_t consumer;  /* 0 until the answer accepted it */
    uint32_t owner_pid; /* whose track */
    enum router_source source;
    enum router_codec codec;
    bool rtx;
    uint32_t ssrc, rtx_ssrc;
    bool pending; /* offered, consumer added when the answer comes */
};

struct sfu_peer {
    bool used;
    uint32_t pid;
    uint64_t pub_session;
    char pub_ufrag[MEDIA_UFRAG_LEN + 1], pub_pwd[MEDIA_PWD_LEN + 1];
    char pub_remote_ufrag[MEDIA_CRED_MAX];
    bool pub_remb; /* its answer has goog-remb without transport-cc: the worker sends REMB */
    struct sfu_pub_track pub[SFU_PUB_MAX];
    uint64_t sub_session;
    bool sub_created; /* its transport exists on the worker */
    bool sub_restart; /* new credentials go out with the next offer */
    char sub_ufrag[MEDIA_UFRAG_LEN + 1], sub_pwd[MEDIA_PWD_LEN + 1];
    struct sfu_sub_line sub[SFU_SUB_MAX];
    size_t n_sub;
    unsigned next_mid;
    bool offer_in_flight, dirty;
    uint64_t sub_version, pub_version;
    bool video_paused; /* audio first: the worker paused video towards it */
    /* A phone caller (sfu_phone.c): its one track is the call's voice,
     * produced by the worker; it has no transports and no subscription. */
    bool phone;
    uint64_t phone_session;
    uint32_t phone_producer, phone_ssrc; /* its voice, offered once the worker has it */
};

struct sfu_room {
    struct media *media;
    uint64_t *next_session; /* shared with the other media sessions' owners */
    int64_t meeting_id;
    unsigned worker;
    uint32_t next_id;
    uint64_t sdp_session_id;
    uint32_t speaker_pid;
    sfu_send_fn send;
    void *send_arg;
    struct sfu_peer peers[MEETING_PARTICIPANTS_LIMIT];
    unsigned n_phones; /* phone callers in the room: the worker mixes while > 0 */
};

uint32_t sfu_random_u32(void);
void sfu_send_error(struct sfu_room *r, uint32_t pid, const char *code, const char *message,
                    const char *ref);
/* An offer number from a client: an integer from 0 to SFU_SEQ_MAX. */
bool sfu_valid_seq(const json_t *seq);
struct sfu_peer *sfu_peer_find(struct sfu_room *r, uint32_t pid);
struct sfu_peer *sfu_peer_get(struct sfu_room *r, uint32_t pid);
const char *sfu_source_name(enum router_source s);
size_t sfu_candidates(struct sfu_room *r, struct media_candidate *mc,
                      struct sdp_local_candidate *out);
/* Every other peer's subscription has to change. */
void sfu_mark_others_dirty(struct sfu_room *r, uint32_t pid);
/* Our DTLS role for the peer's description (actpass/active: we are passive). */
enum dtls_role sfu_role_from(const struct sdp_session *s);

/* sfu_subscribe.c */
void sfu_drop_line(struct sfu_room *r, struct sfu_sub_line *l);
void sfu_send_offer(struct sfu_room *r, struct sfu_peer *p);
/* "subscribe": everything the others publish; fresh: on a new subscribe
 * connection (the client dropped its old one). */
void sfu_subscribe_again(struct sfu_room *r, struct sfu_peer *p, bool fresh);
/* Sends the next offer to every peer whose subscription changed. */
void sfu_flush_offers(struct sfu_room *r);
void sfu_subscribe_answer(struct sfu_room *r, uint32_t pid, const json_t *msg);
/* ---- sfu_phone.c ---- */
/* A browser microphone starts or stops producing: the room's mixer follows
 * it while phone callers are in the room. */
void sfu_phone_producer(struct sfu_room *r, const struct sfu_peer *p, const struct sfu_pub_track *t,
                        bool add);
/* p (a phone peer) leaves: its producer is gone already. */
void sfu_phone_peer_gone(struct sfu_room *r, struct sfu_peer *p);

void sfu_subscribe_prefs(struct sfu_room *r, uint32_t pid, const json_t *msg);

#endif
