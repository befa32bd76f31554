/* The generator's signaling with Janus's VideoRoom (--server janus), the
 * side-by-side benchmark's peer: the role load_signal.h has for samtale.
 * One thread drives every participant's janus_flow.h over Janus's plain
 * HTTP API with a small non-blocking HTTP client (epoll, one TCP
 * connection per request, at most one POST and one long poll per
 * participant in flight; HTTP/1.0, so Janus sends each body whole up to
 * the close rather than in chunks). Meeting m is room m + 1, made by its first
 * participant (the others start once it exists); everyone publishes the
 * offer the samtale mode makes (load_sdp.h; with --video the simulcast
 * camera too, its rids lowest first as the JSEP tells Janus), and once
 * every publisher of the meeting is up, subscribes to the others' feeds
 * (the top substream with every temporal layer, what samtale forwards to
 * a subscriber without preferences) and answers Janus's offer. Janus's ICE and DTLS parameters (its
 * SDP carries its candidates) go to the media threads as in the samtale mode
 * (lg_media_peer_start()), so the media path, the checks and the report are the same. At the stop
 * every meeting's room and every session are destroyed (bounded wait). */
#ifndef SAMTALE_LOAD_SIGNAL_JANUS_H
#define SAMTALE_LOAD_SIGNAL_JANUS_H

#include "tests/load/load.h"

struct lg_janus;

/* Starts the thread for run->cfg.janus_host:janus_port. Returns 0,
 * ERR_INVAL (not an IPv4 address), ERR_NOMEM or ERR_IO. */
int lg_janus_start(struct lg_janus **out, struct lg_run *run);
/* Sets run->stop, ends the rooms and sessions, joins the thread, frees
 * everything. NULL-safe. */
void lg_janus_stop(struct lg_janus *j);

#endif
