/* Shared by media.c (the signaling thread's side) and engine.c (what runs
 * on each worker). Not for other modules. */
#ifndef SAMTALE_MEDIA_MEDIA_INT_H
#define SAMTALE_MEDIA_MEDIA_INT_H

#include <stdatomic.h>

#include "media/addrmap.h"
#include "media/media.h"
#include "media/queue.h"
#include "media/worker.h"

struct msession;

/* Counters written by one worker thread, read by any (relaxed). */
struct engine_counters {
    _Atomic uint64_t dropped_unknown_source;
    _Atomic uint64_t dropped_garbage;
    _Atomic uint64_t srtp_failures;
    _Atomic uint64_t dtls_ok, dtls_failed;
    _Atomic uint64_t transports_new, transports_connected, transports_failed;
};

struct engine {
    struct media *m;
    struct worker *w;
    unsigned index;
    struct addrmap *by_addr;   /* worker thread only */
    struct msession *sessions; /* worker thread only */
    struct engine_counters c;
};

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
};

enum media_cmd_kind { MEDIA_CMD_ECHO, MEDIA_CMD_CLOSE };

struct media_cmd {
    enum media_cmd_kind kind;
    uint64_t session;
    struct media_echo_params echo;
};

extern const struct worker_handler engine_handler;

/* Queues an event for the signaling thread (any worker thread). */
void media_push_event(struct media *m, uint64_t session, enum media_event_kind kind,
                      enum ice_proto proto, const char *reason);

#endif
