/* Meeting rooms on a media worker: each room has one router; its peers are
 * the participants' publish and subscribe transports on this worker. */
#define LOG_MODULE "room"
#include "media/media_int.h"
#include "media/router.h"
#include "media/transport.h"
#include "server/err.h"
#include "server/log.h"

#include <stdlib.h>
#include <string.h>

#define ROOM_PEERS_MAX 32 /* publish + subscribe transports of up to 16 participants */

struct mroom {
    struct mroom *next;
    struct engine *e;
    int64_t id;
    struct router *router;
    struct msession *peers[ROOM_PEERS_MAX];
    int64_t deadline;
};

static uint32_t peer_id(const struct msession *s)
{
    return (uint32_t)s->id;
}

static struct msession *room_peer(struct mroom *room, uint32_t peer)
{
    for (size_t i = 0; i < ROOM_PEERS_MAX; i++)
        if (room->peers[i] && peer_id(room->peers[i]) == peer)
            return room->peers[i];
    return NULL;
}

/* The router sends to a peer: protect and send on its transport. */
static void emit(void *arg, uint32_t peer, bool rtcp, uint8_t *buf, size_t len, size_t cap)
{
    struct mroom *room = arg;
    struct msession *s = room_peer(room, peer);
    if (!s || !transport_is_connected(s->t))
        return;
    if (rtcp)
        transport_send_rtcp(s->t, buf, len, cap);
    else
        transport_send_rtp(s->t, buf, len, cap);
}

static void on_router_event(void *arg, const struct router_event *ev)
{
    struct mroom *room = arg;
    if (ev->kind != ROUTER_EVENT_ACTIVE_SPEAKER)
        return;
    struct media_event out = {
        .kind = MEDIA_EVENT_SPEAKER,
        .room = room->id,
        .producer = ev->producer,
    };
    media_push(room->e->m, &out);
}

static struct mroom *room_find(struct engine *e, int64_t id)
{
    for (struct mroom *r = e->rooms; r; r = r->next)
        if (r->id == id)
            return r;
    return NULL;
}

static struct mroom *room_get(struct engine *e, int64_t id)
{
    struct mroom *room = room_find(e, id);
    if (room)
        return room;
    room = calloc(1, sizeof *room);
    if (!room)
        return NULL;
    room->e = e;
    room->id = id;
    struct router_cfg cfg = {
        .emit = emit,
        .event = on_router_event,
        .arg = room,
        .now_us = worker_clock_us(),
    };
    if (router_create(&room->router, &cfg) < 0) {
        free(room);
        return NULL;
    }
    room->next = e->rooms;
    e->rooms = room;
    return room;
}

static void room_free(struct engine *e, struct mroom *room)
{
    for (struct mroom **pp = &e->rooms; *pp; pp = &(*pp)->next) {
        if (*pp == room) {
            *pp = room->next;
            break;
        }
    }
    for (size_t i = 0; i < ROOM_PEERS_MAX; i++) {
        struct msession *s = room->peers[i];
        if (s) {
            s->room = NULL; /* no callback into a room going away */
            engine_session_free(e, s);
        }
    }
    router_destroy(room->router);
    free(room);
}

static void rearm_room(struct engine *e, struct mroom *room)
{
    room->deadline = router_next_deadline(room->router);
    worker_set_deadline(e->w, room->deadline);
}

void engine_room_peer_gone(struct engine *e, struct msession *s)
{
    struct mroom *room = s->room;
    router_remove_peer(room->router, peer_id(s));
    for (size_t i = 0; i < ROOM_PEERS_MAX; i++)
        if (room->peers[i] == s)
            room->peers[i] = NULL;
    s->room = NULL;
    (void)e;
}

static void create_peer(struct engine *e, const struct media_cmd *cmd)
{
    const struct media_peer_params *p = &cmd->u.peer;
    struct mroom *room = room_get(e, p->room);
    size_t slot = ROOM_PEERS_MAX;
    for (size_t i = 0; room && i < ROOM_PEERS_MAX && slot == ROOM_PEERS_MAX; i++)
        if (!room->peers[i])
            slot = i;
    struct msession *s = NULL;
    if (!room || slot == ROOM_PEERS_MAX ||
        engine_session_create(e, p->session, p->ufrag, p->pwd, p->remote_ufrag, p->fp_alg, p->fp,
                              p->role, &s) < 0) {
        media_push_event(e->m, p->session, MEDIA_EVENT_FAILED, ICE_PROTO_UDP,
                         "the transport could not be created");
        return;
    }
    s->room = room;
    room->peers[slot] = s;
    engine_session_rearm(e, s);
}

static void restart_ice(struct engine *e, const struct media_cmd *cmd)
{
    struct msession *s = engine_session_find(e, cmd->session);
    if (!s)
        return;
    int rc = transport_restart_ice(s->t, worker_clock_us(), cmd->u.restart.ufrag,
                                   cmd->u.restart.pwd, cmd->u.restart.remote_ufrag);
    if (rc < 0)
        LOG_W("session %llu: ICE restart refused: %s", (unsigned long long)s->id, err_str(rc));
    engine_session_rearm(e, s);
}

void engine_room_command(struct engine *e, struct media_cmd *cmd)
{
    if (cmd->kind == MEDIA_CMD_PEER) {
        create_peer(e, cmd);
        return;
    }
    if (cmd->kind == MEDIA_CMD_ICE_RESTART) {
        restart_ice(e, cmd);
        return;
    }
    struct mroom *room = room_find(e, cmd->room);
    if (!room)
        return; /* closed meanwhile */
    int rc = 0;
    switch (cmd->kind) {
    case MEDIA_CMD_PRODUCER_ADD:
        rc = router_add_producer(room->router, &cmd->u.producer);
        break;
    case MEDIA_CMD_PRODUCER_REMOVE:
        rc = router_remove_producer(room->router, cmd->id);
        break;
    case MEDIA_CMD_CONSUMER_ADD:
        rc = router_add_consumer(room->router, &cmd->u.consumer);
        break;
    case MEDIA_CMD_CONSUMER_REMOVE:
        rc = router_remove_consumer(room->router, cmd->id);
        break;
    case MEDIA_CMD_PREFS:
        rc = router_set_prefs(room->router, cmd->id, &cmd->u.prefs);
        break;
    case MEDIA_CMD_ROOM_CLOSE:
        room_free(e, room);
        return;
    default:
        break;
    }
    if (rc < 0)
        LOG_W("room %lld: command %d for %u refused: %s", (long long)room->id, (int)cmd->kind,
              cmd->id, err_str(rc));
    rearm_room(e, room);
}

void engine_room_media(struct engine *e, struct msession *s, int64_t now_us, bool rtcp,
                       const uint8_t *buf, size_t len)
{
    struct mroom *room = s->room;
    if (rtcp)
        router_on_rtcp(room->router, now_us, peer_id(s), buf, len);
    else
        router_on_rtp(room->router, now_us, peer_id(s), buf, len);
    if (router_next_deadline(room->router) < room->deadline)
        rearm_room(e, room);
}

void engine_rooms_timeout(struct engine *e, int64_t now_us)
{
    for (struct mroom *room = e->rooms; room; room = room->next) {
        if (router_next_deadline(room->router) <= now_us)
            router_timeout(room->router, now_us);
        rearm_room(e, room);
    }
}

void engine_rooms_free(struct engine *e)
{
    while (e->rooms)
        room_free(e, e->rooms);
}
