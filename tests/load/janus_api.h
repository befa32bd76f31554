/* The Janus API as the load generator speaks it to Janus's VideoRoom plugin
 * over plain HTTP (the side-by-side benchmark, tests/load/janus/): request
 * bodies to POST, and what comes back (a response, or events from the long
 * poll GET /janus/<session>, one object or an array of them). Sans-IO: the
 * caller moves the bytes. Messages are bounded (JANUS_MSG_MAX) and parsed
 * with jansson; anything unexpected is ERR_PARSE, never a crash. */
#ifndef SAMTALE_LOAD_JANUS_API_H
#define SAMTALE_LOAD_JANUS_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JANUS_MSG_MAX (1024 * 1024) /* one response or long-poll batch */
#define JANUS_SDP_MAX (64 * 1024)
#define JANUS_FEEDS_MAX 16 /* publishers named in one event */
#define JANUS_TXN_MAX 32
#define JANUS_HTTP_HEAD_MAX 8192 /* status line and headers of an answer */

enum janus_kind {
    JANUS_OTHER = 0,
    JANUS_SUCCESS,  /* a synchronous answer; data.id for create and attach */
    JANUS_ACK,      /* the request was taken; its result comes as an event */
    JANUS_EVENT,    /* from the plugin: plugindata and maybe jsep */
    JANUS_ERROR,    /* Janus refused the request itself */
    JANUS_WEBRTCUP, /* the handle's PeerConnection is up */
    JANUS_MEDIA,    /* media started or stopped on the handle */
    JANUS_HANGUP,   /* the handle's PeerConnection is gone */
    JANUS_SLOWLINK,
    JANUS_TIMEOUT, /* the session expired */
};

/* data.videoroom of a plugin event or success. */
enum janus_vr {
    JANUS_VR_NONE = 0,
    JANUS_VR_OTHER,
    JANUS_VR_CREATED,  /* a room was made */
    JANUS_VR_JOINED,   /* we are a publisher: id is our feed */
    JANUS_VR_ATTACHED, /* we are a subscriber: an offer comes with it */
    JANUS_VR_UPDATED,  /* the subscription changed: a new offer */
    JANUS_VR_EVENT,    /* configured, started, publishers, unpublished, errors */
    JANUS_VR_DESTROYED,
};

struct janus_msg {
    enum janus_kind kind;
    char transaction[JANUS_TXN_MAX + 1]; /* "" when none */
    uint64_t session, sender;            /* 0 when absent */
    uint64_t data_id;                    /* success: the new session's or handle's id */
    int error_code;                      /* Janus's error, or the plugin's error_code; 0: none */
    char error[128];
    enum janus_vr vr;
    uint64_t room, feed;             /* joined: our feed id */
    uint64_t feeds[JANUS_FEEDS_MAX]; /* publishers listed (joined, event) */
    size_t n_feeds;                  /* capped at JANUS_FEEDS_MAX */
    uint64_t unpublished;            /* a feed that stopped; 0: none */
    bool configured, started;        /* "configured":"ok", "started":"ok" */
    char jsep_type[8];               /* "offer", "answer" or "" */
    char *jsep_sdp;                  /* owned; NULL without jsep */
};

/* Parses a response or a long-poll batch into out[0..cap). Returns how many
 * messages were read (events past cap are left out and counted in
 * *dropped, which may be NULL), or ERR_PARSE / ERR_TOOBIG. Each message must
 * be released with janus_msg_clear. */
int janus_parse(const char *buf, size_t len, struct janus_msg *out, size_t cap, size_t *dropped);
void janus_msg_clear(struct janus_msg *m);

/* The request bodies (malloc'd JSON text, NULL when out of memory or an
 * argument is out of range). txn names the request in the answers. */
char *janus_req_create(const char *txn);
char *janus_req_attach(const char *txn);
char *janus_req_keepalive(const char *txn);
char *janus_req_destroy(const char *txn);
/* VideoRoom requests, POSTed to the handle. A publish offer's JSEP says
 * "rid_order": "lmh" (our a=rid lines go lowest first); every feed a
 * subscriber joins with or adds asks for substream 2 and temporal layer 2
 * (the top simulcast layer, all of it) and falls back to a lower one only
 * after 1.5 s without packets. */
char *janus_req_room_create(const char *txn, uint64_t room, unsigned publishers);
char *janus_req_join_publisher(const char *txn, uint64_t room, const char *display);
char *janus_req_publish(const char *txn, const char *offer_sdp);
char *janus_req_join_subscriber(const char *txn, uint64_t room, const uint64_t *feeds,
                                size_t n_feeds);
char *janus_req_subscribe_more(const char *txn, const uint64_t *feeds, size_t n_feeds);
char *janus_req_start(const char *txn, const char *answer_sdp);
/* Destroys the room (POSTed to a handle of the session that made it). */
char *janus_req_room_destroy(const char *txn, uint64_t room);

/* "/janus", "/janus/<session>" or "/janus/<session>/<handle>" (0 leaves a
 * part out). Returns 0 or ERR_TOOBIG. */
int janus_path(char *buf, size_t cap, uint64_t session, uint64_t handle);

/* An HTTP/1.x answer as read so far, buf[0..len); eof: the peer closed the
 * connection. Returns 1 when it is whole (*status, and the body at
 * buf + *body_off, *body_len bytes: Content-Length's, or up to the close
 * without one), 0 when more is needed, ERR_PARSE (not HTTP/1.x, a chunked
 * body, or cut short) or ERR_TOOBIG (headers over JANUS_HTTP_HEAD_MAX, body
 * over JANUS_MSG_MAX). */
int janus_http_response(const char *buf, size_t len, bool eof, unsigned *status, size_t *body_off,
                        size_t *body_len);

#endif
