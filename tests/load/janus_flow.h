/* One load participant's signaling with Janus's VideoRoom, sans-IO: the
 * Janus side of the side-by-side benchmark, where samtale's is the REST +
 * WSS flow. The steps: a session, a publisher handle (the meeting's first
 * participant also creates the room), join as publisher, publish an offer
 * and take the answer; then a subscriber handle that joins with the others'
 * feeds, takes Janus's offer and starts with an answer. Events arrive over a
 * long poll (GET on the session), which also keeps the session alive.
 *
 * A participant that does not create the room starts its flow only once
 * the room exists (the caller waits for the creator's step to pass
 * JANUS_STEP_ROOM), or its join is refused.
 *
 *   janus_flow_init(&f, &cfg);
 *   loop: janus_flow_poll(&f, &act) says what to do next:
 *     JANUS_DO_POST       POST act.body to act.path, give the answer to
 *                         janus_flow_posted() (only one POST at a time)
 *     JANUS_DO_LONG_POLL  GET act.path, give the answer to janus_flow_events()
 *                         (only one at a time; ask again when it returns)
 *     JANUS_DO_OFFER      make the publisher offer: janus_flow_offer()
 *     JANUS_GOT_ANSWER    act.sdp is Janus's answer to it
 *     JANUS_DO_ANSWER     act.sdp is Janus's subscriber offer: janus_flow_answer()
 *     JANUS_UP            subscribed and started
 *     JANUS_FAILED        act.reason says why; nothing more happens
 *   janus_flow_subscribe(&f, feeds, n) once the others' feeds are known
 *   (janus_flow_feed() is this participant's own, for the others) and
 *   their publishers' PeerConnections are up (janus_flow_pub_up(), Janus's
 *   "webrtcup"), so every subscribed feed carries media.
 * Strings in act stay valid until the next call on f. */
#ifndef SAMTALE_LOAD_JANUS_FLOW_H
#define SAMTALE_LOAD_JANUS_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tests/load/janus_api.h"

enum janus_step {
    JANUS_STEP_SESSION, /* create the session */
    JANUS_STEP_ATTACH_PUB,
    JANUS_STEP_ROOM,
    JANUS_STEP_JOIN_PUB,
    JANUS_STEP_OFFER, /* waiting for the caller's offer */
    JANUS_STEP_PUBLISH,
    JANUS_STEP_PUBLISHED, /* answer taken; waiting for janus_flow_subscribe */
    JANUS_STEP_ATTACH_SUB,
    JANUS_STEP_JOIN_SUB,
    JANUS_STEP_ANSWER, /* waiting for the caller's answer */
    JANUS_STEP_START,
    JANUS_STEP_UP,
    JANUS_STEP_FAILED,
};

enum janus_do {
    JANUS_DO_NOTHING = 0,
    JANUS_DO_POST,
    JANUS_DO_LONG_POLL,
    JANUS_DO_OFFER,
    JANUS_GOT_ANSWER,
    JANUS_DO_ANSWER,
    JANUS_UP,
    JANUS_FAILED,
};

struct janus_flow_cfg {
    uint64_t room;        /* the meeting's room id (> 0) */
    bool creates_room;    /* the meeting's first participant makes it */
    unsigned room_size;   /* publishers the room takes */
    char display[32];     /* the participant's name in the room */
    uint32_t participant; /* for transaction names */
};

struct janus_act {
    enum janus_do what;
    const char *path; /* POST / GET */
    const char *body; /* POST */
    const char *sdp;  /* GOT_ANSWER, DO_ANSWER */
    const char *reason;
};

struct janus_flow {
    struct janus_flow_cfg cfg;
    enum janus_step step;
    uint64_t session, pub_handle, sub_handle, feed;
    unsigned txn_seq;
    char txn[JANUS_TXN_MAX + 1]; /* of the POST in flight */
    bool post_due, post_in_flight, poll_in_flight;
    char path[64];
    char poll_path[64];
    char *body;      /* the POST to make */
    char *answer;    /* Janus's, to hand out once */
    char *sub_offer; /* Janus's, to hand out once */
    bool offer_asked, answer_due, sub_offer_due, up_due;
    uint64_t feeds[JANUS_FEEDS_MAX];
    size_t n_feeds;
    bool want_sub;
    bool pub_up; /* Janus said "webrtcup" for the publisher handle */
    char reason[160];
};

void janus_flow_init(struct janus_flow *f, const struct janus_flow_cfg *cfg);
void janus_flow_free(struct janus_flow *f);
/* The next thing to do; JANUS_DO_NOTHING while waiting for an answer. */
void janus_flow_poll(struct janus_flow *f, struct janus_act *act);
/* The answer to the POST (HTTP status and body). Returns 0, or a negative
 * code when the flow failed (also reported by the next poll). */
int janus_flow_posted(struct janus_flow *f, unsigned status, const char *body, size_t len);
/* The answer to the long poll. */
int janus_flow_events(struct janus_flow *f, unsigned status, const char *body, size_t len);
/* Our publisher offer (asked for by JANUS_DO_OFFER). */
int janus_flow_offer(struct janus_flow *f, const char *sdp);
/* Subscribe to these feeds (the others'); at most JANUS_FEEDS_MAX. */
int janus_flow_subscribe(struct janus_flow *f, const uint64_t *feeds, size_t n);
/* Our answer to Janus's subscriber offer (asked for by JANUS_DO_ANSWER). */
int janus_flow_answer(struct janus_flow *f, const char *sdp);
/* Our feed id once joined (0 before). */
uint64_t janus_flow_feed(const struct janus_flow *f);
/* Janus has our publisher PeerConnection up (ICE and DTLS done). */
bool janus_flow_pub_up(const struct janus_flow *f);

#endif
