/* The signaling side of the SFU for one live meeting: each admitted
 * participant's publish connection (the browser offers its microphone,
 * camera and screen) and subscribe connection (the server offers every
 * other participant's tracks and renegotiates as they come and go), turned
 * into producers and consumers of the room's router on a media worker.
 * Messages publish, publish_answer, subscribe_offer, subscribe_answer,
 * subscribe_prefs, subscribe_restart, transport_state and active_speaker:
 * see docs/PROTOCOL.md. Signaling thread only. */
#ifndef SAMTALE_SIGNALING_SFU_H
#define SAMTALE_SIGNALING_SFU_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct media;
struct sfu_room;
struct media_event;
struct meeting;

/* Sends msg (ownership taken) to a participant of the meeting, if connected. */
typedef void (*sfu_send_fn)(void *arg, uint32_t pid, json_t *msg);

/* On media worker `worker` of `media`, or one the media picks (-1). The
 * room numbers its transports from *next_session, a counter it shares with
 * everything else that opens media sessions on the signaling thread. */
int sfu_room_create(struct sfu_room **out, struct media *media, uint64_t *next_session,
                    int64_t meeting_id, int worker, sfu_send_fn send, void *send_arg);
/* The media workers have been stopped (at exit): the room must not touch
 * them any more, and sfu_room_destroy only frees it. */
void sfu_room_media_stopped(struct sfu_room *r);
/* Closes the room on its worker. NULL-safe. */
void sfu_room_destroy(struct sfu_room *r);

/* A media message from an admitted participant: publish, subscribe,
 * subscribe_answer, subscribe_prefs or subscribe_restart. Returns false for
 * any other type. A screen in a publish is refused unless may_share_screen. */
bool sfu_handle(struct sfu_room *r, uint32_t pid, const char *type, const json_t *msg,
                bool may_share_screen);
/* Stops the screen tracks of everyone the meeting no longer lets share
 * (after the host's allow_screen_share false); they get screen_share_stopped. */
void sfu_enforce_screen_permission(struct sfu_room *r, const struct meeting *m);
/* The participant is no longer in the meeting: its media goes. */
void sfu_participant_left(struct sfu_room *r, uint32_t pid);
/* The media worker of the room: a phone call of the meeting runs there. */
unsigned sfu_room_worker(const struct sfu_room *r);
/* A phone caller admitted into the meeting (signaling/sfu_phone.c): a
 * place in the room and the producer id and SSRC its voice gets on the
 * worker (media_phone_move adds it to the router). ERR_FULL when the room
 * has no place. sfu_participant_left undoes it. */
int sfu_phone_join(struct sfu_room *r, uint32_t pid, uint64_t call_session, uint32_t *producer_out,
                   uint32_t *voice_ssrc_out);
/* The call is set up in the room: its voice is offered to every browser
 * like a microphone, and while a phone is in the room the worker mixes
 * every browser microphone for the callers. */
int sfu_phone_ready(struct sfu_room *r, uint32_t pid);
/* An event of one of this room's transports or its router; false if not ours. */
bool sfu_media_event(struct sfu_room *r, const struct media_event *ev);

#endif
