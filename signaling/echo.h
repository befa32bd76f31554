/* The pre-call check over signaling: a browser offers its camera and
 * microphone, the server answers as an ICE-lite endpoint on a media worker
 * and sends the browser's own media back to it (media/echo.h). Messages
 * echo_start, echo_answer, echo_state and echo_stop: see docs/PROTOCOL.md. */
#ifndef SAMTALE_SIGNALING_ECHO_H
#define SAMTALE_SIGNALING_ECHO_H

#include <jansson.h>
#include <stdbool.h>

struct sig;
struct ws_conn;
struct media_event;

#define ECHO_MAX_SECONDS 120 /* an echo check ends itself after this */

void echo_handle_start(struct sig *sig, struct ws_conn *c, const json_t *msg);
void echo_handle_stop(struct sig *sig, struct ws_conn *c);
/* The connection is going away: end its echo. */
void echo_conn_closed(struct sig *sig, struct ws_conn *c);
/* An event from the media workers; false if it is not about an echo check. */
bool echo_media_event(struct sig *sig, const struct media_event *ev);

#endif
