/* Shared by media.c (the signaling thread's side) and the engine (what
 * runs on each worker, media/engine.h): the media handle and the commands
 * from one to the other. Not for other modules. */
#ifndef SAMTALE_MEDIA_MEDIA_INT_H
#define SAMTALE_MEDIA_MEDIA_INT_H

#include "media/engine.h"
#include "media/media.h"
#include "media/queue.h"
#include "media/router.h"
#include "media/worker.h"

struct media {
    struct engine engines[MEDIA_WORKERS_MAX];
    unsigned n;
    unsigned next; /* round robin */
    struct queue *events;
    struct dtls_cert *cert;
    char fingerprint[DTLS_FINGERPRINT_MAX];
    char public_addrs[MEDIA_ADDRS_MAX][MEDIA_ADDR_MAX];
    size_t n_public;
    void (*wake)(void *arg);
    void *wake_arg;
    const struct media_prompt *prompts; /* the caller's, read-only */
    size_t n_prompts;
};

enum media_cmd_kind {
    MEDIA_CMD_ECHO,
    MEDIA_CMD_CLOSE,
    MEDIA_CMD_PEER,
    MEDIA_CMD_PRODUCER_ADD,
    MEDIA_CMD_PRODUCER_REMOVE,
    MEDIA_CMD_CONSUMER_ADD,
    MEDIA_CMD_CONSUMER_REMOVE,
    MEDIA_CMD_PREFS,
    MEDIA_CMD_ICE_RESTART,
    MEDIA_CMD_PEER_CAP,
    MEDIA_CMD_PEER_REMB,
    MEDIA_CMD_ROOM_CLOSE,
    MEDIA_CMD_PHONE_CREATE,
    MEDIA_CMD_PHONE_REMOTE,
    MEDIA_CMD_PHONE_MODE,
    MEDIA_CMD_PHONE_PLAY,
    MEDIA_CMD_PHONE_CLOSE,
    MEDIA_CMD_PHONE_MOVE,
    MEDIA_CMD_MIX_SOURCE,
};

struct media_cmd {
    enum media_cmd_kind kind;
    uint64_t session;
    int64_t room;
    uint32_t id; /* producer or consumer */
    union {
        struct media_echo_params echo;
        struct media_peer_params peer;
        struct router_producer_cfg producer;
        struct router_consumer_cfg consumer;
        struct router_prefs prefs;
        uint64_t bps;
        bool remb;
        struct media_phone_params phone;
        struct {
            char addr[MEDIA_ADDR_MAX];
            uint16_t port, rtcp_port;
            bool hold;
        } remote;
        enum media_phone_mode mode;
        struct {
            unsigned prompt;
            bool loop;
        } play;
        bool add; /* MEDIA_CMD_MIX_SOURCE */
        struct {
            char ufrag[MEDIA_UFRAG_LEN + 1];
            char pwd[MEDIA_PWD_LEN + 1];
            char remote_ufrag[MEDIA_CRED_MAX];
        } restart;
    } u;
};

/* Posts a command to a worker; frees it on failure. */
int media_post(struct media *m, unsigned worker, struct media_cmd *cmd);

/* Queues an event for the signaling thread (any worker thread). */
void media_push_event(struct media *m, uint64_t session, enum media_event_kind kind,
                      enum ice_proto proto, const char *reason);
void media_push(struct media *m, const struct media_event *ev);

#endif
