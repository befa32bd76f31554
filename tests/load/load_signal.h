/* The generator's signaling thread: the real REST + WSS API with
 * libwebsockets as client (one context, many connections). Logs in, makes
 * the meetings with one link per guest, opens each link (join-info), joins
 * every participant over WSS, lets the host admit the lobby, then publishes
 * and subscribes as a browser would (load_sdp.h), handing the server's side
 * of each peer connection to the media threads (load_media.h). It answers
 * every later subscribe offer until the run stops. */
#ifndef SAMTALE_LOAD_SIGNAL_H
#define SAMTALE_LOAD_SIGNAL_H

#include "tests/load/load.h"

struct lg_signal;

/* Makes the lws context (TLS client with run->cfg's CA or insecure) and
 * starts the thread. Returns 0, ERR_NOMEM or ERR_IO. */
int lg_signal_start(struct lg_signal **out, struct lg_run *run);
/* Wakes the thread (run->stop must be set), joins it, frees everything. */
void lg_signal_stop(struct lg_signal *s);

#endif
